/* xapi_load.c - a small, bounded load client for the LRS (loopback only).
 *
 *   xapi_load gen  --count N [--seed S]              NDJSON statements to stdout
 *   xapi_load post --port P --auth KEY:SECRET --conc C --batch B --seconds T --tag NAME
 *   xapi_load get  --port P --auth KEY:SECRET --conc C --seconds T --tag NAME --query Q
 *                  [--mod M]   (in Q, XNX becomes a value in [0, M), XN12X the same
 *                               zero-padded to 12 digits)
 *
 * HTTP/1.1 keep-alive, one connection per thread, requests built in memory.
 * Prints one JSON line: statements/s (post) or requests/s (get) with p50/p95/p99
 * latency in ms and the status codes seen. Connects to 127.0.0.1 only.
 * Built by tests/bench/bench_xapi.sh with `cc -O2 -pthread`.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define N_AGENTS 1000
#define N_VERBS 20
#define N_ACTS 500
#define N_REGS 10000
#define MAX_LAT 4000000

static const char *g_mode, *g_auth_b64, *g_query, *g_tag = "xapi";
static int g_port, g_conc = 4, g_batch = 100, g_seconds = 10, g_mod = 1000;
static volatile int g_stop;
static double *g_lat;
static size_t g_nlat;
static unsigned long g_ok, g_stmts, g_status[6];
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void b64(const char *in, char *out)
{
    static const char t[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = t[v >> 18 & 63];
        out[o++] = t[v >> 12 & 63];
        out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[o] = 0;
}

/* One statement in the shape the bench filters on. */
static int statement(char *buf, size_t cap, uint64_t *s)
{
    unsigned a = (unsigned)(rnd(s) % N_AGENTS), v = (unsigned)(rnd(s) % N_VERBS);
    unsigned act = (unsigned)(rnd(s) % N_ACTS), reg = (unsigned)(rnd(s) % N_REGS);
    unsigned parent = act / 10;
    return snprintf(
        buf, cap,
        "{\"actor\":{\"objectType\":\"Agent\",\"name\":\"Learner %u\","
        "\"account\":{\"homePage\":\"https://lms.example.lt\",\"name\":\"u%u\"}},"
        "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/v%u\","
        "\"display\":{\"en-US\":\"verb %u\",\"lt-LT\":\"veiksmas %u\"}},"
        "\"object\":{\"objectType\":\"Activity\",\"id\":\"https://dla.example.lt/act/"
        "%u\","
        "\"definition\":{\"name\":{\"en-US\":\"Activity %u\"},"
        "\"type\":\"http://adlnet.gov/expapi/activities/lesson\"}},"
        "\"result\":{\"score\":{\"scaled\":0.%02u},\"completion\":true,"
        "\"duration\":\"PT%uM\"},"
        "\"context\":{\"registration\":\"00000000-0000-4000-8000-%012u\","
        "\"contextActivities\":{\"parent\":[{\"id\":\"https://dla.example.lt/course/"
        "%u\"}],"
        "\"category\":[{\"id\":\"https://dla.example.lt/profile/digcomp\"}]},"
        "\"instructor\":{\"mbox\":\"mailto:teacher%u@example.lt\"}},"
        "\"timestamp\":\"2026-11-%02uT10:%02u:00Z\"}",
        a, a, v, v, v, act, act, (unsigned)(rnd(s) % 100), 1 + (unsigned)(rnd(s) % 50),
        reg, parent, a % 20, 1 + (unsigned)(rnd(s) % 27), (unsigned)(rnd(s) % 60));
}

/* Copies template t into out, replacing "XNX" by k and "XN12X" by k padded to
 * 12 digits (the template is already URL-encoded, so it may contain '%'). */
static void expand(char *out, size_t cap, const char *t, unsigned k)
{
    size_t o = 0;
    while (*t && o + 16 < cap) {
        if (!strncmp(t, "XN12X", 5)) {
            o += (size_t)snprintf(out + o, cap - o, "%012u", k);
            t += 5;
        } else if (!strncmp(t, "XNX", 3)) {
            o += (size_t)snprintf(out + o, cap - o, "%u", k);
            t += 3;
        } else {
            out[o++] = *t++;
        }
    }
    out[o] = 0;
}

static int connect_lrs(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)g_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one response; returns the status or -1. */
static int read_response(int fd, char *buf, size_t cap)
{
    size_t have = 0;
    char *hend = NULL;
    while (!hend) {
        if (have + 1 >= cap)
            return -1;
        ssize_t r = read(fd, buf + have, cap - 1 - have);
        if (r <= 0)
            return -1;
        have += (size_t)r;
        buf[have] = 0;
        hend = strstr(buf, "\r\n\r\n");
    }
    int status = atoi(buf + 9);
    size_t clen = 0;
    char *cl = strcasestr(buf, "\r\nContent-Length:");
    if (cl)
        clen = (size_t)strtoul(cl + 17, NULL, 10);
    size_t body_have = have - (size_t)(hend + 4 - buf);
    while (body_have < clen) {
        char tmp[65536];
        size_t want = clen - body_have < sizeof tmp ? clen - body_have : sizeof tmp;
        ssize_t r = read(fd, tmp, want);
        if (r <= 0)
            return -1;
        body_have += (size_t)r;
    }
    return status;
}

static void record(double lat, int status, unsigned long stmts)
{
    pthread_mutex_lock(&g_mu);
    if (g_nlat < MAX_LAT)
        g_lat[g_nlat++] = lat;
    int cls = status / 100;
    g_status[cls >= 0 && cls < 6 ? cls : 0]++;
    if (status == 200 || status == 204) {
        g_ok++;
        g_stmts += stmts;
    }
    pthread_mutex_unlock(&g_mu);
}

static void *worker(void *arg)
{
    uint64_t seed =
        0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)arg * 7919u ^ (uint64_t)time(NULL);
    size_t cap = (size_t)g_batch * 2048 + 4096;
    char *req = malloc(cap + 1024), *body = malloc(cap), *resp = malloc(1 << 20);
    int fd = connect_lrs();
    if (!req || !body || !resp || fd < 0) {
        fprintf(stderr, "xapi_load: cannot connect to 127.0.0.1:%d\n", g_port);
        goto out;
    }
    while (!g_stop) {
        size_t rl;
        unsigned long n = 0;
        if (strcmp(g_mode, "post") == 0) {
            size_t bl = 0;
            if (g_batch > 1)
                body[bl++] = '[';
            for (int i = 0; i < g_batch; i++) {
                if (i)
                    body[bl++] = ',';
                bl += (size_t)statement(body + bl, cap - bl, &seed);
            }
            if (g_batch > 1)
                body[bl++] = ']';
            rl = (size_t)snprintf(
                req, cap + 1024,
                "POST /xapi/statements HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Basic %s\r\nX-Experience-API-Version: 1.0.3\r\n"
                "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                g_auth_b64, bl);
            memcpy(req + rl, body, bl);
            rl += bl;
            n = (unsigned long)g_batch;
        } else {
            /* rotate the value of the filter so the cache sees many keys */
            char q[2048];
            unsigned k = (unsigned)(rnd(&seed) % (unsigned)g_mod);
            expand(q, sizeof q, g_query, k);
            rl = (size_t)snprintf(
                req, cap + 1024,
                "GET /xapi/statements?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Authorization: Basic %s\r\nX-Experience-API-Version: 1.0.3\r\n\r\n",
                q, g_auth_b64);
            n = 1;
        }
        double t0 = now_s();
        if (send_all(fd, req, rl) < 0) {
            record(now_s() - t0, 0, 0);
            break;
        }
        int st = read_response(fd, resp, 1 << 20);
        record(now_s() - t0, st < 0 ? 0 : st, n);
        if (st < 0)
            break;
    }
out:
    if (fd >= 0)
        close(fd);
    free(req);
    free(body);
    free(resp);
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    if (!g_nlat)
        return 0;
    size_t i = (size_t)(p * (double)(g_nlat - 1));
    return g_lat[i] * 1000.0;
}

int main(int argc, char **argv)
{
    const char *auth = NULL;
    long count = 0;
    uint64_t seed = 42;
    if (argc < 2) {
        fprintf(stderr, "usage: xapi_load gen|post|get [options]\n");
        return 2;
    }
    g_mode = argv[1];
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--port"))
            g_port = atoi(v);
        else if (!strcmp(k, "--auth"))
            auth = v;
        else if (!strcmp(k, "--conc"))
            g_conc = atoi(v);
        else if (!strcmp(k, "--batch"))
            g_batch = atoi(v);
        else if (!strcmp(k, "--seconds"))
            g_seconds = atoi(v);
        else if (!strcmp(k, "--tag"))
            g_tag = v;
        else if (!strcmp(k, "--query"))
            g_query = v;
        else if (!strcmp(k, "--mod"))
            g_mod = atoi(v) > 0 ? atoi(v) : 1;
        else if (!strcmp(k, "--count"))
            count = atol(v);
        else if (!strcmp(k, "--seed"))
            seed = (uint64_t)atoll(v) | 1;
    }
    if (!strcmp(g_mode, "gen")) {
        char buf[4096];
        for (long i = 0; i < count; i++) {
            statement(buf, sizeof buf, &seed);
            puts(buf);
        }
        return 0;
    }
    if (!auth || g_port <= 0 || g_conc < 1 || g_conc > 256 || g_batch < 1 ||
        g_batch > 5000 || g_seconds < 1 || g_seconds > 600 ||
        (!strcmp(g_mode, "get") && !g_query)) {
        fprintf(stderr, "xapi_load: bad options\n");
        return 2;
    }
    char *ab = malloc(strlen(auth) * 2 + 8);
    g_lat = malloc(sizeof(double) * MAX_LAT);
    if (!ab || !g_lat)
        return 1;
    b64(auth, ab);
    g_auth_b64 = ab;
    pthread_t th[256];
    double t0 = now_s();
    for (int i = 0; i < g_conc; i++)
        pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)(i + 1));
    sleep((unsigned)g_seconds);
    g_stop = 1;
    for (int i = 0; i < g_conc; i++)
        pthread_join(th[i], NULL);
    double el = now_s() - t0;
    qsort(g_lat, g_nlat, sizeof(double), cmp_d);
    int post = !strcmp(g_mode, "post");
    printf("{\"bench\":\"%s\",\"value\":%.0f,\"unit\":\"%s\",\"requests_per_s\":%.0f,"
           "\"p50_ms\":%.2f,\"p95_ms\":%.2f,\"p99_ms\":%.2f,\"requests\":%zu,\"ok\":%lu,"
           "\"status_2xx\":%lu,\"status_4xx\":%lu,\"status_5xx\":%lu,\"errors\":%lu,"
           "\"concurrency\":%d,\"batch\":%d,\"seconds\":%.1f}\n",
           g_tag, post ? (double)g_stmts / el : pct(0.99),
           post ? "statements/s" : "ms_p99", (double)g_ok / el, pct(0.50), pct(0.95),
           pct(0.99), g_nlat, g_ok, g_status[2], g_status[4], g_status[5], g_status[0],
           g_conc, post ? g_batch : 1, el);
    free(ab);
    free(g_lat);
    return g_ok ? 0 : 1;
}
