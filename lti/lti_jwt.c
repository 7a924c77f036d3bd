/* lti_jwt.c - JWS verification and signing with cjose; id_token claim checks.
 *
 * The algorithm is pinned to RS256 from the header before any key is touched:
 * "none", HS* (including HS256 keyed with the platform's public key) and
 * everything else is refused. cjose checks the key type against the algorithm.
 */
#include <stdlib.h>
#include <string.h>

#include <cjose/cjose.h>

#include "lti_int.h"

/* cjose's base64url decoder asserts (aborts the process) on some malformed
 * input, e.g. a length of 4k+1 or stray '=': everything handed to cjose is
 * checked here first. */
static int b64url_ok(const char *s, size_t n)
{
    if (n % 4 == 1)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static json_t *b64_json(const char *s, size_t n, dla_err_t *err, const char *what)
{
    uint8_t *raw = NULL;
    size_t rlen = 0;
    cjose_err cerr;
    json_error_t jerr;
    if (n == 0 || !b64url_ok(s, n) || !cjose_base64url_decode(s, n, &raw, &rlen, &cerr)) {
        dla_err_set(err, DLA_EINVAL, "jwt %s is not base64url", what);
        return NULL;
    }
    json_t *j = json_loadb((const char *)raw, rlen, JSON_REJECT_DUPLICATES, &jerr);
    cjose_get_dealloc()(raw);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        dla_err_set(err, DLA_EINVAL, "jwt %s is not a JSON object", what);
        return NULL;
    }
    return j;
}

/* Decodes header and payload of a compact JWS without verifying. */
int lti_jwt_decode(const char *jwt, size_t len, json_t **header, json_t **payload,
                   dla_err_t *err)
{
    *header = NULL;
    if (payload)
        *payload = NULL;
    if (len == 0 || len > LTI_MAX_JWT)
        return dla_err_set(err, DLA_EINVAL, "jwt empty or longer than %d bytes",
                           LTI_MAX_JWT);
    const char *d1 = memchr(jwt, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jwt)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jwt)))
        return dla_err_set(err, DLA_EINVAL, "jwt must have three parts");
    if (!b64url_ok(jwt, (size_t)(d1 - jwt)) ||
        !b64url_ok(d1 + 1, (size_t)(d2 - d1 - 1)) ||
        !b64url_ok(d2 + 1, len - (size_t)(d2 + 1 - jwt)))
        return dla_err_set(err, DLA_EINVAL, "jwt parts must be base64url");
    json_t *h = b64_json(jwt, (size_t)(d1 - jwt), err, "header");
    if (!h)
        return DLA_EINVAL;
    if (payload) {
        json_t *p = b64_json(d1 + 1, (size_t)(d2 - d1 - 1), err, "payload");
        if (!p) {
            json_decref(h);
            return DLA_EINVAL;
        }
        *payload = p;
    }
    *header = h;
    return DLA_OK;
}

/* Verifies an RS256 signature; the alg is checked from the header first. */
int lti_jwt_verify_sig(const char *jwt, size_t len, const cjose_jwk_t *jwk,
                       dla_err_t *err)
{
    json_t *h = NULL;
    cjose_jws_t *jws = NULL;
    cjose_err cerr;
    int rc = lti_jwt_decode(jwt, len, &h, NULL, err);
    if (rc != DLA_OK)
        return DLA_EAUTH;
    const char *alg = json_string_value(json_object_get(h, "alg"));
    if (!alg || strcmp(alg, "RS256") != 0) {
        rc = dla_err_set(err, DLA_EAUTH,
                         "jwt alg \"%.16s\" refused: only RS256 is accepted",
                         alg ? alg : "(none)");
        goto cleanup;
    }
    if (!jwk || cjose_jwk_get_kty(jwk, &cerr) != CJOSE_JWK_KTY_RSA) {
        rc = dla_err_set(err, DLA_EAUTH, "no RSA key to verify the jwt");
        goto cleanup;
    }
    jws = cjose_jws_import(jwt, len, &cerr);
    if (!jws) {
        rc = dla_err_set(err, DLA_EAUTH, "jwt could not be parsed: %s", cerr.message);
        goto cleanup;
    }
    if (!cjose_jws_verify(jws, jwk, &cerr)) {
        rc = dla_err_set(err, DLA_EAUTH, "jwt signature does not verify");
        goto cleanup;
    }
    rc = DLA_OK;
cleanup:
    cjose_jws_release(jws);
    json_decref(h);
    return rc;
}

/* Finds the RSA signing key with `kid` in a JWKS (new key or NULL). A token
 * without kid matches only a set holding exactly one RSA key. */
cjose_jwk_t *lti_jwks_find(json_t *jwks, const char *kid)
{
    json_t *keys = json_object_get(jwks, "keys"), *k, *found = NULL;
    size_t i;
    int nrsa = 0;
    if (!json_is_array(keys))
        return NULL;
    json_array_foreach(keys, i, k)
    {
        const char *kty = json_string_value(json_object_get(k, "kty"));
        const char *use = json_string_value(json_object_get(k, "use"));
        const char *alg = json_string_value(json_object_get(k, "alg"));
        const char *kk = json_string_value(json_object_get(k, "kid"));
        if (!kty || strcmp(kty, "RSA") != 0 || (use && strcmp(use, "sig") != 0) ||
            (alg && strcmp(alg, "RS256") != 0))
            continue;
        nrsa++;
        if (kid && kk && strcmp(kid, kk) == 0)
            found = k;
        if (!kid && !found)
            found = k;
    }
    if (!found || (!kid && nrsa != 1))
        return NULL;
    const char *n = json_string_value(json_object_get(found, "n"));
    const char *e = json_string_value(json_object_get(found, "e"));
    if (!n || !e || !*n || !*e || strlen(n) > 2048 || strlen(e) > 16 ||
        !b64url_ok(n, strlen(n)) || !b64url_ok(e, strlen(e)))
        return NULL;
    /* only the public members: a private exponent in a platform JWKS is ignored */
    json_t *pub =
        json_pack("{s:s, s:O?, s:O?}", "kty", "RSA", "n", json_object_get(found, "n"),
                  "e", json_object_get(found, "e"));
    if (!pub)
        return NULL;
    char *s = json_dumps(pub, JSON_COMPACT);
    json_decref(pub);
    if (!s)
        return NULL;
    cjose_err cerr;
    cjose_jwk_t *jwk = cjose_jwk_import(s, strlen(s), &cerr);
    free(s);
    return jwk;
}

static int get_int(json_t *p, const char *name, int64_t *out)
{
    json_t *v = json_object_get(p, name);
    if (!v)
        return 0;
    if (json_is_integer(v))
        *out = (int64_t)json_integer_value(v);
    else if (json_is_real(v))
        *out = (int64_t)json_real_value(v);
    else
        return -1;
    return 1;
}

int lti_jwt_check_claims(json_t *payload, const lti_claims_req_t *req, dla_err_t *err)
{
    const char *iss = json_string_value(json_object_get(payload, "iss"));
    if (!iss || !req->iss || strcmp(iss, req->iss) != 0)
        return dla_err_set(err, DLA_EAUTH, "iss does not match the registered issuer");
    json_t *aud = json_object_get(payload, "aud");
    const char *azp = json_string_value(json_object_get(payload, "azp"));
    int found = 0;
    size_t naud = 0;
    if (json_is_string(aud)) {
        naud = 1;
        found = strcmp(json_string_value(aud), req->aud) == 0;
    } else if (json_is_array(aud)) {
        size_t i;
        json_t *a;
        naud = json_array_size(aud);
        json_array_foreach(aud, i, a)
        {
            if (json_is_string(a) && strcmp(json_string_value(a), req->aud) == 0)
                found = 1;
        }
    }
    if (!found)
        return dla_err_set(err, DLA_EAUTH, "aud does not contain the client id");
    if ((naud > 1 && !azp) || (azp && strcmp(azp, req->aud) != 0))
        return dla_err_set(err, DLA_EAUTH, "azp does not match the client id");
    int64_t exp = 0, iat = 0, nbf = 0;
    int hexp = get_int(payload, "exp", &exp), hiat = get_int(payload, "iat", &iat);
    int hnbf = get_int(payload, "nbf", &nbf);
    if (hexp != 1 || hiat != 1 || hnbf < 0)
        return dla_err_set(err, DLA_EAUTH, "exp and iat must be numbers");
    if (req->now > exp + req->leeway)
        return dla_err_set(err, DLA_EEXPIRED, "token expired %lld s ago",
                           (long long)(req->now - exp));
    if (iat > req->now + req->leeway)
        return dla_err_set(err, DLA_EAUTH, "iat is in the future");
    if (hnbf == 1 && nbf > req->now + req->leeway)
        return dla_err_set(err, DLA_EAUTH, "token not valid yet (nbf)");
    return DLA_OK;
}

/* Signs `payload` with `jwk` (RS256); new malloc()ed compact string or NULL. */
char *lti_jwt_sign(json_t *payload, const cjose_jwk_t *jwk, dla_err_t *err)
{
    cjose_err cerr;
    cjose_header_t *hdr = cjose_header_new(&cerr);
    cjose_jws_t *jws = NULL;
    char *plain = NULL, *out = NULL;
    const char *ser = NULL, *kid = jwk ? cjose_jwk_get_kid(jwk, &cerr) : NULL;
    if (!hdr || !jwk ||
        !cjose_header_set(hdr, CJOSE_HDR_ALG, CJOSE_HDR_ALG_RS256, &cerr) ||
        !cjose_header_set(hdr, "typ", "JWT", &cerr) ||
        (kid && !cjose_header_set(hdr, CJOSE_HDR_KID, kid, &cerr))) {
        dla_err_set(err, DLA_ENOMEM, "could not build the jwt header");
        goto cleanup;
    }
    plain = json_dumps(payload, JSON_COMPACT);
    if (!plain) {
        dla_err_set(err, DLA_ENOMEM, "could not serialise the jwt payload");
        goto cleanup;
    }
    jws = cjose_jws_sign(jwk, hdr, (const uint8_t *)plain, strlen(plain), &cerr);
    if (!jws || !cjose_jws_export(jws, &ser, &cerr)) {
        dla_err_set(err, DLA_ERR, "jwt signing failed: %s", cerr.message);
        goto cleanup;
    }
    out = strdup(ser);
    if (!out)
        dla_err_set(err, DLA_ENOMEM, "out of memory");
cleanup:
    cjose_jws_release(jws);
    cjose_header_release(hdr);
    free(plain);
    return out;
}
