/* refresher.c - proactive token refresh ahead of expiry. */
#define _POSIX_C_SOURCE 200809L
#include "engine/refresher.h"
#include "notify/notify.h"
#include "accounts/accounts.h"
#include "core/clock.h"
#include "store/accounts.h"
#include "store/events.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* After a failure that may pass (rate limit, platform down), wait this long. */
#define BACKOFF_MS (5 * 60 * 1000)

/* Look this far ahead: the longest refresh margin (7 days) plus a pass. */
#define LOOKAHEAD_MS (7LL * 86400000 + 3600000)

struct refresher {
    const app *app;
    pthread_t thread;
    atomic_int stop;
    int interval_s;
};

int refresher_pass(const app *a)
{
    int64_t now = clock_now_ms();
    int64_t ids[64];
    int n = 0, done = 0;
    store_oauth_state_purge(a->db, now);
    /* the live streams replay at most a week (notifications themselves are kept) */
    store_events_prune(a->db, now - 7LL * 86400 * 1000);
    if (store_account_due_refresh(a->db, now + LOOKAHEAD_MS, now, 64, ids, &n) != APP_OK)
        return 0;
    for (int i = 0; i < n; i++) {
        store_account acc;
        if (store_account_get(a->db, ids[i], &acc) != APP_OK)
            continue;
        int can_refresh = acc.refresh_enc != NULL || strcmp(acc.platform, "facebook") == 0 ||
                          strcmp(acc.platform, "instagram") == 0;
        int64_t expires = acc.access_expires_at;
        /* what people were told already (the reason shown with the account) */
        json_t *shown = NULL;
        char before[300] = "";
        if (store_account_json(a->db, acc.workspace_id, acc.id, &shown) == APP_OK) {
            const char *r = json_string_value(json_object_get(shown, "status_reason"));
            snprintf(before, sizeof before, "%s", r != NULL ? r : "");
        }
        json_decref(shown);
        int64_t ws = acc.workspace_id;
        char name[300], platform[16];
        snprintf(name, sizeof name, "%s", acc.name);
        snprintf(platform, sizeof platform, "%s", acc.platform);
        store_account_clear(&acc);
        if (!can_refresh) {
            char reason[200], when[32];
            time_t t = (time_t)(expires / 1000);
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(when, sizeof when, "%Y-%m-%d", &tm);
            int ended = expires <= now;
            if (ended)
                snprintf(reason, sizeof reason,
                         "the authorization ended on %s; reconnect the account", when);
            else
                snprintf(reason, sizeof reason,
                         "reconnect soon: the authorization ends on %s (UTC)", when);
            if (ended) {
                acct_lost(a, ids[i], reason); /* tells people once */
                continue;
            }
            store_account_set_status(a->db, ids[i], "active", reason, now);
            if (strcmp(before, reason) != 0) {
                /* told once per change, not at every look */
                char title[400], body[800], link[700];
                snprintf(title, sizeof title, "Reconnect %s soon", name);
                snprintf(body, sizeof body, "%s (%s): %s.", name, platform, reason);
                snprintf(link, sizeof link, "%s/accounts", a->cfg->public_url);
                json_t *data =
                    json_pack("{s:I, s:s, s:s, s:s}", "account_id", (json_int_t)ids[i], "platform",
                              platform, "account_name", name, "reason", reason);
                notify_event ev = {ws, EV_ACCOUNT_SOON, data, 0, 0, title, body, link};
                notify_emit(a, &ev, NULL);
                json_decref(data);
            }
            continue;
        }
        int refreshed = 0;
        char err[600];
        app_err e = acct_refresh(a, ids[i], 0, &refreshed, err, sizeof err);
        if (e == APP_EBUSY || e == APP_EUPSTREAM || e == APP_EDB)
            store_account_backoff(a->db, ids[i], now + BACKOFF_MS); /* try others meanwhile */
        done += refreshed;
    }
    return done;
}

static void *run(void *arg)
{
    refresher *r = arg;
    while (!atomic_load(&r->stop)) {
        refresher_pass(r->app);
        for (int i = 0; i < r->interval_s * 10 && !atomic_load(&r->stop); i++) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

refresher *refresher_start(const app *a, int interval_s)
{
    refresher *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->app = a;
    r->interval_s = interval_s > 0 ? interval_s : 60;
    atomic_init(&r->stop, 0);
    if (pthread_create(&r->thread, NULL, run, r) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

void refresher_stop(refresher *r)
{
    if (r == NULL)
        return;
    atomic_store(&r->stop, 1);
    pthread_join(r->thread, NULL);
    free(r);
}
