/* diag_int.h - private helpers shared by the framework, item bank, QTI and
 * diagnostic code (strict JSON checks with messages naming file and object). */
#ifndef DLA_DIAG_INT_H
#define DLA_DIAG_INT_H

#include <stddef.h>
#include <jansson.h>

#include "dla_err.h"
#include "dla_framework.h"

/* Reads a JSON file of at most `max` bytes, refusing duplicate keys. Returns a
 * new reference in *out. Errors read "<path>:<line>:<col>: <problem>". */
int dj_load_file(const char *path, size_t max, json_t **out, dla_err_t *err);
/* Refuses keys of object `obj` not in the NULL-terminated `allowed` list.
 * `where` names the object ("item dc21-1.1-01"). */
int dj_keys(const char *file, const char *where, const json_t *obj,
            const char *const *allowed, dla_err_t *err);
/* Required (or optional when !required; then *out = NULL) non-empty string of at
 * most `max` bytes, valid UTF-8 (jansson guarantees) without control characters
 * other than newline. */
int dj_str(const char *file, const char *where, const json_t *obj, const char *key,
           int required, size_t max, const char **out, dla_err_t *err);
/* A {"lt": "...", "en": "..."} text: both languages required when `required`;
 * when optional and absent both outputs are NULL. */
int dj_ltext(const char *file, const char *where, const json_t *obj, const char *key,
             int required, size_t max, const char *out[DLA_LANGS], dla_err_t *err);
/* Integer in [lo, hi]. */
int dj_int(const char *file, const char *where, const json_t *obj, const char *key,
           long lo, long hi, long *out, dla_err_t *err);
/* 1 if s is 1..max chars of [A-Za-z0-9._-]. */
int dj_ident(const char *s, size_t max);

#endif
