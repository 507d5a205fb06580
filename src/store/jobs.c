/* jobs.c - the publishing engine's store (see jobs.h). */
#define _POSIX_C_SOURCE 200809L
#include "store/jobs.h"
#include "store/activity.h"
#include "store/rowjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Target states on their way out (not finished, not waiting for a person). */
#define ACTIVE_SQL "('scheduled', 'publishing', 'processing', 'retry_wait', 'unknown')"

void store_job_clear(store_job *j)
{
    free(j->text);
    free(j->options);
    free(j->progress);
    memset(j, 0, sizeof *j);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

/*
 * "?, ?, ..." for n values padded to the next power of two (repeating the
 * last value: IN does not mind), so that the statements built with it come
 * in few texts and stay compiled.  *list and *params malloc'd; *np the
 * count bound.
 */
static app_err padded_list(const int64_t *ids, size_t n, char **list, db_param **params, size_t *np)
{
    size_t m = 1;
    while (m < n)
        m *= 2;
    *list = malloc(m * 3 + 1);
    *params = calloc(m + 4, sizeof **params); /* room for a few leading parameters */
    if (*list == NULL || *params == NULL) {
        free(*list);
        free(*params);
        return APP_ENOMEM;
    }
    size_t o = 0;
    for (size_t i = 0; i < m; i++) {
        memcpy(*list + o, i ? ", ?" : "?", i ? 3 : 1);
        o += i ? 3 : 1;
    }
    (*list)[o] = '\0';
    *np = m;
    for (size_t i = 0; i < m; i++)
        (*params)[i] = DB_I(ids[i < n ? i : n - 1]);
    return APP_OK;
}

/* Run "head (list) tail" with the ids as a padded list after the leading parameters lead. */
/* A statement "head (list) tail" with the ids as a padded list after the leading parameters
   lead: *item ready for db_exec_batch, its text and parameters malloc'd (free them). */
static app_err with_ids(const char *head, const char *tail, const db_param *lead, int nlead,
                        const int64_t *ids, size_t n, db_rows **rows, db_batch_item *item)
{
    char *list = NULL, *sql = NULL;
    db_param *p = NULL;
    size_t np = 0, len = 0;
    app_err e = padded_list(ids, n, &list, &p, &np);
    if (e != APP_OK)
        return e;
    db_param *all = calloc(np + (size_t)nlead, sizeof *all);
    FILE *f = all != NULL ? open_memstream(&sql, &len) : NULL;
    if (f == NULL) {
        free(all);
        e = APP_ENOMEM;
    } else {
        fprintf(f, "%s(%s)%s", head, list, tail);
        fclose(f);
        for (int i = 0; i < nlead; i++)
            all[i] = lead[i];
        memcpy(all + nlead, p, np * sizeof *p);
        *item = (db_batch_item){sql, all, (int)np + nlead, rows, NULL, APP_OK};
    }
    free(list);
    free(p);
    return e;
}

app_err store_jobs_claim(db *d, const char *owner, int64_t now_ms, int64_t lease_ms, int max,
                         store_job **jobs, size_t *n)
{
    *jobs = NULL;
    *n = 0;
    if (max <= 0)
        return APP_OK;
    if (max > STORE_JOBS_CLAIM_MAX) /* its id lists, padded, stay within the bound parameters */
        max = STORE_JOBS_CLAIM_MAX;
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    /* The same statement on both backends; PostgreSQL adds SKIP LOCKED so that workers
       claiming at once each take other rows instead of waiting for each other. */
    const char *sql = db_kind(d) == DB_POSTGRES
                          ? "UPDATE post_targets SET state = CASE WHEN pending_create = 1 THEN "
                            "'unknown' ELSE 'publishing' END, lease_owner = ?, lease_until = ?, "
                            "attempts = attempts + 1, updated_at = ? WHERE id IN (SELECT t.id "
                            "FROM post_targets t WHERE ((t.state IN ('scheduled', 'retry_wait') "
                            "AND t.due_at <= ?) OR (t.state IN ('publishing', 'processing', "
                            "'unknown') AND t.lease_until < ?)) ORDER BY t.due_at, t.id LIMIT ? "
                            "FOR UPDATE SKIP LOCKED) RETURNING id"
                          : "UPDATE post_targets SET state = CASE WHEN pending_create = 1 THEN "
                            "'unknown' ELSE 'publishing' END, lease_owner = ?, lease_until = ?, "
                            "attempts = attempts + 1, updated_at = ? WHERE id IN (SELECT t.id "
                            "FROM post_targets t WHERE ((t.state IN ('scheduled', 'retry_wait') "
                            "AND t.due_at <= ?) OR (t.state IN ('publishing', 'processing', "
                            "'unknown') AND t.lease_until < ?)) ORDER BY t.due_at, t.id LIMIT ?) "
                            "RETURNING id";
    db_param p[6] = {DB_T(owner), DB_I(now_ms + lease_ms), DB_I(now_ms), DB_I(now_ms), DB_I(now_ms),
                     DB_I(max)};
    if (e == APP_OK)
        e = db_exec(c, sql, p, 6, &r, NULL);
    int count = e == APP_OK ? db_rows_count(r) : 0;
    int64_t *ids = calloc((size_t)count + 1, sizeof *ids);
    if (ids == NULL)
        e = APP_ENOMEM;
    for (int i = 0; e == APP_OK && i < count; i++)
        ids[i] = db_rows_int(r, i, 0, 0);
    db_rows_free(r);
    r = NULL;
    /* then, sent together: attempts a dead or stopped worker left open end here; the posts are
       publishing; this claim's attempts (the only open ones of these targets now); what
       publishing them needs */
    db_param now = DB_I(now_ms), who[2] = {DB_T(owner), DB_I(now_ms)};
    db_batch_item follow[4] = {{0}};
    int nf = 0;
    if (e == APP_OK && count > 0) {
        e = with_ids("UPDATE publish_attempts SET ended_at = ?, outcome = 'interrupted' WHERE "
                     "ended_at IS NULL AND target_id IN ",
                     "", &now, 1, ids, (size_t)count, NULL, &follow[nf++]);
        if (e == APP_OK)
            e = with_ids("UPDATE posts SET state = 'publishing' WHERE state = 'scheduled' AND id "
                         "IN (SELECT post_id FROM post_targets WHERE id IN ",
                         ")", NULL, 0, ids, (size_t)count, NULL, &follow[nf++]);
        if (e == APP_OK)
            e = with_ids("INSERT INTO publish_attempts (target_id, worker, started_at) SELECT id, "
                         "CAST(? AS TEXT), CAST(? AS BIGINT) FROM post_targets WHERE id IN ",
                         "", who, 2, ids, (size_t)count, NULL, &follow[nf++]);
        if (e == APP_OK)
            e = with_ids(
                "SELECT t.id, t.post_id, t.workspace_id, t.account_id, t.platform, t.kind, "
                "COALESCE(t.text, p.body), t.options, t.progress, t.pending_create, t.attempts, "
                "t.failures, COALESCE(t.due_at, 0), COALESCE(p.scheduled_at, 0), a.kind, "
                "a.remote_id, a.name, a.status, COALESCE(p.created_by, 0), (SELECT MAX(pa.id) "
                "FROM publish_attempts pa WHERE pa.target_id = t.id AND pa.ended_at IS NULL), "
                "CASE WHEN EXISTS (SELECT 1 FROM post_media pm WHERE pm.post_id = t.post_id) THEN "
                "1 ELSE 0 END FROM post_targets t JOIN posts p ON p.id = t.post_id JOIN "
                "social_accounts a ON a.id = t.account_id WHERE t.id IN ",
                " ORDER BY t.due_at, t.id", NULL, 0, ids, (size_t)count, &r, &follow[nf++]);
        if (e == APP_OK)
            e = db_exec_batch(c, follow, nf);
    }
    for (int i = 0; i < nf; i++) {
        free((char *)follow[i].sql);
        free((db_param *)follow[i].params);
    }
    free(ids);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    if (e != APP_OK || r == NULL) {
        db_rows_free(r);
        return e;
    }
    int rows = db_rows_count(r);
    store_job *out = calloc(rows > 0 ? (size_t)rows : 1, sizeof *out);
    if (out == NULL) {
        db_rows_free(r);
        return APP_ENOMEM;
    }
    for (int i = 0; i < rows; i++) {
        store_job *j = &out[i];
        j->target_id = db_rows_int(r, i, 0, 0);
        j->post_id = db_rows_int(r, i, 1, 0);
        j->workspace_id = db_rows_int(r, i, 2, 0);
        j->account_id = db_rows_int(r, i, 3, 0);
        snprintf(j->platform, sizeof j->platform, "%s", db_rows_text(r, i, 4));
        snprintf(j->kind, sizeof j->kind, "%s", db_rows_text(r, i, 5));
        j->text = dup_or_null(db_rows_text(r, i, 6));
        j->options = dup_or_null(db_rows_text(r, i, 7));
        j->progress = dup_or_null(db_rows_text(r, i, 8));
        j->pending_create = (int)db_rows_int(r, i, 9, 0);
        j->attempts = (int)db_rows_int(r, i, 10, 0);
        j->failures = (int)db_rows_int(r, i, 11, 0);
        j->due_at = db_rows_int(r, i, 12, 0);
        j->scheduled_at = db_rows_int(r, i, 13, 0);
        snprintf(j->account_kind, sizeof j->account_kind, "%s", db_rows_text(r, i, 14));
        snprintf(j->account_remote_id, sizeof j->account_remote_id, "%s", db_rows_text(r, i, 15));
        snprintf(j->account_name, sizeof j->account_name, "%s", db_rows_text(r, i, 16));
        snprintf(j->account_status, sizeof j->account_status, "%s", db_rows_text(r, i, 17));
        j->author_id = db_rows_int(r, i, 18, 0);
        j->attempt_id = db_rows_int(r, i, 19, 0);
        j->has_media = (int)db_rows_int(r, i, 20, 1);
        if (j->text == NULL)
            j->text = strdup("");
    }
    db_rows_free(r);
    *jobs = out;
    *n = (size_t)rows;
    return APP_OK;
}

app_err store_jobs_renew(db *d, const char *owner, const int64_t *ids, size_t n, int64_t until)
{
    app_err e = APP_OK;
    /* in batches, so one statement stays small */
    for (size_t i = 0; e == APP_OK && i < n; i += 50) {
        size_t m = n - i < 50 ? n - i : 50;
        char sql[1024];
        size_t o = (size_t)snprintf(sql, sizeof sql,
                                    "UPDATE post_targets SET lease_until = ? WHERE lease_owner = "
                                    "? AND id IN (");
        db_param p[52];
        p[0] = DB_I(until);
        p[1] = DB_T(owner);
        /* always 50 places (the last id repeated): one statement text, compiled once */
        for (size_t k = 0; k < 50; k++) {
            o += (size_t)snprintf(sql + o, sizeof sql - o, k ? ", ?" : "?");
            p[2 + k] = DB_I(ids[i + (k < m ? k : m - 1)]);
        }
        snprintf(sql + o, sizeof sql - o, ")");
        e = db_query(d, sql, p, 52, NULL, NULL);
    }
    return e;
}

app_err store_job_release(db *d, int64_t target_id, const char *owner, int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    /* the attempt ends as interrupted (before the lease goes, while it says whose it is) */
    db_param q[4] = {DB_I(now_ms), DB_I(target_id), DB_I(target_id), DB_T(owner)};
    db_param p[2] = {DB_I(target_id), DB_T(owner)};
    db_batch_item it[2] = {
        {"UPDATE publish_attempts SET ended_at = ?, outcome = 'interrupted' WHERE target_id = ? "
         "AND ended_at IS NULL AND EXISTS (SELECT 1 FROM post_targets WHERE id = ? AND "
         "lease_owner = ?)",
         q, 4, NULL, NULL, APP_OK},
        {"UPDATE post_targets SET lease_until = 0, state = CASE WHEN state = 'unknown' THEN "
         "'unknown' ELSE 'retry_wait' END, attempts = CASE WHEN attempts > 0 THEN attempts - 1 "
         "ELSE 0 END WHERE id = ? AND lease_owner = ?",
         p, 2, NULL, NULL, APP_OK},
    };
    app_err e = db_begin(c, DB_WRITE);
    if (e == APP_OK)
        e = db_exec_batch(c, it, 2);
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_job_progress(db *d, int64_t target_id, const char *owner, const char *state,
                           const char *progress, int pending)
{
    db_param p[5] = {DB_T(state), DB_T(progress), DB_I(pending), DB_I(target_id), DB_T(owner)};
    int64_t n = 0;
    app_err e = db_query(d,
                         "UPDATE post_targets SET state = ?, progress = ?, pending_create = ? "
                         "WHERE id = ? AND lease_owner = ?",
                         p, 5, NULL, &n);
    return e == APP_OK && n == 0 ? APP_ECONFLICT : e;
}

app_err store_job_attempt_start(db *d, int64_t target_id, const char *owner, int64_t now_ms,
                                int64_t *attempt_id)
{
    db_rows *r = NULL;
    db_param p[3] = {DB_I(target_id), DB_T(owner), DB_I(now_ms)};
    app_err e = db_query(d,
                         "INSERT INTO publish_attempts (target_id, worker, started_at) VALUES (?, "
                         "?, ?) RETURNING id",
                         p, 3, &r, NULL);
    if (e == APP_OK)
        *attempt_id = db_rows_int(r, 0, 0, 0);
    db_rows_free(r);
    return e;
}

/* Record a request's answer. */
#define REQUEST_END_SQL                                                                            \
    "UPDATE publish_requests SET ended_at = ?, status = ?, error = ? WHERE id = ?"

app_err store_job_request_end(db *d, int64_t request_id, int status, const char *error,
                              int64_t now_ms)
{
    db_param p[4] = {DB_I(now_ms), status > 0 ? DB_I(status) : DB_N, DB_T(error), DB_I(request_id)};
    return db_query(d, REQUEST_END_SQL, p, 4, NULL, NULL);
}

/*
 * A post's state from its targets (param: the post's id): on its way while
 * any target is; still only scheduled when nothing has started; then
 * published, partially published or failed; a draft when none is left.
 */
#define TARGETS_STATE_SQL                                                                          \
    "SELECT CASE WHEN SUM(CASE WHEN t.state IN ('publishing', 'processing', 'retry_wait', "        \
    "'unknown') THEN 1 ELSE 0 END) > 0 OR (SUM(CASE WHEN t.state = 'scheduled' THEN 1 ELSE 0 "     \
    "END) > 0 AND SUM(CASE WHEN t.state IN ('published', 'failed') THEN 1 ELSE 0 END) > 0) "       \
    "THEN 'publishing' WHEN SUM(CASE WHEN t.state = 'scheduled' THEN 1 ELSE 0 END) > 0 THEN "      \
    "'scheduled' WHEN SUM(CASE WHEN t.state = 'published' THEN 1 ELSE 0 END) > 0 AND SUM(CASE "    \
    "WHEN t.state = 'failed' THEN 1 ELSE 0 END) = 0 THEN 'published' WHEN SUM(CASE WHEN "          \
    "t.state = 'published' THEN 1 ELSE 0 END) > 0 THEN 'partially_published' WHEN SUM(CASE "       \
    "WHEN t.state = 'failed' THEN 1 ELSE 0 END) > 0 THEN 'failed' ELSE 'draft' END FROM "          \
    "post_targets t WHERE t.post_id = ?"

/* Set it (params: post id, now, post id) on a post that is scheduled or on its way (or was
   published or failed), RETURNING the new state. */
#define SUMMARISE_SQL                                                                              \
    "UPDATE posts SET state = (" TARGETS_STATE_SQL "), updated_at = ?, version = version + 1 "     \
    "WHERE id = ? AND state IN ('scheduled', 'publishing', 'published', 'partially_published', "   \
    "'failed') RETURNING state"

/* The post's state from its targets (on c, inside the caller's transaction): set, or only
   told when the post is in none of the states it is set in. */
static app_err summarise_post(db_conn *c, int64_t post_id, int64_t now_ms, char *out, size_t outlen)
{
    db_rows *r = NULL;
    db_param p[3] = {DB_I(post_id), DB_I(now_ms), DB_I(post_id)};
    app_err e = db_exec(c, SUMMARISE_SQL, p, 3, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0) {
        db_rows_free(r);
        r = NULL;
        e = db_exec(c, TARGETS_STATE_SQL, p, 1, &r, NULL);
    }
    snprintf(out, outlen, "%s", e == APP_OK && db_rows_count(r) > 0 ? db_rows_text(r, 0, 0) : "");
    db_rows_free(r);
    return e;
}

/*
 * The statements of one write, each holding only while owner holds the
 * target (so that no statement needs another's answer: a batch of them goes
 * to PostgreSQL at once).
 */
typedef struct write_stmts {
    db_batch_item it[3];
    int n;
    db_param p[3][12];
    db_rows *rows[3];
    int64_t changes[3];
} write_stmts;

static db_batch_item *stmt_add(write_stmts *s, const char *sql, int nparams, int want_rows)
{
    int k = s->n++;
    s->it[k] = (db_batch_item){
        sql, s->p[k], nparams, want_rows ? &s->rows[k] : NULL, &s->changes[k], APP_OK};
    return &s->it[k];
}

static void write_build(const char *owner, const store_job_write *w, write_stmts *s)
{
    static const char *const outcome_names[] = {"", "published", "retry", "failed"};
    memset(s, 0, sizeof *s);
    db_param held[2] = {DB_I(w->target_id), DB_T(owner)};
    switch (w->kind) {
    case JW_REQUEST_START: {
        /* the adapter's progress before every request, so that whatever happens next a later
           attempt knows what was done (see jobs.h on pending); the request's record says
           whether the lease still holds (no row: do not send) */
        db_param *p = s->p[s->n];
        p[0] = DB_T(w->progress), p[1] = DB_I(w->pending), p[2] = held[0], p[3] = held[1];
        stmt_add(s,
                 "UPDATE post_targets SET progress = ?, pending_create = ? WHERE id = ? AND "
                 "lease_owner = ?",
                 4, 0);
        p = s->p[s->n];
        p[0] = DB_I(w->attempt_id), p[1] = DB_I(w->now_ms), p[2] = DB_T(w->method);
        p[3] = DB_T(w->url), p[4] = DB_I(w->create_step), p[5] = held[0], p[6] = held[1];
        stmt_add(s,
                 "INSERT INTO publish_requests (attempt_id, started_at, method, url, create_step) "
                 "SELECT CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), "
                 "CAST(? AS INTEGER) WHERE EXISTS (SELECT 1 FROM post_targets WHERE id = ? AND "
                 "lease_owner = ?) RETURNING id",
                 7, 1);
        break;
    }
    case JW_REQUEST_END: {
        db_param *p = s->p[s->n];
        p[0] = DB_I(w->now_ms), p[1] = w->status > 0 ? DB_I(w->status) : DB_N;
        p[2] = DB_T(w->error), p[3] = DB_I(w->request_id);
        stmt_add(s, REQUEST_END_SQL, 4, 0);
        break;
    }
    case JW_FINISH: {
        const store_job_end *end = w->end;
        db_param *p = s->p[s->n];
        if (w->attempt_id > 0) { /* before the target lets its lease go */
            p[0] = DB_I(w->now_ms), p[1] = DB_T(outcome_names[end->outcome]);
            p[2] = DB_T(end->error_kind), p[3] = DB_T(end->error_code);
            p[4] = DB_T(end->error_message), p[5] = DB_I(w->attempt_id), p[6] = held[0];
            p[7] = held[1];
            stmt_add(s,
                     "UPDATE publish_attempts SET ended_at = ?, outcome = ?, error_kind = ?, "
                     "error_code = ?, error_message = ? WHERE id = ? AND EXISTS (SELECT 1 FROM "
                     "post_targets WHERE id = ? AND lease_owner = ?)",
                     8, 0);
            p = s->p[s->n];
        }
        if (end->outcome == JOB_PUBLISHED) {
            p[0] = DB_T(end->remote_id), p[1] = DB_T(end->remote_url), p[2] = DB_T(end->warning);
            p[3] = DB_I(w->now_ms), p[4] = DB_I(w->now_ms), p[5] = held[0], p[6] = held[1];
            stmt_add(s,
                     "UPDATE post_targets SET state = 'published', remote_id = ?, remote_url = ?, "
                     "warning = ?, recovered = CASE WHEN failures > 0 THEN 1 ELSE 0 END, "
                     "published_at = ?, updated_at = ?, error_code = NULL, error_message = NULL, "
                     "lease_owner = NULL, lease_until = 0, pending_create = 0, progress = NULL "
                     "WHERE id = ? AND lease_owner = ? RETURNING post_id, recovered",
                     7, 1);
        } else if (end->outcome == JOB_RETRY) {
            p[0] = DB_I(end->retry_at), p[1] = DB_I(end->count_failure);
            p[2] = DB_T(end->error_code), p[3] = DB_T(end->error_message), p[4] = DB_I(w->now_ms);
            p[5] = DB_I(end->progress != NULL), p[6] = DB_T(end->progress);
            p[7] = DB_I(end->pending), p[8] = held[0], p[9] = held[1];
            stmt_add(s,
                     "UPDATE post_targets SET state = 'retry_wait', due_at = ?, failures = "
                     "failures + ?, error_code = ?, error_message = ?, updated_at = ?, progress = "
                     "CASE WHEN ? = 1 THEN ? ELSE progress END, pending_create = ?, lease_owner = "
                     "NULL, lease_until = 0 WHERE id = ? AND lease_owner = ? RETURNING post_id, 0",
                     10, 1);
        } else {
            p[0] = DB_T(end->error_code), p[1] = DB_T(end->error_message), p[2] = DB_I(w->now_ms);
            p[3] = DB_I(end->progress != NULL), p[4] = DB_T(end->progress);
            p[5] = DB_I(end->pending), p[6] = held[0], p[7] = held[1];
            stmt_add(s,
                     "UPDATE post_targets SET state = 'failed', failures = failures + 1, "
                     "error_code = ?, error_message = ?, updated_at = ?, progress = CASE WHEN ? = "
                     "1 THEN ? ELSE progress END, pending_create = ?, lease_owner = NULL, "
                     "lease_until = 0 WHERE id = ? AND lease_owner = ? RETURNING post_id, 0",
                     8, 1);
        }
        /* the post's state (also when the lease was gone: a summary is only ever right) */
        p = s->p[s->n];
        p[0] = DB_I(w->post_id), p[1] = DB_I(w->now_ms), p[2] = DB_I(w->post_id);
        stmt_add(s, SUMMARISE_SQL, 3, 1);
        break;
    }
    }
}

/* What a write's statements came to, into w. */
static void write_take(store_job_write *w, write_stmts *s)
{
    w->result = APP_OK;
    for (int k = 0; k < s->n && w->result == APP_OK; k++)
        w->result = s->it[k].result;
    if (w->result == APP_OK) {
        if (w->kind == JW_REQUEST_START) {
            if (db_rows_count(s->rows[1]) == 0)
                w->result = APP_ECONFLICT; /* the lease is gone: nothing was written */
            else
                w->new_request_id = db_rows_int(s->rows[1], 0, 0, 0);
        } else if (w->kind == JW_FINISH) {
            const db_rows *t = s->rows[s->n - 2], *post = s->rows[s->n - 1];
            if (db_rows_count(t) == 0)
                w->result = APP_ECONFLICT; /* someone else holds it now */
            else
                w->recovered = db_rows_int(t, 0, 1, 0) != 0;
            snprintf(w->post_state, sizeof w->post_state, "%s",
                     db_rows_count(post) > 0 ? db_rows_text(post, 0, 0) : "");
        }
    }
    for (int k = 0; k < s->n; k++)
        db_rows_free(s->rows[k]);
}

/* n writes in one transaction.  APP_OK, or the error that failed it (then nothing is written). */
static app_err write_txn(db *d, const char *owner, store_job_write *w, size_t n)
{
    write_stmts *s = calloc(n, sizeof *s);
    size_t total = 0;
    for (size_t i = 0; s != NULL && i < n; i++) {
        write_build(owner, &w[i], &s[i]);
        total += (size_t)s[i].n;
    }
    db_batch_item *items = s != NULL ? calloc(total ? total : 1, sizeof *items) : NULL;
    if (items == NULL) {
        free(s);
        return APP_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (int j = 0; j < s[i].n; j++)
            items[k++] = s[i].it[j];
    db_conn *c = db_acquire(d, 5000);
    app_err e = c != NULL ? db_begin(c, DB_WRITE) : APP_EBUSY;
    if (e == APP_OK)
        e = db_exec_batch(c, items, (int)total);
    if (e == APP_OK)
        e = db_commit(c);
    else if (c != NULL)
        db_rollback(c);
    db_release(c);
    /* the answers back into each write's statements, then into the write */
    k = 0;
    for (size_t i = 0; i < n; i++) {
        for (int j = 0; j < s[i].n; j++) {
            s[i].it[j].result = items[k].result;
            k++;
        }
        if (e == APP_OK)
            write_take(&w[i], &s[i]);
        else
            for (int j = 0; j < s[i].n; j++)
                db_rows_free(s[i].rows[j]);
    }
    free(items);
    free(s);
    return e;
}

app_err store_jobs_write(db *d, const char *owner, store_job_write *w, size_t n)
{
    app_err e = n > 0 ? write_txn(d, owner, w, n) : APP_OK;
    /* the batch failed as a whole: each write alone, so that one bad write costs only itself */
    for (size_t i = 0; e != APP_OK && i < n; i++) {
        w[i].new_request_id = 0;
        w[i].recovered = 0;
        w[i].post_state[0] = '\0';
        app_err one = n > 1 ? write_txn(d, owner, &w[i], 1) : e;
        if (one != APP_OK)
            w[i].result = one;
    }
    return APP_OK;
}

app_err store_jobs_next_due(db *d, int64_t *at)
{
    db_rows *r = NULL;
    app_err e = db_query(d,
                         "SELECT MIN(due_at) FROM post_targets WHERE state IN ('scheduled', "
                         "'retry_wait')",
                         NULL, 0, &r, NULL);
    *at = e == APP_OK ? db_rows_int(r, 0, 0, 0) : 0;
    db_rows_free(r);
    return e;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

app_err store_jobs_stats(db *d, int64_t now_ms, json_t **out)
{
    db_rows *r = NULL, *l = NULL;
    db_param p[6] = {DB_I(now_ms),           DB_I(now_ms - 60000),   DB_I(now_ms),
                     DB_I(now_ms - 3600000), DB_I(now_ms - 3600000), DB_I(0)};
    app_err e = db_query(
        d,
        "SELECT SUM(CASE WHEN state IN ('scheduled', 'retry_wait') AND due_at <= ? THEN 1 ELSE 0 "
        "END), SUM(CASE WHEN (state IN ('scheduled', 'retry_wait') AND due_at <= ?) OR (state IN "
        "('publishing', 'processing', 'unknown') AND lease_until < ?) THEN 1 ELSE 0 "
        "END), SUM(CASE WHEN state IN ('publishing', 'processing', 'unknown') AND lease_until > "
        "? THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'published' THEN 1 ELSE 0 END), SUM(CASE "
        "WHEN state = 'failed' THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'retry_wait' THEN 1 "
        "ELSE 0 END), SUM(CASE WHEN state = 'published' AND published_at >= ? THEN 1 ELSE 0 END) "
        "FROM post_targets",
        (db_param[]){p[0], p[1], p[1], p[2], p[3]}, 5, &r, NULL);
    int64_t retries = 0, last = 0;
    if (e == APP_OK) {
        db_rows *a = NULL;
        e = db_query(d,
                     "SELECT (SELECT COUNT(*) FROM publish_attempts WHERE outcome = 'retry' AND "
                     "started_at >= ?), (SELECT MAX(started_at) FROM publish_attempts)",
                     &p[4], 1, &a, NULL);
        retries = e == APP_OK ? db_rows_int(a, 0, 0, 0) : 0;
        last = e == APP_OK ? db_rows_int(a, 0, 1, 0) : 0;
        db_rows_free(a);
    }
    if (e == APP_OK)
        e = db_query(d,
                     "SELECT t.published_at - p.scheduled_at FROM post_targets t JOIN posts p ON "
                     "p.id = t.post_id WHERE t.state = 'published' AND t.published_at >= ? AND "
                     "p.scheduled_at IS NOT NULL ORDER BY t.published_at DESC LIMIT 100000",
                     &p[3], 1, &l, NULL);
    if (e == APP_OK) {
        int n = db_rows_count(l);
        int64_t *v = calloc(n > 0 ? (size_t)n : 1, sizeof *v);
        for (int i = 0; v != NULL && i < n; i++)
            v[i] = db_rows_int(l, i, 0, 0);
        if (v != NULL)
            qsort(v, (size_t)n, sizeof *v, cmp_i64);
        json_t *lat = json_pack("{s:I, s:I, s:I, s:i}", "p50", (json_int_t)(n && v ? v[n / 2] : 0),
                                "p99", (json_int_t)(n && v ? v[(n * 99) / 100] : 0), "max",
                                (json_int_t)(n && v ? v[n - 1] : 0), "count", n);
        free(v);
        *out = json_pack(
            "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "due",
            (json_int_t)db_rows_int(r, 0, 0, 0), "overdue", (json_int_t)db_rows_int(r, 0, 1, 0),
            "in_flight", (json_int_t)db_rows_int(r, 0, 2, 0), "published_total",
            (json_int_t)db_rows_int(r, 0, 3, 0), "failed_total",
            (json_int_t)db_rows_int(r, 0, 4, 0), "retry_wait", (json_int_t)db_rows_int(r, 0, 5, 0),
            "published_last_hour", (json_int_t)db_rows_int(r, 0, 6, 0), "retries_last_hour",
            (json_int_t)retries, "lateness_ms", lat);
        json_object_set_new(*out, "last_attempt_at", rowjson_instant(last));
        json_object_set_new(*out, "last_attempt_ms", json_integer(last));
    }
    db_rows_free(r);
    db_rows_free(l);
    return e;
}

/* Change one target of a post of the workspace from one of `from` to `to` (due now). */
static app_err target_move(db *d, int64_t ws, int64_t post_id, int64_t target_id,
                           const char *from_sql, const char *to, int64_t now_ms, int64_t user_id,
                           const char *action)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_begin(c, DB_WRITE);
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE post_targets SET state = ?, due_at = ?, updated_at = ?, error_code = NULL, "
             "error_message = NULL WHERE id = ? AND post_id = ? AND workspace_id = ? AND state "
             "IN %s",
             from_sql);
    db_param p[6] = {DB_T(to),        DB_I(now_ms),  DB_I(now_ms),
                     DB_I(target_id), DB_I(post_id), DB_I(ws)};
    int64_t n = 0;
    if (e == APP_OK)
        e = db_exec(c, sql, p, 6, NULL, &n);
    if (e == APP_OK && n == 0) {
        db_rows *r = NULL;
        db_param q[3] = {DB_I(target_id), DB_I(post_id), DB_I(ws)};
        e = db_exec(c,
                    "SELECT id FROM post_targets WHERE id = ? AND post_id = ? AND workspace_id = ?",
                    q, 3, &r, NULL);
        if (e == APP_OK)
            e = db_rows_count(r) == 0 ? APP_ENOTFOUND : APP_ECONFLICT;
        db_rows_free(r);
    }
    char state[32];
    if (e == APP_OK)
        e = summarise_post(c, post_id, now_ms, state, sizeof state);
    if (e == APP_OK && strcmp(state, "draft") == 0) {
        /* nothing left to publish: the post goes back to being a draft */
        db_param q[2] = {DB_I(now_ms), DB_I(post_id)};
        e = db_exec(c, "UPDATE post_targets SET state = 'draft', updated_at = ? WHERE post_id = ?",
                    q, 2, NULL, NULL);
        if (e == APP_OK) {
            db_param w[2] = {DB_I(now_ms), DB_I(post_id)};
            e = db_exec(c,
                        "UPDATE posts SET state = 'draft', schedule_mode = 'none', scheduled_at = "
                        "NULL, queue_account_id = NULL, updated_at = ?, version = version + 1 "
                        "WHERE id = ?",
                        w, 2, NULL, NULL);
        }
    }
    if (e == APP_OK) {
        char target[32];
        snprintf(target, sizeof target, "post %lld", (long long)post_id);
        json_t *det = json_pack("{s:I, s:I}", "post_id", (json_int_t)post_id, "target_id",
                                (json_int_t)target_id);
        actor who = {user_id, "", ""};
        e = store_activity_add(c, &who, ws, action, target, det, now_ms);
        json_decref(det);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    return e;
}

app_err store_target_retry(db *d, int64_t workspace_id, int64_t post_id, int64_t target_id,
                           int64_t now_ms, int64_t user_id)
{
    /* After "cannot tell whether it went out" the person was asked to look at the platform
       first: their retry lets the create step be sent again. */
    db_param p[2] = {DB_I(target_id), DB_I(workspace_id)};
    db_query(d,
             "UPDATE post_targets SET pending_create = 0 WHERE id = ? AND workspace_id = ? AND "
             "state = 'failed' AND error_code = 'ambiguous'",
             p, 2, NULL, NULL);
    return target_move(d, workspace_id, post_id, target_id, "('failed')", "retry_wait", now_ms,
                       user_id, "post.target_retried");
}

app_err store_target_cancel(db *d, int64_t workspace_id, int64_t post_id, int64_t target_id,
                            int64_t now_ms, int64_t user_id)
{
    /* not while an earlier send's outcome is unknown: the post may be out already */
    return target_move(d, workspace_id, post_id, target_id,
                       "('scheduled', 'retry_wait') AND pending_create = 0", "cancelled", now_ms,
                       user_id, "post.target_cancelled");
}

app_err store_post_attempts(db *d, int64_t workspace_id, int64_t post_id, json_t **out)
{
    db_rows *a = NULL, *q = NULL;
    db_param p[2] = {DB_I(post_id), DB_I(workspace_id)};
    app_err e = db_query(d,
                         "SELECT pa.id, pa.target_id, pa.worker, pa.started_at, pa.ended_at, "
                         "pa.outcome, pa.error_kind, pa.error_code, pa.error_message FROM "
                         "publish_attempts pa JOIN post_targets t ON t.id = pa.target_id WHERE "
                         "t.post_id = ? AND t.workspace_id = ? ORDER BY pa.target_id, pa.id",
                         p, 2, &a, NULL);
    if (e == APP_OK)
        e = db_query(d,
                     "SELECT pr.attempt_id, pr.started_at, pr.ended_at, pr.method, pr.url, "
                     "pr.create_step, pr.status, pr.error FROM publish_requests pr JOIN "
                     "publish_attempts pa ON pa.id = pr.attempt_id JOIN post_targets t ON t.id = "
                     "pa.target_id WHERE t.post_id = ? AND t.workspace_id = ? ORDER BY "
                     "pr.attempt_id, pr.id",
                     p, 2, &q, NULL);
    if (e == APP_OK) {
        json_t *arr = json_array();
        int k = 0;
        for (int i = 0; i < db_rows_count(a); i++) {
            int64_t id = db_rows_int(a, i, 0, 0);
            json_t *reqs = json_array();
            while (k < db_rows_count(q) && db_rows_int(q, k, 0, 0) < id)
                k++;
            for (; k < db_rows_count(q) && db_rows_int(q, k, 0, 0) == id; k++)
                json_array_append_new(reqs,
                                      json_pack("{s:o, s:o, s:o, s:o, s:b, s:o, s:o}", "started_at",
                                                rowjson_instant_or_null(q, k, 1), "ended_at",
                                                rowjson_instant_or_null(q, k, 2), "method",
                                                rowjson_text_or_null(q, k, 3), "url",
                                                rowjson_text_or_null(q, k, 4), "create_step",
                                                db_rows_int(q, k, 5, 0) != 0, "status",
                                                rowjson_int_or_null(q, k, 6), "error",
                                                rowjson_text_or_null(q, k, 7)));
            json_array_append_new(
                arr, json_pack("{s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                               (json_int_t)id, "target_id", (json_int_t)db_rows_int(a, i, 1, 0),
                               "worker", rowjson_text_or_null(a, i, 2), "started_at",
                               rowjson_instant_or_null(a, i, 3), "ended_at",
                               rowjson_instant_or_null(a, i, 4), "outcome",
                               rowjson_text_or_null(a, i, 5), "error_kind",
                               rowjson_text_or_null(a, i, 6), "error_code",
                               rowjson_text_or_null(a, i, 7), "error_message",
                               rowjson_text_or_null(a, i, 8), "requests", reqs));
        }
        *out = arr;
    }
    db_rows_free(a);
    db_rows_free(q);
    return e;
}

app_err store_job_media(db *d, int64_t workspace_id, int64_t post_id, const int64_t *extra,
                        size_t nextra, db_rows **rows)
{
    if (nextra > 96)
        nextra = 96;
    char sql[1600];
    size_t o = (size_t)snprintf(
        sql, sizeof sql,
        "SELECT m.id, m.kind, m.mime, m.format, m.size, m.width, m.height, m.duration_ms, "
        "m.animated, m.alt_text, m.storage_key, COALESCE(pm.position, -1) FROM media m LEFT "
        "JOIN post_media pm ON pm.media_id = m.id AND pm.post_id = ? WHERE m.workspace_id = ? "
        "AND (pm.post_id IS NOT NULL OR m.id IN (0");
    db_param p[100];
    p[0] = DB_I(post_id);
    p[1] = DB_I(workspace_id);
    for (size_t i = 0; i < nextra; i++) {
        o += (size_t)snprintf(sql + o, sizeof sql - o, ", ?");
        p[2 + i] = DB_I(extra[i]);
    }
    snprintf(sql + o, sizeof sql - o,
             ")) ORDER BY CASE WHEN pm.position IS NULL THEN 1 ELSE 0 END, pm.position, m.id");
    return db_query(d, sql, p, (int)nextra + 2, rows, NULL);
}
