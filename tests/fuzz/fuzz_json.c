/* fuzz_json.c - differential libFuzzer target for dla_json (core/dla_json.h).
 *
 * For every input: dla_json_parse and jansson's json_loadb must agree on
 * accept/reject and, when both accept, produce equal trees (json_equal; reals
 * compare as exact doubles). One known jansson wart is allowed: it skips a raw
 * NUL byte that follows a number ("[1\0,2]" loads), which RFC 8259 forbids and
 * dla rejects; with a NUL in the input dla may only be the stricter one. The
 * first byte picks the reader flags. Every
 * accepted tree is then written by dla_json_dumps (insertion order and sorted)
 * and read back by jansson, which must give the same tree again: the writer's
 * escapes and shortest reals round-trip exactly. Any disagreement aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_dump(const json_t *v, unsigned flags)
{
    size_t n = 0;
    char *txt = dla_json_dumps(v, flags, &n);
    if (!txt)
        abort();
    if (strlen(txt) != n)
        abort(); /* no raw NUL can appear: strings carry none */
    json_error_t je;
    json_t *back = json_loadb(txt, n, 0, &je);
    if (!back || !json_equal((json_t *)v, back)) {
        fprintf(stderr, "dump does not round-trip: %s\n", txt);
        abort();
    }
    json_decref(back);
    free(txt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned dup = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    dla_json_error_t de;
    json_error_t je;
    json_t *a = dla_json_parse(text, len, dup ? DLA_JSON_REJECT_DUPLICATES : 0, &de);
    json_t *b = json_loadb(text, len, dup ? JSON_REJECT_DUPLICATES : 0, &je);
    int has_nul = memchr(text, 0, len) != NULL;
    if (!a != !b && !(has_nul && !a)) {
        fprintf(stderr, "readers disagree: dla %s (%s), jansson %s (%s)\n",
                a ? "accepts" : "rejects", a ? "" : de.text, b ? "accepts" : "rejects",
                b ? "" : je.text);
        abort();
    }
    if (a && b && !json_equal(a, b)) {
        fprintf(stderr, "readers build different trees\n");
        abort();
    }
    if (!a && (de.text[0] == '\0' || de.line < 1))
        abort(); /* every rejection says where and why */
    if (a) {
        check_dump(a, 0);
        check_dump(a, DLA_JSON_SORT_KEYS);
    }
    json_decref(a);
    json_decref(b);
    return 0;
}
