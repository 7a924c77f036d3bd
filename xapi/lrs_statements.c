/* lrs_statements.c - the Statements resource: PUT, POST (batches, multipart/mixed
 * attachments, signed statements), GET (single, voided, filtered queries with
 * `more` pages and attachments), plus the in-process emitter. Writes are queued
 * to the group-commit writer and the request is parked until its group is on
 * disk. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dla_form.h"
#include "dla_json.h"
#include "dla_log.h"
#include "model_int.h"
#include "xapi_int.h"

#define LRS_MAX_BATCH 50000

/* ---- preparing statements ------------------------------------------------- */

static int collect_act(void *ctx, const json_t *activity)
{
    json_t *arr = ctx;
    return json_array_append(arr, (json_t *)activity) == 0 ? 0 : 1;
}

int lrs_item_prepare(json_t *st, int version, const json_t *authority, int own,
                     lrs_item_t *it, dla_err_t *err)
{
    int rc;
    json_t *copy = NULL;
    memset(it, 0, sizeof *it);
    if (!json_is_object(st))
        return dla_err_set(err, DLA_EINVAL, "a statement must be a JSON object");
    rc = dla_xm_validate_statement(st, version, err);
    if (rc != DLA_OK)
        return rc;
    /* a statement the caller hands over is prepared in place */
    copy = own ? json_incref(st) : json_deep_copy(st);
    if (!copy)
        return DLA_ENOMEM;
    int had_ts = json_object_get(copy, "timestamp") != NULL;
    const char *id = json_string_value(json_object_get(copy, "id"));
    char idbuf[37];
    if (!id) {
        lrs_uuid_v7(idbuf);
        json_object_set_new(copy, "id", json_string(idbuf));
    }
    rc = dla_xm_prepare(copy, version, "1970-01-01T00:00:00.000Z", authority, err);
    if (rc != DLA_OK)
        goto fail;
    json_object_del(copy, "stored");
    if (!had_ts) {
        json_object_del(copy, "timestamp");
        it->flags |= LRS_REC_NOTS;
    }
    id = json_string_value(json_object_get(copy, "id"));
    if (!id || lrs_uuid_parse(id, it->id) != DLA_OK) {
        rc = dla_err_set(err, DLA_EINVAL, "id: must be a UUID");
        goto fail;
    }
    it->ver = version == DLA_XAPI_V200 ? 2 : 1;
    json_t *obj = json_object_get(copy, "object");
    const char *ot = json_string_value(json_object_get(obj, "objectType"));
    if (ot && strcmp(ot, "StatementRef") == 0 &&
        lrs_uuid_parse(json_string_value(json_object_get(obj, "id")), it->ref) == DLA_OK)
        it->has_ref = 1;
    it->voiding = dla_xm_voided_id(copy) != NULL && it->has_ref;
    if (json_array_size(json_object_get(copy, "attachments")))
        it->flags |= LRS_REC_ATTACH;
    size_t cap = 0;
    rc = lrs_stmt_keys(copy, &it->keys, &it->nkeys, &cap);
    if (rc != DLA_OK)
        goto fail;
    json_t *acts = json_array();
    if (acts && dla_xm_statement_activity_objects(copy, collect_act, acts) == DLA_OK &&
        json_array_size(acts) &&
        (it->acth = malloc(json_array_size(acts) * sizeof *it->acth)) != NULL) {
        /* hashed here, on the HTTP threads, so the single writer only compares */
        size_t i;
        json_t *a;
        json_array_foreach(acts, i, a)
        {
            const char *aid = json_string_value(json_object_get(a, "id"));
            size_t dlen = 0;
            const char *dtxt;
            memset(it->acth[i], 0, 32);
            if (aid)
                lrs_hash16(0, aid, strlen(aid), it->acth[i]);
            if (dla_json_scratch(json_object_get(a, "definition"), DLA_JSON_SORT_KEYS,
                                 &dtxt, &dlen) == DLA_OK)
                lrs_hash16(1, dtxt, dlen, it->acth[i] + 16);
        }
        it->acts = acts;
    } else {
        json_decref(acts);
    }
    it->json = dla_json_dumps(copy, 0, &it->json_len);
    if (!it->json) {
        rc = DLA_ENOMEM;
        goto fail;
    }
    /* the tree is freed here, on the HTTP thread, not by the single writer; the
     * rare id-conflict check reads it->json back */
    json_decref(copy);
    return DLA_OK;
fail:
    json_decref(copy);
    free(it->keys);
    free(it->acth);
    json_decref(it->acts);
    memset(it, 0, sizeof *it);
    return rc;
}

static json_t *cred_authority(lrs_t *l, const char *key)
{
    return dla_xm_authority_account(l->base_url, key);
}

/* ---- writes -------------------------------------------------------------------- */

typedef struct wjob_s {
    lrs_job_t job;
    dla_req_t *req;
    int v2;
} wjob_t;

static void write_done(lrs_job_t *job)
{
    wjob_t *w = (wjob_t *)job;
    lrs_ctx_t c;
    memset(&c, 0, sizeof c);
    c.req = w->req;
    c.v2 = w->v2;
    if (job->rc == DLA_OK) {
        lrs_common_headers(&c);
        if (job->put_mode) {
            dla_resp_empty(w->req, 204);
        } else {
            json_t *ids = json_array();
            for (size_t i = 0; ids && i < job->n; i++) {
                char s[37];
                lrs_uuid_format(job->items[i].id, s);
                json_array_append_new(ids, json_string(s));
            }
            dla_resp_json(w->req, 200, ids);
        }
    } else if (job->rc == DLA_ECONFLICT) {
        lrs_fail(&c, 409, "%s", job->err.msg);
    } else if (job->rc == DLA_EINVAL) {
        lrs_fail(&c, 400, "%s", job->err.msg);
    } else if (job->rc == DLA_EFULL) {
        lrs_fail(&c, 507, "the store is full");
    } else {
        lrs_fail(&c, 500, "statements could not be stored");
    }
    dla_req_t *req = w->req;
    lrs_job_free(job);
    free(w);
    dla_req_resume(req);
}

/* Parses the body into statements (+ attachment parts). *out is a new reference. */
static int read_body(lrs_ctx_t *c, json_t **out, dla_xm_part_t **parts, size_t *nparts)
{
    dla_err_t err = {0};
    int version = c->v2 ? DLA_XAPI_V200 : DLA_XAPI_V103;
    *parts = NULL;
    *nparts = 0;
    if (c->ctype && strncasecmp(c->ctype, "multipart/mixed", 15) == 0) {
        if (dla_xm_multipart_parse(dla_req_arena(c->req), c->ctype, c->body, c->body_len,
                                   parts, nparts, &err) != DLA_OK) {
            lrs_fail(c, 400, "multipart/mixed body: %s", err.msg);
            return -1;
        }
        if (*nparts < 1 || !(*parts)[0].content_type ||
            strcmp((*parts)[0].content_type, "application/json") != 0) {
            lrs_fail(c, 400, "the first part must be application/json statements");
            return -1;
        }
        dla_json_error_t je;
        *out = dla_json_parse((*parts)[0].data, (*parts)[0].len,
                              DLA_JSON_REJECT_DUPLICATES, &je);
        if (!*out) {
            lrs_fail(c, 400, "statement part is not valid JSON: %s", je.text);
            return -1;
        }
        if (dla_xm_attachments_check(*out, *parts, *nparts, version, &err) != DLA_OK) {
            json_decref(*out);
            lrs_fail(c, 400, "%s", err.msg);
            return -1;
        }
        return 0;
    }
    if (c->ctype && strncasecmp(c->ctype, "application/json", 16) != 0) {
        lrs_fail(c, 400, "statements are sent as application/json or multipart/mixed");
        return -1;
    }
    dla_json_error_t je;
    *out = dla_json_parse(c->body, c->body_len, DLA_JSON_REJECT_DUPLICATES, &je);
    if (!*out) {
        lrs_fail(c, 400, "body is not valid JSON: %s (line %d)", je.text, je.line);
        return -1;
    }
    if (dla_xm_attachments_check_json(*out, &err) != DLA_OK) {
        json_decref(*out);
        lrs_fail(c, 400, "%s", err.msg);
        return -1;
    }
    return 0;
}

static int write_scope(lrs_ctx_t *c)
{
    if (c->cred.scopes & (DLA_SCOPE_STATEMENTS_WRITE | DLA_SCOPE_ALL))
        return 1;
    lrs_fail(c, 403, "this credential may not write statements");
    return 0;
}

static int only_params(lrs_ctx_t *c, const char *allowed)
{
    dla_arena_t *a = dla_req_arena(c->req);
    dla_form_t f;
    if (c->form) {
        dla_form_t *ff = c->form;
        f = *ff;
    } else {
        const char *qs = dla_req_query_string(c->req);
        if (dla_form_parse(a, qs, strlen(qs), 100, &f, NULL) != DLA_OK) {
            lrs_fail(c, 400, "malformed query string");
            return 0;
        }
    }
    for (size_t i = 0; i < f.count; i++) {
        const char *n = f.pairs[i].name;
        if (c->form &&
            (strcmp(n, "content") == 0 || strcasecmp(n, "Authorization") == 0 ||
             strcasecmp(n, "X-Experience-API-Version") == 0 ||
             strcasecmp(n, "Content-Type") == 0 || strcasecmp(n, "Content-Length") == 0 ||
             strcasecmp(n, "If-Match") == 0 || strcasecmp(n, "If-None-Match") == 0))
            continue;
        if (!allowed || strcmp(n, allowed) != 0) {
            lrs_fail(c, 400, "parameter \"%.64s\" is not allowed here", n);
            return 0;
        }
    }
    return 1;
}

static void h_write(lrs_ctx_t *c, int put)
{
    json_t *body = NULL, *auth = NULL;
    dla_xm_part_t *parts;
    size_t nparts;
    wjob_t *w = NULL;
    int version = c->v2 ? DLA_XAPI_V200 : DLA_XAPI_V103;
    dla_err_t err = {0};
    uint8_t pid[16];
    const char *sid = NULL;

    if (!write_scope(c) || !only_params(c, put ? "statementId" : NULL))
        return;
    if (put) {
        sid = lrs_param(c, "statementId");
        if (!sid || lrs_uuid_parse(sid, pid) != DLA_OK) {
            lrs_fail(c, 400, "PUT needs a statementId parameter holding a UUID");
            return;
        }
    }
    if (read_body(c, &body, &parts, &nparts) < 0)
        return;
    if (put) {
        if (!json_is_object(body)) {
            lrs_fail(c, 400, "PUT takes a single statement object");
            goto cleanup;
        }
        json_t *bid = json_object_get(body, "id");
        uint8_t b[16];
        if (bid && (!json_is_string(bid) ||
                    lrs_uuid_parse(json_string_value(bid), b) != DLA_OK ||
                    memcmp(b, pid, 16) != 0)) {
            lrs_fail(c, 400, "statement id does not match the statementId parameter");
            goto cleanup;
        }
        if (!bid)
            json_object_set_new(body, "id", json_string(sid));
    } else if (!json_is_object(body) && !json_is_array(body)) {
        lrs_fail(c, 400, "POST takes a statement object or an array of statements");
        goto cleanup;
    }
    size_t n = json_is_array(body) ? json_array_size(body) : 1;
    if (n > LRS_MAX_BATCH) {
        lrs_fail(c, 413, "at most %d statements per request", LRS_MAX_BATCH);
        goto cleanup;
    }
    auth = cred_authority(c->l, c->cred.key);
    w = calloc(1, sizeof *w);
    if (!w || !auth) {
        lrs_fail(c, 500, "out of memory");
        goto cleanup;
    }
    lrs_job_init(&w->job, c->cred.tenant);
    w->job.items = calloc(n ? n : 1, sizeof(lrs_item_t));
    if (!w->job.items) {
        lrs_fail(c, 500, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *st = json_is_array(body) ? json_array_get(body, i) : body;
        int rc = lrs_item_prepare(st, version, auth, 1, &w->job.items[i], &err);
        if (rc != DLA_OK) {
            if (n > 1)
                lrs_fail(c, 400, "statement %zu: %s", i, err.msg);
            else
                lrs_fail(c, rc == DLA_ENOMEM ? 500 : 400, "%s", err.msg);
            goto cleanup;
        }
        w->job.n = i + 1;
    }
    if (nparts > 1) {
        w->job.atts = calloc(nparts, sizeof(lrs_att_t));
        if (!w->job.atts) {
            lrs_fail(c, 500, "out of memory");
            goto cleanup;
        }
        for (size_t i = 1; i < nparts; i++) {
            if (!parts[i].hash || strlen(parts[i].hash) >= sizeof w->job.atts[0].sha2)
                continue;
            lrs_att_t *a = &w->job.atts[w->job.natts++];
            snprintf(a->sha2, sizeof a->sha2, "%s", parts[i].hash);
            a->data = parts[i].data;
            a->len = parts[i].len;
        }
    }
    w->job.put_mode = put;
    w->job.done = write_done;
    w->req = c->req;
    w->v2 = c->v2;
    dla_req_suspend(c->req);
    lrs_submit(c->l, &w->job);
    w = NULL;
cleanup:
    if (w) {
        lrs_job_free(&w->job);
        free(w);
    }
    json_decref(auth);
    json_decref(body);
}

/* In the ids format an Activity is its id alone (both conformance suites count
 * its keys), so the objectType the model keeps is dropped here. */
static void ids_strip_activity(json_t *obj)
{
    const char *ot = json_string_value(json_object_get(obj, "objectType"));
    if (json_is_object(obj) && ot && strcmp(ot, "Activity") == 0)
        json_object_del(obj, "objectType");
}

static void ids_strip(json_t *st, int depth)
{
    json_t *obj = json_object_get(st, "object");
    const char *ot = json_string_value(json_object_get(obj, "objectType"));
    int sub = ot && strcmp(ot, "SubStatement") == 0;
    ids_strip_activity(obj);
    json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
    const char *k;
    json_t *v;
    json_object_foreach(ca, k, v)
    {
        size_t i;
        json_t *a;
        if (json_is_object(v))
            ids_strip_activity(v);
        json_array_foreach(v, i, a) ids_strip_activity(a);
    }
    if (sub && depth == 0)
        ids_strip(obj, 1);
}

static json_t *format_stmt(const json_t *s, int format, const char *lang)
{
    json_t *f = dla_xm_format(s, format, lang);
    if (f && format == DLA_XM_FORMAT_IDS)
        ids_strip(f, 0);
    return f;
}

/* ---- reads ---------------------------------------------------------------------- */

typedef struct att_collect_s {
    dla_xm_out_part_t *parts;
    size_t n, cap;
    lrs_t *l;
    dla_txn_t *t;
    uint32_t tid;
    dla_arena_t *a;
} att_collect_t;

static int on_att(void *ctx, const char *sha2, const char *ctype)
{
    att_collect_t *ac = ctx;
    for (size_t i = 0; i < ac->n; i++)
        if (strcmp(ac->parts[i].sha2, sha2) == 0)
            return 0;
    uint8_t k[4 + 160];
    size_t sl = strlen(sha2);
    if (sl >= 160)
        return 0;
    lrs_be32(k, ac->tid);
    memcpy(k + 4, sha2, sl);
    dla_val_t v;
    if (dla_kv_get(ac->t, ac->l->db_att, k, 4 + sl, &v) != DLA_OK)
        return 0;
    if (ac->n == ac->cap) {
        size_t nc = ac->cap ? ac->cap * 2 : 8;
        dla_xm_out_part_t *np = dla_arena_alloc(ac->a, nc * sizeof *np);
        if (!np)
            return 1;
        if (ac->n)
            memcpy(np, ac->parts, ac->n * sizeof *np);
        ac->parts = np;
        ac->cap = nc;
    }
    dla_xm_out_part_t *p = &ac->parts[ac->n++];
    p->sha2 = dla_arena_strdup(ac->a, sha2);
    p->content_type = dla_arena_strdup(ac->a, ctype ? ctype : "application/octet-stream");
    p->data = v.data;
    p->len = v.len;
    return 0;
}

/* Sends `result` (statement or StatementResult) as JSON or, with attachments,
 * multipart/mixed. `stmts` lists the statements whose attachments go along. */
static void send_result(lrs_ctx_t *c, json_t *result, json_t *stmts, int attachments,
                        dla_txn_t *t, uint32_t tid)
{
    char *txt = dla_json_dumps(result, 0, NULL);
    if (!txt) {
        lrs_fail(c, 500, "out of memory");
        return;
    }
    if (!attachments) {
        dla_resp_body_take(c->req, 200, "application/json", txt, strlen(txt));
        return;
    }
    att_collect_t ac = {NULL, 0, 0, c->l, t, tid, dla_req_arena(c->req)};
    size_t i;
    json_t *s;
    json_array_foreach(stmts, i, s) dla_xm_statement_attachments(s, on_att, &ac);
    char *out;
    size_t outlen;
    char ctype[128];
    if (dla_xm_multipart_write(dla_req_arena(c->req), txt, strlen(txt), ac.parts, ac.n,
                               &out, &outlen, ctype, sizeof ctype) != DLA_OK) {
        free(txt);
        lrs_fail(c, 500, "could not build the multipart response");
        return;
    }
    free(txt);
    dla_resp_body(c->req, 200, ctype, out, outlen);
}

typedef struct pctx_s {
    lrs_ctx_t *c;
} pctx_t;

static const char *get_param(void *ctx, const char *name)
{
    return lrs_param(ctx, name);
}

static void set_time_headers(lrs_ctx_t *c, uint64_t last_ms)
{
    char hd[40];
    if (last_ms) {
        dla_http_date((long long)(last_ms / 1000), hd);
        dla_resp_header(c->req, "Last-Modified", hd);
    }
}

static int read_scope(lrs_ctx_t *c, int *mine)
{
    unsigned s = c->cred.scopes;
    *mine = 0;
    if (s & (DLA_SCOPE_STATEMENTS_READ | DLA_SCOPE_ALL_READ | DLA_SCOPE_ALL))
        return 1;
    if (s & DLA_SCOPE_STATEMENTS_READ_MINE) {
        *mine = 1;
        return 1;
    }
    lrs_fail(c, 403, "this credential may not read statements");
    return 0;
}

static void add_more(lrs_ctx_t *c, json_t *res, const lrs_query_t *q, uint64_t next,
                     uint64_t bound)
{
    if (!next) {
        json_object_set_new(res, "more", json_string(""));
        return;
    }
    dla_arena_t *a = dla_req_arena(c->req);
    const char *names[] = {"agent",        "verb",           "activity",
                           "registration", "since",          "until",
                           "format",       "related_agents", "related_activities",
                           "attachments",  "ascending",      "limit"};
    size_t cap = 256, len = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = lrs_param(c, names[i]);
        if (v)
            cap += strlen(names[i]) + 3 * strlen(v) + 2;
    }
    char *url = dla_arena_alloc(a, cap);
    if (!url)
        return;
    len = (size_t)snprintf(url, cap, "%s?", dla_req_path(c->req));
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = lrs_param(c, names[i]);
        if (!v)
            continue;
        char *e = dla_url_encode(a, v, strlen(v));
        if (!e)
            return;
        len += (size_t)snprintf(url + len, cap - len, "%s=%s&", names[i], e);
    }
    len +=
        (size_t)snprintf(url + len, cap - len, "cursor=%llu", (unsigned long long)next);
    if (q->ascending && bound)
        snprintf(url + len, cap - len, "&bound=%llu", (unsigned long long)bound);
    json_object_set_new(res, "more", json_string(url));
}

/* A growing response buffer (malloc). */
typedef struct rbuf_s {
    char *p;
    size_t len, cap;
    int oom;
    uint64_t first_ms;
} rbuf_t;

static void rb_add(rbuf_t *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 8192;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

/* Appends a stored record as the exact format: its JSON with "stored" (and
 * "timestamp" when it arrived without one) added before the closing brace. */
static int rb_record(void *ctx, const lrs_rec_hdr_t *h, const char *js, size_t jl)
{
    rbuf_t *b = ctx;
    char ts[32], tail[96];
    if (jl < 2 || js[jl - 1] != '}')
        return DLA_EIO;
    if (!b->first_ms)
        b->first_ms = h->stored_ms;
    lrs_ms_format(h->stored_ms, ts);
    if (b->p[b->len - 1] != '[')
        rb_add(b, ",", 1);
    rb_add(b, js, jl - 1);
    int n =
        (h->flags & LRS_REC_NOTS)
            ? snprintf(tail, sizeof tail, "%s\"stored\":\"%s\",\"timestamp\":\"%s\"}",
                       jl > 2 ? "," : "", ts, ts)
            : snprintf(tail, sizeof tail, "%s\"stored\":\"%s\"}", jl > 2 ? "," : "", ts);
    rb_add(b, tail, (size_t)n);
    return b->oom ? DLA_ENOMEM : DLA_OK;
}

static void h_get_exact(lrs_ctx_t *c, const lrs_query_t *q, dla_txn_t *t, int have_tid,
                        uint32_t tid)
{
    rbuf_t b = {NULL, 0, 0, 0, 0};
    uint64_t next = 0, bound = 0;
    dla_err_t err = {0};
    rb_add(&b, "{\"statements\":[", strlen("{\"statements\":["));
    if (have_tid &&
        lrs_query_each(c->l, t, tid, q, rb_record, &b, &next, &bound, &err) != DLA_OK) {
        free(b.p);
        lrs_fail(c, 500, "query failed: %s", err.msg);
        return;
    }
    json_t *more = json_object();
    add_more(c, more, q, next, bound);
    char *mtxt = json_dumps(json_object_get(more, "more"), JSON_ENCODE_ANY);
    json_decref(more);
    rb_add(&b, "],\"more\":", strlen("],\"more\":"));
    if (mtxt)
        rb_add(&b, mtxt, strlen(mtxt));
    free(mtxt);
    rb_add(&b, "}", 1);
    if (b.oom || !mtxt) {
        free(b.p);
        lrs_fail(c, 500, "out of memory");
        return;
    }
    lrs_common_headers(c);
    set_time_headers(c, b.first_ms ? b.first_ms : lrs_now_ms());
    dla_resp_body_take(c->req, 200, "application/json", b.p, b.len);
}

static void h_get(lrs_ctx_t *c)
{
    int mine;
    dla_err_t err = {0};
    lrs_query_t q;
    const char *names[64];
    size_t nn = 0;
    dla_form_t f;
    dla_txn_t *t = NULL;
    json_t *stmts = NULL, *res = NULL;
    if (!read_scope(c, &mine))
        return;
    if (c->form) {
        dla_form_t *ff = c->form;
        f = *ff;
    } else {
        const char *qs = dla_req_query_string(c->req);
        if (dla_form_parse(dla_req_arena(c->req), qs, strlen(qs), 60, &f, &err) !=
            DLA_OK) {
            lrs_fail(c, 400, "malformed query string: %s", err.msg);
            return;
        }
    }
    for (size_t i = 0; i < f.count && nn < 64; i++) {
        const char *n = f.pairs[i].name;
        if (c->form &&
            (!strcmp(n, "content") || strcasecmp(n, "Authorization") == 0 ||
             strcasecmp(n, "X-Experience-API-Version") == 0 ||
             strcasecmp(n, "Content-Type") == 0 || strcasecmp(n, "Content-Length") == 0 ||
             strcasecmp(n, "If-Match") == 0 || strcasecmp(n, "If-None-Match") == 0))
            continue;
        names[nn++] = n;
    }
    if (lrs_query_parse(get_param, c, names, nn, c->l->max_limit, &q, &err) != DLA_OK) {
        lrs_fail(c, 400, "%s", err.msg);
        return;
    }
    const char *lang = dla_req_header(c->req, "Accept-Language");
    if (dla_txn_begin(c->l->store, 0, &t, &err) != DLA_OK) {
        lrs_fail(c, 500, "store unavailable");
        return;
    }
    uint32_t tid = 0;
    int have_tid = lrs_tid_get(c->l, t, c->cred.tenant, &tid) == DLA_OK;
    char mykey[DLA_XM_IFI_KEY_MAX];
    if (mine) {
        json_t *auth = cred_authority(c->l, c->cred.key);
        if (!auth || lrs_agent_key(auth, mykey, sizeof mykey) != DLA_OK) {
            json_decref(auth);
            lrs_fail(c, 500, "out of memory");
            goto cleanup;
        }
        json_decref(auth);
    }

    if (q.statement_id || q.voided_id) {
        uint8_t id[16];
        lrs_rec_hdr_t h;
        const char *js;
        size_t jl;
        lrs_uuid_parse(q.statement_id ? q.statement_id : q.voided_id, id);
        if (!have_tid || lrs_stmt_by_id(c->l, t, tid, id, NULL, &h, &js, &jl) != DLA_OK ||
            (q.statement_id && (h.flags & LRS_REC_VOIDED)) ||
            (q.voided_id && !(h.flags & LRS_REC_VOIDED))) {
            set_time_headers(c, 0);
            lrs_fail(c, 404, "no such statement");
            goto cleanup;
        }
        json_t *s = lrs_rec_to_json(&h, js, jl);
        if (mine && s) {
            lrs_key_t *ks = NULL;
            size_t kn = 0, kc = 0;
            uint8_t mh[16];
            int ok = 0;
            lrs_hash16(LRS_IX_FAMILY(LRS_IX_AUTH), mykey, strlen(mykey), mh);
            lrs_stmt_keys(s, &ks, &kn, &kc);
            for (size_t i = 0; i < kn; i++)
                ok |= ks[i].kind == LRS_IX_AUTH && !memcmp(ks[i].hash, mh, 16);
            free(ks);
            if (!ok) {
                json_decref(s);
                set_time_headers(c, 0);
                lrs_fail(c, 404, "no such statement");
                goto cleanup;
            }
        }
        res = s ? format_stmt(s, q.format, lang) : NULL;
        json_decref(s);
        if (!res) {
            lrs_fail(c, 500, "stored statement is unreadable");
            goto cleanup;
        }
        uint64_t ms;
        memcpy(&ms, &h.stored_ms, sizeof ms);
        lrs_common_headers(c);
        set_time_headers(c, ms);
        stmts = json_array();
        json_array_append(stmts, res);
        send_result(c, res, stmts, q.attachments, t, tid);
        goto cleanup;
    }

    if (mine) {
        q.filt[q.nfilt].kind = LRS_IX_AUTH;
        lrs_hash16(LRS_IX_FAMILY(LRS_IX_AUTH), mykey, strlen(mykey),
                   q.filt[q.nfilt].hash);
        q.nfilt++;
    }
    uint64_t next = 0, bound = 0, last_ms = 0;
    json_t *raw = NULL;
    if (q.format == DLA_XM_FORMAT_EXACT && !q.attachments) {
        /* the exact format is the stored text plus stored/timestamp: no parsing */
        h_get_exact(c, &q, t, have_tid, tid);
        goto cleanup;
    }
    if (have_tid) {
        if (lrs_query_run(c->l, t, tid, &q, &raw, &next, &bound, &err) != DLA_OK) {
            lrs_fail(c, 500, "query failed: %s", err.msg);
            goto cleanup;
        }
    } else {
        raw = json_array();
    }
    stmts = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(raw, i, s)
    {
        json_t *fs = format_stmt(s, q.format, lang);
        if (fs)
            json_array_append_new(stmts, fs);
        if (i == 0) {
            int64_t us;
            if (dla_xm_ts_parse(json_string_value(json_object_get(s, "stored")), &us) ==
                DLA_OK)
                last_ms = (uint64_t)us / 1000;
        }
    }
    json_decref(raw);
    res = json_pack("{s:O}", "statements", stmts);
    if (!res) {
        lrs_fail(c, 500, "out of memory");
        goto cleanup;
    }
    add_more(c, res, &q, next, bound);
    lrs_common_headers(c);
    set_time_headers(c, last_ms ? last_ms : lrs_now_ms());
    send_result(c, res, stmts, q.attachments, t, tid);
cleanup:
    json_decref(res);
    json_decref(stmts);
    dla_txn_abort(t);
}

void lrs_h_statements(lrs_ctx_t *c)
{
    const char *m = c->method;
    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        h_get(c);
    else if (strcmp(m, "PUT") == 0)
        h_write(c, 1);
    else if (strcmp(m, "POST") == 0)
        h_write(c, 0);
    else
        lrs_fail(c, 405, "statements supports GET, HEAD, PUT and POST");
}

/* ---- emitter ------------------------------------------------------------------ */

int lrs_emit(void *ctx, const char *tenant, json_t *statement, char *id_out,
             dla_err_t *err)
{
    lrs_t *l = ctx;
    lrs_job_t job;
    int rc;
    if (!tenant || !dla_tenant_valid_id(tenant))
        return dla_err_set(err, DLA_EINVAL, "invalid tenant");
    json_t *auth = dla_xm_authority_account(l->base_url, "dla");
    if (!auth)
        return DLA_ENOMEM;
    lrs_job_init(&job, tenant);
    job.items = calloc(1, sizeof(lrs_item_t));
    if (!job.items) {
        rc = DLA_ENOMEM;
        goto cleanup;
    }
    rc = lrs_item_prepare(statement, DLA_XAPI_V200, auth, 0, &job.items[0], err);
    if (rc != DLA_OK)
        goto cleanup;
    job.n = 1;
    lrs_submit(l, &job);
    rc = lrs_job_wait(&job);
    if (rc != DLA_OK) {
        if (err)
            *err = job.err;
        goto cleanup;
    }
    if (id_out)
        lrs_uuid_format(job.items[0].id, id_out);
cleanup:
    lrs_job_free(&job);
    json_decref(auth);
    return rc;
}
