/* sse.c - the live event hub and its streams (see sse.h). */
#define _GNU_SOURCE
#include "http/sse.h"
#include "core/clock.h"
#include "store/feed.h"

#include <errno.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define SSE_CHANNEL         "p2s_events" /* the NOTIFY channel (store_events_signal) */
#define SSE_BATCH           500          /* events read from the log at once */
#define SSE_TICK_MS         1000         /* the safety-net look at the log */
#define SSE_GAP_WAIT_MS     1000         /* how long a missing id is waited for (PostgreSQL) */
#define SSE_GAP_RECHECK_MS  50           /* how often, meanwhile */
#define SSE_RETRY_MS        3000         /* the reconnection delay browsers are told */
#define SSE_QUEUE_ITEMS     4096         /* a stream's queue cap, in events ... */
#define SSE_QUEUE_BYTES     (4u << 20)   /* ... and in bytes */
#define SSE_BUCKETS         4096         /* streams by user id */
#define SSE_BLOCK           4096         /* read block hint for libmicrohttpd */
#define SSE_LISTEN_RETRY_MS 5000         /* retry LISTEN after a failure */
#define SSE_LOG_EVERY_MS    30000        /* at most one store failure logged per this */

/* One message as sent, shared by every stream it goes to. */
typedef struct sse_frame {
    atomic_int refs;
    size_t len;
    char text[]; /* "id: ..\nevent: ..\ndata: ..\n\n" */
} sse_frame;

typedef struct sse_item {
    sse_frame *f;
    struct sse_item *next;
} sse_item;

typedef struct sse_client {
    struct sse_hub *hub;
    struct MHD_Connection *conn;
    int64_t user_id;
    int64_t api_key_id;
    int64_t *key_ws; /* with an API key: its workspaces, ascending */
    size_t nkey_ws;
    pthread_mutex_t mu; /* guards everything below */
    sse_item *head, *tail;
    size_t qitems, qbytes;
    size_t off;   /* bytes of head already sent */
    char pre[48]; /* sent first: "retry: N" */
    size_t pre_len, pre_off;
    int suspended;     /* the reader suspended the connection; resume to go on */
    int closing;       /* end the stream once the queue is sent */
    int beat_due;      /* send a heartbeat */
    int64_t skip_upto; /* events with id <= this were sent already (or are not wanted) */
    int64_t next_beat; /* monotonic ms of the next heartbeat */
    /* hub lists (guarded by the hub's mutex) */
    int linked;
    struct sse_client *prev, *next;
    struct sse_client *unext; /* in its user's bucket */
} sse_client;

struct sse_hub {
    const app *a;
    pthread_t thread;
    int efd; /* eventfd: wake-ups */
    atomic_int stop;
    atomic_int closing;
    int gaps;                /* ids may become visible out of order (PostgreSQL) */
    db_listener *listener;   /* NOTIFY from other nodes (PostgreSQL) */
    int64_t listen_retry_at; /* when to try LISTEN again */
    int64_t gap_id;          /* the missing id being waited for, 0 none */
    int64_t gap_since;       /* since when (monotonic ms) */
    int64_t logged_at;       /* last store failure logged */
    int64_t hb_ms;           /* heartbeat interval */
    pthread_mutex_t mu;      /* guards what follows */
    int64_t cursor;          /* every event with id <= cursor was handed out */
    sse_client *clients;
    int nclients;
    int64_t next_beat_min; /* earliest heartbeat due (monotonic ms) */
    sse_client *buckets[SSE_BUCKETS];
};

static const char PING[] = ": ping\n\n";

/* ---- frames ---- */

static sse_frame *frame_new(const char *text, size_t len)
{
    sse_frame *f = malloc(sizeof *f + len + 1);
    if (f == NULL)
        return NULL;
    atomic_init(&f->refs, 1);
    f->len = len;
    memcpy(f->text, text, len);
    f->text[len] = '\0';
    return f;
}

static sse_frame *frame_ref(sse_frame *f)
{
    atomic_fetch_add(&f->refs, 1);
    return f;
}

static void frame_unref(sse_frame *f)
{
    if (f != NULL && atomic_fetch_sub(&f->refs, 1) == 1)
        free(f);
}

/* The message for one event: its data with the workspace id added when it lacks one. */
static sse_frame *frame_of_event(const store_feed_event *ev)
{
    json_t *o = json_loads(ev->data, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    if (o != NULL && json_object_get(o, "workspace_id") == NULL)
        json_object_set_new(o, "workspace_id", json_integer(ev->workspace_id));
    char *data = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (data == NULL)
        return NULL;
    size_t cap = strlen(data) + strlen(ev->kind) + 64;
    char *text = malloc(cap);
    sse_frame *f = NULL;
    if (text != NULL) {
        int n = snprintf(text, cap, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)ev->id,
                         ev->kind, data);
        if (n > 0 && (size_t)n < cap)
            f = frame_new(text, (size_t)n);
    }
    free(text);
    free(data);
    return f;
}

/* A "reset" message: the client should reload what it shows. */
static sse_frame *frame_reset(const char *reason, int64_t id)
{
    char text[200];
    int n;
    if (id > 0)
        n = snprintf(text, sizeof text, "id: %lld\nevent: reset\ndata: {\"reason\":\"%s\"}\n\n",
                     (long long)id, reason);
    else
        n = snprintf(text, sizeof text, "event: reset\ndata: {\"reason\":\"%s\"}\n\n", reason);
    return frame_new(text, (size_t)n);
}

/* ---- a stream's queue (client mutex held) ---- */

static void queue_clear(sse_client *c)
{
    sse_item *it = c->head;
    while (it != NULL) {
        sse_item *next = it->next;
        frame_unref(it->f);
        free(it);
        it = next;
    }
    c->head = c->tail = NULL;
    c->qitems = c->qbytes = 0;
    c->off = 0;
}

/* Let the connection go on if the reader suspended it. */
static void wake_client(sse_client *c)
{
    if (c->suspended) {
        c->suspended = 0;
        MHD_resume_connection(c->conn);
    }
}

/* Put f at the end of the queue (a new reference is taken). */
static void append(sse_client *c, sse_frame *f)
{
    sse_item *it = malloc(sizeof *it);
    if (it == NULL)
        return;
    it->f = frame_ref(f);
    it->next = NULL;
    if (c->tail != NULL)
        c->tail->next = it;
    else
        c->head = it;
    c->tail = it;
    c->qitems++;
    c->qbytes += f->len;
}

/* Queue f.  A stream over its cap (a client too slow) gets "reset" and ends. */
static void enqueue(sse_client *c, sse_frame *f)
{
    if (c->closing)
        return;
    if (c->qitems >= SSE_QUEUE_ITEMS || c->qbytes + f->len > SSE_QUEUE_BYTES) {
        /* drop what is queued, but finish a message partly sent */
        sse_item *keep = c->off > 0 ? c->head : NULL;
        if (keep != NULL) {
            c->head = keep->next;
            keep->next = NULL;
        }
        size_t off = c->off;
        queue_clear(c);
        if (keep != NULL) {
            c->head = c->tail = keep;
            c->qitems = 1;
            c->qbytes = keep->f->len;
            c->off = off;
        }
        sse_frame *r = frame_reset("too_slow", 0);
        if (r != NULL) {
            append(c, r);
            frame_unref(r);
        }
        c->closing = 1;
    } else {
        append(c, f);
    }
    wake_client(c);
}

/* ---- the response body ---- */

static ssize_t client_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    sse_client *c = cls;
    (void)pos;
    pthread_mutex_lock(&c->mu);
    size_t n = 0;
    if (c->pre_off < c->pre_len) {
        size_t k = c->pre_len - c->pre_off;
        if (k > max)
            k = max;
        memcpy(buf, c->pre + c->pre_off, k);
        c->pre_off += k;
        n += k;
    }
    while (n < max && c->head != NULL) {
        sse_item *it = c->head;
        size_t k = it->f->len - c->off;
        if (k > max - n)
            k = max - n;
        memcpy(buf + n, it->f->text + c->off, k);
        n += k;
        c->off += k;
        if (c->off == it->f->len) {
            c->head = it->next;
            if (c->head == NULL)
                c->tail = NULL;
            c->qitems--;
            c->qbytes -= it->f->len;
            c->off = 0;
            frame_unref(it->f);
            free(it);
        }
    }
    if (n == 0 && c->beat_due && max >= sizeof PING - 1) {
        memcpy(buf, PING, sizeof PING - 1);
        n = sizeof PING - 1;
    }
    if (n > 0) {
        c->beat_due = 0;
        c->next_beat = clock_mono_ms() + c->hub->hb_ms;
        pthread_mutex_unlock(&c->mu);
        return (ssize_t)n;
    }
    if (c->closing) {
        pthread_mutex_unlock(&c->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    /* Nothing to send: let go of the thread until the hub resumes the connection. */
    c->suspended = 1;
    MHD_suspend_connection(c->conn);
    pthread_mutex_unlock(&c->mu);
    return 0;
}

/* ---- the hub's lists ---- */

static size_t bucket_of(int64_t user_id)
{
    uint64_t x = (uint64_t)user_id * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 52) % SSE_BUCKETS;
}

/* Hub mutex held. */
static void link_client(struct sse_hub *h, sse_client *c)
{
    c->prev = NULL;
    c->next = h->clients;
    if (h->clients != NULL)
        h->clients->prev = c;
    h->clients = c;
    size_t b = bucket_of(c->user_id);
    c->unext = h->buckets[b];
    h->buckets[b] = c;
    c->linked = 1;
    h->nclients++;
}

/* Hub mutex held. */
static void unlink_client(struct sse_hub *h, sse_client *c)
{
    if (!c->linked)
        return;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        h->clients = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    for (sse_client **p = &h->buckets[bucket_of(c->user_id)]; *p != NULL; p = &(*p)->unext)
        if (*p == c) {
            *p = c->unext;
            break;
        }
    c->linked = 0;
    h->nclients--;
}

static void client_free(sse_client *c)
{
    queue_clear(c);
    pthread_mutex_destroy(&c->mu);
    free(c->key_ws);
    free(c);
}

/* The response is gone (the connection ended): forget the stream. */
static void client_done(void *cls)
{
    sse_client *c = cls;
    struct sse_hub *h = c->hub;
    pthread_mutex_lock(&h->mu);
    unlink_client(h, c);
    pthread_mutex_unlock(&h->mu);
    client_free(c);
}

/* ---- delivery ---- */

static int key_allows(const sse_client *c, int64_t ws)
{
    if (c->api_key_id <= 0)
        return 1;
    size_t lo = 0, hi = c->nkey_ws;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (c->key_ws[mid] == ws)
            return 1;
        if (c->key_ws[mid] < ws)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* Queue ev to the streams of user_id (hub mutex held).  *f is built on first use. */
static void offer_user(struct sse_hub *h, int64_t user_id, const store_feed_event *ev,
                       sse_frame **f)
{
    for (sse_client *c = h->buckets[bucket_of(user_id)]; c != NULL; c = c->unext) {
        if (c->user_id != user_id || !key_allows(c, ev->workspace_id))
            continue;
        if (*f == NULL && (*f = frame_of_event(ev)) == NULL)
            return;
        pthread_mutex_lock(&c->mu);
        if (ev->id > c->skip_upto)
            enqueue(c, *f);
        pthread_mutex_unlock(&c->mu);
    }
}

/* Index of the first member of workspace ws in m (sorted), or nm. */
static size_t members_from(const store_feed_member *m, size_t nm, int64_t ws)
{
    size_t lo = 0, hi = nm;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m[mid].workspace_id < ws)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static void log_store_failure(struct sse_hub *h, const char *what, app_err e)
{
    int64_t now = clock_mono_ms();
    if (h->logged_at != 0 && now - h->logged_at < SSE_LOG_EVERY_MS)
        return;
    h->logged_at = now;
    log_event(&h->a->log, LOG_WARN, what,
              json_pack("{s:s, s:s}", "component", "sse", "error", app_err_name(e)));
}

/*
 * How many of the n events (read after the cursor) may be handed out now.
 * Where an id is missing (PostgreSQL: not committed yet), stop there until it
 * appears or SSE_GAP_WAIT_MS passed.  *waiting = 1 when stopped at a gap.
 */
static size_t ready_prefix(struct sse_hub *h, const store_feed_event *ev, size_t n, int *waiting)
{
    *waiting = 0;
    int64_t expect = h->cursor + 1;
    size_t take = 0;
    for (; take < n; take++) {
        if (h->gaps && ev[take].id != expect) {
            int64_t now = clock_mono_ms();
            if (h->gap_id != expect) {
                h->gap_id = expect;
                h->gap_since = now;
            }
            if (now - h->gap_since < SSE_GAP_WAIT_MS) {
                *waiting = 1;
                break;
            }
            /* given up on: a rolled-back insert, most likely */
        }
        h->gap_id = 0;
        expect = ev[take].id + 1;
    }
    return take;
}

/* Read what is new in the log and hand it to the streams.  1 if waiting at a gap. */
static int hub_read(struct sse_hub *h)
{
    for (;;) {
        store_feed_event *ev = NULL;
        size_t n = 0;
        app_err e = store_feed_after(h->a->db, h->cursor, SSE_BATCH, &ev, &n);
        if (e != APP_OK) {
            log_store_failure(h, "live events: cannot read the event log", e);
            return 0;
        }
        int waiting = 0;
        size_t take = ready_prefix(h, ev, n, &waiting);
        store_feed_member *m = NULL;
        size_t nm = 0;
        if (take > 0) {
            /* the members of the workspaces concerned, as they are now */
            int64_t *ws = malloc(take * sizeof *ws);
            size_t nws = 0;
            for (size_t i = 0; ws != NULL && i < take; i++)
                if (ev[i].user_id == 0)
                    ws[nws++] = ev[i].workspace_id;
            if (ws != NULL && nws > 0) {
                qsort(ws, nws, sizeof *ws, cmp_i64);
                size_t u = 0;
                for (size_t i = 0; i < nws; i++)
                    if (u == 0 || ws[u - 1] != ws[i])
                        ws[u++] = ws[i];
                e = store_feed_members(h->a->db, ws, u, &m, &nm);
            } else if (ws == NULL)
                e = APP_ENOMEM;
            free(ws);
            if (e != APP_OK) {
                log_store_failure(h, "live events: cannot read workspace members", e);
                store_feed_free(ev, n);
                return 0;
            }
            pthread_mutex_lock(&h->mu);
            for (size_t i = 0; i < take; i++) {
                sse_frame *f = NULL;
                if (h->nclients > 0) {
                    if (ev[i].user_id > 0)
                        offer_user(h, ev[i].user_id, &ev[i], &f);
                    else
                        for (size_t k = members_from(m, nm, ev[i].workspace_id);
                             k < nm && m[k].workspace_id == ev[i].workspace_id; k++)
                            offer_user(h, m[k].user_id, &ev[i], &f);
                }
                frame_unref(f);
                h->cursor = ev[i].id;
            }
            pthread_mutex_unlock(&h->mu);
        }
        free(m);
        store_feed_free(ev, n);
        if (waiting)
            return 1;
        if (n < SSE_BATCH)
            return 0;
    }
}

/* Mark heartbeats due and resume those streams. */
static void hub_beats(struct sse_hub *h)
{
    int64_t now = clock_mono_ms();
    int64_t soonest = now + SSE_TICK_MS;
    pthread_mutex_lock(&h->mu);
    for (sse_client *c = h->clients; c != NULL; c = c->next) {
        pthread_mutex_lock(&c->mu);
        if (!c->closing && now >= c->next_beat) {
            c->beat_due = 1;
            c->next_beat = now + h->hb_ms;
            wake_client(c);
        }
        if (c->next_beat < soonest)
            soonest = c->next_beat;
        pthread_mutex_unlock(&c->mu);
    }
    h->next_beat_min = soonest;
    pthread_mutex_unlock(&h->mu);
}

static void *hub_main(void *arg)
{
    struct sse_hub *h = arg;
    int64_t next_look = 0;
    int waiting = 0;
    while (!atomic_load(&h->stop)) {
        int64_t now = clock_mono_ms();
        if (h->gaps && h->listener == NULL && now >= h->listen_retry_at) {
            char err[256];
            h->listener = db_listen(h->a->db, SSE_CHANNEL, err, sizeof err);
            if (h->listener == NULL) {
                h->listen_retry_at = now + SSE_LISTEN_RETRY_MS;
                log_event(&h->a->log, LOG_WARN, "live events: cannot LISTEN; polling each second",
                          json_pack("{s:s, s:s}", "component", "sse", "error", err));
            }
        }
        int64_t until = next_look;
        pthread_mutex_lock(&h->mu);
        if (h->nclients > 0 && h->next_beat_min < until)
            until = h->next_beat_min;
        pthread_mutex_unlock(&h->mu);
        if (waiting && now + SSE_GAP_RECHECK_MS < until)
            until = now + SSE_GAP_RECHECK_MS;
        int timeout = until > now ? (int)(until - now) : 0;
        struct pollfd pfd[2] = {{.fd = h->efd, .events = POLLIN}, {.fd = -1}};
        int nfd = 1;
        if (h->listener != NULL && (pfd[1].fd = db_listener_fd(h->listener)) >= 0) {
            pfd[1].events = POLLIN;
            nfd = 2;
        }
        int rc = poll(pfd, (nfds_t)nfd, timeout);
        if (rc < 0 && errno != EINTR)
            break;
        uint64_t v;
        if (pfd[0].revents & POLLIN)
            while (read(h->efd, &v, sizeof v) == (ssize_t)sizeof v)
                ;
        if (h->listener != NULL)
            db_listener_wait(h->listener, 0); /* take notifications; reconnect if lost */
        if (atomic_load(&h->stop))
            break;
        now = clock_mono_ms();
        if (rc > 0 || now >= next_look || waiting) {
            waiting = hub_read(h);
            next_look = clock_mono_ms() + SSE_TICK_MS;
        }
        hub_beats(h);
    }
    return NULL;
}

/* ---- the hub's life ---- */

struct sse_hub *sse_hub_start(const app *a)
{
    struct sse_hub *h = calloc(1, sizeof *h);
    if (h == NULL) {
        log_msg(&a->log, LOG_ERROR, "live events: out of memory");
        return NULL;
    }
    h->a = a;
    h->hb_ms = (int64_t)(a->cfg->sse_heartbeat_s > 0 ? a->cfg->sse_heartbeat_s : 15) * 1000;
    h->gaps = db_kind(a->db) == DB_POSTGRES;
    atomic_init(&h->stop, 0);
    atomic_init(&h->closing, 0);
    pthread_mutex_init(&h->mu, NULL);
    h->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    app_err e = h->efd >= 0 ? store_feed_last_id(a->db, &h->cursor) : APP_EIO;
    if (e != APP_OK) {
        log_event(&a->log, LOG_ERROR, "live events: cannot start",
                  json_pack("{s:s, s:s}", "component", "sse", "error", app_err_name(e)));
        if (h->efd >= 0)
            close(h->efd);
        pthread_mutex_destroy(&h->mu);
        free(h);
        return NULL;
    }
    if (h->gaps) {
        char err[256];
        h->listener = db_listen(a->db, SSE_CHANNEL, err, sizeof err);
        if (h->listener == NULL) {
            h->listen_retry_at = clock_mono_ms() + SSE_LISTEN_RETRY_MS;
            log_event(&a->log, LOG_WARN, "live events: cannot LISTEN; polling each second",
                      json_pack("{s:s, s:s}", "component", "sse", "error", err));
        }
    }
    if (pthread_create(&h->thread, NULL, hub_main, h) != 0) {
        log_msg(&a->log, LOG_ERROR, "live events: cannot start a thread");
        db_listener_close(h->listener);
        close(h->efd);
        pthread_mutex_destroy(&h->mu);
        free(h);
        return NULL;
    }
    return h;
}

void sse_hub_wake(struct sse_hub *h)
{
    if (h == NULL)
        return;
    uint64_t one = 1;
    ssize_t w = write(h->efd, &one, sizeof one); /* EAGAIN: a wake-up is pending already */
    (void)w;
}

void sse_hub_close(struct sse_hub *h)
{
    if (h == NULL)
        return;
    atomic_store(&h->closing, 1);
    pthread_mutex_lock(&h->mu);
    for (sse_client *c = h->clients; c != NULL; c = c->next) {
        pthread_mutex_lock(&c->mu);
        c->closing = 1;
        wake_client(c);
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_unlock(&h->mu);
}

void sse_hub_stop(struct sse_hub *h)
{
    if (h == NULL)
        return;
    atomic_store(&h->stop, 1);
    sse_hub_wake(h);
    pthread_join(h->thread, NULL);
    db_listener_close(h->listener);
    close(h->efd);
    pthread_mutex_lock(&h->mu);
    int left = h->nclients; /* none once the HTTP server stopped */
    pthread_mutex_unlock(&h->mu);
    if (left > 0) {
        /* their connections still hold them: leak rather than free under them */
        log_msg(&h->a->log, LOG_WARN, "live events: %d stream(s) still open at stop", left);
        return;
    }
    pthread_mutex_destroy(&h->mu);
    free(h);
}

int sse_hub_streams(struct sse_hub *h)
{
    if (h == NULL)
        return 0;
    pthread_mutex_lock(&h->mu);
    int n = h->nclients;
    pthread_mutex_unlock(&h->mu);
    return n;
}

/* ---- opening a stream ---- */

/* Headers of every stream answer. */
static struct MHD_Response *stream_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Accel-Buffering", "no"); /* nginx: do not buffer */
    /* a stream's connection is not reused: when it ends (shutdown), the browser reconnects
       afresh, through the load balancer, to a node that is up */
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    return r;
}

/* Answer a whole (short) stream body at once. */
static void reply_text(http_req *req, char *text, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(text);
        http_reply_error(req, 500, "internal_error", "out of memory", NULL);
        return;
    }
    http_reply_raw(req, 200, stream_headers(r), len);
}

/*
 * The events the caller missed, (last_id, upto], as frames: "reset" first
 * when there were more than SSE_REPLAY_MAX.  *out malloc'd.
 */
static app_err missed(struct sse_hub *h, const sse_request *rq, int64_t upto, sse_frame ***out,
                      size_t *nout)
{
    *out = NULL;
    *nout = 0;
    store_feed_event *ev = NULL;
    size_t n = 0;
    int more = 0;
    app_err e = store_feed_for_user(h->a->db, rq->user_id, rq->api_key_id, rq->last_id, upto,
                                    SSE_REPLAY_MAX, &ev, &n, &more);
    if (e != APP_OK)
        return e;
    sse_frame **f = calloc(n + 1, sizeof *f);
    size_t k = 0;
    if (f == NULL)
        e = APP_ENOMEM;
    if (e == APP_OK && more && (f[k] = frame_reset("missed_too_many", 0)) != NULL)
        k++;
    for (size_t i = 0; e == APP_OK && i < n; i++)
        if ((f[k] = frame_of_event(&ev[i])) != NULL)
            k++;
    store_feed_free(ev, n);
    *out = f;
    *nout = k;
    return e;
}

static void frames_free(sse_frame **f, size_t n)
{
    for (size_t i = 0; f != NULL && i < n; i++)
        frame_unref(f[i]);
    free(f);
}

/* The reconnection delay line every stream starts with. */
static int retry_line(char *out, size_t outlen)
{
    return snprintf(out, outlen, "retry: %d\n\n", SSE_RETRY_MS);
}

/* once: the missed events in one answer. */
static void open_once(struct sse_hub *h, http_req *req, const sse_request *rq)
{
    pthread_mutex_lock(&h->mu);
    int64_t upto = h->cursor;
    pthread_mutex_unlock(&h->mu);
    sse_frame **f = NULL;
    size_t n = 0;
    if (rq->has_last && rq->last_id < upto) {
        app_err e = missed(h, rq, upto, &f, &n);
        if (e != APP_OK) {
            http_reply_error(req, 503, "unavailable", "the event log cannot be read now; retry",
                             NULL);
            return;
        }
    }
    size_t len = 64;
    for (size_t i = 0; i < n; i++)
        len += f[i]->len;
    char *text = malloc(len);
    if (text == NULL) {
        frames_free(f, n);
        http_reply_error(req, 500, "internal_error", "out of memory", NULL);
        return;
    }
    size_t o = (size_t)retry_line(text, len);
    for (size_t i = 0; i < n; i++) {
        memcpy(text + o, f[i]->text, f[i]->len);
        o += f[i]->len;
    }
    frames_free(f, n);
    reply_text(req, text, o);
}

void sse_open(struct sse_hub *h, http_req *req, const sse_request *rq)
{
    if (h == NULL) {
        http_reply_error(req, 503, "unavailable", "live events are not running on this server",
                         NULL);
        return;
    }
    char line[48];
    int ll = retry_line(line, sizeof line);
    if (strcmp(req->method, "HEAD") == 0 || atomic_load(&h->closing)) {
        /* shutting down: "come back in a moment" (a browser reconnects, to a node that is up) */
        char *text = strdup(line);
        if (text == NULL)
            http_reply_error(req, 500, "internal_error", "out of memory", NULL);
        else
            reply_text(req, text, (size_t)ll);
        return;
    }
    if (rq->once) {
        open_once(h, req, rq);
        return;
    }
    sse_client *c = calloc(1, sizeof *c);
    if (c == NULL) {
        http_reply_error(req, 500, "internal_error", "out of memory", NULL);
        return;
    }
    c->hub = h;
    c->conn = req->conn;
    c->user_id = rq->user_id;
    c->api_key_id = rq->api_key_id;
    memcpy(c->pre, line, (size_t)ll);
    c->pre_len = (size_t)ll;
    c->next_beat = clock_mono_ms() + h->hb_ms;
    pthread_mutex_init(&c->mu, NULL);
    app_err e = APP_OK;
    if (c->api_key_id > 0)
        e = store_feed_key_workspaces(h->a->db, c->api_key_id, &c->key_ws, &c->nkey_ws);
    if (e != APP_OK) {
        client_free(c);
        http_reply_error(req, 503, "unavailable", "the event log cannot be read now; retry", NULL);
        return;
    }

    /* From here the hub queues every new event for this stream ... */
    pthread_mutex_lock(&h->mu);
    /* sse_hub_close may have run since the check above: then this one ends at once too */
    c->closing = atomic_load(&h->closing);
    int64_t upto = h->cursor;
    if (rq->has_last && rq->last_id > upto)
        c->skip_upto = rq->last_id; /* another node's stream was ahead of this hub */
    link_client(h, c);
    if (c->next_beat < h->next_beat_min)
        h->next_beat_min = c->next_beat;
    pthread_mutex_unlock(&h->mu);

    /* ... and what was missed before goes in front of it. */
    sse_frame **f = NULL;
    size_t n = 0;
    if (rq->has_last && rq->last_id < upto)
        e = missed(h, rq, upto, &f, &n);
    else if (rq->has_last && rq->last_id > upto) {
        int64_t newest = 0;
        e = store_feed_last_id(h->a->db, &newest);
        if (e == APP_OK && rq->last_id > newest) {
            /* an id this database never gave (restored from a backup?): start afresh */
            f = calloc(1, sizeof *f);
            if (f != NULL && (f[0] = frame_reset("unknown_last_event_id", 0)) != NULL)
                n = 1;
            pthread_mutex_lock(&c->mu);
            c->skip_upto = 0;
            pthread_mutex_unlock(&c->mu);
        }
    }
    if (e != APP_OK) {
        pthread_mutex_lock(&h->mu);
        unlink_client(h, c);
        pthread_mutex_unlock(&h->mu);
        client_free(c);
        http_reply_error(req, 503, "unavailable", "the event log cannot be read now; retry", NULL);
        return;
    }
    if (n > 0) {
        /* the stream has not started: nothing of its queue was sent yet */
        pthread_mutex_lock(&c->mu);
        sse_item *first = NULL, *last = NULL;
        for (size_t i = 0; i < n; i++) {
            sse_item *it = malloc(sizeof *it);
            if (it == NULL)
                break;
            it->f = frame_ref(f[i]);
            it->next = NULL;
            if (last != NULL)
                last->next = it;
            else
                first = it;
            last = it;
            c->qitems++;
            c->qbytes += f[i]->len;
        }
        if (first != NULL) {
            last->next = c->head;
            if (c->head == NULL)
                c->tail = last;
            c->head = first;
        }
        pthread_mutex_unlock(&c->mu);
    }
    frames_free(f, n);

    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, SSE_BLOCK, client_read, c, client_done);
    if (r == NULL) {
        client_done(c);
        http_reply_error(req, 500, "internal_error", "out of memory", NULL);
        return;
    }
    /* If queuing fails, destroying the response calls client_done. */
    http_reply_raw(req, 200, stream_headers(r), 0);
}
