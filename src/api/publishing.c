/*
 * publishing.c - what people do with publishing: retry a failed target,
 * cancel one that waits, read a post's attempt log; and the engine's
 * figures for operators (GET /api/v1/admin/engine, with P2S_METRICS_TOKEN).
 */
#include "api/api.h"
#include "api/common.h"
#include "auth/guard.h"
#include "core/clock.h"
#include "engine/engine.h"
#include "store/jobs.h"
#include "store/posts.h"

#include <sodium.h>
#include <string.h>

static void reply_post(http_req *req, int64_t post_id)
{
    json_t *post = NULL;
    app_err e = store_post_get(req->app->db, req->auth.workspace_id, post_id, &post);
    if (e != APP_OK)
        api_fail(req, e, "post");
    else
        http_reply_json(req, 200, json_pack("{s:o}", "post", post));
}

static void move(http_req *req, int retry)
{
    int64_t pid = guard_parse_id(http_param(req, "post_id"));
    int64_t tid = guard_parse_id(http_param(req, "target_id"));
    app_err e = APP_ENOTFOUND;
    if (pid > 0 && tid > 0)
        e = retry ? store_target_retry(req->app->db, req->auth.workspace_id, pid, tid,
                                       clock_now_ms(), req->auth.user_id)
                  : store_target_cancel(req->app->db, req->auth.workspace_id, pid, tid,
                                        clock_now_ms(), req->auth.user_id);
    if (e == APP_ECONFLICT) {
        http_reply_error(req, 409, "invalid_state",
                         retry ? "only a failed target can be tried again"
                               : "only a target that waits (scheduled or retrying) can be "
                                 "cancelled; one being published cannot",
                         "target_id");
        return;
    }
    if (e != APP_OK) {
        api_fail(req, e, "target");
        return;
    }
    if (retry)
        engine_wake(req->app->engine);
    reply_post(req, pid);
}

void api_target_retry(http_req *req)
{
    move(req, 1);
}

void api_target_cancel(http_req *req)
{
    move(req, 0);
}

void api_post_attempts(http_req *req)
{
    int64_t pid = guard_parse_id(http_param(req, "post_id"));
    json_t *post = NULL, *attempts = NULL;
    app_err e =
        pid > 0 ? store_post_get(req->app->db, req->auth.workspace_id, pid, &post) : APP_ENOTFOUND;
    json_decref(post);
    if (e == APP_OK)
        e = store_post_attempts(req->app->db, req->auth.workspace_id, pid, &attempts);
    if (e != APP_OK)
        api_fail(req, e, "post");
    else
        http_reply_json(req, 200, json_pack("{s:o}", "attempts", attempts));
}

void api_admin_engine(http_req *req)
{
    const char *want = req->app->cfg->metrics_token;
    const char *auth = http_header(req, "Authorization");
    size_t wl = strlen(want);
    if (wl == 0) {
        http_reply_error(req, 404, "not_found",
                         "set P2S_METRICS_TOKEN to read the engine's figures", NULL);
        return;
    }
    if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0 || strlen(auth + 7) != wl ||
        sodium_memcmp(auth + 7, want, wl) != 0) {
        http_reply_error(req, 401, "unauthenticated", "send Authorization: Bearer <metrics token>",
                         NULL);
        return;
    }
    json_t *stats = NULL;
    app_err e = store_jobs_stats(req->app->db, clock_now_ms(), &stats);
    if (e != APP_OK) {
        api_fail(req, e, "engine");
        return;
    }
    json_object_del(stats, "last_attempt_ms");
    http_reply_json(
        req, 200,
        json_pack("{s:o, s:o}", "store", stats, "this_worker", engine_counters(req->app->engine)));
}
