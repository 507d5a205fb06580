/*
 * test_pub_x.c - the X publishing adapter (platform/pub_x.c) driven step by
 * step with canned responses: the requests it asks for (chunked media
 * upload, processing polls, posts and thread replies), what it keeps in
 * job.state to resume, how it reconciles a lost create, and how each X error
 * is classified.
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

#define NOW    1767225600000LL /* 2026-01-01T00:00:00Z */
#define TOKEN  "X-ACCESS-1"
#define USER   "1500000000000000001"
#define API    "http://sim/x/api"
#define UPLOAD "http://sim/x/upload"
#define MIB    (1024LL * 1024)

static config cfg;

static void setup_cfg(void)
{
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.x.api_url, sizeof cfg.x.api_url, API);
    snprintf(cfg.x.upload_url, sizeof cfg.x.upload_url, UPLOAD);
}

/* ---- canned responses ---- */

typedef struct canned {
    const char *names[6];
    const char *values[6];
} canned;

static const char *canned_header(const plat_response *r, const char *name)
{
    const canned *c = r->_ctx;
    for (int i = 0; c != NULL && i < 6 && c->names[i] != NULL; i++)
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

/* ---- media and jobs ---- */

static pub_media image(int64_t id, int64_t size)
{
    return (pub_media){id, "image", "image/jpeg", "jpeg", size, 800, 600, 0, 0, "", ""};
}

static pub_media video(int64_t id, int64_t size)
{
    return (pub_media){id, "video", "video/mp4", "mp4", size, 1280, 720, 10000, 0, "", ""};
}

static pub_media gif(int64_t id, int animated)
{
    return (pub_media){id, "image", "image/gif", "gif", 3000, 200, 200, 0, animated, "", ""};
}

typedef struct tjob {
    pub_job job;
    json_t *options;
} tjob;

static void job_init(tjob *t, const char *text, const char *options, const pub_media *media,
                     size_t nmedia, const pub_media *library, size_t nlibrary)
{
    memset(t, 0, sizeof *t);
    t->options = json_loads(options != NULL ? options : "{}", 0, NULL);
    assert_non_null(t->options);
    t->job.cfg = &cfg;
    t->job.pc = &cfg.x;
    t->job.now_ms = NOW;
    t->job.kind = "post";
    t->job.text = text;
    t->job.options = t->options;
    t->job.media = media;
    t->job.nmedia = nmedia;
    t->job.library = library;
    t->job.nlibrary = nlibrary;
    t->job.access_token = TOKEN;
    t->job.account_remote_id = USER;
    t->job.attempt_started_ms = NOW;
}

static void job_free(tjob *t)
{
    pub_job_free(&t->job);
    json_decref(t->options);
}

/* Keep the state across a "restart": a copy of what the executor stored. */
static void restart(tjob *t)
{
    json_t *saved = json_deep_copy(t->job.state);
    pub_req_reset(&t->job);
    json_decref(t->job.state);
    t->job.state = saved;
    memset(&t->job.err, 0, sizeof t->job.err);
}

/* ---- reading requests ---- */

static void assert_req(const pub_job *job, const char *method, const char *url)
{
    assert_string_equal(job->req.r.method, method);
    assert_string_equal(job->req.r.url, url);
    int authed = 0;
    for (int i = 0; i < job->req.r.nheaders; i++)
        if (strcmp(job->req.r.headers[i], "Authorization: Bearer " TOKEN) == 0)
            authed = 1;
    assert_true(authed);
}

static json_t *body(const pub_job *job)
{
    json_t *b = json_loadb(job->req.r.body, job->req.r.body_len, 0, NULL);
    assert_non_null(b);
    return b;
}

static const char *field(const pub_job *job, const char *name)
{
    for (int i = 0; i < job->req.nfields; i++)
        if (strcmp(job->req.fields[i][0], name) == 0)
            return job->req.fields[i][1];
    return NULL;
}

/* The upload of one item that needs no processing: INIT, APPENDs, FINALIZE. */
static void upload_plain(tjob *t, const char *xid, int64_t size, const char *category,
                         int media_index)
{
    pub_job *job = &t->job;
    assert_int_equal(job->req.create_step, 0);
    assert_req(job, "POST", UPLOAD "/2/media/upload/initialize");
    json_t *b = body(job);
    assert_string_equal(json_string_value(json_object_get(b, "media_category")), category);
    assert_int_equal(json_integer_value(json_object_get(b, "total_bytes")), size);
    json_decref(b);
    char answer[256], url[256];
    snprintf(answer, sizeof answer,
             "{\"data\":{\"id\":\"%s\",\"media_key\":\"3_%s\",\"expires_after_secs\":86400}}", xid,
             xid);
    plat_response r = resp(200, answer);
    int64_t off = 0;
    int seg = 0;
    assert_int_equal(pub_x.publish(job, &r), PUB_REQUEST);
    while (off < size) {
        snprintf(url, sizeof url, UPLOAD "/2/media/upload/%s/append", xid);
        assert_req(job, "POST", url);
        assert_true(job->req.multipart);
        char idx[16];
        snprintf(idx, sizeof idx, "%d", seg);
        assert_string_equal(field(job, "segment_index"), idx);
        assert_string_equal(job->req.part_name, "media");
        assert_int_equal(job->req.range.media, media_index);
        assert_int_equal(job->req.range.offset, off);
        int64_t len = size - off < 4 * MIB ? size - off : 4 * MIB;
        assert_int_equal(job->req.range.length, len);
        off += len;
        seg++;
        char exp[96];
        snprintf(exp, sizeof exp, "{\"data\":{\"expires_at\":%lld}}",
                 (long long)(job->now_ms / 1000 + 86400));
        r = resp(200, exp);
        assert_int_equal(pub_x.publish(job, &r), PUB_REQUEST);
    }
    snprintf(url, sizeof url, UPLOAD "/2/media/upload/%s/finalize", xid);
    assert_req(job, "POST", url);
}

static void finalize_ready(tjob *t, const char *xid, pub_step expect)
{
    char answer[256];
    snprintf(answer, sizeof answer,
             "{\"data\":{\"id\":\"%s\",\"media_key\":\"3_%s\",\"size\":10,"
             "\"expires_after_secs\":86400}}",
             xid, xid);
    plat_response r = resp(200, answer);
    assert_int_equal(pub_x.publish(&t->job, &r), expect);
}

/* ---- tests ---- */

static void test_text_post(void **state)
{
    (void)state;
    tjob t;
    job_init(&t, "Hello X", "{\"reply_settings\":\"everyone\"}", NULL, 0, NULL, 0);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_req(&t.job, "POST", API "/2/tweets");
    assert_int_equal(t.job.req.create_step, 1);
    json_t *b = body(&t.job);
    assert_string_equal(json_string_value(json_object_get(b, "text")), "Hello X");
    assert_null(json_object_get(b, "reply_settings")); /* everyone = left out */
    assert_null(json_object_get(b, "media"));
    assert_null(json_object_get(b, "reply"));
    json_decref(b);
    plat_response r = resp(201, "{\"data\":{\"id\":\"1456012973835788293\",\"text\":\"Hello X\","
                                "\"edit_history_tweet_ids\":[\"1456012973835788293\"]}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, "1456012973835788293");
    assert_string_equal(t.job.remote_url, "https://x.com/i/status/1456012973835788293");
    job_free(&t);
}

static void test_wrong_kind(void **state)
{
    (void)state;
    tjob t;
    job_init(&t, "Hello", NULL, NULL, 0, NULL, 0);
    t.job.kind = "reel";
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_PERMANENT);
    job_free(&t);
}

static void test_thread_chain_and_resume(void **state)
{
    (void)state;
    tjob t;
    job_init(&t, "1/3 start",
             "{\"reply_settings\":\"following\",\"thread\":[{\"text\":\"2/3 middle\"},"
             "{\"text\":\"3/3 end\",\"media\":[]}]}",
             NULL, 0, NULL, 0);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    json_t *b = body(&t.job);
    assert_string_equal(json_string_value(json_object_get(b, "reply_settings")), "following");
    json_decref(b);
    plat_response r = resp(201, "{\"data\":{\"id\":\"100\",\"text\":\"1/3 start\"}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    assert_req(&t.job, "POST", API "/2/tweets");
    assert_int_equal(t.job.req.create_step, 1);
    b = body(&t.job);
    assert_string_equal(json_string_value(json_object_get(b, "text")), "2/3 middle");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(b, "reply"), "in_reply_to_tweet_id")),
        "100");
    assert_null(json_object_get(b, "reply_settings")); /* the conversation's setting */
    json_decref(b);
    /* The second post meets a server error: the attempt fails, the first post stays. */
    r = resp(503, "{\"title\":\"Service Unavailable\",\"type\":\"about:blank\",\"status\":503}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_TRANSIENT);
    /* A later attempt (another worker) first makes sure the second post was not made after
     * all, then goes on with it, not with the first. */
    restart(&t);
    t.job.now_ms = NOW + 60000;
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_string_equal(t.job.req.r.method, "GET");
    assert_non_null(strstr(t.job.req.r.url, "&since_id=100"));
    r = resp(200, "{\"meta\":{\"result_count\":0}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    assert_int_equal(t.job.req.create_step, 1);
    b = body(&t.job);
    assert_string_equal(json_string_value(json_object_get(b, "text")), "2/3 middle");
    json_decref(b);
    r = resp(201, "{\"data\":{\"id\":\"101\",\"text\":\"2/3 middle\"}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    b = body(&t.job);
    assert_string_equal(json_string_value(json_object_get(b, "text")), "3/3 end");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(b, "reply"), "in_reply_to_tweet_id")),
        "101");
    json_decref(b);
    r = resp(201, "{\"data\":{\"id\":\"102\",\"text\":\"3/3 end\"}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, "100"); /* the target is the first post */
    json_t *tw = json_object_get(t.job.state, "tweets");
    assert_int_equal(json_array_size(tw), 3);
    assert_string_equal(json_string_value(json_array_get(tw, 2)), "102");
    job_free(&t);
}

static void test_images(void **state)
{
    (void)state;
    pub_media m[2] = {image(11, 1000), image(12, 5 * MIB)};
    tjob t;
    job_init(&t, "", NULL, m, 2, m, 2);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    json_t *b = body(&t.job);
    assert_string_equal(json_string_value(json_object_get(b, "media_type")), "image/jpeg");
    json_decref(b);
    upload_plain(&t, "9001", 1000, "tweet_image", 0);
    finalize_ready(&t, "9001", PUB_REQUEST);
    upload_plain(&t, "9002", 5 * MIB, "tweet_image", 1); /* two segments: 4 MiB + 1 MiB */
    finalize_ready(&t, "9002", PUB_REQUEST);
    assert_req(&t.job, "POST", API "/2/tweets");
    b = body(&t.job);
    assert_null(json_object_get(b, "text")); /* media only */
    json_t *ids = json_object_get(json_object_get(b, "media"), "media_ids");
    assert_int_equal(json_array_size(ids), 2);
    assert_string_equal(json_string_value(json_array_get(ids, 0)), "9001");
    assert_string_equal(json_string_value(json_array_get(ids, 1)), "9002");
    json_decref(b);
    plat_response r = resp(201, "{\"data\":{\"id\":\"200\",\"text\":\"https://t.co/abc\"}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, "200");
    job_free(&t);
}

static void test_video_processing(void **state)
{
    (void)state;
    pub_media m[1] = {video(21, 9 * MIB)};
    tjob t;
    job_init(&t, "A video", NULL, m, 1, m, 1);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    upload_plain(&t, "9101", 9 * MIB, "tweet_video", 0);
    plat_response r =
        resp(200, "{\"data\":{\"id\":\"9101\",\"media_key\":\"7_9101\",\"size\":9437184,"
                  "\"expires_after_secs\":86400,\"processing_info\":{\"state\":\"pending\","
                  "\"check_after_secs\":5}}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_WAIT);
    assert_int_equal(t.job.wait_ms, 5000);
    t.job.now_ms += 5000;
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_req(&t.job, "GET", UPLOAD "/2/media/upload?command=STATUS&media_id=9101");
    r = resp(200, "{\"data\":{\"id\":\"9101\",\"media_key\":\"7_9101\",\"processing_info\":"
                  "{\"state\":\"in_progress\",\"check_after_secs\":0,\"progress_percent\":40}}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_WAIT);
    assert_int_equal(t.job.wait_ms, 1000); /* at least a second between polls */
    t.job.now_ms += 1000;
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    r = resp(200, "{\"data\":{\"id\":\"9101\",\"media_key\":\"7_9101\",\"processing_info\":"
                  "{\"state\":\"succeeded\",\"progress_percent\":100}}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    assert_req(&t.job, "POST", API "/2/tweets");
    json_t *b = body(&t.job);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(b, "media"), "media_ids"), 0)),
                        "9101");
    json_decref(b);
    job_free(&t);
}

static void test_processing_failed(void **state)
{
    (void)state;
    pub_media m[1] = {video(22, 1000)};
    tjob t;
    job_init(&t, "Bad video", NULL, m, 1, m, 1);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    upload_plain(&t, "9201", 1000, "tweet_video", 0);
    plat_response r = resp(200, "{\"data\":{\"id\":\"9201\",\"processing_info\":{\"state\":"
                                "\"failed\",\"progress_percent\":100,\"error\":{\"code\":1,"
                                "\"name\":\"InvalidMedia\",\"message\":\"Invalid or Unsupported "
                                "media, Reason: UnsupportedMedia.\"}}}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_PERMANENT);
    assert_non_null(strstr(t.job.err.message, "UnsupportedMedia"));
    job_free(&t);
}

static void test_gif_categories(void **state)
{
    (void)state;
    pub_media a[1] = {gif(31, 1)}, s[1] = {gif(32, 0)};
    tjob t;
    job_init(&t, "anim", NULL, a, 1, a, 1);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    json_t *b = body(&t.job);
    assert_string_equal(json_string_value(json_object_get(b, "media_category")), "tweet_gif");
    assert_string_equal(json_string_value(json_object_get(b, "media_type")), "image/gif");
    json_decref(b);
    job_free(&t);
    job_init(&t, "still", NULL, s, 1, s, 1);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    b = body(&t.job);
    assert_string_equal(json_string_value(json_object_get(b, "media_category")), "tweet_image");
    json_decref(b);
    job_free(&t);
}

static void test_media_mix_refused(void **state)
{
    (void)state;
    pub_media m[2] = {video(41, 100), image(42, 100)};
    tjob t;
    job_init(&t, "mixed", NULL, m, 2, m, 2);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_PERMANENT);
    job_free(&t);
    pub_media five[5] = {image(1, 9), image(2, 9), image(3, 9), image(4, 9), image(5, 9)};
    job_init(&t, "five", NULL, five, 5, five, 5);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_FAIL);
    job_free(&t);
    /* A thread post naming media that is not in the job. */
    job_init(&t, "first", "{\"thread\":[{\"text\":\"second\",\"media\":[777]}]}", NULL, 0, NULL, 0);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_FAIL);
    assert_string_equal(t.job.err.code, "media_missing");
    job_free(&t);
}

static void test_thread_media_from_library(void **state)
{
    (void)state;
    pub_media main_m[1] = {image(51, 100)};
    pub_media lib[3] = {image(51, 100), image(52, 200), image(53, 300)};
    tjob t;
    /* The thread's post reuses the first post's image and adds two of its own. */
    job_init(&t, "first", "{\"thread\":[{\"text\":\"second\",\"media\":[53,51,52]}]}", main_m, 1,
             lib, 3);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    upload_plain(&t, "9501", 100, "tweet_image", 0); /* job.media[0] = job.library[0] */
    finalize_ready(&t, "9501", PUB_REQUEST);
    upload_plain(&t, "9503", 300, "tweet_image", 2); /* job.library[2] */
    finalize_ready(&t, "9503", PUB_REQUEST);
    upload_plain(&t, "9502", 200, "tweet_image", 1);
    finalize_ready(&t, "9502", PUB_REQUEST);
    /* Everything is uploaded before the first post goes out; 51 only once. */
    assert_req(&t.job, "POST", API "/2/tweets");
    plat_response r = resp(201, "{\"data\":{\"id\":\"300\",\"text\":\"first\"}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    json_t *b = body(&t.job);
    json_t *ids = json_object_get(json_object_get(b, "media"), "media_ids");
    assert_int_equal(json_array_size(ids), 3);
    assert_string_equal(json_string_value(json_array_get(ids, 0)), "9503");
    assert_string_equal(json_string_value(json_array_get(ids, 1)), "9501");
    assert_string_equal(json_string_value(json_array_get(ids, 2)), "9502");
    json_decref(b);
    job_free(&t);
}

static void test_expired_media_reuploaded_on_resume(void **state)
{
    (void)state;
    pub_media m[1] = {image(61, 100)};
    tjob t;
    job_init(&t, "first", "{\"thread\":[{\"text\":\"second\",\"media\":[61]}]}", m, 1, m, 1);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    upload_plain(&t, "9601", 100, "tweet_image", 0);
    finalize_ready(&t, "9601", PUB_REQUEST);
    plat_response r = resp(201, "{\"data\":{\"id\":\"400\",\"text\":\"first\"}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    r = resp(500, "{}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_FAIL);
    /* Resumed two days later: 9601 expired after 86400 s, so the image goes up again. */
    restart(&t);
    t.job.now_ms = NOW + 2 * 86400000LL;
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST); /* was it made? no */
    assert_string_equal(t.job.req.r.method, "GET");
    r = resp(200, "{\"meta\":{\"result_count\":0}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    upload_plain(&t, "9602", 100, "tweet_image", 0);
    finalize_ready(&t, "9602", PUB_REQUEST);
    json_t *b = body(&t.job);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(b, "media"), "media_ids"), 0)),
                        "9602");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(b, "reply"), "in_reply_to_tweet_id")),
        "400");
    json_decref(b);
    /* Resumed within the lifetime: nothing is uploaded again. */
    restart(&t);
    t.job.now_ms += 3600000;
    json_object_del(t.job.state, "sending");
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_req(&t.job, "POST", API "/2/tweets");
    job_free(&t);
}

static void test_lost_answers(void **state)
{
    (void)state;
    pub_media m[1] = {video(71, 6 * MIB)};
    tjob t;
    job_init(&t, "v", NULL, m, 1, m, 1);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    plat_response r = resp(200, "{\"data\":{\"id\":\"9701\",\"expires_after_secs\":1295999}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    assert_int_equal(t.job.req.range.offset, 0);
    /* The APPEND's answer is lost: the same segment goes again. */
    restart(&t);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_req(&t.job, "POST", UPLOAD "/2/media/upload/9701/append");
    assert_string_equal(field(&t.job, "segment_index"), "0");
    assert_int_equal(t.job.req.range.offset, 0);
    r = resp(200, "{\"data\":{\"expires_at\":1768521599}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    assert_string_equal(field(&t.job, "segment_index"), "1");
    assert_int_equal(t.job.req.range.offset, 4 * MIB);
    assert_int_equal(t.job.req.range.length, 2 * MIB);
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    assert_req(&t.job, "POST", UPLOAD "/2/media/upload/9701/finalize");
    /* The FINALIZE's answer is lost: STATUS asks whether it was finalized. */
    restart(&t);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_req(&t.job, "GET", UPLOAD "/2/media/upload?command=STATUS&media_id=9701");
    r = resp(400, "{\"errors\":[{\"message\":\"The media id is not a finalized upload of this "
                  "user.\"}],\"title\":\"Invalid Request\",\"type\":"
                  "\"https://api.x.com/2/problems/invalid-request\"}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    assert_req(&t.job, "POST", UPLOAD "/2/media/upload/9701/finalize");
    /* Lost again, but this time it had gone through: STATUS tells the processing state. */
    restart(&t);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    r = resp(200, "{\"data\":{\"id\":\"9701\",\"processing_info\":{\"state\":\"succeeded\"}}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST);
    assert_req(&t.job, "POST", API "/2/tweets");
    job_free(&t);
}

static void test_upload_forgotten(void **state)
{
    (void)state;
    pub_media m[1] = {image(81, 100)};
    tjob t;
    job_init(&t, "img", NULL, m, 1, m, 1);
    plat_response init = resp(200, "{\"data\":{\"id\":\"9801\",\"expires_after_secs\":100000}}");
    plat_response gone = resp(400, "{\"errors\":[{\"message\":\"The media id is not a pending "
                                   "upload of this user.\"}],\"title\":\"Invalid Request\"}");
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pub_x.publish(&t.job, &init), PUB_REQUEST);
        assert_req(&t.job, "POST", UPLOAD "/2/media/upload/9801/append");
        assert_int_equal(pub_x.publish(&t.job, &gone), PUB_REQUEST);
        assert_req(&t.job, "POST", UPLOAD "/2/media/upload/initialize"); /* started over */
    }
    assert_int_equal(pub_x.publish(&t.job, &init), PUB_REQUEST);
    assert_int_equal(pub_x.publish(&t.job, &gone), PUB_FAIL); /* not forever */
    assert_int_equal(t.job.err.kind, PERR_INVALID);
    assert_non_null(strstr(t.job.err.message, "not a pending upload"));
    job_free(&t);
}

static void test_invalid_media_ids_on_create(void **state)
{
    (void)state;
    pub_media m[1] = {image(91, 100)};
    tjob t;
    job_init(&t, "img", NULL, m, 1, m, 1);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    upload_plain(&t, "9901", 100, "tweet_image", 0);
    finalize_ready(&t, "9901", PUB_REQUEST);
    plat_response bad = resp(400, "{\"errors\":[{\"parameters\":{\"media.media_ids\":[\"9901\"]},"
                                  "\"message\":\"Your media IDs are invalid.\"}],\"title\":"
                                  "\"Invalid Request\",\"detail\":\"One or more parameters to "
                                  "your request was invalid.\",\"type\":"
                                  "\"https://api.x.com/2/problems/invalid-request\"}");
    assert_int_equal(pub_x.publish(&t.job, &bad), PUB_REQUEST);
    upload_plain(&t, "9902", 100, "tweet_image", 0); /* once more */
    finalize_ready(&t, "9902", PUB_REQUEST);
    assert_int_equal(pub_x.publish(&t.job, &bad), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_INVALID);
    assert_string_equal(t.job.err.code, "invalid-request");
    assert_non_null(strstr(t.job.err.message, "Your media IDs are invalid"));
    job_free(&t);
}

/* One create answered with r: the step and the error. */
static pub_step create_with(tjob *t, const plat_response *r)
{
    job_init(t, "Some text", NULL, NULL, 0, NULL, 0);
    assert_int_equal(pub_x.publish(&t->job, NULL), PUB_REQUEST);
    return pub_x.publish(&t->job, r);
}

static void test_errors(void **state)
{
    (void)state;
    tjob t;
    plat_response r = resp(401, "{\"title\":\"Unauthorized\",\"type\":\"about:blank\","
                                "\"status\":401,\"detail\":\"Unauthorized\"}");
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_TOKEN_EXPIRED);
    job_free(&t);

    r = resp(403, "{\"detail\":\"You are not allowed to create a Tweet with duplicate content.\","
                  "\"type\":\"about:blank\",\"title\":\"Forbidden\",\"status\":403}");
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_PERMANENT);
    assert_string_equal(t.job.err.code, "duplicate");
    job_free(&t);

    r = resp(403, "{\"detail\":\"You attempted to reply to a Tweet that is deleted or not "
                  "visible to you.\",\"type\":\"about:blank\",\"title\":\"Forbidden\"}");
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_PERMANENT);
    assert_string_equal(t.job.err.code, "reply_target_gone");
    job_free(&t);

    r = resp(403, "{\"title\":\"Client Forbidden\",\"type\":"
                  "\"https://api.x.com/2/problems/client-forbidden\",\"detail\":\"This request "
                  "must be made using an approved developer account.\"}");
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_PERMANENT);
    job_free(&t);

    r = resp(403, "{\"title\":\"Forbidden\",\"type\":\"about:blank\",\"detail\":\"Forbidden\"}");
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_DENIED);
    job_free(&t);

    r = resp(400, "{\"errors\":[{\"message\":\"Your Tweet text is too long.\"}],\"title\":"
                  "\"Invalid Request\",\"type\":\"https://api.x.com/2/problems/invalid-request\"}");
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_INVALID);
    assert_int_equal(t.job.err.http_status, 400);
    assert_non_null(strstr(t.job.err.message, "too long"));
    job_free(&t);

    r = resp(502, "{\"title\":\"Bad Gateway\"}");
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_TRANSIENT);
    job_free(&t);

    r = resp(0, "");
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_TRANSIENT);
    job_free(&t);

    r = resp(413, "");
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_PERMANENT);
    job_free(&t);
}

static void test_rate_limits(void **state)
{
    (void)state;
    tjob t;
    const char *tmr = "{\"title\":\"Too Many Requests\",\"detail\":\"Too Many Requests\","
                      "\"type\":\"about:blank\",\"status\":429}";
    /* The 15-minute window. */
    canned h1 = {{"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"},
                 {"100", "0", "1767226500"}};
    plat_response r = resp_h(429, tmr, &h1);
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_RATE_LIMITED);
    assert_int_equal(t.job.err.retry_at_ms, 1767226500000LL);
    job_free(&t);
    /* The user's 24-hour post limit is what ran out, not the window. */
    canned h2 = {{"x-rate-limit-remaining", "x-rate-limit-reset", "x-user-limit-24hour-limit",
                  "x-user-limit-24hour-remaining", "x-user-limit-24hour-reset"},
                 {"99", "1767226500", "17", "0", "1767290000"}};
    r = resp_h(429, tmr, &h2);
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_RATE_LIMITED);
    assert_int_equal(t.job.err.retry_at_ms, 1767290000000LL);
    job_free(&t);
    /* Nothing said: retry_at unknown. */
    r = resp(429, tmr);
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_RATE_LIMITED);
    assert_int_equal(t.job.err.retry_at_ms, 0);
    job_free(&t);
    /* The app's monthly cap: not worth retrying for weeks. */
    r = resp_h(429,
               "{\"account_id\":\"1\",\"product_name\":\"standard-basic\",\"title\":"
               "\"UsageCapExceeded\",\"period\":\"Monthly\",\"scope\":\"Product\",\"detail\":"
               "\"Usage cap exceeded: Monthly product cap\",\"type\":"
               "\"https://api.twitter.com/2/problems/usage-capped\"}",
               &h2);
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_PERMANENT);
    assert_string_equal(t.job.err.code, "usage-capped");
    assert_non_null(strstr(t.job.err.message, "monthly usage cap"));
    job_free(&t);
    /* A daily cap: wait for the 24-hour reset. */
    r = resp_h(429,
               "{\"title\":\"UsageCapExceeded\",\"period\":\"Daily\",\"scope\":\"Account\","
               "\"detail\":\"Usage cap exceeded: Daily account cap\",\"type\":"
               "\"https://api.x.com/2/problems/usage-capped\"}",
               &h2);
    assert_int_equal(create_with(&t, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_RATE_LIMITED);
    assert_int_equal(t.job.err.retry_at_ms, 1767290000000LL);
    job_free(&t);
}

/* ---- reconciliation ---- */

static void test_reconcile_found(void **state)
{
    (void)state;
    pub_media m[1] = {image(101, 100)};
    tjob t;
    job_init(&t, "Read https://example.com/a-long-path?x=1 & more", NULL, m, 1, m, 1);
    t.job.attempt_started_ms = NOW;
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    upload_plain(&t, "10001", 100, "tweet_image", 0);
    finalize_ready(&t, "10001", PUB_REQUEST);
    assert_int_equal(t.job.req.create_step, 1);
    /* The worker dies with the create sent; a later attempt, an hour on, reconciles.  The
     * search starts from when the create was sent (less 5 minutes), not from this attempt. */
    restart(&t);
    t.job.attempt_started_ms = t.job.now_ms = NOW + 3600000;
    assert_int_equal(pub_x.reconcile(&t.job, NULL), PUB_REQUEST);
    assert_req(&t.job, "GET",
               API "/2/users/" USER "/tweets?max_results=100&tweet.fields=created_at,text,"
                   "referenced_tweets,attachments&start_time=2025-12-31T23:55:00Z");
    assert_int_equal(t.job.req.create_step, 0);
    /* X shows the URL as t.co, escapes &, and appends the media's t.co link. */
    plat_response r =
        resp(200, "{\"data\":[{\"id\":\"502\",\"created_at\":\"2026-01-01T00:00:03.000Z\",\"text\":"
                  "\"Something else\"},{\"id\":\"501\",\"created_at\":\"2026-01-01T00:00:02.000Z\","
                  "\"text\":\"Read https://t.co/Zx81Ab2QwE &amp; more https://t.co/MediaLink9\"},"
                  "{\"id\":\"400\",\"created_at\":\"2025-12-30T00:00:00.000Z\",\"text\":\"Read "
                  "https://t.co/Zx81Ab2QwE &amp; more\"}],\"meta\":{\"result_count\":3}}");
    assert_int_equal(pub_x.reconcile(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, "501");
    assert_string_equal(t.job.remote_url, "https://x.com/i/status/501");
    job_free(&t);
}

static void test_reconcile_without_send_time(void **state)
{
    (void)state;
    tjob t;
    job_init(&t, "Hi", NULL, NULL, 0, NULL, 0);
    /* Progress from before send times were kept: look back a day from the attempt. */
    t.job.state = json_pack("{s:i}", "sending", 0);
    assert_int_equal(pub_x.reconcile(&t.job, NULL), PUB_REQUEST);
    assert_non_null(strstr(t.job.req.r.url, "&start_time=2025-12-31T00:00:00Z"));
    plat_response r = resp(200, "{\"data\":[{\"id\":\"5\",\"created_at\":"
                                "\"2025-12-31T08:00:00.000Z\",\"text\":\"Hi\"}]}");
    assert_int_equal(pub_x.reconcile(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, "5");
    job_free(&t);
}

static void test_reconcile_not_found_then_publish(void **state)
{
    (void)state;
    tjob t;
    job_init(&t, "Only this", NULL, NULL, 0, NULL, 0);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    restart(&t);
    assert_int_equal(pub_x.reconcile(&t.job, NULL), PUB_REQUEST);
    /* An old post with the same text is not ours; page two is read. */
    plat_response r = resp(200, "{\"data\":[{\"id\":\"1\",\"created_at\":\"2025-06-01T00:00:00Z\","
                                "\"text\":\"Only this\"}],\"meta\":{\"result_count\":1,"
                                "\"next_token\":\"t_0\"}}");
    assert_int_equal(pub_x.reconcile(&t.job, &r), PUB_REQUEST);
    assert_non_null(strstr(t.job.req.r.url, "&pagination_token=t_0"));
    r = resp(200, "{\"meta\":{\"result_count\":0}}");
    assert_int_equal(pub_x.reconcile(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, "");
    /* Not created: publishing sends it again. */
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_req(&t.job, "POST", API "/2/tweets");
    assert_int_equal(t.job.req.create_step, 1);
    /* X says duplicate: since it was in doubt, look once more (it may be ours after all). */
    plat_response dup = resp(403, "{\"detail\":\"You are not allowed to create a Tweet with "
                                  "duplicate content.\",\"title\":\"Forbidden\"}");
    assert_int_equal(pub_x.publish(&t.job, &dup), PUB_REQUEST);
    assert_non_null(strstr(t.job.req.r.url, "/2/users/" USER "/tweets?"));
    r = resp(200, "{\"data\":[{\"id\":\"77\",\"created_at\":\"2026-01-01T00:00:01Z\","
                  "\"text\":\"Only this\"}],\"meta\":{\"result_count\":1}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, "77");
    job_free(&t);
}

static void test_duplicate_in_doubt_not_found(void **state)
{
    (void)state;
    tjob t;
    job_init(&t, "Dup", NULL, NULL, 0, NULL, 0);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_int_equal(pub_x.reconcile(&t.job, NULL), PUB_REQUEST);
    plat_response none = resp(200, "{\"meta\":{\"result_count\":0}}");
    assert_int_equal(pub_x.reconcile(&t.job, &none), PUB_DONE);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    plat_response dup = resp(403, "{\"detail\":\"You are not allowed to create a Tweet with "
                                  "duplicate content.\",\"title\":\"Forbidden\"}");
    assert_int_equal(pub_x.publish(&t.job, &dup), PUB_REQUEST);
    assert_int_equal(pub_x.publish(&t.job, &none), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_PERMANENT);
    assert_string_equal(t.job.err.code, "duplicate");
    job_free(&t);
}

static void test_reconcile_thread_part(void **state)
{
    (void)state;
    tjob t;
    job_init(&t, "one", "{\"thread\":[{\"text\":\"two\"},{\"text\":\"three\"}]}", NULL, 0, NULL, 0);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    plat_response r = resp(201, "{\"data\":{\"id\":\"600\",\"text\":\"one\"}}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_REQUEST); /* "two" in flight */
    restart(&t);
    assert_int_equal(pub_x.reconcile(&t.job, NULL), PUB_REQUEST);
    assert_non_null(strstr(t.job.req.r.url, "&since_id=600"));
    /* A "two" that does not reply to 600 is someone else's thread. */
    r = resp(200, "{\"data\":[{\"id\":\"602\",\"created_at\":\"2026-01-01T00:00:05Z\",\"text\":"
                  "\"two\",\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"9\"}]},"
                  "{\"id\":\"601\",\"created_at\":\"2026-01-01T00:00:04Z\",\"text\":\"two\","
                  "\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"600\"}]}],"
                  "\"meta\":{\"result_count\":2}}");
    assert_int_equal(pub_x.reconcile(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, ""); /* the thread is not finished yet */
    json_t *tw = json_object_get(t.job.state, "tweets");
    assert_int_equal(json_array_size(tw), 2);
    assert_string_equal(json_string_value(json_array_get(tw, 1)), "601");
    /* Publishing goes on with the third post. */
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    json_t *b = body(&t.job);
    assert_string_equal(json_string_value(json_object_get(b, "text")), "three");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(b, "reply"), "in_reply_to_tweet_id")),
        "601");
    json_decref(b);
    /* The last one is lost too, and found: the target is done with the first post's id. */
    assert_int_equal(pub_x.reconcile(&t.job, NULL), PUB_REQUEST);
    r = resp(200, "{\"data\":[{\"id\":\"603\",\"created_at\":\"2026-01-01T00:00:09Z\",\"text\":"
                  "\"three\",\"referenced_tweets\":[{\"type\":\"replied_to\",\"id\":\"601\"}]}],"
                  "\"meta\":{\"result_count\":1}}");
    assert_int_equal(pub_x.reconcile(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, "600");
    job_free(&t);
}

static void test_reconcile_media_only(void **state)
{
    (void)state;
    pub_media m[1] = {image(111, 100)};
    tjob t;
    job_init(&t, "", NULL, m, 1, m, 1);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    upload_plain(&t, "11001", 100, "tweet_image", 0);
    finalize_ready(&t, "11001", PUB_REQUEST);
    assert_int_equal(pub_x.reconcile(&t.job, NULL), PUB_REQUEST);
    /* Two posts without text: only the one with our media key is ours. */
    plat_response r = resp(
        200, "{\"data\":[{\"id\":\"702\",\"created_at\":\"2026-01-01T00:00:05Z\",\"text\":"
             "\"https://t.co/aaa\",\"attachments\":{\"media_keys\":[\"3_1\"]}},{\"id\":\"701\","
             "\"created_at\":\"2026-01-01T00:00:04Z\",\"text\":\"https://t.co/bbb\","
             "\"attachments\":{\"media_keys\":[\"3_11001\"]}}],\"meta\":{\"result_count\":2}}");
    assert_int_equal(pub_x.reconcile(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, "701");
    job_free(&t);
}

static void test_reconcile_errors(void **state)
{
    (void)state;
    tjob t;
    job_init(&t, "x", NULL, NULL, 0, NULL, 0);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_int_equal(pub_x.reconcile(&t.job, NULL), PUB_REQUEST);
    plat_response r = resp(503, "{}");
    assert_int_equal(pub_x.reconcile(&t.job, &r), PUB_FAIL);
    assert_int_equal(t.job.err.kind, PERR_TRANSIENT);
    /* Publishing never sends the create blind while its outcome is unknown: it looks first. */
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_string_equal(t.job.req.r.method, "GET");
    assert_int_equal(t.job.req.create_step, 0);
    r = resp(200, "{\"data\":[{\"id\":\"801\",\"created_at\":\"2026-01-01T00:00:02Z\","
                  "\"text\":\"x\"}]}");
    assert_int_equal(pub_x.publish(&t.job, &r), PUB_DONE);
    assert_string_equal(t.job.remote_id, "801");
    job_free(&t);
    job_init(&t, "x", NULL, NULL, 0, NULL, 0);
    assert_int_equal(pub_x.publish(&t.job, NULL), PUB_REQUEST);
    assert_int_equal(pub_x.reconcile(&t.job, NULL), PUB_REQUEST);
    r = resp(200, "not json");
    assert_int_equal(pub_x.reconcile(&t.job, &r), PUB_FAIL);
    job_free(&t);
}

int main(void)
{
    setup_cfg();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_post),
        cmocka_unit_test(test_wrong_kind),
        cmocka_unit_test(test_thread_chain_and_resume),
        cmocka_unit_test(test_images),
        cmocka_unit_test(test_video_processing),
        cmocka_unit_test(test_processing_failed),
        cmocka_unit_test(test_gif_categories),
        cmocka_unit_test(test_media_mix_refused),
        cmocka_unit_test(test_thread_media_from_library),
        cmocka_unit_test(test_expired_media_reuploaded_on_resume),
        cmocka_unit_test(test_lost_answers),
        cmocka_unit_test(test_upload_forgotten),
        cmocka_unit_test(test_invalid_media_ids_on_create),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_rate_limits),
        cmocka_unit_test(test_reconcile_found),
        cmocka_unit_test(test_reconcile_without_send_time),
        cmocka_unit_test(test_reconcile_not_found_then_publish),
        cmocka_unit_test(test_duplicate_in_doubt_not_found),
        cmocka_unit_test(test_reconcile_thread_part),
        cmocka_unit_test(test_reconcile_media_only),
        cmocka_unit_test(test_reconcile_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
