/*
 * media.h - the media library table: one row per stored file of a
 * workspace, identical files (same SHA-256) stored once per workspace.
 */
#ifndef P2S_STORE_MEDIA_H
#define P2S_STORE_MEDIA_H

#include "store/activity.h"
#include "store/db.h"

#include <jansson.h>

/* A new media row. */
typedef struct store_media_in {
    const char *kind, *mime, *format, *name, *storage_key, *thumb_key, *sha256;
    int64_t size;
    int width, height;
    int64_t duration_ms;
    double fps;
    const char *video_codec, *audio_codec;
    int animated;
} store_media_in;

/* Where a media item's bytes are. */
typedef struct store_media_keys {
    char storage_key[256];
    char thumb_key[256];
    char mime[48];
    char name[256];
    int64_t size;
} store_media_keys;

/* The item of a workspace with this content hash, as JSON; APP_ENOTFOUND if none. */
app_err store_media_by_sha(db *d, int64_t workspace_id, const char *sha256, json_t **out);

/* Bytes the workspace keeps. */
app_err store_media_usage(db *d, int64_t workspace_id, int64_t *bytes);

/* Insert (with an activity row); *out the item as JSON.  APP_ECONFLICT: same content exists. */
app_err store_media_insert(db *d, const actor *who, int64_t workspace_id, const store_media_in *in,
                           int64_t now_ms, json_t **out);

/* Newest first, optionally one kind, ids below before (0 = from the newest). */
app_err store_media_list(db *d, int64_t workspace_id, const char *kind, int64_t before, int limit,
                         json_t **items, int64_t *next_before);

/* One item as JSON, and (if keys is not NULL) where its bytes are. */
app_err store_media_get(db *d, int64_t workspace_id, int64_t id, json_t **out,
                        store_media_keys *keys);

/* Rename or set the alt text (NULL = unchanged). */
app_err store_media_update(db *d, const actor *who, int64_t workspace_id, int64_t id,
                           const char *name, const char *alt_text, int64_t now_ms, json_t **out);

/*
 * Delete the row; *keys receives where its bytes were (for the caller to
 * delete).  *posts (always set; the caller frees it) lists the posts that
 * use the item as [{id, state}]: drafts, posts awaiting review and posts
 * already published or failed lose it; when a scheduled or publishing post
 * uses it nothing is deleted and the answer is APP_ECONFLICT.
 */
app_err store_media_delete(db *d, const actor *who, int64_t workspace_id, int64_t id,
                           int64_t now_ms, store_media_keys *keys, json_t **posts);

#endif
