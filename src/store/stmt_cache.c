/* stmt_cache.c - per-connection prepared statements by SQL text, least recently used out. */
#define _POSIX_C_SOURCE 200809L
#include "store/stmt_cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    uint64_t hash; /* of sql */
    char *sql;     /* NULL: free slot */
    void *stmt;
    uint64_t used; /* tick of the last use */
} entry;

struct stmt_cache {
    entry *e;
    size_t cap, n;
    uint64_t tick;
    stmt_drop_fn drop;
    void *ctx;
};

/* FNV-1a: the texts are short and few; a linear walk of cap entries compares hashes. */
static uint64_t hash_sql(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

stmt_cache *stmt_cache_new(size_t cap, stmt_drop_fn drop, void *ctx)
{
    stmt_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->e = calloc(cap ? cap : 1, sizeof *c->e);
    if (c->e == NULL) {
        free(c);
        return NULL;
    }
    c->cap = cap ? cap : 1;
    c->drop = drop;
    c->ctx = ctx;
    return c;
}

static entry *find(stmt_cache *c, const char *sql)
{
    uint64_t h = hash_sql(sql);
    for (size_t i = 0; i < c->cap; i++)
        if (c->e[i].sql != NULL && c->e[i].hash == h && strcmp(c->e[i].sql, sql) == 0)
            return &c->e[i];
    return NULL;
}

void *stmt_cache_get(stmt_cache *c, const char *sql)
{
    entry *x = find(c, sql);
    if (x == NULL)
        return NULL;
    x->used = ++c->tick;
    return x->stmt;
}

static void release(stmt_cache *c, entry *x, int drop)
{
    if (drop && c->drop != NULL)
        c->drop(c->ctx, x->stmt);
    free(x->sql);
    memset(x, 0, sizeof *x);
    c->n--;
}

int stmt_cache_put(stmt_cache *c, const char *sql, void *stmt)
{
    char *copy = strdup(sql);
    if (copy == NULL)
        return -1;
    entry *slot = NULL;
    for (size_t i = 0; i < c->cap && slot == NULL; i++)
        if (c->e[i].sql == NULL)
            slot = &c->e[i];
    if (slot == NULL) {
        slot = &c->e[0];
        for (size_t i = 1; i < c->cap; i++)
            if (c->e[i].used < slot->used)
                slot = &c->e[i];
        release(c, slot, 1);
    }
    slot->hash = hash_sql(sql);
    slot->sql = copy;
    slot->stmt = stmt;
    slot->used = ++c->tick;
    c->n++;
    return 0;
}

void stmt_cache_forget(stmt_cache *c, const char *sql)
{
    entry *x = find(c, sql);
    if (x != NULL)
        release(c, x, 0);
}

void stmt_cache_clear(stmt_cache *c, int drop)
{
    for (size_t i = 0; i < c->cap; i++)
        if (c->e[i].sql != NULL)
            release(c, &c->e[i], drop);
}

size_t stmt_cache_size(const stmt_cache *c)
{
    return c->n;
}

void stmt_cache_free(stmt_cache *c)
{
    if (c == NULL)
        return;
    stmt_cache_clear(c, 1);
    free(c->e);
    free(c);
}
