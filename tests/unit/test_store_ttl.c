/* test_store_ttl.c - the store's TTL environment (<data_dir>/ttl/): kept across
 * reopens of the same boot, wiped when the boot id changes or the environment is
 * damaged, volatile_since, group commit on it, the migration that drops the old
 * TTL databases from the main environment, and read-only stores.
 *
 * The boot id is read from the file named by DLA_BOOT_ID_FILE (documented in
 * core/dla_store.h), which each test points at a file of its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dla_store.h"

typedef struct fx_s {
    char dir[128], boot[160];
    dla_store_t *s;
} fx_t;

static void set_boot(fx_t *f, const char *id)
{
    FILE *fp = fopen(f->boot, "w");
    assert_non_null(fp);
    fprintf(fp, "%s\n", id);
    fclose(fp);
}

static dla_store_t *open_store(fx_t *f, int read_only)
{
    dla_store_opts_t o = {.map_size_mb = 64, .sync = 0, .read_only = read_only};
    dla_err_t err = {0};
    dla_store_t *s = NULL;
    if (dla_store_open(f->dir, &o, &s, &err) != DLA_OK)
        fail_msg("open: %s", err.msg);
    return s;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/dla-test-ttl-XXXXXX");
    if (!f || !mkdtemp(f->dir))
        return -1;
    snprintf(f->boot, sizeof f->boot, "%s.boot", f->dir);
    setenv("DLA_BOOT_ID_FILE", f->boot, 1);
    set_boot(f, "boot-a");
    f->s = open_store(f, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    char cmd[400];
    dla_store_close(f->s);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", f->dir, f->boot);
    if (system(cmd) != 0)
        return -1;
    unsetenv("DLA_BOOT_ID_FILE");
    free(f);
    return 0;
}

static void ttl_set(dla_store_t *s, const char *k, const char *v)
{
    dla_ttl_txn_t *t;
    dla_err_t err = {0};
    int64_t far = (int64_t)time(NULL) + 3600;
    assert_int_equal(dla_ttl_txn_begin(s, 1, &t, &err), DLA_OK);
    assert_int_equal(dla_ttl_put(t, "ns", k, strlen(k), v, strlen(v), far, 0, &err),
                     DLA_OK);
    assert_int_equal(dla_ttl_txn_commit(t, &err), DLA_OK);
}

/* Value of k as a static string, or NULL when absent. */
static const char *ttl_val(dla_store_t *s, const char *k)
{
    static char buf[256];
    dla_ttl_txn_t *t;
    dla_val_t v;
    assert_int_equal(dla_ttl_txn_begin(s, 0, &t, NULL), DLA_OK);
    int rc = dla_ttl_get(t, "ns", k, strlen(k), 0, &v);
    if (rc == DLA_OK)
        snprintf(buf, sizeof buf, "%.*s", (int)v.len, (const char *)v.data);
    dla_ttl_txn_abort(t);
    return rc == DLA_OK ? buf : NULL;
}

static void main_set(dla_store_t *s, const char *db_name, const char *k, const char *v)
{
    dla_db_t db;
    dla_txn_t *t;
    dla_err_t err = {0};
    assert_int_equal(dla_store_db(s, db_name, DLA_DB_CREATE, &db, &err), DLA_OK);
    assert_int_equal(dla_txn_begin(s, 1, &t, &err), DLA_OK);
    assert_int_equal(dla_kv_put(t, db, k, strlen(k), v, strlen(v), 0, &err), DLA_OK);
    assert_int_equal(dla_txn_commit(t, &err), DLA_OK);
}

static int main_has(dla_store_t *s, const char *db_name, const char *k)
{
    dla_db_t db;
    dla_txn_t *t;
    dla_val_t v;
    if (dla_store_db(s, db_name, 0, &db, NULL) != DLA_OK)
        return 0;
    assert_int_equal(dla_txn_begin(s, 0, &t, NULL), DLA_OK);
    int rc = dla_kv_get(t, db, k, strlen(k), &v);
    dla_txn_abort(t);
    return rc == DLA_OK;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_same_boot_keeps(void **state)
{
    fx_t *f = *state;
    int64_t before = (int64_t)time(NULL);
    int64_t since = dla_store_volatile_since(f->s);
    assert_true(since > 0 && since <= before);
    ttl_set(f->s, "k", "v");
    main_set(f->s, "durable", "d", "1");
    dla_store_close(f->s);
    f->s = open_store(f, 0);
    assert_string_equal(ttl_val(f->s, "k"), "v");
    assert_int_equal(dla_store_volatile_since(f->s), since);
    assert_true(main_has(f->s, "durable", "d"));
    char path[256];
    snprintf(path, sizeof path, "%s/ttl/data.mdb", f->dir);
    assert_int_equal(access(path, F_OK), 0); /* its own environment */
}

static void test_new_boot_wipes(void **state)
{
    fx_t *f = *state;
    ttl_set(f->s, "k", "v");
    main_set(f->s, "durable", "d", "1");
    int64_t since = dla_store_volatile_since(f->s);
    dla_store_close(f->s);
    sleep(1); /* volatile_since has a resolution of one second */
    set_boot(f, "boot-b");
    int64_t before = (int64_t)time(NULL);
    f->s = open_store(f, 0);
    assert_null(ttl_val(f->s, "k"));             /* wiped */
    assert_true(main_has(f->s, "durable", "d")); /* durable data untouched */
    assert_true(dla_store_volatile_since(f->s) >= before);
    assert_true(dla_store_volatile_since(f->s) > since);
    /* the new environment works and is kept while the boot stays */
    ttl_set(f->s, "k2", "v2");
    int64_t since2 = dla_store_volatile_since(f->s);
    dla_store_close(f->s);
    f->s = open_store(f, 0);
    assert_string_equal(ttl_val(f->s, "k2"), "v2");
    assert_int_equal(dla_store_volatile_since(f->s), since2);
}

static void test_unknown_boot_and_damage(void **state)
{
    fx_t *f = *state;
    char path[256];
    ttl_set(f->s, "k", "v");
    dla_store_close(f->s);
    /* no boot id file: the boot check is skipped, the records are kept */
    setenv("DLA_BOOT_ID_FILE", "/nonexistent/dla-boot-id", 1);
    f->s = open_store(f, 0);
    assert_string_equal(ttl_val(f->s, "k"), "v");
    dla_store_close(f->s);
    /* a damaged environment is recreated empty, boot id known or not */
    snprintf(path, sizeof path, "%s/ttl/data.mdb", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 4096; i++)
        fputc(0xA5, fp);
    fclose(fp);
    f->s = open_store(f, 0);
    assert_null(ttl_val(f->s, "k"));
    ttl_set(f->s, "k3", "v3");
    assert_string_equal(ttl_val(f->s, "k3"), "v3");
}

static void test_system_error_never_wipes(void **state)
{
    fx_t *f = *state;
    char path[256], moved[300];
    dla_store_opts_t o = {.map_size_mb = 64, .sync = 0};
    dla_err_t err = {0};
    dla_store_t *s = NULL;
    ttl_set(f->s, "k", "v");
    dla_store_close(f->s);
    f->s = NULL;
    snprintf(path, sizeof path, "%s/ttl/data.mdb", f->dir);
    snprintf(moved, sizeof moved, "%s.keep", path);
    /* data.mdb that cannot be opened as a file (EISDIR): an error, no wipe */
    assert_int_equal(rename(path, moved), 0);
    assert_int_equal(mkdir(path, 0750), 0);
    assert_int_equal(dla_store_open(f->dir, &o, &s, &err), DLA_EIO);
    assert_null(s);
    assert_non_null(strstr(err.msg, "could not open the TTL store"));
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(rename(moved, path), 0);
    /* unreadable data.mdb (EACCES; root ignores permissions) */
    if (geteuid() != 0) {
        assert_int_equal(chmod(path, 0), 0);
        assert_int_equal(dla_store_open(f->dir, &o, &s, &err), DLA_EIO);
        assert_null(s);
        assert_int_equal(chmod(path, 0640), 0);
    }
    f->s = open_store(f, 0);
    assert_string_equal(ttl_val(f->s, "k"), "v"); /* not wiped */
}

static void test_read_only(void **state)
{
    fx_t *f = *state;
    dla_ttl_txn_t *t;
    dla_err_t err = {0};
    ttl_set(f->s, "k", "v");
    main_set(f->s, "durable", "d", "1");
    dla_store_close(f->s);
    /* same boot: the records are readable, not writable */
    f->s = open_store(f, 1);
    assert_string_equal(ttl_val(f->s, "k"), "v");
    assert_int_not_equal(dla_ttl_txn_begin(f->s, 1, &t, &err), DLA_OK);
    dla_store_close(f->s);
    /* another boot: a read-only store never wipes, it runs without TTL records */
    set_boot(f, "boot-c");
    f->s = open_store(f, 1);
    assert_true(main_has(f->s, "durable", "d"));
    assert_int_equal(dla_ttl_txn_begin(f->s, 0, &t, &err), DLA_EIO);
    assert_int_equal(dla_store_volatile_since(f->s), 0);
    assert_int_equal(dla_ttl_sweep(f->s, INT64_MAX, 10, &err), 0);
    assert_int_equal(dla_store_batch_ttl(f->s, NULL, NULL, &err), DLA_EINVAL);
    dla_store_close(f->s);
    /* and the next writable open of the new boot does */
    f->s = open_store(f, 0);
    assert_null(ttl_val(f->s, "k"));
}

static void test_migration_drops_old_ttl(void **state)
{
    fx_t *f = *state;
    dla_db_t meta;
    dla_txn_t *t;
    dla_err_t err = {0};
    assert_int_equal(dla_store_schema_version(f->s), 2);
    /* make it look like a schema-1 store: TTL databases in the main environment */
    main_set(f->s, "ttl", "lti11n\0x", "old");
    main_set(f->s, "ttl_exp", "idx", "");
    main_set(f->s, "durable", "d", "1");
    int one = 1;
    assert_int_equal(dla_store_db(f->s, "meta", 0, &meta, &err), DLA_OK);
    assert_int_equal(dla_txn_begin(f->s, 1, &t, &err), DLA_OK);
    assert_int_equal(dla_kv_put(t, meta, "schema_version", 14, &one, sizeof one, 0, &err),
                     DLA_OK);
    assert_int_equal(dla_txn_commit(t, &err), DLA_OK);
    dla_store_close(f->s);
    f->s = open_store(f, 0);
    assert_int_equal(dla_store_schema_version(f->s), 2);
    dla_db_t db;
    assert_int_equal(dla_store_db(f->s, "ttl", 0, &db, NULL), DLA_ENOTFOUND);
    assert_int_equal(dla_store_db(f->s, "ttl_exp", 0, &db, NULL), DLA_ENOTFOUND);
    assert_true(main_has(f->s, "durable", "d"));
    ttl_set(f->s, "k", "v");
    assert_string_equal(ttl_val(f->s, "k"), "v");
}

/* ---- group commit on the TTL environment ---------------------------------------- */

typedef struct {
    dla_store_t *s;
    int id, fail;
} bctx_t;

static int ttl_write_fn(dla_ttl_txn_t *t, void *ctx, dla_err_t *err)
{
    bctx_t *b = ctx;
    char k[32];
    int n = snprintf(k, sizeof k, "b%05d", b->id);
    int rc = dla_ttl_put(t, "batch", k, (size_t)n, "v", 1, INT64_MAX, DLA_PUT_NOOVERWRITE,
                         err);
    if (rc != DLA_OK)
        return rc;
    return b->fail ? dla_err_set(err, DLA_EINVAL, "refused %d", b->id) : DLA_OK;
}

static void *batch_worker(void *arg)
{
    bctx_t *base = arg;
    for (int i = 0; i < 40; i++) {
        bctx_t b = {base->s, base->id + i, (base->id + i) % 5 == 0};
        dla_err_t err = {0};
        int rc = dla_store_batch_ttl(base->s, ttl_write_fn, &b, &err);
        if (b.fail ? rc != DLA_EINVAL : rc != DLA_OK)
            return (void *)1;
    }
    return NULL;
}

static void test_batch_ttl(void **state)
{
    fx_t *f = *state;
    pthread_t th[6];
    bctx_t bases[6];
    for (int i = 0; i < 6; i++) {
        bases[i] = (bctx_t){f->s, i * 1000, 0};
        assert_int_equal(pthread_create(&th[i], NULL, batch_worker, &bases[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        void *r;
        pthread_join(th[i], &r);
        assert_null(r);
    }
    dla_ttl_txn_t *t;
    dla_val_t v;
    assert_int_equal(dla_ttl_txn_begin(f->s, 0, &t, NULL), DLA_OK);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 40; j++) {
            int id = i * 1000 + j;
            char k[32];
            int n = snprintf(k, sizeof k, "b%05d", id);
            int rc = dla_ttl_get(t, "batch", k, (size_t)n, 0, &v);
            assert_int_equal(rc, id % 5 == 0 ? DLA_ENOTFOUND
                                             : DLA_OK); /* alone rolled back */
        }
    dla_ttl_txn_abort(t);
    /* a used key is refused (single use), and nothing of it lands in the main env */
    bctx_t again = {f->s, 1, 0};
    dla_err_t err = {0};
    assert_int_equal(dla_store_batch_ttl(f->s, ttl_write_fn, &again, &err), DLA_EEXIST);
    assert_int_equal(dla_store_db(f->s, "ttl", 0, &(dla_db_t){0}, NULL), DLA_ENOTFOUND);
    /* records survive a reopen (same boot) */
    dla_store_close(f->s);
    f->s = open_store(f, 0);
    assert_int_equal(dla_ttl_txn_begin(f->s, 0, &t, NULL), DLA_OK);
    assert_int_equal(dla_ttl_get(t, "batch", "b00001", 6, 0, &v), DLA_OK);
    dla_ttl_txn_abort(t);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_same_boot_keeps),
        T(test_new_boot_wipes),
        T(test_unknown_boot_and_damage),
        T(test_system_error_never_wipes),
        T(test_read_only),
        T(test_migration_drops_old_ttl),
        T(test_batch_ttl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
