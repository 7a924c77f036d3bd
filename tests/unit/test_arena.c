/* test_arena.c - unit tests of the per-request arena (core/dla_arena.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dla_arena.h"

static void test_alloc_aligned_and_distinct(void **state)
{
    (void)state;
    dla_arena_t *a = dla_arena_new(0);
    assert_non_null(a);
    unsigned char *prev = NULL;
    for (size_t n = 1; n < 300; n += 7) {
        unsigned char *p = dla_arena_alloc(a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xAB, n); /* ASan catches an allocation smaller than asked */
        assert_ptr_not_equal(p, prev);
        prev = p;
    }
    dla_arena_destroy(a);
}

static void test_large_and_growing(void **state)
{
    (void)state;
    dla_arena_t *a = dla_arena_new(256);
    assert_non_null(a);
    /* larger than any block so far: needs its own block */
    char *big = dla_arena_alloc(a, 1u << 20);
    assert_non_null(big);
    memset(big, 1, 1u << 20);
    char *small = dla_arena_alloc(a, 10);
    assert_non_null(small);
    memset(small, 2, 10);
    assert_int_equal(big[(1u << 20) - 1], 1); /* not overwritten by the next alloc */
    /* thousands of small allocations across many blocks */
    for (int i = 0; i < 5000; i++) {
        int *p = dla_arena_alloc(a, sizeof *p * 3);
        assert_non_null(p);
        p[0] = p[1] = p[2] = i;
    }
    assert_true(dla_arena_used(a) >= (1u << 20) + 10 + 5000 * 12);
    dla_arena_destroy(a);
}

static void test_overflow_refused(void **state)
{
    (void)state;
    dla_arena_t *a = dla_arena_new(0);
    assert_null(dla_arena_alloc(a, SIZE_MAX));
    assert_null(dla_arena_alloc(a, SIZE_MAX - 20));
    /* still usable afterwards */
    assert_non_null(dla_arena_alloc(a, 32));
    dla_arena_destroy(a);
}

static void test_strings(void **state)
{
    (void)state;
    dla_arena_t *a = dla_arena_new(0);
    char *s = dla_arena_strdup(a, "skaitmeninė kompetencija");
    assert_string_equal(s, "skaitmeninė kompetencija");
    assert_string_equal(dla_arena_strndup(a, "abcdef", 3), "abc");
    assert_string_equal(dla_arena_strndup(a, "ab", 10), "ab");
    assert_string_equal(dla_arena_strdup(a, ""), "");
    assert_string_equal(dla_arena_sprintf(a, "%s-%d-%05.1f", "x", 42, 3.25),
                        "x-42-003.2");
    char longbuf[10000];
    memset(longbuf, 'z', sizeof longbuf - 1);
    longbuf[sizeof longbuf - 1] = '\0';
    char *l = dla_arena_sprintf(a, "<%s>", longbuf);
    assert_non_null(l);
    assert_int_equal(strlen(l), sizeof longbuf + 1);
    assert_int_equal(l[0], '<');
    assert_int_equal(l[sizeof longbuf], '>');
    char *z = dla_arena_calloc(a, 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    dla_arena_destroy(a);
}

static int order[8];
static int norder;
static void record(void *arg)
{
    order[norder++] = (int)(intptr_t)arg;
}

static void test_cleanups_reverse_order(void **state)
{
    (void)state;
    norder = 0;
    dla_arena_t *a = dla_arena_new(0);
    for (int i = 1; i <= 3; i++)
        assert_int_equal(dla_arena_cleanup(a, record, (void *)(intptr_t)i), 0);
    dla_arena_destroy(a);
    assert_int_equal(norder, 3);
    assert_int_equal(order[0], 3);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 1);
}

static void test_reset_runs_cleanups_and_reuses(void **state)
{
    (void)state;
    norder = 0;
    dla_arena_t *a = dla_arena_new(1024);
    assert_int_equal(dla_arena_cleanup(a, record, (void *)(intptr_t)7), 0);
    for (int i = 0; i < 100; i++)
        assert_non_null(dla_arena_alloc(a, 500)); /* spills into more blocks */
    dla_arena_reset(a);
    assert_int_equal(norder, 1);
    assert_int_equal(order[0], 7);
    assert_int_equal(dla_arena_used(a), 0);
    /* works normally after reset, cleanups do not run twice */
    char *s = dla_arena_strdup(a, "again");
    assert_string_equal(s, "again");
    for (int i = 0; i < 100; i++)
        assert_non_null(dla_arena_alloc(a, 500));
    dla_arena_reset(a);
    dla_arena_reset(a);
    dla_arena_destroy(a);
    assert_int_equal(norder, 1);
}

static void test_null_is_noop(void **state)
{
    (void)state;
    dla_arena_destroy(NULL);
    dla_arena_reset(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_aligned_and_distinct),
        cmocka_unit_test(test_large_and_growing),
        cmocka_unit_test(test_overflow_refused),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_cleanups_reverse_order),
        cmocka_unit_test(test_reset_runs_cleanups_and_reuses),
        cmocka_unit_test(test_null_is_noop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
