/* dla_cat.h - the adaptive engine: correlated-area EAP, item selection by
 * expected reduction of posterior variance with exposure control and content
 * balancing, stopping by SE per area or a length cap.
 *
 * The engine knows items only by index into a borrowed bank of parameters and
 * their area/competence; it never sees texts. Deterministic for a given RNG
 * state. One dla_cat_t per examinee; not thread-safe per object.
 */
#ifndef DLA_CAT_H
#define DLA_CAT_H

#include <stddef.h>
#include <stdint.h>

#include "dla_err.h"
#include "dla_irt.h"

typedef struct dla_cat_item_s {
    dla_irt_par_t par;
    int area;  /* 0 .. n_areas-1 */
    int comp;  /* 0 .. n_comps-1 */
    int level; /* target level 1..8 */
} dla_cat_item_t;

/* A bank: borrowed arrays, valid while any engine uses it. */
typedef struct dla_cat_bank_s {
    const dla_cat_item_t *items;
    size_t n_items;
    int n_areas; /* <= DLA_IRT_MAX_DIMS */
    int n_comps;
} dla_cat_bank_t;

typedef struct dla_cat_opts_s {
    double rho;       /* correlation between areas in the prior (0.7); 0 = independent */
    double se_stop;   /* stop when every area's posterior SD <= this (0.35) */
    int min_items;    /* never stop before (0 = number of competences) */
    int max_items;    /* length cap (40) */
    int max_per_comp; /* at most this many items per competence (0 = no limit) */
    int randomesque;  /* choose at random among the best k (>= 1) */
    double
        max_exposure; /* items whose exposure rate reached this are skipped (0 = off) */
    int progressive;  /* 1: progressive method instead of randomesque (random part fades)
                       */
} dla_cat_opts_t;

/* The defaults used by the service and `dla simulate`. */
void dla_cat_opts_default(dla_cat_opts_t *o);

typedef struct dla_cat_s dla_cat_t;

/* Returns a new engine at the prior (caller frees with dla_cat_free). `bank` and
 * `opts` are copied by value; the bank's arrays are borrowed. */
int dla_cat_new(const dla_cat_bank_t *bank, const dla_cat_opts_t *opts, dla_cat_t **out,
                dla_err_t *err);
void dla_cat_free(dla_cat_t *c);
/* Back to the prior, nothing administered. */
void dla_cat_reset(dla_cat_t *c);

/* Records a scored answer to bank item `item` (0/1). DLA_EINVAL for an unknown
 * item, DLA_EEXIST when it was already administered. */
int dla_cat_answer(dla_cat_t *c, size_t item, int correct);

/* Exposure information for selection: rate[i] = share of past examinees who
 * saw item i (borrowed, may be NULL = no exposure control). */
typedef struct dla_cat_exposure_s {
    const double *rate;
} dla_cat_exposure_t;

/* Chooses the next item into *item. `rng` (xorshift state, non-zero) drives the
 * randomesque choice. Returns DLA_OK, or DLA_ENOTFOUND when no item is eligible. */
int dla_cat_next(dla_cat_t *c, const dla_cat_exposure_t *exp, uint64_t *rng,
                 size_t *item);

/* 1 when the stopping rule is met (SE target with every competence sampled, or
 * the cap), else 0. */
int dla_cat_done(const dla_cat_t *c);
/* Answered items so far. */
int dla_cat_count(const dla_cat_t *c);
/* Estimated number of further items (0 when done). */
int dla_cat_remaining(const dla_cat_t *c);
/* 1 if the cap ended (or would end) the test with some area above the SE target. */
int dla_cat_hit_cap(const dla_cat_t *c);

/* Current EAP means and posterior SDs per area (arrays of n_areas); general
 * factor mean/SD (may be NULL). */
void dla_cat_estimate(const dla_cat_t *c, double *mean, double *sd, double *g_mean,
                      double *g_sd);

/* Deterministic PRNG (xorshift64*). state must be non-zero; seed it with
 * dla_cat_seed. */
uint64_t dla_cat_rand(uint64_t *state);
/* Uniform in [0,1). */
double dla_cat_uniform(uint64_t *state);
/* A non-zero state from any 64-bit seed (splitmix64). */
uint64_t dla_cat_seed(uint64_t seed);
/* Standard normal variate. */
double dla_cat_normal(uint64_t *state);

#endif
