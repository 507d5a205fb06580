/*
 * pub_linkedin.c - publishing to a LinkedIn member's feed (PLATFORMS.md
 * section 3: the Posts, Images and Videos APIs), as a sans-I/O state machine
 * (publish.h).
 *
 * Kinds (compose/rules.c):
 *   text    POST /rest/posts                                  (the create step)
 *   images  for each image: POST /rest/images?action=initializeUpload
 *           -> uploadUrl + image URN; PUT the bytes to uploadUrl (one streamed
 *           range); then POST /rest/posts with content.media (one image) or
 *           content.multiImage (several).  A member token cannot read image
 *           status, so an image counts as ready once its PUT succeeded; one
 *           short wait (2 s) after the last upload gives LinkedIn a moment.
 *   video   POST /rest/videos?action=initializeUpload (fileSizeBytes) ->
 *           uploadInstructions + video URN + uploadToken; PUT each part's
 *           byte range, keeping the ETag answers; POST
 *           /rest/videos?action=finalizeUpload; poll GET /rest/videos/{urn}
 *           until AVAILABLE; then POST /rest/posts with content.media.
 * The post's URN comes in the x-restli-id header of the 201; the public link
 * is https://www.linkedin.com/feed/update/{urn}/.
 *
 * Every /rest call carries Authorization: Bearer, LinkedIn-Version
 * (job->pc->version) and X-Restli-Protocol-Version: 2.0.0.  Upload URLs
 * are LinkedIn's own (www.linkedin.com/dms-uploads) and get the Bearer token
 * too (image uploads need it; video part URLs are pre-signed and ignore it).
 *
 * job->state (resumable; the executor persists it after every step):
 *   sig       kind and media ids the state belongs to (a different target starts over)
 *   attempt   attempt_started_ms the counters below belong to
 *   polls, restarts   video status polls, upload restarts (per attempt, bounded)
 *   pending   the request in flight ("image_init", "image_put", "video_init",
 *             "video_part", "video_finalize", "video_status", "post", "lookup")
 *   index     the image or video part that request is about
 *   images    [{urn, url, exp, done}] one per image, in order
 *   settled   1 once the short wait after the last image upload was made
 *   video     {urn, token, exp, parts: [{url, first, last, etag?}],
 *              finalize: 0 not sent | 1 sent, outcome unknown | 2 accepted,
 *              available}
 *   post      the post URN once created
 *
 * Commentary is LinkedIn "little text": the reserved characters are
 * backslash-escaped so that brackets, underscores and the like show as typed
 * (an unescaped bracket cuts the post there).  '#' is left alone so that
 * hashtags stay hashtags.
 */
#define _POSIX_C_SOURCE 200809L
#include "platform/publish.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LI_PERSON       "urn:li:person:"
#define LI_FEED_URL     "https://www.linkedin.com/feed/update/%s/"
#define DAY_MS          86400000LL
#define CLOCK_SLACK_MS  60000LL /* reconcile: posts this much older than the attempt count */
#define URL_MARGIN_MS   60000LL /* an upload URL this close to its expiry is not used */
#define MAX_POLLS       60      /* video status polls per attempt (about half an hour) */
#define MAX_RESTARTS    3       /* fresh uploads after an upload URL was refused, per attempt */
#define FINDER_COUNT    100     /* posts per finder page (LinkedIn's largest) */
#define FINDER_PAGES    10      /* pages read at most before "cannot tell" */
#define FIRST_POLL_MS   2000
#define IMAGE_SETTLE_MS 2000 /* after the last image upload, before the post */

/* Characters "little text" reserves (PLATFORMS.md §3), except '#' (hashtags). */
static const char LITTLE_RESERVED[] = "\\|{}@[]()<>*_~";

/* ---- small helpers ---- */

/* text with the little-text reserved characters backslash-escaped (malloc'd, NULL on OOM). */
static char *little_text(const char *text)
{
    const char *t = text != NULL ? text : "";
    size_t n = strlen(t), k = 0;
    char *o = malloc(2 * n + 1);
    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (strchr(LITTLE_RESERVED, t[i]) != NULL)
            o[k++] = '\\';
        o[k++] = t[i];
    }
    o[k] = '\0';
    return o;
}

/* 1 if commentary, with its backslash escapes removed, equals text. */
static int same_unescaped(const char *commentary, const char *text)
{
    const char *c = commentary, *t = text;
    while (*c != '\0') {
        if (*c == '\\' && c[1] != '\0')
            c++;
        if (*c != *t)
            return 0;
        c++;
        t++;
    }
    return *t == '\0';
}

/* Case-insensitive substring test (ASCII). */
static int contains_ci(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (const char *p = hay != NULL ? hay : ""; *p != '\0'; p++) {
        size_t i = 0;
        while (i < nl && p[i] != '\0' &&
               tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == nl)
            return 1;
    }
    return 0;
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t jint(const json_t *o, const char *key, int64_t dflt)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    json_object_set_new(o, key, json_string(v != NULL ? v : ""));
}

static void set_int(json_t *o, const char *key, int64_t v)
{
    json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* The member URN to post as: the stored account id (urn:li:person:..., or a bare id). */
static void author_urn(const pub_job *job, char *out, size_t outlen)
{
    const char *id = job->account_remote_id != NULL ? job->account_remote_id : "";
    if (strncmp(id, "urn:li:", 7) == 0)
        snprintf(out, outlen, "%s", id);
    else if (plat_id_ok(id, 100))
        snprintf(out, outlen, LI_PERSON "%s", id);
    else
        out[0] = '\0';
}

static int is_kind(const pub_job *job, const char *kind)
{
    return job->kind != NULL && strcmp(job->kind, kind) == 0;
}

/* ---- errors ---- */

/* 429: Retry-After, else the next midnight UTC (LinkedIn's daily limits reset then). */
static pub_step rate_limited(pub_job *job, const plat_response *r, const char *what)
{
    const char *ra = r->header != NULL ? r->header(r, "retry-after") : NULL;
    int64_t at = 0;
    if (ra != NULL && *ra != '\0' && strspn(ra, "0123456789") == strlen(ra) && strlen(ra) < 12)
        at = job->now_ms + strtoll(ra, NULL, 10) * 1000;
    if (at <= job->now_ms)
        at = (job->now_ms / DAY_MS + 1) * DAY_MS;
    pub_fail(job, PERR_RATE_LIMITED, 429, "rate_limited",
             "%s: LinkedIn's rate limit was reached; publishing waits until it resets", what);
    job->err.retry_at_ms = at;
    return PUB_FAIL;
}

/*
 * A /rest answer that is not 2xx, in LinkedIn's envelope
 * {"status","serviceErrorCode","code","message"}.
 */
static pub_step fail_li(pub_job *job, const plat_response *r, const char *what)
{
    if (r->status == 0)
        return pub_fail_generic(job, r, what);
    if (r->status == 429)
        return rate_limited(job, r, what);
    json_t *j = pub_json(r);
    int64_t service = jint(j, "serviceErrorCode", 0);
    const char *code = jstr(j, "code"), *msg = jstr(j, "message");
    char cbuf[64], mbuf[240];
    if (service > 0)
        snprintf(cbuf, sizeof cbuf, "%lld", (long long)service);
    else if (code != NULL && *code != '\0')
        snprintf(cbuf, sizeof cbuf, "%.60s", code);
    else
        snprintf(cbuf, sizeof cbuf, "http_%d", r->status);
    plat_copy_text(mbuf, sizeof mbuf, msg != NULL && *msg != '\0' ? msg : "no reason given");
    int st = r->status;
    pub_step s = PUB_FAIL;
    if (service == 65601)
        pub_fail(job, PERR_REVOKED, st, cbuf,
                 "%s: the member withdrew this app's access on LinkedIn; reconnect the account",
                 what);
    else if (service == 65600 || service == 65602 || service == 65604 || st == 401)
        pub_fail(job, PERR_TOKEN_EXPIRED, st, cbuf,
                 "%s: LinkedIn no longer accepts the access token (%s); the account may need "
                 "to be reconnected",
                 what,
                 service == 65602   ? "it has expired"
                 : service == 65600 ? "it is invalid"
                                    : mbuf);
    else if (st >= 500 || contains_ci(msg, "Unable to obtain activity") ||
             contains_ci(msg, "Service Unavailable") || contains_ci(msg, "resource is forbidden"))
        /* Postiz retries these three messages whatever the status (PLATFORMS.md §3). */
        pub_fail(job, PERR_TRANSIENT, st, cbuf,
                 "%s: LinkedIn had a problem (HTTP %d: %s); it will be tried again", what, st,
                 mbuf);
    else if (st == 422 && contains_ci(msg, "duplicate"))
        pub_fail(job, PERR_PERMANENT, st, cbuf,
                 "LinkedIn refused the post as a duplicate of one already published (%s)", mbuf);
    else if (st == 403)
        pub_fail(job, PERR_PERMANENT, st, cbuf,
                 "%s: LinkedIn refused: this app lacks the permission for it (%s)", what, mbuf);
    else if (st == 426)
        pub_fail(job, PERR_PERMANENT, st, cbuf,
                 "%s: LinkedIn no longer serves API version %s; the administrator should set a "
                 "current LinkedIn version",
                 what, job->pc != NULL ? job->pc->version : "");
    else if (st == 404)
        pub_fail(job, PERR_PERMANENT, st, cbuf, "%s: LinkedIn does not know it (%s)", what, mbuf);
    else
        pub_fail(job, PERR_INVALID, st, cbuf, "%s: LinkedIn refused it (HTTP %d: %s)", what, st,
                 mbuf);
    json_decref(j);
    return s;
}

static int is_2xx(const plat_response *r)
{
    return r->status >= 200 && r->status < 300;
}

/* An upload answer a fresh upload may cure: a 4xx other than 401 and 429 (URL expired or used). */
static int upload_refused(const plat_response *r)
{
    return r->status >= 400 && r->status < 500 && r->status != 401 && r->status != 429;
}

/* ---- state ---- */

static json_t *state_obj(pub_job *job, const char *key, int array)
{
    json_t *v = json_object_get(job->state, key);
    if (array ? !json_is_array(v) : !json_is_object(v)) {
        v = array ? json_array() : json_object();
        json_object_set_new(job->state, key, v);
    }
    return v;
}

static void set_pending(pub_job *job, const char *what, int64_t index)
{
    pub_state_set_str(job, "pending", what);
    pub_state_set_int(job, "index", index);
}

/* Start over when the state belongs to another kind or other media; reset per-attempt counters. */
static void state_prepare(pub_job *job)
{
    if (!json_is_object(job->state)) {
        json_decref(job->state);
        job->state = json_object();
    }
    char sig[1024];
    size_t k = (size_t)snprintf(sig, sizeof sig, "%.60s:", job->kind != NULL ? job->kind : "");
    for (size_t i = 0; i < job->nmedia && job->media != NULL && k < sizeof sig; i++)
        k += (size_t)snprintf(sig + k, sizeof sig - k, "%s%lld", i > 0 ? "," : "",
                              (long long)job->media[i].id);
    const char *had = pub_state_str(job, "sig");
    if (had == NULL || strcmp(had, sig) != 0) {
        json_object_clear(job->state);
        pub_state_set_str(job, "sig", sig);
    }
    if (pub_state_int(job, "attempt", -1) != job->attempt_started_ms) {
        pub_state_set_int(job, "attempt", job->attempt_started_ms);
        pub_state_set_int(job, "polls", 0);
        pub_state_set_int(job, "restarts", 0);
    }
}

/* Count one more fresh upload; 0, or -1 (failed) when there were too many this attempt. */
static int count_restart(pub_job *job, const plat_response *r, const char *what)
{
    int64_t n = pub_state_int(job, "restarts", 0) + 1;
    pub_state_set_int(job, "restarts", n);
    if (n <= MAX_RESTARTS)
        return 0;
    json_t *j = pub_json(r);
    char mbuf[240];
    plat_copy_text(mbuf, sizeof mbuf,
                   jstr(j, "message") != NULL ? jstr(j, "message") : "no reason given");
    json_decref(j);
    pub_fail(job, PERR_TRANSIENT, r->status, "upload_refused",
             "%s: LinkedIn kept refusing the upload (HTTP %d: %s)", what, r->status, mbuf);
    return -1;
}

/* ---- requests ---- */

static void rest_headers(pub_job *job)
{
    pub_req_header(job, "Authorization: Bearer %s", job->access_token);
    pub_req_header(job, "LinkedIn-Version: %s", job->pc->version);
    pub_req_header(job, "X-Restli-Protocol-Version: 2.0.0");
}

static pub_step request_json(pub_job *job, const char *method, const char *path, json_t *body)
{
    pub_req(job, method, "%s%s", job->pc->api_url, path);
    rest_headers(job);
    if (body != NULL) {
        pub_req_json(job, body);
        json_decref(body);
    }
    return PUB_REQUEST;
}

static pub_step finder_request(pub_job *job)
{
    char author[256], enc[800], path[1024];
    author_urn(job, author, sizeof author);
    plat_urlenc(author, enc, sizeof enc);
    int64_t start = pub_state_int(job, "rc_start", 0);
    snprintf(path, sizeof path,
             "/rest/posts?author=%s&q=author&count=%d&start=%lld&sortBy=LAST_MODIFIED", enc,
             FINDER_COUNT, (long long)start);
    return request_json(job, "GET", path, NULL);
}

static pub_step done(pub_job *job, const char *urn)
{
    char url[PLAT_URL_MAX];
    snprintf(url, sizeof url, LI_FEED_URL, urn);
    pub_state_set_str(job, "post", urn);
    set_pending(job, "", 0);
    return pub_done(job, urn, url);
}

/* ---- images ---- */

static pub_step image_init(pub_job *job, size_t i)
{
    char author[256];
    author_urn(job, author, sizeof author);
    set_pending(job, "image_init", (int64_t)i);
    return request_json(job, "POST", "/rest/images?action=initializeUpload",
                        json_pack("{s:{s:s}}", "initializeUploadRequest", "owner", author));
}

static pub_step image_put(pub_job *job, size_t i, const json_t *img)
{
    const pub_media *m = &job->media[i];
    set_pending(job, "image_put", (int64_t)i);
    pub_req(job, "PUT", "%s", jstr(img, "url"));
    pub_req_header(job, "Authorization: Bearer %s", job->access_token);
    pub_req_stream(job, (int)i, 0, m->size,
                   m->mime != NULL && *m->mime != '\0' ? m->mime : "application/octet-stream");
    return PUB_REQUEST;
}

static pub_step on_image_init(pub_job *job, const plat_response *r, size_t i)
{
    char what[96];
    snprintf(what, sizeof what, "Starting the upload of image %zu of %zu", i + 1, job->nmedia);
    if (!is_2xx(r))
        return fail_li(job, r, what);
    json_t *j = pub_json(r);
    json_t *v = json_object_get(j, "value");
    const char *url = jstr(v, "uploadUrl"), *urn = jstr(v, "image");
    if (url == NULL || urn == NULL || strlen(url) >= PLAT_URL_MAX || strlen(urn) >= 120 ||
        strncmp(urn, "urn:li:image:", 13) != 0) {
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, r->status, "bad_response",
                        "%s: LinkedIn's answer has no usable upload address", what);
    }
    json_t *img = json_pack("{s:s, s:s, s:I, s:b}", "urn", urn, "url", url, "exp",
                            (json_int_t)jint(v, "uploadUrlExpiresAt", 0), "done", 0);
    json_array_set_new(state_obj(job, "images", 1), i, img);
    json_decref(j);
    return 0;
}

static pub_step on_image_put(pub_job *job, const plat_response *r, size_t i)
{
    char what[96];
    snprintf(what, sizeof what, "Uploading image %zu of %zu", i + 1, job->nmedia);
    json_t *images = state_obj(job, "images", 1);
    if (is_2xx(r)) {
        json_object_set_new(json_array_get(images, i), "done", json_true());
        return 0;
    }
    if (upload_refused(r)) {
        /* The upload URL expired or was used already (a PUT resent after a crash): start
         * this image over with a fresh one. */
        if (count_restart(job, r, what) != 0)
            return PUB_FAIL;
        json_array_set_new(images, i, json_object());
        return 0;
    }
    return fail_li(job, r, what);
}

/* The next image step, or 0 when every image is uploaded. */
static pub_step next_image(pub_job *job)
{
    json_t *images = state_obj(job, "images", 1);
    while (json_array_size(images) < job->nmedia)
        json_array_append_new(images, json_object());
    for (size_t i = 0; i < job->nmedia; i++) {
        json_t *img = json_array_get(images, i);
        if (json_is_true(json_object_get(img, "done")) && jstr(img, "urn") != NULL)
            continue;
        int64_t exp = jint(img, "exp", 0);
        if (jstr(img, "urn") == NULL || jstr(img, "url") == NULL ||
            (exp > 0 && exp - URL_MARGIN_MS <= job->now_ms))
            return image_init(job, i);
        return image_put(job, i, img);
    }
    if (pub_state_int(job, "settled", 0) == 0) {
        /* A member token cannot read image status: give LinkedIn a moment, as Postiz does. */
        pub_state_set_int(job, "settled", 1);
        return pub_wait(job, IMAGE_SETTLE_MS);
    }
    return 0;
}

/* ---- video ---- */

static pub_step video_init(pub_job *job)
{
    char author[256];
    author_urn(job, author, sizeof author);
    json_object_del(job->state, "video");
    set_pending(job, "video_init", 0);
    return request_json(job, "POST", "/rest/videos?action=initializeUpload",
                        json_pack("{s:{s:s, s:I, s:b, s:b}}", "initializeUploadRequest", "owner",
                                  author, "fileSizeBytes", (json_int_t)job->media[0].size,
                                  "uploadCaptions", 0, "uploadThumbnail", 0));
}

static pub_step video_status(pub_job *job, const json_t *v)
{
    char enc[400], path[512];
    plat_urlenc(jstr(v, "urn"), enc, sizeof enc);
    snprintf(path, sizeof path, "/rest/videos/%s", enc);
    set_pending(job, "video_status", 0);
    return request_json(job, "GET", path, NULL);
}

static pub_step video_finalize(pub_job *job, json_t *v)
{
    json_t *etags = json_array(), *part;
    size_t i;
    json_array_foreach(json_object_get(v, "parts"), i, part)
        json_array_append_new(etags, json_string(jstr(part, "etag")));
    set_int(v, "finalize", 1);
    set_pending(job, "video_finalize", 0);
    return request_json(job, "POST", "/rest/videos?action=finalizeUpload",
                        json_pack("{s:{s:s, s:s, s:o}}", "finalizeUploadRequest", "video",
                                  jstr(v, "urn"), "uploadToken",
                                  jstr(v, "token") != NULL ? jstr(v, "token") : "",
                                  "uploadedPartIds", etags));
}

static pub_step video_part(pub_job *job, size_t i, const json_t *part)
{
    int64_t first = jint(part, "first", 0), last = jint(part, "last", -1);
    set_pending(job, "video_part", (int64_t)i);
    pub_req(job, "PUT", "%s", jstr(part, "url"));
    pub_req_header(job, "Authorization: Bearer %s", job->access_token);
    pub_req_stream(job, 0, first, last - first + 1, "application/octet-stream");
    return PUB_REQUEST;
}

/* Read uploadInstructions: contiguous ranges covering [0, size); 0 or -1. */
static int read_parts(const json_t *instr, int64_t size, json_t *parts)
{
    int64_t expect = 0;
    size_t i;
    json_t *in;
    if (!json_is_array(instr) || json_array_size(instr) == 0)
        return -1;
    json_array_foreach(instr, i, in)
    {
        const char *url = jstr(in, "uploadUrl");
        int64_t first = jint(in, "firstByte", -1), last = jint(in, "lastByte", -1);
        if (url == NULL || strlen(url) >= PLAT_URL_MAX || first != expect || last < first ||
            last >= size)
            return -1;
        json_array_append_new(parts, json_pack("{s:s, s:I, s:I}", "url", url, "first",
                                               (json_int_t)first, "last", (json_int_t)last));
        expect = last + 1;
    }
    return expect == size ? 0 : -1;
}

static pub_step on_video_init(pub_job *job, const plat_response *r)
{
    const char *what = "Starting the video upload";
    if (!is_2xx(r))
        return fail_li(job, r, what);
    json_t *j = pub_json(r);
    json_t *val = json_object_get(j, "value");
    const char *urn = jstr(val, "video");
    json_t *parts = json_array();
    if (urn == NULL || strlen(urn) >= 120 || strncmp(urn, "urn:li:video:", 13) != 0 ||
        read_parts(json_object_get(val, "uploadInstructions"), job->media[0].size, parts) != 0) {
        json_decref(parts);
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, r->status, "bad_response",
                        "%s: LinkedIn's answer has no usable upload instructions", what);
    }
    const char *token = jstr(val, "uploadToken");
    json_t *v =
        json_pack("{s:s, s:s, s:I, s:o, s:i, s:b}", "urn", urn, "token", token != NULL ? token : "",
                  "exp", (json_int_t)jint(val, "uploadUrlsExpireAt", 0), "parts", parts, "finalize",
                  0, "available", 0);
    json_object_set_new(job->state, "video", v);
    json_decref(j);
    return 0;
}

static pub_step on_video_part(pub_job *job, const plat_response *r, size_t i)
{
    json_t *v = state_obj(job, "video", 0);
    json_t *parts = json_object_get(v, "parts");
    char what[96];
    snprintf(what, sizeof what, "Uploading part %zu of %zu of the video", i + 1,
             json_array_size(parts));
    if (is_2xx(r)) {
        const char *etag = r->header != NULL ? r->header(r, "etag") : NULL;
        if (etag == NULL || *etag == '\0' || strlen(etag) > 500)
            return pub_fail(job, PERR_TRANSIENT, r->status, "no_etag",
                            "%s: LinkedIn did not confirm the part (no ETag)", what);
        set_str(json_array_get(parts, i), "etag", etag);
        return 0;
    }
    if (upload_refused(r)) {
        if (count_restart(job, r, what) != 0)
            return PUB_FAIL;
        json_object_del(job->state, "video");
        return 0;
    }
    return fail_li(job, r, what);
}

static pub_step on_video_finalize(pub_job *job, const plat_response *r)
{
    if (!is_2xx(r))
        return fail_li(job, r, "Finishing the video upload");
    json_t *v = state_obj(job, "video", 0);
    set_int(v, "finalize", 2);
    set_pending(job, "", 0);
    return pub_wait(job, FIRST_POLL_MS);
}

/* Wait before the next status poll: 2 s, 5 s, 10 s, 20 s, then every 30 s. */
static int64_t poll_backoff(int64_t polls)
{
    static const int64_t steps[] = {2000, 5000, 10000, 20000};
    return polls >= 1 && polls <= 4 ? steps[polls - 1] : 30000;
}

static pub_step on_video_status(pub_job *job, const plat_response *r)
{
    const char *what = "Checking the video on LinkedIn";
    json_t *v = state_obj(job, "video", 0);
    if (r->status == 404) {
        /* The video is gone (expired before it was finalized): upload it again. */
        if (count_restart(job, r, what) != 0)
            return PUB_FAIL;
        json_object_del(job->state, "video");
        return 0;
    }
    if (!is_2xx(r))
        return fail_li(job, r, what);
    json_t *j = pub_json(r);
    const char *status = jstr(j, "status");
    char sbuf[32], reason[240];
    plat_copy_text(sbuf, sizeof sbuf, status != NULL ? status : "");
    plat_copy_text(reason, sizeof reason,
                   jstr(j, "processingFailureReason") != NULL ? jstr(j, "processingFailureReason")
                                                              : "no reason given");
    json_decref(j);
    if (strcmp(sbuf, "AVAILABLE") == 0) {
        json_object_set_new(v, "available", json_true());
        set_int(v, "finalize", 2);
        return 0;
    }
    if (strcmp(sbuf, "PROCESSING_FAILED") == 0) {
        /* A retry must upload the video again: this URN will never be usable. */
        json_object_del(job->state, "video");
        set_pending(job, "", 0);
        return pub_fail(job, PERR_PERMANENT, r->status, "PROCESSING_FAILED",
                        "LinkedIn could not process the video: %s", reason);
    }
    if (strcmp(sbuf, "WAITING_UPLOAD") == 0 && jint(v, "finalize", 0) != 2)
        /* The finalize request's outcome was lost and LinkedIn is still waiting for it. */
        return video_finalize(job, v);
    if (strcmp(sbuf, "WAITING_UPLOAD") != 0)
        set_int(v, "finalize", 2);
    int64_t polls = pub_state_int(job, "polls", 0) + 1;
    pub_state_set_int(job, "polls", polls);
    set_pending(job, "", 0);
    if (polls > MAX_POLLS)
        return pub_fail(job, PERR_TRANSIENT, r->status, "still_processing",
                        "LinkedIn was still processing the video after %d checks; it will be "
                        "checked again",
                        MAX_POLLS);
    return pub_wait(job, poll_backoff(polls));
}

/* The next video step, or 0 when the video is AVAILABLE. */
static pub_step next_video(pub_job *job)
{
    json_t *v = json_object_get(job->state, "video");
    if (!json_is_object(v) || jstr(v, "urn") == NULL)
        return video_init(job);
    if (json_is_true(json_object_get(v, "available")))
        return 0;
    if (jint(v, "finalize", 0) > 0)
        return video_status(job, v); /* accepted, or sent and unknown: the status tells */
    int64_t exp = jint(v, "exp", 0);
    if (exp > 0 && exp - URL_MARGIN_MS <= job->now_ms)
        return video_init(job); /* the part URLs expired: upload again */
    json_t *parts = json_object_get(v, "parts"), *part;
    size_t i;
    json_array_foreach(parts, i, part)
    {
        if (jstr(part, "etag") == NULL)
            return video_part(job, i, part);
    }
    return video_finalize(job, v);
}

/* ---- the post ---- */

static pub_step create_post(pub_job *job)
{
    char author[256];
    author_urn(job, author, sizeof author);
    char *commentary = little_text(job->text);
    if (commentary == NULL)
        return pub_fail(job, PERR_TRANSIENT, 0, "oom", "Out of memory building the post");
    const char *vis = jstr(job->options, "visibility");
    if (vis == NULL || (strcmp(vis, "PUBLIC") != 0 && strcmp(vis, "CONNECTIONS") != 0))
        vis = "PUBLIC";
    json_t *b =
        json_pack("{s:s, s:s, s:s, s:{s:s, s:[], s:[]}, s:s, s:b}", "author", author, "commentary",
                  commentary, "visibility", vis, "distribution", "feedDistribution", "MAIN_FEED",
                  "targetEntities", "thirdPartyDistributionChannels", "lifecycleState", "PUBLISHED",
                  "isReshareDisabledByAuthor", 0);
    free(commentary);
    if (b == NULL)
        return pub_fail(job, PERR_TRANSIENT, 0, "oom", "Out of memory building the post");
    if (is_kind(job, "images")) {
        json_t *images = json_object_get(job->state, "images");
        if (job->nmedia == 1) {
            json_t *m = json_pack("{s:s}", "id", jstr(json_array_get(images, 0), "urn"));
            if (job->media[0].alt_text != NULL && *job->media[0].alt_text != '\0')
                set_str(m, "altText", job->media[0].alt_text);
            json_object_set_new(b, "content", json_pack("{s:o}", "media", m));
        } else {
            json_t *list = json_array();
            for (size_t i = 0; i < job->nmedia; i++) {
                json_t *m = json_pack("{s:s}", "id", jstr(json_array_get(images, i), "urn"));
                if (job->media[i].alt_text != NULL && *job->media[i].alt_text != '\0')
                    set_str(m, "altText", job->media[i].alt_text);
                json_array_append_new(list, m);
            }
            json_object_set_new(b, "content", json_pack("{s:{s:o}}", "multiImage", "images", list));
        }
    } else if (is_kind(job, "video")) {
        json_t *v = json_object_get(job->state, "video");
        json_object_set_new(b, "content", json_pack("{s:{s:s}}", "media", "id", jstr(v, "urn")));
    }
    set_pending(job, "post", 0);
    request_json(job, "POST", "/rest/posts", b);
    job->req.create_step = 1;
    /* when it went out: a later attempt that reconciles starts after it */
    if (pub_state_int(job, "post_sent_at", 0) == 0)
        pub_state_set_int(job, "post_sent_at", job->now_ms);
    return PUB_REQUEST;
}

/* The URN of our post among the finder's elements, or NULL. */
/* Posts made before this are not ours: the first send of the create step, with clock slack;
   without a record of it, a day back. */
static int64_t reconcile_since(const pub_job *job)
{
    int64_t sent = pub_state_int(job, "post_sent_at", 0);
    int64_t from = sent > 0 ? sent : job->attempt_started_ms - 24LL * 3600 * 1000;
    return from - CLOCK_SLACK_MS;
}

static const char *find_ours(const pub_job *job, const json_t *elements)
{
    char *want = little_text(job->text);
    const char *text = job->text != NULL ? job->text : "";
    const char *found = NULL;
    int64_t since = reconcile_since(job);
    /* The media of our post, when the state knows them. */
    const json_t *images = json_object_get(job->state, "images");
    const char *video = jstr(json_object_get(job->state, "video"), "urn");
    size_t i;
    json_t *e;
    json_array_foreach(elements, i, e)
    {
        const char *id = jstr(e, "id"), *comm = jstr(e, "commentary");
        int64_t at = jint(e, "createdAt", jint(e, "publishedAt", -1));
        if (id == NULL || comm == NULL || at < since || want == NULL)
            continue;
        if (strcmp(comm, want) != 0 && !same_unescaped(comm, text))
            continue;
        const json_t *content = json_object_get(e, "content");
        const char *one = jstr(json_object_get(content, "media"), "id");
        const json_t *multi = json_object_get(json_object_get(content, "multiImage"), "images");
        int has_media = one != NULL || json_array_size(multi) > 0;
        if (is_kind(job, "text")) {
            if (has_media)
                continue;
        } else if (is_kind(job, "video") && video != NULL) {
            if (one == NULL || strcmp(one, video) != 0)
                continue;
        } else if (is_kind(job, "images") && json_array_size(images) > 0) {
            const char *first = jstr(json_array_get(images, 0), "urn");
            const char *theirs = one != NULL ? one : jstr(json_array_get(multi, 0), "id");
            if (first == NULL || theirs == NULL || strcmp(first, theirs) != 0)
                continue;
        }
        found = id;
        break;
    }
    free(want);
    return found;
}

static pub_step on_post(pub_job *job, const plat_response *r)
{
    if (!is_2xx(r))
        return fail_li(job, r, "Publishing the post on LinkedIn");
    const char *urn = r->header != NULL ? r->header(r, "x-restli-id") : NULL;
    json_t *j = NULL;
    if (urn == NULL || *urn == '\0') {
        j = pub_json(r);
        urn = jstr(j, "id");
    }
    if (urn != NULL && *urn != '\0' && strlen(urn) < 120) {
        char copy[128];
        snprintf(copy, sizeof copy, "%s", urn);
        json_decref(j);
        return done(job, copy);
    }
    json_decref(j);
    /* Published, but LinkedIn did not say as what: look it up among the member's posts. */
    set_pending(job, "lookup", 0);
    return finder_request(job);
}

static pub_step on_lookup(pub_job *job, const plat_response *r)
{
    if (r->status != 200) /* pending stays "lookup": the next attempt looks again */
        return fail_li(job, r, "Looking for the published post on LinkedIn");
    json_t *j = pub_json(r);
    const char *id = find_ours(job, json_object_get(j, "elements"));
    if (id != NULL) {
        char copy[128];
        plat_copy_whole(copy, sizeof copy, id);
        json_decref(j);
        if (copy[0] != '\0')
            return done(job, copy);
    } else {
        json_decref(j);
    }
    /* Not retried: a new attempt would publish the post a second time. */
    set_pending(job, "", 0);
    return pub_fail(job, PERR_PERMANENT, r->status, "no_post_id",
                    "LinkedIn accepted the post but did not say which post it is; check the "
                    "member's LinkedIn feed");
}

/* ---- the state machine ---- */

/* Inputs the adapter cannot work with; NULL when fine. */
static pub_step check_input(pub_job *job)
{
    char author[256];
    if (job->pc == NULL || job->pc->api_url[0] == '\0')
        return pub_fail(job, PERR_PERMANENT, 0, "not_configured",
                        "LinkedIn is not set up on this server");
    if (job->access_token == NULL || job->access_token[0] == '\0')
        return pub_fail(job, PERR_TOKEN_EXPIRED, 0, "no_token",
                        "There is no LinkedIn access token for this account; reconnect it");
    if (strlen(job->access_token) + sizeof "Authorization: Bearer " > 512)
        return pub_fail(job, PERR_PERMANENT, 0, "token_too_long",
                        "The LinkedIn access token is longer than this server can send");
    author_urn(job, author, sizeof author);
    if (author[0] == '\0')
        return pub_fail(job, PERR_INVALID, 0, "no_author",
                        "The LinkedIn account has no member id; reconnect it");
    if (is_kind(job, "text"))
        return 0;
    if (is_kind(job, "images") || is_kind(job, "video")) {
        int video = is_kind(job, "video");
        if (job->media == NULL || job->nmedia == 0 || (video && job->nmedia != 1))
            return pub_fail(job, PERR_INVALID, 0, "media",
                            video ? "A LinkedIn video post needs exactly one video"
                                  : "A LinkedIn image post needs at least one image");
        for (size_t i = 0; i < job->nmedia; i++) {
            const char *k = job->media[i].kind != NULL ? job->media[i].kind : "";
            if (strcmp(k, video ? "video" : "image") != 0 || job->media[i].size <= 0)
                return pub_fail(job, PERR_INVALID, 0, "media",
                                "Media item %zu cannot go in a LinkedIn %s post", i + 1,
                                video ? "video" : "image");
        }
        return 0;
    }
    return pub_fail(job, PERR_INVALID, 0, "kind", "LinkedIn has no post kind \"%.40s\"",
                    job->kind != NULL ? job->kind : "");
}

/* Handle the answer to the pending request: 0 to go on with the next step. */
static pub_step on_answer(pub_job *job, const plat_response *r)
{
    char pending[32];
    plat_copy_text(pending, sizeof pending,
                   pub_state_str(job, "pending") != NULL ? pub_state_str(job, "pending") : "");
    int64_t index = pub_state_int(job, "index", 0);
    size_t i = index >= 0 ? (size_t)index : 0;
    int media_ok = i < job->nmedia;
    if (strcmp(pending, "post") == 0)
        return on_post(job, r);
    if (strcmp(pending, "lookup") == 0)
        return on_lookup(job, r);
    if (strcmp(pending, "image_init") == 0 && media_ok)
        return on_image_init(job, r, i);
    if (strcmp(pending, "image_put") == 0 && media_ok)
        return on_image_put(job, r, i);
    if (strcmp(pending, "video_init") == 0)
        return on_video_init(job, r);
    if (strcmp(pending, "video_part") == 0 &&
        i < json_array_size(json_object_get(json_object_get(job->state, "video"), "parts")))
        return on_video_part(job, r, i);
    if (strcmp(pending, "video_finalize") == 0)
        return on_video_finalize(job, r);
    if (strcmp(pending, "video_status") == 0)
        return on_video_status(job, r);
    return 0; /* an answer to nothing we know: carry on from the state */
}

static pub_step publish(pub_job *job, const plat_response *last)
{
    pub_req_reset(job);
    job->wait_ms = 0;
    if (!json_is_object(job->state)) {
        json_decref(job->state);
        job->state = json_object();
    }
    pub_step s = check_input(job);
    if (s != 0)
        return s;
    state_prepare(job);
    const char *post = pub_state_str(job, "post");
    if (post != NULL && *post != '\0') {
        char copy[128];
        plat_copy_whole(copy, sizeof copy, post);
        return done(job, copy);
    }
    if (last != NULL) {
        s = on_answer(job, last);
        if (s != 0)
            return s;
    } else if (strcmp(pub_state_str(job, "pending") != NULL ? pub_state_str(job, "pending") : "",
                      "lookup") == 0) {
        /* The post went out but its id was not read: never publish it again. */
        return finder_request(job);
    }
    set_pending(job, "", 0);
    if (is_kind(job, "images") && (s = next_image(job)) != 0)
        return s;
    if (is_kind(job, "video") && (s = next_video(job)) != 0)
        return s;
    return create_post(job);
}

/* ---- reconcile ---- */

static pub_step reconcile(pub_job *job, const plat_response *last)
{
    pub_req_reset(job);
    if (!json_is_object(job->state)) {
        json_decref(job->state);
        job->state = json_object();
    }
    if (last == NULL) {
        char author[256];
        author_urn(job, author, sizeof author);
        if (job->pc == NULL || author[0] == '\0' || job->access_token == NULL)
            return pub_fail(job, PERR_PERMANENT, 0, "no_author",
                            "Cannot look for the post: the LinkedIn account is incomplete");
        return finder_request(job);
    }
    if (last->status != 200)
        return fail_li(job, last, "Looking for the post on LinkedIn");
    json_t *j = pub_json(last);
    json_t *elements = json_object_get(j, "elements");
    if (!json_is_array(elements)) {
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, last->status, "bad_response",
                        "Looking for the post on LinkedIn: the list of posts could not be read");
    }
    const char *id = find_ours(job, elements);
    char copy[128] = "";
    if (id != NULL)
        plat_copy_whole(copy, sizeof copy, id);
    /* Not on this page: it is surely not there when the list ended or went past the time the
       post was sent; otherwise read on (newest first) a few pages, then give up telling. */
    size_t n = json_array_size(elements);
    int64_t oldest = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(elements, i);
        int64_t at = jint(e, "createdAt", jint(e, "publishedAt", INT64_MAX));
        if (at < oldest)
            oldest = at;
    }
    json_decref(j);
    if (copy[0] != '\0') {
        json_object_del(job->state, "rc_start");
        return done(job, copy);
    }
    int64_t start = pub_state_int(job, "rc_start", 0);
    if (n < FINDER_COUNT || oldest < reconcile_since(job)) {
        json_object_del(job->state, "rc_start");
        return pub_done(job, "", "");
    }
    if (start / FINDER_COUNT + 1 >= FINDER_PAGES) {
        json_object_del(job->state, "rc_start");
        return pub_fail(job, PERR_TRANSIENT, 0, "too_many_posts",
                        "Looking for the post on LinkedIn: the account has posted too much since "
                        "this post was sent to tell whether it went out");
    }
    pub_state_set_int(job, "rc_start", start + FINDER_COUNT);
    return finder_request(job);
}

const pub_ops pub_linkedin = {"linkedin", publish, reconcile};
