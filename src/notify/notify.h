/*
 * notify.h - events and who hears of them.
 *
 * Something happens (a target published, failed or recovered; an account
 * needs reconnecting; a post approved or sent back; an invitation
 * accepted; a post or target changed state).  notify_emit stores, in one
 * transaction:
 *   - the event in the event log (what the live streams send, with an id a
 *     reconnecting browser resumes from);
 *   - for events people are told about, one notification per workspace
 *     member who should see it (by role, by whom it concerns, and by their
 *     preferences), each also an event for that member alone;
 *   - the emails those members chose (email outbox; an hourly digest when
 *     they asked for one);
 *   - a delivery for each of the workspace's webhooks that takes the event.
 * Only after the commit are the live streams woken (this process directly;
 * other nodes through the database, see db.h), so nothing is pushed that
 * is not stored, and nothing stored is lost if nobody is online.
 */
#ifndef P2S_NOTIFY_NOTIFY_H
#define P2S_NOTIFY_NOTIFY_H

#include "app.h"

#include <jansson.h>

/* Event kinds people are told about. */
#define EV_TARGET_PUBLISHED  "target.published"
#define EV_TARGET_FAILED     "target.failed"
#define EV_TARGET_RECOVERED  "target.recovered"
#define EV_ACCOUNT_RECONNECT "account.needs_reconnect"
#define EV_ACCOUNT_SOON      "account.reconnect_soon"
#define EV_POST_APPROVED     "post.approved"
#define EV_POST_CHANGES      "post.changes_requested"
#define EV_INVITE_ACCEPTED   "invitation.accepted"
/* Live state changes (streams only). */
#define EV_POST_STATE   "post.state"
#define EV_TARGET_STATE "target.state"

/* One event. */
typedef struct notify_event {
    int64_t workspace_id;
    const char *kind;      /* EV_* */
    const json_t *data;    /* the payload (not stolen) */
    int64_t concerns_user; /* the person it is most about (author, inviter): told whatever
                              their role; 0 = nobody in particular */
    int64_t actor;         /* who did it (not told of their own doing); 0 = nobody */
    /* For people (NULL title = a live state change only: no notification). */
    const char *title;
    const char *body;
    const char *link; /* where to look (a post on the platform, a page of the app) */
} notify_event;

/*
 * Store and fan out one event (see above).  *event_id (may be NULL) receives
 * its id in the event log.
 */
app_err notify_emit(const app *a, const notify_event *ev, int64_t *event_id);

/*
 * Store n events in one transaction (all or none) and wake the streams and
 * senders once: what a batch of outcomes announces.  event_ids (may be NULL)
 * receives n ids.
 */
app_err notify_emit_many(const app *a, const notify_event *ev, size_t n, int64_t *event_ids);

/* The kinds people are told about, with their defaults: [{kind, label, in_app, email, roles}]. */
json_t *notify_kinds(void);

/* 1 if kind is one people are told about (preferences, webhooks). */
int notify_kind_known(const char *kind);

#endif
