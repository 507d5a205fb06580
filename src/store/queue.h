/*
 * queue.h - weekly queue slots (wall-clock times in the workspace's zone)
 * for a workspace (account 0) or one of its accounts, and the queued posts
 * that hold them.
 */
#ifndef P2S_STORE_QUEUE_H
#define P2S_STORE_QUEUE_H

#include "store/activity.h"
#include "store/db.h"

#include <jansson.h>

/* One slot: ISO weekday (1 = Monday) and minute of the day. */
typedef struct store_slot {
    int weekday;
    int minute;
} store_slot;

/* Every slot of the workspace: [{"account_id": null|n, "weekday", "time": "HH:MM"}]. */
app_err store_queue_list(db *d, int64_t workspace_id, json_t **items);

/* The slots of one scope (account_id 0 = the workspace's), up to max; *n how many. */
app_err store_queue_slots(db *d, int64_t workspace_id, int64_t account_id, store_slot *out,
                          size_t max, size_t *n);

/* Replace the slots of a scope. */
app_err store_queue_replace(db *d, const actor *who, int64_t workspace_id, int64_t account_id,
                            const store_slot *slots, size_t n, int64_t now_ms);

/*
 * Queued posts of a scope holding a slot at or after `from`, in time order:
 * ids and instants (up to max).
 */
app_err store_queue_posts(db *d, int64_t workspace_id, int64_t account_id, int64_t from,
                          int64_t *ids, int64_t *at, size_t max, size_t *n);

/*
 * Give the posts ids[i] the instants at[i] (a reorder or shuffle of a scope's
 * queued posts among their own slots) in one transaction; APP_ECONFLICT if
 * one of them is no longer a scheduled queued post of that scope.
 */
app_err store_queue_assign(db *d, const actor *who, int64_t workspace_id, int64_t account_id,
                           const int64_t *ids, const int64_t *at, size_t n, const char *action,
                           int64_t now_ms);

#endif
