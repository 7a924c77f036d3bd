/* fuzz_xapi_multipart.c - multipart/mixed statement requests. Input: the request's
 * Content-Type on the first line, the body after it. Parsed parts go through the
 * attachment and signature checks; the writer's output must parse back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 512 * 1024) {
        return 0;
    }
    const uint8_t *nl = memchr(data, '\n', size);
    size_t ctl = nl ? (size_t)(nl - data) : size;
    if (ctl > 1024) {
        return 0;
    }
    char ct[1025];
    memcpy(ct, data, ctl);
    ct[ctl] = '\0';
    const char *body = nl ? (const char *)nl + 1 : "";
    size_t blen = nl ? size - ctl - 1 : 0;
    /* the body lives in its own allocation so overreads are caught */
    char *copy = malloc(blen ? blen : 1);
    if (!copy) {
        return 0;
    }
    memcpy(copy, body, blen);
    dla_arena_t *a = dla_arena_new(4096);
    dla_xm_part_t *parts = NULL;
    size_t n = 0;
    dla_err_t err;
    if (a && dla_xm_multipart_parse(a, ct, copy, blen, &parts, &n, &err) == DLA_OK &&
        n > 0) {
        json_t *st =
            json_loadb(parts[0].data, parts[0].len, JSON_REJECT_DUPLICATES, NULL);
        if (st) {
            (void)dla_xm_attachments_check(st, parts, n, DLA_XAPI_V200, &err);
            json_decref(st);
        }
        /* round trip: write the parts back and parse them again */
        dla_xm_out_part_t *outp = dla_arena_calloc(a, sizeof *outp * n);
        if (outp) {
            for (size_t i = 1; i < n; i++) {
                outp[i - 1].sha2 = parts[i].hash;
                outp[i - 1].content_type = parts[i].content_type;
                outp[i - 1].data = parts[i].data;
                outp[i - 1].len = parts[i].len;
            }
            char *out, ctype[128];
            size_t olen;
            if (dla_xm_multipart_write(a, parts[0].data, parts[0].len, outp, n - 1, &out,
                                       &olen, ctype, sizeof ctype) == DLA_OK) {
                dla_xm_part_t *back;
                size_t bn;
                /* data containing the random boundary could split parts; else equal */
                if (dla_xm_multipart_parse(a, ctype, out, olen, &back, &bn, &err) ==
                        DLA_OK &&
                    bn == n && back[0].len != parts[0].len) {
                    abort();
                }
            }
        }
    }
    dla_arena_destroy(a);
    free(copy);
    return 0;
}
