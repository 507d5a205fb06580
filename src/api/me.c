/* me.c - the signed-in person: profile, password, sessions, API keys. */
#include "api/api.h"
#include "api/common.h"
#include "api/validate.h"
#include "auth/guard.h"
#include "auth/limits.h"
#include "auth/passwords.h"
#include "auth/tokens.h"
#include "core/clock.h"
#include "core/text.h"
#include "store/apikeys.h"
#include "store/sessions.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Most workspaces one API key may be given. */
#define KEY_MAX_WORKSPACES 100

static int64_t idle_ms(const http_req *req)
{
    return (int64_t)req->app->cfg->session_idle_hours * 3600 * 1000;
}

void api_me_get(http_req *req)
{
    store_user u;
    app_err e = store_user_get(req->app->db, req->auth.user_id, &u);
    if (e != APP_OK) {
        api_fail(req, e, "account");
        return;
    }
    api_reply_me(req, 200, &u);
}

void api_me_patch(http_req *req)
{
    const char *name, *email_in, *tz;
    char email[256];
    if (v_string(req, "name", 0, 1, 100, 0, &name) != 0 ||
        v_string(req, "email", 0, 3, 254, 0, &email_in) != 0 ||
        v_string(req, "timezone", 0, 1, 63, 0, &tz) != 0)
        return;
    if (name == NULL && email_in == NULL && tz == NULL) {
        http_reply_error(req, 400, "invalid_field", "give at least one of name, email, timezone",
                         NULL);
        return;
    }
    if (email_in != NULL) {
        const char *bad = text_email_normalize(email_in, email, sizeof email);
        if (bad != NULL) {
            http_reply_error(req, 400, "invalid_field", bad, "email");
            return;
        }
    }
    if (tz != NULL && !text_timezone_valid(tz)) {
        http_reply_error(req, 400, "invalid_field",
                         "timezone must be an IANA time zone name such as Europe/Paris",
                         "timezone");
        return;
    }
    actor who;
    http_actor(req, &who);
    store_user u;
    app_err e = store_user_update(req->app->db, &who, name, email_in != NULL ? email : NULL, tz,
                                  clock_now_ms(), &u);
    if (e == APP_ECONFLICT) {
        http_reply_error(req, 409, "conflict", "another account uses this email", "email");
        return;
    }
    if (e != APP_OK) {
        api_fail(req, e, "account");
        return;
    }
    api_reply_me(req, 200, &u);
}

void api_me_password(http_req *req)
{
    json_t *cur = json_object_get(req->json, "current_password");
    json_t *nw = json_object_get(req->json, "new_password");
    if (!json_is_string(cur) || json_string_length(cur) == 0) {
        http_reply_error(req, 400, "invalid_field", "current_password is required",
                         "current_password");
        return;
    }
    if (!json_is_string(nw)) {
        http_reply_error(req, 400, "invalid_field", "new_password is required", "new_password");
        return;
    }
    store_user u;
    app_err e = store_user_get(req->app->db, req->auth.user_id, &u);
    if (e != APP_OK) {
        api_fail(req, e, "account");
        return;
    }
    int wait = limits_blocked(req, LIMIT_REAUTH, u.email);
    if (wait > 0) {
        limits_reply(req, wait);
        return;
    }
    char hash[PW_HASH_MAX];
    if ((e = store_user_password_hash(req->app->db, u.id, hash, sizeof hash)) != APP_OK) {
        api_fail(req, e, "account");
        return;
    }
    int ok = 0, rehash = 0;
    const char *current = json_string_value(cur);
    e = pw_verify(req->app->hasher, hash, utf8_chars(current) <= 1024 ? current : "", &ok, &rehash);
    sodium_memzero(hash, sizeof hash);
    if (e != APP_OK) {
        api_fail(req, e, "password");
        return;
    }
    if (!ok) {
        limits_failed(req, LIMIT_REAUTH, u.email);
        http_reply_error(req, 400, "invalid_field", "the current password is wrong",
                         "current_password");
        return;
    }
    const char *bad = pw_rules(json_string_value(nw), u.email);
    if (bad != NULL) {
        http_reply_error(req, 400, "invalid_field", bad, "new_password");
        return;
    }
    if ((e = pw_hash(req->app->hasher, json_string_value(nw), hash)) != APP_OK) {
        api_fail(req, e, "password");
        return;
    }
    actor who;
    http_actor(req, &who);
    new_session ns;
    api_new_session(req, &ns);
    store_new_session s = {ns.hash, ns.expires_at};
    int64_t sid = 0;
    e = store_user_change_password(req->app->db, &who, hash, &s, clock_now_ms(), &sid);
    sodium_memzero(hash, sizeof hash);
    if (e != APP_OK) {
        api_fail(req, e, "account");
        return;
    }
    api_session_started(req, &ns, sid);
    api_reply_me(req, 200, &u);
}

void api_sessions_list(http_req *req)
{
    json_t *items = NULL;
    app_err e = store_session_list(req->app->db, req->auth.user_id, req->auth.session_id,
                                   idle_ms(req), clock_now_ms(), &items);
    if (e != APP_OK) {
        api_fail(req, e, "session");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

void api_sessions_delete(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "session_id"));
    actor who;
    http_actor(req, &who);
    app_err e =
        id > 0 ? store_session_delete(req->app->db, &who, id, clock_now_ms()) : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "session");
        return;
    }
    if (id == req->auth.session_id)
        guard_set_session_cookie(req, NULL);
    http_reply_empty(req, 204);
}

void api_keys_list(http_req *req)
{
    json_t *items = NULL;
    app_err e = store_apikey_list(req->app->db, req->auth.user_id, &items);
    if (e != APP_OK) {
        api_fail(req, e, "API key");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

void api_keys_create(http_req *req)
{
    const char *name;
    int64_t ids[KEY_MAX_WORKSPACES];
    size_t n = 0;
    if (v_string(req, "name", 1, 1, 100, 0, &name) != 0 ||
        api_id_array(req, "workspace_ids", ids, KEY_MAX_WORKSPACES, &n) != 0)
        return;
    char key[TOKEN_MAX], hash[TOKEN_HASH_HEX], prefix[16];
    token_new(API_KEY_PREFIX, key);
    token_hash(key, hash);
    snprintf(prefix, sizeof prefix, "%.12s", key);
    actor who;
    http_actor(req, &who);
    json_t *k = NULL;
    app_err e =
        store_apikey_create(req->app->db, &who, name, prefix, hash, ids, n, clock_now_ms(), &k);
    if (e == APP_EINVAL) {
        http_reply_error(req, 400, "invalid_field",
                         "workspace_ids must name workspaces you belong to", "workspace_ids");
        return;
    }
    if (e != APP_OK) {
        api_fail(req, e, "API key");
        return;
    }
    http_reply_json(req, 201, json_pack("{s:o, s:s}", "api_key", k, "key", key));
    sodium_memzero(key, sizeof key);
}

void api_keys_delete(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "key_id"));
    actor who;
    http_actor(req, &who);
    app_err e =
        id > 0 ? store_apikey_revoke(req->app->db, &who, id, clock_now_ms()) : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "API key");
        return;
    }
    http_reply_empty(req, 204);
}
