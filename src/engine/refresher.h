/*
 * refresher.h - the background token refresher: every minute it looks for
 * connected accounts whose access token nears its end and refreshes them
 * (single-flight per account, so several nodes may run it).  Accounts that
 * cannot refresh (LinkedIn without a refresh token) get a "reconnect soon"
 * reason a week ahead, and turn needs_reconnect when the token is dead.
 */
#ifndef P2S_ENGINE_REFRESHER_H
#define P2S_ENGINE_REFRESHER_H

#include "app.h"

typedef struct refresher refresher;

/* Start the thread.  NULL on failure. */
refresher *refresher_start(const app *a, int interval_s);

/* Ask it to stop, wait for it, free it (NULL is fine). */
void refresher_stop(refresher *r);

/* One pass, synchronously (also used by tests through the thread). Returns accounts refreshed. */
int refresher_pass(const app *a);

#endif
