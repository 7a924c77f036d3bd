/* irt_post.c - exact EAP for several correlated abilities.
 *
 * theta_k = l*g + m*s_k (l = sqrt(rho), m = sqrt(1-rho)) with g, s_k iid N(0,1)
 * gives unit variances and pairwise correlation rho. Items load on one ability,
 * so given g the areas are independent and the joint posterior is
 *   p(g, s | data) ~ phi(g) prod_k phi(s_k) L_k(g, s_k).
 * Each L_k lives on a QxQ grid; means and covariances of theta need only
 * one-dimensional sums over s per g node, then a sum over g. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dla_irt.h"

#define Q DLA_IRT_Q

int dla_irt_post_init(dla_irt_post_t *p, int dims, double rho, dla_err_t *err)
{
    double sw = 0.0;
    int i;

    memset(p, 0, sizeof(*p));
    if (dims < 1 || dims > DLA_IRT_MAX_DIMS)
        return dla_err_set(err, DLA_EINVAL, "ability dimensions %d out of range 1..%d",
                           dims, DLA_IRT_MAX_DIMS);
    if (!(rho >= 0.0 && rho < 1.0))
        return dla_err_set(err, DLA_EINVAL, "correlation %g out of range [0,1)", rho);
    p->lik = malloc(sizeof(double) * (size_t)dims * Q * Q);
    if (p->lik == NULL)
        return dla_err_set(err, DLA_ENOMEM, "out of memory for the posterior");
    p->dims = dims;
    p->rho = rho;
    p->l = sqrt(rho);
    p->m = sqrt(1.0 - rho);
    for (i = 0; i < Q; i++) {
        p->node[i] = -5.0 + 10.0 * i / (Q - 1);
        p->w[i] = exp(-0.5 * p->node[i] * p->node[i]);
        sw += p->w[i];
    }
    for (i = 0; i < Q; i++)
        p->w[i] /= sw;
    dla_irt_post_reset(p);
    return DLA_OK;
}

void dla_irt_post_fini(dla_irt_post_t *p)
{
    if (p == NULL)
        return;
    free(p->lik);
    p->lik = NULL;
}

void dla_irt_post_reset(dla_irt_post_t *p)
{
    size_t i, n = (size_t)p->dims * Q * Q;

    for (i = 0; i < n; i++)
        p->lik[i] = 1.0;
    memset(p->n, 0, sizeof(p->n));
}

void dla_irt_post_add(dla_irt_post_t *p, int dim, const dla_irt_par_t *par, int correct)
{
    double *t;
    double mx = 0.0;
    int i, j;

    if (dim < 0 || dim >= p->dims)
        return;
    t = p->lik + (size_t)dim * Q * Q;
    for (i = 0; i < Q; i++) {
        double lg = p->l * p->node[i];
        for (j = 0; j < Q; j++) {
            double pr = dla_irt_p(par, lg + p->m * p->node[j]);
            double v = t[i * Q + j] * (correct ? pr : 1.0 - pr);
            t[i * Q + j] = v;
            if (v > mx)
                mx = v;
        }
    }
    if (mx > 0.0 && mx < 1e-100) {
        double inv = 1.0 / mx;
        for (i = 0; i < Q * Q; i++)
            t[i] *= inv;
    } else if (mx > 0.0 && mx != 1.0) {
        for (i = 0; i < Q * Q; i++)
            t[i] /= mx;
    }
    p->n[dim]++;
}

void dla_irt_post_moments(const dla_irt_post_t *p, double *mean, double *cov,
                          double *g_mean, double *g_sd)
{
    double e1[DLA_IRT_MAX_DIMS][Q], e2[DLA_IRT_MAX_DIMS][Q];
    double lp[Q], pi[Q];
    double mx = -INFINITY, sp = 0.0, gm = 0.0, gv = 0.0;
    int d = p->dims, i, j, k, l;

    for (i = 0; i < Q; i++) {
        double g = p->l * p->node[i];
        lp[i] = log(p->w[i]);
        for (k = 0; k < d; k++) {
            const double *t = p->lik + (size_t)k * Q * Q + (size_t)i * Q;
            double s0 = 0.0, s1 = 0.0, s2 = 0.0;
            if (p->n[k] == 0) {
                /* prior only: E[s] = 0, E[s^2] = sum w x^2 (about 1) */
                for (j = 0; j < Q; j++)
                    s2 += p->w[j] * p->node[j] * p->node[j];
                e1[k][i] = g;
                e2[k][i] = g * g + p->m * p->m * s2;
                continue;
            }
            for (j = 0; j < Q; j++) {
                double th = g + p->m * p->node[j];
                double v = p->w[j] * t[j];
                s0 += v;
                s1 += v * th;
                s2 += v * th * th;
            }
            if (s0 > 0.0) {
                e1[k][i] = s1 / s0;
                e2[k][i] = s2 / s0;
                lp[i] += log(s0);
            } else {
                e1[k][i] = g;
                e2[k][i] = g * g;
                lp[i] = -INFINITY;
            }
        }
        if (lp[i] > mx)
            mx = lp[i];
    }
    for (i = 0; i < Q; i++) {
        pi[i] = isfinite(lp[i]) ? exp(lp[i] - mx) : 0.0;
        sp += pi[i];
    }
    for (i = 0; i < Q; i++)
        pi[i] /= sp;
    for (k = 0; k < d; k++) {
        double s = 0.0;
        for (i = 0; i < Q; i++)
            s += pi[i] * e1[k][i];
        mean[k] = s;
    }
    if (cov != NULL) {
        for (k = 0; k < d; k++) {
            for (l = k; l < d; l++) {
                double s = 0.0;
                if (k == l) {
                    for (i = 0; i < Q; i++)
                        s += pi[i] * e2[k][i];
                } else {
                    for (i = 0; i < Q; i++)
                        s += pi[i] * e1[k][i] * e1[l][i];
                }
                s -= mean[k] * mean[l];
                if (k == l && s < 0.0)
                    s = 0.0;
                cov[k * d + l] = s;
                cov[l * d + k] = s;
            }
        }
    }
    for (i = 0; i < Q; i++) {
        gm += pi[i] * p->node[i];
        gv += pi[i] * p->node[i] * p->node[i];
    }
    gv -= gm * gm;
    if (g_mean != NULL)
        *g_mean = gm;
    if (g_sd != NULL)
        *g_sd = gv > 0.0 ? sqrt(gv) : 0.0;
}
