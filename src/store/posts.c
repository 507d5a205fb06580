/* posts.c - posts, their media and targets (see posts.h). */
#define _POSIX_C_SOURCE 200809L
#include "store/posts.h"
#include "store/rowjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* States a post can still be changed in. */
#define EDITABLE_SQL "('draft', 'pending_approval', 'changes_requested', 'approved', 'scheduled')"

int store_post_state_editable(const char *state)
{
    static const char *const ok[] = {"draft", "pending_approval", "changes_requested", "approved",
                                     "scheduled"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (state != NULL && strcmp(state, ok[i]) == 0)
            return 1;
    return 0;
}

/* Target state that goes with a post state. */
static const char *target_state(const char *post_state)
{
    return strcmp(post_state, "scheduled") == 0 ? "scheduled" : "draft";
}

/*
 * For queue mode: take the first candidate instant no other queued post of
 * the scope holds.  The workspace row is touched first so that, on
 * PostgreSQL, two transactions choosing slots in one workspace take turns
 * (SQLite's write transaction already does).
 */
static app_err pick_slot(db_conn *c, int64_t ws, int64_t post_id, const store_post_in *in,
                         int64_t *at, store_post_why *why)
{
    db_param lp[1] = {DB_I(ws)};
    app_err e =
        db_exec(c, "UPDATE workspaces SET updated_at = updated_at WHERE id = ?", lp, 1, NULL, NULL);
    if (e != APP_OK || in->nqueue_slots == 0) {
        if (e == APP_OK)
            *why = POST_QUEUE_FULL;
        return e == APP_OK ? APP_ECONFLICT : e;
    }
    db_rows *r = NULL;
    db_param p[5] = {DB_I(ws), DB_I(in->queue_account_id), DB_I(in->queue_slots[0]),
                     DB_I(in->queue_slots[in->nqueue_slots - 1]), DB_I(post_id)};
    e = db_exec(c,
                "SELECT scheduled_at FROM posts WHERE workspace_id = ? AND schedule_mode = 'queue' "
                "AND queue_account_id = ? AND scheduled_at BETWEEN ? AND ? AND id <> ? AND state "
                "NOT IN ('draft', 'pending_approval', 'changes_requested', 'approved')",
                p, 5, &r, NULL);
    if (e != APP_OK)
        return e;
    int n = db_rows_count(r);
    for (size_t i = 0; i < in->nqueue_slots; i++) {
        int taken = 0;
        for (int k = 0; k < n && !taken; k++)
            taken = db_rows_int(r, k, 0, 0) == in->queue_slots[i];
        if (!taken) {
            *at = in->queue_slots[i];
            db_rows_free(r);
            return APP_OK;
        }
    }
    db_rows_free(r);
    *why = POST_QUEUE_FULL;
    return APP_ECONFLICT;
}

/* Write media and targets of post id (replacing what was there; target ids kept per account). */
static app_err write_parts(db_conn *c, int64_t ws, int64_t id, const store_post_in *in, int64_t due,
                           int64_t now_ms)
{
    db_param dp[1] = {DB_I(id)};
    app_err e = db_exec(c, "DELETE FROM post_media WHERE post_id = ?", dp, 1, NULL, NULL);
    for (size_t i = 0; e == APP_OK && i < in->nmedia; i++) {
        db_param p[4] = {DB_I(id), DB_I((int64_t)i), DB_I(in->media[i]), DB_I(ws)};
        int64_t n = 0;
        e = db_exec(
            c,
            "INSERT INTO post_media (post_id, position, media_id) SELECT CAST(? AS BIGINT), "
            "CAST(? AS INTEGER), id FROM "
            "media WHERE id = ? AND workspace_id = ?",
            p, 4, NULL, &n);
        if (e == APP_OK && n != 1)
            e = APP_ENOTFOUND; /* deleted meanwhile */
    }
    /* Targets of accounts no longer chosen go; the others are updated in place. */
    if (e == APP_OK) {
        char *keep = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&keep, &len);
        if (f == NULL)
            return APP_ENOMEM;
        fputs("DELETE FROM post_targets WHERE post_id = ? AND account_id NOT IN (0", f);
        for (size_t i = 0; i < in->ntargets; i++)
            fprintf(f, ", %lld", (long long)in->targets[i].account_id); /* integers, not input */
        fputs(")", f);
        fclose(f);
        e = db_exec(c, keep, dp, 1, NULL, NULL);
        free(keep);
    }
    const char *ts = target_state(in->state);
    for (size_t i = 0; e == APP_OK && i < in->ntargets; i++) {
        const store_target_in *t = &in->targets[i];
        db_param u[9] = {DB_T(t->kind),      DB_T(t->text), DB_T(t->options),
                         DB_T(t->text_hash), DB_T(ts),      due > 0 ? DB_I(due) : DB_N,
                         DB_I(now_ms),       DB_I(id),      DB_I(t->account_id)};
        int64_t n = 0;
        e = db_exec(c,
                    "UPDATE post_targets SET kind = ?, text = ?, options = ?, text_hash = ?, "
                    "state = ?, due_at = ?, updated_at = ? WHERE post_id = ? AND account_id = ?",
                    u, 9, NULL, &n);
        if (e == APP_OK && n == 0) {
            db_param p[13] = {DB_I(id),
                              DB_I(ws),
                              DB_T(t->platform),
                              DB_T(t->kind),
                              DB_T(t->text),
                              DB_T(t->options),
                              DB_T(t->text_hash),
                              DB_T(ts),
                              due > 0 ? DB_I(due) : DB_N,
                              DB_I(now_ms),
                              DB_I(now_ms),
                              DB_I(t->account_id),
                              DB_I(ws)};
            e = db_exec(c,
                        "INSERT INTO post_targets (post_id, workspace_id, account_id, platform, "
                        "kind, text, options, text_hash, state, due_at, created_at, updated_at) "
                        "SELECT CAST(? AS BIGINT), CAST(? AS BIGINT), id, ?, ?, ?, ?, ?, ?, CAST(? "
                        "AS BIGINT), "
                        "CAST(? AS BIGINT), CAST(? AS BIGINT) FROM social_accounts "
                        "WHERE id = ? AND workspace_id = ?",
                        p, 13, NULL, &n);
            if (e == APP_OK && n != 1)
                e = APP_ENOTFOUND;
        }
    }
    return e;
}

/* A new campaign named by an import, or the existing one of that name. */
static app_err campaign_named(db_conn *c, const actor *who, int64_t ws, const char *name,
                              int64_t now_ms, int64_t *id)
{
    db_rows *r = NULL;
    db_param p[5] = {DB_I(ws), DB_T(name), who->user_id > 0 ? DB_I(who->user_id) : DB_N,
                     DB_I(now_ms), DB_I(now_ms)};
    app_err e = db_exec(c,
                        "INSERT INTO campaigns (workspace_id, name, color, created_by, created_at, "
                        "updated_at) VALUES (?, ?, '#3b82f6', ?, ?, ?) ON CONFLICT DO NOTHING",
                        p, 5, NULL, NULL);
    if (e == APP_OK)
        e = db_exec(c, "SELECT id FROM campaigns WHERE workspace_id = ? AND name = ?", p, 2, &r,
                    NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        *id = db_rows_int(r, 0, 0, 0);
    db_rows_free(r);
    return e;
}

/* Write one post on c, inside the caller's transaction. */
static app_err post_write_on(db_conn *c, const actor *who, int64_t ws, int64_t id, int64_t version,
                             const store_post_in *in, const char *action, const json_t *details,
                             int64_t now_ms, int64_t *new_id, int64_t *scheduled_at,
                             store_post_why *why)
{
    *why = POST_OK;
    app_err e = APP_OK;
    store_post_in named;
    if (in->campaign_name != NULL) {
        named = *in;
        e = campaign_named(c, who, ws, in->campaign_name, now_ms, &named.campaign_id);
        in = &named;
    }
    int64_t at = in->scheduled_at;
    if (e == APP_OK && strcmp(in->schedule_mode, "queue") == 0 &&
        strcmp(in->state, "scheduled") == 0)
        e = pick_slot(c, ws, id, in, &at, why);
    db_param p[13] = {DB_T(in->state),
                      DB_T(in->body),
                      in->campaign_id > 0 ? DB_I(in->campaign_id) : DB_N,
                      DB_T(in->schedule_mode),
                      at > 0 ? DB_I(at) : DB_N,
                      strcmp(in->schedule_mode, "queue") == 0 ? DB_I(in->queue_account_id) : DB_N,
                      DB_T(in->review_note),
                      in->reviewed_by > 0 ? DB_I(in->reviewed_by) : DB_N,
                      who->user_id > 0 ? DB_I(who->user_id) : DB_N,
                      DB_I(now_ms),
                      DB_I(id),
                      DB_I(ws),
                      DB_I(version)};
    if (e == APP_OK && id == 0) {
        db_rows *r = NULL;
        db_param ip[13] = {p[0], p[1], p[2], p[3], p[4], p[5],    p[6],
                           p[7], p[8], p[8], p[9], p[9], DB_I(ws)};
        /* the campaign must be the workspace's own */
        e = db_exec(c,
                    "INSERT INTO posts (state, body, campaign_id, schedule_mode, scheduled_at, "
                    "queue_account_id, review_note, reviewed_by, created_by, updated_by, "
                    "created_at, updated_at, workspace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                    "?, ?, ?) RETURNING id",
                    ip, 13, &r, NULL);
        if (e == APP_OK)
            id = db_rows_int(r, 0, 0, 0);
        db_rows_free(r);
    } else if (e == APP_OK) {
        int64_t n = 0;
        e = db_exec(c,
                    "UPDATE posts SET state = ?, body = ?, campaign_id = ?, schedule_mode = ?, "
                    "scheduled_at = ?, queue_account_id = ?, review_note = ?, reviewed_by = ?, "
                    "updated_by = ?, updated_at = ?, version = version + 1 WHERE id = ? AND "
                    "workspace_id = ? AND version = ? AND state IN " EDITABLE_SQL,
                    p, 13, NULL, &n);
        if (e == APP_OK && n == 0) {
            db_rows *r = NULL;
            db_param gp[2] = {DB_I(id), DB_I(ws)};
            e = db_exec(c, "SELECT state FROM posts WHERE id = ? AND workspace_id = ?", gp, 2, &r,
                        NULL);
            if (e == APP_OK)
                e = db_rows_count(r) == 0 ? APP_ENOTFOUND : APP_ECONFLICT;
            if (e == APP_ECONFLICT)
                *why = store_post_state_editable(db_rows_text(r, 0, 0)) ? POST_STALE : POST_LOCKED;
            db_rows_free(r);
        }
    }
    if (e == APP_OK && in->campaign_id > 0) {
        db_rows *r = NULL;
        db_param cp[2] = {DB_I(in->campaign_id), DB_I(ws)};
        e = db_exec(c, "SELECT id FROM campaigns WHERE id = ? AND workspace_id = ?", cp, 2, &r,
                    NULL);
        if (e == APP_OK && db_rows_count(r) == 0)
            e = APP_ENOTFOUND;
        db_rows_free(r);
    }
    if (e == APP_OK)
        e = write_parts(c, ws, id, in, strcmp(in->state, "scheduled") == 0 ? at : 0, now_ms);
    if (e == APP_OK) {
        char target[32];
        snprintf(target, sizeof target, "post %lld", (long long)id);
        json_t *det = details != NULL ? json_deep_copy(details) : json_object();
        json_object_set_new(det, "post_id", json_integer(id));
        json_object_set_new(det, "state", json_string(in->state));
        if (at > 0 && strcmp(in->state, "scheduled") == 0)
            json_object_set_new(det, "scheduled_at", rowjson_instant(at));
        e = store_activity_add(c, who, ws, action, target, det, now_ms);
        json_decref(det);
    }
    if (e == APP_OK) {
        if (new_id != NULL)
            *new_id = id;
        if (scheduled_at != NULL)
            *scheduled_at = at;
    }
    return e;
}

static app_err post_write(db *d, const actor *who, int64_t ws, int64_t id, int64_t version,
                          const store_post_in *in, const char *action, const json_t *details,
                          int64_t now_ms, int64_t *new_id, int64_t *scheduled_at,
                          store_post_why *why)
{
    *why = POST_OK;
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_begin(c, DB_WRITE);
    if (e == APP_OK)
        e = post_write_on(c, who, ws, id, version, in, action, details, now_ms, new_id,
                          scheduled_at, why);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_posts_import(db *d, const actor *who, int64_t workspace_id,
                           const store_post_in *const *ins, size_t n, int64_t now_ms, int64_t *ids,
                           size_t *failed_at, store_post_why *why)
{
    *why = POST_OK;
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_begin(c, DB_WRITE);
    json_t *det = json_pack("{s:b}", "imported", 1);
    for (size_t i = 0; e == APP_OK && i < n; i++) {
        *failed_at = i;
        e = post_write_on(c, who, workspace_id, 0, 0, ins[i], "post.imported", det, now_ms, &ids[i],
                          NULL, why);
    }
    json_decref(det);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_post_create(db *d, const actor *who, int64_t workspace_id, const store_post_in *in,
                          const char *action, const json_t *details, int64_t now_ms, int64_t *id,
                          int64_t *scheduled_at, store_post_why *why)
{
    return post_write(d, who, workspace_id, 0, 0, in, action, details, now_ms, id, scheduled_at,
                      why);
}

app_err store_post_update(db *d, const actor *who, int64_t workspace_id, int64_t id,
                          int64_t version, const store_post_in *in, const char *action,
                          const json_t *details, int64_t now_ms, int64_t *scheduled_at,
                          store_post_why *why)
{
    return post_write(d, who, workspace_id, id, version, in, action, details, now_ms, NULL,
                      scheduled_at, why);
}

app_err store_post_delete(db *d, const actor *who, int64_t workspace_id, int64_t id,
                          int64_t version, int64_t now_ms, store_post_why *why)
{
    *why = POST_OK;
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[2] = {DB_I(id), DB_I(workspace_id)};
    if (e == APP_OK)
        e = db_exec(c, "SELECT state, version, body FROM posts WHERE id = ? AND workspace_id = ?",
                    p, 2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK && !store_post_state_editable(db_rows_text(r, 0, 0))) {
        *why = POST_LOCKED;
        e = APP_ECONFLICT;
    }
    if (e == APP_OK && db_rows_int(r, 0, 1, 0) != version) {
        *why = POST_STALE;
        e = APP_ECONFLICT;
    }
    if (e == APP_OK)
        e = db_exec(c, "DELETE FROM posts WHERE id = ? AND workspace_id = ?", p, 2, NULL, NULL);
    if (e == APP_OK) {
        char target[32];
        snprintf(target, sizeof target, "post %lld", (long long)id);
        json_t *det =
            json_pack("{s:I, s:s}", "post_id", (json_int_t)id, "state", db_rows_text(r, 0, 0));
        e = store_activity_add(c, who, workspace_id, "post.deleted", target, det, now_ms);
        json_decref(det);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_rows_free(r);
    db_release(c);
    return e;
}

/* ---- reading ---- */

static json_t *user_ref(const db_rows *r, int row, int idcol, int namecol)
{
    if (db_rows_isnull(r, row, idcol))
        return json_null();
    return json_pack("{s:I, s:o}", "id", (json_int_t)db_rows_int(r, row, idcol, 0), "name",
                     rowjson_text_or_null(r, row, namecol));
}

static json_t *campaign_ref(const db_rows *r, int row, int col)
{
    if (db_rows_isnull(r, row, col))
        return json_null();
    return json_pack("{s:I, s:o, s:o}", "id", (json_int_t)db_rows_int(r, row, col, 0), "name",
                     rowjson_text_or_null(r, row, col + 1), "color",
                     rowjson_text_or_null(r, row, col + 2));
}

static json_t *schedule_json(const db_rows *r, int row, int modecol)
{
    return json_pack("{s:o, s:o}", "mode", rowjson_text_or_null(r, row, modecol), "at",
                     rowjson_instant_or_null(r, row, modecol + 1));
}

static json_t *target_json(const db_rows *r, int i, int col, int full)
{
    json_t *t = json_object();
    json_object_set_new(t, "id", json_integer(db_rows_int(r, i, col, 0)));
    json_object_set_new(t, "account_id", json_integer(db_rows_int(r, i, col + 1, 0)));
    json_object_set_new(t, "platform", rowjson_text_or_null(r, i, col + 2));
    json_object_set_new(t, "account_name", rowjson_text_or_null(r, i, col + 3));
    json_object_set_new(t, "kind", rowjson_text_or_null(r, i, col + 4));
    json_object_set_new(t, "state", rowjson_text_or_null(r, i, col + 5));
    json_object_set_new(t, "remote_url", rowjson_text_or_null(r, i, col + 6));
    json_object_set_new(t, "error", rowjson_text_or_null(r, i, col + 7));
    json_object_set_new(t, "account_status", rowjson_text_or_null(r, i, col + 8));
    const char *st = db_rows_text(r, i, col + 5);
    /* when a waiting target is due (a retry's time) */
    json_object_set_new(t, "due_at",
                        st != NULL &&
                                (strcmp(st, "retry_wait") == 0 || strcmp(st, "scheduled") == 0)
                            ? rowjson_instant_or_null(r, i, col + 9)
                            : json_null());
    json_object_set_new(t, "recovered", json_boolean(db_rows_int(r, i, col + 10, 0) != 0));
    json_object_set_new(t, "error_code", rowjson_text_or_null(r, i, col + 11));
    if (full) {
        json_object_set_new(t, "text", rowjson_text_or_null(r, i, col + 12));
        const char *o = db_rows_text(r, i, col + 13);
        json_t *opts = o != NULL ? json_loads(o, 0, NULL) : NULL;
        json_object_set_new(t, "options", opts != NULL ? opts : json_object());
    }
    return t;
}

#define TARGET_COLS                                                                                \
    "t.id, t.account_id, t.platform, a.name, t.kind, t.state, t.remote_url, t.error_message, "     \
    "a.status, t.due_at, t.recovered, t.error_code"

app_err store_post_get(db *d, int64_t workspace_id, int64_t id, json_t **out)
{
    db_rows *r = NULL, *m = NULL, *t = NULL;
    db_param p[2] = {DB_I(id), DB_I(workspace_id)};
    app_err e = db_query(
        d,
        "SELECT p.id, p.state, p.version, p.body, p.schedule_mode, p.scheduled_at, "
        "p.queue_account_id, p.review_note, p.created_at, p.updated_at, p.created_by, u1.name, "
        "p.updated_by, u2.name, p.reviewed_by, u3.name, p.campaign_id, c.name, c.color "
        "FROM posts p LEFT JOIN users u1 ON u1.id = p.created_by LEFT JOIN users u2 ON u2.id = "
        "p.updated_by LEFT JOIN users u3 ON u3.id = p.reviewed_by LEFT JOIN campaigns c ON c.id = "
        "p.campaign_id WHERE p.id = ? AND p.workspace_id = ?",
        p, 2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        e = db_query(d,
                     "SELECT m.id, m.kind, m.name, m.mime, m.width, m.height, m.duration_ms, "
                     "m.thumb_key, m.alt_text, m.size FROM post_media pm JOIN media m ON m.id = "
                     "pm.media_id WHERE pm.post_id = ? ORDER BY pm.position",
                     p, 1, &m, NULL);
    if (e == APP_OK)
        e = db_query(d,
                     "SELECT " TARGET_COLS ", t.text, t.options FROM post_targets t "
                     "JOIN social_accounts a ON a.id = t.account_id WHERE t.post_id = ? ORDER BY "
                     "t.id",
                     p, 1, &t, NULL);
    if (e == APP_OK) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(id));
        json_object_set_new(o, "workspace_id", json_integer(workspace_id));
        json_object_set_new(o, "state", rowjson_text_or_null(r, 0, 1));
        json_object_set_new(o, "version", json_integer(db_rows_int(r, 0, 2, 1)));
        json_object_set_new(o, "body", rowjson_text_or_null(r, 0, 3));
        json_t *sch = schedule_json(r, 0, 4);
        int64_t qa = db_rows_int(r, 0, 6, 0);
        json_object_set_new(sch, "queue_account_id", qa > 0 ? json_integer(qa) : json_null());
        json_object_set_new(o, "schedule", sch);
        json_object_set_new(o, "review_note", rowjson_text_or_null(r, 0, 7));
        json_object_set_new(o, "created_at", rowjson_instant(db_rows_int(r, 0, 8, 0)));
        json_object_set_new(o, "updated_at", rowjson_instant(db_rows_int(r, 0, 9, 0)));
        json_object_set_new(o, "created_by", user_ref(r, 0, 10, 11));
        json_object_set_new(o, "updated_by", user_ref(r, 0, 12, 13));
        json_object_set_new(o, "reviewed_by", user_ref(r, 0, 14, 15));
        json_object_set_new(o, "campaign", campaign_ref(r, 0, 16));
        json_t *media = json_array();
        for (int i = 0; i < db_rows_count(m); i++) {
            int64_t mid = db_rows_int(m, i, 0, 0);
            char thumb[160];
            snprintf(thumb, sizeof thumb, "/api/v1/workspaces/%lld/media/%lld/thumbnail",
                     (long long)workspace_id, (long long)mid);
            const char *tk = db_rows_text(m, i, 7);
            json_array_append_new(
                media,
                json_pack("{s:I, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:I}", "id",
                          (json_int_t)mid, "kind", rowjson_text_or_null(m, i, 1), "name",
                          rowjson_text_or_null(m, i, 2), "mime", rowjson_text_or_null(m, i, 3),
                          "width", (json_int_t)db_rows_int(m, i, 4, 0), "height",
                          (json_int_t)db_rows_int(m, i, 5, 0), "duration_ms",
                          db_rows_int(m, i, 6, 0) > 0 ? json_integer(db_rows_int(m, i, 6, 0))
                                                      : json_null(),
                          "thumbnail_url", tk != NULL && *tk ? json_string(thumb) : json_null(),
                          "alt_text", rowjson_text_or_null(m, i, 8), "size",
                          (json_int_t)db_rows_int(m, i, 9, 0)));
        }
        json_object_set_new(o, "media", media);
        json_t *targets = json_array();
        for (int i = 0; i < db_rows_count(t); i++)
            json_array_append_new(targets, target_json(t, i, 0, 1));
        json_object_set_new(o, "targets", targets);
        *out = o;
    }
    db_rows_free(r);
    db_rows_free(m);
    db_rows_free(t);
    return e;
}

/* Append " AND col IN (?, ?...)" for a NULL-terminated list. */
static void in_list(FILE *f, const char *col, const char *const *vals, db_param *p, int *n)
{
    if (vals == NULL || vals[0] == NULL)
        return;
    fprintf(f, " AND %s IN (", col);
    for (int i = 0; vals[i] != NULL && i < 16; i++) {
        fputs(i ? ", ?" : "?", f);
        p[(*n)++] = DB_T(vals[i]);
    }
    fputs(")", f);
}

app_err store_post_find(db *d, int64_t workspace_id, const store_post_filter *f, json_t **items,
                        int *more)
{
    db_param p[48];
    int n = 0;
    char *sql = NULL, *pattern = NULL;
    size_t len = 0;
    FILE *s = open_memstream(&sql, &len);
    if (s == NULL)
        return APP_ENOMEM;
    int limit = f->limit > 0 && f->limit <= 5000 ? f->limit : 50;
    /* One statement: the page of posts (inner select) joined with their targets. */
    fprintf(s,
            "SELECT p.id, p.state, %s, p.schedule_mode, p.scheduled_at, "
            "p.updated_at, p.created_by, u.name, p.campaign_id, c.name, c.color, "
            "(SELECT COUNT(*) FROM post_media pm WHERE pm.post_id = p.id), "
            "(SELECT pm.media_id FROM post_media pm WHERE pm.post_id = p.id AND pm.position = 0), "
            "p.version, " TARGET_COLS " FROM (SELECT q.id FROM posts q WHERE q.workspace_id = ?",
            f->full_body ? "p.body" : "substr(p.body, 1, 280)");
    p[n++] = DB_I(workspace_id);
    if (f->campaign_id > 0) {
        fputs(" AND q.campaign_id = ?", s);
        p[n++] = DB_I(f->campaign_id);
    }
    if (f->created_by > 0) {
        fputs(" AND q.created_by = ?", s);
        p[n++] = DB_I(f->created_by);
    }
    in_list(s, "q.state", f->states, p, &n);
    if (f->to > 0) {
        fputs(" AND q.scheduled_at >= ? AND q.scheduled_at < ?", s);
        p[n++] = DB_I(f->from);
        p[n++] = DB_I(f->to);
    }
    if (f->before_id > 0) {
        fputs(" AND q.id < ?", s);
        p[n++] = DB_I(f->before_id);
    }
    if (f->q != NULL && *f->q) {
        /* LIKE with the pattern's own wildcards escaped */
        size_t ql = strlen(f->q);
        pattern = malloc(ql * 2 + 3);
        if (pattern == NULL) {
            fclose(s);
            free(sql);
            return APP_ENOMEM;
        }
        size_t o = 0;
        pattern[o++] = '%';
        for (size_t i = 0; i < ql; i++) {
            if (f->q[i] == '%' || f->q[i] == '_' || f->q[i] == '\\')
                pattern[o++] = '\\';
            pattern[o++] = f->q[i];
        }
        pattern[o++] = '%';
        pattern[o] = '\0';
        fputs(" AND lower(q.body) LIKE lower(?) ESCAPE '\\'", s);
        p[n++] = DB_T(pattern);
    }
    if (f->account_id > 0 || (f->platforms != NULL && f->platforms[0] != NULL)) {
        /*
         * Within a time range the posts are few: probe each one's targets (a scalar subquery,
         * which PostgreSQL does not turn into a hash join over every target of the workspace).
         * Without one, EXISTS lets the planner start from the targets' account index.
         */
        fputs(f->to > 0 ? " AND (SELECT 1 FROM post_targets x WHERE x.post_id = q.id"
                        : " AND EXISTS (SELECT 1 FROM post_targets x WHERE x.post_id = q.id",
              s);
        if (f->account_id > 0) {
            fputs(" AND x.account_id = ?", s);
            p[n++] = DB_I(f->account_id);
        }
        in_list(s, "x.platform", f->platforms, p, &n);
        fputs(f->to > 0 ? " LIMIT 1) IS NOT NULL" : ")", s);
    }
    fprintf(s,
            " ORDER BY %s LIMIT %d) page JOIN posts p ON p.id = page.id "
            "LEFT JOIN users u ON u.id = p.created_by "
            "LEFT JOIN campaigns c ON c.id = p.campaign_id "
            "LEFT JOIN post_targets t ON t.post_id = p.id "
            "LEFT JOIN social_accounts a ON a.id = t.account_id",
            f->by_time ? "q.scheduled_at, q.id" : "q.id DESC", limit + 1);
    fprintf(s, " ORDER BY %s, t.id", f->by_time ? "p.scheduled_at, p.id" : "p.id DESC");
    fclose(s);
    db_rows *r = NULL;
    app_err e = db_query(d, sql, p, n, &r, NULL);
    free(sql);
    free(pattern);
    if (e != APP_OK)
        return e;
    json_t *arr = json_array();
    json_t *cur = NULL;
    int64_t cur_id = 0;
    int posts = 0;
    *more = 0;
    for (int i = 0; i < db_rows_count(r); i++) {
        int64_t id = db_rows_int(r, i, 0, 0);
        if (id != cur_id) {
            if (posts == limit) {
                *more = 1;
                break;
            }
            posts++;
            cur_id = id;
            cur = json_object();
            json_object_set_new(cur, "id", json_integer(id));
            json_object_set_new(cur, "state", rowjson_text_or_null(r, i, 1));
            json_object_set_new(cur, "body", rowjson_text_or_null(r, i, 2));
            json_object_set_new(cur, "schedule", schedule_json(r, i, 3));
            json_object_set_new(cur, "updated_at", rowjson_instant(db_rows_int(r, i, 5, 0)));
            json_object_set_new(cur, "created_by", user_ref(r, i, 6, 7));
            json_object_set_new(cur, "campaign", campaign_ref(r, i, 8));
            json_object_set_new(cur, "media_count", json_integer(db_rows_int(r, i, 11, 0)));
            if (!db_rows_isnull(r, i, 12)) {
                char thumb[160];
                snprintf(thumb, sizeof thumb, "/api/v1/workspaces/%lld/media/%lld/thumbnail",
                         (long long)workspace_id, (long long)db_rows_int(r, i, 12, 0));
                json_object_set_new(cur, "thumbnail_url", json_string(thumb));
            } else
                json_object_set_new(cur, "thumbnail_url", json_null());
            json_object_set_new(cur, "version", json_integer(db_rows_int(r, i, 13, 1)));
            json_object_set_new(cur, "targets", json_array());
            json_array_append_new(arr, cur);
        }
        if (!db_rows_isnull(r, i, 14))
            json_array_append_new(json_object_get(cur, "targets"), target_json(r, i, 14, 0));
    }
    db_rows_free(r);
    *items = arr;
    return APP_OK;
}

app_err store_post_duplicate(db *d, int64_t account_id, const char *text_hash,
                             int64_t exclude_post_id, int64_t published_since, int *found,
                             char *state, size_t statelen, int64_t *at)
{
    db_rows *r = NULL;
    db_param p[4] = {DB_I(account_id), DB_T(text_hash), DB_I(exclude_post_id),
                     DB_I(published_since)};
    app_err e = db_query(d,
                         "SELECT t.state, COALESCE(t.published_at, p.scheduled_at, 0) FROM "
                         "post_targets t JOIN posts p ON p.id = t.post_id WHERE t.account_id = ? "
                         "AND t.text_hash = ? AND t.post_id <> ? AND (p.state IN ('scheduled', "
                         "'pending_approval', 'approved', 'publishing') OR (t.state = "
                         "'published' AND t.published_at >= ?)) ORDER BY t.id LIMIT 1",
                         p, 4, &r, NULL);
    *found = 0;
    if (e == APP_OK && db_rows_count(r) > 0) {
        *found = 1;
        snprintf(state, statelen, "%s", db_rows_text(r, 0, 0));
        *at = db_rows_int(r, 0, 1, 0);
    }
    db_rows_free(r);
    return e;
}

/* " IN (?, ?, ...)" for n ids. */
static char *ids_sql(const char *head, const char *tail, const int64_t *ids, size_t n, db_param *p,
                     int first)
{
    char *sql = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&sql, &len);
    if (f == NULL)
        return NULL;
    fputs(head, f);
    fputs(" IN (", f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", ?" : "?", f);
        p[first + (int)i] = DB_I(ids[i]);
    }
    fputs(")", f);
    fputs(tail, f);
    fclose(f);
    return sql;
}

#define IDS_MAX 128

app_err store_post_accounts(db *d, int64_t workspace_id, const int64_t *ids, size_t n,
                            store_post_account *out, size_t *found)
{
    *found = 0;
    if (n == 0)
        return APP_OK;
    if (n > IDS_MAX)
        return APP_EINVAL;
    db_param p[IDS_MAX + 1];
    p[0] = DB_I(workspace_id);
    char *sql = ids_sql("SELECT id, platform, name, username, status FROM social_accounts WHERE "
                        "workspace_id = ? AND id",
                        "", ids, n, p, 1);
    if (sql == NULL)
        return APP_ENOMEM;
    db_rows *r = NULL;
    app_err e = db_query(d, sql, p, (int)n + 1, &r, NULL);
    free(sql);
    if (e != APP_OK)
        return e;
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        for (int k = 0; k < db_rows_count(r); k++)
            if (db_rows_int(r, k, 0, 0) == ids[i]) {
                out[i].id = ids[i];
                snprintf(out[i].platform, sizeof out[i].platform, "%s", db_rows_text(r, k, 1));
                snprintf(out[i].name, sizeof out[i].name, "%s", db_rows_text(r, k, 2));
                snprintf(out[i].username, sizeof out[i].username, "%s", db_rows_text(r, k, 3));
                snprintf(out[i].status, sizeof out[i].status, "%s", db_rows_text(r, k, 4));
                (*found)++;
            }
    }
    db_rows_free(r);
    return APP_OK;
}

app_err store_post_media_facts(db *d, int64_t workspace_id, const int64_t *ids, size_t n,
                               db_rows **rows)
{
    if (n > IDS_MAX)
        return APP_EINVAL;
    db_param p[IDS_MAX + 1];
    p[0] = DB_I(workspace_id);
    int64_t none = 0;
    char *sql = ids_sql("SELECT id, kind, mime, format, size, width, height, duration_ms, fps, "
                        "video_codec, audio_codec, animated, name FROM media WHERE "
                        "workspace_id = ? AND id",
                        "", n > 0 ? ids : &none, n > 0 ? n : 1, p, 1);
    if (sql == NULL)
        return APP_ENOMEM;
    app_err e = db_query(d, sql, p, (int)(n > 0 ? n : 1) + 1, rows, NULL);
    free(sql);
    return e;
}

app_err store_media_in_use(db *d, int64_t media_id, int *busy, int *drafts)
{
    db_rows *r = NULL;
    db_param p[1] = {DB_I(media_id)};
    app_err e = db_query(d,
                         "SELECT SUM(CASE WHEN p.state IN ('draft', 'pending_approval', "
                         "'changes_requested', 'approved') THEN 0 ELSE 1 END), SUM(CASE WHEN "
                         "p.state IN ('draft', 'pending_approval', 'changes_requested', "
                         "'approved') THEN 1 ELSE 0 END) FROM post_media pm JOIN posts p ON "
                         "p.id = pm.post_id WHERE pm.media_id = ?",
                         p, 1, &r, NULL);
    if (e == APP_OK) {
        *busy = (int)db_rows_int(r, 0, 0, 0);
        *drafts = (int)db_rows_int(r, 0, 1, 0);
    }
    db_rows_free(r);
    return e;
}

app_err store_post_media_ids(db *d, int64_t workspace_id, int64_t min_id, int64_t max_id,
                             db_rows **rows)
{
    db_param p[3] = {DB_I(workspace_id), DB_I(min_id), DB_I(max_id)};
    return db_query(d,
                    "SELECT pm.post_id, pm.media_id FROM post_media pm JOIN posts p ON p.id = "
                    "pm.post_id WHERE p.workspace_id = ? AND p.id BETWEEN ? AND ? ORDER BY "
                    "pm.post_id, pm.position",
                    p, 3, rows, NULL);
}
