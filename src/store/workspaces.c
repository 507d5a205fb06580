/* workspaces.c - the workspaces and memberships tables. */
#include "store/workspaces.h"
#include "store/rowjson.h"

#include <string.h>

#define WS_SELECT                                                                                  \
    "SELECT w.id, w.name, w.timezone, m.role, w.created_at FROM workspaces w "                     \
    "JOIN memberships m ON m.workspace_id = w.id "

/* Row i of a WS_SELECT result as JSON. */
static json_t *ws_json(const db_rows *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_rows_int(r, i, 0, 0)));
    json_object_set_new(o, "name", rowjson_text_or_null(r, i, 1));
    json_object_set_new(o, "timezone", rowjson_text_or_null(r, i, 2));
    json_object_set_new(o, "role", rowjson_text_or_null(r, i, 3));
    json_object_set_new(o, "created_at", rowjson_instant(db_rows_int(r, i, 4, 0)));
    return o;
}

app_err store_member_role(db *d, int64_t workspace_id, int64_t user_id, int64_t api_key_id,
                          role *out)
{
    *out = ROLE_NONE;
    db_rows *r = NULL;
    db_param p[4] = {DB_I(workspace_id), DB_I(user_id), DB_I(api_key_id), DB_I(api_key_id)};
    app_err e = db_query(d,
                         "SELECT m.role FROM memberships m WHERE m.workspace_id = ? AND "
                         "m.user_id = ? AND (? = 0 OR EXISTS (SELECT 1 FROM api_key_workspaces k "
                         "WHERE k.api_key_id = ? AND k.workspace_id = m.workspace_id))",
                         p, 4, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 1)
        rbac_role_parse(db_rows_text(r, 0, 0), out);
    db_rows_free(r);
    return e;
}

app_err store_member_insert(db_conn *c, int64_t workspace_id, int64_t user_id, role rl,
                            int64_t now_ms)
{
    db_param p[4] = {DB_I(workspace_id), DB_I(user_id), DB_T(rbac_role_name(rl)), DB_I(now_ms)};
    return db_exec(c,
                   "INSERT INTO memberships (workspace_id, user_id, role, joined_at) "
                   "VALUES (?, ?, ?, ?)",
                   p, 4, NULL, NULL);
}

app_err store_workspace_create(db *d, const actor *who, const char *name, const char *timezone,
                               int64_t now_ms, json_t **ws)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    int64_t id = 0;
    app_err e = db_begin(c, DB_WRITE);
    if (e != APP_OK)
        goto out;
    db_param p[5] = {DB_T(name), DB_T(timezone), DB_I(who->user_id), DB_I(now_ms), DB_I(now_ms)};
    e = db_exec(c,
                "INSERT INTO workspaces (name, timezone, created_by, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                p, 5, &r, NULL);
    if (e != APP_OK)
        goto out;
    id = db_rows_int(r, 0, 0, 0);
    if ((e = store_member_insert(c, id, who->user_id, ROLE_OWNER, now_ms)) != APP_OK)
        goto out;
    json_t *details = json_pack("{s:s, s:s}", "name", name, "timezone", timezone);
    e = store_activity_add(c, who, id, "workspace.created", name, details, now_ms);
    json_decref(details);
    if (e == APP_OK)
        e = db_commit(c);
out:
    db_rows_free(r);
    db_release(c);
    if (e == APP_OK)
        e = store_workspace_get(d, id, who->user_id, ws);
    return e;
}

app_err store_workspace_list(db *d, int64_t user_id, int64_t api_key_id, json_t **items)
{
    db_rows *r = NULL;
    db_param p[3] = {DB_I(user_id), DB_I(api_key_id), DB_I(api_key_id)};
    app_err e = db_query(d,
                         WS_SELECT "WHERE m.user_id = ? AND (? = 0 OR EXISTS (SELECT 1 FROM "
                                   "api_key_workspaces k WHERE k.api_key_id = ? AND "
                                   "k.workspace_id = w.id)) ORDER BY w.name, w.id",
                         p, 3, &r, NULL);
    if (e != APP_OK)
        return e;
    json_t *arr = json_array();
    for (int i = 0; i < db_rows_count(r); i++)
        json_array_append_new(arr, ws_json(r, i));
    db_rows_free(r);
    *items = arr;
    return APP_OK;
}

app_err store_workspace_get(db *d, int64_t workspace_id, int64_t user_id, json_t **ws)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(workspace_id), DB_I(user_id)};
    app_err e = db_query(d, WS_SELECT "WHERE w.id = ? AND m.user_id = ?", p, 2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        *ws = ws_json(r, 0);
    db_rows_free(r);
    return e;
}

app_err store_workspace_update(db *d, const actor *who, int64_t workspace_id, const char *name,
                               const char *timezone, int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    int64_t n = 0;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[4] = {DB_T(name), DB_T(timezone), DB_I(now_ms), DB_I(workspace_id)};
    if (e == APP_OK)
        e = db_exec(c,
                    "UPDATE workspaces SET name = COALESCE(?, name), "
                    "timezone = COALESCE(?, timezone), updated_at = ? WHERE id = ?",
                    p, 4, NULL, &n);
    if (e == APP_OK && n == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        json_t *details = json_object();
        if (name != NULL)
            json_object_set_new(details, "name", json_string(name));
        if (timezone != NULL)
            json_object_set_new(details, "timezone", json_string(timezone));
        e = store_activity_add(c, who, workspace_id, "workspace.updated", NULL, details, now_ms);
        json_decref(details);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_workspace_delete(db *d, const actor *who, int64_t workspace_id, int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    db_param p = DB_I(workspace_id);
    if (e == APP_OK)
        e = db_exec(c, "DELETE FROM workspaces WHERE id = ? RETURNING name", &p, 1, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    /* The workspace's own log goes with it; the account log keeps the fact. */
    if (e == APP_OK) {
        json_t *details = json_pack("{s:I}", "workspace_id", (json_int_t)workspace_id);
        e = store_activity_add(c, who, 0, "workspace.deleted", db_rows_text(r, 0, 0), details,
                               now_ms);
        json_decref(details);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_rows_free(r);
    db_release(c);
    return e;
}

app_err store_member_list(db *d, int64_t workspace_id, json_t **items)
{
    db_rows *r = NULL;
    db_param p = DB_I(workspace_id);
    app_err e = db_query(d,
                         "SELECT u.id, u.name, u.email, m.role, m.joined_at FROM memberships m "
                         "JOIN users u ON u.id = m.user_id WHERE m.workspace_id = ? "
                         "ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 "
                         "WHEN 'editor' THEN 2 WHEN 'contributor' THEN 3 ELSE 4 END, u.name, u.id",
                         &p, 1, &r, NULL);
    if (e != APP_OK)
        return e;
    json_t *arr = json_array();
    for (int i = 0; i < db_rows_count(r); i++) {
        json_array_append_new(arr, json_pack("{s:I, s:o, s:o, s:o, s:o}", "user_id",
                                             (json_int_t)db_rows_int(r, i, 0, 0), "name",
                                             rowjson_text_or_null(r, i, 1), "email",
                                             rowjson_text_or_null(r, i, 2), "role",
                                             rowjson_text_or_null(r, i, 3), "joined_at",
                                             rowjson_instant(db_rows_int(r, i, 4, 0))));
    }
    db_rows_free(r);
    *items = arr;
    return APP_OK;
}

/* Role of a member read on c; ROLE_NONE if not a member. */
static app_err role_on(db_conn *c, int64_t workspace_id, int64_t user_id, role *out)
{
    *out = ROLE_NONE;
    db_rows *r = NULL;
    db_param p[2] = {DB_I(workspace_id), DB_I(user_id)};
    app_err e = db_exec(c, "SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?", p,
                        2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 1)
        rbac_role_parse(db_rows_text(r, 0, 0), out);
    db_rows_free(r);
    return e;
}

/* Number of owners of a workspace, read on c. */
static app_err owners_on(db_conn *c, int64_t workspace_id, int64_t *n)
{
    db_rows *r = NULL;
    db_param p = DB_I(workspace_id);
    app_err e =
        db_exec(c, "SELECT COUNT(*) FROM memberships WHERE workspace_id = ? AND role = 'owner'", &p,
                1, &r, NULL);
    if (e == APP_OK)
        *n = db_rows_int(r, 0, 0, 0);
    db_rows_free(r);
    return e;
}

/*
 * The shared part of changing and removing: lock, read both roles, check the
 * actor may, and that an owner remains.  to == ROLE_NONE means removal.
 */
static app_err change_member(db *d, const actor *who, int64_t workspace_id, int64_t user_id,
                             role to, int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    role actor_role, from;
    int64_t owners = 0;
    int leaving = to == ROLE_NONE && user_id == who->user_id;
    app_err e = db_begin(c, DB_WRITE);
    if (e != APP_OK)
        goto out;
    if (db_kind(d) == DB_POSTGRES) {
        /* Serialise member changes of one workspace (the last-owner rule). */
        db_param p = DB_I(workspace_id);
        if ((e = db_exec(c, "SELECT id FROM workspaces WHERE id = ? FOR UPDATE", &p, 1, NULL,
                         NULL)) != APP_OK)
            goto out;
    }
    if ((e = role_on(c, workspace_id, who->user_id, &actor_role)) != APP_OK ||
        (e = role_on(c, workspace_id, user_id, &from)) != APP_OK ||
        (e = owners_on(c, workspace_id, &owners)) != APP_OK)
        goto out;
    if (actor_role == ROLE_NONE || from == ROLE_NONE) {
        e = APP_ENOTFOUND;
        goto out;
    }
    if (!leaving && !rbac_may_assign(actor_role, from, to)) {
        e = APP_EPERM;
        goto out;
    }
    if (from == ROLE_OWNER && to != ROLE_OWNER && owners <= 1) {
        e = APP_ECONFLICT;
        goto out;
    }
    db_param p[3] = {DB_T(rbac_role_name(to)), DB_I(workspace_id), DB_I(user_id)};
    if (to == ROLE_NONE)
        e = db_exec(c, "DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?", p + 1, 2,
                    NULL, NULL);
    else
        e = db_exec(c, "UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?", p,
                    3, NULL, NULL);
    if (e != APP_OK)
        goto out;
    json_t *details = json_pack("{s:I, s:s, s:s}", "user_id", (json_int_t)user_id, "from",
                                rbac_role_name(from), "to", rbac_role_name(to));
    const char *action = leaving           ? "member.left"
                         : to == ROLE_NONE ? "member.removed"
                                           : "member.role_changed";
    e = store_activity_add(c, who, workspace_id, action, NULL, details, now_ms);
    json_decref(details);
    if (e == APP_OK)
        e = db_commit(c);
out:
    db_release(c);
    return e;
}

app_err store_member_set_role(db *d, const actor *who, int64_t workspace_id, int64_t user_id,
                              role to, int64_t now_ms, json_t **member)
{
    app_err e = change_member(d, who, workspace_id, user_id, to, now_ms);
    if (e != APP_OK)
        return e;
    json_t *all = NULL;
    if ((e = store_member_list(d, workspace_id, &all)) != APP_OK)
        return e;
    size_t i;
    json_t *m;
    *member = NULL;
    json_array_foreach(all, i, m)
    {
        if (json_integer_value(json_object_get(m, "user_id")) == user_id)
            *member = json_incref(m);
    }
    json_decref(all);
    return *member != NULL ? APP_OK : APP_ENOTFOUND;
}

app_err store_member_remove(db *d, const actor *who, int64_t workspace_id, int64_t user_id,
                            int64_t now_ms)
{
    return change_member(d, who, workspace_id, user_id, ROLE_NONE, now_ms);
}
