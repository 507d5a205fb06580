/*
 * pg.c - the PostgreSQL backend (libpq): '?' placeholders numbered, values
 * sent as text, each statement prepared once per connection and kept
 * (stmt_cache.h) so that it is parsed and analysed once, not on every call.
 */
#define _POSIX_C_SOURCE 200809L
#include "store/db_int.h"
#include "store/stmt_cache.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Largest number of bound parameters in one statement. */
#define PG_MAX_PARAMS 1024
#define STMT_CACHE    128 /* prepared statements kept per connection */

typedef struct pg_conn {
    PGconn *h;
    stmt_cache *stmts; /* handles are statement numbers: "p2s_N" on the server */
    uintptr_t next;    /* the last number given */
} pg_conn;

static void silence(void *arg, const PGresult *res)
{
    (void)arg;
    (void)res;
}

static PGconn *pg_open(const char *target, char *err, size_t errlen)
{
    PGconn *h = PQconnectdb(target);
    if (h == NULL || PQstatus(h) != CONNECTION_OK) {
        const char *m = h != NULL ? PQerrorMessage(h) : "out of memory";
        size_t ml = strlen(m);
        while (ml > 0 && (m[ml - 1] == '\n' || m[ml - 1] == ' '))
            ml--;
        snprintf(err, errlen, "cannot connect to PostgreSQL: %.*s", (int)ml, m);
        PQfinish(h);
        return NULL;
    }
    PQsetNoticeReceiver(h, silence, NULL);
    return h;
}

static void stmt_name(uintptr_t id, char *out, size_t outlen)
{
    snprintf(out, outlen, "p2s_%lu", (unsigned long)id);
}

/* The cache gives a statement up: the server forgets it too. */
static void deallocate(void *ctx, void *stmt)
{
    pg_conn *c = ctx;
    char sql[48];
    snprintf(sql, sizeof sql, "DEALLOCATE p2s_%lu", (unsigned long)(uintptr_t)stmt);
    PQclear(PQexec(c->h, sql));
}

static void *pg_connect(const char *target, char *err, size_t errlen)
{
    PGconn *h = pg_open(target, err, errlen);
    if (h == NULL)
        return NULL;
    pg_conn *c = calloc(1, sizeof *c);
    if (c == NULL || (c->stmts = stmt_cache_new(STMT_CACHE, deallocate, c)) == NULL) {
        snprintf(err, errlen, "out of memory");
        free(c);
        PQfinish(h);
        return NULL;
    }
    c->h = h;
    return c;
}

static void pg_disconnect(void *hv)
{
    pg_conn *c = hv;
    stmt_cache_clear(c->stmts, 0); /* the server forgets them with the session */
    stmt_cache_free(c->stmts);
    PQfinish(c->h);
    free(c);
}

static int pg_check(void *hv)
{
    pg_conn *c = hv;
    /* usable unless lost, or left in pipeline mode by a batch that went wrong */
    if (PQstatus(c->h) == CONNECTION_OK && PQpipelineStatus(c->h) == PQ_PIPELINE_OFF)
        return 0;
    PQreset(c->h);
    stmt_cache_clear(c->stmts, 0); /* a new session has none of them */
    return PQstatus(c->h) == CONNECTION_OK ? 0 : -1;
}

/* Transaction control goes as a simple query: it must also work in a failed transaction. */
static int is_txn_control(const char *sql)
{
    return strcmp(sql, "BEGIN") == 0 || strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0;
}

/*
 * Rewrite '?' placeholders as $1..$n, leaving quoted text, quoted names and
 * comments (line and block) alone.  Returns a malloc'd string or NULL.
 */
static char *number_placeholders(const char *sql)
{
    size_t len = strlen(sql);
    size_t cap = len + 1;
    for (const char *p = sql; *p; p++)
        if (*p == '?')
            cap += 10; /* "$" and up to 10 digits replace one byte */
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    int n = 0;
    char quote = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = sql[i];
        if (quote != 0) {
            out[o++] = ch;
            if (ch == quote)
                quote = 0;
            continue;
        }
        if (ch == '\'' || ch == '"') {
            quote = ch;
            out[o++] = ch;
        } else if (ch == '-' && sql[i + 1] == '-') {
            while (i < len && sql[i] != '\n')
                out[o++] = sql[i++];
            if (i < len)
                out[o++] = '\n';
        } else if (ch == '/' && sql[i + 1] == '*') {
            /* A block comment, copied up to and including its closing star-slash. */
            size_t e = i + 2;
            while (e < len && !(sql[e] == '*' && sql[e + 1] == '/'))
                e++;
            e = e < len ? e + 2 : len;
            memcpy(out + o, sql + i, e - i);
            o += e - i;
            i = e - 1;
        } else if (ch == '?') {
            n++;
            o += (size_t)snprintf(out + o, cap - o, "$%d", n);
        } else {
            out[o++] = ch;
        }
    }
    out[o] = '\0';
    return out;
}

static app_err map_state(const char *state)
{
    if (state == NULL)
        return APP_EDB;
    if (strncmp(state, "23", 2) == 0) /* integrity constraint violation */
        return APP_ECONFLICT;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
        strcmp(state, "57014") == 0)
        return APP_EBUSY;
    return APP_EDB;
}

static void copy_error(PGconn *h, const PGresult *res, char *err, size_t errlen)
{
    const char *m = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (m == NULL)
        m = PQerrorMessage(h);
    size_t ml = strlen(m);
    while (ml > 0 && m[ml - 1] == '\n')
        ml--;
    snprintf(err, errlen, "%.*s", (int)ml, m);
}

/* Parameters as text for libpq (numbers written into numbuf). */
static void bind_text(const db_param *params, int n, char (*numbuf)[24], const char **values)
{
    for (int i = 0; i < n; i++) {
        if (params[i].type == DB_INT) {
            snprintf(numbuf[i], sizeof numbuf[i], "%" PRId64, params[i].i);
            values[i] = numbuf[i];
        } else if (params[i].type == DB_TEXT) {
            values[i] = params[i].s;
        } else {
            values[i] = NULL;
        }
    }
}

/* The kept statement for sql, prepared now if it is not: *id.  APP_OK or the error. */
static app_err prepared(pg_conn *conn, const char *sql, uintptr_t *id, char *err, size_t errlen)
{
    *id = (uintptr_t)stmt_cache_get(conn->stmts, sql);
    if (*id != 0)
        return APP_OK;
    char *text = number_placeholders(sql);
    if (text == NULL)
        return APP_ENOMEM;
    char name[32];
    uintptr_t nid = ++conn->next;
    stmt_name(nid, name, sizeof name);
    PGresult *res = PQprepare(conn->h, name, text, 0, NULL);
    free(text);
    app_err e = APP_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        copy_error(conn->h, res, err, errlen);
        e = res != NULL ? map_state(PQresultErrorField(res, PG_DIAG_SQLSTATE)) : APP_EDB;
    }
    PQclear(res);
    if (e != APP_OK)
        return e;
    if (stmt_cache_put(conn->stmts, sql, (void *)nid) != 0)
        deallocate(conn, (void *)nid); /* used once more below all the same: it is prepared */
    *id = nid;
    return APP_OK;
}

/* What a successful result says: changes and rows. */
static app_err take_result(PGresult *res, db_rows **rows, int64_t *changes)
{
    if (changes != NULL) {
        /* PQcmdTuples also counts the rows a SELECT returned: only writes report. */
        const char *cs = PQcmdStatus(res);
        const char *ct = PQcmdTuples(res);
        int write =
            cs != NULL && (strncmp(cs, "INSERT ", 7) == 0 || strncmp(cs, "UPDATE ", 7) == 0 ||
                           strncmp(cs, "DELETE ", 7) == 0 || strncmp(cs, "MERGE ", 6) == 0);
        *changes = (write && ct != NULL && *ct) ? strtoll(ct, NULL, 10) : 0;
    }
    if (rows == NULL)
        return APP_OK;
    int cols = PQnfields(res);
    int nrows = PQntuples(res);
    db_rows *out = db_rows_new(cols);
    const char **vals = calloc((size_t)(cols > 0 ? cols : 1), sizeof *vals);
    size_t *lens = calloc((size_t)(cols > 0 ? cols : 1), sizeof *lens);
    app_err e = out != NULL && vals != NULL && lens != NULL ? APP_OK : APP_ENOMEM;
    for (int r = 0; e == APP_OK && r < nrows; r++) {
        for (int c = 0; c < cols; c++) {
            vals[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
            lens[c] = (size_t)PQgetlength(res, r, c);
        }
        e = db_rows_append(out, vals, lens);
    }
    free(vals);
    free(lens);
    if (e != APP_OK) {
        db_rows_free(out);
        return e;
    }
    *rows = out;
    return APP_OK;
}

/* A failed result's error; a statement the server lost, or whose plan went stale, is forgotten
   so that it is prepared anew next time. */
static app_err fail_result(pg_conn *conn, PGresult *res, const char *sql, uintptr_t id, char *err,
                           size_t errlen, int *stale)
{
    copy_error(conn->h, res, err, errlen);
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    *stale =
        id != 0 && state != NULL && (strcmp(state, "26000") == 0 || strcmp(state, "0A000") == 0);
    if (*stale)
        stmt_cache_forget(conn->stmts, sql);
    return res != NULL ? map_state(state) : APP_EDB;
}

static app_err pg_exec(void *hv, const char *sql, const db_param *params, int n, db_rows **rows,
                       int64_t *changes, char *err, size_t errlen)
{
    pg_conn *conn = hv;
    PGconn *h = conn->h;
    char numbuf[PG_MAX_PARAMS][24];
    const char *values[PG_MAX_PARAMS];
    if (n > PG_MAX_PARAMS) {
        snprintf(err, errlen, "too many parameters (%d)", n);
        return APP_EDB;
    }
    bind_text(params, n, numbuf, values);
    for (int tries = 0;; tries++) {
        PGresult *res;
        uintptr_t id = 0;
        if (n == 0 && is_txn_control(sql)) {
            res = PQexec(h, sql);
        } else {
            app_err e = prepared(conn, sql, &id, err, errlen);
            if (e != APP_OK)
                return e;
            char name[32];
            stmt_name(id, name, sizeof name);
            res = PQexecPrepared(h, name, n, values, NULL, NULL, 0);
        }
        ExecStatusType st = PQresultStatus(res);
        app_err e;
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            e = take_result(res, rows, changes);
            PQclear(res);
            return e;
        }
        int stale = 0;
        e = fail_result(conn, res, sql, id, err, errlen, &stale);
        PQclear(res);
        /* outside a transaction nothing was lost: once more, prepared anew */
        if (!stale || tries > 0 || PQtransactionStatus(h) != PQTRANS_IDLE)
            return e;
    }
}

/* Statements sent before their answers are read (libpq pipeline mode). */
#define PIPE_CHUNK 64

static app_err pg_batch(void *hv, db_batch_item *items, int n, char *err, size_t errlen)
{
    pg_conn *conn = hv;
    PGconn *h = conn->h;
    char(*numbuf)[24] = malloc(PG_MAX_PARAMS * sizeof *numbuf);
    const char **values = malloc(PG_MAX_PARAMS * sizeof *values);
    uintptr_t *ids = calloc((size_t)(n > 0 ? n : 1), sizeof *ids);
    app_err first = numbuf != NULL && values != NULL && ids != NULL ? APP_OK : APP_ENOMEM;
    /* every statement prepared first (once per connection), outside the pipeline */
    for (int i = 0; first == APP_OK && i < n; i++) {
        if (items[i].n > PG_MAX_PARAMS) {
            snprintf(err, errlen, "too many parameters (%d)", items[i].n);
            first = items[i].result = APP_EDB;
        } else if ((first = prepared(conn, items[i].sql, &ids[i], err, errlen)) != APP_OK) {
            items[i].result = first;
        }
    }
    for (int start = 0; first == APP_OK && start < n; start += PIPE_CHUNK) {
        int end = start + PIPE_CHUNK < n ? start + PIPE_CHUNK : n;
        if (PQenterPipelineMode(h) != 1) {
            copy_error(h, NULL, err, errlen);
            first = APP_EDB;
            break;
        }
        int sent = start;
        for (; sent < end; sent++) {
            char name[32];
            stmt_name(ids[sent], name, sizeof name);
            bind_text(items[sent].params, items[sent].n, numbuf, values);
            if (PQsendQueryPrepared(h, name, items[sent].n, values, NULL, NULL, 0) != 1)
                break;
        }
        int synced = PQpipelineSync(h) == 1;
        /* each statement's answer, then a NULL; a statement after a failed one is "aborted" */
        for (int i = start; i < sent; i++) {
            PGresult *res = PQgetResult(h);
            ExecStatusType st = PQresultStatus(res);
            if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
                items[i].result = take_result(res, items[i].rows, items[i].changes);
            } else if (st == PGRES_PIPELINE_ABORTED || res == NULL) {
                items[i].result = APP_EDB;
            } else {
                int stale = 0;
                items[i].result = fail_result(conn, res, items[i].sql, ids[i], err, errlen, &stale);
            }
            if (items[i].result != APP_OK && first == APP_OK)
                first = items[i].result;
            PQclear(res);
            if (res != NULL)
                while ((res = PQgetResult(h)) != NULL)
                    PQclear(res);
        }
        if (sent < end && first == APP_OK) {
            copy_error(h, NULL, err, errlen);
            first = APP_EDB;
        }
        /* the sync point, then out of pipeline mode (a lost connection is made again by the
           next db_acquire) */
        for (int guard = 0; synced && guard < 4; guard++) {
            PGresult *res = PQgetResult(h);
            ExecStatusType st = PQresultStatus(res);
            PQclear(res);
            if (st == PGRES_PIPELINE_SYNC)
                break;
        }
        if (PQexitPipelineMode(h) != 1 && first == APP_OK) {
            copy_error(h, NULL, err, errlen);
            first = APP_EDB;
        }
    }
    free(numbuf);
    free(values);
    free(ids);
    return first;
}

static app_err pg_script(void *hv, const char *sql, char *err, size_t errlen)
{
    PGconn *h = ((pg_conn *)hv)->h;
    PGresult *res = PQexec(h, sql);
    ExecStatusType st = PQresultStatus(res);
    app_err e = APP_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        copy_error(h, res, err, errlen);
        e = res != NULL ? map_state(PQresultErrorField(res, PG_DIAG_SQLSTATE)) : APP_EDB;
    }
    PQclear(res);
    return e;
}

/* ---- LISTEN ---- */

/* Retry a lost listener connection at most this often. */
#define PGL_RETRY_MS 2000

typedef struct pg_listener {
    PGconn *h;        /* the connection */
    char *listen_sql; /* "LISTEN <channel>" */
    int down;         /* the connection is lost */
    int64_t retry_at; /* monotonic ms of the next reconnection attempt */
} pg_listener;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run LISTEN on h.  0 or -1. */
static int pgl_subscribe(pg_listener *l)
{
    PGresult *res = PQexec(l->h, l->listen_sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok ? 0 : -1;
}

static void *pg_listen(const char *target, const char *channel, char *err, size_t errlen)
{
    PGconn *h = pg_open(target, err, errlen);
    if (h == NULL)
        return NULL;
    pg_listener *l = calloc(1, sizeof *l);
    char *ident = PQescapeIdentifier(h, channel, strlen(channel));
    size_t n = ident != NULL ? strlen(ident) + 8 : 0;
    if (l != NULL && ident != NULL)
        l->listen_sql = malloc(n);
    if (l == NULL || l->listen_sql == NULL) {
        snprintf(err, errlen, "out of memory");
        PQfreemem(ident);
        free(l);
        PQfinish(h);
        return NULL;
    }
    snprintf(l->listen_sql, n, "LISTEN %s", ident);
    PQfreemem(ident);
    l->h = h;
    if (pgl_subscribe(l) != 0) {
        snprintf(err, errlen, "LISTEN failed: %s", PQerrorMessage(h));
        free(l->listen_sql);
        free(l);
        PQfinish(h);
        return NULL;
    }
    return l;
}

/* Take every notification that arrived.  1 if there was one. */
static int pgl_drain(PGconn *h)
{
    int got = 0;
    PGnotify *n;
    while ((n = PQnotifies(h)) != NULL) {
        got = 1;
        PQfreemem(n);
    }
    return got;
}

/* The connection is lost: try to make it again (not more often than PGL_RETRY_MS). */
static int pgl_recover(pg_listener *l)
{
    int64_t now = mono_ms();
    if (l->down && now < l->retry_at)
        return -1;
    l->down = 1;
    l->retry_at = now + PGL_RETRY_MS;
    PQreset(l->h);
    if (PQstatus(l->h) != CONNECTION_OK || pgl_subscribe(l) != 0)
        return -1;
    l->down = 0;
    return 1; /* notifications may have been missed meanwhile: look */
}

static int pg_listen_wait(void *lv, int timeout_ms)
{
    pg_listener *l = lv;
    if (l->down || PQstatus(l->h) != CONNECTION_OK)
        return pgl_recover(l);
    int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;) {
        if (!PQconsumeInput(l->h))
            return pgl_recover(l);
        if (pgl_drain(l->h))
            return 1;
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {.fd = PQsocket(l->h), .events = POLLIN};
        int rc = poll(&pfd, 1, (int)left);
        if (rc < 0 && errno != EINTR)
            return pgl_recover(l);
    }
}

static int pg_listen_fd(const void *lv)
{
    const pg_listener *l = lv;
    if (l->down || PQstatus(l->h) != CONNECTION_OK)
        return -1;
    return PQsocket(l->h);
}

static void pg_unlisten(void *lv)
{
    pg_listener *l = lv;
    PQfinish(l->h);
    free(l->listen_sql);
    free(l);
}

const db_ops db_pg_ops = {
    .kind = DB_POSTGRES,
    .name = "postgres",
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .check = pg_check,
    .exec = pg_exec,
    .script = pg_script,
    .batch = pg_batch,
    .begin_read = "BEGIN",
    .begin_write = "BEGIN",
    .listen = pg_listen,
    .listen_wait = pg_listen_wait,
    .listen_fd = pg_listen_fd,
    .unlisten = pg_unlisten,
};
