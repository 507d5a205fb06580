/*
 * notifications.h - a person's notifications (read, unread) and their
 * notification preferences per workspace.
 *
 * notify/notify.c writes notifications (store/events.c); this file reads
 * them for their owner and marks them read.  A person sees the
 * notifications of the workspaces they are a member of now; with an API key
 * (api_key_id > 0) only those of the workspaces the key was given.  Someone
 * else's notification, or one of a workspace left, reads as not found.
 */
#ifndef P2S_STORE_NOTIFICATIONS_H
#define P2S_STORE_NOTIFICATIONS_H

#include "store/db.h"

#include <jansson.h>
#include <stdint.h>

/* Whose notifications, seen through what. */
typedef struct store_notif_owner {
    int64_t user_id;
    int64_t api_key_id; /* 0 = a browser session: every workspace they belong to */
} store_notif_owner;

/* What a page of notifications holds. */
typedef struct store_notif_filter {
    int64_t workspace_id; /* 0 = every workspace */
    int unread_only;      /* 1: only those not read */
    int64_t before_id;    /* 0 = from the newest; else ids below it */
    int limit;            /* 1..200 */
} store_notif_filter;

/*
 * A page, newest first: *items a JSON array of {id, workspace_id, event,
 * title, body, link, data, created_at, read_at}; *more 1 when older ones
 * follow.
 */
app_err store_notif_list(db *d, const store_notif_owner *o, const store_notif_filter *f,
                         json_t **items, int *more);

/* Unread notifications: *total, and *by_ws an object {"workspace id": count} (only counts > 0). */
app_err store_notif_unread(db *d, const store_notif_owner *o, int64_t *total, json_t **by_ws);

/*
 * Mark one read (kept as it was when read already).  *out the notification
 * after it; APP_ENOTFOUND if it is not one the owner sees.  *marked 1 when
 * it was unread.
 */
app_err store_notif_mark_read(db *d, const store_notif_owner *o, int64_t id, int64_t now_ms,
                              json_t **out, int *marked);

/*
 * Mark every unread one read: of one workspace (workspace_id > 0) or all,
 * and only ids up to up_to_id when it is > 0 (those the reader has seen).
 * *marked how many.
 */
app_err store_notif_mark_all(db *d, const store_notif_owner *o, int64_t workspace_id,
                             int64_t up_to_id, int64_t now_ms, int64_t *marked);

/* One stored preference; in_app/email -1 = not set (defaults apply). */
typedef struct store_notif_pref {
    char event[64];
    int in_app;
    int email;
} store_notif_pref;

/*
 * The preferences a member set in a workspace (the row "digest" among
 * them); *out malloc'd (free it), *n rows.
 */
app_err store_notif_prefs_get(db *d, int64_t user_id, int64_t workspace_id, store_notif_pref **out,
                              size_t *n);

/*
 * Set preferences in one transaction: each of prefs replaces that event's
 * row (in_app and email both 0/1).  digest -1 leaves it, else 0/1 (the row
 * "digest" with email = digest).
 */
app_err store_notif_prefs_set(db *d, int64_t user_id, int64_t workspace_id,
                              const store_notif_pref *prefs, size_t n, int digest);

#endif
