/* test_qti.c - QTI 2.1 and 3.0 import: choice items with metadata, joined
 * across languages into valid bank documents; unsafe or unsupported files
 * refused with messages naming the file and the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dla_diag.h"

#define CORPUS DLA_SOURCE_DIR "/tests/fuzz/corpus/qti/"

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf = malloc(1 << 20);

    snprintf(path, sizeof(path), CORPUS "%s", name);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

static int parse(const char *name, const char *comp, int level, json_t **out,
                 dla_err_t *err)
{
    size_t len;
    char *buf = slurp(name, &len);
    int rc = dla_qti_parse(name, buf, len, comp, level, NULL, out, err);

    free(buf);
    return rc;
}

static void test_qti21_and_30(void **state)
{
    json_t *p = json_array(), *x = NULL, *docs = NULL, *it;
    dla_framework_t *fw = NULL;
    dla_diag_bank_t b;
    dla_err_t err = {0};
    const char *files[] = {"phish-21-en.xml", "phish-21-lt.xml", "sign-30-en.xml",
                           "sign-30-lt.xml"};
    size_t i;

    (void)state;
    for (i = 0; i < 4; i++) {
        if (parse(files[i], NULL, 0, &x, &err) != DLA_OK)
            fail_msg("%s", err.msg);
        json_array_append_new(p, x);
    }
    x = json_array_get(p, 0);
    assert_string_equal(json_string_value(json_object_get(x, "id")), "qti-4.1-phish");
    assert_string_equal(json_string_value(json_object_get(x, "lang")), "en");
    assert_string_equal(json_string_value(json_object_get(x, "competence")), "4.1");
    assert_int_equal(json_integer_value(json_object_get(x, "level")), 3);
    assert_string_equal(json_string_value(json_object_get(x, "key")), "b");
    assert_non_null(strstr(json_string_value(json_object_get(x, "stem")),
                           "confirm your password through a link. What do you do?"));
    assert_non_null(
        strstr(json_string_value(json_object_get(x, "feedback")), "never ask"));
    /* QTI 3.0 without feedback in English: a generated one names the answer */
    x = json_array_get(p, 2);
    assert_non_null(strstr(json_string_value(json_object_get(x, "feedback")),
                           "Correct answer: Validate it"));
    assert_int_equal(dla_qti_join(p, "digcomp-2.1", &docs, &err), DLA_OK);
    assert_int_equal(json_array_size(docs), 2);
    it = json_array_get(json_object_get(json_array_get(docs, 0), "items"), 0);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(it, "stem"), "lt")),
        "Gaunate laišką, kuris atrodo siųstas Valstybinės mokesčių inspekcijos. "
        "Jame prašoma per nuorodą patvirtinti slaptažodį. Ką darote?");
    /* the joined documents pass the strict bank loader */
    assert_int_equal(dla_framework_load(
                         DLA_SOURCE_DIR "/config/frameworks/digcomp-2.1.json", &fw, &err),
                     DLA_OK);
    dla_diag_bank_init(&b, fw);
    for (i = 0; i < json_array_size(docs); i++)
        if (dla_diag_bank_add_json(&b, "import", json_array_get(docs, i), &err) != DLA_OK)
            fail_msg("%s", err.msg);
    assert_int_equal(b.n_items, 2);
    assert_int_equal(b.items[1].key, 2);
    assert_string_equal(b.items[1].comp_id, "2.3");
    dla_diag_bank_free(&b);
    dla_framework_free(fw);
    json_decref(docs);
    /* one language only: refused */
    json_array_remove(p, 1);
    assert_int_equal(dla_qti_join(p, "digcomp-2.1", &docs, &err), DLA_EINVAL);
    assert_non_null(strstr(err.msg, "qti-4.1-phish: no Lithuanian version"));
    /* two English versions of the same item: refused */
    json_array_append(p, json_array_get(p, 0));
    assert_int_equal(dla_qti_join(p, "digcomp-2.1", &docs, &err), DLA_EINVAL);
    json_decref(p);
}

static void refused(const char *file, const char *needle)
{
    json_t *x = NULL;
    dla_err_t err = {0};

    assert_int_not_equal(parse(file, NULL, 0, &x, &err), DLA_OK);
    assert_null(x);
    if (strstr(err.msg, needle) == NULL || strstr(err.msg, file) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", file, err.msg, needle);
}

static void test_refused(void **state)
{
    json_t *x = NULL;
    dla_err_t err = {0};

    (void)state;
    refused("bad-doctype.xml", "DOCTYPE");
    refused("bad-external.xml", "DOCTYPE");
    refused("bad-two-interactions.xml", "more than one interaction");
    refused("bad-multiple.xml", "exactly one choice");
    refused("bad-nometa.xml", "competence and level missing");
    refused("bad-wrongns.xml", "namespace");
    refused("bad-truncated.xml", "not well-formed");
    /* metadata from the command line fills what the label lacks */
    if (parse("bad-nometa.xml", "1.1", 2, &x, &err) != DLA_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(json_integer_value(json_object_get(x, "level")), 2);
    json_decref(x);
    /* no language at all */
    {
        const char *nolang =
            "<assessmentItem xmlns=\"http://www.imsglobal.org/xsd/imsqti_v2p1\" "
            "identifier=\"a\" label=\"competence=1.1;level=1\"/>";
        assert_int_not_equal(
            dla_qti_parse("x.xml", nolang, strlen(nolang), NULL, 0, NULL, &x, &err),
            DLA_OK);
    }
    assert_non_null(strstr(err.msg, "language"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qti21_and_30),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
