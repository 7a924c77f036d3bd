/* cat_engine.c - adaptive item selection over correlated area abilities.
 *
 * Selection: for each eligible item of area k, Fisher information I at the
 * current EAP of area k; with posterior covariance S (from the exact grid
 * posterior), one more observation with information I reduces the weighted
 * trace of S by (Sherman-Morrison)
 *     gain = I * sum_l w_l S_lk^2 / (1 + I S_kk)
 * where w_l = 1 for areas still above the SE target and 0.2 for areas already
 * there. So an item in one area is valued for what it tells about all areas,
 * which is how the correlated prior borrows strength. The best `randomesque`
 * items form the candidate set and one is drawn at random.
 * Content: at most max_per_comp items per competence; once the competences not
 * yet sampled would no longer fit in the remaining length (or every area has
 * met its target), only those competences are eligible, so every competence
 * is sampled before the test ends. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dla_cat.h"

struct dla_cat_s {
    dla_cat_bank_t bank;
    int n_comps_with_items; /* competences that have at least one item */
    dla_cat_opts_t opts;
    dla_irt_post_t post;
    unsigned char *used; /* per item */
    double *gain;        /* per item, scratch for selection */
    int *comp_count;     /* per competence */
    int n_admin;
    int n_unsampled; /* competences with no item yet */
    double mean[DLA_IRT_MAX_DIMS];
    double cov[DLA_IRT_MAX_DIMS * DLA_IRT_MAX_DIMS];
    double g_mean, g_sd;
};

void dla_cat_opts_default(dla_cat_opts_t *o)
{
    o->rho = 0.7;
    o->se_stop = 0.35;
    o->min_items = 0;
    o->max_items = 40;
    o->max_per_comp = 4;
    o->randomesque = 3;
    o->max_exposure = 0.38;
    o->progressive = 1;
}

static void cat_refresh(dla_cat_t *c)
{
    dla_irt_post_moments(&c->post, c->mean, c->cov, &c->g_mean, &c->g_sd);
}

int dla_cat_new(const dla_cat_bank_t *bank, const dla_cat_opts_t *opts, dla_cat_t **out,
                dla_err_t *err)
{
    dla_cat_t *c = NULL;
    size_t i;
    int rc;

    if (bank->n_areas < 1 || bank->n_areas > DLA_IRT_MAX_DIMS || bank->n_comps < 1)
        return dla_err_set(err, DLA_EINVAL, "bank has %d areas and %d competences",
                           bank->n_areas, bank->n_comps);
    for (i = 0; i < bank->n_items; i++) {
        const dla_cat_item_t *it = &bank->items[i];
        if (it->area < 0 || it->area >= bank->n_areas || it->comp < 0 ||
            it->comp >= bank->n_comps || !(it->par.a > 0.0) || !(it->par.c >= 0.0) ||
            !(it->par.c < 1.0) || !isfinite(it->par.b))
            return dla_err_set(err, DLA_EINVAL, "bank item %zu is malformed", i);
    }
    if (opts->max_items < 1 || !(opts->se_stop > 0.0) || opts->randomesque < 1)
        return dla_err_set(err, DLA_EINVAL, "bad engine options");
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    c->bank = *bank;
    c->opts = *opts;
    if (c->opts.min_items <= 0)
        c->opts.min_items = 0; /* set below: competences that have items */
    rc = dla_irt_post_init(&c->post, bank->n_areas, opts->rho, err);
    if (rc != DLA_OK)
        goto fail;
    c->used = calloc(bank->n_items ? bank->n_items : 1, 1);
    c->comp_count = calloc((size_t)bank->n_comps, sizeof(int));
    c->gain = calloc(bank->n_items ? bank->n_items : 1, sizeof(double));
    if (c->used == NULL || c->comp_count == NULL || c->gain == NULL) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto fail;
    }
    for (i = 0; i < bank->n_items; i++)
        c->comp_count[bank->items[i].comp] = 1;
    for (rc = 0; rc < bank->n_comps; rc++)
        c->n_comps_with_items += c->comp_count[rc];
    if (c->opts.min_items <= 0)
        c->opts.min_items = c->n_comps_with_items;
    dla_cat_reset(c);
    *out = c;
    return DLA_OK;
fail:
    dla_cat_free(c);
    return rc;
}

void dla_cat_free(dla_cat_t *c)
{
    if (c == NULL)
        return;
    dla_irt_post_fini(&c->post);
    free(c->used);
    free(c->gain);
    free(c->comp_count);
    free(c);
}

void dla_cat_reset(dla_cat_t *c)
{
    dla_irt_post_reset(&c->post);
    memset(c->used, 0, c->bank.n_items ? c->bank.n_items : 1);
    memset(c->comp_count, 0, sizeof(int) * (size_t)c->bank.n_comps);
    c->n_admin = 0;
    c->n_unsampled = c->n_comps_with_items;
    cat_refresh(c);
}

int dla_cat_answer(dla_cat_t *c, size_t item, int correct)
{
    const dla_cat_item_t *it;

    if (item >= c->bank.n_items)
        return DLA_EINVAL;
    if (c->used[item])
        return DLA_EEXIST;
    it = &c->bank.items[item];
    c->used[item] = 1;
    if (c->comp_count[it->comp]++ == 0)
        c->n_unsampled--;
    c->n_admin++;
    dla_irt_post_add(&c->post, it->area, &it->par, correct ? 1 : 0);
    cat_refresh(c);
    return DLA_OK;
}

static int cat_all_areas_met(const dla_cat_t *c)
{
    int k, d = c->bank.n_areas;
    double t2 = c->opts.se_stop * c->opts.se_stop;

    for (k = 0; k < d; k++)
        if (c->cov[k * d + k] > t2)
            return 0;
    return 1;
}

int dla_cat_done(const dla_cat_t *c)
{
    if (c->n_admin >= c->opts.max_items || (size_t)c->n_admin >= c->bank.n_items)
        return 1;
    if (c->n_admin < c->opts.min_items || c->n_unsampled > 0)
        return 0;
    return cat_all_areas_met(c);
}

int dla_cat_count(const dla_cat_t *c)
{
    return c->n_admin;
}

int dla_cat_hit_cap(const dla_cat_t *c)
{
    return c->n_admin >= c->opts.max_items && !cat_all_areas_met(c);
}

int dla_cat_remaining(const dla_cat_t *c)
{
    int d = c->bank.n_areas, k, need = 0, cap_left;
    double t2 = c->opts.se_stop * c->opts.se_stop;

    if (dla_cat_done(c))
        return 0;
    cap_left = c->opts.max_items - c->n_admin;
    /* about 0.3 units of information per well-targeted item (3PL, a ~ 1.25) */
    for (k = 0; k < d; k++) {
        double v = c->cov[k * d + k];
        if (v > t2)
            need += (int)ceil((1.0 / t2 - 1.0 / v) / 0.3);
    }
    if (need < c->n_unsampled)
        need = c->n_unsampled;
    if (need < c->opts.min_items - c->n_admin)
        need = c->opts.min_items - c->n_admin;
    if (need < 1)
        need = 1;
    return need < cap_left ? need : cap_left;
}

void dla_cat_estimate(const dla_cat_t *c, double *mean, double *sd, double *g_mean,
                      double *g_sd)
{
    int d = c->bank.n_areas, k;

    for (k = 0; k < d; k++) {
        if (mean != NULL)
            mean[k] = c->mean[k];
        if (sd != NULL)
            sd[k] = sqrt(c->cov[k * d + k]);
    }
    if (g_mean != NULL)
        *g_mean = c->g_mean;
    if (g_sd != NULL)
        *g_sd = c->g_sd;
}

#define CAT_TOPK_MAX 16

int dla_cat_next(dla_cat_t *c, const dla_cat_exposure_t *exp, uint64_t *rng, size_t *item)
{
    int d = c->bank.n_areas, k, l, ntop = 0, only_new, pass, n_elig = 0;
    int topk = c->opts.randomesque > CAT_TOPK_MAX ? CAT_TOPK_MAX : c->opts.randomesque;
    double t2 = c->opts.se_stop * c->opts.se_stop, gmax = 0.0;
    double num[DLA_IRT_MAX_DIMS];
    double top_gain[CAT_TOPK_MAX];
    size_t top_idx[CAT_TOPK_MAX];
    size_t i;

    /* per area: sum_l w_l S_lk^2 */
    for (k = 0; k < d; k++) {
        double s = 0.0;
        for (l = 0; l < d; l++) {
            double w = c->cov[l * d + l] > t2 ? 1.0 : 0.2;
            s += w * c->cov[l * d + k] * c->cov[l * d + k];
        }
        num[k] = s;
    }
    only_new = c->n_unsampled > 0 &&
               (c->n_unsampled >= c->opts.max_items - c->n_admin || cat_all_areas_met(c));
    /* pass 0 honours exposure control; pass 1 drops it if nothing is eligible */
    for (pass = 0; pass < 2 && n_elig == 0; pass++) {
        for (i = 0; i < c->bank.n_items; i++) {
            const dla_cat_item_t *it = &c->bank.items[i];
            double info;

            c->gain[i] = -1.0;
            if (c->used[i])
                continue;
            if (c->opts.max_per_comp > 0 &&
                c->comp_count[it->comp] >= c->opts.max_per_comp)
                continue;
            if (only_new && c->comp_count[it->comp] > 0)
                continue;
            if (pass == 0 && exp != NULL && exp->rate != NULL &&
                c->opts.max_exposure > 0.0 && exp->rate[i] >= c->opts.max_exposure)
                continue;
            k = it->area;
            info = dla_irt_info(&it->par, c->mean[k]);
            c->gain[i] = info * num[k] / (1.0 + info * c->cov[k * d + k]);
            if (c->gain[i] > gmax)
                gmax = c->gain[i];
            n_elig++;
        }
    }
    if (n_elig == 0)
        return DLA_ENOTFOUND;
    if (c->opts.progressive) {
        /* progressive method (Revuelta & Ponsoda 1998): a random component that
         * fades out over the test, so early (poorly targeted) positions spread
         * exposure and the best items stay available where targeting pays */
        double w = (double)c->n_admin / (double)c->opts.max_items, best = -1.0;
        size_t bi = 0;
        if (w > 1.0)
            w = 1.0;
        for (i = 0; i < c->bank.n_items; i++) {
            double sc;
            if (c->gain[i] < 0.0)
                continue;
            sc = (1.0 - w) * dla_cat_uniform(rng) * gmax + w * c->gain[i];
            if (sc > best) {
                best = sc;
                bi = i;
            }
        }
        *item = bi;
        return DLA_OK;
    }
    for (i = 0; i < c->bank.n_items; i++) {
        double gain = c->gain[i];
        int pos;
        if (gain < 0.0)
            continue;
        /* insert into the sorted top list (descending gain, ties by index) */
        if (ntop == topk && gain <= top_gain[ntop - 1])
            continue;
        pos = ntop < topk ? ntop++ : topk - 1;
        while (pos > 0 && top_gain[pos - 1] < gain) {
            top_gain[pos] = top_gain[pos - 1];
            top_idx[pos] = top_idx[pos - 1];
            pos--;
        }
        top_gain[pos] = gain;
        top_idx[pos] = i;
    }
    *item = top_idx[ntop > 1 ? (int)(dla_cat_uniform(rng) * ntop) % ntop : 0];
    return DLA_OK;
}

uint64_t dla_cat_rand(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ULL;
}

double dla_cat_uniform(uint64_t *state)
{
    return (double)(dla_cat_rand(state) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t dla_cat_seed(uint64_t seed)
{
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL;

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z ? z : 0x2545F4914F6CDD1DULL;
}

double dla_cat_normal(uint64_t *state)
{
    double u1, u2;

    do
        u1 = dla_cat_uniform(state);
    while (u1 <= 0.0);
    u2 = dla_cat_uniform(state);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}
