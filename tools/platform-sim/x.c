/*
 * x.c - X (Twitter) API v2 as the simulator speaks it (PLATFORMS.md section 5).
 *
 *   /x/www = x.com      GET  /i/oauth2/authorize          consent (sim_approve=allow|deny skips it)
 *   /x/api = api.x.com  GET  /2/oauth2/authorize          the same (XOAS lists it here)
 *                       POST /2/oauth2/token              authorization_code (PKCE) | refresh_token
 *                       POST /2/oauth2/revoke
 *                       GET  /2/users/me
 *                       POST /2/tweets                    DELETE|GET /2/tweets/{id}
 *                       GET  /2/users/{id}/tweets
 *                       POST /2/media/upload/initialize   POST /2/media/upload/{id}/append
 *                       POST /2/media/upload/{id}/finalize
 *                       GET  /2/media/upload?command=STATUS&media_id=
 *                       POST /2/media/upload              one-shot image (or legacy command=...)
 *
 * One registered confidential app (SIM_X_CLIENT_ID / SIM_X_CLIENT_SECRET,
 * default p2s-sim-x / p2s-sim-x-secret); its callback URLs are the
 * comma-separated SIM_X_REDIRECT_URIS (exact match), or any http(s) URL when
 * that is unset.  One user, the demo account @simdemo.
 *
 * Codes live 30 s on the simulated clock and are single-use; access tokens
 * 2 h; refresh tokens (only with offline.access) rotate on every use, and
 * presenting a used one revokes the whole grant (its token family).
 *
 * Module state: state.codes (platform "x"), state.uploads (media by id, with
 * platform "x"), state.posts (sim_post_add, plus author and reply fields) and
 * state.x = {"limits":{...}, "avatar": media id}.
 */
#define _GNU_SOURCE
#include "sim.h"
#include "compose/xtext.h"

#include <ctype.h>
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define X_USER_ID       "1500000000000000001"
#define X_USER_NAME     "Sim Demo"
#define X_USERNAME      "simdemo"
#define X_CODE_TTL_MS   30000
#define X_ACCESS_TTL_S  7200
#define X_MEDIA_TTL_S   1295999 /* expires_after_secs as the v2 docs show it */
#define X_MAX_WEIGHTED  280
#define X_PROBLEMS      "https://api.x.com/2/problems/"
#define X_INVALID_CODE  "Value passed for the authorization code was invalid."
#define X_INVALID_TOKEN "Value passed for the token was invalid."
#define MB              (1024LL * 1024LL)
/* The largest APPEND segment: "Keep each segment at or below 5 MB (server maximum is 8 MB)"
 * (docs.x.com x-api/media/append-media-upload).  Larger ones answer 413. */
#define X_SEGMENT_MAX (8 * MB)

/* The scopes X knows, comma-separated. */
static const char known_scopes[] =
    "tweet.read,tweet.write,tweet.moderate.write,users.email,users.read,follows.read,"
    "follows.write,offline.access,space.read,mute.read,mute.write,like.read,like.write,"
    "list.read,list.write,block.read,block.write,bookmark.read,bookmark.write,dm.read,"
    "dm.write,media.write";

/* user.fields X knows, comma-separated. */
static const char user_fields[] =
    "affiliation,confirmed_email,connection_status,created_at,description,entities,id,"
    "is_identity_verified,location,most_recent_tweet_id,name,parody,pinned_tweet_id,"
    "profile_banner_url,profile_image_url,protected,public_metrics,receives_your_dm,"
    "subscription,subscription_type,url,username,verified,verified_followers_count,"
    "verified_type,withheld";

/* tweet.fields X knows, comma-separated. */
static const char tweet_fields[] =
    "article,attachments,author_id,card_uri,community_id,context_annotations,"
    "conversation_id,created_at,display_text_range,edit_controls,edit_history_tweet_ids,"
    "entities,geo,id,in_reply_to_user_id,lang,media_metadata,non_public_metrics,note_tweet,"
    "organic_metrics,possibly_sensitive,promoted_metrics,public_metrics,referenced_tweets,"
    "reply_settings,scopes,source,suggested_source_links,text,withheld";

/* ---- configuration ---- */

static const char *client_id(void)
{
    const char *v = getenv("SIM_X_CLIENT_ID");
    return v != NULL && *v ? v : "p2s-sim-x";
}

static const char *client_secret(void)
{
    const char *v = getenv("SIM_X_CLIENT_SECRET");
    return v != NULL && *v ? v : "p2s-sim-x-secret";
}

/* 1 if uri is one of the app's callback URLs (exact match). */
static int redirect_registered(const char *uri)
{
    const char *list = getenv("SIM_X_REDIRECT_URIS");
    if (list == NULL || *list == '\0')
        return strncmp(uri, "http://", 7) == 0 || strncmp(uri, "https://", 8) == 0;
    size_t ul = strlen(uri);
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, ",");
        if (l == ul && strncmp(p, uri, l) == 0)
            return 1;
        p += l;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* ---- small helpers ---- */

/* 1 if name is one of the sep-separated items of list. */
static int has_item(const char *list, const char *name, const char *seps)
{
    if (list == NULL)
        return 0;
    size_t nl = strlen(name);
    for (const char *p = list; *p;) {
        p += strspn(p, seps);
        size_t l = strcspn(p, seps);
        if (l == nl && l > 0 && strncmp(p, name, l) == 0)
            return 1;
        p += l;
    }
    return 0;
}

/* The first item of the comma-separated list that is not in allowed (also a list); 0 if none. */
static int bad_item(const char *list, const char *allowed, char *bad, size_t badlen)
{
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, ",");
        char one[128];
        snprintf(one, sizeof one, "%.*s", (int)(l < 127 ? l : 127), p);
        if (l == 0 || l > 127 || !has_item(allowed, one, ",")) {
            snprintf(bad, badlen, "%.*s", (int)(l < 100 ? l : 100), p);
            return 1;
        }
        p += l;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* 1 if text is 1-19 decimal digits. */
static int is_id(const char *text)
{
    size_t n = text != NULL ? strlen(text) : 0;
    if (n == 0 || n > 19)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)text[i]))
            return 0;
    return 1;
}

/* Parse a non-negative decimal integer (digits only). 0 or -1. */
static int parse_ll(const char *text, long long *v)
{
    if (text == NULL || *text == '\0' || strlen(text) > 18)
        return -1;
    long long n = 0;
    for (const char *p = text; *p; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        n = n * 10 + (*p - '0');
    }
    *v = n;
    return 0;
}

static uint64_t fnv(const char *text)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* ISO 8601 UTC with milliseconds, as X writes created_at. */
static void iso_time(int64_t ms, char *out, size_t outlen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, outlen, "%s.%03dZ", buf, (int)(ms % 1000));
}

/* Parse "YYYY-MM-DDTHH:MM:SS[.sss]Z" to ms; -1 if malformed. */
static int64_t parse_iso(const char *text)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (end == NULL)
        return -1;
    if (*end == '.') {
        end++;
        while (isdigit((unsigned char)*end))
            end++;
    }
    if (strcmp(end, "Z") != 0)
        return -1;
    return (int64_t)timegm(&tm) * 1000;
}

static int has_header(const sim_resp *out, const char *name)
{
    for (int i = 0; i < out->nheaders; i++)
        if (strcasecmp(out->headers[i].name, name) == 0)
            return 1;
    return 0;
}

/* state.x (created on first use); under the lock. */
static json_t *xstate(sim *s)
{
    json_t *st = sim_state(s);
    json_t *x = json_object_get(st, "x");
    if (!json_is_object(x)) {
        x = json_object();
        json_object_set_new(st, "x", x);
    }
    return x;
}

/* parent[key] as an object, created if missing. */
static json_t *child(json_t *parent, const char *key)
{
    json_t *c = json_object_get(parent, key);
    if (!json_is_object(c)) {
        c = json_object();
        json_object_set_new(parent, key, c);
    }
    return c;
}

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* strcmp that takes NULL as different from everything. */
static int eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* ---- answers in X's shapes ---- */

/* Problem JSON with type about:blank (401, 403, 429, 5xx). */
static void problem(sim_resp *out, int status, const char *title, const char *detail)
{
    sim_reply_json(out, status,
                   json_pack("{s:s, s:s, s:i, s:s}", "title", title, "type", "about:blank",
                             "status", status, "detail", detail));
}

/*
 * 400 invalid-request: errors[] names the parameter and says what is wrong;
 * detail is X's generic sentence unless one is given.
 */
static void invalid(sim_resp *out, const char *param, const char *value, const char *message,
                    const char *detail)
{
    json_t *params = json_object();
    if (param != NULL)
        json_object_set_new(params, param, json_pack("[s]", value != NULL ? value : ""));
    sim_reply_json(
        out, 400,
        json_pack("{s:[{s:o, s:s}], s:s, s:s, s:s, s:i}", "errors", "parameters", params, "message",
                  message, "title", "Invalid Request", "detail",
                  detail != NULL ? detail : "One or more parameters to your request was invalid.",
                  "type", X_PROBLEMS "invalid-request", "status", 400));
}

/* A lookup miss, which X answers 200 with errors[]. */
static json_t *not_found_error(const char *resource, const char *param, const char *value)
{
    char detail[256];
    snprintf(detail, sizeof detail, "Could not find %s with %s: [%s].", resource, param, value);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "value", value, "detail", detail,
                     "title", "Not Found Error", "resource_type", resource, "parameter", param,
                     "resource_id", value, "type", X_PROBLEMS "resource-not-found");
}

static void oauth_error(sim_resp *out, int status, const char *error, const char *desc)
{
    sim_reply_json(out, status, json_pack("{s:s, s:s}", "error", error, "error_description", desc));
}

/*
 * Count one call of an endpoint by a user on the simulated clock (fixed
 * windows), and send x-rate-limit-* (unless the core's admin limit already
 * did).  1 if the call is over the limit.  Under the lock.
 */
static int user_limit(sim *s, sim_resp *out, const char *user, const char *endpoint, int limit,
                      int window_s)
{
    json_t *limits = child(xstate(s), "limits");
    char key[200];
    snprintf(key, sizeof key, "%s %s", user, endpoint);
    json_t *e = json_object_get(limits, key);
    int64_t now = sim_now(s);
    int64_t start = e != NULL ? json_integer_value(json_object_get(e, "start")) : now;
    long long count = e != NULL ? json_integer_value(json_object_get(e, "count")) : 0;
    if (now >= start + (int64_t)window_s * 1000) {
        start = now;
        count = 0;
    }
    count++;
    json_object_set_new(
        limits, key,
        json_pack("{s:I, s:I}", "start", (json_int_t)start, "count", (json_int_t)count));
    if (!has_header(out, "x-rate-limit-limit")) {
        char v[32];
        snprintf(v, sizeof v, "%d", limit);
        sim_add_header(out, "x-rate-limit-limit", v);
        snprintf(v, sizeof v, "%lld", count >= limit ? 0LL : (long long)limit - count);
        sim_add_header(out, "x-rate-limit-remaining", v);
        snprintf(v, sizeof v, "%lld", (long long)((start + (int64_t)window_s * 1000) / 1000));
        sim_add_header(out, "x-rate-limit-reset", v);
    }
    if (count > limit) {
        sim_reply_json(out, 429,
                       json_pack("{s:s, s:s, s:s, s:i}", "title", "Too Many Requests", "detail",
                                 "Too Many Requests", "type", "about:blank", "status", 429));
        return 1;
    }
    return 0;
}

/* ---- OAuth 2.0 with PKCE ---- */

/* base + ?k1=v1&k2=v2 (URL-escaped), malloc'd. */
static char *with_query(const char *base, const char *k1, const char *v1, const char *k2,
                        const char *v2)
{
    char *e1 = curl_easy_escape(NULL, v1, 0);
    char *e2 = curl_easy_escape(NULL, v2, 0);
    char *res = NULL;
    if (e1 == NULL || e2 == NULL ||
        asprintf(&res, "%s%c%s=%s&%s=%s", base, strchr(base, '?') != NULL ? '&' : '?', k1, e1, k2,
                 e2) < 0)
        res = NULL;
    curl_free(e1);
    curl_free(e2);
    return res;
}

/* The requested scopes, deduplicated, space-separated, into out; the first unknown into bad. */
static int normalize_scopes(const char *scope, char *out, size_t outlen, char *bad, size_t badlen)
{
    out[0] = '\0';
    for (const char *p = scope; *p;) {
        p += strspn(p, " +");
        size_t l = strcspn(p, " +");
        if (l == 0)
            break;
        char one[64];
        snprintf(one, sizeof one, "%.*s", (int)(l < 63 ? l : 63), p);
        if (!has_item(known_scopes, one, ",") || l > 63) {
            snprintf(bad, badlen, "%.*s", (int)(l < 100 ? l : 100), p);
            return -1;
        }
        if (!has_item(out, one, " ")) {
            size_t used = strlen(out);
            snprintf(out + used, outlen - used, "%s%s", used ? " " : "", one);
        }
        p += l;
    }
    return out[0] != '\0' ? 0 : -1;
}

/* X's error page for an authorize request it cannot serve (no redirect). */
static void authorize_error(sim_resp *out, const char *why)
{
    char page[2048];
    snprintf(page, sizeof page,
             "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>X "
             "(simulated)</title></head><body><main><h1>Something went wrong</h1>"
             "<p>You weren't able to give access to the App. Go back and try logging in "
             "again.</p><p class=\"sim-reason\">Simulator: %s</p></main></body></html>",
             why);
    sim_reply_text(out, 400, "text/html; charset=utf-8", page);
}

static void authorize(sim *s, sim_req *r, sim_resp *out)
{
    const char *rt = sim_query(r, "response_type"), *cid = sim_query(r, "client_id");
    const char *ru = sim_query(r, "redirect_uri"), *scope = sim_query(r, "scope");
    const char *state = sim_query(r, "state"), *cc = sim_query(r, "code_challenge");
    const char *ccm = sim_query(r, "code_challenge_method");
    char scopes[1024], bad[128] = "", why[256] = "";
    if (cid == NULL || strcmp(cid, client_id()) != 0)
        snprintf(why, sizeof why, "client_id is missing or not a registered app");
    else if (ru == NULL || !redirect_registered(ru))
        snprintf(why, sizeof why, "redirect_uri is missing or not a callback URL of this app");
    else if (rt == NULL || strcmp(rt, "code") != 0)
        snprintf(why, sizeof why, "response_type must be code");
    else if (state == NULL || *state == '\0')
        snprintf(why, sizeof why, "state is required");
    else if (strlen(state) > 500)
        snprintf(why, sizeof why, "state is longer than 500 characters");
    else if (scope == NULL || normalize_scopes(scope, scopes, sizeof scopes, bad, sizeof bad) != 0)
        snprintf(why, sizeof why, "scope is missing or names an unknown scope (%s)", bad);
    else if (cc == NULL || *cc == '\0')
        snprintf(why, sizeof why, "code_challenge is required (PKCE)");
    else if (ccm == NULL || (strcmp(ccm, "S256") != 0 && strcmp(ccm, "plain") != 0))
        snprintf(why, sizeof why, "code_challenge_method must be S256 or plain");
    if (why[0] != '\0') {
        authorize_error(out, why);
        return;
    }
    char *deny = with_query(ru, "error", "access_denied", "state", state);
    char *approve = NULL;
    const char *auto_ = sim_query(r, "sim_approve");
    if (auto_ != NULL && strcmp(auto_, "allow") == 0) {
        char code[96];
        sim_random("", code, sizeof code);
        sim_lock(s);
        json_object_set_new(child(sim_state(s), "codes"), code,
                            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b}", "platform",
                                      "x", "client_id", cid, "redirect_uri", ru, "scope", scopes,
                                      "challenge", cc, "method", ccm, "subject", X_USER_ID,
                                      "issued_at", (json_int_t)sim_now(s), "used", 0));
        sim_unlock(s);
        approve = with_query(ru, "state", state, "code", code);
    } else {
        /* The page's Allow link comes back here with sim_approve=allow; the code is made then. */
        static const char *const keys[] = {
            "response_type", "client_id",      "redirect_uri",         "scope",
            "state",         "code_challenge", "code_challenge_method"};
        const char *vals[] = {rt, cid, ru, scopes, state, cc, ccm};
        size_t cap = 4096 + strlen(ru) * 3 + strlen(state) * 3 + strlen(cc) * 3, used;
        approve = malloc(cap);
        if (approve != NULL) {
            used = (size_t)snprintf(approve, cap, "%s%s%s?", r->base_url, r->prefix, r->path);
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
                char *e = curl_easy_escape(NULL, vals[i], 0);
                used += (size_t)snprintf(approve + used, cap - used, "%s=%s&", keys[i],
                                         e != NULL ? e : "");
                curl_free(e);
            }
            snprintf(approve + used, cap - used, "sim_approve=allow");
        }
    }
    if (approve == NULL || deny == NULL)
        sim_reply_empty(out, 500);
    else
        sim_consent(s, r, out, "X", X_USER_NAME " (@" X_USERNAME ")", scopes, approve, deny);
    free(approve);
    free(deny);
}

/* 1 if the request authenticates the registered app with HTTP Basic. */
static int basic_ok(const sim_req *r)
{
    char basic[600];
    if (sim_basic(r, basic, sizeof basic) != 0)
        return 0;
    char *colon = strchr(basic, ':');
    *colon = '\0';
    return strcmp(basic, client_id()) == 0 && strcmp(colon + 1, client_secret()) == 0;
}

/* Issue an access token (and a refresh token with offline.access) of a grant; the answer. */
static json_t *issue_tokens(sim *s, const char *user, const char *scope, const char *family)
{
    json_t *fields =
        json_pack("{s:s, s:s, s:s}", "scope", scope, "family", family, "client_id", client_id());
    json_t *at = sim_token_issue(s, "x", "access", user, (int64_t)X_ACCESS_TTL_S * 1000, fields);
    json_t *resp = json_pack("{s:s, s:i, s:s, s:s}", "token_type", "bearer", "expires_in",
                             X_ACCESS_TTL_S, "access_token", str(at, "token"), "scope", scope);
    if (has_item(scope, "offline.access", " ")) {
        /* Refresh token lifetime is unconfirmed: it lives until used or revoked. */
        json_t *rt = sim_token_issue(s, "x", "refresh", user, 0, fields);
        json_object_set_new(resp, "refresh_token", json_string(str(rt, "token")));
    }
    json_decref(fields);
    return resp;
}

static void code_grant(sim *s, sim_req *r, sim_resp *out)
{
    const char *code = sim_form(r, "code"), *ru = sim_form(r, "redirect_uri");
    const char *verifier = sim_form(r, "code_verifier");
    const char *missing = code == NULL       ? "code"
                          : ru == NULL       ? "redirect_uri"
                          : verifier == NULL ? "code_verifier"
                                             : NULL;
    if (missing != NULL) {
        char desc[96];
        snprintf(desc, sizeof desc, "Missing required parameter [%s].", missing);
        oauth_error(out, 400, "invalid_request", desc);
        return;
    }
    sim_lock(s);
    json_t *c = json_object_get(child(sim_state(s), "codes"), code);
    int64_t now = sim_now(s);
    if (c == NULL || !eq(str(c, "platform"), "x") || json_is_true(json_object_get(c, "used")) ||
        now - json_integer_value(json_object_get(c, "issued_at")) > X_CODE_TTL_MS ||
        !eq(str(c, "client_id"), client_id())) {
        sim_unlock(s);
        oauth_error(out, 400, "invalid_request", X_INVALID_CODE);
        return;
    }
    if (!eq(str(c, "redirect_uri"), ru)) {
        sim_unlock(s);
        oauth_error(out, 400, "invalid_request",
                    "Value passed for the redirect uri did not match the uri of the "
                    "authorization code.");
        return;
    }
    int ok;
    if (eq(str(c, "method"), "S256")) {
        unsigned char digest[crypto_hash_sha256_BYTES];
        char b64[64];
        crypto_hash_sha256(digest, (const unsigned char *)verifier, strlen(verifier));
        sodium_bin2base64(b64, sizeof b64, digest, sizeof digest,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        ok = eq(b64, str(c, "challenge"));
    } else {
        ok = eq(verifier, str(c, "challenge"));
    }
    if (!ok) {
        sim_unlock(s);
        oauth_error(out, 400, "invalid_request", X_INVALID_CODE);
        return;
    }
    json_object_set_new(c, "used", json_true());
    char family[64];
    sim_random("xgrant_", family, sizeof family);
    json_t *resp = issue_tokens(s, str(c, "subject"), str(c, "scope"), family);
    sim_unlock(s);
    sim_reply_json(out, 200, resp);
}

static void refresh_grant(sim *s, sim_req *r, sim_resp *out)
{
    const char *token = sim_form(r, "refresh_token");
    if (token == NULL) {
        oauth_error(out, 400, "invalid_request", "Missing required parameter [refresh_token].");
        return;
    }
    sim_lock(s);
    json_t *rec = NULL;
    sim_tok st = sim_token_check(s, "x", token, &rec);
    if (rec != NULL && eq(str(rec, "kind"), "refresh") &&
        json_is_true(json_object_get(rec, "rotated")) && str(rec, "family") != NULL) {
        /* A refresh token used twice: someone else may hold it; end the whole grant. */
        sim_family_revoke(s, str(rec, "family"));
        st = TOK_REVOKED;
    }
    if (st != TOK_OK || !eq(str(rec, "kind"), "refresh") ||
        !eq(str(rec, "client_id"), client_id())) {
        sim_unlock(s);
        oauth_error(out, 400, "invalid_request", X_INVALID_TOKEN);
        return;
    }
    json_object_set_new(rec, "rotated", json_true());
    json_object_set_new(rec, "revoked", json_true());
    json_t *resp = issue_tokens(s, str(rec, "subject"), str(rec, "scope"), str(rec, "family"));
    sim_unlock(s);
    sim_reply_json(out, 200, resp);
}

static void token_endpoint(sim *s, sim_req *r, sim_resp *out)
{
    /* The registered app is confidential: it must authenticate with Basic. */
    if (!basic_ok(r)) {
        oauth_error(out, 401, "unauthorized_client", "Missing valid authorization header");
        return;
    }
    const char *gt = sim_form(r, "grant_type");
    if (gt == NULL)
        oauth_error(out, 400, "invalid_request", "Missing required parameter [grant_type].");
    else if (strcmp(gt, "authorization_code") == 0)
        code_grant(s, r, out);
    else if (strcmp(gt, "refresh_token") == 0)
        refresh_grant(s, r, out);
    else
        oauth_error(out, 400, "unsupported_grant_type",
                    "The grant_type is not supported; use authorization_code or refresh_token.");
}

static void revoke_endpoint(sim *s, sim_req *r, sim_resp *out)
{
    const char *cid = sim_form(r, "client_id");
    if (!basic_ok(r) && (cid == NULL || strcmp(cid, client_id()) != 0)) {
        oauth_error(out, 401, "unauthorized_client", "Missing valid authorization header");
        return;
    }
    const char *token = sim_form(r, "token");
    if (token == NULL) {
        oauth_error(out, 400, "invalid_request", "Missing required parameter [token].");
        return;
    }
    sim_lock(s);
    json_t *rec = NULL;
    sim_token_check(s, "x", token, &rec);
    if (rec != NULL) {
        /* Revoking a refresh token ends its grant (RFC 7009); an access token goes alone. */
        if (eq(str(rec, "kind"), "refresh") && str(rec, "family") != NULL)
            sim_family_revoke(s, str(rec, "family"));
        else
            sim_token_revoke(s, token);
    }
    sim_unlock(s);
    sim_reply_json(out, 200, json_pack("{s:b}", "revoked", 1));
}

/* ---- API authentication ---- */

/*
 * Check the bearer token (a live access token of X) and that it has every
 * scope in the space-separated need; the user id into user.  Under the lock.
 * 0, or -1 with the answer written.
 */
static int api_auth(sim *s, sim_req *r, sim_resp *out, const char *need, char *user, size_t userlen)
{
    json_t *rec = NULL;
    sim_tok st = sim_token_check(s, "x", sim_bearer(r), &rec);
    if (st != TOK_OK || !eq(str(rec, "kind"), "access")) {
        problem(out, 401, "Unauthorized", "Unauthorized");
        return -1;
    }
    const char *have = str(rec, "scope");
    for (const char *p = need; *p;) {
        size_t l = strcspn(p, " ");
        char one[64];
        snprintf(one, sizeof one, "%.*s", (int)l, p);
        if (!has_item(have, one, " ")) {
            problem(out, 403, "Forbidden", "Forbidden");
            return -1;
        }
        p += l;
        p += strspn(p, " ");
    }
    snprintf(user, userlen, "%s", str(rec, "subject"));
    return 0;
}

/* ---- users ---- */

/* The demo account's picture (a small generated PNG stored once); its URL into out. */
static void avatar_url(sim *s, const sim_req *r, char *out, size_t outlen)
{
    char id[64] = "";
    sim_lock(s);
    const char *have = str(xstate(s), "avatar");
    if (have != NULL)
        snprintf(id, sizeof id, "%s", have);
    sim_unlock(s);
    if (id[0] == '\0') {
        unsigned char rgb[48 * 48 * 3];
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 48; x++) {
                unsigned char *px = rgb + (y * 48 + x) * 3;
                int d = (x - 24) * (x - 24) + (y - 20) * (y - 20);
                int body = (x - 24) * (x - 24) + (y - 52) * (y - 52) < 26 * 26;
                int on = d < 10 * 10 || body;
                px[0] = on ? 240 : 29;
                px[1] = on ? 244 : 155;
                px[2] = on ? 250 : 240;
            }
        unsigned char *png = NULL;
        size_t len = 0;
        if (sim_png(rgb, 48, 48, &png, &len) == 0) {
            sim_store_media(s, png, len, "image/png", id, sizeof id);
            free(png);
            sim_lock(s);
            json_object_set_new(xstate(s), "avatar", json_string(id));
            sim_unlock(s);
        }
    }
    snprintf(out, outlen, "%s/_sim/media/%s", r->base_url, id);
}

static void users_me(sim *s, sim_req *r, sim_resp *out)
{
    char user[64];
    sim_lock(s);
    int denied = api_auth(s, r, out, "tweet.read users.read", user, sizeof user);
    sim_unlock(s);
    if (denied)
        return;
    const char *fields = sim_query(r, "user.fields");
    char bad[128], msg[512];
    if (fields != NULL && bad_item(fields, user_fields, bad, sizeof bad)) {
        snprintf(msg, sizeof msg,
                 "The `user.fields` query parameter value [%s] is not one of "
                 "the allowed user fields",
                 bad);
        invalid(out, "user.fields", bad, msg, NULL);
        return;
    }
    char img[400] = "";
    if (has_item(fields, "profile_image_url", ","))
        avatar_url(s, r, img, sizeof img);
    sim_lock(s);
    json_t *data =
        json_pack("{s:s, s:s, s:s}", "id", user, "name", X_USER_NAME, "username", X_USERNAME);
    if (img[0] != '\0')
        json_object_set_new(data, "profile_image_url", json_string(img));
    if (has_item(fields, "created_at", ","))
        json_object_set_new(data, "created_at", json_string("2020-01-01T00:00:00.000Z"));
    if (has_item(fields, "description", ","))
        json_object_set_new(data, "description",
                            json_string("The platform simulator's demo account."));
    if (has_item(fields, "protected", ","))
        json_object_set_new(data, "protected", json_false());
    if (has_item(fields, "verified", ","))
        json_object_set_new(data, "verified", json_false());
    if (has_item(fields, "verified_type", ","))
        json_object_set_new(data, "verified_type", json_string("none"));
    if (has_item(fields, "url", ","))
        json_object_set_new(data, "url", json_string(""));
    if (has_item(fields, "public_metrics", ",")) {
        size_t tweets = 0, i;
        json_t *p;
        json_array_foreach(json_object_get(sim_state(s), "posts"), i, p)
        {
            if (strcmp(str(p, "platform"), "x") == 0 &&
                !json_is_true(json_object_get(p, "deleted")))
                tweets++;
        }
        json_object_set_new(data, "public_metrics",
                            json_pack("{s:i, s:i, s:I, s:i, s:i}", "followers_count", 1200,
                                      "following_count", 180, "tweet_count", (json_int_t)tweets,
                                      "listed_count", 3, "like_count", 40));
    }
    sim_unlock(s);
    sim_reply_json(out, 200, json_pack("{s:o}", "data", data));
}

/* ---- media ---- */

typedef struct media_cat {
    const char *name;
    long long max_bytes;
    int async;            /* processed after FINALIZE (STATUS polling) */
    const char *kind;     /* image, gif, video, subtitles */
    const char *key_kind; /* media_key prefix */
    const char *types[6]; /* accepted media_type values */
} media_cat;

/* clang-format off */
static const media_cat cats[] = {
    {"tweet_image", 5 * MB, 0, "image", "3",
     {"image/jpeg", "image/png", "image/webp", "image/gif", "image/pjpeg", NULL}},
    {"tweet_gif", 15 * MB, 1, "gif", "16", {"image/gif", NULL}},
    {"tweet_video", 512 * MB, 1, "video", "7", {"video/mp4", "video/quicktime", NULL}},
    {"amplify_video", 512 * MB, 1, "video", "13", {"video/mp4", "video/quicktime", NULL}},
    {"subtitles", 5 * MB, 0, "subtitles", "3", {"text/srt", "text/vtt", NULL}},
};
/* clang-format on */

static const media_cat *cat_named(const char *name)
{
    for (size_t i = 0; i < sizeof cats / sizeof cats[0]; i++)
        if (strcmp(cats[i].name, name) == 0)
            return &cats[i];
    return NULL;
}

static int cat_accepts(const media_cat *c, const char *type)
{
    for (int i = 0; c->types[i] != NULL; i++)
        if (strcmp(c->types[i], type) == 0)
            return 1;
    return 0;
}

/* 1 if the bytes look like the media type says (magic numbers). */
static int bytes_match(const unsigned char *b, size_t n, const char *type)
{
    if (strcmp(type, "image/png") == 0)
        return n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0;
    if (strcmp(type, "image/jpeg") == 0 || strcmp(type, "image/pjpeg") == 0)
        return n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF;
    if (strcmp(type, "image/gif") == 0)
        return n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0);
    if (strcmp(type, "image/webp") == 0)
        return n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0;
    if (strncmp(type, "video/", 6) == 0)
        return n >= 8 && (memcmp(b + 4, "ftyp", 4) == 0 || memcmp(b + 4, "moov", 4) == 0 ||
                          memcmp(b + 4, "mdat", 4) == 0 || memcmp(b + 4, "wide", 4) == 0 ||
                          memcmp(b + 4, "free", 4) == 0);
    return 1;
}

/* The image type the bytes are, for the one-shot upload; NULL if none. */
static const char *sniff_image(const unsigned char *b, size_t n)
{
    static const char *const types[] = {"image/png", "image/jpeg", "image/gif", "image/webp"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (bytes_match(b, n, types[i]))
            return types[i];
    return NULL;
}

/*
 * A request parameter from the JSON body (string or integer) or the form,
 * into buf; NULL if absent.
 */
static const char *param(sim_req *r, const char *name, char *buf, size_t buflen)
{
    json_t *j = sim_json(r);
    json_t *v = json_is_object(j) ? json_object_get(j, name) : NULL;
    if (json_is_string(v)) {
        snprintf(buf, buflen, "%s", json_string_value(v));
        return buf;
    }
    if (json_is_integer(v)) {
        snprintf(buf, buflen, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    const char *f = sim_form(r, name);
    if (f == NULL)
        return NULL;
    snprintf(buf, buflen, "%s", f);
    return buf;
}

/* Media bytes: multipart "media", or base64 in JSON "media" / form "media_data" (malloc'd). */
static unsigned char *media_bytes(sim_req *r, size_t *len)
{
    const char *b64 = NULL;
    json_t *j = sim_json(r);
    if (json_is_object(j) && json_is_string(json_object_get(j, "media")))
        b64 = json_string_value(json_object_get(j, "media"));
    if (b64 == NULL)
        b64 = sim_form(r, "media_data");
    if (b64 != NULL) {
        size_t bl = strlen(b64);
        unsigned char *bin = malloc(bl + 1);
        if (bin == NULL || sodium_base642bin(bin, bl + 1, b64, bl, " \r\n", len, NULL,
                                             sodium_base64_VARIANT_ORIGINAL) != 0) {
            free(bin);
            return NULL;
        }
        return bin;
    }
    size_t n = 0;
    const char *raw = sim_form_bytes(r, "media", &n);
    if (raw == NULL || n == 0)
        return NULL;
    unsigned char *copy = malloc(n);
    if (copy != NULL)
        memcpy(copy, raw, n);
    *len = n;
    return copy;
}

/* The upload record of id if it belongs to user (under the lock). */
static json_t *upload_of(sim *s, const char *id, const char *user)
{
    json_t *u = json_object_get(json_object_get(sim_state(s), "uploads"), id);
    if (u == NULL || !eq(str(u, "platform"), "x") || !eq(str(u, "owner"), user))
        return NULL;
    return u;
}

/* Create an upload record (under the lock); its id into id. */
static json_t *upload_new(sim *s, const char *user, const media_cat *c, const char *type,
                          long long total, char *id, size_t idlen)
{
    sim_next_id(s, id, idlen);
    char key[64];
    snprintf(key, sizeof key, "%s_%s", c->key_kind, id);
    int64_t now = sim_now(s);
    json_t *u = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:{}}", "platform", "x", "owner", user,
        "media_key", key, "media_type", type, "media_category", c->name, "kind", c->kind,
        "total_bytes", (json_int_t)total, "created_at", (json_int_t)now, "expires_at",
        (json_int_t)(now + (int64_t)X_MEDIA_TTL_S * 1000), "state", "initialized", "segments");
    json_object_set_new(child(sim_state(s), "uploads"), id, u);
    return u;
}

static long long expires_after(sim *s, json_t *u)
{
    long long left = (json_integer_value(json_object_get(u, "expires_at")) - sim_now(s)) / 1000;
    return left > 0 ? left : 0;
}

/* Validate media_type / total_bytes / media_category; the category, or NULL with the answer. */
static const media_cat *check_init(sim_resp *out, const char *type, const char *total_text,
                                   const char *category, long long *total)
{
    char msg[256];
    if (type == NULL || *type == '\0') {
        invalid(out, "media_type", "", "The `media_type` field is required.", NULL);
        return NULL;
    }
    if (total_text == NULL || parse_ll(total_text, total) != 0 || *total <= 0) {
        invalid(out, "total_bytes", total_text,
                "The `total_bytes` field must be a positive "
                "integer.",
                NULL);
        return NULL;
    }
    const media_cat *c = NULL;
    if (category != NULL) {
        c = cat_named(category);
        if (c == NULL) {
            invalid(out, "media_category", category,
                    "The `media_category` field must be one of tweet_image, tweet_gif, "
                    "tweet_video, amplify_video, subtitles.",
                    NULL);
            return NULL;
        }
    } else {
        c = cat_named(strncmp(type, "video/", 6) == 0  ? "tweet_video"
                      : strncmp(type, "text/", 5) == 0 ? "subtitles"
                                                       : "tweet_image");
    }
    if (c == NULL || !cat_accepts(c, type)) {
        snprintf(msg, sizeof msg, "The media_type %s is not supported for media_category %s.", type,
                 c != NULL ? c->name : "");
        invalid(out, "media_type", type, msg, NULL);
        return NULL;
    }
    if (*total > c->max_bytes) {
        snprintf(msg, sizeof msg, "File size exceeds %lld bytes for media_category %s.",
                 c->max_bytes, c->name);
        invalid(out, "total_bytes", total_text, msg, NULL);
        return NULL;
    }
    return c;
}

static void media_initialize(sim *s, sim_req *r, sim_resp *out, const char *user)
{
    char mt[96], mc[64], total_text[64], id[32];
    const char *type = param(r, "media_type", mt, sizeof mt);
    const char *total_s = param(r, "total_bytes", total_text, sizeof total_text);
    const char *category = param(r, "media_category", mc, sizeof mc);
    long long total = 0;
    const media_cat *c = check_init(out, type, total_s, category, &total);
    if (c == NULL)
        return;
    json_t *u = upload_new(s, user, c, type, total, id, sizeof id);
    sim_reply_json(out, 200,
                   json_pack("{s:{s:s, s:s, s:I}}", "data", "id", id, "media_key",
                             str(u, "media_key"), "expires_after_secs",
                             (json_int_t)expires_after(s, u)));
}

/* Take a stored media record out of the state; its file path into path. */
static void media_forget(sim *s, const char *id, char *path, size_t pathlen)
{
    json_t *media = json_object_get(sim_state(s), "media");
    const char *p = str(json_object_get(media, id), "path");
    snprintf(path, pathlen, "%s", p != NULL ? p : "");
    json_object_del(media, id);
}

/* APPEND: called without the lock (it stores the segment's bytes). */
static void media_append(sim *s, sim_req *r, sim_resp *out, const char *id)
{
    char user[64], si[32];
    sim_lock(s);
    if (api_auth(s, r, out, "media.write", user, sizeof user) != 0 ||
        user_limit(s, out, user, "POST /2/media/upload/append", 1875, 900)) {
        sim_unlock(s);
        return;
    }
    json_t *u = upload_of(s, id, user);
    int open = u != NULL && strcmp(str(u, "state"), "initialized") == 0;
    sim_unlock(s);
    if (!open) {
        invalid(out, "id", id,
                u == NULL ? "The media id is not a pending upload of this user."
                          : "The upload of this media id was already finalized.",
                NULL);
        return;
    }
    long long index = -1;
    const char *idx = param(r, "segment_index", si, sizeof si);
    if (idx == NULL || parse_ll(idx, &index) != 0 || index > 999) {
        invalid(out, "segment_index", idx,
                "The `segment_index` field must be an integer from 0 "
                "to 999.",
                NULL);
        return;
    }
    size_t len = 0;
    unsigned char *bytes = media_bytes(r, &len);
    if (bytes == NULL || len == 0) {
        free(bytes);
        invalid(out, "media", "", "The `media` field (the segment's bytes) is required.", NULL);
        return;
    }
    if ((long long)len > X_SEGMENT_MAX) {
        free(bytes);
        problem(out, 413, "Payload Too Large",
                "The segment is larger than the 8 MB an APPEND may carry.");
        return;
    }
    char seg[64], old_path[1200] = "";
    sim_store_media(s, bytes, len, "application/octet-stream", seg, sizeof seg);
    free(bytes);
    sim_lock(s);
    u = upload_of(s, id, user);
    if (u == NULL || strcmp(str(u, "state"), "initialized") != 0) {
        media_forget(s, seg, old_path, sizeof old_path);
        sim_unlock(s);
        unlink(old_path);
        invalid(out, "id", id, "The upload of this media id was already finalized.", NULL);
        return;
    }
    char key[24];
    snprintf(key, sizeof key, "%lld", index);
    json_t *segs = child(u, "segments");
    const char *prev = str(json_object_get(segs, key), "media");
    if (prev != NULL)
        media_forget(s, prev, old_path, sizeof old_path);
    json_object_set_new(segs, key, json_pack("{s:s, s:I}", "media", seg, "size", (json_int_t)len));
    json_int_t exp = json_integer_value(json_object_get(u, "expires_at")) / 1000;
    sim_unlock(s);
    if (old_path[0] != '\0')
        unlink(old_path);
    sim_reply_json(out, 200, json_pack("{s:{s:I}}", "data", "expires_at", exp));
}

/* Read a stored file whole (malloc'd). */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = n >= 0 ? malloc((size_t)n + 1) : NULL;
    size_t got = data != NULL ? fread(data, 1, (size_t)n, f) : 0;
    fclose(f);
    if (data != NULL && got != (size_t)n) {
        free(data);
        return NULL;
    }
    *len = got;
    return data;
}

/* The processing_info of an upload (NULL when it has none: ready at once). */
static json_t *processing_info(json_t *u)
{
    const char *st = str(u, "processing");
    if (st == NULL)
        return NULL;
    json_t *pi = json_pack("{s:s}", "state", st);
    if (strcmp(st, "pending") == 0 || strcmp(st, "in_progress") == 0)
        json_object_set_new(pi, "check_after_secs", json_integer(1));
    json_object_set_new(pi, "progress_percent",
                        json_integer(json_integer_value(json_object_get(u, "progress"))));
    if (strcmp(st, "failed") == 0)
        json_object_set_new(pi, "error",
                            json_pack("{s:i, s:s, s:s}", "code", 1, "name", "InvalidMedia",
                                      "message",
                                      str(u, "failure") != NULL ? str(u, "failure")
                                                                : "Invalid or Unsupported media, "
                                                                  "Reason: UnsupportedMedia."));
    return pi;
}

/* The FINALIZE/one-shot answer for an upload (under the lock). */
static json_t *finalize_answer(sim *s, const char *id, json_t *u)
{
    json_t *data = json_pack("{s:s, s:s, s:I, s:I}", "id", id, "media_key", str(u, "media_key"),
                             "size", json_integer_value(json_object_get(u, "size")),
                             "expires_after_secs", (json_int_t)expires_after(s, u));
    json_t *pi = processing_info(u);
    if (pi != NULL)
        json_object_set_new(data, "processing_info", pi);
    return json_pack("{s:o}", "data", data);
}

/* Mark an upload finalized with its stored bytes; processing starts for video and GIF. */
static void upload_done(sim *s, json_t *u, const char *stored, size_t size, int valid)
{
    json_object_set_new(u, "state", json_string("finalized"));
    json_object_set_new(u, "media", json_string(stored));
    json_object_set_new(u, "size", json_integer((json_int_t)size));
    const media_cat *c = cat_named(str(u, "media_category"));
    int polls = sim_processing_polls(s, "x");
    if (c != NULL && c->async && polls > 0) {
        json_object_set_new(u, "processing", json_string("pending"));
        json_object_set_new(u, "progress", json_integer(0));
        json_object_set_new(u, "polls_needed", json_integer(polls));
        json_object_set_new(u, "polls", json_integer(0));
        if (!valid)
            json_object_set_new(u, "invalid", json_true());
    } else if (c != NULL && c->async && (!valid || sim_processing_fails(s, "x"))) {
        json_object_set_new(u, "processing", json_string("failed"));
        json_object_set_new(u, "progress", json_integer(100));
    }
}

static void media_finalize(sim *s, sim_req *r, sim_resp *out, const char *id)
{
    char user[64], msg[256];
    sim_lock(s);
    if (api_auth(s, r, out, "media.write", user, sizeof user) != 0 ||
        user_limit(s, out, user, "POST /2/media/upload/finalize", 1875, 900)) {
        sim_unlock(s);
        return;
    }
    json_t *u = upload_of(s, id, user);
    if (u == NULL || strcmp(str(u, "state"), "initialized") != 0) {
        sim_unlock(s);
        invalid(out, "id", id,
                u == NULL ? "The media id is not a pending upload of this user."
                          : "The upload of this media id was already finalized.",
                NULL);
        return;
    }
    /* Segments must be 0..n-1 and add up to total_bytes. */
    json_t *segs = child(u, "segments");
    size_t n = json_object_size(segs);
    long long sum = 0;
    int gap = 0;
    for (size_t i = 0; i < n; i++) {
        char key[24];
        snprintf(key, sizeof key, "%zu", i);
        json_t *seg = json_object_get(segs, key);
        if (seg == NULL)
            gap = 1;
        else
            sum += json_integer_value(json_object_get(seg, "size"));
    }
    long long total = json_integer_value(json_object_get(u, "total_bytes"));
    if (n == 0 || gap || sum != total) {
        sim_unlock(s);
        if (gap)
            snprintf(msg, sizeof msg, "Segments must be numbered 0 to %zu without gaps.", n - 1);
        else
            snprintf(msg, sizeof msg,
                     "The uploaded size (%lld bytes) does not match total_bytes (%lld).", sum,
                     total);
        invalid(out, "total_bytes", "", msg, NULL);
        return;
    }
    json_object_set_new(u, "state", json_string("finalizing"));
    char(*paths)[1200] = calloc(n, sizeof *paths);
    char type[96];
    snprintf(type, sizeof type, "%s", str(u, "media_type"));
    for (size_t i = 0; paths != NULL && i < n; i++) {
        char key[24];
        snprintf(key, sizeof key, "%zu", i);
        media_forget(s, str(json_object_get(segs, key), "media"), paths[i], sizeof paths[i]);
    }
    sim_unlock(s);

    unsigned char *all = paths != NULL ? malloc((size_t)total + 1) : NULL;
    size_t off = 0;
    for (size_t i = 0; i < n && paths != NULL; i++) {
        size_t l = 0;
        unsigned char *part = read_file(paths[i], &l);
        if (all != NULL && part != NULL && off + l <= (size_t)total) {
            memcpy(all + off, part, l);
            off += l;
        }
        free(part);
        unlink(paths[i]);
    }
    free(paths);
    if (all == NULL || off != (size_t)total) {
        free(all);
        sim_lock(s);
        json_object_set_new(u, "state", json_string("initialized"));
        json_object_set_new(u, "segments", json_object());
        sim_unlock(s);
        sim_reply_json(out, 500, json_pack("{s:s}", "error", "could not assemble the upload"));
        return;
    }
    int valid = bytes_match(all, off, type);
    const media_cat *c = NULL;
    sim_lock(s);
    c = cat_named(str(u, "media_category"));
    sim_unlock(s);
    if (!valid && c != NULL && !c->async) {
        free(all);
        sim_lock(s);
        json_object_set_new(u, "state", json_string("initialized"));
        json_object_set_new(u, "segments", json_object());
        sim_unlock(s);
        snprintf(msg, sizeof msg, "The uploaded bytes are not a valid %s file.", type);
        invalid(out, "media", "", msg, NULL);
        return;
    }
    char stored[64];
    sim_store_media(s, all, off, type, stored, sizeof stored);
    free(all);
    sim_lock(s);
    upload_done(s, u, stored, off, valid);
    json_t *answer = finalize_answer(s, id, u);
    sim_unlock(s);
    sim_reply_json(out, 200, answer);
}

static void media_status(sim *s, sim_req *r, sim_resp *out, const char *id_in)
{
    char user[64];
    const char *command = id_in != NULL ? "STATUS" : sim_query(r, "command");
    const char *id = id_in != NULL ? id_in : sim_query(r, "media_id");
    sim_lock(s);
    if (api_auth(s, r, out, "media.write", user, sizeof user) != 0 ||
        user_limit(s, out, user, "GET /2/media/upload", 1000, 900)) {
        sim_unlock(s);
        return;
    }
    if (command == NULL || strcmp(command, "STATUS") != 0) {
        sim_unlock(s);
        invalid(out, "command", command, "The `command` query parameter must be STATUS.", NULL);
        return;
    }
    json_t *u = id != NULL ? upload_of(s, id, user) : NULL;
    if (u == NULL || strcmp(str(u, "state"), "finalized") != 0) {
        sim_unlock(s);
        invalid(out, "media_id", id, "The media id is not a finalized upload of this user.", NULL);
        return;
    }
    const char *st = str(u, "processing");
    if (st != NULL && (strcmp(st, "pending") == 0 || strcmp(st, "in_progress") == 0)) {
        long long polls = json_integer_value(json_object_get(u, "polls")) + 1;
        long long need = json_integer_value(json_object_get(u, "polls_needed"));
        json_object_set_new(u, "polls", json_integer(polls));
        if (polls >= need) {
            int fail = json_is_true(json_object_get(u, "invalid")) || sim_processing_fails(s, "x");
            json_object_set_new(u, "processing", json_string(fail ? "failed" : "succeeded"));
            json_object_set_new(u, "progress", json_integer(100));
        } else {
            json_object_set_new(u, "processing", json_string("in_progress"));
            json_object_set_new(u, "progress", json_integer(polls * 100 / need));
        }
    }
    json_t *data = json_pack("{s:s, s:s}", "id", id, "media_key", str(u, "media_key"));
    json_t *pi = processing_info(u);
    if (pi != NULL)
        json_object_set_new(data, "processing_info", pi);
    sim_unlock(s);
    sim_reply_json(out, 200, json_pack("{s:o}", "data", data));
}

/* POST /2/media/upload: one-shot image upload, or the legacy command=INIT|APPEND|FINALIZE form. */
static void media_simple(sim *s, sim_req *r, sim_resp *out)
{
    char cmdb[32], idb[64], user[64];
    const char *command = param(r, "command", cmdb, sizeof cmdb);
    if (command != NULL) {
        const char *id = param(r, "media_id", idb, sizeof idb);
        if (strcmp(command, "INIT") == 0) {
            sim_lock(s);
            if (api_auth(s, r, out, "media.write", user, sizeof user) == 0 &&
                !user_limit(s, out, user, "POST /2/media/upload/initialize", 1875, 900))
                media_initialize(s, r, out, user);
            sim_unlock(s);
        } else if (strcmp(command, "APPEND") == 0 && id != NULL) {
            media_append(s, r, out, id);
        } else if (strcmp(command, "FINALIZE") == 0 && id != NULL) {
            media_finalize(s, r, out, id);
        } else if (strcmp(command, "STATUS") == 0 && id != NULL) {
            media_status(s, r, out, id);
        } else {
            invalid(out, "command", command,
                    "The `command` field must be INIT, APPEND, FINALIZE or STATUS with a "
                    "media_id.",
                    NULL);
        }
        return;
    }
    sim_lock(s);
    int denied = api_auth(s, r, out, "media.write", user, sizeof user);
    sim_unlock(s);
    if (denied)
        return;
    size_t len = 0;
    unsigned char *bytes = media_bytes(r, &len);
    if (bytes == NULL) {
        invalid(out, "media", "", "The `media` field is required.", NULL);
        return;
    }
    char mc[64], mt[96], total_text[32];
    const char *category = param(r, "media_category", mc, sizeof mc);
    const char *type = param(r, "media_type", mt, sizeof mt);
    if (type == NULL)
        type = sniff_image(bytes, len);
    if (type == NULL) {
        free(bytes);
        invalid(out, "media", "", "The media is not a JPEG, PNG, GIF or WEBP image.", NULL);
        return;
    }
    snprintf(total_text, sizeof total_text, "%zu", len);
    long long total = 0;
    const media_cat *c = check_init(out, type, total_text, category, &total);
    if (c == NULL) {
        free(bytes);
        return;
    }
    if (strcmp(c->kind, "video") == 0) {
        free(bytes);
        invalid(out, "media_category", c->name,
                "Videos must be uploaded in chunks (initialize, append, finalize).", NULL);
        return;
    }
    int valid = bytes_match(bytes, len, type);
    if (!valid && !c->async) {
        free(bytes);
        invalid(out, "media", "", "The uploaded bytes are not a valid image of media_type.", NULL);
        return;
    }
    char stored[64], id[32];
    sim_store_media(s, bytes, len, type, stored, sizeof stored);
    free(bytes);
    sim_lock(s);
    json_t *u = upload_new(s, user, c, type, total, id, sizeof id);
    upload_done(s, u, stored, len, valid);
    json_t *answer = finalize_answer(s, id, u);
    sim_unlock(s);
    sim_reply_json(out, 200, answer);
}

/* ---- posts ---- */

/* The live (not deleted) X post with id, or NULL (under the lock). */
static json_t *live_post(sim *s, const char *id)
{
    json_t *p = sim_post_find(s, "x", id);
    return p != NULL && !json_is_true(json_object_get(p, "deleted")) ? p : NULL;
}

typedef struct metrics {
    long long retweet, reply, like, quote, bookmark, impression, link_clicks, profile_clicks;
} metrics;

/* Deterministic engagement that grows with the simulated time since posting. */
static metrics metrics_of(sim *s, json_t *post, int64_t now)
{
    metrics m;
    const char *id = str(post, "id");
    uint64_t h = fnv(id);
    int64_t at = json_integer_value(json_object_get(post, "at"));
    long long em = now > at ? (long long)((now - at) / 60000) : 0;
    long long e = em <= 1440 ? em : 1440 + (em - 1440) / 20;
    long long replies = 0;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(sim_state(s), "posts"), i, p)
    {
        const char *to = str(p, "in_reply_to");
        if (to != NULL && strcmp(to, id) == 0 && !json_is_true(json_object_get(p, "deleted")))
            replies++;
    }
    m.impression = e * (long long)(4 + h % 7);
    m.like = m.impression / (long long)(18 + (h >> 8) % 9);
    m.retweet = m.like / (long long)(5 + (h >> 16) % 4);
    m.reply = m.like / (long long)(8 + (h >> 24) % 5) + replies;
    m.quote = m.retweet / (long long)(3 + (h >> 32) % 3);
    m.bookmark = m.like / (long long)(4 + (h >> 40) % 4);
    m.link_clicks = m.impression / (long long)(40 + (h >> 48) % 20);
    m.profile_clicks = m.impression / (long long)(60 + (h >> 56) % 20);
    return m;
}

/* A post as X shows it, with the tweet.fields asked for (under the lock). */
static json_t *tweet_json(sim *s, json_t *post, const char *fields, const char *viewer)
{
    const char *id = str(post, "id");
    const char *shown = str(post, "shown_text");
    json_t *t = json_pack("{s:s, s:s, s:[s]}", "id", id, "text",
                          shown != NULL ? shown : str(post, "text"), "edit_history_tweet_ids", id);
    if (fields == NULL)
        return t;
    int64_t now = sim_now(s), at = json_integer_value(json_object_get(post, "at"));
    char when[40];
    if (has_item(fields, "author_id", ","))
        json_object_set_new(t, "author_id", json_string(str(post, "account")));
    if (has_item(fields, "created_at", ",")) {
        iso_time(at, when, sizeof when);
        json_object_set_new(t, "created_at", json_string(when));
    }
    if (has_item(fields, "conversation_id", ","))
        json_object_set_new(t, "conversation_id", json_string(str(post, "conversation_id")));
    if (has_item(fields, "in_reply_to_user_id", ",") && str(post, "in_reply_to_user_id") != NULL)
        json_object_set_new(t, "in_reply_to_user_id",
                            json_string(str(post, "in_reply_to_user_id")));
    if (has_item(fields, "referenced_tweets", ",")) {
        json_t *refs = json_array();
        if (str(post, "in_reply_to") != NULL)
            json_array_append_new(refs, json_pack("{s:s, s:s}", "type", "replied_to", "id",
                                                  str(post, "in_reply_to")));
        if (str(post, "quote_tweet_id") != NULL)
            json_array_append_new(
                refs, json_pack("{s:s, s:s}", "type", "quoted", "id", str(post, "quote_tweet_id")));
        if (json_array_size(refs) > 0)
            json_object_set_new(t, "referenced_tweets", refs);
        else
            json_decref(refs);
    }
    if (has_item(fields, "attachments", ",") &&
        json_array_size(json_object_get(post, "media_keys")))
        json_object_set_new(t, "attachments",
                            json_pack("{s:O}", "media_keys", json_object_get(post, "media_keys")));
    if (has_item(fields, "reply_settings", ","))
        json_object_set_new(t, "reply_settings", json_string(str(post, "reply_settings")));
    if (has_item(fields, "possibly_sensitive", ","))
        json_object_set_new(t, "possibly_sensitive", json_false());
    if (has_item(fields, "lang", ","))
        json_object_set_new(t, "lang", json_string("en"));
    if (has_item(fields, "edit_controls", ",")) {
        iso_time(at + 3600 * 1000, when, sizeof when);
        json_object_set_new(t, "edit_controls",
                            json_pack("{s:i, s:b, s:s}", "edits_remaining", 5, "is_edit_eligible",
                                      now < at + 3600 * 1000, "editable_until", when));
    }
    metrics m = metrics_of(s, post, now);
    if (has_item(fields, "public_metrics", ","))
        json_object_set_new(t, "public_metrics",
                            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "retweet_count",
                                      (json_int_t)m.retweet, "reply_count", (json_int_t)m.reply,
                                      "like_count", (json_int_t)m.like, "quote_count",
                                      (json_int_t)m.quote, "bookmark_count", (json_int_t)m.bookmark,
                                      "impression_count", (json_int_t)m.impression));
    /* Private metrics: the author's own posts under 30 days old only. */
    int own = viewer != NULL && strcmp(viewer, str(post, "account")) == 0 &&
              now - at < 30LL * 86400 * 1000;
    if (own && has_item(fields, "non_public_metrics", ","))
        json_object_set_new(t, "non_public_metrics",
                            json_pack("{s:I, s:I, s:I}", "impression_count",
                                      (json_int_t)m.impression, "url_link_clicks",
                                      (json_int_t)m.link_clicks, "user_profile_clicks",
                                      (json_int_t)m.profile_clicks));
    if (own && has_item(fields, "organic_metrics", ","))
        json_object_set_new(t, "organic_metrics",
                            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "impression_count",
                                      (json_int_t)m.impression, "like_count", (json_int_t)m.like,
                                      "reply_count", (json_int_t)m.reply, "retweet_count",
                                      (json_int_t)m.retweet, "url_link_clicks",
                                      (json_int_t)m.link_clicks, "user_profile_clicks",
                                      (json_int_t)m.profile_clicks));
    return t;
}

/* Check tweet.fields; 0, or -1 with the answer written. */
static int check_tweet_fields(sim_resp *out, const char *fields)
{
    char bad[128], msg[256];
    if (fields != NULL && bad_item(fields, tweet_fields, bad, sizeof bad)) {
        snprintf(msg, sizeof msg,
                 "The `tweet.fields` query parameter value [%s] is not one of the allowed tweet "
                 "fields",
                 bad);
        invalid(out, "tweet.fields", bad, msg, NULL);
        return -1;
    }
    return 0;
}

/* The fields of a POST /2/tweets body, comma-separated. */
static const char tweet_keys[] =
    "text,media,reply,quote_tweet_id,poll,reply_settings,made_with_ai,paid_partnership,"
    "community_id,direct_message_deep_link,for_super_followers_only,geo,nullcast,card_uri,"
    "edit_options,share_with_followers";

/*
 * Validate the JSON body of POST /2/tweets apart from references to other
 * objects; 0, or -1 with the answer written.
 */
static int check_tweet_body(sim_resp *out, json_t *b)
{
    char msg[300];
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v)
    {
        if (!has_item(tweet_keys, k, ",")) {
            snprintf(msg, sizeof msg, "The following properties are not allowed: [%s]", k);
            invalid(out, k, "", msg, NULL);
            return -1;
        }
    }
    json_t *text = json_object_get(b, "text");
    if (text != NULL && !json_is_string(text)) {
        invalid(out, "text", "", "The `text` field must be a string.", NULL);
        return -1;
    }
    json_t *media = json_object_get(b, "media");
    if (media != NULL) {
        json_t *ids = json_object_get(media, "media_ids");
        if (!json_is_object(media) || !json_is_array(ids) || json_array_size(ids) < 1 ||
            json_array_size(ids) > 4) {
            invalid(out, "media.media_ids", "",
                    "The `media.media_ids` field must list 1 to 4 media ids (a maximum of 4 "
                    "items).",
                    NULL);
            return -1;
        }
        size_t i;
        json_array_foreach(ids, i, v)
        {
            if (!json_is_string(v) || !is_id(json_string_value(v))) {
                invalid(out, "media.media_ids", json_string_value(v),
                        "Each media id must be a string of 1 to 19 digits.", NULL);
                return -1;
            }
        }
    }
    json_t *reply = json_object_get(b, "reply");
    if (reply != NULL &&
        (!json_is_object(reply) ||
         !is_id(json_string_value(json_object_get(reply, "in_reply_to_tweet_id"))))) {
        invalid(out, "reply.in_reply_to_tweet_id", "",
                "The `reply.in_reply_to_tweet_id` field must be a post id (1 to 19 digits).", NULL);
        return -1;
    }
    json_t *quote = json_object_get(b, "quote_tweet_id");
    if (quote != NULL && !is_id(json_string_value(quote))) {
        invalid(out, "quote_tweet_id", "", "The `quote_tweet_id` field must be a post id.", NULL);
        return -1;
    }
    json_t *rs = json_object_get(b, "reply_settings");
    if (rs != NULL) {
        const char *r = json_string_value(rs);
        if (r == NULL || (strcmp(r, "following") != 0 && strcmp(r, "mentionedUsers") != 0 &&
                          strcmp(r, "subscribers") != 0 && strcmp(r, "verified") != 0)) {
            invalid(out, "reply_settings", r,
                    "The `reply_settings` field must be one of following, mentionedUsers, "
                    "subscribers, verified.",
                    NULL);
            return -1;
        }
    }
    json_t *poll = json_object_get(b, "poll");
    if (poll != NULL) {
        json_t *opts = json_object_get(poll, "options");
        json_int_t dur = json_integer_value(json_object_get(poll, "duration_minutes"));
        int ok = json_is_object(poll) && json_is_array(opts) && json_array_size(opts) >= 2 &&
                 json_array_size(opts) <= 4 && dur >= 5 && dur <= 10080;
        size_t i;
        json_array_foreach(opts, i, v)
        {
            int w = json_is_string(v)
                        ? xtext_weighted(json_string_value(v), json_string_length(v), NULL)
                        : -1;
            if (w < 1 || w > 25)
                ok = 0;
        }
        if (!ok) {
            invalid(out, "poll", "",
                    "A poll needs 2 to 4 options of 1 to 25 characters and duration_minutes "
                    "from 5 to 10080.",
                    NULL);
            return -1;
        }
        if (media != NULL || quote != NULL) {
            invalid(out, "poll", "", "poll is mutually exclusive with media and quote_tweet_id.",
                    NULL);
            return -1;
        }
    }
    for (const char *const *f = (const char *const[]){"made_with_ai", "paid_partnership",
                                                      "for_super_followers_only", "nullcast", NULL};
         *f != NULL; f++) {
        json_t *bv = json_object_get(b, *f);
        if (bv != NULL && !json_is_boolean(bv)) {
            snprintf(msg, sizeof msg, "The `%s` field must be a boolean.", *f);
            invalid(out, *f, "", msg, NULL);
            return -1;
        }
    }
    const char *tv = json_string_value(text);
    if ((tv == NULL || *tv == '\0') && media == NULL && poll == NULL &&
        json_object_get(b, "card_uri") == NULL) {
        invalid(out, "text", "", "The post must have text, media or a poll.", NULL);
        return -1;
    }
    if (tv != NULL) {
        int w = xtext_weighted(tv, json_string_length(text), NULL);
        if (w < 0) {
            invalid(out, "text", "", "The `text` field is not valid UTF-8.", NULL);
            return -1;
        }
        if (w > X_MAX_WEIGHTED) {
            snprintf(msg, sizeof msg,
                     "Your Tweet text is too long: its weighted length is %d and the limit is "
                     "%d. For more information on how Twitter determines text length see "
                     "https://github.com/twitter/twitter-text.",
                     w, X_MAX_WEIGHTED);
            invalid(out, "text", "", msg, msg);
            return -1;
        }
    }
    return 0;
}

static void tweet_create(sim *s, sim_req *r, sim_resp *out)
{
    char user[64];
    sim_lock(s);
    if (api_auth(s, r, out, "tweet.read tweet.write users.read", user, sizeof user) != 0 ||
        user_limit(s, out, user, "POST /2/tweets", 100, 900)) {
        sim_unlock(s);
        return;
    }
    sim_unlock(s);
    const char *ct = sim_header(r, "Content-Type");
    json_t *b = sim_json(r);
    if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0) {
        invalid(out, NULL, NULL, "Requests with bodies must have content-type of application/json.",
                NULL);
        return;
    }
    if (!json_is_object(b)) {
        invalid(out, NULL, NULL, "The request body is not a JSON object.", NULL);
        return;
    }
    if (check_tweet_body(out, b) != 0)
        return;
    json_t *text = json_object_get(b, "text");
    const char *tv = json_string_value(text) != NULL ? json_string_value(text) : "";
    json_t *ids = json_object_get(json_object_get(b, "media"), "media_ids");
    const char *reply_to =
        json_string_value(json_object_get(json_object_get(b, "reply"), "in_reply_to_tweet_id"));
    const char *quote = json_string_value(json_object_get(b, "quote_tweet_id"));

    sim_lock(s);
    json_t *stored = json_array(), *keys = json_array();
    size_t i, images = 0, motion = 0;
    json_t *v;
    const char *bad = NULL;
    json_array_foreach(ids, i, v)
    {
        json_t *u = upload_of(s, json_string_value(v), user);
        const char *ps = u != NULL ? str(u, "processing") : NULL;
        if (u == NULL || strcmp(str(u, "state"), "finalized") != 0 ||
            (ps != NULL && strcmp(ps, "succeeded") != 0) ||
            json_integer_value(json_object_get(u, "expires_at")) <= sim_now(s) ||
            strcmp(str(u, "kind"), "subtitles") == 0) {
            bad = json_string_value(v);
            break;
        }
        if (strcmp(str(u, "kind"), "image") == 0)
            images++;
        else
            motion++;
        json_array_append_new(stored, json_string(str(u, "media")));
        json_array_append_new(keys, json_string(str(u, "media_key")));
    }
    char msg[200];
    if (bad != NULL || motion > 1 || (motion == 1 && images > 0)) {
        sim_unlock(s);
        json_decref(stored);
        json_decref(keys);
        if (bad != NULL)
            snprintf(msg, sizeof msg,
                     "Your media IDs are invalid: %s is not an uploaded, finished media of "
                     "this user.",
                     bad);
        else
            snprintf(msg, sizeof msg, "A post can carry up to 4 images, or 1 GIF, or 1 video.");
        invalid(out, "media.media_ids", bad, msg, NULL);
        return;
    }
    json_t *parent = reply_to != NULL ? live_post(s, reply_to) : NULL;
    if ((reply_to != NULL && parent == NULL) || (quote != NULL && live_post(s, quote) == NULL)) {
        sim_unlock(s);
        json_decref(stored);
        json_decref(keys);
        problem(out, 403, "Forbidden",
                reply_to != NULL && parent == NULL
                    ? "You attempted to reply to a Tweet that is deleted or not visible to you."
                    : "You attempted to quote a Tweet that is deleted or not visible to you.");
        return;
    }
    json_array_foreach(json_object_get(sim_state(s), "posts"), i, v)
    {
        if (*tv != '\0' && strcmp(str(v, "platform"), "x") == 0 &&
            strcmp(str(v, "account"), user) == 0 && !json_is_true(json_object_get(v, "deleted")) &&
            strcmp(str(v, "text"), tv) == 0) {
            sim_unlock(s);
            json_decref(stored);
            json_decref(keys);
            problem(out, 403, "Forbidden",
                    "You are not allowed to create a Tweet with duplicate content.");
            return;
        }
    }
    char id[32], url[128];
    sim_next_id(s, id, sizeof id);
    snprintf(url, sizeof url, "https://x.com/%s/status/%s", X_USERNAME, id);
    char *shown = xtext_tco_text(tv, json_string_length(text));
    json_t *post =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:b}", "platform",
                  "x", "account", user, "account_name", "@" X_USERNAME, "id", id, "url", url,
                  "text", tv, "kind", reply_to != NULL ? "reply" : "post", "media", stored,
                  "media_keys", keys, "shown_text", shown != NULL ? shown : tv, "conversation_id",
                  parent != NULL ? str(parent, "conversation_id") : id, "reply_settings",
                  json_string_value(json_object_get(b, "reply_settings")) != NULL
                      ? json_string_value(json_object_get(b, "reply_settings"))
                      : "everyone",
                  "deleted", 0);
    free(shown);
    if (post == NULL) {
        sim_unlock(s);
        sim_reply_json(out, 500, json_pack("{s:s}", "error", "could not record the post"));
        return;
    }
    json_object_set_new(post, "media_ids", ids != NULL ? json_deep_copy(ids) : json_array());
    if (parent != NULL) {
        json_object_set_new(post, "in_reply_to", json_string(reply_to));
        json_object_set_new(post, "in_reply_to_user_id", json_string(str(parent, "account")));
    }
    if (quote != NULL)
        json_object_set_new(post, "quote_tweet_id", json_string(quote));
    sim_post_add(s, post);
    json_t *data = tweet_json(s, post, NULL, user);
    sim_unlock(s);
    char location[512];
    snprintf(location, sizeof location, "%s%s/2/tweets/%s", r->base_url, r->prefix, id);
    sim_add_header(out, "location", location);
    sim_reply_json(out, 201, json_pack("{s:o}", "data", data));
}

static void tweet_delete(sim *s, sim_req *r, sim_resp *out, const char *id)
{
    char user[64];
    sim_lock(s);
    if (api_auth(s, r, out, "tweet.read tweet.write users.read", user, sizeof user) != 0) {
        sim_unlock(s);
        return;
    }
    json_t *p = is_id(id) ? live_post(s, id) : NULL;
    if (p == NULL) {
        sim_unlock(s);
        char detail[200];
        snprintf(detail, sizeof detail, "Could not find tweet with id: [%s].", id);
        sim_reply_json(out, 404,
                       json_pack("{s:s, s:s, s:s, s:i}", "title", "Not Found Error", "detail",
                                 detail, "type", X_PROBLEMS "resource-not-found", "status", 404));
        return;
    }
    if (strcmp(str(p, "account"), user) != 0) {
        sim_unlock(s);
        problem(out, 403, "Forbidden", "You are not allowed to delete this Tweet.");
        return;
    }
    json_object_set_new(p, "deleted", json_true());
    json_object_set_new(p, "deleted_at", json_integer(sim_now(s)));
    sim_unlock(s);
    sim_reply_json(out, 200, json_pack("{s:{s:b}}", "data", "deleted", 1));
}

static void tweet_get(sim *s, sim_req *r, sim_resp *out, const char *id)
{
    char user[64];
    sim_lock(s);
    int denied = api_auth(s, r, out, "tweet.read users.read", user, sizeof user);
    sim_unlock(s);
    if (denied)
        return;
    const char *fields = sim_query(r, "tweet.fields");
    if (check_tweet_fields(out, fields) != 0)
        return;
    if (!is_id(id)) {
        invalid(out, "id", id, "The `id` path parameter must be 1 to 19 digits.", NULL);
        return;
    }
    sim_lock(s);
    json_t *p = live_post(s, id);
    json_t *body = p != NULL ? json_pack("{s:o}", "data", tweet_json(s, p, fields, user))
                             : json_pack("{s:[o]}", "errors", not_found_error("tweet", "id", id));
    sim_unlock(s);
    sim_reply_json(out, 200, body);
}

static void user_tweets(sim *s, sim_req *r, sim_resp *out, const char *uid)
{
    char user[64];
    sim_lock(s);
    int denied = api_auth(s, r, out, "tweet.read users.read", user, sizeof user);
    sim_unlock(s);
    if (denied)
        return;
    const char *fields = sim_query(r, "tweet.fields");
    if (check_tweet_fields(out, fields) != 0)
        return;
    if (!is_id(uid)) {
        invalid(out, "id", uid, "The `id` path parameter must be 1 to 19 digits.", NULL);
        return;
    }
    const char *mr = sim_query(r, "max_results"), *since = sim_query(r, "since_id");
    const char *until = sim_query(r, "until_id"), *token = sim_query(r, "pagination_token");
    const char *exclude = sim_query(r, "exclude"), *start = sim_query(r, "start_time");
    const char *end = sim_query(r, "end_time");
    long long max = 10;
    int64_t start_ms = start != NULL ? parse_iso(start) : 0,
            end_ms = end != NULL ? parse_iso(end) : 0;
    if (mr != NULL && (parse_ll(mr, &max) != 0 || max < 5 || max > 100)) {
        invalid(out, "max_results", mr,
                "The `max_results` query parameter value must be between 5 and 100", NULL);
        return;
    }
    if ((since != NULL && !is_id(since)) || (until != NULL && !is_id(until))) {
        invalid(out, since != NULL && !is_id(since) ? "since_id" : "until_id",
                since != NULL && !is_id(since) ? since : until,
                "since_id and until_id must be "
                "post ids.",
                NULL);
        return;
    }
    if (start_ms < 0 || end_ms < 0) {
        invalid(out, start_ms < 0 ? "start_time" : "end_time", start_ms < 0 ? start : end,
                "Times must be ISO 8601 (YYYY-MM-DDTHH:mm:ssZ).", NULL);
        return;
    }
    if (exclude != NULL) {
        char bad[64];
        if (bad_item(exclude, "replies,retweets", bad, sizeof bad)) {
            invalid(out, "exclude", bad, "The `exclude` values must be replies or retweets.", NULL);
            return;
        }
    }
    if (token != NULL && (strncmp(token, "t_", 2) != 0 || !is_id(token + 2))) {
        invalid(out, "pagination_token", token, "The `pagination_token` is not valid.", NULL);
        return;
    }
    if (strcmp(uid, X_USER_ID) != 0) {
        sim_reply_json(out, 200,
                       json_pack("{s:[o]}", "errors", not_found_error("user", "id", uid)));
        return;
    }
    sim_lock(s);
    unsigned long long since_n = since != NULL ? strtoull(since, NULL, 10) : 0;
    unsigned long long until_n = until != NULL ? strtoull(until, NULL, 10) : 0;
    unsigned long long from_n = token != NULL ? strtoull(token + 2, NULL, 10) : 0;
    json_t *posts = json_object_get(sim_state(s), "posts");
    json_t *data = json_array();
    char next[40] = "";
    for (size_t i = json_array_size(posts); i-- > 0;) {
        json_t *p = json_array_get(posts, i);
        if (strcmp(str(p, "platform"), "x") != 0 || strcmp(str(p, "account"), uid) != 0 ||
            json_is_true(json_object_get(p, "deleted")))
            continue;
        unsigned long long n = strtoull(str(p, "id"), NULL, 10);
        int64_t at = json_integer_value(json_object_get(p, "at"));
        if ((since != NULL && n <= since_n) || (until != NULL && n >= until_n) ||
            (token != NULL && n > from_n) || (start != NULL && at < start_ms) ||
            (end != NULL && at > end_ms) ||
            (has_item(exclude, "replies", ",") && strcmp(str(p, "kind"), "reply") == 0))
            continue;
        if ((long long)json_array_size(data) == max) {
            snprintf(next, sizeof next, "t_%s", str(p, "id"));
            break;
        }
        json_array_append_new(data, tweet_json(s, p, fields, user));
    }
    sim_unlock(s);
    size_t n = json_array_size(data);
    json_t *meta = json_pack("{s:I}", "result_count", (json_int_t)n);
    if (n > 0) {
        json_object_set_new(meta, "newest_id", json_string(str(json_array_get(data, 0), "id")));
        json_object_set_new(meta, "oldest_id", json_string(str(json_array_get(data, n - 1), "id")));
    }
    if (next[0] != '\0')
        json_object_set_new(meta, "next_token", json_string(next));
    if (n > 0)
        sim_reply_json(out, 200, json_pack("{s:o, s:o}", "data", data, "meta", meta));
    else {
        json_decref(data);
        sim_reply_json(out, 200, json_pack("{s:o}", "meta", meta));
    }
}

/* ---- dispatch ---- */

static int handle(sim *s, sim_req *r, sim_resp *out)
{
    int get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
    char caps[2][128];
    if (strcmp(r->prefix, "/x/www") == 0) {
        if (get && strcmp(r->path, "/i/oauth2/authorize") == 0) {
            authorize(s, r, out);
            return 0;
        }
        return -1;
    }
    if (get && strcmp(r->path, "/2/oauth2/authorize") == 0) {
        authorize(s, r, out);
    } else if (post && strcmp(r->path, "/2/oauth2/token") == 0) {
        token_endpoint(s, r, out);
    } else if (post && strcmp(r->path, "/2/oauth2/revoke") == 0) {
        revoke_endpoint(s, r, out);
    } else if (get && strcmp(r->path, "/2/users/me") == 0) {
        users_me(s, r, out);
    } else if (post && strcmp(r->path, "/2/tweets") == 0) {
        tweet_create(s, r, out);
    } else if (sim_path(r, "/2/tweets/*", caps, 1) && strcmp(r->method, "DELETE") == 0) {
        tweet_delete(s, r, out, caps[0]);
    } else if (get && sim_path(r, "/2/tweets/*", caps, 1)) {
        tweet_get(s, r, out, caps[0]);
    } else if (get && sim_path(r, "/2/users/*/tweets", caps, 1)) {
        user_tweets(s, r, out, caps[0]);
    } else if (post && strcmp(r->path, "/2/media/upload/initialize") == 0) {
        char user[64];
        sim_lock(s);
        if (api_auth(s, r, out, "media.write", user, sizeof user) == 0 &&
            !user_limit(s, out, user, "POST /2/media/upload/initialize", 1875, 900)) {
            if (!json_is_object(sim_json(r)))
                invalid(out, NULL, NULL, "The request body must be a JSON object.", NULL);
            else
                media_initialize(s, r, out, user);
        }
        sim_unlock(s);
    } else if (post && sim_path(r, "/2/media/upload/*/append", caps, 1)) {
        media_append(s, r, out, caps[0]);
    } else if (post && sim_path(r, "/2/media/upload/*/finalize", caps, 1)) {
        media_finalize(s, r, out, caps[0]);
    } else if (get && strcmp(r->path, "/2/media/upload") == 0) {
        media_status(s, r, out, NULL);
    } else if (post && strcmp(r->path, "/2/media/upload") == 0) {
        media_simple(s, r, out);
    } else {
        return -1;
    }
    return 0;
}

static void error(sim_resp *out, int status, const char *kind, const char *message)
{
    if (strcmp(kind, "rate_limited") == 0) {
        sim_reply_json(out, status,
                       json_pack("{s:s, s:s, s:s, s:i}", "title", "Too Many Requests", "detail",
                                 "Too Many Requests", "type", "about:blank", "status", status));
    } else if (strcmp(kind, "not_found") == 0) {
        sim_reply_json(out, status,
                       json_pack("{s:s, s:s, s:s, s:i}", "title", "Not Found Error", "detail",
                                 message, "type", X_PROBLEMS "resource-not-found", "status",
                                 status));
    } else {
        const char *title = status == 500   ? "Internal Server Error"
                            : status == 502 ? "Bad Gateway"
                            : status == 504 ? "Gateway Timeout"
                            : status == 503 ? "Service Unavailable"
                                            : "Error";
        problem(out, status, title, title);
    }
}

const sim_module sim_x = {"x", {"/x/www", "/x/api", NULL}, handle, error};
