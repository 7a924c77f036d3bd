/* http_server.c - libmicrohttpd behind the dla_http.h contract.
 *
 * The two-call rule: the access handler's first call only sets up the request;
 * upload chunks are appended; the handler runs on the final call, so responses
 * are queued only once the upload is complete and keep-alive is preserved.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dla_json.h"
#include "dla_log.h"
#include "http_int.h"

struct dla_http_s {
    struct MHD_Daemon *mhd;
    _Atomic int parked; /* suspended requests not yet resumed */
    dla_router_t *router;
    size_t max_body;
    int access_log;
    uint16_t port;
};

uint64_t dla_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- request accessors --------------------------------------------------- */

const char *dla_req_method(const dla_req_t *req) { return req->method; }
const char *dla_req_path(const dla_req_t *req) { return req->path; }
const char *dla_req_query_string(const dla_req_t *req) { return req->query; }
dla_arena_t *dla_req_arena(dla_req_t *req) { return req->arena; }
uint64_t dla_req_start_us(const dla_req_t *req) { return req->start_us; }
void dla_req_set_user(dla_req_t *req, void *p) { req->user = p; }
void *dla_req_user(const dla_req_t *req) { return req->user; }
int dla_resp_done(const dla_req_t *req) { return req->answered; }

const char *dla_req_query(dla_req_t *req, const char *name)
{
    if (!req->qparsed) {
        req->qparsed = 1;
        if (dla_form_parse(req->arena, req->query, strlen(req->query), 0, &req->qform,
                           NULL) != DLA_OK) {
            req->qbad = 1;
            req->qform.count = 0;
        }
    }
    return dla_form_get(&req->qform, name);
}

const char *dla_req_header(const dla_req_t *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

typedef struct {
    int (*fn)(void *, const char *, const char *);
    void *ctx;
} hdr_iter_t;

static enum MHD_Result hdr_iter_cb(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    hdr_iter_t *it = cls;
    (void)kind;
    return it->fn(it->ctx, key, value ? value : "") ? MHD_NO : MHD_YES;
}

void dla_req_headers_each(const dla_req_t *req,
                          int (*fn)(void *ctx, const char *name, const char *value),
                          void *ctx)
{
    hdr_iter_t it = {fn, ctx};
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, hdr_iter_cb, &it);
}

const char *dla_req_param(const dla_req_t *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->pnames[i], name) == 0)
            return req->pvalues[i];
    return NULL;
}

const char *dla_req_body(const dla_req_t *req, size_t *len)
{
    if (len)
        *len = req->body_len;
    return req->body ? req->body : "";
}

const char *dla_req_client_ip(const dla_req_t *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char buf[INET6_ADDRSTRLEN] = "?";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, sizeof buf);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
                      sizeof buf);
    }
    return dla_arena_strdup(req->arena, buf);
}

/* ---- responses ----------------------------------------------------------- */

int dla_resp_header(dla_req_t *req, const char *name, const char *value)
{
    dla_hdr_t *h = dla_arena_alloc(req->arena, sizeof *h);
    if (!h || !(h->name = dla_arena_strdup(req->arena, name)) ||
        !(h->value = dla_arena_strdup(req->arena, value)))
        return DLA_ENOMEM;
    h->next = NULL;
    if (req->rhdrs_tail)
        req->rhdrs_tail->next = h;
    else
        req->rhdrs = h;
    req->rhdrs_tail = h;
    return DLA_OK;
}

int dla_resp_body_take(dla_req_t *req, int status, const char *content_type, char *body,
                       size_t len)
{
    if (req->answered) {
        free(body);
        return DLA_EINVAL;
    }
    req->answered = 1;
    req->status = status;
    req->rctype = content_type ? dla_arena_strdup(req->arena, content_type) : NULL;
    req->rbody = body;
    req->rlen = len;
    return DLA_OK;
}

int dla_resp_body(dla_req_t *req, int status, const char *content_type, const void *body,
                  size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return DLA_ENOMEM;
    if (len)
        memcpy(copy, body, len);
    return dla_resp_body_take(req, status, content_type, copy, len);
}

int dla_resp_empty(dla_req_t *req, int status)
{
    return dla_resp_body_take(req, status, NULL, NULL, 0);
}

int dla_resp_json(dla_req_t *req, int status, json_t *body)
{
    size_t n = 0;
    char *s = body ? dla_json_dumps(body, DLA_JSON_ENCODE_ANY, &n) : NULL;
    json_decref(body);
    if (!s)
        return dla_resp_error(req, 500, "internal", "could not encode response");
    return dla_resp_body_take(req, status, "application/json", s, n);
}

/* Replaces every byte that is not part of a valid UTF-8 sequence with '?', in
 * place, so messages that echo request data can always be encoded as JSON. */
static void utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3
                : (*p & 0xF8) == 0xF0 ? 4 : 0;
        int ok = n > 0 && !(n == 2 && *p < 0xC2) && !(n == 4 && *p > 0xF4);
        for (int i = 1; ok && i < n; i++)
            ok = (p[i] & 0xC0) == 0x80;
        if (ok && n == 3)
            ok = !(p[0] == 0xE0 && p[1] < 0xA0) && !(p[0] == 0xED && p[1] >= 0xA0);
        if (ok && n == 4)
            ok = !(p[0] == 0xF0 && p[1] < 0x90) && !(p[0] == 0xF4 && p[1] >= 0x90);
        if (!ok) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

int dla_resp_error(dla_req_t *req, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    utf8_sanitize(msg);
    json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s) {
        static const char fallback[] = "{\"error\":{\"code\":\"internal\",\"message\":\"\"}}";
        return dla_resp_body(req, status, "application/json", fallback, sizeof fallback - 1);
    }
    return dla_resp_body_take(req, status, "application/json", s, strlen(s));
}

int dla_resp_redirect(dla_req_t *req, int status, const char *location)
{
    dla_resp_header(req, "Location", location);
    return dla_resp_empty(req, status);
}

/* ---- suspend / resume ------------------------------------------------------ */

void dla_req_suspend(dla_req_t *req)
{
    req->suspended = 1;
}

void dla_req_resume(dla_req_t *req)
{
    __atomic_store_n(&req->resumed, 1, __ATOMIC_RELEASE);
    MHD_resume_connection(req->conn);
}

/* ---- MHD callbacks ----------------------------------------------------------- */

static void *uri_log_cb(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    dla_arena_t *a = dla_arena_new(8192);
    if (!a)
        return NULL;
    dla_req_t *req = dla_arena_calloc(a, sizeof *req);
    if (!req) {
        dla_arena_destroy(a);
        return NULL;
    }
    req->arena = a;
    req->conn = conn;
    req->start_us = dla_mono_us();
    const char *q = strchr(uri, '?');
    req->query = dla_arena_strdup(a, q ? q + 1 : "");
    return req;
}

static enum MHD_Result queue(dla_req_t *req)
{
    struct MHD_Response *r;
    if (req->rbody) {
        r = MHD_create_response_from_buffer(req->rlen, req->rbody, MHD_RESPMEM_MUST_FREE);
        if (r)
            req->rbody = NULL;
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    if (req->rctype)
        MHD_add_response_header(r, "Content-Type", req->rctype);
    for (dla_hdr_t *h = req->rhdrs; h; h = h->next)
        MHD_add_response_header(r, h->name, h->value);
    enum MHD_Result rc = MHD_queue_response(req->conn, (unsigned)req->status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    struct dla_http_s *h = cls;
    dla_req_t *req = *con_cls;
    (void)version;
    if (!req)
        return MHD_NO; /* out of memory in uri_log_cb */

    if (!req->started) {
        req->started = 1;
        req->server = h;
        req->method = method;
        req->path = dla_arena_strdup(req->arena, url);
        int m = req->path ? dla_router_match(h->router, req) : 0;
        if (m > 0) {
            dla_handler_fn fn;
            void *ud;
            dla_route_info(req->route, &fn, &ud, &req->max_body);
            if (!req->max_body)
                req->max_body = h->max_body;
        } else {
            req->max_body = h->max_body;
            if (m < 0)
                dla_resp_error(req, 405, "method_not_allowed", "method %s not allowed on %s",
                               method, url);
            else
                dla_resp_error(req, 404, "not_found", "no resource at %s", url);
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > req->max_body && !req->answered) {
            dla_resp_error(req, 413, "payload_too_large", "request body over %zu bytes",
                           req->max_body);
            return queue(req);
        }
        return MHD_YES;
    }

    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->answered || req->too_big)
            return MHD_YES; /* drain */
        if (req->body_len + n > req->max_body) {
            req->too_big = 1;
            free(req->body);
            req->body = NULL;
            req->body_len = 0;
            return MHD_YES;
        }
        if (req->body_len + n + 1 > req->body_cap) {
            size_t cap = req->body_cap ? req->body_cap : 4096;
            while (cap < req->body_len + n + 1)
                cap *= 2;
            char *nb = realloc(req->body, cap);
            if (!nb)
                return MHD_NO;
            req->body = nb;
            req->body_cap = cap;
        }
        memcpy(req->body + req->body_len, upload_data, n);
        req->body_len += n;
        req->body[req->body_len] = '\0';
        return MHD_YES;
    }

    if (req->suspended) { /* resumed */
        if (!__atomic_load_n(&req->resumed, __ATOMIC_ACQUIRE))
            return MHD_YES;
        req->suspended = 0;
        h->parked--;
        if (!req->answered)
            dla_resp_error(req, 500, "internal", "request resumed without a response");
        return queue(req);
    }

    if (!req->answered && req->too_big)
        dla_resp_error(req, 413, "payload_too_large", "request body over %zu bytes",
                       req->max_body);
    if (!req->answered && req->route) {
        dla_handler_fn fn;
        void *ud;
        size_t mb;
        dla_route_info(req->route, &fn, &ud, &mb);
        fn(req, ud);
        if (req->suspended) {
            /* Parked even if already resumed: MHD then calls us again at once. */
            h->parked++;
            MHD_suspend_connection(conn);
            return MHD_YES;
        }
        req->suspended = 0;
        if (!req->answered)
            dla_resp_error(req, 500, "internal", "handler produced no response");
    }
    return queue(req);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct dla_http_s *h = cls;
    dla_req_t *req = *con_cls;
    (void)conn;
    if (!req)
        return;
    if (h->access_log && req->method) {
        uint64_t us = dla_mono_us() - req->start_us;
        dla_log(DLA_LOG_INFO, "%s %s%s%s %d %zu %.3fms%s", req->method,
                req->path ? req->path : "?", req->query[0] ? "?" : "", req->query,
                req->status, req->rlen, (double)us / 1000.0,
                toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    }
    free(req->body);
    free(req->rbody);
    dla_arena_destroy(req->arena);
    *con_cls = NULL;
}

/* libmicrohttpd's own messages: fmt is its printf format, not request data. */
static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char buf[512];
    (void)cls;
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    dla_log(DLA_LOG_DEBUG, "http: %s", buf);
}

/* ---- server -------------------------------------------------------------------- */

static int parse_listen(const char *listen, struct sockaddr_storage *ss, dla_err_t *err)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host)
        return dla_err_set(err, DLA_ECONFIG, "listen address \"%s\" is not host:port", listen);
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || colon[1] == '\0')
        return dla_err_set(err, DLA_ECONFIG, "listen address \"%s\" has no valid port",
                           listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    memset(ss, 0, sizeof *ss);
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 2 || host[n - 1] != ']')
            return dla_err_set(err, DLA_ECONFIG, "listen address \"%s\" is malformed", listen);
        host[n - 1] = '\0';
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
            return dla_err_set(err, DLA_ECONFIG, "listen host \"%s\" is not an address",
                               host + 1);
        return DLA_OK;
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0)
        strcpy(host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
        return dla_err_set(err, DLA_ECONFIG, "listen host \"%s\" is not an IPv4 address", host);
    return DLA_OK;
}

int dla_http_start(const dla_http_opts_t *opts, dla_router_t *r, dla_http_t **out,
                   dla_err_t *err)
{
    struct sockaddr_storage ss;
    int rc = parse_listen(opts->listen, &ss, err);
    if (rc != DLA_OK)
        return rc;
    struct dla_http_s *h = calloc(1, sizeof *h);
    if (!h)
        return dla_err_set(err, DLA_ENOMEM, "out of memory starting http");
    h->router = r;
    h->max_body = opts->max_body ? opts->max_body : 1024 * 1024;
    h->access_log = opts->access_log;
    unsigned threads = opts->threads;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n * 2 : 4;
        if (threads < 4)
            threads = 4;
    }
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, access_cb, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(opts->conn_timeout ? opts->conn_timeout : 60), MHD_OPTION_URI_LOG_CALLBACK,
        uri_log_cb, h, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, h,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_log, h, MHD_OPTION_END);
    if (!h->mhd) {
        int e = errno;
        free(h);
        return dla_err_set(err, DLA_EIO, "could not listen on %s: %s", opts->listen,
                           e ? strerror(e) : "libmicrohttpd failed to start");
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : 0;
    *out = h;
    return DLA_OK;
}

void dla_http_stop(dla_http_t *h)
{
    if (!h)
        return;
    /* Stop accepting, then give parked requests (group commits in flight) up to
     * 10 s to be resumed before the daemon goes away under them. */
    MHD_socket ls = MHD_quiesce_daemon(h->mhd);
    for (int i = 0; i < 1000 && h->parked > 0; i++)
        usleep(10000);
    MHD_stop_daemon(h->mhd);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    free(h);
}

uint16_t dla_http_port(const dla_http_t *h)
{
    return h->port;
}

const char *dla_http_reason(int status)
{
    const char *s = MHD_get_reason_phrase_for((unsigned)status);
    return s && *s ? s : "Unknown";
}

void dla_http_date(long long t, char buf[30])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, 30, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}
