/*
 * sse.h - live event streams (Server-Sent Events at GET /api/v1/events).
 *
 * One hub per serve process.  Its thread reads the event log (store/feed.h)
 * after the last id it has seen, in one query for every stream, whenever
 * it is woken: sse_hub_wake from this process (notify_emit through
 * app.on_event), a PostgreSQL NOTIFY p2s_events from another node, or a
 * 1 s timer as a safety net (and the only way a separate worker process
 * on SQLite is heard).  Each event goes to the streams of the people who
 * may see it: a workspace event to the workspace's members (looked up at
 * delivery, so someone removed stops hearing at once), a personal event
 * (a notification) to that person only; a stream opened with an API key
 * only hears the key's workspaces.
 *
 * A stream holds no server thread while it waits: its response is read by
 * a callback that suspends the connection (libmicrohttpd suspend/resume)
 * when the stream's queue is empty; the hub resumes it when there is
 * something to send or a heartbeat (": ping") is due.  Heartbeats are also
 * how a client that went away is noticed (a suspended connection does not
 * see it).  A stream whose queue grows past its cap (a client too slow) is
 * sent "reset" and closed.
 *
 * With PostgreSQL, event ids can become visible out of order (identity
 * values are taken at insert, transactions commit later): the hub does not
 * move past a missing id until it appears or 1 s has passed.
 *
 * Shutdown order (main.c): sse_hub_start after the database, before the
 * HTTP server; at shutdown http_server_quiesce, sse_hub_close (ends every
 * stream, so drain finishes and MHD_stop_daemon finds no suspended
 * connection), http_server_drain, http_server_stop, then sse_hub_stop.
 */
#ifndef P2S_HTTP_SSE_H
#define P2S_HTTP_SSE_H

#include "app.h"
#include "http/http.h"

#include <stdint.h>

struct sse_hub;

/* Most missed events a reconnecting stream is sent (the newest; "reset" first if more). */
#define SSE_REPLAY_MAX 1000

/* Start the hub and its thread.  NULL on failure (logged). */
struct sse_hub *sse_hub_start(const app *a);

/* New events may be in the store: look now.  Thread-safe, cheap, never blocks; NULL ignored. */
void sse_hub_wake(struct sse_hub *h);

/*
 * End every open stream (each sends what it has queued, then ends) and
 * answer new ones with a "retry" and an end, so browsers reconnect to
 * another node.  Idempotent; NULL ignored.  Call before the HTTP server
 * drains and stops: libmicrohttpd aborts when stopped with a suspended
 * connection.
 */
void sse_hub_close(struct sse_hub *h);

/* Stop the thread and free the hub.  Only after the HTTP server stopped.  NULL ignored. */
void sse_hub_stop(struct sse_hub *h);

/* Streams open now (for logs and benchmarks). */
int sse_hub_streams(struct sse_hub *h);

/* What a caller of GET /api/v1/events asked for (checked by the handler). */
typedef struct sse_request {
    int64_t user_id;    /* the signed-in person */
    int64_t api_key_id; /* > 0: signed in with this API key (only its workspaces) */
    int has_last;       /* resume: send the missed events with id > last_id first */
    int64_t last_id;
    int once; /* send the missed events, then end (no live stream) */
} sse_request;

/* Answer req with a stream (or, with once, the missed events). */
void sse_open(struct sse_hub *h, http_req *req, const sse_request *r);

#endif
