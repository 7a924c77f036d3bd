/* model_int.h - the xAPI data model: versions, statement validation, stored form,
 * formats, comparison, agent/activity keys, timestamps, signed statements,
 * multipart/mixed and attachment hashes. Pure functions: no HTTP, no storage.
 *
 * Internal to xapi/ (used by the LRS routes and the emitter). All functions are
 * thread-safe and reentrant. json_t arguments are borrowed unless a comment says
 * otherwise; nothing here keeps a reference after returning. Every input is
 * bounded (DLA_XM_MAX_* below) and no input crashes (fuzz targets in tests/fuzz).
 *
 * Error messages name the JSON path of the offending value, e.g.
 * "actor.mbox: must be a mailto IRI" or "context.contextActivities.parent[0].id: ...".
 */
#ifndef DLA_XAPI_MODEL_INT_H
#define DLA_XAPI_MODEL_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "dla_arena.h"
#include "dla_err.h"

/* ---- limits ------------------------------------------------------------------ */
#define DLA_XM_MAX_DEPTH 64     /* nesting inside an extension value */
#define DLA_XM_MAX_STRING 65536 /* bytes of one string value (IRIs: 4096) */
#define DLA_XM_MAX_IRI 4096
#define DLA_XM_MAX_PARTS 256         /* multipart/mixed parts per request */
#define DLA_XM_MAX_PART_HEADERS 8192 /* bytes of one part's header block */
#define DLA_XM_MAX_JWS (1024 * 1024) /* bytes of one compact JWS */
#define DLA_XM_IFI_KEY_MAX 8400      /* buffer size that fits any agent key */

/* ---- versions ---------------------------------------------------------------- */
enum { DLA_XAPI_V103 = 1, DLA_XAPI_V200 = 2 };

/* Parses an X-Experience-API-Version header value. 1.0.0..1.0.3 (and "1.0") give
 * DLA_XAPI_V103 answering "1.0.3"; 2.0.x gives DLA_XAPI_V200 answering "2.0.0".
 * Returns the version (> 0) and sets *answer (static string, may be NULL), or
 * DLA_EINVAL for a missing (NULL) or unsupported value. */
int dla_xm_version_negotiate(const char *header, const char **answer);
/* "1.0.3" / "2.0.0" for a version (static string), "" for anything else. */
const char *dla_xm_version_name(int version);

/* ---- validation --------------------------------------------------------------- */
/* Validates one statement (an object, not an array) against every rule of the
 * spec for `version`. DLA_OK, or DLA_EINVAL with err->msg naming the path.
 * The statement may carry id, stored, authority, version (as sent by a client,
 * e.g. statements copied from another LRS). */
int dla_xm_validate_statement(const json_t *st, int version, dla_err_t *err);
/* Validates an Agent or Group as an actor (path used in messages). */
int dla_xm_validate_actor(const json_t *actor, int version, const char *path,
                          dla_err_t *err);
/* Validates an Agent only (objectType absent or "Agent") with exactly one IFI:
 * the `agent` query parameter of statements, state, agent profile, agents. */
int dla_xm_validate_agent(const json_t *agent, int version, const char *path,
                          dla_err_t *err);
/* Syntax checks on strings (1 = valid, 0 = not). */
int dla_xm_is_iri(const char *s);                    /* absolute IRI: scheme ":" ... */
int dla_xm_is_uuid(const char *s);                   /* 8-4-4-4-12 hex, any variant */
int dla_xm_is_langtag(const char *s);                /* RFC 5646 language tag */
int dla_xm_is_duration(const char *s);               /* ISO 8601 duration */
int dla_xm_is_timestamp(const char *s, int version); /* RFC 3339 / ISO 8601 */
int dla_xm_is_mailto(const char *s);                 /* "mailto:" + address */
int dla_xm_is_sha1hex(const char *s);                /* 40 hex */
int dla_xm_is_sha2hex(const char *s);                /* 56, 64, 96 or 128 hex */

/* ---- stored form ---------------------------------------------------------------- */
/* Turns a validated statement into its stored form, in place: id (random UUIDv4)
 * if absent, else lowercased; stored = stored_ts; timestamp = stored_ts if absent,
 * else converted to UTC "Z" form (same instant; milliseconds, or microseconds when
 * the client sent more digits; "...Z" timestamps are kept as sent); authority = a
 * copy of `authority` when non-NULL (else kept); version "1.0.0" if absent;
 * contextActivities single objects become arrays (also in a SubStatement, whose
 * timestamp is converted too). `stored_ts` is an RFC 3339 UTC string
 * (dla_xm_ts_format). DLA_OK, DLA_EINVAL (bad stored_ts) or DLA_ENOMEM. */
int dla_xm_prepare(json_t *st, int version, const char *stored_ts,
                   const json_t *authority, dla_err_t *err);
/* The statement id the statement voids (verb http://adlnet.gov/expapi/verbs/voided
 * with a StatementRef object), borrowed from `st`, or NULL if not a voiding one. */
const char *dla_xm_voided_id(const json_t *st);
/* Builds the authority of a credential without a user: an Agent with an account
 * {homePage, name}. Returns a new reference (caller json_decref), NULL on ENOMEM. */
json_t *dla_xm_authority_account(const char *home_page, const char *name);

/* ---- formats ---------------------------------------------------------------------- */
enum { DLA_XM_FORMAT_EXACT = 0, DLA_XM_FORMAT_IDS = 1, DLA_XM_FORMAT_CANONICAL = 2 };
/* Parses the `format` parameter ("exact", "ids", "canonical"); NULL gives EXACT.
 * Returns the format or DLA_EINVAL. */
int dla_xm_format_parse(const char *s);
/* Returns a new reference (caller json_decref) holding `stored` in `format`:
 * exact = a copy; ids = Agents/Groups keep objectType + IFI only (anonymous groups
 * keep objectType + ids-form members), Activities keep their id only, Verbs keep
 * id; canonical = the language maps of Activity definitions (name, description,
 * interaction components) and Verb displays reduced to the one entry that best
 * matches accept_language (an Accept-Language header value, may be NULL: then the
 * first entry). Agents, Groups and attachments stay as in exact. To serve the
 * LRS's canonical Activity definitions, replace them before calling this.
 * NULL on ENOMEM. */
json_t *dla_xm_format(const json_t *stored, int format, const char *accept_language);

/* ---- comparison ---------------------------------------------------------------- */
/* 1 if `a` and `b` are the same statement per the spec's signature/PUT comparison:
 * ignoring stored, authority, version, id (when absent on one side), and timestamp
 * differences that are only time-zone / precision representation of the same
 * instant; objectType defaults ("Agent", "Activity") are applied; IRIs compared
 * exactly; mbox compared case-insensitively on the domain. 0 otherwise. */
int dla_xm_statements_equivalent(const json_t *a, const json_t *b);

/* ---- agents and activities for indexing ---------------------------------------- */
/* Writes the canonical key of an Agent/Group IFI into buf (NUL-terminated):
 * "mbox:mailto:a@b", "sha1:<40 hex lowercase>", "openid:<iri>",
 * "account:<homePage>|<name>". An anonymous Group (no IFI) gives DLA_ENOTFOUND;
 * a buffer too small gives DLA_ETOOBIG; a non-object or malformed IFI DLA_EINVAL. */
int dla_xm_agent_ifi_key(const json_t *agent, char *buf, size_t cap);

/* Where an agent or activity sits in a statement. DIRECT = matched by the plain
 * `agent` / `activity` query filter (actor or object; object activity id);
 * RELATED = only with related_agents / related_activities=true. */
enum { DLA_XM_DIRECT = 0, DLA_XM_RELATED = 1 };
/* Calls fn(ctx, key, where) for each agent IFI of a statement (duplicates are
 * possible; the caller de-duplicates): DIRECT for the actor and an Agent/Group
 * object (identified groups by their own IFI); RELATED for members of any group,
 * authority, context instructor, team, contextAgents, contextGroups, and
 * everything inside a SubStatement. Anonymous groups give no key of their own.
 * Stops and returns fn's value if non-zero; else DLA_OK. */
typedef int (*dla_xm_key_fn)(void *ctx, const char *key, int where);
int dla_xm_statement_agents(const json_t *st, dla_xm_key_fn fn, void *ctx);
/* Calls fn(ctx, activity_id, where) for each activity id: DIRECT for the object
 * Activity, RELATED for contextActivities (parent, grouping, category, other) and
 * activities inside a SubStatement (object and context). */
int dla_xm_statement_activities(const json_t *st, dla_xm_key_fn fn, void *ctx);
/* Calls fn(ctx, activity) for each Activity object with a definition (object,
 * contextActivities, and inside a SubStatement), for the Activities resource. */
typedef int (*dla_xm_obj_fn)(void *ctx, const json_t *activity);
int dla_xm_statement_activity_objects(const json_t *st, dla_xm_obj_fn fn, void *ctx);
/* Merges an incoming activity definition into the known one: language maps merge
 * key by key, other members of `incoming` replace. Returns a new reference (caller
 * json_decref); `old` may be NULL. NULL on ENOMEM. */
json_t *dla_xm_activity_merge(const json_t *old, const json_t *incoming);
/* The Person object for the Agents resource: {"objectType":"Person", "name":[..],
 * "mbox":[..], "mbox_sha1sum":[..], "openid":[..], "account":[..]} with the
 * agent's values. Returns a new reference, NULL on ENOMEM. */
json_t *dla_xm_person(const json_t *agent);

/* ---- timestamps ----------------------------------------------------------------- */
/* Parses an RFC 3339 timestamp (any offset; fractions to any precision, kept to
 * microseconds) into microseconds since the epoch, UTC. Rejects "-00:00",
 * "-0000", "-00" offsets. DLA_OK or DLA_EINVAL. */
int dla_xm_ts_parse(const char *s, int64_t *us_out);
/* Formats UTC microseconds as "2026-11-28T15:04:05.123Z" (digits = 3) or with
 * 6 fraction digits (digits = 6). out must hold 32 bytes. */
void dla_xm_ts_format(int64_t us, int digits, char out[32]);
/* Current wall-clock time in UTC microseconds. */
int64_t dla_xm_now_us(void);

/* ---- hashes ------------------------------------------------------------------------ */
/* Lowercase hex SHA-256 of n bytes into out[65]. */
void dla_xm_sha256_hex(const void *data, size_t n, char out[65]);

/* ---- signed statements ----------------------------------------------------------- */
/* Checks a compact JWS (header.payload.signature, base64url) attached to `st` as a
 * signature: alg RS256/RS384/RS512 only (HS*, none and others rejected); header
 * and payload must be JSON; the payload must be equivalent to `st` (the statement
 * as received, before dla_xm_prepare); when the header carries x5c, the first
 * certificate's RSA key must verify the signature. DLA_OK or DLA_EINVAL. */
int dla_xm_jws_check(const json_t *st, const char *jws, size_t len, dla_err_t *err);

/* ---- multipart/mixed ------------------------------------------------------------- */
#define DLA_XM_SIGNATURE_USAGE "http://adlnet.gov/expapi/attachments/signature"

typedef struct dla_xm_part_s {
    const char *content_type;      /* Content-Type value (no parameters), lowercase */
    const char *content_type_full; /* Content-Type value as sent, with parameters */
    const char *encoding;          /* Content-Transfer-Encoding, NULL if absent */
    const char *hash;              /* X-Experience-API-Hash (lowercase hex), or NULL */
    const char *data;              /* body bytes (not NUL-terminated) */
    size_t len;
} dla_xm_part_t;

/* Parses a multipart/mixed body. `content_type` is the request's Content-Type
 * header (must be multipart/mixed with a boundary). On DLA_OK, *parts is an array
 * of *nparts parts, all owned by arena `a` (data points into `body`, which must
 * outlive them). Limits: DLA_XM_MAX_PARTS parts, DLA_XM_MAX_PART_HEADERS bytes of
 * headers per part. DLA_EINVAL with err->msg on malformed input, DLA_ETOOBIG above
 * limits, DLA_ENOMEM. Checks nothing xAPI-specific (see dla_xm_attachments_check). */
int dla_xm_multipart_parse(dla_arena_t *a, const char *content_type, const char *body,
                           size_t len, dla_xm_part_t **parts, size_t *nparts,
                           dla_err_t *err);

/* Checks a statement request sent as multipart/mixed: parts[0] is the statement
 * part (application/json), parts[1..] attachments, each with
 * X-Experience-API-Hash equal to the SHA-256 of its data and Content-Transfer-
 * Encoding binary (when present); every statement attachment without fileUrl must
 * have a part with its sha2, every part must match some attachment's sha2; signed
 * statements (usageType signature) are checked with dla_xm_jws_check.
 * `statements` is the parsed first part (object or array). DLA_OK or DLA_EINVAL. */
int dla_xm_attachments_check(const json_t *statements, const dla_xm_part_t *parts,
                             size_t nparts, int version, dla_err_t *err);
/* Checks statements sent as plain application/json: a JSON body cannot carry
 * attachment data, so every attachment must have a fileUrl. DLA_OK or DLA_EINVAL
 * naming the attachment. `statements` is an object or an array. */
int dla_xm_attachments_check_json(const json_t *statements, dla_err_t *err);
/* Calls fn(ctx, sha2, content_type) for each attachment of a statement that has a
 * sha2 (for storing/serving attachment data); stops on non-zero. */
typedef int (*dla_xm_att_fn)(void *ctx, const char *sha2, const char *content_type);
int dla_xm_statement_attachments(const json_t *st, dla_xm_att_fn fn, void *ctx);

/* One attachment to write in a multipart/mixed response. */
typedef struct dla_xm_out_part_s {
    const char *sha2;         /* hex */
    const char *content_type; /* e.g. "image/png" */
    const void *data;
    size_t len;
} dla_xm_out_part_t;
/* Writes a multipart/mixed response: the JSON (json, json_len) as the first part,
 * then each attachment with Content-Type, Content-Transfer-Encoding: binary and
 * X-Experience-API-Hash. *out (arena-owned, len *out_len) is the body; the
 * Content-Type header value with the random boundary is written to ctype[cap]
 * (cap >= 96). DLA_OK, DLA_ENOMEM or DLA_ETOOBIG (ctype too small). */
int dla_xm_multipart_write(dla_arena_t *a, const char *json, size_t json_len,
                           const dla_xm_out_part_t *atts, size_t n, char **out,
                           size_t *out_len, char *ctype, size_t cap);

#endif
