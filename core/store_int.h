/* store_int.h - internals shared by store.c and store_batch.c. */
#ifndef DLA_STORE_INT_H
#define DLA_STORE_INT_H

#include <lmdb.h>

#include "dla_store.h"

typedef struct dla_batcher_s dla_batcher_t;

MDB_env *dla_store_env(dla_store_t *s);
dla_batcher_t *dla_store_batcher(dla_store_t *s);
/* Wraps a new nested write transaction under `parent` as a dla_txn_t. */
int dla_txn_wrap_nested(dla_store_t *s, MDB_txn *parent, dla_txn_t **out, dla_err_t *err);

dla_batcher_t *dla_batcher_new(void);
/* Stops the writer thread (after the queued jobs) and frees. */
void dla_batcher_free(dla_batcher_t *b);

#endif
