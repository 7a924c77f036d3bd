/* model_keys.c - agent IFI keys, the agents and activities of a statement (for
 * the LRS indexes and related_agents / related_activities), activity definition
 * merging and the Person object of the Agents resource. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model_int.h"

static const char *str_of(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int is_type(const json_t *o, const char *t)
{
    const char *s = str_of(o, "objectType");
    return s && strcmp(s, t) == 0;
}

/* ---- agent keys and enumerations
 * -------------------------------------------------------- */

int dla_xm_agent_ifi_key(const json_t *agent, char *buf, size_t cap)
{
    int n;
    const char *s;
    if (!json_is_object(agent) || !buf || cap == 0) {
        return DLA_EINVAL;
    }
    if ((s = str_of(agent, "mbox"))) {
        if (strncasecmp(s, "mailto:", 7) != 0) {
            return DLA_EINVAL;
        }
        n = snprintf(buf, cap, "mbox:mailto:%s", s + 7);
    } else if ((s = str_of(agent, "mbox_sha1sum"))) {
        n = snprintf(buf, cap, "sha1:%s", s);
        for (int i = 5; i < n && (size_t)i < cap; i++) {
            buf[i] = (char)tolower((unsigned char)buf[i]);
        }
    } else if ((s = str_of(agent, "openid"))) {
        n = snprintf(buf, cap, "openid:%s", s);
    } else if (json_object_get(agent, "account")) {
        json_t *acc = json_object_get(agent, "account");
        const char *hp = str_of(acc, "homePage"), *nm = str_of(acc, "name");
        if (!hp || !nm) {
            return DLA_EINVAL;
        }
        n = snprintf(buf, cap, "account:%s|%s", hp, nm);
    } else {
        return DLA_ENOTFOUND;
    }
    if (n < 0 || (size_t)n >= cap) {
        return DLA_ETOOBIG;
    }
    return DLA_OK;
}

typedef struct enum_s {
    dla_xm_key_fn fn;
    void *ctx;
    char key[DLA_XM_IFI_KEY_MAX];
} enum_t;

static int emit_actor(enum_t *e, const json_t *a, int where, int members_where)
{
    if (!json_is_object(a)) {
        return 0;
    }
    int rc = dla_xm_agent_ifi_key(a, e->key, sizeof e->key);
    if (rc == DLA_OK && (rc = e->fn(e->ctx, e->key, where)) != 0) {
        return rc;
    }
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(a, "member"), i, m)
    {
        if (dla_xm_agent_ifi_key(m, e->key, sizeof e->key) == DLA_OK &&
            (rc = e->fn(e->ctx, e->key, members_where)) != 0) {
            return rc;
        }
    }
    return 0;
}

static int agents_of(enum_t *e, const json_t *st, int sub)
{
    int rc;
    int direct = sub ? DLA_XM_RELATED : DLA_XM_DIRECT;
    if ((rc = emit_actor(e, json_object_get(st, "actor"), direct, DLA_XM_RELATED))) {
        return rc;
    }
    json_t *obj = json_object_get(st, "object");
    if (is_type(obj, "Agent") || is_type(obj, "Group")) {
        if ((rc = emit_actor(e, obj, direct, DLA_XM_RELATED))) {
            return rc;
        }
    } else if (!sub && is_type(obj, "SubStatement")) {
        if ((rc = agents_of(e, obj, 1))) {
            return rc;
        }
    }
    json_t *ctx = json_object_get(st, "context");
    if ((rc = emit_actor(e, json_object_get(ctx, "instructor"), DLA_XM_RELATED,
                         DLA_XM_RELATED)) ||
        (rc = emit_actor(e, json_object_get(ctx, "team"), DLA_XM_RELATED,
                         DLA_XM_RELATED))) {
        return rc;
    }
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(ctx, "contextAgents"), i, x)
    {
        if ((rc = emit_actor(e, json_object_get(x, "agent"), DLA_XM_RELATED,
                             DLA_XM_RELATED))) {
            return rc;
        }
    }
    json_array_foreach(json_object_get(ctx, "contextGroups"), i, x)
    {
        if ((rc = emit_actor(e, json_object_get(x, "group"), DLA_XM_RELATED,
                             DLA_XM_RELATED))) {
            return rc;
        }
    }
    if (!sub) {
        return emit_actor(e, json_object_get(st, "authority"), DLA_XM_RELATED,
                          DLA_XM_RELATED);
    }
    return 0;
}

int dla_xm_statement_agents(const json_t *st, dla_xm_key_fn fn, void *ctx)
{
    enum_t *e = malloc(sizeof *e);
    if (!e) {
        return DLA_ENOMEM;
    }
    e->fn = fn;
    e->ctx = ctx;
    int rc = json_is_object(st) ? agents_of(e, st, 0) : DLA_OK;
    free(e);
    return rc;
}

typedef int (*act_visit_fn)(void *ctx, const json_t *activity, int where);

static int ctx_activities(const json_t *st, act_visit_fn fn, void *ctx)
{
    json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
    const char *k;
    json_t *v;
    int rc;
    json_object_foreach(ca, k, v)
    {
        if (json_is_array(v)) {
            size_t i;
            json_t *a;
            json_array_foreach(v, i, a)
            {
                if ((rc = fn(ctx, a, DLA_XM_RELATED))) {
                    return rc;
                }
            }
        } else if ((rc = fn(ctx, v, DLA_XM_RELATED))) {
            return rc;
        }
    }
    return 0;
}

static int activities_walk(const json_t *st, act_visit_fn fn, void *ctx, int sub)
{
    int rc;
    json_t *obj = json_object_get(st, "object");
    if (is_type(obj, "SubStatement")) {
        if (!sub && (rc = activities_walk(obj, fn, ctx, 1))) {
            return rc;
        }
    } else if (json_is_object(obj) &&
               (!json_object_get(obj, "objectType") || is_type(obj, "Activity"))) {
        if ((rc = fn(ctx, obj, sub ? DLA_XM_RELATED : DLA_XM_DIRECT))) {
            return rc;
        }
    }
    return ctx_activities(st, fn, ctx);
}

typedef struct act_ids_s {
    dla_xm_key_fn fn;
    void *ctx;
} act_ids_t;

static int visit_id(void *ctx, const json_t *activity, int where)
{
    act_ids_t *a = ctx;
    const char *id = str_of(activity, "id");
    return id ? a->fn(a->ctx, id, where) : 0;
}

int dla_xm_statement_activities(const json_t *st, dla_xm_key_fn fn, void *ctx)
{
    act_ids_t a = {fn, ctx};
    return json_is_object(st) ? activities_walk(st, visit_id, &a, 0) : DLA_OK;
}

typedef struct act_objs_s {
    dla_xm_obj_fn fn;
    void *ctx;
} act_objs_t;

static int visit_obj(void *ctx, const json_t *activity, int where)
{
    (void)where;
    act_objs_t *a = ctx;
    if (!json_is_object(json_object_get(activity, "definition")) ||
        !str_of(activity, "id")) {
        return 0;
    }
    return a->fn(a->ctx, activity);
}

int dla_xm_statement_activity_objects(const json_t *st, dla_xm_obj_fn fn, void *ctx)
{
    act_objs_t a = {fn, ctx};
    return json_is_object(st) ? activities_walk(st, visit_obj, &a, 0) : DLA_OK;
}

json_t *dla_xm_activity_merge(const json_t *old, const json_t *incoming)
{
    json_t *out = old ? json_deep_copy(old) : json_object();
    if (!out) {
        return NULL;
    }
    if (!json_is_object(out) || !json_is_object(incoming)) {
        return out;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)incoming, k, v)
    {
        json_t *cur = json_object_get(out, k);
        int is_map = strcmp(k, "name") == 0 || strcmp(k, "description") == 0;
        if (is_map && json_is_object(cur) && json_is_object(v)) {
            if (json_object_update(cur, v)) {
                json_decref(out);
                return NULL;
            }
        } else if (json_object_set(out, k, v)) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *dla_xm_person(const json_t *agent)
{
    json_t *p = json_pack("{s:s}", "objectType", "Person");
    if (!p) {
        return NULL;
    }
    static const char *const keys[] = {"name", "mbox", "mbox_sha1sum", "openid",
                                       "account"};
    for (int i = 0; i < 5; i++) {
        json_t *v = json_object_get(agent, keys[i]);
        if (!v) {
            continue;
        }
        json_t *arr = json_array();
        if (!arr || json_array_append(arr, v)) {
            json_decref(arr);
            json_decref(p);
            return NULL;
        }
        if (json_object_set_new(p, keys[i], arr)) {
            json_decref(p);
            return NULL;
        }
    }
    return p;
}
