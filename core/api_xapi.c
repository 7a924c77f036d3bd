/* api_xapi.c - the xAPI statements the diagnostic records: one per answer
 * (verb answered) and one for the result (verb completed). Actor is the
 * learner's account (homePage = platform issuer, name = opaque user id). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "dla_auth.h"

static void uuid_format(const unsigned char b[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    int i, o = 0;

    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = 0;
}

int api_uuid4(char out[37])
{
    unsigned char b[16];

    if (dla_random_bytes(b, sizeof(b)) != DLA_OK)
        return DLA_ERR;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
    return DLA_OK;
}

void api_stmt_id(const char *diag_id, const char *suffix, char out[37])
{
    char buf[256], hex[65];
    unsigned char b[16];
    int i;

    snprintf(buf, sizeof(buf), "dla-diagnostic:%s:%s", diag_id, suffix);
    dla_sha256_hex(buf, strlen(buf), hex);
    for (i = 0; i < 16; i++) {
        unsigned hi =
            (unsigned)(hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' + 10);
        unsigned lo = (unsigned)(hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0'
                                                       : hex[2 * i + 1] - 'a' + 10);
        b[i] = (unsigned char)(hi << 4 | lo);
    }
    /* name-based layout (version 5 bits, RFC 4122 variant), SHA-256 truncated */
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x50);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    uuid_format(b, out);
}

static void iso_now(char out[32])
{
    time_t t = (time_t)dla_now();
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *actor(const char *issuer, const char *user)
{
    return json_pack("{s:s, s:{s:s, s:s}}", "objectType", "Agent", "account", "homePage",
                     issuer, "name", user);
}

json_t *api_stmt_answer(api_t *a, const char *issuer, const char *user,
                        const json_t *diag, const dla_diag_item_t *it, const char *answer,
                        int correct, double theta, double se, const char *sid)
{
    const char *fw = json_string_value(json_object_get(diag, "framework"));
    const char *base = a->app->base_url ? a->app->base_url : "http://localhost";
    char obj[512], parent[512], ts[32];
    api_fw_t *f = api_fw_find(a, fw);

    snprintf(obj, sizeof(obj), "%s/diagnostic/%s/items/%s", base, fw, it->id);
    snprintf(parent, sizeof(parent), "%s/diagnostic/%s", base, fw);
    iso_now(ts);
    return json_pack(
        "{s:s, s:o, s:{s:s, s:{s:s, s:s}}, "
        "s:{s:s, s:s, s:{s:s, s:s, s:{s:s, s:s}}}, "
        "s:{s:b, s:s, s:{s:f, s:f, s:i}}, "
        "s:{s:O, s:s, s:{s:[{s:s}]}, s:{s:{s:s, s:s, s:s}}}, s:s}",
        "id", sid, "actor", actor(issuer, user), "verb", "id",
        "http://adlnet.gov/expapi/verbs/answered", "display", "en-US", "answered",
        "lt-LT", "atsakė", "object", "objectType", "Activity", "id", obj, "definition",
        "type", "http://adlnet.gov/expapi/activities/cmi.interaction", "interactionType",
        "choice", "name", "en-US", it->id, "lt-LT", it->id, "result", "success", correct,
        "response", answer, "extensions", API_NS "ability", theta, API_NS "se", se,
        API_NS "level", dla_irt_level_of(theta), "context", "registration",
        json_object_get(diag, "id"), "language",
        json_string_value(json_object_get(diag, "lang")), "contextActivities", "parent",
        "id", parent, "extensions", API_NS "competence", "framework", fw, "id",
        it->comp_id, "area", f ? f->fw->areas[it->area].id : "", "timestamp", ts);
}

json_t *api_stmt_result(api_t *a, const char *issuer, const char *user,
                        const json_t *diag, const json_t *result, const char *sid)
{
    const char *fw = json_string_value(json_object_get(diag, "framework"));
    const char *base = a->app->base_url ? a->app->base_url : "http://localhost";
    char obj[512], ts[32];
    json_t *levels = json_object(), *comps = json_array(), *e, *ov;
    size_t i;

    snprintf(obj, sizeof(obj), "%s/diagnostic/%s", base, fw);
    iso_now(ts);
    json_array_foreach(json_object_get(result, "areas"), i, e) json_object_set_new(
        levels, json_string_value(json_object_get(e, "id")),
        json_pack("{s:O, s:O, s:O, s:O}", "theta", json_object_get(e, "theta"), "se",
                  json_object_get(e, "se"), "level", json_object_get(e, "level"),
                  "interval", json_object_get(e, "interval")));
    json_array_foreach(json_object_get(result, "competences"), i, e)
    {
        json_object_set_new(
            levels, json_string_value(json_object_get(e, "id")),
            json_pack("{s:O, s:O, s:O, s:O}", "theta", json_object_get(e, "theta"), "se",
                      json_object_get(e, "se"), "level", json_object_get(e, "level"),
                      "interval", json_object_get(e, "interval")));
        json_array_append(comps, json_object_get(e, "id"));
    }
    ov = json_object_get(result, "overall");
    return json_pack(
        "{s:s, s:o, s:{s:s, s:{s:s, s:s}}, "
        "s:{s:s, s:s, s:{s:s, s:{s:s, s:s}}}, "
        "s:{s:b, s:{s:O}, s:{s:O, s:O, s:O, s:o}}, "
        "s:{s:O, s:s, s:{s:{s:s, s:o}}}, s:s}",
        "id", sid, "actor", actor(issuer, user), "verb", "id",
        "http://adlnet.gov/expapi/verbs/completed", "display", "en-US", "completed",
        "lt-LT", "baigė", "object", "objectType", "Activity", "id", obj, "definition",
        "type", "http://adlnet.gov/expapi/activities/assessment", "name", "en-US",
        "DigComp diagnostic", "lt-LT", "DigComp diagnostika", "result", "completion", 1,
        "score", "scaled", json_object_get(ov, "score"), "extensions", API_NS "ability",
        json_object_get(ov, "theta"), API_NS "se", json_object_get(ov, "se"),
        API_NS "level", json_object_get(ov, "level"), API_NS "levels", levels, "context",
        "registration", json_object_get(diag, "id"), "language",
        json_string_value(json_object_get(diag, "lang")), "extensions",
        API_NS "competence", "framework", fw, "ids", comps, "timestamp", ts);
}
