/*
 * queue.c - the posting queue: weekly slots per workspace or account, the
 * upcoming slots with the posts holding them, and reordering or shuffling
 * the queued posts among their slots.
 */
#include "api/api.h"
#include "api/common.h"
#include "api/post_form.h"
#include "auth/guard.h"
#include "core/clock.h"
#include "store/posts.h"
#include "store/queue.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SLOTS_MAX  100
#define QUEUED_MAX 500

/* The queue's account from the body or query: 0 = workspace; -1 after answering. */
static int scope_of(http_req *req, const json_t *v, int64_t *account_id)
{
    *account_id = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) <= 0) {
        http_reply_error(req, 400, "invalid_field", "account_id must be an account's id or null",
                         "account_id");
        return -1;
    }
    int64_t id = json_integer_value(v);
    store_post_account acc;
    size_t found = 0;
    app_err e = store_post_accounts(req->app->db, req->auth.workspace_id, &id, 1, &acc, &found);
    if (e != APP_OK) {
        api_fail(req, e, "account");
        return -1;
    }
    if (found == 0) {
        http_reply_error(req, 400, "invalid_field", "no such account in this workspace",
                         "account_id");
        return -1;
    }
    *account_id = id;
    return 0;
}

void api_queue_get(http_req *req)
{
    tz_zone *z = post_form_zone(req, req->auth.workspace_id);
    if (z == NULL)
        return;
    json_t *slots = NULL;
    app_err e = store_queue_list(req->app->db, req->auth.workspace_id, &slots);
    if (e != APP_OK)
        api_fail(req, e, "queue");
    else
        http_reply_json(req, 200, json_pack("{s:s, s:o}", "timezone", tz_name(z), "slots", slots));
    tz_free(z);
}

void api_queue_put(http_req *req)
{
    int64_t scope;
    if (scope_of(req, json_object_get(req->json, "account_id"), &scope) != 0)
        return;
    const json_t *arr = json_object_get(req->json, "slots");
    if (!json_is_array(arr) || json_array_size(arr) > SLOTS_MAX) {
        http_reply_error(req, 400, "invalid_field",
                         "slots must be a list of at most 100 {\"weekday\": 1-7, \"time\": "
                         "\"HH:MM\"}",
                         "slots");
        return;
    }
    store_slot slots[SLOTS_MAX];
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        char field[48];
        const json_t *wd = json_object_get(v, "weekday");
        const char *t = json_string_value(json_object_get(v, "time"));
        int minute;
        if (!json_is_integer(wd) || json_integer_value(wd) < 1 || json_integer_value(wd) > 7) {
            snprintf(field, sizeof field, "slots[%zu].weekday", i);
            http_reply_error(req, 400, "invalid_field", "weekday must be 1 (Monday) to 7 (Sunday)",
                             field);
            return;
        }
        if (t == NULL || tz_parse_hhmm(t, &minute) != APP_OK) {
            snprintf(field, sizeof field, "slots[%zu].time", i);
            http_reply_error(req, 400, "invalid_field", "time must look like 09:30 (00:00-23:59)",
                             field);
            return;
        }
        slots[n++] = (store_slot){(int)json_integer_value(wd), minute};
    }
    actor who;
    http_actor(req, &who);
    app_err e = store_queue_replace(req->app->db, &who, req->auth.workspace_id, scope, slots, n,
                                    clock_now_ms());
    if (e != APP_OK) {
        api_fail(req, e, "queue");
        return;
    }
    api_queue_get(req);
}

static void reply_upcoming(http_req *req, int64_t scope, int64_t limit);

void api_queue_upcoming(http_req *req)
{
    int64_t scope = 0, limit = 20;
    const char *acc = http_query(req, "account_id");
    if (acc != NULL && *acc) {
        json_t *v = json_integer(guard_parse_id(acc));
        int r = scope_of(req, v, &scope);
        json_decref(v);
        if (r != 0)
            return;
    }
    const char *ls = http_query(req, "limit");
    if (ls != NULL && *ls && ((limit = guard_parse_id(ls)) < 1 || limit > 100)) {
        http_reply_error(req, 400, "invalid_field", "limit must be 1 to 100", "limit");
        return;
    }
    reply_upcoming(req, scope, limit);
}

/* The next `limit` slots of a scope with the posts holding them. */
static void reply_upcoming(http_req *req, int64_t scope, int64_t limit)
{
    tz_zone *z = post_form_zone(req, req->auth.workspace_id);
    if (z == NULL)
        return;
    store_slot slots[200];
    size_t ns = 0, nq = 0;
    int64_t now = clock_now_ms(), at[100], qids[100], qat[100];
    app_err e = store_queue_slots(req->app->db, req->auth.workspace_id, scope, slots, 200, &ns);
    if (e == APP_OK)
        e = store_queue_posts(req->app->db, req->auth.workspace_id, scope, now, qids, qat,
                              (size_t)limit, &nq);
    if (e != APP_OK) {
        api_fail(req, e, "queue");
        tz_free(z);
        return;
    }
    tz_slot ts[200];
    for (size_t i = 0; i < ns; i++)
        ts[i] = (tz_slot){slots[i].weekday, slots[i].minute};
    size_t na = tz_next_slots(z, ts, ns, now, at, (size_t)limit);
    /* merge the free slots with the queued posts (which may sit on slots since removed) */
    json_t *items = json_array();
    size_t i = 0, k = 0;
    while ((i < na || k < nq) && json_array_size(items) < (size_t)limit) {
        int64_t t;
        int64_t pid = 0;
        if (k < nq && (i >= na || qat[k] <= at[i])) {
            t = qat[k];
            pid = qids[k++];
            if (i < na && at[i] == t)
                i++;
        } else
            t = at[i++];
        char a[TZ_FMT_MAX], l[TZ_FMT_MAX];
        json_t *post = NULL;
        if (pid > 0 && store_post_get(req->app->db, req->auth.workspace_id, pid, &post) == APP_OK) {
            json_t *brief = json_pack("{s:O, s:O, s:O, s:O}", "id", json_object_get(post, "id"),
                                      "body", json_object_get(post, "body"), "targets",
                                      json_object_get(post, "targets"), "version",
                                      json_object_get(post, "version"));
            json_decref(post);
            post = brief;
        }
        json_array_append_new(items,
                              json_pack("{s:s, s:s, s:o}", "at", clock_format_iso(t, a, sizeof a),
                                        "local", tz_format_local(z, t, l, sizeof l), "post",
                                        post != NULL ? post : json_null()));
    }
    http_reply_json(req, 200,
                    json_pack("{s:s, s:o, s:o}", "timezone", tz_name(z), "account_id",
                              scope > 0 ? json_integer(scope) : json_null(), "items", items));
    tz_free(z);
}

/* Reorder (ids given) or shuffle (ids NULL) a scope's queued posts among their slots. */
static void rearrange(http_req *req, int shuffle)
{
    int64_t scope;
    if (scope_of(req, json_object_get(req->json, "account_id"), &scope) != 0)
        return;
    int64_t ids[QUEUED_MAX], at[QUEUED_MAX], order[QUEUED_MAX];
    size_t n = 0, no = 0;
    app_err e = store_queue_posts(req->app->db, req->auth.workspace_id, scope, clock_now_ms(), ids,
                                  at, QUEUED_MAX, &n);
    if (e != APP_OK) {
        api_fail(req, e, "queue");
        return;
    }
    if (shuffle) {
        for (size_t i = 0; i < n; i++)
            order[i] = ids[i];
        for (size_t i = n; i > 1; i--) {
            size_t j = randombytes_uniform((uint32_t)i);
            int64_t t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        no = n;
    } else {
        if (api_id_array(req, "post_ids", order, QUEUED_MAX, &no) != 0)
            return;
        int same = no == n;
        for (size_t i = 0; same && i < no; i++) {
            int found = 0;
            for (size_t k = 0; k < n; k++)
                found += ids[k] == order[i];
            same = found == 1;
            for (size_t k = 0; k < i; k++)
                same &= order[k] != order[i];
        }
        if (!same) {
            http_reply_error(req, 409, "queue_changed",
                             "post_ids must list each queued post of this queue once, as it is "
                             "now; reload the queue",
                             "post_ids");
            return;
        }
    }
    actor who;
    http_actor(req, &who);
    e = store_queue_assign(req->app->db, &who, req->auth.workspace_id, scope, order, at, no,
                           shuffle ? "queue.shuffled" : "queue.reordered", clock_now_ms());
    if (e == APP_ECONFLICT) {
        http_reply_error(req, 409, "queue_changed",
                         "the queue changed meanwhile; reload it and try again", "post_ids");
        return;
    }
    if (e != APP_OK) {
        api_fail(req, e, "queue");
        return;
    }
    reply_upcoming(req, scope, 20);
}

void api_queue_reorder(http_req *req)
{
    rearrange(req, 0);
}

void api_queue_shuffle(http_req *req)
{
    rearrange(req, 1);
}
