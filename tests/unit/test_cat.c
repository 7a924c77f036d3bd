/* test_cat.c - the adaptive engine: determinism for a seed, content balancing,
 * exposure control, stopping rules, estimates moving the right way. */
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
#include "dla_diag.h"

static dla_framework_t *fw;
static dla_diag_bank_t bank;

static int setup(void **state)
{
    dla_err_t err;

    (void)state;
    if (dla_framework_load(DLA_SOURCE_DIR "/config/frameworks/digcomp-2.1.json", &fw,
                           &err) != DLA_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    dla_diag_bank_init(&bank, fw);
    return dla_diag_bank_synthetic(&bank, 15, &err) == DLA_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    dla_diag_bank_free(&bank);
    dla_framework_free(fw);
    return 0;
}

/* Runs one examinee with fixed true abilities; writes the item sequence. */
static int run(dla_cat_t *c, uint64_t seed, const double *truth, size_t *seq,
               const dla_cat_exposure_t *ex)
{
    uint64_t rng = dla_cat_seed(seed), resp = dla_cat_seed(seed + 1000);
    int n = 0;

    dla_cat_reset(c);
    while (!dla_cat_done(c)) {
        size_t it;
        const dla_cat_item_t *ci;
        int rem = dla_cat_remaining(c);
        assert_true(rem >= 1 && rem <= 40 - dla_cat_count(c));
        if (dla_cat_next(c, ex, &rng, &it) != DLA_OK)
            break;
        ci = &bank.cat[it];
        assert_int_equal(
            dla_cat_answer(c, it,
                           dla_cat_uniform(&resp) < dla_irt_p(&ci->par, truth[ci->area])),
            DLA_OK);
        seq[n++] = it;
    }
    assert_int_equal(dla_cat_remaining(c), 0);
    return n;
}

static void test_deterministic_for_a_seed(void **state)
{
    dla_cat_bank_t cb = dla_diag_bank_cat(&bank);
    dla_cat_opts_t o;
    dla_cat_t *c = NULL;
    size_t s1[64], s2[64], s3[64];
    double truth[5] = {0.5, -0.3, 1.0, 0.0, -1.2};
    int n1, n2, n3;

    (void)state;
    dla_cat_opts_default(&o);
    assert_int_equal(dla_cat_new(&cb, &o, &c, NULL), DLA_OK);
    n1 = run(c, 7, truth, s1, NULL);
    n2 = run(c, 7, truth, s2, NULL);
    n3 = run(c, 8, truth, s3, NULL);
    assert_int_equal(n1, n2);
    assert_memory_equal(s1, s2, sizeof(size_t) * (size_t)n1);
    assert_true(n3 != n1 || memcmp(s1, s3, sizeof(size_t) * (size_t)n1) != 0);
    dla_cat_free(c);
}

static void test_content_balance_and_cap(void **state)
{
    dla_cat_bank_t cb = dla_diag_bank_cat(&bank);
    dla_cat_opts_t o;
    dla_cat_t *c = NULL;
    size_t seq[64];
    double truth[5] = {2.0, 2.0, -2.0, 0.0, 1.0};
    int count[21], n, i, j, s;

    (void)state;
    dla_cat_opts_default(&o);
    assert_int_equal(dla_cat_new(&cb, &o, &c, NULL), DLA_OK);
    for (s = 0; s < 20; s++) {
        memset(count, 0, sizeof(count));
        n = run(c, 100 + (uint64_t)s, truth, seq, NULL);
        assert_true(n >= 21 && n <= 40);
        for (i = 0; i < n; i++) {
            count[bank.cat[seq[i]].comp]++;
            for (j = 0; j < i; j++)
                assert_true(seq[i] != seq[j]); /* never an item twice */
        }
        for (i = 0; i < 21; i++)
            assert_true(count[i] >= 1 && count[i] <= 4); /* every competence, at most 4 */
        /* SE 0.35 is out of reach at 40 three-parameter items: the cap ends it */
        assert_int_equal(n, 40);
        assert_true(dla_cat_hit_cap(c));
    }
    assert_int_equal(dla_cat_answer(c, seq[0], 1), DLA_EEXIST);
    assert_int_equal(dla_cat_answer(c, bank.n_items, 1), DLA_EINVAL);
    dla_cat_free(c);
}

static void test_estimates_follow_answers(void **state)
{
    dla_cat_bank_t cb = dla_diag_bank_cat(&bank);
    dla_cat_opts_t o;
    dla_cat_t *c = NULL;
    uint64_t rng = dla_cat_seed(3);
    double mean[5], sd[5], gm, gs;
    int k, pass;

    (void)state;
    dla_cat_opts_default(&o);
    assert_int_equal(dla_cat_new(&cb, &o, &c, NULL), DLA_OK);
    for (pass = 0; pass < 2; pass++) {
        dla_cat_reset(c);
        while (!dla_cat_done(c)) {
            size_t it;
            assert_int_equal(dla_cat_next(c, NULL, &rng, &it), DLA_OK);
            dla_cat_answer(c, it, pass == 0);
        }
        dla_cat_estimate(c, mean, sd, &gm, &gs);
        for (k = 0; k < 5; k++) {
            if (pass == 0)
                assert_true(mean[k] > 1.5);
            else
                assert_true(mean[k] < -1.5);
            assert_true(sd[k] > 0.0 && sd[k] < 1.0);
        }
        assert_true(pass == 0 ? gm > 1.5 : gm < -1.5);
    }
    dla_cat_free(c);
}

static void test_exposure_control(void **state)
{
    dla_cat_bank_t cb = dla_diag_bank_cat(&bank);
    dla_cat_opts_t o;
    dla_cat_t *c = NULL;
    double *rate = calloc(bank.n_items, sizeof(double));
    dla_cat_exposure_t ex = {rate};
    uint64_t rng = dla_cat_seed(5);
    size_t i, it;
    int n = 0;

    (void)state;
    assert_non_null(rate);
    dla_cat_opts_default(&o);
    assert_int_equal(dla_cat_new(&cb, &o, &c, NULL), DLA_OK);
    /* every item of area 1 except one is over-exposed */
    for (i = 0; i < bank.n_items; i++)
        rate[i] = bank.cat[i].area == 0 ? 0.9 : 0.0;
    rate[3] = 0.0;
    while (!dla_cat_done(c) && dla_cat_next(c, &ex, &rng, &it) == DLA_OK) {
        assert_true(rate[it] < o.max_exposure);
        dla_cat_answer(c, it, n++ % 2);
        if (n == 10)
            break;
    }
    /* all over-exposed: selection still proceeds (falls back) */
    for (i = 0; i < bank.n_items; i++)
        rate[i] = 1.0;
    assert_int_equal(dla_cat_next(c, &ex, &rng, &it), DLA_OK);
    dla_cat_free(c);
    free(rate);
}

static void test_se_stopping(void **state)
{
    /* a very informative 2PL bank stops on SE before the cap */
    dla_cat_item_t items[21 * 12];
    dla_cat_bank_t cb = {items, 21 * 12, 5, 21};
    dla_cat_opts_t o;
    dla_cat_t *c = NULL;
    uint64_t rng = dla_cat_seed(9), resp = dla_cat_seed(10);
    double sd[5];
    int i, k;

    (void)state;
    for (i = 0; i < 21 * 12; i++) {
        int comp = i / 12;
        items[i].par = (dla_irt_par_t){3.0, -2.75 + 0.5 * (i % 12), 0.0};
        items[i].comp = comp;
        items[i].area = fw->comps[comp].area;
        items[i].level = 1 + (i % 12) * 8 / 12;
    }
    dla_cat_opts_default(&o);
    o.se_stop = 0.45;
    o.max_items = 80;
    o.max_per_comp = 0;
    assert_int_equal(dla_cat_new(&cb, &o, &c, NULL), DLA_OK);
    while (!dla_cat_done(c)) {
        size_t it;
        assert_int_equal(dla_cat_next(c, NULL, &rng, &it), DLA_OK);
        dla_cat_answer(c, it, dla_cat_uniform(&resp) < dla_irt_p(&items[it].par, 0.3));
    }
    assert_true(dla_cat_count(c) < 80);
    assert_false(dla_cat_hit_cap(c));
    dla_cat_estimate(c, NULL, sd, NULL, NULL);
    for (k = 0; k < 5; k++)
        assert_true(sd[k] <= 0.45);
    dla_cat_free(c);
    /* invalid inputs */
    items[0].area = 9;
    assert_int_equal(dla_cat_new(&cb, &o, &c, NULL), DLA_EINVAL);
    items[0].area = 0;
    o.max_items = 0;
    assert_int_equal(dla_cat_new(&cb, &o, &c, NULL), DLA_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic_for_a_seed),
        cmocka_unit_test(test_content_balance_and_cap),
        cmocka_unit_test(test_estimates_follow_answers),
        cmocka_unit_test(test_exposure_control),
        cmocka_unit_test(test_se_stopping),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
