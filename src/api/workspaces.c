/*
 * workspaces.c - workspaces and their members.  The guard has already
 * checked the caller's role for every /workspaces/{id} route; rules about
 * who may give which role live in auth/rbac.c and are applied by the store
 * inside the transaction.
 */
#include "api/api.h"
#include "api/common.h"
#include "api/validate.h"
#include "auth/guard.h"
#include "core/clock.h"
#include "core/text.h"
#include "store/workspaces.h"

/* Read optional name and timezone fields; -1 after answering. */
static int read_ws_fields(http_req *req, int name_required, const char **name, const char **tz)
{
    if (v_string(req, "name", name_required, 1, 100, 0, name) != 0 ||
        v_string(req, "timezone", 0, 1, 63, 0, tz) != 0)
        return -1;
    if (*tz != NULL && !text_timezone_valid(*tz)) {
        http_reply_error(req, 400, "invalid_field",
                         "timezone must be an IANA time zone name such as Europe/Paris",
                         "timezone");
        return -1;
    }
    return 0;
}

void api_workspaces_list(http_req *req)
{
    json_t *items = NULL;
    app_err e = store_workspace_list(req->app->db, req->auth.user_id, req->auth.api_key_id, &items);
    if (e != APP_OK) {
        api_fail(req, e, "workspace");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

void api_workspaces_create(http_req *req)
{
    const char *name, *tz;
    if (read_ws_fields(req, 1, &name, &tz) != 0)
        return;
    actor who;
    http_actor(req, &who);
    json_t *ws = NULL;
    app_err e = store_workspace_create(req->app->db, &who, name, tz != NULL ? tz : "UTC",
                                       clock_now_ms(), &ws);
    if (e != APP_OK) {
        api_fail(req, e, "workspace");
        return;
    }
    http_reply_json(req, 201, json_pack("{s:o}", "workspace", ws));
}

void api_workspace_get(http_req *req)
{
    json_t *ws = NULL;
    app_err e = store_workspace_get(req->app->db, req->auth.workspace_id, req->auth.user_id, &ws);
    if (e != APP_OK) {
        api_fail(req, e, "workspace");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "workspace", ws));
}

void api_workspace_patch(http_req *req)
{
    const char *name, *tz;
    if (read_ws_fields(req, 0, &name, &tz) != 0)
        return;
    if (name == NULL && tz == NULL) {
        http_reply_error(req, 400, "invalid_field", "give name, timezone or both", NULL);
        return;
    }
    actor who;
    http_actor(req, &who);
    app_err e = store_workspace_update(req->app->db, &who, req->auth.workspace_id, name, tz,
                                       clock_now_ms());
    if (e != APP_OK) {
        api_fail(req, e, "workspace");
        return;
    }
    api_workspace_get(req);
}

void api_workspace_delete(http_req *req)
{
    actor who;
    http_actor(req, &who);
    app_err e = store_workspace_delete(req->app->db, &who, req->auth.workspace_id, clock_now_ms());
    if (e != APP_OK) {
        api_fail(req, e, "workspace");
        return;
    }
    http_reply_empty(req, 204);
}

void api_members_list(http_req *req)
{
    json_t *items = NULL;
    app_err e = store_member_list(req->app->db, req->auth.workspace_id, &items);
    if (e != APP_OK) {
        api_fail(req, e, "workspace");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

/* Explain a refused member change; field names the request field at fault, if any. */
static void member_fail(http_req *req, app_err e, const char *field)
{
    if (e == APP_ECONFLICT)
        http_reply_error(req, 409, "last_owner",
                         "a workspace needs at least one owner: make someone else owner first",
                         NULL);
    else if (e == APP_EPERM)
        http_reply_error(req, 403, "forbidden",
                         "only an owner may change owners and admins or make someone one", field);
    else
        api_fail(req, e, "member");
}

void api_member_patch(http_req *req)
{
    const char *role_name;
    role to;
    if (v_string(req, "role", 1, 1, 20, 0, &role_name) != 0)
        return;
    if (rbac_role_parse(role_name, &to) != 0) {
        http_reply_error(req, 400, "invalid_field",
                         "role must be owner, admin, editor, contributor or viewer", "role");
        return;
    }
    int64_t uid = guard_parse_id(http_param(req, "user_id"));
    actor who;
    http_actor(req, &who);
    json_t *m = NULL;
    app_err e = uid > 0 ? store_member_set_role(req->app->db, &who, req->auth.workspace_id, uid, to,
                                                clock_now_ms(), &m)
                        : APP_ENOTFOUND;
    if (e != APP_OK) {
        member_fail(req, e, "role");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "member", m));
}

void api_member_delete(http_req *req)
{
    int64_t uid = guard_parse_id(http_param(req, "user_id"));
    actor who;
    http_actor(req, &who);
    app_err e = uid > 0 ? store_member_remove(req->app->db, &who, req->auth.workspace_id, uid,
                                              clock_now_ms())
                        : APP_ENOTFOUND;
    if (e != APP_OK) {
        member_fail(req, e, NULL);
        return;
    }
    http_reply_empty(req, 204);
}

void api_workspace_leave(http_req *req)
{
    actor who;
    http_actor(req, &who);
    app_err e = store_member_remove(req->app->db, &who, req->auth.workspace_id, req->auth.user_id,
                                    clock_now_ms());
    if (e != APP_OK) {
        member_fail(req, e, NULL);
        return;
    }
    http_reply_empty(req, 204);
}
