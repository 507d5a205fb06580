/*
 * instagram.c - Instagram professional accounts through Instagram Login (the
 * "standalone" flow of PLATFORMS.md section 2; no Facebook Page needed).
 *
 * Connect: the code is exchanged at api.instagram.com (POST, form body with
 * the app secret: it never goes in a URL there) for a one-hour token and
 * the user id, that token for a 60-day one at graph.instagram.com
 * (ig_exchange_token; Graph takes the secret in the query there), and the
 * account read from /me.  One account, kind "business".
 *
 * Refresh: ig_refresh_token gives a new 60-day token.  Instagram refuses
 * tokens younger than 24 hours (that is our timing, not a dead grant) and
 * cannot refresh an expired one (reconnect).
 *
 * Revoke: Instagram Login has no revocation endpoint; the user removes the
 * app under Instagram's "Apps and websites" settings.  So revoke is NULL.
 *
 * Instagram accounts linked to a Facebook Page (Facebook Login) are
 * connected by instagram_fb.c; both store their accounts as "instagram".
 */
#include "platform/graph.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define IG_SCOPES                                                                                  \
    "instagram_business_basic,instagram_business_content_publish,"                                 \
    "instagram_business_manage_comments,instagram_business_manage_insights"
#define IG_PUBLISH_SCOPE "instagram_business_content_publish"
/* When a long-lived token answer has no expires_in: the documented 60 days. */
#define IG_LONG_TTL_S (60LL * 86400)

enum { PH_CODE = 1, PH_EXCHANGE, PH_ME };

static int authorize_url(const plat_job *job, const char *state, const char *challenge, char *out,
                         size_t outlen)
{
    (void)challenge; /* Instagram Login takes no PKCE */
    graph_url u;
    graph_url_start(&u, "%s/oauth/authorize", job->pc->auth_url);
    graph_url_arg(&u, "enable_fb_login", "0");
    graph_url_arg(&u, "client_id", job->pc->client_id);
    graph_url_arg(&u, "redirect_uri", job->redirect_uri);
    graph_url_arg(&u, "response_type", "code");
    graph_url_arg(&u, "scope", IG_SCOPES);
    graph_url_arg(&u, "state", state);
    if (u.over || u.len >= outlen)
        return -1;
    memcpy(out, u.s, u.len + 1);
    return 0;
}

/* Is perm in the list (commas or spaces between names)? */
static int has_scope(const char *list, const char *perm)
{
    size_t pl = strlen(perm);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ", ");
        if (n == pl && strncmp(p, perm, n) == 0)
            return 1;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

/* permissions as "a,b" text or ["a","b"] into out (comma-joined). */
static void read_permissions(const json_t *v, char *out, size_t outlen)
{
    out[0] = '\0';
    if (json_is_string(v)) {
        snprintf(out, outlen, "%s", json_string_value(v));
        return;
    }
    size_t o = 0, i;
    const json_t *p;
    json_array_foreach(v, i, p)
    {
        const char *s = json_string_value(p);
        size_t n = s != NULL ? strlen(s) : 0;
        if (n == 0)
            continue;
        if (o + n + 2 > outlen)
            break;
        if (o > 0)
            out[o++] = ',';
        memcpy(out + o, s, n + 1);
        o += n;
    }
}

/*
 * The code exchange answer: {access_token, user_id, permissions}, flat or
 * (as some documentation shows it) inside {"data":[{...}]}.  user_id may be
 * a JSON number: jansson keeps integers as 64-bit, so all digits survive.
 * The user id goes into accounts[0].remote_id for now.  0 or -1.
 */
static int parse_code_answer(plat_job *job, const plat_response *r)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *o = j;
    json_t *data = json_object_get(j, "data");
    if (json_object_get(j, "access_token") == NULL && json_is_array(data))
        o = json_array_get(data, 0);
    const char *access = json_string_value(json_object_get(o, "access_token"));
    int rc = -1;
    if (access != NULL && *access && strlen(access) < sizeof job->tokens.access) {
        snprintf(job->tokens.access, sizeof job->tokens.access, "%s", access);
        read_permissions(json_object_get(o, "permissions"), job->tokens.scopes,
                         sizeof job->tokens.scopes);
        graph_id_text(json_object_get(o, "user_id"), job->accounts[0].remote_id,
                      sizeof job->accounts[0].remote_id);
        rc = 0;
    }
    json_decref(j);
    return rc;
}

/* {"access_token","token_type","expires_in"} into t (a 60-day token).  0 or -1. */
static int parse_long_token(const plat_job *job, const plat_response *r, plat_tokens *t)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    const char *access = json_string_value(json_object_get(j, "access_token"));
    json_int_t expires = json_integer_value(json_object_get(j, "expires_in"));
    int rc = -1;
    if (access != NULL && *access && strlen(access) < sizeof t->access) {
        snprintf(t->access, sizeof t->access, "%s", access);
        t->refresh[0] = '\0';
        t->access_expires_at =
            job->now_ms + (expires > 0 ? (int64_t)expires : (int64_t)IG_LONG_TTL_S) * 1000;
        t->refresh_expires_at = 0;
        rc = 0;
    }
    json_decref(j);
    return rc;
}

/* The /me answer into accounts[0] (remote_id may hold the code exchange's user id). */
static plat_step read_me(plat_job *job, const plat_response *r)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    plat_account *a = &job->accounts[0];
    char id[128];
    /* user_id is the professional account id publishing uses; id the app-scoped one. */
    graph_id_text(json_object_get(j, "user_id"), id, sizeof id);
    if (id[0] == '\0')
        graph_id_text(json_object_get(j, "id"), id, sizeof id);
    if (id[0] == '\0')
        snprintf(id, sizeof id, "%s", a->remote_id);
    if (id[0] == '\0') {
        json_decref(j);
        return plat_fail(job, PERR_PERMANENT, r->status, "bad_response",
                         "Instagram did not say which account this is");
    }
    memset(a, 0, sizeof *a);
    snprintf(a->remote_id, sizeof a->remote_id, "%s", id);
    graph_str(j, "username", a->username, sizeof a->username);
    if (graph_str(j, "name", a->name, sizeof a->name) != 0 || a->name[0] == '\0')
        snprintf(a->name, sizeof a->name, "%s", a->username[0] ? a->username : id);
    graph_str(j, "profile_picture_url", a->avatar_url, sizeof a->avatar_url);
    snprintf(a->kind, sizeof a->kind, "business");
    job->naccounts = 1;
    json_decref(j);
    return PLAT_DONE;
}

static plat_step connect(plat_job *job, const plat_response *last)
{
    graph_url u;
    if (last == NULL) {
        plat_req(job, "POST", "%s/oauth/access_token", job->pc->token_url);
        plat_req_header(job, "Content-Type: application/x-www-form-urlencoded");
        plat_form_add(job, "client_id", job->pc->client_id);
        plat_form_add(job, "client_secret", job->pc->client_secret);
        plat_form_add(job, "grant_type", "authorization_code");
        plat_form_add(job, "redirect_uri", job->redirect_uri);
        plat_form_add(job, "code", job->code);
        job->phase = PH_CODE;
        return PLAT_REQUEST;
    }
    switch (job->phase) {
    case PH_CODE:
        if (last->status != 200)
            return graph_fail(job, last, "Instagram", "Connecting Instagram");
        if (parse_code_answer(job, last) != 0)
            return plat_fail(job, PERR_PERMANENT, last->status, "bad_response",
                             "Instagram answered the code exchange in a way we do not "
                             "understand");
        if (job->tokens.scopes[0] != '\0' && !has_scope(job->tokens.scopes, IG_PUBLISH_SCOPE))
            return plat_fail(job, PERR_DENIED, last->status, "permission_declined",
                             "Instagram did not grant permission to publish; connect again and "
                             "allow it");
        graph_url_start(&u, "%s/access_token", job->pc->api_url);
        graph_url_arg(&u, "grant_type", "ig_exchange_token");
        graph_url_arg(&u, "client_secret", job->pc->client_secret);
        graph_url_arg(&u, "access_token", job->tokens.access);
        job->phase = PH_EXCHANGE;
        return graph_request(job, "GET", &u, "Connecting Instagram");
    case PH_EXCHANGE:
        if (last->status != 200)
            return graph_fail(job, last, "Instagram", "Getting a lasting Instagram token");
        if (parse_long_token(job, last, &job->tokens) != 0)
            return plat_fail(job, PERR_PERMANENT, last->status, "bad_response",
                             "Instagram answered the token exchange in a way we do not "
                             "understand");
        graph_url_start(&u, "%s/%s/me", job->pc->api_url, job->pc->version);
        graph_url_arg(&u, "fields", "user_id,username,name,profile_picture_url");
        graph_url_arg(&u, "access_token", job->tokens.access);
        job->phase = PH_ME;
        return graph_request(job, "GET", &u, "Reading the Instagram account");
    case PH_ME:
        if (last->status != 200)
            return graph_fail(job, last, "Instagram", "Reading the Instagram account");
        return read_me(job, last);
    default:
        return plat_fail(job, PERR_PERMANENT, 0, "bad_phase", "the Instagram exchange got lost");
    }
}

static plat_step refresh(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        if (job->in.access[0] == '\0')
            return plat_fail(job, PERR_REVOKED, 0, "no_token",
                             "no Instagram token is stored; reconnect the account");
        if (job->in.access_expires_at != 0 && job->in.access_expires_at <= job->now_ms)
            return plat_fail(job, PERR_REVOKED, 0, "expired",
                             "the Instagram access has expired and Instagram cannot renew an "
                             "expired token; reconnect the account");
        graph_url u;
        graph_url_start(&u, "%s/refresh_access_token", job->pc->api_url);
        graph_url_arg(&u, "grant_type", "ig_refresh_token");
        graph_url_arg(&u, "access_token", job->in.access);
        return graph_request(job, "GET", &u, "Renewing Instagram access");
    }
    if (last->status != 200) {
        plat_step s = graph_fail(job, last, "Instagram", "Renewing Instagram access");
        if (job->err.kind == PERR_INVALID && last->body != NULL &&
            strstr(last->body, "24 hours") != NULL) {
            /* Our timing, not a dead grant: the stored token keeps working.  A code of
             * its own lets the caller tell this from a refused grant. */
            snprintf(job->err.code, sizeof job->err.code, "token_too_young");
            snprintf(job->err.message, sizeof job->err.message,
                     "Renewing Instagram access: Instagram renews a token only once it is at "
                     "least 24 hours old; the current one stays valid, try again later");
        }
        return s;
    }
    if (parse_long_token(job, last, &job->tokens) != 0)
        return plat_fail(job, PERR_PERMANENT, last->status, "bad_response",
                         "Instagram answered the refresh in a way we do not understand");
    return PLAT_DONE;
}

const plat_ops plat_instagram = {
    .id = "instagram",
    .title = "Instagram",
    .needs_pkce = 0,
    .picks_accounts = 0,
    .authorize_url = authorize_url,
    .connect = connect,
    .refresh = refresh,
    .revoke = NULL, /* Instagram Login cannot revoke */
};
