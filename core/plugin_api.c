/* plugin_api.c - the host API table plugins call (dla_host_api_t). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_log.h"
#include "plugin_int.h"

#ifndef DLA_VERSION
#define DLA_VERSION "0.0.0"
#endif

static void *api_alloc(size_t n)
{
    return malloc(n ? n : 1);
}

static void api_free(void *p)
{
    free(p);
}

static void api_log(dla_plugin_ctx_t *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void api_log(dla_plugin_ctx_t *ctx, int level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (level < DLA_PLUGIN_LOG_DEBUG)
        level = DLA_PLUGIN_LOG_DEBUG;
    if (level > DLA_PLUGIN_LOG_ERROR)
        level = DLA_PLUGIN_LOG_ERROR;
    dla_log((dla_log_level_t)level, "plugin \"%s\": %s", ctx ? ctx->name : "?", line);
}

static int api_err_set(dla_plugin_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int api_err_set(dla_plugin_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

static const char *api_config(dla_plugin_ctx_t *ctx)
{
    return ctx && ctx->config_json ? ctx->config_json : "{}";
}

static const char *api_name(dla_plugin_ctx_t *ctx)
{
    return ctx ? ctx->name : "";
}

static int do_register(dla_plugin_ctx_t *ctx, reg_kind_t kind, const char *name,
                       const void *ops, uint32_t ops_size, uint32_t min_size, void *data)
{
    uint32_t cap = kind == REG_CONTENT ? DLA_CAP_CONTENT_SOURCE : DLA_CAP_HR_EXPORTER;
    if (!ctx || !ops)
        return DLA_EINVAL;
    dla_plugins_state_t *ps = ctx->host;
    if (!ctx->in_init) {
        dla_log(DLA_LOG_ERROR, "plugin \"%s\": registration outside init refused",
                ctx->name);
        return DLA_EINVAL;
    }
    if (!(ctx->desc->caps & cap)) {
        dla_log(DLA_LOG_ERROR, "plugin \"%s\": registers a %s it did not declare in caps",
                ctx->name, plugin_cap_name(cap));
        return DLA_EINVAL;
    }
    if (ops_size < min_size) {
        dla_log(DLA_LOG_ERROR, "plugin \"%s\": %s ops size %u smaller than %u", ctx->name,
                plugin_cap_name(cap), (unsigned)ops_size, (unsigned)min_size);
        return DLA_EINVAL;
    }
    if (!name)
        name = ctx->name;
    size_t n = strlen(name);
    if (n == 0 || n >= PLUGIN_NAME_MAX) {
        dla_log(DLA_LOG_ERROR, "plugin \"%s\": bad %s name", ctx->name,
                plugin_cap_name(cap));
        return DLA_EINVAL;
    }
    if (plugin_find(ps, kind, name)) {
        dla_log(DLA_LOG_ERROR, "plugin \"%s\": %s \"%s\" is already registered",
                ctx->name, plugin_cap_name(cap), name);
        return DLA_EEXIST;
    }
    if (ps->nregs >= PLUGIN_REG_MAX)
        return DLA_ETOOBIG;
    plugin_reg_t *r = &ps->regs[ps->nregs++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    memcpy(r->name, name, n + 1);
    r->owner = ctx;
    r->ops = ops;
    r->ops_size = ops_size;
    r->data = data;
    ctx->registered |= cap;
    return DLA_OK;
}

static int api_register_content_source(dla_plugin_ctx_t *ctx, const char *name,
                                       const dla_content_source_ops_t *ops, void *data)
{
    uint32_t min =
        (uint32_t)(offsetof(dla_content_source_ops_t, search) + sizeof(void *));
    if (ops && !ops->search)
        return DLA_EINVAL;
    return do_register(ctx, REG_CONTENT, name, ops, ops ? ops->size : 0, min, data);
}

static int api_register_hr_exporter(dla_plugin_ctx_t *ctx, const char *name,
                                    const dla_hr_exporter_ops_t *ops, void *data)
{
    uint32_t min = (uint32_t)(offsetof(dla_hr_exporter_ops_t, close) + sizeof(void *));
    if (ops && (!ops->open || !ops->write || !ops->close))
        return DLA_EINVAL;
    return do_register(ctx, REG_HR, name, ops, ops ? ops->size : 0, min, data);
}

static int api_data_path(dla_plugin_ctx_t *ctx, const char *rel, char *buf, size_t cap)
{
    const char *dir = ".";
    if (ctx && ctx->host->app->data_dir)
        dir = ctx->host->app->data_dir;
    int n = rel[0] == '/' ? snprintf(buf, cap, "%s", rel)
                          : snprintf(buf, cap, "%s/%s", dir, rel);
    return (n < 0 || (size_t)n >= cap) ? DLA_ETOOBIG : DLA_OK;
}

/* kv key = instance name, NUL, plugin key. */
static int kv_key(dla_plugin_ctx_t *ctx, const char *key, char *buf, size_t *len)
{
    size_t nl = strlen(ctx->name), kl = key ? strlen(key) : 0;
    if (kl == 0 || kl > PLUGIN_KV_KEY_MAX)
        return DLA_EINVAL;
    memcpy(buf, ctx->name, nl + 1);
    memcpy(buf + nl + 1, key, kl);
    *len = nl + 1 + kl;
    return DLA_OK;
}

static int api_kv_get(dla_plugin_ctx_t *ctx, const char *key, char **val, size_t *len)
{
    char k[PLUGIN_NAME_MAX + PLUGIN_KV_KEY_MAX + 1];
    size_t klen;
    dla_txn_t *t = NULL;
    if (!ctx || !val || !ctx->host->have_kv)
        return DLA_EUNSUPPORTED;
    int rc = kv_key(ctx, key, k, &klen);
    if (rc != DLA_OK)
        return rc;
    rc = dla_txn_begin(ctx->host->app->store, 0, &t, NULL);
    if (rc != DLA_OK)
        return rc;
    dla_val_t v;
    rc = dla_kv_get(t, ctx->host->kv_db, k, klen, &v);
    if (rc == DLA_OK) {
        char *copy = malloc(v.len + 1);
        if (!copy) {
            rc = DLA_ENOMEM;
        } else {
            memcpy(copy, v.data, v.len);
            copy[v.len] = '\0';
            *val = copy;
            if (len)
                *len = v.len;
        }
    }
    dla_txn_abort(t);
    return rc;
}

static int api_kv_put(dla_plugin_ctx_t *ctx, const char *key, const void *val, size_t len)
{
    char k[PLUGIN_NAME_MAX + PLUGIN_KV_KEY_MAX + 1];
    size_t klen;
    dla_txn_t *t = NULL;
    if (!ctx || !ctx->host->have_kv)
        return DLA_EUNSUPPORTED;
    if (len > PLUGIN_KV_VAL_MAX || (!val && len))
        return DLA_ETOOBIG;
    int rc = kv_key(ctx, key, k, &klen);
    if (rc != DLA_OK)
        return rc;
    rc = dla_txn_begin(ctx->host->app->store, 1, &t, NULL);
    if (rc != DLA_OK)
        return rc;
    rc = dla_kv_put(t, ctx->host->kv_db, k, klen, len ? val : "", len, 0, NULL);
    if (rc != DLA_OK) {
        dla_txn_abort(t);
        return rc;
    }
    return dla_txn_commit(t, NULL);
}

static int api_kv_del(dla_plugin_ctx_t *ctx, const char *key)
{
    char k[PLUGIN_NAME_MAX + PLUGIN_KV_KEY_MAX + 1];
    size_t klen;
    dla_txn_t *t = NULL;
    if (!ctx || !ctx->host->have_kv)
        return DLA_EUNSUPPORTED;
    int rc = kv_key(ctx, key, k, &klen);
    if (rc != DLA_OK)
        return rc;
    rc = dla_txn_begin(ctx->host->app->store, 1, &t, NULL);
    if (rc != DLA_OK)
        return rc;
    rc = dla_kv_del(t, ctx->host->kv_db, k, klen, NULL, 0);
    if (rc != DLA_OK) {
        dla_txn_abort(t);
        return rc;
    }
    return dla_txn_commit(t, NULL);
}

static const dla_host_api_t host_api = {
    .size = sizeof(dla_host_api_t),
    .abi_version = DLA_PLUGIN_ABI_VERSION,
    .host_version = DLA_VERSION,
    .alloc = api_alloc,
    .free = api_free,
    .log = api_log,
    .err_set = api_err_set,
    .config = api_config,
    .name = api_name,
    .register_content_source = api_register_content_source,
    .register_hr_exporter = api_register_hr_exporter,
    .data_path = api_data_path,
    .kv_get = api_kv_get,
    .kv_put = api_kv_put,
    .kv_del = api_kv_del,
};

const dla_host_api_t *plugin_host_api(void)
{
    return &host_api;
}
