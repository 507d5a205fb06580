/*
 * feed.h - the event log as the live streams read it (http/sse.h).
 *
 * notify_emit (notify/notify.h) writes events; these read them back: the
 * new ones for every stream of this process at once, and the ones a
 * reconnecting stream missed.  A workspace event (user_id 0) is for every
 * member of its workspace; a user event only for that person.
 */
#ifndef P2S_STORE_FEED_H
#define P2S_STORE_FEED_H

#include "store/db.h"

#include <stddef.h>
#include <stdint.h>

/* One event of the log. */
typedef struct store_feed_event {
    int64_t id;           /* its id in the log (increasing) */
    int64_t workspace_id; /* its workspace */
    int64_t user_id;      /* the one person it is for; 0 = every member of the workspace */
    char kind[64];        /* "target.state", "notification", ... */
    char *data;           /* its JSON object text (malloc'd) */
} store_feed_event;

/* Free n events and the array. */
void store_feed_free(store_feed_event *ev, size_t n);

/* The id of the newest event (0 when the log is empty). */
app_err store_feed_last_id(db *d, int64_t *out);

/* Up to limit events with id > after_id, oldest first.  *out malloc'd. */
app_err store_feed_after(db *d, int64_t after_id, int limit, store_feed_event **out, size_t *n);

/*
 * What one person may see among the events with after_id < id <= upto_id:
 * their workspaces' events (as a member now) and their own; with an API key
 * (api_key_id > 0), only those of the key's workspaces.  The newest `limit`
 * of them, oldest first; *more = 1 when there were more than limit.
 */
app_err store_feed_for_user(db *d, int64_t user_id, int64_t api_key_id, int64_t after_id,
                            int64_t upto_id, int limit, store_feed_event **out, size_t *n,
                            int *more);

/* A member of a workspace. */
typedef struct store_feed_member {
    int64_t workspace_id;
    int64_t user_id;
} store_feed_member;

/*
 * The members of the n workspaces (ws ascending), sorted by workspace_id
 * then user_id.  *out malloc'd.
 */
app_err store_feed_members(db *d, const int64_t *ws, size_t n, store_feed_member **out,
                           size_t *nout);

/* The workspaces an API key may act in, ascending.  *out malloc'd (NULL when none). */
app_err store_feed_key_workspaces(db *d, int64_t api_key_id, int64_t **out, size_t *n);

#endif
