/* test_lti.c - unit tests of the LTI tool's pure parts: OAuth 1.0a (liboauth
 * recipe) against oauth-sign vectors, Authorization headers, POX XML, JWT
 * verification and claims against jose vectors, JWKS lookup, role mapping.
 * Vectors: test_lti_vectors.h (tests/lti/make_vectors.mjs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dla_auth.h"
#include "lti_int.h"
#include "test_lti_vectors.h"

static lti_params_t parse_body(dla_arena_t *a, const char *body)
{
    lti_params_t p;
    dla_err_t err = {0};
    assert_int_equal(lti_form_params(a, body, strlen(body), NULL, &p, &err), DLA_OK);
    return p;
}

static void test_oauth_base_string(void **st)
{
    (void)st;
    dla_arena_t *a = dla_arena_new(4096);
    lti_params_t p = parse_body(a, V_BASIC_BODY);
    char *base = lti_oauth_base_string(a, "POST", V_URL, &p, NULL);
    assert_non_null(base);
    assert_string_equal(base, V_BASIC_BASE);
    assert_string_equal(lti_oauth_base_string_recipe(a, "POST", V_URL, &p, NULL),
                        V_BASIC_BASE);
    lti_params_t q = parse_body(a, V_PREFIX_BODY);
    assert_string_equal(lti_oauth_base_string(a, "POST", V_URL, &q, NULL),
                        lti_oauth_base_string_recipe(a, "POST", V_URL, &q, NULL));
    dla_arena_destroy(a);
}

static void test_oauth_verify_vectors(void **st)
{
    (void)st;
    dla_arena_t *a = dla_arena_new(4096);
    dla_err_t err = {0};
    lti_params_t p = parse_body(a, V_BASIC_BODY);
    assert_int_equal(lti_oauth_verify(a, "POST", V_URL, &p, V_SECRET, &err), DLA_OK);
    /* the same URL written differently by a proxy-unaware consumer still verifies */
    assert_int_equal(lti_oauth_verify(a, "POST", "HTTPS://DLA.example.LT:443/lti/launch",
                                      &p, V_SECRET, &err),
                     DLA_OK);
    assert_int_equal(lti_oauth_verify(a, "POST", V_URL, &p, "wrong", &err), DLA_EAUTH);
    assert_int_equal(lti_oauth_verify(a, "POST", "http://dla.example.lt/lti/launch", &p,
                                      V_SECRET, &err),
                     DLA_EAUTH);
    /* the prefix-name case that naive sorters get wrong */
    lti_params_t q = parse_body(a, V_PREFIX_BODY);
    assert_int_equal(lti_oauth_verify(a, "POST", V_URL, &q, V_SECRET, &err), DLA_OK);
    /* tamper with one value */
    for (size_t i = 0; i < q.n; i++)
        if (strcmp(q.v[i].name, "custom_q1") == 0)
            q.v[i].value = "SECOND";
    assert_int_equal(lti_oauth_verify(a, "POST", V_URL, &q, V_SECRET, &err), DLA_EAUTH);
    /* two signatures, or none, are refused */
    lti_params_t r = parse_body(a, V_BASIC_BODY);
    lti_params_add(a, &r, "oauth_signature", "x");
    assert_int_equal(lti_oauth_verify(a, "POST", V_URL, &r, V_SECRET, &err), DLA_EAUTH);
    lti_params_t n = parse_body(a, "a=b&oauth_signature_method=HMAC-SHA1");
    assert_int_equal(lti_oauth_verify(a, "POST", V_URL, &n, V_SECRET, &err), DLA_EAUTH);
    dla_arena_destroy(a);
}

static void test_oauth_sign_roundtrip(void **st)
{
    (void)st;
    dla_arena_t *a = dla_arena_new(4096);
    dla_err_t err = {0};
    lti_params_t p = {0};
    lti_params_add(a, &p, "lti_message_type", "ContentItemSelection");
    lti_params_add(a, &p, "content_items", "{\"@graph\":[{\"title\":\"Ąžuolas & co\"}]}");
    assert_int_equal(lti_oauth_sign(a, "POST", "http://lms.example/ci?x=1", &p, "k",
                                    "s3cret", NULL, &err),
                     DLA_OK);
    assert_non_null(lti_params_get(&p, "oauth_nonce"));
    assert_int_equal(
        lti_oauth_verify(a, "POST", "http://lms.example/ci", &p, "s3cret", &err), DLA_OK);
    char *h = lti_oauth_header(a, &p);
    assert_non_null(h);
    lti_params_t hp;
    assert_int_equal(lti_oauth_parse_header(a, h, &hp, &err), DLA_OK);
    assert_string_equal(lti_params_get(&hp, "oauth_signature"),
                        lti_params_get(&p, "oauth_signature"));
    assert_null(lti_params_get(&hp, "content_items"));
    dla_arena_destroy(a);
}

static void test_oauth_header(void **st)
{
    (void)st;
    dla_arena_t *a = dla_arena_new(4096);
    dla_err_t err = {0};
    lti_params_t p;
    assert_int_equal(
        lti_oauth_parse_header(
            a, "OAuth realm=\"\", oauth_nonce=\"a%20b\",oauth_body_hash=\"x%2By%3D\"", &p,
            &err),
        DLA_OK);
    assert_int_equal(p.n, 3);
    assert_string_equal(lti_params_get(&p, "oauth_nonce"), "a b");
    assert_string_equal(lti_params_get(&p, "oauth_body_hash"), "x+y=");
    const char *bad[] = {
        "Basic abc",       "OAuth a=b",       "OAuth a=\"b",           "OAuth =\"x\"",
        "OAuth a=\"%zz\"", "OAuth a=\"%00\"", "OAuth a=\"b\" c=\"d\"", NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_not_equal(lti_oauth_parse_header(a, bad[i], &p, &err), DLA_OK);
    dla_arena_destroy(a);
}

static void test_base_url(void **st)
{
    (void)st;
    dla_arena_t *a = dla_arena_new(1024);
    assert_string_equal(lti_oauth_base_url(a, "HTTP://Example.COM:80/lti/launch?x=1#f"),
                        "http://example.com/lti/launch");
    assert_string_equal(lti_oauth_base_url(a, "https://example.com:443"),
                        "https://example.com/");
    assert_string_equal(lti_oauth_base_url(a, "https://example.com:8443/a"),
                        "https://example.com:8443/a");
    assert_null(lti_oauth_base_url(a, "ftp://example.com/"));
    assert_null(lti_oauth_base_url(a, "https://user@example.com/"));
    dla_arena_destroy(a);
}

static void test_body_hash(void **st)
{
    (void)st;
    dla_arena_t *a = dla_arena_new(1024);
    assert_string_equal(lti_oauth_body_hash(a, V_POX_BODY, strlen(V_POX_BODY)),
                        V_POX_BODY_HASH);
    dla_arena_destroy(a);
}

static void test_pox(void **st)
{
    (void)st;
    size_t len = 0;
    lti_pox_resp_t r;
    char sid[128];
    dla_err_t err = {0};
    char *x = lti_pox_build(LTI_POX_REPLACE, "m-1", "sid<&>1", 0.8125, "lt", &len);
    assert_non_null(x);
    assert_non_null(strstr(x, "imsx_POXEnvelopeRequest"));
    assert_int_equal(lti_pox_parse(x, len, 1, &r, sid, sizeof sid, &err), DLA_OK);
    assert_string_equal(r.op, "replaceResultRequest");
    assert_string_equal(sid, "sid<&>1");
    assert_true(r.has_score);
    assert_true(r.score > 0.81 && r.score < 0.82);
    free(x);
    assert_null(lti_pox_build(LTI_POX_REPLACE, "m", "s", 1.5, "en", &len));
    x = lti_pox_build(LTI_POX_READ, "m-2", "s", 0, NULL, &len);
    assert_non_null(strstr(x, "readResultRequest"));
    free(x);

    const char *ok =
        "<?xml version=\"1.0\"?><imsx_POXEnvelopeResponse xmlns=\"http://www.imsglobal."
        "org/services/ltiv1p1/xsd/imsoms_v1p0\"><imsx_POXHeader><imsx_POXResponse"
        "HeaderInfo><imsx_statusInfo><imsx_codeMajor> success </imsx_codeMajor>"
        "<imsx_description>ok</imsx_description></imsx_statusInfo></imsx_POXRespon"
        "seHeaderInfo></imsx_POXHeader><imsx_POXBody><readResultResponse><result>"
        "<resultScore><language>en</language><textString>0.5</textString>"
        "</resultScore></result></readResultResponse></imsx_POXBody>"
        "</imsx_POXEnvelopeResponse>";
    assert_int_equal(lti_pox_parse(ok, strlen(ok), 0, &r, NULL, 0, &err), DLA_OK);
    assert_string_equal(r.code_major, "success");
    assert_string_equal(r.op, "readResultResponse");
    assert_true(r.has_score && r.score == 0.5);
    const char *bad[] = {
        "<imsx_POXEnvelopeResponse>",
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
        "<imsx_POXEnvelopeResponse>&e;</imsx_POXEnvelopeResponse>",
        "<other/>",
        "<imsx_POXEnvelopeResponse><imsx_POXBody/></imsx_POXEnvelopeResponse>",
        "<imsx_POXEnvelopeResponse><imsx_codeMajor>success</imsx_codeMajor><imsx_POXBody>"
        "<readResultResponse><textString>7</textString></readResultResponse></"
        "imsx_POXBody>"
        "</imsx_POXEnvelopeResponse>",
        NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_not_equal(lti_pox_parse(bad[i], strlen(bad[i]), 0, &r, NULL, 0, &err),
                             DLA_OK);
}

static void test_jwt_vectors(void **st)
{
    (void)st;
    dla_err_t err = {0};
    json_t *jwks = json_loads(V_JWKS, 0, NULL), *h = NULL, *p = NULL;
    assert_non_null(jwks);
    cjose_jwk_t *k = lti_jwks_find(jwks, "vk1");
    assert_non_null(k);
    assert_null(lti_jwks_find(jwks, "ec1"));     /* not RSA */
    assert_null(lti_jwks_find(jwks, "missing")); /* unknown kid */
    assert_null(lti_jwks_find(jwks, NULL));      /* several RSA keys: kid required */
    assert_int_equal(lti_jwt_verify_sig(V_JWT_GOOD, strlen(V_JWT_GOOD), k, &err), DLA_OK);
    const char *bad[] = {V_JWT_OTHER_KEY, V_JWT_HS256_PUB,
                         V_JWT_NONE,      V_JWT_TAMPERED,
                         "a.b",           "",
                         "x.y.z",         NULL};
    for (int i = 0; bad[i]; i++)
        assert_int_equal(lti_jwt_verify_sig(bad[i], strlen(bad[i]), k, &err), DLA_EAUTH);

    lti_claims_req_t cr = {"https://lms.example.lt", "client-1", V_JWT_IAT + 10, 60};
    assert_int_equal(lti_jwt_decode(V_JWT_GOOD, strlen(V_JWT_GOOD), &h, &p, &err),
                     DLA_OK);
    assert_string_equal(json_string_value(json_object_get(h, "kid")), "vk1");
    assert_int_equal(lti_jwt_check_claims(p, &cr, &err), DLA_OK);
    lti_claims_req_t late = cr;
    late.now = V_JWT_IAT + 300 + 61;
    assert_int_equal(lti_jwt_check_claims(p, &late, &err), DLA_EEXPIRED);
    late.now = V_JWT_IAT + 300 + 59; /* within leeway */
    assert_int_equal(lti_jwt_check_claims(p, &late, &err), DLA_OK);
    lti_claims_req_t early = cr;
    early.now = V_JWT_IAT - 120; /* iat in the future beyond leeway */
    assert_int_equal(lti_jwt_check_claims(p, &early, &err), DLA_EAUTH);
    lti_claims_req_t wrong = cr;
    wrong.aud = "client-2";
    assert_int_equal(lti_jwt_check_claims(p, &wrong, &err), DLA_EAUTH);
    wrong = cr;
    wrong.iss = "https://other.example";
    assert_int_equal(lti_jwt_check_claims(p, &wrong, &err), DLA_EAUTH);
    json_decref(h);
    json_decref(p);
    assert_int_equal(
        lti_jwt_decode(V_JWT_AUD_ARRAY, strlen(V_JWT_AUD_ARRAY), &h, &p, &err), DLA_OK);
    assert_int_equal(lti_jwt_check_claims(p, &cr, &err), DLA_EAUTH); /* no azp */
    json_decref(h);
    json_decref(p);
    assert_int_equal(
        lti_jwt_decode(V_JWT_AUD_ARRAY_AZP, strlen(V_JWT_AUD_ARRAY_AZP), &h, &p, &err),
        DLA_OK);
    assert_int_equal(lti_jwt_check_claims(p, &cr, &err), DLA_OK);
    json_decref(h);
    json_decref(p);
    cjose_jwk_release(k);
    json_decref(jwks);
}

static void test_jwt_sign_verify(void **st)
{
    (void)st;
    static const uint8_t e[] = {1, 0, 1};
    cjose_err cerr;
    dla_err_t err = {0};
    cjose_jwk_t *k = cjose_jwk_create_RSA_random(2048, e, sizeof e, &cerr);
    assert_non_null(k);
    assert_true(cjose_jwk_set_kid(k, "t1", 2, &cerr));
    json_t *pl = json_pack("{s:s, s:i}", "iss", "dla", "iat", 1);
    char *jwt = lti_jwt_sign(pl, k, &err);
    assert_non_null(jwt);
    char *pub = cjose_jwk_to_json(k, false, &cerr);
    json_t *set = json_pack("{s:[o]}", "keys", json_loads(pub, 0, NULL));
    json_object_set_new(json_array_get(json_object_get(set, "keys"), 0), "kid",
                        json_string("t1"));
    cjose_jwk_t *v = lti_jwks_find(set, "t1");
    assert_non_null(v);
    assert_int_equal(lti_jwt_verify_sig(jwt, strlen(jwt), v, &err), DLA_OK);
    /* a private-key JWKS entry is reduced to its public part */
    cjose_get_dealloc()(pub);
    free(jwt);
    json_decref(pl);
    json_decref(set);
    cjose_jwk_release(v);
    cjose_jwk_release(k);
}

static void test_roles(void **st)
{
    (void)st;
    assert_int_equal(lti_roles_map11("Learner"), DLA_ROLE_LEARNER);
    assert_int_equal(lti_roles_map11(""), DLA_ROLE_LEARNER);
    assert_int_equal(lti_roles_map11("Instructor, urn:lti:role:ims/lis/Learner"),
                     DLA_ROLE_SUPERVISOR | DLA_ROLE_LEARNER);
    assert_int_equal(lti_roles_map11("urn:lti:instrole:ims/lis/Administrator"),
                     DLA_ROLE_HR);
    assert_int_equal(lti_roles_map11("urn:lti:sysrole:ims/lis/SysAdmin"), DLA_ROLE_ADMIN);
    json_t *r = json_pack(
        "[s,s]", "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator");
    assert_int_equal(lti_roles_map13(r), DLA_ROLE_SUPERVISOR | DLA_ROLE_HR);
    json_decref(r);
    r = json_pack("[s]",
                  "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator");
    assert_int_equal(lti_roles_map13(r), DLA_ROLE_ADMIN);
    json_decref(r);
    r = json_array();
    assert_int_equal(lti_roles_map13(r), DLA_ROLE_LEARNER);
    json_decref(r);
}

static void test_form_limits(void **st)
{
    (void)st;
    dla_arena_t *a = dla_arena_new(4096);
    lti_params_t p;
    dla_err_t err = {0};
    assert_int_not_equal(lti_form_params(a, "a=%00b", 6, NULL, &p, &err), DLA_OK);
    assert_int_not_equal(lti_form_params(a, "a=%zz", 5, NULL, &p, &err), DLA_OK);
    assert_int_equal(lti_form_params(a, "a=1&a=2", 7, "q=3", &p, &err), DLA_OK);
    assert_int_equal(p.n, 3);
    size_t big = LTI_MAX_FORM + 1;
    char *b = malloc(big + 1);
    memset(b, 'a', big);
    b[big] = '\0';
    assert_int_equal(lti_form_params(a, b, big, NULL, &p, &err), DLA_ETOOBIG);
    free(b);
    dla_arena_destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oauth_base_string),
        cmocka_unit_test(test_oauth_verify_vectors),
        cmocka_unit_test(test_oauth_sign_roundtrip),
        cmocka_unit_test(test_oauth_header),
        cmocka_unit_test(test_base_url),
        cmocka_unit_test(test_body_hash),
        cmocka_unit_test(test_pox),
        cmocka_unit_test(test_jwt_vectors),
        cmocka_unit_test(test_jwt_sign_verify),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_form_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
