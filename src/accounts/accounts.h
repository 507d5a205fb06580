/*
 * accounts.h - connecting social accounts and keeping their tokens alive.
 *
 * Connect: a single-use state (10 minutes, bound to the browser session,
 * workspace and platform) and a PKCE verifier go into the store; the
 * platform's authorization page sends the browser back to
 * {public_url}/api/v1/oauth/{platform}/callback, where the code is
 * exchanged, the identity read, and the account stored with its tokens
 * sealed (row id and field as associated data).
 *
 * Refresh is single-flight per account across threads and processes: a
 * lock row with a lease, and the new token pair is written in the same
 * statement that releases the lock, so a rotated refresh token is never
 * lost nor sent twice.
 */
#ifndef P2S_ACCOUNTS_ACCOUNTS_H
#define P2S_ACCOUNTS_ACCOUNTS_H

#include "app.h"
#include "store/activity.h"

#include <jansson.h>

#define ACCT_STATE_TTL_MS (10 * 60 * 1000)

/* The outcome of an OAuth callback. */
typedef struct acct_result {
    int64_t workspace_id; /* where the browser goes back to (0 if unknown) */
    int ok;               /* 1: accounts connected (or waiting to be chosen) */
    int64_t pending_id;   /* > 0: the user must choose accounts (Facebook Pages) */
    int connected;        /* accounts stored */
    char code[64];        /* error code when !ok ("denied", "state_expired", ...) */
    char message[700];    /* for people */
} acct_result;

/* Platforms the product knows: [{id, name, available, coming_soon}]. */
json_t *acct_platforms(const app *a);

/*
 * Start connecting: the authorization URL to send the browser to.
 * APP_EINVAL (message in err) if the platform is unknown, coming soon, or
 * not set up on this server.
 */
app_err acct_connect_start(const app *a, int64_t session_id, int64_t user_id, int64_t workspace_id,
                           const char *platform, char *url, size_t urllen, char *err,
                           size_t errlen);

/*
 * Finish connecting from the callback's query: state, code, or error and
 * error_description (the user denied).  Always fills out; returns APP_OK
 * when accounts were stored or are waiting to be chosen.
 */
app_err acct_connect_finish(const app *a, const actor *who, int64_t session_id,
                            const char *platform, const char *state, const char *code,
                            const char *error, const char *error_description, acct_result *out);

/* Accounts waiting to be chosen: {platform, accounts:[{remote_id,name,username,avatar_url,kind}]}.
 */
app_err acct_pending_get(const app *a, int64_t user_id, int64_t workspace_id, int64_t pending_id,
                         json_t **out);

/* Connect the chosen ones (remote ids); *n receives how many. */
app_err acct_pending_choose(const app *a, const actor *who, int64_t workspace_id,
                            int64_t pending_id, const char *const *remote_ids, size_t nids, int *n,
                            char *err, size_t errlen);

/*
 * Refresh an account's tokens now (force) or only if they expire within
 * the platform's margin.  Single-flight: if another worker holds the lock,
 * waits for it to finish and uses its result.  On a refused refresh the
 * account becomes needs_reconnect with the reason.  *refreshed is 1 if this
 * call refreshed.
 */
app_err acct_refresh(const app *a, int64_t account_id, int force, int *refreshed, char *err,
                     size_t errlen);

/*
 * The account's access token in clear into out (the caller wipes it with
 * sodium_memzero after use), its platform status into status.  APP_ENOTFOUND;
 * APP_EPERM when the account is not active (needs_reconnect, disconnected);
 * APP_EIO when the sealed token cannot be opened.
 */
app_err acct_access_token(const app *a, int64_t account_id, char *out, size_t outlen, char *status,
                          size_t statuslen);

/*
 * The account can no longer be posted to: mark it needs_reconnect with the
 * reason, and if it was active tell the people who can reconnect it
 * (notify.h, account.needs_reconnect).
 */
void acct_lost(const app *a, int64_t account_id, const char *reason);

/* Disconnect: revoke at the platform where it can be (best effort), then drop the tokens. */
app_err acct_disconnect(const app *a, const actor *who, int64_t workspace_id, int64_t account_id);

/*
 * Re-encrypt every stored secret under the keyring's current key.  *count
 * receives how many accounts were rewritten; *skipped how many could not be
 * read (they are marked needs_reconnect).
 */
app_err acct_reseal_all(const app *a, int *count, int *skipped, char *err, size_t errlen);

#endif
