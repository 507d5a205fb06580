/*
 * client_errors.c - the web app reports its own uncaught errors here, so an
 * operator sees in the server log what broke in users' browsers.
 *
 * Only the message, the page path (query and fragment dropped: they may hold
 * tokens) and the source position are logged.  Stack traces are accepted
 * but not logged, for the same reason.
 */
#include "api/api.h"
#include "api/validate.h"

#include <string.h>

void api_client_error(http_req *req)
{
    const char *message, *page, *source, *stack;
    int64_t line = 0, column = 0;
    if (v_string(req, "message", 1, 1, 1000, 1, &message) != 0 ||
        v_string(req, "page", 0, 1, 2000, 0, &page) != 0 ||
        v_string(req, "source", 0, 1, 2000, 0, &source) != 0 ||
        v_string(req, "stack", 0, 0, 16000, 1, &stack) != 0 ||
        v_int(req, "line", 0, 0, 100000000, &line) != 0 ||
        v_int(req, "column", 0, 0, 100000000, &column) != 0)
        return;
    json_t *f = json_pack("{s:s, s:s}", "request_id", req->request_id, "message", message);
    if (page != NULL) {
        size_t keep = strcspn(page, "?#");
        json_object_set_new(f, "page", json_stringn(page, keep));
    }
    if (source != NULL) {
        size_t keep = strcspn(source, "?#");
        json_object_set_new(f, "source", json_stringn(source, keep));
        json_object_set_new(f, "line", json_integer(line));
        json_object_set_new(f, "column", json_integer(column));
    }
    log_event(&req->app->log, LOG_WARN, "client error", f);
    http_reply_json(req, 202, json_pack("{s:b}", "received", 1));
}
