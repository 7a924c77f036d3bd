/* lti_oauth.c - OAuth 1.0a HMAC-SHA1 for LTI 1.1, on liboauth's primitives.
 *
 * liboauth has no verify function and its array signer adds protocol
 * parameters of its own, so verification follows the recipe in
 * docs/lms-setup.md (and the project's LTI reference): decode the parameters
 * ourselves, build "name=value" strings, sort them with oauth_cmpstringp,
 * serialise with oauth_serialize_url_parameters, build the base string with
 * oauth_catenc, sign with oauth_sign_hmac_sha1 and compare in constant time
 * with oauth_time_independent_equals. Never oauth_sign_array2*.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oauth.h>

#include "dla_auth.h"
#include "lti_int.h"

int lti_params_add(dla_arena_t *a, lti_params_t *p, const char *name, const char *value)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        lti_param_t *v = dla_arena_alloc(a, cap * sizeof *v);
        if (!v)
            return DLA_ENOMEM;
        if (p->n)
            memcpy(v, p->v, p->n * sizeof *v);
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n].name = name;
    p->v[p->n].value = value;
    p->n++;
    return DLA_OK;
}

const char *lti_params_get(const lti_params_t *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return p->v[i].value;
    return NULL;
}

static int add_form(dla_arena_t *a, lti_params_t *out, const char *s, size_t len,
                    dla_err_t *err)
{
    dla_form_t f;
    int rc = dla_form_parse(a, s, len, LTI_MAX_FORM_PAIRS, &f, err);
    if (rc != DLA_OK)
        return rc;
    for (size_t i = 0; i < f.count; i++) {
        if (strlen(f.pairs[i].value) != f.pairs[i].value_len)
            return dla_err_set(err, DLA_EINVAL, "parameter \"%.64s\" contains a NUL byte",
                               f.pairs[i].name);
        if ((rc = lti_params_add(a, out, f.pairs[i].name, f.pairs[i].value)) != DLA_OK)
            return dla_err_set(err, rc, "out of memory");
    }
    return DLA_OK;
}

/* Decodes the form body (and the query string) into params. */
int lti_form_params(dla_arena_t *a, const char *body, size_t len, const char *query,
                    lti_params_t *out, dla_err_t *err)
{
    int rc;
    memset(out, 0, sizeof *out);
    if (len > LTI_MAX_FORM)
        return dla_err_set(err, DLA_ETOOBIG, "form body larger than %d bytes",
                           LTI_MAX_FORM);
    if ((rc = add_form(a, out, body, len, err)) != DLA_OK)
        return rc;
    if (query && *query) {
        if (strlen(query) > LTI_MAX_FORM)
            return dla_err_set(err, DLA_ETOOBIG, "query string too long");
        if ((rc = add_form(a, out, query, strlen(query), err)) != DLA_OK)
            return rc;
    }
    return DLA_OK;
}

/* Parses `OAuth k="v", k2="v2"`: names are tokens, values quoted and
 * percent-encoded (RFC 5849 section 3.5.1). */
int lti_oauth_parse_header(dla_arena_t *a, const char *hdr, lti_params_t *out,
                           dla_err_t *err)
{
    const char *p = hdr;
    memset(out, 0, sizeof *out);
    if (!hdr || strlen(hdr) > LTI_MAX_AUTHZ)
        return dla_err_set(err, DLA_EINVAL, "authorization header missing or too long");
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncasecmp(p, "OAuth", 5) != 0 || (p[5] != ' ' && p[5] != '\t' && p[5] != '\0'))
        return dla_err_set(err, DLA_EINVAL, "authorization header is not OAuth");
    p += 5;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '\0')
            break;
        const char *ns = p;
        while (*p && (isalnum((unsigned char)*p) || strchr("_-.~%", *p)))
            p++;
        size_t nlen = (size_t)(p - ns);
        if (nlen == 0 || *p != '=')
            return dla_err_set(err, DLA_EINVAL, "malformed parameter at offset %zu",
                               (size_t)(p - hdr));
        p++;
        if (*p != '"')
            return dla_err_set(err, DLA_EINVAL, "unquoted value at offset %zu",
                               (size_t)(p - hdr));
        const char *vs = ++p;
        while (*p && *p != '"')
            p++;
        if (*p != '"')
            return dla_err_set(err, DLA_EINVAL, "unterminated value");
        size_t vlen = (size_t)(p - vs), dn = 0, dv = 0;
        p++;
        char *name = dla_url_decode(a, ns, nlen, 0, &dn);
        char *value = dla_url_decode(a, vs, vlen, 0, &dv);
        if (!name || !value)
            return dla_err_set(err, DLA_EINVAL, "bad percent-encoding in header");
        if (strlen(name) != dn || strlen(value) != dv)
            return dla_err_set(err, DLA_EINVAL, "NUL byte in header parameter");
        for (const char *c = name; *c; c++)
            if (!isalnum((unsigned char)*c) && !strchr("_-.~", *c))
                return dla_err_set(err, DLA_EINVAL, "bad character in parameter name");
        if (out->n >= 64)
            return dla_err_set(err, DLA_EINVAL, "too many header parameters");
        if (lti_params_add(a, out, name, value) != DLA_OK)
            return dla_err_set(err, DLA_ENOMEM, "out of memory");
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p && *p != ',')
            return dla_err_set(err, DLA_EINVAL, "expected ',' at offset %zu",
                               (size_t)(p - hdr));
    }
    return DLA_OK;
}

char *lti_oauth_base_url(dla_arena_t *a, const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return NULL;
    size_t slen = (size_t)(p - url);
    char scheme[8];
    if (slen == 0 || slen >= sizeof scheme)
        return NULL;
    for (size_t i = 0; i < slen; i++)
        scheme[i] = (char)tolower((unsigned char)url[i]);
    scheme[slen] = '\0';
    int https = strcmp(scheme, "https") == 0;
    if (!https && strcmp(scheme, "http") != 0)
        return NULL;
    const char *host = p + 3;
    size_t hlen = strcspn(host, "/?#");
    const char *rest = host + hlen;
    size_t plen = strcspn(rest, "?#");
    const char *at = memchr(host, '@', hlen);
    if (hlen == 0 || hlen > 255 || at)
        return NULL;
    char h[256];
    for (size_t i = 0; i < hlen; i++)
        h[i] = (char)tolower((unsigned char)host[i]);
    h[hlen] = '\0';
    char *colon = strrchr(h, ':');
    if (colon && !strchr(colon, ']')) {
        if ((https && strcmp(colon, ":443") == 0) ||
            (!https && strcmp(colon, ":80") == 0))
            *colon = '\0';
    }
    if (plen == 0)
        return dla_arena_sprintf(a, "%s://%s/", scheme, h);
    return dla_arena_sprintf(a, "%s://%s%.*s", scheme, h, (int)plen, rest);
}

static void free_argv(char **argv, int argc)
{
    if (!argv)
        return;
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}

/* Builds the signature base string (new malloc()ed string, caller frees). */
/* The recipe exactly as written: liboauth sorts with oauth_cmpstringp and
 * serialises with oauth_serialize_url_parameters. oauth_cmpstringp escapes both
 * strings on every comparison, which makes it O(n log n) escapes; kept as the
 * oracle the fast path is tested against (unit test, fuzz_lti_form). */
static char *base_string_recipe(dla_arena_t *a, const char *method, const char *url,
                                const lti_params_t *params, dla_err_t *err)
{
    char **argv = NULL, *ser = NULL, *base = NULL;
    int argc = 0;
    char *burl = lti_oauth_base_url(a, url);
    if (!burl) {
        dla_err_set(err, DLA_EINVAL, "launch url \"%.100s\" is not http(s)", url);
        goto cleanup;
    }
    argv = calloc(params->n + 1, sizeof *argv);
    if (!argv)
        goto nomem;
    argv[argc++] = strdup(burl);
    if (!argv[0])
        goto nomem;
    for (size_t i = 0; i < params->n; i++) {
        const lti_param_t *pp = &params->v[i];
        if (strcmp(pp->name, "oauth_signature") == 0 || strcmp(pp->name, "realm") == 0)
            continue;
        if (strchr(pp->name, '=')) {
            dla_err_set(err, DLA_EINVAL, "parameter name with '='");
            goto cleanup;
        }
        size_t n = strlen(pp->name) + strlen(pp->value) + 2;
        argv[argc] = malloc(n);
        if (!argv[argc])
            goto nomem;
        snprintf(argv[argc], n, "%s=%s", pp->name, pp->value);
        argc++;
    }
    /* liboauth: sort by encoded name, then value; serialise encoded pairs */
    qsort(&argv[1], (size_t)argc - 1, sizeof(char *), oauth_cmpstringp);
    ser = oauth_serialize_url_parameters(argc, argv);
    if (!ser)
        goto nomem;
    base = oauth_catenc(3, method, burl, ser);
    if (!base)
        goto nomem;
    goto cleanup;
nomem:
    dla_err_set(err, DLA_ENOMEM, "out of memory");
cleanup:
    free_argv(argv, argc);
    free(ser);
    return base;
}

typedef struct enc_pair_s {
    char *n, *v; /* oauth_url_escape()d name and value */
} enc_pair_t;

/* The order oauth_cmpstringp defines: escaped name, then escaped value. */
static int cmp_enc(const void *pa, const void *pb)
{
    const enc_pair_t *a = pa, *b = pb;
    int r = strcmp(a->n, b->n);
    return r ? r : strcmp(a->v, b->v);
}

/* The same base string with each name and value escaped once (liboauth's
 * oauth_url_escape), sorted in oauth_cmpstringp's order and joined as
 * oauth_serialize_url_parameters joins them, then oauth_catenc. */
static char *base_string(dla_arena_t *a, const char *method, const char *url,
                         const lti_params_t *params, dla_err_t *err)
{
    enc_pair_t *v = NULL;
    size_t n = 0, total = 1;
    char *joined = NULL, *base = NULL;
    char *burl = lti_oauth_base_url(a, url);
    if (!burl) {
        dla_err_set(err, DLA_EINVAL, "launch url \"%.100s\" is not http(s)", url);
        return NULL;
    }
    v = calloc(params->n ? params->n : 1, sizeof *v);
    if (!v)
        goto nomem;
    for (size_t i = 0; i < params->n; i++) {
        const lti_param_t *pp = &params->v[i];
        if (strcmp(pp->name, "oauth_signature") == 0 || strcmp(pp->name, "realm") == 0)
            continue;
        if (strchr(pp->name, '=')) {
            dla_err_set(err, DLA_EINVAL, "parameter name with '='");
            goto cleanup;
        }
        v[n].n = oauth_url_escape(pp->name);
        v[n].v = oauth_url_escape(pp->value);
        if (!v[n].n || !v[n].v) {
            n++;
            goto nomem;
        }
        total += strlen(v[n].n) + strlen(v[n].v) + 2;
        n++;
    }
    qsort(v, n, sizeof *v, cmp_enc);
    joined = malloc(total);
    if (!joined)
        goto nomem;
    char *q = joined;
    for (size_t i = 0; i < n; i++) {
        size_t ln = strlen(v[i].n), lv = strlen(v[i].v);
        if (i)
            *q++ = '&';
        memcpy(q, v[i].n, ln);
        q += ln;
        *q++ = '=';
        memcpy(q, v[i].v, lv);
        q += lv;
    }
    *q = '\0';
    base = oauth_catenc(3, method, burl, joined);
    if (!base)
        goto nomem;
    goto cleanup;
nomem:
    dla_err_set(err, DLA_ENOMEM, "out of memory");
cleanup:
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].n);
        free(v[i].v);
    }
    free(v);
    free(joined);
    return base;
}

/* Moves a malloc()ed string into the arena (NULL stays NULL). */
static char *to_arena(dla_arena_t *a, char *b)
{
    char *out = b ? dla_arena_strdup(a, b) : NULL;
    free(b);
    return out;
}

char *lti_oauth_base_string_recipe(dla_arena_t *a, const char *method, const char *url,
                                   const lti_params_t *params, dla_err_t *err)
{
    return to_arena(a, base_string_recipe(a, method, url, params, err));
}

char *lti_oauth_base_string(dla_arena_t *a, const char *method, const char *url,
                            const lti_params_t *params, dla_err_t *err)
{
    return to_arena(a, base_string(a, method, url, params, err));
}

char *lti_oauth_signature(dla_arena_t *a, const char *method, const char *url,
                          const lti_params_t *params, const char *secret, dla_err_t *err)
{
    char *key = NULL, *sig = NULL, *out = NULL;
    char *base = base_string(a, method, url, params, err);
    if (!base)
        return NULL;
    key = oauth_catenc(2, secret, "");
    sig = key ? oauth_sign_hmac_sha1(base, key) : NULL;
    out = sig ? dla_arena_strdup(a, sig) : NULL;
    if (!out)
        dla_err_set(err, DLA_ENOMEM, "out of memory");
    free(base);
    free(key);
    free(sig);
    return out;
}

int lti_oauth_verify(dla_arena_t *a, const char *method, const char *url,
                     const lti_params_t *params, const char *secret, dla_err_t *err)
{
    const char *recv = NULL;
    int nsig = 0;
    for (size_t i = 0; i < params->n; i++)
        if (strcmp(params->v[i].name, "oauth_signature") == 0) {
            recv = params->v[i].value;
            nsig++;
        }
    if (nsig != 1)
        return dla_err_set(err, DLA_EAUTH, "expected exactly one oauth_signature");
    const char *m = lti_params_get(params, "oauth_signature_method");
    if (!m || strcmp(m, "HMAC-SHA1") != 0)
        return dla_err_set(err, DLA_EAUTH, "oauth_signature_method must be HMAC-SHA1");
    char *calc = lti_oauth_signature(a, method, url, params, secret, err);
    if (!calc)
        return err ? err->code : DLA_EINVAL;
    if (!oauth_time_independent_equals(recv, calc))
        return dla_err_set(err, DLA_EAUTH, "signature mismatch");
    return DLA_OK;
}

int lti_oauth_sign(dla_arena_t *a, const char *method, const char *url,
                   lti_params_t *params, const char *key, const char *secret,
                   const char *body_hash, dla_err_t *err)
{
    char nonce[48], ts[24];
    if (lti_random_token(nonce, sizeof nonce, 16) != DLA_OK)
        return dla_err_set(err, DLA_ERR, "no randomness");
    snprintf(ts, sizeof ts, "%lld", (long long)dla_now());
    char *n = dla_arena_strdup(a, nonce), *t = dla_arena_strdup(a, ts);
    if (!n || !t || lti_params_add(a, params, "oauth_consumer_key", key) ||
        lti_params_add(a, params, "oauth_nonce", n) ||
        lti_params_add(a, params, "oauth_timestamp", t) ||
        lti_params_add(a, params, "oauth_version", "1.0") ||
        lti_params_add(a, params, "oauth_signature_method", "HMAC-SHA1") ||
        (body_hash && lti_params_add(a, params, "oauth_body_hash", body_hash)))
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    char *sig = lti_oauth_signature(a, method, url, params, secret, err);
    if (!sig)
        return err ? err->code : DLA_EINVAL;
    if (lti_params_add(a, params, "oauth_signature", sig))
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    return DLA_OK;
}

char *lti_oauth_header(dla_arena_t *a, const lti_params_t *params)
{
    char *h = dla_arena_strdup(a, "OAuth realm=\"\"");
    for (size_t i = 0; h && i < params->n; i++) {
        if (strncmp(params->v[i].name, "oauth_", 6) != 0)
            continue;
        char *ev = oauth_url_escape(params->v[i].value);
        if (!ev)
            return NULL;
        h = dla_arena_sprintf(a, "%s, %s=\"%s\"", h, params->v[i].name, ev);
        free(ev);
    }
    return h;
}

char *lti_oauth_body_hash(dla_arena_t *a, const char *body, size_t len)
{
    char *bh = oauth_body_hash_data(len, body);
    if (!bh)
        return NULL;
    const char *eq = strchr(bh, '=');
    char *out = dla_arena_strdup(a, eq ? eq + 1 : bh);
    free(bh);
    return out;
}
