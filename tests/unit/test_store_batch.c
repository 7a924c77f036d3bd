/* test_store_batch.c - group commit: many writers share commits, a failing
 * writer rolls back only its own writes, everything acknowledged is readable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dla_store.h"

static dla_store_t *g_s;
static dla_db_t g_db;
static char g_dir[64];

typedef struct {
    int id;
    int fail; /* write, then fail: the write must not survive */
} wctx_t;

static int write_fn(dla_txn_t *t, void *ctx, dla_err_t *err)
{
    wctx_t *w = ctx;
    char k[32];
    int n = snprintf(k, sizeof k, "k%05d", w->id);
    int rc = dla_kv_put(t, g_db, k, (size_t)n, "v", 1, DLA_PUT_NOOVERWRITE, err);
    if (rc != DLA_OK)
        return rc;
    return w->fail ? dla_err_set(err, DLA_EINVAL, "refused %d", w->id) : DLA_OK;
}

static void *worker(void *arg)
{
    int base = *(int *)arg;
    for (int i = 0; i < 50; i++) {
        wctx_t w = {base + i, (base + i) % 7 == 0};
        dla_err_t err = {0};
        int rc = dla_store_batch(g_s, write_fn, &w, &err);
        if (w.fail ? rc != DLA_EINVAL : rc != DLA_OK)
            return (void *)1;
    }
    return NULL;
}

static void test_concurrent_batches(void **state)
{
    (void)state;
    pthread_t th[8];
    int bases[8];
    for (int i = 0; i < 8; i++) {
        bases[i] = i * 1000;
        assert_int_equal(pthread_create(&th[i], NULL, worker, &bases[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(th[i], &r);
        assert_null(r);
    }
    dla_txn_t *t;
    assert_int_equal(dla_txn_begin(g_s, 0, &t, NULL), DLA_OK);
    int present = 0;
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < 50; j++) {
            int id = i * 1000 + j;
            char k[32];
            int n = snprintf(k, sizeof k, "k%05d", id);
            dla_val_t v;
            int rc = dla_kv_get(t, g_db, k, (size_t)n, &v);
            if (id % 7 == 0)
                assert_int_equal(rc, DLA_ENOTFOUND); /* rolled back alone */
            else {
                assert_int_equal(rc, DLA_OK);
                present++;
            }
        }
    dla_txn_abort(t);
    assert_true(present > 300);
}

static void test_duplicate_key_fails_alone(void **state)
{
    (void)state;
    wctx_t a = {424242, 0};
    dla_err_t err = {0};
    assert_int_equal(dla_store_batch(g_s, write_fn, &a, &err), DLA_OK);
    assert_int_equal(dla_store_batch(g_s, write_fn, &a, &err), DLA_EEXIST);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/dla-batch-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    dla_store_opts_t o = {64, 0, 1, 0};
    assert_int_equal(dla_store_open(g_dir, &o, &g_s, NULL), DLA_OK);
    assert_int_equal(dla_store_db(g_s, "batch", DLA_DB_CREATE, &g_db, NULL), DLA_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dla_store_close(g_s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : 1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_batches),
        cmocka_unit_test(test_duplicate_key_fails_alone),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
