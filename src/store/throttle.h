/*
 * throttle.h - fixed-window counters shared by every node (sign-in and
 * registration throttling).  Keys are opaque strings chosen by the caller
 * (hash anything personal before using it as a key).
 */
#ifndef P2S_STORE_THROTTLE_H
#define P2S_STORE_THROTTLE_H

#include "store/db.h"

/*
 * Count of key in the window that started within window_ms before now, and
 * when that window ends (*reset_at, UTC ms).  0 if none.
 */
app_err store_throttle_peek(db *d, const char *key, int64_t window_ms, int64_t now_ms,
                            int64_t *count, int64_t *reset_at);

/* Add one to key (starting a new window if the old one is over); returns the new count. */
app_err store_throttle_hit(db *d, const char *key, int64_t window_ms, int64_t now_ms,
                           int64_t *count, int64_t *reset_at);

/* Forget key (a successful sign-in clears the email's failures). */
app_err store_throttle_clear(db *d, const char *key);

#endif
