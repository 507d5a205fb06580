/*
 * invitations.c - invitation links.  The token is shown once, in the answer
 * that creates it; only its hash is stored.
 */
#include "api/api.h"
#include "api/common.h"
#include "notify/notify.h"
#include "api/validate.h"
#include "auth/guard.h"
#include "auth/tokens.h"
#include "core/clock.h"
#include "core/text.h"
#include "store/invitations.h"
#include "store/workspaces.h"

#include <stdio.h>
#include <string.h>

#define INVITE_DAYS   7
#define INVITE_PREFIX "inv_"

void api_invitations_list(http_req *req)
{
    json_t *items = NULL;
    app_err e = store_invitation_list(req->app->db, req->auth.workspace_id, clock_now_ms(), &items);
    if (e != APP_OK) {
        api_fail(req, e, "invitation");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

void api_invitations_create(http_req *req)
{
    const char *role_name, *email_in;
    char email[256];
    role rl;
    if (v_string(req, "role", 1, 1, 20, 0, &role_name) != 0 ||
        v_string(req, "email", 0, 3, 254, 0, &email_in) != 0)
        return;
    if (rbac_role_parse(role_name, &rl) != 0) {
        http_reply_error(req, 400, "invalid_field",
                         "role must be owner, admin, editor, contributor or viewer", "role");
        return;
    }
    if (email_in != NULL) {
        const char *bad = text_email_normalize(email_in, email, sizeof email);
        if (bad != NULL) {
            http_reply_error(req, 400, "invalid_field", bad, "email");
            return;
        }
    }
    if (!rbac_may_assign(req->auth.ws_role, ROLE_NONE, rl)) {
        http_reply_error(req, 403, "forbidden", "only an owner may invite owners and admins",
                         "role");
        return;
    }
    char token[TOKEN_MAX], hash[TOKEN_HASH_HEX], url[700];
    token_new(INVITE_PREFIX, token);
    token_hash(token, hash);
    int64_t now = clock_now_ms();
    actor who;
    http_actor(req, &who);
    json_t *inv = NULL;
    app_err e = store_invitation_create(req->app->db, &who, req->auth.workspace_id, rl,
                                        email_in != NULL ? email : NULL, hash,
                                        now + (int64_t)INVITE_DAYS * 86400 * 1000, now, &inv);
    if (e != APP_OK) {
        api_fail(req, e, "invitation");
        return;
    }
    snprintf(url, sizeof url, "%s/invite/%s", req->app->cfg->public_url, token);
    http_reply_json(req, 201,
                    json_pack("{s:o, s:s, s:s}", "invitation", inv, "token", token, "url", url));
}

void api_invitations_delete(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "invitation_id"));
    actor who;
    http_actor(req, &who);
    app_err e = id > 0 ? store_invitation_revoke(req->app->db, &who, req->auth.workspace_id, id,
                                                 clock_now_ms())
                       : APP_ENOTFOUND;
    if (e == APP_EPERM) {
        http_reply_error(req, 403, "forbidden", "only an owner may revoke this invitation", NULL);
        return;
    }
    if (e != APP_OK) {
        api_fail(req, e, "invitation");
        return;
    }
    http_reply_empty(req, 204);
}

/* Answer for a link that cannot be used, by reason. */
static void link_gone(http_req *req, const char *why)
{
    if (why != NULL && strcmp(why, "expired") == 0)
        http_reply_error(req, 410, "invitation_expired",
                         "this invitation has expired; ask for a new one", NULL);
    else if (why != NULL && strcmp(why, "used") == 0)
        http_reply_error(req, 410, "invitation_used", "this invitation has already been used",
                         NULL);
    else if (why != NULL && strcmp(why, "revoked") == 0)
        http_reply_error(req, 410, "invitation_revoked", "this invitation was withdrawn", NULL);
    else if (why != NULL && strcmp(why, "email") == 0)
        http_reply_error(req, 403, "invitation_other_email",
                         "this invitation was sent to another email address; sign in with that "
                         "address to accept it",
                         NULL);
    else
        http_reply_error(req, 404, "not_found", "no such invitation", NULL);
}

void api_invitation_preview(http_req *req)
{
    const char *token = http_param(req, "token");
    if (token == NULL || !token_well_formed(token, INVITE_PREFIX)) {
        link_gone(req, NULL);
        return;
    }
    char hash[TOKEN_HASH_HEX];
    token_hash(token, hash);
    json_t *inv = NULL;
    const char *why = NULL;
    app_err e = store_invitation_preview(req->app->db, hash, clock_now_ms(), &inv, &why);
    if (e == APP_ENOTFOUND) {
        link_gone(req, why);
        return;
    }
    if (e != APP_OK) {
        api_fail(req, e, "invitation");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "invitation", inv));
}

void api_invitation_accept(http_req *req)
{
    const char *token = http_param(req, "token");
    if (token == NULL || !token_well_formed(token, INVITE_PREFIX)) {
        link_gone(req, NULL);
        return;
    }
    char hash[TOKEN_HASH_HEX];
    token_hash(token, hash);
    store_user me;
    app_err e = store_user_get(req->app->db, req->auth.user_id, &me);
    if (e != APP_OK) {
        api_fail(req, e, "account");
        return;
    }
    actor who;
    http_actor(req, &who);
    int64_t ws_id = 0;
    const char *why = NULL;
    e = store_invitation_accept(req->app->db, &who, me.email, hash, clock_now_ms(), &ws_id, &why);
    if (e == APP_ENOTFOUND) {
        link_gone(req, why);
        return;
    }
    if (e == APP_ECONFLICT) {
        http_reply_error(req, 409, "already_member", "you are already a member of this workspace",
                         NULL);
        return;
    }
    if (e != APP_OK) {
        api_fail(req, e, "invitation");
        return;
    }
    json_t *ws = NULL;
    if ((e = store_workspace_get(req->app->db, ws_id, req->auth.user_id, &ws)) != APP_OK) {
        api_fail(req, e, "workspace");
        return;
    }
    const char *role_name = json_string_value(json_object_get(ws, "role"));
    char title[600], body[900], link[700];
    snprintf(title, sizeof title, "%s joined %s", me.name,
             json_string_value(json_object_get(ws, "name")));
    snprintf(body, sizeof body, "%s (%s) accepted an invitation and joined as %s.", me.name,
             me.email, role_name != NULL ? role_name : "a member");
    snprintf(link, sizeof link, "%s/settings/members", req->app->cfg->public_url);
    json_t *data = json_pack("{s:I, s:s, s:s?}", "user_id", (json_int_t)me.id, "name", me.name,
                             "role", role_name);
    notify_event ev = {ws_id, EV_INVITE_ACCEPTED, data, 0, me.id, title, body, link};
    notify_emit(req->app, &ev, NULL);
    json_decref(data);
    http_reply_json(req, 200, json_pack("{s:o}", "workspace", ws));
}
