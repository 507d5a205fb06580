/*
 * db.h - the one database layer, over SQLite or PostgreSQL.
 *
 * SQL is written once with '?' placeholders in text both backends accept;
 * the PostgreSQL backend numbers the placeholders ($1, $2, ...).  Values are
 * always bound, never spliced into SQL text.  SQL text lives only in
 * src/store/.
 *
 * A db is a pool of connections shared by all threads.  A thread borrows a
 * db_conn with db_acquire, uses it alone, and gives it back with
 * db_release.  Results are copied into a db_rows, which the caller frees.
 *
 * Conventions both schemas follow: ids are 64-bit integers, instants are
 * BIGINT UTC milliseconds, booleans are SMALLINT 0/1, text is UTF-8.
 */
#ifndef P2S_STORE_DB_H
#define P2S_STORE_DB_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct db db;
typedef struct db_conn db_conn;
typedef struct db_rows db_rows;

typedef enum db_backend { DB_SQLITE = 1, DB_POSTGRES = 2 } db_backend;

/* Kind of a bound value. */
typedef enum db_type { DB_NULL = 0, DB_INT, DB_TEXT } db_type;

/* One bound parameter; build them with DB_I(), DB_T(), DB_N. */
typedef struct db_param {
    db_type type;
    int64_t i;     /* DB_INT */
    const char *s; /* DB_TEXT, NUL-terminated UTF-8 (NULL binds NULL) */
} db_param;

#define DB_I(v) ((db_param){.type = DB_INT, .i = (int64_t)(v)})
#define DB_T(v) ((db_param){.type = DB_TEXT, .s = (v)})
#define DB_N    ((db_param){.type = DB_NULL})

/* Transaction kinds: DB_WRITE takes the write lock at BEGIN (SQLite IMMEDIATE). */
typedef enum db_txn { DB_READ = 0, DB_WRITE = 1 } db_txn;

/*
 * Open a pool of `size` connections to url: "sqlite:PATH", "sqlite://PATH",
 * a plain path (SQLite), or "postgres://..." / "postgresql://...".  SQLite
 * files are opened in WAL mode with a busy timeout; the parent directory must
 * exist.  On failure returns an error and writes a message (without any
 * password) to err.
 */
app_err db_open(const char *url, int size, db **out, char *err, size_t errlen);

/* Close every connection and free the pool.  No connection may be borrowed. */
void db_close(db *d);

/* Which backend a pool talks to. */
db_backend db_kind(const db *d);

/* Name of the backend: "sqlite" or "postgres". */
const char *db_kind_name(const db *d);

/*
 * Borrow a connection; waits up to timeout_ms for one to be free.
 * A PostgreSQL connection found broken is reset first.  NULL on timeout or
 * failure.
 */
db_conn *db_acquire(db *d, int timeout_ms);

/* Give a connection back (rolls back an open transaction first). */
void db_release(db_conn *c);

/* Begin, commit or roll back a transaction on c. */
app_err db_begin(db_conn *c, db_txn kind);
app_err db_commit(db_conn *c);
app_err db_rollback(db_conn *c);

/*
 * Run one statement with n bound parameters.  If rows is not NULL the result
 * rows are copied into *rows (caller frees with db_rows_free).  changes, if
 * not NULL, receives the number of rows inserted, updated or deleted.
 * Returns APP_OK, APP_ECONFLICT on a unique or check violation, APP_EBUSY on a
 * lock timeout or serialization failure, APP_EDB otherwise.
 */
app_err db_exec(db_conn *c, const char *sql, const db_param *params, int n, db_rows **rows,
                int64_t *changes);

/* One statement of a batch (db_exec_batch). */
typedef struct db_batch_item {
    const char *sql;
    const db_param *params;
    int n;
    db_rows **rows;   /* NULL: no rows wanted */
    int64_t *changes; /* may be NULL */
    app_err result;   /* as db_exec would return; APP_EDB for one not run after an error */
} db_batch_item;

/*
 * Run n statements in order on c, stopping at the first error (the rest are
 * not run).  PostgreSQL sends them together and reads the answers after
 * (libpq's pipeline mode): one round trip instead of n; SQLite runs them one
 * by one.  No statement may depend on another's result, only on its effects.
 * Returns the first error, or APP_OK.  In a transaction, an error leaves it
 * to be rolled back.
 */
app_err db_exec_batch(db_conn *c, db_batch_item *items, int n);

/*
 * One statement on a connection borrowed for just this call (waits up to 5 s
 * for one; APP_EBUSY if none frees up).  Same results as db_exec.
 */
app_err db_query(db *d, const char *sql, const db_param *params, int n, db_rows **rows,
                 int64_t *changes);

/* Run a script of several statements without parameters (migrations). */
app_err db_exec_script(db_conn *c, const char *sql);

/* Message of the last error on c (never contains bound values). */
const char *db_errmsg(const db_conn *c);

/* Result access.  Row and column indexes start at 0. */
int db_rows_count(const db_rows *r);
int db_rows_cols(const db_rows *r);
int db_rows_isnull(const db_rows *r, int row, int col);
/* Text of a value, or NULL for SQL NULL.  Owned by r. */
const char *db_rows_text(const db_rows *r, int row, int col);
/* Integer value; NULL and non-numbers read as dflt. */
int64_t db_rows_int(const db_rows *r, int row, int col, int64_t dflt);
void db_rows_free(db_rows *r);

/*
 * Wake-ups across processes: PostgreSQL LISTEN/NOTIFY.
 *
 * A listener is a connection of its own (not one of the pool's) that
 * LISTENs on one channel; whoever NOTIFYs that channel (SELECT
 * pg_notify('channel', '')) wakes every listener, on every node.  A
 * notification only says "look again": what changed is read from the
 * tables.  SQLite has no such thing: db_listen returns NULL there and the
 * caller polls instead (a SQLite database is used by one machine).
 */
typedef struct db_listener db_listener;

/*
 * Listen on channel (1-63 of a-z, 0-9, '_').  NULL on SQLite (err "") or on
 * failure (message in err, without any password).
 */
db_listener *db_listen(db *d, const char *channel, char *err, size_t errlen);

/*
 * Wait up to timeout_ms (0: only look) for a notification, taking every one
 * that has arrived.  Returns 1 when notified, and also when the connection
 * had been lost and was made again (notifications may have been missed, so
 * look); 0 when nothing came; -1 when the connection is down and could not
 * be made again (it is retried at most every 2 s by later calls).
 */
int db_listener_wait(db_listener *l, int timeout_ms);

/*
 * The listener's socket, to poll for reading beside other descriptors
 * (then call db_listener_wait(l, 0)); -1 while the connection is down.  It
 * may change after a reconnection: ask again before each poll.
 */
int db_listener_fd(const db_listener *l);

/* Stop listening and close the connection.  NULL is ignored. */
void db_listener_close(db_listener *l);

#endif
