/* dla_i18n.h - message catalogs for Lithuanian (first) and English.
 *
 * Catalogs are JSON objects of key -> string in config/i18n/<lang>/<module>.json,
 * all files of a language merged at start. Lookups are lock-free after init.
 */
#ifndef DLA_I18N_H
#define DLA_I18N_H

#include "dla_err.h"

/* Loads every catalog under `dir` (config/i18n). Every key must exist in both
 * languages: a key missing in one is an error naming file and key. */
int dla_i18n_init(const char *dir, dla_err_t *err);
void dla_i18n_fini(void);

/* The message for `key` in `locale` ("lt", "en", "lt-LT", "en_GB"...; anything
 * else falls back to "lt"). Returns the key itself when unknown. Borrowed,
 * valid until dla_i18n_fini. */
const char *dla_t(const char *locale, const char *key);

/* Normalises a locale tag to "lt" or "en" (default "lt"). Returns a static string. */
const char *dla_i18n_lang(const char *locale);

#endif
