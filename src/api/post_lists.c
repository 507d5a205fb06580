/*
 * post_lists.c - reading many posts: the list (newest first, paged), the
 * calendar (a range of local days in the workspace's zone, in time order)
 * and the CSV export.  Each page is one statement (store_post_find).
 */
#include "api/api.h"
#include "api/common.h"
#include "api/post_form.h"
#include "auth/guard.h"
#include "compose/csvio.h"
#include "core/clock.h"
#include "store/posts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAL_MAX_DAYS  62
#define CAL_MAX_POSTS 5000
#define EXPORT_MAX    10000

static const char *const STATES[] = {
    "draft",      "pending_approval", "changes_requested",   "approved", "scheduled",
    "publishing", "published",        "partially_published", "failed",   NULL};
static const char *const PLATFORMS[] = {"facebook", "instagram", "linkedin", "youtube", "x", NULL};

typedef struct filter_buf {
    store_post_filter f;
    char states_buf[256], platforms_buf[128];
    const char *states[12], *platforms[8];
} filter_buf;

/* Split a comma list into out (NULL-terminated), each value one of allowed; -1 if not. */
static int split_list(const char *s, char *buf, size_t buflen, const char **out, size_t max,
                      const char *const *allowed)
{
    size_t n = 0;
    if (strlen(s) >= buflen)
        return -1;
    snprintf(buf, buflen, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        int ok = 0;
        for (const char *const *a = allowed; *a != NULL; a++)
            ok |= strcmp(*a, tok) == 0;
        if (!ok || n + 1 >= max)
            return -1;
        out[n++] = tok;
    }
    out[n] = NULL;
    return 0;
}

/* The filters common to the list, calendar and export; -1 after answering 400. */
static int read_filters(http_req *req, filter_buf *b)
{
    memset(b, 0, sizeof *b);
    const char *s;
    if ((s = http_query(req, "state")) != NULL && *s &&
        split_list(s, b->states_buf, sizeof b->states_buf, b->states, 12, STATES) != 0) {
        http_reply_error(req, 400, "invalid_field",
                         "state must be a comma-separated list of post states", "state");
        return -1;
    }
    if ((s = http_query(req, "platform")) != NULL && *s &&
        split_list(s, b->platforms_buf, sizeof b->platforms_buf, b->platforms, 8, PLATFORMS) != 0) {
        http_reply_error(req, 400, "invalid_field",
                         "platform must be a comma-separated list of facebook, instagram, "
                         "linkedin, youtube, x",
                         "platform");
        return -1;
    }
    b->f.states = b->states[0] ? b->states : NULL;
    b->f.platforms = b->platforms[0] ? b->platforms : NULL;
    if (api_query_id(req, "campaign_id", &b->f.campaign_id) != 0 ||
        api_query_id(req, "account_id", &b->f.account_id) != 0)
        return -1;
    if ((s = http_query(req, "q")) != NULL && *s) {
        if (strlen(s) > 200) {
            http_reply_error(req, 400, "invalid_field", "q is longer than 200 characters", "q");
            return -1;
        }
        b->f.q = s;
    }
    return 0;
}

/* Add schedule.local to each item. */
static void add_locals(json_t *items, const tz_zone *z)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *sch = json_object_get(it, "schedule");
        const char *iso = json_string_value(json_object_get(sch, "at"));
        int64_t at;
        char buf[TZ_FMT_MAX];
        if (iso != NULL && tz_parse_rfc3339(iso, &at) == APP_OK)
            json_object_set_new(sch, "local", json_string(tz_format_local(z, at, buf, sizeof buf)));
        else
            json_object_set_new(sch, "local", json_null());
    }
}

void api_posts_list(http_req *req)
{
    filter_buf b;
    if (read_filters(req, &b) != 0 || api_query_id(req, "cursor", &b.f.before_id) != 0)
        return;
    int64_t limit = 50;
    const char *ls = http_query(req, "limit");
    if (ls != NULL && *ls) {
        limit = guard_parse_id(ls);
        if (limit < 1 || limit > 200) {
            http_reply_error(req, 400, "invalid_field", "limit must be 1 to 200", "limit");
            return;
        }
    }
    b.f.limit = (int)limit;
    tz_zone *z = post_form_zone(req, req->auth.workspace_id);
    if (z == NULL)
        return;
    json_t *items = NULL;
    int more = 0;
    app_err e = store_post_find(req->app->db, req->auth.workspace_id, &b.f, &items, &more);
    if (e != APP_OK) {
        api_fail(req, e, "posts");
        tz_free(z);
        return;
    }
    add_locals(items, z);
    json_t *last = json_array_get(items, json_array_size(items) - 1);
    http_reply_json(req, 200,
                    json_pack("{s:o, s:o, s:s}", "posts", items, "next_cursor",
                              more && last != NULL
                                  ? json_integer(json_integer_value(json_object_get(last, "id")))
                                  : json_null(),
                              "timezone", tz_name(z)));
    tz_free(z);
}

/* A local date query parameter to the instant its day starts; -1 after answering. */
static int day_param(http_req *req, const tz_zone *z, const char *name, int64_t *out, int64_t *days)
{
    const char *s = http_query(req, name);
    int y, m, d;
    char msg[120];
    if (s == NULL || tz_parse_date(s, &y, &m, &d) != APP_OK ||
        tz_day_start(z, y, m, d, out) != APP_OK) {
        snprintf(msg, sizeof msg, "%s must be a date like 2026-12-01", name);
        http_reply_error(req, 400, "invalid_field", msg, name);
        return -1;
    }
    *days = tz_days_from_civil(y, m, d);
    return 0;
}

void api_calendar(http_req *req)
{
    filter_buf b;
    if (read_filters(req, &b) != 0)
        return;
    tz_zone *z = post_form_zone(req, req->auth.workspace_id);
    if (z == NULL)
        return;
    int64_t from, to, dfrom, dto;
    if (day_param(req, z, "from", &from, &dfrom) != 0 || day_param(req, z, "to", &to, &dto) != 0) {
        tz_free(z);
        return;
    }
    if (dto <= dfrom || dto - dfrom > CAL_MAX_DAYS) {
        http_reply_error(req, 400, "invalid_field",
                         "to must be after from, and at most 62 days later", "to");
        tz_free(z);
        return;
    }
    b.f.from = from;
    b.f.to = to;
    b.f.by_time = 1;
    b.f.limit = CAL_MAX_POSTS;
    json_t *items = NULL;
    int more = 0;
    app_err e = store_post_find(req->app->db, req->auth.workspace_id, &b.f, &items, &more);
    if (e != APP_OK) {
        api_fail(req, e, "posts");
        tz_free(z);
        return;
    }
    add_locals(items, z);
    char a[TZ_FMT_MAX], c[TZ_FMT_MAX];
    http_reply_json(req, 200,
                    json_pack("{s:s, s:s, s:s, s:o, s:b}", "timezone", tz_name(z), "from",
                              clock_format_iso(from, a, sizeof a), "to",
                              clock_format_iso(to, c, sizeof c), "posts", items, "truncated",
                              more));
    tz_free(z);
}

/* ---- export ---- */

static void export_row(csv_out *o, const json_t *post, const db_rows *media, int mi,
                       const tz_zone *z)
{
    char id[24], accounts[1024] = "", names[2048] = "", when[TZ_FMT_MAX] = "", utc[TZ_FMT_MAX] = "",
                 media_ids[512] = "";
    int64_t pid = json_integer_value(json_object_get(post, "id"));
    snprintf(id, sizeof id, "%lld", (long long)pid);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(post, "targets"), i, t)
    {
        size_t al = strlen(accounts), nl = strlen(names);
        snprintf(accounts + al, sizeof accounts - al, "%s%lld", i ? ";" : "",
                 (long long)json_integer_value(json_object_get(t, "account_id")));
        snprintf(names + nl, sizeof names - nl, "%s%s", i ? ";" : "",
                 json_string_value(json_object_get(t, "account_name")));
    }
    const json_t *sch = json_object_get(post, "schedule");
    const char *mode = json_string_value(json_object_get(sch, "mode"));
    const char *iso = json_string_value(json_object_get(sch, "at"));
    int64_t at;
    if (iso != NULL && tz_parse_rfc3339(iso, &at) == APP_OK) {
        tz_format_local(z, at, when, sizeof when);
        char *tee = strchr(when, 'T');
        if (tee != NULL)
            *tee = ' ';
        snprintf(utc, sizeof utc, "%s", iso);
    } else if (mode != NULL && (strcmp(mode, "queue") == 0 || strcmp(mode, "now") == 0))
        snprintf(when, sizeof when, "%s", mode);
    for (; mi < db_rows_count(media) && db_rows_int(media, mi, 0, 0) == pid; mi++) {
        size_t ml = strlen(media_ids);
        snprintf(media_ids + ml, sizeof media_ids - ml, "%s%s", ml ? ";" : "",
                 db_rows_text(media, mi, 1));
    }
    const json_t *camp = json_object_get(post, "campaign");
    const char *cells[] = {id,
                           json_string_value(json_object_get(post, "state")),
                           json_string_value(json_object_get(post, "body")),
                           accounts,
                           names,
                           when,
                           utc,
                           media_ids,
                           json_is_object(camp) ? json_string_value(json_object_get(camp, "name"))
                                                : ""};
    csv_out_row(o, cells, sizeof cells / sizeof cells[0]);
}

void api_posts_export(http_req *req)
{
    filter_buf b;
    if (read_filters(req, &b) != 0)
        return;
    tz_zone *z = post_form_zone(req, req->auth.workspace_id);
    if (z == NULL)
        return;
    b.f.limit = EXPORT_MAX;
    b.f.full_body = 1;
    json_t *items = NULL;
    db_rows *media = NULL;
    int more = 0;
    app_err e = store_post_find(req->app->db, req->auth.workspace_id, &b.f, &items, &more);
    size_t n = json_array_size(items);
    if (e == APP_OK && n > 0) /* newest first: the last item has the lowest id */
        e = store_post_media_ids(
            req->app->db, req->auth.workspace_id,
            json_integer_value(json_object_get(json_array_get(items, n - 1), "id")),
            json_integer_value(json_object_get(json_array_get(items, 0), "id")), &media);
    if (e != APP_OK) {
        json_decref(items);
        api_fail(req, e, "posts");
        tz_free(z);
        return;
    }
    csv_out o = {0};
    static const char *const head[] = {"id",   "state",        "text",  "accounts", "account_names",
                                       "time", "scheduled_at", "media", "campaign"};
    csv_out_row(&o, head, sizeof head / sizeof head[0]);
    for (size_t i = 0; i < n; i++) {
        int64_t pid = json_integer_value(json_object_get(json_array_get(items, i), "id"));
        /* media rows are in ascending post order: find this post's first by bisection */
        int lo = 0, hi = db_rows_count(media);
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (db_rows_int(media, mid, 0, 0) < pid)
                lo = mid + 1;
            else
                hi = mid;
        }
        export_row(&o, json_array_get(items, i), media, lo, z);
    }
    json_decref(items);
    db_rows_free(media);
    tz_free(z);
    if (o.failed) {
        csv_out_free(&o);
        http_reply_error(req, 500, "internal_error", "the export could not be written", NULL);
        return;
    }
    http_reply_download(req, "text/csv; charset=utf-8", "post2share-posts.csv", o.buf, o.len);
    csv_out_free(&o);
}
