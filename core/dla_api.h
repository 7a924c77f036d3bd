/* dla_api.h - the app JSON API under /api/v1/ (Bearer session token):
 * the learner's profile, the diagnostic, results; plus the diagnostic CLI
 * (items import/calibrate, simulate). */
#ifndef DLA_API_H
#define DLA_API_H

#include "dla_app.h"
#include "dla_auth.h"

/* Loads frameworks and item banks, registers /api/v1/ routes. State in app->api. */
int dla_api_init(dla_app_t *app, dla_err_t *err);
void dla_api_fini(dla_app_t *app);
/* NULL-terminated table of CLI subcommands (items, simulate, ...). */
const dla_cli_cmd_t *dla_api_cli_commands(void);

/* Authenticates `Authorization: Bearer <token>`; on failure answers 401 with a
 * JSON error and returns DLA_EAUTH (the handler just returns). */
int dla_api_session(dla_req_t *req, dla_app_t *app, dla_session_t *out);

#endif
