/*
 * executor.c - the publishing worker (see engine.h): claims, transfers on
 * curl multi, adapter steps, outcomes.
 */
#define _GNU_SOURCE
#include "engine/exec_int.h"
#include "accounts/accounts.h"
#include "core/clock.h"
#include "core/text.h"
#include "media/links.h"
#include "media/storage.h"
#include "notify/notify.h"
#include "platform/publish.h"
#include "store/accounts.h"
#include "store/jobs.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define POLL_MAX_MS    1000 /* look at the store at least this often */
#define CLAIM_EVERY_MS 1000 /* ... for targets other processes scheduled */

/* ---- setting a job up ---- */

/* Load media, token and adapter for a claimed target.  0, or -1 after finishing it. */
static int job_prepare(engine *e, ejob *j)
{
    const app *a = e->a;
    j->platform_slot = -1;
    j->ops = pub_for(j->sj.platform);
    json_error_t jerr;
    j->options = j->sj.options != NULL ? json_loads(j->sj.options, 0, &jerr) : NULL;
    if (!json_is_object(j->options)) {
        json_decref(j->options);
        j->options = json_object();
    }
    int64_t now = clock_now_ms();
    app_err err = APP_OK;
    j->attempt_id = j->sj.attempt_id; /* the claim started it */
    if (j->attempt_id <= 0)
        err = store_job_attempt_start(a->db, j->sj.target_id, e->owner, now, &j->attempt_id);
    store_job_end fail = {.outcome = JOB_FAILED, .error_kind = "permanent"};
    if (err != APP_OK) {
        store_job_release(a->db, j->sj.target_id, e->owner, clock_now_ms());
        ej_unlink(e, j);
        ej_free(e, j);
        return -1;
    }
    if (j->ops == NULL) {
        fail.error_code = "no_adapter";
        fail.error_message = "this platform cannot be published to yet";
        ej_finish(e, j, &fail);
        return -1;
    }
    /* the token */
    err = ej_memo_token(e, j->sj.account_id, j->token, sizeof j->token);
    if (err != APP_OK) {
        fail.error_kind = "revoked";
        fail.error_code = "account";
        fail.error_message =
            err == APP_EPERM ? "the account needs reconnecting before anything can be posted there"
                             : "the account's access could not be read; reconnect it";
        if (err != APP_EPERM)
            acct_lost(a, j->sj.account_id, "its stored access could not be read");
        ej_finish(e, j, &fail);
        return -1;
    }
    /* media: the post's, then X thread parts' */
    int64_t extra[96];
    size_t nextra = 0, k;
    json_t *part;
    json_array_foreach(json_object_get(j->options, "thread"), k, part)
    {
        size_t m;
        json_t *id;
        json_array_foreach(json_object_get(part, "media"), m,
                           id) if (nextra < 96 && json_integer_value(id) > 0) extra[nextra++] =
            json_integer_value(id);
    }
    err = j->sj.has_media || nextra > 0
              ? store_job_media(a->db, j->sj.workspace_id, j->sj.post_id, extra, nextra, &j->mrows)
              : APP_OK;
    if (err != APP_OK) {
        store_job_end retry = {.outcome = JOB_RETRY,
                               .retry_at = now + 30000,
                               .error_kind = "transient",
                               .error_code = "store",
                               .error_message = "the media could not be read"};
        ej_finish(e, j, &retry);
        return -1;
    }
    size_t n = (size_t)db_rows_count(j->mrows);
    j->lib = calloc(n ? n : 1, sizeof *j->lib);
    j->links = calloc(n ? n : 1, sizeof *j->links);
    if (j->lib == NULL || j->links == NULL) {
        store_job_release(a->db, j->sj.target_id, e->owner, clock_now_ms());
        ej_unlink(e, j);
        ej_free(e, j);
        return -1;
    }
    int64_t exp = now / 1000 + LINK_TTL_S;
    for (size_t i = 0; i < n; i++) {
        const db_rows *r = j->mrows;
        int row = (int)i;
        pub_media *m = &j->lib[i];
        m->id = db_rows_int(r, row, 0, 0);
        m->kind = db_rows_text(r, row, 1);
        m->mime = db_rows_text(r, row, 2);
        m->format = db_rows_text(r, row, 3);
        m->size = db_rows_int(r, row, 4, 0);
        m->width = (int)db_rows_int(r, row, 5, 0);
        m->height = (int)db_rows_int(r, row, 6, 0);
        m->duration_ms = db_rows_int(r, row, 7, 0);
        m->animated = db_rows_int(r, row, 8, 0) != 0;
        m->alt_text = db_rows_text(r, row, 9) != NULL ? db_rows_text(r, row, 9) : "";
        media_public_link(a->keys, a->cfg->public_url, j->sj.workspace_id, m->id, exp, j->links[i],
                          sizeof j->links[i]);
        m->public_url = j->links[i];
        if (db_rows_int(r, row, 11, -1) >= 0)
            j->nmed++;
    }
    j->nlib = n;
    pub_job *pj = &j->pj;
    pj->cfg = a->cfg;
    pj->pc = plat_settings(a->cfg, j->sj.platform);
    pj->kind = j->sj.kind;
    pj->text = j->sj.text;
    pj->options = j->options;
    pj->media = j->lib;
    pj->nmedia = j->nmed;
    pj->library = j->lib;
    pj->nlibrary = j->nlib;
    pj->access_token = j->token;
    pj->account_remote_id = j->sj.account_remote_id;
    pj->account_kind = j->sj.account_kind;
    pj->attempt_started_ms = now;
    pj->state = j->sj.progress != NULL ? json_loads(j->sj.progress, 0, &jerr) : NULL;
    if (!json_is_object(pj->state)) {
        json_decref(pj->state);
        pj->state = json_object();
    }
    j->reconciling = j->sj.pending_create;
    j->phase = EJ_READY;
    return 0;
}

/* ---- transfers ---- */

/* Start the transfer for j->pj.req.  0, or -1 (the job's error is set). */
static int start_transfer(engine *e, ejob *j)
{
    const pub_request *q = &j->pj.req;
    const pub_media *m = NULL;
    const char *key = NULL;
    if ((q->stream || q->multipart) && q->range.media >= 0 && (size_t)q->range.media < j->nlib) {
        m = &j->lib[q->range.media]; /* the post's media are the first items of the library */
        key = db_rows_text(j->mrows, q->range.media, 10);
    }
    char why[200];
    if (transfer_setup(&j->xf, q, e->a->media, m, key, j, why, sizeof why) != 0) {
        ej_err_set(&j->pj.err, PERR_TRANSIENT, 0, "local", why);
        return -1;
    }
    if (curl_multi_add_handle(e->multi, j->xf.easy) != CURLM_OK)
        return -1;
    j->phase = EJ_HTTP;
    ej_count(e, &e->requests);
    return 0;
}

/* Requests in flight for an account (executor thread only). */
static int account_busy(const engine *e, int64_t account_id)
{
    int n = 0;
    for (const ejob *j = e->jobs; j != NULL; j = j->next)
        n += (j->phase == EJ_HTTP || j->phase == EJ_RECORD) && j->sj.account_id == account_id;
    return n;
}

/* Send the request the adapter asked for, or queue it behind the limits. */
static void dispatch(engine *e, ejob *j)
{
    const config *cfg = e->a->cfg;
    pthread_mutex_lock(&e->mu);
    int stopping = e->stopping;
    pthread_mutex_unlock(&e->mu);
    if (stopping) {
        /* keep what was done, send nothing more: the target is due again for any worker */
        char *progress = json_dumps(j->pj.state, JSON_COMPACT);
        store_job_progress(e->a->db, j->sj.target_id, e->owner, "publishing", progress,
                           j->reconciling);
        free(progress);
        store_job_release(e->a->db, j->sj.target_id, e->owner, clock_now_ms());
        ej_unlink(e, j);
        ej_free(e, j);
        return;
    }
    int pi = ej_platform_index(j->sj.platform);
    if ((pi >= 0 && e->platform_busy[pi] >= cfg->engine_per_platform) ||
        account_busy(e, j->sj.account_id) >= cfg->engine_per_account) {
        j->phase = EJ_QUEUED;
        return;
    }
    /* recorded with the pass's other writes (the adapter's progress and `pending` with
       it), and sent once that is committed: see ej_recorded() */
    char url[PLAT_URL_MAX];
    ej_loggable_url(j->pj.req.r.url, url, sizeof url);
    j->create_step = j->pj.req.create_step;
    pending *p = ej_pend_add(e, JW_REQUEST_START, j);
    if (p != NULL) {
        p->url = strdup(url);
        p->progress = json_dumps(j->pj.state, JSON_COMPACT);
    }
    if (p == NULL || p->url == NULL || p->progress == NULL) {
        if (p != NULL) {
            ej_pend_clear(p);
            e->npend--;
        }
        ej_finish(e, j, &EJ_RECORD_FAILED);
        return;
    }
    p->w.method = j->pj.req.r.method;
    p->w.url = p->url;
    p->w.progress = p->progress;
    p->w.create_step = j->create_step;
    p->w.pending = j->create_step || j->reconciling;
    if (pi >= 0) {
        e->platform_busy[pi]++;
        j->platform_slot = pi;
    }
    j->phase = EJ_RECORD;
}

/* A request's record was committed (or not): send it. */
void ej_recorded(engine *e, pending *p)
{
    ejob *j = p->j;
    if (p->w.result == APP_ECONFLICT) {
        /* the lease went to another worker: leave the target to it */
        ej_unlink(e, j);
        ej_free(e, j);
        return;
    }
    if (p->w.result != APP_OK) {
        ej_free_transfer(e, j); /* the platform slot */
        ej_finish(e, j, &EJ_RECORD_FAILED);
        return;
    }
    j->request_id = p->w.new_request_id;
    pthread_mutex_lock(&e->mu);
    int stopping = e->stopping;
    pthread_mutex_unlock(&e->mu);
    if (stopping) {
        /* not sent: given back, due again at once (its progress went with the record; a
           create step on record is reconciled by whoever takes it) */
        store_job_release(e->a->db, j->sj.target_id, e->owner, clock_now_ms());
        ej_unlink(e, j);
        ej_free(e, j);
        return;
    }
    if (start_transfer(e, j) != 0) {
        pending *q = ej_pend_add(e, JW_REQUEST_END, NULL);
        if (q != NULL) {
            q->w.request_id = j->request_id;
            q->error = strdup("the request could not be started");
            q->w.error = q->error;
        }
        ej_free_transfer(e, j);
        if (j->pj.err.kind == PERR_NONE)
            ej_err_set(&j->pj.err, PERR_TRANSIENT, 0, "local", "the request could not be started");
        ej_finish_error(e, j);
    }
}

static void step(engine *e, ejob *j, const plat_response *last);

/* Ask the refresh thread for a new token. */
static void want_refresh(engine *e, ejob *j)
{
    j->phase = EJ_REFRESH;
    pthread_mutex_lock(&e->mu);
    if (e->nqueue < e->cap)
        e->refresh_queue[e->nqueue++] = j;
    pthread_cond_signal(&e->refresh_cv);
    pthread_mutex_unlock(&e->mu);
}

/* Run the adapter one step and act on what it says. */
static void step(engine *e, ejob *j, const plat_response *last)
{
    pub_job *pj = &j->pj;
    pj->now_ms = clock_now_ms();
    memset(&pj->err, 0, sizeof pj->err);
    pub_step s = j->reconciling ? j->ops->reconcile(pj, last) : j->ops->publish(pj, last);
    switch (s) {
    case PUB_REQUEST:
        dispatch(e, j);
        return;
    case PUB_WAIT: {
        j->phase = EJ_WAIT;
        j->wake_at = clock_now_ms() + (pj->wait_ms > 0 ? pj->wait_ms : 1000);
        char *progress = json_dumps(pj->state, JSON_COMPACT);
        store_job_progress(e->a->db, j->sj.target_id, e->owner, "processing", progress,
                           j->reconciling);
        free(progress);
        return;
    }
    case PUB_DONE:
        if (j->reconciling) {
            j->reconciling = 0; /* known now; what the adapter does next is saved with it */
            if (pj->remote_id[0]) {
                ej_count(e, &e->reconciled_found);
                store_job_end end = {.outcome = JOB_PUBLISHED,
                                     .remote_id = pj->remote_id,
                                     .remote_url = pj->remote_url,
                                     .warning = pj->warning[0] ? pj->warning : NULL};
                ej_finish(e, j, &end);
            } else if (j->lost_status != 0) {
                /* it did not go out: the platform failed or the connection dropped; try again
                   later like any passing failure (backoff, counted) */
                ej_count(e, &e->reconciled_missing);
                if (j->lost_status > 0)
                    snprintf(pj->err.message, sizeof pj->err.message,
                             "the platform had a problem (HTTP %d); trying again later",
                             j->lost_status);
                else
                    snprintf(pj->err.message, sizeof pj->err.message,
                             "the connection to the platform dropped; trying again later");
                pj->err.kind = PERR_TRANSIENT;
                pj->err.http_status = j->lost_status > 0 ? j->lost_status : 0;
                snprintf(pj->err.code, sizeof pj->err.code, "%s",
                         j->lost_status > 0 ? "server_error" : "network");
                j->lost_status = 0;
                ej_finish_error(e, j);
            } else {
                /* not there (a worker stopped before learning it): go on from the progress */
                ej_count(e, &e->reconciled_missing);
                j->phase = EJ_READY;
            }
            return;
        } else {
            store_job_end end = {.outcome = JOB_PUBLISHED,
                                 .remote_id = pj->remote_id,
                                 .remote_url = pj->remote_url,
                                 .warning = pj->warning[0] ? pj->warning : NULL};
            ej_finish(e, j, &end);
        }
        return;
    case PUB_FAIL:
    default:
        if (pj->err.kind == PERR_TOKEN_EXPIRED && !j->refreshed) {
            j->refreshed = 1;
            want_refresh(e, j);
            return;
        }
        if (j->reconciling && pj->err.kind != PERR_TOKEN_EXPIRED && pj->err.kind != PERR_REVOKED &&
            pj->err.kind != PERR_RATE_LIMITED) {
            /* cannot tell yet whether the post went out: keep asking, never resend */
            pj->err.kind = PERR_TRANSIENT;
        }
        ej_finish_error(e, j);
        return;
    }
}

/* A transfer ended: record it and step the adapter with the answer. */
static void transfer_done(engine *e, ejob *j, CURLcode rc)
{
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(j->xf.easy, CURLINFO_RESPONSE_CODE, &status);
    /* A create step's outcome is known when the platform answered and the answer is not a
       gateway failure (which may come after the post was made). */
    int known = rc == CURLE_OK && status > 0 && status < 500;
    char err[200] = "";
    if (rc != CURLE_OK)
        snprintf(err, sizeof err, "%s", curl_easy_strerror(rc));
    pending *q = ej_pend_add(e, JW_REQUEST_END, NULL);
    if (q != NULL) {
        q->w.request_id = j->request_id;
        q->w.status = (int)status;
        q->error = err[0] ? strdup(err) : NULL;
        q->w.error = q->error;
    } else {
        store_job_request_end(e->a->db, j->request_id, (int)status, err[0] ? err : NULL,
                              clock_now_ms());
    }
    int was_create = j->create_step;
    j->create_step = 0;
    /* detach the finished transfer: the step may start the next one on j, or free j */
    curl_multi_remove_handle(e->multi, j->xf.easy);
    transfer done = j->xf;
    memset(&j->xf, 0, sizeof j->xf);
    ej_free_transfer(e, j); /* the platform slot */
    j->phase = EJ_READY;
    if (was_create && !known) {
        /* the post may or may not exist now: find out before anything else */
        j->reconciling = 1;
        j->lost_status = rc == CURLE_OK ? (int)status : -1;
        j->phase = EJ_WAIT;
        j->wake_at = clock_now_ms() + 3000;
    } else {
        plat_response r = transfer_response(&done, (int)status);
        step(e, j, &r);
    }
    transfer_clear(&done);
}

/* ---- the loop ---- */

static ejob *find_by_easy(CURL *c)
{
    ejob *j = NULL;
    curl_easy_getinfo(c, CURLINFO_PRIVATE, (char **)&j);
    return j;
}

/* Claim what fits.  How many were claimed (-1: the store failed). */
static int claim(engine *e)
{
    const app *a = e->a;
    int room = a->cfg->engine_inflight - (int)e->njobs;
    if (room <= 0)
        return 0;
    store_job *got = NULL;
    size_t n = 0;
    int64_t now = clock_now_ms();
    app_err err = store_jobs_claim(a->db, e->owner, now, (int64_t)a->cfg->engine_lease_s * 1000,
                                   room, &got, &n);
    if (err != APP_OK) {
        if (now >= e->claim_error_logged + 60000) { /* once a minute while it lasts */
            e->claim_error_logged = now;
            log_event(&a->log, LOG_ERROR, "could not claim due targets; trying again",
                      json_pack("{s:s}", "error", app_err_name(err)));
        }
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        ejob *j = calloc(1, sizeof *j);
        if (j == NULL) {
            store_job_release(a->db, got[i].target_id, e->owner, clock_now_ms());
            store_job_clear(&got[i]);
            continue;
        }
        j->sj = got[i];
        j->platform_slot = -1;
        ej_append(e, j);
        job_prepare(e, j);
    }
    free(got);
    return (int)n;
}

static void renew(engine *e)
{
    if (e->njobs == 0)
        return;
    int64_t *ids = calloc(e->njobs, sizeof *ids);
    size_t n = 0;
    for (ejob *j = e->jobs; ids != NULL && j != NULL; j = j->next)
        ids[n++] = j->sj.target_id;
    if (ids != NULL)
        store_jobs_renew(e->a->db, e->owner, ids, n,
                         clock_now_ms() + (int64_t)e->a->cfg->engine_lease_s * 1000);
    free(ids);
}

/* Jobs back from the refresh thread. */
static void drain_refreshes(engine *e)
{
    ejob *done[64];
    size_t n = 0;
    pthread_mutex_lock(&e->mu);
    while (e->ndone > 0 && n < 64)
        done[n++] = e->refresh_done[--e->ndone];
    pthread_mutex_unlock(&e->mu);
    for (size_t i = 0; i < n; i++) {
        ejob *j = done[i];
        if (j->refresh_ok == 1) {
            ej_count(e, &e->refreshes);
            ej_memo_put(e, j->sj.account_id, APP_OK, j->token);
            j->phase = EJ_READY; /* the adapter resumes from its state with the new token */
        } else if (j->refresh_ok == 0) {
            /* the platform refused: acct_refresh marked the account needs_reconnect */
            ej_err_set(&j->pj.err, PERR_REVOKED, 401, "reconnect", j->refresh_err);
            ej_finish_error(e, j);
        } else {
            /* the refresh could not be done now (network, platform, busy): try later */
            ej_err_set(&j->pj.err, PERR_TRANSIENT, 0, "refresh", j->refresh_err);
            ej_finish_error(e, j);
        }
    }
}

static void *refresh_main(void *arg)
{
    engine *e = arg;
    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (e->nqueue == 0 && !e->stop_refresh)
            pthread_cond_wait(&e->refresh_cv, &e->mu);
        if (e->nqueue == 0 && e->stop_refresh)
            break;
        ejob *j = e->refresh_queue[--e->nqueue];
        pthread_mutex_unlock(&e->mu);
        int refreshed = 0;
        char err[200] = "", status[24];
        /* Several targets of one account meet the same dead token: refresh once, and let the
           others take the token that refresh stored. */
        char *cur = malloc(PLAT_TOKEN_MAX);
        app_err r = APP_OK;
        if (cur == NULL ||
            acct_access_token(e->a, j->sj.account_id, cur, PLAT_TOKEN_MAX, status, sizeof status) !=
                APP_OK ||
            strcmp(cur, j->token) == 0)
            r = acct_refresh(e->a, j->sj.account_id, 1, &refreshed, err, sizeof err);
        if (cur != NULL) {
            sodium_memzero(cur, PLAT_TOKEN_MAX);
            free(cur);
        }
        app_err t = acct_access_token(e->a, j->sj.account_id, j->token, sizeof j->token, status,
                                      sizeof status);
        /* 1 renewed; 0 refused for good (the account now needs reconnecting); -1 not now */
        j->refresh_ok = r == APP_OK && t == APP_OK ? 1 : t == APP_EPERM ? 0 : -1;
        if (j->refresh_ok == 0)
            snprintf(j->refresh_err, sizeof j->refresh_err,
                     "the platform no longer accepts this account's access and it could not be "
                     "renewed%s%s%s",
                     err[0] ? ": " : "", err,
                     strstr(err, "reconnect") != NULL ? "" : "; reconnect the account");
        else
            snprintf(j->refresh_err, sizeof j->refresh_err,
                     "the account's access expired and could not be renewed just now%s%s; "
                     "trying again later",
                     err[0] ? ": " : "", err);
        pthread_mutex_lock(&e->mu);
        if (e->ndone < e->cap)
            e->refresh_done[e->ndone++] = j;
        pthread_mutex_unlock(&e->mu);
        curl_multi_wakeup(e->multi);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

static void *engine_main(void *arg)
{
    engine *e = arg;
    const app *a = e->a;
    int64_t next_claim = 0, next_renew = 0;
    int64_t lease_ms = (int64_t)a->cfg->engine_lease_s * 1000;
    int backlog = 0; /* more was due than fitted: claim again as soon as there is room */
    /* ... room for an eighth of the slots at least: a claim sorts every due target, so a
       long backlog is taken in few claims, not one per finished job */
    int claim_min = a->cfg->engine_inflight / 8 > 0 ? a->cfg->engine_inflight / 8 : 1;
    for (;;) {
        int64_t now = clock_now_ms();
        pthread_mutex_lock(&e->mu);
        int stopping = e->stopping, woken = e->woken;
        e->woken = 0;
        pthread_mutex_unlock(&e->mu);
        if (stopping && (e->njobs == 0 || now >= e->stop_deadline))
            break;
        /* One pass: send what the writer put on record, take the answers that came, claim into
           the room they left, step and dispatch, then hand all of it to the writer. */
        ej_take_written(e);
        int running = 0;
        curl_multi_perform(e->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            ejob *dj = find_by_easy(m->easy_handle);
            if (dj != NULL)
                transfer_done(e, dj, m->data.result);
        }
        int room = a->cfg->engine_inflight - (int)e->njobs;
        if (!stopping && (woken || now >= next_claim || (backlog && room >= claim_min))) {
            int got = claim(e);
            int64_t due = 0;
            if (got < room && got < STORE_JOBS_CLAIM_MAX)
                store_jobs_next_due(a->db, &due);
            else
                due = 1; /* took all it could: there may well be more */
            now = clock_now_ms();
            next_claim = now + CLAIM_EVERY_MS;
            backlog = 0;
            if (due > 0 && due <= now) {
                /* more is due: take it when a slot frees up (a finished job), not by spinning;
                   if nothing could be taken with room left, look again shortly */
                if (got > 0 || (int)e->njobs >= a->cfg->engine_inflight)
                    backlog = 1;
                else
                    next_claim = now + 50;
            } else if (due > 0 && due < next_claim) {
                next_claim = due > now ? due : now;
            }
        }
        if (now >= next_renew) {
            renew(e);
            next_renew = now + lease_ms / 3;
        }
        drain_refreshes(e);
        /* step what is ready, dispatch what waits for a slot, wake what waited */
        int64_t next_timer = now + POLL_MAX_MS;
        ejob *j = e->jobs;
        while (j != NULL) {
            ejob *next = j->next; /* j may be freed */
            if (j->phase == EJ_WAIT && j->wake_at <= now)
                j->phase = EJ_READY;
            if (j->phase == EJ_READY)
                step(e, j, NULL);
            else if (j->phase == EJ_QUEUED)
                dispatch(e, j);
            else if (j->phase == EJ_WAIT && j->wake_at < next_timer)
                next_timer = j->wake_at;
            j = next;
        }
        ej_flush(e); /* to the writer; its requests go out once they are on record */
        curl_multi_perform(e->multi, &running);
        now = clock_now_ms();
        int64_t until = next_timer < next_claim ? next_timer : next_claim;
        if (next_renew < until)
            until = next_renew;
        int timeout = (int)(until - now);
        if (timeout < 0)
            timeout = 0;
        if (timeout > POLL_MAX_MS)
            timeout = POLL_MAX_MS;
        /* something ready to step, or room for what is due: do not sleep */
        for (ejob *k = e->jobs; k != NULL && timeout > 0; k = k->next)
            if (k->phase == EJ_READY)
                timeout = 0;
        if (backlog && a->cfg->engine_inflight - (int)e->njobs >= claim_min)
            timeout = 0;
        curl_multi_poll(e->multi, NULL, 0, timeout, NULL);
    }
    /* what is on its way to the store gets there (and its requests go out, or end) */
    while (e->npend > 0 || e->writes_out > 0) {
        ej_flush(e);
        curl_multi_poll(e->multi, NULL, 0, 100, NULL);
        ej_take_written(e);
    }
    /* give back what is not finished: due again at once, for any worker */
    while (e->jobs != NULL) {
        ejob *j = e->jobs;
        if (j->phase == EJ_REFRESH) {
            /* the refresh thread still holds it: wait for it below */
            pthread_mutex_lock(&e->mu);
            int back = 0;
            for (size_t i = 0; i < e->ndone; i++)
                back |= e->refresh_done[i] == j;
            pthread_mutex_unlock(&e->mu);
            if (!back) {
                curl_multi_poll(e->multi, NULL, 0, 100, NULL);
                continue;
            }
        }
        store_job_release(a->db, j->sj.target_id, e->owner, clock_now_ms());
        ej_unlink(e, j);
        ej_free(e, j);
    }
    return NULL;
}

/* ---- public ---- */

/* Stop the refresh thread, and the writer too if it runs (after the loop handed it all). */
static void stop_helpers(engine *e, int writer)
{
    pthread_mutex_lock(&e->mu);
    e->stop_refresh = 1;
    e->stop_writer = 1;
    pthread_cond_signal(&e->refresh_cv);
    pthread_cond_signal(&e->write_cv);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->refresh_thread, NULL);
    if (writer)
        pthread_join(e->writer, NULL);
}

engine *engine_start(const app *a)
{
    engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->a = a;
    snprintf(e->owner, sizeof e->owner, "%s-%08x", a->node_id, randombytes_random());
    e->cap = (size_t)a->cfg->engine_inflight + 16;
    e->refresh_queue = calloc(e->cap, sizeof *e->refresh_queue);
    e->refresh_done = calloc(e->cap, sizeof *e->refresh_done);
    e->tokens = calloc(TOKEN_MEMO_MAX, sizeof *e->tokens);
    e->multi = curl_multi_init();
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->refresh_cv, NULL);
    pthread_cond_init(&e->write_cv, NULL);
    if (e->multi == NULL || e->refresh_queue == NULL || e->refresh_done == NULL ||
        e->tokens == NULL)
        goto fail;
    curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)a->cfg->engine_per_platform);
    if (pthread_create(&e->refresh_thread, NULL, refresh_main, e) != 0)
        goto fail;
    if (pthread_create(&e->writer, NULL, ej_writer_main, e) != 0) {
        stop_helpers(e, 0);
        goto fail;
    }
    if (pthread_create(&e->thread, NULL, engine_main, e) != 0) {
        stop_helpers(e, 1);
        goto fail;
    }
    log_event(&a->log, LOG_INFO, "publishing worker started",
              json_pack("{s:s, s:i}", "worker", e->owner, "inflight", a->cfg->engine_inflight));
    return e;
fail:
    log_event(&a->log, LOG_ERROR, "the publishing worker could not start", NULL);
    if (e->multi != NULL)
        curl_multi_cleanup(e->multi);
    free(e->refresh_queue);
    free(e->refresh_done);
    free(e->tokens);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->refresh_cv);
    pthread_cond_destroy(&e->write_cv);
    free(e);
    return NULL;
}

void engine_wake(engine *e)
{
    if (e == NULL)
        return;
    pthread_mutex_lock(&e->mu);
    e->woken = 1;
    pthread_mutex_unlock(&e->mu);
    curl_multi_wakeup(e->multi);
}

void engine_stop(engine *e, int timeout_s)
{
    if (e == NULL)
        return;
    pthread_mutex_lock(&e->mu);
    e->stopping = 1;
    e->stop_deadline = clock_now_ms() + (int64_t)timeout_s * 1000;
    pthread_mutex_unlock(&e->mu);
    curl_multi_wakeup(e->multi);
    pthread_join(e->thread, NULL);
    stop_helpers(e, 1);
    curl_multi_cleanup(e->multi);
    while (e->ntokens > 0)
        ej_memo_forget(e, e->tokens[0].account_id);
    free(e->tokens);
    free(e->pend);
    free(e->refresh_queue);
    free(e->refresh_done);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->refresh_cv);
    pthread_cond_destroy(&e->write_cv);
    free(e);
}

json_t *engine_counters(engine *e)
{
    if (e == NULL)
        return json_null();
    pthread_mutex_lock(&e->mu);
    json_t *o = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "worker", e->owner, "in_flight",
        (json_int_t)e->njobs, "claimed", (json_int_t)e->claimed, "published",
        (json_int_t)e->published, "failed", (json_int_t)e->failed, "retries",
        (json_int_t)e->retries, "recovered", (json_int_t)e->recovered, "reconciled_found",
        (json_int_t)e->reconciled_found, "reconciled_missing", (json_int_t)e->reconciled_missing,
        "token_refreshes", (json_int_t)e->refreshes, "requests", (json_int_t)e->requests);
    pthread_mutex_unlock(&e->mu);
    return o;
}
