/*
 * senders.h - the threads that deliver emails and webhooks.
 *
 * Publishing never waits for them: notify_emit only stores rows
 * (store/events.c) and wakes the senders; these threads claim due rows with
 * a lease (store/outbox.h) and send them.  Every node runs them; the leases
 * keep two nodes from sending one row.  Rows stored by other nodes, and
 * retries falling due, are found by looking every two seconds.
 *
 * Emails (one thread, notify/smtp.h): sent one by one over one SMTP
 * connection.  A failure is retried after 1, 2, 4 ... minutes, at most an
 * hour apart; an email still unsent a day after it was queued, or refused
 * for good by the server (5xx on the address), fails (failed_at + error).
 * When the server cannot be reached (connection, TLS, login), the thread
 * pauses all sending until the email that failed is due again, instead of
 * failing every queued email in turn.  Digest rows (people who chose a
 * digest) wait until the oldest of a person's pending rows in a workspace
 * is P2S_EMAIL_DIGEST_MINUTES old; then all of them go out as one email ("3
 * things happened in Team X") and are marked sent together.  Without
 * P2S_SMTP_URL nothing is sent: emails stay queued, and fail with "email is
 * not set up on this server" a day after they were queued.
 *
 * Webhooks (a few threads, notify/webhook_send.h): one delivery at a time
 * per webhook; 2xx = delivered; otherwise retried after 10 s, 1 min, 5 min,
 * 30 min, 2 h and 6 h, then failed.  A URL refused by the address rules
 * (notify/netguard.h) fails at once.  Deliveries of a webhook turned off
 * fail ("the webhook is turned off"), except test deliveries.
 */
#ifndef P2S_NOTIFY_SENDERS_H
#define P2S_NOTIFY_SENDERS_H

#include "app.h"

struct senders;

/* Start the threads; NULL if they cannot start (logged). */
struct senders *senders_start(const app *a);

/* Look for due work now (thread-safe and cheap; NULL is fine). */
void senders_wake(struct senders *s);

/*
 * Stop: claim nothing more, let sends in flight finish for up to timeout_s,
 * then cut them short (their rows are due again at once, for any node), join
 * the threads and free (NULL is fine).
 */
void senders_stop(struct senders *s, int timeout_s);

/* The waits between webhook attempts (ms): after attempt n (1-based) fails, n <= 6. */
#define WEBHOOK_RETRIES 6

/* Email retry delay (ms) after attempt n (1-based) failed; webhook likewise (0 = give up). */
int64_t senders_email_backoff_ms(int attempt);
int64_t senders_webhook_backoff_ms(int attempt);

#endif
