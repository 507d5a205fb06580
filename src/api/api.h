/*
 * api.h - the HTTP API: the route table and its handlers.
 *
 * Handlers are thin: they read the already-checked request, call a module
 * (store, engine, ...) and answer.  One file per resource.
 */
#ifndef P2S_API_API_H
#define P2S_API_API_H

#include "http/http.h"

/* The route table (static, read-only) and its length. */
const route *api_routes(size_t *count);

/* The OpenAPI document served at /api/v1/openapi.json (built from docs/openapi.json). */
const unsigned char *api_openapi_doc(size_t *len);

/* health.c */
void api_healthz(http_req *req);
void api_readyz(http_req *req);

/* openapi.c */
void api_openapi(http_req *req);

/* client_errors.c */
void api_client_error(http_req *req);

#endif
