/*
 * pub_instagram.c - publishing to an Instagram professional account
 * (PLATFORMS.md section 2, Graph API content publishing).
 *
 * Host: an account connected through a Facebook Page (kind "business_page")
 * is addressed at graph.facebook.com (cfg->facebook api_url + version), any
 * other (Instagram Login) at graph.instagram.com (cfg->instagram).  The
 * token goes in "Authorization: Bearer", never in a URL; the arguments of a
 * POST go in a form body (Graph reads POST arguments from the body as from
 * the query, and a 2,200-character caption percent-encoded does not fit in
 * an address).
 *
 * Flow (Instagram fetches the media itself from pub_media.public_url):
 *   image     POST /{ig}/media image_url, caption, alt_text
 *   carousel  each item: POST /{ig}/media is_carousel_item=true and image_url
 *             (+ alt_text) or media_type=VIDEO&video_url; every item polled
 *             until FINISHED; then POST /{ig}/media media_type=CAROUSEL,
 *             children=id1,id2,..., caption
 *   reel      POST /{ig}/media media_type=REELS, video_url, caption,
 *             share_to_feed (option, default true)
 *   story     POST /{ig}/media media_type=STORIES, image_url or video_url
 *             (no caption)
 * then GET /{container}?fields=status_code,status until FINISHED (right
 * after creating it, then after 2 s, 5 s, 10 s, 20 s and every 30 s, at
 * most IG_POLLS_MAX polls), POST /{ig}/media_publish creation_id= (the one
 * create step), GET /{media}?fields=permalink, and the first_comment option
 * as POST /{media}/comments message= (a failure there leaves the post up and
 * becomes job->warning).
 *
 * alt_text is sent on images (single images and carousel image items) when
 * the media item has one: Instagram added the field for image posts on
 * 2025-03-24 without tying it to an API version; Reels and stories do not
 * take it.
 *
 * Progress (job->state):
 *   c          containers in order (carousel items, then the parent; else the
 *              one container): null or {"id", "at" (ms created), "ready"}
 *   inflight   the request last asked for: create, poll, publish, find, link,
 *              comment (with "at" = the container index for create and poll)
 *   polls      status polls of the container being polled
 *   restarts   times the containers were made again (expired or lost)
 *   sig        what the containers were made from (kind, text, media, options):
 *              containers made for an earlier version of the target are dropped
 *   media_id, permalink   once published; comment: sent, done, failed, unknown
 *   list_pages, rc, rc_published   the lookup of a published post (below)
 * Containers are kept across attempts, so a resumed job polls and publishes
 * the ones it made; those older than 23 h (Instagram expires them at 24 h),
 * reported EXPIRED, or refused as expired or unknown are made again.  A
 * container that failed processing is dropped, so a retry makes a new one.
 *
 * Before media_publish is sent again on a resumed attempt, the container is
 * polled first: PUBLISHED there means the earlier request went through, and
 * the post is looked up instead of being published twice.
 *
 * Reconcile: with a container in the state, its status decides (PUBLISHED:
 * look the post up; FINISHED, IN_PROGRESS, ERROR, EXPIRED: surely not
 * published); otherwise, or to find the id, GET /{ig}/media (stories:
 * /{ig}/stories) ?fields=id,caption,timestamp,permalink,... &limit=25, newest
 * first, matching the caption (whitespace at the ends ignored) and the kind,
 * published at or after attempt_started_ms minus a minute; stories have no
 * caption, so the newest story of the same media type in that window is
 * taken.  Further pages are read while the page is all inside the window
 * (at most IG_LIST_PAGES_MAX).  When found and a first comment is due, the
 * comment is posted from reconcile too (not a create step) before PUB_DONE.
 * A comment is sent at most once: a resumed job that finds it "sent" without
 * an answer does not send it again and warns instead.
 *
 * Errors: Instagram's subcodes (the Error Codes table of Meta's Instagram
 * reference) are classified here; everything else goes through the Graph
 * classification of graph.c (190, 102, 10, 200-299, throttling codes with
 * X-Business-Use-Case-Usage / Retry-After, 1, 2, is_transient).  graph_fail
 * takes the connect side's plat_job, so fail_graph lends it one holding the
 * token (which graph_fail blanks out of messages).  The daily publishing
 * limit (2207042, or code 9 alone) is PERR_RATE_LIMITED an hour on: the
 * 24-hour window moves and content_publishing_limit tells the usage, not when
 * a slot frees, so it is not asked beforehand (the refusal says as much, and
 * the container is kept for the next attempt).
 */
#include "core/tz.h"
#include "platform/graph.h"
#include "platform/publish.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IG_POLLS_MAX        40                   /* ~19 minutes of processing */
#define IG_RESTARTS_MAX     3                    /* new containers after expiry */
#define IG_CONTAINER_TTL_MS (23LL * 3600 * 1000) /* Instagram expires them at 24 h */
#define IG_LIST_LIMIT       "25"                 /* posts per list page */
#define IG_LIST_PAGES_MAX   4                    /* list pages read looking for a post */
#define IG_SLACK_MS         60000                /* clock slack for reconcile */
#define IG_QUOTA_WAIT_MS    (3600LL * 1000)      /* after the 50-a-day limit */
#define IG_NOT_READY_MS     5000                 /* after "not ready for publishing" */
#define IG_LINK_TRIES       3                    /* permalink reads before giving up */
#define IG_CHILDREN_MIN     2
#define IG_CHILDREN_MAX     10
#define IG_TOKEN_MAX        480 /* what fits in a request header line */

#define LIST_FIELDS  "id,caption,timestamp,permalink,media_type,media_product_type"
#define STORY_FIELDS "id,timestamp,permalink,media_type,media_product_type"

enum ig_kind { K_IMAGE, K_CAROUSEL, K_REEL, K_STORY };

/* ---- the target ---- */

static int kind_of(const pub_job *job)
{
    const char *k = job->kind != NULL ? job->kind : "";
    if (strcmp(k, "image") == 0)
        return K_IMAGE;
    if (strcmp(k, "carousel") == 0)
        return K_CAROUSEL;
    if (strcmp(k, "reel") == 0)
        return K_REEL;
    if (strcmp(k, "story") == 0)
        return K_STORY;
    return -1;
}

static int is_video(const pub_media *m)
{
    return m->kind != NULL && strcmp(m->kind, "video") == 0;
}

static int is_image(const pub_media *m)
{
    return m->kind != NULL && strcmp(m->kind, "image") == 0;
}

/* The index of the container that gets published (the carousel parent follows its items). */
static size_t main_index(const pub_job *job)
{
    return kind_of(job) == K_CAROUSEL ? job->nmedia : 0;
}

static const char *first_comment(const pub_job *job)
{
    if (kind_of(job) == K_STORY)
        return NULL; /* stories take no comments (the composer refuses it) */
    const char *fc = json_string_value(json_object_get(job->options, "first_comment"));
    return fc != NULL && *fc != '\0' ? fc : NULL;
}

/* The settings of the Graph host this account is reached through. */
static const platform_cfg *graph_cfg(const pub_job *job)
{
    int page =
        job->account_kind != NULL && strcmp(job->account_kind, PLAT_KIND_IG_THROUGH_PAGE) == 0;
    if (job->cfg != NULL)
        return page ? &job->cfg->facebook : &job->cfg->instagram;
    return job->pc;
}

/* ---- progress ---- */

static const char *st_str(const pub_job *job, const char *key)
{
    return pub_state_str(job, key);
}

static int st_is(const pub_job *job, const char *key, const char *value)
{
    const char *v = pub_state_str(job, key);
    return v != NULL && strcmp(v, value) == 0;
}

static void st_del(pub_job *job, const char *key)
{
    if (job->state != NULL)
        json_object_del(job->state, key);
}

/* The container list, made as long as the target needs. */
static json_t *conts(pub_job *job)
{
    if (job->state == NULL)
        job->state = json_object();
    json_t *c = json_object_get(job->state, "c");
    if (!json_is_array(c)) {
        c = json_array();
        json_object_set_new(job->state, "c", c);
    }
    while (json_array_size(c) < main_index(job) + 1)
        json_array_append_new(c, json_null());
    return c;
}

static json_t *cont(pub_job *job, size_t i)
{
    json_t *o = json_array_get(conts(job), i);
    return json_is_object(o) ? o : NULL;
}

static const char *cont_id(pub_job *job, size_t i)
{
    const char *id = json_string_value(json_object_get(cont(job, i), "id"));
    return id != NULL && *id != '\0' ? id : NULL;
}

static int cont_ready(pub_job *job, size_t i)
{
    return json_is_true(json_object_get(cont(job, i), "ready"));
}

static void cont_set_ready(pub_job *job, size_t i, int ready)
{
    json_t *o = cont(job, i);
    if (o != NULL)
        json_object_set_new(o, "ready", json_boolean(ready));
}

static void cont_drop(pub_job *job, size_t i)
{
    json_array_set_new(conts(job), i, json_null());
}

static void cont_set(pub_job *job, size_t i, const char *id)
{
    json_array_set_new(
        conts(job), i,
        json_pack("{s:s, s:I, s:b}", "id", id, "at", (json_int_t)job->now_ms, "ready", 0));
    /* A carousel item made anew needs a new parent. */
    if (i < main_index(job))
        cont_drop(job, main_index(job));
}

static void conts_clear(pub_job *job)
{
    json_array_clear(conts(job));
    conts(job);
    pub_state_set_int(job, "polls", 0);
}

/* Is any container old enough that Instagram will have expired it? */
static int conts_stale(pub_job *job)
{
    json_t *c = conts(job);
    size_t i;
    json_t *o;
    json_array_foreach(c, i, o)
    {
        const json_t *at = json_object_get(o, "at");
        if (json_is_integer(at) && job->now_ms - json_integer_value(at) >= IG_CONTAINER_TTL_MS)
            return 1;
    }
    return 0;
}

/* FNV-1a over s, and a separator. */
static uint64_t fnv(uint64_t h, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

/*
 * What the containers were made from (kind, text, media and their alt
 * texts, share_to_feed): when the target changed since they were made,
 * they are made again.
 */
static void target_sig(const pub_job *job, char *out, size_t len)
{
    uint64_t h = fnv(14695981039346656037ULL, job->kind);
    h = fnv(h, job->text);
    for (size_t i = 0; i < job->nmedia; i++) {
        char id[32];
        snprintf(id, sizeof id, "%lld", (long long)job->media[i].id);
        h = fnv(h, id);
        h = fnv(h, job->media[i].alt_text);
    }
    h = fnv(h, json_is_false(json_object_get(job->options, "share_to_feed")) ? "0" : "1");
    snprintf(out, len, "%016llx", (unsigned long long)h);
}

/* How a container is named in messages. */
static void noun_of(pub_job *job, size_t i, char *out, size_t len)
{
    int kind = kind_of(job);
    if (kind == K_CAROUSEL && i < job->nmedia)
        snprintf(out, len, "item %zu of the carousel (%s)", i + 1,
                 is_video(&job->media[i]) ? "a video" : "an image");
    else if (kind == K_CAROUSEL)
        snprintf(out, len, "the carousel");
    else if (job->nmedia > 0 && is_video(&job->media[0]))
        snprintf(out, len, kind == K_REEL ? "the Reel" : "the video");
    else
        snprintf(out, len, "the image");
}

/* ---- errors ---- */

typedef struct ig_code {
    long long sub;
    plat_err_kind kind;
    const char *text;
} ig_code;

/* Instagram's content publishing subcodes (Meta's Instagram "Error Codes" reference). */
static const ig_code ig_codes[] = {
    {2207001, PERR_TRANSIENT, "a server error occurred at Instagram"},
    {2207003, PERR_TRANSIENT, "Instagram took too long to download the media"},
    {2207004, PERR_PERMANENT, "it is too large; Instagram takes images up to 8 MB"},
    {2207005, PERR_PERMANENT, "its format is not supported; Instagram takes JPEG images"},
    {2207006, PERR_PERMANENT, "one of its items could not be found"},
    {2207008, PERR_TRANSIENT, "the media container was not found or has expired"},
    {2207009, PERR_PERMANENT,
     "its aspect ratio is not supported; feed images must be between 4:5 and 1.91:1"},
    {2207010, PERR_PERMANENT, "the caption is too long; Instagram allows 2,200 characters"},
    {2207020, PERR_TRANSIENT, "the media container expired before it was published"},
    {2207023, PERR_INVALID, "the media type is not supported"},
    {2207026, PERR_PERMANENT,
     "the video format is not supported; Instagram takes MP4 or MOV with H.264 or HEVC video "
     "and AAC audio"},
    {2207027, PERR_TRANSIENT, "the media is not ready to be published yet"},
    {2207028, PERR_PERMANENT, "a carousel needs 2 to 10 photos or videos"},
    {2207032, PERR_TRANSIENT, "Instagram could not create the media container"},
    {2207040, PERR_PERMANENT, "the caption tags more than 20 accounts"},
    {2207042, PERR_RATE_LIMITED,
     "the account reached Instagram's limit of 50 posts published through apps in 24 hours"},
    {2207050, PERR_PERMANENT, "the Instagram account is restricted or inactive"},
    {2207051, PERR_PERMANENT, "Instagram restricted the action as suspected spam"},
    {2207052, PERR_PERMANENT,
     "Instagram could not fetch the media from its link; check that this server's public "
     "address can be reached from the internet"},
    {2207053, PERR_TRANSIENT, "an unknown upload error occurred"},
    {2207057, PERR_INVALID, "the thumbnail offset is outside the video"},
};

/* Codes that stand for a subcode when Graph sends no subcode. */
static long long sub_of_code(long long code)
{
    switch (code) {
    case 36000:
        return 2207004;
    case 36001:
        return 2207005;
    case 36003:
        return 2207009;
    case 36004:
        return 2207010;
    case 9004:
        return 2207052;
    case 9007:
        return 2207027;
    case 9:
        return 2207042;
    default:
        return 0;
    }
}

static const ig_code *ig_code_find(long long sub)
{
    for (size_t i = 0; i < sizeof ig_codes / sizeof ig_codes[0]; i++)
        if (ig_codes[i].sub == sub)
            return &ig_codes[i];
    return NULL;
}

/* The Graph envelope of r: code, subcode (a code's stand-in when none), message. */
typedef struct ig_env {
    int has;
    long long code, sub;
    char message[300];
} ig_env;

static ig_env envelope(const plat_response *r)
{
    ig_env e;
    memset(&e, 0, sizeof e);
    json_t *j = pub_json(r);
    json_t *err = json_object_get(j, "error");
    if (json_is_object(err)) {
        e.has = 1;
        e.code = json_integer_value(json_object_get(err, "code"));
        e.sub = json_integer_value(json_object_get(err, "error_subcode"));
        const char *m = json_string_value(json_object_get(err, "message"));
        snprintf(e.message, sizeof e.message, "%s", m != NULL ? m : "");
    }
    json_decref(j);
    return e;
}

/* Fail with one of Instagram's subcodes, in plain words. */
static pub_step fail_code(pub_job *job, const ig_code *c, int status, long long code,
                          const char *noun)
{
    char cs[64];
    if (code != 0)
        snprintf(cs, sizeof cs, "%lld/%lld", code, c->sub);
    else
        snprintf(cs, sizeof cs, "%lld", c->sub);
    switch (c->kind) {
    case PERR_TRANSIENT:
        return pub_fail(job, PERR_TRANSIENT, status, cs,
                        "Instagram had a temporary problem with %s: %s (%lld); it will be tried "
                        "again",
                        noun, c->text, c->sub);
    case PERR_RATE_LIMITED:
        pub_fail(job, PERR_RATE_LIMITED, status, cs,
                 "Instagram did not publish %s: %s (%lld); it will be tried again later", noun,
                 c->text, c->sub);
        /* A moving 24-hour window we cannot see into: try again in an hour. */
        job->err.retry_at_ms = job->now_ms + IG_QUOTA_WAIT_MS;
        return PUB_FAIL;
    default:
        return pub_fail(job, c->kind, status, cs, "Instagram refused %s: %s (%lld)", noun, c->text,
                        c->sub);
    }
}

/* Everything Instagram does not say more about: the shared Graph classification. */
static pub_step fail_graph(pub_job *job, const plat_response *r, const char *what)
{
    plat_job *pj = calloc(1, sizeof *pj);
    if (pj == NULL)
        return pub_fail(job, PERR_TRANSIENT, r->status, "no_memory", "%s: out of memory; try again",
                        what);
    pj->kind = PJOB_CONNECT;
    pj->cfg = job->cfg;
    pj->pc = graph_cfg(job);
    pj->now_ms = job->now_ms;
    /* So that graph_fail blanks the token out of any message it repeats. */
    snprintf(pj->in.access, sizeof pj->in.access, "%s",
             job->access_token != NULL ? job->access_token : "");
    graph_fail(pj, r, "Instagram", what);
    job->err = pj->err;
    free(pj);
    if (r->status == 429 && job->err.kind != PERR_RATE_LIMITED) {
        plat_error_generic(&job->err, r, job->now_ms, what);
    } else if (r->status >= 500 && job->err.kind == PERR_INVALID) {
        job->err.kind = PERR_TRANSIENT;
        snprintf(job->err.message, sizeof job->err.message,
                 "%s: Instagram had a problem (HTTP %d); try again", what, r->status);
    }
    return PUB_FAIL;
}

/* Classify an answer that is not a success. */
static pub_step fail_answer(pub_job *job, const plat_response *r, const char *noun,
                            const char *what)
{
    ig_env e = envelope(r);
    if (e.has && r->status != 429 && e.code != 190 && e.code != 102) {
        long long sub = e.sub != 0 ? e.sub : sub_of_code(e.code);
        const ig_code *c = ig_code_find(sub);
        if (c != NULL)
            return fail_code(job, c, r->status, e.code, noun);
        if (e.code == -1 || e.code == -2) {
            char cs[64];
            snprintf(cs, sizeof cs, "%lld/%lld", e.code, e.sub);
            return pub_fail(job, PERR_TRANSIENT, r->status, cs,
                            "%s: Instagram had an unknown error; it will be tried again", what);
        }
        if (e.code == 100 && e.sub == 33)
            return pub_fail(job, PERR_REVOKED, r->status, "100/33",
                            "%s: Instagram no longer lets this connection act for the account "
                            "(it may have been unlinked or its permissions withdrawn); "
                            "reconnect the account",
                            what);
    }
    return fail_graph(job, r, what);
}

/* ---- requests ---- */

static void url_base(const pub_job *job, graph_url *u)
{
    const platform_cfg *pc = graph_cfg(job);
    if (pc->version[0] != '\0')
        graph_url_start(u, "%s/%s", pc->api_url, pc->version);
    else
        graph_url_start(u, "%s", pc->api_url);
}

static pub_step send(pub_job *job, const char *method, const graph_url *u, const char *what)
{
    if (u->over)
        return pub_fail(job, PERR_PERMANENT, 0, "url_too_long",
                        "%s: the request does not fit in an address (a setting is too long)", what);
    pub_req(job, method, "%s", u->s);
    pub_req_header(job, "Authorization: Bearer %s", job->access_token);
    if (strcmp(method, "POST") == 0)
        pub_req_header(job, "Content-Type: application/x-www-form-urlencoded");
    return PUB_REQUEST;
}

static void set_inflight(pub_job *job, const char *what, size_t at)
{
    pub_state_set_str(job, "inflight", what);
    pub_state_set_int(job, "at", (int64_t)at);
}

static pub_step next(pub_job *job);

/* POST /{ig}/media for container i. */
static pub_step create_req(pub_job *job, size_t i)
{
    const char *what = "Preparing the Instagram post";
    int kind = kind_of(job);
    size_t main = main_index(job);
    const pub_media *m = i < job->nmedia ? &job->media[i] : NULL;
    if (m != NULL && (m->public_url == NULL || m->public_url[0] == '\0'))
        return pub_fail(job, PERR_PERMANENT, 0, "no_public_url",
                        "%s: the media has no public link Instagram could fetch it from", what);
    graph_url u;
    url_base(job, &u);
    graph_url_segment(&u, job->account_remote_id);
    graph_url_segment(&u, "media");
    pub_step s = send(job, "POST", &u, what);
    if (s != PUB_REQUEST)
        return s;
    const char *caption = job->text != NULL ? job->text : "";
    if (kind == K_CAROUSEL && i < main) {
        pub_form_add(job, "is_carousel_item", "true");
        if (is_video(m)) {
            pub_form_add(job, "media_type", "VIDEO");
            pub_form_add(job, "video_url", m->public_url);
        } else {
            pub_form_add(job, "image_url", m->public_url);
            if (m->alt_text != NULL && m->alt_text[0] != '\0')
                pub_form_add(job, "alt_text", m->alt_text);
        }
    } else if (kind == K_CAROUSEL) {
        /* The ids go in one comma-joined argument. */
        size_t len = 1;
        for (size_t k = 0; k < main; k++)
            len += strlen(cont_id(job, k)) + 1;
        char *children = malloc(len);
        if (children == NULL)
            return pub_fail(job, PERR_TRANSIENT, 0, "no_memory", "%s: out of memory", what);
        size_t o = 0;
        children[0] = '\0';
        for (size_t k = 0; k < main; k++)
            o += (size_t)snprintf(children + o, len - o, "%s%s", k > 0 ? "," : "", cont_id(job, k));
        pub_form_add(job, "media_type", "CAROUSEL");
        pub_form_add(job, "children", children);
        free(children);
        if (caption[0] != '\0')
            pub_form_add(job, "caption", caption);
    } else if (kind == K_IMAGE) {
        pub_form_add(job, "image_url", m->public_url);
        if (caption[0] != '\0')
            pub_form_add(job, "caption", caption);
        if (m->alt_text != NULL && m->alt_text[0] != '\0')
            pub_form_add(job, "alt_text", m->alt_text);
    } else if (kind == K_REEL) {
        pub_form_add(job, "media_type", "REELS");
        pub_form_add(job, "video_url", m->public_url);
        if (caption[0] != '\0')
            pub_form_add(job, "caption", caption);
        pub_form_add(job, "share_to_feed",
                     json_is_false(json_object_get(job->options, "share_to_feed")) ? "false"
                                                                                   : "true");
    } else {
        pub_form_add(job, "media_type", "STORIES");
        pub_form_add(job, is_video(m) ? "video_url" : "image_url", m->public_url);
    }
    set_inflight(job, "create", i);
    return PUB_REQUEST;
}

/* GET /{container}?fields=status_code,status */
static pub_step poll_req(pub_job *job, size_t i, const char *inflight)
{
    graph_url u;
    url_base(job, &u);
    graph_url_segment(&u, cont_id(job, i));
    graph_url_arg(&u, "fields", "status_code,status");
    pub_step s = send(job, "GET", &u, "Checking the Instagram upload");
    if (s == PUB_REQUEST && inflight != NULL)
        set_inflight(job, inflight, i);
    return s;
}

static pub_step publish_req(pub_job *job)
{
    graph_url u;
    url_base(job, &u);
    graph_url_segment(&u, job->account_remote_id);
    graph_url_segment(&u, "media_publish");
    pub_step s = send(job, "POST", &u, "Publishing to Instagram");
    if (s != PUB_REQUEST)
        return s;
    pub_form_add(job, "creation_id", cont_id(job, main_index(job)));
    job->req.create_step = 1;
    set_inflight(job, "publish", main_index(job));
    return PUB_REQUEST;
}

/* The account's recent posts (stories: its live stories), newest first. */
static pub_step list_req(pub_job *job, const char *next_url)
{
    const char *what = "Looking for the Instagram post";
    if (next_url != NULL) {
        pub_req(job, "GET", "%s", next_url);
        pub_req_header(job, "Authorization: Bearer %s", job->access_token);
        return PUB_REQUEST;
    }
    int story = kind_of(job) == K_STORY;
    graph_url u;
    url_base(job, &u);
    graph_url_segment(&u, job->account_remote_id);
    graph_url_segment(&u, story ? "stories" : "media");
    graph_url_arg(&u, "fields", story ? STORY_FIELDS : LIST_FIELDS);
    graph_url_arg(&u, "limit", IG_LIST_LIMIT);
    pub_state_set_int(job, "list_pages", 0);
    return send(job, "GET", &u, what);
}

static pub_step link_req(pub_job *job)
{
    graph_url u;
    url_base(job, &u);
    graph_url_segment(&u, st_str(job, "media_id"));
    graph_url_arg(&u, "fields", "permalink");
    pub_step s = send(job, "GET", &u, "Reading the Instagram post's link");
    if (s == PUB_REQUEST)
        set_inflight(job, "link", 0);
    return s;
}

static pub_step comment_req(pub_job *job, const char *message)
{
    graph_url u;
    url_base(job, &u);
    graph_url_segment(&u, st_str(job, "media_id"));
    graph_url_segment(&u, "comments");
    pub_step s = send(job, "POST", &u, "Posting the first comment on Instagram");
    if (s != PUB_REQUEST)
        return s;
    pub_form_add(job, "message", message);
    set_inflight(job, "comment", 0);
    /* Sent at most once: a resumed job that finds "sent" does not send it again. */
    pub_state_set_str(job, "comment", "sent");
    return PUB_REQUEST;
}

/* ---- finding a published post in the account's list ---- */

/* "2026-01-02T03:04:05+0000" (also "Z", "+00:00", fractions) in UTC ms; -1 if not one. */
static int parse_time(const char *s, int64_t *ms)
{
    if (s == NULL || strlen(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
        s[16] != ':')
        return -1;
    int v[6];
    static const int at[6] = {0, 5, 8, 11, 14, 17}, width[6] = {4, 2, 2, 2, 2, 2};
    for (int k = 0; k < 6; k++) {
        v[k] = 0;
        for (int d = 0; d < width[k]; d++) {
            char c = s[at[k] + d];
            if (c < '0' || c > '9')
                return -1;
            v[k] = v[k] * 10 + (c - '0');
        }
    }
    if (!tz_date_valid(v[0], v[1], v[2]) || v[3] > 23 || v[4] > 59 || v[5] > 60)
        return -1;
    const char *p = s + 19;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    int off = 0;
    if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        const char *q = p + 1;
        if (!(q[0] >= '0' && q[0] <= '9' && q[1] >= '0' && q[1] <= '9'))
            return -1;
        int hh = (q[0] - '0') * 10 + (q[1] - '0');
        q += 2;
        if (*q == ':')
            q++;
        if (!(q[0] >= '0' && q[0] <= '9' && q[1] >= '0' && q[1] <= '9') || q[2] != '\0')
            return -1;
        int mm = (q[0] - '0') * 10 + (q[1] - '0');
        off = sign * (hh * 60 + mm);
    } else if (!(p[0] == 'Z' && p[1] == '\0') && *p != '\0') {
        return -1;
    }
    int64_t secs = tz_days_from_civil(v[0], v[1], v[2]) * 86400 + v[3] * 3600 + v[4] * 60 + v[5] -
                   (int64_t)off * 60;
    *ms = secs * 1000;
    return 0;
}

static int blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Do two captions say the same (whitespace at the ends ignored, CRLF = LF)? */
static int same_text(const char *a, const char *b)
{
    while (blank(*a))
        a++;
    while (blank(*b))
        b++;
    const char *ae = a + strlen(a), *be = b + strlen(b);
    while (ae > a && blank(ae[-1]))
        ae--;
    while (be > b && blank(be[-1]))
        be--;
    while (a < ae && b < be) {
        if (a[0] == '\r' && a + 1 < ae && a[1] == '\n')
            a++;
        if (b[0] == '\r' && b + 1 < be && b[1] == '\n')
            b++;
        if (*a != *b)
            return 0;
        a++;
        b++;
    }
    return a == ae && b == be;
}

enum { M_FOUND, M_MORE, M_NONE, M_UNSURE, M_BAD };

/*
 * Look for this target's post in a list answer.  M_FOUND with id and url;
 * M_MORE with the next page's address; M_NONE when it is surely not there;
 * M_UNSURE when more pages would have to be read than we allow.
 */
static int list_match(pub_job *job, const plat_response *r, char *id, size_t idlen, char *url,
                      size_t urllen, char *next_url, size_t nextlen)
{
    json_t *j = pub_json(r);
    json_t *data = json_object_get(j, "data");
    if (!json_is_array(data)) {
        json_decref(j);
        return M_BAD;
    }
    int kind = kind_of(job);
    const char *want_type = kind == K_CAROUSEL                            ? "CAROUSEL_ALBUM"
                            : kind == K_REEL                              ? "VIDEO"
                            : job->nmedia > 0 && is_video(&job->media[0]) ? "VIDEO"
                                                                          : "IMAGE";
    const char *want_product = kind == K_REEL ? "REELS" : kind == K_STORY ? "STORY" : "FEED";
    int64_t from = job->attempt_started_ms > 0 ? job->attempt_started_ms - IG_SLACK_MS : 0;
    const char *text = job->text != NULL ? job->text : "";
    int older = 0;
    size_t i;
    json_t *p;
    json_array_foreach(data, i, p)
    {
        int64_t ts;
        if (parse_time(json_string_value(json_object_get(p, "timestamp")), &ts) != 0)
            continue; /* without a time we cannot tell whose it is */
        if (ts < from) {
            older = 1;
            continue;
        }
        const char *type = json_string_value(json_object_get(p, "media_type"));
        const char *product = json_string_value(json_object_get(p, "media_product_type"));
        if (type != NULL && strcmp(type, want_type) != 0)
            continue;
        if (product != NULL && strcmp(product, want_product) != 0)
            continue;
        if (kind != K_STORY) {
            const char *caption = json_string_value(json_object_get(p, "caption"));
            if (!same_text(caption != NULL ? caption : "", text))
                continue;
        }
        char found[128];
        graph_id_text(json_object_get(p, "id"), found, sizeof found);
        if (!plat_id_ok(found, idlen))
            continue;
        snprintf(id, idlen, "%s", found);
        plat_copy_whole(url, urllen, json_string_value(json_object_get(p, "permalink")));
        json_decref(j);
        return M_FOUND;
    }
    const char *next = json_string_value(json_object_get(json_object_get(j, "paging"), "next"));
    int rc = M_NONE;
    if (!older && next != NULL && json_array_size(data) > 0) {
        /* Everything on this page is recent: ours may be further on. */
        const char *api = graph_cfg(job)->api_url;
        size_t base = strlen(api);
        if (pub_state_int(job, "list_pages", 0) + 1 >= IG_LIST_PAGES_MAX ||
            strncmp(next, api, base) != 0 || next[base] != '/' || strlen(next) >= nextlen)
            rc = M_UNSURE;
        else {
            snprintf(next_url, nextlen, "%s", next);
            rc = M_MORE;
        }
    }
    json_decref(j);
    return rc;
}

/* ---- after media_publish ---- */

static pub_step finish(pub_job *job)
{
    const char *mid = st_str(job, "media_id");
    if (json_object_get(job->state, "permalink") == NULL)
        return link_req(job);
    const char *fc = first_comment(job);
    if (fc != NULL && st_str(job, "comment") == NULL)
        return comment_req(job, fc);
    if (st_is(job, "comment", "sent")) {
        /* The answer was lost: it may be there; sending it again could post it twice. */
        snprintf(job->warning, sizeof job->warning,
                 "The post is published, but the first comment may not have been posted (the "
                 "connection was interrupted); check the post on Instagram");
        pub_state_set_str(job, "comment", "unknown");
    }
    st_del(job, "inflight");
    return pub_done(job, mid, st_str(job, "permalink"));
}

/* Make the containers again (they expired or were lost). */
static pub_step restart(pub_job *job, const char *why)
{
    int64_t n = pub_state_int(job, "restarts", 0) + 1;
    pub_state_set_int(job, "restarts", n);
    if (n > IG_RESTARTS_MAX)
        return pub_fail(job, PERR_TRANSIENT, 0, "container_expired",
                        "Instagram kept dropping the media before it could be published (%s); "
                        "it will be tried again",
                        why);
    conts_clear(job);
    return next(job);
}

/* What to do next, from the progress alone. */
static pub_step next(pub_job *job)
{
    const char *mid = st_str(job, "media_id");
    if (mid != NULL && *mid != '\0')
        return finish(job);
    char sig[32];
    target_sig(job, sig, sizeof sig);
    if (!st_is(job, "sig", sig)) {
        /* Made for another version of the target (or none made yet). */
        conts_clear(job);
        pub_state_set_str(job, "sig", sig);
    } else if (conts_stale(job)) {
        conts_clear(job);
    }
    size_t main = main_index(job);
    for (size_t i = 0; i < main; i++)
        if (cont_id(job, i) == NULL)
            return create_req(job, i);
    for (size_t i = 0; i < main; i++)
        if (!cont_ready(job, i))
            return poll_req(job, i, "poll");
    if (cont_id(job, main) == NULL)
        return create_req(job, main);
    if (!cont_ready(job, main))
        return poll_req(job, main, "poll");
    return publish_req(job);
}

/* Look the published post up in the account's list (its id was not answered). */
static pub_step find_start(pub_job *job)
{
    pub_step s = list_req(job, NULL);
    if (s == PUB_REQUEST)
        set_inflight(job, "find", 0);
    return s;
}

static pub_step container_error(pub_job *job, size_t i, const char *status)
{
    char noun[96];
    noun_of(job, i, noun, sizeof noun);
    /* "Error: Media upload has failed with error code 2207026": the last number. */
    long long code = 0;
    for (const char *p = status != NULL ? status : ""; *p; p++)
        if (*p >= '0' && *p <= '9' && (p == status || p[-1] < '0' || p[-1] > '9'))
            code = strtoll(p, NULL, 10);
    cont_drop(job, i); /* a retry makes a new container */
    if (code == 2207020 || code == 2207008)
        return restart(job, "the media container expired");
    const ig_code *c = ig_code_find(code);
    if (c != NULL)
        return fail_code(job, c, 200, 0, noun);
    char st[200];
    plat_copy_text(st, sizeof st, status != NULL && *status ? status : "no reason given");
    return pub_fail(job, PERR_PERMANENT, 200, "container_error",
                    "Instagram could not process %s (%s)", noun, st);
}

static int64_t poll_wait(int64_t n)
{
    static const int64_t w[] = {2000, 5000, 10000, 20000};
    return n >= 1 && n <= 4 ? w[n - 1] : 30000;
}

static int ok(const plat_response *r)
{
    return r->status >= 200 && r->status < 300;
}

static pub_step on_create(pub_job *job, const plat_response *r)
{
    size_t i = (size_t)pub_state_int(job, "at", 0);
    size_t main = main_index(job);
    if (i > main)
        return next(job);
    char noun[96];
    noun_of(job, i, noun, sizeof noun);
    if (!ok(r)) {
        ig_env e = envelope(r);
        if (kind_of(job) == K_CAROUSEL && i == main && e.sub == 2207027) {
            for (size_t k = 0; k < main; k++)
                cont_set_ready(job, k, 0);
            return pub_wait(job, IG_NOT_READY_MS);
        }
        if (kind_of(job) == K_CAROUSEL && i == main && (e.sub == 2207006 || e.sub == 2207008))
            return restart(job, "a carousel item was lost");
        return fail_answer(job, r, noun, "Preparing the Instagram post");
    }
    json_t *j = pub_json(r);
    char id[128];
    graph_id_text(json_object_get(j, "id"), id, sizeof id);
    json_decref(j);
    if (!plat_id_ok(id, sizeof id))
        return pub_fail(job, PERR_TRANSIENT, r->status, "bad_response",
                        "Instagram answered the upload of %s in a way we do not understand; it "
                        "will be tried again",
                        noun);
    cont_set(job, i, id);
    pub_state_set_int(job, "polls", 0);
    return next(job);
}

static pub_step on_poll(pub_job *job, const plat_response *r)
{
    size_t i = (size_t)pub_state_int(job, "at", 0);
    if (i > main_index(job) || cont_id(job, i) == NULL)
        return next(job);
    char noun[96];
    noun_of(job, i, noun, sizeof noun);
    if (!ok(r)) {
        ig_env e = envelope(r);
        if (e.code == 24 || (e.code == 100 && e.sub == 33))
            return restart(job, "the media container was not found");
        return fail_answer(job, r, noun, "Checking the Instagram upload");
    }
    json_t *j = pub_json(r);
    const char *code = json_string_value(json_object_get(j, "status_code"));
    char status[256];
    plat_copy_text(status, sizeof status,
                   json_string_value(json_object_get(j, "status")) != NULL
                       ? json_string_value(json_object_get(j, "status"))
                       : "");
    char sc[32];
    snprintf(sc, sizeof sc, "%s", code != NULL ? code : "");
    json_decref(j);
    if (strcmp(sc, "FINISHED") == 0) {
        cont_set_ready(job, i, 1);
        pub_state_set_int(job, "polls", 0);
        return next(job);
    }
    if (strcmp(sc, "PUBLISHED") == 0)
        return find_start(job); /* an earlier media_publish went through */
    if (strcmp(sc, "EXPIRED") == 0)
        return restart(job, "the media container expired");
    if (strcmp(sc, "ERROR") == 0)
        return container_error(job, i, status);
    /* IN_PROGRESS (or anything new): wait and ask again. */
    int64_t n = pub_state_int(job, "polls", 0) + 1;
    if (n > IG_POLLS_MAX) {
        pub_state_set_int(job, "polls", 0); /* the next attempt goes on polling */
        return pub_fail(job, PERR_TRANSIENT, r->status, "processing_timeout",
                        "Instagram is still processing %s; it will be tried again", noun);
    }
    pub_state_set_int(job, "polls", n);
    return pub_wait(job, poll_wait(n));
}

static pub_step on_publish(pub_job *job, const plat_response *r)
{
    size_t main = main_index(job);
    if (!ok(r)) {
        ig_env e = envelope(r);
        if (e.sub == 2207027 || (e.sub == 0 && e.code == 9007)) {
            cont_set_ready(job, main, 0);
            pub_state_set_int(job, "polls", 0);
            return pub_wait(job, IG_NOT_READY_MS);
        }
        if (e.sub == 2207020 || e.sub == 2207008)
            return restart(job, "the media container expired");
        if (e.code == 100 && strstr(e.message, "already") != NULL &&
            strstr(e.message, "published") != NULL)
            return find_start(job);
        return fail_answer(job, r, "the post", "Publishing to Instagram");
    }
    json_t *j = pub_json(r);
    char id[128];
    graph_id_text(json_object_get(j, "id"), id, sizeof id);
    json_decref(j);
    if (!plat_id_ok(id, sizeof id))
        return find_start(job); /* published, but no id said: look it up */
    pub_state_set_str(job, "media_id", id);
    st_del(job, "permalink");
    return next(job);
}

/* A list answer while looking for the post (publish flow and reconcile). */
static pub_step on_list(pub_job *job, const plat_response *r, int reconciling)
{
    const char *what = "Looking for the Instagram post";
    if (!ok(r))
        return fail_answer(job, r, "the post", what);
    char id[128], url[PLAT_URL_MAX], nexturl[PLAT_URL_MAX];
    int m = list_match(job, r, id, sizeof id, url, sizeof url, nexturl, sizeof nexturl);
    switch (m) {
    case M_FOUND:
        pub_state_set_str(job, "media_id", id);
        if (url[0] != '\0')
            pub_state_set_str(job, "permalink", url);
        else
            st_del(job, "permalink");
        if (reconciling)
            pub_state_set_str(job, "rc", "post");
        return next(job);
    case M_MORE:
        pub_state_set_int(job, "list_pages", pub_state_int(job, "list_pages", 0) + 1);
        return list_req(job, nexturl);
    case M_NONE:
        if (reconciling && !json_is_true(json_object_get(job->state, "rc_published")))
            return pub_done(job, "", "");
        return pub_fail(job, PERR_TRANSIENT, r->status, "not_listed_yet",
                        "Instagram reports the post as published, but it is not among the "
                        "account's recent posts yet; it will be looked up again");
    case M_UNSURE:
        return pub_fail(job, PERR_TRANSIENT, r->status, "too_many_recent",
                        "%s: the account has too many recent posts to tell whether this one "
                        "went out; it will be looked up again",
                        what);
    default:
        return pub_fail(job, PERR_TRANSIENT, r->status, "bad_response",
                        "%s: Instagram answered the list of posts in a way we do not "
                        "understand; try again",
                        what);
    }
}

static pub_step on_link(pub_job *job, const plat_response *r)
{
    json_t *j = ok(r) ? pub_json(r) : NULL;
    const char *link = json_string_value(json_object_get(j, "permalink"));
    if (link != NULL && *link != '\0' && strlen(link) < PLAT_URL_MAX) {
        pub_state_set_str(job, "permalink", link);
        json_decref(j);
        return next(job);
    }
    json_decref(j);
    int64_t tries = pub_state_int(job, "link_tries", 0) + 1;
    pub_state_set_int(job, "link_tries", tries);
    if (tries < IG_LINK_TRIES && (r->status == 0 || r->status == 429 || r->status >= 500))
        return pub_wait(job, 2000 * tries);
    /* The post is up: finish without its link rather than fail. */
    pub_state_set_str(job, "permalink", "");
    snprintf(job->warning, sizeof job->warning,
             "The post is published, but Instagram did not give its link (HTTP %d)", r->status);
    return next(job);
}

static pub_step on_comment(pub_job *job, const plat_response *r)
{
    if (ok(r)) {
        pub_state_set_str(job, "comment", "done");
        return next(job);
    }
    /* The post stays up: the reason becomes a warning. */
    fail_answer(job, r, "the first comment", "Posting the first comment");
    char why[400];
    plat_copy_text(why, sizeof why, job->err.message);
    snprintf(job->warning, sizeof job->warning,
             "The post is published, but the first comment was not posted: %s", why);
    memset(&job->err, 0, sizeof job->err);
    pub_state_set_str(job, "comment", "failed");
    return next(job);
}

/* ---- entry points ---- */

/* Check what every step relies on; PUB_REQUEST when all is well. */
static pub_step check_job(pub_job *job)
{
    const platform_cfg *pc = graph_cfg(job);
    if (pc == NULL || pc->api_url[0] == '\0')
        return pub_fail(job, PERR_PERMANENT, 0, "not_configured",
                        "Instagram is not set up on this server (no API address)");
    if (job->access_token == NULL || job->access_token[0] == '\0')
        return pub_fail(job, PERR_REVOKED, 0, "no_token",
                        "no Instagram access token is stored; reconnect the account");
    if (strlen(job->access_token) > IG_TOKEN_MAX || strpbrk(job->access_token, "\r\n") != NULL)
        return pub_fail(job, PERR_REVOKED, 0, "bad_token",
                        "the stored Instagram access token is not usable; reconnect the account");
    if (job->account_remote_id == NULL || !plat_id_ok(job->account_remote_id, 128))
        return pub_fail(job, PERR_INVALID, 0, "bad_account",
                        "the Instagram account id is not valid; reconnect the account");
    int kind = kind_of(job);
    const pub_media *m = job->media;
    size_t n = m != NULL ? job->nmedia : 0;
    switch (kind) {
    case K_IMAGE:
        if (n != 1 || !is_image(&m[0]))
            return pub_fail(job, PERR_INVALID, 0, "bad_media",
                            "an Instagram image post needs exactly one image");
        break;
    case K_CAROUSEL:
        if (n < IG_CHILDREN_MIN || n > IG_CHILDREN_MAX)
            return pub_fail(job, PERR_INVALID, 0, "bad_media",
                            "an Instagram carousel needs %d to %d images or videos",
                            IG_CHILDREN_MIN, IG_CHILDREN_MAX);
        for (size_t i = 0; i < n; i++)
            if (!is_image(&m[i]) && !is_video(&m[i]))
                return pub_fail(job, PERR_INVALID, 0, "bad_media",
                                "item %zu of the Instagram carousel is neither an image nor a "
                                "video",
                                i + 1);
        break;
    case K_REEL:
        if (n != 1 || !is_video(&m[0]))
            return pub_fail(job, PERR_INVALID, 0, "bad_media",
                            "an Instagram Reel needs exactly one video");
        break;
    case K_STORY:
        if (n != 1 || (!is_image(&m[0]) && !is_video(&m[0])))
            return pub_fail(job, PERR_INVALID, 0, "bad_media",
                            "an Instagram story needs exactly one image or video");
        break;
    default:
        return pub_fail(job, PERR_INVALID, 0, "bad_kind",
                        "Instagram has no post kind '%s' (image, carousel, reel or story)",
                        job->kind != NULL ? job->kind : "");
    }
    if (job->state != NULL && !json_is_object(job->state)) {
        json_decref(job->state);
        job->state = NULL;
    }
    if (job->state == NULL)
        job->state = json_object();
    return PUB_REQUEST;
}

static pub_step publish(pub_job *job, const plat_response *last)
{
    memset(&job->err, 0, sizeof job->err);
    pub_step s = check_job(job);
    if (s != PUB_REQUEST)
        return s;
    if (last == NULL) {
        if ((st_is(job, "inflight", "publish") || st_is(job, "inflight", "find")) &&
            cont_id(job, main_index(job)) != NULL) {
            /* It may have gone out: the container's status tells before publishing again. */
            cont_set_ready(job, main_index(job), 0);
            pub_state_set_int(job, "polls", 0);
        }
        return next(job);
    }
    const char *inflight = st_str(job, "inflight");
    if (inflight == NULL)
        return next(job);
    if (strcmp(inflight, "create") == 0)
        return on_create(job, last);
    if (strcmp(inflight, "poll") == 0)
        return on_poll(job, last);
    if (strcmp(inflight, "publish") == 0)
        return on_publish(job, last);
    if (strcmp(inflight, "find") == 0)
        return on_list(job, last, 0);
    if (strcmp(inflight, "link") == 0)
        return on_link(job, last);
    if (strcmp(inflight, "comment") == 0)
        return on_comment(job, last);
    return next(job);
}

static pub_step reconcile(pub_job *job, const plat_response *last)
{
    memset(&job->err, 0, sizeof job->err);
    pub_step s = check_job(job);
    if (s != PUB_REQUEST)
        return s;
    if (last == NULL) {
        st_del(job, "rc_published");
        const char *mid = st_str(job, "media_id");
        if (mid != NULL && *mid != '\0') {
            /* The publish answer was read: it is there. */
            pub_state_set_str(job, "rc", "post");
            return next(job);
        }
        size_t main = main_index(job);
        if (cont_id(job, main) != NULL) {
            pub_state_set_str(job, "rc", "status");
            return poll_req(job, main, NULL);
        }
        pub_state_set_str(job, "rc", "list");
        return list_req(job, NULL);
    }
    const char *rc = st_str(job, "rc");
    if (rc != NULL && strcmp(rc, "status") == 0) {
        json_t *j = ok(last) ? pub_json(last) : NULL;
        const char *code = json_string_value(json_object_get(j, "status_code"));
        int published = code != NULL && strcmp(code, "PUBLISHED") == 0;
        int not_published =
            code != NULL && (strcmp(code, "FINISHED") == 0 || strcmp(code, "IN_PROGRESS") == 0 ||
                             strcmp(code, "ERROR") == 0 || strcmp(code, "EXPIRED") == 0);
        json_decref(j);
        if (not_published)
            return pub_done(job, "", ""); /* the container was never published */
        /* Published (find its id), or the container cannot be read: the list tells. */
        pub_state_set_str(job, "rc", "list");
        if (published)
            json_object_set_new(job->state, "rc_published", json_true());
        return list_req(job, NULL);
    }
    if (rc != NULL && strcmp(rc, "list") == 0)
        return on_list(job, last, 1);
    if (rc != NULL && strcmp(rc, "post") == 0) {
        const char *inflight = st_str(job, "inflight");
        if (inflight != NULL && strcmp(inflight, "link") == 0)
            return on_link(job, last);
        if (inflight != NULL && strcmp(inflight, "comment") == 0)
            return on_comment(job, last);
        return next(job);
    }
    return pub_fail(job, PERR_TRANSIENT, 0, "bad_phase",
                    "the lookup of the Instagram post got lost; it will be tried again");
}

const pub_ops pub_instagram = {"instagram", publish, reconcile};
