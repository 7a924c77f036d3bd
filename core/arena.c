/* arena.c - bump allocator with cleanups (per-request memory). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dla_arena.h"

typedef struct block_s {
    struct block_s *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
} block_t;

typedef struct cleanup_s {
    struct cleanup_s *next;
    void (*fn)(void *);
    void *arg;
} cleanup_t;

struct dla_arena_s {
    block_t *head;   /* current block (first in list) */
    block_t *first;  /* the initial block, kept on reset */
    cleanup_t *cleanups;
    size_t block_size, total;
};

static block_t *block_new(size_t cap)
{
    block_t *b = malloc(sizeof *b + cap);
    if (!b)
        return NULL;
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

dla_arena_t *dla_arena_new(size_t first_block)
{
    if (first_block < 256)
        first_block = 4096;
    dla_arena_t *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->first = a->head = block_new(first_block);
    if (!a->head) {
        free(a);
        return NULL;
    }
    a->block_size = first_block;
    return a;
}

static void run_cleanups(dla_arena_t *a)
{
    /* A cleanup may register further cleanups: run until none are left. */
    while (a->cleanups) {
        cleanup_t *c = a->cleanups;
        a->cleanups = NULL;
        while (c) {
            cleanup_t *next = c->next;
            c->fn(c->arg);
            c = next;
        }
    }
}

void dla_arena_reset(dla_arena_t *a)
{
    if (!a)
        return;
    run_cleanups(a);
    block_t *b = a->head;
    while (b && b != a->first) {
        block_t *next = b->next;
        free(b);
        b = next;
    }
    a->head = a->first;
    a->first->used = 0;
    a->first->next = NULL;
    a->total = 0;
}

void dla_arena_destroy(dla_arena_t *a)
{
    if (!a)
        return;
    run_cleanups(a);
    block_t *b = a->head;
    while (b) {
        block_t *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}

void *dla_arena_alloc(dla_arena_t *a, size_t n)
{
    size_t need = (n + 15) & ~(size_t)15;
    if (need < n)
        return NULL;
    block_t *b = a->head;
    if (b->cap - b->used < need) {
        size_t cap = a->block_size;
        while (cap < need) {
            if (cap > SIZE_MAX / 2)
                return NULL;
            cap *= 2;
        }
        if (a->block_size < 65536)
            a->block_size *= 2;
        block_t *nb = block_new(cap);
        if (!nb)
            return NULL;
        nb->next = b;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += n;
    return p;
}

void *dla_arena_calloc(dla_arena_t *a, size_t n)
{
    void *p = dla_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *dla_arena_strndup(dla_arena_t *a, const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = dla_arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *dla_arena_strdup(dla_arena_t *a, const char *s)
{
    return dla_arena_strndup(a, s, strlen(s));
}

char *dla_arena_sprintf(dla_arena_t *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = NULL;
    if (n >= 0 && (p = dla_arena_alloc(a, (size_t)n + 1)) != NULL)
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

int dla_arena_cleanup(dla_arena_t *a, void (*fn)(void *), void *arg)
{
    cleanup_t *c = dla_arena_alloc(a, sizeof *c);
    if (!c) {
        fn(arg);
        return -1;
    }
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
    return 0;
}

size_t dla_arena_used(const dla_arena_t *a)
{
    return a->total;
}
