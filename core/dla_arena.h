/* dla_arena.h - bump allocator for per-request memory, freed in one call.
 *
 * Not thread-safe: one arena belongs to one request (one thread at a time).
 * Cleanups registered with dla_arena_cleanup run in reverse order at destroy,
 * for non-memory resources (json_t, handles) tied to the request's life.
 */
#ifndef DLA_ARENA_H
#define DLA_ARENA_H

#include <stddef.h>

typedef struct dla_arena_s dla_arena_t;

/* Returns a new arena (caller frees with dla_arena_destroy), NULL on ENOMEM. */
dla_arena_t *dla_arena_new(size_t first_block);
/* Runs cleanups, frees all blocks and the arena. NULL is a no-op. */
void dla_arena_destroy(dla_arena_t *a);
/* Frees all but the first block, runs cleanups: ready for reuse. */
void dla_arena_reset(dla_arena_t *a);

/* Returns `n` bytes aligned to 16, owned by the arena; NULL on ENOMEM. */
void *dla_arena_alloc(dla_arena_t *a, size_t n);
void *dla_arena_calloc(dla_arena_t *a, size_t n);
/* Copies; result owned by the arena. strndup copies at most n bytes + NUL. */
char *dla_arena_strdup(dla_arena_t *a, const char *s);
char *dla_arena_strndup(dla_arena_t *a, const char *s, size_t n);
char *dla_arena_sprintf(dla_arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Registers fn(arg) to run at destroy/reset. Returns 0, or -1 on ENOMEM
 * (in which case fn(arg) is run immediately). */
int dla_arena_cleanup(dla_arena_t *a, void (*fn)(void *), void *arg);
/* Total bytes handed out (for tests and limits). */
size_t dla_arena_used(const dla_arena_t *a);

#endif
