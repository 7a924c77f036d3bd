/* form.c - application/x-www-form-urlencoded and query-string parsing. */
#include <string.h>

#include "dla_form.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *dla_url_decode(dla_arena_t *a, const char *s, size_t len, int plus_space,
                     size_t *out_len)
{
    char *out = dla_arena_alloc(a, len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            int h, l;
            if (len - i < 3)
                return NULL;
            h = hexval((unsigned char)s[i + 1]);
            l = hexval((unsigned char)s[i + 2]);
            if (h < 0 || l < 0)
                return NULL;
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else if (c == '+' && plus_space) {
            out[o++] = ' ';
        } else {
            out[o++] = c;
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

char *dla_url_encode(dla_arena_t *a, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    if (len > (((size_t)-1) - 1) / 3)
        return NULL;
    char *out = dla_arena_alloc(a, len * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

int dla_form_parse(dla_arena_t *a, const char *s, size_t len, size_t max_pairs,
                   dla_form_t *out, dla_err_t *err)
{
    if (max_pairs == 0)
        max_pairs = 1000;
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '&')
            n++;
    n++;
    if (n > max_pairs + 1)
        return dla_err_set(err, DLA_ETOOBIG, "form has more than %zu fields", max_pairs);
    dla_form_pair_t *pairs = dla_arena_alloc(a, n * sizeof *pairs);
    if (!pairs)
        return dla_err_set(err, DLA_ENOMEM, "out of memory parsing form");
    size_t count = 0, start = 0;
    while (start <= len) {
        size_t end = start;
        while (end < len && s[end] != '&')
            end++;
        if (end > start) {
            if (count >= max_pairs)
                return dla_err_set(err, DLA_ETOOBIG, "form has more than %zu fields",
                                   max_pairs);
            const char *eq = memchr(s + start, '=', end - start);
            size_t nlen = eq ? (size_t)(eq - (s + start)) : end - start;
            const char *v = eq ? eq + 1 : s + end;
            size_t vlen = eq ? (size_t)(s + end - v) : 0;
            size_t dn, dv;
            char *name = dla_url_decode(a, s + start, nlen, 1, &dn);
            char *val = dla_url_decode(a, v, vlen, 1, &dv);
            if (!name || !val)
                return dla_err_set(err, DLA_EINVAL, "malformed percent-encoding at offset %zu",
                                   start);
            if (strlen(name) != dn)
                return dla_err_set(err, DLA_EINVAL, "field name with NUL at offset %zu",
                                   start);
            pairs[count].name = name;
            pairs[count].value = val;
            pairs[count].value_len = dv;
            count++;
        }
        start = end + 1;
    }
    out->pairs = pairs;
    out->count = count;
    return DLA_OK;
}

const char *dla_form_get(const dla_form_t *f, const char *name)
{
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->pairs[i].name, name) == 0)
            return f->pairs[i].value;
    return NULL;
}

size_t dla_form_count(const dla_form_t *f, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->pairs[i].name, name) == 0)
            n++;
    return n;
}
