/* test_config.c - unit tests of the strict JSON configuration (core/dla_config.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dla_config.h"

static int clean_env(void **state)
{
    (void)state;
    unsetenv("DLA_LISTEN");
    unsetenv("DLA_DATA_DIR");
    return 0;
}

static int load(const char *text, dla_config_t **c, dla_err_t *err)
{
    memset(err, 0, sizeof *err);
    *c = NULL;
    return dla_config_load_string("t.json", text, strlen(text), c, err);
}

/* Loading `text` must fail with DLA_ECONFIG and a message containing `want`. */
static void refused(const char *text, const char *want)
{
    dla_config_t *c;
    dla_err_t err;
    int rc = load(text, &c, &err);
    if (rc != DLA_ECONFIG)
        fail_msg("accepted (rc %d): %s", rc, text);
    assert_null(c);
    if (!strstr(err.msg, want))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
}

static void test_defaults(void **state)
{
    (void)state;
    dla_config_t *c = NULL;
    dla_err_t err;
    assert_int_equal(dla_config_load(NULL, &c, &err), DLA_OK);
    const dla_server_cfg_t *s = dla_config_server(c);
    const dla_store_cfg_t *st = dla_config_store(c);
    assert_string_equal(s->listen, "127.0.0.1:8080");
    assert_string_equal(s->public_base_url, "http://127.0.0.1:8080");
    assert_int_equal(s->threads, 0);
    assert_int_equal(s->max_body, 1024 * 1024);
    assert_string_equal(s->log_level, "info");
    assert_string_equal(st->data_dir, "./var");
    assert_int_equal(st->sync, 1);
    assert_string_equal(dla_config_file(c), "<defaults>");
    assert_null(dla_config_section(c, "xapi"));
    dla_config_free(c);
    dla_config_free(NULL);
}

static void test_full_config_and_env(void **state)
{
    (void)state;
    const char *text =
        "{\n"
        "  \"server\": {\"listen\": \"127.0.0.1:9000\", \"threads\": 8,\n"
        "              \"max_body\": 2048, \"access_log\": false,\n"
        "              \"public_base_url\": \"https://dla.example.lt//\",\n"
        "              \"log_level\": \"debug\", \"web_root\": \"/srv/web\"},\n"
        "  \"store\": {\"data_dir\": \"/var/lib/dla\", \"map_size_mb\": 1024,\n"
        "             \"sync\": false},\n"
        "  \"xapi\": {\"anything\": [1, 2]},\n"
        "  \"plugins\": [{\"name\": \"a\", \"path\": \"p\"}]\n"
        "}\n";
    dla_config_t *c;
    dla_err_t err;
    assert_int_equal(load(text, &c, &err), DLA_OK);
    const dla_server_cfg_t *s = dla_config_server(c);
    assert_string_equal(s->listen, "127.0.0.1:9000");
    assert_int_equal(s->threads, 8);
    assert_int_equal(s->max_body, 2048);
    assert_int_equal(s->access_log, 0);
    assert_string_equal(s->public_base_url, "https://dla.example.lt");
    assert_string_equal(s->web_root, "/srv/web");
    assert_string_equal(s->log_level, "debug");
    const dla_store_cfg_t *st = dla_config_store(c);
    assert_string_equal(st->data_dir, "/var/lib/dla");
    assert_int_equal(st->map_size_mb, 1024);
    assert_int_equal(st->sync, 0);
    assert_true(json_is_object(dla_config_section(c, "xapi")));
    assert_true(json_is_array(dla_config_section(c, "plugins")));
    assert_string_equal(dla_config_file(c), "t.json");
    dla_config_free(c);

    setenv("DLA_LISTEN", "127.0.0.1:7777", 1);
    setenv("DLA_DATA_DIR", "/tmp/elsewhere", 1);
    assert_int_equal(load("{\"server\":{\"listen\":\"0.0.0.0:1\"}}", &c, &err), DLA_OK);
    assert_string_equal(dla_config_server(c)->listen, "127.0.0.1:7777");
    assert_string_equal(dla_config_server(c)->public_base_url, "http://127.0.0.1:7777");
    assert_string_equal(dla_config_store(c)->data_dir, "/tmp/elsewhere");
    dla_config_free(c);
    /* an empty variable does not override */
    setenv("DLA_LISTEN", "", 1);
    assert_int_equal(load("{\"server\":{\"listen\":\"127.0.0.1:1\"}}", &c, &err), DLA_OK);
    assert_string_equal(dla_config_server(c)->listen, "127.0.0.1:1");
    dla_config_free(c);
    clean_env(NULL);
}

static void test_syntax_errors_have_positions(void **state)
{
    (void)state;
    dla_config_t *c;
    dla_err_t err;
    assert_int_equal(load("{\n  \"server\": {\n    \"listen\": \"x\",\n  }\n}", &c, &err),
                     DLA_ECONFIG);
    assert_int_equal(err.line, 4);
    assert_true(err.column > 0);
    assert_non_null(strstr(err.msg, "t.json:4:"));
    refused("", "t.json:");
    refused("{", "t.json:1:");
    refused("{\"server\": {}} trailing", "t.json:1:");
    refused("{\"server\": {\"listen\": \"a\", \"listen\": \"b\"}}", "duplicate");
    refused("[]", "must be an object");
    refused("{\"server\": {\"listen\": \"\\ud800\"}}", "t.json:1:");
}

static void test_unknown_keys_and_types(void **state)
{
    (void)state;
    refused("{\"colour\": 1}", "unknown key \"colour\"");
    refused("{\n  \"server\": {\n    \"listen\": \"a\",\n    \"treads\": 4\n  }\n}",
            "t.json:4:5: unknown key \"server.treads\"");
    refused("{\"store\": {\"sync\": \"yes\"}}", "\"store.sync\" must be true or false");
    refused("{\"server\": {\"threads\": 1.5}}", "\"server.threads\" must be an integer");
    refused("{\"server\": 3}", "\"server\" must be an object");
    refused("{\"plugins\": {}}", "\"plugins\" must be an array");
    refused("{\"server\": {\"threads\": 5000}}", "between");
    refused("{\"server\": {\"max_body\": 10}}", "between");
    refused("{\"server\": {\"threads\": -1}}", "between");
    refused("{\"store\": {\"map_size_mb\": 99999999999}}", "between");
}

static void test_check_for_modules(void **state)
{
    (void)state;
    const char *text = "{\n"
                       "  \"plugins\": [\n"
                       "    {\"name\": \"a\", \"path\": \"p\"},\n"
                       "    {\"name\": \"b\", \"path\": \"q\",\n"
                       "     \"config\": {\"catalog\": 7, \"extra\": true}}\n"
                       "  ],\n"
                       "  \"xapi\": {\"max_batch\": 10}\n"
                       "}\n";
    dla_config_t *c;
    dla_err_t err;
    assert_int_equal(load(text, &c, &err), DLA_OK);
    json_t *pl = dla_config_section(c, "plugins");
    json_t *conf = json_object_get(json_array_get(pl, 1), "config");
    static const dla_cfg_field_t f1[] = {{"catalog", DLA_CFG_STRING, 1},
                                         {"extra", DLA_CFG_BOOL, 0},
                                         {NULL, DLA_CFG_ANY, 0}};
    assert_int_equal(dla_config_check(c, "plugins[1].config", conf, f1, &err),
                     DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "t.json:5:17:"));
    assert_non_null(strstr(err.msg, "\"plugins[1].config.catalog\" must be a string"));
    static const dla_cfg_field_t f2[] = {{"catalog", DLA_CFG_ANY, 1},
                                         {NULL, DLA_CFG_ANY, 0}};
    assert_int_equal(dla_config_check(c, "plugins[1].config", conf, f2, &err),
                     DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "unknown key \"plugins[1].config.extra\""));
    static const dla_cfg_field_t f3[] = {{"catalog", DLA_CFG_ANY, 1},
                                         {"extra", DLA_CFG_ANY, 0},
                                         {"needed", DLA_CFG_NUMBER, 1},
                                         {NULL, DLA_CFG_ANY, 0}};
    assert_int_equal(dla_config_check(c, "plugins[1].config", conf, f3, &err),
                     DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "missing required key \"needed\""));
    static const dla_cfg_field_t f4[] = {{"catalog", DLA_CFG_NUMBER, 1},
                                         {"extra", DLA_CFG_BOOL, 0},
                                         {NULL, DLA_CFG_ANY, 0}};
    assert_int_equal(dla_config_check(c, "plugins[1].config", conf, f4, &err), DLA_OK);
    json_t *x = dla_config_section(c, "xapi");
    static const dla_cfg_field_t fx[] = {{"max_batch", DLA_CFG_INT, 0},
                                         {NULL, DLA_CFG_ANY, 0}};
    assert_int_equal(dla_config_check(c, "xapi", x, fx, &err), DLA_OK);
    assert_int_equal(dla_config_check(c, "xapi", json_array_get(pl, 0), fx, &err),
                     DLA_ECONFIG);
    /* dla_config_error positions a semantic error */
    assert_int_equal(
        dla_config_error(c, "xapi.max_batch", &err, DLA_ECONFIG, "too %s", "small"),
        DLA_ECONFIG);
    assert_string_equal(err.msg, "t.json:7:12: too small");
    assert_int_equal(err.line, 7);
    assert_int_equal(err.column, 12);
    dla_config_free(c);
}

static void test_positions_with_escaped_keys(void **state)
{
    (void)state;
    dla_config_t *c;
    dla_err_t err;
    /* "thr\u0065ads" is "threads": the error must still point at line 2 */
    assert_int_equal(load("{\"server\":\n {\"thr\\u0065ads\": \"x\"}}", &c, &err),
                     DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "\"server.threads\" must be an integer"));
    assert_non_null(strstr(err.msg, "t.json:2:"));
}

static void test_files(void **state)
{
    (void)state;
    char path[1024];
    dla_config_t *c;
    dla_err_t err = {0};
    const char *files[] = {"config/dla.example.json", "config/dla.demo.json"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", DLA_SOURCE_DIR, files[i]);
        if (dla_config_load(path, &c, &err) != DLA_OK)
            fail_msg("%s: %s", files[i], err.msg);
        assert_string_equal(dla_config_file(c), path);
        dla_config_free(c);
    }
    assert_int_equal(dla_config_load("/nonexistent/dla.json", &c, &err), DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "/nonexistent/dla.json"));
    assert_int_equal(dla_config_load("/", &c, &err), DLA_ECONFIG); /* a directory */
    /* larger than 4 MiB */
    char tmp[] = "/tmp/dla-test-config-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("{\"xapi\": {\"pad\": \"", f);
    for (int i = 0; i < 5 * 1024; i++)
        fputs(".........................................................................."
              "......"
              ".........................................................................."
              "......"
              ".........................................................................."
              "......"
              ".........................................................................."
              "......"
              ".........................................................................."
              "......"
              ".........................................................................."
              "......"
              ".........................................................................."
              "......"
              ".........................................................................."
              "......"
              ".........................................................................."
              "......"
              ".........................................................................."
              "......"
              ".........................................................................."
              "......"
              ".........................................................................."
              "......"
              "................................................................",
              f);
    fputs("\"}}", f);
    fclose(f);
    assert_int_equal(dla_config_load(tmp, &c, &err), DLA_ECONFIG);
    assert_non_null(strstr(err.msg, "4 MiB"));
    unlink(tmp);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    /* deep module sections must not crash the position scanner */
    char text[4096];
    size_t o = (size_t)sprintf(text, "{\"xapi\": ");
    for (int i = 0; i < 200; i++)
        o += (size_t)sprintf(text + o, "{\"k\": ");
    o += (size_t)sprintf(text + o, "1");
    for (int i = 0; i < 200; i++)
        text[o++] = '}';
    text[o++] = '}';
    text[o] = '\0';
    dla_config_t *c;
    dla_err_t err;
    assert_int_equal(load(text, &c, &err), DLA_OK);
    dla_config_free(c);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, clean_env)
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_full_config_and_env),
        T(test_syntax_errors_have_positions),
        T(test_unknown_keys_and_types),
        T(test_check_for_modules),
        T(test_positions_with_escaped_keys),
        T(test_files),
        T(test_deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
