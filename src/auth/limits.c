/* limits.c - throttling keys and windows over store/throttle.h. */
#include "auth/limits.h"
#include "auth/tokens.h"
#include "core/clock.h"
#include "store/throttle.h"

#include <stdio.h>

static const char *kind_name(limit_kind k)
{
    return k == LIMIT_SIGNUP ? "signup" : "login";
}

/* "login:fail:ip:1.2.3.4" or "login:fail:email:<sha256>". */
static void key_ip(char *out, size_t n, limit_kind k, const char *what, const http_req *req)
{
    snprintf(out, n, "%s:%s:ip:%s", kind_name(k), what, req->ip);
}

static void key_email(char *out, size_t n, limit_kind k, const char *email)
{
    char h[TOKEN_HASH_HEX];
    token_hash(email, h);
    snprintf(out, n, "%s:fail:email:%s", kind_name(k), h);
}

/* Seconds left in key's window if its count reached limit, else 0. */
static int over(const http_req *req, const char *key, int64_t limit)
{
    const config *cfg = req->app->cfg;
    int64_t now = clock_now_ms(), count = 0, reset = 0;
    if (store_throttle_peek(req->app->db, key, (int64_t)cfg->auth_window_s * 1000, now, &count,
                            &reset) != APP_OK)
        return 0;
    if (count < limit)
        return 0;
    int64_t s = (reset - now + 999) / 1000;
    return s > 0 ? (int)s : 1;
}

int limits_blocked(const http_req *req, limit_kind kind, const char *email)
{
    const config *cfg = req->app->cfg;
    char key[160];
    int wait = 0, w;
    if (kind != LIMIT_REAUTH) {
        key_ip(key, sizeof key, kind, "fail", req);
        if ((w = over(req, key, cfg->auth_fail_limit)) > wait)
            wait = w;
    }
    if (email != NULL) {
        key_email(key, sizeof key, kind, email);
        if ((w = over(req, key, cfg->auth_fail_limit)) > wait)
            wait = w;
    }
    if (kind == LIMIT_SIGNUP) {
        key_ip(key, sizeof key, kind, "made", req);
        if ((w = over(req, key, cfg->signup_limit)) > wait)
            wait = w;
    }
    return wait;
}

static void hit(const http_req *req, const char *key)
{
    int64_t count, reset;
    store_throttle_hit(req->app->db, key, (int64_t)req->app->cfg->auth_window_s * 1000,
                       clock_now_ms(), &count, &reset);
}

void limits_failed(const http_req *req, limit_kind kind, const char *email)
{
    char key[160];
    if (kind != LIMIT_REAUTH) {
        key_ip(key, sizeof key, kind, "fail", req);
        hit(req, key);
    }
    if (email != NULL) {
        key_email(key, sizeof key, kind, email);
        hit(req, key);
    }
}

void limits_succeeded(const http_req *req, limit_kind kind, const char *email)
{
    char key[160];
    if (kind == LIMIT_LOGIN && email != NULL) {
        key_email(key, sizeof key, kind, email);
        store_throttle_clear(req->app->db, key);
    } else if (kind == LIMIT_SIGNUP) {
        key_ip(key, sizeof key, kind, "made", req);
        hit(req, key);
    }
}

void limits_reply(http_req *req, int seconds)
{
    char msg[128];
    snprintf(msg, sizeof msg, "too many attempts; try again in %d seconds", seconds);
    req->retry_after = seconds;
    http_reply_error(req, 429, "too_many_requests", msg, NULL);
}
