/* fuzz_lti_form.c - LTI 1.1 launch form bodies through the OAuth verifier
 * (form decoding, liboauth base string, signature compare) and role mapping. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lti_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dla_arena_t *a = dla_arena_new(8192);
    lti_params_t p;
    dla_err_t err = {0};
    if (!a)
        return 0;
    char *s = dla_arena_strndup(a, (const char *)data, size);
    if (s && lti_form_params(a, s, strlen(s), "q=1", &p, &err) == DLA_OK) {
        (void)lti_oauth_verify(a, "POST", "https://dla.example.lt/lti/launch", &p,
                               "secret", &err);
        (void)lti_roles_map11(lti_params_get(&p, "roles"));
        char *h = lti_oauth_header(a, &p);
        lti_params_t hp;
        if (h)
            (void)lti_oauth_parse_header(a, h, &hp, &err);
    }
    dla_arena_destroy(a);
    return 0;
}
