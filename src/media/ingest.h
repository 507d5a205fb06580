/*
 * ingest.h - a file becomes a media library item: probed (the type decided
 * by the bytes), deduplicated by SHA-256 within the workspace, counted
 * against the quota, thumbnailed, stored, recorded.  Used by uploads and by
 * the CSV import's media links.
 */
#ifndef P2S_MEDIA_INGEST_H
#define P2S_MEDIA_INGEST_H

#include "app.h"
#include "store/activity.h"

#include <jansson.h>
#include <stdint.h>

/* Why a file was not taken. */
typedef enum ingest_why {
    INGEST_OK = 0,
    INGEST_EMPTY,   /* no bytes */
    INGEST_INVALID, /* not an image or video the library takes (why says) */
    INGEST_QUOTA,   /* the workspace would go over its quota */
    INGEST_BUSY,    /* too many probes at once: try again */
    INGEST_FAILED   /* storing or recording failed (app_err in *err) */
} ingest_why;

/*
 * Take the file at path (size bytes, SHA-256 hex sha256; declared_mime the
 * type the sender claimed or NULL) into workspace ws as name.  *item gets the
 * item as JSON (an existing one when the same bytes are there: *duplicate 1).
 * The file at path is left where it is (the caller removes it).
 */
ingest_why media_ingest(const app *a, const actor *who, int64_t ws, const char *path,
                        const char *sha256, uint64_t size, const char *declared_mime,
                        const char *name, json_t **item, int *duplicate, app_err *err, char *why,
                        size_t whylen);

/*
 * Download an http(s) URL to path (refusing addresses that are not public
 * unless allow_private, following no redirects, at most max_bytes), with its
 * SHA-256 (hex, 65 bytes) and size.  0, or -1 with why.
 */
int media_fetch_url(const app *a, const char *url, int allow_private, uint64_t max_bytes,
                    const char *path, char *sha256, uint64_t *size, char *mime, size_t mimelen,
                    char *why, size_t whylen);

#endif
