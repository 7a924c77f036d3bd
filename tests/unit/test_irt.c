/* test_irt.c - IRT math against hand-computed values: probabilities, information,
 * the level scale, initial parameters, EAP (one and several correlated
 * abilities) and MML/EM calibration recovery. Reference values computed with a
 * 200,001-point Riemann sum (see comments). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dla_cat.h"
#include "dla_irt.h"

#define NEAR(x, y, tol) assert_true(fabs((x) - (y)) < (tol))

static void test_probability_information(void **state)
{
    dla_irt_par_t p2 = {1.0, 0.0, 0.0}, p3 = {1.5, 0.5, 0.0}, g = {1.2, 0.0, 0.25};
    dla_irt_par_t g2 = {1.0, -1.0, 0.2};

    (void)state;
    /* 2PL at b: P = 1/2, I = a^2/4 */
    NEAR(dla_irt_p(&p2, 0.0), 0.5, 1e-12);
    NEAR(dla_irt_info(&p2, 0.0), 0.25, 1e-12);
    /* a=1.5, b=0.5, theta=1.5: P = 1/(1+e^-1.5) = 0.817574476..., I = 2.25 P Q */
    NEAR(dla_irt_p(&p3, 1.5), 0.8175744761936437, 1e-12);
    NEAR(dla_irt_info(&p3, 1.5), 0.33557951715824896, 1e-12);
    /* 3PL a=1.2, c=.25 at b: P = .625; I = 1.44 (.375^2)(.375)/(.75^2 .625) = 0.216 */
    NEAR(dla_irt_p(&g, 0.0), 0.625, 1e-12);
    NEAR(dla_irt_info(&g, 0.0), 0.216, 1e-12);
    NEAR(dla_irt_p(&g2, 1.0), 0.904637662382306, 1e-12);
    NEAR(dla_irt_info(&g2, 1.0), 0.08178128952650027, 1e-12);
    /* guessing lowers information at the same slope */
    assert_true(dla_irt_info(&g, 0.0) <
                dla_irt_info(&(dla_irt_par_t){1.2, 0.0, 0.0}, 0.0));
    /* extreme abilities stay finite */
    assert_true(dla_irt_p(&p3, 1e6) <= 1.0 && dla_irt_p(&p3, -1e6) >= 0.0);
    assert_true(isfinite(dla_irt_info(&g, -50.0)));
}

static void test_levels(void **state)
{
    (void)state;
    NEAR(dla_irt_level_b(1), -2.8, 1e-12);
    NEAR(dla_irt_level_b(4), -0.4, 1e-12);
    NEAR(dla_irt_level_b(5), 0.4, 1e-12);
    NEAR(dla_irt_level_b(8), 2.8, 1e-12);
    /* each level's centre maps to itself; cuts half-way */
    for (int l = 1; l <= 8; l++)
        assert_int_equal(dla_irt_level_of(dla_irt_level_b(l)), l);
    assert_int_equal(dla_irt_level_of(0.0), 5);
    assert_int_equal(dla_irt_level_of(-0.001), 4);
    assert_int_equal(dla_irt_level_of(-1.6), 3);
    assert_int_equal(dla_irt_level_of(-1.601), 2);
    assert_int_equal(dla_irt_level_of(-100.0), 1);
    assert_int_equal(dla_irt_level_of(100.0), 8);
    assert_int_equal(dla_irt_level_of(NAN), 1);
    assert_int_equal(dla_irt_broad_of(1), 1);
    assert_int_equal(dla_irt_broad_of(2), 1);
    assert_int_equal(dla_irt_broad_of(3), 2);
    assert_int_equal(dla_irt_broad_of(6), 3);
    assert_int_equal(dla_irt_broad_of(8), 4);
    NEAR(dla_irt_level_pos(0.0), 4.5, 1e-12);
    NEAR(dla_irt_level_pos(-9.0), 0.5, 1e-12);
}

static void test_initial_parameters(void **state)
{
    dla_irt_par_t p, q;
    double sum = 0.0;
    char id[32];
    int i;

    (void)state;
    dla_irt_initial("dc21-1.1-01", 3, 4, &p);
    dla_irt_initial("dc21-1.1-01", 3, 4, &q);
    assert_memory_equal(&p, &q, sizeof(p)); /* deterministic */
    NEAR(p.b, -1.2, 1e-12);
    NEAR(p.c, 0.25, 1e-12);
    dla_irt_initial("x", 8, 3, &p);
    NEAR(p.c, 1.0 / 3.0, 1e-12);
    NEAR(p.b, 2.8, 1e-12);
    /* FNV-1a of "" and "a" (published test vectors) */
    assert_true(dla_irt_hash("") == 0xcbf29ce484222325ULL);
    assert_true(dla_irt_hash("a") == 0xaf63dc4c8601ec8cULL);
    for (i = 0; i < 2000; i++) {
        snprintf(id, sizeof(id), "item-%d", i);
        dla_irt_initial(id, 1 + i % 8, 4, &p);
        assert_true(p.a >= 0.8 && p.a < 1.7);
        sum += p.a;
    }
    assert_true(sum / 2000 <= 1.3 && sum / 2000 > 1.2);
}

static void test_eap1(void **state)
{
    dla_irt_par_t one = {1.0, 0.0, 0.0};
    dla_irt_par_t two[2] = {{1.5, 0.5, 0.25}, {0.8, -1.0, 0.0}};
    dla_irt_par_t pr = {1.2, 0.3, 0.0};
    unsigned char r1 = 1, r2[2] = {1, 0};
    double th, se;

    (void)state;
    /* no data: the prior */
    dla_irt_eap1(&one, &r1, 0, 0.0, 1.0, &th, &se);
    NEAR(th, 0.0, 1e-9);
    NEAR(se, 1.0, 1e-3);
    /* one correct 2PL answer at b = 0: E = E[phi'] / (1/2) = 0.41324 */
    dla_irt_eap1(&one, &r1, 1, 0.0, 1.0, &th, &se);
    NEAR(th, 0.4132419282838058, 1e-3);
    NEAR(se, 0.9106212762220433, 1e-3);
    /* 3PL correct + 2PL wrong */
    dla_irt_eap1(two, r2, 2, 0.0, 1.0, &th, &se);
    NEAR(th, -0.1509337576873604, 1e-3);
    NEAR(se, 0.9569136754010066, 1e-3);
    /* non-standard prior N(0.5, 0.8^2) */
    dla_irt_eap1(&pr, &r1, 1, 0.5, 0.8, &th, &se);
    NEAR(th, 0.7893824425508025, 1e-3);
    NEAR(se, 0.7346396734506001, 1e-3);
}

static void test_correlated_posterior(void **state)
{
    dla_irt_post_t p;
    dla_irt_par_t one = {1.0, 0.0, 0.0};
    dla_irt_par_t two[2] = {{1.5, 0.5, 0.25}, {0.8, -1.0, 0.0}};
    double mean[5], cov[25], gm, gs;
    int k;

    (void)state;
    assert_int_equal(dla_irt_post_init(&p, 0, 0.5, NULL), DLA_EINVAL);
    assert_int_equal(dla_irt_post_init(&p, 2, 1.0, NULL), DLA_EINVAL);
    /* prior: unit variances, correlation rho */
    assert_int_equal(dla_irt_post_init(&p, 5, 0.7, NULL), DLA_OK);
    dla_irt_post_moments(&p, mean, cov, &gm, &gs);
    for (k = 0; k < 5; k++) {
        NEAR(mean[k], 0.0, 1e-9);
        NEAR(cov[k * 5 + k], 1.0, 2e-3);
    }
    NEAR(cov[1], 0.7, 2e-3);
    /* one correct answer on area 0: E[theta_0] as in one dimension, and for
     * any other area E[theta_1 | data] = rho E[theta_0 | data] (Gaussian
     * regression), Var = 1 - rho^2 + rho^2 Var(theta_0 | data) */
    dla_irt_post_add(&p, 0, &one, 1);
    dla_irt_post_moments(&p, mean, cov, &gm, &gs);
    NEAR(mean[0], 0.4132419282838058, 2e-3);
    NEAR(sqrt(cov[0]), 0.9106212762220433, 2e-3);
    NEAR(mean[3], 0.7 * 0.4132419282838058, 2e-3);
    NEAR(sqrt(cov[3 * 5 + 3]), 0.957247743934165, 2e-3);
    NEAR(cov[1 * 5 + 2], cov[2 * 5 + 1], 1e-12);
    /* rho = 0: areas independent, equal to the one-dimensional EAP */
    dla_irt_post_fini(&p);
    assert_int_equal(dla_irt_post_init(&p, 3, 0.0, NULL), DLA_OK);
    dla_irt_post_add(&p, 1, &two[0], 1);
    dla_irt_post_add(&p, 1, &two[1], 0);
    dla_irt_post_moments(&p, mean, cov, NULL, NULL);
    NEAR(mean[1], -0.1509337576873604, 2e-3);
    NEAR(sqrt(cov[4]), 0.9569136754010066, 2e-3);
    NEAR(mean[0], 0.0, 1e-9);
    NEAR(cov[1], 0.0, 1e-9);
    /* many responses do not underflow */
    for (k = 0; k < 400; k++)
        dla_irt_post_add(&p, 2, &one, k % 3 != 0);
    dla_irt_post_moments(&p, mean, cov, NULL, NULL);
    assert_true(isfinite(mean[2]) && mean[2] > 0.3 && sqrt(cov[8]) < 0.15);
    dla_irt_post_reset(&p);
    dla_irt_post_moments(&p, mean, cov, NULL, NULL);
    NEAR(mean[2], 0.0, 1e-9);
    dla_irt_post_fini(&p);
}

static void test_calibration_recovers_2pl(void **state)
{
    enum { NP = 2000, NI = 10 };
    static const dla_irt_par_t truth[NI] = {
        {0.8, -1.5, 0}, {1.0, -1.0, 0}, {1.2, -0.5, 0}, {1.6, 0.0, 0},  {1.4, 0.3, 0},
        {1.0, 0.8, 0},  {1.8, 1.0, 0},  {0.9, 1.5, 0},  {1.3, -0.2, 0}, {1.1, 0.5, 0}};
    unsigned char *resp = malloc((size_t)NP * (NI + 1));
    dla_irt_par_t par[NI + 1];
    dla_irt_fit_t fit[NI + 1];
    uint64_t rng = dla_cat_seed(42);
    int p, i, it;

    (void)state;
    assert_non_null(resp);
    for (p = 0; p < NP; p++) {
        double th = dla_cat_normal(&rng);
        for (i = 0; i < NI; i++)
            resp[p * (NI + 1) + i] = dla_cat_uniform(&rng) < dla_irt_p(&truth[i], th);
        /* item NI: seen by only 50 persons -> below the minimum sample */
        resp[p * (NI + 1) + NI] =
            p < 50 ? (unsigned char)(dla_cat_uniform(&rng) < 0.5) : 255;
    }
    for (i = 0; i <= NI; i++)
        par[i] = (dla_irt_par_t){1.0, 0.0, 0.0};
    it = dla_irt_calibrate(resp, NP, NI + 1, par, fit, 200, 500, NULL);
    assert_true(it > 1);
    for (i = 0; i < NI; i++) {
        assert_true(fit[i].fitted);
        assert_int_equal(fit[i].n, NP);
        NEAR(par[i].a, truth[i].a, 0.25);
        NEAR(par[i].b, truth[i].b, 0.2);
        assert_true(fit[i].a_se > 0.0 && fit[i].a_se < 0.2);
        assert_true(fit[i].rmsd < 0.08);
    }
    assert_false(fit[NI].fitted);
    assert_int_equal(fit[NI].n, 50);
    NEAR(par[NI].a, 1.0, 1e-12);
    assert_true(dla_irt_calibrate(resp, 0, NI, par, fit, 10, 10, NULL) < 0);
    free(resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probability_information),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_initial_parameters),
        cmocka_unit_test(test_eap1),
        cmocka_unit_test(test_correlated_posterior),
        cmocka_unit_test(test_calibration_recovers_2pl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
