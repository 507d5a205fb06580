/*
 * pub_facebook.c - publishing to a Facebook Page through the Graph API
 * (PLATFORMS.md section 1; the simulator's tools/platform-sim/facebook.c).
 *
 * Every Graph call goes to {api_url}/{version}/... with the Page token in
 * "Authorization: Bearer" (Graph takes it there as well as in the query),
 * and a JSON body.  Facebook fetches the media itself from each item's
 * public_url, so no bytes pass through here (except for a Reel whose link
 * is too long for the upload header: see below).
 *
 *   post    POST /{page}/feed?fields=id,permalink_url {message, link?, published}  [create]
 *   photos  one image:  POST /{page}/photos {url, caption, alt_text_custom?, published:true}
 *                       [create] -> {id, post_id}; then GET /{post_id}?fields=permalink_url
 *           several:    each POST /{page}/photos {url, published:false} -> {id}, then
 *                       POST /{page}/feed?fields=id,permalink_url
 *                       {message, attached_media:[{media_fbid}], published:true}  [create]
 *   video   POST /{page}/videos {file_url, description, published:true}  [create] -> {id};
 *           then, after a first wait of 2 s, GET /{video}?fields=status,permalink_url until
 *           status.video_status is ready (waits 2, 5, 10, 20, then every 30 s; 40 polls an
 *           attempt, then a transient failure and the next attempt polls on)
 *   reel    POST /{page}/video_reels {upload_phase:start} -> {video_id, upload_url};
 *           POST {upload_url} with "Authorization: OAuth <token>" and "file_url: <link>"
 *           (or, when the link does not fit in a header line, the bytes streamed with
 *           "offset: 0" and "file_size"); POST /{page}/video_reels {upload_phase:finish,
 *           video_id, video_state:PUBLISHED, description}  [create]; then the same polls
 *
 * remote_id is the post id for posts and photos, the video id for videos and
 * Reels; remote_url the permalink_url Graph gives (a relative one, as videos
 * have, is put under https://www.facebook.com), else www.facebook.com/{id}.
 *
 * job->state: phase (the request in flight, or the next one), photo_ids (the
 * unpublished photos uploaded so far), video_id and upload_url (Reels),
 * post_id (waiting for a permalink), polls (status polls made in this
 * attempt), attempt (attempt_started_ms of the attempt at work), resumed
 * (that attempt found steps done by an earlier one), sent_at (when the
 * create step was sent), and reconcile's rc_step and rc_pages.
 *
 * On a call without a response the phase says what to do: an upload step
 * whose answer was lost is sent again (an orphaned unpublished photo or
 * video container is harmless); a create step is sent again only after the
 * executor's reconcile found nothing; a Reel transfer whose answer was lost,
 * or a finish refused in an earlier attempt, is checked first (GET the
 * video's status: the upload endpoint refuses a second transfer, and finish
 * needs the bytes there).  A video that failed processing fails the
 * attempt; met again by a later attempt (a retry), it is uploaded anew, once
 * per attempt (nothing of it went public).
 *
 * Reconcile: GET /{page}/published_posts?fields=id,message,created_time,
 * permalink_url&limit=25 (following paging.cursors.after a few times while
 * the posts are still recent) and the post whose message is the text and
 * whose created_time is at or after attempt_started_ms (or sent_at, when the
 * create step went out in an earlier attempt) minus a minute.  A Reel whose
 * video id is known is asked for directly instead (finish on a known video
 * cannot make a second Reel).
 */
#include "platform/graph.h"
#include "platform/publish.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FB_WWW             "https://www.facebook.com"
#define FB_MAX_PHOTOS      10
#define FB_MAX_POLLS       40 /* about 18 minutes of processing per attempt */
#define FB_RECONCILE_PAGES 10 /* list pages read at most (100 posts each) */
#define FB_CLOCK_SLACK_MS  60000
#define FB_MSG_MAX         300
#define FB_POST_FIELDS     "id,permalink_url"
#define FB_LIST_FIELDS     "id,message,created_time,permalink_url"

static const char *page_id(const pub_job *job)
{
    return job->account_remote_id != NULL ? job->account_remote_id : "";
}

static const char *text_of(const pub_job *job)
{
    return job->text != NULL ? job->text : "";
}

static const char *kind_of(const pub_job *job)
{
    return job->kind != NULL ? job->kind : "";
}

static const char *phase_of(const pub_job *job)
{
    const char *p = pub_state_str(job, "phase");
    return p != NULL ? p : "";
}

static int phase_is(const pub_job *job, const char *p)
{
    return strcmp(phase_of(job), p) == 0;
}

static void set_phase(pub_job *job, const char *p)
{
    pub_state_set_str(job, "phase", p);
}

static json_t *photo_ids(pub_job *job)
{
    if (job->state == NULL)
        job->state = json_object();
    json_t *a = json_object_get(job->state, "photo_ids");
    if (!json_is_array(a)) {
        a = json_array();
        json_object_set_new(job->state, "photo_ids", a);
    }
    return a;
}

/* ---- errors ---- */

/*
 * Platform text made fit for people and logs: "(#100) " dropped, control
 * characters turned into spaces, the token and the media links (signed
 * URLs) hidden, cut at FB_MSG_MAX.
 */
static void clean_message(const pub_job *job, const char *in, char *out, size_t outlen)
{
    if (in[0] == '(' && in[1] == '#') {
        const char *close = strchr(in, ')');
        if (close != NULL && close - in < 16)
            in = close[1] == ' ' ? close + 2 : close + 1;
    }
    size_t o = 0, limit = outlen < FB_MSG_MAX + 1 ? outlen : FB_MSG_MAX + 1;
    for (const char *p = in; *p && o + 1 < limit;) {
        const char *hide = NULL;
        size_t skip = 0;
        const char *tok = job->access_token != NULL ? job->access_token : "";
        if (strlen(tok) >= 4 && strncmp(p, tok, strlen(tok)) == 0) {
            hide = "[hidden]";
            skip = strlen(tok);
        }
        for (size_t i = 0; i < job->nmedia && skip == 0; i++) {
            const char *u = job->media[i].public_url;
            if (u != NULL && strlen(u) >= 8 && strncmp(p, u, strlen(u)) == 0) {
                hide = "[media link]";
                skip = strlen(u);
            }
        }
        if (skip > 0) {
            for (; *hide && o + 1 < limit; hide++)
                out[o++] = *hide;
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

/* The largest value among a usage header's numbers, -1 if it holds none. */
static json_int_t usage_peak(const json_t *v)
{
    json_int_t m = -1;
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_object(v)) {
        const char *k;
        json_t *one;
        json_object_foreach((json_t *)v, k, one)
        {
            json_int_t x = usage_peak(one);
            if (x > m)
                m = x;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *one;
        json_array_foreach(v, i, one)
        {
            json_int_t x = usage_peak(one);
            if (x > m)
                m = x;
        }
    }
    return m;
}

/*
 * When to try again after throttling: the Business Use Case estimate
 * (minutes), Retry-After (seconds), x-rate-limit-reset (epoch seconds);
 * failing those, five minutes when X-App-Usage or X-Page-Usage shows a
 * budget used up (Meta's app window rolls over an hour); else 0 (unknown).
 */
static int64_t retry_at(const pub_job *job, const plat_response *r)
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
    const char *reset = r->header(r, "x-rate-limit-reset");
    if (reset != NULL) {
        long long s = strtoll(reset, NULL, 10);
        if (s * 1000 > job->now_ms && s * 1000 < job->now_ms + 7LL * 86400000)
            return s * 1000;
    }
    static const char *const usage[] = {"x-app-usage", "x-page-usage", NULL};
    for (int i = 0; usage[i] != NULL; i++) {
        const char *u = r->header(r, usage[i]);
        json_t *v = u != NULL ? json_loads(u, 0, NULL) : NULL;
        json_int_t peak = usage_peak(v);
        json_decref(v);
        if (peak >= 100)
            return job->now_ms + 5 * 60000;
    }
    return 0;
}

/* The permissions named in a Graph message ("pages_manage_posts and ..."), or a default. */
static void permission_names(const char *msg, const char *dflt, char *out, size_t outlen)
{
    static const char *const known[] = {
        "pages_manage_posts", "pages_read_engagement", "pages_show_list", "pages_manage_engagement",
        "publish_video",      "business_management",   "read_insights",   NULL};
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; known[i] != NULL; i++) {
        if (strstr(msg, known[i]) == NULL)
            continue;
        int w = snprintf(out + o, outlen - o, "%s%s", o > 0 ? " and " : "", known[i]);
        if (w < 0 || (size_t)w >= outlen - o)
            break;
        o += (size_t)w;
    }
    if (o == 0)
        snprintf(out, outlen, "%s", dflt);
}

/*
 * Fail the job from a Graph answer that is not a success: the envelope
 * {"error":{"message","type","code","error_subcode","is_transient",
 * "error_user_msg","fbtrace_id"}}, or with none the status alone.  what
 * names the step for the message; perm is the permission the step needs
 * (named when Graph does not say which one is missing).
 */
static pub_step fb_fail(pub_job *job, const plat_response *r, const char *what, const char *perm)
{
    if (r->status == 0)
        return pub_fail_generic(job, r, what);
    json_t *j = pub_json(r);
    json_t *e = json_object_get(j, "error");
    if (!json_is_object(e)) {
        json_decref(j);
        if (r->status == 429) {
            pub_fail(job, PERR_RATE_LIMITED, 429, "rate_limited",
                     "%s: Facebook asks us to slow down; trying again later", what);
            job->err.retry_at_ms = retry_at(job, r);
            return PUB_FAIL;
        }
        return pub_fail_generic(job, r, what);
    }
    const char *m = json_string_value(json_object_get(e, "message"));
    const char *um = json_string_value(json_object_get(e, "error_user_msg"));
    long long c = json_integer_value(json_object_get(e, "code"));
    long long sub = json_integer_value(json_object_get(e, "error_subcode"));
    int transient = json_is_true(json_object_get(e, "is_transient"));
    char raw[FB_MSG_MAX + 1], msg[FB_MSG_MAX + 1], code[64];
    clean_message(job, m != NULL ? m : "no reason given", raw, sizeof raw);
    /* The user-facing text when Graph gives one: it is in plain words. */
    clean_message(job, um != NULL && *um ? um : (m != NULL ? m : "no reason given"), msg,
                  sizeof msg);
    if (sub != 0)
        snprintf(code, sizeof code, "%lld/%lld", c, sub);
    else
        snprintf(code, sizeof code, "%lld", c);
    int st = r->status;
    pub_step s;
    if (c == 190 || c == 102) {
        if (c == 190 && (sub == 458 || sub == 459 || sub == 460 || sub == 464 || sub == 467))
            s = pub_fail(job, PERR_REVOKED, st, code,
                         "%s: Facebook no longer accepts this app's access to the Page (%s); "
                         "reconnect the Page",
                         what, raw);
        else
            s = pub_fail(job, PERR_TOKEN_EXPIRED, st, code,
                         "%s: Facebook no longer accepts the Page's access token (%s)", what, raw);
    } else if (c == 4 || c == 17 || c == 32 || c == 341 || c == 613 || (c >= 80000 && c <= 80014)) {
        s = pub_fail(job, PERR_RATE_LIMITED, st, code,
                     "%s: Facebook asks us to slow down (%s); trying again later", what, raw);
        job->err.retry_at_ms = retry_at(job, r);
    } else if (c == 10 || (c >= 200 && c <= 299)) {
        char perms[160];
        permission_names(raw, perm, perms, sizeof perms);
        s = pub_fail(job, PERR_PERMANENT, st, code,
                     "%s: the Page token lacks permission %s; reconnect the Page and allow it "
                     "(%s)",
                     what, perms, raw);
    } else if (c == 324 && sub == 2069019) {
        s = pub_fail(job, PERR_PERMANENT, st, code,
                     "%s: Facebook could not fetch the image from its link (%s); the media link "
                     "must be reachable from the internet (%s)",
                     what, msg, code);
    } else if (c == 324 && sub == 1366046) {
        s = pub_fail(job, PERR_PERMANENT, st, code,
                     "%s: Facebook refused the image: photos must be JPG or PNG and smaller than "
                     "4 MB (%s)",
                     what, code);
    } else if (c == 324) {
        s = pub_fail(job, PERR_PERMANENT, st, code, "%s: Facebook refused the image (%s) (%s)",
                     what, msg, code);
    } else if (c == 389) {
        s = pub_fail(job, PERR_PERMANENT, st, code,
                     "%s: Facebook could not fetch the video from its link (%s); the media link "
                     "must be reachable from the internet (%s)",
                     what, msg, code);
    } else if (c == 352) {
        s = pub_fail(job, PERR_PERMANENT, st, code,
                     "%s: Facebook refused the video: its file format is not supported; use MP4 "
                     "or MOV (%s)",
                     what, code);
    } else if (c == 368) {
        s = pub_fail(job, PERR_PERMANENT, st, code,
                     "%s: Facebook has blocked posting from this Page for now as a policy measure "
                     "(%s); check the Page's notifications on Facebook (%s)",
                     what, msg, code);
    } else if (c == 506) {
        s = pub_fail(job, PERR_PERMANENT, st, code,
                     "%s: Facebook refused a duplicate: the text is the same as the Page's last "
                     "post (%s)",
                     what, code);
    } else if (c == 1609005) {
        s = pub_fail(job, PERR_PERMANENT, st, code,
                     "%s: Facebook could not read the link (%s) (%s)", what, msg, code);
    } else if (c == 1 || c == 2 || c == 6000 || transient || sub == 1363047 || sub == 1609010 ||
               (st >= 500 && c != 100)) {
        s = pub_fail(job, PERR_TRANSIENT, st, code,
                     "%s: Facebook had a temporary problem (%s); try again", what, raw);
    } else if (st == 429) {
        s = pub_fail(job, PERR_RATE_LIMITED, st, code,
                     "%s: Facebook asks us to slow down (%s); trying again later", what, raw);
        job->err.retry_at_ms = retry_at(job, r);
    } else {
        s = pub_fail(job, PERR_INVALID, st, code, "%s: Facebook refused the request (%s) (%s)",
                     what, msg, code);
    }
    json_decref(j);
    return s;
}

/* A 2xx answer that cannot be read. */
static pub_step bad_answer(pub_job *job, const plat_response *r, const char *what, int created)
{
    return pub_fail(job, PERR_PERMANENT, r->status, "bad_response",
                    "%s: Facebook answered in a way we do not understand%s", what,
                    created ? "; check the Page before posting again" : "");
}

/* ---- requests ---- */

/* {api_url}/{version}/{segment}[/{edge}] */
static void graph_path(graph_url *u, const pub_job *job, const char *segment, const char *edge)
{
    graph_url_start(u, "%s/%s", job->pc->api_url, job->pc->version);
    graph_url_segment(u, segment);
    if (edge != NULL)
        graph_url_segment(u, edge);
}

/*
 * Make u the next request, with the Page token in the Authorization header
 * (never in the query).  PUB_FAIL if the URL or the token does not fit (a
 * header line has the room of a whole URL, so the query would not help).
 */
static pub_step graph_req(pub_job *job, const char *method, graph_url *u, const char *what)
{
    const char *tok = job->access_token != NULL ? job->access_token : "";
    if (strlen(tok) + sizeof "Authorization: Bearer " > sizeof job->req.r.headers[0])
        return pub_fail(job, PERR_PERMANENT, 0, "token_too_long",
                        "%s: the Page's access token is too long to send; reconnect the Page",
                        what);
    if (u->over)
        return pub_fail(job, PERR_PERMANENT, 0, "url_too_long",
                        "%s: the request does not fit in an address (an id is too long)", what);
    pub_req(job, method, "%s", u->s);
    pub_req_header(job, "Authorization: Bearer %s", tok);
    return PUB_REQUEST;
}

/* Set key to a string; -1 if it is not valid UTF-8. */
static int set_text(json_t *o, const char *key, const char *value)
{
    json_t *v = json_string(value);
    if (v == NULL)
        return -1;
    json_object_set_new(o, key, v);
    return 0;
}

/*
 * Send body (taken) as the request's JSON body.  A create step notes when
 * it was sent: reconcile looks for the post from then on, even in a later
 * attempt (a worker that died mid-step leaves it to the next one).
 */
static pub_step with_body(pub_job *job, json_t *body, int create)
{
    pub_req_json(job, body);
    json_decref(body);
    job->req.create_step = create;
    if (create)
        pub_state_set_int(job, "sent_at", job->now_ms);
    return PUB_REQUEST;
}

static pub_step not_utf8(pub_job *job, json_t *body)
{
    json_decref(body);
    pub_req_reset(job);
    return pub_fail(job, PERR_INVALID, 0, "bad_text",
                    "the text or a link is not valid UTF-8 text; edit the post");
}

/* The public link Facebook fetches media[i] from; NULL (job failed) when it has none. */
static const char *media_link(pub_job *job, size_t i)
{
    const char *u = i < job->nmedia ? job->media[i].public_url : NULL;
    if (u == NULL || *u == '\0') {
        pub_fail(job, PERR_PERMANENT, 0, "no_media_link",
                 "media item %zu has no public link for Facebook to fetch it from", i + 1);
        return NULL;
    }
    return u;
}

/* A text post, or the post of several uploaded photos: the create step. */
static pub_step req_feed(pub_job *job)
{
    const char *what = "Posting to Facebook";
    graph_url u;
    graph_path(&u, job, page_id(job), "feed");
    graph_url_arg(&u, "fields", FB_POST_FIELDS);
    if (graph_req(job, "POST", &u, what) != PUB_REQUEST)
        return PUB_FAIL;
    json_t *b = json_object();
    const char *text = text_of(job);
    if (*text && set_text(b, "message", text) != 0)
        return not_utf8(job, b);
    if (strcmp(kind_of(job), "post") == 0) {
        const char *link = json_string_value(json_object_get(job->options, "link"));
        if (link != NULL && *link && set_text(b, "link", link) != 0)
            return not_utf8(job, b);
    } else {
        json_t *ids = photo_ids(job), *att = json_array();
        size_t i;
        json_t *id;
        json_array_foreach(ids, i, id)
            json_array_append_new(att, json_pack("{s:O}", "media_fbid", id));
        json_object_set_new(b, "attached_media", att);
    }
    json_object_set_new(b, "published", json_true());
    set_phase(job, "feed");
    return with_body(job, b, 1);
}

/* POST /{page}/photos: the single photo (published, the create step) or an unpublished one. */
static pub_step req_photo(pub_job *job, size_t i, int publish)
{
    char what[96];
    if (publish)
        snprintf(what, sizeof what, "Posting the photo to Facebook");
    else
        snprintf(what, sizeof what, "Uploading photo %zu of %zu to Facebook", i + 1, job->nmedia);
    const char *link = media_link(job, i);
    if (link == NULL)
        return PUB_FAIL;
    graph_url u;
    graph_path(&u, job, page_id(job), "photos");
    if (graph_req(job, "POST", &u, what) != PUB_REQUEST)
        return PUB_FAIL;
    json_t *b = json_object();
    if (set_text(b, "url", link) != 0)
        return not_utf8(job, b);
    const char *text = text_of(job);
    if (publish && *text && set_text(b, "caption", text) != 0)
        return not_utf8(job, b);
    const char *alt = job->media[i].alt_text;
    if (alt != NULL && *alt && set_text(b, "alt_text_custom", alt) != 0)
        return not_utf8(job, b);
    json_object_set_new(b, "published", json_boolean(publish));
    set_phase(job, publish ? "photo" : "upload");
    return with_body(job, b, publish);
}

/* POST /{page}/videos: the video post (the create step); processing follows. */
static pub_step req_video(pub_job *job)
{
    const char *what = "Posting the video to Facebook";
    const char *link = media_link(job, 0);
    if (link == NULL)
        return PUB_FAIL;
    graph_url u;
    graph_path(&u, job, page_id(job), "videos");
    if (graph_req(job, "POST", &u, what) != PUB_REQUEST)
        return PUB_FAIL;
    json_t *b = json_object();
    if (set_text(b, "file_url", link) != 0)
        return not_utf8(job, b);
    const char *text = text_of(job);
    if (*text && set_text(b, "description", text) != 0)
        return not_utf8(job, b);
    json_object_set_new(b, "published", json_true());
    set_phase(job, "video");
    return with_body(job, b, 1);
}

/* POST /{page}/video_reels upload_phase=start: a video container and its upload address. */
static pub_step req_reel_start(pub_job *job)
{
    graph_url u;
    graph_path(&u, job, page_id(job), "video_reels");
    if (graph_req(job, "POST", &u, "Starting the Reel upload") != PUB_REQUEST)
        return PUB_FAIL;
    set_phase(job, "reel_start");
    return with_body(job, json_pack("{s:s}", "upload_phase", "start"), 0);
}

/*
 * POST {upload_url}: Facebook fetches the video from the file_url header,
 * or, when the link does not fit in a header line, takes the bytes, streamed
 * whole with offset 0 and file_size.  The token goes in "Authorization:
 * OAuth", as rupload takes it.
 */
static pub_step req_reel_transfer(pub_job *job)
{
    const char *what = "Sending the Reel to Facebook";
    const char *link = media_link(job, 0);
    if (link == NULL)
        return PUB_FAIL;
    const char *url = pub_state_str(job, "upload_url");
    const char *tok = job->access_token != NULL ? job->access_token : "";
    size_t line = sizeof job->req.r.headers[0];
    if (url == NULL || *url == '\0' || strlen(url) >= PLAT_URL_MAX)
        return pub_fail(job, PERR_PERMANENT, 0, "no_upload_url",
                        "%s: Facebook gave no usable upload address", what);
    if (strlen(tok) + sizeof "Authorization: OAuth " >= line)
        return pub_fail(job, PERR_PERMANENT, 0, "token_too_long",
                        "%s: the Page's access token is too long to send; reconnect the Page",
                        what);
    pub_req(job, "POST", "%s", url);
    pub_req_header(job, "Authorization: OAuth %s", tok);
    if (strlen(link) + sizeof "file_url: " < line) {
        pub_req_header(job, "file_url: %s", link);
    } else {
        int64_t size = job->media[0].size;
        if (size <= 0)
            return pub_fail(job, PERR_PERMANENT, 0, "no_media_size",
                            "%s: the video's size is unknown", what);
        pub_req_header(job, "offset: 0");
        pub_req_header(job, "file_size: %lld", (long long)size);
        pub_req_stream(job, 0, 0, size, "application/octet-stream");
    }
    set_phase(job, "reel_transfer");
    return PUB_REQUEST;
}

/* GET /{video}?fields=... (status polls, the transfer check, reconcile). */
static pub_step req_video_status(pub_job *job, const char *fields, const char *phase,
                                 const char *what)
{
    const char *vid = pub_state_str(job, "video_id");
    graph_url u;
    graph_path(&u, job, vid != NULL ? vid : "", NULL);
    graph_url_arg(&u, "fields", fields);
    if (graph_req(job, "GET", &u, what) != PUB_REQUEST)
        return PUB_FAIL;
    if (phase != NULL)
        set_phase(job, phase);
    return PUB_REQUEST;
}

/* POST /{page}/video_reels upload_phase=finish video_state=PUBLISHED: the create step. */
static pub_step req_reel_finish(pub_job *job)
{
    graph_url u;
    graph_path(&u, job, page_id(job), "video_reels");
    if (graph_req(job, "POST", &u, "Publishing the Reel") != PUB_REQUEST)
        return PUB_FAIL;
    const char *vid = pub_state_str(job, "video_id");
    json_t *b = json_pack("{s:s, s:s, s:s}", "upload_phase", "finish", "video_id",
                          vid != NULL ? vid : "", "video_state", "PUBLISHED");
    const char *text = text_of(job);
    if (*text && set_text(b, "description", text) != 0)
        return not_utf8(job, b);
    set_phase(job, "reel_finish");
    return with_body(job, b, 1);
}

/* GET /{post}?fields=permalink_url after a create answer without one (not a create step). */
static pub_step req_permalink(pub_job *job, const char *post_id)
{
    pub_state_set_str(job, "post_id", post_id);
    graph_url u;
    graph_path(&u, job, post_id, NULL);
    graph_url_arg(&u, "fields", "permalink_url");
    if (graph_req(job, "GET", &u, "Reading the post's link") != PUB_REQUEST)
        return pub_done(job, post_id, "");
    set_phase(job, "permalink");
    return PUB_REQUEST;
}

/* ---- outcomes ---- */

static pub_step next(pub_job *job);
static pub_step start_over(pub_job *job);

/* The public address: permalink (absolute, or relative to www.facebook.com), else by id. */
static void public_url(const char *permalink, const char *fallback_path, const char *id, char *out,
                       size_t outlen)
{
    if (permalink != NULL &&
        (strncmp(permalink, "https://", 8) == 0 || strncmp(permalink, "http://", 7) == 0))
        snprintf(out, outlen, "%s", permalink);
    else if (permalink != NULL && permalink[0] == '/')
        snprintf(out, outlen, FB_WWW "%s", permalink);
    else
        snprintf(out, outlen, FB_WWW "/%s%s", fallback_path, id);
}

static pub_step done_with(pub_job *job, const char *id, const char *permalink,
                          const char *fallback_path)
{
    char url[PLAT_URL_MAX];
    public_url(permalink, fallback_path, id, url, sizeof url);
    if (strlen(url) >= sizeof job->remote_url)
        snprintf(url, sizeof url, FB_WWW "/%s", id);
    return pub_done(job, id, url);
}

static const char *video_fallback(const pub_job *job)
{
    return strcmp(kind_of(job), "reel") == 0 ? "reel/" : "";
}

/* An id member (string or number) into out; 0, or -1 when absent or unusable. */
static int id_of(const json_t *o, const char *key, char *out, size_t outlen)
{
    graph_id_text(json_object_get(o, key), out, outlen);
    return plat_id_ok(out, outlen) ? 0 : -1;
}

/* Status polls: 2, 5, 10, 20 s, then every 30 s. */
static int64_t poll_delay(int64_t polls)
{
    static const int64_t steps[] = {2000, 5000, 10000, 20000, 30000};
    int64_t n = (int64_t)(sizeof steps / sizeof steps[0]);
    int64_t i = polls < 1 ? 0 : polls - 1;
    return steps[i < n ? i : n - 1];
}

/* The reason a video failed processing, from status.*_phase.errors[0].message. */
static void video_error(const pub_job *job, const json_t *status, char *out, size_t outlen)
{
    static const char *const phases[] = {"processing_phase", "uploading_phase", "publishing_phase",
                                         NULL};
    for (int i = 0; phases[i] != NULL; i++) {
        const json_t *errs = json_object_get(json_object_get(status, phases[i]), "errors");
        const char *m = json_string_value(json_object_get(json_array_get(errs, 0), "message"));
        if (m != NULL && *m) {
            clean_message(job, m, out, outlen);
            return;
        }
    }
    snprintf(out, outlen, "no reason given");
}

/* One status poll's answer: done, wait and poll again, or fail. */
static pub_step on_poll(pub_job *job, const plat_response *r)
{
    const char *what = strcmp(kind_of(job), "reel") == 0 ? "Processing the Reel on Facebook"
                                                         : "Processing the video on Facebook";
    json_t *j = pub_json(r);
    json_t *status = json_object_get(j, "status");
    const char *vs = json_string_value(json_object_get(status, "video_status"));
    const char *vid = pub_state_str(job, "video_id");
    if (vs == NULL || vid == NULL) {
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, r->status, "bad_response",
                        "%s: Facebook's status answer could not be read; it will be checked "
                        "again",
                        what);
    }
    if (strcmp(vs, "error") == 0 || strcmp(vs, "expired") == 0) {
        char why[FB_MSG_MAX + 1];
        video_error(job, status, why, sizeof why);
        json_decref(j);
        /* Nothing went public.  Seen again in a later attempt (a retry): a new upload. */
        if (pub_state_int(job, "resumed", 0))
            return start_over(job);
        return pub_fail(job, PERR_PERMANENT, r->status, "processing_failed",
                        "%s: Facebook could not process the video (%s)", what, why);
    }
    if (strcmp(vs, "ready") == 0 || strcmp(vs, "upload_complete") == 0) {
        const char *perma = json_string_value(json_object_get(j, "permalink_url"));
        char id[128];
        snprintf(id, sizeof id, "%s", vid);
        pub_step s = done_with(job, id, perma, video_fallback(job));
        json_decref(j);
        return s;
    }
    json_decref(j);
    int64_t polls = pub_state_int(job, "polls", 0) + 1;
    pub_state_set_int(job, "polls", polls);
    if (polls >= FB_MAX_POLLS)
        return pub_fail(job, PERR_TRANSIENT, r->status, "processing_slow",
                        "%s: Facebook is still processing the video after %d checks; it will be "
                        "checked again",
                        what, FB_MAX_POLLS);
    return pub_wait(job, poll_delay(polls));
}

/* Poll a created video. */
static pub_step start_poll(pub_job *job)
{
    return req_video_status(job, "status,permalink_url", "poll", "Checking the video on Facebook");
}

/*
 * The video exists: wait a first 2 s before polling.  Besides giving
 * Facebook time, the wait has the executor store the state (phase "poll",
 * the video id) now, so that nothing after this point creates the video again.
 */
static pub_step created_video(pub_job *job)
{
    set_phase(job, "poll");
    pub_state_set_int(job, "polls", 0);
    pub_state_set_int(job, "resumed", 0);
    return pub_wait(job, poll_delay(0));
}

/* The first request of a kind, or the one to go on with from job->state. */
static pub_step next(pub_job *job)
{
    const char *kind = kind_of(job);
    const char *ph = phase_of(job);
    if (strcmp(ph, "poll") == 0)
        return start_poll(job);
    if (strcmp(ph, "permalink") == 0) {
        const char *post = pub_state_str(job, "post_id");
        char id[128];
        snprintf(id, sizeof id, "%s", post != NULL ? post : "");
        return req_permalink(job, id);
    }
    if (strcmp(kind, "post") == 0)
        return req_feed(job);
    if (strcmp(kind, "photos") == 0) {
        if (job->nmedia == 1)
            return req_photo(job, 0, 1);
        size_t have = json_array_size(photo_ids(job));
        if (have < job->nmedia)
            return req_photo(job, have, 0);
        return req_feed(job);
    }
    if (strcmp(kind, "video") == 0)
        return req_video(job);
    /* reel */
    if (pub_state_str(job, "video_id") == NULL || pub_state_str(job, "upload_url") == NULL)
        return req_reel_start(job);
    /* A transfer whose answer was lost, or a finish refused in an earlier attempt (6000:
     * the bytes never arrived): ask the video first. */
    if (strcmp(ph, "reel_transfer") == 0 || strcmp(ph, "reel_check") == 0 ||
        (strcmp(ph, "reel_finish") == 0 && pub_state_int(job, "resumed", 0)))
        return req_video_status(job, "status", "reel_check", "Checking the Reel upload");
    if (strcmp(ph, "reel_finish") == 0)
        return req_reel_finish(job);
    return req_reel_transfer(job);
}

/*
 * Begin again with new uploads: a video that failed processing, seen again
 * in a later attempt (nothing of it went public).  Once per attempt: the
 * new one's failure fails the attempt.
 */
static pub_step start_over(pub_job *job)
{
    json_object_clear(job->state);
    pub_state_set_int(job, "attempt", job->attempt_started_ms);
    pub_state_set_int(job, "resumed", 0);
    return next(job);
}

/*
 * The first call of an attempt: note it in the state; "resumed" says the
 * state came from an earlier attempt with steps done, and the poll count
 * starts over.
 */
static void attempt_begins(pub_job *job)
{
    if (pub_state_int(job, "attempt", -1) == job->attempt_started_ms)
        return;
    int resumed = phase_of(job)[0] != '\0';
    pub_state_set_int(job, "attempt", job->attempt_started_ms);
    pub_state_set_int(job, "resumed", resumed);
    pub_state_set_int(job, "polls", 0);
}

/* Can this target be posted?  1, or 0 with the job failed. */
static int target_ok(pub_job *job)
{
    const char *kind = kind_of(job);
    if (job->pc == NULL) {
        pub_fail(job, PERR_PERMANENT, 0, "not_configured", "Facebook is not set up on this server");
        return 0;
    }
    if (job->access_token == NULL || *job->access_token == '\0') {
        pub_fail(job, PERR_REVOKED, 0, "no_token",
                 "no Facebook Page token is stored; reconnect the Page");
        return 0;
    }
    if (*page_id(job) == '\0') {
        pub_fail(job, PERR_PERMANENT, 0, "no_page", "the Facebook Page id is missing");
        return 0;
    }
    size_t videos = 0;
    for (size_t i = 0; i < job->nmedia; i++)
        videos += job->media[i].kind != NULL && strcmp(job->media[i].kind, "video") == 0;
    if (strcmp(kind, "post") == 0)
        return 1;
    if (strcmp(kind, "photos") == 0) {
        if (job->nmedia > 0 && job->nmedia <= FB_MAX_PHOTOS && videos == 0)
            return 1;
        pub_fail(job, PERR_INVALID, 0, "bad_media",
                 "a Facebook photo post takes 1 to %d images and no video", FB_MAX_PHOTOS);
        return 0;
    }
    if (strcmp(kind, "video") == 0 || strcmp(kind, "reel") == 0) {
        if (job->nmedia == 1 && videos == 1)
            return 1;
        pub_fail(job, PERR_INVALID, 0, "bad_media", "a Facebook %s takes exactly one video",
                 strcmp(kind, "reel") == 0 ? "Reel" : "video");
        return 0;
    }
    pub_fail(job, PERR_INVALID, 0, "bad_kind", "Facebook Pages take no \"%s\" posts", kind);
    return 0;
}

/* ---- publish ---- */

static pub_step on_created_post(pub_job *job, const plat_response *r)
{
    json_t *j = pub_json(r);
    char id[128];
    if (id_of(j, "id", id, sizeof id) != 0) {
        json_decref(j);
        return bad_answer(job, r, "Posting to Facebook", 1);
    }
    const char *perma = json_string_value(json_object_get(j, "permalink_url"));
    pub_step s = perma != NULL && *perma ? done_with(job, id, perma, "") : req_permalink(job, id);
    json_decref(j);
    return s;
}

static pub_step on_created_photo(pub_job *job, const plat_response *r)
{
    json_t *j = pub_json(r);
    char id[128];
    if (id_of(j, "post_id", id, sizeof id) != 0 && id_of(j, "id", id, sizeof id) != 0) {
        json_decref(j);
        return bad_answer(job, r, "Posting the photo to Facebook", 1);
    }
    json_decref(j);
    return req_permalink(job, id);
}

static pub_step on_uploaded_photo(pub_job *job, const plat_response *r)
{
    json_t *j = pub_json(r);
    char id[128];
    int bad = id_of(j, "id", id, sizeof id);
    json_decref(j);
    if (bad)
        return bad_answer(job, r, "Uploading a photo to Facebook", 0);
    json_array_append_new(photo_ids(job), json_string(id));
    return next(job);
}

static pub_step on_created_video(pub_job *job, const plat_response *r)
{
    json_t *j = pub_json(r);
    char id[128];
    int bad = id_of(j, "id", id, sizeof id);
    json_decref(j);
    if (bad)
        return bad_answer(job, r, "Posting the video to Facebook", 1);
    pub_state_set_str(job, "video_id", id);
    return created_video(job);
}

/* The upload address Facebook gave, if it is on the configured upload host; else ours. */
static void upload_address(const pub_job *job, const char *given, const char *vid, char *out,
                           size_t outlen)
{
    const char *host =
        job->pc->upload_url[0] ? job->pc->upload_url : "https://rupload.facebook.com";
    size_t hl = strlen(host);
    if (given != NULL && strncmp(given, host, hl) == 0 && given[hl] == '/' &&
        strlen(given) < outlen)
        snprintf(out, outlen, "%s", given);
    else
        snprintf(out, outlen, "%s/video-upload/%s/%s", host, job->pc->version, vid);
}

static pub_step on_reel_started(pub_job *job, const plat_response *r)
{
    json_t *j = pub_json(r);
    char vid[128], url[PLAT_URL_MAX];
    if (id_of(j, "video_id", vid, sizeof vid) != 0) {
        json_decref(j);
        return bad_answer(job, r, "Starting the Reel upload", 0);
    }
    upload_address(job, json_string_value(json_object_get(j, "upload_url")), vid, url, sizeof url);
    json_decref(j);
    pub_state_set_str(job, "video_id", vid);
    pub_state_set_str(job, "upload_url", url);
    return req_reel_transfer(job);
}

/* rupload's own error shape: {"debug_info":{"retriable","type","message"}}. */
static pub_step on_transfer_failed(pub_job *job, const plat_response *r)
{
    const char *what = "Sending the Reel to Facebook";
    json_t *j = pub_json(r);
    json_t *d = json_object_get(j, "debug_info");
    if (json_object_get(j, "error") != NULL || !json_is_object(d) || r->status == 0) {
        json_decref(j);
        return fb_fail(job, r, what, "pages_manage_posts");
    }
    const char *m = json_string_value(json_object_get(d, "message"));
    const char *type = json_string_value(json_object_get(d, "type"));
    char msg[FB_MSG_MAX + 1];
    clean_message(job, m != NULL ? m : "no reason given", msg, sizeof msg);
    char code[64];
    snprintf(code, sizeof code, "%s", type != NULL ? type : "upload_failed");
    pub_step s;
    if (r->status == 401 || (type != NULL && strcmp(type, "AuthError") == 0))
        s = pub_fail(job, PERR_TOKEN_EXPIRED, r->status, code,
                     "%s: Facebook no longer accepts the Page's access token (%s)", what, msg);
    else if (json_is_true(json_object_get(d, "retriable")) || r->status >= 500)
        s = pub_fail(job, PERR_TRANSIENT, r->status, code,
                     "%s: Facebook had a temporary problem (%s); try again", what, msg);
    else if (r->status == 429)
        s = fb_fail(job, r, what, "pages_manage_posts");
    else
        s = pub_fail(job, PERR_PERMANENT, r->status, code,
                     "%s: Facebook could not take the video (%s)", what, msg);
    json_decref(j);
    return s;
}

static pub_step on_transferred(pub_job *job, const plat_response *r)
{
    json_t *j = pub_json(r);
    int ok = json_is_true(json_object_get(j, "success"));
    json_decref(j);
    /* Not a clear yes: ask the video whether its bytes arrived. */
    return ok ? req_reel_finish(job)
              : req_video_status(job, "status", "reel_check", "Checking the Reel upload");
}

static pub_step on_reel_check(pub_job *job, const plat_response *r)
{
    json_t *j = pub_json(r);
    json_t *status = json_object_get(j, "status");
    const char *vs = json_string_value(json_object_get(status, "video_status"));
    const char *up =
        json_string_value(json_object_get(json_object_get(status, "uploading_phase"), "status"));
    int uploaded =
        (up != NULL && strcmp(up, "complete") == 0) ||
        (up == NULL && vs != NULL && strcmp(vs, "upload_pending") != 0 && strcmp(vs, "") != 0);
    int failed = vs != NULL && (strcmp(vs, "error") == 0 || strcmp(vs, "expired") == 0);
    json_decref(j);
    if (vs == NULL)
        return bad_answer(job, r, "Checking the Reel upload", 0);
    if (failed)
        return start_over(job); /* a container that can no longer be finished */
    return uploaded ? req_reel_finish(job) : req_reel_transfer(job);
}

static pub_step on_reel_finished(pub_job *job, const plat_response *r)
{
    json_t *j = pub_json(r);
    int ok = json_is_true(json_object_get(j, "success"));
    json_decref(j);
    if (!ok)
        return pub_fail(job, PERR_PERMANENT, r->status, "not_published",
                        "Publishing the Reel: Facebook did not confirm it; check the Page before "
                        "posting again");
    return created_video(job);
}

static pub_step on_permalink(pub_job *job, const plat_response *r)
{
    const char *post = pub_state_str(job, "post_id");
    char id[128];
    snprintf(id, sizeof id, "%s", post != NULL ? post : "");
    json_t *j = r->status >= 200 && r->status < 300 ? pub_json(r) : NULL;
    /* The post is out either way: without a permalink, the address by id. */
    pub_step s = done_with(job, id, json_string_value(json_object_get(j, "permalink_url")), "");
    json_decref(j);
    return s;
}

/* What a failed answer is, for the step it answers. */
static pub_step on_failure(pub_job *job, const plat_response *r)
{
    char ph[32];
    snprintf(ph, sizeof ph, "%s", phase_of(job));
    if (strcmp(ph, "reel_transfer") == 0)
        return on_transfer_failed(job, r);
    if (strcmp(ph, "permalink") == 0)
        return on_permalink(job, r);
    char what[96];
    const char *perm = "pages_manage_posts";
    if (strcmp(ph, "upload") == 0)
        snprintf(what, sizeof what, "Uploading photo %zu of %zu to Facebook",
                 json_array_size(photo_ids(job)) + 1, job->nmedia);
    else if (strcmp(ph, "photo") == 0)
        snprintf(what, sizeof what, "Posting the photo to Facebook");
    else if (strcmp(ph, "video") == 0)
        snprintf(what, sizeof what, "Posting the video to Facebook");
    else if (strcmp(ph, "reel_start") == 0)
        snprintf(what, sizeof what, "Starting the Reel upload");
    else if (strcmp(ph, "reel_finish") == 0)
        snprintf(what, sizeof what, "Publishing the Reel");
    else if (strcmp(ph, "poll") == 0 || strcmp(ph, "reel_check") == 0) {
        snprintf(what, sizeof what, "Checking the video on Facebook");
        perm = "pages_read_engagement";
    } else
        snprintf(what, sizeof what, "Posting to Facebook");
    return fb_fail(job, r, what, perm);
}

static pub_step publish(pub_job *job, const plat_response *last)
{
    if (!target_ok(job))
        return PUB_FAIL;
    if (last == NULL) {
        attempt_begins(job);
        return next(job);
    }
    if (last->status < 200 || last->status >= 300)
        return on_failure(job, last);
    const char *ph = phase_of(job);
    if (strcmp(ph, "feed") == 0)
        return on_created_post(job, last);
    if (strcmp(ph, "photo") == 0)
        return on_created_photo(job, last);
    if (strcmp(ph, "upload") == 0)
        return on_uploaded_photo(job, last);
    if (strcmp(ph, "video") == 0)
        return on_created_video(job, last);
    if (strcmp(ph, "reel_start") == 0)
        return on_reel_started(job, last);
    if (strcmp(ph, "reel_transfer") == 0)
        return on_transferred(job, last);
    if (strcmp(ph, "reel_check") == 0)
        return on_reel_check(job, last);
    if (strcmp(ph, "reel_finish") == 0)
        return on_reel_finished(job, last);
    if (strcmp(ph, "poll") == 0)
        return on_poll(job, last);
    if (strcmp(ph, "permalink") == 0)
        return on_permalink(job, last);
    return pub_fail(job, PERR_PERMANENT, 0, "bad_phase",
                    "the Facebook publishing steps got lost (phase \"%s\")", ph);
}

/* ---- reconcile ---- */

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Graph's "2025-10-09T08:53:20+0000" as UTC ms; -1 if it is not one. */
static int64_t graph_time_ms(const char *s)
{
    int y, mo, d, h, mi, se, n = 0;
    if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &se, &n) != 6)
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return -1;
    int64_t t = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + se;
    const char *z = s + n;
    if ((z[0] == '+' || z[0] == '-') && strlen(z) >= 5) {
        int oh = (z[1] - '0') * 10 + (z[2] - '0');
        const char *mm = z[3] == ':' ? z + 4 : z + 3;
        int om = (mm[0] - '0') * 10 + (mm[1] - '0');
        int64_t off = (int64_t)(oh * 60 + om) * 60;
        t += z[0] == '+' ? -off : off;
    }
    return t * 1000;
}

/* s with its ends trimmed and CR LF as LF, into a new string (NULL if out of memory). */
static char *plain_text(const char *s)
{
    static const char space[] = " \t\r\n";
    s += strspn(s, space);
    size_t n = strlen(s);
    while (n > 0 && strchr(space, s[n - 1]) != NULL)
        n--;
    char *out = malloc(n + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (!(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
            out[o++] = s[i];
    out[o] = '\0';
    return out;
}

/* Is a listed message the text we sent (as Facebook keeps it)? */
static int same_text(const char *listed, const char *sent)
{
    char *a = plain_text(listed), *b = plain_text(sent);
    int same = a != NULL && b != NULL && strcmp(a, b) == 0;
    free(a);
    free(b);
    return same;
}

static pub_step req_list(pub_job *job, const char *after)
{
    graph_url u;
    graph_path(&u, job, page_id(job), "published_posts");
    graph_url_arg(&u, "fields", FB_LIST_FIELDS);
    graph_url_arg(&u, "limit", "100");
    if (after != NULL)
        graph_url_arg(&u, "after", after);
    if (graph_req(job, "GET", &u, "Checking the Page's recent posts") != PUB_REQUEST)
        return PUB_FAIL;
    pub_state_set_str(job, "rc_step", "list");
    return PUB_REQUEST;
}

static pub_step on_list(pub_job *job, const plat_response *r)
{
    const char *what = "Checking the Page's recent posts";
    json_t *j = pub_json(r);
    json_t *data = json_object_get(j, "data");
    if (!json_is_array(data)) {
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, r->status, "bad_response",
                        "%s: Facebook's post list could not be read", what);
    }
    int64_t since = job->attempt_started_ms;
    int64_t sent = pub_state_int(job, "sent_at", 0);
    if (sent > 0 && sent < since)
        since = sent;
    since -= FB_CLOCK_SLACK_MS;
    int older = 0;
    /* A post without text cannot be told from another without text: if any such post was made
       since ours was sent, it is "cannot tell" (counted across pages in the state). */
    int blank = text_of(job)[strspn(text_of(job), " \t\r\n")] == '\0';
    size_t i;
    json_t *p;
    json_array_foreach(data, i, p)
    {
        int64_t at = graph_time_ms(json_string_value(json_object_get(p, "created_time")));
        if (at >= 0 && at < since) {
            older = 1;
            continue;
        }
        const char *msg = json_string_value(json_object_get(p, "message"));
        char id[128];
        if (at < 0 || id_of(p, "id", id, sizeof id) != 0 ||
            !same_text(msg != NULL ? msg : "", text_of(job)))
            continue;
        if (blank) {
            pub_state_set_int(job, "rc_blank", pub_state_int(job, "rc_blank", 0) + 1);
            continue;
        }
        const char *perma = json_string_value(json_object_get(p, "permalink_url"));
        pub_step s = done_with(job, id, perma, "");
        json_decref(j);
        json_object_del(job->state, "rc_step");
        json_object_del(job->state, "rc_pages");
        return s;
    }
    const char *next_page =
        json_string_value(json_object_get(json_object_get(j, "paging"), "next"));
    const char *after = json_string_value(
        json_object_get(json_object_get(json_object_get(j, "paging"), "cursors"), "after"));
    int64_t pages = pub_state_int(job, "rc_pages", 0) + 1;
    if (older || next_page == NULL || after == NULL || json_array_size(data) == 0) {
        json_decref(j);
        json_object_del(job->state, "rc_step");
        json_object_del(job->state, "rc_pages");
        int64_t nblank = pub_state_int(job, "rc_blank", 0);
        json_object_del(job->state, "rc_blank");
        if (nblank > 0)
            return pub_fail(job, PERR_PERMANENT, r->status, "ambiguous",
                            "%s: the Page has a post without text from about the time this one "
                            "was sent, and Post2Share cannot tell whether it is this one; check "
                            "the Page, and retry only if this post is not there",
                            what);
        return pub_done(job, "", "");
    }
    if (pages >= FB_RECONCILE_PAGES) {
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, r->status, "too_many_posts",
                        "%s: the Page has posted too much since this post was sent to tell "
                        "whether it went out",
                        what);
    }
    pub_state_set_int(job, "rc_pages", pages);
    char cursor[512];
    if (strlen(after) >= sizeof cursor) {
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, r->status, "bad_response",
                        "%s: Facebook's post list could not be followed", what);
    }
    snprintf(cursor, sizeof cursor, "%s", after);
    json_decref(j);
    return req_list(job, cursor);
}

/* A Reel with a known video: published (or publishing) means it went out. */
static pub_step on_reel_status(pub_job *job, const plat_response *r)
{
    json_t *j = pub_json(r);
    json_t *status = json_object_get(j, "status");
    const char *pub =
        json_string_value(json_object_get(json_object_get(status, "publishing_phase"), "status"));
    const char *vid = pub_state_str(job, "video_id");
    if (!json_is_object(status) || vid == NULL) {
        json_decref(j);
        return pub_fail(job, PERR_TRANSIENT, r->status, "bad_response",
                        "Checking the Reel: Facebook's answer could not be read");
    }
    int out = json_is_true(json_object_get(j, "published")) ||
              (pub != NULL && (strcmp(pub, "complete") == 0 || strcmp(pub, "in_progress") == 0));
    char id[128];
    snprintf(id, sizeof id, "%s", vid);
    pub_step s =
        out ? done_with(job, id, json_string_value(json_object_get(j, "permalink_url")), "reel/")
            : pub_done(job, "", "");
    json_decref(j);
    json_object_del(job->state, "rc_step");
    return s;
}

static pub_step reconcile(pub_job *job, const plat_response *last)
{
    if (job->pc == NULL || job->access_token == NULL || *job->access_token == '\0' ||
        *page_id(job) == '\0')
        return pub_fail(job, PERR_PERMANENT, 0, "not_configured",
                        "the Facebook Page cannot be asked for its posts (no token or Page id)");
    if (last == NULL) {
        json_object_del(job->state, "rc_pages");
        if (strcmp(kind_of(job), "reel") == 0 && phase_is(job, "reel_finish") &&
            pub_state_str(job, "video_id") != NULL) {
            if (req_video_status(job, "status,published,permalink_url", NULL,
                                 "Checking the Reel") != PUB_REQUEST)
                return PUB_FAIL;
            pub_state_set_str(job, "rc_step", "video");
            return PUB_REQUEST;
        }
        return req_list(job, NULL);
    }
    const char *step = pub_state_str(job, "rc_step");
    int video = step != NULL && strcmp(step, "video") == 0;
    if (last->status < 200 || last->status >= 300)
        return fb_fail(job, last, video ? "Checking the Reel" : "Checking the Page's recent posts",
                       "pages_read_engagement");
    return video ? on_reel_status(job, last) : on_list(job, last);
}

const pub_ops pub_facebook = {"facebook", publish, reconcile};
