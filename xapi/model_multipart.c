/* model_multipart.c - multipart/mixed requests and responses of the Statement
 * resource (RFC 2046 with the xAPI part headers) and the attachment checks. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "model_int.h"

#define XM_MAX_BOUNDARY 200

/* Finds needle in haystack (binary-safe). */
static const char *memfind(const char *h, size_t hl, const char *n, size_t nl)
{
    if (nl == 0 || hl < nl) {
        return NULL;
    }
    const char *end = h + hl - nl;
    for (const char *p = h; p <= end; p++) {
        p = memchr(p, n[0], (size_t)(end - p) + 1);
        if (!p) {
            return NULL;
        }
        if (memcmp(p, n, nl) == 0) {
            return p;
        }
    }
    return NULL;
}

/* Extracts the boundary parameter of a multipart/mixed Content-Type into out. */
static int get_boundary(const char *ct, char *out, size_t cap, dla_err_t *err)
{
    if (!ct) {
        return dla_err_set(err, DLA_EINVAL, "Content-Type: missing");
    }
    while (*ct == ' ') {
        ct++;
    }
    if (strncasecmp(ct, "multipart/mixed", 15) != 0 ||
        !(ct[15] == '\0' || ct[15] == ';' || ct[15] == ' ')) {
        return dla_err_set(err, DLA_EINVAL, "Content-Type: must be multipart/mixed");
    }
    const char *p = ct + 15;
    while (*p) {
        while (*p == ';' || *p == ' ' || *p == '\t') {
            p++;
        }
        const char *name = p;
        while (*p && *p != '=' && *p != ';') {
            p++;
        }
        size_t nl = (size_t)(p - name);
        while (nl > 0 && (name[nl - 1] == ' ' || name[nl - 1] == '\t')) {
            nl--;
        }
        if (*p != '=') {
            continue;
        }
        p++;
        while (*p == ' ') {
            p++;
        }
        char val[XM_MAX_BOUNDARY + 1];
        size_t vl = 0;
        if (*p == '"') {
            p++;
            while (*p && *p != '"') {
                if (vl >= XM_MAX_BOUNDARY) {
                    return dla_err_set(err, DLA_EINVAL,
                                       "Content-Type: boundary too long");
                }
                val[vl++] = *p++;
            }
            if (*p == '"') {
                p++;
            }
        } else {
            while (*p && *p != ';' && *p != ' ' && *p != '\t') {
                if (vl >= XM_MAX_BOUNDARY) {
                    return dla_err_set(err, DLA_EINVAL,
                                       "Content-Type: boundary too long");
                }
                val[vl++] = *p++;
            }
        }
        val[vl] = '\0';
        if (nl == 8 && strncasecmp(name, "boundary", 8) == 0) {
            if (vl == 0 || vl + 1 > cap) {
                return dla_err_set(err, DLA_EINVAL, "Content-Type: invalid boundary");
            }
            memcpy(out, val, vl + 1);
            return DLA_OK;
        }
    }
    return dla_err_set(err, DLA_EINVAL, "Content-Type: multipart/mixed needs a boundary");
}

static char *trim_dup(dla_arena_t *a, const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) {
        n--;
    }
    return dla_arena_strndup(a, s, n);
}

/* Parses the header block [h, h+n) of one part. */
static int parse_headers(dla_arena_t *a, const char *h, size_t n, dla_xm_part_t *part,
                         size_t index, dla_err_t *err)
{
    const char *end = h + n;
    while (h < end) {
        const char *eol = memfind(h, (size_t)(end - h), "\r\n", 2);
        size_t ll = eol ? (size_t)(eol - h) : (size_t)(end - h);
        const char *colon = memchr(h, ':', ll);
        if (!colon) {
            return dla_err_set(err, DLA_EINVAL,
                               "multipart part %zu: malformed header line", index);
        }
        size_t nl = (size_t)(colon - h);
        char *val = trim_dup(a, colon + 1, ll - nl - 1);
        if (!val) {
            return dla_err_set(err, DLA_ENOMEM, "multipart: out of memory");
        }
        if (nl == 12 && strncasecmp(h, "Content-Type", 12) == 0) {
            part->content_type_full = val;
            char *ct = dla_arena_strdup(a, val);
            if (!ct) {
                return dla_err_set(err, DLA_ENOMEM, "multipart: out of memory");
            }
            char *semi = strchr(ct, ';');
            if (semi) {
                *semi = '\0';
            }
            size_t cl = strlen(ct);
            while (cl > 0 && (ct[cl - 1] == ' ' || ct[cl - 1] == '\t')) {
                ct[--cl] = '\0';
            }
            for (char *c = ct; *c; c++) {
                *c = (char)tolower((unsigned char)*c);
            }
            part->content_type = ct;
        } else if (nl == 25 && strncasecmp(h, "Content-Transfer-Encoding", 25) == 0) {
            part->encoding = val;
        } else if (nl == 21 && strncasecmp(h, "X-Experience-API-Hash", 21) == 0) {
            for (char *c = val; *c; c++) {
                *c = (char)tolower((unsigned char)*c);
            }
            part->hash = val;
        }
        if (!eol) {
            break;
        }
        h = eol + 2;
    }
    return DLA_OK;
}

int dla_xm_multipart_parse(dla_arena_t *a, const char *content_type, const char *body,
                           size_t len, dla_xm_part_t **parts, size_t *nparts,
                           dla_err_t *err)
{
    char boundary[XM_MAX_BOUNDARY + 1];
    char delim[XM_MAX_BOUNDARY + 5];
    int rc;
    *parts = NULL;
    *nparts = 0;
    if ((rc = get_boundary(content_type, boundary, sizeof boundary, err))) {
        return rc;
    }
    if (!body) {
        return dla_err_set(err, DLA_EINVAL, "multipart: empty body");
    }
    /* delimiter = CRLF "--" boundary; the first may open the body directly */
    size_t dl = (size_t)snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    const char *p;
    const char *end = body + len;
    if (len >= dl - 2 && memcmp(body, delim + 2, dl - 2) == 0) {
        p = body + dl - 2;
    } else {
        const char *f = memfind(body, len, delim, dl);
        if (!f) {
            return dla_err_set(err, DLA_EINVAL, "multipart: boundary not found in body");
        }
        p = f + dl;
    }
    dla_xm_part_t *arr = dla_arena_calloc(a, sizeof *arr * DLA_XM_MAX_PARTS);
    if (!arr) {
        return dla_err_set(err, DLA_ENOMEM, "multipart: out of memory");
    }
    size_t n = 0;
    for (;;) {
        /* after a delimiter: "--" closes, else transport padding then CRLF */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
            break;
        }
        while (p < end && (*p == ' ' || *p == '\t')) {
            p++;
        }
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
            return dla_err_set(err, DLA_EINVAL, "multipart: malformed boundary line");
        }
        p += 2;
        if (n == DLA_XM_MAX_PARTS) {
            return dla_err_set(err, DLA_ETOOBIG, "multipart: more than %d parts",
                               DLA_XM_MAX_PARTS);
        }
        dla_xm_part_t *part = &arr[n];
        const char *hend;
        size_t hl;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            hend = p; /* no headers */
            hl = 0;
            p += 2;
        } else {
            size_t window = (size_t)(end - p);
            if (window > DLA_XM_MAX_PART_HEADERS + 4) {
                window = DLA_XM_MAX_PART_HEADERS + 4; /* never scan past the limit */
            }
            hend = memfind(p, window, "\r\n\r\n", 4);
            if (!hend && window < (size_t)(end - p)) {
                return dla_err_set(err, DLA_ETOOBIG,
                                   "multipart part %zu: headers too large", n);
            }
            if (!hend) {
                return dla_err_set(err, DLA_EINVAL,
                                   "multipart part %zu: headers not ended", n);
            }
            hl = (size_t)(hend - p);
            if (hl > DLA_XM_MAX_PART_HEADERS) {
                return dla_err_set(err, DLA_ETOOBIG,
                                   "multipart part %zu: headers too large", n);
            }
            if ((rc = parse_headers(a, p, hl, part, n, err))) {
                return rc;
            }
            p = hend + 4;
        }
        const char *next = memfind(p, (size_t)(end - p), delim, dl);
        if (!next) {
            return dla_err_set(err, DLA_EINVAL,
                               "multipart part %zu: closing boundary missing", n);
        }
        part->data = p;
        part->len = (size_t)(next - p);
        n++;
        p = next + dl;
    }
    *parts = arr;
    *nparts = n;
    return DLA_OK;
}

/* ---- attachment checks ----------------------------------------------------------------
 */

typedef int (*st_visit_fn)(void *ctx, const json_t *st, const json_t *att);

/* Visits every attachment of every statement (and SubStatement). */
static int each_attachment(const json_t *statements, st_visit_fn fn, void *ctx)
{
    size_t n = json_is_array(statements) ? json_array_size(statements) : 1;
    for (size_t i = 0; i < n; i++) {
        const json_t *st =
            json_is_array(statements) ? json_array_get(statements, i) : statements;
        for (int level = 0; level < 2 && json_is_object(st); level++) {
            size_t j;
            json_t *att;
            int rc;
            json_array_foreach(json_object_get(st, "attachments"), j, att)
            {
                if ((rc = fn(ctx, st, att))) {
                    return rc;
                }
            }
            st = json_object_get(st, "object");
            const char *ot = json_string_value(json_object_get(st, "objectType"));
            if (!ot || strcmp(ot, "SubStatement") != 0) {
                break;
            }
        }
    }
    return 0;
}

typedef struct chk_s {
    const dla_xm_part_t *parts;
    size_t nparts;
    const char *hash; /* for part lookup */
    int found;
    dla_err_t *err;
} chk_t;

static int need_file_url(void *ctx, const json_t *st, const json_t *att)
{
    (void)st;
    chk_t *c = ctx;
    if (!json_object_get(att, "fileUrl")) {
        return dla_err_set(c->err, DLA_EINVAL,
                           "attachments: an attachment without fileUrl needs a "
                           "multipart/mixed request carrying its data");
    }
    return 0;
}

int dla_xm_attachments_check_json(const json_t *statements, dla_err_t *err)
{
    chk_t c = {NULL, 0, NULL, 0, err};
    return each_attachment(statements, need_file_url, &c);
}

static int find_sha(void *ctx, const json_t *st, const json_t *att)
{
    (void)st;
    chk_t *c = ctx;
    const char *sha = json_string_value(json_object_get(att, "sha2"));
    if (sha && strcasecmp(sha, c->hash) == 0) {
        c->found = 1;
    }
    return 0;
}

static const dla_xm_part_t *part_for(const chk_t *c, const char *sha)
{
    for (size_t i = 1; i < c->nparts; i++) {
        if (c->parts[i].hash && strcasecmp(c->parts[i].hash, sha) == 0) {
            return &c->parts[i];
        }
    }
    return NULL;
}

static int att_has_part(void *ctx, const json_t *st, const json_t *att)
{
    chk_t *c = ctx;
    const char *sha = json_string_value(json_object_get(att, "sha2"));
    const char *usage = json_string_value(json_object_get(att, "usageType"));
    int signature = usage && strcmp(usage, DLA_XM_SIGNATURE_USAGE) == 0;
    if (signature) {
        const char *ct = json_string_value(json_object_get(att, "contentType"));
        if (!ct || strcasecmp(ct, "application/octet-stream") != 0) {
            return dla_err_set(c->err, DLA_EINVAL,
                               "attachments: a signature must have contentType "
                               "application/octet-stream");
        }
    }
    if (json_object_get(att, "fileUrl") && !signature) {
        return 0;
    }
    const dla_xm_part_t *part = sha ? part_for(c, sha) : NULL;
    if (!part) {
        if (json_object_get(att, "fileUrl")) {
            return 0;
        }
        return dla_err_set(c->err, DLA_EINVAL,
                           "attachments: no multipart part carries the attachment %.70s",
                           sha ? sha : "");
    }
    if (signature) {
        return dla_xm_jws_check(st, part->data, part->len, c->err);
    }
    return 0;
}

static int digest_hex(const char *data, size_t n, size_t hexlen, char *out)
{
    const EVP_MD *md = hexlen == 64    ? EVP_sha256()
                       : hexlen == 96  ? EVP_sha384()
                       : hexlen == 128 ? EVP_sha512()
                       : hexlen == 56  ? EVP_sha224()
                                       : NULL;
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int bl = 0;
    static const char hx[] = "0123456789abcdef";
    if (!md || !EVP_Digest(data, n, buf, &bl, md, NULL)) {
        return -1;
    }
    for (unsigned i = 0; i < bl; i++) {
        out[2 * i] = hx[buf[i] >> 4];
        out[2 * i + 1] = hx[buf[i] & 15];
    }
    out[2 * bl] = '\0';
    return 0;
}

int dla_xm_attachments_check(const json_t *statements, const dla_xm_part_t *parts,
                             size_t nparts, int version, dla_err_t *err)
{
    (void)version;
    chk_t c = {parts, nparts, NULL, 0, err};
    if (nparts == 0 || !parts[0].content_type ||
        strcmp(parts[0].content_type, "application/json") != 0) {
        return dla_err_set(err, DLA_EINVAL,
                           "multipart: the first part must be application/json");
    }
    for (size_t i = 1; i < nparts; i++) {
        const dla_xm_part_t *p = &parts[i];
        if (!p->hash || !*p->hash) {
            return dla_err_set(err, DLA_EINVAL,
                               "multipart part %zu: X-Experience-API-Hash missing", i);
        }
        if (!p->encoding || strcasecmp(p->encoding, "binary") != 0) {
            return dla_err_set(
                err, DLA_EINVAL,
                "multipart part %zu: Content-Transfer-Encoding must be binary", i);
        }
        size_t hl = strlen(p->hash);
        char got[129];
        if (!dla_xm_is_sha2hex(p->hash) || digest_hex(p->data, p->len, hl, got) != 0 ||
            strcmp(got, p->hash) != 0) {
            return dla_err_set(err, DLA_EINVAL,
                               "multipart part %zu: X-Experience-API-Hash does not match "
                               "the data",
                               i);
        }
        c.hash = p->hash;
        c.found = 0;
        each_attachment(statements, find_sha, &c);
        if (!c.found) {
            return dla_err_set(
                err, DLA_EINVAL,
                "multipart part %zu: matches no attachment of the statements", i);
        }
    }
    return each_attachment(statements, att_has_part, &c);
}

typedef struct att_list_s {
    dla_xm_att_fn fn;
    void *ctx;
} att_list_t;

static int list_att(void *ctx, const json_t *st, const json_t *att)
{
    (void)st;
    att_list_t *l = ctx;
    const char *sha = json_string_value(json_object_get(att, "sha2"));
    const char *ct = json_string_value(json_object_get(att, "contentType"));
    return sha ? l->fn(l->ctx, sha, ct ? ct : "application/octet-stream") : 0;
}

int dla_xm_statement_attachments(const json_t *st, dla_xm_att_fn fn, void *ctx)
{
    att_list_t l = {fn, ctx};
    return each_attachment(st, list_att, &l);
}

/* ---- response writer ----------------------------------------------------------------
 */

int dla_xm_multipart_write(dla_arena_t *a, const char *json, size_t json_len,
                           const dla_xm_out_part_t *atts, size_t n, char **out,
                           size_t *out_len, char *ctype, size_t cap)
{
    unsigned char rnd[16];
    char boundary[40];
    static const char hx[] = "0123456789abcdef";
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        return DLA_ERR;
    }
    memcpy(boundary, "xapi-", 5);
    for (int i = 0; i < 16; i++) {
        boundary[5 + 2 * i] = hx[rnd[i] >> 4];
        boundary[6 + 2 * i] = hx[rnd[i] & 15];
    }
    boundary[37] = '\0';
    int cl = snprintf(ctype, cap, "multipart/mixed; boundary=%s", boundary);
    if (cl < 0 || (size_t)cl >= cap) {
        return DLA_ETOOBIG;
    }
    size_t total = 128 + json_len;
    for (size_t i = 0; i < n; i++) {
        total += 256 + atts[i].len +
                 (atts[i].content_type ? strlen(atts[i].content_type) : 0) +
                 (atts[i].sha2 ? strlen(atts[i].sha2) : 0);
    }
    char *buf = dla_arena_alloc(a, total);
    if (!buf) {
        return DLA_ENOMEM;
    }
    size_t o = 0;
    o += (size_t)snprintf(buf + o, total - o,
                          "--%s\r\nContent-Type: application/json\r\n\r\n", boundary);
    memcpy(buf + o, json, json_len);
    o += json_len;
    for (size_t i = 0; i < n; i++) {
        o += (size_t)snprintf(
            buf + o, total - o,
            "\r\n--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: "
            "binary\r\nX-Experience-API-Hash: %s\r\n\r\n",
            boundary,
            atts[i].content_type ? atts[i].content_type : "application/octet-stream",
            atts[i].sha2 ? atts[i].sha2 : "");
        if (atts[i].len) {
            memcpy(buf + o, atts[i].data, atts[i].len);
        }
        o += atts[i].len;
    }
    o += (size_t)snprintf(buf + o, total - o, "\r\n--%s--\r\n", boundary);
    *out = buf;
    *out_len = o;
    return DLA_OK;
}
