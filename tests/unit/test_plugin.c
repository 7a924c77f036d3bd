/* test_plugin.c - unit tests of the plugin host (core/dla_plugins.h) with the
 * test plugins (tests/plugins) and the example plugins (plugins/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "dla_plugins.h"
#include "dla_store.h"

typedef struct fixture_s {
    char dir[256];
    dla_store_t *store;
    dla_app_t app;
} fixture_t;

static char test_plugin_dir[1024];

static const char *tp(const char *name)
{
    static char buf[4][1200];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s.so", test_plugin_dir, name);
    return buf[i];
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/dla-test-plugin-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    dla_store_opts_t o = {.sync = 0};
    dla_err_t err = {0};
    if (dla_store_open(f->dir, &o, &f->store, &err) != DLA_OK) {
        fprintf(stderr, "store: %s\n", err.msg);
        return -1;
    }
    f->app.store = f->store;
    f->app.data_dir = f->dir;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    dla_plugins_unload(&f->app);
    dla_store_close(f->store);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return 0;
}

/* Loads from JSON text; returns the status, err filled. */
static int load(fixture_t *f, const char *json, dla_err_t *err)
{
    json_error_t je;
    json_t *arr = json_loads(json, 0, &je);
    if (!arr)
        fail_msg("bad test JSON: %s: %s", json, je.text);
    memset(err, 0, sizeof *err);
    int rc = dla_plugins_load_json(&f->app, arr, err);
    json_decref(arr);
    return rc;
}

static char *entry_json(char *buf, size_t cap, const char *name, const char *path,
                        const char *config)
{
    snprintf(buf, cap, "[{\"name\":\"%s\",\"path\":\"%s\",\"config\":%s}]", name, path,
             config ? config : "{}");
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* ---- loading ------------------------------------------------------------------ */

static void test_no_plugins(void **state)
{
    fixture_t *f = *state;
    dla_err_t err;
    assert_int_equal(load(f, "[]", &err), DLA_OK);
    assert_non_null(f->app.plugins);
    assert_int_equal(dla_plugins_count(&f->app), 0);
    json_t *items = NULL;
    assert_int_equal(dla_plugins_content_search(&f->app, "{}", &items, &err), DLA_OK);
    assert_int_equal(json_array_size(items), 0);
    json_decref(items);
    assert_int_equal(dla_plugins_hr_open(&f->app, "x", NULL, &(dla_hr_job_t *){0}, &err),
                     DLA_ENOTFOUND);
    assert_non_null(strstr(err.msg, "\"x\""));
}

static void test_wrong_abi_refused_by_name(void **state)
{
    fixture_t *f = *state;
    char j[2048];
    dla_err_t err;
    int rc = load(f, entry_json(j, sizeof j, "oldone", tp("test_bad_abi"), NULL), &err);
    assert_int_equal(rc, DLA_EABI);
    assert_non_null(strstr(err.msg, "\"oldone\""));
    assert_non_null(strstr(err.msg, "999"));
    assert_non_null(strstr(err.msg, "ABI version 1"));
    assert_null(f->app.plugins); /* nothing stays loaded */
}

static void test_missing_entry_refused(void **state)
{
    fixture_t *f = *state;
    char j[2048];
    dla_err_t err;
    assert_int_equal(
        load(f, entry_json(j, sizeof j, "lib", tp("test_no_entry"), NULL), &err),
        DLA_EABI);
    assert_non_null(strstr(err.msg, "\"lib\""));
    assert_non_null(strstr(err.msg, "dla_plugin_entry"));
}

static void test_missing_file(void **state)
{
    fixture_t *f = *state;
    char j[2048];
    dla_err_t err;
    assert_int_equal(
        load(f, entry_json(j, sizeof j, "gone", "/nonexistent/x.so", NULL), &err),
        DLA_ENOTFOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/x.so"));
    assert_non_null(strstr(err.msg, "\"gone\""));
}

static void test_not_a_shared_object(void **state)
{
    fixture_t *f = *state;
    char path[512], j[2048];
    dla_err_t err;
    snprintf(path, sizeof path, "%s/fake.so", f->dir);
    write_file(path, "not an ELF file\n");
    assert_int_equal(load(f, entry_json(j, sizeof j, "fake", path, NULL), &err), DLA_EIO);
    assert_non_null(strstr(err.msg, "could not load"));
}

static void test_writable_file_refused(void **state)
{
    fixture_t *f = *state;
    char path[512], cmd[2048], j[2048];
    dla_err_t err;
    snprintf(path, sizeof path, "%s/copy.so", f->dir);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chmod 0666 '%s'", tp("test_content"), path,
             path);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(load(f, entry_json(j, sizeof j, "w", path, NULL), &err),
                     DLA_EFORBIDDEN);
    assert_non_null(strstr(err.msg, "writable"));
}

static void test_entry_validation(void **state)
{
    fixture_t *f = *state;
    dla_err_t err;
    assert_int_equal(load(f, "[{\"name\":\"a\"}]", &err), DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "path"));
    assert_int_equal(load(f, "[{\"name\":\"a\",\"path\":\"x\",\"colour\":1}]", &err),
                     DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "colour"));
    assert_int_equal(load(f, "[{\"name\":\"Bad Name\",\"path\":\"x\"}]", &err),
                     DLA_ECONFIG);
    assert_int_equal(load(f, "[{\"name\":\"a\",\"path\":\"x\",\"config\":[]}]", &err),
                     DLA_ECONFIG);
    assert_int_equal(load(f, "[7]", &err), DLA_ECONFIG);
    assert_int_equal(load(f, "[{\"name\":\"a\",\"path\":\"\"}]", &err), DLA_ECONFIG);
    json_t *obj = json_object();
    assert_int_equal(dla_plugins_load_json(&f->app, obj, &err), DLA_ECONFIG);
    json_decref(obj);
}

static void test_duplicate_names(void **state)
{
    fixture_t *f = *state;
    char j[4096];
    dla_err_t err;
    snprintf(j, sizeof j,
             "[{\"name\":\"a\",\"path\":\"%s\"},{\"name\":\"a\",\"path\":\"%s\"}]",
             tp("test_content"), tp("test_hr"));
    assert_int_equal(load(f, j, &err), DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "duplicate"));
    assert_null(f->app.plugins);
}

static void test_init_failure_named(void **state)
{
    fixture_t *f = *state;
    char j[4096];
    dla_err_t err;
    /* the first plugin loads, the second fails: everything is unloaded */
    snprintf(j, sizeof j,
             "[{\"name\":\"good\",\"path\":\"%s\"},"
             "{\"name\":\"grumpy\",\"path\":\"%s\",\"config\":{\"fail_init\":\"no\"}}]",
             tp("test_hr"), tp("test_content"));
    assert_int_equal(load(f, j, &err), DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "\"grumpy\""));
    assert_non_null(strstr(err.msg, "refusing to start"));
    assert_null(f->app.plugins);
}

static void test_registration_rules(void **state)
{
    fixture_t *f = *state;
    char j[2048];
    dla_err_t err;
    assert_int_equal(load(f,
                          entry_json(j, sizeof j, "lazy", tp("test_content"),
                                     "{\"skip_register\":true}"),
                          &err),
                     DLA_EABI);
    assert_non_null(strstr(err.msg, "registered none"));
    assert_int_not_equal(load(f,
                              entry_json(j, sizeof j, "twice", tp("test_content"),
                                         "{\"register_twice\":true}"),
                              &err),
                         DLA_OK);
    assert_non_null(strstr(err.msg, "\"twice\""));
    assert_int_not_equal(load(f,
                              entry_json(j, sizeof j, "sneaky", tp("test_content"),
                                         "{\"undeclared\":true}"),
                              &err),
                         DLA_OK);
    assert_null(f->app.plugins);
}

static void test_plugin_dir_resolution(void **state)
{
    fixture_t *f = *state;
    dla_err_t err;
    char *old = getenv("DLA_PLUGIN_DIR") ? strdup(getenv("DLA_PLUGIN_DIR")) : NULL;
    setenv("DLA_PLUGIN_DIR", test_plugin_dir, 1);
    assert_string_equal(dla_plugins_dir(), test_plugin_dir);
    int rc = load(f,
                  "[{\"name\":\"bare\",\"path\":\"test_content\"},"
                  "{\"name\":\"withso\",\"path\":\"test_hr.so\"}]",
                  &err);
    if (old) {
        setenv("DLA_PLUGIN_DIR", old, 1);
        free(old);
    } else {
        unsetenv("DLA_PLUGIN_DIR");
    }
    assert_int_equal(rc, DLA_OK);
    assert_int_equal(dla_plugins_count(&f->app), 2);
    json_t *list = NULL;
    assert_int_equal(dla_plugins_list_json(&f->app, &list, &err), DLA_OK);
    json_t *p0 = json_array_get(json_object_get(list, "plugins"), 0);
    assert_string_equal(json_string_value(json_object_get(p0, "path")),
                        tp("test_content"));
    assert_string_equal(json_string_value(json_object_get(p0, "plugin")), "test_content");
    assert_int_equal(json_integer_value(json_object_get(p0, "abi_version")), 1);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(p0, "content_sources"), 0)),
        "bare");
    json_t *p1 = json_array_get(json_object_get(list, "plugins"), 1);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(p1, "hr_exporters"), 0)),
        "withso");
    assert_string_equal(json_string_value(json_array_get(json_object_get(p1, "caps"), 0)),
                        "hr_exporter");
    json_decref(list);
}

/* ---- content search ---------------------------------------------------------- */

static void test_content_search_and_kv(void **state)
{
    fixture_t *f = *state;
    char j[4096];
    dla_err_t err;
    snprintf(j, sizeof j,
             "[{\"name\":\"one\",\"path\":\"%s\",\"config\":{\"items\":3}},"
             "{\"name\":\"two\",\"path\":\"%s\",\"config\":{\"items\":1,"
             "\"source\":\"second\"}}]",
             tp("test_content"), tp("test_content"));
    assert_int_equal(load(f, j, &err), DLA_OK);
    assert_int_equal(dla_plugins_content_count(&f->app), 2);

    json_t *items = NULL;
    assert_int_equal(
        dla_plugins_content_search(&f->app, "{\"competence\":\"1.1\"}", &items, &err),
        DLA_OK);
    assert_int_equal(json_array_size(items), 4);
    json_t *first = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(first, "source")), "one");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(items, 3), "source")), "second");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(first, "query"), "competence")),
        "1.1");
    assert_int_equal(json_integer_value(json_object_get(first, "calls")), 1);
    json_decref(items);

    /* only one source; "source" is not passed on; kv counter persisted */
    assert_int_equal(
        dla_plugins_content_search(&f->app, "{\"source\":\"one\"}", &items, &err),
        DLA_OK);
    assert_int_equal(json_array_size(items), 3);
    first = json_array_get(items, 0);
    assert_null(json_object_get(json_object_get(first, "query"), "source"));
    assert_int_equal(json_integer_value(json_object_get(first, "calls")), 2);
    json_decref(items);

    /* kv is per instance: "two" counts its own */
    assert_int_equal(
        dla_plugins_content_search(&f->app, "{\"source\":\"second\"}", &items, &err),
        DLA_OK);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(items, 0), "calls")), 2);
    json_decref(items);

    assert_int_equal(
        dla_plugins_content_search(&f->app, "{\"source\":\"nope\"}", &items, &err),
        DLA_ENOTFOUND);
    assert_int_equal(dla_plugins_content_search(&f->app, "{\"source\":3}", &items, &err),
                     DLA_EINVAL);
    assert_int_equal(dla_plugins_content_search(&f->app, "[1]", &items, &err),
                     DLA_EINVAL);
    assert_int_equal(dla_plugins_content_search(&f->app, "{bad", &items, &err),
                     DLA_EINVAL);
    assert_int_equal(
        dla_plugins_content_search(&f->app, "{\"a\":1,\"a\":2}", &items, &err),
        DLA_EINVAL);
}

static void test_failing_sources_skipped(void **state)
{
    fixture_t *f = *state;
    char j[4096];
    dla_err_t err;
    snprintf(j, sizeof j,
             "[{\"name\":\"ok\",\"path\":\"%s\"},"
             "{\"name\":\"broken\",\"path\":\"%s\",\"config\":{\"fail_search\":true}},"
             "{\"name\":\"liar\",\"path\":\"%s\",\"config\":{\"bad_result\":true}}]",
             tp("test_content"), tp("test_content"), tp("test_content"));
    assert_int_equal(load(f, j, &err), DLA_OK);
    json_t *items = NULL;
    assert_int_equal(dla_plugins_content_search(&f->app, NULL, &items, &err), DLA_OK);
    assert_int_equal(json_array_size(items), 2); /* only "ok" answered */
    json_decref(items);
    items = NULL;
    assert_int_equal(
        dla_plugins_content_search(&f->app, "{\"source\":\"broken\"}", &items, &err),
        DLA_EIO);
    assert_non_null(strstr(err.msg, "on purpose"));
    assert_null(items);
    assert_int_equal(
        dla_plugins_content_search(&f->app, "{\"source\":\"liar\"}", &items, &err),
        DLA_ERR);
    assert_non_null(strstr(err.msg, "not a JSON array"));
}

static const char *catalog_text =
    "{\"items\":["
    "{\"id\":\"pwd\",\"title\":\"Stiprūs slaptažodžiai\",\"url\":\"https://c.test/pwd\","
    "\"language\":\"lt\",\"competences\":[\"4.1\",\"4.2\"],\"levels\":[1,2]},"
    "{\"id\":\"pwd-en\",\"title\":\"Strong passwords\",\"url\":\"https://c.test/pwd-en\","
    "\"language\":\"en\",\"competences\":[\"4.2\"],\"levels\":[1,2],"
    "\"description\":\"Password managers and MFA\"},"
    "{\"id\":\"data\",\"title\":\"Duomenų analizė\",\"url\":\"https://c.test/data\","
    "\"language\":\"lt-LT\",\"competences\":[\"1.2\",\"1.3\"],\"levels\":[4,5],"
    "\"kind\":\"workshop\",\"duration_min\":90},"
    "{\"id\":\"any\",\"title\":\"Skaitmeninis "
    "raštingumas\",\"url\":\"https://c.test/any\","
    "\"competences\":[\"1.1\"]}]}";

static int load_catalog(fixture_t *f, const char *catalog, const char *extra)
{
    char path[512], j[4096];
    dla_err_t err;
    snprintf(path, sizeof path, "%s/catalog.json", f->dir);
    write_file(path, catalog);
    snprintf(j, sizeof j,
             "[{\"name\":\"katalogas\",\"path\":\"%s/content_catalog.so\","
             "\"config\":{\"catalog\":\"catalog.json\"%s}}]",
             DLA_PLUGIN_DIR, extra ? extra : "");
    int rc = load(f, j, &err);
    if (rc != DLA_OK)
        print_message("load: %s\n", err.msg);
    return rc;
}

/* Comma list of the ids a query finds. */
static const char *ids(fixture_t *f, const char *query)
{
    static char out[512];
    json_t *items = NULL;
    dla_err_t err = {0};
    out[0] = '\0';
    if (dla_plugins_content_search(&f->app, query, &items, &err) != DLA_OK) {
        snprintf(out, sizeof out, "error: %s", err.msg);
        return out;
    }
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%s", i ? "," : "",
                 json_string_value(json_object_get(it, "id")));
        assert_string_equal(json_string_value(json_object_get(it, "source")),
                            "katalogas");
    }
    json_decref(items);
    return out;
}

static void test_content_catalog(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(load_catalog(f, catalog_text, NULL), DLA_OK);
    assert_string_equal(ids(f, "{}"), "pwd,pwd-en,data,any");
    assert_string_equal(ids(f, "{\"competence\":\"4.2\"}"), "pwd,pwd-en");
    assert_string_equal(ids(f, "{\"competence\":\"4.2\",\"language\":\"lt\"}"), "pwd");
    assert_string_equal(ids(f, "{\"competence\":\"1\"}"), "data,any"); /* an area */
    assert_string_equal(ids(f, "{\"competence\":\"1.3\",\"level\":5}"), "data");
    assert_string_equal(ids(f, "{\"competence\":\"1.3\",\"level\":2}"), "");
    assert_string_equal(ids(f, "{\"level\":7}"), "any"); /* no levels: every level */
    assert_string_equal(ids(f, "{\"language\":\"LT\"}"), "pwd,data,any");
    assert_string_equal(ids(f, "{\"text\":\"mfa\"}"), "pwd-en");
    assert_string_equal(ids(f, "{\"text\":\"PASSWORD\"}"), "pwd-en");
    assert_string_equal(ids(f, "{\"limit\":2}"), "pwd,pwd-en");
    assert_string_equal(ids(f, "{\"future_key\":true,\"limit\":1}"), "pwd");
    assert_non_null(strstr(ids(f, "{\"source\":\"katalogas\",\"level\":9}"), "level"));
    assert_non_null(
        strstr(ids(f, "{\"source\":\"katalogas\",\"competence\":\"x\"}"), "competence"));
    assert_non_null(strstr(ids(f, "{\"source\":\"katalogas\",\"limit\":0}"), "limit"));
    /* the full item comes back */
    json_t *items = NULL;
    dla_err_t err;
    assert_int_equal(
        dla_plugins_content_search(&f->app, "{\"competence\":\"1.2\"}", &items, &err),
        DLA_OK);
    json_t *d = json_array_get(items, 0);
    assert_string_equal(json_string_value(json_object_get(d, "kind")), "workshop");
    assert_int_equal(json_integer_value(json_object_get(d, "duration_min")), 90);
    assert_string_equal(json_string_value(json_object_get(d, "title")),
                        "Duomenų analizė");
    json_decref(items);
}

static void test_content_catalog_max_results(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(load_catalog(f, catalog_text, ",\"max_results\":1"), DLA_OK);
    assert_string_equal(ids(f, "{}"), "pwd");
    assert_string_equal(ids(f, "{\"limit\":3}"), "pwd,pwd-en,data");
}

static void test_content_catalog_bad_catalogs(void **state)
{
    fixture_t *f = *state;
    static const char *bad[] = {
        "{\"items\":[{\"id\":\"a\",\"title\":\"t\"}]}", /* no url */
        "{\"items\":[{\"id\":\"a\",\"title\":\"t\",\"url\":\"u\",\"colour\":"
        "1}]}", /* unknown
                 */
        "{\"items\":[{\"id\":\"a\",\"title\":\"t\",\"url\":\"u\",\"levels\":["
        "9]}]}",
        "{\"items\":[{\"id\":\"a\",\"title\":\"t\",\"url\":\"u\","
        "\"competences\":[\"x\"]}"
        "]}",
        "{\"items\":[{\"id\":\"a\",\"title\":\"t\",\"url\":\"u\"},"
        "{\"id\":\"a\",\"title\":\"t\",\"url\":\"u\"}]}", /* duplicate id */
        "{\"items\":[1]}",
        "{\"things\":[]}",
        "{\"items\":[] ",
        "42",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(load_catalog(f, bad[i], NULL), DLA_ECONFIG);
        assert_null(f->app.plugins);
    }
    assert_int_equal(load_catalog(f, catalog_text, ",\"colour\":1"), DLA_ECONFIG);
    assert_int_equal(load_catalog(f, catalog_text, ",\"max_results\":0"), DLA_ECONFIG);
    /* a bare array is accepted */
    assert_int_equal(
        load_catalog(f, "[{\"id\":\"a\",\"title\":\"t\",\"url\":\"u\"}]", NULL), DLA_OK);
    assert_string_equal(ids(f, "{}"), "a");
}

static void test_content_catalog_missing_config(void **state)
{
    fixture_t *f = *state;
    char j[2048];
    dla_err_t err;
    snprintf(j, sizeof j, "[{\"name\":\"c\",\"path\":\"%s/content_catalog.so\"}]",
             DLA_PLUGIN_DIR);
    assert_int_equal(load(f, j, &err), DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "catalog"));
    snprintf(j, sizeof j,
             "[{\"name\":\"c\",\"path\":\"%s/content_catalog.so\","
             "\"config\":{\"catalog\":\"/nonexistent.json\"}}]",
             DLA_PLUGIN_DIR);
    assert_int_equal(load(f, j, &err), DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "/nonexistent.json"));
}

typedef struct search_arg_s {
    fixture_t *f;
    int ok;
} search_arg_t;

static void *search_thread(void *p)
{
    search_arg_t *a = p;
    for (int i = 0; i < 200; i++) {
        json_t *items = NULL;
        dla_err_t err;
        if (dla_plugins_content_search(&a->f->app, "{\"competence\":\"4.2\"}", &items,
                                       &err) == DLA_OK &&
            json_array_size(items) == 2)
            a->ok++;
        json_decref(items);
    }
    return NULL;
}

static void test_content_catalog_concurrent(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(load_catalog(f, catalog_text, NULL), DLA_OK);
    pthread_t t[4];
    search_arg_t args[4];
    for (int i = 0; i < 4; i++) {
        args[i].f = f;
        args[i].ok = 0;
        assert_int_equal(pthread_create(&t[i], NULL, search_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(args[i].ok, 200);
    }
}

/* ---- HR export ------------------------------------------------------------------ */

static const char *rows_text =
    "[{\"tenant\":\"demo\",\"user_id\":\"u1\",\"name\":\"Ona Onaitė\",\"unit\":\"IT\","
    "\"framework\":\"digcomp-2.2\",\"competence\":\"1.1\",\"level\":3,\"score\":0.5,"
    "\"assessed\":1700000000},"
    "{\"tenant\":\"other\",\"user_id\":\"u2\",\"competence\":\"2.1\",\"level\":1,"
    "\"score\":0.25},"
    "{\"tenant\":\"demo\",\"user_id\":\"u3\",\"name\":\"=HYPERLINK(\\\"x\\\")\","
    "\"unit\":\"Finansai, apskaita\",\"competence\":\"4.2\",\"level\":0,\"score\":1}]";

static void test_hr_csv_export(void **state)
{
    fixture_t *f = *state;
    char j[2048];
    dla_err_t err;
    snprintf(j, sizeof j,
             "[{\"name\":\"csv\",\"path\":\"%s/hr_csv.so\","
             "\"config\":{\"path\":\"exports/hr-{tenant}.csv\"}}]",
             DLA_PLUGIN_DIR);
    assert_int_equal(load(f, j, &err), DLA_OK);
    assert_int_equal(dla_plugins_hr_count(&f->app), 1);
    json_t *rows = json_loads(rows_text, 0, NULL);
    assert_non_null(rows);
    json_t *summary = NULL;
    assert_int_equal(dla_plugins_hr_export_json(&f->app, "csv", "{\"tenant\":\"demo\"}",
                                                rows, &summary, &err),
                     DLA_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/exports/hr-demo.csv", f->dir);
    assert_string_equal(json_string_value(json_object_get(summary, "path")), path);
    assert_int_equal(json_integer_value(json_object_get(summary, "rows")), 2);
    assert_int_equal(json_integer_value(json_object_get(summary, "skipped")), 1);
    json_decref(summary);
    const char *csv = read_file(path);
    assert_non_null(csv);
    assert_string_equal(
        csv, "tenant,user_id,name,unit,framework,competence,level,score,assessed\r\n"
             "demo,u1,Ona Onaitė,IT,digcomp-2.2,1.1,3,0.500,2023-11-14T22:13:20Z\r\n"
             "demo,u3,\"'=HYPERLINK(\"\"x\"\")\",\"Finansai, apskaita\",,4.2,0,"
             "1.000,\r\n");

    /* without a tenant: {tenant} becomes "all", every row written */
    summary = NULL;
    assert_int_equal(
        dla_plugins_hr_export_json(&f->app, "csv", NULL, rows, &summary, &err), DLA_OK);
    assert_int_equal(json_integer_value(json_object_get(summary, "rows")), 3);
    json_decref(summary);
    snprintf(path, sizeof path, "%s/exports/hr-all.csv", f->dir);
    assert_non_null(read_file(path));

    /* a bad row aborts: no file appears, no temporary left */
    json_t *bad =
        json_loads("[{\"tenant\":\"t9\",\"user_id\":\"u\",\"competence\":\"1.1\"},"
                   "{\"tenant\":\"t9\",\"user_id\":\"u\",\"level\":11,"
                   "\"competence\":\"1.1\"}]",
                   0, NULL);
    assert_int_equal(dla_plugins_hr_export_json(&f->app, "csv", "{\"tenant\":\"t9\"}",
                                                bad, NULL, &err),
                     DLA_EINVAL);
    assert_non_null(strstr(err.msg, "rows[1].level"));
    json_decref(bad);
    snprintf(path, sizeof path, "%s/exports/hr-t9.csv", f->dir);
    assert_null(read_file(path));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls %s/exports | grep -q tmp", f->dir);
    assert_int_not_equal(system(cmd), 0);

    /* options are the plugin's to check */
    assert_int_equal(dla_plugins_hr_export_json(&f->app, "csv", "{\"path\":\"/etc/x\"}",
                                                rows, NULL, &err),
                     DLA_EINVAL);
    assert_int_equal(dla_plugins_hr_export_json(&f->app, "csv", "{\"tenant\":\"../x\"}",
                                                rows, NULL, &err),
                     DLA_EINVAL);
    assert_int_equal(dla_plugins_hr_export_json(&f->app, "csv", "[]", rows, NULL, &err),
                     DLA_EINVAL);
    json_decref(rows);
}

static void test_hr_csv_config(void **state)
{
    fixture_t *f = *state;
    char j[2048];
    dla_err_t err;
    static const char *bad[] = {
        "{}", "{\"path\":\"\"}", "{\"path\":\"x\",\"delimiter\":\"|\"}",
        "{\"path\":\"x\",\"bom\":1}", "{\"path\":\"x\",\"extra\":1}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(j, sizeof j,
                 "[{\"name\":\"csv\",\"path\":\"%s/hr_csv.so\",\"config\":%s}]",
                 DLA_PLUGIN_DIR, bad[i]);
        assert_int_equal(load(f, j, &err), DLA_ECONFIG);
        assert_non_null(strstr(err.msg, "\"csv\""));
    }
    char out[600];
    snprintf(out, sizeof out, "%s/semi.csv", f->dir);
    snprintf(j, sizeof j,
             "[{\"name\":\"csv\",\"path\":\"%s/hr_csv.so\",\"config\":{\"path\":\"%s\","
             "\"delimiter\":\";\",\"bom\":true}}]",
             DLA_PLUGIN_DIR, out);
    assert_int_equal(load(f, j, &err), DLA_OK);
    dla_hr_job_t *job = NULL;
    assert_int_equal(dla_plugins_hr_open(&f->app, "csv", NULL, &job, &err), DLA_OK);
    dla_hr_row_t row = {.tenant = "demo",
                        .user_id = "u;1",
                        .competence = "5.3",
                        .level = 2,
                        .score = 0.125};
    assert_int_equal(dla_plugins_hr_write(job, &row, &err), DLA_OK);
    dla_hr_row_t incomplete = {.tenant = "demo"};
    assert_int_equal(dla_plugins_hr_write(job, &incomplete, &err), DLA_EINVAL);
    assert_int_equal(dla_plugins_hr_close(job, 1, NULL, &err), DLA_OK);
    assert_string_equal(read_file(out),
                        "\xEF\xBB\xBFtenant;user_id;name;unit;framework;competence;level;"
                        "score;assessed\r\ndemo;\"u;1\";;;;5.3;2;0.125;\r\n");
}

static void test_hr_streaming_and_failures(void **state)
{
    fixture_t *f = *state;
    char j[4096];
    dla_err_t err;
    snprintf(j, sizeof j,
             "[{\"name\":\"mem\",\"path\":\"%s\"},"
             "{\"name\":\"shut\",\"path\":\"%s\",\"config\":{\"fail_open\":true}},"
             "{\"name\":\"flaky\",\"path\":\"%s\",\"config\":{\"fail_write_at\":1}}]",
             tp("test_hr"), tp("test_hr"), tp("test_hr"));
    assert_int_equal(load(f, j, &err), DLA_OK);
    dla_hr_job_t *job = NULL;
    assert_int_equal(dla_plugins_hr_open(&f->app, "mem", "{\"k\":\"v\"}", &job, &err),
                     DLA_OK);
    for (int i = 0; i < 1000; i++) {
        dla_hr_row_t row = {
            .tenant = "demo", .user_id = "u", .competence = "1.1", .score = 0.5};
        assert_int_equal(dla_plugins_hr_write(job, &row, &err), DLA_OK);
    }
    json_t *summary = NULL;
    assert_int_equal(dla_plugins_hr_close(job, 1, &summary, &err), DLA_OK);
    assert_int_equal(json_integer_value(json_object_get(summary, "rows")), 1000);
    assert_true(json_number_value(json_object_get(summary, "score_sum")) > 499.9);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(summary, "options"), "k")),
        "v");
    json_decref(summary);

    assert_int_equal(dla_plugins_hr_open(&f->app, "shut", NULL, &job, &err), DLA_EIO);
    assert_non_null(strstr(err.msg, "\"shut\""));
    json_t *rows = json_loads(rows_text, 0, NULL);
    assert_int_equal(dla_plugins_hr_export_json(&f->app, "flaky", NULL, rows, NULL, &err),
                     DLA_EIO);
    assert_non_null(strstr(err.msg, "row 1"));
    assert_int_equal(dla_plugins_hr_export_json(&f->app, "mem", "{", rows, NULL, &err),
                     DLA_EINVAL);
    assert_int_equal(dla_plugins_hr_export_json(&f->app, "mem", NULL,
                                                json_object_get(rows, "x"), NULL, &err),
                     DLA_EINVAL);
    json_decref(rows);
}

/* ---- CLI ------------------------------------------------------------------------ */

/* Runs `dla plugin ...` capturing stdout into buf. */
static int run_cli(fixture_t *f, char *buf, size_t cap, int argc, char **argv)
{
    const dla_cli_cmd_t *cmds = dla_plugins_cli_commands();
    assert_string_equal(cmds[0].name, "plugin");
    assert_null(cmds[1].name);
    char path[512];
    snprintf(path, sizeof path, "%s/stdout.txt", f->dir);
    fflush(stdout);
    int saved = dup(1);
    FILE *out = fopen(path, "w");
    dup2(fileno(out), 1);
    int rc = cmds[0].run(&f->app, argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    fclose(out);
    const char *text = read_file(path);
    size_t n = text ? strlen(text) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, text ? text : "", n);
    buf[n] = '\0';
    return rc;
}

static void test_cli(void **state)
{
    fixture_t *f = *state;
    char j[2048], out[8192];
    dla_err_t err;
    assert_int_equal(
        load(f, entry_json(j, sizeof j, "t", tp("test_content"), NULL), &err), DLA_OK);
    char *list[] = {"plugin", "list", "--json"};
    assert_int_equal(run_cli(f, out, sizeof out, 3, list), 0);
    json_t *o = json_loads(out, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(o, "plugins"), 0), "name")),
                        "t");
    json_decref(o);
    char *search[] = {"plugin", "search", "{\"text\":\"x\"}", "--json"};
    assert_int_equal(run_cli(f, out, sizeof out, 4, search), 0);
    o = json_loads(out, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(o, "items")), 2);
    json_decref(o);
    char *text[] = {"plugin", "list"};
    assert_int_equal(run_cli(f, out, sizeof out, 2, text), 0);
    assert_non_null(strstr(out, "test_content 0.0.1"));
    char *bad[] = {"plugin", "frobnicate"};
    assert_int_equal(run_cli(f, out, sizeof out, 2, bad), 2);
    char *badq[] = {"plugin", "search", "{"};
    assert_int_equal(run_cli(f, out, sizeof out, 3, badq), 1);
    /* with --json, failures are one JSON object on stdout too */
    char *badqj[] = {"plugin", "search", "{", "--json"};
    assert_int_equal(run_cli(f, out, sizeof out, 4, badqj), 1);
    o = json_loads(out, 0, NULL);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(o, "error"), "code")),
        "command_failed");
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(o, "error"), "message")),
               "JSON"));
    json_decref(o);
    char *badj[] = {"plugin", "--json", "frobnicate"};
    assert_int_equal(run_cli(f, out, sizeof out, 3, badj), 2);
    o = json_loads(out, 0, NULL);
    assert_non_null(json_object_get(o, "error"));
    json_decref(o);
}

int main(void)
{
    const char *b = getenv("DLA_BUILD_DIR");
    snprintf(test_plugin_dir, sizeof test_plugin_dir, "%s/tests/plugins", b ? b : ".");
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_no_plugins),
        T(test_wrong_abi_refused_by_name),
        T(test_missing_entry_refused),
        T(test_missing_file),
        T(test_not_a_shared_object),
        T(test_writable_file_refused),
        T(test_entry_validation),
        T(test_duplicate_names),
        T(test_init_failure_named),
        T(test_registration_rules),
        T(test_plugin_dir_resolution),
        T(test_content_search_and_kv),
        T(test_failing_sources_skipped),
        T(test_content_catalog),
        T(test_content_catalog_max_results),
        T(test_content_catalog_bad_catalogs),
        T(test_content_catalog_missing_config),
        T(test_content_catalog_concurrent),
        T(test_hr_csv_export),
        T(test_hr_csv_config),
        T(test_hr_streaming_and_failures),
        T(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
