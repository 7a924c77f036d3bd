/* static.c - /healthz and the static UI files under /app/.
 *
 * Files are read per request (the UI is small and the OS caches it); paths are
 * confined to the web root (no "..", no hidden files); ETag from size+mtime.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dla_static.h"

static const char *g_web_root;

static void healthz(dla_req_t *req, void *ud)
{
    (void)ud;
    static const char body[] = "{\"status\":\"ok\"}";
    dla_resp_header(req, "Cache-Control", "no-store");
    dla_resp_body(req, 200, "application/json", body, sizeof body - 1);
}

static void root(dla_req_t *req, void *ud)
{
    (void)ud;
    dla_resp_redirect(req, 302, "/app/");
}

static const char *mime_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".mjs", "text/javascript; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".json", "application/json"},
                 {".svg", "image/svg+xml"},
                 {".png", "image/png"},
                 {".ico", "image/x-icon"},
                 {".woff2", "font/woff2"},
                 {".txt", "text/plain; charset=utf-8"}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

static int safe_rel(const char *rel)
{
    if (strlen(rel) > 512)
        return 0;
    for (const char *p = rel; *p; p++) {
        if (*p == '\\' || (unsigned char)*p < 0x20)
            return 0;
        if ((p == rel || p[-1] == '/') && *p == '.')
            return 0; /* "..", hidden files */
    }
    return 1;
}

static void serve_file(dla_req_t *req, void *ud)
{
    (void)ud;
    const char *rel = dla_req_param(req, "*");
    if (!rel || !*rel)
        rel = "index.html";
    if (!safe_rel(rel)) {
        dla_resp_error(req, 404, "not_found", "no such file");
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", g_web_root, rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        snprintf(path, sizeof path, "%s/%s/index.html", g_web_root, rel);
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 16 << 20) {
        if (fd >= 0)
            close(fd);
        dla_resp_error(req, 404, "not_found", "no such file");
        return;
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtime);
    const char *inm = dla_req_header(req, "If-None-Match");
    dla_resp_header(req, "ETag", etag);
    dla_resp_header(req, "Cache-Control", "no-cache");
    dla_resp_header(req, "X-Content-Type-Options", "nosniff");
    if (strstr(path, ".html"))
        dla_resp_header(req, "Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                        "script-src 'self'; frame-ancestors *");
    if (inm && strcmp(inm, etag) == 0) {
        close(fd);
        dla_resp_empty(req, 304);
        return;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        dla_resp_error(req, 500, "internal", "could not read file");
        return;
    }
    dla_resp_body_take(req, 200, mime_of(path), buf, got);
}

int dla_static_init(dla_app_t *app, const char *web_root, dla_err_t *err)
{
    int rc;
    g_web_root = web_root;
    if ((rc = dla_router_add(app->router, "GET", "/healthz", healthz, app, 0, err)) ||
        (rc = dla_router_add(app->router, "GET", "/", root, app, 0, err)) ||
        (rc = dla_router_add(app->router, "GET", "/app", root, app, 0, err)) ||
        (rc = dla_router_add(app->router, "GET", "/app/*", serve_file, app, 0, err)))
        return rc;
    return DLA_OK;
}
