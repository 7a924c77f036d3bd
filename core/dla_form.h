/* dla_form.h - application/x-www-form-urlencoded and query-string parsing.
 *
 * Used for query strings, LTI 1.1 form posts and xAPI alternate request syntax.
 * Duplicate names are kept in order. All memory comes from the given arena.
 */
#ifndef DLA_FORM_H
#define DLA_FORM_H

#include <stddef.h>

#include "dla_arena.h"
#include "dla_err.h"

typedef struct dla_form_pair_s {
    const char *name;  /* decoded, NUL-terminated */
    const char *value; /* decoded ("" when "name" had no '=') */
    size_t value_len;  /* decoded length (a value may contain %00) */
} dla_form_pair_t;

typedef struct dla_form_s {
    dla_form_pair_t *pairs; /* arena-owned */
    size_t count;
} dla_form_t;

/* Parses `len` bytes of `s`. '+' decodes to space; malformed percent escapes are
 * an error (DLA_EINVAL, err names the offset). At most `max_pairs` pairs
 * (0 = 1000). Fills *out on success; arena owns everything. */
int dla_form_parse(dla_arena_t *a, const char *s, size_t len, size_t max_pairs,
                   dla_form_t *out, dla_err_t *err);

/* First value for `name`, NULL when absent. */
const char *dla_form_get(const dla_form_t *f, const char *name);
/* Number of pairs named `name`. */
size_t dla_form_count(const dla_form_t *f, const char *name);

/* Percent-decodes s[0..len) into a new arena string ('+' as space if plus_space).
 * Returns NULL on a malformed escape or ENOMEM; *out_len gets the length. */
char *dla_url_decode(dla_arena_t *a, const char *s, size_t len, int plus_space,
                     size_t *out_len);
/* RFC 3986 percent-encoding (unreserved kept, uppercase hex). Arena-owned. */
char *dla_url_encode(dla_arena_t *a, const char *s, size_t len);

#endif
