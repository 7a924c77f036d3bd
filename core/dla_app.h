/* dla_app.h - the running service: configuration, store, router, modules.
 *
 * One dla_app_t per process, built by `dla serve` (and by CLI commands that need
 * the store). Modules (xapi, lti, the app API) hang their state off it in init
 * and register routes; after dla_http_start the struct is read-only except for
 * fields documented as thread-safe.
 */
#ifndef DLA_APP_H
#define DLA_APP_H

#include <jansson.h>

#include "dla_auth.h"
#include "dla_config.h"
#include "dla_err.h"
#include "dla_http.h"
#include "dla_store.h"

typedef struct dla_app_s dla_app_t;

/* Statement sink: records one xAPI statement for `tenant`. Takes a borrowed
 * statement (validated by the sink); on DLA_OK the statement id (36 chars) is
 * written into id_out if non-NULL. Set by the xapi module; NULL until then. */
typedef int (*dla_emit_fn)(void *ctx, const char *tenant, json_t *statement, char *id_out,
                           dla_err_t *err);

/* Grade sink: queues a score (0.0..1.0) for the learner of `sess` to be sent
 * back to the LMS that launched the session (LTI 1.1 Basic Outcomes or 1.3 AGS)
 * and returns once it is queued; delivery and retries happen in the background.
 * Answers DLA_ENOTFOUND at once when the launch carried no grade service. Set by
 * the lti module. Thread-safe. */
typedef int (*dla_grade_fn)(void *ctx, const dla_session_t *sess, double score,
                            const char *comment, dla_err_t *err);

struct dla_app_s {
    dla_config_t *cfg;        /* owned */
    dla_store_t *store;       /* owned */
    dla_router_t *router;     /* owned */
    const char *data_dir;     /* borrowed from cfg */
    const char *source_dir;   /* where config/ and web/ live (DLA_HOME or build-time) */
    const char *base_url;     /* public base URL, no trailing slash */

    dla_emit_fn emit;         /* set by xapi */
    void *emit_ctx;
    dla_grade_fn grade;       /* set by lti */
    void *grade_ctx;

    void *xapi;               /* module states, owned by their modules */
    void *lti;
    void *api;
    void *plugins;
    void *diag;
};

/* Records a statement through the sink (DLA_EUNSUPPORTED when no LRS module). */
int dla_app_emit(dla_app_t *app, const char *tenant, json_t *statement, char *id_out,
                 dla_err_t *err);

/* Resolves `rel` under app->source_dir into buf; returns buf. */
const char *dla_app_path(const dla_app_t *app, const char *rel, char *buf, size_t cap);

/* ---- CLI -------------------------------------------------------------------
 * Modules contribute subcommands: `dla <name> ...`. `run` gets argv after the
 * command name (argv[0] = name) and the opened app (store ready, modules
 * initialised, HTTP not started). `--json` handling is the command's own. */
typedef struct dla_cli_cmd_s {
    const char *name;
    const char *usage; /* one line for `dla help` */
    int (*run)(dla_app_t *app, int argc, char **argv);
} dla_cli_cmd_t;

#endif
