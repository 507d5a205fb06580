/* webhooks.c - the webhooks and webhook_deliveries tables (see webhooks.h). */
#include "store/webhooks.h"
#include "store/rowjson.h"

#include <stdlib.h>
#include <string.h>

#define HOOK_COLS "id, workspace_id, url, events, active, created_by, created_at, updated_at"

#define DELIVERY_COLS                                                                              \
    "d.id, d.webhook_id, d.event, d.state, d.attempts, d.response_status, d.error, "               \
    "d.created_at, d.delivered_at, d.next_attempt_at, d.payload"

/* "a,b" as ["a","b"]. */
static json_t *events_json(const char *list)
{
    json_t *arr = json_array();
    const char *s = list != NULL ? list : "";
    while (*s) {
        const char *end = strchr(s, ',');
        size_t n = end != NULL ? (size_t)(end - s) : strlen(s);
        if (n > 0)
            json_array_append_new(arr, json_stringn(s, n));
        s += n;
        if (*s == ',')
            s++;
    }
    return arr;
}

static json_t *hook_json(const db_rows *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_rows_int(r, i, 0, 0)));
    json_object_set_new(o, "workspace_id", json_integer(db_rows_int(r, i, 1, 0)));
    json_object_set_new(o, "url", rowjson_text_or_null(r, i, 2));
    json_object_set_new(o, "events", events_json(db_rows_text(r, i, 3)));
    json_object_set_new(o, "active", json_boolean(db_rows_int(r, i, 4, 0) != 0));
    json_object_set_new(o, "created_by", rowjson_int_or_null(r, i, 5));
    json_object_set_new(o, "created_at", rowjson_instant(db_rows_int(r, i, 6, 0)));
    json_object_set_new(o, "updated_at", rowjson_instant(db_rows_int(r, i, 7, 0)));
    return o;
}

static json_t *delivery_json(const db_rows *r, int i)
{
    json_t *o = json_object();
    const char *state = db_rows_text(r, i, 3);
    json_object_set_new(o, "id", json_integer(db_rows_int(r, i, 0, 0)));
    json_object_set_new(o, "webhook_id", json_integer(db_rows_int(r, i, 1, 0)));
    json_object_set_new(o, "event", rowjson_text_or_null(r, i, 2));
    json_object_set_new(o, "state", rowjson_text_or_null(r, i, 3));
    json_object_set_new(o, "attempts", json_integer(db_rows_int(r, i, 4, 0)));
    json_object_set_new(o, "response_status", rowjson_int_or_null(r, i, 5));
    json_object_set_new(o, "error", rowjson_text_or_null(r, i, 6));
    json_object_set_new(o, "created_at", rowjson_instant(db_rows_int(r, i, 7, 0)));
    json_object_set_new(o, "delivered_at", rowjson_instant_or_null(r, i, 8));
    /* when the next try is due: only while it waits */
    json_object_set_new(o, "next_attempt_at",
                        state != NULL && strcmp(state, "pending") == 0
                            ? rowjson_instant_or_null(r, i, 9)
                            : json_null());
    const char *payload = db_rows_text(r, i, 10);
    json_t *pj = payload != NULL ? json_loads(payload, 0, NULL) : NULL;
    json_object_set_new(o, "payload", pj != NULL ? pj : json_null());
    return o;
}

app_err store_webhook_list(db *d, int64_t workspace_id, json_t **items)
{
    db_rows *r = NULL;
    db_param p[1] = {DB_I(workspace_id)};
    app_err e = db_query(d, "SELECT " HOOK_COLS " FROM webhooks WHERE workspace_id = ? ORDER BY id",
                         p, 1, &r, NULL);
    if (e == APP_OK) {
        *items = json_array();
        for (int i = 0; i < db_rows_count(r); i++)
            json_array_append_new(*items, hook_json(r, i));
    }
    db_rows_free(r);
    return e;
}

/* One webhook read on c. */
static app_err hook_get_on(db_conn *c, int64_t ws, int64_t id, json_t **out)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(id), DB_I(ws)};
    app_err e = db_exec(c, "SELECT " HOOK_COLS " FROM webhooks WHERE id = ? AND workspace_id = ?",
                        p, 2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        *out = hook_json(r, 0);
    db_rows_free(r);
    return e;
}

app_err store_webhook_get(db *d, int64_t workspace_id, int64_t id, json_t **out)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = hook_get_on(c, workspace_id, id, out);
    db_release(c);
    return e;
}

/* APP_OK if webhook id is the workspace's, on c. */
static app_err hook_exists_on(db_conn *c, int64_t ws, int64_t id)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(id), DB_I(ws)};
    app_err e =
        db_exec(c, "SELECT 1 FROM webhooks WHERE id = ? AND workspace_id = ?", p, 2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    db_rows_free(r);
    return e;
}

/* Seal and store the secret of webhook id on c (inside the caller's transaction). */
static app_err put_secret(db_conn *c, int64_t id, store_webhook_sealer seal, void *ctx,
                          int64_t now_ms)
{
    char *sealed = NULL;
    int version = 0;
    app_err e = seal(ctx, id, &sealed, &version);
    if (e == APP_OK) {
        db_param p[4] = {DB_T(sealed), DB_I(version), DB_I(now_ms), DB_I(id)};
        e = db_exec(c,
                    "UPDATE webhooks SET secret_enc = ?, key_version = ?, updated_at = ? WHERE "
                    "id = ?",
                    p, 4, NULL, NULL);
    }
    free(sealed);
    return e;
}

/* The activity row for a change of webhook id. */
static app_err hook_activity(db_conn *c, const actor *who, int64_t ws, const char *action,
                             int64_t id, const char *host, json_t *extra, int64_t now_ms)
{
    json_t *det = json_pack("{s:I}", "webhook_id", (json_int_t)id);
    if (extra != NULL)
        json_object_update(det, extra);
    app_err e = store_activity_add(c, who, ws, action, host, det, now_ms);
    json_decref(det);
    json_decref(extra);
    return e;
}

app_err store_webhook_create(db *d, const actor *who, int64_t workspace_id,
                             const store_webhook_in *in, store_webhook_sealer seal, void *ctx,
                             int64_t now_ms, json_t **out)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    int64_t id = 0;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[7] = {DB_I(workspace_id),
                     DB_T(in->url),
                     DB_T(in->events),
                     DB_I(in->active ? 1 : 0),
                     who->user_id > 0 ? DB_I(who->user_id) : DB_N,
                     DB_I(now_ms),
                     DB_I(now_ms)};
    if (e == APP_OK)
        e = db_exec(c, "SELECT COUNT(*) FROM webhooks WHERE workspace_id = ?", p, 1, &r, NULL);
    if (e == APP_OK && db_rows_int(r, 0, 0, 0) >= STORE_WEBHOOKS_MAX)
        e = APP_ETOOBIG;
    db_rows_free(r);
    r = NULL;
    /* the row first, for its id: the secret is sealed with the id as associated data */
    if (e == APP_OK)
        e = db_exec(c,
                    "INSERT INTO webhooks (workspace_id, url, events, secret_enc, key_version, "
                    "active, created_by, created_at, updated_at) VALUES (?, ?, ?, '', 0, ?, ?, ?, "
                    "?) RETURNING id",
                    p, 7, &r, NULL);
    if (e == APP_OK)
        id = db_rows_int(r, 0, 0, 0);
    db_rows_free(r);
    if (e == APP_OK)
        e = put_secret(c, id, seal, ctx, now_ms);
    if (e == APP_OK)
        e = hook_activity(c, who, workspace_id, "webhook.created", id, in->host,
                          json_pack("{s:s, s:b}", "events", in->events, "active", in->active),
                          now_ms);
    if (e == APP_OK)
        e = hook_get_on(c, workspace_id, id, out);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_webhook_update(db *d, const actor *who, int64_t workspace_id, int64_t id,
                             const store_webhook_in *in, int64_t now_ms, json_t **out)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    db_param k[2] = {DB_I(id), DB_I(workspace_id)};
    if (e == APP_OK)
        e = db_exec(c, "SELECT url, events, active FROM webhooks WHERE id = ? AND workspace_id = ?",
                    k, 2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    json_t *changed = json_array();
    if (e == APP_OK) {
        if (strcmp(db_rows_text(r, 0, 0), in->url) != 0)
            json_array_append_new(changed, json_string("url"));
        if (strcmp(db_rows_text(r, 0, 1), in->events) != 0)
            json_array_append_new(changed, json_string("events"));
        if ((db_rows_int(r, 0, 2, 0) != 0) != (in->active != 0))
            json_array_append_new(changed, json_string("active"));
    }
    db_rows_free(r);
    db_param p[6] = {DB_T(in->url), DB_T(in->events), DB_I(in->active ? 1 : 0),
                     DB_I(now_ms),  DB_I(id),         DB_I(workspace_id)};
    if (e == APP_OK && json_array_size(changed) > 0)
        e = db_exec(c,
                    "UPDATE webhooks SET url = ?, events = ?, active = ?, updated_at = ? WHERE "
                    "id = ? AND workspace_id = ?",
                    p, 6, NULL, NULL);
    if (e == APP_OK && json_array_size(changed) > 0)
        e = hook_activity(c, who, workspace_id, "webhook.updated", id, in->host,
                          json_pack("{s:O, s:s, s:b}", "changed", changed, "events", in->events,
                                    "active", in->active),
                          now_ms);
    json_decref(changed);
    if (e == APP_OK)
        e = hook_get_on(c, workspace_id, id, out);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_webhook_rotate(db *d, const actor *who, int64_t workspace_id, int64_t id,
                             const char *host, store_webhook_sealer seal, void *ctx, int64_t now_ms,
                             json_t **out)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_begin(c, DB_WRITE);
    if (e == APP_OK)
        e = hook_exists_on(c, workspace_id, id);
    if (e == APP_OK)
        e = put_secret(c, id, seal, ctx, now_ms);
    if (e == APP_OK)
        e = hook_activity(c, who, workspace_id, "webhook.secret_rotated", id, host, NULL, now_ms);
    if (e == APP_OK)
        e = hook_get_on(c, workspace_id, id, out);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_webhook_delete(db *d, const actor *who, int64_t workspace_id, int64_t id,
                             const char *host, int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[2] = {DB_I(id), DB_I(workspace_id)};
    /* its deliveries go with it (ON DELETE CASCADE) */
    if (e == APP_OK)
        e = db_exec(c, "DELETE FROM webhooks WHERE id = ? AND workspace_id = ? RETURNING id", p, 2,
                    &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        e = hook_activity(c, who, workspace_id, "webhook.deleted", id, host, NULL, now_ms);
    db_rows_free(r);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_webhook_deliveries(db *d, int64_t workspace_id, int64_t webhook_id, int64_t before_id,
                                 int limit, json_t **items, int *more)
{
    *items = NULL;
    *more = 0;
    if (limit < 1 || limit > 200)
        limit = 50;
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = hook_exists_on(c, workspace_id, webhook_id);
    db_param p[4] = {DB_I(webhook_id), DB_I(before_id), DB_I(before_id), DB_I(limit + 1)};
    if (e == APP_OK)
        e = db_exec(c,
                    "SELECT " DELIVERY_COLS " FROM webhook_deliveries d WHERE d.webhook_id = ? "
                    "AND (? = 0 OR d.id < ?) ORDER BY d.id DESC LIMIT ?",
                    p, 4, &r, NULL);
    db_release(c);
    if (e != APP_OK) {
        db_rows_free(r);
        return e;
    }
    json_t *arr = json_array();
    int rows = db_rows_count(r);
    for (int i = 0; i < rows && i < limit; i++)
        json_array_append_new(arr, delivery_json(r, i));
    *more = rows > limit;
    db_rows_free(r);
    *items = arr;
    return APP_OK;
}

app_err store_webhook_queue_test(db *d, const actor *who, int64_t workspace_id, int64_t id,
                                 const char *host, const char *payload, int64_t now_ms,
                                 json_t **out)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    int64_t did = 0;
    app_err e = db_begin(c, DB_WRITE);
    if (e == APP_OK)
        e = hook_exists_on(c, workspace_id, id);
    db_param p[4] = {DB_I(id), DB_T(payload), DB_I(now_ms), DB_I(now_ms)};
    if (e == APP_OK)
        e = db_exec(c,
                    "INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, state, "
                    "next_attempt_at, created_at) VALUES (?, NULL, 'test', ?, 'pending', ?, ?) "
                    "RETURNING id",
                    p, 4, &r, NULL);
    if (e == APP_OK)
        did = db_rows_int(r, 0, 0, 0);
    db_rows_free(r);
    r = NULL;
    if (e == APP_OK)
        e = hook_activity(c, who, workspace_id, "webhook.tested", id, host,
                          json_pack("{s:I}", "delivery_id", (json_int_t)did), now_ms);
    db_param q[1] = {DB_I(did)};
    if (e == APP_OK)
        e = db_exec(c, "SELECT " DELIVERY_COLS " FROM webhook_deliveries d WHERE d.id = ?", q, 1,
                    &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_EDB;
    if (e == APP_OK)
        e = db_commit(c);
    if (e == APP_OK)
        *out = delivery_json(r, 0);
    db_rows_free(r);
    db_release(c);
    return e;
}

app_err store_webhook_reseal_all(db *d, int current, store_webhook_resealer reseal, void *ctx,
                                 int *count, int *skipped)
{
    *count = 0;
    *skipped = 0;
    int64_t after = 0;
    int rows = 0;
    do {
        db_rows *r = NULL;
        db_param p[2] = {DB_I(after), DB_I(current)};
        app_err e = db_query(d,
                             "SELECT id, secret_enc, key_version FROM webhooks WHERE id > ? AND "
                             "key_version <> ? ORDER BY id LIMIT 100",
                             p, 2, &r, NULL);
        if (e != APP_OK)
            return e;
        rows = db_rows_count(r);
        for (int i = 0; i < rows; i++) {
            int64_t id = db_rows_int(r, i, 0, 0);
            const char *old = db_rows_text(r, i, 1);
            after = id;
            char *sealed = NULL;
            int version = 0;
            if (reseal(ctx, id, old, (int)db_rows_int(r, i, 2, 0), &sealed, &version) != APP_OK) {
                (*skipped)++;
                continue;
            }
            /* only if nobody rotated it meanwhile */
            db_param q[4] = {DB_T(sealed), DB_I(version), DB_I(id), DB_T(old)};
            int64_t n = 0;
            e = db_query(d,
                         "UPDATE webhooks SET secret_enc = ?, key_version = ? WHERE id = ? AND "
                         "secret_enc = ?",
                         q, 4, NULL, &n);
            free(sealed);
            if (e != APP_OK) {
                db_rows_free(r);
                return e;
            }
            *count += n > 0;
        }
        db_rows_free(r);
    } while (rows == 100);
    return APP_OK;
}
