/* api_diag.c - the diagnostic resources: start or resume, state with the
 * current item, answers (idempotent per item), results; xAPI statements and
 * the LTI grade when a diagnostic finishes.
 *
 * A diagnostic is one JSON record in "diag_run" (key: its UUID). The engine
 * state is not stored: it is rebuilt from the recorded answers on each
 * request (exact and cheap: one grid update per answer), and the next item is
 * drawn with an RNG seeded from the diagnostic's seed and the number of
 * answers, so the same history always gives the same next item. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "dla_i18n.h"
#include "dla_log.h"

#define EXPOSURE_FLOOR 30.0

/* ---- keys and records ------------------------------------------------------------- */

static size_t user_key(const char *tenant, const char *user, char *buf, size_t cap)
{
    return (size_t)snprintf(buf, cap, "%s%c%s", tenant, 0, user);
}

static json_t *diag_read(api_t *a, dla_txn_t *t, const char *id)
{
    dla_val_t v;
    json_error_t je;

    if (id == NULL || strlen(id) != 36 || dla_kv_get(t, a->db_diag, id, 36, &v) != DLA_OK)
        return NULL;
    return json_loadb(v.data, v.len, 0, &je);
}

static int diag_write(api_t *a, dla_txn_t *t, json_t *d)
{
    char *txt = json_dumps(d, JSON_COMPACT);
    const char *id = json_string_value(json_object_get(d, "id"));
    int rc;

    if (txt == NULL)
        return DLA_ENOMEM;
    rc = dla_kv_put(t, a->db_diag, id, 36, txt, strlen(txt), 0, NULL);
    free(txt);
    return rc;
}

static int diag_owned(const json_t *d, const dla_session_t *s)
{
    return d != NULL &&
           strcmp(json_string_value(json_object_get(d, "tenant")), s->tenant) == 0 &&
           strcmp(json_string_value(json_object_get(d, "user")), s->user_id) == 0;
}

static int diag_finished(const json_t *d)
{
    return strcmp(json_string_value(json_object_get(d, "state")), "finished") == 0;
}

void api_diag_summary(api_t *a, const char *tenant, const char *user, char active[40],
                      char last[40])
{
    char key[200];
    size_t kl = user_key(tenant, user, key, sizeof(key));
    dla_txn_t *t = NULL;
    dla_cursor_t *c = NULL;
    dla_val_t k, v;
    int op;

    active[0] = last[0] = 0;
    if (dla_txn_begin(a->app->store, 0, &t, NULL) != DLA_OK)
        return;
    if (dla_kv_get(t, a->db_active, key, kl, &v) == DLA_OK && v.len == 36) {
        memcpy(active, v.data, 36);
        active[36] = 0;
    }
    /* newest finished: walk the user's index backwards from the end of the prefix */
    if (dla_cursor_open(t, a->db_user, &c, NULL) == DLA_OK) {
        k.data = key;
        k.len = kl + 1;
        for (op = DLA_SEEK_GE; dla_cursor_get(c, op, &k, &v) == DLA_OK;
             op = DLA_SEEK_NEXT) {
            json_t *d;
            if (k.len != kl + 1 + 8 + 36 || memcmp(k.data, key, kl) != 0 ||
                ((const char *)k.data)[kl] != 0)
                break;
            {
                char id[37];
                memcpy(id, (const char *)k.data + kl + 9, 36);
                id[36] = 0;
                d = diag_read(a, t, id);
                if (d != NULL && diag_finished(d))
                    memcpy(last, id, 37);
                json_decref(d);
            }
        }
        dla_cursor_close(c);
    }
    dla_txn_abort(t);
}

/* ---- engine ---------------------------------------------------------------------------
 */

typedef struct diag_run_s {
    dla_cat_t *cat;
    size_t *idx;
    unsigned char *resp;
    size_t n;
} diag_run_t;

static void run_free(diag_run_t *r)
{
    dla_cat_free(r->cat);
    free(r->idx);
    free(r->resp);
    memset(r, 0, sizeof(*r));
}

static int run_build(api_t *a, api_fw_t *f, const json_t *d, diag_run_t *r)
{
    json_t *ans = json_object_get(d, "answers"), *e;
    dla_cat_bank_t cb = dla_diag_bank_cat(&f->bank);
    size_t i, n = json_array_size(ans);
    int rc;

    memset(r, 0, sizeof(*r));
    if ((rc = dla_cat_new(&cb, &a->cat, &r->cat, NULL)) != DLA_OK)
        return rc;
    r->idx = calloc(n + 1, sizeof(size_t));
    r->resp = calloc(n + 1, 1);
    if (r->idx == NULL || r->resp == NULL) {
        run_free(r);
        return DLA_ENOMEM;
    }
    json_array_foreach(ans, i, e)
    {
        long k =
            dla_diag_bank_find(&f->bank, json_string_value(json_object_get(e, "item")));
        int ok = json_is_true(json_object_get(e, "correct"));
        if (k < 0) /* the item left the bank: its answer no longer counts */
            continue;
        if (dla_cat_answer(r->cat, (size_t)k, ok) != DLA_OK)
            continue;
        r->idx[r->n] = (size_t)k;
        r->resp[r->n++] = (unsigned char)ok;
    }
    return DLA_OK;
}

static uint64_t exp_get(api_t *a, dla_txn_t *t, const char *key)
{
    dla_val_t v;
    uint64_t n = 0;

    if (dla_kv_get(t, a->db_exposure, key, strlen(key), &v) == DLA_OK && v.len == 8)
        memcpy(&n, v.data, 8);
    return n;
}

static int exp_inc(api_t *a, dla_txn_t *t, const char *key)
{
    uint64_t n = exp_get(a, t, key) + 1;

    return dla_kv_put(t, a->db_exposure, key, strlen(key), &n, 8, 0, NULL);
}

/* Picks the next item into *item (bank index). DLA_ENOTFOUND when none is left. */
static int run_next(api_t *a, dla_txn_t *t, api_fw_t *f, diag_run_t *r, uint64_t seed,
                    size_t *item)
{
    double *rate = calloc(f->bank.n_items, sizeof(double));
    double started = (double)exp_get(a, t, "\x01started");
    dla_cat_exposure_t ex = {rate};
    uint64_t rng = dla_cat_seed(seed ^ ((uint64_t)(r->n + 1) * 0x9E3779B97F4A7C15ULL));
    size_t i;
    int rc;

    if (rate == NULL)
        return DLA_ENOMEM;
    if (started < EXPOSURE_FLOOR)
        started = EXPOSURE_FLOOR;
    for (i = 0; i < f->bank.n_items; i++)
        rate[i] = (double)exp_get(a, t, f->bank.items[i].id) / started;
    rc = dla_cat_next(r->cat, &ex, &rng, item);
    free(rate);
    return rc;
}

/* ---- views
 * ------------------------------------------------------------------------------ */

static json_t *ltext(const char *const t[DLA_LANGS])
{
    return json_pack("{s:s, s:s}", "lt", t[DLA_LANG_LT] ? t[DLA_LANG_LT] : "", "en",
                     t[DLA_LANG_EN] ? t[DLA_LANG_EN] : "");
}

static json_t *item_view(const dla_diag_item_t *it, const dla_framework_t *fw,
                         int position)
{
    json_t *opts = json_array();
    int i;

    for (i = 0; i < it->n_opt; i++)
        json_array_append_new(opts, json_pack("{s:s, s:o}", "id", it->opt[i].id, "text",
                                              ltext(it->opt[i].text)));
    return json_pack("{s:s, s:i, s:s, s:s, s:o, s:o}", "id", it->id, "position", position,
                     "competence", it->comp_id, "area", fw->areas[it->area].id, "stem",
                     ltext(it->stem), "options", opts);
}

static json_t *diag_view(api_t *a, api_fw_t *f, const json_t *d, const diag_run_t *r)
{
    const char *cur = json_string_value(json_object_get(d, "current"));
    long ci = cur ? dla_diag_bank_find(&f->bank, cur) : -1;
    int fin = diag_finished(d);
    size_t answered = json_array_size(json_object_get(d, "answers"));
    int remaining = fin ? 0 : (r && r->cat ? dla_cat_remaining(r->cat) : 1);
    char rpath[96];
    json_t *o;

    snprintf(rpath, sizeof(rpath), "/api/v1/diagnostics/%s/result",
             json_string_value(json_object_get(d, "id")));
    if (!fin && remaining < 1)
        remaining = 1;
    o = json_pack(
        "{s:O, s:O, s:O, s:s, s:O, s:O, s:{s:i, s:i, s:i}, s:o, s:o}", "id",
        json_object_get(d, "id"), "framework", json_object_get(d, "framework"),
        "language", json_object_get(d, "lang"), "state", fin ? "finished" : "in_progress",
        "created", json_object_get(d, "created"), "updated",
        json_object_get(d, "updated"), "progress", "answered", (int)answered, "remaining",
        remaining, "max_items", a->cat.max_items, "item",
        !fin && ci >= 0 ? item_view(&f->bank.items[ci], f->fw, (int)answered + 1)
                        : json_null(),
        "result", fin ? json_string(rpath) : json_null());
    return o;
}

/* ---- results
 * ---------------------------------------------------------------------------- */

static void fill(char *out, size_t cap, const char *tpl, int level, const char *broad,
                 int lo, int hi, const char *summary)
{
    size_t n = 0;
    const char *p;

    for (p = tpl; *p && n + 1 < cap;) {
        char num[16];
        const char *sub = NULL;
        if (strncmp(p, "{level}", 7) == 0) {
            snprintf(num, sizeof(num), "%d", level);
            sub = num;
            p += 7;
        } else if (strncmp(p, "{lo}", 4) == 0) {
            snprintf(num, sizeof(num), "%d", lo);
            sub = num;
            p += 4;
        } else if (strncmp(p, "{hi}", 4) == 0) {
            snprintf(num, sizeof(num), "%d", hi);
            sub = num;
            p += 4;
        } else if (strncmp(p, "{broad}", 7) == 0) {
            sub = broad;
            p += 7;
        } else if (strncmp(p, "{summary}", 9) == 0) {
            sub = summary;
            p += 9;
        }
        if (sub != NULL) {
            size_t l = strlen(sub);
            if (l > cap - 1 - n)
                l = cap - 1 - n;
            memcpy(out + n, sub, l);
            n += l;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = 0;
}

static json_t *level_text(const dla_framework_t *fw, const dla_diag_est_t *e)
{
    json_t *o = json_object();
    int lang;

    for (lang = 0; lang < DLA_LANGS; lang++) {
        const char *code = dla_lang_code(lang);
        const dla_fw_level_t *lv = &fw->levels[e->level - 1];
        const char *tpl =
            dla_t(code, e->level_lo == e->level_hi ? "diag.result.level_exact"
                                                   : "diag.result.level_range");
        char broad[128], buf[1024];
        const char *summary = "";
        json_t *sj = json_object_get(
            json_array_get(json_object_get(fw->doc, "levels"), (size_t)e->level - 1),
            "summary");
        if (sj != NULL)
            summary = json_string_value(json_object_get(sj, code));
        snprintf(broad, sizeof(broad), "%s", lv->title[lang]);
        if (lang == DLA_LANG_LT && broad[0] >= 'A' && broad[0] <= 'Z')
            broad[0] = (char)(broad[0] - 'A' + 'a');
        fill(buf, sizeof(buf), tpl, e->level, broad, e->level_lo, e->level_hi,
             summary ? summary : "");
        json_object_set_new(o, code, json_string(buf));
    }
    return o;
}

static double r3(double x)
{
    return round(x * 1000.0) / 1000.0;
}

static json_t *est_json(const dla_framework_t *fw, const dla_diag_est_t *e)
{
    const dla_fw_level_t *lv = &fw->levels[e->level - 1];

    return json_pack("{s:f, s:f, s:i, s:[i, i], s:{s:i, s:o}, s:i, s:o}", "theta",
                     r3(e->theta), "se", r3(e->se), "level", e->level, "interval",
                     e->level_lo, e->level_hi, "broad", "level", lv->broad, "title",
                     ltext(lv->title), "answered", e->n, "text", level_text(fw, e));
}

json_t *api_diag_result_build(api_t *a, api_fw_t *f, json_t *d, const json_t *profile)
{
    const dla_framework_t *fw = f->fw;
    dla_diag_est_t areas[DLA_FW_MAX_AREAS], comps[DLA_FW_MAX_COMPS], overall;
    diag_run_t r;
    json_t *ja, *jc, *rev, *res = NULL, *e;
    const char *notice;
    double score;
    size_t i;
    int k;

    (void)profile;
    if (run_build(a, f, d, &r) != DLA_OK)
        return NULL;
    if (dla_diag_score(&f->bank, r.idx, r.resp, r.n, a->cat.rho, areas, comps, &overall,
                       NULL) != DLA_OK)
        goto cleanup;
    ja = json_array();
    jc = json_array();
    rev = json_array();
    for (k = 0; k < fw->n_areas; k++) {
        json_t *o = est_json(fw, &areas[k]);
        json_object_set_new(o, "id", json_string(fw->areas[k].id));
        json_object_set_new(o, "title", ltext(fw->areas[k].title));
        json_array_append_new(ja, o);
    }
    for (k = 0; k < fw->n_comps; k++) {
        json_t *o = est_json(fw, &comps[k]);
        json_object_set_new(o, "id", json_string(fw->comps[k].id));
        json_object_set_new(o, "area", json_string(fw->areas[fw->comps[k].area].id));
        json_object_set_new(o, "title", ltext(fw->comps[k].title));
        json_array_append_new(jc, o);
    }
    json_array_foreach(json_object_get(d, "answers"), i, e)
    {
        long bi =
            dla_diag_bank_find(&f->bank, json_string_value(json_object_get(e, "item")));
        if (bi < 0)
            continue;
        json_array_append_new(
            rev, json_pack("{s:s, s:s, s:b, s:o}", "item", f->bank.items[bi].id,
                           "competence", f->bank.items[bi].comp_id, "correct",
                           json_is_true(json_object_get(e, "correct")), "feedback",
                           ltext(f->bank.items[bi].feedback)));
    }
    /* the caveat about uncalibrated items only while most answered items are */
    {
        size_t cal = 0;
        for (i = 0; i < r.n; i++)
            cal += f->bank.items[r.idx[i]].calibrated != 0;
        notice = 2 * cal > r.n ? "diag.result.notice_calibrated" : "diag.result.notice";
    }
    score = (dla_irt_level_pos(overall.theta) - 0.5) / 8.0;
    if (score < 0.0)
        score = 0.0;
    if (score > 1.0)
        score = 1.0;
    res = json_pack(
        "{s:O, s:O, s:O, s:i, s:{s:f, s:f, s:i, s:[i, i], s:f}, s:o, s:o, s:o, "
        "s:{s:s, s:s}}",
        "id", json_object_get(d, "id"), "framework", json_object_get(d, "framework"),
        "finished", json_object_get(d, "finished"), "answered", (int)r.n, "overall",
        "theta", r3(overall.theta), "se", r3(overall.se), "level", overall.level,
        "interval", overall.level_lo, overall.level_hi, "score", r3(score), "areas", ja,
        "competences", jc, "review", rev, "notice", "lt", dla_t("lt", notice), "en",
        dla_t("en", notice));
cleanup:
    run_free(&r);
    return res;
}

/* Adds role targets and gaps from the current profile (in place). */
static void result_targets(api_t *a, dla_txn_t *t, const char *tenant, json_t *res,
                           const json_t *profile)
{
    const char *rid = json_string_value(json_object_get(profile, "role_id"));
    json_t *role = rid ? api_role_get(a, t, tenant, rid) : NULL, *c;
    json_t *tg = json_object_get(role, "targets");
    size_t i;

    if (role == NULL ||
        strcmp(json_string_value(json_object_get(role, "framework")),
               json_string_value(json_object_get(res, "framework"))) != 0) {
        json_decref(role);
        return;
    }
    json_object_set_new(res, "role",
                        json_pack("{s:O, s:O}", "id", json_object_get(role, "id"),
                                  "title", json_object_get(role, "title")));
    json_array_foreach(json_object_get(res, "competences"), i, c)
    {
        json_t *tv = json_object_get(tg, json_string_value(json_object_get(c, "id")));
        json_int_t hi =
            json_integer_value(json_array_get(json_object_get(c, "interval"), 1));
        json_int_t target = json_integer_value(tv);
        if (tv == NULL)
            continue;
        json_object_set_new(c, "target", json_integer(target));
        json_object_set_new(c, "gap", json_integer(target > hi ? target - hi : 0));
    }
    json_decref(role);
}

/* ---- statements
 * ------------------------------------------------------------------------- */

typedef struct pending_s {
    json_t *stmts; /* array */
    int finished;
    double score;
} pending_t;

static void emit_all(api_t *a, const dla_session_t *s, pending_t *p)
{
    size_t i;
    json_t *st;
    dla_err_t err;

    json_array_foreach(p->stmts, i, st)
    {
        memset(&err, 0, sizeof(err));
        if (dla_app_emit(a->app, s->tenant, st, NULL, &err) != DLA_OK &&
            err.code != DLA_EEXIST && err.code != DLA_ECONFLICT)
            dla_log(DLA_LOG_WARN, "diagnostic: statement not recorded: %s", err.msg);
    }
    if (p->finished && a->app->grade != NULL) {
        memset(&err, 0, sizeof(err));
        int rc =
            a->app->grade(a->app->grade_ctx, s, p->score, "DigComp diagnostic", &err);
        if (rc != DLA_OK && rc != DLA_ENOTFOUND)
            dla_log(DLA_LOG_WARN, "diagnostic: grade not sent: %s", err.msg);
    }
}

/* ---- routes
 * ------------------------------------------------------------------------------- */

static void respond_state(api_t *a, dla_req_t *req, api_fw_t *f, const json_t *d,
                          int status, int duplicate, const char *lang)
{
    diag_run_t r;
    json_t *o;

    memset(&r, 0, sizeof(r));
    if (!diag_finished(d) && run_build(a, f, d, &r) != DLA_OK) {
        api_error(req, 500, "internal", lang, "diag.err.internal");
        return;
    }
    o = diag_view(a, f, d, &r);
    run_free(&r);
    if (o == NULL) {
        api_error(req, 500, "internal", lang, "diag.err.internal");
        return;
    }
    if (duplicate)
        json_object_set_new(o, "duplicate", json_true());
    api_json(req, status, o);
}

void api_route_diag_start(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;
    json_t *in = NULL, *d = NULL, *v;
    const char *fwid, *lang;
    dla_txn_t *t = NULL;
    api_fw_t *f;
    diag_run_t r;
    char ukey[200], id[37], ikey[256];
    size_t ukl, item;
    uint32_t seed;
    int64_t now = dla_now();
    uint64_t be;
    int i;

    memset(&r, 0, sizeof(r));
    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    if (api_body(req, s.locale, &in) != DLA_OK)
        return;
    static const char *const keys_framework[] = {"framework", "language", NULL};
    if (api_only_keys(req, s.locale, in, keys_framework) != DLA_OK)
        goto cleanup;
    v = json_object_get(in, "framework");
    fwid = v ? json_string_value(v) : a->fws[a->def_fw].fw->id;
    v = json_object_get(in, "language");
    lang = v ? json_string_value(v) : dla_i18n_lang(s.locale);
    f = fwid ? api_fw_find(a, fwid) : NULL;
    if (f == NULL) {
        api_error(req, 400, "invalid", s.locale, "diag.err.no_framework");
        goto cleanup;
    }
    if (lang == NULL || dla_lang_index(lang) < 0) {
        api_error(req, 400, "invalid", s.locale, "diag.err.language");
        goto cleanup;
    }
    if (f->bank.n_items == 0) {
        api_error(req, 409, "conflict", s.locale, "diag.err.no_items");
        goto cleanup;
    }
    ukl = user_key(s.tenant, s.user_id, ukey, sizeof(ukey));
    if (dla_txn_begin(a->app->store, 1, &t, NULL) != DLA_OK)
        goto fail;
    {
        dla_val_t av;
        if (dla_kv_get(t, a->db_active, ukey, ukl, &av) == DLA_OK && av.len == 36) {
            char aid[37];
            memcpy(aid, av.data, 36);
            aid[36] = 0;
            d = diag_read(a, t, aid);
            if (d != NULL && !diag_finished(d)) {
                api_fw_t *af =
                    api_fw_find(a, json_string_value(json_object_get(d, "framework")));
                dla_txn_abort(t);
                t = NULL;
                if (af == NULL)
                    goto fail;
                respond_state(a, req, af, d, 200, 0, s.locale);
                goto cleanup;
            }
            json_decref(d);
            d = NULL;
        }
    }
    if (api_uuid4(id) != DLA_OK || dla_random_bytes(&seed, sizeof(seed)) != DLA_OK)
        goto fail;
    d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:[], s:n}", "id", id,
                  "tenant", s.tenant, "user", s.user_id, "framework", f->fw->id, "lang",
                  lang, "state", "in_progress", "created", (json_int_t)now, "updated",
                  (json_int_t)now, "seed", (json_int_t)seed, "answers", "current");
    if (d == NULL || run_build(a, f, d, &r) != DLA_OK)
        goto fail;
    if (run_next(a, t, f, &r, seed, &item) != DLA_OK)
        goto fail;
    json_object_set_new(d, "current", json_string(f->bank.items[item].id));
    if (exp_inc(a, t, "\x01started") != DLA_OK ||
        exp_inc(a, t, f->bank.items[item].id) != DLA_OK ||
        diag_write(a, t, d) != DLA_OK ||
        dla_kv_put(t, a->db_active, ukey, ukl, id, 36, 0, NULL) != DLA_OK)
        goto fail;
    memcpy(ikey, ukey, ukl);
    ikey[ukl] = 0;
    be = (uint64_t)now;
    for (i = 0; i < 8; i++)
        ikey[ukl + 1 + i] = (char)(be >> (56 - 8 * i));
    memcpy(ikey + ukl + 9, id, 36);
    if (dla_kv_put(t, a->db_user, ikey, ukl + 9 + 36, "", 0, 0, NULL) != DLA_OK)
        goto fail;
    if (dla_txn_commit(t, NULL) != DLA_OK) {
        t = NULL;
        goto fail;
    }
    t = NULL;
    {
        json_t *o = diag_view(a, f, d, &r);
        if (o == NULL)
            goto fail;
        api_json(req, 201, o);
    }
    goto cleanup;
fail:
    api_error(req, 500, "internal", s.locale, "diag.err.internal");
cleanup:
    if (t != NULL)
        dla_txn_abort(t);
    run_free(&r);
    json_decref(d);
    json_decref(in);
}

void api_route_diag_list(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;
    dla_txn_t *t = NULL;
    dla_cursor_t *c = NULL;
    dla_val_t k, v;
    char key[200];
    size_t kl;
    json_t *arr;
    int op;

    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    kl = user_key(s.tenant, s.user_id, key, sizeof(key));
    arr = json_array();
    if (arr == NULL || dla_txn_begin(a->app->store, 0, &t, NULL) != DLA_OK) {
        json_decref(arr);
        api_error(req, 500, "internal", s.locale, "diag.err.internal");
        return;
    }
    if (dla_cursor_open(t, a->db_user, &c, NULL) == DLA_OK) {
        k.data = key;
        k.len = kl + 1;
        for (op = DLA_SEEK_GE; dla_cursor_get(c, op, &k, &v) == DLA_OK;
             op = DLA_SEEK_NEXT) {
            char id[37];
            json_t *d;
            if (k.len != kl + 9 + 36 || memcmp(k.data, key, kl) != 0 ||
                ((const char *)k.data)[kl] != 0)
                break;
            memcpy(id, (const char *)k.data + kl + 9, 36);
            id[36] = 0;
            d = diag_read(a, t, id);
            if (d == NULL)
                continue;
            json_array_insert_new(
                arr, 0,
                json_pack("{s:O, s:O, s:s, s:I, s:O, s:O}", "id",
                          json_object_get(d, "id"), "framework",
                          json_object_get(d, "framework"), "state",
                          diag_finished(d) ? "finished" : "in_progress", "answered",
                          (json_int_t)json_array_size(json_object_get(d, "answers")),
                          "created", json_object_get(d, "created"), "finished",
                          json_object_get(d, "finished") ? json_object_get(d, "finished")
                                                         : json_null()));
            json_decref(d);
        }
        dla_cursor_close(c);
    }
    dla_txn_abort(t);
    api_json(req, 200, json_pack("{s:o}", "diagnostics", arr));
}

/* Loads the caller's diagnostic {id} (read txn) or answers 404. */
static json_t *load_owned(api_t *a, dla_req_t *req, const dla_session_t *s, api_fw_t **f)
{
    dla_txn_t *t = NULL;
    json_t *d = NULL;

    if (dla_txn_begin(a->app->store, 0, &t, NULL) != DLA_OK) {
        api_error(req, 500, "internal", s->locale, "diag.err.internal");
        return NULL;
    }
    d = diag_read(a, t, dla_req_param(req, "id"));
    dla_txn_abort(t);
    if (!diag_owned(d, s) ||
        (*f = api_fw_find(a, json_string_value(json_object_get(d, "framework")))) ==
            NULL) {
        json_decref(d);
        api_error(req, 404, "not_found", s->locale, "diag.err.not_found");
        return NULL;
    }
    return d;
}

/* Re-reads diagnostic `id` in a write transaction and gives it a new current item
 * (or finishes nothing: returns NULL on any failure). New reference. */
static json_t *repick(api_t *a, api_fw_t *f, const char *id)
{
    dla_txn_t *t = NULL;
    json_t *d = NULL;
    diag_run_t r;
    size_t item;

    memset(&r, 0, sizeof(r));
    if (dla_txn_begin(a->app->store, 1, &t, NULL) != DLA_OK)
        return NULL;
    d = diag_read(a, t, id);
    if (d == NULL || diag_finished(d) || run_build(a, f, d, &r) != DLA_OK ||
        run_next(a, t, f, &r, (uint64_t)json_integer_value(json_object_get(d, "seed")),
                 &item) != DLA_OK)
        goto fail;
    json_object_set_new(d, "current", json_string(f->bank.items[item].id));
    if (exp_inc(a, t, f->bank.items[item].id) != DLA_OK || diag_write(a, t, d) != DLA_OK)
        goto fail;
    run_free(&r);
    if (dla_txn_commit(t, NULL) != DLA_OK) {
        json_decref(d);
        return NULL;
    }
    return d;
fail:
    run_free(&r);
    dla_txn_abort(t);
    json_decref(d);
    return NULL;
}

void api_route_diag_get(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;
    api_fw_t *f;
    json_t *d;

    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    if ((d = load_owned(a, req, &s, &f)) == NULL)
        return;
    if (!diag_finished(d) &&
        dla_diag_bank_find(&f->bank, json_string_value(json_object_get(d, "current"))) <
            0) {
        /* the current item left the bank (edited between restarts): choose another */
        json_t *fresh = repick(a, f, json_string_value(json_object_get(d, "id")));
        if (fresh != NULL) {
            json_decref(d);
            d = fresh;
        }
    }
    respond_state(a, req, f, d, 200, 0, s.locale);
    json_decref(d);
}

void api_route_diag_result(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;
    api_fw_t *f;
    json_t *d, *res, *prof = NULL;
    dla_txn_t *t = NULL;

    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    if ((d = load_owned(a, req, &s, &f)) == NULL)
        return;
    if (!diag_finished(d) || json_object_get(d, "result") == NULL) {
        api_error(req, 409, "not_finished", s.locale, "diag.err.not_finished");
        json_decref(d);
        return;
    }
    res = json_deep_copy(json_object_get(d, "result"));
    if (dla_txn_begin(a->app->store, 0, &t, NULL) == DLA_OK) {
        prof = api_profile_read(a, t, s.tenant, s.user_id);
        if (res != NULL && prof != NULL)
            result_targets(a, t, s.tenant, res, prof);
        dla_txn_abort(t);
    }
    json_decref(prof);
    json_decref(d);
    if (res == NULL) {
        api_error(req, 500, "internal", s.locale, "diag.err.internal");
        return;
    }
    api_json(req, 200, res);
}

void api_route_diag_answer(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;
    dla_identity_t ident;
    json_t *in = NULL, *d = NULL, *ans, *e;
    const char *item_id, *answer, *cur;
    dla_txn_t *t = NULL;
    api_fw_t *f;
    diag_run_t r;
    pending_t p = {NULL, 0, 0.0};
    const dla_diag_item_t *it;
    long bi;
    size_t i, next;
    int opt = -1, correct, status = 200;
    char sid[37];
    double mean[DLA_IRT_MAX_DIMS], sd[DLA_IRT_MAX_DIMS];

    memset(&r, 0, sizeof(r));
    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    if (api_body(req, s.locale, &in) != DLA_OK)
        return;
    static const char *const keys_item[] = {"item", "answer", NULL};
    if (api_only_keys(req, s.locale, in, keys_item) != DLA_OK)
        goto cleanup;
    item_id = json_string_value(json_object_get(in, "item"));
    answer = json_string_value(json_object_get(in, "answer"));
    if (item_id == NULL || answer == NULL) {
        api_error(req, 400, "invalid", s.locale, "diag.err.answer_body");
        goto cleanup;
    }
    memset(&ident, 0, sizeof(ident));
    dla_identity_get(a->app->store, s.tenant, s.user_id, &ident);
    if (dla_txn_begin(a->app->store, 1, &t, NULL) != DLA_OK)
        goto fail;
    d = diag_read(a, t, dla_req_param(req, "id"));
    if (!diag_owned(d, &s) ||
        (f = api_fw_find(a, json_string_value(json_object_get(d, "framework")))) ==
            NULL) {
        api_error(req, 404, "not_found", s.locale, "diag.err.not_found");
        goto cleanup;
    }
    ans = json_object_get(d, "answers");
    json_array_foreach(ans, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "item")), item_id) == 0) {
            dla_txn_abort(t);
            t = NULL;
            respond_state(a, req, f, d, 200, 1, s.locale);
            goto cleanup;
        }
    }
    if (diag_finished(d)) {
        api_error(req, 409, "finished", s.locale, "diag.err.finished");
        goto cleanup;
    }
    cur = json_string_value(json_object_get(d, "current"));
    if (cur == NULL || strcmp(cur, item_id) != 0) {
        api_error(req, 409, "not_current", s.locale, "diag.err.not_current");
        goto cleanup;
    }
    bi = dla_diag_bank_find(&f->bank, item_id);
    if (bi < 0) {
        api_error(req, 409, "not_current", s.locale, "diag.err.not_current");
        goto cleanup;
    }
    it = &f->bank.items[bi];
    for (i = 0; i < (size_t)it->n_opt; i++)
        if (strcmp(it->opt[i].id, answer) == 0)
            opt = (int)i;
    if (opt < 0) {
        api_error(req, 400, "invalid", s.locale, "diag.err.option");
        goto cleanup;
    }
    correct = opt == it->key;
    api_stmt_id(json_string_value(json_object_get(d, "id")), it->id, sid);
    json_array_append_new(ans, json_pack("{s:s, s:s, s:b, s:I, s:s}", "item", it->id,
                                         "answer", answer, "correct", correct, "at",
                                         (json_int_t)dla_now(), "sid", sid));
    json_object_set_new(d, "updated", json_integer(dla_now()));
    if (run_build(a, f, d, &r) != DLA_OK)
        goto fail;
    p.stmts = json_array();
    dla_cat_estimate(r.cat, mean, sd, NULL, NULL);
    json_array_append_new(
        p.stmts,
        api_stmt_answer(a, ident.issuer[0] ? ident.issuer : a->app->base_url, s.user_id,
                        d, it, answer, correct, mean[it->area], sd[it->area], sid));
    if (!dla_cat_done(r.cat) &&
        run_next(a, t, f, &r, (uint64_t)json_integer_value(json_object_get(d, "seed")),
                 &next) == DLA_OK) {
        json_object_set_new(d, "current", json_string(f->bank.items[next].id));
        if (exp_inc(a, t, f->bank.items[next].id) != DLA_OK)
            goto fail;
    } else {
        /* finished: score, store the result, leave the active slot */
        char ukey[200];
        size_t ukl = user_key(s.tenant, s.user_id, ukey, sizeof(ukey));
        json_t *res;
        json_object_set_new(d, "current", json_null());
        json_object_set_new(d, "state", json_string("finished"));
        json_object_set_new(d, "finished", json_integer(dla_now()));
        res = api_diag_result_build(a, f, d, NULL);
        if (res == NULL)
            goto fail;
        json_object_set(d, "result", res);
        p.finished = 1;
        p.score =
            json_real_value(json_object_get(json_object_get(res, "overall"), "score"));
        api_stmt_id(json_string_value(json_object_get(d, "id")), "#result", sid);
        json_array_append_new(
            p.stmts, api_stmt_result(a, ident.issuer[0] ? ident.issuer : a->app->base_url,
                                     s.user_id, d, res, sid));
        json_decref(res);
        dla_kv_del(t, a->db_active, ukey, ukl, NULL, 0);
    }
    if (diag_write(a, t, d) != DLA_OK)
        goto fail;
    if (dla_txn_commit(t, NULL) != DLA_OK) {
        t = NULL;
        goto fail;
    }
    t = NULL;
    emit_all(a, &s, &p);
    {
        json_t *o = diag_view(a, f, d, &r);
        if (o == NULL)
            goto fail;
        api_json(req, status, o);
    }
    goto cleanup;
fail:
    api_error(req, 500, "internal", s.locale, "diag.err.internal");
cleanup:
    if (t != NULL)
        dla_txn_abort(t);
    run_free(&r);
    json_decref(p.stmts);
    json_decref(d);
    json_decref(in);
}
