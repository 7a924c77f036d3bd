/* lrs_keys.c - the index keys of a statement (agent, verb, activity, registration,
 * their "related" variants and authority). Queries hash their parameters the
 * same way, so a filtered GET is a lookup, never a scan. Which agents and
 * activities are "direct" or "related" is the data model's rule
 * (dla_xm_statement_agents / dla_xm_statement_activities). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "model_int.h"
#include "xapi_int.h"

int lrs_keys_add(lrs_key_t **keys, size_t *n, size_t *cap, uint8_t kind, const char *text)
{
    lrs_key_t k;
    k.kind = kind;
    lrs_hash16(kind, text, strlen(text), k.hash);
    for (size_t i = 0; i < *n; i++)
        if ((*keys)[i].kind == kind && memcmp((*keys)[i].hash, k.hash, 16) == 0)
            return DLA_OK;
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        lrs_key_t *nk = realloc(*keys, nc * sizeof *nk);
        if (!nk)
            return DLA_ENOMEM;
        *keys = nk;
        *cap = nc;
    }
    (*keys)[(*n)++] = k;
    return DLA_OK;
}

typedef struct kctx_s {
    lrs_key_t **keys;
    size_t *n, *cap;
    int rc;
} kctx_t;

static void add(kctx_t *k, uint8_t kind, const char *text)
{
    if (k->rc == DLA_OK && text)
        k->rc = lrs_keys_add(k->keys, k->n, k->cap, kind, text);
}

static int on_agent(void *ctx, const char *key, int where)
{
    kctx_t *k = ctx;
    if (where == DLA_XM_DIRECT)
        add(k, LRS_IX_AGENT, key);
    add(k, LRS_IX_AGENT_REL, key);
    return k->rc == DLA_OK ? 0 : 1;
}

static int on_activity(void *ctx, const char *id, int where)
{
    kctx_t *k = ctx;
    if (where == DLA_XM_DIRECT)
        add(k, LRS_IX_ACT, id);
    add(k, LRS_IX_ACT_REL, id);
    return k->rc == DLA_OK ? 0 : 1;
}

static void authority_keys(kctx_t *k, const json_t *a)
{
    char buf[DLA_XM_IFI_KEY_MAX];
    if (!json_is_object(a))
        return;
    if (dla_xm_agent_ifi_key(a, buf, sizeof buf) == DLA_OK)
        add(k, LRS_IX_AUTH, buf);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(a, "member"), i, m)
    {
        if (dla_xm_agent_ifi_key(m, buf, sizeof buf) == DLA_OK)
            add(k, LRS_IX_AUTH, buf);
    }
}

int lrs_stmt_keys(const json_t *stmt, lrs_key_t **keys, size_t *n, size_t *cap)
{
    kctx_t k = {keys, n, cap, DLA_OK};
    dla_xm_statement_agents(stmt, on_agent, &k);
    dla_xm_statement_activities(stmt, on_activity, &k);
    add(&k, LRS_IX_VERB, json_string_value(json_object_get(json_object_get(stmt, "verb"), "id")));
    const char *reg =
        json_string_value(json_object_get(json_object_get(stmt, "context"), "registration"));
    uint8_t b[16];
    if (reg && lrs_uuid_parse(reg, b) == DLA_OK) {
        char low[37];
        lrs_uuid_format(b, low);
        add(&k, LRS_IX_REG, low);
    }
    authority_keys(&k, json_object_get(stmt, "authority"));
    return k.rc;
}
