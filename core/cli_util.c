/* cli_util.c - small helpers every module's CLI commands share. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_cli.h"

const char *dla_cli_opt(int argc, char **argv, const char *name)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return NULL;
}

int dla_cli_flag(int argc, char **argv, const char *name)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int dla_cli_print_json(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!s)
        return 1;
    puts(s);
    free(s);
    return 0;
}

int dla_cli_fail(int json, const char *cmd, int status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (json)
        dla_cli_print_json(json_pack("{s:{s:s,s:s}}", "error", "code", "command_failed",
                                     "message", msg));
    fprintf(stderr, "dla %s: %s\n", cmd, msg);
    return status;
}
