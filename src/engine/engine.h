/*
 * engine.h - the publishing worker: claims due targets from the store with
 * a lease, runs the platform adapters (platform/publish.h) on libcurl's
 * multi interface, many targets at once, and records every attempt.
 *
 * One thread runs the claim loop and the transfers; a second refreshes
 * tokens (a refresh can take a platform round trip; transfers go on
 * meanwhile).  The worker sleeps until the next target falls due, a
 * transfer needs it, a lease needs renewing, or engine_wake is called (a
 * post due sooner was scheduled in this process); other processes'
 * schedules are seen within a second or two.
 *
 * Rules (docs/operations.md, "Publishing"):
 * - limits: P2S_ENGINE_INFLIGHT targets at once, P2S_ENGINE_PER_ACCOUNT and
 *   P2S_ENGINE_PER_PLATFORM requests in flight;
 * - transient errors retry with exponential backoff and jitter (30 s
 *   doubling to 1 h) up to P2S_ENGINE_MAX_ATTEMPTS attempts; rate limits
 *   wait until the time the platform gives, without counting as failures;
 * - an expired token is refreshed once (single-flight, accounts.h) and the
 *   step tried again; a revoked or unrefreshable one fails the target and
 *   marks the account needs_reconnect;
 * - a create step whose outcome is unknown is reconciled with the
 *   platform's recent posts before anything else.
 */
#ifndef P2S_ENGINE_ENGINE_H
#define P2S_ENGINE_ENGINE_H

#include "app.h"

#include <jansson.h>

typedef struct engine engine;

/* Start the worker threads; NULL if they cannot start (logged). */
engine *engine_start(const app *a);

/* Look for due work now (thread-safe; NULL is fine). */
void engine_wake(engine *e);

/*
 * Stop: claim nothing more, let transfers in flight finish for up to
 * timeout_s, then give the leases of unfinished targets back (they are due
 * again at once for any worker) and join the threads.
 */
void engine_stop(engine *e, int timeout_s);

/* This worker's counters since it started: {"claimed","published","failed","retries",...}. */
json_t *engine_counters(engine *e);

#endif
