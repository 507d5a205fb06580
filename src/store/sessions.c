/* sessions.c - the sessions table. */
#include "store/sessions.h"
#include "store/rowjson.h"

/* last_seen_at is written at most this often, so reads do not turn into writes. */
#define TOUCH_EVERY_MS 60000

app_err store_session_insert(db_conn *c, const actor *who, const store_new_session *s,
                             int64_t now_ms, int64_t *session_id)
{
    db_rows *r = NULL;
    db_param p[7] = {DB_I(who->user_id),  DB_T(s->token_hash), DB_I(now_ms),         DB_I(now_ms),
                     DB_I(s->expires_at), DB_T(who->ip),       DB_T(who->user_agent)};
    app_err e = db_exec(c,
                        "INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, "
                        "expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        p, 7, &r, NULL);
    if (e == APP_OK)
        *session_id = db_rows_int(r, 0, 0, 0);
    db_rows_free(r);
    return e;
}

app_err store_session_create(db *d, const actor *who, const store_new_session *s, int64_t now_ms,
                             int64_t *session_id)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_begin(c, DB_WRITE);
    if (e == APP_OK)
        e = store_session_insert(c, who, s, now_ms, session_id);
    if (e == APP_OK)
        e = store_activity_add(c, who, 0, "account.signed_in", NULL, NULL, now_ms);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_session_lookup(db *d, const char *token_hash, int64_t idle_ms, int64_t now_ms,
                             int64_t *user_id, int64_t *session_id)
{
    db_rows *r = NULL;
    db_param p[3] = {DB_T(token_hash), DB_I(now_ms), DB_I(now_ms - idle_ms)};
    app_err e = db_query(d,
                         "SELECT id, user_id, last_seen_at FROM sessions WHERE token_hash = ? "
                         "AND expires_at > ? AND last_seen_at > ?",
                         p, 3, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        *session_id = db_rows_int(r, 0, 0, 0);
        *user_id = db_rows_int(r, 0, 1, 0);
        if (now_ms - db_rows_int(r, 0, 2, 0) > TOUCH_EVERY_MS) {
            db_param t[2] = {DB_I(now_ms), DB_I(*session_id)};
            db_query(d, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", t, 2, NULL, NULL);
        }
    }
    db_rows_free(r);
    return e;
}

app_err store_session_delete(db *d, const actor *who, int64_t session_id, int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    int64_t n = 0;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[2] = {DB_I(session_id), DB_I(who->user_id)};
    if (e == APP_OK)
        e = db_exec(c, "DELETE FROM sessions WHERE id = ? AND user_id = ?", p, 2, NULL, &n);
    if (e == APP_OK && n == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        e = store_activity_add(c, who, 0, "account.session_ended", NULL, NULL, now_ms);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_session_list(db *d, int64_t user_id, int64_t current_id, int64_t idle_ms,
                           int64_t now_ms, json_t **items)
{
    db_rows *r = NULL;
    db_param p[3] = {DB_I(user_id), DB_I(now_ms), DB_I(now_ms - idle_ms)};
    app_err e = db_query(d,
                         "SELECT id, created_at, last_seen_at, expires_at, ip, user_agent "
                         "FROM sessions WHERE user_id = ? AND expires_at > ? AND last_seen_at > ? "
                         "ORDER BY last_seen_at DESC",
                         p, 3, &r, NULL);
    if (e != APP_OK)
        return e;
    json_t *arr = json_array();
    for (int i = 0; i < db_rows_count(r); i++) {
        int64_t id = db_rows_int(r, i, 0, 0);
        int64_t last = db_rows_int(r, i, 2, 0);
        int64_t abs_exp = db_rows_int(r, i, 3, 0);
        int64_t idle_exp = last + idle_ms;
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(id));
        json_object_set_new(o, "created_at", rowjson_instant(db_rows_int(r, i, 1, 0)));
        json_object_set_new(o, "last_seen_at", rowjson_instant(last));
        json_object_set_new(o, "expires_at",
                            rowjson_instant(idle_exp < abs_exp ? idle_exp : abs_exp));
        json_object_set_new(o, "ip", rowjson_text_or_null(r, i, 4));
        json_object_set_new(o, "user_agent", rowjson_text_or_null(r, i, 5));
        json_object_set_new(o, "current", json_boolean(id == current_id));
        json_array_append_new(arr, o);
    }
    db_rows_free(r);
    *items = arr;
    return APP_OK;
}
