/*
 * routes.c - every route of the server, as data.
 *
 * Keep docs/openapi.json in step: a unit test compares the two.
 */
#include "api/api.h"

#define KiB(n) ((size_t)(n) * 1024)

static const route table[] = {
    /* method  pattern                     handler            permission   body cap  flags */
    {"GET", "/healthz", api_healthz, PERM_PUBLIC, 0, 0},
    {"GET", "/readyz", api_readyz, PERM_PUBLIC, 0, 0},
    {"GET", "/api/v1/openapi.json", api_openapi, PERM_PUBLIC, 0, 0},
    {"POST", "/api/v1/client-errors", api_client_error, PERM_PUBLIC, KiB(16), ROUTE_JSON},
};

const route *api_routes(size_t *count)
{
    *count = sizeof table / sizeof table[0];
    return table;
}
