/* dla_plugin.h - the plugin ABI: the one header a dla plugin includes.
 *
 * A plugin is a shared object (built as a CMake MODULE, hidden visibility,
 * -Wl,-z,defs) that exports exactly one function, dla_plugin_entry, returning a
 * static descriptor. The host:
 *
 *   1. dlopen()s the file (RTLD_NOW | RTLD_LOCAL) and dlsym()s dla_plugin_entry;
 *   2. refuses it unless abi_version == DLA_PLUGIN_ABI_VERSION and
 *      size >= sizeof(dla_plugin_t) as the host knows it;
 *   3. calls init() with the host API table and the plugin's "config" object
 *      (as a JSON string); init validates that config and registers the
 *      plugin's capabilities (content sources, HR exporters) through the table;
 *   4. calls the registered operations, possibly concurrently from several
 *      request threads: keep state immutable after init, or lock it;
 *   5. calls fini() once at shutdown, in reverse load order, when no request
 *      can reach the plugin any more; the file is never unloaded earlier.
 *
 * Plugins never link against host symbols: every host service is reached
 * through the dla_host_api_t table. The table and every ops struct only grow
 * at their end; a plugin checks api->size before using a field added after
 * ABI version 1 (DLA_HOST_API_HAS).
 *
 * Memory that crosses the boundary is allocated with api->alloc and released
 * with api->free (results of search/close, values of kv_get). Strings passed
 * in by the host are borrowed for the duration of the call.
 *
 * Return values: 0 (DLA_PLUGIN_OK) or a negative DLA_PLUGIN_E* code; the same
 * numbers as the host's DLA_E* codes. Error detail goes into a dla_plugin_err_t
 * the host provides (fill it with api->err_set).
 */
#ifndef DLA_PLUGIN_H
#define DLA_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped only when a change breaks existing plugins (never for appends). */
#define DLA_PLUGIN_ABI_VERSION 1u

/* Marks the one exported symbol. Everything else in a plugin stays hidden. */
#define DLA_PLUGIN_EXPORT __attribute__((visibility("default")))

/* Status codes (equal to the host's DLA_OK / DLA_E* values). */
#define DLA_PLUGIN_OK 0
#define DLA_PLUGIN_ERR (-30000)
#define DLA_PLUGIN_ENOMEM (-30001)
#define DLA_PLUGIN_EINVAL (-30002)
#define DLA_PLUGIN_ENOTFOUND (-30003)
#define DLA_PLUGIN_EIO (-30005)
#define DLA_PLUGIN_ECONFIG (-30006)
#define DLA_PLUGIN_ETOOBIG (-30011)
#define DLA_PLUGIN_EUNSUPPORTED (-30016)

/* Capabilities a plugin declares in its descriptor (and then registers). */
#define DLA_CAP_CONTENT_SOURCE 0x1u
#define DLA_CAP_HR_EXPORTER 0x2u

/* Log levels for api->log (same order as the host logger). */
#define DLA_PLUGIN_LOG_DEBUG 0
#define DLA_PLUGIN_LOG_INFO 1
#define DLA_PLUGIN_LOG_WARN 2
#define DLA_PLUGIN_LOG_ERROR 3

/* Error detail, provided by the host; never allocated. The message style is
 * the host's: lowercase, no trailing period, names the object. */
typedef struct dla_plugin_err_s {
    int code;
    char msg[224];
} dla_plugin_err_t;

/* The host's handle for one loaded plugin instance (opaque to the plugin).
 * Borrowed; valid from init until fini returns. */
typedef struct dla_plugin_ctx_s dla_plugin_ctx_t;

/* ---- capability: content source ---------------------------------------------
 * Answers searches for learning content. The query is a JSON object, e.g.
 *   {"competence":"1.1","level":3,"language":"lt","text":"slaptažodis","limit":20}
 * (all keys optional; "level" 1..8; "limit" 1..500, default 50). The result is a
 * JSON array (UTF-8 text) of objects, each at least {"id","title","url"} and
 * typically "competences":["1.1"], "levels":[2,3], "language", "kind",
 * "duration_min", "description". The host adds "source". */
typedef struct dla_content_source_ops_s {
    uint32_t size; /* sizeof(dla_content_source_ops_t) as built */
    /* Searches. On success stores a NUL-terminated JSON array allocated with
     * api->alloc in *result (the host frees it with api->free) and returns 0.
     * `data` is the pointer given at registration. May run concurrently. */
    int (*search)(void *data, const char *query_json, char **result,
                  dla_plugin_err_t *err);
    /* Optional (may be NULL): one line describing the source for `plugin list`. */
    const char *description;
} dla_content_source_ops_t;

/* ---- capability: HR exporter -------------------------------------------------
 * Writes competence results to an HR system (a file, a directory, a queue).
 * The host streams rows: open, write for each row, close. Jobs are independent
 * and may run concurrently; a job is used by one thread at a time. */
typedef struct dla_hr_row_s {
    uint32_t size;          /* sizeof(dla_hr_row_t) as the host built it */
    const char *tenant;     /* institution id */
    const char *user_id;    /* opaque learner id */
    const char *name;       /* display name, "" when unknown */
    const char *unit;       /* organisational unit, "" when unknown */
    const char *framework;  /* e.g. "digcomp-2.2" */
    const char *competence; /* e.g. "1.1" */
    int level;              /* assessed proficiency level, 0..8 (0 = none) */
    double score;           /* 0.0 .. 1.0 */
    int64_t assessed;       /* Unix seconds of the assessment */
} dla_hr_row_t;

typedef struct dla_hr_exporter_ops_s {
    uint32_t size; /* sizeof(dla_hr_exporter_ops_t) as built */
    /* Starts a job. `options_json` is a JSON object from the caller (e.g.
     * {"tenant":"demo"}); the plugin decides which keys it accepts. Stores the
     * job in *job. */
    int (*open)(void *data, const char *options_json, void **job, dla_plugin_err_t *err);
    /* Writes one row (borrowed for the call). */
    int (*write)(void *job, const dla_hr_row_t *row, dla_plugin_err_t *err);
    /* Ends the job and frees it, always. commit = 1: make the export visible
     * (e.g. rename a temporary file into place) and store a JSON object
     * describing it (allocated with api->alloc, freed by the host) in *summary;
     * commit = 0: discard everything written (summary untouched). */
    int (*close)(void *job, int commit, char **summary, dla_plugin_err_t *err);
    /* Optional (may be NULL): one line describing the exporter. */
    const char *description;
} dla_hr_exporter_ops_t;

/* ---- the host API table --------------------------------------------------- */
typedef struct dla_host_api_s {
    uint32_t size;            /* sizeof(dla_host_api_t) as the host built it */
    uint32_t abi_version;     /* DLA_PLUGIN_ABI_VERSION of the host */
    const char *host_version; /* "0.1.0" */

    /* Memory for everything that crosses the boundary. alloc returns NULL on
     * exhaustion; free(NULL) is a no-op. Thread-safe. */
    void *(*alloc)(size_t n);
    void (*free)(void *p);

    /* Logs one line, prefixed with the plugin's name. Thread-safe. */
    void (*log)(dla_plugin_ctx_t *ctx, int level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

    /* Fills err (if non-NULL) with code and a formatted message; returns code. */
    int (*err_set)(dla_plugin_err_t *err, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

    /* The plugin's "config" object as compact JSON ("{}" when absent) and its
     * instance name from the "plugins" array. Borrowed, valid until fini. */
    const char *(*config)(dla_plugin_ctx_t *ctx);
    const char *(*name)(dla_plugin_ctx_t *ctx);

    /* Registration, only during init. `name` NULL = the instance name; names
     * are unique per capability across all plugins. `ops` and `data` are
     * borrowed until fini (ops is normally a static const). */
    int (*register_content_source)(dla_plugin_ctx_t *ctx, const char *name,
                                   const dla_content_source_ops_t *ops, void *data);
    int (*register_hr_exporter)(dla_plugin_ctx_t *ctx, const char *name,
                                const dla_hr_exporter_ops_t *ops, void *data);

    /* Resolves a relative path against the service's data directory
     * (DLA_DATA_DIR) into buf; absolute paths are copied. Returns 0 or
     * DLA_PLUGIN_ETOOBIG. */
    int (*data_path)(dla_plugin_ctx_t *ctx, const char *rel, char *buf, size_t cap);

    /* Plugin-private persistent key/value records in the service's store
     * (namespaced by instance name; at most 64 KiB per value, 256 B per key).
     * Usable from init on and from operations (thread-safe; do not call it
     * while holding a lock another kv caller may wait for); DLA_PLUGIN_EUNSUPPORTED
     * when the host runs without a store. kv_get stores a copy allocated with
     * api->alloc in *val (caller frees with api->free) or returns
     * DLA_PLUGIN_ENOTFOUND. Each call is its own durable transaction. */
    int (*kv_get)(dla_plugin_ctx_t *ctx, const char *key, char **val, size_t *len);
    int (*kv_put)(dla_plugin_ctx_t *ctx, const char *key, const void *val, size_t len);
    int (*kv_del)(dla_plugin_ctx_t *ctx, const char *key);
    /* Append new fields here only. */
} dla_host_api_t;

/* True when the host's table has field `f` (for fields appended later). */
#define DLA_HOST_API_HAS(api, f)                                                         \
    ((api)->size >= offsetof(dla_host_api_t, f) + sizeof(((dla_host_api_t *)0)->f))

/* ---- the descriptor --------------------------------------------------------- */
typedef struct dla_plugin_s {
    uint32_t abi_version; /* DLA_PLUGIN_ABI_VERSION the plugin was built with */
    uint32_t size;        /* sizeof(dla_plugin_t) the plugin was built with */
    const char *name;     /* the plugin's own name, e.g. "content_catalog" */
    const char *version;  /* the plugin's version, e.g. "1.0.0" */
    uint32_t caps;        /* DLA_CAP_* it will register */
    /* Called once after loading, on the main thread before requests are served.
     * Validates config_json (the plugin's own config object; unknown keys should
     * be errors), allocates its state into *state and registers capabilities.
     * Returns 0, or a negative code with err filled (the service refuses to
     * start). On failure nothing registered stays and fini is not called, so
     * init frees what it allocated. */
    int (*init)(dla_plugin_ctx_t *ctx, const dla_host_api_t *api, const char *config_json,
                void **state, dla_plugin_err_t *err);
    /* Called once at shutdown with the state init stored (may be NULL). */
    void (*fini)(void *state);
    const char *description; /* one line for `dla plugin list`, may be NULL */
} dla_plugin_t;

/* The entry point every plugin exports (a function: dlsym is only guaranteed
 * for functions). Returns a pointer to a static descriptor. */
typedef const dla_plugin_t *(*dla_plugin_entry_fn)(void);
#define DLA_PLUGIN_ENTRY_SYMBOL "dla_plugin_entry"

/* Defines the entry point returning `desc` (a static const dla_plugin_t). */
#define DLA_PLUGIN_DECLARE(desc)                                                         \
    DLA_PLUGIN_EXPORT const dla_plugin_t *dla_plugin_entry(void);                        \
    DLA_PLUGIN_EXPORT const dla_plugin_t *dla_plugin_entry(void)                         \
    {                                                                                    \
        return &(desc);                                                                  \
    }

#ifdef __cplusplus
}
#endif

#endif
