/* campaigns.c - campaigns of a workspace: list, create, change, delete. */
#include "api/api.h"
#include "api/common.h"
#include "api/validate.h"
#include "auth/guard.h"
#include "core/clock.h"
#include "core/tz.h"
#include "store/campaigns.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* "#RRGGBB" */
static int color_ok(const char *s)
{
    if (strlen(s) != 7 || s[0] != '#')
        return 0;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* An optional date field; -1 after answering. */
static int date_field(http_req *req, const char *name, const char **out)
{
    const json_t *v = json_object_get(req->json, name);
    int y, m, d;
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v) || tz_parse_date(json_string_value(v), &y, &m, &d) != APP_OK) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s must be a date like 2026-12-01, or null", name);
        http_reply_error(req, 400, "invalid_field", msg, name);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

/* Read a campaign from the body over the stored one (cur, may be NULL); -1 after answering. */
static int read_campaign(http_req *req, const json_t *cur, store_campaign_in *in)
{
    const char *name = NULL, *color = NULL, *desc = NULL;
    if (v_string(req, "name", cur == NULL, 1, 80, 0, &name) != 0 ||
        v_string(req, "color", 0, 7, 7, 0, &color) != 0 ||
        v_string(req, "description", 0, 0, 2000, 1, &desc) != 0)
        return -1;
    in->name = name != NULL ? name : json_string_value(json_object_get(cur, "name"));
    in->color = color != NULL ? color
                : cur != NULL ? json_string_value(json_object_get(cur, "color"))
                              : "#3b82f6";
    if (!color_ok(in->color)) {
        http_reply_error(req, 400, "invalid_field", "color must look like #2f855a", "color");
        return -1;
    }
    in->description = desc != NULL  ? desc
                      : cur != NULL ? json_string_value(json_object_get(cur, "description"))
                                    : "";
    const char *s = NULL, *e = NULL;
    if (date_field(req, "starts_on", &s) != 0 || date_field(req, "ends_on", &e) != 0)
        return -1;
    in->starts_on = json_object_get(req->json, "starts_on") != NULL
                        ? s
                        : json_string_value(json_object_get(cur, "starts_on"));
    in->ends_on = json_object_get(req->json, "ends_on") != NULL
                      ? e
                      : json_string_value(json_object_get(cur, "ends_on"));
    if (in->starts_on != NULL && in->ends_on != NULL && strcmp(in->ends_on, in->starts_on) < 0) {
        http_reply_error(req, 400, "invalid_field", "ends_on is before starts_on", "ends_on");
        return -1;
    }
    return 0;
}

static void reply_write(http_req *req, app_err e, int status, json_t *out)
{
    if (e == APP_ECONFLICT)
        http_reply_error(req, 409, "conflict", "a campaign with this name exists already", "name");
    else if (e != APP_OK)
        api_fail(req, e, "campaign");
    else
        http_reply_json(req, status, json_pack("{s:o}", "campaign", out));
}

void api_campaigns_list(http_req *req)
{
    json_t *items = NULL;
    app_err e = store_campaign_list(req->app->db, req->auth.workspace_id, &items);
    if (e != APP_OK)
        api_fail(req, e, "campaigns");
    else
        http_reply_json(req, 200, json_pack("{s:o}", "campaigns", items));
}

void api_campaigns_create(http_req *req)
{
    store_campaign_in in;
    if (read_campaign(req, NULL, &in) != 0)
        return;
    actor who;
    http_actor(req, &who);
    json_t *out = NULL;
    app_err e = store_campaign_create(req->app->db, &who, req->auth.workspace_id, &in,
                                      clock_now_ms(), &out);
    reply_write(req, e, 201, out);
}

void api_campaign_get(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "campaign_id"));
    json_t *out = NULL;
    app_err e =
        id > 0 ? store_campaign_get(req->app->db, req->auth.workspace_id, id, &out) : APP_ENOTFOUND;
    reply_write(req, e, 200, out);
}

void api_campaign_patch(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "campaign_id"));
    json_t *cur = NULL, *out = NULL;
    app_err e =
        id > 0 ? store_campaign_get(req->app->db, req->auth.workspace_id, id, &cur) : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "campaign");
        return;
    }
    store_campaign_in in;
    if (read_campaign(req, cur, &in) == 0) {
        actor who;
        http_actor(req, &who);
        e = store_campaign_update(req->app->db, &who, req->auth.workspace_id, id, &in,
                                  clock_now_ms(), &out);
        reply_write(req, e, 200, out);
    }
    json_decref(cur);
}

void api_campaign_delete(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "campaign_id"));
    actor who;
    http_actor(req, &who);
    app_err e = id > 0 ? store_campaign_delete(req->app->db, &who, req->auth.workspace_id, id,
                                               clock_now_ms())
                       : APP_ENOTFOUND;
    if (e != APP_OK)
        api_fail(req, e, "campaign");
    else
        http_reply_empty(req, 204);
}
