/*
 * linkedin.c - LinkedIn as PLATFORMS.md section 3 describes it.
 *
 *   /linkedin/www = www.linkedin.com
 *     GET  /oauth/v2/authorization          consent page (sim_approve=allow|deny skips it)
 *     GET  /oauth/v2/sim-consent            the page's Allow / Deny links (simulator only)
 *     POST /oauth/v2/accessToken            form body only, client_id + client_secret in it
 *     PUT  /dms-uploads/sp/v2/{asset}/uploaded-image/0     image bytes (Bearer required)
 *     PUT  /dms-uploads/sp/v2/{asset}/uploaded-video/{n}   one video part, answers an ETag
 *     GET  /dms/image/{sub}/profile-displayphoto.png       the member's picture
 *   /linkedin/api = api.linkedin.com
 *     GET  /v2/userinfo, /v2/me, /v2/socialActions/{urn}   (no version header needed)
 *     /rest/... needs LinkedIn-Version: YYYYMM[.RR] and X-Restli-Protocol-Version: 2.0.0
 *     POST /rest/posts                      201, empty body, x-restli-id
 *     GET  /rest/posts?q=author&author=     finder, newest first
 *     GET | DELETE /rest/posts/{urn}, POST /rest/posts/{urn} (X-RestLi-Method: PARTIAL_UPDATE)
 *     POST /rest/images?action=initializeUpload, GET /rest/images/{urn}
 *     POST /rest/videos?action=initializeUpload|finalizeUpload, GET /rest/videos/{urn}
 *     GET  /rest/socialActions/{urn}
 *
 * Choices where PLATFORMS.md is silent or unconfirmed (keep them in mind when a
 * product passes here and fails there):
 *   - A version is active for 12 months: YYYYMM is accepted when it is the
 *     simulated current month or one of the 11 before it; older or future
 *     versions get 426 NONEXISTENT_VERSION.  A missing header gets 400
 *     VERSION_MISSING; a missing or different X-Restli-Protocol-Version gets 400.
 *   - Image status (GET /rest/images/{urn}) is refused with 403 to member
 *     tokens (tokens without an organization scope), as PLATFORMS.md says;
 *     images are therefore AVAILABLE as soon as their bytes are PUT (or
 *     PROCESSING_FAILED at once if the bytes are not JPEG, PNG or GIF).
 *   - Video processing takes sim_processing_polls("linkedin") status polls and
 *     fails when sim_processing_fails("linkedin") is set at the last poll, or
 *     when the bytes are not a video container (MP4/MOV, WebM/MKV, AVI).
 *   - Video size limits 75,000 bytes to 500 MiB are checked at initializeUpload.
 *   - Image PUTs need the Bearer token; video part PUTs are pre-signed URLs.
 *   - The finder and socialActions are answered for w_member_social tokens
 *     (real LinkedIn restricts member-post reads to approved partners).
 *   - Commentary is "little text": backslash escapes are removed and
 *     @[Name](urn) mentions become Name in the recorded text; an unescaped
 *     bracket ( ) [ ] { } < > cuts the recorded text there, as LinkedIn shows
 *     such posts truncated.
 *   - Only lifecycleState PUBLISHED is accepted; DRAFT gets 422.
 *   - A new authorization with a different scope set revokes earlier tokens.
 *   - organizationalEntityShareStatistics and comments are not simulated.
 */
#define _GNU_SOURCE
#include "sim.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LI_SUB        "simLi9XaZ7"
#define LI_URN        "urn:li:person:" LI_SUB
#define LI_NAME       "Sim Demo"
#define LI_GIVEN      "Sim"
#define LI_FAMILY     "Demo"
#define LI_EMAIL      "demo@sim.example"
#define LI_VANITY     "sim-demo"
#define WWW_PREFIX    "/linkedin/www"
#define CODE_TTL_MS   (30LL * 60 * 1000)
#define ACCESS_TTL_S  5184000LL
#define REFRESH_TTL_S 31536000LL
#define PART_BYTES    4194304LL
#define UPLOAD_TTL_MS (24LL * 3600 * 1000)
#define MAX_COMMENT   3000
#define VIDEO_MIN     75000LL
#define VIDEO_MAX     (500LL * 1024 * 1024)

/* Scopes the simulated app may ask for. */
static const char *const known_scopes[] = {"openid",
                                           "profile",
                                           "email",
                                           "w_member_social",
                                           "r_member_social",
                                           "r_basicprofile",
                                           "r_liteprofile",
                                           "r_emailaddress",
                                           "w_organization_social",
                                           "r_organization_social",
                                           "rw_organization_admin",
                                           NULL};

/* ---- configuration ---- */

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v != NULL && *v ? v : dflt;
}

static const char *app_id(void)
{
    return env_or("SIM_LINKEDIN_CLIENT_ID", "p2s-sim-linkedin");
}

static const char *app_secret(void)
{
    return env_or("SIM_LINKEDIN_CLIENT_SECRET", "p2s-sim-linkedin-secret");
}

static int refresh_enabled(void)
{
    return strcmp(env_or("SIM_LINKEDIN_REFRESH", "1"), "0") != 0;
}

/* 1 if word is one of the sep-separated words of list. */
static int has_word(const char *list, const char *word, char sep)
{
    size_t wl = strlen(word);
    for (const char *p = list != NULL ? list : ""; *p;) {
        const char *e = strchr(p, sep);
        size_t l = e != NULL ? (size_t)(e - p) : strlen(p);
        if (l == wl && strncmp(p, word, wl) == 0)
            return 1;
        if (e == NULL)
            break;
        p = e + 1;
    }
    return 0;
}

/* Redirect URIs: any http(s) URL, or exactly one of SIM_LINKEDIN_REDIRECT_URIS (comma list). */
static int redirect_allowed(const char *uri)
{
    if (strncmp(uri, "http://", 7) != 0 && strncmp(uri, "https://", 8) != 0)
        return 0;
    if (strlen(uri) > 600 || strchr(uri, '#') != NULL)
        return 0;
    const char *list = getenv("SIM_LINKEDIN_REDIRECT_URIS");
    return list == NULL || *list == '\0' || has_word(list, uri, ',');
}

/* The module's own part of the state: state.linkedin[key], made on first use (under the lock). */
static json_t *bucket(sim *s, const char *key)
{
    json_t *st = sim_state(s);
    json_t *m = json_object_get(st, "linkedin");
    if (!json_is_object(m)) {
        m = json_object();
        json_object_set_new(st, "linkedin", m);
    }
    json_t *c = json_object_get(m, key);
    if (!json_is_object(c)) {
        c = json_object();
        json_object_set_new(m, key, c);
    }
    return c;
}

static const char *str_of(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* ---- answers ---- */

/* LinkedIn's API envelope {"status","serviceErrorCode"?,"code"?,"message"}. */
static void li_error(sim_resp *out, int status, int service, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void li_error(sim_resp *out, int status, int service, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *b = json_object();
    json_object_set_new(b, "status", json_integer(status));
    if (service > 0)
        json_object_set_new(b, "serviceErrorCode", json_integer(service));
    if (code != NULL)
        json_object_set_new(b, "code", json_string(code));
    json_t *m = json_string(msg);
    json_object_set_new(b, "message", m != NULL ? m : json_string("invalid request"));
    sim_reply_json(out, status, b);
}

/* A field error, as the Rest.li validators word them. */
static void field_error(sim_resp *out, const char *field, const char *why)
{
    li_error(out, 422, 0, NULL, "ERROR :: %s :: %s", field, why);
}

/* LinkedIn's OAuth error {"error","error_description"}. */
static void oauth_error(sim_resp *out, int status, const char *err, const char *desc)
{
    sim_reply_json(out, status, json_pack("{s:s, s:s}", "error", err, "error_description", desc));
}

/* The page LinkedIn shows instead of redirecting (bad client or redirect URI). */
static void error_page(sim_resp *out, int status, const char *title, const char *detail)
{
    char b[2048];
    snprintf(b, sizeof b,
             "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<title>LinkedIn (simulated)</title></head><body><h1>%s</h1><p>%s</p></body></html>",
             title, detail);
    sim_reply_text(out, status, "text/html; charset=utf-8", b);
}

/* Append k=v (v URL-encoded) to the URL in buf; nothing if v is NULL. */
static void add_param(char *buf, size_t cap, const char *k, const char *v)
{
    if (v == NULL)
        return;
    char *e = curl_easy_escape(NULL, v, 0);
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%c%s=%s", strchr(buf, '?') != NULL ? '&' : '?', k,
             e != NULL ? e : "");
    curl_free(e);
}

/* Redirect back to the app with an OAuth error. */
static void redirect_error(sim_resp *out, const char *uri, const char *err, const char *desc,
                           const char *state)
{
    char loc[1024];
    snprintf(loc, sizeof loc, "%s", uri);
    add_param(loc, sizeof loc, "error", err);
    add_param(loc, sizeof loc, "error_description", desc);
    add_param(loc, sizeof loc, "state", state);
    sim_redirect(out, loc);
}

/* A fresh random id of n URL-safe characters. */
static void random_id(char *out, size_t n)
{
    char buf[80];
    sim_random("", buf, sizeof buf);
    size_t l = strlen(buf) < n ? strlen(buf) : n;
    memcpy(out, buf, l);
    out[l] = '\0';
}

/* Characters (not bytes) of UTF-8 text. */
static size_t utf8_chars(const char *t)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

/* ---- OAuth ---- */

/* Issue a token of the grant (under the lock); the record is borrowed. */
static json_t *issue_token(sim *s, const char *kind, int64_t ttl_ms, const char *scope,
                           const char *family, const char *client)
{
    json_t *fields =
        json_pack("{s:s, s:s, s:s}", "scope", scope, "family", family, "client_id", client);
    json_t *rec = sim_token_issue(s, "linkedin", kind, LI_SUB, ttl_ms, fields);
    json_decref(fields);
    return rec;
}

/* GET /oauth/v2/authorization */
static void authorize(sim *s, sim_req *r, sim_resp *out)
{
    const char *cid = sim_query(r, "client_id"), *ru = sim_query(r, "redirect_uri");
    const char *rt = sim_query(r, "response_type"), *scope = sim_query(r, "scope");
    const char *state = sim_query(r, "state");
    if (cid == NULL || strcmp(cid, app_id()) != 0) {
        error_page(out, 400, "Invalid client_id",
                   "The client_id of this request is not a registered application.");
        return;
    }
    if (ru == NULL || !redirect_allowed(ru)) {
        error_page(out, 400, "Invalid redirect_uri",
                   "The redirect_uri does not match the registered value.");
        return;
    }
    if (state != NULL && strlen(state) > 300) {
        error_page(out, 400, "Invalid state", "The state parameter is too long (simulator limit).");
        return;
    }
    if (rt == NULL || strcmp(rt, "code") != 0) {
        redirect_error(out, ru, "invalid_request", "The response_type must be code", state);
        return;
    }
    if (scope == NULL || strspn(scope, " ") == strlen(scope)) {
        redirect_error(out, ru, "invalid_request", "A required parameter \"scope\" is missing",
                       state);
        return;
    }
    /* Scopes are space-separated; every one must be known to the app. */
    char commas[1024] = "", words[1024];
    snprintf(words, sizeof words, "%s", scope);
    char *save = NULL;
    for (char *w = strtok_r(words, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        int ok = 0;
        for (int i = 0; known_scopes[i] != NULL; i++)
            ok |= strcmp(known_scopes[i], w) == 0;
        if (!ok) {
            char desc[300];
            snprintf(desc, sizeof desc, "Scope \"%.200s\" is not authorized for your application",
                     w);
            redirect_error(out, ru, "unauthorized_scope_error", desc, state);
            return;
        }
        if (!has_word(commas, w, ','))
            snprintf(commas + strlen(commas), sizeof commas - strlen(commas), "%s%s",
                     commas[0] ? "," : "", w);
    }
    char pid[40];
    sim_random("lp", pid, sizeof pid);
    sim_lock(s);
    json_t *rec = json_pack("{s:s, s:s, s:s, s:I}", "client_id", cid, "redirect_uri", ru, "scope",
                            commas, "expires_at", (json_int_t)(r->now_ms + CODE_TTL_MS));
    if (state != NULL)
        json_object_set_new(rec, "state", json_string(state));
    json_object_set_new(bucket(s, "pending"), pid, rec);
    sim_unlock(s);
    char allow[512], deny[512];
    snprintf(allow, sizeof allow, "%s%s/oauth/v2/sim-consent?pending=%s&decision=allow",
             r->base_url, WWW_PREFIX, pid);
    snprintf(deny, sizeof deny, "%s%s/oauth/v2/sim-consent?pending=%s&decision=deny", r->base_url,
             WWW_PREFIX, pid);
    sim_consent(s, r, out, "LinkedIn", LI_NAME, scope, allow, deny);
}

/* GET /oauth/v2/sim-consent?pending=&decision=allow|deny: the consent page's buttons. */
static void consent_decision(sim *s, sim_req *r, sim_resp *out)
{
    const char *pid = sim_query(r, "pending"), *d = sim_query(r, "decision");
    sim_lock(s);
    json_t *pend = bucket(s, "pending");
    json_t *rec = pid != NULL ? json_object_get(pend, pid) : NULL;
    if (rec == NULL || json_integer_value(json_object_get(rec, "expires_at")) <= r->now_ms ||
        d == NULL) {
        sim_unlock(s);
        error_page(out, 400, "This sign-in request has expired",
                   "Go back to the app and start again.");
        return;
    }
    json_incref(rec);
    json_object_del(pend, pid);
    char code[80] = "";
    if (strcmp(d, "allow") == 0) {
        sim_random("AQ", code, sizeof code);
        json_object_set_new(
            json_object_get(sim_state(s), "codes"), code,
            json_pack("{s:s, s:s, s:O, s:O, s:O, s:I, s:b}", "platform", "linkedin", "subject",
                      LI_SUB, "client_id", json_object_get(rec, "client_id"), "redirect_uri",
                      json_object_get(rec, "redirect_uri"), "scope", json_object_get(rec, "scope"),
                      "expires_at", (json_int_t)(r->now_ms + CODE_TTL_MS), "used", 0));
    }
    sim_unlock(s);
    const char *ru = str_of(rec, "redirect_uri"), *state = str_of(rec, "state");
    if (code[0] == '\0') {
        redirect_error(out, ru, "user_cancelled_authorize", "The user cancelled the authorization",
                       state);
    } else {
        char loc[1024];
        snprintf(loc, sizeof loc, "%s", ru);
        add_param(loc, sizeof loc, "code", code);
        add_param(loc, sizeof loc, "state", state);
        sim_redirect(out, loc);
    }
    json_decref(rec);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The comma-separated scope list, sorted (to compare scope sets). */
static void sorted_scopes(const char *commas, char *out, size_t cap)
{
    char copy[1024];
    const char *items[32];
    int n = 0;
    snprintf(copy, sizeof copy, "%s", commas != NULL ? commas : "");
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w != NULL && n < 32; w = strtok_r(NULL, ",", &save))
        items[n++] = w;
    qsort(items, (size_t)n, sizeof items[0], cmp_str);
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? "," : "", items[i]);
}

/*
 * Issue an access token (and a refresh token if enabled) for a fresh grant
 * (under the lock).  A grant with another scope set kills the earlier tokens.
 */
static json_t *issue_grant(sim *s, const char *client, const char *scope)
{
    json_t *grants = bucket(s, "grants");
    json_t *g = json_object_get(grants, client);
    char want[1024], had[1024];
    sorted_scopes(scope, want, sizeof want);
    if (g != NULL) {
        sorted_scopes(str_of(g, "scope"), had, sizeof had);
        if (strcmp(had, want) != 0) {
            sim_family_revoke(s, str_of(g, "family"));
            g = NULL;
        }
    }
    if (g == NULL) {
        char fam[64];
        sim_random("linkedin-", fam, sizeof fam);
        g = json_pack("{s:s, s:s}", "family", fam, "scope", scope);
        json_object_set_new(grants, client, g);
    }
    const char *fam = str_of(g, "family");
    json_t *acc = issue_token(s, "access", ACCESS_TTL_S * 1000, scope, fam, client);
    json_t *body = json_pack("{s:s, s:I}", "access_token", str_of(acc, "token"), "expires_in",
                             (json_int_t)ACCESS_TTL_S);
    if (refresh_enabled()) {
        json_t *ref = issue_token(s, "refresh", REFRESH_TTL_S * 1000, scope, fam, client);
        json_object_set_new(body, "refresh_token", json_string(str_of(ref, "token")));
        json_object_set_new(body, "refresh_token_expires_in", json_integer(REFRESH_TTL_S));
    }
    json_object_set_new(body, "scope", json_string(scope));
    json_object_set_new(body, "token_type", json_string("Bearer"));
    return body;
}

/* POST /oauth/v2/accessToken */
static void access_token(sim *s, sim_req *r, sim_resp *out)
{
    const char *ct = sim_header(r, "Content-Type");
    if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        oauth_error(out, 400, "invalid_request",
                    "The request body must be application/x-www-form-urlencoded");
        return;
    }
    static const char *const required[] = {"grant_type", "client_id", "client_secret"};
    for (size_t i = 0; i < 3; i++) {
        if (sim_form(r, required[i]) == NULL) {
            char desc[128];
            snprintf(desc, sizeof desc, "A required parameter \"%s\" is missing", required[i]);
            oauth_error(out, 400, "invalid_request", desc);
            return;
        }
    }
    const char *gt = sim_form(r, "grant_type"), *cid = sim_form(r, "client_id");
    if (strcmp(cid, app_id()) != 0 || strcmp(sim_form(r, "client_secret"), app_secret()) != 0) {
        oauth_error(out, 401, "invalid_client", "Client authentication failed");
        return;
    }
    if (strcmp(gt, "authorization_code") == 0) {
        const char *code = sim_form(r, "code"), *ru = sim_form(r, "redirect_uri");
        if (code == NULL || ru == NULL) {
            oauth_error(out, 400, "invalid_request",
                        code == NULL ? "A required parameter \"code\" is missing"
                                     : "A required parameter \"redirect_uri\" is missing");
            return;
        }
        sim_lock(s);
        json_t *c = json_object_get(json_object_get(sim_state(s), "codes"), code);
        int ok = c != NULL && strcmp(str_of(c, "platform"), "linkedin") == 0 &&
                 !json_is_true(json_object_get(c, "used")) &&
                 json_integer_value(json_object_get(c, "expires_at")) > r->now_ms &&
                 strcmp(str_of(c, "client_id"), cid) == 0 &&
                 strcmp(str_of(c, "redirect_uri"), ru) == 0;
        json_t *body = NULL;
        if (ok) {
            json_object_set_new(c, "used", json_true());
            body = issue_grant(s, cid, str_of(c, "scope"));
        }
        sim_unlock(s);
        if (!ok)
            oauth_error(
                out, 400, "invalid_request",
                "Unable to retrieve access token: appid/redirect uri/code verifier does not "
                "match authorization code. Or authorization code expired. Or external "
                "member binding exists");
        else
            sim_reply_json(out, 200, body);
        return;
    }
    if (strcmp(gt, "refresh_token") == 0) {
        const char *rt = sim_form(r, "refresh_token");
        if (!refresh_enabled()) {
            oauth_error(out, 400, "invalid_request",
                        "Refresh tokens are not enabled for this application");
            return;
        }
        if (rt == NULL) {
            oauth_error(out, 400, "invalid_request",
                        "A required parameter \"refresh_token\" is missing");
            return;
        }
        sim_lock(s);
        json_t *rec = NULL;
        sim_tok st = sim_token_check(s, "linkedin", rt, &rec);
        json_t *body = NULL;
        if (st == TOK_OK && strcmp(str_of(rec, "kind"), "refresh") == 0 &&
            strcmp(str_of(rec, "client_id"), cid) == 0) {
            const char *scope = str_of(rec, "scope");
            json_t *acc =
                issue_token(s, "access", ACCESS_TTL_S * 1000, scope, str_of(rec, "family"), cid);
            json_int_t left =
                (json_integer_value(json_object_get(rec, "expires_at")) - r->now_ms) / 1000;
            body =
                json_pack("{s:s, s:I, s:s, s:I, s:s, s:s}", "access_token", str_of(acc, "token"),
                          "expires_in", (json_int_t)ACCESS_TTL_S, "refresh_token", rt,
                          "refresh_token_expires_in", left, "scope", scope, "token_type", "Bearer");
        }
        sim_unlock(s);
        if (body == NULL)
            oauth_error(out, 400, "invalid_grant",
                        "The provided authorization grant or refresh token is invalid, expired or "
                        "revoked");
        else
            sim_reply_json(out, 200, body);
        return;
    }
    oauth_error(out, 400, "unsupported_grant_type", "The grant_type is not supported");
}

/* ---- API checks ---- */

/* Check LinkedIn-Version and X-Restli-Protocol-Version on /rest; 0 or -1 (answered). */
static int check_version(sim_req *r, sim_resp *out, char *ver, size_t verlen)
{
    const char *v = sim_header(r, "LinkedIn-Version");
    if (v == NULL || *v == '\0') {
        li_error(out, 400, 0, "VERSION_MISSING",
                 "A version must be present. Please specify a version by adding the "
                 "LinkedIn-Version header.");
        return -1;
    }
    size_t digits = strspn(v, "0123456789");
    int well_formed =
        digits == 6 &&
        (v[6] == '\0' || (v[6] == '.' && strlen(v) == 9 && strspn(v + 7, "0123456789") == 2));
    int year = 0, month = 0;
    if (well_formed) {
        year = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
        month = (v[4] - '0') * 10 + (v[5] - '0');
    }
    if (!well_formed || month < 1 || month > 12) {
        li_error(out, 400, 0, "INVALID_VERSION",
                 "The LinkedIn-Version header must be YYYYMM or YYYYMM.RR");
        return -1;
    }
    time_t now = (time_t)(r->now_ms / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    int cur = (tm.tm_year + 1900) * 12 + tm.tm_mon, req = year * 12 + (month - 1);
    if (req > cur || cur - req > 11) {
        li_error(out, 426, 0, "NONEXISTENT_VERSION", "Requested version %04d%02d01 is not active",
                 year, month);
        return -1;
    }
    snprintf(ver, verlen, "%04d%02d01", year, month);
    const char *p = sim_header(r, "X-Restli-Protocol-Version");
    if (p == NULL || strcmp(p, "2.0.0") != 0) {
        li_error(out, 400, 0, NULL,
                 "X-Restli-Protocol-Version: 2.0.0 is required for versioned APIs");
        return -1;
    }
    return 0;
}

/* The Bearer token's record (a copy; caller frees), or NULL with the 401 answered. */
static json_t *check_token(sim *s, sim_req *r, sim_resp *out)
{
    const char *tok = sim_bearer(r);
    if (tok == NULL) {
        li_error(out, 401, 65604, "EMPTY_ACCESS_TOKEN", "Empty oauth2 access token");
        return NULL;
    }
    sim_lock(s);
    json_t *rec = NULL;
    sim_tok st = sim_token_check(s, "linkedin", tok, &rec);
    if (st != TOK_INVALID && strcmp(str_of(rec, "kind"), "access") != 0)
        st = TOK_INVALID;
    json_t *copy = st == TOK_OK ? json_deep_copy(rec) : NULL;
    sim_unlock(s);
    if (st == TOK_INVALID)
        li_error(out, 401, 65600, "INVALID_ACCESS_TOKEN", "Invalid access token");
    else if (st == TOK_REVOKED)
        li_error(out, 401, 65601, "REVOKED_ACCESS_TOKEN",
                 "The token used in the request has been revoked by the user");
    else if (st == TOK_EXPIRED)
        li_error(out, 401, 65602, "EXPIRED_ACCESS_TOKEN",
                 "The token used in the request has expired");
    return copy;
}

static int has_scope(json_t *tok, const char *scope)
{
    return has_word(str_of(tok, "scope"), scope, ',');
}

/* 1 if the token carries an organization scope (what image status reads need). */
static int org_token(json_t *tok)
{
    return has_scope(tok, "r_organization_social") || has_scope(tok, "w_organization_social") ||
           has_scope(tok, "rw_organization_admin");
}

/* 0 if the token may write as a member; else answers 403. */
static int need_write(json_t *tok, sim_resp *out, const char *resource, const char *ver)
{
    if (has_scope(tok, "w_member_social"))
        return 0;
    li_error(out, 403, 100, "ACCESS_DENIED", "Not enough permissions to access: %s.%s", resource,
             ver);
    return -1;
}

/* The JSON object body of a /rest write; NULL with 400/415 answered. */
static json_t *json_body(sim_req *r, sim_resp *out)
{
    const char *ct = sim_header(r, "Content-Type");
    if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0) {
        li_error(out, 415, 0, NULL, "Unsupported Media Type: the body must be application/json");
        return NULL;
    }
    json_t *b = sim_json(r);
    if (!json_is_object(b)) {
        li_error(out, 400, 0, NULL, "Unable to parse the request body as a JSON object");
        return NULL;
    }
    return b;
}

/* ---- identity ---- */

static void picture_url(const sim_req *r, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s/dms/image/%s/profile-displayphoto.png", r->base_url, WWW_PREFIX,
             LI_SUB);
}

/* GET /v2/userinfo */
static void userinfo(sim *s, sim_req *r, sim_resp *out)
{
    json_t *tok = check_token(s, r, out);
    if (tok == NULL)
        return;
    if (!has_scope(tok, "openid")) {
        li_error(out, 403, 100, "ACCESS_DENIED", "Not enough permissions to access: userinfo.GET");
        json_decref(tok);
        return;
    }
    json_t *b = json_pack("{s:s}", "sub", LI_SUB);
    if (has_scope(tok, "profile")) {
        char pic[512];
        picture_url(r, pic, sizeof pic);
        json_object_set_new(b, "name", json_string(LI_NAME));
        json_object_set_new(b, "given_name", json_string(LI_GIVEN));
        json_object_set_new(b, "family_name", json_string(LI_FAMILY));
        json_object_set_new(b, "picture", json_string(pic));
        json_object_set_new(b, "locale",
                            json_pack("{s:s, s:s}", "country", "US", "language", "en"));
    }
    if (has_scope(tok, "email")) {
        json_object_set_new(b, "email", json_string(LI_EMAIL));
        json_object_set_new(b, "email_verified", json_true());
    }
    json_decref(tok);
    sim_reply_json(out, 200, b);
}

/* GET /v2/me */
static void me(sim *s, sim_req *r, sim_resp *out)
{
    json_t *tok = check_token(s, r, out);
    if (tok == NULL)
        return;
    if (!has_scope(tok, "profile") && !has_scope(tok, "r_basicprofile") &&
        !has_scope(tok, "r_liteprofile")) {
        li_error(out, 403, 100, "ACCESS_DENIED",
                 "Not enough permissions to access: me.GET.NO_VERSION");
        json_decref(tok);
        return;
    }
    json_decref(tok);
    json_t *loc = json_pack("{s:s, s:s}", "country", "US", "language", "en");
    sim_reply_json(out, 200,
                   json_pack("{s:s, s:s, s:s, s:s, s:{s:{s:s}, s:O}, s:{s:{s:s}, s:O}, s:s}", "id",
                             LI_SUB, "localizedFirstName", LI_GIVEN, "localizedLastName", LI_FAMILY,
                             "vanityName", LI_VANITY, "firstName", "localized", "en_US", LI_GIVEN,
                             "preferredLocale", loc, "lastName", "localized", "en_US", LI_FAMILY,
                             "preferredLocale", loc, "localizedHeadline", "Simulated member"));
    json_decref(loc);
}

/* GET /dms/image/{sub}/profile-displayphoto.png: a small generated picture. */
static void picture(sim_resp *out)
{
    enum { W = 100, H = 100 };
    unsigned char *rgb = malloc((size_t)W * H * 3), *png = NULL;
    size_t len = 0;
    if (rgb == NULL) {
        sim_reply_empty(out, 500);
        return;
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            unsigned char *p = rgb + ((size_t)y * W + (size_t)x) * 3;
            int dx = x - W / 2, dy = y - H / 2;
            int inside = dx * dx + dy * dy < 30 * 30;
            p[0] = inside ? 0xF3 : 0x0A;
            p[1] = inside ? 0xF6 : 0x66;
            p[2] = inside ? 0xF8 : 0xC2;
        }
    if (sim_png(rgb, W, H, &png, &len) == 0)
        sim_reply_bytes(out, 200, "image/png", png, len);
    else
        sim_reply_empty(out, 500);
    free(rgb);
    free(png);
}

/* ---- metrics ---- */

/* Likes and comments of a post grow with simulated time since it was published. */
static void post_counts(json_t *post, int64_t now, json_int_t *likes, json_int_t *comments)
{
    int64_t minutes = (now - json_integer_value(json_object_get(post, "at"))) / 60000;
    if (minutes < 0)
        minutes = 0;
    *likes = (json_int_t)(minutes / 15);
    *comments = (json_int_t)(minutes / 60);
}

/* Find a live (not deleted) LinkedIn post by URN (under the lock). */
static json_t *find_post(sim *s, const char *urn)
{
    json_t *p = sim_post_find(s, "linkedin", urn);
    return p != NULL && !json_is_true(json_object_get(p, "deleted")) ? p : NULL;
}

/* GET /v2/socialActions/{urn} (and /rest/socialActions/{urn}) */
static void social_actions(sim *s, sim_req *r, sim_resp *out, const char *urn, json_t *tok)
{
    (void)tok;
    sim_lock(s);
    json_t *p = find_post(s, urn);
    json_int_t likes = 0, comments = 0;
    if (p != NULL)
        post_counts(p, r->now_ms, &likes, &comments);
    sim_unlock(s);
    if (p == NULL) {
        li_error(out, 404, 0, "NOT_FOUND", "Not Found: %s", urn);
        return;
    }
    sim_reply_json(out, 200,
                   json_pack("{s:{s:[], s:I, s:b, s:I}, s:{s:[], s:I, s:s, s:I}, s:s}",
                             "likesSummary", "selectedLikes", "aggregatedTotalLikes", likes,
                             "likedByCurrentUser", 0, "totalLikes", likes, "commentsSummary",
                             "selectedComments", "totalFirstLevelComments", comments,
                             "commentsState", "OPEN", "aggregatedTotalComments", comments, "target",
                             urn));
}

/* ---- media: images and videos ---- */

/* 1 if the bytes look like JPEG, PNG or GIF. */
static int is_image(const unsigned char *b, size_t n)
{
    return (n > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) ||
           (n > 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) ||
           (n > 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0));
}

static const char *image_type(const unsigned char *b, size_t n)
{
    if (n > 3 && b[0] == 0xFF && b[1] == 0xD8)
        return "image/jpeg";
    if (n > 3 && b[0] == 'G')
        return "image/gif";
    return "image/png";
}

/* 1 if the bytes start like a video container (MP4/MOV, WebM/MKV, AVI). */
static int is_video(const unsigned char *b, size_t n)
{
    return (n > 12 && memcmp(b + 4, "ftyp", 4) == 0) ||
           (n > 4 && memcmp(b, "\x1a\x45\xdf\xa3", 4) == 0) ||
           (n > 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "AVI ", 4) == 0);
}

/* Read stored media items one after another into one malloc'd buffer; 0 or -1. */
static int join_media(sim *s, json_t *ids, unsigned char **data, size_t *len)
{
    json_t *paths = json_array();
    size_t total = 0, i;
    json_t *id;
    sim_lock(s);
    json_t *media = json_object_get(sim_state(s), "media");
    json_array_foreach(ids, i, id)
    {
        json_t *m = json_object_get(media, json_string_value(id));
        const char *path = str_of(m, "path");
        json_array_append_new(paths, json_string(path != NULL ? path : ""));
        total += (size_t)json_integer_value(json_object_get(m, "size"));
    }
    sim_unlock(s);
    unsigned char *buf = malloc(total + 1);
    size_t got = 0;
    int rc = buf != NULL ? 0 : -1;
    json_t *p;
    json_array_foreach(paths, i, p)
    {
        FILE *f = rc == 0 ? fopen(json_string_value(p), "rb") : NULL;
        if (f == NULL) {
            rc = -1;
            break;
        }
        got += fread(buf + got, 1, total - got, f);
        fclose(f);
    }
    json_decref(paths);
    if (rc != 0 || got != total) {
        free(buf);
        return -1;
    }
    *data = buf;
    *len = total;
    return 0;
}

/* The upload URL for part n of an asset. */
static void upload_url(const sim_req *r, const char *asset, const char *what, int n, const char *ut,
                       char *out, size_t cap)
{
    snprintf(out, cap,
             "%s%s/dms-uploads/sp/v2/%s/%s/%d?ca=vector_ads&cn=uploads&sync=0&v=beta&ut=%s",
             r->base_url, WWW_PREFIX, asset, what, n, ut);
}

/* The owner in {"initializeUploadRequest":{"owner":...}}; NULL with the error answered. */
static json_t *init_request(sim_req *r, sim_resp *out)
{
    json_t *b = json_body(r, out);
    if (b == NULL)
        return NULL;
    json_t *req = json_object_get(b, "initializeUploadRequest");
    if (!json_is_object(req)) {
        field_error(out, "/initializeUploadRequest",
                    "field is required but not found and has no default value");
        return NULL;
    }
    const char *owner = str_of(req, "owner");
    if (owner == NULL) {
        field_error(out, "/initializeUploadRequest/owner",
                    "field is required but not found and has no default value");
        return NULL;
    }
    if (strcmp(owner, LI_URN) != 0) {
        li_error(out, 403, 100, "ACCESS_DENIED",
                 "Unpermitted fields present in REQUEST_BODY: Data Processing Exception while "
                 "processing fields [/initializeUploadRequest/owner]");
        return NULL;
    }
    return req;
}

/* POST /rest/images?action=initializeUpload */
static void image_init(sim *s, sim_req *r, sim_resp *out, json_t *tok, const char *ver)
{
    if (need_write(tok, out, "partnerApiImages.ACTION", ver) != 0 || init_request(r, out) == NULL)
        return;
    char asset[40], ut[40], urn[80], url[768];
    snprintf(asset, sizeof asset, "D4E10AQ");
    random_id(asset + 7, 16);
    random_id(ut, 24);
    snprintf(urn, sizeof urn, "urn:li:image:%s", asset);
    upload_url(r, asset, "uploaded-image", 0, ut, url, sizeof url);
    int64_t exp = r->now_ms + UPLOAD_TTL_MS;
    sim_lock(s);
    json_object_set_new(bucket(s, "media"), urn,
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "kind", "image", "owner",
                                  LI_URN, "asset", asset, "ut", ut, "status", "WAITING_UPLOAD",
                                  "created_at", (json_int_t)r->now_ms, "expires_at",
                                  (json_int_t)exp));
    json_object_set_new(bucket(s, "assets"), asset, json_string(urn));
    sim_unlock(s);
    sim_reply_json(out, 200,
                   json_pack("{s:{s:I, s:s, s:s}}", "value", "uploadUrlExpiresAt", (json_int_t)exp,
                             "uploadUrl", url, "image", urn));
}

/* POST /rest/videos?action=initializeUpload */
static void video_init(sim *s, sim_req *r, sim_resp *out, json_t *tok, const char *ver)
{
    json_t *req;
    if (need_write(tok, out, "partnerApiVideos.ACTION", ver) != 0 ||
        (req = init_request(r, out)) == NULL)
        return;
    json_t *fsz = json_object_get(req, "fileSizeBytes");
    if (!json_is_integer(fsz)) {
        field_error(out, "/initializeUploadRequest/fileSizeBytes",
                    "field is required but not found and has no default value");
        return;
    }
    json_int_t size = json_integer_value(fsz);
    if (size < VIDEO_MIN || size > VIDEO_MAX) {
        li_error(out, 400, 0, NULL,
                 "fileSizeBytes %lld is outside the allowed range (75 KB to 500 MB)",
                 (long long)size);
        return;
    }
    char asset[40], ut[40], urn[80], url[768];
    snprintf(asset, sizeof asset, "D5610AQ");
    random_id(asset + 7, 16);
    random_id(ut, 24);
    snprintf(urn, sizeof urn, "urn:li:video:%s", asset);
    int64_t exp = r->now_ms + UPLOAD_TTL_MS;
    json_t *instr = json_array(), *parts = json_array();
    int n = (int)((size + PART_BYTES - 1) / PART_BYTES);
    for (int i = 0; i < n; i++) {
        json_int_t first = (json_int_t)i * PART_BYTES;
        json_int_t last = first + PART_BYTES - 1 < size - 1 ? first + PART_BYTES - 1 : size - 1;
        upload_url(r, asset, "uploaded-video", i, ut, url, sizeof url);
        json_array_append_new(instr, json_pack("{s:s, s:I, s:I}", "uploadUrl", url, "firstByte",
                                               first, "lastByte", last));
        json_array_append_new(parts, json_pack("{s:I, s:I}", "first", first, "last", last));
    }
    sim_lock(s);
    json_object_set_new(
        bucket(s, "media"), urn,
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o}", "kind", "video", "owner", LI_URN,
                  "asset", asset, "ut", ut, "status", "WAITING_UPLOAD", "size", size, "created_at",
                  (json_int_t)r->now_ms, "expires_at", (json_int_t)exp, "parts", parts));
    json_object_set_new(bucket(s, "assets"), asset, json_string(urn));
    sim_unlock(s);
    sim_reply_json(out, 200,
                   json_pack("{s:{s:I, s:s, s:o, s:s}}", "value", "uploadUrlsExpireAt",
                             (json_int_t)exp, "video", urn, "uploadInstructions", instr,
                             "uploadToken", ""));
}

/* PUT /dms-uploads/sp/v2/{asset}/uploaded-{image|video}/{n} */
static void upload_put(sim *s, sim_req *r, sim_resp *out, const char *asset, int video, int n)
{
    const char *ut = sim_query(r, "ut");
    char urn[96] = "";
    int64_t exp = 0;
    json_int_t first = 0, last = -1;
    int state_ok = 0;
    sim_lock(s);
    const char *u = json_string_value(json_object_get(bucket(s, "assets"), asset));
    json_t *m = u != NULL ? json_object_get(bucket(s, "media"), u) : NULL;
    int kind_ok = m != NULL && strcmp(str_of(m, "kind"), video ? "video" : "image") == 0;
    int ut_ok = kind_ok && ut != NULL && strcmp(ut, str_of(m, "ut")) == 0;
    if (ut_ok) {
        snprintf(urn, sizeof urn, "%s", u);
        exp = json_integer_value(json_object_get(m, "expires_at"));
        state_ok = strcmp(str_of(m, "status"), "WAITING_UPLOAD") == 0;
        json_t *part = json_array_get(json_object_get(m, "parts"), (size_t)n);
        if (video && part != NULL) {
            first = json_integer_value(json_object_get(part, "first"));
            last = json_integer_value(json_object_get(part, "last"));
        }
    }
    sim_unlock(s);
    if (!ut_ok) {
        li_error(out, 404, 0, NULL, "No upload is waiting at this URL");
        return;
    }
    if (exp <= r->now_ms) {
        li_error(out, 403, 0, NULL, "The upload URL has expired");
        return;
    }
    if (!video) {
        /* Image upload URLs want the member's token too. */
        json_t *tok = check_token(s, r, out);
        if (tok == NULL)
            return;
        json_decref(tok);
    }
    if (!state_ok) {
        li_error(out, 400, 0, NULL, "This asset is no longer waiting for an upload");
        return;
    }
    if (video && last < 0) {
        li_error(out, 400, 0, NULL, "No such upload part");
        return;
    }
    if (r->body_len == 0) {
        li_error(out, 400, 0, NULL, "The upload body is empty");
        return;
    }
    if (video && (json_int_t)r->body_len != last - first + 1) {
        li_error(out, 400, 0, NULL,
                 "Part %d must be exactly %lld bytes (firstByte %lld to lastByte %lld), got %zu", n,
                 (long long)(last - first + 1), (long long)first, (long long)last, r->body_len);
        return;
    }
    const unsigned char *bytes = (const unsigned char *)r->body;
    char mid[80];
    sim_store_media(s, r->body, r->body_len,
                    video ? "application/octet-stream" : image_type(bytes, r->body_len), mid,
                    sizeof mid);
    sim_lock(s);
    m = json_object_get(bucket(s, "media"), urn);
    if (m == NULL) {
        sim_unlock(s);
        li_error(out, 404, 0, NULL, "No upload is waiting at this URL");
        return;
    }
    if (video) {
        char etag[80];
        sim_random("/ambry-video/signedId/", etag, sizeof etag);
        json_t *part = json_array_get(json_object_get(m, "parts"), (size_t)n);
        json_object_set_new(part, "etag", json_string(etag));
        json_object_set_new(part, "media", json_string(mid));
        sim_unlock(s);
        sim_reply_empty(out, 200);
        sim_add_header(out, "ETag", etag);
        return;
    }
    int good = is_image(bytes, r->body_len);
    json_object_set_new(m, "status", json_string(good ? "AVAILABLE" : "PROCESSING_FAILED"));
    json_object_set_new(m, "media_id", json_string(mid));
    if (!good)
        json_object_set_new(m, "processingFailureReason",
                            json_string("The file is not a JPG, PNG or GIF image"));
    sim_unlock(s);
    sim_reply_empty(out, 201);
}

/* POST /rest/videos?action=finalizeUpload */
static void video_finalize(sim *s, sim_req *r, sim_resp *out, json_t *tok, const char *ver)
{
    if (need_write(tok, out, "partnerApiVideos.ACTION", ver) != 0)
        return;
    json_t *b = json_body(r, out);
    if (b == NULL)
        return;
    json_t *req = json_object_get(b, "finalizeUploadRequest");
    const char *urn = str_of(req, "video");
    json_t *ids = json_object_get(req, "uploadedPartIds");
    if (!json_is_object(req) || urn == NULL || !json_is_array(ids) ||
        !json_is_string(json_object_get(req, "uploadToken"))) {
        field_error(out, "/finalizeUploadRequest",
                    "video, uploadToken and uploadedPartIds are required");
        return;
    }
    if (json_string_length(json_object_get(req, "uploadToken")) != 0) {
        li_error(out, 400, 0, NULL, "The uploadToken does not match the one initializeUpload gave");
        return;
    }
    sim_lock(s);
    json_t *m = json_object_get(bucket(s, "media"), urn);
    char why[256] = "";
    json_t *mids = json_array();
    if (m == NULL || strcmp(str_of(m, "kind"), "video") != 0) {
        snprintf(why, sizeof why, "Video %.100s does not exist", urn);
    } else if (strcmp(str_of(m, "owner"), LI_URN) != 0) {
        snprintf(why, sizeof why, "Video %.100s belongs to another owner", urn);
    } else if (strcmp(str_of(m, "status"), "WAITING_UPLOAD") != 0) {
        snprintf(why, sizeof why, "Video %.100s is already finalized", urn);
    } else {
        json_t *parts = json_object_get(m, "parts");
        if (json_array_size(ids) != json_array_size(parts))
            snprintf(why, sizeof why, "uploadedPartIds has %zu entries; the upload has %zu parts",
                     json_array_size(ids), json_array_size(parts));
        size_t i;
        json_t *part;
        json_array_foreach(parts, i, part)
        {
            if (why[0])
                break;
            const char *etag = str_of(part, "etag");
            const char *given = json_string_value(json_array_get(ids, i));
            if (etag == NULL)
                snprintf(why, sizeof why, "Part %zu was never uploaded", i);
            else if (given == NULL || strcmp(given, etag) != 0)
                snprintf(why, sizeof why,
                         "uploadedPartIds[%zu] is not the ETag returned for part %zu", i, i);
            else
                json_array_append(mids, json_object_get(part, "media"));
        }
    }
    sim_unlock(s);
    if (why[0]) {
        json_decref(mids);
        li_error(out, 400, 0, NULL, "%s", why);
        return;
    }
    unsigned char *data = NULL;
    size_t len = 0;
    if (join_media(s, mids, &data, &len) != 0) {
        json_decref(mids);
        li_error(out, 500, 0, NULL, "Could not assemble the uploaded parts");
        return;
    }
    json_decref(mids);
    char mid[80];
    sim_store_media(s, data, len, "video/mp4", mid, sizeof mid);
    int good = is_video(data, len);
    free(data);
    sim_lock(s);
    m = json_object_get(bucket(s, "media"), urn);
    if (m != NULL) {
        json_object_set_new(m, "status", json_string("PROCESSING"));
        json_object_set_new(m, "media_id", json_string(mid));
        json_object_set_new(m, "uploaded_at", json_integer(r->now_ms));
        json_object_set_new(m, "polls_left", json_integer(sim_processing_polls(s, "linkedin")));
        if (!good)
            json_object_set_new(m, "bad_file", json_true());
    }
    sim_unlock(s);
    sim_reply_empty(out, 200);
}

/* GET /rest/{images|videos}/{urn} */
static void media_status(sim *s, sim_req *r, sim_resp *out, json_t *tok, const char *urn, int video,
                         const char *ver)
{
    if (!video && !org_token(tok)) {
        li_error(out, 403, 100, "ACCESS_DENIED", "Not enough permissions to access: images.GET.%s",
                 ver);
        return;
    }
    sim_lock(s);
    json_t *m = json_object_get(bucket(s, "media"), urn);
    if (m == NULL || strcmp(str_of(m, "kind"), video ? "video" : "image") != 0) {
        sim_unlock(s);
        li_error(out, 404, 0, "NOT_FOUND", "Not Found: %s", urn);
        return;
    }
    if (video && strcmp(str_of(m, "status"), "PROCESSING") == 0) {
        json_int_t left = json_integer_value(json_object_get(m, "polls_left"));
        if (left > 0) {
            json_object_set_new(m, "polls_left", json_integer(left - 1));
        } else if (json_is_true(json_object_get(m, "bad_file")) ||
                   sim_processing_fails(s, "linkedin")) {
            json_object_set_new(m, "status", json_string("PROCESSING_FAILED"));
            json_object_set_new(m, "processingFailureReason",
                                json_string(json_is_true(json_object_get(m, "bad_file"))
                                                ? "The file is not a supported video format"
                                                : "Video transcoding failed"));
        } else {
            json_object_set_new(m, "status", json_string("AVAILABLE"));
        }
    }
    json_t *b = json_pack("{s:s, s:s, s:s}", "owner", str_of(m, "owner"), "id", urn, "status",
                          str_of(m, "status"));
    const char *reason = str_of(m, "processingFailureReason");
    if (reason != NULL)
        json_object_set_new(b, "processingFailureReason", json_string(reason));
    const char *mid = str_of(m, "media_id");
    if (mid != NULL && strcmp(str_of(m, "status"), "AVAILABLE") == 0) {
        char url[512];
        snprintf(url, sizeof url, "%s/_sim/media/%s", r->base_url, mid);
        json_object_set_new(b, "downloadUrl", json_string(url));
        json_object_set_new(b, "downloadUrlExpiresAt", json_integer(r->now_ms + UPLOAD_TTL_MS));
    }
    if (json_object_get(m, "uploaded_at") != NULL)
        json_object_set(b, "uploadedAt", json_object_get(m, "uploaded_at"));
    sim_unlock(s);
    sim_reply_json(out, 200, b);
}

/* ---- posts ---- */

/*
 * The text a reader sees for "little text" commentary: escapes removed,
 * mentions shown by name, cut at an unescaped bracket. Malloc'd.
 */
static char *render_commentary(const char *in, int *cut)
{
    size_t n = strlen(in);
    char *o = malloc(n + 1);
    size_t k = 0;
    *cut = 0;
    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '\\' && i + 1 < n) {
            o[k++] = in[++i];
        } else if (c == '@' && in[i + 1] == '[') {
            /* @[Name](urn:li:...) */
            const char *close = strchr(in + i + 2, ']');
            const char *end = close != NULL && close[1] == '(' ? strchr(close, ')') : NULL;
            if (end == NULL || strncmp(close + 2, "urn:li:", 7) != 0) {
                *cut = 1;
                break;
            }
            size_t nl = (size_t)(close - (in + i + 2));
            memcpy(o + k, in + i + 2, nl);
            k += nl;
            i = (size_t)(end - in);
        } else if (strchr("()[]{}<>", c) != NULL) {
            *cut = 1;
            break;
        } else {
            o[k++] = c;
        }
    }
    o[k] = '\0';
    return o;
}

/* Check one media reference of a post (under the lock); "" or the reason in why. */
static void check_media(sim *s, const char *urn, const char *kind, char *why, size_t cap,
                        json_t *mids)
{
    json_t *m = urn != NULL ? json_object_get(bucket(s, "media"), urn) : NULL;
    if (m == NULL || (kind != NULL && strcmp(str_of(m, "kind"), kind) != 0))
        snprintf(why, cap, "%s %.100s does not exist", kind != NULL ? kind : "media",
                 urn != NULL ? urn : "(missing id)");
    else if (strcmp(str_of(m, "owner"), LI_URN) != 0)
        snprintf(why, cap, "%.100s belongs to another owner", urn);
    else if (strcmp(str_of(m, "status"), "AVAILABLE") != 0)
        snprintf(why, cap, "%.100s is not ready to be posted (status %s)", urn,
                 str_of(m, "status"));
    else
        json_array_append_new(mids, json_string(str_of(m, "media_id")));
}

/* Validate the content object of a post (under the lock): kind and media ids, or why. */
static const char *check_content(sim *s, json_t *content, json_t *mids, char *why, size_t cap,
                                 const char **field)
{
    *field = "/content";
    if (!json_is_object(content) || json_object_size(content) != 1) {
        snprintf(why, cap, "content must hold exactly one of media, multiImage or article");
        return NULL;
    }
    json_t *media = json_object_get(content, "media");
    json_t *multi = json_object_get(content, "multiImage");
    json_t *article = json_object_get(content, "article");
    if (media != NULL) {
        *field = "/content/media/id";
        const char *id = str_of(media, "id");
        const char *kind = id != NULL && strncmp(id, "urn:li:video:", 13) == 0   ? "video"
                           : id != NULL && strncmp(id, "urn:li:image:", 13) == 0 ? "image"
                                                                                 : NULL;
        if (kind == NULL) {
            snprintf(why, cap, "media id must be an image or video URN");
            return NULL;
        }
        check_media(s, id, kind, why, cap, mids);
        return why[0] ? NULL : kind;
    }
    if (multi != NULL) {
        *field = "/content/multiImage/images";
        json_t *images = json_object_get(multi, "images");
        if (!json_is_array(images) || json_array_size(images) < 2 || json_array_size(images) > 20) {
            snprintf(why, cap, "multiImage needs 2 to 20 images");
            return NULL;
        }
        size_t i;
        json_t *img;
        json_array_foreach(images, i, img)
        {
            check_media(s, str_of(img, "id"), "image", why, cap, mids);
            if (why[0])
                return NULL;
        }
        return "multi_image";
    }
    if (article != NULL) {
        *field = "/content/article/source";
        const char *src = str_of(article, "source");
        if (src == NULL || (strncmp(src, "http://", 7) != 0 && strncmp(src, "https://", 8) != 0)) {
            snprintf(why, cap, "article source must be an http(s) URL");
            return NULL;
        }
        return "article";
    }
    snprintf(why, cap, "unknown content type");
    return NULL;
}

/* POST /rest/posts */
static void post_create(sim *s, sim_req *r, sim_resp *out, json_t *tok, const char *ver)
{
    char res[64];
    snprintf(res, sizeof res, "partnerApiPostsExternal.CREATE");
    if (need_write(tok, out, res, ver) != 0)
        return;
    json_t *b = json_body(r, out);
    if (b == NULL)
        return;
    const char *author = str_of(b, "author");
    json_t *comm = json_object_get(b, "commentary");
    const char *vis = str_of(b, "visibility"), *life = str_of(b, "lifecycleState");
    json_t *dist = json_object_get(b, "distribution"), *content = json_object_get(b, "content");
    json_t *reshare = json_object_get(b, "isReshareDisabledByAuthor");
    static const char *const missing = "field is required but not found and has no default value";
    if (author == NULL) {
        field_error(out, "/author", missing);
        return;
    }
    if (strcmp(author, LI_URN) != 0) {
        li_error(out, 403, 100, "ACCESS_DENIED",
                 "Unpermitted fields present in REQUEST_BODY: Data Processing Exception while "
                 "processing fields [/author]");
        return;
    }
    if (comm != NULL && !json_is_string(comm)) {
        field_error(out, "/commentary", "must be a string");
        return;
    }
    if (comm != NULL && utf8_chars(json_string_value(comm)) > MAX_COMMENT) {
        char why[128];
        snprintf(why, sizeof why, "length %zu exceeds the maximum allowed length of %d",
                 utf8_chars(json_string_value(comm)), MAX_COMMENT);
        field_error(out, "/commentary", why);
        return;
    }
    if (vis == NULL) {
        field_error(out, "/visibility", missing);
        return;
    }
    if (strcmp(vis, "PUBLIC") != 0 && strcmp(vis, "CONNECTIONS") != 0 &&
        strcmp(vis, "LOGGED_IN") != 0) {
        field_error(out, "/visibility", "is not one of PUBLIC, CONNECTIONS, LOGGED_IN");
        return;
    }
    if (!json_is_object(dist)) {
        field_error(out, "/distribution", missing);
        return;
    }
    const char *feed = str_of(dist, "feedDistribution");
    if (feed == NULL || (strcmp(feed, "MAIN_FEED") != 0 && strcmp(feed, "NONE") != 0)) {
        field_error(out, "/distribution/feedDistribution",
                    feed == NULL ? missing : "is not one of MAIN_FEED, NONE");
        return;
    }
    static const char *const arrays[] = {"targetEntities", "thirdPartyDistributionChannels"};
    for (size_t i = 0; i < 2; i++) {
        json_t *a = json_object_get(dist, arrays[i]);
        if (a != NULL && !json_is_array(a)) {
            char f[80];
            snprintf(f, sizeof f, "/distribution/%s", arrays[i]);
            field_error(out, f, "must be an array");
            return;
        }
    }
    if (life == NULL) {
        field_error(out, "/lifecycleState", missing);
        return;
    }
    if (strcmp(life, "PUBLISHED") != 0) {
        field_error(out, "/lifecycleState",
                    strcmp(life, "DRAFT") == 0 ? "DRAFT posts are not supported by the simulator"
                                               : "is not a valid lifecycle state");
        return;
    }
    if (reshare != NULL && !json_is_boolean(reshare)) {
        field_error(out, "/isReshareDisabledByAuthor", "must be a boolean");
        return;
    }
    if (comm == NULL && content == NULL) {
        field_error(out, "/commentary", missing);
        return;
    }
    int cut = 0;
    char *text = render_commentary(comm != NULL ? json_string_value(comm) : "", &cut);
    if (text == NULL) {
        li_error(out, 500, 0, NULL, "out of memory");
        return;
    }
    json_t *mids = json_array();
    char why[256] = "";
    const char *field = "", *kind = "text";
    sim_lock(s);
    if (content != NULL)
        kind = check_content(s, content, mids, why, sizeof why, &field);
    if (kind == NULL) {
        sim_unlock(s);
        free(text);
        json_decref(mids);
        field_error(out, field, why);
        return;
    }
    char id[40], urn[64], url[160];
    sim_next_id(s, id, sizeof id);
    snprintf(urn, sizeof urn, "urn:li:share:%s", id);
    snprintf(url, sizeof url, "https://www.linkedin.com/feed/update/%s/", urn);
    json_t *li = json_pack(
        "{s:s, s:s, s:s, s:O, s:s, s:b, s:I, s:I, s:b}", "author", author, "commentary",
        comm != NULL ? json_string_value(comm) : "", "visibility", vis, "distribution", dist,
        "lifecycleState", life, "isReshareDisabledByAuthor", json_is_true(reshare), "createdAt",
        (json_int_t)r->now_ms, "lastModifiedAt", (json_int_t)r->now_ms, "edited", 0);
    if (content != NULL)
        json_object_set(li, "content", content);
    json_t *post =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "platform", "linkedin",
                  "account", LI_URN, "account_name", LI_NAME, "id", urn, "url", url, "text", text,
                  "kind", kind, "media", mids, "visibility", vis, "linkedin", li);
    if (cut)
        json_object_set_new(post, "text_truncated", json_true());
    sim_post_add(s, post);
    sim_unlock(s);
    free(text);
    sim_reply_empty(out, 201);
    sim_add_header(out, "x-restli-id", urn);
}

/* A post as GET /rest/posts answers it. */
static json_t *post_element(json_t *p)
{
    json_t *li = json_object_get(p, "linkedin");
    json_t *e = json_pack(
        "{s:s, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:{s:b}}", "id", str_of(p, "id"),
        "author", json_object_get(li, "author"), "commentary", json_object_get(li, "commentary"),
        "visibility", json_object_get(li, "visibility"), "distribution",
        json_object_get(li, "distribution"), "lifecycleState",
        json_object_get(li, "lifecycleState"), "isReshareDisabledByAuthor",
        json_object_get(li, "isReshareDisabledByAuthor"), "createdAt",
        json_object_get(li, "createdAt"), "publishedAt", json_object_get(li, "createdAt"),
        "lastModifiedAt", json_object_get(li, "lastModifiedAt"), "lifecycleStateInfo",
        "isEditedByAuthor", json_is_true(json_object_get(li, "edited")));
    if (json_object_get(li, "content") != NULL)
        json_object_set(e, "content", json_object_get(li, "content"));
    return e;
}

/* GET /rest/posts?q=author&author={urn}&start=&count= */
static void post_finder(sim *s, sim_req *r, sim_resp *out)
{
    const char *q = sim_query(r, "q"), *author = sim_query(r, "author");
    if (q == NULL || strcmp(q, "author") != 0 || author == NULL) {
        li_error(out, 400, 0, NULL, "Only the author finder is supported: q=author&author={urn}");
        return;
    }
    if (strcmp(author, LI_URN) != 0) {
        li_error(out, 403, 100, "ACCESS_DENIED",
                 "Not enough permissions to access: partnerApiPostsExternal.FINDER-author");
        return;
    }
    long start = sim_query(r, "start") != NULL ? strtol(sim_query(r, "start"), NULL, 10) : 0;
    long count = sim_query(r, "count") != NULL ? strtol(sim_query(r, "count"), NULL, 10) : 10;
    if (start < 0)
        start = 0;
    if (count < 1 || count > 100)
        count = count < 1 ? 10 : 100;
    json_t *els = json_array();
    long seen = 0;
    sim_lock(s);
    json_t *posts = json_object_get(sim_state(s), "posts");
    for (size_t i = json_array_size(posts); i-- > 0;) {
        json_t *p = json_array_get(posts, i);
        if (strcmp(str_of(p, "platform"), "linkedin") != 0 ||
            json_is_true(json_object_get(p, "deleted")) ||
            strcmp(str_of(p, "account") != NULL ? str_of(p, "account") : "", author) != 0)
            continue;
        if (seen >= start && (long)json_array_size(els) < count)
            json_array_append_new(els, post_element(p));
        seen++;
    }
    sim_unlock(s);
    sim_reply_json(out, 200,
                   json_pack("{s:{s:i, s:i, s:I, s:[]}, s:o}", "paging", "start", (int)start,
                             "count", (int)count, "total", (json_int_t)seen, "links", "elements",
                             els));
}

/* GET, DELETE, POST (PARTIAL_UPDATE) /rest/posts/{urn} */
static void post_one(sim *s, sim_req *r, sim_resp *out, json_t *tok, const char *urn,
                     const char *ver)
{
    int get = strcmp(r->method, "GET") == 0, del = strcmp(r->method, "DELETE") == 0;
    const char *rm = sim_header(r, "X-RestLi-Method");
    json_t *patch = NULL;
    if (!get) {
        if (need_write(tok, out,
                       del ? "partnerApiPostsExternal.DELETE"
                           : "partnerApiPostsExternal.PARTIAL_UPDATE",
                       ver) != 0)
            return;
        if (!del) {
            if (rm == NULL || strcasecmp(rm, "PARTIAL_UPDATE") != 0) {
                li_error(out, 400, 0, NULL,
                         "Updating a post needs X-RestLi-Method: PARTIAL_UPDATE");
                return;
            }
            json_t *b = json_body(r, out);
            if (b == NULL)
                return;
            patch = json_object_get(json_object_get(b, "patch"), "$set");
            json_t *c = json_object_get(patch, "commentary");
            if (!json_is_object(patch) || json_object_size(patch) != 1 || !json_is_string(c)) {
                field_error(out, "/patch/$set", "only commentary can be changed (simulator)");
                return;
            }
            if (utf8_chars(json_string_value(c)) > MAX_COMMENT) {
                field_error(out, "/patch/$set/commentary",
                            "exceeds the maximum allowed length of 3000");
                return;
            }
        }
    }
    sim_lock(s);
    json_t *p = find_post(s, urn);
    if (p == NULL) {
        sim_unlock(s);
        li_error(out, 404, 0, "NOT_FOUND", "Not Found: %s", urn);
        return;
    }
    if (get) {
        json_t *e = post_element(p);
        sim_unlock(s);
        sim_reply_json(out, 200, e);
        return;
    }
    if (strcmp(str_of(p, "account"), LI_URN) != 0) {
        sim_unlock(s);
        li_error(out, 403, 100, "ACCESS_DENIED", "Not enough permissions to change %s", urn);
        return;
    }
    if (del) {
        json_object_set_new(p, "deleted", json_true());
    } else {
        const char *c = json_string_value(json_object_get(patch, "commentary"));
        int cut = 0;
        char *text = render_commentary(c, &cut);
        json_t *li = json_object_get(p, "linkedin");
        json_object_set_new(li, "commentary", json_string(c));
        json_object_set_new(li, "lastModifiedAt", json_integer(r->now_ms));
        json_object_set_new(li, "edited", json_true());
        json_object_set_new(p, "text", json_string(text != NULL ? text : ""));
        free(text);
    }
    sim_unlock(s);
    sim_reply_empty(out, 204);
}

/* ---- dispatch ---- */

static int handle_www(sim *s, sim_req *r, sim_resp *out)
{
    char caps[2][128];
    int get = strcmp(r->method, "GET") == 0, put = strcmp(r->method, "PUT") == 0;
    if (get && strcmp(r->path, "/oauth/v2/authorization") == 0)
        authorize(s, r, out);
    else if (get && strcmp(r->path, "/oauth/v2/sim-consent") == 0)
        consent_decision(s, r, out);
    else if (strcmp(r->method, "POST") == 0 && strcmp(r->path, "/oauth/v2/accessToken") == 0)
        access_token(s, r, out);
    else if (put && sim_path(r, "/dms-uploads/sp/v2/*/uploaded-image/0", caps, 1))
        upload_put(s, r, out, caps[0], 0, 0);
    else if (put && sim_path(r, "/dms-uploads/sp/v2/*/uploaded-video/*", caps, 2) &&
             strspn(caps[1], "0123456789") == strlen(caps[1]) && strlen(caps[1]) < 6)
        upload_put(s, r, out, caps[0], 1, (int)strtol(caps[1], NULL, 10));
    else if (get && sim_path(r, "/dms/image/*/profile-displayphoto.png", caps, 1) &&
             strcmp(caps[0], LI_SUB) == 0)
        picture(out);
    else
        return -1;
    return 0;
}

static int handle_rest(sim *s, sim_req *r, sim_resp *out)
{
    char ver[16], caps[1][128];
    if (check_version(r, out, ver, sizeof ver) != 0)
        return 0;
    json_t *tok = check_token(s, r, out);
    if (tok == NULL)
        return 0;
    int get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
    const char *action = sim_query(r, "action");
    int rc = 0;
    if (post && strcmp(r->path, "/rest/posts") == 0)
        post_create(s, r, out, tok, ver);
    else if (get && strcmp(r->path, "/rest/posts") == 0)
        post_finder(s, r, out);
    else if ((get || post || strcmp(r->method, "DELETE") == 0) &&
             sim_path(r, "/rest/posts/*", caps, 1))
        post_one(s, r, out, tok, caps[0], ver);
    else if (post && strcmp(r->path, "/rest/images") == 0 && action != NULL &&
             strcmp(action, "initializeUpload") == 0)
        image_init(s, r, out, tok, ver);
    else if (post && strcmp(r->path, "/rest/videos") == 0 && action != NULL &&
             strcmp(action, "initializeUpload") == 0)
        video_init(s, r, out, tok, ver);
    else if (post && strcmp(r->path, "/rest/videos") == 0 && action != NULL &&
             strcmp(action, "finalizeUpload") == 0)
        video_finalize(s, r, out, tok, ver);
    else if (get && sim_path(r, "/rest/images/*", caps, 1))
        media_status(s, r, out, tok, caps[0], 0, ver);
    else if (get && sim_path(r, "/rest/videos/*", caps, 1))
        media_status(s, r, out, tok, caps[0], 1, ver);
    else if (get && sim_path(r, "/rest/socialActions/*", caps, 1))
        social_actions(s, r, out, caps[0], tok);
    else
        rc = -1;
    json_decref(tok);
    return rc;
}

static int handle_api(sim *s, sim_req *r, sim_resp *out)
{
    char caps[1][128];
    int get = strcmp(r->method, "GET") == 0;
    if (strncmp(r->path, "/rest/", 6) == 0)
        return handle_rest(s, r, out);
    if (get && strcmp(r->path, "/v2/userinfo") == 0) {
        userinfo(s, r, out);
    } else if (get && strcmp(r->path, "/v2/me") == 0) {
        me(s, r, out);
    } else if (get && sim_path(r, "/v2/socialActions/*", caps, 1)) {
        json_t *tok = check_token(s, r, out);
        if (tok != NULL)
            social_actions(s, r, out, caps[0], tok);
        json_decref(tok);
    } else {
        return -1;
    }
    return 0;
}

static int handle(sim *s, sim_req *r, sim_resp *out)
{
    if (strcmp(r->prefix, WWW_PREFIX) == 0)
        return handle_www(s, r, out);
    return handle_api(s, r, out);
}

/* LinkedIn's envelope for the core's own answers (rate limits, unknown paths, faults). */
static void error(sim_resp *out, int status, const char *kind, const char *message)
{
    (void)message;
    if (strcmp(kind, "rate_limited") == 0)
        li_error(out, status, 0, "TOO_MANY_REQUESTS",
                 "Resource level throttle APPLICATION DAY limit for calls to this resource is "
                 "reached.");
    else if (strcmp(kind, "not_found") == 0)
        li_error(out, status, 0, "NOT_FOUND", "No virtual resource found");
    else if (status == 503)
        li_error(out, status, 0, "SERVICE_UNAVAILABLE", "Service Unavailable");
    else if (status == 504)
        li_error(out, status, 0, "GATEWAY_TIMEOUT", "Gateway Timeout");
    else
        li_error(out, status, 0, "INTERNAL_SERVER_ERROR", "Internal Server Error");
}

const sim_module sim_linkedin = {
    "linkedin", {"/linkedin/www", "/linkedin/api", NULL}, handle, error};
