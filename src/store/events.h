/*
 * events.h - the event log, notifications, preferences, and the email and
 * webhook work an event makes (notify/notify.h decides who gets what).
 */
#ifndef P2S_STORE_EVENTS_H
#define P2S_STORE_EVENTS_H

#include "auth/rbac.h"
#include "store/db.h"

#include <jansson.h>

/* A member of a workspace with their preferences for one kind of event. */
typedef struct store_event_member {
    int64_t user_id;
    role r;
    char name[256];
    char email[320];
    int in_app; /* -1 = not set (defaults apply), else 0/1 */
    int email_on;
    int digest; /* 1: emails gathered into an hourly digest */
} store_event_member;

/* The workspace's members with their preferences for kind; *out malloc'd (free it). */
app_err store_event_members(db *d, int64_t workspace_id, const char *kind, store_event_member **out,
                            size_t *n);

/* The same for n workspaces and kinds at once (one round trip on PostgreSQL): out[i] (malloc'd,
   free each) and counts[i]. */
app_err store_event_members_many(db *d, const int64_t *workspace_ids, const char *const *kinds,
                                 size_t n, store_event_member **out, size_t *counts);

/* One recipient of a notification. */
typedef struct store_event_recipient {
    int64_t user_id;
    int in_app;           /* a notification in the app (and on their live streams) */
    int email;            /* queue an email */
    int digest;           /* ... for the hourly digest */
    const char *email_to; /* address */
    const char *email_subject;
    const char *email_text;
    const char *email_html;
} store_event_recipient;

/* What notify_emit writes, in one transaction. */
typedef struct store_event_in {
    int64_t workspace_id;
    const char *kind;
    const char *data; /* JSON object text */
    /* a notification (title NULL: none) */
    const char *title, *body, *link;
    const store_event_recipient *to;
    size_t nto;
} store_event_in;

/*
 * Write the event, the notifications with their per-user events, the
 * emails, and a delivery for each active webhook of the workspace that takes
 * kind.  *event_id the workspace event's id.
 */
app_err store_event_write(db *d, const store_event_in *in, int64_t now_ms, int64_t *event_id);

/* Write n events so, in one transaction (all or none); event_ids (may be NULL) gets n ids. */
app_err store_event_write_many(db *d, const store_event_in *in, size_t n, int64_t now_ms,
                               int64_t *event_ids);

/* Forget stream events older than before_ms (notifications are kept). */
app_err store_events_prune(db *d, int64_t before_ms);

/* Tell other processes there are new events (PostgreSQL NOTIFY p2s_events; nothing on SQLite). */
void store_events_signal(db *d);

#endif
