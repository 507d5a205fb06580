/*
 * accounts.h - connected social accounts and OAuth states.
 *
 * Tokens are stored only sealed (crypto/vault.h) with their key version;
 * this layer never sees them in clear.  Functions taking a db_conn run on
 * the caller's transaction; the others borrow a connection themselves.
 */
#ifndef P2S_STORE_ACCOUNTS_H
#define P2S_STORE_ACCOUNTS_H

#include "store/activity.h"
#include "store/db.h"

#include <jansson.h>

/* A stored account as the token code needs it. */
typedef struct store_account {
    int64_t id;
    int64_t workspace_id;
    char platform[16];
    char remote_id[128];
    char kind[32]; /* "page", "business", "business_page", ... */
    char name[256];
    char status[24];
    int key_version;
    char *access_enc;          /* sealed, malloc'd or NULL */
    char *refresh_enc;         /* sealed, malloc'd or NULL */
    int64_t access_expires_at; /* 0 = does not expire */
    int64_t refresh_expires_at;
    int64_t token_issued_at;
} store_account;

/* Free the sealed strings of a. */
void store_account_clear(store_account *a);

/* Identity and token metadata of an account being connected (sealed values set later). */
typedef struct store_account_in {
    const char *platform, *remote_id, *kind, *name, *username, *avatar_url, *scopes;
    int64_t access_expires_at, refresh_expires_at;
} store_account_in;

/*
 * Insert or update (same workspace, platform and remote id) an account on c,
 * marking it active; *id receives its id, *created whether it is new.
 * Tokens are written separately with store_account_set_tokens (they are
 * sealed with the id as associated data).
 */
app_err store_account_upsert(db_conn *c, const actor *who, int64_t workspace_id,
                             const store_account_in *in, int64_t now_ms, int64_t *id, int *created);

/*
 * Write sealed tokens on c.  refresh_enc NULL keeps the stored refresh token
 * (a grant without one never wipes it); issued_at 0 keeps the stored issue
 * time (re-sealing under a new key).  Releases a refresh lock held by
 * lock_owner (NULL: none).  A disconnected account is left alone
 * (APP_ECONFLICT), so a refresh finishing after a disconnect stores nothing.
 */
app_err store_account_set_tokens(db_conn *c, int64_t id, int key_version, const char *access_enc,
                                 const char *refresh_enc, int64_t access_expires_at,
                                 int64_t refresh_expires_at, const char *scopes, int64_t issued_at,
                                 int64_t now_ms, const char *lock_owner);

/* Load an account (with sealed tokens). APP_ENOTFOUND. */
app_err store_account_get(db *d, int64_t id, store_account *out);

/* The same, on the connection of a running transaction. */
app_err store_account_get_on(db_conn *c, int64_t id, store_account *out);

/* The workspace's accounts as JSON (no tokens), connected first. */
app_err store_account_list(db *d, int64_t workspace_id, json_t **items);

/* One account of a workspace as JSON, or APP_ENOTFOUND. */
app_err store_account_json(db *d, int64_t workspace_id, int64_t id, json_t **out);

/*
 * Take the refresh lock of an account for lease_ms if it is free (or its
 * lease ran out).  *got is 1 if this owner now holds it.
 */
app_err store_account_lock(db *d, int64_t id, const char *owner, int64_t lease_ms, int64_t now_ms,
                           int *got);

/* Release the refresh lock without changing tokens (the refresh failed). */
app_err store_account_unlock(db *d, int64_t id, const char *owner);

/* Set the health of an account with a reason (NULL for none); a disconnected one stays so. */
app_err store_account_set_status(db *d, int64_t id, const char *status, const char *reason,
                                 int64_t now_ms);

/*
 * Mark an active account needs_reconnect with the reason; *changed 1 if it
 * was active (so the people concerned are told once).  *workspace_id, name
 * (256 bytes) and platform (16 bytes) describe it.
 */
app_err store_account_lost(db *d, int64_t id, const char *reason, int64_t now_ms, int *changed,
                           int64_t *workspace_id, char *name, char *platform);

/*
 * Disconnect: drop the sealed tokens, status "disconnected", activity row.
 * Keeps the row and its history.
 */
app_err store_account_disconnect(db *d, const actor *who, int64_t workspace_id, int64_t id,
                                 int64_t now_ms);

/* Active accounts whose access token expires before `before` and not held back past now. */
app_err store_account_due_refresh(db *d, int64_t before, int64_t now_ms, int limit, int64_t *ids,
                                  int *n);

/* Hold an account back from the refresher until until_ms (after a failure that may pass). */
app_err store_account_backoff(db *d, int64_t id, int64_t until_ms);

/* Every account id that holds sealed tokens (for key rotation). */
app_err store_account_sealed_ids(db *d, int64_t after_id, int limit, int64_t *ids, int *n);

/* OAuth states. */
typedef struct store_oauth_state {
    int64_t id;
    int64_t session_id, user_id, workspace_id;
    char platform[16];
    char *verifier_enc; /* malloc'd or NULL */
    char *pending_enc;  /* malloc'd or NULL */
    int key_version;
    int64_t expires_at;
} store_oauth_state;

void store_oauth_state_clear(store_oauth_state *s);

/* Record a new state (its hash) bound to a session, workspace and platform. */
app_err store_oauth_state_create(db *d, const char *state_hash, int64_t session_id, int64_t user_id,
                                 int64_t workspace_id, const char *platform,
                                 const char *verifier_enc, int key_version, int64_t now_ms,
                                 int64_t expires_at);

/*
 * Use a state once: marks it used and returns it.  APP_ENOTFOUND if unknown
 * or used already (*why "unknown" or "used"), or expired ("expired").
 */
app_err store_oauth_state_take(db *d, const char *state_hash, int64_t now_ms,
                               store_oauth_state *out, const char **why);

/* Keep the accounts to choose from (sealed) on a used state, for the page picker. */
app_err store_oauth_state_set_pending(db *d, int64_t id, const char *pending_enc, int key_version,
                                      int64_t expires_at);

/* Load a state with pending accounts by id for its user; APP_ENOTFOUND if none or expired. */
app_err store_oauth_state_pending(db *d, int64_t id, int64_t user_id, int64_t now_ms,
                                  store_oauth_state *out);

/*
 * Take the pending accounts of a state for oneself: *claimed is 1 for the one
 * caller whose pending_enc (as read) was still there; everyone else gets 0.
 */
app_err store_oauth_state_claim_pending(db *d, int64_t id, const char *pending_enc, int *claimed);

/* Wipe the secrets of expired states, and delete states a day past their expiry. */
app_err store_oauth_state_purge(db *d, int64_t now_ms);

/* Forget the pending accounts of a state (chosen or abandoned). */
app_err store_oauth_state_drop_pending(db *d, int64_t id);

#endif
