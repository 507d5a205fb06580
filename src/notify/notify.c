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

app_err notify_emit(const app *a, const notify_event *ev, int64_t *event_id)
{
    char *data = json_dumps(ev->data != NULL ? ev->data : json_object(), JSON_COMPACT);
    if (data == NULL)
        return APP_ENOMEM;
    const kind_rule *rule = ev->title != NULL ? rule_of(ev->kind) : NULL;
    store_event_member *m = NULL;
    size_t nm = 0;
    store_event_recipient *to = NULL;
    size_t nto = 0;
    char *text = NULL, *html = NULL, *ebody = NULL, *etitle = NULL, *elink = NULL;
    app_err e = APP_OK;
    if (rule != NULL) {
        e = store_event_members(a->db, ev->workspace_id, ev->kind, &m, &nm);
        to = calloc(nm > 0 ? nm : 1, sizeof *to);
        if (e == APP_OK && to == NULL)
            e = APP_ENOMEM;
        /* one email text for every recipient */
        const char *link = ev->link != NULL ? ev->link : "";
        size_t tl = strlen(ev->title) + strlen(ev->body ? ev->body : "") + strlen(link) + 200;
        text = malloc(tl);
        etitle = html_escape(ev->title);
        ebody = html_escape(ev->body ? ev->body : "");
        elink = html_escape(link);
        if (e == APP_OK && (text == NULL || etitle == NULL || ebody == NULL || elink == NULL))
            e = APP_ENOMEM;
        if (e == APP_OK) {
            snprintf(text, tl,
                     "%s\n\n%s\n%s%s\n\n-- \nPost2Share: change what you are told in "
                     "Settings, Notifications.\n",
                     ev->title, ev->body ? ev->body : "", link[0] ? "\n" : "", link);
            size_t hl = strlen(etitle) + strlen(ebody) + 2 * strlen(elink) + 400;
            html = malloc(hl);
            if (html == NULL)
                e = APP_ENOMEM;
            else
                snprintf(html, hl,
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
            to[nto++] = (store_event_recipient){m[i].user_id, in_app,    email, m[i].digest,
                                                m[i].email,   ev->title, text,  html};
        }
    }
    int64_t id = 0;
    if (e == APP_OK) {
        store_event_in in = {ev->workspace_id, ev->kind, data, rule ? ev->title : NULL,
                             ev->body,         ev->link, to,   nto};
        e = store_event_write(a->db, &in, clock_now_ms(), &id);
    }
    if (e == APP_OK) {
        if (event_id != NULL)
            *event_id = id;
        store_events_signal(a->db); /* other nodes' streams */
        if (a->on_event != NULL)
            a->on_event(a); /* this node's streams and senders */
    } else
        log_event(&a->log, LOG_ERROR, "an event could not be stored",
                  json_pack("{s:s, s:s}", "kind", ev->kind, "error", app_err_name(e)));
    free(m);
    free(to);
    free(data);
    free(text);
    free(html);
    free(etitle);
    free(ebody);
    free(elink);
    return e;
}
