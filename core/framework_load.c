/* framework_load.c - strict loading of competence frameworks and their API view. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_int.h"
#include "dla_framework.h"

#define FW_MAX_FILE (4u << 20)
#define FW_TITLE_MAX 400
#define FW_TEXT_MAX 4000

int dla_lang_index(const char *lang)
{
    if (lang == NULL)
        return -1;
    if (strcmp(lang, "lt") == 0)
        return DLA_LANG_LT;
    if (strcmp(lang, "en") == 0)
        return DLA_LANG_EN;
    return -1;
}

const char *dla_lang_code(int lang)
{
    return lang == DLA_LANG_EN ? "en" : "lt";
}

static int fw_levels(const char *file, dla_framework_t *fw, json_t *arr, dla_err_t *err)
{
    static const char *const keys[] = {"level",      "broad",    "broad_title", "summary",
                                       "complexity", "autonomy", "cognitive",   NULL};
    size_t i;
    int rc;

    if (!json_is_array(arr) || json_array_size(arr) != DLA_FW_LEVELS)
        return dla_err_set(err, DLA_EINVAL,
                           "%s: \"levels\" must be an array of %d levels", file,
                           DLA_FW_LEVELS);
    for (i = 0; i < DLA_FW_LEVELS; i++) {
        json_t *o = json_array_get(arr, i);
        dla_fw_level_t *lv = &fw->levels[i];
        char where[48];
        long n, b;
        const char *dummy[DLA_LANGS];

        snprintf(where, sizeof(where), "levels[%zu]", i);
        if ((rc = dj_keys(file, where, o, keys, err)) != DLA_OK ||
            (rc = dj_int(file, where, o, "level", 1, 8, &n, err)) != DLA_OK ||
            (rc = dj_int(file, where, o, "broad", 1, 4, &b, err)) != DLA_OK)
            return rc;
        if (n != (long)i + 1)
            return dla_err_set(err, DLA_EINVAL,
                               "%s: %s: levels must be listed 1..8 in order", file,
                               where);
        if (b != (n + 1) / 2)
            return dla_err_set(err, DLA_EINVAL,
                               "%s: %s: broad level %ld does not hold level %ld", file,
                               where, b, n);
        lv->level = (int)n;
        lv->broad = (int)b;
        if ((rc = dj_ltext(file, where, o, "broad_title", 1, FW_TITLE_MAX, lv->title,
                           err)) != DLA_OK ||
            (rc = dj_ltext(file, where, o, "summary", 1, FW_TEXT_MAX, dummy, err)) !=
                DLA_OK ||
            (rc = dj_ltext(file, where, o, "complexity", 0, FW_TEXT_MAX, lv->complexity,
                           err)) != DLA_OK ||
            (rc = dj_ltext(file, where, o, "autonomy", 0, FW_TEXT_MAX, lv->autonomy,
                           err)) != DLA_OK ||
            (rc = dj_ltext(file, where, o, "cognitive", 0, FW_TEXT_MAX, lv->cognitive,
                           err)) != DLA_OK)
            return rc;
    }
    return DLA_OK;
}

static int fw_areas(const char *file, dla_framework_t *fw, json_t *arr, dla_err_t *err)
{
    static const char *const akeys[] = {"id", "title", "descriptor", "competences", NULL};
    static const char *const ckeys[] = {"id", "title", "descriptor", "esco", NULL};
    size_t i, j;
    int rc, k;

    if (!json_is_array(arr) || json_array_size(arr) < 1 ||
        json_array_size(arr) > DLA_FW_MAX_AREAS)
        return dla_err_set(err, DLA_EINVAL,
                           "%s: \"areas\" must be an array of 1..%d areas", file,
                           DLA_FW_MAX_AREAS);
    for (i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i), *comps;
        dla_fw_area_t *a = &fw->areas[fw->n_areas];
        char where[64];
        const char *id;

        snprintf(where, sizeof(where), "areas[%zu]", i);
        if ((rc = dj_keys(file, where, o, akeys, err)) != DLA_OK ||
            (rc = dj_str(file, where, o, "id", 1, 15, &id, err)) != DLA_OK)
            return rc;
        if (!dj_ident(id, 15))
            return dla_err_set(err, DLA_EINVAL, "%s: %s: bad id \"%s\"", file, where, id);
        snprintf(where, sizeof(where), "area %s", id);
        if (dla_framework_area(fw, id) >= 0)
            return dla_err_set(err, DLA_EINVAL, "%s: %s: duplicate area id", file, where);
        a->id = id;
        if ((rc = dj_ltext(file, where, o, "title", 1, FW_TITLE_MAX, a->title, err)) !=
                DLA_OK ||
            (rc = dj_ltext(file, where, o, "descriptor", 0, FW_TEXT_MAX, a->descriptor,
                           err)) != DLA_OK)
            return rc;
        comps = json_object_get(o, "competences");
        if (!json_is_array(comps) || json_array_size(comps) < 1)
            return dla_err_set(err, DLA_EINVAL,
                               "%s: %s: \"competences\" must be a non-empty array", file,
                               where);
        a->first_comp = fw->n_comps;
        a->n_comps = 0;
        fw->n_areas++;
        for (j = 0; j < json_array_size(comps); j++) {
            json_t *co = json_array_get(comps, j);
            dla_fw_comp_t *c;
            char cw[128];
            const char *cid, *esco;

            if (fw->n_comps >= DLA_FW_MAX_COMPS)
                return dla_err_set(err, DLA_EINVAL, "%s: more than %d competences", file,
                                   DLA_FW_MAX_COMPS);
            c = &fw->comps[fw->n_comps];
            snprintf(cw, sizeof(cw), "%s competences[%zu]", where, j);
            if ((rc = dj_keys(file, cw, co, ckeys, err)) != DLA_OK ||
                (rc = dj_str(file, cw, co, "id", 1, 15, &cid, err)) != DLA_OK ||
                (rc = dj_str(file, cw, co, "esco", 0, 300, &esco, err)) != DLA_OK)
                return rc;
            if (!dj_ident(cid, 15))
                return dla_err_set(err, DLA_EINVAL, "%s: %s: bad id \"%s\"", file, cw,
                                   cid);
            snprintf(cw, sizeof(cw), "competence %s", cid);
            if (dla_framework_comp(fw, cid) >= 0)
                return dla_err_set(err, DLA_EINVAL, "%s: %s: duplicate competence id",
                                   file, cw);
            c->id = cid;
            c->area = fw->n_areas - 1;
            if ((rc = dj_ltext(file, cw, co, "title", 1, FW_TITLE_MAX, c->title, err)) !=
                    DLA_OK ||
                (rc = dj_ltext(file, cw, co, "descriptor", 0, FW_TEXT_MAX, c->descriptor,
                               err)) != DLA_OK)
                return rc;
            fw->n_comps++;
            a->n_comps++;
        }
    }
    for (k = 0; k < fw->n_comps; k++)
        if (dla_framework_area(fw, fw->comps[k].id) >= 0)
            return dla_err_set(err, DLA_EINVAL,
                               "%s: id \"%s\" names both an area and a competence", file,
                               fw->comps[k].id);
    return DLA_OK;
}

int dla_framework_from_json(const char *name, json_t *doc, dla_framework_t **out,
                            dla_err_t *err)
{
    static const char *const keys[] = {"id",     "version", "item_bank",
                                       "title",  "source",  "translation",
                                       "levels", "areas",   NULL};
    static const char *const skeys[] = {"citation",    "doi",  "url", "licence",
                                        "attribution", "note", NULL};
    static const char *const tkeys[] = {"official", "note", NULL};
    dla_framework_t *fw = NULL;
    json_t *src, *tr;
    const char *s;
    const char *txt[DLA_LANGS];
    int rc;

    fw = calloc(1, sizeof(*fw));
    if (fw == NULL)
        return dla_err_set(err, DLA_ENOMEM, "%s: out of memory", name);
    fw->doc = json_incref(doc);
    if ((rc = dj_keys(name, "framework", doc, keys, err)) != DLA_OK ||
        (rc = dj_str(name, "framework", doc, "id", 1, 63, &fw->id, err)) != DLA_OK ||
        (rc = dj_str(name, "framework", doc, "version", 1, 31, &s, err)) != DLA_OK ||
        (rc = dj_str(name, "framework", doc, "item_bank", 0, 63, &fw->item_bank, err)) !=
            DLA_OK ||
        (rc = dj_ltext(name, "framework", doc, "title", 1, FW_TITLE_MAX, fw->title,
                       err)) != DLA_OK)
        goto fail;
    if (!dj_ident(fw->id, 63)) {
        rc = dla_err_set(err, DLA_EINVAL, "%s: framework: bad id \"%s\"", name, fw->id);
        goto fail;
    }
    if (fw->item_bank == NULL)
        fw->item_bank = fw->id;
    else if (!dj_ident(fw->item_bank, 63)) {
        rc = dla_err_set(err, DLA_EINVAL, "%s: framework: bad item_bank", name);
        goto fail;
    }
    src = json_object_get(doc, "source");
    if (src != NULL) {
        if ((rc = dj_keys(name, "source", src, skeys, err)) != DLA_OK ||
            (rc = dj_str(name, "source", src, "citation", 1, FW_TEXT_MAX, &s, err)) !=
                DLA_OK ||
            (rc = dj_str(name, "source", src, "doi", 0, 200, &s, err)) != DLA_OK ||
            (rc = dj_str(name, "source", src, "url", 0, 500, &s, err)) != DLA_OK ||
            (rc = dj_str(name, "source", src, "licence", 1, FW_TEXT_MAX, &s, err)) !=
                DLA_OK ||
            (rc = dj_ltext(name, "source", src, "attribution", 1, FW_TEXT_MAX, txt,
                           err)) != DLA_OK ||
            (rc = dj_ltext(name, "source", src, "note", 0, FW_TEXT_MAX, txt, err)) !=
                DLA_OK)
            goto fail;
    }
    tr = json_object_get(doc, "translation");
    if (tr == NULL || !json_is_object(tr) || !json_is_object(json_object_get(tr, "lt"))) {
        rc = dla_err_set(
            err, DLA_EINVAL,
            "%s: framework: \"translation\": {\"lt\": {\"official\": ...}} is required",
            name);
        goto fail;
    }
    {
        static const char *const lkeys[] = {"lt", NULL};
        json_t *lt = json_object_get(tr, "lt");
        if ((rc = dj_keys(name, "translation", tr, lkeys, err)) != DLA_OK ||
            (rc = dj_keys(name, "translation.lt", lt, tkeys, err)) != DLA_OK)
            goto fail;
        if (!json_is_boolean(json_object_get(lt, "official"))) {
            rc = dla_err_set(err, DLA_EINVAL,
                             "%s: translation.lt: \"official\" must be a boolean", name);
            goto fail;
        }
        fw->lt_official = json_is_true(json_object_get(lt, "official"));
        if ((rc = dj_ltext(name, "translation.lt", lt, "note", !fw->lt_official,
                           FW_TEXT_MAX, txt, err)) != DLA_OK)
            goto fail;
    }
    if ((rc = fw_levels(name, fw, json_object_get(doc, "levels"), err)) != DLA_OK ||
        (rc = fw_areas(name, fw, json_object_get(doc, "areas"), err)) != DLA_OK)
        goto fail;
    *out = fw;
    return DLA_OK;
fail:
    dla_framework_free(fw);
    return rc;
}

int dla_framework_load(const char *path, dla_framework_t **out, dla_err_t *err)
{
    json_t *doc = NULL;
    const char *base = strrchr(path, '/');
    int rc;

    rc = dj_load_file(path, FW_MAX_FILE, &doc, err);
    if (rc != DLA_OK)
        return rc;
    rc = dla_framework_from_json(base ? base + 1 : path, doc, out, err);
    json_decref(doc);
    return rc;
}

void dla_framework_free(dla_framework_t *fw)
{
    if (fw == NULL)
        return;
    json_decref(fw->doc);
    free(fw);
}

int dla_framework_comp(const dla_framework_t *fw, const char *id)
{
    int i;

    for (i = 0; i < fw->n_comps; i++)
        if (strcmp(fw->comps[i].id, id) == 0)
            return i;
    return -1;
}

int dla_framework_area(const dla_framework_t *fw, const char *id)
{
    int i;

    for (i = 0; i < fw->n_areas; i++)
        if (strcmp(fw->areas[i].id, id) == 0)
            return i;
    return -1;
}

json_t *dla_framework_to_api(const dla_framework_t *fw)
{
    /* The stored document already has the API shape; serve a deep copy so that
     * callers may add fields. */
    return json_deep_copy(fw->doc);
}
