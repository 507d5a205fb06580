/*
 * activity.h - the activity log: who did what, when, from where.
 *
 * Rows are written in the same transaction as the change they describe.
 * Workspace rows (workspace_id set) are read by that workspace's owners and
 * admins.  Of the account rows (workspace_id NULL) only sign-ins show there,
 * those of current members made since they joined; the rest (profile,
 * password, API keys) stay private to the person.
 */
#ifndef P2S_STORE_ACTIVITY_H
#define P2S_STORE_ACTIVITY_H

#include "store/db.h"

#include <jansson.h>
#include <stdint.h>

/* Who acts: the signed-in person (0 if none yet) and where the request came from. */
typedef struct actor {
    int64_t user_id;        /* 0 when nobody is signed in */
    const char *ip;         /* client address */
    const char *user_agent; /* browser, truncated by the caller */
} actor;

/*
 * Record one action on connection c (inside the caller's transaction).
 * workspace_id 0 = an account-level action.  target and details may be NULL;
 * details (a JSON object) is not stolen.
 */
app_err store_activity_add(db_conn *c, const actor *who, int64_t workspace_id, const char *action,
                           const char *target, const json_t *details, int64_t now_ms);

/*
 * Page of a workspace's activity, newest first: rows with id < before (0 =
 * from the newest), at most limit.  *items receives a JSON array of
 * {id, at, user_id, user_name, action, target, details, ip, user_agent}; *next_before
 * the id to pass for the next page, 0 when there is none.
 */
app_err store_activity_page(db *d, int64_t workspace_id, int64_t before, int limit, json_t **items,
                            int64_t *next_before);

#endif
