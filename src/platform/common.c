/* common.c - helpers every adapter uses: building requests, classifying errors, the registry. */
#define _GNU_SOURCE
#include "platform/platform.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const plat_ops *const registry[] = {&plat_facebook, &plat_instagram, &plat_instagram_fb,
                                           &plat_linkedin, &plat_youtube,   &plat_x};

const plat_ops *plat_find(const char *id)
{
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (strcmp(registry[i]->id, id) == 0)
            return registry[i];
    return NULL;
}

const char *plat_stored_name(const plat_ops *ops)
{
    return ops->store_as != NULL ? ops->store_as : ops->id;
}

const plat_ops *plat_for_account(const char *platform, const char *kind)
{
    if (platform == NULL)
        return NULL;
    if (strcmp(platform, "instagram") == 0 && kind != NULL &&
        strcmp(kind, PLAT_KIND_IG_THROUGH_PAGE) == 0)
        return &plat_instagram_fb;
    /* Only adapters that store under their own id answer to it ("instagram_fb" is no
     * stored platform). */
    const plat_ops *ops = plat_find(platform);
    return ops != NULL && strcmp(plat_stored_name(ops), platform) == 0 ? ops : NULL;
}

const platform_cfg *plat_settings(const config *cfg, const char *id)
{
    /* Instagram through a Facebook Page signs in with the Facebook app. */
    if (strcmp(id, "facebook") == 0 || strcmp(id, "instagram_fb") == 0)
        return &cfg->facebook;
    if (strcmp(id, "instagram") == 0)
        return &cfg->instagram;
    if (strcmp(id, "linkedin") == 0)
        return &cfg->linkedin;
    if (strcmp(id, "youtube") == 0)
        return &cfg->google;
    if (strcmp(id, "x") == 0)
        return &cfg->x;
    return NULL;
}

void plat_job_init(plat_job *job, plat_job_kind kind, const config *cfg, const char *id)
{
    memset(job, 0, sizeof *job);
    job->kind = kind;
    job->cfg = cfg;
    job->pc = plat_settings(cfg, id);
}

/* ---- requests and errors, shared by the connect and publishing sides ---- */

void plat_request_reset(plat_request *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

void plat_request_vstart(plat_request *r, const char *method, const char *fmt, va_list ap)
{
    plat_request_reset(r);
    snprintf(r->method, sizeof r->method, "%s", method);
    vsnprintf(r->url, sizeof r->url, fmt, ap);
}

void plat_request_vheader(plat_request *r, const char *fmt, va_list ap)
{
    if (r->nheaders >= PLAT_MAX_HEADERS)
        return;
    vsnprintf(r->headers[r->nheaders], sizeof r->headers[0], fmt, ap);
    r->nheaders++;
}

static void request_header(plat_request *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void request_header(plat_request *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plat_request_vheader(r, fmt, ap);
    va_end(ap);
}

void plat_request_body(plat_request *r, const char *content_type, const char *body, size_t len)
{
    free(r->body);
    r->body = malloc(len + 1);
    r->body_len = 0;
    if (r->body != NULL) {
        memcpy(r->body, body, len);
        r->body[len] = '\0';
        r->body_len = len;
    }
    if (content_type != NULL)
        request_header(r, "Content-Type: %s", content_type);
}

void plat_urlenc(const char *s, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 4 < outlen; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

void plat_request_form_add(plat_request *r, const char *key, const char *value)
{
    size_t need = strlen(key) * 3 + strlen(value) * 3 + 3;
    char *enc = malloc(need);
    if (enc == NULL)
        return;
    char *b = realloc(r->body, r->body_len + need + 1);
    if (b == NULL) {
        free(enc);
        return;
    }
    r->body = b;
    size_t o = r->body_len;
    if (o > 0)
        b[o++] = '&';
    plat_urlenc(key, enc, need);
    memcpy(b + o, enc, strlen(enc));
    o += strlen(enc);
    b[o++] = '=';
    plat_urlenc(value, enc, need);
    memcpy(b + o, enc, strlen(enc));
    o += strlen(enc);
    b[o] = '\0';
    r->body_len = o;
    free(enc);
}

void plat_error_vset(plat_error *e, plat_err_kind kind, int status, const char *code,
                     const char *fmt, va_list ap)
{
    e->kind = kind;
    e->http_status = status;
    snprintf(e->code, sizeof e->code, "%s", code != NULL ? code : "");
    vsnprintf(e->message, sizeof e->message, fmt, ap);
}

static void error_set(plat_error *e, plat_err_kind kind, int status, const char *code,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void error_set(plat_error *e, plat_err_kind kind, int status, const char *code,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plat_error_vset(e, kind, status, code, fmt, ap);
    va_end(ap);
}

void plat_error_generic(plat_error *e, const plat_response *r, int64_t now_ms, const char *what)
{
    if (r->status == 0) {
        error_set(e, PERR_TRANSIENT, 0, "network",
                  "%s: the platform could not be reached; try again", what);
        return;
    }
    if (r->status == 429) {
        const char *ra = r->header != NULL ? r->header(r, "retry-after") : NULL;
        const char *reset = r->header != NULL ? r->header(r, "x-rate-limit-reset") : NULL;
        int64_t at = 0;
        if (reset != NULL)
            at = strtoll(reset, NULL, 10) * 1000;
        else if (ra != NULL)
            at = now_ms + strtoll(ra, NULL, 10) * 1000;
        error_set(e, PERR_RATE_LIMITED, 429, "rate_limited",
                  "%s: the platform asks us to slow down", what);
        e->retry_at_ms = at;
        return;
    }
    if (r->status >= 500)
        error_set(e, PERR_TRANSIENT, r->status, "server_error",
                  "%s: the platform had a problem (HTTP %d); try again", what, r->status);
    else if (r->status == 401)
        error_set(e, PERR_TOKEN_EXPIRED, 401, "unauthorized",
                  "%s: the platform no longer accepts the access token", what);
    else
        error_set(e, PERR_INVALID, r->status, "refused",
                  "%s: the platform refused the request (HTTP %d)", what, r->status);
}

/* ---- the connect side's wrappers ---- */

void plat_job_reset_request(plat_job *job)
{
    plat_request_reset(&job->req);
}

void plat_job_free(plat_job *job)
{
    plat_job_reset_request(job);
}

void plat_req(plat_job *job, const char *method, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plat_request_vstart(&job->req, method, fmt, ap);
    va_end(ap);
}

void plat_req_header(plat_job *job, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plat_request_vheader(&job->req, fmt, ap);
    va_end(ap);
}

void plat_req_body(plat_job *job, const char *content_type, const char *body, size_t len)
{
    plat_request_body(&job->req, content_type, body, len);
}

void plat_form_add(plat_job *job, const char *key, const char *value)
{
    plat_request_form_add(&job->req, key, value);
}

plat_step plat_fail(plat_job *job, plat_err_kind kind, int status, const char *code,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    plat_error_vset(&job->err, kind, status, code, fmt, ap);
    va_end(ap);
    return PLAT_FAIL;
}

plat_step plat_fail_generic(plat_job *job, const plat_response *r, const char *what)
{
    plat_error_generic(&job->err, r, job->now_ms, what);
    return PLAT_FAIL;
}

/* Copy text, cut at a UTF-8 character boundary when it does not fit. */
void plat_copy_text(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* Copy src whole (an address is useless cut short); "" when it does not fit. */
void plat_copy_whole(char *dst, size_t n, const char *src)
{
    if (src != NULL && strlen(src) < n)
        memcpy(dst, src, strlen(src) + 1);
    else
        dst[0] = '\0';
}

/* A lifetime in seconds (integer, real or digits); dflt when absent or not positive. */
int64_t plat_seconds(const json_t *v, int64_t dflt)
{
    int64_t s = 0;
    if (json_is_integer(v)) {
        s = (int64_t)json_integer_value(v);
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        s = d >= (double)PLAT_MAX_TTL_S ? PLAT_MAX_TTL_S : d > 0 ? (int64_t)d : 0;
    } else if (json_is_string(v)) {
        const char *t = json_string_value(v);
        char *end = NULL;
        long long n = strtoll(t, &end, 10);
        if (end != t && *end == '\0')
            s = n;
    }
    if (s <= 0)
        return dflt;
    return s > PLAT_MAX_TTL_S ? PLAT_MAX_TTL_S : s;
}

/* 1 if word is in a scope list separated by spaces or commas. */
int plat_has_scope(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, " ,");
        if (l == wl && strncmp(p, word, wl) == 0)
            return 1;
        p += l;
        p += strspn(p, " ,");
    }
    return 0;
}

/* 1 if s is a plausible platform id (letters, digits, '-', '_'), shorter than max. */
int plat_id_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n > 0 && n < max &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789-_") == n;
}

int plat_oauth_tokens(plat_job *job, const plat_response *r, int64_t default_ttl_s,
                      const char *needed_scope, int *has_needed)
{
    json_t *j = json_loadb(r->body != NULL ? r->body : "", r->body_len, 0, NULL);
    const char *access = json_string_value(json_object_get(j, "access_token"));
    const char *refresh = json_string_value(json_object_get(j, "refresh_token"));
    const char *scope = json_string_value(json_object_get(j, "scope"));
    if (access == NULL || *access == '\0' || strlen(access) >= PLAT_TOKEN_MAX ||
        (refresh != NULL && strlen(refresh) >= PLAT_TOKEN_MAX)) {
        json_decref(j);
        return -1;
    }
    int refreshing = job->kind == PJOB_REFRESH;
    plat_tokens *t = &job->tokens;
    memcpy(t->access, access, strlen(access) + 1);
    t->access_expires_at =
        job->now_ms + plat_seconds(json_object_get(j, "expires_in"), default_ttl_s) * 1000;
    if (refresh != NULL && *refresh != '\0')
        memcpy(t->refresh, refresh, strlen(refresh) + 1);
    else
        t->refresh[0] = '\0';
    /* A refresh token with a lifetime (LinkedIn, Google apps in "Testing"); else kept or none. */
    int64_t rttl = plat_seconds(json_object_get(j, "refresh_token_expires_in"), 0);
    if (rttl > 0)
        t->refresh_expires_at = job->now_ms + rttl * 1000;
    else
        t->refresh_expires_at = refreshing ? job->in.refresh_expires_at : 0;
    if (scope != NULL)
        plat_copy_text(t->scopes, sizeof t->scopes, scope);
    else
        plat_copy_text(t->scopes, sizeof t->scopes, refreshing ? job->in.scopes : "");
    if (has_needed != NULL)
        *has_needed = scope == NULL || needed_scope == NULL || plat_has_scope(scope, needed_scope);
    json_decref(j);
    return 0;
}
