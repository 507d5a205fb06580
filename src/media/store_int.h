/*
 * store_int.h - inside the media store: the backend table that storage.c
 * dispatches through, and the hooks the unit tests use.  Not for other
 * modules; they include media/storage.h.
 *
 * A backend's store struct starts with a media_store, its reader struct
 * with a media_reader, so the public handles are pointers to those.
 */
#ifndef P2S_MEDIA_STORE_INT_H
#define P2S_MEDIA_STORE_INT_H

#include "media/storage.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Longest key accepted (bytes, without the terminator). */
#define MEDIA_KEY_MAX 512

typedef struct media_backend {
    const char *kind; /* "local" or "s3" */
    app_err (*put_file)(media_store *s, const char *key, const char *local_path,
                        const char *content_type, const char *sha256_hex, uint64_t size);
    app_err (*open_read)(media_store *s, const char *key, uint64_t offset, uint64_t length,
                         media_reader **out);
    app_err (*del)(media_store *s, const char *key);
    void (*close)(media_store *s);
} media_backend;

struct media_store {
    const media_backend *ops;
};

struct media_reader {
    ssize_t (*read)(media_reader *r, void *buf, size_t n);
    void (*close)(media_reader *r);
};

/*
 * 1 if key is acceptable: 1..MEDIA_KEY_MAX bytes of [A-Za-z0-9/_.-], no
 * "..", no empty segment (leading, trailing or doubled "/"), and no segment
 * starting with "." (those names are the local store's temporary files).
 */
int media_key_valid(const char *key);

/* The backends' constructors (cfg already checked by config_load). */
app_err media_local_open(const config *cfg, media_store **out, char *err, size_t errlen);
app_err media_s3_open(const config *cfg, media_store **out, char *err, size_t errlen);

/*
 * Reading ranges, the same in both backends: length 0 means to the end, a
 * length past the end stops at the end, and an offset at or past the end of
 * a non-empty object is APP_EINVAL (as S3 answers 416).
 */

/* Test hook: make the local store copy instead of rename(2) (the EXDEV path). */
void media_local_force_copy(media_store *s, int on);

/* The URL of key in an S3 store.  Returns 0, or -1 if it does not fit. */
int media_s3_object_url(const media_store *s, const char *key, char *buf, size_t len);

/* The last failure of an S3 store, for people (never holds the secret key). */
void media_s3_last_error(media_store *s, char *buf, size_t len);

#endif
