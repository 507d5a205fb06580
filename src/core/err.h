/*
 * err.h - the one error enum every module returns.
 *
 * Functions return APP_OK (0) or one of these codes and hand results back
 * through out-parameters.  http/response.c maps a code to an HTTP status.
 */
#ifndef P2S_CORE_ERR_H
#define P2S_CORE_ERR_H

typedef enum app_err {
    APP_OK = 0,
    APP_ENOMEM,    /* allocation failed */
    APP_EINVAL,    /* input failed validation */
    APP_ENOTFOUND, /* no such thing (or not visible to the caller) */
    APP_EPERM,     /* caller may not do this */
    APP_ECONFLICT, /* state forbids it, or a unique value is taken */
    APP_ETOOBIG,   /* over a size cap */
    APP_EDB,       /* the store failed */
    APP_EIO,       /* file or socket I/O failed */
    APP_EUPSTREAM, /* a platform or other remote service failed */
    APP_EBUSY,     /* try again later (throttled, pool exhausted) */
    APP_EVERSION   /* database schema is newer than this binary */
} app_err;

/* Short stable name of an error code, e.g. "not_found". Never NULL. */
const char *app_err_name(app_err e);

#endif
