/* fuzz_xapi_query.c - GET /statements parameters: the query string is parsed as
 * a form (dla_form_parse) and handed to the LRS parameter parser, which checks
 * names, UUIDs, agent JSON, timestamps, booleans, limit, format and the cursor of
 * `more` links. Also feeds the raw bytes to the timestamp and UUID parsers. */
#include <stdint.h>
#include <string.h>

#include "dla_arena.h"
#include "dla_form.h"
#include "xapi_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *get(void *ctx, const char *name)
{
    return dla_form_get(ctx, name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    dla_arena_t *a = dla_arena_new(4096);
    if (!a)
        return 0;
    char *s = dla_arena_strndup(a, (const char *)data, size);
    dla_form_t f;
    dla_err_t err;
    if (s && dla_form_parse(a, s, size, 100, &f, &err) == DLA_OK) {
        const char *names[100];
        size_t n = 0;
        for (size_t i = 0; i < f.count && n < 100; i++)
            names[n++] = f.pairs[i].name;
        lrs_query_t q;
        if (lrs_query_parse(get, &f, names, n, 500, &q, &err) == DLA_OK) {
            /* a parsed query is internally consistent */
            if (q.limit == 0 || q.limit > 500 || q.nfilt > 8)
                __builtin_trap();
        }
    }
    if (s) {
        int64_t us;
        uint8_t id[16];
        (void)lrs_time_parse(s, &us);
        if (lrs_uuid_parse(s, id) == DLA_OK) {
            char back[37];
            lrs_uuid_format(id, back);
            if (strlen(back) != 36)
                __builtin_trap();
        }
    }
    dla_arena_destroy(a);
    return 0;
}
