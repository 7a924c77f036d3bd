/* config.c - strict JSON configuration with positions for every key.
 *
 * jansson parses (rejecting duplicates, with line/column on syntax errors);
 * a small scanner over the same text then records the line and column of every
 * key path ("server.threads", "plugins[0].config.path") so that semantic errors
 * (unknown keys, wrong types) can name their position too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_config.h"

typedef struct pos_s {
    char *path;
    int line, col;
} pos_t;

struct dla_config_s {
    char *file;
    json_t *root;
    pos_t *pos;
    size_t npos, cappos;
    dla_server_cfg_t server;
    dla_store_cfg_t store;
    char *strs[16];
    int nstrs;
};

/* ---- position scanner (input already validated by jansson) ----------------- */

typedef struct scan_s {
    const char *s;
    size_t len, i;
    int line, col;
    dla_config_t *c;
    int depth;
} scan_t;

static void adv(scan_t *sc)
{
    if (sc->i < sc->len) {
        if (sc->s[sc->i] == '\n') {
            sc->line++;
            sc->col = 1;
        } else if (((unsigned char)sc->s[sc->i] & 0xC0) != 0x80) {
            sc->col++;
        }
        sc->i++;
    }
}

static void skip_ws(scan_t *sc)
{
    while (sc->i < sc->len && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
                               sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
        adv(sc);
}

static int add_pos(dla_config_t *c, const char *path, int line, int col)
{
    if (c->npos == c->cappos) {
        size_t cap = c->cappos ? c->cappos * 2 : 64;
        pos_t *np = realloc(c->pos, cap * sizeof *np);
        if (!np)
            return -1;
        c->pos = np;
        c->cappos = cap;
    }
    if (!(c->pos[c->npos].path = strdup(path)))
        return -1;
    c->pos[c->npos].line = line;
    c->pos[c->npos].col = col;
    c->npos++;
    return 0;
}

static int hex4(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    if (n < 4)
        return -1;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void put_utf8(char *buf, size_t cap, size_t *o, unsigned cp)
{
    char tmp[4];
    size_t n;
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xC0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xE0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        tmp[0] = (char)(0xF0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    for (size_t i = 0; i < n && *o + 1 < cap; i++)
        buf[(*o)++] = tmp[i];
}

/* Reads a string token into buf, decoding escapes as jansson does, so that key
 * paths match the keys of the parsed document. */
static int scan_string(scan_t *sc, char *buf, size_t cap)
{
    size_t o = 0;
    adv(sc); /* opening quote */
    while (sc->i < sc->len && sc->s[sc->i] != '"') {
        char ch = sc->s[sc->i];
        if (ch == '\\' && sc->i + 1 < sc->len) {
            adv(sc);
            ch = sc->s[sc->i];
            unsigned cp, lo;
            switch (ch) {
            case 'b': ch = '\b'; break;
            case 'f': ch = '\f'; break;
            case 'n': ch = '\n'; break;
            case 'r': ch = '\r'; break;
            case 't': ch = '\t'; break;
            case 'u':
                if (hex4(sc->s + sc->i + 1, sc->len - sc->i - 1, &cp) != 0)
                    break;
                for (int k = 0; k < 4; k++)
                    adv(sc);
                if (cp >= 0xD800 && cp < 0xDC00 && sc->i + 6 < sc->len &&
                    sc->s[sc->i + 1] == '\\' && sc->s[sc->i + 2] == 'u' &&
                    hex4(sc->s + sc->i + 3, sc->len - sc->i - 3, &lo) == 0 && lo >= 0xDC00 &&
                    lo < 0xE000) {
                    for (int k = 0; k < 6; k++)
                        adv(sc);
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                put_utf8(buf, cap, &o, cp);
                adv(sc);
                continue;
            default: break; /* \" \\ \/ */
            }
        }
        if (o + 1 < cap)
            buf[o++] = ch;
        adv(sc);
    }
    adv(sc);
    buf[o] = '\0';
    return 0;
}

static int scan_value(scan_t *sc, char *path, size_t plen, size_t cap)
{
    skip_ws(sc);
    if (sc->i >= sc->len || ++sc->depth > 64)
        return -1;
    char ch = sc->s[sc->i];
    int rc = 0;
    if (ch == '{') {
        adv(sc);
        for (;;) {
            skip_ws(sc);
            if (sc->i >= sc->len)
                return -1;
            if (sc->s[sc->i] == '}') {
                adv(sc);
                break;
            }
            if (sc->s[sc->i] == ',') {
                adv(sc);
                continue;
            }
            int kl = sc->line, kc = sc->col;
            char key[256];
            scan_string(sc, key, sizeof key);
            int n = snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", key);
            size_t nplen = plen + (n > 0 ? (size_t)n : 0);
            if (nplen >= cap)
                nplen = cap - 1;
            if (add_pos(sc->c, path, kl, kc) < 0)
                return -1;
            skip_ws(sc);
            adv(sc); /* ':' */
            if ((rc = scan_value(sc, path, nplen, cap)) < 0)
                return rc;
            path[plen] = '\0';
        }
    } else if (ch == '[') {
        adv(sc);
        int idx = 0;
        for (;;) {
            skip_ws(sc);
            if (sc->i >= sc->len)
                return -1;
            if (sc->s[sc->i] == ']') {
                adv(sc);
                break;
            }
            if (sc->s[sc->i] == ',') {
                adv(sc);
                continue;
            }
            int n = snprintf(path + plen, cap - plen, "[%d]", idx++);
            size_t nplen = plen + (n > 0 ? (size_t)n : 0);
            if (nplen >= cap)
                nplen = cap - 1;
            if (add_pos(sc->c, path, sc->line, sc->col) < 0)
                return -1;
            if ((rc = scan_value(sc, path, nplen, cap)) < 0)
                return rc;
            path[plen] = '\0';
        }
    } else if (ch == '"') {
        char tmp[8];
        scan_string(sc, tmp, sizeof tmp);
    } else {
        while (sc->i < sc->len && sc->s[sc->i] != ',' && sc->s[sc->i] != '}' &&
               sc->s[sc->i] != ']' && sc->s[sc->i] != ' ' && sc->s[sc->i] != '\n' &&
               sc->s[sc->i] != '\r' && sc->s[sc->i] != '\t')
            adv(sc);
    }
    sc->depth--;
    return 0;
}

static void locate(const dla_config_t *c, const char *path, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < c->npos; i++) {
        if (strcmp(c->pos[i].path, path) == 0) {
            *line = c->pos[i].line;
            *col = c->pos[i].col;
            return;
        }
    }
}

int dla_config_error(const dla_config_t *c, const char *path, dla_err_t *err, int code,
                     const char *fmt, ...)
{
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line, col;
    locate(c, path, &line, &col);
    if (err) {
        err->line = line;
        err->column = col;
    }
    return dla_err_set(err, code, "%s:%d:%d: %s", c->file, line, col, msg);
}

static const char *type_name(dla_cfg_type_t t)
{
    static const char *names[] = {"a string", "an integer", "true or false", "a number",
                                  "an object", "an array", "any value"};
    return names[t];
}

static int type_ok(const json_t *v, dla_cfg_type_t t)
{
    switch (t) {
    case DLA_CFG_STRING: return json_is_string(v);
    case DLA_CFG_INT: return json_is_integer(v);
    case DLA_CFG_BOOL: return json_is_boolean(v);
    case DLA_CFG_NUMBER: return json_is_number(v);
    case DLA_CFG_OBJECT: return json_is_object(v);
    case DLA_CFG_ARRAY: return json_is_array(v);
    default: return 1;
    }
}

int dla_config_check(const dla_config_t *c, const char *path, const json_t *obj,
                     const dla_cfg_field_t *fields, dla_err_t *err)
{
    char kp[512];
    if (!json_is_object(obj))
        return dla_config_error(c, path, err, DLA_ECONFIG, "\"%s\" must be an object", path);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        snprintf(kp, sizeof kp, "%s%s%s", path, path[0] ? "." : "", key);
        const dla_cfg_field_t *f = fields;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        if (!f->name)
            return dla_config_error(c, kp, err, DLA_ECONFIG, "unknown key \"%s\"", kp);
        if (!type_ok(v, f->type))
            return dla_config_error(c, kp, err, DLA_ECONFIG, "\"%s\" must be %s", kp,
                                    type_name(f->type));
    }
    for (const dla_cfg_field_t *f = fields; f->name; f++) {
        if (f->required && !json_object_get(obj, f->name))
            return dla_config_error(c, path, err, DLA_ECONFIG,
                                    "\"%s\" is missing required key \"%s\"",
                                    path[0] ? path : "config", f->name);
    }
    return DLA_OK;
}

/* ---- core sections ------------------------------------------------------------ */

static const dla_cfg_field_t top_fields[] = {
    {"server", DLA_CFG_OBJECT, 0}, {"store", DLA_CFG_OBJECT, 0},
    {"xapi", DLA_CFG_OBJECT, 0},   {"lti", DLA_CFG_OBJECT, 0},
    {"demo", DLA_CFG_OBJECT, 0},   {"api", DLA_CFG_OBJECT, 0},
    {"plugins", DLA_CFG_ARRAY, 0}, {NULL, 0, 0}};

static const dla_cfg_field_t server_fields[] = {
    {"listen", DLA_CFG_STRING, 0},     {"public_base_url", DLA_CFG_STRING, 0},
    {"threads", DLA_CFG_INT, 0},       {"max_body", DLA_CFG_INT, 0},
    {"access_log", DLA_CFG_BOOL, 0},   {"web_root", DLA_CFG_STRING, 0},
    {"log_level", DLA_CFG_STRING, 0},  {NULL, 0, 0}};

static const dla_cfg_field_t store_fields[] = {{"data_dir", DLA_CFG_STRING, 0},
                                               {"map_size_mb", DLA_CFG_INT, 0},
                                               {"sync", DLA_CFG_BOOL, 0},
                                               {NULL, 0, 0}};

static const char *keep(dla_config_t *c, const char *s)
{
    if (!s || c->nstrs == (int)(sizeof c->strs / sizeof c->strs[0]))
        return s;
    char *d = strdup(s);
    if (!d)
        return NULL;
    c->strs[c->nstrs++] = d;
    return d;
}

static int get_int(const dla_config_t *c, const json_t *sec, const char *secname,
                   const char *key, long long lo, long long hi, long long *out, dla_err_t *err)
{
    json_t *v = json_object_get(sec, key);
    if (!v)
        return DLA_OK;
    long long n = json_integer_value(v);
    if (n < lo || n > hi) {
        char p[128];
        snprintf(p, sizeof p, "%s.%s", secname, key);
        return dla_config_error(c, p, err, DLA_ECONFIG, "\"%s\" must be between %lld and %lld",
                                p, lo, hi);
    }
    *out = n;
    return DLA_OK;
}

static int apply(dla_config_t *c, dla_err_t *err)
{
    int rc;
    if (!json_is_object(c->root))
        return dla_config_error(c, "", err, DLA_ECONFIG, "the configuration must be an object");
    if ((rc = dla_config_check(c, "", c->root, top_fields, err)) != DLA_OK)
        return rc;
    json_t *srv = json_object_get(c->root, "server");
    json_t *sto = json_object_get(c->root, "store");
    if (srv && (rc = dla_config_check(c, "server", srv, server_fields, err)) != DLA_OK)
        return rc;
    if (sto && (rc = dla_config_check(c, "store", sto, store_fields, err)) != DLA_OK)
        return rc;

    dla_server_cfg_t *s = &c->server;
    s->listen = "127.0.0.1:8080";
    s->threads = 0;
    s->max_body = 1024 * 1024;
    s->access_log = 1;
    s->web_root = NULL;
    s->log_level = "info";
    long long n;
    if (srv) {
        json_t *v;
        if ((v = json_object_get(srv, "listen")))
            s->listen = keep(c, json_string_value(v));
        if ((v = json_object_get(srv, "public_base_url")))
            s->public_base_url = keep(c, json_string_value(v));
        if ((v = json_object_get(srv, "web_root")))
            s->web_root = keep(c, json_string_value(v));
        if ((v = json_object_get(srv, "log_level")))
            s->log_level = keep(c, json_string_value(v));
        if ((v = json_object_get(srv, "access_log")))
            s->access_log = json_is_true(v);
        n = 0;
        if ((rc = get_int(c, srv, "server", "threads", 0, 1024, &n, err)) != DLA_OK)
            return rc;
        s->threads = (unsigned)n;
        n = (long long)s->max_body;
        if ((rc = get_int(c, srv, "server", "max_body", 1024, 1LL << 31, &n, err)) != DLA_OK)
            return rc;
        s->max_body = (size_t)n;
    }
    dla_store_cfg_t *st = &c->store;
    st->data_dir = "./var";
    st->map_size_mb = 0;
    st->sync = 1;
    if (sto) {
        json_t *v;
        if ((v = json_object_get(sto, "data_dir")))
            st->data_dir = keep(c, json_string_value(v));
        if ((v = json_object_get(sto, "sync")))
            st->sync = json_is_true(v);
        n = 0;
        if ((rc = get_int(c, sto, "store", "map_size_mb", 0, 1LL << 24, &n, err)) != DLA_OK)
            return rc;
        st->map_size_mb = (size_t)n;
    }
    const char *e;
    if ((e = getenv("DLA_LISTEN")) && *e)
        s->listen = keep(c, e);
    if ((e = getenv("DLA_DATA_DIR")) && *e)
        st->data_dir = keep(c, e);
    if (!s->public_base_url) {
        char buf[300];
        snprintf(buf, sizeof buf, "http://%s", s->listen);
        s->public_base_url = keep(c, buf);
    } else {
        /* strip trailing slashes */
        char buf[512];
        snprintf(buf, sizeof buf, "%s", s->public_base_url);
        size_t l = strlen(buf);
        while (l > 0 && buf[l - 1] == '/')
            buf[--l] = '\0';
        s->public_base_url = keep(c, buf);
    }
    if (!s->listen || !st->data_dir || !s->public_base_url)
        return dla_err_set(err, DLA_ENOMEM, "out of memory reading configuration");
    return DLA_OK;
}

int dla_config_load_string(const char *name, const char *text, size_t len,
                           dla_config_t **out, dla_err_t *err)
{
    int rc = DLA_OK;
    dla_config_t *c = calloc(1, sizeof *c);
    if (!c || !(c->file = strdup(name))) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory reading configuration");
        goto cleanup;
    }
    if (text) {
        json_error_t je;
        c->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
        if (!c->root) {
            if (err) {
                err->line = je.line;
                err->column = je.column;
            }
            rc = dla_err_set(err, DLA_ECONFIG, "%s:%d:%d: %s", name, je.line, je.column,
                             je.text);
            goto cleanup;
        }
        scan_t sc = {text, len, 0, 1, 1, c, 0};
        char path[512] = "";
        if (scan_value(&sc, path, 0, sizeof path) < 0 && c->npos == 0) {
            /* positions are a convenience; a failed scan only loses them */
        }
    } else {
        c->root = json_object();
        if (!c->root) {
            rc = dla_err_set(err, DLA_ENOMEM, "out of memory reading configuration");
            goto cleanup;
        }
    }
    if ((rc = apply(c, err)) != DLA_OK)
        goto cleanup;
    *out = c;
    return DLA_OK;
cleanup:
    dla_config_free(c);
    return rc;
}

int dla_config_load(const char *path, dla_config_t **out, dla_err_t *err)
{
    if (!path)
        return dla_config_load_string("<defaults>", NULL, 0, out, err);
    int rc;
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return dla_err_set(err, DLA_ECONFIG, "could not open config file \"%s\": %s", path,
                           strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0) {
        rc = dla_err_set(err, DLA_ECONFIG, "could not read config file \"%s\"", path);
        goto cleanup;
    }
    long n = ftell(f);
    if (n < 0 || n > 4 * 1024 * 1024) {
        rc = dla_err_set(err, DLA_ECONFIG, "config file \"%s\" is not a regular file under 4 MiB",
                         path);
        goto cleanup;
    }
    rewind(f);
    buf = malloc((size_t)n + 1);
    if (!buf) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory reading \"%s\"", path);
        goto cleanup;
    }
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        rc = dla_err_set(err, DLA_ECONFIG, "could not read config file \"%s\"", path);
        goto cleanup;
    }
    buf[n] = '\0';
    rc = dla_config_load_string(path, buf, (size_t)n, out, err);
cleanup:
    free(buf);
    fclose(f);
    return rc;
}

void dla_config_free(dla_config_t *c)
{
    if (!c)
        return;
    json_decref(c->root);
    for (size_t i = 0; i < c->npos; i++)
        free(c->pos[i].path);
    free(c->pos);
    for (int i = 0; i < c->nstrs; i++)
        free(c->strs[i]);
    free(c->file);
    free(c);
}

const dla_server_cfg_t *dla_config_server(const dla_config_t *c) { return &c->server; }
const dla_store_cfg_t *dla_config_store(const dla_config_t *c) { return &c->store; }
const char *dla_config_file(const dla_config_t *c) { return c->file; }

json_t *dla_config_section(const dla_config_t *c, const char *name)
{
    json_t *v = json_object_get(c->root, name);
    return v;
}
