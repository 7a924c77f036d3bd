/* test_http.c - the HTTP wrapper against a real libcurl client on loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dla_http.h"

typedef struct {
    char *data;
    size_t len;
} buf_t;

static size_t sink(char *p, size_t sz, size_t n, void *ud)
{
    buf_t *b = ud;
    char *nd = realloc(b->data, b->len + sz * n + 1);
    if (!nd)
        return 0;
    b->data = nd;
    memcpy(b->data + b->len, p, sz * n);
    b->len += sz * n;
    b->data[b->len] = '\0';
    return sz * n;
}

static dla_http_t *g_http;
static dla_router_t *g_router;
static char g_base[64];
static CURL *g_curl;

static void h_echo(dla_req_t *req, void *ud)
{
    (void)ud;
    size_t n;
    const char *body = dla_req_body(req, &n);
    json_t *j = json_pack("{s:s,s:s,s:s*,s:s*,s:s%}", "method", dla_req_method(req), "path",
                          dla_req_path(req), "id", dla_req_param(req, "id"), "q",
                          dla_req_query(req, "q"), "body", body, n);
    dla_resp_header(req, "X-Test", "yes");
    dla_resp_json(req, 200, j);
}

static void h_silent(dla_req_t *req, void *ud)
{
    (void)req;
    (void)ud; /* no response: the wrapper must answer 500 */
}

static void *resumer(void *arg)
{
    dla_req_t *req = arg;
    usleep(20000);
    dla_resp_body(req, 202, "text/plain", "later", 5);
    dla_req_resume(req);
    return NULL;
}

static void h_suspend(dla_req_t *req, void *ud)
{
    (void)ud;
    pthread_t t;
    dla_req_suspend(req);
    pthread_create(&t, NULL, resumer, req);
    pthread_detach(t);
}

static int setup(void **state)
{
    (void)state;
    dla_err_t err = {0};
    g_router = dla_router_new();
    assert_non_null(g_router);
    assert_int_equal(dla_router_add(g_router, "GET", "/items/{id}", h_echo, NULL, 0, &err), 0);
    assert_int_equal(dla_router_add(g_router, "POST", "/items", h_echo, NULL, 64, &err), 0);
    assert_int_equal(dla_router_add(g_router, "*", "/any/*", h_echo, NULL, 0, &err), 0);
    assert_int_equal(dla_router_add(g_router, "GET", "/items/special", h_echo, NULL, 0, &err),
                     0);
    assert_int_equal(dla_router_add(g_router, "GET", "/silent", h_silent, NULL, 0, &err), 0);
    assert_int_equal(dla_router_add(g_router, "GET", "/later", h_suspend, NULL, 0, &err), 0);
    assert_int_not_equal(dla_router_add(g_router, "GET", "nopath", h_echo, NULL, 0, &err), 0);
    dla_http_opts_t o = {"127.0.0.1:0", 2, 0, 5, 0};
    assert_int_equal(dla_http_start(&o, g_router, &g_http, &err), 0);
    snprintf(g_base, sizeof g_base, "http://127.0.0.1:%u", dla_http_port(g_http));
    g_curl = curl_easy_init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    curl_easy_cleanup(g_curl);
    dla_http_stop(g_http);
    dla_router_free(g_router);
    return 0;
}

static long request(const char *method, const char *path, const char *body, buf_t *out)
{
    char url[256];
    snprintf(url, sizeof url, "%s%s", g_base, path);
    out->data = NULL;
    out->len = 0;
    curl_easy_reset(g_curl);
    curl_easy_setopt(g_curl, CURLOPT_URL, url);
    curl_easy_setopt(g_curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(g_curl, CURLOPT_NOBODY, 1L);
    if (body)
        curl_easy_setopt(g_curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(g_curl, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(g_curl, CURLOPT_WRITEDATA, out);
    assert_int_equal(curl_easy_perform(g_curl), CURLE_OK);
    long code = 0;
    curl_easy_getinfo(g_curl, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

static void test_routes_and_params(void **state)
{
    (void)state;
    buf_t b;
    assert_int_equal(request("GET", "/items/42?q=a%20b&x=1", NULL, &b), 200);
    assert_non_null(strstr(b.data, "\"id\":\"42\""));
    assert_non_null(strstr(b.data, "\"q\":\"a b\""));
    free(b.data);
    /* an exact segment beats a capture */
    assert_int_equal(request("GET", "/items/special", NULL, &b), 200);
    assert_null(strstr(b.data, "\"id\""));
    free(b.data);
    assert_int_equal(request("DELETE", "/any/x/y", NULL, &b), 200);
    assert_non_null(strstr(b.data, "\"method\":\"DELETE\""));
    free(b.data);
}

static void test_errors_are_json(void **state)
{
    (void)state;
    buf_t b;
    assert_int_equal(request("GET", "/nothing", NULL, &b), 404);
    assert_non_null(strstr(b.data, "\"code\":\"not_found\""));
    free(b.data);
    assert_int_equal(request("PUT", "/items/1", NULL, &b), 405);
    assert_non_null(strstr(b.data, "method_not_allowed"));
    free(b.data);
    assert_int_equal(request("GET", "/silent", NULL, &b), 500);
    assert_non_null(strstr(b.data, "\"error\""));
    free(b.data);
}

static void test_body_limit(void **state)
{
    (void)state;
    buf_t b;
    assert_int_equal(request("POST", "/items", "small body", &b), 200);
    assert_non_null(strstr(b.data, "\"body\":\"small body\""));
    free(b.data);
    char big[200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(request("POST", "/items", big, &b), 413);
    assert_non_null(strstr(b.data, "payload_too_large"));
    free(b.data);
}

static void test_keepalive(void **state)
{
    (void)state;
    buf_t b;
    char url[256];
    snprintf(url, sizeof url, "%s/items/1", g_base);
    curl_easy_reset(g_curl);
    long total = 0;
    for (int i = 0; i < 5; i++) {
        b.data = NULL;
        b.len = 0;
        curl_easy_setopt(g_curl, CURLOPT_URL, url);
        curl_easy_setopt(g_curl, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(g_curl, CURLOPT_WRITEDATA, &b);
        assert_int_equal(curl_easy_perform(g_curl), CURLE_OK);
        long n = 0;
        curl_easy_getinfo(g_curl, CURLINFO_NUM_CONNECTS, &n);
        total += n;
        free(b.data);
    }
    assert_true(total <= 1); /* one connection for five requests */
}

static void test_suspend_resume_and_head(void **state)
{
    (void)state;
    buf_t b;
    assert_int_equal(request("GET", "/later", NULL, &b), 202);
    assert_string_equal(b.data, "later");
    free(b.data);
    assert_int_equal(request("HEAD", "/items/7", NULL, &b), 200);
    assert_null(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_and_params),
        cmocka_unit_test(test_errors_are_json),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_suspend_resume_and_head),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
