/*
 * instagram_fb.c - Instagram professional accounts through Facebook Login:
 * the Instagram business account linked to a Facebook Page the person
 * manages (PLATFORMS.md section 2, the "Facebook Login" column).  It signs
 * in with the Facebook app (plat_settings gives cfg->facebook) and stores
 * its accounts as "instagram" (store_as), kind "business_page", which is
 * how plat_for_account tells them from Instagram Login's (instagram.c).
 *
 * Connect: the Facebook dialog with the Instagram permissions; the code
 * for a short-lived user token, that one for a long-lived one
 * (fb_exchange_token, about 60 days); the permissions granted
 * (/me/permissions: instagram_basic, pages_show_list and
 * instagram_content_publish are needed); then the Pages (/me/accounts,
 * following paging.next a bounded number of times, as facebook.c) with
 * each Page's linked Instagram account expanded in the same request.  One
 * account per Page that has one: remote_id is the Instagram user id (the
 * one publishing uses), name, username and picture are the Instagram
 * account's, and its token is the Page's: Graph publishes to a linked
 * Instagram account with the Page token, and a Page token made from a
 * long-lived user token does not expire.  The person chooses which
 * accounts to connect (picks_accounts).
 *
 * Where Graph refuses the expanded fields (error 100 on the first list
 * request), the list is asked again with the bare
 * instagram_business_account (its id only).  Each account that then has
 * neither a name nor a username is read with GET /{ig-user-id}?fields=
 * username,name,profile_picture_url and its Page token: at most one
 * request per account offered, so at most PLAT_MAX_ACCOUNTS.
 *
 * Refresh: Page tokens never expire, so there is nothing to renew (as in
 * facebook.c); a user token that expires (none is stored today) would be
 * exchanged again.
 *
 * Revoke: the Facebook Pages policy (graph_fb_revoke, graph.h): removing
 * the app is a user-level act that would also cut every Page and
 * Instagram account connected through the same sign-in, in any workspace,
 * and a Page token cannot do it anyway ("me" is the Page).  So for these
 * accounts nothing is sent: the Page token is dropped, and the person can
 * remove the app in Facebook's settings.
 */
#include "platform/graph.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define IGFB_SCOPES                                                                                \
    "instagram_basic,pages_show_list,pages_read_engagement,business_management,"                   \
    "instagram_content_publish,instagram_manage_comments,instagram_manage_insights"
#define IGFB_PAGE_FIELDS                                                                           \
    "id,name,access_token,instagram_business_account{id,username,name,profile_picture_url}"
#define IGFB_PAGE_FIELDS_BARE "id,name,access_token,instagram_business_account"
#define IGFB_PROFILE_FIELDS   "username,name,profile_picture_url"
/* Permissions without which the Instagram accounts cannot be listed or published to. */
static const char *const igfb_required[] = {"pages_show_list", "instagram_basic",
                                            "instagram_content_publish", NULL};
/* Pages of /me/accounts fetched at most (each up to 100 Pages). */
#define IGFB_MAX_LIST_REQUESTS 5
/* When the long-lived token answer has no expires_in: Graph's documented ~60 days. */
#define IGFB_LONG_TTL_S (60LL * 86400)

/*
 * Progress in job->phase: the step in the low byte; while listing, the
 * number of list requests made (bits 8-15), whether the bare field list is
 * in use (bit 16), whether a Page with an Instagram account but no Page
 * token was left out (bit 17) and whether any Page was listed (bit 18);
 * while reading profiles, the account being read (bits 20-27).
 */
enum { PH_CODE = 1, PH_EXCHANGE, PH_PERMISSIONS, PH_LIST, PH_PROFILE };
#define STEP(p)       ((p)&0xff)
#define LISTS(p)      (((p) >> 8) & 0xff)
#define F_BARE        (1 << 16)
#define F_SKIPPED     (1 << 17)
#define F_SEEN_PAGE   (1 << 18)
#define FLAGS(p)      ((p) & (F_BARE | F_SKIPPED | F_SEEN_PAGE))
#define PROFILE_AT(p) (((p) >> 20) & 0xff)

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
    graph_url_arg(&u, "scope", IGFB_SCOPES);
    if (u.over || u.len >= outlen)
        return -1;
    memcpy(out, u.s, u.len + 1);
    return 0;
}

static plat_step list_request(plat_job *job, int bare)
{
    graph_url u;
    graph_url_start(&u, "%s/%s/me/accounts", job->pc->api_url, job->pc->version);
    graph_url_arg(&u, "fields", bare ? IGFB_PAGE_FIELDS_BARE : IGFB_PAGE_FIELDS);
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
    for (int k = 0; igfb_required[k] != NULL; k++) {
        if (!graph_has_perm(job->tokens.scopes, igfb_required[k]))
            return plat_fail(job, PERR_DENIED, r->status, "permission_declined",
                             "Facebook did not grant the '%s' permission; connect again and "
                             "allow it%s",
                             igfb_required[k],
                             strcmp(igfb_required[k], "instagram_content_publish") == 0
                                 ? " so Post2Share can publish to your Instagram accounts"
                                 : " so your Instagram accounts can be listed");
    }
    job->phase = PH_LIST;
    return list_request(job, 0);
}

/*
 * Add the Instagram accounts of one /me/accounts answer.  *flags gains
 * F_SEEN_PAGE for any Page, F_SKIPPED for a Page with an Instagram account
 * but no usable Page token.
 */
static void add_accounts(plat_job *job, json_t *data, int *flags)
{
    size_t i;
    json_t *p;
    json_array_foreach(data, i, p)
    {
        if (job->naccounts >= PLAT_MAX_ACCOUNTS)
            return;
        *flags |= F_SEEN_PAGE;
        json_t *ig = json_object_get(p, "instagram_business_account");
        char id[128];
        graph_id_text(json_object_get(ig, "id"), id, sizeof id);
        if (id[0] == '\0')
            continue; /* no Instagram account linked to this Page */
        const char *token = json_string_value(json_object_get(p, "access_token"));
        if (token == NULL || *token == '\0' || strlen(token) >= PLAT_TOKEN_MAX) {
            *flags |= F_SKIPPED;
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
        graph_str(ig, "username", a->username, sizeof a->username);
        graph_str(ig, "name", a->name, sizeof a->name);
        graph_str(ig, "profile_picture_url", a->avatar_url, sizeof a->avatar_url);
        snprintf(a->kind, sizeof a->kind, "%s", PLAT_KIND_IG_THROUGH_PAGE);
        /* The Page's token: made from a long-lived user token, it does not expire. */
        snprintf(a->tokens.access, sizeof a->tokens.access, "%s", token);
        a->tokens.access_expires_at = 0;
        snprintf(a->tokens.scopes, sizeof a->tokens.scopes, "%s", job->tokens.scopes);
        a->has_own_tokens = 1;
        job->naccounts++;
    }
}

/* The next account from index `from` whose profile is still to be read, or -1. */
static int next_unnamed(const plat_job *job, int from)
{
    for (int i = from; i < job->naccounts; i++)
        if (job->accounts[i].name[0] == '\0' && job->accounts[i].username[0] == '\0')
            return i;
    return -1;
}

/* The end of the listing: read the profiles still missing, then finish. */
static plat_step profiles_or_done(plat_job *job, int from, const plat_response *r)
{
    int flags = FLAGS(job->phase);
    int i = next_unnamed(job, from);
    if (i >= 0) {
        const plat_account *a = &job->accounts[i];
        graph_url u;
        graph_url_start(&u, "%s/%s", job->pc->api_url, job->pc->version);
        graph_url_segment(&u, a->remote_id);
        graph_url_arg(&u, "fields", IGFB_PROFILE_FIELDS);
        graph_url_arg(&u, "access_token", a->tokens.access);
        job->phase = PH_PROFILE | flags | (i << 20);
        return graph_request(job, "GET", &u, "Reading your Instagram account");
    }
    for (int k = 0; k < job->naccounts; k++) {
        plat_account *a = &job->accounts[k];
        if (a->name[0] != '\0')
            continue;
        char fallback[sizeof a->name];
        if (a->username[0] != '\0')
            snprintf(fallback, sizeof fallback, "%s", a->username);
        else
            snprintf(fallback, sizeof fallback, "Instagram account %s", a->remote_id);
        memcpy(a->name, fallback, sizeof a->name);
    }
    if (job->naccounts > 0)
        return PLAT_DONE;
    int status = r != NULL ? r->status : 0;
    if (flags & F_SKIPPED)
        return plat_fail(job, PERR_DENIED, status, "no_page_role",
                         "none of the Facebook Pages with an Instagram account lets you publish; "
                         "you need a role on the Page that can create content");
    if (!(flags & F_SEEN_PAGE))
        return plat_fail(job, PERR_DENIED, status, "no_pages",
                         "no Facebook Pages were shared; connect again and choose the Page your "
                         "Instagram account is linked to");
    return plat_fail(job, PERR_DENIED, status, "no_instagram_account",
                     "none of your Pages has an Instagram professional account linked; link "
                     "one in the Page's settings, or connect Instagram with Instagram Login");
}

/* One /me/accounts answer: add its accounts, then the next list page or the profiles. */
static plat_step read_pages(plat_job *job, const plat_response *r)
{
    int lists = LISTS(job->phase) + 1;
    int flags = FLAGS(job->phase);
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *data = json_object_get(j, "data");
    if (!json_is_array(data)) {
        json_decref(j);
        return plat_fail(job, PERR_PERMANENT, r->status, "bad_response",
                         "Facebook answered the Page list in a way we do not understand");
    }
    add_accounts(job, data, &flags);
    const char *next = json_string_value(json_object_get(json_object_get(j, "paging"), "next"));
    /* More accounts than PLAT_MAX_ACCOUNTS: the first ones are offered. */
    if (next != NULL && lists < IGFB_MAX_LIST_REQUESTS && job->naccounts < PLAT_MAX_ACCOUNTS) {
        if (!graph_fb_next_ok(job, next)) {
            json_decref(j);
            return plat_fail(job, PERR_PERMANENT, r->status, "bad_paging",
                             "Facebook's Page list pointed somewhere unexpected; try again");
        }
        plat_req(job, "GET", "%s", next);
        json_decref(j);
        job->phase = PH_LIST | (lists << 8) | flags;
        return PLAT_REQUEST;
    }
    json_decref(j);
    job->phase = PH_LIST | (lists << 8) | flags;
    return profiles_or_done(job, 0, r);
}

/* A GET /{ig-user-id} answer for the account being read. */
static plat_step read_profile(plat_job *job, const plat_response *r)
{
    int i = PROFILE_AT(job->phase);
    if (i >= job->naccounts)
        return plat_fail(job, PERR_PERMANENT, 0, "bad_phase", "the Instagram exchange got lost");
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return plat_fail(job, PERR_PERMANENT, r->status, "bad_response",
                         "Facebook answered the Instagram profile request in a way we do not "
                         "understand");
    }
    plat_account *a = &job->accounts[i];
    graph_str(j, "username", a->username, sizeof a->username);
    graph_str(j, "name", a->name, sizeof a->name);
    graph_str(j, "profile_picture_url", a->avatar_url, sizeof a->avatar_url);
    json_decref(j);
    return profiles_or_done(job, i + 1, r);
}

static plat_step connect(plat_job *job, const plat_response *last)
{
    const char *what = "Connecting Instagram through Facebook";
    if (last == NULL) {
        job->phase = PH_CODE;
        return graph_fb_code_request(job, what);
    }
    switch (STEP(job->phase)) {
    case PH_CODE:
        if (last->status != 200)
            return graph_fail(job, last, "Facebook", what);
        if (graph_fb_token(job, last, &job->tokens, 0) != 0)
            return plat_fail(job, PERR_PERMANENT, last->status, "bad_response",
                             "Facebook answered the code exchange in a way we do not understand");
        job->phase = PH_EXCHANGE;
        return graph_fb_exchange_request(job, job->tokens.access, what);
    case PH_EXCHANGE:
        if (last->status != 200)
            return graph_fail(job, last, "Facebook", "Getting a lasting Facebook token");
        if (graph_fb_token(job, last, &job->tokens, IGFB_LONG_TTL_S) != 0)
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
        return read_permissions(job, last);
    case PH_LIST:
        if (last->status == 400 && LISTS(job->phase) == 0 && !(job->phase & F_BARE) &&
            graph_error_code(last) == 100) {
            /* The expanded fields were refused: list again with the bare account id. */
            job->phase = PH_LIST | F_BARE;
            return list_request(job, 1);
        }
        if (last->status != 200)
            return graph_fail(job, last, "Facebook", "Listing your Facebook Pages");
        return read_pages(job, last);
    case PH_PROFILE:
        if (last->status != 200)
            return graph_fail(job, last, "Facebook", "Reading your Instagram account");
        return read_profile(job, last);
    default:
        return plat_fail(job, PERR_PERMANENT, 0, "bad_phase", "the Instagram exchange got lost");
    }
}

static plat_step refresh(plat_job *job, const plat_response *last)
{
    return graph_fb_refresh(job, last, "Instagram", IGFB_LONG_TTL_S);
}

const plat_ops plat_instagram_fb = {
    .id = "instagram_fb",
    .title = "Instagram (through a Facebook Page)",
    .store_as = "instagram",
    .needs_pkce = 0,
    .picks_accounts = 1,
    .authorize_url = authorize_url,
    .connect = connect,
    .refresh = refresh,
    .revoke = graph_fb_revoke, /* Page tokens: nothing is sent (see above) */
};
