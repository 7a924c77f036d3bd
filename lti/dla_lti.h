/* dla_lti.h - the LTI tool provider (1.1 and 1.3) and the demo LMS.
 *
 * dla_lti_module_init registers /lti/login, /lti/launch, /lti/jwks,
 * /lti/register and (when enabled) /demo.
 */
#ifndef DLA_LTI_H
#define DLA_LTI_H

#include "dla_app.h"

/* Initialises LTI on `app`; reads the "lti" and "demo" config sections. */
int dla_lti_module_init(dla_app_t *app, dla_err_t *err);
void dla_lti_module_fini(dla_app_t *app);
/* NULL-terminated table of CLI subcommands (platform, consumer, key). */
const dla_cli_cmd_t *dla_lti_cli_commands(void);

#endif
