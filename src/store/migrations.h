/* migrations.h - the list of schema migrations (private to src/store/). */
#ifndef P2S_STORE_MIGRATIONS_H
#define P2S_STORE_MIGRATIONS_H

#include <stddef.h>

/* One migration: the same change written for each backend. */
typedef struct migration {
    int version;        /* 1, 2, 3 ... without gaps */
    const char *name;   /* short description */
    const char *sqlite; /* script for SQLite */
    const char *pg;     /* script for PostgreSQL */
} migration;

/* All migrations in version order. */
const migration *migrations_list(size_t *count);

#endif
