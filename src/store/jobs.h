/*
 * jobs.h - the publishing engine's side of the store: claiming due targets
 * with a lease, keeping the lease, saving progress, the attempt log, and
 * the outcome of each target with the post's state summarised from its
 * targets.
 *
 * A target is claimable when it is due (scheduled or retry_wait with
 * due_at <= now) or when the worker that held it stopped renewing its lease
 * (publishing, processing or unknown with lease_until < now).  PostgreSQL
 * claims with FOR UPDATE SKIP LOCKED, SQLite in one write transaction; either
 * way two workers never hold one target.  Every write that follows is
 * conditional on still holding the lease (owner), so a worker that lost its
 * lease (it stalled, another took over) cannot overwrite the new holder.
 */
#ifndef P2S_STORE_JOBS_H
#define P2S_STORE_JOBS_H

#include "store/db.h"

#include <jansson.h>

/* A claimed target and what publishing it needs (tokens are read separately). */
typedef struct store_job {
    int64_t target_id, post_id, workspace_id, account_id;
    char platform[16];
    char kind[16];
    char account_kind[32];
    char account_remote_id[128];
    char account_name[256];
    char account_status[24];
    char *text;         /* the effective text (malloc'd) */
    char *options;      /* JSON object text (malloc'd) */
    char *progress;     /* the adapter's saved state, JSON text, or NULL (malloc'd) */
    int pending_create; /* a create step was sent and its outcome is unknown: reconcile first */
    int attempts;       /* attempts so far, this one included */
    int failures;       /* failed attempts so far (recovered when it then succeeds) */
    int64_t due_at;
    int64_t scheduled_at; /* the post's scheduled time (lateness) */
    int64_t author_id;    /* who wrote the post (0 = gone) */
    int64_t attempt_id;   /* the attempt the claim started */
    int has_media;        /* the post has media of its own */
} store_job;

void store_job_clear(store_job *j);

/*
 * Claim up to max claimable targets for owner until now + lease_ms, oldest
 * due first; their state becomes publishing (unknown when a create step's
 * outcome is unknown), their posts publishing, and each gets an attempt
 * (attempt_id; an attempt a stopped worker left open ends as interrupted).
 * One claim takes at most STORE_JOBS_CLAIM_MAX (claim again for more).  *jobs (n of them) is
 * malloc'd; free each with store_job_clear, then the array.
 */
#define STORE_JOBS_CLAIM_MAX 500

app_err store_jobs_claim(db *d, const char *owner, int64_t now_ms, int64_t lease_ms, int max,
                         store_job **jobs, size_t *n);

/* Extend the leases owner holds on these targets to until. */
app_err store_jobs_renew(db *d, const char *owner, const int64_t *ids, size_t n, int64_t until);

/*
 * Give up the lease on a target without an outcome (shutdown): it is due
 * again at once, the attempt not counted, and the attempt ends as
 * interrupted.
 */
app_err store_job_release(db *d, int64_t target_id, const char *owner, int64_t now_ms);

/*
 * Save the adapter's progress (and state publishing or processing) while
 * owner holds it, with pending (see JW_REQUEST_START below).
 */
app_err store_job_progress(db *d, int64_t target_id, const char *owner, const char *state,
                           const char *progress, int pending);

/* Start an attempt: *attempt_id. */
app_err store_job_attempt_start(db *d, int64_t target_id, const char *owner, int64_t now_ms,
                                int64_t *attempt_id);

/* Record a request's answer (status 0 = none, error = what went wrong). */
app_err store_job_request_end(db *d, int64_t request_id, int status, const char *error,
                              int64_t now_ms);

/* How an attempt ended. */
typedef enum store_job_outcome {
    JOB_PUBLISHED = 1, /* remote_id, remote_url (warning may be set) */
    JOB_RETRY,         /* due again at retry_at (transient error, rate limit) */
    JOB_FAILED         /* for good (permanent, retries used up, reconnect needed) */
} store_job_outcome;

typedef struct store_job_end {
    store_job_outcome outcome;
    const char *remote_id, *remote_url, *warning;
    int64_t retry_at;
    int count_failure; /* the attempt failed (counts towards "recovered") */
    const char *error_kind, *error_code, *error_message;
    const char *progress; /* retry, failed: the adapter's state to keep (NULL: leave it) */
    int pending;          /* retry, failed: a create step's outcome is still unknown */
} store_job_end;

/*
 * One of the engine's writes, for store_jobs_write.
 *
 * JW_REQUEST_START records a request before it is sent (url without
 * secrets), saving the adapter's progress and `pending` with it.  pending
 * (the target's pending_create) is 1 from the moment a create step is sent
 * until the adapter's progress that took in its answer is saved (the next
 * request, a wait, or the outcome): a worker that dies in between leaves the
 * create step's outcome unknown, and the next one reconciles before anything
 * else.  So: 1 for a create step and for the requests of a reconciliation,
 * else 0.  Result APP_ECONFLICT when owner no longer holds the target (do not
 * send); new_request_id otherwise.
 *
 * JW_REQUEST_END records a request's answer, as store_job_request_end.
 *
 * JW_FINISH ends the attempt and sets the target's outcome while owner holds
 * it (else APP_ECONFLICT: someone else has it now), then the post's state
 * from all its targets: publishing while any is on its way, else published,
 * failed, or partially_published.  recovered is 1 when a target that had
 * failed is now published; post_state the post's new state ("" when the post
 * was in none of the states publishing sets: scheduled, publishing, published,
 * partially_published, failed).
 */
typedef enum store_job_write_kind {
    JW_REQUEST_START = 1,
    JW_REQUEST_END,
    JW_FINISH
} store_job_write_kind;

typedef struct store_job_write {
    store_job_write_kind kind;
    int64_t target_id, attempt_id;
    int64_t request_id; /* JW_REQUEST_END: the request */
    int64_t now_ms;
    /* JW_REQUEST_START */
    const char *method, *url, *progress;
    int create_step, pending;
    /* JW_REQUEST_END */
    int status;
    const char *error;
    /* JW_FINISH */
    const store_job_end *end;
    int64_t post_id; /* the target's post (its state is summarised) */
    /* what came of it */
    app_err result;         /* APP_OK, APP_ECONFLICT (see above) or the store's error */
    int64_t new_request_id; /* JW_REQUEST_START */
    int recovered;          /* JW_FINISH */
    char post_state[32];    /* JW_FINISH */
} store_job_write;

/*
 * Make n writes of owner's, in order, in one transaction: what a pass of the
 * engine recorded.  Each write's result is in w[i].result (APP_ECONFLICT for
 * one whose lease is gone: nothing of it written).  Should the transaction
 * fail as a whole, each write is made again alone, so that results are always
 * per write.  Returns APP_OK.
 */
app_err store_jobs_write(db *d, const char *owner, store_job_write *w, size_t n);

/*
 * The media a job uses: the post's in order, then the other ids given (X
 * thread parts).  Rows: id, kind, mime, format, size, width, height,
 * duration_ms, animated, alt_text, storage_key, position (-1 for the others).
 */
app_err store_job_media(db *d, int64_t workspace_id, int64_t post_id, const int64_t *extra,
                        size_t nextra, db_rows **rows);

/* The instant the next target falls due (scheduled or retry_wait), or 0 if none. */
app_err store_jobs_next_due(db *d, int64_t *at);

/*
 * Engine figures: {"due", "overdue" (due over 60 s ago and not taken),
 * "in_flight", "published_total", "failed_total", "retry_wait",
 * "retries_last_hour", "published_last_hour", "lateness_ms": {"p50","p99","max"}
 * over the last hour, "last_attempt_at" and "last_attempt_ms" (the newest attempt's start)}.
 */
app_err store_jobs_stats(db *d, int64_t now_ms, json_t **out);

/* A user retries a failed target, or cancels one that is waiting: APP_ECONFLICT when it is not. */
app_err store_target_retry(db *d, int64_t workspace_id, int64_t post_id, int64_t target_id,
                           int64_t now_ms, int64_t user_id);
app_err store_target_cancel(db *d, int64_t workspace_id, int64_t post_id, int64_t target_id,
                            int64_t now_ms, int64_t user_id);

/* The attempt log of a post's targets, oldest first: [{id, target_id, ..., requests:[...]}]. */
app_err store_post_attempts(db *d, int64_t workspace_id, int64_t post_id, json_t **out);

#endif
