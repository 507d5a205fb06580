/* queue.c - queue slots and queued posts (see queue.h). */
#include "store/queue.h"

#include <stdio.h>

app_err store_queue_list(db *d, int64_t workspace_id, json_t **items)
{
    db_rows *r = NULL;
    db_param p[1] = {DB_I(workspace_id)};
    app_err e = db_query(d,
                         "SELECT account_id, weekday, minute FROM queue_slots WHERE workspace_id "
                         "= ? ORDER BY account_id, weekday, minute",
                         p, 1, &r, NULL);
    if (e == APP_OK) {
        *items = json_array();
        for (int i = 0; i < db_rows_count(r); i++) {
            int64_t acc = db_rows_int(r, i, 0, 0);
            int m = (int)db_rows_int(r, i, 2, 0);
            char hhmm[8];
            snprintf(hhmm, sizeof hhmm, "%02d:%02d", m / 60 % 24, m % 60);
            json_array_append_new(*items,
                                  json_pack("{s:o, s:i, s:s}", "account_id",
                                            acc > 0 ? json_integer(acc) : json_null(), "weekday",
                                            (int)db_rows_int(r, i, 1, 1), "time", hhmm));
        }
    }
    db_rows_free(r);
    return e;
}

app_err store_queue_slots(db *d, int64_t workspace_id, int64_t account_id, store_slot *out,
                          size_t max, size_t *n)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(workspace_id), DB_I(account_id)};
    app_err e = db_query(d,
                         "SELECT weekday, minute FROM queue_slots WHERE workspace_id = ? AND "
                         "account_id = ? ORDER BY weekday, minute",
                         p, 2, &r, NULL);
    *n = 0;
    for (int i = 0; e == APP_OK && i < db_rows_count(r) && *n < max; i++) {
        out[*n].weekday = (int)db_rows_int(r, i, 0, 1);
        out[*n].minute = (int)db_rows_int(r, i, 1, 0);
        (*n)++;
    }
    db_rows_free(r);
    return e;
}

app_err store_queue_replace(db *d, const actor *who, int64_t workspace_id, int64_t account_id,
                            const store_slot *slots, size_t n, int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[4] = {DB_I(workspace_id), DB_I(account_id), DB_N, DB_N};
    if (e == APP_OK)
        e = db_exec(c, "DELETE FROM queue_slots WHERE workspace_id = ? AND account_id = ?", p, 2,
                    NULL, NULL);
    for (size_t i = 0; e == APP_OK && i < n; i++) {
        p[2] = DB_I(slots[i].weekday);
        p[3] = DB_I(slots[i].minute);
        e = db_exec(c,
                    "INSERT INTO queue_slots (workspace_id, account_id, weekday, minute) VALUES "
                    "(?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    p, 4, NULL, NULL);
    }
    if (e == APP_OK) {
        json_t *det = json_pack("{s:o, s:I}", "account_id",
                                account_id > 0 ? json_integer(account_id) : json_null(), "slots",
                                (json_int_t)n);
        e = store_activity_add(c, who, workspace_id, "queue.updated", NULL, det, now_ms);
        json_decref(det);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_queue_posts(db *d, int64_t workspace_id, int64_t account_id, int64_t from,
                          int64_t *ids, int64_t *at, size_t max, size_t *n)
{
    db_rows *r = NULL;
    db_param p[4] = {DB_I(workspace_id), DB_I(account_id), DB_I(from), DB_I((int64_t)max)};
    app_err e = db_query(d,
                         "SELECT id, scheduled_at FROM posts WHERE workspace_id = ? AND "
                         "schedule_mode = 'queue' AND queue_account_id = ? AND state = "
                         "'scheduled' AND scheduled_at >= ? ORDER BY scheduled_at, id LIMIT ?",
                         p, 4, &r, NULL);
    *n = 0;
    for (int i = 0; e == APP_OK && i < db_rows_count(r); i++) {
        ids[*n] = db_rows_int(r, i, 0, 0);
        at[*n] = db_rows_int(r, i, 1, 0);
        (*n)++;
    }
    db_rows_free(r);
    return e;
}

app_err store_queue_assign(db *d, const actor *who, int64_t workspace_id, int64_t account_id,
                           const int64_t *ids, const int64_t *at, size_t n, const char *action,
                           int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_begin(c, DB_WRITE);
    for (size_t i = 0; e == APP_OK && i < n; i++) {
        db_param p[6] = {DB_I(at[i]),        DB_I(now_ms),     DB_I(ids[i]),
                         DB_I(workspace_id), DB_I(account_id), DB_N};
        int64_t changed = 0;
        e = db_exec(c,
                    "UPDATE posts SET scheduled_at = ?, updated_at = ?, version = version + 1 "
                    "WHERE id = ? AND workspace_id = ? AND schedule_mode = 'queue' AND "
                    "queue_account_id = ? AND state = 'scheduled'",
                    p, 5, NULL, &changed);
        if (e == APP_OK && changed != 1)
            e = APP_ECONFLICT;
        if (e == APP_OK) {
            db_param tp[2] = {DB_I(at[i]), DB_I(ids[i])};
            e = db_exec(c,
                        "UPDATE post_targets SET due_at = ? WHERE post_id = ? AND state = "
                        "'scheduled'",
                        tp, 2, NULL, NULL);
        }
    }
    if (e == APP_OK) {
        json_t *det = json_pack("{s:o, s:I}", "account_id",
                                account_id > 0 ? json_integer(account_id) : json_null(), "posts",
                                (json_int_t)n);
        e = store_activity_add(c, who, workspace_id, action, NULL, det, now_ms);
        json_decref(det);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}
