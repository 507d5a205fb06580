/*
 * publish.h - the publishing side of the adapters: one sans-I/O state
 * machine per platform that turns a post target into platform requests.
 *
 *   step = ops->publish(&job, last)     (last is NULL on the first call of an attempt)
 *     PUB_REQUEST  job.req filled: the next HTTP request (bytes, or a range of a media
 *                  item's bytes to stream; job.req.create_step on the one request that
 *                  makes the post public)
 *     PUB_WAIT     job.wait_ms: call again (with last = NULL) after that long (media
 *                  processing: Instagram containers, YouTube, X, LinkedIn video)
 *     PUB_DONE     job.remote_id and job.remote_url set
 *     PUB_FAIL     job.err: a classified error (platform.h plat_error)
 *
 * The adapter never touches a socket, a file or the clock: the executor
 * (engine/executor.c) owns all I/O and sets job.now_ms before every call.
 *
 * Progress lives in job.state, a JSON object the adapter owns (phase,
 * container ids, media ids, upload URL, bytes sent ...).  The executor
 * stores it before every request, at every wait and with every outcome, so
 * a restarted worker hands the same object
 * back and the adapter goes on from there (a long upload resumes instead of
 * starting over).  Everything an adapter needs to continue must be in it.
 *
 * Exactly once: a request with create_step set is recorded by the executor
 * before it is sent and its outcome right after.  When that outcome is lost
 * (the worker died, the connection dropped after sending) the target is
 * reconciled before anything else: ops->reconcile asks the platform for the
 * account's recent posts and looks for this one (PUB_DONE with remote_id
 * set when found, with remote_id "" when not; PUB_FAIL when it cannot
 * tell).  It reads job.state (which part of a thread was in flight, and when
 * the adapter sent it: a reconciling attempt starts after the lost create
 * step was sent, so adapters record the send time of each create step in
 * their state and search from a little before it).
 */
#ifndef P2S_PLATFORM_PUBLISH_H
#define P2S_PLATFORM_PUBLISH_H

#include "platform/platform.h"

#include <jansson.h>
#include <stdint.h>

typedef enum pub_step { PUB_REQUEST = 1, PUB_WAIT, PUB_DONE, PUB_FAIL } pub_step;

/* A media item of the post, in order. */
typedef struct pub_media {
    int64_t id;
    const char *kind;   /* "image" or "video" */
    const char *mime;   /* "image/jpeg", "video/mp4" ... */
    const char *format; /* "jpeg", "png", "gif", "webp", "mp4", "mov" */
    int64_t size;       /* bytes */
    int width, height;
    int64_t duration_ms;
    int animated;
    const char *alt_text;   /* "" when none */
    const char *public_url; /* a signed link the platform can fetch the bytes from */
} pub_media;

/*
 * Where a streamed body comes from: bytes [offset, offset + length) of
 * library[media].  The post's own media are the first nmedia items of the
 * library, in order, so an index into job.media is the same index here.
 */
typedef struct pub_range {
    int media; /* index into job.library */
    int64_t offset;
    int64_t length;
} pub_range;

#define PUB_MAX_FIELDS 6

/* A request: plat_request plus a streamed body or a multipart form with a streamed part. */
typedef struct pub_request {
    plat_request r;  /* method, url, headers; r.body for an ordinary body */
    int stream;      /* 1: the body is `range`, sent raw (set Content-Type in r.headers) */
    int multipart;   /* 1: multipart/form-data of `fields`, then `range` as part `part_name` */
    pub_range range; /* the bytes to stream (stream or multipart) */
    char part_name[32];
    char part_type[64];                  /* Content-Type of the streamed part */
    char fields[PUB_MAX_FIELDS][2][128]; /* multipart: name, value */
    int nfields;
    int create_step; /* this request makes the post public (exactly-once bookkeeping) */
} pub_request;

/* A publishing job: one target, one attempt at a time. */
typedef struct pub_job {
    const config *cfg;
    const platform_cfg *pc; /* the platform's settings (base URLs, API version) */
    int64_t now_ms;         /* set by the executor before every step */
    /* the target */
    const char *kind;       /* the target's kind (compose/rules.h: "post", "reel", ...) */
    const char *text;       /* the effective text (the override, else the post body) */
    const json_t *options;  /* the target's options object (never NULL) */
    const pub_media *media; /* the post's media in order */
    size_t nmedia;
    const pub_media *library; /* every item the target uses: the post's media first, in order,
                                 then others (X thread parts) */
    size_t nlibrary;
    /* the account */
    const char *access_token;
    const char *account_remote_id; /* Page id, IG user id, person URN, channel id, X user id */
    const char *account_kind;      /* social_accounts.kind ("page", "business_page", ...) */
    int64_t attempt_started_ms;    /* when this attempt began (not when a lost create was sent) */
    /* progress (owned by the adapter; persisted by the executor) */
    json_t *state;
    /* outputs */
    pub_request req;
    int64_t wait_ms;
    char remote_id[128];
    char remote_url[PLAT_URL_MAX];
    char warning[512]; /* a problem after the post went out (e.g. the first comment failed) */
    plat_error err;
} pub_job;

typedef struct pub_ops {
    const char *platform; /* social_accounts.platform */
    pub_step (*publish)(pub_job *job, const plat_response *last);
    pub_step (*reconcile)(pub_job *job, const plat_response *last);
} pub_ops;

extern const pub_ops pub_facebook, pub_instagram, pub_linkedin, pub_youtube, pub_x;

/* The publishing adapter for a stored account's platform; NULL if none. */
const pub_ops *pub_for(const char *platform);

/* Helpers (platform/publish_common.c). */

/* Clear the request (frees its body). */
void pub_req_reset(pub_job *job);
/* Start a request: method and printf-style URL (clears the previous one). */
void pub_req(pub_job *job, const char *method, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void pub_req_header(pub_job *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ordinary body (copied). */
void pub_req_body(pub_job *job, const char *content_type, const char *body, size_t len);
/* JSON body (serialised compactly; the reference is not taken). */
void pub_req_json(pub_job *job, const json_t *body);
/* Append k=v (percent-encoded) to a form body. */
void pub_form_add(pub_job *job, const char *key, const char *value);
/* Stream bytes of a media item as the raw body. */
void pub_req_stream(pub_job *job, int media, int64_t offset, int64_t length,
                    const char *content_type);
/* Multipart: add a text field; set the streamed file part. */
void pub_req_field(pub_job *job, const char *name, const char *value);
void pub_req_part(pub_job *job, const char *name, const char *content_type, int media,
                  int64_t offset, int64_t length);
/* Fail the job with a classified error; returns PUB_FAIL. */
pub_step pub_fail(pub_job *job, plat_err_kind kind, int status, const char *code, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));
/* Wait ms before the next step; returns PUB_WAIT. */
pub_step pub_wait(pub_job *job, int64_t ms);
/* Done with this remote id and URL; returns PUB_DONE. */
pub_step pub_done(pub_job *job, const char *remote_id, const char *remote_url);
/* Classify a response that is not 2xx by status alone (network, 429 with Retry-After, 5xx, 401). */
pub_step pub_fail_generic(pub_job *job, const plat_response *r, const char *what);
/* Progress helpers on job->state. */
const char *pub_state_str(const pub_job *job, const char *key);
int64_t pub_state_int(const pub_job *job, const char *key, int64_t dflt);
void pub_state_set_str(pub_job *job, const char *key, const char *value);
void pub_state_set_int(pub_job *job, const char *key, int64_t value);
/* Parse a response body as a JSON object (NULL if it is not one); caller decrefs. */
json_t *pub_json(const plat_response *r);
/* Free what the job owns (request body, state). */
void pub_job_free(pub_job *job);

#endif
