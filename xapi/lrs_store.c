/* lrs_store.c - LRS databases and the group-commit writer.
 *
 * Handlers validate and serialise statements on the HTTP pool threads, then
 * queue a job and park their request. One writer thread takes every queued job,
 * applies them all in one write transaction, commits once (one fsync for the
 * whole group) and then answers each job. A job is all-or-nothing: its checks
 * (id conflicts, voiding rules) run before any of its writes.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dla_json.h"
#include "dla_log.h"
#include "model_int.h"
#include "xapi_int.h"

#define LRS_GROUP_MAX 20000 /* statements per commit group */
#define LRS_REF_DEPTH 8

/* ---- databases and tenants ------------------------------------------------- */

static int open_dbs(lrs_t *l, dla_err_t *err)
{
    struct {
        const char *name;
        unsigned flags;
        dla_db_t *out;
    } dbs[] = {
        {"xapi_tenant", 0, &l->db_tenant},
        {"xapi_stmt", 0, &l->db_stmt},
        {"xapi_id", 0, &l->db_id},
        {"xapi_idx", 0, &l->db_idx},
        {"xapi_hot", 0, &l->db_hot},
        {"xapi_time", 0, &l->db_time},
        {"xapi_pend", DLA_DB_DUPSORT, &l->db_pend},
        {"xapi_att", 0, &l->db_att},
        {"xapi_doc", 0, &l->db_doc},
        {"xapi_act", 0, &l->db_act},
        {"xapi_meta", 0, &l->db_meta},
    };
    for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
        int rc = dla_store_db(l->store, dbs[i].name, DLA_DB_CREATE | dbs[i].flags,
                              dbs[i].out, err);
        if (rc != DLA_OK)
            return rc;
    }
    return DLA_OK;
}

int lrs_tid_get(lrs_t *l, dla_txn_t *t, const char *tenant, uint32_t *out)
{
    dla_val_t v;
    int rc = dla_kv_get(t, l->db_tenant, tenant, strlen(tenant), &v);
    if (rc != DLA_OK)
        return rc;
    if (v.len != 4)
        return DLA_EIO;
    *out = lrs_rd32(v.data);
    return DLA_OK;
}

int lrs_tid_ensure(lrs_t *l, dla_txn_t *t, const char *tenant, uint32_t *out,
                   dla_err_t *err)
{
    int rc = lrs_tid_get(l, t, tenant, out);
    if (rc != DLA_ENOTFOUND)
        return rc;
    /* "\x01next" sorts apart from tenant slugs ([a-z0-9-]) */
    static const char nk[] = "\x01next";
    dla_val_t v;
    uint32_t next = 1;
    if (dla_kv_get(t, l->db_tenant, nk, sizeof nk - 1, &v) == DLA_OK && v.len == 4)
        next = lrs_rd32(v.data);
    uint8_t b[4];
    lrs_be32(b, next + 1);
    rc = dla_kv_put(t, l->db_tenant, nk, sizeof nk - 1, b, 4, 0, err);
    if (rc != DLA_OK)
        return rc;
    lrs_be32(b, next);
    rc = dla_kv_put(t, l->db_tenant, tenant, strlen(tenant), b, 4, 0, err);
    if (rc != DLA_OK)
        return rc;
    *out = next;
    return DLA_OK;
}

int lrs_merged_get(lrs_t *l, dla_txn_t *t, uint64_t *out)
{
    dla_val_t v;
    int rc = dla_kv_get(t, l->db_meta, "merged", 6, &v);
    if (rc == DLA_OK) {
        if (v.len != 8)
            return DLA_EIO;
        *out = lrs_rd64(v.data);
        return DLA_OK;
    }
    if (rc != DLA_ENOTFOUND)
        return rc;
    uint64_t next = 1;
    if (dla_kv_get(t, l->db_meta, "seq", 3, &v) == DLA_OK && v.len == 8)
        next = lrs_rd64(v.data);
    *out = next <= 1 ? 0 : (next + LRS_BIG - 1) / LRS_BIG * LRS_BIG;
    return DLA_OK;
}

/* ---- records ----------------------------------------------------------------- */

int lrs_stmt_by_seq(lrs_t *l, dla_txn_t *t, uint32_t tid, uint64_t seq,
                    lrs_rec_hdr_t *hdr, const char **json, size_t *json_len)
{
    uint8_t k[12];
    dla_val_t v;
    lrs_be32(k, tid);
    lrs_be64(k + 4, seq);
    int rc = dla_kv_get(t, l->db_stmt, k, sizeof k, &v);
    if (rc != DLA_OK)
        return rc;
    if (v.len < sizeof(lrs_rec_hdr_t))
        return DLA_EIO;
    memcpy(hdr, v.data, sizeof *hdr);
    *json = (const char *)v.data + sizeof(lrs_rec_hdr_t);
    *json_len = v.len - sizeof(lrs_rec_hdr_t);
    return DLA_OK;
}

int lrs_stmt_by_id(lrs_t *l, dla_txn_t *t, uint32_t tid, const uint8_t id[16],
                   uint64_t *seq, lrs_rec_hdr_t *hdr, const char **json, size_t *json_len)
{
    uint8_t k[20];
    dla_val_t v;
    lrs_be32(k, tid);
    memcpy(k + 4, id, 16);
    int rc = dla_kv_get(t, l->db_id, k, sizeof k, &v);
    if (rc != DLA_OK)
        return rc;
    if (v.len != 8)
        return DLA_EIO;
    uint64_t s = lrs_rd64(v.data);
    if (seq)
        *seq = s;
    return lrs_stmt_by_seq(l, t, tid, s, hdr, json, json_len);
}

json_t *lrs_rec_to_json(const lrs_rec_hdr_t *hdr, const char *json, size_t len)
{
    json_t *s = dla_json_parse(json, len, 0, NULL);
    if (!s)
        return NULL;
    char ts[32];
    uint64_t ms;
    memcpy(&ms, &hdr->stored_ms, sizeof ms);
    lrs_ms_format(ms, ts);
    json_object_set_new(s, "stored", json_string(ts));
    if (hdr->flags & LRS_REC_NOTS)
        json_object_set_new(s, "timestamp", json_string(ts));
    return s;
}

/* Rewrites the flags byte of record (tid, seq). */
static int set_flags(lrs_t *l, dla_txn_t *t, uint32_t tid, uint64_t seq, uint8_t add,
                     dla_err_t *err)
{
    lrs_rec_hdr_t h;
    const char *js;
    size_t jl;
    int rc = lrs_stmt_by_seq(l, t, tid, seq, &h, &js, &jl);
    if (rc != DLA_OK)
        return rc;
    if ((h.flags & add) == add)
        return DLA_OK;
    size_t n = sizeof h + jl;
    char *copy = malloc(n);
    if (!copy)
        return DLA_ENOMEM;
    memcpy(copy, &h, sizeof h);
    memcpy(copy + sizeof h, js, jl);
    copy[0] = (char)(h.flags | add); /* flags is the first byte of the header */
    uint8_t k[12];
    lrs_be32(k, tid);
    lrs_be64(k + 4, seq);
    rc = dla_kv_put(t, l->db_stmt, k, sizeof k, copy, n, 0, err);
    free(copy);
    return rc;
}

/* Keys a statement at `seq` inherits from its StatementRef chain (not authority). */
static int inherited_keys(lrs_t *l, dla_txn_t *t, uint32_t tid, const uint8_t target[16],
                          lrs_key_t **keys, size_t *n, size_t *cap)
{
    uint8_t cur[16];
    memcpy(cur, target, 16);
    for (int depth = 0; depth < LRS_REF_DEPTH; depth++) {
        lrs_rec_hdr_t h;
        const char *js;
        size_t jl;
        if (lrs_stmt_by_id(l, t, tid, cur, NULL, &h, &js, &jl) != DLA_OK)
            return DLA_OK;
        json_t *s = dla_json_parse(js, jl, 0, NULL);
        if (!s)
            return DLA_OK;
        lrs_key_t *tk = NULL;
        size_t tn = 0, tc = 0;
        int rc = lrs_stmt_keys(s, &tk, &tn, &tc);
        for (size_t i = 0; rc == DLA_OK && i < tn; i++) {
            if (tk[i].kind == LRS_IX_AUTH)
                continue;
            int found = 0;
            for (size_t j = 0; j < *n; j++)
                if ((*keys)[j].kind == tk[i].kind &&
                    !memcmp((*keys)[j].hash, tk[i].hash, 16))
                    found = 1;
            if (found)
                continue;
            if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 16;
                lrs_key_t *nk = realloc(*keys, nc * sizeof *nk);
                if (!nk) {
                    rc = DLA_ENOMEM;
                    break;
                }
                *keys = nk;
                *cap = nc;
            }
            (*keys)[(*n)++] = tk[i];
        }
        free(tk);
        json_t *obj = json_object_get(s, "object");
        const char *ot = json_string_value(json_object_get(obj, "objectType"));
        const char *nid = json_string_value(json_object_get(obj, "id"));
        int more =
            ot && strcmp(ot, "StatementRef") == 0 && nid && lrs_uuid_parse(nid, cur) == 0;
        json_decref(s);
        if (rc != DLA_OK)
            return rc;
        if (!more)
            break;
    }
    return DLA_OK;
}

/* Index entries of statement `seq`, in the tier its sequence belongs to. */
static int put_keys(lrs_t *l, dla_txn_t *t, uint32_t tid, const lrs_key_t *keys, size_t n,
                    uint64_t seq, dla_err_t *err)
{
    uint8_t k[LRS_IDX_KEY];
    dla_db_t db;
    uint32_t e;
    lrs_idx_route(l->merged, seq, &db, &e, l->db_idx, l->db_hot);
    lrs_be32(k, tid);
    lrs_be32(k + 4, e);
    lrs_be64(k + 25, seq);
    for (size_t i = 0; i < n; i++) {
        memcpy(k + 8, keys[i].hash, 16);
        k[24] = keys[i].kind;
        int rc = dla_kv_put(t, db, k, sizeof k, "", 0, 0, err);
        if (rc != DLA_OK && rc != DLA_EEXIST)
            return rc;
    }
    return DLA_OK;
}

static int cmp_key(const void *a, const void *b)
{
    return memcmp(a, b, LRS_IDX_KEY);
}

/* Moves the hot tier (the big epoch starting at l->merged) into xapi_idx, in
 * key order so the puts walk the tree once, then empties xapi_hot. */
static int merge_hot(lrs_t *l, dla_txn_t *t, dla_err_t *err)
{
    dla_cursor_t *c = NULL;
    uint8_t(*keys)[LRS_IDX_KEY] = NULL;
    size_t n = 0, cap = 0;
    int rc = dla_cursor_open(t, l->db_hot, &c, err);
    if (rc != DLA_OK)
        return rc;
    dla_val_t kk, vv;
    for (int r = dla_cursor_get(c, DLA_SEEK_FIRST, &kk, &vv); r == DLA_OK;
         r = dla_cursor_get(c, DLA_SEEK_NEXT, &kk, &vv)) {
        if (kk.len != LRS_IDX_KEY)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 4096;
            void *nk = realloc(keys, nc * LRS_IDX_KEY);
            if (!nk) {
                rc = dla_err_set(err, DLA_ENOMEM, "out of memory merging the index");
                goto cleanup;
            }
            keys = nk;
            cap = nc;
        }
        memcpy(keys[n], kk.data, LRS_IDX_KEY);
        /* the big epoch replaces the small one; seq is the last 8 bytes */
        lrs_be32(keys[n] + 4, LRS_EPOCH(lrs_rd64(keys[n] + 25)));
        n++;
    }
    dla_cursor_close(c);
    c = NULL;
    qsort(keys, n, LRS_IDX_KEY, cmp_key);
    for (size_t i = 0; i < n; i++) {
        rc = dla_kv_put(t, l->db_idx, keys[i], LRS_IDX_KEY, "", 0, 0, err);
        if (rc != DLA_OK && rc != DLA_EEXIST)
            goto cleanup;
    }
    rc = dla_db_clear(t, l->db_hot, err);
    if (rc == DLA_OK)
        l->merged += LRS_BIG;
cleanup:
    dla_cursor_close(c);
    free(keys);
    return rc;
}

/* ---- applying one job ----------------------------------------------------- */

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

/* DLA_OK when the job's statement ids are distinct. */
static int distinct_ids(lrs_job_t *j)
{
    if (j->n < 2)
        return DLA_OK;
    uint8_t(*ids)[16] = malloc(j->n * 16);
    if (!ids)
        return DLA_ENOMEM;
    for (size_t i = 0; i < j->n; i++)
        memcpy(ids[i], j->items[i].id, 16);
    qsort(ids, j->n, 16, cmp_id);
    int rc = DLA_OK;
    for (size_t i = 1; i < j->n && rc == DLA_OK; i++)
        if (!memcmp(ids[i - 1], ids[i], 16))
            rc = DLA_EINVAL;
    free(ids);
    return rc;
}

static int check_job(lrs_t *l, dla_txn_t *t, uint32_t tid, lrs_job_t *j)
{
    int drc = distinct_ids(j);
    if (drc == DLA_EINVAL)
        return dla_err_set(&j->err, DLA_EINVAL, "statement id repeated in the batch");
    if (drc != DLA_OK)
        return drc;
    for (size_t i = 0; i < j->n; i++) {
        lrs_item_t *it = &j->items[i];
        lrs_rec_hdr_t h;
        const char *js;
        size_t jl;
        it->dup = 0;
        if (lrs_stmt_by_id(l, t, tid, it->id, NULL, &h, &js, &jl) == DLA_OK) {
            json_t *old = dla_json_parse(js, jl, 0, NULL);
            json_t *mine = dla_json_parse(it->json, it->json_len, 0, NULL);
            int same = old && mine && dla_xm_statements_equivalent(old, mine);
            json_decref(old);
            json_decref(mine);
            if (!same) {
                char ids[37];
                lrs_uuid_format(it->id, ids);
                return dla_err_set(&j->err, DLA_ECONFLICT,
                                   "a different statement with id %s exists", ids);
            }
            it->dup = 1;
            continue;
        }
        if (it->voiding) {
            if (lrs_stmt_by_id(l, t, tid, it->ref, NULL, &h, &js, &jl) == DLA_OK &&
                (h.flags & LRS_REC_VOIDING))
                return dla_err_set(
                    &j->err, DLA_EINVAL,
                    "a voiding statement cannot target another voiding statement");
            for (size_t k = 0; k < j->n; k++)
                if (k != i && j->items[k].voiding && !memcmp(j->items[k].id, it->ref, 16))
                    return dla_err_set(
                        &j->err, DLA_EINVAL,
                        "a voiding statement cannot target another voiding "
                        "statement");
        }
    }
    return DLA_OK;
}

static int write_acts(lrs_t *l, dla_txn_t *t, uint32_t tid, const lrs_item_t *it,
                      dla_err_t *err);

static int write_item(lrs_t *l, dla_txn_t *t, uint32_t tid, lrs_item_t *it,
                      uint64_t stored_ms, dla_err_t *err)
{
    int rc;
    uint64_t seq = l->next_seq++;
    uint8_t k[28], sv[8];
    while (seq >= l->merged + LRS_BIG)
        if ((rc = merge_hot(l, t, err)) != DLA_OK)
            return rc;
    lrs_be32(k, tid);
    lrs_be64(sv, seq);
    uint8_t flags = it->flags | (it->voiding ? LRS_REC_VOIDING : 0);

    /* statements that were waiting for this one as their target */
    uint64_t waiting[64];
    size_t nwait = 0;
    if (l->pend_any) {
        dla_cursor_t *c;
        memcpy(k + 4, it->id, 16);
        rc = dla_cursor_open(t, l->db_pend, &c, err);
        if (rc != DLA_OK)
            return rc;
        dla_val_t kk = {k, 20}, vv;
        int r = dla_cursor_get(c, DLA_SEEK_EXACT, &kk, &vv);
        while (r == DLA_OK && nwait < 64) {
            if (vv.len == 8)
                waiting[nwait++] = lrs_rd64(vv.data);
            r = dla_cursor_get(c, DLA_SEEK_NEXT_DUP, &kk, &vv);
        }
        dla_cursor_close(c);
        if (nwait)
            dla_kv_del(t, l->db_pend, k, 20, NULL, 0);
    }
    for (size_t i = 0; i < nwait; i++) {
        lrs_rec_hdr_t h;
        const char *js;
        size_t jl;
        if (lrs_stmt_by_seq(l, t, tid, waiting[i], &h, &js, &jl) == DLA_OK &&
            (h.flags & LRS_REC_VOIDING) && !it->voiding)
            flags |= LRS_REC_VOIDED;
    }

    /* the record */
    lrs_rec_hdr_t hdr;
    memset(&hdr, 0, sizeof hdr);
    hdr.flags = flags;
    hdr.ver = it->ver;
    hdr.stored_ms = stored_ms;
    memcpy(hdr.id, it->id, 16);
    void *dst;
    lrs_be64(k + 4, seq);
    rc = dla_kv_reserve(t, l->db_stmt, k, 12, sizeof hdr + it->json_len, &dst, err);
    if (rc != DLA_OK)
        return rc;
    memcpy(dst, &hdr, sizeof hdr);
    memcpy((char *)dst + sizeof hdr, it->json, it->json_len);

    memcpy(k + 4, it->id, 16);
    rc = dla_kv_put(t, l->db_id, k, 20, sv, 8, 0, err);
    if (rc != DLA_OK)
        return rc;

    lrs_be64(k + 4, stored_ms);
    lrs_be64(k + 12, seq);
    rc = dla_kv_put(t, l->db_time, k, 20, "", 0, 0, err);
    if (rc != DLA_OK)
        return rc;

    lrs_key_t *keys = NULL;
    size_t nk = 0, ck = 0;
    keys = malloc(it->nkeys * sizeof *keys + 1);
    if (!keys)
        return DLA_ENOMEM;
    memcpy(keys, it->keys, it->nkeys * sizeof *keys);
    nk = ck = it->nkeys;
    if (it->has_ref) {
        lrs_rec_hdr_t h;
        const char *js;
        size_t jl;
        uint64_t tseq;
        if (lrs_stmt_by_id(l, t, tid, it->ref, &tseq, &h, &js, &jl) == DLA_OK) {
            rc = inherited_keys(l, t, tid, it->ref, &keys, &nk, &ck);
            if (rc == DLA_OK && it->voiding && !(h.flags & LRS_REC_VOIDING))
                rc = set_flags(l, t, tid, tseq, LRS_REC_VOIDED, err);
        } else {
            memcpy(k + 4, it->ref, 16);
            rc = dla_kv_put(t, l->db_pend, k, 20, sv, 8, 0, err);
            l->pend_any = 1;
        }
        if (rc != DLA_OK && rc != DLA_EEXIST)
            goto cleanup;
    }
    rc = put_keys(l, t, tid, keys, nk, seq, err);
    if (rc != DLA_OK)
        goto cleanup;
    if (it->acts && it->acth && (rc = write_acts(l, t, tid, it, err)) != DLA_OK)
        goto cleanup;
    /* referrers that arrived first inherit this statement's keys */
    for (size_t i = 0; i < nwait; i++) {
        lrs_key_t *ik = NULL;
        size_t in = 0, ic = 0;
        rc = inherited_keys(l, t, tid, it->id, &ik, &in, &ic);
        if (rc == DLA_OK)
            rc = put_keys(l, t, tid, ik, in, waiting[i], err);
        free(ik);
        if (rc != DLA_OK)
            goto cleanup;
    }
cleanup:
    free(keys);
    return rc;
}

/* Merges the activity definitions a statement carries into xapi_act. */
static int write_acts(lrs_t *l, dla_txn_t *t, uint32_t tid, const lrs_item_t *it,
                      dla_err_t *err)
{
    size_t i;
    json_t *a;
    json_array_foreach(it->acts, i, a)
    {
        const char *id = json_string_value(json_object_get(a, "id"));
        json_t *def = json_object_get(a, "definition");
        if (!id || !json_is_object(def))
            continue;
        uint8_t k[20];
        dla_val_t v;
        const uint8_t *ih = it->acth[i], *dh = it->acth[i] + 16;
        lrs_be32(k, tid);
        memcpy(k + 4, ih, 16);
        /* the same definition as last time for this activity: nothing to do */
        size_t slot = (size_t)(ih[0] << 8 | ih[1]) % LRS_ACT_CACHE;
        if (l->act_cache[slot].tid == tid && !memcmp(l->act_cache[slot].id, ih, 16) &&
            !memcmp(l->act_cache[slot].def, dh, 16))
            continue;
        json_t *old = NULL;
        if (dla_kv_get(t, l->db_act, k, sizeof k, &v) == DLA_OK)
            old = json_loadb(v.data, v.len, 0, NULL);
        json_t *merged = dla_xm_activity_merge(json_object_get(old, "definition"), def);
        int rc = DLA_OK;
        if (merged && !json_equal(merged, json_object_get(old, "definition"))) {
            json_t *obj = json_pack("{s:s,s:s,s:O}", "objectType", "Activity", "id", id,
                                    "definition", merged);
            char *txt = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
            rc = txt ? dla_kv_put(t, l->db_act, k, sizeof k, txt, strlen(txt), 0, err)
                     : DLA_ENOMEM;
            free(txt);
            json_decref(obj);
        }
        json_decref(merged);
        json_decref(old);
        if (rc != DLA_OK)
            return rc;
        l->act_cache[slot].tid = tid;
        memcpy(l->act_cache[slot].id, ih, 16);
        memcpy(l->act_cache[slot].def, dh, 16);
    }
    return DLA_OK;
}

static int write_atts(lrs_t *l, dla_txn_t *t, uint32_t tid, lrs_job_t *j, dla_err_t *err)
{
    uint8_t k[4 + 160];
    lrs_be32(k, tid);
    for (size_t i = 0; i < j->natts; i++) {
        size_t sl = strlen(j->atts[i].sha2);
        memcpy(k + 4, j->atts[i].sha2, sl);
        int rc = dla_kv_put(t, l->db_att, k, 4 + sl, j->atts[i].data, j->atts[i].len,
                            DLA_PUT_NOOVERWRITE, err);
        if (rc != DLA_OK && rc != DLA_EEXIST)
            return rc;
    }
    return DLA_OK;
}

/* Applies job j inside t. Semantic failures leave t untouched (job->rc set,
 * returns DLA_OK); storage failures return the error (the caller aborts). */
static int apply_job(lrs_t *l, dla_txn_t *t, lrs_job_t *j, uint64_t stored_ms)
{
    uint32_t tid;
    dla_err_t err = {0};
    int rc = lrs_tid_ensure(l, t, j->tenant, &tid, &err);
    if (rc != DLA_OK) {
        j->err = err;
        return rc;
    }
    j->stored_ms = stored_ms;
    j->rc = check_job(l, t, tid, j);
    if (j->rc != DLA_OK)
        return DLA_OK;
    for (size_t i = 0; i < j->n; i++) {
        if (j->items[i].dup)
            continue;
        rc = write_item(l, t, tid, &j->items[i], stored_ms, &err);
        if (rc != DLA_OK) {
            j->err = err;
            return rc;
        }
    }
    rc = write_atts(l, t, tid, j, &err);
    if (rc != DLA_OK)
        j->err = err;
    return rc;
}

/* ---- the writer ------------------------------------------------------------ */

static int save_seq(lrs_t *l, dla_txn_t *t, dla_err_t *err)
{
    uint8_t v[8];
    lrs_be64(v, l->next_seq);
    int rc = dla_kv_put(t, l->db_meta, "seq", 3, v, 8, 0, err);
    if (rc != DLA_OK)
        return rc;
    lrs_be64(v, l->merged);
    if ((rc = dla_kv_put(t, l->db_meta, "merged", 6, v, 8, 0, err)) != DLA_OK)
        return rc;
    lrs_be64(v, l->last_ms);
    return dla_kv_put(t, l->db_meta, "last", 4, v, 8, 0, err);
}

static void finish(lrs_job_t *j)
{
    if (j->done) {
        j->done(j);
        return;
    }
    pthread_mutex_lock(&j->mu);
    j->finished = 1;
    pthread_cond_signal(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

static uint64_t stamp(lrs_t *l)
{
    uint64_t now = lrs_now_ms();
    if (now < l->last_ms)
        now = l->last_ms;
    l->last_ms = now;
    __atomic_store_n(&l->inflight_ms, now, __ATOMIC_SEQ_CST);
    return now;
}

/* Commits jobs[0..n) as one group; on a storage failure retries one by one. */
static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Takes the writer's counters from the store at the start of a write
 * transaction: another process (`dla xapi-import` next to `dla serve`, the
 * CLI) may have written statements since this one last did. LMDB serialises
 * writers across processes, so inside t these values are current. */
static int refresh(lrs_t *l, dla_txn_t *t)
{
    dla_val_t v;
    int rc = dla_kv_get(t, l->db_meta, "seq", 3, &v);
    if (rc == DLA_OK && v.len == 8 && lrs_rd64(v.data) > l->next_seq) {
        l->next_seq = lrs_rd64(v.data);
        /* this process's cache may describe definitions written before */
        memset(l->act_cache, 0, sizeof l->act_cache);
    }
    if ((rc = lrs_merged_get(l, t, &l->merged)) != DLA_OK)
        return rc;
    if (dla_kv_get(t, l->db_meta, "last", 4, &v) == DLA_OK && v.len == 8 &&
        lrs_rd64(v.data) > l->last_ms)
        l->last_ms = lrs_rd64(v.data);
    if (!l->pend_any) {
        dla_cursor_t *c;
        dla_val_t pk, pv;
        l->pend_any = 1; /* when unsure, look for waiting references */
        if (dla_cursor_open(t, l->db_pend, &c, NULL) == DLA_OK) {
            l->pend_any = dla_cursor_get(c, DLA_SEEK_FIRST, &pk, &pv) == DLA_OK;
            dla_cursor_close(c);
        }
    }
    return DLA_OK;
}

static void run_group(lrs_t *l, lrs_job_t **jobs, size_t n)
{
    double t0 = mono_s(), t1 = 0;
    dla_txn_t *t = NULL;
    dla_err_t err = {0};
    int rc = dla_txn_begin(l->store, 1, &t, &err);
    if (rc == DLA_OK && (rc = refresh(l, t)) != DLA_OK)
        dla_err_set(&err, rc, "xapi: unreadable writer state");
    uint64_t seq0 = l->next_seq, merged0 = l->merged;
    uint64_t ms = stamp(l);
    for (size_t i = 0; rc == DLA_OK && i < n; i++) {
        jobs[i]->rc = DLA_OK;
        rc = apply_job(l, t, jobs[i], ms);
    }
    if (rc == DLA_OK)
        rc = save_seq(l, t, &err);
    if (rc == DLA_OK) {
        t1 = mono_s();
        rc = dla_txn_commit(t, &err);
        t = NULL;
    }
    if (rc == DLA_OK && l->stats) {
        double t2 = mono_s();
        size_t items = 0;
        for (size_t i = 0; i < n; i++)
            items += jobs[i]->n;
        l->st_items += items;
        l->st_apply += t1 - t0;
        l->st_commit += t2 - t1;
        if (++l->st_groups % 10 == 0) {
            dla_log(DLA_LOG_INFO,
                    "xapi writer: %lu groups, %.1f statements/group, apply %.1f us/stmt, "
                    "commit %.2f ms/group",
                    l->st_groups, (double)l->st_items / (double)l->st_groups,
                    l->st_apply * 1e6 / (double)l->st_items,
                    l->st_commit * 1e3 / (double)l->st_groups);
            l->st_items = l->st_groups = 0;
            l->st_apply = l->st_commit = 0;
        }
    }
    if (rc == DLA_OK) {
        __atomic_store_n(&l->pub_seq, l->next_seq - 1, __ATOMIC_SEQ_CST);
        __atomic_store_n(&l->committed_ms, ms, __ATOMIC_SEQ_CST);
        __atomic_store_n(&l->inflight_ms, 0, __ATOMIC_SEQ_CST);
        l->groups++;
        l->grouped += n;
        for (size_t i = 0; i < n; i++)
            finish(jobs[i]);
        return;
    }
    dla_txn_abort(t);
    l->next_seq = seq0;
    l->merged = merged0;
    memset(l->act_cache, 0, sizeof l->act_cache);
    if (n == 1) {
        jobs[0]->rc = rc;
        if (jobs[0]->err.msg[0] == 0)
            jobs[0]->err = err;
        dla_log(DLA_LOG_ERROR, "xapi: statement write failed: %s", jobs[0]->err.msg);
        __atomic_store_n(&l->inflight_ms, 0, __ATOMIC_SEQ_CST);
        finish(jobs[0]);
        return;
    }
    for (size_t i = 0; i < n; i++)
        run_group(l, &jobs[i], 1);
}

static void *writer_main(void *arg)
{
    lrs_t *l = arg;
    size_t cap = 256;
    lrs_job_t **batch = malloc(cap * sizeof *batch);
    if (!batch)
        return NULL;
    for (;;) {
        pthread_mutex_lock(&l->qmu);
        while (!l->qhead && !l->stop)
            pthread_cond_wait(&l->qcv, &l->qmu);
        if (!l->qhead && l->stop) {
            pthread_mutex_unlock(&l->qmu);
            break;
        }
        size_t n = 0, items = 0;
        while (l->qhead && n < cap && (items < LRS_GROUP_MAX || n == 0)) {
            lrs_job_t *j = l->qhead;
            l->qhead = j->next;
            j->next = NULL;
            batch[n++] = j;
            items += j->n;
        }
        if (!l->qhead)
            l->qtail = NULL;
        pthread_mutex_unlock(&l->qmu);
        run_group(l, batch, n);
    }
    free(batch);
    return NULL;
}

void lrs_submit(lrs_t *l, lrs_job_t *job)
{
    job->next = NULL;
    job->finished = 0;
    pthread_mutex_lock(&l->qmu);
    if (l->qtail)
        l->qtail->next = job;
    else
        l->qhead = job;
    l->qtail = job;
    pthread_cond_signal(&l->qcv);
    pthread_mutex_unlock(&l->qmu);
}

int lrs_job_wait(lrs_job_t *job)
{
    pthread_mutex_lock(&job->mu);
    while (!job->finished)
        pthread_cond_wait(&job->cv, &job->mu);
    pthread_mutex_unlock(&job->mu);
    return job->rc;
}

void lrs_job_init(lrs_job_t *job, const char *tenant)
{
    memset(job, 0, sizeof *job);
    snprintf(job->tenant, sizeof job->tenant, "%s", tenant);
    pthread_mutex_init(&job->mu, NULL);
    pthread_cond_init(&job->cv, NULL);
}

void lrs_job_free(lrs_job_t *job)
{
    if (!job)
        return;
    for (size_t i = 0; i < job->n; i++) {
        free(job->items[i].json);
        free(job->items[i].keys);
        json_decref(job->items[i].acts);
        free(job->items[i].acth);
    }
    free(job->items);
    free(job->atts);
    pthread_mutex_destroy(&job->mu);
    pthread_cond_destroy(&job->cv);
}

uint64_t lrs_consistent_ms(lrs_t *l)
{
    uint64_t in = __atomic_load_n(&l->inflight_ms, __ATOMIC_SEQ_CST);
    if (in)
        return in - 1;
    uint64_t now = lrs_now_ms(), c = __atomic_load_n(&l->committed_ms, __ATOMIC_SEQ_CST);
    return now > c ? now : c;
}

int lrs_store_init(lrs_t *l, dla_err_t *err)
{
    int rc = open_dbs(l, err);
    if (rc != DLA_OK)
        return rc;
    dla_txn_t *t;
    rc = dla_txn_begin(l->store, 0, &t, err);
    if (rc != DLA_OK)
        return rc;
    /* the writer's counters as stored (the newest stored time too, so stored
     * never goes backwards after a restart); each write transaction refreshes them */
    l->next_seq = 1;
    l->last_ms = 0;
    l->pend_any = 0;
    rc = refresh(l, t);
    dla_txn_abort(t);
    if (rc != DLA_OK)
        return dla_err_set(err, rc, "xapi: unreadable writer state");
    l->committed_ms = l->last_ms;
    l->pub_seq = l->next_seq - 1;
    pthread_mutex_init(&l->qmu, NULL);
    pthread_mutex_init(&l->vmu, NULL);
    l->stats = getenv("DLA_XAPI_STATS") != NULL;
    pthread_cond_init(&l->qcv, NULL);
    if (pthread_create(&l->writer, NULL, writer_main, l) != 0)
        return dla_err_set(err, DLA_ERR, "could not start the xapi writer thread");
    l->writer_started = 1;
    return DLA_OK;
}

void lrs_store_fini(lrs_t *l)
{
    if (!l->writer_started)
        return;
    pthread_mutex_lock(&l->qmu);
    l->stop = 1;
    pthread_cond_broadcast(&l->qcv);
    pthread_mutex_unlock(&l->qmu);
    pthread_join(l->writer, NULL);
    l->writer_started = 0;
    pthread_mutex_destroy(&l->qmu);
    pthread_mutex_destroy(&l->vmu);
    pthread_cond_destroy(&l->qcv);
}
