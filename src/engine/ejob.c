/* ejob.c - the worker's job list, remembered tokens and small helpers (see exec_int.h). */
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

static const char *const PLATFORMS[NPLAT] = {"facebook", "instagram", "linkedin", "youtube", "x"};

int ej_platform_index(const char *p)
{
    for (int i = 0; i < NPLAT; i++)
        if (strcmp(PLATFORMS[i], p) == 0)
            return i;
    return -1;
}

/* URL without its query (which may carry tokens) for the attempt log. */
void ej_loggable_url(const char *url, char *out, size_t outlen)
{
    size_t n = strcspn(url, "?#");
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, url, n);
    out[n] = '\0';
}

const char *ej_err_kind_name(plat_err_kind k)
{
    switch (k) {
    case PERR_TOKEN_EXPIRED:
        return "token_expired";
    case PERR_REVOKED:
        return "revoked";
    case PERR_DENIED:
        return "denied";
    case PERR_INVALID:
        return "invalid";
    case PERR_RATE_LIMITED:
        return "rate_limited";
    case PERR_TRANSIENT:
        return "transient";
    case PERR_PERMANENT:
        return "permanent";
    default:
        return "none";
    }
}

void ej_err_set(plat_error *pe, plat_err_kind kind, int status, const char *code, const char *msg)
{
    pe->kind = kind;
    pe->http_status = status;
    snprintf(pe->code, sizeof pe->code, "%s", code);
    snprintf(pe->message, sizeof pe->message, "%s", msg);
}

void ej_count(engine *e, int64_t *field)
{
    pthread_mutex_lock(&e->mu);
    (*field)++;
    pthread_mutex_unlock(&e->mu);
}

void ej_free_transfer(engine *e, ejob *j)
{
    if (j->xf.easy != NULL)
        curl_multi_remove_handle(e->multi, j->xf.easy);
    transfer_clear(&j->xf);
    if (j->platform_slot >= 0) {
        e->platform_busy[j->platform_slot]--;
        j->platform_slot = -1;
    }
}

void ej_free(engine *e, ejob *j)
{
    ej_free_transfer(e, j);
    pub_job_free(&j->pj);
    json_decref(j->options);
    db_rows_free(j->mrows);
    free(j->lib);
    free(j->links);
    sodium_memzero(j->token, sizeof j->token);
    store_job_clear(&j->sj);
    free(j);
}

void ej_unlink(engine *e, ejob *j)
{
    if (j->prev == NULL && e->jobs != j)
        return; /* not in the list */
    if (j->prev != NULL)
        j->prev->next = j->next;
    else
        e->jobs = j->next;
    if (j->next != NULL)
        j->next->prev = j->prev;
    else
        e->last = j->prev;
    j->next = j->prev = NULL;
    pthread_mutex_lock(&e->mu);
    e->njobs--;
    pthread_mutex_unlock(&e->mu);
}

/* Append a claimed job: slots that free up go to the jobs that waited longest. */
void ej_append(engine *e, ejob *j)
{
    j->prev = e->last;
    j->next = NULL;
    if (e->last != NULL)
        e->last->next = j;
    else
        e->jobs = j;
    e->last = j;
    pthread_mutex_lock(&e->mu);
    e->njobs++;
    e->claimed++;
    pthread_mutex_unlock(&e->mu);
}

/* ---- access tokens, remembered a little while ---- */

/* Forget an account's remembered token (it failed, or was renewed elsewhere). */
void ej_memo_forget(engine *e, int64_t account_id)
{
    for (size_t i = 0; i < e->ntokens; i++)
        if (e->tokens[i].account_id == account_id) {
            if (e->tokens[i].token != NULL) {
                sodium_memzero(e->tokens[i].token, strlen(e->tokens[i].token));
                free(e->tokens[i].token);
            }
            e->tokens[i] = e->tokens[--e->ntokens];
            return;
        }
}

void ej_memo_put(engine *e, int64_t account_id, app_err err, const char *token)
{
    ej_memo_forget(e, account_id);
    if (e->ntokens == TOKEN_MEMO_MAX) { /* the oldest goes */
        size_t old = 0;
        for (size_t i = 1; i < e->ntokens; i++)
            if (e->tokens[i].at < e->tokens[old].at)
                old = i;
        ej_memo_forget(e, e->tokens[old].account_id);
    }
    char *copy = token != NULL ? strdup(token) : NULL;
    if (token != NULL && copy == NULL)
        return;
    e->tokens[e->ntokens++] = (token_memo){account_id, err, clock_now_ms(), copy};
}

/*
 * An account's access token: the one read in the last TOKEN_MEMO_MS, or
 * read now (many targets of one account read it once).  A token renewed
 * meanwhile by another process is caught by the refresh-and-retry.
 */
app_err ej_memo_token(engine *e, int64_t account_id, char *out, size_t outlen)
{
    int64_t now = clock_now_ms();
    for (size_t i = 0; i < e->ntokens; i++)
        if (e->tokens[i].account_id == account_id && now - e->tokens[i].at < TOKEN_MEMO_MS) {
            snprintf(out, outlen, "%s", e->tokens[i].token != NULL ? e->tokens[i].token : "");
            return e->tokens[i].err;
        }
    char status[24] = "";
    app_err err = acct_access_token(e->a, account_id, out, outlen, status, sizeof status);
    ej_memo_put(e, account_id, err, err == APP_OK ? out : NULL);
    return err;
}
