#define _POSIX_C_SOURCE 200809L
/* accounts.c - the social_accounts and oauth_states tables. */
#include "store/accounts.h"
#include "store/rowjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

void store_account_clear(store_account *a)
{
    free(a->access_enc);
    free(a->refresh_enc);
    a->access_enc = a->refresh_enc = NULL;
}

app_err store_account_upsert(db_conn *c, const actor *who, int64_t workspace_id,
                             const store_account_in *in, int64_t now_ms, int64_t *id, int *created)
{
    db_rows *r = NULL;
    db_param q[3] = {DB_I(workspace_id), DB_T(in->platform), DB_T(in->remote_id)};
    app_err e = db_exec(c,
                        "SELECT id FROM social_accounts WHERE workspace_id = ? AND platform = ? "
                        "AND remote_id = ?",
                        q, 3, &r, NULL);
    if (e != APP_OK)
        return e;
    *created = db_rows_count(r) == 0;
    if (!*created) {
        *id = db_rows_int(r, 0, 0, 0);
        db_rows_free(r);
        db_param p[9] = {DB_T(in->kind),       DB_T(in->name), DB_T(in->username),
                         DB_T(in->avatar_url), DB_I(now_ms),   DB_I(who->user_id),
                         DB_I(now_ms),         DB_I(*id),      DB_N};
        e = db_exec(c,
                    "UPDATE social_accounts SET kind = ?, name = ?, username = ?, avatar_url = ?, "
                    "status = 'active', status_reason = NULL, status_at = ?, connected_by = ?, "
                    "updated_at = ? WHERE id = ?",
                    p, 8, NULL, NULL);
    } else {
        db_rows_free(r);
        r = NULL;
        db_param p[10] = {DB_I(workspace_id),   DB_T(in->platform), DB_T(in->remote_id),
                          DB_T(in->kind),       DB_T(in->name),     DB_T(in->username),
                          DB_T(in->avatar_url), DB_I(now_ms),       DB_I(who->user_id),
                          DB_I(now_ms)};
        e = db_exec(c,
                    "INSERT INTO social_accounts (workspace_id, platform, remote_id, kind, name, "
                    "username, avatar_url, status, status_at, connected_by, created_at, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?) RETURNING id",
                    (db_param[]){p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[9]},
                    11, &r, NULL);
        if (e == APP_OK)
            *id = db_rows_int(r, 0, 0, 0);
        db_rows_free(r);
    }
    if (e != APP_OK)
        return e;
    json_t *details = json_pack("{s:s, s:s, s:I}", "platform", in->platform, "remote_id",
                                in->remote_id, "account_id", (json_int_t)*id);
    e = store_activity_add(c, who, workspace_id,
                           *created ? "account.connected" : "account.reconnected", in->name,
                           details, now_ms);
    json_decref(details);
    return e;
}

app_err store_account_set_tokens(db_conn *c, int64_t id, int key_version, const char *access_enc,
                                 const char *refresh_enc, int64_t access_expires_at,
                                 int64_t refresh_expires_at, const char *scopes, int64_t issued_at,
                                 int64_t now_ms, const char *lock_owner)
{
    int64_t n = 0;
    db_param p[11] = {DB_I(key_version),
                      DB_T(access_enc),
                      DB_T(refresh_enc),
                      access_expires_at > 0 ? DB_I(access_expires_at) : DB_N,
                      refresh_expires_at > 0 ? DB_I(refresh_expires_at) : DB_N,
                      DB_T(scopes),
                      issued_at > 0 ? DB_I(issued_at) : DB_N,
                      DB_I(now_ms),
                      DB_I(id),
                      DB_T(lock_owner),
                      DB_T(lock_owner)};
    /* A grant without a refresh token keeps the stored one (and its expiry). */
    app_err e = db_exec(c,
                        "UPDATE social_accounts SET key_version = ?, access_token_enc = ?, "
                        "refresh_token_enc = COALESCE(?, refresh_token_enc), "
                        "access_expires_at = ?, "
                        "refresh_expires_at = COALESCE(?, refresh_expires_at), "
                        "scopes = COALESCE(?, scopes), "
                        "token_issued_at = COALESCE(?, token_issued_at), updated_at = ?, "
                        "refresh_lock_until = 0, refresh_lock_owner = NULL "
                        "WHERE id = ? AND status <> 'disconnected' AND "
                        "(CAST(? AS TEXT) IS NULL OR refresh_lock_owner = ?)",
                        p, 11, NULL, &n);
    if (e == APP_OK && n == 0)
        e = APP_ECONFLICT; /* the lock was lost to another refresher */
    return e;
}

#define ACCOUNT_COLS                                                                               \
    "id, workspace_id, platform, remote_id, name, status, key_version, access_token_enc, "         \
    "refresh_token_enc, access_expires_at, refresh_expires_at, token_issued_at, kind"

/* Read an account with c (a transaction's connection) or, when c is NULL, from d. */
static app_err get_account(db *d, db_conn *c, int64_t id, store_account *out)
{
    memset(out, 0, sizeof *out);
    db_rows *r = NULL;
    db_param p = DB_I(id);
    static const char *const sql = "SELECT " ACCOUNT_COLS " FROM social_accounts WHERE id = ?";
    app_err e = c != NULL ? db_exec(c, sql, &p, 1, &r, NULL) : db_query(d, sql, &p, 1, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        out->id = db_rows_int(r, 0, 0, 0);
        out->workspace_id = db_rows_int(r, 0, 1, 0);
        snprintf(out->platform, sizeof out->platform, "%s", db_rows_text(r, 0, 2));
        snprintf(out->remote_id, sizeof out->remote_id, "%s", db_rows_text(r, 0, 3));
        snprintf(out->name, sizeof out->name, "%s", db_rows_text(r, 0, 4));
        snprintf(out->status, sizeof out->status, "%s", db_rows_text(r, 0, 5));
        out->key_version = (int)db_rows_int(r, 0, 6, 0);
        out->access_enc = dup_or_null(db_rows_text(r, 0, 7));
        out->refresh_enc = dup_or_null(db_rows_text(r, 0, 8));
        out->access_expires_at = db_rows_int(r, 0, 9, 0);
        out->refresh_expires_at = db_rows_int(r, 0, 10, 0);
        out->token_issued_at = db_rows_int(r, 0, 11, 0);
        snprintf(out->kind, sizeof out->kind, "%s", db_rows_text(r, 0, 12));
    }
    db_rows_free(r);
    return e;
}

#define LIST_COLS                                                                                  \
    "id, platform, remote_id, kind, name, username, avatar_url, status, status_reason, "           \
    "status_at, access_expires_at, scopes, created_at, "                                           \
    "CASE WHEN refresh_token_enc IS NULL THEN 0 ELSE 1 END"

static json_t *account_json(const db_rows *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_rows_int(r, i, 0, 0)));
    json_object_set_new(o, "platform", rowjson_text_or_null(r, i, 1));
    json_object_set_new(o, "remote_id", rowjson_text_or_null(r, i, 2));
    json_object_set_new(o, "kind", rowjson_text_or_null(r, i, 3));
    json_object_set_new(o, "name", rowjson_text_or_null(r, i, 4));
    json_object_set_new(o, "username", rowjson_text_or_null(r, i, 5));
    json_object_set_new(o, "avatar_url", rowjson_text_or_null(r, i, 6));
    json_object_set_new(o, "status", rowjson_text_or_null(r, i, 7));
    json_object_set_new(o, "status_reason", rowjson_text_or_null(r, i, 8));
    json_object_set_new(o, "status_at", rowjson_instant(db_rows_int(r, i, 9, 0)));
    json_object_set_new(o, "token_expires_at", rowjson_instant_or_null(r, i, 10));
    json_object_set_new(o, "scopes", rowjson_text_or_null(r, i, 11));
    json_object_set_new(o, "connected_at", rowjson_instant(db_rows_int(r, i, 12, 0)));
    json_object_set_new(o, "can_refresh", json_boolean(db_rows_int(r, i, 13, 0) != 0));
    return o;
}

app_err store_account_list(db *d, int64_t workspace_id, json_t **items)
{
    db_rows *r = NULL;
    db_param p = DB_I(workspace_id);
    app_err e = db_query(d,
                         "SELECT " LIST_COLS " FROM social_accounts WHERE workspace_id = ? "
                         "ORDER BY CASE status WHEN 'disconnected' THEN 1 ELSE 0 END, platform, "
                         "name, id",
                         &p, 1, &r, NULL);
    if (e != APP_OK)
        return e;
    json_t *arr = json_array();
    for (int i = 0; i < db_rows_count(r); i++)
        json_array_append_new(arr, account_json(r, i));
    db_rows_free(r);
    *items = arr;
    return APP_OK;
}

app_err store_account_get(db *d, int64_t id, store_account *out)
{
    return get_account(d, NULL, id, out);
}

app_err store_account_get_on(db_conn *c, int64_t id, store_account *out)
{
    return get_account(NULL, c, id, out);
}

app_err store_account_json(db *d, int64_t workspace_id, int64_t id, json_t **out)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(id), DB_I(workspace_id)};
    app_err e = db_query(d,
                         "SELECT " LIST_COLS " FROM social_accounts WHERE id = ? AND "
                         "workspace_id = ?",
                         p, 2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        *out = account_json(r, 0);
    db_rows_free(r);
    return e;
}

app_err store_account_lock(db *d, int64_t id, const char *owner, int64_t lease_ms, int64_t now_ms,
                           int *got)
{
    int64_t n = 0;
    db_param p[4] = {DB_I(now_ms + lease_ms), DB_T(owner), DB_I(id), DB_I(now_ms)};
    app_err e =
        db_query(d,
                 "UPDATE social_accounts SET refresh_lock_until = ?, refresh_lock_owner = ? "
                 "WHERE id = ? AND refresh_lock_until < ?",
                 p, 4, NULL, &n);
    *got = e == APP_OK && n == 1;
    return e;
}

app_err store_account_unlock(db *d, int64_t id, const char *owner)
{
    db_param p[2] = {DB_I(id), DB_T(owner)};
    return db_query(d,
                    "UPDATE social_accounts SET refresh_lock_until = 0, refresh_lock_owner = NULL "
                    "WHERE id = ? AND refresh_lock_owner = ?",
                    p, 2, NULL, NULL);
}

app_err store_account_set_status(db *d, int64_t id, const char *status, const char *reason,
                                 int64_t now_ms)
{
    db_param p[5] = {DB_T(status), DB_T(reason), DB_I(now_ms), DB_I(now_ms), DB_I(id)};
    return db_query(d,
                    "UPDATE social_accounts SET status = ?, status_reason = ?, status_at = ?, "
                    "updated_at = ? WHERE id = ? AND status <> 'disconnected'",
                    p, 5, NULL, NULL);
}

app_err store_account_disconnect(db *d, const actor *who, int64_t workspace_id, int64_t id,
                                 int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[4] = {DB_I(now_ms), DB_I(now_ms), DB_I(id), DB_I(workspace_id)};
    if (e == APP_OK)
        e = db_exec(c,
                    "UPDATE social_accounts SET status = 'disconnected', status_reason = NULL, "
                    "status_at = ?, updated_at = ?, access_token_enc = NULL, "
                    "refresh_token_enc = NULL, key_version = NULL, access_expires_at = NULL, "
                    "refresh_expires_at = NULL, refresh_lock_until = 0, "
                    "refresh_lock_owner = NULL WHERE id = ? AND workspace_id = ? "
                    "RETURNING name, platform",
                    p, 4, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        json_t *details = json_pack("{s:s, s:I}", "platform", db_rows_text(r, 0, 1), "account_id",
                                    (json_int_t)id);
        e = store_activity_add(c, who, workspace_id, "account.disconnected", db_rows_text(r, 0, 0),
                               details, now_ms);
        json_decref(details);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_rows_free(r);
    db_release(c);
    return e;
}

/* Read up to limit ids from column 0 of r. */
static void read_ids(const db_rows *r, int64_t *ids, int limit, int *n)
{
    *n = 0;
    for (int i = 0; i < db_rows_count(r) && *n < limit; i++)
        ids[(*n)++] = db_rows_int(r, i, 0, 0);
}

app_err store_account_backoff(db *d, int64_t id, int64_t until_ms)
{
    db_param p[2] = {DB_I(until_ms), DB_I(id)};
    return db_query(d, "UPDATE social_accounts SET next_refresh_at = ? WHERE id = ?", p, 2, NULL,
                    NULL);
}

app_err store_account_due_refresh(db *d, int64_t before, int64_t now_ms, int limit, int64_t *ids,
                                  int *n)
{
    db_rows *r = NULL;
    db_param p[3] = {DB_I(before), DB_I(now_ms), DB_I(limit)};
    app_err e = db_query(d,
                         "SELECT id FROM social_accounts WHERE status = 'active' AND "
                         "access_expires_at IS NOT NULL AND access_expires_at < ? AND "
                         "next_refresh_at <= ? ORDER BY access_expires_at LIMIT ?",
                         p, 3, &r, NULL);
    if (e == APP_OK)
        read_ids(r, ids, limit, n);
    db_rows_free(r);
    return e;
}

app_err store_account_sealed_ids(db *d, int64_t after_id, int limit, int64_t *ids, int *n)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(after_id), DB_I(limit)};
    app_err e = db_query(d,
                         "SELECT id FROM social_accounts WHERE id > ? AND key_version IS NOT NULL "
                         "ORDER BY id LIMIT ?",
                         p, 2, &r, NULL);
    if (e == APP_OK)
        read_ids(r, ids, limit, n);
    db_rows_free(r);
    return e;
}

void store_oauth_state_clear(store_oauth_state *s)
{
    free(s->verifier_enc);
    free(s->pending_enc);
    s->verifier_enc = s->pending_enc = NULL;
}

app_err store_oauth_state_create(db *d, const char *state_hash, int64_t session_id, int64_t user_id,
                                 int64_t workspace_id, const char *platform,
                                 const char *verifier_enc, int key_version, int64_t now_ms,
                                 int64_t expires_at)
{
    db_param p[9] = {DB_T(state_hash),   DB_I(session_id), DB_I(user_id),
                     DB_I(workspace_id), DB_T(platform),   DB_T(verifier_enc),
                     DB_I(key_version),  DB_I(now_ms),     DB_I(expires_at)};
    return db_query(d,
                    "INSERT INTO oauth_states (state_hash, session_id, user_id, workspace_id, "
                    "platform, verifier_enc, key_version, created_at, expires_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    p, 9, NULL, NULL);
}

#define STATE_COLS                                                                                 \
    "id, session_id, user_id, workspace_id, platform, verifier_enc, pending_enc, key_version, "    \
    "expires_at"

static void read_state(const db_rows *r, store_oauth_state *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_rows_int(r, 0, 0, 0);
    out->session_id = db_rows_int(r, 0, 1, 0);
    out->user_id = db_rows_int(r, 0, 2, 0);
    out->workspace_id = db_rows_int(r, 0, 3, 0);
    snprintf(out->platform, sizeof out->platform, "%s", db_rows_text(r, 0, 4));
    out->verifier_enc = dup_or_null(db_rows_text(r, 0, 5));
    out->pending_enc = dup_or_null(db_rows_text(r, 0, 6));
    out->key_version = (int)db_rows_int(r, 0, 7, 0);
    out->expires_at = db_rows_int(r, 0, 8, 0);
}

app_err store_oauth_state_take(db *d, const char *state_hash, int64_t now_ms,
                               store_oauth_state *out, const char **why)
{
    memset(out, 0, sizeof *out);
    *why = NULL;
    db_rows *r = NULL;
    db_param p[2] = {DB_I(now_ms), DB_T(state_hash)};
    app_err e = db_query(d,
                         "UPDATE oauth_states SET used_at = ? WHERE state_hash = ? AND "
                         "used_at IS NULL RETURNING " STATE_COLS,
                         p, 2, &r, NULL);
    if (e != APP_OK)
        return e;
    if (db_rows_count(r) == 0) {
        db_rows_free(r);
        r = NULL;
        db_param q = DB_T(state_hash);
        e = db_query(d, "SELECT id FROM oauth_states WHERE state_hash = ?", &q, 1, &r, NULL);
        *why = e == APP_OK && db_rows_count(r) > 0 ? "used" : "unknown";
        db_rows_free(r);
        return e == APP_OK ? APP_ENOTFOUND : e;
    }
    read_state(r, out);
    db_rows_free(r);
    if (out->expires_at <= now_ms) {
        *why = "expired";
        store_oauth_state_clear(out);
        return APP_ENOTFOUND;
    }
    return APP_OK;
}

app_err store_oauth_state_set_pending(db *d, int64_t id, const char *pending_enc, int key_version,
                                      int64_t expires_at)
{
    db_param p[4] = {DB_T(pending_enc), DB_I(key_version), DB_I(expires_at), DB_I(id)};
    return db_query(d,
                    "UPDATE oauth_states SET pending_enc = ?, key_version = ?, expires_at = ? "
                    "WHERE id = ?",
                    p, 4, NULL, NULL);
}

app_err store_oauth_state_pending(db *d, int64_t id, int64_t user_id, int64_t now_ms,
                                  store_oauth_state *out)
{
    memset(out, 0, sizeof *out);
    db_rows *r = NULL;
    db_param p[3] = {DB_I(id), DB_I(user_id), DB_I(now_ms)};
    app_err e = db_query(d,
                         "SELECT " STATE_COLS " FROM oauth_states WHERE id = ? AND user_id = ? "
                         "AND pending_enc IS NOT NULL AND expires_at > ?",
                         p, 3, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        read_state(r, out);
    db_rows_free(r);
    return e;
}

app_err store_oauth_state_claim_pending(db *d, int64_t id, const char *pending_enc, int *claimed)
{
    int64_t n = 0;
    db_param p[2] = {DB_I(id), DB_T(pending_enc)};
    app_err e = db_query(d,
                         "UPDATE oauth_states SET pending_enc = NULL WHERE id = ? AND "
                         "pending_enc = ?",
                         p, 2, NULL, &n);
    *claimed = e == APP_OK && n == 1;
    return e;
}

app_err store_oauth_state_purge(db *d, int64_t now_ms)
{
    db_param p[2] = {DB_I(now_ms), DB_I(now_ms - 86400000LL)};
    app_err e = db_query(d,
                         "UPDATE oauth_states SET pending_enc = NULL, verifier_enc = NULL "
                         "WHERE expires_at < ? AND (pending_enc IS NOT NULL OR "
                         "verifier_enc IS NOT NULL)",
                         p, 1, NULL, NULL);
    if (e == APP_OK)
        e = db_query(d, "DELETE FROM oauth_states WHERE expires_at < ?", p + 1, 1, NULL, NULL);
    return e;
}

app_err store_oauth_state_drop_pending(db *d, int64_t id)
{
    db_param p = DB_I(id);
    return db_query(d, "UPDATE oauth_states SET pending_enc = NULL WHERE id = ?", &p, 1, NULL,
                    NULL);
}

app_err store_account_lost(db *d, int64_t id, const char *reason, int64_t now_ms, int *changed,
                           int64_t *workspace_id, char *name, char *platform)
{
    db_rows *r = NULL;
    db_param p[5] = {DB_T(reason), DB_I(now_ms), DB_I(now_ms), DB_I(id)};
    int64_t n = 0;
    app_err e =
        db_query(d,
                 "UPDATE social_accounts SET status = 'needs_reconnect', status_reason = ?, "
                 "status_at = ?, updated_at = ? WHERE id = ? AND status = 'active'",
                 p, 4, NULL, &n);
    *changed = e == APP_OK && n > 0;
    if (e == APP_OK)
        e = db_query(d, "SELECT workspace_id, name, platform FROM social_accounts WHERE id = ?",
                     &p[3], 1, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        *workspace_id = db_rows_int(r, 0, 0, 0);
        snprintf(name, 256, "%s", db_rows_text(r, 0, 1));
        snprintf(platform, 16, "%s", db_rows_text(r, 0, 2));
    }
    db_rows_free(r);
    return e;
}
