/* fuzz_xapi_jws.c - signed statement checks. Input: a statement JSON on the first
 * line (optional) and a compact JWS after it; without a newline the whole input is
 * the JWS, checked against a fixed statement. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fixed = "{\"actor\":{\"mbox\":\"mailto:a@example.lt\"},\"verb\":{"
                           "\"id\":\"http://example.lt/v\"},"
                           "\"object\":{\"id\":\"http://example.lt/a\"}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024) {
        return 0;
    }
    const uint8_t *nl = memchr(data, '\n', size);
    json_t *st;
    const char *jws;
    size_t jl;
    if (nl) {
        st = json_loadb((const char *)data, (size_t)(nl - data), 0, NULL);
        jws = (const char *)nl + 1;
        jl = size - (size_t)(nl - data) - 1;
    } else {
        st = json_loads(fixed, 0, NULL);
        jws = (const char *)data;
        jl = size;
    }
    if (!st) {
        return 0;
    }
    char *copy = malloc(jl ? jl : 1);
    if (copy) {
        memcpy(copy, jws, jl);
        dla_err_t err;
        (void)dla_xm_jws_check(st, copy, jl, &err);
        free(copy);
    }
    json_decref(st);
    return 0;
}
