/* diag_score.c - results of a diagnostic: area abilities from the correlated
 * model, competence abilities as area + deviation, levels with intervals. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dla_diag.h"

#define SCORE_TAU 0.5    /* SD of a competence around its area */
#define SCORE_Z80 1.2816 /* two-sided 80% normal interval */

void dla_diag_est_levels(dla_diag_est_t *e)
{
    e->level = dla_irt_level_of(e->theta);
    e->level_lo = dla_irt_level_of(e->theta - SCORE_Z80 * e->se);
    e->level_hi = dla_irt_level_of(e->theta + SCORE_Z80 * e->se);
}

int dla_diag_score(const dla_diag_bank_t *b, const size_t *items,
                   const unsigned char *resp, size_t n, double rho, dla_diag_est_t *areas,
                   dla_diag_est_t *comps, dla_diag_est_t *overall, dla_err_t *err)
{
    const dla_framework_t *fw = b->fw;
    dla_irt_post_t post;
    double mean[DLA_IRT_MAX_DIMS], cov[DLA_IRT_MAX_DIMS * DLA_IRT_MAX_DIMS];
    dla_irt_par_t *cpar = NULL;
    unsigned char *cresp = NULL;
    int d = fw->n_areas, k, l, c, rc;
    size_t i;

    for (i = 0; i < n; i++)
        if (items[i] >= b->n_items)
            return dla_err_set(err, DLA_EINVAL, "score: item index out of range");
    rc = dla_irt_post_init(&post, d, rho, err);
    if (rc != DLA_OK)
        return rc;
    cpar = calloc(n ? n : 1, sizeof(*cpar));
    cresp = calloc(n ? n : 1, 1);
    if (cpar == NULL || cresp == NULL) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (i = 0; i < n; i++)
        dla_irt_post_add(&post, b->items[items[i]].area, &b->items[items[i]].par,
                         resp[i]);
    dla_irt_post_moments(&post, mean, cov, NULL, NULL);
    if (areas != NULL)
        for (k = 0; k < d; k++) {
            areas[k].theta = mean[k];
            areas[k].se = sqrt(cov[k * d + k]);
            areas[k].n = post.n[k];
            dla_diag_est_levels(&areas[k]);
        }
    if (overall != NULL) {
        double s = 0.0, v = 0.0;
        for (k = 0; k < d; k++) {
            s += mean[k];
            for (l = 0; l < d; l++)
                v += cov[k * d + l];
        }
        overall->theta = s / d;
        overall->se = sqrt(v > 0 ? v : 0) / d;
        overall->n = (int)n;
        dla_diag_est_levels(overall);
    }
    if (comps != NULL) {
        for (c = 0; c < fw->n_comps; c++) {
            size_t m = 0;
            double pm, pv;
            k = fw->comps[c].area;
            dla_irt_post_reset(&post);
            for (i = 0; i < n; i++) {
                const dla_diag_item_t *it = &b->items[items[i]];
                if (it->comp == c) {
                    cpar[m] = it->par;
                    cresp[m++] = resp[i];
                } else {
                    dla_irt_post_add(&post, it->area, &it->par, resp[i]);
                }
            }
            dla_irt_post_moments(&post, mean, cov, NULL, NULL);
            pm = mean[k];
            pv = cov[k * d + k] + SCORE_TAU * SCORE_TAU;
            if (m == 0) {
                comps[c].theta = pm;
                comps[c].se = sqrt(pv);
            } else {
                dla_irt_eap1(cpar, cresp, m, pm, sqrt(pv), &comps[c].theta, &comps[c].se);
            }
            comps[c].n = (int)m;
            dla_diag_est_levels(&comps[c]);
        }
    }
cleanup:
    free(cpar);
    free(cresp);
    dla_irt_post_fini(&post);
    return rc;
}
