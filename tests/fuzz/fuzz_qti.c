/* fuzz_qti.c - QTI 2.1/3.0 assessmentItem import (libxml2, no network, no
 * entity expansion), then the lt/en join. */
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dla_diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *item = NULL, *arr, *docs = NULL;
    dla_err_t err;

    if (dla_qti_parse("fuzz.xml", (const char *)data, size, "1.1", 3, "en", &item,
                      &err) != DLA_OK)
        return 0;
    arr = json_array();
    json_array_append_new(arr, item);
    if (dla_qti_join(arr, "digcomp-2.1", &docs, &err) == DLA_OK)
        json_decref(docs);
    json_decref(arr);
    return 0;
}
