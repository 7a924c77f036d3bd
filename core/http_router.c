/* http_router.c - path routing: exact segments, {captures}, trailing "*". */
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

#define MAX_SEGS 16

struct dla_route_s {
    struct dla_route_s *next;
    char *method; /* "*" = any */
    char *segs[MAX_SEGS];
    int nsegs, rest; /* rest: pattern ends with "*" */
    dla_handler_fn fn;
    void *ud;
    size_t max_body;
};

struct dla_router_s {
    dla_route_t *head, *tail;
};

dla_router_t *dla_router_new(void)
{
    return calloc(1, sizeof(dla_router_t));
}

void dla_router_free(dla_router_t *r)
{
    if (!r)
        return;
    dla_route_t *rt = r->head;
    while (rt) {
        dla_route_t *next = rt->next;
        free(rt->method);
        for (int i = 0; i < rt->nsegs; i++)
            free(rt->segs[i]);
        free(rt);
        rt = next;
    }
    free(r);
}

int dla_router_add(dla_router_t *r, const char *method, const char *pattern,
                   dla_handler_fn fn, void *ud, size_t max_body, dla_err_t *err)
{
    int rc = DLA_OK;
    dla_route_t *rt = calloc(1, sizeof *rt);
    if (!rt || !(rt->method = strdup(method)))
        goto nomem;
    if (pattern[0] != '/') {
        rc = dla_err_set(err, DLA_EINVAL, "route \"%s\" must start with /", pattern);
        goto cleanup;
    }
    const char *p = pattern + 1;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 1 && p[0] == '*' && !e) {
            rt->rest = 1;
            break;
        }
        if (rt->nsegs == MAX_SEGS) {
            rc = dla_err_set(err, DLA_EINVAL, "route \"%s\" has too many segments", pattern);
            goto cleanup;
        }
        if (!(rt->segs[rt->nsegs] = strndup(p, n)))
            goto nomem;
        rt->nsegs++;
        if (!e)
            break;
        p = e + 1;
        if (!*p) { /* trailing slash: an empty final segment */
            if (rt->nsegs == MAX_SEGS || !(rt->segs[rt->nsegs] = strdup("")))
                goto nomem;
            rt->nsegs++;
        }
    }
    rt->fn = fn;
    rt->ud = ud;
    rt->max_body = max_body;
    if (r->tail)
        r->tail->next = rt;
    else
        r->head = rt;
    r->tail = rt;
    return DLA_OK;
nomem:
    rc = dla_err_set(err, DLA_ENOMEM, "out of memory adding route");
cleanup:
    if (rt) {
        free(rt->method);
        for (int i = 0; i < rt->nsegs; i++)
            free(rt->segs[i]);
        free(rt);
    }
    return rc;
}

/* Score of a match: higher is more specific; -1 no match. */
static int match_one(const dla_route_t *rt, const char **segs, const size_t *lens, int nsegs)
{
    int score = 0;
    if (nsegs < rt->nsegs || (nsegs > rt->nsegs && !rt->rest))
        return -1;
    for (int i = 0; i < rt->nsegs; i++) {
        const char *ps = rt->segs[i];
        size_t pl = strlen(ps);
        if (pl >= 2 && ps[0] == '{' && ps[pl - 1] == '}') {
            if (lens[i] == 0)
                return -1;
            score += 2;
        } else if (pl == lens[i] && memcmp(ps, segs[i], pl) == 0) {
            score += 3;
        } else {
            return -1;
        }
    }
    if (rt->rest)
        score += 1;
    else
        score += 4;
    return score;
}

void dla_route_info(const dla_route_t *rt, dla_handler_fn *fn, void **ud, size_t *max_body)
{
    *fn = rt->fn;
    *ud = rt->ud;
    *max_body = rt->max_body;
}

int dla_router_match(const dla_router_t *r, dla_req_t *req)
{
    const char *segs[64];
    size_t lens[64];
    int nsegs = 0;
    const char *p = req->path;
    if (*p != '/')
        return 0;
    p++;
    for (;;) {
        const char *e = strchr(p, '/');
        if (nsegs == 64)
            return 0;
        segs[nsegs] = p;
        lens[nsegs] = e ? (size_t)(e - p) : strlen(p);
        nsegs++;
        if (!e)
            break;
        p = e + 1;
    }
    if (nsegs == 1 && lens[0] == 0)
        nsegs = 0; /* "/" */
    const dla_route_t *best = NULL;
    int best_score = -1, path_matched = 0;
    for (const dla_route_t *rt = r->head; rt; rt = rt->next) {
        int s = match_one(rt, segs, lens, nsegs);
        if (s < 0)
            continue;
        path_matched = 1;
        if (strcmp(rt->method, "*") != 0 && strcmp(rt->method, req->method) != 0 &&
            !(strcmp(req->method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0))
            continue;
        if (s > best_score) {
            best = rt;
            best_score = s;
        }
    }
    if (!best)
        return path_matched ? -1 : 0;
    req->route = best;
    req->nparams = 0;
    for (int i = 0; i < best->nsegs && req->nparams < DLA_MAX_PARAMS; i++) {
        const char *ps = best->segs[i];
        size_t pl = strlen(ps);
        if (pl >= 2 && ps[0] == '{' && ps[pl - 1] == '}') {
            req->pnames[req->nparams] = dla_arena_strndup(req->arena, ps + 1, pl - 2);
            req->pvalues[req->nparams] = dla_arena_strndup(req->arena, segs[i], lens[i]);
            if (!req->pnames[req->nparams] || !req->pvalues[req->nparams])
                return 0;
            req->nparams++;
        }
    }
    if (best->rest && req->nparams < DLA_MAX_PARAMS) {
        const char *rest = nsegs > best->nsegs ? segs[best->nsegs] : "";
        req->pnames[req->nparams] = "*";
        req->pvalues[req->nparams] = dla_arena_strdup(req->arena, rest);
        req->nparams++;
    }
    return 1;
}
