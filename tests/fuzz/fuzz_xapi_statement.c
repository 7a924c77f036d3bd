/* fuzz_xapi_statement.c - statement validation and everything run on accepted
 * statements: stored form, formats, comparison, agent and activity keys.
 * Input: any bytes, parsed as JSON; also fed to the scalar syntax checks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "model_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_key(void *ctx, const char *key, int where)
{
    (void)where;
    *(size_t *)ctx += strlen(key);
    return 0;
}

static int count_obj(void *ctx, const json_t *a)
{
    (void)a;
    ++*(size_t *)ctx;
    return 0;
}

static int count_att(void *ctx, const char *sha2, const char *ct)
{
    *(size_t *)ctx += strlen(sha2) + strlen(ct);
    return 0;
}

static void scalars(const uint8_t *data, size_t size)
{
    char buf[512];
    size_t n = size < sizeof buf - 1 ? size : sizeof buf - 1;
    memcpy(buf, data, n);
    buf[n] = '\0';
    int64_t us;
    const char *ans;
    char out[32];
    (void)dla_xm_is_iri(buf);
    (void)dla_xm_is_uuid(buf);
    (void)dla_xm_is_langtag(buf);
    (void)dla_xm_is_duration(buf);
    (void)dla_xm_is_timestamp(buf, DLA_XAPI_V200);
    (void)dla_xm_is_mailto(buf);
    (void)dla_xm_version_negotiate(buf, &ans);
    (void)dla_xm_format_parse(buf);
    if (dla_xm_ts_parse(buf, &us) == DLA_OK) {
        dla_xm_ts_format(us, 3, out);
        dla_xm_ts_format(us, 6, out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024) {
        return 0;
    }
    scalars(data, size);
    json_t *st = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!st) {
        return 0;
    }
    for (int v = DLA_XAPI_V103; v <= DLA_XAPI_V200; v++) {
        dla_err_t err;
        size_t acc = 0;
        char key[DLA_XM_IFI_KEY_MAX];
        /* enumerations and formats must be safe even on invalid statements */
        (void)dla_xm_statement_agents(st, count_key, &acc);
        (void)dla_xm_statement_activities(st, count_key, &acc);
        (void)dla_xm_statement_activity_objects(st, count_obj, &acc);
        (void)dla_xm_statement_attachments(st, count_att, &acc);
        (void)dla_xm_agent_ifi_key(json_object_get(st, "actor"), key, sizeof key);
        (void)dla_xm_voided_id(st);
        (void)dla_xm_attachments_check_json(st, &err);
        json_t *f = dla_xm_format(st, DLA_XM_FORMAT_IDS, NULL);
        json_decref(f);
        f = dla_xm_format(st, DLA_XM_FORMAT_CANONICAL, "lt, en-GB;q=0.8, *;q=0.1");
        json_decref(f);
        (void)dla_xm_statements_equivalent(st, st);
        json_t *p = dla_xm_person(json_object_get(st, "actor"));
        json_decref(p);
        if (dla_xm_validate_statement(st, v, &err) != DLA_OK) {
            continue;
        }
        json_t *copy = json_deep_copy(st);
        json_t *auth = dla_xm_authority_account("https://lrs.example.lt", "fuzz");
        if (copy &&
            dla_xm_prepare(copy, v, "2026-11-28T15:04:05.123Z", auth, &err) == DLA_OK) {
            /* the stored form is still valid and equivalent to what came in */
            if (dla_xm_validate_statement(copy, v, &err) != DLA_OK ||
                !dla_xm_statements_equivalent(st, copy)) {
                abort();
            }
            for (int fmt = 0; fmt < 3; fmt++) {
                json_t *out = dla_xm_format(copy, fmt, "en");
                /* every format of a stored statement is itself a valid statement */
                if (out && dla_xm_validate_statement(out, v, &err) != DLA_OK) {
                    abort();
                }
                char *s = out ? json_dumps(out, JSON_COMPACT) : NULL;
                free(s);
                json_decref(out);
            }
        }
        json_decref(auth);
        json_decref(copy);
    }
    json_decref(st);
    return 0;
}
