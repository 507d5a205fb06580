/*
 * sim.h - the platform simulator's core, shared by the platform modules.
 *
 * One process and one port speak the HTTP contracts of Facebook, Instagram,
 * LinkedIn, YouTube, X and two AI APIs (../shared/PLATFORMS.md), each under
 * a path prefix standing for its real host (/facebook/graph for
 * graph.facebook.com, ...).  A module gets the request with the prefix
 * taken off, so the paths it sees are the real ones.
 *
 * All simulated state (tokens, codes, posts, media, uploads) lives in one
 * JSON document guarded by one mutex: modules take sim_lock() around every
 * read and change of it.  The admin API dumps it, resets it, and injects
 * faults.  Time is a simulated clock that the admin API can move forward.
 */
#ifndef P2S_SIM_H
#define P2S_SIM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
typedef struct sim sim;

/* A request as a module sees it. */
typedef struct sim_req {
    const char *method;          /* "GET", "POST", ... */
    const char *platform;        /* the module's name, e.g. "facebook" */
    const char *prefix;          /* the prefix matched, e.g. "/facebook/graph" */
    char path[1024];             /* the real path, after the prefix ("/v20.0/me") */
    const char *body;            /* request body (NUL-terminated), may be empty */
    size_t body_len;             /* its length */
    int64_t now_ms;              /* simulated clock */
    char base_url[256];          /* how clients reach the simulator, e.g. http://127.0.0.1:9090 */
    struct MHD_Connection *conn; /* for header and query lookups */
    json_t *_form;               /* parsed urlencoded/multipart body (lazily) */
    json_t *_json;               /* parsed JSON body (lazily) */
} sim_req;

/* A response a module fills in. */
typedef struct sim_resp {
    int status;            /* HTTP status */
    char *body;            /* malloc'd body, or NULL */
    size_t len;            /* body length */
    char content_type[96]; /* "" = none */
    struct {
        char name[64];
        char value[1024];
    } headers[12]; /* extra headers */
    int nheaders;
    int drop; /* close the connection without an answer */
} sim_resp;

/* Request reading. */
const char *sim_query(const sim_req *r, const char *name);
const char *sim_header(const sim_req *r, const char *name);
/* A field of a form body (application/x-www-form-urlencoded or multipart/form-data), or NULL. */
const char *sim_form(sim_req *r, const char *name);
/* Bytes of a multipart file field (or a form field), or NULL. */
const char *sim_form_bytes(sim_req *r, const char *name, size_t *len);
/* The JSON body, or NULL if absent or not JSON. Owned by r. */
json_t *sim_json(sim_req *r);
/* The bearer token of "Authorization: Bearer X", or NULL. */
const char *sim_bearer(const sim_req *r);
/* "client_id:secret" from "Authorization: Basic ..." into out; 0 or -1. */
int sim_basic(const sim_req *r, char *out, size_t outlen);
/* 1 if the path matches a pattern where '*' stands for one segment; captures into caps. */
int sim_path(const sim_req *r, const char *pattern, char caps[][128], int ncaps);

/* Responses. */
void sim_reply_json(sim_resp *out, int status, json_t *body); /* steals body */
void sim_reply_text(sim_resp *out, int status, const char *type, const char *text);
void sim_reply_bytes(sim_resp *out, int status, const char *type, const void *data, size_t len);
void sim_reply_empty(sim_resp *out, int status);
void sim_add_header(sim_resp *out, const char *name, const char *value);
void sim_redirect(sim_resp *out, const char *location);

/* State: lock around every use of sim_state(). */
void sim_lock(sim *s);
void sim_unlock(sim *s);
/* The state document: {"tokens":{},"codes":{},"posts":[],"media":{},"uploads":{},"seq":N,...}. */
json_t *sim_state(sim *s);
/* A fresh numeric id (as decimal text, 15-19 digits like the platforms use), under the lock. */
void sim_next_id(sim *s, char *out, size_t outlen);
/* A fresh random token/code string with a prefix. */
void sim_random(const char *prefix, char *out, size_t outlen);
/* Simulated now, UTC ms. */
int64_t sim_now(sim *s);

/* Tokens and codes (call under the lock). */
typedef enum sim_tok {
    TOK_OK = 0,
    TOK_INVALID, /* unknown, or for another platform */
    TOK_EXPIRED, /* past its expiry */
    TOK_REVOKED  /* revoked by the user/admin, or its family was killed */
} sim_tok;

/*
 * Issue a token for platform: kind "access" or "refresh" (or a module's own,
 * e.g. "page"), subject (the user/page id), ttl_ms (0 = never expires).
 * fields (may be NULL; not stolen: the caller keeps its reference) are merged into
 * the record (scope, family, client_id ...).
 * Returns the token record (borrowed); the token text is in "token".
 */
json_t *sim_token_issue(sim *s, const char *platform, const char *kind, const char *subject,
                        int64_t ttl_ms, json_t *fields);
/* Look a token up: its record (borrowed) and state. */
sim_tok sim_token_check(sim *s, const char *platform, const char *token, json_t **rec);
/* Revoke one token, or every token of a family. */
void sim_token_revoke(sim *s, const char *token);
void sim_family_revoke(sim *s, const char *family);

/* Record a published post: {platform, account, id, url, text, media:[...], kind, at, ...}. */
void sim_post_add(sim *s, json_t *post);
/* Find a published post by platform and id (borrowed), or NULL. */
json_t *sim_post_find(sim *s, const char *platform, const char *id);

/*
 * Fetch a public media URL as the platform would (Meta fetches with cURL).
 * Stores the bytes and returns a media record id in out; -1 with a reason
 * if the URL cannot be fetched (not under the lock).
 */
int sim_fetch_media(sim *s, const char *url, char *out, size_t outlen, char *why, size_t whylen);
/* Store uploaded bytes as media; returns its id in out. */
void sim_store_media(sim *s, const void *data, size_t len, const char *type, char *out,
                     size_t outlen);
/* Size and content type of stored media, or -1. */
int sim_media_info(sim *s, const char *id, size_t *len, char *type, size_t typelen);

/* Processing simulation: polls before a media item is ready, and whether it fails. */
int sim_processing_polls(sim *s, const char *platform);
int sim_processing_fails(sim *s, const char *platform);

/* A module: the prefixes (hosts) it serves and its handler. */
typedef struct sim_module {
    const char *name;        /* "facebook" */
    const char *prefixes[6]; /* "/facebook/graph", ... (NULL-terminated) */
    /* Answer the request; return 0 if handled, -1 for 404 in the platform's envelope. */
    int (*handle)(sim *s, sim_req *r, sim_resp *out);
    /*
     * The platform's error envelope for the core's own errors: kind is
     * "rate_limited", "not_found" or "server"; status is the HTTP status.
     */
    void (*error)(sim_resp *out, int status, const char *kind, const char *message);
} sim_module;

/* The modules (each platform file defines one). */
extern const sim_module sim_facebook; /* www.facebook.com, graph.facebook.com */
extern const sim_module
    sim_instagram; /* www.instagram.com, api.instagram.com, graph.instagram.com */
extern const sim_module sim_linkedin;
extern const sim_module sim_google; /* accounts, oauth2, youtube, upload */
extern const sim_module sim_x;
extern const sim_module sim_ai; /* openai + ark */

/* The consent page every OAuth module shows (or skips with sim_approve=allow|deny). */
void sim_consent(sim *s, sim_req *r, sim_resp *out, const char *platform_title,
                 const char *account_name, const char *scopes, const char *approve_url,
                 const char *deny_url);

/* Minimal PNG encoder (RGB, 8-bit): malloc'd bytes in *out. 0 or -1. */
int sim_png(const unsigned char *rgb, int w, int h, unsigned char **out, size_t *outlen);

#endif
