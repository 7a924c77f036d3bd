/* i18n.c - Lithuanian and English message catalogs.
 *
 * Every file config/i18n/<lang>/<module>.json is a flat object key -> string.
 * Both languages must define the same keys. After init the tables are
 * read-only, so lookups need no lock.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dla_i18n.h"

static json_t *g_cat[2]; /* 0 = lt, 1 = en */
static const char *const g_langs[2] = {"lt", "en"};

const char *dla_i18n_lang(const char *locale)
{
    if (locale && strncasecmp(locale, "en", 2) == 0 &&
        (locale[2] == '\0' || locale[2] == '-' || locale[2] == '_'))
        return "en";
    return "lt";
}

static int load_lang(const char *dir, int li, dla_err_t *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, g_langs[li]);
    DIR *d = opendir(path);
    if (!d)
        return dla_err_set(err, DLA_ECONFIG, "could not open message catalogs in \"%s\"", path);
    int rc = DLA_OK;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char file[1400];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        json_error_t je;
        json_t *j = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
        if (!j || !json_is_object(j)) {
            rc = dla_err_set(err, DLA_ECONFIG, "%s:%d:%d: %s", file, je.line, je.column,
                             j ? "catalog must be an object" : je.text);
            json_decref(j);
            break;
        }
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            if (!json_is_string(v)) {
                rc = dla_err_set(err, DLA_ECONFIG, "%s: message \"%s\" is not a string", file,
                                 k);
                break;
            }
            if (json_object_get(g_cat[li], k)) {
                rc = dla_err_set(err, DLA_ECONFIG, "%s: message \"%s\" defined twice", file,
                                 k);
                break;
            }
            json_object_set(g_cat[li], k, v);
        }
        json_decref(j);
        if (rc != DLA_OK)
            break;
    }
    closedir(d);
    return rc;
}

int dla_i18n_init(const char *dir, dla_err_t *err)
{
    int rc = DLA_OK;
    dla_i18n_fini();
    for (int i = 0; i < 2; i++) {
        if (!(g_cat[i] = json_object()))
            return dla_err_set(err, DLA_ENOMEM, "out of memory loading catalogs");
        if ((rc = load_lang(dir, i, err)) != DLA_OK)
            goto fail;
    }
    for (int i = 0; i < 2; i++) {
        const char *k;
        json_t *v;
        json_object_foreach(g_cat[i], k, v) {
            if (!json_object_get(g_cat[1 - i], k)) {
                rc = dla_err_set(err, DLA_ECONFIG,
                                 "message \"%s\" exists in \"%s\" but not in \"%s\" (%s/%s)", k,
                                 g_langs[i], g_langs[1 - i], dir, g_langs[1 - i]);
                goto fail;
            }
        }
    }
    return DLA_OK;
fail:
    dla_i18n_fini();
    return rc;
}

void dla_i18n_fini(void)
{
    for (int i = 0; i < 2; i++) {
        json_decref(g_cat[i]);
        g_cat[i] = NULL;
    }
}

const char *dla_t(const char *locale, const char *key)
{
    int li = strcmp(dla_i18n_lang(locale), "en") == 0 ? 1 : 0;
    const char *s = g_cat[li] ? json_string_value(json_object_get(g_cat[li], key)) : NULL;
    return s ? s : key;
}
