/*
 * limits.h - throttling of sign-in and registration, per IP and per email,
 * shared by all nodes through the store.
 *
 * A key is blocked once it has P2S_AUTH_FAIL_LIMIT failures (or, for
 * account creation per IP, P2S_SIGNUP_LIMIT accounts) in the current window
 * of P2S_AUTH_WINDOW seconds.  Emails are hashed before they become keys.
 */
#ifndef P2S_AUTH_LIMITS_H
#define P2S_AUTH_LIMITS_H

#include "http/http.h"

/* What is being throttled. */
typedef enum limit_kind {
    LIMIT_LOGIN,  /* sign-in: per IP and per email */
    LIMIT_SIGNUP, /* registration: per IP and per email, and accounts per IP */
    LIMIT_REAUTH  /* a signed-in person's current password: per email only */
} limit_kind;

/*
 * Seconds until the caller may try again (0 = go ahead): failures of this
 * kind from the request's IP or for email (normalised, may be NULL), and for
 * LIMIT_SIGNUP the accounts already created from the IP.
 */
int limits_blocked(const http_req *req, limit_kind kind, const char *email);

/* Count a failure for the IP and the email. */
void limits_failed(const http_req *req, limit_kind kind, const char *email);

/* A success: sign-in clears the email's failures; sign-up counts an account for the IP. */
void limits_succeeded(const http_req *req, limit_kind kind, const char *email);

/* Answer 429 with Retry-After seconds. */
void limits_reply(http_req *req, int seconds);

#endif
