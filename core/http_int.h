/* http_int.h - internals shared by http_server.c and http_router.c. */
#ifndef DLA_HTTP_INT_H
#define DLA_HTTP_INT_H

#include <pthread.h>
#include <microhttpd.h>

#include "dla_form.h"
#include "dla_http.h"

#define DLA_MAX_PARAMS 8

typedef struct dla_route_s dla_route_t;

typedef struct dla_hdr_s {
    struct dla_hdr_s *next;
    const char *name, *value;
} dla_hdr_t;

struct dla_req_s {
    struct MHD_Connection *conn;
    struct dla_http_s *server;
    dla_arena_t *arena;
    const char *method, *path, *query; /* query: raw, "" when absent */
    const dla_route_t *route;
    const char *pnames[DLA_MAX_PARAMS], *pvalues[DLA_MAX_PARAMS];
    int nparams;
    dla_form_t qform;
    int qparsed, qbad;
    char *body;
    size_t body_len, body_cap, max_body;
    int too_big, started, suspended, resumed;
    void *user;
    uint64_t start_us;
    /* response */
    int answered, status;
    dla_hdr_t *rhdrs, *rhdrs_tail;
    const char *rctype;
    char *rbody; /* malloc()ed */
    size_t rlen;
};

/* Finds the route for (method, path); fills req->route/params. Returns 1 when
 * matched, 0 when no route (404), -1 when path matched but not method (405). */
int dla_router_match(const dla_router_t *r, dla_req_t *req);
/* The route's handler, user data and body limit. */
void dla_route_info(const dla_route_t *rt, dla_handler_fn *fn, void **ud, size_t *max_body);

uint64_t dla_mono_us(void);

#endif
