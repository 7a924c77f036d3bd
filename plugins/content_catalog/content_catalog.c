/* content_catalog.c - example plugin: a content source serving a JSON catalog.
 *
 * Config (the plugin's "config" object):
 *   {"catalog": "catalog.json",   required; relative paths resolve under the
 *                                 service's data directory
 *    "max_results": 50}           optional, 1..500, the default "limit"
 *
 * Catalog file: {"items": [ITEM, ...]} (or a bare array), each ITEM
 *   {"id": "pwd-basics", "title": "...", "url": "https://...",   required
 *    "language": "lt", "competences": ["4.2"], "levels": [1, 2],  optional
 *    "kind": "course", "duration_min": 30, "description": "..."}  optional
 * Unknown keys are errors (typos in a catalog must not go unnoticed).
 *
 * Query: {"competence": "4.2" (or an area "4"), "level": 2, "language": "lt",
 * "text": "...", "limit": 20}; unknown keys are ignored. An item without
 * "levels" suits every level; without "language" every language.
 *
 * The catalog is loaded once in init and never changes: searches run
 * concurrently without locks.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "dla_plugin.h"

#define CATALOG_MAX_BYTES (16u << 20)
#define LIMIT_MAX 500

typedef struct catalog_s {
    const dla_host_api_t *api;
    dla_plugin_ctx_t *ctx;
    json_t *items; /* array of validated item objects */
    int max_results;
    char path[4096];
} catalog_t;

static int is_competence_id(const char *s)
{
    /* "1".."9" area or "1.1".."9.99" competence */
    if (!isdigit((unsigned char)s[0]))
        return 0;
    s++;
    if (*s == '\0')
        return 1;
    if (*s++ != '.' || !isdigit((unsigned char)*s))
        return 0;
    s++;
    if (isdigit((unsigned char)*s))
        s++;
    return *s == '\0';
}

static int check_item(const dla_host_api_t *api, const json_t *it, size_t i,
                      dla_plugin_err_t *err)
{
    if (!json_is_object(it))
        return api->err_set(err, DLA_PLUGIN_ECONFIG, "items[%zu]: must be an object", i);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)it, k, v)
    {
        if (!strcmp(k, "id") || !strcmp(k, "title") || !strcmp(k, "url") ||
            !strcmp(k, "language") || !strcmp(k, "kind") || !strcmp(k, "description")) {
            if (!json_is_string(v) || json_string_length(v) == 0)
                return api->err_set(err, DLA_PLUGIN_ECONFIG,
                                    "items[%zu].%s: must be a non-empty string", i, k);
        } else if (!strcmp(k, "competences")) {
            size_t j;
            json_t *c;
            if (!json_is_array(v))
                return api->err_set(err, DLA_PLUGIN_ECONFIG,
                                    "items[%zu].competences: must be an array", i);
            json_array_foreach(v, j, c)
            {
                if (!json_is_string(c) || !is_competence_id(json_string_value(c)))
                    return api->err_set(
                        err, DLA_PLUGIN_ECONFIG,
                        "items[%zu].competences[%zu]: not a competence id "
                        "like \"1.2\"",
                        i, j);
            }
        } else if (!strcmp(k, "levels")) {
            size_t j;
            json_t *l;
            if (!json_is_array(v))
                return api->err_set(err, DLA_PLUGIN_ECONFIG,
                                    "items[%zu].levels: must be an array", i);
            json_array_foreach(v, j, l)
            {
                if (!json_is_integer(l) || json_integer_value(l) < 1 ||
                    json_integer_value(l) > 8)
                    return api->err_set(err, DLA_PLUGIN_ECONFIG,
                                        "items[%zu].levels[%zu]: must be 1..8", i, j);
            }
        } else if (!strcmp(k, "duration_min")) {
            if (!json_is_integer(v) || json_integer_value(v) < 0)
                return api->err_set(err, DLA_PLUGIN_ECONFIG,
                                    "items[%zu].duration_min: must be minutes", i);
        } else {
            return api->err_set(err, DLA_PLUGIN_ECONFIG, "items[%zu]: unknown key \"%s\"",
                                i, k);
        }
    }
    if (!json_object_get(it, "id") || !json_object_get(it, "title") ||
        !json_object_get(it, "url"))
        return api->err_set(err, DLA_PLUGIN_ECONFIG,
                            "items[%zu]: \"id\", \"title\" and \"url\" are required", i);
    return DLA_PLUGIN_OK;
}

static int load_catalog(catalog_t *cat, dla_plugin_err_t *err)
{
    const dla_host_api_t *api = cat->api;
    json_error_t je;
    struct stat st;
    if (stat(cat->path, &st) == 0 && st.st_size > (off_t)CATALOG_MAX_BYTES)
        return api->err_set(err, DLA_PLUGIN_ETOOBIG, "catalog %s: larger than %u bytes",
                            cat->path, CATALOG_MAX_BYTES);
    json_t *root = json_load_file(cat->path, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return api->err_set(err, DLA_PLUGIN_ECONFIG, "catalog %s:%d:%d: %s", cat->path,
                            je.line, je.column, je.text);
    json_t *items = root;
    if (json_is_object(root)) {
        items = json_object_get(root, "items");
        if (json_object_size(root) != 1 || !json_is_array(items)) {
            json_decref(root);
            return api->err_set(err, DLA_PLUGIN_ECONFIG,
                                "catalog %s: expected {\"items\": [...]}", cat->path);
        }
    } else if (!json_is_array(root)) {
        json_decref(root);
        return api->err_set(err, DLA_PLUGIN_ECONFIG, "catalog %s: expected an array",
                            cat->path);
    }
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        int rc = check_item(api, it, i, err);
        for (size_t j = 0; rc == DLA_PLUGIN_OK && j < i; j++) {
            if (json_equal(json_object_get(it, "id"),
                           json_object_get(json_array_get(items, j), "id")))
                rc = api->err_set(err, DLA_PLUGIN_ECONFIG,
                                  "items[%zu]: duplicate id \"%s\"", i,
                                  json_string_value(json_object_get(it, "id")));
        }
        if (rc != DLA_PLUGIN_OK) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            api->err_set(err, rc, "catalog %s: %s", cat->path, msg);
            json_decref(root);
            return rc;
        }
    }
    cat->items = json_incref(items);
    json_decref(root);
    return DLA_PLUGIN_OK;
}

static int parse_config(catalog_t *cat, const char *config_json, dla_plugin_err_t *err)
{
    const dla_host_api_t *api = cat->api;
    json_error_t je;
    json_t *conf = json_loads(config_json, JSON_REJECT_DUPLICATES, &je);
    const char *catalog = NULL;
    int max = 50, rc = DLA_PLUGIN_OK;
    if (!json_is_object(conf)) {
        rc = api->err_set(err, DLA_PLUGIN_ECONFIG, "config: must be an object");
        goto cleanup;
    }
    const char *k;
    json_t *v;
    json_object_foreach(conf, k, v)
    {
        if (!strcmp(k, "catalog") && json_is_string(v)) {
            catalog = json_string_value(v);
        } else if (!strcmp(k, "max_results") && json_is_integer(v) &&
                   json_integer_value(v) >= 1 && json_integer_value(v) <= LIMIT_MAX) {
            max = (int)json_integer_value(v);
        } else if (!strcmp(k, "catalog") || !strcmp(k, "max_results")) {
            rc = api->err_set(err, DLA_PLUGIN_ECONFIG, "config.%s: %s", k,
                              k[0] == 'c' ? "must be a file path" : "must be 1..500");
            goto cleanup;
        } else {
            rc = api->err_set(err, DLA_PLUGIN_ECONFIG, "config: unknown key \"%s\"", k);
            goto cleanup;
        }
    }
    if (!catalog || !*catalog) {
        rc = api->err_set(err, DLA_PLUGIN_ECONFIG,
                          "config.catalog: a file path is required");
        goto cleanup;
    }
    if (api->data_path(cat->ctx, catalog, cat->path, sizeof cat->path) != DLA_PLUGIN_OK) {
        rc = api->err_set(err, DLA_PLUGIN_ECONFIG, "config.catalog: path too long");
        goto cleanup;
    }
    cat->max_results = max;
cleanup:
    json_decref(conf);
    return rc;
}

/* Case-insensitive (ASCII) substring search. */
static int contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0)
        return 1;
    for (; *hay; hay++) {
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    }
    return 0;
}

/* "lt-LT" and "lt" name the same language. */
static int same_language(const char *a, const char *b)
{
    size_t la = strcspn(a, "-_"), lb = strcspn(b, "-_");
    return la == lb && strncasecmp(a, b, la) == 0;
}

static int match_competence(const json_t *item, const char *want)
{
    const json_t *cs = json_object_get(item, "competences");
    size_t wl = strlen(want), i;
    json_t *c;
    int area = strchr(want, '.') == NULL;
    json_array_foreach(cs, i, c)
    {
        const char *s = json_string_value(c);
        if (strcmp(s, want) == 0 || (area && strncmp(s, want, wl) == 0 && s[wl] == '.'))
            return 1;
    }
    return 0;
}

static int match_level(const json_t *item, json_int_t level)
{
    const json_t *ls = json_object_get(item, "levels");
    size_t i;
    json_t *l;
    if (!ls || json_array_size(ls) == 0)
        return 1;
    json_array_foreach(ls, i, l)
    {
        if (json_integer_value(l) == level)
            return 1;
    }
    return 0;
}

static int catalog_search(void *data, const char *query_json, char **result,
                          dla_plugin_err_t *err)
{
    catalog_t *cat = data;
    const dla_host_api_t *api = cat->api;
    json_error_t je;
    json_t *q = json_loads(query_json, 0, &je), *out = NULL;
    char *text = NULL;
    int rc = DLA_PLUGIN_OK;
    if (!json_is_object(q)) {
        rc = api->err_set(err, DLA_PLUGIN_EINVAL, "query: must be a JSON object");
        goto cleanup;
    }
    json_t *jc = json_object_get(q, "competence"), *jl = json_object_get(q, "level");
    json_t *jlang = json_object_get(q, "language"), *jt = json_object_get(q, "text");
    json_t *jlim = json_object_get(q, "limit");
    if ((jc && !json_is_string(jc)) || (jlang && !json_is_string(jlang)) ||
        (jt && !json_is_string(jt))) {
        rc = api->err_set(err, DLA_PLUGIN_EINVAL,
                          "query: competence, language and text must be strings");
        goto cleanup;
    }
    if (jc && !is_competence_id(json_string_value(jc))) {
        rc = api->err_set(err, DLA_PLUGIN_EINVAL, "query: \"%s\" is not a competence id",
                          json_string_value(jc));
        goto cleanup;
    }
    if (jl && (!json_is_integer(jl) || json_integer_value(jl) < 1 ||
               json_integer_value(jl) > 8)) {
        rc = api->err_set(err, DLA_PLUGIN_EINVAL, "query: level must be 1..8");
        goto cleanup;
    }
    json_int_t limit = cat->max_results;
    if (jlim) {
        if (!json_is_integer(jlim) || json_integer_value(jlim) < 1 ||
            json_integer_value(jlim) > LIMIT_MAX) {
            rc = api->err_set(err, DLA_PLUGIN_EINVAL, "query: limit must be 1..%d",
                              LIMIT_MAX);
            goto cleanup;
        }
        limit = json_integer_value(jlim);
    }
    out = json_array();
    if (!out) {
        rc = api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
        goto cleanup;
    }
    size_t i;
    json_t *it;
    json_array_foreach(cat->items, i, it)
    {
        if ((json_int_t)json_array_size(out) >= limit)
            break;
        if (jc && !match_competence(it, json_string_value(jc)))
            continue;
        if (jl && !match_level(it, json_integer_value(jl)))
            continue;
        const char *lang = json_string_value(json_object_get(it, "language"));
        if (jlang && lang && !same_language(lang, json_string_value(jlang)))
            continue;
        if (jt) {
            const char *title = json_string_value(json_object_get(it, "title"));
            const char *desc = json_string_value(json_object_get(it, "description"));
            if (!contains_ci(title, json_string_value(jt)) &&
                !(desc && contains_ci(desc, json_string_value(jt))))
                continue;
        }
        /* deep copy: the shared catalog is never touched by the host */
        if (json_array_append_new(out, json_deep_copy(it)) != 0) {
            rc = api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
            goto cleanup;
        }
    }
    text = json_dumps(out, JSON_COMPACT);
    if (!text) {
        rc = api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
        goto cleanup;
    }
    size_t len = strlen(text);
    char *res = api->alloc(len + 1);
    if (!res) {
        rc = api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
        goto cleanup;
    }
    memcpy(res, text, len + 1);
    *result = res;
cleanup:
    free(text);
    json_decref(out);
    json_decref(q);
    return rc;
}

static const dla_content_source_ops_t catalog_ops = {
    .size = sizeof(dla_content_source_ops_t),
    .search = catalog_search,
    .description = "learning content from a JSON catalog file",
};

static void catalog_fini(void *state)
{
    catalog_t *cat = state;
    if (!cat)
        return;
    json_decref(cat->items);
    cat->api->free(cat);
}

static int catalog_init(dla_plugin_ctx_t *ctx, const dla_host_api_t *api,
                        const char *config_json, void **state, dla_plugin_err_t *err)
{
    if (!DLA_HOST_API_HAS(api, data_path))
        return api->err_set(err, DLA_PLUGIN_EUNSUPPORTED, "host API too old");
    catalog_t *cat = api->alloc(sizeof *cat);
    if (!cat)
        return api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
    memset(cat, 0, sizeof *cat);
    cat->api = api;
    cat->ctx = ctx;
    int rc = parse_config(cat, config_json, err);
    if (rc == DLA_PLUGIN_OK)
        rc = load_catalog(cat, err);
    if (rc == DLA_PLUGIN_OK)
        rc = api->register_content_source(ctx, NULL, &catalog_ops, cat);
    if (rc != DLA_PLUGIN_OK) {
        if (!err->msg[0])
            api->err_set(err, rc, "could not register the content source");
        catalog_fini(cat);
        return rc;
    }
    api->log(ctx, DLA_PLUGIN_LOG_INFO, "%zu item(s) from %s", json_array_size(cat->items),
             cat->path);
    *state = cat;
    return DLA_PLUGIN_OK;
}

static const dla_plugin_t content_catalog = {
    .abi_version = DLA_PLUGIN_ABI_VERSION,
    .size = sizeof(dla_plugin_t),
    .name = "content_catalog",
    .version = "1.0.0",
    .caps = DLA_CAP_CONTENT_SOURCE,
    .init = catalog_init,
    .fini = catalog_fini,
    .description = "content source: a JSON catalog of courses and materials",
};

DLA_PLUGIN_DECLARE(content_catalog)
