/* notifications.c - reading and marking a person's notifications; preferences (see .h). */
#include "store/notifications.h"
#include "store/rowjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTIF_COLS                                                                                 \
    "n.id, n.workspace_id, n.event, n.title, n.body, n.link, n.data, n.created_at, n.read_at"

/*
 * The owner's notifications they may see (alias n): theirs, of a workspace
 * they belong to, given to the API key if one is used.  Binds user_id,
 * api_key_id, api_key_id.
 */
#define NOTIF_VISIBLE                                                                              \
    "n.user_id = ? AND EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = "                \
    "n.workspace_id AND m.user_id = n.user_id) AND (? = 0 OR EXISTS (SELECT 1 FROM "               \
    "api_key_workspaces k WHERE k.api_key_id = ? AND k.workspace_id = n.workspace_id))"

static json_t *notif_json(const db_rows *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_rows_int(r, i, 0, 0)));
    json_object_set_new(o, "workspace_id", json_integer(db_rows_int(r, i, 1, 0)));
    json_object_set_new(o, "event", rowjson_text_or_null(r, i, 2));
    json_object_set_new(o, "title", rowjson_text_or_null(r, i, 3));
    json_object_set_new(o, "body", rowjson_text_or_null(r, i, 4));
    const char *link = db_rows_text(r, i, 5);
    json_object_set_new(o, "link", link != NULL && link[0] ? json_string(link) : json_null());
    const char *data = db_rows_text(r, i, 6);
    json_t *dj = data != NULL ? json_loads(data, 0, NULL) : NULL;
    json_object_set_new(o, "data", json_is_object(dj) ? dj : json_object());
    if (dj != NULL && !json_is_object(dj))
        json_decref(dj);
    json_object_set_new(o, "created_at", rowjson_instant(db_rows_int(r, i, 7, 0)));
    json_object_set_new(o, "read_at", rowjson_instant_or_null(r, i, 8));
    return o;
}

app_err store_notif_list(db *d, const store_notif_owner *o, const store_notif_filter *f,
                         json_t **items, int *more)
{
    db_rows *r = NULL;
    int limit = f->limit > 0 && f->limit <= 200 ? f->limit : 50;
    db_param p[9] = {DB_I(o->user_id),      DB_I(o->api_key_id),   DB_I(o->api_key_id),
                     DB_I(f->workspace_id), DB_I(f->workspace_id), DB_I(f->unread_only ? 1 : 0),
                     DB_I(f->before_id),    DB_I(f->before_id),    DB_I(limit + 1)};
    app_err e = db_query(d,
                         "SELECT " NOTIF_COLS " FROM notifications n WHERE " NOTIF_VISIBLE
                         " AND (? = 0 OR n.workspace_id = ?) AND (? = 0 OR n.read_at IS NULL) "
                         "AND (? = 0 OR n.id < ?) ORDER BY n.id DESC LIMIT ?",
                         p, 9, &r, NULL);
    *items = NULL;
    *more = 0;
    if (e != APP_OK)
        return e;
    json_t *arr = json_array();
    int rows = db_rows_count(r);
    for (int i = 0; i < rows && i < limit; i++)
        json_array_append_new(arr, notif_json(r, i));
    *more = rows > limit;
    db_rows_free(r);
    *items = arr;
    return APP_OK;
}

app_err store_notif_unread(db *d, const store_notif_owner *o, int64_t *total, json_t **by_ws)
{
    db_rows *r = NULL;
    db_param p[3] = {DB_I(o->user_id), DB_I(o->api_key_id), DB_I(o->api_key_id)};
    app_err e = db_query(d,
                         "SELECT n.workspace_id, COUNT(*) FROM notifications n WHERE "
                         "n.read_at IS NULL AND " NOTIF_VISIBLE
                         " GROUP BY n.workspace_id ORDER BY n.workspace_id",
                         p, 3, &r, NULL);
    *total = 0;
    if (by_ws != NULL)
        *by_ws = NULL;
    if (e != APP_OK)
        return e;
    json_t *obj = json_object();
    for (int i = 0; i < db_rows_count(r); i++) {
        char key[24];
        int64_t n = db_rows_int(r, i, 1, 0);
        snprintf(key, sizeof key, "%lld", (long long)db_rows_int(r, i, 0, 0));
        json_object_set_new(obj, key, json_integer(n));
        *total += n;
    }
    db_rows_free(r);
    if (by_ws != NULL)
        *by_ws = obj;
    else
        json_decref(obj);
    return APP_OK;
}

/* One visible notification on c, or APP_ENOTFOUND. */
static app_err notif_get_on(db_conn *c, const store_notif_owner *o, int64_t id, json_t **out)
{
    db_rows *r = NULL;
    db_param p[4] = {DB_I(id), DB_I(o->user_id), DB_I(o->api_key_id), DB_I(o->api_key_id)};
    app_err e =
        db_exec(c, "SELECT " NOTIF_COLS " FROM notifications n WHERE n.id = ? AND " NOTIF_VISIBLE,
                p, 4, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        *out = notif_json(r, 0);
    db_rows_free(r);
    return e;
}

app_err store_notif_mark_read(db *d, const store_notif_owner *o, int64_t id, int64_t now_ms,
                              json_t **out, int *marked)
{
    *out = NULL;
    *marked = 0;
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    int64_t n = 0;
    app_err e = db_begin(c, DB_WRITE);
    json_t *before = NULL;
    if (e == APP_OK)
        e = notif_get_on(c, o, id, &before);
    if (e == APP_OK && json_is_null(json_object_get(before, "read_at"))) {
        db_param p[3] = {DB_I(now_ms), DB_I(id), DB_I(o->user_id)};
        e = db_exec(c,
                    "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND "
                    "read_at IS NULL",
                    p, 3, NULL, &n);
    }
    json_decref(before);
    if (e == APP_OK)
        e = notif_get_on(c, o, id, out);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    if (e != APP_OK) {
        json_decref(*out);
        *out = NULL;
        return e;
    }
    *marked = n > 0;
    return APP_OK;
}

app_err store_notif_mark_all(db *d, const store_notif_owner *o, int64_t workspace_id,
                             int64_t up_to_id, int64_t now_ms, int64_t *marked)
{
    db_param p[8] = {DB_I(now_ms),        DB_I(o->user_id),   DB_I(o->api_key_id),
                     DB_I(o->api_key_id), DB_I(workspace_id), DB_I(workspace_id),
                     DB_I(up_to_id),      DB_I(up_to_id)};
    *marked = 0;
    /* through a subquery, so the visibility rule is the one the reads use */
    return db_query(d,
                    "UPDATE notifications SET read_at = ? WHERE id IN (SELECT n.id FROM "
                    "notifications n WHERE " NOTIF_VISIBLE
                    " AND n.read_at IS NULL AND (? = 0 OR n.workspace_id = ?) AND (? = 0 OR "
                    "n.id <= ?))",
                    p, 8, NULL, marked);
}

app_err store_notif_prefs_get(db *d, int64_t user_id, int64_t workspace_id, store_notif_pref **out,
                              size_t *n)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(user_id), DB_I(workspace_id)};
    app_err e = db_query(d,
                         "SELECT event, in_app, email FROM notification_prefs WHERE user_id = ? "
                         "AND workspace_id = ? ORDER BY event",
                         p, 2, &r, NULL);
    *out = NULL;
    *n = 0;
    if (e != APP_OK)
        return e;
    int rows = db_rows_count(r);
    store_notif_pref *v = calloc(rows > 0 ? (size_t)rows : 1, sizeof *v);
    if (v == NULL) {
        db_rows_free(r);
        return APP_ENOMEM;
    }
    for (int i = 0; i < rows; i++) {
        snprintf(v[i].event, sizeof v[i].event, "%s", db_rows_text(r, i, 0));
        v[i].in_app = (int)db_rows_int(r, i, 1, -1);
        v[i].email = (int)db_rows_int(r, i, 2, -1);
    }
    db_rows_free(r);
    *out = v;
    *n = (size_t)rows;
    return APP_OK;
}

/* Replace one preference row on c. */
static app_err pref_put(db_conn *c, int64_t user_id, int64_t ws, const char *event, int in_app,
                        int email)
{
    db_param p[5] = {DB_I(user_id), DB_I(ws), DB_T(event), DB_I(in_app ? 1 : 0),
                     DB_I(email ? 1 : 0)};
    return db_exec(c,
                   "INSERT INTO notification_prefs (user_id, workspace_id, event, in_app, email) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, workspace_id, event) DO UPDATE "
                   "SET in_app = excluded.in_app, email = excluded.email",
                   p, 5, NULL, NULL);
}

app_err store_notif_prefs_set(db *d, int64_t user_id, int64_t workspace_id,
                              const store_notif_pref *prefs, size_t n, int digest)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_begin(c, DB_WRITE);
    for (size_t i = 0; e == APP_OK && i < n; i++)
        e = pref_put(c, user_id, workspace_id, prefs[i].event, prefs[i].in_app, prefs[i].email);
    if (e == APP_OK && digest >= 0)
        e = pref_put(c, user_id, workspace_id, "digest", 0, digest);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}
