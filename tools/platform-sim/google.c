/*
 * google.c - Google sign-in and the YouTube Data API v3, as PLATFORMS.md section 4 describes them.
 *
 *   /google/accounts = accounts.google.com
 *     GET  /o/oauth2/v2/auth              consent page (sim_approve=allow|deny skips it)
 *     GET  /o/oauth2/v2/sim-consent       the page's Allow / Deny links (simulator only)
 *   /google/oauth2 = oauth2.googleapis.com
 *     POST /token                         authorization_code and refresh_token grants (form)
 *     POST /revoke?token=                 (or token= in a form body)
 *   /google/api and /google/upload = www.googleapis.com
 *     GET  /youtube/v3/channels?part=&mine=true|id=|forHandle=
 *     GET  /youtube/v3/videos?part=&id=
 *     GET  /youtube/v3/playlistItems?part=&playlistId={uploads playlist}
 *     GET  /youtube/v3/search?part=snippet&forMine=true&type=video&order=date
 *     POST /upload/youtube/v3/videos?uploadType=resumable&part=   starts a session (Location)
 *     PUT  /upload/youtube/v3/videos?...&upload_id=               chunks and probes
 *     GET  /sim-img/{w}x{h}/{name}.png                            thumbnails (simulator only)
 *
 * Choices where PLATFORMS.md is silent or unconfirmed:
 *   - A refresh token is issued only with access_type=offline: on the first
 *     consent of a client, or again when prompt includes consent, or when the
 *     earlier refresh token is dead.  It never rotates and never expires
 *     (7 days when SIM_GOOGLE_TESTING_APP=1, like an app in "Testing").
 *   - Revoking any token of a grant (POST /revoke) revokes the whole grant.
 *   - Recent uploads: both playlistItems of the uploads playlist
 *     (UU + the channel id's tail, from channels contentDetails) and
 *     search?forMine=true&type=video are answered, newest first.
 *   - videos.insert quota: SIM_YOUTUBE_INSERTS_PER_DAY (default 100) session
 *     starts per client per Pacific day, counted when a session starts; the
 *     10,000-unit quota of other calls is not simulated.
 *   - Processing takes sim_processing_polls("youtube") videos.list calls and
 *     fails (failed / transcodeFailed, uploadStatus failed / conversion) when
 *     sim_processing_fails("youtube") is set at the last poll, or
 *     (invalidFile) when the bytes are not a video container.
 *   - Only uploadType=resumable is accepted; chunks must start at the
 *     committed offset (bytes already received are skipped); a chunk that is
 *     not a multiple of 256 KiB and not the last gets 400.
 *   - Shorts are not detected: the URL is always /watch?v=ID.
 */
#define _GNU_SOURCE
#include "sim.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define G_SUB          "100000000000000000001"
#define G_NAME         "Sim Demo"
#define G_EMAIL        "demo@sim.example"
#define CHANNEL_ID     "UCsimDemo000000000000001"
#define UPLOADS_ID     "UUsimDemo000000000000001"
#define CHANNEL_TITLE  "Sim Demo Channel"
#define CHANNEL_HANDLE "@simdemochannel"
#define UPLOAD_PREFIX  "/google/upload"
#define ACCESS_TTL_S   3599LL
#define CODE_TTL_MS    (10LL * 60 * 1000)
#define SESSION_TTL_MS (7LL * 24 * 3600 * 1000)
#define TESTING_TTL_MS (7LL * 24 * 3600 * 1000)
#define CHUNK_UNIT     262144LL
#define MAX_VIDEO      274877906944LL
#define SCOPE_PREFIX   "https://www.googleapis.com/auth/"

/* Scopes the simulated app may ask for (after SCOPE_PREFIX), and the bare OpenID ones. */
static const char *const url_scopes[] = {"youtube",
                                         "youtube.upload",
                                         "youtube.readonly",
                                         "youtube.force-ssl",
                                         "youtubepartner",
                                         "yt-analytics.readonly",
                                         "yt-analytics-monetary.readonly",
                                         "userinfo.profile",
                                         "userinfo.email",
                                         NULL};
static const char *const bare_scopes[] = {"openid", "email", "profile", NULL};

/* Categories a video may be put in (assignable ones). */
static const char *const categories[] = {"1",  "2",  "10", "15", "17", "19", "20", "22",
                                         "23", "24", "25", "26", "27", "28", "29", NULL};

/* ---- configuration and small helpers ---- */

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v != NULL && *v ? v : dflt;
}

static const char *app_id(void)
{
    return env_or("SIM_GOOGLE_CLIENT_ID", "p2s-sim-google");
}

static const char *app_secret(void)
{
    return env_or("SIM_GOOGLE_CLIENT_SECRET", "p2s-sim-google-secret");
}

static long inserts_per_day(void)
{
    return strtol(env_or("SIM_YOUTUBE_INSERTS_PER_DAY", "100"), NULL, 10);
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

static int redirect_allowed(const char *uri)
{
    if (strncmp(uri, "http://", 7) != 0 && strncmp(uri, "https://", 8) != 0)
        return 0;
    if (strlen(uri) > 600 || strchr(uri, '#') != NULL)
        return 0;
    const char *list = getenv("SIM_GOOGLE_REDIRECT_URIS");
    return list == NULL || *list == '\0' || has_word(list, uri, ',');
}

/* The module's own part of the state: state.google[key], made on first use (under the lock). */
static json_t *bucket(sim *s, const char *key)
{
    json_t *st = sim_state(s);
    json_t *m = json_object_get(st, "google");
    if (!json_is_object(m)) {
        m = json_object();
        json_object_set_new(st, "google", m);
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

static size_t utf8_chars(const char *t)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

/* RFC 3339 UTC time of a simulated instant. */
static void iso_time(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The day number in US Pacific time (when YouTube quotas reset), DST included. */
static int64_t pacific_day(int64_t now_ms)
{
    int64_t t = now_ms / 1000;
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    int64_t y = tm.tm_year + 1900;
    int64_t mar1 = days_from_civil(y, 3, 1), nov1 = days_from_civil(y, 11, 1);
    int64_t dst_start = (mar1 + (7 - (mar1 + 4) % 7) % 7 + 7) * 86400 + 10 * 3600;
    int64_t dst_end = (nov1 + (7 - (nov1 + 4) % 7) % 7) * 86400 + 9 * 3600;
    int64_t local = t + (t >= dst_start && t < dst_end ? -7 : -8) * 3600;
    return local >= 0 ? local / 86400 : (local - 86399) / 86400;
}

/* ---- answers ---- */

static const char *status_name(int code)
{
    switch (code) {
    case 400:
        return "INVALID_ARGUMENT";
    case 401:
        return "UNAUTHENTICATED";
    case 403:
        return "PERMISSION_DENIED";
    case 404:
        return "NOT_FOUND";
    case 409:
        return "ABORTED";
    case 429:
        return "RESOURCE_EXHAUSTED";
    case 503:
        return "UNAVAILABLE";
    case 504:
        return "DEADLINE_EXCEEDED";
    default:
        return code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
    }
}

/* Google's API envelope {"error":{"code","message","errors":[{message,domain,reason}],"status"}}.
 */
static void g_error(sim_resp *out, int code, const char *domain, const char *reason,
                    const char *location, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void g_error(sim_resp *out, int code, const char *domain, const char *reason,
                    const char *location, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *m = json_string(msg);
    if (m == NULL)
        m = json_string("Bad Request");
    json_t *item = json_pack("{s:O, s:s, s:s}", "message", m, "domain", domain, "reason", reason);
    if (location != NULL) {
        json_object_set_new(item, "location", json_string(location));
        json_object_set_new(item, "locationType", json_string("parameter"));
    }
    json_t *err = json_pack("{s:i, s:o, s:[o]}", "code", code, "message", m, "errors", item);
    /* YouTube's quota errors come without a status. */
    if (strcmp(reason, "quotaExceeded") != 0)
        json_object_set_new(err, "status", json_string(status_name(code)));
    sim_reply_json(out, code, json_pack("{s:o}", "error", err));
}

static void oauth_error(sim_resp *out, int status, const char *err, const char *desc)
{
    sim_reply_json(out, status, json_pack("{s:s, s:s}", "error", err, "error_description", desc));
}

/* The page Google shows instead of redirecting ("Error 400: invalid_request ..."). */
static void error_page(sim_resp *out, int status, const char *err, const char *detail)
{
    char b[2048];
    snprintf(b, sizeof b,
             "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<title>Error %d (simulated Google)</title></head><body><h1>Access blocked: "
             "authorization error</h1><p>Error %d: %s</p><p>%s</p></body></html>",
             status, status, err, detail);
    sim_reply_text(out, status, "text/html; charset=utf-8", b);
}

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

static void random_id(char *out, size_t n)
{
    char buf[80];
    sim_random("", buf, sizeof buf);
    size_t l = strlen(buf) < n ? strlen(buf) : n;
    memcpy(out, buf, l);
    out[l] = '\0';
}

/* ---- OAuth ---- */

/* Issue a token of the grant (under the lock); the record is borrowed. */
static json_t *issue_token(sim *s, const char *kind, int64_t ttl_ms, const char *scope,
                           const char *family, const char *client)
{
    json_t *fields =
        json_pack("{s:s, s:s, s:s}", "scope", scope, "family", family, "client_id", client);
    json_t *rec = sim_token_issue(s, "google", kind, G_SUB, ttl_ms, fields);
    json_decref(fields);
    return rec;
}

/* 1 if the grant of this client still has a live refresh token (under the lock). */
static int grant_live(sim *s, const char *client)
{
    json_t *g = json_object_get(bucket(s, "grants"), client);
    json_t *rec = NULL;
    return g != NULL && str_of(g, "refresh") != NULL &&
           sim_token_check(s, "google", str_of(g, "refresh"), &rec) == TOK_OK;
}

/* Make a code for an approved request and send the user back with it. */
static void approve(sim *s, sim_req *r, sim_resp *out, json_t *req)
{
    char code[80], loc[1024];
    sim_random("4/0A", code, sizeof code);
    const char *client = str_of(req, "client_id"), *prompt = str_of(req, "prompt");
    sim_lock(s);
    int offline = json_is_true(json_object_get(req, "offline"));
    int refresh = offline && (!grant_live(s, client) || has_word(prompt, "consent", ' '));
    json_t *c = json_pack("{s:s, s:s, s:O, s:O, s:O, s:b, s:I, s:b}", "platform", "google",
                          "subject", G_SUB, "client_id", json_object_get(req, "client_id"),
                          "redirect_uri", json_object_get(req, "redirect_uri"), "scope",
                          json_object_get(req, "scope"), "refresh", refresh, "expires_at",
                          (json_int_t)(r->now_ms + CODE_TTL_MS), "used", 0);
    if (json_object_get(req, "code_challenge") != NULL) {
        json_object_set(c, "code_challenge", json_object_get(req, "code_challenge"));
        json_object_set(c, "code_challenge_method", json_object_get(req, "code_challenge_method"));
    }
    json_object_set_new(json_object_get(sim_state(s), "codes"), code, c);
    sim_unlock(s);
    snprintf(loc, sizeof loc, "%s", str_of(req, "redirect_uri"));
    add_param(loc, sizeof loc, "state", str_of(req, "state"));
    add_param(loc, sizeof loc, "code", code);
    add_param(loc, sizeof loc, "scope", str_of(req, "scope"));
    sim_redirect(out, loc);
}

static void redirect_error(sim_resp *out, const char *uri, const char *err, const char *state)
{
    char loc[1024];
    snprintf(loc, sizeof loc, "%s", uri);
    add_param(loc, sizeof loc, "error", err);
    add_param(loc, sizeof loc, "state", state);
    sim_redirect(out, loc);
}

/* GET /o/oauth2/v2/auth */
static void authorize(sim *s, sim_req *r, sim_resp *out)
{
    const char *cid = sim_query(r, "client_id"), *ru = sim_query(r, "redirect_uri");
    const char *rt = sim_query(r, "response_type"), *scope = sim_query(r, "scope");
    const char *state = sim_query(r, "state"), *at = sim_query(r, "access_type");
    const char *prompt = sim_query(r, "prompt"), *cc = sim_query(r, "code_challenge");
    const char *ccm = sim_query(r, "code_challenge_method");
    if (cid == NULL || strcmp(cid, app_id()) != 0) {
        error_page(out, 401, "invalid_client", "The OAuth client was not found.");
        return;
    }
    if (ru == NULL) {
        error_page(out, 400, "invalid_request", "Missing required parameter: redirect_uri");
        return;
    }
    if (!redirect_allowed(ru)) {
        error_page(out, 400, "redirect_uri_mismatch",
                   "The redirect URI in the request does not match the ones authorized for the "
                   "OAuth client.");
        return;
    }
    if (rt == NULL) {
        error_page(out, 400, "invalid_request", "Required parameter is missing: response_type");
        return;
    }
    if (strcmp(rt, "code") != 0) {
        error_page(out, 400, "unsupported_response_type",
                   "The simulator supports response_type=code only.");
        return;
    }
    if (scope == NULL || strspn(scope, " ") == strlen(scope)) {
        error_page(out, 400, "invalid_request", "Missing required parameter: scope");
        return;
    }
    if (state != NULL && strlen(state) > 300) {
        error_page(out, 400, "invalid_request", "The state parameter is too long (simulator).");
        return;
    }
    if (at != NULL && strcmp(at, "offline") != 0 && strcmp(at, "online") != 0) {
        error_page(out, 400, "invalid_request", "Invalid access_type.");
        return;
    }
    char words[1024], norm[1024] = "";
    snprintf(words, sizeof words, "%s", scope);
    char *save = NULL;
    for (char *w = strtok_r(words, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
        int ok = 0;
        for (int i = 0; bare_scopes[i] != NULL; i++)
            ok |= strcmp(w, bare_scopes[i]) == 0;
        if (strncmp(w, SCOPE_PREFIX, strlen(SCOPE_PREFIX)) == 0)
            for (int i = 0; url_scopes[i] != NULL; i++)
                ok |= strcmp(w + strlen(SCOPE_PREFIX), url_scopes[i]) == 0;
        if (!ok) {
            error_page(out, 400, "invalid_scope", "Some requested scopes were invalid.");
            return;
        }
        if (!has_word(norm, w, ' '))
            snprintf(norm + strlen(norm), sizeof norm - strlen(norm), "%s%s", norm[0] ? " " : "",
                     w);
    }
    if (prompt != NULL) {
        char pw[128];
        snprintf(pw, sizeof pw, "%s", prompt);
        int n = 0, none = 0;
        for (char *w = strtok_r(pw, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save), n++) {
            none |= strcmp(w, "none") == 0;
            if (strcmp(w, "none") != 0 && strcmp(w, "consent") != 0 &&
                strcmp(w, "select_account") != 0) {
                error_page(out, 400, "invalid_request", "Invalid prompt value.");
                return;
            }
        }
        if (none && n > 1) {
            error_page(out, 400, "invalid_request", "prompt=none cannot be combined.");
            return;
        }
    }
    if (cc != NULL) {
        if (ccm == NULL)
            ccm = "plain";
        if ((strcmp(ccm, "S256") != 0 && strcmp(ccm, "plain") != 0) || strlen(cc) < 43 ||
            strlen(cc) > 128) {
            error_page(out, 400, "invalid_request", "Invalid code_challenge or its method.");
            return;
        }
    }
    json_t *req = json_pack("{s:s, s:s, s:s, s:b, s:I}", "client_id", cid, "redirect_uri", ru,
                            "scope", norm, "offline", at != NULL && strcmp(at, "offline") == 0,
                            "expires_at", (json_int_t)(r->now_ms + CODE_TTL_MS));
    if (state != NULL)
        json_object_set_new(req, "state", json_string(state));
    if (prompt != NULL)
        json_object_set_new(req, "prompt", json_string(prompt));
    if (cc != NULL) {
        json_object_set_new(req, "code_challenge", json_string(cc));
        json_object_set_new(req, "code_challenge_method", json_string(ccm));
    }
    if (prompt != NULL && has_word(prompt, "none", ' ')) {
        sim_lock(s);
        int live = json_object_get(bucket(s, "grants"), cid) != NULL;
        sim_unlock(s);
        if (live)
            approve(s, r, out, req);
        else
            redirect_error(out, ru, "consent_required", state);
        json_decref(req);
        return;
    }
    char pid[40];
    sim_random("gp", pid, sizeof pid);
    sim_lock(s);
    json_object_set_new(bucket(s, "pending"), pid, req);
    sim_unlock(s);
    char allow[512], deny[512];
    snprintf(allow, sizeof allow, "%s%s/o/oauth2/v2/sim-consent?pending=%s&decision=allow",
             r->base_url, r->prefix, pid);
    snprintf(deny, sizeof deny, "%s%s/o/oauth2/v2/sim-consent?pending=%s&decision=deny",
             r->base_url, r->prefix, pid);
    sim_consent(s, r, out, "Sign in with Google", G_NAME " (" G_EMAIL ")", norm, allow, deny);
}

/* GET /o/oauth2/v2/sim-consent?pending=&decision=allow|deny */
static void consent_decision(sim *s, sim_req *r, sim_resp *out)
{
    const char *pid = sim_query(r, "pending"), *d = sim_query(r, "decision");
    sim_lock(s);
    json_t *pend = bucket(s, "pending");
    json_t *req = pid != NULL ? json_object_get(pend, pid) : NULL;
    if (req == NULL || d == NULL ||
        json_integer_value(json_object_get(req, "expires_at")) <= r->now_ms) {
        sim_unlock(s);
        error_page(out, 400, "invalid_request", "This sign-in request has expired.");
        return;
    }
    json_incref(req);
    json_object_del(pend, pid);
    sim_unlock(s);
    if (strcmp(d, "allow") == 0)
        approve(s, r, out, req);
    else
        redirect_error(out, str_of(req, "redirect_uri"), "access_denied", str_of(req, "state"));
    json_decref(req);
}

/* 1 if the PKCE verifier matches the challenge. */
static int pkce_ok(const char *challenge, const char *method, const char *verifier)
{
    if (strcmp(method, "plain") == 0)
        return strcmp(challenge, verifier) == 0;
    unsigned char h[crypto_hash_sha256_BYTES];
    char b64[64];
    crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
    sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return strcmp(b64, challenge) == 0;
}

/* POST /token */
static void token_endpoint(sim *s, sim_req *r, sim_resp *out)
{
    const char *ct = sim_header(r, "Content-Type");
    if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
        oauth_error(out, 400, "invalid_request",
                    "The request body must be application/x-www-form-urlencoded.");
        return;
    }
    char basic[512];
    const char *cid = sim_form(r, "client_id"), *secret = sim_form(r, "client_secret");
    if (cid == NULL && sim_basic(r, basic, sizeof basic) == 0) {
        char *colon = strchr(basic, ':');
        *colon = '\0';
        cid = basic;
        secret = colon + 1;
    }
    if (cid == NULL) {
        oauth_error(out, 400, "invalid_request", "Could not determine client ID from request.");
        return;
    }
    if (strcmp(cid, app_id()) != 0) {
        oauth_error(out, 401, "invalid_client", "The OAuth client was not found.");
        return;
    }
    if (secret == NULL || strcmp(secret, app_secret()) != 0) {
        oauth_error(out, 401, "invalid_client", "Unauthorized");
        return;
    }
    const char *gt = sim_form(r, "grant_type");
    int testing = strcmp(env_or("SIM_GOOGLE_TESTING_APP", "0"), "1") == 0;
    if (gt != NULL && strcmp(gt, "authorization_code") == 0) {
        const char *code = sim_form(r, "code"), *ru = sim_form(r, "redirect_uri");
        const char *ver = sim_form(r, "code_verifier");
        if (code == NULL) {
            oauth_error(out, 400, "invalid_request", "Missing required parameter: code");
            return;
        }
        if (ru == NULL) {
            oauth_error(out, 400, "invalid_request", "Missing parameter: redirect_uri");
            return;
        }
        sim_lock(s);
        json_t *c = json_object_get(json_object_get(sim_state(s), "codes"), code);
        const char *err = NULL, *desc = "Bad Request";
        if (c == NULL || strcmp(str_of(c, "platform"), "google") != 0 ||
            json_is_true(json_object_get(c, "used")) ||
            json_integer_value(json_object_get(c, "expires_at")) <= r->now_ms ||
            strcmp(str_of(c, "client_id"), cid) != 0) {
            err = "invalid_grant";
        } else if (strcmp(str_of(c, "redirect_uri"), ru) != 0) {
            err = "redirect_uri_mismatch";
        } else if (str_of(c, "code_challenge") != NULL) {
            if (ver == NULL) {
                err = "invalid_grant";
                desc = "Missing code verifier.";
            } else if (!pkce_ok(str_of(c, "code_challenge"), str_of(c, "code_challenge_method"),
                                ver)) {
                err = "invalid_grant";
                desc = "Invalid code verifier.";
            }
        }
        if (err != NULL) {
            sim_unlock(s);
            oauth_error(out, 400, err, desc);
            return;
        }
        json_object_set_new(c, "used", json_true());
        const char *scope = str_of(c, "scope");
        json_t *grants = bucket(s, "grants");
        json_t *g = json_object_get(grants, cid);
        if (g == NULL) {
            char fam[64];
            sim_random("google-", fam, sizeof fam);
            g = json_pack("{s:s}", "family", fam);
            json_object_set_new(grants, cid, g);
        }
        const char *fam = str_of(g, "family");
        json_t *acc = issue_token(s, "access", ACCESS_TTL_S * 1000, scope, fam, cid);
        json_t *body = json_pack("{s:s, s:I}", "access_token", str_of(acc, "token"), "expires_in",
                                 (json_int_t)ACCESS_TTL_S);
        if (json_is_true(json_object_get(c, "refresh"))) {
            json_t *ref = issue_token(s, "refresh", testing ? TESTING_TTL_MS : 0, scope, fam, cid);
            json_object_set_new(body, "refresh_token", json_string(str_of(ref, "token")));
            json_object_set_new(g, "refresh", json_string(str_of(ref, "token")));
            if (testing)
                json_object_set_new(body, "refresh_token_expires_in",
                                    json_integer(TESTING_TTL_MS / 1000));
        }
        json_object_set_new(body, "scope", json_string(scope));
        json_object_set_new(body, "token_type", json_string("Bearer"));
        sim_unlock(s);
        sim_reply_json(out, 200, body);
        return;
    }
    if (gt != NULL && strcmp(gt, "refresh_token") == 0) {
        const char *rt = sim_form(r, "refresh_token");
        if (rt == NULL) {
            oauth_error(out, 400, "invalid_request", "Missing required parameter: refresh_token");
            return;
        }
        sim_lock(s);
        json_t *rec = NULL;
        sim_tok st = sim_token_check(s, "google", rt, &rec);
        if (st == TOK_INVALID || strcmp(str_of(rec, "kind"), "refresh") != 0 || st != TOK_OK) {
            sim_unlock(s);
            oauth_error(out, 400, "invalid_grant", "Token has been expired or revoked.");
            return;
        }
        if (strcmp(str_of(rec, "client_id"), cid) != 0) {
            sim_unlock(s);
            oauth_error(out, 400, "unauthorized_client", "Unauthorized");
            return;
        }
        const char *scope = str_of(rec, "scope");
        json_t *acc =
            issue_token(s, "access", ACCESS_TTL_S * 1000, scope, str_of(rec, "family"), cid);
        json_t *body =
            json_pack("{s:s, s:I, s:s, s:s}", "access_token", str_of(acc, "token"), "expires_in",
                      (json_int_t)ACCESS_TTL_S, "scope", scope, "token_type", "Bearer");
        sim_unlock(s);
        sim_reply_json(out, 200, body);
        return;
    }
    char desc[160];
    snprintf(desc, sizeof desc, "Invalid grant_type: %.100s", gt != NULL ? gt : "");
    oauth_error(out, 400, "unsupported_grant_type", desc);
}

/* POST /revoke?token= (or token in a form body) */
static void revoke(sim *s, sim_req *r, sim_resp *out)
{
    const char *tok = sim_query(r, "token");
    if (tok == NULL)
        tok = sim_form(r, "token");
    if (tok == NULL) {
        oauth_error(out, 400, "invalid_request", "Missing required parameter: token");
        return;
    }
    sim_lock(s);
    json_t *rec = NULL;
    sim_tok st = sim_token_check(s, "google", tok, &rec);
    if (st != TOK_OK) {
        sim_unlock(s);
        oauth_error(out, 400, "invalid_token", "Token expired or revoked");
        return;
    }
    char fam[128];
    snprintf(fam, sizeof fam, "%s", str_of(rec, "family") != NULL ? str_of(rec, "family") : "");
    if (fam[0]) {
        sim_family_revoke(s, fam);
        json_t *grants = bucket(s, "grants");
        const char *k;
        json_t *g, *tmp;
        json_object_foreach_safe(grants, tmp, k, g)
        {
            if (strcmp(str_of(g, "family"), fam) == 0)
                json_object_del(grants, k);
        }
    } else {
        sim_token_revoke(s, tok);
    }
    sim_unlock(s);
    sim_reply_empty(out, 200);
}

/* ---- API access ---- */

/* The Bearer token's record (a copy; caller frees), or NULL with the 401 answered. */
static json_t *check_token(sim *s, sim_req *r, sim_resp *out)
{
    const char *tok = sim_bearer(r);
    if (tok == NULL) {
        g_error(out, 401, "global", "required", NULL,
                "Request is missing required authentication credential. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential. See "
                "https://developers.google.com/identity/sign-in/web/devconsole-project.");
        sim_add_header(out, "WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
        return NULL;
    }
    sim_lock(s);
    json_t *rec = NULL;
    sim_tok st = sim_token_check(s, "google", tok, &rec);
    json_t *copy =
        st == TOK_OK && strcmp(str_of(rec, "kind"), "access") == 0 ? json_deep_copy(rec) : NULL;
    sim_unlock(s);
    if (copy != NULL)
        return copy;
    json_t *item =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "message", "Invalid Credentials", "domain", "global",
                  "reason", "authError", "location", "Authorization", "locationType", "header");
    sim_reply_json(
        out, 401,
        json_pack("{s:{s:i, s:s, s:[o], s:s}}", "error", "code", 401, "message",
                  "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                  "login cookie or other valid authentication credential. See "
                  "https://developers.google.com/identity/sign-in/web/devconsole-project.",
                  "errors", item, "status", "UNAUTHENTICATED"));
    sim_add_header(out, "WWW-Authenticate",
                   "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"");
    return NULL;
}

/* 0 if the token has one of the scopes (after SCOPE_PREFIX), else 403 answered. */
static int need_scope(json_t *tok, sim_resp *out, const char *const *any)
{
    const char *have = str_of(tok, "scope");
    for (int i = 0; any[i] != NULL; i++) {
        char full[128];
        snprintf(full, sizeof full, "%s%s", SCOPE_PREFIX, any[i]);
        if (has_word(have, full, ' '))
            return 0;
    }
    json_t *item = json_pack("{s:s, s:s, s:s}", "message", "Insufficient Permission", "domain",
                             "global", "reason", "insufficientPermissions");
    sim_reply_json(out, 403,
                   json_pack("{s:{s:i, s:s, s:[o], s:s}}", "error", "code", 403, "message",
                             "Request had insufficient authentication scopes.", "errors", item,
                             "status", "PERMISSION_DENIED"));
    return -1;
}

static const char *const read_scopes[] = {"youtube.readonly", "youtube", "youtube.force-ssl",
                                          "youtubepartner", NULL};
static const char *const upload_scopes[] = {"youtube.upload", "youtube", "youtube.force-ssl",
                                            "youtubepartner", NULL};

/* Check the part parameter against the allowed parts; 0 or -1 (answered). */
static int check_part(sim_req *r, sim_resp *out, const char *const *allowed)
{
    const char *part = sim_query(r, "part");
    if (part == NULL || *part == '\0') {
        g_error(out, 400, "global", "required", "part", "Required parameter: part");
        return -1;
    }
    char copy[256];
    snprintf(copy, sizeof copy, "%s", part);
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
        while (*w == ' ')
            w++;
        int ok = 0;
        for (int i = 0; allowed[i] != NULL; i++)
            ok |= strcmp(w, allowed[i]) == 0;
        if (!ok) {
            g_error(out, 400, "youtube.part", "unknownPart", "part", "'%.100s'", w);
            return -1;
        }
    }
    return 0;
}

static int want_part(const char *parts, const char *p)
{
    char copy[256];
    snprintf(copy, sizeof copy, "%s", parts != NULL ? parts : "");
    char *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
        while (*w == ' ')
            w++;
        if (strcmp(w, p) == 0)
            return 1;
    }
    return 0;
}

/* ---- images ---- */

/* GET /sim-img/{w}x{h}/{name}.png: a generated picture, coloured by name. */
static void sim_image(sim_resp *out, const char *size, const char *name)
{
    int w = 0, h = 0;
    if (sscanf(size, "%dx%d", &w, &h) != 2 || w < 1 || h < 1 || w > 1280 || h > 1280) {
        sim_reply_empty(out, 404);
        return;
    }
    uint32_t hash = 2166136261u;
    for (const char *p = name; *p; p++)
        hash = (hash ^ (unsigned char)*p) * 16777619u;
    unsigned char *rgb = malloc((size_t)w * (size_t)h * 3), *png = NULL;
    size_t len = 0;
    if (rgb == NULL) {
        sim_reply_empty(out, 500);
        return;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned char *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
            p[0] = (unsigned char)(((hash >> 16) & 0xFF) * (unsigned)(w - x) / (unsigned)w);
            p[1] = (unsigned char)((hash >> 8) & 0xFF);
            p[2] = (unsigned char)((hash & 0xFF) * (unsigned)(h - y) / (unsigned)h + 40);
        }
    if (sim_png(rgb, w, h, &png, &len) == 0)
        sim_reply_bytes(out, 200, "image/png", png, len);
    else
        sim_reply_empty(out, 500);
    free(rgb);
    free(png);
}

/* {"default":{url,width,height},...} for an image name. */
static json_t *thumbnails(const sim_req *r, const char *name, int square)
{
    static const int sq[3][2] = {{88, 88}, {240, 240}, {800, 800}};
    static const int wide[3][2] = {{120, 90}, {320, 180}, {480, 360}};
    static const char *const keys[3] = {"default", "medium", "high"};
    json_t *t = json_object();
    for (int i = 0; i < 3; i++) {
        int w = square ? sq[i][0] : wide[i][0], h = square ? sq[i][1] : wide[i][1];
        char url[512];
        snprintf(url, sizeof url, "%s/google/api/sim-img/%dx%d/%s.png", r->base_url, w, h, name);
        json_object_set_new(t, keys[i],
                            json_pack("{s:s, s:i, s:i}", "url", url, "width", w, "height", h));
    }
    return t;
}

/* ---- videos ---- */

/* 1 if the bytes start like a video container (MP4/MOV, WebM/MKV, AVI, FLV, MPEG-TS). */
static int is_video(const unsigned char *b, size_t n)
{
    return (n > 12 && memcmp(b + 4, "ftyp", 4) == 0) ||
           (n > 4 && memcmp(b, "\x1a\x45\xdf\xa3", 4) == 0) ||
           (n > 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "AVI ", 4) == 0) ||
           (n > 3 && memcmp(b, "FLV", 3) == 0) || (n > 188 && b[0] == 0x47 && b[188] == 0x47);
}

/* Advance a video's processing by one poll (under the lock). */
static void poll_processing(sim *s, json_t *v)
{
    if (strcmp(str_of(v, "processing"), "processing") != 0)
        return;
    json_int_t left = json_integer_value(json_object_get(v, "polls_left"));
    if (left > 0) {
        json_object_set_new(v, "polls_left", json_integer(left - 1));
        return;
    }
    int bad = json_is_true(json_object_get(v, "bad_file"));
    int fail = bad || sim_processing_fails(s, "youtube");
    json_object_set_new(v, "processing", json_string(fail ? "failed" : "succeeded"));
    json_object_set_new(v, "processed_at", json_integer(sim_now(s)));
    if (fail)
        json_object_set_new(v, "failure", json_string(bad ? "invalidFile" : "conversion"));
}

/* The statistics of a video: strings, growing with simulated time once processed. */
static json_t *statistics(json_t *v, int64_t now)
{
    json_int_t views = 0;
    if (strcmp(str_of(v, "processing"), "succeeded") == 0) {
        int64_t minutes = (now - json_integer_value(json_object_get(v, "processed_at"))) / 60000;
        views = minutes > 0 ? (json_int_t)minutes * 2 : 0;
    }
    char vc[32], lc[32], cc[32];
    snprintf(vc, sizeof vc, "%lld", (long long)views);
    snprintf(lc, sizeof lc, "%lld", (long long)(views / 20));
    snprintf(cc, sizeof cc, "%lld", (long long)(views / 100));
    return json_pack("{s:s, s:s, s:s, s:s}", "viewCount", vc, "likeCount", lc, "favoriteCount", "0",
                     "commentCount", cc);
}

static json_t *video_snippet(const sim_req *r, json_t *v)
{
    char when[32], thumb[64];
    iso_time(json_integer_value(json_object_get(v, "uploaded_at")), when, sizeof when);
    snprintf(thumb, sizeof thumb, "vi-%s", str_of(v, "id"));
    json_t *sn = json_pack("{s:s, s:s, s:O, s:O, s:o, s:s}", "publishedAt", when, "channelId",
                           CHANNEL_ID, "title", json_object_get(v, "title"), "description",
                           json_object_get(v, "description"), "thumbnails", thumbnails(r, thumb, 0),
                           "channelTitle", CHANNEL_TITLE);
    if (json_array_size(json_object_get(v, "tags")) > 0)
        json_object_set(sn, "tags", json_object_get(v, "tags"));
    json_object_set(sn, "categoryId", json_object_get(v, "categoryId"));
    json_object_set_new(sn, "liveBroadcastContent", json_string("none"));
    json_object_set_new(sn, "localized",
                        json_pack("{s:O, s:O}", "title", json_object_get(v, "title"), "description",
                                  json_object_get(v, "description")));
    return sn;
}

/* A video resource with the requested parts (under the lock). */
static json_t *video_json(const sim_req *r, json_t *v, const char *parts)
{
    const char *id = str_of(v, "id"), *proc = str_of(v, "processing");
    char etag[64];
    snprintf(etag, sizeof etag, "simEtag-%s-%s", id, proc);
    json_t *o = json_pack("{s:s, s:s, s:s}", "kind", "youtube#video", "etag", etag, "id", id);
    if (want_part(parts, "snippet"))
        json_object_set_new(o, "snippet", video_snippet(r, v));
    if (want_part(parts, "status")) {
        const char *upload = strcmp(proc, "succeeded") == 0 ? "processed"
                             : strcmp(proc, "failed") == 0  ? "failed"
                                                            : "uploaded";
        json_t *st = json_pack("{s:s}", "uploadStatus", upload);
        if (strcmp(proc, "failed") == 0)
            json_object_set(st, "failureReason", json_object_get(v, "failure"));
        json_object_set(st, "privacyStatus", json_object_get(v, "privacyStatus"));
        if (json_object_get(v, "publishAt") != NULL)
            json_object_set(st, "publishAt", json_object_get(v, "publishAt"));
        json_object_set_new(st, "license", json_string("youtube"));
        json_object_set_new(st, "embeddable", json_true());
        json_object_set_new(st, "publicStatsViewable", json_true());
        json_object_set(st, "madeForKids", json_object_get(v, "madeForKids"));
        if (json_object_get(v, "selfDeclaredMadeForKids") != NULL)
            json_object_set(st, "selfDeclaredMadeForKids",
                            json_object_get(v, "selfDeclaredMadeForKids"));
        json_object_set_new(o, "status", st);
    }
    if (want_part(parts, "processingDetails")) {
        json_t *pd = json_pack("{s:s}", "processingStatus", proc);
        if (strcmp(proc, "processing") == 0) {
            json_int_t left = json_integer_value(json_object_get(v, "polls_left"));
            json_object_set_new(pd, "processingProgress",
                                json_pack("{s:s, s:s, s:s}", "partsTotal", "1000", "partsProcessed",
                                          left > 0 ? "400" : "800", "timeLeftMs",
                                          left > 0 ? "10000" : "5000"));
        } else if (strcmp(proc, "failed") == 0) {
            json_object_set_new(pd, "processingFailureReason",
                                json_string(json_is_true(json_object_get(v, "bad_file"))
                                                ? "uploadFailed"
                                                : "transcodeFailed"));
        } else {
            json_object_set_new(pd, "fileDetailsAvailability", json_string("available"));
            json_object_set_new(pd, "processingIssuesAvailability", json_string("available"));
            json_object_set_new(pd, "thumbnailsAvailability", json_string("available"));
        }
        json_object_set_new(o, "processingDetails", pd);
    }
    if (want_part(parts, "statistics"))
        json_object_set_new(o, "statistics", statistics(v, r->now_ms));
    if (want_part(parts, "contentDetails"))
        json_object_set_new(o, "contentDetails",
                            json_pack("{s:s, s:s, s:s, s:s, s:b, s:{}, s:s}", "duration", "PT0S",
                                      "dimension", "2d", "definition", "hd", "caption", "false",
                                      "licensedContent", 0, "contentRating", "projection",
                                      "rectangular"));
    return o;
}

/* Videos of the channel, newest first (under the lock): an array of borrowed records. */
static json_t *channel_videos(sim *s)
{
    json_t *list = json_array(), *videos = bucket(s, "videos");
    json_t *posts = json_object_get(sim_state(s), "posts");
    for (size_t i = json_array_size(posts); i-- > 0;) {
        json_t *p = json_array_get(posts, i);
        if (strcmp(str_of(p, "platform"), "youtube") != 0)
            continue;
        json_t *v = json_object_get(videos, str_of(p, "id"));
        if (v != NULL)
            json_array_append(list, v);
    }
    return list;
}

/* maxResults and the offset from pageToken ("SIMPn"); -1 if invalid (answered). */
static int paging(sim_req *r, sim_resp *out, long *max, long *offset)
{
    const char *m = sim_query(r, "maxResults"), *pt = sim_query(r, "pageToken");
    *max = m != NULL ? strtol(m, NULL, 10) : 5;
    *offset = 0;
    if (*max < 0 || *max > 50) {
        g_error(out, 400, "youtube.parameter", "invalidValue", "maxResults",
                "Invalid value '%.20s'. Values must be within the range: [0, 50]", m);
        return -1;
    }
    if (pt != NULL) {
        if (strncmp(pt, "SIMP", 4) != 0 || (*offset = strtol(pt + 4, NULL, 10)) < 0) {
            g_error(out, 400, "youtube.parameter", "invalidPageToken", "pageToken",
                    "The request specifies an invalid page token.");
            return -1;
        }
    }
    return 0;
}

static void list_reply(sim_resp *out, const char *kind, json_t *items, long total, long max,
                       long offset)
{
    json_t *b = json_pack("{s:s, s:s}", "kind", kind, "etag", "simEtag-list");
    char tok[32];
    if (offset + max < total) {
        snprintf(tok, sizeof tok, "SIMP%ld", offset + max);
        json_object_set_new(b, "nextPageToken", json_string(tok));
    }
    if (offset > 0) {
        snprintf(tok, sizeof tok, "SIMP%ld", offset - max > 0 ? offset - max : 0);
        json_object_set_new(b, "prevPageToken", json_string(tok));
    }
    json_object_set_new(b, "pageInfo",
                        json_pack("{s:I, s:I}", "totalResults", (json_int_t)total, "resultsPerPage",
                                  (json_int_t)max));
    json_object_set_new(b, "items", items);
    sim_reply_json(out, 200, b);
}

/* GET /youtube/v3/channels */
static void channels_list(sim *s, sim_req *r, sim_resp *out)
{
    static const char *const parts[] = {"id",           "snippet",       "contentDetails",
                                        "statistics",   "status",        "brandingSettings",
                                        "topicDetails", "localizations", NULL};
    json_t *tok = check_token(s, r, out);
    if (tok == NULL)
        return;
    int bad = need_scope(tok, out, read_scopes) != 0 || check_part(r, out, parts) != 0;
    json_decref(tok);
    if (bad)
        return;
    const char *mine = sim_query(r, "mine"), *id = sim_query(r, "id");
    const char *handle = sim_query(r, "forHandle");
    if (mine == NULL && id == NULL && handle == NULL) {
        g_error(out, 400, "youtube.parameter", "missingRequiredParameter", NULL,
                "No filter selected. Expected one of: forUsername, managedByMe, categoryId, mine, "
                "mySubscribers, id, idParam, forHandle");
        return;
    }
    int match = (mine != NULL && strcmp(mine, "true") == 0) ||
                (id != NULL && has_word(id, CHANNEL_ID, ',')) ||
                (handle != NULL && (strcasecmp(handle, CHANNEL_HANDLE) == 0 ||
                                    strcasecmp(handle, CHANNEL_HANDLE + 1) == 0));
    const char *part = sim_query(r, "part");
    json_t *items = json_array();
    if (match) {
        json_t *c = json_pack("{s:s, s:s, s:s}", "kind", "youtube#channel", "etag",
                              "simEtag-channel", "id", CHANNEL_ID);
        if (want_part(part, "snippet"))
            json_object_set_new(
                c, "snippet",
                json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:s}, s:s}", "title", CHANNEL_TITLE,
                          "description", "The platform simulator's demo channel.", "customUrl",
                          CHANNEL_HANDLE, "publishedAt", "2020-01-01T00:00:00Z", "thumbnails",
                          thumbnails(r, "channel", 1), "localized", "title", CHANNEL_TITLE,
                          "description", "The platform simulator's demo channel.", "country",
                          "US"));
        if (want_part(part, "contentDetails"))
            json_object_set_new(c, "contentDetails",
                                json_pack("{s:{s:s, s:s}}", "relatedPlaylists", "likes", "",
                                          "uploads", UPLOADS_ID));
        if (want_part(part, "statistics")) {
            sim_lock(s);
            json_t *vids = channel_videos(s);
            json_int_t views = 0;
            size_t i;
            json_t *v;
            json_array_foreach(vids, i, v)
            {
                json_t *st = statistics(v, r->now_ms);
                views += strtoll(str_of(st, "viewCount"), NULL, 10);
                json_decref(st);
            }
            size_t n = json_array_size(vids);
            json_decref(vids);
            sim_unlock(s);
            char vc[32], nc[32];
            snprintf(vc, sizeof vc, "%lld", (long long)views);
            snprintf(nc, sizeof nc, "%zu", n);
            json_object_set_new(c, "statistics",
                                json_pack("{s:s, s:s, s:b, s:s}", "viewCount", vc,
                                          "subscriberCount", "42", "hiddenSubscriberCount", 0,
                                          "videoCount", nc));
        }
        if (want_part(part, "status"))
            json_object_set_new(c, "status",
                                json_pack("{s:s, s:b, s:s, s:b}", "privacyStatus", "public",
                                          "isLinked", 1, "longUploadsStatus", "allowed",
                                          "madeForKids", 0));
        json_array_append_new(items, c);
    }
    list_reply(out, "youtube#channelListResponse", items, match ? 1 : 0, 5, 0);
}

/* GET /youtube/v3/videos?id= */
static void videos_list(sim *s, sim_req *r, sim_resp *out)
{
    static const char *const parts[] = {"id",
                                        "snippet",
                                        "contentDetails",
                                        "fileDetails",
                                        "liveStreamingDetails",
                                        "player",
                                        "processingDetails",
                                        "recordingDetails",
                                        "statistics",
                                        "status",
                                        "suggestions",
                                        "topicDetails",
                                        "localizations",
                                        "paidProductPlacementDetails",
                                        NULL};
    json_t *tok = check_token(s, r, out);
    if (tok == NULL)
        return;
    int bad = need_scope(tok, out, read_scopes) != 0 || check_part(r, out, parts) != 0;
    json_decref(tok);
    if (bad)
        return;
    const char *ids = sim_query(r, "id");
    if (ids == NULL) {
        g_error(out, 400, "youtube.parameter", "missingRequiredParameter", NULL,
                "No filter selected. Expected one of: myRating, chart, id");
        return;
    }
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", ids);
    json_t *items = json_array();
    char *save = NULL;
    sim_lock(s);
    json_t *videos = bucket(s, "videos");
    for (char *w = strtok_r(copy, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
        json_t *v = json_object_get(videos, w);
        if (v == NULL)
            continue;
        poll_processing(s, v);
        json_array_append_new(items, video_json(r, v, sim_query(r, "part")));
    }
    sim_unlock(s);
    long n = (long)json_array_size(items);
    list_reply(out, "youtube#videoListResponse", items, n, n, 0);
}

/* GET /youtube/v3/playlistItems?playlistId={uploads} */
static void playlist_items(sim *s, sim_req *r, sim_resp *out)
{
    static const char *const parts[] = {"id", "snippet", "contentDetails", "status", NULL};
    json_t *tok = check_token(s, r, out);
    if (tok == NULL)
        return;
    int bad = need_scope(tok, out, read_scopes) != 0 || check_part(r, out, parts) != 0;
    json_decref(tok);
    long max = 0, offset = 0;
    if (bad || paging(r, out, &max, &offset) != 0)
        return;
    const char *pl = sim_query(r, "playlistId");
    if (pl == NULL && sim_query(r, "id") == NULL) {
        g_error(out, 400, "youtube.parameter", "missingRequiredParameter", NULL,
                "No filter selected. Expected one of: id, playlistId");
        return;
    }
    if (pl == NULL || strcmp(pl, UPLOADS_ID) != 0) {
        g_error(out, 404, "youtube.playlistItem", "playlistNotFound", "playlistId",
                "The playlist identified with the request's <code>playlistId</code> parameter "
                "cannot be found.");
        return;
    }
    const char *part = sim_query(r, "part");
    json_t *items = json_array();
    sim_lock(s);
    json_t *vids = channel_videos(s);
    long total = (long)json_array_size(vids);
    for (long i = offset; i < total && i < offset + max; i++) {
        json_t *v = json_array_get(vids, (size_t)i);
        char when[32], iid[64];
        iso_time(json_integer_value(json_object_get(v, "uploaded_at")), when, sizeof when);
        snprintf(iid, sizeof iid, "SIMPLI%s", str_of(v, "id"));
        json_t *it = json_pack("{s:s, s:s, s:s}", "kind", "youtube#playlistItem", "etag",
                               "simEtag-item", "id", iid);
        if (want_part(part, "snippet")) {
            json_t *sn = video_snippet(r, v);
            json_object_del(sn, "tags");
            json_object_del(sn, "categoryId");
            json_object_del(sn, "liveBroadcastContent");
            json_object_del(sn, "localized");
            json_object_set_new(sn, "playlistId", json_string(UPLOADS_ID));
            json_object_set_new(sn, "position", json_integer(i));
            json_object_set_new(
                sn, "resourceId",
                json_pack("{s:s, s:s}", "kind", "youtube#video", "videoId", str_of(v, "id")));
            json_object_set_new(sn, "videoOwnerChannelTitle", json_string(CHANNEL_TITLE));
            json_object_set_new(sn, "videoOwnerChannelId", json_string(CHANNEL_ID));
            json_object_set_new(it, "snippet", sn);
        }
        if (want_part(part, "contentDetails"))
            json_object_set_new(
                it, "contentDetails",
                json_pack("{s:s, s:s}", "videoId", str_of(v, "id"), "videoPublishedAt", when));
        if (want_part(part, "status"))
            json_object_set_new(
                it, "status",
                json_pack("{s:O}", "privacyStatus", json_object_get(v, "privacyStatus")));
        json_array_append_new(items, it);
    }
    json_decref(vids);
    sim_unlock(s);
    list_reply(out, "youtube#playlistItemListResponse", items, total, max, offset);
}

/* GET /youtube/v3/search?forMine=true&type=video */
static void search(sim *s, sim_req *r, sim_resp *out)
{
    static const char *const parts[] = {"snippet", "id", NULL};
    json_t *tok = check_token(s, r, out);
    if (tok == NULL)
        return;
    int bad = need_scope(tok, out, read_scopes) != 0 || check_part(r, out, parts) != 0;
    json_decref(tok);
    long max = 0, offset = 0;
    if (bad || paging(r, out, &max, &offset) != 0)
        return;
    const char *mine = sim_query(r, "forMine"), *type = sim_query(r, "type");
    if (mine == NULL || strcmp(mine, "true") != 0) {
        g_error(out, 400, "youtube.search", "invalidSearchFilter", NULL,
                "The simulator answers search only with forMine=true.");
        return;
    }
    if (type == NULL || strcmp(type, "video") != 0) {
        g_error(out, 400, "youtube.search", "invalidSearchFilter", NULL,
                "The request contains an invalid combination of search filters and/or "
                "restrictions. Note that you must set the type parameter to video if you set "
                "the forMine parameter to true.");
        return;
    }
    const char *part = sim_query(r, "part");
    json_t *items = json_array();
    sim_lock(s);
    json_t *vids = channel_videos(s);
    long total = (long)json_array_size(vids);
    for (long i = offset; i < total && i < offset + max; i++) {
        json_t *v = json_array_get(vids, (size_t)i);
        json_t *it =
            json_pack("{s:s, s:s, s:{s:s, s:s}}", "kind", "youtube#searchResult", "etag",
                      "simEtag-search", "id", "kind", "youtube#video", "videoId", str_of(v, "id"));
        if (want_part(part, "snippet")) {
            json_t *sn = video_snippet(r, v);
            json_object_del(sn, "tags");
            json_object_del(sn, "categoryId");
            json_object_del(sn, "localized");
            json_object_set(sn, "publishTime", json_object_get(sn, "publishedAt"));
            json_object_set_new(it, "snippet", sn);
        }
        json_array_append_new(items, it);
    }
    json_decref(vids);
    sim_unlock(s);
    list_reply(out, "youtube#searchListResponse", items, total, max, offset);
}

/* ---- resumable upload ---- */

/* Validate the metadata of videos.insert; 0 or -1 (answered). */
static int check_metadata(json_t *meta, sim_resp *out, int64_t now)
{
    json_t *sn = json_object_get(meta, "snippet"), *st = json_object_get(meta, "status");
    const char *title = str_of(sn, "title");
    if (title == NULL || *title == '\0' || utf8_chars(title) > 100 || strpbrk(title, "<>")) {
        g_error(out, 400, "youtube.video", "invalidTitle", NULL,
                "The request metadata specifies an invalid or empty video title.");
        return -1;
    }
    json_t *desc = json_object_get(sn, "description");
    if (desc != NULL && (!json_is_string(desc) || json_string_length(desc) > 5000 ||
                         strpbrk(json_string_value(desc), "<>"))) {
        g_error(out, 400, "youtube.video", "invalidDescription", NULL,
                "The request metadata specifies an invalid video description.");
        return -1;
    }
    json_t *tags = json_object_get(sn, "tags");
    if (tags != NULL) {
        size_t total = 0, i;
        json_t *t;
        int ok = json_is_array(tags);
        json_array_foreach(tags, i, t)
        {
            const char *tv = json_string_value(t);
            if (tv == NULL || strpbrk(tv, "<>") != NULL) {
                ok = 0;
                break;
            }
            total += utf8_chars(tv) + (strchr(tv, ' ') != NULL ? 2 : 0) + (i > 0 ? 1 : 0);
        }
        if (!ok || total > 500) {
            g_error(out, 400, "youtube.video", "invalidTags", NULL,
                    "The request metadata specifies invalid video keywords.");
            return -1;
        }
    }
    json_t *cat = json_object_get(sn, "categoryId");
    if (cat != NULL) {
        int ok = 0;
        for (int i = 0; json_is_string(cat) && categories[i] != NULL; i++)
            ok |= strcmp(categories[i], json_string_value(cat)) == 0;
        if (!ok) {
            g_error(out, 400, "youtube.video", "invalidCategoryId", NULL,
                    "The <code>snippet.categoryId</code> property specifies an invalid category "
                    "ID. Use the <code>videoCategories.list</code> method to retrieve supported "
                    "categories.");
            return -1;
        }
    }
    if (st != NULL && !json_is_object(st)) {
        g_error(out, 400, "youtube.video", "invalidVideoMetadata", NULL,
                "The request metadata is invalid.");
        return -1;
    }
    const char *priv = str_of(st, "privacyStatus");
    json_t *pv = json_object_get(st, "privacyStatus");
    if (pv != NULL &&
        (priv == NULL || (strcmp(priv, "public") != 0 && strcmp(priv, "unlisted") != 0 &&
                          strcmp(priv, "private") != 0))) {
        g_error(out, 400, "global", "invalid", NULL,
                "Invalid value for status.privacyStatus: must be public, unlisted or private.");
        return -1;
    }
    json_t *kids = json_object_get(st, "selfDeclaredMadeForKids");
    if (kids != NULL && !json_is_boolean(kids)) {
        g_error(out, 400, "global", "invalid", NULL,
                "Invalid value for status.selfDeclaredMadeForKids.");
        return -1;
    }
    json_t *pa = json_object_get(st, "publishAt");
    if (pa != NULL) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *rest =
            json_is_string(pa) ? strptime(json_string_value(pa), "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
        int64_t at = rest != NULL ? (int64_t)timegm(&tm) * 1000 : 0;
        if (rest == NULL || priv == NULL || strcmp(priv, "private") != 0 || at <= now) {
            g_error(out, 400, "youtube.video", "invalidPublishAt", NULL,
                    "The request metadata specifies an invalid scheduled publishing time.");
            return -1;
        }
    }
    return 0;
}

/* POST /upload/youtube/v3/videos?uploadType=resumable&part= */
static void upload_start(sim *s, sim_req *r, sim_resp *out)
{
    static const char *const parts[] = {"snippet",          "status",        "id", "contentDetails",
                                        "recordingDetails", "localizations", NULL};
    const char *ut = sim_query(r, "uploadType");
    if (ut == NULL || strcmp(ut, "resumable") != 0) {
        g_error(out, 400, "global", "badRequest", "uploadType",
                "The simulator accepts only uploadType=resumable for videos.insert.");
        return;
    }
    json_t *tok = check_token(s, r, out);
    if (tok == NULL)
        return;
    if (need_scope(tok, out, upload_scopes) != 0 || check_part(r, out, parts) != 0) {
        json_decref(tok);
        return;
    }
    char client[128];
    snprintf(client, sizeof client, "%s", str_of(tok, "client_id"));
    json_decref(tok);
    const char *xt = sim_header(r, "X-Upload-Content-Type");
    if (xt != NULL && strncasecmp(xt, "video/", 6) != 0 &&
        strcasecmp(xt, "application/octet-stream") != 0) {
        g_error(out, 400, "global", "badContent", NULL,
                "Media type '%.80s' is not supported. Valid media types: [video/*, "
                "application/octet-stream]",
                xt);
        return;
    }
    const char *xl = sim_header(r, "X-Upload-Content-Length");
    long long total = -1;
    if (xl != NULL) {
        char *end = NULL;
        total = strtoll(xl, &end, 10);
        if (*xl == '\0' || *end != '\0' || total <= 0 || total > MAX_VIDEO) {
            g_error(out, 400, "global", "badRequest", NULL,
                    "Invalid X-Upload-Content-Length header.");
            return;
        }
    }
    json_t *meta = NULL;
    if (r->body_len > 0) {
        const char *ct = sim_header(r, "Content-Type");
        meta = sim_json(r);
        if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 || !json_is_object(meta)) {
            g_error(out, 400, "global", "parseError", NULL, "Parse Error");
            return;
        }
    }
    json_t *empty = json_object();
    int bad = check_metadata(meta != NULL ? meta : empty, out, r->now_ms);
    json_decref(empty);
    if (bad)
        return;
    char key[200], uid[64];
    snprintf(key, sizeof key, "%s|%lld", client, (long long)pacific_day(r->now_ms));
    sim_lock(s);
    json_t *quota = bucket(s, "quota");
    json_int_t used = json_integer_value(json_object_get(quota, key));
    if (used >= inserts_per_day()) {
        sim_unlock(s);
        g_error(out, 403, "youtube.quota", "quotaExceeded", NULL,
                "The request cannot be completed because you have exceeded your <a "
                "href=\"/youtube/v3/getting-started#quota\">quota</a>.");
        return;
    }
    json_object_set_new(quota, key, json_integer(used + 1));
    random_id(uid, 40);
    json_t *sess = json_pack("{s:s, s:s, s:s, s:o, s:s, s:I, s:I, s:[], s:I, s:b}", "channel",
                             CHANNEL_ID, "client_id", client, "part", sim_query(r, "part"), "meta",
                             meta != NULL ? json_deep_copy(meta) : json_object(), "content_type",
                             xt != NULL ? xt : "video/*", "total", (json_int_t)total, "committed",
                             (json_int_t)0, "chunks", "expires_at",
                             (json_int_t)(r->now_ms + SESSION_TTL_MS), "done", 0);
    json_object_set_new(bucket(s, "sessions"), uid, sess);
    sim_unlock(s);
    char loc[1024];
    snprintf(loc, sizeof loc, "%s%s/upload/youtube/v3/videos?uploadType=resumable", r->base_url,
             UPLOAD_PREFIX);
    add_param(loc, sizeof loc, "part", sim_query(r, "part"));
    add_param(loc, sizeof loc, "upload_id", uid);
    sim_reply_empty(out, 200);
    sim_add_header(out, "Location", loc);
    sim_add_header(out, "X-GUploader-UploadID", uid);
}

/* Answer 308 Resume Incomplete with the committed range. */
static void resume_incomplete(sim_resp *out, long long committed)
{
    sim_reply_empty(out, 308);
    if (committed > 0) {
        char range[64];
        snprintf(range, sizeof range, "bytes=0-%lld", committed - 1);
        sim_add_header(out, "Range", range);
    }
}

/* Join the chunks of a finished session into a video (not under the lock); its id in id. */
static int finish_upload(sim *s, sim_req *r, const char *uid, char *id, size_t idlen)
{
    sim_lock(s);
    json_t *sess = json_object_get(bucket(s, "sessions"), uid);
    json_t *chunks = json_deep_copy(json_object_get(sess, "chunks"));
    sim_unlock(s);
    /* Read every chunk into one buffer. */
    json_t *paths = json_array();
    size_t total = 0, i;
    json_t *c;
    sim_lock(s);
    json_t *media = json_object_get(sim_state(s), "media");
    json_array_foreach(chunks, i, c)
    {
        json_t *m = json_object_get(media, json_string_value(c));
        const char *path = str_of(m, "path");
        json_array_append_new(paths, json_string(path != NULL ? path : ""));
        total += (size_t)json_integer_value(json_object_get(m, "size"));
    }
    sim_unlock(s);
    json_decref(chunks);
    unsigned char *data = malloc(total + 1);
    size_t got = 0;
    int ok = data != NULL;
    json_t *p;
    json_array_foreach(paths, i, p)
    {
        FILE *f = ok ? fopen(json_string_value(p), "rb") : NULL;
        if (f == NULL) {
            ok = 0;
            break;
        }
        got += fread(data + got, 1, total - got, f);
        fclose(f);
    }
    json_decref(paths);
    if (!ok || got != total) {
        free(data);
        return -1;
    }
    char mid[80], type[96];
    sim_lock(s);
    sess = json_object_get(bucket(s, "sessions"), uid);
    snprintf(type, sizeof type, "%s", str_of(sess, "content_type"));
    sim_unlock(s);
    if (strncasecmp(type, "video/", 6) != 0 || strcmp(type, "video/*") == 0)
        snprintf(type, sizeof type, "video/mp4");
    sim_store_media(s, data, total, type, mid, sizeof mid);
    int good = is_video(data, total);
    free(data);

    random_id(id, idlen - 1 < 11 ? idlen - 1 : 11);
    sim_lock(s);
    sess = json_object_get(bucket(s, "sessions"), uid);
    json_t *meta = json_object_get(sess, "meta");
    json_t *sn = json_object_get(meta, "snippet"), *st = json_object_get(meta, "status");
    const char *priv = str_of(st, "privacyStatus") != NULL ? str_of(st, "privacyStatus") : "public";
    json_t *kids = json_object_get(st, "selfDeclaredMadeForKids");
    json_t *v = json_pack(
        "{s:s, s:s, s:O, s:s, s:O, s:s, s:s, s:I, s:s, s:I, s:I, s:b, s:b}", "id", id, "channel",
        CHANNEL_ID, "title", json_object_get(sn, "title"), "description",
        str_of(sn, "description") != NULL ? str_of(sn, "description") : "", "tags",
        json_is_array(json_object_get(sn, "tags")) ? json_object_get(sn, "tags") : json_null(),
        "categoryId", str_of(sn, "categoryId") != NULL ? str_of(sn, "categoryId") : "22",
        "privacyStatus", priv, "uploaded_at", (json_int_t)r->now_ms, "media_id", mid, "size",
        (json_int_t)total, "polls_left", (json_int_t)sim_processing_polls(s, "youtube"), "bad_file",
        !good, "madeForKids", json_is_true(kids));
    json_object_set_new(v, "processing", json_string("processing"));
    if (kids != NULL)
        json_object_set(v, "selfDeclaredMadeForKids", kids);
    if (json_object_get(st, "publishAt") != NULL)
        json_object_set(v, "publishAt", json_object_get(st, "publishAt"));
    json_object_set_new(bucket(s, "videos"), id, v);
    char url[128];
    snprintf(url, sizeof url, "https://www.youtube.com/watch?v=%s", id);
    sim_post_add(s, json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:[s], s:s}", "platform",
                              "youtube", "account", CHANNEL_ID, "account_name", CHANNEL_TITLE, "id",
                              id, "url", url, "title", json_object_get(v, "title"), "text",
                              str_of(v, "description"), "kind", "video", "media", mid,
                              "privacyStatus", priv));
    json_object_set_new(sess, "done", json_true());
    json_object_set_new(sess, "video_id", json_string(id));
    sim_unlock(s);
    return 0;
}

/* The finished video of a session, as the final PUT answers it. */
static void reply_video(sim *s, sim_req *r, sim_resp *out, const char *uid)
{
    sim_lock(s);
    json_t *sess = json_object_get(bucket(s, "sessions"), uid);
    json_t *v = json_object_get(bucket(s, "videos"), str_of(sess, "video_id"));
    json_t *body = v != NULL ? video_json(r, v, str_of(sess, "part")) : NULL;
    sim_unlock(s);
    if (body == NULL)
        g_error(out, 404, "global", "notFound", NULL, "Not Found");
    else
        sim_reply_json(out, 200, body);
}

/* PUT /upload/youtube/v3/videos?upload_id= (a chunk or a probe) */
static void upload_put(sim *s, sim_req *r, sim_resp *out)
{
    const char *uid = sim_query(r, "upload_id");
    if (uid == NULL) {
        g_error(out, 400, "global", "badRequest", "upload_id", "Missing upload_id.");
        return;
    }
    sim_lock(s);
    json_t *sess = json_object_get(bucket(s, "sessions"), uid);
    int alive = sess != NULL && json_integer_value(json_object_get(sess, "expires_at")) > r->now_ms;
    long long committed = (long long)json_integer_value(json_object_get(sess, "committed"));
    long long total = (long long)json_integer_value(json_object_get(sess, "total"));
    int done = json_is_true(json_object_get(sess, "done"));
    sim_unlock(s);
    if (!alive) {
        g_error(out, 404, "global", "notFound", NULL, "Not Found");
        return;
    }
    if (done) {
        reply_video(s, r, out, uid);
        return;
    }
    const char *cr = sim_header(r, "Content-Range");
    long long start = 0, end = -1, whole = -1;
    int probe = 0;
    if (cr == NULL) {
        /* The whole file in one request. */
        if (r->body_len == 0) {
            resume_incomplete(out, committed);
            return;
        }
        start = 0;
        end = (long long)r->body_len - 1;
        whole = (long long)r->body_len;
    } else {
        char a[32] = "", b[32] = "";
        if (sscanf(cr, "bytes %31[0-9*-]/%31[0-9*]", a, b) != 2) {
            g_error(out, 400, "global", "badRequest", NULL,
                    "Failed to parse Content-Range header.");
            return;
        }
        whole = strcmp(b, "*") == 0 ? -1 : strtoll(b, NULL, 10);
        if (strcmp(a, "*") == 0) {
            probe = 1;
        } else if (sscanf(a, "%lld-%lld", &start, &end) != 2 || start < 0 || end < start) {
            g_error(out, 400, "global", "badRequest", NULL,
                    "Failed to parse Content-Range header.");
            return;
        }
    }
    if (whole >= 0 && total >= 0 && whole != total) {
        g_error(out, 400, "global", "badRequest", NULL,
                "The total size %lld does not match X-Upload-Content-Length %lld.", whole, total);
        return;
    }
    if (whole < 0)
        whole = total;
    if (probe) {
        if (r->body_len != 0) {
            g_error(out, 400, "global", "badRequest", NULL,
                    "A status request (Content-Range: bytes */N) must have an empty body.");
            return;
        }
        resume_incomplete(out, committed);
        return;
    }
    long long len = end - start + 1;
    if ((long long)r->body_len != len) {
        g_error(out, 400, "global", "badRequest", NULL,
                "Content-Range says %lld bytes but the request carries %zu.", len, r->body_len);
        return;
    }
    if (whole >= 0 && end >= whole) {
        g_error(out, 400, "global", "badRequest", NULL,
                "Content-Range ends past the total size %lld.", whole);
        return;
    }
    int last = whole >= 0 && end + 1 == whole;
    if (!last && len % CHUNK_UNIT != 0) {
        g_error(out, 400, "global", "badRequest", NULL,
                "Invalid request. The number of bytes uploaded is required to be equal or "
                "greater than 262144, except for the final request (it's recommended to be the "
                "exact multiple of 262144). The received request contained %lld bytes, which "
                "does not meet this requirement.",
                len);
        return;
    }
    if (start > committed) {
        g_error(out, 400, "global", "badRequest", NULL,
                "The chunk starts at byte %lld but only %lld bytes were received; probe with "
                "Content-Range: bytes */N and resume from there.",
                start, committed);
        return;
    }
    if (end < committed) {
        resume_incomplete(out, committed);
        return;
    }
    long long skip = committed - start;
    char mid[80];
    sim_store_media(s, r->body + skip, (size_t)(len - skip), "application/octet-stream", mid,
                    sizeof mid);
    sim_lock(s);
    sess = json_object_get(bucket(s, "sessions"), uid);
    int same = sess != NULL &&
               (long long)json_integer_value(json_object_get(sess, "committed")) == committed &&
               !json_is_true(json_object_get(sess, "done"));
    if (same) {
        json_array_append_new(json_object_get(sess, "chunks"), json_string(mid));
        json_object_set_new(sess, "committed", json_integer(end + 1));
        if (whole >= 0)
            json_object_set_new(sess, "total", json_integer(whole));
    }
    sim_unlock(s);
    if (!same) {
        g_error(out, 409, "global", "conflict", NULL,
                "Another request changed this upload; probe and resume.");
        return;
    }
    if (!last) {
        resume_incomplete(out, end + 1);
        return;
    }
    char id[16];
    if (finish_upload(s, r, uid, id, sizeof id) != 0) {
        g_error(out, 500, "global", "backendError", NULL, "Backend Error");
        return;
    }
    reply_video(s, r, out, uid);
}

/* ---- dispatch ---- */

static int handle_api(sim *s, sim_req *r, sim_resp *out)
{
    char caps[2][128];
    int get = strcmp(r->method, "GET") == 0;
    if (strcmp(r->path, "/upload/youtube/v3/videos") == 0) {
        if (strcmp(r->method, "POST") == 0 && sim_query(r, "upload_id") == NULL)
            upload_start(s, r, out);
        else if (strcmp(r->method, "PUT") == 0)
            upload_put(s, r, out);
        else if (strcmp(r->method, "POST") == 0)
            g_error(out, 400, "global", "badRequest", NULL,
                    "Chunks and status requests go to the session URI with PUT.");
        else
            return -1;
    } else if (get && strcmp(r->path, "/youtube/v3/channels") == 0) {
        channels_list(s, r, out);
    } else if (get && strcmp(r->path, "/youtube/v3/videos") == 0) {
        videos_list(s, r, out);
    } else if (get && strcmp(r->path, "/youtube/v3/playlistItems") == 0) {
        playlist_items(s, r, out);
    } else if (get && strcmp(r->path, "/youtube/v3/search") == 0) {
        search(s, r, out);
    } else if (get && sim_path(r, "/sim-img/*/*", caps, 2) && strlen(caps[1]) > 4 &&
               strcmp(caps[1] + strlen(caps[1]) - 4, ".png") == 0) {
        sim_image(out, caps[0], caps[1]);
    } else {
        return -1;
    }
    return 0;
}

static int handle(sim *s, sim_req *r, sim_resp *out)
{
    int get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
    if (strcmp(r->prefix, "/google/accounts") == 0) {
        if (get && strcmp(r->path, "/o/oauth2/v2/auth") == 0)
            authorize(s, r, out);
        else if (get && strcmp(r->path, "/o/oauth2/v2/sim-consent") == 0)
            consent_decision(s, r, out);
        else
            return -1;
        return 0;
    }
    if (strcmp(r->prefix, "/google/oauth2") == 0) {
        if (post && strcmp(r->path, "/token") == 0)
            token_endpoint(s, r, out);
        else if (post && strcmp(r->path, "/revoke") == 0)
            revoke(s, r, out);
        else
            return -1;
        return 0;
    }
    return handle_api(s, r, out);
}

/* Google's envelope for the core's own answers (rate limits, unknown paths, faults). */
static void error(sim_resp *out, int status, const char *kind, const char *message)
{
    (void)message;
    if (strcmp(kind, "rate_limited") == 0)
        g_error(out, status, "usageLimits", "rateLimitExceeded", NULL, "Rate Limit Exceeded");
    else if (strcmp(kind, "not_found") == 0)
        g_error(out, status, "global", "notFound", NULL, "Not Found");
    else if (status == 503)
        g_error(out, status, "global", "backendError", NULL,
                "The service is currently unavailable.");
    else
        g_error(out, status, "global", "backendError", NULL, "Backend Error");
}

const sim_module sim_google = {
    "google",
    {"/google/accounts", "/google/oauth2", "/google/api", "/google/upload", NULL},
    handle,
    error};
