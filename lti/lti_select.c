/* lti_select.c - content selection: Deep Linking 2.0 (1.3) and Content-Item
 * Message 1.0 (1.1).
 *
 * A selection request shows a page of dla's linkable items; the choice is
 * posted to /lti/select with a single-use selection id (TTL record), and the
 * answer goes back to the platform as an auto-submitted form: a tool-signed
 * JWT (1.3) or an OAuth-signed ContentItemSelection (1.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_auth.h"
#include "dla_i18n.h"
#include "dla_log.h"
#include "lti_int.h"

#define NS_SEL "lti_sel"

typedef struct item_s {
    const char *id;
    const char *title_key;
    const char *text_key;
    int graded;
} item_t;

static const item_t ITEMS[] = {
    {"diagnostic", "lti.item.diagnostic", "lti.item.diagnostic.text", 1},
    {"pathway", "lti.item.pathway", "lti.item.pathway.text", 0},
    {"team", "lti.item.team", "lti.item.team.text", 0},
};
#define NITEMS (sizeof ITEMS / sizeof ITEMS[0])

void lti_select_page(lti_state_t *st, dla_req_t *req, json_t *ctx, const char *lang)
{
    dla_arena_t *a = dla_req_arena(req);
    dla_err_t err = {0};
    dla_ttl_txn_t *t = NULL;
    char id[48];
    json_object_set_new(ctx, "lang", json_string(lang));
    char *s = json_dumps(ctx, JSON_COMPACT);
    int rc = (s && lti_random_token(id, sizeof id, 18) == DLA_OK)
                 ? dla_ttl_txn_begin(st->app->store, 1, &t, &err)
                 : DLA_ENOMEM;
    if (rc == DLA_OK)
        rc = dla_ttl_put(t, NS_SEL, id, strlen(id), s, strlen(s), dla_now() + 1800, 0,
                         &err);
    if (rc == DLA_OK) {
        rc = dla_ttl_txn_commit(t, &err);
        t = NULL;
    }
    dla_ttl_txn_abort(t);
    free(s);
    if (rc != DLA_OK) {
        lti_fail(req, 500, lang, "lti.err.internal", NULL, err.msg);
        return;
    }
    char *list = dla_arena_strdup(a, "");
    for (size_t i = 0; list && i < NITEMS; i++)
        list = dla_arena_sprintf(
            a,
            "%s<li><label><input type=\"checkbox\" name=\"item\" value=\"%s\"%s> "
            "<strong>%s</strong></label><br><span>%s</span></li>",
            list, ITEMS[i].id, i == 0 ? " checked" : "",
            lti_html_escape(a, dla_t(lang, ITEMS[i].title_key)),
            lti_html_escape(a, dla_t(lang, ITEMS[i].text_key)));
    char *page =
        list ? dla_arena_sprintf(
                   a,
                   "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, "
                   "initial-scale=1\"><title>%s</title><style>body{font-family:"
                   "system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 "
                   "1rem}li{margin:.75rem 0;list-style:none}</style></head><body>"
                   "<main><h1>%s</h1><form method=\"post\" action=\"%s/lti/select\">"
                   "<input type=\"hidden\" name=\"sel\" value=\"%s\"><ul>%s</ul>"
                   "<button type=\"submit\">%s</button></form></main></body></html>",
                   lang, lti_html_escape(a, dla_t(lang, "lti.select.title")),
                   lti_html_escape(a, dla_t(lang, "lti.select.title")),
                   lti_html_escape(a, st->app->base_url), id, list,
                   lti_html_escape(a, dla_t(lang, "lti.select.submit")))
             : NULL;
    if (!page) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    dla_resp_header(req, "Cache-Control", "no-store");
    dla_resp_body(req, 200, "text/html; charset=utf-8", page, strlen(page));
}

static const item_t *find_item(const char *id)
{
    for (size_t i = 0; i < NITEMS; i++)
        if (strcmp(ITEMS[i].id, id) == 0)
            return &ITEMS[i];
    return NULL;
}

static json_t *dl_item(lti_state_t *st, const item_t *it, const char *lang, int lineitem)
{
    char url[700];
    snprintf(url, sizeof url, "%s/lti/launch", st->app->base_url);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "type", "ltiResourceLink",
                          "url", url, "title", dla_t(lang, it->title_key), "text",
                          dla_t(lang, it->text_key), "custom", "dla_item", it->id);
    if (j && it->graded && lineitem)
        json_object_set_new(j, "lineItem",
                            json_pack("{s:i, s:s, s:s, s:s}", "scoreMaximum", 100,
                                      "label", dla_t(lang, it->title_key), "resourceId",
                                      it->id, "tag", "dla"));
    return j;
}

static json_t *ci_item(lti_state_t *st, const item_t *it, const char *lang)
{
    char url[700];
    snprintf(url, sizeof url, "%s/lti/launch", st->app->base_url);
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:{s:[s]}}", "@type", "LtiLinkItem",
        "mediaType", "application/vnd.ims.lti.v1.ltilink", "url", url, "title",
        dla_t(lang, it->title_key), "text", dla_t(lang, it->text_key), "custom",
        "dla_item", it->id, "placementAdvice", "presentationDocumentTarget", "iframe");
    if (j && it->graded)
        json_object_set_new(j, "lineItem",
                            json_pack("{s:s, s:s, s:{s:s, s:f}}", "@type", "LineItem",
                                      "label", dla_t(lang, it->title_key),
                                      "scoreConstraints", "@type", "NumericLimits",
                                      "normalMaximum", 100.0));
    return j;
}

/* Loads and deletes the selection context (single use). New json or NULL. */
static json_t *take_sel(lti_state_t *st, const char *id)
{
    dla_ttl_txn_t *t = NULL;
    dla_val_t v;
    json_t *ctx = NULL;
    if (!id || strlen(id) > 64 ||
        dla_ttl_txn_begin(st->app->store, 1, &t, NULL) != DLA_OK)
        return NULL;
    if (dla_ttl_get(t, NS_SEL, id, strlen(id), dla_now(), &v) == DLA_OK) {
        ctx = json_loadb(v.data, v.len, 0, NULL);
        dla_ttl_del(t, NS_SEL, id, strlen(id));
    }
    if (dla_ttl_txn_commit(t, NULL) != DLA_OK) {
        json_decref(ctx);
        return NULL;
    }
    return ctx;
}

static void respond13(lti_state_t *st, dla_req_t *req, json_t *ctx, json_t *items,
                      const char *lang)
{
    dla_err_t err = {0};
    dla_arena_t *a = dla_req_arena(req);
    char nonce[48];
    int64_t now = dla_now();
    lti_random_token(nonce, sizeof nonce, 16);
    json_t *pl = json_pack(
        "{s:O, s:O, s:I, s:I, s:s, s:s, s:s, s:O, s:O}", "iss",
        json_object_get(ctx, "cid"), "aud", json_object_get(ctx, "iss"), "iat",
        (json_int_t)now, "exp", (json_int_t)now + 600, "nonce", nonce,
        "https://purl.imsglobal.org/spec/lti/claim/message_type",
        "LtiDeepLinkingResponse", "https://purl.imsglobal.org/spec/lti/claim/version",
        "1.3.0", "https://purl.imsglobal.org/spec/lti/claim/deployment_id",
        json_object_get(ctx, "deployment"),
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items", items);
    json_t *data = json_object_get(ctx, "data");
    if (pl && json_is_string(data))
        json_object_set(pl, "https://purl.imsglobal.org/spec/lti-dl/claim/data", data);
    cjose_jwk_t *k = lti_keys_current(st->keys);
    char *jwt = pl && k ? lti_jwt_sign(pl, k, &err) : NULL;
    if (k)
        cjose_jwk_release(k);
    json_decref(pl);
    if (!jwt) {
        lti_fail(req, 500, lang, "lti.err.internal", NULL, err.msg);
        return;
    }
    lti_params_t f = {0};
    char *j = dla_arena_strdup(a, jwt);
    free(jwt);
    if (!j || lti_params_add(a, &f, "JWT", j) != DLA_OK) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    lti_autopost(req, lang, json_string_value(json_object_get(ctx, "return_url")), &f);
}

static void respond11(lti_state_t *st, dla_req_t *req, json_t *ctx, json_t *items,
                      const char *lang)
{
    dla_err_t err = {0};
    dla_arena_t *a = dla_req_arena(req);
    lti_consumer_t cons;
    const char *ret = json_string_value(json_object_get(ctx, "return_url"));
    if (lti_consumer_get(st->app->store,
                         json_string_value(json_object_get(ctx, "consumer")),
                         &cons) != DLA_OK) {
        lti_fail(req, 400, lang, "lti.err.unknown_consumer", NULL, NULL);
        return;
    }
    json_t *graph =
        json_pack("{s:s, s:O}", "@context",
                  "http://purl.imsglobal.org/ctx/lti/v1/ContentItem", "@graph", items);
    char *ci = graph ? json_dumps(graph, JSON_COMPACT) : NULL;
    json_decref(graph);
    char *cia = ci ? dla_arena_strdup(a, ci) : NULL;
    free(ci);
    /* the return URL's query takes part in the signature but is not re-posted */
    lti_params_t sp = {0};
    const char *q = strchr(ret, '?');
    if (q && lti_form_params(a, "", 0, q + 1, &sp, &err) != DLA_OK) {
        lti_fail(req, 400, lang, "lti.err.bad_request", NULL, err.msg);
        return;
    }
    size_t nq = sp.n;
    const char *data = json_string_value(json_object_get(ctx, "data"));
    if (!cia || lti_params_add(a, &sp, "lti_message_type", "ContentItemSelection") ||
        lti_params_add(a, &sp, "lti_version", "LTI-1p0") ||
        lti_params_add(a, &sp, "content_items", cia) ||
        (data && lti_params_add(a, &sp, "data", data))) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    if (lti_oauth_sign(a, "POST", ret, &sp, cons.key, cons.secret, NULL, &err) !=
        DLA_OK) {
        lti_fail(req, 500, lang, "lti.err.internal", NULL, err.msg);
        return;
    }
    lti_params_t f = {sp.v + nq, sp.n - nq, sp.n - nq};
    lti_autopost(req, lang, ret, &f);
}

void lti_h_select(dla_req_t *req, void *ud)
{
    lti_state_t *st = ud;
    dla_err_t err = {0};
    lti_params_t p;
    size_t blen = 0;
    const char *body = dla_req_body(req, &blen);
    if (lti_form_params(dla_req_arena(req), body, blen, NULL, &p, &err) != DLA_OK) {
        lti_fail(req, 400, "lt", "lti.err.bad_request", NULL, err.msg);
        return;
    }
    json_t *ctx = take_sel(st, lti_params_get(&p, "sel"));
    if (!ctx) {
        lti_fail(req, 400, "lt", "lti.err.state", NULL,
                 "selection expired or already used");
        return;
    }
    const char *lang = lti_lang(json_string_value(json_object_get(ctx, "lang")));
    int v13 = strcmp(json_string_value(json_object_get(ctx, "v")) ?: "", "1.3") == 0;
    int lineitem = !v13 || json_is_true(json_object_get(ctx, "accept_lineitem"));
    json_t *items = json_array();
    for (size_t i = 0; items && i < p.n; i++) {
        if (strcmp(p.v[i].name, "item") != 0)
            continue;
        const item_t *it = find_item(p.v[i].value);
        if (it && json_array_size(items) > 0 &&
            json_is_false(json_object_get(ctx, "accept_multiple")))
            break; /* the platform takes one item only */
        if (it)
            json_array_append_new(items, v13 ? dl_item(st, it, lang, lineitem)
                                             : ci_item(st, it, lang));
    }
    if (!items)
        dla_resp_error(req, 500, "internal", "out of memory");
    else if (v13)
        respond13(st, req, ctx, items, lang);
    else
        respond11(st, req, ctx, items, lang);
    json_decref(items);
    json_decref(ctx);
}
