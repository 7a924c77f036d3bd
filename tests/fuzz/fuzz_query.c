/* fuzz_query.c - libFuzzer target for request targets "path?query": the path is
 * percent-decoded without '+' handling, the query parsed as the HTTP layer
 * does (dla_form_parse with the default limit), and lookups run on it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dla_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dla_arena_t *a = dla_arena_new(0);
    if (!a)
        return 0;
    const char *s = (const char *)data;
    const char *q = memchr(s, '?', size);
    size_t plen = q ? (size_t)(q - s) : size;
    size_t dlen = 0;
    char *path = dla_url_decode(a, s, plen, 0, &dlen);
    if (path && dlen > plen)
        abort(); /* decoding never grows */
    if (q) {
        dla_form_t f = {0};
        dla_err_t err = {0};
        size_t qlen = size - plen - 1;
        if (dla_form_parse(a, q + 1, qlen, 0, &f, &err) == DLA_OK) {
            static const char *names[] = {"agent",  "verb",       "activity",
                                          "since",  "limit",      "statementId",
                                          "format", "attachments"};
            for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                const char *v = dla_form_get(&f, names[i]);
                size_t n = dla_form_count(&f, names[i]);
                if ((v == NULL) != (n == 0))
                    abort();
            }
            for (size_t i = 0; i < f.count; i++)
                if (f.pairs[i].value_len > qlen || strlen(f.pairs[i].name) > qlen)
                    abort();
        } else if (err.msg[0] == '\0') {
            abort(); /* a refusal always says why */
        }
    }
    dla_arena_destroy(a);
    return 0;
}
