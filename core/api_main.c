/* api_main.c - the app API: module life cycle, loading of frameworks, item
 * banks and role profiles, session authentication, and the /me, /profile,
 * /frameworks and /roles resources. The diagnostic lives in api_diag.c. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "diag_int.h"
#include "dla_i18n.h"
#include "dla_log.h"

/* ---- helpers -------------------------------------------------------------------- */

void api_error(dla_req_t *req, int status, const char *code, const char *lang,
               const char *key)
{
    dla_resp_error(req, status, code, "%s", dla_t(lang, key));
}

void api_json(dla_req_t *req, int status, json_t *body)
{
    char *txt = body ? json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;

    json_decref(body);
    if (txt == NULL) {
        dla_resp_error(req, 500, "internal", "out of memory");
        return;
    }
    dla_resp_body_take(req, status, "application/json; charset=utf-8", txt, strlen(txt));
}

int api_body(dla_req_t *req, const char *lang, json_t **out)
{
    size_t len;
    const char *body = dla_req_body(req, &len);
    json_error_t je;
    json_t *j;

    if (len == 0) {
        *out = json_object();
        return *out ? DLA_OK : DLA_ENOMEM;
    }
    j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL || !json_is_object(j)) {
        json_decref(j);
        dla_resp_error(req, 400, "invalid", "%s", dla_t(lang, "diag.err.body"));
        return DLA_EINVAL;
    }
    *out = j;
    return DLA_OK;
}

int api_only_keys(dla_req_t *req, const char *lang, json_t *in, const char *const *keys)
{
    const char *key;
    json_t *v;

    json_object_foreach(in, key, v)
    {
        const char *const *k;
        int ok = 0;
        (void)v;
        for (k = keys; *k; k++)
            ok |= strcmp(*k, key) == 0;
        if (!ok) {
            dla_resp_error(req, 400, "invalid", "%s \"%.40s\"",
                           dla_t(lang, "diag.err.unknown_key"), key);
            return DLA_EINVAL;
        }
    }
    return DLA_OK;
}

api_fw_t *api_fw_find(api_t *a, const char *id)
{
    int i;

    for (i = 0; i < a->n_fws; i++)
        if (strcmp(a->fws[i].fw->id, id) == 0)
            return &a->fws[i];
    return NULL;
}

json_t *api_role_find(api_t *a, const char *id)
{
    size_t i;
    json_t *r;

    json_array_foreach(a->roles, i,
                       r) if (strcmp(json_string_value(json_object_get(r, "id")), id) ==
                              0) return r;
    return NULL;
}

static int list_json(const char *dir, char ***names, size_t *n, dla_err_t *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t cap = 0;

    *names = NULL;
    *n = 0;
    if (d == NULL)
        return DLA_ENOTFOUND;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
            continue;
        if (*n == cap) {
            char **nn = realloc(*names, (cap ? cap * 2 : 16) * sizeof(char *));
            if (nn == NULL)
                goto nomem;
            *names = nn;
            cap = cap ? cap * 2 : 16;
        }
        if (((*names)[*n] = malloc(strlen(dir) + l + 2)) == NULL)
            goto nomem;
        sprintf((*names)[*n], "%s/%s", dir, de->d_name);
        (*n)++;
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++)
        for (size_t j = i; j > 0 && strcmp((*names)[j], (*names)[j - 1]) < 0; j--) {
            char *t = (*names)[j];
            (*names)[j] = (*names)[j - 1];
            (*names)[j - 1] = t;
        }
    return DLA_OK;
nomem:
    closedir(d);
    return dla_err_set(err, DLA_ENOMEM, "out of memory");
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- loading ---------------------------------------------------------------------- */

int api_role_check(api_t *a, const char *file, const json_t *doc, dla_err_t *err)
{
    static const char *const keys[] = {"id",          "framework", "title",
                                       "description", "targets",   NULL};
    const char *id, *fwid, *txt[DLA_LANGS];
    json_t *targets, *v;
    api_fw_t *f;
    const char *k;
    int rc;

    if ((rc = dj_keys(file, "role", doc, keys, err)) != DLA_OK ||
        (rc = dj_str(file, "role", doc, "id", 1, 63, &id, err)) != DLA_OK ||
        (rc = dj_str(file, "role", doc, "framework", 1, 63, &fwid, err)) != DLA_OK ||
        (rc = dj_ltext(file, "role", doc, "title", 1, 200, txt, err)) != DLA_OK ||
        (rc = dj_ltext(file, "role", doc, "description", 1, 2000, txt, err)) != DLA_OK)
        return rc;
    if (!dj_ident(id, 63))
        return dla_err_set(err, DLA_EINVAL, "%s: role: bad id \"%s\"", file, id);
    if ((f = api_fw_find(a, fwid)) == NULL)
        return dla_err_set(err, DLA_EINVAL, "%s: role %s: unknown framework \"%s\"", file,
                           id, fwid);
    targets = json_object_get(doc, "targets");
    if (!json_is_object(targets) || (int)json_object_size(targets) != f->fw->n_comps)
        return dla_err_set(
            err, DLA_EINVAL,
            "%s: role %s: \"targets\" must give a level for each of the %d competences",
            file, id, f->fw->n_comps);
    json_object_foreach((json_t *)targets, k, v)
    {
        if (dla_framework_comp(f->fw, k) < 0 || !json_is_integer(v) ||
            json_integer_value(v) < 1 || json_integer_value(v) > 8)
            return dla_err_set(err, DLA_EINVAL,
                               "%s: role %s: target \"%.15s\" must be a known competence "
                               "with a level 1..8",
                               file, id, k);
    }
    return DLA_OK;
}

static int api_load_role(api_t *a, const char *path, dla_err_t *err)
{
    const char *file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    json_t *doc = NULL;
    int rc;

    if ((rc = dj_load_file(path, 1u << 20, &doc, err)) != DLA_OK)
        return rc;
    if ((rc = api_role_check(a, file, doc, err)) != DLA_OK)
        goto cleanup;
    if (api_role_find(a, json_string_value(json_object_get(doc, "id"))) != NULL) {
        rc = dla_err_set(err, DLA_EINVAL, "%s: role: duplicate id", file);
        goto cleanup;
    }
    if (json_array_append(a->roles, doc) != 0)
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
cleanup:
    json_decref(doc);
    return rc;
}

/* ---- tenant role profiles (store "diag_roles", key tenant NUL id) ---------------- */

json_t *api_role_get(api_t *a, dla_txn_t *t, const char *tenant, const char *id)
{
    char key[160];
    size_t kl = (size_t)snprintf(key, sizeof(key), "%s%c%s", tenant, 0, id);
    dla_val_t v;
    json_t *r;

    if (t != NULL && kl < sizeof(key) &&
        dla_kv_get(t, a->db_roles, key, kl, &v) == DLA_OK) {
        json_error_t je;
        if ((r = json_loadb(v.data, v.len, 0, &je)) != NULL)
            return r;
    }
    r = api_role_find(a, id);
    return r ? json_deep_copy(r) : NULL;
}

json_t *api_roles_list(api_t *a, dla_txn_t *t, const char *tenant)
{
    json_t *arr = json_deep_copy(a->roles);
    dla_cursor_t *c = NULL;
    char key[80];
    size_t kl = (size_t)snprintf(key, sizeof(key), "%s", tenant) + 1;
    dla_val_t k, v;
    int op;

    if (arr == NULL || t == NULL || dla_cursor_open(t, a->db_roles, &c, NULL) != DLA_OK)
        return arr;
    k.data = key;
    k.len = kl;
    for (op = DLA_SEEK_GE; dla_cursor_get(c, op, &k, &v) == DLA_OK; op = DLA_SEEK_NEXT) {
        json_error_t je;
        json_t *r, *e;
        size_t i;
        if (k.len <= kl || memcmp(k.data, key, kl) != 0)
            break;
        if ((r = json_loadb(v.data, v.len, 0, &je)) == NULL)
            continue;
        /* a tenant profile replaces a shipped one with the same id */
        json_array_foreach(arr, i, e)
        {
            if (json_equal(json_object_get(e, "id"), json_object_get(r, "id"))) {
                json_array_remove(arr, i);
                break;
            }
        }
        json_array_append_new(arr, r);
    }
    dla_cursor_close(c);
    return arr;
}

static int api_load_bank(api_t *a, api_fw_t *f, dla_err_t *err)
{
    char dir[1024], rel[256];
    dla_txn_t *t = NULL;
    dla_cursor_t *c = NULL;
    dla_val_t k, v;
    size_t bl = strlen(f->fw->item_bank);
    int rc = DLA_OK, op;

    dla_diag_bank_init(&f->bank, f->fw);
    snprintf(rel, sizeof(rel), "config/items/%s", f->fw->item_bank);
    dla_app_path(a->app, rel, dir, sizeof(dir));
    {
        DIR *d = opendir(dir);
        if (d != NULL) {
            closedir(d);
            if ((rc = dla_diag_bank_load_dir(&f->bank, dir, err)) != DLA_OK)
                return rc;
        }
    }
    /* items imported with `dla items import`: key "<bank>\0<id>" */
    if ((rc = dla_txn_begin(a->app->store, 0, &t, err)) != DLA_OK)
        return rc;
    if ((rc = dla_cursor_open(t, a->db_items, &c, err)) != DLA_OK)
        goto cleanup;
    k.data = f->fw->item_bank;
    k.len = bl + 1;
    for (op = DLA_SEEK_GE; dla_cursor_get(c, op, &k, &v) == DLA_OK; op = DLA_SEEK_NEXT) {
        json_t *doc;
        json_error_t je;
        if (k.len <= bl + 1 || memcmp(k.data, f->fw->item_bank, bl + 1) != 0)
            break;
        doc = json_loadb(v.data, v.len, JSON_REJECT_DUPLICATES, &je);
        if (doc == NULL) {
            rc = dla_err_set(err, DLA_EIO, "stored item is not JSON");
            goto cleanup;
        }
        rc = dla_diag_bank_add_json(&f->bank, "store:imported", doc, err);
        json_decref(doc);
        if (rc != DLA_OK)
            goto cleanup;
    }
    dla_cursor_close(c);
    c = NULL;
    if (dla_kv_get(t, a->db_cal, f->fw->item_bank, bl, &v) == DLA_OK) {
        json_error_t je;
        json_t *cal = json_loadb(v.data, v.len, 0, &je);
        if (cal != NULL) {
            if (f->bank.n_items > 0)
                rc = dla_diag_bank_apply_calibration(&f->bank, cal, NULL, err);
            json_decref(cal);
            if (rc != DLA_OK)
                goto cleanup;
        }
    }
    if (f->bank.n_items > 0)
        rc = dla_diag_bank_finish(&f->bank, err);
cleanup:
    dla_cursor_close(c);
    dla_txn_abort(t);
    return rc;
}

int api_open_dbs(api_t *a, dla_err_t *err)
{
    dla_store_t *s = a->app->store;
    int rc;

    if ((rc = dla_store_db(s, "diag_profile", DLA_DB_CREATE, &a->db_profile, err)) !=
            DLA_OK ||
        (rc = dla_store_db(s, "diag_run", DLA_DB_CREATE, &a->db_diag, err)) != DLA_OK ||
        (rc = dla_store_db(s, "diag_active", DLA_DB_CREATE, &a->db_active, err)) !=
            DLA_OK ||
        (rc = dla_store_db(s, "diag_by_user", DLA_DB_CREATE, &a->db_user, err)) !=
            DLA_OK ||
        (rc = dla_store_db(s, "diag_exposure", DLA_DB_CREATE, &a->db_exposure, err)) !=
            DLA_OK ||
        (rc = dla_store_db(s, "diag_calibration", DLA_DB_CREATE, &a->db_cal, err)) !=
            DLA_OK ||
        (rc = dla_store_db(s, "diag_items", DLA_DB_CREATE, &a->db_items, err)) !=
            DLA_OK ||
        (rc = dla_store_db(s, "diag_roles", DLA_DB_CREATE, &a->db_roles, err)) != DLA_OK)
        return rc;
    return DLA_OK;
}

int api_load(api_t *a, dla_err_t *err)
{
    char dir[1024], **names = NULL;
    size_t n = 0, i;
    const char *def = "digcomp-2.1";
    json_t *sec = dla_config_section(a->app->cfg, "api");
    int rc;

    dla_cat_opts_default(&a->cat);
    if (sec != NULL) {
        static const dla_cfg_field_t fields[] = {
            {"default_framework", DLA_CFG_STRING, 0}, {"max_items", DLA_CFG_INT, 0},
            {"se_stop", DLA_CFG_NUMBER, 0},           {"rho", DLA_CFG_NUMBER, 0},
            {"max_exposure", DLA_CFG_NUMBER, 0},      {NULL, 0, 0}};
        json_t *v;
        if ((rc = dla_config_check(a->app->cfg, "api", sec, fields, err)) != DLA_OK)
            return rc;
        if ((v = json_object_get(sec, "default_framework")) != NULL)
            def = json_string_value(v);
        if ((v = json_object_get(sec, "max_items")) != NULL)
            a->cat.max_items = (int)json_integer_value(v);
        if ((v = json_object_get(sec, "se_stop")) != NULL)
            a->cat.se_stop = json_number_value(v);
        if ((v = json_object_get(sec, "rho")) != NULL)
            a->cat.rho = json_number_value(v);
        if ((v = json_object_get(sec, "max_exposure")) != NULL)
            a->cat.max_exposure = json_number_value(v);
        if (a->cat.max_items < 21 || a->cat.max_items > 200 || !(a->cat.se_stop > 0.05) ||
            !(a->cat.rho >= 0.0 && a->cat.rho < 0.95) || !(a->cat.max_exposure >= 0.0))
            return dla_config_error(
                a->app->cfg, "api", err, DLA_ECONFIG,
                "api: max_items 21..200, se_stop > 0.05, rho 0..0.95");
    }
    if ((a->roles = json_array()) == NULL)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    dla_app_path(a->app, "config/frameworks", dir, sizeof(dir));
    rc = list_json(dir, &names, &n, err);
    if (rc == DLA_ENOTFOUND)
        return dla_err_set(err, DLA_ECONFIG, "%s: no frameworks directory", dir);
    if (rc != DLA_OK)
        return rc;
    for (i = 0; i < n && rc == DLA_OK; i++) {
        if (a->n_fws >= API_MAX_FW) {
            rc = dla_err_set(err, DLA_ECONFIG, "more than %d frameworks", API_MAX_FW);
            break;
        }
        rc = dla_framework_load(names[i], &a->fws[a->n_fws].fw, err);
        if (rc == DLA_OK) {
            if (api_fw_find(a, a->fws[a->n_fws].fw->id) != NULL) {
                rc =
                    dla_err_set(err, DLA_ECONFIG, "%s: duplicate framework id", names[i]);
                dla_framework_free(a->fws[a->n_fws].fw);
                break;
            }
            a->n_fws++;
            rc = api_load_bank(a, &a->fws[a->n_fws - 1], err);
        }
    }
    free_names(names, n);
    if (rc != DLA_OK)
        return rc;
    a->def_fw = -1;
    for (i = 0; i < (size_t)a->n_fws; i++)
        if (strcmp(a->fws[i].fw->id, def) == 0)
            a->def_fw = (int)i;
    if (a->def_fw < 0)
        return dla_err_set(err, DLA_ECONFIG, "default framework \"%s\" not found", def);
    dla_app_path(a->app, "config/roles", dir, sizeof(dir));
    rc = list_json(dir, &names, &n, err);
    if (rc == DLA_ENOTFOUND)
        return DLA_OK;
    for (i = 0; i < n && rc == DLA_OK; i++)
        rc = api_load_role(a, names[i], err);
    free_names(names, n);
    return rc;
}

void api_unload(api_t *a)
{
    int i;

    for (i = 0; i < a->n_fws; i++) {
        dla_diag_bank_free(&a->fws[i].bank);
        dla_framework_free(a->fws[i].fw);
    }
    a->n_fws = 0;
    json_decref(a->roles);
    a->roles = NULL;
}

/* ---- session ------------------------------------------------------------------------
 */

int dla_api_session(dla_req_t *req, dla_app_t *app, dla_session_t *out)
{
    const char *h = dla_req_header(req, "Authorization");
    const char *lang = "lt";
    const char *al = dla_req_header(req, "Accept-Language");

    if (al != NULL && strncmp(al, "en", 2) == 0)
        lang = "en";
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || strlen(h + 7) == 0 ||
        strlen(h + 7) > 128 || dla_session_get(app->store, h + 7, out) != DLA_OK) {
        dla_resp_header(req, "WWW-Authenticate", "Bearer");
        api_error(req, 401, "unauthorized", lang, "diag.err.unauthorized");
        return DLA_EAUTH;
    }
    return DLA_OK;
}

/* ---- /me ------------------------------------------------------------------------------
 */

static void route_me(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;
    dla_identity_t id;
    dla_tenant_t tn;
    char roles[64], active[40], last[40];
    json_t *rl, *prof = NULL, *o;
    dla_txn_t *t = NULL;
    char *tok, *save = NULL;

    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    memset(&id, 0, sizeof(id));
    memset(&tn, 0, sizeof(tn));
    dla_identity_get(a->app->store, s.tenant, s.user_id, &id);
    dla_tenant_get(a->app->store, s.tenant, &tn);
    dla_role_format(s.roles, roles, sizeof(roles));
    rl = json_array();
    for (tok = strtok_r(roles, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
        json_array_append_new(rl, json_string(tok));
    if (dla_txn_begin(a->app->store, 0, &t, NULL) == DLA_OK) {
        prof = api_profile_read(a, t, s.tenant, s.user_id);
        dla_txn_abort(t);
    }
    api_diag_summary(a, s.tenant, s.user_id, active, last);
    o = json_pack("{s:{s:s, s:s}, s:{s:s, s:s}, s:o, s:s, s:{s:b}, s:{s:o, s:o}}", "user",
                  "id", s.user_id, "name", id.name, "tenant", "id", s.tenant, "name",
                  tn.name[0] ? tn.name : s.tenant, "roles", rl, "locale",
                  dla_i18n_lang(s.locale), "profile", "complete",
                  prof != NULL && json_object_get(prof, "updated") != NULL, "diagnostic",
                  "active", active[0] ? json_string(active) : json_null(),
                  "last_finished", last[0] ? json_string(last) : json_null());
    json_decref(prof);
    if (o == NULL) {
        api_error(req, 500, "internal", s.locale, "diag.err.internal");
        return;
    }
    api_json(req, 200, o);
}

/* ---- /profile -----------------------------------------------------------------------
 */

static void profile_key(const char *tenant, const char *user, char *buf, size_t cap,
                        size_t *len)
{
    *len = (size_t)snprintf(buf, cap, "%s%c%s", tenant, 0, user);
}

json_t *api_profile_read(api_t *a, dla_txn_t *t, const char *tenant, const char *user)
{
    char key[160];
    size_t kl;
    dla_val_t v;
    json_error_t je;

    profile_key(tenant, user, key, sizeof(key), &kl);
    if (dla_kv_get(t, a->db_profile, key, kl, &v) != DLA_OK)
        return NULL;
    return json_loadb(v.data, v.len, 0, &je);
}

static json_t *profile_view(api_t *a, const char *tenant, json_t *p)
{
    json_t *o = p ? json_deep_copy(p)
                  : json_pack("{s:n, s:n, s:[], s:n}", "role_id", "role_text",
                              "objectives", "updated");
    const char *rid = json_string_value(json_object_get(o, "role_id"));
    dla_txn_t *t = NULL;
    json_t *r = NULL;

    if (o == NULL)
        return NULL;
    if (rid != NULL && dla_txn_begin(a->app->store, 0, &t, NULL) == DLA_OK) {
        r = api_role_get(a, t, tenant, rid);
        dla_txn_abort(t);
    }
    json_object_set_new(o, "role",
                        r ? json_pack("{s:O, s:O}", "id", json_object_get(r, "id"),
                                      "title", json_object_get(r, "title"))
                          : json_null());
    json_decref(r);
    json_object_set_new(o, "framework", json_string(a->fws[a->def_fw].fw->id));
    return o;
}

static void route_profile_get(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;
    dla_txn_t *t = NULL;
    json_t *p = NULL, *o;

    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    if (dla_txn_begin(a->app->store, 0, &t, NULL) != DLA_OK) {
        api_error(req, 500, "internal", s.locale, "diag.err.internal");
        return;
    }
    p = api_profile_read(a, t, s.tenant, s.user_id);
    dla_txn_abort(t);
    o = profile_view(a, s.tenant, p);
    json_decref(p);
    if (o == NULL) {
        api_error(req, 500, "internal", s.locale, "diag.err.internal");
        return;
    }
    api_json(req, 200, o);
}

/* 1 if the JSON string has no NUL and no control characters (newlines allowed
 * when `multiline`). */
static int plain_text(const json_t *s, int multiline)
{
    const unsigned char *p = (const unsigned char *)json_string_value(s);
    size_t i, n = json_string_length(s);

    for (i = 0; i < n; i++)
        if (p[i] < 0x20 ? !(multiline && p[i] == '\n') : p[i] == 0x7f)
            return 0;
    return 1;
}

static int role_exists(api_t *a, const char *tenant, const json_t *rid)
{
    dla_txn_t *t = NULL;
    json_t *r = NULL;

    if (!json_is_string(rid) || dla_txn_begin(a->app->store, 0, &t, NULL) != DLA_OK)
        return 0;
    r = api_role_get(a, t, tenant, json_string_value(rid));
    dla_txn_abort(t);
    json_decref(r);
    return r != NULL;
}

/* Validates a PUT body into a stored profile; on error answers 400. */
static json_t *profile_validate(api_t *a, dla_req_t *req, const char *tenant,
                                const char *lang, json_t *in)
{
    static const char *const keys[] = {"role_id", "role_text", "objectives", NULL};
    const dla_framework_t *fw = a->fws[a->def_fw].fw;
    json_t *rid = json_object_get(in, "role_id"), *rtx = json_object_get(in, "role_text");
    json_t *obj = json_object_get(in, "objectives"), *out_obj, *e;
    unsigned char seen[DLA_FW_MAX_COMPS];
    size_t i;

    if (api_only_keys(req, lang, in, keys) != DLA_OK)
        return NULL;
    if (rid != NULL && !json_is_null(rid) && !role_exists(a, tenant, rid)) {
        dla_resp_error(req, 400, "invalid", "role_id: %s",
                       dla_t(lang, "diag.err.unknown_role"));
        return NULL;
    }
    if (rtx != NULL && !json_is_null(rtx) &&
        (!json_is_string(rtx) || json_string_length(rtx) < 1 ||
         json_string_length(rtx) > 200 || !plain_text(rtx, 0))) {
        dla_resp_error(req, 400, "invalid", "role_text: %s",
                       dla_t(lang, "diag.err.role_text"));
        return NULL;
    }
    if (rid != NULL && !json_is_null(rid) && rtx != NULL && !json_is_null(rtx)) {
        dla_resp_error(req, 400, "invalid", "%s", dla_t(lang, "diag.err.role_both"));
        return NULL;
    }
    if (obj != NULL && !json_is_null(obj) &&
        (!json_is_array(obj) || json_array_size(obj) > (size_t)fw->n_comps)) {
        dla_resp_error(req, 400, "invalid", "objectives: %s",
                       dla_t(lang, "diag.err.objectives"));
        return NULL;
    }
    memset(seen, 0, sizeof(seen));
    out_obj = json_array();
    if (out_obj == NULL)
        return NULL;
    json_array_foreach(obj, i, e)
    {
        json_t *c = json_object_get(e, "competence"), *r = json_object_get(e, "reason");
        int ci = json_is_string(c) ? dla_framework_comp(fw, json_string_value(c)) : -1;
        if (!json_is_object(e) || json_object_size(e) > 2 - (r == NULL) || ci < 0 ||
            seen[ci]) {
            dla_resp_error(req, 400, "invalid", "objectives[%zu].competence: %s", i,
                           dla_t(lang, "diag.err.competence"));
            json_decref(out_obj);
            return NULL;
        }
        if (r != NULL &&
            (!json_is_string(r) || json_string_length(r) > 500 || !plain_text(r, 1))) {
            dla_resp_error(req, 400, "invalid", "objectives[%zu].reason: %s", i,
                           dla_t(lang, "diag.err.reason"));
            json_decref(out_obj);
            return NULL;
        }
        seen[ci] = 1;
        json_array_append_new(out_obj,
                              json_pack("{s:s, s:s}", "competence", fw->comps[ci].id,
                                        "reason", r ? json_string_value(r) : ""));
    }
    return json_pack("{s:O, s:O, s:o, s:I}", "role_id",
                     rid && json_is_string(rid) ? rid : json_null(), "role_text",
                     rtx && json_is_string(rtx) ? rtx : json_null(), "objectives",
                     out_obj, "updated", (json_int_t)dla_now());
}

static void route_profile_put(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;
    dla_txn_t *t = NULL;
    json_t *in = NULL, *p = NULL, *o;
    char key[160], *txt = NULL;
    size_t kl;

    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    if (api_body(req, s.locale, &in) != DLA_OK)
        return;
    p = profile_validate(a, req, s.tenant, s.locale, in);
    if (p == NULL) {
        if (!dla_resp_done(req))
            api_error(req, 500, "internal", s.locale, "diag.err.internal");
        goto cleanup;
    }
    txt = json_dumps(p, JSON_COMPACT);
    profile_key(s.tenant, s.user_id, key, sizeof(key), &kl);
    if (txt == NULL || dla_txn_begin(a->app->store, 1, &t, NULL) != DLA_OK ||
        dla_kv_put(t, a->db_profile, key, kl, txt, strlen(txt), 0, NULL) != DLA_OK ||
        dla_txn_commit(t, NULL) != DLA_OK) {
        if (t != NULL)
            dla_txn_abort(t);
        api_error(req, 500, "internal", s.locale, "diag.err.internal");
        goto cleanup;
    }
    o = profile_view(a, s.tenant, p);
    if (o == NULL)
        api_error(req, 500, "internal", s.locale, "diag.err.internal");
    else
        api_json(req, 200, o);
cleanup:
    free(txt);
    json_decref(in);
    json_decref(p);
}

/* ---- /frameworks, /roles -------------------------------------------------------------
 */

static void route_frameworks(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;
    json_t *arr;
    int i;

    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    arr = json_array();
    for (i = 0; i < a->n_fws; i++)
        json_array_append_new(
            arr, json_pack("{s:s, s:{s:s, s:s}, s:b, s:i}", "id", a->fws[i].fw->id,
                           "title", "lt", a->fws[i].fw->title[DLA_LANG_LT], "en",
                           a->fws[i].fw->title[DLA_LANG_EN], "default", i == a->def_fw,
                           "items", (int)a->fws[i].bank.n_items));
    api_json(req, 200, json_pack("{s:o}", "frameworks", arr));
}

static void route_framework(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;
    const char *id = dla_req_param(req, "id");
    api_fw_t *f;

    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    f = id ? api_fw_find(a, id) : NULL;
    if (f == NULL) {
        api_error(req, 404, "not_found", s.locale, "diag.err.no_framework");
        return;
    }
    api_json(req, 200, dla_framework_to_api(f->fw));
}

static void route_roles(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;

    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    dla_txn_t *t = NULL;
    json_t *arr;

    /* copies: shared documents are never serialised concurrently */
    if (dla_txn_begin(a->app->store, 0, &t, NULL) != DLA_OK) {
        api_error(req, 500, "internal", s.locale, "diag.err.internal");
        return;
    }
    arr = api_roles_list(a, t, s.tenant);
    dla_txn_abort(t);
    api_json(req, 200, json_pack("{s:o}", "roles", arr));
}

/* DELETE /api/v1/session: signs out. The session of the Bearer token ends at
 * once (shared computers in offices); 204, or 401 when it had already ended. */
static void route_session_delete(dla_req_t *req, void *ud)
{
    api_t *a = ud;
    dla_session_t s;

    if (dla_api_session(req, a->app, &s) != DLA_OK)
        return;
    /* dla_api_session accepted "Bearer <token>" */
    const char *tok = dla_req_header(req, "Authorization") + 7;
    int rc = dla_session_close(a->app->store, tok);
    if (rc != DLA_OK && rc != DLA_ENOTFOUND) {
        api_error(req, 500, "internal", s.locale, "diag.err.internal");
        return;
    }
    dla_resp_empty(req, 204);
}

/* ---- module
 * ---------------------------------------------------------------------------- */

int dla_api_init(dla_app_t *app, dla_err_t *err)
{
    static const struct {
        const char *method, *path;
        dla_handler_fn fn;
    } routes[] = {
        {"GET", "/api/v1/me", route_me},
        {"DELETE", "/api/v1/session", route_session_delete},
        {"GET", "/api/v1/profile", route_profile_get},
        {"PUT", "/api/v1/profile", route_profile_put},
        {"GET", "/api/v1/frameworks", route_frameworks},
        {"GET", "/api/v1/frameworks/{id}", route_framework},
        {"GET", "/api/v1/roles", route_roles},
        {"GET", "/api/v1/diagnostics", api_route_diag_list},
        {"POST", "/api/v1/diagnostics", api_route_diag_start},
        {"GET", "/api/v1/diagnostics/{id}", api_route_diag_get},
        {"POST", "/api/v1/diagnostics/{id}/answers", api_route_diag_answer},
        {"GET", "/api/v1/diagnostics/{id}/result", api_route_diag_result},
    };
    api_t *a;
    size_t i;
    int rc;

    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    a->app = app;
    if ((rc = api_open_dbs(a, err)) != DLA_OK || (rc = api_load(a, err)) != DLA_OK)
        goto fail;
    for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        rc = dla_router_add(app->router, routes[i].method, routes[i].path, routes[i].fn,
                            a, API_MAX_BODY, err);
        if (rc != DLA_OK)
            goto fail;
    }
    app->api = a;
    return DLA_OK;
fail:
    api_unload(a);
    free(a);
    return rc;
}

void dla_api_fini(dla_app_t *app)
{
    api_t *a = app ? app->api : NULL;

    if (a == NULL)
        return;
    api_unload(a);
    free(a);
    app->api = NULL;
}

const dla_cli_cmd_t *dla_api_cli_commands(void)
{
    return api_cli_table();
}
