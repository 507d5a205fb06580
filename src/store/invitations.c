/* invitations.c - the invitations table. */
#include "store/invitations.h"
#include "store/rowjson.h"
#include "store/workspaces.h"

#define INV_SELECT                                                                                 \
    "SELECT i.id, i.role, i.email, u.name, i.created_at, i.expires_at FROM invitations i "         \
    "LEFT JOIN users u ON u.id = i.invited_by "

static json_t *inv_json(const db_rows *r, int i)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)db_rows_int(r, i, 0, 0),
                     "role", rowjson_text_or_null(r, i, 1), "email", rowjson_text_or_null(r, i, 2),
                     "invited_by", rowjson_text_or_null(r, i, 3), "created_at",
                     rowjson_instant(db_rows_int(r, i, 4, 0)), "expires_at",
                     rowjson_instant(db_rows_int(r, i, 5, 0)));
}

app_err store_invitation_create(db *d, const actor *who, int64_t workspace_id, role rl,
                                const char *email, const char *token_hash, int64_t expires_at,
                                int64_t now_ms, json_t **inv)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    int64_t id = 0;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[7] = {DB_I(workspace_id), DB_T(token_hash), DB_T(rbac_role_name(rl)), DB_T(email),
                     DB_I(who->user_id), DB_I(now_ms),     DB_I(expires_at)};
    if (e == APP_OK)
        e = db_exec(c,
                    "INSERT INTO invitations (workspace_id, token_hash, role, email, invited_by, "
                    "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    p, 7, &r, NULL);
    if (e == APP_OK) {
        id = db_rows_int(r, 0, 0, 0);
        json_t *details =
            json_pack("{s:I, s:s}", "invitation_id", (json_int_t)id, "role", rbac_role_name(rl));
        e = store_activity_add(c, who, workspace_id, "invitation.created", email, details, now_ms);
        json_decref(details);
    }
    db_rows_free(r);
    r = NULL;
    if (e == APP_OK)
        e = db_commit(c);
    if (e == APP_OK) {
        db_param q = DB_I(id);
        e = db_exec(c, INV_SELECT "WHERE i.id = ?", &q, 1, &r, NULL);
        if (e == APP_OK)
            *inv = inv_json(r, 0);
    }
    db_rows_free(r);
    db_release(c);
    return e;
}

app_err store_invitation_list(db *d, int64_t workspace_id, int64_t now_ms, json_t **items)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(workspace_id), DB_I(now_ms)};
    app_err e = db_query(d,
                         INV_SELECT "WHERE i.workspace_id = ? AND i.accepted_at IS NULL AND "
                                    "i.revoked_at IS NULL AND i.expires_at > ? ORDER BY i.id DESC",
                         p, 2, &r, NULL);
    if (e != APP_OK)
        return e;
    json_t *arr = json_array();
    for (int i = 0; i < db_rows_count(r); i++)
        json_array_append_new(arr, inv_json(r, i));
    db_rows_free(r);
    *items = arr;
    return APP_OK;
}

app_err store_invitation_revoke(db *d, const actor *who, int64_t workspace_id,
                                int64_t invitation_id, int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[4] = {DB_I(invitation_id), DB_I(workspace_id), DB_I(now_ms), DB_I(who->user_id)};
    if (e == APP_OK)
        e = db_exec(c,
                    "SELECT i.role, m.role FROM invitations i JOIN memberships m ON "
                    "m.workspace_id = i.workspace_id WHERE i.id = ? AND i.workspace_id = ? AND "
                    "i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? AND "
                    "m.user_id = ?",
                    p, 4, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        role inv_role = ROLE_NONE, actor_role = ROLE_NONE;
        rbac_role_parse(db_rows_text(r, 0, 0), &inv_role);
        rbac_role_parse(db_rows_text(r, 0, 1), &actor_role);
        if (!rbac_may_assign(actor_role, ROLE_NONE, inv_role))
            e = APP_EPERM;
    }
    if (e == APP_OK) {
        db_param u[2] = {DB_I(now_ms), DB_I(invitation_id)};
        e = db_exec(c, "UPDATE invitations SET revoked_at = ? WHERE id = ?", u, 2, NULL, NULL);
    }
    if (e == APP_OK) {
        json_t *details = json_pack("{s:I}", "invitation_id", (json_int_t)invitation_id);
        e = store_activity_add(c, who, workspace_id, "invitation.revoked", NULL, details, now_ms);
        json_decref(details);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_rows_free(r);
    db_release(c);
    return e;
}

/* Why a link cannot be used, from its row (accepted_at, revoked_at, expires_at); NULL if usable. */
static const char *unusable(const db_rows *r, int64_t now_ms)
{
    if (db_rows_count(r) == 0)
        return "unknown";
    if (!db_rows_isnull(r, 0, 0))
        return "used";
    if (!db_rows_isnull(r, 0, 1))
        return "revoked";
    if (db_rows_int(r, 0, 2, 0) <= now_ms)
        return "expired";
    return NULL;
}

app_err store_invitation_preview(db *d, const char *token_hash, int64_t now_ms, json_t **inv,
                                 const char **why)
{
    db_rows *r = NULL;
    db_param p = DB_T(token_hash);
    app_err e =
        db_query(d,
                 "SELECT i.accepted_at, i.revoked_at, i.expires_at, w.name, i.role, u.name, "
                 "i.email "
                 "FROM invitations i JOIN workspaces w ON w.id = i.workspace_id "
                 "LEFT JOIN users u ON u.id = i.invited_by WHERE i.token_hash = ?",
                 &p, 1, &r, NULL);
    if (e != APP_OK)
        return e;
    *why = unusable(r, now_ms);
    if (*why != NULL) {
        db_rows_free(r);
        return APP_ENOTFOUND;
    }
    *inv = json_pack("{s:o, s:o, s:o, s:o, s:o}", "workspace_name", rowjson_text_or_null(r, 0, 3),
                     "role", rowjson_text_or_null(r, 0, 4), "invited_by",
                     rowjson_text_or_null(r, 0, 5), "email", rowjson_text_or_null(r, 0, 6),
                     "expires_at", rowjson_instant(db_rows_int(r, 0, 2, 0)));
    db_rows_free(r);
    return APP_OK;
}

app_err store_invitation_accept(db *d, const actor *who, const char *user_email,
                                const char *token_hash, int64_t now_ms, int64_t *workspace_id,
                                const char **why)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    *why = NULL;
    app_err e = db_begin(c, DB_WRITE);
    if (e != APP_OK)
        goto out;
    /* The conditional update is the single-use guarantee: only one accept can match. */
    db_param p[5] = {DB_I(now_ms), DB_I(who->user_id), DB_T(token_hash), DB_I(now_ms),
                     DB_T(user_email)};
    e = db_exec(c,
                "UPDATE invitations SET accepted_at = ?, accepted_by = ? WHERE token_hash = ? AND "
                "accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ? AND "
                "(email IS NULL OR email = ?) RETURNING id, workspace_id, role",
                p, 5, &r, NULL);
    if (e != APP_OK)
        goto out;
    if (db_rows_count(r) == 0) {
        db_rows_free(r);
        r = NULL;
        db_param q = DB_T(token_hash);
        e = db_exec(c,
                    "SELECT accepted_at, revoked_at, expires_at FROM invitations "
                    "WHERE token_hash = ?",
                    &q, 1, &r, NULL);
        if (e == APP_OK) {
            *why = unusable(r, now_ms);
            if (*why == NULL)
                *why = "email"; /* usable, but made for another address */
            e = APP_ENOTFOUND;
        }
        goto out;
    }
    int64_t inv_id = db_rows_int(r, 0, 0, 0);
    *workspace_id = db_rows_int(r, 0, 1, 0);
    role rl = ROLE_VIEWER;
    rbac_role_parse(db_rows_text(r, 0, 2), &rl);
    if ((e = store_member_insert(c, *workspace_id, who->user_id, rl, now_ms)) != APP_OK)
        goto out; /* APP_ECONFLICT: already a member; the rollback leaves the link unused */
    json_t *details =
        json_pack("{s:I, s:s}", "invitation_id", (json_int_t)inv_id, "role", rbac_role_name(rl));
    e = store_activity_add(c, who, *workspace_id, "invitation.accepted", NULL, details, now_ms);
    json_decref(details);
    if (e == APP_OK)
        e = db_commit(c);
out:
    db_rows_free(r);
    db_release(c);
    return e;
}
