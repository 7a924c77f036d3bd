/* lrs_util.c - small helpers of the LRS: UUIDs, hashes, times, agent keys, and
 * the index keys of a statement (agent, verb, activity, registration, their
 * "related" variants and authority). Queries hash their parameters the same way,
 * so a filtered GET is a lookup, never a scan. Which agents and activities are
 * "direct" or "related" is the data model's rule (dla_xm_statement_agents /
 * dla_xm_statement_activities). */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/evp.h>

#include "model_int.h"
#include "xapi_int.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int lrs_uuid_parse(const char *s, uint8_t out[16])
{
    size_t j = 0;
    if (!s || strlen(s) != 36)
        return DLA_EINVAL;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return DLA_EINVAL;
            i++;
            continue;
        }
        int a = hexval((unsigned char)s[i]), b = hexval((unsigned char)s[i + 1]);
        if (a < 0 || b < 0)
            return DLA_EINVAL;
        out[j++] = (uint8_t)(a << 4 | b);
        i += 2;
    }
    return DLA_OK;
}

void lrs_uuid_format(const uint8_t in[16], char out[37])
{
    static const char hx[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hx[in[i] >> 4];
        out[o++] = hx[in[i] & 15];
    }
    out[o] = 0;
}

void lrs_uuid_v7(char out[37])
{
    uint8_t b[16];
    uint64_t t = lrs_now_ms();
    if (dla_random_bytes(b, sizeof b) != DLA_OK) {
        /* fall back to address entropy; never reached on Linux */
        memcpy(b + 8, &out, sizeof(void *) < 8 ? sizeof(void *) : 8);
    }
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(t >> (40 - 8 * i));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x70);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    lrs_uuid_format(b, out);
}

static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_free(void *p)
{
    EVP_MD_CTX_free(p);
}

static EVP_MD *md_sha256; /* fetched once: an implicit fetch per digest is slow */

static void md_key_init(void)
{
    pthread_key_create(&md_key, md_free);
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void lrs_hash16(uint8_t kind, const void *data, size_t len, uint8_t out[16])
{
    /* one digest context per thread, reused (hashing is on every hot path) */
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    pthread_once(&md_once, md_key_init);
    EVP_MD_CTX *c = pthread_getspecific(md_key);
    if (!c && (c = EVP_MD_CTX_new()) != NULL)
        pthread_setspecific(md_key, c);
    if (!c || EVP_DigestInit_ex(c, md_sha256 ? md_sha256 : EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(c, &kind, 1) != 1 || EVP_DigestUpdate(c, data, len) != 1 ||
        EVP_DigestFinal_ex(c, md, &mdlen) != 1 || mdlen < 16)
        memset(md, 0, 16);
    memcpy(out, md, 16);
}

void lrs_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

uint64_t lrs_rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

void lrs_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

uint32_t lrs_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t lrs_now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

void lrs_ms_format(uint64_t ms, char out[32])
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char buf[96];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (unsigned)(ms % 1000));
    snprintf(out, 32, "%.31s", buf);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* days since 1970-01-01 of a civil date (proleptic Gregorian) */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int lrs_time_parse(const char *s, int64_t *us_out)
{
    int Y, M, D, h, m, sec;
    int64_t frac = 0;
    if (!s || strlen(s) < 19)
        return DLA_EINVAL;
    if (digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
        digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &m) || s[16] != ':' ||
        digits(s + 17, 2, &sec))
        return DLA_EINVAL;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return DLA_EINVAL;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        int nd = 0;
        if (!isdigit((unsigned char)*p))
            return DLA_EINVAL;
        while (isdigit((unsigned char)*p)) {
            if (nd < 6) {
                frac = frac * 10 + (*p - '0');
                nd++;
            }
            p++;
        }
        while (nd < 6) {
            frac *= 10;
            nd++;
        }
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        int sign = *p == '-' ? -1 : 1;
        if (digits(p + 1, 2, &oh))
            return DLA_EINVAL;
        if (p[3] == ':') {
            if (digits(p + 4, 2, &om))
                return DLA_EINVAL;
            p += 6;
        } else {
            if (digits(p + 3, 2, &om))
                return DLA_EINVAL;
            p += 5;
        }
        if (oh > 23 || om > 59)
            return DLA_EINVAL;
        off = sign * (oh * 3600 + om * 60);
    } else {
        return DLA_EINVAL;
    }
    if (*p)
        return DLA_EINVAL;
    int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + m * 60 + sec - off;
    *us_out = t * 1000000 + frac;
    return DLA_OK;
}

int lrs_agent_key(const json_t *agent, char *buf, size_t cap)
{
    int rc = dla_xm_agent_ifi_key(agent, buf, cap);
    return rc == DLA_OK ? DLA_OK : DLA_EINVAL;
}

/* ---- index keys ------------------------------------------------------------- */

int lrs_keys_add(lrs_key_t **keys, size_t *n, size_t *cap, uint8_t kind, const char *text)
{
    lrs_key_t k;
    k.kind = kind;
    lrs_hash16(LRS_IX_FAMILY(kind), text, strlen(text), k.hash);
    for (size_t i = 0; i < *n; i++)
        if ((*keys)[i].kind == kind && memcmp((*keys)[i].hash, k.hash, 16) == 0)
            return DLA_OK;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        lrs_key_t *nk = realloc(*keys, nc * sizeof *nk);
        if (!nk)
            return DLA_ENOMEM;
        *keys = nk;
        *cap = nc;
    }
    (*keys)[(*n)++] = k;
    return DLA_OK;
}

typedef struct kctx_s {
    lrs_key_t **keys;
    size_t *n, *cap;
    int rc;
} kctx_t;

static void add(kctx_t *k, uint8_t kind, const char *text)
{
    if (k->rc == DLA_OK && text)
        k->rc = lrs_keys_add(k->keys, k->n, k->cap, kind, text);
}

static int on_agent(void *ctx, const char *key, int where)
{
    kctx_t *k = ctx;
    if (where == DLA_XM_DIRECT)
        add(k, LRS_IX_AGENT, key);
    add(k, LRS_IX_AGENT_REL, key);
    return k->rc == DLA_OK ? 0 : 1;
}

static int on_activity(void *ctx, const char *id, int where)
{
    kctx_t *k = ctx;
    if (where == DLA_XM_DIRECT)
        add(k, LRS_IX_ACT, id);
    add(k, LRS_IX_ACT_REL, id);
    return k->rc == DLA_OK ? 0 : 1;
}

static void authority_keys(kctx_t *k, const json_t *a)
{
    char buf[DLA_XM_IFI_KEY_MAX];
    if (!json_is_object(a))
        return;
    if (dla_xm_agent_ifi_key(a, buf, sizeof buf) == DLA_OK)
        add(k, LRS_IX_AUTH, buf);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(a, "member"), i, m)
    {
        if (dla_xm_agent_ifi_key(m, buf, sizeof buf) == DLA_OK)
            add(k, LRS_IX_AUTH, buf);
    }
}

int lrs_stmt_keys(const json_t *stmt, lrs_key_t **keys, size_t *n, size_t *cap)
{
    kctx_t k = {keys, n, cap, DLA_OK};
    dla_xm_statement_agents(stmt, on_agent, &k);
    dla_xm_statement_activities(stmt, on_activity, &k);
    add(&k, LRS_IX_VERB,
        json_string_value(json_object_get(json_object_get(stmt, "verb"), "id")));
    const char *reg = json_string_value(
        json_object_get(json_object_get(stmt, "context"), "registration"));
    uint8_t b[16];
    if (reg && lrs_uuid_parse(reg, b) == DLA_OK) {
        char low[37];
        lrs_uuid_format(b, low);
        add(&k, LRS_IX_REG, low);
    }
    authority_keys(&k, json_object_get(stmt, "authority"));
    return k.rc;
}
