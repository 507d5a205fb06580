/* outbox.c - claiming and recording emails and webhook deliveries (see outbox.h). */
#define _POSIX_C_SOURCE 200809L
#include "store/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ids bound per statement when a list of rows is updated. */
#define ID_BATCH 50

static char *dup_text(const char *s)
{
    return strdup(s != NULL ? s : "");
}

/* PostgreSQL: claimers at once take other rows instead of waiting for each other. */
static const char *skip_locked(db *d)
{
    return db_kind(d) == DB_POSTGRES ? " FOR UPDATE SKIP LOCKED" : "";
}

/*
 * Run `head` followed by " AND id IN (?, ...)" for ids in batches; the np
 * params come first, then the batch's ids.
 */
static app_err update_ids(db *d, const char *head, const db_param *params, int np,
                          const int64_t *ids, size_t n)
{
    app_err e = APP_OK;
    for (size_t i = 0; e == APP_OK && i < n; i += ID_BATCH) {
        size_t m = n - i < ID_BATCH ? n - i : ID_BATCH;
        char sql[1024];
        size_t o = (size_t)snprintf(sql, sizeof sql, "%s AND id IN (", head);
        db_param p[8 + ID_BATCH];
        if (np > 8 || o >= sizeof sql - ID_BATCH * 3 - 2)
            return APP_EINVAL;
        memcpy(p, params, (size_t)np * sizeof *p);
        for (size_t k = 0; k < m; k++) {
            o += (size_t)snprintf(sql + o, sizeof sql - o, k ? ", ?" : "?");
            p[np + (int)k] = DB_I(ids[i + k]);
        }
        snprintf(sql + o, sizeof sql - o, ")");
        e = db_query(d, sql, p, np + (int)m, NULL, NULL);
    }
    return e;
}

/* ---- emails ---- */

void store_email_clear(store_email *m)
{
    free(m->to_addr);
    free(m->subject);
    free(m->text_body);
    free(m->html_body);
    memset(m, 0, sizeof *m);
}

/* Columns read back from a claim, in this order. */
#define EMAIL_COLS                                                                                 \
    "id, COALESCE(user_id, 0), COALESCE(workspace_id, 0), to_addr, subject, text_body, "           \
    "html_body, attempts, created_at"

static app_err email_from_row(const db_rows *r, int i, store_email *m)
{
    memset(m, 0, sizeof *m);
    m->id = db_rows_int(r, i, 0, 0);
    m->user_id = db_rows_int(r, i, 1, 0);
    m->workspace_id = db_rows_int(r, i, 2, 0);
    m->to_addr = dup_text(db_rows_text(r, i, 3));
    m->subject = dup_text(db_rows_text(r, i, 4));
    m->text_body = dup_text(db_rows_text(r, i, 5));
    m->html_body = dup_text(db_rows_text(r, i, 6));
    m->attempts = (int)db_rows_int(r, i, 7, 0);
    m->created_at = db_rows_int(r, i, 8, 0);
    if (m->to_addr == NULL || m->subject == NULL || m->text_body == NULL || m->html_body == NULL) {
        store_email_clear(m);
        return APP_ENOMEM;
    }
    return APP_OK;
}

/* *due 1 when sql (params: now twice: due by then, no lease running) finds a row. */
static app_err any_due(db *d, const char *sql, int64_t now_ms, int *due)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(now_ms), DB_I(now_ms)};
    app_err e = db_query(d, sql, p, 2, &r, NULL);
    *due = e == APP_OK && db_rows_count(r) > 0;
    db_rows_free(r);
    return e;
}

app_err store_email_any_due(db *d, int64_t now_ms, int *due)
{
    return any_due(d,
                   "SELECT id FROM email_outbox WHERE sent_at IS NULL AND failed_at IS NULL AND "
                   "digest = 0 AND next_attempt_at <= ? AND lease_until < ? LIMIT 1",
                   now_ms, due);
}

app_err store_email_claim(db *d, const char *owner, int64_t now_ms, int64_t lease_ms,
                          int64_t only_id, store_email *out, int *found)
{
    *found = 0;
    memset(out, 0, sizeof *out);
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE email_outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 "
             "WHERE id IN (SELECT id FROM email_outbox WHERE sent_at IS NULL AND failed_at IS "
             "NULL AND digest = 0 AND next_attempt_at <= ? AND lease_until < ?%s ORDER BY "
             "next_attempt_at, id LIMIT 1%s) RETURNING " EMAIL_COLS,
             only_id > 0 ? " AND id = ?" : "", skip_locked(d));
    db_param p[5] = {DB_T(owner), DB_I(now_ms + lease_ms), DB_I(now_ms), DB_I(now_ms),
                     DB_I(only_id)};
    db_rows *r = NULL;
    app_err e = db_query(d, sql, p, only_id > 0 ? 5 : 4, &r, NULL);
    if (e == APP_OK && db_rows_count(r) > 0) {
        e = email_from_row(r, 0, out);
        *found = e == APP_OK;
    }
    db_rows_free(r);
    return e;
}

app_err store_email_pending(db *d, int64_t id, int *pending, int64_t *next_at)
{
    db_rows *r = NULL;
    db_param p[1] = {DB_I(id)};
    app_err e = db_query(d,
                         "SELECT next_attempt_at FROM email_outbox WHERE id = ? AND sent_at IS "
                         "NULL AND failed_at IS NULL",
                         p, 1, &r, NULL);
    *pending = e == APP_OK && db_rows_count(r) > 0;
    *next_at = *pending ? db_rows_int(r, 0, 0, 0) : 0;
    db_rows_free(r);
    return e;
}

void store_digest_clear(store_digest *g)
{
    for (size_t i = 0; i < g->n; i++)
        store_email_clear(&g->items[i]);
    free(g->items);
    memset(g, 0, sizeof *g);
}

app_err store_digest_claim(db *d, const char *owner, int64_t now_ms, int64_t gather_ms,
                           int64_t lease_ms, store_digest *out, int *found)
{
    *found = 0;
    memset(out, 0, sizeof *out);
    /* a group is due when its oldest row has waited the gathering time and none waits for a
       retry; groups with a row claimed by someone else are left to them */
    db_rows *r = NULL;
    db_param p[3] = {DB_I(now_ms), DB_I(now_ms - gather_ms), DB_I(now_ms)};
    app_err e = db_query(
        d,
        "SELECT user_id, workspace_id FROM email_outbox WHERE digest = 1 AND sent_at IS NULL AND "
        "failed_at IS NULL AND user_id IS NOT NULL AND workspace_id IS NOT NULL GROUP BY "
        "user_id, workspace_id HAVING MAX(lease_until) < ? AND MIN(created_at) <= ? AND "
        "MAX(next_attempt_at) <= ? ORDER BY MIN(created_at) LIMIT 1",
        p, 3, &r, NULL);
    if (e != APP_OK || db_rows_count(r) == 0) {
        db_rows_free(r);
        return e;
    }
    out->user_id = db_rows_int(r, 0, 0, 0);
    out->workspace_id = db_rows_int(r, 0, 1, 0);
    db_rows_free(r);
    r = NULL;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE email_outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 "
             "WHERE id IN (SELECT id FROM email_outbox WHERE user_id = ? AND workspace_id = ? AND "
             "digest = 1 AND sent_at IS NULL AND failed_at IS NULL AND lease_until < ? AND "
             "next_attempt_at <= ? ORDER BY id LIMIT %d%s) RETURNING " EMAIL_COLS,
             STORE_DIGEST_MAX, skip_locked(d));
    db_param q[6] = {DB_T(owner),        DB_I(now_ms + lease_ms),
                     DB_I(out->user_id), DB_I(out->workspace_id),
                     DB_I(now_ms),       DB_I(now_ms)};
    e = db_query(d, sql, q, 6, &r, NULL);
    int n = e == APP_OK ? db_rows_count(r) : 0;
    if (n > 0) {
        out->items = calloc((size_t)n, sizeof *out->items);
        if (out->items == NULL)
            e = APP_ENOMEM;
    }
    for (int i = 0; e == APP_OK && i < n; i++) {
        e = email_from_row(r, i, &out->items[out->n]);
        if (e != APP_OK)
            break;
        out->n++;
    }
    db_rows_free(r);
    if (e == APP_OK && out->n > 1) { /* oldest first (RETURNING has no order) */
        for (size_t i = 1; i < out->n; i++)
            for (size_t k = i; k > 0 && out->items[k].id < out->items[k - 1].id; k--) {
                store_email t = out->items[k];
                out->items[k] = out->items[k - 1];
                out->items[k - 1] = t;
            }
    }
    for (size_t i = 0; i < out->n; i++) {
        if (out->items[i].attempts > out->attempts)
            out->attempts = out->items[i].attempts;
        if (i == 0 || out->items[i].created_at < out->oldest)
            out->oldest = out->items[i].created_at;
    }
    if (e == APP_OK && out->n > 0) {
        db_param w[1] = {DB_I(out->workspace_id)};
        r = NULL;
        if (db_query(d, "SELECT name FROM workspaces WHERE id = ?", w, 1, &r, NULL) == APP_OK &&
            db_rows_count(r) > 0)
            snprintf(out->workspace_name, sizeof out->workspace_name, "%s", db_rows_text(r, 0, 0));
        db_rows_free(r);
    }
    if (e != APP_OK) {
        /* the rows claimed are given back by their lease running out */
        store_digest_clear(out);
        return e;
    }
    *found = out->n > 0;
    return APP_OK;
}

app_err store_email_sent(db *d, const int64_t *ids, size_t n, const char *owner, int64_t now_ms)
{
    db_param p[2] = {DB_I(now_ms), DB_T(owner)};
    return update_ids(d,
                      "UPDATE email_outbox SET sent_at = ?, error = NULL, lease_owner = NULL, "
                      "lease_until = 0 WHERE lease_owner = ?",
                      p, 2, ids, n);
}

app_err store_email_retry(db *d, const int64_t *ids, size_t n, const char *owner, int64_t next_at,
                          const char *error)
{
    db_param p[3] = {DB_I(next_at), DB_T(error), DB_T(owner)};
    return update_ids(d,
                      "UPDATE email_outbox SET next_attempt_at = ?, error = ?, lease_owner = "
                      "NULL, lease_until = 0 WHERE lease_owner = ?",
                      p, 3, ids, n);
}

app_err store_email_failed(db *d, const int64_t *ids, size_t n, const char *owner, int64_t now_ms,
                           const char *error)
{
    db_param p[3] = {DB_I(now_ms), DB_T(error), DB_T(owner)};
    return update_ids(d,
                      "UPDATE email_outbox SET failed_at = ?, error = ?, lease_owner = NULL, "
                      "lease_until = 0 WHERE lease_owner = ?",
                      p, 3, ids, n);
}

app_err store_email_release(db *d, const int64_t *ids, size_t n, const char *owner)
{
    db_param p[1] = {DB_T(owner)};
    return update_ids(d,
                      "UPDATE email_outbox SET lease_owner = NULL, lease_until = 0, attempts = "
                      "CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE lease_owner = ?",
                      p, 1, ids, n);
}

app_err store_email_expire(db *d, int64_t before, int64_t now_ms, const char *error, int64_t *count)
{
    db_param p[4] = {DB_I(now_ms), DB_T(error), DB_I(before), DB_I(now_ms)};
    return db_query(d,
                    "UPDATE email_outbox SET failed_at = ?, error = ? WHERE sent_at IS NULL AND "
                    "failed_at IS NULL AND created_at < ? AND lease_until < ?",
                    p, 4, NULL, count);
}

/* ---- webhook deliveries ---- */

void store_delivery_clear(store_delivery *dl)
{
    free(dl->payload);
    free(dl->url);
    free(dl->secret_enc);
    memset(dl, 0, sizeof *dl);
}

app_err store_delivery_any_due(db *d, int64_t now_ms, int *due)
{
    return any_due(d,
                   "SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at "
                   "<= ? AND lease_until < ? LIMIT 1",
                   now_ms, due);
}

app_err store_delivery_claim(db *d, const char *owner, int64_t now_ms, int64_t lease_ms,
                             store_delivery *out, int *found)
{
    *found = 0;
    memset(out, 0, sizeof *out);
    char sql[1200];
    snprintf(sql, sizeof sql,
             "UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ?, attempts = attempts "
             "+ 1 WHERE id IN (SELECT dl.id FROM webhook_deliveries dl WHERE dl.state = "
             "'pending' AND dl.next_attempt_at <= ? AND dl.lease_until < ? AND NOT EXISTS "
             "(SELECT 1 FROM webhook_deliveries x WHERE x.webhook_id = dl.webhook_id AND x.state "
             "= 'pending' AND x.lease_until >= ?) ORDER BY dl.next_attempt_at, dl.id LIMIT 1%s) "
             "RETURNING id, webhook_id, COALESCE(event_id, 0), event, payload, attempts, "
             "created_at",
             skip_locked(d));
    db_param p[5] = {DB_T(owner), DB_I(now_ms + lease_ms), DB_I(now_ms), DB_I(now_ms),
                     DB_I(now_ms)};
    db_rows *r = NULL;
    app_err e = db_query(d, sql, p, 5, &r, NULL);
    if (e != APP_OK || db_rows_count(r) == 0) {
        db_rows_free(r);
        return e;
    }
    out->id = db_rows_int(r, 0, 0, 0);
    out->webhook_id = db_rows_int(r, 0, 1, 0);
    out->event_id = db_rows_int(r, 0, 2, 0);
    snprintf(out->event, sizeof out->event, "%s", db_rows_text(r, 0, 3));
    out->payload = dup_text(db_rows_text(r, 0, 4));
    out->attempts = (int)db_rows_int(r, 0, 5, 0);
    out->created_at = db_rows_int(r, 0, 6, 0);
    db_rows_free(r);
    r = NULL;
    db_param w[1] = {DB_I(out->webhook_id)};
    e = db_query(d,
                 "SELECT url, secret_enc, key_version, active, workspace_id FROM webhooks WHERE "
                 "id = ?",
                 w, 1, &r, NULL);
    if (e == APP_OK && db_rows_count(r) > 0) {
        out->url = dup_text(db_rows_text(r, 0, 0));
        out->secret_enc = dup_text(db_rows_text(r, 0, 1));
        out->key_version = (int)db_rows_int(r, 0, 2, 0);
        out->active = (int)db_rows_int(r, 0, 3, 0);
        out->workspace_id = db_rows_int(r, 0, 4, 0);
    } else if (e == APP_OK) {
        out->url = dup_text(""); /* the webhook went away meanwhile */
        out->secret_enc = dup_text("");
    }
    db_rows_free(r);
    if (e == APP_OK && (out->payload == NULL || out->url == NULL || out->secret_enc == NULL))
        e = APP_ENOMEM;
    if (e != APP_OK) {
        store_delivery_release(d, out->id, owner);
        store_delivery_clear(out);
        return e;
    }
    *found = 1;
    return APP_OK;
}

app_err store_delivery_record(db *d, int64_t id, const char *owner, const char *state, int status,
                              const char *error, int64_t next_at, int64_t now_ms)
{
    int delivered = strcmp(state, "delivered") == 0;
    db_param p[7] = {DB_T(state),   status > 0 ? DB_I(status) : DB_N, DB_T(error),
                     DB_I(next_at), delivered ? DB_I(now_ms) : DB_N,  DB_I(id),
                     DB_T(owner)};
    return db_query(d,
                    "UPDATE webhook_deliveries SET state = ?, response_status = ?, error = ?, "
                    "next_attempt_at = ?, delivered_at = ?, lease_owner = NULL, lease_until = 0 "
                    "WHERE id = ? AND lease_owner = ?",
                    p, 7, NULL, NULL);
}

app_err store_delivery_release(db *d, int64_t id, const char *owner)
{
    db_param p[2] = {DB_I(id), DB_T(owner)};
    return db_query(d,
                    "UPDATE webhook_deliveries SET lease_owner = NULL, lease_until = 0, attempts = "
                    "CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE id = ? AND "
                    "lease_owner = ?",
                    p, 2, NULL, NULL);
}
