/* plugin_cli.c - `dla plugin list|search|export`. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_int.h"

/* Reports a failure: "dla plugin <cmd>: <msg>" on stderr and, with --json, the
 * admin commands' JSON error object on stdout. Returns status. */
static int fail(int json, const char *cmd, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(int json, const char *cmd, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (json) {
        json_t *o = json_pack("{s:{s:s,s:s%}}", "error", "code", "command_failed",
                              "message", msg, strlen(msg));
        char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        puts(text ? text : "{\"error\":{\"code\":\"command_failed\",\"message\":\"\"}}");
        free(text);
        json_decref(o);
    }
    fprintf(stderr, "dla plugin %s: %s\n", cmd, msg);
    return status;
}

static void cap_list(json_t *arr, uint32_t caps)
{
    for (uint32_t bit = 1; bit; bit <<= 1) {
        if (caps & bit)
            json_array_append_new(arr, json_string(plugin_cap_name(bit)));
    }
}

int dla_plugins_list_json(const dla_app_t *app, json_t **out, dla_err_t *err)
{
    const dla_plugins_state_t *ps = app ? app->plugins : NULL;
    json_t *root = json_object(), *arr = json_array();
    if (!root || !arr)
        goto oom;
    json_object_set_new(root, "plugin_dir", json_string(dla_plugins_dir()));
    if (json_object_set(root, "plugins", arr) != 0)
        goto oom;
    for (size_t i = 0; ps && i < ps->count; i++) {
        const struct dla_plugin_ctx_s *c = ps->items[i];
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:I, s:s, s:[], s:[], s:[]}", "name", c->name,
                      "plugin", c->desc->name, "version", c->desc->version, "abi_version",
                      (json_int_t)c->desc->abi_version, "path", c->path, "caps",
                      "content_sources", "hr_exporters");
        if (!o || json_array_append_new(arr, o) != 0)
            goto oom;
        if (c->desc->description)
            json_object_set_new(o, "description", json_string(c->desc->description));
        cap_list(json_object_get(o, "caps"), c->desc->caps);
        for (size_t k = 0; k < ps->nregs; k++) {
            const plugin_reg_t *r = &ps->regs[k];
            if (r->owner != c)
                continue;
            json_array_append_new(json_object_get(o, r->kind == REG_CONTENT
                                                         ? "content_sources"
                                                         : "hr_exporters"),
                                  json_string(r->name));
        }
    }
    json_decref(arr);
    *out = root;
    return DLA_OK;
oom:
    json_decref(arr);
    json_decref(root);
    return dla_err_set(err, DLA_ENOMEM, "out of memory");
}

static void print_names(const json_t *arr)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) printf("%s%s", i ? "," : "", json_string_value(v));
    if (json_array_size(arr) == 0)
        fputs("-", stdout);
}

static int print_json(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT);
    if (!s)
        return 1;
    puts(s);
    free(s);
    return 0;
}

static int cmd_list(dla_app_t *app, int json)
{
    dla_err_t err = {0};
    json_t *root = NULL;
    if (dla_plugins_list_json(app, &root, &err) != DLA_OK) {
        return fail(json, "list", 1, "%s", err.msg);
    }
    int rc = 0;
    if (json) {
        rc = print_json(root);
    } else {
        json_t *arr = json_object_get(root, "plugins");
        printf("plugin directory: %s\n",
               json_string_value(json_object_get(root, "plugin_dir")));
        if (json_array_size(arr) == 0)
            puts("no plugins configured");
        size_t i;
        json_t *p;
        json_array_foreach(arr, i, p)
        {
            printf("%s\t%s %s\tabi %lld\tcontent sources: ",
                   json_string_value(json_object_get(p, "name")),
                   json_string_value(json_object_get(p, "plugin")),
                   json_string_value(json_object_get(p, "version")),
                   (long long)json_integer_value(json_object_get(p, "abi_version")));
            print_names(json_object_get(p, "content_sources"));
            fputs("\tHR exporters: ", stdout);
            print_names(json_object_get(p, "hr_exporters"));
            printf("\t%s\n", json_string_value(json_object_get(p, "path")));
        }
    }
    json_decref(root);
    return rc;
}

static int cmd_search(dla_app_t *app, const char *query, int json)
{
    dla_err_t err = {0};
    json_t *items = NULL;
    if (dla_plugins_content_search(app, query, &items, &err) != DLA_OK) {
        return fail(json, "search", 1, "%s", err.msg);
    }
    int rc = 0;
    if (json) {
        json_t *o = json_pack("{s:O}", "items", items);
        rc = o ? print_json(o) : 1;
        json_decref(o);
    } else {
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            printf("%s\t%s\t%s\t%s\n", json_string_value(json_object_get(it, "source")),
                   json_string_value(json_object_get(it, "id"))
                       ? json_string_value(json_object_get(it, "id"))
                       : "-",
                   json_string_value(json_object_get(it, "title"))
                       ? json_string_value(json_object_get(it, "title"))
                       : "-",
                   json_string_value(json_object_get(it, "url"))
                       ? json_string_value(json_object_get(it, "url"))
                       : "-");
        }
        printf("%zu item(s)\n", json_array_size(items));
    }
    json_decref(items);
    return rc;
}

static int cmd_export(dla_app_t *app, const char *name, const char *options,
                      const char *rows_file, int json)
{
    dla_err_t err = {0};
    json_error_t je;
    json_t *rows = NULL, *summary = NULL;
    int rc = 1;
    if (!rows_file || strcmp(rows_file, "-") == 0)
        rows = json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);
    else
        rows = json_load_file(rows_file, JSON_REJECT_DUPLICATES, &je);
    if (!rows) {
        return fail(json, "export", 1, "%s:%d:%d: %s", rows_file ? rows_file : "<stdin>",
                    je.line, je.column, je.text);
    }
    if (dla_plugins_hr_export_json(app, name, options, rows, &summary, &err) != DLA_OK) {
        rc = fail(json, "export", 1, "%s", err.msg);
        goto cleanup;
    }
    if (json) {
        rc = print_json(summary);
    } else {
        char *s = json_dumps(summary, JSON_COMPACT);
        printf("exported %zu row(s) with \"%s\": %s\n", json_array_size(rows), name,
               s ? s : "{}");
        free(s);
        rc = 0;
    }
cleanup:
    json_decref(summary);
    json_decref(rows);
    return rc;
}

static int usage(int json)
{
    if (json)
        return fail(json, "", 2, "usage: dla plugin list|search QUERY_JSON|export NAME");
    fputs("usage: dla plugin list [--json]\n"
          "       dla plugin search [--json] QUERY_JSON\n"
          "       dla plugin export NAME [--options JSON] [--rows FILE|-] [--json]\n",
          stderr);
    return 2;
}

static int plugin_main(dla_app_t *app, int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL}, *options = NULL, *rows = NULL;
    int npos = 0, json = 0, bad = argc < 2;
    for (int i = 1; i < argc; i++) /* --json first, so usage errors honour it */
        json |= strcmp(argv[i], "--json") == 0;
    for (int i = 2; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--json") == 0)
            continue;
        else if (strcmp(argv[i], "--options") == 0 && i + 1 < argc)
            options = argv[++i];
        else if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = argv[++i];
        else if (argv[i][0] == '-' && argv[i][1] == '-')
            bad = 1;
        else if (npos < 2)
            pos[npos++] = argv[i];
        else
            bad = 1;
    }
    if (bad)
        return usage(json);
    const char *sub = argv[1];
    int loaded_here = 0, rc;
    if (!app->plugins) {
        dla_err_t err = {0};
        if (dla_plugins_load(app, &err) != DLA_OK)
            return fail(json, sub, 1, "%s", err.msg);
        loaded_here = 1;
    }
    if (strcmp(sub, "list") == 0 && npos == 0)
        rc = cmd_list(app, json);
    else if (strcmp(sub, "search") == 0 && npos == 1)
        rc = cmd_search(app, pos[0], json);
    else if (strcmp(sub, "export") == 0 && npos == 1)
        rc = cmd_export(app, pos[0], options, rows, json);
    else
        rc = usage(json);
    if (loaded_here)
        dla_plugins_unload(app);
    return rc;
}

const dla_cli_cmd_t *dla_plugins_cli_commands(void)
{
    static const dla_cli_cmd_t cmds[] = {
        {"plugin",
         "plugin list|search QUERY|export NAME [--json]  loaded plugins, content search, "
         "HR export",
         plugin_main},
        {NULL, NULL, NULL}};
    return cmds;
}
