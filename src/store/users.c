/* users.c - the users table. */
#include "store/users.h"
#include "store/sessions.h"

#include <stdio.h>
#include <string.h>

#define USER_COLS "id, name, email, timezone, created_at"

/* Copy row i of a USER_COLS result into out. */
static void read_user(const db_rows *r, int i, store_user *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_rows_int(r, i, 0, 0);
    snprintf(out->name, sizeof out->name, "%s", db_rows_text(r, i, 1));
    snprintf(out->email, sizeof out->email, "%s", db_rows_text(r, i, 2));
    snprintf(out->timezone, sizeof out->timezone, "%s", db_rows_text(r, i, 3));
    out->created_at = db_rows_int(r, i, 4, 0);
}

app_err store_user_create(db *d, const actor *who, const char *name, const char *email,
                          const char *timezone, const char *password_hash,
                          const store_new_session *s, int64_t now_ms, store_user *out,
                          int64_t *session_id)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    if (e != APP_OK)
        goto out;
    db_param p[7] = {DB_T(name),   DB_T(email),  DB_T(timezone), DB_T(password_hash),
                     DB_I(now_ms), DB_I(now_ms), DB_I(now_ms)};
    e = db_exec(c,
                "INSERT INTO users (name, email, timezone, password_hash, age_confirmed_at, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING " USER_COLS,
                p, 7, &r, NULL);
    if (e != APP_OK)
        goto out;
    read_user(r, 0, out);
    actor self = *who;
    self.user_id = out->id;
    if ((e = store_session_insert(c, &self, s, now_ms, session_id)) != APP_OK)
        goto out;
    if ((e = store_activity_add(c, &self, 0, "account.registered", NULL, NULL, now_ms)) != APP_OK)
        goto out;
    e = db_commit(c);
out:
    db_rows_free(r);
    db_release(c);
    return e;
}

app_err store_user_get(db *d, int64_t id, store_user *out)
{
    db_rows *r = NULL;
    db_param p = DB_I(id);
    app_err e = db_query(d, "SELECT " USER_COLS " FROM users WHERE id = ?", &p, 1, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        read_user(r, 0, out);
    db_rows_free(r);
    return e;
}

app_err store_user_by_email(db *d, const char *email, store_user *out)
{
    db_rows *r = NULL;
    db_param p = DB_T(email);
    app_err e = db_query(d, "SELECT " USER_COLS ", password_hash FROM users WHERE email = ?", &p, 1,
                         &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        read_user(r, 0, out);
        snprintf(out->password_hash, sizeof out->password_hash, "%s", db_rows_text(r, 0, 5));
    }
    db_rows_free(r);
    return e;
}

app_err store_user_password_hash(db *d, int64_t id, char *hash, size_t hashlen)
{
    db_rows *r = NULL;
    db_param p = DB_I(id);
    app_err e = db_query(d, "SELECT password_hash FROM users WHERE id = ?", &p, 1, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        snprintf(hash, hashlen, "%s", db_rows_text(r, 0, 0));
    db_rows_free(r);
    return e;
}

app_err store_user_update(db *d, const actor *who, const char *name, const char *email,
                          const char *timezone, int64_t now_ms, store_user *out)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    if (e != APP_OK)
        goto out;
    db_param p[5] = {DB_T(name), DB_T(email), DB_T(timezone), DB_I(now_ms), DB_I(who->user_id)};
    e = db_exec(
        c,
        "UPDATE users SET name = COALESCE(?, name), email = COALESCE(?, email), "
        "timezone = COALESCE(?, timezone), updated_at = ? WHERE id = ? RETURNING " USER_COLS,
        p, 5, &r, NULL);
    if (e != APP_OK)
        goto out;
    if (db_rows_count(r) == 0) {
        e = APP_ENOTFOUND;
        goto out;
    }
    read_user(r, 0, out);
    json_t *fields = json_array();
    if (name != NULL)
        json_array_append_new(fields, json_string("name"));
    if (email != NULL)
        json_array_append_new(fields, json_string("email"));
    if (timezone != NULL)
        json_array_append_new(fields, json_string("timezone"));
    json_t *details = json_pack("{s:o}", "fields", fields);
    e = store_activity_add(c, who, 0, "account.profile_changed", NULL, details, now_ms);
    json_decref(details);
    if (e == APP_OK)
        e = db_commit(c);
out:
    db_rows_free(r);
    db_release(c);
    return e;
}

app_err store_user_set_hash(db *d, int64_t id, const char *password_hash, int64_t now_ms)
{
    db_param p[3] = {DB_T(password_hash), DB_I(now_ms), DB_I(id)};
    return db_query(d, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", p, 3,
                    NULL, NULL);
}

app_err store_user_change_password(db *d, const actor *who, const char *password_hash,
                                   const store_new_session *s, int64_t now_ms, int64_t *session_id)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_begin(c, DB_WRITE);
    if (e != APP_OK)
        goto out;
    db_param p[3] = {DB_T(password_hash), DB_I(now_ms), DB_I(who->user_id)};
    if ((e = db_exec(c, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", p, 3,
                     NULL, NULL)) != APP_OK)
        goto out;
    db_param u = DB_I(who->user_id);
    if ((e = db_exec(c, "DELETE FROM sessions WHERE user_id = ?", &u, 1, NULL, NULL)) != APP_OK)
        goto out;
    if ((e = store_session_insert(c, who, s, now_ms, session_id)) != APP_OK)
        goto out;
    if ((e = store_activity_add(c, who, 0, "account.password_changed", NULL, NULL, now_ms)) !=
        APP_OK)
        goto out;
    e = db_commit(c);
out:
    db_release(c);
    return e;
}
