/* common.c - error mapping, the user object, session start. */
#include "api/common.h"
#include "auth/guard.h"
#include "auth/tokens.h"
#include "core/clock.h"
#include "store/rowjson.h"

#include <stdio.h>
#include <string.h>

void api_fail(http_req *req, app_err e, const char *what)
{
    char msg[160];
    switch (e) {
    case APP_ENOTFOUND:
        snprintf(msg, sizeof msg, "no such %s", what);
        http_reply_error(req, 404, "not_found", msg, NULL);
        return;
    case APP_ECONFLICT:
        snprintf(msg, sizeof msg, "the %s conflicts with the current state", what);
        http_reply_error(req, 409, "conflict", msg, NULL);
        return;
    case APP_EPERM:
        http_reply_error(req, 403, "forbidden", "your role may not do this", NULL);
        return;
    case APP_EINVAL:
        snprintf(msg, sizeof msg, "the %s is not valid", what);
        http_reply_error(req, 400, "invalid_field", msg, NULL);
        return;
    case APP_EBUSY:
        req->retry_after = 2;
        http_reply_error(req, 503, "busy", "the server is busy; try again in a moment", NULL);
        return;
    default:
        log_event(&req->app->log, LOG_ERROR, "request failed",
                  json_pack("{s:s, s:s, s:s}", "request_id", req->request_id, "error",
                            app_err_name(e), "what", what));
        http_reply_error(req, 500, "internal_error", "something went wrong on the server", NULL);
        return;
    }
}

json_t *api_user_json(const store_user *u)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:o}", "id", (json_int_t)u->id, "name", u->name, "email",
                     u->email, "timezone", u->timezone, "created_at",
                     rowjson_instant(u->created_at));
}

void api_new_session(const http_req *req, new_session *ns)
{
    token_new("", ns->token);
    token_hash(ns->token, ns->hash);
    ns->expires_at = clock_now_ms() + (int64_t)req->app->cfg->session_max_days * 86400 * 1000;
}

void api_session_started(http_req *req, const new_session *ns, int64_t session_id)
{
    guard_set_session_cookie(req, ns->token);
    req->auth.session_id = session_id;
    req->auth.api_key_id = 0;
    snprintf(req->auth.session_hash, sizeof req->auth.session_hash, "%s", ns->hash);
}

void api_reply_me(http_req *req, int status, const store_user *u)
{
    char csrf[TOKEN_MAX];
    guard_csrf_token(req, csrf);
    http_reply_json(req, status,
                    json_pack("{s:o, s:o}", "user", api_user_json(u), "csrf_token",
                              csrf[0] ? json_string(csrf) : json_null()));
}

int api_id_array(http_req *req, const char *field, int64_t *ids, size_t max, size_t *n)
{
    json_t *arr = json_object_get(req->json, field);
    char msg[128];
    *n = 0;
    if (!json_is_array(arr)) {
        snprintf(msg, sizeof msg, "%s must be an array of ids", field);
        http_reply_error(req, 400, "invalid_field", msg, field);
        return -1;
    }
    if (json_array_size(arr) > max) {
        snprintf(msg, sizeof msg, "%s may list at most %zu ids", field, max);
        http_reply_error(req, 400, "invalid_field", msg, field);
        return -1;
    }
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            snprintf(msg, sizeof msg, "%s must hold positive integer ids", field);
            http_reply_error(req, 400, "invalid_field", msg, field);
            return -1;
        }
        ids[(*n)++] = (int64_t)json_integer_value(v);
    }
    return 0;
}

int api_query_id(http_req *req, const char *name, int64_t *out)
{
    const char *s = http_query(req, name);
    *out = 0;
    if (s == NULL || *s == '\0')
        return 0;
    *out = guard_parse_id(s);
    if (*out <= 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s must be a positive integer id", name);
        http_reply_error(req, 400, "invalid_field", msg, name);
        return -1;
    }
    return 0;
}
