/* test_xapi_model_bench.c - cost of the data model per statement: parse,
 * validate, prepare (stored form), index keys, serialise, for a typical ~1 KB
 * diagnostic statement. Checks every round succeeds and prints one JSON line:
 *   DLA_BENCH_N=100000 ./build/default/tests/test_xapi_model_bench
 * (default N = 2000 so that the ASan test run stays short). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "model_int.h"

static const char *TYPICAL =
    "{\"actor\":{\"objectType\":\"Agent\",\"name\":\"Ona "
    "Onaitė\",\"account\":{\"homePage\":"
    "\"https://lms.example.lt\",\"name\":\"7f3a9c2e51d04b8a\"}},\"verb\":{\"id\":\"http:/"
    "/"
    "adlnet.gov/expapi/verbs/"
    "answered\",\"display\":{\"en-US\":\"answered\",\"lt\":\"atsakė\"}},"
    "\"object\":{\"objectType\":\"Activity\",\"id\":\"https://dla.example.lt/diagnostic/"
    "item/"
    "1.2.07\",\"definition\":{\"type\":\"http://adlnet.gov/expapi/activities/"
    "cmi.interaction\","
    "\"name\":{\"lt\":\"Klausimas 1.2.07\"},\"interactionType\":\"choice\","
    "\"correctResponsesPattern\":[\"b\"],\"choices\":[{\"id\":\"a\"},{\"id\":\"b\"},{"
    "\"id\":"
    "\"c\"}]}},\"result\":{\"score\":{\"scaled\":0.5,\"raw\":1,\"min\":0,\"max\":2},"
    "\"success\":"
    "true,\"response\":\"b\",\"duration\":\"PT41.2S\"},\"context\":{\"registration\":"
    "\"0f1e2d3c-"
    "4b5a-4968-8776-a5b4c3d2e1f0\",\"instructor\":{\"account\":{\"homePage\":\"https://"
    "lms.example.lt\",\"name\":\"t-12\"}},\"contextActivities\":{\"parent\":[{\"id\":"
    "\"https://"
    "dla.example.lt/diagnostic/1.2\"}],\"grouping\":[{\"id\":\"https://dla.example.lt/"
    "diagnostic\"}],\"category\":[{\"id\":\"https://dla.example.lt/profile/"
    "digcomp-2.1\"}]},"
    "\"platform\":\"dla\",\"language\":\"lt\"},\"timestamp\":\"2026-11-28T17:04:05.123+"
    "02:00\"}";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int count_key(void *ctx, const char *key, int where)
{
    (void)key;
    (void)where;
    ++*(long *)ctx;
    return 0;
}

static void test_bench(void **state)
{
    (void)state;
    const char *env = getenv("DLA_BENCH_N");
    long n = env ? atol(env) : 2000;
    if (n < 1) {
        n = 1;
    }
    size_t len = strlen(TYPICAL);
    json_t *auth = dla_xm_authority_account("https://lrs.example.lt", "bench");
    double t_parse = 0, t_val = 0, t_prep = 0, t_keys = 0, t_dump = 0;
    long keys = 0;
    char ts[32];
    for (long i = 0; i < n; i++) {
        dla_err_t err;
        double a = now_s();
        json_t *st = json_loadb(TYPICAL, len, JSON_REJECT_DUPLICATES, NULL);
        assert_non_null(st);
        double b = now_s();
        assert_int_equal(dla_xm_validate_statement(st, DLA_XAPI_V200, &err), DLA_OK);
        double c = now_s();
        dla_xm_ts_format(dla_xm_now_us(), 3, ts);
        assert_int_equal(dla_xm_prepare(st, DLA_XAPI_V200, ts, auth, &err), DLA_OK);
        double d = now_s();
        assert_int_equal(dla_xm_statement_agents(st, count_key, &keys), DLA_OK);
        assert_int_equal(dla_xm_statement_activities(st, count_key, &keys), DLA_OK);
        double e = now_s();
        char *js = json_dumps(st, JSON_COMPACT);
        assert_non_null(js);
        double f = now_s();
        free(js);
        json_decref(st);
        t_parse += b - a;
        t_val += c - b;
        t_prep += d - c;
        t_keys += e - d;
        t_dump += f - e;
    }
    assert_true(keys ==
                7 * n); /* 3 agents (actor, instructor, authority), 4 activities */
    double total = t_parse + t_val + t_prep + t_keys + t_dump;
    printf(
        "{\"bench\":\"xapi.model_per_statement\",\"value\":%.2f,\"unit\":\"us\","
        "\"parse_us\":%.2f,\"validate_us\":%.2f,\"prepare_us\":%.2f,\"keys_us\":%.2f,"
        "\"dump_us\":%.2f,\"statements_per_s_one_core\":%.0f,\"n\":%ld,\"bytes\":%zu}\n",
        total / (double)n * 1e6, t_parse / (double)n * 1e6, t_val / (double)n * 1e6,
        t_prep / (double)n * 1e6, t_keys / (double)n * 1e6, t_dump / (double)n * 1e6,
        (double)n / total, n, len);
    json_decref(auth);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_bench)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
