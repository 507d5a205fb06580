/*
 * accounts.c - connected social accounts: the platform list, connecting
 * (authorize URL, OAuth callback, choosing Facebook Pages), refresh on
 * demand, disconnect.  Tokens never appear in any answer.
 */
#include "accounts/accounts.h"
#include "api/api.h"
#include "api/common.h"
#include "api/validate.h"
#include "auth/guard.h"
#include "core/clock.h"
#include "platform/platform.h"
#include "store/accounts.h"
#include "store/workspaces.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

void api_platforms(http_req *req)
{
    http_reply_json(req, 200, json_pack("{s:o}", "items", acct_platforms(req->app)));
}

void api_accounts_list(http_req *req)
{
    json_t *items = NULL;
    app_err e = store_account_list(req->app->db, req->auth.workspace_id, &items);
    if (e != APP_OK) {
        api_fail(req, e, "account");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "items", items));
}

void api_accounts_connect(http_req *req)
{
    const char *platform;
    if (v_string(req, "platform", 1, 1, 20, 0, &platform) != 0)
        return;
    char url[PLAT_URL_MAX * 2], err[256];
    app_err e =
        acct_connect_start(req->app, req->auth.session_id, req->auth.user_id,
                           req->auth.workspace_id, platform, url, sizeof url, err, sizeof err);
    if (e == APP_EINVAL) {
        http_reply_error(req, 400, "invalid_field", err, "platform");
        return;
    }
    if (e != APP_OK) {
        api_fail(req, e, "connection");
        return;
    }
    actor who;
    http_actor(req, &who);
    http_reply_json(req, 200, json_pack("{s:s, s:s}", "platform", platform, "authorize_url", url));
}

/* Send the browser back to the web app's accounts page with the outcome in the query. */
static void back_to_app(http_req *req, const acct_result *r)
{
    char loc[3000], msg[2200];
    plat_urlenc(r->message, msg, sizeof msg);
    if (r->ok && r->pending_id > 0)
        snprintf(loc, sizeof loc, "%s/accounts?workspace=%lld&pending=%lld",
                 req->app->cfg->public_url, (long long)r->workspace_id, (long long)r->pending_id);
    else if (r->ok)
        snprintf(loc, sizeof loc, "%s/accounts?workspace=%lld&connected=%d",
                 req->app->cfg->public_url, (long long)r->workspace_id, r->connected);
    else
        snprintf(loc, sizeof loc, "%s/accounts?workspace=%lld&error=%s&message=%s",
                 req->app->cfg->public_url, (long long)r->workspace_id, r->code, msg);
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, loc);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    http_reply_raw(req, 302, resp, 0);
}

void api_oauth_callback(http_req *req)
{
    const char *platform = http_param(req, "platform");
    acct_result r;
    memset(&r, 0, sizeof r);
    if (req->auth.session_id == 0) {
        snprintf(r.code, sizeof r.code, "signed_out");
        snprintf(r.message, sizeof r.message,
                 "you were signed out while connecting; sign in and connect again");
        back_to_app(req, &r);
        return;
    }
    actor who;
    http_actor(req, &who);
    acct_connect_finish(req->app, &who, req->auth.session_id, platform, http_query(req, "state"),
                        http_query(req, "code"), http_query(req, "error"),
                        http_query(req, "error_description"), &r);
    log_event(&req->app->log, r.ok ? LOG_INFO : LOG_WARN, "connect finished",
              json_pack("{s:s, s:b, s:s, s:i}", "platform", platform != NULL ? platform : "", "ok",
                        r.ok, "code", r.code, "connected", r.connected));
    back_to_app(req, &r);
}

void api_accounts_pending_get(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "pending_id"));
    json_t *out = NULL;
    app_err e =
        id > 0 ? acct_pending_get(req->app, req->auth.user_id, req->auth.workspace_id, id, &out)
               : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e == APP_EINVAL ? APP_ENOTFOUND : e, "choice of accounts");
        return;
    }
    http_reply_json(req, 200, out);
}

void api_accounts_pending_choose(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "pending_id"));
    json_t *arr = json_object_get(req->json, "remote_ids");
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 50) {
        http_reply_error(req, 400, "invalid_field", "remote_ids must list 1 to 50 account ids",
                         "remote_ids");
        return;
    }
    const char *ids[50];
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 127) {
            http_reply_error(req, 400, "invalid_field", "remote_ids must hold account ids",
                             "remote_ids");
            return;
        }
        ids[n++] = json_string_value(v);
    }
    actor who;
    http_actor(req, &who);
    int connected = 0;
    char err[256] = "";
    app_err e = id > 0 ? acct_pending_choose(req->app, &who, req->auth.workspace_id, id, ids, n,
                                             &connected, err, sizeof err)
                       : APP_ENOTFOUND;
    if (e == APP_EINVAL) {
        http_reply_error(req, 400, "invalid_field", err, "remote_ids");
        return;
    }
    if (e != APP_OK) {
        api_fail(req, e, "choice of accounts");
        return;
    }
    json_t *items = NULL;
    store_account_list(req->app->db, req->auth.workspace_id, &items);
    http_reply_json(req, 200,
                    json_pack("{s:i, s:o}", "connected", connected, "items",
                              items != NULL ? items : json_array()));
}

void api_account_refresh(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "account_id"));
    json_t *acc = NULL;
    if (id == 0 || store_account_json(req->app->db, req->auth.workspace_id, id, &acc) != APP_OK) {
        http_reply_error(req, 404, "not_found", "no such account", NULL);
        return;
    }
    json_decref(acc);
    acc = NULL;
    /* {"force": false} refreshes only when the token is near its end. */
    json_t *force = req->json != NULL ? json_object_get(req->json, "force") : NULL;
    if (force != NULL && !json_is_boolean(force)) {
        http_reply_error(req, 400, "invalid_field", "force must be true or false", "force");
        return;
    }
    int refreshed = 0;
    char err[600] = "";
    app_err e = acct_refresh(req->app, id, force == NULL || json_is_true(force), &refreshed, err,
                             sizeof err);
    if (store_account_json(req->app->db, req->auth.workspace_id, id, &acc) != APP_OK) {
        http_reply_error(req, 404, "not_found", "no such account (removed meanwhile)", NULL);
        return;
    }
    if (e == APP_OK) {
        http_reply_json(req, 200, json_pack("{s:o, s:b}", "account", acc, "refreshed", refreshed));
        return;
    }
    json_decref(acc);
    if (e == APP_ECONFLICT) {
        http_reply_error(req, 409, "not_connected", err, NULL);
    } else if (e == APP_EBUSY) {
        req->retry_after = 30;
        http_reply_error(req, 503, "busy", err[0] ? err : "try again in a moment", NULL);
    } else if (e == APP_EUPSTREAM || e == APP_EINVAL) {
        http_reply_error(req, 502, "platform_refused", err[0] ? err : "the platform refused", NULL);
    } else {
        api_fail(req, e, "account");
    }
}

void api_account_delete(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "account_id"));
    actor who;
    http_actor(req, &who);
    app_err e =
        id > 0 ? acct_disconnect(req->app, &who, req->auth.workspace_id, id) : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "account");
        return;
    }
    http_reply_empty(req, 204);
}
