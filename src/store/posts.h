/*
 * posts.h - posts, their media and their targets.
 *
 * A post belongs to a workspace; its targets (one per connected account)
 * carry the platform-specific kind, text override and options, and their own
 * state for the publishing engine.  Every change is one transaction with its
 * activity row, conditional on the version the caller read, so two people
 * (or a person and the engine) never overwrite each other's work unseen.
 */
#ifndef P2S_STORE_POSTS_H
#define P2S_STORE_POSTS_H

#include "store/activity.h"
#include "store/db.h"

#include <jansson.h>

/* Post states that may still be edited, scheduled or deleted (before publishing). */
int store_post_state_editable(const char *state);

/* A target as written. */
typedef struct store_target_in {
    int64_t account_id;
    const char *platform;
    const char *kind;
    const char *text;      /* override, or NULL for the post's body */
    const char *options;   /* JSON object text */
    const char *text_hash; /* hash of the effective text (duplicate guard) */
} store_target_in;

/* A post as written.  Every field is written (a PATCH fills the rest from the stored post). */
typedef struct store_post_in {
    const char *state; /* the state the post is left in */
    const char *body;
    const int64_t *media; /* ordered ids */
    size_t nmedia;
    int64_t campaign_id;       /* 0 = none */
    const char *campaign_name; /* import: this campaign, created if missing (else NULL) */
    const char *schedule_mode; /* none, at, now, queue */
    int64_t scheduled_at;      /* UTC ms; 0 = none */
    int64_t queue_account_id;  /* queue scope: 0 = workspace, else an account; for mode queue */
    /* Queue mode with scheduling: the candidate slot instants, earliest first; the first one no
       other queued post of the scope holds is taken (inside the transaction). */
    const int64_t *queue_slots;
    size_t nqueue_slots;
    const char *review_note; /* NULL = none */
    int64_t reviewed_by;     /* 0 = none */
    const store_target_in *targets;
    size_t ntargets;
} store_post_in;

/* Why a conditional write did not happen. */
typedef enum store_post_why {
    POST_OK = 0,
    POST_STALE,     /* the version changed */
    POST_LOCKED,    /* publishing started (or finished) */
    POST_QUEUE_FULL /* no free queue slot among the candidates */
} store_post_why;

/*
 * Create a post (version 1).  action/details go to the activity log.
 * *id receives the new id; *scheduled_at the instant it got (queue mode).
 */
app_err store_post_create(db *d, const actor *who, int64_t workspace_id, const store_post_in *in,
                          const char *action, const json_t *details, int64_t now_ms, int64_t *id,
                          int64_t *scheduled_at, store_post_why *why);

/*
 * Replace a post's content and state, if its version is still `version` and
 * it has not started publishing (APP_ECONFLICT with *why otherwise).
 */
app_err store_post_update(db *d, const actor *who, int64_t workspace_id, int64_t id,
                          int64_t version, const store_post_in *in, const char *action,
                          const json_t *details, int64_t now_ms, int64_t *scheduled_at,
                          store_post_why *why);

/*
 * Create n posts in one transaction (a CSV import): all or none.  ids[i]
 * receives each new id; on failure *failed_at is the index of the post that
 * failed and *why why (POST_QUEUE_FULL: no free queue slot left).
 */
app_err store_posts_import(db *d, const actor *who, int64_t workspace_id,
                           const store_post_in *const *ins, size_t n, int64_t now_ms, int64_t *ids,
                           size_t *failed_at, store_post_why *why);

/* Delete a post at `version` that has not started publishing. */
app_err store_post_delete(db *d, const actor *who, int64_t workspace_id, int64_t id,
                          int64_t version, int64_t now_ms, store_post_why *why);

/*
 * The post as the API shows it (see docs/api.md "The post object").
 * APP_ENOTFOUND.
 */
app_err store_post_get(db *d, int64_t workspace_id, int64_t id, json_t **out);

/* Filters of lists, the calendar and exports.  Zero / NULL = any. */
typedef struct store_post_filter {
    int64_t campaign_id;
    int64_t account_id;
    const char *const *states; /* NULL-terminated */
    const char *const *platforms;
    const char *q;      /* text contained in the body (case-insensitive) */
    int64_t from, to;   /* scheduled_at in [from, to) when to > 0 */
    int64_t before_id;  /* list paging: ids below (0 = from the newest) */
    int64_t created_by; /* only this author's posts */
    int by_time;        /* order by scheduled_at (calendar) instead of newest first */
    int full_body;      /* the whole body (else its first 280 characters) */
    int limit;
} store_post_filter;

/*
 * Posts matching f, each {"id","state","body","schedule","campaign",
 * "media_count","thumbnail_url","created_by","updated_at","targets":[...]},
 * read with one statement.  *more is 1 when the limit cut the list.
 */
app_err store_post_find(db *d, int64_t workspace_id, const store_post_filter *f, json_t **items,
                        int *more);

/*
 * Duplicate guard: another post's target on account_id with the same text
 * hash that is scheduled or awaiting review, or was published since
 * published_since.  *found 0 or 1; state and instant of the first one.
 */
app_err store_post_duplicate(db *d, int64_t account_id, const char *text_hash,
                             int64_t exclude_post_id, int64_t published_since, int *found,
                             char *state, size_t statelen, int64_t *at);

/* A connected account as the composer needs it (no tokens). */
typedef struct store_post_account {
    int64_t id;
    char platform[16];
    char name[256];
    char username[128];
    char status[24];
} store_post_account;

/* The accounts with these ids in the workspace, in input order; *found how many exist. */
app_err store_post_accounts(db *d, int64_t workspace_id, const int64_t *ids, size_t n,
                            store_post_account *out, size_t *found);

/*
 * Media facts for ids in the workspace, as a db_rows the caller frees:
 * columns id, kind, mime, format, size, width, height, duration_ms, fps,
 * video_codec, audio_codec, animated, name.
 */
app_err store_post_media_facts(db *d, int64_t workspace_id, const int64_t *ids, size_t n,
                               db_rows **rows);

/*
 * Media ids of the workspace's posts with ids in [min_id, max_id], as rows
 * (post_id, media_id) in post and position order.
 */
app_err store_post_media_ids(db *d, int64_t workspace_id, int64_t min_id, int64_t max_id,
                             db_rows **rows);

/* Posts in states at or past `scheduled` using a media item: *busy 1 if any. */
app_err store_media_in_use(db *d, int64_t media_id, int *busy, int *drafts);

#endif
