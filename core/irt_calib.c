/* irt_calib.c - item calibration by marginal maximum likelihood with the
 * Bock-Aitkin EM algorithm: ability N(0,1) on 41 quadrature nodes; the E-step
 * gives expected numbers of examinees (n_iq) and of correct answers (r_iq) per
 * item and node; the M-step maximises each item's expected log-likelihood in
 * (a, b) by Fisher scoring with c held at its given value (c = 0: 2PL). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dla_irt.h"

#define CQ 41
#define MISSING 255

static void item_newton(dla_irt_par_t *p, const double *x, const double *nq,
                        const double *rq, double *a_se, double *b_se, double *moved)
{
    int it, q;
    double old_a = p->a, old_b = p->b;

    for (it = 0; it < 20; it++) {
        double sa = 0, sb = 0, iaa = 0, iab = 0, ibb = 0, det, da, db;
        for (q = 0; q < CQ; q++) {
            double ps, pr, dpa, dpb, v;
            double z = p->a * (x[q] - p->b);
            if (nq[q] <= 0.0)
                continue;
            ps = 1.0 / (1.0 + exp(-z));
            pr = p->c + (1.0 - p->c) * ps;
            if (pr < 1e-9)
                pr = 1e-9;
            if (pr > 1.0 - 1e-9)
                pr = 1.0 - 1e-9;
            dpa = (1.0 - p->c) * ps * (1.0 - ps) * (x[q] - p->b);
            dpb = -(1.0 - p->c) * ps * (1.0 - ps) * p->a;
            v = pr * (1.0 - pr);
            sa += (rq[q] - nq[q] * pr) / v * dpa;
            sb += (rq[q] - nq[q] * pr) / v * dpb;
            iaa += nq[q] * dpa * dpa / v;
            iab += nq[q] * dpa * dpb / v;
            ibb += nq[q] * dpb * dpb / v;
        }
        det = iaa * ibb - iab * iab;
        if (!(det > 1e-12))
            break;
        da = (ibb * sa - iab * sb) / det;
        db = (iaa * sb - iab * sa) / det;
        if (da > 0.5)
            da = 0.5;
        if (da < -0.5)
            da = -0.5;
        if (db > 0.5)
            db = 0.5;
        if (db < -0.5)
            db = -0.5;
        p->a += da;
        p->b += db;
        if (p->a < 0.2)
            p->a = 0.2;
        if (p->a > 4.0)
            p->a = 4.0;
        if (p->b < -6.0)
            p->b = -6.0;
        if (p->b > 6.0)
            p->b = 6.0;
        *a_se = sqrt(ibb / det);
        *b_se = sqrt(iaa / det);
        if (fabs(da) < 1e-7 && fabs(db) < 1e-7)
            break;
    }
    *moved = fmax(fabs(p->a - old_a), fabs(p->b - old_b));
}

int dla_irt_calibrate(const unsigned char *resp, size_t n_persons, size_t n_items,
                      dla_irt_par_t *par, dla_irt_fit_t *fit, int min_n, int max_iter,
                      dla_err_t *err)
{
    double x[CQ], w[CQ], sw = 0.0;
    double *nq = NULL, *rq = NULL, *pq = NULL, *lp = NULL;
    size_t i, p;
    int q, iter, rc = 0;

    if (n_items == 0 || n_persons == 0)
        return dla_err_set(err, DLA_EINVAL, "calibration needs responses");
    if (n_items > 100000 || n_persons > 10000000 || n_persons * n_items > 400000000u)
        return dla_err_set(err, DLA_ETOOBIG, "calibration data too large");
    nq = calloc(n_items * CQ, sizeof(double));
    rq = calloc(n_items * CQ, sizeof(double));
    pq = calloc(n_items * CQ, sizeof(double));
    lp = calloc(CQ, sizeof(double));
    if (nq == NULL || rq == NULL || pq == NULL || lp == NULL) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (q = 0; q < CQ; q++) {
        x[q] = -5.0 + 10.0 * q / (CQ - 1);
        w[q] = exp(-0.5 * x[q] * x[q]);
        sw += w[q];
    }
    for (q = 0; q < CQ; q++)
        w[q] /= sw;
    for (i = 0; i < n_items; i++) {
        memset(&fit[i], 0, sizeof(fit[i]));
        for (p = 0; p < n_persons; p++) {
            unsigned char r = resp[p * n_items + i];
            if (r == MISSING)
                continue;
            fit[i].n++;
            fit[i].p_correct += r ? 1.0 : 0.0;
        }
        if (fit[i].n > 0)
            fit[i].p_correct /= fit[i].n;
        fit[i].fitted = fit[i].n >= min_n && fit[i].n > 0 && fit[i].p_correct > 0.0 &&
                        fit[i].p_correct < 1.0;
    }
    for (iter = 1; iter <= max_iter; iter++) {
        double moved = 0.0;
        /* E-step */
        memset(nq, 0, n_items * CQ * sizeof(double));
        memset(rq, 0, n_items * CQ * sizeof(double));
        for (i = 0; i < n_items; i++)
            for (q = 0; q < CQ; q++) {
                double pr = dla_irt_p(&par[i], x[q]);
                pq[i * CQ + q] = pr;
            }
        for (p = 0; p < n_persons; p++) {
            double mx = -INFINITY, s = 0.0;
            const unsigned char *row = resp + p * n_items;
            for (q = 0; q < CQ; q++)
                lp[q] = log(w[q]);
            for (i = 0; i < n_items; i++) {
                if (row[i] == MISSING)
                    continue;
                for (q = 0; q < CQ; q++)
                    lp[q] += log(row[i] ? pq[i * CQ + q] : 1.0 - pq[i * CQ + q]);
            }
            for (q = 0; q < CQ; q++)
                if (lp[q] > mx)
                    mx = lp[q];
            for (q = 0; q < CQ; q++) {
                lp[q] = exp(lp[q] - mx);
                s += lp[q];
            }
            for (q = 0; q < CQ; q++)
                lp[q] /= s;
            for (i = 0; i < n_items; i++) {
                if (row[i] == MISSING)
                    continue;
                for (q = 0; q < CQ; q++) {
                    nq[i * CQ + q] += lp[q];
                    if (row[i])
                        rq[i * CQ + q] += lp[q];
                }
            }
        }
        /* M-step */
        for (i = 0; i < n_items; i++) {
            double mv = 0.0;
            if (!fit[i].fitted)
                continue;
            item_newton(&par[i], x, nq + i * CQ, rq + i * CQ, &fit[i].a_se, &fit[i].b_se,
                        &mv);
            if (mv > moved)
                moved = mv;
        }
        rc = iter;
        if (moved < 1e-4)
            break;
    }
    /* fit: weighted RMSD between observed and model proportions over nodes */
    for (i = 0; i < n_items; i++) {
        double s = 0.0, tot = 0.0;
        for (q = 0; q < CQ; q++) {
            double n = nq[i * CQ + q], d;
            if (n <= 1e-9)
                continue;
            d = rq[i * CQ + q] / n - dla_irt_p(&par[i], x[q]);
            s += n * d * d;
            tot += n;
        }
        fit[i].rmsd = tot > 0 ? sqrt(s / tot) : 0.0;
    }
cleanup:
    free(nq);
    free(rq);
    free(pq);
    free(lp);
    return rc;
}
