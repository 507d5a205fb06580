/*
 * youtube.c - YouTube through Google OAuth 2.0: authorization code with
 * PKCE S256 and the client secret in the form body, offline access with
 * forced consent (so every connect yields a refresh token), the channel
 * from channels.list?mine=true, refresh (Google does not rotate refresh
 * tokens: the stored one is kept unless an answer carries a new one), and
 * revocation.  Settings: plat_settings(cfg, "youtube") = cfg->google.
 */
#include "platform/platform.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define G_SCOPE_UPLOAD "https://www.googleapis.com/auth/youtube.upload"
#define G_SCOPES                                                                                   \
    G_SCOPE_UPLOAD " https://www.googleapis.com/auth/youtube.readonly "                            \
                   "https://www.googleapis.com/auth/yt-analytics.readonly"
/* Used when an answer leaves the lifetime out (Google says ~3599 s). */
#define G_ACCESS_TTL_S 3600LL

enum { PH_TOKEN = 0, PH_CHANNEL = 1 };

static int authorize_url(const plat_job *job, const char *state, const char *challenge, char *out,
                         size_t outlen)
{
    char cid[800], redir[PLAT_URL_MAX * 3], st[1024], scope[512], pkce[256] = "";
    plat_urlenc(job->pc->client_id, cid, sizeof cid);
    plat_urlenc(job->redirect_uri, redir, sizeof redir);
    plat_urlenc(state, st, sizeof st);
    plat_urlenc(G_SCOPES, scope, sizeof scope);
    if (challenge != NULL && *challenge != '\0') {
        char ch[200];
        plat_urlenc(challenge, ch, sizeof ch);
        snprintf(pkce, sizeof pkce, "&code_challenge=%s&code_challenge_method=S256", ch);
    }
    int w = snprintf(out, outlen,
                     "%s/o/oauth2/v2/auth?client_id=%s&redirect_uri=%s&response_type=code"
                     "&scope=%s&access_type=offline&prompt=consent&include_granted_scopes=true"
                     "&state=%s%s",
                     job->pc->auth_url, cid, redir, scope, st, pkce);
    return w < 0 || (size_t)w >= outlen ? -1 : 0;
}

/* ---- small helpers ---- */

/* ---- errors ---- */

/*
 * An API answer that is not 200:
 * {"error":{"code","message","errors":[{"reason",...}],"status"}}.
 */
static plat_step fail_api(plat_job *job, const plat_response *r, const char *what)
{
    if (r->status == 0 || r->status == 429 || r->status >= 500)
        return plat_fail_generic(job, r, what);
    json_t *j = json_loadb(r->body != NULL ? r->body : "", r->body_len, 0, NULL);
    json_t *e = json_object_get(j, "error");
    const char *reason = json_string_value(
        json_object_get(json_array_get(json_object_get(e, "errors"), 0), "reason"));
    const char *status = json_string_value(json_object_get(e, "status"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *code = reason != NULL ? reason : status != NULL ? status : "refused";
    plat_step s;
    if (reason != NULL &&
        (strcmp(reason, "quotaExceeded") == 0 || strcmp(reason, "dailyLimitExceeded") == 0))
        s = plat_fail(job, PERR_RATE_LIMITED, r->status, reason,
                      "%s: the YouTube API quota of this server's Google project is used up; it "
                      "renews at midnight Pacific time",
                      what);
    else if (reason != NULL && (strcmp(reason, "rateLimitExceeded") == 0 ||
                                strcmp(reason, "userRateLimitExceeded") == 0))
        s = plat_fail(job, PERR_RATE_LIMITED, r->status, reason, "%s: YouTube asks us to slow down",
                      what);
    else if (reason != NULL && strcmp(reason, "youtubeSignupRequired") == 0)
        s = plat_fail(job, PERR_DENIED, r->status, reason,
                      "this Google account has no YouTube channel");
    else if (r->status == 401)
        s = plat_fail(job, PERR_TOKEN_EXPIRED, 401, code,
                      "%s: Google no longer accepts the access token", what);
    else if (r->status == 403)
        s = plat_fail(job, PERR_DENIED, 403, code,
                      "%s: Google refused access (%.200s); connect again and allow every "
                      "permission asked",
                      what, msg != NULL ? msg : code);
    else
        s = plat_fail(job, PERR_INVALID, r->status, code, "%s: YouTube refused (HTTP %d: %.200s)",
                      what, r->status, msg != NULL ? msg : code);
    json_decref(j);
    return s;
}

/* A token or revoke endpoint answer that is not 200: {"error","error_description"}. */
static plat_step fail_oauth(plat_job *job, const plat_response *r, const char *what)
{
    if (r->status == 0 || r->status == 429 || r->status >= 500)
        return plat_fail_generic(job, r, what);
    json_t *j = json_loadb(r->body != NULL ? r->body : "", r->body_len, 0, NULL);
    const char *err = json_string_value(json_object_get(j, "error"));
    const char *desc = json_string_value(json_object_get(j, "error_description"));
    plat_step s;
    if (err == NULL)
        s = fail_api(job, r, what);
    else if (strcmp(err, "invalid_client") == 0)
        s = plat_fail(job, PERR_PERMANENT, r->status, "invalid_client",
                      "%s: Google does not accept this server's client id or secret; the "
                      "administrator should check them",
                      what);
    else if (job->kind == PJOB_REFRESH &&
             (strcmp(err, "invalid_grant") == 0 || strcmp(err, "unauthorized_client") == 0))
        s = plat_fail(job, PERR_REVOKED, r->status, err,
                      "Google no longer accepts the saved authorization (%.200s); reconnect the "
                      "account",
                      desc != NULL ? desc : err);
    else
        s = plat_fail(job, PERR_INVALID, r->status, err, "%s: Google refused (%.200s)", what,
                      desc != NULL ? desc : err);
    json_decref(j);
    return s;
}

/* ---- tokens ---- */

static void token_request(plat_job *job)
{
    plat_req(job, "POST", "%s/token", job->pc->token_url);
    plat_req_header(job, "Content-Type: application/x-www-form-urlencoded");
    plat_req_header(job, "Accept: application/json");
}

/* ---- connect ---- */

static plat_step read_channel(plat_job *job, const plat_response *last)
{
    if (last->status != 200)
        return fail_api(job, last, "Reading the YouTube channel");
    json_t *j = json_loadb(last->body != NULL ? last->body : "", last->body_len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                         "YouTube answered in a way we do not understand");
    }
    json_t *item = json_array_get(json_object_get(j, "items"), 0);
    if (item == NULL) {
        json_decref(j);
        return plat_fail(job, PERR_DENIED, 200, "no_channel",
                         "this Google account has no YouTube channel");
    }
    const char *id = json_string_value(json_object_get(item, "id"));
    if (id == NULL || !plat_id_ok(id, sizeof job->accounts[0].remote_id)) {
        json_decref(j);
        return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                         "YouTube did not say which channel this is");
    }
    json_t *sn = json_object_get(item, "snippet");
    plat_account *a = &job->accounts[0];
    memset(a, 0, sizeof *a);
    memcpy(a->remote_id, id, strlen(id) + 1);
    const char *title = json_string_value(json_object_get(sn, "title"));
    plat_copy_text(a->name, sizeof a->name, title != NULL && *title != '\0' ? title : id);
    plat_copy_whole(a->username, sizeof a->username,
                    json_string_value(json_object_get(sn, "customUrl")));
    json_t *thumb = json_object_get(json_object_get(sn, "thumbnails"), "default");
    plat_copy_whole(a->avatar_url, sizeof a->avatar_url,
                    json_string_value(json_object_get(thumb, "url")));
    snprintf(a->kind, sizeof a->kind, "channel");
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
        if (job->verifier[0] != '\0')
            plat_form_add(job, "code_verifier", job->verifier);
        job->phase = PH_TOKEN;
        return PLAT_REQUEST;
    }
    if (job->phase == PH_CHANNEL)
        return read_channel(job, last);
    if (last->status != 200)
        return fail_oauth(job, last, "Connecting YouTube");
    int can_upload = 0;
    if (plat_oauth_tokens(job, last, G_ACCESS_TTL_S, G_SCOPE_UPLOAD, &can_upload) != 0)
        return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                         "Google answered the token request in a way we do not understand");
    if (!can_upload)
        return plat_fail(job, PERR_DENIED, 200, "scope",
                         "Google did not grant permission to upload videos; connect again and "
                         "allow it");
    plat_req(job, "GET", "%s/youtube/v3/channels?part=snippet&mine=true", job->pc->api_url);
    plat_req_header(job, "Authorization: Bearer %s", job->tokens.access);
    plat_req_header(job, "Accept: application/json");
    job->phase = PH_CHANNEL;
    return PLAT_REQUEST;
}

/* ---- refresh ---- */

static plat_step refresh(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        if (job->in.refresh[0] == '\0')
            return plat_fail(job, PERR_REVOKED, 0, "no_refresh_token",
                             "Google gave no refresh token for this channel; reconnect the "
                             "account");
        token_request(job);
        plat_form_add(job, "grant_type", "refresh_token");
        plat_form_add(job, "refresh_token", job->in.refresh);
        plat_form_add(job, "client_id", job->pc->client_id);
        plat_form_add(job, "client_secret", job->pc->client_secret);
        return PLAT_REQUEST;
    }
    if (last->status != 200)
        return fail_oauth(job, last, "Refreshing YouTube access");
    if (plat_oauth_tokens(job, last, G_ACCESS_TTL_S, NULL, NULL) != 0)
        return plat_fail(job, PERR_PERMANENT, 200, "bad_response",
                         "Google answered the refresh in a way we do not understand");
    return PLAT_DONE;
}

/* ---- revoke ---- */

static plat_step revoke(plat_job *job, const plat_response *last)
{
    if (last == NULL) {
        /* Revoking the refresh token ends the whole grant. */
        const char *tok = job->in.refresh[0] != '\0' ? job->in.refresh : job->in.access;
        if (*tok == '\0')
            return PLAT_DONE; /* nothing to revoke */
        plat_req(job, "POST", "%s/revoke", job->pc->token_url);
        plat_req_header(job, "Content-Type: application/x-www-form-urlencoded");
        plat_form_add(job, "token", tok);
        return PLAT_REQUEST;
    }
    if (last->status == 200)
        return PLAT_DONE;
    if (last->status == 400) {
        /* A token Google no longer knows is as good as revoked. */
        json_t *j = json_loadb(last->body != NULL ? last->body : "", last->body_len, 0, NULL);
        const char *err = json_string_value(json_object_get(j, "error"));
        int gone = err != NULL && strcmp(err, "invalid_token") == 0;
        json_decref(j);
        if (gone)
            return PLAT_DONE;
    }
    return fail_oauth(job, last, "Revoking YouTube access");
}

const plat_ops plat_youtube = {
    .id = "youtube",
    .title = "YouTube",
    .needs_pkce = 1,
    .picks_accounts = 0,
    .authorize_url = authorize_url,
    .connect = connect,
    .refresh = refresh,
    .revoke = revoke,
};
