/* test_content.c - test plugin: a content source driven by its config.
 *
 * Config: {"items": N (default 2), "source": "registration name",
 *          "fail_init": "message", "fail_search": true, "bad_result": true,
 *          "skip_register": true, "register_twice": true, "undeclared": true}
 * Each search answers N items {"id":"tN","title":"test item N","url":...,
 * "calls":C,"query":<the query>} where C counts searches in the plugin's
 * key/value store (-1 when the host has none).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_plugin.h"

typedef struct tc_s {
    const dla_host_api_t *api;
    dla_plugin_ctx_t *ctx;
    int items, fail_search, bad_result;
} tc_t;

/* Tiny config reader: the value text after "key": (test configs are simple). */
static const char *cfg_find(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    return p ? p + strlen(pat) : NULL;
}

static int cfg_true(const char *json, const char *key)
{
    const char *v = cfg_find(json, key);
    return v && strncmp(v, "true", 4) == 0;
}

static long count_calls(tc_t *tc)
{
    const dla_host_api_t *api = tc->api;
    char *val = NULL;
    size_t len = 0;
    long calls = 0;
    int rc = api->kv_get(tc->ctx, "calls", &val, &len);
    if (rc == DLA_PLUGIN_EUNSUPPORTED)
        return -1;
    if (rc == DLA_PLUGIN_OK) {
        calls = strtol(val, NULL, 10);
        api->free(val);
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld", calls + 1);
    if (api->kv_put(tc->ctx, "calls", buf, (size_t)n) != DLA_PLUGIN_OK)
        return -2;
    return calls + 1;
}

static int tc_search(void *data, const char *query_json, char **result,
                     dla_plugin_err_t *err)
{
    tc_t *tc = data;
    const dla_host_api_t *api = tc->api;
    if (tc->fail_search)
        return api->err_set(err, DLA_PLUGIN_EIO, "search failed on purpose");
    if (tc->bad_result) {
        char *r = api->alloc(16);
        if (!r)
            return DLA_PLUGIN_ENOMEM;
        memcpy(r, "{\"not\":1}", 10);
        *result = r;
        return DLA_PLUGIN_OK;
    }
    long calls = count_calls(tc);
    size_t cap = 64 + (size_t)tc->items * (200 + strlen(query_json));
    char *r = api->alloc(cap);
    if (!r)
        return api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
    size_t o = 0;
    r[o++] = '[';
    for (int i = 0; i < tc->items; i++) {
        o += (size_t)snprintf(r + o, cap - o,
                              "%s{\"id\":\"t%d\",\"title\":\"test item %d\","
                              "\"url\":\"https://content.test/%d\",\"calls\":%ld,"
                              "\"query\":%s}",
                              i ? "," : "", i, i, i, calls, query_json);
    }
    r[o++] = ']';
    r[o] = '\0';
    *result = r;
    return DLA_PLUGIN_OK;
}

static const dla_content_source_ops_t tc_ops = {
    .size = sizeof(dla_content_source_ops_t),
    .search = tc_search,
    .description = "test content source",
};

static void tc_fini(void *state)
{
    tc_t *tc = state;
    if (tc)
        tc->api->free(tc);
}

static int tc_init(dla_plugin_ctx_t *ctx, const dla_host_api_t *api,
                   const char *config_json, void **state, dla_plugin_err_t *err)
{
    if (strcmp(api->config(ctx), config_json) != 0)
        return api->err_set(err, DLA_PLUGIN_ERR, "api->config differs from config_json");
    const char *fail = cfg_find(config_json, "fail_init");
    if (fail)
        return api->err_set(err, DLA_PLUGIN_ECONFIG, "refusing to start: %.60s", fail);
    /* the key/value store is usable from init on (when the host has a store) */
    int kv = api->kv_put(ctx, "init", "1", 1);
    if (kv != DLA_PLUGIN_OK && kv != DLA_PLUGIN_EUNSUPPORTED)
        return api->err_set(err, kv, "kv_put in init failed (%d)", kv);
    tc_t *tc = api->alloc(sizeof *tc);
    if (!tc)
        return api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
    tc->api = api;
    tc->ctx = ctx;
    const char *n = cfg_find(config_json, "items");
    tc->items = n ? atoi(n) : 2;
    if (tc->items < 0 || tc->items > 1000)
        tc->items = 2;
    tc->fail_search = cfg_true(config_json, "fail_search");
    tc->bad_result = cfg_true(config_json, "bad_result");
    char name[64] = "";
    const char *s = cfg_find(config_json, "source");
    if (s && *s == '"')
        sscanf(s + 1, "%63[^\"]", name);
    int rc = DLA_PLUGIN_OK;
    if (!cfg_true(config_json, "skip_register"))
        rc = api->register_content_source(ctx, name[0] ? name : NULL, &tc_ops, tc);
    if (rc == DLA_PLUGIN_OK && cfg_true(config_json, "register_twice"))
        rc = api->register_content_source(ctx, name[0] ? name : NULL, &tc_ops, tc);
    if (rc == DLA_PLUGIN_OK && cfg_true(config_json, "undeclared")) {
        static const dla_hr_exporter_ops_t none = {.size = 0};
        rc = api->register_hr_exporter(ctx, NULL, &none, tc);
    }
    if (rc != DLA_PLUGIN_OK) {
        api->free(tc);
        return api->err_set(err, rc, "registration refused (%d)", rc);
    }
    api->log(ctx, DLA_PLUGIN_LOG_DEBUG, "test content source \"%s\" ready",
             api->name(ctx));
    *state = tc;
    return DLA_PLUGIN_OK;
}

static const dla_plugin_t test_content = {
    .abi_version = DLA_PLUGIN_ABI_VERSION,
    .size = sizeof(dla_plugin_t),
    .name = "test_content",
    .version = "0.0.1",
    .caps = DLA_CAP_CONTENT_SOURCE,
    .init = tc_init,
    .fini = tc_fini,
    .description = "test plugin: content source",
};

DLA_PLUGIN_DECLARE(test_content)
