/*
 * facebook.c - Facebook Pages through Facebook Login (PLATFORMS.md section 1).
 *
 * Connect: the dialog's code is exchanged for a short-lived user token
 * (GET, everything in the query, as Graph's token endpoint takes it), that
 * one for a long-lived user token (fb_exchange_token, about 60 days), the
 * granted permissions are read (/me/permissions), and the Pages listed
 * (/me/accounts, following paging.next a bounded number of times).  Each
 * Page comes with its own Page token; one made from a long-lived user token
 * does not expire, so the Page accounts carry their own tokens with
 * access_expires_at 0.  The user chooses which Pages to connect
 * (picks_accounts).  A Page the user cannot post to has no access_token in
 * the list; it is left out.
 *
 * Instagram through Facebook Login: /me/accounts also names each Page's
 * linked Instagram business account (instagram_business_account).  This
 * adapter does not offer those as accounts: the Facebook app asks for no
 * Instagram permission, so such an account could not be published to, and
 * plat_account has no place for "the Page it hangs off" without misusing a
 * field.  The product connects Instagram through Instagram Login
 * (instagram.c); the field is requested so the same listing can serve a
 * Facebook-Login Instagram path later.
 *
 * Refresh: Graph has no refresh grant.  A long-lived user token that is
 * still valid is exchanged again (fb_exchange_token); a dead one cannot
 * be, and means reconnecting.  Page tokens never expire and are never
 * refreshed.
 *
 * Revoke: DELETE /me/permissions with the user token removes the app for
 * that user.  See revoke() for why a Page token is not used for it.
 */
#include "platform/graph.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define FB_SCOPES                                                                                  \
    "pages_show_list,business_management,pages_manage_posts,pages_manage_engagement,"              \
    "pages_read_engagement,read_insights"
#define FB_PAGE_FIELDS                                                                             \
    "id,username,name,access_token,picture.type(large),instagram_business_account"
/* Permissions without which a Page cannot be listed or posted to. */
static const char *const fb_required[] = {"pages_show_list", "pages_manage_posts", NULL};
/* Pages of /me/accounts fetched at most (each up to 100 Pages). */
#define FB_MAX_LIST_REQUESTS 5
/* When the long-lived token answer has no expires_in: Graph's documented ~60 days. */
#define FB_LONG_TTL_S (60LL * 86400)

/*
 * Progress in job->phase: the step in the low byte; while listing Pages,
 * the number of list requests made (bits 8-15) and whether a Page without
 * a Page token was left out (bit 16).
 */
enum { PH_CODE = 1, PH_EXCHANGE, PH_PERMISSIONS, PH_ACCOUNTS };
#define PHASE_STEP(p)    ((p)&0xff)
#define PHASE_LISTS(p)   (((p) >> 8) & 0xff)
#define PHASE_SKIPPED    (1 << 16)
#define PHASE_LIST(n, s) (PH_ACCOUNTS | ((n) << 8) | ((s) ? PHASE_SKIPPED : 0))

static int authorize_url(const plat_job *job, const char *state, const char *challenge, char *out,
                         size_t outlen)
{
    (void)challenge; /* Facebook Login takes no PKCE for a confidential web app */
    graph_url u;
    graph_url_start(&u, "%s/%s/dialog/oauth", job->pc->auth_url, job->pc->version);
    graph_url_arg(&u, "client_id", job->pc->client_id);
    graph_url_arg(&u, "redirect_uri", job->redirect_uri);
    graph_url_arg(&u, "state", state);
    graph_url_arg(&u, "response_type", "code");
    graph_url_arg(&u, "scope", FB_SCOPES);
    if (u.over || u.len >= outlen)
        return -1;
    memcpy(out, u.s, u.len + 1);
    return 0;
}

/* GET {token_url}/{version}/oauth/access_token?grant_type=fb_exchange_token... */
static plat_step exchange_request(plat_job *job, const char *token, const char *what)
{
    graph_url u;
    graph_url_start(&u, "%s/%s/oauth/access_token", job->pc->token_url, job->pc->version);
    graph_url_arg(&u, "grant_type", "fb_exchange_token");
    graph_url_arg(&u, "client_id", job->pc->client_id);
    graph_url_arg(&u, "client_secret", job->pc->client_secret);
    graph_url_arg(&u, "fb_exchange_token", token);
    return graph_request(job, "GET", &u, what);
}

/*
 * Read {"access_token","token_type","expires_in"} into t.  A missing
 * expires_in counts as default_ttl_s (0 = does not expire).  0 or -1.
 */
static int parse_token(const plat_job *job, const plat_response *r, plat_tokens *t,
                       long long default_ttl_s)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    const char *access = json_string_value(json_object_get(j, "access_token"));
    json_int_t expires = json_integer_value(json_object_get(j, "expires_in"));
    int rc = -1;
    if (access != NULL && *access && strlen(access) < sizeof t->access) {
        snprintf(t->access, sizeof t->access, "%s", access);
        t->refresh[0] = '\0';
        long long ttl = expires > 0 ? (long long)expires : default_ttl_s;
        t->access_expires_at = ttl > 0 ? job->now_ms + (int64_t)ttl * 1000 : 0;
        t->refresh_expires_at = 0;
        rc = 0;
    }
    json_decref(j);
    return rc;
}

static plat_step list_request(plat_job *job)
{
    graph_url u;
    graph_url_start(&u, "%s/%s/me/accounts", job->pc->api_url, job->pc->version);
    graph_url_arg(&u, "fields", FB_PAGE_FIELDS);
    graph_url_arg(&u, "limit", "100");
    graph_url_arg(&u, "access_token", job->tokens.access);
    return graph_request(job, "GET", &u, "Listing your Facebook Pages");
}

/* Read /me/permissions into job->tokens.scopes; fail if a required one is missing. */
static plat_step read_permissions(plat_job *job, const plat_response *r)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *data = json_object_get(j, "data");
    if (!json_is_array(data)) {
        json_decref(j);
        return plat_fail(job, PERR_PERMANENT, r->status, "bad_response",
                         "Facebook answered the permissions request in a way we do not "
                         "understand");
    }
    size_t o = 0, i;
    json_t *v;
    char *sc = job->tokens.scopes;
    sc[0] = '\0';
    json_array_foreach(data, i, v)
    {
        const char *perm = json_string_value(json_object_get(v, "permission"));
        const char *status = json_string_value(json_object_get(v, "status"));
        if (perm == NULL || status == NULL || strcmp(status, "granted") != 0)
            continue;
        size_t n = strlen(perm);
        if (o + n + 2 > sizeof job->tokens.scopes)
            break;
        if (o > 0)
            sc[o++] = ',';
        memcpy(sc + o, perm, n + 1);
        o += n;
    }
    json_decref(j);
    for (int k = 0; fb_required[k] != NULL; k++) {
        int found = 0;
        for (const char *p = sc; *p && !found;) {
            size_t n = strcspn(p, ",");
            found = n == strlen(fb_required[k]) && strncmp(p, fb_required[k], n) == 0;
            p += n;
            if (*p == ',')
                p++;
        }
        if (!found)
            return plat_fail(job, PERR_DENIED, r->status, "permission_declined",
                             "Facebook did not grant the '%s' permission; connect again and "
                             "allow it%s",
                             fb_required[k],
                             strcmp(fb_required[k], "pages_show_list") == 0
                                 ? " so your Pages can be listed"
                                 : " so Post2Share can publish to your Pages");
    }
    return list_request(job);
}

/* Add the Pages of one /me/accounts answer; *skipped set when one had no Page token. */
static void add_pages(plat_job *job, json_t *data, int *skipped)
{
    size_t i;
    json_t *p;
    json_array_foreach(data, i, p)
    {
        if (job->naccounts >= PLAT_MAX_ACCOUNTS)
            return;
        char id[128];
        graph_id_text(json_object_get(p, "id"), id, sizeof id);
        const char *token = json_string_value(json_object_get(p, "access_token"));
        if (id[0] == '\0')
            continue;
        if (token == NULL || *token == '\0' || strlen(token) >= PLAT_TOKEN_MAX) {
            *skipped = 1;
            continue;
        }
        int dup = 0;
        for (int k = 0; k < job->naccounts && !dup; k++)
            dup = strcmp(job->accounts[k].remote_id, id) == 0;
        if (dup)
            continue;
        plat_account *a = &job->accounts[job->naccounts];
        memset(a, 0, sizeof *a);
        snprintf(a->remote_id, sizeof a->remote_id, "%s", id);
        if (graph_str(p, "name", a->name, sizeof a->name) != 0 || a->name[0] == '\0')
            snprintf(a->name, sizeof a->name, "Page %s", id);
        graph_str(p, "username", a->username, sizeof a->username);
        graph_str(json_object_get(json_object_get(p, "picture"), "data"), "url", a->avatar_url,
                  sizeof a->avatar_url);
        snprintf(a->kind, sizeof a->kind, "page");
        /* A Page token made from a long-lived user token does not expire. */
        snprintf(a->tokens.access, sizeof a->tokens.access, "%s", token);
        a->tokens.access_expires_at = 0;
        snprintf(a->tokens.scopes, sizeof a->tokens.scopes, "%s", job->tokens.scopes);
        a->has_own_tokens = 1;
        job->naccounts++;
    }
}

/* One /me/accounts answer: add its Pages, then the next list page or the end. */
static plat_step read_pages(plat_job *job, const plat_response *r)
{
    int lists = PHASE_LISTS(job->phase) + 1;
    int skipped = (job->phase & PHASE_SKIPPED) != 0;
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *data = json_object_get(j, "data");
    if (!json_is_array(data)) {
        json_decref(j);
        return plat_fail(job, PERR_PERMANENT, r->status, "bad_response",
                         "Facebook answered the Page list in a way we do not understand");
    }
    add_pages(job, data, &skipped);
    const char *next = json_string_value(json_object_get(json_object_get(j, "paging"), "next"));
    /* More Pages than PLAT_MAX_ACCOUNTS: the first ones are offered. */
    if (next != NULL && lists < FB_MAX_LIST_REQUESTS && job->naccounts < PLAT_MAX_ACCOUNTS) {
        /* paging.next carries the access token: follow it only to the API host. */
        size_t base = strlen(job->pc->api_url);
        if (strncmp(next, job->pc->api_url, base) != 0 || next[base] != '/' ||
            strlen(next) >= PLAT_URL_MAX) {
            json_decref(j);
            return plat_fail(job, PERR_PERMANENT, r->status, "bad_paging",
                             "Facebook's Page list pointed somewhere unexpected; try again");
        }
        plat_req(job, "GET", "%s", next);
        json_decref(j);
        job->phase = PHASE_LIST(lists, skipped);
        return PLAT_REQUEST;
    }
    json_decref(j);
    if (job->naccounts == 0 && skipped)
        return plat_fail(job, PERR_DENIED, r->status, "no_page_role",
                         "none of the Facebook Pages shared lets you publish; you need a role "
                         "on the Page that can create content");
    return PLAT_DONE;
}

static plat_step connect(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        graph_url u;
        graph_url_start(&u, "%s/%s/oauth/access_token", job->pc->token_url, job->pc->version);
        graph_url_arg(&u, "client_id", job->pc->client_id);
        graph_url_arg(&u, "redirect_uri", job->redirect_uri);
        graph_url_arg(&u, "client_secret", job->pc->client_secret);
        graph_url_arg(&u, "code", job->code);
        job->phase = PH_CODE;
        return graph_request(job, "GET", &u, "Connecting Facebook");
    }
    switch (PHASE_STEP(job->phase)) {
    case PH_CODE:
        if (last->status != 200)
            return graph_fail(job, last, "Facebook", "Connecting Facebook");
        if (parse_token(job, last, &job->tokens, 0) != 0)
            return plat_fail(job, PERR_PERMANENT, last->status, "bad_response",
                             "Facebook answered the code exchange in a way we do not understand");
        job->phase = PH_EXCHANGE;
        return exchange_request(job, job->tokens.access, "Connecting Facebook");
    case PH_EXCHANGE:
        if (last->status != 200)
            return graph_fail(job, last, "Facebook", "Getting a lasting Facebook token");
        if (parse_token(job, last, &job->tokens, FB_LONG_TTL_S) != 0)
            return plat_fail(job, PERR_PERMANENT, last->status, "bad_response",
                             "Facebook answered the token exchange in a way we do not "
                             "understand");
        job->phase = PH_PERMISSIONS;
        {
            graph_url u;
            graph_url_start(&u, "%s/%s/me/permissions", job->pc->api_url, job->pc->version);
            graph_url_arg(&u, "access_token", job->tokens.access);
            return graph_request(job, "GET", &u, "Reading Facebook permissions");
        }
    case PH_PERMISSIONS:
        if (last->status != 200)
            return graph_fail(job, last, "Facebook", "Reading Facebook permissions");
        job->phase = PHASE_LIST(0, 0);
        return read_permissions(job, last);
    case PH_ACCOUNTS:
        if (last->status != 200)
            return graph_fail(job, last, "Facebook", "Listing your Facebook Pages");
        return read_pages(job, last);
    default:
        return plat_fail(job, PERR_PERMANENT, 0, "bad_phase", "the Facebook exchange got lost");
    }
}

static plat_step refresh(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        if (job->in.access[0] == '\0')
            return plat_fail(job, PERR_REVOKED, 0, "no_token",
                             "no Facebook token is stored; reconnect the account");
        if (job->in.access_expires_at == 0) {
            /* A Page token: it does not expire, so there is nothing to renew. */
            job->tokens = job->in;
            return PLAT_DONE;
        }
        if (job->in.access_expires_at <= job->now_ms)
            return plat_fail(job, PERR_REVOKED, 0, "expired",
                             "the Facebook access has expired and Facebook cannot renew an "
                             "expired token; reconnect the account");
        job->phase = PH_EXCHANGE;
        return exchange_request(job, job->in.access, "Renewing Facebook access");
    }
    if (last->status != 200)
        return graph_fail(job, last, "Facebook", "Renewing Facebook access");
    /* Facebook may hand back the same token with the same expiry: that is still a success. */
    if (parse_token(job, last, &job->tokens, FB_LONG_TTL_S) != 0)
        return plat_fail(job, PERR_PERMANENT, last->status, "bad_response",
                         "Facebook answered the token exchange in a way we do not understand");
    return PLAT_DONE;
}

/*
 * Removing the app (DELETE /me/permissions) is a user-level act: it ends
 * every token of that user for this app, so every other Page connected
 * through the same sign-in, in any workspace, would stop working too.  It
 * takes the user token; with a Page token, "me" is the Page, which has no
 * permissions to remove.  Page accounts keep only their Page token, so for
 * them nothing is sent: the token is simply dropped here, and the user can
 * remove the app in Facebook's settings.  A stored user token (one that
 * expires) is revoked.
 */
static plat_step revoke(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        if (job->in.access[0] == '\0' || job->in.access_expires_at == 0)
            return PLAT_DONE;
        graph_url u;
        graph_url_start(&u, "%s/%s/me/permissions", job->pc->api_url, job->pc->version);
        graph_url_arg(&u, "access_token", job->in.access);
        return graph_request(job, "DELETE", &u, "Revoking Facebook access");
    }
    if (last->status == 200) {
        json_t *j = json_loadb(last->body, last->body_len, 0, NULL);
        int ok = json_is_true(json_object_get(j, "success"));
        json_decref(j);
        if (ok)
            return PLAT_DONE;
        return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                         "Facebook did not confirm the revocation");
    }
    return graph_fail(job, last, "Facebook", "Revoking Facebook access");
}

const plat_ops plat_facebook = {
    "facebook",    "Facebook Pages", 0 /* no PKCE */, 1 /* picks_accounts */,
    authorize_url, connect,          refresh,         revoke};
