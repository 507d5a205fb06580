/*
 * test_pub_youtube.c - the YouTube publishing adapter (platform/pub_youtube.c)
 * driven step by step with canned responses: the resumable upload (session,
 * chunks streamed by range, the final chunk as the create step), resuming
 * from a saved state, processing polls and their outcomes, how Google's
 * errors are classified, and reconcile.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "platform/publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NOW     1767225600000LL /* 2026-01-01T00:00:00Z = 2025-12-31 16:00 PST */
#define STARTED (NOW - 600000)  /* the attempt began 10 minutes earlier */
#define TOKEN   "ya29.ACCESS-tok"
#define API     "https://sim.test/google/api"
#define UPLOAD  "https://sim.test/google/upload"
#define SESSION                                                                                    \
    UPLOAD "/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status&upload_id=U1"
#define START    UPLOAD "/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status"
#define POLL     API "/youtube/v3/videos?part=status,processingDetails&id=vid_ABC-123"
#define MIB      (1024LL * 1024)
#define CHUNK    (8 * MIB)
#define BIG      (20 * MIB + 123) /* three chunks: 8 MiB, 8 MiB, 4 MiB + 123 */
#define VIDEO_ID "vid_ABC-123"
#define VIDEO_OK                                                                                   \
    "{\"kind\":\"youtube#video\",\"id\":\"" VIDEO_ID                                               \
    "\",\"status\":{\"uploadStatus\":\"uploaded\"}}"

static config cfg;

static void setup_cfg(void)
{
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.google.client_id, sizeof cfg.google.client_id, "g-client.apps");
    snprintf(cfg.google.api_url, sizeof cfg.google.api_url, API);
    snprintf(cfg.google.upload_url, sizeof cfg.google.upload_url, UPLOAD);
    snprintf(cfg.google.version, sizeof cfg.google.version, "v3");
}

/* ---- canned responses ---- */

typedef struct canned {
    const char *names[4];
    const char *values[4];
} canned;

static const char *canned_header(const plat_response *r, const char *name)
{
    const canned *c = r->_ctx;
    for (int i = 0; c != NULL && i < 4 && c->names[i] != NULL; i++)
        if (strcasecmp(c->names[i], name) == 0)
            return c->values[i];
    return NULL;
}

static plat_response resp_h(int status, const char *body, const canned *headers)
{
    plat_response r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.body = body;
    r.body_len = strlen(body);
    r.header = canned_header;
    r._ctx = (void *)headers;
    return r;
}

static plat_response resp(int status, const char *body)
{
    return resp_h(status, body, NULL);
}

/* ---- jobs ---- */

static pub_media media[2];

static void job_init(pub_job *job, const char *kind, const json_t *options, int64_t size)
{
    memset(job, 0, sizeof *job);
    memset(media, 0, sizeof media);
    media[0] = (pub_media){.id = 41,
                           .kind = "video",
                           .mime = "video/mp4",
                           .format = "mp4",
                           .size = size,
                           .width = 1920,
                           .height = 1080,
                           .duration_ms = 60000,
                           .alt_text = "",
                           .public_url = "https://p2s.test/m/41"};
    job->cfg = &cfg;
    job->pc = &cfg.google;
    job->now_ms = NOW;
    job->kind = kind;
    job->text = "A walk by the sea.\nFilmed at dawn.";
    job->options = options;
    job->media = media;
    job->nmedia = 1;
    job->library = media;
    job->nlibrary = 1;
    job->access_token = TOKEN;
    job->account_remote_id = "UCsimDemo000000000000001";
    job->account_kind = "channel";
    job->attempt_started_ms = STARTED;
}

static json_t *video_options(void)
{
    return json_pack("{s:s, s:[s,s], s:s, s:b}", "title", "Sea at dawn", "tags", "sea", "dawn walk",
                     "privacy", "unlisted", "made_for_kids", 0);
}

/* The value of a request header; NULL if absent. */
static const char *hdr(const pub_job *job, const char *name)
{
    size_t l = strlen(name);
    for (int i = 0; i < job->req.r.nheaders; i++)
        if (strncasecmp(job->req.r.headers[i], name, l) == 0 && job->req.r.headers[i][l] == ':')
            return job->req.r.headers[i] + l + 2;
    return NULL;
}

static void assert_hdr(const pub_job *job, const char *name, const char *value)
{
    const char *v = hdr(job, name);
    assert_non_null(v);
    assert_string_equal(v, value);
}

static void assert_req(const pub_job *job, const char *method, const char *url)
{
    assert_string_equal(job->req.r.method, method);
    assert_string_equal(job->req.r.url, url);
    assert_hdr(job, "Authorization", "Bearer " TOKEN);
}

/* A chunk: PUT to the session, bytes [from, from + len) of media 0 streamed raw. */
static void assert_chunk(const pub_job *job, int64_t from, int64_t len, int64_t total, int create)
{
    char range[96], length[32];
    assert_req(job, "PUT", SESSION);
    snprintf(range, sizeof range, "bytes %lld-%lld/%lld", (long long)from,
             (long long)(from + len - 1), (long long)total);
    snprintf(length, sizeof length, "%lld", (long long)len);
    assert_hdr(job, "Content-Range", range);
    assert_hdr(job, "Content-Length", length);
    assert_hdr(job, "Content-Type", "video/mp4");
    assert_int_equal(job->req.stream, 1);
    assert_int_equal(job->req.multipart, 0);
    assert_int_equal(job->req.range.media, 0);
    assert_int_equal(job->req.range.offset, from);
    assert_int_equal(job->req.range.length, len);
    assert_null(job->req.r.body);
    assert_int_equal(job->req.create_step, create);
    assert_int_equal(len % (256 * 1024) == 0 || from + len == total, 1);
}

/* A status probe: PUT to the session with Content-Range: bytes * /N and no body. */
static void assert_probe(const pub_job *job, int64_t total)
{
    char range[64];
    assert_req(job, "PUT", SESSION);
    snprintf(range, sizeof range, "bytes */%lld", (long long)total);
    assert_hdr(job, "Content-Range", range);
    assert_hdr(job, "Content-Length", "0");
    assert_int_equal(job->req.stream, 0);
    assert_int_equal(job->req.r.body_len, 0);
    assert_int_equal(job->req.create_step, 0);
}

static void assert_poll(const pub_job *job)
{
    assert_req(job, "GET", POLL);
    assert_int_equal(job->req.create_step, 0);
    assert_int_equal(job->req.stream, 0);
}

static const canned location = {{"Location"}, {SESSION}};

static pub_step step(pub_job *job, int status, const char *body)
{
    plat_response r = resp(status, body);
    return pub_youtube.publish(job, &r);
}

static pub_step step_h(pub_job *job, int status, const char *body, const canned *h)
{
    plat_response r = resp_h(status, body, h);
    return pub_youtube.publish(job, &r);
}

/* 308 with Range: bytes=0-(committed - 1). */
static pub_step step_308(pub_job *job, int64_t committed)
{
    char range[64];
    snprintf(range, sizeof range, "bytes=0-%lld", (long long)committed - 1);
    canned h = {{"Range"}, {range}};
    return step_h(job, 308, "", &h);
}

/* From a new job to the poll request after a one-chunk upload. */
static void upload_small(pub_job *job)
{
    assert_int_equal(pub_youtube.publish(job, NULL), PUB_REQUEST);
    assert_int_equal(step_h(job, 200, "", &location), PUB_REQUEST);
    assert_chunk(job, 0, MIB, MIB, 1);
    assert_int_equal(step(job, 200, VIDEO_OK), PUB_REQUEST);
    assert_poll(job);
}

static const char *processing(const char *time_left)
{
    static char b[512];
    snprintf(b, sizeof b,
             "{\"items\":[{\"id\":\"" VIDEO_ID "\",\"status\":{\"uploadStatus\":\"uploaded\"},"
             "\"processingDetails\":{\"processingStatus\":\"processing\",\"processingProgress\":"
             "{\"partsTotal\":\"1000\",\"partsProcessed\":\"400\"%s%s%s}}}]}",
             time_left != NULL ? ",\"timeLeftMs\":\"" : "", time_left != NULL ? time_left : "",
             time_left != NULL ? "\"" : "");
    return b;
}

#define SUCCEEDED                                                                                  \
    "{\"items\":[{\"id\":\"" VIDEO_ID "\",\"status\":{\"uploadStatus\":\"processed\","             \
    "\"privacyStatus\":\"unlisted\"},\"processingDetails\":{\"processingStatus\":\"succeeded\"}}]" \
    "}"

/* ---- tests ---- */

static void test_ops(void **state)
{
    (void)state;
    assert_string_equal(pub_youtube.platform, "youtube");
    assert_non_null(pub_youtube.publish);
    assert_non_null(pub_youtube.reconcile);
}

static void test_video_flow(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);

    /* 1. The session. */
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_req(&job, "POST", START);
    assert_hdr(&job, "X-Upload-Content-Length", "20971643");
    assert_hdr(&job, "X-Upload-Content-Type", "video/mp4");
    assert_hdr(&job, "Content-Type", "application/json; charset=UTF-8");
    assert_int_equal(job.req.create_step, 0);
    assert_int_equal(job.req.stream, 0);
    json_t *meta = json_loadb(job.req.r.body, job.req.r.body_len, 0, NULL);
    assert_non_null(meta);
    json_t *sn = json_object_get(meta, "snippet"), *st = json_object_get(meta, "status");
    assert_string_equal(json_string_value(json_object_get(sn, "title")), "Sea at dawn");
    assert_string_equal(json_string_value(json_object_get(sn, "description")),
                        "A walk by the sea.\nFilmed at dawn.");
    assert_int_equal(json_array_size(json_object_get(sn, "tags")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(sn, "tags"), 1)),
                        "dawn walk");
    assert_string_equal(json_string_value(json_object_get(sn, "categoryId")), "22");
    assert_string_equal(json_string_value(json_object_get(st, "privacyStatus")), "unlisted");
    assert_true(json_is_false(json_object_get(st, "selfDeclaredMadeForKids")));
    json_decref(meta);

    /* 2. Chunks of 8 MiB streamed by range; the last one creates the video. */
    assert_int_equal(step_h(&job, 200, "", &location), PUB_REQUEST);
    assert_string_equal(pub_state_str(&job, "session"), SESSION);
    assert_int_equal(pub_state_int(&job, "committed", -1), 0);
    assert_chunk(&job, 0, CHUNK, BIG, 0);
    assert_int_equal(step_308(&job, CHUNK), PUB_REQUEST);
    assert_int_equal(pub_state_int(&job, "committed", -1), CHUNK);
    assert_chunk(&job, CHUNK, CHUNK, BIG, 0);
    assert_int_equal(step_308(&job, 2 * CHUNK), PUB_REQUEST);
    assert_chunk(&job, 2 * CHUNK, BIG - 2 * CHUNK, BIG, 1);

    /* 3. The video resource; then processing polls with YouTube's estimate as the wait. */
    assert_int_equal(step(&job, 201, VIDEO_OK), PUB_REQUEST);
    assert_poll(&job);
    assert_string_equal(pub_state_str(&job, "video"), VIDEO_ID);
    assert_null(pub_state_str(&job, "session"));
    assert_int_equal(step(&job, 200, processing("10000")), PUB_WAIT);
    assert_int_equal(job.wait_ms, 10000);
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_poll(&job);
    assert_int_equal(step(&job, 200, processing("500")), PUB_WAIT);
    assert_int_equal(job.wait_ms, 2000); /* at least 2 s */
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step(&job, 200, processing("3600000")), PUB_WAIT);
    assert_int_equal(job.wait_ms, 30000); /* at most 30 s */
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step(&job, 200, SUCCEEDED), PUB_DONE);
    assert_string_equal(job.remote_id, VIDEO_ID);
    assert_string_equal(job.remote_url, "https://www.youtube.com/watch?v=" VIDEO_ID);
    pub_job_free(&job);
    json_decref(opt);
}

static void test_short_flow(void **state)
{
    (void)state;
    json_t *opt =
        json_pack("{s:s, s:s, s:b}", "title", "Quick tip", "category_id", "26", "made_for_kids", 1);
    pub_job job;
    job_init(&job, "short", opt, MIB);
    media[0].width = 1080;
    media[0].height = 1920;
    job.text = "";
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_req(&job, "POST", START);
    json_t *meta = json_loadb(job.req.r.body, job.req.r.body_len, 0, NULL);
    json_t *sn = json_object_get(meta, "snippet"), *st = json_object_get(meta, "status");
    /* No "#Shorts": YouTube classifies a vertical video of at most 3 minutes by itself. */
    assert_string_equal(json_string_value(json_object_get(sn, "title")), "Quick tip");
    assert_string_equal(json_string_value(json_object_get(sn, "description")), "");
    assert_null(json_object_get(sn, "tags"));
    assert_string_equal(json_string_value(json_object_get(sn, "categoryId")), "26");
    assert_string_equal(json_string_value(json_object_get(st, "privacyStatus")), "public");
    assert_true(json_is_true(json_object_get(st, "selfDeclaredMadeForKids")));
    json_decref(meta);
    /* One chunk: it is the final one, so it is the create step. */
    assert_int_equal(step_h(&job, 200, "", &location), PUB_REQUEST);
    assert_chunk(&job, 0, MIB, MIB, 1);
    assert_int_equal(step(&job, 200, VIDEO_OK), PUB_REQUEST);
    assert_poll(&job);
    assert_int_equal(step(&job, 200, SUCCEEDED), PUB_DONE);
    assert_string_equal(job.remote_id, VIDEO_ID);
    assert_string_equal(job.remote_url, "https://www.youtube.com/shorts/" VIDEO_ID);
    pub_job_free(&job);
    json_decref(opt);
}

/* Exactly one create step per video, whatever the number of chunks. */
static void test_one_create_step(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    int64_t total = 3 * CHUNK; /* an exact multiple: the last chunk is full-size */
    job_init(&job, "video", opt, total);
    int creates = 0, requests = 0;
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step_h(&job, 200, "", &location), PUB_REQUEST);
    for (int64_t at = CHUNK;; at += CHUNK) {
        requests++;
        creates += job.req.create_step;
        if (at > total)
            break;
        if (job.req.create_step) {
            assert_chunk(&job, 2 * CHUNK, CHUNK, total, 1);
            break;
        }
        assert_int_equal(step_308(&job, at), PUB_REQUEST);
    }
    assert_int_equal(requests, 3);
    assert_int_equal(creates, 1);
    pub_job_free(&job);
    json_decref(opt);
}

/* The server may keep less than a chunk: go on from what Range says. */
static void test_partial_commit(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    pub_youtube.publish(&job, NULL);
    step_h(&job, 200, "", &location);
    assert_int_equal(step_308(&job, 256 * 1024), PUB_REQUEST);
    assert_chunk(&job, 256 * 1024, CHUNK, BIG, 0);
    /* 308 without Range: nothing kept. */
    assert_int_equal(step(&job, 308, ""), PUB_REQUEST);
    assert_chunk(&job, 0, CHUNK, BIG, 0);
    /* No progress again and again: give up for now. */
    assert_int_equal(step(&job, 308, ""), PUB_REQUEST);
    assert_int_equal(step(&job, 308, ""), PUB_REQUEST);
    assert_int_equal(step(&job, 308, ""), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_string_equal(job.err.code, "no_progress");
    pub_job_free(&job);
    json_decref(opt);
}

static json_t *saved_state(int64_t committed, const char *pending)
{
    return json_pack("{s:I, s:I, s:s, s:I, s:s}", "media", (json_int_t)41, "total", (json_int_t)BIG,
                     "session", SESSION, "committed", (json_int_t)committed, "pending", pending);
}

/* A new attempt with a half-done upload: ask the session, then go on from there. */
static void test_resume_upload(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    job.state = saved_state(CHUNK, "chunk");
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_probe(&job, BIG);
    /* The chunk in flight had arrived after all. */
    assert_int_equal(step_308(&job, 2 * CHUNK), PUB_REQUEST);
    assert_chunk(&job, 2 * CHUNK, BIG - 2 * CHUNK, BIG, 1);
    assert_int_equal(step(&job, 200, VIDEO_OK), PUB_REQUEST);
    assert_poll(&job);
    pub_job_free(&job);

    /* A probe answering 308 without Range: start from byte 0 of the same session. */
    job_init(&job, "video", opt, BIG);
    job.state = saved_state(CHUNK, "chunk");
    pub_youtube.publish(&job, NULL);
    assert_int_equal(step(&job, 308, ""), PUB_REQUEST);
    assert_chunk(&job, 0, CHUNK, BIG, 0);
    pub_job_free(&job);
    json_decref(opt);
}

/* The upload had finished: the probe answers with the video. */
static void test_resume_finished(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    job.state = saved_state(2 * CHUNK, "chunk");
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_probe(&job, BIG);
    assert_int_equal(step(&job, 200, VIDEO_OK), PUB_REQUEST);
    assert_poll(&job);
    assert_int_equal(step(&job, 200, SUCCEEDED), PUB_DONE);
    assert_string_equal(job.remote_id, VIDEO_ID);
    pub_job_free(&job);

    /* The video is known: only processing is left. */
    job_init(&job, "video", opt, BIG);
    job.state = json_pack("{s:s, s:s}", "video", VIDEO_ID, "pending", "poll");
    job.nmedia = 0; /* the media are not needed any more */
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_poll(&job);
    assert_int_equal(step(&job, 200, SUCCEEDED), PUB_DONE);
    assert_string_equal(job.remote_id, VIDEO_ID);
    pub_job_free(&job);
    json_decref(opt);
}

/* 404/410 from the session: it expired; a new session starts over. */
static void test_session_expired(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    job.state = saved_state(CHUNK, "chunk");
    pub_youtube.publish(&job, NULL);
    assert_int_equal(step(&job, 404,
                          "{\"error\":{\"code\":404,\"message\":\"Not Found\",\"errors\":"
                          "[{\"domain\":\"global\",\"reason\":\"notFound\"}]}}"),
                     PUB_REQUEST);
    assert_req(&job, "POST", START);
    assert_null(pub_state_str(&job, "session"));
    assert_int_equal(step_h(&job, 200, "", &location), PUB_REQUEST);
    assert_chunk(&job, 0, CHUNK, BIG, 0);
    assert_int_equal(step(&job, 410, ""), PUB_REQUEST); /* during a chunk */
    assert_req(&job, "POST", START);
    step_h(&job, 200, "", &location);
    assert_int_equal(step(&job, 404, ""), PUB_REQUEST);
    step_h(&job, 200, "", &location);
    /* Bounded: a session that keeps expiring is a problem for later. */
    assert_int_equal(step(&job, 404, ""), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_string_equal(job.err.code, "session_expired");
    pub_job_free(&job);
    json_decref(opt);
}

/* A state of other bytes (the media was replaced) is not resumed. */
static void test_state_other_media(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    job.state = saved_state(CHUNK, "chunk");
    media[0].id = 99;
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_req(&job, "POST", START);
    pub_job_free(&job);
    /* Not an object: replaced. */
    job_init(&job, "video", opt, BIG);
    job.state = json_string("garbage");
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_req(&job, "POST", START);
    assert_true(json_is_object(job.state));
    pub_job_free(&job);
    json_decref(opt);
}

/* 409 to a chunk: the session moved on; ask it where it is. */
static void test_conflict_probes(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    pub_youtube.publish(&job, NULL);
    step_h(&job, 200, "", &location);
    assert_int_equal(step(&job, 409, ""), PUB_REQUEST);
    assert_probe(&job, BIG);
    pub_job_free(&job);
    json_decref(opt);
}

static void test_processing_backoff(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, MIB);
    upload_small(&job);
    static const int64_t waits[] = {2000, 5000, 10000, 20000, 30000, 30000};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(step(&job, 200, processing(NULL)), PUB_WAIT);
        assert_int_equal(job.wait_ms, waits[i]);
        assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
        assert_poll(&job);
    }
    /* Bounded per attempt. */
    pub_step s = PUB_WAIT;
    int n = 6;
    while (s == PUB_WAIT) {
        s = step(&job, 200, processing("1000"));
        n++;
        if (s == PUB_WAIT)
            assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    }
    assert_int_equal(s, PUB_FAIL);
    assert_int_equal(n, 240);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_string_equal(job.err.code, "still_processing");
    /* A new attempt goes on polling (the video exists: no new upload). */
    job.attempt_started_ms += 3600000;
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_poll(&job);
    assert_int_equal(step(&job, 200, processing(NULL)), PUB_WAIT);
    assert_int_equal(job.wait_ms, 2000);
    pub_job_free(&job);
    json_decref(opt);
}

static pub_step poll_answer(const char *body)
{
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, MIB);
    upload_small(&job);
    pub_step s = step(&job, 200, body);
    static plat_error err;
    err = job.err;
    pub_job_free(&job);
    json_decref(opt);
    assert_int_equal(s, PUB_FAIL);
    assert_int_equal(err.kind, PERR_PERMANENT);
    return s;
}

static plat_error last_err(const char *body)
{
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, MIB);
    upload_small(&job);
    pub_step s = step(&job, 200, body);
    plat_error err = job.err;
    pub_job_free(&job);
    json_decref(opt);
    assert_int_equal(s, PUB_FAIL);
    return err;
}

static void test_processing_failures(void **state)
{
    (void)state;
    plat_error e =
        last_err("{\"items\":[{\"id\":\"" VIDEO_ID "\",\"status\":{\"uploadStatus\":\"failed\","
                 "\"failureReason\":\"conversion\"},\"processingDetails\":{\"processingStatus\":"
                 "\"failed\",\"processingFailureReason\":\"transcodeFailed\"}}]}");
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_string_equal(e.code, "conversion");
    assert_string_equal(e.message, "YouTube could not process the video: it could not be "
                                   "converted (conversion, transcodeFailed)");

    e = last_err("{\"items\":[{\"id\":\"" VIDEO_ID "\",\"status\":{\"uploadStatus\":\"rejected\","
                 "\"rejectionReason\":\"duplicate\"}}]}");
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_string_equal(e.code, "duplicate");
    assert_string_equal(e.message, "YouTube rejected the video: it is a duplicate of a video "
                                   "already uploaded (duplicate)");

    e = last_err("{\"items\":[{\"id\":\"" VIDEO_ID "\",\"status\":{\"uploadStatus\":\"uploaded\"},"
                 "\"processingDetails\":{\"processingStatus\":\"terminated\"}}]}");
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_string_equal(e.code, "terminated");
    assert_string_equal(e.message, "YouTube stopped processing the video (terminated)");

    e = last_err("{\"items\":[{\"id\":\"" VIDEO_ID "\",\"status\":{\"uploadStatus\":\"failed\","
                 "\"failureReason\":\"invalidFile\"},\"processingDetails\":{\"processingStatus\":"
                 "\"failed\",\"processingFailureReason\":\"uploadFailed\"}}]}");
    assert_string_equal(e.code, "invalidFile");
    assert_non_null(strstr(e.message, "not a video YouTube can read"));

    e = last_err("{\"items\":[{\"id\":\"" VIDEO_ID
                 "\",\"status\":{\"uploadStatus\":\"deleted\"}}]}");
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_string_equal(e.code, "deleted");
    poll_answer("{\"items\":[{\"id\":\"x\",\"status\":{\"uploadStatus\":\"rejected\"}}]}");

    /* Without processingDetails, uploadStatus processed is enough. */
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, MIB);
    upload_small(&job);
    assert_int_equal(step(&job, 200,
                          "{\"items\":[{\"id\":\"" VIDEO_ID "\",\"status\":{\"uploadStatus\":"
                          "\"processed\"}}]}"),
                     PUB_DONE);
    pub_job_free(&job);

    /* The video is not listed (yet): a few waits, then fail for good. */
    job_init(&job, "video", opt, MIB);
    upload_small(&job);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(step(&job, 200, "{\"items\":[]}"), PUB_WAIT);
        assert_int_equal(job.wait_ms, 5000);
        assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
        assert_poll(&job);
    }
    assert_int_equal(step(&job, 200, "{\"items\":[]}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.code, "video_missing");
    pub_job_free(&job);
    json_decref(opt);
}

/* ---- errors ---- */

static char envelope_buf[1024];

static const char *envelope(int code, const char *domain, const char *reason)
{
    snprintf(envelope_buf, sizeof envelope_buf,
             "{\"error\":{\"code\":%d,\"message\":\"The request failed (%s).\",\"errors\":"
             "[{\"message\":\"The request failed.\",\"domain\":\"%s\",\"reason\":\"%s\"}]}}",
             code, reason, domain, reason);
    return envelope_buf;
}

/* The error of the session start answered with status, body and headers. */
static plat_error start_error(int status, const char *body, const canned *h, int64_t now)
{
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    job.now_ms = now;
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step_h(&job, status, body, h), PUB_FAIL);
    plat_error e = job.err;
    pub_job_free(&job);
    json_decref(opt);
    return e;
}

static void test_errors_quota(void **state)
{
    (void)state;
    /* quotaExceeded lasts until midnight Pacific: 2026-01-01T08:00:00Z (PST). */
    plat_error e = start_error(403, envelope(403, "youtube.quota", "quotaExceeded"), NULL, NOW);
    assert_int_equal(e.kind, PERR_RATE_LIMITED);
    assert_int_equal(e.http_status, 403);
    assert_string_equal(e.code, "quotaExceeded");
    assert_int_equal(e.retry_at_ms, NOW + 8 * 3600000LL);
    assert_non_null(strstr(e.message, "midnight Pacific"));
    /* In summer (PDT): 2026-07-01T12:00Z -> 2026-07-02T07:00Z. */
    e = start_error(403, envelope(403, "youtube.quota", "quotaExceeded"), NULL, 1782907200000LL);
    assert_int_equal(e.retry_at_ms, 1782975600000LL);
    /* On the spring-forward day: 2026-03-08T09:00Z (01:00 PST) -> 2026-03-09T07:00Z (PDT). */
    e = start_error(403, envelope(403, "youtube.quota", "quotaExceeded"), NULL, 1772960400000LL);
    assert_int_equal(e.retry_at_ms, 1773039600000LL);
    /* On the fall-back day: 2026-11-01T08:30Z (01:30 PDT) -> 2026-11-02T08:00Z (PST). */
    e = start_error(403, envelope(403, "youtube.quota", "quotaExceeded"), NULL, 1793521800000LL);
    assert_int_equal(e.retry_at_ms, 1793606400000LL);
    /* Just before midnight Pacific: the coming midnight, not the one after. */
    e = start_error(403, envelope(403, "youtube.quota", "quotaExceeded"), NULL,
                    NOW + 8 * 3600000LL - 1000);
    assert_int_equal(e.retry_at_ms, NOW + 8 * 3600000LL);
    /* uploadLimitExceeded: the channel's own daily limit. */
    e = start_error(400, envelope(400, "youtube.video", "uploadLimitExceeded"), NULL, NOW);
    assert_int_equal(e.kind, PERR_RATE_LIMITED);
    assert_string_equal(e.code, "uploadLimitExceeded");
    assert_int_equal(e.retry_at_ms, NOW + 8 * 3600000LL);
}

static void test_errors_rate(void **state)
{
    (void)state;
    canned ra = {{"Retry-After"}, {"120"}};
    plat_error e = start_error(403, envelope(403, "usageLimits", "rateLimitExceeded"), &ra, NOW);
    assert_int_equal(e.kind, PERR_RATE_LIMITED);
    assert_string_equal(e.code, "rateLimitExceeded");
    assert_int_equal(e.retry_at_ms, NOW + 120000);
    canned ra60 = {{"Retry-After"}, {"60"}};
    e = start_error(429, envelope(429, "usageLimits", "rateLimitExceeded"), &ra60, NOW);
    assert_int_equal(e.kind, PERR_RATE_LIMITED);
    assert_int_equal(e.retry_at_ms, NOW + 60000);
    e = start_error(403, envelope(403, "usageLimits", "userRateLimitExceeded"), NULL, NOW);
    assert_int_equal(e.kind, PERR_RATE_LIMITED);
    assert_int_equal(e.retry_at_ms, 0); /* unknown: the engine's backoff */
    /* A bare 429 with the reset instant. */
    canned reset = {{"x-rate-limit-reset"}, {"1767226000"}};
    e = start_error(429, "", &reset, NOW);
    assert_int_equal(e.kind, PERR_RATE_LIMITED);
    assert_int_equal(e.retry_at_ms, 1767226000000LL);
}

static void test_errors_classes(void **state)
{
    (void)state;
    /* 401: the token is dead; the engine refreshes once and retries. */
    plat_error e = start_error(
        401,
        "{\"error\":{\"code\":401,\"message\":\"Request had invalid authentication credentials.\","
        "\"errors\":[{\"message\":\"Invalid Credentials\",\"domain\":\"global\",\"reason\":"
        "\"authError\",\"location\":\"Authorization\"}],\"status\":\"UNAUTHENTICATED\"}}",
        NULL, NOW);
    assert_int_equal(e.kind, PERR_TOKEN_EXPIRED);
    assert_int_equal(e.http_status, 401);
    assert_string_equal(e.code, "authError");
    /* 5xx and backendError: try again. */
    e = start_error(500, envelope(500, "global", "backendError"), NULL, NOW);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    assert_string_equal(e.code, "backendError");
    e = start_error(503, "<html>unavailable</html>", NULL, NOW);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    e = start_error(0, "", NULL, NOW);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    assert_string_equal(e.code, "network");
    /* What no retry fixes. */
    static const char *const permanent[] = {
        "invalidTitle",      "invalidDescription",    "invalidTags",      "invalidCategoryId",
        "mediaBodyRequired", "youtubeSignupRequired", "invalidPublishAt", NULL};
    for (int i = 0; permanent[i] != NULL; i++) {
        e = start_error(400, envelope(400, "youtube.video", permanent[i]), NULL, NOW);
        assert_int_equal(e.kind, PERR_PERMANENT);
        assert_int_equal(e.http_status, 400);
        assert_string_equal(e.code, permanent[i]);
        assert_non_null(strstr(e.message, "YouTube refused the video: "));
    }
    e = start_error(400, envelope(400, "youtube.video", "invalidTitle"), NULL, NOW);
    assert_non_null(strstr(e.message, "title"));
    /* A missing permission: reconnect. */
    e = start_error(403, envelope(403, "global", "insufficientPermissions"), NULL, NOW);
    assert_int_equal(e.kind, PERR_DENIED);
    /* Anything else the platform refuses. */
    e = start_error(400, envelope(400, "global", "badContent"), NULL, NOW);
    assert_int_equal(e.kind, PERR_INVALID);
    assert_string_equal(e.code, "badContent");
    /* 200 without Location. */
    e = start_error(200, "", NULL, NOW);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    assert_string_equal(e.code, "no_session");
}

/* Errors during the chunks and the polls. */
static void test_errors_later(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    pub_youtube.publish(&job, NULL);
    step_h(&job, 200, "", &location);
    assert_int_equal(step(&job, 503, envelope(503, "global", "backendError")), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    /* The next attempt asks the session first. */
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_probe(&job, BIG);
    assert_int_equal(step(&job, 401, envelope(401, "global", "authError")), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TOKEN_EXPIRED);
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_probe(&job, BIG);
    assert_int_equal(step(&job, 0, ""), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    pub_job_free(&job);

    job_init(&job, "video", opt, MIB);
    upload_small(&job);
    assert_int_equal(step(&job, 401, envelope(401, "global", "authError")), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TOKEN_EXPIRED);
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_poll(&job);
    assert_int_equal(step(&job, 403, envelope(403, "youtube.quota", "quotaExceeded")), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_RATE_LIMITED);
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step(&job, 500, ""), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    pub_job_free(&job);

    /* A final chunk answered without an id: the session is asked again next time. */
    job_init(&job, "video", opt, MIB);
    pub_youtube.publish(&job, NULL);
    step_h(&job, 200, "", &location);
    assert_int_equal(step(&job, 200, "{\"kind\":\"youtube#video\"}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_probe(&job, MIB);
    pub_job_free(&job);
    json_decref(opt);
}

/* Odd targets fail cleanly. */
static void test_bad_targets(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    job.nmedia = 0;
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    pub_job_free(&job);
    job_init(&job, "video", opt, BIG);
    media[0].kind = "image";
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_FAIL);
    assert_string_equal(job.err.code, "no_video");
    pub_job_free(&job);
    job_init(&job, "video", opt, 0);
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_FAIL);
    assert_string_equal(job.err.code, "empty_video");
    pub_job_free(&job);

    json_t *empty = json_object();
    job_init(&job, "video", empty, BIG);
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    assert_string_equal(job.err.code, "no_title");
    pub_job_free(&job);

    /* Odd option values: defaults, no crash. */
    json_t *odd = json_pack("{s:s, s:i, s:s, s:s, s:s}", "title", "T", "tags", 3, "privacy",
                            "secret", "made_for_kids", "no", "category_id", "");
    job_init(&job, "video", odd, BIG);
    job.text = NULL;
    job.access_token = NULL;
    media[0].mime = NULL;
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_hdr(&job, "X-Upload-Content-Type", "application/octet-stream");
    json_t *meta = json_loadb(job.req.r.body, job.req.r.body_len, 0, NULL);
    json_t *sn = json_object_get(meta, "snippet"), *st = json_object_get(meta, "status");
    assert_null(json_object_get(sn, "tags"));
    assert_string_equal(json_string_value(json_object_get(sn, "description")), "");
    assert_string_equal(json_string_value(json_object_get(sn, "categoryId")), "22");
    assert_string_equal(json_string_value(json_object_get(st, "privacyStatus")), "public");
    assert_null(json_object_get(st, "selfDeclaredMadeForKids"));
    json_decref(meta);
    pub_job_free(&job);
    json_decref(odd);
    json_decref(empty);
    json_decref(opt);
}

/* ---- reconcile ---- */

#define CHANNELS_URL API "/youtube/v3/channels?part=contentDetails&mine=true"
#define ITEMS_URL                                                                                  \
    API "/youtube/v3/playlistItems?part=snippet&playlistId=UUsimDemo000000000000001&maxResults=10"
#define CHANNELS_OK                                                                                \
    "{\"kind\":\"youtube#channelListResponse\",\"items\":[{\"id\":\"UCsimDemo000000000000001\","   \
    "\"contentDetails\":{\"relatedPlaylists\":{\"likes\":\"\",\"uploads\":"                        \
    "\"UUsimDemo000000000000001\"}}}]}"

static char item_buf[4][512];

/* A playlistItem of the uploads playlist. */
static const char *item(int slot, const char *id, const char *title, const char *published)
{
    snprintf(item_buf[slot], sizeof item_buf[slot],
             "{\"kind\":\"youtube#playlistItem\",\"id\":\"SIMPLI%s\",\"snippet\":{\"publishedAt\":"
             "\"%s\",\"title\":\"%s\",\"description\":\"d\",\"playlistId\":"
             "\"UUsimDemo000000000000001\",\"resourceId\":{\"kind\":\"youtube#video\","
             "\"videoId\":\"%s\"}}}",
             id, published, title, id);
    return item_buf[slot];
}

static pub_step rstep(pub_job *job, int status, const char *body)
{
    plat_response r = resp(status, body);
    return pub_youtube.reconcile(job, &r);
}

static void list_page(char *out, size_t n, const char *next, const char *a, const char *b,
                      const char *c)
{
    snprintf(out, n, "{\"kind\":\"youtube#playlistItemListResponse\",%s%s%s\"items\":[%s%s%s%s%s]}",
             next != NULL ? "\"nextPageToken\":\"" : "", next != NULL ? next : "",
             next != NULL ? "\"," : "", a != NULL ? a : "", b != NULL ? "," : "",
             b != NULL ? b : "", c != NULL ? "," : "", c != NULL ? c : "");
}

static void test_reconcile_found(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    assert_int_equal(pub_youtube.reconcile(&job, NULL), PUB_REQUEST);
    assert_req(&job, "GET", CHANNELS_URL);
    assert_int_equal(job.req.create_step, 0);
    assert_int_equal(rstep(&job, 200, CHANNELS_OK), PUB_REQUEST);
    assert_req(&job, "GET", ITEMS_URL);
    assert_string_equal(pub_state_str(&job, "uploads"), "UUsimDemo000000000000001");
    /* Newest first: another title, ours 30 s before the attempt began (within the minute of
     * slack), and an older upload of the same title. */
    char page[2048];
    list_page(page, sizeof page, NULL, item(0, "other_1", "Something else", "2025-12-31T23:58:00Z"),
              item(1, "ours_2", "Sea at dawn", "2025-12-31T23:49:30Z"),
              item(2, "old_3", "Sea at dawn", "2025-12-31T20:00:00Z"));
    assert_int_equal(rstep(&job, 200, page), PUB_DONE);
    assert_string_equal(job.remote_id, "ours_2");
    assert_string_equal(job.remote_url, "https://www.youtube.com/watch?v=ours_2");
    assert_string_equal(pub_state_str(&job, "video"), "ours_2");
    pub_job_free(&job);

    /* A short; the uploads playlist already known. */
    job_init(&job, "short", opt, BIG);
    job.state = json_pack("{s:s}", "uploads", "UUsimDemo000000000000001");
    assert_int_equal(pub_youtube.reconcile(&job, NULL), PUB_REQUEST);
    assert_req(&job, "GET", ITEMS_URL);
    list_page(page, sizeof page, NULL, item(0, "s_1", " Sea at dawn ", "2026-01-01T00:00:00Z"),
              NULL, NULL);
    assert_int_equal(rstep(&job, 200, page), PUB_DONE);
    assert_string_equal(job.remote_url, "https://www.youtube.com/shorts/s_1");
    pub_job_free(&job);

    /* The video already known from the state. */
    job_init(&job, "video", opt, BIG);
    job.state = json_pack("{s:s}", "video", VIDEO_ID);
    assert_int_equal(pub_youtube.reconcile(&job, NULL), PUB_DONE);
    assert_string_equal(job.remote_id, VIDEO_ID);
    pub_job_free(&job);
    json_decref(opt);
}

static void test_reconcile_not_found(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    pub_youtube.reconcile(&job, NULL);
    rstep(&job, 200, CHANNELS_OK);
    char page[2048];
    /* The same title, but older than the attempt minus a minute. */
    list_page(page, sizeof page, "SIMP10", item(0, "new_1", "Other", "2025-12-31T23:59:00Z"),
              item(1, "old_2", "Sea at dawn", "2025-12-31T23:48:59Z"), NULL);
    assert_int_equal(rstep(&job, 200, page), PUB_DONE);
    assert_string_equal(job.remote_id, "");
    assert_string_equal(job.remote_url, "");
    pub_job_free(&job);

    /* An empty channel. */
    job_init(&job, "video", opt, BIG);
    pub_youtube.reconcile(&job, NULL);
    rstep(&job, 200, CHANNELS_OK);
    assert_int_equal(rstep(&job, 200, "{\"items\":[]}"), PUB_DONE);
    assert_string_equal(job.remote_id, "");
    pub_job_free(&job);
    json_decref(opt);
}

/* More recent uploads than a page: the next pages, bounded. */
static void test_reconcile_pages(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    pub_youtube.reconcile(&job, NULL);
    rstep(&job, 200, CHANNELS_OK);
    char page[2048];
    list_page(page, sizeof page, "SIMP10", item(0, "n_1", "A", "2026-01-01T00:00:00Z"),
              item(1, "n_2", "B", "2025-12-31T23:55:00Z"), NULL);
    assert_int_equal(rstep(&job, 200, page), PUB_REQUEST);
    assert_req(&job, "GET", ITEMS_URL "&pageToken=SIMP10");
    list_page(page, sizeof page, "SIMP20", item(0, "n_3", "Sea at dawn", "2025-12-31T23:52:00Z"),
              NULL, NULL);
    assert_int_equal(rstep(&job, 200, page), PUB_DONE);
    assert_string_equal(job.remote_id, "n_3");
    pub_job_free(&job);

    /* Page after page of newer uploads: cannot tell. */
    job_init(&job, "video", opt, BIG);
    pub_youtube.reconcile(&job, NULL);
    rstep(&job, 200, CHANNELS_OK);
    list_page(page, sizeof page, "MORE", item(0, "n_1", "A", "2026-01-01T00:00:00Z"), NULL, NULL);
    for (int i = 0; i < 4; i++)
        assert_int_equal(rstep(&job, 200, page), PUB_REQUEST);
    assert_int_equal(rstep(&job, 200, page), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    pub_job_free(&job);
    json_decref(opt);
}

static void test_reconcile_unreadable(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    pub_youtube.reconcile(&job, NULL);
    assert_int_equal(rstep(&job, 500, envelope(500, "global", "backendError")), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    pub_job_free(&job);

    job_init(&job, "video", opt, BIG);
    pub_youtube.reconcile(&job, NULL);
    assert_int_equal(rstep(&job, 200, "{\"items\":[]}"), PUB_FAIL); /* no channel */
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    pub_job_free(&job);

    job_init(&job, "video", opt, BIG);
    pub_youtube.reconcile(&job, NULL);
    rstep(&job, 200, CHANNELS_OK);
    assert_int_equal(rstep(&job, 401, envelope(401, "global", "authError")), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TOKEN_EXPIRED);
    pub_job_free(&job);

    job_init(&job, "video", opt, BIG);
    pub_youtube.reconcile(&job, NULL);
    rstep(&job, 200, CHANNELS_OK);
    assert_int_equal(rstep(&job, 200, "not json"), PUB_FAIL);
    pub_job_free(&job);

    job_init(&job, "video", opt, BIG);
    pub_youtube.reconcile(&job, NULL);
    rstep(&job, 200, CHANNELS_OK);
    assert_int_equal(rstep(&job, 403, envelope(403, "youtube.quota", "quotaExceeded")), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_RATE_LIMITED);
    pub_job_free(&job);
    json_decref(opt);
}

/* With the session in the state, asking it is exact and cheap. */
static void test_reconcile_session(void **state)
{
    (void)state;
    json_t *opt = video_options();
    pub_job job;
    job_init(&job, "video", opt, BIG);
    job.state = saved_state(2 * CHUNK, "chunk");
    assert_int_equal(pub_youtube.reconcile(&job, NULL), PUB_REQUEST);
    assert_probe(&job, BIG);
    assert_int_equal(rstep(&job, 201, VIDEO_OK), PUB_DONE);
    assert_string_equal(job.remote_id, VIDEO_ID);
    assert_string_equal(job.remote_url, "https://www.youtube.com/watch?v=" VIDEO_ID);
    /* publish then only checks processing. */
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_poll(&job);
    pub_job_free(&job);

    /* 308: the final chunk never arrived; publish goes on from what the session has. */
    job_init(&job, "video", opt, BIG);
    job.state = saved_state(2 * CHUNK, "chunk");
    pub_youtube.reconcile(&job, NULL);
    assert_int_equal(
        pub_youtube.reconcile(&job, &(plat_response){.status = 308, .body = "", .body_len = 0}),
        PUB_DONE);
    assert_string_equal(job.remote_id, "");
    assert_int_equal(pub_state_int(&job, "committed", -1), 0);
    assert_int_equal(pub_youtube.publish(&job, NULL), PUB_REQUEST);
    assert_probe(&job, BIG);
    char range[64];
    snprintf(range, sizeof range, "bytes=0-%lld", (long long)(2 * CHUNK - 1));
    canned h = {{"Range"}, {range}};
    assert_int_equal(step_h(&job, 308, "", &h), PUB_REQUEST);
    assert_chunk(&job, 2 * CHUNK, BIG - 2 * CHUNK, BIG, 1);
    pub_job_free(&job);

    /* The session expired: list the uploads instead. */
    job_init(&job, "video", opt, BIG);
    job.state = saved_state(2 * CHUNK, "chunk");
    pub_youtube.reconcile(&job, NULL);
    assert_int_equal(rstep(&job, 404, envelope(404, "global", "notFound")), PUB_REQUEST);
    assert_req(&job, "GET", CHANNELS_URL);
    assert_null(pub_state_str(&job, "session"));
    pub_job_free(&job);

    /* Cannot ask: cannot tell. */
    job_init(&job, "video", opt, BIG);
    job.state = saved_state(2 * CHUNK, "chunk");
    pub_youtube.reconcile(&job, NULL);
    assert_int_equal(rstep(&job, 503, ""), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    pub_job_free(&job);
    json_decref(opt);
}

int main(void)
{
    setup_cfg();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops),
        cmocka_unit_test(test_video_flow),
        cmocka_unit_test(test_short_flow),
        cmocka_unit_test(test_one_create_step),
        cmocka_unit_test(test_partial_commit),
        cmocka_unit_test(test_resume_upload),
        cmocka_unit_test(test_resume_finished),
        cmocka_unit_test(test_session_expired),
        cmocka_unit_test(test_state_other_media),
        cmocka_unit_test(test_conflict_probes),
        cmocka_unit_test(test_processing_backoff),
        cmocka_unit_test(test_processing_failures),
        cmocka_unit_test(test_errors_quota),
        cmocka_unit_test(test_errors_rate),
        cmocka_unit_test(test_errors_classes),
        cmocka_unit_test(test_errors_later),
        cmocka_unit_test(test_bad_targets),
        cmocka_unit_test(test_reconcile_found),
        cmocka_unit_test(test_reconcile_not_found),
        cmocka_unit_test(test_reconcile_pages),
        cmocka_unit_test(test_reconcile_unreadable),
        cmocka_unit_test(test_reconcile_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
