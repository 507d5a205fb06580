/*
 * test_platform_meta.c - the Facebook Pages, Instagram Login and Instagram
 * through a Facebook Page adapters (platform/facebook.c, instagram.c,
 * instagram_fb.c), driven step by step with
 * canned responses: the requests they ask for, the tokens and accounts
 * they return, and how Graph errors are classified.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "platform/http_exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NOW         1760000000000LL /* job.now_ms in every test */
#define FB_SECRET   "fb-app-secret-42"
#define IG_SECRET   "ig-app-secret-77"
#define REDIRECT    "https://p2s.test/api/v1/oauth/facebook/callback"
#define PAGE_FIELDS "id,username,name,access_token,picture.type(large),instagram_business_account"

static config cfg;

static void setup_cfg(void)
{
    memset(&cfg, 0, sizeof cfg);
    platform_cfg *f = &cfg.facebook;
    snprintf(f->client_id, sizeof f->client_id, "fb-app-1");
    snprintf(f->client_secret, sizeof f->client_secret, FB_SECRET);
    snprintf(f->auth_url, sizeof f->auth_url, "https://sim.test/facebook/www");
    snprintf(f->token_url, sizeof f->token_url, "https://sim.test/facebook/graph");
    snprintf(f->api_url, sizeof f->api_url, "https://sim.test/facebook/graph");
    snprintf(f->version, sizeof f->version, "v20.0");
    platform_cfg *i = &cfg.instagram;
    snprintf(i->client_id, sizeof i->client_id, "ig-app-1");
    snprintf(i->client_secret, sizeof i->client_secret, IG_SECRET);
    snprintf(i->auth_url, sizeof i->auth_url, "https://sim.test/instagram/www");
    snprintf(i->token_url, sizeof i->token_url, "https://sim.test/instagram/api");
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

static plat_response reply(int status, const char *body)
{
    return reply_h(status, body, NULL);
}

/* One step with a canned answer. */
static plat_step step(plat_machine m, plat_job *job, int status, const char *body)
{
    plat_response r = reply(status, body);
    return m(job, &r);
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

/*
 * The decoded value of key in "k=v&k=v" text (a URL's query or a form
 * body); NULL if absent.  A static buffer: one value at a time.
 */
static const char *arg_in(const char *text, const char *key)
{
    static char out[8192];
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

static void assert_arg(const char *text, const char *key, const char *want)
{
    const char *got = arg_in(text, key);
    if (got == NULL)
        fail_msg("argument %s missing in %s", key, text);
    assert_string_equal(got, want);
}

static void assert_prefix(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("'%s' does not start with '%s'", s, prefix);
}

static int has_header(const plat_request *q, const char *line)
{
    for (int i = 0; i < q->nheaders; i++)
        if (strcmp(q->headers[i], line) == 0)
            return 1;
    return 0;
}

static void job_start(plat_job *job, plat_job_kind kind, const char *platform)
{
    setup_cfg();
    plat_job_init(job, kind, &cfg, platform);
    job->now_ms = NOW;
    snprintf(job->redirect_uri, sizeof job->redirect_uri, "%s", REDIRECT);
    snprintf(job->code, sizeof job->code, "AQ-code-123");
}

/* ---- Facebook ---- */

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(plat_find("facebook"), &plat_facebook);
    assert_ptr_equal(plat_find("instagram"), &plat_instagram);
    assert_ptr_equal(plat_find("x"), &plat_x);
    assert_string_equal(plat_facebook.title, "Facebook Pages");
    assert_int_equal(plat_facebook.needs_pkce, 0);
    assert_int_equal(plat_facebook.picks_accounts, 1);
    assert_non_null(plat_facebook.revoke);
    assert_string_equal(plat_instagram.title, "Instagram");
    assert_int_equal(plat_instagram.needs_pkce, 0);
    assert_int_equal(plat_instagram.picks_accounts, 0);
    assert_null(plat_instagram.revoke);
    /* Instagram through a Facebook Page: its own adapter, stored as "instagram". */
    assert_ptr_equal(plat_find("instagram_fb"), &plat_instagram_fb);
    assert_string_equal(plat_instagram_fb.id, "instagram_fb");
    assert_string_equal(plat_instagram_fb.title, "Instagram (through a Facebook Page)");
    assert_int_equal(plat_instagram_fb.needs_pkce, 0);
    assert_int_equal(plat_instagram_fb.picks_accounts, 1);
    assert_non_null(plat_instagram_fb.revoke);
    assert_string_equal(plat_stored_name(&plat_instagram_fb), "instagram");
    assert_string_equal(plat_stored_name(&plat_instagram), "instagram");
    assert_string_equal(plat_stored_name(&plat_facebook), "facebook");
    assert_null(plat_find("nope"));
    /* It signs in with the Facebook app. */
    setup_cfg();
    assert_ptr_equal(plat_settings(&cfg, "instagram_fb"), &cfg.facebook);
    assert_ptr_equal(plat_settings(&cfg, "instagram"), &cfg.instagram);
    /* A stored account's adapter: by platform, and for Instagram by kind. */
    assert_ptr_equal(plat_for_account("instagram", "business_page"), &plat_instagram_fb);
    assert_ptr_equal(plat_for_account("instagram", "business"), &plat_instagram);
    assert_ptr_equal(plat_for_account("instagram", ""), &plat_instagram);
    assert_ptr_equal(plat_for_account("instagram", NULL), &plat_instagram);
    assert_ptr_equal(plat_for_account("facebook", "page"), &plat_facebook);
    assert_ptr_equal(plat_for_account("facebook", "business_page"), &plat_facebook);
    assert_ptr_equal(plat_for_account("x", "user"), &plat_x);
    assert_null(plat_for_account("instagram_fb", "business_page")); /* never a stored name */
    assert_null(plat_for_account("tiktok", "user"));
    assert_null(plat_for_account(NULL, NULL));
}

static void test_fb_authorize_url(void **state)
{
    (void)state;
    plat_job job;
    job_start(&job, PJOB_CONNECT, "facebook");
    char url[PLAT_URL_MAX];
    assert_int_equal(plat_facebook.authorize_url(&job, "st-1", "", url, sizeof url), 0);
    assert_prefix(url, "https://sim.test/facebook/www/v20.0/dialog/oauth?client_id=fb-app-1&");
    assert_arg(url, "redirect_uri", REDIRECT);
    assert_arg(url, "state", "st-1");
    assert_arg(url, "response_type", "code");
    assert_arg(url, "scope",
               "pages_show_list,business_management,pages_manage_posts,pages_manage_engagement,"
               "pages_read_engagement,read_insights");
    assert_non_null(strstr(url, "scope=pages_show_list%2Cbusiness_management%2C"));
    assert_non_null(strstr(url, "redirect_uri=https%3A%2F%2Fp2s.test%2F"));
    assert_null(strstr(url, FB_SECRET));
    assert_null(strstr(url, "code_challenge"));
    char small[40];
    assert_int_equal(plat_facebook.authorize_url(&job, "st-1", "", small, sizeof small), -1);
    plat_job_free(&job);
}

#define PERMS_OK                                                                                   \
    "{\"data\":[{\"permission\":\"pages_show_list\",\"status\":\"granted\"},"                      \
    "{\"permission\":\"pages_manage_posts\",\"status\":\"granted\"},"                              \
    "{\"permission\":\"read_insights\",\"status\":\"declined\"},"                                  \
    "{\"permission\":\"public_profile\",\"status\":\"granted\"}]}"

/* Run a connect up to the first /me/accounts request. */
static void fb_to_accounts(plat_job *job)
{
    job_start(job, PJOB_CONNECT, "facebook");
    assert_int_equal(plat_facebook.connect(job, NULL), PLAT_REQUEST);
    assert_int_equal(step(plat_facebook.connect, job, 200,
                          "{\"access_token\":\"SHORT-1\",\"token_type\":\"bearer\","
                          "\"expires_in\":5400}"),
                     PLAT_REQUEST);
    assert_int_equal(step(plat_facebook.connect, job, 200,
                          "{\"access_token\":\"LONG-1\",\"token_type\":\"bearer\","
                          "\"expires_in\":5183944}"),
                     PLAT_REQUEST);
    assert_int_equal(step(plat_facebook.connect, job, 200, PERMS_OK), PLAT_REQUEST);
}

static void test_fb_connect(void **state)
{
    (void)state;
    plat_job job;
    job_start(&job, PJOB_CONNECT, "facebook");
    /* 1: the code, everything in the query of a GET (as Graph's token endpoint takes it). */
    assert_int_equal(plat_facebook.connect(&job, NULL), PLAT_REQUEST);
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/oauth/access_token?");
    assert_arg(job.req.url, "client_id", "fb-app-1");
    assert_arg(job.req.url, "redirect_uri", REDIRECT);
    assert_arg(job.req.url, "client_secret", FB_SECRET);
    assert_arg(job.req.url, "code", "AQ-code-123");
    assert_null(arg_in(job.req.url, "grant_type"));
    assert_null(job.req.body);
    /* 2: short-lived -> long-lived. */
    assert_int_equal(step(plat_facebook.connect, &job, 200,
                          "{\"access_token\":\"SHORT-1\",\"token_type\":\"bearer\","
                          "\"expires_in\":5400}"),
                     PLAT_REQUEST);
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/oauth/access_token?");
    assert_arg(job.req.url, "grant_type", "fb_exchange_token");
    assert_arg(job.req.url, "client_id", "fb-app-1");
    assert_arg(job.req.url, "client_secret", FB_SECRET);
    assert_arg(job.req.url, "fb_exchange_token", "SHORT-1");
    /* 3: the permissions granted. */
    assert_int_equal(step(plat_facebook.connect, &job, 200,
                          "{\"access_token\":\"LONG-1\",\"token_type\":\"bearer\","
                          "\"expires_in\":5183944}"),
                     PLAT_REQUEST);
    assert_string_equal(job.tokens.access, "LONG-1");
    assert_true(job.tokens.access_expires_at == NOW + 5183944LL * 1000);
    assert_string_equal(job.tokens.refresh, "");
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/me/permissions?");
    assert_arg(job.req.url, "access_token", "LONG-1");
    assert_null(strstr(job.req.url, FB_SECRET));
    /* 4: the Pages. */
    assert_int_equal(step(plat_facebook.connect, &job, 200, PERMS_OK), PLAT_REQUEST);
    assert_string_equal(job.tokens.scopes, "pages_show_list,pages_manage_posts,public_profile");
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/me/accounts?");
    assert_arg(job.req.url, "fields", PAGE_FIELDS);
    assert_arg(job.req.url, "limit", "100");
    assert_arg(job.req.url, "access_token", "LONG-1");
    assert_non_null(strstr(job.req.url, "picture.type%28large%29"));
    /* First list page: one Page, one without a Page token (left out), and a next page. */
    const char *next = "https://sim.test/facebook/graph/v20.0/me/accounts?access_token=LONG-1"
                       "&limit=100&after=QVFIUk";
    char body[2048];
    snprintf(body, sizeof body,
             "{\"data\":[{\"id\":\"20150000000000001\",\"name\":\"Sim Coffee Roasters\","
             "\"username\":\"simcoffee\",\"access_token\":\"PAGE-TOKEN-1\","
             "\"picture\":{\"data\":{\"url\":\"https://cdn.test/p1.png\",\"width\":200}},"
             "\"instagram_business_account\":{\"id\":\"17841400000000001\"}},"
             "{\"id\":\"20150000000000009\",\"name\":\"Not Mine\"}],"
             "\"paging\":{\"cursors\":{\"before\":\"a\",\"after\":\"QVFIUk\"},\"next\":\"%s\"}}",
             next);
    assert_int_equal(step(plat_facebook.connect, &job, 200, body), PLAT_REQUEST);
    assert_string_equal(job.req.method, "GET");
    assert_string_equal(job.req.url, next);
    /* Second list page: a Page given as a number, no username, a repeat; no next. */
    assert_int_equal(step(plat_facebook.connect, &job, 200,
                          "{\"data\":[{\"id\":20150000000000002,\"name\":\"Sim Bike Shop\","
                          "\"access_token\":\"PAGE-TOKEN-2\"},"
                          "{\"id\":\"20150000000000001\",\"name\":\"Sim Coffee Roasters\","
                          "\"access_token\":\"PAGE-TOKEN-1\"}],"
                          "\"paging\":{\"cursors\":{\"before\":\"b\",\"after\":\"c\"}}}"),
                     PLAT_DONE);
    assert_int_equal(job.naccounts, 2);
    const plat_account *a = &job.accounts[0];
    assert_string_equal(a->remote_id, "20150000000000001");
    assert_string_equal(a->name, "Sim Coffee Roasters");
    assert_string_equal(a->username, "simcoffee");
    assert_string_equal(a->avatar_url, "https://cdn.test/p1.png");
    assert_string_equal(a->kind, "page");
    assert_int_equal(a->has_own_tokens, 1);
    assert_string_equal(a->tokens.access, "PAGE-TOKEN-1");
    assert_true(a->tokens.access_expires_at == 0);
    assert_string_equal(a->tokens.refresh, "");
    assert_string_equal(a->tokens.scopes, job.tokens.scopes);
    a = &job.accounts[1];
    assert_string_equal(a->remote_id, "20150000000000002");
    assert_string_equal(a->username, "");
    assert_string_equal(a->avatar_url, "");
    assert_string_equal(a->tokens.access, "PAGE-TOKEN-2");
    /* The user token stays the grant's. */
    assert_string_equal(job.tokens.access, "LONG-1");
    plat_job_free(&job);
}

static void test_fb_paging_bounds(void **state)
{
    (void)state;
    plat_job job;
    /* paging.next elsewhere than the API host is not followed (it carries the token). */
    fb_to_accounts(&job);
    assert_int_equal(step(plat_facebook.connect, &job, 200,
                          "{\"data\":[],\"paging\":{\"next\":\"https://evil.test/facebook/graph/"
                          "v20.0/me/accounts?access_token=LONG-1\"}}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_null(strstr(job.err.message, "LONG-1"));
    plat_job_free(&job);
    fb_to_accounts(&job);
    assert_int_equal(step(plat_facebook.connect, &job, 200,
                          "{\"data\":[],\"paging\":{\"next\":\"https://sim.test/facebook/"
                          "graphics/x\"}}"),
                     PLAT_FAIL);
    plat_job_free(&job);

    /* A list that never ends: at most 5 list requests. */
    fb_to_accounts(&job);
    int requests = 1;
    plat_step s;
    const char *endless = "{\"data\":[],\"paging\":{\"next\":\"https://sim.test/facebook/graph/"
                          "v20.0/me/accounts?after=x\"}}";
    while ((s = step(plat_facebook.connect, &job, 200, endless)) == PLAT_REQUEST)
        requests++;
    assert_int_equal(s, PLAT_DONE);
    assert_int_equal(requests, 5);
    assert_int_equal(job.naccounts, 0);
    plat_job_free(&job);

    /* More Pages than fit: the first PLAT_MAX_ACCOUNTS, and no further paging. */
    fb_to_accounts(&job);
    char body[8192];
    size_t o = (size_t)snprintf(body, sizeof body, "{\"data\":[");
    for (int i = 0; i < PLAT_MAX_ACCOUNTS + 4; i++)
        o += (size_t)snprintf(body + o, sizeof body - o,
                              "%s{\"id\":\"%d\",\"name\":\"P%d\",\"access_token\":\"T%d\"}",
                              i ? "," : "", 1000 + i, i, i);
    snprintf(body + o, sizeof body - o,
             "],\"paging\":{\"next\":\"https://sim.test/facebook/graph/v20.0/me/accounts\"}}");
    assert_int_equal(step(plat_facebook.connect, &job, 200, body), PLAT_DONE);
    assert_int_equal(job.naccounts, PLAT_MAX_ACCOUNTS);
    assert_string_equal(job.accounts[PLAT_MAX_ACCOUNTS - 1].remote_id, "1015");
    plat_job_free(&job);
}

static void test_fb_pages_refused(void **state)
{
    (void)state;
    plat_job job;
    /* Posting permission declined in the dialog. */
    job_start(&job, PJOB_CONNECT, "facebook");
    plat_facebook.connect(&job, NULL);
    step(plat_facebook.connect, &job, 200, "{\"access_token\":\"S\"}");
    step(plat_facebook.connect, &job, 200, "{\"access_token\":\"L\"}");
    /* No expires_in on the long-lived answer: the documented ~60 days. */
    assert_true(job.tokens.access_expires_at == NOW + 60LL * 86400 * 1000);
    assert_int_equal(step(plat_facebook.connect, &job, 200,
                          "{\"data\":[{\"permission\":\"pages_show_list\",\"status\":"
                          "\"granted\"},{\"permission\":\"pages_manage_posts\",\"status\":"
                          "\"declined\"}]}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_non_null(strstr(job.err.message, "pages_manage_posts"));
    plat_job_free(&job);

    /* Pages, but none the user may post to. */
    fb_to_accounts(&job);
    assert_int_equal(step(plat_facebook.connect, &job, 200,
                          "{\"data\":[{\"id\":\"1\",\"name\":\"A\"},{\"id\":\"2\",\"name\":\"B\","
                          "\"access_token\":\"\"}]}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_string_equal(job.err.code, "no_page_role");
    plat_job_free(&job);

    /* No Pages at all: done with none (the caller says "choose at least one Page"). */
    fb_to_accounts(&job);
    assert_int_equal(step(plat_facebook.connect, &job, 200, "{\"data\":[]}"), PLAT_DONE);
    assert_int_equal(job.naccounts, 0);
    plat_job_free(&job);

    /* An answer we cannot read. */
    fb_to_accounts(&job);
    assert_int_equal(step(plat_facebook.connect, &job, 200, "<html>"), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    plat_job_free(&job);
    job_start(&job, PJOB_CONNECT, "facebook");
    plat_facebook.connect(&job, NULL);
    assert_int_equal(step(plat_facebook.connect, &job, 200, "{\"token_type\":\"bearer\"}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    plat_job_free(&job);
}

static void test_fb_url_too_long(void **state)
{
    (void)state;
    plat_job job;
    job_start(&job, PJOB_CONNECT, "facebook");
    memset(job.code, '/', sizeof job.code - 1); /* each one becomes %2F */
    job.code[sizeof job.code - 1] = '\0';
    assert_int_equal(plat_facebook.connect(&job, NULL), PLAT_FAIL);
    assert_string_equal(job.err.code, "url_too_long");
    plat_job_free(&job);
}

/* The Graph error envelope with code and subcode (0 = none). */
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

static void test_fb_error_classes(void **state)
{
    (void)state;
    static const struct {
        int code, subcode;
        plat_err_kind kind;
        const char *err_code;
    } cases[] = {
        {190, 0, PERR_TOKEN_EXPIRED, "190"},
        {190, 463, PERR_TOKEN_EXPIRED, "190/463"},
        {190, 458, PERR_REVOKED, "190/458"},
        {190, 460, PERR_REVOKED, "190/460"},
        {190, 467, PERR_REVOKED, "190/467"},
        {102, 0, PERR_TOKEN_EXPIRED, "102"},
        {10, 0, PERR_DENIED, "10"},
        {200, 0, PERR_DENIED, "200"},
        {299, 0, PERR_DENIED, "299"},
        {4, 0, PERR_RATE_LIMITED, "4"},
        {17, 0, PERR_RATE_LIMITED, "17"},
        {32, 0, PERR_RATE_LIMITED, "32"},
        {341, 0, PERR_RATE_LIMITED, "341"},
        {613, 0, PERR_RATE_LIMITED, "613"},
        {80001, 0, PERR_RATE_LIMITED, "80001"},
        {1, 0, PERR_TRANSIENT, "1"},
        {2, 0, PERR_TRANSIENT, "2"},
        {100, 0, PERR_INVALID, "100"},
        {100, 36009, PERR_INVALID, "100/36009"},
        {506, 1455006, PERR_INVALID, "506/1455006"},
        {300, 0, PERR_INVALID, "300"},
    };
    char body[1024];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plat_job job;
        /* At the /me/accounts step, with a user token in hand. */
        fb_to_accounts(&job);
        graph_error(body, sizeof body, cases[i].code, cases[i].subcode, "Something went wrong");
        assert_int_equal(step(plat_facebook.connect, &job, 400, body), PLAT_FAIL);
        if (job.err.kind != cases[i].kind)
            fail_msg("code %d/%d: kind %d, want %d", cases[i].code, cases[i].subcode, job.err.kind,
                     cases[i].kind);
        assert_string_equal(job.err.code, cases[i].err_code);
        assert_int_equal(job.err.http_status, 400);
        assert_non_null(strstr(job.err.message, "Something went wrong"));
        assert_non_null(strstr(job.err.message, "Facebook"));
        plat_job_free(&job);
    }
}

static void test_fb_error_details(void **state)
{
    (void)state;
    plat_job job;
    char body[1024];

    /* The message in plain words: "(#100) " dropped; no secret or token echoed back. */
    fb_to_accounts(&job);
    graph_error(body, sizeof body, 100, 0,
                "(#100) Bad token LONG-1 for app secret " FB_SECRET " and code AQ-code-123");
    assert_int_equal(step(plat_facebook.connect, &job, 400, body), PLAT_FAIL);
    assert_null(strstr(job.err.message, "(#100)"));
    assert_null(strstr(job.err.message, "LONG-1"));
    assert_null(strstr(job.err.message, FB_SECRET));
    assert_null(strstr(job.err.message, "AQ-code-123"));
    assert_non_null(strstr(job.err.message, "Bad token [hidden] for app secret [hidden]"));
    plat_job_free(&job);

    /* A wrong app secret is code 1 at Graph, but not worth retrying. */
    job_start(&job, PJOB_CONNECT, "facebook");
    plat_facebook.connect(&job, NULL);
    graph_error(body, sizeof body, 1, 0, "Error validating client secret.");
    assert_int_equal(step(plat_facebook.connect, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    assert_non_null(strstr(job.err.message, "client secret"));
    plat_job_free(&job);

    /* A used code: the Graph message, classified as a refused request. */
    job_start(&job, PJOB_CONNECT, "facebook");
    plat_facebook.connect(&job, NULL);
    graph_error(body, sizeof body, 100, 36009, "This authorization code has been used.");
    assert_int_equal(step(plat_facebook.connect, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    assert_string_equal(job.err.code, "100/36009");
    assert_non_null(strstr(job.err.message, "This authorization code has been used"));
    plat_job_free(&job);

    /* Throttled: the Business Use Case estimate (minutes) says when to come back. */
    fb_to_accounts(&job);
    graph_error(body, sizeof body, 32, 0, "Page request limit reached");
    fake_headers h = {{"X-Business-Use-Case-Usage"},
                      {"{\"2015\":[{\"type\":\"pages\",\"call_count\":100,"
                       "\"estimated_time_to_regain_access\":7}]}"}};
    plat_response r = reply_h(400, body, &h);
    assert_int_equal(plat_facebook.connect(&job, &r), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_RATE_LIMITED);
    assert_true(job.err.retry_at_ms == NOW + 7 * 60000LL);
    plat_job_free(&job);
    /* ... or Retry-After. */
    fb_to_accounts(&job);
    graph_error(body, sizeof body, 4, 0, "Application request limit reached");
    fake_headers h2 = {{"Retry-After"}, {"30"}};
    r = reply_h(429, body, &h2);
    assert_int_equal(plat_facebook.connect(&job, &r), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_RATE_LIMITED);
    assert_true(job.err.retry_at_ms == NOW + 30000LL);
    plat_job_free(&job);

    /* No envelope: by status. */
    fb_to_accounts(&job);
    assert_int_equal(step(plat_facebook.connect, &job, 503, "Service Unavailable"), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    plat_job_free(&job);
    fb_to_accounts(&job);
    assert_int_equal(step(plat_facebook.connect, &job, 0, ""), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_string_equal(job.err.code, "network");
    plat_job_free(&job);
    /* is_transient with an unlisted code. */
    fb_to_accounts(&job);
    assert_int_equal(step(plat_facebook.connect, &job, 500,
                          "{\"error\":{\"message\":\"An unexpected error has occurred.\","
                          "\"code\":-1,\"is_transient\":true}}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    plat_job_free(&job);
}

static void test_fb_refresh(void **state)
{
    (void)state;
    plat_job job;
    char body[512];
    /* A valid long-lived user token is exchanged again. */
    job_start(&job, PJOB_REFRESH, "facebook");
    snprintf(job.in.access, sizeof job.in.access, "LONG-OLD");
    job.in.access_expires_at = NOW + 3 * 86400000LL;
    assert_int_equal(plat_facebook.refresh(&job, NULL), PLAT_REQUEST);
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/oauth/access_token?");
    assert_arg(job.req.url, "grant_type", "fb_exchange_token");
    assert_arg(job.req.url, "fb_exchange_token", "LONG-OLD");
    assert_arg(job.req.url, "client_id", "fb-app-1");
    assert_arg(job.req.url, "client_secret", FB_SECRET);
    job.now_ms = NOW + 1000;
    assert_int_equal(step(plat_facebook.refresh, &job, 200,
                          "{\"access_token\":\"LONG-NEW\",\"token_type\":\"bearer\","
                          "\"expires_in\":5183944}"),
                     PLAT_DONE);
    assert_string_equal(job.tokens.access, "LONG-NEW");
    assert_true(job.tokens.access_expires_at == NOW + 1000 + 5183944LL * 1000);
    assert_string_equal(job.tokens.refresh, "");
    plat_job_free(&job);

    /* Dead at Graph: only reconnecting helps. */
    job_start(&job, PJOB_REFRESH, "facebook");
    snprintf(job.in.access, sizeof job.in.access, "LONG-OLD");
    job.in.access_expires_at = NOW + 3 * 86400000LL;
    plat_facebook.refresh(&job, NULL);
    graph_error(body, sizeof body, 190, 463, "Error validating access token: Session has expired");
    assert_int_equal(step(plat_facebook.refresh, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    assert_non_null(strstr(job.err.message, "reconnect"));
    plat_job_free(&job);

    /* Already expired here: no request at all. */
    job_start(&job, PJOB_REFRESH, "facebook");
    snprintf(job.in.access, sizeof job.in.access, "LONG-OLD");
    job.in.access_expires_at = NOW - 1;
    assert_int_equal(plat_facebook.refresh(&job, NULL), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    assert_string_equal(job.req.url, "");
    plat_job_free(&job);

    /* A Page token does not expire: nothing to do, the same token back. */
    job_start(&job, PJOB_REFRESH, "facebook");
    snprintf(job.in.access, sizeof job.in.access, "PAGE-TOKEN-1");
    job.in.access_expires_at = 0;
    assert_int_equal(plat_facebook.refresh(&job, NULL), PLAT_DONE);
    assert_string_equal(job.tokens.access, "PAGE-TOKEN-1");
    assert_true(job.tokens.access_expires_at == 0);
    assert_string_equal(job.req.url, "");
    plat_job_free(&job);
}

static void test_fb_revoke(void **state)
{
    (void)state;
    plat_job job;
    char body[512];
    job_start(&job, PJOB_REVOKE, "facebook");
    snprintf(job.in.access, sizeof job.in.access, "LONG-1");
    job.in.access_expires_at = NOW + 86400000LL;
    assert_int_equal(plat_facebook.revoke(&job, NULL), PLAT_REQUEST);
    assert_string_equal(job.req.method, "DELETE");
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/me/permissions?");
    assert_arg(job.req.url, "access_token", "LONG-1");
    assert_null(strstr(job.req.url, FB_SECRET));
    assert_int_equal(step(plat_facebook.revoke, &job, 200, "{\"success\":true}"), PLAT_DONE);
    plat_job_free(&job);

    job_start(&job, PJOB_REVOKE, "facebook");
    snprintf(job.in.access, sizeof job.in.access, "LONG-1");
    job.in.access_expires_at = NOW + 86400000LL;
    plat_facebook.revoke(&job, NULL);
    assert_int_equal(step(plat_facebook.revoke, &job, 200, "{\"success\":false}"), PLAT_FAIL);
    plat_job_free(&job);

    job_start(&job, PJOB_REVOKE, "facebook");
    snprintf(job.in.access, sizeof job.in.access, "LONG-1");
    job.in.access_expires_at = NOW + 86400000LL;
    plat_facebook.revoke(&job, NULL);
    graph_error(body, sizeof body, 190, 458, "The user has not authorized application fb-app-1.");
    assert_int_equal(step(plat_facebook.revoke, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    plat_job_free(&job);

    /* A Page token: removing the app would cut the user's other Pages; nothing is sent. */
    job_start(&job, PJOB_REVOKE, "facebook");
    snprintf(job.in.access, sizeof job.in.access, "PAGE-TOKEN-1");
    assert_int_equal(plat_facebook.revoke(&job, NULL), PLAT_DONE);
    assert_string_equal(job.req.url, "");
    plat_job_free(&job);
}

/* ---- Instagram ---- */

static void test_ig_authorize_url(void **state)
{
    (void)state;
    plat_job job;
    job_start(&job, PJOB_CONNECT, "instagram");
    char url[PLAT_URL_MAX];
    assert_int_equal(plat_instagram.authorize_url(&job, "st-2", "", url, sizeof url), 0);
    assert_prefix(url, "https://sim.test/instagram/www/oauth/authorize?enable_fb_login=0&"
                       "client_id=ig-app-1&redirect_uri=");
    assert_arg(url, "redirect_uri", REDIRECT);
    assert_arg(url, "response_type", "code");
    assert_arg(url, "scope",
               "instagram_business_basic,instagram_business_content_publish,"
               "instagram_business_manage_comments,instagram_business_manage_insights");
    assert_arg(url, "state", "st-2");
    assert_non_null(strstr(url, "scope=instagram_business_basic%2Cinstagram_business_content"));
    assert_null(strstr(url, IG_SECRET));
    plat_job_free(&job);
}

#define IG_CODE_OK                                                                                 \
    "{\"access_token\":\"IGS-1\",\"user_id\":17841412345678901,\"permissions\":"                   \
    "\"instagram_business_basic,instagram_business_content_publish\"}"

static void test_ig_connect(void **state)
{
    (void)state;
    plat_job job;
    job_start(&job, PJOB_CONNECT, "instagram");
    /* 1: the code exchange, a form POST: the secret in the body, never in the URL. */
    assert_int_equal(plat_instagram.connect(&job, NULL), PLAT_REQUEST);
    assert_string_equal(job.req.method, "POST");
    assert_string_equal(job.req.url, "https://sim.test/instagram/api/oauth/access_token");
    assert_null(strstr(job.req.url, IG_SECRET));
    assert_true(has_header(&job.req, "Content-Type: application/x-www-form-urlencoded"));
    assert_non_null(job.req.body);
    assert_int_equal(job.req.body_len, strlen(job.req.body));
    assert_arg(job.req.body, "client_id", "ig-app-1");
    assert_arg(job.req.body, "client_secret", IG_SECRET);
    assert_arg(job.req.body, "grant_type", "authorization_code");
    assert_arg(job.req.body, "redirect_uri", REDIRECT);
    assert_arg(job.req.body, "code", "AQ-code-123");
    /* 2: short -> 60 days (Graph takes the secret in the query there). */
    assert_int_equal(step(plat_instagram.connect, &job, 200, IG_CODE_OK), PLAT_REQUEST);
    assert_string_equal(job.tokens.scopes,
                        "instagram_business_basic,instagram_business_content_publish");
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/instagram/graph/access_token?");
    assert_arg(job.req.url, "grant_type", "ig_exchange_token");
    assert_arg(job.req.url, "client_secret", IG_SECRET);
    assert_arg(job.req.url, "access_token", "IGS-1");
    assert_null(job.req.body);
    /* 3: the account. */
    job.now_ms = NOW + 500;
    assert_int_equal(step(plat_instagram.connect, &job, 200,
                          "{\"access_token\":\"IGL-1\",\"token_type\":\"bearer\","
                          "\"expires_in\":5183944}"),
                     PLAT_REQUEST);
    assert_string_equal(job.tokens.access, "IGL-1");
    assert_true(job.tokens.access_expires_at == NOW + 500 + 5183944LL * 1000);
    assert_string_equal(job.tokens.refresh, "");
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/instagram/graph/v21.0/me?");
    assert_arg(job.req.url, "fields", "user_id,username,name,profile_picture_url");
    assert_arg(job.req.url, "access_token", "IGL-1");
    assert_null(strstr(job.req.url, IG_SECRET));
    assert_int_equal(step(plat_instagram.connect, &job, 200,
                          "{\"user_id\":\"17841400000000001\",\"username\":\"simcoffee\","
                          "\"name\":\"Sim Coffee Roasters\",\"profile_picture_url\":"
                          "\"https://cdn.test/ig.png\",\"id\":\"9000000000000001\"}"),
                     PLAT_DONE);
    assert_int_equal(job.naccounts, 1);
    const plat_account *a = &job.accounts[0];
    assert_string_equal(a->remote_id, "17841400000000001");
    assert_string_equal(a->username, "simcoffee");
    assert_string_equal(a->name, "Sim Coffee Roasters");
    assert_string_equal(a->avatar_url, "https://cdn.test/ig.png");
    assert_string_equal(a->kind, "business");
    assert_int_equal(a->has_own_tokens, 0);
    plat_job_free(&job);
}

static void test_ig_connect_shapes(void **state)
{
    (void)state;
    plat_job job;
    /* The user id beyond 2^53 keeps every digit; /me without ids falls back to it. */
    job_start(&job, PJOB_CONNECT, "instagram");
    plat_instagram.connect(&job, NULL);
    assert_int_equal(step(plat_instagram.connect, &job, 200, IG_CODE_OK), PLAT_REQUEST);
    assert_int_equal(step(plat_instagram.connect, &job, 200, "{\"access_token\":\"IGL-1\"}"),
                     PLAT_REQUEST);
    assert_true(job.tokens.access_expires_at == NOW + 60LL * 86400 * 1000);
    assert_int_equal(step(plat_instagram.connect, &job, 200, "{\"username\":\"solo\"}"), PLAT_DONE);
    assert_string_equal(job.accounts[0].remote_id, "17841412345678901");
    assert_string_equal(job.accounts[0].name, "solo");
    plat_job_free(&job);

    /* {"data":[{...}]} with permissions as a list, and a numeric id in /me. */
    job_start(&job, PJOB_CONNECT, "instagram");
    plat_instagram.connect(&job, NULL);
    assert_int_equal(step(plat_instagram.connect, &job, 200,
                          "{\"data\":[{\"access_token\":\"IGS-2\",\"user_id\":\"42\","
                          "\"permissions\":[\"instagram_business_basic\","
                          "\"instagram_business_content_publish\"]}]}"),
                     PLAT_REQUEST);
    assert_arg(job.req.url, "access_token", "IGS-2");
    assert_string_equal(job.tokens.scopes,
                        "instagram_business_basic,instagram_business_content_publish");
    step(plat_instagram.connect, &job, 200, "{\"access_token\":\"IGL-2\",\"expires_in\":100}");
    assert_true(job.tokens.access_expires_at == NOW + 100000);
    assert_int_equal(step(plat_instagram.connect, &job, 200, "{\"id\":9007199254740993}"),
                     PLAT_DONE);
    assert_string_equal(job.accounts[0].remote_id, "9007199254740993");
    assert_string_equal(job.accounts[0].name, "9007199254740993");
    plat_job_free(&job);

    /* Publishing declined on the consent page. */
    job_start(&job, PJOB_CONNECT, "instagram");
    plat_instagram.connect(&job, NULL);
    assert_int_equal(step(plat_instagram.connect, &job, 200,
                          "{\"access_token\":\"IGS-3\",\"user_id\":1,"
                          "\"permissions\":\"instagram_business_basic\"}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    plat_job_free(&job);

    /* No account id anywhere. */
    job_start(&job, PJOB_CONNECT, "instagram");
    plat_instagram.connect(&job, NULL);
    step(plat_instagram.connect, &job, 200, "{\"access_token\":\"IGS-4\"}");
    step(plat_instagram.connect, &job, 200, "{\"access_token\":\"IGL-4\"}");
    assert_int_equal(step(plat_instagram.connect, &job, 200, "{\"username\":\"x\"}"), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    plat_job_free(&job);
}

static void test_ig_errors(void **state)
{
    (void)state;
    plat_job job;
    char body[512];
    /* api.instagram.com's older shape. */
    job_start(&job, PJOB_CONNECT, "instagram");
    plat_instagram.connect(&job, NULL);
    assert_int_equal(step(plat_instagram.connect, &job, 400,
                          "{\"error_type\":\"OAuthException\",\"code\":400,\"error_message\":"
                          "\"Matching code was not found or was already used\"}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    assert_int_equal(job.err.http_status, 400);
    assert_string_equal(job.err.code, "OAuthException");
    assert_non_null(strstr(job.err.message, "Matching code was not found"));
    assert_non_null(strstr(job.err.message, "Instagram"));
    plat_job_free(&job);

    job_start(&job, PJOB_CONNECT, "instagram");
    plat_instagram.connect(&job, NULL);
    assert_int_equal(step(plat_instagram.connect, &job, 400,
                          "{\"error_type\":\"OAuthException\",\"code\":400,\"error_message\":"
                          "\"Error validating client secret.\"}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    assert_non_null(strstr(job.err.message, "administrator"));
    assert_null(strstr(job.err.message, IG_SECRET));
    plat_job_free(&job);

    /* Graph's envelope on graph.instagram.com. */
    job_start(&job, PJOB_CONNECT, "instagram");
    plat_instagram.connect(&job, NULL);
    step(plat_instagram.connect, &job, 200, IG_CODE_OK);
    graph_error(body, sizeof body, 190, 0, "Invalid OAuth access token - Cannot parse");
    assert_int_equal(step(plat_instagram.connect, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_TOKEN_EXPIRED);
    plat_job_free(&job);

    job_start(&job, PJOB_CONNECT, "instagram");
    plat_instagram.connect(&job, NULL);
    step(plat_instagram.connect, &job, 200, IG_CODE_OK);
    step(plat_instagram.connect, &job, 200, "{\"access_token\":\"IGL-1\"}");
    graph_error(body, sizeof body, 10, 0, "(#10) Application does not have permission");
    assert_int_equal(step(plat_instagram.connect, &job, 403, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_int_equal(job.err.http_status, 403);
    plat_job_free(&job);

    job_start(&job, PJOB_CONNECT, "instagram");
    plat_instagram.connect(&job, NULL);
    assert_int_equal(step(plat_instagram.connect, &job, 502, "{\"error_message\":\"upstream\"}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    plat_job_free(&job);
}

static void test_ig_refresh(void **state)
{
    (void)state;
    plat_job job;
    char body[512];
    job_start(&job, PJOB_REFRESH, "instagram");
    snprintf(job.in.access, sizeof job.in.access, "IGL-OLD");
    job.in.access_expires_at = NOW + 5 * 86400000LL;
    assert_int_equal(plat_instagram.refresh(&job, NULL), PLAT_REQUEST);
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/instagram/graph/refresh_access_token?");
    assert_arg(job.req.url, "grant_type", "ig_refresh_token");
    assert_arg(job.req.url, "access_token", "IGL-OLD");
    assert_null(strstr(job.req.url, IG_SECRET));
    assert_int_equal(step(plat_instagram.refresh, &job, 200,
                          "{\"access_token\":\"IGL-NEW\",\"token_type\":\"bearer\","
                          "\"expires_in\":5183944}"),
                     PLAT_DONE);
    assert_string_equal(job.tokens.access, "IGL-NEW");
    assert_true(job.tokens.access_expires_at == NOW + 5183944LL * 1000);
    plat_job_free(&job);

    /* Younger than 24 hours: our timing, not a dead grant. */
    job_start(&job, PJOB_REFRESH, "instagram");
    snprintf(job.in.access, sizeof job.in.access, "IGL-OLD");
    job.in.access_expires_at = NOW + 59 * 86400000LL;
    plat_instagram.refresh(&job, NULL);
    graph_error(body, sizeof body, 100, 0,
                "(#100) The access token must be at least 24 hours old before it can be "
                "refreshed.");
    assert_int_equal(step(plat_instagram.refresh, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    assert_non_null(strstr(job.err.message, "24 hours"));
    assert_non_null(strstr(job.err.message, "stays valid"));
    assert_string_equal(job.err.code, "token_too_young");
    plat_job_free(&job);

    /* Expired at Instagram: reconnect. */
    job_start(&job, PJOB_REFRESH, "instagram");
    snprintf(job.in.access, sizeof job.in.access, "IGL-OLD");
    job.in.access_expires_at = NOW + 1000;
    plat_instagram.refresh(&job, NULL);
    graph_error(body, sizeof body, 190, 463, "Error validating access token: Session has expired");
    assert_int_equal(step(plat_instagram.refresh, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    assert_non_null(strstr(job.err.message, "reconnect"));
    plat_job_free(&job);

    /* Expired already: no request. */
    job_start(&job, PJOB_REFRESH, "instagram");
    snprintf(job.in.access, sizeof job.in.access, "IGL-OLD");
    job.in.access_expires_at = NOW;
    assert_int_equal(plat_instagram.refresh(&job, NULL), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    assert_string_equal(job.req.url, "");
    plat_job_free(&job);

    /* Throttled. */
    job_start(&job, PJOB_REFRESH, "instagram");
    snprintf(job.in.access, sizeof job.in.access, "IGL-OLD");
    job.in.access_expires_at = NOW + 5 * 86400000LL;
    plat_instagram.refresh(&job, NULL);
    graph_error(body, sizeof body, 4, 0, "Application request limit reached");
    assert_int_equal(step(plat_instagram.refresh, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_RATE_LIMITED);
    plat_job_free(&job);
}

/* ---- Instagram through a Facebook Page ---- */

#define IGFB_FIELDS                                                                                \
    "id,name,access_token,instagram_business_account{id,username,name,profile_picture_url}"
#define IGFB_FIELDS_BARE "id,name,access_token,instagram_business_account"
#define IGFB_PERMS_OK                                                                              \
    "{\"data\":[{\"permission\":\"instagram_basic\",\"status\":\"granted\"},"                      \
    "{\"permission\":\"pages_show_list\",\"status\":\"granted\"},"                                 \
    "{\"permission\":\"instagram_content_publish\",\"status\":\"granted\"},"                       \
    "{\"permission\":\"instagram_manage_insights\",\"status\":\"declined\"}]}"

static void test_igfb_authorize_url(void **state)
{
    (void)state;
    plat_job job;
    job_start(&job, PJOB_CONNECT, "instagram_fb");
    assert_ptr_equal(job.pc, &cfg.facebook);
    char url[PLAT_URL_MAX];
    assert_int_equal(plat_instagram_fb.authorize_url(&job, "st-3", "", url, sizeof url), 0);
    /* The Facebook dialog, the Facebook app. */
    assert_prefix(url, "https://sim.test/facebook/www/v20.0/dialog/oauth?client_id=fb-app-1&");
    assert_arg(url, "redirect_uri", REDIRECT);
    assert_arg(url, "state", "st-3");
    assert_arg(url, "response_type", "code");
    assert_arg(url, "scope",
               "instagram_basic,pages_show_list,pages_read_engagement,business_management,"
               "instagram_content_publish,instagram_manage_comments,instagram_manage_insights");
    assert_null(strstr(url, FB_SECRET));
    assert_null(strstr(url, "code_challenge"));
    char small[40];
    assert_int_equal(plat_instagram_fb.authorize_url(&job, "st-3", "", small, sizeof small), -1);
    plat_job_free(&job);
}

/* Run an Instagram-through-a-Page connect up to the first /me/accounts request. */
static void igfb_to_accounts(plat_job *job)
{
    job_start(job, PJOB_CONNECT, "instagram_fb");
    assert_int_equal(plat_instagram_fb.connect(job, NULL), PLAT_REQUEST);
    assert_int_equal(step(plat_instagram_fb.connect, job, 200,
                          "{\"access_token\":\"SHORT-1\",\"expires_in\":5400}"),
                     PLAT_REQUEST);
    assert_int_equal(step(plat_instagram_fb.connect, job, 200,
                          "{\"access_token\":\"LONG-1\",\"expires_in\":5183944}"),
                     PLAT_REQUEST);
    assert_int_equal(step(plat_instagram_fb.connect, job, 200, IGFB_PERMS_OK), PLAT_REQUEST);
    assert_prefix(job->req.url, "https://sim.test/facebook/graph/v20.0/me/accounts?");
}

static void test_igfb_connect(void **state)
{
    (void)state;
    plat_job job;
    job_start(&job, PJOB_CONNECT, "instagram_fb");
    /* 1: the code, at Graph's token endpoint with the Facebook app. */
    assert_int_equal(plat_instagram_fb.connect(&job, NULL), PLAT_REQUEST);
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/oauth/access_token?");
    assert_arg(job.req.url, "client_id", "fb-app-1");
    assert_arg(job.req.url, "redirect_uri", REDIRECT);
    assert_arg(job.req.url, "client_secret", FB_SECRET);
    assert_arg(job.req.url, "code", "AQ-code-123");
    /* 2: short-lived -> long-lived. */
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"access_token\":\"SHORT-1\",\"token_type\":\"bearer\","
                          "\"expires_in\":5400}"),
                     PLAT_REQUEST);
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/oauth/access_token?");
    assert_arg(job.req.url, "grant_type", "fb_exchange_token");
    assert_arg(job.req.url, "fb_exchange_token", "SHORT-1");
    assert_arg(job.req.url, "client_secret", FB_SECRET);
    /* 3: the permissions granted (no expires_in: about 60 days). */
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200, "{\"access_token\":\"LONG-1\"}"),
                     PLAT_REQUEST);
    assert_string_equal(job.tokens.access, "LONG-1");
    assert_true(job.tokens.access_expires_at == NOW + 60LL * 86400 * 1000);
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/me/permissions?");
    assert_arg(job.req.url, "access_token", "LONG-1");
    /* 4: the Pages with their linked Instagram accounts expanded. */
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200, IGFB_PERMS_OK), PLAT_REQUEST);
    assert_string_equal(job.tokens.scopes,
                        "instagram_basic,pages_show_list,instagram_content_publish");
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/me/accounts?");
    assert_arg(job.req.url, "fields", IGFB_FIELDS);
    assert_arg(job.req.url, "limit", "100");
    assert_arg(job.req.url, "access_token", "LONG-1");
    /* First list page: a Page with an Instagram account, one without; a next page. */
    const char *next = "https://sim.test/facebook/graph/v20.0/me/accounts?access_token=LONG-1"
                       "&limit=100&after=QVFIUk";
    char body[2048];
    snprintf(body, sizeof body,
             "{\"data\":[{\"id\":\"20150000000000001\",\"name\":\"Sim Coffee Roasters\","
             "\"access_token\":\"PAGE-TOKEN-1\",\"instagram_business_account\":{"
             "\"id\":\"17841400000000001\",\"username\":\"simcoffee\",\"name\":\"Sim Coffee\","
             "\"profile_picture_url\":\"https://cdn.test/ig1.png\"}},"
             "{\"id\":\"20150000000000002\",\"name\":\"Sim Bike Shop\","
             "\"access_token\":\"PAGE-TOKEN-2\"}],"
             "\"paging\":{\"cursors\":{\"before\":\"a\",\"after\":\"QVFIUk\"},\"next\":\"%s\"}}",
             next);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200, body), PLAT_REQUEST);
    assert_string_equal(job.req.url, next);
    /* Second list page: a numeric id, a null account, the first again; no next. */
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"data\":[{\"id\":\"20150000000000003\",\"name\":\"Third\","
                          "\"access_token\":\"PAGE-TOKEN-3\",\"instagram_business_account\":{"
                          "\"id\":17841400000000003,\"username\":\"third\"}},"
                          "{\"id\":\"20150000000000004\",\"access_token\":\"PAGE-TOKEN-4\","
                          "\"instagram_business_account\":null},"
                          "{\"id\":\"20150000000000001\",\"access_token\":\"PAGE-TOKEN-1\","
                          "\"instagram_business_account\":{\"id\":\"17841400000000001\","
                          "\"username\":\"simcoffee\"}}]}"),
                     PLAT_DONE);
    assert_int_equal(job.naccounts, 2);
    const plat_account *a = &job.accounts[0];
    assert_string_equal(a->remote_id, "17841400000000001"); /* the Instagram id, not the Page's */
    assert_string_equal(a->name, "Sim Coffee");
    assert_string_equal(a->username, "simcoffee");
    assert_string_equal(a->avatar_url, "https://cdn.test/ig1.png");
    assert_string_equal(a->kind, "business_page");
    assert_int_equal(a->has_own_tokens, 1);
    assert_string_equal(a->tokens.access, "PAGE-TOKEN-1");
    assert_true(a->tokens.access_expires_at == 0);
    assert_string_equal(a->tokens.refresh, "");
    assert_string_equal(a->tokens.scopes, job.tokens.scopes);
    a = &job.accounts[1];
    assert_string_equal(a->remote_id, "17841400000000003");
    assert_string_equal(a->name, "third"); /* no name: the username */
    assert_string_equal(a->avatar_url, "");
    assert_string_equal(a->tokens.access, "PAGE-TOKEN-3");
    assert_string_equal(job.tokens.access, "LONG-1");
    plat_job_free(&job);
}

static void test_igfb_bare_fields(void **state)
{
    (void)state;
    plat_job job;
    char body[1024];
    /* Graph refuses the expanded fields: the bare list, then each account's profile. */
    igfb_to_accounts(&job);
    graph_error(body, sizeof body, 100, 0,
                "(#100) Tried accessing nonexisting field (username) on node type "
                "(instagram_business_account)");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 400, body), PLAT_REQUEST);
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/me/accounts?");
    assert_arg(job.req.url, "fields", IGFB_FIELDS_BARE);
    assert_arg(job.req.url, "access_token", "LONG-1");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"data\":[{\"id\":\"201\",\"access_token\":\"PT-1\","
                          "\"instagram_business_account\":{\"id\":\"178001\"}},"
                          "{\"id\":\"202\",\"access_token\":\"PT-2\"},"
                          "{\"id\":\"203\",\"access_token\":\"PT-3\","
                          "\"instagram_business_account\":{\"id\":\"178003\"}}]}"),
                     PLAT_REQUEST);
    assert_int_equal(job.naccounts, 2);
    /* The first profile, read with that account's Page token. */
    assert_string_equal(job.req.method, "GET");
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/178001?");
    assert_arg(job.req.url, "fields", "username,name,profile_picture_url");
    assert_arg(job.req.url, "access_token", "PT-1");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"username\":\"one\",\"name\":\"One\",\"profile_picture_url\":"
                          "\"https://cdn.test/1.png\",\"id\":\"178001\"}"),
                     PLAT_REQUEST);
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/178003?");
    assert_arg(job.req.url, "access_token", "PT-3");
    /* A profile with nothing to show: named by its id. */
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200, "{\"id\":\"178003\"}"), PLAT_DONE);
    assert_string_equal(job.accounts[0].name, "One");
    assert_string_equal(job.accounts[0].username, "one");
    assert_string_equal(job.accounts[0].avatar_url, "https://cdn.test/1.png");
    assert_string_equal(job.accounts[1].name, "Instagram account 178003");
    assert_string_equal(job.accounts[1].kind, "business_page");
    plat_job_free(&job);

    /* Expanded fields answered, but without the profile: it is read too. */
    igfb_to_accounts(&job);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"data\":[{\"id\":\"201\",\"access_token\":\"PT-1\","
                          "\"instagram_business_account\":{\"id\":\"178001\"}}]}"),
                     PLAT_REQUEST);
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/178001?");
    plat_job_free(&job);

    /* An odd id is encoded as a path segment. */
    igfb_to_accounts(&job);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"data\":[{\"id\":\"201\",\"access_token\":\"PT-1\","
                          "\"instagram_business_account\":{\"id\":\"../x?y\"}}]}"),
                     PLAT_REQUEST);
    assert_prefix(job.req.url, "https://sim.test/facebook/graph/v20.0/..%2Fx%3Fy?fields=");
    plat_job_free(&job);

    /* Other list errors are not retried; nor is a refusal of the bare list. */
    igfb_to_accounts(&job);
    graph_error(body, sizeof body, 190, 460, "The session has been invalidated");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    plat_job_free(&job);
    igfb_to_accounts(&job);
    graph_error(body, sizeof body, 100, 0, "Tried accessing nonexisting field");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 400, body), PLAT_REQUEST);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    assert_string_equal(job.err.code, "100");
    plat_job_free(&job);

    /* A profile refused for want of a permission. */
    igfb_to_accounts(&job);
    step(plat_instagram_fb.connect, &job, 200,
         "{\"data\":[{\"id\":\"201\",\"access_token\":\"PT-1\","
         "\"instagram_business_account\":{\"id\":\"178001\"}}]}");
    graph_error(body, sizeof body, 10, 0, "(#10) Application does not have permission");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 403, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_non_null(strstr(job.err.message, "Reading your Instagram account"));
    assert_null(strstr(job.err.message, "PT-1"));
    plat_job_free(&job);
    igfb_to_accounts(&job);
    step(plat_instagram_fb.connect, &job, 200,
         "{\"data\":[{\"id\":\"201\",\"access_token\":\"PT-1\","
         "\"instagram_business_account\":{\"id\":\"178001\"}}]}");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200, "[1]"), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    plat_job_free(&job);
}

static void test_igfb_bounds(void **state)
{
    (void)state;
    plat_job job;
    /* More linked accounts than fit: PLAT_MAX_ACCOUNTS, each profile read once. */
    igfb_to_accounts(&job);
    char body[8192];
    size_t o = (size_t)snprintf(body, sizeof body, "{\"data\":[");
    for (int i = 0; i < PLAT_MAX_ACCOUNTS + 4; i++)
        o += (size_t)snprintf(body + o, sizeof body - o,
                              "%s{\"id\":\"%d\",\"access_token\":\"T%d\","
                              "\"instagram_business_account\":{\"id\":\"%d\"}}",
                              i ? "," : "", 1000 + i, i, 5000 + i);
    snprintf(body + o, sizeof body - o,
             "],\"paging\":{\"next\":\"https://sim.test/facebook/graph/v20.0/me/accounts\"}}");
    int requests = 0;
    plat_step s = step(plat_instagram_fb.connect, &job, 200, body);
    while (s == PLAT_REQUEST) {
        requests++;
        assert_null(strstr(job.req.url, "/me/accounts"));
        s = step(plat_instagram_fb.connect, &job, 200, "{\"username\":\"u\"}");
    }
    assert_int_equal(s, PLAT_DONE);
    assert_int_equal(job.naccounts, PLAT_MAX_ACCOUNTS);
    assert_int_equal(requests, PLAT_MAX_ACCOUNTS);
    assert_string_equal(job.accounts[PLAT_MAX_ACCOUNTS - 1].remote_id, "5015");
    plat_job_free(&job);

    /* A list that never ends: at most 5 list requests. */
    igfb_to_accounts(&job);
    requests = 1;
    const char *endless = "{\"data\":[],\"paging\":{\"next\":\"https://sim.test/facebook/graph/"
                          "v20.0/me/accounts?after=x\"}}";
    while ((s = step(plat_instagram_fb.connect, &job, 200, endless)) == PLAT_REQUEST)
        requests++;
    assert_int_equal(s, PLAT_FAIL);
    assert_int_equal(requests, 5);
    assert_string_equal(job.err.code, "no_pages");
    plat_job_free(&job);

    /* paging.next elsewhere than the API host is not followed (it carries the token). */
    igfb_to_accounts(&job);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"data\":[],\"paging\":{\"next\":\"https://evil.test/facebook/graph/"
                          "v20.0/me/accounts?access_token=LONG-1\"}}"),
                     PLAT_FAIL);
    assert_string_equal(job.err.code, "bad_paging");
    assert_null(strstr(job.err.message, "LONG-1"));
    plat_job_free(&job);
}

static void test_igfb_refused(void **state)
{
    (void)state;
    plat_job job;
    /* Publishing declined in the dialog. */
    job_start(&job, PJOB_CONNECT, "instagram_fb");
    plat_instagram_fb.connect(&job, NULL);
    step(plat_instagram_fb.connect, &job, 200, "{\"access_token\":\"S\"}");
    step(plat_instagram_fb.connect, &job, 200, "{\"access_token\":\"L\"}");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"data\":[{\"permission\":\"pages_show_list\",\"status\":\"granted\"},"
                          "{\"permission\":\"instagram_basic\",\"status\":\"granted\"},"
                          "{\"permission\":\"instagram_content_publish\",\"status\":"
                          "\"declined\"}]}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_string_equal(job.err.code, "permission_declined");
    assert_non_null(strstr(job.err.message, "instagram_content_publish"));
    plat_job_free(&job);
    /* ... or the Instagram account cannot be seen at all. */
    job_start(&job, PJOB_CONNECT, "instagram_fb");
    plat_instagram_fb.connect(&job, NULL);
    step(plat_instagram_fb.connect, &job, 200, "{\"access_token\":\"S\"}");
    step(plat_instagram_fb.connect, &job, 200, "{\"access_token\":\"L\"}");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"data\":[{\"permission\":\"pages_show_list\",\"status\":\"granted\"},"
                          "{\"permission\":\"instagram_content_publish\",\"status\":"
                          "\"granted\"}]}"),
                     PLAT_FAIL);
    assert_non_null(strstr(job.err.message, "'instagram_basic'"));
    plat_job_free(&job);

    /* Pages, none with an Instagram account. */
    igfb_to_accounts(&job);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"data\":[{\"id\":\"1\",\"access_token\":\"P1\"},{\"id\":\"2\","
                          "\"access_token\":\"P2\",\"instagram_business_account\":null}]}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_string_equal(job.err.code, "no_instagram_account");
    assert_non_null(
        strstr(job.err.message, "none of your Pages has an Instagram professional account linked"));
    plat_job_free(&job);

    /* No Pages at all. */
    igfb_to_accounts(&job);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200, "{\"data\":[]}"), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_string_equal(job.err.code, "no_pages");
    plat_job_free(&job);

    /* The Page with the Instagram account gives no Page token (no role to post). */
    igfb_to_accounts(&job);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200,
                          "{\"data\":[{\"id\":\"1\",\"instagram_business_account\":{\"id\":\"9\","
                          "\"username\":\"u\"}},{\"id\":\"2\",\"access_token\":\"P2\"}]}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_string_equal(job.err.code, "no_page_role");
    plat_job_free(&job);

    /* Answers we cannot read. */
    igfb_to_accounts(&job);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200, "<html>"), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    plat_job_free(&job);
    job_start(&job, PJOB_CONNECT, "instagram_fb");
    plat_instagram_fb.connect(&job, NULL);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 200, "{}"), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    plat_job_free(&job);

    /* A refused code, classified and cleaned like any Graph error. */
    char body[512];
    job_start(&job, PJOB_CONNECT, "instagram_fb");
    plat_instagram_fb.connect(&job, NULL);
    graph_error(body, sizeof body, 100, 36009, "This authorization code AQ-code-123 was used.");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 400, body), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    assert_string_equal(job.err.code, "100/36009");
    assert_null(strstr(job.err.message, "AQ-code-123"));
    plat_job_free(&job);
    job_start(&job, PJOB_CONNECT, "instagram_fb");
    plat_instagram_fb.connect(&job, NULL);
    graph_error(body, sizeof body, 1, 0, "Error validating client secret.");
    assert_int_equal(step(plat_instagram_fb.connect, &job, 400, body), PLAT_FAIL);
    assert_non_null(strstr(job.err.message, "Facebook client secret"));
    plat_job_free(&job);
    job_start(&job, PJOB_CONNECT, "instagram_fb");
    plat_instagram_fb.connect(&job, NULL);
    assert_int_equal(step(plat_instagram_fb.connect, &job, 0, ""), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    plat_job_free(&job);
}

static void test_igfb_refresh_revoke(void **state)
{
    (void)state;
    plat_job job;
    /* A Page token does not expire: nothing to renew, no request. */
    job_start(&job, PJOB_REFRESH, "instagram_fb");
    snprintf(job.in.access, sizeof job.in.access, "PAGE-TOKEN-1");
    assert_int_equal(plat_instagram_fb.refresh(&job, NULL), PLAT_DONE);
    assert_string_equal(job.tokens.access, "PAGE-TOKEN-1");
    assert_true(job.tokens.access_expires_at == 0);
    assert_string_equal(job.req.url, "");
    plat_job_free(&job);
    /* No token stored. */
    job_start(&job, PJOB_REFRESH, "instagram_fb");
    assert_int_equal(plat_instagram_fb.refresh(&job, NULL), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    plat_job_free(&job);
    /* A user token that expires is exchanged again; an expired one cannot be. */
    job_start(&job, PJOB_REFRESH, "instagram_fb");
    snprintf(job.in.access, sizeof job.in.access, "LONG-OLD");
    job.in.access_expires_at = NOW + 86400000LL;
    assert_int_equal(plat_instagram_fb.refresh(&job, NULL), PLAT_REQUEST);
    assert_arg(job.req.url, "grant_type", "fb_exchange_token");
    assert_arg(job.req.url, "fb_exchange_token", "LONG-OLD");
    assert_int_equal(step(plat_instagram_fb.refresh, &job, 200,
                          "{\"access_token\":\"LONG-NEW\",\"expires_in\":100}"),
                     PLAT_DONE);
    assert_true(job.tokens.access_expires_at == NOW + 100000);
    plat_job_free(&job);
    job_start(&job, PJOB_REFRESH, "instagram_fb");
    snprintf(job.in.access, sizeof job.in.access, "LONG-OLD");
    job.in.access_expires_at = NOW - 1;
    assert_int_equal(plat_instagram_fb.refresh(&job, NULL), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    plat_job_free(&job);

    /* Revoking a Page token: nothing is sent (it would remove the app for the user). */
    job_start(&job, PJOB_REVOKE, "instagram_fb");
    snprintf(job.in.access, sizeof job.in.access, "PAGE-TOKEN-1");
    assert_int_equal(plat_instagram_fb.revoke(&job, NULL), PLAT_DONE);
    assert_string_equal(job.req.url, "");
    plat_job_free(&job);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_fb_authorize_url),
        cmocka_unit_test(test_fb_connect),
        cmocka_unit_test(test_fb_paging_bounds),
        cmocka_unit_test(test_fb_pages_refused),
        cmocka_unit_test(test_fb_url_too_long),
        cmocka_unit_test(test_fb_error_classes),
        cmocka_unit_test(test_fb_error_details),
        cmocka_unit_test(test_fb_refresh),
        cmocka_unit_test(test_fb_revoke),
        cmocka_unit_test(test_ig_authorize_url),
        cmocka_unit_test(test_ig_connect),
        cmocka_unit_test(test_ig_connect_shapes),
        cmocka_unit_test(test_ig_errors),
        cmocka_unit_test(test_ig_refresh),
        cmocka_unit_test(test_igfb_authorize_url),
        cmocka_unit_test(test_igfb_connect),
        cmocka_unit_test(test_igfb_bare_fields),
        cmocka_unit_test(test_igfb_bounds),
        cmocka_unit_test(test_igfb_refused),
        cmocka_unit_test(test_igfb_refresh_revoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
