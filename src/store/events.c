/* events.c - the event log, notifications and their outboxes (see events.h). */
#include "store/events.h"
#include "store/rowjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEMBERS_SQL                                                                                \
    "SELECT m.user_id, m.role, u.name, u.email, COALESCE(np.in_app, -1), COALESCE(np.email, "      \
    "-1), COALESCE(dg.email, 0) FROM memberships m JOIN users u ON u.id = m.user_id LEFT JOIN "    \
    "notification_prefs np ON np.user_id = m.user_id AND np.workspace_id = m.workspace_id AND "    \
    "np.event = ? LEFT JOIN notification_prefs dg ON dg.user_id = m.user_id AND "                  \
    "dg.workspace_id = ? AND dg.event = 'digest' WHERE m.workspace_id = ? ORDER BY m.user_id"

/* The members in r (MEMBERS_SQL's rows) as an array. */
static app_err members_of(const db_rows *r, store_event_member **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int rows = db_rows_count(r);
    store_event_member *m = calloc(rows > 0 ? (size_t)rows : 1, sizeof *m);
    if (m == NULL)
        return APP_ENOMEM;
    for (int i = 0; i < rows; i++) {
        m[i].user_id = db_rows_int(r, i, 0, 0);
        role rl = ROLE_NONE;
        rbac_role_parse(db_rows_text(r, i, 1), &rl);
        m[i].r = rl;
        snprintf(m[i].name, sizeof m[i].name, "%s", db_rows_text(r, i, 2));
        snprintf(m[i].email, sizeof m[i].email, "%s", db_rows_text(r, i, 3));
        m[i].in_app = (int)db_rows_int(r, i, 4, -1);
        m[i].email_on = (int)db_rows_int(r, i, 5, -1);
        m[i].digest = (int)db_rows_int(r, i, 6, 0) != 0;
    }
    *out = m;
    *n = (size_t)rows;
    return APP_OK;
}

app_err store_event_members(db *d, int64_t workspace_id, const char *kind, store_event_member **out,
                            size_t *n)
{
    return store_event_members_many(d, &workspace_id, &kind, 1, out, n);
}

app_err store_event_members_many(db *d, const int64_t *workspace_ids, const char *const *kinds,
                                 size_t n, store_event_member **out, size_t *counts)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        counts[i] = 0;
    }
    if (n == 0)
        return APP_OK;
    db_batch_item *it = calloc(n, sizeof *it);
    db_param(*p)[3] = calloc(n, sizeof *p);
    db_rows **rows = calloc(n, sizeof *rows);
    db_conn *c = it != NULL && p != NULL && rows != NULL ? db_acquire(d, 5000) : NULL;
    app_err e = it == NULL || p == NULL || rows == NULL ? APP_ENOMEM
                : c == NULL                             ? APP_EBUSY
                                                        : APP_OK;
    for (size_t i = 0; e == APP_OK && i < n; i++) {
        p[i][0] = DB_T(kinds[i]), p[i][1] = DB_I(workspace_ids[i]),
        p[i][2] = DB_I(workspace_ids[i]);
        it[i] = (db_batch_item){MEMBERS_SQL, p[i], 3, &rows[i], NULL, APP_OK};
    }
    if (e == APP_OK)
        e = db_exec_batch(c, it, (int)n);
    db_release(c);
    for (size_t i = 0; e == APP_OK && i < n; i++)
        e = members_of(rows[i], &out[i], &counts[i]);
    for (size_t i = 0; rows != NULL && i < n; i++)
        db_rows_free(rows[i]);
    if (e != APP_OK)
        for (size_t i = 0; i < n; i++) {
            free(out[i]);
            out[i] = NULL;
            counts[i] = 0;
        }
    free(it);
    free(p);
    free(rows);
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

/*
 * Statements gathered for one db_exec_batch, with their parameters and
 * answers, and the texts they bind (freed with the batch).
 */
typedef struct stmt_list {
    db_batch_item *it;
    db_param (*p)[10];
    db_rows **rows;
    char *want;   /* per statement: rows wanted */
    char **texts; /* built texts bound by the statements */
    size_t n, cap, ntexts, captexts;
    app_err oom;
} stmt_list;

/* Room for one more statement: its parameters to fill (NULL when out of memory). */
static db_param *stmt_push(stmt_list *l, const char *sql, int nparams, int want_rows)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        db_batch_item *it = realloc(l->it, cap * sizeof *it);
        if (it != NULL)
            l->it = it;
        db_param(*p)[10] = it != NULL ? realloc(l->p, cap * sizeof *p) : NULL;
        if (p != NULL)
            l->p = p;
        db_rows **rows = p != NULL ? realloc(l->rows, cap * sizeof *rows) : NULL;
        if (rows != NULL)
            l->rows = rows;
        char *want = rows != NULL ? realloc(l->want, cap) : NULL;
        if (want == NULL) {
            l->oom = APP_ENOMEM;
            return NULL;
        }
        l->want = want;
        l->cap = cap;
    }
    size_t k = l->n++;
    l->it[k] = (db_batch_item){.sql = sql, .n = nparams};
    l->rows[k] = NULL;
    l->want[k] = (char)want_rows;
    return l->p[k];
}

/* Keep a text bound by a statement until the list is freed (NULL: out of memory). */
static const char *stmt_text(stmt_list *l, char *s)
{
    if (s == NULL) {
        l->oom = APP_ENOMEM;
        return NULL;
    }
    if (l->ntexts == l->captexts) {
        size_t cap = l->captexts ? l->captexts * 2 : 16;
        char **t = realloc(l->texts, cap * sizeof *t);
        if (t == NULL) {
            free(s);
            l->oom = APP_ENOMEM;
            return NULL;
        }
        l->texts = t;
        l->captexts = cap;
    }
    l->texts[l->ntexts++] = s;
    return s;
}

static app_err stmt_run(db_conn *c, stmt_list *l)
{
    if (l->oom != APP_OK)
        return l->oom;
    for (size_t k = 0; k < l->n; k++) {
        l->it[k].params = l->p[k];
        l->it[k].rows = l->want[k] ? &l->rows[k] : NULL;
    }
    return db_exec_batch(c, l->it, (int)l->n);
}

static void stmt_free(stmt_list *l)
{
    for (size_t k = 0; k < l->n; k++)
        db_rows_free(l->rows[k]);
    for (size_t k = 0; k < l->ntexts; k++)
        free(l->texts[k]);
    free(l->it);
    free(l->p);
    free(l->rows);
    free(l->want);
    free(l->texts);
    memset(l, 0, sizeof *l);
}

#define INSERT_EVENT_SQL                                                                           \
    "INSERT INTO events (workspace_id, user_id, kind, data, created_at) VALUES (?, ?, ?, ?, ?) "   \
    "RETURNING id"

/* 1 when a webhook's list of kinds ("a,b" or "*") takes kind. */
static int hook_takes(const char *kinds, const char *kind)
{
    char list[1100], want[80];
    snprintf(list, sizeof list, ",%s,", kinds != NULL ? kinds : "");
    snprintf(want, sizeof want, ",%s,", kind);
    return strstr(list, ",*,") != NULL || strstr(list, want) != NULL;
}

/*
 * The events in two batches of statements (PostgreSQL sends each at once):
 * first the workspace events, the notifications and the webhooks of their
 * workspaces; then what needs their ids: the notifications' stream events,
 * the emails and the webhook deliveries.
 */
static app_err write_events(db_conn *c, const store_event_in *in, size_t n, int64_t now_ms,
                            int64_t *event_ids)
{
    stmt_list one = {0}, two = {0};
    size_t *ev_at = calloc(n, sizeof *ev_at);       /* statement of each event's row */
    size_t *hooks_at = calloc(n, sizeof *hooks_at); /* statement of its workspace's webhooks */
    size_t nto = 0;
    for (size_t i = 0; i < n; i++)
        nto += in[i].title != NULL ? in[i].nto : 0;
    size_t *note_at = calloc(nto ? nto : 1, sizeof *note_at); /* of each notification */
    app_err e = ev_at != NULL && hooks_at != NULL && note_at != NULL ? APP_OK : APP_ENOMEM;
    size_t r = 0;
    for (size_t i = 0; e == APP_OK && i < n; i++) {
        ev_at[i] = one.n;
        db_param *p = stmt_push(&one, INSERT_EVENT_SQL, 5, 1);
        if (p == NULL)
            break;
        p[0] = DB_I(in[i].workspace_id), p[1] = DB_N, p[2] = DB_T(in[i].kind);
        p[3] = DB_T(in[i].data), p[4] = DB_I(now_ms);
        if (in[i].title == NULL)
            continue;
        for (size_t k = 0; k < in[i].nto; k++, r++) {
            const store_event_recipient *to = &in[i].to[k];
            note_at[r] = (size_t)-1;
            if (!to->in_app)
                continue; /* email only */
            note_at[r] = one.n;
            p = stmt_push(&one,
                          "INSERT INTO notifications (user_id, workspace_id, event, title, body, "
                          "link, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                          8, 1);
            if (p == NULL)
                break;
            p[0] = DB_I(to->user_id), p[1] = DB_I(in[i].workspace_id), p[2] = DB_T(in[i].kind);
            p[3] = DB_T(in[i].title), p[4] = DB_T(in[i].body ? in[i].body : "");
            p[5] = DB_T(in[i].link), p[6] = DB_T(in[i].data), p[7] = DB_I(now_ms);
        }
        /* the workspace's active webhooks, read once */
        hooks_at[i] = (size_t)-1;
        for (size_t j = 0; j < i && hooks_at[i] == (size_t)-1; j++)
            if (in[j].title != NULL && in[j].workspace_id == in[i].workspace_id)
                hooks_at[i] = hooks_at[j];
        if (hooks_at[i] == (size_t)-1) {
            hooks_at[i] = one.n;
            p = stmt_push(&one,
                          "SELECT id, events FROM webhooks WHERE workspace_id = ? AND active = 1",
                          1, 1);
            if (p != NULL)
                p[0] = DB_I(in[i].workspace_id);
        }
    }
    if (e == APP_OK)
        e = stmt_run(c, &one);
    r = 0;
    for (size_t i = 0; e == APP_OK && i < n; i++) {
        int64_t eid = db_rows_int(one.rows[ev_at[i]], 0, 0, 0);
        if (event_ids != NULL)
            event_ids[i] = eid;
        if (in[i].title == NULL)
            continue;
        for (size_t k = 0; k < in[i].nto; k++, r++) {
            const store_event_recipient *to = &in[i].to[k];
            int64_t nid = note_at[r] != (size_t)-1 ? db_rows_int(one.rows[note_at[r]], 0, 0, 0) : 0;
            if (nid > 0) {
                const char *text = stmt_text(&two, notification_text(nid, &in[i], now_ms));
                db_param *p = stmt_push(&two, INSERT_EVENT_SQL, 5, 0);
                if (p != NULL) {
                    p[0] = DB_I(in[i].workspace_id), p[1] = DB_I(to->user_id);
                    p[2] = DB_T("notification"), p[3] = DB_T(text), p[4] = DB_I(now_ms);
                }
            }
            if (to->email && to->email_to != NULL && to->email_to[0]) {
                db_param *p = stmt_push(&two,
                                        "INSERT INTO email_outbox (user_id, workspace_id, "
                                        "notification_id, to_addr, subject, text_body, html_body, "
                                        "digest, created_at, next_attempt_at) VALUES (?, ?, ?, ?, "
                                        "?, ?, ?, ?, ?, ?)",
                                        10, 0);
                if (p != NULL) {
                    p[0] = DB_I(to->user_id), p[1] = DB_I(in[i].workspace_id);
                    p[2] = nid > 0 ? DB_I(nid) : DB_N, p[3] = DB_T(to->email_to);
                    p[4] = DB_T(to->email_subject), p[5] = DB_T(to->email_text);
                    p[6] = DB_T(to->email_html), p[7] = DB_I(to->digest), p[8] = DB_I(now_ms);
                    p[9] = DB_I(now_ms);
                }
            }
        }
        /* webhooks that take this kind ("*" = every kind) */
        const db_rows *hooks = one.rows[hooks_at[i]];
        const char *payload = NULL;
        for (int h = 0; h < db_rows_count(hooks); h++) {
            if (!hook_takes(db_rows_text(hooks, h, 1), in[i].kind))
                continue;
            if (payload == NULL) {
                json_t *data = json_loads(in[i].data, 0, NULL);
                json_t *o = json_pack(
                    "{s:I, s:s, s:I, s:I, s:s, s:s?, s:s?, s:o}", "id", (json_int_t)eid, "type",
                    in[i].kind, "created_ms", (json_int_t)now_ms, "workspace_id",
                    (json_int_t)in[i].workspace_id, "title", in[i].title, "body", in[i].body,
                    "link", in[i].link, "data", data != NULL ? data : json_object());
                payload = stmt_text(&two, json_dumps(o, JSON_COMPACT));
                json_decref(o);
            }
            db_param *p = stmt_push(&two,
                                    "INSERT INTO webhook_deliveries (webhook_id, event_id, event, "
                                    "payload, state, next_attempt_at, created_at) VALUES (?, ?, "
                                    "?, ?, 'pending', ?, ?)",
                                    6, 0);
            if (p != NULL) {
                p[0] = DB_I(db_rows_int(hooks, h, 0, 0)), p[1] = DB_I(eid);
                p[2] = DB_T(in[i].kind), p[3] = DB_T(payload), p[4] = DB_I(now_ms);
                p[5] = DB_I(now_ms);
            }
        }
    }
    if (e == APP_OK && two.n > 0)
        e = stmt_run(c, &two);
    else if (e == APP_OK)
        e = two.oom;
    stmt_free(&one);
    stmt_free(&two);
    free(ev_at);
    free(hooks_at);
    free(note_at);
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
    app_err e = db_begin(c, DB_WRITE);
    if (e == APP_OK)
        e = write_events(c, in, n, now_ms, event_ids);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
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
