/* lti_reg.c - LTI 1.1 consumers and LTI 1.3 platform registrations, and the
 * admin CLI over them (`dla consumer ...`, `dla platform ...`, `dla key ...`).
 *
 * Databases: "lti_consumer" (consumer key -> JSON) and "lti_platform"
 * (issuer NUL client_id -> JSON). 1.1 secrets are kept in clear because
 * HMAC verification needs them; the data directory is private to the service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_auth.h"
#include "dla_log.h"
#include "dla_lti.h"
#include "lti_int.h"

static dla_db_t g_db_consumer, g_db_platform;
static int g_dbs_ready;

int lti_reg_init(dla_store_t *st, dla_err_t *err)
{
    int rc = dla_store_db(st, "lti_consumer", DLA_DB_CREATE, &g_db_consumer, err);
    if (rc == DLA_OK)
        rc = dla_store_db(st, "lti_platform", DLA_DB_CREATE, &g_db_platform, err);
    if (rc == DLA_OK)
        g_dbs_ready = 1;
    return rc;
}

/* ---- consumers ----------------------------------------------------------------- */

int lti_consumer_put(dla_store_t *st, const lti_consumer_t *c, dla_err_t *err)
{
    dla_txn_t *t = NULL;
    json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "key", c->key, "secret", c->secret,
                          "tenant", c->tenant, "created", (json_int_t)c->created);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    int rc = s ? dla_txn_begin(st, 1, &t, err) : dla_err_set(err, DLA_ENOMEM, "oom");
    if (rc == DLA_OK)
        rc = dla_kv_put(t, g_db_consumer, c->key, strlen(c->key), s, strlen(s), 0, err);
    if (rc == DLA_OK) {
        rc = dla_txn_commit(t, err);
        t = NULL;
    }
    dla_txn_abort(t);
    free(s);
    json_decref(j);
    return rc;
}

static int consumer_from(const void *data, size_t len, lti_consumer_t *out)
{
    json_t *j = json_loadb(data, len, 0, NULL);
    int rc = DLA_EINVAL;
    memset(out, 0, sizeof *out);
    if (j &&
        lti_strcpy(out->key, sizeof out->key,
                   json_string_value(json_object_get(j, "key"))) == DLA_OK &&
        lti_strcpy(out->secret, sizeof out->secret,
                   json_string_value(json_object_get(j, "secret"))) == DLA_OK &&
        lti_strcpy(out->tenant, sizeof out->tenant,
                   json_string_value(json_object_get(j, "tenant"))) == DLA_OK) {
        out->created = json_integer_value(json_object_get(j, "created"));
        rc = DLA_OK;
    }
    json_decref(j);
    return rc;
}

int lti_consumer_get(dla_store_t *st, const char *key, lti_consumer_t *out)
{
    dla_txn_t *t = NULL;
    dla_val_t v;
    if (!key || !*key || dla_txn_begin(st, 0, &t, NULL) != DLA_OK)
        return DLA_ENOTFOUND;
    int rc = dla_kv_get(t, g_db_consumer, key, strlen(key), &v);
    if (rc == DLA_OK)
        rc = consumer_from(v.data, v.len, out);
    dla_txn_abort(t);
    return rc;
}

int lti_consumer_del(dla_store_t *st, const char *key)
{
    dla_txn_t *t = NULL;
    if (dla_txn_begin(st, 1, &t, NULL) != DLA_OK)
        return DLA_EIO;
    int rc = dla_kv_del(t, g_db_consumer, key, strlen(key), NULL, 0);
    if (rc == DLA_OK)
        return dla_txn_commit(t, NULL);
    dla_txn_abort(t);
    return rc;
}

/* ---- platforms ----------------------------------------------------------------- */

void lti_platform_clear(lti_platform_t *p)
{
    json_decref(p->jwks);
    json_decref(p->deployments);
    p->jwks = p->deployments = NULL;
}

int lti_platform_has_deployment(const lti_platform_t *p, const char *dep)
{
    size_t i;
    json_t *d;
    if (!dep)
        return 0;
    json_array_foreach(p->deployments, i, d)
    {
        if (json_is_string(d) && strcmp(json_string_value(d), dep) == 0)
            return 1;
    }
    return 0;
}

json_t *lti_platform_json(const lti_platform_t *p, int with_jwks)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:I}", "tenant", p->tenant,
                          "issuer", p->issuer, "client_id", p->client_id, "auth_url",
                          p->auth_url, "token_url", p->token_url, "jwks_url", p->jwks_url,
                          "deployments", p->deployments ? p->deployments : json_null(),
                          "created", (json_int_t)p->created);
    if (j && p->auth_audience[0])
        json_object_set_new(j, "auth_audience", json_string(p->auth_audience));
    if (j)
        json_object_set_new(j, "accept_new_deployments",
                            json_boolean(p->accept_new_deployments));
    if (j && with_jwks && p->jwks)
        json_object_set(j, "jwks", p->jwks);
    return j;
}

int lti_platform_from_json(json_t *j, lti_platform_t *out)
{
    memset(out, 0, sizeof *out);
    const char *aa = json_string_value(json_object_get(j, "auth_audience"));
    if (lti_strcpy(out->tenant, sizeof out->tenant,
                   json_string_value(json_object_get(j, "tenant"))) ||
        lti_strcpy(out->issuer, sizeof out->issuer,
                   json_string_value(json_object_get(j, "issuer"))) ||
        lti_strcpy(out->client_id, sizeof out->client_id,
                   json_string_value(json_object_get(j, "client_id"))) ||
        lti_strcpy(out->auth_url, sizeof out->auth_url,
                   json_string_value(json_object_get(j, "auth_url"))) ||
        lti_strcpy(out->token_url, sizeof out->token_url,
                   json_string_value(json_object_get(j, "token_url"))) ||
        lti_strcpy(out->jwks_url, sizeof out->jwks_url,
                   json_string_value(json_object_get(j, "jwks_url"))) ||
        lti_strcpy(out->auth_audience, sizeof out->auth_audience, aa))
        return DLA_EINVAL;
    json_t *d = json_object_get(j, "deployments");
    out->deployments = json_is_array(d) ? json_incref(d) : json_array();
    json_t *k = json_object_get(j, "jwks");
    out->jwks = json_is_object(k) ? json_incref(k) : NULL;
    out->created = json_integer_value(json_object_get(j, "created"));
    out->accept_new_deployments =
        json_is_true(json_object_get(j, "accept_new_deployments"));
    return out->deployments ? DLA_OK : DLA_ENOMEM;
}

static char *pkey(const char *iss, const char *cid, size_t *len)
{
    size_t a = strlen(iss), b = cid ? strlen(cid) : 0;
    char *k = malloc(a + b + 2);
    if (!k)
        return NULL;
    memcpy(k, iss, a);
    k[a] = '\0';
    if (cid)
        memcpy(k + a + 1, cid, b);
    *len = a + 1 + b;
    return k;
}

int lti_platform_put(dla_store_t *st, const lti_platform_t *p, dla_err_t *err)
{
    dla_txn_t *t = NULL;
    size_t klen = 0;
    char *key = pkey(p->issuer, p->client_id, &klen);
    json_t *j = lti_platform_json(p, 1);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    int rc =
        (key && s) ? dla_txn_begin(st, 1, &t, err) : dla_err_set(err, DLA_ENOMEM, "oom");
    if (rc == DLA_OK)
        rc = dla_kv_put(t, g_db_platform, key, klen, s, strlen(s), 0, err);
    if (rc == DLA_OK) {
        rc = dla_txn_commit(t, err);
        t = NULL;
    }
    dla_txn_abort(t);
    free(s);
    free(key);
    json_decref(j);
    return rc;
}

static int platform_from(const void *data, size_t len, lti_platform_t *out)
{
    json_t *j = json_loadb(data, len, 0, NULL);
    int rc = j ? lti_platform_from_json(j, out) : DLA_EINVAL;
    json_decref(j);
    return rc;
}

int lti_platform_get(dla_store_t *st, const char *issuer, const char *client_id,
                     lti_platform_t *out)
{
    dla_txn_t *t = NULL;
    dla_cursor_t *c = NULL;
    size_t klen = 0;
    int rc = DLA_ENOTFOUND;
    memset(out, 0, sizeof *out);
    if (!issuer || !*issuer)
        return DLA_ENOTFOUND;
    char *key = pkey(issuer, client_id && *client_id ? client_id : NULL, &klen);
    if (!key || dla_txn_begin(st, 0, &t, NULL) != DLA_OK)
        goto cleanup;
    if (client_id && *client_id) {
        dla_val_t v;
        if (dla_kv_get(t, g_db_platform, key, klen, &v) == DLA_OK)
            rc = platform_from(v.data, v.len, out);
        goto cleanup;
    }
    /* by issuer alone: exactly one registration */
    if (dla_cursor_open(t, g_db_platform, &c, NULL) != DLA_OK)
        goto cleanup;
    dla_val_t k = {key, klen}, v;
    int n = 0;
    for (int r = dla_cursor_get(c, DLA_SEEK_GE, &k, &v); r == DLA_OK;
         r = dla_cursor_get(c, DLA_SEEK_NEXT, &k, &v)) {
        if (k.len < klen || memcmp(k.data, key, klen) != 0)
            break;
        if (++n == 1)
            rc = platform_from(v.data, v.len, out);
    }
    if (n > 1) {
        lti_platform_clear(out);
        rc = DLA_ECONFLICT;
    }
cleanup:
    dla_cursor_close(c);
    dla_txn_abort(t);
    free(key);
    return rc;
}

int lti_platform_del(dla_store_t *st, const char *issuer, const char *client_id)
{
    dla_txn_t *t = NULL;
    size_t klen = 0;
    char *key = pkey(issuer, client_id, &klen);
    int rc = key ? dla_txn_begin(st, 1, &t, NULL) : DLA_ENOMEM;
    if (rc == DLA_OK)
        rc = dla_kv_del(t, g_db_platform, key, klen, NULL, 0);
    if (rc == DLA_OK) {
        rc = dla_txn_commit(t, NULL);
        t = NULL;
    }
    dla_txn_abort(t);
    free(key);
    return rc;
}

/* ---- CLI ----------------------------------------------------------------------- */

typedef struct opt_s {
    const char *name;
    const char *value;
} opt_t;

/* Parses --name value / --flag into opts; repeatable names collected in `multi`. */
static int parse_opts(int argc, char **argv, int start, opt_t *opts, size_t nopts,
                      const char *multi_name, json_t *multi, int *json_out)
{
    *json_out = 0;
    for (int i = start; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            *json_out = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || i + 1 >= argc) {
            fprintf(stderr, "dla: unexpected argument \"%s\"\n", a);
            return -1;
        }
        int hit = 0;
        if (multi_name && strcmp(a + 2, multi_name) == 0) {
            json_array_append_new(multi, json_string(argv[++i]));
            continue;
        }
        for (size_t k = 0; k < nopts; k++)
            if (strcmp(a + 2, opts[k].name) == 0) {
                opts[k].value = argv[++i];
                hit = 1;
            }
        if (!hit) {
            fprintf(stderr, "dla: unknown option \"%s\"\n", a);
            return -1;
        }
    }
    return 0;
}

static const char *optv(const opt_t *o, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(o[i].name, name) == 0)
            return o[i].value;
    return NULL;
}

static int emit(int as_json, json_t *obj, const char *text)
{
    if (as_json) {
        char *s = json_dumps(obj, JSON_COMPACT);
        if (s)
            puts(s);
        free(s);
    } else if (text) {
        puts(text);
    }
    json_decref(obj);
    return 0;
}

static int fail(int as_json, const char *code, const char *msg)
{
    if (as_json) {
        json_t *e = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg);
        char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
        if (s)
            puts(s);
        free(s);
        json_decref(e);
    }
    fprintf(stderr, "dla: %s\n", msg);
    return 1;
}

static int check_url(const char *u)
{
    return u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) &&
           strlen(u) < 512;
}

static int cmd_consumer(dla_app_t *app, int argc, char **argv)
{
    opt_t o[] = {{"tenant", NULL}, {"key", NULL}, {"secret", NULL}};
    size_t no = sizeof o / sizeof o[0];
    int js = 0;
    const char *sub = argc > 1 ? argv[1] : "";
    if (parse_opts(argc, argv, 2, o, no, NULL, NULL, &js) != 0)
        return 2;
    if (strcmp(sub, "add") == 0) {
        lti_consumer_t c;
        dla_tenant_t tn;
        dla_err_t err = {0};
        char gen[64];
        memset(&c, 0, sizeof c);
        const char *tenant = optv(o, no, "tenant"), *key = optv(o, no, "key");
        const char *secret = optv(o, no, "secret");
        if (!tenant || !key)
            return fail(js, "usage",
                        "usage: dla consumer add --tenant T --key K [--secret S]");
        if (dla_tenant_get(app->store, tenant, &tn) != DLA_OK)
            return fail(js, "unknown_tenant", "unknown tenant");
        if (!secret) {
            if (lti_random_token(gen, sizeof gen, 24) != DLA_OK)
                return fail(js, "internal", "no randomness");
            secret = gen;
        }
        if (lti_strcpy(c.key, sizeof c.key, key) ||
            lti_strcpy(c.secret, sizeof c.secret, secret) ||
            lti_strcpy(c.tenant, sizeof c.tenant, tenant) || !*key || strlen(secret) < 8)
            return fail(js, "invalid", "key must be 1..255 bytes, secret 8..255 bytes");
        c.created = dla_now();
        if (lti_consumer_put(app->store, &c, &err) != DLA_OK)
            return fail(js, "store", err.msg);
        return emit(js,
                    json_pack("{s:s, s:s, s:s}", "tenant", c.tenant, "key", c.key,
                              "secret", c.secret),
                    "consumer added");
    }
    if (strcmp(sub, "remove") == 0) {
        const char *key = optv(o, no, "key");
        if (!key)
            return fail(js, "usage", "usage: dla consumer remove --key K");
        if (lti_consumer_del(app->store, key) != DLA_OK)
            return fail(js, "not_found", "no such consumer");
        return emit(js, json_pack("{s:s, s:b}", "key", key, "removed", 1),
                    "consumer removed");
    }
    if (strcmp(sub, "list") == 0) {
        /* the store offers no listing by prefix for this db beyond a cursor */
        dla_txn_t *t = NULL;
        dla_cursor_t *c = NULL;
        json_t *arr = json_array();
        const char *tenant = optv(o, no, "tenant");
        if (dla_txn_begin(app->store, 0, &t, NULL) == DLA_OK &&
            dla_cursor_open(t, g_db_consumer, &c, NULL) == DLA_OK) {
            dla_val_t k, v;
            for (int r = dla_cursor_get(c, DLA_SEEK_FIRST, &k, &v); r == DLA_OK;
                 r = dla_cursor_get(c, DLA_SEEK_NEXT, &k, &v)) {
                lti_consumer_t cc;
                if (consumer_from(v.data, v.len, &cc) != DLA_OK)
                    continue;
                if (tenant && strcmp(tenant, cc.tenant) != 0)
                    continue;
                json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "key", cc.key,
                                                     "tenant", cc.tenant, "created",
                                                     (json_int_t)cc.created));
                if (!js)
                    printf("%s\t%s\n", cc.tenant, cc.key);
            }
        }
        dla_cursor_close(c);
        dla_txn_abort(t);
        return emit(js, json_pack("{s:o}", "consumers", arr), NULL);
    }
    return fail(js, "usage", "usage: dla consumer add|list|remove ...");
}

static int cmd_platform(dla_app_t *app, int argc, char **argv)
{
    opt_t o[] = {{"tenant", NULL},       {"issuer", NULL},    {"client-id", NULL},
                 {"auth-url", NULL},     {"token-url", NULL}, {"jwks-url", NULL},
                 {"auth-audience", NULL}};
    size_t no = sizeof o / sizeof o[0];
    int js = 0, accept_new = 0, fargc = 0;
    const char *sub = argc > 1 ? argv[1] : "";
    json_t *deps = json_array();
    char **fargv = calloc((size_t)argc + 1, sizeof *fargv);
    for (int i = 0; fargv && i < argc; i++) {
        if (strcmp(argv[i], "--accept-new-deployments") == 0)
            accept_new = 1;
        else
            fargv[fargc++] = argv[i];
    }
    int prc = fargv ? parse_opts(fargc, fargv, 2, o, no, "deployment", deps, &js) : -1;
    free(fargv);
    if (!deps || prc != 0) {
        json_decref(deps);
        return 2;
    }
    int rc = 0;
    if (strcmp(sub, "add") == 0) {
        lti_platform_t p;
        dla_tenant_t tn;
        dla_err_t err = {0};
        memset(&p, 0, sizeof p);
        const char *tenant = optv(o, no, "tenant"), *iss = optv(o, no, "issuer");
        const char *cid = optv(o, no, "client-id"), *au = optv(o, no, "auth-url");
        const char *tu = optv(o, no, "token-url"), *ju = optv(o, no, "jwks-url");
        const char *aa = optv(o, no, "auth-audience");
        if (!tenant || !iss || !cid || !au || !tu || !ju || json_array_size(deps) == 0) {
            rc = fail(js, "usage",
                      "usage: dla platform add --tenant T --issuer URL --client-id ID "
                      "--auth-url URL --token-url URL --jwks-url URL --deployment ID...");
            goto done;
        }
        if (dla_tenant_get(app->store, tenant, &tn) != DLA_OK) {
            rc = fail(js, "unknown_tenant", "unknown tenant");
            goto done;
        }
        if (!check_url(au) || !check_url(tu) || !check_url(ju) || !*cid ||
            lti_strcpy(p.tenant, sizeof p.tenant, tenant) ||
            lti_strcpy(p.issuer, sizeof p.issuer, iss) ||
            lti_strcpy(p.client_id, sizeof p.client_id, cid) ||
            lti_strcpy(p.auth_url, sizeof p.auth_url, au) ||
            lti_strcpy(p.token_url, sizeof p.token_url, tu) ||
            lti_strcpy(p.jwks_url, sizeof p.jwks_url, ju) ||
            lti_strcpy(p.auth_audience, sizeof p.auth_audience, aa)) {
            rc = fail(js, "invalid", "urls must be http(s) and shorter than 512 bytes");
            goto done;
        }
        p.deployments = deps;
        p.accept_new_deployments = accept_new;
        p.created = dla_now();
        if (lti_platform_put(app->store, &p, &err) != DLA_OK) {
            rc = fail(js, "store", err.msg);
            goto done;
        }
        rc = emit(js, lti_platform_json(&p, 0), "platform added");
    } else if (strcmp(sub, "remove") == 0) {
        const char *iss = optv(o, no, "issuer"), *cid = optv(o, no, "client-id");
        if (!iss || !cid) {
            rc = fail(js, "usage",
                      "usage: dla platform remove --issuer URL --client-id ID");
            goto done;
        }
        if (lti_platform_del(app->store, iss, cid) != DLA_OK) {
            rc = fail(js, "not_found", "no such platform");
            goto done;
        }
        rc = emit(
            js,
            json_pack("{s:s, s:s, s:b}", "issuer", iss, "client_id", cid, "removed", 1),
            "platform removed");
    } else if (strcmp(sub, "list") == 0) {
        dla_txn_t *t = NULL;
        dla_cursor_t *c = NULL;
        json_t *arr = json_array();
        const char *tenant = optv(o, no, "tenant");
        if (dla_txn_begin(app->store, 0, &t, NULL) == DLA_OK &&
            dla_cursor_open(t, g_db_platform, &c, NULL) == DLA_OK) {
            dla_val_t k, v;
            for (int r = dla_cursor_get(c, DLA_SEEK_FIRST, &k, &v); r == DLA_OK;
                 r = dla_cursor_get(c, DLA_SEEK_NEXT, &k, &v)) {
                lti_platform_t p;
                if (platform_from(v.data, v.len, &p) != DLA_OK)
                    continue;
                if (!tenant || strcmp(tenant, p.tenant) == 0) {
                    json_array_append_new(arr, lti_platform_json(&p, 0));
                    if (!js)
                        printf("%s\t%s\t%s\n", p.tenant, p.issuer, p.client_id);
                }
                lti_platform_clear(&p);
            }
        }
        dla_cursor_close(c);
        dla_txn_abort(t);
        rc = emit(js, json_pack("{s:o}", "platforms", arr), NULL);
    } else {
        rc = fail(js, "usage", "usage: dla platform add|list|remove ...");
    }
done:
    json_decref(deps);
    return rc;
}

static int cmd_key(dla_app_t *app, int argc, char **argv)
{
    int js = 0;
    const char *sub = argc > 1 ? argv[1] : "";
    lti_state_t *st = app->lti;
    if (parse_opts(argc, argv, 2, NULL, 0, NULL, NULL, &js) != 0)
        return 2;
    if (!st || !st->keys)
        return fail(js, "internal", "lti module not initialised");
    if (strcmp(sub, "rotate") == 0) {
        char kid[64];
        dla_err_t err = {0};
        if (lti_keys_rotate(st->keys, kid, &err) != DLA_OK)
            return fail(js, "store", err.msg);
        return emit(js, json_pack("{s:s, s:i}", "kid", kid, "overlap", st->key_overlap),
                    "tool key rotated");
    }
    if (strcmp(sub, "list") == 0)
        return emit(js, lti_keys_jwks(st->keys), NULL);
    return fail(js, "usage", "usage: dla key rotate|list [--json]");
}

/* `dla grade --token T --score S [--comment C] [--op replace|read|delete]`:
 * (re)sends a session's result to the LMS that launched it, the same path the
 * diagnostic uses; read and delete exist for LTI 1.1 Basic Outcomes. */
static int cmd_grade(dla_app_t *app, int argc, char **argv)
{
    opt_t o[] = {{"token", NULL}, {"score", NULL}, {"comment", NULL}, {"op", NULL}};
    size_t no = sizeof o / sizeof o[0];
    int js = 0;
    lti_state_t *st = app->lti;
    dla_session_t sess;
    dla_err_t err = {0};
    if (parse_opts(argc, argv, 1, o, no, NULL, NULL, &js) != 0)
        return 2;
    const char *tok = optv(o, no, "token"), *sc = optv(o, no, "score");
    const char *op = optv(o, no, "op") ? optv(o, no, "op") : "replace";
    if (!tok || (strcmp(op, "replace") == 0 && !sc))
        return fail(js, "usage",
                    "usage: dla grade --token T --score 0..1 [--op replace|read|delete]");
    if (!st || dla_session_get(app->store, tok, &sess) != DLA_OK)
        return fail(js, "not_found", "unknown or expired session");
    double score = sc ? strtod(sc, NULL) : 0.0;
    if (strcmp(op, "replace") == 0) {
        if (lti_grade_sync(st, &sess, score, optv(o, no, "comment"), &err) != DLA_OK)
            return fail(js, "grade_failed", err.msg);
        return emit(js, json_pack("{s:s, s:f}", "sent", "replace", "score", score),
                    "grade sent");
    }
    json_t *rec = lti_launch_load(st, sess.launch);
    lti_pox_resp_t resp;
    lti_pox_op_t pop = strcmp(op, "read") == 0 ? LTI_POX_READ : LTI_POX_DELETE;
    if (strcmp(op, "read") != 0 && strcmp(op, "delete") != 0) {
        json_decref(rec);
        return fail(js, "usage", "--op is replace, read or delete");
    }
    int rc = rec ? lti_outcome_send(st, rec, pop, 0.0, &resp, &err)
                 : dla_err_set(&err, DLA_ENOTFOUND, "the session has no LMS launch");
    json_decref(rec);
    if (rc != DLA_OK)
        return fail(js, "grade_failed", err.msg);
    json_t *out = json_pack("{s:s, s:s}", "sent", op, "code_major", resp.code_major);
    if (out && resp.has_score)
        json_object_set_new(out, "score", json_real(resp.score));
    return emit(js, out, resp.code_major);
}

const dla_cli_cmd_t *dla_lti_cli_commands(void)
{
    static const dla_cli_cmd_t cmds[] = {
        {"consumer",
         "consumer add --tenant T --key K [--secret S] | list | remove --key K",
         cmd_consumer},
        {"platform",
         "platform add --tenant T --issuer URL --client-id ID --auth-url URL --token-url "
         "URL "
         "--jwks-url URL --deployment ID... [--accept-new-deployments] | list | remove "
         "--issuer URL "
         "--client-id ID",
         cmd_platform},
        {"key", "key rotate | list   (the LTI tool's signing keys)", cmd_key},
        {"grade",
         "grade --token T --score 0..1 [--op replace|read|delete]   (resend to the LMS)",
         cmd_grade},
        {NULL, NULL, NULL}};
    return cmds;
}
