/* lti_keys.c - the tool's RSA signing keys, kept in the store.
 *
 * The key set lives in database "lti_keys" under "set":
 *   {"gen": N, "keys": [{"jwk": {...private...}, "created": t, "retired": t|0}]}
 * The first key is current. `dla key rotate` (another process) writes a new set
 * with a higher gen; the server notices on its next use (one read transaction)
 * and reloads. Retired keys stay in the JWKS for `overlap` seconds so tokens
 * signed just before a rotation still verify.
 */
#include <stdlib.h>
#include <string.h>

#include "dla_auth.h"
#include "dla_store.h"
#include "lti_int.h"

struct lti_keys_s {
    dla_store_t *st;
    dla_db_t db;
    int overlap;
    pthread_mutex_t mu;
    int64_t gen;
    cjose_jwk_t *current;
    json_t *jwks; /* public */
};

static const char SET_KEY[] = "set";

static cjose_jwk_t *new_rsa(dla_err_t *err)
{
    static const uint8_t e[] = {0x01, 0x00, 0x01};
    cjose_err cerr;
    char kid[48];
    cjose_jwk_t *k = cjose_jwk_create_RSA_random(2048, e, sizeof e, &cerr);
    if (!k) {
        dla_err_set(err, DLA_ERR, "rsa key generation failed: %s", cerr.message);
        return NULL;
    }
    if (lti_random_token(kid, sizeof kid, 12) != DLA_OK ||
        !cjose_jwk_set_kid(k, kid, strlen(kid), &cerr)) {
        cjose_jwk_release(k);
        dla_err_set(err, DLA_ERR, "could not set the key id");
        return NULL;
    }
    return k;
}

static json_t *jwk_json(const cjose_jwk_t *k, int priv)
{
    cjose_err cerr;
    char *s = cjose_jwk_to_json(k, priv, &cerr);
    if (!s)
        return NULL;
    json_t *j = json_loads(s, 0, NULL);
    cjose_get_dealloc()(s);
    return j;
}

/* Reads the set (new json) in txn t, or NULL when absent. */
static json_t *read_set(lti_keys_t *k, dla_txn_t *t)
{
    dla_val_t v;
    if (dla_kv_get(t, k->db, SET_KEY, sizeof SET_KEY - 1, &v) != DLA_OK)
        return NULL;
    return json_loadb(v.data, v.len, 0, NULL);
}

static int write_set(lti_keys_t *k, dla_txn_t *t, json_t *set, dla_err_t *err)
{
    char *s = json_dumps(set, JSON_COMPACT);
    if (!s)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    int rc = dla_kv_put(t, k->db, SET_KEY, sizeof SET_KEY - 1, s, strlen(s), 0, err);
    free(s);
    return rc;
}

/* Builds the in-memory view from a set (caller holds mu). */
static int load_view(lti_keys_t *k, json_t *set)
{
    json_t *keys = json_object_get(set, "keys"), *e;
    size_t i;
    int64_t now = dla_now();
    json_t *pub = json_array();
    cjose_jwk_t *cur = NULL;
    if (!pub || !json_is_array(keys) || json_array_size(keys) == 0) {
        json_decref(pub);
        return DLA_EINVAL;
    }
    json_array_foreach(keys, i, e)
    {
        json_int_t retired = json_integer_value(json_object_get(e, "retired"));
        char *s = json_dumps(json_object_get(e, "jwk"), JSON_COMPACT);
        cjose_err cerr;
        cjose_jwk_t *jwk = s ? cjose_jwk_import(s, strlen(s), &cerr) : NULL;
        free(s);
        if (!jwk)
            continue;
        if (i == 0)
            cur = cjose_jwk_retain(jwk, &cerr);
        if (i == 0 || retired == 0 || retired + k->overlap > now) {
            json_t *pj = jwk_json(jwk, 0);
            if (pj) {
                json_object_set_new(pj, "use", json_string("sig"));
                json_object_set_new(pj, "alg", json_string("RS256"));
                json_array_append_new(pub, pj);
            }
        }
        cjose_jwk_release(jwk);
    }
    if (!cur) {
        json_decref(pub);
        return DLA_EINVAL;
    }
    if (k->current)
        cjose_jwk_release(k->current);
    json_decref(k->jwks);
    k->current = cur;
    k->jwks = json_pack("{s:o}", "keys", pub);
    k->gen = json_integer_value(json_object_get(set, "gen"));
    return k->jwks ? DLA_OK : DLA_ENOMEM;
}

static json_t *new_set_with(json_t *old, cjose_jwk_t *fresh, int64_t now)
{
    json_t *keys = json_array(), *e;
    size_t i;
    json_t *priv = jwk_json(fresh, 1);
    if (!keys || !priv) {
        json_decref(keys);
        json_decref(priv);
        return NULL;
    }
    json_array_append_new(keys, json_pack("{s:o, s:I, s:I}", "jwk", priv, "created",
                                          (json_int_t)now, "retired", (json_int_t)0));
    json_array_foreach(json_object_get(old, "keys"), i, e)
    {
        json_int_t retired = json_integer_value(json_object_get(e, "retired"));
        if (retired == 0)
            retired = now;
        if (i < 4) /* keep a short history */
            json_array_append_new(keys, json_pack("{s:O, s:O, s:I}", "jwk",
                                                  json_object_get(e, "jwk"), "created",
                                                  json_object_get(e, "created"),
                                                  "retired", retired));
    }
    json_int_t gen = json_integer_value(json_object_get(old, "gen")) + 1;
    return json_pack("{s:I, s:o}", "gen", gen, "keys", keys);
}

int lti_keys_open(dla_store_t *st, int overlap, lti_keys_t **out, dla_err_t *err)
{
    lti_keys_t *k = calloc(1, sizeof *k);
    dla_txn_t *t = NULL;
    json_t *set = NULL;
    cjose_jwk_t *fresh = NULL;
    int rc;
    if (!k)
        return dla_err_set(err, DLA_ENOMEM, "out of memory");
    k->st = st;
    k->overlap = overlap;
    pthread_mutex_init(&k->mu, NULL);
    if ((rc = dla_store_db(st, "lti_keys", DLA_DB_CREATE, &k->db, err)) != DLA_OK)
        goto cleanup;
    if ((rc = dla_txn_begin(st, 1, &t, err)) != DLA_OK)
        goto cleanup;
    set = read_set(k, t);
    if (!set) {
        if (!(fresh = new_rsa(err))) {
            rc = DLA_ERR;
            goto cleanup;
        }
        json_t *empty = json_pack("{s:I, s:[]}", "gen", (json_int_t)0, "keys");
        set = empty ? new_set_with(empty, fresh, dla_now()) : NULL;
        json_decref(empty);
        if (!set) {
            rc = dla_err_set(err, DLA_ENOMEM, "out of memory");
            goto cleanup;
        }
        if ((rc = write_set(k, t, set, err)) != DLA_OK)
            goto cleanup;
    }
    rc = dla_txn_commit(t, err);
    t = NULL;
    if (rc != DLA_OK)
        goto cleanup;
    if ((rc = load_view(k, set)) != DLA_OK) {
        dla_err_set(err, rc, "the stored tool key set is unreadable");
        goto cleanup;
    }
    *out = k;
    k = NULL;
cleanup:
    dla_txn_abort(t);
    if (fresh)
        cjose_jwk_release(fresh);
    json_decref(set);
    lti_keys_close(k);
    return rc;
}

void lti_keys_close(lti_keys_t *k)
{
    if (!k)
        return;
    if (k->current)
        cjose_jwk_release(k->current);
    json_decref(k->jwks);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

/* Reloads when another process rotated the keys (caller holds mu). */
static void refresh(lti_keys_t *k)
{
    dla_txn_t *t = NULL;
    if (dla_txn_begin(k->st, 0, &t, NULL) != DLA_OK)
        return;
    dla_val_t v;
    int64_t gen = -1;
    if (dla_kv_get(t, k->db, SET_KEY, sizeof SET_KEY - 1, &v) == DLA_OK) {
        /* cheap check: the gen field is first in the compact serialisation */
        const char *p = memmem(v.data, v.len < 64 ? v.len : 64, "\"gen\":", 6);
        if (p)
            gen = strtoll(p + 6, NULL, 10);
        if (gen != k->gen) {
            json_t *set = json_loadb(v.data, v.len, 0, NULL);
            if (set)
                load_view(k, set);
            json_decref(set);
        }
    }
    dla_txn_abort(t);
}

cjose_jwk_t *lti_keys_current(lti_keys_t *k)
{
    cjose_err cerr;
    pthread_mutex_lock(&k->mu);
    refresh(k);
    cjose_jwk_t *r = cjose_jwk_retain(k->current, &cerr);
    pthread_mutex_unlock(&k->mu);
    return r;
}

json_t *lti_keys_jwks(lti_keys_t *k)
{
    pthread_mutex_lock(&k->mu);
    refresh(k);
    json_t *r = json_deep_copy(k->jwks);
    pthread_mutex_unlock(&k->mu);
    return r;
}

int lti_keys_rotate(lti_keys_t *k, char *kid_out, dla_err_t *err)
{
    dla_txn_t *t = NULL;
    json_t *old = NULL, *set = NULL;
    cjose_jwk_t *fresh = new_rsa(err);
    int rc;
    cjose_err cerr;
    if (!fresh)
        return DLA_ERR;
    if ((rc = dla_txn_begin(k->st, 1, &t, err)) != DLA_OK)
        goto cleanup;
    old = read_set(k, t);
    set = old ? new_set_with(old, fresh, dla_now()) : NULL;
    if (!set) {
        rc = dla_err_set(err, DLA_ENOMEM, "could not build the new key set");
        goto cleanup;
    }
    if ((rc = write_set(k, t, set, err)) != DLA_OK)
        goto cleanup;
    rc = dla_txn_commit(t, err);
    t = NULL;
    if (rc != DLA_OK)
        goto cleanup;
    pthread_mutex_lock(&k->mu);
    load_view(k, set);
    pthread_mutex_unlock(&k->mu);
    snprintf(kid_out, 64, "%s", cjose_jwk_get_kid(fresh, &cerr));
cleanup:
    dla_txn_abort(t);
    json_decref(old);
    json_decref(set);
    cjose_jwk_release(fresh);
    return rc;
}
