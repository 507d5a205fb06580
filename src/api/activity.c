/* activity.c - a workspace's activity log, newest first, paged by id. */
#include "api/api.h"
#include "api/common.h"
#include "auth/guard.h"
#include "store/activity.h"

#include <string.h>

void api_activity_list(http_req *req)
{
    const char *ls = http_query(req, "limit");
    const char *bs = http_query(req, "before");
    int64_t limit = ls != NULL ? guard_parse_id(ls) : 50;
    int64_t before = bs != NULL ? guard_parse_id(bs) : 0;
    if (limit < 1 || limit > 200) {
        http_reply_error(req, 400, "invalid_field", "limit must be an integer from 1 to 200",
                         "limit");
        return;
    }
    if (bs != NULL && before == 0) {
        http_reply_error(req, 400, "invalid_field", "before must be an activity id", "before");
        return;
    }
    json_t *items = NULL;
    int64_t next = 0;
    app_err e = store_activity_page(req->app->db, req->auth.workspace_id, before, (int)limit,
                                    &items, &next);
    if (e != APP_OK) {
        api_fail(req, e, "activity");
        return;
    }
    http_reply_json(req, 200,
                    json_pack("{s:o, s:o}", "items", items, "next_before",
                              next > 0 ? json_integer(next) : json_null()));
}
