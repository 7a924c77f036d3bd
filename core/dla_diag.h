/* dla_diag.h - the DigComp diagnostic: the bilingual item bank (strict
 * loader), initial and calibrated IRT parameters, simulation of the adaptive
 * test against a fixed form, and results (levels with intervals).
 *
 * A loaded bank is immutable after loading and may be shared by threads.
 */
#ifndef DLA_DIAG_H
#define DLA_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "dla_cat.h"
#include "dla_err.h"
#include "dla_framework.h"
#include "dla_irt.h"

#define DLA_DIAG_MAX_OPTIONS 5
#define DLA_DIAG_ID_MAX 64

typedef struct dla_diag_option_s {
    const char *id; /* "a" */
    const char *text[DLA_LANGS];
} dla_diag_option_t;

typedef struct dla_diag_item_s {
    const char *id;      /* "dc21-1.1-01" */
    const char *comp_id; /* "1.1" */
    int comp, area;      /* indexes into the framework */
    int level;           /* target level 1..8 */
    const char *context; /* tag, e.g. "gdpr"; may be NULL */
    const char *stem[DLA_LANGS];
    dla_diag_option_t opt[DLA_DIAG_MAX_OPTIONS];
    int n_opt;
    int key; /* index of the correct option */
    const char *feedback[DLA_LANGS];
    dla_irt_par_t par; /* initial (from the level) or calibrated */
    int calibrated;
    const char *file; /* borrowed from the bank */
} dla_diag_item_t;

typedef struct dla_diag_bank_s {
    const dla_framework_t *fw; /* borrowed */
    dla_diag_item_t *items;
    size_t n_items, cap;
    dla_cat_item_t *cat; /* engine view, rebuilt by dla_diag_bank_finish */
    json_t *docs;        /* array of loaded documents (owned; strings borrow) */
    char **files;        /* file names (owned) */
    size_t n_files;
} dla_diag_bank_t;

/* Initialises an empty bank for framework `fw` (borrowed). */
void dla_diag_bank_init(dla_diag_bank_t *b, const dla_framework_t *fw);
void dla_diag_bank_free(dla_diag_bank_t *b);

/* Validates one item document (schema in docs/diagnostic.md; unknown keys are
 * errors; messages name file, item id and problem) and appends its items.
 * `doc` is borrowed (a reference is kept). Nothing is added on error. */
int dla_diag_bank_add_json(dla_diag_bank_t *b, const char *file, json_t *doc,
                           dla_err_t *err);
/* Loads every *.json of `dir` in name order (file <competence>.json must hold
 * that competence). */
int dla_diag_bank_load_dir(dla_diag_bank_t *b, const char *dir, dla_err_t *err);
/* Checks bank-wide rules (unique ids) and builds the engine view. */
int dla_diag_bank_finish(dla_diag_bank_t *b, dla_err_t *err);
/* Index of item `id`, or -1. */
long dla_diag_bank_find(const dla_diag_bank_t *b, const char *id);
/* Engine view (valid until the bank changes). */
dla_cat_bank_t dla_diag_bank_cat(const dla_diag_bank_t *b);

/* Overrides parameters from a calibration document
 * {"framework":..., "items": {"<id>": {"a":..,"b":..,"c":..}, ...}} (unknown
 * item ids are ignored and counted in *ignored when non-NULL). */
int dla_diag_bank_apply_calibration(dla_diag_bank_t *b, const json_t *cal,
                                    size_t *ignored, dla_err_t *err);

/* A synthetic bank for tests and benchmarks: `per_comp` items per competence
 * of `fw`, levels cycling so that every broad level has >= per_comp/5 items,
 * 4 options each, initial parameters by the documented rule. Texts are
 * placeholders in both languages. */
int dla_diag_bank_synthetic(dla_diag_bank_t *b, int per_comp, dla_err_t *err);

/* ---- simulation -------------------------------------------------------------- */
typedef struct dla_diag_sim_opts_s {
    int examinees; /* N */
    uint64_t seed;
    double true_rho;    /* correlation of the simulated true abilities (0.7) */
    int fixed_length;   /* items of the content-balanced fixed form (82) */
    int grid_per_point; /* examinees per grid point -3..3 step 0.5 (0 = N/40, min 5) */
    double param_noise; /* calibration error: engine and scorers see b + N(0, s^2) and
                           a * exp(N(0, (s/2)^2)); responses follow the bank (0 = none) */
    dla_cat_opts_t cat; /* engine settings */
} dla_diag_sim_opts_t;

void dla_diag_sim_opts_default(dla_diag_sim_opts_t *o);
/* Runs the adaptive engine and the fixed form on the same simulated examinees
 * and returns a new JSON report (caller decrefs) in *out. */
int dla_diag_simulate(const dla_diag_bank_t *b, const dla_diag_sim_opts_t *o,
                      json_t **out, dla_err_t *err);

/* The content-balanced fixed form of `len` items (documented rule): slots spread
 * over competences (remainder to the smallest areas), within a competence the
 * items whose b is nearest to the N(0,1) quantiles (j+0.5)/slots; ties go to the
 * first item in bank order, or with best_a to the highest discrimination. Writes
 * up to `len` bank indexes into out and returns how many. */
size_t dla_diag_fixed_form(const dla_diag_bank_t *b, int len, int best_a, size_t *out);

/* ---- results ------------------------------------------------------------------ */
typedef struct dla_diag_est_s {
    double theta, se;
    int level, level_lo, level_hi; /* 80% interval */
    int n;                         /* items answered */
} dla_diag_est_t;

/* Scores a finished (or partial) diagnostic: per area (correlated model) and
 * per competence (competence = area + deviation, N(0, tau^2), tau = 0.5; the area
 * posterior without the competence's own items is its prior). items[i] are
 * bank indexes with resp[i] 0/1. `areas` has fw->n_areas entries, `comps`
 * fw->n_comps; overall gets the mean of the area estimates (se from the
 * covariance). */
int dla_diag_score(const dla_diag_bank_t *b, const size_t *items,
                   const unsigned char *resp, size_t n, double rho, dla_diag_est_t *areas,
                   dla_diag_est_t *comps, dla_diag_est_t *overall, dla_err_t *err);
/* Fills lo/hi levels for theta +- 1.2816 se and level for theta. */
void dla_diag_est_levels(dla_diag_est_t *e);

/* ---- QTI import (core/qti_import.c) ----------------------------------------------
 * Parses one QTI 2.1 (imsqti_v2p1) or 3.0 (imsqtiasi_v3p0) assessmentItem with a
 * single-choice interaction (3..5 choices) using libxml2 with no network access;
 * documents with a DOCTYPE or entity declarations are refused (no entity
 * expansion). Competence and level come from the item's `label` attribute
 * ("competence=1.1;level=3") or the given defaults (NULL / 0 = none); the language
 * from xml:lang or `def_lang`. Returns a new single-language partial item in *out:
 * {"id","lang","competence","level","stem","options":[{"id","text"}],"key","feedback"}.
 */
int dla_qti_parse(const char *name, const char *xml, size_t len, const char *def_comp,
                  int def_level, const char *def_lang, json_t **out, dla_err_t *err);
/* Joins partial items by id into bank documents of framework `framework`: every item
 * needs one Lithuanian and one English version with the same choices (by position),
 * key, competence and level. Returns a new array of documents
 * {"framework","competence","items":[...]} (one per item) in *out. */
int dla_qti_join(const json_t *partials, const char *framework, json_t **out,
                 dla_err_t *err);

#endif
