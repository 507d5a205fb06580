/*
 * platform.h - the adapter interface: one sans-I/O state machine per
 * platform and job kind.  An adapter never touches a socket, a file or the
 * clock; it is handed the last HTTP response and says what to do next:
 *
 *   step = ops->connect(&job, last)        (last is NULL on the first call)
 *     PLAT_REQUEST  job.req filled: the next HTTP request to make
 *     PLAT_DONE     job results filled (tokens, accounts)
 *     PLAT_FAIL     job.err filled: a classified error
 *
 * The caller owns all I/O (platform/http_exec.c runs a job to the end with
 * libcurl).  Adapters are unit-tested with canned responses.
 *
 * Connect = code exchange -> (long-lived token) -> identity -> accounts.
 * Refresh = the platform's refresh grant.  Revoke = revocation where the
 * platform offers it.  Publishing (later) uses the same shape.
 */
#ifndef P2S_PLATFORM_PLATFORM_H
#define P2S_PLATFORM_PLATFORM_H

#include "core/config.h"

#include <jansson.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define PLAT_URL_MAX      2048
#define PLAT_TOKEN_MAX    4096
#define PLAT_MAX_HEADERS  8
#define PLAT_MAX_ACCOUNTS 16

/* What an adapter asks for next. */
typedef enum plat_step { PLAT_REQUEST = 1, PLAT_DONE, PLAT_FAIL } plat_step;

/* How a platform error should be treated. */
typedef enum plat_err_kind {
    PERR_NONE = 0,
    PERR_TOKEN_EXPIRED, /* the token is dead: refresh, or reconnect */
    PERR_REVOKED,       /* the user or the platform withdrew access: reconnect */
    PERR_DENIED,        /* the user refused consent, or a permission is missing */
    PERR_INVALID,       /* the platform refused our request (bad code, bad parameter) */
    PERR_RATE_LIMITED,  /* wait until retry_at */
    PERR_TRANSIENT,     /* try again later */
    PERR_PERMANENT      /* will not work by trying again */
} plat_err_kind;

typedef struct plat_error {
    plat_err_kind kind;
    int http_status;     /* the platform's status, 0 if none */
    char code[64];       /* the platform's own code ("190/463", "invalid_grant") */
    char message[512];   /* for people, in plain words */
    int64_t retry_at_ms; /* PERR_RATE_LIMITED: when to try again (0 unknown) */
} plat_error;

/* One HTTP request. body is owned by the job (freed by plat_job_reset). */
typedef struct plat_request {
    char method[8];
    char url[PLAT_URL_MAX];
    char headers[PLAT_MAX_HEADERS][2048]; /* "Name: value" (room for long bearer tokens) */
    int nheaders;
    char *body;
    size_t body_len;
} plat_request;

/* One HTTP response as the adapter sees it. */
typedef struct plat_response {
    int status;       /* 0 = no answer (network failure) */
    const char *body; /* NUL-terminated */
    size_t body_len;
    const char *(*header)(const struct plat_response *r, const char *name); /* case-insensitive */
    void *_ctx;                                                             /* for header() */
} plat_response;

/* Tokens of one grant. */
typedef struct plat_tokens {
    char access[PLAT_TOKEN_MAX];
    char refresh[PLAT_TOKEN_MAX]; /* "" = none granted (keep the stored one) */
    int64_t access_expires_at;    /* UTC ms, 0 = does not expire */
    int64_t refresh_expires_at;   /* UTC ms, 0 = unknown or never */
    char scopes[1024];
} plat_tokens;

/* One account a grant gives access to (a Page, a channel, the user). */
typedef struct plat_account {
    char remote_id[128];
    char name[256];
    char username[128];
    char avatar_url[1024];
    char kind[32];      /* "page", "profile", "channel", "business", "business_page" */
    plat_tokens tokens; /* the account's own tokens (page tokens) when it has them */
    int has_own_tokens;
} plat_account;

/* Job kinds. */
typedef enum plat_job_kind { PJOB_CONNECT = 1, PJOB_REFRESH, PJOB_REVOKE } plat_job_kind;

/* A job: inputs, the adapter's private progress, and results. */
typedef struct plat_job {
    plat_job_kind kind;
    const config *cfg;
    const platform_cfg *pc; /* the platform's settings */
    int64_t now_ms;         /* set by the caller before each step */
    /* inputs */
    char code[1024];    /* PJOB_CONNECT: the authorization code */
    char verifier[128]; /* PKCE verifier */
    char redirect_uri[PLAT_URL_MAX];
    plat_tokens in; /* PJOB_REFRESH/REVOKE: the stored tokens */
    /* progress (the adapter's own) */
    int phase;
    /* outputs */
    plat_request req;
    plat_tokens tokens; /* the grant's (user) tokens */
    plat_account accounts[PLAT_MAX_ACCOUNTS];
    int naccounts;
    plat_error err;
} plat_job;

/*
 * A platform's connect side.  One platform may be reached through more than
 * one adapter (Instagram: Instagram Login, and Facebook Login through a
 * Page); the accounts of both are stored under the platform's name
 * (store_as) and told apart by their kind (plat_for_account).
 */
typedef struct plat_ops {
    const char *id;       /* "facebook", "instagram", "instagram_fb", "linkedin", ... */
    const char *title;    /* "Facebook Pages" */
    const char *store_as; /* social_accounts.platform of its accounts; NULL = id */
    int needs_pkce;       /* send code_challenge (S256) */
    int picks_accounts;   /* the user chooses which accounts to connect (Pages) */
    /* Write the authorization URL into out.  0, or -1 if it does not fit. */
    int (*authorize_url)(const plat_job *job, const char *state, const char *challenge, char *out,
                         size_t outlen);
    plat_step (*connect)(plat_job *job, const plat_response *last);
    plat_step (*refresh)(plat_job *job, const plat_response *last);
    plat_step (*revoke)(plat_job *job, const plat_response *last); /* NULL: no revocation */
} plat_ops;

/* The kind of an Instagram account connected through a Facebook Page (plat_instagram_fb). */
#define PLAT_KIND_IG_THROUGH_PAGE "business_page"

/* The adapters. */
extern const plat_ops plat_facebook, plat_instagram, plat_instagram_fb, plat_linkedin, plat_youtube,
    plat_x;

/* Find an adapter by id; NULL if unknown. */
const plat_ops *plat_find(const char *id);

/* The platform name an adapter's accounts are stored under (store_as, else id). */
const char *plat_stored_name(const plat_ops *ops);

/*
 * The adapter that looks after a stored account (refresh, revoke), from
 * its social_accounts.platform and kind: an Instagram account of kind
 * "business_page" came through a Facebook Page (plat_instagram_fb), any
 * other through Instagram Login.  NULL if unknown.
 */
const plat_ops *plat_for_account(const char *platform, const char *kind);

/* The settings block an adapter uses (youtube uses cfg->google, instagram_fb cfg->facebook). */
const platform_cfg *plat_settings(const config *cfg, const char *id);

/* Requests and errors, for the connect and publishing sides alike (platform/common.c). */
void plat_request_reset(plat_request *r);
void plat_request_vstart(plat_request *r, const char *method, const char *fmt, va_list ap);
void plat_request_vheader(plat_request *r, const char *fmt, va_list ap);
/* Set the body (copied) and, when content_type is not NULL, its Content-Type header. */
void plat_request_body(plat_request *r, const char *content_type, const char *body, size_t len);
/* Append "k=v" (percent-encoded) to a form body. */
void plat_request_form_add(plat_request *r, const char *key, const char *value);
void plat_error_vset(plat_error *e, plat_err_kind kind, int status, const char *code,
                     const char *fmt, va_list ap);
/* Classify a response that is not 2xx by its status alone (network, 429, 5xx, 401, other). */
void plat_error_generic(plat_error *e, const plat_response *r, int64_t now_ms, const char *what);

/* Helpers for adapters (platform/common.c). */
void plat_job_init(plat_job *job, plat_job_kind kind, const config *cfg, const char *id);
void plat_job_reset_request(plat_job *job);
void plat_job_free(plat_job *job);
/* Start a request: method and printf-style URL. */
void plat_req(plat_job *job, const char *method, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void plat_req_header(plat_job *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Set a body (copied). */
void plat_req_body(plat_job *job, const char *content_type, const char *body, size_t len);
/* Append "k=v" (percent-encoded) to a form body being built in job->req. */
void plat_form_add(plat_job *job, const char *key, const char *value);
/* Percent-encode s into out. */
void plat_urlenc(const char *s, char *out, size_t outlen);
/* Fail the job with a classified error; returns PLAT_FAIL. */
plat_step plat_fail(plat_job *job, plat_err_kind kind, int status, const char *code,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Longest token lifetime believed, in seconds (anything longer is cut to this). */
#define PLAT_MAX_TTL_S (20LL * 365 * 86400)

/* Copy text into dst (size n), cut at a UTF-8 character boundary if it does not fit. */
void plat_copy_text(char *dst, size_t n, const char *src);
/* Copy src whole (an address cut short is useless); "" when it is NULL or does not fit. */
void plat_copy_whole(char *dst, size_t n, const char *src);
/* A lifetime in seconds from JSON (integer, real or digits); dflt when absent or not positive. */
int64_t plat_seconds(const json_t *v, int64_t dflt);
/* 1 if word is in a scope list separated by spaces or commas. */
int plat_has_scope(const char *list, const char *word);
/* 1 if s is a plausible platform id (letters, digits, '-', '_'), shorter than max. */
int plat_id_ok(const char *s, size_t max);

/*
 * Read a standard OAuth 2.0 token answer (access_token, expires_in,
 * refresh_token, refresh_token_expires_in, scope) into job->tokens.  On a
 * refresh what the answer leaves out is kept: the refresh token stays ""
 * (the stored one is kept) with its stored expiry, and the stored scopes.
 * *has_needed (if not NULL) says whether needed_scope was granted (a missing
 * scope list counts as granted).  0, or -1 if the answer is unusable.
 */
int plat_oauth_tokens(plat_job *job, const plat_response *r, int64_t default_ttl_s,
                      const char *needed_scope, int *has_needed);

/* Classify a response that is not 2xx by status alone (network, 429, 5xx, 401). */
plat_step plat_fail_generic(plat_job *job, const plat_response *r, const char *what);

#endif
