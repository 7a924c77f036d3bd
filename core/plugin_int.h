/* plugin_int.h - private state of the plugin host (core/plugin_*.c only). */
#ifndef DLA_PLUGIN_INT_H
#define DLA_PLUGIN_INT_H

#include <limits.h>
#include <pthread.h>

#include "dla_plugin.h"
#include "dla_plugins.h"

#define PLUGIN_NAME_MAX 64
#define PLUGIN_MAX 64                /* plugins per process */
#define PLUGIN_REG_MAX 256           /* registered capabilities per process */
#define PLUGIN_RESULT_MAX (8u << 20) /* largest search result accepted, bytes */
#define PLUGIN_KV_KEY_MAX 256
#define PLUGIN_KV_VAL_MAX (64u << 10)

/* One loaded plugin instance (the plugin sees it as dla_plugin_ctx_t). */
struct dla_plugin_ctx_s {
    struct dla_plugins_s *host; /* back pointer, borrowed */
    char name[PLUGIN_NAME_MAX]; /* instance name from config */
    char path[PATH_MAX];        /* resolved file */
    void *handle;               /* dlopen handle */
    const dla_plugin_t *desc;   /* static in the plugin */
    void *state;                /* from init */
    char *config_json;          /* owned, compact JSON */
    int in_init;                /* registration allowed */
    int initialised;            /* fini due at unload */
    uint32_t registered;        /* DLA_CAP_* actually registered */
};

typedef enum { REG_CONTENT = 1, REG_HR = 2 } reg_kind_t;

typedef struct plugin_reg_s {
    reg_kind_t kind;
    char name[PLUGIN_NAME_MAX];
    struct dla_plugin_ctx_s *owner;
    const void *ops; /* dla_content_source_ops_t or dla_hr_exporter_ops_t */
    uint32_t ops_size;
    void *data;
} plugin_reg_t;

/* app->plugins */
typedef struct dla_plugins_s {
    dla_app_t *app;
    struct dla_plugin_ctx_s *items[PLUGIN_MAX];
    size_t count;
    plugin_reg_t regs[PLUGIN_REG_MAX];
    size_t nregs;
    int have_kv;
    dla_db_t kv_db;
} dla_plugins_state_t;

/* The host API table given to every plugin (plugin_api.c). */
const dla_host_api_t *plugin_host_api(void);

/* Finds a registration by kind and name; NULL when absent. */
const plugin_reg_t *plugin_find(const dla_plugins_state_t *ps, reg_kind_t kind,
                                const char *name);

/* Registers GET /api/v1/content on app->router (no-op without a router or when
 * already registered on it). Start-up only. */
int plugin_http_init(dla_app_t *app, dla_err_t *err);

/* Text name of a capability bit ("content_source", "hr_exporter"). */
const char *plugin_cap_name(uint32_t cap);

#endif
