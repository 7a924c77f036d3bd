/* store_int.h - internals shared by store.c and store_batch.c. */
#ifndef DLA_STORE_INT_H
#define DLA_STORE_INT_H

#include <lmdb.h>

#include "dla_store.h"

/* A transaction of the main environment. */
struct dla_txn_s {
    MDB_txn *txn;
    dla_store_t *s;
    int write;
};

/* A transaction of the TTL environment: the same shape, a distinct type so that
 * a main-env transaction cannot be handed to dla_ttl_* (and back). */
struct dla_ttl_txn_s {
    MDB_txn *txn;
    dla_store_t *s;
    int write;
};

typedef struct dla_batcher_s dla_batcher_t;

dla_batcher_t *dla_store_batcher(dla_store_t *s);
dla_batcher_t *dla_store_ttl_batcher(dla_store_t *s);

/* Returns a new batcher committing groups in `env` (borrowed, outlives it) for
 * store `s`, or NULL when out of memory. */
dla_batcher_t *dla_batcher_new(dla_store_t *s, MDB_env *env);
/* Frees; no caller may be inside dla_store_batch*. NULL no-op. */
void dla_batcher_free(dla_batcher_t *b);

#endif
