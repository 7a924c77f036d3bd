/* fuzz_lti_jwt.c - JWT parsing and verification: compact splitting, base64url,
 * JSON header/payload, the RS256 pin, claim checks and JWKS key lookup. No
 * input may verify: the key's private half is not in the corpus. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lti_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char JWKS[] =
    "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"fz\",\"e\":\"AQAB\",\"n\":\"uq_LmQikniYT7z"
    "lTLJygWg_g9nQbn81ybRWVBKdUNMrig-M72cfT8sSGmpCgq659bI_RHXQwlfjMfjykZw8ce0kK7_7itv"
    "MlnnXVRDLFNBeiWGcTqSPi7XKLoGxXSM68AaIHxcHQkhprMZbGkdQtuMtWRZHfdihQ_WnlxP0337XhP8"
    "SrtwXQlEKOSfx7y7_DfP3ed4NiOhZd5iiQ-RlRHR0vYwGLNVPg5ZjG21uL6649ORySF7fy7iugrPi66U"
    "R-OQIof75bH3t3yZzcqR4OMNulnnr81CFQ7ghkx13aAYUY3JKrh51WDOg90mGK39M8QrlpvHh5eCWJ4W"
    "1QvmeHiQ\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *jwks;
    static cjose_jwk_t *key;
    json_t *h = NULL, *p = NULL;
    dla_err_t err = {0};
    if (!jwks) {
        jwks = json_loads(JWKS, 0, NULL);
        key = lti_jwks_find(jwks, "fz");
        if (!key)
            abort();
    }
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n = strlen(s);
    if (lti_jwt_decode(s, n, &h, &p, &err) == DLA_OK) {
        lti_claims_req_t cr = {"https://lms.example", "client", 1700000000, 60};
        (void)lti_jwt_check_claims(p, &cr, &err);
        (void)lti_roles_map13(
            json_object_get(p, "https://purl.imsglobal.org/spec/lti/claim/roles"));
        cjose_jwk_t *k = lti_jwks_find(p, json_string_value(json_object_get(h, "kid")));
        if (k)
            cjose_jwk_release(k);
        json_decref(h);
        json_decref(p);
    }
    if (lti_jwt_verify_sig(s, n, key, &err) == DLA_OK)
        abort();
    free(s);
    return 0;
}
