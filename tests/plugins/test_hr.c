/* test_hr.c - test plugin: an HR exporter that keeps rows in memory.
 *
 * Config: {"fail_open": true, "fail_write_at": N}. The summary of a committed
 * job is {"rows":N,"competences":"a,b,...","score_sum":S,"tenants":"..."}.
 * Aborted and committed jobs are counted; fini logs the counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_plugin.h"

typedef struct th_s {
    const dla_host_api_t *api;
    dla_plugin_ctx_t *ctx;
    int fail_open;
    long fail_write_at;
    unsigned long committed, aborted; /* updated atomically */
} th_t;

typedef struct th_job_s {
    th_t *th;
    long rows;
    double score_sum;
    char competences[512];
    char options[256];
} th_job_t;

static int th_open(void *data, const char *options_json, void **job,
                   dla_plugin_err_t *err)
{
    th_t *th = data;
    if (th->fail_open)
        return th->api->err_set(err, DLA_PLUGIN_EIO, "open failed on purpose");
    th_job_t *j = th->api->alloc(sizeof *j);
    if (!j)
        return th->api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
    memset(j, 0, sizeof *j);
    j->th = th;
    snprintf(j->options, sizeof j->options, "%s", options_json);
    *job = j;
    return DLA_PLUGIN_OK;
}

static int th_write(void *job, const dla_hr_row_t *row, dla_plugin_err_t *err)
{
    th_job_t *j = job;
    if (row->size < sizeof(dla_hr_row_t) || !row->name || !row->unit || !row->framework)
        return j->th->api->err_set(err, DLA_PLUGIN_EINVAL, "incomplete row");
    if (j->th->fail_write_at >= 0 && j->rows == j->th->fail_write_at)
        return j->th->api->err_set(err, DLA_PLUGIN_EIO, "write %ld failed on purpose",
                                   j->rows);
    size_t n = strlen(j->competences);
    snprintf(j->competences + n, sizeof j->competences - n, "%s%s", n ? "," : "",
             row->competence);
    j->score_sum += row->score;
    j->rows++;
    return DLA_PLUGIN_OK;
}

static int th_close(void *job, int commit, char **summary, dla_plugin_err_t *err)
{
    th_job_t *j = job;
    th_t *th = j->th;
    if (commit) {
        __atomic_add_fetch(&th->committed, 1, __ATOMIC_RELAXED);
        if (summary) {
            char *s = th->api->alloc(1024);
            if (s)
                snprintf(s, 1024,
                         "{\"rows\":%ld,\"competences\":\"%s\",\"score_sum\":%.3f,"
                         "\"options\":%s}",
                         j->rows, j->competences, j->score_sum, j->options);
            *summary = s;
        }
    } else {
        __atomic_add_fetch(&th->aborted, 1, __ATOMIC_RELAXED);
    }
    th->api->free(j);
    return DLA_PLUGIN_OK;
}

static const dla_hr_exporter_ops_t th_ops = {
    .size = sizeof(dla_hr_exporter_ops_t),
    .open = th_open,
    .write = th_write,
    .close = th_close,
    .description = "test HR exporter",
};

static void th_fini(void *state)
{
    th_t *th = state;
    if (!th)
        return;
    th->api->log(th->ctx, DLA_PLUGIN_LOG_INFO, "jobs committed %lu aborted %lu",
                 th->committed, th->aborted);
    th->api->free(th);
}

static int th_init(dla_plugin_ctx_t *ctx, const dla_host_api_t *api,
                   const char *config_json, void **state, dla_plugin_err_t *err)
{
    th_t *th = api->alloc(sizeof *th);
    if (!th)
        return api->err_set(err, DLA_PLUGIN_ENOMEM, "out of memory");
    memset(th, 0, sizeof *th);
    th->api = api;
    th->ctx = ctx;
    th->fail_open = strstr(config_json, "\"fail_open\":true") != NULL;
    const char *p = strstr(config_json, "\"fail_write_at\":");
    th->fail_write_at = p ? strtol(p + 16, NULL, 10) : -1;
    int rc = api->register_hr_exporter(ctx, NULL, &th_ops, th);
    if (rc != DLA_PLUGIN_OK) {
        api->free(th);
        return api->err_set(err, rc, "registration refused");
    }
    *state = th;
    return DLA_PLUGIN_OK;
}

static const dla_plugin_t test_hr = {
    .abi_version = DLA_PLUGIN_ABI_VERSION,
    .size = sizeof(dla_plugin_t),
    .name = "test_hr",
    .version = "0.0.1",
    .caps = DLA_CAP_HR_EXPORTER,
    .init = th_init,
    .fini = th_fini,
    .description = "test plugin: HR exporter",
};

DLA_PLUGIN_DECLARE(test_hr)
