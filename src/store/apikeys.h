/*
 * apikeys.h - personal API keys.  Only a SHA-256 of the key is stored,
 * beside a short prefix for people to recognise it.  A key acts for its
 * owner in the workspaces chosen when it was made.
 */
#ifndef P2S_STORE_APIKEYS_H
#define P2S_STORE_APIKEYS_H

#include "store/activity.h"
#include "store/db.h"

#include <jansson.h>

/*
 * Create a key for who, limited to workspace_ids (each must be one of
 * theirs, else APP_EINVAL).  *key receives its JSON (without the secret).
 */
app_err store_apikey_create(db *d, const actor *who, const char *name, const char *prefix,
                            const char *key_hash, const int64_t *workspace_ids, size_t n,
                            int64_t now_ms, json_t **key);

/* The user's keys that are not revoked: [{id, name, prefix, workspace_ids, created_at,
 * last_used_at}]. */
app_err store_apikey_list(db *d, int64_t user_id, json_t **items);

/* Revoke one of the user's keys.  APP_ENOTFOUND if not theirs or already revoked. */
app_err store_apikey_revoke(db *d, const actor *who, int64_t key_id, int64_t now_ms);

/*
 * Find a live key by hash: *user_id, *key_id.  Refreshes last_used_at at
 * most once a minute.  APP_ENOTFOUND if unknown or revoked.
 */
app_err store_apikey_lookup(db *d, const char *key_hash, int64_t now_ms, int64_t *user_id,
                            int64_t *key_id);

#endif
