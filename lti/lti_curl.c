/* lti_curl.c - outgoing HTTP for LTI services (libcurl): JWKS, tokens, AGS,
 * NRPS, Outcomes, Dynamic Registration. http/https only, bounded time and size,
 * no redirects followed (a platform endpoint that moves is a configuration
 * change, not something to chase silently).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "lti_int.h"

typedef struct buf_s {
    lti_http_resp_t *r;
    size_t cap;
    int too_big;
} buf_t;

static size_t on_body(char *data, size_t sz, size_t n, void *ud)
{
    buf_t *b = ud;
    size_t add = sz * n;
    if (b->r->len + add > LTI_MAX_FETCH) {
        b->too_big = 1;
        return 0;
    }
    if (b->r->len + add + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096);
        while (cap < b->r->len + add + 1)
            cap *= 2;
        char *p = realloc(b->r->body, cap);
        if (!p)
            return 0;
        b->r->body = p;
        b->cap = cap;
    }
    memcpy(b->r->body + b->r->len, data, add);
    b->r->len += add;
    b->r->body[b->r->len] = '\0';
    return add;
}

/* Extracts the rel="next" target from a Link header value. */
static char *link_next(const char *v, size_t n)
{
    const char *end = v + n;
    while (v < end) {
        const char *lt = memchr(v, '<', (size_t)(end - v));
        if (!lt)
            return NULL;
        const char *gt = memchr(lt, '>', (size_t)(end - lt));
        if (!gt)
            return NULL;
        const char *comma = memchr(gt, ',', (size_t)(end - gt));
        const char *seg_end = comma ? comma : end;
        const char *p = gt;
        int is_next = 0;
        while (p < seg_end) {
            const char *rel = NULL;
            for (const char *q = p; q + 4 <= seg_end; q++)
                if (strncasecmp(q, "rel=", 4) == 0) {
                    rel = q + 4;
                    break;
                }
            if (!rel)
                break;
            if (*rel == '"')
                rel++;
            if (seg_end - rel >= 4 && strncasecmp(rel, "next", 4) == 0 &&
                (rel + 4 == seg_end || rel[4] == '"' || rel[4] == ';' || rel[4] == ' '))
                is_next = 1;
            p = rel;
        }
        if (is_next)
            return strndup(lt + 1, (size_t)(gt - lt - 1));
        v = seg_end + 1;
    }
    return NULL;
}

static size_t on_header(char *data, size_t sz, size_t n, void *ud)
{
    buf_t *b = ud;
    size_t len = sz * n;
    if (len > 6 && strncasecmp(data, "Link:", 5) == 0 && !b->r->link_next) {
        b->r->link_next = link_next(data + 5, len - 5);
    } else if (len > 13 && strncasecmp(data, "Content-Type:", 13) == 0) {
        const char *v = data + 13;
        size_t vl = len - 13;
        while (vl && (*v == ' '))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n'))
            vl--;
        if (vl >= sizeof b->r->content_type)
            vl = sizeof b->r->content_type - 1;
        memcpy(b->r->content_type, v, vl);
        b->r->content_type[vl] = '\0';
    }
    return len;
}

void lti_http_resp_free(lti_http_resp_t *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->link_next);
    memset(r, 0, sizeof *r);
}

int lti_http(const char *method, const char *url, const char *const *headers,
             const char *body, size_t body_len, lti_http_resp_t *resp, dla_err_t *err)
{
    CURL *c = NULL;
    struct curl_slist *hl = NULL;
    buf_t b = {resp, 0, 0};
    int rc = DLA_OK;
    memset(resp, 0, sizeof *resp);
    if (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
        return dla_err_set(err, DLA_EINVAL, "url \"%.100s\" is not http(s)",
                           url ? url : "");
    c = curl_easy_init();
    if (!c)
        return dla_err_set(err, DLA_ENOMEM, "curl init failed");
    for (size_t i = 0; headers && headers[i]; i++) {
        struct curl_slist *nl = curl_slist_append(hl, headers[i]);
        if (!nl) {
            rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
            goto cleanup;
        }
        hl = nl;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "dla-lti/" DLA_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &b);
    if (hl)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        rc = dla_err_set(err, DLA_EUPSTREAM, "%s %.120s: %s", method, url,
                         b.too_big ? "response too large" : curl_easy_strerror(cc));
        goto cleanup;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    if (!resp->body) {
        resp->body = calloc(1, 1);
        if (!resp->body)
            rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
    }
cleanup:
    if (rc != DLA_OK)
        lti_http_resp_free(resp);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return rc;
}
