/* lrs_http.c - the /xapi/ endpoint: CORS, version negotiation, HTTP Basic with
 * LRS credentials, alternate request syntax (1.0.3 only), dispatch to the
 * resources, and the small resources (about, agents, activities). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dla_form.h"
#include "dla_log.h"
#include "model_int.h"
#include "xapi_int.h"

#define LRS_MAX_BODY (32u * 1024 * 1024)

static const char *const alt_headers[] = {"Authorization",
                                          "X-Experience-API-Version",
                                          "Content-Type",
                                          "Content-Length",
                                          "If-Match",
                                          "If-None-Match",
                                          NULL};

static int is_alt_header(const char *name)
{
    for (size_t i = 0; alt_headers[i]; i++)
        if (strcasecmp(name, alt_headers[i]) == 0)
            return 1;
    return 0;
}

const char *lrs_param(lrs_ctx_t *c, const char *name)
{
    if (c->form) {
        dla_form_t *f = c->form;
        for (size_t i = 0; i < f->count; i++)
            if (strcmp(f->pairs[i].name, name) == 0 && strcmp(name, "content") != 0 &&
                !is_alt_header(name))
                return f->pairs[i].value;
        return NULL;
    }
    return dla_req_query(c->req, name);
}

const char *lrs_header(lrs_ctx_t *c, const char *name)
{
    if (c->form) {
        dla_form_t *f = c->form;
        for (size_t i = 0; i < f->count; i++)
            if (strcasecmp(f->pairs[i].name, name) == 0)
                return f->pairs[i].value;
    }
    return dla_req_header(c->req, name);
}

void lrs_common_headers(lrs_ctx_t *c)
{
    char ts[32];
    dla_resp_header(c->req, "X-Experience-API-Version", c->v2 ? "2.0.0" : "1.0.3");
    if (c->l) {
        lrs_ms_format(lrs_consistent_ms(c->l), ts);
        dla_resp_header(c->req, "X-Experience-API-Consistent-Through", ts);
    }
    dla_resp_header(c->req, "Access-Control-Allow-Origin", "*");
    dla_resp_header(c->req, "Access-Control-Expose-Headers",
                    "ETag, Last-Modified, X-Experience-API-Version, "
                    "X-Experience-API-Consistent-Through, Content-Type");
}

void lrs_fail(lrs_ctx_t *c, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *code = status == 400   ? "bad_request"
                       : status == 401 ? "unauthorized"
                       : status == 403 ? "forbidden"
                       : status == 404 ? "not_found"
                       : status == 405 ? "method_not_allowed"
                       : status == 409 ? "conflict"
                       : status == 412 ? "precondition_failed"
                       : status == 413 ? "payload_too_large"
                       : status == 415 ? "unsupported_media_type"
                                       : "internal";
    lrs_common_headers(c);
    if (status == 401)
        dla_resp_header(c->req, "WWW-Authenticate", "Basic realm=\"xAPI\"");
    dla_resp_error(c->req, status, code, "%s", msg);
}

/* ---- the version a credential last used ------------------------------------
 * Requests without a usable version header are answered (400) in the version
 * the same credential used last: a client speaks one version at a time. */

static unsigned vslot(const char *key)
{
    unsigned h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h % LRS_VMEM;
}

static void vmem_set(lrs_t *l, const char *key, int v2)
{
    unsigned s = vslot(key);
    pthread_mutex_lock(&l->vmu);
    size_t n = strnlen(key, sizeof l->vmem[s].key - 1);
    memcpy(l->vmem[s].key, key, n);
    l->vmem[s].key[n] = 0;
    l->vmem[s].v2 = (char)v2;
    pthread_mutex_unlock(&l->vmu);
}

static int vmem_get(lrs_t *l, const char *key)
{
    unsigned s = vslot(key);
    int v2 = 1;
    pthread_mutex_lock(&l->vmu);
    if (strcmp(l->vmem[s].key, key) == 0)
        v2 = l->vmem[s].v2;
    pthread_mutex_unlock(&l->vmu);
    return v2;
}

/* ---- authentication ------------------------------------------------------- */

static int b64dec(const char *in, char *out, size_t cap)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = in; *p && *p != '='; p++) {
        const char *q = strchr(tbl, *p);
        if (!q || !*p)
            return -1;
        acc = acc << 6 | (unsigned)(q - tbl);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= cap)
                return -1;
            out[o++] = (char)(acc >> bits & 0xff);
        }
    }
    out[o] = 0;
    return (int)o;
}

static int authenticate(lrs_ctx_t *c)
{
    const char *h = lrs_header(c, "Authorization");
    char dec[512];
    if (!h || strncasecmp(h, "Basic ", 6) != 0)
        return DLA_EAUTH;
    h += 6;
    while (*h == ' ')
        h++;
    if (strlen(h) > 600 || b64dec(h, dec, sizeof dec) < 0)
        return DLA_EAUTH;
    char *colon = strchr(dec, ':');
    if (!colon)
        return DLA_EAUTH;
    *colon = 0;
    if (dla_cred_check(c->l->store, dec, colon + 1, &c->cred) != DLA_OK)
        return DLA_EAUTH;
    return DLA_OK;
}

/* ---- about, agents, activities ------------------------------------------- */

static void h_about(lrs_ctx_t *c)
{
    json_t *o = json_pack("{s:[s,s],s:{}}", "version", "1.0.3", "2.0.0", "extensions");
    lrs_common_headers(c);
    dla_resp_json(c->req, 200, o);
}

static json_t *agent_param(lrs_ctx_t *c, const char *name, int required)
{
    const char *v = lrs_param(c, name);
    dla_err_t err = {0};
    if (!v) {
        if (required)
            lrs_fail(c, 400, "%s parameter is required", name);
        return NULL;
    }
    json_t *a = json_loads(v, JSON_REJECT_DUPLICATES, NULL);
    if (!a) {
        lrs_fail(c, 400, "%s parameter is not valid JSON", name);
        return NULL;
    }
    if (dla_xm_validate_agent(a, c->v2 ? DLA_XAPI_V200 : DLA_XAPI_V103, name, &err) !=
        DLA_OK) {
        json_decref(a);
        lrs_fail(c, 400, "%s", err.msg);
        return NULL;
    }
    return a;
}

void lrs_h_agents(lrs_ctx_t *c)
{
    if (strcmp(c->method, "GET") && strcmp(c->method, "HEAD")) {
        lrs_fail(c, 405, "agents supports GET only");
        return;
    }
    json_t *a = agent_param(c, "agent", 1);
    if (!a)
        return;
    json_t *p = dla_xm_person(a);
    json_decref(a);
    if (!p) {
        lrs_fail(c, 500, "out of memory");
        return;
    }
    lrs_common_headers(c);
    dla_resp_json(c->req, 200, p);
}

void lrs_h_activities(lrs_ctx_t *c)
{
    if (strcmp(c->method, "GET") && strcmp(c->method, "HEAD")) {
        lrs_fail(c, 405, "activities supports GET only");
        return;
    }
    const char *id = lrs_param(c, "activityId");
    if (!id || !dla_xm_is_iri(id)) {
        lrs_fail(c, 400, "activityId parameter must be an IRI");
        return;
    }
    json_t *out = NULL;
    dla_txn_t *t = NULL;
    uint32_t tid;
    if (dla_txn_begin(c->l->store, 0, &t, NULL) == DLA_OK &&
        lrs_tid_get(c->l, t, c->cred.tenant, &tid) == DLA_OK) {
        uint8_t k[20];
        dla_val_t v;
        lrs_be32(k, tid);
        lrs_hash16(0, id, strlen(id), k + 4);
        if (dla_kv_get(t, c->l->db_act, k, sizeof k, &v) == DLA_OK)
            out = json_loadb(v.data, v.len, 0, NULL);
    }
    dla_txn_abort(t);
    if (!out)
        out = json_pack("{s:s,s:s}", "objectType", "Activity", "id", id);
    lrs_common_headers(c);
    dla_resp_json(c->req, 200, out);
}

/* ---- alternate request syntax ---------------------------------------------- */

/* Resolves ?method=X with a form body. Returns 0 to continue, -1 when answered. */
static int alternate_syntax(lrs_ctx_t *c, const char *method_param)
{
    dla_req_t *req = c->req;
    dla_arena_t *a = dla_req_arena(req);
    dla_err_t err = {0};
    const char *qs = dla_req_query_string(req);
    dla_form_t qf;
    if (dla_form_parse(a, qs, strlen(qs), 100, &qf, &err) != DLA_OK || qf.count != 1) {
        lrs_fail(c, 400,
                 "alternate request syntax allows only the method query parameter");
        return -1;
    }
    if (strcmp(dla_req_method(req), "POST") != 0) {
        lrs_fail(c, 400, "alternate request syntax must be sent as POST");
        return -1;
    }
    if (strcmp(method_param, "GET") && strcmp(method_param, "PUT") &&
        strcmp(method_param, "POST") && strcmp(method_param, "DELETE") &&
        strcmp(method_param, "HEAD")) {
        lrs_fail(c, 400,
                 "alternate request syntax method must be GET, PUT, POST or DELETE");
        return -1;
    }
    const char *ct = dla_req_header(req, "Content-Type");
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        lrs_fail(c, 400, "alternate request syntax needs a form-encoded body");
        return -1;
    }
    size_t blen;
    const char *body = dla_req_body(req, &blen);
    dla_form_t *f = dla_arena_calloc(a, sizeof *f);
    if (!f || dla_form_parse(a, body, blen, 1000, f, &err) != DLA_OK) {
        lrs_fail(c, 400, "alternate request syntax body is not form-encoded: %s",
                 err.msg);
        return -1;
    }
    c->form = f;
    c->method = method_param;
    c->body = "";
    c->body_len = 0;
    for (size_t i = 0; i < f->count; i++)
        if (strcmp(f->pairs[i].name, "content") == 0) {
            c->body = f->pairs[i].value;
            c->body_len = f->pairs[i].value_len;
        }
    c->ctype = lrs_header(c, "Content-Type");
    if (c->form && c->ctype && strncasecmp(c->ctype, "application/x-www-form", 22) == 0)
        c->ctype = "application/json";
    if ((!strcmp(method_param, "PUT") || !strcmp(method_param, "POST")) &&
        c->body_len == 0 && strstr(dla_req_path(req), "statements")) {
        lrs_fail(c, 400, "alternate request syntax needs a content form field");
        return -1;
    }
    return 0;
}

/* ---- dispatch ------------------------------------------------------------- */

static void cors_preflight(dla_req_t *req)
{
    dla_resp_header(req, "Access-Control-Allow-Origin", "*");
    dla_resp_header(req, "Access-Control-Allow-Methods",
                    "GET, HEAD, PUT, POST, DELETE, OPTIONS");
    dla_resp_header(req, "Access-Control-Allow-Headers",
                    "Authorization, Content-Type, X-Experience-API-Version, If-Match, "
                    "If-None-Match, Accept-Language, X-Requested-With");
    dla_resp_header(req, "Access-Control-Max-Age", "86400");
    dla_resp_empty(req, 204);
}

static void dispatch(dla_req_t *req, void *ud)
{
    lrs_ctx_t cc, *c = &cc;
    memset(c, 0, sizeof cc);
    c->l = ud;
    c->req = req;
    c->method = dla_req_method(req);
    c->body = dla_req_body(req, &c->body_len);
    c->ctype = dla_req_header(req, "Content-Type");
    c->v2 = 1;
    const char *path = dla_req_path(req);
    const char *res = strncmp(path, "/xapi", 5) == 0 ? path + 5 : path;
    size_t rl = strlen(res);
    char rbuf[64];
    if (rl && res[rl - 1] == '/' && rl < sizeof rbuf) { /* tolerate a trailing slash */
        memcpy(rbuf, res, rl - 1);
        rbuf[rl - 1] = 0;
        res = rbuf;
    }

    if (strcmp(c->method, "OPTIONS") == 0) {
        cors_preflight(req);
        return;
    }
    const char *mp = dla_req_query(req, "method");
    const char *hv = dla_req_header(req, "X-Experience-API-Version");
    if (mp) {
        const char *ans;
        int v = hv ? dla_xm_version_negotiate(hv, &ans) : 0;
        if (v == DLA_XAPI_V200) {
            lrs_fail(c, 400, "alternate request syntax is not supported in xAPI 2.0");
            return;
        }
        if (alternate_syntax(c, mp) < 0)
            return;
        hv = lrs_header(c, "X-Experience-API-Version");
        if (hv && dla_xm_version_negotiate(hv, &ans) == DLA_XAPI_V200) {
            lrs_fail(c, 400, "alternate request syntax is not supported in xAPI 2.0");
            return;
        }
    }
    if (strcmp(res, "/about") == 0) {
        const char *ans;
        if (hv && dla_xm_version_negotiate(hv, &ans) == DLA_XAPI_V103)
            c->v2 = 0;
        if (strcmp(c->method, "GET") && strcmp(c->method, "HEAD")) {
            lrs_fail(c, 405, "about supports GET only");
            return;
        }
        h_about(c);
        return;
    }
    if (authenticate(c) != DLA_OK) {
        const char *ans;
        if (hv && dla_xm_version_negotiate(hv, &ans) == DLA_XAPI_V103)
            c->v2 = 0;
        lrs_fail(c, 401, "valid LRS credentials are required (HTTP Basic)");
        return;
    }
    {
        const char *ans = NULL;
        int v = hv ? dla_xm_version_negotiate(hv, &ans) : DLA_EINVAL;
        if (v < 0) {
            c->v2 = vmem_get(c->l, c->cred.key);
            lrs_fail(c, 400,
                     "X-Experience-API-Version header missing or unsupported "
                     "(1.0.0-1.0.3 and 2.0.x are supported)");
            return;
        }
        c->v2 = v == DLA_XAPI_V200;
        vmem_set(c->l, c->cred.key, c->v2);
    }
    if (strcmp(res, "/statements") == 0)
        lrs_h_statements(c);
    else if (strcmp(res, "/activities/state") == 0)
        lrs_h_state(c);
    else if (strcmp(res, "/activities/profile") == 0)
        lrs_h_activity_profile(c);
    else if (strcmp(res, "/agents/profile") == 0)
        lrs_h_agent_profile(c);
    else if (strcmp(res, "/activities") == 0)
        lrs_h_activities(c);
    else if (strcmp(res, "/agents") == 0)
        lrs_h_agents(c);
    else
        lrs_fail(c, 404, "no xAPI resource at %s", path);
    json_decref(c->authority);
}

int lrs_routes(lrs_t *l, dla_router_t *r, dla_err_t *err)
{
    int rc = dla_router_add(r, "*", "/xapi/*", dispatch, l, LRS_MAX_BODY, err);
    if (rc == DLA_OK)
        rc = dla_router_add(r, "*", "/xapi", dispatch, l, LRS_MAX_BODY, err);
    return rc;
}
