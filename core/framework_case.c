/* framework_case.c - 1EdTech CASE 1.1 JSON export and import of frameworks.
 *
 * Export: one CFPackage: CFDocument (the framework), CFItems (areas with
 * CFItemType "Area", competences "Competence"; humanCodingScheme = our id),
 * CFAssociations (isChildOf: competence -> area -> document) and one CFRubric
 * whose criterion has the 8 proficiency levels. Lithuanian texts and the
 * translation status travel in "extensions" ("dla:lt", "dla:translation").
 * Identifiers are name-based UUIDs from the framework id and the item id, so an
 * export is stable. Import accepts such packages and plain CASE packages from
 * other tools (types by CFItemType, or by isChildOf depth). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag_int.h"
#include "dla_auth.h"
#include "dla_framework.h"

static void case_uuid(const char *fw, const char *what, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    char buf[256], h[65];
    int i, o = 0;

    snprintf(buf, sizeof(buf), "dla-case:%s:%s", fw, what);
    dla_sha256_hex(buf, strlen(buf), h);
    for (i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        if (i == 12)
            out[o++] = '5';
        else if (i == 16)
            out[o++] = hex[8 + (h[i] <= '9' ? h[i] - '0' : h[i] - 'a' + 10) % 4];
        else
            out[o++] = h[i];
    }
    out[o] = 0;
}

static json_t *node_ref(const char *title, const char *uuid, const char *uri)
{
    return json_pack("{s:s, s:s, s:s}", "title", title, "identifier", uuid, "uri", uri);
}

json_t *dla_framework_to_case(const dla_framework_t *fw, const char *base_uri)
{
    const char *base = base_uri && *base_uri ? base_uri : "urn:dla";
    char doc_id[37], id[37], pid[37], uri[512], puri[512], ts[32];
    json_t *items = json_array(), *assoc = json_array(), *levels = json_array(), *pkg;
    time_t now = time(NULL);
    struct tm tm;
    int a, c, l;

    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    case_uuid(fw->id, "document", doc_id);
    snprintf(puri, sizeof(puri), "%s/case/%s/CFDocuments/%s", base, fw->id, doc_id);
    for (a = 0; a < fw->n_areas; a++) {
        const dla_fw_area_t *ar = &fw->areas[a];
        char key[64];
        snprintf(key, sizeof(key), "area:%s", ar->id);
        case_uuid(fw->id, key, pid);
        snprintf(uri, sizeof(uri), "%s/case/%s/CFItems/%s", base, fw->id, pid);
        json_array_append_new(
            items,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:{s:{s:s, s:s?}}}",
                      "identifier", pid, "uri", uri, "CFDocumentURI", puri,
                      "fullStatement", ar->title[DLA_LANG_EN], "humanCodingScheme",
                      ar->id, "CFItemType", "Area", "language", "en",
                      "lastChangeDateTime", ts, "notes", ar->descriptor[DLA_LANG_EN],
                      "extensions", "dla:lt", "title", ar->title[DLA_LANG_LT],
                      "descriptor", ar->descriptor[DLA_LANG_LT]));
        {
            char aid[37], auri[512];
            snprintf(key, sizeof(key), "assoc:%s", ar->id);
            case_uuid(fw->id, key, aid);
            snprintf(auri, sizeof(auri), "%s/case/%s/CFAssociations/%s", base, fw->id,
                     aid);
            json_array_append_new(
                assoc,
                json_pack("{s:s, s:s, s:s, s:o, s:o, s:i, s:s}", "identifier", aid, "uri",
                          auri, "associationType", "isChildOf", "originNodeURI",
                          node_ref(ar->title[DLA_LANG_EN], pid, uri),
                          "destinationNodeURI",
                          node_ref(fw->title[DLA_LANG_EN], doc_id, puri),
                          "sequenceNumber", a + 1, "lastChangeDateTime", ts));
        }
        for (c = ar->first_comp; c < ar->first_comp + ar->n_comps; c++) {
            const dla_fw_comp_t *co = &fw->comps[c];
            char curi[512], aid[37], auri[512];
            snprintf(key, sizeof(key), "competence:%s", co->id);
            case_uuid(fw->id, key, id);
            snprintf(curi, sizeof(curi), "%s/case/%s/CFItems/%s", base, fw->id, id);
            json_array_append_new(
                items,
                json_pack(
                    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:{s:{s:s, s:s?}}}",
                    "identifier", id, "uri", curi, "CFDocumentURI", puri, "fullStatement",
                    co->title[DLA_LANG_EN], "humanCodingScheme", co->id, "CFItemType",
                    "Competence", "language", "en", "lastChangeDateTime", ts, "notes",
                    co->descriptor[DLA_LANG_EN], "extensions", "dla:lt", "title",
                    co->title[DLA_LANG_LT], "descriptor", co->descriptor[DLA_LANG_LT]));
            snprintf(key, sizeof(key), "assoc:%s", co->id);
            case_uuid(fw->id, key, aid);
            snprintf(auri, sizeof(auri), "%s/case/%s/CFAssociations/%s", base, fw->id,
                     aid);
            json_array_append_new(
                assoc,
                json_pack("{s:s, s:s, s:s, s:o, s:o, s:i, s:s}", "identifier", aid, "uri",
                          auri, "associationType", "isChildOf", "originNodeURI",
                          node_ref(co->title[DLA_LANG_EN], id, curi),
                          "destinationNodeURI",
                          node_ref(ar->title[DLA_LANG_EN], pid, uri), "sequenceNumber",
                          c - ar->first_comp + 1, "lastChangeDateTime", ts));
        }
    }
    for (l = 0; l < DLA_FW_LEVELS; l++) {
        const dla_fw_level_t *lv = &fw->levels[l];
        json_t *sj = json_object_get(
            json_array_get(json_object_get(fw->doc, "levels"), (size_t)l), "summary");
        char key[32];
        snprintf(key, sizeof(key), "level:%d", lv->level);
        case_uuid(fw->id, key, id);
        snprintf(uri, sizeof(uri), "%s/case/%s/CFRubricCriterionLevels/%s", base, fw->id,
                 id);
        json_array_append_new(
            levels,
            json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:{s:O}}", "identifier", id,
                      "uri", uri, "description",
                      json_string_value(json_object_get(sj, "en")), "quality",
                      lv->title[DLA_LANG_EN], "score", lv->level, "position", lv->level,
                      "lastChangeDateTime", ts, "extensions", "dla:level",
                      json_array_get(json_object_get(fw->doc, "levels"), (size_t)l)));
    }
    {
        char rid[37], rcid[37], ruri[512], rcuri[512];
        case_uuid(fw->id, "rubric", rid);
        case_uuid(fw->id, "criterion", rcid);
        snprintf(ruri, sizeof(ruri), "%s/case/%s/CFRubrics/%s", base, fw->id, rid);
        snprintf(rcuri, sizeof(rcuri), "%s/case/%s/CFRubricCriteria/%s", base, fw->id,
                 rcid);
        pkg = json_pack(
            "{s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:O?, s:O?}}, s:o, s:o, "
            "s:[{s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:i, s:s, s:o}]}]}",
            "CFDocument", "identifier", doc_id, "uri", puri, "creator", "dla", "title",
            fw->title[DLA_LANG_EN], "language", "en", "version",
            json_string_value(json_object_get(fw->doc, "version")), "lastChangeDateTime",
            ts, "extensions", "dla:lt_title", fw->title[DLA_LANG_LT], "dla:translation",
            json_object_get(fw->doc, "translation"), "dla:source",
            json_object_get(fw->doc, "source"), "CFItems", items, "CFAssociations", assoc,
            "CFRubrics", "identifier", rid, "uri", ruri, "title", "Proficiency levels",
            "lastChangeDateTime", ts, "CFRubricCriteria", "identifier", rcid, "uri",
            rcuri, "category", "proficiency", "description", "Proficiency levels 1-8",
            "position", 1, "lastChangeDateTime", ts, "CFRubricCriterionLevels", levels);
    }
    return pkg;
}

/* ---- import ------------------------------------------------------------------ */

static const char *const GEN_BROAD[4][2] = {
    {"Pradinis", "Foundation"},
    {"Vidutinis", "Intermediate"},
    {"Aukštesnysis", "Advanced"},
    {"Aukštos specializacijos", "Highly specialised"}};
static const char *const GEN_SUM[8][2] = {
    {"Paprastas užduotis atliekate, kai jums kas nors padeda.",
     "You can do simple tasks with guidance from someone else."},
    {"Paprastas užduotis atliekate patys, prireikus paprašote pagalbos.",
     "You can do simple tasks on your own, asking for help where needed."},
    {"Aiškiai apibrėžtas, įprastas užduotis sprendžiate savarankiškai.",
     "You handle well-defined, routine tasks on your own."},
    {"Neįprastas, bet aiškiai apibrėžtas problemas sprendžiate savarankiškai.",
     "You handle well-defined non-routine problems independently."},
    {"Sprendžiate įvairias užduotis ir galite patarti kolegoms.",
     "You handle different tasks and problems and can guide colleagues."},
    {"Pasirenkate tinkamiausią būdą ir prisitaikote sudėtingose situacijose.",
     "You choose the most suitable approach and adapt in complex situations."},
    {"Sprendžiate sudėtingas problemas ir prisidedate prie profesinės praktikos.",
     "You solve complex problems and help shape professional practice."},
    {"Siūlote savo sričiai naujas idėjas ir procesus.",
     "You propose new ideas and processes to the field."}};

static json_t *lt_en(const char *lt, const char *en)
{
    return json_pack("{s:s, s:s}", "lt", lt, "en", en);
}

static const char *item_parent(const json_t *pkg, const char *ident)
{
    json_t *a;
    size_t i;

    json_array_foreach(json_object_get(pkg, "CFAssociations"), i, a)
    {
        const char *t = json_string_value(json_object_get(a, "associationType"));
        const char *o = json_string_value(
            json_object_get(json_object_get(a, "originNodeURI"), "identifier"));
        if (t && o && strcmp(t, "isChildOf") == 0 && strcmp(o, ident) == 0)
            return json_string_value(
                json_object_get(json_object_get(a, "destinationNodeURI"), "identifier"));
    }
    return NULL;
}

static json_t *case_text(const json_t *it, const char *en_key, const char *lt_key,
                         int *fallback)
{
    const char *en = json_string_value(json_object_get(it, en_key));
    const char *lt = json_string_value(json_object_get(
        json_object_get(json_object_get(it, "extensions"), "dla:lt"), lt_key));

    if (en == NULL || en[0] == 0)
        return NULL;
    if (lt == NULL || lt[0] == 0) {
        lt = en;
        *fallback = 1;
    }
    return lt_en(lt, en);
}

int dla_framework_from_case(const char *name, const json_t *pkg, const char *id,
                            dla_framework_t **out, dla_err_t *err)
{
    json_t *docj = json_object_get(pkg, "CFDocument"),
           *items = json_object_get(pkg, "CFItems");
    json_t *areas = NULL, *doc = NULL, *levels = NULL, *it, *ext;
    const char *doc_ident, *title;
    int fallback = 0, rc;
    size_t i, j;

    if (!dj_ident(id, 63))
        return dla_err_set(err, DLA_EINVAL, "%s: bad framework id \"%.63s\"", name,
                           id ? id : "");
    if (!json_is_object(docj) || !json_is_array(items))
        return dla_err_set(err, DLA_EINVAL,
                           "%s: not a CASE package (CFDocument, CFItems)", name);
    doc_ident = json_string_value(json_object_get(docj, "identifier"));
    title = json_string_value(json_object_get(docj, "title"));
    if (doc_ident == NULL || title == NULL)
        return dla_err_set(err, DLA_EINVAL, "%s: CFDocument needs identifier and title",
                           name);
    areas = json_array();
    if (areas == NULL)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    /* areas: CFItemType Area, or direct children of the document */
    json_array_foreach(items, i, it)
    {
        const char *type = json_string_value(json_object_get(it, "CFItemType"));
        const char *ident = json_string_value(json_object_get(it, "identifier"));
        const char *parent = ident ? item_parent(pkg, ident) : NULL;
        const char *code = json_string_value(json_object_get(it, "humanCodingScheme"));
        json_t *t, *a, *comps;
        int is_area = type ? strcmp(type, "Area") == 0
                           : (parent != NULL && strcmp(parent, doc_ident) == 0);
        if (!is_area || ident == NULL)
            continue;
        t = case_text(it, "fullStatement", "title", &fallback);
        if (t == NULL || code == NULL) {
            json_decref(t);
            rc = dla_err_set(
                err, DLA_EINVAL,
                "%s: CFItem %.40s: area needs fullStatement and humanCodingScheme", name,
                ident);
            goto fail;
        }
        comps = json_array();
        a = json_pack("{s:s, s:o, s:o}", "id", code, "title", t, "competences", comps);
        {
            json_t *d = case_text(it, "notes", "descriptor", &fallback);
            if (d != NULL)
                json_object_set_new(a, "descriptor", d);
        }
        json_array_foreach(items, j, ext)
        {
            const char *ci = json_string_value(json_object_get(ext, "identifier"));
            const char *cp = ci ? item_parent(pkg, ci) : NULL;
            const char *cc = json_string_value(json_object_get(ext, "humanCodingScheme"));
            json_t *ct, *cd, *co;
            if (cp == NULL || strcmp(cp, ident) != 0)
                continue;
            ct = case_text(ext, "fullStatement", "title", &fallback);
            if (ct == NULL || cc == NULL) {
                json_decref(ct);
                json_decref(a);
                rc = dla_err_set(err, DLA_EINVAL,
                                 "%s: CFItem %.40s: competence needs fullStatement and "
                                 "humanCodingScheme",
                                 name, ci);
                goto fail;
            }
            co = json_pack("{s:s, s:o}", "id", cc, "title", ct);
            cd = case_text(ext, "notes", "descriptor", &fallback);
            if (cd != NULL)
                json_object_set_new(co, "descriptor", cd);
            json_array_append_new(comps, co);
        }
        json_array_append_new(areas, a);
    }
    /* levels: from an exported rubric (dla:level), else generic texts */
    levels = json_array();
    {
        json_t *lv = json_object_get(
            json_array_get(
                json_object_get(json_array_get(json_object_get(pkg, "CFRubrics"), 0),
                                "CFRubricCriteria"),
                0),
            "CFRubricCriterionLevels");
        int from_rubric = json_array_size(lv) == DLA_FW_LEVELS;
        for (i = 0; i < DLA_FW_LEVELS && from_rubric; i++)
            if (!json_is_object(json_object_get(
                    json_object_get(json_array_get(lv, i), "extensions"), "dla:level")))
                from_rubric = 0;
        for (i = 0; i < DLA_FW_LEVELS; i++) {
            if (from_rubric)
                json_array_append(
                    levels,
                    json_object_get(json_object_get(json_array_get(lv, i), "extensions"),
                                    "dla:level"));
            else
                json_array_append_new(
                    levels, json_pack("{s:i, s:i, s:o, s:o}", "level", (int)i + 1,
                                      "broad", (int)i / 2 + 1, "broad_title",
                                      lt_en(GEN_BROAD[i / 2][0], GEN_BROAD[i / 2][1]),
                                      "summary", lt_en(GEN_SUM[i][0], GEN_SUM[i][1])));
        }
    }
    ext = json_object_get(docj, "extensions");
    {
        const char *ltt = json_string_value(json_object_get(ext, "dla:lt_title"));
        json_t *tr = json_object_get(ext, "dla:translation");
        json_t *src = json_object_get(ext, "dla:source");
        if (ltt == NULL)
            fallback = 1;
        doc = json_pack("{s:s, s:s, s:o, s:o, s:o}", "id", id, "version",
                        json_string_value(json_object_get(docj, "version"))
                            ? json_string_value(json_object_get(docj, "version"))
                            : "1",
                        "title", lt_en(ltt ? ltt : title, title), "levels", levels,
                        "areas", areas);
        levels = areas = NULL;
        if (doc == NULL) {
            rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
            goto fail;
        }
        if (!fallback && json_is_object(tr))
            json_object_set(doc, "translation", tr);
        else
            json_object_set_new(
                doc, "translation",
                json_pack(
                    "{s:{s:b, s:o}}", "lt", "official", 0, "note",
                    lt_en(fallback
                              ? "Dalis lietuviškų tekstų nepateikta: rodomas angliškas "
                                "tekstas. Vertimas neoficialus."
                              : "Lietuviški tekstai – neoficialus vertimas.",
                          fallback
                              ? "Some Lithuanian texts were missing: the English text is "
                                "shown. The translation is unofficial."
                              : "The Lithuanian texts are an unofficial translation.")));
        if (json_is_object(src))
            json_object_set(doc, "source", src);
    }
    rc = dla_framework_from_json(name, doc, out, err);
    json_decref(doc);
    return rc;
fail:
    json_decref(areas);
    json_decref(levels);
    json_decref(doc);
    return rc;
}
