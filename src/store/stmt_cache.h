/*
 * stmt_cache.h - prepared statements kept per connection, keyed by their SQL
 * text.  Private to src/store/ (the backends use it).
 *
 * Compiling a statement costs more than running most of ours, so each
 * connection keeps the last `cap` it compiled and reuses one whenever the
 * same text comes again.  The cache only holds opaque handles: the backend
 * says how to drop one (finalize it, DEALLOCATE it).  Least recently used
 * goes first.  One cache belongs to one connection, which one thread uses at
 * a time: no locking here.
 */
#ifndef P2S_STORE_STMT_CACHE_H
#define P2S_STORE_STMT_CACHE_H

#include <stddef.h>

typedef struct stmt_cache stmt_cache;

/* Drops one handle the cache gives up (ctx is what stmt_cache_new was given). */
typedef void (*stmt_drop_fn)(void *ctx, void *stmt);

/* A cache of up to cap statements; NULL when out of memory. */
stmt_cache *stmt_cache_new(size_t cap, stmt_drop_fn drop, void *ctx);

/* The handle compiled for sql, or NULL. */
void *stmt_cache_get(stmt_cache *c, const char *sql);

/*
 * Keep stmt as the handle for sql (which is not in the cache), dropping the
 * least recently used one if the cache is full.  0, or -1 when out of memory
 * (stmt is then not kept: the caller drops it).
 */
int stmt_cache_put(stmt_cache *c, const char *sql, void *stmt);

/* Forget sql's handle without dropping it (the backend already lost it). */
void stmt_cache_forget(stmt_cache *c, const char *sql);

/* Drop every handle (drop = 1) or forget them all (0: the connection was reset). */
void stmt_cache_clear(stmt_cache *c, int drop);

/* How many handles the cache holds. */
size_t stmt_cache_size(const stmt_cache *c);

/* Drop every handle and free the cache.  NULL is ignored. */
void stmt_cache_free(stmt_cache *c);

#endif
