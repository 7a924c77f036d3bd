/* dla_cli.h - the `dla` command line: app life cycle and core admin commands. */
#ifndef DLA_CLI_H
#define DLA_CLI_H

#include <jansson.h>

#include "dla_app.h"

/* Opens the app for a command: config (DLA_CONFIG), store, auth, i18n, router
 * and, when `modules` is set, every module and plugin. On failure prints one
 * line "dla: <problem>" on stderr and returns NULL. Caller closes with
 * dla_cli_app_close. */
dla_app_t *dla_cli_app_open(int modules);
void dla_cli_app_close(dla_app_t *app);

/* NULL-terminated table of the core admin commands (init, tenant, credential, token). */
const dla_cli_cmd_t *dla_core_cli_commands(void);

/* 1 when command `cmd` opens only config, store, auth and i18n (no modules). */
int dla_cli_core_only(const char *cmd);

/* Small argument helpers for commands: finds "--name VALUE" (NULL if absent),
 * "--flag" presence, and prints errors/JSON. */
const char *dla_cli_opt(int argc, char **argv, const char *name);
int dla_cli_flag(int argc, char **argv, const char *name);
/* Prints `j` (stolen) as one line of JSON on stdout. Returns 0. */
int dla_cli_print_json(json_t *j);
/* Prints "dla <cmd>: <msg>" on stderr (or {"error":...} on stdout with --json)
 * and returns the exit status `status`. */
int dla_cli_fail(int json, const char *cmd, int status, const char *fmt, ...)
    DLA_PRINTF(4, 5);

#endif
