/*
 * pub_x.c - publishing to X (API v2; PLATFORMS.md section 5): one kind,
 * "post": text with up to 4 images, or 1 video, or 1 animated GIF, plus the
 * options reply_settings ("everyone" = leave the field out) and thread (the
 * further posts {"text", "media": [library ids]}, published as a chain of
 * replies, each reply.in_reply_to_tweet_id = the post before it).
 *
 * Media (all kinds alike, one code path): the chunked v2 upload
 *
 *   INIT      POST {upload}/2/media/upload/initialize  JSON media_type, total_bytes,
 *             media_category (tweet_image | tweet_gif | tweet_video)
 *   APPEND    POST {upload}/2/media/upload/{id}/append multipart: segment_index, and
 *             part "media" streamed from the item's bytes, X_CHUNK bytes at most
 *   FINALIZE  POST {upload}/2/media/upload/{id}/finalize
 *   STATUS    GET  {upload}/2/media/upload?command=STATUS&media_id={id}, after
 *             processing_info.check_after_secs, until succeeded or failed
 *
 * All the media of every part not yet posted is uploaded before the first
 * post goes out, so a video X refuses fails the target before anything is
 * public (a thread is not left half published for a bad file).  Items that
 * processing keeps busy do not hold up the uploads of the others.  An item
 * used twice (in two parts) is uploaded once.
 *
 * Media ids expire (expires_after_secs, refreshed by FINALIZE and STATUS, and
 * expires_at from APPEND): an upload whose id expires within
 * X_EXPIRY_MARGIN_MS is started over, mid-upload or ready, so a thread resumed a day later
 * re-uploads what its remaining posts need.  An upload X no longer knows
 * (APPEND, FINALIZE or STATUS refused with 400/404) is started over too, at
 * most X_MAX_RESETS times per item.
 *
 * Progress (job.state; everything needed to go on after a restart):
 *
 *   tweets    ["id", ...]  the posts created so far, in order (tweets[0] is the target's
 *                          remote id: https://x.com/i/status/{id}; the username is not
 *                          in the job and X redirects /i/status/ to the right place)
 *   sending   k            part k's create request is in flight (its outcome unknown
 *                          until the answer is read); absent otherwise
 *   doubt     k            part k's create outcome was lost and the lookup did not find
 *                          it, so a later "duplicate content" refusal for it may be ours
 *   sent_part, sent_at     the part being created and when its create was first sent
 *                          (the lower bound of the lookup; the attempt that reconciles a
 *                          lost create begins after it, so attempt_started_ms is too late)
 *   op, op_media, op_len   the request just asked for, so the answer can be read
 *   lookup    {part, pages, next, dup}   a timeline search in progress
 *   media     {"<library id>": {xid, key, exp, sent, seg, phase, check_at, since,
 *                               resets}}   phase: append | finalizing | status | ready
 *   media_retry  n         times the create was refused for invalid media ids and the
 *                          part's media re-uploaded (at most once)
 *
 * A request whose answer was lost (publish called with last = NULL while a
 * request was out) is picked up where it stood: INIT and APPEND are sent
 * again (the same segment index replaces the segment), a lost FINALIZE is
 * checked with STATUS first (FINALIZE again only if X says the upload is not
 * finalized), STATUS is repeated.  A lost create (no answer, or a 5xx, which
 * a gateway may send after the post was made) is looked up in the account's
 * timeline before anything is sent again: by ops->reconcile (the executor's
 * duty), or by publish itself whenever it is called with the create still
 * marked in flight.
 *
 * Reconcile: GET {api}/2/users/{account}/tweets?max_results=100
 * &tweet.fields=created_at,text,referenced_tweets,attachments and start_time
 * (the first post) or since_id (a reply: the post before it), following
 * next_token for at most X_LOOKUP_PAGES pages.  The lower bound is when the
 * part's create was first sent (state sent_at) less X_RECONCILE_SLACK_MS;
 * without it, X_RECONCILE_BLIND_MS before the attempt began.  A post matches
 * when its text equals ours once both are normalised (X returns every URL as
 * a t.co link, escapes & < > as HTML entities, and appends a t.co link for
 * the media of a post: t.co links are removed, entities decoded, white space
 * collapsed; ours goes through xtext_tco_text first, which also gives NFC),
 * it was created after the lower bound, it replies to the post before it
 * (for a reply), and, when both texts are empty, it carries one of our media
 * keys.
 * Found: its id is recorded.  The thread's last part found (or the post has
 * no thread): PUB_DONE with the first post's id.  A part before the last
 * found, or nothing found: PUB_DONE with remote_id "" and job.state updated,
 * so the next publish goes on after the last post created (or sends the
 * lost one again).
 *
 * Errors (problem JSON: type, title, detail; 400s add errors[].message):
 *   401                                        PERR_TOKEN_EXPIRED
 *   403 "... duplicate content"                PERR_PERMANENT, code "duplicate" (after a
 *                                              second lookup when the part is in doubt)
 *   403 reply to a deleted post                PERR_PERMANENT, code "reply_target_gone"
 *   403 client-forbidden                       PERR_PERMANENT (the X app's setup)
 *   403 other                                  PERR_DENIED (permission or account state)
 *   429 usage-capped, period Daily             PERR_RATE_LIMITED until the 24-hour reset
 *   429 usage-capped, otherwise (Monthly)      PERR_PERMANENT, code "usage-capped": the
 *                                              app's plan cap; retrying for weeks would
 *                                              publish long after the chosen time
 *   429                                        PERR_RATE_LIMITED until the latest exhausted
 *                                              reset of x-user-limit-24hour-*,
 *                                              x-app-limit-24hour-* and x-rate-limit-*
 *   413                                        PERR_PERMANENT (a segment too large)
 *   other 4xx                                  PERR_INVALID with X's own words
 *   5xx, no answer                             PERR_TRANSIENT
 *   processing failed                          PERR_PERMANENT with X's message
 */
#include "platform/publish.h"

#include "compose/xtext.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes per APPEND segment.  X: "Keep each segment at or below 5 MB (server maximum is 8 MB)"
 * (docs.x.com x-api/media/append-media-upload); 4 MiB stays under both. */
#define X_CHUNK (4LL * 1024 * 1024)
/* segment_index runs 0-999. */
#define X_MAX_SEGMENTS 1000
/* Start an upload over when its id expires within this. */
#define X_EXPIRY_MARGIN_MS (15LL * 60 * 1000)
/* Media id lifetime when X does not say (expires_after_secs is normally given). */
#define X_DEFAULT_TTL_S 86400LL
/* STATUS polling: X's check_after_secs, kept within these bounds. */
#define X_POLL_MIN_S 1
#define X_POLL_MAX_S 300
/* Give up on processing that has not finished after this long. */
#define X_PROCESSING_MAX_MS (60LL * 60 * 1000)
/* Times an upload X forgot is started over before the target fails. */
#define X_MAX_RESETS 2
/* Reconcile: posts created this long before the create was first sent still count (clock
 * skew, and created_at only has whole seconds on X). */
#define X_RECONCILE_SLACK_MS (5LL * 60 * 1000)
/* Reconcile without a recorded send time: look back this far before the attempt began. */
#define X_RECONCILE_BLIND_MS (24LL * 3600 * 1000)
/* Reconcile: timeline pages read at most. */
#define X_LOOKUP_PAGES 5
/* An X post holds at most this many images. */
#define X_MAX_IMAGES 4

/* ---- small helpers ---- */

/* The media host (upload_url, else api_url). */
static const char *upload_base(const pub_job *job)
{
    return job->pc->upload_url[0] != '\0' ? job->pc->upload_url : job->pc->api_url;
}

static void auth(pub_job *job)
{
    pub_req_header(job, "Authorization: Bearer %s", job->access_token);
}

static int is_2xx(const plat_response *r)
{
    return r->status >= 200 && r->status < 300;
}

static const char *str_or(const char *s, const char *dflt)
{
    return s != NULL ? s : dflt;
}

/* state[key] as an object, created if missing. */
static json_t *state_obj(pub_job *job, const char *key)
{
    if (job->state == NULL)
        job->state = json_object();
    json_t *o = json_object_get(job->state, key);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(job->state, key, o);
    }
    return o;
}

/* The posts created so far (an array in state, created if missing). */
static json_t *tweets(pub_job *job)
{
    if (job->state == NULL)
        job->state = json_object();
    json_t *a = json_object_get(job->state, "tweets");
    if (!json_is_array(a)) {
        a = json_array();
        json_object_set_new(job->state, "tweets", a);
    }
    return a;
}

static size_t ntweets(pub_job *job)
{
    return json_array_size(tweets(job));
}

static void set_op(pub_job *job, const char *op, const char *mid, int64_t len)
{
    pub_state_set_str(job, "op", op);
    pub_state_set_str(job, "op_media", mid);
    pub_state_set_int(job, "op_len", len);
}

static void clear_key(pub_job *job, const char *key)
{
    if (job->state != NULL)
        json_object_del(job->state, key);
}

/* An integer from JSON (integer, real or digits); dflt when absent. */
static int64_t jint(const json_t *v, int64_t dflt)
{
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_real(v))
        return (int64_t)json_real_value(v);
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (*s != '\0' && strspn(s, "0123456789") == strlen(s) && strlen(s) < 19)
            return strtoll(s, NULL, 10);
    }
    return dflt;
}

static int64_t eint(const json_t *o, const char *key, int64_t dflt)
{
    return jint(json_object_get(o, key), dflt);
}

static const char *estr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A header as a number; -1 when absent or not a number. */
static int64_t header_int(const plat_response *r, const char *name)
{
    const char *v = r->header != NULL ? r->header(r, name) : NULL;
    if (v == NULL)
        return -1;
    while (*v == ' ')
        v++;
    if (!isdigit((unsigned char)*v))
        return -1;
    return strtoll(v, NULL, 10);
}

/* ---- the parts of the target ---- */

/*
 * A media item of a part, and where its bytes come from: range.media is an
 * index into job.library, of which job.media are the first items (the
 * executor lays them out so), so the first post's media keep their
 * job.media index and a thread's own media get their library index.
 */
typedef struct x_item {
    const pub_media *m;
    int index; /* the range index of its bytes */
} x_item;

static const json_t *thread(const pub_job *job)
{
    const json_t *t = json_object_get(job->options, "thread");
    return json_is_array(t) ? t : NULL;
}

/* The number of posts: the first and the thread's further ones. */
static size_t nparts(const pub_job *job)
{
    return 1 + json_array_size(thread(job));
}

static const char *part_text(const pub_job *job, size_t part)
{
    if (part == 0)
        return str_or(job->text, "");
    return str_or(estr(json_array_get(thread(job), part - 1), "text"), "");
}

/* Find a media item by library id: job.media first, then job.library. 0 or -1. */
static int locate(const pub_job *job, int64_t id, x_item *out)
{
    for (size_t i = 0; i < job->nmedia; i++)
        if (job->media[i].id == id) {
            *out = (x_item){&job->media[i], (int)i};
            return 0;
        }
    for (size_t i = 0; i < job->nlibrary; i++)
        if (job->library[i].id == id) {
            *out = (x_item){&job->library[i], (int)i};
            return 0;
        }
    return -1;
}

/*
 * The media of a part into items (at most max).  Returns the count, or -1
 * with *missing set to the id that is not in the job.
 */
static int part_media(const pub_job *job, size_t part, x_item *items, int max, int64_t *missing)
{
    int n = 0;
    if (part == 0) {
        for (size_t i = 0; i < job->nmedia && n < max; i++)
            items[n++] = (x_item){&job->media[i], (int)i};
        return n;
    }
    const json_t *ids = json_object_get(json_array_get(thread(job), part - 1), "media");
    size_t i;
    const json_t *v;
    json_array_foreach(ids, i, v)
    {
        int64_t id = jint(v, -1);
        if (n >= max)
            break;
        if (locate(job, id, &items[n]) != 0) {
            *missing = id;
            return -1;
        }
        n++;
    }
    return n;
}

static int is_video(const pub_media *m)
{
    return m->kind != NULL && strcmp(m->kind, "video") == 0;
}

static int is_gif(const pub_media *m)
{
    return !is_video(m) && m->animated && m->format != NULL && strcmp(m->format, "gif") == 0;
}

static const char *category(const pub_media *m)
{
    return is_video(m) ? "tweet_video" : is_gif(m) ? "tweet_gif" : "tweet_image";
}

/* The media type X is told: the item's own, else one from its format. */
static const char *media_type(const pub_media *m)
{
    static const char *const map[][2] = {{"jpeg", "image/jpeg"},    {"jpg", "image/jpeg"},
                                         {"png", "image/png"},      {"gif", "image/gif"},
                                         {"webp", "image/webp"},    {"mp4", "video/mp4"},
                                         {"mov", "video/quicktime"}};
    if (m->mime != NULL && *m->mime != '\0')
        return m->mime;
    for (size_t i = 0; m->format != NULL && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], m->format) == 0)
            return map[i][1];
    return is_video(m) ? "video/mp4" : "image/jpeg";
}

static void mid_of(const pub_media *m, char *out, size_t outlen)
{
    snprintf(out, outlen, "%lld", (long long)m->id);
}

/* ---- errors ---- */

static int ends_with(const char *s, const char *tail)
{
    size_t a = s != NULL ? strlen(s) : 0, b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/* The last path segment of a problem type ("invalid-request"); dflt if none. */
static const char *problem_code(const char *type, const char *dflt)
{
    const char *slash = type != NULL ? strrchr(type, '/') : NULL;
    return slash != NULL && slash[1] != '\0' ? slash + 1 : dflt;
}

/* When a 429 may be tried again: the latest reset among the limits used up. */
static int64_t retry_at(const pub_job *job, const plat_response *r)
{
    static const char *const pairs[][2] = {
        {"x-user-limit-24hour-remaining", "x-user-limit-24hour-reset"},
        {"x-app-limit-24hour-remaining", "x-app-limit-24hour-reset"},
        {"x-rate-limit-remaining", "x-rate-limit-reset"},
    };
    int64_t at = 0;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        int64_t left = header_int(r, pairs[i][0]), reset = header_int(r, pairs[i][1]);
        if (left == 0 && reset > 0 && reset * 1000 > at)
            at = reset * 1000;
    }
    if (at == 0) {
        int64_t reset = header_int(r, "x-rate-limit-reset");
        int64_t after = header_int(r, "retry-after");
        if (reset > 0)
            at = reset * 1000;
        else if (after >= 0)
            at = job->now_ms + after * 1000;
    }
    if (at != 0 && at <= job->now_ms)
        at = job->now_ms + 1000;
    return at;
}

/* Classify an answer that is not a success; returns PUB_FAIL. */
static pub_step fail_from(pub_job *job, const plat_response *r, const char *what)
{
    if (r->status == 0 || r->status >= 500)
        return pub_fail_generic(job, r, what);
    json_t *j = pub_json(r);
    const char *type = estr(j, "type"), *title = estr(j, "title"), *detail = estr(j, "detail");
    const char *first = estr(json_array_get(json_object_get(j, "errors"), 0), "message");
    char why[320];
    snprintf(why, sizeof why, "%s",
             first != NULL    ? first
             : detail != NULL ? detail
             : title != NULL  ? title
                              : "");
    pub_step s;
    job->err.retry_at_ms = 0;
    if (r->status == 429 && (ends_with(type, "/usage-capped") ||
                             (title != NULL && strcmp(title, "UsageCapExceeded") == 0))) {
        const char *period = estr(j, "period");
        if (period != NULL && strcmp(period, "Daily") == 0) {
            int64_t at = retry_at(job, r);
            int64_t day = job->now_ms + 86400000LL;
            s = pub_fail(job, PERR_RATE_LIMITED, 429, "usage-capped",
                         "%s: the X app's daily usage cap is used up (%s)", what,
                         detail != NULL ? detail : "usage cap exceeded");
            job->err.retry_at_ms = at > job->now_ms + 15 * 60 * 1000 ? at : day;
        } else {
            s = pub_fail(job, PERR_PERMANENT, 429, "usage-capped",
                         "%s: the X app's %susage cap is used up (%s); posts to X fail until "
                         "it resets or the app's X plan is raised",
                         what, period != NULL && strcmp(period, "Monthly") == 0 ? "monthly " : "",
                         detail != NULL ? detail : "usage cap exceeded");
        }
    } else if (r->status == 429) {
        s = pub_fail(job, PERR_RATE_LIMITED, 429, "rate_limited",
                     "%s: X asks us to slow down (too many requests)", what);
        job->err.retry_at_ms = retry_at(job, r);
    } else if (r->status == 401) {
        s = pub_fail(job, PERR_TOKEN_EXPIRED, 401, "unauthorized",
                     "%s: X no longer accepts the access token", what);
    } else if (r->status == 403 && strstr(why, "duplicate content") != NULL) {
        s = pub_fail(job, PERR_PERMANENT, 403, "duplicate",
                     "%s: X refuses a post with the same text as one already on the account "
                     "(%s)",
                     what, why);
    } else if (r->status == 403 && strstr(why, "deleted or not visible") != NULL) {
        s = pub_fail(job, PERR_PERMANENT, 403, "reply_target_gone",
                     "%s: the earlier post of the thread is gone from X (%s)", what, why);
    } else if (r->status == 403 && ends_with(type, "/client-forbidden")) {
        s = pub_fail(job, PERR_PERMANENT, 403, "client-forbidden",
                     "%s: X does not let this app use the endpoint (%s); check the X app's "
                     "project and access level",
                     what, why);
    } else if (r->status == 403) {
        s = pub_fail(job, PERR_DENIED, 403, problem_code(type, "forbidden"),
                     "%s: X refused (%s); reconnect the account or check it on X", what,
                     *why ? why : "forbidden");
    } else if (r->status == 413) {
        s = pub_fail(job, PERR_PERMANENT, 413, "too_large", "%s: X found the upload too large",
                     what);
    } else {
        s = pub_fail(job, PERR_INVALID, r->status, problem_code(type, "refused"),
                     "%s: X refused the request (HTTP %d%s%s)", what, r->status, *why ? ": " : "",
                     why);
    }
    json_decref(j);
    return s;
}

/* ---- media ---- */

static json_t *media_entry(pub_job *job, const char *mid)
{
    json_t *e = json_object_get(state_obj(job, "media"), mid);
    return json_is_object(e) ? e : NULL;
}

static void media_forget(pub_job *job, const char *mid)
{
    json_object_del(state_obj(job, "media"), mid);
}

/* Start an upload over after X forgot it; PUB_FAIL when that happened too often. */
static int media_reset(pub_job *job, const char *mid)
{
    json_t *e = media_entry(job, mid);
    int64_t resets = eint(e, "resets", 0) + 1;
    if (resets > X_MAX_RESETS)
        return -1;
    json_object_set_new(state_obj(job, "media"), mid, json_pack("{s:I}", "resets", resets));
    return 0;
}

static void entry_set_int(json_t *e, const char *key, int64_t v)
{
    json_object_set_new(e, key, json_integer(v));
}

static void entry_set_str(json_t *e, const char *key, const char *v)
{
    json_object_set_new(e, key, json_string(v));
}

static int media_started(const json_t *e)
{
    return e != NULL && estr(e, "xid") != NULL;
}

static pub_step req_init(pub_job *job, const x_item *it, const char *mid)
{
    json_t *b = json_pack("{s:s, s:I, s:s}", "media_type", media_type(it->m), "total_bytes",
                          (json_int_t)it->m->size, "media_category", category(it->m));
    pub_req(job, "POST", "%s/2/media/upload/initialize", upload_base(job));
    auth(job);
    pub_req_json(job, b);
    json_decref(b);
    set_op(job, "init", mid, 0);
    return PUB_REQUEST;
}

static pub_step req_append(pub_job *job, const x_item *it, const char *mid, json_t *e)
{
    int64_t sent = eint(e, "sent", 0), seg = eint(e, "seg", 0);
    int64_t len = it->m->size - sent < X_CHUNK ? it->m->size - sent : X_CHUNK;
    char idx[24];
    snprintf(idx, sizeof idx, "%lld", (long long)seg);
    pub_req(job, "POST", "%s/2/media/upload/%s/append", upload_base(job), estr(e, "xid"));
    auth(job);
    pub_req_field(job, "segment_index", idx);
    pub_req_part(job, "media", "application/octet-stream", it->index, sent, len);
    set_op(job, "append", mid, len);
    return PUB_REQUEST;
}

static pub_step req_finalize(pub_job *job, const char *mid, json_t *e)
{
    pub_req(job, "POST", "%s/2/media/upload/%s/finalize", upload_base(job), estr(e, "xid"));
    auth(job);
    entry_set_str(e, "phase", "finalizing");
    set_op(job, "finalize", mid, 0);
    return PUB_REQUEST;
}

/* STATUS; op "check" after a lost FINALIZE answer, else "status". */
static pub_step req_status(pub_job *job, const char *mid, json_t *e, const char *op)
{
    pub_req(job, "GET", "%s/2/media/upload?command=STATUS&media_id=%s", upload_base(job),
            estr(e, "xid"));
    auth(job);
    set_op(job, op, mid, 0);
    return PUB_REQUEST;
}

/* Read expires_after_secs from an answer's data into the entry's expiry. */
static void note_expiry(pub_job *job, json_t *e, const json_t *data)
{
    int64_t after = eint(data, "expires_after_secs", -1);
    if (after > 0)
        entry_set_int(e, "exp", job->now_ms + after * 1000);
}

/*
 * Take in the processing_info of a FINALIZE or STATUS answer's data: ready,
 * processing (next STATUS time), or failed.  0, or PUB_FAIL's -1.
 */
static int take_processing(pub_job *job, json_t *e, const json_t *data, const pub_media *m)
{
    const json_t *pi = json_object_get(data, "processing_info");
    const char *st = estr(pi, "state");
    note_expiry(job, e, data);
    if (pi == NULL || st == NULL || strcmp(st, "succeeded") == 0) {
        entry_set_str(e, "phase", "ready");
        json_object_del(e, "check_at");
        return 0;
    }
    if (strcmp(st, "failed") == 0) {
        const char *msg = estr(json_object_get(pi, "error"), "message");
        pub_fail(job, PERR_PERMANENT, 200, "processing_failed",
                 "Publishing to X: X could not process the %s (%s)",
                 is_video(m) ? "video"
                 : is_gif(m) ? "GIF"
                             : "image",
                 msg != NULL ? msg : "no reason given");
        return -1;
    }
    int64_t after = eint(pi, "check_after_secs", X_POLL_MIN_S);
    if (after < X_POLL_MIN_S)
        after = X_POLL_MIN_S;
    if (after > X_POLL_MAX_S)
        after = X_POLL_MAX_S;
    entry_set_str(e, "phase", "status");
    entry_set_int(e, "check_at", job->now_ms + after * 1000);
    if (eint(e, "since", 0) == 0)
        entry_set_int(e, "since", job->now_ms);
    return 0;
}

/* ---- the timeline lookup (reconcile) ---- */

/* ms since the epoch of "YYYY-MM-DDTHH:MM:SS[.sss]Z"; -1 if malformed. */
static int64_t parse_time(const char *s)
{
    int y, mo, d, h, mi, sec;
    if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
        return -1;
    /* days from civil (Howard Hinnant's algorithm) */
    int yy = y - (mo <= 2);
    int era = (yy >= 0 ? yy : yy - 399) / 400;
    int yoe = yy - era * 400;
    int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + doe - 719468;
    return ((days * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL;
}

/* ms since the epoch as "YYYY-MM-DDTHH:MM:SSZ" (whole seconds, as start_time takes it). */
static void format_time(int64_t ms, char *out, size_t outlen)
{
    int64_t s = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    int64_t days = s >= 0 ? s / 86400 : (s - 86399) / 86400;
    int64_t sod = s - days * 86400;
    /* civil from days (Howard Hinnant's algorithm) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(out, outlen, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m,
             (long long)d, (long long)(sod / 3600), (long long)(sod / 60 % 60),
             (long long)(sod % 60));
}

/*
 * Text for comparison (malloc'd): HTML entities decoded when decode is set,
 * t.co links removed, white space runs made one space, ends trimmed.
 */
static char *normalise(const char *s, int decode)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    int space = 0;
    for (size_t i = 0; i < n;) {
        if (strncmp(s + i, "https://t.co/", 13) == 0 || strncmp(s + i, "http://t.co/", 12) == 0) {
            i += s[i + 4] == 's' ? 13 : 12;
            while (i < n && isalnum((unsigned char)s[i]))
                i++;
            space = 1;
            continue;
        }
        if (isspace((unsigned char)s[i])) {
            space = 1;
            i++;
            continue;
        }
        if (space && o > 0)
            out[o++] = ' ';
        space = 0;
        if (decode && strncmp(s + i, "&amp;", 5) == 0) {
            out[o++] = '&';
            i += 5;
        } else if (decode && strncmp(s + i, "&lt;", 4) == 0) {
            out[o++] = '<';
            i += 4;
        } else if (decode && strncmp(s + i, "&gt;", 4) == 0) {
            out[o++] = '>';
            i += 4;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* 1 if X's text of a post is ours (see the header comment). */
static int same_text(const char *ours_tco, const char *theirs)
{
    char *a = normalise(ours_tco, 0);
    char *b = normalise(theirs, 0);
    char *c = normalise(theirs, 1);
    int same = a != NULL && ((b != NULL && strcmp(a, b) == 0) || (c != NULL && strcmp(a, c) == 0));
    free(a);
    free(b);
    free(c);
    return same;
}

/* 1 if the post carries one of the media keys of part's uploads. */
static int has_our_media(pub_job *job, size_t part, const json_t *tw)
{
    x_item items[X_MAX_IMAGES];
    int64_t missing = 0;
    int n = part_media(job, part, items, X_MAX_IMAGES, &missing);
    const json_t *keys = json_object_get(json_object_get(tw, "attachments"), "media_keys");
    size_t i;
    const json_t *k;
    for (int j = 0; j < n; j++) {
        char mid[32];
        mid_of(items[j].m, mid, sizeof mid);
        const char *ours = estr(media_entry(job, mid), "key");
        json_array_foreach(keys, i, k)
        {
            if (ours != NULL && json_string_value(k) != NULL &&
                strcmp(ours, json_string_value(k)) == 0)
                return 1;
        }
    }
    return 0;
}

/*
 * The earliest a post of part may have been created: when its create was
 * first sent (state sent_at; the attempt that sent it may be an earlier one
 * than the attempt reconciling it), less the slack.
 */
static int64_t lookup_since(const pub_job *job, size_t part)
{
    if (pub_state_int(job, "sent_part", -1) == (int64_t)part &&
        pub_state_int(job, "sent_at", 0) > 0)
        return pub_state_int(job, "sent_at", 0) - X_RECONCILE_SLACK_MS;
    return job->attempt_started_ms - X_RECONCILE_BLIND_MS;
}

/* The id of the post in data[] that is part `part`; NULL if none. */
static const char *find_part(pub_job *job, size_t part, const json_t *data)
{
    const char *text = part_text(job, part);
    char *tco = xtext_tco_text(text, strlen(text));
    const char *ours = tco != NULL ? tco : text;
    const char *prev = part > 0 ? json_string_value(json_array_get(tweets(job), part - 1)) : NULL;
    int64_t since = lookup_since(job, part);
    const char *found = NULL;
    size_t i;
    const json_t *tw;
    json_array_foreach(data, i, tw)
    {
        const char *id = estr(tw, "id"), *t = estr(tw, "text");
        if (id == NULL || t == NULL || !same_text(ours, t))
            continue;
        int64_t at = parse_time(estr(tw, "created_at"));
        if (at >= 0 && at < since)
            continue;
        if (prev != NULL) {
            int replies = 0;
            size_t j;
            const json_t *ref;
            json_array_foreach(json_object_get(tw, "referenced_tweets"), j, ref)
            {
                const char *rt = estr(ref, "type"), *rid = estr(ref, "id");
                if (rt != NULL && rid != NULL && strcmp(rt, "replied_to") == 0 &&
                    strcmp(rid, prev) == 0)
                    replies = 1;
            }
            if (!replies)
                continue;
        }
        char *empty = normalise(ours, 0);
        int blank = empty != NULL && *empty == '\0';
        free(empty);
        if (blank && !has_our_media(job, part, tw))
            continue;
        found = id;
        break;
    }
    free(tco);
    return found;
}

static pub_step req_lookup(pub_job *job)
{
    json_t *lk = state_obj(job, "lookup");
    size_t part = (size_t)eint(lk, "part", 0);
    const char *next = estr(lk, "next");
    const char *prev = part > 0 ? json_string_value(json_array_get(tweets(job), part - 1)) : NULL;
    char when[64] = "", extra[160];
    if (prev != NULL) {
        snprintf(extra, sizeof extra, "&since_id=%s", prev);
    } else {
        format_time(lookup_since(job, part), when, sizeof when);
        snprintf(extra, sizeof extra, "&start_time=%s", when);
    }
    pub_req(job, "GET",
            "%s/2/users/%s/tweets?max_results=100"
            "&tweet.fields=created_at,text,referenced_tweets,attachments%s%s%s",
            job->pc->api_url, job->account_remote_id, extra,
            next != NULL ? "&pagination_token=" : "", next != NULL ? next : "");
    auth(job);
    set_op(job, "lookup", NULL, 0);
    return PUB_REQUEST;
}

/* Begin looking for part in the timeline (dup: a duplicate refusal fails if not found). */
static pub_step start_lookup(pub_job *job, size_t part, int dup)
{
    json_object_set_new(
        job->state, "lookup",
        json_pack("{s:I, s:i, s:b}", "part", (json_int_t)part, "pages", 0, "dup", dup));
    return req_lookup(job);
}

static pub_step finish(pub_job *job)
{
    const char *first = json_string_value(json_array_get(tweets(job), 0));
    char url[PLAT_URL_MAX];
    snprintf(url, sizeof url, "https://x.com/i/status/%s", first);
    set_op(job, "", NULL, 0);
    return pub_done(job, first, url);
}

/* ---- the next step ---- */

static pub_step req_tweet(pub_job *job, size_t part);

/* Check the media mix of a part before anything is sent. 0, or PUB_FAIL's -1. */
static int check_mix(pub_job *job, size_t part, const x_item *items, int n)
{
    int motion = 0;
    for (int i = 0; i < n; i++)
        if (is_video(items[i].m) || is_gif(items[i].m))
            motion++;
    if (n > X_MAX_IMAGES || (motion > 0 && n > 1)) {
        pub_fail(job, PERR_PERMANENT, 0, "media_mix",
                 "Publishing to X: %s can carry up to 4 images, or 1 video, or 1 animated GIF",
                 part == 0 ? "the post" : "a post of the thread");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        if (items[i].m->size <= 0) {
            pub_fail(job, PERR_PERMANENT, 0, "media_empty",
                     "Publishing to X: a media file of the post is empty");
            return -1;
        }
        if (items[i].m->size > X_CHUNK * X_MAX_SEGMENTS) {
            pub_fail(job, PERR_PERMANENT, 0, "too_large",
                     "Publishing to X: a media file is too large for X's upload");
            return -1;
        }
    }
    return 0;
}

/*
 * Decide the next request from the state alone: the next upload step of the
 * first item of a remaining part that needs one, a STATUS that is due, a wait
 * for processing, the next post, or done.
 */
static pub_step next_action(pub_job *job)
{
    size_t done = ntweets(job), total = nparts(job);
    if (done >= total)
        return finish(job);
    int64_t wake = 0;
    for (size_t part = done; part < total; part++) {
        x_item items[X_MAX_IMAGES + 1];
        int64_t missing = 0;
        int n = part_media(job, part, items, X_MAX_IMAGES + 1, &missing);
        if (n < 0)
            return pub_fail(job, PERR_PERMANENT, 0, "media_missing",
                            "Publishing to X: media item %lld of the thread is no longer in the "
                            "library",
                            (long long)missing);
        if (check_mix(job, part, items, n) != 0)
            return PUB_FAIL;
        for (int i = 0; i < n; i++) {
            char mid[32];
            mid_of(items[i].m, mid, sizeof mid);
            json_t *e = media_entry(job, mid);
            if (media_started(e) && eint(e, "exp", 0) - X_EXPIRY_MARGIN_MS <= job->now_ms) {
                /* The id expires (or has): upload again under a new one. */
                json_object_set_new(state_obj(job, "media"), mid,
                                    json_pack("{s:I}", "resets", (json_int_t)eint(e, "resets", 0)));
                e = media_entry(job, mid);
            }
            if (!media_started(e))
                return req_init(job, &items[i], mid);
            const char *phase = str_or(estr(e, "phase"), "append");
            if (strcmp(phase, "append") == 0) {
                if (eint(e, "sent", 0) < items[i].m->size)
                    return req_append(job, &items[i], mid, e);
                return req_finalize(job, mid, e);
            }
            if (strcmp(phase, "finalizing") == 0) /* FINALIZE's answer was lost */
                return req_status(job, mid, e, "check");
            if (strcmp(phase, "status") == 0) {
                int64_t at = eint(e, "check_at", 0);
                if (job->now_ms - eint(e, "since", job->now_ms) > X_PROCESSING_MAX_MS) {
                    media_forget(job, mid);
                    return pub_fail(job, PERR_TRANSIENT, 0, "processing_slow",
                                    "Publishing to X: X has been processing the media for over "
                                    "an hour; it will be uploaded again");
                }
                if (at <= job->now_ms)
                    return req_status(job, mid, e, "status");
                if (wake == 0 || at < wake)
                    wake = at;
            }
        }
    }
    if (wake != 0)
        return pub_wait(job, wake - job->now_ms);
    return req_tweet(job, done);
}

static pub_step req_tweet(pub_job *job, size_t part)
{
    x_item items[X_MAX_IMAGES];
    int64_t missing = 0;
    int n = part_media(job, part, items, X_MAX_IMAGES, &missing);
    const char *text = part_text(job, part);
    json_t *b = json_object();
    if (*text != '\0')
        json_object_set_new(b, "text", json_string(text));
    if (n > 0) {
        json_t *ids = json_array();
        for (int i = 0; i < n; i++) {
            char mid[32];
            mid_of(items[i].m, mid, sizeof mid);
            json_array_append_new(ids, json_string(str_or(estr(media_entry(job, mid), "xid"), "")));
        }
        json_object_set_new(b, "media", json_pack("{s:o}", "media_ids", ids));
    }
    if (part > 0)
        json_object_set_new(
            b, "reply",
            json_pack("{s:O}", "in_reply_to_tweet_id", json_array_get(tweets(job), part - 1)));
    /* Who may reply is a setting of the conversation: the first post carries it. */
    const char *rs = estr(job->options, "reply_settings");
    if (part == 0 && rs != NULL && *rs != '\0' && strcmp(rs, "everyone") != 0)
        json_object_set_new(b, "reply_settings", json_string(rs));
    pub_req(job, "POST", "%s/2/tweets", job->pc->api_url);
    auth(job);
    pub_req_json(job, b);
    json_decref(b);
    job->req.create_step = 1;
    pub_state_set_int(job, "sending", (int64_t)part);
    /* When this part was first sent: a lost create is looked for from then on. */
    if (pub_state_int(job, "sent_part", -1) != (int64_t)part) {
        pub_state_set_int(job, "sent_part", (int64_t)part);
        pub_state_set_int(job, "sent_at", job->now_ms);
    }
    set_op(job, "tweet", NULL, 0);
    return PUB_REQUEST;
}

/* ---- reading answers ---- */

/* The media item an op was about (by its library id). */
static int op_item(const pub_job *job, x_item *it)
{
    const char *mid = pub_state_str(job, "op_media");
    return mid != NULL ? locate(job, strtoll(mid, NULL, 10), it) : -1;
}

/* An upload X refused to continue: start it over, or fail. */
static pub_step upload_refused(pub_job *job, const plat_response *r, const char *mid,
                               const char *what)
{
    if (r->status == 400 || r->status == 404) {
        if (media_reset(job, mid) == 0)
            return next_action(job);
    }
    return fail_from(job, r, what);
}

static pub_step on_media(pub_job *job, const plat_response *last, const char *op)
{
    const char *mid_s = pub_state_str(job, "op_media");
    char mid[32];
    snprintf(mid, sizeof mid, "%s", str_or(mid_s, ""));
    x_item it;
    if (op_item(job, &it) != 0) /* the item left the target: go on without it */
        return next_action(job);
    json_t *e = media_entry(job, mid);
    if (strcmp(op, "init") == 0) {
        if (!is_2xx(last))
            return fail_from(job, last, "Uploading media to X");
        json_t *j = pub_json(last);
        json_t *data = json_object_get(j, "data");
        const char *xid = estr(data, "id");
        if (xid == NULL || strspn(xid, "0123456789") != strlen(xid) || strlen(xid) > 19 ||
            *xid == '\0') {
            json_decref(j);
            return pub_fail(job, PERR_TRANSIENT, last->status, "bad_response",
                            "Uploading media to X: X did not return a media id");
        }
        int64_t ttl = eint(data, "expires_after_secs", X_DEFAULT_TTL_S);
        json_t *ne =
            json_pack("{s:s, s:I, s:I, s:I, s:s, s:I}", "xid", xid, "exp",
                      (json_int_t)(job->now_ms + ttl * 1000), "sent", (json_int_t)0, "seg",
                      (json_int_t)0, "phase", "append", "resets", (json_int_t)eint(e, "resets", 0));
        if (estr(data, "media_key") != NULL)
            json_object_set_new(ne, "key", json_string(estr(data, "media_key")));
        json_object_set_new(state_obj(job, "media"), mid, ne);
        json_decref(j);
        return next_action(job);
    }
    if (e == NULL) /* forgotten meanwhile (expired): start over */
        return next_action(job);
    if (strcmp(op, "append") == 0) {
        if (!is_2xx(last))
            return upload_refused(job, last, mid, "Uploading media to X");
        entry_set_int(e, "sent", eint(e, "sent", 0) + pub_state_int(job, "op_len", 0));
        entry_set_int(e, "seg", eint(e, "seg", 0) + 1);
        json_t *j = pub_json(last);
        int64_t exp = eint(json_object_get(j, "data"), "expires_at", -1);
        if (exp > 0)
            entry_set_int(e, "exp", exp * 1000);
        json_decref(j);
        return next_action(job);
    }
    if (strcmp(op, "check") == 0 && last->status >= 400 && last->status < 500 &&
        last->status != 401 && last->status != 429) {
        /* Not finalized after all: FINALIZE (next_action sees all bytes sent). */
        entry_set_str(e, "phase", "append");
        return next_action(job);
    }
    /* finalize, check, status */
    if (!is_2xx(last)) {
        if (strcmp(op, "finalize") == 0 && last->status >= 400 && last->status < 500 &&
            last->status != 401 && last->status != 429)
            return upload_refused(job, last, mid, "Uploading media to X");
        if (strcmp(op, "status") == 0)
            return upload_refused(job, last, mid, "Checking media on X");
        return fail_from(job, last, "Uploading media to X");
    }
    json_t *j = pub_json(last);
    int rc = take_processing(job, e, json_object_get(j, "data"), it.m);
    json_decref(j);
    return rc != 0 ? PUB_FAIL : next_action(job);
}

static pub_step on_tweet(pub_job *job, const plat_response *last)
{
    size_t part = (size_t)pub_state_int(job, "sending", (int64_t)ntweets(job));
    set_op(job, "", NULL, 0);
    if (last->status == 0 || last->status >= 500) {
        /* No answer, or a gateway's: the post may exist.  "sending" stays, so the next
         * call looks for it before sending again (the executor reconciles these too). */
        return pub_fail_generic(job, last,
                                part == 0 ? "Publishing to X" : "Publishing the X thread");
    }
    clear_key(job, "sending");
    if (is_2xx(last)) {
        json_t *j = pub_json(last);
        const char *id = estr(json_object_get(j, "data"), "id");
        if (id == NULL) {
            json_decref(j);
            /* Created, but which post is it?  Look it up rather than post again. */
            pub_state_set_int(job, "sending", (int64_t)part);
            return start_lookup(job, part, 0);
        }
        json_array_append_new(tweets(job), json_string(id));
        json_decref(j);
        clear_key(job, "doubt");
        clear_key(job, "sent_part");
        clear_key(job, "sent_at");
        clear_key(job, "media_retry");
        return next_action(job);
    }
    json_t *j = pub_json(last);
    const char *detail = estr(j, "detail");
    const char *first = estr(json_array_get(json_object_get(j, "errors"), 0), "message");
    int dup = last->status == 403 && detail != NULL && strstr(detail, "duplicate content") != NULL;
    int bad_media = last->status == 400 && first != NULL && strstr(first, "media") != NULL &&
                    strstr(first, "invalid") != NULL;
    json_decref(j);
    if (dup && pub_state_int(job, "doubt", -1) == (int64_t)part)
        return start_lookup(job, part, 1);
    if (bad_media && pub_state_int(job, "media_retry", 0) < 1) {
        /* The ids expired or were lost on X's side: upload this part's media again. */
        x_item items[X_MAX_IMAGES];
        int64_t missing = 0;
        int n = part_media(job, part, items, X_MAX_IMAGES, &missing);
        for (int i = 0; i < n; i++) {
            char mid[32];
            mid_of(items[i].m, mid, sizeof mid);
            media_forget(job, mid);
        }
        pub_state_set_int(job, "media_retry", 1);
        return next_action(job);
    }
    return fail_from(job, last, part == 0 ? "Publishing to X" : "Publishing the X thread");
}

/*
 * A timeline page: find the part; reconcile says whether this is
 * ops->reconcile (PUB_DONE answers) or publish (go on publishing).
 */
static pub_step on_lookup(pub_job *job, const plat_response *last, int reconcile)
{
    json_t *lk = state_obj(job, "lookup");
    size_t part = (size_t)eint(lk, "part", (int64_t)ntweets(job));
    int dup = json_is_true(json_object_get(lk, "dup"));
    if (last->status != 200)
        return fail_from(job, last, "Looking for the post on X");
    json_t *j = pub_json(last);
    json_t *data = json_object_get(j, "data");
    if (j == NULL || (!json_is_array(data) && json_object_get(j, "meta") == NULL)) {
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, 200, "bad_response",
                        "Looking for the post on X: X's answer could not be read");
    }
    const char *found = find_part(job, part, data);
    if (found != NULL && part == ntweets(job)) {
        json_array_append_new(tweets(job), json_string(found));
        json_decref(j);
        clear_key(job, "sending");
        clear_key(job, "doubt");
        clear_key(job, "lookup");
        clear_key(job, "sent_part");
        clear_key(job, "sent_at");
        set_op(job, "", NULL, 0);
        if (ntweets(job) >= nparts(job))
            return finish(job);
        return reconcile ? pub_done(job, "", "") : next_action(job);
    }
    const char *next = estr(json_object_get(j, "meta"), "next_token");
    int64_t pages = eint(lk, "pages", 0) + 1;
    if (found == NULL && next != NULL && pages < X_LOOKUP_PAGES) {
        json_object_set_new(lk, "pages", json_integer(pages));
        json_object_set_new(lk, "next", json_string(next));
        json_decref(j);
        return req_lookup(job);
    }
    json_decref(j);
    /* Not there: it was not created. */
    clear_key(job, "sending");
    clear_key(job, "lookup");
    set_op(job, "", NULL, 0);
    pub_state_set_int(job, "doubt", (int64_t)part);
    if (dup)
        return pub_fail(job, PERR_PERMANENT, 403, "duplicate",
                        "Publishing to X: X refuses a post with the same text as one already on "
                        "the account");
    return reconcile ? pub_done(job, "", "") : next_action(job);
}

static pub_step x_publish(pub_job *job, const plat_response *last)
{
    if (job->state == NULL)
        job->state = json_object();
    if (job->kind != NULL && *job->kind != '\0' && strcmp(job->kind, "post") != 0)
        return pub_fail(job, PERR_PERMANENT, 0, "kind", "X has one kind of post, not \"%s\"",
                        job->kind);
    const char *op = str_or(pub_state_str(job, "op"), "");
    if (last == NULL) {
        /* A first call, after a wait, or after a restart: an answer may have been lost. */
        if (json_object_get(job->state, "sending") != NULL)
            return start_lookup(job, (size_t)pub_state_int(job, "sending", 0), 0);
        if (strcmp(op, "lookup") == 0 && json_object_get(job->state, "lookup") != NULL)
            return req_lookup(job);
        return next_action(job);
    }
    if (strcmp(op, "tweet") == 0)
        return on_tweet(job, last);
    if (strcmp(op, "lookup") == 0)
        return on_lookup(job, last, 0);
    if (strcmp(op, "init") == 0 || strcmp(op, "append") == 0 || strcmp(op, "finalize") == 0 ||
        strcmp(op, "check") == 0 || strcmp(op, "status") == 0)
        return on_media(job, last, op);
    return next_action(job);
}

static pub_step x_reconcile(pub_job *job, const plat_response *last)
{
    if (job->state == NULL)
        job->state = json_object();
    if (last == NULL) {
        if (ntweets(job) >= nparts(job))
            return finish(job);
        if (job->account_remote_id == NULL || *job->account_remote_id == '\0')
            return pub_fail(job, PERR_PERMANENT, 0, "no_account",
                            "Looking for the post on X: the account's X id is not known");
        size_t part = (size_t)pub_state_int(job, "sending", (int64_t)ntweets(job));
        return start_lookup(job, part, 0);
    }
    return on_lookup(job, last, 1);
}

const pub_ops pub_x = {"x", x_publish, x_reconcile};
