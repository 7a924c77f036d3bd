/* diag_bank.c - the bilingual item bank: strict loading, engine view,
 * calibration overrides and a synthetic bank for tests. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_int.h"
#include "dla_diag.h"

#define BANK_MAX_FILE (4u << 20)
#define BANK_MAX_ITEMS_PER_FILE 1000
#define BANK_MAX_ITEMS 20000
#define BANK_TEXT_MAX 4000

void dla_diag_bank_init(dla_diag_bank_t *b, const dla_framework_t *fw)
{
    memset(b, 0, sizeof(*b));
    b->fw = fw;
}

void dla_diag_bank_free(dla_diag_bank_t *b)
{
    size_t i;

    if (b == NULL)
        return;
    free(b->items);
    free(b->cat);
    json_decref(b->docs);
    for (i = 0; i < b->n_files; i++)
        free(b->files[i]);
    free(b->files);
    memset(b, 0, sizeof(*b));
}

static int bank_reserve(dla_diag_bank_t *b, size_t extra, dla_err_t *err)
{
    size_t need = b->n_items + extra, ncap;
    dla_diag_item_t *n;

    if (need > BANK_MAX_ITEMS)
        return dla_err_set(err, DLA_ETOOBIG, "item bank larger than %d items",
                           BANK_MAX_ITEMS);
    if (need <= b->cap)
        return DLA_OK;
    ncap = b->cap ? b->cap * 2 : 64;
    while (ncap < need)
        ncap *= 2;
    n = realloc(b->items, ncap * sizeof(*n));
    if (n == NULL)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    b->items = n;
    b->cap = ncap;
    return DLA_OK;
}

static int opt_id_ok(const char *s)
{
    size_t n = 0;

    for (; s[n]; n++)
        if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9')) || n >= 8)
            return 0;
    return n > 0;
}

static int bank_item(const dla_diag_bank_t *b, const char *file, json_t *o, size_t idx,
                     int comp, dla_diag_item_t *it, dla_err_t *err)
{
    static const char *const keys[] = {"id",      "level", "type",     "context", "stem",
                                       "options", "key",   "feedback", NULL};
    static const char *const okeys[] = {"id", "lt", "en", NULL};
    char where[96];
    const char *type, *key;
    json_t *opts;
    long level;
    size_t j, k;
    int rc;

    memset(it, 0, sizeof(*it));
    snprintf(where, sizeof(where), "items[%zu]", idx);
    if (!json_is_object(o))
        return dla_err_set(err, DLA_EINVAL, "%s: %s: not an object", file, where);
    if ((rc = dj_str(file, where, o, "id", 1, DLA_DIAG_ID_MAX - 1, &it->id, err)) !=
        DLA_OK)
        return rc;
    if (!dj_ident(it->id, DLA_DIAG_ID_MAX - 1))
        return dla_err_set(err, DLA_EINVAL, "%s: %s: bad id \"%s\" (use [A-Za-z0-9._-])",
                           file, where, it->id);
    snprintf(where, sizeof(where), "item %s", it->id);
    if ((rc = dj_keys(file, where, o, keys, err)) != DLA_OK ||
        (rc = dj_int(file, where, o, "level", 1, 8, &level, err)) != DLA_OK ||
        (rc = dj_str(file, where, o, "type", 1, 32, &type, err)) != DLA_OK ||
        (rc = dj_str(file, where, o, "context", 0, 32, &it->context, err)) != DLA_OK ||
        (rc = dj_ltext(file, where, o, "stem", 1, BANK_TEXT_MAX, it->stem, err)) !=
            DLA_OK ||
        (rc = dj_str(file, where, o, "key", 1, 8, &key, err)) != DLA_OK ||
        (rc = dj_ltext(file, where, o, "feedback", 1, BANK_TEXT_MAX, it->feedback,
                       err)) != DLA_OK)
        return rc;
    if (strcmp(type, "choice") != 0)
        return dla_err_set(err, DLA_EINVAL,
                           "%s: %s: unsupported type \"%.32s\" (only \"choice\")", file,
                           where, type);
    if (it->context != NULL && !dj_ident(it->context, 32))
        return dla_err_set(err, DLA_EINVAL, "%s: %s: bad context tag", file, where);
    opts = json_object_get(o, "options");
    if (!json_is_array(opts) || json_array_size(opts) < 3 ||
        json_array_size(opts) > DLA_DIAG_MAX_OPTIONS)
        return dla_err_set(err, DLA_EINVAL,
                           "%s: %s: \"options\" must be an array of 3..%d options", file,
                           where, DLA_DIAG_MAX_OPTIONS);
    it->key = -1;
    for (j = 0; j < json_array_size(opts); j++) {
        json_t *op = json_array_get(opts, j);
        dla_diag_option_t *d = &it->opt[j];
        char ow[128];

        snprintf(ow, sizeof(ow), "%s options[%zu]", where, j);
        if ((rc = dj_keys(file, ow, op, okeys, err)) != DLA_OK ||
            (rc = dj_str(file, ow, op, "id", 1, 8, &d->id, err)) != DLA_OK ||
            (rc = dj_str(file, ow, op, "lt", 1, BANK_TEXT_MAX, &d->text[DLA_LANG_LT],
                         err)) != DLA_OK ||
            (rc = dj_str(file, ow, op, "en", 1, BANK_TEXT_MAX, &d->text[DLA_LANG_EN],
                         err)) != DLA_OK)
            return rc;
        if (!opt_id_ok(d->id))
            return dla_err_set(err, DLA_EINVAL,
                               "%s: %s: bad option id \"%s\" (use [a-z0-9])", file, ow,
                               d->id);
        for (k = 0; k < j; k++)
            if (strcmp(it->opt[k].id, d->id) == 0)
                return dla_err_set(err, DLA_EINVAL, "%s: %s: duplicate option id \"%s\"",
                                   file, where, d->id);
        if (strcmp(d->id, key) == 0)
            it->key = (int)j;
    }
    it->n_opt = (int)json_array_size(opts);
    if (it->key < 0)
        return dla_err_set(err, DLA_EINVAL, "%s: %s: key \"%s\" is not an option id",
                           file, where, key);
    it->level = (int)level;
    it->comp = comp;
    it->area = b->fw->comps[comp].area;
    it->comp_id = b->fw->comps[comp].id;
    dla_irt_initial(it->id, it->level, it->n_opt, &it->par);
    return DLA_OK;
}

int dla_diag_bank_add_json(dla_diag_bank_t *b, const char *file, json_t *doc,
                           dla_err_t *err)
{
    static const char *const keys[] = {"framework", "competence", "items", NULL};
    const char *fwid, *cid, *base;
    dla_diag_item_t *tmp = NULL;
    json_t *items;
    char **nf = NULL, *fname = NULL;
    size_t i, j, n;
    int comp, rc;

    if ((rc = dj_keys(file, "document", doc, keys, err)) != DLA_OK ||
        (rc = dj_str(file, "document", doc, "framework", 1, 63, &fwid, err)) != DLA_OK ||
        (rc = dj_str(file, "document", doc, "competence", 1, 15, &cid, err)) != DLA_OK)
        return rc;
    if (strcmp(fwid, b->fw->id) != 0 && strcmp(fwid, b->fw->item_bank) != 0)
        return dla_err_set(err, DLA_EINVAL, "%s: framework \"%.63s\" is not \"%s\"", file,
                           fwid, b->fw->item_bank);
    comp = dla_framework_comp(b->fw, cid);
    if (comp < 0)
        return dla_err_set(err, DLA_EINVAL, "%s: unknown competence \"%.15s\"", file,
                           cid);
    base = strrchr(file, '/');
    base = base ? base + 1 : file;
    {
        size_t cl = strlen(cid), bl = strlen(base);
        if (bl > 5 && strcmp(base + bl - 5, ".json") == 0 &&
            (bl != cl + 5 || strncmp(base, cid, cl) != 0))
            return dla_err_set(err, DLA_EINVAL,
                               "%s: holds competence %s; name it %s.json", file, cid,
                               cid);
    }
    items = json_object_get(doc, "items");
    if (!json_is_array(items) || json_array_size(items) < 1 ||
        json_array_size(items) > BANK_MAX_ITEMS_PER_FILE)
        return dla_err_set(err, DLA_EINVAL,
                           "%s: \"items\" must be an array of 1..%d items", file,
                           BANK_MAX_ITEMS_PER_FILE);
    n = json_array_size(items);
    tmp = calloc(n, sizeof(*tmp));
    fname = strdup(file);
    if (tmp == NULL || fname == NULL) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (i = 0; i < n; i++) {
        rc = bank_item(b, file, json_array_get(items, i), i, comp, &tmp[i], err);
        if (rc != DLA_OK)
            goto cleanup;
        tmp[i].file = fname;
        for (j = 0; j < i; j++)
            if (strcmp(tmp[j].id, tmp[i].id) == 0) {
                rc = dla_err_set(err, DLA_EINVAL, "%s: item %s: duplicate id", file,
                                 tmp[i].id);
                goto cleanup;
            }
        if (dla_diag_bank_find(b, tmp[i].id) >= 0) {
            rc = dla_err_set(err, DLA_EINVAL, "%s: item %s: id already used in %s", file,
                             tmp[i].id, b->items[dla_diag_bank_find(b, tmp[i].id)].file);
            goto cleanup;
        }
    }
    if ((rc = bank_reserve(b, n, err)) != DLA_OK)
        goto cleanup;
    if (b->docs == NULL && (b->docs = json_array()) == NULL) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    nf = realloc(b->files, (b->n_files + 1) * sizeof(*nf));
    if (nf == NULL || json_array_append(b->docs, doc) != 0) {
        if (nf != NULL)
            b->files = nf;
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    b->files = nf;
    b->files[b->n_files++] = fname;
    fname = NULL;
    memcpy(b->items + b->n_items, tmp, n * sizeof(*tmp));
    b->n_items += n;
    rc = DLA_OK;
cleanup:
    free(fname);
    free(tmp);
    return rc;
}

static int name_cmp(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int dla_diag_bank_load_dir(dla_diag_bank_t *b, const char *dir, dla_err_t *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL, path[1024];
    size_t n = 0, cap = 0, i;
    int rc = DLA_OK;

    if (d == NULL)
        return dla_err_set(err, DLA_EIO, "%s: cannot open item directory", dir);
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".json") != 0 || de->d_name[0] == '.')
            continue;
        if (n == cap) {
            char **nn = realloc(names, (cap ? cap * 2 : 32) * sizeof(*nn));
            if (nn == NULL) {
                rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
                goto cleanup;
            }
            names = nn;
            cap = cap ? cap * 2 : 32;
        }
        if ((names[n] = strdup(de->d_name)) == NULL) {
            rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
            goto cleanup;
        }
        n++;
    }
    if (n > 0)
        qsort(names, n, sizeof(*names), name_cmp);
    for (i = 0; i < n && rc == DLA_OK; i++) {
        json_t *doc = NULL;
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
            sizeof(path)) {
            rc = dla_err_set(err, DLA_EINVAL, "%s: path too long", names[i]);
            break;
        }
        rc = dj_load_file(path, BANK_MAX_FILE, &doc, err);
        if (rc == DLA_OK)
            rc = dla_diag_bank_add_json(b, path, doc, err);
        json_decref(doc);
    }
cleanup:
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

long dla_diag_bank_find(const dla_diag_bank_t *b, const char *id)
{
    size_t i;

    if (id == NULL)
        return -1;
    for (i = 0; i < b->n_items; i++)
        if (strcmp(b->items[i].id, id) == 0)
            return (long)i;
    return -1;
}

int dla_diag_bank_finish(dla_diag_bank_t *b, dla_err_t *err)
{
    dla_cat_item_t *c;
    size_t i;

    if (b->n_items == 0)
        return dla_err_set(err, DLA_EINVAL, "item bank for %s is empty", b->fw->id);
    c = calloc(b->n_items, sizeof(*c));
    if (c == NULL)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    for (i = 0; i < b->n_items; i++) {
        c[i].par = b->items[i].par;
        c[i].area = b->items[i].area;
        c[i].comp = b->items[i].comp;
        c[i].level = b->items[i].level;
    }
    free(b->cat);
    b->cat = c;
    return DLA_OK;
}

dla_cat_bank_t dla_diag_bank_cat(const dla_diag_bank_t *b)
{
    dla_cat_bank_t cb;

    cb.items = b->cat;
    cb.n_items = b->cat ? b->n_items : 0;
    cb.n_areas = b->fw->n_areas;
    cb.n_comps = b->fw->n_comps;
    return cb;
}

int dla_diag_bank_apply_calibration(dla_diag_bank_t *b, const json_t *cal,
                                    size_t *ignored, dla_err_t *err)
{
    json_t *items = json_object_get(cal, "items"), *v;
    const char *id;
    size_t ign = 0;

    if (!json_is_object(items))
        return dla_err_set(err, DLA_EINVAL, "calibration: \"items\" must be an object");
    json_object_foreach(items, id, v)
    {
        double a = json_number_value(json_object_get(v, "a"));
        double bb = json_number_value(json_object_get(v, "b"));
        double c = json_number_value(json_object_get(v, "c"));
        long i = dla_diag_bank_find(b, id);
        if (!json_is_number(json_object_get(v, "a")) ||
            !json_is_number(json_object_get(v, "b")) || !(a > 0.05 && a < 6.0) ||
            !(bb > -8.0 && bb < 8.0) || !(c >= 0.0 && c < 0.6))
            return dla_err_set(err, DLA_EINVAL, "calibration: item %.64s: bad parameters",
                               id);
        if (i < 0) {
            ign++;
            continue;
        }
        b->items[i].par.a = a;
        b->items[i].par.b = bb;
        b->items[i].par.c = c;
        b->items[i].calibrated = 1;
        if (b->cat != NULL)
            b->cat[i].par = b->items[i].par;
    }
    if (ignored != NULL)
        *ignored = ign;
    return DLA_OK;
}

int dla_diag_bank_synthetic(dla_diag_bank_t *b, int per_comp, dla_err_t *err)
{
    /* levels cycle so that each competence covers 1..8 and every broad level */
    static const int cycle[] = {1, 3, 5, 7, 2, 4, 6, 8, 2, 4, 6, 7, 3, 5, 1, 8};
    json_t *doc = NULL;
    int c, i, rc = DLA_OK;
    char name[64];

    if (per_comp < 1 || per_comp > 200)
        return dla_err_set(err, DLA_EINVAL, "synthetic bank: bad size");
    for (c = 0; c < b->fw->n_comps && rc == DLA_OK; c++) {
        json_t *items = json_array();
        doc = json_pack("{s:s, s:s, s:o}", "framework", b->fw->item_bank, "competence",
                        b->fw->comps[c].id, "items", items);
        if (doc == NULL)
            return dla_err_set(err, DLA_ENOMEM, "out of memory");
        for (i = 0; i < per_comp; i++) {
            char id[64];
            int lv = cycle[i % 16];
            json_t *it;
            snprintf(id, sizeof(id), "syn-%s-%03d", b->fw->comps[c].id, i + 1);
            it = json_pack("{s:s, s:i, s:s, s:{s:s, s:s}, s:[{s:s,s:s,s:s},{s:s,s:s,s:s},"
                           "{s:s,s:s,s:s},{s:s,s:s,s:s}], s:s, s:{s:s, s:s}}",
                           "id", id, "level", lv, "type", "choice", "stem", "lt",
                           "Sintetinis klausimas", "en", "Synthetic question", "options",
                           "id", "a", "lt", "A", "en", "A", "id", "b", "lt", "B", "en",
                           "B", "id", "c", "lt", "C", "en", "C", "id", "d", "lt", "D",
                           "en", "D", "key", "b", "feedback", "lt", "Atsiliepimas", "en",
                           "Feedback");
            if (it == NULL || json_array_append_new(items, it) != 0) {
                json_decref(doc);
                return dla_err_set(err, DLA_ENOMEM, "out of memory");
            }
        }
        snprintf(name, sizeof(name), "%s.json", b->fw->comps[c].id);
        rc = dla_diag_bank_add_json(b, name, doc, err);
        json_decref(doc);
    }
    if (rc == DLA_OK)
        rc = dla_diag_bank_finish(b, err);
    return rc;
}
