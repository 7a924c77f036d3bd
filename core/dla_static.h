/* dla_static.h - serving the static web UI (web/) and the health check. */
#ifndef DLA_STATIC_H
#define DLA_STATIC_H

#include "dla_app.h"

/* Registers GET /healthz, GET / (redirect to /app/) and GET /app/ + /app/ *
 * serving files under `web_root` (borrowed; must outlive the router). */
int dla_static_init(dla_app_t *app, const char *web_root, dla_err_t *err);

#endif
