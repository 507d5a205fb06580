/* openapi.c - serve the OpenAPI document compiled into the binary. */
#include "api/api.h"

#include <microhttpd.h>

void api_openapi(http_req *req)
{
    size_t len;
    const unsigned char *doc = api_openapi_doc(&len);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)doc, MHD_RESPMEM_PERSISTENT);
    if (r == NULL) {
        http_reply_error(req, 500, "internal_error", "out of memory", NULL);
        return;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    http_reply_raw(req, 200, r, len);
}
