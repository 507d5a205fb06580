/*
 * meta.h - what the Facebook and Instagram modules share (private to them).
 *
 * Both speak the Graph API: the same error envelope, the same token and
 * field-selection rules, and the same Instagram content-publishing
 * endpoints, which graph.facebook.com (Facebook Login) and
 * graph.instagram.com (Instagram Login) both serve.  facebook.c holds the
 * Graph plumbing; instagram.c holds the Instagram objects and publishing.
 *
 * State: state["meta"]["objects"] holds Facebook photos, videos and
 * unpublished posts and Instagram containers and carousel children (by id);
 * OAuth codes go in the core's state["codes"], tokens in state["tokens"]
 * (with client_id, family, user, scopes, long, and parent for Page tokens),
 * published posts in state["posts"] through sim_post_add.
 */
#ifndef P2S_SIM_META_H
#define P2S_SIM_META_H

#include "sim.h"

/* The demo world (constants the product sees). */
#define META_USER_ID     "10150000000000001"
#define META_USER_NAME   "Sim Demo"
#define META_PAGE1_ID    "20150000000000001"
#define META_PAGE2_ID    "20150000000000002"
#define META_IG_ID       "17841400000000001"
#define META_IG_USERNAME "simcoffee"
#define META_IG_NAME     "Sim Coffee Roasters"

#define META_DAY_MS         (24LL * 3600 * 1000)
#define META_LONG_TTL_S     5183944 /* ~60 days, as Graph reports it */
#define META_CODE_TTL_MS    (10LL * 60 * 1000)
#define META_IG_QUOTA       50 /* API-published posts per moving 24 h */
#define META_CAPTION_MAX    2200
#define META_FB_MESSAGE_MAX 63206

/* One Graph request being answered. */
typedef struct meta_ctx {
    sim *s;
    sim_req *r;
    sim_resp *out;
    int ig_host;           /* graph.instagram.com (Instagram Login) */
    const char *tplatform; /* which platform's tokens this host takes */
    char version[16];      /* "v20.0", or "" when the path had none */
    char path[1024];       /* the path without the version */
    json_t *cache;         /* strings made for arguments (owned) */
    /* The caller's token, once checked (copied out of the state). */
    char token[160];
    char tkind[16];   /* "user", "page" (Facebook) or "access" (Instagram) */
    char subject[64]; /* user id, page id or Instagram user id */
    char family[96];
    json_t *scopes; /* granted permissions (owned copy) */
} meta_ctx;

/* facebook.c: apps, OAuth codes and tokens. */

/* The registered app of a platform ("facebook" or "instagram"): client id and secret. */
void meta_app(const char *platform, char *id, size_t idlen, char *secret, size_t secretlen);
/* 1 if redirect_uri may be used (http(s), no fragment, in SIM_*_REDIRECT_URIS if set). */
int meta_redirect_allowed(const char *platform, const char *uri);
/* base + ?k=v&... (url-encoded; NULL values skipped) + fragment; malloc'd. */
char *meta_build_url(const char *base, const char *const *kv, const char *fragment);
/* "a,b c" as a JSON array of names; and back to "a,b" (malloc'd). */
json_t *meta_scope_list(const char *text);
char *meta_scope_join(json_t *list);

enum { META_CODE_OK, META_CODE_UNKNOWN, META_CODE_USED, META_CODE_EXPIRED, META_CODE_REDIRECT };
/* Issue a single-use code bound to client and redirect_uri (under the lock). */
void meta_code_issue(sim *s, const char *platform, const char *client_id, const char *redirect_uri,
                     json_t *scopes, json_t *declined, const char *subject, char *out,
                     size_t outlen);
/* Redeem a code (under the lock): META_CODE_*, and its record when OK. */
int meta_code_take(sim *s, const char *platform, const char *code, const char *client_id,
                   const char *redirect_uri, json_t **rec);
/* Issue a token with the fields both modules keep (under the lock); the record. */
json_t *meta_issue(sim *s, const char *platform, const char *kind, const char *subject,
                   int64_t ttl_ms, const char *client_id, const char *family, const char *user,
                   json_t *scopes, int long_lived);
/* Check a token, a page token failing with the user token it came from (under the lock). */
sim_tok meta_check(sim *s, const char *platform, const char *token, json_t **rec);
/* Answer a failed check in Graph's words (190 with subcode 463, 460, 458 or none). */
void meta_token_error(sim *s, sim_resp *out, sim_tok st, json_t *rec);

/* facebook.c: the Graph plumbing. */

/* Answer a graph.facebook.com (ig_host 0) or graph.instagram.com (1) request. */
int meta_graph(sim *s, sim_req *r, sim_resp *out, int ig_host);
/* The modules' error(): the core's rate_limited / not_found / server in Graph's envelope. */
void meta_core_error(sim_resp *out, int status, const char *kind, int ig_host);

/* The Graph error envelope; subcode 0 = none; title/umsg may be NULL. */
void meta_error(sim_resp *out, int status, const char *type, int code, int subcode,
                const char *message, const char *title, const char *umsg);
/* An argument from the JSON body, the form body or the query (in that order). */
const char *meta_arg(meta_ctx *g, const char *name);
/* 1 if the checked token holds the permission. */
int meta_has_scope(const meta_ctx *g, const char *perm);
/* Check the request's token (under the lock); 0 = fine, -1 = error answered. */
int meta_auth(meta_ctx *g);
/* Answer an object (built in full) with the fields asked for; steals full. */
void meta_reply_node(meta_ctx *g, json_t *full, const char *node_type, const char *const *defaults);
/* Select fields of full per the fields string; NULL + error answered on a bad field. */
json_t *meta_select(meta_ctx *g, json_t *full, const char *fields, const char *node_type);
/* A list edge: items (stolen) paged by limit/after, each selected by fields. */
void meta_reply_list(meta_ctx *g, json_t *items, const char *node_type,
                     const char *const *defaults);
/* "2026-01-02T03:04:05+0000". */
void meta_time(char *out, size_t len, int64_t ms);
/* A metric growing with time since at_ms (deterministic per id and name). */
json_int_t meta_grow(const char *id, const char *name, int64_t at_ms, int64_t now_ms, int per_hour);
/* "Unsupported get/post request" for an id that is not there (or not the caller's). */
void meta_unsupported(meta_ctx *g, const char *id);
/* "(#100) Tried accessing nonexisting field ..." and friends. */
void meta_bad_param(meta_ctx *g, int code, const char *message);
/* The picture URL of an account (a tiny PNG this module serves). */
void meta_picture_url(meta_ctx *g, const char *id, char *out, size_t len);
/* Objects store: state["meta"]["objects"] (under the lock). */
json_t *meta_objects(sim *s);
/* Fetch a media URL (not under the lock): 0 and the media id, or -1 and why. */
int meta_fetch(sim *s, const char *url, char *id, size_t idlen, char *why, size_t whylen);

/* What fetched bytes are. */
typedef struct meta_media {
    char kind[8]; /* "jpeg", "png", "gif", "webp", "mp4", "mov", "" (unknown) */
    int is_image; /* a still image */
    int is_video; /* an MP4/MOV container */
    size_t size;  /* bytes */
    int width;    /* pixels, 0 if unknown */
    int height;
} meta_media;
/* Look at stored media (not under the lock); -1 if there is none. */
int meta_sniff(sim *s, const char *media_id, meta_media *m);

/* The Instagram business account linked to a page, or NULL. */
const char *meta_ig_of_page(const char *page_id);

/* instagram.c: Instagram users, containers and media on either host. */

/* Handle the request if it is about an Instagram object; 1 = answered, 0 = not one. */
int meta_ig_route(meta_ctx *g, const char *id, const char *edge);
/* Upload bytes (rupload) into a resumable Instagram container; 0 or -1 with why. */
int meta_ig_upload(sim *s, const char *container, const char *token, const void *data, size_t len,
                   const char *file_url, char *why, size_t whylen);

#endif
