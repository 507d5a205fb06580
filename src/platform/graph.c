/* graph.c - Meta Graph API plumbing shared by the Facebook and Instagram adapters. */
#include "platform/graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of a Graph message goes into err.message. */
#define GRAPH_MSG_MAX 300

void graph_url_start(graph_url *u, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(u->s, sizeof u->s, fmt, ap);
    va_end(ap);
    u->over = w < 0 || (size_t)w >= sizeof u->s;
    u->len = u->over ? 0 : (size_t)w;
}

/* Append s percent-encoded (RFC 3986 unreserved characters kept). */
static void url_enc(graph_url *u, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p && !u->over; p++) {
        int keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~';
        if (u->len + (keep ? 1 : 3) >= sizeof u->s) {
            u->over = 1;
            break;
        }
        if (keep) {
            u->s[u->len++] = (char)*p;
        } else {
            u->s[u->len++] = '%';
            u->s[u->len++] = hex[*p >> 4];
            u->s[u->len++] = hex[*p & 15];
        }
    }
    u->s[u->len] = '\0';
}

void graph_url_segment(graph_url *u, const char *segment)
{
    if (u->over)
        return;
    if (u->len + 1 >= sizeof u->s || memchr(u->s, '?', u->len) != NULL) {
        u->over = 1;
        return;
    }
    u->s[u->len++] = '/';
    u->s[u->len] = '\0';
    url_enc(u, segment);
}

void graph_url_arg(graph_url *u, const char *key, const char *value)
{
    if (u->over)
        return;
    if (u->len + 1 >= sizeof u->s) {
        u->over = 1;
        return;
    }
    char sep = memchr(u->s, '?', u->len) != NULL ? '&' : '?';
    u->s[u->len++] = sep;
    u->s[u->len] = '\0';
    url_enc(u, key);
    if (!u->over && u->len + 1 < sizeof u->s) {
        u->s[u->len++] = '=';
        u->s[u->len] = '\0';
    } else {
        u->over = 1;
    }
    url_enc(u, value != NULL ? value : "");
}

plat_step graph_request(plat_job *job, const char *method, const graph_url *u, const char *what)
{
    if (u->over)
        return plat_fail(job, PERR_PERMANENT, 0, "url_too_long",
                         "%s: the request does not fit in an address (a setting or a code is "
                         "too long)",
                         what);
    plat_req(job, method, "%s", u->s);
    return PLAT_REQUEST;
}

void graph_id_text(const json_t *v, char *out, size_t outlen)
{
    if (json_is_string(v))
        snprintf(out, outlen, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, outlen, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (outlen > 0)
        out[0] = '\0';
}

int graph_str(const json_t *obj, const char *key, char *out, size_t outlen)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (s == NULL)
        s = "";
    if (strlen(s) >= outlen) {
        out[0] = '\0';
        return -1;
    }
    snprintf(out, outlen, "%s", s);
    return 0;
}

/* ---- errors ---- */

/* Is s (at least 4 characters) at p?  Its length, or 0. */
static size_t secret_at(const char *p, const char *s)
{
    size_t n = strlen(s);
    return n >= 4 && strncmp(p, s, n) == 0 ? n : 0;
}

/*
 * A platform message made fit for people and logs: "(#100) " dropped,
 * control characters turned into spaces, anything secret the job holds
 * replaced by "[hidden]", cut at GRAPH_MSG_MAX.
 */
static void clean_message(const plat_job *job, const char *in, char *out, size_t outlen)
{
    if (in[0] == '(' && in[1] == '#') {
        const char *close = strchr(in, ')');
        if (close != NULL && close - in < 16)
            in = close[1] == ' ' ? close + 2 : close + 1;
    }
    const char *secrets[8 + PLAT_MAX_ACCOUNTS];
    int ns = 0;
    secrets[ns++] = job->pc != NULL ? job->pc->client_secret : "";
    secrets[ns++] = job->in.access;
    secrets[ns++] = job->in.refresh;
    secrets[ns++] = job->tokens.access;
    secrets[ns++] = job->tokens.refresh;
    secrets[ns++] = job->code;
    secrets[ns++] = job->verifier;
    for (int i = 0; i < job->naccounts && i < PLAT_MAX_ACCOUNTS; i++)
        secrets[ns++] = job->accounts[i].tokens.access;
    size_t o = 0, limit = outlen < GRAPH_MSG_MAX + 1 ? outlen : GRAPH_MSG_MAX + 1;
    for (const char *p = in; *p && o + 1 < limit;) {
        size_t skip = 0;
        for (int k = 0; k < ns && skip == 0; k++)
            skip = secret_at(p, secrets[k]);
        if (skip > 0) {
            const char *h = "[hidden]";
            for (; *h && o + 1 < limit; h++)
                out[o++] = *h;
            p += skip;
            continue;
        }
        unsigned char c = (unsigned char)*p++;
        out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    out[o] = '\0';
    while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '.'))
        out[--o] = '\0';
}

/* When to try again after throttling: Business Use Case estimate, Retry-After, or 0. */
static int64_t retry_at(const plat_job *job, const plat_response *r)
{
    if (r->header == NULL)
        return 0;
    const char *buc = r->header(r, "x-business-use-case-usage");
    json_int_t minutes = 0;
    json_t *j = buc != NULL ? json_loads(buc, 0, NULL) : NULL;
    const char *k;
    json_t *list;
    json_object_foreach(j, k, list)
    {
        size_t i;
        json_t *one;
        json_array_foreach(list, i, one)
        {
            json_int_t m =
                json_integer_value(json_object_get(one, "estimated_time_to_regain_access"));
            if (m > minutes && m < 7 * 24 * 60)
                minutes = m;
        }
    }
    json_decref(j);
    if (minutes > 0)
        return job->now_ms + (int64_t)minutes * 60000;
    const char *ra = r->header(r, "retry-after");
    if (ra != NULL) {
        char *end = NULL;
        long long s = strtoll(ra, &end, 10);
        if (end != ra && s > 0 && s < 7LL * 86400)
            return job->now_ms + s * 1000;
    }
    return 0;
}

/* The kind of a Graph error code (see PLATFORMS.md section 1, Errors). */
static plat_err_kind classify(const plat_job *job, long long code, long long subcode, int transient)
{
    if (code == 190 || code == 102) {
        if (code == 190 && (subcode == 458 || subcode == 460 || subcode == 467))
            return PERR_REVOKED;
        /* Meta has no refresh grant for a dead token: only a new sign-in helps. */
        return job->kind == PJOB_REFRESH ? PERR_REVOKED : PERR_TOKEN_EXPIRED;
    }
    if (code == 10 || (code >= 200 && code <= 299))
        return PERR_DENIED;
    /* 4 app, 17 user, 32 page, 341 and 613 throttling; 800xx Business Use Case throttling. */
    if (code == 4 || code == 17 || code == 32 || code == 341 || code == 613 ||
        (code >= 80000 && code <= 80014))
        return PERR_RATE_LIMITED;
    if (code == 1 || code == 2 || transient)
        return PERR_TRANSIENT;
    return PERR_INVALID;
}

plat_step graph_fail(plat_job *job, const plat_response *r, const char *title, const char *what)
{
    if (r->status == 0)
        return plat_fail_generic(job, r, what);
    json_t *j = r->body != NULL ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
    json_t *e = json_object_get(j, "error");
    const char *legacy = json_string_value(json_object_get(j, "error_message"));
    char msg[GRAPH_MSG_MAX + 1], code[64];
    plat_step s;
    if (json_is_object(e)) {
        const char *m = json_string_value(json_object_get(e, "message"));
        long long c = json_integer_value(json_object_get(e, "code"));
        long long sub = json_integer_value(json_object_get(e, "error_subcode"));
        int transient = json_is_true(json_object_get(e, "is_transient"));
        clean_message(job, m != NULL ? m : "no reason given", msg, sizeof msg);
        if (sub != 0)
            snprintf(code, sizeof code, "%lld/%lld", c, sub);
        else
            snprintf(code, sizeof code, "%lld", c);
        plat_err_kind kind = classify(job, c, sub, transient);
        if (c == 1 && m != NULL && strstr(m, "client secret") != NULL) {
            /* Graph answers a wrong app secret with code 1, which otherwise means "retry". */
            s = plat_fail(job, PERR_INVALID, r->status, code,
                          "%s: %s did not accept this server's app secret; the administrator "
                          "should check the %s client secret",
                          what, title, title);
        } else {
            switch (kind) {
            case PERR_REVOKED:
                s = plat_fail(
                    job, kind, r->status, code,
                    "%s: %s no longer accepts the saved authorization (%s); reconnect the "
                    "account",
                    what, title, msg);
                break;
            case PERR_TOKEN_EXPIRED:
                s = plat_fail(job, kind, r->status, code,
                              "%s: %s no longer accepts the access token (%s); reconnect the "
                              "account",
                              what, title, msg);
                break;
            case PERR_DENIED:
                s = plat_fail(job, kind, r->status, code,
                              "%s: %s refused because a permission is missing (%s)", what, title,
                              msg);
                break;
            case PERR_RATE_LIMITED:
                job->err.retry_at_ms = retry_at(job, r);
                s = plat_fail(job, kind, r->status, code,
                              "%s: %s asks us to slow down (%s); try again later", what, title,
                              msg);
                break;
            case PERR_TRANSIENT:
                s = plat_fail(job, kind, r->status, code,
                              "%s: %s had a temporary problem (%s); try again", what, title, msg);
                break;
            default:
                s = plat_fail(job, PERR_INVALID, r->status, code, "%s: %s refused the request (%s)",
                              what, title, msg);
                break;
            }
        }
    } else if (legacy != NULL && r->status < 500 && r->status != 429) {
        /* api.instagram.com: {"error_type","code","error_message"}. */
        const char *type = json_string_value(json_object_get(j, "error_type"));
        clean_message(job, legacy, msg, sizeof msg);
        if (strstr(legacy, "client secret") != NULL)
            s = plat_fail(job, PERR_INVALID, r->status, type != NULL ? type : "refused",
                          "%s: %s did not accept this server's app secret; the administrator "
                          "should check the %s client secret",
                          what, title, title);
        else
            s = plat_fail(job, PERR_INVALID, r->status, type != NULL ? type : "refused",
                          "%s: %s refused the request (%s)", what, title, msg);
    } else {
        s = plat_fail_generic(job, r, what);
    }
    json_decref(j);
    return s;
}

long long graph_error_code(const plat_response *r)
{
    if (r->body == NULL)
        return 0;
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    long long c = json_integer_value(json_object_get(json_object_get(j, "error"), "code"));
    json_decref(j);
    return c;
}

/* ---- Facebook Login ---- */

plat_step graph_fb_code_request(plat_job *job, const char *what)
{
    graph_url u;
    graph_url_start(&u, "%s/%s/oauth/access_token", job->pc->token_url, job->pc->version);
    graph_url_arg(&u, "client_id", job->pc->client_id);
    graph_url_arg(&u, "redirect_uri", job->redirect_uri);
    graph_url_arg(&u, "client_secret", job->pc->client_secret);
    graph_url_arg(&u, "code", job->code);
    return graph_request(job, "GET", &u, what);
}

plat_step graph_fb_exchange_request(plat_job *job, const char *token, const char *what)
{
    graph_url u;
    graph_url_start(&u, "%s/%s/oauth/access_token", job->pc->token_url, job->pc->version);
    graph_url_arg(&u, "grant_type", "fb_exchange_token");
    graph_url_arg(&u, "client_id", job->pc->client_id);
    graph_url_arg(&u, "client_secret", job->pc->client_secret);
    graph_url_arg(&u, "fb_exchange_token", token);
    return graph_request(job, "GET", &u, what);
}

int graph_fb_token(const plat_job *job, const plat_response *r, plat_tokens *t,
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

int graph_fb_granted(const plat_response *r, char *out, size_t outlen)
{
    json_t *j = json_loadb(r->body, r->body_len, 0, NULL);
    json_t *data = json_object_get(j, "data");
    if (!json_is_array(data) || outlen == 0) {
        json_decref(j);
        return -1;
    }
    size_t o = 0, i;
    json_t *v;
    out[0] = '\0';
    json_array_foreach(data, i, v)
    {
        const char *perm = json_string_value(json_object_get(v, "permission"));
        const char *status = json_string_value(json_object_get(v, "status"));
        if (perm == NULL || status == NULL || strcmp(status, "granted") != 0)
            continue;
        size_t n = strlen(perm);
        if (o + n + 2 > outlen)
            break;
        if (o > 0)
            out[o++] = ',';
        memcpy(out + o, perm, n + 1);
        o += n;
    }
    json_decref(j);
    return 0;
}

int graph_has_perm(const char *list, const char *perm)
{
    size_t pl = strlen(perm);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        if (n == pl && strncmp(p, perm, n) == 0)
            return 1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

int graph_fb_next_ok(const plat_job *job, const char *next)
{
    size_t base = strlen(job->pc->api_url);
    return strncmp(next, job->pc->api_url, base) == 0 && next[base] == '/' &&
           strlen(next) < PLAT_URL_MAX;
}

plat_step graph_fb_revoke(plat_job *job, const plat_response *last)
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

plat_step graph_fb_refresh(plat_job *job, const plat_response *last, const char *product,
                           int64_t long_ttl_s)
{
    char what[64];
    snprintf(what, sizeof what, "Renewing %s access", product);
    if (last == NULL) {
        if (job->in.access[0] == '\0')
            return plat_fail(job, PERR_REVOKED, 0, "no_token",
                             "no %s token is stored; reconnect the account", product);
        if (job->in.access_expires_at == 0) {
            /* A Page token: it does not expire, so there is nothing to renew. */
            job->tokens = job->in;
            return PLAT_DONE;
        }
        if (job->in.access_expires_at <= job->now_ms)
            return plat_fail(job, PERR_REVOKED, 0, "expired",
                             "the Facebook access has expired and Facebook cannot renew an "
                             "expired token; reconnect the account");
        return graph_fb_exchange_request(job, job->in.access, what);
    }
    if (last->status != 200)
        return graph_fail(job, last, "Facebook", what);
    /* Facebook may hand back the same token with the same expiry: that is still a success. */
    if (graph_fb_token(job, last, &job->tokens, long_ttl_s) != 0)
        return plat_fail(job, PERR_PERMANENT, last->status, "bad_response",
                         "Facebook answered the token exchange in a way we do not understand");
    return PLAT_DONE;
}
