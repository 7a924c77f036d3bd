/* fuzz_lti_pox.c - LTI 1.1 Basic Outcomes POX XML (libxml2, no DTD/network). */
#include <stdint.h>
#include <stdlib.h>

#include "lti_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lti_pox_resp_t r;
    char sid[256];
    dla_err_t err = {0};
    if (lti_pox_parse((const char *)data, size, 0, &r, NULL, 0, &err) == DLA_OK &&
        r.has_score && !(r.score >= 0.0 && r.score <= 1.0))
        abort();
    (void)lti_pox_parse((const char *)data, size, 1, &r, sid, sizeof sid, &err);
    return 0;
}
