/* test_store.c - unit tests of the LMDB store (core/dla_store.h).
 *
 * Also a helper for tests/integration/core_crash.sh:
 *   test_store --writer DIR    writes numbered records in durable transactions
 *                              forever (until killed), each also as a TTL record
 *                              (the no-sync TTL environment), printing each
 *                              sequence number once both are committed
 *   test_store --verify DIR    checks that every committed record is intact and
 *                              that nothing of an uncommitted one is visible, in
 *                              both environments; prints "ok N" (N records in
 *                              both) and exits 0, or the problem and 1
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dla_store.h"

/* ---- fixtures ------------------------------------------------------------------ */

typedef struct fx_s {
    char dir[128];
    dla_store_t *s;
} fx_t;

static int rm_rf(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/dla-test-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    dla_store_opts_t o = {.map_size_mb = 64, .sync = 0};
    dla_err_t err = {0};
    if (dla_store_open(f->dir, &o, &f->s, &err) != DLA_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    dla_store_close(f->s);
    rm_rf(f->dir);
    free(f);
    return 0;
}

static void put(dla_store_t *s, dla_db_t db, const char *k, const char *v)
{
    dla_txn_t *t;
    dla_err_t err;
    assert_int_equal(dla_txn_begin(s, 1, &t, &err), DLA_OK);
    assert_int_equal(dla_kv_put(t, db, k, strlen(k), v, strlen(v), 0, &err), DLA_OK);
    assert_int_equal(dla_txn_commit(t, &err), DLA_OK);
}

/* Value of k as a static string, or NULL. */
static const char *get(dla_store_t *s, dla_db_t db, const char *k)
{
    static char buf[4096];
    dla_txn_t *t;
    dla_val_t v;
    assert_int_equal(dla_txn_begin(s, 0, &t, NULL), DLA_OK);
    int rc = dla_kv_get(t, db, k, strlen(k), &v);
    if (rc == DLA_OK)
        snprintf(buf, sizeof buf, "%.*s", (int)v.len, (const char *)v.data);
    dla_txn_abort(t);
    return rc == DLA_OK ? buf : NULL;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_open_and_schema(void **state)
{
    fx_t *f = *state;
    assert_true(dla_store_schema_version(f->s) >= 1);
    assert_int_equal(dla_store_sync_enabled(f->s), 0);
    dla_store_stat_t st;
    assert_int_equal(dla_store_stat(f->s, &st), DLA_OK);
    assert_int_equal(st.map_size, 64u << 20);
    assert_true(st.page_size >= 4096);
    assert_true(st.used_bytes > 0);
    /* reopening the same dir keeps the schema and the data */
    dla_db_t db;
    assert_int_equal(dla_store_db(f->s, "kept", DLA_DB_CREATE, &db, NULL), DLA_OK);
    put(f->s, db, "k", "v");
    int schema = dla_store_schema_version(f->s);
    dla_store_close(f->s);
    f->s = NULL;
    assert_int_equal(dla_store_open(f->dir, NULL, &f->s, NULL), DLA_OK);
    assert_int_equal(dla_store_schema_version(f->s), schema);
    assert_int_equal(dla_store_sync_enabled(f->s), 1); /* durable by default */
    assert_int_equal(dla_store_db(f->s, "kept", 0, &db, NULL), DLA_OK);
    assert_string_equal(get(f->s, db, "k"), "v");
}

static void test_open_errors(void **state)
{
    fx_t *f = *state;
    char path[256];
    dla_err_t err = {0};
    dla_store_t *s = NULL;
    /* a data dir below a regular file cannot be created */
    snprintf(path, sizeof path, "%s/file", f->dir);
    FILE *fp = fopen(path, "w");
    fclose(fp);
    snprintf(path, sizeof path, "%s/file/sub", f->dir);
    assert_int_equal(dla_store_open(path, NULL, &s, &err), DLA_EIO);
    assert_null(s);
    assert_non_null(strstr(err.msg, path));
    /* a missing database without CREATE */
    dla_db_t db;
    assert_int_equal(dla_store_db(f->s, "never-created", 0, &db, &err), DLA_ENOTFOUND);
    assert_non_null(strstr(err.msg, "never-created"));
}

static void test_kv_basics(void **state)
{
    fx_t *f = *state;
    dla_db_t db;
    dla_err_t err;
    assert_int_equal(dla_store_db(f->s, "kv", DLA_DB_CREATE, &db, &err), DLA_OK);
    put(f->s, db, "b", "2");
    put(f->s, db, "a", "1");
    put(f->s, db, "a", "one"); /* overwrite */
    assert_string_equal(get(f->s, db, "a"), "one");
    assert_null(get(f->s, db, "zz"));

    dla_txn_t *t;
    assert_int_equal(dla_txn_begin(f->s, 1, &t, &err), DLA_OK);
    assert_int_equal(dla_kv_put(t, db, "a", 1, "x", 1, DLA_PUT_NOOVERWRITE, &err),
                     DLA_EEXIST);
    /* binary keys and values with NUL bytes */
    assert_int_equal(dla_kv_put(t, db, "n\0ul", 4, "v\0v", 3, 0, &err), DLA_OK);
    dla_val_t v;
    assert_int_equal(dla_kv_get(t, db, "n\0ul", 4, &v), DLA_OK);
    assert_int_equal(v.len, 3);
    assert_memory_equal(v.data, "v\0v", 3);
    assert_int_equal(dla_kv_get(t, db, "n", 1, &v), DLA_ENOTFOUND);
    /* reserve */
    void *dst = NULL;
    assert_int_equal(dla_kv_reserve(t, db, "r", 1, 5, &dst, &err), DLA_OK);
    memcpy(dst, "hello", 5);
    assert_int_equal(dla_kv_del(t, db, "b", 1, NULL, 0), DLA_OK);
    assert_int_equal(dla_kv_del(t, db, "b", 1, NULL, 0), DLA_ENOTFOUND);
    assert_int_equal(dla_txn_commit(t, &err), DLA_OK);
    assert_string_equal(get(f->s, db, "r"), "hello");
    assert_null(get(f->s, db, "b"));

    /* abort discards */
    assert_int_equal(dla_txn_begin(f->s, 1, &t, &err), DLA_OK);
    assert_int_equal(dla_kv_put(t, db, "tmp", 3, "x", 1, 0, &err), DLA_OK);
    dla_txn_abort(t);
    assert_null(get(f->s, db, "tmp"));
    dla_txn_abort(NULL);
}

static void test_kv_limits(void **state)
{
    fx_t *f = *state;
    dla_db_t db;
    dla_err_t err;
    assert_int_equal(dla_store_db(f->s, "lim", DLA_DB_CREATE, &db, &err), DLA_OK);
    dla_txn_t *t;
    assert_int_equal(dla_txn_begin(f->s, 1, &t, &err), DLA_OK);
    char key[600];
    memset(key, 'k', sizeof key);
    /* an over-long or empty key is refused, never a crash */
    assert_int_not_equal(dla_kv_put(t, db, key, sizeof key, "v", 1, 0, &err), DLA_OK);
    assert_int_not_equal(dla_kv_put(t, db, key, 0, "v", 1, 0, &err), DLA_OK);
    dla_val_t v;
    assert_int_not_equal(dla_kv_get(t, db, key, sizeof key, &v), DLA_OK);
    /* a large value (overflow pages) round-trips */
    size_t n = 3u << 20;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)(i * 7);
    assert_int_equal(dla_kv_put(t, db, "big", 3, big, n, 0, &err), DLA_OK);
    assert_int_equal(dla_txn_commit(t, &err), DLA_OK);
    assert_int_equal(dla_txn_begin(f->s, 0, &t, &err), DLA_OK);
    assert_int_equal(dla_kv_get(t, db, "big", 3, &v), DLA_OK);
    assert_int_equal(v.len, n);
    assert_memory_equal(v.data, big, n);
    dla_txn_abort(t);
    free(big);
}

static void test_map_full(void **state)
{
    fx_t *f = *state;
    /* a 1 MiB map fills up: DLA_EFULL, and the store stays usable */
    char dir[200];
    snprintf(dir, sizeof dir, "%s/small", f->dir);
    dla_store_t *s = NULL;
    dla_store_opts_t o = {.map_size_mb = 1, .sync = 0};
    assert_int_equal(dla_store_open(dir, &o, &s, NULL), DLA_OK);
    dla_db_t db;
    assert_int_equal(dla_store_db(s, "fill", DLA_DB_CREATE, &db, NULL), DLA_OK);
    char val[8192];
    memset(val, 'x', sizeof val);
    int rc = DLA_OK, i;
    for (i = 0; i < 1000 && rc == DLA_OK; i++) {
        dla_txn_t *t;
        char key[16];
        assert_int_equal(dla_txn_begin(s, 1, &t, NULL), DLA_OK);
        snprintf(key, sizeof key, "%06d", i);
        rc = dla_kv_put(t, db, key, strlen(key), val, sizeof val, 0, NULL);
        if (rc == DLA_OK)
            rc = dla_txn_commit(t, NULL);
        else
            dla_txn_abort(t);
    }
    assert_int_equal(rc, DLA_EFULL);
    assert_true(i > 10);
    assert_non_null(get(s, db, "000000"));
    dla_store_close(s);
}

static void test_dupsort_and_cursor(void **state)
{
    fx_t *f = *state;
    dla_db_t db;
    dla_err_t err;
    assert_int_equal(dla_store_db(f->s, "idx", DLA_DB_CREATE | DLA_DB_DUPSORT, &db, &err),
                     DLA_OK);
    dla_txn_t *t;
    assert_int_equal(dla_txn_begin(f->s, 1, &t, &err), DLA_OK);
    const char *pairs[][2] = {{"a", "3"}, {"a", "1"}, {"a", "2"}, {"c", "9"}, {"b", "5"}};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(dla_kv_put(t, db, pairs[i][0], 1, pairs[i][1], 1, 0, &err),
                         DLA_OK);
    assert_int_equal(dla_kv_put(t, db, "a", 1, "2", 1, DLA_PUT_NODUPDATA, &err),
                     DLA_EEXIST);
    assert_int_equal(dla_txn_commit(t, &err), DLA_OK);

    assert_int_equal(dla_txn_begin(f->s, 0, &t, &err), DLA_OK);
    dla_cursor_t *c;
    assert_int_equal(dla_cursor_open(t, db, &c, &err), DLA_OK);
    char seen[64] = "";
    dla_val_t k, v;
    for (int r = dla_cursor_get(c, DLA_SEEK_FIRST, &k, &v); r == DLA_OK;
         r = dla_cursor_get(c, DLA_SEEK_NEXT, &k, &v)) {
        size_t n = strlen(seen);
        snprintf(seen + n, sizeof seen - n, "%.*s%.*s ", (int)k.len, (const char *)k.data,
                 (int)v.len, (const char *)v.data);
    }
    assert_string_equal(seen, "a1 a2 a3 b5 c9 ");
    /* next key skips duplicates */
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_FIRST, &k, &v), DLA_OK);
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_NEXT_KEY, &k, &v), DLA_OK);
    assert_memory_equal(k.data, "b", 1);
    /* GE, EXACT, LAST, PREV */
    k.data = "bb";
    k.len = 2;
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_GE, &k, &v), DLA_OK);
    assert_memory_equal(k.data, "c", 1);
    k.data = "bb";
    k.len = 2;
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_EXACT, &k, &v), DLA_ENOTFOUND);
    k.data = "a";
    k.len = 1;
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_EXACT, &k, &v), DLA_OK);
    assert_memory_equal(v.data, "1", 1);
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_LAST_DUP, &k, &v), DLA_OK);
    assert_memory_equal(v.data, "3", 1);
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_PREV_DUP, &k, &v), DLA_OK);
    assert_memory_equal(v.data, "2", 1);
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_NEXT_DUP, &k, &v), DLA_OK);
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_NEXT_DUP, &k, &v), DLA_ENOTFOUND);
    k.data = "a";
    k.len = 1;
    v.data = "2";
    v.len = 1;
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_GET_BOTH_GE, &k, &v), DLA_OK);
    assert_memory_equal(v.data, "2", 1);
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_LAST, &k, &v), DLA_OK);
    assert_memory_equal(k.data, "c", 1);
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_PREV, &k, &v), DLA_OK);
    assert_memory_equal(k.data, "b", 1);
    assert_int_equal(dla_cursor_get(c, (dla_seek_t)99, &k, &v), DLA_EINVAL);
    dla_cursor_close(c);
    dla_txn_abort(t);

    /* delete one duplicate, then through a cursor */
    assert_int_equal(dla_txn_begin(f->s, 1, &t, &err), DLA_OK);
    assert_int_equal(dla_kv_del(t, db, "a", 1, "2", 1), DLA_OK);
    assert_int_equal(dla_kv_del(t, db, "a", 1, "2", 1), DLA_ENOTFOUND);
    assert_int_equal(dla_cursor_open(t, db, &c, &err), DLA_OK);
    assert_int_equal(dla_cursor_get(c, DLA_SEEK_FIRST, &k, &v), DLA_OK);
    assert_int_equal(dla_cursor_del(c), DLA_OK);
    dla_cursor_close(c);
    assert_int_equal(dla_txn_commit(t, &err), DLA_OK);
    assert_string_equal(get(f->s, db, "a"), "3");
    dla_cursor_close(NULL);
}

static void test_ttl(void **state)
{
    fx_t *f = *state;
    dla_ttl_txn_t *t;
    dla_err_t err;
    dla_val_t v;
    assert_int_equal(dla_ttl_txn_begin(f->s, 1, &t, &err), DLA_OK);
    assert_int_equal(dla_ttl_put(t, "nonce", "n1", 2, "a", 1, 1000, 0, &err), DLA_OK);
    assert_int_equal(dla_ttl_put(t, "nonce", "n2", 2, "b", 1, 2000, 0, &err), DLA_OK);
    assert_int_equal(dla_ttl_put(t, "other", "n1", 2, "c", 1, 3000, 0, &err), DLA_OK);
    assert_int_equal(dla_ttl_put(t, "nonce", "", 0, "x", 1, 3000, 0, &err), DLA_EINVAL);
    assert_int_equal(dla_ttl_txn_commit(t, &err), DLA_OK);

    assert_int_equal(dla_ttl_txn_begin(f->s, 0, &t, &err), DLA_OK);
    assert_int_equal(dla_ttl_get(t, "nonce", "n1", 2, 999, &v), DLA_OK);
    assert_memory_equal(v.data, "a", 1);
    assert_int_equal(dla_ttl_get(t, "nonce", "n1", 2, 1000, &v),
                     DLA_ENOTFOUND);                                      /* expired */
    assert_int_equal(dla_ttl_get(t, "other", "n1", 2, 1000, &v), DLA_OK); /* namespaced */
    assert_memory_equal(v.data, "c", 1);
    assert_int_equal(dla_ttl_get(t, "nonce", "zz", 2, 0, &v), DLA_ENOTFOUND);
    dla_ttl_txn_abort(t);

    /* sweep removes only expired records */
    assert_int_equal(dla_ttl_sweep(f->s, 1500, 100, &err), 1);
    assert_int_equal(dla_ttl_sweep(f->s, 1500, 100, &err), 0);
    assert_int_equal(dla_ttl_txn_begin(f->s, 0, &t, &err), DLA_OK);
    assert_int_equal(dla_ttl_get(t, "nonce", "n1", 2, 0, &v), DLA_ENOTFOUND); /* gone */
    assert_int_equal(dla_ttl_get(t, "nonce", "n2", 2, 1500, &v), DLA_OK);
    dla_ttl_txn_abort(t);

    /* overwrite moves the expiry: the old index entry must not sweep the new record */
    assert_int_equal(dla_ttl_txn_begin(f->s, 1, &t, &err), DLA_OK);
    assert_int_equal(dla_ttl_put(t, "nonce", "n2", 2, "B", 1, 9000, 0, &err), DLA_OK);
    assert_int_equal(dla_ttl_txn_commit(t, &err), DLA_OK);
    assert_int_equal(dla_ttl_sweep(f->s, 5000, 100, &err), 1); /* "other"/n1 only */
    assert_int_equal(dla_ttl_txn_begin(f->s, 0, &t, &err), DLA_OK);
    assert_int_equal(dla_ttl_get(t, "nonce", "n2", 2, 5000, &v), DLA_OK);
    assert_memory_equal(v.data, "B", 1);
    dla_ttl_txn_abort(t);

    /* sweep honours max, delete works */
    assert_int_equal(dla_ttl_txn_begin(f->s, 1, &t, &err), DLA_OK);
    for (int i = 0; i < 10; i++) {
        char k[8];
        snprintf(k, sizeof k, "s%d", i);
        assert_int_equal(dla_ttl_put(t, "bulk", k, strlen(k), "", 0, 100 + i, 0, &err),
                         DLA_OK);
    }
    assert_int_equal(dla_ttl_del(t, "nonce", "n2", 2), DLA_OK);
    assert_int_equal(dla_ttl_del(t, "nonce", "n2", 2), DLA_ENOTFOUND);
    assert_int_equal(dla_ttl_txn_commit(t, &err), DLA_OK);
    assert_int_equal(dla_ttl_sweep(f->s, 10000, 4, &err), 4);
    assert_int_equal(dla_ttl_sweep(f->s, 10000, 100, &err), 6);
}

static void test_ttl_nooverwrite(void **state)
{
    fx_t *f = *state;
    dla_ttl_txn_t *t;
    dla_err_t err;
    int64_t far = (int64_t)time(NULL) + 3600;
    assert_int_equal(dla_ttl_txn_begin(f->s, 1, &t, &err), DLA_OK);
    assert_int_equal(
        dla_ttl_put(t, "nonce", "x", 1, "1", 1, far, DLA_PUT_NOOVERWRITE, &err), DLA_OK);
    assert_int_equal(
        dla_ttl_put(t, "nonce", "x", 1, "2", 1, far, DLA_PUT_NOOVERWRITE, &err),
        DLA_EEXIST); /* replay refused */
    /* an expired record is replaced */
    assert_int_equal(dla_ttl_put(t, "nonce", "y", 1, "1", 1, 1, 0, &err), DLA_OK);
    assert_int_equal(
        dla_ttl_put(t, "nonce", "y", 1, "2", 1, far, DLA_PUT_NOOVERWRITE, &err), DLA_OK);
    assert_int_equal(dla_ttl_txn_commit(t, &err), DLA_OK);
}

static void test_read_only_open(void **state)
{
    fx_t *f = *state;
    dla_txn_t *t;
    dla_ttl_txn_t *tt;
    dla_err_t err;
    dla_db_t db;
    dla_val_t v;
    int64_t far = (int64_t)time(NULL) + 3600;
    assert_int_equal(dla_store_db(f->s, "ro", DLA_DB_CREATE, &db, &err), DLA_OK);
    put(f->s, db, "k", "v");
    assert_int_equal(dla_ttl_txn_begin(f->s, 1, &tt, &err), DLA_OK);
    assert_int_equal(dla_ttl_put(tt, "ns", "k", 1, "tv", 2, far, 0, &err), DLA_OK);
    assert_int_equal(dla_ttl_txn_commit(tt, &err), DLA_OK);
    int64_t since = dla_store_volatile_since(f->s);
    dla_store_close(f->s);
    f->s = NULL;
    dla_store_opts_t o = {.read_only = 1};
    assert_int_equal(dla_store_open(f->dir, &o, &f->s, &err), DLA_OK);
    assert_int_equal(dla_store_db(f->s, "ro", 0, &db, &err), DLA_OK);
    assert_string_equal(get(f->s, db, "k"), "v");
    assert_int_equal(dla_txn_begin(f->s, 1, &t, &err) == DLA_OK ? 0 : 1,
                     1); /* no writes */
    assert_int_equal(dla_ttl_txn_begin(f->s, 1, &tt, &err) == DLA_OK ? 0 : 1, 1);
    assert_int_equal(dla_ttl_txn_begin(f->s, 0, &tt, &err), DLA_OK);
    int ttl_rc = dla_ttl_get(tt, "ns", "k", 1, 0, &v);
    dla_ttl_txn_abort(tt);
    assert_int_equal(ttl_rc, DLA_OK);
    assert_int_equal(dla_store_volatile_since(f->s), since);
    assert_true(dla_store_schema_version(f->s) >= 2);
}

typedef struct th_arg_s {
    dla_store_t *s;
    dla_db_t db;
    int id, ok;
} th_arg_t;

static void *writer_thread(void *p)
{
    th_arg_t *a = p;
    for (int i = 0; i < 100; i++) {
        dla_txn_t *t;
        char k[32], v[32];
        snprintf(k, sizeof k, "t%d-%03d", a->id, i);
        snprintf(v, sizeof v, "%d", i);
        if (dla_txn_begin(a->s, 1, &t, NULL) != DLA_OK)
            continue;
        if (dla_kv_put(t, a->db, k, strlen(k), v, strlen(v), 0, NULL) == DLA_OK &&
            dla_txn_commit(t, NULL) == DLA_OK)
            a->ok++;
        else
            dla_txn_abort(t);
        /* a reader in between */
        if (dla_txn_begin(a->s, 0, &t, NULL) == DLA_OK) {
            dla_val_t val;
            if (dla_kv_get(t, a->db, k, strlen(k), &val) != DLA_OK)
                a->ok = -100000;
            dla_txn_abort(t);
        }
    }
    return NULL;
}

static void test_threads(void **state)
{
    fx_t *f = *state;
    dla_db_t db;
    assert_int_equal(dla_store_db(f->s, "mt", DLA_DB_CREATE, &db, NULL), DLA_OK);
    pthread_t th[4];
    th_arg_t args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (th_arg_t){f->s, db, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, writer_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].ok, 100);
    }
}

/* ---- crash helper (see the header) ------------------------------------------------ */

/* Record i: key "rec:%08d", value = i repeated in a deterministic pattern whose
 * size varies (16 B .. ~40 KB, overflow pages included). "last" holds the
 * highest committed i in the same transaction. */
static size_t rec_value(unsigned i, char *buf, size_t cap)
{
    size_t n = 16 + (size_t)((i * 2654435761u) % (i % 10 == 0 ? 40000 : 600));
    if (n > cap)
        n = cap;
    for (size_t j = 0; j < n; j++)
        buf[j] = (char)('a' + (i + j * 31) % 26);
    return n;
}

static int crash_writer(const char *dir)
{
    dla_store_t *s;
    dla_err_t err = {0};
    dla_db_t db;
    static char val[40960];
    if (dla_store_open(dir, NULL, &s, &err) != DLA_OK ||
        dla_store_db(s, "crash", DLA_DB_CREATE, &db, &err) != DLA_OK) {
        fprintf(stderr, "writer: %s\n", err.msg);
        return 1;
    }
    unsigned next = 0;
    dla_txn_t *t;
    dla_val_t v;
    if (dla_txn_begin(s, 0, &t, &err) == DLA_OK) {
        if (dla_kv_get(t, db, "last", 4, &v) == DLA_OK && v.len == sizeof next) {
            memcpy(&next, v.data, sizeof next);
            next++;
        }
        dla_txn_abort(t);
    }
    /* killed between the two commits last time: the TTL copy of the last record
     * is missing, write it first */
    dla_ttl_txn_t *tt;
    if (next > 0 && dla_ttl_txn_begin(s, 1, &tt, &err) == DLA_OK) {
        char key[32];
        snprintf(key, sizeof key, "rec:%08u", next - 1);
        size_t n = rec_value(next - 1, val, sizeof val);
        if (dla_ttl_get(tt, "crash", key, strlen(key), 0, &v) != DLA_OK &&
            dla_ttl_put(tt, "crash", key, strlen(key), val, n, INT64_MAX, 0, &err) !=
                DLA_OK) {
            fprintf(stderr, "writer: ttl: %s\n", err.msg);
            return 1;
        }
        if (dla_ttl_txn_commit(tt, &err) != DLA_OK) {
            fprintf(stderr, "writer: ttl: %s\n", err.msg);
            return 1;
        }
    }
    for (;; next++) {
        char key[32];
        if (dla_txn_begin(s, 1, &t, &err) != DLA_OK)
            return 1;
        /* a few records per transaction, plus the marker */
        snprintf(key, sizeof key, "rec:%08u", next);
        size_t n = rec_value(next, val, sizeof val);
        if (dla_kv_put(t, db, key, strlen(key), val, n, 0, &err) != DLA_OK ||
            dla_kv_put(t, db, "last", 4, &next, sizeof next, 0, &err) != DLA_OK) {
            fprintf(stderr, "writer: %s\n", err.msg);
            return 1;
        }
        if (dla_txn_commit(t, &err) != DLA_OK) {
            fprintf(stderr, "writer: %s\n", err.msg);
            return 1;
        }
        /* the same record in the TTL environment (never fsynced: a kill -9 must
         * lose nothing there either) */
        if (dla_ttl_txn_begin(s, 1, &tt, &err) != DLA_OK ||
            dla_ttl_put(tt, "crash", key, strlen(key), val, n, INT64_MAX, 0, &err) !=
                DLA_OK ||
            dla_ttl_txn_commit(tt, &err) != DLA_OK) {
            fprintf(stderr, "writer: ttl: %s\n", err.msg);
            return 1;
        }
        printf("%u\n", next);
        fflush(stdout);
    }
}

static int crash_verify(const char *dir)
{
    dla_store_t *s;
    dla_err_t err = {0};
    dla_db_t db;
    static char val[40960];
    if (dla_store_open(dir, NULL, &s, &err) != DLA_OK) {
        printf("verify: open failed: %s\n", err.msg);
        return 1;
    }
    if (dla_store_db(s, "crash", 0, &db, &err) != DLA_OK) {
        dla_store_close(s);
        if (err.code == DLA_ENOTFOUND) { /* killed before the first commit */
            printf("ok 0\n");
            return 0;
        }
        printf("verify: %s\n", err.msg);
        return 1;
    }
    dla_txn_t *t;
    dla_val_t v;
    unsigned last = 0, count = 0;
    int rc = 0;
    if (dla_txn_begin(s, 0, &t, &err) != DLA_OK) {
        printf("verify: %s\n", err.msg);
        return 1;
    }
    int have_last = dla_kv_get(t, db, "last", 4, &v) == DLA_OK && v.len == sizeof last;
    if (have_last)
        memcpy(&last, v.data, sizeof last);
    dla_cursor_t *c;
    dla_val_t k;
    dla_cursor_open(t, db, &c, &err);
    for (int r = dla_cursor_get(c, DLA_SEEK_FIRST, &k, &v); r == DLA_OK;
         r = dla_cursor_get(c, DLA_SEEK_NEXT, &k, &v)) {
        if (k.len == 4 && memcmp(k.data, "last", 4) == 0)
            continue;
        unsigned i;
        char key[32];
        snprintf(key, sizeof key, "%.*s", (int)k.len, (const char *)k.data);
        if (sscanf(key, "rec:%08u", &i) != 1) {
            printf("verify: stray key %s\n", key);
            rc = 1;
            break;
        }
        if (i != count) {
            printf("verify: record %u missing (found %u)\n", count, i);
            rc = 1;
            break;
        }
        size_t n = rec_value(i, val, sizeof val);
        if (v.len != n || memcmp(v.data, val, n) != 0) {
            printf("verify: record %u corrupt (%zu bytes, expected %zu)\n", i, v.len, n);
            rc = 1;
            break;
        }
        count++;
    }
    dla_cursor_close(c);
    dla_txn_abort(t);
    if (rc == 0 && count > 0 && (!have_last || last + 1 != count)) {
        printf("verify: marker says %u, %u records present\n", last, count);
        rc = 1;
    }
    /* TTL records: 0..m-1 intact, m = count or count - 1 (killed between the two
     * commits), none beyond */
    unsigned m = 0;
    dla_ttl_txn_t *tt;
    if (rc == 0 && dla_ttl_txn_begin(s, 0, &tt, &err) != DLA_OK) {
        printf("verify: ttl: %s\n", err.msg);
        rc = 1;
    } else if (rc == 0) {
        for (;; m++) {
            char key[32];
            snprintf(key, sizeof key, "rec:%08u", m);
            if (dla_ttl_get(tt, "crash", key, strlen(key), 0, &v) != DLA_OK)
                break;
            size_t n = rec_value(m, val, sizeof val);
            if (v.len != n || memcmp(v.data, val, n) != 0) {
                printf("verify: ttl record %u corrupt\n", m);
                rc = 1;
                break;
            }
        }
        dla_ttl_txn_abort(tt);
        if (rc == 0 && (m > count || m + 1 < count)) {
            printf("verify: %u ttl records for %u records\n", m, count);
            rc = 1;
        }
    }
    dla_store_close(s);
    if (rc == 0)
        printf("ok %u\n", m);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--writer") == 0)
        return crash_writer(argv[2]);
    if (argc == 3 && strcmp(argv[1], "--verify") == 0)
        return crash_verify(argv[2]);
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_and_schema),
        T(test_open_errors),
        T(test_kv_basics),
        T(test_kv_limits),
        T(test_map_full),
        T(test_dupsort_and_cursor),
        T(test_ttl),
        T(test_ttl_nooverwrite),
        T(test_read_only_open),
        T(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
