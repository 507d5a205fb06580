/*
 * outcomes.c - a pass's writes recorded together, targets ended, outcomes
 * announced (see exec_int.h).
 */
#define _GNU_SOURCE
#include "engine/exec_int.h"
#include "accounts/accounts.h"
#include "core/clock.h"
#include "core/text.h"
#include "notify/notify.h"
#include "store/accounts.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What an outcome announces: the live state change, and for people a notification. */
typedef struct announcement {
    notify_event ev[2];
    json_t *data;
    char title[200], body[1400], link[1200];
} announcement;

/* Fill an with how a target ended (after it was stored); how many events (1 or 2). */
static int announce(engine *e, const ejob *j, const store_job_end *end, int recovered,
                    const char *post_state, announcement *an)
{
    const app *a = e->a;
    const char *plat = text_platform_title(j->sj.platform);
    char ex[300];
    text_excerpt(j->sj.text != NULL ? j->sj.text : "", 60, ex, sizeof ex);
    const char *state = end->outcome == JOB_PUBLISHED ? "published"
                        : end->outcome == JOB_FAILED  ? "failed"
                                                      : "retry_wait";
    an->data = json_pack(
        "{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s?, s:s?, s:b}", "post_id",
        (json_int_t)j->sj.post_id, "target_id", (json_int_t)j->sj.target_id, "account_id",
        (json_int_t)j->sj.account_id, "platform", j->sj.platform, "account_name",
        j->sj.account_name, "state", state, "post_state", post_state, "remote_url",
        end->outcome == JOB_PUBLISHED ? end->remote_url : NULL, "error",
        end->outcome != JOB_PUBLISHED ? end->error_message : NULL, "recovered", recovered);
    an->ev[0] =
        (notify_event){j->sj.workspace_id, EV_TARGET_STATE, an->data, 0, 0, NULL, NULL, NULL};
    notify_event *ev = &an->ev[1];
    *ev = (notify_event){j->sj.workspace_id, NULL,     an->data, j->sj.author_id, 0,
                         an->title,          an->body, an->link};
    if (end->outcome == JOB_PUBLISHED) {
        ev->kind = recovered ? EV_TARGET_RECOVERED : EV_TARGET_PUBLISHED;
        snprintf(an->title, sizeof an->title, "%s on %s",
                 recovered ? "Published after all" : "Published", plat);
        snprintf(an->body, sizeof an->body, "\"%s\" %s on %s (%s).", ex,
                 recovered ? "failed before but is now live" : "is live", plat, j->sj.account_name);
        snprintf(an->link, sizeof an->link, "%s", end->remote_url != NULL ? end->remote_url : "");
        return 2;
    }
    if (end->outcome == JOB_FAILED) {
        const char *kind = end->error_kind != NULL ? end->error_kind : "";
        const char *todo = strcmp(kind, "token_expired") == 0 || strcmp(kind, "revoked") == 0 ||
                                   strcmp(kind, "denied") == 0
                               ? "Reconnect the account in Accounts, then retry the post."
                           : strcmp(kind, "transient") == 0
                               ? "The platform kept failing; retry the post later."
                               : "Change the post to fit, then retry it.";
        ev->kind = EV_TARGET_FAILED;
        snprintf(an->title, sizeof an->title, "Could not publish on %s", plat);
        snprintf(an->body, sizeof an->body, "\"%s\" did not go out on %s (%s): %s %s", ex, plat,
                 j->sj.account_name, end->error_message != NULL ? end->error_message : "", todo);
        snprintf(an->link, sizeof an->link, "%s/compose?post=%lld", a->cfg->public_url,
                 (long long)j->sj.post_id);
        return 2;
    }
    return 1;
}

/* A slot for one more write of this pass; NULL when out of memory. */
pending *ej_pend_add(engine *e, store_job_write_kind kind, ejob *j)
{
    if (e->npend == e->cappend) {
        size_t cap = e->cappend ? e->cappend * 2 : 64;
        pending *np = realloc(e->pend, cap * sizeof *np);
        if (np == NULL)
            return NULL;
        e->pend = np;
        e->cappend = cap;
    }
    pending *p = &e->pend[e->npend++];
    memset(p, 0, sizeof *p);
    p->w.kind = kind;
    p->w.now_ms = clock_now_ms();
    p->j = j;
    if (j != NULL) {
        p->w.target_id = j->sj.target_id;
        p->w.attempt_id = j->attempt_id;
        p->w.post_id = j->sj.post_id;
    }
    return p;
}

void ej_pend_clear(pending *p)
{
    free(p->url);
    free(p->progress);
    free(p->error);
    for (size_t i = 0; i < sizeof p->end_strs / sizeof p->end_strs[0]; i++)
        free(p->end_strs[i]);
}

/* Record an outcome at the end of the pass; the job leaves the list now. */
void ej_finish(engine *e, ejob *j, const store_job_end *end)
{
    ej_unlink(e, j);
    pending *p = ej_pend_add(e, JW_FINISH, j);
    if (p == NULL) {
        /* no memory to wait: give the target back, any worker takes it again */
        store_job_release(e->a->db, j->sj.target_id, e->owner, clock_now_ms());
        ej_free(e, j);
        return;
    }
    p->end = *end;
    if (p->end.outcome == JOB_RETRY && p->end.retry_at == 0)
        p->end.retry_at = p->w.now_ms + BACKOFF_MIN_S * 1000;
    const char **strs[] = {&p->end.remote_id,  &p->end.remote_url, &p->end.warning,
                           &p->end.error_kind, &p->end.error_code, &p->end.error_message,
                           &p->end.progress};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (*strs[i] != NULL) {
            p->end_strs[i] = strdup(*strs[i]);
            *strs[i] = p->end_strs[i] != NULL ? p->end_strs[i] : "";
        }
}

/* After the outcome was stored (or not): count and log; the announcement in an (writer thread;
   the executor frees the job when the batch comes back). */
static int finished(engine *e, pending *p, announcement *an)
{
    const app *a = e->a;
    ejob *j = p->j;
    const store_job_end *end = &p->end;
    app_err err = p->w.result;
    int nev = 0;
    int64_t now = p->w.now_ms;
    if (err == APP_OK)
        nev = announce(e, j, end, p->w.recovered, p->w.post_state, an);
    else if (err == APP_ECONFLICT)
        log_event(&a->log, LOG_WARN, "lost the lease of a target; its new holder goes on",
                  json_pack("{s:I}", "target_id", (json_int_t)j->sj.target_id));
    else
        log_event(&a->log, LOG_ERROR, "could not record a target's outcome",
                  json_pack("{s:I, s:s}", "target_id", (json_int_t)j->sj.target_id, "error",
                            app_err_name(err)));
    json_t *ev = json_pack("{s:I, s:I, s:s, s:s, s:s}", "target_id", (json_int_t)j->sj.target_id,
                           "post_id", (json_int_t)j->sj.post_id, "platform", j->sj.platform,
                           "post_state", p->w.post_state, "outcome",
                           end->outcome == JOB_PUBLISHED ? "published"
                           : end->outcome == JOB_FAILED  ? "failed"
                                                         : "retry");
    if (end->outcome == JOB_PUBLISHED) {
        json_object_set_new(ev, "remote_url", json_string(end->remote_url ? end->remote_url : ""));
        json_object_set_new(ev, "lateness_ms", json_integer(now - j->sj.scheduled_at));
        json_object_set_new(ev, "recovered", json_boolean(p->w.recovered));
        ej_count(e, &e->published);
        if (p->w.recovered)
            ej_count(e, &e->recovered);
    } else {
        json_object_set_new(ev, "error", json_string(end->error_message ? end->error_message : ""));
        ej_count(e, end->outcome == JOB_FAILED ? &e->failed : &e->retries);
    }
    log_event(&a->log, end->outcome == JOB_FAILED ? LOG_WARN : LOG_INFO, "target", ev);
    return nev;
}

const store_job_end EJ_RECORD_FAILED = {.outcome = JOB_RETRY,
                                        .retry_at = 0, /* set by ej_finish() */
                                        .error_kind = "transient",
                                        .error_code = "store",
                                        .error_message = "the attempt could not be recorded"};

void ej_finish_error(engine *e, ejob *j)
{
    const plat_error *pe = &j->pj.err;
    int64_t now = clock_now_ms();
    char *progress = json_dumps(j->pj.state, JSON_COMPACT); /* what was done stays known */
    store_job_end end = {.error_kind = ej_err_kind_name(pe->kind),
                         .error_code = pe->code,
                         .error_message = pe->message,
                         .progress = progress,
                         .pending = j->reconciling};
    switch (pe->kind) {
    case PERR_RATE_LIMITED:
        /* waiting is not failing */
        end.outcome = JOB_RETRY;
        end.retry_at = pe->retry_at_ms > now ? pe->retry_at_ms : now + 60000;
        break;
    case PERR_TRANSIENT:
        /* failed attempts count; rate-limit waits and reclaimed leases do not */
        if (j->sj.failures + 1 >= e->a->cfg->engine_max_attempts) {
            end.outcome = JOB_FAILED;
            break;
        }
        end.outcome = JOB_RETRY;
        end.count_failure = 1;
        {
            int64_t s = BACKOFF_MIN_S;
            for (int i = 0; i < j->sj.failures && s < BACKOFF_MAX_S; i++)
                s *= 2;
            if (s > BACKOFF_MAX_S)
                s = BACKOFF_MAX_S;
            /* +-20 % so retries of many targets do not come back together */
            int64_t jitter = (int64_t)randombytes_uniform((uint32_t)(s * 400 + 1)) - s * 200;
            end.retry_at = now + s * 1000 + jitter;
        }
        break;
    case PERR_TOKEN_EXPIRED:
    case PERR_REVOKED:
    case PERR_DENIED: {
        ej_memo_forget(e, j->sj.account_id);
        acct_lost(e->a, j->sj.account_id, pe->message);
        end.outcome = JOB_FAILED;
        break;
    }
    default:
        end.outcome = JOB_FAILED;
        break;
    }
    ej_finish(e, j, &end);
    free(progress);
}

/* A pass's writes on their way to the store. */
typedef struct batch {
    struct batch *next;
    pending *p;
    size_t n;
} batch;

/* Append b (a list) to the list at *head (under e->mu). */
static void batch_append(batch **head, batch *b)
{
    while (*head != NULL)
        head = &(*head)->next;
    *head = b;
}

void ej_flush(engine *e)
{
    if (e->npend == 0)
        return;
    batch *b = malloc(sizeof *b);
    if (b == NULL)
        return; /* kept for the next pass */
    *b = (batch){NULL, e->pend, e->npend};
    e->pend = NULL;
    e->npend = e->cappend = 0;
    pthread_mutex_lock(&e->mu);
    batch_append(&e->to_write, b);
    pthread_cond_signal(&e->write_cv);
    pthread_mutex_unlock(&e->mu);
    e->writes_out++;
}

void ej_take_written(engine *e)
{
    pthread_mutex_lock(&e->mu);
    batch *b = e->written;
    e->written = NULL;
    pthread_mutex_unlock(&e->mu);
    while (b != NULL) {
        batch *next = b->next;
        for (size_t i = 0; i < b->n; i++) {
            pending *p = &b->p[i];
            if (p->w.kind == JW_REQUEST_START)
                ej_recorded(e, p); /* sent now that it is on record, or ended */
            else if (p->w.kind == JW_FINISH)
                ej_free(e, p->j);
            ej_pend_clear(p);
        }
        free(b->p);
        free(b);
        e->writes_out--;
        b = next;
    }
}

/*
 * Write what has come (every batch waiting, in one transaction), then
 * announce the outcomes among it (one transaction of events, one wake-up of
 * streams and senders).
 */
static void write_batches(engine *e, batch *list)
{
    size_t n = 0;
    for (batch *b = list; b != NULL; b = b->next)
        n += b->n;
    store_job_write *w = malloc((n ? n : 1) * sizeof *w);
    size_t k = 0;
    for (batch *b = list; b != NULL; b = b->next)
        for (size_t i = 0; i < b->n; i++) {
            pending *p = &b->p[i];
            if (p->w.kind == JW_FINISH)
                p->w.end = &p->end;
            if (w != NULL)
                w[k++] = p->w;
            else
                store_jobs_write(e->a->db, e->owner, &p->w, 1);
        }
    if (w != NULL) {
        store_jobs_write(e->a->db, e->owner, w, n);
        k = 0;
        for (batch *b = list; b != NULL; b = b->next)
            for (size_t i = 0; i < b->n; i++)
                b->p[i].w = w[k++];
    }
    free(w);
    announcement *an = calloc(n ? n : 1, sizeof *an);
    notify_event *evs = calloc(2 * (n ? n : 1), sizeof *evs);
    size_t nev = 0, a = 0;
    for (batch *b = list; b != NULL; b = b->next)
        for (size_t i = 0; i < b->n; i++, a++) {
            pending *p = &b->p[i];
            if (p->w.kind != JW_FINISH)
                continue;
            announcement none = {0};
            announcement *x = an != NULL ? &an[a] : &none;
            int m = finished(e, p, x);
            for (int q = 0; evs != NULL && an != NULL && q < m; q++)
                evs[nev++] = x->ev[q];
            if (x == &none)
                json_decref(none.data);
        }
    if (nev > 0)
        notify_emit_many(e->a, evs, nev, NULL);
    for (size_t i = 0; an != NULL && i < n; i++)
        json_decref(an[i].data);
    free(an);
    free(evs);
}

void *ej_writer_main(void *arg)
{
    engine *e = arg;
    pthread_mutex_lock(&e->mu);
    for (;;) {
        while (e->to_write == NULL && !e->stop_writer)
            pthread_cond_wait(&e->write_cv, &e->mu);
        if (e->to_write == NULL)
            break; /* stopping, and nothing left */
        batch *list = e->to_write;
        e->to_write = NULL;
        pthread_mutex_unlock(&e->mu);
        write_batches(e, list);
        pthread_mutex_lock(&e->mu);
        batch_append(&e->written, list);
        pthread_mutex_unlock(&e->mu);
        curl_multi_wakeup(e->multi);
        pthread_mutex_lock(&e->mu);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}
