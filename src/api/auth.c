/*
 * auth.c - registration, sign-in, sign-out.
 *
 * Both answers that sign someone in start a new session (a new random
 * token; any session the browser had is ended), set the cookie, and return
 * the user with the session's CSRF token.
 */
#include "api/api.h"
#include "api/common.h"
#include "api/validate.h"
#include "auth/guard.h"
#include "auth/limits.h"
#include "auth/passwords.h"
#include "core/clock.h"
#include "core/text.h"
#include "store/sessions.h"

#include <sodium.h>
#include <string.h>

/*
 * End the session the browser came with (sign-in rotates the session).  Called
 * only once the new session exists, so a failed attempt signs nobody out.
 */
static void end_old_session(http_req *req, int64_t old_user, int64_t old_session)
{
    if (old_session > 0) {
        actor who;
        http_actor(req, &who);
        who.user_id = old_user;
        store_session_delete(req->app->db, &who, old_session, clock_now_ms());
    }
}

void api_register(http_req *req)
{
    const char *name, *email_in, *password;
    char email[256];
    char hash[PW_HASH_MAX];
    int wait = limits_blocked(req, LIMIT_SIGNUP, NULL);
    if (wait > 0) {
        limits_reply(req, wait);
        return;
    }
    if (v_string(req, "name", 1, 1, 100, 0, &name) != 0 ||
        v_string(req, "email", 1, 3, 254, 0, &email_in) != 0) {
        limits_failed(req, LIMIT_SIGNUP, NULL);
        return;
    }
    const char *bad = text_email_normalize(email_in, email, sizeof email);
    if (bad != NULL) {
        limits_failed(req, LIMIT_SIGNUP, NULL);
        http_reply_error(req, 400, "invalid_field", bad, "email");
        return;
    }
    if ((wait = limits_blocked(req, LIMIT_SIGNUP, email)) > 0) {
        limits_reply(req, wait);
        return;
    }
    json_t *pw = json_object_get(req->json, "password");
    if (!json_is_string(pw)) {
        limits_failed(req, LIMIT_SIGNUP, email);
        http_reply_error(req, 400, "invalid_field", "password is required", "password");
        return;
    }
    password = json_string_value(pw);
    if ((bad = pw_rules(password, email)) != NULL) {
        limits_failed(req, LIMIT_SIGNUP, email);
        http_reply_error(req, 400, "invalid_field", bad, "password");
        return;
    }
    const char *tz = NULL;
    if (v_string(req, "timezone", 0, 1, 63, 0, &tz) != 0) {
        limits_failed(req, LIMIT_SIGNUP, email);
        return;
    }
    if (tz != NULL && !text_timezone_valid(tz)) {
        limits_failed(req, LIMIT_SIGNUP, email);
        http_reply_error(req, 400, "invalid_field",
                         "timezone must be an IANA time zone name such as Europe/Paris",
                         "timezone");
        return;
    }
    json_t *age = json_object_get(req->json, "confirm_age");
    if (!json_is_true(age)) {
        limits_failed(req, LIMIT_SIGNUP, email);
        http_reply_error(req, 400, "invalid_field",
                         "you must confirm that you are 18 or older to use Post2Share",
                         "confirm_age");
        return;
    }
    app_err e = pw_hash(req->app->hasher, password, hash);
    if (e != APP_OK) {
        api_fail(req, e, "password");
        return;
    }
    int64_t old_user = req->auth.user_id, old_session = req->auth.session_id;
    actor who;
    http_actor(req, &who);
    new_session ns;
    api_new_session(req, &ns);
    store_new_session s = {ns.hash, ns.expires_at};
    store_user u;
    int64_t sid = 0;
    e = store_user_create(req->app->db, &who, name, email, tz != NULL ? tz : "UTC", hash, &s,
                          clock_now_ms(), &u, &sid);
    sodium_memzero(hash, sizeof hash);
    if (e == APP_ECONFLICT) {
        limits_failed(req, LIMIT_SIGNUP, email);
        http_reply_error(req, 409, "conflict", "an account with this email already exists",
                         "email");
        return;
    }
    if (e != APP_OK) {
        api_fail(req, e, "account");
        return;
    }
    limits_succeeded(req, LIMIT_SIGNUP, email);
    end_old_session(req, old_user, old_session);
    req->auth.user_id = u.id;
    api_session_started(req, &ns, sid);
    api_reply_me(req, 201, &u);
}

void api_login(http_req *req)
{
    const char *email_in;
    char email[256];
    json_t *pw = json_object_get(req->json, "password");
    if (v_string(req, "email", 1, 1, 320, 0, &email_in) != 0)
        return;
    if (!json_is_string(pw) || json_string_length(pw) == 0) {
        http_reply_error(req, 400, "invalid_field", "password is required", "password");
        return;
    }
    const char *password = json_string_value(pw);
    int valid_email = text_email_normalize(email_in, email, sizeof email) == NULL;
    int wait = limits_blocked(req, LIMIT_LOGIN, valid_email ? email : NULL);
    if (wait > 0) {
        limits_reply(req, wait);
        return;
    }
    store_user u;
    memset(&u, 0, sizeof u);
    app_err e = valid_email ? store_user_by_email(req->app->db, email, &u) : APP_ENOTFOUND;
    if (e != APP_OK && e != APP_ENOTFOUND) {
        api_fail(req, e, "account");
        return;
    }
    int ok = 0, rehash = 0;
    /* An unknown email costs one hash check too, so timing does not tell them apart. */
    app_err ve = pw_verify(req->app->hasher, e == APP_OK ? u.password_hash : NULL,
                           utf8_chars(password) <= 1024 ? password : "", &ok, &rehash);
    sodium_memzero(u.password_hash, sizeof u.password_hash);
    if (ve != APP_OK) {
        api_fail(req, ve, "password");
        return;
    }
    if (!ok) {
        limits_failed(req, LIMIT_LOGIN, valid_email ? email : NULL);
        http_reply_error(req, 401, "invalid_credentials", "the email or password is wrong", NULL);
        return;
    }
    if (rehash) {
        char hash[PW_HASH_MAX];
        if (pw_hash(req->app->hasher, password, hash) == APP_OK)
            store_user_set_hash(req->app->db, u.id, hash, clock_now_ms());
        sodium_memzero(hash, sizeof hash);
    }
    int64_t old_user = req->auth.user_id, old_session = req->auth.session_id;
    actor who;
    http_actor(req, &who);
    who.user_id = u.id;
    new_session ns;
    api_new_session(req, &ns);
    store_new_session s = {ns.hash, ns.expires_at};
    int64_t sid = 0;
    if ((e = store_session_create(req->app->db, &who, &s, clock_now_ms(), &sid)) != APP_OK) {
        api_fail(req, e, "session");
        return;
    }
    limits_succeeded(req, LIMIT_LOGIN, email);
    end_old_session(req, old_user, old_session);
    req->auth.user_id = u.id;
    api_session_started(req, &ns, sid);
    api_reply_me(req, 200, &u);
}

void api_logout(http_req *req)
{
    actor who;
    http_actor(req, &who);
    app_err e = store_session_delete(req->app->db, &who, req->auth.session_id, clock_now_ms());
    if (e != APP_OK && e != APP_ENOTFOUND) {
        api_fail(req, e, "session");
        return;
    }
    guard_set_session_cookie(req, NULL);
    http_reply_empty(req, 204);
}
