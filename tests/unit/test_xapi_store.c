/* test_xapi_store.c - the LRS storage layer through the emitter and the query
 * engine, on a real LMDB store: filters and their intersections across index
 * epochs, paging, ascending order, since/until, voiding, StatementRef targets
 * (also when the reference arrives first), conflicts, tenant isolation and a
 * restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dla_app.h"
#include "dla_xapi.h"
#include "xapi_int.h"

#define N_STMTS 5000 /* more than one index epoch (4096) */

typedef struct fx_s {
    char dir[48];
    dla_app_t app;
} fx_t;

static void open_app(fx_t *f)
{
    dla_store_opts_t o = {0};
    dla_err_t err = {0};
    o.sync = 0;
    memset(&f->app, 0, sizeof f->app);
    assert_int_equal(dla_store_open(f->dir, &o, &f->app.store, &err), DLA_OK);
    f->app.base_url = "https://dla.example.lt";
    assert_int_equal(dla_xapi_module_init(&f->app, &err), DLA_OK);
    assert_non_null(f->app.emit);
}

static void close_app(fx_t *f)
{
    dla_xapi_module_fini(&f->app);
    dla_store_close(f->app.store);
}

static json_t *mk(int agent, int verb, int act, int reg)
{
    char a[64], v[96], o[96], r[40];
    snprintf(a, sizeof a, "mailto:u%d@example.lt", agent);
    snprintf(v, sizeof v, "http://adlnet.gov/expapi/verbs/v%d", verb);
    snprintf(o, sizeof o, "https://dla.example.lt/act/%d", act);
    snprintf(r, sizeof r, "00000000-0000-4000-8000-%012d", reg);
    return json_pack("{s:{s:s},s:{s:s},s:{s:s},s:{s:s,s:{s:[{s:s}]}}}", "actor", "mbox",
                     a, "verb", "id", v, "object", "id", o, "context", "registration", r,
                     "contextActivities", "parent", "id",
                     "https://dla.example.lt/course/1");
}

static void emit(fx_t *f, const char *tenant, json_t *s, char *id)
{
    dla_err_t err = {0};
    int rc = dla_app_emit(&f->app, tenant, s, id, &err);
    if (rc != DLA_OK)
        fail_msg("emit: %s", err.msg);
}

/* Runs a query given as name=value pairs; returns the statements (new ref). */
typedef struct params_s {
    const char *k[8], *v[8];
    size_t n;
} params_t;

static const char *pget(void *ctx, const char *name)
{
    params_t *p = ctx;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->k[i], name) == 0)
            return p->v[i];
    return NULL;
}

static json_t *query(fx_t *f, const char *tenant, uint64_t *next, ...)
{
    params_t p = {{0}, {0}, 0};
    va_list ap;
    va_start(ap, next);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL && p.n < 8) {
        p.k[p.n] = k;
        p.v[p.n] = va_arg(ap, const char *);
        p.n++;
    }
    va_end(ap);
    lrs_t *l = f->app.xapi;
    lrs_query_t q;
    dla_err_t err = {0};
    assert_int_equal(lrs_query_parse(pget, &p, p.k, p.n, 500, &q, &err), DLA_OK);
    dla_txn_t *t;
    assert_int_equal(dla_txn_begin(f->app.store, 0, &t, &err), DLA_OK);
    uint32_t tid;
    json_t *out = json_array();
    uint64_t nx = 0, bound = 0;
    if (lrs_tid_get(l, t, tenant, &tid) == DLA_OK) {
        json_decref(out);
        assert_int_equal(lrs_query_run(l, t, tid, &q, &out, &nx, &bound, &err), DLA_OK);
    }
    dla_txn_abort(t);
    if (next)
        *next = nx;
    return out;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_xapi_store.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    open_app(f);
    /* agent a = i % 50, verb i % 7, activity i % 100, registration i % 500 */
    for (int i = 0; i < N_STMTS; i++) {
        json_t *s = mk(i % 50, i % 7, i % 100, i % 500);
        emit(f, "demo", s, NULL);
        json_decref(s);
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    char cmd[128];
    close_app(f);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static int count_where(json_t *arr, const char *path_key, const char *want)
{
    int n = 0;
    size_t i;
    json_t *s;
    json_array_foreach(arr, i, s)
    {
        json_t *v = NULL;
        if (strcmp(path_key, "verb") == 0)
            v = json_object_get(json_object_get(s, "verb"), "id");
        else if (strcmp(path_key, "actor") == 0)
            v = json_object_get(json_object_get(s, "actor"), "mbox");
        if (v && strcmp(json_string_value(v), want) == 0)
            n++;
    }
    return n;
}

static void test_filters(void **state)
{
    fx_t *f = *state;
    uint64_t next;
    /* agent 7: statements 7, 57, ... -> 100 of them; limit 10 gives a next page */
    json_t *r = query(f, "demo", &next, "agent", "{\"mbox\":\"mailto:u7@example.lt\"}",
                      "limit", "10", NULL);
    assert_int_equal(json_array_size(r), 10);
    assert_int_equal(count_where(r, "actor", "mailto:u7@example.lt"), 10);
    assert_true(next > 0);
    json_decref(r);
    r = query(f, "demo", NULL, "agent", "{\"mbox\":\"mailto:u7@example.lt\"}", NULL);
    assert_int_equal(json_array_size(r), 100);
    json_decref(r);
    /* agent 7 and verb 0: i % 50 == 7 and i % 7 == 0 -> i = 07 mod 350 ... = 5000/350 */
    r = query(f, "demo", NULL, "agent", "{\"mbox\":\"mailto:u7@example.lt\"}", "verb",
              "http://adlnet.gov/expapi/verbs/v0", NULL);
    int expect = 0;
    for (int i = 0; i < N_STMTS; i++)
        expect += i % 50 == 7 && i % 7 == 0;
    assert_int_equal((int)json_array_size(r), expect);
    assert_int_equal(count_where(r, "verb", "http://adlnet.gov/expapi/verbs/v0"), expect);
    json_decref(r);
    /* registration 42 -> 10 statements, across both epochs */
    r = query(f, "demo", NULL, "registration", "00000000-0000-4000-8000-000000000042",
              NULL);
    assert_int_equal(json_array_size(r), 10);
    json_decref(r);
    /* activity: direct vs related (the parent course is related only) */
    r = query(f, "demo", NULL, "activity", "https://dla.example.lt/course/1", NULL);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    r = query(f, "demo", NULL, "activity", "https://dla.example.lt/course/1",
              "related_activities", "true", "limit", "100", NULL);
    assert_int_equal(json_array_size(r), 100);
    json_decref(r);
    /* unknown values find nothing */
    r = query(f, "demo", NULL, "verb", "http://nowhere.example/v", NULL);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
}

static void test_paging_order(void **state)
{
    fx_t *f = *state;
    /* walk agent 3 (100 statements) in pages of 7, descending then ascending */
    for (int asc = 0; asc < 2; asc++) {
        int total = 0;
        char cur[32] = "", prev_stored[40] = "";
        for (int page = 0; page < 100; page++) {
            uint64_t next;
            json_t *r =
                cur[0] ? query(f, "demo", &next, "agent",
                               "{\"mbox\":\"mailto:u3@example.lt\"}", "limit", "7",
                               "ascending", asc ? "true" : "false", "cursor", cur, NULL)
                       : query(f, "demo", &next, "agent",
                               "{\"mbox\":\"mailto:u3@example.lt\"}", "limit", "7",
                               "ascending", asc ? "true" : "false", NULL);
            size_t i;
            json_t *s;
            json_array_foreach(r, i, s)
            {
                const char *st = json_string_value(json_object_get(s, "stored"));
                if (prev_stored[0])
                    assert_true(asc ? strcmp(st, prev_stored) >= 0
                                    : strcmp(st, prev_stored) <= 0);
                snprintf(prev_stored, sizeof prev_stored, "%s", st);
            }
            total += (int)json_array_size(r);
            json_decref(r);
            if (!next)
                break;
            snprintf(cur, sizeof cur, "%llu", (unsigned long long)next);
        }
        assert_int_equal(total, 100);
    }
}

static void test_since_until(void **state)
{
    fx_t *f = *state;
    json_t *r =
        query(f, "demo", NULL, "since", "2000-01-01T00:00:00Z", "limit", "5", NULL);
    assert_int_equal(json_array_size(r), 5);
    json_decref(r);
    r = query(f, "demo", NULL, "until", "2000-01-01T00:00:00Z", NULL);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    r = query(f, "demo", NULL, "since", "2999-01-01T00:00:00Z", NULL);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    /* since the newest stored time: nothing newer */
    r = query(f, "demo", NULL, "limit", "1", NULL);
    char st[40];
    snprintf(st, sizeof st, "%s",
             json_string_value(json_object_get(json_array_get(r, 0), "stored")));
    json_decref(r);
    r = query(f, "demo", NULL, "since", st, NULL);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    r = query(f, "demo", NULL, "until", st, "limit", "3", NULL);
    assert_int_equal(json_array_size(r), 3);
    json_decref(r);
}

static void test_voiding_and_refs(void **state)
{
    fx_t *f = *state;
    char target[37], voider[37], ref[37], late[37];
    json_t *s = mk(900, 900, 900, 900);
    emit(f, "demo", s, target);
    json_decref(s);
    /* a reference that arrives before its target */
    lrs_uuid_v7(late);
    s = json_pack("{s:{s:s},s:{s:s},s:{s:s,s:s}}", "actor", "mbox", "mailto:r@example.lt",
                  "verb", "id", "http://adlnet.gov/expapi/verbs/mentioned", "object",
                  "objectType", "StatementRef", "id", late);
    emit(f, "demo", s, ref);
    json_decref(s);
    s = mk(901, 901, 901, 901);
    json_object_set_new(s, "id", json_string(late));
    emit(f, "demo", s, NULL);
    json_decref(s);
    json_t *r =
        query(f, "demo", NULL, "verb", "http://adlnet.gov/expapi/verbs/v901", NULL);
    assert_int_equal(json_array_size(r), 2); /* the target and the earlier reference */
    json_decref(r);

    /* void the first target: it leaves queries, the voiding statement matches it */
    s = json_pack("{s:{s:s},s:{s:s},s:{s:s,s:s}}", "actor", "mbox", "mailto:r@example.lt",
                  "verb", "id", "http://adlnet.gov/expapi/verbs/voided", "object",
                  "objectType", "StatementRef", "id", target);
    emit(f, "demo", s, voider);
    json_decref(s);
    r = query(f, "demo", NULL, "verb", "http://adlnet.gov/expapi/verbs/v900", NULL);
    assert_int_equal(json_array_size(r), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "id")),
                        voider);
    json_decref(r);
    /* a voiding statement cannot be voided */
    s = json_pack("{s:{s:s},s:{s:s},s:{s:s,s:s}}", "actor", "mbox", "mailto:r@example.lt",
                  "verb", "id", "http://adlnet.gov/expapi/verbs/voided", "object",
                  "objectType", "StatementRef", "id", voider);
    dla_err_t err = {0};
    assert_int_equal(dla_app_emit(&f->app, "demo", s, NULL, &err), DLA_EINVAL);
    json_decref(s);
}

static void test_conflicts_and_tenants(void **state)
{
    fx_t *f = *state;
    char id[37];
    json_t *s = mk(1, 1, 1, 1);
    emit(f, "demo", s, id);
    /* the same statement again with its id: accepted, not stored twice */
    json_object_set_new(s, "id", json_string(id));
    emit(f, "demo", s, NULL);
    json_t *r =
        query(f, "demo", NULL, "registration", "00000000-0000-4000-8000-000000000001",
              "agent", "{\"mbox\":\"mailto:u1@example.lt\"}", NULL);
    /* the ten of the setup (i % 500 == 1) and this one, once */
    assert_int_equal(json_array_size(r), 11);
    json_decref(r);
    /* a different statement with that id: conflict */
    json_object_set_new(s, "verb", json_pack("{s:s}", "id", "http://x.example/other"));
    dla_err_t err = {0};
    assert_int_equal(dla_app_emit(&f->app, "demo", s, NULL, &err), DLA_ECONFLICT);
    /* the same id in another tenant is a different statement */
    emit(f, "other", s, NULL);
    json_decref(s);
    r = query(f, "other", NULL, NULL);
    assert_int_equal(json_array_size(r), 1);
    json_decref(r);
    r = query(f, "third", NULL, NULL);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    /* invalid statements never reach the store */
    s = json_pack("{s:{s:s}}", "actor", "mbox", "mailto:x@example.lt");
    assert_int_equal(dla_app_emit(&f->app, "demo", s, NULL, &err), DLA_EINVAL);
    json_decref(s);
}

static void test_restart(void **state)
{
    fx_t *f = *state;
    json_t *r = query(f, "demo", NULL, "limit", "1", NULL);
    char last[40];
    snprintf(last, sizeof last, "%s",
             json_string_value(json_object_get(json_array_get(r, 0), "stored")));
    json_decref(r);
    close_app(f);
    open_app(f);
    json_t *s = mk(777, 777, 777, 777);
    char id[37];
    emit(f, "demo", s, id);
    json_decref(s);
    r = query(f, "demo", NULL, "limit", "1", NULL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "id")),
                        id);
    assert_true(strcmp(json_string_value(json_object_get(json_array_get(r, 0), "stored")),
                       last) >= 0);
    json_decref(r);
    r = query(f, "demo", NULL, "agent", "{\"mbox\":\"mailto:u7@example.lt\"}", NULL);
    assert_int_equal(json_array_size(r), 100);
    json_decref(r);
}

/* Index tiers: 2.5 big epochs written with restarts in between (the hot tier
 * and its boundary survive), every page of several filters walked in both
 * directions and compared with an oracle, and a StatementRef whose target was
 * merged into the cold tier long before it arrived. */
#define T_STMTS ((int)(2 * LRS_BIG + LRS_BIG / 2))
static void test_tiers(void **state)
{
    (void)state;
    fx_t g, *f = &g;
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/test_xapi_tiers.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    open_app(f);
    static unsigned char agent_of[T_STMTS], verb_of[T_STMTS];
    char first_id[37] = "";
    uint64_t rnd = 12345;
    for (int i = 0; i < T_STMTS; i++) {
        rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
        agent_of[i] = (unsigned char)(rnd >> 33) % 37;
        verb_of[i] = (unsigned char)(rnd >> 45) % 3;
        json_t *st = mk(agent_of[i], verb_of[i], i % 100, i % 500);
        char id[37];
        emit(f, "demo", st, id);
        json_decref(st);
        if (i == 0)
            memcpy(first_id, id, 37);
        if (i == LRS_BIG / 3 || i == LRS_BIG + 17 || i == 2 * LRS_BIG + 5) {
            close_app(f);
            open_app(f);
        }
    }
    /* a statement about the very first one: it inherits its agent key */
    json_t *ref = json_pack("{s:{s:s},s:{s:s},s:{s:s,s:s}}", "actor", "mbox",
                            "mailto:ref@example.lt", "verb", "id",
                            "http://adlnet.gov/expapi/verbs/commented", "object",
                            "objectType", "StatementRef", "id", first_id);
    char refid[37];
    emit(f, "demo", ref, refid);
    json_decref(ref);
    for (int a = 0; a < 37; a += 6) {
        for (int asc = 0; asc < 2; asc++) {
            char agent[96], cur[32] = "";
            snprintf(agent, sizeof agent, "{\"mbox\":\"mailto:u%d@example.lt\"}", a);
            int want = 0, got = 0;
            for (int i = 0; i < T_STMTS; i++)
                want += agent_of[i] == a && verb_of[i] == 1;
            for (int page = 0; page < 1000; page++) {
                uint64_t next = 0;
                json_t *r =
                    query(f, "demo", &next, "agent", agent, "verb",
                          "http://adlnet.gov/expapi/verbs/v1", "limit", "23", "ascending",
                          asc ? "true" : "false", cur[0] ? "cursor" : NULL, cur, NULL);
                size_t k;
                json_t *st;
                json_array_foreach(r, k, st)
                {
                    const char *o = json_string_value(
                        json_object_get(json_object_get(st, "object"), "id"));
                    assert_non_null(o);
                    got++;
                }
                json_decref(r);
                if (!next)
                    break;
                snprintf(cur, sizeof cur, "%llu", (unsigned long long)next);
            }
            assert_int_equal(got, want);
        }
    }
    /* the first statement's agent now also matches the referring statement */
    char a0[96];
    snprintf(a0, sizeof a0, "{\"mbox\":\"mailto:u%d@example.lt\"}", agent_of[0]);
    json_t *r = query(f, "demo", NULL, "agent", a0, "limit", "1", NULL);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "id")),
                        refid);
    json_decref(r);
    r = query(f, "demo", NULL, "verb", "http://adlnet.gov/expapi/verbs/v2", "limit",
              "500", "ascending", "true", NULL);
    int want2 = 0;
    for (int i = 0; i < T_STMTS && want2 < 500; i++)
        want2 += verb_of[i] == 2;
    assert_int_equal((int)json_array_size(r), want2);
    json_decref(r);
    close_app(f);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
}

/* ids the LRS assigns: UUIDv7, variant 2, ordered by their millisecond */
static void test_uuid_v7(void **state)
{
    (void)state;
    char a[37], b[37], c[37];
    uint8_t raw[16];
    lrs_uuid_v7(a);
    lrs_uuid_v7(c);
    assert_int_equal(lrs_uuid_parse(a, raw), DLA_OK);
    assert_int_equal(raw[6] >> 4, 7);
    assert_int_equal(raw[8] >> 6, 2);
    assert_string_not_equal(a, c);
    usleep(3000);
    lrs_uuid_v7(b);
    assert_true(strcmp(a, b) < 0);
    uint64_t ms = 0;
    for (int i = 0; i < 6; i++)
        ms = ms << 8 | raw[i];
    uint64_t now = lrs_now_ms();
    assert_true(ms <= now && now - ms < 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_paging_order),
        cmocka_unit_test(test_since_until),
        cmocka_unit_test(test_voiding_and_refs),
        cmocka_unit_test(test_conflicts_and_tenants),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_uuid_v7),
        cmocka_unit_test(test_tiers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
