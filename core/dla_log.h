/* dla_log.h - one printf-checked logger for the whole process. Thread-safe. */
#ifndef DLA_LOG_H
#define DLA_LOG_H

#include "dla_err.h"

typedef enum { DLA_LOG_DEBUG = 0, DLA_LOG_INFO, DLA_LOG_WARN, DLA_LOG_ERROR } dla_log_level_t;

/* Writes one line "<ts> <level> <message>" to stderr (or the configured file). */
void dla_log(dla_log_level_t level, const char *fmt, ...) DLA_PRINTF(2, 3);
void dla_vlog(dla_log_level_t level, const char *fmt, va_list ap);

/* Sets the minimum level printed (default INFO; DLA_LOG_LEVEL=debug overrides). */
void dla_log_set_level(dla_log_level_t level);

/* Parses "debug|info|warn|error"; returns DLA_OK or DLA_EINVAL. */
int dla_log_parse_level(const char *s, dla_log_level_t *out);

#endif
