/* dla_http.h - the HTTP layer: server, router, request and response.
 *
 * Built on libmicrohttpd (epoll + thread pool), which never leaks into handlers.
 * A handler runs once per request, on a pool thread, after the whole body has
 * arrived (so keep-alive is preserved: see docs/architecture.md). Bodies larger
 * than the route's limit are answered 413 before the handler runs.
 *
 * Every request owns an arena (dla_req_arena): strings returned by dla_req_*
 * are borrowed and valid until the response has been sent.
 */
#ifndef DLA_HTTP_H
#define DLA_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "dla_err.h"
#include "dla_arena.h"

typedef struct dla_req_s dla_req_t;
typedef struct dla_router_s dla_router_t;
typedef struct dla_http_s dla_http_t;

/* A handler must produce exactly one response (dla_resp_*), or suspend the
 * request (dla_req_suspend). If it returns with neither, the wrapper answers
 * 500 {"error":{"code":"internal"}}. */
typedef void (*dla_handler_fn)(dla_req_t *req, void *ud);

/* ---- router ---------------------------------------------------------------- */

/* Returns a new, empty router (caller frees with dla_router_free), NULL on ENOMEM. */
dla_router_t *dla_router_new(void);
void dla_router_free(dla_router_t *r);

/* Adds a route. `method` is "GET", "POST", ... or "*" (any method; the handler
 * checks). `pattern` is a path; segments "{name}" capture one segment
 * (dla_req_param), a trailing "*" matches any rest (dla_req_param(req, "*")).
 * Exact segments win over captures, captures over "*". `max_body` bounds the
 * request body in bytes (0 = server default). Strings are copied.
 * Not thread-safe: register before dla_http_start. */
int dla_router_add(dla_router_t *r, const char *method, const char *pattern,
                   dla_handler_fn fn, void *ud, size_t max_body, dla_err_t *err);

/* ---- server ---------------------------------------------------------------- */

typedef struct dla_http_opts_s {
    const char *listen;      /* "host:port"; port 0 picks a free port */
    unsigned threads;        /* pool threads (0 = 2 x cores, min 4) */
    size_t max_body;         /* default body limit, bytes (0 = 1 MiB) */
    unsigned conn_timeout;   /* idle keep-alive timeout, seconds (0 = 60) */
    int access_log;          /* 1 = one log line per request */
} dla_http_opts_t;

/* Starts serving `r` (borrowed; must outlive the server). Returns DLA_OK and a
 * new server in *out (caller stops with dla_http_stop). */
int dla_http_start(const dla_http_opts_t *opts, dla_router_t *r, dla_http_t **out,
                   dla_err_t *err);
/* Stops accepting, finishes in-flight requests, frees the server. NULL no-op. */
void dla_http_stop(dla_http_t *h);
/* The bound port (useful with port 0). */
uint16_t dla_http_port(const dla_http_t *h);

/* ---- request ------------------------------------------------------------- */

const char *dla_req_method(const dla_req_t *req);
/* The path without query string, percent-decoded as libmicrohttpd gives it. */
const char *dla_req_path(const dla_req_t *req);
/* The raw query string after '?', not decoded; "" when absent. */
const char *dla_req_query_string(const dla_req_t *req);
/* First value of query parameter `name`, decoded; NULL when absent. Parsed
 * lazily from the raw query with dla_form_parse (dla_form.h). */
const char *dla_req_query(dla_req_t *req, const char *name);
/* Header value (case-insensitive name); NULL when absent. */
const char *dla_req_header(const dla_req_t *req, const char *name);
/* Calls fn for each request header in arrival order; stops when fn returns non-zero. */
void dla_req_headers_each(const dla_req_t *req,
                          int (*fn)(void *ctx, const char *name, const char *value),
                          void *ctx);
/* Path capture from the route pattern; NULL when absent. */
const char *dla_req_param(const dla_req_t *req, const char *name);
/* The body (NUL-terminated for convenience; len excludes the NUL). Never NULL. */
const char *dla_req_body(const dla_req_t *req, size_t *len);
dla_arena_t *dla_req_arena(dla_req_t *req);
/* Client IP as text ("127.0.0.1"). */
const char *dla_req_client_ip(const dla_req_t *req);
/* Monotonic microseconds when the request line arrived. */
uint64_t dla_req_start_us(const dla_req_t *req);

/* Per-request slot for the handler's own use (e.g. the authenticated session). */
void dla_req_set_user(dla_req_t *req, void *p);
void *dla_req_user(const dla_req_t *req);

/* ---- response ------------------------------------------------------------ */

/* Adds a response header (copied). May be called before dla_resp_*. */
int dla_resp_header(dla_req_t *req, const char *name, const char *value);
/* Queues the response; `body` is copied. For HEAD the body is dropped but
 * Content-Length kept. Returns DLA_OK, or DLA_EINVAL if already answered. */
int dla_resp_body(dla_req_t *req, int status, const char *content_type, const void *body,
                  size_t len);
/* Same, taking ownership of a malloc()ed `body` (freed with free()). */
int dla_resp_body_take(dla_req_t *req, int status, const char *content_type, char *body,
                       size_t len);
/* Serialises `body` as JSON (compact); steals the reference. */
int dla_resp_json(dla_req_t *req, int status, json_t *body);
/* {"error":{"code":code,"message":...}} with `status`. */
int dla_resp_error(dla_req_t *req, int status, const char *code, const char *fmt, ...)
    DLA_PRINTF(4, 5);
/* Empty body with `status` (204, 304, ...). */
int dla_resp_empty(dla_req_t *req, int status);
/* 302/303 redirect to `location`. */
int dla_resp_redirect(dla_req_t *req, int status, const char *location);
/* 1 if a response was queued (or is stored for a suspended request). */
int dla_resp_done(const dla_req_t *req);

/* ---- suspend / resume (group commit and other asynchronous work) ---------- */

/* Parks the request: the handler returns without a response and another thread
 * later sets one (dla_resp_*) and calls dla_req_resume. The request, its arena
 * and borrowed strings stay valid until then. Call from the handler only. */
void dla_req_suspend(dla_req_t *req);
/* Wakes a suspended request whose response has been set. Thread-safe; call once. */
void dla_req_resume(dla_req_t *req);

/* ---- helpers --------------------------------------------------------------- */

/* Reason phrase for a status code ("Not Found"). */
const char *dla_http_reason(int status);
/* Formats `t` (seconds since epoch) as an IMF-fixdate into buf[30]. */
void dla_http_date(long long t, char buf[30]);

#endif
