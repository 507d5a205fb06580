/* err.c - names of the error codes. */
#include "core/err.h"

const char *app_err_name(app_err e)
{
    switch (e) {
    case APP_OK:
        return "ok";
    case APP_ENOMEM:
        return "out_of_memory";
    case APP_EINVAL:
        return "invalid";
    case APP_ENOTFOUND:
        return "not_found";
    case APP_EPERM:
        return "forbidden";
    case APP_ECONFLICT:
        return "conflict";
    case APP_ETOOBIG:
        return "too_large";
    case APP_EDB:
        return "database_error";
    case APP_EIO:
        return "io_error";
    case APP_EUPSTREAM:
        return "upstream_error";
    case APP_EBUSY:
        return "busy";
    case APP_EVERSION:
        return "schema_too_new";
    }
    return "unknown";
}
