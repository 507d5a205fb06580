/*
 * pub_youtube.c - publishing to YouTube (Data API v3, PLATFORMS.md section 4):
 * one resumable upload per target, then processing polls.
 *
 *   kinds "video" and "short": the same upload.  YouTube has no flag for
 *   Shorts; it classifies a vertical or square video of at most 3 minutes
 *   by itself (the composer's youtube_short fit already checked that).  No
 *   "#Shorts" is added: PLATFORMS.md calls it optional and unconfirmed, the
 *   composer counted the title (100 characters) and description (5000
 *   bytes) without it, and reconcile matches the title as the user wrote
 *   it.  The only difference is the link: /shorts/{id} instead of
 *   /watch?v={id}.
 *
 *   1. POST {upload}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status
 *      with the metadata, X-Upload-Content-Length and X-Upload-Content-Type
 *      -> 200 with the session URI in Location (kept in job->state).
 *   2. PUT {session} chunks of 8 MiB (a multiple of 256 KiB; the last one
 *      shorter) streamed from the media item, Content-Range: bytes a-b/N
 *      -> 308 Resume Incomplete with Range: bytes=0-E (what is committed),
 *      or, after the final chunk, 200/201 with the video resource.  The
 *      final chunk is the create step: it is the request that makes the
 *      video exist.
 *   3. Resuming (a new attempt, or after 409): PUT {session} with
 *      Content-Range: bytes * /N and no body -> 308 + Range (go on from
 *      there) or 200/201 (the upload had finished: the video's id is in the
 *      answer).  404/410 = the session expired: a new session (reconcile
 *      already ran if a final chunk's outcome was lost).
 *   4. GET {api}/youtube/v3/videos?part=status,processingDetails&id= until
 *      processingStatus is succeeded; failed / terminated, or uploadStatus
 *      failed / rejected / deleted, fail for good with YouTube's reason in
 *      plain words; while processing, wait timeLeftMs (2 s to 30 s).
 *
 * Reconcile: when the session is known, probing it says for certain
 * whether the upload finished (200/201 with the id) or not (308).  Else,
 * or when it expired, list the channel's uploads playlist
 * (channels?part=contentDetails&mine=true, then playlistItems: 1 quota unit
 * each, where search?forMine=true costs 100) and match the title published
 * at or after the attempt's start minus a minute.
 *
 * Errors: Google's envelope {"error":{"code","message","errors":[{"reason",
 * "domain"}]}}; quotaExceeded lasts until the next midnight Pacific time,
 * computed from the US rule (tz_load_posix, which reads no file).
 *
 * job->state: media, total, session, committed, video (id), pending (the
 * request in flight), polls/missing/restarts/stalls (per attempt), uploads
 * (the uploads playlist id), rpending/rpage/rtoken (reconcile).
 */
#include "platform/publish.h"

#include "core/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YT_CHUNK       (8LL * 1024 * 1024) /* 32 x 256 KiB */
#define YT_POLL_MAX    240                 /* processing checks per attempt (<= 2 h at 30 s) */
#define YT_POLL_MIN_MS 2000LL
#define YT_POLL_CAP_MS 30000LL
#define YT_MISSING_MAX 5 /* checks that do not find the video before giving up */
#define YT_MISSING_MS  5000LL
#define YT_RESTARTS    3 /* new sessions after an expired one, per attempt */
#define YT_STALLS      3 /* answers without progress, per attempt */
#define YT_SLACK_MS    60000LL
#define YT_LIST_MAX    10
#define YT_LIST_PAGES  5
#define YT_PACIFIC     "PST8PDT,M3.2.0,M11.1.0" /* America/Los_Angeles since 2007 */

/* ---- small helpers ---- */

static const char *ver(const pub_job *job)
{
    return job->pc->version[0] != '\0' ? job->pc->version : "v3";
}

static const char *upload_base(const pub_job *job)
{
    return job->pc->upload_url[0] != '\0' ? job->pc->upload_url : job->pc->api_url;
}

static void auth(pub_job *job)
{
    pub_req_header(job, "Authorization: Bearer %s",
                   job->access_token != NULL ? job->access_token : "");
}

static const char *opt_str(const pub_job *job, const char *key)
{
    return json_string_value(json_object_get(job->options, key));
}

static void state_del(pub_job *job, const char *key)
{
    json_object_del(job->state, key);
}

/* Copy a state string (the state may change under a borrowed pointer). */
static void state_copy(const pub_job *job, const char *key, char *out, size_t n)
{
    const char *v = pub_state_str(job, key);
    snprintf(out, n, "%s", v != NULL ? v : "");
}

static void remote_url(const pub_job *job, const char *id, char *out, size_t n)
{
    if (job->kind != NULL && strcmp(job->kind, "short") == 0)
        snprintf(out, n, "https://www.youtube.com/shorts/%s", id);
    else
        snprintf(out, n, "https://www.youtube.com/watch?v=%s", id);
}

static pub_step done(pub_job *job, const char *id)
{
    char url[PLAT_URL_MAX];
    remote_url(job, id, url, sizeof url);
    return pub_done(job, id, url);
}

/* A number that may come as a JSON integer, real or string of digits; -1 if none. */
static int64_t num_of(const json_t *v)
{
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v))
        return json_real_value(v) >= 0 && json_real_value(v) < 1e15 ? (int64_t)json_real_value(v)
                                                                    : -1;
    const char *s = json_string_value(v);
    if (s == NULL || *s == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 15)
        return -1;
    return strtoll(s, NULL, 10);
}

/* Seconds of Retry-After (delta form) as an instant; 0 when absent. */
static int64_t retry_after(const pub_job *job, const plat_response *r)
{
    const char *ra = r->header != NULL ? r->header(r, "retry-after") : NULL;
    if (ra == NULL || *ra == '\0' || strspn(ra, "0123456789") != strlen(ra) || strlen(ra) > 9)
        return 0;
    return job->now_ms + strtoll(ra, NULL, 10) * 1000;
}

/*
 * The next midnight in America/Los_Angeles after now_ms, when YouTube
 * quotas renew.  Computed from the US rule (second Sunday of March to the
 * first Sunday of November) so no tzdata file is read; falls back to
 * midnight at UTC-8 if the zone cannot be made.
 */
static int64_t next_pacific_midnight(int64_t now_ms)
{
    tz_zone *z = tz_load_posix(YT_PACIFIC, NULL, 0);
    if (z != NULL) {
        tz_local l;
        tz_utc_to_local(z, now_ms, &l);
        int64_t y = 0, at = 0;
        int m = 0, d = 0;
        tz_civil_from_days(tz_days_from_civil(l.year, l.month, l.day) + 1, &y, &m, &d);
        app_err e = y >= 1 && y <= 9999 ? tz_day_start(z, (int)y, m, d, &at) : APP_EINVAL;
        tz_free(z);
        if (e == APP_OK && at > now_ms)
            return at;
    }
    const int64_t day = 86400000LL, off = 8 * 3600000LL;
    int64_t local = now_ms - off;
    int64_t days = local >= 0 ? local / day : (local - day + 1) / day;
    return (days + 1) * day + off;
}

/* ---- errors ---- */

typedef struct g_reason {
    const char *reason;
    const char *words;
} g_reason;

/* Reasons no retry can fix, in plain words. */
static const g_reason permanent_reasons[] = {
    {"invalidTitle", "the title is empty, longer than 100 characters or contains < or >"},
    {"invalidDescription", "the description is too long or contains < or >"},
    {"invalidTags", "the tags are too long together or contain < or >"},
    {"invalidCategoryId", "the category is not one videos can be put in"},
    {"invalidPublishAt", "the scheduled publishing time is invalid"},
    {"invalidVideoMetadata", "the video's details are invalid"},
    {"mediaBodyRequired", "the upload carried no video"},
    {"youtubeSignupRequired", "this Google account has no YouTube channel"},
    {NULL, NULL}};

static const char *words_for(const g_reason *t, const char *reason)
{
    for (int i = 0; reason != NULL && t[i].reason != NULL; i++)
        if (strcmp(t[i].reason, reason) == 0)
            return t[i].words;
    return NULL;
}

/*
 * A YouTube answer that is not what the step wanted.  Google's envelope:
 * {"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}.
 */
static pub_step fail_api(pub_job *job, const plat_response *r, const char *what)
{
    if (r->status == 0)
        return pub_fail_generic(job, r, what);
    json_t *j = pub_json(r);
    json_t *e = json_object_get(j, "error");
    const char *reason = json_string_value(
        json_object_get(json_array_get(json_object_get(e, "errors"), 0), "reason"));
    const char *status = json_string_value(json_object_get(e, "status"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    char code[64];
    snprintf(code, sizeof code, "%s",
             reason != NULL   ? reason
             : status != NULL ? status
                              : "http_error");
    const char *words = words_for(permanent_reasons, reason);
    pub_step s;
    if (reason != NULL &&
        (strcmp(reason, "quotaExceeded") == 0 || strcmp(reason, "dailyLimitExceeded") == 0)) {
        s = pub_fail(job, PERR_RATE_LIMITED, r->status, code,
                     "%s: the daily YouTube API quota of this server's Google project is used "
                     "up; it renews at midnight Pacific time (%s)",
                     what, code);
        job->err.retry_at_ms = next_pacific_midnight(job->now_ms);
    } else if (reason != NULL && strcmp(reason, "uploadLimitExceeded") == 0) {
        s = pub_fail(job, PERR_RATE_LIMITED, r->status, code,
                     "%s: this channel has uploaded as many videos as YouTube allows for now (%s)",
                     what, code);
        int64_t at = retry_after(job, r);
        job->err.retry_at_ms = at > 0 ? at : next_pacific_midnight(job->now_ms);
    } else if (reason != NULL && (strcmp(reason, "rateLimitExceeded") == 0 ||
                                  strcmp(reason, "userRateLimitExceeded") == 0)) {
        s = pub_fail(job, PERR_RATE_LIMITED, r->status, code,
                     "%s: YouTube asks us to slow down (%s)", what, code);
        job->err.retry_at_ms = retry_after(job, r);
    } else if (r->status == 429) {
        s = pub_fail_generic(job, r, what);
    } else if (r->status == 401) {
        s = pub_fail(job, PERR_TOKEN_EXPIRED, 401, code,
                     "%s: Google no longer accepts the access token (%s)", what, code);
    } else if (r->status >= 500 || (reason != NULL && (strcmp(reason, "backendError") == 0 ||
                                                       strcmp(reason, "internalError") == 0))) {
        s = pub_fail(job, PERR_TRANSIENT, r->status, code,
                     "%s: YouTube had a problem (HTTP %d, %s); try again", what, r->status, code);
    } else if (words != NULL) {
        s = pub_fail(job, PERR_PERMANENT, r->status, code, "YouTube refused the video: %s (%s)",
                     words, code);
    } else if (r->status == 403) {
        s = pub_fail(job, PERR_DENIED, 403, code,
                     "%s: Google refused access (%.200s); connect the channel again and allow "
                     "every permission asked",
                     what, msg != NULL ? msg : code);
    } else {
        s = pub_fail(job, PERR_INVALID, r->status, code, "%s: YouTube refused (HTTP %d: %.200s)",
                     what, r->status, msg != NULL ? msg : code);
    }
    json_decref(j);
    return s;
}

/* ---- the state ---- */

static void ensure_state(pub_job *job)
{
    if (!json_is_object(job->state)) {
        json_decref(job->state);
        job->state = json_object();
    }
}

/* Counters that bound one attempt start again on a new attempt. */
static void attempt_counters(pub_job *job)
{
    if (json_object_get(job->state, "attempt") != NULL &&
        pub_state_int(job, "attempt", 0) == job->attempt_started_ms)
        return;
    pub_state_set_int(job, "attempt", job->attempt_started_ms);
    static const char *const keys[] = {"polls", "missing", "restarts", "stalls", NULL};
    for (int i = 0; keys[i] != NULL; i++)
        state_del(job, keys[i]);
}

static void bump(pub_job *job, const char *key)
{
    pub_state_set_int(job, key, pub_state_int(job, key, 0) + 1);
}

static void forget_session(pub_job *job)
{
    state_del(job, "session");
    state_del(job, "committed");
}

/* ---- requests ---- */

/* The video of the post: the first media item of kind video; -1 if none. */
static int video_index(const pub_job *job)
{
    for (size_t i = 0; job->media != NULL && i < job->nmedia && i < 1000; i++)
        if (job->media[i].kind != NULL && strcmp(job->media[i].kind, "video") == 0)
            return (int)i;
    return -1;
}

static const char *upload_type(const pub_media *m)
{
    if (m->mime != NULL && strncmp(m->mime, "video/", 6) == 0 && strlen(m->mime) < 100)
        return m->mime;
    return "application/octet-stream";
}

/* The video resource to create: snippet and status. */
static json_t *metadata(const pub_job *job, const char *title)
{
    json_t *sn = json_object();
    json_object_set_new(sn, "title", json_string(title));
    json_object_set_new(sn, "description", json_string(job->text != NULL ? job->text : ""));
    json_t *tags = json_object_get(job->options, "tags");
    if (json_is_array(tags)) {
        json_t *list = json_array();
        size_t i;
        json_t *t;
        json_array_foreach(tags, i, t)
        {
            if (json_is_string(t) && json_string_length(t) > 0)
                json_array_append(list, t);
        }
        if (json_array_size(list) > 0)
            json_object_set_new(sn, "tags", list);
        else
            json_decref(list);
    }
    const char *cat = opt_str(job, "category_id");
    json_object_set_new(sn, "categoryId", json_string(cat != NULL && *cat != '\0' ? cat : "22"));
    const char *priv = opt_str(job, "privacy");
    if (priv == NULL || (strcmp(priv, "public") != 0 && strcmp(priv, "unlisted") != 0 &&
                         strcmp(priv, "private") != 0))
        priv = "public";
    json_t *st = json_object();
    json_object_set_new(st, "privacyStatus", json_string(priv));
    json_t *kids = json_object_get(job->options, "made_for_kids");
    if (json_is_boolean(kids))
        json_object_set_new(st, "selfDeclaredMadeForKids", json_boolean(json_is_true(kids)));
    json_t *meta = json_object();
    json_object_set_new(meta, "snippet", sn);
    json_object_set_new(meta, "status", st);
    return meta;
}

/* 1. Start a resumable session. */
static pub_step start_session(pub_job *job, int vi)
{
    const pub_media *m = &job->media[vi];
    const char *title = opt_str(job, "title");
    if (title == NULL || title[strspn(title, " \t\r\n")] == '\0')
        return pub_fail(job, PERR_INVALID, 0, "no_title", "a YouTube video needs a title");
    json_t *meta = metadata(job, title);
    char *body = json_dumps(meta, JSON_COMPACT);
    json_decref(meta);
    if (body == NULL)
        return pub_fail(job, PERR_INVALID, 0, "bad_metadata",
                        "the video's title, description or tags are not valid text");
    pub_req(job, "POST", "%s/upload/youtube/%s/videos?uploadType=resumable&part=snippet,status",
            upload_base(job), ver(job));
    auth(job);
    pub_req_header(job, "X-Upload-Content-Length: %lld", (long long)m->size);
    pub_req_header(job, "X-Upload-Content-Type: %s", upload_type(m));
    pub_req_body(job, "application/json; charset=UTF-8", body, strlen(body));
    free(body);
    forget_session(job);
    pub_state_set_int(job, "media", m->id);
    pub_state_set_int(job, "total", m->size);
    pub_state_set_str(job, "pending", "start");
    return PUB_REQUEST;
}

/* 3. Ask the session how much it has. */
static pub_step probe(pub_job *job)
{
    char session[PLAT_URL_MAX];
    state_copy(job, "session", session, sizeof session);
    pub_req(job, "PUT", "%s", session);
    auth(job);
    pub_req_header(job, "Content-Range: bytes */%lld", (long long)pub_state_int(job, "total", 0));
    pub_req_header(job, "Content-Length: 0");
    pub_state_set_str(job, "pending", "probe");
    return PUB_REQUEST;
}

/* 2. The next chunk from what the session committed; the final one creates the video. */
static pub_step send_chunk(pub_job *job, int vi)
{
    int64_t total = pub_state_int(job, "total", 0);
    int64_t from = pub_state_int(job, "committed", 0);
    if (from < 0 || from >= total)
        return probe(job);
    int64_t len = total - from < YT_CHUNK ? total - from : YT_CHUNK;
    char session[PLAT_URL_MAX];
    state_copy(job, "session", session, sizeof session);
    pub_req(job, "PUT", "%s", session);
    auth(job);
    pub_req_header(job, "Content-Range: bytes %lld-%lld/%lld", (long long)from,
                   (long long)(from + len - 1), (long long)total);
    pub_req_header(job, "Content-Length: %lld", (long long)len);
    pub_req_stream(job, vi, from, len, upload_type(&job->media[vi]));
    job->req.create_step = from + len == total;
    pub_state_set_str(job, "pending", "chunk");
    return PUB_REQUEST;
}

/* 4. Check the video's processing. */
static pub_step poll(pub_job *job)
{
    char id[128];
    state_copy(job, "video", id, sizeof id);
    pub_req(job, "GET", "%s/youtube/%s/videos?part=status,processingDetails&id=%s",
            job->pc->api_url, ver(job), id);
    auth(job);
    pub_req_header(job, "Accept: application/json");
    pub_state_set_str(job, "pending", "poll");
    return PUB_REQUEST;
}

/* ---- answers ---- */

/* What a 308 says is committed: Range: bytes=0-E -> E + 1; none -> 0. */
static int64_t committed_of(const plat_response *r)
{
    const char *range = r->header != NULL ? r->header(r, "range") : NULL;
    if (range == NULL)
        return 0;
    const char *dash = strchr(range, '-');
    if (strncmp(range, "bytes=", 6) != 0 || dash == NULL || dash[1] < '0' || dash[1] > '9')
        return 0;
    return strtoll(dash + 1, NULL, 10) + 1;
}

/* The video resource of a finished upload (or the id reconcile found). */
static const char *video_id_of(json_t *j)
{
    const char *id = json_string_value(json_object_get(j, "id"));
    return id != NULL && plat_id_ok(id, 64) ? id : NULL;
}

static pub_step got_video(pub_job *job, const plat_response *last)
{
    json_t *j = pub_json(last);
    const char *id = video_id_of(j);
    if (id == NULL) {
        json_decref(j);
        /* The session answers again with the video: the next attempt probes it. */
        return pub_fail(job, PERR_TRANSIENT, last->status, "bad_response",
                        "YouTube finished the upload but did not say the video's id; checking "
                        "again");
    }
    pub_state_set_str(job, "video", id);
    json_decref(j);
    forget_session(job);
    return poll(job);
}

/* 404/410: the session expired before the upload finished; start a new one. */
static pub_step session_expired(pub_job *job, int vi, int status)
{
    bump(job, "restarts");
    if (pub_state_int(job, "restarts", 0) > YT_RESTARTS)
        return pub_fail(job, PERR_TRANSIENT, status, "session_expired",
                        "YouTube keeps forgetting the upload session; try again later");
    forget_session(job);
    return start_session(job, vi);
}

/* 308 to a chunk or a probe: go on from what is committed. */
static pub_step resume_incomplete(pub_job *job, int vi, const plat_response *last, int after_chunk)
{
    int64_t before = pub_state_int(job, "committed", 0);
    int64_t now = committed_of(last);
    int64_t total = pub_state_int(job, "total", 0);
    if (now > total)
        now = total;
    pub_state_set_int(job, "committed", now);
    if ((after_chunk && now <= before) || now >= total) {
        bump(job, "stalls");
        if (pub_state_int(job, "stalls", 0) > YT_STALLS)
            return pub_fail(job, PERR_TRANSIENT, 308, "no_progress",
                            "YouTube is not taking the video's bytes (%lld of %lld kept); try "
                            "again later",
                            (long long)now, (long long)total);
    } else if (now > before) {
        state_del(job, "stalls");
    }
    return send_chunk(job, vi);
}

static pub_step on_start(pub_job *job, int vi, const plat_response *last)
{
    if (last->status != 200 && last->status != 201)
        return fail_api(job, last, "Starting the YouTube upload");
    const char *loc = last->header != NULL ? last->header(last, "location") : NULL;
    if (loc == NULL || (strncmp(loc, "https://", 8) != 0 && strncmp(loc, "http://", 7) != 0))
        return pub_fail(job, PERR_TRANSIENT, last->status, "no_session",
                        "YouTube did not give an address to upload the video to; try again");
    if (strlen(loc) >= PLAT_URL_MAX)
        return pub_fail(job, PERR_PERMANENT, last->status, "session_too_long",
                        "YouTube gave an upload address too long to use");
    pub_state_set_str(job, "session", loc);
    pub_state_set_int(job, "committed", 0);
    return send_chunk(job, vi);
}

static pub_step on_upload(pub_job *job, int vi, const plat_response *last, int after_chunk)
{
    if (last->status == 308)
        return resume_incomplete(job, vi, last, after_chunk);
    if (last->status == 200 || last->status == 201)
        return got_video(job, last);
    if (last->status == 404 || last->status == 410)
        return session_expired(job, vi, last->status);
    if (last->status == 409 && after_chunk)
        return probe(job); /* someone else moved the session on: ask where it is */
    return fail_api(job, last, "Uploading the video to YouTube");
}

static const g_reason failure_reasons[] = {
    {"conversion", "it could not be converted"},
    {"invalidFile", "the file is not a video YouTube can read"},
    {"emptyFile", "the file is empty"},
    {"tooSmall", "the file is too small"},
    {"codec", "it uses a codec YouTube does not support"},
    {"uploadAborted", "the upload was cut off"},
    {NULL, NULL}};

static const g_reason rejection_reasons[] = {
    {"copyright", "it infringes copyright"},
    {"inappropriate", "it breaks YouTube's community guidelines"},
    {"duplicate", "it is a duplicate of a video already uploaded"},
    {"termsOfUse", "it violates YouTube's terms of use"},
    {"uploaderAccountSuspended", "the channel is suspended"},
    {"length", "it is longer than this channel may upload"},
    {"claim", "it is subject to a copyright claim"},
    {"uploaderAccountClosed", "the channel is closed"},
    {"trademark", "it infringes a trademark"},
    {"legal", "a legal complaint was made against it"},
    {NULL, NULL}};

static const g_reason processing_reasons[] = {
    {"uploadFailed", "the upload failed"},
    {"transcodeFailed", "it could not be transcoded"},
    {"streamingFailed", "it could not be prepared for streaming"},
    {"other", "processing failed"},
    {NULL, NULL}};

/*
 * A failed upload or processing, in plain words: the more specific reason
 * (detail: status.failureReason or rejectionReason) first, with both codes.
 */
static pub_step processing_failed(pub_job *job, const char *what, const char *reason,
                                  const g_reason *table, const char *detail,
                                  const g_reason *detail_table)
{
    const char *dw = words_for(detail_table, detail);
    const char *words = dw != NULL ? dw : words_for(table, reason);
    char code[64], codes[160];
    snprintf(code, sizeof code, "%s", detail != NULL ? detail : reason != NULL ? reason : "failed");
    if (detail != NULL && reason != NULL)
        snprintf(codes, sizeof codes, "%.60s, %.60s", detail, reason);
    else
        snprintf(codes, sizeof codes, "%s", code);
    if (words != NULL)
        return pub_fail(job, PERR_PERMANENT, 200, code, "%s: %s (%s)", what, words, codes);
    return pub_fail(job, PERR_PERMANENT, 200, code, "%s (%s)", what, codes);
}

/* The wait before the next processing check: YouTube's estimate, else a growing backoff. */
static int64_t poll_wait(const pub_job *job, int64_t hint)
{
    static const int64_t steps[] = {2000, 5000, 10000, 20000, 30000};
    if (hint > 0)
        return hint < YT_POLL_MIN_MS   ? YT_POLL_MIN_MS
               : hint > YT_POLL_CAP_MS ? YT_POLL_CAP_MS
                                       : hint;
    int64_t n = pub_state_int(job, "polls", 1) - 1;
    return steps[n < 0 ? 0 : n > 4 ? 4 : n];
}

static pub_step on_poll(pub_job *job, const plat_response *last)
{
    if (last->status != 200)
        return fail_api(job, last, "Checking the YouTube video");
    json_t *j = pub_json(last);
    json_t *item = json_array_get(json_object_get(j, "items"), 0);
    char id[128];
    state_copy(job, "video", id, sizeof id);
    pub_state_set_str(job, "pending", NULL);
    if (item == NULL) {
        json_decref(j);
        bump(job, "missing");
        if (pub_state_int(job, "missing", 0) > YT_MISSING_MAX)
            return pub_fail(job, PERR_PERMANENT, 200, "video_missing",
                            "YouTube no longer lists the uploaded video %s (was it deleted?)", id);
        return pub_wait(job, YT_MISSING_MS);
    }
    json_t *st = json_object_get(item, "status"), *pd = json_object_get(item, "processingDetails");
    const char *upload = json_string_value(json_object_get(st, "uploadStatus"));
    const char *proc = json_string_value(json_object_get(pd, "processingStatus"));
    const char *failure = json_string_value(json_object_get(st, "failureReason"));
    const char *rejection = json_string_value(json_object_get(st, "rejectionReason"));
    const char *pfail = json_string_value(json_object_get(pd, "processingFailureReason"));
    int64_t hint = num_of(json_object_get(json_object_get(pd, "processingProgress"), "timeLeftMs"));
    pub_step s;
    if (upload != NULL && strcmp(upload, "rejected") == 0)
        s = processing_failed(job, "YouTube rejected the video", NULL, NULL, rejection,
                              rejection_reasons);
    else if (upload != NULL && strcmp(upload, "failed") == 0)
        s = processing_failed(job, "YouTube could not process the video", pfail, processing_reasons,
                              failure, failure_reasons);
    else if (upload != NULL && strcmp(upload, "deleted") == 0)
        s = pub_fail(job, PERR_PERMANENT, 200, "deleted",
                     "the video was deleted on YouTube while it was being processed");
    else if (proc != NULL && (strcmp(proc, "failed") == 0 || strcmp(proc, "terminated") == 0))
        s = processing_failed(
            job,
            strcmp(proc, "terminated") == 0 ? "YouTube stopped processing the video"
                                            : "YouTube could not process the video",
            pfail != NULL ? pfail : proc, processing_reasons, failure, failure_reasons);
    else if ((proc != NULL && strcmp(proc, "succeeded") == 0) ||
             (proc == NULL && upload != NULL && strcmp(upload, "processed") == 0))
        s = done(job, id);
    else {
        bump(job, "polls");
        if (pub_state_int(job, "polls", 0) >= YT_POLL_MAX)
            s = pub_fail(job, PERR_TRANSIENT, 200, "still_processing",
                         "YouTube is still processing the video after %d checks; it will be "
                         "checked again",
                         YT_POLL_MAX);
        else
            s = pub_wait(job, poll_wait(job, hint));
    }
    json_decref(j);
    return s;
}

/* ---- publish ---- */

/* Where a new attempt (or a call after a wait) goes on from. */
static pub_step resume(pub_job *job, int vi)
{
    if (pub_state_str(job, "video") != NULL)
        return poll(job);
    if (pub_state_str(job, "session") != NULL && pub_state_int(job, "total", 0) > 0)
        return probe(job);
    return start_session(job, vi);
}

static pub_step publish(pub_job *job, const plat_response *last)
{
    ensure_state(job);
    attempt_counters(job);
    pub_req_reset(job);
    char pending[16];
    state_copy(job, "pending", pending, sizeof pending);
    if (pub_state_str(job, "video") != NULL) {
        /* Uploaded already: only processing is left. */
        if (last != NULL && strcmp(pending, "poll") == 0)
            return on_poll(job, last);
        return poll(job);
    }
    int vi = video_index(job);
    if (vi < 0)
        return pub_fail(job, PERR_INVALID, 0, "no_video", "a YouTube upload needs one video");
    const pub_media *m = &job->media[vi];
    if (m->size <= 0)
        return pub_fail(job, PERR_INVALID, 0, "empty_video", "the video file is empty");
    /* A half-done upload of other bytes (the media was replaced) cannot go on. */
    if (pub_state_int(job, "media", -1) != m->id || pub_state_int(job, "total", -1) != m->size)
        forget_session(job);
    if (last == NULL || pending[0] == '\0')
        return resume(job, vi);
    if (strcmp(pending, "start") == 0)
        return on_start(job, vi, last);
    if (strcmp(pending, "chunk") == 0)
        return on_upload(job, vi, last, 1);
    if (strcmp(pending, "probe") == 0)
        return on_upload(job, vi, last, 0);
    return resume(job, vi);
}

/* ---- reconcile ---- */

static pub_step list_uploads(pub_job *job)
{
    char uploads[128], token[256], enc_pl[400], enc_tok[800];
    state_copy(job, "uploads", uploads, sizeof uploads);
    if (uploads[0] == '\0') {
        pub_req(job, "GET", "%s/youtube/%s/channels?part=contentDetails&mine=true",
                job->pc->api_url, ver(job));
        auth(job);
        pub_req_header(job, "Accept: application/json");
        pub_state_set_str(job, "rpending", "channels");
        return PUB_REQUEST;
    }
    state_copy(job, "rtoken", token, sizeof token);
    plat_urlenc(uploads, enc_pl, sizeof enc_pl);
    plat_urlenc(token, enc_tok, sizeof enc_tok);
    pub_req(job, "GET", "%s/youtube/%s/playlistItems?part=snippet&playlistId=%s&maxResults=%d%s%s",
            job->pc->api_url, ver(job), enc_pl, YT_LIST_MAX, token[0] ? "&pageToken=" : "",
            token[0] ? enc_tok : "");
    auth(job);
    pub_req_header(job, "Accept: application/json");
    pub_state_set_str(job, "rpending", "items");
    return PUB_REQUEST;
}

static pub_step on_channels(pub_job *job, const plat_response *last)
{
    if (last->status != 200)
        return fail_api(job, last, "Reading the YouTube channel");
    json_t *j = pub_json(last);
    const char *uploads = json_string_value(json_object_get(
        json_object_get(
            json_object_get(json_array_get(json_object_get(j, "items"), 0), "contentDetails"),
            "relatedPlaylists"),
        "uploads"));
    if (uploads == NULL || !plat_id_ok(uploads, 100)) {
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, 200, "no_uploads_playlist",
                        "YouTube did not say where this channel's uploads are listed, so it "
                        "cannot be told whether the video went out");
    }
    pub_state_set_str(job, "uploads", uploads);
    json_decref(j);
    state_del(job, "rtoken");
    pub_state_set_int(job, "rpage", 1);
    return list_uploads(job);
}

/* s without the whitespace around it, into out. */
static void trimmed(const char *s, char *out, size_t n)
{
    s += strspn(s, " \t\r\n");
    size_t l = strlen(s);
    while (l > 0 && strchr(" \t\r\n", s[l - 1]) != NULL)
        l--;
    if (l >= n)
        l = n - 1;
    memcpy(out, s, l);
    out[l] = '\0';
}

static pub_step on_items(pub_job *job, const plat_response *last)
{
    if (last->status != 200)
        return fail_api(job, last, "Listing the channel's uploads");
    json_t *j = pub_json(last);
    json_t *items = json_object_get(j, "items");
    if (j == NULL || (items != NULL && !json_is_array(items))) {
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, 200, "bad_response",
                        "YouTube listed the channel's uploads in a way we do not understand");
    }
    const char *t = opt_str(job, "title");
    char want[512], have[512];
    trimmed(t != NULL ? t : "", want, sizeof want);
    int64_t cutoff = job->attempt_started_ms - YT_SLACK_MS;
    int newer = 1; /* the last item looked at is not older than the cutoff */
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *sn = json_object_get(it, "snippet");
        int64_t at = 0;
        int dated =
            tz_parse_rfc3339(json_string_value(json_object_get(sn, "publishedAt")), &at) == APP_OK;
        newer = !dated || at >= cutoff;
        if (!dated || at < cutoff || want[0] == '\0')
            continue;
        const char *title = json_string_value(json_object_get(sn, "title"));
        trimmed(title != NULL ? title : "", have, sizeof have);
        if (strcmp(want, have) != 0)
            continue;
        const char *id =
            json_string_value(json_object_get(json_object_get(sn, "resourceId"), "videoId"));
        if (id == NULL)
            id = json_string_value(
                json_object_get(json_object_get(it, "contentDetails"), "videoId"));
        if (id == NULL || !plat_id_ok(id, 64))
            continue;
        pub_state_set_str(job, "video", id);
        forget_session(job);
        pub_step s = done(job, id);
        json_decref(j);
        return s;
    }
    const char *next = json_string_value(json_object_get(j, "nextPageToken"));
    int more =
        next != NULL && *next != '\0' && strlen(next) < 200 && newer && json_array_size(items) > 0;
    if (more && pub_state_int(job, "rpage", 1) < YT_LIST_PAGES) {
        pub_state_set_str(job, "rtoken", next);
        bump(job, "rpage");
        json_decref(j);
        return list_uploads(job);
    }
    json_decref(j);
    if (more)
        return pub_fail(job, PERR_TRANSIENT, 200, "too_many_uploads",
                        "the channel uploaded too many videos since this attempt began to tell "
                        "whether this one went out");
    return pub_done(job, "", "");
}

static pub_step reconcile(pub_job *job, const plat_response *last)
{
    ensure_state(job);
    pub_req_reset(job);
    if (last == NULL) {
        char id[128];
        state_copy(job, "video", id, sizeof id);
        if (id[0] != '\0')
            return done(job, id);
        state_del(job, "rtoken");
        pub_state_set_int(job, "rpage", 1);
        if (pub_state_str(job, "session") != NULL && pub_state_int(job, "total", 0) > 0) {
            probe(job);
            pub_state_set_str(job, "pending", NULL);
            pub_state_set_str(job, "rpending", "probe");
            return PUB_REQUEST;
        }
        return list_uploads(job);
    }
    char pending[16];
    state_copy(job, "rpending", pending, sizeof pending);
    if (strcmp(pending, "probe") == 0) {
        if (last->status == 200 || last->status == 201) {
            json_t *j = pub_json(last);
            const char *id = video_id_of(j);
            pub_step s;
            if (id != NULL) {
                pub_state_set_str(job, "video", id);
                forget_session(job);
                s = done(job, id);
            } else {
                s = list_uploads(job);
            }
            json_decref(j);
            return s;
        }
        if (last->status == 308) {
            /* The session is still waiting for bytes: no video came of it. */
            int64_t c = committed_of(last), total = pub_state_int(job, "total", 0);
            pub_state_set_int(job, "committed", c < total ? c : total);
            return pub_done(job, "", "");
        }
        if (last->status == 404 || last->status == 410) {
            forget_session(job);
            return list_uploads(job);
        }
        return fail_api(job, last, "Checking the YouTube upload");
    }
    if (strcmp(pending, "channels") == 0)
        return on_channels(job, last);
    if (strcmp(pending, "items") == 0)
        return on_items(job, last);
    return list_uploads(job);
}

const pub_ops pub_youtube = {"youtube", publish, reconcile};
