/* events.c - the event log, notifications and their outboxes (see events.h). */
#include "store/events.h"
#include "store/rowjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

app_err store_event_members(db *d, int64_t workspace_id, const char *kind, store_event_member **out,
                            size_t *n)
{
    db_rows *r = NULL;
    db_param p[3] = {DB_T(kind), DB_I(workspace_id), DB_I(workspace_id)};
    app_err e = db_query(
        d,
        "SELECT m.user_id, m.role, u.name, u.email, COALESCE(np.in_app, -1), "
        "COALESCE(np.email, -1), COALESCE(dg.email, 0) FROM memberships m JOIN users u ON u.id = "
        "m.user_id LEFT JOIN notification_prefs np ON np.user_id = m.user_id AND "
        "np.workspace_id = m.workspace_id AND np.event = ? LEFT JOIN notification_prefs dg ON "
        "dg.user_id = m.user_id AND dg.workspace_id = ? AND dg.event = 'digest' WHERE "
        "m.workspace_id = ? ORDER BY m.user_id",
        p, 3, &r, NULL);
    *out = NULL;
    *n = 0;
    if (e != APP_OK)
        return e;
    int rows = db_rows_count(r);
    store_event_member *m = calloc(rows > 0 ? (size_t)rows : 1, sizeof *m);
    if (m == NULL) {
        db_rows_free(r);
        return APP_ENOMEM;
    }
    for (int i = 0; i < rows; i++) {
        m[i].user_id = db_rows_int(r, i, 0, 0);
        role rl = ROLE_NONE;
        rbac_role_parse(db_rows_text(r, i, 1), &rl);
        m[i].r = rl;
        snprintf(m[i].name, sizeof m[i].name, "%s", db_rows_text(r, i, 2));
        snprintf(m[i].email, sizeof m[i].email, "%s", db_rows_text(r, i, 3));
        m[i].in_app = (int)db_rows_int(r, i, 4, -1);
        m[i].email_on = (int)db_rows_int(r, i, 5, -1);
        m[i].digest = db_rows_int(r, i, 6, 0) != 0;
    }
    db_rows_free(r);
    *out = m;
    *n = (size_t)rows;
    return APP_OK;
}

/* Insert one event row; *id its id. */
static app_err insert_event(db_conn *c, int64_t ws, int64_t user_id, const char *kind,
                            const char *data, int64_t now_ms, int64_t *id)
{
    db_rows *r = NULL;
    db_param p[5] = {DB_I(ws), user_id > 0 ? DB_I(user_id) : DB_N, DB_T(kind), DB_T(data),
                     DB_I(now_ms)};
    app_err e = db_exec(c,
                        "INSERT INTO events (workspace_id, user_id, kind, data, created_at) VALUES "
                        "(?, ?, ?, ?, ?) RETURNING id",
                        p, 5, &r, NULL);
    if (e == APP_OK && id != NULL)
        *id = db_rows_int(r, 0, 0, 0);
    db_rows_free(r);
    return e;
}

/* The notification as the streams carry it. */
static char *notification_text(int64_t id, const store_event_in *in, int64_t now_ms)
{
    json_t *data = json_loads(in->data, 0, NULL);
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:n}", "id", (json_int_t)id,
                          "workspace_id", (json_int_t)in->workspace_id, "event", in->kind, "title",
                          in->title, "body", in->body != NULL ? in->body : "", "link",
                          in->link != NULL ? json_string(in->link) : json_null(), "data",
                          data != NULL ? data : json_object(), "created_at",
                          rowjson_instant(now_ms), "read_at");
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

/* The active webhooks of workspaces, read once per batch of events. */
typedef struct hooks_memo {
    int64_t workspace_id;
    db_rows *r; /* id, events */
} hooks_memo;

static app_err active_hooks(db_conn *c, int64_t workspace_id, hooks_memo *memo, size_t *nmemo,
                            const db_rows **out)
{
    for (size_t i = 0; i < *nmemo; i++)
        if (memo[i].workspace_id == workspace_id) {
            *out = memo[i].r;
            return APP_OK;
        }
    db_rows *r = NULL;
    db_param p[1] = {DB_I(workspace_id)};
    app_err e = db_exec(c, "SELECT id, events FROM webhooks WHERE workspace_id = ? AND active = 1",
                        p, 1, &r, NULL);
    if (e != APP_OK)
        return e;
    memo[*nmemo] = (hooks_memo){workspace_id, r};
    (*nmemo)++;
    *out = r;
    return APP_OK;
}

/* One event's rows, on c inside the caller's transaction (memo: room for one more). */
static app_err write_one(db_conn *c, const store_event_in *in, int64_t now_ms, int64_t *event_id,
                         hooks_memo *memo, size_t *nmemo)
{
    int64_t eid = 0;
    app_err e = insert_event(c, in->workspace_id, 0, in->kind, in->data, now_ms, &eid);
    for (size_t i = 0; e == APP_OK && in->title != NULL && i < in->nto; i++) {
        const store_event_recipient *to = &in->to[i];
        db_rows *r = NULL;
        int64_t nid = 0;
        if (to->in_app) { /* else email only */
            db_param p[8] = {DB_I(to->user_id),
                             DB_I(in->workspace_id),
                             DB_T(in->kind),
                             DB_T(in->title),
                             DB_T(in->body ? in->body : ""),
                             DB_T(in->link),
                             DB_T(in->data),
                             DB_I(now_ms)};
            e = db_exec(
                c,
                "INSERT INTO notifications (user_id, workspace_id, event, title, body, link, "
                "data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                p, 8, &r, NULL);
            nid = e == APP_OK ? db_rows_int(r, 0, 0, 0) : 0;
            db_rows_free(r);
            if (e == APP_OK) {
                char *text = notification_text(nid, in, now_ms);
                e = text != NULL ? insert_event(c, in->workspace_id, to->user_id, "notification",
                                                text, now_ms, NULL)
                                 : APP_ENOMEM;
                free(text);
            }
        }
        if (e == APP_OK && to->email && to->email_to != NULL && to->email_to[0]) {
            db_param q[9] = {
                DB_I(to->user_id),    DB_I(in->workspace_id),  nid > 0 ? DB_I(nid) : DB_N,
                DB_T(to->email_to),   DB_T(to->email_subject), DB_T(to->email_text),
                DB_T(to->email_html), DB_I(to->digest),        DB_I(now_ms)};
            e = db_exec(c,
                        "INSERT INTO email_outbox (user_id, workspace_id, notification_id, "
                        "to_addr, subject, text_body, html_body, digest, created_at, "
                        "next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (db_param[]){q[0], q[1], q[2], q[3], q[4], q[5], q[6], q[7], q[8], q[8]},
                        10, NULL, NULL);
        }
    }
    if (e == APP_OK && in->title != NULL) {
        /* webhooks that take this kind ("*" = every kind) */
        const db_rows *r = NULL;
        e = active_hooks(c, in->workspace_id, memo, nmemo, &r);
        json_t *payload = NULL;
        char *ptext = NULL;
        for (int i = 0; e == APP_OK && i < db_rows_count(r); i++) {
            char list[1100];
            snprintf(list, sizeof list, ",%s,", db_rows_text(r, i, 1));
            char want[80];
            snprintf(want, sizeof want, ",%s,", in->kind);
            if (strstr(list, ",*,") == NULL && strstr(list, want) == NULL)
                continue;
            if (ptext == NULL) {
                json_t *data = json_loads(in->data, 0, NULL);
                payload =
                    json_pack("{s:I, s:s, s:I, s:I, s:s, s:s?, s:s?, s:o}", "id", (json_int_t)eid,
                              "type", in->kind, "created_ms", (json_int_t)now_ms, "workspace_id",
                              (json_int_t)in->workspace_id, "title", in->title, "body", in->body,
                              "link", in->link, "data", data != NULL ? data : json_object());
                ptext = json_dumps(payload, JSON_COMPACT);
                json_decref(payload);
                if (ptext == NULL) {
                    e = APP_ENOMEM;
                    break;
                }
            }
            db_param q[6] = {DB_I(db_rows_int(r, i, 0, 0)),
                             DB_I(eid),
                             DB_T(in->kind),
                             DB_T(ptext),
                             DB_I(now_ms),
                             DB_I(now_ms)};
            e = db_exec(c,
                        "INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, "
                        "state, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)",
                        q, 6, NULL, NULL);
        }
        free(ptext);
    }
    if (e == APP_OK && event_id != NULL)
        *event_id = eid;
    return e;
}

app_err store_event_write_many(db *d, const store_event_in *in, size_t n, int64_t now_ms,
                               int64_t *event_ids)
{
    if (n == 0)
        return APP_OK;
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    hooks_memo *memo = calloc(n, sizeof *memo);
    size_t nmemo = 0;
    app_err e = memo != NULL ? db_begin(c, DB_WRITE) : APP_ENOMEM;
    for (size_t i = 0; e == APP_OK && i < n; i++)
        e = write_one(c, &in[i], now_ms, event_ids != NULL ? &event_ids[i] : NULL, memo, &nmemo);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    for (size_t i = 0; i < nmemo; i++)
        db_rows_free(memo[i].r);
    free(memo);
    return e;
}

app_err store_event_write(db *d, const store_event_in *in, int64_t now_ms, int64_t *event_id)
{
    return store_event_write_many(d, in, 1, now_ms, event_id);
}

void store_events_signal(db *d)
{
    if (db_kind(d) == DB_POSTGRES)
        db_query(d, "SELECT pg_notify('p2s_events', '')", NULL, 0, NULL, NULL);
}

app_err store_events_prune(db *d, int64_t before_ms)
{
    db_param p[1] = {DB_I(before_ms)};
    return db_query(d, "DELETE FROM events WHERE created_at < ?", p, 1, NULL, NULL);
}
