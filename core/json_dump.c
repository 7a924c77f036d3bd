/* json_dump.c - compact JSON writer for jansson trees (see dla_json.h).
 *
 * One growing buffer, runs of plain bytes copied with memcpy, integers and
 * reals formatted without stdio where possible. Escapes exactly what jansson
 * escapes by default: '"', '\\' and bytes below 0x20.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_json.h"

typedef struct jbuf_s {
    char *p;
    size_t len, cap;
} jbuf_t;

static int grow(jbuf_t *b, size_t need)
{
    if (b->len + need < b->cap)
        return DLA_OK;
    size_t nc = b->cap ? b->cap : 256;
    while (nc <= b->len + need) {
        if (nc > ((size_t)-1) / 2)
            return DLA_ENOMEM;
        nc *= 2;
    }
    char *np = realloc(b->p, nc);
    if (!np)
        return DLA_ENOMEM;
    b->p = np;
    b->cap = nc;
    return DLA_OK;
}

static int put(jbuf_t *b, const char *s, size_t n)
{
    if (grow(b, n) != DLA_OK)
        return DLA_ENOMEM;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    return DLA_OK;
}

static int putc1(jbuf_t *b, char c)
{
    if (grow(b, 1) != DLA_OK)
        return DLA_ENOMEM;
    b->p[b->len++] = c;
    return DLA_OK;
}

/* 1 for the bytes a JSON string must escape */
static const unsigned char needs_esc[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* backslash */
};

static int put_string(jbuf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    /* worst case every byte becomes \u00XX */
    if (n > ((size_t)-1) / 8 || grow(b, n * 6 + 2) != DLA_OK)
        return DLA_ENOMEM;
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_esc[c]) {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
    return DLA_OK;
}

static int put_integer(jbuf_t *b, json_int_t v)
{
    char tmp[24];
    int i = (int)sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    return put(b, tmp + i, sizeof tmp - (size_t)i);
}

/* Shortest "%.Ng" (N = 15..17) that reads back to the same double, always with
 * a '.' or an exponent so that it reads back as a real; exponent without '+'
 * or leading zeros (as jansson writes it). */
static int put_real(jbuf_t *b, double d)
{
    char s[40], out[40];
    if (!isfinite(d))
        return DLA_EINVAL;
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, d);
        if (prec == 17 || strtod(s, NULL) == d)
            break;
    }
    size_t o = 0;
    int dot_or_exp = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ',' || *p == '.') { /* a locale's decimal comma */
            out[o++] = '.';
            dot_or_exp = 1;
        } else if (*p == 'e' || *p == 'E') {
            out[o++] = 'e';
            dot_or_exp = 1;
            p++;
            if (*p == '-')
                out[o++] = *p++;
            else if (*p == '+')
                p++;
            while (*p == '0' && p[1])
                p++;
            while (*p)
                out[o++] = *p++;
            break;
        } else {
            out[o++] = *p;
        }
    }
    if (!dot_or_exp) {
        out[o++] = '.';
        out[o++] = '0';
    }
    return put(b, out, o);
}

typedef struct member_s {
    const char *key;
    size_t klen;
    json_t *val;
} member_t;

static int cmp_member(const void *a, const void *b)
{
    const member_t *x = a, *y = b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    return x->klen < y->klen ? -1 : x->klen > y->klen;
}

static int put_value(jbuf_t *b, const json_t *v, unsigned flags, int depth);

/* `"key":value`, preceded by ',' unless it is the first member */
static int put_member(jbuf_t *b, size_t i, const member_t *m, unsigned flags, int depth)
{
    int rc = DLA_OK;
    if (i)
        rc = putc1(b, ',');
    if (rc == DLA_OK)
        rc = put_string(b, m->key, m->klen);
    if (rc == DLA_OK)
        rc = putc1(b, ':');
    return rc == DLA_OK ? put_value(b, m->val, flags, depth + 1) : rc;
}

static int put_object(jbuf_t *b, const json_t *v, unsigned flags, int depth)
{
    int rc = putc1(b, '{');
    member_t *m = NULL, one;
    int sorted = (flags & DLA_JSON_SORT_KEYS) && json_object_size(v) > 1;
    size_t n = json_object_size(v), i = 0;
    if (rc != DLA_OK)
        return rc;
    if (sorted && !(m = malloc(n * sizeof *m)))
        return DLA_ENOMEM;
    /* members in insertion order, written at once or collected for sorting */
    for (void *it = json_object_iter((json_t *)v); it && i < n && rc == DLA_OK;
         it = json_object_iter_next((json_t *)v, it), i++) {
        member_t *x = sorted ? &m[i] : &one;
        x->key = json_object_iter_key(it);
        x->klen = json_object_iter_key_len(it);
        x->val = json_object_iter_value(it);
        if (!sorted)
            rc = put_member(b, i, x, flags, depth);
    }
    if (sorted) {
        qsort(m, i, sizeof *m, cmp_member);
        for (size_t k = 0; k < i && rc == DLA_OK; k++)
            rc = put_member(b, k, &m[k], flags, depth);
        free(m);
    }
    return rc == DLA_OK ? putc1(b, '}') : rc;
}

static int put_value(jbuf_t *b, const json_t *v, unsigned flags, int depth)
{
    if (depth > DLA_JSON_MAX_DEPTH || !v)
        return DLA_EINVAL;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return put_object(b, v, flags, depth);
    case JSON_ARRAY: {
        int rc = putc1(b, '[');
        size_t n = json_array_size(v);
        for (size_t i = 0; i < n && rc == DLA_OK; i++) {
            if (i && (rc = putc1(b, ',')) != DLA_OK)
                break;
            rc = put_value(b, json_array_get(v, i), flags, depth + 1);
        }
        return rc == DLA_OK ? putc1(b, ']') : rc;
    }
    case JSON_STRING:
        return put_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return put_integer(b, json_integer_value(v));
    case JSON_REAL:
        return put_real(b, json_real_value(v));
    case JSON_TRUE:
        return put(b, "true", 4);
    case JSON_FALSE:
        return put(b, "false", 5);
    case JSON_NULL:
        return put(b, "null", 4);
    }
    return DLA_EINVAL;
}

int dla_json_append(char **buf, size_t *len, size_t *cap, const json_t *v, unsigned flags)
{
    jbuf_t b = {*buf, *len, *cap};
    int rc = DLA_EINVAL;
    if (v && (flags & DLA_JSON_ENCODE_ANY || json_is_object(v) || json_is_array(v)))
        rc = put_value(&b, v, flags, 0);
    if (rc == DLA_OK)
        rc = grow(&b, 1); /* room for the NUL dla_json_dumps adds */
    if (rc == DLA_OK)
        b.p[b.len] = '\0';
    else if (b.p)
        b.len = *len; /* drop a partial value; the buffer stays the caller's */
    *buf = b.p;
    *len = b.len;
    *cap = b.cap;
    return rc;
}

/* Per-thread scratch buffers: writing into one buffer that has already grown
 * and copying the result out once costs one malloc per value instead of a
 * chain of reallocs (each large realloc also makes glibc consolidate its
 * fastbins, which the many small frees of jansson trees keep full). */
#define SCRATCH_KEEP (256 * 1024) /* larger buffers are not kept between calls */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    jbuf_t *b = p;
    free(b->p);
    free(b);
}

static void scratch_init(void)
{
    (void)pthread_key_create(&scratch_key, scratch_free);
}

static jbuf_t *scratch(void)
{
    pthread_once(&scratch_once, scratch_init);
    jbuf_t *b = pthread_getspecific(scratch_key);
    if (!b && (b = calloc(1, sizeof *b)) != NULL &&
        pthread_setspecific(scratch_key, b) != 0) {
        free(b);
        b = NULL;
    }
    return b;
}

int dla_json_scratch(const json_t *v, unsigned flags, const char **out, size_t *len)
{
    jbuf_t *b = scratch();
    if (!b)
        return DLA_ENOMEM;
    if (b->cap > SCRATCH_KEEP) {
        free(b->p);
        memset(b, 0, sizeof *b);
    }
    b->len = 0;
    int rc = dla_json_append(&b->p, &b->len, &b->cap, v, flags);
    if (rc == DLA_OK) {
        *out = b->p;
        *len = b->len;
    }
    return rc;
}

char *dla_json_dumps(const json_t *v, unsigned flags, size_t *len)
{
    const char *s;
    size_t n;
    if (dla_json_scratch(v, flags, &s, &n) != DLA_OK)
        return NULL;
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n + 1);
    if (len)
        *len = n;
    return copy;
}
