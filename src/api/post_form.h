/*
 * post_form.h - a post as a request describes it, checked and ready to store.
 *
 * Shared by the post routes (create, change, validate, review, schedule)
 * and the CSV import: one reading of the fields, one run of the platform
 * rules (compose/rules.h), one resolution of the schedule in the
 * workspace's time zone, one duplicate check.
 */
#ifndef P2S_API_POST_FORM_H
#define P2S_API_POST_FORM_H

#include "core/tz.h"
#include "http/http.h"
#include "store/posts.h"

#include <jansson.h>

#define FORM_MEDIA_MAX   20
#define FORM_TARGETS_MAX 25

typedef struct form_target {
    int64_t account_id;
    char kind[16]; /* "" = derive from the media */
    char *text;    /* override (malloc'd) or NULL */
    json_t *options;
    /* filled by post_form_check */
    store_post_account account;
    char resolved_kind[16];
    char text_hash[65];
} form_target;

typedef struct post_form {
    char *body; /* malloc'd */
    int64_t media[FORM_MEDIA_MAX];
    size_t nmedia;
    int64_t campaign_id;
    form_target targets[FORM_TARGETS_MAX];
    size_t ntargets;
    /* schedule as asked */
    char mode[8];       /* none, at, now, queue */
    int64_t at;         /* mode at: the instant */
    int has_local;      /* mode at given as a wall time */
    tz_local_in local;  /* that wall time */
    int fold_later;     /* overlap: the later of the two instants */
    int schedule_given; /* the request named a schedule (else the stored one stays) */
    int64_t version;    /* 0 = not given */
    char action[12];    /* save, submit, schedule */
    char review_note[4096];
    int64_t reviewed_by;      /* who approved or sent it back (0 = nobody) */
    int64_t queue_account_id; /* filled by post_form_check for mode queue */
    /* results of post_form_check */
    json_t *problems, *warnings, *targets_info;
    int64_t resolved_at; /* at/now: the instant */
} post_form;

void post_form_init(post_form *f);
void post_form_free(post_form *f);

/* Fill f from a stored post (store_post_get JSON): body, media, campaign, targets, schedule. */
void post_form_from_post(post_form *f, const json_t *post);

/*
 * Overlay the fields present in a request object (body, media, campaign_id,
 * targets, schedule, action, version).  Field errors are answered 400 with
 * the field named (prefix names the place, e.g. "" or "rows[3]."): returns
 * -1 after answering when req is not NULL; with req NULL, *field and *msg
 * carry the error instead.
 */
int post_form_read(http_req *req, post_form *f, const json_t *in, const tz_zone *z, char *field,
                   size_t fieldlen, char *msg, size_t msglen);

/*
 * Check f against the workspace: the accounts and media exist there (400
 * otherwise, as post_form_read), the platform rules (f->problems, f->warnings,
 * f->targets_info), the schedule in zone z (a time in the past is a
 * problem; a local time that does not exist is a 400), duplicates.
 * exclude_post_id: the post itself (0 when new).
 */
int post_form_check(http_req *req, const app *a, int64_t workspace_id, post_form *f,
                    const tz_zone *z, int64_t exclude_post_id, int64_t now_ms, char *field,
                    size_t fieldlen, char *msg, size_t msglen);

/* The form as store input; targets and options text live in bufs until post_form_free. */
typedef struct post_form_store {
    store_post_in in;
    store_target_in targets[FORM_TARGETS_MAX];
    char *options[FORM_TARGETS_MAX];
    int64_t slots[64];
} post_form_store;

/*
 * Prepare store input for state: mode at/now take resolved_at; mode queue
 * with state "scheduled" gets the candidate slots of its queue (answers
 * 409 "queue_empty" when the queue has no slots; returns -1 then).
 */
int post_form_to_store(http_req *req, const app *a, int64_t workspace_id, post_form *f,
                       const tz_zone *z, const char *state, int64_t now_ms, post_form_store *s);
void post_form_store_free(post_form_store *s);

/* Load the workspace's zone (answers 500 and returns NULL if it cannot). */
tz_zone *post_form_zone(http_req *req, int64_t workspace_id);

/* Reply 422 invalid_post with f's problems and warnings. */
void post_form_reply_invalid(http_req *req, const post_form *f);

#endif
