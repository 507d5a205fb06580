/* notify.c - who hears of what (see notify.h). */
#include "notify/notify.h"
#include "core/clock.h"
#include "store/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Defaults per kind: the weakest role told (the person it concerns is told
 * whatever their role), and whether email is on unless they say otherwise.
 * In the app everyone told sees it unless they turned it off.
 */
typedef struct kind_rule {
    const char *kind;
    const char *label; /* for the preferences screen */
    role min_role;     /* ROLE_NONE: only the person it concerns */
    int email;
} kind_rule;

static const kind_rule RULES[] = {
    {EV_TARGET_PUBLISHED, "A post was published", ROLE_EDITOR, 0},
    {EV_TARGET_FAILED, "A post could not be published", ROLE_EDITOR, 1},
    {EV_TARGET_RECOVERED, "A failed post went out after all", ROLE_EDITOR, 1},
    {EV_ACCOUNT_RECONNECT, "An account needs reconnecting", ROLE_EDITOR, 1},
    {EV_ACCOUNT_SOON, "An account will need reconnecting soon", ROLE_ADMIN, 1},
    {EV_POST_APPROVED, "A post I submitted was approved", ROLE_NONE, 0},
    {EV_POST_CHANGES, "A post I submitted was sent back", ROLE_NONE, 1},
    {EV_INVITE_ACCEPTED, "Someone joined through an invitation", ROLE_ADMIN, 0},
};

#define NRULES (sizeof RULES / sizeof RULES[0])

static const kind_rule *rule_of(const char *kind)
{
    for (size_t i = 0; kind != NULL && i < NRULES; i++)
        if (strcmp(RULES[i].kind, kind) == 0)
            return &RULES[i];
    return NULL;
}

int notify_kind_known(const char *kind)
{
    return rule_of(kind) != NULL;
}

json_t *notify_kinds(void)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < NRULES; i++)
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:b, s:b, s:s}", "kind", RULES[i].kind, "label",
                           RULES[i].label, "in_app", 1, "email", RULES[i].email, "roles",
                           RULES[i].min_role == ROLE_NONE ? "the person it concerns"
                                                          : rbac_role_name(RULES[i].min_role)));
    return arr;
}

/* Escape text for HTML. */
static char *html_escape(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '<' || *p == '>' ? 4 : *p == '&' ? 5 : *p == '"' ? 6 : 1;
    char *out = malloc(n + 1), *o = out;
    if (out == NULL)
        return NULL;
    for (const char *p = s; *p; p++) {
        const char *rep = *p == '<'   ? "&lt;"
                          : *p == '>' ? "&gt;"
                          : *p == '&' ? "&amp;"
                          : *p == '"' ? "&quot;"
                                      : NULL;
        if (rep != NULL) {
            memcpy(o, rep, strlen(rep));
            o += strlen(rep);
        } else
            *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* What one event writes, with the buffers it owns. */
typedef struct prepared {
    store_event_in in;
    char *data, *text, *html;
    store_event_recipient *to;
} prepared;

static void prepared_free(prepared *p)
{
    free(p->data);
    free(p->text);
    free(p->html);
    free(p->to);
}

/* Members of a workspace for a kind, read once per batch. */
typedef struct member_memo {
    int64_t workspace_id;
    const char *kind;
    store_event_member *m;
    size_t n;
} member_memo;

/* Who is told of ev and how: p->in ready to write. */
static app_err prepare(const app *a, const notify_event *ev, member_memo *memo, size_t *nmemo,
                       prepared *p)
{
    memset(p, 0, sizeof *p);
    p->data = json_dumps(ev->data != NULL ? ev->data : json_object(), JSON_COMPACT);
    if (p->data == NULL)
        return APP_ENOMEM;
    const kind_rule *rule = ev->title != NULL ? rule_of(ev->kind) : NULL;
    size_t nto = 0;
    char *ebody = NULL, *etitle = NULL, *elink = NULL;
    app_err e = APP_OK;
    if (rule != NULL) {
        member_memo *mm = NULL;
        for (size_t i = 0; i < *nmemo && mm == NULL; i++)
            if (memo[i].workspace_id == ev->workspace_id && strcmp(memo[i].kind, ev->kind) == 0)
                mm = &memo[i];
        if (mm == NULL) {
            mm = &memo[(*nmemo)++];
            mm->workspace_id = ev->workspace_id;
            mm->kind = rule->kind;
            e = store_event_members(a->db, ev->workspace_id, ev->kind, &mm->m, &mm->n);
            if (e != APP_OK) {
                mm->m = NULL;
                mm->n = 0;
            }
        }
        const store_event_member *m = mm->m;
        size_t nm = mm->n;
        p->to = calloc(nm > 0 ? nm : 1, sizeof *p->to);
        if (e == APP_OK && p->to == NULL)
            e = APP_ENOMEM;
        /* one email text for every recipient */
        const char *link = ev->link != NULL ? ev->link : "";
        size_t tl = strlen(ev->title) + strlen(ev->body ? ev->body : "") + strlen(link) + 200;
        p->text = malloc(tl);
        etitle = html_escape(ev->title);
        ebody = html_escape(ev->body ? ev->body : "");
        elink = html_escape(link);
        if (e == APP_OK && (p->text == NULL || etitle == NULL || ebody == NULL || elink == NULL))
            e = APP_ENOMEM;
        if (e == APP_OK) {
            snprintf(p->text, tl,
                     "%s\n\n%s\n%s%s\n\n-- \nPost2Share: change what you are told in "
                     "Settings, Notifications.\n",
                     ev->title, ev->body ? ev->body : "", link[0] ? "\n" : "", link);
            size_t hl = strlen(etitle) + strlen(ebody) + 2 * strlen(elink) + 400;
            p->html = malloc(hl);
            if (p->html == NULL)
                e = APP_ENOMEM;
            else
                snprintf(p->html, hl,
                         "<!doctype html><html><body style=\"font-family:sans-serif\"><h2>%s</h2>"
                         "<p>%s</p>%s%s%s%s%s<p style=\"color:#666;font-size:small\">Post2Share: "
                         "change what you are told in Settings, Notifications.</p></body></html>",
                         etitle, ebody, elink[0] ? "<p><a href=\"" : "", elink,
                         elink[0] ? "\">" : "", elink, elink[0] ? "</a></p>" : "");
        }
        for (size_t i = 0; e == APP_OK && i < nm; i++) {
            if (ev->actor > 0 && m[i].user_id == ev->actor)
                continue;
            int concerned = m[i].user_id == ev->concerns_user;
            int by_role = rule->min_role != ROLE_NONE && m[i].r >= rule->min_role;
            if (!concerned && !by_role)
                continue;
            int in_app = m[i].in_app >= 0 ? m[i].in_app : 1;
            int email = m[i].email_on >= 0 ? m[i].email_on : rule->email;
            if (!in_app && !email)
                continue;
            p->to[nto++] = (store_event_recipient){m[i].user_id, in_app,    email,   m[i].digest,
                                                   m[i].email,   ev->title, p->text, p->html};
        }
    }
    free(etitle);
    free(ebody);
    free(elink);
    p->in = (store_event_in){ev->workspace_id, ev->kind, p->data, rule ? ev->title : NULL,
                             ev->body,         ev->link, p->to,   nto};
    return e;
}

app_err notify_emit_many(const app *a, const notify_event *ev, size_t n, int64_t *event_ids)
{
    if (n == 0)
        return APP_OK;
    prepared *p = calloc(n, sizeof *p);
    member_memo *memo = calloc(n, sizeof *memo);
    size_t nmemo = 0;
    app_err e = p != NULL && memo != NULL ? APP_OK : APP_ENOMEM;
    /* who belongs to each workspace, for each kind people are told of: read at once */
    int64_t *ws = e == APP_OK ? calloc(n, sizeof *ws) : NULL;
    const char **kinds = e == APP_OK ? calloc(n, sizeof *kinds) : NULL;
    store_event_member **got = e == APP_OK ? calloc(n, sizeof *got) : NULL;
    size_t *counts = e == APP_OK ? calloc(n, sizeof *counts) : NULL;
    if (e == APP_OK && (ws == NULL || kinds == NULL || got == NULL || counts == NULL))
        e = APP_ENOMEM;
    size_t nk = 0;
    for (size_t i = 0; e == APP_OK && i < n; i++) {
        const kind_rule *rule = ev[i].title != NULL ? rule_of(ev[i].kind) : NULL;
        int seen = rule == NULL;
        for (size_t k = 0; !seen && k < nk; k++)
            seen = ws[k] == ev[i].workspace_id && strcmp(kinds[k], rule->kind) == 0;
        if (!seen) {
            ws[nk] = ev[i].workspace_id;
            kinds[nk++] = rule->kind;
        }
    }
    if (e == APP_OK)
        e = store_event_members_many(a->db, ws, kinds, nk, got, counts);
    for (size_t k = 0; e == APP_OK && k < nk; k++) {
        memo[nmemo++] = (member_memo){ws[k], kinds[k], got[k], counts[k]};
        got[k] = NULL;
    }
    free(ws);
    free(kinds);
    free(got);
    free(counts);
    for (size_t i = 0; e == APP_OK && i < n; i++)
        e = prepare(a, &ev[i], memo, &nmemo, &p[i]);
    store_event_in *in = e == APP_OK ? calloc(n, sizeof *in) : NULL;
    if (e == APP_OK && in == NULL)
        e = APP_ENOMEM;
    for (size_t i = 0; e == APP_OK && i < n; i++)
        in[i] = p[i].in;
    if (e == APP_OK)
        e = store_event_write_many(a->db, in, n, clock_now_ms(), event_ids);
    if (e == APP_OK) {
        store_events_signal(a->db); /* other nodes' streams */
        if (a->on_event != NULL)
            a->on_event(a); /* this node's streams and senders */
    } else
        log_event(&a->log, LOG_ERROR, "an event could not be stored",
                  json_pack("{s:s, s:i, s:s}", "kind", ev[0].kind, "events", (int)n, "error",
                            app_err_name(e)));
    for (size_t i = 0; p != NULL && i < n; i++)
        prepared_free(&p[i]);
    for (size_t i = 0; memo != NULL && i < nmemo; i++)
        free(memo[i].m);
    free(memo);
    free(in);
    free(p);
    return e;
}

app_err notify_emit(const app *a, const notify_event *ev, int64_t *event_id)
{
    return notify_emit_many(a, ev, 1, event_id);
}
