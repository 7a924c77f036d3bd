/* dla_config.h - the JSON configuration file, parsed strictly.
 *
 * One file (DLA_CONFIG, example config/dla.example.json). Duplicate keys,
 * unknown keys and wrong types are errors naming the file, line and column.
 * Core validates the top level, "server" and "store"; each module and plugin
 * validates its own section with dla_config_check at its init.
 * Environment overrides: DLA_LISTEN (server.listen), DLA_DATA_DIR (store.data_dir).
 */
#ifndef DLA_CONFIG_H
#define DLA_CONFIG_H

#include <stddef.h>
#include <jansson.h>

#include "dla_err.h"

typedef struct dla_config_s dla_config_t;

typedef struct dla_server_cfg_s {
    const char *listen;          /* "127.0.0.1:8080" */
    const char *public_base_url; /* "http://127.0.0.1:8080" (behind a proxy: the public URL) */
    unsigned threads;            /* 0 = automatic */
    size_t max_body;             /* default request body limit, bytes */
    int access_log;
    const char *web_root;        /* directory of static UI assets ("web") */
    const char *log_level;       /* "info" */
} dla_server_cfg_t;

typedef struct dla_store_cfg_s {
    const char *data_dir; /* "./var" */
    size_t map_size_mb;
    int sync;
} dla_store_cfg_t;

/* Loads `path` (NULL = built-in defaults only) and applies environment
 * overrides. Returns a new config in *out (caller frees with dla_config_free).
 * On error err->msg reads "<file>:<line>:<col>: <problem>". */
int dla_config_load(const char *path, dla_config_t **out, dla_err_t *err);
/* Same from a string (tests, fuzzing); `name` is used in messages. */
int dla_config_load_string(const char *name, const char *text, size_t len,
                           dla_config_t **out, dla_err_t *err);
void dla_config_free(dla_config_t *c);

/* Borrowed views, valid for the config's life. */
const dla_server_cfg_t *dla_config_server(const dla_config_t *c);
const dla_store_cfg_t *dla_config_store(const dla_config_t *c);
/* Top-level section `name` (an object), borrowed; NULL when absent. */
json_t *dla_config_section(const dla_config_t *c, const char *name);
/* The file name as given ("<defaults>" when none). */
const char *dla_config_file(const dla_config_t *c);

/* Field description for dla_config_check. */
typedef enum {
    DLA_CFG_STRING, DLA_CFG_INT, DLA_CFG_BOOL, DLA_CFG_NUMBER,
    DLA_CFG_OBJECT, DLA_CFG_ARRAY, DLA_CFG_ANY
} dla_cfg_type_t;
typedef struct dla_cfg_field_s {
    const char *name;
    dla_cfg_type_t type;
    int required;
} dla_cfg_field_t;

/* Checks that object `obj` (found at dotted `path`, e.g. "xapi" or
 * "plugins[1].config") has only the listed keys with the listed types and all
 * required ones. `fields` ends with {NULL}. Errors name file:line:col. */
int dla_config_check(const dla_config_t *c, const char *path, const json_t *obj,
                     const dla_cfg_field_t *fields, dla_err_t *err);
/* Formats an error about the value at dotted `path` with its position. */
int dla_config_error(const dla_config_t *c, const char *path, dla_err_t *err, int code,
                     const char *fmt, ...) DLA_PRINTF(5, 6);

#endif
