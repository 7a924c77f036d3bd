/* test_json.c - unit tests of the fast JSON reader and writer (core/dla_json.h).
 * The differential fuzz target tests/fuzz/fuzz_json.c covers agreement with
 * jansson on arbitrary input; these pin the documented behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dla_json.h"

static json_t *parse(const char *s, unsigned flags, dla_json_error_t *je)
{
    return dla_json_parse(s, strlen(s), flags, je);
}

/* dumps v compactly, compares with want, frees both */
static void dumps_is(json_t *v, unsigned flags, const char *want)
{
    size_t n = 0;
    assert_non_null(v);
    char *s = dla_json_dumps(v, flags, &n);
    assert_non_null(s);
    assert_string_equal(s, want);
    assert_int_equal(n, strlen(want));
    free(s);
    json_decref(v);
}

static void test_parse_values(void **state)
{
    (void)state;
    dla_json_error_t je;
    json_t *v = parse(" {\"a\" : [1, -0, 2.5, 1e2, true, false, null, \"x\"], \"b\":{}} ",
                      0, &je);
    assert_non_null(v);
    json_t *a = json_object_get(v, "a");
    assert_int_equal(json_array_size(a), 8);
    assert_true(json_is_integer(json_array_get(a, 0)));
    assert_true(json_is_integer(json_array_get(a, 1)));
    assert_true(json_is_real(json_array_get(a, 2)));
    assert_true(json_is_real(json_array_get(a, 3)));
    assert_true(json_real_value(json_array_get(a, 3)) == 100.0);
    assert_true(json_is_true(json_array_get(a, 4)));
    assert_true(json_is_null(json_array_get(a, 6)));
    assert_string_equal(json_string_value(json_array_get(a, 7)), "x");
    json_decref(v);
}

static void test_parse_strings(void **state)
{
    (void)state;
    dla_json_error_t je;
    json_t *v = parse(
        "[\"\\u0105\\u010d \\ud83d\\ude00 \\\"\\\\\\/\\b\\f\\n\\r\\t\", \"ąžuolas\"]", 0,
        &je);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_array_get(v, 0)),
                        "ąč \xf0\x9f\x98\x80 \"\\/\b\f\n\r\t");
    assert_string_equal(json_string_value(json_array_get(v, 1)), "ąžuolas");
    json_decref(v);
}

static void rejects(const char *s, unsigned flags, const char *why, int line, int col)
{
    dla_json_error_t je;
    json_t *v = parse(s, flags, &je);
    if (v)
        fail_msg("accepted: %s", s);
    assert_non_null(strstr(je.text, why));
    assert_int_equal(je.line, line);
    assert_int_equal(je.column, col);
}

static void test_parse_errors(void **state)
{
    (void)state;
    rejects("", 0, "premature end", 1, 1);
    rejects("\"top\"", 0, "'[' or '{' expected", 1, 1);
    rejects("{\"a\":1} x", 0, "end of file expected", 1, 9);
    rejects("{\"a\":1,\n\"a\":2}", DLA_JSON_REJECT_DUPLICATES, "duplicate object key", 2,
            4);
    rejects("[\"\\u0000\"]", 0, "not allowed", 1, 3);
    rejects("[\"\\ud83d\"]", 0, "invalid Unicode", 1, 3);
    rejects("[\"\\ude00\"]", 0, "invalid Unicode", 1, 3);
    rejects("[\"\xc3\x28\"]", 0, "invalid UTF-8", 1, 3);
    rejects("[\"\xed\xa0\x80\"]", 0, "invalid UTF-8", 1, 3);
    rejects("[\"\xc0\xaf\"]", 0, "invalid UTF-8", 1, 3);
    rejects("[\"a\tb\"]", 0, "control character", 1, 4);
    rejects("[01]", 0, "']' expected", 1, 3);
    rejects("[1.]", 0, "invalid token", 1, 2);
    rejects("[-]", 0, "invalid token", 1, 2);
    rejects("[1e400]", 0, "real number overflow", 1, 2);
    rejects("[9223372036854775808]", 0, "too big integer", 1, 2);
    rejects("[-9223372036854775809]", 0, "too big negative integer", 1, 2);
    rejects("[tru]", 0, "invalid token", 1, 2);
    rejects("{\"a\" 1}", 0, "':' expected", 1, 6);
    rejects("[1,2", 0, "premature end", 1, 5);
    /* a duplicate key is fine without the flag: the last one wins, as in jansson */
    json_t *v = parse("{\"a\":1,\"a\":2}", 0, NULL);
    assert_int_equal(json_integer_value(json_object_get(v, "a")), 2);
    json_decref(v);
}

static void test_depth(void **state)
{
    (void)state;
    size_t n = DLA_JSON_MAX_DEPTH + 1;
    char *s = malloc(2 * n + 1);
    assert_non_null(s);
    memset(s, '[', n);
    memset(s + n, ']', n);
    s[2 * n] = '\0';
    dla_json_error_t je;
    assert_null(dla_json_parse(s, 2 * n, 0, &je));
    assert_non_null(strstr(je.text, "depth"));
    json_t *v = dla_json_parse(s + 1, 2 * n - 2, 0, &je);
    assert_non_null(v);
    json_decref(v);
    free(s);
}

static void test_dump(void **state)
{
    (void)state;
    dumps_is(
        parse("{\"b\":[1,-12,0.37,1.0,-0.0,1e20,1.5e-7,0.1],\"a\":\"x\\n\\u001f\\\"\"}",
              0, NULL),
        0, "{\"b\":[1,-12,0.37,1.0,-0.0,1e20,1.5e-7,0.1],\"a\":\"x\\n\\u001F\\\"\"}");
    dumps_is(parse("{\"b\":{\"z\":1,\"y\":2},\"a\":[],\"ab\":{}}", 0, NULL),
             DLA_JSON_SORT_KEYS, "{\"a\":[],\"ab\":{},\"b\":{\"y\":2,\"z\":1}}");
    dumps_is(json_pack("[I,f]", (json_int_t)INT64_MIN, 0.1 + 0.2), 0,
             "[-9223372036854775808,0.30000000000000004]");
    dumps_is(json_string("ąč/"), DLA_JSON_ENCODE_ANY, "\"ąč/\"");
    /* a scalar needs ENCODE_ANY; NaN cannot be written */
    json_t *s = json_integer(1);
    assert_null(dla_json_dumps(s, 0, NULL));
    json_decref(s);
    /* appending keeps what the buffer held */
    char *buf = NULL;
    size_t len = 0, cap = 0;
    json_t *a = json_pack("[i]", 1);
    assert_int_equal(dla_json_append(&buf, &len, &cap, a, 0), DLA_OK);
    assert_int_equal(dla_json_append(&buf, &len, &cap, a, 0), DLA_OK);
    assert_string_equal(buf, "[1][1]");
    json_decref(a);
    free(buf);
}

static void test_scratch(void **state)
{
    (void)state;
    const char *s;
    size_t n;
    json_t *a = json_pack("{s:i,s:[s]}", "b", 1, "a", "ą");
    assert_int_equal(dla_json_scratch(a, DLA_JSON_SORT_KEYS, &s, &n), DLA_OK);
    assert_string_equal(s, "{\"a\":[\"ą\"],\"b\":1}");
    assert_int_equal(n, strlen(s));
    /* the next call reuses the buffer; a big value grows it and still works */
    json_t *big = json_array();
    for (int i = 0; i < 50000; i++)
        json_array_append_new(big, json_integer(i));
    assert_int_equal(dla_json_scratch(big, 0, &s, &n), DLA_OK);
    assert_true(n > 50000 && s[0] == '[' && s[n - 1] == ']');
    assert_int_equal(dla_json_scratch(a, 0, &s, &n), DLA_OK);
    assert_string_equal(s, "{\"b\":1,\"a\":[\"ą\"]}");
    assert_int_equal(dla_json_scratch(json_object_get(a, "b"), 0, &s, &n), DLA_EINVAL);
    json_decref(big);
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_values), cmocka_unit_test(test_parse_strings),
        cmocka_unit_test(test_parse_errors), cmocka_unit_test(test_depth),
        cmocka_unit_test(test_dump),         cmocka_unit_test(test_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
