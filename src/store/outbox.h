/*
 * outbox.h - the senders' side of the store: claiming due emails
 * (email_outbox) and webhook deliveries (webhook_deliveries) with a lease,
 * gathering digest emails, and recording what became of each.
 *
 * A row is claimable when it is unsent, due (next_attempt_at <= now) and
 * nobody holds a lease on it (lease_until < now).  A claim is one UPDATE
 * ... RETURNING (its own write transaction on SQLite; PostgreSQL adds FOR
 * UPDATE SKIP LOCKED so that nodes claiming at once take different rows),
 * sets the lease and counts the attempt.  Every outcome written after is
 * conditional on still holding the lease, so a sender that stalled past its
 * lease cannot overwrite the one that took over.  A sender that dies leaves
 * its lease to run out; the row is then sent again (at least once: the
 * delivery id and Message-ID let receivers spot a repeat).
 */
#ifndef P2S_STORE_OUTBOX_H
#define P2S_STORE_OUTBOX_H

#include "store/db.h"

#include <stddef.h>
#include <stdint.h>

/* ---- emails ---- */

/* One queued email (strings malloc'd; free with store_email_clear). */
typedef struct store_email {
    int64_t id, user_id, workspace_id;
    char *to_addr, *subject, *text_body, *html_body;
    int attempts; /* attempts so far, this one included */
    int64_t created_at;
} store_email;

void store_email_clear(store_email *m);

/* 1 in *due if an email (not a digest one) is due now and free to claim. */
app_err store_email_any_due(db *d, int64_t now_ms, int *due);

/*
 * Claim the email due longest (only_id > 0: that one, if it is due) for
 * owner until now + lease_ms.  *found 0 when there is none.
 */
app_err store_email_claim(db *d, const char *owner, int64_t now_ms, int64_t lease_ms,
                          int64_t only_id, store_email *out, int *found);

/* Where an email stands: 1 pending (*next_at when it is due), 0 sent, failed or gone. */
app_err store_email_pending(db *d, int64_t id, int *pending, int64_t *next_at);

/* The digest emails of one person in one workspace, claimed together. */
typedef struct store_digest {
    int64_t user_id, workspace_id;
    char workspace_name[256];
    store_email *items; /* oldest first */
    size_t n;
    int attempts;   /* the most attempts of any item, this one included */
    int64_t oldest; /* created_at of the oldest item */
} store_digest;

void store_digest_clear(store_digest *g);

/* Most digest rows combined into one email (the rest go in the next). */
#define STORE_DIGEST_MAX 100

/*
 * Claim the digest rows of the person and workspace whose oldest pending
 * digest row is older than now - gather_ms (and none waits for a retry),
 * oldest first, for owner until now + lease_ms.  *found 0 when no group is
 * due.
 */
app_err store_digest_claim(db *d, const char *owner, int64_t now_ms, int64_t gather_ms,
                           int64_t lease_ms, store_digest *out, int *found);

/* Outcomes for claimed rows (one email or a digest's rows), while owner holds them. */
app_err store_email_sent(db *d, const int64_t *ids, size_t n, const char *owner, int64_t now_ms);
/* Due again at next_at, with the error of this attempt. */
app_err store_email_retry(db *d, const int64_t *ids, size_t n, const char *owner, int64_t next_at,
                          const char *error);
/* Given up for good. */
app_err store_email_failed(db *d, const int64_t *ids, size_t n, const char *owner, int64_t now_ms,
                           const char *error);
/* Give the lease back without an outcome (shutdown): due again at once, the attempt not counted. */
app_err store_email_release(db *d, const int64_t *ids, size_t n, const char *owner);

/*
 * Fail every unsent email created before `before` with error (email is not
 * set up on this server).  *count (may be NULL) how many.
 */
app_err store_email_expire(db *d, int64_t before, int64_t now_ms, const char *error,
                           int64_t *count);

/* ---- webhook deliveries ---- */

/* One claimed delivery and its webhook (strings malloc'd; free with store_delivery_clear). */
typedef struct store_delivery {
    int64_t id, webhook_id, event_id, workspace_id;
    char event[64];
    char *payload; /* JSON text, sent as is */
    int attempts;  /* attempts so far, this one included */
    int64_t created_at;
    char *url;        /* the webhook's */
    char *secret_enc; /* sealed secret (vault, "webhooks:<id>:secret") */
    int key_version;
    int active;
} store_delivery;

void store_delivery_clear(store_delivery *dl);

/* 1 in *due if a delivery is due now and free to claim. */
app_err store_delivery_any_due(db *d, int64_t now_ms, int *due);

/*
 * Claim the delivery due longest, of a webhook that has no other delivery in
 * flight (one at a time per webhook, so a slow receiver holds up only its
 * own), for owner until now + lease_ms.  *found 0 when there is none.
 */
app_err store_delivery_claim(db *d, const char *owner, int64_t now_ms, int64_t lease_ms,
                             store_delivery *out, int *found);

/*
 * Record an attempt's outcome while owner holds the delivery: state
 * "delivered" (delivered_at = now), "pending" (due again at next_at) or
 * "failed"; status the receiver's HTTP status (0 = none); error a short text
 * or NULL.
 */
app_err store_delivery_record(db *d, int64_t id, const char *owner, const char *state, int status,
                              const char *error, int64_t next_at, int64_t now_ms);

/* Give the lease back without an outcome (shutdown): due again at once, the attempt not counted. */
app_err store_delivery_release(db *d, int64_t id, const char *owner);

#endif
