/*
 * db_int.h - what the two backends share with the pool (db.c).  Private to
 * src/store/.
 */
#ifndef P2S_STORE_DB_INT_H
#define P2S_STORE_DB_INT_H

#include "store/db.h"

/* A backend: one vtable per database engine. */
typedef struct db_ops {
    db_backend kind;
    const char *name;
    /* Open one connection to target; NULL with a message on failure. */
    void *(*connect)(const char *target, char *err, size_t errlen);
    void (*disconnect)(void *h);
    /* Make h usable again if the server dropped it; 0 if usable. */
    int (*check)(void *h);
    app_err (*exec)(void *h, const char *sql, const db_param *params, int n, db_rows **rows,
                    int64_t *changes, char *err, size_t errlen);
    app_err (*script)(void *h, const char *sql, char *err, size_t errlen);
    /* db_exec_batch (NULL: db.c runs them one by one with exec) */
    app_err (*batch)(void *h, db_batch_item *items, int n, char *err, size_t errlen);
    const char *begin_read;  /* statement starting a read transaction */
    const char *begin_write; /* statement starting a write transaction */
    /* LISTEN on a connection of its own (NULL: the backend has no notifications). */
    void *(*listen)(const char *target, const char *channel, char *err, size_t errlen);
    int (*listen_wait)(void *l, int timeout_ms); /* as db_listener_wait */
    int (*listen_fd)(const void *l);             /* as db_listener_fd */
    void (*unlisten)(void *l);                   /* close it */
} db_ops;

extern const db_ops db_sqlite_ops;
extern const db_ops db_pg_ops;

/* Result building, for backends. */
db_rows *db_rows_new(int cols);
/* Append a row of cols values (each NUL-terminated text or NULL); copies them. */
app_err db_rows_append(db_rows *r, const char *const *values, const size_t *lens);

#endif
