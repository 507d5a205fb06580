/*
 * sqlite.c - the SQLite backend: one connection per borrower, WAL, busy
 * timeout, compiled statements kept per connection (stmt_cache.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "store/db_int.h"
#include "store/stmt_cache.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_TIMEOUT_MS 10000
#define STMT_CACHE      96 /* compiled statements kept per connection */

typedef struct sq_conn {
    sqlite3 *h;
    stmt_cache *stmts;
} sq_conn;

static void finalize(void *ctx, void *stmt)
{
    (void)ctx;
    sqlite3_finalize(stmt);
}

static void *sq_connect(const char *target, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(target, &h, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open SQLite database '%s': %s", target,
                 h != NULL ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(h, 1);
    const char *setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                        "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;";
    char *msg = NULL;
    if (sqlite3_exec(h, setup, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "cannot set up SQLite database '%s': %s", target,
                 msg != NULL ? msg : "unknown error");
        sqlite3_free(msg);
        sqlite3_close(h);
        return NULL;
    }
    sq_conn *c = calloc(1, sizeof *c);
    if (c == NULL || (c->stmts = stmt_cache_new(STMT_CACHE, finalize, NULL)) == NULL) {
        snprintf(err, errlen, "out of memory");
        free(c);
        sqlite3_close(h);
        return NULL;
    }
    c->h = h;
    return c;
}

static void sq_disconnect(void *hv)
{
    sq_conn *c = hv;
    stmt_cache_free(c->stmts);
    sqlite3_close_v2(c->h);
    free(c);
}

static int sq_check(void *h)
{
    (void)h;
    return 0;
}

static app_err map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        return APP_ECONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return APP_EBUSY;
    case SQLITE_NOMEM:
        return APP_ENOMEM;
    default:
        return APP_EDB;
    }
}

static app_err sq_exec(void *hv, const char *sql, const db_param *params, int n, db_rows **rows,
                       int64_t *changes, char *err, size_t errlen)
{
    sq_conn *conn = hv;
    sqlite3 *h = conn->h;
    app_err e = APP_OK;
    const char **vals = NULL;
    size_t *lens = NULL;
    db_rows *out = NULL;
    int rc;

    /* A kept statement is reset (and its bindings cleared) after every use, so that a
       reader never holds its snapshot past the call. */
    sqlite3_stmt *st = stmt_cache_get(conn->stmts, sql);
    int cached = st != NULL;
    if (st == NULL) {
        rc = sqlite3_prepare_v3(h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "%s", sqlite3_errmsg(h));
            sqlite3_finalize(st);
            return map_rc(rc);
        }
        cached = st != NULL && stmt_cache_put(conn->stmts, sql, st) == 0;
    }
    for (int i = 0; i < n; i++) {
        const db_param *p = &params[i];
        if (p->type == DB_INT)
            rc = sqlite3_bind_int64(st, i + 1, p->i);
        else if (p->type == DB_TEXT && p->s != NULL)
            rc = sqlite3_bind_text(st, i + 1, p->s, -1, SQLITE_TRANSIENT);
        else
            rc = sqlite3_bind_null(st, i + 1);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "bind %d: %s", i + 1, sqlite3_errmsg(h));
            e = map_rc(rc);
            goto out;
        }
    }
    /* sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE, so only a
       statement that changed rows may report it; any other reports 0. */
    sqlite3_int64 total_before = sqlite3_total_changes64(h);
    /* the columns are counted after the first step: a kept statement is compiled again
       there if the schema changed since (a "*" may then name more columns) */
    rc = sqlite3_step(st);
    int cols = sqlite3_column_count(st);
    if (rows != NULL) {
        out = db_rows_new(cols);
        vals = calloc((size_t)(cols > 0 ? cols : 1), sizeof *vals);
        lens = calloc((size_t)(cols > 0 ? cols : 1), sizeof *lens);
        if (out == NULL || vals == NULL || lens == NULL) {
            e = APP_ENOMEM;
            goto out;
        }
    }
    for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
        if (out == NULL)
            continue;
        for (int c = 0; c < cols; c++) {
            vals[c] = (const char *)sqlite3_column_text(st, c);
            lens[c] = (size_t)sqlite3_column_bytes(st, c);
        }
        if ((e = db_rows_append(out, vals, lens)) != APP_OK)
            goto out;
    }
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(h));
        e = map_rc(rc);
        goto out;
    }
    if (changes != NULL)
        *changes = sqlite3_total_changes64(h) != total_before ? sqlite3_changes64(h) : 0;
    if (rows != NULL) {
        *rows = out;
        out = NULL;
    }
out:
    if (cached) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    } else {
        sqlite3_finalize(st);
    }
    db_rows_free(out);
    free(vals);
    free(lens);
    return e;
}

static app_err sq_script(void *hv, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    int rc = sqlite3_exec(((sq_conn *)hv)->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s", msg != NULL ? msg : "unknown error");
        sqlite3_free(msg);
        return map_rc(rc);
    }
    return APP_OK;
}

const db_ops db_sqlite_ops = {
    .kind = DB_SQLITE,
    .name = "sqlite",
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .check = sq_check,
    .exec = sq_exec,
    .script = sq_script,
    .begin_read = "BEGIN",
    .begin_write = "BEGIN IMMEDIATE",
};
