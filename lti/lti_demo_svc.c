/* lti_demo_svc.c - the demo LMS's services, so a newcomer sees grades and
 * rosters travel without a real LMS: an OAuth 2 token endpoint (client
 * assertion signed with the tool's key), AGS line items and scores, an NRPS
 * roster with paging, LTI 1.1 Basic Outcomes, and a gradebook page. Everything
 * is kept in memory (the demo forgets on restart).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dla_auth.h"
#include "dla_i18n.h"
#include "dla_log.h"
#include "lti_int.h"

#define DEMO_CLIENT "dla-demo"
#define MAX_TOKENS 64
#define MAX_ITEMS 32
#define MAX_GRADES 256

typedef struct grade_s {
    char item[16]; /* line item number, or "1.1" for Basic Outcomes */
    char user[64];
    double score; /* 0..1 */
    char when[40];
} grade_t;

struct lti_demo_svc_s {
    pthread_mutex_t mu;
    char secret[64];
    char tokens[MAX_TOKENS][48];
    int64_t token_exp[MAX_TOKENS];
    int ntok;
    json_t *items; /* array of line items */
    grade_t grades[MAX_GRADES];
    int ngrades;
};

static const char *const MEMBERS[][3] = {
    {"demo-learner", "Rūta Petraitienė", "Learner"},
    {"demo-supervisor", "Tomas Kazlauskas", "Instructor"},
    {"demo-hr", "Asta Jonaitienė", "Administrator"},
    {"demo-4", "Ona Jankauskienė", "Learner"},
    {"demo-5", "Jonas Vaitkus", "Learner"},
    {"demo-6", "Eglė Stankevičienė", "Learner"},
    {"demo-7", "Mindaugas Butkus", "Learner"},
};
#define NMEMBERS (sizeof MEMBERS / sizeof MEMBERS[0])

static void now_iso(char out[40])
{
    time_t t = (time_t)dla_now();
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 40, "%Y-%m-%d %H:%M UTC", &tm);
}

static void add_grade(lti_demo_svc_t *s, const char *item, const char *user, double score)
{
    pthread_mutex_lock(&s->mu);
    int slot = -1;
    for (int i = 0; i < s->ngrades; i++)
        if (strcmp(s->grades[i].item, item) == 0 && strcmp(s->grades[i].user, user) == 0)
            slot = i;
    if (slot < 0)
        slot = s->ngrades < MAX_GRADES ? s->ngrades++ : MAX_GRADES - 1;
    grade_t *g = &s->grades[slot];
    snprintf(g->item, sizeof g->item, "%s", item);
    snprintf(g->user, sizeof g->user, "%s", user);
    g->score = score;
    now_iso(g->when);
    pthread_mutex_unlock(&s->mu);
}

static int bearer_ok(lti_demo_svc_t *s, dla_req_t *req)
{
    const char *h = dla_req_header(req, "Authorization");
    int ok = 0;
    if (!h || strncmp(h, "Bearer ", 7) != 0)
        return 0;
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->ntok; i++)
        if (dla_ct_streq(s->tokens[i], h + 7) && s->token_exp[i] > dla_now())
            ok = 1;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

/* POST /demo/token: client_credentials with a JWT client assertion. */
static void h_token(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    lti_demo_svc_t *s = st->demo_svc;
    dla_err_t err = {0};
    lti_params_t p;
    size_t blen = 0;
    json_t *h = NULL, *pl = NULL, *jwks = NULL;
    cjose_jwk_t *k = NULL;
    const char *body = dla_req_body(req, &blen);
    if (lti_form_params(dla_req_arena(req), body, blen, NULL, &p, &err) != DLA_OK) {
        dla_resp_error(req, 400, "invalid_request", "%s", err.msg);
        return;
    }
    const char *ca = lti_params_get(&p, "client_assertion");
    const char *gt = lti_params_get(&p, "grant_type");
    if (!ca || !gt || strcmp(gt, "client_credentials") != 0 ||
        lti_jwt_decode(ca, strlen(ca), &h, &pl, &err) != DLA_OK) {
        dla_resp_error(req, 400, "invalid_request",
                       "client_credentials with a client assertion");
        goto cleanup;
    }
    jwks = lti_keys_jwks(st->keys);
    k = lti_jwks_find(jwks, json_string_value(json_object_get(h, "kid")));
    char aud[700];
    snprintf(aud, sizeof aud, "%s/demo/token", st->app->base_url);
    lti_claims_req_t cr = {DEMO_CLIENT, aud, dla_now(), st->leeway};
    const char *sub = json_string_value(json_object_get(pl, "sub"));
    if (!k || lti_jwt_verify_sig(ca, strlen(ca), k, &err) != DLA_OK ||
        lti_jwt_check_claims(pl, &cr, &err) != DLA_OK || !sub ||
        strcmp(sub, DEMO_CLIENT)) {
        dla_resp_error(req, 401, "invalid_client", "client assertion refused");
        goto cleanup;
    }
    char tok[48];
    lti_random_token(tok, sizeof tok, 24);
    pthread_mutex_lock(&s->mu);
    int slot = s->ntok < MAX_TOKENS ? s->ntok++ : (int)(dla_now() % MAX_TOKENS);
    snprintf(s->tokens[slot], sizeof s->tokens[slot], "%s", tok);
    s->token_exp[slot] = dla_now() + 3600;
    pthread_mutex_unlock(&s->mu);
    const char *scope = lti_params_get(&p, "scope");
    dla_resp_json(req, 200,
                  json_pack("{s:s, s:s, s:i, s:s}", "access_token", tok, "token_type",
                            "Bearer", "expires_in", 3600, "scope", scope ? scope : ""));
cleanup:
    if (k)
        cjose_jwk_release(k);
    json_decref(jwks);
    json_decref(h);
    json_decref(pl);
}

/* GET|POST /demo/ags/lineitems */
static void h_lineitems(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    lti_demo_svc_t *s = st->demo_svc;
    if (!bearer_ok(s, req)) {
        dla_resp_error(req, 401, "unauthorized", "bearer token required");
        return;
    }
    if (strcmp(dla_req_method(req), "GET") == 0) {
        pthread_mutex_lock(&s->mu);
        json_t *copy = json_deep_copy(s->items);
        pthread_mutex_unlock(&s->mu);
        dla_resp_header(req, "Content-Type",
                        "application/vnd.ims.lis.v2.lineitemcontainer+json");
        dla_resp_json(req, 200, copy);
        return;
    }
    size_t blen = 0;
    const char *body = dla_req_body(req, &blen);
    json_t *li = json_loadb(body, blen, 0, NULL);
    if (!json_is_object(li) || !json_is_number(json_object_get(li, "scoreMaximum")) ||
        !json_string_value(json_object_get(li, "label"))) {
        json_decref(li);
        dla_resp_error(req, 400, "bad_request",
                       "a line item needs scoreMaximum and label");
        return;
    }
    pthread_mutex_lock(&s->mu);
    size_t n = json_array_size(s->items);
    char id[700];
    snprintf(id, sizeof id, "%s/demo/ags/lineitems/%zu", st->app->base_url, n + 1);
    json_object_set_new(li, "id", json_string(id));
    if (n < MAX_ITEMS)
        json_array_append(s->items, li);
    pthread_mutex_unlock(&s->mu);
    dla_resp_json(req, 201, li);
}

/* POST /demo/ags/lineitems/{id}/scores */
static void h_scores(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    lti_demo_svc_t *s = st->demo_svc;
    const char *ct = dla_req_header(req, "Content-Type");
    const char *id = dla_req_param(req, "id");
    if (!bearer_ok(s, req)) {
        dla_resp_error(req, 401, "unauthorized", "bearer token required");
        return;
    }
    if (!ct || strcmp(ct, "application/vnd.ims.lis.v1.score+json") != 0) {
        dla_resp_error(req, 415, "unsupported_media_type", "score+json expected");
        return;
    }
    size_t blen = 0;
    const char *body = dla_req_body(req, &blen);
    json_t *sc = json_loadb(body, blen, 0, NULL);
    const char *user = json_string_value(json_object_get(sc, "userId"));
    double given = json_number_value(json_object_get(sc, "scoreGiven"));
    double max = json_number_value(json_object_get(sc, "scoreMaximum"));
    if (!user || !(max > 0) || strlen(id) > 8) {
        json_decref(sc);
        dla_resp_error(req, 400, "bad_request",
                       "userId, scoreGiven and scoreMaximum expected");
        return;
    }
    add_grade(s, id, user, given / max);
    json_decref(sc);
    dla_resp_empty(req, 204);
}

/* GET /demo/nrps/memberships?limit=&offset= */
static void h_members(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    lti_demo_svc_t *s = st->demo_svc;
    if (!bearer_ok(s, req)) {
        dla_resp_error(req, 401, "unauthorized", "bearer token required");
        return;
    }
    const char *ls = dla_req_query(req, "limit"), *os = dla_req_query(req, "offset");
    size_t limit = ls ? strtoul(ls, NULL, 10) : 4, off = os ? strtoul(os, NULL, 10) : 0;
    if (limit == 0 || limit > 100)
        limit = 4;
    json_t *arr = json_array();
    for (size_t i = off; arr && i < NMEMBERS && i < off + limit; i++) {
        char role[128];
        snprintf(role, sizeof role, "http://purl.imsglobal.org/vocab/lis/v2/%s#%s",
                 strcmp(MEMBERS[i][2], "Administrator") == 0 ? "institution/person"
                                                             : "membership",
                 MEMBERS[i][2]);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:[s]}", "user_id",
                                             MEMBERS[i][0], "name", MEMBERS[i][1],
                                             "status", "Active", "roles", role));
    }
    if (off + limit < NMEMBERS) {
        char *link = dla_arena_sprintf(dla_req_arena(req),
                                       "<%s/demo/nrps/memberships?limit=%zu&offset=%zu>; "
                                       "rel=\"next\"",
                                       st->app->base_url, limit, off + limit);
        if (link)
            dla_resp_header(req, "Link", link);
    }
    dla_resp_header(req, "Content-Type",
                    "application/vnd.ims.lti-nrps.v2.membershipcontainer+json");
    dla_resp_json(req, 200,
                  json_pack("{s:{s:s, s:s}, s:o}", "context", "id", "demo-course",
                            "title", "Skaitmeninės kompetencijos", "members", arr));
}

/* POST /demo/outcomes11: LTI 1.1 Basic Outcomes, OAuth body-hash signed. */
static void h_outcomes(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    lti_demo_svc_t *s = st->demo_svc;
    dla_arena_t *a = dla_req_arena(req);
    dla_err_t err = {0};
    lti_params_t hp;
    size_t blen = 0;
    const char *body = dla_req_body(req, &blen);
    char url[700], sid[128];
    lti_pox_resp_t r;
    snprintf(url, sizeof url, "%s/demo/outcomes11", st->app->base_url);
    const char *authz = dla_req_header(req, "Authorization");
    const char *bh = lti_oauth_body_hash(a, body, blen);
    if (!authz || lti_oauth_parse_header(a, authz, &hp, &err) != DLA_OK || !bh ||
        !lti_params_get(&hp, "oauth_body_hash") ||
        strcmp(lti_params_get(&hp, "oauth_body_hash"), bh) != 0 ||
        lti_oauth_verify(a, "POST", url, &hp, s->secret, &err) != DLA_OK) {
        dla_resp_error(req, 401, "unauthorized", "bad OAuth signature");
        return;
    }
    if (lti_pox_parse(body, blen, 1, &r, sid, sizeof sid, &err) != DLA_OK) {
        dla_resp_error(req, 400, "bad_request", "%s", err.msg);
        return;
    }
    const char *major = "success", *op = "replaceResultResponse";
    char extra[160] = "";
    if (strcmp(r.op, "replaceResultRequest") == 0 && r.has_score) {
        add_grade(s, "1.1", sid, r.score);
    } else if (strcmp(r.op, "readResultRequest") == 0) {
        op = "readResultResponse";
        pthread_mutex_lock(&s->mu);
        for (int i = 0; i < s->ngrades; i++)
            if (strcmp(s->grades[i].item, "1.1") == 0 &&
                strcmp(s->grades[i].user, sid) == 0)
                snprintf(extra, sizeof extra,
                         "<result><resultScore><language>en</language><textString>%.4f"
                         "</textString></resultScore></result>",
                         s->grades[i].score);
        pthread_mutex_unlock(&s->mu);
    } else if (strcmp(r.op, "deleteResultRequest") == 0) {
        op = "deleteResultResponse";
    } else {
        major = "unsupported";
    }
    char *xml = dla_arena_sprintf(
        a,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><imsx_POXEnvelopeResponse "
        "xmlns=\"http://"
        "www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0\"><imsx_POXHeader>"
        "<imsx_POXResponseHeaderInfo><imsx_version>V1.0</"
        "imsx_version><imsx_messageIdentifier>"
        "demo</imsx_messageIdentifier><imsx_statusInfo><imsx_codeMajor>%s</"
        "imsx_codeMajor>"
        "<imsx_severity>status</imsx_severity></imsx_statusInfo></"
        "imsx_POXResponseHeaderInfo>"
        "</imsx_POXHeader><imsx_POXBody><%s>%s</%s></imsx_POXBody></"
        "imsx_POXEnvelopeResponse>",
        major, op, extra, op);
    if (!xml) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    dla_resp_body(req, 200, "application/xml", xml, strlen(xml));
}

/* GET /demo/gradebook: what came back from dla. */
static void h_gradebook(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    lti_demo_svc_t *s = st->demo_svc;
    dla_arena_t *a = dla_req_arena(req);
    const char *lang = lti_lang(dla_req_query(req, "lang"));
    char *rows = dla_arena_strdup(a, "");
    pthread_mutex_lock(&s->mu);
    for (int i = 0; rows && i < s->ngrades; i++) {
        const char *who = s->grades[i].user;
        for (size_t m = 0; m < NMEMBERS; m++)
            if (strcmp(MEMBERS[m][0], who) == 0)
                who = MEMBERS[m][1];
        rows = dla_arena_sprintf(
            a, "%s<tr><td>%s</td><td>%s</td><td>%.0f %%</td><td>%s</td></tr>", rows,
            lti_html_escape(a, who),
            strcmp(s->grades[i].item, "1.1") == 0 ? "LTI 1.1" : "LTI 1.3 AGS",
            s->grades[i].score * 100.0, s->grades[i].when);
    }
    pthread_mutex_unlock(&s->mu);
    char *page =
        rows ? dla_arena_sprintf(
                   a,
                   "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                   "<title>%s</title><style>body{font-family:system-ui,sans-serif;"
                   "max-width:44rem;margin:2rem auto;padding:0 1rem}td,th{padding:.3rem "
                   ".8rem;text-align:left;border-bottom:1px solid #ddd}</style></head>"
                   "<body><main><p><a href=\"../demo?lang=%s\">%s</a></p><h1>%s</h1>"
                   "<table><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                   "</tr></thead><tbody>%s</tbody></table><p>%s</p></main></body>"
                   "</html>",
                   lang, dla_t(lang, "lti.demo.gradebook"), lang,
                   dla_t(lang, "lti.demo.back"), dla_t(lang, "lti.demo.gradebook"),
                   dla_t(lang, "lti.demo.col.person"), dla_t(lang, "lti.demo.col.via"),
                   dla_t(lang, "lti.demo.col.score"), dla_t(lang, "lti.demo.col.when"),
                   rows, s->ngrades ? "" : dla_t(lang, "lti.demo.gradebook.empty"))
             : NULL;
    if (!page) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    dla_resp_body(req, 200, "text/html; charset=utf-8", page, strlen(page));
}

int lti_demo_svc_init(lti_state_t *st, const char *secret, dla_err_t *err)
{
    lti_demo_svc_t *s = calloc(1, sizeof *s);
    dla_router_t *r = st->app->router;
    int rc = DLA_OK;
    if (!s || !(s->items = json_array())) {
        free(s);
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&s->mu, NULL);
    snprintf(s->secret, sizeof s->secret, "%s", secret);
    st->demo_svc = s;
    if (r &&
        ((rc = dla_router_add(r, "POST", "/demo/token", h_token, st, 16384, err)) ||
         (rc =
              dla_router_add(r, "GET", "/demo/ags/lineitems", h_lineitems, st, 0, err)) ||
         (rc = dla_router_add(r, "POST", "/demo/ags/lineitems", h_lineitems, st, 16384,
                              err)) ||
         (rc = dla_router_add(r, "POST", "/demo/ags/lineitems/{id}/scores", h_scores, st,
                              16384, err)) ||
         (rc = dla_router_add(r, "GET", "/demo/nrps/memberships", h_members, st, 0,
                              err)) ||
         (rc = dla_router_add(r, "POST", "/demo/outcomes11", h_outcomes, st, LTI_MAX_POX,
                              err)) ||
         (rc = dla_router_add(r, "GET", "/demo/gradebook", h_gradebook, st, 0, err))))
        return rc;
    return DLA_OK;
}

void lti_demo_svc_free(lti_state_t *st)
{
    lti_demo_svc_t *s = st ? st->demo_svc : NULL;
    if (!s)
        return;
    json_decref(s->items);
    pthread_mutex_destroy(&s->mu);
    free(s);
    st->demo_svc = NULL;
}
