/*
 * exec_int.h - what the publishing worker's files share (private to
 * src/engine/): a job in flight, the worker, the writes a pass gathers.
 *
 * executor.c runs the loop (claims, adapter steps, transfers); ejob.c keeps
 * the job list, access tokens and small helpers; outcomes.c ends targets and
 * runs the writer thread, which records each pass's writes and announces how
 * targets ended.  All of it runs on the executor thread unless said otherwise:
 * the writer reads the jobs of the writes it holds (their claims, nothing the
 * executor changes meanwhile) and counts under the lock.
 */
#ifndef P2S_ENGINE_EXEC_INT_H
#define P2S_ENGINE_EXEC_INT_H

#include "engine/engine.h"
#include "engine/transfer.h"
#include "platform/publish.h"
#include "store/jobs.h"

#include <curl/curl.h>
#include <pthread.h>

#define BACKOFF_MIN_S 30
#define BACKOFF_MAX_S 3600
#define LINK_TTL_S    (24 * 3600) /* public media links handed to platforms */

typedef enum ej_phase {
    EJ_READY = 1, /* step the adapter next loop */
    EJ_HTTP,      /* a transfer is running */
    EJ_QUEUED,    /* a request waits for a free slot (account or platform limit) */
    EJ_WAIT,      /* the adapter asked to be called again at wake_at */
    EJ_REFRESH,   /* the token is being refreshed */
    EJ_RECORD     /* its request is being recorded (sent once that is committed) */
} ej_phase;

typedef struct ejob {
    struct ejob *next, *prev; /* claim order: the oldest first */
    store_job sj;
    const pub_ops *ops;
    pub_job pj;
    json_t *options;
    db_rows *mrows;    /* media rows (the strings pub_media points at) */
    pub_media *lib;    /* every item, the post's first */
    size_t nlib, nmed; /* items in lib, of which the post's own */
    char (*links)[1024];
    char token[PLAT_TOKEN_MAX];
    int64_t attempt_id, request_id;
    int reconciling; /* running ops->reconcile */
    int refreshed;   /* the one refresh-and-retry of this attempt is used */
    int create_step; /* the transfer running is a create step */
    int lost_status; /* a create step's answer was lost (HTTP status, 0 = none): after the
                        reconciliation finds nothing, the attempt fails as passing */
    ej_phase phase;
    int64_t wake_at;
    int platform_slot; /* index in the platform table, -1 none */
    transfer xf;       /* the request in flight */
    int refresh_ok;
    char refresh_err[512];
} ejob;

#define NPLAT 5 /* platforms with a slot count (ej_platform_index) */

struct engine {
    const app *a;
    char owner[64];
    CURLM *multi;
    pthread_t thread, refresh_thread;
    pthread_mutex_t mu; /* the fields below and the refresh queue */
    pthread_cond_t refresh_cv;
    int stopping, stop_refresh;
    int woken;
    ejob *jobs, *last; /* in flight, oldest first (executor thread only) */
    size_t njobs;
    ejob **refresh_queue, **refresh_done; /* simple stacks */
    size_t nqueue, ndone, cap;
    int platform_busy[NPLAT];
    /* counters */
    int64_t claimed, published, failed, retries, reconciled_found, reconciled_missing, refreshes,
        requests, recovered;
    int64_t stop_deadline;
    int64_t claim_error_logged; /* when a failed claim was last logged */
    struct token_memo *tokens;  /* remembered access tokens (executor thread only) */
    size_t ntokens;
    struct pending *pend; /* writes of this pass, handed to the writer by ej_flush() */
    size_t npend, cappend;
    int writes_out; /* batches handed to the writer and not back yet (executor thread) */
    /* the writer thread (under mu): batches to write, batches written */
    pthread_t writer;
    pthread_cond_t write_cv;
    struct batch *to_write, *written;
    int stop_writer;
};

#define TOKEN_MEMO_MS  10000 /* how long a token read is used without reading it again */
#define TOKEN_MEMO_MAX 1024  /* accounts remembered */

typedef struct token_memo {
    int64_t account_id;
    app_err err;
    int64_t at;  /* when it was read */
    char *token; /* NULL unless err is APP_OK */
} token_memo;

/*
 * A write waiting for the end of the pass: a request to record before it is
 * sent, a request's answer, or a target's outcome.  A pass's writes go to the
 * store in one transaction (store_jobs_write); only then is a recorded request
 * sent and an outcome announced.
 */
struct batch;

typedef struct pending {
    store_job_write w;
    ejob *j; /* JW_REQUEST_START, JW_FINISH: the job (unlinked when finishing) */
    char *url, *progress, *error;
    store_job_end end; /* JW_FINISH: the outcome, its strings owned here */
    char *end_strs[8];
} pending;

/* ---- ejob.c ---- */

/* Index of a platform in the slot table, -1 for none. */
int ej_platform_index(const char *p);
/* URL without its query (which may carry tokens) for the attempt log. */
void ej_loggable_url(const char *url, char *out, size_t outlen);
const char *ej_err_kind_name(plat_err_kind k);
void ej_err_set(plat_error *pe, plat_err_kind kind, int status, const char *code, const char *msg);
/* Add one to a counter (under the worker's lock: engine_counters reads them). */
void ej_count(engine *e, int64_t *field);
/* Stop a job's transfer and give its platform slot back. */
void ej_free_transfer(engine *e, ejob *j);
void ej_free(engine *e, ejob *j);
/* Take a job out of the list (nothing if it is not in it); append one claimed. */
void ej_unlink(engine *e, ejob *j);
void ej_append(engine *e, ejob *j);
/* Access tokens remembered TOKEN_MEMO_MS: read, replace, forget. */
app_err ej_memo_token(engine *e, int64_t account_id, char *out, size_t outlen);
void ej_memo_put(engine *e, int64_t account_id, app_err err, const char *token);
void ej_memo_forget(engine *e, int64_t account_id);

/* ---- outcomes.c ---- */

/* A slot for one more write of this pass; NULL when out of memory. */
pending *ej_pend_add(engine *e, store_job_write_kind kind, ejob *j);
void ej_pend_clear(pending *p);
/* Record an outcome at the end of the pass; the job leaves the list now. */
void ej_finish(engine *e, ejob *j, const store_job_end *end);
/* End an attempt by its adapter's error (j->pj.err): retry later, or fail. */
void ej_finish_error(engine *e, ejob *j);
/*
 * Hand the pass's writes to the writer thread, which makes them in one
 * transaction (with whatever else is waiting) and announces the outcomes;
 * ej_take_written then sends the requests now on record and frees the ended
 * jobs (executor thread).  The writer wakes the executor when a batch is back.
 */
void ej_flush(engine *e);
void ej_take_written(engine *e);
/* The writer thread (arg: the engine); it ends when stop_writer is set and nothing is left. */
void *ej_writer_main(void *arg);
/* A retry in 30 s: the store could not record the attempt. */
extern const store_job_end EJ_RECORD_FAILED;

/* ---- executor.c ---- */

/* A request's record was committed (or not): send it (called by ej_flush). */
void ej_recorded(engine *e, pending *p);

#endif
