/*
 * test_pub_instagram.c - the Instagram publishing adapter
 * (platform/pub_instagram.c) driven step by step with canned Graph answers:
 * the requests it asks for per post kind and host, container polling and
 * its waits, the one create step, the first comment, resuming from saved
 * progress, error classification and reconciliation.
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

#define NOW     1767225600000LL /* 2026-01-01T00:00:00Z */
#define TOKEN   "IGQVJ-token-Secret-77"
#define IG_ID   "17841400000000001"
#define IG      "https://sim.test/instagram/graph/v21.0"
#define FB      "https://sim.test/facebook/graph/v20.0"
#define IMG_URL "https://p2s.test/media/11?sig=aa&exp=1"
#define VID_URL "https://p2s.test/media/12?sig=bb"
#define IM2_URL "https://p2s.test/media/13?sig=cc"

#define IN_PROGRESS "{\"status_code\":\"IN_PROGRESS\",\"status\":\"In Progress\",\"id\":\"c\"}"
#define FINISHED    "{\"status_code\":\"FINISHED\",\"status\":\"Finished\",\"id\":\"c\"}"

static config cfg;

static const pub_media IMG = {.id = 11,
                              .kind = "image",
                              .mime = "image/jpeg",
                              .format = "jpeg",
                              .size = 200000,
                              .width = 1080,
                              .height = 1080,
                              .alt_text = "A cup of coffee",
                              .public_url = IMG_URL};
static const pub_media VID = {.id = 12,
                              .kind = "video",
                              .mime = "video/mp4",
                              .format = "mp4",
                              .size = 5000000,
                              .width = 1080,
                              .height = 1920,
                              .duration_ms = 15000,
                              .alt_text = "",
                              .public_url = VID_URL};
static const pub_media IM2 = {.id = 13,
                              .kind = "image",
                              .mime = "image/jpeg",
                              .format = "jpeg",
                              .size = 100000,
                              .width = 1080,
                              .height = 1350,
                              .alt_text = "",
                              .public_url = IM2_URL};

static void setup_cfg(void)
{
    memset(&cfg, 0, sizeof cfg);
    platform_cfg *f = &cfg.facebook;
    snprintf(f->client_id, sizeof f->client_id, "fb-app-1");
    snprintf(f->client_secret, sizeof f->client_secret, "fb-secret");
    snprintf(f->api_url, sizeof f->api_url, "https://sim.test/facebook/graph");
    snprintf(f->version, sizeof f->version, "v20.0");
    platform_cfg *i = &cfg.instagram;
    snprintf(i->client_id, sizeof i->client_id, "ig-app-1");
    snprintf(i->client_secret, sizeof i->client_secret, "ig-secret");
    snprintf(i->api_url, sizeof i->api_url, "https://sim.test/instagram/graph");
    snprintf(i->version, sizeof i->version, "v21.0");
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

/* The decoded value of key in "k=v&k=v" text; NULL if absent (one static buffer). */
static const char *arg_in(const char *text, const char *key)
{
    static char out[8192];
    if (text == NULL)
        return NULL;
    const char *q = strchr(text, '?');
    const char *p = q != NULL ? q + 1 : text;
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
                    out[o++] = p[i] == '+' ? ' ' : p[i];
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

static int has_header(const pub_job *job, const char *line)
{
    for (int i = 0; i < job->req.r.nheaders; i++)
        if (strcmp(job->req.r.headers[i], line) == 0)
            return 1;
    return 0;
}

static void assert_req(const pub_job *job, const char *method, const char *url)
{
    assert_string_equal(job->req.r.method, method);
    assert_string_equal(job->req.r.url, url);
    assert_true(has_header(job, "Authorization: Bearer " TOKEN));
    assert_null(strstr(job->req.r.url, TOKEN));
    assert_int_equal(job->req.stream, 0);
    assert_int_equal(job->req.multipart, 0);
    if (strcmp(method, "POST") == 0) {
        assert_true(has_header(job, "Content-Type: application/x-www-form-urlencoded"));
        assert_non_null(job->req.r.body);
        assert_null(strstr(job->req.r.body, TOKEN));
    }
}

static void assert_form(const pub_job *job, const char *key, const char *want)
{
    const char *got = arg_in(job->req.r.body, key);
    if (got == NULL)
        fail_msg("form field %s missing in %s", key, job->req.r.body ? job->req.r.body : "");
    assert_string_equal(got, want);
}

static void assert_no_form(const pub_job *job, const char *key)
{
    if (arg_in(job->req.r.body, key) != NULL)
        fail_msg("form field %s should not be in %s", key, job->req.r.body);
}

/* ---- jobs ---- */

static int creates; /* requests marked create_step in the current test */

static void job_init(pub_job *job, const char *kind, const pub_media *media, size_t n,
                     const char *text, json_t *options, const char *account_kind)
{
    setup_cfg();
    memset(job, 0, sizeof *job);
    job->cfg = &cfg;
    job->pc = &cfg.instagram;
    job->now_ms = NOW;
    job->kind = kind;
    job->text = text;
    job->options = options;
    job->media = media;
    job->nmedia = n;
    job->library = media;
    job->nlibrary = n;
    job->access_token = TOKEN;
    job->account_remote_id = IG_ID;
    job->account_kind = account_kind;
    job->attempt_started_ms = NOW;
    creates = 0;
}

static pub_step counted(pub_job *job, pub_step s)
{
    if (s == PUB_REQUEST && job->req.create_step)
        creates++;
    return s;
}

/* The first call of an attempt, or the call after a wait. */
static pub_step go0(pub_job *job)
{
    return counted(job, pub_instagram.publish(job, NULL));
}

static pub_step go_h(pub_job *job, int status, const char *body, const fake_headers *h)
{
    plat_response r = reply_h(status, body, h);
    return counted(job, pub_instagram.publish(job, &r));
}

static pub_step go(pub_job *job, int status, const char *body)
{
    return go_h(job, status, body, NULL);
}

static pub_step rc0(pub_job *job)
{
    return pub_instagram.reconcile(job, NULL);
}

static pub_step rc(pub_job *job, int status, const char *body)
{
    plat_response r = reply_h(status, body, NULL);
    return pub_instagram.reconcile(job, &r);
}

static void done_with(pub_job *job, json_t *opts)
{
    pub_job_free(job);
    json_decref(opts);
}

/* ---- flows per kind ---- */

static void test_registry_entry(void **state)
{
    (void)state;
    assert_string_equal(pub_instagram.platform, "instagram");
    assert_non_null(pub_instagram.publish);
    assert_non_null(pub_instagram.reconcile);
}

static void test_image_flow(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "image", &IMG, 1, "Fresh roast #coffee", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    assert_form(&job, "image_url", IMG_URL);
    assert_form(&job, "caption", "Fresh roast #coffee");
    assert_form(&job, "alt_text", "A cup of coffee");
    assert_no_form(&job, "media_type");
    assert_no_form(&job, "is_carousel_item");
    assert_int_equal(job.req.create_step, 0);

    assert_int_equal(go(&job, 200, "{\"id\":\"9001\"}"), PUB_REQUEST);
    assert_req(&job, "GET", IG "/9001?fields=status_code%2Cstatus");
    assert_string_equal(pub_state_str(&job, "inflight"), "poll");
    /* Processing: waits of 2 s, then 5 s, polling again after each. */
    assert_int_equal(go(&job, 200, IN_PROGRESS), PUB_WAIT);
    assert_int_equal(job.wait_ms, 2000);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/9001?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, IN_PROGRESS), PUB_WAIT);
    assert_int_equal(job.wait_ms, 5000);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media_publish");
    assert_form(&job, "creation_id", "9001");
    assert_int_equal(job.req.create_step, 1);

    assert_int_equal(go(&job, 200, "{\"id\":\"17900000000000001\"}"), PUB_REQUEST);
    assert_int_equal(job.req.create_step, 0);
    assert_req(&job, "GET", IG "/17900000000000001?fields=permalink");
    assert_int_equal(go(&job, 200,
                        "{\"permalink\":\"https://www.instagram.com/p/DAbc1/\","
                        "\"id\":\"17900000000000001\"}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "17900000000000001");
    assert_string_equal(job.remote_url, "https://www.instagram.com/p/DAbc1/");
    assert_string_equal(job.warning, "");
    assert_int_equal(creates, 1);
    done_with(&job, opts);
}

/* An account connected through a Facebook Page is reached at graph.facebook.com. */
static void test_image_through_page(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "image", &IM2, 1, "", opts, "business_page");
    job.pc = &cfg.instagram; /* whatever the executor hands over, the kind decides */
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "POST", FB "/" IG_ID "/media");
    assert_form(&job, "image_url", IM2_URL);
    assert_no_form(&job, "caption"); /* no text: no caption */
    assert_no_form(&job, "alt_text");
    assert_int_equal(go(&job, 200, "{\"id\":5}"), PUB_REQUEST); /* a numeric id too */
    assert_req(&job, "GET", FB "/5?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "POST", FB "/" IG_ID "/media_publish");
    assert_form(&job, "creation_id", "5");
    assert_int_equal(go(&job, 200, "{\"id\":\"77\"}"), PUB_REQUEST);
    assert_req(&job, "GET", FB "/77?fields=permalink");
    assert_int_equal(go(&job, 200, "{\"permalink\":\"https://www.instagram.com/p/X/\"}"), PUB_DONE);
    assert_string_equal(job.remote_id, "77");
    done_with(&job, opts);
}

static void test_carousel_flow(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_pack("{s:s}", "first_comment", "More at our shop #beans");
    const pub_media items[3] = {IMG, VID, IM2};
    job_init(&job, "carousel", items, 3, "Three shots", opts, "business");
    /* Items first, each a carousel item without a caption. */
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    assert_form(&job, "is_carousel_item", "true");
    assert_form(&job, "image_url", IMG_URL);
    assert_form(&job, "alt_text", "A cup of coffee");
    assert_no_form(&job, "caption");
    assert_no_form(&job, "media_type");
    assert_int_equal(go(&job, 200, "{\"id\":\"c1\"}"), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    assert_form(&job, "is_carousel_item", "true");
    assert_form(&job, "media_type", "VIDEO");
    assert_form(&job, "video_url", VID_URL);
    assert_no_form(&job, "image_url");
    assert_no_form(&job, "alt_text");
    assert_no_form(&job, "caption");
    assert_int_equal(go(&job, 200, "{\"id\":\"c2\"}"), PUB_REQUEST);
    assert_form(&job, "image_url", IM2_URL);
    assert_no_form(&job, "alt_text");
    assert_int_equal(go(&job, 200, "{\"id\":\"c3\"}"), PUB_REQUEST);
    /* Every item FINISHED before the parent is made. */
    assert_req(&job, "GET", IG "/c1?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "GET", IG "/c2?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, IN_PROGRESS), PUB_WAIT);
    assert_int_equal(job.wait_ms, 2000);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/c2?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "GET", IG "/c3?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    assert_form(&job, "media_type", "CAROUSEL");
    assert_form(&job, "children", "c1,c2,c3");
    assert_form(&job, "caption", "Three shots");
    assert_no_form(&job, "is_carousel_item");
    assert_int_equal(job.req.create_step, 0);
    assert_int_equal(go(&job, 200, "{\"id\":\"p1\"}"), PUB_REQUEST);
    assert_req(&job, "GET", IG "/p1?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media_publish");
    assert_form(&job, "creation_id", "p1");
    assert_int_equal(job.req.create_step, 1);
    assert_int_equal(go(&job, 200, "{\"id\":\"m1\"}"), PUB_REQUEST);
    assert_req(&job, "GET", IG "/m1?fields=permalink");
    assert_int_equal(go(&job, 200, "{\"permalink\":\"https://www.instagram.com/p/C1/\"}"),
                     PUB_REQUEST);
    /* The first comment: not a create step. */
    assert_req(&job, "POST", IG "/m1/comments");
    assert_form(&job, "message", "More at our shop #beans");
    assert_int_equal(job.req.create_step, 0);
    assert_int_equal(go(&job, 200, "{\"id\":\"cm1\"}"), PUB_DONE);
    assert_string_equal(job.remote_id, "m1");
    assert_string_equal(job.remote_url, "https://www.instagram.com/p/C1/");
    assert_string_equal(job.warning, "");
    assert_string_equal(pub_state_str(&job, "comment"), "done");
    assert_int_equal(creates, 1);
    done_with(&job, opts);
}

static void test_reel_flow(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "reel", &VID, 1, "Pour-over in 15 s", opts, "business_page");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "POST", FB "/" IG_ID "/media");
    assert_form(&job, "media_type", "REELS");
    assert_form(&job, "video_url", VID_URL);
    assert_form(&job, "caption", "Pour-over in 15 s");
    assert_form(&job, "share_to_feed", "true"); /* the default */
    assert_no_form(&job, "alt_text");
    assert_int_equal(go(&job, 200, "{\"id\":\"r1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, IN_PROGRESS), PUB_WAIT);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(job.req.create_step, 1);
    assert_int_equal(go(&job, 200, "{\"id\":\"rm1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"permalink\":\"https://www.instagram.com/reel/R1/\"}"),
                     PUB_DONE);
    assert_string_equal(job.remote_url, "https://www.instagram.com/reel/R1/");
    assert_int_equal(creates, 1);
    done_with(&job, opts);

    opts = json_pack("{s:b}", "share_to_feed", 0);
    job_init(&job, "reel", &VID, 1, "Reels tab only", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    assert_form(&job, "share_to_feed", "false");
    done_with(&job, opts);
}

static void test_story_flow(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "story", &IMG, 1, "stories show no caption", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    assert_form(&job, "media_type", "STORIES");
    assert_form(&job, "image_url", IMG_URL);
    assert_no_form(&job, "caption");
    assert_no_form(&job, "alt_text");
    assert_no_form(&job, "video_url");
    assert_int_equal(go(&job, 200, "{\"id\":\"s1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media_publish");
    assert_int_equal(go(&job, 200, "{\"id\":\"sm1\"}"), PUB_REQUEST);
    assert_int_equal(
        go(&job, 200, "{\"permalink\":\"https://www.instagram.com/stories/simcoffee/sm1/\"}"),
        PUB_DONE);
    assert_string_equal(job.remote_id, "sm1");
    done_with(&job, opts);

    /* A video story; a first comment on a story is not sent. */
    opts = json_pack("{s:s}", "first_comment", "nope");
    job_init(&job, "story", &VID, 1, "", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_form(&job, "media_type", "STORIES");
    assert_form(&job, "video_url", VID_URL);
    assert_no_form(&job, "image_url");
    assert_int_equal(go(&job, 200, "{\"id\":\"s2\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"sm2\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"permalink\":\"https://www.instagram.com/stories/x/sm2/\"}"),
                     PUB_DONE);
    done_with(&job, opts);
}

/* ---- processing ---- */

static void test_poll_backoff_and_bound(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "reel", &VID, 1, "Long one", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"r9\"}"), PUB_REQUEST);
    const int64_t want[] = {2000, 5000, 10000, 20000, 30000, 30000};
    int polls = 0;
    for (;;) {
        pub_step s = go(&job, 200, IN_PROGRESS);
        if (s == PUB_FAIL)
            break;
        assert_int_equal(s, PUB_WAIT);
        if (polls < 6)
            assert_int_equal(job.wait_ms, want[polls]);
        assert_true(job.wait_ms <= 30000);
        polls++;
        assert_int_equal(go0(&job), PUB_REQUEST);
        assert_req(&job, "GET", IG "/r9?fields=status_code%2Cstatus");
        assert_true(polls < 100);
    }
    assert_int_equal(polls, 40);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_string_equal(job.err.code, "processing_timeout");
    assert_non_null(strstr(job.err.message, "still processing the Reel"));
    /* The next attempt goes on polling the same container (no new one). */
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/r9?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media_publish");
    assert_form(&job, "creation_id", "r9");
    done_with(&job, opts);
}

static void test_container_errors(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "reel", &VID, 1, "Bad codec", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"r2\"}"), PUB_REQUEST);
    assert_int_equal(
        go(&job, 200,
           "{\"status_code\":\"ERROR\",\"status\":\"Error: Media upload has failed with error "
           "code 2207026\",\"id\":\"r2\"}"),
        PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.code, "2207026");
    assert_string_equal(job.err.message,
                        "Instagram refused the Reel: the video format is not supported; "
                        "Instagram takes MP4 or MOV with H.264 or HEVC video and AAC audio "
                        "(2207026)");
    assert_int_equal(creates, 0);
    /* The failed container is dropped: a retry makes a new one. */
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    done_with(&job, opts);

    /* A download timeout is worth another try. */
    opts = json_object();
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"i2\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200,
                        "{\"status_code\":\"ERROR\",\"status\":\"Error: Media upload has failed "
                        "with error code 2207003\"}"),
                     PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_non_null(strstr(job.err.message, "took too long to download"));
    done_with(&job, opts);

    /* An error without a known code: permanent, with Instagram's words. */
    opts = json_object();
    job_init(&job, "carousel", (const pub_media[]){IMG, IM2}, 2, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"k1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"k2\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"status_code\":\"ERROR\",\"status\":\"Error: broken\"}"),
                     PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.message,
                        "Instagram could not process item 2 of the carousel (an image) (Error: "
                        "broken)");
    done_with(&job, opts);
}

static void test_expired_containers(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"e1\"}"), PUB_REQUEST);
    /* EXPIRED: a new container. */
    assert_int_equal(go(&job, 200, "{\"status_code\":\"EXPIRED\"}"), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    assert_int_equal(go(&job, 200, "{\"id\":\"e2\"}"), PUB_REQUEST);
    assert_req(&job, "GET", IG "/e2?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(job.req.create_step, 1);
    /* Refused at publishing as expired (2207020): a new container again. */
    assert_int_equal(go(&job, 400,
                        "{\"error\":{\"message\":\"The media has expired.\",\"type\":"
                        "\"OAuthException\",\"code\":-2,\"error_subcode\":2207020}}"),
                     PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    assert_int_equal(go(&job, 200, "{\"id\":\"e3\"}"), PUB_REQUEST);
    assert_req(&job, "GET", IG "/e3?fields=status_code%2Cstatus");
    assert_int_equal(pub_state_int(&job, "restarts", 0), 2);
    /* Unknown to Instagram when polled (24/2207008): made again, and bounded. */
    assert_int_equal(go(&job, 400,
                        "{\"error\":{\"message\":\"does not exist\",\"code\":24,"
                        "\"error_subcode\":2207008}}"),
                     PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    assert_int_equal(go(&job, 200, "{\"id\":\"e4\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"status_code\":\"EXPIRED\"}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_string_equal(job.err.code, "container_expired");
    done_with(&job, opts);

    /* A saved container older than 23 hours is not used. */
    opts = json_object();
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"old1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, IN_PROGRESS), PUB_WAIT);
    job.now_ms = NOW + 23LL * 3600 * 1000;
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    done_with(&job, opts);
}

static void test_publish_not_ready(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"n1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(job.req.create_step, 1);
    assert_int_equal(go(&job, 400,
                        "{\"error\":{\"message\":\"Media ID is not available\",\"code\":9007,"
                        "\"error_subcode\":2207027}}"),
                     PUB_WAIT);
    assert_int_equal(job.wait_ms, 5000);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/n1?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media_publish");
    assert_int_equal(creates, 2); /* two attempts at the one create step, the first refused */
    done_with(&job, opts);
}

/* A carousel parent refused because an item is not ready: the items are polled again. */
static void test_carousel_parent_refused(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    const pub_media items[2] = {IMG, VID};
    job_init(&job, "carousel", items, 2, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"a1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"a2\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_form(&job, "media_type", "CAROUSEL");
    assert_int_equal(go(&job, 400,
                        "{\"error\":{\"message\":\"Media ID is not available\",\"code\":9007,"
                        "\"error_subcode\":2207027}}"),
                     PUB_WAIT);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/a1?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "GET", IG "/a2?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_form(&job, "children", "a1,a2");
    /* Too few or too many items (2207028): permanent, in plain words. */
    assert_int_equal(go(&job, 400,
                        "{\"error\":{\"message\":\"Invalid parameter\",\"code\":100,"
                        "\"error_subcode\":2207028}}"),
                     PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.code, "100/2207028");
    assert_string_equal(job.err.message, "Instagram refused the carousel: a carousel needs 2 to "
                                         "10 photos or videos (2207028)");
    done_with(&job, opts);
}

/* ---- first comment ---- */

static void test_first_comment_fails(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_pack("{s:s}", "first_comment", "hello");
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"f1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"fm1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"permalink\":\"https://www.instagram.com/p/F/\"}"),
                     PUB_REQUEST);
    assert_req(&job, "POST", IG "/fm1/comments");
    assert_int_equal(go(&job, 403,
                        "{\"error\":{\"message\":\"(#10) Application does not have permission "
                        "for this action\",\"type\":\"OAuthException\",\"code\":10}}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "fm1");
    assert_string_equal(job.remote_url, "https://www.instagram.com/p/F/");
    assert_non_null(strstr(job.warning, "the first comment was not posted"));
    assert_non_null(strstr(job.warning, "permission"));
    assert_int_equal(job.err.kind, PERR_NONE);
    assert_string_equal(pub_state_str(&job, "comment"), "failed");
    done_with(&job, opts);
}

/* The permalink cannot be read: the post is up, so it finishes with a warning. */
static void test_permalink_unreadable(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"l1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"lm1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 503, "{}"), PUB_WAIT);
    assert_int_equal(job.wait_ms, 2000);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/lm1?fields=permalink");
    assert_int_equal(go(&job, 500, "{}"), PUB_WAIT);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 500, "{}"), PUB_DONE);
    assert_string_equal(job.remote_id, "lm1");
    assert_string_equal(job.remote_url, "");
    assert_non_null(strstr(job.warning, "did not give its link"));
    assert_int_equal(creates, 1);
    done_with(&job, opts);
}

/* ---- errors ---- */

/* Create an image container answered with (status, body, headers): the error. */
static plat_error create_fails(int status, const char *body, const fake_headers *h)
{
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go_h(&job, status, body, h), PUB_FAIL);
    plat_error e = job.err;
    done_with(&job, opts);
    return e;
}

static void test_error_classes(void **state)
{
    (void)state;
    plat_error e;
    /* 190: the token is dead (expired), or access was withdrawn (460, 458, 467). */
    e = create_fails(400,
                     "{\"error\":{\"message\":\"Error validating access token: Session has "
                     "expired\",\"type\":\"OAuthException\",\"code\":190,\"error_subcode\":463}}",
                     NULL);
    assert_int_equal(e.kind, PERR_TOKEN_EXPIRED);
    assert_string_equal(e.code, "190/463");
    e = create_fails(400,
                     "{\"error\":{\"message\":\"Invalid OAuth access token - Cannot parse "
                     "access token\",\"code\":190}}",
                     NULL);
    assert_int_equal(e.kind, PERR_TOKEN_EXPIRED);
    e = create_fails(400,
                     "{\"error\":{\"message\":\"The session has been invalidated because the "
                     "user changed their password\",\"code\":190,\"error_subcode\":460}}",
                     NULL);
    assert_int_equal(e.kind, PERR_REVOKED);
    e = create_fails(400,
                     "{\"error\":{\"message\":\"The user has not authorized application\","
                     "\"code\":190,\"error_subcode\":458}}",
                     NULL);
    assert_int_equal(e.kind, PERR_REVOKED);
    e = create_fails(401, "", NULL);
    assert_int_equal(e.kind, PERR_TOKEN_EXPIRED);
    /* The token is never repeated in a message. */
    e = create_fails(400, "{\"error\":{\"message\":\"Bad token " TOKEN " given\",\"code\":190}}",
                     NULL);
    assert_null(strstr(e.message, TOKEN));
    assert_non_null(strstr(e.message, "[hidden]"));
    /* The object cannot be reached with this token any more: reconnect. */
    e = create_fails(400,
                     "{\"error\":{\"message\":\"Unsupported post request.\",\"type\":"
                     "\"IGApiException\",\"code\":100,\"error_subcode\":33}}",
                     NULL);
    assert_int_equal(e.kind, PERR_REVOKED);
    /* A permission is missing. */
    e = create_fails(403,
                     "{\"error\":{\"message\":\"(#10) Application does not have permission for "
                     "this action\",\"code\":10}}",
                     NULL);
    assert_int_equal(e.kind, PERR_DENIED);
    /* Throttling: 429 with Retry-After; code 4 with the Business Use Case estimate. */
    fake_headers ra = {{"Retry-After", NULL}, {"120", NULL}};
    e = create_fails(429,
                     "{\"error\":{\"message\":\"(#4) Application request limit reached\","
                     "\"code\":4,\"is_transient\":true}}",
                     &ra);
    assert_int_equal(e.kind, PERR_RATE_LIMITED);
    assert_int_equal(e.retry_at_ms, NOW + 120000);
    fake_headers buc = {{"X-Business-Use-Case-Usage", NULL},
                        {"{\"" IG_ID "\":[{\"type\":\"instagram\",\"call_count\":100,"
                         "\"total_cputime\":20,\"total_time\":20,"
                         "\"estimated_time_to_regain_access\":7}]}",
                         NULL}};
    e = create_fails(
        400, "{\"error\":{\"message\":\"(#32) Page request limit reached\",\"code\":32}}", &buc);
    assert_int_equal(e.kind, PERR_RATE_LIMITED);
    assert_int_equal(e.retry_at_ms, NOW + 7 * 60000);
    e = create_fails(400, "{\"error\":{\"message\":\"User request limit reached\",\"code\":17}}",
                     NULL);
    assert_int_equal(e.kind, PERR_RATE_LIMITED);
    e = create_fails(429, "", NULL); /* no envelope at all */
    assert_int_equal(e.kind, PERR_RATE_LIMITED);
    /* Transient: 5xx, codes 1 and 2, -1/-2, no answer. */
    e = create_fails(500,
                     "{\"error\":{\"message\":\"An unknown error occurred\",\"code\":1,"
                     "\"error_subcode\":99}}",
                     NULL);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    e = create_fails(503,
                     "{\"error\":{\"message\":\"An unexpected error has occurred. Please "
                     "retry your request later.\",\"code\":2}}",
                     NULL);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    e = create_fails(502, "<html>bad gateway</html>", NULL);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    e = create_fails(500, "{\"error\":{\"message\":\"Invalid parameter\",\"code\":100}}", NULL);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    e = create_fails(400, "{\"error\":{\"message\":\"An unknown error occurred\",\"code\":-2}}",
                     NULL);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    e = create_fails(0, "", NULL);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    e = create_fails(400,
                     "{\"error\":{\"message\":\"Instagram server error\",\"code\":-1,"
                     "\"error_subcode\":2207001}}",
                     NULL);
    assert_int_equal(e.kind, PERR_TRANSIENT);
    assert_string_equal(e.code, "-1/2207001");
    /* Instagram's own refusals, in plain words. */
    e = create_fails(400,
                     "{\"error\":{\"message\":\"The aspect ratio is not supported.\",\"type\":"
                     "\"OAuthException\",\"code\":36003,\"error_subcode\":2207009,"
                     "\"is_transient\":false}}",
                     NULL);
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_int_equal(e.http_status, 400);
    assert_string_equal(e.code, "36003/2207009");
    assert_string_equal(e.message, "Instagram refused the image: its aspect ratio is not "
                                   "supported; feed images must be between 4:5 and 1.91:1 "
                                   "(2207009)");
    e = create_fails(400, "{\"error\":{\"message\":\"x\",\"code\":36003}}", NULL);
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_string_equal(e.code, "36003/2207009");
    e = create_fails(400,
                     "{\"error\":{\"message\":\"The image size is too large.\",\"code\":36000,"
                     "\"error_subcode\":2207004}}",
                     NULL);
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_non_null(strstr(e.message, "too large"));
    e = create_fails(400,
                     "{\"error\":{\"message\":\"The image format is not supported.\","
                     "\"code\":36001,\"error_subcode\":2207005}}",
                     NULL);
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_non_null(strstr(e.message, "format is not supported"));
    e = create_fails(400,
                     "{\"error\":{\"message\":\"The caption is too long.\",\"code\":36004,"
                     "\"error_subcode\":2207010}}",
                     NULL);
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_non_null(strstr(e.message, "caption is too long"));
    e = create_fails(400,
                     "{\"error\":{\"message\":\"Only photo or video can be accepted as media "
                     "type.\",\"code\":9004,\"error_subcode\":2207052}}",
                     NULL);
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_non_null(strstr(e.message, "could not fetch the media"));
    e = create_fails(400,
                     "{\"error\":{\"message\":\"We restrict certain activity\",\"code\":4,"
                     "\"error_subcode\":2207051}}",
                     NULL);
    assert_int_equal(e.kind, PERR_PERMANENT);
    assert_non_null(strstr(e.message, "spam"));
    e = create_fails(400,
                     "{\"error\":{\"message\":\"Application request limit reached\","
                     "\"code\":9}}",
                     NULL);
    assert_int_equal(e.kind, PERR_RATE_LIMITED); /* code 9 alone: the daily publishing limit */
    assert_int_equal(e.retry_at_ms, NOW + 3600000);
    /* Anything else Graph refuses: invalid, with Graph's words. */
    e = create_fails(400,
                     "{\"error\":{\"message\":\"(#100) The parameter image_url is required.\","
                     "\"code\":100}}",
                     NULL);
    assert_int_equal(e.kind, PERR_INVALID);
    assert_non_null(strstr(e.message, "The parameter image_url is required"));
}

/* The 50-a-day publishing limit: try again in an hour. */
static void test_daily_limit(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"q1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(job.req.create_step, 1);
    assert_int_equal(go(&job, 400,
                        "{\"error\":{\"message\":\"Application request limit reached\",\"type\":"
                        "\"OAuthException\",\"code\":9,\"error_subcode\":2207042}}"),
                     PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_RATE_LIMITED);
    assert_int_equal(job.err.retry_at_ms, NOW + 3600000);
    assert_string_equal(job.err.code, "9/2207042");
    assert_non_null(strstr(job.err.message, "limit of 50 posts"));
    /* The container is kept: the next attempt publishes it after checking it. */
    job.now_ms = NOW + 3600000;
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/q1?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media_publish");
    assert_form(&job, "creation_id", "q1");
    done_with(&job, opts);
}

static void test_bad_input(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    const pub_media two[2] = {IMG, IM2};
    struct {
        const char *kind;
        const pub_media *m;
        size_t n;
    } bad[] = {
        {"image", two, 2}, {"image", &VID, 1}, {"image", NULL, 0}, {"carousel", &IMG, 1},
        {"reel", &IMG, 1}, {"story", two, 2},  {"post", &IMG, 1},  {NULL, &IMG, 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        job_init(&job, bad[i].kind, bad[i].m, bad[i].n, "x", opts, "business");
        assert_int_equal(go0(&job), PUB_FAIL);
        assert_int_equal(job.err.kind, PERR_INVALID);
        assert_int_equal(rc0(&job), PUB_FAIL);
        pub_job_free(&job);
    }
    /* Eleven carousel items. */
    pub_media eleven[11];
    for (int i = 0; i < 11; i++)
        eleven[i] = IMG;
    job_init(&job, "carousel", eleven, 11, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_FAIL);
    pub_job_free(&job);
    /* No token; a token that would not fit a header. */
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    job.access_token = "";
    assert_int_equal(go0(&job), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    pub_job_free(&job);
    char longtok[600];
    memset(longtok, 'a', sizeof longtok - 1);
    longtok[sizeof longtok - 1] = '\0';
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    job.access_token = longtok;
    assert_int_equal(go0(&job), PUB_FAIL);
    pub_job_free(&job);
    /* A bad account id; no public link; a text NULL. */
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    job.account_remote_id = "../me";
    assert_int_equal(go0(&job), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    pub_job_free(&job);
    pub_media nourl = IMG;
    nourl.public_url = "";
    job_init(&job, "image", &nourl, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    pub_job_free(&job);
    job_init(&job, "image", &IMG, 1, NULL, opts, NULL);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_no_form(&job, "caption");
    /* Odd answers: not JSON, no id. */
    assert_int_equal(go(&job, 200, "not json"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"ok1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "[1,2]"), PUB_WAIT); /* no status: still processing */
    /* A state that is not an object is replaced. */
    json_decref(job.state);
    job.state = json_string("junk");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    done_with(&job, opts);
}

/* ---- resuming ---- */

/* A worker restarted while polling: the saved containers are used, none is made again. */
static void test_resume_from_state(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    const pub_media items[2] = {IMG, VID};
    job_init(&job, "carousel", items, 2, "Resumed", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"r1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"r2\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "GET", IG "/r2?fields=status_code%2Cstatus");
    /* The worker dies here; the saved state comes back as JSON text. */
    char *saved = json_dumps(job.state, JSON_COMPACT);
    pub_job_free(&job);
    job_init(&job, "carousel", items, 2, "Resumed", opts, "business");
    job.state = json_loads(saved, 0, NULL);
    free(saved);
    job.now_ms = NOW + 60000;
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/r2?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_form(&job, "children", "r1,r2");
    done_with(&job, opts);

    /* The target changed since: the old containers are not used. */
    opts = json_object();
    job_init(&job, "image", &IMG, 1, "v1", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"v1c\"}"), PUB_REQUEST);
    job.text = "v2";
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media");
    assert_form(&job, "caption", "v2");
    done_with(&job, opts);
}

/*
 * media_publish in flight when the worker died, and reconcile not sure: the
 * container is polled before publishing again; PUBLISHED means it went out,
 * and the post is looked up instead of published twice.
 */
static void test_resume_after_publish(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_pack("{s:s}", "first_comment", "first!");
    job_init(&job, "image", &IMG, 1, "Once only", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"x1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(job.req.create_step, 1);
    /* No answer: the next call of an attempt. */
    job.now_ms = NOW + 30000;
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/x1?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, "{\"status_code\":\"PUBLISHED\"}"), PUB_REQUEST);
    assert_req(&job, "GET",
               IG "/" IG_ID "/media?fields=id%2Ccaption%2Ctimestamp%2Cpermalink%2Cmedia_type%2C"
                  "media_product_type&limit=25");
    assert_int_equal(go(&job, 200,
                        "{\"data\":[{\"id\":\"xm1\",\"caption\":\"Once only\",\"timestamp\":"
                        "\"2026-01-01T00:00:05+0000\",\"permalink\":\"https://www.instagram.com/"
                        "p/X1/\",\"media_type\":\"IMAGE\",\"media_product_type\":\"FEED\"}]}"),
                     PUB_REQUEST);
    assert_req(&job, "POST", IG "/xm1/comments");
    assert_int_equal(creates, 1);
    /* The comment's answer is lost too: it is not sent again. */
    assert_int_equal(go0(&job), PUB_DONE);
    assert_string_equal(job.remote_id, "xm1");
    assert_string_equal(job.remote_url, "https://www.instagram.com/p/X1/");
    assert_non_null(strstr(job.warning, "may not have been posted"));
    assert_int_equal(creates, 1);
    done_with(&job, opts);

    /* FINISHED instead: it did not go out, so it is published now. */
    opts = json_object();
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"y1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/y1?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_req(&job, "POST", IG "/" IG_ID "/media_publish");
    assert_int_equal(job.req.create_step, 1);
    /* Refused as already published: looked up. */
    assert_int_equal(go(&job, 400,
                        "{\"error\":{\"message\":\"(#100) This media container has already been "
                        "published\",\"code\":100}}"),
                     PUB_REQUEST);
    assert_req(&job, "GET",
               IG "/" IG_ID "/media?fields=id%2Ccaption%2Ctimestamp%2Cpermalink%2Cmedia_type%2C"
                  "media_product_type&limit=25");
    /* Not listed yet: try later (and not publish again). */
    assert_int_equal(go(&job, 200, "{\"data\":[]}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/y1?fields=status_code%2Cstatus");
    done_with(&job, opts);

    /* media_publish answered 200 without an id: looked up. */
    opts = json_object();
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"z1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{}"), PUB_REQUEST);
    assert_string_equal(pub_state_str(&job, "inflight"), "find");
    assert_int_equal(go(&job, 200,
                        "{\"data\":[{\"id\":\"zm1\",\"caption\":\"x\",\"timestamp\":"
                        "\"2026-01-01T00:00:01Z\"}]}"),
                     PUB_REQUEST);
    /* No permalink in the list: read it. */
    assert_req(&job, "GET", IG "/zm1?fields=permalink");
    assert_int_equal(go(&job, 200, "{\"permalink\":\"https://www.instagram.com/p/Z/\"}"), PUB_DONE);
    assert_string_equal(job.remote_id, "zm1");
    assert_int_equal(creates, 1);
    done_with(&job, opts);
}

/* ---- reconcile ---- */

#define LIST_URL                                                                                   \
    IG "/" IG_ID "/media?fields=id%2Ccaption%2Ctimestamp%2Cpermalink%2Cmedia_type%2C"              \
       "media_product_type&limit=25"

/* A job whose media_publish outcome was lost. */
static void lost_publish(pub_job *job, json_t *opts, const char *kind, const pub_media *m,
                         const char *text)
{
    job_init(job, kind, m, 1, text, opts, "business");
    assert_int_equal(go0(job), PUB_REQUEST);
    assert_int_equal(go(job, 200, "{\"id\":\"lp1\"}"), PUB_REQUEST);
    assert_int_equal(go(job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(job->req.create_step, 1);
}

static void test_reconcile_by_container(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    /* FINISHED: never published. */
    lost_publish(&job, opts, "image", &IMG, "Lost");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/lp1?fields=status_code%2Cstatus");
    assert_int_equal(rc(&job, 200, FINISHED), PUB_DONE);
    assert_string_equal(job.remote_id, "");
    /* Then publishing goes on with the same container (checked first). */
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_req(&job, "GET", IG "/lp1?fields=status_code%2Cstatus");
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_form(&job, "creation_id", "lp1");
    done_with(&job, opts);

    /* PUBLISHED: found in the list by caption and time. */
    opts = json_object();
    lost_publish(&job, opts, "image", &IMG, "Lost\r\nand found ");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_int_equal(rc(&job, 200, "{\"status_code\":\"PUBLISHED\"}"), PUB_REQUEST);
    assert_req(&job, "GET", LIST_URL);
    assert_int_equal(
        rc(&job, 200,
           "{\"data\":["
           "{\"id\":\"o1\",\"caption\":\"Other\",\"timestamp\":\"2026-01-01T00:00:10+0000\"},"
           "{\"id\":\"o2\",\"caption\":\"Lost\\nand found\",\"timestamp\":"
           "\"2026-01-01T00:00:09+0000\",\"media_type\":\"VIDEO\"},"
           "{\"id\":\"f1\",\"caption\":\"Lost\\nand found\",\"timestamp\":"
           "\"2025-12-31T23:59:30+0000\",\"permalink\":\"https://www.instagram.com/p/F1/\","
           "\"media_type\":\"IMAGE\"},"
           "{\"id\":\"old\",\"caption\":\"Lost\\nand found\",\"timestamp\":"
           "\"2025-12-31T23:58:00+0000\"}]}"),
        PUB_DONE);
    assert_string_equal(job.remote_id, "f1"); /* within the minute of slack, an image */
    assert_string_equal(job.remote_url, "https://www.instagram.com/p/F1/");
    done_with(&job, opts);

    /* PUBLISHED but not in the list yet: cannot tell. */
    opts = json_object();
    lost_publish(&job, opts, "image", &IMG, "Lost");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_int_equal(rc(&job, 200, "{\"status_code\":\"PUBLISHED\"}"), PUB_REQUEST);
    assert_int_equal(rc(&job, 200, "{\"data\":[]}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    done_with(&job, opts);

    /* The container cannot be read: the list decides. */
    opts = json_object();
    lost_publish(&job, opts, "image", &IMG, "Lost");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_int_equal(rc(&job, 400,
                        "{\"error\":{\"message\":\"x\",\"code\":100,"
                        "\"error_subcode\":33}}"),
                     PUB_REQUEST);
    assert_req(&job, "GET", LIST_URL);
    assert_int_equal(rc(&job, 200,
                        "{\"data\":[{\"id\":\"old\",\"caption\":\"Lost\",\"timestamp\":"
                        "\"2025-12-30T10:00:00+0000\"}]}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "");
    done_with(&job, opts);
}

static void test_reconcile_by_list(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    /* No container in the state: the list alone. */
    job_init(&job, "reel", &VID, 1, "Reel text", opts, "business_page");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_req(&job, "GET",
               FB "/" IG_ID "/media?fields=id%2Ccaption%2Ctimestamp%2Cpermalink%2Cmedia_type%2C"
                  "media_product_type&limit=25");
    assert_int_equal(rc(&job, 200,
                        "{\"data\":[{\"id\":\"f9\",\"caption\":\"Reel text\",\"timestamp\":"
                        "\"2026-01-01T00:01:00+0000\",\"permalink\":\"https://www.instagram.com/"
                        "reel/F9/\",\"media_type\":\"VIDEO\",\"media_product_type\":\"REELS\"}]}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "f9");
    assert_string_equal(job.remote_url, "https://www.instagram.com/reel/F9/");
    done_with(&job, opts);

    /* A full page, all recent: the next page is read (same host only). */
    opts = json_object();
    job_init(&job, "image", &IMG, 1, "Needle", opts, "business");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    char page[4096];
    size_t o = (size_t)snprintf(page, sizeof page, "{\"data\":[");
    for (int i = 0; i < 25; i++)
        o += (size_t)snprintf(page + o, sizeof page - o,
                              "%s{\"id\":\"h%d\",\"caption\":\"Hay\",\"timestamp\":"
                              "\"2026-01-01T00:02:00+0000\"}",
                              i ? "," : "", i);
    snprintf(page + o, sizeof page - o,
             "],\"paging\":{\"cursors\":{\"after\":\"QVFI\"},\"next\":\"" IG "/" IG_ID
             "/media?fields=id&limit=25&after=QVFI\"}}");
    assert_int_equal(rc(&job, 200, page), PUB_REQUEST);
    assert_req(&job, "GET", IG "/" IG_ID "/media?fields=id&limit=25&after=QVFI");
    assert_int_equal(rc(&job, 200,
                        "{\"data\":[{\"id\":\"n1\",\"caption\":\"Needle\",\"timestamp\":"
                        "\"2026-01-01T00:00:30+0000\"}]}"),
                     PUB_REQUEST);
    /* Found without a permalink: it is read. */
    assert_req(&job, "GET", IG "/n1?fields=permalink");
    assert_int_equal(rc(&job, 200, "{\"permalink\":\"https://www.instagram.com/p/N1/\"}"),
                     PUB_DONE);
    assert_string_equal(job.remote_url, "https://www.instagram.com/p/N1/");
    assert_string_equal(job.remote_id, "n1");
    done_with(&job, opts);

    /* A next page elsewhere is not followed. */
    opts = json_object();
    job_init(&job, "image", &IMG, 1, "Needle", opts, "business");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_int_equal(rc(&job, 200,
                        "{\"data\":[{\"id\":\"h\",\"caption\":\"Hay\",\"timestamp\":"
                        "\"2026-01-01T00:02:00+0000\"}],\"paging\":{\"next\":"
                        "\"https://evil.test/steal\"}}"),
                     PUB_FAIL);
    done_with(&job, opts);

    /* The list cannot be read: PUB_FAIL, classified. */
    opts = json_object();
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_int_equal(rc(&job, 500, "{}"), PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    pub_job_free(&job);
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_int_equal(
        rc(&job, 400, "{\"error\":{\"message\":\"expired\",\"code\":190,\"error_subcode\":463}}"),
        PUB_FAIL);
    assert_int_equal(job.err.kind, PERR_TOKEN_EXPIRED);
    pub_job_free(&job);
    job_init(&job, "image", &IMG, 1, "x", opts, "business");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_int_equal(rc(&job, 200, "{\"nodata\":1}"), PUB_FAIL);
    done_with(&job, opts);
}

static void test_reconcile_story(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_object();
    job_init(&job, "story", &VID, 1, "", opts, "business");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_req(&job, "GET",
               IG "/" IG_ID "/stories?fields=id%2Ctimestamp%2Cpermalink%2Cmedia_type%2C"
                  "media_product_type&limit=25");
    /* Stories have no caption: the newest one of the same media type in the window. */
    assert_int_equal(rc(&job, 200,
                        "{\"data\":["
                        "{\"id\":\"si\",\"timestamp\":\"2026-01-01T00:00:20+0000\","
                        "\"media_type\":\"IMAGE\"},"
                        "{\"id\":\"sv\",\"timestamp\":\"2026-01-01T00:00:10+0000\","
                        "\"media_type\":\"VIDEO\",\"permalink\":\"https://www.instagram.com/"
                        "stories/simcoffee/sv/\"}]}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "sv");
    done_with(&job, opts);

    opts = json_object();
    job_init(&job, "story", &IMG, 1, "", opts, "business");
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_int_equal(rc(&job, 200,
                        "{\"data\":[{\"id\":\"s0\",\"timestamp\":\"2025-12-31T12:00:00+0000\","
                        "\"media_type\":\"IMAGE\"}]}"),
                     PUB_DONE);
    assert_string_equal(job.remote_id, "");
    done_with(&job, opts);
}

/* Found by reconcile with a first comment due: the comment is posted, then done. */
static void test_reconcile_then_comment(void **state)
{
    (void)state;
    pub_job job;
    json_t *opts = json_pack("{s:s}", "first_comment", "after the fact");
    job_init(&job, "image", &IMG, 1, "Hello", opts, "business");
    assert_int_equal(go0(&job), PUB_REQUEST);
    assert_int_equal(go(&job, 200, "{\"id\":\"w1\"}"), PUB_REQUEST);
    assert_int_equal(go(&job, 200, FINISHED), PUB_REQUEST);
    assert_int_equal(rc0(&job), PUB_REQUEST);
    assert_int_equal(rc(&job, 200, "{\"status_code\":\"PUBLISHED\"}"), PUB_REQUEST);
    assert_int_equal(rc(&job, 200,
                        "{\"data\":[{\"id\":\"wm\",\"caption\":\"Hello\",\"timestamp\":"
                        "\"2026-01-01T00:00:03+0000\",\"permalink\":\"https://www.instagram.com/"
                        "p/W/\"}]}"),
                     PUB_REQUEST);
    assert_req(&job, "POST", IG "/wm/comments");
    assert_form(&job, "message", "after the fact");
    assert_int_equal(job.req.create_step, 0);
    assert_int_equal(rc(&job, 200, "{\"id\":\"c\"}"), PUB_DONE);
    assert_string_equal(job.remote_id, "wm");
    assert_string_equal(job.remote_url, "https://www.instagram.com/p/W/");
    assert_string_equal(job.warning, "");
    /* With the publish answer already read, reconcile needs no request. */
    pub_job_free(&job);
    job_init(&job, "image", &IMG, 1, "Hello", opts, "business");
    job.state = json_pack("{s:s, s:s, s:s}", "media_id", "known1", "permalink",
                          "https://www.instagram.com/p/K/", "comment", "done");
    assert_int_equal(rc0(&job), PUB_DONE);
    assert_string_equal(job.remote_id, "known1");
    done_with(&job, opts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_entry),
        cmocka_unit_test(test_image_flow),
        cmocka_unit_test(test_image_through_page),
        cmocka_unit_test(test_carousel_flow),
        cmocka_unit_test(test_reel_flow),
        cmocka_unit_test(test_story_flow),
        cmocka_unit_test(test_poll_backoff_and_bound),
        cmocka_unit_test(test_container_errors),
        cmocka_unit_test(test_expired_containers),
        cmocka_unit_test(test_publish_not_ready),
        cmocka_unit_test(test_carousel_parent_refused),
        cmocka_unit_test(test_first_comment_fails),
        cmocka_unit_test(test_permalink_unreadable),
        cmocka_unit_test(test_error_classes),
        cmocka_unit_test(test_daily_limit),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_resume_from_state),
        cmocka_unit_test(test_resume_after_publish),
        cmocka_unit_test(test_reconcile_by_container),
        cmocka_unit_test(test_reconcile_by_list),
        cmocka_unit_test(test_reconcile_story),
        cmocka_unit_test(test_reconcile_then_comment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
