/* api_cli.c - diagnostic commands: `dla simulate`, `dla items check|import|calibrate`,
 * `dla frameworks list|export|import`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "diag_int.h"
#include "dla_cli.h"

static api_fw_t *cli_fw(api_t *a, int argc, char **argv)
{
    const char *id = dla_cli_opt(argc, argv, "--framework");

    return id ? api_fw_find(a, id) : &a->fws[a->def_fw];
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;

    if (s == NULL)
        return 0;
    v = strtol(s, &end, 10);
    if (*s == 0 || *end != 0 || v < lo || v > hi)
        return -1;
    *out = v;
    return 1;
}

/* ---- simulate ------------------------------------------------------------------ */

/* Thread CPU time: the engine's own cost, not time lost to other processes on a
 * shared machine (wall-clock p99 is printed too). */
static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

/* Times the engine step of a live diagnostic: record the answer (posterior
 * update and moments) and choose the next item with exposure control, on
 * simulated examinees. Prints JSON lines for tests/bench. */
static int bench_select(api_t *a, const dla_diag_bank_t *bank, int examinees,
                        uint64_t seed)
{
    dla_cat_bank_t cb = dla_diag_bank_cat(bank);
    dla_cat_t *c = NULL;
    double *rate = calloc(bank->n_items, sizeof(double));
    uint64_t *lat =
        calloc((size_t)examinees * (size_t)a->cat.max_items + 1, sizeof(uint64_t));
    uint64_t *wall =
        calloc((size_t)examinees * (size_t)a->cat.max_items + 1, sizeof(uint64_t));
    uint64_t rng = dla_cat_seed(seed), rt = dla_cat_seed(seed + 1);
    dla_cat_exposure_t ex = {rate};
    size_t n = 0;
    int e, k, rc = 1;

    if (rate == NULL || lat == NULL || wall == NULL ||
        dla_cat_new(&cb, &a->cat, &c, NULL) != DLA_OK)
        goto cleanup;
    for (e = 0; e < examinees; e++) {
        double th[DLA_IRT_MAX_DIMS], g = dla_cat_normal(&rt);
        size_t it = 0;
        for (k = 0; k < cb.n_areas; k++)
            th[k] = sqrt(0.7) * g + sqrt(0.3) * dla_cat_normal(&rt);
        dla_cat_reset(c);
        for (;;) {
            struct timespec w0, w1;
            uint64_t t0;
            clock_gettime(CLOCK_MONOTONIC, &w0);
            t0 = now_ns();
            int more = !dla_cat_done(c) && dla_cat_next(c, &ex, &rng, &it) == DLA_OK;
            uint64_t t1 = now_ns();
            if (!more)
                break;
            lat[n++] = t1 - t0;
            t0 = now_ns();
            dla_cat_answer(c, it,
                           dla_cat_uniform(&rt) <
                               dla_irt_p(&cb.items[it].par, th[cb.items[it].area]));
            lat[n - 1] += now_ns() - t0;
            clock_gettime(CLOCK_MONOTONIC, &w1);
            wall[n - 1] = (uint64_t)(w1.tv_sec - w0.tv_sec) * 1000000000ull +
                          (uint64_t)w1.tv_nsec - (uint64_t)w0.tv_nsec;
            rate[it] += 1.0 / examinees;
        }
    }
    if (n == 0)
        goto cleanup;
    qsort(lat, n, sizeof(*lat), cmp_u64);
    qsort(wall, n, sizeof(*wall), cmp_u64);
    printf(
        "{\"bench\":\"diag.next_item_p50\",\"value\":%.1f,\"unit\":\"us\",\"items\":%zu,"
        "\"selections\":%zu}\n",
        lat[n / 2] / 1000.0, bank->n_items, n);
    printf(
        "{\"bench\":\"diag.next_item_p99\",\"value\":%.1f,\"unit\":\"us\",\"items\":%zu,"
        "\"selections\":%zu,\"floor\":1000,\"clock\":\"thread-cpu\"}\n",
        lat[(size_t)(n * 0.99)] / 1000.0, bank->n_items, n);
    printf("{\"bench\":\"diag.next_item_wall_p99\",\"value\":%.1f,\"unit\":\"us\","
           "\"items\":%zu,"
           "\"clock\":\"monotonic (includes time lost to other processes)\"}\n",
           wall[(size_t)(n * 0.99)] / 1000.0, bank->n_items);
    printf("{\"bench\":\"diag.next_item_max\",\"value\":%.1f,\"unit\":\"us\",\"items\":%"
           "zu}\n",
           lat[n - 1] / 1000.0, bank->n_items);
    rc = lat[(size_t)(n * 0.99)] <= 1000000 ? 0 : 3;
cleanup:
    dla_cat_free(c);
    free(rate);
    free(lat);
    free(wall);
    return rc;
}

static int cmd_simulate(dla_app_t *app, int argc, char **argv)
{
    api_t *a = app->api;
    dla_diag_sim_opts_t o;
    dla_diag_bank_t syn;
    const dla_diag_bank_t *bank;
    api_fw_t *f;
    json_t *rep = NULL;
    dla_err_t err = {0};
    long n = 2000, seed = 1, synth = 0, maxi = 0;
    const char *rho = dla_cli_opt(argc, argv, "--rho");
    const char *noise = dla_cli_opt(argc, argv, "--param-noise");
    int rc;

    if (a == NULL)
        return dla_cli_fail(1, "simulate", 1, "the diagnostic module is not loaded");
    f = cli_fw(a, argc, argv);
    if (f == NULL)
        return dla_cli_fail(1, "simulate", 2, "unknown framework");
    if (parse_long(dla_cli_opt(argc, argv, "--examinees"), 1, 1000000, &n) < 0 ||
        parse_long(dla_cli_opt(argc, argv, "--seed"), 0, 0x7fffffffL, &seed) < 0 ||
        parse_long(dla_cli_opt(argc, argv, "--synthetic"), 1, 200, &synth) < 0 ||
        parse_long(dla_cli_opt(argc, argv, "--max-items"), 21, 200, &maxi) < 0)
        return dla_cli_fail(
            1, "simulate", 2,
            "usage: dla simulate [--examinees N] [--seed S] [--framework F] "
            "[--synthetic ITEMS_PER_COMPETENCE] [--rho R] [--max-items M]");
    dla_diag_sim_opts_default(&o);
    o.cat = a->cat;
    o.examinees = (int)n;
    o.seed = (uint64_t)seed;
    if (maxi > 0)
        o.cat.max_items = (int)maxi;
    if (rho != NULL) {
        o.cat.rho = strtod(rho, NULL);
        if (!(o.cat.rho >= 0.0 && o.cat.rho < 0.95))
            return dla_cli_fail(1, "simulate", 2, "--rho must be in [0, 0.95)");
    }
    if (noise != NULL) {
        o.param_noise = strtod(noise, NULL);
        if (!(o.param_noise >= 0.0 && o.param_noise <= 2.0))
            return dla_cli_fail(1, "simulate", 2, "--param-noise must be in [0, 2]");
    }
    dla_diag_bank_init(&syn, f->fw);
    bank = &f->bank;
    if (synth > 0) {
        if (dla_diag_bank_synthetic(&syn, (int)synth, &err) != DLA_OK) {
            dla_diag_bank_free(&syn);
            return dla_cli_fail(1, "simulate", 1, "%s", err.msg);
        }
        bank = &syn;
    }
    if (dla_cli_flag(argc, argv, "--bench-select")) {
        rc = bench_select(a, bank, (int)(n < 100000 ? n : 100000), (uint64_t)seed);
        dla_diag_bank_free(&syn);
        return rc;
    }
    rc = dla_diag_simulate(bank, &o, &rep, &err);
    dla_diag_bank_free(&syn);
    if (rc != DLA_OK)
        return dla_cli_fail(1, "simulate", 1, "%s", err.msg);
    if (dla_cli_flag(argc, argv, "--pretty")) {
        json_dumpf(rep, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
        putchar('\n');
        json_decref(rep);
        return 0;
    }
    {
        char *txt = json_dumps(rep, JSON_COMPACT | JSON_REAL_PRECISION(6));
        json_decref(rep);
        if (txt == NULL)
            return 1;
        puts(txt);
        free(txt);
    }
    return 0;
}

/* ---- items check -------------------------------------------------------------- */

static int items_check(api_t *a, int argc, char **argv)
{
    api_fw_t *f = cli_fw(a, argc, argv);
    json_t *per = json_object(), *lv = json_array();
    int counts[DLA_FW_MAX_COMPS][5], levels[9];
    double asum = 0.0;
    size_t i;
    int c, k, short_comps = 0;

    if (f == NULL)
        return dla_cli_fail(1, "items", 2, "unknown framework");
    memset(counts, 0, sizeof(counts));
    memset(levels, 0, sizeof(levels));
    for (i = 0; i < f->bank.n_items; i++) {
        const dla_diag_item_t *it = &f->bank.items[i];
        counts[it->comp][0]++;
        counts[it->comp][dla_irt_broad_of(it->level)]++;
        levels[it->level]++;
        asum += it->par.a;
    }
    for (c = 0; c < f->fw->n_comps; c++) {
        int ok = counts[c][0] >= 15;
        for (k = 1; k <= 4; k++)
            ok = ok && counts[c][k] >= 3;
        short_comps += !ok;
        json_object_set_new(per, f->fw->comps[c].id,
                            json_pack("{s:i, s:[i, i, i, i], s:b}", "items", counts[c][0],
                                      "broad", counts[c][1], counts[c][2], counts[c][3],
                                      counts[c][4], "complete", ok));
    }
    for (k = 1; k <= 8; k++)
        json_array_append_new(lv, json_integer(levels[k]));
    return dla_cli_print_json(
        json_pack("{s:s, s:i, s:f, s:o, s:o, s:i}", "framework", f->fw->id, "items",
                  (int)f->bank.n_items, "mean_a",
                  f->bank.n_items ? asum / (double)f->bank.n_items : 0.0, "per_level", lv,
                  "competences", per, "incomplete_competences", short_comps));
}

/* ---- items import ------------------------------------------------------------- */

static int read_file(const char *path, char **buf, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    size_t cap = 1u << 20, n;

    if (fp == NULL)
        return DLA_EIO;
    *buf = malloc(cap + 1);
    if (*buf == NULL) {
        fclose(fp);
        return DLA_ENOMEM;
    }
    n = fread(*buf, 1, cap + 1, fp);
    fclose(fp);
    if (n > cap) {
        free(*buf);
        return DLA_ETOOBIG;
    }
    (*buf)[n] = 0;
    *len = n;
    return DLA_OK;
}

static int items_import(api_t *a, int argc, char **argv)
{
    int json = dla_cli_flag(argc, argv, "--json"),
        replace = dla_cli_flag(argc, argv, "--replace");
    api_fw_t *f = cli_fw(a, argc, argv);
    const char *comp = dla_cli_opt(argc, argv, "--competence");
    const char *lang = dla_cli_opt(argc, argv, "--lang");
    long level = 0;
    json_t *partials = json_array(), *docs = NULL, *doc, *ids = json_array();
    dla_diag_bank_t scratch;
    dla_err_t err = {0};
    dla_txn_t *t = NULL;
    size_t i;
    int k, rc = 0, nfiles = 0;

    dla_diag_bank_init(&scratch, f ? f->fw : NULL);
    if (f == NULL) {
        rc = dla_cli_fail(json, "items import", 2, "unknown framework");
        goto cleanup;
    }
    if (parse_long(dla_cli_opt(argc, argv, "--level"), 1, 8, &level) < 0) {
        rc = dla_cli_fail(json, "items import", 2, "--level must be 1..8");
        goto cleanup;
    }
    for (k = 2; k < argc; k++) {
        char *buf = NULL;
        size_t len = 0;
        json_t *p = NULL;
        if (argv[k][0] == '-' && argv[k][1] == '-') {
            if (strcmp(argv[k], "--json") != 0 && strcmp(argv[k], "--replace") != 0)
                k++; /* option with a value */
            continue;
        }
        nfiles++;
        if ((rc = read_file(argv[k], &buf, &len)) != DLA_OK) {
            rc = dla_cli_fail(json, "items import", 1, "%s: cannot read (%s)", argv[k],
                              dla_strerror(rc));
            goto cleanup;
        }
        rc = dla_qti_parse(argv[k], buf, len, comp, (int)level, lang, &p, &err);
        free(buf);
        if (rc != DLA_OK) {
            rc = dla_cli_fail(json, "items import", 1, "%s", err.msg);
            goto cleanup;
        }
        json_array_append_new(partials, p);
    }
    if (nfiles == 0) {
        rc = dla_cli_fail(
            json, "items import", 2,
            "usage: dla items import [--framework F] [--competence C] [--level L] "
            "[--lang lt|en] [--replace] [--json] FILE...");
        goto cleanup;
    }
    if (dla_qti_join(partials, f->fw->item_bank, &docs, &err) != DLA_OK) {
        rc = dla_cli_fail(json, "items import", 1, "%s", err.msg);
        goto cleanup;
    }
    json_array_foreach(docs, i, doc)
    {
        const char *id = json_string_value(
            json_object_get(json_array_get(json_object_get(doc, "items"), 0), "id"));
        long prev = dla_diag_bank_find(&f->bank, id);
        if (prev >= 0 &&
            (!replace || strcmp(f->bank.items[prev].file, "store:imported") != 0)) {
            rc = dla_cli_fail(
                json, "items import", 1, "item %s: id already in the bank (%s)%s", id,
                f->bank.items[prev].file,
                replace ? "; only imported items can be replaced" : "; use --replace");
            goto cleanup;
        }
        if (dla_diag_bank_add_json(&scratch, "import", doc, &err) != DLA_OK) {
            rc = dla_cli_fail(json, "items import", 1, "%s", err.msg);
            goto cleanup;
        }
        json_array_append_new(ids, json_string(id));
    }
    if (dla_txn_begin(a->app->store, 1, &t, &err) != DLA_OK) {
        rc = dla_cli_fail(json, "items import", 1, "%s", err.msg);
        goto cleanup;
    }
    json_array_foreach(docs, i, doc)
    {
        const char *id = json_string_value(
            json_object_get(json_array_get(json_object_get(doc, "items"), 0), "id"));
        char key[200], *txt = json_dumps(doc, JSON_COMPACT);
        size_t kl = (size_t)snprintf(key, sizeof(key), "%s%c%s", f->fw->item_bank, 0, id);
        if (txt == NULL ||
            dla_kv_put(t, a->db_items, key, kl, txt, strlen(txt), 0, &err) != DLA_OK) {
            free(txt);
            rc = dla_cli_fail(json, "items import", 1, "store: %s", err.msg);
            goto cleanup;
        }
        free(txt);
    }
    if (dla_txn_commit(t, &err) != DLA_OK) {
        t = NULL;
        rc = dla_cli_fail(json, "items import", 1, "store: %s", err.msg);
        goto cleanup;
    }
    t = NULL;
    if (json)
        rc = dla_cli_print_json(
            json_pack("{s:s, s:O}", "framework", f->fw->item_bank, "imported", ids));
    else
        printf("imported %zu items into %s\n", json_array_size(ids), f->fw->item_bank);
cleanup:
    if (t != NULL)
        dla_txn_abort(t);
    dla_diag_bank_free(&scratch);
    json_decref(partials);
    json_decref(docs);
    json_decref(ids);
    return rc;
}

/* ---- items calibrate ---------------------------------------------------------- */

static int items_calibrate(api_t *a, int argc, char **argv)
{
    int json = dla_cli_flag(argc, argv, "--json"),
        dry = dla_cli_flag(argc, argv, "--dry-run");
    api_fw_t *f = cli_fw(a, argc, argv);
    long min_n = 200, min_persons = 100, max_iter = 200;
    unsigned char *resp = NULL;
    size_t persons = 0, cap = 0, i;
    dla_irt_par_t *par = NULL;
    dla_irt_fit_t *fit = NULL;
    dla_txn_t *t = NULL;
    dla_cursor_t *c = NULL;
    dla_val_t k, v;
    dla_err_t err = {0};
    json_t *items = NULL, *report = NULL;
    int op, rc = 0, iters, nfit = 0;

    if (f == NULL || f->bank.n_items == 0)
        return dla_cli_fail(json, "items calibrate", 2,
                            "unknown framework or empty bank");
    if (parse_long(dla_cli_opt(argc, argv, "--min-n"), 2, 1000000, &min_n) < 0 ||
        parse_long(dla_cli_opt(argc, argv, "--min-persons"), 2, 1000000, &min_persons) <
            0 ||
        parse_long(dla_cli_opt(argc, argv, "--max-iter"), 1, 10000, &max_iter) < 0)
        return dla_cli_fail(json, "items calibrate", 2,
                            "usage: dla items calibrate [--framework F] [--min-n N] "
                            "[--min-persons P] [--max-iter K] [--dry-run] [--json]");
    if (dla_txn_begin(a->app->store, 0, &t, &err) != DLA_OK ||
        dla_cursor_open(t, a->db_diag, &c, &err) != DLA_OK) {
        rc = dla_cli_fail(json, "items calibrate", 1, "%s", err.msg);
        goto cleanup;
    }
    /* one row per finished diagnostic on this bank; 255 = not administered */
    for (op = DLA_SEEK_FIRST; dla_cursor_get(c, op, &k, &v) == DLA_OK;
         op = DLA_SEEK_NEXT) {
        json_error_t je;
        json_t *d = json_loadb(v.data, v.len, 0, &je), *e;
        api_fw_t *df;
        if (d == NULL)
            continue;
        df = api_fw_find(a, json_string_value(json_object_get(d, "framework")));
        if (df == NULL || strcmp(df->fw->item_bank, f->fw->item_bank) != 0 ||
            strcmp(json_string_value(json_object_get(d, "state")), "finished") != 0) {
            json_decref(d);
            continue;
        }
        if (persons == cap) {
            size_t nc = cap ? cap * 2 : 256;
            unsigned char *nr = realloc(resp, nc * f->bank.n_items);
            if (nr == NULL) {
                json_decref(d);
                rc = dla_cli_fail(json, "items calibrate", 1, "out of memory");
                goto cleanup;
            }
            resp = nr;
            cap = nc;
        }
        memset(resp + persons * f->bank.n_items, 255, f->bank.n_items);
        json_array_foreach(json_object_get(d, "answers"), i, e)
        {
            long bi = dla_diag_bank_find(&f->bank,
                                         json_string_value(json_object_get(e, "item")));
            if (bi >= 0)
                resp[persons * f->bank.n_items + (size_t)bi] =
                    json_is_true(json_object_get(e, "correct")) ? 1 : 0;
        }
        persons++;
        json_decref(d);
    }
    dla_cursor_close(c);
    c = NULL;
    dla_txn_abort(t);
    t = NULL;
    if ((long)persons < min_persons) {
        rc = dla_cli_fail(json, "items calibrate", 1,
                          "%zu finished diagnostics; calibration needs at least %ld",
                          persons, min_persons);
        goto cleanup;
    }
    par = calloc(f->bank.n_items, sizeof(*par));
    fit = calloc(f->bank.n_items, sizeof(*fit));
    if (par == NULL || fit == NULL) {
        rc = dla_cli_fail(json, "items calibrate", 1, "out of memory");
        goto cleanup;
    }
    for (i = 0; i < f->bank.n_items; i++)
        par[i] = f->bank.items[i].par;
    iters = dla_irt_calibrate(resp, persons, f->bank.n_items, par, fit, (int)min_n,
                              (int)max_iter, &err);
    if (iters < 0) {
        rc = dla_cli_fail(json, "items calibrate", 1, "%s", err.msg);
        goto cleanup;
    }
    items = json_object();
    report = json_array();
    for (i = 0; i < f->bank.n_items; i++) {
        json_t *row =
            json_pack("{s:s, s:i, s:f, s:b}", "item", f->bank.items[i].id, "n", fit[i].n,
                      "p_correct", fit[i].p_correct, "fitted", fit[i].fitted);
        if (fit[i].fitted) {
            nfit++;
            json_object_set_new(row, "a", json_real(par[i].a));
            json_object_set_new(row, "b", json_real(par[i].b));
            json_object_set_new(row, "c", json_real(par[i].c));
            json_object_set_new(row, "a_se", json_real(fit[i].a_se));
            json_object_set_new(row, "b_se", json_real(fit[i].b_se));
            json_object_set_new(row, "rmsd", json_real(fit[i].rmsd));
            json_object_set_new(row, "misfit", json_boolean(fit[i].rmsd > 0.1));
            json_object_set_new(items, f->bank.items[i].id,
                                json_pack("{s:f, s:f, s:f, s:i}", "a", par[i].a, "b",
                                          par[i].b, "c", par[i].c, "n", fit[i].n));
        }
        json_array_append_new(report, row);
    }
    if (!dry && nfit > 0) {
        json_t *cal =
            json_pack("{s:s, s:I, s:i, s:O}", "framework", f->fw->item_bank, "at",
                      (json_int_t)dla_now(), "persons", (int)persons, "items", items);
        char *txt = cal ? json_dumps(cal, JSON_COMPACT) : NULL;
        json_decref(cal);
        if (txt == NULL || dla_txn_begin(a->app->store, 1, &t, &err) != DLA_OK ||
            dla_kv_put(t, a->db_cal, f->fw->item_bank, strlen(f->fw->item_bank), txt,
                       strlen(txt), 0, &err) != DLA_OK ||
            dla_txn_commit(t, &err) != DLA_OK) {
            free(txt);
            if (t != NULL)
                dla_txn_abort(t);
            t = NULL;
            rc = dla_cli_fail(json, "items calibrate", 1, "store: %s", err.msg);
            goto cleanup;
        }
        t = NULL;
        free(txt);
    }
    rc = dla_cli_print_json(json_pack("{s:s, s:i, s:i, s:i, s:i, s:b, s:o}", "framework",
                                      f->fw->item_bank, "persons", (int)persons,
                                      "iterations", iters, "min_n", (int)min_n, "fitted",
                                      nfit, "saved", !dry && nfit > 0, "items", report));
    report = NULL;
cleanup:
    dla_cursor_close(c);
    if (t != NULL)
        dla_txn_abort(t);
    free(resp);
    free(par);
    free(fit);
    json_decref(items);
    json_decref(report);
    return rc;
}

static int cmd_items(dla_app_t *app, int argc, char **argv)
{
    api_t *a = app->api;
    const char *sub = argc > 1 ? argv[1] : "";

    if (a == NULL)
        return dla_cli_fail(1, "items", 1, "the diagnostic module is not loaded");
    if (strcmp(sub, "check") == 0)
        return items_check(a, argc, argv);
    if (strcmp(sub, "import") == 0)
        return items_import(a, argc, argv);
    if (strcmp(sub, "calibrate") == 0)
        return items_calibrate(a, argc, argv);
    return dla_cli_fail(dla_cli_flag(argc, argv, "--json"), "items", 2,
                        "usage: dla items check|import|calibrate ...");
}

/* ---- frameworks --------------------------------------------------------------- */

static int cmd_frameworks(dla_app_t *app, int argc, char **argv)
{
    api_t *a = app->api;
    const char *sub = argc > 1 ? argv[1] : "list";
    int json = dla_cli_flag(argc, argv, "--json");

    if (a == NULL)
        return dla_cli_fail(1, "frameworks", 1, "the diagnostic module is not loaded");
    if (strcmp(sub, "list") == 0) {
        json_t *arr = json_array();
        int i;
        for (i = 0; i < a->n_fws; i++)
            json_array_append_new(
                arr,
                json_pack("{s:s, s:i, s:i, s:i, s:b}", "id", a->fws[i].fw->id, "areas",
                          a->fws[i].fw->n_areas, "competences", a->fws[i].fw->n_comps,
                          "items", (int)a->fws[i].bank.n_items, "lt_official",
                          a->fws[i].fw->lt_official));
        return dla_cli_print_json(json_pack("{s:o}", "frameworks", arr));
    }
    if (strcmp(sub, "export") == 0) {
        api_fw_t *f = cli_fw(a, argc, argv);
        const char *base = dla_cli_opt(argc, argv, "--base-uri");
        if (f == NULL)
            return dla_cli_fail(json, "frameworks export", 2, "unknown framework");
        return dla_cli_print_json(
            dla_framework_to_case(f->fw, base ? base : app->base_url));
    }
    if (strcmp(sub, "import") == 0) {
        const char *id = dla_cli_opt(argc, argv, "--id"),
                   *out = dla_cli_opt(argc, argv, "--out");
        const char *file = NULL;
        dla_framework_t *fw = NULL;
        dla_err_t err = {0};
        json_t *pkg = NULL;
        int k, rc;
        for (k = 2; k < argc; k++) {
            if (argv[k][0] == '-' && argv[k][1] == '-') {
                if (strcmp(argv[k], "--json") != 0)
                    k++;
                continue;
            }
            file = argv[k];
        }
        if (file == NULL || id == NULL)
            return dla_cli_fail(
                json, "frameworks import", 2,
                "usage: dla frameworks import --id ID [--out FILE] CASE.json");
        if ((rc = dj_load_file(file, 8u << 20, &pkg, &err)) != DLA_OK)
            return dla_cli_fail(json, "frameworks import", 1, "%s", err.msg);
        rc = dla_framework_from_case(file, pkg, id, &fw, &err);
        json_decref(pkg);
        if (rc != DLA_OK)
            return dla_cli_fail(json, "frameworks import", 1, "%s", err.msg);
        if (out != NULL) {
            FILE *fp = fopen(out, "wx");
            if (fp == NULL || json_dumpf(fw->doc, fp, JSON_INDENT(1)) != 0) {
                if (fp != NULL)
                    fclose(fp);
                dla_framework_free(fw);
                return dla_cli_fail(json, "frameworks import", 1,
                                    "%s: cannot write (exists?)", out);
            }
            fclose(fp);
            rc = dla_cli_print_json(json_pack("{s:s, s:i, s:i, s:s}", "id", fw->id,
                                              "areas", fw->n_areas, "competences",
                                              fw->n_comps, "written", out));
        } else {
            rc = dla_cli_print_json(json_incref(fw->doc));
        }
        dla_framework_free(fw);
        return rc;
    }
    return dla_cli_fail(json, "frameworks", 2,
                        "usage: dla frameworks list|export|import ...");
}

/* ---- roles ------------------------------------------------------------------------ */

static int cmd_roles(dla_app_t *app, int argc, char **argv)
{
    api_t *a = app->api;
    const char *sub = argc > 1 ? argv[1] : "list";
    const char *tenant = dla_cli_opt(argc, argv, "--tenant");
    int json = dla_cli_flag(argc, argv, "--json");
    dla_tenant_t tn;
    dla_txn_t *t = NULL;
    dla_err_t err = {0};
    char key[160];
    size_t kl;
    int rc;

    if (a == NULL)
        return dla_cli_fail(1, "roles", 1, "the diagnostic module is not loaded");
    if (tenant != NULL && dla_tenant_get(app->store, tenant, &tn) != DLA_OK)
        return dla_cli_fail(json, "roles", 1, "no tenant \"%s\"", tenant);
    if (strcmp(sub, "list") == 0) {
        json_t *arr;
        if (dla_txn_begin(app->store, 0, &t, &err) != DLA_OK)
            return dla_cli_fail(json, "roles", 1, "%s", err.msg);
        arr = tenant ? api_roles_list(a, t, tenant) : json_deep_copy(a->roles);
        dla_txn_abort(t);
        return dla_cli_print_json(json_pack("{s:o}", "roles", arr));
    }
    if (strcmp(sub, "add") == 0) {
        const char *file = argc > 2 && argv[argc - 1][0] != '-' ? argv[argc - 1] : NULL;
        json_t *doc = NULL;
        char *txt;
        if (tenant == NULL || file == NULL)
            return dla_cli_fail(json, "roles add", 2,
                                "usage: dla roles add --tenant T [--json] ROLE.json");
        if ((rc = dj_load_file(file, 1u << 20, &doc, &err)) != DLA_OK ||
            (rc = api_role_check(a, file, doc, &err)) != DLA_OK) {
            json_decref(doc);
            return dla_cli_fail(json, "roles add", 1, "%s", err.msg);
        }
        kl = (size_t)snprintf(key, sizeof(key), "%s%c%s", tenant, 0,
                              json_string_value(json_object_get(doc, "id")));
        txt = json_dumps(doc, JSON_COMPACT);
        rc = txt == NULL ? DLA_ENOMEM : dla_txn_begin(app->store, 1, &t, &err);
        if (rc == DLA_OK) {
            rc = dla_kv_put(t, a->db_roles, key, kl, txt, strlen(txt), 0, &err);
            if (rc == DLA_OK)
                rc = dla_txn_commit(t, &err); /* frees t */
            else
                dla_txn_abort(t);
        }
        if (rc != DLA_OK) {
            free(txt);
            json_decref(doc);
            return dla_cli_fail(json, "roles add", 1, "store: %s",
                                err.msg[0] ? err.msg : dla_strerror(rc));
        }
        free(txt);
        rc = dla_cli_print_json(json_pack("{s:s, s:O}", "tenant", tenant, "added",
                                          json_object_get(doc, "id")));
        json_decref(doc);
        return rc;
    }
    if (strcmp(sub, "remove") == 0) {
        const char *id = dla_cli_opt(argc, argv, "--id");
        if (tenant == NULL || id == NULL)
            return dla_cli_fail(json, "roles remove", 2,
                                "usage: dla roles remove --tenant T --id ID [--json]");
        kl = (size_t)snprintf(key, sizeof(key), "%s%c%s", tenant, 0, id);
        if (dla_txn_begin(app->store, 1, &t, &err) != DLA_OK)
            return dla_cli_fail(json, "roles remove", 1, "%s", err.msg);
        if (kl >= sizeof(key) || dla_kv_del(t, a->db_roles, key, kl, NULL, 0) != DLA_OK) {
            dla_txn_abort(t);
            return dla_cli_fail(json, "roles remove", 1,
                                "tenant %s has no own role \"%s\"", tenant, id);
        }
        if (dla_txn_commit(t, &err) != DLA_OK)
            return dla_cli_fail(json, "roles remove", 1, "store: %s", err.msg);
        return dla_cli_print_json(
            json_pack("{s:s, s:s}", "tenant", tenant, "removed", id));
    }
    return dla_cli_fail(json, "roles", 2, "usage: dla roles list|add|remove ...");
}

const dla_cli_cmd_t *api_cli_table(void)
{
    static const dla_cli_cmd_t cmds[] = {
        {"simulate",
         "simulate [--examinees N] [--seed S] [--framework F] [--synthetic K] [--rho R] "
         "[--max-items M] [--pretty] [--bench-select]   adaptive diagnostic vs 82-item "
         "fixed form",
         cmd_simulate},
        {"items",
         "items check|import FILE...|calibrate [--framework F] [--json]   item bank: "
         "summary, "
         "QTI 2.1/3.0 import, 2PL calibration (MML/EM)",
         cmd_items},
        {"frameworks",
         "frameworks list|export [--framework F]|import --id ID [--out FILE] CASE.json   "
         "competence frameworks, 1EdTech CASE JSON",
         cmd_frameworks},
        {"roles",
         "roles list [--tenant T]|add --tenant T ROLE.json|remove --tenant T --id ID   "
         "role profiles (target levels) of a tenant",
         cmd_roles},
        {NULL, NULL, NULL},
    };
    return cmds;
}
