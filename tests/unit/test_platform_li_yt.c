/*
 * test_platform_li_yt.c - the LinkedIn and YouTube adapters (platform/linkedin.c,
 * platform/youtube.c) driven step by step with canned responses: the
 * requests they ask for, the tokens and accounts they return, and how each
 * platform error is classified.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "platform/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NOW        1767225600000LL /* 2026-01-01T00:00:00Z */
#define LATER      (NOW + 5000)
#define LI_SECRET  "li-secret-Zq81"
#define G_SECRET   "g-secret-Hw42"
#define REDIRECT   "https://p2s.example/api/v1/oauth/x/callback"
#define ACCESS     "ACCESS-tok-1"
#define REFRESH    "REFRESH-tok-1"
#define DAY_MS     86400000LL
#define G_UPLOAD   "https://www.googleapis.com/auth/youtube.upload"
#define G_READONLY "https://www.googleapis.com/auth/youtube.readonly"
#define G_ANALYTIC "https://www.googleapis.com/auth/yt-analytics.readonly"

static config cfg;

static void setup_cfg(void)
{
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.linkedin.client_id, sizeof cfg.linkedin.client_id, "li-client");
    snprintf(cfg.linkedin.client_secret, sizeof cfg.linkedin.client_secret, LI_SECRET);
    snprintf(cfg.linkedin.auth_url, sizeof cfg.linkedin.auth_url, "http://sim/linkedin/www");
    snprintf(cfg.linkedin.token_url, sizeof cfg.linkedin.token_url, "http://sim/linkedin/www");
    snprintf(cfg.linkedin.api_url, sizeof cfg.linkedin.api_url, "http://sim/linkedin/api");
    snprintf(cfg.linkedin.version, sizeof cfg.linkedin.version, "202601");
    snprintf(cfg.google.client_id, sizeof cfg.google.client_id, "g-client.apps");
    snprintf(cfg.google.client_secret, sizeof cfg.google.client_secret, G_SECRET);
    snprintf(cfg.google.auth_url, sizeof cfg.google.auth_url, "http://sim/google/accounts");
    snprintf(cfg.google.token_url, sizeof cfg.google.token_url, "http://sim/google/oauth2");
    snprintf(cfg.google.api_url, sizeof cfg.google.api_url, "http://sim/google/api");
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

/* ---- reading requests ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The decoded value of key in "k=v&k=v" text (a form body or a query); NULL if absent. */
static const char *param(const char *text, const char *key, char *out, size_t outlen)
{
    size_t kl = strlen(key);
    for (const char *p = text; p != NULL && *p;) {
        const char *amp = strchr(p, '&');
        size_t l = amp != NULL ? (size_t)(amp - p) : strlen(p);
        if (l > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t o = 0;
            for (size_t i = kl + 1; i < l && o + 1 < outlen; i++) {
                if (p[i] == '%' && i + 2 < l && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
                    out[o++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
                    i += 2;
                } else if (p[i] == '+') {
                    out[o++] = ' ';
                } else {
                    out[o++] = p[i];
                }
            }
            out[o] = '\0';
            return out;
        }
        p = amp != NULL ? amp + 1 : NULL;
    }
    return NULL;
}

static void assert_param(const char *text, const char *key, const char *want)
{
    char got[2048];
    const char *v = param(text, key, got, sizeof got);
    if (v == NULL)
        fail_msg("parameter '%s' missing", key);
    if (strcmp(v, want) != 0)
        fail_msg("parameter '%s' is '%s', want '%s'", key, v, want);
}

static void assert_no_param(const char *text, const char *key)
{
    char got[2048];
    if (param(text, key, got, sizeof got) != NULL)
        fail_msg("parameter '%s' should be absent", key);
}

static const char *query_of(const plat_request *req)
{
    const char *q = strchr(req->url, '?');
    return q != NULL ? q + 1 : "";
}

/* 1 if the request has a header starting with prefix (case-insensitive). */
static int has_header(const plat_request *req, const char *prefix)
{
    for (int i = 0; i < req->nheaders; i++)
        if (strncasecmp(req->headers[i], prefix, strlen(prefix)) == 0)
            return 1;
    return 0;
}

static void assert_url(const plat_request *req, const char *method, const char *url)
{
    assert_string_equal(req->method, method);
    assert_string_equal(req->url, url);
}

/* No secret or token ever reaches an error message. */
static void assert_clean(const plat_job *job)
{
    const char *secrets[] = {LI_SECRET, G_SECRET, ACCESS, REFRESH, "the-code"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (strstr(job->err.message, secrets[i]) != NULL || strstr(job->err.code, secrets[i]))
            fail_msg("error text carries a secret: %s", job->err.message);
    assert_true(job->err.message[0] != '\0');
}

/* Start a job of kind for platform. */
static void start(plat_job *job, plat_job_kind kind, const char *platform)
{
    plat_job_init(job, kind, &cfg, platform);
    job->now_ms = NOW;
    snprintf(job->code, sizeof job->code, "the-code");
    snprintf(job->verifier, sizeof job->verifier,
             "verifier-0123456789012345678901234567890123456789");
    snprintf(job->redirect_uri, sizeof job->redirect_uri, REDIRECT);
}

/* Give stored tokens to a refresh or revoke job. */
static void stored(plat_job *job, const char *access, const char *refresh, int64_t access_exp,
                   int64_t refresh_exp)
{
    snprintf(job->in.access, sizeof job->in.access, "%s", access);
    snprintf(job->in.refresh, sizeof job->in.refresh, "%s", refresh);
    job->in.access_expires_at = access_exp;
    job->in.refresh_expires_at = refresh_exp;
}

/* ================= LinkedIn ================= */

#define LI_TOKEN_OK                                                                                \
    "{\"access_token\":\"" ACCESS "\",\"expires_in\":5184000,\"refresh_token\":\"" REFRESH         \
    "\",\"refresh_token_expires_in\":31536000,"                                                    \
    "\"scope\":\"email,openid,profile,w_member_social\",\"token_type\":\"Bearer\"}"
#define LI_USERINFO                                                                                \
    "{\"sub\":\"simLi9XaZ7\",\"name\":\"Sim Demo\",\"given_name\":\"Sim\","                        \
    "\"family_name\":\"Demo\",\"picture\":\"https://media.example/p.png\","                        \
    "\"locale\":{\"country\":\"US\",\"language\":\"en\"},\"email\":\"demo@sim.example\","          \
    "\"email_verified\":true}"

static void test_registry(void **state)
{
    (void)state;
    assert_ptr_equal(plat_find("linkedin"), &plat_linkedin);
    assert_ptr_equal(plat_find("youtube"), &plat_youtube);
    assert_string_equal(plat_linkedin.title, "LinkedIn");
    assert_string_equal(plat_youtube.title, "YouTube");
    assert_int_equal(plat_linkedin.needs_pkce, 0);
    assert_int_equal(plat_youtube.needs_pkce, 1);
    assert_int_equal(plat_linkedin.picks_accounts, 0);
    assert_int_equal(plat_youtube.picks_accounts, 0);
    assert_null(plat_linkedin.revoke); /* no revocation endpoint in the contract */
    assert_non_null(plat_youtube.revoke);
    assert_ptr_equal(plat_settings(&cfg, "youtube"), &cfg.google);
}

static void test_li_authorize_url(void **state)
{
    (void)state;
    plat_job job;
    start(&job, PJOB_CONNECT, "linkedin");
    char url[4096];
    assert_int_equal(plat_linkedin.authorize_url(&job, "st-ate_1", "", url, sizeof url), 0);
    const char *base = "http://sim/linkedin/www/oauth/v2/authorization?";
    assert_memory_equal(url, base, strlen(base));
    const char *q = url + strlen(base);
    assert_param(q, "response_type", "code");
    assert_param(q, "client_id", "li-client");
    assert_param(q, "redirect_uri", REDIRECT);
    assert_param(q, "state", "st-ate_1");
    assert_param(q, "scope", "openid profile email w_member_social");
    assert_non_null(strstr(q, "scope=openid%20profile%20email%20w_member_social"));
    assert_no_param(q, "code_challenge");
    char small[64];
    assert_int_equal(plat_linkedin.authorize_url(&job, "s", "", small, sizeof small), -1);
    plat_job_free(&job);
}

static void test_li_connect(void **state)
{
    (void)state;
    plat_job job;
    start(&job, PJOB_CONNECT, "linkedin");
    assert_int_equal(plat_linkedin.connect(&job, NULL), PLAT_REQUEST);
    assert_url(&job.req, "POST", "http://sim/linkedin/www/oauth/v2/accessToken");
    assert_true(has_header(&job.req, "Content-Type: application/x-www-form-urlencoded"));
    assert_false(has_header(&job.req, "Authorization:")); /* no Basic auth */
    assert_non_null(job.req.body);
    assert_param(job.req.body, "grant_type", "authorization_code");
    assert_param(job.req.body, "code", "the-code");
    assert_param(job.req.body, "redirect_uri", REDIRECT);
    assert_param(job.req.body, "client_id", "li-client");
    assert_param(job.req.body, "client_secret", LI_SECRET);
    assert_no_param(job.req.body, "code_verifier");

    plat_response r = resp(200, LI_TOKEN_OK);
    assert_int_equal(plat_linkedin.connect(&job, &r), PLAT_REQUEST);
    assert_url(&job.req, "GET", "http://sim/linkedin/api/v2/userinfo");
    assert_true(has_header(&job.req, "Authorization: Bearer " ACCESS));
    assert_false(has_header(&job.req, "LinkedIn-Version"));
    assert_null(job.req.body);
    assert_string_equal(job.tokens.access, ACCESS);
    assert_string_equal(job.tokens.refresh, REFRESH);
    assert_true(job.tokens.access_expires_at == NOW + 5184000LL * 1000);
    assert_true(job.tokens.refresh_expires_at == NOW + 31536000LL * 1000);
    assert_string_equal(job.tokens.scopes, "email,openid,profile,w_member_social");

    job.now_ms = LATER;
    r = resp(200, LI_USERINFO);
    assert_int_equal(plat_linkedin.connect(&job, &r), PLAT_DONE);
    assert_int_equal(job.naccounts, 1);
    const plat_account *a = &job.accounts[0];
    assert_string_equal(a->remote_id, "urn:li:person:simLi9XaZ7");
    assert_string_equal(a->name, "Sim Demo");
    assert_string_equal(a->username, "demo@sim.example");
    assert_string_equal(a->avatar_url, "https://media.example/p.png");
    assert_string_equal(a->kind, "profile");
    assert_int_equal(a->has_own_tokens, 0);
    /* The expiry counts from the token answer, not the identity answer. */
    assert_true(job.tokens.access_expires_at == NOW + 5184000LL * 1000);
    plat_job_free(&job);
}

static void test_li_connect_minimal(void **state)
{
    (void)state;
    plat_job job;
    start(&job, PJOB_CONNECT, "linkedin");
    plat_linkedin.connect(&job, NULL);
    /* No refresh token (most apps), no expires_in: the documented 60 days. */
    plat_response r = resp(200, "{\"access_token\":\"" ACCESS "\",\"scope\":\"w_member_social\"}");
    assert_int_equal(plat_linkedin.connect(&job, &r), PLAT_REQUEST);
    assert_string_equal(job.tokens.refresh, "");
    assert_true(job.tokens.refresh_expires_at == 0);
    assert_true(job.tokens.access_expires_at == NOW + 60 * DAY_MS);
    /* No email, no name: given/family names, then a plain label. */
    r = resp(200, "{\"sub\":\"abc-123_X\",\"given_name\":\"Ana\",\"family_name\":\"Lima\"}");
    assert_int_equal(plat_linkedin.connect(&job, &r), PLAT_DONE);
    assert_string_equal(job.accounts[0].name, "Ana Lima");
    assert_string_equal(job.accounts[0].username, "");
    assert_string_equal(job.accounts[0].avatar_url, "");
    plat_job_free(&job);

    start(&job, PJOB_CONNECT, "linkedin");
    plat_linkedin.connect(&job, NULL);
    r = resp(200, "{\"access_token\":\"" ACCESS "\",\"expires_in\":\"5184000\"}");
    assert_int_equal(plat_linkedin.connect(&job, &r), PLAT_REQUEST);
    assert_true(job.tokens.access_expires_at == NOW + 60 * DAY_MS);
    r = resp(200, "{\"sub\":\"abc\"}");
    assert_int_equal(plat_linkedin.connect(&job, &r), PLAT_DONE);
    assert_string_equal(job.accounts[0].name, "LinkedIn member");
    plat_job_free(&job);
}

/* Run the token step of a LinkedIn connect against r; returns the step. */
static plat_step li_token_step(plat_job *job, int status, const char *body)
{
    start(job, PJOB_CONNECT, "linkedin");
    plat_linkedin.connect(job, NULL);
    plat_response r = resp(status, body);
    return plat_linkedin.connect(job, &r);
}

static void test_li_connect_token_errors(void **state)
{
    (void)state;
    plat_job job;
    assert_int_equal(li_token_step(&job, 400,
                                   "{\"error\":\"invalid_request\",\"error_description\":\"Unable "
                                   "to retrieve access token: code expired\"}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    assert_int_equal(job.err.http_status, 400);
    assert_string_equal(job.err.code, "invalid_request");
    assert_non_null(strstr(job.err.message, "code expired"));
    assert_clean(&job);
    plat_job_free(&job);

    assert_int_equal(li_token_step(&job, 401,
                                   "{\"error\":\"invalid_client\",\"error_description\":\"Client "
                                   "authentication failed\"}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.code, "invalid_client");
    assert_clean(&job);
    plat_job_free(&job);

    assert_int_equal(li_token_step(&job, 503, "Service Unavailable"), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_clean(&job);
    plat_job_free(&job);

    assert_int_equal(li_token_step(&job, 0, ""), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_string_equal(job.err.code, "network");
    plat_job_free(&job);

    assert_int_equal(li_token_step(&job, 200, "not json"), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_string_equal(job.err.code, "bad_response");
    plat_job_free(&job);

    /* A grant without permission to post is no use. */
    assert_int_equal(li_token_step(&job, 200,
                                   "{\"access_token\":\"" ACCESS "\",\"expires_in\":5184000,"
                                   "\"scope\":\"openid,profile,email\"}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_string_equal(job.err.code, "scope");
    assert_clean(&job);
    plat_job_free(&job);
}

/* Run a LinkedIn connect up to the userinfo answer r; returns the step. */
static plat_step li_userinfo_step(plat_job *job, const plat_response *r)
{
    assert_int_equal(li_token_step(job, 200, LI_TOKEN_OK), PLAT_REQUEST);
    return plat_linkedin.connect(job, r);
}

static void test_li_api_errors(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *body;
        plat_err_kind kind;
        const char *code;
    } cases[] = {
        {401,
         "{\"status\":401,\"serviceErrorCode\":65600,\"code\":\"INVALID_ACCESS_TOKEN\","
         "\"message\":\"Invalid access token\"}",
         PERR_TOKEN_EXPIRED, "65600"},
        {401,
         "{\"status\":401,\"serviceErrorCode\":65602,\"code\":\"EXPIRED_ACCESS_TOKEN\","
         "\"message\":\"The token used in the request has expired\"}",
         PERR_TOKEN_EXPIRED, "65602"},
        {401,
         "{\"status\":401,\"serviceErrorCode\":65601,\"code\":\"REVOKED_ACCESS_TOKEN\","
         "\"message\":\"The token used in the request has been revoked by the user\"}",
         PERR_REVOKED, "65601"},
        {401, "", PERR_TOKEN_EXPIRED, "refused"},
        {403,
         "{\"status\":403,\"serviceErrorCode\":100,\"code\":\"ACCESS_DENIED\","
         "\"message\":\"Not enough permissions to access: userinfo.GET\"}",
         PERR_DENIED, "100"},
        {500, "{\"status\":500,\"message\":\"Internal Server Error\"}", PERR_TRANSIENT,
         "server_error"},
        {504, "", PERR_TRANSIENT, "server_error"},
        {404, "{\"status\":404,\"code\":\"NOT_FOUND\",\"message\":\"No virtual resource found\"}",
         PERR_INVALID, "NOT_FOUND"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plat_job job;
        plat_response r = resp(cases[i].status, cases[i].body);
        assert_int_equal(li_userinfo_step(&job, &r), PLAT_FAIL);
        if (job.err.kind != cases[i].kind || strcmp(job.err.code, cases[i].code) != 0)
            fail_msg("case %zu: kind %d code '%s'", i, (int)job.err.kind, job.err.code);
        assert_int_equal(job.err.http_status, cases[i].status);
        assert_clean(&job);
        plat_job_free(&job);
    }
}

static void test_li_rate_limit(void **state)
{
    (void)state;
    plat_job job;
    /* Retry-After is honoured. */
    canned h = {{"Retry-After", NULL}, {"120", NULL}};
    plat_response r = resp_h(429,
                             "{\"status\":429,\"code\":\"TOO_MANY_REQUESTS\",\"message\":"
                             "\"Resource level throttle APPLICATION DAY limit\"}",
                             &h);
    assert_int_equal(li_userinfo_step(&job, &r), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_RATE_LIMITED);
    assert_true(job.err.retry_at_ms == NOW + 120000);
    plat_job_free(&job);
    /* Without it, the daily limits reset at midnight UTC. */
    r = resp(429, "{\"status\":429,\"message\":\"throttled\"}");
    assert_int_equal(li_userinfo_step(&job, &r), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_RATE_LIMITED);
    assert_true(job.err.retry_at_ms == NOW + DAY_MS); /* NOW is a midnight */
    plat_job_free(&job);
    /* Also on the token endpoint. */
    start(&job, PJOB_CONNECT, "linkedin");
    job.now_ms = NOW + 3600000;
    plat_linkedin.connect(&job, NULL);
    r = resp(429, "");
    assert_int_equal(plat_linkedin.connect(&job, &r), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_RATE_LIMITED);
    assert_true(job.err.retry_at_ms == NOW + DAY_MS);
    plat_job_free(&job);
}

static void test_li_userinfo_bad(void **state)
{
    (void)state;
    const char *bodies[] = {
        "{}",          "not json", "{\"sub\":\"\"}", "{\"sub\":\"a b\"}", "{\"sub\":\"../x\"}",
        "{\"sub\":42}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        plat_job job;
        plat_response r = resp(200, bodies[i]);
        assert_int_equal(li_userinfo_step(&job, &r), PLAT_FAIL);
        assert_int_equal(job.err.kind, PERR_PERMANENT);
        assert_int_equal(job.naccounts, 0);
        plat_job_free(&job);
    }
    /* A picture address that does not fit is dropped, not cut. */
    char body[3000];
    char longurl[1500];
    memset(longurl, 'a', sizeof longurl - 1);
    longurl[sizeof longurl - 1] = '\0';
    snprintf(body, sizeof body, "{\"sub\":\"abc\",\"name\":\"N\",\"picture\":\"https://x/%s\"}",
             longurl);
    plat_job job;
    plat_response r = resp(200, body);
    assert_int_equal(li_userinfo_step(&job, &r), PLAT_DONE);
    assert_string_equal(job.accounts[0].avatar_url, "");
    plat_job_free(&job);
}

static void test_li_refresh(void **state)
{
    (void)state;
    plat_job job;
    start(&job, PJOB_REFRESH, "linkedin");
    int64_t rexp = NOW + 200 * DAY_MS;
    stored(&job, ACCESS, REFRESH, NOW + 3 * DAY_MS, rexp);
    assert_int_equal(plat_linkedin.refresh(&job, NULL), PLAT_REQUEST);
    assert_url(&job.req, "POST", "http://sim/linkedin/www/oauth/v2/accessToken");
    assert_true(has_header(&job.req, "Content-Type: application/x-www-form-urlencoded"));
    assert_false(has_header(&job.req, "Authorization:"));
    assert_param(job.req.body, "grant_type", "refresh_token");
    assert_param(job.req.body, "refresh_token", REFRESH);
    assert_param(job.req.body, "client_id", "li-client");
    assert_param(job.req.body, "client_secret", LI_SECRET);
    /* An answer without refresh_token: the stored one and its expiry are kept. */
    plat_response r = resp(200, "{\"access_token\":\"ACCESS-2\",\"expires_in\":5184000}");
    assert_int_equal(plat_linkedin.refresh(&job, &r), PLAT_DONE);
    assert_string_equal(job.tokens.access, "ACCESS-2");
    assert_string_equal(job.tokens.refresh, "");
    assert_true(job.tokens.refresh_expires_at == rexp);
    assert_true(job.tokens.access_expires_at == NOW + 5184000LL * 1000);
    plat_job_free(&job);

    /* An answer with both: used (the simulator repeats the token with the time left). */
    start(&job, PJOB_REFRESH, "linkedin");
    job.now_ms = NOW + DAY_MS;
    stored(&job, ACCESS, REFRESH, NOW + 3 * DAY_MS, rexp);
    plat_linkedin.refresh(&job, NULL);
    r = resp(200,
             "{\"access_token\":\"ACCESS-3\",\"expires_in\":5184000,\"refresh_token\":\"" REFRESH
             "\",\"refresh_token_expires_in\":17193600,\"scope\":\"openid,w_member_social\"}");
    assert_int_equal(plat_linkedin.refresh(&job, &r), PLAT_DONE);
    assert_string_equal(job.tokens.refresh, REFRESH);
    assert_true(job.tokens.refresh_expires_at == NOW + DAY_MS + 17193600LL * 1000);
    assert_true(job.tokens.access_expires_at == NOW + DAY_MS + 5184000LL * 1000);
    assert_string_equal(job.tokens.scopes, "openid,w_member_social");
    plat_job_free(&job);
}

static void test_li_refresh_without_token(void **state)
{
    (void)state;
    plat_job job;
    /* 2026-01-21 is when the stored access ends. */
    start(&job, PJOB_REFRESH, "linkedin");
    stored(&job, ACCESS, "", NOW + 20 * DAY_MS + 3600000, 0);
    assert_int_equal(plat_linkedin.refresh(&job, NULL), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    assert_string_equal(job.err.code, "no_refresh_token");
    assert_non_null(strstr(job.err.message, "reconnect the account before 2026-01-21"));
    assert_string_equal(job.req.method, ""); /* nothing asked */
    assert_clean(&job);
    plat_job_free(&job);
    /* Already over. */
    start(&job, PJOB_REFRESH, "linkedin");
    stored(&job, ACCESS, "", NOW - DAY_MS, 0);
    assert_int_equal(plat_linkedin.refresh(&job, NULL), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    assert_non_null(strstr(job.err.message, "ended on 2025-12-31"));
    plat_job_free(&job);
    /* Unknown expiry. */
    start(&job, PJOB_REFRESH, "linkedin");
    stored(&job, ACCESS, "", 0, 0);
    assert_int_equal(plat_linkedin.refresh(&job, NULL), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    plat_job_free(&job);
}

static void test_li_refresh_errors(void **state)
{
    (void)state;
    static const struct {
        int status;
        const char *body;
        plat_err_kind kind;
    } cases[] = {
        {400,
         "{\"error\":\"invalid_grant\",\"error_description\":\"The provided authorization grant "
         "or refresh token is invalid, expired or revoked\"}",
         PERR_REVOKED},
        {400,
         "{\"error\":\"invalid_request\",\"error_description\":\"Refresh tokens are not enabled "
         "for this application\"}",
         PERR_REVOKED},
        {401,
         "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}",
         PERR_PERMANENT},
        {502, "", PERR_TRANSIENT},
        {0, "", PERR_TRANSIENT},
        {429, "", PERR_RATE_LIMITED},
        {200, "{\"expires_in\":5184000}", PERR_PERMANENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plat_job job;
        start(&job, PJOB_REFRESH, "linkedin");
        stored(&job, ACCESS, REFRESH, NOW + DAY_MS, NOW + 100 * DAY_MS);
        plat_linkedin.refresh(&job, NULL);
        plat_response r = resp(cases[i].status, cases[i].body);
        assert_int_equal(plat_linkedin.refresh(&job, &r), PLAT_FAIL);
        if (job.err.kind != cases[i].kind)
            fail_msg("case %zu: kind %d (%s)", i, (int)job.err.kind, job.err.message);
        assert_clean(&job);
        plat_job_free(&job);
    }
}

/* ================= YouTube ================= */

#define G_TOKEN_OK                                                                                 \
    "{\"access_token\":\"" ACCESS "\",\"expires_in\":3599,\"refresh_token\":\"" REFRESH            \
    "\",\"scope\":\"" G_UPLOAD " " G_READONLY " " G_ANALYTIC "\",\"token_type\":\"Bearer\"}"
#define G_CHANNEL                                                                                  \
    "{\"kind\":\"youtube#channelListResponse\",\"pageInfo\":{\"totalResults\":1},"                 \
    "\"items\":[{\"kind\":\"youtube#channel\",\"id\":\"UCsimDemo000000000000001\","                \
    "\"snippet\":{\"title\":\"Sim Demo Channel\",\"customUrl\":\"@simdemochannel\","               \
    "\"thumbnails\":{\"default\":{\"url\":\"https://yt.example/c88.png\",\"width\":88},"           \
    "\"high\":{\"url\":\"https://yt.example/c800.png\"}}}}]}"

static void test_yt_authorize_url(void **state)
{
    (void)state;
    plat_job job;
    start(&job, PJOB_CONNECT, "youtube");
    char url[4096];
    const char *ch = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    assert_int_equal(plat_youtube.authorize_url(&job, "st8", ch, url, sizeof url), 0);
    const char *base = "http://sim/google/accounts/o/oauth2/v2/auth?";
    assert_memory_equal(url, base, strlen(base));
    const char *q = url + strlen(base);
    assert_param(q, "client_id", "g-client.apps");
    assert_param(q, "redirect_uri", REDIRECT);
    assert_param(q, "response_type", "code");
    assert_param(q, "scope", G_UPLOAD " " G_READONLY " " G_ANALYTIC);
    assert_param(q, "access_type", "offline");
    assert_param(q, "prompt", "consent");
    assert_param(q, "include_granted_scopes", "true");
    assert_param(q, "state", "st8");
    assert_param(q, "code_challenge", ch);
    assert_param(q, "code_challenge_method", "S256");
    assert_null(strchr(q, ' '));
    /* Without a challenge, no PKCE parameters. */
    assert_int_equal(plat_youtube.authorize_url(&job, "st8", "", url, sizeof url), 0);
    assert_no_param(url + strlen(base), "code_challenge");
    assert_no_param(url + strlen(base), "code_challenge_method");
    char small[100];
    assert_int_equal(plat_youtube.authorize_url(&job, "s", ch, small, sizeof small), -1);
    plat_job_free(&job);
}

static void test_yt_connect(void **state)
{
    (void)state;
    plat_job job;
    start(&job, PJOB_CONNECT, "youtube");
    assert_int_equal(plat_youtube.connect(&job, NULL), PLAT_REQUEST);
    assert_url(&job.req, "POST", "http://sim/google/oauth2/token");
    assert_true(has_header(&job.req, "Content-Type: application/x-www-form-urlencoded"));
    assert_false(has_header(&job.req, "Authorization:"));
    assert_param(job.req.body, "grant_type", "authorization_code");
    assert_param(job.req.body, "code", "the-code");
    assert_param(job.req.body, "redirect_uri", REDIRECT);
    assert_param(job.req.body, "client_id", "g-client.apps");
    assert_param(job.req.body, "client_secret", G_SECRET);
    assert_param(job.req.body, "code_verifier",
                 "verifier-0123456789012345678901234567890123456789");

    plat_response r = resp(200, G_TOKEN_OK);
    assert_int_equal(plat_youtube.connect(&job, &r), PLAT_REQUEST);
    assert_string_equal(job.req.method, "GET");
    const char *base = "http://sim/google/api/youtube/v3/channels?";
    assert_memory_equal(job.req.url, base, strlen(base));
    assert_param(query_of(&job.req), "part", "snippet");
    assert_param(query_of(&job.req), "mine", "true");
    assert_true(has_header(&job.req, "Authorization: Bearer " ACCESS));
    assert_string_equal(job.tokens.access, ACCESS);
    assert_string_equal(job.tokens.refresh, REFRESH);
    assert_true(job.tokens.access_expires_at == NOW + 3599000);
    assert_true(job.tokens.refresh_expires_at == 0);
    assert_string_equal(job.tokens.scopes, G_UPLOAD " " G_READONLY " " G_ANALYTIC);

    job.now_ms = LATER;
    r = resp(200, G_CHANNEL);
    assert_int_equal(plat_youtube.connect(&job, &r), PLAT_DONE);
    assert_int_equal(job.naccounts, 1);
    const plat_account *a = &job.accounts[0];
    assert_string_equal(a->remote_id, "UCsimDemo000000000000001");
    assert_string_equal(a->name, "Sim Demo Channel");
    assert_string_equal(a->username, "@simdemochannel");
    assert_string_equal(a->avatar_url, "https://yt.example/c88.png");
    assert_string_equal(a->kind, "channel");
    assert_true(job.tokens.access_expires_at == NOW + 3599000);
    plat_job_free(&job);

    /* Without a verifier (no PKCE) there is no code_verifier; a "Testing" app's refresh token
     * has a lifetime. */
    start(&job, PJOB_CONNECT, "youtube");
    job.verifier[0] = '\0';
    plat_youtube.connect(&job, NULL);
    assert_no_param(job.req.body, "code_verifier");
    r = resp(200,
             "{\"access_token\":\"" ACCESS "\",\"expires_in\":3599,\"refresh_token\":\"" REFRESH
             "\",\"refresh_token_expires_in\":604799,\"scope\":\"" G_UPLOAD "\"}");
    assert_int_equal(plat_youtube.connect(&job, &r), PLAT_REQUEST);
    assert_true(job.tokens.refresh_expires_at == NOW + 604799000LL);
    r = resp(200, "{\"items\":[{\"id\":\"UCx\",\"snippet\":{\"title\":\"Plain\"}}]}");
    assert_int_equal(plat_youtube.connect(&job, &r), PLAT_DONE);
    assert_string_equal(job.accounts[0].username, "");
    assert_string_equal(job.accounts[0].avatar_url, "");
    assert_string_equal(job.accounts[0].name, "Plain");
    plat_job_free(&job);
}

/* Run a YouTube connect's token step against r. */
static plat_step yt_token_step(plat_job *job, int status, const char *body)
{
    start(job, PJOB_CONNECT, "youtube");
    plat_youtube.connect(job, NULL);
    plat_response r = resp(status, body);
    return plat_youtube.connect(job, &r);
}

static plat_step yt_channel_step(plat_job *job, const plat_response *r)
{
    assert_int_equal(yt_token_step(job, 200, G_TOKEN_OK), PLAT_REQUEST);
    return plat_youtube.connect(job, r);
}

static void test_yt_no_channel(void **state)
{
    (void)state;
    const char *bodies[] = {
        "{\"kind\":\"youtube#channelListResponse\",\"pageInfo\":{\"totalResults\":0},"
        "\"items\":[]}",
        "{\"kind\":\"youtube#channelListResponse\",\"pageInfo\":{\"totalResults\":0}}"};
    for (size_t i = 0; i < 2; i++) {
        plat_job job;
        plat_response r = resp(200, bodies[i]);
        assert_int_equal(yt_channel_step(&job, &r), PLAT_FAIL);
        assert_int_equal(job.err.kind, PERR_DENIED);
        assert_string_equal(job.err.message, "this Google account has no YouTube channel");
        assert_int_equal(job.naccounts, 0);
        plat_job_free(&job);
    }
    /* The signup-required error says the same. */
    plat_job job;
    plat_response r =
        resp(401, "{\"error\":{\"code\":401,\"message\":\"Unauthorized\",\"errors\":[{\"message\":"
                  "\"Unauthorized\",\"domain\":\"youtube.header\",\"reason\":"
                  "\"youtubeSignupRequired\"}]}}");
    assert_int_equal(yt_channel_step(&job, &r), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_string_equal(job.err.code, "youtubeSignupRequired");
    plat_job_free(&job);
    /* Bad channel answers. */
    const char *bad[] = {"not json", "{\"items\":[{\"snippet\":{}}]}",
                         "{\"items\":[{\"id\":\"UC/../x\"}]}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = resp(200, bad[i]);
        assert_int_equal(yt_channel_step(&job, &r), PLAT_FAIL);
        assert_int_equal(job.err.kind, PERR_PERMANENT);
        plat_job_free(&job);
    }
}

static void test_yt_connect_errors(void **state)
{
    (void)state;
    plat_job job;
    /* A bad code at connect is a refused request, not a revoked grant. */
    assert_int_equal(
        yt_token_step(&job, 400,
                      "{\"error\":\"invalid_grant\",\"error_description\":\"Bad Request\"}"),
        PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    assert_string_equal(job.err.code, "invalid_grant");
    assert_clean(&job);
    plat_job_free(&job);

    assert_int_equal(yt_token_step(&job, 401,
                                   "{\"error\":\"invalid_client\",\"error_description\":"
                                   "\"Unauthorized\"}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_PERMANENT);
    assert_clean(&job);
    plat_job_free(&job);

    assert_int_equal(yt_token_step(&job, 500, ""), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    plat_job_free(&job);

    /* The user unticked the upload permission. */
    assert_int_equal(yt_token_step(&job, 200,
                                   "{\"access_token\":\"" ACCESS "\",\"expires_in\":3599,"
                                   "\"refresh_token\":\"" REFRESH "\",\"scope\":\"" G_READONLY
                                   "\"}"),
                     PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_DENIED);
    assert_string_equal(job.err.code, "scope");
    assert_clean(&job);
    plat_job_free(&job);

    static const struct {
        int status;
        const char *body;
        plat_err_kind kind;
        const char *code;
    } cases[] = {
        {401,
         "{\"error\":{\"code\":401,\"message\":\"Request had invalid authentication "
         "credentials.\",\"errors\":[{\"message\":\"Invalid Credentials\",\"domain\":\"global\","
         "\"reason\":\"authError\"}],\"status\":\"UNAUTHENTICATED\"}}",
         PERR_TOKEN_EXPIRED, "authError"},
        {403,
         "{\"error\":{\"code\":403,\"message\":\"Request had insufficient authentication "
         "scopes.\",\"errors\":[{\"message\":\"Insufficient Permission\",\"domain\":\"global\","
         "\"reason\":\"insufficientPermissions\"}],\"status\":\"PERMISSION_DENIED\"}}",
         PERR_DENIED, "insufficientPermissions"},
        {403,
         "{\"error\":{\"code\":403,\"message\":\"quota\",\"errors\":[{\"message\":\"quota\","
         "\"domain\":\"youtube.quota\",\"reason\":\"quotaExceeded\"}]}}",
         PERR_RATE_LIMITED, "quotaExceeded"},
        {403,
         "{\"error\":{\"code\":403,\"message\":\"slow\",\"errors\":[{\"reason\":"
         "\"rateLimitExceeded\"}]}}",
         PERR_RATE_LIMITED, "rateLimitExceeded"},
        {429, "", PERR_RATE_LIMITED, "rate_limited"},
        {503, "", PERR_TRANSIENT, "server_error"},
        {400,
         "{\"error\":{\"code\":400,\"message\":\"No filter selected.\",\"errors\":[{\"reason\":"
         "\"missingRequiredParameter\"}],\"status\":\"INVALID_ARGUMENT\"}}",
         PERR_INVALID, "missingRequiredParameter"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        plat_response r = resp(cases[i].status, cases[i].body);
        assert_int_equal(yt_channel_step(&job, &r), PLAT_FAIL);
        if (job.err.kind != cases[i].kind || strcmp(job.err.code, cases[i].code) != 0)
            fail_msg("case %zu: kind %d code '%s'", i, (int)job.err.kind, job.err.code);
        assert_clean(&job);
        plat_job_free(&job);
    }
}

static void test_yt_refresh(void **state)
{
    (void)state;
    plat_job job;
    start(&job, PJOB_REFRESH, "youtube");
    stored(&job, ACCESS, REFRESH, NOW + 60000, 0);
    assert_int_equal(plat_youtube.refresh(&job, NULL), PLAT_REQUEST);
    assert_url(&job.req, "POST", "http://sim/google/oauth2/token");
    assert_true(has_header(&job.req, "Content-Type: application/x-www-form-urlencoded"));
    assert_param(job.req.body, "grant_type", "refresh_token");
    assert_param(job.req.body, "refresh_token", REFRESH);
    assert_param(job.req.body, "client_id", "g-client.apps");
    assert_param(job.req.body, "client_secret", G_SECRET);
    assert_no_param(job.req.body, "code");
    /* Google does not rotate: the stored refresh token is kept. */
    plat_response r =
        resp(200, "{\"access_token\":\"ACCESS-2\",\"expires_in\":3599,\"scope\":\"" G_UPLOAD
                  "\",\"token_type\":\"Bearer\"}");
    assert_int_equal(plat_youtube.refresh(&job, &r), PLAT_DONE);
    assert_string_equal(job.tokens.access, "ACCESS-2");
    assert_string_equal(job.tokens.refresh, "");
    assert_true(job.tokens.refresh_expires_at == 0);
    assert_true(job.tokens.access_expires_at == NOW + 3599000);
    assert_string_equal(job.tokens.scopes, G_UPLOAD);
    plat_job_free(&job);

    /* A stored expiry ("Testing" app) is kept; a new refresh token, if sent, is used. */
    start(&job, PJOB_REFRESH, "youtube");
    stored(&job, ACCESS, REFRESH, NOW + 60000, NOW + 5 * DAY_MS);
    plat_youtube.refresh(&job, NULL);
    r = resp(200, "{\"access_token\":\"ACCESS-3\",\"expires_in\":3599}");
    assert_int_equal(plat_youtube.refresh(&job, &r), PLAT_DONE);
    assert_true(job.tokens.refresh_expires_at == NOW + 5 * DAY_MS);
    assert_string_equal(job.tokens.scopes, "");
    plat_job_free(&job);

    start(&job, PJOB_REFRESH, "youtube");
    stored(&job, ACCESS, REFRESH, NOW + 60000, 0);
    plat_youtube.refresh(&job, NULL);
    r = resp(200, "{\"access_token\":\"ACCESS-4\",\"expires_in\":3599,\"refresh_token\":\"R2\"}");
    assert_int_equal(plat_youtube.refresh(&job, &r), PLAT_DONE);
    assert_string_equal(job.tokens.refresh, "R2");
    plat_job_free(&job);
}

static void test_yt_refresh_errors(void **state)
{
    (void)state;
    plat_job job;
    start(&job, PJOB_REFRESH, "youtube");
    stored(&job, ACCESS, REFRESH, NOW, 0);
    plat_youtube.refresh(&job, NULL);
    plat_response r =
        resp(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Token has been expired or "
                  "revoked.\"}");
    assert_int_equal(plat_youtube.refresh(&job, &r), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    assert_string_equal(job.err.code, "invalid_grant");
    assert_non_null(strstr(job.err.message, "Google no longer accepts the saved authorization"));
    assert_non_null(strstr(job.err.message, "reconnect"));
    assert_clean(&job);
    plat_job_free(&job);

    static const struct {
        int status;
        const char *body;
        plat_err_kind kind;
    } cases[] = {
        {400, "{\"error\":\"unauthorized_client\",\"error_description\":\"Unauthorized\"}",
         PERR_REVOKED},
        {401, "{\"error\":\"invalid_client\",\"error_description\":\"Unauthorized\"}",
         PERR_PERMANENT},
        {500, "", PERR_TRANSIENT},
        {0, "", PERR_TRANSIENT},
        {429, "", PERR_RATE_LIMITED},
        {200, "{}", PERR_PERMANENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start(&job, PJOB_REFRESH, "youtube");
        stored(&job, ACCESS, REFRESH, NOW, 0);
        plat_youtube.refresh(&job, NULL);
        r = resp(cases[i].status, cases[i].body);
        assert_int_equal(plat_youtube.refresh(&job, &r), PLAT_FAIL);
        if (job.err.kind != cases[i].kind)
            fail_msg("case %zu: kind %d (%s)", i, (int)job.err.kind, job.err.message);
        assert_clean(&job);
        plat_job_free(&job);
    }

    /* Nothing to refresh with: reconnect, and nothing is asked. */
    start(&job, PJOB_REFRESH, "youtube");
    stored(&job, ACCESS, "", NOW, 0);
    assert_int_equal(plat_youtube.refresh(&job, NULL), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_REVOKED);
    assert_string_equal(job.req.method, "");
    plat_job_free(&job);
}

static void test_yt_revoke(void **state)
{
    (void)state;
    plat_job job;
    start(&job, PJOB_REVOKE, "youtube");
    stored(&job, ACCESS, REFRESH, NOW, 0);
    assert_int_equal(plat_youtube.revoke(&job, NULL), PLAT_REQUEST);
    assert_url(&job.req, "POST", "http://sim/google/oauth2/revoke");
    assert_true(has_header(&job.req, "Content-Type: application/x-www-form-urlencoded"));
    assert_param(job.req.body, "token", REFRESH); /* the refresh token ends the whole grant */
    plat_response r = resp(200, "");
    assert_int_equal(plat_youtube.revoke(&job, &r), PLAT_DONE);
    plat_job_free(&job);

    start(&job, PJOB_REVOKE, "youtube");
    stored(&job, ACCESS, "", NOW, 0);
    plat_youtube.revoke(&job, NULL);
    assert_param(job.req.body, "token", ACCESS);
    /* Already dead counts as revoked. */
    r = resp(400,
             "{\"error\":\"invalid_token\",\"error_description\":\"Token expired or revoked\"}");
    assert_int_equal(plat_youtube.revoke(&job, &r), PLAT_DONE);
    plat_job_free(&job);

    start(&job, PJOB_REVOKE, "youtube");
    stored(&job, ACCESS, REFRESH, NOW, 0);
    plat_youtube.revoke(&job, NULL);
    r = resp(503, "");
    assert_int_equal(plat_youtube.revoke(&job, &r), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_TRANSIENT);
    assert_clean(&job);
    plat_job_free(&job);

    start(&job, PJOB_REVOKE, "youtube");
    stored(&job, ACCESS, REFRESH, NOW, 0);
    plat_youtube.revoke(&job, NULL);
    r = resp(400, "{\"error\":\"invalid_request\",\"error_description\":\"Missing token\"}");
    assert_int_equal(plat_youtube.revoke(&job, &r), PLAT_FAIL);
    assert_int_equal(job.err.kind, PERR_INVALID);
    plat_job_free(&job);

    start(&job, PJOB_REVOKE, "youtube");
    stored(&job, "", "", 0, 0);
    assert_int_equal(plat_youtube.revoke(&job, NULL), PLAT_DONE);
    plat_job_free(&job);
}

static int group_setup(void **state)
{
    (void)state;
    setup_cfg();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_li_authorize_url),
        cmocka_unit_test(test_li_connect),
        cmocka_unit_test(test_li_connect_minimal),
        cmocka_unit_test(test_li_connect_token_errors),
        cmocka_unit_test(test_li_api_errors),
        cmocka_unit_test(test_li_rate_limit),
        cmocka_unit_test(test_li_userinfo_bad),
        cmocka_unit_test(test_li_refresh),
        cmocka_unit_test(test_li_refresh_without_token),
        cmocka_unit_test(test_li_refresh_errors),
        cmocka_unit_test(test_yt_authorize_url),
        cmocka_unit_test(test_yt_connect),
        cmocka_unit_test(test_yt_no_channel),
        cmocka_unit_test(test_yt_connect_errors),
        cmocka_unit_test(test_yt_refresh),
        cmocka_unit_test(test_yt_refresh_errors),
        cmocka_unit_test(test_yt_revoke),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
