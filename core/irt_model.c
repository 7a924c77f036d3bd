/* irt_model.c - 2PL/3PL response functions, the DigComp level scale, initial
 * parameters from the level and the one-dimensional EAP estimator. */
#include <math.h>

#include "dla_irt.h"

double dla_irt_p(const dla_irt_par_t *p, double theta)
{
    double z = p->a * (theta - p->b);
    double ps;

    /* clamp to keep exp() finite and P strictly inside (0,1) */
    if (z > 35.0)
        z = 35.0;
    else if (z < -35.0)
        z = -35.0;
    ps = 1.0 / (1.0 + exp(-z));
    return p->c + (1.0 - p->c) * ps;
}

double dla_irt_info(const dla_irt_par_t *p, double theta)
{
    double pr = dla_irt_p(p, theta);
    double q = 1.0 - pr;
    double d = pr - p->c;
    double one_c = 1.0 - p->c;

    if (pr <= 0.0 || q <= 0.0 || one_c <= 0.0)
        return 0.0;
    return p->a * p->a * d * d * q / (one_c * one_c * pr);
}

double dla_irt_level_b(int level)
{
    return ((double)level - 4.5) / 1.25;
}

int dla_irt_level_of(double theta)
{
    double v = floor(1.25 * theta + 5.0);

    if (!(v >= 1.0)) /* also NaN */
        return 1;
    if (v > 8.0)
        return 8;
    return (int)v;
}

int dla_irt_broad_of(int level)
{
    if (level < 1)
        level = 1;
    if (level > 8)
        level = 8;
    return (level + 1) / 2;
}

double dla_irt_level_pos(double theta)
{
    double v = 4.5 + 1.25 * theta;

    if (!(v >= 0.5))
        return 0.5;
    if (v > 8.5)
        return 8.5;
    return v;
}

uint64_t dla_irt_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void dla_irt_initial(const char *item_id, int level, int n_options, dla_irt_par_t *out)
{
    uint64_t h = dla_irt_hash(item_id);
    double u;

    /* splitmix64 finaliser: FNV-1a alone leaves the top bits of similar short
     * ids correlated; then the top 53 bits -> uniform [0,1) */
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
    h ^= h >> 31;
    u = (double)(h >> 11) * (1.0 / 9007199254740992.0);

    out->a = 0.8 + 0.9 * u;
    out->b = dla_irt_level_b(level);
    out->c = n_options >= 2 ? 1.0 / (double)n_options : 0.0;
}

#define EAP1_Q 81

void dla_irt_eap1(const dla_irt_par_t *par, const unsigned char *resp, size_t n,
                  double prior_mean, double prior_sd, double *theta, double *se)
{
    double lw[EAP1_Q], x[EAP1_Q];
    double mx = -INFINITY, s0 = 0.0, s1 = 0.0, s2 = 0.0, mean, var;
    int q;
    size_t i;

    if (!(prior_sd > 0.0))
        prior_sd = 1.0;
    for (q = 0; q < EAP1_Q; q++) {
        double z = -5.0 + 10.0 * q / (EAP1_Q - 1);
        double l = -0.5 * z * z;

        x[q] = prior_mean + prior_sd * z;
        for (i = 0; i < n; i++) {
            double pr = dla_irt_p(&par[i], x[q]);
            l += log(resp[i] ? pr : 1.0 - pr);
        }
        lw[q] = l;
        if (l > mx)
            mx = l;
    }
    for (q = 0; q < EAP1_Q; q++) {
        double w = exp(lw[q] - mx);
        s0 += w;
        s1 += w * x[q];
        s2 += w * x[q] * x[q];
    }
    mean = s1 / s0;
    var = s2 / s0 - mean * mean;
    *theta = mean;
    *se = var > 0.0 ? sqrt(var) : 0.0;
}
