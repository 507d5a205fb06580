/* activity.c - the activity table. */
#include "store/activity.h"
#include "store/rowjson.h"

#include <stdlib.h>

app_err store_activity_add(db_conn *c, const actor *who, int64_t workspace_id, const char *action,
                           const char *target, const json_t *details, int64_t now_ms)
{
    char *text = details != NULL ? json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    db_param p[8] = {
        workspace_id > 0 ? DB_I(workspace_id) : DB_N,
        who->user_id > 0 ? DB_I(who->user_id) : DB_N,
        DB_T(action),
        DB_T(target),
        DB_T(text),
        DB_T(who->ip != NULL ? who->ip : ""),
        DB_T(who->user_agent != NULL ? who->user_agent : ""),
        DB_I(now_ms),
    };
    app_err e = db_exec(c,
                        "INSERT INTO activity (workspace_id, user_id, action, target, details, ip, "
                        "user_agent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        p, 8, NULL, NULL);
    free(text);
    return e;
}

app_err store_activity_page(db *d, int64_t workspace_id, int64_t before, int limit, json_t **items,
                            int64_t *next_before)
{
    *items = NULL;
    *next_before = 0;
    db_param p[4] = {DB_I(workspace_id), DB_I(workspace_id), DB_I(before > 0 ? before : INT64_MAX),
                     DB_I(limit + 1)};
    db_rows *r = NULL;
    app_err e = db_query(
        d,
        "SELECT a.id, a.created_at, a.user_id, u.name, a.action, a.target, a.details, a.ip, "
        "a.user_agent FROM activity a LEFT JOIN users u ON u.id = a.user_id "
        "WHERE (a.workspace_id = ? OR (a.workspace_id IS NULL AND a.action = 'account.signed_in' "
        "AND EXISTS (SELECT 1 FROM memberships m WHERE m.workspace_id = ? AND "
        "m.user_id = a.user_id AND m.joined_at <= a.created_at))) AND a.id < ? "
        "ORDER BY a.id DESC LIMIT ?",
        p, 4, &r, NULL);
    if (e != APP_OK)
        return e;
    json_t *arr = json_array();
    int n = db_rows_count(r);
    for (int i = 0; i < n && i < limit; i++) {
        const char *details = db_rows_text(r, i, 6);
        json_t *dj = details != NULL ? json_loads(details, 0, NULL) : NULL;
        json_t *row = json_object();
        json_object_set_new(row, "id", json_integer(db_rows_int(r, i, 0, 0)));
        json_object_set_new(row, "at", rowjson_instant(db_rows_int(r, i, 1, 0)));
        json_object_set_new(row, "user_id", rowjson_int_or_null(r, i, 2));
        json_object_set_new(row, "user_name", rowjson_text_or_null(r, i, 3));
        json_object_set_new(row, "action", rowjson_text_or_null(r, i, 4));
        json_object_set_new(row, "target", rowjson_text_or_null(r, i, 5));
        json_object_set_new(row, "details", dj != NULL ? dj : json_null());
        json_object_set_new(row, "ip", rowjson_text_or_null(r, i, 7));
        json_object_set_new(row, "user_agent", rowjson_text_or_null(r, i, 8));
        json_array_append_new(arr, row);
    }
    if (n > limit)
        *next_before = db_rows_int(r, limit - 1, 0, 0);
    db_rows_free(r);
    *items = arr;
    return APP_OK;
}
