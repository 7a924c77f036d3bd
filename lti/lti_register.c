/* lti_register.c - LTI Dynamic Registration 1.0 at GET /lti/register.
 *
 * The LMS opens the page with openid_configuration (and registration_token);
 * dla reads the platform configuration, registers itself at the platform's
 * registration endpoint, stores the platform for the tenant and closes the
 * window with the org.imsglobal.lti.close postMessage. Only tenants listed in
 * the "lti.registration_tenants" config accept dynamic registrations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_i18n.h"
#include "dla_log.h"
#include "lti_int.h"

/* Host part ("example.org:8443") of an http(s) URL into out. */
static int url_host(const char *u, char *out, size_t cap)
{
    const char *p = strstr(u ? u : "", "://");
    if (!p)
        return -1;
    p += 3;
    size_t n = strcspn(p, "/?#");
    if (n == 0 || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
    out[n] = '\0';
    return 0;
}

static const char *pick_tenant(lti_state_t *st, const char *want)
{
    size_t i;
    json_t *t;
    if (!want && json_array_size(st->registration_tenants) == 1)
        return json_string_value(json_array_get(st->registration_tenants, 0));
    json_array_foreach(st->registration_tenants, i, t)
    {
        if (want && strcmp(json_string_value(t), want) == 0)
            return want;
    }
    return NULL;
}

static json_t *tool_registration(lti_state_t *st, const char *lang)
{
    const char *base = st->app->base_url;
    char domain[256] = "";
    url_host(base, domain, sizeof domain);
    char sel[700];
    snprintf(sel, sizeof sel, "%s/lti/launch", base);
    return json_pack(
        "{s:s, s:[s], s:[s,s], s:s, s:[s], s:s, s:s, s:s, s:s, s:s,"
        " s:{s:s, s:s, s:s, s:{s:s}, s:[s,s,s,s], s:[{s:s},{s:s, s:s, s:[s,s]}]}}",
        "application_type", "web", "response_types", "id_token", "grant_types",
        "implicit", "client_credentials", "initiate_login_uri", st->login_url,
        "redirect_uris", st->launch_url, "client_name", "dla", "jwks_uri", st->jwks_url,
        "token_endpoint_auth_method", "private_key_jwt", "logo_uri", "", "scope",
        "https://purl.imsglobal.org/spec/lti-ags/scope/score "
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem "
        "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly "
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
        "https://purl.imsglobal.org/spec/lti-tool-configuration", "domain", domain,
        "description", dla_t(lang, "lti.register.description"), "target_link_uri", sel,
        "custom_parameters", "dla_item", "diagnostic", "claims", "iss", "sub", "name",
        "locale", "messages", "type", "LtiResourceLinkRequest", "type",
        "LtiDeepLinkingRequest", "target_link_uri", sel, "placements", "ContentArea",
        "link_selection");
}

static void done_page(dla_req_t *req, const char *lang, int ok, const char *detail)
{
    dla_arena_t *a = dla_req_arena(req);
    const char *title = dla_t(lang, ok ? "lti.register.ok" : "lti.register.failed");
    char *page = dla_arena_sprintf(
        a,
        "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\"><title>%s</title>"
        "</head><body><main data-registration=\"%s\"><h1>%s</h1><p>%s</p>"
        "<button id=\"close\" type=\"button\">%s</button></main><script>"
        "function closeReg(){(window.opener||window.parent).postMessage("
        "{subject:'org.imsglobal.lti.close'},'*');}"
        "document.getElementById('close').onclick=closeReg;%s</script></body></html>",
        lang, lti_html_escape(a, title), ok ? "ok" : "failed", lti_html_escape(a, title),
        lti_html_escape(a, detail ? detail : ""),
        lti_html_escape(a, dla_t(lang, "lti.close")),
        ok ? "setTimeout(closeReg,2500);" : "");
    if (!page) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    dla_resp_header(req, "Cache-Control", "no-store");
    dla_resp_body(req, ok ? 200 : 400, "text/html; charset=utf-8", page, strlen(page));
}

static void register_work(dla_req_t *req, void *ud);

void lti_h_register(dla_req_t *req, void *ud)
{
    lti_offload(req, register_work, ud);
}

static void register_work(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    dla_err_t err = {0};
    const char *lang = lti_lang(dla_req_query(req, "lang"));
    const char *cfg_url = dla_req_query(req, "openid_configuration");
    const char *rtok = dla_req_query(req, "registration_token");
    const char *tenant = pick_tenant(st, dla_req_query(req, "tenant"));
    lti_http_resp_t r = {0};
    json_t *cfg = NULL, *reg = NULL, *ans = NULL;
    char *body = NULL;
    lti_platform_t p;
    memset(&p, 0, sizeof p);
    if (!tenant) {
        done_page(req, lang, 0, dla_t(lang, "lti.err.registration_closed"));
        return;
    }
    if (!cfg_url || !rtok || !*rtok) {
        /* platforms always send a registration token; without one this would be
         * an open door for anyone to add a platform to the tenant */
        done_page(req, lang, 0,
                  "openid_configuration and registration_token are required");
        return;
    }
    const char *acc[] = {"Accept: application/json", NULL};
    if (lti_http("GET", cfg_url, acc, NULL, 0, &r, &err) != DLA_OK) {
        done_page(req, lang, 0, err.msg);
        goto cleanup;
    }
    cfg = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    lti_http_resp_free(&r);
    const char *iss = json_string_value(json_object_get(cfg, "issuer"));
    const char *au = json_string_value(json_object_get(cfg, "authorization_endpoint"));
    const char *tu = json_string_value(json_object_get(cfg, "token_endpoint"));
    const char *ju = json_string_value(json_object_get(cfg, "jwks_uri"));
    const char *ru = json_string_value(json_object_get(cfg, "registration_endpoint"));
    const char *aud = json_string_value(json_object_get(cfg, "authorization_server"));
    char h1[256], h2[256];
    if (!iss || !au || !tu || !ju || !ru) {
        done_page(req, lang, 0, "platform configuration lacks issuer or endpoints");
        goto cleanup;
    }
    if (url_host(iss, h1, sizeof h1) || url_host(cfg_url, h2, sizeof h2) ||
        strcmp(h1, h2)) {
        done_page(req, lang, 0, "issuer and configuration URL are on different hosts");
        goto cleanup;
    }
    reg = tool_registration(st, lang);
    body = reg ? json_dumps(reg, JSON_COMPACT) : NULL;
    char *auth =
        rtok ? dla_arena_sprintf(dla_req_arena(req), "Authorization: Bearer %s", rtok)
             : NULL;
    const char *hdr[] = {"Content-Type: application/json", "Accept: application/json",
                         auth, NULL};
    if (!body || (rtok && (!auth || strpbrk(rtok, "\r\n")))) {
        done_page(req, lang, 0, "bad registration token");
        goto cleanup;
    }
    if (lti_http("POST", ru, hdr, body, strlen(body), &r, &err) != DLA_OK) {
        done_page(req, lang, 0, err.msg);
        goto cleanup;
    }
    ans =
        (r.status == 200 || r.status == 201) ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    const char *cid = json_string_value(json_object_get(ans, "client_id"));
    json_t *tc =
        json_object_get(ans, "https://purl.imsglobal.org/spec/lti-tool-configuration");
    const char *dep = json_string_value(json_object_get(tc, "deployment_id"));
    if (!cid) {
        char msg[200];
        snprintf(msg, sizeof msg, "the platform refused the registration (HTTP %ld)",
                 r.status);
        done_page(req, lang, 0, msg);
        goto cleanup;
    }
    if (lti_strcpy(p.tenant, sizeof p.tenant, tenant) ||
        lti_strcpy(p.issuer, sizeof p.issuer, iss) ||
        lti_strcpy(p.client_id, sizeof p.client_id, cid) ||
        lti_strcpy(p.auth_url, sizeof p.auth_url, au) ||
        lti_strcpy(p.token_url, sizeof p.token_url, tu) ||
        lti_strcpy(p.jwks_url, sizeof p.jwks_url, ju) ||
        lti_strcpy(p.auth_audience, sizeof p.auth_audience, aud)) {
        done_page(req, lang, 0, "platform values too long");
        goto cleanup;
    }
    p.deployments = json_array();
    if (dep)
        json_array_append_new(p.deployments, json_string(dep));
    p.created = dla_now();
    if (lti_platform_put(st->app->store, &p, &err) != DLA_OK) {
        done_page(req, lang, 0, err.msg);
        goto cleanup;
    }
    dla_log(DLA_LOG_INFO, "lti: registered platform %s client %s for tenant %s", iss, cid,
            tenant);
    done_page(req, lang, 1, dla_t(lang, "lti.register.ok.text"));
cleanup:
    lti_http_resp_free(&r);
    lti_platform_clear(&p);
    json_decref(cfg);
    json_decref(reg);
    json_decref(ans);
    free(body);
}
