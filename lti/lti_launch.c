/* lti_launch.c - /lti/login and /lti/launch (LTI 1.1 and 1.3), platform JWKS
 * cache, role mapping, launch records and sessions.
 *
 * A successful launch upserts the identity, opens a dla session whose token is
 * handed to the UI in the URL fragment (no third-party cookie needed), and
 * stores a launch record (grade and roster services) the session points to.
 * The OIDC state is a single-use server-side TTL record bound to the nonce the
 * platform signs into the id_token, so launches work with cookies blocked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dla_auth.h"
#include "dla_i18n.h"
#include "dla_log.h"
#include "dla_store.h"
#include "lti_int.h"

#define NS_NONCE11 "lti11n"
#define NS_STATE13 "lti13s"
#define NS_NONCE13 "lti13n"
#define NS_LAUNCH "lti_launch"
#define CLAIM "https://purl.imsglobal.org/spec/lti/claim/"

/* ---- launch records ---------------------------------------------------------- */

static int launch_put(lti_state_t *st, dla_ttl_txn_t *t, json_t *rec, char *id_out,
                      dla_err_t *err)
{
    char id[48];
    if (lti_random_token(id, sizeof id, 18) != DLA_OK)
        return dla_err_set(err, DLA_ERR, "no randomness");
    char *s = json_dumps(rec, JSON_COMPACT);
    if (!s)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    int rc = dla_ttl_put(t, NS_LAUNCH, id, strlen(id), s, strlen(s),
                         dla_now() + st->launch_ttl, 0, err);
    free(s);
    if (rc == DLA_OK)
        snprintf(id_out, 64, "%s", id);
    return rc;
}

/* The ephemeral writes of one launch, run inside one transaction of the TTL
 * environment (group-committed, no fsync): consume the 1.3 login state, mark the
 * nonce used, store the launch record, open the session. */
static int launch_write(dla_ttl_txn_t *t, void *ctx, dla_err_t *err)
{
    lti_launch_write_t *w = ctx;
    int rc;
    if (w->state && dla_ttl_del(t, NS_STATE13, w->state, strlen(w->state)) != DLA_OK)
        return dla_err_set(err, DLA_ENOTFOUND, "state already used");
    rc = dla_ttl_put(t, w->nonce_ns, w->nonce_key, w->nonce_klen, "1", 1, w->nonce_exp,
                     DLA_PUT_NOOVERWRITE, err);
    if (rc == DLA_EEXIST)
        return dla_err_set(err, DLA_EREPLAY, "nonce already used");
    if (rc != DLA_OK)
        return rc;
    if (w->rec && (rc = launch_put(w->st, t, w->rec, w->launch_id, err)) != DLA_OK)
        return rc;
    if (w->sess) {
        snprintf(w->sess->launch, sizeof w->sess->launch, "%s", w->launch_id);
        rc = dla_session_open_txn(t, w->sess, w->sess_ttl, err);
    }
    return rc;
}

static int ident_write(dla_txn_t *t, void *ctx, dla_err_t *err)
{
    return dla_identity_upsert_txn(t, ctx, err);
}

/* Whether w's state is still there and its nonce unused (read only), so that a
 * replayed launch is refused before it can rewrite the identity. The TTL write
 * checks both again, atomically. */
static int launch_precheck(lti_state_t *st, const lti_launch_write_t *w, dla_err_t *err)
{
    dla_ttl_txn_t *t;
    dla_val_t v;
    int64_t now = dla_now();
    int rc = dla_ttl_txn_begin(st->app->store, 0, &t, err);
    if (rc != DLA_OK)
        return rc;
    if (w->state &&
        dla_ttl_get(t, NS_STATE13, w->state, strlen(w->state), now, &v) != DLA_OK)
        rc = dla_err_set(err, DLA_ENOTFOUND, "state already used");
    else if (dla_ttl_get(t, w->nonce_ns, w->nonce_key, w->nonce_klen, now, &v) == DLA_OK)
        rc = dla_err_set(err, DLA_EREPLAY, "nonce already used");
    dla_ttl_txn_abort(t);
    return rc;
}

/* Order of a launch's writes: the identity (durable, main environment, only when
 * it changed) first, then the ephemeral records (TTL environment) in one batched
 * write. This order is safe: a crash or a refused TTL write between the two leaves
 * an identity that the platform asserted in a verified launch and no session, so
 * the user only launches again (the upsert is idempotent); the reverse order could
 * leave a session whose identity was never stored. A replay is refused before the
 * identity write (launch_precheck) and, atomically, by the TTL write. */
int lti_launch_commit(lti_state_t *st, lti_launch_write_t *w, dla_err_t *err)
{
    int rc;
    w->st = st;
    if (w->ident && w->ident_write) {
        if ((rc = launch_precheck(st, w, err)) != DLA_OK ||
            (rc = dla_store_batch(st->app->store, ident_write, w->ident, err)) != DLA_OK)
            return rc;
    }
    return dla_store_batch_ttl(st->app->store, launch_write, w, err);
}

json_t *lti_launch_load(lti_state_t *st, const char *id)
{
    dla_ttl_txn_t *t = NULL;
    dla_val_t v;
    json_t *r = NULL;
    if (!id || !*id || dla_ttl_txn_begin(st->app->store, 0, &t, NULL) != DLA_OK)
        return NULL;
    if (dla_ttl_get(t, NS_LAUNCH, id, strlen(id), dla_now(), &v) == DLA_OK)
        r = json_loadb(v.data, v.len, 0, NULL);
    dla_ttl_txn_abort(t);
    return r;
}

/* ---- finishing ----------------------------------------------------------------- */

void lti_finish_launch(lti_state_t *st, dla_req_t *req, dla_identity_t *ident,
                       const char *context, lti_launch_write_t *w, int replay_status)
{
    dla_err_t err = {0};
    dla_session_t sess;
    const char *lang = lti_lang(ident->locale);
    snprintf(ident->locale, sizeof ident->locale, "%s", lang);
    ident->updated = dla_now();
    /* a returning user with unchanged details costs no write (refreshed daily) */
    dla_identity_t old;
    dla_identity_user_id(ident->tenant, ident->issuer, ident->subject, ident->user_id);
    int same =
        dla_identity_get(st->app->store, ident->tenant, ident->user_id, &old) == DLA_OK &&
        strcmp(old.name, ident->name) == 0 && old.roles == ident->roles &&
        strcmp(old.locale, ident->locale) == 0 &&
        strcmp(old.issuer, ident->issuer) == 0 &&
        strcmp(old.subject, ident->subject) == 0 && old.updated + 86400 > ident->updated;
    memset(&sess, 0, sizeof sess);
    snprintf(sess.tenant, sizeof sess.tenant, "%s", ident->tenant);
    snprintf(sess.user_id, sizeof sess.user_id, "%s", ident->user_id);
    sess.roles = ident->roles;
    snprintf(sess.locale, sizeof sess.locale, "%s", lang);
    snprintf(sess.context, sizeof sess.context, "%s", context ? context : "");
    /* identity (when changed) durably, then nonce, launch record and session in
     * one TTL write group-committed with concurrent launches (lti_launch_commit) */
    w->ident = ident;
    w->ident_write = !same;
    w->sess = &sess;
    w->sess_ttl = st->session_ttl;
    int rc = lti_launch_commit(st, w, &err);
    if (rc == DLA_EREPLAY || rc == DLA_ENOTFOUND) {
        lti_fail(req, replay_status, lang, "lti.err.replayed", NULL, err.msg);
        return;
    }
    if (rc != DLA_OK) {
        dla_log(DLA_LOG_ERROR, "lti: launch write failed: %s", err.msg);
        lti_fail(req, 500, lang, "lti.err.internal", NULL, err.msg);
        return;
    }
    char *loc = dla_arena_sprintf(dla_req_arena(req), "%s/app/#token=%s&lang=%s",
                                  st->app->base_url, sess.token, lang);
    if (!loc) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    dla_resp_header(req, "Cache-Control", "no-store");
    dla_resp_header(req, "Referrer-Policy", "no-referrer");
    dla_resp_redirect(req, 303, loc);
}

/* ---- LTI 1.1 ------------------------------------------------------------------- */

static const char *safe_return(const char *u)
{
    if (u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) &&
        strlen(u) < 2000 && !strpbrk(u, "\r\n"))
        return u;
    return NULL;
}

static void launch11(lti_state_t *st, dla_req_t *req, lti_params_t *p)
{
    dla_arena_t *a = dla_req_arena(req);
    dla_err_t err = {0};
    lti_consumer_t cons;
    json_t *rec = NULL;
    char launch_id[64] = "";
    const char *loc = lti_params_get(p, "launch_presentation_locale");
    const char *lang = lti_lang(loc ? loc : dla_req_header(req, "Accept-Language"));
    const char *ret = safe_return(lti_params_get(p, "launch_presentation_return_url"));
    const char *mt = lti_params_get(p, "lti_message_type");
    const char *ver = lti_params_get(p, "lti_version");
    const char *key = lti_params_get(p, "oauth_consumer_key");
    const char *ts = lti_params_get(p, "oauth_timestamp");
    const char *nonce = lti_params_get(p, "oauth_nonce");
    int content_item = mt && strcmp(mt, "ContentItemSelectionRequest") == 0;

    if (!mt || (!content_item && strcmp(mt, "basic-lti-launch-request") != 0)) {
        lti_fail(req, 400, lang, "lti.err.unsupported_message", NULL, mt);
        goto cleanup;
    }
    if (!ver || (strcmp(ver, "LTI-1p0") != 0 && strcmp(ver, "LTI-1p1") != 0)) {
        lti_fail(req, 400, lang, "lti.err.version", NULL, ver);
        goto cleanup;
    }
    if (lti_consumer_get(st->app->store, key, &cons) != DLA_OK) {
        lti_fail(req, 401, lang, "lti.err.unknown_consumer", NULL, key);
        goto cleanup;
    }
    char *end = NULL;
    long long tsv = ts ? strtoll(ts, &end, 10) : 0;
    long long now = (long long)dla_now();
    if (!ts || !*ts || *end || !nonce || !*nonce || strlen(nonce) > 200) {
        lti_fail(req, 401, lang, "lti.err.bad_signature", ret,
                 "missing oauth_timestamp/nonce");
        goto cleanup;
    }
    if (tsv < now - st->oauth_window || tsv > now + st->oauth_window) {
        lti_fail(req, 401, lang, "lti.err.expired_launch", ret,
                 "oauth_timestamp outside window");
        goto cleanup;
    }
    /* the nonces of launches signed before the TTL records were last wiped (OS
     * crash, new boot) may be lost: such a launch could be a replay */
    if (tsv < (long long)dla_store_volatile_since(st->app->store)) {
        lti_fail(
            req, 401, lang, "lti.err.expired_launch", ret,
            "oauth_timestamp precedes the reset of the nonce store (possible replay)");
        goto cleanup;
    }
    if (lti_oauth_verify(a, "POST", st->launch_url, p, cons.secret, &err) != DLA_OK) {
        lti_fail(req, 401, lang, "lti.err.bad_signature", ret, err.msg);
        goto cleanup;
    }
    const char *user = lti_params_get(p, "user_id");
    const char *rlid = lti_params_get(p, "resource_link_id");
    if (!content_item && (!rlid || !*rlid)) {
        lti_fail(req, 400, lang, "lti.err.bad_request", ret,
                 "resource_link_id is required");
        goto cleanup;
    }
    if (!user || !*user || strlen(user) >= 256) {
        lti_fail(req, 400, lang, "lti.err.anonymous", ret, "user_id is required");
        goto cleanup;
    }
    /* nonce (single use within the window) and launch record: written together
     * with the identity and session by lti_finish_launch (one commit) */
    size_t kl = strlen(key) + 1 + strlen(nonce);
    char *nk = dla_arena_sprintf(a, "%s%c%s", key, 0, nonce);
    if (!nk) {
        lti_fail(req, 500, lang, "lti.err.internal", NULL, "out of memory");
        goto cleanup;
    }
    const char *ctx = lti_params_get(p, "context_id");
    const char *osu = lti_params_get(p, "lis_outcome_service_url");
    const char *sid = lti_params_get(p, "lis_result_sourcedid");
    rec = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?}", "v", "1.1", "tenant", cons.tenant,
                    "consumer", cons.key, "user", user, "context", ctx,
                    "resource_link_id", rlid);
    if (rec && osu && sid && safe_return(osu) && strlen(sid) < 1024) {
        json_object_set_new(rec, "outcome_url", json_string(osu));
        json_object_set_new(rec, "sourcedid", json_string(sid));
    }
    if (!rec) {
        lti_fail(req, 500, lang, "lti.err.internal", NULL, "out of memory");
        goto cleanup;
    }
    lti_launch_write_t w;
    memset(&w, 0, sizeof w);
    w.nonce_ns = NS_NONCE11;
    w.nonce_key = nk;
    w.nonce_klen = kl;
    w.nonce_exp = now + 2 * st->oauth_window + 5;
    w.rec = rec;
    w.launch_id = launch_id;
    if (content_item) {
        int rc = lti_launch_commit(st, &w, &err);
        if (rc == DLA_EREPLAY) {
            lti_fail(req, 409, lang, "lti.err.replayed", NULL, "oauth_nonce already used");
            goto cleanup;
        }
        if (rc != DLA_OK) {
            lti_fail(req, 500, lang, "lti.err.internal", NULL, err.msg);
            goto cleanup;
        }
        const char *cir = safe_return(lti_params_get(p, "content_item_return_url"));
        if (!cir) {
            lti_fail(req, 400, lang, "lti.err.bad_request", NULL,
                     "content_item_return_url");
            goto cleanup;
        }
        const char *data = lti_params_get(p, "data");
        json_t *sel =
            json_pack("{s:s, s:s, s:s, s:s, s:s?}", "v", "1.1", "tenant", cons.tenant,
                      "consumer", cons.key, "return_url", cir, "data", data);
        const char *am = lti_params_get(p, "accept_multiple");
        if (sel && am && strcmp(am, "false") == 0)
            json_object_set_new(sel, "accept_multiple", json_false());
        lti_select_page(st, req, sel, lang);
        json_decref(sel);
        goto cleanup;
    }
    dla_identity_t id;
    memset(&id, 0, sizeof id);
    snprintf(id.tenant, sizeof id.tenant, "%s", cons.tenant);
    snprintf(id.issuer, sizeof id.issuer, "urn:lti11:%s", cons.key);
    snprintf(id.subject, sizeof id.subject, "%s", user);
    const char *full = lti_params_get(p, "lis_person_name_full");
    const char *given = lti_params_get(p, "lis_person_name_given");
    const char *family = lti_params_get(p, "lis_person_name_family");
    if (full)
        snprintf(id.name, sizeof id.name, "%s", full);
    else if (given || family)
        snprintf(id.name, sizeof id.name, "%s%s%s", given ? given : "",
                 given && family ? " " : "", family ? family : "");
    id.roles = lti_roles_map11(lti_params_get(p, "roles"));
    snprintf(id.locale, sizeof id.locale, "%s", lang);
    lti_finish_launch(st, req, &id, ctx, &w, 409);
cleanup:
    json_decref(rec);
}

/* ---- platform JWKS cache --------------------------------------------------------- */

typedef struct jwks_key_s {
    char kid[128];
    cjose_jwk_t *k;
} jwks_key_t;

typedef struct jwks_entry_s {
    char url[512];
    json_t *jwks;
    jwks_key_t keys[8]; /* imported keys by kid (saves a JWK import per launch) */
    int nkeys;
    int64_t fetched;
    int64_t last_try;
    struct jwks_entry_s *next;
} jwks_entry_t;

struct lti_jwks_cache_s {
    pthread_mutex_t mu;
    jwks_entry_t *head;
    int n;
};

static void drop_keys(jwks_entry_t *e)
{
    for (int i = 0; i < e->nkeys; i++)
        cjose_jwk_release(e->keys[i].k);
    e->nkeys = 0;
}

/* Key for kid from the entry (caller holds the cache lock): retained, or NULL. */
static cjose_jwk_t *entry_key(jwks_entry_t *e, const char *kid)
{
    cjose_err cerr;
    for (int i = 0; kid && i < e->nkeys; i++)
        if (strcmp(e->keys[i].kid, kid) == 0)
            return cjose_jwk_retain(e->keys[i].k, &cerr);
    cjose_jwk_t *k = lti_jwks_find(e->jwks, kid);
    if (k && kid && strlen(kid) < sizeof e->keys[0].kid &&
        e->nkeys < (int)(sizeof e->keys / sizeof e->keys[0])) {
        snprintf(e->keys[e->nkeys].kid, sizeof e->keys[0].kid, "%s", kid);
        e->keys[e->nkeys++].k = cjose_jwk_retain(k, &cerr);
    }
    return k;
}

int lti_jwks_cache_new(lti_jwks_cache_t **out)
{
    lti_jwks_cache_t *c = calloc(1, sizeof *c);
    if (!c)
        return DLA_ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return DLA_OK;
}

void lti_jwks_cache_free(lti_jwks_cache_t *c)
{
    if (!c)
        return;
    for (jwks_entry_t *e = c->head, *n; e; e = n) {
        n = e->next;
        drop_keys(e);
        json_decref(e->jwks);
        free(e);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static json_t *fetch_jwks(const char *url, dla_err_t *err)
{
    lti_http_resp_t r;
    const char *hdr[] = {"Accept: application/json", NULL};
    if (lti_http("GET", url, hdr, NULL, 0, &r, err) != DLA_OK)
        return NULL;
    json_t *j = NULL;
    if (r.status == 200)
        j = json_loadb(r.body, r.len, JSON_REJECT_DUPLICATES, NULL);
    if (!j || !json_is_array(json_object_get(j, "keys"))) {
        dla_err_set(err, DLA_EUPSTREAM, "platform jwks at %.120s unusable (HTTP %ld)",
                    url, r.status);
        json_decref(j);
        j = NULL;
    }
    lti_http_resp_free(&r);
    return j;
}

cjose_jwk_t *lti_platform_key(lti_state_t *st, const lti_platform_t *p, const char *kid,
                              dla_err_t *err)
{
    lti_jwks_cache_t *c = st->jwks_cache;
    cjose_jwk_t *k = NULL;
    int64_t now = dla_now();
    if (p->jwks) {
        k = lti_jwks_find(p->jwks, kid);
        if (!k)
            dla_err_set(err, DLA_EAUTH, "no key \"%.40s\" in the registered key set",
                        kid ? kid : "");
        return k;
    }
    pthread_mutex_lock(&c->mu);
    jwks_entry_t *e = c->head;
    while (e && strcmp(e->url, p->jwks_url) != 0)
        e = e->next;
    if (e && e->jwks && e->fetched + st->jwks_ttl > now)
        k = entry_key(e, kid);
    int may_fetch = !k && (!e || e->last_try + st->jwks_refetch_min <= now ||
                           e->fetched + st->jwks_ttl <= now);
    if (may_fetch && e)
        e->last_try = now;
    pthread_mutex_unlock(&c->mu);
    if (k)
        return k;
    if (!may_fetch) {
        dla_err_set(err, DLA_EAUTH, "unknown key id \"%.40s\" (jwks refetched recently)",
                    kid ? kid : "");
        return NULL;
    }
    json_t *fresh = fetch_jwks(p->jwks_url, err);
    if (!fresh)
        return NULL;
    k = lti_jwks_find(fresh, kid);
    pthread_mutex_lock(&c->mu);
    for (e = c->head; e && strcmp(e->url, p->jwks_url) != 0; e = e->next)
        ;
    if (!e && c->n < 1024 && (e = calloc(1, sizeof *e))) {
        snprintf(e->url, sizeof e->url, "%s", p->jwks_url);
        e->next = c->head;
        c->head = e;
        c->n++;
    }
    if (e) {
        drop_keys(e);
        json_decref(e->jwks);
        e->jwks = json_incref(fresh);
        e->fetched = e->last_try = now;
    }
    pthread_mutex_unlock(&c->mu);
    json_decref(fresh);
    if (!k)
        dla_err_set(err, DLA_EAUTH, "unknown key id \"%.40s\" after refetching the jwks",
                    kid ? kid : "");
    return k;
}

/* 1 when verifying a token with `kid` from platform `p` needs no network (static
 * key set, or a fresh cached JWKS that has the kid). */
static int key_is_local(lti_state_t *st, const lti_platform_t *p, const char *kid)
{
    if (p->jwks)
        return 1;
    lti_jwks_cache_t *c = st->jwks_cache;
    int64_t now = dla_now();
    int local = 0;
    pthread_mutex_lock(&c->mu);
    jwks_entry_t *e = c->head;
    while (e && strcmp(e->url, p->jwks_url) != 0)
        e = e->next;
    if (e && e->jwks && e->fetched + st->jwks_ttl > now) {
        cjose_jwk_t *k = entry_key(e, kid);
        /* unknown kid: a refetch is due unless rate-limited (then it fails fast) */
        local = k != NULL || e->last_try + st->jwks_refetch_min > now;
        if (k)
            cjose_jwk_release(k);
    }
    pthread_mutex_unlock(&c->mu);
    return local;
}

/* Whether the 1.3 launch in `p` may fetch a platform JWKS (then it runs off the
 * HTTP worker, see lti_offload). Malformed input answers "no": it fails fast. */
static int launch_may_fetch(lti_state_t *st, const lti_params_t *p)
{
    const char *tok = lti_params_get(p, "id_token"), *state = lti_params_get(p, "state");
    json_t *h = NULL, *srec = NULL;
    dla_ttl_txn_t *t = NULL;
    dla_val_t v;
    lti_platform_t plat;
    int fetch = 0;
    if (!tok || !state || strlen(state) > 128 ||
        lti_jwt_decode(tok, strlen(tok), &h, NULL, NULL) != DLA_OK)
        return 0;
    if (dla_ttl_txn_begin(st->app->store, 0, &t, NULL) == DLA_OK) {
        if (dla_ttl_get(t, NS_STATE13, state, strlen(state), dla_now(), &v) == DLA_OK)
            srec = json_loadb(v.data, v.len, 0, NULL);
        dla_ttl_txn_abort(t);
    }
    if (srec && lti_platform_get(
                    st->app->store, json_string_value(json_object_get(srec, "iss")),
                    json_string_value(json_object_get(srec, "cid")), &plat) == DLA_OK) {
        fetch = !key_is_local(st, &plat, json_string_value(json_object_get(h, "kid")));
        lti_platform_clear(&plat);
    }
    json_decref(srec);
    json_decref(h);
    return fetch;
}

/* ---- LTI 1.3 login --------------------------------------------------------------- */

static int tlu_ok(lti_state_t *st, const char *u)
{
    size_t bl = strlen(st->app->base_url);
    return u && strncmp(u, st->app->base_url, bl) == 0 &&
           (u[bl] == '\0' || u[bl] == '/') && !strpbrk(u, "\r\n\"<>");
}

void lti_h_login(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    dla_arena_t *a = dla_req_arena(req);
    dla_err_t err = {0};
    lti_params_t p;
    lti_platform_t plat;
    dla_ttl_txn_t *t = NULL;
    size_t blen = 0;
    const char *body = dla_req_body(req, &blen);
    memset(&plat, 0, sizeof plat);
    const char *method = dla_req_method(req);
    const char *lang = lti_lang(dla_req_header(req, "Accept-Language"));
    if (lti_form_params(a, strcmp(method, "POST") == 0 ? body : "",
                        strcmp(method, "POST") == 0 ? blen : 0, dla_req_query_string(req),
                        &p, &err) != DLA_OK) {
        lti_fail(req, 400, lang, "lti.err.bad_request", NULL, err.msg);
        return;
    }
    const char *iss = lti_params_get(&p, "iss");
    const char *hint = lti_params_get(&p, "login_hint");
    const char *tlu = lti_params_get(&p, "target_link_uri");
    const char *mhint = lti_params_get(&p, "lti_message_hint");
    const char *cid = lti_params_get(&p, "client_id");
    const char *dep = lti_params_get(&p, "lti_deployment_id");
    const char *storage = lti_params_get(&p, "lti_storage_target");
    if (!dep)
        dep = lti_params_get(&p, "deployment_id");
    if (!iss || !hint || !tlu) {
        lti_fail(req, 400, lang, "lti.err.bad_request", NULL,
                 "iss, login_hint and target_link_uri are required");
        return;
    }
    int rc = lti_platform_get(st->app->store, iss, cid, &plat);
    if (rc == DLA_ECONFLICT) {
        lti_fail(req, 400, lang, "lti.err.client_id_needed", NULL, iss);
        return;
    }
    if (rc != DLA_OK) {
        lti_fail(req, 400, lang, "lti.err.unknown_platform", NULL, iss);
        return;
    }
    if (dep && !lti_platform_has_deployment(&plat, dep) && !plat.accept_new_deployments) {
        lti_fail(req, 400, lang, "lti.err.unknown_deployment", NULL, dep);
        goto cleanup;
    }
    if (!tlu_ok(st, tlu)) {
        lti_fail(req, 400, lang, "lti.err.target_link_uri", NULL, tlu);
        goto cleanup;
    }
    char state[64], nonce[64];
    if (lti_random_token(state, sizeof state, 24) ||
        lti_random_token(nonce, sizeof nonce, 24)) {
        lti_fail(req, 500, lang, "lti.err.internal", NULL, "no randomness");
        goto cleanup;
    }
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "iss", plat.issuer, "cid",
                            plat.client_id, "nonce", nonce, "tlu", tlu);
    char *rs = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    json_decref(rec);
    rc = rs ? dla_ttl_txn_begin(st->app->store, 1, &t, &err) : DLA_ENOMEM;
    if (rc == DLA_OK)
        rc = dla_ttl_put(t, NS_STATE13, state, strlen(state), rs, strlen(rs),
                         dla_now() + 600, 0, &err);
    if (rc == DLA_OK) {
        rc = dla_ttl_txn_commit(t, &err);
        t = NULL;
    }
    free(rs);
    if (rc != DLA_OK) {
        lti_fail(req, 500, lang, "lti.err.internal", NULL, err.msg);
        goto cleanup;
    }
    const char *sep = strchr(plat.auth_url, '?') ? "&" : "?";
    char *loc = dla_arena_sprintf(
        a,
        "%s%sscope=openid&response_type=id_token&response_mode=form_post&prompt=none"
        "&client_id=%s&redirect_uri=%s&login_hint=%s&state=%s&nonce=%s",
        plat.auth_url, sep, dla_url_encode(a, plat.client_id, strlen(plat.client_id)),
        dla_url_encode(a, st->launch_url, strlen(st->launch_url)),
        dla_url_encode(a, hint, strlen(hint)), state, nonce);
    if (loc && mhint)
        loc = dla_arena_sprintf(a, "%s&lti_message_hint=%s", loc,
                                dla_url_encode(a, mhint, strlen(mhint)));
    if (!loc) {
        dla_resp_error(req, 500, "internal", "out of memory");
        goto cleanup;
    }
    dla_resp_header(req, "Cache-Control", "no-store");
    if (storage && *storage && strlen(storage) < 64 && !strpbrk(storage, "\"'<>\\")) {
        /* LTI client-side postMessage storage: keep the state in the platform's
         * storage frame too (addressed to the platform's origin, taken from its
         * authorisation URL), then continue to the authorisation endpoint */
        const char *hs = strstr(plat.auth_url, "://");
        size_t ol = hs ? (size_t)(hs + 3 - plat.auth_url) + strcspn(hs + 3, "/?#") : 0;
        char *origin = dla_arena_strndup(a, plat.auth_url, ol);
        char *page2 = dla_arena_sprintf(
            a,
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>dla</title></head>"
            "<body><script>(function(){var t=%s,s=\"%s\",loc=%s,done=false;"
            "function go(){if(!done){done=true;window.location.href=loc;}}"
            "var w=window.parent!==window?window.parent:window.opener;"
            "try{var f=t==='_parent'?w:(w.frames[t]||w);"
            "window.addEventListener('message',function(e){var d=e.data||{};"
            "if(d.subject==='lti.put_data.response')go();});"
            "f.postMessage({subject:'lti.put_data',message_id:s,key:'dla_state_'+s,value:"
            "s},%s);}catch(x){}setTimeout(go,1500);})();</script>"
            "<noscript><a href=\"%s\">%s</a></noscript></body></html>",
            lti_js_string(a, storage), state, lti_js_string(a, loc),
            lti_js_string(a, origin), lti_html_escape(a, loc),
            dla_t(lang, "lti.continue"));
        if (page2) {
            dla_resp_body(req, 200, "text/html; charset=utf-8", page2, strlen(page2));
            goto cleanup;
        }
    }
    dla_resp_redirect(req, 302, loc);
cleanup:
    dla_ttl_txn_abort(t);
    lti_platform_clear(&plat);
}

/* ---- LTI 1.3 launch ------------------------------------------------------------ */

int lti_verify_id_token(lti_state_t *st, const char *id_token, const char *state,
                        json_t **payload_out, lti_platform_t *plat, dla_err_t *err)
{
    dla_ttl_txn_t *t = NULL;
    json_t *srec = NULL, *hdr = NULL, *payload = NULL;
    cjose_jwk_t *key = NULL;
    dla_val_t v;
    int rc;
    size_t tlen = strlen(id_token);
    int64_t now = dla_now();
    memset(plat, 0, sizeof *plat);
    *payload_out = NULL;
    if (!state || !*state || strlen(state) > 128)
        return dla_err_set(err, DLA_ENOTFOUND, "state missing");
    /* read only: the state is consumed by lti_consume_launch once all checks pass */
    if ((rc = dla_ttl_txn_begin(st->app->store, 0, &t, err)) != DLA_OK)
        return rc;
    if (dla_ttl_get(t, NS_STATE13, state, strlen(state), now, &v) == DLA_OK)
        srec = json_loadb(v.data, v.len, 0, NULL);
    dla_ttl_txn_abort(t);
    t = NULL;
    if (!srec) {
        rc = dla_err_set(err, DLA_ENOTFOUND, "unknown or expired state");
        goto cleanup;
    }
    if ((rc = lti_jwt_decode(id_token, tlen, &hdr, &payload, err)) != DLA_OK) {
        rc = DLA_EAUTH;
        goto cleanup;
    }
    const char *iss = json_string_value(json_object_get(srec, "iss"));
    const char *cid = json_string_value(json_object_get(srec, "cid"));
    if (lti_platform_get(st->app->store, iss, cid, plat) != DLA_OK) {
        rc = dla_err_set(err, DLA_ENOTFOUND, "platform registration removed");
        goto cleanup;
    }
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    if (!alg || strcmp(alg, "RS256") != 0) {
        rc = dla_err_set(err, DLA_EAUTH,
                         "jwt alg \"%.16s\" refused: only RS256 is accepted",
                         alg ? alg : "(none)");
        goto cleanup;
    }
    key = lti_platform_key(st, plat, json_string_value(json_object_get(hdr, "kid")), err);
    if (!key) {
        rc = DLA_EAUTH;
        goto cleanup;
    }
    if ((rc = lti_jwt_verify_sig(id_token, tlen, key, err)) != DLA_OK)
        goto cleanup;
    lti_claims_req_t cr = {plat->issuer, plat->client_id, now, st->leeway};
    if ((rc = lti_jwt_check_claims(payload, &cr, err)) != DLA_OK)
        goto cleanup;
    /* the login state lives with the nonces, so a wipe of the TTL records already
     * voids earlier logins; refuse tokens issued before it all the same */
    if (json_integer_value(json_object_get(payload, "iat")) <
        dla_store_volatile_since(st->app->store)) {
        rc = dla_err_set(err, DLA_EEXPIRED,
                         "id_token issued before the reset of the nonce store");
        goto cleanup;
    }
    const char *nonce = json_string_value(json_object_get(payload, "nonce"));
    const char *want = json_string_value(json_object_get(srec, "nonce"));
    if (!nonce || !want || !dla_ct_streq(nonce, want)) {
        rc = dla_err_set(err, DLA_EREPLAY, "nonce does not match the login");
        goto cleanup;
    }
    *payload_out = payload;
    payload = NULL;
cleanup:
    dla_ttl_txn_abort(t);
    if (key)
        cjose_jwk_release(key);
    json_decref(srec);
    json_decref(hdr);
    json_decref(payload);
    if (rc != DLA_OK)
        lti_platform_clear(plat);
    return rc;
}

int lti_consume_launch(lti_state_t *st, const char *state, json_t *payload, json_t *rec,
                       char *launch_id, lti_launch_write_t *w, dla_err_t *err)
{
    const char *iss = json_string_value(json_object_get(payload, "iss"));
    const char *nonce = json_string_value(json_object_get(payload, "nonce"));
    json_int_t exp = json_integer_value(json_object_get(payload, "exp"));
    size_t il = iss ? strlen(iss) : 0, nl = nonce ? strlen(nonce) : 0;
    if (il + nl + 1 >= sizeof w->nonce_buf)
        return dla_err_set(err, DLA_EINVAL, "nonce too long");
    memset(w, 0, sizeof *w);
    if (il)
        memcpy(w->nonce_buf, iss, il);
    w->nonce_buf[il] = '\0';
    if (nl)
        memcpy(w->nonce_buf + il + 1, nonce, nl);
    w->state = state;
    w->nonce_ns = NS_NONCE13;
    w->nonce_key = w->nonce_buf;
    w->nonce_klen = il + 1 + nl;
    w->nonce_exp = exp + st->leeway + 1;
    w->rec = rec;
    w->launch_id = launch_id;
    return DLA_OK;
}

static const char *claim_str(json_t *p, const char *name)
{
    char buf[160];
    snprintf(buf, sizeof buf, CLAIM "%s", name);
    return json_string_value(json_object_get(p, buf));
}

static json_t *claim(json_t *p, const char *full)
{
    return json_object_get(p, full);
}

/* LTI 1.1 -> 1.3 migration (LTI Core 1.3, "LTI 1.1 migration claim"): when the
 * platform vouches, with the 1.1 shared secret, that this 1.3 user is the 1.1
 * user_id of a consumer of the same tenant, the launch keeps the 1.1 identity so
 * the learner's history carries over. Signature: base64(HMAC-SHA256(secret,
 * oauth_consumer_key & deployment_id & iss & client_id & exp & nonce)). */
static void migrate11(lti_state_t *st, const lti_platform_t *plat, json_t *pl,
                      const char *dep, dla_identity_t *id)
{
    json_t *m = claim(pl, CLAIM "lti1p1");
    const char *key = json_string_value(json_object_get(m, "oauth_consumer_key"));
    const char *user = json_string_value(json_object_get(m, "user_id"));
    const char *sign = json_string_value(json_object_get(m, "oauth_consumer_key_sign"));
    const char *nonce = json_string_value(json_object_get(pl, "nonce"));
    lti_consumer_t cons;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char msg[2048], b64[128];
    if (!key || !user || !sign || !nonce || !*user ||
        strlen(user) >= sizeof id->subject ||
        lti_consumer_get(st->app->store, key, &cons) != DLA_OK ||
        strcmp(cons.tenant, plat->tenant) != 0)
        return;
    int n = snprintf(msg, sizeof msg, "%s&%s&%s&%s&%lld&%s", key, dep, plat->issuer,
                     plat->client_id,
                     (long long)json_integer_value(json_object_get(pl, "exp")), nonce);
    if (n <= 0 || (size_t)n >= sizeof msg ||
        !HMAC(EVP_sha256(), cons.secret, (int)strlen(cons.secret), (unsigned char *)msg,
              (size_t)n, mac, &maclen))
        return;
    EVP_EncodeBlock((unsigned char *)b64, mac, (int)maclen);
    if (!dla_ct_streq(b64, sign)) {
        dla_log(DLA_LOG_WARN,
                "lti: lti1p1 migration claim for consumer %s has a bad signature", key);
        return;
    }
    snprintf(id->issuer, sizeof id->issuer, "urn:lti11:%s", key);
    snprintf(id->subject, sizeof id->subject, "%s", user);
}

static void launch13(lti_state_t *st, dla_req_t *req, lti_params_t *p)
{
    dla_err_t err = {0};
    json_t *pl = NULL, *rec = NULL;
    lti_platform_t plat;
    char launch_id[64] = "";
    const char *tok = lti_params_get(p, "id_token");
    const char *state = lti_params_get(p, "state");
    const char *lang = lti_lang(dla_req_header(req, "Accept-Language"));
    memset(&plat, 0, sizeof plat);
    int rc = lti_verify_id_token(st, tok, state, &pl, &plat, &err);
    if (rc != DLA_OK) {
        const char *key = rc == DLA_ENOTFOUND  ? "lti.err.cookies_blocked"
                          : rc == DLA_EEXPIRED ? "lti.err.expired_launch"
                          : rc == DLA_EREPLAY  ? "lti.err.replayed"
                                               : "lti.err.bad_signature";
        if (rc == DLA_ENOTFOUND && strstr(err.msg, "registration"))
            key = "lti.err.unknown_platform";
        lti_fail(req, 401, lang, key, NULL, err.msg);
        goto cleanup;
    }
    json_t *lp = claim(pl, CLAIM "launch_presentation");
    lang = lti_lang(json_string_value(json_object_get(lp, "locale")));
    const char *ret = safe_return(json_string_value(json_object_get(lp, "return_url")));
    const char *mt = claim_str(pl, "message_type");
    const char *ver = claim_str(pl, "version");
    const char *dep = claim_str(pl, "deployment_id");
    const char *tlu = claim_str(pl, "target_link_uri");
    const char *sub = json_string_value(json_object_get(pl, "sub"));
    int dl = mt && strcmp(mt, "LtiDeepLinkingRequest") == 0;
    if (!ver || strcmp(ver, "1.3.0") != 0) {
        lti_fail(req, 400, lang, "lti.err.version", ret, ver);
        goto cleanup;
    }
    if (!mt || (!dl && strcmp(mt, "LtiResourceLinkRequest") != 0)) {
        lti_fail(req, 400, lang, "lti.err.unsupported_message", ret, mt);
        goto cleanup;
    }
    if (!lti_platform_has_deployment(&plat, dep)) {
        /* a verified launch from a new deployment of a registration that accepts them
         * (Canvas makes one per installation) is added to the registration */
        if (!plat.accept_new_deployments || !dep || !*dep || strlen(dep) > 255 ||
            json_array_size(plat.deployments) >= 10000 ||
            json_array_append_new(plat.deployments, json_string(dep)) != 0 ||
            lti_platform_put(st->app->store, &plat, &err) != DLA_OK) {
            lti_fail(req, 403, lang, "lti.err.unknown_deployment", ret, dep);
            goto cleanup;
        }
        dla_log(DLA_LOG_INFO, "lti: accepted new deployment \"%s\" of %s (client %s)",
                dep, plat.issuer, plat.client_id);
    }
    if (!tlu_ok(st, tlu)) {
        lti_fail(req, 400, lang, "lti.err.target_link_uri", ret, tlu);
        goto cleanup;
    }
    if (!sub || !*sub || strlen(sub) >= 256) {
        lti_fail(req, 400, lang, "lti.err.anonymous", ret, "sub is required");
        goto cleanup;
    }
    json_t *roles = claim(pl, CLAIM "roles");
    if (!json_is_array(roles)) {
        lti_fail(req, 400, lang, "lti.err.bad_request", ret,
                 "roles claim must be an array");
        goto cleanup;
    }
    const char *ctx =
        json_string_value(json_object_get(claim(pl, CLAIM "context"), "id"));
    if (dl) {
        json_t *dls = claim(
            pl, "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings");
        const char *rurl =
            safe_return(json_string_value(json_object_get(dls, "deep_link_return_url")));
        if (!rurl) {
            lti_fail(req, 400, lang, "lti.err.bad_request", ret, "deep_link_return_url");
            goto cleanup;
        }
        /* dla offers LTI resource links only */
        json_t *types = json_object_get(dls, "accept_types"), *ty;
        size_t ti;
        int link_ok = !json_is_array(types);
        json_array_foreach(types, ti, ty)
        {
            if (json_is_string(ty) &&
                strcmp(json_string_value(ty), "ltiResourceLink") == 0)
                link_ok = 1;
        }
        if (!link_ok) {
            lti_fail(req, 400, lang, "lti.err.unsupported_message", ret,
                     "accept_types does not include ltiResourceLink");
            goto cleanup;
        }
        json_t *am = json_object_get(dls, "accept_multiple");
        json_t *sel = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O?, s:b, s:b}", "v",
                                "1.3", "tenant", plat.tenant, "iss", plat.issuer, "cid",
                                plat.client_id, "deployment", dep, "return_url", rurl,
                                "data", json_object_get(dls, "data"), "accept_lineitem",
                                json_is_true(json_object_get(dls, "accept_lineitem")),
                                "accept_multiple", !json_is_false(am));
        lti_launch_write_t dw;
        if (lti_consume_launch(st, state, pl, NULL, NULL, &dw, &err) != DLA_OK ||
            lti_launch_commit(st, &dw, &err) != DLA_OK) {
            json_decref(sel);
            lti_fail(req, 401, lang, "lti.err.replayed", NULL, err.msg);
            goto cleanup;
        }
        lti_select_page(st, req, sel, lang);
        json_decref(sel);
        goto cleanup;
    }
    const char *rlid =
        json_string_value(json_object_get(claim(pl, CLAIM "resource_link"), "id"));
    if (!rlid || !*rlid || strlen(rlid) > 255) {
        lti_fail(req, 400, lang, "lti.err.bad_request", ret,
                 "resource_link.id is required");
        goto cleanup;
    }
    rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?}", "v", "1.3", "tenant",
                    plat.tenant, "iss", plat.issuer, "cid", plat.client_id, "deployment",
                    dep, "sub", sub, "resource_link_id", rlid, "context", ctx);
    json_t *ags = claim(pl, "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint");
    json_t *nrps =
        claim(pl, "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice");
    if (rec && json_is_object(ags))
        json_object_set(rec, "ags", ags);
    if (rec && json_is_object(nrps))
        json_object_set(rec, "nrps", nrps);
    json_t *rl = claim(pl, CLAIM "resource_link");
    if (rec && json_string_value(json_object_get(rl, "title")))
        json_object_set(rec, "title", json_object_get(rl, "title"));
    if (!rec) {
        lti_fail(req, 500, lang, "lti.err.internal", NULL, "out of memory");
        goto cleanup;
    }
    lti_launch_write_t lw;
    rc = lti_consume_launch(st, state, pl, rec, launch_id, &lw, &err);
    if (rc != DLA_OK) {
        lti_fail(req, rc == DLA_EREPLAY || rc == DLA_ENOTFOUND ? 401 : 500, lang,
                 rc == DLA_EREPLAY || rc == DLA_ENOTFOUND ? "lti.err.replayed"
                                                          : "lti.err.internal",
                 NULL, err.msg);
        goto cleanup;
    }
    dla_identity_t id;
    memset(&id, 0, sizeof id);
    snprintf(id.tenant, sizeof id.tenant, "%s", plat.tenant);
    snprintf(id.issuer, sizeof id.issuer, "%s", plat.issuer);
    snprintf(id.subject, sizeof id.subject, "%s", sub);
    const char *name = json_string_value(json_object_get(pl, "name"));
    const char *given = json_string_value(json_object_get(pl, "given_name"));
    const char *family = json_string_value(json_object_get(pl, "family_name"));
    if (name)
        snprintf(id.name, sizeof id.name, "%s", name);
    else if (given || family)
        snprintf(id.name, sizeof id.name, "%s%s%s", given ? given : "",
                 given && family ? " " : "", family ? family : "");
    id.roles = lti_roles_map13(roles);
    snprintf(id.locale, sizeof id.locale, "%s", lang);
    migrate11(st, &plat, pl, dep, &id);
    lti_finish_launch(st, req, &id, ctx, &lw, 401);
cleanup:
    json_decref(pl);
    json_decref(rec);
    lti_platform_clear(&plat);
}

static void launch_dispatch(dla_req_t *req, lti_state_t *st, int may_offload);

static void launch_offloaded(dla_req_t *req, void *ud)
{
    launch_dispatch(req, ud, 0);
}

void lti_h_launch(dla_req_t *req, void *ud)
{
    launch_dispatch(req, ud, 1);
}

/* Parses and routes a launch. A 1.3 launch that would download a platform key
 * set is moved off the HTTP worker first, so a slow platform stalls nobody else. */
static void launch_dispatch(dla_req_t *req, lti_state_t *st, int may_offload)
{
    dla_err_t err = {0};
    lti_params_t p;
    size_t blen = 0;
    const char *body = dla_req_body(req, &blen);
    const char *ct = dla_req_header(req, "Content-Type");
    const char *al = lti_lang(dla_req_header(req, "Accept-Language"));
    if (strcmp(dla_req_method(req), "POST") != 0) {
        dla_resp_header(req, "Allow", "POST");
        lti_fail(req, 405, al, "lti.err.post_only", NULL, NULL);
        return;
    }
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        lti_fail(req, 415, al, "lti.err.bad_request", NULL,
                 "expected application/x-www-form-urlencoded");
        return;
    }
    if (lti_form_params(dla_req_arena(req), body, blen, dla_req_query_string(req), &p,
                        &err) != DLA_OK) {
        lti_fail(req, 400, al, "lti.err.bad_request", NULL, err.msg);
        return;
    }
    /* OAuth parameters may also come in the Authorization header (RFC 5849 3.5.1) */
    const char *authz = dla_req_header(req, "Authorization");
    if (authz && strncasecmp(authz, "OAuth ", 6) == 0) {
        lti_params_t hp;
        if (lti_oauth_parse_header(dla_req_arena(req), authz, &hp, &err) != DLA_OK) {
            lti_fail(req, 400, al, "lti.err.bad_signature", NULL, err.msg);
            return;
        }
        for (size_t i = 0; i < hp.n; i++)
            if (strcmp(hp.v[i].name, "realm") != 0 &&
                lti_params_add(dla_req_arena(req), &p, hp.v[i].name, hp.v[i].value) !=
                    DLA_OK) {
                dla_resp_error(req, 500, "internal", "out of memory");
                return;
            }
    }
    if (lti_params_get(&p, "id_token") && may_offload && launch_may_fetch(st, &p))
        lti_offload(req, launch_offloaded, st);
    else if (lti_params_get(&p, "id_token"))
        launch13(st, req, &p);
    else if (lti_params_get(&p, "oauth_signature"))
        launch11(st, req, &p);
    else if (lti_params_get(&p, "error"))
        lti_fail(req, 400, al, "lti.err.platform_error", NULL,
                 lti_params_get(&p, "error_description"));
    else
        lti_fail(req, 400, al, "lti.err.bad_request", NULL,
                 "neither id_token nor oauth_signature");
}

void lti_h_jwks(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    json_t *j = lti_keys_jwks(st->keys);
    if (!j) {
        dla_resp_error(req, 500, "internal", "no keys");
        return;
    }
    dla_resp_header(req, "Cache-Control", "public, max-age=300");
    dla_resp_json(req, 200, j);
}
