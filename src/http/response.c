/* response.c - reading request parts and answering, with the headers every answer carries. */
#define _POSIX_C_SOURCE 200809L
#include "http/http.h"
#include "store/activity.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Content-Security-Policy: no inline script or style, no framing. */
#define CSP                                                                                        \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; " \
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "                 \
    "frame-ancestors 'none'"

void http_actor(const http_req *req, actor *out)
{
    out->user_id = req->auth.user_id;
    out->ip = req->ip;
    out->user_agent = req->user_agent;
}

const char *http_param(const http_req *req, const char *name)
{
    return router_param(&req->match, name);
}

const char *http_header(const http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_query(const http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

void http_add_common_headers(const http_req *req, struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Request-Id", req->request_id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "strict-origin-when-cross-origin");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
}

void http_reply_raw(http_req *req, int status, struct MHD_Response *resp, uint64_t len)
{
    http_add_common_headers(req, resp);
    if (req->set_cookie[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, req->set_cookie);
    if (req->retry_after > 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%d", req->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (status == 405 && req->match.allow[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, req->match.allow);
    if (MHD_queue_response(req->conn, (unsigned)status, resp) == MHD_YES) {
        req->status = status;
        req->bytes_out = strcmp(req->method, "HEAD") == 0 ? 0 : len;
    } else if (req->status == 0) {
        req->status = status; /* logged as answered; libmicrohttpd closes the connection */
    }
    MHD_destroy_response(resp);
}

void http_reply_json(http_req *req, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(body);
    if (text == NULL) {
        static const char oom[] = "{\"error\":{\"code\":\"internal_error\",\"message\":\"out of "
                                  "memory\",\"field\":null}}";
        struct MHD_Response *r =
            MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
        http_reply_raw(req, 500, r, sizeof oom - 1);
        return;
    }
    size_t len = strlen(text);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(text);
        return;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    http_reply_raw(req, status, r, len);
}

void http_reply_download(http_req *req, const char *content_type, const char *filename,
                         const char *buf, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)buf, MHD_RESPMEM_MUST_COPY);
    if (r == NULL) {
        http_reply_error(req, 500, "internal_error", "out of memory", NULL);
        return;
    }
    char disp[160];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", filename);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    http_reply_raw(req, 200, r, len);
}

void http_reply_empty(http_req *req, int status)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    http_reply_raw(req, status, r, 0);
}

void http_reply_error(http_req *req, int status, const char *code, const char *message,
                      const char *field)
{
    json_t *err = json_pack("{s:s, s:s, s:o}", "code", code, "message", message, "field",
                            field != NULL ? json_string(field) : json_null());
    http_reply_json(req, status, json_pack("{s:o}", "error", err));
}
