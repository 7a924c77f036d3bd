/* store_batch.c - group commit for small write transactions (dla_store_batch,
 * dla_store_batch_ttl).
 *
 * Callers queue a write function and wait. Whichever caller finds no commit in
 * progress becomes the leader: it takes the queued functions (its own among
 * them, or the oldest ones), runs each in its own nested transaction (so a
 * failing function rolls back only itself), commits the group once, wakes their
 * callers and returns or, if its own function is still queued, leads again. Those
 * that arrive meanwhile queue up for the next group, so one commit (one fsync in
 * the main environment) covers as many writers as arrived during the last one,
 * and a lone writer commits on its own thread without a hand-off. Each
 * environment (main, TTL) has its own batcher.
 */
#include <lmdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dla_log.h"
#include "store_int.h"

#define BATCH_MAX 64

typedef struct job_s {
    struct job_s *next;
    dla_batch_fn fn;      /* main environment, or */
    dla_ttl_batch_fn tfn; /* TTL environment */
    void *ctx;
    dla_err_t *err;
    int rc, done;
} job_t;

struct dla_batcher_s {
    dla_store_t *s;
    MDB_env *env;
    pthread_mutex_t mu;
    pthread_cond_t done; /* a group finished */
    job_t *head, *tail;
    int leading; /* a caller is running a group */
};

/* Runs one job in a nested transaction of `parent`; DLA_OK when its writes are
 * kept. */
static int run_job(dla_batcher_t *b, MDB_txn *parent, job_t *j)
{
    MDB_txn *child;
    int rc = mdb_txn_begin(b->env, parent, 0, &child);
    if (rc != MDB_SUCCESS)
        return dla_err_set(j->err, DLA_EIO, "could not begin transaction: %s",
                           mdb_strerror(rc));
    if (j->fn) {
        dla_txn_t t = {child, b->s, 1};
        rc = j->fn(&t, j->ctx, j->err);
    } else {
        dla_ttl_txn_t t = {child, b->s, 1};
        rc = j->tfn(&t, j->ctx, j->err);
    }
    if (rc != DLA_OK) {
        mdb_txn_abort(child);
        return rc;
    }
    if ((rc = mdb_txn_commit(child)) != MDB_SUCCESS)
        return dla_err_set(j->err, rc == MDB_MAP_FULL ? DLA_EFULL : DLA_EIO,
                           "could not commit: %s", mdb_strerror(rc));
    return DLA_OK;
}

static int run_group(dla_batcher_t *b, job_t *jobs)
{
    MDB_txn *parent;
    int rc = mdb_txn_begin(b->env, NULL, 0, &parent);
    if (rc != MDB_SUCCESS) {
        for (job_t *j = jobs; j; j = j->next)
            j->rc = dla_err_set(j->err, DLA_EIO, "could not begin transaction: %s",
                                mdb_strerror(rc));
        return rc;
    }
    int any = 0;
    for (job_t *j = jobs; j; j = j->next) {
        j->rc = run_job(b, parent, j);
        any |= j->rc == DLA_OK;
    }
    if (!any) {
        mdb_txn_abort(parent);
        return MDB_SUCCESS;
    }
    rc = mdb_txn_commit(parent);
    if (rc != MDB_SUCCESS)
        for (job_t *j = jobs; j; j = j->next)
            if (j->rc == DLA_OK)
                j->rc = dla_err_set(j->err, DLA_EIO, "could not commit: %s",
                                    mdb_strerror(rc));
    return rc;
}

dla_batcher_t *dla_batcher_new(dla_store_t *s, MDB_env *env)
{
    dla_batcher_t *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->s = s;
    b->env = env;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->done, NULL);
    return b;
}

void dla_batcher_free(dla_batcher_t *b)
{
    if (!b)
        return;
    pthread_cond_destroy(&b->done);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* Takes up to BATCH_MAX jobs off the queue (b->mu held). */
static job_t *take_group(dla_batcher_t *b)
{
    job_t *group = b->head, *last = b->head;
    int n = 1;
    while (last->next && n < BATCH_MAX) {
        last = last->next;
        n++;
    }
    b->head = last->next;
    if (!b->head)
        b->tail = NULL;
    last->next = NULL;
    return group;
}

static int batch_run(dla_batcher_t *b, dla_batch_fn fn, dla_ttl_batch_fn tfn, void *ctx,
                     dla_err_t *err)
{
    if (!b)
        return dla_err_set(err, DLA_EINVAL, "store has no batcher (read-only?)");
    job_t job = {NULL, fn, tfn, ctx, err, DLA_OK, 0};
    pthread_mutex_lock(&b->mu);
    if (b->tail)
        b->tail->next = &job;
    else
        b->head = &job;
    b->tail = &job;
    while (!job.done) {
        if (b->leading) {
            pthread_cond_wait(&b->done, &b->mu);
            continue;
        }
        b->leading = 1;
        job_t *group = take_group(b);
        pthread_mutex_unlock(&b->mu);
        run_group(b, group);
        pthread_mutex_lock(&b->mu);
        for (job_t *j = group; j;) {
            job_t *next = j->next; /* j lives on its caller's stack */
            j->done = 1;
            j = next;
        }
        b->leading = 0;
        pthread_cond_broadcast(&b->done); /* callers of the group, and the next leader */
    }
    pthread_mutex_unlock(&b->mu);
    return job.rc;
}

int dla_store_batch(dla_store_t *s, dla_batch_fn fn, void *ctx, dla_err_t *err)
{
    return batch_run(dla_store_batcher(s), fn, NULL, ctx, err);
}

int dla_store_batch_ttl(dla_store_t *s, dla_ttl_batch_fn fn, void *ctx, dla_err_t *err)
{
    return batch_run(dla_store_ttl_batcher(s), NULL, fn, ctx, err);
}
