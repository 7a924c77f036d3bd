/* lti_module.c - module entry points of the LTI tool provider: the "lti"
 * config section, routes, shared page helpers and the module life cycle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "dla_auth.h"
#include "dla_config.h"
#include "dla_i18n.h"
#include "dla_log.h"
#include "dla_lti.h"
#include "lti_int.h"

/* ---- helpers --------------------------------------------------------------------- */

static const char PAGE_STYLE[] =
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;"
    "padding:0 1rem;color:#1b1b1b;line-height:1.5}h1{font-size:1.4rem}"
    ".box{border-left:4px solid #b00020;padding:.5rem 1rem;background:#fdf2f2}"
    "details{margin-top:1rem;color:#555}button,a.btn{font-size:1rem;padding:.5rem 1rem}"
    "</style>";

void lti_fail(dla_req_t *req, int status, const char *lang, const char *key,
              const char *return_url, const char *detail)
{
    dla_arena_t *a = dla_req_arena(req);
    const char *msg = dla_t(lang, key);
    dla_log(DLA_LOG_INFO, "lti: launch refused (%s): %s", key, detail ? detail : "-");
    if (return_url) {
        const char *sep = strchr(return_url, '?') ? "&" : "?";
        char *loc = dla_arena_sprintf(a, "%s%slti_errormsg=%s", return_url, sep,
                                      dla_url_encode(a, msg, strlen(msg)));
        if (loc) {
            dla_resp_redirect(req, 302, loc);
            return;
        }
    }
    char hintkey[96];
    snprintf(hintkey, sizeof hintkey, "%s.hint", key);
    const char *hint = dla_t(lang, hintkey);
    if (strcmp(hint, hintkey) == 0)
        hint = dla_t(lang, "lti.hint.retry");
    const char *code = strrchr(key, '.') ? strrchr(key, '.') + 1 : key;
    char *page = dla_arena_sprintf(
        a,
        "<!doctype html><html lang=\"%s\"><head><meta "
        "charset=\"utf-8\"><title>%s</title>%s"
        "</head><body><main data-error=\"%s\"><h1>%s</h1><div class=\"box\" "
        "role=\"alert\">"
        "<p>%s</p></div><p>%s</p><details><summary>%s</summary><code>%s</code></details>"
        "</main></body></html>",
        lang, lti_html_escape(a, dla_t(lang, "lti.err.title")), PAGE_STYLE, code,
        lti_html_escape(a, dla_t(lang, "lti.err.title")), lti_html_escape(a, msg),
        lti_html_escape(a, hint), lti_html_escape(a, dla_t(lang, "lti.details")),
        lti_html_escape(a, detail ? detail : code));
    if (!page) {
        dla_resp_error(req, status, code, "%s", msg);
        return;
    }
    dla_resp_header(req, "Cache-Control", "no-store");
    dla_resp_body(req, status, "text/html; charset=utf-8", page, strlen(page));
}

void lti_autopost(dla_req_t *req, const char *lang, const char *action,
                  const lti_params_t *fields)
{
    dla_arena_t *a = dla_req_arena(req);
    char *inputs = dla_arena_strdup(a, "");
    for (size_t i = 0; inputs && i < fields->n; i++)
        inputs =
            dla_arena_sprintf(a, "%s<input type=\"hidden\" name=\"%s\" value=\"%s\">",
                              inputs, lti_html_escape(a, fields->v[i].name),
                              lti_html_escape(a, fields->v[i].value));
    char *page =
        inputs
            ? dla_arena_sprintf(
                  a,
                  "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                  "<title>dla</title>%s</head><body>"
                  "<form id=\"f\" method=\"post\" action=\"%s\">%s"
                  "<noscript><button type=\"submit\">%s</button></noscript></form>"
                  "<script>document.getElementById('f').submit();</script></body></html>",
                  lang, PAGE_STYLE, lti_html_escape(a, action), inputs,
                  lti_html_escape(a, dla_t(lang, "lti.continue")))
            : NULL;
    if (!page) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    dla_resp_header(req, "Cache-Control", "no-store");
    dla_resp_body(req, 200, "text/html; charset=utf-8", page, strlen(page));
}

/* ---- offloading blocking work ------------------------------------------------------
 * Handlers that call out to the LMS (roster, dynamic registration) must not
 * block an HTTP worker thread: the connections that thread serves would stall,
 * including the LMS calling back into dla (token endpoint fetching our JWKS).
 * The request is suspended and finished on a short-lived thread. */

typedef struct offload_s {
    dla_req_t *req;
    void *ud;
    dla_handler_fn fn;
} offload_t;

static int g_offloaded;

static void *offload_main(void *arg)
{
    offload_t *o = arg;
    o->fn(o->req, o->ud);
    if (!dla_resp_done(o->req))
        dla_resp_error(o->req, 500, "internal", "no response");
    dla_req_resume(o->req);
    __atomic_sub_fetch(&g_offloaded, 1, __ATOMIC_SEQ_CST);
    free(o);
    return NULL;
}

void lti_offload(dla_req_t *req, dla_handler_fn fn, void *ud)
{
    pthread_t th;
    pthread_attr_t at;
    offload_t *o = malloc(sizeof *o);
    if (!o || __atomic_add_fetch(&g_offloaded, 1, __ATOMIC_SEQ_CST) > 64) {
        if (o)
            __atomic_sub_fetch(&g_offloaded, 1, __ATOMIC_SEQ_CST);
        free(o);
        dla_resp_header(req, "Retry-After", "5");
        dla_resp_error(req, 503, "busy",
                       "too many LMS calls in progress, try again shortly");
        return;
    }
    o->req = req;
    o->ud = ud;
    o->fn = fn;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    dla_req_suspend(req);
    if (pthread_create(&th, &at, offload_main, o) != 0) {
        /* run inline rather than fail */
        offload_main(o);
    }
    pthread_attr_destroy(&at);
}

/* ---- config ---------------------------------------------------------------------- */

static int read_int(json_t *sec, const char *name, int def, int lo, int hi, int *out,
                    const dla_config_t *cfg, dla_err_t *err)
{
    json_t *v = json_object_get(sec, name);
    if (!v) {
        *out = def;
        return DLA_OK;
    }
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi) {
        char path[64];
        snprintf(path, sizeof path, "lti.%s", name);
        return dla_config_error(cfg, path, err, DLA_ECONFIG, "must be between %d and %d",
                                lo, hi);
    }
    *out = (int)x;
    return DLA_OK;
}

static int load_config(lti_state_t *st, dla_err_t *err)
{
    static const dla_cfg_field_t fields[] = {{"leeway", DLA_CFG_INT, 0},
                                             {"jwks_cache_ttl", DLA_CFG_INT, 0},
                                             {"jwks_refetch_interval", DLA_CFG_INT, 0},
                                             {"session_ttl", DLA_CFG_INT, 0},
                                             {"launch_ttl", DLA_CFG_INT, 0},
                                             {"key_overlap", DLA_CFG_INT, 0},
                                             {"oauth_window", DLA_CFG_INT, 0},
                                             {"registration_tenants", DLA_CFG_ARRAY, 0},
                                             {NULL, 0, 0}};
    const dla_config_t *cfg = st->app->cfg;
    json_t *sec = cfg ? dla_config_section(cfg, "lti") : NULL;
    int rc;
    if (sec && (rc = dla_config_check(cfg, "lti", sec, fields, err)) != DLA_OK)
        return rc;
    if ((rc = read_int(sec, "leeway", 60, 0, 600, &st->leeway, cfg, err)) ||
        (rc = read_int(sec, "jwks_cache_ttl", 3600, 0, 7 * 86400, &st->jwks_ttl, cfg,
                       err)) ||
        (rc = read_int(sec, "jwks_refetch_interval", 10, 0, 3600, &st->jwks_refetch_min,
                       cfg, err)) ||
        (rc = read_int(sec, "session_ttl", 8 * 3600, 60, 30 * 86400, &st->session_ttl,
                       cfg, err)) ||
        (rc = read_int(sec, "launch_ttl", 90 * 86400, 3600, 365 * 86400, &st->launch_ttl,
                       cfg, err)) ||
        (rc = read_int(sec, "key_overlap", 7 * 86400, 0, 90 * 86400, &st->key_overlap,
                       cfg, err)) ||
        (rc = read_int(sec, "oauth_window", 300, 30, 3600, &st->oauth_window, cfg, err)))
        return rc;
    st->registration_tenants = json_object_get(sec, "registration_tenants");
    size_t i;
    json_t *t;
    json_array_foreach(st->registration_tenants, i, t)
    {
        if (!json_is_string(t) || !dla_tenant_valid_id(json_string_value(t)))
            return dla_config_error(cfg, "lti.registration_tenants", err, DLA_ECONFIG,
                                    "must be an array of tenant ids");
    }
    return DLA_OK;
}

/* ---- life cycle ---------------------------------------------------------------------
 */

static void state_free(lti_state_t *st)
{
    if (!st)
        return;
    lti_gradeq_free(st->gradeq); /* first: its thread uses everything below */
    lti_demo_fini(st);
    lti_keys_close(st->keys);
    lti_jwks_cache_free(st->jwks_cache);
    lti_tokens_free(st->tokens);
    free(st);
}

int dla_lti_module_init(dla_app_t *app, dla_err_t *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    lti_state_t *st = calloc(1, sizeof *st);
    int rc;
    if (!st)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    pthread_once(&once, xmlInitParser);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    st->app = app;
    const char *base = app->base_url ? app->base_url : "http://127.0.0.1:8080";
    if ((rc = load_config(st, err)) != DLA_OK)
        goto fail;
    snprintf(st->launch_url, sizeof st->launch_url, "%s/lti/launch", base);
    snprintf(st->login_url, sizeof st->login_url, "%s/lti/login", base);
    snprintf(st->jwks_url, sizeof st->jwks_url, "%s/lti/jwks", base);
    if ((rc = lti_reg_init(app->store, err)) != DLA_OK ||
        (rc = lti_keys_open(app->store, st->key_overlap, &st->keys, err)) != DLA_OK)
        goto fail;
    if (lti_jwks_cache_new(&st->jwks_cache) != DLA_OK ||
        lti_tokens_new(&st->tokens) != DLA_OK ||
        lti_gradeq_new(st, &st->gradeq) != DLA_OK) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto fail;
    }
    dla_router_t *r = app->router;
    if (r &&
        ((rc = dla_router_add(r, "GET", "/lti/login", lti_h_login, st, 0, err)) ||
         (rc = dla_router_add(r, "POST", "/lti/login", lti_h_login, st, LTI_MAX_FORM,
                              err)) ||
         (rc = dla_router_add(r, "*", "/lti/launch", lti_h_launch, st, LTI_MAX_FORM,
                              err)) ||
         (rc = dla_router_add(r, "GET", "/lti/jwks", lti_h_jwks, st, 0, err)) ||
         (rc = dla_router_add(r, "GET", "/lti/register", lti_h_register, st, 0, err)) ||
         (rc = dla_router_add(r, "POST", "/lti/select", lti_h_select, st, LTI_MAX_FORM,
                              err)) ||
         (rc = dla_router_add(r, "GET", "/api/v1/roster", lti_h_roster, st, 0, err))))
        goto fail;
    if ((rc = lti_demo_init(st, err)) != DLA_OK)
        goto fail;
    app->lti = st;
    app->grade = lti_grade;
    app->grade_ctx = st;
    return DLA_OK;
fail:
    state_free(st);
    return rc;
}

void dla_lti_module_fini(dla_app_t *app)
{
    if (!app || !app->lti)
        return;
    state_free(app->lti);
    app->lti = NULL;
    app->grade = NULL;
    app->grade_ctx = NULL;
}
