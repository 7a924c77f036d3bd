/* model_stored.c - the stored form of statements, the response formats (exact,
 * ids, canonical with Accept-Language) and statement comparison. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/rand.h>

#include "model_int.h"

#define XM_VOIDED "http://adlnet.gov/expapi/verbs/voided"

static const char *str_of(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int is_type(const json_t *o, const char *t)
{
    const char *s = str_of(o, "objectType");
    return s && strcmp(s, t) == 0;
}

/* ---- stored form ----------------------------------------------------------------- */

static int new_uuid(char out[37])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1) {
        return DLA_ERR;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
    return DLA_OK;
}

/* contextActivities single objects become one-element arrays. */
static int normalize_ctx_activities(json_t *st)
{
    json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
    if (!json_is_object(ca)) {
        return DLA_OK;
    }
    const char *k;
    json_t *v;
    json_object_foreach(ca, k, v)
    {
        if (json_is_object(v)) {
            json_t *arr = json_array();
            if (!arr || json_array_append(arr, v) != 0) {
                json_decref(arr);
                return DLA_ENOMEM;
            }
            if (json_object_set_new(ca, k, arr)) {
                return DLA_ENOMEM;
            }
        }
    }
    return DLA_OK;
}

/* Rewrites the timestamp property of `o` in UTC "Z" form (same instant). */
static int timestamp_to_utc(json_t *o)
{
    const char *ts = str_of(o, "timestamp");
    if (!ts) {
        return DLA_OK;
    }
    size_t n = strlen(ts);
    if (n > 20 && ts[10] == 'T' && ts[n - 1] == 'Z') {
        return DLA_OK; /* already UTC: keep the client's precision */
    }
    int64_t us;
    if (dla_xm_ts_parse(ts, &us) != DLA_OK) {
        return DLA_EINVAL;
    }
    /* keep microseconds only when the client sent more than milliseconds */
    const char *dot = strchr(ts, '.');
    int digits = 3;
    if (dot) {
        int nd = 0;
        while (isdigit((unsigned char)dot[1 + nd])) {
            nd++;
        }
        if (nd > 3) {
            digits = 6;
        }
    }
    char buf[32];
    dla_xm_ts_format(us, digits, buf);
    return json_object_set_new(o, "timestamp", json_string(buf)) ? DLA_ENOMEM : DLA_OK;
}

int dla_xm_prepare(json_t *st, int version, const char *stored_ts,
                   const json_t *authority, dla_err_t *err)
{
    (void)version;
    int64_t us;
    if (!json_is_object(st)) {
        return dla_err_set(err, DLA_EINVAL, "statement: must be an object");
    }
    if (!stored_ts || dla_xm_ts_parse(stored_ts, &us) != DLA_OK) {
        return dla_err_set(err, DLA_EINVAL, "stored: invalid timestamp");
    }
    if (!json_object_get(st, "id")) {
        char id[37];
        if (new_uuid(id) != DLA_OK) {
            return dla_err_set(err, DLA_ERR, "id: no random source");
        }
        if (json_object_set_new(st, "id", json_string(id))) {
            goto nomem;
        }
    } else {
        /* UUIDs are case-insensitive: store lowercase so lookups match */
        char id[37];
        const char *s = str_of(st, "id");
        if (s && strlen(s) == 36) {
            for (int i = 0; i < 37; i++) {
                id[i] = (char)tolower((unsigned char)s[i]);
            }
            if (strcmp(id, s) != 0 && json_object_set_new(st, "id", json_string(id))) {
                goto nomem;
            }
        }
    }
    if (json_object_set_new(st, "stored", json_string(stored_ts))) {
        goto nomem;
    }
    if (!json_object_get(st, "timestamp")) {
        if (json_object_set_new(st, "timestamp", json_string(stored_ts))) {
            goto nomem;
        }
    } else {
        int rc = timestamp_to_utc(st);
        if (rc == DLA_EINVAL) {
            return dla_err_set(err, rc, "timestamp: invalid");
        }
        if (rc) {
            goto nomem;
        }
    }
    json_t *obj = json_object_get(st, "object");
    if (is_type(obj, "SubStatement")) {
        int rc = timestamp_to_utc(obj);
        if (rc == DLA_EINVAL) {
            return dla_err_set(err, rc, "object.timestamp: invalid");
        }
        if (rc || normalize_ctx_activities(obj)) {
            goto nomem;
        }
    }
    if (authority && json_object_set_new(st, "authority", json_deep_copy(authority))) {
        goto nomem;
    }
    if (!json_object_get(st, "version") &&
        json_object_set_new(st, "version", json_string("1.0.0"))) {
        goto nomem;
    }
    if (normalize_ctx_activities(st)) {
        goto nomem;
    }
    return DLA_OK;
nomem:
    return dla_err_set(err, DLA_ENOMEM, "statement: out of memory");
}

const char *dla_xm_voided_id(const json_t *st)
{
    const char *verb = str_of(json_object_get(st, "verb"), "id");
    json_t *obj = json_object_get(st, "object");
    if (!verb || strcmp(verb, XM_VOIDED) != 0 || !is_type(obj, "StatementRef")) {
        return NULL;
    }
    return str_of(obj, "id");
}

json_t *dla_xm_authority_account(const char *home_page, const char *name)
{
    return json_pack("{s:s, s:{s:s, s:s}}", "objectType", "Agent", "account", "homePage",
                     home_page ? home_page : "", "name", name ? name : "");
}

/* ---- formats ------------------------------------------------------------------------
 */

int dla_xm_format_parse(const char *s)
{
    if (!s || strcmp(s, "exact") == 0) {
        return DLA_XM_FORMAT_EXACT;
    }
    if (strcmp(s, "ids") == 0) {
        return DLA_XM_FORMAT_IDS;
    }
    if (strcmp(s, "canonical") == 0) {
        return DLA_XM_FORMAT_CANONICAL;
    }
    return DLA_EINVAL;
}

static const char *const ifi_keys[] = {"mbox", "mbox_sha1sum", "openid", "account", NULL};

/* Agent or Group reduced to objectType + IFI (anonymous groups: + ids members). */
static void ids_actor(json_t *a)
{
    if (!json_is_object(a)) {
        return;
    }
    const char *k;
    json_t *v;
    void *tmp;
    int group = is_type(a, "Group");
    int identified = 0;
    for (int i = 0; ifi_keys[i]; i++) {
        if (json_object_get(a, ifi_keys[i])) {
            identified = 1;
        }
    }
    json_object_foreach_safe(a, tmp, k, v)
    {
        int keep = strcmp(k, "objectType") == 0;
        for (int i = 0; ifi_keys[i]; i++) {
            if (strcmp(k, ifi_keys[i]) == 0) {
                keep = 1;
            }
        }
        if (group && !identified && strcmp(k, "member") == 0) {
            keep = 1;
            size_t j;
            json_t *m;
            json_array_foreach(v, j, m)
            {
                ids_actor(m);
            }
        }
        if (!keep) {
            json_object_del(a, k);
        }
    }
}

/* An Activity in ids form is its id alone. */
static void ids_activity(json_t *a)
{
    const char *k;
    json_t *v;
    void *tmp;
    if (!json_is_object(a)) {
        return;
    }
    json_object_foreach_safe(a, tmp, k, v)
    {
        if (strcmp(k, "id") != 0) {
            json_object_del(a, k);
        }
    }
}

static void ids_ctx_activities(json_t *ctx)
{
    json_t *ca = json_object_get(ctx, "contextActivities");
    const char *k;
    json_t *v;
    json_object_foreach(ca, k, v)
    {
        if (json_is_array(v)) {
            size_t i;
            json_t *a;
            json_array_foreach(v, i, a)
            {
                ids_activity(a);
            }
        } else {
            ids_activity(v);
        }
    }
}

static void ids_statement(json_t *st, int sub)
{
    ids_actor(json_object_get(st, "actor"));
    json_t *verb = json_object_get(st, "verb");
    if (json_is_object(verb)) {
        json_object_del(verb, "display");
    }
    json_t *obj = json_object_get(st, "object");
    if (is_type(obj, "Agent") || is_type(obj, "Group")) {
        ids_actor(obj);
    } else if (is_type(obj, "SubStatement")) {
        if (!sub) {
            ids_statement(obj, 1);
        }
    } else if (!is_type(obj, "StatementRef")) {
        ids_activity(obj);
    }
    json_t *ctx = json_object_get(st, "context");
    if (json_is_object(ctx)) {
        ids_actor(json_object_get(ctx, "instructor"));
        ids_actor(json_object_get(ctx, "team"));
        ids_ctx_activities(ctx);
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(ctx, "contextAgents"), i, e)
        {
            ids_actor(json_object_get(e, "agent"));
        }
        json_array_foreach(json_object_get(ctx, "contextGroups"), i, e)
        {
            ids_actor(json_object_get(e, "group"));
        }
    }
    ids_actor(json_object_get(st, "authority"));
}

/* RFC 9110 qvalue ("0", "0.5", "1.000") as 0..1000, locale-independent. */
static int parse_qvalue(const char *s)
{
    if (*s == '1') {
        return 1000;
    }
    if (*s != '0') {
        return 0;
    }
    int q = 0, scale = 100;
    if (s[1] == '.') {
        for (const char *p = s + 2; *p >= '0' && *p <= '9' && scale > 0; p++) {
            q += (*p - '0') * scale;
            scale /= 10;
        }
    }
    return q;
}

/* Accept-Language: returns the q-value (0..1000) of `tag` in the header, -1 if
 * no range matches. A range matches a tag equal to it or starting with it + "-". */
static int lang_quality(const char *header, const char *tag)
{
    int best = -1;
    size_t best_len = 0;
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == ',') {
            p++;
        }
        const char *start = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ') {
            p++;
        }
        size_t len = (size_t)(p - start);
        int q = 1000;
        while (*p == ' ') {
            p++;
        }
        if (*p == ';') {
            const char *qs = strstr(p, "q=");
            const char *comma = strchr(p, ',');
            if (qs && (!comma || qs < comma)) {
                q = parse_qvalue(qs + 2);
            }
            p = comma ? comma : p + strlen(p);
        }
        if (len == 0) {
            continue;
        }
        int match = 0;
        if (len == 1 && start[0] == '*') {
            match = 1;
            len = 0;
        } else if (strncasecmp(start, tag, len) == 0 &&
                   (tag[len] == '\0' || tag[len] == '-')) {
            match = 1;
        }
        if (match && (len > best_len || best < 0)) {
            best = q;
            best_len = len;
        }
    }
    return best;
}

/* Reduces a language map to its best entry for the Accept-Language header. */
static void canonical_map(json_t *m, const char *accept)
{
    if (!json_is_object(m) || json_object_size(m) <= 1) {
        return;
    }
    const char *k, *best = NULL;
    json_t *v;
    int bq = -2;
    json_object_foreach(m, k, v)
    {
        int q = accept ? lang_quality(accept, k) : -1;
        if (q > bq) {
            bq = q;
            best = k;
        }
    }
    if (!best) {
        return;
    }
    json_t *keep = json_incref(json_object_get(m, best));
    char *bk = strdup(best);
    if (bk && keep) {
        json_object_clear(m);
        json_object_set(m, bk, keep);
    }
    free(bk);
    json_decref(keep);
}

static void canonical_definition(json_t *a, const char *accept)
{
    json_t *d = json_object_get(a, "definition");
    if (!json_is_object(d)) {
        return;
    }
    canonical_map(json_object_get(d, "name"), accept);
    canonical_map(json_object_get(d, "description"), accept);
    static const char *const lists[] = {"choices", "scale", "source", "target", "steps"};
    for (int i = 0; i < 5; i++) {
        size_t j;
        json_t *c;
        json_array_foreach(json_object_get(d, lists[i]), j, c)
        {
            canonical_map(json_object_get(c, "description"), accept);
        }
    }
}

static void canonical_statement(json_t *st, const char *accept)
{
    canonical_map(json_object_get(json_object_get(st, "verb"), "display"), accept);
    json_t *obj = json_object_get(st, "object");
    if (is_type(obj, "SubStatement")) {
        canonical_statement(obj, accept);
    } else if (json_object_get(obj, "definition")) {
        canonical_definition(obj, accept);
    }
    json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
    const char *k;
    json_t *v;
    json_object_foreach(ca, k, v)
    {
        if (json_is_array(v)) {
            size_t i;
            json_t *a;
            json_array_foreach(v, i, a)
            {
                canonical_definition(a, accept);
            }
        } else {
            canonical_definition(v, accept);
        }
    }
}

json_t *dla_xm_format(const json_t *stored, int format, const char *accept_language)
{
    json_t *out = json_deep_copy(stored);
    if (!out) {
        return NULL;
    }
    if (format == DLA_XM_FORMAT_IDS) {
        ids_statement(out, 0);
    } else if (format == DLA_XM_FORMAT_CANONICAL) {
        canonical_statement(out, accept_language);
    }
    return out;
}

/* ---- comparison
 * ------------------------------------------------------------------------ */

static void lower_keys(json_t *m)
{
    if (!json_is_object(m)) {
        return;
    }
    json_t *copy = json_object();
    if (!copy) {
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(m, k, v)
    {
        char buf[160];
        size_t n = strlen(k);
        if (n >= sizeof buf) {
            json_decref(copy);
            return;
        }
        for (size_t i = 0; i <= n; i++) {
            buf[i] = (char)tolower((unsigned char)k[i]);
        }
        json_object_set(copy, buf, v);
    }
    json_object_clear(m);
    json_object_update(m, copy);
    json_decref(copy);
}

static void lower_string(json_t *o, const char *key)
{
    const char *s = str_of(o, key);
    if (!s || strlen(s) > 64) {
        return;
    }
    char buf[65];
    size_t n = strlen(s);
    for (size_t i = 0; i <= n; i++) {
        buf[i] = (char)tolower((unsigned char)s[i]);
    }
    json_object_set_new(o, key, json_string(buf));
}

typedef struct keyed_s {
    char *ser;
    json_t *v;
} keyed_t;

static int keyed_cmp(const void *x, const void *y)
{
    const keyed_t *a = x, *b = y;
    if (!a->ser || !b->ser) {
        return a->ser ? 1 : b->ser ? -1 : 0;
    }
    return strcmp(a->ser, b->ser);
}

/* Replaces a group's member array by its members sorted by serialisation. */
static void member_sort(json_t *group, json_t *m, size_t n)
{
    keyed_t *k = calloc(n ? n : 1, sizeof *k);
    json_t *sorted = json_array();
    if (k && sorted) {
        for (size_t i = 0; i < n; i++) {
            k[i].v = json_array_get(m, i);
            k[i].ser =
                json_dumps(k[i].v, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
        }
        qsort(k, n, sizeof *k, keyed_cmp);
        for (size_t i = 0; i < n; i++) {
            json_array_append(sorted, k[i].v);
        }
        if (json_array_size(sorted) == n) {
            json_object_set(group, "member", sorted);
        }
    }
    if (k) {
        for (size_t i = 0; i < n; i++) {
            free(k[i].ser);
        }
    }
    free(k);
    json_decref(sorted);
}

static void norm_actor(json_t *a)
{
    if (!json_is_object(a)) {
        return;
    }
    if (!json_object_get(a, "objectType")) {
        json_object_set_new(a, "objectType", json_string("Agent"));
    }
    lower_string(a, "mbox_sha1sum");
    json_t *m = json_object_get(a, "member");
    if (json_is_array(m)) {
        size_t i, n = json_array_size(m);
        json_t *e;
        json_array_foreach(m, i, e)
        {
            norm_actor(e);
        }
        /* members are an unordered list: sort by serialisation */
        member_sort(a, m, n);
    }
}

static void norm_activity(json_t *a)
{
    if (!json_is_object(a)) {
        return;
    }
    if (!json_object_get(a, "objectType")) {
        json_object_set_new(a, "objectType", json_string("Activity"));
    }
    json_t *d = json_object_get(a, "definition");
    lower_keys(json_object_get(d, "name"));
    lower_keys(json_object_get(d, "description"));
    static const char *const lists[] = {"choices", "scale", "source", "target", "steps"};
    for (int i = 0; i < 5; i++) {
        size_t j;
        json_t *c;
        json_array_foreach(json_object_get(d, lists[i]), j, c)
        {
            lower_keys(json_object_get(c, "description"));
        }
    }
}

/* Durations compare to 0.01 s: drop seconds digits beyond two decimals. */
static void norm_duration(json_t *r)
{
    const char *d = str_of(r, "duration");
    if (!d || strlen(d) > 120) {
        return;
    }
    char buf[128];
    snprintf(buf, sizeof buf, "%s", d);
    char *dot = strpbrk(buf, ".,");
    if (dot && buf[strlen(buf) - 1] == 'S') {
        *dot = '.';
        char *end = buf + strlen(buf) - 1; /* the 'S' */
        if (end - dot > 3) {
            memmove(dot + 3, end, 2);
        }
    }
    json_object_set_new(r, "duration", json_string(buf));
}

static void norm_scores(json_t *r)
{
    json_t *s = json_object_get(r, "score");
    const char *k;
    json_t *v;
    json_object_foreach(s, k, v)
    {
        if (json_is_integer(v)) {
            json_object_set_new(s, k, json_real((double)json_integer_value(v)));
        }
    }
}

static void norm_statement(json_t *st, int sub)
{
    if (!sub) {
        json_object_del(st, "id");
        json_object_del(st, "stored");
        json_object_del(st, "authority");
        json_object_del(st, "version");
    }
    const char *ts = str_of(st, "timestamp");
    int64_t us;
    if (ts && dla_xm_ts_parse(ts, &us) == DLA_OK) {
        char buf[32];
        dla_xm_ts_format(us, 3, buf);
        json_object_set_new(st, "timestamp", json_string(buf));
    }
    norm_actor(json_object_get(st, "actor"));
    lower_keys(json_object_get(json_object_get(st, "verb"), "display"));
    json_t *obj = json_object_get(st, "object");
    if (is_type(obj, "SubStatement")) {
        norm_statement(obj, 1);
    } else if (is_type(obj, "Agent") || is_type(obj, "Group")) {
        norm_actor(obj);
    } else if (is_type(obj, "StatementRef")) {
        lower_string(obj, "id");
    } else {
        norm_activity(obj);
    }
    json_t *r = json_object_get(st, "result");
    if (json_is_object(r)) {
        norm_duration(r);
        norm_scores(r);
    }
    json_t *ctx = json_object_get(st, "context");
    if (json_is_object(ctx)) {
        normalize_ctx_activities(st);
        lower_string(ctx, "registration");
        lower_string(json_object_get(ctx, "statement"), "id");
        norm_actor(json_object_get(ctx, "instructor"));
        norm_actor(json_object_get(ctx, "team"));
        json_t *ca = json_object_get(ctx, "contextActivities");
        const char *k;
        json_t *v;
        json_object_foreach(ca, k, v)
        {
            size_t i;
            json_t *a;
            json_array_foreach(v, i, a)
            {
                norm_activity(a);
            }
        }
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(ctx, "contextAgents"), i, e)
        {
            norm_actor(json_object_get(e, "agent"));
        }
        json_array_foreach(json_object_get(ctx, "contextGroups"), i, e)
        {
            norm_actor(json_object_get(e, "group"));
        }
    }
    size_t i;
    json_t *att;
    json_array_foreach(json_object_get(st, "attachments"), i, att)
    {
        lower_keys(json_object_get(att, "display"));
        lower_keys(json_object_get(att, "description"));
    }
}

int dla_xm_statements_equivalent(const json_t *a, const json_t *b)
{
    if (!json_is_object(a) || !json_is_object(b)) {
        return 0;
    }
    /* ids assigned by the LRS are ignored, but two different ids never match */
    const char *ia = str_of(a, "id"), *ib = str_of(b, "id");
    if (ia && ib && strcasecmp(ia, ib) != 0) {
        return 0;
    }
    json_t *x = json_deep_copy(a), *y = json_deep_copy(b);
    int eq = 0;
    if (!x || !y) {
        goto cleanup;
    }
    /* a timestamp assigned by the LRS (present on one side only) is ignored */
    if (!json_object_get(x, "timestamp") || !json_object_get(y, "timestamp")) {
        json_object_del(x, "timestamp");
        json_object_del(y, "timestamp");
    }
    norm_statement(x, 0);
    norm_statement(y, 0);
    eq = json_equal(x, y);
cleanup:
    json_decref(x);
    json_decref(y);
    return eq;
}
