/*
 * instagram.c - www.instagram.com (the authorize page), api.instagram.com
 * (the code exchange), graph.instagram.com (tokens, the profile, content
 * publishing) per PLATFORMS.md section 2, and the Instagram objects that
 * graph.facebook.com serves too (Facebook Login): the business account,
 * media containers and their processing, media_publish, published media,
 * insights and the publishing quota.
 *
 * Demo account: 17841400000000001 @simcoffee "Sim Coffee Roasters", the same
 * account through either login.  SIM_INSTAGRAM_REDIRECT_URIS restricts
 * redirect URIs; SIM_INSTAGRAM_IMAGE_FORMATS (default "jpeg", the official
 * image spec) lists the image formats containers accept.
 *
 * Choices where the contracts are silent or unconfirmed:
 * - api.instagram.com answers errors in the old {error_type, code,
 *   error_message} shape; the code exchange answers flat {access_token,
 *   user_id (a JSON number), permissions (comma-joined)}.
 * - Refresh before the token is 24 h old: code 100; the old token stays valid.
 * - Error codes and subcodes follow Meta's Instagram error-code table
 *   (9004/2207052 fetch, 36001/2207005 format, 36000/2207004 size,
 *   36003/2207009 aspect ratio 4:5..1.91:1 except stories, 36004/2207010
 *   caption, 100/2207028 carousel size, 9007/2207027 not ready,
 *   -2/2207020 expired, 24/2207008 unknown container, 9/2207042 quota).
 *   Video fetch and format problems show in the container status instead
 *   ("Error: Media upload has failed with error code N"), as IG reports
 *   them; set-to-fail processing ends in 2207026 (video) or 2207001.
 * - Every container (images too) is IN_PROGRESS for the set number of
 *   status polls; carousel children must be FINISHED before the parent is
 *   created.  Publishing a published container again: code 100.
 * - Quota: 50 publishes per moving 24 h, stories and carousels count one each.
 */
#define _GNU_SOURCE
#include "meta.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IG_SHORT_TTL_S   3600
#define IG_ACCOUNT_LABEL "Sim Coffee Roasters (@simcoffee)"
#define IG_CHILDREN_MIN  2
#define IG_CHILDREN_MAX  10
#define IG_IMAGE_MAX     (8u * 1024 * 1024)

static const char *const ig_perms[] = {
    "instagram_business_basic",           "instagram_business_content_publish",
    "instagram_business_manage_comments", "instagram_business_manage_messages",
    "instagram_business_manage_insights", NULL,
};

/* api.instagram.com answers in the old Instagram shape. */
static void legacy_error(sim_resp *out, const char *message)
{
    sim_reply_json(out, 400,
                   json_pack("{s:s, s:i, s:s}", "error_type", "OAuthException", "code", 400,
                             "error_message", message));
}

static int in_list(json_t *list, const char *name)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(v), name) == 0)
            return 1;
    }
    return 0;
}

/* ---- www.instagram.com/oauth/authorize ---- */

static int authorize(sim *s, sim_req *r, sim_resp *out)
{
    if (strcmp(r->method, "GET") != 0 ||
        (strcmp(r->path, "/oauth/authorize") != 0 && strcmp(r->path, "/oauth/authorize/") != 0))
        return -1;
    char app_id[128], secret[128];
    meta_app("instagram", app_id, sizeof app_id, secret, sizeof secret);
    const char *client_id = sim_query(r, "client_id");
    const char *redirect = sim_query(r, "redirect_uri");
    const char *rtype = sim_query(r, "response_type");
    const char *scope = sim_query(r, "scope");
    const char *state = sim_query(r, "state");
    if (client_id == NULL || strcmp(client_id, app_id) != 0) {
        legacy_error(out, "Invalid platform app");
        return 0;
    }
    if (!meta_redirect_allowed("instagram", redirect)) {
        legacy_error(out, "Invalid redirect_uri");
        return 0;
    }
    if (rtype == NULL || strcmp(rtype, "code") != 0) {
        legacy_error(out, "Only response type \"code\" is allowed");
        return 0;
    }
    json_t *asked = meta_scope_list(scope);
    char bad[600] = "";
    size_t i;
    json_t *v;
    json_array_foreach(asked, i, v)
    {
        int known = 0;
        for (int k = 0; ig_perms[k] != NULL; k++)
            known |= strcmp(ig_perms[k], json_string_value(v)) == 0;
        size_t used = strlen(bad);
        if (!known && used + strlen(json_string_value(v)) + 3 < sizeof bad)
            snprintf(bad + used, sizeof bad - used, "%s%s", used ? ", " : "", json_string_value(v));
    }
    if (bad[0] || !in_list(asked, "instagram_business_basic")) {
        char msg[800];
        if (bad[0])
            snprintf(msg, sizeof msg, "Invalid scope field(s): %s", bad);
        else
            snprintf(msg, sizeof msg,
                     "Invalid scope field(s): instagram_business_basic is "
                     "required");
        legacy_error(out, msg);
        json_decref(asked);
        return 0;
    }
    const char *approve = sim_query(r, "sim_approve");
    if (approve != NULL && strcmp(approve, "allow") == 0) {
        json_t *declined = meta_scope_list(sim_query(r, "sim_decline"));
        json_t *granted = json_array();
        json_array_foreach(asked, i, v)
        {
            if (!in_list(declined, json_string_value(v)))
                json_array_append(granted, v);
        }
        char code[96];
        sim_lock(s);
        meta_code_issue(s, "instagram", client_id, redirect, granted, declined, META_IG_ID, code,
                        sizeof code);
        sim_unlock(s);
        const char *kv[] = {"code", code, "state", state, NULL};
        char *loc = meta_build_url(redirect, kv, "#_");
        sim_consent(s, r, out, "Instagram", "@" META_IG_USERNAME, scope, loc, loc);
        free(loc);
        json_decref(declined);
        json_decref(granted);
    } else if (approve != NULL && strcmp(approve, "deny") == 0) {
        const char *kv[] = {"error",
                            "access_denied",
                            "error_reason",
                            "user_denied",
                            "error_description",
                            "The user denied your request.",
                            "state",
                            state,
                            NULL};
        char *loc = meta_build_url(redirect, kv, "#_");
        sim_consent(s, r, out, "Instagram", "@" META_IG_USERNAME, scope, loc, loc);
        free(loc);
    } else {
        char self[1400];
        snprintf(self, sizeof self, "%s%s%s", r->base_url, r->prefix, r->path);
        const char *kv[] = {
            "client_id", client_id, "redirect_uri", redirect,      "response_type", rtype, "scope",
            scope,       "state",   state,          "sim_approve", "allow",         NULL};
        char *allow = meta_build_url(self, kv, NULL);
        kv[11] = "deny";
        char *deny = meta_build_url(self, kv, NULL);
        sim_consent(s, r, out, "Instagram", "@" META_IG_USERNAME, scope, allow, deny);
        free(allow);
        free(deny);
    }
    json_decref(asked);
    return 0;
}

/* ---- api.instagram.com/oauth/access_token ---- */

static int code_exchange(sim *s, sim_req *r, sim_resp *out)
{
    if (strcmp(r->path, "/oauth/access_token") != 0 && strcmp(r->path, "/oauth/access_token/") != 0)
        return -1;
    if (strcmp(r->method, "POST") != 0) {
        legacy_error(out, "Invalid request method: the code exchange is a POST with a form body");
        return 0;
    }
    char app_id[128], secret[128];
    meta_app("instagram", app_id, sizeof app_id, secret, sizeof secret);
    const char *client_id = sim_form(r, "client_id");
    const char *client_secret = sim_form(r, "client_secret");
    const char *grant = sim_form(r, "grant_type");
    const char *redirect = sim_form(r, "redirect_uri");
    const char *code = sim_form(r, "code");
    if (client_id == NULL || *client_id == '\0') {
        legacy_error(out, "You must provide a client_id");
        return 0;
    }
    if (strcmp(client_id, app_id) != 0) {
        legacy_error(out, "Invalid platform app");
        return 0;
    }
    if (client_secret == NULL || strcmp(client_secret, secret) != 0) {
        legacy_error(out, "Error validating client secret.");
        return 0;
    }
    if (grant == NULL || strcmp(grant, "authorization_code") != 0) {
        legacy_error(out, "Invalid grant_type: only authorization_code is supported");
        return 0;
    }
    if (redirect == NULL || *redirect == '\0') {
        legacy_error(out, "You must provide a redirect_uri");
        return 0;
    }
    if (code == NULL || *code == '\0') {
        legacy_error(out, "You must provide a code");
        return 0;
    }
    sim_lock(s);
    json_t *c = NULL;
    int rc = meta_code_take(s, "instagram", code, client_id, redirect, &c);
    if (rc != META_CODE_OK) {
        sim_unlock(s);
        legacy_error(out, rc == META_CODE_USED       ? "This authorization code has been used"
                          : rc == META_CODE_EXPIRED  ? "This authorization code has expired"
                          : rc == META_CODE_REDIRECT ? "Error validating verification code. Please "
                                                       "make sure your redirect_uri is identical "
                                                       "to the one you used in the OAuth dialog "
                                                       "request"
                                                     : "Matching code was not found or was "
                                                       "already used");
        return 0;
    }
    char family[120];
    snprintf(family, sizeof family, "ig-%s", code);
    json_t *scopes = json_deep_copy(json_object_get(c, "scopes"));
    json_t *rec = meta_issue(s, "instagram", "access", META_IG_ID, (int64_t)IG_SHORT_TTL_S * 1000,
                             client_id, family, META_IG_ID, scopes, 0);
    char *perms = meta_scope_join(scopes);
    json_t *body = json_pack("{s:s, s:I, s:s}", "access_token",
                             json_string_value(json_object_get(rec, "token")), "user_id",
                             (json_int_t)strtoll(META_IG_ID, NULL, 10), "permissions", perms);
    sim_unlock(s);
    sim_reply_json(out, 200, body);
    free(perms);
    json_decref(scopes);
    return 0;
}

/* ---- graph.instagram.com/access_token and /refresh_access_token ---- */

static int ig_token_endpoint(sim *s, sim_req *r, sim_resp *out, int refresh)
{
    meta_ctx g;
    memset(&g, 0, sizeof g);
    g.s = s;
    g.r = r;
    g.out = out;
    g.ig_host = 1;
    g.tplatform = "instagram";
    g.cache = json_object();
    const char *grant = meta_arg(&g, "grant_type");
    const char *token = meta_arg(&g, "access_token");
    char app_id[128], secret[128];
    meta_app("instagram", app_id, sizeof app_id, secret, sizeof secret);
    sim_lock(s);
    json_t *rec = NULL;
    if (strcmp(r->method, "GET") != 0) {
        meta_unsupported(&g, refresh ? "refresh_access_token" : "access_token");
    } else if (grant == NULL || strcmp(grant, refresh ? "ig_refresh_token" : "ig_exchange_token")) {
        meta_bad_param(&g, 100,
                       refresh ? "Unsupported grant_type: use ig_refresh_token"
                               : "Unsupported grant_type: use ig_exchange_token");
    } else if (!refresh && (meta_arg(&g, "client_secret") == NULL ||
                            strcmp(meta_arg(&g, "client_secret"), secret) != 0)) {
        meta_bad_param(&g, 1, "Error validating client secret.");
    } else if (token == NULL || *token == '\0') {
        meta_error(out, 400, "OAuthException", 104, 0,
                   "An access token is required to request this resource.", NULL, NULL);
    } else {
        sim_tok st = meta_check(s, "instagram", token, &rec);
        if (st != TOK_OK) {
            meta_token_error(s, out, st, rec);
        } else if (refresh && (!json_is_true(json_object_get(rec, "long")) ||
                               r->now_ms - json_integer_value(json_object_get(rec, "issued_at")) <
                                   META_DAY_MS)) {
            meta_bad_param(&g, 100,
                           json_is_true(json_object_get(rec, "long"))
                               ? "(#100) The access token must be at least 24 hours "
                                 "old before it can be refreshed."
                               : "(#100) Only a long-lived access token can be "
                                 "refreshed.");
        } else {
            char family[120], client[128];
            snprintf(family, sizeof family, "%s",
                     json_string_value(json_object_get(rec, "family")));
            snprintf(client, sizeof client, "%s",
                     json_string_value(json_object_get(rec, "client_id")));
            json_t *scopes = json_deep_copy(json_object_get(rec, "scopes"));
            json_t *nrec =
                meta_issue(s, "instagram", "access", META_IG_ID, (int64_t)META_LONG_TTL_S * 1000,
                           client, family, META_IG_ID, scopes, 1);
            json_decref(scopes);
            sim_reply_json(out, 200,
                           json_pack("{s:s, s:s, s:i}", "access_token",
                                     json_string_value(json_object_get(nrec, "token")),
                                     "token_type", "bearer", "expires_in", META_LONG_TTL_S));
        }
    }
    sim_unlock(s);
    json_decref(g.cache);
    return 0;
}

/* ---- access ---- */

static const char *perm_name(const meta_ctx *g, const char *what)
{
    if (strcmp(what, "basic") == 0)
        return g->ig_host ? "instagram_business_basic" : "instagram_basic";
    if (strcmp(what, "publish") == 0)
        return g->ig_host ? "instagram_business_content_publish" : "instagram_content_publish";
    if (strcmp(what, "insights") == 0)
        return g->ig_host ? "instagram_business_manage_insights" : "instagram_manage_insights";
    return g->ig_host ? "instagram_business_manage_comments" : "instagram_manage_comments";
}

/* May this token act for the Instagram account? */
static int owner_ok(const meta_ctx *g, const char *ig)
{
    if (ig == NULL)
        return 0;
    if (g->ig_host)
        return strcmp(g->subject, ig) == 0;
    if (strcmp(g->tkind, "user") == 0)
        return strcmp(ig, META_IG_ID) == 0 && strcmp(g->subject, META_USER_ID) == 0;
    const char *linked = meta_ig_of_page(g->subject);
    return linked != NULL && strcmp(linked, ig) == 0;
}

static int need(meta_ctx *g, const char *what)
{
    if (meta_has_scope(g, perm_name(g, what)))
        return 1;
    meta_error(g->out, 403, "OAuthException", 10, 0,
               "(#10) Application does not have permission for this action", NULL, NULL);
    return 0;
}

/* ---- containers ---- */

/* The container's state: IN_PROGRESS, FINISHED, ERROR, EXPIRED or PUBLISHED (a poll counts). */
static const char *container_state(meta_ctx *g, json_t *o, int poll, int *err)
{
    *err = 0;
    if (json_is_string(json_object_get(o, "published_media")))
        return "PUBLISHED";
    if (g->r->now_ms - json_integer_value(json_object_get(o, "at")) >= META_DAY_MS)
        return "EXPIRED";
    int e = (int)json_integer_value(json_object_get(o, "err"));
    if (e != 0) {
        *err = e;
        return "ERROR";
    }
    if (!json_is_true(json_object_get(o, "uploaded")))
        return "IN_PROGRESS";
    json_int_t seen = json_integer_value(json_object_get(o, "polls_seen"));
    if (seen < json_integer_value(json_object_get(o, "polls_needed"))) {
        if (poll)
            json_object_set_new(o, "polls_seen", json_integer(seen + 1));
        return "IN_PROGRESS";
    }
    if (json_is_true(json_object_get(o, "fail"))) {
        *err = json_is_true(json_object_get(o, "is_video")) ? 2207026 : 2207001;
        return "ERROR";
    }
    return "FINISHED";
}

static json_t *container_node(meta_ctx *g, json_t *o, int poll)
{
    int err = 0;
    const char *code = container_state(g, o, poll, &err);
    char status[200];
    if (strcmp(code, "ERROR") == 0)
        snprintf(status, sizeof status, "Error: Media upload has failed with error code %d", err);
    else if (strcmp(code, "IN_PROGRESS") == 0)
        snprintf(status, sizeof status, "In Progress: Media is still being processed.");
    else if (strcmp(code, "FINISHED") == 0)
        snprintf(status, sizeof status,
                 "Finished: Media has been uploaded and it is ready to be published.");
    else if (strcmp(code, "PUBLISHED") == 0)
        snprintf(status, sizeof status, "Published: Media has been successfully published.");
    else
        snprintf(status, sizeof status,
                 "Expired: The media was not published within 24 hours of being created.");
    json_t *n = json_pack("{s:O, s:s, s:s}", "id", json_object_get(o, "id"), "status_code", code,
                          "status", status);
    if (json_is_true(json_object_get(o, "is_video")))
        json_object_set_new(n, "copyright_check_status",
                            json_pack("{s:s, s:b}", "status", "completed", "matches_found", 0));
    else
        json_object_set_new(n, "copyright_check_status", json_null());
    return n;
}

/* Count characters (UTF-8 code points). */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static int mentions(const char *s)
{
    int n = 0;
    for (const char *p = s; *p; p++)
        if (*p == '@' && (p == s || !isalnum((unsigned char)p[-1])) &&
            (isalnum((unsigned char)p[1]) || p[1] == '_' || p[1] == '.'))
            n++;
    return n;
}

static int image_format_allowed(const char *kind)
{
    const char *list = getenv("SIM_INSTAGRAM_IMAGE_FORMATS");
    if (list == NULL || *list == '\0')
        list = "jpeg";
    size_t kl = strlen(kind);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ", ");
        if (n == kl && strncmp(p, kind, n) == 0)
            return 1;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

/* Fetch (unlocked) and judge an image; 0 with the media id, or -1 with the error answered. */
static int take_image(meta_ctx *g, const char *url, int check_aspect, char *mid, size_t midlen)
{
    char *copy = strdup(url);
    char why[400] = "";
    meta_media mm;
    memset(&mm, 0, sizeof mm);
    sim_unlock(g->s);
    int rc = copy != NULL ? meta_fetch(g->s, copy, mid, midlen, why, sizeof why) : -1;
    if (rc == 0)
        meta_sniff(g->s, mid, &mm);
    sim_lock(g->s);
    char umsg[900];
    if (rc != 0 || (!mm.is_image && !mm.is_video)) {
        snprintf(umsg, sizeof umsg, "The media could not be fetched from this uri: %.600s", url);
        meta_error(g->out, 400, "OAuthException", 9004, 2207052,
                   "Only photo or video can be accepted as media type.",
                   "Media download has failed.", umsg);
        free(copy);
        return -1;
    }
    free(copy);
    if (mm.is_video || !image_format_allowed(mm.kind)) {
        snprintf(
            umsg, sizeof umsg, "The image format %s is not supported. Supported formats are: %s.",
            mm.kind[0] ? mm.kind : "unknown",
            getenv("SIM_INSTAGRAM_IMAGE_FORMATS") != NULL && *getenv("SIM_INSTAGRAM_IMAGE_FORMATS")
                ? getenv("SIM_INSTAGRAM_IMAGE_FORMATS")
                : "jpeg");
        meta_error(g->out, 400, "OAuthException", 36001, 2207005,
                   "The image format is not supported.", "Unsupported image format", umsg);
        return -1;
    }
    if (mm.size > IG_IMAGE_MAX) {
        meta_error(g->out, 400, "OAuthException", 36000, 2207004, "The image size is too large.",
                   "Image size too large",
                   "The image is too large to download. It should be less than 8 MiB.");
        return -1;
    }
    if (check_aspect && mm.width > 0 && mm.height > 0) {
        /* 4:5 (0.8) to 1.91:1, compared exactly in integers. */
        long w = mm.width, h = mm.height;
        if (w * 5 < h * 4 || w * 100 > h * 191) {
            snprintf(umsg, sizeof umsg,
                     "The submitted image with aspect ratio ('%ld/%ld',) cannot be published. "
                     "Please submit an image with a valid aspect ratio.",
                     w, h);
            meta_error(g->out, 400, "OAuthException", 36003, 2207009,
                       "The aspect ratio is not supported.", "Cannot Use This Aspect Ratio", umsg);
            return -1;
        }
    }
    return 0;
}

/* Fetch a video (unlocked); problems become the container's error code, as IG reports them. */
static int take_video(meta_ctx *g, const char *url, char *mid, size_t midlen, size_t *size)
{
    char *copy = strdup(url);
    char why[400] = "";
    meta_media mm;
    memset(&mm, 0, sizeof mm);
    sim_unlock(g->s);
    int rc = copy != NULL ? meta_fetch(g->s, copy, mid, midlen, why, sizeof why) : -1;
    if (rc == 0)
        meta_sniff(g->s, mid, &mm);
    sim_lock(g->s);
    free(copy);
    *size = mm.size;
    if (rc != 0) {
        mid[0] = '\0';
        return 2207052;
    }
    return mm.is_video ? 0 : 2207026;
}

static void create_container(meta_ctx *g, const char *owner)
{
    if (!need(g, "publish"))
        return;
    const char *mt = meta_arg(g, "media_type");
    const char *image_url = meta_arg(g, "image_url");
    const char *video_url = meta_arg(g, "video_url");
    const char *caption = meta_arg(g, "caption");
    const char *upload_type = meta_arg(g, "upload_type");
    int item = meta_arg(g, "is_carousel_item") != NULL &&
               strcmp(meta_arg(g, "is_carousel_item"), "true") == 0;
    int resumable = upload_type != NULL && strcmp(upload_type, "resumable") == 0;
    if (mt == NULL || *mt == '\0')
        mt = "IMAGE";
    const char *product = "FEED";
    int video = 0;
    char msg[400];
    if (strcmp(mt, "IMAGE") == 0) {
        if (image_url == NULL || *image_url == '\0') {
            meta_bad_param(g, 100, "(#100) The parameter image_url is required.");
            return;
        }
    } else if (strcmp(mt, "REELS") == 0 || (strcmp(mt, "VIDEO") == 0 && item)) {
        video = 1;
        if (strcmp(mt, "REELS") == 0)
            product = "REELS";
        if ((video_url == NULL || *video_url == '\0') && !resumable) {
            meta_bad_param(g, 100, "(#100) The parameter video_url is required.");
            return;
        }
        if (item && strcmp(mt, "REELS") == 0) {
            meta_error(g->out, 400, "OAuthException", 100, 2207023, "Invalid parameter",
                       "Unsupported media type",
                       "The media type REELS is unknown for a carousel item; use VIDEO.");
            return;
        }
    } else if (strcmp(mt, "STORIES") == 0) {
        product = "STORY";
        video = video_url != NULL && *video_url;
        if (!video && (image_url == NULL || *image_url == '\0') && !resumable) {
            meta_bad_param(g, 100, "(#100) The parameter image_url or video_url is required.");
            return;
        }
        if (resumable)
            video = 1;
    } else if (strcmp(mt, "CAROUSEL") == 0) {
        /* checked below */
    } else {
        snprintf(msg, sizeof msg, "The media type %.60s is unknown.", mt);
        meta_error(g->out, 400, "OAuthException", 100, 2207023, "Invalid parameter",
                   "Unknown media type", msg);
        return;
    }
    if (!item && caption != NULL) {
        size_t n = chars(caption);
        if (n > META_CAPTION_MAX) {
            snprintf(msg, sizeof msg,
                     "The submitted image's caption was %zu characters long. The maximum number "
                     "of characters permitted for a caption is %d. Please submit media with a "
                     "shorter caption.",
                     n, META_CAPTION_MAX);
            meta_error(g->out, 400, "OAuthException", 36004, 2207010, "The caption is too long.",
                       "Caption too long", msg);
            return;
        }
        if (mentions(caption) > 20) {
            meta_error(g->out, 400, "OAuthException", 100, 2207040, "Invalid parameter",
                       "Too many tags", "Cannot use more than 20 tags per created media.");
            return;
        }
    }
    json_t *objs = meta_objects(g->s);
    json_t *children = json_array();
    if (strcmp(mt, "CAROUSEL") == 0) {
        const char *list = meta_arg(g, "children");
        for (const char *p = list != NULL ? list : ""; *p;) {
            p += strspn(p, "[]\", ");
            size_t n = strcspn(p, "[]\", ");
            if (n > 0 && n < 64) {
                char id[64];
                memcpy(id, p, n);
                id[n] = '\0';
                json_array_append_new(children, json_string(id));
            }
            p += n;
        }
        size_t count = json_array_size(children);
        if (count < IG_CHILDREN_MIN || count > IG_CHILDREN_MAX) {
            meta_error(g->out, 400, "OAuthException", 100, 2207028, "Invalid parameter",
                       "Invalid carousel",
                       "Your post won't work as a carousel. Carousels need at least 2 "
                       "photos/videos and no more than 10 photos/videos.");
            json_decref(children);
            return;
        }
        size_t i;
        json_t *v;
        json_array_foreach(children, i, v)
        {
            json_t *c = json_object_get(objs, json_string_value(v));
            int err = 0;
            if (c == NULL ||
                strcmp(json_string_value(json_object_get(c, "type")), "ig_container") != 0 ||
                strcmp(json_string_value(json_object_get(c, "owner")), owner) != 0 ||
                !json_is_true(json_object_get(c, "item")) ||
                json_is_string(json_object_get(c, "carousel"))) {
                snprintf(msg, sizeof msg, "The media with %.60s cannot be found",
                         json_string_value(v));
                meta_error(g->out, 400, "OAuthException", 24, 2207006,
                           "The requested resource does not exist", "Media not found", msg);
                json_decref(children);
                return;
            }
            if (strcmp(container_state(g, c, 0, &err), "FINISHED") != 0) {
                meta_error(g->out, 400, "OAuthException", 9007, 2207027,
                           "Media ID is not available", "Media Not Ready For Publishing",
                           "The media is not ready for publishing, please wait for a moment");
                json_decref(children);
                return;
            }
        }
    }
    char mid[96] = "";
    int err = 0;
    size_t size = 0;
    int uploaded = 1;
    if (strcmp(mt, "CAROUSEL") == 0) {
        /* nothing to fetch */
    } else if (resumable && video) {
        uploaded = 0;
    } else if (video) {
        err = take_video(g, video_url, mid, sizeof mid, &size);
    } else if (take_image(g, image_url, strcmp(mt, "IMAGE") == 0, mid, sizeof mid) != 0) {
        json_decref(children);
        return;
    }
    char cid[40];
    sim_next_id(g->s, cid, sizeof cid);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:b, s:O, s:i, s:i, s:b, "
        "s:i, s:I, s:b, s:I, s:s}",
        "type", "ig_container", "id", cid, "owner", owner, "media_type", mt, "product", product,
        "item", item, "caption", caption != NULL && !item ? caption : "", "media", mid, "is_video",
        video, "children", children, "polls_needed", sim_processing_polls(g->s, "instagram"),
        "polls_seen", 0, "fail", sim_processing_fails(g->s, "instagram"), "err", err, "at",
        (json_int_t)g->r->now_ms, "uploaded", uploaded, "size", (json_int_t)size, "host",
        g->ig_host ? "instagram" : "facebook");
    const char *share = meta_arg(g, "share_to_feed");
    json_object_set_new(o, "share_to_feed", json_boolean(share == NULL || strcmp(share, "false")));
    json_object_set_new(objs, cid, o);
    size_t i;
    json_t *v;
    json_array_foreach(children, i, v)
    {
        json_object_set_new(json_object_get(objs, json_string_value(v)), "carousel",
                            json_string(cid));
    }
    json_decref(children);
    json_t *body = json_pack("{s:s}", "id", cid);
    if (!uploaded) {
        char uri[600];
        snprintf(uri, sizeof uri, "%s/facebook/rupload/ig-api-upload/%s/%s", g->r->base_url,
                 g->version[0] ? g->version : "v20.0", cid);
        json_object_set_new(body, "uri", json_string(uri));
    }
    sim_reply_json(g->out, 200, body);
}

/* ---- publishing ---- */

static int published_last_day(meta_ctx *g, const char *owner)
{
    int n = 0;
    json_t *posts = json_object_get(sim_state(g->s), "posts");
    size_t i;
    json_t *p;
    json_array_foreach(posts, i, p)
    {
        const char *acct = json_string_value(json_object_get(p, "account"));
        if (strcmp(json_string_value(json_object_get(p, "platform")), "instagram") == 0 &&
            acct != NULL && strcmp(acct, owner) == 0 &&
            g->r->now_ms - json_integer_value(json_object_get(p, "at")) < META_DAY_MS)
            n++;
    }
    return n;
}

static void shortcode_of(const char *id, char *out, size_t len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned long long v = strtoull(id, NULL, 10);
    char tmp[32];
    int n = 0;
    do {
        tmp[n++] = abc[v & 63];
        v >>= 6;
    } while (v != 0 && n < 30);
    size_t k = 0;
    while (n > 0 && k + 1 < len)
        out[k++] = tmp[--n];
    out[k] = '\0';
}

static void permalink_of(const char *product, const char *id, char *out, size_t len)
{
    char sc[32];
    shortcode_of(id, sc, sizeof sc);
    if (strcmp(product, "STORY") == 0)
        snprintf(out, len, "https://www.instagram.com/stories/%s/%s/", META_IG_USERNAME, id);
    else if (strcmp(product, "REELS") == 0)
        snprintf(out, len, "https://www.instagram.com/reel/%s/", sc);
    else
        snprintf(out, len, "https://www.instagram.com/p/%s/", sc);
}

static void media_publish(meta_ctx *g, const char *owner)
{
    if (!need(g, "publish"))
        return;
    const char *cid = meta_arg(g, "creation_id");
    if (cid == NULL || *cid == '\0') {
        meta_bad_param(g, 100, "(#100) The parameter creation_id is required");
        return;
    }
    json_t *objs = meta_objects(g->s);
    json_t *o = json_object_get(objs, cid);
    char msg[300];
    if (o == NULL || strcmp(json_string_value(json_object_get(o, "type")), "ig_container") != 0 ||
        strcmp(json_string_value(json_object_get(o, "owner")), owner) != 0) {
        snprintf(msg, sizeof msg,
                 "The media builder with creation id = %.60s does not exist or has been expired.",
                 cid);
        meta_error(g->out, 400, "OAuthException", 24, 2207008,
                   "The requested resource does not exist", "Media builder not found", msg);
        return;
    }
    if (json_is_true(json_object_get(o, "item"))) {
        meta_error(g->out, 400, "OAuthException", 100, 0, "Invalid parameter", "Carousel item",
                   "A carousel item cannot be published on its own; publish "
                   "the CAROUSEL container that holds it.");
        return;
    }
    int err = 0;
    const char *state = container_state(g, o, 0, &err);
    if (strcmp(state, "PUBLISHED") == 0) {
        meta_bad_param(g, 100, "(#100) This media container has already been published");
        return;
    }
    if (strcmp(state, "EXPIRED") == 0) {
        meta_error(g->out, 400, "OAuthException", -2, 2207020, "The media has expired.",
                   "Media expired",
                   "The media you are trying to access has expired. Please try to upload again.");
        return;
    }
    if (strcmp(state, "FINISHED") != 0) {
        meta_error(g->out, 400, "OAuthException", 9007, 2207027, "Media ID is not available",
                   "Media Not Ready For Publishing",
                   "The media is not ready for publishing, please wait for a moment");
        return;
    }
    if (published_last_day(g, owner) >= META_IG_QUOTA) {
        meta_error(g->out, 400, "OAuthException", 9, 2207042, "Application request limit reached",
                   "Max posts reached",
                   "You reached maximum number of posts that is allowed to be published by "
                   "Content Publishing API.");
        return;
    }
    char id[40], link[300], sc[32];
    sim_next_id(g->s, id, sizeof id);
    const char *product = json_string_value(json_object_get(o, "product"));
    const char *mt = json_string_value(json_object_get(o, "media_type"));
    permalink_of(product, id, link, sizeof link);
    shortcode_of(id, sc, sizeof sc);
    json_t *media = json_array();
    json_t *kids = json_array();
    const char *kind = "image";
    const char *ig_type = "IMAGE";
    if (strcmp(mt, "CAROUSEL") == 0) {
        kind = "carousel";
        ig_type = "CAROUSEL_ALBUM";
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(o, "children"), i, v)
        {
            json_t *c = json_object_get(objs, json_string_value(v));
            char kid[40];
            sim_next_id(g->s, kid, sizeof kid);
            json_array_append(media, json_object_get(c, "media"));
            json_array_append_new(kids, json_string(kid));
            json_object_set_new(c, "published_media", json_string(kid));
            json_object_set_new(objs, kid,
                                json_pack("{s:s, s:s, s:s, s:O, s:s, s:b, s:I}", "type", "ig_child",
                                          "id", kid, "parent", id, "media",
                                          json_object_get(c, "media"), "owner", owner, "is_video",
                                          json_is_true(json_object_get(c, "is_video")), "at",
                                          (json_int_t)g->r->now_ms));
        }
    } else {
        if (json_is_true(json_object_get(o, "is_video"))) {
            kind = strcmp(product, "STORY") == 0 ? "story" : "reel";
            ig_type = "VIDEO";
        } else if (strcmp(product, "STORY") == 0) {
            kind = "story";
        }
        json_array_append(media, json_object_get(o, "media"));
    }
    json_object_set_new(o, "published_media", json_string(id));
    json_t *post = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:b}",
        "platform", "instagram", "account", owner, "account_name", IG_ACCOUNT_LABEL, "id", id,
        "url", link, "text", json_object_get(o, "caption"), "kind", kind, "media", media,
        "container", cid, "media_type", ig_type, "product", product, "shortcode", sc, "children",
        kids, "permalink", link, "host", g->ig_host ? "instagram" : "facebook", "share_to_feed",
        json_is_true(json_object_get(o, "share_to_feed")));
    sim_post_add(g->s, post);
    sim_reply_json(g->out, 200, json_pack("{s:s}", "id", id));
}

/* ---- nodes ---- */

static int media_count(meta_ctx *g, const char *owner)
{
    int n = 0;
    json_t *posts = json_object_get(sim_state(g->s), "posts");
    size_t i;
    json_t *p;
    json_array_foreach(posts, i, p)
    {
        const char *acct = json_string_value(json_object_get(p, "account"));
        n += strcmp(json_string_value(json_object_get(p, "platform")), "instagram") == 0 &&
             acct != NULL && strcmp(acct, owner) == 0 &&
             strcmp(json_string_value(json_object_get(p, "kind")), "story") != 0;
    }
    return n;
}

static json_t *ig_user_node(meta_ctx *g, const char *ig)
{
    char pic[600];
    meta_picture_url(g, ig, pic, sizeof pic);
    json_t *n = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:s, s:s}", "id", ig, "username",
                          META_IG_USERNAME, "name", META_IG_NAME, "profile_picture_url", pic,
                          "followers_count", 2310, "follows_count", 180, "media_count",
                          media_count(g, ig), "biography", "Small-batch coffee (simulated).",
                          "website", "https://example.com/simcoffee");
    if (g->ig_host) {
        json_object_set_new(n, "user_id", json_string(ig));
        json_object_set_new(n, "account_type", json_string("BUSINESS"));
    } else {
        json_object_set_new(n, "ig_id", json_integer(5830000001LL));
    }
    return n;
}

static json_int_t ig_metric(json_t *p, const char *name, int64_t now)
{
    const char *id = json_string_value(json_object_get(p, "id"));
    int64_t at = json_integer_value(json_object_get(p, "at"));
    int reel = strcmp(json_string_value(json_object_get(p, "kind")), "reel") == 0;
    if (strcmp(name, "views") == 0)
        return meta_grow(id, name, at, now, reel ? 300 : 200);
    if (strcmp(name, "reach") == 0)
        return meta_grow(id, name, at, now, reel ? 210 : 140);
    if (strcmp(name, "likes") == 0)
        return meta_grow(id, name, at, now, 15);
    if (strcmp(name, "comments") == 0)
        return meta_grow(id, name, at, now, 3) +
               (json_int_t)json_array_size(json_object_get(p, "comments_added"));
    if (strcmp(name, "shares") == 0)
        return meta_grow(id, name, at, now, 2);
    if (strcmp(name, "saved") == 0)
        return meta_grow(id, name, at, now, 4);
    if (strcmp(name, "total_interactions") == 0)
        return ig_metric(p, "likes", now) + ig_metric(p, "comments", now) +
               ig_metric(p, "shares", now) + ig_metric(p, "saved", now);
    if (strcmp(name, "ig_reels_avg_watch_time") == 0)
        return ig_metric(p, "views", now) > 0 ? 4200 + (json_int_t)(strlen(id) * 37) : 0;
    if (strcmp(name, "ig_reels_video_view_total_time") == 0)
        return ig_metric(p, "views", now) * 4200;
    return meta_grow(id, name, at, now, 1);
}

static json_t *ig_child_node(meta_ctx *g, json_t *c);

static json_t *ig_media_node(meta_ctx *g, json_t *p)
{
    const char *id = json_string_value(json_object_get(p, "id"));
    char when[40], url[400], thumb[600];
    meta_time(when, sizeof when, json_integer_value(json_object_get(p, "at")));
    snprintf(url, sizeof url, "%s/_sim/media/%s", g->r->base_url,
             json_string_value(json_array_get(json_object_get(p, "media"), 0)));
    const char *mt = json_string_value(json_object_get(p, "media_type"));
    const char *caption = json_string_value(json_object_get(p, "text"));
    json_t *n =
        json_pack("{s:s, s:s, s:O, s:O, s:s, s:O, s:s, s:s, s:s, s:I, s:I, s:{s:O}, s:b}", "id", id,
                  "media_type", mt, "media_product_type", json_object_get(p, "product"),
                  "permalink", json_object_get(p, "permalink"), "media_url", url, "shortcode",
                  json_object_get(p, "shortcode"), "thumbnail_url", "", "timestamp", when,
                  "username", META_IG_USERNAME, "like_count", ig_metric(p, "likes", g->r->now_ms),
                  "comments_count", ig_metric(p, "comments", g->r->now_ms), "owner", "id",
                  json_object_get(p, "account"), "is_comment_enabled", 1);
    json_object_set_new(n, "caption",
                        caption != NULL && *caption ? json_string(caption) : json_null());
    if (strcmp(mt, "VIDEO") == 0) {
        meta_picture_url(g, id, thumb, sizeof thumb);
        json_object_set_new(n, "thumbnail_url", json_string(thumb));
    } else {
        json_object_set_new(n, "thumbnail_url", json_null());
    }
    if (strcmp(mt, "CAROUSEL_ALBUM") == 0) {
        json_t *data = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(p, "children"), i, v)
        {
            json_t *c = json_object_get(meta_objects(g->s), json_string_value(v));
            if (c != NULL)
                json_array_append_new(data, ig_child_node(g, c));
        }
        json_object_set_new(n, "children", json_pack("{s:o}", "data", data));
    } else {
        json_object_set_new(n, "children", json_null());
    }
    json_object_set_new(n, "is_shared_to_feed",
                        strcmp(json_string_value(json_object_get(p, "product")), "REELS") == 0
                            ? json_boolean(json_is_true(json_object_get(p, "share_to_feed")))
                            : json_null());
    return n;
}

static json_t *ig_child_node(meta_ctx *g, json_t *c)
{
    char when[40], url[400];
    meta_time(when, sizeof when, json_integer_value(json_object_get(c, "at")));
    snprintf(url, sizeof url, "%s/_sim/media/%s", g->r->base_url,
             json_string_value(json_object_get(c, "media")));
    json_t *parent =
        sim_post_find(g->s, "instagram", json_string_value(json_object_get(c, "parent")));
    return json_pack("{s:O, s:s, s:s, s:s, s:s, s:O, s:s}", "id", json_object_get(c, "id"),
                     "media_type", json_is_true(json_object_get(c, "is_video")) ? "VIDEO" : "IMAGE",
                     "media_url", url, "timestamp", when, "username", META_IG_USERNAME, "permalink",
                     parent != NULL ? json_object_get(parent, "permalink") : json_null(),
                     "media_product_type", "FEED");
}

/* ---- insights ---- */

static void media_insights(meta_ctx *g, json_t *p)
{
    static const char *const feed[] = {"views",
                                       "reach",
                                       "likes",
                                       "comments",
                                       "shares",
                                       "saved",
                                       "total_interactions",
                                       "profile_visits",
                                       "profile_activity",
                                       "follows",
                                       NULL};
    static const char *const reels[] = {"views",
                                        "reach",
                                        "likes",
                                        "comments",
                                        "shares",
                                        "saved",
                                        "total_interactions",
                                        "ig_reels_avg_watch_time",
                                        "ig_reels_video_view_total_time",
                                        NULL};
    static const char *const story[] = {
        "views", "reach", "replies", "shares", "follows", "profile_visits", "total_interactions",
        NULL};
    const char *product = json_string_value(json_object_get(p, "product"));
    const char *const *allowed = strcmp(product, "REELS") == 0   ? reels
                                 : strcmp(product, "STORY") == 0 ? story
                                                                 : feed;
    const char *metric = meta_arg(g, "metric");
    if (metric == NULL || *metric == '\0') {
        meta_bad_param(g, 100, "(#100) The parameter metric is required");
        return;
    }
    json_t *names = meta_scope_list(metric);
    json_t *data = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        const char *name = json_string_value(v);
        int ok = 0;
        for (int k = 0; allowed[k] != NULL; k++)
            ok |= strcmp(allowed[k], name) == 0;
        if (!ok) {
            char msg[800];
            size_t len = (size_t)snprintf(msg, sizeof msg,
                                          "(#100) metric[%zu] must be one of the following "
                                          "values: ",
                                          i);
            for (int k = 0; allowed[k] != NULL && len < sizeof msg; k++)
                len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s", k ? ", " : "",
                                        allowed[k]);
            meta_bad_param(g, 100, msg);
            json_decref(names);
            json_decref(data);
            return;
        }
        char iid[300];
        snprintf(iid, sizeof iid, "%s/insights/%s/lifetime",
                 json_string_value(json_object_get(p, "id")), name);
        json_array_append_new(data,
                              json_pack("{s:s, s:s, s:[{s:I}], s:s, s:s, s:s}", "name", name,
                                        "period", "lifetime", "values", "value",
                                        ig_metric(p, name, g->r->now_ms), "title", name,
                                        "description", "Lifetime value (simulated).", "id", iid));
    }
    json_decref(names);
    sim_reply_json(g->out, 200, json_pack("{s:o}", "data", data));
}

static void account_insights(meta_ctx *g, const char *owner)
{
    static const char *const allowed[] = {"reach",
                                          "follower_count",
                                          "views",
                                          "likes",
                                          "comments",
                                          "shares",
                                          "saves",
                                          "replies",
                                          "total_interactions",
                                          "accounts_engaged",
                                          "profile_views",
                                          "website_clicks",
                                          "profile_links_taps",
                                          NULL};
    const char *metric = meta_arg(g, "metric");
    const char *period = meta_arg(g, "period");
    const char *mtype = meta_arg(g, "metric_type");
    int total = mtype != NULL && strcmp(mtype, "total_value") == 0;
    if (metric == NULL || *metric == '\0') {
        meta_bad_param(g, 100, "(#100) The parameter metric is required");
        return;
    }
    if (period == NULL || *period == '\0') {
        meta_bad_param(g, 100, "(#100) The parameter period is required");
        return;
    }
    if (strcmp(period, "day") != 0 && strcmp(period, "lifetime") != 0) {
        meta_bad_param(g, 100, "(#100) period must be one of the following values: day, lifetime");
        return;
    }
    int64_t now = g->r->now_ms;
    const char *us = meta_arg(g, "until");
    const char *ss = meta_arg(g, "since");
    int64_t until = us != NULL && *us ? strtoll(us, NULL, 10) * 1000 : now;
    int64_t since = ss != NULL && *ss ? strtoll(ss, NULL, 10) * 1000 : until - META_DAY_MS;
    if (until <= since || until - since > 30 * META_DAY_MS) {
        meta_bad_param(g, 100, "(#100) The since and until parameters must span at most 30 days");
        return;
    }
    json_t *names = meta_scope_list(metric);
    json_t *data = json_array();
    json_t *posts = json_object_get(sim_state(g->s), "posts");
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v)
    {
        const char *name = json_string_value(v);
        int ok = 0;
        for (int k = 0; allowed[k] != NULL; k++)
            ok |= strcmp(allowed[k], name) == 0;
        if (!ok) {
            char msg[800];
            size_t len = (size_t)snprintf(msg, sizeof msg,
                                          "(#100) metric[%zu] must be one of the following "
                                          "values: ",
                                          i);
            for (int k = 0; allowed[k] != NULL && len < sizeof msg; k++)
                len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s", k ? ", " : "",
                                        allowed[k]);
            meta_bad_param(g, 100, msg);
            json_decref(names);
            json_decref(data);
            return;
        }
        const char *base = strcmp(name, "saves") == 0              ? "saved"
                           : strcmp(name, "accounts_engaged") == 0 ? "likes"
                                                                   : name;
        /* Sum of what the account's media gained in [from, to). */
        json_t *windows = json_array();
        int64_t step = total ? until - since : META_DAY_MS;
        for (int64_t from = since; from < until; from += step) {
            int64_t to = from + step < until ? from + step : until;
            json_int_t sum = 0;
            if (strcmp(name, "follower_count") == 0 || strcmp(name, "profile_views") == 0 ||
                strcmp(name, "website_clicks") == 0 || strcmp(name, "profile_links_taps") == 0 ||
                strcmp(name, "replies") == 0) {
                char day[32];
                snprintf(day, sizeof day, "%lld", (long long)(to / META_DAY_MS));
                sum = (json_int_t)(meta_grow(owner, name, 0, 3600 * 1000, 60) % 9) +
                      (json_int_t)(strtoll(day, NULL, 10) % 5);
            } else {
                size_t k;
                json_t *p;
                json_array_foreach(posts, k, p)
                {
                    const char *acct = json_string_value(json_object_get(p, "account"));
                    if (strcmp(json_string_value(json_object_get(p, "platform")), "instagram") !=
                            0 ||
                        acct == NULL || strcmp(acct, owner) != 0)
                        continue;
                    sum += ig_metric(p, base, to < now ? to : now) -
                           ig_metric(p, base, from < now ? from : now);
                }
            }
            char et[40];
            meta_time(et, sizeof et, to);
            json_array_append_new(windows, json_pack("{s:I, s:s}", "value", sum, "end_time", et));
        }
        char iid[300];
        snprintf(iid, sizeof iid, "%s/insights/%s/%s", owner, name, period);
        json_t *one = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", name, "period", period,
                                "title", name, "description", "Simulated.", "id", iid);
        if (total) {
            json_int_t sum = 0;
            size_t k;
            json_t *w;
            json_array_foreach(windows, k, w)
            {
                sum += json_integer_value(json_object_get(w, "value"));
            }
            json_object_set_new(one, "total_value", json_pack("{s:I}", "value", sum));
            json_decref(windows);
        } else {
            json_object_set_new(one, "values", windows);
        }
        json_array_append_new(data, one);
    }
    json_decref(names);
    sim_reply_json(g->out, 200, json_pack("{s:o}", "data", data));
}

/* ---- comments on media ---- */

static void media_comments(meta_ctx *g, json_t *p)
{
    if (!need(g, "comments"))
        return;
    if (strcmp(g->r->method, "POST") == 0) {
        const char *msg = meta_arg(g, "message");
        if (msg == NULL || *msg == '\0') {
            meta_bad_param(g, 100, "(#100) The parameter message is required");
            return;
        }
        char cid[40], when[40];
        sim_next_id(g->s, cid, sizeof cid);
        meta_time(when, sizeof when, g->r->now_ms);
        json_t *list = json_object_get(p, "comments_added");
        if (list == NULL) {
            list = json_array();
            json_object_set_new(p, "comments_added", list);
        }
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s}", "id", cid, "text", msg,
                                              "timestamp", when, "username", META_IG_USERNAME));
        sim_reply_json(g->out, 200, json_pack("{s:s}", "id", cid));
        return;
    }
    static const char *const dflt[] = {"timestamp", "text", "id", NULL};
    json_t *items = json_array();
    json_t *list = json_object_get(p, "comments_added");
    for (size_t i = json_array_size(list); i-- > 0;)
        json_array_append_new(items, json_deep_copy(json_array_get(list, i)));
    meta_reply_list(g, items, "IGComment", dflt);
}

/* ---- routing ---- */

static const char *const id_only[] = {"id", NULL};

static void user_route(meta_ctx *g, const char *ig, const char *edge)
{
    const char *m = g->r->method;
    int get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0;
    if (edge == NULL) {
        if (!get)
            meta_unsupported(g, ig);
        else if (need(g, "basic"))
            meta_reply_node(g, ig_user_node(g, ig), "IGUser", id_only);
    } else if (strcmp(edge, "media") == 0 && post) {
        create_container(g, ig);
    } else if ((strcmp(edge, "media") == 0 || strcmp(edge, "stories") == 0) && get) {
        if (!need(g, "basic"))
            return;
        int stories = strcmp(edge, "stories") == 0;
        json_t *items = json_array();
        json_t *posts = json_object_get(sim_state(g->s), "posts");
        for (size_t i = json_array_size(posts); i-- > 0;) {
            json_t *p = json_array_get(posts, i);
            const char *acct = json_string_value(json_object_get(p, "account"));
            int story = strcmp(json_string_value(json_object_get(p, "kind")), "story") == 0;
            if (strcmp(json_string_value(json_object_get(p, "platform")), "instagram") != 0 ||
                acct == NULL || strcmp(acct, ig) != 0 || story != stories ||
                (story &&
                 g->r->now_ms - json_integer_value(json_object_get(p, "at")) >= META_DAY_MS))
                continue;
            json_array_append_new(items, ig_media_node(g, p));
        }
        meta_reply_list(g, items, "IGMedia", id_only);
    } else if (strcmp(edge, "media_publish") == 0 && post) {
        media_publish(g, ig);
    } else if (strcmp(edge, "content_publishing_limit") == 0 && get) {
        if (!need(g, "basic"))
            return;
        json_t *full = json_pack("{s:i, s:{s:i, s:i}}", "quota_usage", published_last_day(g, ig),
                                 "config", "quota_total", META_IG_QUOTA, "quota_duration", 86400);
        const char *fields = meta_arg(g, "fields");
        json_t *sel = meta_select(g, full, fields != NULL && *fields ? fields : "quota_usage",
                                  "ContentPublishingLimit");
        json_decref(full);
        if (sel != NULL)
            sim_reply_json(g->out, 200, json_pack("{s:[o]}", "data", sel));
    } else if (strcmp(edge, "insights") == 0 && get) {
        if (need(g, "insights"))
            account_insights(g, ig);
    } else if (strcmp(edge, "media") == 0 || strcmp(edge, "media_publish") == 0 ||
               strcmp(edge, "content_publishing_limit") == 0 || strcmp(edge, "insights") == 0 ||
               strcmp(edge, "stories") == 0) {
        meta_unsupported(g, ig);
    } else {
        char msg[300];
        snprintf(msg, sizeof msg, "Unknown path components: /%s", edge);
        meta_error(g->out, 400, "OAuthException", 2500, 0, msg, NULL, NULL);
    }
}

int meta_ig_route(meta_ctx *g, const char *id, const char *edge)
{
    json_t *objs = meta_objects(g->s);
    json_t *o = json_object_get(objs, id);
    const char *type = o != NULL ? json_string_value(json_object_get(o, "type")) : NULL;
    json_t *p = NULL;
    const char *owner = NULL;
    if (strcmp(id, META_IG_ID) == 0)
        owner = META_IG_ID;
    else if (type != NULL && (strcmp(type, "ig_container") == 0 || strcmp(type, "ig_child") == 0))
        owner = json_string_value(json_object_get(o, "owner"));
    else if ((p = sim_post_find(g->s, "instagram", id)) != NULL)
        owner = json_string_value(json_object_get(p, "account"));
    else
        return 0;
    if (!owner_ok(g, owner)) {
        meta_unsupported(g, id);
        return 1;
    }
    if (strcmp(id, META_IG_ID) == 0) {
        user_route(g, id, edge);
        return 1;
    }
    int get = strcmp(g->r->method, "GET") == 0;
    if (p == NULL) {
        if (edge != NULL || !get) {
            if (edge != NULL) {
                char msg[300];
                snprintf(msg, sizeof msg, "Unknown path components: /%s", edge);
                meta_error(g->out, 400, "OAuthException", 2500, 0, msg, NULL, NULL);
            } else {
                meta_unsupported(g, id);
            }
            return 1;
        }
        if (!need(g, "basic"))
            return 1;
        if (strcmp(type, "ig_child") == 0) {
            meta_reply_node(g, ig_child_node(g, o), "IGMedia", id_only);
        } else {
            const char *fields = meta_arg(g, "fields");
            int poll = fields != NULL && strstr(fields, "status") != NULL;
            meta_reply_node(g, container_node(g, o, poll), "ShadowIGMediaBuilder", id_only);
        }
        return 1;
    }
    if (edge == NULL) {
        if (!get)
            meta_unsupported(g, id);
        else if (need(g, "basic"))
            meta_reply_node(g, ig_media_node(g, p), "IGMedia", id_only);
    } else if (strcmp(edge, "insights") == 0 && get) {
        if (need(g, "insights"))
            media_insights(g, p);
    } else if (strcmp(edge, "children") == 0 && get) {
        if (!need(g, "basic"))
            return 1;
        json_t *items = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(p, "children"), i, v)
        {
            json_t *c = json_object_get(objs, json_string_value(v));
            if (c != NULL)
                json_array_append_new(items, ig_child_node(g, c));
        }
        meta_reply_list(g, items, "IGMedia", id_only);
    } else if (strcmp(edge, "comments") == 0) {
        media_comments(g, p);
    } else {
        char msg[300];
        snprintf(msg, sizeof msg, "Unknown path components: /%s", edge);
        meta_error(g->out, 400, "OAuthException", 2500, 0, msg, NULL, NULL);
    }
    return 1;
}

int meta_ig_upload(sim *s, const char *container, const char *token, const void *data, size_t len,
                   const char *file_url, char *why, size_t whylen)
{
    sim_lock(s);
    json_t *rec = NULL;
    const char *platform = "facebook";
    sim_tok st = meta_check(s, platform, token, &rec);
    if (st == TOK_INVALID) {
        platform = "instagram";
        st = meta_check(s, platform, token, &rec);
    }
    json_t *o = json_object_get(meta_objects(s), container);
    int ok = 0;
    if (st == TOK_OK && o != NULL &&
        strcmp(json_string_value(json_object_get(o, "type")), "ig_container") == 0 &&
        !json_is_true(json_object_get(o, "uploaded"))) {
        const char *owner = json_string_value(json_object_get(o, "owner"));
        const char *kind = json_string_value(json_object_get(rec, "kind"));
        const char *subject = json_string_value(json_object_get(rec, "subject"));
        if (strcmp(platform, "instagram") == 0)
            ok = strcmp(subject, owner) == 0;
        else if (strcmp(kind, "user") == 0)
            ok = strcmp(owner, META_IG_ID) == 0;
        else
            ok = meta_ig_of_page(subject) != NULL && strcmp(meta_ig_of_page(subject), owner) == 0;
    }
    sim_unlock(s);
    if (st != TOK_OK) {
        snprintf(why, whylen, "Invalid OAuth access token.");
        return -1;
    }
    if (!ok) {
        snprintf(why, whylen, "No resumable upload is waiting for this container and token.");
        return -1;
    }
    char mid[96] = "";
    int err = 0;
    meta_media mm;
    memset(&mm, 0, sizeof mm);
    if (file_url != NULL && *file_url) {
        char fwhy[400];
        if (meta_fetch(s, file_url, mid, sizeof mid, fwhy, sizeof fwhy) != 0)
            err = 2207052;
    } else if (len > 0) {
        sim_store_media(s, data, len, "application/octet-stream", mid, sizeof mid);
    } else {
        snprintf(why, whylen, "Send the file bytes in the body, or a file_url header.");
        return -1;
    }
    if (err == 0) {
        meta_sniff(s, mid, &mm);
        if (!mm.is_video)
            err = 2207026;
    }
    sim_lock(s);
    o = json_object_get(meta_objects(s), container);
    if (o != NULL) {
        json_object_set_new(o, "uploaded", json_true());
        json_object_set_new(o, "media", json_string(mid));
        json_object_set_new(o, "size", json_integer((json_int_t)mm.size));
        if (err != 0)
            json_object_set_new(o, "err", json_integer(err));
    }
    sim_unlock(s);
    return 0;
}

/* ---- the module ---- */

static int handle(sim *s, sim_req *r, sim_resp *out)
{
    if (strcmp(r->prefix, "/instagram/www") == 0)
        return authorize(s, r, out);
    if (strcmp(r->prefix, "/instagram/api") == 0)
        return code_exchange(s, r, out);
    /* graph.instagram.com: the token endpoints (with or without a version), then the Graph. */
    const char *p = r->path;
    if (p[0] == '/' && p[1] == 'v' && isdigit((unsigned char)p[2])) {
        const char *slash = strchr(p + 1, '/');
        if (slash != NULL)
            p = slash;
    }
    if (strcmp(p, "/access_token") == 0)
        return ig_token_endpoint(s, r, out, 0);
    if (strcmp(p, "/refresh_access_token") == 0)
        return ig_token_endpoint(s, r, out, 1);
    return meta_graph(s, r, out, 1);
}

static void error(sim_resp *out, int status, const char *kind, const char *message)
{
    (void)message;
    meta_core_error(out, status, kind, 1);
}

const sim_module sim_instagram = {
    "instagram", {"/instagram/www", "/instagram/api", "/instagram/graph", NULL}, handle, error};
