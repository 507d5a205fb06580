/*
 * admin.c - the simulator's own API under /_sim (JSON) and its page /_sim/.
 *
 *   GET  /_sim/health                 {"ok":true}
 *   GET  /_sim/state                  everything
 *   GET  /_sim/requests?platform=     the request log (newest last)
 *   GET  /_sim/posts?platform=        what was published
 *   GET  /_sim/tokens?platform=       tokens issued
 *   GET  /_sim/media/{id}             stored media bytes
 *   POST /_sim/reset                  forget everything (faults included)
 *   POST /_sim/faults                 {platform?, method?, path?, status?, body?, count?, drop?,
 * delay_ms?} DELETE /_sim/faults               remove every fault POST /_sim/latency {platform|"*",
 * ms, jitter_ms?} POST /_sim/ratelimit              {platform, limit, window_s}  (limit 0 = off)
 *   POST /_sim/processing             {platform, polls?, fail?}
 *   POST /_sim/tokens/expire          {token} | {platform, subject}
 *   POST /_sim/tokens/revoke          {token} | {family} | {platform, subject}
 *   POST /_sim/clock                  {advance_s}
 *   GET  /_sim/                       the page: what was published, per platform and account
 */
#define _GNU_SOURCE
#include "sim_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Copy of state[key], filtered to items whose "platform" is platform (if given). */
static json_t *filtered(sim *s, const char *key, const char *platform)
{
    json_t *src = json_object_get(s->state, key);
    json_t *out = json_array();
    if (json_is_array(src)) {
        size_t i;
        json_t *v;
        json_array_foreach(src, i, v)
        {
            const char *p = json_string_value(json_object_get(v, "platform"));
            if (platform == NULL || (p != NULL && strcmp(p, platform) == 0))
                json_array_append(out, v);
        }
    } else {
        const char *k;
        json_t *v;
        json_object_foreach(src, k, v)
        {
            const char *p = json_string_value(json_object_get(v, "platform"));
            if (platform == NULL || (p != NULL && strcmp(p, platform) == 0))
                json_array_append(out, v);
        }
    }
    json_t *copy = json_deep_copy(out);
    json_decref(out);
    return copy;
}

/* Apply fn to every token matching body's {token} or {platform, subject} or {family}. */
static int mark_tokens(sim *s, json_t *body, const char *field)
{
    const char *tok = json_string_value(json_object_get(body, "token"));
    const char *fam = json_string_value(json_object_get(body, "family"));
    const char *plat = json_string_value(json_object_get(body, "platform"));
    const char *subj = json_string_value(json_object_get(body, "subject"));
    int n = 0;
    const char *k;
    json_t *t;
    json_object_foreach(json_object_get(s->state, "tokens"), k, t)
    {
        const char *tf = json_string_value(json_object_get(t, "family"));
        int hit = (tok != NULL && strcmp(k, tok) == 0) ||
                  (fam != NULL && tf != NULL && strcmp(tf, fam) == 0) ||
                  (plat != NULL && subj != NULL &&
                   strcmp(json_string_value(json_object_get(t, "platform")), plat) == 0 &&
                   strcmp(json_string_value(json_object_get(t, "subject")), subj) == 0);
        if (!hit)
            continue;
        if (strcmp(field, "revoked") == 0)
            json_object_set_new(t, "revoked", json_true());
        else
            json_object_set_new(t, "expires_at", json_integer(sim_now(s) - 1));
        n++;
    }
    return n;
}

/* Escape text for HTML into a growing buffer. */
static void html_esc(char **buf, size_t *len, size_t *cap, const char *text)
{
    for (const char *p = text != NULL ? text : ""; *p; p++) {
        const char *rep = NULL;
        char one[2] = {*p, 0};
        switch (*p) {
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '&':
            rep = "&amp;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            rep = one;
            break;
        }
        size_t rl = strlen(rep);
        if (*len + rl + 1 > *cap) {
            *cap = (*cap + rl + 1) * 2;
            *buf = realloc(*buf, *cap);
        }
        memcpy(*buf + *len, rep, rl);
        *len += rl;
        (*buf)[*len] = '\0';
    }
}

static void html_raw(char **buf, size_t *len, size_t *cap, const char *text)
{
    size_t rl = strlen(text);
    if (*len + rl + 1 > *cap) {
        *cap = (*cap + rl + 1) * 2;
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, text, rl + 1);
    *len += rl;
}

/* The page: posts grouped by platform and account, newest first. */
static void page(sim *s, sim_resp *out)
{
    size_t len = 0, cap = 8192;
    char *b = malloc(cap);
    b[0] = '\0';
    html_raw(&b, &len, &cap,
             "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             "<title>Platform simulator</title><style>"
             "body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}"
             "header{background:#1d2330;color:#fff;padding:16px 24px}h1{margin:0;font-size:20px}"
             "main{max-width:960px;margin:0 auto;padding:24px}h2{margin:32px 0 8px}"
             "h3{margin:16px 0 8px;font-size:15px;color:#4a5468}"
             ".post{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:12px 16px;"
             "margin:8px 0}.meta{color:#6b7488;font-size:13px}.media img{max-width:160px;"
             "max-height:160px;border-radius:4px;margin:6px 6px 0 0}.empty{color:#6b7488}"
             "pre{white-space:pre-wrap;margin:6px 0;font:inherit}</style></head><body>"
             "<header><h1>Platform simulator</h1><div>What the five platforms received. "
             "Nothing here leaves this machine.</div></header><main>");
    static const char *const plats[] = {"facebook", "instagram", "linkedin", "youtube", "x"};
    static const char *const titles[] = {"Facebook", "Instagram", "LinkedIn", "YouTube", "X"};
    sim_lock(s);
    json_t *posts = json_object_get(s->state, "posts");
    for (size_t pi = 0; pi < 5; pi++) {
        html_raw(&b, &len, &cap, "<h2>");
        html_raw(&b, &len, &cap, titles[pi]);
        html_raw(&b, &len, &cap, "</h2>");
        json_t *accounts = json_object();
        for (size_t i = json_array_size(posts); i-- > 0;) {
            json_t *p = json_array_get(posts, i);
            if (strcmp(json_string_value(json_object_get(p, "platform")), plats[pi]) != 0)
                continue;
            const char *acct = json_string_value(json_object_get(p, "account_name"));
            if (acct == NULL)
                acct = json_string_value(json_object_get(p, "account"));
            if (acct == NULL)
                acct = "unknown account";
            json_t *list = json_object_get(accounts, acct);
            if (list == NULL) {
                list = json_array();
                json_object_set_new(accounts, acct, list);
            }
            json_array_append(list, p);
        }
        if (json_object_size(accounts) == 0)
            html_raw(&b, &len, &cap, "<p class=\"empty\">Nothing published yet.</p>");
        const char *acct;
        json_t *list;
        json_object_foreach(accounts, acct, list)
        {
            html_raw(&b, &len, &cap, "<h3>");
            html_esc(&b, &len, &cap, acct);
            html_raw(&b, &len, &cap, "</h3>");
            size_t i;
            json_t *p;
            json_array_foreach(list, i, p)
            {
                char when[64];
                time_t t = (time_t)(json_integer_value(json_object_get(p, "at")) / 1000);
                struct tm tm;
                gmtime_r(&t, &tm);
                strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
                html_raw(&b, &len, &cap, "<div class=\"post\"><div class=\"meta\">");
                html_esc(&b, &len, &cap, json_string_value(json_object_get(p, "kind")));
                html_raw(&b, &len, &cap, " · ");
                html_esc(&b, &len, &cap, when);
                html_raw(&b, &len, &cap, " · id ");
                html_esc(&b, &len, &cap, json_string_value(json_object_get(p, "id")));
                html_raw(&b, &len, &cap, "</div>");
                const char *title = json_string_value(json_object_get(p, "title"));
                if (title != NULL) {
                    html_raw(&b, &len, &cap, "<strong>");
                    html_esc(&b, &len, &cap, title);
                    html_raw(&b, &len, &cap, "</strong>");
                }
                html_raw(&b, &len, &cap, "<pre>");
                html_esc(&b, &len, &cap, json_string_value(json_object_get(p, "text")));
                html_raw(&b, &len, &cap, "</pre><div class=\"media\">");
                size_t k;
                json_t *mid;
                json_array_foreach(json_object_get(p, "media"), k, mid)
                {
                    const char *id = json_string_value(mid);
                    json_t *m = json_object_get(json_object_get(s->state, "media"), id);
                    const char *type = json_string_value(json_object_get(m, "type"));
                    if (type != NULL && strncmp(type, "image/", 6) == 0) {
                        html_raw(&b, &len, &cap, "<img alt=\"\" src=\"/_sim/media/");
                        html_esc(&b, &len, &cap, id);
                        html_raw(&b, &len, &cap, "\">");
                    } else if (id != NULL) {
                        html_raw(&b, &len, &cap, "<a href=\"/_sim/media/");
                        html_esc(&b, &len, &cap, id);
                        html_raw(&b, &len, &cap, "\">video</a> ");
                    }
                }
                html_raw(&b, &len, &cap, "</div></div>");
            }
        }
        json_decref(accounts);
    }
    sim_unlock(s);
    html_raw(&b, &len, &cap, "</main></body></html>");
    sim_reply_text(out, 200, "text/html; charset=utf-8", b);
    free(b);
}

/* Serve stored media bytes. */
static void media(sim *s, const char *id, sim_resp *out)
{
    char path[1200] = "", type[96] = "application/octet-stream";
    sim_lock(s);
    json_t *m = json_object_get(json_object_get(s->state, "media"), id);
    if (m != NULL) {
        snprintf(path, sizeof path, "%s", json_string_value(json_object_get(m, "path")));
        snprintf(type, sizeof type, "%s", json_string_value(json_object_get(m, "type")));
    }
    sim_unlock(s);
    FILE *f = path[0] ? fopen(path, "rb") : NULL;
    if (f == NULL) {
        sim_reply_json(out, 404, json_pack("{s:s}", "error", "no such media"));
        return;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = malloc((size_t)(n > 0 ? n : 1));
    size_t got = data != NULL ? fread(data, 1, (size_t)n, f) : 0;
    fclose(f);
    sim_reply_bytes(out, 200, type, data, got);
    free(data);
}

void sim_admin(sim *s, sim_req *r, sim_resp *out)
{
    const char *p = r->path;
    int get = strcmp(r->method, "GET") == 0, post = strcmp(r->method, "POST") == 0;
    json_t *body = sim_json(r);
    if (!json_is_object(body))
        body = NULL;
    const char *platform = sim_query(r, "platform");

    if (get && (strcmp(p, "/_sim/") == 0 || strcmp(p, "/_sim") == 0)) {
        page(s, out);
        return;
    }
    if (get && strncmp(p, "/_sim/media/", 12) == 0) {
        media(s, p + 12, out);
        return;
    }
    if (get && strcmp(p, "/_sim/health") == 0) {
        sim_reply_json(out, 200, json_pack("{s:b}", "ok", 1));
        return;
    }
    sim_lock(s);
    if (get && strcmp(p, "/_sim/state") == 0) {
        sim_reply_json(out, 200, json_deep_copy(s->state));
    } else if (get && strcmp(p, "/_sim/requests") == 0) {
        sim_reply_json(out, 200, json_pack("{s:o}", "items", filtered(s, "requests", platform)));
    } else if (get && strcmp(p, "/_sim/posts") == 0) {
        sim_reply_json(out, 200, json_pack("{s:o}", "items", filtered(s, "posts", platform)));
    } else if (get && strcmp(p, "/_sim/tokens") == 0) {
        sim_reply_json(out, 200, json_pack("{s:o}", "items", filtered(s, "tokens", platform)));
    } else if (post && strcmp(p, "/_sim/reset") == 0) {
        json_decref(s->state);
        s->state = sim_state_new();
        atomic_store(&s->clock_offset_ms, 0);
        sim_reply_json(out, 200, json_pack("{s:b}", "ok", 1));
    } else if (post && strcmp(p, "/_sim/faults") == 0 && body != NULL) {
        json_t *rule = json_deep_copy(body);
        if (json_object_get(rule, "count") == NULL)
            json_object_set_new(rule, "count", json_integer(1));
        json_array_append_new(json_object_get(s->state, "faults"), rule);
        sim_reply_json(out, 201, json_pack("{s:O}", "fault", rule));
    } else if (strcmp(r->method, "DELETE") == 0 && strcmp(p, "/_sim/faults") == 0) {
        json_array_clear(json_object_get(s->state, "faults"));
        sim_reply_empty(out, 204);
    } else if (post && strcmp(p, "/_sim/latency") == 0 && body != NULL) {
        const char *pl = json_string_value(json_object_get(body, "platform"));
        json_object_set_new(json_object_get(s->state, "latency"), pl != NULL ? pl : "*",
                            json_deep_copy(body));
        sim_reply_json(out, 200, json_pack("{s:b}", "ok", 1));
    } else if (post && strcmp(p, "/_sim/ratelimit") == 0 && body != NULL &&
               json_is_string(json_object_get(body, "platform"))) {
        json_t *rl =
            json_pack("{s:O, s:O, s:I, s:i}", "limit", json_object_get(body, "limit"), "window_s",
                      json_object_get(body, "window_s"), "window_start", (json_int_t)0, "count", 0);
        if (rl == NULL) {
            sim_unlock(s);
            sim_reply_json(out, 400,
                           json_pack("{s:s}", "error", "limit and window_s are required"));
            return;
        }
        json_object_set_new(json_object_get(s->state, "ratelimits"),
                            json_string_value(json_object_get(body, "platform")), rl);
        sim_reply_json(out, 200, json_pack("{s:b}", "ok", 1));
    } else if (post && strcmp(p, "/_sim/processing") == 0 && body != NULL &&
               json_is_string(json_object_get(body, "platform"))) {
        json_object_set_new(json_object_get(s->state, "processing"),
                            json_string_value(json_object_get(body, "platform")),
                            json_deep_copy(body));
        sim_reply_json(out, 200, json_pack("{s:b}", "ok", 1));
    } else if (post && strcmp(p, "/_sim/tokens/expire") == 0 && body != NULL) {
        sim_reply_json(out, 200, json_pack("{s:i}", "expired", mark_tokens(s, body, "expires_at")));
    } else if (post && strcmp(p, "/_sim/tokens/revoke") == 0 && body != NULL) {
        sim_reply_json(out, 200, json_pack("{s:i}", "revoked", mark_tokens(s, body, "revoked")));
    } else if (post && strcmp(p, "/_sim/clock") == 0 && body != NULL) {
        json_int_t adv = json_integer_value(json_object_get(body, "advance_s"));
        atomic_fetch_add(&s->clock_offset_ms, (long long)adv * 1000);
        sim_reply_json(out, 200, json_pack("{s:I}", "now_ms", (json_int_t)sim_now(s)));
    } else {
        sim_reply_json(out, 404,
                       json_pack("{s:s, s:s}", "error", "no such admin route", "path", p));
    }
    sim_unlock(s);
}
