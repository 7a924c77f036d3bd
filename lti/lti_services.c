/* lti_services.c - calls back to the LMS: LTI 1.1 Basic Outcomes, LTI 1.3
 * Assignment and Grade Services (client-credentials token with a JWT client
 * assertion, cached) and Names and Role Provisioning; the grade sink and
 * GET /api/v1/roster.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "dla_api.h"
#include "dla_auth.h"
#include "dla_log.h"
#include "lti_int.h"

#define AGS_SCOPE "https://purl.imsglobal.org/spec/lti-ags/scope/"
#define NRPS_SCOPE                                                                       \
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

/* ---- token cache ------------------------------------------------------------------ */

typedef struct tok_s {
    char key[1400]; /* iss NUL client_id NUL scope, flattened with '\n' */
    char token[2048];
    int64_t expires;
    struct tok_s *next;
} tok_t;

struct lti_tokens_s {
    pthread_mutex_t mu;
    tok_t *head;
    int n;
};

int lti_tokens_new(lti_tokens_t **out)
{
    lti_tokens_t *t = calloc(1, sizeof *t);
    if (!t)
        return DLA_ENOMEM;
    pthread_mutex_init(&t->mu, NULL);
    *out = t;
    return DLA_OK;
}

void lti_tokens_free(lti_tokens_t *t)
{
    if (!t)
        return;
    for (tok_t *e = t->head, *n; e; e = n) {
        n = e->next;
        free(e);
    }
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* Gets an access token for `scope` (space-separated) into out[2048]. */
static int access_token(lti_state_t *st, const lti_platform_t *p, const char *scope,
                        char *out, dla_err_t *err)
{
    char key[1400];
    int64_t now = dla_now();
    snprintf(key, sizeof key, "%s\n%s\n%s", p->issuer, p->client_id, scope);
    pthread_mutex_lock(&st->tokens->mu);
    for (tok_t *e = st->tokens->head; e; e = e->next)
        if (strcmp(e->key, key) == 0 && e->expires > now) {
            snprintf(out, 2048, "%s", e->token);
            pthread_mutex_unlock(&st->tokens->mu);
            return DLA_OK;
        }
    pthread_mutex_unlock(&st->tokens->mu);

    char jti[48];
    lti_random_token(jti, sizeof jti, 18);
    const char *aud = p->auth_audience[0] ? p->auth_audience : p->token_url;
    json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", p->client_id,
                               "sub", p->client_id, "aud", aud, "iat", (json_int_t)now,
                               "exp", (json_int_t)now + 300, "jti", jti);
    cjose_jwk_t *k = lti_keys_current(st->keys);
    char *assertion = claims && k ? lti_jwt_sign(claims, k, err) : NULL;
    json_decref(claims);
    if (k)
        cjose_jwk_release(k);
    if (!assertion)
        return DLA_ERR;
    dla_arena_t *a = dla_arena_new(4096);
    char *body =
        a ? dla_arena_sprintf(
                a,
                "grant_type=client_credentials&client_assertion_type=urn%%3Aietf%%3A"
                "params%%3Aoauth%%3Aclient-assertion-type%%3Ajwt-bearer"
                "&client_assertion=%s&scope=%s",
                assertion, dla_url_encode(a, scope, strlen(scope)))
          : NULL;
    free(assertion);
    if (!body) {
        dla_arena_destroy(a);
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    }
    const char *hdr[] = {"Content-Type: application/x-www-form-urlencoded",
                         "Accept: application/json", NULL};
    lti_http_resp_t r;
    int rc = lti_http("POST", p->token_url, hdr, body, strlen(body), &r, err);
    dla_arena_destroy(a);
    if (rc != DLA_OK)
        return rc;
    json_t *j = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    const char *tok = json_string_value(json_object_get(j, "access_token"));
    json_int_t ttl = json_integer_value(json_object_get(j, "expires_in"));
    if (!tok || strlen(tok) >= 2048) {
        rc = dla_err_set(err, DLA_EUPSTREAM, "token endpoint answered HTTP %ld: %.120s",
                         r.status, r.body);
    } else {
        snprintf(out, 2048, "%s", tok);
        tok_t *e = calloc(1, sizeof *e);
        if (e) {
            snprintf(e->key, sizeof e->key, "%s", key);
            snprintf(e->token, sizeof e->token, "%s", tok);
            e->expires = now + (ttl > 60 ? ttl - 30 : 30);
            pthread_mutex_lock(&st->tokens->mu);
            /* replace an old entry for the key, keep the list bounded */
            tok_t **pp = &st->tokens->head;
            while (*pp) {
                if (strcmp((*pp)->key, key) == 0 || (*pp)->expires <= now) {
                    tok_t *d = *pp;
                    *pp = d->next;
                    free(d);
                    st->tokens->n--;
                } else {
                    pp = &(*pp)->next;
                }
            }
            if (st->tokens->n < 4096) {
                e->next = st->tokens->head;
                st->tokens->head = e;
                st->tokens->n++;
            } else {
                free(e);
            }
            pthread_mutex_unlock(&st->tokens->mu);
        }
    }
    json_decref(j);
    lti_http_resp_free(&r);
    return rc;
}

static int rec_platform(lti_state_t *st, json_t *rec, lti_platform_t *p, dla_err_t *err)
{
    if (lti_platform_get(st->app->store, json_string_value(json_object_get(rec, "iss")),
                         json_string_value(json_object_get(rec, "cid")), p) != DLA_OK)
        return dla_err_set(err, DLA_ENOTFOUND,
                           "platform of the launch is no longer registered");
    return DLA_OK;
}

/* ---- AGS ------------------------------------------------------------------------- */

static int has_scope(json_t *ags, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(ags, "scope"), i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    }
    return 0;
}

/* "<path>/scores?<query>" from a line item URL. New malloc()ed string. */
static char *scores_url(const char *lineitem)
{
    const char *q = strchr(lineitem, '?');
    size_t pl = q ? (size_t)(q - lineitem) : strlen(lineitem);
    while (pl > 0 && lineitem[pl - 1] == '/')
        pl--;
    size_t n = pl + 8 + (q ? strlen(q) : 0) + 1;
    char *o = malloc(n);
    if (o)
        snprintf(o, n, "%.*s/scores%s", (int)pl, lineitem, q ? q : "");
    return o;
}

/* Zone-qualified ISO 8601 timestamp with milliseconds, strictly increasing. */
static void score_timestamp(char out[40])
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static long long last;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    long long ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
    pthread_mutex_lock(&mu);
    if (ms <= last)
        ms = last + 1;
    last = ms;
    pthread_mutex_unlock(&mu);
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char b[32];
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%03lldZ", b, ms % 1000);
}

static char *find_or_create_lineitem(lti_state_t *st, json_t *rec, const char *lineitems,
                                     const char *bearer, dla_err_t *err)
{
    const char *rlid = json_string_value(json_object_get(rec, "resource_link_id"));
    char auth[2100];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
    const char *hdr[] = {
        auth, "Accept: application/vnd.ims.lis.v2.lineitemcontainer+json", NULL};
    lti_http_resp_t r;
    char *found = NULL;
    /* narrow the search to the launch's resource link (AGS container filter) */
    dla_arena_t *qa = dla_arena_new(1024);
    char *enc = qa && rlid ? dla_url_encode(qa, rlid, strlen(rlid)) : NULL;
    char *url = enc ? dla_arena_sprintf(qa, "%s%sresource_link_id=%s", lineitems,
                                        strchr(lineitems, '?') ? "&" : "?", enc)
                    : NULL;
    int hrc = lti_http("GET", url ? url : lineitems, hdr, NULL, 0, &r, err);
    dla_arena_destroy(qa);
    if (hrc != DLA_OK)
        return NULL;
    json_t *arr = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    lti_http_resp_free(&r);
    size_t i;
    json_t *li;
    json_array_foreach(arr, i, li)
    {
        const char *rid = json_string_value(json_object_get(li, "resourceId"));
        const char *lrl = json_string_value(json_object_get(li, "resourceLinkId"));
        const char *id = json_string_value(json_object_get(li, "id"));
        if (id && ((rid && strcmp(rid, "diagnostic") == 0) ||
                   (rlid && lrl && strcmp(lrl, rlid) == 0))) {
            found = strdup(id);
            break;
        }
    }
    json_decref(arr);
    if (found)
        return found;
    json_t *nl =
        json_pack("{s:i, s:s, s:s, s:s, s:s?}", "scoreMaximum", 100, "label", "DigComp",
                  "resourceId", "diagnostic", "tag", "dla", "resourceLinkId", rlid);
    char *body = nl ? json_dumps(nl, JSON_COMPACT) : NULL;
    json_decref(nl);
    if (!body) {
        dla_err_set(err, DLA_ENOMEM, "out of memory");
        return NULL;
    }
    const char *phdr[] = {auth, "Content-Type: application/vnd.ims.lis.v2.lineitem+json",
                          "Accept: application/vnd.ims.lis.v2.lineitem+json", NULL};
    int rc = lti_http("POST", lineitems, phdr, body, strlen(body), &r, err);
    free(body);
    if (rc != DLA_OK)
        return NULL;
    json_t *created =
        (r.status == 200 || r.status == 201) ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(created, "id"));
    if (id)
        found = strdup(id);
    else
        dla_err_set(err, DLA_EUPSTREAM, "line item creation answered HTTP %ld", r.status);
    json_decref(created);
    lti_http_resp_free(&r);
    return found;
}

int lti_ags_score(lti_state_t *st, json_t *rec, double score, const char *comment,
                  dla_err_t *err)
{
    lti_platform_t p;
    json_t *ags = json_object_get(rec, "ags");
    const char *lineitem = json_string_value(json_object_get(ags, "lineitem"));
    const char *lineitems = json_string_value(json_object_get(ags, "lineitems"));
    char *li = NULL, *surl = NULL, *body = NULL;
    char tok[2048], scope[512];
    int rc;
    if (!ags || (!lineitem && !lineitems))
        return dla_err_set(err, DLA_ENOTFOUND, "the launch carried no grade service");
    if (!has_scope(ags, AGS_SCOPE "score"))
        return dla_err_set(err, DLA_EFORBIDDEN,
                           "the platform did not grant the score scope");
    if ((rc = rec_platform(st, rec, &p, err)) != DLA_OK)
        return rc;
    snprintf(scope, sizeof scope, "%s%s", AGS_SCOPE "score",
             !lineitem && has_scope(ags, AGS_SCOPE "lineitem") ? " " AGS_SCOPE "lineitem"
                                                               : "");
    if ((rc = access_token(st, &p, scope, tok, err)) != DLA_OK)
        goto cleanup;
    li = lineitem ? strdup(lineitem)
                  : find_or_create_lineitem(st, rec, lineitems, tok, err);
    if (!li) {
        rc = err && err->code ? err->code : DLA_EUPSTREAM;
        goto cleanup;
    }
    surl = scores_url(li);
    char ts[40];
    score_timestamp(ts);
    json_t *sj =
        json_pack("{s:s, s:f, s:i, s:s, s:s, s:s}", "userId",
                  json_string_value(json_object_get(rec, "sub")), "scoreGiven",
                  score * 100.0, "scoreMaximum", 100, "activityProgress", "Completed",
                  "gradingProgress", "FullyGraded", "timestamp", ts);
    if (sj && comment)
        json_object_set_new(sj, "comment", json_string(comment));
    body = sj ? json_dumps(sj, JSON_COMPACT) : NULL;
    json_decref(sj);
    if (!surl || !body) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    char auth[2100];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    const char *hdr[] = {auth, "Content-Type: application/vnd.ims.lis.v1.score+json",
                         NULL};
    lti_http_resp_t r;
    if ((rc = lti_http("POST", surl, hdr, body, strlen(body), &r, err)) != DLA_OK)
        goto cleanup;
    if (r.status < 200 || r.status > 299)
        rc = dla_err_set(err, DLA_EUPSTREAM, "score rejected with HTTP %ld: %.120s",
                         r.status, r.body);
    lti_http_resp_free(&r);
cleanup:
    free(li);
    free(surl);
    free(body);
    lti_platform_clear(&p);
    return rc;
}

/* ---- NRPS ------------------------------------------------------------------------ */

int lti_nrps_members(lti_state_t *st, json_t *rec, json_t **out, dla_err_t *err)
{
    lti_platform_t p;
    const char *url = json_string_value(
        json_object_get(json_object_get(rec, "nrps"), "context_memberships_url"));
    char tok[2048];
    int rc;
    *out = NULL;
    if (!url)
        return dla_err_set(err, DLA_ENOTFOUND, "the launch carried no roster service");
    if ((rc = rec_platform(st, rec, &p, err)) != DLA_OK)
        return rc;
    json_t *all = json_array();
    char *next = strdup(url);
    if ((rc = access_token(st, &p, NRPS_SCOPE, tok, err)) != DLA_OK)
        goto cleanup;
    char auth[2100];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", tok);
    const char *hdr[] = {
        auth, "Accept: application/vnd.ims.lti-nrps.v2.membershipcontainer+json", NULL};
    for (int page = 0; next && page < 100; page++) {
        lti_http_resp_t r;
        if ((rc = lti_http("GET", next, hdr, NULL, 0, &r, err)) != DLA_OK)
            goto cleanup;
        free(next);
        next = NULL;
        json_t *j = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
        json_t *members = json_object_get(j, "members");
        if (!json_is_array(members)) {
            rc = dla_err_set(err, DLA_EUPSTREAM, "membership service answered HTTP %ld",
                             r.status);
            json_decref(j);
            lti_http_resp_free(&r);
            goto cleanup;
        }
        json_array_extend(all, members);
        json_decref(j);
        if (r.link_next)
            next = strdup(r.link_next);
        lti_http_resp_free(&r);
        if (json_array_size(all) > 100000)
            break;
    }
    *out = all;
    all = NULL;
    rc = DLA_OK;
cleanup:
    free(next);
    json_decref(all);
    lti_platform_clear(&p);
    return rc;
}

static void roster_work(dla_req_t *req, void *ud);

void lti_h_roster(dla_req_t *req, void *ud)
{
    lti_offload(req, roster_work, ud);
}

static void roster_work(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    dla_session_t sess;
    dla_err_t err = {0};
    if (dla_api_session(req, st->app, &sess) != DLA_OK) {
        /* the API module answers 401 itself; a placeholder API may not */
        const char *h = dla_req_header(req, "Authorization");
        if (dla_resp_done(req))
            return;
        if (!h || strncmp(h, "Bearer ", 7) != 0 ||
            dla_session_get(st->app->store, h + 7, &sess) != DLA_OK) {
            dla_resp_error(req, 401, "unauthorized", "a valid session token is required");
            return;
        }
    }
    if (!(sess.roles & (DLA_ROLE_SUPERVISOR | DLA_ROLE_HR | DLA_ROLE_ADMIN))) {
        dla_resp_error(req, 403, "forbidden", "the roster is for supervisors and HR");
        return;
    }
    json_t *rec = lti_launch_load(st, sess.launch);
    if (!rec || !json_object_get(rec, "nrps")) {
        json_decref(rec);
        dla_resp_error(req, 404, "no_roster",
                       "the LMS did not offer a course roster for this launch");
        return;
    }
    json_t *members = NULL;
    if (lti_nrps_members(st, rec, &members, &err) != DLA_OK) {
        json_decref(rec);
        dla_resp_error(req, 502, "upstream", "%s", err.msg);
        return;
    }
    const char *iss = json_string_value(json_object_get(rec, "iss"));
    json_t *out = json_array(), *m;
    size_t i;
    json_array_foreach(members, i, m)
    {
        const char *uid = json_string_value(json_object_get(m, "user_id"));
        if (!uid)
            continue;
        char dla_uid[65];
        dla_identity_user_id(sess.tenant, iss, uid, dla_uid);
        json_t *roles = json_object_get(m, "roles");
        char rbuf[64];
        dla_role_format(lti_roles_map13(roles), rbuf, sizeof rbuf);
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:O?}", "user_id", dla_uid,
                           "lti_user_id", uid, "name",
                           json_string_value(json_object_get(m, "name")), "email",
                           json_string_value(json_object_get(m, "email")), "status",
                           json_string_value(json_object_get(m, "status")), "roles", rbuf,
                           "lti_roles", roles));
    }
    json_t *resp =
        json_pack("{s:s?, s:o}", "context",
                  json_string_value(json_object_get(rec, "context")), "members", out);
    json_decref(members);
    json_decref(rec);
    dla_resp_json(req, 200, resp);
}

/* ---- LTI 1.1 Basic Outcomes ---------------------------------------------------------
 */

int lti_outcome_send(lti_state_t *st, json_t *rec, lti_pox_op_t op, double score,
                     lti_pox_resp_t *resp, dla_err_t *err)
{
    const char *url = json_string_value(json_object_get(rec, "outcome_url"));
    const char *sid = json_string_value(json_object_get(rec, "sourcedid"));
    lti_consumer_t cons;
    char msgid[48];
    size_t len = 0;
    int rc;
    if (!url || !sid)
        return dla_err_set(err, DLA_ENOTFOUND, "the launch carried no outcome service");
    if (lti_consumer_get(st->app->store,
                         json_string_value(json_object_get(rec, "consumer")),
                         &cons) != DLA_OK)
        return dla_err_set(err, DLA_ENOTFOUND, "the consumer of the launch was removed");
    lti_random_token(msgid, sizeof msgid, 12);
    char *xml = lti_pox_build(op, msgid, sid, score, "en", &len);
    if (!xml)
        return dla_err_set(err, DLA_EINVAL, "could not build the outcomes request");
    dla_arena_t *a = dla_arena_new(8192);
    lti_params_t sp = {0};
    const char *q = strchr(url, '?');
    char *bh = a ? lti_oauth_body_hash(a, xml, len) : NULL;
    if (!bh) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    if (q && (rc = lti_form_params(a, "", 0, q + 1, &sp, err)) != DLA_OK)
        goto cleanup;
    if ((rc = lti_oauth_sign(a, "POST", url, &sp, cons.key, cons.secret, bh, err)) !=
        DLA_OK)
        goto cleanup;
    char *authz = lti_oauth_header(a, &sp);
    char *ah = authz ? dla_arena_sprintf(a, "Authorization: %s", authz) : NULL;
    if (!ah) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    const char *hdr[] = {ah, "Content-Type: application/xml", NULL};
    lti_http_resp_t r;
    if ((rc = lti_http("POST", url, hdr, xml, len, &r, err)) != DLA_OK)
        goto cleanup;
    if (r.status != 200) {
        rc = dla_err_set(err, DLA_EUPSTREAM, "outcomes service answered HTTP %ld",
                         r.status);
    } else if ((rc = lti_pox_parse(r.body, r.len, 0, resp, NULL, 0, err)) == DLA_OK &&
               strcmp(resp->code_major, "success") != 0) {
        rc = dla_err_set(err, DLA_EUPSTREAM, "outcomes service answered %s: %.100s",
                         resp->code_major, resp->description);
    }
    lti_http_resp_free(&r);
cleanup:
    dla_arena_destroy(a);
    free(xml);
    return rc;
}

/* ---- the grade sink ------------------------------------------------------------------
 */

int lti_grade_sync(lti_state_t *st, const dla_session_t *sess, double score,
                   const char *comment, dla_err_t *err)
{
    if (!(score >= 0.0 && score <= 1.0))
        return dla_err_set(err, DLA_EINVAL, "score must be within 0..1");
    json_t *rec = lti_launch_load(st, sess->launch);
    if (!rec)
        return dla_err_set(err, DLA_ENOTFOUND, "the session has no LMS launch to grade");
    const char *tenant = json_string_value(json_object_get(rec, "tenant"));
    int rc;
    if (!tenant || strcmp(tenant, sess->tenant) != 0) {
        rc = dla_err_set(err, DLA_EFORBIDDEN, "launch belongs to another tenant");
    } else if (strcmp(json_string_value(json_object_get(rec, "v")) ?: "", "1.1") == 0) {
        lti_pox_resp_t resp;
        rc = lti_outcome_send(st, rec, LTI_POX_REPLACE, score, &resp, err);
    } else {
        rc = lti_ags_score(st, rec, score, comment, err);
    }
    json_decref(rec);
    return rc;
}

/* ---- the asynchronous grade queue ------------------------------------------------
 * The sink is called from request handlers (the diagnostic's last answer): the
 * LMS call must not hold an HTTP worker for up to the 15 s timeout. Jobs go to
 * one background thread, started on first use; an unreachable LMS (network
 * error, HTTP 5xx) is retried after 5 s, 30 s and 2 min. Jobs still queued at
 * shutdown are logged and dropped. */

typedef struct gjob_s {
    dla_session_t sess;
    double score;
    char comment[256];
    int attempt;
    int64_t due;
    struct gjob_s *next;
} gjob_t;

struct lti_gradeq_s {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    gjob_t *head;
    int n, stop, started;
    pthread_t th;
    lti_state_t *st;
};

static void *gradeq_main(void *arg)
{
    lti_gradeq_t *q = arg;
    static const int backoff[] = {5, 30, 120};
    pthread_mutex_lock(&q->mu);
    while (!q->stop) {
        int64_t now = dla_now();
        gjob_t **pp = &q->head, *job = NULL;
        int64_t next_due = 0;
        for (; *pp; pp = &(*pp)->next)
            if ((*pp)->due <= now) {
                job = *pp;
                *pp = job->next;
                q->n--;
                break;
            } else if (!next_due || (*pp)->due < next_due) {
                next_due = (*pp)->due;
            }
        if (!job) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += next_due ? (time_t)(next_due - now) : 60;
            pthread_cond_timedwait(&q->cv, &q->mu, &ts);
            continue;
        }
        pthread_mutex_unlock(&q->mu);
        dla_err_t err = {0};
        int rc = lti_grade_sync(q->st, &job->sess, job->score,
                                job->comment[0] ? job->comment : NULL, &err);
        pthread_mutex_lock(&q->mu);
        if (rc == DLA_EUPSTREAM && job->attempt < 3 && !q->stop) {
            dla_log(DLA_LOG_WARN, "lti: grade passback failed, retrying in %d s: %s",
                    backoff[job->attempt], err.msg);
            job->due = dla_now() + backoff[job->attempt];
            job->attempt++;
            job->next = q->head;
            q->head = job;
            q->n++;
            continue;
        }
        if (rc != DLA_OK)
            dla_log(DLA_LOG_WARN, "lti: grade passback failed: %s", err.msg);
        free(job);
    }
    for (gjob_t *j = q->head, *n; j; j = n) {
        n = j->next;
        dla_log(DLA_LOG_WARN, "lti: shutting down with an unsent grade for session of %s",
                j->sess.user_id);
        free(j);
    }
    q->head = NULL;
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

int lti_gradeq_new(lti_state_t *st, lti_gradeq_t **out)
{
    lti_gradeq_t *q = calloc(1, sizeof *q);
    if (!q)
        return DLA_ENOMEM;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    q->st = st;
    *out = q;
    return DLA_OK;
}

void lti_gradeq_free(lti_gradeq_t *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stop = 1;
    pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (q->started)
        pthread_join(q->th, NULL);
    for (gjob_t *j = q->head, *n; j; j = n) {
        n = j->next;
        free(j);
    }
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

/* The grade sink (dla_app.h): checks synchronously that the session's launch has
 * a grade service, then queues the call to the LMS. */
int lti_grade(void *ctx, const dla_session_t *sess, double score, const char *comment,
              dla_err_t *err)
{
    lti_state_t *st = ctx;
    lti_gradeq_t *q = st->gradeq;
    if (!(score >= 0.0 && score <= 1.0))
        return dla_err_set(err, DLA_EINVAL, "score must be within 0..1");
    json_t *rec = lti_launch_load(st, sess->launch);
    json_t *ags = json_object_get(rec, "ags");
    int has =
        rec && (json_object_get(rec, "outcome_url") || json_object_get(ags, "lineitem") ||
                json_object_get(ags, "lineitems"));
    json_decref(rec);
    if (!has)
        return dla_err_set(err, DLA_ENOTFOUND, "the launch carried no grade service");
    gjob_t *job = calloc(1, sizeof *job);
    if (!job)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    job->sess = *sess;
    job->score = score;
    snprintf(job->comment, sizeof job->comment, "%s", comment ? comment : "");
    job->due = 0;
    int rc = DLA_OK;
    pthread_mutex_lock(&q->mu);
    if (q->stop || q->n >= 10000) {
        rc = dla_err_set(err, DLA_EFULL, "grade queue full or stopping");
    } else if (!q->started && pthread_create(&q->th, NULL, gradeq_main, q) != 0) {
        rc = dla_err_set(err, DLA_ERR, "could not start the grade thread");
    } else {
        q->started = 1;
        job->next = q->head;
        q->head = job;
        q->n++;
        job = NULL;
        pthread_cond_signal(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    free(job);
    return rc;
}
