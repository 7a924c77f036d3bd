/* main.c - the `dla` binary: `dla serve` and the admin commands. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dla_api.h"
#include "dla_cli.h"
#include "dla_log.h"
#include "dla_plugins.h"
#include "dla_lti.h"
#include "dla_xapi.h"

int main(int argc, char **argv);

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int cmd_serve(dla_app_t *app, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    dla_err_t err = {0};
    const dla_server_cfg_t *sc = dla_config_server(app->cfg);
    dla_http_opts_t ho = {sc->listen, sc->threads, sc->max_body, 0, sc->access_log};
    dla_http_t *http = NULL;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (dla_http_start(&ho, app->router, &http, &err) != DLA_OK) {
        fprintf(stderr, "dla: %s\n", err.msg);
        return 1;
    }
    dla_log(DLA_LOG_INFO, "dla %s serving on http://%s (public %s, data %s)", DLA_VERSION,
            sc->listen, app->base_url, app->data_dir);
    time_t last_sweep = 0;
    while (!g_stop) {
        usleep(200 * 1000);
        time_t now = time(NULL);
        if (now - last_sweep >= 60) {
            last_sweep = now;
            int n = dla_ttl_sweep(app->store, (int64_t)now, 10000, NULL);
            if (n > 0)
                dla_log(DLA_LOG_DEBUG, "store: swept %d expired records", n);
        }
    }
    dla_log(DLA_LOG_INFO, "dla: shutting down");
    dla_http_stop(http);
    return 0;
}

static void usage(FILE *f, const dla_cli_cmd_t *const *tables, size_t ntables)
{
    fprintf(f, "dla %s - digital-skills academy service (LTI tool, xAPI LRS, DigComp diagnostic)\n\n"
               "usage: dla COMMAND [ARGS]\n\n"
               "  serve                                 run the service (DLA_CONFIG, DLA_LISTEN, DLA_DATA_DIR)\n"
               "  help                                  this list\n",
            DLA_VERSION);
    for (size_t t = 0; t < ntables; t++)
        for (const dla_cli_cmd_t *c = tables[t]; c->name; c++)
            fprintf(f, "  %s\n", c->usage);
    fprintf(f, "\nAdmin commands take --json and then print one JSON object.\n");
}

int main(int argc, char **argv)
{
    const dla_cli_cmd_t *tables[] = {dla_core_cli_commands(), dla_xapi_cli_commands(),
                                     dla_lti_cli_commands(), dla_api_cli_commands(),
                                     dla_plugins_cli_commands()};
    size_t ntables = sizeof tables / sizeof tables[0];
    const char *cmd = argc > 1 ? argv[1] : "help";
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout, tables, ntables);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("dla %s\n", DLA_VERSION);
        return 0;
    }
    const dla_cli_cmd_t *found = NULL;
    for (size_t t = 0; t < ntables && !found; t++)
        for (const dla_cli_cmd_t *c = tables[t]; c->name; c++)
            if (strcmp(c->name, cmd) == 0) {
                found = c;
                break;
            }
    if (!found && strcmp(cmd, "serve") != 0) {
        fprintf(stderr, "dla: unknown command \"%s\" (see dla help)\n", cmd);
        return 2;
    }
    dla_app_t *app = dla_cli_app_open(!dla_cli_core_only(cmd));
    if (!app)
        return 1;
    int rc = found ? found->run(app, argc - 1, argv + 1) : cmd_serve(app, argc - 1, argv + 1);
    dla_cli_app_close(app);
    return rc;
}
