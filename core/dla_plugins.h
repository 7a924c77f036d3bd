/* dla_plugins.h - the host side of plugins: loading, capability registry.
 * (The ABI plugins compile against is dla_plugin.h.) */
#ifndef DLA_PLUGINS_H
#define DLA_PLUGINS_H

#include "dla_app.h"

/* Loads every plugin of the "plugins" config array (dlopen RTLD_NOW|RTLD_LOCAL),
 * checks its ABI, calls init with its "config" sub-object. A refused plugin is
 * an error naming it and the versions. State in app->plugins. */
int dla_plugins_load(dla_app_t *app, dla_err_t *err);
/* Calls fini in reverse order and unloads. */
void dla_plugins_unload(dla_app_t *app);
const dla_cli_cmd_t *dla_plugins_cli_commands(void);

#endif
