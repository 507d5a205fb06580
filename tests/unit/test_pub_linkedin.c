/*
 * test_pub_linkedin.c - the LinkedIn publishing adapter (platform/pub_linkedin.c)
 * driven step by step with canned responses: every request of the text,
 * images and video flows, the video processing waits, how each LinkedIn
 * error is classified, resuming from a saved state, and reconcile.
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

#define NOW      1767225600000LL /* 2026-01-01T00:00:00Z */
#define DAY_MS   86400000LL
#define ACCESS   "LI-ACCESS-tok-7"
#define AUTHOR   "urn:li:person:simLi9XaZ7"
#define AUTHOR_Q "urn%3Ali%3Aperson%3AsimLi9XaZ7"
#define API      "http://sim/linkedin/api"
#define UPLOAD   "http://sim/linkedin/www/dms-uploads/sp/v2/"
#define IMG1     "urn:li:image:D4E10AQimg1"
#define IMG2     "urn:li:image:D4E10AQimg2"
#define IMG3     "urn:li:image:D4E10AQimg3"
#define VID      "urn:li:video:D5610AQvid1"
#define VID_Q    "urn%3Ali%3Avideo%3AD5610AQvid1"
#define POST_URN "urn:li:share:7300000000000000001"
#define VSIZE    10000000LL /* three parts: 4 MiB, 4 MiB, the rest */
#define PART     4194304LL

static config cfg;

static void setup_cfg(void)
{
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.linkedin.client_id, sizeof cfg.linkedin.client_id, "li-client");
    snprintf(cfg.linkedin.api_url, sizeof cfg.linkedin.api_url, API);
    snprintf(cfg.linkedin.upload_url, sizeof cfg.linkedin.upload_url, "http://sim/linkedin/www");
    snprintf(cfg.linkedin.version, sizeof cfg.linkedin.version, "202601");
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

/* ---- the job ---- */

static const pub_media IMAGES[3] = {
    {11, "image", "image/jpeg", "jpeg", 1000, 800, 600, 0, 0, "A red kite", "https://m/11"},
    {12, "image", "image/png", "png", 2000, 800, 600, 0, 0, "", "https://m/12"},
    {13, "image", "image/gif", "gif", 500, 80, 60, 0, 0, "Third", "https://m/13"},
};

static const pub_media VIDEO[1] = {
    {21, "video", "video/mp4", "mp4", VSIZE, 1280, 720, 12000, 0, "", "https://m/21"},
};

static json_t *opts_empty;

static void job_start(pub_job *job, const char *kind, const char *text, const json_t *options,
                      const pub_media *media, size_t n)
{
    memset(job, 0, sizeof *job);
    job->cfg = &cfg;
    job->pc = &cfg.linkedin;
    job->now_ms = NOW;
    job->kind = kind;
    job->text = text;
    job->options = options != NULL ? options : opts_empty;
    job->media = media;
    job->nmedia = n;
    job->library = media;
    job->nlibrary = n;
    job->access_token = ACCESS;
    job->account_remote_id = AUTHOR;
    job->account_kind = "profile";
    job->attempt_started_ms = NOW;
}

/* ---- reading requests ---- */

static const char *header_of(const pub_request *req, const char *name)
{
    size_t nl = strlen(name);
    for (int i = 0; i < req->r.nheaders; i++)
        if (strncasecmp(req->r.headers[i], name, nl) == 0 && req->r.headers[i][nl] == ':')
            return req->r.headers[i] + nl + 2;
    return NULL;
}

static void assert_header(const pub_request *req, const char *name, const char *want)
{
    const char *v = header_of(req, name);
    if (v == NULL)
        fail_msg("header %s missing on %s %s", name, req->r.method, req->r.url);
    if (strcmp(v, want) != 0)
        fail_msg("header %s is '%s', want '%s'", name, v, want);
}

/* The headers every /rest call carries. */
static void assert_rest(const pub_request *req, const char *method, const char *url)
{
    assert_string_equal(req->r.method, method);
    assert_string_equal(req->r.url, url);
    assert_header(req, "Authorization", "Bearer " ACCESS);
    assert_header(req, "LinkedIn-Version", "202601");
    assert_header(req, "X-Restli-Protocol-Version", "2.0.0");
    assert_int_equal(req->stream, 0);
    assert_int_equal(req->multipart, 0);
    if (strcmp(method, "GET") != 0)
        assert_header(req, "Content-Type", "application/json");
}

/* The JSON body of the request (caller decrefs). */
static json_t *body_of(const pub_request *req)
{
    assert_non_null(req->r.body);
    json_t *j = json_loadb(req->r.body, req->r.body_len, 0, NULL);
    assert_non_null(j);
    return j;
}

static const char *jpath_str(const json_t *j, const char *a, const char *b, const char *c)
{
    const json_t *v = json_object_get(j, a);
    if (b != NULL)
        v = json_object_get(v, b);
    if (c != NULL)
        v = json_object_get(v, c);
    return json_string_value(v);
}

static void assert_stream(const pub_request *req, const char *url, int media, int64_t offset,
                          int64_t length, const char *type)
{
    assert_string_equal(req->r.method, "PUT");
    assert_string_equal(req->r.url, url);
    assert_int_equal(req->stream, 1);
    assert_int_equal(req->multipart, 0);
    assert_int_equal(req->range.media, media);
    assert_int_equal(req->range.offset, offset);
    assert_int_equal(req->range.length, length);
    assert_header(req, "Content-Type", type);
    assert_null(req->r.body);
    assert_int_equal(req->create_step, 0);
}

/* The error message is for people: set, and never carries the token. */
static void assert_fail(pub_job *job, pub_step s, plat_err_kind kind, const char *code)
{
    assert_int_equal(s, PUB_FAIL);
    assert_int_equal(job->err.kind, kind);
    if (code != NULL)
        assert_string_equal(job->err.code, code);
    assert_true(job->err.message[0] != '\0');
    assert_null(strstr(job->err.message, ACCESS));
}

/* The post request: checks the fixed fields; returns the body (caller decrefs). */
static json_t *assert_post_request(pub_job *job, const char *commentary, const char *visibility)
{
    assert_rest(&job->req, "POST", API "/rest/posts");
    assert_int_equal(job->req.create_step, 1);
    json_t *b = body_of(&job->req);
    assert_string_equal(jpath_str(b, "author", NULL, NULL), AUTHOR);
    assert_string_equal(jpath_str(b, "commentary", NULL, NULL), commentary);
    assert_string_equal(jpath_str(b, "visibility", NULL, NULL), visibility);
    assert_string_equal(jpath_str(b, "distribution", "feedDistribution", NULL), "MAIN_FEED");
    const json_t *d = json_object_get(b, "distribution");
    assert_true(json_is_array(json_object_get(d, "targetEntities")));
    assert_int_equal(json_array_size(json_object_get(d, "targetEntities")), 0);
    assert_true(json_is_array(json_object_get(d, "thirdPartyDistributionChannels")));
    assert_int_equal(json_array_size(json_object_get(d, "thirdPartyDistributionChannels")), 0);
    assert_string_equal(jpath_str(b, "lifecycleState", NULL, NULL), "PUBLISHED");
    assert_true(json_is_false(json_object_get(b, "isReshareDisabledByAuthor")));
    return b;
}

static const canned POSTED = {{"x-restli-id", "Content-Length"}, {POST_URN, "0"}};

static void assert_posted(pub_job *job)
{
    plat_response r = resp_h(201, "", &POSTED);
    assert_int_equal(pub_linkedin.publish(job, &r), PUB_DONE);
    assert_string_equal(job->remote_id, POST_URN);
    assert_string_equal(job->remote_url, "https://www.linkedin.com/feed/update/" POST_URN "/");
}

/* ================= text ================= */

static void test_registry_entry(void **state)
{
    (void)state;
    assert_string_equal(pub_linkedin.platform, "linkedin");
    assert_non_null(pub_linkedin.publish);
    assert_non_null(pub_linkedin.reconcile);
}

static void test_text_post(void **state)
{
    (void)state;
    json_t *opts = json_pack("{s:s}", "visibility", "CONNECTIONS");
    pub_job job;
    job_start(&job, "text", "Hello LinkedIn", opts, NULL, 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    json_t *b = assert_post_request(&job, "Hello LinkedIn", "CONNECTIONS");
    assert_null(json_object_get(b, "content"));
    json_decref(b);
    assert_posted(&job);
    assert_string_equal(pub_state_str(&job, "post"), POST_URN);

    /* Called again (the executor lost the result): done, nothing sent twice. */
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_DONE);
    assert_string_equal(job.remote_id, POST_URN);
    pub_job_free(&job);
    json_decref(opts);
}

static void test_text_escaping_and_default_visibility(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "text", "Hi (all) [x] {y} <z> a_b *c* ~d~ @e |f| \\g #tag 100%", NULL, NULL, 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    json_t *b = assert_post_request(&job,
                                    "Hi \\(all\\) \\[x\\] \\{y\\} \\<z\\> a\\_b \\*c\\* \\~d\\~ "
                                    "\\@e \\|f\\| \\\\g #tag 100%",
                                    "PUBLIC");
    json_decref(b);
    pub_job_free(&job);
}

static void test_post_id_from_body_and_lookup(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "text", "No header", NULL, NULL, 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    /* An id in the body instead of the header. */
    plat_response r = resp(201, "{\"id\":\"urn:li:share:55\"}");
    assert_int_equal(pub_linkedin.publish(&job, &r), PUB_DONE);
    assert_string_equal(job.remote_id, "urn:li:share:55");
    pub_job_free(&job);

    /* No id at all: looked up among the member's posts, never published twice. */
    job_start(&job, "text", "No header", NULL, NULL, 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    r = resp(201, "");
    assert_int_equal(pub_linkedin.publish(&job, &r), PUB_REQUEST);
    assert_rest(&job.req, "GET",
                API "/rest/posts?author=" AUTHOR_Q
                    "&q=author&count=100&start=0&sortBy=LAST_MODIFIED");
    assert_int_equal(job.req.create_step, 0);
    /* The lookup failed for now: the next attempt looks again instead of posting. */
    r = resp(503, "{\"status\":503,\"message\":\"Service Unavailable\"}");
    assert_fail(&job, pub_linkedin.publish(&job, &r), PERR_TRANSIENT, NULL);
    job.attempt_started_ms = NOW + 1000;
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_string_equal(job.req.r.method, "GET");
    assert_int_equal(job.req.create_step, 0);
    r = resp(200, "{\"paging\":{\"start\":0,\"count\":10,\"total\":1},\"elements\":["
                  "{\"id\":\"urn:li:share:77\",\"author\":\"" AUTHOR "\",\"commentary\":"
                  "\"No header\",\"createdAt\":1767225601000}]}");
    assert_int_equal(pub_linkedin.publish(&job, &r), PUB_DONE);
    assert_string_equal(job.remote_id, "urn:li:share:77");
    pub_job_free(&job);

    /* Looked up and not there. */
    job_start(&job, "text", "No header", NULL, NULL, 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    r = resp(201, "");
    assert_int_equal(pub_linkedin.publish(&job, &r), PUB_REQUEST);
    r = resp(200, "{\"elements\":[]}");
    assert_fail(&job, pub_linkedin.publish(&job, &r), PERR_PERMANENT, "no_post_id");
    pub_job_free(&job);
}

/* ================= images ================= */

static void image_init_answer(pub_job *job, size_t i, const char *urn, const char *asset)
{
    assert_rest(&job->req, "POST", API "/rest/images?action=initializeUpload");
    assert_int_equal(job->req.create_step, 0);
    json_t *b = body_of(&job->req);
    assert_string_equal(jpath_str(b, "initializeUploadRequest", "owner", NULL), AUTHOR);
    json_decref(b);
    char body[512];
    snprintf(body, sizeof body,
             "{\"value\":{\"uploadUrlExpiresAt\":%lld,\"uploadUrl\":\"" UPLOAD
             "%s/uploaded-image/0?ut=abc%zu\",\"image\":\"%s\"}}",
             (long long)(NOW + DAY_MS), asset, i, urn);
    plat_response r = resp(200, body);
    assert_int_equal(pub_linkedin.publish(job, &r), PUB_REQUEST);
}

static void image_put_answer(pub_job *job, size_t i, const char *asset)
{
    char url[256];
    snprintf(url, sizeof url, UPLOAD "%s/uploaded-image/0?ut=abc%zu", asset, i);
    assert_stream(&job->req, url, (int)i, 0, IMAGES[i].size, IMAGES[i].mime);
    assert_header(&job->req, "Authorization", "Bearer " ACCESS);
    plat_response r = resp(201, "");
    pub_step s = pub_linkedin.publish(job, &r);
    if (i + 1 < job->nmedia) {
        assert_int_equal(s, PUB_REQUEST);
        return;
    }
    /* After the last image: a short wait (image status cannot be read), then the post. */
    assert_int_equal(s, PUB_WAIT);
    assert_int_equal(job->wait_ms, 2000);
    assert_int_equal(pub_linkedin.publish(job, NULL), PUB_REQUEST);
}

static void test_images_several(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "images", "Three pictures", NULL, IMAGES, 3);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    image_init_answer(&job, 0, IMG1, "A1");
    image_put_answer(&job, 0, "A1");
    image_init_answer(&job, 1, IMG2, "A2");
    image_put_answer(&job, 1, "A2");
    image_init_answer(&job, 2, IMG3, "A3");
    image_put_answer(&job, 2, "A3");
    json_t *b = assert_post_request(&job, "Three pictures", "PUBLIC");
    json_t *imgs =
        json_object_get(json_object_get(json_object_get(b, "content"), "multiImage"), "images");
    assert_int_equal(json_array_size(imgs), 3);
    assert_string_equal(jpath_str(json_array_get(imgs, 0), "id", NULL, NULL), IMG1);
    assert_string_equal(jpath_str(json_array_get(imgs, 0), "altText", NULL, NULL), "A red kite");
    assert_string_equal(jpath_str(json_array_get(imgs, 1), "id", NULL, NULL), IMG2);
    assert_null(json_object_get(json_array_get(imgs, 1), "altText"));
    assert_string_equal(jpath_str(json_array_get(imgs, 2), "id", NULL, NULL), IMG3);
    assert_string_equal(jpath_str(json_array_get(imgs, 2), "altText", NULL, NULL), "Third");
    assert_null(json_object_get(json_object_get(b, "content"), "media"));
    json_decref(b);
    assert_posted(&job);
    pub_job_free(&job);
}

static void test_image_single(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "images", "", NULL, IMAGES, 1);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    image_init_answer(&job, 0, IMG1, "A1");
    image_put_answer(&job, 0, "A1");
    json_t *b = assert_post_request(&job, "", "PUBLIC");
    assert_string_equal(jpath_str(b, "content", "media", "id"), IMG1);
    assert_string_equal(jpath_str(b, "content", "media", "altText"), "A red kite");
    assert_null(json_object_get(json_object_get(b, "content"), "multiImage"));
    json_decref(b);
    assert_posted(&job);
    pub_job_free(&job);
}

static void test_image_resume_and_restart(void **state)
{
    (void)state;
    /* A worker died while image 2's bytes were being PUT. */
    pub_job job;
    job_start(&job, "images", "Resumed", NULL, IMAGES, 2);
    job.state = json_pack("{s:s, s:I, s:s, s:i, s:[{s:s, s:s, s:I, s:b}, {s:s, s:s, s:I, s:b}]}",
                          "sig", "images:11,12", "attempt", (json_int_t)(NOW - 60000), "pending",
                          "image_put", "index", 1, "images", "urn", IMG1, "url",
                          UPLOAD "A1/uploaded-image/0?ut=abc0", "exp", (json_int_t)(NOW + DAY_MS),
                          "done", 1, "urn", IMG2, "url", UPLOAD "A2/uploaded-image/0?ut=abc1",
                          "exp", (json_int_t)(NOW + DAY_MS), "done", 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_stream(&job.req, UPLOAD "A2/uploaded-image/0?ut=abc1", 1, 0, 2000, "image/png");
    /* The first PUT had gone through: LinkedIn no longer waits for bytes there. */
    plat_response r = resp(400, "{\"status\":400,\"message\":\"This asset is no longer waiting "
                                "for an upload\"}");
    assert_int_equal(pub_linkedin.publish(&job, &r), PUB_REQUEST);
    image_init_answer(&job, 1, "urn:li:image:fresh2", "B2");
    image_put_answer(&job, 1, "B2");
    json_t *b = assert_post_request(&job, "Resumed", "PUBLIC");
    json_t *imgs =
        json_object_get(json_object_get(json_object_get(b, "content"), "multiImage"), "images");
    assert_string_equal(jpath_str(json_array_get(imgs, 0), "id", NULL, NULL), IMG1);
    assert_string_equal(jpath_str(json_array_get(imgs, 1), "id", NULL, NULL),
                        "urn:li:image:fresh2");
    json_decref(b);
    pub_job_free(&job);

    /* An expired upload URL is not used: a fresh one is asked for. */
    job_start(&job, "images", "Old", NULL, IMAGES, 1);
    job.state = json_pack("{s:s, s:[{s:s, s:s, s:I, s:b}]}", "sig", "images:11", "images", "urn",
                          IMG1, "url", UPLOAD "A1/x", "exp", (json_int_t)(NOW + 1000), "done", 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_rest(&job.req, "POST", API "/rest/images?action=initializeUpload");
    pub_job_free(&job);

    /* Upload URLs refused again and again: bounded. */
    job_start(&job, "images", "Refused", NULL, IMAGES, 1);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    pub_step s = PUB_REQUEST;
    for (int i = 0; i < 10 && s == PUB_REQUEST; i++) {
        image_init_answer(&job, 0, IMG1, "A1");
        r = resp(403, "{\"status\":403,\"message\":\"The upload URL has expired\"}");
        s = pub_linkedin.publish(&job, &r);
    }
    assert_fail(&job, s, PERR_TRANSIENT, "upload_refused");
    assert_int_equal(pub_state_int(&job, "restarts", 0), 4);
    pub_job_free(&job);

    /* Every image uploaded and the wait made: straight to the post. */
    job_start(&job, "images", "All up", NULL, IMAGES, 1);
    job.state =
        json_pack("{s:s, s:i, s:s, s:[{s:s, s:s, s:b}]}", "sig", "images:11", "settled", 1,
                  "pending", "post", "images", "urn", IMG1, "url", UPLOAD "A1/x", "done", 1);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    json_t *b1 = assert_post_request(&job, "All up", "PUBLIC");
    assert_string_equal(jpath_str(b1, "content", "media", "id"), IMG1);
    json_decref(b1);
    pub_job_free(&job);

    /* A state of another target is dropped. */
    job_start(&job, "images", "Other", NULL, IMAGES, 1);
    job.state = json_pack("{s:s, s:s}", "sig", "video:21", "post", "urn:li:share:1");
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_rest(&job.req, "POST", API "/rest/images?action=initializeUpload");
    pub_job_free(&job);
}

/* ================= video ================= */

#define VIDEO_INIT_OK                                                                              \
    "{\"value\":{\"uploadUrlsExpireAt\":1767312000000,\"video\":\"" VID                            \
    "\",\"uploadInstructions\":["                                                                  \
    "{\"uploadUrl\":\"" UPLOAD "V1/uploaded-video/0?ut=t\",\"firstByte\":0,\"lastByte\":4194303}," \
    "{\"uploadUrl\":\"" UPLOAD "V1/uploaded-video/1?ut=t\",\"firstByte\":4194304,"                 \
    "\"lastByte\":8388607},"                                                                       \
    "{\"uploadUrl\":\"" UPLOAD "V1/uploaded-video/2?ut=t\",\"firstByte\":8388608,"                 \
    "\"lastByte\":9999999}],\"uploadToken\":\"\"}}"

static const canned ETAG0 = {{"ETag"}, {"/ambry-video/signedId/e0"}};
static const canned ETAG1 = {{"etag"}, {"/ambry-video/signedId/e1"}};
static const canned ETAG2 = {{"ETAG"}, {"/ambry-video/signedId/e2"}};

/* Init, the three parts and finalize; leaves the job at the first wait. */
static void video_upload(pub_job *job)
{
    assert_int_equal(pub_linkedin.publish(job, NULL), PUB_REQUEST);
    assert_rest(&job->req, "POST", API "/rest/videos?action=initializeUpload");
    json_t *b = body_of(&job->req);
    assert_string_equal(jpath_str(b, "initializeUploadRequest", "owner", NULL), AUTHOR);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(b, "initializeUploadRequest"), "fileSizeBytes")),
                     VSIZE);
    json_decref(b);
    plat_response r = resp(200, VIDEO_INIT_OK);
    assert_int_equal(pub_linkedin.publish(job, &r), PUB_REQUEST);
    assert_stream(&job->req, UPLOAD "V1/uploaded-video/0?ut=t", 0, 0, PART,
                  "application/octet-stream");
    r = resp_h(200, "", &ETAG0);
    assert_int_equal(pub_linkedin.publish(job, &r), PUB_REQUEST);
    assert_stream(&job->req, UPLOAD "V1/uploaded-video/1?ut=t", 0, PART, PART,
                  "application/octet-stream");
    r = resp_h(200, "", &ETAG1);
    assert_int_equal(pub_linkedin.publish(job, &r), PUB_REQUEST);
    assert_stream(&job->req, UPLOAD "V1/uploaded-video/2?ut=t", 0, 2 * PART, VSIZE - 2 * PART,
                  "application/octet-stream");
    r = resp_h(200, "", &ETAG2);
    assert_int_equal(pub_linkedin.publish(job, &r), PUB_REQUEST);
    assert_rest(&job->req, "POST", API "/rest/videos?action=finalizeUpload");
    assert_int_equal(job->req.create_step, 0);
    b = body_of(&job->req);
    json_t *f = json_object_get(b, "finalizeUploadRequest");
    assert_string_equal(jpath_str(f, "video", NULL, NULL), VID);
    assert_string_equal(jpath_str(f, "uploadToken", NULL, NULL), "");
    json_t *ids = json_object_get(f, "uploadedPartIds");
    assert_int_equal(json_array_size(ids), 3);
    assert_string_equal(json_string_value(json_array_get(ids, 0)), "/ambry-video/signedId/e0");
    assert_string_equal(json_string_value(json_array_get(ids, 1)), "/ambry-video/signedId/e1");
    assert_string_equal(json_string_value(json_array_get(ids, 2)), "/ambry-video/signedId/e2");
    json_decref(b);
    r = resp(200, "");
    assert_int_equal(pub_linkedin.publish(job, &r), PUB_WAIT);
    assert_int_equal(job->wait_ms, 2000);
}

static void status_poll(pub_job *job, const char *status, pub_step want)
{
    assert_int_equal(pub_linkedin.publish(job, NULL), PUB_REQUEST);
    assert_rest(&job->req, "GET", API "/rest/videos/" VID_Q);
    char body[256];
    snprintf(body, sizeof body, "{\"owner\":\"" AUTHOR "\",\"id\":\"" VID "\",\"status\":\"%s\"}",
             status);
    plat_response r = resp(200, body);
    assert_int_equal(pub_linkedin.publish(job, &r), want);
}

static void test_video_post(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "video", "Watch this", NULL, VIDEO, 1);
    video_upload(&job);
    status_poll(&job, "PROCESSING", PUB_WAIT);
    assert_int_equal(job.wait_ms, 2000);
    status_poll(&job, "PROCESSING", PUB_WAIT);
    assert_int_equal(job.wait_ms, 5000);
    status_poll(&job, "PROCESSING", PUB_WAIT);
    assert_int_equal(job.wait_ms, 10000);
    status_poll(&job, "AVAILABLE", PUB_REQUEST);
    json_t *b = assert_post_request(&job, "Watch this", "PUBLIC");
    assert_string_equal(jpath_str(b, "content", "media", "id"), VID);
    json_decref(b);
    assert_posted(&job);
    pub_job_free(&job);
}

static void test_video_processing_failed(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "video", "Broken", NULL, VIDEO, 1);
    video_upload(&job);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    plat_response r = resp(200, "{\"id\":\"" VID "\",\"status\":\"PROCESSING_FAILED\","
                                "\"processingFailureReason\":\"Video transcoding failed\"}");
    pub_step s = pub_linkedin.publish(&job, &r);
    assert_fail(&job, s, PERR_PERMANENT, "PROCESSING_FAILED");
    assert_non_null(strstr(job.err.message, "Video transcoding failed"));
    /* A retry uploads again rather than reusing the failed video. */
    job.attempt_started_ms = NOW + 5000;
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_rest(&job.req, "POST", API "/rest/videos?action=initializeUpload");
    pub_job_free(&job);
}

static void test_video_poll_bound(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "video", "Slow", NULL, VIDEO, 1);
    video_upload(&job);
    int waits = 0;
    pub_step s = PUB_WAIT;
    int64_t last_wait = 0;
    while (s == PUB_WAIT && waits < 100) {
        assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
        plat_response r = resp(200, "{\"id\":\"" VID "\",\"status\":\"PROCESSING\"}");
        s = pub_linkedin.publish(&job, &r);
        if (s == PUB_WAIT) {
            waits++;
            last_wait = job.wait_ms;
            assert_true(job.wait_ms <= 30000);
        }
    }
    assert_int_equal(waits, 60);
    assert_int_equal(last_wait, 30000);
    assert_fail(&job, s, PERR_TRANSIENT, "still_processing");
    /* The next attempt goes on polling the same video. */
    job.attempt_started_ms = NOW + 3600000;
    status_poll(&job, "AVAILABLE", PUB_REQUEST);
    assert_int_equal(job.req.create_step, 1);
    pub_job_free(&job);
}

/* A state saved after part 1 of 3 was uploaded, with part 2 in flight. */
static json_t *video_state(int64_t exp, int finalize)
{
    return json_pack(
        "{s:s, s:s, s:i, s:{s:s, s:s, s:I, s:i, s:b, s:[{s:s, s:I, s:I, s:s}, {s:s, s:I, s:I}, "
        "{s:s, s:I, s:I}]}}",
        "sig", "video:21", "pending", "video_part", "index", 1, "video", "urn", VID, "token", "",
        "exp", (json_int_t)exp, "finalize", finalize, "available", 0, "parts", "url",
        UPLOAD "V1/uploaded-video/0?ut=t", "first", (json_int_t)0, "last", (json_int_t)(PART - 1),
        "etag", "/ambry-video/signedId/e0", "url", UPLOAD "V1/uploaded-video/1?ut=t", "first",
        (json_int_t)PART, "last", (json_int_t)(2 * PART - 1), "url",
        UPLOAD "V1/uploaded-video/2?ut=t", "first", (json_int_t)(2 * PART), "last",
        (json_int_t)(VSIZE - 1));
}

static void test_video_resume(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "video", "Resumed video", NULL, VIDEO, 1);
    job.state = video_state(NOW + DAY_MS, 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_stream(&job.req, UPLOAD "V1/uploaded-video/1?ut=t", 0, PART, PART,
                  "application/octet-stream");
    plat_response r = resp_h(200, "", &ETAG1);
    assert_int_equal(pub_linkedin.publish(&job, &r), PUB_REQUEST);
    assert_stream(&job.req, UPLOAD "V1/uploaded-video/2?ut=t", 0, 2 * PART, VSIZE - 2 * PART,
                  "application/octet-stream");
    /* A part answered without an ETag cannot be finalized. */
    r = resp(200, "");
    assert_fail(&job, pub_linkedin.publish(&job, &r), PERR_TRANSIENT, "no_etag");
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_stream(&job.req, UPLOAD "V1/uploaded-video/2?ut=t", 0, 2 * PART, VSIZE - 2 * PART,
                  "application/octet-stream");
    r = resp_h(200, "", &ETAG2);
    assert_int_equal(pub_linkedin.publish(&job, &r), PUB_REQUEST);
    assert_rest(&job.req, "POST", API "/rest/videos?action=finalizeUpload");
    pub_job_free(&job);

    /* The part URLs expired while the worker was down: the upload starts over. */
    job_start(&job, "video", "Resumed video", NULL, VIDEO, 1);
    job.state = video_state(NOW - 1, 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_rest(&job.req, "POST", API "/rest/videos?action=initializeUpload");
    pub_job_free(&job);

    /* Finalize was sent but its answer lost: the status says whether to send it again. */
    job_start(&job, "video", "Resumed video", NULL, VIDEO, 1);
    job.state = video_state(NOW + DAY_MS, 1);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_rest(&job.req, "GET", API "/rest/videos/" VID_Q);
    r = resp(200, "{\"id\":\"" VID "\",\"status\":\"WAITING_UPLOAD\"}");
    assert_int_equal(pub_linkedin.publish(&job, &r), PUB_REQUEST);
    assert_rest(&job.req, "POST", API "/rest/videos?action=finalizeUpload");
    pub_job_free(&job);

    job_start(&job, "video", "Resumed video", NULL, VIDEO, 1);
    job.state = video_state(NOW + DAY_MS, 1);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    r = resp(200, "{\"id\":\"" VID "\",\"status\":\"PROCESSING\"}");
    assert_int_equal(pub_linkedin.publish(&job, &r), PUB_WAIT);
    status_poll(&job, "AVAILABLE", PUB_REQUEST);
    assert_int_equal(job.req.create_step, 1);
    pub_job_free(&job);

    /* A refused part URL starts the video over. */
    job_start(&job, "video", "Resumed video", NULL, VIDEO, 1);
    job.state = video_state(NOW + DAY_MS, 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    r = resp(404, "{\"status\":404,\"message\":\"No upload is waiting at this URL\"}");
    assert_int_equal(pub_linkedin.publish(&job, &r), PUB_REQUEST);
    assert_rest(&job.req, "POST", API "/rest/videos?action=initializeUpload");
    pub_job_free(&job);
}

static void test_video_bad_instructions(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "video", "x", NULL, VIDEO, 1);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    /* Parts that do not cover the file. */
    plat_response r = resp(200, "{\"value\":{\"video\":\"" VID "\",\"uploadInstructions\":["
                                "{\"uploadUrl\":\"u\",\"firstByte\":0,\"lastByte\":99}],"
                                "\"uploadToken\":\"\"}}");
    assert_fail(&job, pub_linkedin.publish(&job, &r), PERR_TRANSIENT, "bad_response");
    pub_job_free(&job);

    /* Video size refused at initializeUpload. */
    job_start(&job, "video", "x", NULL, VIDEO, 1);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    r = resp(400, "{\"status\":400,\"message\":\"fileSizeBytes 10 is outside the allowed range\"}");
    assert_fail(&job, pub_linkedin.publish(&job, &r), PERR_INVALID, "http_400");
    assert_non_null(strstr(job.err.message, "outside the allowed range"));
    pub_job_free(&job);
}

/* ================= errors ================= */

static pub_step post_answer(pub_job *job, int status, const char *body, const canned *h)
{
    job_start(job, "text", "An error", NULL, NULL, 0);
    assert_int_equal(pub_linkedin.publish(job, NULL), PUB_REQUEST);
    plat_response r = resp_h(status, body, h);
    return pub_linkedin.publish(job, &r);
}

static void test_errors(void **state)
{
    (void)state;
    pub_job job;
    assert_fail(&job,
                post_answer(&job, 401,
                            "{\"status\":401,\"serviceErrorCode\":65602,\"code\":"
                            "\"EXPIRED_ACCESS_TOKEN\",\"message\":\"The token used in the "
                            "request has expired\"}",
                            NULL),
                PERR_TOKEN_EXPIRED, "65602");
    assert_int_equal(job.err.http_status, 401);
    pub_job_free(&job);
    assert_fail(&job,
                post_answer(&job, 401,
                            "{\"status\":401,\"serviceErrorCode\":65600,\"code\":"
                            "\"INVALID_ACCESS_TOKEN\",\"message\":\"Invalid access token\"}",
                            NULL),
                PERR_TOKEN_EXPIRED, "65600");
    pub_job_free(&job);
    assert_fail(&job,
                post_answer(&job, 401,
                            "{\"status\":401,\"serviceErrorCode\":65601,\"code\":"
                            "\"REVOKED_ACCESS_TOKEN\",\"message\":\"The token used in the "
                            "request has been revoked by the user\"}",
                            NULL),
                PERR_REVOKED, "65601");
    pub_job_free(&job);
    assert_fail(&job, post_answer(&job, 401, "", NULL), PERR_TOKEN_EXPIRED, "http_401");
    pub_job_free(&job);
    assert_fail(&job,
                post_answer(&job, 403,
                            "{\"status\":403,\"serviceErrorCode\":100,\"code\":\"ACCESS_DENIED\","
                            "\"message\":\"Not enough permissions to access: "
                            "partnerApiPostsExternal.CREATE.20260101\"}",
                            NULL),
                PERR_PERMANENT, "100");
    assert_non_null(strstr(job.err.message, "permission"));
    pub_job_free(&job);
    assert_fail(&job,
                post_answer(&job, 422,
                            "{\"status\":422,\"message\":\"Content is a duplicate of "
                            "urn:li:share:123\"}",
                            NULL),
                PERR_PERMANENT, "http_422");
    assert_non_null(strstr(job.err.message, "duplicate"));
    pub_job_free(&job);
    assert_fail(&job,
                post_answer(&job, 422,
                            "{\"status\":422,\"message\":\"ERROR :: /commentary :: length 3100 "
                            "exceeds the maximum allowed length of 3000\"}",
                            NULL),
                PERR_INVALID, "http_422");
    assert_non_null(strstr(job.err.message, "/commentary"));
    pub_job_free(&job);
    assert_fail(&job,
                post_answer(&job, 426,
                            "{\"status\":426,\"code\":\"NONEXISTENT_VERSION\",\"message\":"
                            "\"Requested version 20240101 is not active\"}",
                            NULL),
                PERR_PERMANENT, "NONEXISTENT_VERSION");
    assert_non_null(strstr(job.err.message, "202601"));
    pub_job_free(&job);

    /* 429: Retry-After when given ... */
    static const canned ra = {{"Retry-After"}, {"120"}};
    assert_fail(&job,
                post_answer(&job, 429,
                            "{\"status\":429,\"code\":\"TOO_MANY_REQUESTS\",\"message\":"
                            "\"Resource level throttle APPLICATION DAY limit\"}",
                            &ra),
                PERR_RATE_LIMITED, "rate_limited");
    assert_int_equal(job.err.retry_at_ms, NOW + 120000);
    pub_job_free(&job);
    /* ... else the next midnight UTC. */
    job_start(&job, "text", "x", NULL, NULL, 0);
    job.now_ms = NOW + 13 * 3600000LL;
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    plat_response r = resp(429, "{\"status\":429,\"message\":\"Too Many Requests\"}");
    assert_fail(&job, pub_linkedin.publish(&job, &r), PERR_RATE_LIMITED, NULL);
    assert_int_equal(job.err.retry_at_ms, NOW + DAY_MS);
    pub_job_free(&job);

    /* 5xx, a dropped connection and the "try again" messages are transient. */
    assert_fail(&job,
                post_answer(&job, 500,
                            "{\"status\":500,\"code\":\"INTERNAL_SERVER_ERROR\",\"message\":"
                            "\"Internal Server Error\"}",
                            NULL),
                PERR_TRANSIENT, "INTERNAL_SERVER_ERROR");
    pub_job_free(&job);
    assert_fail(&job, post_answer(&job, 504, "<html>gateway</html>", NULL), PERR_TRANSIENT,
                "http_504");
    pub_job_free(&job);
    assert_fail(&job, post_answer(&job, 0, "", NULL), PERR_TRANSIENT, NULL);
    pub_job_free(&job);
    assert_fail(
        &job,
        post_answer(&job, 400, "{\"status\":400,\"message\":\"Unable to obtain activity\"}", NULL),
        PERR_TRANSIENT, NULL);
    pub_job_free(&job);

    /* Errors on the way: the image upload and the video status. */
    job_start(&job, "images", "x", NULL, IMAGES, 1);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    r = resp(401, "{\"status\":401,\"serviceErrorCode\":65602,\"message\":\"expired\"}");
    assert_fail(&job, pub_linkedin.publish(&job, &r), PERR_TOKEN_EXPIRED, "65602");
    pub_job_free(&job);
    job_start(&job, "images", "x", NULL, IMAGES, 1);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    image_init_answer(&job, 0, IMG1, "A1");
    r = resp(503, "");
    assert_fail(&job, pub_linkedin.publish(&job, &r), PERR_TRANSIENT, NULL);
    /* The next attempt PUTs the same image again. */
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_string_equal(job.req.r.method, "PUT");
    pub_job_free(&job);
    job_start(&job, "video", "x", NULL, VIDEO, 1);
    video_upload(&job);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    r = resp(401, "{\"status\":401,\"serviceErrorCode\":65601,\"message\":\"revoked\"}");
    assert_fail(&job, pub_linkedin.publish(&job, &r), PERR_REVOKED, "65601");
    pub_job_free(&job);
}

static void test_bad_input(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "carousel", "x", NULL, IMAGES, 2);
    assert_fail(&job, pub_linkedin.publish(&job, NULL), PERR_INVALID, "kind");
    pub_job_free(&job);
    job_start(&job, "video", "x", NULL, IMAGES, 1);
    assert_fail(&job, pub_linkedin.publish(&job, NULL), PERR_INVALID, "media");
    pub_job_free(&job);
    job_start(&job, "images", "x", NULL, NULL, 0);
    assert_fail(&job, pub_linkedin.publish(&job, NULL), PERR_INVALID, "media");
    pub_job_free(&job);
    job_start(&job, "text", "x", NULL, NULL, 0);
    job.account_remote_id = "";
    assert_fail(&job, pub_linkedin.publish(&job, NULL), PERR_INVALID, "no_author");
    pub_job_free(&job);
    /* A bare member id is taken as the person URN. */
    job_start(&job, "text", "x", NULL, NULL, 0);
    job.account_remote_id = "simLi9XaZ7";
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    json_t *b = body_of(&job.req);
    assert_string_equal(jpath_str(b, "author", NULL, NULL), AUTHOR);
    json_decref(b);
    pub_job_free(&job);
    /* A state that is not an object is replaced. */
    job_start(&job, "text", "x", NULL, NULL, 0);
    job.state = json_string("junk");
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_true(json_is_object(job.state));
    pub_job_free(&job);
}

/* ================= reconcile ================= */

#define FINDER API "/rest/posts?author=" AUTHOR_Q "&q=author&count=100&start=0&sortBy=LAST_MODIFIED"

static pub_step reconcile_with(pub_job *job, int status, const char *body)
{
    assert_int_equal(pub_linkedin.reconcile(job, NULL), PUB_REQUEST);
    assert_rest(&job->req, "GET", FINDER);
    assert_int_equal(job->req.create_step, 0);
    plat_response r = resp(status, body);
    return pub_linkedin.reconcile(job, &r);
}

static void test_reconcile(void **state)
{
    (void)state;
    pub_job job;
    /* Newest first: a later post with other text, ours, an older one with the same text. */
    const char *list =
        "{\"paging\":{\"start\":0,\"count\":10,\"total\":3},\"elements\":["
        "{\"id\":\"urn:li:share:3\",\"author\":\"" AUTHOR "\",\"commentary\":\"Other\","
        "\"createdAt\":1767225700000},"
        "{\"id\":\"urn:li:share:2\",\"author\":\"" AUTHOR "\",\"commentary\":"
        "\"Launch \\\\(today\\\\)\",\"createdAt\":1767225590000},"
        "{\"id\":\"urn:li:share:1\",\"author\":\"" AUTHOR "\",\"commentary\":"
        "\"Launch \\\\(today\\\\)\",\"createdAt\":1767225000000}]}";
    job_start(&job, "text", "Launch (today)", NULL, NULL, 0);
    assert_int_equal(reconcile_with(&job, 200, list), PUB_DONE);
    assert_string_equal(job.remote_id, "urn:li:share:2");
    assert_string_equal(job.remote_url, "https://www.linkedin.com/feed/update/urn:li:share:2/");
    assert_string_equal(pub_state_str(&job, "post"), "urn:li:share:2");
    pub_job_free(&job);

    /* Only posts made at or after the create step was first sent (less a minute) count. */
    job_start(&job, "text", "Launch (today)", NULL, NULL, 0);
    pub_state_set_int(&job, "post_sent_at", NOW + 120000);
    assert_int_equal(reconcile_with(&job, 200, list), PUB_DONE);
    assert_string_equal(job.remote_id, "");
    pub_job_free(&job);

    /* Commentary LinkedIn gives back unescaped still matches. */
    job_start(&job, "text", "a_b", NULL, NULL, 0);
    assert_int_equal(reconcile_with(&job, 200,
                                    "{\"elements\":[{\"id\":\"urn:li:share:9\",\"commentary\":"
                                    "\"a_b\",\"createdAt\":1767225600000}]}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "urn:li:share:9");
    pub_job_free(&job);

    /* A video post must carry our video. */
    const char *videos =
        "{\"elements\":["
        "{\"id\":\"urn:li:share:5\",\"commentary\":\"Clip\",\"createdAt\":1767225601000,"
        "\"content\":{\"media\":{\"id\":\"urn:li:video:other\"}}},"
        "{\"id\":\"urn:li:share:4\",\"commentary\":\"Clip\",\"createdAt\":1767225600500,"
        "\"content\":{\"media\":{\"id\":\"" VID "\"}}}]}";
    job_start(&job, "video", "Clip", NULL, VIDEO, 1);
    job.state = video_state(NOW + DAY_MS, 2);
    assert_int_equal(reconcile_with(&job, 200, videos), PUB_DONE);
    assert_string_equal(job.remote_id, "urn:li:share:4");
    pub_job_free(&job);

    /* Not there. */
    job_start(&job, "text", "Never posted", NULL, NULL, 0);
    assert_int_equal(reconcile_with(&job, 200, "{\"paging\":{},\"elements\":[]}"), PUB_DONE);
    assert_string_equal(job.remote_id, "");
    assert_string_equal(job.remote_url, "");
    pub_job_free(&job);

    /* The list cannot be read. */
    job_start(&job, "text", "x", NULL, NULL, 0);
    assert_fail(&job, reconcile_with(&job, 500, "{\"status\":500,\"message\":\"boom\"}"),
                PERR_TRANSIENT, NULL);
    pub_job_free(&job);
    job_start(&job, "text", "x", NULL, NULL, 0);
    assert_fail(&job, reconcile_with(&job, 200, "not json"), PERR_TRANSIENT, "bad_response");
    pub_job_free(&job);
    job_start(&job, "text", "x", NULL, NULL, 0);
    assert_fail(&job,
                reconcile_with(&job, 401,
                               "{\"status\":401,\"serviceErrorCode\":65602,\"message\":\"exp\"}"),
                PERR_TOKEN_EXPIRED, "65602");
    pub_job_free(&job);
    job_start(&job, "text", "x", NULL, NULL, 0);
    assert_fail(&job,
                reconcile_with(&job, 403,
                               "{\"status\":403,\"serviceErrorCode\":100,\"message\":\"Not "
                               "enough permissions to access: "
                               "partnerApiPostsExternal.FINDER-author\"}"),
                PERR_PERMANENT, "100");
    pub_job_free(&job);
}

/* After reconcile found nothing, publishing sends the post again (one create step). */
static void test_create_after_reconcile_not_found(void **state)
{
    (void)state;
    pub_job job;
    job_start(&job, "text", "Retry me", NULL, NULL, 0);
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    assert_int_equal(job.req.create_step, 1);
    /* The answer was lost; the executor reconciles: not there. */
    assert_int_equal(reconcile_with(&job, 200, "{\"elements\":[]}"), PUB_DONE);
    assert_string_equal(job.remote_id, "");
    assert_int_equal(pub_linkedin.publish(&job, NULL), PUB_REQUEST);
    json_t *b = assert_post_request(&job, "Retry me", "PUBLIC");
    json_decref(b);
    assert_posted(&job);
    pub_job_free(&job);
}

int main(void)
{
    setup_cfg();
    opts_empty = json_object();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_entry),
        cmocka_unit_test(test_text_post),
        cmocka_unit_test(test_text_escaping_and_default_visibility),
        cmocka_unit_test(test_post_id_from_body_and_lookup),
        cmocka_unit_test(test_images_several),
        cmocka_unit_test(test_image_single),
        cmocka_unit_test(test_image_resume_and_restart),
        cmocka_unit_test(test_video_post),
        cmocka_unit_test(test_video_processing_failed),
        cmocka_unit_test(test_video_poll_bound),
        cmocka_unit_test(test_video_resume),
        cmocka_unit_test(test_video_bad_instructions),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_reconcile),
        cmocka_unit_test(test_create_after_reconcile_not_found),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(opts_empty);
    return rc;
}
