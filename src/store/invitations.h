/*
 * invitations.h - invitation links to join a workspace with a given role.
 * Only the SHA-256 of the link's token is stored; a link is single-use and
 * expires.
 */
#ifndef P2S_STORE_INVITATIONS_H
#define P2S_STORE_INVITATIONS_H

#include "auth/rbac.h"
#include "store/activity.h"
#include "store/db.h"

#include <jansson.h>

/* Create an invitation; *inv receives its JSON (without the token). */
app_err store_invitation_create(db *d, const actor *who, int64_t workspace_id, role r,
                                const char *email, const char *token_hash, int64_t expires_at,
                                int64_t now_ms, json_t **inv);

/* Open invitations of a workspace (not used, revoked or expired), newest first. */
app_err store_invitation_list(db *d, int64_t workspace_id, int64_t now_ms, json_t **items);

/*
 * Revoke an open invitation.  Checks, in the transaction, that the actor may
 * hand out its role.  APP_ENOTFOUND, APP_EPERM.
 */
app_err store_invitation_revoke(db *d, const actor *who, int64_t workspace_id,
                                int64_t invitation_id, int64_t now_ms);

/*
 * What a link offers: {workspace_name, role, invited_by, email, expires_at}.
 * APP_ENOTFOUND if unknown, revoked, used or expired (*why says which:
 * "unknown", "revoked", "used", "expired").
 */
app_err store_invitation_preview(db *d, const char *token_hash, int64_t now_ms, json_t **inv,
                                 const char **why);

/*
 * Accept: mark the link used and add the membership, in one transaction.
 * An invitation made for an email address can only be accepted by the
 * account with that address (user_email, normalised).  *workspace_id
 * receives the workspace.  APP_ENOTFOUND (with *why as above, or "email"
 * for another address), APP_ECONFLICT if who is already a member (the link
 * stays unused).
 */
app_err store_invitation_accept(db *d, const actor *who, const char *user_email,
                                const char *token_hash, int64_t now_ms, int64_t *workspace_id,
                                const char **why);

#endif
