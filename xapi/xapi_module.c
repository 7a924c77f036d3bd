/* xapi_module.c - module entry points of the LRS: init (databases, writer thread,
 * routes, emitter), fini, and the CLI commands (`dla xapi-import`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_json.h"
#include "dla_log.h"
#include "dla_xapi.h"
#include "model_int.h"
#include "xapi_int.h"

static const dla_cfg_field_t xapi_fields[] = {
    {"max_limit", DLA_CFG_INT, 0},
    {NULL, 0, 0},
};

int dla_xapi_module_init(dla_app_t *app, dla_err_t *err)
{
    int rc;
    lrs_t *l = calloc(1, sizeof *l);
    if (!l)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    l->app = app;
    l->store = app->store;
    l->max_limit = 500;
    snprintf(l->base_url, sizeof l->base_url, "%s",
             app->base_url ? app->base_url : "http://127.0.0.1:8080");
    json_t *sec = app->cfg ? dla_config_section(app->cfg, "xapi") : NULL;
    if (sec) {
        rc = dla_config_check(app->cfg, "xapi", sec, xapi_fields, err);
        if (rc != DLA_OK)
            goto fail;
        json_t *ml = json_object_get(sec, "max_limit");
        if (ml && json_integer_value(ml) > 0 && json_integer_value(ml) <= 10000)
            l->max_limit = (unsigned)json_integer_value(ml);
    }
    rc = lrs_store_init(l, err);
    if (rc != DLA_OK)
        goto fail;
    if (app->router) {
        rc = lrs_routes(l, app->router, err);
        if (rc != DLA_OK) {
            lrs_store_fini(l);
            goto fail;
        }
    }
    app->xapi = l;
    app->emit = lrs_emit;
    app->emit_ctx = l;
    return DLA_OK;
fail:
    free(l);
    return rc;
}

void dla_xapi_module_fini(dla_app_t *app)
{
    if (!app || !app->xapi)
        return;
    lrs_t *l = app->xapi;
    lrs_store_fini(l);
    if (app->emit_ctx == l) {
        app->emit = NULL;
        app->emit_ctx = NULL;
    }
    free(l);
    app->xapi = NULL;
}

/* ---- dla xapi-import --tenant T [--batch N] FILE|- ------------------------------
 * Reads statements (one JSON statement or array per line) and stores them through
 * the same validation and writer as the HTTP resource, N statements per commit. */

/* Waits for a submitted job, counts its statements and empties it for reuse. */
static int finish_job(lrs_job_t *job, size_t *stored, size_t *dups)
{
    int rc = lrs_job_wait(job);
    if (rc != DLA_OK)
        fprintf(stderr, "xapi-import: %s\n",
                job->err.msg[0] ? job->err.msg : "write failed");
    for (size_t i = 0; rc == DLA_OK && i < job->n; i++)
        *(job->items[i].dup ? dups : stored) += 1;
    char tenant[64];
    snprintf(tenant, sizeof tenant, "%s", job->tenant);
    lrs_job_free(job);
    lrs_job_init(job, tenant);
    return rc;
}

static int cli_import(dla_app_t *app, int argc, char **argv)
{
    const char *tenant = NULL, *file = NULL;
    size_t batch = 5000, stored = 0, dups = 0, lineno = 0;
    int rc = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--tenant") && i + 1 < argc)
            tenant = argv[++i];
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            batch = (size_t)strtoul(argv[++i], NULL, 10);
        else if (!file)
            file = argv[i];
        else {
            fprintf(stderr, "usage: dla xapi-import --tenant T [--batch N] FILE|-\n");
            return 2;
        }
    }
    if (!tenant || !file || batch == 0 || batch > 100000 ||
        !dla_tenant_valid_id(tenant)) {
        fprintf(stderr, "usage: dla xapi-import --tenant T [--batch N] FILE|-\n");
        return 2;
    }
    lrs_t *l = app->xapi;
    if (!l) {
        fprintf(stderr, "xapi-import: the LRS module is not initialised\n");
        return 1;
    }
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
    if (!f) {
        fprintf(stderr, "xapi-import: cannot open %s\n", file);
        return 1;
    }
    json_t *auth = dla_xm_authority_account(l->base_url, "dla-import");
    /* two jobs: one is prepared here while the writer commits the other */
    lrs_job_t jobs[2];
    lrs_job_init(&jobs[0], tenant);
    lrs_job_init(&jobs[1], tenant);
    int cur = 0, pending = -1;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int eof = 0;
    while (!eof) {
        lrs_job_t *job = &jobs[cur];
        if (!job->items && !(job->items = calloc(batch, sizeof(lrs_item_t))))
            goto cleanup;
        while (job->n < batch) {
            len = getline(&line, &lcap, f);
            if (len <= 0) {
                eof = 1;
                break;
            }
            lineno++;
            dla_json_error_t je;
            json_t *v = dla_json_parse(line, (size_t)len, 0, &je);
            if (!v) {
                if (len > 1) {
                    fprintf(stderr, "xapi-import: line %zu: %s\n", lineno, je.text);
                    goto cleanup;
                }
                continue;
            }
            if (!json_is_object(v)) {
                fprintf(stderr, "xapi-import: line %zu: one statement object per line\n",
                        lineno);
                json_decref(v);
                goto cleanup;
            }
            dla_err_t err = {0};
            int prc =
                lrs_item_prepare(v, DLA_XAPI_V200, auth, 1, &job->items[job->n], &err);
            json_decref(v);
            if (prc != DLA_OK) {
                fprintf(stderr, "xapi-import: line %zu: %s\n", lineno, err.msg);
                goto cleanup;
            }
            job->n++;
        }
        if (pending >= 0) {
            if (finish_job(&jobs[pending], &stored, &dups) != DLA_OK) {
                pending = -1;
                goto cleanup;
            }
            pending = -1;
        }
        if (job->n) {
            lrs_submit(l, job);
            pending = cur;
            cur ^= 1;
        }
    }
    if (pending >= 0) {
        int frc = finish_job(&jobs[pending], &stored, &dups);
        pending = -1;
        if (frc != DLA_OK)
            goto cleanup;
    }
    printf("{\"stored\":%zu,\"duplicates\":%zu}\n", stored, dups);
    rc = 0;
cleanup:
    if (pending >= 0)
        lrs_job_wait(&jobs[pending]);
    lrs_job_free(&jobs[0]);
    lrs_job_free(&jobs[1]);
    free(line);
    json_decref(auth);
    if (f != stdin)
        fclose(f);
    return rc;
}

const dla_cli_cmd_t *dla_xapi_cli_commands(void)
{
    static const dla_cli_cmd_t cmds[] = {{"xapi-import",
                                          "xapi-import --tenant T [--batch N] FILE|-  "
                                          "store statements (one JSON per line)",
                                          cli_import},
                                         {NULL, NULL, NULL}};
    return cmds;
}
