/* openapi_doc.c - access to the embedded OpenAPI document (generated into build/gen/). */
#include "api/api.h"

extern const unsigned char p2s_openapi_json[];
extern const size_t p2s_openapi_json_len;

const unsigned char *api_openapi_doc(size_t *len)
{
    *len = p2s_openapi_json_len;
    return p2s_openapi_json;
}
