/* json_parse.c - strict RFC 8259 reader building jansson trees (see dla_json.h).
 *
 * Reads the input buffer in place: a string without escapes becomes a jansson
 * string straight from the input slice (UTF-8 checked once, here), so the
 * per-character stream and the token buffer of jansson's reader are gone. What
 * it accepts and rejects matches json_loadb(text, len, flags, NULL) without
 * JSON_DECODE_ANY / JSON_ALLOW_NUL / JSON_DISABLE_EOF_CHECK: a top-level object
 * or array, no "\u0000", no lone surrogates, integers that fit json_int_t,
 * finite reals, nesting up to DLA_JSON_MAX_DEPTH.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_json.h"

typedef struct rd_s {
    const unsigned char *s, *p, *end;
    unsigned flags;
    dla_json_error_t *je;
    char *tmp; /* unescape scratch, grown as needed */
    size_t tmp_cap;
    int failed;
} rd_t;

static void fail(rd_t *r, const unsigned char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(rd_t *r, const unsigned char *at, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = 1;
    if (!r->je)
        return;
    int line = 1, col = 1;
    for (const unsigned char *q = r->s; q < at && q < r->end; q++) {
        if (*q == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    r->je->line = line;
    r->je->column = col;
    r->je->position = (size_t)(at - r->s);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->je->text, sizeof r->je->text, fmt, ap);
    va_end(ap);
}

static void skip_ws(rd_t *r)
{
    while (r->p < r->end &&
           (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

/* Length of the valid UTF-8 sequence at p (1-4), 0 when invalid. RFC 3629:
 * no overlongs, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *out)
{
    unsigned v = 0;
    if (end - p < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

static int tmp_reserve(rd_t *r, size_t n)
{
    if (n <= r->tmp_cap)
        return 0;
    size_t nc = r->tmp_cap ? r->tmp_cap : 256;
    while (nc < n)
        nc *= 2;
    char *t = realloc(r->tmp, nc);
    if (!t)
        return -1;
    r->tmp = t;
    r->tmp_cap = nc;
    return 0;
}

/* Reads the string whose opening quote is at r->p. On success *out, *outlen
 * point either into the input or into r->tmp (valid until the next string). */
static int read_string(rd_t *r, const char **out, size_t *outlen)
{
    const unsigned char *start = ++r->p, *p = start, *end = r->end;
    /* fast path: plain bytes up to the closing quote */
    while (p < end) {
        unsigned c = *p;
        if (c == '"') {
            *out = (const char *)start;
            *outlen = (size_t)(p - start);
            r->p = p + 1;
            return 0;
        }
        if (c == '\\')
            break;
        if (c < 0x20) {
            fail(r, p, "control character 0x%x in string", c);
            return -1;
        }
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t n = utf8_seq(p, end);
        if (!n) {
            fail(r, p, "invalid UTF-8 in string");
            return -1;
        }
        p += n;
    }
    if (p >= end) {
        fail(r, p, "premature end of input in string");
        return -1;
    }
    /* slow path: copy what was plain, then unescape; output never exceeds input */
    if (tmp_reserve(r, (size_t)(end - start) + 1) < 0) {
        fail(r, p, "out of memory");
        return -1;
    }
    size_t o = (size_t)(p - start);
    memcpy(r->tmp, start, o);
    while (p < end) {
        unsigned c = *p;
        if (c == '"') {
            *out = r->tmp;
            *outlen = o;
            r->p = p + 1;
            return 0;
        }
        if (c < 0x20) {
            fail(r, p, "control character 0x%x in string", c);
            return -1;
        }
        if (c >= 0x80) {
            size_t n = utf8_seq(p, end);
            if (!n) {
                fail(r, p, "invalid UTF-8 in string");
                return -1;
            }
            memcpy(r->tmp + o, p, n);
            o += n;
            p += n;
            continue;
        }
        if (c != '\\') {
            r->tmp[o++] = (char)c;
            p++;
            continue;
        }
        if (p + 1 >= end) {
            fail(r, p, "premature end of input in string");
            return -1;
        }
        const unsigned char *esc = p;
        c = p[1];
        p += 2;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            r->tmp[o++] = (char)c;
            continue;
        case 'b':
            r->tmp[o++] = '\b';
            continue;
        case 'f':
            r->tmp[o++] = '\f';
            continue;
        case 'n':
            r->tmp[o++] = '\n';
            continue;
        case 'r':
            r->tmp[o++] = '\r';
            continue;
        case 't':
            r->tmp[o++] = '\t';
            continue;
        case 'u':
            break;
        default:
            fail(r, esc, "invalid escape");
            return -1;
        }
        unsigned cp, lo;
        if (hex4(p, end, &cp) < 0) {
            fail(r, esc, "invalid escape");
            return -1;
        }
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &lo) < 0 ||
                lo < 0xDC00 || lo > 0xDFFF) {
                fail(r, esc, "invalid Unicode '\\u%04X'", cp);
                return -1;
            }
            p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(r, esc, "invalid Unicode '\\u%04X'", cp);
            return -1;
        } else if (cp == 0) {
            fail(r, esc, "\\u0000 is not allowed");
            return -1;
        }
        /* \uXXXX is 6 input bytes, its UTF-8 at most 3; a pair is 12 for 4 */
        if (cp < 0x80) {
            r->tmp[o++] = (char)cp;
        } else if (cp < 0x800) {
            r->tmp[o++] = (char)(0xC0 | cp >> 6);
            r->tmp[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            r->tmp[o++] = (char)(0xE0 | cp >> 12);
            r->tmp[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
            r->tmp[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            r->tmp[o++] = (char)(0xF0 | cp >> 18);
            r->tmp[o++] = (char)(0x80 | (cp >> 12 & 0x3F));
            r->tmp[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
            r->tmp[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    fail(r, p, "premature end of input in string");
    return -1;
}

/* Reals are read in the C locale whatever the process's locale (a plugin could
 * set one with a decimal comma). */
static locale_t c_numeric;
static pthread_once_t c_numeric_once = PTHREAD_ONCE_INIT;

static void c_numeric_init(void)
{
    c_numeric = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static double c_strtod(const char *s)
{
    pthread_once(&c_numeric_once, c_numeric_init);
    return c_numeric ? strtod_l(s, NULL, c_numeric) : strtod(s, NULL);
}

static json_t *read_number(rd_t *r)
{
    const unsigned char *start = r->p, *p = r->p, *end = r->end;
    int real = 0;
    char buf[64], *heap = NULL, *txt = buf;
    json_t *v = NULL;
    if (p < end && *p == '-')
        p++;
    if (p < end && *p == '0') {
        p++;
    } else if (p < end && *p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    } else {
        fail(r, start, "invalid token");
        return NULL;
    }
    if (p < end && *p == '.') {
        real = 1;
        p++;
        if (p >= end || *p < '0' || *p > '9') {
            fail(r, start, "invalid token");
            return NULL;
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = 1;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9') {
            fail(r, start, "invalid token");
            return NULL;
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    size_t n = (size_t)(p - start);
    if (n >= sizeof buf) {
        if (!(heap = malloc(n + 1))) {
            fail(r, start, "out of memory");
            return NULL;
        }
        txt = heap;
    }
    memcpy(txt, start, n);
    txt[n] = '\0';
    errno = 0;
    if (!real) {
        long long iv = strtoll(txt, NULL, 10);
        if (errno == ERANGE)
            fail(r, start, iv < 0 ? "too big negative integer" : "too big integer");
        else if (!(v = json_integer((json_int_t)iv)))
            fail(r, start, "out of memory");
    } else {
        double d = c_strtod(txt);
        if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
            fail(r, start, "real number overflow");
        else if (!(v = json_real(d)))
            fail(r, start, "out of memory");
    }
    free(heap);
    r->p = p;
    return v;
}

static json_t *read_value(rd_t *r, int depth);

/* Opens a container: consumes its opening byte and the blanks after it.
 * Returns 1 when `close` follows at once (empty container, consumed). */
static int open_container(rd_t *r, unsigned char close)
{
    r->p++;
    skip_ws(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return 1;
    }
    return 0;
}

/* After a member or element: 1 for ',' (more follow), 0 for `close` (the
 * container ends), -1 on anything else (reported). */
static int next_in_container(rd_t *r, unsigned char close)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == ',') {
        r->p++;
        skip_ws(r);
        return 1;
    }
    if (r->p < r->end && *r->p == close) {
        r->p++;
        return 0;
    }
    if (r->p >= r->end)
        fail(r, r->p, "premature end of input");
    else
        fail(r, r->p, close == '}' ? "'}' expected" : "']' expected");
    return -1;
}

static json_t *read_object(rd_t *r, int depth)
{
    json_t *obj = json_object();
    if (!obj) {
        fail(r, r->p, "out of memory");
        return NULL;
    }
    if (open_container(r, '}'))
        return obj;
    for (;;) {
        const char *k;
        size_t kl;
        if (r->p >= r->end || *r->p != '"') {
            fail(r, r->p,
                 r->p >= r->end ? "premature end of input" : "string or '}' expected");
            goto bad;
        }
        if (read_string(r, &k, &kl) < 0)
            goto bad;
        /* the key may live in r->tmp, which the value's strings reuse: copy it */
        char kb[128], *key = kl < sizeof kb ? kb : malloc(kl + 1);
        if (!key) {
            fail(r, r->p, "out of memory");
            goto bad;
        }
        memcpy(key, k, kl);
        key[kl] = '\0';
        const unsigned char *kat = r->p;
        skip_ws(r);
        json_t *v = NULL;
        if (r->p >= r->end || *r->p != ':') {
            fail(r, r->p, "':' expected");
        } else if ((r->flags & DLA_JSON_REJECT_DUPLICATES) &&
                   json_object_getn(obj, key, kl)) {
            fail(r, kat, "duplicate object key");
        } else {
            r->p++;
            skip_ws(r);
            v = read_value(r, depth + 1);
            if (v && json_object_setn_new_nocheck(obj, key, kl, v) != 0) {
                fail(r, r->p, "out of memory");
                v = NULL;
            }
        }
        if (key != kb)
            free(key);
        if (!v)
            goto bad;
        int more = next_in_container(r, '}');
        if (more == 0)
            return obj;
        if (more < 0)
            goto bad;
    }
bad:
    json_decref(obj);
    return NULL;
}

static json_t *read_array(rd_t *r, int depth)
{
    json_t *arr = json_array();
    if (!arr) {
        fail(r, r->p, "out of memory");
        return NULL;
    }
    if (open_container(r, ']'))
        return arr;
    for (;;) {
        json_t *v = read_value(r, depth + 1);
        if (!v)
            goto bad;
        if (json_array_append_new(arr, v) != 0) {
            fail(r, r->p, "out of memory");
            goto bad;
        }
        int more = next_in_container(r, ']');
        if (more == 0)
            return arr;
        if (more < 0)
            goto bad;
    }
bad:
    json_decref(arr);
    return NULL;
}

static json_t *literal(rd_t *r, const char *word, size_t n, json_t *v)
{
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) {
        fail(r, r->p, "invalid token");
        return NULL;
    }
    r->p += n;
    return v;
}

static json_t *read_value(rd_t *r, int depth)
{
    if (depth > DLA_JSON_MAX_DEPTH) {
        fail(r, r->p, "maximum parsing depth reached");
        return NULL;
    }
    if (r->p >= r->end) {
        fail(r, r->p, "premature end of input");
        return NULL;
    }
    switch (*r->p) {
    case '{':
        return read_object(r, depth);
    case '[':
        return read_array(r, depth);
    case '"': {
        const char *s;
        size_t n;
        if (read_string(r, &s, &n) < 0)
            return NULL;
        json_t *v = json_stringn_nocheck(s, n);
        if (!v)
            fail(r, r->p, "out of memory");
        return v;
    }
    case 't':
        return literal(r, "true", 4, json_true());
    case 'f':
        return literal(r, "false", 5, json_false());
    case 'n':
        return literal(r, "null", 4, json_null());
    default:
        return read_number(r);
    }
}

json_t *dla_json_parse(const char *text, size_t len, unsigned flags, dla_json_error_t *je)
{
    rd_t r = {0};
    json_t *v = NULL;
    r.s = r.p = (const unsigned char *)(text ? text : "");
    r.end = r.s + (text ? len : 0);
    r.flags = flags;
    r.je = je;
    if (je)
        memset(je, 0, sizeof *je);
    skip_ws(&r);
    if (r.p >= r.end) {
        fail(&r, r.p, "premature end of input");
    } else if (*r.p != '{' && *r.p != '[') {
        fail(&r, r.p, "'[' or '{' expected");
    } else if ((v = read_value(&r, 1)) != NULL) {
        skip_ws(&r);
        if (r.p != r.end) {
            fail(&r, r.p, "end of file expected");
            json_decref(v);
            v = NULL;
        }
    }
    free(r.tmp);
    return v;
}
