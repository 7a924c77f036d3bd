/* model_validate.c - statement validation for xAPI 1.0.3 and 2.0.
 *
 * One recursive descent over the statement, every property checked for type,
 * syntax and allowed keys ("additional properties" are rejected everywhere
 * except inside extensions). Messages name the JSON path of the first problem.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model_int.h"

#define XM_VOIDED "http://adlnet.gov/expapi/verbs/voided"

/* A JSON path as a chain of segments on the stack: nothing is formatted unless
 * an error message needs it. */
typedef struct pth_s {
    const struct pth_s *up;
    const char *key; /* NULL for an array index */
    size_t index;
} pth_t;

typedef struct vctx_s {
    int version;
    dla_err_t *err;
} vctx_t;

static size_t render(const pth_t *p, char *buf, size_t cap)
{
    if (!p) {
        return 0;
    }
    size_t n = render(p->up, buf, cap);
    if (n >= cap) {
        return n;
    }
    int w;
    if (p->key) {
        w = snprintf(buf + n, cap - n, "%s%s", n ? "." : "", p->key);
    } else {
        w = snprintf(buf + n, cap - n, "[%zu]", p->index);
    }
    return w < 0 ? n : n + (size_t)w;
}

static int fail(vctx_t *c, const pth_t *path, const char *what)
{
    char buf[160];
    buf[0] = '\0';
    render(path, buf, sizeof buf);
    return dla_err_set(c->err, DLA_EINVAL, "%s: %s", buf[0] ? buf : "statement", what);
}

static void sub(pth_t *out, const pth_t *path, const char *key)
{
    out->up = path;
    out->key = key;
    out->index = 0;
}

static void idx(pth_t *out, const pth_t *path, size_t i)
{
    out->up = path;
    out->key = NULL;
    out->index = i;
}

/* Rejects keys not in the NULL-terminated list. */
static int keys_allowed(vctx_t *c, const json_t *o, const pth_t *path,
                        const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        int ok = 0;
        for (int i = 0; allowed[i]; i++) {
            if (strcmp(k, allowed[i]) == 0) {
                ok = 1;
                break;
            }
        }
        if (!ok) {
            pth_t p;
            sub(&p, path, k);
            return fail(c, &p, "is not an allowed property");
        }
        if (json_is_null(v)) {
            pth_t p;
            sub(&p, path, k);
            return fail(c, &p, "must not be null");
        }
    }
    return DLA_OK;
}

static int want_object(vctx_t *c, const json_t *v, const pth_t *path)
{
    return json_is_object(v) ? DLA_OK : fail(c, path, "must be an object");
}

static int opt_string(vctx_t *c, const json_t *o, const char *key, const pth_t *path,
                      const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v) {
        return DLA_OK;
    }
    pth_t p;
    sub(&p, path, key);
    if (!json_is_string(v)) {
        return fail(c, &p, "must be a string");
    }
    if (json_string_length(v) > DLA_XM_MAX_STRING ||
        strlen(json_string_value(v)) != json_string_length(v)) {
        return fail(c, &p, "is too long or contains NUL");
    }
    *out = json_string_value(v);
    return DLA_OK;
}

static int opt_iri(vctx_t *c, const json_t *o, const char *key, const pth_t *path,
                   int req)
{
    const char *s;
    pth_t p;
    sub(&p, path, key);
    int rc = opt_string(c, o, key, path, &s);
    if (rc) {
        return rc;
    }
    if (!s) {
        return req ? fail(c, &p, "is required") : DLA_OK;
    }
    return dla_xm_is_iri(s) ? DLA_OK : fail(c, &p, "must be an absolute IRI");
}

/* ---- language maps, extensions --------------------------------------------------- */

static int v_langmap(vctx_t *c, const json_t *m, const pth_t *path)
{
    if (!json_is_object(m)) {
        return fail(c, path, "must be a language map object");
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)m, k, v)
    {
        pth_t p;
        sub(&p, path, k);
        if (!dla_xm_is_langtag(k)) {
            return fail(c, &p, "is not an RFC 5646 language tag");
        }
        if (!json_is_string(v)) {
            return fail(c, &p, "must be a string");
        }
    }
    return DLA_OK;
}

static int opt_langmap(vctx_t *c, const json_t *o, const char *key, const pth_t *path)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        return DLA_OK;
    }
    pth_t p;
    sub(&p, path, key);
    return v_langmap(c, v, &p);
}

/* 1 if a JSON value nests deeper than DLA_XM_MAX_DEPTH (stops early). */
static int too_deep(const json_t *v, int depth)
{
    if (depth > DLA_XM_MAX_DEPTH) {
        return 1;
    }
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x)
        {
            if (too_deep(x, depth + 1)) {
                return 1;
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x)
        {
            if (too_deep(x, depth + 1)) {
                return 1;
            }
        }
    }
    return 0;
}

static int v_extensions(vctx_t *c, const json_t *o, const pth_t *path)
{
    json_t *e = json_object_get(o, "extensions");
    if (!e) {
        return DLA_OK;
    }
    pth_t p;
    sub(&p, path, "extensions");
    if (!json_is_object(e)) {
        return fail(c, &p, "must be an object");
    }
    const char *k;
    json_t *v;
    json_object_foreach(e, k, v)
    {
        if (too_deep(v, 0)) {
            pth_t q;
            sub(&q, &p, k);
            return fail(c, &q, "extension value is nested too deeply");
        }
        if (!dla_xm_is_iri(k)) {
            pth_t q;
            sub(&q, &p, k);
            return fail(c, &q, "extension keys must be IRIs");
        }
    }
    return DLA_OK;
}

/* ---- agents and groups ---------------------------------------------------------------
 */

static int v_account(vctx_t *c, const json_t *a, const pth_t *path)
{
    static const char *const allowed[] = {"homePage", "name", NULL};
    int rc;
    if ((rc = want_object(c, a, path)) || (rc = keys_allowed(c, a, path, allowed))) {
        return rc;
    }
    if ((rc = opt_iri(c, a, "homePage", path, 1))) {
        return rc;
    }
    const char *name;
    if ((rc = opt_string(c, a, "name", path, &name))) {
        return rc;
    }
    if (!name) {
        pth_t p;
        sub(&p, path, "name");
        return fail(c, &p, "is required");
    }
    return DLA_OK;
}

/* Counts and checks the IFIs of an agent or group; *n gets the count. */
static int v_ifis(vctx_t *c, const json_t *a, const pth_t *path, int *n)
{
    const char *s;
    int rc;
    pth_t p;
    *n = 0;
    if ((rc = opt_string(c, a, "mbox", path, &s))) {
        return rc;
    }
    if (s) {
        sub(&p, path, "mbox");
        if (!dla_xm_is_mailto(s)) {
            return fail(c, &p, "must be a mailto IRI");
        }
        (*n)++;
    }
    if ((rc = opt_string(c, a, "mbox_sha1sum", path, &s))) {
        return rc;
    }
    if (s) {
        sub(&p, path, "mbox_sha1sum");
        if (!dla_xm_is_sha1hex(s)) {
            return fail(c, &p, "must be 40 hexadecimal digits");
        }
        (*n)++;
    }
    if (json_object_get(a, "openid")) {
        if ((rc = opt_iri(c, a, "openid", path, 0))) {
            return rc;
        }
        (*n)++;
    }
    json_t *acc = json_object_get(a, "account");
    if (acc) {
        sub(&p, path, "account");
        if ((rc = v_account(c, acc, &p))) {
            return rc;
        }
        (*n)++;
    }
    return DLA_OK;
}

static int v_agent_body(vctx_t *c, const json_t *a, const pth_t *path)
{
    static const char *const allowed[] = {"objectType", "name",    "mbox", "mbox_sha1sum",
                                          "openid",     "account", NULL};
    int rc, n;
    const char *name;
    if ((rc = keys_allowed(c, a, path, allowed)) ||
        (rc = opt_string(c, a, "name", path, &name)) || (rc = v_ifis(c, a, path, &n))) {
        return rc;
    }
    if (n != 1) {
        return fail(c, path,
                    n == 0 ? "an Agent needs one inverse functional identifier"
                           : "an Agent must have exactly one inverse functional "
                             "identifier");
    }
    return DLA_OK;
}

static int v_agent(vctx_t *c, const json_t *a, const pth_t *path)
{
    int rc = want_object(c, a, path);
    if (rc) {
        return rc;
    }
    json_t *ot = json_object_get(a, "objectType");
    if (ot && !(json_is_string(ot) && strcmp(json_string_value(ot), "Agent") == 0)) {
        pth_t p;
        sub(&p, path, "objectType");
        return fail(c, &p, "must be \"Agent\"");
    }
    return v_agent_body(c, a, path);
}

int dla_xm_validate_agent(const json_t *a, int version, const char *path, dla_err_t *err)
{
    vctx_t c = {version, err};
    pth_t root = {NULL, path ? path : "agent", 0};
    return v_agent(&c, a, &root);
}

/* Group; `anon_members` is the exact member count required of an anonymous
 * group (authority), or -1. */
static int v_group(vctx_t *c, const json_t *g, const pth_t *path, int authority)
{
    static const char *const allowed[] = {"objectType",   "name",   "mbox",
                                          "mbox_sha1sum", "openid", "account",
                                          "member",       NULL};
    int rc, n;
    const char *name;
    pth_t p;
    if ((rc = keys_allowed(c, g, path, allowed)) ||
        (rc = opt_string(c, g, "name", path, &name)) || (rc = v_ifis(c, g, path, &n))) {
        return rc;
    }
    if (n > 1) {
        return fail(c, path,
                    "a Group must have at most one inverse functional identifier");
    }
    json_t *m = json_object_get(g, "member");
    sub(&p, path, "member");
    if (m && !json_is_array(m)) {
        return fail(c, &p, "must be an array of Agents");
    }
    if (n == 0 && (!m || json_array_size(m) == 0)) {
        return fail(c, &p, "an anonymous Group needs at least one member");
    }
    if (authority) {
        if (n != 0) {
            return fail(c, path, "an authority Group must be anonymous");
        }
        if (json_array_size(m) != 2) {
            return fail(c, &p, "an authority Group must have exactly two Agents");
        }
    }
    size_t i;
    json_t *a;
    json_array_foreach(m, i, a)
    {
        pth_t q;
        idx(&q, &p, i);
        if ((rc = v_agent(c, a, &q))) {
            return rc;
        }
    }
    return DLA_OK;
}

/* Agent or Group. `need_type` requires objectType (objects of statements). */
static int v_actor(vctx_t *c, const json_t *a, const pth_t *path, int authority)
{
    int rc = want_object(c, a, path);
    if (rc) {
        return rc;
    }
    json_t *ot = json_object_get(a, "objectType");
    pth_t p;
    sub(&p, path, "objectType");
    if (ot && !json_is_string(ot)) {
        return fail(c, &p, "must be a string");
    }
    const char *t = ot ? json_string_value(ot) : "Agent";
    if (strcmp(t, "Agent") == 0) {
        return v_agent_body(c, a, path);
    }
    if (strcmp(t, "Group") == 0) {
        return v_group(c, a, path, authority);
    }
    return fail(c, &p, "must be \"Agent\" or \"Group\"");
}

int dla_xm_validate_actor(const json_t *actor, int version, const char *path,
                          dla_err_t *err)
{
    vctx_t c = {version, err};
    pth_t root = {NULL, path ? path : "actor", 0};
    return v_actor(&c, actor, &root, 0);
}

/* ---- verb
 * ------------------------------------------------------------------------------- */

static int v_verb(vctx_t *c, const json_t *v, const pth_t *path)
{
    static const char *const allowed[] = {"id", "display", NULL};
    int rc;
    if ((rc = want_object(c, v, path)) || (rc = keys_allowed(c, v, path, allowed)) ||
        (rc = opt_iri(c, v, "id", path, 1)) ||
        (rc = opt_langmap(c, v, "display", path))) {
        return rc;
    }
    return DLA_OK;
}

/* ---- activities
 * --------------------------------------------------------------------------- */

static const char *const interaction_types[] = {
    "true-false", "choice", "fill-in", "long-fill-in", "matching", "performance",
    "sequencing", "likert", "numeric", "other",        NULL};

/* Which component lists an interaction type allows (bit per list). */
enum { C_CHOICES = 1, C_SCALE = 2, C_SOURCE = 4, C_TARGET = 8, C_STEPS = 16 };
static int components_for(const char *t)
{
    if (!strcmp(t, "choice") || !strcmp(t, "sequencing")) {
        return C_CHOICES;
    }
    if (!strcmp(t, "likert")) {
        return C_SCALE;
    }
    if (!strcmp(t, "matching")) {
        return C_SOURCE | C_TARGET;
    }
    if (!strcmp(t, "performance")) {
        return C_STEPS;
    }
    return 0;
}

static int v_components(vctx_t *c, const json_t *list, const pth_t *path)
{
    static const char *const allowed[] = {"id", "description", NULL};
    if (!json_is_array(list)) {
        return fail(c, path, "must be an array of interaction components");
    }
    json_t *seen = json_object(); /* ids met so far: linear-time uniqueness */
    if (!seen) {
        return dla_err_set(c->err, DLA_ENOMEM, "out of memory");
    }
    int rc = DLA_OK;
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        pth_t p, q;
        const char *id;
        idx(&p, path, i);
        if ((rc = want_object(c, e, &p)) || (rc = keys_allowed(c, e, &p, allowed)) ||
            (rc = opt_string(c, e, "id", &p, &id)) ||
            (rc = opt_langmap(c, e, "description", &p))) {
            break;
        }
        sub(&q, &p, "id");
        if (!id || !*id) {
            rc = fail(c, &q, "is required");
            break;
        }
        if (json_object_get(seen, id)) {
            rc = fail(c, &q, "must be unique within the list");
            break;
        }
        if (json_object_set_new(seen, id, json_true())) {
            rc = dla_err_set(c->err, DLA_ENOMEM, "out of memory");
            break;
        }
    }
    json_decref(seen);
    return rc;
}

static int v_definition(vctx_t *c, const json_t *d, const pth_t *path)
{
    static const char *const allowed[] = {"name",
                                          "description",
                                          "type",
                                          "moreInfo",
                                          "extensions",
                                          "interactionType",
                                          "correctResponsesPattern",
                                          "choices",
                                          "scale",
                                          "source",
                                          "target",
                                          "steps",
                                          NULL};
    static const char *const lists[] = {"choices", "scale", "source", "target", "steps"};
    int rc;
    pth_t p;
    if ((rc = want_object(c, d, path)) || (rc = keys_allowed(c, d, path, allowed)) ||
        (rc = opt_langmap(c, d, "name", path)) ||
        (rc = opt_langmap(c, d, "description", path)) ||
        (rc = opt_iri(c, d, "type", path, 0)) ||
        (rc = opt_iri(c, d, "moreInfo", path, 0)) || (rc = v_extensions(c, d, path))) {
        return rc;
    }
    const char *it;
    if ((rc = opt_string(c, d, "interactionType", path, &it))) {
        return rc;
    }
    int allowed_lists = 0;
    if (it) {
        int ok = 0;
        for (int i = 0; interaction_types[i]; i++) {
            if (strcmp(it, interaction_types[i]) == 0) {
                ok = 1;
            }
        }
        if (!ok) {
            sub(&p, path, "interactionType");
            return fail(c, &p, "is not a known interaction type");
        }
        allowed_lists = components_for(it);
    }
    json_t *crp = json_object_get(d, "correctResponsesPattern");
    if (crp) {
        sub(&p, path, "correctResponsesPattern");
        if (!it) {
            return fail(c, &p, "requires interactionType");
        }
        if (!json_is_array(crp)) {
            return fail(c, &p, "must be an array of strings");
        }
        size_t i;
        json_t *e;
        json_array_foreach(crp, i, e)
        {
            if (!json_is_string(e)) {
                pth_t q;
                idx(&q, &p, i);
                return fail(c, &q, "must be a string");
            }
        }
    }
    for (int i = 0; i < 5; i++) {
        json_t *l = json_object_get(d, lists[i]);
        if (!l) {
            continue;
        }
        sub(&p, path, lists[i]);
        if (!it) {
            return fail(c, &p, "requires interactionType");
        }
        if (!(allowed_lists & (1 << i))) {
            return fail(c, &p, "is not allowed for this interactionType");
        }
        if ((rc = v_components(c, l, &p))) {
            return rc;
        }
    }
    return DLA_OK;
}

static int v_activity(vctx_t *c, const json_t *a, const pth_t *path)
{
    static const char *const allowed[] = {"objectType", "id", "definition", NULL};
    int rc;
    if ((rc = want_object(c, a, path)) || (rc = keys_allowed(c, a, path, allowed)) ||
        (rc = opt_iri(c, a, "id", path, 1))) {
        return rc;
    }
    json_t *ot = json_object_get(a, "objectType");
    if (ot && !(json_is_string(ot) && strcmp(json_string_value(ot), "Activity") == 0)) {
        pth_t p;
        sub(&p, path, "objectType");
        return fail(c, &p, "must be \"Activity\"");
    }
    json_t *d = json_object_get(a, "definition");
    if (d) {
        pth_t p;
        sub(&p, path, "definition");
        return v_definition(c, d, &p);
    }
    return DLA_OK;
}

static int v_statementref(vctx_t *c, const json_t *r, const pth_t *path)
{
    static const char *const allowed[] = {"objectType", "id", NULL};
    int rc;
    const char *id;
    pth_t p;
    if ((rc = want_object(c, r, path)) || (rc = keys_allowed(c, r, path, allowed)) ||
        (rc = opt_string(c, r, "id", path, &id))) {
        return rc;
    }
    json_t *ot = json_object_get(r, "objectType");
    if (!(json_is_string(ot) && strcmp(json_string_value(ot), "StatementRef") == 0)) {
        sub(&p, path, "objectType");
        return fail(c, &p, "must be \"StatementRef\"");
    }
    sub(&p, path, "id");
    if (!id || !dla_xm_is_uuid(id)) {
        return fail(c, &p, "must be a UUID");
    }
    return DLA_OK;
}

/* ---- result
 * ------------------------------------------------------------------------------- */

static int num(const json_t *o, const char *k, double *out)
{
    json_t *v = json_object_get(o, k);
    if (!v) {
        return 0;
    }
    *out = json_number_value(v);
    return 1;
}

static int v_score(vctx_t *c, const json_t *s, const pth_t *path)
{
    static const char *const allowed[] = {"scaled", "raw", "min", "max", NULL};
    int rc;
    if ((rc = want_object(c, s, path)) || (rc = keys_allowed(c, s, path, allowed))) {
        return rc;
    }
    for (int i = 0; allowed[i]; i++) {
        json_t *v = json_object_get(s, allowed[i]);
        if (v && (!json_is_number(v) || !isfinite(json_number_value(v)))) {
            pth_t p;
            sub(&p, path, allowed[i]);
            return fail(c, &p, "must be a number");
        }
    }
    double scaled = 0, raw = 0, min = 0, max = 0;
    int hs = num(s, "scaled", &scaled), hr = num(s, "raw", &raw),
        hmin = num(s, "min", &min), hmax = num(s, "max", &max);
    pth_t p;
    if (hs && (scaled < -1.0 || scaled > 1.0)) {
        sub(&p, path, "scaled");
        return fail(c, &p, "must be between -1 and 1");
    }
    if (hmin && hmax && !(max > min)) {
        sub(&p, path, "max");
        return fail(c, &p, "must be greater than min");
    }
    if (hr && hmin && raw < min) {
        sub(&p, path, "raw");
        return fail(c, &p, "must not be less than min");
    }
    if (hr && hmax && raw > max) {
        sub(&p, path, "raw");
        return fail(c, &p, "must not be greater than max");
    }
    return DLA_OK;
}

static int v_result(vctx_t *c, const json_t *r, const pth_t *path)
{
    static const char *const allowed[] = {
        "score", "success", "completion", "response", "duration", "extensions", NULL};
    int rc;
    pth_t p;
    if ((rc = want_object(c, r, path)) || (rc = keys_allowed(c, r, path, allowed)) ||
        (rc = v_extensions(c, r, path))) {
        return rc;
    }
    json_t *s = json_object_get(r, "score");
    if (s) {
        sub(&p, path, "score");
        if ((rc = v_score(c, s, &p))) {
            return rc;
        }
    }
    static const char *const bools[] = {"success", "completion"};
    for (int i = 0; i < 2; i++) {
        json_t *b = json_object_get(r, bools[i]);
        if (b && !json_is_boolean(b)) {
            sub(&p, path, bools[i]);
            return fail(c, &p, "must be a boolean");
        }
    }
    const char *str;
    if ((rc = opt_string(c, r, "response", path, &str)) ||
        (rc = opt_string(c, r, "duration", path, &str))) {
        return rc;
    }
    if (str && !dla_xm_is_duration(str)) {
        sub(&p, path, "duration");
        return fail(c, &p, "must be an ISO 8601 duration");
    }
    return DLA_OK;
}

/* ---- context
 * ------------------------------------------------------------------------------ */

static int v_context_activities(vctx_t *c, const json_t *ca, const pth_t *path)
{
    static const char *const allowed[] = {"parent", "grouping", "category", "other",
                                          NULL};
    int rc;
    if ((rc = want_object(c, ca, path)) || (rc = keys_allowed(c, ca, path, allowed))) {
        return rc;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)ca, k, v)
    {
        pth_t p;
        sub(&p, path, k);
        if (json_is_array(v)) {
            size_t i;
            json_t *a;
            json_array_foreach(v, i, a)
            {
                pth_t q;
                idx(&q, &p, i);
                if ((rc = v_activity(c, a, &q))) {
                    return rc;
                }
            }
        } else if (json_is_object(v)) {
            if ((rc = v_activity(c, v, &p))) {
                return rc;
            }
        } else {
            return fail(c, &p, "must be an Activity or an array of Activities");
        }
    }
    return DLA_OK;
}

static int v_relevant_types(vctx_t *c, const json_t *o, const pth_t *path)
{
    json_t *rt = json_object_get(o, "relevantTypes");
    if (!rt) {
        return DLA_OK;
    }
    pth_t p;
    sub(&p, path, "relevantTypes");
    if (!json_is_array(rt) || json_array_size(rt) == 0) {
        return fail(c, &p, "must be a non-empty array of IRIs");
    }
    size_t i;
    json_t *e;
    json_array_foreach(rt, i, e)
    {
        if (!json_is_string(e) || !dla_xm_is_iri(json_string_value(e))) {
            pth_t q;
            idx(&q, &p, i);
            return fail(c, &q, "must be an IRI");
        }
    }
    return DLA_OK;
}

/* contextAgents (group = 0) or contextGroups (group = 1) */
static int v_context_members(vctx_t *c, const json_t *l, const pth_t *path, int group)
{
    static const char *const allowed_a[] = {"objectType", "agent", "relevantTypes", NULL};
    static const char *const allowed_g[] = {"objectType", "group", "relevantTypes", NULL};
    const char *type = group ? "contextGroup" : "contextAgent";
    const char *key = group ? "group" : "agent";
    if (!json_is_array(l)) {
        return fail(c, path, "must be an array");
    }
    size_t i;
    json_t *e;
    json_array_foreach(l, i, e)
    {
        pth_t p, q;
        int rc;
        idx(&p, path, i);
        if ((rc = want_object(c, e, &p)) ||
            (rc = keys_allowed(c, e, &p, group ? allowed_g : allowed_a))) {
            return rc;
        }
        json_t *ot = json_object_get(e, "objectType");
        if (!(json_is_string(ot) && strcmp(json_string_value(ot), type) == 0)) {
            sub(&q, &p, "objectType");
            return fail(c, &q,
                        group ? "must be \"contextGroup\"" : "must be \"contextAgent\"");
        }
        json_t *who = json_object_get(e, key);
        sub(&q, &p, key);
        if (!who) {
            return fail(c, &q, "is required");
        }
        if (group) {
            json_t *got = json_object_get(who, "objectType");
            if (!json_is_object(who) ||
                !(json_is_string(got) && strcmp(json_string_value(got), "Group") == 0)) {
                return fail(c, &q, "must be a Group");
            }
            rc = v_group(c, who, &q, 0);
        } else {
            rc = v_agent(c, who, &q);
        }
        if (rc || (rc = v_relevant_types(c, e, &p))) {
            return rc;
        }
    }
    return DLA_OK;
}

static int v_context(vctx_t *c, const json_t *x, const pth_t *path, const json_t *object)
{
    static const char *const allowed103[] = {
        "registration", "instructor", "team",      "contextActivities", "revision",
        "platform",     "language",   "statement", "extensions",        NULL};
    static const char *const allowed200[] = {
        "registration", "instructor",    "team",          "contextActivities",
        "revision",     "platform",      "language",      "statement",
        "extensions",   "contextAgents", "contextGroups", NULL};
    int rc;
    pth_t p;
    const char *s;
    if ((rc = want_object(c, x, path)) ||
        (rc = keys_allowed(c, x, path,
                           c->version == DLA_XAPI_V200 ? allowed200 : allowed103)) ||
        (rc = v_extensions(c, x, path)) ||
        (rc = opt_string(c, x, "registration", path, &s))) {
        return rc;
    }
    if (s && !dla_xm_is_uuid(s)) {
        sub(&p, path, "registration");
        return fail(c, &p, "must be a UUID");
    }
    json_t *v;
    if ((v = json_object_get(x, "instructor"))) {
        sub(&p, path, "instructor");
        if ((rc = v_actor(c, v, &p, 0))) {
            return rc;
        }
    }
    if ((v = json_object_get(x, "team"))) {
        sub(&p, path, "team");
        json_t *ot = json_object_get(v, "objectType");
        if (!json_is_object(v) ||
            !(json_is_string(ot) && strcmp(json_string_value(ot), "Group") == 0)) {
            return fail(c, &p, "must be a Group");
        }
        if ((rc = v_group(c, v, &p, 0))) {
            return rc;
        }
    }
    if ((v = json_object_get(x, "contextActivities"))) {
        sub(&p, path, "contextActivities");
        if ((rc = v_context_activities(c, v, &p))) {
            return rc;
        }
    }
    /* revision and platform only when the object is an Activity */
    json_t *ot = json_object_get(object, "objectType");
    int is_activity =
        !ot || (json_is_string(ot) && strcmp(json_string_value(ot), "Activity") == 0);
    static const char *const ap[] = {"revision", "platform"};
    for (int i = 0; i < 2; i++) {
        if ((rc = opt_string(c, x, ap[i], path, &s))) {
            return rc;
        }
        if (s && !is_activity) {
            sub(&p, path, ap[i]);
            return fail(c, &p, "is only allowed when the object is an Activity");
        }
    }
    if ((rc = opt_string(c, x, "language", path, &s))) {
        return rc;
    }
    if (s && !dla_xm_is_langtag(s)) {
        sub(&p, path, "language");
        return fail(c, &p, "must be an RFC 5646 language tag");
    }
    if ((v = json_object_get(x, "statement"))) {
        sub(&p, path, "statement");
        if ((rc = v_statementref(c, v, &p))) {
            return rc;
        }
    }
    if ((v = json_object_get(x, "contextAgents"))) {
        sub(&p, path, "contextAgents");
        if ((rc = v_context_members(c, v, &p, 0))) {
            return rc;
        }
    }
    if ((v = json_object_get(x, "contextGroups"))) {
        sub(&p, path, "contextGroups");
        if ((rc = v_context_members(c, v, &p, 1))) {
            return rc;
        }
    }
    return DLA_OK;
}

/* ---- attachments
 * -------------------------------------------------------------------------- */

static int is_media_type(const char *s)
{
    /* type "/" subtype [; params]: tokens of visible ASCII without separators */
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || slash[1] == '\0' || slash[1] == ';') {
        return 0;
    }
    for (const char *t = s; *t && *t != ';'; t++) {
        unsigned char ch = (unsigned char)*t;
        if (ch <= 0x20 || ch >= 0x7f || (strchr("()<>@,:\\\"[]?={}", ch) && ch)) {
            return 0;
        }
    }
    return 1;
}

static int v_attachments(vctx_t *c, const json_t *l, const pth_t *path)
{
    static const char *const allowed[] = {"usageType",   "display", "description",
                                          "contentType", "length",  "sha2",
                                          "fileUrl",     NULL};
    if (!json_is_array(l)) {
        return fail(c, path, "must be an array");
    }
    size_t i;
    json_t *a;
    json_array_foreach(l, i, a)
    {
        pth_t p, q;
        int rc;
        const char *s;
        idx(&p, path, i);
        if ((rc = want_object(c, a, &p)) || (rc = keys_allowed(c, a, &p, allowed)) ||
            (rc = opt_iri(c, a, "usageType", &p, 1)) ||
            (rc = opt_langmap(c, a, "description", &p)) ||
            (rc = opt_iri(c, a, "fileUrl", &p, 0))) {
            return rc;
        }
        sub(&q, &p, "display");
        if (!json_object_get(a, "display")) {
            return fail(c, &q, "is required");
        }
        if ((rc = opt_langmap(c, a, "display", &p)) ||
            (rc = opt_string(c, a, "contentType", &p, &s))) {
            return rc;
        }
        sub(&q, &p, "contentType");
        if (!s) {
            return fail(c, &q, "is required");
        }
        if (!is_media_type(s)) {
            return fail(c, &q, "must be an Internet media type");
        }
        json_t *len = json_object_get(a, "length");
        sub(&q, &p, "length");
        if (!len) {
            return fail(c, &q, "is required");
        }
        if (!json_is_integer(len) || json_integer_value(len) < 0) {
            return fail(c, &q, "must be a non-negative integer");
        }
        if ((rc = opt_string(c, a, "sha2", &p, &s))) {
            return rc;
        }
        sub(&q, &p, "sha2");
        if (!s) {
            return fail(c, &q, "is required");
        }
        if (!dla_xm_is_sha2hex(s)) {
            return fail(c, &q, "must be a hexadecimal SHA-2 digest");
        }
    }
    return DLA_OK;
}

/* ---- statements
 * ---------------------------------------------------------------------------- */

static int v_statement(vctx_t *c, const json_t *st, const pth_t *path, int substatement);

static int v_object(vctx_t *c, const json_t *o, const pth_t *path, int in_sub)
{
    int rc = want_object(c, o, path);
    if (rc) {
        return rc;
    }
    json_t *ot = json_object_get(o, "objectType");
    pth_t p;
    sub(&p, path, "objectType");
    if (ot && !json_is_string(ot)) {
        return fail(c, &p, "must be a string");
    }
    const char *t = ot ? json_string_value(ot) : "Activity";
    if (!strcmp(t, "Activity")) {
        return v_activity(c, o, path);
    }
    if (!strcmp(t, "Agent") || !strcmp(t, "Group")) {
        return v_actor(c, o, path, 0);
    }
    if (!strcmp(t, "StatementRef")) {
        return v_statementref(c, o, path);
    }
    if (!strcmp(t, "SubStatement")) {
        if (in_sub) {
            return fail(c, &p, "a SubStatement must not contain a SubStatement");
        }
        return v_statement(c, o, path, 1);
    }
    return fail(c, &p, "must be Activity, Agent, Group, StatementRef or SubStatement");
}

static int v_version_prop(vctx_t *c, const char *s)
{
    /* 1.0[.x]; 2.0[.x] accepted by the 2.0 LRS */
    if (!(s[0] == '1' || (s[0] == '2' && c->version == DLA_XAPI_V200)) || s[1] != '.' ||
        s[2] != '0') {
        return 0;
    }
    if (s[3] == '\0') {
        return 1;
    }
    if (s[3] != '.' || s[4] == '\0') {
        return 0;
    }
    for (const char *t = s + 4; *t; t++) {
        if (*t < '0' || *t > '9' || t - s > 12) {
            return 0;
        }
    }
    return 1;
}

static int v_statement(vctx_t *c, const json_t *st, const pth_t *path, int substatement)
{
    static const char *const allowed_top[] = {
        "id",        "actor",  "verb",      "object",  "result",      "context",
        "timestamp", "stored", "authority", "version", "attachments", NULL};
    static const char *const allowed_sub[] = {"objectType", "actor",       "verb",
                                              "object",     "result",      "context",
                                              "timestamp",  "attachments", NULL};
    int rc;
    pth_t p;
    const char *s;
    if ((rc = want_object(c, st, path)) ||
        (rc = keys_allowed(c, st, path, substatement ? allowed_sub : allowed_top))) {
        return rc;
    }
    if ((rc = opt_string(c, st, "id", path, &s))) {
        return rc;
    }
    if (s && !dla_xm_is_uuid(s)) {
        sub(&p, path, "id");
        return fail(c, &p, "must be a UUID");
    }
    static const char *const req[] = {"actor", "verb", "object"};
    for (int i = 0; i < 3; i++) {
        if (!json_object_get(st, req[i])) {
            sub(&p, path, req[i]);
            return fail(c, &p, "is required");
        }
    }
    json_t *object = json_object_get(st, "object");
    sub(&p, path, "actor");
    if ((rc = v_actor(c, json_object_get(st, "actor"), &p, 0))) {
        return rc;
    }
    sub(&p, path, "verb");
    json_t *verb = json_object_get(st, "verb");
    if ((rc = v_verb(c, verb, &p))) {
        return rc;
    }
    sub(&p, path, "object");
    if ((rc = v_object(c, object, &p, substatement))) {
        return rc;
    }
    json_t *vid = json_object_get(verb, "id");
    if (!substatement && strcmp(json_string_value(vid), XM_VOIDED) == 0) {
        json_t *ot = json_object_get(object, "objectType");
        if (!(json_is_string(ot) && strcmp(json_string_value(ot), "StatementRef") == 0)) {
            return fail(c, &p, "a voiding statement's object must be a StatementRef");
        }
    }
    json_t *v;
    if ((v = json_object_get(st, "result"))) {
        sub(&p, path, "result");
        if ((rc = v_result(c, v, &p))) {
            return rc;
        }
    }
    if ((v = json_object_get(st, "context"))) {
        sub(&p, path, "context");
        if ((rc = v_context(c, v, &p, object))) {
            return rc;
        }
    }
    static const char *const times[] = {"timestamp", "stored"};
    for (int i = 0; i < 2; i++) {
        if ((rc = opt_string(c, st, times[i], path, &s))) {
            return rc;
        }
        if (s && !dla_xm_is_timestamp(s, c->version)) {
            sub(&p, path, times[i]);
            return fail(c, &p, "must be an RFC 3339 timestamp");
        }
    }
    if ((v = json_object_get(st, "authority"))) {
        sub(&p, path, "authority");
        if ((rc = v_actor(c, v, &p, 1))) {
            return rc;
        }
    }
    if ((rc = opt_string(c, st, "version", path, &s))) {
        return rc;
    }
    if (s && !v_version_prop(c, s)) {
        sub(&p, path, "version");
        return fail(c, &p,
                    c->version == DLA_XAPI_V200 ? "must be 1.0.x or 2.0.x"
                                                : "must be 1.0.x");
    }
    if ((v = json_object_get(st, "attachments"))) {
        sub(&p, path, "attachments");
        if ((rc = v_attachments(c, v, &p))) {
            return rc;
        }
    }
    return DLA_OK;
}

int dla_xm_validate_statement(const json_t *st, int version, dla_err_t *err)
{
    vctx_t c = {version, err};
    if (version != DLA_XAPI_V103 && version != DLA_XAPI_V200) {
        return dla_err_set(err, DLA_EINVAL, "unsupported xAPI version");
    }
    if (!json_is_object(st)) {
        return dla_err_set(err, DLA_EINVAL, "statement: must be an object");
    }
    return v_statement(&c, st, NULL, 0);
}
