/* lrs_keys.c - the index keys of a statement (agent, verb, activity, registration,
 * their "related" variants and authority). Queries hash their parameters the
 * same way, so a filtered GET is a lookup, never a scan. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

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

/* An agent or group: its own key, and for groups each member (related only). */
static void agent_keys(kctx_t *k, const json_t *a, int direct, int authority)
{
    char buf[1024];
    if (!json_is_object(a))
        return;
    if (lrs_agent_key(a, buf, sizeof buf) == DLA_OK) {
        if (direct)
            add(k, LRS_IX_AGENT, buf);
        add(k, LRS_IX_AGENT_REL, buf);
        if (authority)
            add(k, LRS_IX_AUTH, buf);
    }
    json_t *members = json_object_get(a, "member");
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
    {
        if (lrs_agent_key(m, buf, sizeof buf) == DLA_OK) {
            add(k, LRS_IX_AGENT_REL, buf);
            if (authority)
                add(k, LRS_IX_AUTH, buf);
        }
    }
}

static void context_keys(kctx_t *k, const json_t *ctx, int top)
{
    if (!json_is_object(ctx))
        return;
    if (top) {
        const char *reg = json_string_value(json_object_get(ctx, "registration"));
        if (reg) {
            char low[64];
            size_t i;
            for (i = 0; reg[i] && i < sizeof low - 1; i++)
                low[i] = (char)tolower((unsigned char)reg[i]);
            low[i] = 0;
            add(k, LRS_IX_REG, low);
        }
    }
    agent_keys(k, json_object_get(ctx, "instructor"), 0, 0);
    agent_keys(k, json_object_get(ctx, "team"), 0, 0);
    json_t *ca = json_object_get(ctx, "contextActivities");
    const char *kk;
    json_t *v;
    json_object_foreach(ca, kk, v)
    {
        if (json_is_object(v)) {
            add(k, LRS_IX_ACT_REL, json_string_value(json_object_get(v, "id")));
        } else {
            size_t i;
            json_t *a;
            json_array_foreach(v, i, a)
                add(k, LRS_IX_ACT_REL, json_string_value(json_object_get(a, "id")));
        }
    }
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(ctx, "contextAgents"), i, e)
        agent_keys(k, json_object_get(e, "agent"), 0, 0);
    json_array_foreach(json_object_get(ctx, "contextGroups"), i, e)
        agent_keys(k, json_object_get(e, "group"), 0, 0);
}

static void object_keys(kctx_t *k, const json_t *obj, int top)
{
    const char *ot = json_string_value(json_object_get(obj, "objectType"));
    if (!json_is_object(obj))
        return;
    if (!ot || strcmp(ot, "Activity") == 0) {
        const char *id = json_string_value(json_object_get(obj, "id"));
        if (top)
            add(k, LRS_IX_ACT, id);
        add(k, LRS_IX_ACT_REL, id);
    } else if (strcmp(ot, "Agent") == 0 || strcmp(ot, "Group") == 0) {
        agent_keys(k, obj, top, 0);
    } else if (strcmp(ot, "SubStatement") == 0 && top) {
        agent_keys(k, json_object_get(obj, "actor"), 0, 0);
        object_keys(k, json_object_get(obj, "object"), 0);
        context_keys(k, json_object_get(obj, "context"), 0);
    }
}

int lrs_stmt_keys(const json_t *stmt, lrs_key_t **keys, size_t *n, size_t *cap)
{
    kctx_t k = {keys, n, cap, DLA_OK};
    agent_keys(&k, json_object_get(stmt, "actor"), 1, 0);
    add(&k, LRS_IX_VERB, json_string_value(json_object_get(json_object_get(stmt, "verb"), "id")));
    object_keys(&k, json_object_get(stmt, "object"), 1);
    context_keys(&k, json_object_get(stmt, "context"), 1);
    agent_keys(&k, json_object_get(stmt, "authority"), 0, 1);
    return k.rc;
}
