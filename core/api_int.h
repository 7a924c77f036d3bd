/* api_int.h - private state and helpers of the app API (core/api_*.c). */
#ifndef DLA_API_INT_H
#define DLA_API_INT_H

#include <jansson.h>

#include "dla_api.h"
#include "dla_cat.h"
#include "dla_diag.h"
#include "dla_framework.h"
#include "dla_store.h"

#define API_MAX_FW 8
#define API_MAX_BODY (16u * 1024u)
#define API_NS "https://w3id.org/dla/xapi/ext/"

typedef struct api_fw_s {
    dla_framework_t *fw;
    dla_diag_bank_t bank;
} api_fw_t;

typedef struct api_s {
    dla_app_t *app;
    api_fw_t fws[API_MAX_FW];
    int n_fws;
    int def_fw;
    json_t *roles; /* array of validated role profiles */
    dla_cat_opts_t cat;
    dla_db_t db_profile, db_diag, db_active, db_user, db_exposure, db_cal, db_items, db_roles;
} api_t;

/* ---- api_main.c ---- */
/* Framework by id (NULL when unknown). */
api_fw_t *api_fw_find(api_t *a, const char *id);
/* Shipped role profile by id (borrowed, NULL when unknown). */
json_t *api_role_find(api_t *a, const char *id);
/* Validates a role profile document (strict; messages name `file`). */
int api_role_check(api_t *a, const char *file, const json_t *doc, dla_err_t *err);
/* The tenant's role profile `id` (stored ones first, then shipped): a new
 * reference, or NULL. `t` is a read transaction (may be NULL: shipped only). */
json_t *api_role_get(api_t *a, dla_txn_t *t, const char *tenant, const char *id);
/* Shipped profiles overlaid with the tenant's: a new array. */
json_t *api_roles_list(api_t *a, dla_txn_t *t, const char *tenant);
/* Error response with a message from the i18n catalog key `key` in `lang`. */
void api_error(dla_req_t *req, int status, const char *code, const char *lang,
               const char *key);
/* Sends `body` (stolen) as compact JSON with 12 significant digits for reals. */
void api_json(dla_req_t *req, int status, json_t *body);
/* Parses the request body as a JSON object (DLA_OK) or answers 400 and returns
 * DLA_EINVAL. */
int api_body(dla_req_t *req, const char *lang, json_t **out);
/* DLA_OK when every key of `in` is one of `keys` (NULL-terminated); otherwise
 * answers 400 naming the first unknown key and returns DLA_EINVAL. */
int api_only_keys(dla_req_t *req, const char *lang, json_t *in, const char *const *keys);
/* Loads frameworks, banks (with stored items and calibrations) and roles. */
int api_load(api_t *a, dla_err_t *err);
void api_unload(api_t *a);
/* Opens the module's databases. */
int api_open_dbs(api_t *a, dla_err_t *err);

/* ---- api_diag.c ----
 * Route handlers (ud = api_t *): each authenticates the session and answers
 * exactly once (JSON body or JSON error); see docs/api.md. */
void api_route_diag_start(dla_req_t *req, void *ud);
void api_route_diag_list(dla_req_t *req, void *ud);
void api_route_diag_get(dla_req_t *req, void *ud);
void api_route_diag_answer(dla_req_t *req, void *ud);
void api_route_diag_result(dla_req_t *req, void *ud);
/* Active and last finished diagnostic ids of a user into the buffers ("" if none). */
void api_diag_summary(api_t *a, const char *tenant, const char *user, char active[40],
                      char last[40]);
/* Builds the result JSON from stored answers (used when finishing). Returns a new object.
 */
json_t *api_diag_result_build(api_t *a, api_fw_t *f, json_t *diag, const json_t *profile);
/* Reads the profile of a user (new reference, or NULL when none). */
json_t *api_profile_read(api_t *a, dla_txn_t *t, const char *tenant, const char *user);

/* ---- api_xapi.c ---- */
/* Statement for one answer (new object). */
json_t *api_stmt_answer(api_t *a, const char *issuer, const char *user,
                        const json_t *diag, const dla_diag_item_t *it, const char *answer,
                        int correct, double theta, double se, const char *sid);
/* Statement for the result (new object). */
json_t *api_stmt_result(api_t *a, const char *issuer, const char *user,
                        const json_t *diag, const json_t *result, const char *sid);
/* Name-based statement id from the diagnostic id and a suffix into out[37]. */
void api_stmt_id(const char *diag_id, const char *suffix, char out[37]);
/* A random UUID v4 into out[37]. */
int api_uuid4(char out[37]);

/* ---- api_cli.c ---- */
/* The static, NULL-terminated table of the module's CLI commands (borrowed). */
const dla_cli_cmd_t *api_cli_table(void);

#endif
