/* events.c - GET /api/v1/events: the caller's live event stream (http/sse.h). */
#include "api/api.h"
#include "http/sse.h"

#include <string.h>

/* A Last-Event-ID: 0 to 18 digits.  0 and *out, or -1. */
static int parse_event_id(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

void api_events(http_req *req)
{
    sse_request r = {.user_id = req->auth.user_id, .api_key_id = req->auth.api_key_id};
    /* The header (a browser's EventSource sets it when it reconnects) wins over the query
       parameter (for clients that cannot set headers, and for a page opened afresh). */
    const char *hdr = http_header(req, "Last-Event-ID");
    const char *q = http_query(req, "last_event_id");
    const char *field = NULL, *given = NULL;
    if (hdr != NULL && hdr[0] != '\0') {
        field = "Last-Event-ID";
        given = hdr;
    } else if (q != NULL) {
        field = "last_event_id";
        given = q;
    }
    if (given != NULL) {
        if (parse_event_id(given, &r.last_id) != 0) {
            http_reply_error(req, 400, "invalid_field",
                             "the last event id must be a whole number (an id: of this stream)",
                             field);
            return;
        }
        r.has_last = 1;
    }
    const char *once = http_query(req, "once");
    if (once != NULL) {
        if (strcmp(once, "1") == 0 || strcmp(once, "true") == 0)
            r.once = 1;
        else if (strcmp(once, "0") != 0 && strcmp(once, "false") != 0) {
            http_reply_error(req, 400, "invalid_field", "once must be 1 or 0", "once");
            return;
        }
    }
    sse_open(req->app->sse, req, &r);
}
