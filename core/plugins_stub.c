/* plugins_stub.c - placeholder until the plugin host lands (core/plugin_host.c). */
#include "dla_plugins.h"

int dla_plugins_load(dla_app_t *app, dla_err_t *err)
{
    (void)app;
    (void)err;
    return DLA_OK;
}

void dla_plugins_unload(dla_app_t *app)
{
    (void)app;
}

const dla_cli_cmd_t *dla_plugins_cli_commands(void)
{
    static const dla_cli_cmd_t cmds[] = {{NULL, NULL, NULL}};
    return cmds;
}
