/* dla_json.h - fast JSON text <-> jansson trees for the hot paths.
 *
 * jansson stays the JSON data model of dla; this module only replaces its
 * reader and writer where statements stream through (the LRS write path, HTTP
 * responses). The reader lexes straight from the input buffer and builds the
 * tree with jansson's no-check constructors; the writer appends to one growing
 * buffer. Both accept and produce exactly what jansson's json_loadb (without
 * JSON_DECODE_ANY / JSON_ALLOW_NUL) and json_dumps (JSON_COMPACT) would, with
 * one deliberate difference: reals are written in the shortest form that reads
 * back to the same double ("0.37", not "0.36999999999999999"). The fuzz target
 * tests/fuzz/fuzz_json.c checks that agreement on every input.
 */
#ifndef DLA_JSON_H
#define DLA_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "dla_err.h"

#define DLA_JSON_MAX_DEPTH 2048 /* nesting limit of both directions (jansson's) */

/* reader flags */
#define DLA_JSON_REJECT_DUPLICATES 0x1u /* a repeated object key is an error */
/* writer flags */
#define DLA_JSON_SORT_KEYS 0x1u  /* object members in strcmp order of their keys */
#define DLA_JSON_ENCODE_ANY 0x2u /* allow a scalar at the top level */

typedef struct dla_json_error_s {
    int line;        /* 1-based line of the error, 0 when not positional */
    int column;      /* 1-based column (bytes) */
    size_t position; /* byte offset */
    char text[120];  /* English, one line */
} dla_json_error_t;

/* Parses `len` bytes of UTF-8 JSON text whose top level is an object or an
 * array. Returns a new reference (caller json_decref's it), or NULL with `je`
 * filled (je may be NULL) on invalid input or ENOMEM. Never reads past len. */
json_t *dla_json_parse(const char *text, size_t len, unsigned flags,
                       dla_json_error_t *je);

/* Serialises `v` compactly. Returns a new NUL-terminated string (caller
 * free()s it) and its length in *len (len may be NULL); NULL on ENOMEM, on a
 * NaN/infinite real, nesting deeper than DLA_JSON_MAX_DEPTH, or a scalar top
 * level without DLA_JSON_ENCODE_ANY. */
char *dla_json_dumps(const json_t *v, unsigned flags, size_t *len);

/* Serialises `v` into this thread's scratch buffer: *out (NUL-terminated,
 * *len bytes) is borrowed and valid until the thread's next dla_json_scratch
 * or dla_json_dumps call; no allocation once the buffer has grown. Returns
 * DLA_OK, DLA_ENOMEM or DLA_EINVAL (as dla_json_dumps). */
int dla_json_scratch(const json_t *v, unsigned flags, const char **out, size_t *len);

/* Appends the serialisation of `v` to the malloc'd buffer *buf (length *len,
 * capacity *cap; all three may start as NULL/0). The caller owns *buf and
 * free()s it. Returns DLA_OK, DLA_ENOMEM or DLA_EINVAL (as dla_json_dumps). */
int dla_json_append(char **buf, size_t *len, size_t *cap, const json_t *v,
                    unsigned flags);

#endif
