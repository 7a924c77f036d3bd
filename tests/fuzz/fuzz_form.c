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
    /* rebuild "n=v&n=v" with dla_url_encode, in one buffer */
    char **enc = dla_arena_alloc(a, (2 * f.count + 1) * sizeof *enc);
    size_t total = 1;
    if (!enc)
        goto done;
    for (size_t i = 0; i < f.count; i++) {
        const dla_form_pair_t *p = &f.pairs[i];
        if (strlen(p->value) > p->value_len)
            abort();
        enc[2 * i] = dla_url_encode(a, p->name, strlen(p->name));
        enc[2 * i + 1] = dla_url_encode(a, p->value, p->value_len);
        if (!enc[2 * i] || !enc[2 * i + 1])
            goto done;
        total += strlen(enc[2 * i]) + strlen(enc[2 * i + 1]) + 2;
        if (i < 16 &&
            (dla_form_get(&f, p->name) == NULL || dla_form_count(&f, p->name) == 0))
            abort();
    }
    char *body = dla_arena_alloc(a, total);
    if (!body)
        goto done;
    size_t o = 0;
    for (size_t i = 0; i < f.count; i++) {
        if (i)
            body[o++] = '&';
        size_t nl = strlen(enc[2 * i]), vl = strlen(enc[2 * i + 1]);
        memcpy(body + o, enc[2 * i], nl);
        o += nl;
        body[o++] = '=';
        memcpy(body + o, enc[2 * i + 1], vl);
        o += vl;
    }
    body[o] = '\0';
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
