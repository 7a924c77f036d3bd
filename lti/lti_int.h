/* lti_int.h - private interfaces of the LTI tool provider (lti/ only).
 *
 * Layout:
 *   lti_oauth.c     OAuth 1.0a (liboauth recipe): verify launches, sign requests,
 *                   parse Authorization headers
 *   lti_pox.c       LTI 1.1 Basic Outcomes POX XML (libxml2)
 *   lti_jwt.c       JWS verification and signing (cjose), claim checks
 *   lti_keys.c      the tool's RSA keys (store-backed, rotation with overlap)
 *   lti_reg.c       consumers (1.1) and platforms (1.3) in the store; CLI
 *   lti_curl.c      outgoing HTTP (libcurl)
 *   lti_launch.c    /lti/login, /lti/launch (1.1 and 1.3), sessions
 *   lti_select.c    Deep Linking 2.0 and Content-Item selection
 *   lti_services.c  Basic Outcomes, AGS, NRPS, the grade sink, /api/v1/roster
 *   lti_register.c  Dynamic Registration
 *   lti_demo.c      the built-in demo LMS at /demo
 *   lti_demo_svc.c  the demo LMS's token, AGS, NRPS, Outcomes and gradebook
 *   lti_util.c      pure helpers: tokens, escaping, language, role mapping
 *   lti_module.c    config, routes, module life cycle
 */
#ifndef DLA_LTI_INT_H
#define DLA_LTI_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <cjose/cjose.h>
#include <jansson.h>

#include "dla_app.h"
#include "dla_arena.h"
#include "dla_err.h"
#include "dla_form.h"
#include "dla_http.h"

/* ---- limits ------------------------------------------------------------------- */
#define LTI_MAX_FORM (64 * 1024) /* launch form bodies */
#define LTI_MAX_FORM_PAIRS 400
#define LTI_MAX_JWT (48 * 1024)     /* compact id_token */
#define LTI_MAX_POX (64 * 1024)     /* POX XML both ways */
#define LTI_MAX_FETCH (1024 * 1024) /* any fetched document */
#define LTI_MAX_AUTHZ 8192          /* Authorization header */
#define LTI_OAUTH_WINDOW 300        /* seconds, 1.1 timestamp window */

/* ---- OAuth 1.0a (lti_oauth.c) -------------------------------------------------- */

typedef struct lti_param_s {
    const char *name;
    const char *value;
} lti_param_t;

typedef struct lti_params_s {
    lti_param_t *v; /* arena-owned */
    size_t n, cap;
} lti_params_t;

/* Appends a copy-free pair (strings must outlive the list). */
int lti_params_add(dla_arena_t *a, lti_params_t *p, const char *name, const char *value);
/* First value of `name` or NULL. */
const char *lti_params_get(const lti_params_t *p, const char *name);

/* Parses an `Authorization: OAuth k="v", ...` header into decoded pairs (realm
 * included, the caller skips it). DLA_EINVAL on syntax errors or when the header
 * is not an OAuth one. Arena-owned. */
int lti_oauth_parse_header(dla_arena_t *a, const char *hdr, lti_params_t *out,
                           dla_err_t *err);

/* Computes the HMAC-SHA1 signature (base64) of `params` (decoded, oauth_signature
 * and realm excluded by this function) for `method` and `url` (the public URL,
 * normalised here) with the consumer secret. Returns a new arena string, or NULL
 * (err set) on invalid input (NUL bytes, '=' in names, ENOMEM). */
char *lti_oauth_signature(dla_arena_t *a, const char *method, const char *url,
                          const lti_params_t *params, const char *secret, dla_err_t *err);

/* The signature base string (RFC 5849 3.4.1) as the verifier builds it. Arena. */
char *lti_oauth_base_string(dla_arena_t *a, const char *method, const char *url,
                            const lti_params_t *params, dla_err_t *err);

/* The same, built literally as the recipe says (oauth_cmpstringp sort and
 * oauth_serialize_url_parameters): slower, the oracle for tests and fuzzing. */
char *lti_oauth_base_string_recipe(dla_arena_t *a, const char *method, const char *url,
                                   const lti_params_t *params, dla_err_t *err);

/* Normalises a URL for the base string: lowercase scheme and host, default port
 * dropped, query and fragment removed. Arena string or NULL when not http(s). */
char *lti_oauth_base_url(dla_arena_t *a, const char *url);

/* Verifies `params` (must hold oauth_signature) signed with `secret`:
 * constant-time compare. DLA_OK or DLA_EAUTH (err says why). */
int lti_oauth_verify(dla_arena_t *a, const char *method, const char *url,
                     const lti_params_t *params, const char *secret, dla_err_t *err);

/* Adds oauth_consumer_key, oauth_nonce, oauth_timestamp, oauth_version,
 * oauth_signature_method (and oauth_body_hash when body_hash != NULL) to
 * `params`, then oauth_signature. */
int lti_oauth_sign(dla_arena_t *a, const char *method, const char *url,
                   lti_params_t *params, const char *key, const char *secret,
                   const char *body_hash, dla_err_t *err);

/* "OAuth realm=\"\", k=\"v\", ..." from the oauth_* entries of `params`. */
char *lti_oauth_header(dla_arena_t *a, const lti_params_t *params);

/* base64(SHA1(body)) as liboauth computes it (without the "oauth_body_hash="
 * prefix). Arena string. */
char *lti_oauth_body_hash(dla_arena_t *a, const char *body, size_t len);

/* Decodes a form body (and optional query string) into params. Arena-owned. */
int lti_form_params(dla_arena_t *a, const char *body, size_t len, const char *query,
                    lti_params_t *out, dla_err_t *err);

/* ---- POX (lti_pox.c) ----------------------------------------------------------- */

typedef enum { LTI_POX_REPLACE, LTI_POX_READ, LTI_POX_DELETE } lti_pox_op_t;

/* Builds a request envelope. Returns a new malloc()ed XML string (caller frees). */
char *lti_pox_build(lti_pox_op_t op, const char *msg_id, const char *sourcedid,
                    double score, const char *lang, size_t *len_out);

typedef struct lti_pox_resp_s {
    char code_major[32]; /* success | processing | failure | unsupported */
    char description[256];
    char op[64]; /* e.g. replaceResultResponse (from imsx_operationRefIdentifier
                    or the body's element name) */
    int has_score;
    double score; /* readResultResponse */
} lti_pox_resp_t;

/* Parses a response (or, with request = 1, a request: then op is the request
 * element name, score/sourcedid filled). Size-limited, no network, no entity
 * expansion. DLA_EINVAL on malformed XML. */
int lti_pox_parse(const char *xml, size_t len, int request, lti_pox_resp_t *out,
                  char *sourcedid, size_t sourcedid_cap, dla_err_t *err);

/* ---- JWT (lti_jwt.c) ----------------------------------------------------------- */

/* Splits a compact JWS and returns the decoded header and payload as new json_t
 * (caller decrefs) without verifying. DLA_EINVAL on malformed input. */
int lti_jwt_decode(const char *jwt, size_t len, json_t **header, json_t **payload,
                   dla_err_t *err);

/* Verifies `jwt` with `jwk` (RS256 only: the header's alg is checked first).
 * DLA_OK or DLA_EAUTH. */
int lti_jwt_verify_sig(const char *jwt, size_t len, const cjose_jwk_t *jwk,
                       dla_err_t *err);

/* Finds the key with `kid` in a JWKS ({"keys":[...]}); returns a new cjose key
 * (caller releases with cjose_jwk_release) or NULL. Only RSA keys with use "sig"
 * (or no use) qualify. */
cjose_jwk_t *lti_jwks_find(json_t *jwks, const char *kid);

typedef struct lti_claims_req_s {
    const char *iss; /* required issuer */
    const char *aud; /* client id that must be in aud */
    int64_t now;
    int leeway; /* seconds */
} lti_claims_req_t;

/* Checks iss, aud/azp, exp, iat, nbf. DLA_EAUTH / DLA_EEXPIRED with err. */
int lti_jwt_check_claims(json_t *payload, const lti_claims_req_t *req, dla_err_t *err);

/* Signs `payload` (borrowed) with `jwk` (RS256, kid in header). Returns a new
 * malloc()ed compact JWS or NULL (err set). */
char *lti_jwt_sign(json_t *payload, const cjose_jwk_t *jwk, dla_err_t *err);

/* ---- tool keys (lti_keys.c) ------------------------------------------------------ */

typedef struct lti_keys_s lti_keys_t;

/* Loads (creating the first key if none) the tool's key set from the store. */
int lti_keys_open(dla_store_t *st, int overlap, lti_keys_t **out, dla_err_t *err);
void lti_keys_close(lti_keys_t *k);
/* The current signing key (retained: caller releases with cjose_jwk_release). */
cjose_jwk_t *lti_keys_current(lti_keys_t *k);
/* The public JWKS (current + keys within the overlap window): new json_t. */
json_t *lti_keys_jwks(lti_keys_t *k);
/* Generates a new current key; the previous one stays published for `overlap`
 * seconds. Fills kid_out[64]. */
int lti_keys_rotate(lti_keys_t *k, char *kid_out, dla_err_t *err);

/* ---- registrations (lti_reg.c) --------------------------------------------------- */

typedef struct lti_consumer_s {
    char key[256];
    char secret[256];
    char tenant[64];
    int64_t created;
} lti_consumer_t;

typedef struct lti_platform_s {
    char tenant[64];
    char issuer[512];
    char client_id[256];
    char auth_url[512];
    char token_url[512];
    char jwks_url[512];
    char auth_audience[512];
    json_t *jwks;               /* static key set (optional; owned) */
    json_t *deployments;        /* array of strings (owned) */
    int accept_new_deployments; /* add unknown deployment ids of verified launches */
    int64_t created;
} lti_platform_t;

int lti_reg_init(dla_store_t *st, dla_err_t *err);
int lti_consumer_put(dla_store_t *st, const lti_consumer_t *c, dla_err_t *err);
int lti_consumer_get(dla_store_t *st, const char *key, lti_consumer_t *out);
int lti_consumer_del(dla_store_t *st, const char *key);

/* Upserts a platform keyed by (issuer, client_id). */
int lti_platform_put(dla_store_t *st, const lti_platform_t *p, dla_err_t *err);
/* Fills *out (caller frees with lti_platform_clear). client_id may be NULL:
 * then the issuer must have exactly one registration (DLA_ECONFLICT if more). */
int lti_platform_get(dla_store_t *st, const char *issuer, const char *client_id,
                     lti_platform_t *out);
int lti_platform_del(dla_store_t *st, const char *issuer, const char *client_id);
void lti_platform_clear(lti_platform_t *p);
int lti_platform_has_deployment(const lti_platform_t *p, const char *deployment_id);
json_t *lti_platform_json(const lti_platform_t *p, int with_jwks);
int lti_platform_from_json(json_t *j, lti_platform_t *out);

/* ---- outgoing HTTP (lti_curl.c) ------------------------------------------------- */

typedef struct lti_http_resp_s {
    long status;
    char *body; /* malloc()ed, NUL-terminated */
    size_t len;
    char *link_next; /* malloc()ed Link rel="next" target or NULL */
    char content_type[128];
} lti_http_resp_t;

/* Performs a request. headers: NULL-terminated "Name: value" list. body may be
 * NULL (GET). Fills *resp (caller frees with lti_http_resp_free). DLA_EUPSTREAM
 * when the connection fails; any HTTP status is DLA_OK. */
int lti_http(const char *method, const char *url, const char *const *headers,
             const char *body, size_t body_len, lti_http_resp_t *resp, dla_err_t *err);
void lti_http_resp_free(lti_http_resp_t *r);

/* ---- module state ---------------------------------------------------------------- */

typedef struct lti_jwks_cache_s lti_jwks_cache_t;
typedef struct lti_tokens_s lti_tokens_t;

typedef struct lti_state_s {
    dla_app_t *app;
    lti_keys_t *keys;
    int leeway;           /* JWT clock leeway, seconds */
    int jwks_ttl;         /* platform JWKS cache, seconds */
    int jwks_refetch_min; /* min seconds between refetches on an unknown kid */
    int session_ttl;
    int launch_ttl; /* grade-service records */
    int key_overlap;
    int oauth_window;
    json_t *registration_tenants; /* DR allowed tenants (array, borrowed from cfg) */
    char launch_url[600];         /* <base>/lti/launch */
    char login_url[600];
    char jwks_url[600];
    lti_jwks_cache_t *jwks_cache;
    lti_tokens_t *tokens;
    struct lti_gradeq_s *gradeq;
    void *demo;                      /* lti_demo.c state or NULL */
    struct lti_demo_svc_s *demo_svc; /* lti_demo_svc.c state or NULL */
} lti_state_t;

/* Cached platform JWKS: returns a new key for kid (caller releases) or NULL
 * after at most one (rate-limited) refetch. Static keys of the registration win. */
cjose_jwk_t *lti_platform_key(lti_state_t *st, const lti_platform_t *p, const char *kid,
                              dla_err_t *err);
int lti_jwks_cache_new(lti_jwks_cache_t **out);
void lti_jwks_cache_free(lti_jwks_cache_t *c);

/* ---- launches (lti_launch.c) ---------------------------------------------------- */

/* Maps LTI role URIs / names (1.1 comma list or 1.3 array) to DLA_ROLE_* bits
 * (lti_util.c); an empty or unknown set is a learner. */
unsigned lti_roles_map11(const char *roles);
unsigned lti_roles_map13(json_t *roles);

/* Loads a launch record (new json_t) or NULL. */
json_t *lti_launch_load(lti_state_t *st, const char *id);

/* All writes of one launch, done by lti_launch_commit: upsert the identity (when
 * `ident_write`; durable, main environment, first), then in one group-committed
 * transaction of the TTL environment: consume the 1.3 login state (when
 * `state`), mark the nonce used (DLA_EREPLAY when it was), store the launch record
 * (when `rec`; its id into launch_id[64]), open the session (when `sess`; its
 * launch field is set to the launch id). Borrowed pointers. */
typedef struct lti_launch_write_s {
    lti_state_t *st;
    const char *state;
    const char *nonce_ns, *nonce_key;
    size_t nonce_klen;
    int64_t nonce_exp;
    char nonce_buf[700];
    json_t *rec;
    char *launch_id;
    dla_identity_t *ident;
    int ident_write;
    dla_session_t *sess;
    int64_t sess_ttl;
} lti_launch_write_t;

/* Runs w through the store's group commits (identity, then TTL records). DLA_EREPLAY
 * (nonce used), DLA_ENOTFOUND (state used), or another error with err filled. */
int lti_launch_commit(lti_state_t *st, lti_launch_write_t *w, dla_err_t *err);

/* Identity + session (+ w's nonce and launch record) in one commit, then 303 to
 * the UI. A used nonce or state is answered with `replay_status`. */
void lti_finish_launch(lti_state_t *st, dla_req_t *req, dla_identity_t *ident,
                       const char *context, lti_launch_write_t *w, int replay_status);

/* Error page (HTML, lt/en) or redirect to return_url with lti_errormsg. key is an
 * i18n key from config/i18n/<lang>/lti.json. */
void lti_fail(dla_req_t *req, int status, const char *lang, const char *key,
              const char *return_url, const char *detail);

void lti_h_login(dla_req_t *req, void *ud);
void lti_h_launch(dla_req_t *req, void *ud);
void lti_h_jwks(dla_req_t *req, void *ud);

/* 1.3 launch core: verifies id_token against the state record (read only) and
 * the registration; on success fills *payload (new) and *plat. The caller then
 * consumes the state with lti_consume_launch. */
int lti_verify_id_token(lti_state_t *st, const char *id_token, const char *state,
                        json_t **payload, lti_platform_t *plat, dla_err_t *err);

/* Prepares the consumption of the login state, the nonce and (when rec != NULL)
 * the launch record as a launch write in *w (nothing is written yet: commit it
 * with lti_launch_commit, or through lti_finish_launch). */
int lti_consume_launch(lti_state_t *st, const char *state, json_t *payload, json_t *rec,
                       char *launch_id, lti_launch_write_t *w, dla_err_t *err);

/* ---- selection (lti_select.c) --------------------------------------------------- */
void lti_select_page(lti_state_t *st, dla_req_t *req, json_t *ctx, const char *lang);
void lti_h_select(dla_req_t *req, void *ud);

/* ---- services (lti_services.c) ------------------------------------------------- */
/* The grade sink set as app->grade: DLA_ENOTFOUND when the session's launch has
 * no grade service, else queues the passback (background thread) and returns. */
int lti_grade(void *ctx, const dla_session_t *sess, double score, const char *comment,
              dla_err_t *err);
/* Sends the passback now (LTI 1.1 Outcomes or 1.3 AGS) and waits for the LMS. */
int lti_grade_sync(lti_state_t *st, const dla_session_t *sess, double score,
                   const char *comment, dla_err_t *err);
typedef struct lti_gradeq_s lti_gradeq_t;
int lti_gradeq_new(lti_state_t *st, lti_gradeq_t **out);
/* Stops the grade thread (jobs still queued are logged and dropped). */
void lti_gradeq_free(lti_gradeq_t *q);
void lti_h_roster(dla_req_t *req, void *ud);
int lti_tokens_new(lti_tokens_t **out);
void lti_tokens_free(lti_tokens_t *t);
/* Outcomes request (1.1). */
int lti_outcome_send(lti_state_t *st, json_t *rec, lti_pox_op_t op, double score,
                     lti_pox_resp_t *resp, dla_err_t *err);
/* AGS score (1.3). */
int lti_ags_score(lti_state_t *st, json_t *rec, double score, const char *comment,
                  dla_err_t *err);
/* NRPS members of the launch's context: new json array (all pages). */
int lti_nrps_members(lti_state_t *st, json_t *rec, json_t **out, dla_err_t *err);

/* ---- dynamic registration (lti_register.c), demo (lti_demo.c) ------------------- */
void lti_h_register(dla_req_t *req, void *ud);
int lti_demo_init(lti_state_t *st, dla_err_t *err);
void lti_demo_fini(lti_state_t *st);
typedef struct lti_demo_svc_s lti_demo_svc_t;
/* The demo LMS's token, AGS, NRPS, Outcomes and gradebook routes (in memory). */
int lti_demo_svc_init(lti_state_t *st, const char *secret, dla_err_t *err);
void lti_demo_svc_free(lti_state_t *st);

/* Suspends `req` and runs fn(req, ud) on a short-lived thread, which answers and
 * resumes it (503 when too many are in flight). For handlers that call the LMS. */
void lti_offload(dla_req_t *req, dla_handler_fn fn, void *ud);

/* ---- small helpers (lti_module.c) ----------------------------------------------- */
/* HTML-escapes s into a new arena string. */
char *lti_html_escape(dla_arena_t *a, const char *s);
/* A JavaScript string literal (JSON, with '<' escaped) in a new arena string. */
char *lti_js_string(dla_arena_t *a, const char *s);
/* An auto-submitting form page posting `fields` (name/value pairs) to `action`. */
void lti_autopost(dla_req_t *req, const char *lang, const char *action,
                  const lti_params_t *fields);
/* "lt" or "en" from a launch locale / Accept-Language. */
const char *lti_lang(const char *locale);
/* Random base64url token of n bytes into out (cap >= 2n). */
int lti_random_token(char *out, size_t cap, size_t nbytes);
/* Copies src into dst[cap], failing (DLA_ETOOBIG) when it does not fit. */
int lti_strcpy(char *dst, size_t cap, const char *src);

#endif
