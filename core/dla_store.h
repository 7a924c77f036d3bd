/* dla_store.h - the embedded store: two LMDB environments under the data dir.
 *
 * A deliberately narrow key/value interface (databases, transactions, get/put/
 * del, ordered cursors, TTL records) so another backend can be added later.
 * Keys order bytewise (memcmp). Values returned by get/cursor are borrowed:
 * valid until the next write in the same transaction or the transaction's end.
 *
 * The main environment (<data_dir>/data.mdb) holds the durable data: named
 * databases, dla_txn_t. TTL records (sessions, nonces, login state, launch
 * records) live in a second environment (<data_dir>/ttl/) that never fsyncs, with
 * its own transaction type dla_ttl_txn_t, so the two cannot be mixed: a kill -9
 * loses nothing there (the page cache keeps LMDB's ordered writes), an OS crash
 * or power cut may, so the store wipes that environment when the kernel boot id
 * changed or it fails to open, and reports when via dla_store_volatile_since.
 *
 * Threads: the store is shared; a transaction belongs to one thread. One write
 * transaction at a time per environment (LMDB); readers never block. Main commits
 * are durable (fsync) unless the store was opened with sync = 0.
 */
#ifndef DLA_STORE_H
#define DLA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "dla_err.h"

typedef struct dla_store_s dla_store_t;
typedef struct dla_txn_s dla_txn_t;
typedef struct dla_ttl_txn_s dla_ttl_txn_t; /* a transaction of the TTL environment */
typedef struct dla_cursor_s dla_cursor_t;
typedef unsigned int dla_db_t; /* handle of a named database */

typedef struct dla_val_s {
    const void *data;
    size_t len;
} dla_val_t;

typedef struct dla_store_opts_s {
    size_t map_size_mb; /* virtual map size (0 = 65536 MiB; sparse on disk) */
    unsigned max_dbs;   /* named databases (0 = 128) */
    int sync;           /* 1 = fsync on commit (default), 0 = no sync (tests, bulk load) */
    int read_only;
} dla_store_opts_t;

/* Database flags */
#define DLA_DB_CREATE 0x1u  /* create when missing */
#define DLA_DB_DUPSORT 0x2u /* several sorted values per key */
#define DLA_DB_INTKEY 0x4u  /* keys are native size_t/unsigned integers */

/* Put flags */
#define DLA_PUT_NOOVERWRITE 0x1u /* DLA_EEXIST if the key exists */
#define DLA_PUT_APPEND 0x2u      /* key sorts after all others (fast bulk load) */
#define DLA_PUT_NODUPDATA 0x4u   /* DUPSORT: DLA_EEXIST if this key/value exists */

/* Opens (creating if needed) the store under `dir`, runs schema migrations, and
 * opens the TTL environment `dir`/ttl/, wiping and recreating it when the boot
 * id recorded there differs from /proc/sys/kernel/random/boot_id (or from the
 * file named by the environment variable DLA_BOOT_ID_FILE, for tests) or when it
 * fails to open or verify as LMDB (a system error such as EACCES fails the open
 * with DLA_EIO instead and never wipes). When the boot id file cannot be read,
 * the boot check is skipped and only such a failure wipes. A read-only store opens
 * the TTL environment read-only when it is intact and of this boot, and otherwise
 * runs without it (dla_ttl_txn_begin then fails with DLA_EIO).
 * A directory that is not writable is DLA_EIO with the path in err. Returns a
 * new store in *out (caller closes with dla_store_close). */
int dla_store_open(const char *dir, const dla_store_opts_t *opts, dla_store_t **out,
                   dla_err_t *err);
/* Closes; all transactions must be finished. NULL no-op. */
void dla_store_close(dla_store_t *s);

/* Opens a named database; call at start-up (before worker threads), the handle
 * is then valid for the store's life. */
int dla_store_db(dla_store_t *s, const char *name, unsigned flags, dla_db_t *out,
                 dla_err_t *err);

/* Current schema version (after migrations). */
int dla_store_schema_version(dla_store_t *s);

/* Transactions. A write txn must be committed or aborted on the same thread. */
int dla_txn_begin(dla_store_t *s, int write, dla_txn_t **out, dla_err_t *err);
int dla_txn_commit(dla_txn_t *t, dla_err_t *err); /* frees t, even on error */
void dla_txn_abort(dla_txn_t *t);                 /* frees t; NULL no-op */

/* Returns DLA_OK (value in *out, borrowed) or DLA_ENOTFOUND. */
int dla_kv_get(dla_txn_t *t, dla_db_t db, const void *key, size_t klen, dla_val_t *out);
int dla_kv_put(dla_txn_t *t, dla_db_t db, const void *key, size_t klen, const void *val,
               size_t vlen, unsigned flags, dla_err_t *err);
/* Reserves `vlen` bytes for the value and returns where to write them (valid
 * until the next write in t). */
int dla_kv_reserve(dla_txn_t *t, dla_db_t db, const void *key, size_t klen, size_t vlen,
                   void **out, dla_err_t *err);
/* Deletes key (all duplicates), or one key/value pair when val != NULL.
 * DLA_ENOTFOUND if absent. */
int dla_kv_del(dla_txn_t *t, dla_db_t db, const void *key, size_t klen, const void *val,
               size_t vlen);
/* Deletes every record of db inside write transaction t (pages are freed
 * whole, without visiting each record). */
int dla_db_clear(dla_txn_t *t, dla_db_t db, dla_err_t *err);

/* Group commit. `fn` writes inside `t` (a transaction of its own, nested in a
 * group's) and returns DLA_OK to keep its writes or an error to roll them back;
 * it must not begin other write transactions nor call dla_store_batch*.
 * dla_store_batch queues fn, waits until the group it joined has committed (one
 * fsync for all its members) and returns fn's status (or the commit's error).
 * `ctx` is borrowed until return. Thread-safe; blocks the caller. Use it for
 * small writes from many concurrent requests (LTI launches). fn runs on the
 * thread of one of the group's callers (the one that commits the group). */
typedef int (*dla_batch_fn)(dla_txn_t *t, void *ctx, dla_err_t *err);
int dla_store_batch(dla_store_t *s, dla_batch_fn fn, void *ctx, dla_err_t *err);
/* The same group commit on the TTL environment (its own writer thread; commits
 * there never fsync). fn must not begin other TTL write transactions. */
typedef int (*dla_ttl_batch_fn)(dla_ttl_txn_t *t, void *ctx, dla_err_t *err);
int dla_store_batch_ttl(dla_store_t *s, dla_ttl_batch_fn fn, void *ctx, dla_err_t *err);

/* Cursors (live until closed or the txn ends). */
int dla_cursor_open(dla_txn_t *t, dla_db_t db, dla_cursor_t **out, dla_err_t *err);
void dla_cursor_close(dla_cursor_t *c);
typedef enum {
    DLA_SEEK_FIRST,    /* first key */
    DLA_SEEK_LAST,     /* last key */
    DLA_SEEK_GE,       /* first key >= key */
    DLA_SEEK_EXACT,    /* key == key (first duplicate) */
    DLA_SEEK_NEXT,     /* next item (next duplicate or next key) */
    DLA_SEEK_PREV,     /* previous item */
    DLA_SEEK_NEXT_KEY, /* first item of the next key */
    DLA_SEEK_NEXT_DUP, /* next duplicate of the current key only */
    DLA_SEEK_PREV_DUP, /* previous duplicate of the current key only */
    DLA_SEEK_LAST_DUP, /* last duplicate of the current key */
    DLA_SEEK_GET_BOTH_GE, /* DUPSORT: key == key and first dup value >= val */
} dla_seek_t;
/* Positions the cursor; for GE/EXACT/GET_BOTH_GE pass key (and val) in *k and *v.
 * On DLA_OK, *k and *v hold the item (borrowed). DLA_ENOTFOUND at the end. */
int dla_cursor_get(dla_cursor_t *c, dla_seek_t op, dla_val_t *k, dla_val_t *v);
/* Deletes the item under the cursor. */
int dla_cursor_del(dla_cursor_t *c);

/* ---- TTL records (sessions, nonces, login state, caches) ---------------------
 * Stored in the TTL environment under namespace + key; expired records read as
 * absent and are swept by dla_ttl_sweep. `now`/`expires` are Unix seconds.
 * dla_ttl_put with DLA_PUT_NOOVERWRITE fails with DLA_EEXIST only while the
 * existing record is live (by dla_now()); an expired one is replaced. This makes
 * single-use nonces one call: put NOOVERWRITE, EEXIST = replay.
 * They are ephemeral: an OS crash or power cut wipes them all (see above). A
 * check that relies on a record's presence (a nonce's single use) must also
 * refuse what is older than dla_store_volatile_since. */

/* Begins a transaction of the TTL environment (write = 1 for writes). Returns a
 * new txn in *out, ended by dla_ttl_txn_commit or dla_ttl_txn_abort. DLA_EIO when
 * the store has no TTL environment (read-only store after a reboot). */
int dla_ttl_txn_begin(dla_store_t *s, int write, dla_ttl_txn_t **out, dla_err_t *err);
int dla_ttl_txn_commit(dla_ttl_txn_t *t, dla_err_t *err); /* frees t, even on error */
void dla_ttl_txn_abort(dla_ttl_txn_t *t);                 /* frees t; NULL no-op */

int dla_ttl_put(dla_ttl_txn_t *t, const char *ns, const void *key, size_t klen,
                const void *val, size_t vlen, int64_t expires, unsigned flags,
                dla_err_t *err);
/* Returns DLA_OK (value borrowed) or DLA_ENOTFOUND (absent or expired). */
int dla_ttl_get(dla_ttl_txn_t *t, const char *ns, const void *key, size_t klen,
                int64_t now, dla_val_t *out);
/* Deletes; DLA_ENOTFOUND when absent. */
int dla_ttl_del(dla_ttl_txn_t *t, const char *ns, const void *key, size_t klen);
/* Deletes up to `max` expired records (any namespace); returns how many, or <0. */
int dla_ttl_sweep(dla_store_t *s, int64_t now, int max, dla_err_t *err);

/* Unix seconds since which the TTL environment is complete: the time it was
 * created or last wiped (0 when a read-only store has none). A record older than
 * this may have been lost, so single-use checks (LTI nonces) refuse anything
 * issued before it. */
int64_t dla_store_volatile_since(const dla_store_t *s);

/* Statistics of the main environment for health and benchmarks. */
typedef struct dla_store_stat_s {
    size_t map_size, used_bytes, page_size;
    unsigned readers_max, readers_used;
} dla_store_stat_t;
int dla_store_stat(dla_store_t *s, dla_store_stat_t *out);

/* Whether the store syncs on commit. */
int dla_store_sync_enabled(const dla_store_t *s);
/* Forces a flush of both environments to disk (used after no-sync bulk loads). */
int dla_store_flush(dla_store_t *s, dla_err_t *err);

#endif
