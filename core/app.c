/* app.c - helpers on the running service. */
#include <stdio.h>

#include "dla_app.h"

int dla_app_emit(dla_app_t *app, const char *tenant, json_t *statement, char *id_out,
                 dla_err_t *err)
{
    if (!app->emit)
        return dla_err_set(err, DLA_EUNSUPPORTED, "no learning record store is running");
    return app->emit(app->emit_ctx, tenant, statement, id_out, err);
}

const char *dla_app_path(const dla_app_t *app, const char *rel, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", app->source_dir, rel);
    return buf;
}
