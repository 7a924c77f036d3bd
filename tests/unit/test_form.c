/* test_form.c - unit tests of urlencoded parsing (core/dla_form.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dla_form.h"

static int setup(void **state)
{
    *state = dla_arena_new(0);
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    dla_arena_destroy(*state);
    return 0;
}

static int parse(dla_arena_t *a, const char *s, dla_form_t *f)
{
    dla_err_t err = {0};
    return dla_form_parse(a, s, strlen(s), 0, f, &err);
}

static void test_basic_pairs(void **state)
{
    dla_form_t f;
    assert_int_equal(parse(*state, "a=1&b=two&c=", &f), DLA_OK);
    assert_int_equal(f.count, 3);
    assert_string_equal(f.pairs[0].name, "a");
    assert_string_equal(f.pairs[0].value, "1");
    assert_string_equal(dla_form_get(&f, "b"), "two");
    assert_string_equal(dla_form_get(&f, "c"), "");
    assert_int_equal(f.pairs[2].value_len, 0);
    assert_null(dla_form_get(&f, "d"));
}

static void test_decoding(void **state)
{
    dla_form_t f;
    assert_int_equal(parse(*state,
                           "name=Jonas+Jonaitis&city=Vilnius%2C%20LT&lt=%C5%A0iauliai"
                           "&plus=%2B&pct=100%25&Key%3D=v%26w",
                           &f),
                     DLA_OK);
    assert_string_equal(dla_form_get(&f, "name"), "Jonas Jonaitis");
    assert_string_equal(dla_form_get(&f, "city"), "Vilnius, LT");
    assert_string_equal(dla_form_get(&f, "lt"), "Šiauliai");
    assert_string_equal(dla_form_get(&f, "plus"), "+");
    assert_string_equal(dla_form_get(&f, "pct"), "100%");
    assert_string_equal(dla_form_get(&f, "Key="), "v&w");
    /* lower-case hex too */
    assert_int_equal(parse(*state, "x=%c5%a0", &f), DLA_OK);
    assert_string_equal(dla_form_get(&f, "x"), "Š");
}

static void test_duplicates_and_order(void **state)
{
    dla_form_t f;
    assert_int_equal(parse(*state, "role=a&x=1&role=b&role=c", &f), DLA_OK);
    assert_int_equal(dla_form_count(&f, "role"), 3);
    assert_int_equal(dla_form_count(&f, "x"), 1);
    assert_int_equal(dla_form_count(&f, "nope"), 0);
    assert_string_equal(dla_form_get(&f, "role"), "a"); /* first wins */
    assert_string_equal(f.pairs[2].value, "b");
    assert_string_equal(f.pairs[3].value, "c");
}

static void test_edge_shapes(void **state)
{
    dla_form_t f;
    assert_int_equal(parse(*state, "", &f), DLA_OK);
    assert_int_equal(f.count, 0);
    assert_int_equal(parse(*state, "&&&", &f), DLA_OK);
    assert_int_equal(f.count, 0);
    assert_int_equal(parse(*state, "flag", &f), DLA_OK); /* no '=' */
    assert_int_equal(f.count, 1);
    assert_string_equal(dla_form_get(&f, "flag"), "");
    assert_int_equal(parse(*state, "=v&a==b&&z=1&", &f), DLA_OK);
    assert_int_equal(f.count, 3);
    assert_string_equal(f.pairs[0].name, "");
    assert_string_equal(f.pairs[0].value, "v");
    assert_string_equal(dla_form_get(&f, "a"), "=b"); /* split at the first '=' */
    assert_string_equal(dla_form_get(&f, "z"), "1");
}

static void test_nul_in_value_kept_with_length(void **state)
{
    dla_form_t f;
    assert_int_equal(parse(*state, "v=a%00b&n=1", &f), DLA_OK);
    assert_int_equal(f.pairs[0].value_len, 3);
    assert_memory_equal(f.pairs[0].value, "a\0b", 3);
    dla_err_t err = {0};
    assert_int_equal(dla_form_parse(*state, "a%00b=1", 7, 0, &f, &err), DLA_EINVAL);
}

static void test_malformed_escapes(void **state)
{
    static const char *bad[] = {"a=%", "a=%4",      "a=%zz", "a=%4g",
                                "%=1", "a=1&b=%G0", "a=%%41"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dla_form_t f = {0};
        dla_err_t err = {0};
        int rc = dla_form_parse(*state, bad[i], strlen(bad[i]), 0, &f, &err);
        if (rc != DLA_EINVAL)
            fail_msg("\"%s\" parsed (rc %d)", bad[i], rc);
        assert_non_null(strstr(err.msg, "offset"));
    }
}

static void test_length_is_respected(void **state)
{
    dla_form_t f;
    dla_err_t err;
    /* only the first 3 bytes count; no NUL terminator needed */
    char buf[8] = {'a', '=', '1', '&', 'b', '=', '2', 'X'};
    assert_int_equal(dla_form_parse(*state, buf, 3, 0, &f, &err), DLA_OK);
    assert_int_equal(f.count, 1);
    assert_int_equal(dla_form_parse(*state, buf, 7, 0, &f, &err), DLA_OK);
    assert_string_equal(dla_form_get(&f, "b"), "2");
}

static void test_max_pairs(void **state)
{
    dla_form_t f;
    dla_err_t err = {0};
    assert_int_equal(dla_form_parse(*state, "a=1&b=2&c=3", 11, 3, &f, &err), DLA_OK);
    assert_int_equal(dla_form_parse(*state, "a=1&b=2&c=3&d=4", 15, 3, &f, &err),
                     DLA_ETOOBIG);
    /* default limit 1000 */
    size_t n = 1001;
    char *big = malloc(n * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)sprintf(big + o, "%sa=1", i ? "&" : "");
    assert_int_equal(dla_form_parse(*state, big, o, 0, &f, &err), DLA_ETOOBIG);
    assert_int_equal(dla_form_parse(*state, big, o, 2000, &f, &err), DLA_OK);
    assert_int_equal(f.count, n);
    free(big);
}

static void test_url_encode_decode(void **state)
{
    size_t n;
    const char *raw = "Jonas Jonaitis/€ ~._-&=+%";
    char *enc = dla_url_encode(*state, raw, strlen(raw));
    assert_string_equal(enc, "Jonas%20Jonaitis%2F%E2%82%AC%20~._-%26%3D%2B%25");
    char *dec = dla_url_decode(*state, enc, strlen(enc), 0, &n);
    assert_string_equal(dec, raw);
    assert_int_equal(n, strlen(raw));
    /* '+' only becomes a space when asked */
    assert_string_equal(dla_url_decode(*state, "a+b", 3, 0, &n), "a+b");
    assert_string_equal(dla_url_decode(*state, "a+b", 3, 1, &n), "a b");
    assert_null(dla_url_decode(*state, "%", 1, 1, &n));
    /* every byte survives a round trip */
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    enc = dla_url_encode(*state, (const char *)all, sizeof all);
    dec = dla_url_decode(*state, enc, strlen(enc), 1, &n);
    assert_int_equal(n, 256);
    assert_memory_equal(dec, all, 256);
    assert_string_equal(dla_url_encode(*state, "", 0), "");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_basic_pairs),
        T(test_decoding),
        T(test_duplicates_and_order),
        T(test_edge_shapes),
        T(test_nul_in_value_kept_with_length),
        T(test_malformed_escapes),
        T(test_length_is_respected),
        T(test_max_pairs),
        T(test_url_encode_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
