/* dla_irt.h - item response theory: 2PL/3PL models, DigComp level scale,
 * EAP estimation (one ability, or several correlated area abilities) and
 * 2PL calibration by marginal maximum likelihood (EM).
 *
 * Metric: logistic, no 1.7 scaling constant: P(theta) = c + (1-c)/(1+exp(-a(theta-b))).
 * Level scale (docs/diagnostic.md): level L has its centre at b = (L - 4.5)/1.25;
 * cuts between levels lie half-way, so level = clamp(floor(1.25*theta + 5), 1, 8).
 * All functions are pure and thread-safe unless stated.
 */
#ifndef DLA_IRT_H
#define DLA_IRT_H

#include <stddef.h>
#include <stdint.h>

#include "dla_err.h"

/* Parameters of one dichotomous item. c = 0 gives the 2PL model. */
typedef struct dla_irt_par_s {
    double a; /* discrimination, > 0 */
    double b; /* difficulty, theta scale */
    double c; /* lower asymptote (guessing), 0 <= c < 1 */
} dla_irt_par_t;

/* Probability of a correct answer at theta. */
double dla_irt_p(const dla_irt_par_t *p, double theta);
/* Fisher information of the item at theta:
 * a^2 (P-c)^2 (1-P) / ((1-c)^2 P); for c = 0 this is a^2 P (1-P). */
double dla_irt_info(const dla_irt_par_t *p, double theta);

/* ---- DigComp level scale ---------------------------------------------------- */
#define DLA_IRT_LEVELS 8
/* Difficulty at the centre of `level` (1..8): (level - 4.5) / 1.25. */
double dla_irt_level_b(int level);
/* Level 1..8 of a theta value. */
int dla_irt_level_of(double theta);
/* Broad level 1..4 (Foundation, Intermediate, Advanced, Highly specialised) of a
 * level 1..8. */
int dla_irt_broad_of(int level);
/* Continuous position on the level scale: 4.5 + 1.25 * theta, clamped to [0.5, 8.5]. */
double dla_irt_level_pos(double theta);

/* Initial (uncalibrated) parameters of an item, deterministic (docs/diagnostic.md):
 * b = dla_irt_level_b(level); a = 0.8 + 0.9 * u with u in [0,1) from FNV-1a of
 * `item_id` mixed by the splitmix64 finaliser (so 0.8 <= a < 1.7, expected mean 1.25); c
 * = 1/n_options (0 when n_options < 2). */
void dla_irt_initial(const char *item_id, int level, int n_options, dla_irt_par_t *out);
/* 64-bit FNV-1a hash of a NUL-terminated string. */
uint64_t dla_irt_hash(const char *s);

/* ---- one ability: EAP on a fixed grid -------------------------------------- */
/* EAP estimate and posterior SD of theta under a N(mean, sd^2) prior from `n`
 * scored responses (resp[i] 0/1) to items par[i]. Quadrature: 81 equally spaced
 * nodes over mean +- 5 sd. Writes *theta and *se. */
void dla_irt_eap1(const dla_irt_par_t *par, const unsigned char *resp, size_t n,
                  double prior_mean, double prior_sd, double *theta, double *se);

/* ---- several correlated abilities ------------------------------------------
 * Abilities theta_k (k < dims, dims <= DLA_IRT_MAX_DIMS), each N(0,1), pairwise
 * correlation rho (0 <= rho < 1): written as theta_k = l*g + m*s_k with l = sqrt(rho),
 * m = sqrt(1-rho), g and s_k independent N(0,1). Each item loads on one ability.
 * Given g the areas are independent, so the exact posterior is kept as one
 * (g, s_k) likelihood table per area on a QxQ grid and integrated in two
 * dimensions: EAP means and the full posterior covariance are exact up to
 * quadrature. Not thread-safe per object. */
#define DLA_IRT_MAX_DIMS 8
#define DLA_IRT_Q 41

typedef struct dla_irt_post_s {
    int dims;
    double rho, l, m;
    double node[DLA_IRT_Q];  /* grid for g and s: -5..5 */
    double w[DLA_IRT_Q];     /* normal prior weights, sum 1 */
    double *lik;             /* dims * Q * Q, max-scaled likelihood (owned) */
    int n[DLA_IRT_MAX_DIMS]; /* responses per ability */
} dla_irt_post_t;

/* Initialises `p` (caller frees the table with dla_irt_post_fini). DLA_EINVAL for
 * bad dims/rho, DLA_ENOMEM. */
int dla_irt_post_init(dla_irt_post_t *p, int dims, double rho, dla_err_t *err);
void dla_irt_post_fini(dla_irt_post_t *p);
/* Forgets all responses (back to the prior). */
void dla_irt_post_reset(dla_irt_post_t *p);
/* Adds one scored response (correct 0/1) to an item of ability `dim`. */
void dla_irt_post_add(dla_irt_post_t *p, int dim, const dla_irt_par_t *par, int correct);
/* Posterior means mean[dims] and covariance cov[dims*dims] (row-major); g_mean
 * and g_sd (may be NULL) get the general factor's posterior mean and SD. */
void dla_irt_post_moments(const dla_irt_post_t *p, double *mean, double *cov,
                          double *g_mean, double *g_sd);

/* ---- calibration: 2PL by marginal maximum likelihood (Bock-Aitkin EM) -------
 * Data: `n_persons` x `n_items` matrix resp (row-major), 0/1, or 255 = not
 * administered. Ability N(0,1), 41 quadrature nodes. Items with fewer than
 * `min_n` responses keep their given parameters and get fitted = 0. */
typedef struct dla_irt_fit_s {
    int fitted;        /* 1 when estimated */
    int n;             /* responses */
    double p_correct;  /* observed proportion correct */
    double a_se, b_se; /* standard errors from the observed information */
    double rmsd;       /* root mean square difference, observed vs model ICC over nodes */
} dla_irt_fit_t;

/* Calibrates in place: par[i] (in: start values, out: estimates, c set to 0
 * for fitted items), fit[i] filled. Stops after max_iter EM cycles or when no
 * parameter moves more than 1e-4. Returns iterations used (>= 0) or a DLA_E*. */
int dla_irt_calibrate(const unsigned char *resp, size_t n_persons, size_t n_items,
                      dla_irt_par_t *par, dla_irt_fit_t *fit, int min_n, int max_iter,
                      dla_err_t *err);

#endif
