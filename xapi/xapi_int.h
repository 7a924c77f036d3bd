/* xapi_int.h - private interfaces of the LRS (storage, queries, documents, HTTP).
 *
 * The data model (validation, formats, equivalence, multipart, JWS) lives in
 * model_int.h; this header covers what sits around it: the LMDB layout, the
 * group-commit writer, the statement query engine and the resource handlers.
 *
 * Storage layout (all keys begin with the 4-byte big-endian tenant number "tid",
 * assigned on first use from xapi_tenant, so one tenant never sees another's rows):
 *   xapi_stmt  tid seq8                 -> lrs_rec_hdr_t + statement JSON
 *   xapi_id    tid uuid16               -> seq8
 *   xapi_idx   tid epoch4 hash16 kind1 seq8 -> ""    (agent, verb, activity, ...)
 *   xapi_hot   tid hot4 hash16 kind1 seq8   -> ""    (the same, newest epoch only)
 *   xapi_time  tid stored_ms8 seq8      -> ""         (since / until)
 *   xapi_pend  tid uuid16        (dups) -> seq8       (refs waiting for their target)
 *   xapi_att   tid sha2-hex             -> attachment bytes
 *   xapi_doc   tid type1 hash16 [hash16 reg17] hash16 -> lrs_doc_hdr_t + id + body
 *   xapi_act   tid hash16               -> canonical activity JSON
 *   xapi_meta  "seq"                    -> next seq (global, monotonic)
 *              "merged"                 -> first seq whose entries are in xapi_hot
 * Index entries are grouped by epoch so the entries one commit group adds sit
 * in a small region of the tree: every entry a commit adds dirties a 4 KiB
 * page, so the size of that region bounds the pages written per fsync. Two
 * tiers: the newest 2^LRS_EPOCH_BITS statements (seq >= merged) index into
 * xapi_hot by small epochs (seq >> LRS_HOT_BITS, a few pages each); when the
 * sequence leaves that big epoch the writer moves its entries into xapi_idx
 * (big epochs, seq >> LRS_EPOCH_BITS) in key order, in the same transaction,
 * and empties xapi_hot. A query reads `merged` in its own snapshot and walks
 * the epochs newest (or oldest) first, seeking once per epoch and filter: at
 * most 2^(LRS_EPOCH_BITS - LRS_HOT_BITS) hot epochs, then the big ones.
 * Sequence numbers are global and strictly increasing; stored times are
 * assigned per commit group and never decrease with the sequence, so since and
 * until map to sequence bounds through xapi_time.
 */
#ifndef XAPI_INT_H
#define XAPI_INT_H

#include <pthread.h>
#include <stdint.h>
#include <jansson.h>

#include "dla_app.h"
#include "dla_auth.h"
#include "dla_err.h"
#include "dla_http.h"
#include "dla_store.h"

/* ---- index kinds -------------------------------------------------------- */
enum {
    LRS_IX_AGENT = 1,     /* actor, or object when it is an agent/group */
    LRS_IX_AGENT_REL = 2, /* any agent anywhere in the statement */
    LRS_IX_VERB = 3,
    LRS_IX_ACT = 4,     /* object activity */
    LRS_IX_ACT_REL = 5, /* any activity anywhere */
    LRS_IX_REG = 6,     /* context.registration */
    LRS_IX_AUTH = 7,    /* authority (statements/read/mine) */
};

/* Hash family of a kind: the direct and "related" lists of one agent (or
 * activity) share a hash, so their entries sit side by side in xapi_idx and one
 * statement dirties one page for both. */
#define LRS_IX_FAMILY(kind)                                                              \
    ((uint8_t)((kind) == LRS_IX_AGENT || (kind) == LRS_IX_AGENT_REL ||                   \
                       (kind) == LRS_IX_AUTH                                             \
                   ? 1                                                                   \
               : (kind) == LRS_IX_ACT || (kind) == LRS_IX_ACT_REL ? 2                    \
                                                                  : 16 + (kind)))

typedef struct lrs_key_s {
    uint8_t kind;
    uint8_t hash[16];
} lrs_key_t;

/* Record header stored before the statement JSON. */
#define LRS_REC_VOIDED 0x01u
#define LRS_REC_VOIDING 0x02u /* this statement voids another */
#define LRS_REC_ATTACH 0x04u  /* has attachments with stored content */
#define LRS_REC_NOTS 0x08u    /* arrived without a timestamp: timestamp = stored */
typedef struct lrs_rec_hdr_s {
    uint8_t flags;
    uint8_t ver; /* 1 = 1.0.x, 2 = 2.0.x */
    uint8_t pad[6];
    uint64_t stored_ms;
    uint8_t id[16];
} lrs_rec_hdr_t;

/* ---- one statement to insert ---------------------------------------------- */
typedef struct lrs_item_s {
    uint8_t id[16];
    char *json; /* serialized statement without "stored" (malloc, owned by item) */
    size_t json_len;
    lrs_key_t *keys; /* malloc, owned */
    size_t nkeys;
    int has_ref; /* object is a StatementRef */
    uint8_t ref[16];
    int voiding; /* verb is voided and object a StatementRef */
    uint8_t flags;
    uint8_t ver;
    json_t *acts;        /* activity objects with definitions (own reference) or NULL */
    uint8_t (*acth)[32]; /* per activity: hash of the id, hash of the definition */
    int dup;             /* set by the writer: an equal statement already existed */
} lrs_item_t;

typedef struct lrs_att_s {
    char sha2[160];
    const void *data; /* borrowed (request body) */
    size_t len;
} lrs_att_t;

typedef struct lrs_job_s lrs_job_t;
typedef void (*lrs_done_fn)(lrs_job_t *job);

struct lrs_job_s {
    char tenant[64];
    lrs_item_t *items; /* malloc, owned */
    size_t n;
    lrs_att_t *atts; /* malloc array, data borrowed */
    size_t natts;
    int put_mode; /* PUT: an equal existing statement is fine (204) */
    /* results, set by the writer */
    int rc; /* DLA_OK, DLA_ECONFLICT, DLA_EINVAL, ... */
    dla_err_t err;
    uint64_t stored_ms;
    /* completion */
    lrs_done_fn done; /* called on the writer thread after the commit */
    void *ud;
    pthread_mutex_t mu; /* synchronous waiters (emitter, CLI) */
    pthread_cond_t cv;
    int finished;
    lrs_job_t *next;
};

#define LRS_VMEM 256
#define LRS_ACT_CACHE 4096
#define LRS_EPOCH_BITS 12
#define LRS_EPOCH(seq) ((uint32_t)((seq) >> LRS_EPOCH_BITS))
#define LRS_HOT_BITS 6
#define LRS_BIG ((uint64_t)1 << LRS_EPOCH_BITS)
#define LRS_IDX_KEY 33 /* tid4 epoch4 hash16 kind1 seq8 */

/* ---- module state --------------------------------------------------------- */
typedef struct lrs_s {
    dla_app_t *app;
    dla_store_t *store;
    dla_db_t db_tenant, db_stmt, db_id, db_idx, db_hot, db_time, db_pend, db_att, db_doc,
        db_act, db_meta;
    char base_url[512];
    size_t max_body;    /* statements POST body limit */
    unsigned max_limit; /* largest page */
    /* writer */
    pthread_t writer;
    int writer_started;
    pthread_mutex_t qmu;
    pthread_cond_t qcv;
    lrs_job_t *qhead, *qtail;
    int stop;
    uint64_t next_seq; /* writer thread only */
    uint64_t merged;   /* writer thread only: seqs below are indexed in xapi_idx */
    uint64_t pub_seq;  /* atomic: last committed sequence number */
    int pend_any;      /* writer thread only: xapi_pend may hold entries */
    struct {
        uint32_t tid;
        uint8_t id[16], def[16];
    } act_cache[LRS_ACT_CACHE]; /* writer thread only: last definition per activity */
    uint64_t last_ms;           /* writer thread only */
    uint64_t inflight_ms;  /* atomic: stored time of the group being committed, 0 idle */
    uint64_t committed_ms; /* atomic: stored time of the last committed group */
    unsigned long groups, grouped; /* stats */
    int stats;                     /* DLA_XAPI_STATS set: log writer timings */
    unsigned long st_groups, st_items;
    double st_apply, st_commit;
    /* version each credential used last (answers to version-less requests) */
    pthread_mutex_t vmu;
    struct {
        char key[64];
        char v2;
    } vmem[LRS_VMEM];
} lrs_t;

/* ---- index tiers (lrs_store.c) -------------------------------------------- */
/* The database and epoch number of seq's index entries when the hot tier
 * starts at `merged`: xapi_hot by small epochs from there on, xapi_idx by big
 * epochs below. */
static inline void lrs_idx_route(uint64_t merged, uint64_t seq, dla_db_t *db,
                                 uint32_t *epoch, dla_db_t db_idx, dla_db_t db_hot)
{
    if (seq >= merged) {
        *db = db_hot;
        *epoch = (uint32_t)(seq >> LRS_HOT_BITS);
    } else {
        *db = db_idx;
        *epoch = LRS_EPOCH(seq);
    }
}
/* The first sequence indexed in the hot tier, as of transaction t. A store
 * written before the tiers existed has every entry in xapi_idx: its boundary
 * is the big epoch after its newest statement. */
int lrs_merged_get(lrs_t *l, dla_txn_t *t, uint64_t *out);

/* ---- lrs_util.c --------------------------------------------------------- */
/* Parses a UUID (any case, 36 chars) into 16 bytes; DLA_EINVAL when malformed. */
int lrs_uuid_parse(const char *s, uint8_t out[16]);
/* Formats 16 bytes as a lowercase UUID into out[37]. */
void lrs_uuid_format(const uint8_t in[16], char out[37]);
/* A new UUIDv7 (RFC 9562: Unix milliseconds, then 74 random bits; variant 2 as
 * xAPI requires). Time-ordered, so ids the LRS assigns land at the end of
 * xapi_id instead of on a random page of it. */
void lrs_uuid_v7(char out[37]);
/* 16-byte hash of `kind` + data (SHA-256 truncated). */
void lrs_hash16(uint8_t kind, const void *data, size_t len, uint8_t out[16]);
/* Big-endian helpers. */
void lrs_be64(uint8_t *p, uint64_t v);
uint64_t lrs_rd64(const uint8_t *p);
void lrs_be32(uint8_t *p, uint32_t v);
uint32_t lrs_rd32(const uint8_t *p);
/* Milliseconds since the epoch (wall clock). */
uint64_t lrs_now_ms(void);
/* Formats ms since epoch as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out[32]. */
void lrs_ms_format(uint64_t ms, char out[32]);
/* Parses an RFC 3339 timestamp to microseconds since the epoch (UTC).
 * DLA_EINVAL when malformed. */
int lrs_time_parse(const char *s, int64_t *us_out);
/* Canonical key string of an agent or group (IFI + objectType) into buf;
 * DLA_EINVAL when the object has no usable IFI. */
int lrs_agent_key(const json_t *agent, char *buf, size_t cap);

/* ---- lrs_store.c ------------------------------------------------------------ */
/* Opens the LRS databases and starts the writer thread. */
int lrs_store_init(lrs_t *l, dla_err_t *err);
/* Drains the queue, stops the writer. */
void lrs_store_fini(lrs_t *l);
/* Tenant number for reads: DLA_ENOTFOUND when the tenant never wrote. */
int lrs_tid_get(lrs_t *l, dla_txn_t *t, const char *tenant, uint32_t *out);
/* Tenant number for writes (assigned on first use, within t). */
int lrs_tid_ensure(lrs_t *l, dla_txn_t *t, const char *tenant, uint32_t *out,
                   dla_err_t *err);
/* Queues a job; the writer calls job->done after the group commit (or, when
 * done == NULL, wakes lrs_job_wait). Takes ownership of nothing: the job must
 * stay valid until completion. */
void lrs_submit(lrs_t *l, lrs_job_t *job);
/* Blocks until a job submitted with done == NULL finished; returns job->rc. */
int lrs_job_wait(lrs_job_t *job);
/* Initialises / frees a job's own members (items, keys, json). */
void lrs_job_init(lrs_job_t *job, const char *tenant);
void lrs_job_free(lrs_job_t *job);
/* X-Experience-API-Consistent-Through time in ms. */
uint64_t lrs_consistent_ms(lrs_t *l);
/* Reads one statement record by id; *hdr and *json borrowed from t. */
int lrs_stmt_by_id(lrs_t *l, dla_txn_t *t, uint32_t tid, const uint8_t id[16],
                   uint64_t *seq, lrs_rec_hdr_t *hdr, const char **json,
                   size_t *json_len);
/* Reads a record by sequence number (borrowed). */
int lrs_stmt_by_seq(lrs_t *l, dla_txn_t *t, uint32_t tid, uint64_t seq,
                    lrs_rec_hdr_t *hdr, const char **json, size_t *json_len);
/* Returns a new statement object (caller decrefs) with "stored" and, when it
 * arrived without one, "timestamp" filled in from the record header. */
json_t *lrs_rec_to_json(const lrs_rec_hdr_t *hdr, const char *json, size_t len);

/* Prepares one statement for storage: validates it for `version`, sets id,
 * authority and version, serialises it without "stored" and computes its index
 * keys. With own = 0 `st` is borrowed and copied; with own = 1 the caller hands
 * it over to be modified in place (the item keeps a reference; the caller keeps
 * its own). DLA_EINVAL with err->msg when invalid. */
int lrs_item_prepare(json_t *st, int version, const json_t *authority, int own,
                     lrs_item_t *it, dla_err_t *err);

/* ---- lrs_util.c: index keys ---------------------------------------------- */
/* Computes the index keys of a statement (appended to the keys array, which
 * grows with realloc). `authority` may be NULL. */
int lrs_stmt_keys(const json_t *stmt, lrs_key_t **keys, size_t *n, size_t *cap);
/* Adds one key with hash of `text` (deduplicated). */
int lrs_keys_add(lrs_key_t **keys, size_t *n, size_t *cap, uint8_t kind,
                 const char *text);

/* ---- lrs_query.c ------------------------------------------------------------ */
typedef struct lrs_query_s {
    const char *statement_id, *voided_id;
    lrs_key_t filt[8];
    size_t nfilt;
    int has_since, has_until;
    int64_t since_us, until_us;
    unsigned limit;
    int ascending;
    int format; /* 0 exact, 1 ids, 2 canonical */
    int attachments;
    uint64_t cursor; /* from a more link: continue after this seq */
    uint64_t bound;  /* from a more link: do not pass this seq */
    int has_cursor;
    /* raw values kept for the more link */
    const char *raw_agent, *raw_verb, *raw_activity, *raw_registration, *raw_since,
        *raw_until, *raw_format;
    int related_agents, related_activities;
} lrs_query_t;

/* Parses GET /statements parameters from `form` pairs (name/value arrays).
 * `get` returns the first value of a name or NULL. Fills *q; DLA_EINVAL with a
 * message in err for bad parameters (unknown names, bad JSON agent, bad UUID,
 * bad timestamps, statementId mixed with other filters). */
typedef const char *(*lrs_param_fn)(void *ctx, const char *name);
int lrs_query_parse(lrs_param_fn get, void *ctx, const char *const *names, size_t nnames,
                    unsigned max_limit, lrs_query_t *q, dla_err_t *err);
/* Runs a filtered query inside t. Returns the matching statements (new JSON
 * array of stored records, caller decrefs) in *out and, when more exist, the
 * sequence after which the next page starts in *next (0 = no more). */
int lrs_query_run(lrs_t *l, dla_txn_t *t, uint32_t tid, const lrs_query_t *q,
                  json_t **out, uint64_t *next, uint64_t *bound, dla_err_t *err);

/* Same, calling fn for each matching record (header and JSON borrowed from t,
 * valid during the call); fn returns DLA_OK to go on. */
typedef int (*lrs_rec_fn)(void *ctx, const lrs_rec_hdr_t *h, const char *json,
                          size_t len);
int lrs_query_each(lrs_t *l, dla_txn_t *t, uint32_t tid, const lrs_query_t *q,
                   lrs_rec_fn fn, void *ctx, uint64_t *next, uint64_t *bound,
                   dla_err_t *err);

/* ---- lrs_http.c, lrs_statements.c, lrs_docs.c --------------------------------- */
typedef struct lrs_ctx_s {
    lrs_t *l;
    dla_req_t *req;
    dla_cred_t cred;
    int v2;             /* negotiated 2.0 */
    const char *method; /* effective method (alternate syntax resolved) */
    const char *body;   /* effective body */
    size_t body_len;
    const char *ctype; /* effective Content-Type */
    void *form;        /* dla_form_t of the alternate syntax, or NULL */
    json_t *authority; /* agent for stored statements (own reference) */
} lrs_ctx_t;

/* Effective parameter (query string, or alternate-syntax form). */
const char *lrs_param(lrs_ctx_t *c, const char *name);
/* Effective header (real header, or alternate-syntax form field). */
const char *lrs_header(lrs_ctx_t *c, const char *name);
/* Sends {"error":...} JSON with status; always returns. */
void lrs_fail(lrs_ctx_t *c, int status, const char *fmt, ...) DLA_PRINTF(3, 4);
/* Adds the common response headers (version, CORS). */
void lrs_common_headers(lrs_ctx_t *c);

void lrs_h_statements(lrs_ctx_t *c);
void lrs_h_state(lrs_ctx_t *c);
void lrs_h_activity_profile(lrs_ctx_t *c);
void lrs_h_agent_profile(lrs_ctx_t *c);
void lrs_h_activities(lrs_ctx_t *c);
void lrs_h_agents(lrs_ctx_t *c);

/* Installs the routes under /xapi/. */
int lrs_routes(lrs_t *l, dla_router_t *r, dla_err_t *err);

/* Records a statement for `tenant` (the app->emit sink). */
int lrs_emit(void *ctx, const char *tenant, json_t *statement, char *id_out,
             dla_err_t *err);

#endif
