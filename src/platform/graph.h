/*
 * graph.h - what the Facebook and Instagram adapters share: Meta's Graph API
 * error envelope and its classification, a bounded URL builder that
 * percent-encodes query arguments (Graph takes most arguments, tokens
 * included, in the query string), and the Facebook Login steps both
 * Facebook-Login adapters take (facebook.c: Pages; instagram_fb.c: the
 * Instagram accounts linked to Pages).  Private to src/platform.
 */
#ifndef P2S_PLATFORM_GRAPH_H
#define P2S_PLATFORM_GRAPH_H

#include "platform/platform.h"

#include <jansson.h>

/* A URL being built; over is set when it stops fitting (the URL is then unusable). */
typedef struct graph_url {
    char s[PLAT_URL_MAX];
    size_t len;
    int over;
} graph_url;

/* Start a URL with printf-style text (the part before the query). */
void graph_url_start(graph_url *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append "/segment", percent-encoded (before any argument). */
void graph_url_segment(graph_url *u, const char *segment);
/* Append ?key=value or &key=value, the value percent-encoded. */
void graph_url_arg(graph_url *u, const char *key, const char *value);
/*
 * Make u the job's next request.  PLAT_REQUEST, or PLAT_FAIL when the URL
 * did not fit (what names the step for the message).
 */
plat_step graph_request(plat_job *job, const char *method, const graph_url *u, const char *what);

/*
 * Fail the job from a Graph answer that is not a success: the envelope
 * {"error":{"message","type","code","error_subcode"}}, the older Instagram
 * shape {"error_type","code","error_message"}, or (with neither) the HTTP
 * status alone.  title is the platform as people know it ("Facebook"),
 * what the step ("Connecting Facebook").  The Graph message goes into
 * err.message with anything secret the job holds blanked out.
 */
plat_step graph_fail(plat_job *job, const plat_response *r, const char *title, const char *what);

/* An id that Graph sends as a string or as a JSON number, as text ("" if neither). */
void graph_id_text(const json_t *v, char *out, size_t outlen);

/* Copy a JSON string member into out ("" when absent); 0, or -1 if it does not fit. */
int graph_str(const json_t *obj, const char *key, char *out, size_t outlen);

/* The code of a Graph error envelope in r (error.code), 0 when r holds none. */
long long graph_error_code(const plat_response *r);

/* ---- Facebook Login (facebook.c and instagram_fb.c) ---- */

/*
 * The dialog's code for a short-lived user token:
 * GET {token_url}/{version}/oauth/access_token with everything in the query.
 */
plat_step graph_fb_code_request(plat_job *job, const char *what);

/* A token for a long-lived one: GET .../oauth/access_token?grant_type=fb_exchange_token. */
plat_step graph_fb_exchange_request(plat_job *job, const char *token, const char *what);

/*
 * Refresh through Facebook Login (Facebook Pages, Instagram through a Page):
 * a Page token never expires, so there is nothing to renew; an expired user
 * token cannot be renewed (reconnect); a live one is exchanged again for a
 * long-lived one.  product names the account in messages ("Facebook").
 */
plat_step graph_fb_refresh(plat_job *job, const plat_response *last, const char *product,
                           int64_t long_ttl_s);

/*
 * Read {"access_token","token_type","expires_in"} into t.  A missing
 * expires_in counts as default_ttl_s (0 = does not expire).  0, or -1 when
 * the answer holds no usable token.
 */
int graph_fb_token(const plat_job *job, const plat_response *r, plat_tokens *t,
                   long long default_ttl_s);

/*
 * Read a /me/permissions answer: the granted permissions, comma-joined,
 * into out.  0, or -1 when the answer is not a permission list.
 */
int graph_fb_granted(const plat_response *r, char *out, size_t outlen);

/* Is perm in the comma-joined list? */
int graph_has_perm(const char *list, const char *perm);

/*
 * May a list's paging.next be followed?  It carries the access token, so
 * only to the API host (api_url followed by '/'), and only if it fits.
 */
int graph_fb_next_ok(const plat_job *job, const char *next);

/*
 * Revocation for Facebook Login grants, shared by the Page adapters.
 * Removing the app (DELETE /me/permissions) is a user-level act: it ends
 * every token of that user for this app, so every other Page (and every
 * Instagram account linked to one) connected through the same sign-in, in
 * any workspace, would stop working too.  It takes the user token; with a
 * Page token, "me" is the Page, which has no permissions to remove.  So for
 * a Page token (one that does not expire) nothing is sent: the token is
 * simply dropped by the caller, and the person can remove the app in
 * Facebook's settings.  A stored user token (one that expires) is revoked.
 */
plat_step graph_fb_revoke(plat_job *job, const plat_response *last);

#endif
