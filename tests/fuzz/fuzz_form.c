/* fuzz_form.c - libFuzzer target for urlencoded form bodies (dla_form_parse,
 * dla_url_decode, dla_url_encode). Checks a round trip: re-encoding the parsed
 * pairs and parsing again yields the same names and values. */
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
    dla_form_t f = {0}, g = {0};
    dla_err_t err = {0};
    /* the first byte picks the pair limit, as callers pass different ones */
    size_t max_pairs = size ? (size_t)(data[0] % 8) * 50 : 0;
    if (dla_form_parse(a, (const char *)data, size, max_pairs, &f, &err) != DLA_OK)
        goto done;
    /* rebuild "n=v&n=v" with dla_url_encode */
    char *body = dla_arena_strdup(a, "");
    for (size_t i = 0; i < f.count; i++) {
        const dla_form_pair_t *p = &f.pairs[i];
        if (strlen(p->value) > p->value_len)
            abort();
        char *n = dla_url_encode(a, p->name, strlen(p->name));
        char *v = dla_url_encode(a, p->value, p->value_len);
        if (!n || !v)
            goto done;
        body = dla_arena_sprintf(a, "%s%s%s=%s", body, i ? "&" : "", n, v);
        if (!body)
            goto done;
        if (dla_form_get(&f, p->name) == NULL || dla_form_count(&f, p->name) == 0)
            abort();
    }
    if (dla_form_parse(a, body, strlen(body), f.count + 1, &g, &err) != DLA_OK)
        abort();
    /* empty names with no value vanish ("" segments), so compare non-empty ones */
    size_t j = 0;
    for (size_t i = 0; i < f.count; i++) {
        if (j >= g.count || strcmp(f.pairs[i].name, g.pairs[j].name) != 0 ||
            f.pairs[i].value_len != g.pairs[j].value_len ||
            memcmp(f.pairs[i].value, g.pairs[j].value, f.pairs[i].value_len) != 0)
            abort();
        j++;
    }
    if (j != g.count)
        abort();
done:
    dla_arena_destroy(a);
    return 0;
}
