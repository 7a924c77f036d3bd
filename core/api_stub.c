/* api_stub.c - placeholder until the app API lands (replaced by core/api_*.c). */
#include "dla_api.h"

int dla_api_init(dla_app_t *app, dla_err_t *err)
{
    (void)app;
    (void)err;
    return DLA_OK;
}

void dla_api_fini(dla_app_t *app)
{
    (void)app;
}

const dla_cli_cmd_t *dla_api_cli_commands(void)
{
    static const dla_cli_cmd_t cmds[] = {{NULL, NULL, NULL}};
    return cmds;
}

int dla_api_session(dla_req_t *req, dla_app_t *app, dla_session_t *out)
{
    (void)req;
    (void)app;
    (void)out;
    return DLA_EAUTH;
}
