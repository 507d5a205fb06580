/*
 * x.c - X (api.x.com): OAuth 2.0 authorization code with PKCE S256 for a
 * confidential client (Basic auth at the token endpoint), identity from
 * /2/users/me, refresh with rotation (every refresh returns a new refresh
 * token; the old one is dead at once), revocation.
 */
#include "platform/platform.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define X_SCOPES "tweet.read tweet.write users.read media.write offline.access"

enum { PH_TOKEN = 0, PH_ME = 1 };

static int authorize_url(const plat_job *job, const char *state, const char *challenge, char *out,
                         size_t outlen)
{
    char cid[512], redir[PLAT_URL_MAX * 3], st[512], scope[256];
    plat_urlenc(job->pc->client_id, cid, sizeof cid);
    plat_urlenc(job->redirect_uri, redir, sizeof redir);
    plat_urlenc(state, st, sizeof st);
    plat_urlenc(X_SCOPES, scope, sizeof scope);
    int w = snprintf(out, outlen,
                     "%s/i/oauth2/authorize?response_type=code&client_id=%s&redirect_uri=%s"
                     "&scope=%s&state=%s&code_challenge=%s&code_challenge_method=S256",
                     job->pc->auth_url, cid, redir, scope, st, challenge);
    return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

/* Authorization: Basic base64(client_id:client_secret). */
static void basic_auth(plat_job *job)
{
    char pair[600], b64[820];
    snprintf(pair, sizeof pair, "%s:%s", job->pc->client_id, job->pc->client_secret);
    sodium_bin2base64(b64, sizeof b64, (const unsigned char *)pair, strlen(pair),
                      sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(pair, sizeof pair);
    plat_req_header(job, "Authorization: Basic %s", b64);
    sodium_memzero(b64, sizeof b64);
}

static void token_request(plat_job *job)
{
    plat_req(job, "POST", "%s/2/oauth2/token", job->pc->token_url);
    plat_req_header(job, "Content-Type: application/x-www-form-urlencoded");
    basic_auth(job);
}

/* Read X's error body {"error","error_description"} or problem JSON into job->err. */
static plat_step fail_from(plat_job *job, const plat_response *r, const char *what)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    const char *err = json_string_value(json_object_get(j, "error"));
    const char *desc = json_string_value(json_object_get(j, "error_description"));
    const char *detail = json_string_value(json_object_get(j, "detail"));
    plat_step s;
    if (r->status == 400 && err != NULL && job->kind == PJOB_REFRESH)
        s = plat_fail(job, PERR_REVOKED, 400, err,
                      "X no longer accepts the saved authorization (%s); reconnect the account",
                      desc != NULL ? desc : err);
    else if ((r->status == 400 || r->status == 401) && err != NULL)
        s = plat_fail(job, PERR_INVALID, r->status, err, "%s: X refused (%s)", what,
                      desc != NULL ? desc : err);
    else if (r->status == 403)
        s = plat_fail(job, PERR_DENIED, 403, "forbidden", "%s: X refused access (%s)", what,
                      detail != NULL ? detail : "forbidden");
    else
        s = plat_fail_generic(job, r, what);
    json_decref(j);
    return s;
}

/* Parse a token response into job->tokens.  0 or -1. */
static int parse_tokens(plat_job *job, const plat_response *r)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    const char *access = json_string_value(json_object_get(j, "access_token"));
    const char *refresh = json_string_value(json_object_get(j, "refresh_token"));
    const char *scope = json_string_value(json_object_get(j, "scope"));
    json_int_t expires = json_integer_value(json_object_get(j, "expires_in"));
    int rc = -1;
    if (access != NULL && strlen(access) < PLAT_TOKEN_MAX &&
        (refresh == NULL || strlen(refresh) < PLAT_TOKEN_MAX)) {
        snprintf(job->tokens.access, sizeof job->tokens.access, "%s", access);
        snprintf(job->tokens.refresh, sizeof job->tokens.refresh, "%s",
                 refresh != NULL ? refresh : "");
        snprintf(job->tokens.scopes, sizeof job->tokens.scopes, "%s", scope != NULL ? scope : "");
        job->tokens.access_expires_at = expires > 0 ? job->now_ms + (int64_t)expires * 1000 : 0;
        rc = 0;
    }
    json_decref(j);
    return rc;
}

static plat_step connect(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        token_request(job);
        plat_form_add(job, "code", job->code);
        plat_form_add(job, "grant_type", "authorization_code");
        plat_form_add(job, "redirect_uri", job->redirect_uri);
        plat_form_add(job, "code_verifier", job->verifier);
        job->phase = PH_TOKEN;
        return PLAT_REQUEST;
    }
    if (job->phase == PH_TOKEN) {
        if (last->status != 200)
            return fail_from(job, last, "Connecting X");
        if (parse_tokens(job, last) != 0)
            return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                             "X answered the token request in a way we do not understand");
        if (strstr(job->tokens.scopes, "tweet.write") == NULL)
            return plat_fail(job, PERR_DENIED, 200, "scope",
                             "X did not grant permission to post; connect again and allow it");
        plat_req(job, "GET", "%s/2/users/me?user.fields=profile_image_url,username,name",
                 job->pc->api_url);
        plat_req_header(job, "Authorization: Bearer %s", job->tokens.access);
        job->phase = PH_ME;
        return PLAT_REQUEST;
    }
    if (last->status != 200)
        return fail_from(job, last, "Reading the X account");
    json_t *j = json_loadb(last->body, last->body_len, 0, NULL);
    json_t *d = json_object_get(j, "data");
    const char *id = json_string_value(json_object_get(d, "id"));
    if (id == NULL) {
        json_decref(j);
        return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                         "X did not say which account this is");
    }
    plat_account *a = &job->accounts[0];
    memset(a, 0, sizeof *a);
    snprintf(a->remote_id, sizeof a->remote_id, "%s", id);
    snprintf(a->name, sizeof a->name, "%s", json_string_value(json_object_get(d, "name")) ?: id);
    snprintf(a->username, sizeof a->username, "%s",
             json_string_value(json_object_get(d, "username")) ?: "");
    snprintf(a->avatar_url, sizeof a->avatar_url, "%s",
             json_string_value(json_object_get(d, "profile_image_url")) ?: "");
    snprintf(a->kind, sizeof a->kind, "user");
    job->naccounts = 1;
    json_decref(j);
    return PLAT_DONE;
}

static plat_step refresh(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        if (job->in.refresh[0] == '\0')
            return plat_fail(job, PERR_REVOKED, 0, "no_refresh_token",
                             "X gave no refresh token; reconnect the account");
        token_request(job);
        plat_form_add(job, "grant_type", "refresh_token");
        plat_form_add(job, "refresh_token", job->in.refresh);
        return PLAT_REQUEST;
    }
    if (last->status != 200)
        return fail_from(job, last, "Refreshing X access");
    if (parse_tokens(job, last) != 0)
        return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                         "X answered the refresh in a way we do not understand");
    return PLAT_DONE;
}

static plat_step revoke(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        plat_req(job, "POST", "%s/2/oauth2/revoke", job->pc->token_url);
        plat_req_header(job, "Content-Type: application/x-www-form-urlencoded");
        basic_auth(job);
        const char *tok = job->in.refresh[0] ? job->in.refresh : job->in.access;
        plat_form_add(job, "token", tok);
        plat_form_add(job, "token_type_hint",
                      job->in.refresh[0] ? "refresh_token" : "access_token");
        return PLAT_REQUEST;
    }
    if (last->status == 200)
        return PLAT_DONE;
    return fail_from(job, last, "Revoking X access");
}

const plat_ops plat_x = {
    .id = "x",
    .title = "X",
    .needs_pkce = 1,
    .picks_accounts = 0,
    .authorize_url = authorize_url,
    .connect = connect,
    .refresh = refresh,
    .revoke = revoke,
};
