/* test_framework.c - frameworks as data: the shipped DigComp 2.1 / 3.0 files
 * load with both languages; malformed documents are refused with messages
 * naming file, object and problem; CASE export and import round-trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <cmocka.h>

#include "dla_framework.h"

#define FW21 DLA_SOURCE_DIR "/config/frameworks/digcomp-2.1.json"
#define FW30 DLA_SOURCE_DIR "/config/frameworks/digcomp-3.0.json"

static void test_shipped(void **state)
{
    dla_framework_t *a = NULL, *b = NULL;
    dla_err_t err;
    int i;

    (void)state;
    assert_int_equal(dla_framework_load(FW21, &a, &err), DLA_OK);
    assert_int_equal(dla_framework_load(FW30, &b, &err), DLA_OK);
    assert_string_equal(a->id, "digcomp-2.1");
    assert_int_equal(a->n_areas, 5);
    assert_int_equal(a->n_comps, 21);
    assert_int_equal(a->lt_official, 0); /* our translation is unofficial */
    assert_string_equal(a->comps[dla_framework_comp(a, "4.2")].title[DLA_LANG_EN],
                        "Protecting personal data and privacy");
    assert_string_equal(a->comps[dla_framework_comp(a, "4.2")].title[DLA_LANG_LT],
                        "Asmens duomenų ir privatumo apsauga");
    for (i = 0; i < a->n_comps; i++) {
        assert_non_null(a->comps[i].title[DLA_LANG_LT]);
        assert_non_null(a->comps[i].descriptor[DLA_LANG_LT]);
        /* 3.0 keyed by the same ids */
        assert_string_equal(a->comps[i].id, b->comps[i].id);
    }
    assert_int_equal(a->levels[6].broad, 4);
    assert_string_equal(a->levels[0].title[DLA_LANG_EN], "Foundation");
    assert_string_equal(b->item_bank, "digcomp-2.1");
    assert_string_equal(b->comps[dla_framework_comp(b, "3.4")].title[DLA_LANG_EN],
                        "Computational thinking and programming");
    assert_int_equal(dla_framework_area(a, "5"), 4);
    assert_int_equal(dla_framework_comp(a, "9.9"), -1);
    dla_framework_free(a);
    dla_framework_free(b);
}

/* Loads the shipped 2.1 document, applies `mutate`, expects an error containing `needle`.
 */
static void refuse(void (*mutate)(json_t *), const char *needle)
{
    json_error_t je;
    json_t *doc = json_load_file(FW21, 0, &je);
    dla_framework_t *fw = NULL;
    dla_err_t err = {0};

    assert_non_null(doc);
    mutate(doc);
    assert_int_equal(dla_framework_from_json("broken.json", doc, &fw, &err), DLA_EINVAL);
    assert_null(fw);
    if (strstr(err.msg, needle) == NULL || strstr(err.msg, "broken.json") == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
    json_decref(doc);
}

static json_t *comp(json_t *d, int a, int c)
{
    return json_array_get(
        json_object_get(json_array_get(json_object_get(d, "areas"), (size_t)a),
                        "competences"),
        (size_t)c);
}
static void m_unknown_key(json_t *d)
{
    json_object_set_new(d, "extra", json_true());
}
static void m_missing_lt(json_t *d)
{
    json_object_del(json_object_get(comp(d, 1, 2), "title"), "lt");
}
static void m_dup_comp(json_t *d)
{
    json_object_set_new(comp(d, 0, 1), "id", json_string("1.1"));
}
static void m_level_order(json_t *d)
{
    json_object_set_new(json_array_get(json_object_get(d, "levels"), 2), "level",
                        json_integer(5));
}
static void m_empty_title(json_t *d)
{
    json_object_set_new(json_object_get(comp(d, 3, 0), "title"), "en", json_string(""));
}
static void m_no_translation(json_t *d)
{
    json_object_del(d, "translation");
}
static void m_comp_key(json_t *d)
{
    json_object_set_new(comp(d, 4, 3), "level", json_integer(1));
}
static void m_bad_id(json_t *d)
{
    json_object_set_new(comp(d, 2, 0), "id", json_string("3 1"));
}

static void test_refused(void **state)
{
    (void)state;
    refuse(m_unknown_key, "unknown key \"extra\"");
    refuse(m_missing_lt, "competence 2.3: \"title\": missing \"lt\"");
    refuse(m_dup_comp, "competence 1.1: duplicate competence id");
    refuse(m_level_order, "levels[2]");
    refuse(m_empty_title, "competence 4.1: \"title\": \"en\" is empty");
    refuse(m_no_translation, "translation");
    refuse(m_comp_key, "unknown key \"level\"");
    refuse(m_bad_id, "bad id");
}

static void test_file_errors(void **state)
{
    char path[] = "/tmp/dla-fw-XXXXXX";
    int fd = mkstemp(path);
    dla_framework_t *fw = NULL;
    dla_err_t err = {0};

    (void)state;
    assert_true(fd >= 0);
    assert_true(write(fd, "{\"id\": \"x\",\n \"id\": \"y\"}", 24) == 24);
    close(fd);
    assert_int_equal(dla_framework_load(path, &fw, &err), DLA_EINVAL);
    assert_non_null(strstr(err.msg, ":2:"));
    unlink(path);
    assert_int_equal(dla_framework_load("/nonexistent/fw.json", &fw, &err), DLA_EIO);
}

static void test_case_round_trip(void **state)
{
    dla_framework_t *a = NULL, *b = NULL;
    dla_err_t err = {0};
    json_t *pkg, *items;
    int i;

    (void)state;
    assert_int_equal(dla_framework_load(FW21, &a, &err), DLA_OK);
    pkg = dla_framework_to_case(a, "https://dla.example");
    assert_non_null(pkg);
    items = json_object_get(pkg, "CFItems");
    assert_int_equal(json_array_size(items), 26); /* 5 areas + 21 competences */
    assert_int_equal(json_array_size(json_object_get(pkg, "CFAssociations")), 26);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(items, 1), "CFItemType")),
        "Competence");
    /* stable name-based identifiers */
    {
        json_t *again = dla_framework_to_case(a, "https://dla.example");
        assert_string_equal(json_string_value(json_object_get(
                                json_object_get(pkg, "CFDocument"), "identifier")),
                            json_string_value(json_object_get(
                                json_object_get(again, "CFDocument"), "identifier")));
        json_decref(again);
    }
    assert_int_equal(dla_framework_from_case("pkg.json", pkg, "digcomp-copy", &b, &err),
                     DLA_OK);
    assert_string_equal(b->id, "digcomp-copy");
    assert_int_equal(b->n_areas, a->n_areas);
    assert_int_equal(b->n_comps, a->n_comps);
    for (i = 0; i < a->n_comps; i++) {
        assert_string_equal(a->comps[i].id, b->comps[i].id);
        assert_string_equal(a->comps[i].title[DLA_LANG_LT],
                            b->comps[i].title[DLA_LANG_LT]);
        assert_string_equal(a->comps[i].title[DLA_LANG_EN],
                            b->comps[i].title[DLA_LANG_EN]);
        assert_int_equal(a->comps[i].area, b->comps[i].area);
    }
    assert_string_equal(a->levels[4].title[DLA_LANG_LT], b->levels[4].title[DLA_LANG_LT]);
    dla_framework_free(b);
    /* a foreign package: no extensions, types from the association tree */
    {
        json_t *foreign = json_pack(
            "{s:{s:s, s:s}, s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s, s:s}], "
            "s:[{s:s, s:{s:s}, s:{s:s}}, {s:s, s:{s:s}, s:{s:s}}, {s:s, s:{s:s}, "
            "s:{s:s}}]}",
            "CFDocument", "identifier", "D", "title", "Project management", "CFItems",
            "identifier", "A", "fullStatement", "Planning", "humanCodingScheme", "PM1",
            "identifier", "B", "fullStatement", "Scheduling work", "humanCodingScheme",
            "PM1.1", "identifier", "C", "fullStatement", "Estimating effort",
            "humanCodingScheme", "PM1.2", "CFAssociations", "associationType",
            "isChildOf", "originNodeURI", "identifier", "A", "destinationNodeURI",
            "identifier", "D", "associationType", "isChildOf", "originNodeURI",
            "identifier", "B", "destinationNodeURI", "identifier", "A", "associationType",
            "isChildOf", "originNodeURI", "identifier", "C", "destinationNodeURI",
            "identifier", "A");
        assert_int_equal(dla_framework_from_case("pm.json", foreign, "pm", &b, &err),
                         DLA_OK);
        assert_int_equal(b->n_areas, 1);
        assert_int_equal(b->n_comps, 2);
        assert_int_equal(b->lt_official, 0);
        assert_string_equal(b->comps[1].title[DLA_LANG_LT], "Estimating effort");
        dla_framework_free(b);
        json_object_set_new(json_array_get(json_object_get(foreign, "CFItems"), 1),
                            "humanCodingScheme", json_string("PM1"));
        assert_int_equal(dla_framework_from_case("pm.json", foreign, "pm", &b, &err),
                         DLA_EINVAL);
        assert_non_null(strstr(err.msg, "pm.json"));
        json_decref(foreign);
    }
    assert_int_equal(
        dla_framework_from_case("x.json", json_object_get(pkg, "CFItems"), "x", &b, &err),
        DLA_EINVAL);
    json_decref(pkg);
    dla_framework_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_case_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
