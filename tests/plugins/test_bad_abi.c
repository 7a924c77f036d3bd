/* test_bad_abi.c - test plugin built for an ABI version the host does not know.
 * The host must refuse it, naming it and both versions. */
#include <stddef.h>

#include "dla_plugin.h"

static int bad_init(dla_plugin_ctx_t *ctx, const dla_host_api_t *api,
                    const char *config_json, void **state, dla_plugin_err_t *err)
{
    (void)ctx;
    (void)config_json;
    (void)state;
    /* never reached: the host must refuse the descriptor first */
    return api->err_set(err, DLA_PLUGIN_ERR, "bad_abi init must not be called");
}

static const dla_plugin_t bad_abi = {
    .abi_version = 999u,
    .size = sizeof(dla_plugin_t),
    .name = "test_bad_abi",
    .version = "0.0.1",
    .caps = DLA_CAP_CONTENT_SOURCE,
    .init = bad_init,
    .fini = NULL,
    .description = "test plugin: wrong ABI version",
};

DLA_PLUGIN_DECLARE(bad_abi)
