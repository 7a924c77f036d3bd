/* log.c - the process logger: one line per call, serialised by stdio's lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dla_log.h"

static dla_log_level_t g_level = DLA_LOG_INFO;
static int g_level_init;

int dla_log_parse_level(const char *s, dla_log_level_t *out)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        if (s && strcasecmp(s, names[i]) == 0) {
            *out = (dla_log_level_t)i;
            return DLA_OK;
        }
    }
    return DLA_EINVAL;
}

void dla_log_set_level(dla_log_level_t level)
{
    g_level = level;
    g_level_init = 1;
}

void dla_vlog(dla_log_level_t level, const char *fmt, va_list ap)
{
    static const char *tags[] = {"debug", "info", "warn", "error"};
    if (!g_level_init) {
        dla_log_level_t l;
        if (dla_log_parse_level(getenv("DLA_LOG_LEVEL"), &l) == DLA_OK)
            g_level = l;
        g_level_init = 1;
    }
    if (level < g_level)
        return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    n += snprintf(line + n, sizeof line - (size_t)n, ".%03ldZ %-5s ", ts.tv_nsec / 1000000,
                  tags[level]);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    flockfile(stderr);
    fputs(line, stderr);
    fputc('\n', stderr);
    funlockfile(stderr);
}

void dla_log(dla_log_level_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dla_vlog(level, fmt, ap);
    va_end(ap);
}
