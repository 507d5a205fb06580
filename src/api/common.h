/* common.h - pieces shared by the API handlers. */
#ifndef P2S_API_COMMON_H
#define P2S_API_COMMON_H

#include "http/http.h"
#include "store/users.h"

/* Answer for a store error: 404, 409, 403, 400, 503 (with Retry-After) or 500. */
void api_fail(http_req *req, app_err e, const char *what);

/* {id, name, email, timezone, created_at} of a user. */
json_t *api_user_json(const store_user *u);

/*
 * Start a browser session for user_id: a new token, its hash stored by
 * `create` (store_user_create, store_session_create, ...), the cookie set.
 * Used through the helpers in auth.c and me.c.
 */
typedef struct new_session {
    char token[72];     /* the cookie value */
    char hash[72];      /* what is stored */
    int64_t expires_at; /* absolute expiry */
} new_session;

/* Make a new session token and its hash and expiry. */
void api_new_session(const http_req *req, new_session *ns);

/* After a session was stored: set the cookie and remember it on req (for the CSRF token). */
void api_session_started(http_req *req, const new_session *ns, int64_t session_id);

/* Reply {user, csrf_token} (csrf_token only for a browser session). */
void api_reply_me(http_req *req, int status, const store_user *u);

/* Read a required JSON id array field into ids (at most max); -1 after answering 400. */
int api_id_array(http_req *req, const char *field, int64_t *ids, size_t max, size_t *n);

/* An optional positive id in the query string (*out 0 when absent); -1 after answering 400. */
int api_query_id(http_req *req, const char *name, int64_t *out);

#endif
