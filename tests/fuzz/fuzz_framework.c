/* fuzz_framework.c - frameworks as data: the strict loader and the CASE import
 * (and, for inputs that load, the CASE export and API view). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "dla_framework.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    dla_framework_t *fw = NULL;
    dla_err_t err;

    if (doc == NULL)
        return 0;
    if (json_object_get(doc, "CFDocument") != NULL) {
        if (dla_framework_from_case("fuzz.json", doc, "fuzz", &fw, &err) == DLA_OK) {
            json_decref(dla_framework_to_api(fw));
            dla_framework_free(fw);
        }
    } else if (dla_framework_from_json("fuzz.json", doc, &fw, &err) == DLA_OK) {
        json_t *pkg = dla_framework_to_case(fw, "urn:fuzz");
        dla_framework_t *back = NULL;
        if (pkg != NULL &&
            dla_framework_from_case("rt.json", pkg, "rt", &back, &err) == DLA_OK)
            dla_framework_free(back);
        json_decref(pkg);
        dla_framework_free(fw);
    }
    json_decref(doc);
    return 0;
}
