/* dla_framework.h - competence frameworks as data (config/frameworks/NAME.json):
 * areas, competences, proficiency levels, texts in Lithuanian and English;
 * strict loading and validation; export and import as 1EdTech CASE JSON.
 *
 * A loaded framework is immutable and may be shared by threads. Texts are
 * indexed by language: DLA_LANG_LT (0) or DLA_LANG_EN (1).
 */
#ifndef DLA_FRAMEWORK_H
#define DLA_FRAMEWORK_H

#include <stddef.h>
#include <jansson.h>

#include "dla_err.h"

enum { DLA_LANG_LT = 0, DLA_LANG_EN = 1, DLA_LANGS = 2 };
/* "lt" -> 0, "en" -> 1, anything else -> -1. */
int dla_lang_index(const char *lang);
/* 0 -> "lt", 1 -> "en". */
const char *dla_lang_code(int lang);

#define DLA_FW_MAX_AREAS 8
#define DLA_FW_MAX_COMPS 64
#define DLA_FW_LEVELS 8

typedef struct dla_fw_comp_s {
    const char *id; /* "1.1" */
    int area;       /* index into areas */
    const char *title[DLA_LANGS];
    const char *descriptor[DLA_LANGS]; /* may be NULL */
} dla_fw_comp_t;

typedef struct dla_fw_area_s {
    const char *id; /* "1" */
    const char *title[DLA_LANGS];
    const char *descriptor[DLA_LANGS]; /* may be NULL */
    int first_comp, n_comps;           /* competences are stored area by area */
} dla_fw_area_t;

typedef struct dla_fw_level_s {
    int level;                         /* 1..8 */
    int broad;                         /* 1..4 */
    const char *title[DLA_LANGS];      /* broad level name */
    const char *complexity[DLA_LANGS]; /* may be NULL */
    const char *autonomy[DLA_LANGS];
    const char *cognitive[DLA_LANGS];
} dla_fw_level_t;

typedef struct dla_framework_s {
    const char *id;        /* "digcomp-2.1" */
    const char *item_bank; /* bank directory under config/items (defaults to id) */
    const char *title[DLA_LANGS];
    int lt_official; /* 0: the Lithuanian texts are the project's unofficial translation
                      */
    dla_fw_area_t areas[DLA_FW_MAX_AREAS];
    int n_areas;
    dla_fw_comp_t comps[DLA_FW_MAX_COMPS];
    int n_comps;
    dla_fw_level_t levels[DLA_FW_LEVELS];
    json_t *doc; /* the validated document (owned); all strings above borrow from it */
} dla_framework_t;

/* Parses and validates a framework document. `name` (file name) prefixes
 * every error message. Takes a borrowed JSON value (a reference is kept).
 * Returns a new framework (caller frees with dla_framework_free). */
int dla_framework_from_json(const char *name, json_t *doc, dla_framework_t **out,
                            dla_err_t *err);
/* Reads `path` (at most 4 MiB, duplicate keys refused) and validates it. */
int dla_framework_load(const char *path, dla_framework_t **out, dla_err_t *err);
void dla_framework_free(dla_framework_t *fw);

/* Index of competence `id`, or -1. */
int dla_framework_comp(const dla_framework_t *fw, const char *id);
/* Index of area `id`, or -1. */
int dla_framework_area(const dla_framework_t *fw, const char *id);

/* The framework as served to the UI in one language or both (lang < 0):
 * returns a new JSON object (caller decrefs). */
json_t *dla_framework_to_api(const dla_framework_t *fw);

/* ---- 1EdTech CASE 1.1 JSON ---------------------------------------------------
 * Export: CFPackage with CFDocument, CFItems (areas, competences), CFAssociations
 * (isChildOf) and one CFRubric (the levels). Identifiers are UUIDs derived
 * deterministically from the framework id and the item id (name-based). Lithuanian
 * texts go to an "extensions" object ("dla:lt"). Returns a new object. */
json_t *dla_framework_to_case(const dla_framework_t *fw, const char *base_uri);
/* Import: converts a CASE package (as exported, or from another tool: CFItems
 * with CFItemType "Area"/"Competence" or via isChildOf depth) into a dla
 * framework document with id `id` and validates it. Texts without Lithuanian
 * get the English text marked unofficial. Returns a new framework. */
int dla_framework_from_case(const char *name, const json_t *pkg, const char *id,
                            dla_framework_t **out, dla_err_t *err);

#endif
