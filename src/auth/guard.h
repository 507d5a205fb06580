/*
 * guard.h - who is calling and may they: run by the server for every API
 * request before its handler.
 *
 * 1. Authenticate: "Authorization: Bearer p2s_..." (an API key), else the
 *    p2s_session cookie.  A bad API key is refused outright; a stale cookie
 *    just means signed out.  Routes with PERM_SESSION or ROUTE_BROWSER
 *    refuse API keys.
 * 2. Check the route's permission (rbac.h): signed in; a browser session
 *    where the route needs one; the CSRF token on state-changing requests
 *    made with the cookie; and for workspace routes the caller's role in the
 *    workspace named by the {id} path parameter (404 when not a member, or
 *    when an API key was not given that workspace; 403 when the role is too
 *    weak).
 *
 * Fills req->auth.  Returns 0 to go on, or -1 after answering the request.
 */
#ifndef P2S_AUTH_GUARD_H
#define P2S_AUTH_GUARD_H

#include "http/http.h"

#define SESSION_COOKIE "p2s_session"
#define API_KEY_PREFIX "p2s_"

int guard_check(http_req *req);

/* The CSRF token of the request's session into out (TOKEN_MAX bytes); "" without a session. */
void guard_csrf_token(const http_req *req, char *out);

/* Set the session cookie on the answer (token NULL: clear it). */
void guard_set_session_cookie(http_req *req, const char *token);

/* Parse a positive decimal id; 0 if s is not one. */
int64_t guard_parse_id(const char *s);

#endif
