/* plugin_caps.c - calling registered capabilities: content search, HR export. */
#include <stdlib.h>
#include <string.h>

#include "dla_log.h"
#include "plugin_int.h"

#define QUERY_MAX (64u << 10)

size_t dla_plugins_content_count(const dla_app_t *app)
{
    const dla_plugins_state_t *ps = app ? app->plugins : NULL;
    size_t n = 0;
    for (size_t i = 0; ps && i < ps->nregs; i++)
        n += ps->regs[i].kind == REG_CONTENT;
    return n;
}

size_t dla_plugins_hr_count(const dla_app_t *app)
{
    const dla_plugins_state_t *ps = app ? app->plugins : NULL;
    size_t n = 0;
    for (size_t i = 0; ps && i < ps->nregs; i++)
        n += ps->regs[i].kind == REG_HR;
    return n;
}

/* Parses a JSON object given as text; DLA_EINVAL naming `what` otherwise. */
static int parse_object(const char *text, const char *what, json_t **out, dla_err_t *err)
{
    json_error_t je;
    size_t len = strlen(text);
    if (len > QUERY_MAX)
        return dla_err_set(err, DLA_ETOOBIG, "%s: larger than %u bytes", what, QUERY_MAX);
    json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!v)
        return dla_err_set(err, DLA_EINVAL, "%s: invalid JSON at column %d: %s", what,
                           je.column, je.text);
    if (!json_is_object(v)) {
        json_decref(v);
        return dla_err_set(err, DLA_EINVAL, "%s: must be a JSON object", what);
    }
    *out = v;
    return DLA_OK;
}

/* Asks one source; appends its items (with "source") to `items`. */
static int search_one(const plugin_reg_t *r, const char *query, json_t *items,
                      dla_err_t *err)
{
    const dla_content_source_ops_t *ops = r->ops;
    dla_plugin_err_t perr;
    char *result = NULL;
    json_t *arr = NULL;
    memset(&perr, 0, sizeof perr);
    int rc = ops->search(r->data, query, &result, &perr);
    if (rc != DLA_OK) {
        rc = dla_err_set(err, rc < 0 ? rc : DLA_ERR, "content source \"%s\": %s", r->name,
                         perr.msg[0] ? perr.msg : dla_strerror(rc));
        goto cleanup;
    }
    if (!result) {
        rc = dla_err_set(err, DLA_ERR, "content source \"%s\": returned no result",
                         r->name);
        goto cleanup;
    }
    size_t len = strnlen(result, PLUGIN_RESULT_MAX + 1);
    if (len > PLUGIN_RESULT_MAX) {
        rc = dla_err_set(err, DLA_ETOOBIG, "content source \"%s\": result over %u bytes",
                         r->name, PLUGIN_RESULT_MAX);
        goto cleanup;
    }
    json_error_t je;
    arr = json_loadb(result, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_array(arr)) {
        rc = dla_err_set(err, DLA_ERR,
                         "content source \"%s\": result is not a JSON array", r->name);
        goto cleanup;
    }
    size_t i;
    json_t *it;
    json_array_foreach(arr, i, it)
    {
        if (!json_is_object(it)) {
            rc = dla_err_set(err, DLA_ERR,
                             "content source \"%s\": item %zu is not an object", r->name,
                             i);
            goto cleanup;
        }
    }
    json_array_foreach(arr, i, it)
    {
        if (json_object_set_new(it, "source", json_string(r->name)) != 0 ||
            json_array_append(items, it) != 0) {
            rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
            goto cleanup;
        }
    }
    rc = DLA_OK;
cleanup:
    json_decref(arr);
    free(result); /* api->free is free() */
    return rc;
}

int dla_plugins_content_search(dla_app_t *app, const char *query_json, json_t **out,
                               dla_err_t *err)
{
    const dla_plugins_state_t *ps = app ? app->plugins : NULL;
    json_t *q = NULL, *items = NULL;
    char *qtext = NULL;
    int rc = parse_object(query_json ? query_json : "{}", "content query", &q, err);
    if (rc != DLA_OK)
        return rc;
    const char *only = NULL;
    json_t *src = json_object_get(q, "source");
    if (src) {
        if (!json_is_string(src)) {
            rc = dla_err_set(err, DLA_EINVAL,
                             "content query: \"source\" must be a string");
            goto cleanup;
        }
        only = json_string_value(src);
        if (!plugin_find(ps, REG_CONTENT, only)) {
            rc = dla_err_set(err, DLA_ENOTFOUND, "no content source named \"%s\"", only);
            goto cleanup;
        }
    }
    json_incref(src); /* keep `only` alive after removal */
    json_object_del(q, "source");
    qtext = json_dumps(q, JSON_COMPACT);
    items = json_array();
    if (!qtext || !items) {
        json_decref(src);
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; ps && i < ps->nregs; i++) {
        const plugin_reg_t *r = &ps->regs[i];
        if (r->kind != REG_CONTENT || (only && strcmp(only, r->name) != 0))
            continue;
        dla_err_t e1 = {0};
        rc = search_one(r, qtext, items, &e1);
        if (rc == DLA_ENOMEM || (rc != DLA_OK && only)) {
            if (err)
                *err = e1;
            json_decref(src);
            goto cleanup;
        }
        if (rc != DLA_OK)
            dla_log(DLA_LOG_WARN, "%s (skipped)", e1.msg);
    }
    json_decref(src);
    *out = items;
    items = NULL;
    rc = DLA_OK;
cleanup:
    json_decref(items);
    free(qtext);
    json_decref(q);
    return rc;
}

/* ---- HR export ---------------------------------------------------------------- */

struct dla_hr_job_s {
    const plugin_reg_t *reg;
    void *job;
    size_t rows;
};

int dla_plugins_hr_open(dla_app_t *app, const char *name, const char *options_json,
                        dla_hr_job_t **out, dla_err_t *err)
{
    const dla_plugins_state_t *ps = app ? app->plugins : NULL;
    const plugin_reg_t *r = plugin_find(ps, REG_HR, name);
    json_t *opts = NULL;
    char *otext = NULL;
    dla_hr_job_t *j = NULL;
    if (!r)
        return dla_err_set(err, DLA_ENOTFOUND, "no HR exporter named \"%s\"",
                           name ? name : "");
    int rc =
        parse_object(options_json ? options_json : "{}", "export options", &opts, err);
    if (rc != DLA_OK)
        return rc;
    otext = json_dumps(opts, JSON_COMPACT);
    j = calloc(1, sizeof *j);
    if (!otext || !j) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    const dla_hr_exporter_ops_t *ops = r->ops;
    dla_plugin_err_t perr;
    memset(&perr, 0, sizeof perr);
    rc = ops->open(r->data, otext, &j->job, &perr);
    if (rc != DLA_OK) {
        rc = dla_err_set(err, rc < 0 ? rc : DLA_ERR, "HR exporter \"%s\": %s", r->name,
                         perr.msg[0] ? perr.msg : dla_strerror(rc));
        goto cleanup;
    }
    j->reg = r;
    *out = j;
    j = NULL;
cleanup:
    free(j);
    free(otext);
    json_decref(opts);
    return rc;
}

int dla_plugins_hr_write(dla_hr_job_t *job, const dla_hr_row_t *row, dla_err_t *err)
{
    const dla_hr_exporter_ops_t *ops = job->reg->ops;
    dla_hr_row_t copy = *row;
    copy.size = sizeof copy;
    if (!copy.tenant || !copy.user_id || !copy.competence)
        return dla_err_set(err, DLA_EINVAL,
                           "HR row %zu: tenant, user_id and competence "
                           "are required",
                           job->rows);
    if (!copy.name)
        copy.name = "";
    if (!copy.unit)
        copy.unit = "";
    if (!copy.framework)
        copy.framework = "";
    dla_plugin_err_t perr;
    memset(&perr, 0, sizeof perr);
    int rc = ops->write(job->job, &copy, &perr);
    if (rc != DLA_OK)
        return dla_err_set(err, rc < 0 ? rc : DLA_ERR, "HR exporter \"%s\": row %zu: %s",
                           job->reg->name, job->rows,
                           perr.msg[0] ? perr.msg : dla_strerror(rc));
    job->rows++;
    return DLA_OK;
}

int dla_plugins_hr_close(dla_hr_job_t *job, int commit, json_t **summary, dla_err_t *err)
{
    const dla_hr_exporter_ops_t *ops = job->reg->ops;
    dla_plugin_err_t perr;
    char *text = NULL;
    memset(&perr, 0, sizeof perr);
    int rc = ops->close(job->job, commit ? 1 : 0, commit ? &text : NULL, &perr);
    if (rc != DLA_OK) {
        rc = dla_err_set(err, rc < 0 ? rc : DLA_ERR, "HR exporter \"%s\": %s",
                         job->reg->name, perr.msg[0] ? perr.msg : dla_strerror(rc));
        goto cleanup;
    }
    if (commit && summary) {
        json_error_t je;
        json_t *s = text ? json_loads(text, JSON_REJECT_DUPLICATES, &je) : json_object();
        if (s && !json_is_object(s)) {
            json_decref(s);
            s = NULL;
        }
        if (!s) {
            dla_log(DLA_LOG_WARN, "HR exporter \"%s\": summary is not a JSON object",
                    job->reg->name);
            s = json_object();
        }
        if (!s) {
            rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
            goto cleanup;
        }
        *summary = s;
    }
cleanup:
    free(text);
    free(job);
    return rc;
}

static int row_from_json(const json_t *o, size_t idx, dla_hr_row_t *row, dla_err_t *err)
{
    memset(row, 0, sizeof *row);
    if (!json_is_object(o))
        return dla_err_set(err, DLA_EINVAL, "rows[%zu]: must be an object", idx);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        const char **dst = NULL;
        if (!strcmp(k, "tenant"))
            dst = &row->tenant;
        else if (!strcmp(k, "user_id"))
            dst = &row->user_id;
        else if (!strcmp(k, "name"))
            dst = &row->name;
        else if (!strcmp(k, "unit"))
            dst = &row->unit;
        else if (!strcmp(k, "framework"))
            dst = &row->framework;
        else if (!strcmp(k, "competence"))
            dst = &row->competence;
        if (dst) {
            if (!json_is_string(v))
                return dla_err_set(err, DLA_EINVAL, "rows[%zu].%s: must be a string", idx,
                                   k);
            *dst = json_string_value(v);
        } else if (!strcmp(k, "level")) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > 8)
                return dla_err_set(err, DLA_EINVAL, "rows[%zu].level: must be 0..8", idx);
            row->level = (int)json_integer_value(v);
        } else if (!strcmp(k, "score")) {
            if (!json_is_number(v) || json_number_value(v) < 0 ||
                json_number_value(v) > 1)
                return dla_err_set(err, DLA_EINVAL, "rows[%zu].score: must be 0..1", idx);
            row->score = json_number_value(v);
        } else if (!strcmp(k, "assessed")) {
            if (!json_is_integer(v))
                return dla_err_set(err, DLA_EINVAL,
                                   "rows[%zu].assessed: must be Unix "
                                   "seconds",
                                   idx);
            row->assessed = (int64_t)json_integer_value(v);
        } else {
            return dla_err_set(err, DLA_EINVAL, "rows[%zu]: unknown key \"%s\"", idx, k);
        }
    }
    if (!row->tenant || !row->user_id || !row->competence)
        return dla_err_set(err, DLA_EINVAL,
                           "rows[%zu]: tenant, user_id and competence are required", idx);
    row->size = sizeof *row;
    return DLA_OK;
}

int dla_plugins_hr_export_json(dla_app_t *app, const char *name, const char *options_json,
                               const json_t *rows, json_t **summary, dla_err_t *err)
{
    dla_hr_job_t *job = NULL;
    if (!json_is_array(rows))
        return dla_err_set(err, DLA_EINVAL, "rows: must be a JSON array");
    int rc = dla_plugins_hr_open(app, name, options_json, &job, err);
    if (rc != DLA_OK)
        return rc;
    size_t i;
    const json_t *o;
    json_array_foreach((json_t *)rows, i, o)
    {
        dla_hr_row_t row;
        rc = row_from_json(o, i, &row, err);
        if (rc == DLA_OK)
            rc = dla_plugins_hr_write(job, &row, err);
        if (rc != DLA_OK) {
            dla_plugins_hr_close(job, 0, NULL, NULL);
            return rc;
        }
    }
    return dla_plugins_hr_close(job, 1, summary, err);
}
