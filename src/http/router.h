/*
 * router.h - routes are data.
 *
 * A route is one row: method, path pattern ("/api/v1/workspaces/{id}"),
 * handler, the permission it needs, and its request body cap.  The server
 * matches a request against the table and enforces the permission and the
 * body cap before the handler runs; handlers never repeat those checks.
 * Patterns use the OpenAPI syntax, so the OpenAPI document can be checked
 * against the table.
 */
#ifndef P2S_HTTP_ROUTER_H
#define P2S_HTTP_ROUTER_H

#include "auth/rbac.h"

#include <stddef.h>

typedef struct http_req http_req;

/* A route's handler: it answers with one of the http_reply_* calls. */
typedef void (*http_handler)(http_req *req);

/* Route flags. */
enum {
    ROUTE_JSON = 1 << 0,    /* the body, if any, must be a JSON object (application/json) */
    ROUTE_BROWSER = 1 << 1, /* besides the permission, needs a browser session, not an API key */
    ROUTE_STREAM = 1 << 2,  /* the body is streamed to a staging file (uploads); the guard runs
                               before any of it is read; max_body 0 = P2S_MEDIA_MAX_MB */
    ROUTE_OWN_AUTH = 1 << 3 /* a public route whose handler checks its own credentials (an
                               operator token): the guard leaves Authorization alone */
};

typedef struct route {
    const char *method;   /* "GET", "POST", ... (GET routes also answer HEAD) */
    const char *pattern;  /* path with {name} parameters, one per segment */
    http_handler handler; /* runs after every check passed */
    route_perm perm;      /* permission needed */
    size_t max_body;      /* body cap in bytes; 0 = the configured default */
    unsigned flags;       /* ROUTE_* */
} route;

/* Most path parameters one pattern may have. */
#define ROUTER_MAX_PARAMS 6
/* Longest path parameter value. */
#define ROUTER_MAX_PARAM_LEN 128

/* The outcome of matching a request. */
typedef struct route_match {
    const route *route;                                   /* the route, or NULL */
    int nparams;                                          /* parameters captured */
    const char *names[ROUTER_MAX_PARAMS];                 /* parameter names (from the pattern) */
    size_t namelens[ROUTER_MAX_PARAMS];                   /* their lengths */
    char values[ROUTER_MAX_PARAMS][ROUTER_MAX_PARAM_LEN]; /* their values */
    char allow[96];                                       /* methods for the path, for 405 */
} route_match;

typedef enum router_result {
    ROUTER_FOUND = 0, /* m->route is set */
    ROUTER_NO_PATH,   /* no pattern matches the path */
    ROUTER_BAD_METHOD /* the path exists, not for this method; m->allow lists methods */
} router_result;

/* Match method and path against the table. */
router_result router_match(const route *table, size_t n, const char *method, const char *path,
                           route_match *m);

/* Value of a path parameter captured by router_match, or NULL. */
const char *router_param(const route_match *m, const char *name);

/* Check a table: patterns well formed, no duplicate (method, pattern). 0 or -1 with message. */
int router_check_table(const route *table, size_t n, char *err, size_t errlen);

#endif
