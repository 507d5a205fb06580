/*
 * linkedin.c - LinkedIn members: OAuth 2.0 authorization code without PKCE
 * (the client secret travels in the form body, no Basic auth), identity from
 * the OpenID userinfo endpoint (no LinkedIn-Version header), refresh only
 * for apps LinkedIn granted refresh tokens (the refresh token keeps its
 * first expiry).  No revocation: the product's platform notes describe no
 * revoke endpoint and the simulator has none, so revoke is NULL.
 */
#define _POSIX_C_SOURCE 200809L
#include "platform/platform.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LI_SCOPES "openid profile email w_member_social"
#define LI_URN    "urn:li:person:"
/* Documented lifetimes, used when an answer leaves them out. */
#define LI_ACCESS_TTL_S 5184000LL
#define DAY_MS          86400000LL

enum { PH_TOKEN = 0, PH_USERINFO = 1 };

static int authorize_url(const plat_job *job, const char *state, const char *challenge, char *out,
                         size_t outlen)
{
    (void)challenge; /* LinkedIn takes no PKCE */
    char cid[800], redir[PLAT_URL_MAX * 3], st[1024], scope[256];
    plat_urlenc(job->pc->client_id, cid, sizeof cid);
    plat_urlenc(job->redirect_uri, redir, sizeof redir);
    plat_urlenc(state, st, sizeof st);
    plat_urlenc(LI_SCOPES, scope, sizeof scope);
    int w = snprintf(out, outlen,
                     "%s/oauth/v2/authorization?response_type=code&client_id=%s&redirect_uri=%s"
                     "&state=%s&scope=%s",
                     job->pc->auth_url, cid, redir, st, scope);
    return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

/* ---- small helpers ---- */

/* The UTC day of a time in ms as YYYY-MM-DD. */
static void utc_day(int64_t ms, char *out, size_t outlen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(out, outlen, "%Y-%m-%d", &tm) == 0)
        snprintf(out, outlen, "?");
}

/* ---- errors ---- */

/* 429: the Retry-After header, else LinkedIn's daily limits reset at midnight UTC. */
static plat_step rate_limited(plat_job *job, const plat_response *r, const char *what)
{
    plat_step s = plat_fail_generic(job, r, what);
    if (job->err.retry_at_ms <= job->now_ms)
        job->err.retry_at_ms = (job->now_ms / DAY_MS + 1) * DAY_MS;
    return s;
}

/* An API answer that is not 200: {"status","serviceErrorCode","code","message"}. */
static plat_step fail_api(plat_job *job, const plat_response *r, const char *what)
{
    if (r->status == 429)
        return rate_limited(job, r, what);
    if (r->status == 0 || r->status >= 500)
        return plat_fail_generic(job, r, what);
    json_t *j = json_loadb(r->body != NULL ? r->body : "", r->body_len, 0, NULL);
    json_int_t service = json_integer_value(json_object_get(j, "serviceErrorCode"));
    const char *code = json_string_value(json_object_get(j, "code"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    char cbuf[64];
    if (service > 0)
        snprintf(cbuf, sizeof cbuf, "%lld", (long long)service);
    else
        snprintf(cbuf, sizeof cbuf, "%s", code != NULL ? code : "refused");
    plat_step s;
    if (service == 65601)
        s = plat_fail(job, PERR_REVOKED, r->status, cbuf,
                      "%s: the member withdrew this app's access on LinkedIn; reconnect the "
                      "account",
                      what);
    else if (service == 65600 || service == 65602)
        s = plat_fail(job, PERR_TOKEN_EXPIRED, r->status, cbuf,
                      "%s: LinkedIn no longer accepts the access token (%s)", what,
                      service == 65602 ? "expired" : "invalid");
    else if (r->status == 401)
        s = plat_fail(job, PERR_TOKEN_EXPIRED, 401, cbuf,
                      "%s: LinkedIn no longer accepts the access token", what);
    else if (r->status == 403)
        s = plat_fail(job, PERR_DENIED, 403, cbuf, "%s: LinkedIn refused access (%.200s)", what,
                      msg != NULL ? msg : "forbidden");
    else
        s = plat_fail(job, PERR_INVALID, r->status, cbuf, "%s: LinkedIn refused (HTTP %d: %.200s)",
                      what, r->status, msg != NULL ? msg : "no reason given");
    json_decref(j);
    return s;
}

/* A token endpoint answer that is not 200: {"error","error_description"}. */
static plat_step fail_oauth(plat_job *job, const plat_response *r, const char *what)
{
    if (r->status == 429)
        return rate_limited(job, r, what);
    if (r->status == 0 || r->status >= 500)
        return plat_fail_generic(job, r, what);
    json_t *j = json_loadb(r->body != NULL ? r->body : "", r->body_len, 0, NULL);
    const char *err = json_string_value(json_object_get(j, "error"));
    const char *desc = json_string_value(json_object_get(j, "error_description"));
    plat_step s;
    if (err == NULL)
        s = fail_api(job, r, what);
    else if (strcmp(err, "invalid_client") == 0)
        s = plat_fail(job, PERR_PERMANENT, r->status, "invalid_client",
                      "%s: LinkedIn does not accept this server's client id or secret; the "
                      "administrator should check them",
                      what);
    else if (job->kind == PJOB_REFRESH)
        s = plat_fail(job, PERR_REVOKED, r->status, err,
                      "LinkedIn no longer accepts the saved authorization (%.200s); reconnect "
                      "the account",
                      desc != NULL ? desc : err);
    else
        s = plat_fail(job, PERR_INVALID, r->status, err, "%s: LinkedIn refused (%.200s)", what,
                      desc != NULL ? desc : err);
    json_decref(j);
    return s;
}

/* ---- tokens ---- */

static void token_request(plat_job *job)
{
    plat_req(job, "POST", "%s/oauth/v2/accessToken", job->pc->token_url);
    plat_req_header(job, "Content-Type: application/x-www-form-urlencoded");
    plat_req_header(job, "Accept: application/json");
}

/* ---- connect ---- */

static plat_step read_userinfo(plat_job *job, const plat_response *last)
{
    if (last->status != 200)
        return fail_api(job, last, "Reading the LinkedIn profile");
    json_t *j = json_loadb(last->body != NULL ? last->body : "", last->body_len, 0, NULL);
    const char *sub = json_string_value(json_object_get(j, "sub"));
    if (sub == NULL || !plat_id_ok(sub, sizeof job->accounts[0].remote_id - strlen(LI_URN))) {
        json_decref(j);
        return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                         "LinkedIn did not say which member this is");
    }
    plat_account *a = &job->accounts[0];
    memset(a, 0, sizeof *a);
    snprintf(a->remote_id, sizeof a->remote_id, "%s%s", LI_URN, sub);
    const char *name = json_string_value(json_object_get(j, "name"));
    const char *given = json_string_value(json_object_get(j, "given_name"));
    const char *family = json_string_value(json_object_get(j, "family_name"));
    if (name != NULL && *name != '\0') {
        plat_copy_text(a->name, sizeof a->name, name);
    } else if (given != NULL || family != NULL) {
        char both[512];
        snprintf(both, sizeof both, "%.250s%s%.250s", given != NULL ? given : "",
                 given != NULL && family != NULL ? " " : "", family != NULL ? family : "");
        plat_copy_text(a->name, sizeof a->name, both);
    } else {
        plat_copy_text(a->name, sizeof a->name, "LinkedIn member");
    }
    const char *email = json_string_value(json_object_get(j, "email"));
    plat_copy_whole(a->username, sizeof a->username, email);
    plat_copy_whole(a->avatar_url, sizeof a->avatar_url,
                    json_string_value(json_object_get(j, "picture")));
    snprintf(a->kind, sizeof a->kind, "profile");
    job->naccounts = 1;
    json_decref(j);
    return PLAT_DONE;
}

static plat_step connect(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        token_request(job);
        plat_form_add(job, "grant_type", "authorization_code");
        plat_form_add(job, "code", job->code);
        plat_form_add(job, "redirect_uri", job->redirect_uri);
        plat_form_add(job, "client_id", job->pc->client_id);
        plat_form_add(job, "client_secret", job->pc->client_secret);
        job->phase = PH_TOKEN;
        return PLAT_REQUEST;
    }
    if (job->phase == PH_USERINFO)
        return read_userinfo(job, last);
    if (last->status != 200)
        return fail_oauth(job, last, "Connecting LinkedIn");
    int can_post = 0;
    if (plat_oauth_tokens(job, last, LI_ACCESS_TTL_S, "w_member_social", &can_post) != 0)
        return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                         "LinkedIn answered the token request in a way we do not understand");
    if (!can_post)
        return plat_fail(job, PERR_DENIED, 200, "scope",
                         "LinkedIn did not grant permission to post; connect again and allow it");
    /* /v2/userinfo is unversioned: no LinkedIn-Version header. */
    plat_req(job, "GET", "%s/v2/userinfo", job->pc->api_url);
    plat_req_header(job, "Authorization: Bearer %s", job->tokens.access);
    job->phase = PH_USERINFO;
    return PLAT_REQUEST;
}

/* ---- refresh ---- */

static plat_step no_refresh_token(plat_job *job)
{
    char day[32];
    int64_t until = job->in.access_expires_at;
    if (until <= 0)
        return plat_fail(job, PERR_REVOKED, 0, "no_refresh_token",
                         "LinkedIn gave this app no refresh token; reconnect the account");
    utc_day(until, day, sizeof day);
    if (until <= job->now_ms)
        return plat_fail(job, PERR_REVOKED, 0, "no_refresh_token",
                         "LinkedIn access ended on %s (UTC) and LinkedIn gives this app no "
                         "refresh token; reconnect the account",
                         day);
    return plat_fail(job, PERR_REVOKED, 0, "no_refresh_token",
                     "LinkedIn gives this app no refresh token: reconnect the account before %s "
                     "(UTC), when its access ends",
                     day);
}

static plat_step refresh(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        if (job->in.refresh[0] == '\0')
            return no_refresh_token(job);
        token_request(job);
        plat_form_add(job, "grant_type", "refresh_token");
        plat_form_add(job, "refresh_token", job->in.refresh);
        plat_form_add(job, "client_id", job->pc->client_id);
        plat_form_add(job, "client_secret", job->pc->client_secret);
        return PLAT_REQUEST;
    }
    if (last->status != 200)
        return fail_oauth(job, last, "Refreshing LinkedIn access");
    if (plat_oauth_tokens(job, last, LI_ACCESS_TTL_S, NULL, NULL) != 0)
        return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                         "LinkedIn answered the refresh in a way we do not understand");
    return PLAT_DONE;
}

const plat_ops plat_linkedin = {
    .id = "linkedin",
    .title = "LinkedIn",
    .needs_pkce = 0,
    .picks_accounts = 0,
    .authorize_url = authorize_url,
    .connect = connect,
    .refresh = refresh,
    .revoke = NULL,
};
