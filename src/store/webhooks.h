/*
 * webhooks.h - a workspace's webhooks and their delivery log.
 *
 * A webhook is a URL, the kinds of event it takes (a comma list, or "*"
 * for every kind), whether it is active, and a signing secret.  The secret
 * is never stored in clear: the caller seals it (crypto/vault.h, with
 * associated data "webhooks:<id>:secret") through a store_webhook_sealer,
 * which this file calls inside the transaction that writes the row, once
 * the row's id is known.  Reads never return the secret.  Every change is
 * in the activity log, in the same transaction.
 *
 * Deliveries are written by store/events.c (one per event a webhook takes)
 * and here (test deliveries); notify/ sends them and records the outcome.
 */
#ifndef P2S_STORE_WEBHOOKS_H
#define P2S_STORE_WEBHOOKS_H

#include "store/activity.h"
#include "store/db.h"

#include <jansson.h>

/* Most webhooks one workspace may have. */
#define STORE_WEBHOOKS_MAX 20

/*
 * Fields of a webhook as written (all set).  host, here and in the calls
 * below, is the URL's host: the activity log names the webhook by it, as the
 * rest of a URL may hold a token.
 */
typedef struct store_webhook_in {
    const char *url;
    const char *events; /* "*" or a comma list of event kinds */
    int active;         /* 0/1 */
    const char *host;   /* the URL's host */
} store_webhook_in;

/*
 * Seal a secret for the webhook with this id: *sealed malloc'd text,
 * *version the key version.  ctx is the caller's.
 */
typedef app_err (*store_webhook_sealer)(void *ctx, int64_t id, char **sealed, int *version);

/* The workspace's webhooks, oldest first: [{id, workspace_id, url, events, active, ...}]. */
app_err store_webhook_list(db *d, int64_t workspace_id, json_t **items);

/* One webhook, or APP_ENOTFOUND. */
app_err store_webhook_get(db *d, int64_t workspace_id, int64_t id, json_t **out);

/*
 * Create a webhook with the secret seal() gives; *out the webhook.
 * APP_ETOOBIG when the workspace has STORE_WEBHOOKS_MAX already.
 */
app_err store_webhook_create(db *d, const actor *who, int64_t workspace_id,
                             const store_webhook_in *in, store_webhook_sealer seal, void *ctx,
                             int64_t now_ms, json_t **out);

/* Replace url, events and active; *out the webhook after. */
app_err store_webhook_update(db *d, const actor *who, int64_t workspace_id, int64_t id,
                             const store_webhook_in *in, int64_t now_ms, json_t **out);

/* Replace the secret with the one seal() gives; *out the webhook after. */
app_err store_webhook_rotate(db *d, const actor *who, int64_t workspace_id, int64_t id,
                             const char *host, store_webhook_sealer seal, void *ctx, int64_t now_ms,
                             json_t **out);

/* Delete a webhook and its delivery log. */
app_err store_webhook_delete(db *d, const actor *who, int64_t workspace_id, int64_t id,
                             const char *host, int64_t now_ms);

/*
 * A page of a webhook's delivery log, newest first: ids below before_id (0 =
 * from the newest), at most limit (1..200).  *items [{id, webhook_id, event,
 * state, attempts, response_status, error, created_at, delivered_at,
 * next_attempt_at, payload}]; *more 1 when older ones follow.
 * APP_ENOTFOUND when the webhook is not the workspace's.
 */
app_err store_webhook_deliveries(db *d, int64_t workspace_id, int64_t webhook_id, int64_t before_id,
                                 int limit, json_t **items, int *more);

/*
 * Queue a delivery of event "test" with payload (JSON object text) for the
 * webhook, due now; *out the delivery.  APP_ENOTFOUND as above.
 */
app_err store_webhook_queue_test(db *d, const actor *who, int64_t workspace_id, int64_t id,
                                 const char *host, const char *payload, int64_t now_ms,
                                 json_t **out);

/*
 * Re-seal a secret under the current key: given the sealed text and its key
 * version, *sealed (malloc'd) and *version the new ones.  APP_EINVAL when
 * the old one cannot be opened.
 */
typedef app_err (*store_webhook_resealer)(void *ctx, int64_t id, const char *sealed, int version,
                                          char **resealed, int *new_version);

/*
 * Re-seal every webhook secret not under key version `current` (after a key
 * rotation).  A row changed meanwhile is left (it was sealed anew anyway).
 * *count the secrets re-sealed, *skipped those that could not be opened.
 */
app_err store_webhook_reseal_all(db *d, int current, store_webhook_resealer reseal, void *ctx,
                                 int *count, int *skipped);

#endif
