/* fuzz_items.c - the item bank loader (strict schema) against a framework with
 * the DigComp 2.1 ids; documents that load are also scored by the engine. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dla_diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char MINI_FW[] = "{\"id\":\"digcomp-2.1\",\"version\":\"2.1\",\"title\":{"
                              "\"lt\":\"T\",\"en\":\"T\"},\"trans"
                              "lation\":{\"lt\":{\"official\":false,\"note\":{\"lt\":"
                              "\"n\",\"en\":\"n\"}}},\"levels\":"
                              "[{\"level\":1,\"broad\":1,\"broad_title\":{\"lt\":\"b\","
                              "\"en\":\"b\"},\"summary\":{\"lt"
                              "\":\"s\",\"en\":\"s\"}},{\"level\":2,\"broad\":1,\"broad_"
                              "title\":{\"lt\":\"b\",\"en\":\"b\""
                              "},\"summary\":{\"lt\":\"s\",\"en\":\"s\"}},{\"level\":3,"
                              "\"broad\":2,\"broad_title\":{\""
                              "lt\":\"b\",\"en\":\"b\"},\"summary\":{\"lt\":\"s\",\"en\":"
                              "\"s\"}},{\"level\":4,\"broad\":2,"
                              "\"broad_title\":{\"lt\":\"b\",\"en\":\"b\"},\"summary\":{"
                              "\"lt\":\"s\",\"en\":\"s\"}},{\"lev"
                              "el\":5,\"broad\":3,\"broad_title\":{\"lt\":\"b\",\"en\":"
                              "\"b\"},\"summary\":{\"lt\":\"s\","
                              "\"en\":\"s\"}},{\"level\":6,\"broad\":3,\"broad_title\":{"
                              "\"lt\":\"b\",\"en\":\"b\"},\"sum"
                              "mary\":{\"lt\":\"s\",\"en\":\"s\"}},{\"level\":7,"
                              "\"broad\":4,\"broad_title\":{\"lt\":\"b"
                              "\",\"en\":\"b\"},\"summary\":{\"lt\":\"s\",\"en\":\"s\"}},"
                              "{\"level\":8,\"broad\":4,\"broad"
                              "_title\":{\"lt\":\"b\",\"en\":\"b\"},\"summary\":{\"lt\":"
                              "\"s\",\"en\":\"s\"}}],\"areas\":[{"
                              "\"id\":\"1\",\"title\":{\"lt\":\"a\",\"en\":\"a\"},"
                              "\"competences\":[{\"id\":\"1.1\",\"title"
                              "\":{\"lt\":\"c\",\"en\":\"c\"}},{\"id\":\"1.2\",\"title\":"
                              "{\"lt\":\"c\",\"en\":\"c\"}},{\"id\":"
                              "\"1.3\",\"title\":{\"lt\":\"c\",\"en\":\"c\"}}]},{\"id\":"
                              "\"2\",\"title\":{\"lt\":\"a\",\"en\":"
                              "\"a\"},\"competences\":[{\"id\":\"2.1\",\"title\":{\"lt\":"
                              "\"c\",\"en\":\"c\"}},{\"id\":\"2."
                              "2\",\"title\":{\"lt\":\"c\",\"en\":\"c\"}},{\"id\":\"2."
                              "3\",\"title\":{\"lt\":\"c\",\"en\":\"c\""
                              "}},{\"id\":\"2.4\",\"title\":{\"lt\":\"c\",\"en\":\"c\"}},"
                              "{\"id\":\"2.5\",\"title\":{\"lt\":"
                              "\"c\",\"en\":\"c\"}},{\"id\":\"2.6\",\"title\":{\"lt\":"
                              "\"c\",\"en\":\"c\"}}]},{\"id\":\"3\",\"t"
                              "itle\":{\"lt\":\"a\",\"en\":\"a\"},\"competences\":[{"
                              "\"id\":\"3.1\",\"title\":{\"lt\":\"c\""
                              ",\"en\":\"c\"}},{\"id\":\"3.2\",\"title\":{\"lt\":\"c\","
                              "\"en\":\"c\"}},{\"id\":\"3.3\",\"titl"
                              "e\":{\"lt\":\"c\",\"en\":\"c\"}},{\"id\":\"3.4\","
                              "\"title\":{\"lt\":\"c\",\"en\":\"c\"}}]},{\"i"
                              "d\":\"4\",\"title\":{\"lt\":\"a\",\"en\":\"a\"},"
                              "\"competences\":[{\"id\":\"4.1\",\"title\":"
                              "{\"lt\":\"c\",\"en\":\"c\"}},{\"id\":\"4.2\",\"title\":{"
                              "\"lt\":\"c\",\"en\":\"c\"}},{\"id\":\"4"
                              ".3\",\"title\":{\"lt\":\"c\",\"en\":\"c\"}},{\"id\":\"4."
                              "4\",\"title\":{\"lt\":\"c\",\"en\":\"c"
                              "\"}}]},{\"id\":\"5\",\"title\":{\"lt\":\"a\",\"en\":\"a\"}"
                              ",\"competences\":[{\"id\":\"5.1\""
                              ",\"title\":{\"lt\":\"c\",\"en\":\"c\"}},{\"id\":\"5.2\","
                              "\"title\":{\"lt\":\"c\",\"en\":\"c\"}}"
                              ",{\"id\":\"5.3\",\"title\":{\"lt\":\"c\",\"en\":\"c\"}},{"
                              "\"id\":\"5.4\",\"title\":{\"lt\":\"c"
                              "\",\"en\":\"c\"}}]}]}";

static dla_framework_t *framework(void)
{
    static dla_framework_t *fw;
    json_error_t je;
    json_t *doc;

    if (fw == NULL && (doc = json_loads(MINI_FW, 0, &je)) != NULL) {
        if (dla_framework_from_json("mini", doc, &fw, NULL) != DLA_OK)
            fw = NULL;
        json_decref(doc);
    }
    return fw;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dla_framework_t *fw = framework();
    json_error_t je;
    json_t *doc;
    dla_diag_bank_t b;
    dla_err_t err;

    if (fw == NULL)
        abort();
    doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (doc == NULL)
        return 0;
    dla_diag_bank_init(&b, fw);
    if (dla_diag_bank_add_json(&b, "4.2.json", doc, &err) == DLA_OK &&
        dla_diag_bank_finish(&b, &err) == DLA_OK) {
        size_t idx[8], i, n = b.n_items < 8 ? b.n_items : 8;
        unsigned char resp[8];
        dla_diag_est_t areas[DLA_FW_MAX_AREAS], comps[DLA_FW_MAX_COMPS], all;
        for (i = 0; i < n; i++) {
            idx[i] = i;
            resp[i] = (unsigned char)(i & 1);
        }
        dla_diag_score(&b, idx, resp, n, 0.7, areas, comps, &all, &err);
    }
    dla_diag_bank_free(&b);
    json_decref(doc);
    return 0;
}
