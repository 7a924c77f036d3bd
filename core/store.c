/* store.c - the LMDB environments behind dla_store.h: the main one (durable) and
 * the TTL one (<data_dir>/ttl/, no fsync, wiped after an OS crash). */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dla_auth.h"
#include "dla_log.h"
#include "dla_store.h"
#include "store_int.h"

#define SCHEMA_VERSION 2
#define BOOT_ID_FILE "/proc/sys/kernel/random/boot_id"
/* not an LMDB code: the TTL environment was written before a reboot */
#define TTL_OTHER_BOOT (-1)

struct dla_store_s {
    MDB_env *env;
    int sync;
    pthread_mutex_t dbi_lock;
    MDB_dbi meta;
    int schema;
    dla_batcher_t *batcher; /* group commit (store_batch.c); NULL when read-only */
    /* TTL environment: NULL when a read-only store found none usable */
    MDB_env *tenv;
    MDB_dbi tmeta, ttl, ttl_exp;
    int64_t volatile_since;
    dla_batcher_t *tbatcher;
};

struct dla_cursor_s {
    MDB_cursor *cur;
};

static int map_rc(int rc)
{
    switch (rc) {
    case MDB_SUCCESS: return DLA_OK;
    case MDB_NOTFOUND: return DLA_ENOTFOUND;
    case MDB_KEYEXIST: return DLA_EEXIST;
    case MDB_MAP_FULL: return DLA_EFULL;
    case ENOMEM: return DLA_ENOMEM;
    default: return DLA_EIO;
    }
}

static int mkdirs(const char *dir)
{
    char p[4096];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0750) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    }
    if (mkdir(p, 0750) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int begin(MDB_env *env, int write, MDB_txn **out, dla_err_t *err)
{
    int rc = mdb_txn_begin(env, NULL, write ? 0 : MDB_RDONLY, out);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "could not begin transaction: %s",
                           mdb_strerror(rc));
    return DLA_OK;
}

/* Commit and abort of either environment's transaction: `wrapper` (the
 * dla_txn_t or dla_ttl_txn_t holding txn) is freed in both cases. */
static int commit_free(MDB_txn *txn, void *wrapper, dla_err_t *err)
{
    int rc = mdb_txn_commit(txn);
    free(wrapper);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "could not commit: %s", mdb_strerror(rc));
    return DLA_OK;
}

static void abort_free(MDB_txn *txn, void *wrapper)
{
    mdb_txn_abort(txn);
    free(wrapper);
}

int dla_txn_begin(dla_store_t *s, int write, dla_txn_t **out, dla_err_t *err)
{
    dla_txn_t *t = malloc(sizeof *t);
    if (!t)
        return dla_err_set(err, DLA_ENOMEM, "out of memory beginning transaction");
    int rc = begin(s->env, write, &t->txn, err);
    if (rc != DLA_OK) {
        free(t);
        return rc;
    }
    t->s = s;
    t->write = write;
    *out = t;
    return DLA_OK;
}

int dla_txn_commit(dla_txn_t *t, dla_err_t *err)
{
    return commit_free(t->txn, t, err);
}

void dla_txn_abort(dla_txn_t *t)
{
    if (t)
        abort_free(t->txn, t);
}

static int open_dbi(dla_store_t *s, MDB_txn *txn, const char *name, unsigned flags,
                    MDB_dbi *out)
{
    unsigned f = 0;
    if (flags & DLA_DB_CREATE)
        f |= MDB_CREATE;
    if (flags & DLA_DB_DUPSORT)
        f |= MDB_DUPSORT;
    if (flags & DLA_DB_INTKEY)
        f |= MDB_INTEGERKEY;
    (void)s;
    return mdb_dbi_open(txn, name, f, out);
}

int dla_store_db(dla_store_t *s, const char *name, unsigned flags, dla_db_t *out,
                 dla_err_t *err)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    int rc;
    pthread_mutex_lock(&s->dbi_lock);
    rc = mdb_txn_begin(s->env, NULL, (flags & DLA_DB_CREATE) ? 0 : MDB_RDONLY, &txn);
    if (rc == MDB_SUCCESS) {
        rc = open_dbi(s, txn, name, flags, &dbi);
        if (rc == MDB_SUCCESS)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
    }
    pthread_mutex_unlock(&s->dbi_lock);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "could not open database \"%s\": %s", name,
                           mdb_strerror(rc));
    *out = dbi;
    return DLA_OK;
}

/* Migrations: each step moves the schema from version i to i+1 inside `txn`. */
static int migrate_0_to_1(dla_store_t *s, MDB_txn *txn)
{
    /* version 1: the meta and TTL databases (created at open); nothing to move. */
    (void)s;
    (void)txn;
    return MDB_SUCCESS;
}

/* Drops a database of the main environment if it exists. */
static int drop_if_present(MDB_txn *txn, const char *name)
{
    MDB_dbi dbi;
    int rc = mdb_dbi_open(txn, name, 0, &dbi);
    if (rc == MDB_NOTFOUND)
        return MDB_SUCCESS;
    if (rc != MDB_SUCCESS)
        return rc;
    return mdb_drop(txn, dbi, 1);
}

static int migrate_1_to_2(dla_store_t *s, MDB_txn *txn)
{
    /* version 2: TTL records moved to the TTL environment; the old ones in the
     * main environment are ephemeral (sessions, nonces, login state) and dropped:
     * their users launch again */
    int rc;
    (void)s;
    if ((rc = drop_if_present(txn, "ttl")) != MDB_SUCCESS)
        return rc;
    return drop_if_present(txn, "ttl_exp");
}

static int (*const migrations[])(dla_store_t *, MDB_txn *) = {migrate_0_to_1,
                                                              migrate_1_to_2};

static int run_migrations(dla_store_t *s, dla_err_t *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "could not open store: %s", mdb_strerror(rc));
    if ((rc = open_dbi(s, txn, "meta", DLA_DB_CREATE, &s->meta)) != MDB_SUCCESS)
        goto fail;
    MDB_val k = {14, "schema_version"}, v;
    int version = 0;
    rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == MDB_SUCCESS && v.mv_size == sizeof(int))
        memcpy(&version, v.mv_data, sizeof(int));
    else if (rc != MDB_NOTFOUND && rc != MDB_SUCCESS)
        goto fail;
    if (version > SCHEMA_VERSION) {
        mdb_txn_abort(txn);
        return dla_err_set(err, DLA_EIO,
                           "store schema version %d is newer than this dla (%d)", version,
                           SCHEMA_VERSION);
    }
    for (int i = version; i < SCHEMA_VERSION; i++) {
        if ((rc = migrations[i](s, txn)) != MDB_SUCCESS)
            goto fail;
        dla_log(DLA_LOG_INFO, "store: migrated schema %d -> %d", i, i + 1);
    }
    int nv = SCHEMA_VERSION;
    v.mv_size = sizeof nv;
    v.mv_data = &nv;
    if ((rc = mdb_put(txn, s->meta, &k, &v, 0)) != MDB_SUCCESS)
        goto fail;
    if ((rc = mdb_txn_commit(txn)) != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "could not open store: %s", mdb_strerror(rc));
    s->schema = SCHEMA_VERSION;
    return DLA_OK;
fail:
    mdb_txn_abort(txn);
    return dla_err_set(err, map_rc(rc), "could not prepare store: %s", mdb_strerror(rc));
}

/* Read-only stores: find the internal databases and the schema version
 * without creating or migrating anything. */
static int open_read_only(dla_store_t *s, dla_err_t *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "could not open store: %s", mdb_strerror(rc));
    if ((rc = mdb_dbi_open(txn, "meta", 0, &s->meta)) != MDB_SUCCESS) {
        mdb_txn_abort(txn);
        return dla_err_set(err, map_rc(rc), "store is not initialised (run dla init): %s",
                           mdb_strerror(rc));
    }
    MDB_val k = {14, "schema_version"}, v;
    if (mdb_get(txn, s->meta, &k, &v) == MDB_SUCCESS && v.mv_size == sizeof(int))
        memcpy(&s->schema, v.mv_data, sizeof(int));
    mdb_txn_commit(txn); /* keeps the dbi handles */
    return DLA_OK;
}

/* ---- the TTL environment -------------------------------------------------------
 * <dir>/ttl/ with databases meta (boot_id, volatile_since), ttl and ttl_exp. It
 * never fsyncs: a process crash loses nothing (the page cache holds LMDB's ordered
 * writes), an OS crash or power cut can lose or tear it. So it is recreated empty
 * when the kernel's boot id differs from the one recorded in it, or when it does
 * not open and verify; volatile_since records when that happened. */

/* Reads the kernel boot id (or DLA_BOOT_ID_FILE's) into out; "" when unreadable. */
static void read_boot_id(char *out, size_t cap)
{
    const char *path = getenv("DLA_BOOT_ID_FILE");
    out[0] = '\0';
    FILE *f = fopen(path && *path ? path : BOOT_ID_FILE, "r");
    if (!f)
        return;
    if (!fgets(out, (int)cap, f))
        out[0] = '\0';
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
}

static int ttl_env_create(dla_store_t *s, const char *tdir, const dla_store_opts_t *opts)
{
    int rc;
    if ((rc = mdb_env_create(&s->tenv)) != MDB_SUCCESS)
        return rc;
    size_t mb = opts->map_size_mb ? opts->map_size_mb : 65536;
    unsigned flags = MDB_NOTLS | MDB_NOSYNC;
    if (opts->read_only)
        flags |= MDB_RDONLY;
    if ((rc = mdb_env_set_maxdbs(s->tenv, 4)) != MDB_SUCCESS ||
        (rc = mdb_env_set_maxreaders(s->tenv, 512)) != MDB_SUCCESS ||
        (rc = mdb_env_set_mapsize(s->tenv, mb * (size_t)1024 * 1024)) != MDB_SUCCESS ||
        (rc = mdb_env_open(s->tenv, tdir, flags, 0640)) != MDB_SUCCESS) {
        mdb_env_close(s->tenv);
        s->tenv = NULL;
        return rc;
    }
    int dead = 0;
    mdb_reader_check(s->tenv, &dead);
    return MDB_SUCCESS;
}

/* Opens the databases and checks the record: MDB_SUCCESS when the environment is
 * intact and of this boot (or the boot is unknown), TTL_OTHER_BOOT when it is of
 * another boot, or LMDB's error. `init` writes a fresh record instead. */
static int ttl_env_verify(dla_store_t *s, const char *boot, int init)
{
    MDB_txn *txn;
    unsigned f = init ? MDB_CREATE : 0;
    int rc = mdb_txn_begin(s->tenv, NULL, init ? 0 : MDB_RDONLY, &txn);
    if (rc != MDB_SUCCESS)
        return rc;
    MDB_val kb = {7, "boot_id"}, kv = {14, "volatile_since"}, v;
    if ((rc = mdb_dbi_open(txn, "meta", f, &s->tmeta)) != MDB_SUCCESS ||
        (rc = mdb_dbi_open(txn, "ttl", f, &s->ttl)) != MDB_SUCCESS ||
        (rc = mdb_dbi_open(txn, "ttl_exp", f, &s->ttl_exp)) != MDB_SUCCESS)
        goto fail;
    if (init) {
        int64_t now = (int64_t)time(NULL);
        MDB_val bv = {strlen(boot), (void *)boot}, nv = {sizeof now, &now};
        if ((rc = mdb_put(txn, s->tmeta, &kb, &bv, 0)) != MDB_SUCCESS ||
            (rc = mdb_put(txn, s->tmeta, &kv, &nv, 0)) != MDB_SUCCESS)
            goto fail;
        s->volatile_since = now;
        return mdb_txn_commit(txn);
    }
    if ((rc = mdb_get(txn, s->tmeta, &kv, &v)) != MDB_SUCCESS)
        goto fail;
    if (v.mv_size != sizeof(int64_t)) {
        rc = MDB_CORRUPTED;
        goto fail;
    }
    memcpy(&s->volatile_since, v.mv_data, sizeof(int64_t));
    if ((rc = mdb_get(txn, s->tmeta, &kb, &v)) != MDB_SUCCESS)
        goto fail;
    if (*boot && (v.mv_size != strlen(boot) || memcmp(v.mv_data, boot, v.mv_size) != 0))
        rc = TTL_OTHER_BOOT;
    mdb_txn_commit(txn); /* keeps the dbi handles */
    return rc;
fail:
    mdb_txn_abort(txn);
    return rc;
}

static void ttl_env_close(dla_store_t *s)
{
    if (s->tenv)
        mdb_env_close(s->tenv);
    s->tenv = NULL;
}

static int ttl_env_wipe(const char *tdir)
{
    const char *files[] = {"data.mdb", "lock.mdb"};
    char p[4200];
    for (size_t i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%s", tdir, files[i]);
        if (unlink(p) != 0 && errno != ENOENT)
            return -1;
    }
    return 0;
}

static int open_ttl_env(dla_store_t *s, const char *dir, const dla_store_opts_t *opts,
                        dla_err_t *err)
{
    char tdir[4096], lockp[4200], datap[4200], boot[64];
    int rc = DLA_OK, m, lockfd = -1;
    if (snprintf(tdir, sizeof tdir, "%s/ttl", dir) >= (int)sizeof tdir)
        return dla_err_set(err, DLA_EINVAL, "data dir path too long");
    read_boot_id(boot, sizeof boot);
    if (opts->read_only) {
        /* never wipes: use it only when it is intact and of this boot */
        if (access(tdir, R_OK) == 0 && ttl_env_create(s, tdir, opts) == MDB_SUCCESS &&
            ttl_env_verify(s, boot, 0) != MDB_SUCCESS)
            ttl_env_close(s);
        if (!s->tenv)
            dla_log(DLA_LOG_INFO, "store: read-only, no TTL records available");
        return DLA_OK;
    }
    if (mkdir(tdir, 0750) != 0 && errno != EEXIST)
        return dla_err_set(err, DLA_EIO, "could not create \"%s\": %s", tdir,
                           strerror(errno));
    /* one process at a time decides whether to wipe (dla serve and a CLI command
     * may open the same data dir) */
    snprintf(lockp, sizeof lockp, "%s/ttl.lock", dir);
    lockfd = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (lockfd < 0 || flock(lockfd, LOCK_EX) != 0) {
        rc = dla_err_set(err, DLA_EIO, "could not lock \"%s\": %s", lockp,
                         strerror(errno));
        goto cleanup;
    }
    snprintf(datap, sizeof datap, "%s/data.mdb", tdir);
    if (access(datap, F_OK) != 0 && errno == ENOENT) {
        dla_log(DLA_LOG_INFO, "store: new TTL store in %s", tdir);
        goto create; /* first open, or a schema-1 store */
    }
    m = ttl_env_create(s, tdir, opts);
    if (m == MDB_SUCCESS && (m = ttl_env_verify(s, boot, 0)) == MDB_SUCCESS)
        goto cleanup;
    if (m > 0) {
        /* a system error (permissions, memory): not a damaged environment, and
         * perhaps one that `dla serve` is using, so never wipe on it */
        ttl_env_close(s);
        rc = dla_err_set(err, DLA_EIO, "could not open the TTL store in \"%s\": %s", tdir,
                         mdb_strerror(m));
        goto cleanup;
    }
    if (m == TTL_OTHER_BOOT)
        dla_log(DLA_LOG_WARN,
                "store: new boot since the TTL records were written: "
                "recreating %s (sessions and launches start afresh)",
                tdir);
    else
        dla_log(DLA_LOG_WARN, "store: TTL records in %s unusable (%s): recreating it",
                tdir, mdb_strerror(m));
    ttl_env_close(s);
    if (ttl_env_wipe(tdir) != 0) {
        rc =
            dla_err_set(err, DLA_EIO, "could not wipe \"%s\": %s", tdir, strerror(errno));
        goto cleanup;
    }
create:
    if ((m = ttl_env_create(s, tdir, opts)) != MDB_SUCCESS ||
        (m = ttl_env_verify(s, boot, 1)) != MDB_SUCCESS)
        rc = dla_err_set(err, map_rc(m), "could not create the TTL store in \"%s\": %s",
                         tdir, mdb_strerror(m));
cleanup:
    if (lockfd >= 0)
        close(lockfd); /* releases the lock */
    return rc;
}

int dla_store_open(const char *dir, const dla_store_opts_t *opts, dla_store_t **out,
                   dla_err_t *err)
{
    dla_store_opts_t def = {0, 0, 1, 0};
    if (!opts)
        opts = &def;
    int rc;
    dla_store_t *s = calloc(1, sizeof *s);
    if (!s)
        return dla_err_set(err, DLA_ENOMEM, "out of memory opening store");
    pthread_mutex_init(&s->dbi_lock, NULL);
    s->sync = opts->sync;
    if (!opts->read_only && mkdirs(dir) != 0) {
        rc = dla_err_set(err, DLA_EIO, "could not create data dir \"%s\": %s", dir,
                         strerror(errno));
        goto cleanup;
    }
    if (access(dir, opts->read_only ? R_OK : (R_OK | W_OK | X_OK)) != 0) {
        rc = dla_err_set(err, DLA_EIO, "data dir \"%s\" is not %s: %s", dir,
                         opts->read_only ? "readable" : "writable", strerror(errno));
        goto cleanup;
    }
    int m;
    if ((m = mdb_env_create(&s->env)) != MDB_SUCCESS ||
        (m = mdb_env_set_maxdbs(s->env, opts->max_dbs ? opts->max_dbs : 128)) !=
            MDB_SUCCESS ||
        (m = mdb_env_set_maxreaders(s->env, 512)) != MDB_SUCCESS ||
        (m = mdb_env_set_mapsize(s->env, (opts->map_size_mb ? opts->map_size_mb : 65536) *
                                             (size_t)1024 * 1024)) != MDB_SUCCESS) {
        rc = dla_err_set(err, map_rc(m), "could not create store: %s", mdb_strerror(m));
        goto cleanup;
    }
    unsigned flags = MDB_NOTLS;
    if (!opts->sync)
        flags |= MDB_NOSYNC;
    if (opts->read_only)
        flags |= MDB_RDONLY;
    if ((m = mdb_env_open(s->env, dir, flags, 0640)) != MDB_SUCCESS) {
        rc = dla_err_set(err, map_rc(m), "could not open store in \"%s\": %s", dir,
                         mdb_strerror(m));
        goto cleanup;
    }
    int dead = 0;
    mdb_reader_check(s->env, &dead);
    if (dead)
        dla_log(DLA_LOG_INFO, "store: cleared %d stale readers", dead);
    if (!opts->read_only && (rc = run_migrations(s, err)) != DLA_OK)
        goto cleanup;
    if (opts->read_only && (rc = open_read_only(s, err)) != DLA_OK)
        goto cleanup;
    if ((rc = open_ttl_env(s, dir, opts, err)) != DLA_OK)
        goto cleanup;
    if (!opts->read_only && (!(s->batcher = dla_batcher_new(s, s->env)) ||
                             !(s->tbatcher = dla_batcher_new(s, s->tenv)))) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory opening store");
        goto cleanup;
    }
    *out = s;
    return DLA_OK;
cleanup:
    dla_store_close(s);
    return rc;
}

void dla_store_close(dla_store_t *s)
{
    if (!s)
        return;
    dla_batcher_free(s->batcher);
    dla_batcher_free(s->tbatcher);
    ttl_env_close(s);
    if (s->env)
        mdb_env_close(s->env);
    pthread_mutex_destroy(&s->dbi_lock);
    free(s);
}

int dla_store_schema_version(dla_store_t *s) { return s->schema; }
dla_batcher_t *dla_store_batcher(dla_store_t *s) { return s->batcher; }
dla_batcher_t *dla_store_ttl_batcher(dla_store_t *s) { return s->tbatcher; }

int64_t dla_store_volatile_since(const dla_store_t *s)
{
    return s->tenv ? s->volatile_since : 0;
}
int dla_store_sync_enabled(const dla_store_t *s) { return s->sync; }

int dla_store_flush(dla_store_t *s, dla_err_t *err)
{
    int rc = mdb_env_sync(s->env, 1);
    if (rc == MDB_SUCCESS && s->tenv)
        rc = mdb_env_sync(s->tenv, 1);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, DLA_EIO, "could not flush store: %s", mdb_strerror(rc));
    return DLA_OK;
}

int dla_store_stat(dla_store_t *s, dla_store_stat_t *out)
{
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info(s->env, &info) != MDB_SUCCESS || mdb_env_stat(s->env, &st) != MDB_SUCCESS)
        return DLA_EIO;
    out->map_size = info.me_mapsize;
    out->page_size = st.ms_psize;
    out->used_bytes = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
    out->readers_max = info.me_maxreaders;
    out->readers_used = info.me_numreaders;
    return DLA_OK;
}

/* ---- key/value ------------------------------------------------------------------- */

int dla_kv_get(dla_txn_t *t, dla_db_t db, const void *key, size_t klen, dla_val_t *out)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(t->txn, db, &k, &v);
    if (rc != MDB_SUCCESS)
        return map_rc(rc);
    out->data = v.mv_data;
    out->len = v.mv_size;
    return DLA_OK;
}

static unsigned put_flags(unsigned flags)
{
    unsigned f = 0;
    if (flags & DLA_PUT_NOOVERWRITE)
        f |= MDB_NOOVERWRITE;
    if (flags & DLA_PUT_APPEND)
        f |= MDB_APPEND;
    if (flags & DLA_PUT_NODUPDATA)
        f |= MDB_NODUPDATA;
    return f;
}

int dla_kv_put(dla_txn_t *t, dla_db_t db, const void *key, size_t klen, const void *val,
               size_t vlen, unsigned flags, dla_err_t *err)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = mdb_put(t->txn, db, &k, &v, put_flags(flags));
    if (rc == MDB_KEYEXIST)
        return DLA_EEXIST;
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "store write failed: %s", mdb_strerror(rc));
    return DLA_OK;
}

int dla_kv_reserve(dla_txn_t *t, dla_db_t db, const void *key, size_t klen, size_t vlen,
                   void **out, dla_err_t *err)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, NULL};
    int rc = mdb_put(t->txn, db, &k, &v, MDB_RESERVE);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "store write failed: %s", mdb_strerror(rc));
    *out = v.mv_data;
    return DLA_OK;
}

int dla_kv_del(dla_txn_t *t, dla_db_t db, const void *key, size_t klen, const void *val,
               size_t vlen)
{
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    return map_rc(mdb_del(t->txn, db, &k, val ? &v : NULL));
}

int dla_db_clear(dla_txn_t *t, dla_db_t db, dla_err_t *err)
{
    int rc = mdb_drop(t->txn, db, 0);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "could not clear database: %s", mdb_strerror(rc));
    return DLA_OK;
}

int dla_cursor_open(dla_txn_t *t, dla_db_t db, dla_cursor_t **out, dla_err_t *err)
{
    dla_cursor_t *c = malloc(sizeof *c);
    if (!c)
        return dla_err_set(err, DLA_ENOMEM, "out of memory opening cursor");
    int rc = mdb_cursor_open(t->txn, db, &c->cur);
    if (rc != MDB_SUCCESS) {
        free(c);
        return dla_err_set(err, map_rc(rc), "could not open cursor: %s", mdb_strerror(rc));
    }
    *out = c;
    return DLA_OK;
}

void dla_cursor_close(dla_cursor_t *c)
{
    if (!c)
        return;
    mdb_cursor_close(c->cur);
    free(c);
}

int dla_cursor_get(dla_cursor_t *c, dla_seek_t op, dla_val_t *k, dla_val_t *v)
{
    static const MDB_cursor_op ops[] = {
        [DLA_SEEK_FIRST] = MDB_FIRST,       [DLA_SEEK_LAST] = MDB_LAST,
        [DLA_SEEK_GE] = MDB_SET_RANGE,      [DLA_SEEK_EXACT] = MDB_SET_KEY,
        [DLA_SEEK_NEXT] = MDB_NEXT,         [DLA_SEEK_PREV] = MDB_PREV,
        [DLA_SEEK_NEXT_KEY] = MDB_NEXT_NODUP, [DLA_SEEK_NEXT_DUP] = MDB_NEXT_DUP,
        [DLA_SEEK_PREV_DUP] = MDB_PREV_DUP, [DLA_SEEK_LAST_DUP] = MDB_LAST_DUP,
        [DLA_SEEK_GET_BOTH_GE] = MDB_GET_BOTH_RANGE,
    };
    if ((unsigned)op >= sizeof ops / sizeof ops[0])
        return DLA_EINVAL;
    MDB_val mk = {0, NULL}, mv = {0, NULL};
    if (op == DLA_SEEK_GE || op == DLA_SEEK_EXACT || op == DLA_SEEK_GET_BOTH_GE) {
        mk.mv_size = k->len;
        mk.mv_data = (void *)k->data;
    }
    if (op == DLA_SEEK_GET_BOTH_GE) {
        mv.mv_size = v->len;
        mv.mv_data = (void *)v->data;
    }
    int rc = mdb_cursor_get(c->cur, &mk, &mv, ops[op]);
    if (rc != MDB_SUCCESS)
        return map_rc(rc);
    if (k) {
        k->data = mk.mv_data;
        k->len = mk.mv_size;
    }
    if (v) {
        v->data = mv.mv_data;
        v->len = mv.mv_size;
    }
    return DLA_OK;
}

int dla_cursor_del(dla_cursor_t *c)
{
    return map_rc(mdb_cursor_del(c->cur, 0));
}

/* ---- TTL records (in the TTL environment) ------------------------------------------
 * ttl:     ns \0 key            -> be64(expires) value
 * ttl_exp: be64(expires) ns \0 key -> ""   (sweep index)                           */

int dla_ttl_txn_begin(dla_store_t *s, int write, dla_ttl_txn_t **out, dla_err_t *err)
{
    if (!s->tenv)
        return dla_err_set(err, DLA_EIO, "no TTL records in this (read-only) store");
    dla_ttl_txn_t *t = malloc(sizeof *t);
    if (!t)
        return dla_err_set(err, DLA_ENOMEM, "out of memory beginning transaction");
    int rc = begin(s->tenv, write, &t->txn, err);
    if (rc != DLA_OK) {
        free(t);
        return rc;
    }
    t->s = s;
    t->write = write;
    *out = t;
    return DLA_OK;
}

int dla_ttl_txn_commit(dla_ttl_txn_t *t, dla_err_t *err)
{
    return commit_free(t->txn, t, err);
}

void dla_ttl_txn_abort(dla_ttl_txn_t *t)
{
    if (t)
        abort_free(t->txn, t);
}

static void be64(unsigned char *b, int64_t v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--) {
        b[i] = (unsigned char)(u & 0xff);
        u >>= 8;
    }
}

static int64_t rd_be64(const unsigned char *b)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | b[i];
    return (int64_t)u;
}

#define TTL_KEY_MAX 480

static int ttl_key(unsigned char *buf, const char *ns, const void *key, size_t klen,
                   size_t *out)
{
    size_t nl = strlen(ns);
    if (nl + 1 + klen > TTL_KEY_MAX || klen == 0)
        return DLA_EINVAL;
    memcpy(buf, ns, nl);
    buf[nl] = '\0';
    memcpy(buf + nl + 1, key, klen);
    *out = nl + 1 + klen;
    return DLA_OK;
}

int dla_ttl_put(dla_ttl_txn_t *t, const char *ns, const void *key, size_t klen,
                const void *val, size_t vlen, int64_t expires, unsigned flags,
                dla_err_t *err)
{
    unsigned char k[TTL_KEY_MAX], xk[TTL_KEY_MAX + 8];
    size_t kl;
    if (ttl_key(k, ns, key, klen, &kl) != DLA_OK)
        return dla_err_set(err, DLA_EINVAL, "ttl key too long or empty");
    MDB_val mk = {kl, k}, old;
    int rc = mdb_get(t->txn, t->s->ttl, &mk, &old);
    if (rc == MDB_SUCCESS && old.mv_size >= 8) {
        int64_t oexp = rd_be64(old.mv_data);
        if ((flags & DLA_PUT_NOOVERWRITE) && oexp > dla_now())
            return DLA_EEXIST; /* live record; an expired one is replaced */
        be64(xk, oexp);
        memcpy(xk + 8, k, kl);
        MDB_val xkv = {kl + 8, xk};
        mdb_del(t->txn, t->s->ttl_exp, &xkv, NULL);
    }
    void *dst;
    MDB_val mv = {8 + vlen, NULL};
    rc = mdb_put(t->txn, t->s->ttl, &mk, &mv, MDB_RESERVE);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "store write failed: %s", mdb_strerror(rc));
    dst = mv.mv_data;
    be64(dst, expires);
    if (vlen)
        memcpy((unsigned char *)dst + 8, val, vlen);
    be64(xk, expires);
    memcpy(xk + 8, k, kl);
    MDB_val xkv = {kl + 8, xk}, empty = {0, (void *)""};
    rc = mdb_put(t->txn, t->s->ttl_exp, &xkv, &empty, 0);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "store write failed: %s", mdb_strerror(rc));
    return DLA_OK;
}

int dla_ttl_get(dla_ttl_txn_t *t, const char *ns, const void *key, size_t klen,
                int64_t now, dla_val_t *out)
{
    unsigned char k[TTL_KEY_MAX];
    size_t kl;
    if (ttl_key(k, ns, key, klen, &kl) != DLA_OK)
        return DLA_ENOTFOUND;
    MDB_val mk = {kl, k}, v;
    int rc = mdb_get(t->txn, t->s->ttl, &mk, &v);
    if (rc != MDB_SUCCESS || v.mv_size < 8)
        return DLA_ENOTFOUND;
    if (rd_be64(v.mv_data) <= now)
        return DLA_ENOTFOUND;
    out->data = (unsigned char *)v.mv_data + 8;
    out->len = v.mv_size - 8;
    return DLA_OK;
}

int dla_ttl_del(dla_ttl_txn_t *t, const char *ns, const void *key, size_t klen)
{
    unsigned char k[TTL_KEY_MAX], xk[TTL_KEY_MAX + 8];
    size_t kl;
    if (ttl_key(k, ns, key, klen, &kl) != DLA_OK)
        return DLA_ENOTFOUND;
    MDB_val mk = {kl, k}, v;
    int rc = mdb_get(t->txn, t->s->ttl, &mk, &v);
    if (rc != MDB_SUCCESS)
        return map_rc(rc);
    if (v.mv_size >= 8) {
        be64(xk, rd_be64(v.mv_data));
        memcpy(xk + 8, k, kl);
        MDB_val xkv = {kl + 8, xk};
        mdb_del(t->txn, t->s->ttl_exp, &xkv, NULL);
    }
    return map_rc(mdb_del(t->txn, t->s->ttl, &mk, NULL));
}

int dla_ttl_sweep(dla_store_t *s, int64_t now, int max, dla_err_t *err)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    if (!s->tenv)
        return 0;
    int rc = mdb_txn_begin(s->tenv, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "ttl sweep: %s", mdb_strerror(rc));
    if ((rc = mdb_cursor_open(txn, s->ttl_exp, &cur)) != MDB_SUCCESS) {
        mdb_txn_abort(txn);
        return dla_err_set(err, map_rc(rc), "ttl sweep: %s", mdb_strerror(rc));
    }
    int n = 0;
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == MDB_SUCCESS && n < max && k.mv_size > 8 && rd_be64(k.mv_data) <= now) {
        MDB_val rk = {k.mv_size - 8, (unsigned char *)k.mv_data + 8};
        mdb_del(txn, s->ttl, &rk, NULL);
        mdb_cursor_del(cur, 0);
        n++;
        rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
        if (rc == MDB_SUCCESS)
            continue;
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    }
    mdb_cursor_close(cur);
    if (n == 0) {
        mdb_txn_abort(txn);
        return 0;
    }
    rc = mdb_txn_commit(txn);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "ttl sweep: %s", mdb_strerror(rc));
    return n;
}
