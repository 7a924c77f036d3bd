/* test_xapi_model_io.c - stored form, formats, comparison, agent keys and
 * enumerations (model_stored.c), multipart/mixed (model_multipart.c) and signed
 * statements (model_jws.c). Signatures are made here with a fresh RSA key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "model_int.h"

#define STORED "2026-11-28T15:04:05.123Z"

static json_t *J(const char *s)
{
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    if (!j) {
        fail_msg("test JSON: %s: %s", je.text, s);
    }
    return j;
}

static const char *S(const json_t *o, const char *path)
{
    /* dotted path lookup, e.g. "context.contextActivities.parent" */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *cur = o;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, ".")) {
        cur = json_object_get(cur, tok);
    }
    return json_string_value(cur);
}

/* ---- stored form --------------------------------------------------------------------
 */

static void test_prepare(void **state)
{
    (void)state;
    dla_err_t err;
    json_t *auth = dla_xm_authority_account("https://lrs.example.lt", "key-1");
    assert_non_null(auth);
    json_t *st = J(
        "{\"actor\":{\"mbox\":\"mailto:a@x.lt\"},\"verb\":{\"id\":\"http://x.lt/v\"},"
        "\"object\":{\"id\":\"http://x.lt/a\"},\"context\":{\"contextActivities\":"
        "{\"parent\":{\"id\":\"http://x.lt/p\"},\"other\":[{\"id\":\"http://x.lt/o\"}]}},"
        "\"authority\":{\"mbox\":\"mailto:liar@x.lt\"}}");
    assert_int_equal(dla_xm_prepare(st, DLA_XAPI_V200, STORED, auth, &err), DLA_OK);
    assert_true(dla_xm_is_uuid(S(st, "id")));
    assert_int_equal(S(st, "id")[14], '4');
    assert_string_equal(S(st, "stored"), STORED);
    assert_string_equal(S(st, "timestamp"), STORED);
    assert_string_equal(S(st, "version"), "1.0.0");
    assert_string_equal(S(st, "authority.account.name"), "key-1");
    json_t *parent = json_object_get(
        json_object_get(json_object_get(st, "context"), "contextActivities"), "parent");
    assert_true(json_is_array(parent));
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(parent, 0), "id")),
        "http://x.lt/p");
    assert_int_equal(dla_xm_validate_statement(st, DLA_XAPI_V200, &err), DLA_OK);
    json_decref(st);

    /* client id kept (lowercased), timestamp converted to UTC, version kept */
    st = J("{\"id\":\"AB0C8A5E-2F4B-4C1E-9A7D-0B6E5F4A3C21\",\"actor\":{\"mbox\":"
           "\"mailto:a@x.lt\"},"
           "\"verb\":{\"id\":\"http://x.lt/v\"},\"object\":{\"id\":\"http://x.lt/a\"},"
           "\"timestamp\":\"2023-05-04T12:00:00-05:00\",\"version\":\"2.0.0\"}");
    assert_int_equal(dla_xm_prepare(st, DLA_XAPI_V200, STORED, NULL, &err), DLA_OK);
    assert_string_equal(S(st, "id"), "ab0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21");
    assert_string_equal(S(st, "timestamp"), "2023-05-04T17:00:00.000Z");
    assert_string_equal(S(st, "version"), "2.0.0");
    assert_null(json_object_get(st, "authority"));
    json_decref(st);

    /* UTC timestamps keep their precision; sub-millisecond offsets keep microseconds */
    st = J("{\"timestamp\":\"2023-05-04T17:00:00.1Z\"}");
    assert_int_equal(dla_xm_prepare(st, DLA_XAPI_V103, STORED, NULL, &err), DLA_OK);
    assert_string_equal(S(st, "timestamp"), "2023-05-04T17:00:00.1Z");
    json_decref(st);
    st = J("{\"timestamp\":\"2023-05-04T19:00:00.123456+02:00\"}");
    assert_int_equal(dla_xm_prepare(st, DLA_XAPI_V103, STORED, NULL, &err), DLA_OK);
    assert_string_equal(S(st, "timestamp"), "2023-05-04T17:00:00.123456Z");
    assert_int_equal(dla_xm_prepare(st, DLA_XAPI_V103, "yesterday", NULL, &err),
                     DLA_EINVAL);
    json_decref(st);
    json_decref(auth);
}

static void test_voided(void **state)
{
    (void)state;
    json_t *st =
        J("{\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},\"object\":"
          "{\"objectType\":\"StatementRef\",\"id\":\"3d0c8a5e-2f4b-4c1e-9a7d-"
          "0b6e5f4a3c21\"}}");
    assert_string_equal(dla_xm_voided_id(st), "3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21");
    json_decref(st);
    st = J("{\"verb\":{\"id\":\"http://x.lt/"
           "voided\"},\"object\":{\"objectType\":\"StatementRef\","
           "\"id\":\"3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21\"}}");
    assert_null(dla_xm_voided_id(st));
    json_decref(st);
}

/* ---- formats
 * ----------------------------------------------------------------------------- */

static const char *FULL =
    "{\"id\":\"3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21\",\"actor\":{\"objectType\":"
    "\"Agent\","
    "\"name\":\"Ona\",\"mbox\":\"mailto:ona@x.lt\"},\"verb\":{\"id\":\"http://x.lt/v\","
    "\"display\":{\"en-US\":\"did\",\"lt-LT\":\"atliko\",\"en-GB\":\"did "
    "(GB)\"}},\"object\":{"
    "\"objectType\":\"SubStatement\",\"actor\":{\"objectType\":\"Group\",\"name\":\"Tm\","
    "\"member\":[{\"name\":\"B\",\"mbox\":\"mailto:b@x.lt\"}]},\"verb\":{\"id\":\"http://"
    "x.lt/w\","
    "\"display\":{\"en\":\"w\"}},\"object\":{\"objectType\":\"Activity\",\"id\":\"http://"
    "x.lt/a\","
    "\"definition\":{\"name\":{\"en-GB\":\"Course\",\"lt\":\"Kursas\"},\"type\":\"http://"
    "x.lt/t\"}}},"
    "\"context\":{\"instructor\":{\"name\":\"T\",\"account\":{\"homePage\":\"https://"
    "x.lt\","
    "\"name\":\"t1\"}},\"contextActivities\":{\"parent\":[{\"id\":\"http://x.lt/p\","
    "\"definition\":{\"name\":{\"en\":\"P\"}}}]}},\"authority\":{\"name\":\"K\",\"mbox\":"
    "\"mailto:k@x.lt\"},\"stored\":\"" STORED "\"}";

static void test_format(void **state)
{
    (void)state;
    json_t *st = J(FULL);
    assert_int_equal(dla_xm_format_parse(NULL), DLA_XM_FORMAT_EXACT);
    assert_int_equal(dla_xm_format_parse("ids"), DLA_XM_FORMAT_IDS);
    assert_int_equal(dla_xm_format_parse("canonical"), DLA_XM_FORMAT_CANONICAL);
    assert_int_equal(dla_xm_format_parse("IDS"), DLA_EINVAL);

    json_t *exact = dla_xm_format(st, DLA_XM_FORMAT_EXACT, NULL);
    assert_true(json_equal(exact, st));
    json_decref(exact);

    json_t *ids = dla_xm_format(st, DLA_XM_FORMAT_IDS, NULL);
    assert_int_equal(json_object_size(json_object_get(ids, "actor")), 2);
    assert_int_equal(json_object_size(json_object_get(ids, "verb")), 1);
    json_t *sub = json_object_get(ids, "object");
    assert_int_equal(json_object_size(json_object_get(sub, "object")), 1);
    assert_string_equal(S(sub, "object.id"), "http://x.lt/a");
    json_t *grp = json_object_get(sub, "actor");
    assert_int_equal(json_object_size(grp), 2); /* objectType + member */
    assert_int_equal(json_object_size(json_array_get(json_object_get(grp, "member"), 0)),
                     1);
    assert_int_equal(
        json_object_size(json_object_get(json_object_get(ids, "context"), "instructor")),
        1);
    assert_null(json_object_get(
        json_array_get(json_object_get(json_object_get(json_object_get(ids, "context"),
                                                       "contextActivities"),
                                       "parent"),
                       0),
        "definition"));
    assert_string_equal(S(ids, "stored"), STORED);
    json_decref(ids);

    json_t *can = dla_xm_format(st, DLA_XM_FORMAT_CANONICAL, "en-GB;q=0.9, lt;q=0.5");
    json_t *disp = json_object_get(json_object_get(can, "verb"), "display");
    assert_int_equal(json_object_size(disp), 1);
    assert_string_equal(S(can, "verb.display.en-GB"), "did (GB)");
    assert_string_equal(S(can, "object.object.definition.name.en-GB"), "Course");
    assert_string_equal(S(can, "actor.name"), "Ona");
    json_decref(can);
    can = dla_xm_format(st, DLA_XM_FORMAT_CANONICAL, "lt");
    assert_string_equal(S(can, "verb.display.lt-LT"), "atliko");
    assert_string_equal(S(can, "object.object.definition.name.lt"), "Kursas");
    json_decref(can);
    can = dla_xm_format(st, DLA_XM_FORMAT_CANONICAL, "en-US;q=0.2, lt;q=0.8, *;q=0.1");
    assert_string_equal(S(can, "verb.display.lt-LT"), "atliko");
    json_decref(can);
    can = dla_xm_format(st, DLA_XM_FORMAT_CANONICAL, "fr, en;q=0.5");
    assert_non_null(S(can, "object.object.definition.name.en-GB"));
    json_decref(can);
    can = dla_xm_format(st, DLA_XM_FORMAT_CANONICAL, NULL);
    assert_int_equal(
        json_object_size(json_object_get(json_object_get(can, "verb"), "display")), 1);
    json_decref(can);
    json_decref(st);
}

/* ---- comparison
 * --------------------------------------------------------------------------- */

static void test_equivalent(void **state)
{
    (void)state;
    json_t *a =
        J("{\"id\":\"3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21\",\"actor\":{\"objectType\":"
          "\"Group\",\"member\":[{\"mbox\":\"mailto:a@x.lt\"},{\"mbox\":\"mailto:b@x."
          "lt\"}]},"
          "\"verb\":{\"id\":\"http://x.lt/v\",\"display\":{\"en-US\":\"x\"}},\"object\":{"
          "\"id\":\"http://x.lt/a\"},\"result\":{\"duration\":\"PT1.2345S\",\"score\":"
          "{\"raw\":5}},\"timestamp\":\"2023-05-04T12:00:00-05:00\",\"context\":{"
          "\"contextActivities\":{\"parent\":{\"id\":\"http://x.lt/p\"}},"
          "\"registration\":\"AB0C8A5E-2F4B-4C1E-9A7D-0B6E5F4A3C21\"}}");
    json_t *b = J(
        "{\"actor\":{\"objectType\":\"Group\",\"member\":[{\"objectType\":\"Agent\","
        "\"mbox\":\"mailto:b@x.lt\"},{\"mbox\":\"mailto:a@x.lt\"}]},\"verb\":{\"id\":"
        "\"http://x.lt/v\",\"display\":{\"EN-us\":\"x\"}},\"object\":{\"objectType\":"
        "\"Activity\",\"id\":\"http://x.lt/a\"},\"result\":{\"duration\":\"PT1.23S\","
        "\"score\":{\"raw\":5.0}},\"timestamp\":\"2023-05-04T17:00:00.000Z\",\"context\":"
        "{\"contextActivities\":{\"parent\":[{\"id\":\"http://x.lt/p\"}]},"
        "\"registration\":\"ab0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21\"},\"stored\":\"" STORED
        "\",\"authority\":{\"mbox\":\"mailto:k@x.lt\"},\"version\":\"1.0.0\"}");
    assert_true(dla_xm_statements_equivalent(a, b));
    assert_true(dla_xm_statements_equivalent(b, a));
    /* a different verb, a different instant, a different id: not the same */
    json_t *c = json_deep_copy(b);
    json_object_set_new(json_object_get(c, "verb"), "id", json_string("http://x.lt/w"));
    assert_false(dla_xm_statements_equivalent(a, c));
    json_decref(c);
    c = json_deep_copy(b);
    json_object_set_new(c, "timestamp", json_string("2023-05-04T17:00:01Z"));
    assert_false(dla_xm_statements_equivalent(a, c));
    json_decref(c);
    c = json_deep_copy(b);
    json_object_set_new(c, "id", json_string("00000000-2f4b-4c1e-9a7d-0b6e5f4a3c21"));
    assert_false(dla_xm_statements_equivalent(a, c));
    json_decref(c);
    c = json_deep_copy(b);
    json_object_set_new(json_object_get(c, "result"), "success", json_true());
    assert_false(dla_xm_statements_equivalent(a, c));
    json_decref(c);
    assert_false(dla_xm_statements_equivalent(a, NULL));
    json_decref(a);
    json_decref(b);
}

/* ---- keys and enumerations
 * --------------------------------------------------------------- */

static void test_ifi_keys(void **state)
{
    (void)state;
    char k[DLA_XM_IFI_KEY_MAX];
    json_t *a = J("{\"mbox\":\"mailto:a@x.lt\"}");
    assert_int_equal(dla_xm_agent_ifi_key(a, k, sizeof k), DLA_OK);
    assert_string_equal(k, "mbox:mailto:a@x.lt");
    assert_int_equal(dla_xm_agent_ifi_key(a, k, 8), DLA_ETOOBIG);
    json_decref(a);
    a = J("{\"mbox_sha1sum\":\"AB9C6A2A8F0C1F5B7E9D0A3C4B5E6F7A8B9C0D1E\"}");
    assert_int_equal(dla_xm_agent_ifi_key(a, k, sizeof k), DLA_OK);
    assert_string_equal(k, "sha1:ab9c6a2a8f0c1f5b7e9d0a3c4b5e6f7a8b9c0d1e");
    json_decref(a);
    a = J("{\"openid\":\"http://id.x.lt/a\"}");
    assert_int_equal(dla_xm_agent_ifi_key(a, k, sizeof k), DLA_OK);
    assert_string_equal(k, "openid:http://id.x.lt/a");
    json_decref(a);
    a = J("{\"account\":{\"homePage\":\"https://x.lt\",\"name\":\"u-1\"}}");
    assert_int_equal(dla_xm_agent_ifi_key(a, k, sizeof k), DLA_OK);
    assert_string_equal(k, "account:https://x.lt|u-1");
    json_decref(a);
    a = J("{\"objectType\":\"Group\",\"member\":[]}");
    assert_int_equal(dla_xm_agent_ifi_key(a, k, sizeof k), DLA_ENOTFOUND);
    json_decref(a);
    assert_int_equal(dla_xm_agent_ifi_key(NULL, k, sizeof k), DLA_EINVAL);
}

typedef struct seen_s {
    char keys[32][128];
    int where[32];
    int n;
} seen_t;

static int collect(void *ctx, const char *key, int where)
{
    seen_t *s = ctx;
    if (s->n < 32) {
        snprintf(s->keys[s->n], sizeof s->keys[0], "%s", key);
        s->where[s->n++] = where;
    }
    return 0;
}

static int has(const seen_t *s, const char *key, int where)
{
    for (int i = 0; i < s->n; i++) {
        if (strcmp(s->keys[i], key) == 0 && s->where[i] == where) {
            return 1;
        }
    }
    return 0;
}

static int stop_at_two(void *ctx, const char *key, int where)
{
    (void)key;
    (void)where;
    return ++*(int *)ctx == 2 ? 42 : 0;
}

static int count_obj(void *ctx, const json_t *activity)
{
    (void)activity;
    ++*(int *)ctx;
    return 0;
}

static void test_enumerations(void **state)
{
    (void)state;
    json_t *st = J(FULL);
    json_t *ctx = json_object_get(st, "context");
    json_object_set_new(
        ctx, "contextAgents",
        J("[{\"objectType\":\"contextAgent\",\"agent\":{\"mbox\":\"mailto:c@x.lt\"}}]"));
    seen_t s = {0};
    assert_int_equal(dla_xm_statement_agents(st, collect, &s), DLA_OK);
    assert_true(has(&s, "mbox:mailto:ona@x.lt", DLA_XM_DIRECT));
    assert_true(has(&s, "mbox:mailto:b@x.lt", DLA_XM_RELATED));
    assert_true(has(&s, "account:https://x.lt|t1", DLA_XM_RELATED));
    assert_true(has(&s, "mbox:mailto:k@x.lt", DLA_XM_RELATED));
    assert_true(has(&s, "mbox:mailto:c@x.lt", DLA_XM_RELATED));
    assert_false(has(&s, "mbox:mailto:ona@x.lt", DLA_XM_RELATED));
    int n = 0;
    assert_int_equal(dla_xm_statement_agents(st, stop_at_two, &n), 42);

    memset(&s, 0, sizeof s);
    assert_int_equal(dla_xm_statement_activities(st, collect, &s), DLA_OK);
    assert_true(has(&s, "http://x.lt/a", DLA_XM_RELATED)); /* inside the SubStatement */
    assert_true(has(&s, "http://x.lt/p", DLA_XM_RELATED));
    assert_int_equal(s.n, 2);
    n = 0;
    assert_int_equal(dla_xm_statement_activity_objects(st, count_obj, &n), DLA_OK);
    assert_int_equal(n, 2);
    json_decref(st);

    st = J("{\"actor\":{\"mbox\":\"mailto:a@x.lt\"},\"verb\":{\"id\":\"http://x.lt/v\"},"
           "\"object\":{\"id\":\"http://x.lt/direct\"}}");
    memset(&s, 0, sizeof s);
    assert_int_equal(dla_xm_statement_activities(st, collect, &s), DLA_OK);
    assert_int_equal(s.n, 1);
    assert_true(has(&s, "http://x.lt/direct", DLA_XM_DIRECT));
    json_decref(st);
}

static void test_person_merge(void **state)
{
    (void)state;
    json_t *a = J("{\"name\":\"Ona\",\"mbox\":\"mailto:a@x.lt\"}");
    json_t *p = dla_xm_person(a);
    assert_string_equal(S(p, "objectType"), "Person");
    assert_string_equal(json_string_value(json_array_get(json_object_get(p, "name"), 0)),
                        "Ona");
    assert_int_equal(json_array_size(json_object_get(p, "mbox")), 1);
    assert_null(json_object_get(p, "openid"));
    json_decref(p);
    json_decref(a);
    json_t *old = J("{\"name\":{\"en\":\"Course\"},\"type\":\"http://x.lt/t1\"}");
    json_t *inc = J("{\"name\":{\"lt\":\"Kursas\"},\"type\":\"http://x.lt/t2\"}");
    json_t *m = dla_xm_activity_merge(old, inc);
    assert_string_equal(S(m, "name.en"), "Course");
    assert_string_equal(S(m, "name.lt"), "Kursas");
    assert_string_equal(S(m, "type"), "http://x.lt/t2");
    json_decref(m);
    m = dla_xm_activity_merge(NULL, inc);
    assert_true(json_equal(m, inc));
    json_decref(m);
    json_decref(old);
    json_decref(inc);
}

/* ---- multipart
 * ---------------------------------------------------------------------------- */

#define BND "-------314159265358979323846"
#define CT "multipart/mixed; boundary=" BND

static char *att_statement(const char *data, int with_file_url)
{
    char sha[65];
    dla_xm_sha256_hex(data, strlen(data), sha);
    char *out = NULL;
    if (asprintf(
            &out,
            "{\"actor\":{\"mbox\":\"mailto:a@x.lt\"},\"verb\":{\"id\":\"http://x.lt/v\"},"
            "\"object\":{\"id\":\"http://x.lt/a\"},\"attachments\":[{\"usageType\":"
            "\"http://x.lt/u\",\"display\":{\"en\":\"t\"},\"contentType\":\"text/plain\","
            "\"length\":%zu,\"sha2\":\"%s\"%s}]}",
            strlen(data), sha,
            with_file_url ? ",\"fileUrl\":\"https://x.lt/f\"" : "") < 0) {
        return NULL;
    }
    return out;
}

static int check_body(const char *ct, const char *body, size_t len, dla_err_t *err)
{
    dla_arena_t *a = dla_arena_new(1024);
    dla_xm_part_t *parts;
    size_t n;
    int rc = dla_xm_multipart_parse(a, ct, body, len, &parts, &n, err);
    if (rc == DLA_OK) {
        json_t *st = json_loadb(parts[0].data, parts[0].len, 0, NULL);
        rc = st ? dla_xm_attachments_check(st, parts, n, DLA_XAPI_V200, err) : DLA_EINVAL;
        json_decref(st);
    }
    dla_arena_destroy(a);
    return rc;
}

static void test_multipart(void **state)
{
    (void)state;
    const char *data = "here is a simple attachment";
    char sha[65], *body = NULL;
    dla_err_t err;
    dla_xm_sha256_hex(data, strlen(data), sha);
    char *st = att_statement(data, 0);
    assert_non_null(st);

    /* valid: preamble-less, two parts, header without space after colon */
    assert_true(
        asprintf(&body,
                 "--" BND "\r\nContent-Type:application/json\r\n\r\n%s\r\n--" BND
                 "\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
                 "X-Experience-API-Hash: %s\r\n\r\n%s\r\n--" BND "--\r\n",
                 st, sha, data) > 0);
    assert_int_equal(check_body(CT, body, strlen(body), &err), DLA_OK);
    dla_arena_t *a = dla_arena_new(1024);
    dla_xm_part_t *parts;
    size_t n;
    assert_int_equal(
        dla_xm_multipart_parse(a, "Multipart/Mixed; charset=utf-8; boundary=\"" BND "\"",
                               body, strlen(body), &parts, &n, &err),
        DLA_OK);
    assert_int_equal(n, 2);
    assert_string_equal(parts[1].content_type, "text/plain");
    assert_string_equal(parts[1].encoding, "binary");
    assert_string_equal(parts[1].hash, sha);
    assert_int_equal(parts[1].len, strlen(data));
    assert_memory_equal(parts[1].data, data, strlen(data));
    /* truncated bodies never parse */
    for (size_t cut = 0; cut < strlen(body) - 4; cut += 7) {
        dla_arena_reset(a);
        int rc = dla_xm_multipart_parse(a, CT, body, cut, &parts, &n, &err);
        assert_int_not_equal(rc, DLA_OK);
    }
    dla_arena_destroy(a);
    free(body);

    /* wrong hash, missing hash, base64 encoding, missing encoding */
    static const struct {
        const char *head;
        int with_sha;
    } bad_headers[] = {
        {"Content-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
         "X-Experience-API-Hash: "
         "b018994f8bbe0f08992a65c48c8c8c56f09e9baceaa6227ed85c90ae52b73c89",
         0},
        {"Content-Type: text/plain\r\nContent-Transfer-Encoding: binary", 0},
        {"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n"
         "X-Experience-API-Hash: ",
         1},
        {"Content-Type: text/plain\r\nX-Experience-API-Hash: ", 1}};
    for (int i = 0; i < 4; i++) {
        char hdr[512];
        snprintf(hdr, sizeof hdr, "%s%s", bad_headers[i].head,
                 bad_headers[i].with_sha ? sha : "");
        assert_true(asprintf(&body,
                             "--" BND
                             "\r\nContent-Type: application/json\r\n\r\n%s\r\n--" BND
                             "\r\n%s\r\n\r\n%s\r\n--" BND "--",
                             st, hdr, data) > 0);
        assert_int_equal(check_body(CT, body, strlen(body), &err), DLA_EINVAL);
        free(body);
    }
    /* attachment data missing; excess part; first part not JSON; no boundary */
    assert_true(asprintf(&body,
                         "--" BND "\r\nContent-Type: application/json\r\n\r\n%s\r\n--" BND
                         "--\r\n",
                         st) > 0);
    assert_int_equal(check_body(CT, body, strlen(body), &err), DLA_EINVAL);
    free(body);
    char *st2 = att_statement(data, 1);
    assert_true(asprintf(&body,
                         "--" BND "\r\nContent-Type: application/json\r\n\r\n%s\r\n--" BND
                         "--\r\n",
                         st2) > 0);
    assert_int_equal(check_body(CT, body, strlen(body), &err), DLA_OK);
    free(body);
    assert_true(
        asprintf(&body,
                 "--" BND "\r\nContent-Type: application/json\r\n\r\n%s\r\n--" BND
                 "\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
                 "X-Experience-API-Hash: %s\r\n\r\n%s\r\n--" BND "--\r\n",
                 st2, sha, data) > 0);
    assert_int_equal(check_body(CT, body, strlen(body), &err), DLA_OK);
    free(body);
    const char *other = "unrelated";
    char osha[65];
    dla_xm_sha256_hex(other, strlen(other), osha);
    assert_true(
        asprintf(&body,
                 "--" BND "\r\nContent-Type: application/json\r\n\r\n%s\r\n--" BND
                 "\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: binary\r\n"
                 "X-Experience-API-Hash: %s\r\n\r\n%s\r\n--" BND "--\r\n",
                 st2, osha, other) > 0);
    assert_int_equal(check_body(CT, body, strlen(body), &err), DLA_EINVAL);
    assert_non_null(strstr(err.msg, "matches no attachment"));
    assert_int_equal(check_body("multipart/mixed", body, strlen(body), &err), DLA_EINVAL);
    assert_int_equal(
        check_body("multipart/form-data; boundary=" BND, body, strlen(body), &err),
        DLA_EINVAL);
    assert_int_equal(
        check_body("multipart/mixed; boundary=nothere", body, strlen(body), &err),
        DLA_EINVAL);
    free(body);
    assert_true(asprintf(&body,
                         "--" BND "\r\nContent-Type: text/plain\r\n\r\n%s\r\n--" BND "--",
                         st2) > 0);
    assert_int_equal(check_body(CT, body, strlen(body), &err), DLA_EINVAL);
    free(body);

    /* JSON bodies: attachments need fileUrl */
    json_t *j = json_loads(st, 0, NULL);
    assert_int_equal(dla_xm_attachments_check_json(j, &err), DLA_EINVAL);
    json_decref(j);
    j = json_loads(st2, 0, NULL);
    assert_int_equal(dla_xm_attachments_check_json(j, &err), DLA_OK);
    json_t *arr = json_array();
    json_array_append(arr, j);
    assert_int_equal(dla_xm_attachments_check_json(arr, &err), DLA_OK);
    json_decref(arr);
    json_decref(j);
    free(st);
    free(st2);
}

static int count_att(void *ctx, const char *sha2, const char *ct)
{
    (void)ct;
    assert_true(dla_xm_is_sha2hex(sha2));
    ++*(int *)ctx;
    return 0;
}

static void test_multipart_write(void **state)
{
    (void)state;
    dla_arena_t *a = dla_arena_new(1024);
    const char *json = "{\"statements\":[],\"more\":\"\"}";
    const char *d1 = "first", *d2 = "second\r\n--not-a-boundary";
    char s1[65], s2[65], ctype[128];
    dla_xm_sha256_hex(d1, strlen(d1), s1);
    dla_xm_sha256_hex(d2, strlen(d2), s2);
    dla_xm_out_part_t atts[2] = {{s1, "text/plain", d1, strlen(d1)},
                                 {s2, "application/octet-stream", d2, strlen(d2)}};
    char *out;
    size_t len;
    assert_int_equal(dla_xm_multipart_write(a, json, strlen(json), atts, 2, &out, &len,
                                            ctype, sizeof ctype),
                     DLA_OK);
    assert_int_equal(strncmp(ctype, "multipart/mixed; boundary=", 26), 0);
    dla_xm_part_t *parts;
    size_t n;
    dla_err_t err;
    assert_int_equal(dla_xm_multipart_parse(a, ctype, out, len, &parts, &n, &err),
                     DLA_OK);
    assert_int_equal(n, 3);
    assert_string_equal(parts[0].content_type, "application/json");
    assert_int_equal(parts[0].len, strlen(json));
    assert_int_equal(parts[2].len, strlen(d2));
    assert_memory_equal(parts[2].data, d2, strlen(d2));
    assert_string_equal(parts[2].hash, s2);
    assert_int_equal(
        dla_xm_multipart_write(a, json, strlen(json), atts, 2, &out, &len, ctype, 10),
        DLA_ETOOBIG);
    dla_arena_destroy(a);

    json_t *st = J(
        "{\"attachments\":[{\"sha2\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd"
        "15d6c15b0f00a08\",\"contentType\":\"text/plain\"}],\"object\":{\"objectType\":"
        "\"SubStatement\",\"attachments\":[{\"sha2\":\"9f86d081884c7d659a2feaa0c55ad015a"
        "3bf4f1b2b0b822cd15d6c15b0f00a08\"}]}}");
    int c = 0;
    assert_int_equal(dla_xm_statement_attachments(st, count_att, &c), DLA_OK);
    assert_int_equal(c, 2);
    json_decref(st);
}

/* ---- signed statements
 * --------------------------------------------------------------------- */

static EVP_PKEY *test_key(void)
{
    static EVP_PKEY *key;
    if (!key) {
        EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
        assert_non_null(c);
        assert_int_equal(EVP_PKEY_keygen_init(c), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(c, 2048), 1);
        assert_int_equal(EVP_PKEY_keygen(c, &key), 1);
        EVP_PKEY_CTX_free(c);
    }
    return key;
}

static void b64(const unsigned char *in, size_t n, int url, char *out)
{
    int l = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    if (url) {
        for (int i = 0; i < l; i++) {
            out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
        }
        while (l > 0 && out[l - 1] == '=') {
            out[--l] = '\0';
        }
    }
}

/* Returns a malloc'd compact JWS of `payload` with header {"alg": alg, x5c?}. */
static char *make_jws(const char *alg, const char *payload, int with_x5c)
{
    char header[8192], hb[12000], pb[8192], sb[1024], *out = NULL;
    const EVP_MD *md = strcmp(alg, "RS384") == 0   ? EVP_sha384()
                       : strcmp(alg, "RS512") == 0 ? EVP_sha512()
                                                   : EVP_sha256();
    if (with_x5c) {
        X509 *x = X509_new();
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), 0);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, test_key());
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                                   (const unsigned char *)"dla test", -1, -1, 0);
        X509_set_issuer_name(x, X509_get_subject_name(x));
        assert_true(X509_sign(x, test_key(), EVP_sha256()) > 0);
        unsigned char *der = NULL;
        int dl = i2d_X509(x, &der);
        char cert[4096];
        b64(der, (size_t)dl, 0, cert);
        snprintf(header, sizeof header, "{\"alg\":\"%s\",\"x5c\":[\"%s\"]}", alg, cert);
        OPENSSL_free(der);
        X509_free(x);
    } else {
        snprintf(header, sizeof header, "{\"alg\":\"%s\"}", alg);
    }
    b64((const unsigned char *)header, strlen(header), 1, hb);
    b64((const unsigned char *)payload, strlen(payload), 1, pb);
    char *input = NULL;
    assert_true(asprintf(&input, "%s.%s", hb, pb) > 0);
    unsigned char sig[512];
    size_t sl = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, test_key()), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &sl, (unsigned char *)input, strlen(input)),
                     1);
    EVP_MD_CTX_free(ctx);
    b64(sig, sl, 1, sb);
    assert_true(asprintf(&out, "%s.%s", input, sb) > 0);
    free(input);
    return out;
}

#define SIGNED_ST                                                                        \
    "{\"id\":\"3d0c8a5e-2f4b-4c1e-9a7d-0b6e5f4a3c21\",\"actor\":{\"mbox\":\"mailto:a@x." \
    "lt\"},"                                                                             \
    "\"verb\":{\"id\":\"http://x.lt/v\"},\"object\":{\"id\":\"http://x.lt/"              \
    "a\"},\"result\":"                                                                   \
    "{\"duration\":\"PT1.25S\"}}"

static json_t *signed_statement(const char *jws, const char *ctype)
{
    char sha[65];
    dla_xm_sha256_hex(jws, strlen(jws), sha);
    json_t *st = J(SIGNED_ST);
    json_t *att = json_pack(
        "[{s:s, s:{s:s}, s:s, s:i, s:s}]", "usageType", DLA_XM_SIGNATURE_USAGE, "display",
        "en", "signature", "contentType", ctype, "length", (int)strlen(jws), "sha2", sha);
    json_object_set_new(st, "attachments", att);
    return st;
}

static void test_jws(void **state)
{
    (void)state;
    dla_err_t err;
    static const char *const algs[] = {"RS256", "RS384", "RS512"};
    for (int i = 0; i < 3; i++) {
        for (int x5c = 0; x5c < 2; x5c++) {
            char *jws = make_jws(algs[i], SIGNED_ST, x5c);
            json_t *st = signed_statement(jws, "application/octet-stream");
            assert_int_equal(dla_xm_validate_statement(st, DLA_XAPI_V200, &err), DLA_OK);
            if (dla_xm_jws_check(st, jws, strlen(jws), &err) != DLA_OK) {
                fail_msg("%s x5c=%d: %s", algs[i], x5c, err.msg);
            }
            /* tampered signature fails when a key is available */
            if (x5c) {
                char *t = strdup(jws);
                size_t l = strlen(t);
                t[l - 5] = t[l - 5] == 'A' ? 'B' : 'A';
                assert_int_equal(dla_xm_jws_check(st, t, l, &err), DLA_EINVAL);
                free(t);
            }
            json_decref(st);
            free(jws);
        }
    }
    /* payload with a longer duration (compared to 0.01 s) still matches */
    char *jws = make_jws("RS256", SIGNED_ST, 0);
    json_t *st = signed_statement(jws, "application/octet-stream");
    json_object_set_new(json_object_get(st, "result"), "duration",
                        json_string("PT1.2599S"));
    assert_int_equal(dla_xm_jws_check(st, jws, strlen(jws), &err), DLA_OK);
    json_object_set_new(json_object_get(st, "result"), "duration",
                        json_string("PT1.26S"));
    assert_int_equal(dla_xm_jws_check(st, jws, strlen(jws), &err), DLA_EINVAL);
    json_decref(st);
    /* a wrong algorithm, broken structure, broken payload */
    static const char *const bad[] = {"eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
                                      "abc",
                                      "a.b",
                                      "a.b.c.d",
                                      "..",
                                      "eyJhbGciOiJSUzI1NiJ9.!!!.c2ln",
                                      "eyJhbGciOiJub25lIn0.e30.",
                                      NULL};
    st = signed_statement(jws, "application/octet-stream");
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(dla_xm_jws_check(st, bad[i], strlen(bad[i]), &err), DLA_EINVAL);
    }
    assert_int_equal(dla_xm_jws_check(st, NULL, 0, &err), DLA_EINVAL);
    json_decref(st);
    free(jws);
    /* payload that is not the statement */
    jws = make_jws("RS256", "{\"actor\":{\"mbox\":\"mailto:z@x.lt\"}}", 0);
    st = signed_statement(jws, "application/octet-stream");
    assert_int_equal(dla_xm_jws_check(st, jws, strlen(jws), &err), DLA_EINVAL);
    json_decref(st);
    free(jws);

    /* through the multipart check: signature part and its content type */
    jws = make_jws("RS512", SIGNED_ST, 0);
    for (int good = 1; good >= 0; good--) {
        st = signed_statement(jws, good ? "application/octet-stream" : "text/plain");
        char *sj = json_dumps(st, JSON_COMPACT), *body = NULL, sha[65];
        dla_xm_sha256_hex(jws, strlen(jws), sha);
        assert_true(
            asprintf(&body,
                     "\r\n--" BND "\r\nContent-Type:application/json\r\n\r\n%s\r\n--" BND
                     "\r\nContent-Type:%s\r\nContent-Transfer-Encoding:binary\r\n"
                     "X-Experience-API-Hash:%s\r\n\r\n%s\r\n--" BND "--",
                     sj, good ? "application/octet-stream" : "text/plain", sha, jws) > 0);
        assert_int_equal(check_body(CT, body, strlen(body), &err),
                         good ? DLA_OK : DLA_EINVAL);
        free(sj);
        free(body);
        json_decref(st);
    }
    free(jws);
}

/* Large lists stay linear or n log n: 20,000 members and choices. */
static void test_large_lists(void **state)
{
    (void)state;
    enum { N = 20000 };
    json_t *members = json_array(), *rev = json_array(), *choices = json_array();
    for (int i = 0; i < N; i++) {
        char mbox[64], id[32];
        snprintf(mbox, sizeof mbox, "mailto:m%d@x.lt", i);
        snprintf(id, sizeof id, "c%d", i);
        json_array_append_new(members, json_pack("{s:s}", "mbox", mbox));
        snprintf(mbox, sizeof mbox, "mailto:m%d@x.lt", N - 1 - i);
        json_array_append_new(rev, json_pack("{s:s}", "mbox", mbox));
        json_array_append_new(choices, json_pack("{s:s}", "id", id));
    }
    json_t *a = json_pack("{s:{s:s, s:o}, s:{s:s}, s:{s:s, s:{s:s, s:o}}}", "actor",
                          "objectType", "Group", "member", members, "verb", "id",
                          "http://x.lt/v", "object", "id", "http://x.lt/q", "definition",
                          "interactionType", "choice", "choices", choices);
    assert_non_null(a);
    json_t *b = json_deep_copy(a);
    json_object_set_new(json_object_get(b, "actor"), "member", rev);
    dla_err_t err;
    assert_int_equal(dla_xm_validate_statement(a, DLA_XAPI_V200, &err), DLA_OK);
    assert_true(dla_xm_statements_equivalent(a, b));
    json_t *ch = json_object_get(
        json_object_get(json_object_get(a, "object"), "definition"), "choices");
    json_array_append_new(ch, json_pack("{s:s}", "id", "c7"));
    assert_int_equal(dla_xm_validate_statement(a, DLA_XAPI_V200, &err), DLA_EINVAL);
    assert_non_null(strstr(err.msg, "must be unique"));
    json_decref(a);
    json_decref(b);
}

/* SubStatements: stored form, comparison, keys of an Agent object. */
static void test_substatement_paths(void **state)
{
    (void)state;
    dla_err_t err;
    const char *src =
        "{\"actor\":{\"mbox\":\"mailto:a@x.lt\"},\"verb\":{\"id\":\"http://x.lt/v\"},"
        "\"object\":{\"objectType\":\"SubStatement\",\"actor\":{\"mbox\":\"mailto:b@x."
        "lt\"},"
        "\"verb\":{\"id\":\"http://x.lt/w\"},\"object\":{\"objectType\":\"Agent\","
        "\"mbox\":\"mailto:c@x.lt\"},\"timestamp\":\"2026-11-28T17:00:00+02:00\","
        "\"context\":{\"contextActivities\":{\"category\":{\"id\":\"http://x.lt/c\"}},"
        "\"statement\":{\"objectType\":\"StatementRef\",\"id\":"
        "\"AB0C8A5E-2F4B-4C1E-9A7D-0B6E5F4A3C21\"}}}}";
    json_t *st = J(src);
    json_t *orig = J(src);
    assert_int_equal(dla_xm_validate_statement(st, DLA_XAPI_V200, &err), DLA_OK);
    assert_int_equal(dla_xm_prepare(st, DLA_XAPI_V200, STORED, NULL, &err), DLA_OK);
    assert_string_equal(S(st, "object.timestamp"), "2026-11-28T15:00:00.000Z");
    json_t *cat = json_object_get(
        json_object_get(json_object_get(json_object_get(st, "object"), "context"),
                        "contextActivities"),
        "category");
    assert_true(json_is_array(cat));
    assert_int_equal(dla_xm_validate_statement(st, DLA_XAPI_V200, &err), DLA_OK);
    assert_true(dla_xm_statements_equivalent(orig, st));
    /* the object Agent inside a SubStatement is RELATED, the outer actor DIRECT */
    seen_t s = {0};
    assert_int_equal(dla_xm_statement_agents(st, collect, &s), DLA_OK);
    assert_true(has(&s, "mbox:mailto:a@x.lt", DLA_XM_DIRECT));
    assert_true(has(&s, "mbox:mailto:b@x.lt", DLA_XM_RELATED));
    assert_true(has(&s, "mbox:mailto:c@x.lt", DLA_XM_RELATED));
    json_t *ids = dla_xm_format(st, DLA_XM_FORMAT_IDS, NULL);
    assert_int_equal(
        json_object_size(json_object_get(json_object_get(ids, "object"), "object")), 2);
    json_decref(ids);
    /* changing the inner object makes them differ */
    json_object_set_new(json_object_get(json_object_get(st, "object"), "object"), "mbox",
                        json_string("mailto:d@x.lt"));
    assert_false(dla_xm_statements_equivalent(orig, st));
    json_decref(st);
    json_decref(orig);

    /* an Agent object of the statement itself is DIRECT */
    st = J("{\"actor\":{\"mbox\":\"mailto:a@x.lt\"},\"verb\":{\"id\":\"http://x.lt/v\"},"
           "\"object\":{\"objectType\":\"Group\",\"openid\":\"http://x.lt/g\",\"member\":"
           "[{\"mbox\":\"mailto:m@x.lt\"}]}}");
    memset(&s, 0, sizeof s);
    assert_int_equal(dla_xm_statement_agents(st, collect, &s), DLA_OK);
    assert_true(has(&s, "openid:http://x.lt/g", DLA_XM_DIRECT));
    assert_true(has(&s, "mbox:mailto:m@x.lt", DLA_XM_RELATED));
    memset(&s, 0, sizeof s);
    assert_int_equal(dla_xm_statement_activities(st, collect, &s), DLA_OK);
    assert_int_equal(s.n, 0);
    json_decref(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prepare),         cmocka_unit_test(test_voided),
        cmocka_unit_test(test_format),          cmocka_unit_test(test_equivalent),
        cmocka_unit_test(test_ifi_keys),        cmocka_unit_test(test_enumerations),
        cmocka_unit_test(test_person_merge),    cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_multipart_write), cmocka_unit_test(test_jws),
        cmocka_unit_test(test_large_lists),     cmocka_unit_test(test_substatement_paths),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    EVP_PKEY_free(test_key());
    return rc;
}
