/* connect.c - the OAuth connect flow: state and PKCE, the callback, storing accounts. */
#include "accounts/accounts.h"
#include "auth/tokens.h"
#include "core/clock.h"
#include "crypto/vault.h"
#include "platform/http_exec.h"
#include "store/accounts.h"
#include "store/workspaces.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pending choices (Facebook Pages) wait this long. */
#define PENDING_TTL_MS (30 * 60 * 1000)
/*
 * Requests one connect may make.  Each adapter bounds its own steps; the
 * longest is Instagram through a Facebook Page: 3 token and permission
 * requests, up to 6 Page lists and one profile per account offered (16).
 */
#define CONNECT_MAX_REQUESTS 32

static const struct {
    const char *id;
    const char *name;
    int coming_soon;
} known[] = {
    {"facebook", "Facebook Pages", 0},
    {"instagram", "Instagram", 0},
    {"instagram_fb", "Instagram (through a Facebook Page)", 0},
    {"linkedin", "LinkedIn", 0},
    {"youtube", "YouTube", 0},
    {"x", "X", 0},
    {"tiktok", "TikTok", 1},
    {"whatsapp", "WhatsApp", 1},
};

json_t *acct_platforms(const app *a)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        const platform_cfg *pc = known[i].coming_soon ? NULL : plat_settings(a->cfg, known[i].id);
        int available = pc != NULL && pc->client_id[0] != '\0' && plat_find(known[i].id) != NULL;
        json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:b}", "id", known[i].id, "name",
                                             known[i].name, "available", available, "coming_soon",
                                             known[i].coming_soon));
    }
    return arr;
}

static void redirect_uri(const app *a, const char *platform, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/api/v1/oauth/%s/callback", a->cfg->public_url, platform);
}

app_err acct_connect_start(const app *a, int64_t session_id, int64_t user_id, int64_t workspace_id,
                           const char *platform, char *url, size_t urllen, char *err, size_t errlen)
{
    const plat_ops *ops = plat_find(platform);
    const platform_cfg *pc = plat_settings(a->cfg, platform);
    if (ops == NULL || pc == NULL) {
        snprintf(err, errlen, "%s cannot be connected yet", platform);
        return APP_EINVAL;
    }
    if (pc->client_id[0] == '\0') {
        snprintf(err, errlen,
                 "%s is not set up on this server: the administrator sets its client id and "
                 "secret",
                 ops->title);
        return APP_EINVAL;
    }
    char state[TOKEN_MAX], state_hash[TOKEN_HASH_HEX], verifier[TOKEN_MAX];
    char challenge[64] = "";
    token_new("", state);
    token_hash(state, state_hash);
    token_new("", verifier);
    if (ops->needs_pkce) {
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
        sodium_bin2base64(challenge, sizeof challenge, h, sizeof h,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    }
    int64_t now = clock_now_ms();
    char *venc = NULL;
    int kv = 0;
    char ctx[128];
    snprintf(ctx, sizeof ctx, "oauth_states:%s:verifier", state_hash);
    app_err e = vault_seal(a->keys, ctx, verifier, &venc, &kv);
    if (e == APP_OK)
        e = store_oauth_state_create(a->db, state_hash, session_id, user_id, workspace_id, platform,
                                     venc, kv, now, now + ACCT_STATE_TTL_MS);
    free(venc);
    sodium_memzero(verifier, sizeof verifier);
    if (e != APP_OK) {
        snprintf(err, errlen, "could not start connecting");
        return e;
    }
    plat_job job;
    plat_job_init(&job, PJOB_CONNECT, a->cfg, platform);
    redirect_uri(a, platform, job.redirect_uri, sizeof job.redirect_uri);
    int rc = ops->authorize_url(&job, state, challenge, url, urllen);
    plat_job_free(&job);
    sodium_memzero(state, sizeof state);
    if (rc != 0) {
        snprintf(err, errlen, "the authorization address is too long");
        return APP_EINVAL;
    }
    return APP_OK;
}

/*
 * Seal and store one account with its tokens in one transaction.  platform
 * is the stored name (plat_stored_name: "instagram" for instagram_fb).
 */
static app_err store_one(const app *a, const actor *who, int64_t workspace_id, const char *platform,
                         const plat_account *acc, const plat_tokens *t, int64_t *id)
{
    db_conn *c = db_acquire(a->db, 5000);
    if (c == NULL)
        return APP_EBUSY;
    int64_t now = clock_now_ms();
    int created = 0, kv = 0, kv2 = 0;
    char *aenc = NULL, *renc = NULL;
    char ctx[128];
    store_account_in in = {platform,  acc->remote_id,       acc->kind,
                           acc->name, acc->username,        acc->avatar_url,
                           t->scopes, t->access_expires_at, t->refresh_expires_at};
    app_err e = db_begin(c, DB_WRITE);
    if (e == APP_OK)
        e = store_account_upsert(c, who, workspace_id, &in, now, id, &created);
    if (e == APP_OK) {
        snprintf(ctx, sizeof ctx, "social_accounts:%lld:access_token", (long long)*id);
        e = vault_seal(a->keys, ctx, t->access, &aenc, &kv);
    }
    if (e == APP_OK && t->refresh[0] != '\0') {
        snprintf(ctx, sizeof ctx, "social_accounts:%lld:refresh_token", (long long)*id);
        e = vault_seal(a->keys, ctx, t->refresh, &renc, &kv2);
    }
    if (e == APP_OK && renc == NULL && !created) {
        /* Keeping the stored refresh token: it must be sealed under the same version. */
        store_account cur;
        e = store_account_get_on(c, *id, &cur);
        if (e == APP_OK && cur.refresh_enc != NULL && cur.key_version != kv) {
            char *plain = NULL;
            snprintf(ctx, sizeof ctx, "social_accounts:%lld:refresh_token", (long long)*id);
            e = vault_open(a->keys, ctx, cur.refresh_enc, cur.key_version, &plain);
            if (e == APP_OK)
                e = vault_seal(a->keys, ctx, plain, &renc, &kv2);
            else
                e = APP_OK; /* unreadable anyway: the new access token still stands */
            vault_wipe(plain);
        }
        if (e == APP_OK || e == APP_ENOTFOUND)
            e = APP_OK;
        store_account_clear(&cur);
    }
    if (e == APP_OK)
        e = store_account_set_tokens(c, *id, kv, aenc, renc, t->access_expires_at,
                                     t->refresh_expires_at, t->scopes, now, now, NULL);
    if (e == APP_OK)
        e = db_commit(c);
    free(aenc);
    free(renc);
    db_release(c);
    return e;
}

static void fail(acct_result *out, const char *code, const char *message)
{
    out->ok = 0;
    snprintf(out->code, sizeof out->code, "%s", code);
    snprintf(out->message, sizeof out->message, "%s", message);
}

/* The pending accounts as JSON text (with their tokens), to be sealed. */
static char *pending_text(const plat_job *job)
{
    json_t *arr = json_array();
    for (int i = 0; i < job->naccounts; i++) {
        const plat_account *acc = &job->accounts[i];
        const plat_tokens *t = acc->has_own_tokens ? &acc->tokens : &job->tokens;
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "remote_id",
                           acc->remote_id, "name", acc->name, "username", acc->username,
                           "avatar_url", acc->avatar_url, "kind", acc->kind, "access", t->access,
                           "refresh", t->refresh, "access_expires_at",
                           (json_int_t)t->access_expires_at, "refresh_expires_at",
                           (json_int_t)t->refresh_expires_at, "scopes", t->scopes));
    }
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text;
}

app_err acct_connect_finish(const app *a, const actor *who, int64_t session_id,
                            const char *platform, const char *state, const char *code,
                            const char *error, const char *error_description, acct_result *out)
{
    memset(out, 0, sizeof *out);
    const plat_ops *ops = plat_find(platform);
    if (ops == NULL) {
        fail(out, "unknown_platform", "this platform cannot be connected");
        return APP_EINVAL;
    }
    if (state == NULL || *state == '\0' || !token_well_formed(state, "")) {
        fail(out, "state_invalid", "the sign-in answer is not one we asked for; try again");
        return APP_EINVAL;
    }
    char state_hash[TOKEN_HASH_HEX];
    token_hash(state, state_hash);
    store_oauth_state st;
    const char *why = NULL;
    int64_t now = clock_now_ms();
    app_err e = store_oauth_state_take(a->db, state_hash, now, &st, &why);
    if (e == APP_ENOTFOUND) {
        if (why != NULL && strcmp(why, "expired") == 0)
            fail(out, "state_expired", "the sign-in took too long (over 10 minutes); try again");
        else if (why != NULL && strcmp(why, "used") == 0)
            fail(out, "state_used", "this sign-in answer was used already; start again");
        else
            fail(out, "state_invalid", "the sign-in answer is not one we asked for; try again");
        return APP_EINVAL;
    }
    if (e != APP_OK) {
        fail(out, "busy", "the server is busy; try again");
        return e;
    }
    out->workspace_id = st.workspace_id;
    if (st.session_id != session_id || strcmp(st.platform, platform) != 0) {
        store_oauth_state_clear(&st);
        fail(out, "state_mismatch",
             "this sign-in was started in another browser session; start again here");
        return APP_EINVAL;
    }
    /* The person's role may have changed while they were on the platform's page. */
    role rl = ROLE_NONE;
    if (store_member_role(a->db, st.workspace_id, st.user_id, 0, &rl) != APP_OK ||
        !rbac_allows(rl, PERM_WS_CONNECT)) {
        store_oauth_state_clear(&st);
        fail(out, "forbidden", "your role may not connect accounts in this workspace");
        return APP_EPERM;
    }
    if (error != NULL && *error != '\0') {
        store_oauth_state_clear(&st);
        char msg[512];
        snprintf(msg, sizeof msg, "%s was not connected: %s", ops->title,
                 strcmp(error, "access_denied") == 0 ? "access was denied on its sign-in page"
                 : error_description != NULL         ? error_description
                                                     : error);
        fail(out, strcmp(error, "access_denied") == 0 ? "denied" : "platform_error", msg);
        return APP_EINVAL;
    }
    if (code == NULL || *code == '\0' || strlen(code) >= sizeof((plat_job *)0)->code) {
        store_oauth_state_clear(&st);
        fail(out, "no_code", "the platform sent no authorization code; try again");
        return APP_EINVAL;
    }
    plat_job job;
    plat_job_init(&job, PJOB_CONNECT, a->cfg, platform);
    snprintf(job.code, sizeof job.code, "%s", code);
    redirect_uri(a, platform, job.redirect_uri, sizeof job.redirect_uri);
    char *verifier = NULL;
    char ctx[128];
    snprintf(ctx, sizeof ctx, "oauth_states:%s:verifier", state_hash);
    if (st.verifier_enc != NULL &&
        vault_open(a->keys, ctx, st.verifier_enc, st.key_version, &verifier) == APP_OK) {
        snprintf(job.verifier, sizeof job.verifier, "%s", verifier);
        vault_wipe(verifier);
    }
    plat_step step = plat_run(&job, ops->connect, CONNECT_MAX_REQUESTS);
    if (step != PLAT_DONE) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s was not connected: %s", ops->title, job.err.message);
        fail(out, job.err.kind == PERR_DENIED ? "denied" : "platform_error", msg);
        log_event(&a->log, LOG_WARN, "connect failed",
                  json_pack("{s:s, s:s, s:i}", "platform", platform, "code", job.err.code, "status",
                            job.err.http_status));
        plat_job_free(&job);
        store_oauth_state_clear(&st);
        sodium_memzero(&job, sizeof job);
        return APP_EUPSTREAM;
    }
    if (job.naccounts == 0) {
        fail(out, "no_accounts",
             strcmp(platform, "facebook") == 0
                 ? "no Facebook Pages were shared; connect again and choose at least one Page"
                 : "the platform shared no account");
        plat_job_free(&job);
        store_oauth_state_clear(&st);
        sodium_memzero(&job, sizeof job);
        return APP_EINVAL;
    }
    if (ops->picks_accounts) {
        char *text = pending_text(&job);
        char *sealed = NULL;
        int kv = 0;
        snprintf(ctx, sizeof ctx, "oauth_states:%lld:pending", (long long)st.id);
        e = text != NULL ? vault_seal(a->keys, ctx, text, &sealed, &kv) : APP_ENOMEM;
        if (text != NULL) {
            sodium_memzero(text, strlen(text));
            free(text);
        }
        if (e == APP_OK)
            e = store_oauth_state_set_pending(a->db, st.id, sealed, kv, now + PENDING_TTL_MS);
        free(sealed);
        if (e == APP_OK) {
            out->ok = 1;
            out->pending_id = st.id;
        } else {
            fail(out, "busy", "could not keep the accounts to choose from; try again");
        }
    } else {
        for (int i = 0; i < job.naccounts && e == APP_OK; i++) {
            const plat_account *acc = &job.accounts[i];
            int64_t id = 0;
            e = store_one(a, who, st.workspace_id, plat_stored_name(ops), acc,
                          acc->has_own_tokens ? &acc->tokens : &job.tokens, &id);
            if (e == APP_OK)
                out->connected++;
        }
        if (e == APP_OK)
            out->ok = 1;
        else
            fail(out, "busy", "the account could not be saved; try again");
    }
    plat_job_free(&job);
    sodium_memzero(&job, sizeof job);
    store_oauth_state_clear(&st);
    return e;
}

/* Open the pending list of a state: JSON array with tokens (caller frees and wipes). */
static app_err open_pending(const app *a, int64_t user_id, int64_t workspace_id, int64_t pending_id,
                            json_t **arr)
{
    store_oauth_state st;
    app_err e = store_oauth_state_pending(a->db, pending_id, user_id, clock_now_ms(), &st);
    if (e != APP_OK)
        return e;
    if (st.workspace_id != workspace_id) {
        store_oauth_state_clear(&st);
        return APP_ENOTFOUND;
    }
    char ctx[128], *text = NULL;
    snprintf(ctx, sizeof ctx, "oauth_states:%lld:pending", (long long)st.id);
    e = vault_open(a->keys, ctx, st.pending_enc, st.key_version, &text);
    store_oauth_state_clear(&st);
    if (e != APP_OK)
        return e;
    *arr = json_loads(text, 0, NULL);
    vault_wipe(text);
    return *arr != NULL ? APP_OK : APP_EINVAL;
}

app_err acct_pending_get(const app *a, int64_t user_id, int64_t workspace_id, int64_t pending_id,
                         json_t **out)
{
    json_t *arr = NULL;
    app_err e = open_pending(a, user_id, workspace_id, pending_id, &arr);
    if (e != APP_OK)
        return e;
    json_t *list = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        json_array_append_new(
            list, json_pack("{s:O, s:O, s:O, s:O, s:O}", "remote_id",
                            json_object_get(v, "remote_id"), "name", json_object_get(v, "name"),
                            "username", json_object_get(v, "username"), "avatar_url",
                            json_object_get(v, "avatar_url"), "kind", json_object_get(v, "kind")));
    }
    json_decref(arr);
    *out = json_pack("{s:I, s:o}", "id", (json_int_t)pending_id, "accounts", list);
    return APP_OK;
}

app_err acct_pending_choose(const app *a, const actor *who, int64_t workspace_id,
                            int64_t pending_id, const char *const *remote_ids, size_t nids, int *n,
                            char *err, size_t errlen)
{
    *n = 0;
    json_t *arr = NULL;
    app_err e = open_pending(a, who->user_id, workspace_id, pending_id, &arr);
    if (e != APP_OK) {
        snprintf(err, errlen, "the choice expired or was made already; connect again");
        return e;
    }
    /* Every id must be one offered. */
    for (size_t k = 0; k < nids; k++) {
        int found = 0;
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) found |=
            strcmp(json_string_value(json_object_get(v, "remote_id")), remote_ids[k]) == 0;
        if (!found) {
            snprintf(err, errlen, "remote_ids[%zu] was not among the accounts offered", k);
            json_decref(arr);
            return APP_EINVAL;
        }
    }
    /* The state remembers the adapter ("instagram_fb"); the account is stored under its
     * platform ("instagram"). */
    store_oauth_state st;
    if (store_oauth_state_pending(a->db, pending_id, who->user_id, clock_now_ms(), &st) != APP_OK) {
        json_decref(arr);
        return APP_ENOTFOUND;
    }
    const plat_ops *ops = plat_find(st.platform);
    /* Only one request may make the choice (two tabs, a double click): take it first. */
    int claimed = 0;
    app_err ce = store_oauth_state_claim_pending(a->db, st.id, st.pending_enc, &claimed);
    store_oauth_state_clear(&st);
    if (ce != APP_OK || !claimed) {
        json_decref(arr);
        snprintf(err, errlen, "the choice was made already; connect again to choose more");
        return APP_ENOTFOUND;
    }
    if (ops == NULL) {
        json_decref(arr);
        snprintf(err, errlen, "this platform cannot be connected");
        return APP_ENOTFOUND;
    }
    const char *platform = plat_stored_name(ops);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *rid = json_string_value(json_object_get(v, "remote_id"));
        int chosen = 0;
        for (size_t k = 0; k < nids; k++)
            chosen |= strcmp(rid, remote_ids[k]) == 0;
        if (!chosen || e != APP_OK)
            continue;
        plat_account acc;
        plat_tokens t;
        memset(&acc, 0, sizeof acc);
        memset(&t, 0, sizeof t);
        snprintf(acc.remote_id, sizeof acc.remote_id, "%s", rid);
        snprintf(acc.name, sizeof acc.name, "%s", json_string_value(json_object_get(v, "name")));
        snprintf(acc.username, sizeof acc.username, "%s",
                 json_string_value(json_object_get(v, "username")));
        snprintf(acc.avatar_url, sizeof acc.avatar_url, "%s",
                 json_string_value(json_object_get(v, "avatar_url")));
        snprintf(acc.kind, sizeof acc.kind, "%s", json_string_value(json_object_get(v, "kind")));
        snprintf(t.access, sizeof t.access, "%s", json_string_value(json_object_get(v, "access")));
        snprintf(t.refresh, sizeof t.refresh, "%s",
                 json_string_value(json_object_get(v, "refresh")));
        snprintf(t.scopes, sizeof t.scopes, "%s", json_string_value(json_object_get(v, "scopes")));
        t.access_expires_at = json_integer_value(json_object_get(v, "access_expires_at"));
        t.refresh_expires_at = json_integer_value(json_object_get(v, "refresh_expires_at"));
        int64_t id = 0;
        e = store_one(a, who, workspace_id, platform, &acc, &t, &id);
        sodium_memzero(&t, sizeof t);
        if (e == APP_OK)
            (*n)++;
    }
    /* Wipe the token copies before letting go. */
    json_array_foreach(arr, i, v)
    {
        json_t *tok = json_object_get(v, "access");
        if (json_is_string(tok))
            sodium_memzero((void *)json_string_value(tok), json_string_length(tok));
        tok = json_object_get(v, "refresh");
        if (json_is_string(tok))
            sodium_memzero((void *)json_string_value(tok), json_string_length(tok));
    }
    json_decref(arr);
    if (e == APP_OK)
        store_oauth_state_drop_pending(a->db, pending_id);
    else
        snprintf(err, errlen, "the accounts could not be saved; try again");
    return e;
}
