/* cli.c - app life cycle for commands and the core admin commands.
 *
 * Linked into the dla executable, not into dla_core: it is the one place that
 * knows every module (core must not depend on xapi or lti). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dla_api.h"
#include "dla_auth.h"
#include "dla_cli.h"
#include "dla_i18n.h"
#include "dla_log.h"
#include "dla_plugins.h"
#include "dla_static.h"

/* Module entry points (the modules' public headers live in their directories). */
int dla_xapi_module_init(dla_app_t *app, dla_err_t *err);
void dla_xapi_module_fini(dla_app_t *app);
int dla_lti_module_init(dla_app_t *app, dla_err_t *err);
void dla_lti_module_fini(dla_app_t *app);

/* ---- app life cycle ---------------------------------------------------------------- */

static const char *source_dir(void)
{
    const char *h = getenv("DLA_HOME");
    return h && *h ? h : DLA_SOURCE_DIR;
}

dla_app_t *dla_cli_app_open(int modules)
{
    dla_err_t err = {0};
    dla_app_t *app = calloc(1, sizeof *app);
    if (!app) {
        fprintf(stderr, "dla: out of memory\n");
        return NULL;
    }
    app->source_dir = source_dir();
    const char *cfgpath = getenv("DLA_CONFIG");
    if (dla_config_load(cfgpath && *cfgpath ? cfgpath : NULL, &app->cfg, &err) != DLA_OK)
        goto fail;
    const dla_server_cfg_t *sc = dla_config_server(app->cfg);
    const dla_store_cfg_t *st = dla_config_store(app->cfg);
    dla_log_level_t lvl;
    if (dla_log_parse_level(sc->log_level, &lvl) != DLA_OK) {
        dla_err_set(&err, DLA_ECONFIG, "%s: server.log_level \"%s\" is not debug|info|warn|error",
                    dla_config_file(app->cfg), sc->log_level);
        goto fail;
    }
    if (!getenv("DLA_LOG_LEVEL"))
        dla_log_set_level(lvl);
    app->data_dir = st->data_dir;
    app->base_url = sc->public_base_url;
    dla_store_opts_t so = {st->map_size_mb, 0, st->sync, 0};
    if (dla_store_open(st->data_dir, &so, &app->store, &err) != DLA_OK)
        goto fail;
    if (dla_auth_init(app->store, &err) != DLA_OK)
        goto fail;
    char path[1024];
    if (dla_i18n_init(dla_app_path(app, "config/i18n", path, sizeof path), &err) != DLA_OK)
        goto fail;
    if (!(app->router = dla_router_new())) {
        dla_err_set(&err, DLA_ENOMEM, "out of memory");
        goto fail;
    }
    if (!modules)
        return app;
    static char web[1024];
    if (sc->web_root)
        snprintf(web, sizeof web, "%s", sc->web_root);
    else
        dla_app_path(app, "web", web, sizeof web);
    if (dla_static_init(app, web, &err) != DLA_OK)
        goto fail;
    if (dla_xapi_module_init(app, &err) != DLA_OK) {
        dla_err_prefix(&err, "xapi");
        goto fail;
    }
    if (dla_lti_module_init(app, &err) != DLA_OK) {
        dla_err_prefix(&err, "lti");
        goto fail;
    }
    if (dla_api_init(app, &err) != DLA_OK) {
        dla_err_prefix(&err, "api");
        goto fail;
    }
    if (dla_plugins_load(app, &err) != DLA_OK)
        goto fail;
    return app;
fail:
    fprintf(stderr, "dla: %s\n", err.msg[0] ? err.msg : dla_strerror(err.code));
    dla_cli_app_close(app);
    return NULL;
}

void dla_cli_app_close(dla_app_t *app)
{
    if (!app)
        return;
    if (app->router) {
        dla_plugins_unload(app);
        dla_api_fini(app);
        dla_lti_module_fini(app);
        dla_xapi_module_fini(app);
    }
    dla_router_free(app->router);
    dla_i18n_fini();
    dla_store_close(app->store);
    dla_config_free(app->cfg);
    free(app);
}

/* ---- tenant ----------------------------------------------------------------------- */

static int tenant_print(void *ctx, const dla_tenant_t *t)
{
    json_t *arr = ctx;
    if (arr)
        json_array_append_new(arr, json_pack("{s:s,s:s,s:I}", "id", t->id, "name", t->name,
                                             "created", (json_int_t)t->created));
    else
        printf("%-24s %s\n", t->id, t->name);
    return 0;
}

static int cmd_tenant(dla_app_t *app, int argc, char **argv)
{
    int json = dla_cli_flag(argc, argv, "--json");
    dla_err_t err = {0};
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "add") == 0) {
        const char *id = argc > 2 && argv[2][0] != '-' ? argv[2] : dla_cli_opt(argc, argv, "--id");
        const char *name = dla_cli_opt(argc, argv, "--name");
        if (!id)
            return dla_cli_fail(json, "tenant add", 2, "usage: dla tenant add ID [--name NAME]");
        if (dla_tenant_add(app->store, id, name ? name : id, &err) != DLA_OK)
            return dla_cli_fail(json, "tenant add", 1, "%s", err.msg);
        if (json)
            return dla_cli_print_json(
                json_pack("{s:s,s:s}", "id", id, "name", name ? name : id));
        printf("tenant %s added\n", id);
        return 0;
    }
    if (strcmp(sub, "list") == 0) {
        json_t *arr = json ? json_array() : NULL;
        if (dla_tenant_list(app->store, tenant_print, arr, &err) != DLA_OK) {
            json_decref(arr);
            return dla_cli_fail(json, "tenant list", 1, "%s", err.msg);
        }
        return json ? dla_cli_print_json(json_pack("{s:o}", "tenants", arr)) : 0;
    }
    return dla_cli_fail(json, "tenant", 2, "usage: dla tenant add ID [--name NAME] | list");
}

/* ---- credential ---------------------------------------------------------------------- */

static json_t *scopes_json(unsigned scopes)
{
    char buf[256];
    dla_scope_format(scopes, buf, sizeof buf);
    json_t *arr = json_array();
    char *save = NULL;
    for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
        json_array_append_new(arr, json_string(t));
    return arr;
}

static int cred_print(void *ctx, const dla_cred_t *c)
{
    json_t *arr = ctx;
    char sc[256];
    if (arr) {
        json_array_append_new(arr, json_pack("{s:s,s:s,s:o,s:b,s:I,s:s}", "key", c->key,
                                             "tenant", c->tenant, "scopes",
                                             scopes_json(c->scopes), "revoked", c->revoked,
                                             "created", (json_int_t)c->created, "name",
                                             c->name));
    } else {
        dla_scope_format(c->scopes, sc, sizeof sc);
        printf("%-24s %-16s %-8s %s\n", c->key, c->tenant, c->revoked ? "revoked" : "active",
               sc);
    }
    return 0;
}

static int cmd_credential(dla_app_t *app, int argc, char **argv)
{
    int json = dla_cli_flag(argc, argv, "--json");
    dla_err_t err = {0};
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "add") == 0) {
        const char *tenant = dla_cli_opt(argc, argv, "--tenant");
        if (!tenant)
            return dla_cli_fail(json, "credential add", 2,
                                "usage: dla credential add --tenant T [--scope S]... [--name N]");
        unsigned scopes = 0;
        for (int i = 1; i + 1 < argc; i++) {
            if (strcmp(argv[i], "--scope") != 0)
                continue;
            unsigned s;
            if (dla_scope_parse(argv[i + 1], &s) != DLA_OK)
                return dla_cli_fail(json, "credential add", 2,
                                    "unknown scope \"%s\" (statements/write, statements/read, "
                                    "statements/read/mine, state, define, profile, all/read, all)",
                                    argv[i + 1]);
            scopes |= s;
        }
        if (!scopes)
            scopes = DLA_SCOPE_ALL;
        char key[64], secret[64];
        if (dla_cred_add(app->store, tenant, scopes, dla_cli_opt(argc, argv, "--name"), key,
                         secret, &err) != DLA_OK)
            return dla_cli_fail(json, "credential add", 1, "%s", err.msg);
        if (json)
            return dla_cli_print_json(json_pack("{s:s,s:s,s:s,s:o}", "key", key, "secret",
                                                secret, "tenant", tenant, "scopes",
                                                scopes_json(scopes)));
        printf("key:    %s\nsecret: %s\n(the secret is shown only now)\n", key, secret);
        return 0;
    }
    if (strcmp(sub, "list") == 0) {
        json_t *arr = json ? json_array() : NULL;
        if (dla_cred_list(app->store, dla_cli_opt(argc, argv, "--tenant"), cred_print, arr,
                          &err) != DLA_OK) {
            json_decref(arr);
            return dla_cli_fail(json, "credential list", 1, "%s", err.msg);
        }
        return json ? dla_cli_print_json(json_pack("{s:o}", "credentials", arr)) : 0;
    }
    if (strcmp(sub, "revoke") == 0) {
        const char *key = argc > 2 && argv[2][0] != '-' ? argv[2] : dla_cli_opt(argc, argv, "--key");
        if (!key)
            return dla_cli_fail(json, "credential revoke", 2, "usage: dla credential revoke KEY");
        if (dla_cred_revoke(app->store, key, &err) != DLA_OK)
            return dla_cli_fail(json, "credential revoke", 1, "%s", err.msg);
        if (json)
            return dla_cli_print_json(json_pack("{s:s,s:b}", "key", key, "revoked", 1));
        printf("credential %s revoked\n", key);
        return 0;
    }
    return dla_cli_fail(json, "credential", 2, "usage: dla credential add|list|revoke");
}

/* ---- token --------------------------------------------------------------------------- */

static int cmd_token(dla_app_t *app, int argc, char **argv)
{
    int json = dla_cli_flag(argc, argv, "--json");
    dla_err_t err = {0};
    const char *tenant = dla_cli_opt(argc, argv, "--tenant");
    const char *user = dla_cli_opt(argc, argv, "--user");
    const char *role = dla_cli_opt(argc, argv, "--role");
    const char *locale = dla_cli_opt(argc, argv, "--locale");
    const char *ttl = dla_cli_opt(argc, argv, "--ttl");
    const char *name = dla_cli_opt(argc, argv, "--name");
    const char *issuer = dla_cli_opt(argc, argv, "--issuer");
    if (!tenant || !user)
        return dla_cli_fail(json, "token", 2,
                            "usage: dla token --tenant T --user U [--role R] [--locale lt|en] "
                            "[--ttl SECONDS] [--name NAME] [--issuer URL]");
    dla_tenant_t tn;
    if (dla_tenant_get(app->store, tenant, &tn) != DLA_OK)
        return dla_cli_fail(json, "token", 1, "no tenant \"%s\"", tenant);
    unsigned roles = DLA_ROLE_LEARNER;
    if (role && dla_role_parse(role, &roles) != DLA_OK)
        return dla_cli_fail(json, "token", 2, "unknown role \"%s\" (learner, supervisor, hr, admin)",
                            role);
    dla_identity_t id = {0};
    snprintf(id.tenant, sizeof id.tenant, "%s", tenant);
    snprintf(id.issuer, sizeof id.issuer, "%s", issuer ? issuer : app->base_url);
    snprintf(id.subject, sizeof id.subject, "%s", user);
    snprintf(id.name, sizeof id.name, "%s", name ? name : user);
    snprintf(id.locale, sizeof id.locale, "%s", dla_i18n_lang(locale));
    id.roles = roles;
    if (dla_identity_upsert(app->store, &id, &err) != DLA_OK)
        return dla_cli_fail(json, "token", 1, "%s", err.msg);
    dla_session_t s = {0};
    snprintf(s.tenant, sizeof s.tenant, "%s", tenant);
    snprintf(s.user_id, sizeof s.user_id, "%s", id.user_id);
    snprintf(s.locale, sizeof s.locale, "%s", id.locale);
    s.roles = roles;
    if (dla_session_open(app->store, &s, ttl ? strtoll(ttl, NULL, 10) : 0, &err) != DLA_OK)
        return dla_cli_fail(json, "token", 1, "%s", err.msg);
    if (json)
        return dla_cli_print_json(json_pack("{s:s,s:s,s:s,s:I}", "token", s.token, "user_id",
                                            id.user_id, "tenant", tenant, "expires",
                                            (json_int_t)s.expires));
    puts(s.token);
    return 0;
}

/* ---- init ------------------------------------------------------------------------------ */

static int cmd_init(dla_app_t *app, int argc, char **argv)
{
    int json = dla_cli_flag(argc, argv, "--json");
    dla_err_t err = {0};
    const char *tenant = dla_cli_opt(argc, argv, "--tenant");
    if (!tenant)
        tenant = "demo";
    char path[1200];
    snprintf(path, sizeof path, "%s/demo-credentials.json", app->data_dir);
    dla_tenant_t tn;
    json_t *creds = NULL;
    int created = 0;
    if (dla_tenant_get(app->store, tenant, &tn) != DLA_OK) {
        if (dla_tenant_add(app->store, tenant, "Demonstracinė institucija / Demo institution",
                           &err) != DLA_OK)
            return dla_cli_fail(json, "init", 1, "%s", err.msg);
        char key[64], secret[64];
        if (dla_cred_add(app->store, tenant, DLA_SCOPE_ALL, "demo", key, secret, &err) !=
            DLA_OK)
            return dla_cli_fail(json, "init", 1, "%s", err.msg);
        creds = json_pack("{s:s,s:s,s:s}", "tenant", tenant, "key", key, "secret", secret);
        /* The demo secret is kept readable to the owner only, so `make run` can show it. */
        FILE *f = fopen(path, "w");
        if (!f || json_dumpf(creds, f, JSON_INDENT(2)) != 0) {
            if (f)
                fclose(f);
            json_decref(creds);
            return dla_cli_fail(json, "init", 1, "could not write \"%s\": %s", path,
                                strerror(errno));
        }
        fclose(f);
        chmod(path, 0600);
        created = 1;
    } else {
        creds = json_load_file(path, 0, NULL);
        if (!creds)
            creds = json_pack("{s:s}", "tenant", tenant);
    }
    json_object_set_new(creds, "created", json_boolean(created));
    json_object_set_new(creds, "data_dir", json_string(app->data_dir));
    if (json)
        return dla_cli_print_json(creds);
    printf("data dir: %s (%s)\n", app->data_dir, created ? "created" : "already initialised");
    printf("tenant:   %s\n", tenant);
    const char *k = json_string_value(json_object_get(creds, "key"));
    const char *s = json_string_value(json_object_get(creds, "secret"));
    if (k && s)
        printf("LRS key:  %s\nLRS secret: %s\n", k, s);
    json_decref(creds);
    return 0;
}

int dla_cli_core_only(const char *cmd)
{
    /* init prepares what modules need (the demo tenant): it runs before them. */
    return strcmp(cmd, "init") == 0;
}

const dla_cli_cmd_t *dla_core_cli_commands(void)
{
    static const dla_cli_cmd_t cmds[] = {
        {"init", "init [--tenant demo] [--json]        create the data dir, demo tenant and LRS credential",
         cmd_init},
        {"tenant", "tenant add ID [--name N] | list [--json]", cmd_tenant},
        {"credential",
         "credential add --tenant T [--scope S]... [--name N] | list [--tenant T] | revoke KEY [--json]",
         cmd_credential},
        {"token", "token --tenant T --user U [--role R] [--locale lt|en] [--ttl S] [--json]   mint a session token",
         cmd_token},
        {NULL, NULL, NULL}};
    return cmds;
}
