/* lrs_query.c - GET /statements parameters and the query engine.
 *
 * Every filter (agent, verb, activity, registration and their related forms,
 * authority for statements/read/mine) is a DUPSORT list of sequence numbers in
 * xapi_idx. Several filters intersect by leapfrogging their sorted lists;
 * since/until become sequence bounds through xapi_time. A page of `limit`
 * statements therefore touches O(limit x filters) index entries, whatever the
 * size of the store.
 */
#include <stdlib.h>
#include <string.h>

#include "xapi_int.h"

static const char *const known_params[] = {"statementId",
                                           "voidedStatementId",
                                           "agent",
                                           "verb",
                                           "activity",
                                           "registration",
                                           "related_activities",
                                           "related_agents",
                                           "since",
                                           "until",
                                           "limit",
                                           "format",
                                           "attachments",
                                           "ascending",
                                           "cursor",
                                           "bound",
                                           NULL};

static int parse_bool(const char *v, int *out)
{
    if (!v)
        return DLA_OK;
    if (strcmp(v, "true") == 0)
        *out = 1;
    else if (strcmp(v, "false") == 0)
        *out = 0;
    else
        return DLA_EINVAL;
    return DLA_OK;
}

static int parse_u64(const char *v, uint64_t *out)
{
    char *end;
    if (!v || !*v || *v == '-' || *v == '+')
        return DLA_EINVAL;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end)
        return DLA_EINVAL;
    *out = n;
    return DLA_OK;
}

static int add_filter(lrs_query_t *q, uint8_t kind, const char *text)
{
    if (q->nfilt >= sizeof q->filt / sizeof q->filt[0])
        return DLA_EINVAL;
    q->filt[q->nfilt].kind = kind;
    lrs_hash16(LRS_IX_FAMILY(kind), text, strlen(text), q->filt[q->nfilt].hash);
    q->nfilt++;
    return DLA_OK;
}

/* An agent parameter: a JSON object with exactly one IFI. */
static int agent_param(const char *v, char *key, size_t cap, dla_err_t *err)
{
    json_error_t je;
    json_t *a = json_loads(v, 0, &je);
    int rc = DLA_OK;
    if (!json_is_object(a)) {
        rc = dla_err_set(err, DLA_EINVAL, "agent parameter is not a JSON object");
        goto cleanup;
    }
    int nifi = 0;
    const char *ifis[] = {"mbox", "mbox_sha1sum", "openid", "account"};
    for (size_t i = 0; i < 4; i++)
        nifi += json_object_get(a, ifis[i]) != NULL;
    const char *ot = json_string_value(json_object_get(a, "objectType"));
    if (json_object_get(a, "objectType") &&
        (!ot || (strcmp(ot, "Agent") != 0 && strcmp(ot, "Group") != 0))) {
        rc = dla_err_set(err, DLA_EINVAL, "agent parameter has an invalid objectType");
        goto cleanup;
    }
    if (nifi != 1 || lrs_agent_key(a, key, cap) != DLA_OK) {
        rc = dla_err_set(
            err, DLA_EINVAL,
            "agent parameter must have exactly one inverse functional identifier");
        goto cleanup;
    }
    const char *mbox = json_string_value(json_object_get(a, "mbox"));
    if (json_object_get(a, "mbox") && (!mbox || strncmp(mbox, "mailto:", 7) != 0))
        rc = dla_err_set(err, DLA_EINVAL, "agent parameter mbox must be a mailto IRI");
cleanup:
    json_decref(a);
    return rc;
}

int lrs_query_parse(lrs_param_fn get, void *ctx, const char *const *names, size_t nnames,
                    unsigned max_limit, lrs_query_t *q, dla_err_t *err)
{
    memset(q, 0, sizeof *q);
    for (size_t i = 0; i < nnames; i++) {
        int ok = 0;
        for (size_t k = 0; known_params[k]; k++)
            if (strcmp(names[i], known_params[k]) == 0)
                ok = 1;
        if (!ok)
            return dla_err_set(err, DLA_EINVAL, "unknown parameter \"%.64s\"", names[i]);
        for (size_t k = 0; k < i; k++)
            if (strcmp(names[i], names[k]) == 0)
                return dla_err_set(err, DLA_EINVAL, "parameter \"%.64s\" repeated",
                                   names[i]);
    }
    q->statement_id = get(ctx, "statementId");
    q->voided_id = get(ctx, "voidedStatementId");
    uint8_t tmp[16];
    if (q->statement_id && q->voided_id)
        return dla_err_set(err, DLA_EINVAL,
                           "statementId and voidedStatementId cannot be used together");
    if (q->statement_id && lrs_uuid_parse(q->statement_id, tmp) != DLA_OK)
        return dla_err_set(err, DLA_EINVAL, "statementId is not a UUID");
    if (q->voided_id && lrs_uuid_parse(q->voided_id, tmp) != DLA_OK)
        return dla_err_set(err, DLA_EINVAL, "voidedStatementId is not a UUID");
    if (q->statement_id || q->voided_id) {
        for (size_t i = 0; i < nnames; i++)
            if (strcmp(names[i], "statementId") &&
                strcmp(names[i], "voidedStatementId") && strcmp(names[i], "format") &&
                strcmp(names[i], "attachments"))
                return dla_err_set(
                    err, DLA_EINVAL,
                    "parameter \"%.64s\" cannot be used with a statement id", names[i]);
    }
    if (parse_bool(get(ctx, "related_agents"), &q->related_agents) ||
        parse_bool(get(ctx, "related_activities"), &q->related_activities) ||
        parse_bool(get(ctx, "ascending"), &q->ascending) ||
        parse_bool(get(ctx, "attachments"), &q->attachments))
        return dla_err_set(err, DLA_EINVAL, "boolean parameters must be true or false");

    const char *v;
    char key[1024];
    if ((v = get(ctx, "agent"))) {
        int rc = agent_param(v, key, sizeof key, err);
        if (rc != DLA_OK)
            return rc;
        add_filter(q, q->related_agents ? LRS_IX_AGENT_REL : LRS_IX_AGENT, key);
        q->raw_agent = v;
    }
    if ((v = get(ctx, "verb"))) {
        if (!*v)
            return dla_err_set(err, DLA_EINVAL, "verb must be an IRI");
        add_filter(q, LRS_IX_VERB, v);
        q->raw_verb = v;
    }
    if ((v = get(ctx, "activity"))) {
        if (!*v)
            return dla_err_set(err, DLA_EINVAL, "activity must be an IRI");
        add_filter(q, q->related_activities ? LRS_IX_ACT_REL : LRS_IX_ACT, v);
        q->raw_activity = v;
    }
    if ((v = get(ctx, "registration"))) {
        char low[37];
        if (lrs_uuid_parse(v, tmp) != DLA_OK)
            return dla_err_set(err, DLA_EINVAL, "registration is not a UUID");
        lrs_uuid_format(tmp, low);
        add_filter(q, LRS_IX_REG, low);
        q->raw_registration = v;
    }
    if ((v = get(ctx, "since"))) {
        if (lrs_time_parse(v, &q->since_us) != DLA_OK)
            return dla_err_set(err, DLA_EINVAL, "since is not an RFC 3339 timestamp");
        q->has_since = 1;
        q->raw_since = v;
    }
    if ((v = get(ctx, "until"))) {
        if (lrs_time_parse(v, &q->until_us) != DLA_OK)
            return dla_err_set(err, DLA_EINVAL, "until is not an RFC 3339 timestamp");
        q->has_until = 1;
        q->raw_until = v;
    }
    q->limit = max_limit;
    if ((v = get(ctx, "limit"))) {
        uint64_t n;
        if (parse_u64(v, &n) != DLA_OK)
            return dla_err_set(err, DLA_EINVAL, "limit must be a non-negative integer");
        if (n > 0 && n < max_limit)
            q->limit = (unsigned)n;
    }
    if ((v = get(ctx, "format"))) {
        if (strcmp(v, "exact") == 0)
            q->format = 0;
        else if (strcmp(v, "ids") == 0)
            q->format = 1;
        else if (strcmp(v, "canonical") == 0)
            q->format = 2;
        else
            return dla_err_set(err, DLA_EINVAL, "format must be ids, exact or canonical");
        q->raw_format = v;
    }
    if ((v = get(ctx, "cursor"))) {
        if (parse_u64(v, &q->cursor) != DLA_OK)
            return dla_err_set(err, DLA_EINVAL, "cursor is malformed");
        q->has_cursor = 1;
    }
    if ((v = get(ctx, "bound")) && parse_u64(v, &q->bound) != DLA_OK)
        return dla_err_set(err, DLA_EINVAL, "bound is malformed");
    return DLA_OK;
}

/* ---- execution --------------------------------------------------------------- */

/* First sequence with stored_ms >= ms for tid; 0 when none. */
static int time_seek(lrs_t *l, dla_txn_t *t, uint32_t tid, uint64_t ms, int want_prev,
                     uint64_t *out)
{
    dla_cursor_t *c;
    uint8_t k[20];
    int rc = dla_cursor_open(t, l->db_time, &c, NULL);
    if (rc != DLA_OK)
        return rc;
    lrs_be32(k, tid);
    lrs_be64(k + 4, ms);
    memset(k + 12, 0, 8);
    dla_val_t kk = {k, 20}, vv;
    int r = dla_cursor_get(c, DLA_SEEK_GE, &kk, &vv);
    *out = 0;
    if (!want_prev) {
        if (r == DLA_OK && kk.len == 20 && lrs_rd32(kk.data) == tid)
            *out = lrs_rd64((const uint8_t *)kk.data + 12);
    } else {
        if (r == DLA_OK)
            r = dla_cursor_get(c, DLA_SEEK_PREV, &kk, &vv);
        else
            r = dla_cursor_get(c, DLA_SEEK_LAST, &kk, &vv);
        if (r == DLA_OK && kk.len == 20 && lrs_rd32(kk.data) == tid)
            *out = lrs_rd64((const uint8_t *)kk.data + 12);
    }
    dla_cursor_close(c);
    return DLA_OK;
}

typedef struct fcur_s {
    dla_cursor_t *c;          /* the tier of the current epoch: cold or hot */
    dla_cursor_t *cold, *hot; /* xapi_idx, xapi_hot */
    uint8_t key[LRS_IDX_KEY]; /* tid epoch hash kind | seq */
} fcur_t;

#define PFX 25 /* bytes of the key before the sequence number */

/* Position in filter f within its current epoch: asc -> smallest seq >= target;
 * desc -> largest seq <= target. Returns 1 and *out, or 0 when none. */
static int fpos(fcur_t *f, uint64_t target, int asc, uint64_t *out)
{
    uint8_t k[LRS_IDX_KEY];
    memcpy(k, f->key, PFX);
    lrs_be64(k + PFX, target);
    dla_val_t kk = {k, sizeof k}, vv;
    int r = dla_cursor_get(f->c, DLA_SEEK_GE, &kk, &vv);
    if (asc) {
        if (r != DLA_OK || kk.len != LRS_IDX_KEY || memcmp(kk.data, f->key, PFX) != 0)
            return 0;
        *out = lrs_rd64((const uint8_t *)kk.data + PFX);
        return 1;
    }
    if (r == DLA_OK && kk.len == LRS_IDX_KEY && memcmp(kk.data, k, sizeof k) == 0) {
        *out = target;
        return 1;
    }
    r = r == DLA_OK ? dla_cursor_get(f->c, DLA_SEEK_PREV, &kk, &vv)
                    : dla_cursor_get(f->c, DLA_SEEK_LAST, &kk, &vv);
    if (r != DLA_OK || kk.len != LRS_IDX_KEY || memcmp(kk.data, f->key, PFX) != 0)
        return 0;
    *out = lrs_rd64((const uint8_t *)kk.data + PFX);
    return 1;
}

/* Next candidate at or beyond `target` agreeing in every filter (one epoch). */
static int leapfrog(fcur_t *fs, size_t n, uint64_t target, int asc, uint64_t *out)
{
    size_t agree = 0, i = 0;
    for (int guard = 0; guard < 1000000; guard++) {
        uint64_t s;
        if (!fpos(&fs[i], target, asc, &s))
            return 0;
        if (s == target) {
            agree++;
        } else {
            target = s;
            agree = 1;
        }
        if (agree == n) {
            *out = target;
            return 1;
        }
        i = (i + 1) % n;
    }
    return 0;
}

/* Next matching sequence in [lo, hi] from `target` in direction asc, walking
 * the epochs of both tiers (the hot one from `merged` on). Returns 1 and *out,
 * or 0 when exhausted. */
static int next_match(fcur_t *fs, size_t n, uint64_t merged, uint64_t target, uint64_t lo,
                      uint64_t hi, int asc, uint64_t *out)
{
    while (target >= lo && target <= hi) {
        int hot = target >= merged;
        unsigned bits = hot ? LRS_HOT_BITS : LRS_EPOCH_BITS;
        uint64_t e = target >> bits;
        for (size_t i = 0; i < n; i++) {
            lrs_be32(fs[i].key + 4, (uint32_t)e);
            fs[i].c = hot ? fs[i].hot : fs[i].cold;
        }
        uint64_t s;
        if (leapfrog(fs, n, target, asc, &s) && s >= lo && s <= hi && s >> bits == e) {
            *out = s;
            return 1;
        }
        /* nothing left in this epoch: move to the neighbouring one */
        if (asc) {
            if (e >= (UINT64_MAX >> bits))
                return 0;
            target = (e + 1) << bits;
        } else {
            if (e == 0)
                return 0;
            target = (e << bits) - 1;
        }
    }
    return 0;
}

static int to_json(void *ctx, const lrs_rec_hdr_t *h, const char *js, size_t jl)
{
    json_t *s = lrs_rec_to_json(h, js, jl);
    if (!s)
        return DLA_EIO;
    return json_array_append_new(ctx, s) == 0 ? DLA_OK : DLA_ENOMEM;
}

int lrs_query_run(lrs_t *l, dla_txn_t *t, uint32_t tid, const lrs_query_t *q,
                  json_t **out, uint64_t *next, uint64_t *bound, dla_err_t *err)
{
    json_t *arr = json_array();
    if (!arr)
        return DLA_ENOMEM;
    int rc = lrs_query_each(l, t, tid, q, to_json, arr, next, bound, err);
    if (rc != DLA_OK) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return DLA_OK;
}

int lrs_query_each(lrs_t *l, dla_txn_t *t, uint32_t tid, const lrs_query_t *q,
                   lrs_rec_fn fn, void *ctx, uint64_t *next, uint64_t *bound,
                   dla_err_t *err)
{
    int rc = DLA_OK;
    fcur_t fs[8];
    size_t nf = 0;
    dla_cursor_t *sc = NULL;
    uint64_t lo = 1, hi = UINT64_MAX;
    int asc = q->ascending;
    *next = 0;

    if (q->has_since) {
        uint64_t ms = q->since_us < 0 ? 0 : (uint64_t)q->since_us / 1000 + 1, s;
        if ((rc = time_seek(l, t, tid, ms, 0, &s)) != DLA_OK)
            goto cleanup;
        if (s == 0)
            goto done;
        lo = s;
    }
    if (q->has_until) {
        if (q->until_us < 0)
            goto done;
        uint64_t ms = (uint64_t)q->until_us / 1000 + 1, s;
        if ((rc = time_seek(l, t, tid, ms, 1, &s)) != DLA_OK)
            goto cleanup;
        if (s == 0)
            goto done;
        hi = s;
    }
    if (q->has_cursor) {
        if (asc) {
            if (q->cursor + 1 > lo)
                lo = q->cursor + 1;
        } else {
            if (q->cursor == 0)
                goto done;
            if (q->cursor - 1 < hi)
                hi = q->cursor - 1;
        }
    }
    if (q->bound && asc && q->bound < hi)
        hi = q->bound;
    {
        /* nothing newer than the last committed sequence can be visible */
        uint64_t top = __atomic_load_n(&l->pub_seq, __ATOMIC_SEQ_CST) + 1;
        /* statements another process committed are in this snapshot too */
        dla_val_t v;
        if (dla_kv_get(t, l->db_meta, "seq", 3, &v) == DLA_OK && v.len == 8 &&
            lrs_rd64(v.data) > top)
            top = lrs_rd64(v.data);
        if (hi > top)
            hi = top;
    }
    if (lo > hi)
        goto done;
    if (asc && bound)
        *bound = hi;

    uint64_t merged = 0;
    if (q->nfilt && (rc = lrs_merged_get(l, t, &merged)) != DLA_OK)
        goto cleanup;
    for (nf = 0; nf < q->nfilt; nf++) {
        fs[nf].hot = NULL;
        rc = dla_cursor_open(t, l->db_idx, &fs[nf].cold, err);
        if (rc != DLA_OK)
            goto cleanup;
        rc = dla_cursor_open(t, l->db_hot, &fs[nf].hot, err);
        if (rc != DLA_OK) {
            nf++;
            goto cleanup;
        }
        fs[nf].c = fs[nf].cold;
        lrs_be32(fs[nf].key, tid);
        memcpy(fs[nf].key + 8, q->filt[nf].hash, 16);
        fs[nf].key[24] = q->filt[nf].kind;
    }
    if (nf == 0) {
        rc = dla_cursor_open(t, l->db_stmt, &sc, err);
        if (rc != DLA_OK)
            goto cleanup;
    }

    uint64_t target = asc ? lo : hi;
    unsigned count = 0;
    uint64_t last_seq = 0;
    int more = 0;
    for (;;) {
        uint64_t seq;
        lrs_rec_hdr_t h;
        const char *js = NULL;
        size_t jl = 0;
        if (nf) {
            if (!next_match(fs, nf, merged, target, lo, hi, asc, &seq))
                break;
            if (lrs_stmt_by_seq(l, t, tid, seq, &h, &js, &jl) != DLA_OK)
                goto advance;
        } else {
            uint8_t k[12];
            dla_val_t kk, vv;
            lrs_be32(k, tid);
            int r;
            if (asc) {
                lrs_be64(k + 4, target);
                kk.data = k;
                kk.len = 12;
                r = dla_cursor_get(sc, DLA_SEEK_GE, &kk, &vv);
            } else if (target == UINT64_MAX) {
                lrs_be32(k, tid + 1);
                kk.data = k;
                kk.len = 4;
                r = dla_cursor_get(sc, DLA_SEEK_GE, &kk, &vv);
                r = r == DLA_OK ? dla_cursor_get(sc, DLA_SEEK_PREV, &kk, &vv)
                                : dla_cursor_get(sc, DLA_SEEK_LAST, &kk, &vv);
            } else {
                lrs_be64(k + 4, target + 1);
                kk.data = k;
                kk.len = 12;
                r = dla_cursor_get(sc, DLA_SEEK_GE, &kk, &vv);
                r = r == DLA_OK ? dla_cursor_get(sc, DLA_SEEK_PREV, &kk, &vv)
                                : dla_cursor_get(sc, DLA_SEEK_LAST, &kk, &vv);
            }
            if (r != DLA_OK || kk.len != 12 || lrs_rd32(kk.data) != tid)
                break;
            seq = lrs_rd64((const uint8_t *)kk.data + 4);
            if (seq < lo || seq > hi || vv.len < sizeof(lrs_rec_hdr_t))
                break;
            memcpy(&h, vv.data, sizeof h);
            js = (const char *)vv.data + sizeof h;
            jl = vv.len - sizeof h;
        }
        if (!(h.flags & LRS_REC_VOIDED)) {
            if (count == q->limit) {
                /* one more exists: the next page starts after the last one returned */
                more = 1;
                break;
            }
            rc = fn(ctx, &h, js, jl);
            if (rc != DLA_OK) {
                dla_err_set(err, rc, "stored statement is unreadable");
                goto cleanup;
            }
            count++;
            last_seq = seq;
        }
    advance:
        if (asc) {
            if (seq == UINT64_MAX)
                break;
            target = seq + 1;
        } else {
            if (seq <= 1)
                break;
            target = seq - 1;
        }
    }
    if (more)
        *next = last_seq;
done:
cleanup:
    for (size_t i = 0; i < nf; i++) {
        dla_cursor_close(fs[i].cold);
        dla_cursor_close(fs[i].hot);
    }
    dla_cursor_close(sc);
    return rc;
}
