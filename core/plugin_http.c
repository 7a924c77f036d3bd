/* plugin_http.c - GET /api/v1/content: content search over the registered
 * content sources, for the learner UI and pathways (Bearer session). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dla_auth.h"
#include "dla_form.h"
#include "dla_i18n.h"
#include "dla_log.h"
#include "plugin_int.h"

#define CONTENT_PARAM_MAX 512

/* Parses a decimal integer in [lo, hi]; 0 on success. */
static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || !end || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Builds the query object from the request's parameters; NULL after answering
 * 400 (or 500). */
static json_t *query_from_params(dla_req_t *req)
{
    static const char *strs[] = {"competence", "language", "text", "source"};
    dla_arena_t *a = dla_req_arena(req);
    const char *qs = dla_req_query_string(req);
    dla_form_t f;
    dla_err_t err = {0};
    if (dla_form_parse(a, qs, strlen(qs), 16, &f, &err) != DLA_OK) {
        dla_resp_error(req, 400, "invalid", "query string: %s", err.msg);
        return NULL;
    }
    json_t *q = json_object();
    if (!q) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < f.count; i++) {
        const char *name = f.pairs[i].name, *val = f.pairs[i].value;
        size_t k;
        if (dla_form_count(&f, name) > 1) {
            dla_resp_error(req, 400, "invalid", "parameter \"%.40s\" given twice", name);
            goto fail;
        }
        if (f.pairs[i].value_len > CONTENT_PARAM_MAX ||
            strlen(val) != f.pairs[i].value_len) {
            dla_resp_error(req, 400, "invalid",
                           "parameter \"%.40s\" is too long or binary", name);
            goto fail;
        }
        for (k = 0; k < sizeof strs / sizeof strs[0]; k++)
            if (strcmp(name, strs[k]) == 0)
                break;
        if (k < sizeof strs / sizeof strs[0]) {
            json_t *s = json_string(val);
            if (!s) {
                dla_resp_error(req, 400, "invalid", "parameter \"%s\" is not UTF-8",
                               name);
                goto fail;
            }
            json_object_set_new(q, name, s);
            continue;
        }
        long v;
        if (strcmp(name, "level") == 0 || strcmp(name, "limit") == 0) {
            int lvl = name[1] == 'e';
            if (parse_int(val, 1, lvl ? 8 : 500, &v) != 0) {
                dla_resp_error(req, 400, "invalid", "parameter \"%s\" must be %s", name,
                               lvl ? "1..8" : "1..500");
                goto fail;
            }
            json_object_set_new(q, name, json_integer(v));
            continue;
        }
        dla_resp_error(req, 400, "invalid",
                       "unknown parameter \"%.40s\" (competence, level, language, text, "
                       "limit, source)",
                       name);
        goto fail;
    }
    return q;
fail:
    json_decref(q);
    return NULL;
}

/* Authenticates "Authorization: Bearer <session token>"; answers 401 (in the
 * language of Accept-Language) and returns DLA_EAUTH otherwise. */
static int bearer_session(dla_req_t *req, dla_app_t *app, dla_session_t *out)
{
    const char *h = dla_req_header(req, "Authorization");
    const char *al = dla_req_header(req, "Accept-Language");
    if (h && strncasecmp(h, "Bearer ", 7) == 0 && strlen(h + 7) <= 128 &&
        dla_session_get(app->store, h + 7, out) == DLA_OK)
        return DLA_OK;
    dla_resp_header(req, "WWW-Authenticate", "Bearer");
    dla_resp_error(req, 401, "unauthorized", "%s",
                   dla_t(al ? al : "lt", "core.error.unauthorized"));
    return DLA_EAUTH;
}

static void route_content(dla_req_t *req, void *ud)
{
    dla_app_t *app = ud;
    dla_session_t sess;
    if (bearer_session(req, app, &sess) != DLA_OK)
        return;
    json_t *q = query_from_params(req);
    if (!q)
        return;
    char *text = json_dumps(q, JSON_COMPACT);
    json_decref(q);
    if (!text) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    json_t *items = NULL;
    dla_err_t err = {0};
    int rc = dla_plugins_content_search(app, text, &items, &err);
    free(text);
    if (rc == DLA_ENOTFOUND) {
        dla_resp_error(req, 404, "not_found", "%s", err.msg);
    } else if (rc == DLA_EINVAL) {
        dla_resp_error(req, 400, "invalid", "%s", err.msg);
    } else if (rc != DLA_OK) {
        dla_log(DLA_LOG_WARN, "content search: %s", err.msg);
        dla_resp_error(req, 502, "upstream", "%s", err.msg);
    } else {
        dla_resp_header(req, "Cache-Control", "no-store");
        dla_resp_json(req, 200,
                      json_pack("{s:o, s:I}", "items", items, "sources",
                                (json_int_t)dla_plugins_content_count(app)));
    }
}

int plugin_http_init(dla_app_t *app, dla_err_t *err)
{
    static const dla_router_t *routed; /* start-up only: one router per process */
    if (!app->router || routed == app->router)
        return DLA_OK;
    int rc =
        dla_router_add(app->router, "GET", "/api/v1/content", route_content, app, 0, err);
    if (rc == DLA_OK)
        routed = app->router;
    return rc;
}
