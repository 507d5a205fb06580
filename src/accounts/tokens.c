/* tokens.c - refresh (single-flight), disconnect with revocation, re-sealing under a new key. */
#define _POSIX_C_SOURCE 200809L
#include "accounts/accounts.h"
#include "core/clock.h"
#include "core/text.h"
#include "crypto/vault.h"
#include "notify/notify.h"
#include "platform/http_exec.h"
#include "store/accounts.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long one refresh may hold an account's lock (longer than an HTTP call's timeout). */
#define LOCK_LEASE_MS 90000
/* How long a caller waits for another's refresh of the same account. */
#define LOCK_WAIT_MS 45000

/* Refresh ahead of expiry: 7 days before for long-lived tokens, else 10 minutes. */
static int due(const store_account *acc, int64_t now)
{
    if (acc->access_expires_at <= 0)
        return 0;
    int64_t life = acc->access_expires_at - acc->token_issued_at;
    int64_t margin = life >= 86400000LL * 2 ? 7 * 86400000LL : 10 * 60000LL;
    return acc->access_expires_at - now <= margin;
}

/* Open both sealed tokens of acc into t.  0 or -1. */
static int open_tokens(const app *a, const store_account *acc, plat_tokens *t)
{
    char ctx[128], *plain = NULL;
    memset(t, 0, sizeof *t);
    if (acc->access_enc != NULL) {
        snprintf(ctx, sizeof ctx, "social_accounts:%lld:access_token", (long long)acc->id);
        if (vault_open(a->keys, ctx, acc->access_enc, acc->key_version, &plain) != APP_OK)
            return -1;
        snprintf(t->access, sizeof t->access, "%s", plain);
        vault_wipe(plain);
        plain = NULL;
    }
    if (acc->refresh_enc != NULL) {
        snprintf(ctx, sizeof ctx, "social_accounts:%lld:refresh_token", (long long)acc->id);
        if (vault_open(a->keys, ctx, acc->refresh_enc, acc->key_version, &plain) != APP_OK)
            return -1;
        snprintf(t->refresh, sizeof t->refresh, "%s", plain);
        vault_wipe(plain);
    }
    t->access_expires_at = acc->access_expires_at;
    t->refresh_expires_at = acc->refresh_expires_at;
    return 0;
}

/*
 * Seal t for account id (refresh "" = keep stored) and write it, releasing owner's lock.
 * resealing keeps the stored issue time (nothing was refreshed).
 */
static app_err write_tokens(const app *a, int64_t id, const plat_tokens *t, const char *owner,
                            int resealing)
{
    char ctx[128], *aenc = NULL, *renc = NULL;
    int kv = 0, kv2 = 0;
    snprintf(ctx, sizeof ctx, "social_accounts:%lld:access_token", (long long)id);
    app_err e = vault_seal(a->keys, ctx, t->access, &aenc, &kv);
    if (e == APP_OK && t->refresh[0] != '\0') {
        snprintf(ctx, sizeof ctx, "social_accounts:%lld:refresh_token", (long long)id);
        e = vault_seal(a->keys, ctx, t->refresh, &renc, &kv2);
    }
    if (e == APP_OK) {
        db_conn *c = db_acquire(a->db, 5000);
        if (c == NULL) {
            e = APP_EBUSY;
        } else {
            e = db_begin(c, DB_WRITE);
            if (e == APP_OK)
                e = store_account_set_tokens(c, id, kv, aenc, renc, t->access_expires_at,
                                             t->refresh_expires_at, t->scopes[0] ? t->scopes : NULL,
                                             resealing ? 0 : clock_now_ms(), clock_now_ms(), owner);
            if (e == APP_OK)
                e = db_commit(c);
            db_release(c);
        }
    }
    free(aenc);
    free(renc);
    return e;
}

/* A lock owner name: node id and a random part. */
static void owner_name(const app *a, char *out, size_t outlen)
{
    unsigned char r[6];
    char hex[13];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    snprintf(out, outlen, "%s:%s", a->node_id[0] ? a->node_id : "cli", hex);
}

app_err acct_refresh(const app *a, int64_t account_id, int force, int *refreshed, char *err,
                     size_t errlen)
{
    *refreshed = 0;
    store_account acc;
    app_err e = store_account_get(a->db, account_id, &acc);
    if (e != APP_OK) {
        snprintf(err, errlen, "no such account");
        return e;
    }
    /* The adapter that connected it: Instagram has two (plat_for_account). */
    const plat_ops *ops = plat_for_account(acc.platform, acc.kind);
    int64_t now = clock_now_ms();
    if (ops == NULL || strcmp(acc.status, "disconnected") == 0 || acc.access_enc == NULL) {
        store_account_clear(&acc);
        snprintf(err, errlen, "the account is not connected");
        return APP_ECONFLICT;
    }
    /* A token that does not expire and no refresh token (Page tokens): nothing to renew,
     * forced or not; the account keeps its tokens and its health. */
    if ((!force && !due(&acc, now)) || (acc.access_expires_at <= 0 && acc.refresh_enc == NULL)) {
        store_account_clear(&acc);
        return APP_OK;
    }
    char owner[64];
    owner_name(a, owner, sizeof owner);
    int got = 0;
    int64_t issued_before = acc.token_issued_at;
    int64_t deadline = clock_mono_ms() + LOCK_WAIT_MS;
    for (;;) {
        e = store_account_lock(a->db, account_id, owner, LOCK_LEASE_MS, clock_now_ms(), &got);
        if (e != APP_OK || got)
            break;
        /* Someone else is refreshing: wait for them and use what they stored. */
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
        store_account cur;
        if (store_account_get(a->db, account_id, &cur) == APP_OK) {
            int done = cur.token_issued_at != issued_before || strcmp(cur.status, "active") != 0;
            store_account_clear(&cur);
            if (done) {
                store_account_clear(&acc);
                return APP_OK;
            }
        }
        if (clock_mono_ms() > deadline) {
            store_account_clear(&acc);
            snprintf(err, errlen, "another refresh of this account did not finish in time");
            return APP_EBUSY;
        }
    }
    if (e != APP_OK) {
        store_account_clear(&acc);
        snprintf(err, errlen, "the database is busy");
        return e;
    }
    /* Re-read under the lock: another process may have refreshed just before. */
    store_account_clear(&acc);
    e = store_account_get(a->db, account_id, &acc);
    if (e == APP_OK && acc.token_issued_at != issued_before && !force) {
        store_account_unlock(a->db, account_id, owner);
        store_account_clear(&acc);
        return APP_OK;
    }
    if (e != APP_OK) { /* the store failed, or the account went away: not the account's fault */
        store_account_unlock(a->db, account_id, owner);
        snprintf(err, errlen, "the database is busy");
        return e;
    }
    plat_job job;
    plat_job_init(&job, PJOB_REFRESH, a->cfg, ops->id);
    if (open_tokens(a, &acc, &job.in) != 0) {
        store_account_unlock(a->db, account_id, owner);
        store_account_clear(&acc);
        plat_job_free(&job);
        snprintf(err, errlen, "the saved authorization cannot be read; reconnect the account");
        acct_lost(a, account_id, err);
        return APP_EINVAL;
    }
    snprintf(job.tokens.scopes, sizeof job.tokens.scopes, "%s", "");
    plat_step step = plat_run(&job, ops->refresh, 4);
    if (step == PLAT_DONE) {
        if (job.tokens.refresh[0] == '\0') {
            /* No new refresh token (Google, LinkedIn): keep the stored one, sealed again
             * under the current key so both tokens share the row's key version. */
            memcpy(job.tokens.refresh, job.in.refresh, sizeof job.tokens.refresh);
            if (job.tokens.refresh_expires_at == 0)
                job.tokens.refresh_expires_at = acc.refresh_expires_at;
        }
        e = write_tokens(a, account_id, &job.tokens, owner, 0);
        if (e == APP_OK) {
            *refreshed = 1;
            if (strcmp(acc.status, "active") != 0)
                store_account_set_status(a->db, account_id, "active", NULL, clock_now_ms());
        } else {
            store_account_unlock(a->db, account_id, owner);
            log_event(&a->log, LOG_ERROR, "refreshed tokens could not be stored",
                      json_pack("{s:I, s:s}", "account_id", (json_int_t)account_id, "platform",
                                acc.platform));
            snprintf(err, errlen, "the new tokens could not be stored");
        }
    } else {
        store_account_unlock(a->db, account_id, owner);
        snprintf(err, errlen, "%s", job.err.message);
        int harmless = strcmp(job.err.code, "token_too_young") == 0; /* Instagram: < 24 h */
        if (harmless) {
            e = APP_OK;
        } else if (job.err.kind == PERR_REVOKED || job.err.kind == PERR_TOKEN_EXPIRED ||
                   job.err.kind == PERR_DENIED || job.err.kind == PERR_INVALID ||
                   job.err.kind == PERR_PERMANENT) {
            acct_lost(a, account_id, job.err.message);
            e = APP_EUPSTREAM;
        } else {
            e = job.err.kind == PERR_RATE_LIMITED ? APP_EBUSY : APP_EUPSTREAM;
        }
        log_event(&a->log, LOG_WARN, "token refresh failed",
                  json_pack("{s:I, s:s, s:s, s:i}", "account_id", (json_int_t)account_id,
                            "platform", acc.platform, "code", job.err.code, "status",
                            job.err.http_status));
    }
    sodium_memzero(&job.in, sizeof job.in);
    sodium_memzero(&job.tokens, sizeof job.tokens);
    plat_job_free(&job);
    store_account_clear(&acc);
    return e;
}

void acct_lost(const app *a, int64_t account_id, const char *reason)
{
    int changed = 0;
    int64_t ws = 0;
    char name[256] = "", platform[16] = "";
    if (store_account_lost(a->db, account_id, reason, clock_now_ms(), &changed, &ws, name,
                           platform) != APP_OK ||
        !changed)
        return;
    const char *plat = text_platform_title(platform);
    char title[400], body[1400], link[700];
    snprintf(title, sizeof title, "Reconnect %s on %s", name, plat);
    snprintf(body, sizeof body, "%s on %s can no longer be posted to: %s", name, plat, reason);
    snprintf(link, sizeof link, "%s/accounts", a->cfg->public_url);
    json_t *data = json_pack("{s:I, s:s, s:s, s:s}", "account_id", (json_int_t)account_id,
                             "platform", platform, "account_name", name, "reason", reason);
    notify_event ev = {ws, EV_ACCOUNT_RECONNECT, data, 0, 0, title, body, link};
    notify_emit(a, &ev, NULL);
    json_decref(data);
}

app_err acct_access_token(const app *a, int64_t account_id, char *out, size_t outlen, char *status,
                          size_t statuslen)
{
    store_account acc;
    out[0] = '\0';
    app_err e = store_account_get(a->db, account_id, &acc);
    if (e != APP_OK)
        return e;
    snprintf(status, statuslen, "%s", acc.status);
    plat_tokens *t = malloc(sizeof *t);
    if (t == NULL)
        e = APP_ENOMEM;
    else if (strcmp(acc.status, "active") != 0)
        e = APP_EPERM;
    else if (open_tokens(a, &acc, t) != 0 || t->access[0] == '\0')
        e = APP_EIO;
    else if (strlen(t->access) >= outlen)
        e = APP_ETOOBIG;
    else
        memcpy(out, t->access, strlen(t->access) + 1);
    if (t != NULL) {
        sodium_memzero(t, sizeof *t);
        free(t);
    }
    store_account_clear(&acc);
    return e;
}

app_err acct_disconnect(const app *a, const actor *who, int64_t workspace_id, int64_t account_id)
{
    store_account acc;
    app_err e = store_account_get(a->db, account_id, &acc);
    if (e != APP_OK || acc.workspace_id != workspace_id) {
        if (e == APP_OK)
            store_account_clear(&acc);
        return APP_ENOTFOUND;
    }
    const plat_ops *ops = plat_for_account(acc.platform, acc.kind);
    if (ops != NULL && ops->revoke != NULL && acc.access_enc != NULL) {
        plat_job job;
        plat_job_init(&job, PJOB_REVOKE, a->cfg, ops->id);
        if (open_tokens(a, &acc, &job.in) == 0 && plat_run(&job, ops->revoke, 3) != PLAT_DONE)
            log_event(&a->log, LOG_WARN, "revocation at the platform failed",
                      json_pack("{s:I, s:s, s:s}", "account_id", (json_int_t)account_id, "platform",
                                acc.platform, "code", job.err.code));
        sodium_memzero(&job.in, sizeof job.in);
        plat_job_free(&job);
    }
    store_account_clear(&acc);
    return store_account_disconnect(a->db, who, workspace_id, account_id, clock_now_ms());
}

app_err acct_reseal_all(const app *a, int *count, int *skipped, char *err, size_t errlen)
{
    *count = 0;
    *skipped = 0;
    int64_t after = 0, ids[100];
    int n = 0;
    unsigned char cur[KEY_BYTES];
    int current = keyring_current(a->keys, cur);
    sodium_memzero(cur, sizeof cur);
    char owner[64];
    owner_name(a, owner, sizeof owner);
    do {
        app_err e = store_account_sealed_ids(a->db, after, 100, ids, &n);
        if (e != APP_OK) {
            snprintf(err, errlen, "could not list accounts");
            return e;
        }
        for (int i = 0; i < n; i++) {
            after = ids[i];
            store_account acc;
            if (store_account_get(a->db, ids[i], &acc) != APP_OK)
                continue;
            if (acc.key_version == current || acc.access_enc == NULL) {
                store_account_clear(&acc);
                continue;
            }
            /* Take the refresh lock, so a refresh in flight is not overwritten. */
            int got = 0;
            for (int tries = 0; tries < 600 && !got; tries++) {
                store_account_lock(a->db, acc.id, owner, LOCK_LEASE_MS, clock_now_ms(), &got);
                if (!got) {
                    struct timespec ts = {0, 100 * 1000000L};
                    nanosleep(&ts, NULL);
                }
            }
            store_account_clear(&acc);
            if (!got || store_account_get(a->db, ids[i], &acc) != APP_OK) {
                snprintf(err, errlen, "account %lld is busy; run rotate-key again",
                         (long long)ids[i]);
                return APP_EBUSY;
            }
            plat_tokens t;
            if (open_tokens(a, &acc, &t) != 0) {
                /* Unreadable (damaged, or sealed under a key no longer held): it needs a
                 * reconnect whatever the key; leave it and go on. */
                store_account_unlock(a->db, acc.id, owner);
                store_account_set_status(a->db, acc.id, "needs_reconnect",
                                         "the saved authorization cannot be read; reconnect the "
                                         "account",
                                         clock_now_ms());
                store_account_clear(&acc);
                (*skipped)++;
                continue;
            }
            t.scopes[0] = '\0';
            /* An empty refresh would keep the old ciphertext under the old key: none here. */
            app_err we = write_tokens(a, acc.id, &t, owner, 1);
            sodium_memzero(&t, sizeof t);
            store_account_clear(&acc);
            if (we != APP_OK) {
                store_account_unlock(a->db, ids[i], owner);
                snprintf(err, errlen, "account %lld could not be rewritten", (long long)ids[i]);
                return we;
            }
            (*count)++;
        }
    } while (n == 100);
    return APP_OK;
}
