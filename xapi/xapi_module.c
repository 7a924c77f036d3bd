/* xapi_module.c - module entry points of the LRS. */
#include "dla_xapi.h"

int dla_xapi_module_init(dla_app_t *app, dla_err_t *err)
{
    (void)app;
    (void)err;
    return DLA_OK;
}

void dla_xapi_module_fini(dla_app_t *app)
{
    (void)app;
}

const dla_cli_cmd_t *dla_xapi_cli_commands(void)
{
    static const dla_cli_cmd_t cmds[] = {{NULL, NULL, NULL}};
    return cmds;
}
