/* auth.c - tenants, LRS credentials, identities, sessions, roles and scopes. */
#include <ctype.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dla_auth.h"

/* Database handles: one store per process (opened by dla_auth_init). */
static dla_store_t *g_store;
static dla_db_t g_tenants, g_creds, g_idents;

#define SESSION_NS "session"

/* ---- utilities ----------------------------------------------------------------- */

int dla_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0)
            return DLA_EIO;
        p += r;
        n -= (size_t)r;
    }
    return DLA_OK;
}

void dla_b64url(const unsigned char *in, size_t n, char *out)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = tbl[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = tbl[v >> 18];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
    }
    out[o] = '\0';
}

int dla_ct_streq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}

void dla_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    if (EVP_Digest(data, n, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        memset(md, 0, sizeof md);
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

int64_t dla_now(void)
{
    const char *f = getenv("DLA_FAKE_NOW");
    if (f && *f)
        return strtoll(f, NULL, 10);
    return (int64_t)time(NULL);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

/* ---- roles and scopes -------------------------------------------------------- */

typedef struct bit_name_s {
    const char *name;
    unsigned bit;
} bit_name_t;

static const bit_name_t role_names[] = {{"learner", DLA_ROLE_LEARNER},
                                        {"supervisor", DLA_ROLE_SUPERVISOR},
                                        {"hr", DLA_ROLE_HR},
                                        {"admin", DLA_ROLE_ADMIN},
                                        {NULL, 0}};

static const bit_name_t scope_names[] = {
    {"statements/write", DLA_SCOPE_STATEMENTS_WRITE},
    {"statements/read", DLA_SCOPE_STATEMENTS_READ},
    {"statements/read/mine", DLA_SCOPE_STATEMENTS_READ_MINE},
    {"state", DLA_SCOPE_STATE},
    {"define", DLA_SCOPE_DEFINE},
    {"profile", DLA_SCOPE_PROFILE},
    {"all/read", DLA_SCOPE_ALL_READ},
    {"all", DLA_SCOPE_ALL},
    {NULL, 0}};

/* The bit named `name` in table `t`, 0 when unknown. */
static unsigned bit_of(const bit_name_t *t, const char *name)
{
    for (; t->name; t++)
        if (strcmp(name, t->name) == 0)
            return t->bit;
    return 0;
}

/* Writes the names of the bits set in `bits`, separated by `sep`, into buf. */
static void bits_format(const bit_name_t *t, unsigned bits, const char *sep, char *buf,
                        size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (; t->name; t++)
        if (bits & t->bit) {
            int n = snprintf(buf + o, cap > o ? cap - o : 0, "%s%s", o ? sep : "", t->name);
            if (n > 0)
                o += (size_t)n;
        }
}

int dla_role_parse(const char *s, unsigned *out)
{
    unsigned roles = 0;
    char buf[128];
    copy_str(buf, sizeof buf, s);
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        unsigned b = bit_of(role_names, t);
        if (!b)
            return DLA_EINVAL;
        roles |= b;
    }
    if (!roles)
        return DLA_EINVAL;
    *out = roles;
    return DLA_OK;
}

void dla_role_format(unsigned roles, char *buf, size_t cap)
{
    bits_format(role_names, roles, ",", buf, cap);
}

int dla_scope_parse(const char *s, unsigned *out)
{
    unsigned b = s ? bit_of(scope_names, s) : 0;
    if (!b)
        return DLA_EINVAL;
    *out = b;
    return DLA_OK;
}

void dla_scope_format(unsigned scopes, char *buf, size_t cap)
{
    bits_format(scope_names, scopes, " ", buf, cap);
}

/* ---- JSON records ------------------------------------------------------------------ */

static int put_json(dla_txn_t *t, dla_db_t db, const void *key, size_t klen, json_t *j,
                    unsigned flags, dla_err_t *err)
{
    char *s = json_dumps(j, JSON_COMPACT);
    if (!s)
        return dla_err_set(err, DLA_ENOMEM, "out of memory encoding record");
    int rc = dla_kv_put(t, db, key, klen, s, strlen(s), flags, err);
    free(s);
    return rc;
}

static json_t *get_json(dla_txn_t *t, dla_db_t db, const void *key, size_t klen)
{
    dla_val_t v;
    if (dla_kv_get(t, db, key, klen, &v) != DLA_OK)
        return NULL;
    return json_loadb(v.data, v.len, 0, NULL);
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

int dla_auth_init(dla_store_t *s, dla_err_t *err)
{
    int rc;
    if ((rc = dla_store_db(s, "tenants", DLA_DB_CREATE, &g_tenants, err)) != DLA_OK ||
        (rc = dla_store_db(s, "lrs_credentials", DLA_DB_CREATE, &g_creds, err)) != DLA_OK ||
        (rc = dla_store_db(s, "identities", DLA_DB_CREATE, &g_idents, err)) != DLA_OK)
        return rc;
    g_store = s;
    return DLA_OK;
}

static int check_init(dla_store_t *s, dla_err_t *err)
{
    if (g_store != s)
        return dla_err_set(err, DLA_EINVAL, "dla_auth_init was not called for this store");
    return DLA_OK;
}

/* ---- tenants ------------------------------------------------------------------------- */

int dla_tenant_valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)id[i]) || isdigit((unsigned char)id[i]) || id[i] == '-'))
            return 0;
    return id[0] != '-';
}

int dla_tenant_add(dla_store_t *s, const char *id, const char *name, dla_err_t *err)
{
    int rc;
    dla_txn_t *t = NULL;
    json_t *j = NULL;
    if ((rc = check_init(s, err)) != DLA_OK)
        return rc;
    if (!id || !dla_tenant_valid_id(id))
        return dla_err_set(err, DLA_EINVAL,
                           "tenant id \"%s\" must be 1-63 characters of a-z, 0-9 and -", id);
    if (!name)
        name = id;
    if (strlen(name) >= sizeof((dla_tenant_t *)0)->name)
        return dla_err_set(err, DLA_EINVAL, "tenant name is longer than 127 bytes");
    j = json_pack("{s:s,s:s,s:I}", "id", id, "name", name, "created", (json_int_t)dla_now());
    if (!j)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    if ((rc = dla_txn_begin(s, 1, &t, err)) != DLA_OK)
        goto cleanup;
    rc = put_json(t, g_tenants, id, strlen(id), j, DLA_PUT_NOOVERWRITE, err);
    if (rc == DLA_EEXIST) {
        rc = dla_err_set(err, DLA_EEXIST, "tenant \"%s\" already exists", id);
        goto cleanup;
    }
    if (rc != DLA_OK)
        goto cleanup;
    rc = dla_txn_commit(t, err);
    t = NULL;
cleanup:
    dla_txn_abort(t);
    json_decref(j);
    return rc;
}

static void tenant_from_json(json_t *j, dla_tenant_t *out)
{
    copy_str(out->id, sizeof out->id, jstr(j, "id"));
    copy_str(out->name, sizeof out->name, jstr(j, "name"));
    out->created = json_integer_value(json_object_get(j, "created"));
}

int dla_tenant_get(dla_store_t *s, const char *id, dla_tenant_t *out)
{
    dla_txn_t *t;
    if (check_init(s, NULL) != DLA_OK || dla_txn_begin(s, 0, &t, NULL) != DLA_OK)
        return DLA_EIO;
    json_t *j = get_json(t, g_tenants, id, strlen(id));
    dla_txn_abort(t);
    if (!j)
        return DLA_ENOTFOUND;
    tenant_from_json(j, out);
    json_decref(j);
    return DLA_OK;
}

/* Calls fn(ctx, record) for every JSON record of `db` in key order; stops when
 * fn returns non-zero. Records that do not parse are skipped. */
static int each_record(dla_store_t *s, dla_db_t db, int (*fn)(void *ctx, json_t *rec),
                       void *ctx, dla_err_t *err)
{
    int rc;
    dla_txn_t *t = NULL;
    dla_cursor_t *c = NULL;
    if ((rc = check_init(s, err)) != DLA_OK || (rc = dla_txn_begin(s, 0, &t, err)) != DLA_OK)
        return rc;
    if ((rc = dla_cursor_open(t, db, &c, err)) != DLA_OK)
        goto cleanup;
    dla_val_t k, v;
    for (int r = dla_cursor_get(c, DLA_SEEK_FIRST, &k, &v); r == DLA_OK;
         r = dla_cursor_get(c, DLA_SEEK_NEXT, &k, &v)) {
        json_t *j = json_loadb(v.data, v.len, 0, NULL);
        if (!j)
            continue;
        int stop = fn(ctx, j);
        json_decref(j);
        if (stop)
            break;
    }
cleanup:
    dla_cursor_close(c);
    dla_txn_abort(t);
    return rc;
}

typedef struct {
    int (*fn)(void *ctx, const dla_tenant_t *t);
    void *ctx;
} tenant_iter_t;

static int tenant_rec(void *ctx, json_t *rec)
{
    tenant_iter_t *it = ctx;
    dla_tenant_t tn;
    tenant_from_json(rec, &tn);
    return it->fn(it->ctx, &tn);
}

int dla_tenant_list(dla_store_t *s, int (*fn)(void *ctx, const dla_tenant_t *t), void *ctx,
                    dla_err_t *err)
{
    tenant_iter_t it = {fn, ctx};
    return each_record(s, g_tenants, tenant_rec, &it, err);
}

/* ---- credentials --------------------------------------------------------------------- */

static void hash_secret(const char *salt, const char *secret, char out[65])
{
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%s:%s", salt, secret);
    dla_sha256_hex(buf, n > 0 ? (size_t)n : 0, out);
    OPENSSL_cleanse(buf, sizeof buf);
}

int dla_cred_add(dla_store_t *s, const char *tenant, unsigned scopes, const char *name,
                 char *key_out, char *secret_out, dla_err_t *err)
{
    int rc;
    dla_txn_t *t = NULL;
    json_t *j = NULL;
    unsigned char rk[15], rs[32], rsalt[12];
    char key[32], secret[48], salt[20], hash[65];
    if ((rc = check_init(s, err)) != DLA_OK)
        return rc;
    dla_tenant_t tn;
    if (dla_tenant_get(s, tenant, &tn) != DLA_OK)
        return dla_err_set(err, DLA_ENOTFOUND, "no tenant \"%s\"", tenant);
    if (!scopes)
        scopes = DLA_SCOPE_ALL;
    if (dla_random_bytes(rk, sizeof rk) || dla_random_bytes(rs, sizeof rs) ||
        dla_random_bytes(rsalt, sizeof rsalt))
        return dla_err_set(err, DLA_EIO, "no randomness available");
    dla_b64url(rk, sizeof rk, key);
    dla_b64url(rs, sizeof rs, secret);
    dla_b64url(rsalt, sizeof rsalt, salt);
    hash_secret(salt, secret, hash);
    j = json_pack("{s:s,s:s,s:I,s:s,s:s,s:b,s:I,s:s}", "key", key, "tenant", tenant, "scopes",
                  (json_int_t)scopes, "salt", salt, "hash", hash, "revoked", 0, "created",
                  (json_int_t)dla_now(), "name", name ? name : "");
    if (!j) {
        rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
        goto cleanup;
    }
    if ((rc = dla_txn_begin(s, 1, &t, err)) != DLA_OK)
        goto cleanup;
    if ((rc = put_json(t, g_creds, key, strlen(key), j, DLA_PUT_NOOVERWRITE, err)) != DLA_OK)
        goto cleanup;
    rc = dla_txn_commit(t, err);
    t = NULL;
    if (rc == DLA_OK) {
        snprintf(key_out, 64, "%s", key);
        snprintf(secret_out, 64, "%s", secret);
    }
cleanup:
    dla_txn_abort(t);
    json_decref(j);
    OPENSSL_cleanse(secret, sizeof secret);
    return rc;
}

static void cred_from_json(json_t *j, dla_cred_t *out)
{
    copy_str(out->key, sizeof out->key, jstr(j, "key"));
    copy_str(out->tenant, sizeof out->tenant, jstr(j, "tenant"));
    copy_str(out->name, sizeof out->name, jstr(j, "name"));
    out->scopes = (unsigned)json_integer_value(json_object_get(j, "scopes"));
    out->revoked = json_is_true(json_object_get(j, "revoked"));
    out->created = json_integer_value(json_object_get(j, "created"));
}

int dla_cred_check(dla_store_t *s, const char *key, const char *secret, dla_cred_t *out)
{
    dla_txn_t *t;
    char hash[65];
    if (check_init(s, NULL) != DLA_OK || !key || !secret || strlen(key) > 63 ||
        strlen(secret) > 200)
        return DLA_EAUTH;
    if (dla_txn_begin(s, 0, &t, NULL) != DLA_OK)
        return DLA_EIO;
    json_t *j = get_json(t, g_creds, key, strlen(key));
    dla_txn_abort(t);
    /* Hash even when the key is unknown so timing does not reveal valid keys. */
    hash_secret(j ? jstr(j, "salt") : "unknown-key-salt", secret, hash);
    int ok = j && dla_ct_streq(hash, jstr(j, "hash")) &&
             !json_is_true(json_object_get(j, "revoked"));
    if (ok && out)
        cred_from_json(j, out);
    json_decref(j);
    return ok ? DLA_OK : DLA_EAUTH;
}

int dla_cred_revoke(dla_store_t *s, const char *key, dla_err_t *err)
{
    int rc;
    dla_txn_t *t = NULL;
    json_t *j = NULL;
    if ((rc = check_init(s, err)) != DLA_OK || (rc = dla_txn_begin(s, 1, &t, err)) != DLA_OK)
        return rc;
    if (!(j = get_json(t, g_creds, key, strlen(key)))) {
        rc = dla_err_set(err, DLA_ENOTFOUND, "no credential \"%s\"", key);
        goto cleanup;
    }
    json_object_set_new(j, "revoked", json_true());
    if ((rc = put_json(t, g_creds, key, strlen(key), j, 0, err)) != DLA_OK)
        goto cleanup;
    rc = dla_txn_commit(t, err);
    t = NULL;
cleanup:
    dla_txn_abort(t);
    json_decref(j);
    return rc;
}

typedef struct {
    const char *tenant;
    int (*fn)(void *ctx, const dla_cred_t *c);
    void *ctx;
} cred_iter_t;

static int cred_rec(void *ctx, json_t *rec)
{
    cred_iter_t *it = ctx;
    dla_cred_t cr;
    cred_from_json(rec, &cr);
    if (it->tenant && strcmp(it->tenant, cr.tenant) != 0)
        return 0;
    return it->fn(it->ctx, &cr);
}

int dla_cred_list(dla_store_t *s, const char *tenant,
                  int (*fn)(void *ctx, const dla_cred_t *c), void *ctx, dla_err_t *err)
{
    cred_iter_t it = {tenant, fn, ctx};
    return each_record(s, g_creds, cred_rec, &it, err);
}

/* ---- identities ----------------------------------------------------------------------- */

void dla_identity_user_id(const char *tenant, const char *issuer, const char *subject,
                          char out[65])
{
    size_t a = strlen(tenant), b = strlen(issuer), c = strlen(subject);
    char *buf = malloc(a + b + c + 3);
    if (!buf) {
        memset(out, '0', 64);
        out[64] = '\0';
        return;
    }
    memcpy(buf, tenant, a + 1);
    memcpy(buf + a + 1, issuer, b + 1);
    memcpy(buf + a + b + 2, subject, c + 1);
    dla_sha256_hex(buf, a + b + c + 2, out);
    free(buf);
}

static size_t ident_key(char *buf, size_t cap, const char *tenant, const char *user_id)
{
    int n = snprintf(buf, cap, "%s%c%s", tenant, 0, user_id);
    return n <= 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

int dla_identity_upsert_txn(dla_txn_t *t, dla_identity_t *id, dla_err_t *err)
{
    int rc;
    json_t *j = NULL;
    char key[160];
    if (!g_store)
        return dla_err_set(err, DLA_EINVAL, "dla_auth_init was not called");
    if (!id->tenant[0] || !id->issuer[0] || !id->subject[0])
        return dla_err_set(err, DLA_EINVAL, "identity needs tenant, issuer and subject");
    dla_identity_user_id(id->tenant, id->issuer, id->subject, id->user_id);
    id->updated = dla_now();
    j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:s,s:I}", "user_id", id->user_id, "tenant",
                  id->tenant, "issuer", id->issuer, "subject", id->subject, "name", id->name,
                  "roles", (json_int_t)id->roles, "locale", id->locale, "updated",
                  (json_int_t)id->updated);
    if (!j)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    size_t kl = ident_key(key, sizeof key, id->tenant, id->user_id);
    rc = put_json(t, g_idents, key, kl, j, 0, err);
    json_decref(j);
    return rc;
}

int dla_identity_upsert(dla_store_t *s, dla_identity_t *id, dla_err_t *err)
{
    int rc;
    dla_txn_t *t = NULL;
    if ((rc = check_init(s, err)) != DLA_OK || (rc = dla_txn_begin(s, 1, &t, err)) != DLA_OK)
        return rc;
    if ((rc = dla_identity_upsert_txn(t, id, err)) != DLA_OK) {
        dla_txn_abort(t);
        return rc;
    }
    return dla_txn_commit(t, err);
}

int dla_identity_get(dla_store_t *s, const char *tenant, const char *user_id,
                     dla_identity_t *out)
{
    dla_txn_t *t;
    char key[160];
    if (check_init(s, NULL) != DLA_OK || dla_txn_begin(s, 0, &t, NULL) != DLA_OK)
        return DLA_EIO;
    size_t kl = ident_key(key, sizeof key, tenant, user_id);
    json_t *j = get_json(t, g_idents, key, kl);
    dla_txn_abort(t);
    if (!j)
        return DLA_ENOTFOUND;
    copy_str(out->user_id, sizeof out->user_id, jstr(j, "user_id"));
    copy_str(out->tenant, sizeof out->tenant, jstr(j, "tenant"));
    copy_str(out->issuer, sizeof out->issuer, jstr(j, "issuer"));
    copy_str(out->subject, sizeof out->subject, jstr(j, "subject"));
    copy_str(out->name, sizeof out->name, jstr(j, "name"));
    copy_str(out->locale, sizeof out->locale, jstr(j, "locale"));
    out->roles = (unsigned)json_integer_value(json_object_get(j, "roles"));
    out->updated = json_integer_value(json_object_get(j, "updated"));
    json_decref(j);
    return DLA_OK;
}

/* ---- sessions --------------------------------------------------------------------------- */

int dla_session_open_txn(dla_ttl_txn_t *t, dla_session_t *sess, int64_t ttl,
                         dla_err_t *err)
{
    int rc;
    unsigned char rb[32];
    if (!g_store)
        return dla_err_set(err, DLA_EINVAL, "dla_auth_init was not called");
    if (ttl <= 0)
        ttl = 8 * 3600;
    if (dla_random_bytes(rb, sizeof rb) != DLA_OK)
        return dla_err_set(err, DLA_EIO, "no randomness available");
    dla_b64url(rb, sizeof rb, sess->token);
    sess->expires = dla_now() + ttl;
    json_t *j = json_pack("{s:s,s:s,s:I,s:s,s:I,s:s,s:s}", "tenant", sess->tenant, "user_id",
                          sess->user_id, "roles", (json_int_t)sess->roles, "locale",
                          sess->locale, "expires", (json_int_t)sess->expires, "context",
                          sess->context, "launch", sess->launch);
    char *enc = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!enc)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    rc = dla_ttl_put(t, SESSION_NS, sess->token, strlen(sess->token), enc, strlen(enc),
                     sess->expires, 0, err);
    free(enc);
    return rc;
}

int dla_session_open(dla_store_t *s, dla_session_t *sess, int64_t ttl, dla_err_t *err)
{
    int rc;
    dla_ttl_txn_t *t = NULL;
    if ((rc = check_init(s, err)) != DLA_OK ||
        (rc = dla_ttl_txn_begin(s, 1, &t, err)) != DLA_OK)
        return rc;
    if ((rc = dla_session_open_txn(t, sess, ttl, err)) != DLA_OK) {
        dla_ttl_txn_abort(t);
        return rc;
    }
    return dla_ttl_txn_commit(t, err);
}

int dla_session_get(dla_store_t *s, const char *token, dla_session_t *out)
{
    dla_ttl_txn_t *t;
    dla_val_t v;
    size_t tl = token ? strlen(token) : 0;
    if (tl == 0 || tl >= sizeof out->token)
        return DLA_ENOTFOUND;
    if (check_init(s, NULL) != DLA_OK || dla_ttl_txn_begin(s, 0, &t, NULL) != DLA_OK)
        return DLA_EIO;
    json_t *j = NULL;
    if (dla_ttl_get(t, SESSION_NS, token, tl, dla_now(), &v) == DLA_OK)
        j = json_loadb(v.data, v.len, 0, NULL);
    dla_ttl_txn_abort(t);
    if (!j)
        return DLA_ENOTFOUND;
    copy_str(out->token, sizeof out->token, token);
    copy_str(out->tenant, sizeof out->tenant, jstr(j, "tenant"));
    copy_str(out->user_id, sizeof out->user_id, jstr(j, "user_id"));
    copy_str(out->locale, sizeof out->locale, jstr(j, "locale"));
    copy_str(out->context, sizeof out->context, jstr(j, "context"));
    copy_str(out->launch, sizeof out->launch, jstr(j, "launch"));
    out->roles = (unsigned)json_integer_value(json_object_get(j, "roles"));
    out->expires = json_integer_value(json_object_get(j, "expires"));
    json_decref(j);
    return DLA_OK;
}

int dla_session_close(dla_store_t *s, const char *token)
{
    dla_ttl_txn_t *t;
    if (!token || !*token)
        return DLA_ENOTFOUND;
    if (check_init(s, NULL) != DLA_OK || dla_ttl_txn_begin(s, 1, &t, NULL) != DLA_OK)
        return DLA_EIO;
    int rc = dla_ttl_del(t, SESSION_NS, token, strlen(token));
    if (rc != DLA_OK) {
        dla_ttl_txn_abort(t);
        return rc;
    }
    return dla_ttl_txn_commit(t, NULL);
}
