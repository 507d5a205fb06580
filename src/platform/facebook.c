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
 * adapter does not offer those as accounts: it asks for no Instagram
 * permission.  instagram_fb.c is the Facebook-Login Instagram path (its
 * own dialog with the Instagram permissions, the same Page listing);
 * instagram.c is Instagram Login.
 *
 * Refresh: Graph has no refresh grant.  A long-lived user token that is
 * still valid is exchanged again (fb_exchange_token); a dead one cannot
 * be, and means reconnecting.  Page tokens never expire and are never
 * refreshed.
 *
 * Revoke: DELETE /me/permissions with the user token removes the app for
 * that user.  See graph_fb_revoke (graph.h) for why a Page token is not
 * used for it.
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
    if (graph_fb_granted(r, job->tokens.scopes, sizeof job->tokens.scopes) != 0)
        return plat_fail(job, PERR_PERMANENT, r->status, "bad_response",
                         "Facebook answered the permissions request in a way we do not "
                         "understand");
    for (int k = 0; fb_required[k] != NULL; k++) {
        if (!graph_has_perm(job->tokens.scopes, fb_required[k]))
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
        if (!graph_fb_next_ok(job, next)) {
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
        job->phase = PH_CODE;
        return graph_fb_code_request(job, "Connecting Facebook");
    }
    switch (PHASE_STEP(job->phase)) {
    case PH_CODE:
        if (last->status != 200)
            return graph_fail(job, last, "Facebook", "Connecting Facebook");
        if (graph_fb_token(job, last, &job->tokens, 0) != 0)
            return plat_fail(job, PERR_PERMANENT, last->status, "bad_response",
                             "Facebook answered the code exchange in a way we do not understand");
        job->phase = PH_EXCHANGE;
        return graph_fb_exchange_request(job, job->tokens.access, "Connecting Facebook");
    case PH_EXCHANGE:
        if (last->status != 200)
            return graph_fail(job, last, "Facebook", "Getting a lasting Facebook token");
        if (graph_fb_token(job, last, &job->tokens, FB_LONG_TTL_S) != 0)
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
    return graph_fb_refresh(job, last, "Facebook", FB_LONG_TTL_S);
}

const plat_ops plat_facebook = {
    .id = "facebook",
    .title = "Facebook Pages",
    .needs_pkce = 0,
    .picks_accounts = 1,
    .authorize_url = authorize_url,
    .connect = connect,
    .refresh = refresh,
    .revoke = graph_fb_revoke, /* a Page token is not used to remove the app: see graph.h */
};
