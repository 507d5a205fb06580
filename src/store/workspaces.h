/*
 * workspaces.h - workspaces and their members.
 *
 * Every change runs in one transaction with its activity row.  The rule
 * that a workspace keeps at least one owner is enforced here, inside the
 * transaction, so two concurrent demotions cannot both pass.
 */
#ifndef P2S_STORE_WORKSPACES_H
#define P2S_STORE_WORKSPACES_H

#include "auth/rbac.h"
#include "store/activity.h"
#include "store/db.h"

#include <jansson.h>

/*
 * Role of user in workspace, or ROLE_NONE.  With api_key_id > 0, ROLE_NONE
 * also when the key was not given this workspace.
 */
app_err store_member_role(db *d, int64_t workspace_id, int64_t user_id, int64_t api_key_id,
                          role *out);

/* Create a workspace owned by who; *ws receives {id, name, timezone, role, created_at}. */
app_err store_workspace_create(db *d, const actor *who, const char *name, const char *timezone,
                               int64_t now_ms, json_t **ws);

/* The workspaces of a user (only those an API key was given, if api_key_id > 0). */
app_err store_workspace_list(db *d, int64_t user_id, int64_t api_key_id, json_t **items);

/* One workspace as seen by user (with their role).  APP_ENOTFOUND if not a member. */
app_err store_workspace_get(db *d, int64_t workspace_id, int64_t user_id, json_t **ws);

/* Rename and/or change the time zone (NULL = unchanged). */
app_err store_workspace_update(db *d, const actor *who, int64_t workspace_id, const char *name,
                               const char *timezone, int64_t now_ms);

/* Delete a workspace and everything in it. */
app_err store_workspace_delete(db *d, const actor *who, int64_t workspace_id, int64_t now_ms);

/* Members: [{user_id, name, email, role, joined_at}], owners first. */
app_err store_member_list(db *d, int64_t workspace_id, json_t **items);

/*
 * Change a member's role.  Checks, in the transaction: the actor may make
 * this change (rbac_may_assign), the member exists, and an owner remains.
 * APP_EPERM, APP_ENOTFOUND or APP_ECONFLICT (last owner).  *member receives
 * the updated member.
 */
app_err store_member_set_role(db *d, const actor *who, int64_t workspace_id, int64_t user_id,
                              role to, int64_t now_ms, json_t **member);

/*
 * Remove a member (user_id == who->user_id: leaving).  Same checks as
 * store_member_set_role; leaving needs no permission beyond membership.
 */
app_err store_member_remove(db *d, const actor *who, int64_t workspace_id, int64_t user_id,
                            int64_t now_ms);

/* Add a membership on c (inside the caller's transaction).  APP_ECONFLICT if already a member. */
app_err store_member_insert(db_conn *c, int64_t workspace_id, int64_t user_id, role r,
                            int64_t now_ms);

#endif
