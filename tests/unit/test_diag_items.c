/* test_diag_items.c - the item bank loader: the shipped items load; every
 * schema rule is enforced with a message naming file, item and problem;
 * calibration overrides; results scoring (levels and intervals). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dla_diag.h"

static dla_framework_t *fw;

static int setup(void **state)
{
    (void)state;
    return dla_framework_load(DLA_SOURCE_DIR "/config/frameworks/digcomp-2.1.json", &fw,
                              NULL);
}

static int teardown(void **state)
{
    (void)state;
    dla_framework_free(fw);
    return 0;
}

static const char *GOOD =
    "{\"framework\":\"digcomp-2.1\",\"competence\":\"4.2\",\"items\":[{\"id\":\"t-4.2-"
    "01\","
    "\"level\":3,\"type\":\"choice\",\"context\":\"gdpr\",\"stem\":{\"lt\":\"Klausimas?"
    "\","
    "\"en\":\"Question?\"},\"options\":[{\"id\":\"a\",\"lt\":\"A\",\"en\":\"A\"},{\"id\":"
    "\"b\","
    "\"lt\":\"B\",\"en\":\"B\"},{\"id\":\"c\",\"lt\":\"C\",\"en\":\"C\"}],\"key\":\"b\","
    "\"feedback\":{\"lt\":\"Todėl.\",\"en\":\"Because.\"}}]}";

static json_t *good(void)
{
    json_error_t je;
    json_t *d = json_loads(GOOD, 0, &je);
    assert_non_null(d);
    return d;
}

static json_t *item0(json_t *d)
{
    return json_array_get(json_object_get(d, "items"), 0);
}

static void expect(json_t *doc, const char *file, const char *needle)
{
    dla_diag_bank_t b;
    dla_err_t err = {0};

    dla_diag_bank_init(&b, fw);
    assert_int_equal(dla_diag_bank_add_json(&b, file, doc, &err), DLA_EINVAL);
    assert_int_equal(b.n_items, 0); /* nothing added on error */
    if (strstr(err.msg, needle) == NULL || strstr(err.msg, file) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
    dla_diag_bank_free(&b);
    json_decref(doc);
}

static void test_good_item(void **state)
{
    dla_diag_bank_t b;
    json_t *d = good();
    dla_err_t err;

    (void)state;
    dla_diag_bank_init(&b, fw);
    assert_int_equal(dla_diag_bank_add_json(&b, "4.2.json", d, &err), DLA_OK);
    json_decref(d); /* the bank keeps its own reference */
    assert_int_equal(dla_diag_bank_finish(&b, &err), DLA_OK);
    assert_int_equal(b.n_items, 1);
    assert_string_equal(b.items[0].stem[DLA_LANG_LT], "Klausimas?");
    assert_int_equal(b.items[0].key, 1);
    assert_int_equal(b.items[0].area, 3);
    assert_true(fabs(b.items[0].par.b - (-1.2)) < 1e-12);
    assert_true(fabs(b.items[0].par.c - 1.0 / 3.0) < 1e-12);
    assert_true(b.items[0].par.a >= 0.8 && b.items[0].par.a < 1.7);
    /* the same id again is refused, naming the first file */
    d = good();
    assert_int_equal(dla_diag_bank_add_json(&b, "again/4.2.json", d, &err), DLA_EINVAL);
    assert_non_null(strstr(err.msg, "already used in 4.2.json"));
    json_decref(d);
    /* calibration overrides */
    {
        json_t *cal = json_pack("{s:{s:{s:f, s:f, s:f}, s:{s:f, s:f, s:f}}}", "items",
                                "t-4.2-01", "a", 1.1, "b", 0.3, "c", 0.2, "unknown", "a",
                                1.0, "b", 0.0, "c", 0.0);
        size_t ign = 0;
        assert_int_equal(dla_diag_bank_apply_calibration(&b, cal, &ign, &err), DLA_OK);
        assert_int_equal(ign, 1);
        assert_true(b.items[0].calibrated);
        assert_true(fabs(b.cat[0].par.b - 0.3) < 1e-12);
        json_object_set_new(json_object_get(json_object_get(cal, "items"), "t-4.2-01"),
                            "a", json_real(-1.0));
        assert_int_equal(dla_diag_bank_apply_calibration(&b, cal, NULL, &err),
                         DLA_EINVAL);
        json_decref(cal);
    }
    dla_diag_bank_free(&b);
}

static void test_refusals(void **state)
{
    json_t *d;

    (void)state;
    d = good();
    json_object_set_new(item0(d), "difficulty", json_real(1.0));
    expect(d, "4.2.json", "item t-4.2-01: unknown key \"difficulty\"");
    d = good();
    json_object_del(json_object_get(item0(d), "stem"), "lt");
    expect(d, "4.2.json", "item t-4.2-01: \"stem\": missing \"lt\"");
    d = good();
    json_object_set_new(item0(d), "key", json_string("z"));
    expect(d, "4.2.json", "key \"z\" is not an option id");
    d = good();
    json_object_set_new(item0(d), "level", json_integer(9));
    expect(d, "4.2.json", "\"level\" = 9 outside 1..8");
    d = good();
    json_object_set_new(item0(d), "type", json_string("essay"));
    expect(d, "4.2.json", "unsupported type");
    d = good();
    json_array_remove(json_object_get(item0(d), "options"), 2);
    expect(d, "4.2.json", "3..5 options");
    d = good();
    json_object_set_new(json_array_get(json_object_get(item0(d), "options"), 1), "id",
                        json_string("a"));
    expect(d, "4.2.json", "duplicate option id");
    d = good();
    json_object_set_new(json_array_get(json_object_get(item0(d), "options"), 0), "en",
                        json_string(""));
    expect(d, "4.2.json", "\"en\" is empty");
    d = good();
    json_object_set_new(json_object_get(item0(d), "feedback"), "en",
                        json_string("a\x01z"));
    expect(d, "4.2.json", "control characters");
    d = good();
    json_object_set_new(d, "competence", json_string("7.7"));
    expect(d, "4.2.json", "unknown competence");
    d = good();
    expect(d, "4.1.json", "name it 4.2.json");
    d = good();
    json_object_set_new(d, "framework", json_string("other"));
    expect(d, "4.2.json", "framework");
    d = good();
    json_object_set_new(item0(d), "id", json_string("bad id!"));
    expect(d, "4.2.json", "bad id");
    d = good();
    json_array_append(json_object_get(d, "items"), item0(d));
    expect(d, "4.2.json", "duplicate id");
}

static void test_shipped_bank(void **state)
{
    dla_diag_bank_t b;
    dla_err_t err = {0};
    double asum = 0.0;
    size_t i;

    (void)state;
    dla_diag_bank_init(&b, fw);
    if (dla_diag_bank_load_dir(&b, DLA_SOURCE_DIR "/config/items/digcomp-2.1", &err) !=
        DLA_OK)
        fail_msg("shipped bank: %s", err.msg);
    if (b.n_items > 0) {
        assert_int_equal(dla_diag_bank_finish(&b, &err), DLA_OK);
        for (i = 0; i < b.n_items; i++) {
            asum += b.items[i].par.a;
            assert_true(b.items[i].n_opt >= 3 && b.items[i].key >= 0);
        }
        assert_true(asum / (double)b.n_items <= 1.3);
    }
    dla_diag_bank_free(&b);
}

static void test_score(void **state)
{
    dla_diag_bank_t b;
    dla_diag_est_t areas[5], comps[21], all;
    size_t idx[60];
    unsigned char resp[60];
    size_t n = 0, i;
    int c;

    (void)state;
    dla_diag_bank_init(&b, fw);
    assert_int_equal(dla_diag_bank_synthetic(&b, 15, NULL), DLA_OK);
    /* no answers: everything at the prior, level 4/5 boundary, wide intervals */
    assert_int_equal(dla_diag_score(&b, idx, resp, 0, 0.7, areas, comps, &all, NULL),
                     DLA_OK);
    assert_true(fabs(areas[0].theta) < 1e-6 && areas[0].se > 0.99);
    assert_true(comps[0].se > areas[0].se); /* competence = area + deviation */
    assert_true(areas[0].level_lo <= 3 && areas[0].level_hi >= 6);
    /* area 4 items all correct, everything else wrong */
    for (i = 0; i < b.n_items && n < 60; i += 5) {
        idx[n] = i;
        resp[n] = b.items[i].area == 3 ? 1 : (unsigned char)(n % 2);
        n++;
    }
    assert_int_equal(dla_diag_score(&b, idx, resp, n, 0.7, areas, comps, &all, NULL),
                     DLA_OK);
    /* the area answered all right stands clearly above the others */
    for (c = 0; c < 5; c++)
        if (c != 3)
            assert_true(areas[3].theta > areas[c].theta + 0.8);
    assert_true(areas[3].level > areas[0].level);
    for (c = 0; c < 21; c++) {
        assert_true(comps[c].level_lo <= comps[c].level &&
                    comps[c].level <= comps[c].level_hi);
        if (fw->comps[c].area == 3)
            assert_true(comps[c].theta > areas[0].theta + 0.5);
    }
    assert_true(all.theta > areas[0].theta && all.theta < areas[3].theta);
    idx[0] = b.n_items;
    assert_int_equal(dla_diag_score(&b, idx, resp, 1, 0.7, areas, comps, &all, NULL),
                     DLA_EINVAL);
    dla_diag_bank_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_item),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_shipped_bank),
        cmocka_unit_test(test_score),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
