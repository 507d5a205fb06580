/*
 * consent.c - the OAuth consent page every simulated platform shows: the
 * app's name, the account, the scopes asked, and Allow / Deny buttons that
 * are plain links to the module's approve and deny URLs.  With
 * sim_approve=allow (or deny) in the authorize query the page is skipped,
 * for tests.
 */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append text to buf as it is, within cap. */
static void add(char *buf, size_t cap, const char *text)
{
    size_t len = strlen(buf);
    snprintf(buf + len, cap - len, "%s", text);
}

/* Append text to buf with HTML escaping. */
static void esc(char *buf, size_t cap, const char *text)
{
    size_t len = strlen(buf);
    for (const char *p = text != NULL ? text : ""; *p && len + 7 < cap; p++) {
        const char *rep;
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
        default:
            rep = one;
            break;
        }
        size_t rl = strlen(rep);
        memcpy(buf + len, rep, rl);
        len += rl;
    }
    buf[len] = '\0';
}

void sim_consent(sim *s, sim_req *r, sim_resp *out, const char *platform_title,
                 const char *account_name, const char *scopes, const char *approve_url,
                 const char *deny_url)
{
    (void)s;
    const char *auto_ = sim_query(r, "sim_approve");
    if (auto_ != NULL && strcmp(auto_, "allow") == 0) {
        sim_redirect(out, approve_url);
        return;
    }
    if (auto_ != NULL && strcmp(auto_, "deny") == 0) {
        sim_redirect(out, deny_url);
        return;
    }
    size_t cap = 16384 + strlen(approve_url) * 2 + strlen(deny_url) * 2;
    char *b = calloc(1, cap);
    if (b == NULL) {
        sim_reply_empty(out, 500);
        return;
    }
    add(b, cap,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    esc(b, cap, platform_title);
    add(b, cap,
        " – authorize (simulated)</title><style>body{font:16px/1.5 system-ui,sans-serif;"
        "background:#eef0f3;margin:0;display:flex;justify-content:center}"
        ".card{background:#fff;margin:48px 16px;padding:24px 28px;border-radius:12px;"
        "max-width:440px;box-shadow:0 2px 12px rgba(0,0,0,.08)}h1{font-size:20px;margin:0 0 4px}"
        ".note{color:#687083;font-size:13px}code{background:#f1f3f6;padding:2px 4px;"
        "border-radius:4px;word-break:break-all}.actions{display:flex;gap:12px;"
        "margin-top:20px}a.btn{padding:10px 18px;border-radius:8px;text-decoration:none;"
        "font-weight:600}a.allow{background:#1f6feb;color:#fff}a.deny{background:#f1f3f6;"
        "color:#1d2330}</style></head><body><main class=\"card\"><h1>");
    esc(b, cap, platform_title);
    add(b, cap,
        "</h1><p class=\"note\">Simulated sign-in page of the platform simulator.</p>"
        "<p>An app wants to act as <strong>");
    esc(b, cap, account_name);
    add(b, cap, "</strong> with these permissions:</p><p><code>");
    esc(b, cap, scopes);
    add(b, cap, "</code></p><div class=\"actions\"><a class=\"btn allow\" id=\"allow\" href=\"");
    esc(b, cap, approve_url);
    add(b, cap, "\">Allow</a><a class=\"btn deny\" id=\"deny\" href=\"");
    esc(b, cap, deny_url);
    add(b, cap, "\">Deny</a></div></main></body></html>");
    sim_reply_text(out, 200, "text/html; charset=utf-8", b);
    free(b);
}
