/* fuzz_lti_oauth_header.c - the `Authorization: OAuth ...` parser; what parses
 * must survive a rebuild + reparse with the same oauth_* values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lti_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dla_arena_t *a = dla_arena_new(8192);
    lti_params_t p, q;
    dla_err_t err = {0};
    if (!a)
        return 0;
    char *s = dla_arena_strndup(a, (const char *)data, size);
    if (s && lti_oauth_parse_header(a, s, &p, &err) == DLA_OK) {
        char *h = lti_oauth_header(a, &p);
        if (h && lti_oauth_parse_header(a, h, &q, &err) == DLA_OK) {
            for (size_t i = 0; i < p.n; i++) {
                if (strncmp(p.v[i].name, "oauth_", 6) != 0)
                    continue;
                const char *v = lti_params_get(&q, p.v[i].name);
                if (!v)
                    abort();
            }
        } else if (h) {
            abort(); /* a header we built must parse */
        }
    }
    dla_arena_destroy(a);
    return 0;
}
