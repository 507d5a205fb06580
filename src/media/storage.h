/*
 * storage.h - where media bytes live: a local directory (default,
 * P2S_MEDIA_DIR) or any S3-compatible bucket (AWS Signature V4 through
 * libcurl; path-style or virtual-hosted; configurable endpoint).
 *
 * Objects are named by keys the server makes from random ids, never from
 * user input.  Uploads are first streamed to a local staging file (bounded
 * memory, SHA-256 on the way, probed there), then handed to the store with
 * media_store_put_file; reads stream in ranges.
 */
#ifndef P2S_MEDIA_STORAGE_H
#define P2S_MEDIA_STORAGE_H

#include "core/config.h"
#include "core/err.h"

#include <stdint.h>
#include <sys/types.h>

typedef struct media_store media_store;
typedef struct media_reader media_reader;

/* Open the configured backend.  Error message (no secrets) in err. */
app_err media_store_open(const config *cfg, media_store **out, char *err, size_t errlen);
void media_store_close(media_store *s);

/* "local" or "s3". */
const char *media_store_kind(const media_store *s);

/*
 * Store the file at local_path under key (content_type for S3's metadata,
 * sha256_hex of the content for S3's x-amz-content-sha256).  The local
 * file is moved (local backend) or uploaded and left for the caller to
 * remove (S3).  Keys are [A-Za-z0-9/_.-], no "..".
 */
app_err media_store_put_file(media_store *s, const char *key, const char *local_path,
                             const char *content_type, const char *sha256_hex, uint64_t size);

/*
 * Open key for reading from offset, for at most length bytes (0 = to the
 * end).  APP_ENOTFOUND if there is no such object.
 */
app_err media_store_open_read(media_store *s, const char *key, uint64_t offset, uint64_t length,
                              media_reader **out);
/* Read up to n bytes; returns bytes read, 0 at the end, -1 on error. */
ssize_t media_reader_read(media_reader *r, void *buf, size_t n);
void media_reader_close(media_reader *r);

/* Delete key (a missing object is not an error). */
app_err media_store_delete(media_store *s, const char *key);

#endif
