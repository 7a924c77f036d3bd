/* model_syntax.c - xAPI scalar syntax: versions, IRIs, UUIDs, RFC 5646 language
 * tags, ISO 8601 durations, RFC 3339 timestamps, mailto, hex digests, SHA-256. */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>

#include "model_int.h"

/* ---- versions ------------------------------------------------------------------- */

int dla_xm_version_negotiate(const char *h, const char **answer)
{
    if (answer) {
        *answer = NULL;
    }
    if (!h) {
        return DLA_EINVAL;
    }
    while (*h == ' ' || *h == '\t') {
        h++;
    }
    size_t n = strlen(h);
    while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t')) {
        n--;
    }
    /* "1.0", "1.0.0".."1.0.3"; "2.0", "2.0.<digits>" */
    if (n >= 3 && h[1] == '.' && h[2] == '0' && (h[0] == '1' || h[0] == '2')) {
        int major = h[0] - '0';
        if (n == 3) {
            goto ok;
        }
        if (h[3] != '.' || n == 4) {
            return DLA_EINVAL;
        }
        for (size_t i = 4; i < n; i++) {
            if (!isdigit((unsigned char)h[i])) {
                return DLA_EINVAL;
            }
        }
        if (major == 1 && (n != 5 || h[4] > '3')) {
            return DLA_EINVAL;
        }
        if (n - 4 > 4) {
            return DLA_EINVAL;
        }
    ok:
        if (major == 1) {
            if (answer) {
                *answer = "1.0.3";
            }
            return DLA_XAPI_V103;
        }
        if (answer) {
            *answer = "2.0.0";
        }
        return DLA_XAPI_V200;
    }
    return DLA_EINVAL;
}

const char *dla_xm_version_name(int version)
{
    switch (version) {
    case DLA_XAPI_V103:
        return "1.0.3";
    case DLA_XAPI_V200:
        return "2.0.0";
    default:
        return "";
    }
}

/* ---- IRIs, UUIDs, hex ----------------------------------------------------------- */

/* Characters never allowed in an IRI: controls, space, DEL and <>"{}|\\^` */
static int iri_bad(unsigned char c)
{
    return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '{' ||
           c == '}' || c == '|' || c == '\\' || c == '^' || c == '`';
}

int dla_xm_is_iri(const char *s)
{
    if (!s || !isalpha((unsigned char)s[0])) {
        return 0;
    }
    size_t i = 1;
    while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.') {
        i++;
    }
    if (s[i] != ':' || s[i + 1] == '\0') {
        return 0;
    }
    for (size_t n = i + 1; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (iri_bad(c) || n > DLA_XM_MAX_IRI) {
            return 0;
        }
        if (c == '%' &&
            !(isxdigit((unsigned char)s[n + 1]) && isxdigit((unsigned char)s[n + 2]))) {
            return 0;
        }
    }
    return 1;
}

int dla_xm_is_uuid(const char *s)
{
    if (!s || strlen(s) != 36) {
        return 0;
    }
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return 0;
            }
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static int all_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

int dla_xm_is_sha1hex(const char *s)
{
    return s && strlen(s) == 40 && all_hex(s, 40);
}

int dla_xm_is_sha2hex(const char *s)
{
    if (!s) {
        return 0;
    }
    size_t n = strlen(s);
    return (n == 56 || n == 64 || n == 96 || n == 128) && all_hex(s, n);
}

int dla_xm_is_mailto(const char *s)
{
    if (!s || strncasecmp(s, "mailto:", 7) != 0) {
        return 0;
    }
    s += 7;
    const char *at = strchr(s, '@');
    if (!at || at == s || at[1] == '\0' || strchr(at + 1, '@')) {
        return 0;
    }
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f || strchr("<>\"(),:;[]\\", c)) {
            return 0;
        }
    }
    return strlen(s) < 512;
}

/* ---- RFC 5646 language tags ----------------------------------------------------- */

static int all_alpha(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isalpha((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static int all_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static int all_alnum(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static const char *const grandfathered[] = {
    "en-GB-oed",   "i-ami",    "i-bnn",     "i-default", "i-enochian", "i-hak",
    "i-klingon",   "i-lux",    "i-mingo",   "i-navajo",  "i-pwn",      "i-tao",
    "i-tay",       "i-tsu",    "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",  "art-lojban",
    "cel-gaulish", "no-bok",   "no-nyn",    "zh-guoyu",  "zh-hakka",   "zh-min",
    "zh-min-nan",  "zh-xiang", NULL};

static int langtag_regular(const char *s);

int dla_xm_is_langtag(const char *s)
{
    if (!s) {
        return 0;
    }
    size_t total = strlen(s);
    if (total == 0 || total > 128) {
        return 0;
    }
    if (langtag_regular(s)) {
        return 1;
    }
    for (int i = 0; grandfathered[i]; i++) {
        if (strcasecmp(s, grandfathered[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The langtag / privateuse productions of RFC 5646 (length already checked). */
static int langtag_regular(const char *s)
{
    /* split into subtags */
    const char *tag[64];
    size_t len[64];
    int nt = 0;
    const char *p = s;
    for (;;) {
        const char *d = strchr(p, '-');
        size_t l = d ? (size_t)(d - p) : strlen(p);
        if (l == 0 || l > 8 || nt == 64 || !all_alnum(p, l)) {
            return 0;
        }
        tag[nt] = p;
        len[nt] = l;
        nt++;
        if (!d) {
            break;
        }
        p = d + 1;
    }
    int i = 0;
    /* whole private use tag */
    if (len[0] == 1 && (tag[0][0] == 'x' || tag[0][0] == 'X')) {
        goto privateuse;
    }
    /* language: 2-3 letters. RFC 5646 also lets 4 letters (reserved) and 5-8
     * letters (registered) through its grammar, but the registry holds none, so
     * such tags ("test", "english") are rejected as invalid. */
    if (!all_alpha(tag[0], len[0]) || len[0] < 2 || len[0] > 3) {
        return 0;
    }
    i = 1;
    if (len[0] <= 3) {
        /* up to three extlang subtags */
        int ext = 0;
        while (i < nt && ext < 3 && len[i] == 3 && all_alpha(tag[i], 3)) {
            i++;
            ext++;
        }
    }
    /* script */
    if (i < nt && len[i] == 4 && all_alpha(tag[i], 4)) {
        i++;
    }
    /* region */
    if (i < nt && ((len[i] == 2 && all_alpha(tag[i], 2)) ||
                   (len[i] == 3 && all_digit(tag[i], 3)))) {
        i++;
    }
    /* variants, no duplicates */
    int vstart = i;
    while (i < nt && ((len[i] >= 5 && len[i] <= 8) ||
                      (len[i] == 4 && isdigit((unsigned char)tag[i][0])))) {
        for (int j = vstart; j < i; j++) {
            if (len[j] == len[i] && strncasecmp(tag[j], tag[i], len[i]) == 0) {
                return 0;
            }
        }
        i++;
    }
    /* extensions: singleton (not x) followed by 2-8 alphanum subtags; no repeats */
    char seen[64];
    int nseen = 0;
    while (i < nt && len[i] == 1 && tolower((unsigned char)tag[i][0]) != 'x') {
        char c = (char)tolower((unsigned char)tag[i][0]);
        for (int j = 0; j < nseen; j++) {
            if (seen[j] == c) {
                return 0;
            }
        }
        seen[nseen++] = c;
        i++;
        int n = 0;
        while (i < nt && len[i] >= 2) {
            i++;
            n++;
        }
        if (n == 0) {
            return 0;
        }
    }
    if (i == nt) {
        return 1;
    }
    if (!(len[i] == 1 && tolower((unsigned char)tag[i][0]) == 'x')) {
        return 0;
    }
privateuse:
    i++;
    if (i >= nt) {
        return 0;
    }
    /* remaining subtags are 1-8 alphanum (already checked) */
    return 1;
}

/* ---- ISO 8601 durations -------------------------------------------------------- */

/* Reads digits with an optional fraction at *p; 1 if a number was read, sets
 * *frac when a fraction was present. */
static int read_num(const char **p, int *frac)
{
    const char *s = *p;
    size_t n = 0;
    *frac = 0;
    while (isdigit((unsigned char)s[n])) {
        n++;
    }
    if (n == 0) {
        return 0;
    }
    if (s[n] == '.' || s[n] == ',') {
        size_t m = n + 1;
        while (isdigit((unsigned char)s[m])) {
            m++;
        }
        if (m == n + 1) {
            return 0;
        }
        n = m;
        *frac = 1;
    }
    if (n > 32) {
        return 0;
    }
    *p = s + n;
    return 1;
}

int dla_xm_is_duration(const char *s)
{
    if (!s || s[0] != 'P' || strlen(s) > 128) {
        return 0;
    }
    const char *p = s + 1;
    int any = 0, frac = 0, lastfrac = 0;
    /* weeks alone */
    const char *q = p;
    if (read_num(&q, &frac) && *q == 'W') {
        return q[1] == '\0';
    }
    const char *date_units = "YMD";
    int du = 0;
    while (*p && *p != 'T') {
        if (lastfrac) {
            return 0;
        }
        if (!read_num(&p, &frac)) {
            return 0;
        }
        while (date_units[du] && date_units[du] != *p) {
            du++;
        }
        if (!date_units[du]) {
            return 0;
        }
        du++;
        p++;
        any = 1;
        lastfrac = frac;
    }
    if (*p == 'T') {
        p++;
        const char *time_units = "HMS";
        int tu = 0, tany = 0;
        while (*p) {
            if (lastfrac) {
                return 0;
            }
            if (!read_num(&p, &frac)) {
                return 0;
            }
            while (time_units[tu] && time_units[tu] != *p) {
                tu++;
            }
            if (!time_units[tu]) {
                return 0;
            }
            tu++;
            p++;
            tany = 1;
            lastfrac = frac;
        }
        if (!tany) {
            return 0;
        }
        any = 1;
    }
    return any && *p == '\0';
}

/* ---- timestamps ----------------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) {
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) {
        return 29;
    }
    return dm[m - 1];
}

/* Parses; *has_offset tells whether a zone designator was present. */
static int ts_parse(const char *s, int64_t *us_out, int *has_offset)
{
    int y, mo, d, h, mi, se;
    if (!s || strlen(s) > 64) {
        return DLA_EINVAL;
    }
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || !(s[10] == 'T' || s[10] == 't' || s[10] == ' ') ||
        !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) ||
        s[16] != ':' || !digits(s + 17, 2, &se)) {
        return DLA_EINVAL;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        se > 60) {
        return DLA_EINVAL;
    }
    const char *p = s + 19;
    int64_t frac_us = 0;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (isdigit((unsigned char)*p)) {
            if (nd < 6) {
                frac_us = frac_us * 10 + (*p - '0');
            }
            nd++;
            p++;
        }
        if (nd == 0) {
            return DLA_EINVAL;
        }
        for (int k = nd; k < 6; k++) {
            frac_us *= 10;
        }
    }
    int off_min = 0;
    *has_offset = 1;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int oh, om = 0;
        p++;
        if (!digits(p, 2, &oh)) {
            return DLA_EINVAL;
        }
        p += 2;
        if (*p == ':') {
            if (!digits(p + 1, 2, &om)) {
                return DLA_EINVAL;
            }
            p += 3;
        } else if (isdigit((unsigned char)*p)) {
            if (!digits(p, 2, &om)) {
                return DLA_EINVAL;
            }
            p += 2;
        }
        if (oh > 23 || om > 59) {
            return DLA_EINVAL;
        }
        if (sign < 0 && oh == 0 && om == 0) {
            return DLA_EINVAL; /* "-00:00": unknown local offset, rejected */
        }
        off_min = sign * (oh * 60 + om);
    } else {
        *has_offset = 0;
    }
    if (*p != '\0') {
        return DLA_EINVAL;
    }
    if (se == 60) {
        se = 59; /* leap second: clamp */
    }
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - (int64_t)off_min * 60;
    /* the instant, in UTC, must stay within years 0001..9999 */
    if (secs < days_from_civil(1, 1, 1) * 86400 ||
        secs >= days_from_civil(10000, 1, 1) * 86400) {
        return DLA_EINVAL;
    }
    *us_out = secs * 1000000 + frac_us;
    return DLA_OK;
}

int dla_xm_ts_parse(const char *s, int64_t *us_out)
{
    int has_off;
    int64_t v;
    int rc = ts_parse(s, &v, &has_off);
    if (rc == DLA_OK && us_out) {
        *us_out = v;
    }
    return rc;
}

int dla_xm_is_timestamp(const char *s, int version)
{
    int has_off;
    int64_t v;
    if (ts_parse(s, &v, &has_off) != DLA_OK) {
        return 0;
    }
    /* 2.0 requires RFC 3339 (an offset); 1.0.3 allows ISO 8601 local time */
    return has_off || version == DLA_XAPI_V103;
}

void dla_xm_ts_format(int64_t us, int digits_n, char out[32])
{
    int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - secs * 1000000;
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        y = y < 0 ? 0 : 9999;
    }
    unsigned h = (unsigned)(rem / 3600) % 24, mi = (unsigned)(rem % 3600 / 60) % 60,
             se = (unsigned)(rem % 60) % 60;
    unsigned f = (unsigned)frac % 1000000;
    /* every field is range-limited, so 31 bytes always suffice */
    char tmp[64];
    if (digits_n == 6) {
        snprintf(tmp, sizeof tmp, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ", (unsigned)y,
                 (unsigned)m % 13, (unsigned)d % 32, h, mi, se, f);
    } else {
        snprintf(tmp, sizeof tmp, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)y,
                 (unsigned)m % 13, (unsigned)d % 32, h, mi, se, f / 1000);
    }
    size_t l = strlen(tmp);
    if (l > 31) {
        l = 31;
    }
    memcpy(out, tmp, l);
    out[l] = '\0';
}

int64_t dla_xm_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- hashes --------------------------------------------------------------------- */

void dla_xm_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hx[] = "0123456789abcdef";
    out[0] = '\0';
    if (!EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        return;
    }
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[64] = '\0';
}
