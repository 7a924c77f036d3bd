/* lti_demo.c - the built-in demo LMS at /demo (config {"demo":{"enabled":true}}).
 *
 * A tiny LTI platform inside the service so a newcomer can try dla without an
 * LMS: pick a persona (learner, supervisor, HR manager) in tenant "demo" and
 * launch through the real LTI 1.3 flow (third-party login -> /demo/auth signs
 * an id_token with the demo platform's own RSA key -> /lti/launch verifies it)
 * or through a real OAuth-signed LTI 1.1 launch. At start the demo platform and
 * the demo 1.1 consumer are (re)registered for tenant "demo".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_auth.h"
#include "dla_config.h"
#include "dla_i18n.h"
#include "dla_log.h"
#include "lti_int.h"

#define DEMO_TENANT "demo"
#define DEMO_CLIENT "dla-demo"
#define DEMO_DEPLOYMENT "demo-deployment"
#define DEMO_CONSUMER "dla-demo-lms"

typedef struct demo_s {
    cjose_jwk_t *key;
    char issuer[512];
    char secret[64];
} demo_t;

typedef struct persona_s {
    const char *id;
    const char *name;
    const char *role11;
    const char *role13;
    const char *label_key;
} persona_t;

static const persona_t PERSONAS[] = {
    {"learner", "Rūta Petraitienė", "Learner",
     "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner", "lti.demo.learner"},
    {"supervisor", "Tomas Kazlauskas", "Instructor",
     "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
     "lti.demo.supervisor"},
    {"hr", "Asta Jonaitienė", "urn:lti:instrole:ims/lis/Administrator",
     "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
     "lti.demo.hr"},
};
#define NPERSONAS (sizeof PERSONAS / sizeof PERSONAS[0])

static const persona_t *persona(const char *id)
{
    for (size_t i = 0; id && i < NPERSONAS; i++)
        if (strcmp(PERSONAS[i].id, id) == 0)
            return &PERSONAS[i];
    return NULL;
}

static void h_index(dla_req_t *req, void *ud)
{
    (void)ud;
    dla_arena_t *a = dla_req_arena(req);
    const char *lang = lti_lang(dla_req_query(req, "lang"));
    const char *other = strcmp(lang, "lt") == 0 ? "en" : "lt";
    char *rows = dla_arena_strdup(a, "");
    for (size_t i = 0; rows && i < NPERSONAS; i++)
        rows = dla_arena_sprintf(
            a,
            "%s<li><h2>%s</h2><p>%s</p><p><a class=\"btn\" "
            "href=\"demo/start?persona=%s&amp;"
            "v=13&amp;lang=%s\">%s</a> <a class=\"btn\" "
            "href=\"demo/start?persona=%s&amp;v=11"
            "&amp;lang=%s\">%s</a></p></li>",
            rows, lti_html_escape(a, dla_t(lang, PERSONAS[i].label_key)),
            lti_html_escape(a, PERSONAS[i].name), PERSONAS[i].id, lang,
            lti_html_escape(a, dla_t(lang, "lti.demo.launch13")), PERSONAS[i].id, lang,
            lti_html_escape(a, dla_t(lang, "lti.demo.launch11")));
    char *page =
        rows ? dla_arena_sprintf(
                   a,
                   "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, "
                   "initial-scale=1\"><base href=\"./\"><title>%s</title><style>"
                   "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem "
                   "auto;padding:0 1rem}li{list-style:none;border:1px solid #ccc;"
                   "border-radius:6px;padding:0 1rem;margin:1rem 0}a.btn{display:"
                   "inline-block;padding:.5rem 1rem;background:#0b5394;color:#fff;"
                   "border-radius:4px;text-decoration:none;margin:.25rem 0}</style>"
                   "</head><body><main><p><a href=\"demo?lang=%s\" lang=\"%s\">%s</a>"
                   "</p><h1>%s</h1><p>%s</p><ul>%s</ul><p><a "
                   "href=\"demo/gradebook?lang=%s\">%s</a>"
                   "</p></main></body></html>",
                   lang, lti_html_escape(a, dla_t(lang, "lti.demo.title")), other, other,
                   strcmp(other, "en") == 0 ? "English" : "Lietuviškai",
                   lti_html_escape(a, dla_t(lang, "lti.demo.title")),
                   lti_html_escape(a, dla_t(lang, "lti.demo.intro")), rows, lang,
                   lti_html_escape(a, dla_t(lang, "lti.demo.gradebook")))
             : NULL;
    if (!page) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    dla_resp_body(req, 200, "text/html; charset=utf-8", page, strlen(page));
}

static void h_start(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    demo_t *d = st->demo;
    dla_arena_t *a = dla_req_arena(req);
    dla_err_t err = {0};
    const char *lang = lti_lang(dla_req_query(req, "lang"));
    const persona_t *p = persona(dla_req_query(req, "persona"));
    const char *v = dla_req_query(req, "v");
    if (!p) {
        dla_resp_error(req, 400, "bad_request", "unknown persona");
        return;
    }
    if (v && strcmp(v, "11") == 0) {
        lti_params_t f = {0};
        char *ret = dla_arena_sprintf(a, "%s/demo?lang=%s", st->app->base_url, lang);
        char *uid = dla_arena_sprintf(a, "demo-%s", p->id);
        if (!ret || !uid ||
            lti_params_add(a, &f, "lti_message_type", "basic-lti-launch-request") ||
            lti_params_add(a, &f, "lti_version", "LTI-1p0") ||
            lti_params_add(a, &f, "resource_link_id", "demo-link-11") ||
            lti_params_add(a, &f, "resource_link_title", "dla") ||
            lti_params_add(a, &f, "context_id", "demo-course") ||
            lti_params_add(a, &f, "context_title", "Skaitmeninės kompetencijos") ||
            lti_params_add(a, &f, "user_id", uid) ||
            lti_params_add(a, &f, "lis_person_name_full", p->name) ||
            lti_params_add(a, &f, "roles", p->role11) ||
            lti_params_add(a, &f, "launch_presentation_locale", lang) ||
            lti_params_add(a, &f, "launch_presentation_return_url", ret) ||
            lti_params_add(a, &f, "tool_consumer_instance_guid", "demo.dla") ||
            lti_params_add(
                a, &f, "lis_outcome_service_url",
                dla_arena_sprintf(a, "%s/demo/outcomes11", st->app->base_url)) ||
            lti_params_add(a, &f, "lis_result_sourcedid", uid) ||
            lti_oauth_sign(a, "POST", st->launch_url, &f, DEMO_CONSUMER, d->secret, NULL,
                           &err) != DLA_OK) {
            dla_resp_error(req, 500, "internal", "could not sign the demo launch");
            return;
        }
        lti_autopost(req, lang, st->launch_url, &f);
        return;
    }
    char *loc = dla_arena_sprintf(
        a,
        "%s?iss=%s&login_hint=%s&target_link_uri=%s&client_id=%s&lti_deployment_id=%s"
        "&lti_message_hint=%s",
        st->login_url, dla_url_encode(a, d->issuer, strlen(d->issuer)), p->id,
        dla_url_encode(a, st->launch_url, strlen(st->launch_url)), DEMO_CLIENT,
        DEMO_DEPLOYMENT, lang);
    if (!loc) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    dla_resp_redirect(req, 302, loc);
}

/* The demo platform's OIDC authorisation endpoint. */
static void h_auth(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    demo_t *d = st->demo;
    dla_arena_t *a = dla_req_arena(req);
    dla_err_t err = {0};
    const char *cid = dla_req_query(req, "client_id");
    const char *ru = dla_req_query(req, "redirect_uri");
    const char *state = dla_req_query(req, "state");
    const char *nonce = dla_req_query(req, "nonce");
    const char *mode = dla_req_query(req, "response_mode");
    const char *rt = dla_req_query(req, "response_type");
    const char *scope = dla_req_query(req, "scope");
    const persona_t *p = persona(dla_req_query(req, "login_hint"));
    const char *lang = lti_lang(dla_req_query(req, "lti_message_hint"));
    if (!cid || strcmp(cid, DEMO_CLIENT) || !ru || strcmp(ru, st->launch_url) || !state ||
        !nonce || !mode || strcmp(mode, "form_post") || !rt || strcmp(rt, "id_token") ||
        !scope || strcmp(scope, "openid") || !p) {
        dla_resp_error(req, 400, "invalid_request", "bad OIDC authentication request");
        return;
    }
    int64_t now = dla_now();
    char *sub = dla_arena_sprintf(a, "demo-%s", p->id);
    char *ret = dla_arena_sprintf(a, "%s/demo?lang=%s", st->app->base_url, lang);
    json_t *pl = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:[s],"
        " s:{s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:{s:s, s:s}}",
        "iss", d->issuer, "aud", DEMO_CLIENT, "sub", sub, "nonce", nonce, "iat",
        (json_int_t)now, "exp", (json_int_t)now + 300, "name", p->name,
        "https://purl.imsglobal.org/spec/lti/claim/message_type",
        "LtiResourceLinkRequest", "https://purl.imsglobal.org/spec/lti/claim/version",
        "1.3.0", "https://purl.imsglobal.org/spec/lti/claim/deployment_id",
        DEMO_DEPLOYMENT, "https://purl.imsglobal.org/spec/lti/claim/target_link_uri",
        st->launch_url, "locale", lang, "https://purl.imsglobal.org/spec/lti/claim/roles",
        p->role13, "https://purl.imsglobal.org/spec/lti/claim/resource_link", "id",
        "demo-link", "https://purl.imsglobal.org/spec/lti/claim/context", "id",
        "demo-course", "title", "Skaitmeninės kompetencijos",
        "https://purl.imsglobal.org/spec/lti/claim/launch_presentation", "locale", lang,
        "return_url", ret ? ret : "",
        "https://purl.imsglobal.org/spec/lti/claim/tool_platform", "name", "dla demo LMS",
        "guid", "demo.dla");
    if (pl) {
        char *li = dla_arena_sprintf(a, "%s/demo/ags/lineitems", st->app->base_url);
        char *mu = dla_arena_sprintf(a, "%s/demo/nrps/memberships", st->app->base_url);
        json_object_set_new(
            pl, "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint",
            json_pack("{s:[s,s], s:s}", "scope",
                      "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                      "https://purl.imsglobal.org/spec/lti-ags/scope/score", "lineitems",
                      li ? li : ""));
        json_object_set_new(
            pl, "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice",
            json_pack("{s:s, s:[s]}", "context_memberships_url", mu ? mu : "",
                      "service_versions", "2.0"));
    }
    char *jwt = pl ? lti_jwt_sign(pl, d->key, &err) : NULL;
    json_decref(pl);
    lti_params_t f = {0};
    char *j = jwt ? dla_arena_strdup(a, jwt) : NULL;
    free(jwt);
    if (!j || lti_params_add(a, &f, "id_token", j) ||
        lti_params_add(a, &f, "state", state)) {
        dla_resp_error(req, 500, "internal", "could not sign the demo id_token");
        return;
    }
    lti_autopost(req, lang, st->launch_url, &f);
}

/* The demo platform's key and the demo consumer's secret persist in the store
 * ("lti_keys" / "demo") so the daemon and CLI processes agree on them. */
static int demo_secrets(lti_state_t *st, demo_t *d, dla_err_t *err)
{
    static const uint8_t e[] = {1, 0, 1};
    dla_db_t db;
    dla_txn_t *t = NULL;
    dla_val_t v;
    json_t *j = NULL;
    cjose_err cerr;
    char *priv = NULL, *s = NULL;
    int rc = dla_store_db(st->app->store, "lti_keys", DLA_DB_CREATE, &db, err);
    if (rc == DLA_OK)
        rc = dla_txn_begin(st->app->store, 1, &t, err);
    if (rc != DLA_OK)
        return rc;
    if (dla_kv_get(t, db, "demo", 4, &v) == DLA_OK)
        j = json_loadb(v.data, v.len, 0, NULL);
    const char *sec = json_string_value(json_object_get(j, "secret"));
    char *jk = j ? json_dumps(json_object_get(j, "jwk"), JSON_COMPACT) : NULL;
    d->key = jk ? cjose_jwk_import(jk, strlen(jk), &cerr) : NULL;
    free(jk);
    if (d->key && sec && strlen(sec) < sizeof d->secret) {
        snprintf(d->secret, sizeof d->secret, "%s", sec);
        dla_txn_abort(t);
        json_decref(j);
        return DLA_OK;
    }
    if (d->key)
        cjose_jwk_release(d->key);
    d->key = cjose_jwk_create_RSA_random(2048, e, sizeof e, &cerr);
    if (!d->key || !cjose_jwk_set_kid(d->key, "demo-1", 6, &cerr) ||
        lti_random_token(d->secret, sizeof d->secret, 24) != DLA_OK ||
        !(priv = cjose_jwk_to_json(d->key, true, &cerr))) {
        rc = dla_err_set(err, DLA_ERR, "demo key generation failed");
        goto cleanup;
    }
    json_decref(j);
    j = json_pack("{s:s, s:s}", "secret", d->secret, "jwk", "");
    json_t *pj = json_loads(priv, 0, NULL);
    if (!j || !pj || json_object_set_new(j, "jwk", pj) ||
        !(s = json_dumps(j, JSON_COMPACT))) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = dla_kv_put(t, db, "demo", 4, s, strlen(s), 0, err)) == DLA_OK) {
        rc = dla_txn_commit(t, err);
        t = NULL;
    }
cleanup:
    dla_txn_abort(t);
    if (priv)
        cjose_get_dealloc()(priv);
    free(s);
    json_decref(j);
    return rc;
}

int lti_demo_init(lti_state_t *st, dla_err_t *err)
{
    const dla_config_t *cfg = st->app->cfg;
    json_t *sec = cfg ? dla_config_section(cfg, "demo") : NULL;
    static const dla_cfg_field_t fields[] = {{"enabled", DLA_CFG_BOOL, 0}, {NULL, 0, 0}};
    int rc;
    if (!sec)
        return DLA_OK;
    if ((rc = dla_config_check(cfg, "demo", sec, fields, err)) != DLA_OK)
        return rc;
    if (!json_is_true(json_object_get(sec, "enabled")))
        return DLA_OK;
    dla_tenant_t tn;
    if (dla_tenant_get(st->app->store, DEMO_TENANT, &tn) != DLA_OK) {
        dla_log(DLA_LOG_WARN,
                "lti: demo LMS disabled: tenant \"demo\" missing (run dla init)");
        return DLA_OK;
    }
    demo_t *d = calloc(1, sizeof *d);
    if (!d)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    cjose_err cerr;
    if ((rc = demo_secrets(st, d, err)) != DLA_OK)
        goto fail;
    snprintf(d->issuer, sizeof d->issuer, "%s/demo", st->app->base_url);
    /* register the demo platform (static key) and the demo 1.1 consumer */
    lti_platform_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.tenant, sizeof p.tenant, DEMO_TENANT);
    snprintf(p.issuer, sizeof p.issuer, "%s", d->issuer);
    snprintf(p.client_id, sizeof p.client_id, DEMO_CLIENT);
    snprintf(p.auth_url, sizeof p.auth_url, "%s/demo/auth", st->app->base_url);
    snprintf(p.token_url, sizeof p.token_url, "%s/demo/token", st->app->base_url);
    snprintf(p.jwks_url, sizeof p.jwks_url, "%s/demo/jwks", st->app->base_url);
    char *pub = cjose_jwk_to_json(d->key, false, &cerr);
    json_t *pk = pub ? json_loads(pub, 0, NULL) : NULL;
    if (pub)
        cjose_get_dealloc()(pub);
    p.jwks = pk ? json_pack("{s:[o]}", "keys", pk) : NULL;
    p.deployments = json_pack("[s]", DEMO_DEPLOYMENT);
    p.created = dla_now();
    rc = (p.jwks && p.deployments) ? lti_platform_put(st->app->store, &p, err)
                                   : DLA_ENOMEM;
    lti_platform_clear(&p);
    if (rc != DLA_OK)
        goto fail;
    lti_consumer_t c;
    memset(&c, 0, sizeof c);
    snprintf(c.key, sizeof c.key, DEMO_CONSUMER);
    snprintf(c.secret, sizeof c.secret, "%s", d->secret);
    snprintf(c.tenant, sizeof c.tenant, DEMO_TENANT);
    c.created = dla_now();
    if ((rc = lti_consumer_put(st->app->store, &c, err)) != DLA_OK)
        goto fail;
    dla_router_t *r = st->app->router;
    st->demo = d;
    if (r && ((rc = dla_router_add(r, "GET", "/demo", h_index, st, 0, err)) ||
              (rc = dla_router_add(r, "GET", "/demo/start", h_start, st, 0, err)) ||
              (rc = dla_router_add(r, "GET", "/demo/auth", h_auth, st, 0, err))))
        return rc; /* st->demo is freed by lti_demo_fini via the module's cleanup */
    if ((rc = lti_demo_svc_init(st, d->secret, err)) != DLA_OK)
        return rc;
    dla_log(DLA_LOG_DEBUG, "lti: demo LMS at %s/demo", st->app->base_url);
    return DLA_OK;
fail:
    if (d->key)
        cjose_jwk_release(d->key);
    free(d);
    return rc;
}

void lti_demo_fini(lti_state_t *st)
{
    lti_demo_svc_free(st);
    demo_t *d = st ? st->demo : NULL;
    if (!d)
        return;
    if (d->key)
        cjose_jwk_release(d->key);
    free(d);
    st->demo = NULL;
}
