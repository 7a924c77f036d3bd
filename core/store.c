/* store.c - the LMDB environment behind dla_store.h. */
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dla_auth.h"
#include "dla_log.h"
#include "dla_store.h"
#include "store_int.h"

#define SCHEMA_VERSION 1

struct dla_store_s {
    MDB_env *env;
    int sync;
    pthread_mutex_t dbi_lock;
    MDB_dbi meta, ttl, ttl_exp;
    int schema;
    dla_batcher_t *batcher; /* group commit (store_batch.c); NULL when read-only */
};

struct dla_txn_s {
    MDB_txn *txn;
    dla_store_t *s;
    int write;
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

int dla_txn_begin(dla_store_t *s, int write, dla_txn_t **out, dla_err_t *err)
{
    dla_txn_t *t = malloc(sizeof *t);
    if (!t)
        return dla_err_set(err, DLA_ENOMEM, "out of memory beginning transaction");
    int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
    if (rc != MDB_SUCCESS) {
        free(t);
        return dla_err_set(err, map_rc(rc), "could not begin transaction: %s",
                           mdb_strerror(rc));
    }
    t->s = s;
    t->write = write;
    *out = t;
    return DLA_OK;
}

int dla_txn_commit(dla_txn_t *t, dla_err_t *err)
{
    int rc = mdb_txn_commit(t->txn);
    free(t);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "could not commit: %s", mdb_strerror(rc));
    return DLA_OK;
}

void dla_txn_abort(dla_txn_t *t)
{
    if (!t)
        return;
    mdb_txn_abort(t->txn);
    free(t);
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

static int (*const migrations[])(dla_store_t *, MDB_txn *) = {migrate_0_to_1};

static int run_migrations(dla_store_t *s, dla_err_t *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc != MDB_SUCCESS)
        return dla_err_set(err, map_rc(rc), "could not open store: %s", mdb_strerror(rc));
    if ((rc = open_dbi(s, txn, "meta", DLA_DB_CREATE, &s->meta)) != MDB_SUCCESS ||
        (rc = open_dbi(s, txn, "ttl", DLA_DB_CREATE, &s->ttl)) != MDB_SUCCESS ||
        (rc = open_dbi(s, txn, "ttl_exp", DLA_DB_CREATE, &s->ttl_exp)) != MDB_SUCCESS)
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
    if ((rc = mdb_dbi_open(txn, "meta", 0, &s->meta)) != MDB_SUCCESS ||
        (rc = mdb_dbi_open(txn, "ttl", 0, &s->ttl)) != MDB_SUCCESS ||
        (rc = mdb_dbi_open(txn, "ttl_exp", 0, &s->ttl_exp)) != MDB_SUCCESS) {
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
    if (!opts->read_only && !(s->batcher = dla_batcher_new())) {
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
    if (s->env)
        mdb_env_close(s->env);
    pthread_mutex_destroy(&s->dbi_lock);
    free(s);
}

int dla_store_schema_version(dla_store_t *s) { return s->schema; }
MDB_env *dla_store_env(dla_store_t *s) { return s->env; }
dla_batcher_t *dla_store_batcher(dla_store_t *s) { return s->batcher; }

int dla_txn_wrap_nested(dla_store_t *s, MDB_txn *parent, dla_txn_t **out, dla_err_t *err)
{
    dla_txn_t *t = malloc(sizeof *t);
    if (!t)
        return dla_err_set(err, DLA_ENOMEM, "out of memory beginning transaction");
    int rc = mdb_txn_begin(s->env, parent, 0, &t->txn);
    if (rc != MDB_SUCCESS) {
        free(t);
        return dla_err_set(err, map_rc(rc), "could not begin transaction: %s",
                           mdb_strerror(rc));
    }
    t->s = s;
    t->write = 1;
    *out = t;
    return DLA_OK;
}
int dla_store_sync_enabled(const dla_store_t *s) { return s->sync; }

int dla_store_flush(dla_store_t *s, dla_err_t *err)
{
    int rc = mdb_env_sync(s->env, 1);
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

/* ---- TTL records --------------------------------------------------------------------
 * ttl:     ns \0 key            -> be64(expires) value
 * ttl_exp: be64(expires) ns \0 key -> ""   (sweep index)                           */

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

int dla_ttl_put(dla_txn_t *t, const char *ns, const void *key, size_t klen, const void *val,
                size_t vlen, int64_t expires, unsigned flags, dla_err_t *err)
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

int dla_ttl_get(dla_txn_t *t, const char *ns, const void *key, size_t klen, int64_t now,
                dla_val_t *out)
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

int dla_ttl_del(dla_txn_t *t, const char *ns, const void *key, size_t klen)
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
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
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
