/*
 * webhook_send.h - signing and posting one webhook delivery.
 *
 * The payload JSON is POSTed as is, with these headers:
 *   Content-Type: application/json
 *   User-Agent: Post2Share-Webhooks/0.1
 *   X-Post2Share-Event: <kind>            (e.g. target.failed, or "test")
 *   X-Post2Share-Delivery: <delivery id>  (the same on every retry: spot repeats with it)
 *   X-Post2Share-Timestamp: <unix seconds when this attempt was signed>
 *   X-Post2Share-Signature: v1=<hex HMAC-SHA256 over "<timestamp>.<body>">
 * The HMAC key is the webhook's secret: its bytes exactly as shown to the
 * person who created it.  A receiver recomputes the HMAC over the timestamp
 * header, a dot and the raw body, compares in constant time, and refuses a
 * timestamp more than a few minutes away from its clock (replays).
 *
 * The host is resolved and checked here at every attempt (notify/netguard.h)
 * and the connection pinned to the addresses checked; no redirects are
 * followed; 10 s to connect and 10 s in all.  2xx = delivered.
 */
#ifndef P2S_NOTIFY_WEBHOOK_SEND_H
#define P2S_NOTIFY_WEBHOOK_SEND_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define WEBHOOK_USER_AGENT "Post2Share-Webhooks/0.1"

/* Seconds an attempt may take. */
#define WEBHOOK_TIMEOUT_S 10

/* What became of an attempt. */
typedef struct webhook_outcome {
    int delivered;   /* 1: the receiver answered 2xx */
    int status;      /* its HTTP status, 0 = no answer */
    int permanent;   /* 1: retrying cannot help (refused address, bad URL) */
    char error[400]; /* what went wrong, in a few words (never the secret) */
} webhook_outcome;

/* sig_hex (65 bytes) = hex HMAC-SHA256 with key secret over "<ts>.<body>". */
void webhook_sign(const char *secret, int64_t ts, const char *body, char sig_hex[65]);

/* One delivery attempt (see above).  abort_flag (may be NULL) cuts it short when set. */
void webhook_post(const char *url, const char *secret, const char *event, int64_t delivery_id,
                  const char *body, int allow_private, const atomic_int *abort_flag,
                  webhook_outcome *out);

#endif
