/* fuzz_plugin.c - libFuzzer target for the plugin host's JSON inputs and the
 * content_catalog plugin's parsers, through the real host and plugin:
 *   first byte even: the rest is a catalog file; content_catalog is loaded with
 *                    it (catalog validation) and a few fixed queries run on it;
 *   first byte odd:  the rest is a content query (as dla_plugins_content_search
 *                    and GET /api/v1/content receive it), run against the
 *                    example catalog.
 * The plugin is found in the plugin directory (DLA_PLUGIN_DIR or the build's). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dla_log.h"
#include "dla_plugins.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char g_dir[64];
static dla_app_t g_example; /* loaded once with the example catalog */

static int load_catalog(dla_app_t *app, const char *catalog)
{
    char entries[1024];
    snprintf(entries, sizeof entries,
             "[{\"name\":\"fuzz\",\"path\":\"content_catalog\",\"config\":{\"catalog\":"
             "\"%s\"}}]",
             catalog);
    json_t *arr = json_loads(entries, 0, NULL);
    dla_err_t err = {0};
    int rc = dla_plugins_load_json(app, arr, &err);
    json_decref(arr);
    if (rc != DLA_OK && err.msg[0] == '\0')
        abort(); /* a refusal always says why */
    return rc;
}

static void search(dla_app_t *app, const char *q)
{
    json_t *items = NULL;
    dla_err_t err = {0};
    if (dla_plugins_content_search(app, q, &items, &err) == DLA_OK) {
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            if (!json_is_string(json_object_get(it, "source")) ||
                !json_is_string(json_object_get(it, "id")))
                abort();
        }
        json_decref(items);
    } else if (items) {
        abort(); /* no output on failure */
    }
}

static void cleanup_dir(void)
{
    char cmd[128];
    dla_plugins_unload(&g_example);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
}

static void init_once(void)
{
    if (g_dir[0])
        return;
    snprintf(g_dir, sizeof g_dir, "/tmp/dla-fuzz-plugin-%ld", (long)getpid());
    char cmd[256];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", g_dir);
    if (system(cmd) != 0)
        abort();
    atexit(cleanup_dir);
    g_example.data_dir = g_dir;
    dla_log_set_level(DLA_LOG_ERROR); /* one "loaded" line per input is noise */
    /* the source tree: DLA_SOURCE_DIR (ctest) or this file's location */
    char src[1024], path[1200];
    const char *env = getenv("DLA_SOURCE_DIR");
    if (env && *env) {
        snprintf(src, sizeof src, "%s", env);
    } else {
        snprintf(src, sizeof src, "%s", __FILE__);
        char *cut = strstr(src, "/tests/fuzz/");
        if (cut)
            *cut = '\0';
    }
    snprintf(path, sizeof path, "%s/plugins/content_catalog/catalog.example.json", src);
    if (load_catalog(&g_example, path) != DLA_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    if (size == 0)
        return 0;
    const char *body = (const char *)data + 1;
    size_t n = size - 1;
    if ((data[0] & 1) == 0) {
        char path[128];
        snprintf(path, sizeof path, "%s/catalog.json", g_dir);
        FILE *f = fopen(path, "wb");
        if (!f)
            return 0;
        fwrite(body, 1, n, f);
        fclose(f);
        dla_app_t app = {0};
        app.data_dir = g_dir;
        if (load_catalog(&app, "catalog.json") == DLA_OK) {
            search(&app, "{}");
            search(&app, "{\"competence\":\"1\",\"level\":2}");
            search(&app, "{\"competence\":\"4.2\",\"language\":\"lt\",\"text\":\"a\"}");
            search(&app, "{\"limit\":1,\"source\":\"fuzz\"}");
        }
        dla_plugins_unload(&app);
    } else {
        char *q = malloc(n + 1);
        if (!q)
            return 0;
        memcpy(q, body, n);
        q[n] = '\0';
        search(&g_example, q);
        free(q);
    }
    return 0;
}
