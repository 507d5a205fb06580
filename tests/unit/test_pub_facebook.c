/*
 * test_pub_facebook.c - the Facebook Pages publishing adapter
 * (platform/pub_facebook.c) driven step by step with canned responses: the
 * requests of every post kind, the processing waits, resuming from a saved
 * state, how Graph errors are classified, and reconciliation.
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

#define NOW     1760000000000LL /* 2025-10-09T08:53:20Z */
#define STARTED (NOW - 5000)    /* job.attempt_started_ms */
#define TOKEN   "PAGE-TOKEN-abc123"
#define PAGE    "20150000000000001"
#define API     "https://sim.test/facebook/graph/v20.0"
#define UPLOAD  "https://sim.test/facebook/rupload"
#define TEXT    "Fresh beans today \xe2\x98\x95"
#define LINK1   "https://media.test/m/1.jpg?sig=AAA"
#define LINK2   "https://media.test/m/2.png?sig=BBB"
#define LINK3   "https://media.test/m/3.jpg?sig=CCC"
#define VLINK   "https://media.test/m/4.mp4?sig=DDD"

static config cfg;

static void setup_cfg(void)
{
    memset(&cfg, 0, sizeof cfg);
    platform_cfg *f = &cfg.facebook;
    snprintf(f->client_id, sizeof f->client_id, "fb-app-1");
    snprintf(f->api_url, sizeof f->api_url, "https://sim.test/facebook/graph");
    snprintf(f->upload_url, sizeof f->upload_url, UPLOAD);
    snprintf(f->version, sizeof f->version, "v20.0");
}

static const pub_media images[3] = {
    {.id = 1,
     .kind = "image",
     .mime = "image/jpeg",
     .format = "jpeg",
     .size = 120000,
     .width = 1080,
     .height = 1080,
     .alt_text = "A cup of coffee",
     .public_url = LINK1},
    {.id = 2,
     .kind = "image",
     .mime = "image/png",
     .format = "png",
     .size = 90000,
     .width = 800,
     .height = 600,
     .alt_text = "",
     .public_url = LINK2},
    {.id = 3,
     .kind = "image",
     .mime = "image/jpeg",
     .format = "jpeg",
     .size = 70000,
     .width = 600,
     .height = 800,
     .alt_text = "",
     .public_url = LINK3},
};

static const pub_media video = {.id = 4,
                                .kind = "video",
                                .mime = "video/mp4",
                                .format = "mp4",
                                .size = 5000000,
                                .width = 1080,
                                .height = 1920,
                                .duration_ms = 15000,
                                .alt_text = "",
                                .public_url = VLINK};

static json_t *no_options;

/* A job for kind with media (n items), the Page token and a fresh state. */
static void job_start(pub_job *job, const char *kind, const pub_media *media, size_t n)
{
    setup_cfg();
    memset(job, 0, sizeof *job);
    if (no_options == NULL)
        no_options = json_object();
    job->cfg = &cfg;
    job->pc = &cfg.facebook;
    job->now_ms = NOW;
    job->kind = kind;
    job->text = TEXT;
    job->options = no_options;
    job->media = media;
    job->nmedia = n;
    job->library = media;
    job->nlibrary = n;
    job->access_token = TOKEN;
    job->account_remote_id = PAGE;
    job->account_kind = "page";
    job->attempt_started_ms = STARTED;
}

/* ---- canned responses ---- */

typedef struct fake_headers {
    const char *name[4];
    const char *value[4];
} fake_headers;

static const char *fake_header(const plat_response *r, const char *name)
{
    const fake_headers *h = r->_ctx;
    for (int i = 0; h != NULL && i < 4 && h->name[i] != NULL; i++)
        if (strcasecmp(h->name[i], name) == 0)
            return h->value[i];
    return NULL;
}

static plat_response reply_h(int status, const char *body, const fake_headers *h)
{
    plat_response r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.body = body;
    r.body_len = strlen(body);
    r.header = fake_header;
    r._ctx = (void *)h;
    return r;
}

static pub_step step_h(pub_job *job, int status, const char *body, const fake_headers *h)
{
    plat_response r = reply_h(status, body, h);
    return pub_facebook.publish(job, &r);
}

static pub_step step(pub_job *job, int status, const char *body)
{
    return step_h(job, status, body, NULL);
}

static pub_step rc_step(pub_job *job, int status, const char *body)
{
    plat_response r = reply_h(status, body, NULL);
    return pub_facebook.reconcile(job, &r);
}

/* ---- reading requests ---- */

static int unhex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The decoded value of key in a URL's query; NULL if absent.  A static buffer. */
static const char *query_arg(const char *url, const char *key)
{
    static char out[4096];
    const char *q = strchr(url, '?');
    if (q == NULL)
        return NULL;
    const char *p = q + 1;
    size_t kl = strlen(key);
    while (*p) {
        size_t n = strcspn(p, "&");
        if (n > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t o = 0;
            for (size_t i = kl + 1; i < n && o + 1 < sizeof out; i++) {
                if (p[i] == '%' && i + 2 < n + 1 && unhex(p[i + 1]) >= 0 && unhex(p[i + 2]) >= 0) {
                    out[o++] = (char)(unhex(p[i + 1]) * 16 + unhex(p[i + 2]));
                    i += 2;
                } else {
                    out[o++] = p[i];
                }
            }
            out[o] = '\0';
            return out;
        }
        p += n;
        if (*p == '&')
            p++;
    }
    return NULL;
}

static void assert_query(const char *url, const char *key, const char *want)
{
    const char *got = query_arg(url, key);
    if (got == NULL)
        fail_msg("argument %s missing in %s", key, url);
    assert_string_equal(got, want);
}

/* The URL without its query. */
static const char *url_path(const char *url)
{
    static char out[PLAT_URL_MAX];
    snprintf(out, sizeof out, "%.*s", (int)strcspn(url, "?"), url);
    return out;
}

static int has_header(const pub_request *q, const char *line)
{
    for (int i = 0; i < q->r.nheaders; i++)
        if (strcmp(q->r.headers[i], line) == 0)
            return 1;
    return 0;
}

static int has_header_named(const pub_request *q, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < q->r.nheaders; i++)
        if (strncasecmp(q->r.headers[i], name, n) == 0 && q->r.headers[i][n] == ':')
            return 1;
    return 0;
}

/* A Graph request: method, path, the token in the header and never in the URL. */
static void assert_graph(const pub_job *job, const char *method, const char *path, int create)
{
    assert_string_equal(job->req.r.method, method);
    assert_string_equal(url_path(job->req.r.url), path);
    assert_true(has_header(&job->req, "Authorization: Bearer " TOKEN));
    assert_null(strstr(job->req.r.url, TOKEN));
    assert_int_equal(job->req.create_step, create);
    assert_int_equal(job->req.stream, 0);
    assert_int_equal(job->req.multipart, 0);
    if (strcmp(method, "POST") == 0)
        assert_true(has_header(&job->req, "Content-Type: application/json"));
}

/* The request's JSON body (caller decrefs). */
static json_t *body_of(const pub_job *job)
{
    assert_non_null(job->req.r.body);
    json_t *j = json_loadb(job->req.r.body, job->req.r.body_len, 0, NULL);
    if (!json_is_object(j))
        fail_msg("body is not a JSON object: %s", job->req.r.body);
    return j;
}

static void assert_body_str(const pub_job *job, const char *key, const char *want)
{
    json_t *j = body_of(job);
    const char *got = json_string_value(json_object_get(j, key));
    if (got == NULL)
        fail_msg("body member %s missing in %s", key, job->req.r.body);
    assert_string_equal(got, want);
    json_decref(j);
}

static void assert_body_bool(const pub_job *job, const char *key, int want)
{
    json_t *j = body_of(job);
    json_t *v = json_object_get(j, key);
    if (!json_is_boolean(v))
        fail_msg("body member %s is not a boolean in %s", key, job->req.r.body);
    assert_int_equal(json_is_true(v), want);
    json_decref(j);
}

static void assert_body_lacks(const pub_job *job, const char *key)
{
    json_t *j = body_of(job);
    if (json_object_get(j, key) != NULL)
        fail_msg("body member %s should be absent in %s", key, job->req.r.body);
    json_decref(j);
}

static const char *state_str(const pub_job *job, const char *key)
{
    return json_string_value(json_object_get(job->state, key));
}

static void graph_error(char *out, size_t len, int code, int subcode, const char *message)
{
    if (subcode != 0)
        snprintf(out, len,
                 "{\"error\":{\"message\":\"%s\",\"type\":\"OAuthException\",\"code\":%d,"
                 "\"error_subcode\":%d,\"fbtrace_id\":\"Abc\"}}",
                 message, code, subcode);
    else
        snprintf(out, len,
                 "{\"error\":{\"message\":\"%s\",\"type\":\"OAuthException\",\"code\":%d,"
                 "\"fbtrace_id\":\"Abc\"}}",
                 message, code);
}

/* ---- text posts ---- */

static void test_post_text(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "post", NULL, 0);
    json_t *opts = json_pack("{s:s}", "link", "https://example.com/beans");
    job.options = opts;
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/feed", 1);
    assert_query(job.req.r.url, "fields", "id,permalink_url");
    assert_body_str(&job, "message", TEXT);
    assert_body_str(&job, "link", "https://example.com/beans");
    assert_body_bool(&job, "published", 1);
    assert_int_equal(step(&job, 200,
                          "{\"id\":\"" PAGE "_99\",\"permalink_url\":"
                          "\"https://www.facebook.com/" PAGE "/posts/99\"}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, PAGE "_99");
    assert_string_equal(job.remote_url, "https://www.facebook.com/" PAGE "/posts/99");
    pub_job_free(&job);
    json_decref(opts);

    /* A link alone; an answer without permalink_url: one more read (not a create step). */
    job_start(&job, "post", NULL, 0);
    job.text = "";
    opts = json_pack("{s:s}", "link", "https://example.com/x");
    job.options = opts;
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_body_lacks(&job, "message");
    assert_body_str(&job, "link", "https://example.com/x");
    assert_int_equal(step(&job, 200, "{\"id\":\"" PAGE "_100\"}"), PUB_REQUEST);
    assert_graph(&job, "GET", API "/" PAGE "_100", 0);
    assert_query(job.req.r.url, "fields", "permalink_url");
    assert_null(job.req.r.body);
    assert_int_equal(step(&job, 200,
                          "{\"permalink_url\":\"https://www.facebook.com/" PAGE
                          "/posts/100\",\"id\":\"" PAGE "_100\"}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, PAGE "_100");
    assert_string_equal(job.remote_url, "https://www.facebook.com/" PAGE "/posts/100");
    pub_job_free(&job);
    json_decref(opts);

    /* The permalink read fails: the post is out anyway; its address by id. */
    job_start(&job, "post", NULL, 0);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_body_lacks(&job, "link");
    assert_int_equal(step(&job, 200, "{\"id\":\"" PAGE "_101\"}"), PUB_REQUEST);
    assert_int_equal(step(&job, 500, "{\"error\":{\"message\":\"x\",\"code\":2}}"), PUB_DONE);
    assert_string_equal(job.remote_id, PAGE "_101");
    assert_string_equal(job.remote_url, "https://www.facebook.com/" PAGE "_101");
    pub_job_free(&job);

    /* A create answer without an id: failed, with a word of caution. */
    job_start(&job, "post", NULL, 0);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(step(&job, 200, "{\"ok\":true}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.code, "bad_response");
    assert_non_null(strstr(job.err.message, "check the Page"));
    pub_job_free(&job);
}

/* ---- photos ---- */

static void test_photo_single(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "photos", images, 1);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/photos", 1);
    assert_body_str(&job, "url", LINK1);
    assert_body_str(&job, "caption", TEXT);
    assert_body_str(&job, "alt_text_custom", "A cup of coffee");
    assert_body_bool(&job, "published", 1);
    assert_int_equal(step(&job, 200, "{\"id\":\"777\",\"post_id\":\"" PAGE "_777\"}"), PUB_REQUEST);
    assert_graph(&job, "GET", API "/" PAGE "_777", 0);
    assert_query(job.req.r.url, "fields", "permalink_url");
    assert_int_equal(step(&job, 200,
                          "{\"permalink_url\":\"https://www.facebook.com/photo/?fbid=777\","
                          "\"id\":\"" PAGE "_777\"}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, PAGE "_777");
    assert_string_equal(job.remote_url, "https://www.facebook.com/photo/?fbid=777");
    pub_job_free(&job);

    /* Without a caption or alt text, neither is sent. */
    job_start(&job, "photos", images + 1, 1);
    job.text = NULL;
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_body_lacks(&job, "caption");
    assert_body_lacks(&job, "alt_text_custom");
    assert_body_str(&job, "url", LINK2);
    pub_job_free(&job);
}

static void test_photos_several(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "photos", images, 3);
    int creates = 0;
    const char *links[] = {LINK1, LINK2, LINK3};
    const char *answers[] = {"{\"id\":\"p1\"}", "{\"id\":\"p2\"}", "{\"id\":3003}"};
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    for (int i = 0; i < 3; i++) {
        assert_graph(&job, "POST", API "/" PAGE "/photos", 0);
        assert_body_str(&job, "url", links[i]);
        assert_body_bool(&job, "published", 0);
        assert_body_lacks(&job, "caption");
        if (i == 0)
            assert_body_str(&job, "alt_text_custom", "A cup of coffee");
        creates += job.req.create_step;
        assert_int_equal(step(&job, 200, answers[i]), PUB_REQUEST);
    }
    assert_graph(&job, "POST", API "/" PAGE "/feed", 1);
    creates += job.req.create_step;
    assert_query(job.req.r.url, "fields", "id,permalink_url");
    assert_body_str(&job, "message", TEXT);
    assert_body_bool(&job, "published", 1);
    json_t *b = body_of(&job);
    json_t *att = json_object_get(b, "attached_media");
    assert_int_equal(json_array_size(att), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(att, 0), "media_fbid")),
                        "p1");
    assert_string_equal(json_string_value(json_object_get(json_array_get(att, 1), "media_fbid")),
                        "p2");
    assert_string_equal(json_string_value(json_object_get(json_array_get(att, 2), "media_fbid")),
                        "3003");
    json_decref(b);
    assert_int_equal(step(&job, 200,
                          "{\"id\":\"" PAGE "_5\",\"permalink_url\":"
                          "\"https://www.facebook.com/" PAGE "/posts/5\"}"),
                     PUB_DONE);
    assert_int_equal(creates, 1);
    assert_string_equal(job.remote_id, PAGE "_5");
    assert_string_equal(job.remote_url, "https://www.facebook.com/" PAGE "/posts/5");
    pub_job_free(&job);
}

static void test_photos_resume(void **state)
{
    (void)state;
    pub_job job;
    /* The second upload fails: transient; the first photo's id is kept. */
    job_start(&job, "photos", images, 3);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(step(&job, 200, "{\"id\":\"p1\"}"), PUB_REQUEST);
    assert_body_str(&job, "url", LINK2);
    assert_int_equal(step(&job, 503,
                          "{\"error\":{\"message\":\"Please retry\",\"code\":2,"
                          "\"is_transient\":true}}"),
                     PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_non_null(strstr(job.err.message, "photo 2 of 3"));
    /* The next attempt (same state, a new worker) goes on with photo 2. */
    json_t *saved = json_deep_copy(job.state);
    pub_job_free(&job);
    job_start(&job, "photos", images, 3);
    job.state = saved;
    job.attempt_started_ms = NOW + 60000;
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/photos", 0);
    assert_body_str(&job, "url", LINK2);
    assert_int_equal(step(&job, 200, "{\"id\":\"p2\"}"), PUB_REQUEST);
    assert_body_str(&job, "url", LINK3);
    assert_int_equal(step(&job, 200, "{\"id\":\"p3\"}"), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/feed", 1);
    json_t *b = body_of(&job);
    json_t *att = json_object_get(b, "attached_media");
    assert_int_equal(json_array_size(att), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(att, 0), "media_fbid")),
                        "p1");
    json_decref(b);
    pub_job_free(&job);

    /* Saved with the feed post in flight (reconcile found nothing): it is sent again. */
    job_start(&job, "photos", images, 2);
    job.state = json_pack("{s:s, s:[s,s]}", "phase", "feed", "photo_ids", "p1", "p2");
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/feed", 1);
    pub_job_free(&job);

    /* Saved after the post, waiting for its permalink: only the read is made. */
    job_start(&job, "photos", images, 1);
    job.state = json_pack("{s:s, s:s}", "phase", "permalink", "post_id", PAGE "_9");
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/" PAGE "_9", 0);
    assert_int_equal(
        step(&job, 200, "{\"permalink_url\":\"https://www.facebook.com/photo/?fbid=9\"}"),
        PUB_DONE);
    assert_string_equal(job.remote_id, PAGE "_9");
    pub_job_free(&job);
}

/* ---- video ---- */

#define STATUS(vs) "{\"id\":\"v1\",\"status\":{\"video_status\":\"" vs "\"}}"
#define STATUS_READY(perm)                                                                         \
    "{\"id\":\"v1\",\"status\":{\"video_status\":\"ready\"},\"permalink_url\":\"" perm "\"}"

static void test_video(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "video", &video, 1);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/videos", 1);
    assert_body_str(&job, "file_url", VLINK);
    assert_body_str(&job, "description", TEXT);
    assert_body_bool(&job, "published", 1);
    assert_int_equal(step(&job, 200, "{\"id\":\"v1\"}"), PUB_WAIT);
    /* The state (video id, polling) is stored by the wait: no second video after this. */
    assert_true(job.wait_ms == 2000);
    assert_string_equal(state_str(&job, "phase"), "poll");
    assert_string_equal(state_str(&job, "video_id"), "v1");
    assert_true(json_integer_value(json_object_get(job.state, "sent_at")) == NOW);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    /* Status polls: then 2 s, 5 s, 10 s ... */
    static const int64_t waits[] = {2000, 5000, 10000, 20000, 30000, 30000};
    for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        assert_graph(&job, "GET", API "/v1", 0);
        assert_query(job.req.r.url, "fields", "status,permalink_url");
        assert_int_equal(step(&job, 200, STATUS("processing")), PUB_WAIT);
        assert_true(job.wait_ms == waits[i]);
        assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    }
    assert_graph(&job, "GET", API "/v1", 0);
    assert_int_equal(step(&job, 200, STATUS_READY("/simcoffee/videos/v1/")), PUB_DONE);
    assert_string_equal(job.remote_id, "v1");
    assert_string_equal(job.remote_url, "https://www.facebook.com/simcoffee/videos/v1/");
    pub_job_free(&job);

    /* upload_complete counts as done too (PLATFORMS.md); no permalink: by id. */
    job_start(&job, "video", &video, 1);
    job.text = "";
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_body_lacks(&job, "description");
    assert_int_equal(step(&job, 200, "{\"id\":\"v1\"}"), PUB_WAIT);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step(&job, 200, STATUS("upload_complete")), PUB_DONE);
    assert_string_equal(job.remote_url, "https://www.facebook.com/v1");
    pub_job_free(&job);
}

static void test_video_failed(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "video", &video, 1);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(step(&job, 200, "{\"id\":\"v1\"}"), PUB_WAIT);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step(&job, 200,
                          "{\"id\":\"v1\",\"status\":{\"video_status\":\"error\","
                          "\"processing_phase\":{\"status\":\"error\",\"errors\":[{\"code\":6000,"
                          "\"message\":\"There was a problem uploading your video file.\"}]}}}"),
                     PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.code, "processing_failed");
    assert_non_null(strstr(job.err.message, "There was a problem uploading your video file"));
    /* A retry (a new attempt) finds the same video failed: it uploads anew, once. */
    job.attempt_started_ms = NOW + 600000;
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/v1", 0);
    assert_int_equal(step(&job, 200, STATUS("error")), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/videos", 1);
    assert_null(state_str(&job, "video_id"));
    assert_int_equal(step(&job, 200, "{\"id\":\"v2\"}"), PUB_WAIT);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/v2", 0);
    /* The new one failing too fails this attempt. */
    assert_int_equal(step(&job, 200, STATUS("error")), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.code, "processing_failed");
    assert_non_null(strstr(job.err.message, "no reason given"));
    pub_job_free(&job);

    /* A status answer that cannot be read: transient, still polling. */
    job_start(&job, "video", &video, 1);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(step(&job, 200, "{\"id\":\"v1\"}"), PUB_WAIT);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step(&job, 200, "{\"id\":\"v1\"}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_string_equal(state_str(&job, "phase"), "poll");
    /* A poll refused because the token died: classified like any Graph error. */
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    char body[512];
    graph_error(body, sizeof body, 190, 463, "Session has expired");
    assert_int_equal(step(&job, 400, body), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TOKEN_EXPIRED);
    assert_string_equal(state_str(&job, "phase"), "poll");
    pub_job_free(&job);
}

static void test_video_slow(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "video", &video, 1);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(step(&job, 200, "{\"id\":\"v1\"}"), PUB_WAIT);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    int polls = 1;
    pub_step s;
    while ((s = step(&job, 200, STATUS("processing"))) == PUB_WAIT) {
        assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
        polls++;
        assert_true(polls < 100);
    }
    assert_int_equal(s, PUB_FAIL);
    assert_int_equal(polls, 40);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_string_equal(job.err.code, "processing_slow");
    /* The next attempt goes on polling (no new video), with the count started over. */
    job.attempt_started_ms = NOW + 3600000;
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/v1", 0);
    assert_int_equal(step(&job, 200, STATUS("processing")), PUB_WAIT);
    assert_true(job.wait_ms == 2000);
    pub_job_free(&job);
}

/* ---- Reels ---- */

static void test_reel(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "reel", &video, 1);
    int creates = 0;
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/video_reels", 0);
    assert_body_str(&job, "upload_phase", "start");
    assert_int_equal(step(&job, 200,
                          "{\"video_id\":\"r1\",\"upload_url\":\"" UPLOAD
                          "/video-upload/v20.0/r1\"}"),
                     PUB_REQUEST);
    /* The transfer: Facebook fetches the link; the token as rupload takes it. */
    assert_string_equal(job.req.r.method, "POST");
    assert_string_equal(job.req.r.url, UPLOAD "/video-upload/v20.0/r1");
    assert_true(has_header(&job.req, "Authorization: OAuth " TOKEN));
    assert_true(has_header(&job.req, "file_url: " VLINK));
    assert_false(has_header_named(&job.req, "offset"));
    assert_int_equal(job.req.stream, 0);
    assert_int_equal(job.req.create_step, 0);
    assert_int_equal(step(&job, 200, "{\"success\":true}"), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/video_reels", 1);
    creates += job.req.create_step;
    assert_body_str(&job, "upload_phase", "finish");
    assert_body_str(&job, "video_id", "r1");
    assert_body_str(&job, "video_state", "PUBLISHED");
    assert_body_str(&job, "description", TEXT);
    assert_int_equal(step(&job, 200, "{\"success\":true,\"post_id\":\"" PAGE "_r1\"}"), PUB_WAIT);
    assert_true(job.wait_ms == 2000);
    assert_string_equal(state_str(&job, "phase"), "poll");
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/r1", 0);
    assert_query(job.req.r.url, "fields", "status,permalink_url");
    assert_int_equal(step(&job, 200, STATUS("processing")), PUB_WAIT);
    assert_true(job.wait_ms == 2000);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step(&job, 200,
                          "{\"id\":\"r1\",\"status\":{\"video_status\":\"ready\"},"
                          "\"permalink_url\":\"/reel/r1/\"}"),
                     PUB_DONE);
    assert_int_equal(creates, 1);
    assert_string_equal(job.remote_id, "r1");
    assert_string_equal(job.remote_url, "https://www.facebook.com/reel/r1/");
    pub_job_free(&job);

    /* An upload address elsewhere than the upload host: the token goes to ours only. */
    job_start(&job, "reel", &video, 1);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(
        step(&job, 200,
             "{\"video_id\":\"r2\",\"upload_url\":\"https://evil.test/video-upload/v20.0/r2\"}"),
        PUB_REQUEST);
    assert_string_equal(job.req.r.url, UPLOAD "/video-upload/v20.0/r2");
    /* A transfer answered without a clear yes: ask the video. */
    assert_int_equal(step(&job, 200, "{}"), PUB_REQUEST);
    assert_graph(&job, "GET", API "/r2", 0);
    assert_query(job.req.r.url, "fields", "status");
    pub_job_free(&job);

    /* A start answer without a video id. */
    job_start(&job, "reel", &video, 1);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(step(&job, 200, "{\"upload_url\":\"x\"}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    pub_job_free(&job);

    /* A finish not confirmed. */
    job_start(&job, "reel", &video, 1);
    job.state =
        json_pack("{s:s, s:s, s:s, s:I}", "phase", "reel_finish", "video_id", "r1", "upload_url",
                  UPLOAD "/video-upload/v20.0/r1", "attempt", (json_int_t)STARTED);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step(&job, 200, "{\"success\":false}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    pub_job_free(&job);
}

static void test_reel_long_link(void **state)
{
    (void)state;
    /* A signed link too long for a header line: the bytes are streamed whole instead. */
    static char link[2400];
    memset(link, 0, sizeof link);
    snprintf(link, sizeof link, "https://media.test/m/4.mp4?sig=");
    memset(link + strlen(link), 'Z', 2100);
    pub_media v = video;
    v.public_url = link;
    pub_job job;
    job_start(&job, "reel", &v, 1);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(step(&job, 200,
                          "{\"video_id\":\"r1\",\"upload_url\":\"" UPLOAD
                          "/video-upload/v20.0/r1\"}"),
                     PUB_REQUEST);
    assert_int_equal(job.req.stream, 1);
    assert_int_equal(job.req.range.media, 0);
    assert_true(job.req.range.offset == 0);
    assert_true(job.req.range.length == 5000000);
    assert_true(has_header(&job.req, "offset: 0"));
    assert_true(has_header(&job.req, "file_size: 5000000"));
    assert_true(has_header(&job.req, "Content-Type: application/octet-stream"));
    assert_true(has_header(&job.req, "Authorization: OAuth " TOKEN));
    assert_false(has_header_named(&job.req, "file_url"));
    assert_null(job.req.r.body);
    pub_job_free(&job);
}

static void test_reel_resume(void **state)
{
    (void)state;
    pub_job job;
    /* The transfer's answer was lost: ask the video first; bytes not there: send again. */
    job_start(&job, "reel", &video, 1);
    job.state = json_pack("{s:s, s:s, s:s}", "phase", "reel_transfer", "video_id", "r1",
                          "upload_url", UPLOAD "/video-upload/v20.0/r1");
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/r1", 0);
    assert_query(job.req.r.url, "fields", "status");
    assert_int_equal(step(&job, 200,
                          "{\"id\":\"r1\",\"status\":{\"video_status\":\"upload_pending\","
                          "\"uploading_phase\":{\"status\":\"not_started\"}}}"),
                     PUB_REQUEST);
    assert_string_equal(job.req.r.url, UPLOAD "/video-upload/v20.0/r1");
    assert_true(has_header(&job.req, "file_url: " VLINK));
    pub_job_free(&job);

    /* ... bytes there: straight on to finish. */
    job_start(&job, "reel", &video, 1);
    job.state = json_pack("{s:s, s:s, s:s}", "phase", "reel_transfer", "video_id", "r1",
                          "upload_url", UPLOAD "/video-upload/v20.0/r1");
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step(&job, 200,
                          "{\"id\":\"r1\",\"status\":{\"video_status\":\"processing\","
                          "\"uploading_phase\":{\"status\":\"complete\"}}}"),
                     PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/video_reels", 1);
    assert_body_str(&job, "upload_phase", "finish");
    pub_job_free(&job);

    /* The start's answer was lost: start again (an orphaned container is harmless). */
    job_start(&job, "reel", &video, 1);
    job.state = json_pack("{s:s}", "phase", "reel_start");
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_body_str(&job, "upload_phase", "start");
    pub_job_free(&job);

    /* Finish in flight, reconcile (in this attempt) found nothing: finish again. */
    job_start(&job, "reel", &video, 1);
    job.state =
        json_pack("{s:s, s:s, s:s, s:I}", "phase", "reel_finish", "video_id", "r1", "upload_url",
                  UPLOAD "/video-upload/v20.0/r1", "attempt", (json_int_t)STARTED);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/video_reels", 1);
    assert_body_str(&job, "video_id", "r1");
    /* Finish says the bytes never arrived (6000): transient ... */
    char body[512];
    graph_error(body, sizeof body, 6000, 0,
                "(#6000) There was a problem uploading your video file. Please try again.");
    assert_int_equal(step(&job, 400, body), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_string_equal(job.err.code, "6000");
    /* ... and the next attempt asks the video first, sends the bytes again, then finishes. */
    job.attempt_started_ms = NOW + 600000;
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/r1", 0);
    assert_query(job.req.r.url, "fields", "status");
    assert_int_equal(
        step(&job, 200, "{\"id\":\"r1\",\"status\":{\"video_status\":\"upload_pending\"}}"),
        PUB_REQUEST);
    assert_string_equal(job.req.r.url, UPLOAD "/video-upload/v20.0/r1");
    assert_int_equal(step(&job, 200, "{\"success\":true}"), PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/video_reels", 1);
    assert_body_str(&job, "upload_phase", "finish");
    pub_job_free(&job);

    /* A container that failed (the check says error): a new one. */
    job_start(&job, "reel", &video, 1);
    job.state = json_pack("{s:s, s:s, s:s}", "phase", "reel_transfer", "video_id", "r1",
                          "upload_url", UPLOAD "/video-upload/v20.0/r1");
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(step(&job, 200, "{\"id\":\"r1\",\"status\":{\"video_status\":\"error\"}}"),
                     PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/video_reels", 0);
    assert_body_str(&job, "upload_phase", "start");
    assert_null(state_str(&job, "video_id"));
    pub_job_free(&job);

    /* Polling after finish, on a restarted worker: polls go on. */
    job_start(&job, "reel", &video, 1);
    job.state = json_pack("{s:s, s:s, s:s}", "phase", "poll", "video_id", "r1", "upload_url",
                          UPLOAD "/video-upload/v20.0/r1");
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/r1", 0);
    assert_int_equal(step(&job, 200, "{\"id\":\"r1\",\"status\":{\"video_status\":\"ready\"}}"),
                     PUB_DONE);
    assert_string_equal(job.remote_url, "https://www.facebook.com/reel/r1");
    pub_job_free(&job);
}

static void test_reel_transfer_errors(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *body;
        plat_err_kind kind;
        const char *words;
    } cases[] = {
        {401,
         "{\"debug_info\":{\"retriable\":false,\"type\":\"AuthError\",\"message\":\"Invalid "
         "OAuth access token.\"}}",
         PERR_TOKEN_EXPIRED, "Invalid OAuth access token"},
        {400,
         "{\"debug_info\":{\"retriable\":false,\"type\":\"ProcessingFailedError\",\"message\":"
         "\"The file is not a video in a supported format (MP4 or MOV).\"}}",
         PERR_PERMANENT, "could not take the video"},
        {400,
         "{\"debug_info\":{\"retriable\":true,\"type\":\"ProcessingFailedError\",\"message\":"
         "\"Try again.\"}}",
         PERR_TRANSIENT, "temporary"},
        {429,
         "{\"error\":{\"message\":\"(#4) Application request limit reached\",\"code\":4,"
         "\"is_transient\":true}}",
         PERR_RATE_LIMITED, "slow down"},
        {502, "Bad Gateway", PERR_TRANSIENT, "HTTP 502"},
        {0, "", PERR_TRANSIENT, "could not be reached"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pub_job job;
        job_start(&job, "reel", &video, 1);
        job.state = json_pack("{s:s, s:s}", "video_id", "r1", "upload_url",
                              UPLOAD "/video-upload/v20.0/r1");
        assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
        assert_string_equal(job.req.r.url, UPLOAD "/video-upload/v20.0/r1");
        fake_headers h = {{"Retry-After"}, {"60"}};
        assert_int_equal(step_h(&job, cases[i].status, cases[i].body, &h), PUB_FAIL);
        if (job.err.kind != cases[i].kind)
            fail_msg("case %zu: kind %d, want %d (%s)", i, job.err.kind, cases[i].kind,
                     job.err.message);
        if (strstr(job.err.message, cases[i].words) == NULL)
            fail_msg("case %zu: '%s' lacks '%s'", i, job.err.message, cases[i].words);
        if (cases[i].kind == PERR_RATE_LIMITED)
            assert_true(job.err.retry_at_ms == NOW + 60000);
        assert_null(strstr(job.err.message, TOKEN));
        pub_job_free(&job);
    }
}

/* ---- errors ---- */

static void test_error_classes(void **state)
{
    (void)state;
    static const struct {
        int status, code, subcode;
        plat_err_kind kind;
        const char *err_code;
    } cases[] = {
        {400, 190, 0, PERR_TOKEN_EXPIRED, "190"},
        {400, 190, 463, PERR_TOKEN_EXPIRED, "190/463"},
        {400, 190, 458, PERR_REVOKED, "190/458"},
        {400, 190, 460, PERR_REVOKED, "190/460"},
        {400, 190, 467, PERR_REVOKED, "190/467"},
        {400, 102, 0, PERR_TOKEN_EXPIRED, "102"},
        {403, 10, 0, PERR_PERMANENT, "10"},
        {403, 200, 0, PERR_PERMANENT, "200"},
        {400, 299, 0, PERR_PERMANENT, "299"},
        {400, 4, 0, PERR_RATE_LIMITED, "4"},
        {400, 17, 0, PERR_RATE_LIMITED, "17"},
        {400, 32, 0, PERR_RATE_LIMITED, "32"},
        {400, 341, 0, PERR_RATE_LIMITED, "341"},
        {400, 613, 0, PERR_RATE_LIMITED, "613"},
        {400, 80001, 0, PERR_RATE_LIMITED, "80001"},
        {500, 1, 99, PERR_TRANSIENT, "1/99"},
        {503, 2, 0, PERR_TRANSIENT, "2"},
        {400, 368, 1390008, PERR_PERMANENT, "368/1390008"},
        {400, 506, 1455006, PERR_PERMANENT, "506/1455006"},
        {400, 324, 2069019, PERR_PERMANENT, "324/2069019"},
        {400, 324, 1366046, PERR_PERMANENT, "324/1366046"},
        {400, 389, 0, PERR_PERMANENT, "389"},
        {400, 352, 0, PERR_PERMANENT, "352"},
        {400, 1609005, 0, PERR_PERMANENT, "1609005"},
        {400, 100, 0, PERR_INVALID, "100"},
        {400, 100, 33, PERR_INVALID, "100/33"},
        {500, 100, 0, PERR_INVALID, "100"},
        {500, 12345, 0, PERR_TRANSIENT, "12345"},
    };
    char body[1024];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pub_job job;
        job_start(&job, "post", NULL, 0);
        assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
        graph_error(body, sizeof body, cases[i].code, cases[i].subcode, "Something went wrong");
        assert_int_equal(step(&job, cases[i].status, body), PUB_FAIL);
        if (job.err.kind != cases[i].kind)
            fail_msg("code %d/%d: kind %d, want %d", cases[i].code, cases[i].subcode, job.err.kind,
                     cases[i].kind);
        assert_string_equal(job.err.code, cases[i].err_code);
        assert_int_equal(job.err.http_status, cases[i].status);
        assert_non_null(strstr(job.err.message, "Facebook"));
        pub_job_free(&job);
    }
}

static void test_error_details(void **state)
{
    (void)state;
    pub_job job;
    char body[1024];

    /* A missing permission is named, from Graph's message ... */
    job_start(&job, "post", NULL, 0);
    pub_facebook.publish(&job, NULL);
    graph_error(body, sizeof body, 200, 0,
                "(#200) If posting to a page, requires both pages_read_engagement and "
                "pages_manage_posts as an admin with sufficient administrative permission");
    assert_int_equal(step(&job, 403, body), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_non_null(strstr(job.err.message, "the Page token lacks permission "
                                            "pages_manage_posts and pages_read_engagement; "
                                            "reconnect"));
    assert_null(strstr(job.err.message, "(#200)"));
    pub_job_free(&job);
    /* ... or by what the step needs. */
    job_start(&job, "post", NULL, 0);
    pub_facebook.publish(&job, NULL);
    graph_error(body, sizeof body, 10, 0, "Application does not have permission");
    assert_int_equal(step(&job, 403, body), PUB_FAIL);
    assert_non_null(strstr(job.err.message, "lacks permission pages_manage_posts"));
    pub_job_free(&job);

    /* An unreachable photo link: said plainly, and the signed link is not echoed. */
    job_start(&job, "photos", images, 1);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(step(&job, 400,
                          "{\"error\":{\"message\":\"Missing or invalid image file\","
                          "\"type\":\"OAuthException\",\"code\":324,\"error_subcode\":2069019,"
                          "\"error_user_title\":\"Image could not be fetched\","
                          "\"error_user_msg\":\"The image at " LINK1
                          " could not be fetched (HTTP 404).\",\"fbtrace_id\":\"X\"}}"),
                     PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_non_null(strstr(job.err.message, "could not fetch the image"));
    assert_non_null(strstr(job.err.message, "(HTTP 404)"));
    assert_non_null(strstr(job.err.message, "[media link]"));
    assert_null(strstr(job.err.message, "sig=AAA"));
    assert_non_null(strstr(job.err.message, "324/2069019"));
    pub_job_free(&job);

    /* The token is never echoed back. */
    job_start(&job, "post", NULL, 0);
    pub_facebook.publish(&job, NULL);
    graph_error(body, sizeof body, 190, 0, "Bad token " TOKEN " given");
    assert_int_equal(step(&job, 400, body), PUB_FAIL);
    assert_null(strstr(job.err.message, TOKEN));
    assert_non_null(strstr(job.err.message, "Bad token [hidden] given"));
    pub_job_free(&job);

    /* Duplicate and policy blocks in plain words. */
    job_start(&job, "post", NULL, 0);
    pub_facebook.publish(&job, NULL);
    graph_error(body, sizeof body, 506, 1455006, "(#506) Duplicate status message");
    assert_int_equal(step(&job, 400, body), PUB_FAIL);
    assert_non_null(strstr(job.err.message, "duplicate"));
    pub_job_free(&job);
    job_start(&job, "post", NULL, 0);
    pub_facebook.publish(&job, NULL);
    graph_error(body, sizeof body, 368, 0, "It looks like you were misusing this feature");
    assert_int_equal(step(&job, 400, body), PUB_FAIL);
    assert_non_null(strstr(job.err.message, "blocked posting"));
    pub_job_free(&job);

    /* Throttled: the Business Use Case estimate (minutes) says when to come back. */
    static const struct {
        fake_headers h;
        int status;
        int64_t want;
    } limits[] = {
        {{{"X-Business-Use-Case-Usage"},
          {"{\"" PAGE "\":[{\"type\":\"pages\",\"call_count\":100,"
           "\"estimated_time_to_regain_access\":7}]}"}},
         400,
         NOW + 7 * 60000LL},
        {{{"Retry-After"}, {"30"}}, 429, NOW + 30000LL},
        {{{"x-rate-limit-reset"}, {"1760000100"}}, 429, 1760000100000LL},
        {{{"X-App-Usage"}, {"{\"call_count\":100,\"total_cputime\":25,\"total_time\":25}"}},
         400,
         NOW + 5 * 60000LL},
        {{{"X-App-Usage"}, {"{\"call_count\":40,\"total_cputime\":5,\"total_time\":5}"}}, 400, 0},
        /* A BUC header saying 0 minutes (as on every answer) does not count. */
        {{{"X-Business-Use-Case-Usage", "Retry-After"},
          {"{\"" PAGE "\":[{\"type\":\"pages\",\"estimated_time_to_regain_access\":0}]}", "90"}},
         400,
         NOW + 90000LL},
    };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        job_start(&job, "post", NULL, 0);
        pub_facebook.publish(&job, NULL);
        graph_error(body, sizeof body, i == 0 ? 80001 : 4, 0, "Request limit reached");
        assert_int_equal(step_h(&job, limits[i].status, body, &limits[i].h), PUB_FAIL);
        assert_int_equal(job.err.kind, PERR_RATE_LIMITED);
        if (job.err.retry_at_ms != limits[i].want)
            fail_msg("case %zu: retry_at %lld, want %lld", i, (long long)job.err.retry_at_ms,
                     (long long)limits[i].want);
        pub_job_free(&job);
    }

    /* No envelope: by status. */
    static const struct {
        int status;
        plat_err_kind kind;
    } bare[] = {{503, PERR_TRANSIENT},
                {0, PERR_TRANSIENT},
                {401, PERR_TOKEN_EXPIRED},
                {429, PERR_RATE_LIMITED},
                {404, PERR_INVALID}};
    for (size_t i = 0; i < sizeof bare / sizeof bare[0]; i++) {
        job_start(&job, "post", NULL, 0);
        pub_facebook.publish(&job, NULL);
        fake_headers h = {{"Retry-After"}, {"12"}};
        assert_int_equal(step_h(&job, bare[i].status, "<html>oops</html>", &h), PUB_FAIL);
        assert_int_equal(job.err.kind, bare[i].kind);
        if (bare[i].kind == PERR_RATE_LIMITED)
            assert_true(job.err.retry_at_ms == NOW + 12000);
        pub_job_free(&job);
    }

    /* is_transient with an unlisted code. */
    job_start(&job, "post", NULL, 0);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(step(&job, 400,
                          "{\"error\":{\"message\":\"An unexpected error has occurred.\","
                          "\"code\":-2,\"is_transient\":true}}"),
                     PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    pub_job_free(&job);
}

/* ---- odd input ---- */

static void test_bad_targets(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "story", NULL, 0);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    pub_job_free(&job);

    job_start(&job, NULL, NULL, 0);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_FAIL);
    pub_job_free(&job);

    job_start(&job, "photos", &video, 1);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    pub_job_free(&job);

    job_start(&job, "photos", NULL, 0);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_FAIL);
    pub_job_free(&job);

    job_start(&job, "reel", images, 1);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    pub_job_free(&job);

    job_start(&job, "post", NULL, 0);
    job.access_token = "";
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    pub_job_free(&job);

    job_start(&job, "post", NULL, 0);
    job.text = "bad \xff\xfe text";
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    pub_job_free(&job);

    /* A media item without a public link. */
    pub_media m = images[0];
    m.public_url = "";
    job_start(&job, "photos", &m, 1);
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    pub_job_free(&job);

    /* An answer to a phase that does not exist. */
    job_start(&job, "post", NULL, 0);
    job.state = json_pack("{s:s}", "phase", "nonsense");
    assert_int_equal(step(&job, 200, "{}"), PUB_FAIL);
    pub_job_free(&job);

    /* Not JSON at all on a create step. */
    job_start(&job, "video", &video, 1);
    pub_facebook.publish(&job, NULL);
    assert_int_equal(step(&job, 200, "not json"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    pub_job_free(&job);

    /* A token too long for a header line (it would not fit in the query either). */
    static char longtok[2100];
    memset(longtok, 'T', sizeof longtok - 1);
    job_start(&job, "post", NULL, 0);
    job.access_token = longtok;
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.code, "token_too_long");
    pub_job_free(&job);
}

/* ---- reconcile ---- */

#define LIST_ITEM(id, msg, when)                                                                   \
    "{\"id\":\"" id "\",\"message\":\"" msg "\",\"created_time\":\"" when                          \
    "\",\"permalink_url\":\"https://www.facebook.com/" id "\"}"

static void test_reconcile(void **state)
{
    (void)state;
    pub_job job;

    /* Found: same text, after the attempt began (within the minute of slack). */
    job_start(&job, "post", NULL, 0);
    job.state = json_pack("{s:s}", "phase", "feed");
    assert_int_equal(pub_facebook.reconcile(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/" PAGE "/published_posts", 0);
    assert_query(job.req.r.url, "fields", "id,message,created_time,permalink_url");
    assert_query(job.req.r.url, "limit", "100");
    assert_null(query_arg(job.req.r.url, "after"));
    assert_int_equal(
        rc_step(
            &job, 200,
            "{\"data\":[" LIST_ITEM("P_3", "Other text", "2025-10-09T08:53:19+0000") "," LIST_ITEM(
                "P_2", "  Fresh beans today \xe2\x98\x95\\n",
                "2025-10-09T08:52:30+0000") "," LIST_ITEM("P_1", "Fresh beans today \xe2\x98\x95",
                                                          "2025-10-09T08:40:00+0000") "]}"),
        PUB_DONE);
    assert_string_equal(job.remote_id, "P_2");
    assert_string_equal(job.remote_url, "https://www.facebook.com/P_2");
    assert_string_equal(state_str(&job, "phase"), "feed");
    assert_null(state_str(&job, "rc_step"));
    pub_job_free(&job);

    /* Not there: the same text only before the attempt (beyond the slack). */
    job_start(&job, "post", NULL, 0);
    assert_int_equal(pub_facebook.reconcile(&job, NULL), PUB_REQUEST);
    assert_int_equal(rc_step(&job, 200,
                             "{\"data\":[" LIST_ITEM("P_1", "Fresh beans today \xe2\x98\x95",
                                                     "2025-10-09T08:52:10+0000") "]}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "");
    assert_string_equal(job.remote_url, "");
    pub_job_free(&job);

    /* The create step went out in an earlier attempt (its worker died): look from then on. */
    job_start(&job, "post", NULL, 0);
    job.attempt_started_ms = NOW + 600000;
    job.state = json_pack("{s:s, s:I}", "phase", "feed", "sent_at", (json_int_t)(NOW - 3000));
    pub_facebook.reconcile(&job, NULL);
    assert_int_equal(rc_step(&job, 200,
                             "{\"data\":[" LIST_ITEM("P_4", "Fresh beans today \xe2\x98\x95",
                                                     "2025-10-09T08:53:18+0000") "]}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "P_4");
    pub_job_free(&job);

    /* An empty list: not there. */
    job_start(&job, "post", NULL, 0);
    pub_facebook.reconcile(&job, NULL);
    assert_int_equal(rc_step(&job, 200, "{\"data\":[]}"), PUB_DONE);
    assert_string_equal(job.remote_id, "");
    pub_job_free(&job);

    /* A post without a message in the window cannot be told from ours (a captionless photo):
       "cannot tell", for the person to check, never a guess. */
    job_start(&job, "photos", images, 1);
    job.text = "";
    pub_facebook.reconcile(&job, NULL);
    assert_int_equal(rc_step(&job, 200,
                             "{\"data\":[{\"id\":\"P_7\",\"created_time\":"
                             "\"2025-10-09T10:53:20+0200\"}]}"),
                     PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.code, "ambiguous");
    pub_job_free(&job);

    /* Only newer posts on the page, more to come: follow the cursor, a bounded number of times. */
    job_start(&job, "post", NULL, 0);
    pub_facebook.reconcile(&job, NULL);
    const char *page = "{\"data\":[" LIST_ITEM(
        "P_9", "x",
        "2025-10-09T08:53:10+0000") "],"
                                    "\"paging\":{\"cursors\":{\"before\":\"b\",\"after\":\"CUR+1\"}"
                                    ","
                                    "\"next\":\"https://sim.test/facebook/graph/v20.0/" PAGE
                                    "/published_posts?access_token=" TOKEN "&after=CUR%2B1\"}}";
    assert_int_equal(rc_step(&job, 200, page), PUB_REQUEST);
    assert_graph(&job, "GET", API "/" PAGE "/published_posts", 0);
    assert_query(job.req.r.url, "after", "CUR+1");
    assert_query(job.req.r.url, "limit", "100");
    for (int i = 0; i < 8; i++) /* ten pages in all, then "cannot tell" */
        assert_int_equal(rc_step(&job, 200, page), PUB_REQUEST);
    assert_int_equal(rc_step(&job, 200, page), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    pub_job_free(&job);

    /* Unreadable: a failure, classified. */
    job_start(&job, "post", NULL, 0);
    pub_facebook.reconcile(&job, NULL);
    assert_int_equal(rc_step(&job, 500, "{\"error\":{\"message\":\"x\",\"code\":1}}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    pub_job_free(&job);
    job_start(&job, "post", NULL, 0);
    pub_facebook.reconcile(&job, NULL);
    assert_int_equal(rc_step(&job, 200, "{\"nope\":1}"), PUB_FAIL);
    pub_job_free(&job);
    job_start(&job, "post", NULL, 0);
    pub_facebook.reconcile(&job, NULL);
    char body[512];
    graph_error(body, sizeof body, 190, 460, "The session has been invalidated");
    assert_int_equal(rc_step(&job, 400, body), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    pub_job_free(&job);
    job_start(&job, "post", NULL, 0);
    pub_facebook.reconcile(&job, NULL);
    graph_error(body, sizeof body, 10, 0,
                "(#10) This endpoint requires the "
                "'pages_read_engagement' permission");
    assert_int_equal(rc_step(&job, 403, body), PUB_FAIL);
    assert_non_null(strstr(job.err.message, "lacks permission pages_read_engagement"));
    pub_job_free(&job);
}

static void test_reconcile_reel(void **state)
{
    (void)state;
    pub_job job;
    /* A Reel whose finish was in flight: its video is asked directly. */
    job_start(&job, "reel", &video, 1);
    job.state = json_pack("{s:s, s:s, s:s}", "phase", "reel_finish", "video_id", "r1", "upload_url",
                          UPLOAD "/video-upload/v20.0/r1");
    assert_int_equal(pub_facebook.reconcile(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/r1", 0);
    assert_query(job.req.r.url, "fields", "status,published,permalink_url");
    assert_int_equal(rc_step(&job, 200,
                             "{\"id\":\"r1\",\"published\":true,\"permalink_url\":\"/reel/r1/\","
                             "\"status\":{\"video_status\":\"processing\","
                             "\"publishing_phase\":{\"status\":\"not_started\"}}}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "r1");
    assert_string_equal(job.remote_url, "https://www.facebook.com/reel/r1/");
    pub_job_free(&job);

    job_start(&job, "reel", &video, 1);
    job.state = json_pack("{s:s, s:s, s:s}", "phase", "reel_finish", "video_id", "r1", "upload_url",
                          UPLOAD "/video-upload/v20.0/r1");
    assert_int_equal(pub_facebook.reconcile(&job, NULL), PUB_REQUEST);
    assert_int_equal(rc_step(&job, 200,
                             "{\"id\":\"r1\",\"published\":false,\"status\":{\"video_status\":"
                             "\"ready\",\"publishing_phase\":{\"status\":\"not_started\"}}}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "");
    /* Then publish (a new attempt after a dead worker) checks the video and finishes it. */
    assert_int_equal(pub_facebook.publish(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/r1", 0);
    assert_int_equal(step(&job, 200,
                          "{\"id\":\"r1\",\"status\":{\"video_status\":\"processing\","
                          "\"uploading_phase\":{\"status\":\"complete\"}}}"),
                     PUB_REQUEST);
    assert_graph(&job, "POST", API "/" PAGE "/video_reels", 1);
    pub_job_free(&job);

    /* A video post (its id unknown when the create answer was lost): the post list. */
    job_start(&job, "video", &video, 1);
    job.state = json_pack("{s:s}", "phase", "video");
    assert_int_equal(pub_facebook.reconcile(&job, NULL), PUB_REQUEST);
    assert_graph(&job, "GET", API "/" PAGE "/published_posts", 0);
    assert_int_equal(rc_step(&job, 200,
                             "{\"data\":[{\"id\":\"" PAGE "_v1\",\"message\":\"" TEXT
                             "\",\"created_time\":\"2025-10-09T08:53:18+0000\","
                             "\"permalink_url\":\"https://www.facebook.com/simcoffee/videos/v1/"
                             "\"}]}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, PAGE "_v1");
    assert_string_equal(job.remote_url, "https://www.facebook.com/simcoffee/videos/v1/");
    pub_job_free(&job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_text),
        cmocka_unit_test(test_photo_single),
        cmocka_unit_test(test_photos_several),
        cmocka_unit_test(test_photos_resume),
        cmocka_unit_test(test_video),
        cmocka_unit_test(test_video_failed),
        cmocka_unit_test(test_video_slow),
        cmocka_unit_test(test_reel),
        cmocka_unit_test(test_reel_long_link),
        cmocka_unit_test(test_reel_resume),
        cmocka_unit_test(test_reel_transfer_errors),
        cmocka_unit_test(test_error_classes),
        cmocka_unit_test(test_error_details),
        cmocka_unit_test(test_bad_targets),
        cmocka_unit_test(test_reconcile),
        cmocka_unit_test(test_reconcile_reel),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(no_options);
    return rc;
}
