/* guard.c - authentication, CSRF and the permission check before every handler. */
#include "auth/guard.h"
#include "auth/tokens.h"
#include "core/clock.h"
#include "crypto/keyring.h"
#include "store/apikeys.h"
#include "store/sessions.h"
#include "store/workspaces.h"

#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int64_t guard_parse_id(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 18)
        return 0;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (*p - '0');
    }
    return v;
}

void guard_csrf_token(const http_req *req, char *out)
{
    out[0] = '\0';
    if (req->auth.session_id > 0) {
        unsigned char key[KEY_BYTES];
        keyring_current(req->app->keys, key);
        token_csrf(key, req->auth.session_hash, out);
        sodium_memzero(key, sizeof key);
    }
}

void guard_set_session_cookie(http_req *req, const char *token)
{
    const config *cfg = req->app->cfg;
    int secure = strncmp(cfg->public_url, "https://", 8) == 0;
    if (token == NULL)
        snprintf(req->set_cookie, sizeof req->set_cookie,
                 SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0%s",
                 secure ? "; Secure" : "");
    else
        snprintf(req->set_cookie, sizeof req->set_cookie,
                 SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%ld%s", token,
                 (long)cfg->session_max_days * 86400L, secure ? "; Secure" : "");
}

/*
 * 1 if got is the session's CSRF token under any master key version held: a
 * key rotation (or nodes that picked it up at different moments) must not
 * turn every open page's token stale.
 */
static int csrf_ok(const http_req *req, const char *got)
{
    if (got == NULL)
        return 0;
    int versions[KEYRING_MAX];
    int n = keyring_versions(req->app->keys, versions, KEYRING_MAX);
    int ok = 0;
    for (int i = 0; i < n && !ok; i++) {
        unsigned char key[KEY_BYTES];
        char want[TOKEN_MAX];
        if (keyring_get(req->app->keys, versions[i], key) != 0)
            continue;
        token_csrf(key, req->auth.session_hash, want);
        sodium_memzero(key, sizeof key);
        ok = token_equal(got, want);
    }
    return ok;
}

static int is_unsafe(const char *method)
{
    return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

/* Identify the caller.  -1 after answering (a bad API key or a store failure). */
static int authenticate(http_req *req)
{
    const app *a = req->app;
    int64_t now = clock_now_ms();
    const char *authz = http_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
    if (authz != NULL) {
        if (strncmp(authz, "Bearer ", 7) != 0 || !token_well_formed(authz + 7, API_KEY_PREFIX)) {
            http_reply_error(req, 401, "unauthenticated",
                             "the Authorization header must be 'Bearer' and an API key", NULL);
            return -1;
        }
        char hash[TOKEN_HASH_HEX];
        token_hash(authz + 7, hash);
        app_err e =
            store_apikey_lookup(a->db, hash, now, &req->auth.user_id, &req->auth.api_key_id);
        if (e == APP_ENOTFOUND) {
            http_reply_error(req, 401, "unauthenticated", "this API key is unknown or revoked",
                             NULL);
            return -1;
        }
        if (e != APP_OK) {
            http_reply_error(req, 503, "busy", "the database is busy; try again", NULL);
            return -1;
        }
        return 0;
    }
    const char *cookie = MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    if (cookie == NULL || !token_well_formed(cookie, ""))
        return 0;
    token_hash(cookie, req->auth.session_hash);
    int64_t idle_ms = (int64_t)a->cfg->session_idle_hours * 3600 * 1000;
    app_err e = store_session_lookup(a->db, req->auth.session_hash, idle_ms, now,
                                     &req->auth.user_id, &req->auth.session_id);
    if (e != APP_OK) {
        req->auth.user_id = 0;
        req->auth.session_id = 0;
        req->auth.session_hash[0] = '\0';
        if (e != APP_ENOTFOUND) {
            http_reply_error(req, 503, "busy", "the database is busy; try again", NULL);
            return -1;
        }
    }
    return 0;
}

int guard_check(http_req *req)
{
    const route *r = req->match.route;
    if (r->perm == PERM_PUBLIC && (r->flags & ROUTE_OWN_AUTH))
        return 0;
    if (authenticate(req) != 0)
        return -1;
    if (r->perm == PERM_PUBLIC)
        return 0;
    if (req->auth.user_id == 0) {
        http_reply_error(req, 401, "unauthenticated", "sign in first", NULL);
        return -1;
    }
    if ((r->perm == PERM_SESSION || (r->flags & ROUTE_BROWSER)) && req->auth.api_key_id > 0) {
        http_reply_error(req, 403, "session_required",
                         "this needs a signed-in browser session, not an API key", NULL);
        return -1;
    }
    if (req->auth.session_id > 0 && is_unsafe(req->method) &&
        !csrf_ok(req, http_header(req, "X-CSRF-Token"))) {
        http_reply_error(req, 403, "csrf_failed",
                         "missing or wrong X-CSRF-Token header; reload the page", NULL);
        return -1;
    }
    if (!rbac_is_workspace_perm(r->perm))
        return 0;
    int64_t ws = guard_parse_id(http_param(req, "id"));
    role rl = ROLE_NONE;
    if (ws > 0 && store_member_role(req->app->db, ws, req->auth.user_id, req->auth.api_key_id,
                                    &rl) != APP_OK) {
        http_reply_error(req, 503, "busy", "the database is busy; try again", NULL);
        return -1;
    }
    if (rl == ROLE_NONE) {
        http_reply_error(req, 404, "not_found", "no such workspace", NULL);
        return -1;
    }
    req->auth.workspace_id = ws;
    req->auth.ws_role = rl;
    if (!rbac_allows(rl, r->perm)) {
        char msg[128];
        snprintf(msg, sizeof msg, "your role (%s) may not do this in this workspace",
                 rbac_role_name(rl));
        http_reply_error(req, 403, "forbidden", msg, NULL);
        return -1;
    }
    return 0;
}
