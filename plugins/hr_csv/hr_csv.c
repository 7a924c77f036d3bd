/* hr_csv.c - example plugin: an HR exporter writing competence results as CSV.
 *
 * Config (the plugin's "config" object):
 *   {"path": "exports/competences-{tenant}-{date}.csv",  required; relative
 *                          paths resolve under the service's data directory;
 *                          {tenant} is the job's tenant ("all" without one),
 *                          {date} the UTC date (YYYY-MM-DD)
 *    "delimiter": ",",     optional: "," (default) or ";" (spreadsheets set to
 *                          Lithuanian locale expect ';')
 *    "bom": false}         optional: start the file with a UTF-8 BOM
 *
 * Job options: {"tenant": "demo"} (optional): only that tenant's rows are
 * written, others are counted as skipped.
 *
 * Rows go to a temporary file next to the target; commit fsyncs and renames it
 * into place, so a reader never sees half an export; abort deletes it. Text
 * cells starting with = + - @ are prefixed with ' (spreadsheet formula
 * injection). Columns: tenant, user_id, name, unit, framework, competence,
 * level, score, assessed (ISO 8601 UTC).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dla_plugin.h"

#define PATH_CAP 4096

typedef struct hr_csv_s {
    const dla_host_api_t *api;
    dla_plugin_ctx_t *ctx;
    char path_tmpl[PATH_CAP]; /* resolved, may hold {tenant} / {date} */
    char delim;
    int bom;
} hr_csv_t;

typedef struct hr_job_s {
    hr_csv_t *cfg;
    FILE *f;
    char tenant[64];
    char path[PATH_CAP];
    char tmp[PATH_CAP + 32];
    size_t rows, skipped;
} hr_job_t;

static int parse_config(hr_csv_t *h, const char *config_json, dla_plugin_err_t *err)
{
    const dla_host_api_t *api = h->api;
    json_error_t je;
    json_t *conf = json_loads(config_json, JSON_REJECT_DUPLICATES, &je);
    const char *path = NULL;
    int rc = DLA_PLUGIN_OK;
    h->delim = ',';
    if (!json_is_object(conf)) {
        rc = api->err_set(err, DLA_PLUGIN_ECONFIG, "config: must be an object");
        goto cleanup;
    }
    const char *k;
    json_t *v;
    json_object_foreach(conf, k, v)
    {
        if (!strcmp(k, "path")) {
            if (!json_is_string(v) || json_string_length(v) == 0) {
                rc = api->err_set(err, DLA_PLUGIN_ECONFIG,
                                  "config.path: must be a file path");
                goto cleanup;
            }
            path = json_string_value(v);
        } else if (!strcmp(k, "delimiter")) {
            const char *d = json_string_value(v);
            if (!d || (strcmp(d, ",") && strcmp(d, ";"))) {
                rc = api->err_set(err, DLA_PLUGIN_ECONFIG,
                                  "config.delimiter: must be \",\" or \";\"");
                goto cleanup;
            }
            h->delim = d[0];
        } else if (!strcmp(k, "bom")) {
            if (!json_is_boolean(v)) {
                rc = api->err_set(err, DLA_PLUGIN_ECONFIG,
                                  "config.bom: must be true or false");
                goto cleanup;
            }
            h->bom = json_is_true(v);
        } else {
            rc = api->err_set(err, DLA_PLUGIN_ECONFIG, "config: unknown key \"%s\"", k);
            goto cleanup;
        }
    }
    if (!path) {
        rc =
            api->err_set(err, DLA_PLUGIN_ECONFIG, "config.path: a file path is required");
        goto cleanup;
    }
    if (api->data_path(h->ctx, path, h->path_tmpl, sizeof h->path_tmpl) != DLA_PLUGIN_OK)
        rc = api->err_set(err, DLA_PLUGIN_ECONFIG, "config.path: too long");
cleanup:
    json_decref(conf);
    return rc;
}

/* Expands {tenant} and {date} into out. */
static int expand_path(const char *tmpl, const char *tenant, char *out, size_t cap)
{
    char date[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    size_t o = 0;
    for (const char *p = tmpl; *p;) {
        const char *sub = NULL;
        size_t skip = 1;
        if (strncmp(p, "{tenant}", 8) == 0) {
            sub = tenant[0] ? tenant : "all";
            skip = 8;
        } else if (strncmp(p, "{date}", 6) == 0) {
            sub = date;
            skip = 6;
        }
        size_t n = sub ? strlen(sub) : 1;
        if (o + n + 1 > cap)
            return -1;
        memcpy(out + o, sub ? sub : p, n);
        o += n;
        p += skip;
    }
    out[o] = '\0';
    return 0;
}

/* mkdir -p of the directory part of path. */
static int make_parents(const char *path)
{
    char buf[PATH_CAP];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0750) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

static int valid_tenant(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return 0;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return 0;
    }
    return 1;
}

static void write_cell(FILE *f, const char *s, int text)
{
    int quote = strpbrk(s, ",;\"\r\n") != NULL;
    int guard = text && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@');
    if (quote)
        fputc('"', f);
    if (guard)
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    if (quote)
        fputc('"', f);
}

static int job_open(void *data, const char *options_json, void **out,
                    dla_plugin_err_t *err)
{
    hr_csv_t *h = data;
    const dla_host_api_t *api = h->api;
    json_error_t je;
    json_t *opts = json_loads(options_json, JSON_REJECT_DUPLICATES, &je);
    hr_job_t *j = NULL;
    int rc = DLA_PLUGIN_OK, fd = -1;
    if (!json_is_object(opts)) {
        rc = api->err_set(err, DLA_PLUGIN_EINVAL, "options: must be an object");
        goto cleanup;
    }
    j = api->alloc(sizeof *j);
    if (!j) {
        rc = api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
        goto cleanup;
    }
    memset(j, 0, sizeof *j);
    j->cfg = h;
    const char *k;
    json_t *v;
    json_object_foreach(opts, k, v)
    {
        if (strcmp(k, "tenant") || !json_is_string(v) ||
            !valid_tenant(json_string_value(v))) {
            rc = api->err_set(err, DLA_PLUGIN_EINVAL,
                              "options: only \"tenant\" (a tenant id) is accepted");
            goto cleanup;
        }
        snprintf(j->tenant, sizeof j->tenant, "%s", json_string_value(v));
    }
    if (expand_path(h->path_tmpl, j->tenant, j->path, sizeof j->path) != 0) {
        rc = api->err_set(err, DLA_PLUGIN_EINVAL, "export path too long");
        goto cleanup;
    }
    if (make_parents(j->path) != 0) {
        rc = api->err_set(err, DLA_PLUGIN_EIO, "cannot create the directory of %s: %s",
                          j->path, strerror(errno));
        goto cleanup;
    }
    static unsigned counter;
    snprintf(j->tmp, sizeof j->tmp, "%s.tmp.%ld.%u", j->path, (long)getpid(),
             __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
    fd = open(j->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0 || !(j->f = fdopen(fd, "w"))) {
        rc = api->err_set(err, DLA_PLUGIN_EIO, "cannot create %s: %s", j->tmp,
                          strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(j->tmp);
        }
        goto cleanup;
    }
    if (h->bom)
        fputs("\xEF\xBB\xBF", j->f);
    const char *cols[] = {"tenant",     "user_id", "name",  "unit",    "framework",
                          "competence", "level",   "score", "assessed"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        if (i)
            fputc(h->delim, j->f);
        fputs(cols[i], j->f);
    }
    fputs("\r\n", j->f);
    *out = j;
    j = NULL;
cleanup:
    api->free(j);
    json_decref(opts);
    return rc;
}

static int job_write(void *job, const dla_hr_row_t *row, dla_plugin_err_t *err)
{
    hr_job_t *j = job;
    const dla_host_api_t *api = j->cfg->api;
    char num[64], when[32];
    if (row->size < sizeof(dla_hr_row_t))
        return api->err_set(err, DLA_PLUGIN_EINVAL, "row from an older host");
    if (j->tenant[0] && strcmp(j->tenant, row->tenant) != 0) {
        j->skipped++;
        return DLA_PLUGIN_OK;
    }
    char d = j->cfg->delim;
    FILE *f = j->f;
    const char *text[] = {row->tenant, row->user_id,   row->name,
                          row->unit,   row->framework, row->competence};
    for (size_t i = 0; i < 6; i++) {
        if (i)
            fputc(d, f);
        write_cell(f, text[i], 1);
    }
    time_t t = (time_t)row->assessed;
    struct tm tm;
    when[0] = '\0';
    if (row->assessed > 0 && gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(num, sizeof num, "%c%d%c%.3f%c", d, row->level, d, row->score, d);
    fputs(num, f);
    fputs(when, f);
    fputs("\r\n", f);
    if (ferror(f))
        return api->err_set(err, DLA_PLUGIN_EIO, "write %s: %s", j->tmp, strerror(errno));
    j->rows++;
    return DLA_PLUGIN_OK;
}

/* fsync the directory holding path so the rename survives a crash. */
static void sync_dir(const char *path)
{
    char dir[PATH_CAP];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static int job_close(void *job, int commit, char **summary, dla_plugin_err_t *err)
{
    hr_job_t *j = job;
    const dla_host_api_t *api = j->cfg->api;
    int rc = DLA_PLUGIN_OK;
    if (!commit) {
        fclose(j->f);
        unlink(j->tmp);
        goto cleanup;
    }
    if (fflush(j->f) != 0 || fsync(fileno(j->f)) != 0) {
        rc = api->err_set(err, DLA_PLUGIN_EIO, "write %s: %s", j->tmp, strerror(errno));
        fclose(j->f);
        unlink(j->tmp);
        goto cleanup;
    }
    if (fclose(j->f) != 0 || rename(j->tmp, j->path) != 0) {
        rc =
            api->err_set(err, DLA_PLUGIN_EIO, "publish %s: %s", j->path, strerror(errno));
        unlink(j->tmp);
        goto cleanup;
    }
    sync_dir(j->path);
    if (summary) {
        json_t *s = json_pack("{s:s, s:I, s:I}", "path", j->path, "rows",
                              (json_int_t)j->rows, "skipped", (json_int_t)j->skipped);
        char *text = s ? json_dumps(s, JSON_COMPACT) : NULL;
        json_decref(s);
        if (text) {
            size_t n = strlen(text) + 1;
            *summary = api->alloc(n);
            if (*summary)
                memcpy(*summary, text, n);
            free(text);
        }
    }
    api->log(j->cfg->ctx, DLA_PLUGIN_LOG_INFO, "exported %zu row(s) to %s", j->rows,
             j->path);
cleanup:
    api->free(j);
    return rc;
}

static const dla_hr_exporter_ops_t csv_ops = {
    .size = sizeof(dla_hr_exporter_ops_t),
    .open = job_open,
    .write = job_write,
    .close = job_close,
    .description = "competence results as a CSV file",
};

static void hr_fini(void *state)
{
    hr_csv_t *h = state;
    if (h)
        h->api->free(h);
}

static int hr_init(dla_plugin_ctx_t *ctx, const dla_host_api_t *api,
                   const char *config_json, void **state, dla_plugin_err_t *err)
{
    if (!DLA_HOST_API_HAS(api, data_path))
        return api->err_set(err, DLA_PLUGIN_EUNSUPPORTED, "host API too old");
    hr_csv_t *h = api->alloc(sizeof *h);
    if (!h)
        return api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
    memset(h, 0, sizeof *h);
    h->api = api;
    h->ctx = ctx;
    int rc = parse_config(h, config_json, err);
    if (rc == DLA_PLUGIN_OK) {
        rc = api->register_hr_exporter(ctx, NULL, &csv_ops, h);
        if (rc != DLA_PLUGIN_OK)
            api->err_set(err, rc, "could not register the HR exporter");
    }
    if (rc != DLA_PLUGIN_OK) {
        api->free(h);
        return rc;
    }
    *state = h;
    return DLA_PLUGIN_OK;
}

static const dla_plugin_t hr_csv = {
    .abi_version = DLA_PLUGIN_ABI_VERSION,
    .size = sizeof(dla_plugin_t),
    .name = "hr_csv",
    .version = "1.0.0",
    .caps = DLA_CAP_HR_EXPORTER,
    .init = hr_init,
    .fini = hr_fini,
    .description = "HR exporter: competence results as CSV for the annual review",
};

DLA_PLUGIN_DECLARE(hr_csv)
