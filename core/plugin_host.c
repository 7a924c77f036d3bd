/* plugin_host.c - loading and unloading plugins (dlopen, ABI checks, init/fini). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dla_log.h"
#include "plugin_int.h"

_Static_assert(DLA_PLUGIN_OK == DLA_OK, "plugin status codes follow dla_err.h");
_Static_assert(DLA_PLUGIN_ERR == DLA_ERR, "plugin status codes follow dla_err.h");
_Static_assert(DLA_PLUGIN_ENOMEM == DLA_ENOMEM, "plugin status codes follow dla_err.h");
_Static_assert(DLA_PLUGIN_EINVAL == DLA_EINVAL, "plugin status codes follow dla_err.h");
_Static_assert(DLA_PLUGIN_ENOTFOUND == DLA_ENOTFOUND,
               "plugin status codes follow dla_err.h");
_Static_assert(DLA_PLUGIN_EIO == DLA_EIO, "plugin status codes follow dla_err.h");
_Static_assert(DLA_PLUGIN_ECONFIG == DLA_ECONFIG, "plugin status codes follow dla_err.h");
_Static_assert(DLA_PLUGIN_ETOOBIG == DLA_ETOOBIG, "plugin status codes follow dla_err.h");
_Static_assert(DLA_PLUGIN_EUNSUPPORTED == DLA_EUNSUPPORTED,
               "plugin status codes follow dla_err.h");

#ifndef DLA_PLUGIN_DIR
#define DLA_PLUGIN_DIR "plugins"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define PLUGIN_SKIP_DLCLOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PLUGIN_SKIP_DLCLOSE 1
#endif
#endif

const char *dla_plugins_dir(void)
{
    const char *d = getenv("DLA_PLUGIN_DIR");
    return d && *d ? d : DLA_PLUGIN_DIR;
}

size_t dla_plugins_count(const dla_app_t *app)
{
    const dla_plugins_state_t *ps = app ? app->plugins : NULL;
    return ps ? ps->count : 0;
}

const char *plugin_cap_name(uint32_t cap)
{
    switch (cap) {
    case DLA_CAP_CONTENT_SOURCE:
        return "content_source";
    case DLA_CAP_HR_EXPORTER:
        return "hr_exporter";
    default:
        return "unknown";
    }
}

const plugin_reg_t *plugin_find(const dla_plugins_state_t *ps, reg_kind_t kind,
                                const char *name)
{
    if (!ps || !name)
        return NULL;
    for (size_t i = 0; i < ps->nregs; i++) {
        if (ps->regs[i].kind == kind && strcmp(ps->regs[i].name, name) == 0)
            return &ps->regs[i];
    }
    return NULL;
}

static int valid_name(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return n >= 1 && n < PLUGIN_NAME_MAX;
}

/* Resolves the configured path: no '/' means the plugin directory, with ".so"
 * appended when missing. */
static int resolve_path(const char *path, char *out, size_t cap, dla_err_t *err)
{
    int n;
    if (strchr(path, '/')) {
        n = snprintf(out, cap, "%s", path);
    } else {
        size_t len = strlen(path);
        const char *ext = (len > 3 && strcmp(path + len - 3, ".so") == 0) ? "" : ".so";
        n = snprintf(out, cap, "%s/%s%s", dla_plugins_dir(), path, ext);
    }
    if (n < 0 || (size_t)n >= cap)
        return dla_err_set(err, DLA_ETOOBIG, "plugin path too long: %s", path);
    return DLA_OK;
}

/* Checks one entry {"name","path","config"} of the plugins array. */
static int check_entry(const dla_app_t *app, size_t idx, const json_t *e, dla_err_t *err)
{
    char where[32];
    snprintf(where, sizeof where, "plugins[%zu]", idx);
    if (!json_is_object(e))
        return dla_err_set(err, DLA_ECONFIG, "%s: must be an object", where);
    if (app->cfg) {
        static const dla_cfg_field_t fields[] = {{"name", DLA_CFG_STRING, 1},
                                                 {"path", DLA_CFG_STRING, 1},
                                                 {"config", DLA_CFG_OBJECT, 0},
                                                 {NULL, DLA_CFG_ANY, 0}};
        int rc = dla_config_check(app->cfg, where, e, fields, err);
        if (rc != DLA_OK)
            return rc;
    } else {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)e, k, v)
        {
            if (strcmp(k, "name") && strcmp(k, "path") && strcmp(k, "config"))
                return dla_err_set(err, DLA_ECONFIG, "%s: unknown key \"%s\"", where, k);
        }
        if (!json_is_string(json_object_get(e, "name")))
            return dla_err_set(err, DLA_ECONFIG, "%s.name: a string is required", where);
        if (!json_is_string(json_object_get(e, "path")))
            return dla_err_set(err, DLA_ECONFIG, "%s.path: a string is required", where);
        v = json_object_get(e, "config");
        if (v && !json_is_object(v))
            return dla_err_set(err, DLA_ECONFIG, "%s.config: must be an object", where);
    }
    const char *name = json_string_value(json_object_get(e, "name"));
    if (!valid_name(name))
        return dla_err_set(err, DLA_ECONFIG,
                           "%s.name: \"%s\" is not a valid plugin name ([a-z0-9_-], "
                           "1..63 characters)",
                           where, name);
    if (!*json_string_value(json_object_get(e, "path")))
        return dla_err_set(err, DLA_ECONFIG, "%s.path: must not be empty", where);
    return DLA_OK;
}

/* Refuses files anyone but the owner may modify (a plugin runs as the service). */
static int check_file(const char *name, const char *path, dla_err_t *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return dla_err_set(err, DLA_ENOTFOUND, "plugin \"%s\": cannot open %s: %s", name,
                           path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return dla_err_set(err, DLA_EINVAL, "plugin \"%s\": %s is not a regular file",
                           name, path);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return dla_err_set(err, DLA_EFORBIDDEN,
                           "plugin \"%s\": %s is writable by group or others", name,
                           path);
    return DLA_OK;
}

static void ctx_free(struct dla_plugin_ctx_s *c)
{
    if (!c)
        return;
#ifndef PLUGIN_SKIP_DLCLOSE
    if (c->handle)
        dlclose(c->handle);
#endif
    free(c->config_json);
    free(c);
}

/* Drops the registrations an instance made (after a failed init). */
static void drop_regs(dla_plugins_state_t *ps, const struct dla_plugin_ctx_s *c)
{
    size_t w = 0;
    for (size_t i = 0; i < ps->nregs; i++) {
        if (ps->regs[i].owner != c)
            ps->regs[w++] = ps->regs[i];
    }
    ps->nregs = w;
}

/* dlopen + dlsym + ABI checks; fills c->handle and c->desc. */
static int open_plugin(struct dla_plugin_ctx_s *c, dla_err_t *err)
{
    int rc = check_file(c->name, c->path, err);
    if (rc != DLA_OK)
        return rc;
    dlerror();
    c->handle = dlopen(c->path, RTLD_NOW | RTLD_LOCAL);
    if (!c->handle) {
        const char *why = dlerror();
        return dla_err_set(err, DLA_EIO, "plugin \"%s\": could not load %s: %s", c->name,
                           c->path, why ? why : "unknown error");
    }
    dlerror();
    void *sym = dlsym(c->handle, DLA_PLUGIN_ENTRY_SYMBOL);
    if (!sym)
        return dla_err_set(err, DLA_EABI,
                           "plugin \"%s\": %s has no %s function (not a dla plugin?)",
                           c->name, c->path, DLA_PLUGIN_ENTRY_SYMBOL);
    dla_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry); /* object pointer -> function pointer */
    const dla_plugin_t *d = entry();
    if (!d)
        return dla_err_set(err, DLA_EABI, "plugin \"%s\": %s returned no descriptor",
                           c->name, DLA_PLUGIN_ENTRY_SYMBOL);
    if (d->abi_version != DLA_PLUGIN_ABI_VERSION)
        return dla_err_set(err, DLA_EABI,
                           "plugin \"%s\" (%s): incompatible ABI version %u, this dla "
                           "supports ABI version %u; rebuild the plugin against this "
                           "dla_plugin.h",
                           c->name, c->path, (unsigned)d->abi_version,
                           (unsigned)DLA_PLUGIN_ABI_VERSION);
    if (d->size < sizeof(dla_plugin_t))
        return dla_err_set(
            err, DLA_EABI,
            "plugin \"%s\" (%s): descriptor size %u is smaller than %zu of "
            "ABI version %u",
            c->name, c->path, (unsigned)d->size, sizeof(dla_plugin_t),
            (unsigned)DLA_PLUGIN_ABI_VERSION);
    if (!d->name || !d->version || !d->init)
        return dla_err_set(err, DLA_EABI,
                           "plugin \"%s\": descriptor lacks name, version or init",
                           c->name);
    uint32_t known = DLA_CAP_CONTENT_SOURCE | DLA_CAP_HR_EXPORTER;
    if (d->caps == 0 || (d->caps & ~known))
        return dla_err_set(err, DLA_EABI,
                           "plugin \"%s\": unsupported capabilities 0x%x (known: 0x%x)",
                           c->name, (unsigned)d->caps, (unsigned)known);
    c->desc = d;
    return DLA_OK;
}

/* Calls init and checks that the declared capabilities were registered. */
static int init_plugin(dla_plugins_state_t *ps, struct dla_plugin_ctx_s *c,
                       dla_err_t *err)
{
    dla_plugin_err_t perr;
    memset(&perr, 0, sizeof perr);
    c->in_init = 1;
    int rc = c->desc->init(c, plugin_host_api(), c->config_json, &c->state, &perr);
    c->in_init = 0;
    if (rc != DLA_OK) {
        drop_regs(ps, c);
        return dla_err_set(err, rc < 0 ? rc : DLA_ERR, "plugin \"%s\": %s", c->name,
                           perr.msg[0] ? perr.msg : dla_strerror(rc));
    }
    c->initialised = 1;
    uint32_t missing = c->desc->caps & ~c->registered;
    if (missing) {
        if (c->desc->fini)
            c->desc->fini(c->state);
        c->initialised = 0;
        drop_regs(ps, c);
        return dla_err_set(
            err, DLA_EABI, "plugin \"%s\": declares %s but registered none in init",
            c->name,
            plugin_cap_name(missing & DLA_CAP_CONTENT_SOURCE ? DLA_CAP_CONTENT_SOURCE
                                                             : DLA_CAP_HR_EXPORTER));
    }
    return DLA_OK;
}

static int load_one(dla_plugins_state_t *ps, size_t idx, const json_t *e, dla_err_t *err)
{
    int rc = check_entry(ps->app, idx, e, err);
    if (rc != DLA_OK)
        return rc;
    const char *name = json_string_value(json_object_get(e, "name"));
    for (size_t i = 0; i < ps->count; i++) {
        if (strcmp(ps->items[i]->name, name) == 0)
            return dla_err_set(err, DLA_ECONFIG,
                               "plugins[%zu]: duplicate plugin name \"%s\"", idx, name);
    }
    if (ps->count >= PLUGIN_MAX)
        return dla_err_set(err, DLA_ETOOBIG, "too many plugins (at most %d)", PLUGIN_MAX);

    struct dla_plugin_ctx_s *c = calloc(1, sizeof *c);
    if (!c)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    c->host = ps;
    snprintf(c->name, sizeof c->name, "%s", name);
    rc = resolve_path(json_string_value(json_object_get(e, "path")), c->path,
                      sizeof c->path, err);
    if (rc != DLA_OK)
        goto cleanup;
    json_t *conf = json_object_get(e, "config");
    c->config_json =
        conf ? json_dumps(conf, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    if (!c->config_json) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    rc = open_plugin(c, err);
    if (rc != DLA_OK)
        goto cleanup;
    rc = init_plugin(ps, c, err);
    if (rc != DLA_OK)
        goto cleanup;
    ps->items[ps->count++] = c;
    dla_log(DLA_LOG_INFO, "plugin \"%s\" loaded: %s %s from %s", c->name, c->desc->name,
            c->desc->version, c->path);
    c = NULL;
cleanup:
    ctx_free(c);
    return rc;
}

static int open_kv(dla_plugins_state_t *ps, dla_err_t *err)
{
    if (!ps->app->store)
        return DLA_OK;
    int rc = dla_store_db(ps->app->store, "plugin_kv", DLA_DB_CREATE, &ps->kv_db, err);
    if (rc != DLA_OK)
        return dla_err_prefix(err, "plugins");
    ps->have_kv = 1;
    return DLA_OK;
}

int dla_plugins_load_json(dla_app_t *app, const json_t *plugins, dla_err_t *err)
{
    if (app->plugins)
        return DLA_OK;
    if (plugins && !json_is_array(plugins))
        return dla_err_set(err, DLA_ECONFIG, "plugins: must be an array");
    dla_plugins_state_t *ps = calloc(1, sizeof *ps);
    if (!ps)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    ps->app = app;
    app->plugins = ps;
    int rc = open_kv(ps, err);
    size_t i;
    const json_t *e;
    if (rc == DLA_OK && plugins) {
        json_array_foreach((json_t *)plugins, i, e)
        {
            rc = load_one(ps, i, e, err);
            if (rc != DLA_OK)
                break;
        }
    }
    if (rc == DLA_OK)
        rc = plugin_http_init(app, err);
    if (rc != DLA_OK)
        dla_plugins_unload(app);
    return rc;
}

int dla_plugins_load(dla_app_t *app, dla_err_t *err)
{
    const json_t *arr = app->cfg ? dla_config_section(app->cfg, "plugins") : NULL;
    return dla_plugins_load_json(app, arr, err);
}

void dla_plugins_unload(dla_app_t *app)
{
    dla_plugins_state_t *ps = app ? app->plugins : NULL;
    if (!ps)
        return;
    for (size_t i = ps->count; i-- > 0;) {
        struct dla_plugin_ctx_s *c = ps->items[i];
        if (c->initialised && c->desc->fini)
            c->desc->fini(c->state);
        ctx_free(c);
    }
    free(ps);
    app->plugins = NULL;
}
