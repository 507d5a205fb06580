/*
 * graph.h - what the Facebook and Instagram adapters share: Meta's Graph API
 * error envelope and its classification, and a bounded URL builder that
 * percent-encodes query arguments (Graph takes most arguments, tokens
 * included, in the query string).  Private to src/platform.
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

#endif
