/* apikeys.c - the api_keys and api_key_workspaces tables. */
#include "store/apikeys.h"
#include "store/rowjson.h"

#include <stdlib.h>

#define TOUCH_EVERY_MS 60000

/* JSON of key id read on c, with its workspace ids. */
static app_err key_json(db_conn *c, int64_t key_id, json_t **out)
{
    db_rows *r = NULL, *w = NULL;
    db_param p = DB_I(key_id);
    app_err e = db_exec(c,
                        "SELECT id, name, prefix, created_at, last_used_at FROM api_keys "
                        "WHERE id = ?",
                        &p, 1, &r, NULL);
    if (e == APP_OK)
        e = db_exec(c,
                    "SELECT workspace_id FROM api_key_workspaces WHERE api_key_id = ? "
                    "ORDER BY workspace_id",
                    &p, 1, &w, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        json_t *ids = json_array();
        for (int i = 0; i < db_rows_count(w); i++)
            json_array_append_new(ids, json_integer(db_rows_int(w, i, 0, 0)));
        *out = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "id",
                         (json_int_t)db_rows_int(r, 0, 0, 0), "name", rowjson_text_or_null(r, 0, 1),
                         "prefix", rowjson_text_or_null(r, 0, 2), "workspace_ids", ids,
                         "created_at", rowjson_instant(db_rows_int(r, 0, 3, 0)), "last_used_at",
                         rowjson_instant_or_null(r, 0, 4));
    }
    db_rows_free(r);
    db_rows_free(w);
    return e;
}

app_err store_apikey_create(db *d, const actor *who, const char *name, const char *prefix,
                            const char *key_hash, const int64_t *workspace_ids, size_t n,
                            int64_t now_ms, json_t **key)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    int64_t id = 0;
    *key = NULL;
    app_err e = db_begin(c, DB_WRITE);
    if (e != APP_OK)
        goto out;
    db_param p[5] = {DB_I(who->user_id), DB_T(name), DB_T(prefix), DB_T(key_hash), DB_I(now_ms)};
    e = db_exec(c,
                "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                p, 5, &r, NULL);
    if (e != APP_OK)
        goto out;
    id = db_rows_int(r, 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        int64_t changes = 0;
        db_param q[4] = {DB_I(id), DB_I(workspace_ids[i]), DB_I(workspace_ids[i]),
                         DB_I(who->user_id)};
        /* Only workspaces the owner belongs to; duplicates are ignored. */
        e = db_exec(c,
                    "INSERT INTO api_key_workspaces (api_key_id, workspace_id) SELECT ?, ? "
                    "WHERE EXISTS (SELECT 1 FROM memberships WHERE workspace_id = ? AND "
                    "user_id = ?) ON CONFLICT DO NOTHING",
                    q, 4, NULL, &changes);
        if (e != APP_OK)
            goto out;
        if (changes == 0) {
            int dup = 0;
            for (size_t k = 0; k < i; k++)
                dup |= workspace_ids[k] == workspace_ids[i];
            if (!dup) {
                e = APP_EINVAL;
                goto out;
            }
        }
    }
    json_t *details = json_pack("{s:I}", "api_key_id", (json_int_t)id);
    e = store_activity_add(c, who, 0, "account.api_key_created", name, details, now_ms);
    json_decref(details);
    if (e == APP_OK)
        e = key_json(c, id, key);
    if (e == APP_OK)
        e = db_commit(c);
    else if (*key != NULL) {
        json_decref(*key);
        *key = NULL;
    }
out:
    db_rows_free(r);
    db_release(c);
    return e;
}

app_err store_apikey_list(db *d, int64_t user_id, json_t **items)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    db_param p = DB_I(user_id);
    app_err e = db_exec(c,
                        "SELECT id FROM api_keys WHERE user_id = ? AND revoked_at IS NULL "
                        "ORDER BY id DESC",
                        &p, 1, &r, NULL);
    json_t *arr = json_array();
    for (int i = 0; e == APP_OK && i < db_rows_count(r); i++) {
        json_t *k = NULL;
        e = key_json(c, db_rows_int(r, i, 0, 0), &k);
        if (e == APP_OK)
            json_array_append_new(arr, k);
    }
    db_rows_free(r);
    db_release(c);
    if (e != APP_OK) {
        json_decref(arr);
        return e;
    }
    *items = arr;
    return APP_OK;
}

app_err store_apikey_revoke(db *d, const actor *who, int64_t key_id, int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    int64_t n = 0;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[3] = {DB_I(now_ms), DB_I(key_id), DB_I(who->user_id)};
    if (e == APP_OK)
        e = db_exec(c,
                    "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND "
                    "revoked_at IS NULL",
                    p, 3, NULL, &n);
    if (e == APP_OK && n == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        json_t *details = json_pack("{s:I}", "api_key_id", (json_int_t)key_id);
        e = store_activity_add(c, who, 0, "account.api_key_revoked", NULL, details, now_ms);
        json_decref(details);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_apikey_lookup(db *d, const char *key_hash, int64_t now_ms, int64_t *user_id,
                            int64_t *key_id)
{
    db_rows *r = NULL;
    db_param p = DB_T(key_hash);
    app_err e = db_query(d,
                         "SELECT id, user_id, last_used_at FROM api_keys WHERE key_hash = ? AND "
                         "revoked_at IS NULL",
                         &p, 1, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        *key_id = db_rows_int(r, 0, 0, 0);
        *user_id = db_rows_int(r, 0, 1, 0);
        if (now_ms - db_rows_int(r, 0, 2, 0) > TOUCH_EVERY_MS) {
            db_param t[2] = {DB_I(now_ms), DB_I(*key_id)};
            db_query(d, "UPDATE api_keys SET last_used_at = ? WHERE id = ?", t, 2, NULL, NULL);
        }
    }
    db_rows_free(r);
    return e;
}
