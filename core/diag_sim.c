/* diag_sim.c - `dla simulate`: the real engine on simulated examinees against
 * a content-balanced fixed form drawn from the same bank.
 *
 * True area abilities: theta_k = sqrt(rho) g + sqrt(1-rho) s_k (N(0,1), pairwise
 * correlation rho). One uniform draw per examinee and item fixes every possible
 * response in advance (common random numbers), so both designs see the same
 * examinee answering the same item the same way. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dla_diag.h"

void dla_diag_sim_opts_default(dla_diag_sim_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->examinees = 2000;
    o->seed = 1;
    o->true_rho = 0.7;
    o->fixed_length = 82;
    o->grid_per_point = 0;
    dla_cat_opts_default(&o->cat);
}

/* inverse standard normal CDF by bisection on erfc (only used for a few targets) */
static double norm_quantile(double p)
{
    double lo = -8.0, hi = 8.0;
    int i;

    for (i = 0; i < 100; i++) {
        double mid = 0.5 * (lo + hi);
        if (0.5 * erfc(-mid / sqrt(2.0)) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

size_t dla_diag_fixed_form(const dla_diag_bank_t *b, int len, int best_a, size_t *out)
{
    const dla_framework_t *fw = b->fw;
    int slots[DLA_FW_MAX_COMPS], order[DLA_FW_MAX_AREAS];
    int nc = fw->n_comps, na = fw->n_areas, q, r, i, j, c;
    unsigned char *taken = NULL;
    size_t n = 0, k;

    if (len <= 0 || b->n_items == 0)
        return 0;
    taken = calloc(b->n_items, 1);
    if (taken == NULL)
        return 0;
    q = len / nc;
    r = len % nc;
    for (c = 0; c < nc; c++)
        slots[c] = q;
    /* the remainder goes to the smallest areas first, so areas are evened out */
    for (i = 0; i < na; i++)
        order[i] = i;
    for (i = 1; i < na; i++)
        for (j = i;
             j > 0 && fw->areas[order[j]].n_comps < fw->areas[order[j - 1]].n_comps;
             j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (i = 0; i < na && r > 0; i++) {
        const dla_fw_area_t *a = &fw->areas[order[i]];
        for (c = a->first_comp; c < a->first_comp + a->n_comps && r > 0; c++, r--)
            slots[c]++;
    }
    for (c = 0; c < nc; c++) {
        for (j = 0; j < slots[c]; j++) {
            double t = norm_quantile((j + 0.5) / slots[c]);
            long best = -1;
            double bd = 0.0;
            for (k = 0; k < b->n_items; k++) {
                const dla_diag_item_t *it = &b->items[k];
                double d;
                if (it->comp != c || taken[k])
                    continue;
                d = fabs(it->par.b - t);
                if (best < 0 || d < bd - 1e-12 ||
                    (best_a && fabs(d - bd) <= 1e-12 &&
                     it->par.a > b->items[best].par.a)) {
                    best = (long)k;
                    bd = d;
                }
            }
            if (best < 0)
                break;
            taken[best] = 1;
            out[n++] = (size_t)best;
        }
    }
    free(taken);
    return n;
}

typedef struct sim_acc_s {
    double e[DLA_IRT_MAX_DIMS], e2[DLA_IRT_MAX_DIMS];
    double sx[DLA_IRT_MAX_DIMS], sy[DLA_IRT_MAX_DIMS], sxx[DLA_IRT_MAX_DIMS],
        syy[DLA_IRT_MAX_DIMS], sxy[DLA_IRT_MAX_DIMS];
    double n;
    double broad_ok, exact_ok, cls_n;
    double len_sum, len_max, len_min, cap;
} sim_acc_t;

static void acc_add(sim_acc_t *a, int d, const double *truth, const double *est)
{
    int k;

    for (k = 0; k < d; k++) {
        double x = truth[k], y = est[k], e = y - x;
        int lt = dla_irt_level_of(x), le = dla_irt_level_of(y);
        a->e[k] += e;
        a->e2[k] += e * e;
        a->sx[k] += x;
        a->sy[k] += y;
        a->sxx[k] += x * x;
        a->syy[k] += y * y;
        a->sxy[k] += x * y;
        a->exact_ok += lt == le;
        a->broad_ok += dla_irt_broad_of(lt) == dla_irt_broad_of(le);
        a->cls_n += 1.0;
    }
    a->n += 1.0;
}

static double r3(double x)
{
    return round(x * 1000.0) / 1000.0;
}

static json_t *acc_json(const sim_acc_t *a, const dla_framework_t *fw, double *rmse_mean,
                        double *rmse_area, double *broad)
{
    json_t *o = json_object(), *arr = json_array();
    int k, d = fw->n_areas;
    double rm = 0.0, n = a->n > 0 ? a->n : 1.0;

    for (k = 0; k < d; k++) {
        double rmse = sqrt(a->e2[k] / n);
        double cxy = a->sxy[k] / n - (a->sx[k] / n) * (a->sy[k] / n);
        double vx = a->sxx[k] / n - (a->sx[k] / n) * (a->sx[k] / n);
        double vy = a->syy[k] / n - (a->sy[k] / n) * (a->sy[k] / n);
        double r = vx > 0 && vy > 0 ? cxy / sqrt(vx * vy) : 0.0;
        json_array_append_new(arr, json_pack("{s:s, s:f, s:f, s:f}", "area",
                                             fw->areas[k].id, "bias", r3(a->e[k] / n),
                                             "rmse", r3(rmse), "r", r3(r)));
        rm += rmse;
        if (rmse_area != NULL)
            rmse_area[k] = rmse;
    }
    rm /= d;
    json_object_set_new(o, "per_area", arr);
    json_object_set_new(o, "rmse_mean", json_real(r3(rm)));
    json_object_set_new(o, "broad_accuracy", json_real(r3(a->broad_ok / a->cls_n)));
    json_object_set_new(o, "exact_accuracy", json_real(r3(a->exact_ok / a->cls_n)));
    json_object_set_new(o, "length",
                        json_pack("{s:f, s:i, s:i}", "mean", r3(a->len_sum / n), "min",
                                  (int)a->len_min, "max", (int)a->len_max));
    json_object_set_new(o, "cap_share", json_real(r3(a->cap / n)));
    if (rmse_mean != NULL)
        *rmse_mean = rm;
    if (broad != NULL)
        *broad = a->broad_ok / a->cls_n;
    return o;
}

/* one examinee: both designs; fills estimates */
typedef struct sim_ctx_s {
    const dla_diag_bank_t *b;
    const dla_diag_sim_opts_t *o;
    dla_cat_bank_t cb;
    dla_cat_item_t *eng; /* the parameters the engine and the scorers believe */
    dla_cat_t *cat;
    dla_irt_post_t joint;
    size_t *form;
    size_t form_n;
    size_t *form2; /* the same rule, ties broken by the highest discrimination */
    size_t form2_n;
    double *u;     /* per item uniform */
    double *rate;  /* exposure rate */
    double *count; /* exposure counts (main run) */
    dla_irt_par_t *fpar;
    unsigned char *fresp;
    uint64_t rng_resp, rng_sel;
} sim_ctx_t;

static int resp_of(const sim_ctx_t *s, size_t i, const double *truth)
{
    const dla_diag_item_t *it = &s->b->items[i];
    return s->u[i] < dla_irt_p(&it->par, truth[it->area]);
}

static void score_form(sim_ctx_t *s, const size_t *form, size_t form_n,
                       const double *truth, double *est)
{
    const dla_diag_bank_t *b = s->b;
    size_t i, j;
    int k;

    for (k = 0; k < b->fw->n_areas; k++) {
        size_t m = 0;
        double se;
        for (j = 0; j < form_n; j++) {
            i = form[j];
            if (b->items[i].area != k)
                continue;
            s->fpar[m] = s->eng[i].par;
            s->fresp[m++] = (unsigned char)resp_of(s, i, truth);
        }
        dla_irt_eap1(s->fpar, s->fresp, m, 0.0, 1.0, &est[k], &se);
    }
}

static void sim_one(sim_ctx_t *s, const double *truth, int count_exposure,
                    double *cat_est, double *fix_est, double *joint_est, double *best_est,
                    int *len, int *cap)
{
    const dla_diag_bank_t *b = s->b;
    size_t i, j;
    dla_cat_exposure_t ex = {s->rate};

    for (i = 0; i < b->n_items; i++)
        s->u[i] = dla_cat_uniform(&s->rng_resp);
    /* adaptive */
    dla_cat_reset(s->cat);
    while (!dla_cat_done(s->cat)) {
        size_t it;
        if (dla_cat_next(s->cat, &ex, &s->rng_sel, &it) != DLA_OK)
            break;
        dla_cat_answer(s->cat, it, resp_of(s, it, truth));
        if (count_exposure)
            s->count[it] += 1.0;
    }
    dla_cat_estimate(s->cat, cat_est, NULL, NULL, NULL);
    *len = dla_cat_count(s->cat);
    *cap = dla_cat_hit_cap(s->cat);
    /* fixed forms, per-area EAP (independent N(0,1) priors) */
    score_form(s, s->form, s->form_n, truth, fix_est);
    if (best_est != NULL)
        score_form(s, s->form2, s->form2_n, truth, best_est);
    /* the same fixed form scored with the engine's correlated model */
    dla_irt_post_reset(&s->joint);
    for (j = 0; j < s->form_n; j++) {
        i = s->form[j];
        dla_irt_post_add(&s->joint, b->items[i].area, &s->eng[i].par,
                         resp_of(s, i, truth));
    }
    dla_irt_post_moments(&s->joint, joint_est, NULL, NULL, NULL);
}

static void true_theta(uint64_t *rng, double rho, int d, double *out)
{
    double g = dla_cat_normal(rng), l = sqrt(rho), m = sqrt(1.0 - rho);
    int k;

    for (k = 0; k < d; k++)
        out[k] = l * g + m * dla_cat_normal(rng);
}

int dla_diag_simulate(const dla_diag_bank_t *b, const dla_diag_sim_opts_t *o,
                      json_t **out, dla_err_t *err)
{
    sim_ctx_t s;
    sim_acc_t acat, afix, ajoint, abest;
    json_t *rep = NULL, *grid = NULL, *jcat, *jfix, *jjoint, *jbest;
    int d = b->fw->n_areas, e, k, rc = DLA_OK, gp, per_point;
    uint64_t rng_truth;
    double max_exp = 0.0, unused = 0.0, asum = 0.0, rm_cat, rm_fix, rm_joint, br_cat,
           br_fix, ra_cat[DLA_IRT_MAX_DIMS], ra_fix[DLA_IRT_MAX_DIMS], len_mean;
    size_t i;
    int area_ok = 1;

    memset(&s, 0, sizeof(s));
    memset(&acat, 0, sizeof(acat));
    memset(&afix, 0, sizeof(afix));
    memset(&ajoint, 0, sizeof(ajoint));
    memset(&abest, 0, sizeof(abest));
    if (o->examinees < 1 || o->examinees > 1000000 || o->fixed_length < 1)
        return dla_err_set(err, DLA_EINVAL, "simulate: bad options");
    if (b->cat == NULL || b->n_items == 0)
        return dla_err_set(err, DLA_EINVAL, "simulate: the item bank is empty");
    s.b = b;
    s.o = o;
    s.cb = dla_diag_bank_cat(b);
    s.eng = calloc(b->n_items, sizeof(*s.eng));
    if (s.eng == NULL)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    memcpy(s.eng, b->cat, b->n_items * sizeof(*s.eng));
    if (o->param_noise > 0.0) {
        /* calibration error: the engine believes b + N(0, s^2) and a * exp(N(0, (s/2)^2))
         * while responses follow the bank's parameters */
        uint64_t pr = dla_cat_seed(o->seed * 0x2545F4914F6CDD1DULL + 3);
        for (i = 0; i < b->n_items; i++) {
            s.eng[i].par.b += o->param_noise * dla_cat_normal(&pr);
            s.eng[i].par.a *= exp(0.5 * o->param_noise * dla_cat_normal(&pr));
        }
    }
    s.cb.items = s.eng;
    if ((rc = dla_cat_new(&s.cb, &o->cat, &s.cat, err)) != DLA_OK) {
        free(s.eng);
        return rc;
    }
    if ((rc = dla_irt_post_init(&s.joint, d, o->cat.rho, err)) != DLA_OK)
        goto cleanup;
    s.form = calloc((size_t)o->fixed_length, sizeof(size_t));
    s.form2 = calloc((size_t)o->fixed_length, sizeof(size_t));
    s.u = calloc(b->n_items, sizeof(double));
    s.rate = calloc(b->n_items, sizeof(double));
    s.count = calloc(b->n_items, sizeof(double));
    s.fpar = calloc((size_t)o->fixed_length, sizeof(dla_irt_par_t));
    s.fresp = calloc((size_t)o->fixed_length, 1);
    grid = json_array();
    if (!s.form || !s.form2 || !s.u || !s.rate || !s.count || !s.fpar || !s.fresp ||
        !grid) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    s.form_n = dla_diag_fixed_form(b, o->fixed_length, 0, s.form);
    s.form2_n = dla_diag_fixed_form(b, o->fixed_length, 1, s.form2);
    rng_truth = dla_cat_seed(o->seed);
    s.rng_resp = dla_cat_seed(o->seed * 0x9E3779B97F4A7C15ULL + 1);
    s.rng_sel = dla_cat_seed(o->seed * 0xD1B54A32D192ED03ULL + 2);
    acat.len_min = afix.len_min = 1e9;
    for (e = 0; e < o->examinees; e++) {
        double truth[DLA_IRT_MAX_DIMS], ec[DLA_IRT_MAX_DIMS], ef[DLA_IRT_MAX_DIMS],
            ej[DLA_IRT_MAX_DIMS], eb[DLA_IRT_MAX_DIMS];
        int len, cap;
        double denom = e < 30 ? 30.0 : (double)e;
        for (i = 0; i < b->n_items; i++)
            s.rate[i] = s.count[i] / denom;
        true_theta(&rng_truth, o->true_rho, d, truth);
        sim_one(&s, truth, 1, ec, ef, ej, eb, &len, &cap);
        acc_add(&acat, d, truth, ec);
        acc_add(&abest, d, truth, eb);
        acc_add(&afix, d, truth, ef);
        acc_add(&ajoint, d, truth, ej);
        acat.len_sum += len;
        acat.cap += cap;
        if (len > acat.len_max)
            acat.len_max = len;
        if (len < acat.len_min)
            acat.len_min = len;
    }
    afix.len_sum = ajoint.len_sum = abest.len_sum = (double)s.form_n * afix.n;
    afix.len_min = afix.len_max = ajoint.len_min = ajoint.len_max = (double)s.form_n;
    abest.len_min = abest.len_max = (double)s.form2_n;
    for (i = 0; i < b->n_items; i++) {
        double r = s.count[i] / o->examinees;
        if (r > max_exp)
            max_exp = r;
        if (s.count[i] == 0.0)
            unused += 1.0;
        asum += b->items[i].par.a;
    }
    /* conditional precision on a grid of equal profiles -3..3 */
    per_point = o->grid_per_point > 0 ? o->grid_per_point : o->examinees / 40;
    if (per_point < 5)
        per_point = 5;
    for (i = 0; i < b->n_items; i++)
        s.rate[i] = s.count[i] / o->examinees;
    for (gp = 0; gp <= 12; gp++) {
        double th = -3.0 + 0.5 * gp, truth[DLA_IRT_MAX_DIMS];
        double sc = 0, sc2 = 0, sf = 0, sf2 = 0, sl = 0;
        int m;
        for (k = 0; k < d; k++)
            truth[k] = th;
        for (m = 0; m < per_point; m++) {
            double ec[DLA_IRT_MAX_DIMS], ef[DLA_IRT_MAX_DIMS], ej[DLA_IRT_MAX_DIMS];
            int len, cap;
            sim_one(&s, truth, 0, ec, ef, ej, NULL, &len, &cap);
            for (k = 0; k < d; k++) {
                sc += ec[k] - th;
                sc2 += (ec[k] - th) * (ec[k] - th);
                sf += ef[k] - th;
                sf2 += (ef[k] - th) * (ef[k] - th);
            }
            sl += len;
        }
        m = per_point * d;
        json_array_append_new(grid, json_pack("{s:f, s:{s:f, s:f, s:f}, s:{s:f, s:f}}",
                                              "theta", th, "adaptive", "bias", r3(sc / m),
                                              "rmse", r3(sqrt(sc2 / m)), "length",
                                              r3(sl / per_point), "fixed", "bias",
                                              r3(sf / m), "rmse", r3(sqrt(sf2 / m))));
    }
    jcat = acc_json(&acat, b->fw, &rm_cat, ra_cat, &br_cat);
    jfix = acc_json(&afix, b->fw, &rm_fix, ra_fix, &br_fix);
    jjoint = acc_json(&ajoint, b->fw, &rm_joint, NULL, NULL);
    jbest = acc_json(&abest, b->fw, NULL, NULL, NULL);
    json_object_set_new(
        jbest, "scoring",
        json_string("per-area EAP; form ties broken by the highest discrimination"));
    json_object_set_new(jcat, "max_exposure", json_real(r3(max_exp)));
    json_object_set_new(jcat, "unused_share", json_real(r3(unused / b->n_items)));
    json_object_set_new(jfix, "max_exposure", json_real(s.form_n ? 1.0 : 0.0));
    json_object_set_new(jfix, "unused_share",
                        json_real(r3(1.0 - (double)s.form_n / b->n_items)));
    json_object_set_new(jfix, "scoring", json_string("per-area EAP, N(0,1) priors"));
    json_object_set_new(jjoint, "scoring",
                        json_string("correlated-area EAP (the engine's model)"));
    json_object_set_new(jcat, "scoring", json_string("correlated-area EAP"));
    for (k = 0; k < d; k++)
        if (ra_cat[k] > 1.10 * ra_fix[k])
            area_ok = 0;
    len_mean = acat.len_sum / acat.n;
    rep = json_pack(
        "{s:i, s:I, s:f, s:{s:s, s:i, s:i, s:i, s:f, s:s}, "
        "s:{s:f, s:f, s:i, s:i, s:i, s:s, s:i, s:f, s:f}}",
        "examinees", o->examinees, "seed", (json_int_t)o->seed, "true_correlation",
        o->true_rho, "bank", "framework", b->fw->id, "items", (int)b->n_items, "areas", d,
        "competences", b->fw->n_comps, "mean_a", r3(asum / b->n_items), "model",
        "3PL (c = 1/options)", "engine", "rho", o->cat.rho, "se_stop", o->cat.se_stop,
        "min_items", o->cat.min_items > 0 ? o->cat.min_items : b->fw->n_comps,
        "max_items", o->cat.max_items, "max_per_competence", o->cat.max_per_comp,
        "exposure_method", o->cat.progressive ? "progressive" : "randomesque",
        "randomesque", o->cat.progressive ? 0 : o->cat.randomesque, "max_exposure_target",
        o->cat.max_exposure, "param_noise", o->param_noise);
    if (rep == NULL) {
        json_decref(jcat);
        json_decref(jfix);
        json_decref(jjoint);
        json_decref(jbest);
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    json_object_set_new(rep, "adaptive", jcat);
    json_object_set_new(rep, "fixed", jfix);
    json_object_set_new(rep, "fixed_correlated", jjoint);
    json_object_set_new(rep, "fixed_best_a", jbest);
    json_object_set_new(rep, "grid", grid);
    grid = NULL;
    json_object_set_new(rep, "floors",
                        json_pack("{s:b, s:b, s:b, s:b, s:b, s:b}", "mean_length_le_40",
                                  len_mean <= 40.0, "rmse_mean_not_worse",
                                  rm_cat <= rm_fix, "no_area_10pct_worse", area_ok,
                                  "broad_accuracy_not_worse", br_cat >= br_fix,
                                  "max_exposure_le_0_40", max_exp <= 0.40, "pass",
                                  len_mean <= 40.0 && rm_cat <= rm_fix && area_ok &&
                                      br_cat >= br_fix && max_exp <= 0.40));
    *out = rep;
cleanup:
    json_decref(grid);
    dla_cat_free(s.cat);
    dla_irt_post_fini(&s.joint);
    free(s.form);
    free(s.form2);
    free(s.eng);
    free(s.u);
    free(s.rate);
    free(s.count);
    free(s.fpar);
    free(s.fresp);
    return rc;
}
