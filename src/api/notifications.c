/*
 * notifications.c - a person's notifications (the paged list, the unread
 * count, marking read) and their notification preferences per workspace.
 *
 * Notifications are made by notify/notify.c when something happens; here
 * their owner reads them.  Another person's notification answers 404 as
 * one that does not exist.
 */
#include "api/api.h"
#include "api/common.h"
#include "api/validate.h"
#include "auth/guard.h"
#include "core/clock.h"
#include "notify/notify.h"
#include "store/notifications.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most kinds one preferences request may list. */
#define PREFS_MAX 32

/* The caller as the owner of notifications. */
static store_notif_owner owner_of(const http_req *req)
{
    return (store_notif_owner){req->auth.user_id, req->auth.api_key_id};
}

/* An optional 0/1 flag in the query string (also true/false); -1 after answering 400. */
static int query_flag(http_req *req, const char *name, int *out)
{
    const char *s = http_query(req, name);
    *out = 0;
    if (s == NULL || *s == '\0')
        return 0;
    if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0)
        *out = 1;
    else if (strcmp(s, "0") != 0 && strcmp(s, "false") != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s must be 1 or 0", name);
        http_reply_error(req, 400, "invalid_field", msg, name);
        return -1;
    }
    return 0;
}

void api_notifications_list(http_req *req)
{
    store_notif_filter f = {0, 0, 0, 50};
    if (api_query_id(req, "workspace_id", &f.workspace_id) != 0 ||
        query_flag(req, "unread", &f.unread_only) != 0 ||
        api_query_id(req, "cursor", &f.before_id) != 0)
        return;
    const char *ls = http_query(req, "limit");
    if (ls != NULL && *ls) {
        int64_t limit = guard_parse_id(ls);
        if (limit < 1 || limit > 200) {
            http_reply_error(req, 400, "invalid_field", "limit must be 1 to 200", "limit");
            return;
        }
        f.limit = (int)limit;
    }
    store_notif_owner o = owner_of(req);
    json_t *items = NULL;
    int more = 0;
    int64_t unread = 0;
    app_err e = store_notif_list(req->app->db, &o, &f, &items, &more);
    if (e == APP_OK)
        e = store_notif_unread(req->app->db, &o, &unread, NULL);
    if (e != APP_OK) {
        json_decref(items);
        api_fail(req, e, "notifications");
        return;
    }
    json_t *last = json_array_get(items, json_array_size(items) - 1);
    json_t *next = more && last != NULL
                       ? json_integer(json_integer_value(json_object_get(last, "id")))
                       : json_null();
    http_reply_json(req, 200,
                    json_pack("{s:o, s:o, s:I}", "notifications", items, "next_cursor", next,
                              "unread_count", (json_int_t)unread));
}

void api_notifications_unread_count(http_req *req)
{
    store_notif_owner o = owner_of(req);
    int64_t total = 0;
    json_t *by_ws = NULL;
    app_err e = store_notif_unread(req->app->db, &o, &total, &by_ws);
    if (e != APP_OK)
        api_fail(req, e, "notifications");
    else
        http_reply_json(
            req, 200,
            json_pack("{s:I, s:o}", "unread_count", (json_int_t)total, "by_workspace", by_ws));
}

void api_notification_read(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "notification_id"));
    store_notif_owner o = owner_of(req);
    json_t *n = NULL;
    int marked = 0;
    int64_t unread = 0;
    app_err e = id > 0 ? store_notif_mark_read(req->app->db, &o, id, clock_now_ms(), &n, &marked)
                       : APP_ENOTFOUND;
    if (e == APP_OK)
        e = store_notif_unread(req->app->db, &o, &unread, NULL);
    if (e != APP_OK) {
        json_decref(n);
        api_fail(req, e, "notification");
        return;
    }
    http_reply_json(req, 200,
                    json_pack("{s:o, s:I, s:I}", "notification", n, "marked", (json_int_t)marked,
                              "unread_count", (json_int_t)unread));
}

void api_notifications_read_all(http_req *req)
{
    int64_t ws = 0, up_to = 0;
    if (v_int(req, "workspace_id", 0, 1, INT64_MAX, &ws) != 0 ||
        v_int(req, "up_to_id", 0, 1, INT64_MAX, &up_to) != 0)
        return;
    store_notif_owner o = owner_of(req);
    int64_t marked = 0, unread = 0;
    app_err e = store_notif_mark_all(req->app->db, &o, ws, up_to, clock_now_ms(), &marked);
    if (e == APP_OK)
        e = store_notif_unread(req->app->db, &o, &unread, NULL);
    if (e != APP_OK)
        api_fail(req, e, "notifications");
    else
        http_reply_json(req, 200,
                        json_pack("{s:I, s:I}", "marked", (json_int_t)marked, "unread_count",
                                  (json_int_t)unread));
}

/* ---- preferences ---- */

/* The stored row for event, or NULL. */
static const store_notif_pref *pref_of(const store_notif_pref *p, size_t n, const char *event)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].event, event) == 0)
            return &p[i];
    return NULL;
}

/*
 * Whether a member with role r is told of kind at all: by role (the kind's
 * weakest role, from notify_kinds), or as the author of the post it is about
 * (post.* and target.* kinds; authors are contributors and up).
 */
static int kind_applies(const json_t *k, role r)
{
    const char *kind = json_string_value(json_object_get(k, "kind"));
    role min = ROLE_NONE;
    if (rbac_role_parse(json_string_value(json_object_get(k, "roles")), &min) == 0 &&
        min != ROLE_NONE && r >= min)
        return 1;
    int about_a_post = strncmp(kind, "post.", 5) == 0 || strncmp(kind, "target.", 7) == 0;
    return about_a_post && r >= ROLE_CONTRIBUTOR;
}

/* Answer the caller's preferences in the route's workspace. */
static void reply_prefs(http_req *req)
{
    store_notif_pref *p = NULL;
    size_t n = 0;
    app_err e =
        store_notif_prefs_get(req->app->db, req->auth.user_id, req->auth.workspace_id, &p, &n);
    if (e != APP_OK) {
        api_fail(req, e, "notification preferences");
        return;
    }
    json_t *kinds = notify_kinds(), *out = json_array();
    size_t i;
    json_t *k;
    json_array_foreach(kinds, i, k)
    {
        const char *kind = json_string_value(json_object_get(k, "kind"));
        int d_in_app = json_is_true(json_object_get(k, "in_app"));
        int d_email = json_is_true(json_object_get(k, "email"));
        const store_notif_pref *s = pref_of(p, n, kind);
        json_array_append_new(out,
                              json_pack("{s:s, s:O, s:b, s:b, s:b, s:b, s:b}", "kind", kind,
                                        "label", json_object_get(k, "label"), "in_app",
                                        s != NULL && s->in_app >= 0 ? s->in_app : d_in_app, "email",
                                        s != NULL && s->email >= 0 ? s->email : d_email,
                                        "default_in_app", d_in_app, "default_email", d_email,
                                        "applies", kind_applies(k, req->auth.ws_role)));
    }
    const store_notif_pref *dg = pref_of(p, n, "digest");
    int digest = dg != NULL && dg->email > 0;
    json_decref(kinds);
    free(p);
    http_reply_json(req, 200,
                    json_pack("{s:I, s:o, s:b}", "workspace_id", (json_int_t)req->auth.workspace_id,
                              "kinds", out, "digest", digest));
}

void api_notification_prefs_get(http_req *req)
{
    reply_prefs(req);
}

/* A boolean member of an object: 1/0, -1 when absent; -2 after answering 400. */
static int opt_bool(http_req *req, const json_t *obj, const char *name, const char *field)
{
    const json_t *v = json_object_get(obj, name);
    if (v == NULL)
        return -1;
    if (!json_is_boolean(v)) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s must be true or false", field);
        http_reply_error(req, 400, "invalid_field", msg, field);
        return -2;
    }
    return json_is_true(v);
}

void api_notification_prefs_put(http_req *req)
{
    const json_t *kinds = json_object_get(req->json, "kinds");
    int digest = opt_bool(req, req->json, "digest", "digest");
    if (digest == -2)
        return;
    if (kinds != NULL && (!json_is_array(kinds) || json_array_size(kinds) > PREFS_MAX)) {
        http_reply_error(req, 400, "invalid_field", "kinds must be a list of at most 32 kinds",
                         "kinds");
        return;
    }
    store_notif_pref *cur = NULL;
    size_t ncur = 0;
    app_err e =
        store_notif_prefs_get(req->app->db, req->auth.user_id, req->auth.workspace_id, &cur, &ncur);
    if (e != APP_OK) {
        api_fail(req, e, "notification preferences");
        return;
    }
    json_t *defaults = notify_kinds();
    store_notif_pref set[PREFS_MAX];
    size_t nset = 0;
    char field[64], msg[200];
    size_t i;
    const json_t *it;
    int bad = 0;
    json_array_foreach(kinds, i, it)
    {
        snprintf(field, sizeof field, "kinds[%zu]", i);
        if (!json_is_object(it)) {
            snprintf(msg, sizeof msg, "%s must be an object {kind, in_app, email}", field);
            http_reply_error(req, 400, "invalid_field", msg, field);
            bad = 1;
            break;
        }
        snprintf(field, sizeof field, "kinds[%zu].kind", i);
        const char *kind = json_string_value(json_object_get(it, "kind"));
        if (kind == NULL || !notify_kind_known(kind)) {
            snprintf(msg, sizeof msg, "%s is not a kind of notification", field);
            http_reply_error(req, 400, "invalid_field", msg, field);
            bad = 1;
            break;
        }
        for (size_t j = 0; j < nset; j++)
            if (strcmp(set[j].event, kind) == 0) {
                snprintf(msg, sizeof msg, "%s lists %s a second time", field, kind);
                http_reply_error(req, 400, "invalid_field", msg, field);
                bad = 1;
                break;
            }
        if (bad)
            break;
        snprintf(field, sizeof field, "kinds[%zu].in_app", i);
        int in_app = opt_bool(req, it, "in_app", field);
        snprintf(field, sizeof field, "kinds[%zu].email", i);
        int email = in_app == -2 ? -2 : opt_bool(req, it, "email", field);
        if (in_app == -2 || email == -2) {
            bad = 1;
            break;
        }
        /* what is not given stays as it is (stored, or the default) */
        const store_notif_pref *s = pref_of(cur, ncur, kind);
        const json_t *dk = NULL;
        size_t di;
        json_t *d;
        json_array_foreach(defaults, di, d)
        {
            if (strcmp(json_string_value(json_object_get(d, "kind")), kind) == 0)
                dk = d;
        }
        store_notif_pref *out = &set[nset++];
        snprintf(out->event, sizeof out->event, "%s", kind);
        out->in_app = in_app >= 0                   ? in_app
                      : s != NULL && s->in_app >= 0 ? s->in_app
                                                    : json_is_true(json_object_get(dk, "in_app"));
        out->email = email >= 0                   ? email
                     : s != NULL && s->email >= 0 ? s->email
                                                  : json_is_true(json_object_get(dk, "email"));
    }
    json_decref(defaults);
    free(cur);
    if (bad)
        return;
    e = store_notif_prefs_set(req->app->db, req->auth.user_id, req->auth.workspace_id, set, nset,
                              digest);
    if (e != APP_OK)
        api_fail(req, e, "notification preferences");
    else
        reply_prefs(req);
}
