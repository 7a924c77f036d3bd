/* dla_xapi.h - the learning record store (xAPI 1.0.3 and 2.0) at /xapi/.
 *
 * dla_xapi_module_init registers the /xapi/ routes, opens the LRS databases and
 * installs the statement sink (app->emit) that other modules record through.
 */
#ifndef DLA_XAPI_H
#define DLA_XAPI_H

#include "dla_app.h"

/* Initialises the LRS on `app` (store open, router not started). Reads the
 * "xapi" config section. Module state is owned by app->xapi. */
int dla_xapi_module_init(dla_app_t *app, dla_err_t *err);
/* Flushes pending group commits and frees module state. */
void dla_xapi_module_fini(dla_app_t *app);
/* NULL-terminated table of CLI subcommands this module adds. */
const dla_cli_cmd_t *dla_xapi_cli_commands(void);

#endif
