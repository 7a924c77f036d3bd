/* fuzz_config.c - libFuzzer target for the strict JSON config parser
 * (dla_config_load_string) and the per-section checker (dla_config_check). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const dla_cfg_field_t plugin_fields[] = {{"name", DLA_CFG_STRING, 1},
                                                {"path", DLA_CFG_STRING, 1},
                                                {"config", DLA_CFG_OBJECT, 0},
                                                {NULL, DLA_CFG_ANY, 0}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) {
        unsetenv("DLA_LISTEN");
        unsetenv("DLA_DATA_DIR");
        once = 1;
    }
    dla_config_t *c = NULL;
    dla_err_t err = {0};
    int rc = dla_config_load_string("fuzz.json", (const char *)data, size, &c, &err);
    if (rc != DLA_OK) {
        /* errors are messages naming the file, never crashes */
        if (c || (rc != DLA_ENOMEM && strncmp(err.msg, "fuzz.json", 9) != 0))
            abort();
        return 0;
    }
    const dla_server_cfg_t *s = dla_config_server(c);
    const dla_store_cfg_t *st = dla_config_store(c);
    if (!s->listen || !s->public_base_url || !st->data_dir || !s->log_level)
        abort();
    (void)strlen(s->listen);
    (void)strlen(s->public_base_url);
    json_t *pl = dla_config_section(c, "plugins");
    size_t i;
    json_t *e;
    json_array_foreach(pl, i, e)
    {
        char path[64];
        snprintf(path, sizeof path, "plugins[%zu]", i);
        dla_config_check(c, path, e, plugin_fields, &err);
        dla_config_error(c, path, &err, DLA_ECONFIG, "checked %zu", i);
    }
    const char *key;
    json_t *sec;
    json_object_foreach(dla_config_section(c, "xapi"), key, sec)
    {
        char path[300];
        snprintf(path, sizeof path, "xapi.%s", key);
        dla_config_error(c, path, &err, DLA_ECONFIG, "x");
    }
    dla_config_free(c);
    return 0;
}
