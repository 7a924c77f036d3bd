/* dla_plugins.h - the host side of plugins: loading, capability registry.
 * (The ABI plugins compile against is dla_plugin.h.)
 *
 * Plugins come from the "plugins" config array:
 *   [{"name": "catalog", "path": "content_catalog", "config": {...}}]
 * "name" is the instance name ([a-z0-9_-], 1..63, unique); "path" is a file, and
 * a path without '/' is looked up in the plugin directory (DLA_PLUGIN_DIR from
 * the environment, else the build's plugin directory) with ".so" appended when
 * missing; "config" (optional object) is handed to the plugin, which validates
 * it. Loading happens at start-up on the main thread; afterwards the registry
 * is read-only and the search/export functions are thread-safe.
 */
#ifndef DLA_PLUGINS_H
#define DLA_PLUGINS_H

#include <jansson.h>

#include "dla_app.h"
#include "dla_plugin.h"

/* Loads every plugin of the "plugins" config array (dlopen RTLD_NOW|RTLD_LOCAL),
 * checks its ABI, calls init with its "config" sub-object. A refused plugin is
 * an error naming it and the versions; then nothing stays loaded. State in
 * app->plugins (also set, empty, when there are no plugins). Calling it again
 * when already loaded is a no-op. */
int dla_plugins_load(dla_app_t *app, dla_err_t *err);
/* Same from an explicit array of plugin entries (borrowed); used by tests and
 * by dla_plugins_load. Entries are checked with dla_config_check when app->cfg
 * is set (errors then carry file:line:col), else by the host itself. */
int dla_plugins_load_json(dla_app_t *app, const json_t *plugins, dla_err_t *err);
/* Calls fini in reverse order and unloads (dlclose is skipped under ASan so
 * leak reports stay symbolised). Call at shutdown only, after the HTTP server
 * stopped. NULL app->plugins is a no-op. */
void dla_plugins_unload(dla_app_t *app);
/* `dla plugin list|search|export`. NULL-terminated, static. */
const dla_cli_cmd_t *dla_plugins_cli_commands(void);

/* The directory plugin names without '/' resolve to. Borrowed (environment or
 * a build-time constant). */
const char *dla_plugins_dir(void);
/* Number of loaded plugins (0 when none or not loaded). */
size_t dla_plugins_count(const dla_app_t *app);

/* Returns a new JSON object describing loaded plugins and what they registered:
 * {"plugins":[{"name","plugin","version","abi_version","path","caps":[...],
 *   "content_sources":[...],"hr_exporters":[...]}],"plugin_dir":"..."}
 * (caller frees with json_decref). */
int dla_plugins_list_json(const dla_app_t *app, json_t **out, dla_err_t *err);

/* ---- content sources --------------------------------------------------------
 * Searches every registered content source (or only the one named by the
 * query's "source" key, which is removed before the plugins see the query).
 * `query_json` must be a JSON object (at most 64 KiB). On success *out is a new
 * JSON array of the items found, each with "source" set to the registration
 * name (caller json_decrefs). A source that fails or answers something that is
 * not an array of objects is logged and skipped; an unknown "source" is
 * DLA_ENOTFOUND; a source named explicitly that fails is an error. */
int dla_plugins_content_search(dla_app_t *app, const char *query_json, json_t **out,
                               dla_err_t *err);
/* Over HTTP: GET /api/v1/content?competence=4.2&level=2&language=lt&text=..
 * &limit=20&source=name (Bearer session token) answers
 * {"items":[...],"sources":N}; 400 for bad parameters, 404 for an unknown
 * source, 502 when a named source fails. Registered by dla_plugins_load when
 * the app has a router. */
/* Number of registered content sources. */
size_t dla_plugins_content_count(const dla_app_t *app);

/* ---- HR exporters -------------------------------------------------------------
 * A job streams rows to one exporter: open, write any number of rows, close.
 * After a failed write the caller still closes (commit = 0). */
typedef struct dla_hr_job_s dla_hr_job_t;

/* Starts a job on exporter `name` (DLA_ENOTFOUND when unknown). `options_json`
 * (NULL = "{}") must be a JSON object. Returns a new job in *out, ended only by
 * dla_plugins_hr_close. Thread-safe. */
int dla_plugins_hr_open(dla_app_t *app, const char *name, const char *options_json,
                        dla_hr_job_t **out, dla_err_t *err);
/* Writes one row (borrowed; its size field is set by the host). */
int dla_plugins_hr_write(dla_hr_job_t *job, const dla_hr_row_t *row, dla_err_t *err);
/* Ends and frees the job. commit = 1 publishes the export and, if summary is
 * non-NULL, stores the exporter's description of it (new object, caller
 * json_decrefs; {} when the plugin gave none); commit = 0 discards it. */
int dla_plugins_hr_close(dla_hr_job_t *job, int commit, json_t **summary, dla_err_t *err);
/* Convenience: exports a JSON array of row objects
 * {"tenant","user_id","name","unit","framework","competence","level","score",
 *  "assessed"} ("tenant", "user_id", "competence" required) in one job; a bad
 * row aborts the job with an error naming its index. */
int dla_plugins_hr_export_json(dla_app_t *app, const char *name, const char *options_json,
                               const json_t *rows, json_t **summary, dla_err_t *err);
/* Number of registered HR exporters. */
size_t dla_plugins_hr_count(const dla_app_t *app);

#endif
