/*
 * server.h - the HTTP server on libmicrohttpd (thread pool, epoll).
 *
 * For each request it assigns a request id, matches the route table, checks
 * the route's permission and body cap, parses JSON bodies, runs the handler,
 * serves the web app for other GET paths, and writes one JSON log line when
 * the request completes.  Shutdown is in three steps: quiesce (stop
 * accepting), drain (wait for requests in flight), stop.
 */
#ifndef P2S_HTTP_SERVER_H
#define P2S_HTTP_SERVER_H

#include "app.h"
#include "core/err.h"

typedef struct http_server http_server;

/*
 * Bind cfg->listen and start serving the app's routes.  *port receives the
 * port actually bound (useful with port 0).  Error message in err.
 */
app_err http_server_start(const app *a, http_server **out, int *port, char *err, size_t errlen);

/* Stop accepting new connections; requests in flight go on. */
void http_server_quiesce(http_server *s);

/* Wait until no request is in flight or timeout_ms passed.  Returns the number still in flight. */
int http_server_drain(http_server *s, int timeout_ms);

/* Close every connection, stop the threads and free s. */
void http_server_stop(http_server *s);

#endif
