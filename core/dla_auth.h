/* dla_auth.h - tenants, LRS credentials, identities, sessions and roles.
 *
 * Every record belongs to a tenant (an institution). Tenant ids are short
 * slugs ([a-z0-9-], 1..63). All functions take the shared store; each runs in
 * its own transaction unless a *_txn variant is used. Thread-safe.
 */
#ifndef DLA_AUTH_H
#define DLA_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "dla_err.h"
#include "dla_store.h"

/* ---- roles ------------------------------------------------------------------ */
#define DLA_ROLE_LEARNER 0x1u
#define DLA_ROLE_SUPERVISOR 0x2u
#define DLA_ROLE_HR 0x4u
#define DLA_ROLE_ADMIN 0x8u

/* Parses "learner", "supervisor", "hr", "admin" (or a comma list). */
int dla_role_parse(const char *s, unsigned *out);
/* Writes a comma list ("learner,hr") into buf. */
void dla_role_format(unsigned roles, char *buf, size_t cap);

/* ---- xAPI scopes ------------------------------------------------------------ */
#define DLA_SCOPE_STATEMENTS_WRITE 0x01u
#define DLA_SCOPE_STATEMENTS_READ 0x02u
#define DLA_SCOPE_STATEMENTS_READ_MINE 0x04u
#define DLA_SCOPE_STATE 0x08u
#define DLA_SCOPE_DEFINE 0x10u
#define DLA_SCOPE_PROFILE 0x20u
#define DLA_SCOPE_ALL_READ 0x40u
#define DLA_SCOPE_ALL 0x80u
/* Parses one xAPI scope name ("statements/write", ..., "all"). */
int dla_scope_parse(const char *s, unsigned *out);
/* Space-separated scope names into buf. */
void dla_scope_format(unsigned scopes, char *buf, size_t cap);

/* ---- tenants ---------------------------------------------------------------- */
typedef struct dla_tenant_s {
    char id[64];
    char name[128];
    int64_t created;
} dla_tenant_t;

/* Registers the databases this module uses; call once after dla_store_open. */
int dla_auth_init(dla_store_t *s, dla_err_t *err);

int dla_tenant_add(dla_store_t *s, const char *id, const char *name, dla_err_t *err);
int dla_tenant_get(dla_store_t *s, const char *id, dla_tenant_t *out);
/* Calls fn for each tenant in id order; stops when fn returns non-zero. */
int dla_tenant_list(dla_store_t *s, int (*fn)(void *ctx, const dla_tenant_t *t), void *ctx,
                    dla_err_t *err);
int dla_tenant_valid_id(const char *id);

/* ---- LRS credentials (HTTP Basic key + secret, secret stored hashed) -------- */
typedef struct dla_cred_s {
    char key[64];
    char tenant[64];
    unsigned scopes;
    int revoked;
    int64_t created;
    char name[128]; /* optional label */
} dla_cred_t;

/* Creates a credential; the secret is returned once in secret_out (NUL-terminated,
 * cap >= 64) and only its salted SHA-256 is stored. key_out cap >= 64. */
int dla_cred_add(dla_store_t *s, const char *tenant, unsigned scopes, const char *name,
                 char *key_out, char *secret_out, dla_err_t *err);
/* Verifies key/secret (constant-time). DLA_EAUTH when unknown, revoked or wrong.
 * Fills *out on success. */
int dla_cred_check(dla_store_t *s, const char *key, const char *secret, dla_cred_t *out);
int dla_cred_revoke(dla_store_t *s, const char *key, dla_err_t *err);
/* Calls fn for each credential (all tenants when tenant == NULL). */
int dla_cred_list(dla_store_t *s, const char *tenant,
                  int (*fn)(void *ctx, const dla_cred_t *c), void *ctx, dla_err_t *err);

/* ---- identities --------------------------------------------------------------
 * A learner is (tenant, platform issuer, subject). Their stable user id is an
 * opaque hex string derived from that triple; the profile JSON is free-form. */
typedef struct dla_identity_s {
    char user_id[65];  /* opaque, stable */
    char tenant[64];
    char issuer[512];  /* platform issuer / 1.1 consumer homepage */
    char subject[256]; /* LTI sub or 1.1 user_id */
    char name[256];    /* display name, may be empty */
    unsigned roles;
    char locale[8];    /* "lt" or "en" */
    int64_t updated;
} dla_identity_t;

/* Creates or updates the identity; fills id->user_id (derived). */
int dla_identity_upsert(dla_store_t *s, dla_identity_t *id, dla_err_t *err);
/* Same inside the caller's write transaction `t` (committed by the caller). */
int dla_identity_upsert_txn(dla_txn_t *t, dla_identity_t *id, dla_err_t *err);
int dla_identity_get(dla_store_t *s, const char *tenant, const char *user_id,
                     dla_identity_t *out);
/* Derives the opaque user id for (tenant, issuer, subject) into out[65]. */
void dla_identity_user_id(const char *tenant, const char *issuer, const char *subject,
                          char out[65]);

/* ---- sessions ----------------------------------------------------------------
 * Random 256-bit tokens (base64url, 43 chars), server-side, expiring: TTL records
 * in the store's TTL environment (lost, like every TTL record, when the OS
 * crashes: the user then launches again). */
typedef struct dla_session_s {
    char token[64];
    char tenant[64];
    char user_id[65];
    unsigned roles;
    char locale[8];
    int64_t expires;
    char context[256]; /* launch context (course) id, may be empty */
    char launch[64];   /* id of the stored launch record (grades back), may be empty */
} dla_session_t;

/* Opens a session lasting ttl seconds; sess->token is filled. */
int dla_session_open(dla_store_t *s, dla_session_t *sess, int64_t ttl, dla_err_t *err);
/* Same inside the caller's TTL write transaction `t` (committed by the caller), so
 * a launch writes nonce, launch record and session in one commit. */
int dla_session_open_txn(dla_ttl_txn_t *t, dla_session_t *sess, int64_t ttl,
                         dla_err_t *err);
/* DLA_OK and *out, or DLA_ENOTFOUND (unknown or expired). */
int dla_session_get(dla_store_t *s, const char *token, dla_session_t *out);
int dla_session_close(dla_store_t *s, const char *token);

/* ---- utilities -------------------------------------------------------------- */
/* Fills buf with n cryptographically random bytes. */
int dla_random_bytes(void *buf, size_t n);
/* base64url (no padding) of n bytes into out (cap >= 4*n/3+2). */
void dla_b64url(const unsigned char *in, size_t n, char *out);
/* Constant-time equality of two NUL-terminated strings (length leaks only). */
int dla_ct_streq(const char *a, const char *b);
/* Lowercase hex SHA-256 of data into out[65]. */
void dla_sha256_hex(const void *data, size_t n, char out[65]);
/* Current Unix time in seconds (overridable in tests via DLA_FAKE_NOW). */
int64_t dla_now(void);

#endif
