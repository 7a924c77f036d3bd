/* lrs_docs.c - the document resources: State, Activity Profile, Agent Profile.
 *
 * One database, xapi_doc, keyed tid + type + hashes of the owning components,
 * so "all documents of (activity, agent[, registration])" is a prefix scan.
 * ETags are the quoted SHA-256 of the content; If-Match / If-None-Match apply
 * to PUT, POST and DELETE; a PUT over an existing document with neither header
 * is 409 (profiles always, State in 2.0). POST merges JSON objects.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "model_int.h"
#include "xapi_int.h"

enum { DOC_STATE = 1, DOC_ACT_PROFILE = 2, DOC_AGENT_PROFILE = 3 };

typedef struct doc_hdr_s {
    uint64_t updated_ms;
    char etag[68]; /* quoted hex SHA-256 */
    uint16_t ctype_len, id_len;
    uint8_t has_reg;
    uint8_t reg[16];
    uint8_t pad[3];
} doc_hdr_t;

typedef struct doc_req_s {
    int type;
    uint8_t key[4 + 1 + 16 + 16 + 17 + 16];
    size_t prefix_len; /* key bytes shared by the documents of one listing */
    size_t key_len;    /* full key (with document id hash) */
    const char *doc_id;
    int has_reg;
    uint8_t reg[16];
} doc_req_t;

static int doc_scope(lrs_ctx_t *c, int type, int write)
{
    unsigned s = c->cred.scopes;
    unsigned need = type == DOC_STATE ? DLA_SCOPE_STATE : DLA_SCOPE_PROFILE;
    if (s & (need | DLA_SCOPE_ALL))
        return 1;
    if (!write && (s & DLA_SCOPE_ALL_READ))
        return 1;
    lrs_fail(c, 403, "this credential may not access these documents");
    return 0;
}

/* Reads and checks the parameters; fills d. Returns 0, or -1 when answered. */
static int doc_params(lrs_ctx_t *c, int type, doc_req_t *d, int id_required)
{
    const char *id_name = type == DOC_STATE ? "stateId" : "profileId";
    const char *act = NULL, *agent_s = NULL;
    char akey[DLA_XM_IFI_KEY_MAX];
    memset(d, 0, sizeof *d);
    d->type = type;
    if (type != DOC_AGENT_PROFILE) {
        act = lrs_param(c, "activityId");
        if (!act || !dla_xm_is_iri(act)) {
            lrs_fail(c, 400, "activityId parameter must be an IRI");
            return -1;
        }
    }
    if (type != DOC_ACT_PROFILE) {
        agent_s = lrs_param(c, "agent");
        if (!agent_s) {
            lrs_fail(c, 400, "agent parameter is required");
            return -1;
        }
        dla_err_t err = {0};
        json_t *a = json_loads(agent_s, JSON_REJECT_DUPLICATES, NULL);
        int ok = a &&
                 dla_xm_validate_agent(a, c->v2 ? DLA_XAPI_V200 : DLA_XAPI_V103, "agent",
                                       &err) == DLA_OK &&
                 lrs_agent_key(a, akey, sizeof akey) == DLA_OK;
        json_decref(a);
        if (!ok) {
            lrs_fail(c, 400, "agent parameter is not a valid Agent%s%s",
                     err.msg[0] ? ": " : "", err.msg);
            return -1;
        }
    }
    if (type == DOC_STATE) {
        const char *reg = lrs_param(c, "registration");
        if (reg) {
            if (lrs_uuid_parse(reg, d->reg) != DLA_OK || !dla_xm_is_uuid(reg)) {
                lrs_fail(c, 400, "registration parameter must be a UUID");
                return -1;
            }
            d->has_reg = 1;
        }
    }
    d->doc_id = lrs_param(c, id_name);
    if (id_required && !d->doc_id) {
        lrs_fail(c, 400, "%s parameter is required", id_name);
        return -1;
    }
    if (d->doc_id && strlen(d->doc_id) > 4096) {
        lrs_fail(c, 400, "%s is too long", id_name);
        return -1;
    }
    size_t o = 4;
    d->key[o++] = (uint8_t)type;
    if (act) {
        lrs_hash16(0, act, strlen(act), d->key + o);
        o += 16;
    }
    if (agent_s) {
        lrs_hash16(0, akey, strlen(akey), d->key + o);
        o += 16;
    }
    d->prefix_len = o;
    if (type == DOC_STATE) {
        d->key[o] = (uint8_t)d->has_reg;
        memcpy(d->key + o + 1, d->reg, 16);
        o += 17;
    }
    if (d->doc_id) {
        lrs_hash16(0, d->doc_id, strlen(d->doc_id), d->key + o);
        o += 16;
    }
    d->key_len = o;
    return 0;
}

/* The quoted hex SHA-1 of the content (as the 1.0.3 conformance suite expects). */
static void etag_of(const void *data, size_t len, char out[68])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hx[] = "0123456789abcdef";
    if (EVP_Digest(data, len, md, &n, EVP_sha1(), NULL) != 1 || n > 32)
        n = 0;
    size_t o = 0;
    out[o++] = '"';
    for (unsigned i = 0; i < n; i++) {
        out[o++] = hx[md[i] >> 4];
        out[o++] = hx[md[i] & 15];
    }
    out[o++] = '"';
    out[o] = 0;
}

/* Checks If-Match / If-None-Match against the current document (etag NULL when
 * absent). Returns 0 to go on, -1 when answered 412. */
static int preconditions(lrs_ctx_t *c, const char *etag)
{
    const char *im = lrs_header(c, "If-Match");
    const char *inm = lrs_header(c, "If-None-Match");
    if (im) {
        int ok = 0;
        if (etag) {
            if (strcmp(im, "*") == 0)
                ok = 1;
            else if (strstr(im, etag))
                ok = 1;
            else {
                /* unquoted form */
                char bare[68];
                snprintf(bare, sizeof bare, "%.*s", (int)strlen(etag) - 2, etag + 1);
                ok = strstr(im, bare) != NULL;
            }
        }
        if (!ok) {
            lrs_fail(c, 412, "If-Match does not match the current document");
            return -1;
        }
    }
    if (inm && etag) {
        if (strcmp(inm, "*") == 0 || strstr(inm, etag + 1)) {
            lrs_fail(c, 412, "If-None-Match: the document exists");
            return -1;
        }
    }
    return 0;
}

static int is_json_ctype(const char *ct)
{
    return ct && strncasecmp(ct, "application/json", 16) == 0;
}

static void doc_get(lrs_ctx_t *c, doc_req_t *d)
{
    dla_txn_t *t = NULL;
    uint32_t tid;
    if (dla_txn_begin(c->l->store, 0, &t, NULL) != DLA_OK) {
        lrs_fail(c, 500, "store unavailable");
        return;
    }
    int have = lrs_tid_get(c->l, t, c->cred.tenant, &tid) == DLA_OK;
    lrs_be32(d->key, tid);
    if (d->doc_id) {
        dla_val_t v;
        if (!have || dla_kv_get(t, c->l->db_doc, d->key, d->key_len, &v) != DLA_OK ||
            v.len < sizeof(doc_hdr_t)) {
            lrs_fail(c, 404, "no such document");
            goto cleanup;
        }
        doc_hdr_t h;
        memcpy(&h, v.data, sizeof h);
        const char *p = (const char *)v.data + sizeof h;
        char ctype[256];
        snprintf(ctype, sizeof ctype, "%.*s", (int)h.ctype_len, p);
        size_t off = sizeof h + h.ctype_len + h.id_len;
        char hd[40];
        dla_http_date((long long)(h.updated_ms / 1000), hd);
        lrs_common_headers(c);
        dla_resp_header(c->req, "ETag", h.etag);
        dla_resp_header(c->req, "Last-Modified", hd);
        dla_resp_body(c->req, 200, ctype, (const char *)v.data + off, v.len - off);
        goto cleanup;
    }
    /* listing: ids, optionally since */
    int64_t since_us = 0;
    int has_since = 0;
    const char *since = lrs_param(c, "since");
    if (since) {
        if (dla_xm_ts_parse(since, &since_us) != DLA_OK) {
            lrs_fail(c, 400, "since parameter is not a timestamp");
            goto cleanup;
        }
        has_since = 1;
    }
    json_t *ids = json_array();
    uint64_t newest = 0;
    if (have) {
        dla_cursor_t *cur;
        if (dla_cursor_open(t, c->l->db_doc, &cur, NULL) == DLA_OK) {
            dla_val_t k = {d->key, d->prefix_len}, v;
            int r = dla_cursor_get(cur, DLA_SEEK_GE, &k, &v);
            while (r == DLA_OK && k.len >= d->prefix_len &&
                   memcmp(k.data, d->key, d->prefix_len) == 0) {
                doc_hdr_t h;
                if (v.len >= sizeof h) {
                    memcpy(&h, v.data, sizeof h);
                    int match = !d->has_reg || (h.has_reg && !memcmp(h.reg, d->reg, 16));
                    if (match && has_since && (int64_t)h.updated_ms * 1000 <= since_us)
                        match = 0;
                    if (match) {
                        const char *idp = (const char *)v.data + sizeof h + h.ctype_len;
                        json_array_append_new(ids, json_stringn(idp, h.id_len));
                        if (h.updated_ms > newest)
                            newest = h.updated_ms;
                    }
                }
                r = dla_cursor_get(cur, DLA_SEEK_NEXT, &k, &v);
            }
            dla_cursor_close(cur);
        }
    }
    lrs_common_headers(c);
    if (newest) {
        char hd[40];
        dla_http_date((long long)(newest / 1000), hd);
        dla_resp_header(c->req, "Last-Modified", hd);
    }
    dla_resp_json(c->req, 200, ids);
cleanup:
    dla_txn_abort(t);
}

static int put_doc(lrs_t *l, dla_txn_t *t, const doc_req_t *d, const char *ctype,
                   const void *data, size_t len, dla_err_t *err)
{
    doc_hdr_t h;
    memset(&h, 0, sizeof h);
    h.updated_ms = lrs_now_ms();
    etag_of(data, len, h.etag);
    h.ctype_len = (uint16_t)strlen(ctype);
    h.id_len = (uint16_t)strlen(d->doc_id);
    h.has_reg = (uint8_t)d->has_reg;
    memcpy(h.reg, d->reg, 16);
    size_t n = sizeof h + h.ctype_len + h.id_len + len;
    void *dst;
    int rc = dla_kv_reserve(t, l->db_doc, d->key, d->key_len, n, &dst, err);
    if (rc != DLA_OK)
        return rc;
    char *p = dst;
    memcpy(p, &h, sizeof h);
    memcpy(p + sizeof h, ctype, h.ctype_len);
    memcpy(p + sizeof h + h.ctype_len, d->doc_id, h.id_len);
    if (len)
        memcpy(p + sizeof h + h.ctype_len + h.id_len, data, len);
    return DLA_OK;
}

static void doc_write(lrs_ctx_t *c, doc_req_t *d, int post)
{
    dla_txn_t *t = NULL;
    dla_err_t err = {0};
    uint32_t tid;
    json_t *incoming = NULL, *merged = NULL;
    char *mtxt = NULL;
    const char *ctype = c->ctype ? c->ctype : "application/octet-stream";
    char ctbuf[256];
    snprintf(ctbuf, sizeof ctbuf, "%s", ctype);
    ctype = ctbuf;
    if (post || is_json_ctype(ctype)) {
        if (is_json_ctype(ctype)) {
            incoming = json_loadb(c->body, c->body_len, 0, NULL);
            if (!incoming && post) {
                lrs_fail(c, 400, "document body is not valid JSON");
                return;
            }
        }
    }
    if (dla_txn_begin(c->l->store, 1, &t, &err) != DLA_OK) {
        lrs_fail(c, 500, "store unavailable");
        goto cleanup;
    }
    if (lrs_tid_ensure(c->l, t, c->cred.tenant, &tid, &err) != DLA_OK) {
        lrs_fail(c, 500, "store unavailable");
        goto cleanup;
    }
    lrs_be32(d->key, tid);
    dla_val_t v;
    int exists = dla_kv_get(t, c->l->db_doc, d->key, d->key_len, &v) == DLA_OK &&
                 v.len >= sizeof(doc_hdr_t);
    doc_hdr_t h;
    if (exists)
        memcpy(&h, v.data, sizeof h);
    if (preconditions(c, exists ? h.etag : NULL) < 0)
        goto cleanup;
    int strict = d->type != DOC_STATE || c->v2;
    int no_cond = !lrs_header(c, "If-Match") && !lrs_header(c, "If-None-Match");
    if (!post && exists && strict && no_cond) {
        lrs_fail(c, 409,
                 "the document exists: send If-Match with its ETag (or If-None-Match)");
        goto cleanup;
    }
    if (!post && !exists && no_cond && d->type != DOC_STATE && !c->v2) {
        /* xAPI 1.0.3: profile writes must state their expectation */
        lrs_fail(
            c, 400,
            "PUT of a profile needs If-Match or If-None-Match (use If-None-Match: *)");
        goto cleanup;
    }
    const void *data = c->body;
    size_t len = c->body_len;
    if (post && exists) {
        const char *op = (const char *)v.data + sizeof h;
        size_t off = sizeof h + h.ctype_len + h.id_len;
        char octype[256];
        snprintf(octype, sizeof octype, "%.*s", (int)h.ctype_len, op);
        json_t *old = is_json_ctype(octype)
                          ? json_loadb((const char *)v.data + off, v.len - off, 0, NULL)
                          : NULL;
        if (!json_is_object(old) || !json_is_object(incoming)) {
            json_decref(old);
            lrs_fail(c, 400,
                     "POST merges JSON objects only: both documents must be JSON");
            goto cleanup;
        }
        json_object_update(old, incoming);
        merged = old;
        mtxt = json_dumps(merged, JSON_COMPACT);
        if (!mtxt) {
            lrs_fail(c, 500, "out of memory");
            goto cleanup;
        }
        data = mtxt;
        len = strlen(mtxt);
        ctype = "application/json";
    } else if (post && !json_is_object(incoming)) {
        lrs_fail(c, 400, "POST needs a JSON object");
        goto cleanup;
    }
    if (put_doc(c->l, t, d, ctype, data, len, &err) != DLA_OK) {
        lrs_fail(c, 500, "document could not be stored");
        goto cleanup;
    }
    int rc = dla_txn_commit(t, &err);
    t = NULL;
    if (rc != DLA_OK) {
        lrs_fail(c, 500, "document could not be stored");
        goto cleanup;
    }
    char et[68];
    etag_of(data, len, et);
    lrs_common_headers(c);
    dla_resp_header(c->req, "ETag", et);
    dla_resp_empty(c->req, 204);
cleanup:
    dla_txn_abort(t);
    free(mtxt);
    json_decref(merged);
    json_decref(incoming);
}

static void doc_delete(lrs_ctx_t *c, doc_req_t *d)
{
    dla_txn_t *t = NULL;
    dla_err_t err = {0};
    uint32_t tid;
    if (dla_txn_begin(c->l->store, 1, &t, &err) != DLA_OK) {
        lrs_fail(c, 500, "store unavailable");
        return;
    }
    if (lrs_tid_get(c->l, t, c->cred.tenant, &tid) != DLA_OK) {
        if (lrs_header(c, "If-Match")) {
            lrs_fail(c, 412, "If-Match: no such document");
            goto cleanup;
        }
        lrs_common_headers(c);
        dla_resp_empty(c->req, 204);
        goto cleanup;
    }
    lrs_be32(d->key, tid);
    if (d->doc_id) {
        dla_val_t v;
        int exists = dla_kv_get(t, c->l->db_doc, d->key, d->key_len, &v) == DLA_OK &&
                     v.len >= sizeof(doc_hdr_t);
        doc_hdr_t h;
        if (exists)
            memcpy(&h, v.data, sizeof h);
        if (preconditions(c, exists ? h.etag : NULL) < 0)
            goto cleanup;
        if (exists)
            dla_kv_del(t, c->l->db_doc, d->key, d->key_len, NULL, 0);
    } else {
        dla_cursor_t *cur;
        if (dla_cursor_open(t, c->l->db_doc, &cur, &err) != DLA_OK) {
            lrs_fail(c, 500, "store unavailable");
            goto cleanup;
        }
        dla_val_t k = {d->key, d->prefix_len}, v;
        int r = dla_cursor_get(cur, DLA_SEEK_GE, &k, &v);
        while (r == DLA_OK && k.len >= d->prefix_len &&
               memcmp(k.data, d->key, d->prefix_len) == 0) {
            doc_hdr_t h;
            int match = 1;
            if (v.len >= sizeof h) {
                memcpy(&h, v.data, sizeof h);
                match = !d->has_reg || (h.has_reg && !memcmp(h.reg, d->reg, 16));
            }
            if (match) {
                uint8_t cur_key[sizeof d->key];
                size_t cl = k.len < sizeof cur_key ? k.len : sizeof cur_key;
                memcpy(cur_key, k.data, cl);
                if (dla_cursor_del(cur) != DLA_OK)
                    break;
                k.data = cur_key;
                k.len = cl;
                r = dla_cursor_get(cur, DLA_SEEK_GE, &k, &v);
                continue;
            }
            r = dla_cursor_get(cur, DLA_SEEK_NEXT, &k, &v);
        }
        dla_cursor_close(cur);
    }
    if (dla_txn_commit(t, &err) != DLA_OK) {
        t = NULL;
        lrs_fail(c, 500, "document could not be deleted");
        goto cleanup;
    }
    t = NULL;
    lrs_common_headers(c);
    dla_resp_empty(c->req, 204);
cleanup:
    dla_txn_abort(t);
}

static void doc_resource(lrs_ctx_t *c, int type)
{
    const char *m = c->method;
    doc_req_t d;
    int get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
    int put = !strcmp(m, "PUT"), post = !strcmp(m, "POST"), del = !strcmp(m, "DELETE");
    if (!get && !put && !post && !del) {
        lrs_fail(c, 405, "method not allowed on this resource");
        return;
    }
    if (!doc_scope(c, type, !get))
        return;
    int id_required = put || post || (del && type != DOC_STATE);
    if (doc_params(c, type, &d, id_required) < 0)
        return;
    if (get)
        doc_get(c, &d);
    else if (del)
        doc_delete(c, &d);
    else
        doc_write(c, &d, post);
}

void lrs_h_state(lrs_ctx_t *c)
{
    doc_resource(c, DOC_STATE);
}

void lrs_h_activity_profile(lrs_ctx_t *c)
{
    doc_resource(c, DOC_ACT_PROFILE);
}

void lrs_h_agent_profile(lrs_ctx_t *c)
{
    doc_resource(c, DOC_AGENT_PROFILE);
}
