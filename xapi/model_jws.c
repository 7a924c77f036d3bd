/* model_jws.c - signed statements: compact JWS (RFC 7515) with RS256/384/512,
 * payload compared with the statement it signs, optional x5c verification. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "model_int.h"

/* Decodes base64url (url = 1) or standard base64 (url = 0), padding optional.
 * Returns a malloc'd buffer (caller frees) with *outlen, or NULL. */
static unsigned char *b64_decode(const char *s, size_t n, int url, size_t *outlen)
{
    while (n > 0 && s[n - 1] == '=') {
        n--;
    }
    if (n % 4 == 1) {
        return NULL;
    }
    unsigned char *out = malloc(n / 4 * 3 + 3);
    if (!out) {
        return NULL;
    }
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i], v;
        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            v = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            v = c - '0' + 52;
        } else if (c == (url ? '-' : '+')) {
            v = 62;
        } else if (c == (url ? '_' : '/')) {
            v = 63;
        } else {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    *outlen = o;
    return out;
}

static json_t *decode_json_part(const char *s, size_t n)
{
    size_t l;
    unsigned char *raw = b64_decode(s, n, 1, &l);
    if (!raw) {
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb((const char *)raw, l, JSON_REJECT_DUPLICATES, &je);
    free(raw);
    return j;
}

/* Verifies the RS* signature with the RSA key of the first x5c certificate. */
static int verify_x5c(const json_t *x5c, const EVP_MD *md, const char *signing_input,
                      size_t silen, const char *sig_b64, size_t sig_len, dla_err_t *err)
{
    int rc = DLA_EINVAL;
    const char *cert_b64 = json_string_value(json_array_get(x5c, 0));
    unsigned char *der = NULL, *sig = NULL;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *ctx = NULL;
    size_t derlen, siglen;
    if (!json_is_array(x5c) || !cert_b64) {
        rc = dla_err_set(err, DLA_EINVAL,
                         "signature: x5c must be an array of certificates");
        goto cleanup;
    }
    der = b64_decode(cert_b64, strlen(cert_b64), 0, &derlen);
    const unsigned char *dp = der;
    if (!der || !(cert = d2i_X509(NULL, &dp, (long)derlen))) {
        rc = dla_err_set(err, DLA_EINVAL, "signature: x5c certificate cannot be read");
        goto cleanup;
    }
    key = X509_get_pubkey(cert);
    if (!key || EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
        rc = dla_err_set(err, DLA_EINVAL, "signature: x5c certificate has no RSA key");
        goto cleanup;
    }
    sig = b64_decode(sig_b64, sig_len, 1, &siglen);
    ctx = EVP_MD_CTX_new();
    if (!sig || !ctx || EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) != 1 ||
        EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)signing_input, silen) !=
            1) {
        rc = dla_err_set(err, DLA_EINVAL, "signature: does not verify with the x5c key");
        goto cleanup;
    }
    rc = DLA_OK;
cleanup:
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    X509_free(cert);
    free(der);
    free(sig);
    return rc;
}

/* The statement as it was before its signature was attached: signature
 * attachments removed (and "attachments" dropped when it becomes empty). */
static json_t *unsigned_copy(const json_t *st)
{
    json_t *c = json_deep_copy(st);
    json_t *atts = json_object_get(c, "attachments");
    if (!c || !json_is_array(atts)) {
        return c;
    }
    for (size_t i = json_array_size(atts); i-- > 0;) {
        const char *u =
            json_string_value(json_object_get(json_array_get(atts, i), "usageType"));
        if (u && strcmp(u, DLA_XM_SIGNATURE_USAGE) == 0) {
            json_array_remove(atts, i);
        }
    }
    if (json_array_size(atts) == 0) {
        json_object_del(c, "attachments");
    }
    return c;
}

int dla_xm_jws_check(const json_t *st, const char *jws, size_t len, dla_err_t *err)
{
    int rc = DLA_EINVAL;
    json_t *header = NULL, *payload = NULL, *orig = NULL;
    if (!jws || len == 0 || len > DLA_XM_MAX_JWS) {
        return dla_err_set(err, DLA_EINVAL, "signature: empty or too large");
    }
    /* trailing whitespace (a newline after the token) is tolerated */
    while (len > 0 &&
           (jws[len - 1] == '\n' || jws[len - 1] == '\r' || jws[len - 1] == ' ')) {
        len--;
    }
    const char *d1 = memchr(jws, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jws)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jws))) {
        return dla_err_set(err, DLA_EINVAL, "signature: not a compact JWS");
    }
    size_t sig_len = len - (size_t)(d2 + 1 - jws);
    if (d1 == jws || d2 == d1 + 1 || sig_len == 0) {
        return dla_err_set(err, DLA_EINVAL, "signature: empty JWS segment");
    }
    header = decode_json_part(jws, (size_t)(d1 - jws));
    if (!json_is_object(header)) {
        rc = dla_err_set(err, DLA_EINVAL, "signature: JWS header is not a JSON object");
        goto cleanup;
    }
    const char *alg = json_string_value(json_object_get(header, "alg"));
    const EVP_MD *md = NULL;
    if (alg && strcmp(alg, "RS256") == 0) {
        md = EVP_sha256();
    } else if (alg && strcmp(alg, "RS384") == 0) {
        md = EVP_sha384();
    } else if (alg && strcmp(alg, "RS512") == 0) {
        md = EVP_sha512();
    } else {
        rc = dla_err_set(err, DLA_EINVAL, "signature: alg must be RS256, RS384 or RS512");
        goto cleanup;
    }
    payload = decode_json_part(d1 + 1, (size_t)(d2 - d1 - 1));
    if (!json_is_object(payload)) {
        rc = dla_err_set(err, DLA_EINVAL,
                         "signature: JWS payload is not a JSON statement");
        goto cleanup;
    }
    orig = unsigned_copy(st);
    if (!orig) {
        rc = dla_err_set(err, DLA_ENOMEM, "signature: out of memory");
        goto cleanup;
    }
    if (!dla_xm_statements_equivalent(orig, payload)) {
        rc = dla_err_set(err, DLA_EINVAL,
                         "signature: JWS payload does not match the statement");
        goto cleanup;
    }
    json_t *x5c = json_object_get(header, "x5c");
    if (x5c) {
        rc = verify_x5c(x5c, md, jws, (size_t)(d2 - jws), d2 + 1, sig_len, err);
        goto cleanup;
    }
    /* without x5c there is no key to check against: structure and payload only */
    size_t sl;
    unsigned char *sig = b64_decode(d2 + 1, sig_len, 1, &sl);
    if (!sig || sl < 64) {
        free(sig);
        rc = dla_err_set(err, DLA_EINVAL, "signature: JWS signature is malformed");
        goto cleanup;
    }
    free(sig);
    rc = DLA_OK;
cleanup:
    json_decref(header);
    json_decref(payload);
    json_decref(orig);
    return rc;
}
