/* feed.c - reading the event log for the live streams (see feed.h). */
#define _POSIX_C_SOURCE 200809L
#include "store/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Workspaces asked about in one members query. */
#define MEMBERS_CHUNK 100

void store_feed_free(store_feed_event *ev, size_t n)
{
    for (size_t i = 0; ev != NULL && i < n; i++)
        free(ev[i].data);
    free(ev);
}

/* Rows (id, workspace_id, user_id, kind, data) into events; reversed when newest_first. */
static app_err rows_to_events(const db_rows *r, int count, int newest_first, store_feed_event **out,
                              size_t *n)
{
    *out = NULL;
    *n = 0;
    if (count <= 0)
        return APP_OK;
    store_feed_event *ev = calloc((size_t)count, sizeof *ev);
    if (ev == NULL)
        return APP_ENOMEM;
    for (int i = 0; i < count; i++) {
        int row = newest_first ? count - 1 - i : i;
        const char *data = db_rows_text(r, row, 4);
        ev[i].id = db_rows_int(r, row, 0, 0);
        ev[i].workspace_id = db_rows_int(r, row, 1, 0);
        ev[i].user_id = db_rows_int(r, row, 2, 0);
        snprintf(ev[i].kind, sizeof ev[i].kind, "%s", db_rows_text(r, row, 3));
        ev[i].data = strdup(data != NULL ? data : "{}");
        if (ev[i].data == NULL) {
            store_feed_free(ev, (size_t)i);
            return APP_ENOMEM;
        }
    }
    *out = ev;
    *n = (size_t)count;
    return APP_OK;
}

app_err store_feed_last_id(db *d, int64_t *out)
{
    db_rows *r = NULL;
    app_err e = db_query(d, "SELECT COALESCE(MAX(id), 0) FROM events", NULL, 0, &r, NULL);
    *out = e == APP_OK ? db_rows_int(r, 0, 0, 0) : 0;
    db_rows_free(r);
    return e;
}

app_err store_feed_after(db *d, int64_t after_id, int limit, store_feed_event **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_rows *r = NULL;
    db_param p[2] = {DB_I(after_id), DB_I(limit)};
    app_err e = db_query(d,
                         "SELECT id, workspace_id, user_id, kind, data FROM events WHERE id > ? "
                         "ORDER BY id LIMIT ?",
                         p, 2, &r, NULL);
    if (e == APP_OK)
        e = rows_to_events(r, db_rows_count(r), 0, out, n);
    db_rows_free(r);
    return e;
}

app_err store_feed_for_user(db *d, int64_t user_id, int64_t api_key_id, int64_t after_id,
                            int64_t upto_id, int limit, store_feed_event **out, size_t *n,
                            int *more)
{
    *out = NULL;
    *n = 0;
    *more = 0;
    db_rows *r = NULL;
    /* Their own events, and their workspaces' events (each branch on its index). */
    db_param p[9] = {DB_I(user_id),    DB_I(after_id),   DB_I(upto_id),
                     DB_I(user_id),    DB_I(after_id),   DB_I(upto_id),
                     DB_I(api_key_id), DB_I(api_key_id), DB_I(limit + 1)};
    app_err e = db_query(
        d,
        "SELECT id, workspace_id, user_id, kind, data FROM (SELECT e.id, e.workspace_id, "
        "e.user_id, e.kind, e.data FROM events e WHERE e.user_id = ? AND e.id > ? AND e.id <= ? "
        "UNION ALL SELECT e.id, e.workspace_id, e.user_id, e.kind, e.data FROM events e JOIN "
        "memberships m ON m.workspace_id = e.workspace_id AND m.user_id = ? WHERE e.user_id IS "
        "NULL AND e.id > ? AND e.id <= ?) x WHERE (? = 0 OR x.workspace_id IN (SELECT "
        "k.workspace_id FROM api_key_workspaces k WHERE k.api_key_id = ?)) ORDER BY id DESC "
        "LIMIT ?",
        p, 9, &r, NULL);
    if (e == APP_OK) {
        int count = db_rows_count(r);
        if (count > limit) {
            *more = 1;
            count = limit;
        }
        e = rows_to_events(r, count, 1, out, n);
    }
    db_rows_free(r);
    return e;
}

app_err store_feed_members(db *d, const int64_t *ws, size_t n, store_feed_member **out,
                           size_t *nout)
{
    *out = NULL;
    *nout = 0;
    store_feed_member *all = NULL;
    size_t count = 0;
    char sql[128 + MEMBERS_CHUNK * 3];
    db_param p[MEMBERS_CHUNK];
    for (size_t at = 0; at < n; at += MEMBERS_CHUNK) {
        size_t k = n - at < MEMBERS_CHUNK ? n - at : MEMBERS_CHUNK;
        size_t o = (size_t)snprintf(sql, sizeof sql,
                                    "SELECT workspace_id, user_id FROM memberships WHERE "
                                    "workspace_id IN (");
        for (size_t i = 0; i < k; i++) {
            o += (size_t)snprintf(sql + o, sizeof sql - o, i ? ",?" : "?");
            p[i] = DB_I(ws[at + i]);
        }
        snprintf(sql + o, sizeof sql - o, ") ORDER BY workspace_id, user_id");
        db_rows *r = NULL;
        app_err e = db_query(d, sql, p, (int)k, &r, NULL);
        int rows = db_rows_count(r);
        store_feed_member *grown =
            e == APP_OK && rows > 0 ? realloc(all, (count + (size_t)rows) * sizeof *all) : all;
        if (e == APP_OK && grown == NULL)
            e = APP_ENOMEM;
        if (e != APP_OK) {
            db_rows_free(r);
            free(all);
            return e;
        }
        all = grown;
        for (int i = 0; i < rows; i++) {
            all[count].workspace_id = db_rows_int(r, i, 0, 0);
            all[count].user_id = db_rows_int(r, i, 1, 0);
            count++;
        }
        db_rows_free(r);
    }
    *out = all;
    *nout = count;
    return APP_OK;
}

app_err store_feed_key_workspaces(db *d, int64_t api_key_id, int64_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    db_rows *r = NULL;
    db_param p[1] = {DB_I(api_key_id)};
    app_err e = db_query(d,
                         "SELECT workspace_id FROM api_key_workspaces WHERE api_key_id = ? "
                         "ORDER BY workspace_id",
                         p, 1, &r, NULL);
    int rows = db_rows_count(r);
    if (e == APP_OK && rows > 0) {
        int64_t *ws = malloc((size_t)rows * sizeof *ws);
        if (ws == NULL)
            e = APP_ENOMEM;
        for (int i = 0; ws != NULL && i < rows; i++)
            ws[i] = db_rows_int(r, i, 0, 0);
        *out = ws;
        *n = ws != NULL ? (size_t)rows : 0;
    }
    db_rows_free(r);
    return e;
}
