/* senders.c - the email and webhook delivery threads (see senders.h). */
#define _POSIX_C_SOURCE 200809L
#include "notify/senders.h"
#include "core/clock.h"
#include "crypto/vault.h"
#include "notify/smtp.h"
#include "notify/webhook_send.h"
#include "store/outbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How often idle threads look for rows other nodes stored and retries that fell due. */
#define POLL_MS 2000
/* Threads delivering webhooks at once (per node). */
#define HOOK_THREADS 4
/* Leases: longer than an attempt can take. */
#define EMAIL_LEASE_MS (3 * 60 * 1000)
#define HOOK_LEASE_MS  (60 * 1000)
/* An email unsent this long after it was queued fails. */
#define EMAIL_GIVE_UP_MS (24LL * 3600 * 1000)
/* How often a node without SMTP fails the emails queued over a day ago. */
#define EXPIRE_EVERY_MS (10 * 1000)

#define NOT_SET_UP "email is not set up on this server"
#define FOOTER     "Post2Share: change what you are told in Settings, Notifications."

struct senders {
    const app *a;
    pthread_mutex_t mu;
    pthread_cond_t mail_cv, hook_cv, done_cv; /* CLOCK_MONOTONIC */
    unsigned long mail_kicks, hook_kicks;     /* wake-ups asked for (guarded by mu) */
    int running;                              /* threads not yet ended (guarded by mu) */
    atomic_int stopping;                      /* claim nothing more */
    atomic_int abort_now;                     /* cut sends in flight short */
    pthread_t mail;
    int mail_started;
    pthread_t hooks[HOOK_THREADS];
    int nhooks;
};

/* One webhook thread's place. */
typedef struct hook_arg {
    struct senders *s;
    int index;
} hook_arg;

int64_t senders_email_backoff_ms(int attempt)
{
    int n = attempt < 1 ? 0 : attempt - 1;
    int64_t d = 60000LL << (n > 6 ? 6 : n);
    return d > 3600000 ? 3600000 : d;
}

int64_t senders_webhook_backoff_ms(int attempt)
{
    static const int64_t waits[WEBHOOK_RETRIES] = {10000,   60000,   300000,
                                                   1800000, 7200000, 21600000};
    return attempt >= 1 && attempt <= WEBHOOK_RETRIES ? waits[attempt - 1] : 0;
}

/* Wait until kicked (the counter moved past *seen) or ms passed (ms < 0: no limit but 30 s). */
static void wait_kick(struct senders *s, pthread_cond_t *cv, unsigned long *counter,
                      unsigned long *seen, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    int64_t ns = (int64_t)until.tv_nsec + (int64_t)(ms < 0 ? 30000 : ms) * 1000000;
    until.tv_sec += (time_t)(ns / 1000000000);
    until.tv_nsec = (long)(ns % 1000000000);
    pthread_mutex_lock(&s->mu);
    while (*counter == *seen && !atomic_load(&s->stopping))
        if (pthread_cond_timedwait(cv, &s->mu, &until) == ETIMEDOUT)
            break;
    *seen = *counter;
    pthread_mutex_unlock(&s->mu);
}

static void thread_done(struct senders *s)
{
    pthread_mutex_lock(&s->mu);
    s->running--;
    pthread_cond_broadcast(&s->done_cv);
    pthread_mutex_unlock(&s->mu);
}

void senders_wake(struct senders *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->mail_kicks++;
    s->hook_kicks++;
    pthread_cond_signal(&s->mail_cv);
    pthread_cond_broadcast(&s->hook_cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- emails ---- */

/* A growing string (NULL s after a failed allocation). */
typedef struct text {
    char *s;
    size_t len, cap;
    int oom;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->oom)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->s, cap);
        if (p == NULL) {
            t->oom = 1;
            return;
        }
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static void puts_(text *t, const char *s)
{
    put(t, s, strlen(s));
}

static void put_html(text *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *rep = s[i] == '<'   ? "&lt;"
                          : s[i] == '>' ? "&gt;"
                          : s[i] == '&' ? "&amp;"
                          : s[i] == '"' ? "&quot;"
                                        : NULL;
        if (rep != NULL)
            puts_(t, rep);
        else
            put(t, s + i, 1);
    }
}

/* The length of an email's text without its signature ("\n-- \n..."). */
static size_t without_footer(const char *body)
{
    const char *sig = strstr(body, "\n-- \n");
    size_t n = sig != NULL ? (size_t)(sig - body) : strlen(body);
    while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == ' '))
        n--;
    return n;
}

/* The digest email of a group: subject, text and HTML (malloc'd); 0 or -1 without memory. */
static int digest_email(const store_digest *g, char **subject, char **plain, char **html)
{
    char subj[400];
    const char *ws = g->workspace_name[0] ? g->workspace_name : "your workspace";
    snprintf(subj, sizeof subj, "%zu %s happened in %s", g->n, g->n == 1 ? "thing" : "things", ws);
    text t = {0}, h = {0};
    puts_(&t, subj);
    puts_(&t, ":\n");
    puts_(&h, "<!doctype html><html><body style=\"font-family:sans-serif\"><h2>");
    put_html(&h, subj, strlen(subj));
    puts_(&h, "</h2>");
    for (size_t i = 0; i < g->n; i++) {
        const store_email *m = &g->items[i];
        size_t n = without_footer(m->text_body);
        puts_(&t, "\n");
        put(&t, m->text_body, n);
        puts_(&t, "\n");
        /* HTML from the text: its first line is the title, then paragraphs and links */
        puts_(&h, "<h3>");
        put_html(&h, m->subject, strlen(m->subject));
        puts_(&h, "</h3>");
        const char *p = m->text_body, *end = m->text_body + n;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl != NULL ? nl + 1 : end;
        while (p < end) {
            nl = memchr(p, '\n', (size_t)(end - p));
            size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
            if (len > 0) {
                int link = strncmp(p, "https://", len < 8 ? len : 8) == 0 ||
                           strncmp(p, "http://", len < 7 ? len : 7) == 0;
                link = link && len > 8 && memchr(p, ' ', len) == NULL;
                if (link) {
                    puts_(&h, "<p><a href=\"");
                    put_html(&h, p, len);
                    puts_(&h, "\">");
                    put_html(&h, p, len);
                    puts_(&h, "</a></p>");
                } else {
                    puts_(&h, "<p>");
                    put_html(&h, p, len);
                    puts_(&h, "</p>");
                }
            }
            p += len + 1;
        }
    }
    puts_(&t, "\n-- \n" FOOTER "\n");
    puts_(&h, "<p style=\"color:#666;font-size:small\">" FOOTER "</p></body></html>");
    *subject = strdup(subj);
    if (t.oom || h.oom || *subject == NULL) {
        free(t.s);
        free(h.s);
        free(*subject);
        *subject = *plain = *html = NULL;
        return -1;
    }
    *plain = t.s;
    *html = h.s;
    return 0;
}

/* The email thread's state. */
typedef struct mailer {
    struct senders *s;
    const app *a;
    char owner[64];
    smtp_client *cli;    /* open while there is work */
    int64_t probe_id;    /* paused after the server could not be reached, until this row is due */
    int64_t last_expire; /* without SMTP: when old emails were last failed */
} mailer;

/*
 * Record how sending rows ids (created_at oldest, attempts the most of them)
 * went.  Returns 1 if the server could not be reached.
 */
static int mail_outcome(mailer *m, const int64_t *ids, size_t n, int64_t oldest, int attempts,
                        const smtp_outcome *o, const char *what)
{
    const app *a = m->a;
    int64_t now = clock_now_ms();
    if (o->sent) {
        if (store_email_sent(a->db, ids, n, m->owner, now) != APP_OK)
            log_event(&a->log, LOG_WARN, "an email was sent but could not be marked sent",
                      json_pack("{s:I}", "email_id", (json_int_t)ids[0]));
        log_event(&a->log, LOG_DEBUG, "email sent",
                  json_pack("{s:I, s:s, s:i}", "email_id", (json_int_t)ids[0], "kind", what,
                            "items", (int)n));
        return 0;
    }
    if (atomic_load(&m->s->abort_now)) {
        store_email_release(a->db, ids, n, m->owner);
        return 0;
    }
    int64_t next = now + senders_email_backoff_ms(attempts);
    if (o->permanent || next > oldest + EMAIL_GIVE_UP_MS) {
        store_email_failed(a->db, ids, n, m->owner, now, o->error);
        log_event(&a->log, LOG_WARN, "an email could not be sent; giving up",
                  json_pack("{s:I, s:s, s:i, s:i, s:s}", "email_id", (json_int_t)ids[0], "kind",
                            what, "attempts", attempts, "smtp_code", (int)o->code, "error",
                            o->error));
    } else {
        store_email_retry(a->db, ids, n, m->owner, next, o->error);
        log_event(&a->log, LOG_INFO, "an email could not be sent; retrying later",
                  json_pack("{s:I, s:s, s:i, s:I, s:i, s:s}", "email_id", (json_int_t)ids[0],
                            "kind", what, "attempts", attempts, "retry_in_s",
                            (json_int_t)((next - now) / 1000), "smtp_code", (int)o->code, "error",
                            o->error));
    }
    if (o->unreachable)
        m->probe_id = ids[0];
    return o->unreachable;
}

static smtp_client *client(mailer *m)
{
    if (m->cli == NULL)
        m->cli = smtp_client_new(m->a->cfg, &m->s->abort_now);
    return m->cli;
}

/* Send one due digest group; 1 if there was one. */
static int mail_digest(mailer *m)
{
    const app *a = m->a;
    int64_t now = clock_now_ms();
    store_digest g;
    int found = 0;
    int64_t gather = (int64_t)a->cfg->email_digest_minutes * 60000;
    if (store_digest_claim(a->db, m->owner, now, gather, EMAIL_LEASE_MS, &g, &found) != APP_OK ||
        !found)
        return 0;
    int64_t *ids = calloc(g.n, sizeof *ids);
    char *subject = NULL, *plain = NULL, *html = NULL;
    smtp_client *c = client(m);
    smtp_outcome o = {0};
    if (ids == NULL || c == NULL || digest_email(&g, &subject, &plain, &html) != 0) {
        snprintf(o.error, sizeof o.error, "out of memory");
    } else {
        char ref[64];
        snprintf(ref, sizeof ref, "digest-%lld", (long long)g.items[0].id);
        smtp_msg msg = {g.items[g.n - 1].to_addr, subject, plain, html, ref};
        smtp_client_send(c, &msg, &o);
    }
    for (size_t i = 0; ids != NULL && i < g.n; i++)
        ids[i] = g.items[i].id;
    if (ids != NULL)
        mail_outcome(m, ids, g.n, g.oldest, g.attempts, &o, "digest");
    free(ids);
    free(subject);
    free(plain);
    free(html);
    store_digest_clear(&g);
    return 1;
}

/* Send the email due longest; 1 if there was one. */
static int mail_one(mailer *m)
{
    const app *a = m->a;
    int64_t now = clock_now_ms();
    int due = 0;
    if (store_email_any_due(a->db, now, &due) != APP_OK || !due)
        return 0;
    store_email e;
    int found = 0;
    if (store_email_claim(a->db, m->owner, now, EMAIL_LEASE_MS, 0, &e, &found) != APP_OK || !found)
        return 0;
    smtp_client *c = client(m);
    smtp_outcome o = {0};
    char ref[64];
    snprintf(ref, sizeof ref, "email-%lld", (long long)e.id);
    smtp_msg msg = {e.to_addr, e.subject, e.text_body, e.html_body, ref};
    if (c != NULL)
        smtp_client_send(c, &msg, &o);
    else
        snprintf(o.error, sizeof o.error, "out of memory");
    mail_outcome(m, &e.id, 1, e.created_at, e.attempts, &o, "notification");
    store_email_clear(&e);
    return 1;
}

/* One look for work; 1 if something was done (look again at once). */
static int mail_pass(mailer *m)
{
    const app *a = m->a;
    int64_t now = clock_now_ms();
    if (!smtp_configured(a->cfg)) {
        if (now - m->last_expire >= EXPIRE_EVERY_MS) {
            int64_t count = 0;
            m->last_expire = now;
            if (store_email_expire(a->db, now - EMAIL_GIVE_UP_MS, now, NOT_SET_UP, &count) ==
                    APP_OK &&
                count > 0)
                log_event(&a->log, LOG_WARN,
                          "emails queued over a day ago failed: email is not set up (P2S_SMTP_URL)",
                          json_pack("{s:I}", "emails", (json_int_t)count));
        }
        return 0;
    }
    if (m->probe_id > 0) {
        /* paused: the server could not be reached; go on once the row that failed is due again
           (or was sent or failed elsewhere) */
        int pending = 0;
        int64_t next = 0;
        if (store_email_pending(a->db, m->probe_id, &pending, &next) != APP_OK)
            return 0;
        if (pending && next > now)
            return 0;
        m->probe_id = 0;
    }
    int did = mail_digest(m);
    if (m->probe_id == 0 && !atomic_load(&m->s->stopping))
        did |= mail_one(m);
    return did;
}

static void *mail_main(void *arg)
{
    mailer m = {.s = arg};
    m.a = m.s->a;
    snprintf(m.owner, sizeof m.owner, "%s/mail", m.a->node_id);
    unsigned long seen = 0;
    while (!atomic_load(&m.s->stopping)) {
        pthread_mutex_lock(&m.s->mu);
        seen = m.s->mail_kicks;
        pthread_mutex_unlock(&m.s->mu);
        if (mail_pass(&m))
            continue;
        smtp_client_free(m.cli); /* nothing to send: let the connection go */
        m.cli = NULL;
        wait_kick(m.s, &m.s->mail_cv, &m.s->mail_kicks, &seen, POLL_MS);
    }
    smtp_client_free(m.cli);
    thread_done(m.s);
    return NULL;
}

/* ---- webhooks ---- */

/* Deliver one due delivery; 1 if there was one. */
static int hook_pass(struct senders *s, const char *owner)
{
    const app *a = s->a;
    int64_t now = clock_now_ms();
    int due = 0;
    if (store_delivery_any_due(a->db, now, &due) != APP_OK || !due)
        return 0;
    store_delivery dl;
    int found = 0;
    if (store_delivery_claim(a->db, owner, now, HOOK_LEASE_MS, &dl, &found) != APP_OK || !found)
        return 0;
    /* there may be more: the other threads look too while this one sends */
    pthread_mutex_lock(&s->mu);
    s->hook_kicks++;
    pthread_cond_broadcast(&s->hook_cv);
    pthread_mutex_unlock(&s->mu);
    webhook_outcome o = {0};
    int is_test = strcmp(dl.event, "test") == 0;
    char *secret = NULL;
    char ctx[64];
    snprintf(ctx, sizeof ctx, "webhooks:%lld:secret", (long long)dl.webhook_id);
    if (dl.url[0] == '\0') {
        o.permanent = 1;
        snprintf(o.error, sizeof o.error, "the webhook was deleted");
    } else if (!dl.active && !is_test) {
        o.permanent = 1;
        snprintf(o.error, sizeof o.error, "the webhook is turned off");
    } else if (vault_open(a->keys, ctx, dl.secret_enc, dl.key_version, &secret) != APP_OK) {
        o.permanent = 1;
        snprintf(o.error, sizeof o.error,
                 "the webhook's secret cannot be read (was the key changed?); give it a new "
                 "secret");
    } else {
        webhook_post(dl.url, secret, dl.event, dl.id, dl.payload, a->cfg->webhook_allow_private,
                     &s->abort_now, &o);
    }
    vault_wipe(secret);
    now = clock_now_ms();
    json_t *f = json_pack("{s:I, s:I, s:s, s:i, s:i}", "delivery_id", (json_int_t)dl.id,
                          "webhook_id", (json_int_t)dl.webhook_id, "event", dl.event, "attempt",
                          dl.attempts, "status", o.status);
    if (o.delivered) {
        store_delivery_record(a->db, dl.id, owner, "delivered", o.status, NULL, now, now);
        log_event(&a->log, LOG_DEBUG, "webhook delivered", f);
    } else if (atomic_load(&s->abort_now)) {
        store_delivery_release(a->db, dl.id, owner);
        json_decref(f);
    } else {
        int64_t wait = o.permanent ? 0 : senders_webhook_backoff_ms(dl.attempts);
        json_object_set_new(f, "error", json_string(o.error));
        if (wait > 0) {
            store_delivery_record(a->db, dl.id, owner, "pending", o.status, o.error, now + wait,
                                  now);
            json_object_set_new(f, "retry_in_s", json_integer(wait / 1000));
            log_event(&a->log, LOG_INFO, "a webhook delivery failed; retrying later", f);
        } else {
            store_delivery_record(a->db, dl.id, owner, "failed", o.status, o.error, now, now);
            log_event(&a->log, LOG_WARN, "a webhook delivery failed for good", f);
        }
    }
    store_delivery_clear(&dl);
    return 1;
}

static void *hook_main(void *arg)
{
    hook_arg *h = arg;
    struct senders *s = h->s;
    int lead = h->index == 0;
    char owner[64];
    snprintf(owner, sizeof owner, "%s/hook%d", s->a->node_id, h->index);
    free(h);
    unsigned long seen = 0;
    while (!atomic_load(&s->stopping)) {
        pthread_mutex_lock(&s->mu);
        seen = s->hook_kicks;
        pthread_mutex_unlock(&s->mu);
        if (hook_pass(s, owner))
            continue;
        /* only the lead looks on a timer; the others wait to be woken */
        wait_kick(s, &s->hook_cv, &s->hook_kicks, &seen, lead ? POLL_MS : -1);
    }
    thread_done(s);
    return NULL;
}

/* ---- start and stop ---- */

struct senders *senders_start(const app *a)
{
    struct senders *s = calloc(1, sizeof *s);
    if (s == NULL) {
        log_msg(&a->log, LOG_ERROR, "email and webhook senders: out of memory");
        return NULL;
    }
    s->a = a;
    atomic_init(&s->stopping, 0);
    atomic_init(&s->abort_now, 0);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->mail_cv, &ca);
    pthread_cond_init(&s->hook_cv, &ca);
    pthread_cond_init(&s->done_cv, &ca);
    pthread_condattr_destroy(&ca);
    int ok = 1;
    pthread_mutex_lock(&s->mu);
    if (pthread_create(&s->mail, NULL, mail_main, s) == 0) {
        s->mail_started = 1;
        s->running++;
    } else
        ok = 0;
    for (int i = 0; ok && i < HOOK_THREADS; i++) {
        hook_arg *h = malloc(sizeof *h);
        if (h == NULL) {
            ok = 0;
            break;
        }
        *h = (hook_arg){s, i};
        if (pthread_create(&s->hooks[i], NULL, hook_main, h) != 0) {
            free(h);
            ok = 0;
            break;
        }
        s->nhooks++;
        s->running++;
    }
    pthread_mutex_unlock(&s->mu);
    if (!ok) {
        log_msg(&a->log, LOG_ERROR, "email and webhook senders: cannot start their threads");
        senders_stop(s, 0);
        return NULL;
    }
    const config *cfg = a->cfg;
    if (!smtp_configured(cfg))
        log_msg(&a->log, LOG_INFO,
                "email is not set up (P2S_SMTP_URL): emails stay queued and fail after a day");
    else if (cfg->smtp_user[0] != '\0' && strncmp(cfg->smtp_url, "smtps://", 8) != 0 &&
             strcmp(cfg->smtp_starttls, "required") != 0)
        log_msg(&a->log, LOG_WARN,
                "P2S_SMTP_STARTTLS=%s: the SMTP password may cross the network unencrypted",
                cfg->smtp_starttls);
    if (cfg->webhook_allow_private)
        log_msg(&a->log, LOG_WARN,
                "P2S_WEBHOOK_ALLOW_PRIVATE=1: webhooks may call loopback and private addresses");
    return s;
}

void senders_stop(struct senders *s, int timeout_s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stopping, 1);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_s > 0 ? timeout_s : 0;
    pthread_mutex_lock(&s->mu);
    pthread_cond_broadcast(&s->mail_cv);
    pthread_cond_broadcast(&s->hook_cv);
    while (s->running > 0)
        if (pthread_cond_timedwait(&s->done_cv, &s->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&s->mu);
    atomic_store(&s->abort_now, 1); /* sends still going are cut short */
    if (s->mail_started)
        pthread_join(s->mail, NULL);
    for (int i = 0; i < s->nhooks; i++)
        pthread_join(s->hooks[i], NULL);
    pthread_cond_destroy(&s->mail_cv);
    pthread_cond_destroy(&s->hook_cv);
    pthread_cond_destroy(&s->done_cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
