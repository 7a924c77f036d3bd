/* diag_json.c - strict JSON helpers for the framework and item loaders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_int.h"

int dj_load_file(const char *path, size_t max, json_t **out, dla_err_t *err)
{
    FILE *f = NULL;
    char *buf = NULL;
    size_t n;
    json_error_t je;
    json_t *doc;
    int rc = DLA_OK;

    f = fopen(path, "rb");
    if (f == NULL)
        return dla_err_set(err, DLA_EIO, "%s: cannot open", path);
    buf = malloc(max + 1);
    if (buf == NULL) {
        rc = dla_err_set(err, DLA_ENOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    n = fread(buf, 1, max + 1, f);
    if (ferror(f)) {
        rc = dla_err_set(err, DLA_EIO, "%s: read error", path);
        goto cleanup;
    }
    if (n > max) {
        rc = dla_err_set(err, DLA_ETOOBIG, "%s: larger than %zu bytes", path, max);
        goto cleanup;
    }
    doc = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL) {
        rc = dla_err_set(err, DLA_EINVAL, "%s:%d:%d: %s", path, je.line, je.column,
                         je.text);
        if (err != NULL) {
            err->line = je.line;
            err->column = je.column;
        }
        goto cleanup;
    }
    *out = doc;
cleanup:
    free(buf);
    if (f != NULL)
        fclose(f);
    return rc;
}

int dj_keys(const char *file, const char *where, const json_t *obj,
            const char *const *allowed, dla_err_t *err)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return dla_err_set(err, DLA_EINVAL, "%s: %s: not an object", file, where);
    json_object_foreach((json_t *)obj, key, v)
    {
        const char *const *a;
        int ok = 0;
        (void)v;
        for (a = allowed; *a != NULL; a++)
            if (strcmp(*a, key) == 0) {
                ok = 1;
                break;
            }
        if (!ok)
            return dla_err_set(err, DLA_EINVAL, "%s: %s: unknown key \"%.40s\"", file,
                               where, key);
    }
    return DLA_OK;
}

static int dj_text_ok(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == 0 || (ch < 0x20 && ch != '\n') || ch == 0x7f)
            return 0;
    }
    return 1;
}

int dj_str(const char *file, const char *where, const json_t *obj, const char *key,
           int required, size_t max, const char **out, dla_err_t *err)
{
    json_t *v = json_object_get(obj, key);
    size_t len;

    *out = NULL;
    if (v == NULL) {
        if (required)
            return dla_err_set(err, DLA_EINVAL, "%s: %s: missing \"%s\"", file, where,
                               key);
        return DLA_OK;
    }
    if (!json_is_string(v))
        return dla_err_set(err, DLA_EINVAL, "%s: %s: \"%s\" must be a string", file,
                           where, key);
    len = json_string_length(v);
    if (len == 0)
        return dla_err_set(err, DLA_EINVAL, "%s: %s: \"%s\" is empty", file, where, key);
    if (len > max)
        return dla_err_set(err, DLA_EINVAL, "%s: %s: \"%s\" longer than %zu bytes", file,
                           where, key, max);
    if (!dj_text_ok(json_string_value(v), len))
        return dla_err_set(err, DLA_EINVAL, "%s: %s: \"%s\" contains control characters",
                           file, where, key);
    *out = json_string_value(v);
    return DLA_OK;
}

int dj_ltext(const char *file, const char *where, const json_t *obj, const char *key,
             int required, size_t max, const char *out[DLA_LANGS], dla_err_t *err)
{
    static const char *const langs[] = {"lt", "en", NULL};
    json_t *v = json_object_get(obj, key);
    char sub[160];
    int rc, i;

    out[0] = out[1] = NULL;
    if (v == NULL) {
        if (required)
            return dla_err_set(err, DLA_EINVAL, "%s: %s: missing \"%s\"", file, where,
                               key);
        return DLA_OK;
    }
    snprintf(sub, sizeof(sub), "%s: \"%s\"", where, key);
    rc = dj_keys(file, sub, v, langs, err);
    if (rc != DLA_OK)
        return rc;
    for (i = 0; i < DLA_LANGS; i++) {
        rc = dj_str(file, sub, v, langs[i], 1, max, &out[i], err);
        if (rc != DLA_OK)
            return rc;
    }
    return DLA_OK;
}

int dj_int(const char *file, const char *where, const json_t *obj, const char *key,
           long lo, long hi, long *out, dla_err_t *err)
{
    json_t *v = json_object_get(obj, key);
    json_int_t x;

    if (v == NULL)
        return dla_err_set(err, DLA_EINVAL, "%s: %s: missing \"%s\"", file, where, key);
    if (!json_is_integer(v))
        return dla_err_set(err, DLA_EINVAL, "%s: %s: \"%s\" must be an integer", file,
                           where, key);
    x = json_integer_value(v);
    if (x < lo || x > hi)
        return dla_err_set(err, DLA_EINVAL, "%s: %s: \"%s\" = %lld outside %ld..%ld",
                           file, where, key, (long long)x, lo, hi);
    *out = (long)x;
    return DLA_OK;
}

int dj_ident(const char *s, size_t max)
{
    size_t n = 0;

    if (s == NULL)
        return 0;
    for (; s[n]; n++) {
        char ch = s[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
            return 0;
        if (n >= max)
            return 0;
    }
    return n > 0;
}
