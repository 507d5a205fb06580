/* db.c - the connection pool, transactions and result sets shared by both backends. */
#define _POSIX_C_SOURCE 200809L
#include "store/db_int.h"
#include "core/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct db_conn {
    db *owner;     /* the pool this connection belongs to */
    void *h;       /* backend handle */
    int in_txn;    /* a transaction is open */
    char err[512]; /* last error message */
};

struct db {
    const db_ops *ops;  /* backend */
    char *target;       /* what the backend connects to (for listeners) */
    pthread_mutex_t mu; /* guards aFree/nFree */
    pthread_cond_t cv;  /* signalled when a connection is released */
    db_conn *aConn;     /* all connections */
    int nConn;          /* number of connections */
    db_conn **aFree;    /* stack of idle connections */
    int nFree;          /* idle connections on the stack */
};

struct db_rows {
    int cols;     /* columns per row */
    int rows;     /* rows held */
    int cap;      /* rows allocated */
    char **cells; /* rows*cols values, NULL for SQL NULL */
};

db_rows *db_rows_new(int cols)
{
    db_rows *r = calloc(1, sizeof *r);
    if (r != NULL)
        r->cols = cols;
    return r;
}

app_err db_rows_append(db_rows *r, const char *const *values, const size_t *lens)
{
    if (r->rows == r->cap) {
        int ncap = r->cap ? r->cap * 2 : 8;
        char **n = realloc(r->cells, (size_t)ncap * (size_t)r->cols * sizeof *n);
        if (n == NULL && r->cols > 0)
            return APP_ENOMEM;
        r->cells = n;
        r->cap = ncap;
    }
    char **row = r->cells + (size_t)r->rows * (size_t)r->cols;
    for (int c = 0; c < r->cols; c++) {
        if (values[c] == NULL) {
            row[c] = NULL;
            continue;
        }
        row[c] = malloc(lens[c] + 1);
        if (row[c] == NULL) {
            for (int k = 0; k < c; k++)
                free(row[k]);
            return APP_ENOMEM;
        }
        memcpy(row[c], values[c], lens[c]);
        row[c][lens[c]] = '\0';
    }
    r->rows++;
    return APP_OK;
}

int db_rows_count(const db_rows *r)
{
    return r != NULL ? r->rows : 0;
}

int db_rows_cols(const db_rows *r)
{
    return r != NULL ? r->cols : 0;
}

static const char *cell(const db_rows *r, int row, int col)
{
    if (r == NULL || row < 0 || row >= r->rows || col < 0 || col >= r->cols)
        return NULL;
    return r->cells[(size_t)row * (size_t)r->cols + (size_t)col];
}

int db_rows_isnull(const db_rows *r, int row, int col)
{
    return cell(r, row, col) == NULL;
}

const char *db_rows_text(const db_rows *r, int row, int col)
{
    return cell(r, row, col);
}

int64_t db_rows_int(const db_rows *r, int row, int col, int64_t dflt)
{
    const char *s = cell(r, row, col);
    if (s == NULL || *s == '\0')
        return dflt;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return dflt;
    return (int64_t)v;
}

void db_rows_free(db_rows *r)
{
    if (r == NULL)
        return;
    size_t n = (size_t)r->rows * (size_t)r->cols;
    for (size_t i = 0; i < n; i++)
        free(r->cells[i]);
    free(r->cells);
    free(r);
}

/* Decide the backend and its connection target from a database URL. */
static const db_ops *pick_backend(const char *url, const char **target)
{
    if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        *target = url;
        return &db_pg_ops;
    }
    if (strncmp(url, "sqlite://", 9) == 0)
        *target = url + 9;
    else if (strncmp(url, "sqlite:", 7) == 0)
        *target = url + 7;
    else
        *target = url;
    return &db_sqlite_ops;
}

app_err db_open(const char *url, int size, db **out, char *err, size_t errlen)
{
    *out = NULL;
    if (size < 1)
        size = 1;
    const char *target;
    const db_ops *ops = pick_backend(url, &target);
    if (*target == '\0') {
        snprintf(err, errlen, "database URL names no database");
        return APP_EINVAL;
    }
    db *d = calloc(1, sizeof *d);
    if (d == NULL)
        return APP_ENOMEM;
    d->ops = ops;
    d->target = strdup(target);
    d->aConn = calloc((size_t)size, sizeof *d->aConn);
    d->aFree = calloc((size_t)size, sizeof *d->aFree);
    if (d->target == NULL || d->aConn == NULL || d->aFree == NULL) {
        free(d->target);
        free(d->aConn);
        free(d->aFree);
        free(d);
        return APP_ENOMEM;
    }
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    for (int i = 0; i < size; i++) {
        void *h = ops->connect(target, err, errlen);
        if (h == NULL) {
            db_close(d);
            return APP_EDB;
        }
        d->aConn[i].owner = d;
        d->aConn[i].h = h;
        d->nConn = i + 1;
        d->aFree[d->nFree++] = &d->aConn[i];
    }
    *out = d;
    return APP_OK;
}

void db_close(db *d)
{
    if (d == NULL)
        return;
    for (int i = 0; i < d->nConn; i++)
        d->ops->disconnect(d->aConn[i].h);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    free(d->aConn);
    free(d->aFree);
    free(d->target);
    free(d);
}

db_backend db_kind(const db *d)
{
    return d->ops->kind;
}

const char *db_kind_name(const db *d)
{
    return d->ops->name;
}

db_conn *db_acquire(db *d, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&d->mu);
    while (d->nFree == 0) {
        if (pthread_cond_timedwait(&d->cv, &d->mu, &deadline) == ETIMEDOUT && d->nFree == 0) {
            pthread_mutex_unlock(&d->mu);
            return NULL;
        }
    }
    db_conn *c = d->aFree[--d->nFree];
    pthread_mutex_unlock(&d->mu);
    c->err[0] = '\0';
    if (d->ops->check(c->h) != 0) {
        snprintf(c->err, sizeof c->err, "database connection lost");
        db_release(c);
        return NULL;
    }
    return c;
}

void db_release(db_conn *c)
{
    if (c == NULL)
        return;
    if (c->in_txn)
        db_rollback(c);
    db *d = c->owner;
    pthread_mutex_lock(&d->mu);
    d->aFree[d->nFree++] = c;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

app_err db_begin(db_conn *c, db_txn kind)
{
    const db_ops *ops = c->owner->ops;
    app_err e = ops->exec(c->h, kind == DB_WRITE ? ops->begin_write : ops->begin_read, NULL, 0,
                          NULL, NULL, c->err, sizeof c->err);
    if (e == APP_OK)
        c->in_txn = 1;
    return e;
}

app_err db_commit(db_conn *c)
{
    app_err e = c->owner->ops->exec(c->h, "COMMIT", NULL, 0, NULL, NULL, c->err, sizeof c->err);
    if (e != APP_OK)
        db_rollback(c);
    c->in_txn = 0;
    return e;
}

app_err db_rollback(db_conn *c)
{
    char ignored[128];
    c->in_txn = 0;
    return c->owner->ops->exec(c->h, "ROLLBACK", NULL, 0, NULL, NULL, ignored, sizeof ignored);
}

app_err db_exec(db_conn *c, const char *sql, const db_param *params, int n, db_rows **rows,
                int64_t *changes)
{
    if (rows != NULL)
        *rows = NULL;
    if (changes != NULL)
        *changes = 0;
    return c->owner->ops->exec(c->h, sql, params, n, rows, changes, c->err, sizeof c->err);
}

app_err db_exec_batch(db_conn *c, db_batch_item *items, int n)
{
    for (int i = 0; i < n; i++) {
        if (items[i].rows != NULL)
            *items[i].rows = NULL;
        if (items[i].changes != NULL)
            *items[i].changes = 0;
        items[i].result = APP_EDB;
    }
    const db_ops *ops = c->owner->ops;
    if (ops->batch != NULL)
        return ops->batch(c->h, items, n, c->err, sizeof c->err);
    for (int i = 0; i < n; i++) {
        db_batch_item *it = &items[i];
        it->result = ops->exec(c->h, it->sql, it->params, it->n, it->rows, it->changes, c->err,
                               sizeof c->err);
        if (it->result != APP_OK)
            return it->result;
    }
    return APP_OK;
}

app_err db_query(db *d, const char *sql, const db_param *params, int n, db_rows **rows,
                 int64_t *changes)
{
    if (rows != NULL)
        *rows = NULL;
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_exec(c, sql, params, n, rows, changes);
    db_release(c);
    return e;
}

app_err db_exec_script(db_conn *c, const char *sql)
{
    return c->owner->ops->script(c->h, sql, c->err, sizeof c->err);
}

const char *db_errmsg(const db_conn *c)
{
    return c->err;
}

/* ---- listeners ---- */

struct db_listener {
    const db_ops *ops; /* backend */
    void *h;           /* backend listener */
};

db_listener *db_listen(db *d, const char *channel, char *err, size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    if (d->ops->listen == NULL)
        return NULL;
    size_t n = strlen(channel);
    int ok = n > 0 && n < 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = (channel[i] >= 'a' && channel[i] <= 'z') || (channel[i] >= '0' && channel[i] <= '9') ||
             channel[i] == '_';
    if (!ok) {
        snprintf(err, errlen, "bad channel name");
        return NULL;
    }
    db_listener *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->ops = d->ops;
    l->h = d->ops->listen(d->target, channel, err, errlen);
    if (l->h == NULL) {
        free(l);
        return NULL;
    }
    return l;
}

int db_listener_wait(db_listener *l, int timeout_ms)
{
    return l->ops->listen_wait(l->h, timeout_ms);
}

int db_listener_fd(const db_listener *l)
{
    return l->ops->listen_fd(l->h);
}

void db_listener_close(db_listener *l)
{
    if (l == NULL)
        return;
    l->ops->unlisten(l->h);
    free(l);
}
