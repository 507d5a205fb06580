/*
 * http.h - a request as handlers see it, and the ways to answer it.
 *
 * A handler gets a http_req whose route matched, whose permission and body
 * cap were checked, and whose JSON body (for ROUTE_JSON routes) was parsed.
 * It answers exactly once with http_reply_json, http_reply_error or
 * http_reply_raw.  Every answer carries X-Request-Id and the security
 * headers.  Errors always have the shape
 *   {"error":{"code":"...","message":"...","field":"..."|null}}.
 */
#ifndef P2S_HTTP_HTTP_H
#define P2S_HTTP_HTTP_H

#include "app.h"
#include "http/router.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct MHD_Response;

/* Who is calling, filled in by the guard before the handler runs. */
typedef struct req_auth {
    int64_t user_id;       /* 0 = signed out */
    int64_t session_id;    /* set when signed in with the session cookie */
    int64_t api_key_id;    /* set when signed in with an API key */
    char session_hash[72]; /* hash of the session token (for the CSRF token) */
    int64_t workspace_id;  /* the route's workspace, for workspace routes */
    role ws_role;          /* the caller's role there */
} req_auth;

struct http_req {
    const app *app;              /* application context */
    struct MHD_Connection *conn; /* libmicrohttpd connection */
    const char *method;          /* request method */
    char path[2048];             /* decoded path, without query */
    char request_id[68];         /* X-Request-Id (given or generated) */
    route_match match;           /* matched route and path parameters */
    int matched;                 /* router result (router_result) */
    char *body;                  /* request body, NUL-terminated, or NULL */
    size_t body_len;             /* bytes in body */
    size_t body_cap;             /* cap for this request */
    int body_too_big;            /* the body went over body_cap */
    int body_started;            /* some body bytes arrived */
    json_t *json;                /* parsed body (ROUTE_JSON), or NULL */
    int status;                  /* status answered (0 until answered) */
    uint64_t bytes_out;          /* body bytes answered */
    int64_t start_us;            /* monotonic start time */
    int is_static;               /* served from the web app folder */
    char ip[48];                 /* client address (see P2S_TRUST_PROXY) */
    char user_agent[256];        /* User-Agent, printable ASCII, truncated */
    req_auth auth;               /* caller, after the guard */
    char set_cookie[256];        /* Set-Cookie to send with the answer, or "" */
    int upload_fd;               /* ROUTE_STREAM: staging file being written, or -1 */
    char upload_path[1100];      /* its path ("" when none); the handler may move it away */
    uint64_t upload_size;        /* bytes received */
    char upload_sha256[65];      /* SHA-256 of the body, hex (set before the handler runs) */
    void *_sha;                  /* running SHA-256 state */
    int upload_failed;           /* writing the staging file failed */
    int retry_after;             /* Retry-After seconds to send, or 0 */
};

/* Value of a path parameter of the matched route, or NULL. */
const char *http_param(const http_req *req, const char *name);

/* Value of a request header (case-insensitive name), or NULL. */
const char *http_header(const http_req *req, const char *name);

/* Value of a query-string argument, or NULL. */
const char *http_query(const http_req *req, const char *name);

/* Answer with status and a JSON body; takes the reference to body. */
void http_reply_json(http_req *req, int status, json_t *body);

/*
 * Answer 200 with a copy of buf as a file to save: content_type, and
 * Content-Disposition attachment with filename (letters, digits, . - _ only).
 */
void http_reply_download(http_req *req, const char *content_type, const char *filename,
                         const char *buf, size_t len);

/* Answer with a status and no body (204). */
void http_reply_empty(http_req *req, int status);

/* Answer with the error shape.  field may be NULL. */
void http_reply_error(http_req *req, int status, const char *code, const char *message,
                      const char *field);

/*
 * Answer with a ready libmicrohttpd response (static files); adds the common
 * headers and destroys resp.  len is the body length for the log.
 */
void http_reply_raw(http_req *req, int status, struct MHD_Response *resp, uint64_t len);

/* The person acting in this request, for the activity log (user agent truncated). */
struct actor;
void http_actor(const http_req *req, struct actor *out);

/* Add the headers every answer carries (request id, security headers). */
void http_add_common_headers(const http_req *req, struct MHD_Response *resp);

#endif
