/*
 * sessions.h - browser sessions.  Only the SHA-256 of a session token is
 * stored.  A session ends at expires_at (absolute) or after idle_ms without
 * use, whichever is first.
 */
#ifndef P2S_STORE_SESSIONS_H
#define P2S_STORE_SESSIONS_H

#include "store/activity.h"
#include "store/users.h"

#include <jansson.h>

/* Record a session on c (inside the caller's transaction). */
app_err store_session_insert(db_conn *c, const actor *who, const store_new_session *s,
                             int64_t now_ms, int64_t *session_id);

/* Sign-in: a new session plus an "account.signed_in" activity row, in one transaction. */
app_err store_session_create(db *d, const actor *who, const store_new_session *s, int64_t now_ms,
                             int64_t *session_id);

/*
 * Find the live session with this token hash.  On success *user_id and
 * *session_id are set and last_seen_at is refreshed when older than a minute.
 * APP_ENOTFOUND when there is none or it expired.
 */
app_err store_session_lookup(db *d, const char *token_hash, int64_t idle_ms, int64_t now_ms,
                             int64_t *user_id, int64_t *session_id);

/* End one session of a user (sign-out or "end this session").  APP_ENOTFOUND if not theirs. */
app_err store_session_delete(db *d, const actor *who, int64_t session_id, int64_t now_ms);

/* The user's live sessions as a JSON array; current_id is marked "current": true. */
app_err store_session_list(db *d, int64_t user_id, int64_t current_id, int64_t idle_ms,
                           int64_t now_ms, json_t **items);

#endif
