/*
 * rules.c - per-platform post rules (see rules.h).
 *
 * Where PLATFORMS.md marks a limit UNCONFIRMED the stricter reading is a
 * problem only when the platform is known to refuse; otherwise a warning.
 */
#include "compose/rules.h"
#include "compose/textstat.h"
#include "compose/xtext.h"
#include "core/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Limits (PLATFORMS.md). */
#define FB_TEXT_MAX      63206 /* §1 Limits (Postiz maxLength) */
#define FB_PHOTOS_MAX    10    /* multi-photo posts: UNCONFIRMED, a common cap */
#define IG_CAPTION_MAX   2200  /* §2 Limits */
#define IG_HASHTAGS_MAX  30    /* §2 Limits (a 5-hashtag rule is UNCONFIRMED: warning) */
#define IG_HASHTAGS_WARN 5
#define IG_MENTIONS_MAX  20
#define IG_CAROUSEL_MIN  2 /* §2 Publishing (2-10 items) */
#define IG_CAROUSEL_MAX  10
#define LI_TEXT_MAX      3000 /* §3 Limits */
#define LI_IMAGES_MAX    20   /* LinkedIn multi-image posts */
#define YT_TITLE_MAX     100  /* §4 Limits */
#define YT_DESC_MAX      5000 /* §4 Limits: bytes per Google (the stricter reading) */
#define YT_TAGS_MAX      500
#define X_TEXT_MAX       280 /* §5 Content limits */
#define X_IMAGES_MAX     4
#define X_THREAD_MAX     24 /* further posts after the first */

typedef struct ctx {
    const rules_post *p;
    size_t ti; /* target index */
    const rules_target *t;
    json_t *problems, *warnings, *counters;
} ctx;

static void vnote(json_t *arr, const ctx *c, const char *code, const char *field, const char *fmt,
                  va_list ap)
{
    char msg[600], full[160];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (strncmp(field, "targets[", 8) == 0)
        snprintf(full, sizeof full, "%s", field);
    else
        snprintf(full, sizeof full, "targets[%zu].%s", c->ti, field);
    json_t *o = json_pack("{s:I, s:I, s:s, s:s}", "target", (json_int_t)c->ti, "account_id",
                          (json_int_t)c->t->account_id, "field", full, "message", msg);
    if (code != NULL)
        json_object_set_new(o, "code", json_string(code));
    json_array_append_new(arr, o);
}

static void problem(const ctx *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(const ctx *c, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(c->problems, c, NULL, field, fmt, ap);
    va_end(ap);
}

static void warning(const ctx *c, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void warning(const ctx *c, const char *code, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(c->warnings, c, code, field, fmt, ap);
    va_end(ap);
}

static void counter(const ctx *c, const char *field, long used, long limit)
{
    char full[160];
    snprintf(full, sizeof full, "targets[%zu].%s", c->ti, field);
    json_array_append_new(c->counters, json_pack("{s:s, s:i, s:i}", "field", full, "used",
                                                 (int)used, "limit", (int)limit));
}

/* "1,234" */
static const char *thousands(char *buf, size_t len, long v)
{
    if (v < 1000)
        snprintf(buf, len, "%ld", v);
    else
        snprintf(buf, len, "%ld,%03ld", v / 1000, v % 1000);
    return buf;
}

/* ---- kinds ---- */

static const char *const KINDS[][5] = {
    {"facebook", "post", "photos", "video", "reel"},
    {"instagram", "image", "carousel", "reel", "story"},
    {"linkedin", "text", "images", "video", NULL},
    {"youtube", "video", "short", NULL, NULL},
    {"x", "post", NULL, NULL, NULL},
};

int rules_kind_known(const char *platform, const char *kind)
{
    if (platform == NULL || kind == NULL)
        return 0;
    for (size_t i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
        if (strcmp(KINDS[i][0], platform) == 0)
            for (int k = 1; k < 5 && KINDS[i][k] != NULL; k++)
                if (strcmp(KINDS[i][k], kind) == 0)
                    return 1;
    return 0;
}

typedef struct media_mix {
    size_t images, videos, gifs; /* gifs: animated GIFs, also counted in images */
} media_mix;

static int is_video(const rules_media *m)
{
    return m->facts.kind != NULL && strcmp(m->facts.kind, "video") == 0;
}

static int is_anim_gif(const rules_media *m)
{
    return !is_video(m) && m->facts.animated && m->facts.format != NULL &&
           strcmp(m->facts.format, "gif") == 0;
}

static media_mix mix_of(const rules_media *const *m, size_t n)
{
    media_mix x = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        if (is_video(m[i]))
            x.videos++;
        else {
            x.images++;
            if (is_anim_gif(m[i]))
                x.gifs++;
        }
    }
    return x;
}

/* The kind a target takes when none is chosen; NULL if none fits. */
static const char *derive_kind(const char *platform, media_mix mx)
{
    size_t n = mx.images + mx.videos;
    if (strcmp(platform, "facebook") == 0)
        return n == 0 ? "post" : mx.videos == 0 ? "photos" : n == 1 ? "video" : NULL;
    if (strcmp(platform, "instagram") == 0)
        return n == 0 ? NULL : n > 1 ? "carousel" : mx.videos == 1 ? "reel" : "image";
    if (strcmp(platform, "linkedin") == 0)
        return n == 0 ? "text" : mx.videos == 0 ? "images" : n == 1 ? "video" : NULL;
    if (strcmp(platform, "youtube") == 0)
        return "video";
    if (strcmp(platform, "x") == 0)
        return "post";
    return NULL;
}

/* ---- option shapes ---- */

static int opt_fail(char *field, size_t fieldlen, char *msg, size_t msglen, const char *name,
                    const char *why)
{
    snprintf(field, fieldlen, "%s", name);
    snprintf(msg, msglen, "%s", why);
    return -1;
}

static int in_list(const char *s, const char *const *list)
{
    for (; *list != NULL; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

int rules_options_shape(const char *platform, const json_t *options, char *field, size_t fieldlen,
                        char *msg, size_t msglen)
{
    static const char *const visibilities[] = {"PUBLIC", "CONNECTIONS", NULL};
    static const char *const privacies[] = {"public", "unlisted", "private", NULL};
    static const char *const replies[] = {"everyone",    "following", "mentionedUsers",
                                          "subscribers", "verified",  NULL};
    if (options == NULL || json_is_null(options))
        return 0;
    if (!json_is_object(options))
        return opt_fail(field, fieldlen, msg, msglen, "options", "must be an object");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)options, key, v)
    {
        int ok = 1;
        const char *why = "has the wrong type";
        char name[96];
        snprintf(name, sizeof name, "options.%s", key);
        if (strcmp(platform, "facebook") == 0 && strcmp(key, "link") == 0)
            ok = json_is_string(v) || json_is_null(v), why = "must be a URL string";
        else if (strcmp(platform, "instagram") == 0 && strcmp(key, "first_comment") == 0)
            ok = json_is_string(v) || json_is_null(v), why = "must be a string";
        else if (strcmp(platform, "instagram") == 0 && strcmp(key, "share_to_feed") == 0)
            ok = json_is_boolean(v), why = "must be true or false";
        else if (strcmp(platform, "linkedin") == 0 && strcmp(key, "visibility") == 0)
            ok = json_is_string(v) && in_list(json_string_value(v), visibilities),
            why = "must be PUBLIC or CONNECTIONS";
        else if (strcmp(platform, "youtube") == 0 && strcmp(key, "title") == 0)
            ok = json_is_string(v), why = "must be a string";
        else if (strcmp(platform, "youtube") == 0 && strcmp(key, "privacy") == 0)
            ok = json_is_string(v) && in_list(json_string_value(v), privacies),
            why = "must be public, unlisted or private";
        else if (strcmp(platform, "youtube") == 0 && strcmp(key, "made_for_kids") == 0)
            ok = json_is_boolean(v), why = "must be true or false";
        else if (strcmp(platform, "youtube") == 0 && strcmp(key, "category_id") == 0) {
            const char *s = json_is_string(v) ? json_string_value(v) : "";
            ok = *s != '\0' && strlen(s) <= 4 && strspn(s, "0123456789") == strlen(s);
            why = "must be a YouTube category number as a string, like \"22\"";
        } else if (strcmp(platform, "youtube") == 0 && strcmp(key, "tags") == 0) {
            ok = json_is_array(v) && json_array_size(v) <= 500;
            why = "must be a list of strings";
            size_t i;
            const json_t *tag;
            json_array_foreach(v, i, tag) if (!json_is_string(tag)) ok = 0;
        } else if (strcmp(platform, "x") == 0 && strcmp(key, "reply_settings") == 0)
            ok = json_is_string(v) && in_list(json_string_value(v), replies),
            why = "must be everyone, following, mentionedUsers, subscribers or verified";
        else if (strcmp(platform, "x") == 0 && strcmp(key, "thread") == 0) {
            ok = json_is_array(v);
            why = "must be a list of {\"text\", \"media\"} posts";
            if (ok && json_array_size(v) > X_THREAD_MAX) {
                ok = 0;
                why = "may hold at most 24 further posts";
            }
            size_t i;
            const json_t *part;
            json_array_foreach(v, i, part)
            {
                const char *pk;
                const json_t *pv;
                if (!json_is_object(part)) {
                    ok = 0;
                    continue;
                }
                json_object_foreach((json_t *)part, pk, pv)
                {
                    if (strcmp(pk, "text") == 0 && !json_is_string(pv))
                        ok = 0;
                    else if (strcmp(pk, "media") == 0) {
                        size_t j;
                        const json_t *id;
                        if (!json_is_array(pv) || json_array_size(pv) > X_IMAGES_MAX)
                            ok = 0;
                        else
                            json_array_foreach(pv, j, id) if (!json_is_integer(id) ||
                                                              json_integer_value(id) <= 0) ok = 0;
                    } else if (strcmp(pk, "text") != 0 && strcmp(pk, "media") != 0)
                        ok = 0;
                }
            }
        } else {
            ok = 0;
            why = "is not an option of this platform";
        }
        if (!ok)
            return opt_fail(field, fieldlen, msg, msglen, name, why);
    }
    return 0;
}

/* ---- checks ---- */

static const rules_media *lookup(const rules_post *p, int64_t id)
{
    for (size_t i = 0; i < p->nlibrary; i++)
        if (p->library[i].id == id)
            return &p->library[i];
    return NULL;
}

static const char *opt_str(const rules_target *t, const char *key)
{
    const json_t *v = t->options != NULL ? json_object_get(t->options, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Fit every item against a media/fit.h target; the field names its position. */
static void fit_items(const ctx *c, const rules_media *const *m, size_t n, const char *image_target,
                      const char *video_target, const char *field_prefix)
{
    for (size_t i = 0; i < n; i++) {
        const char *ft = is_video(m[i]) ? video_target : image_target;
        char field[96];
        snprintf(field, sizeof field, "%s[%zu]", field_prefix, i);
        if (ft == NULL)
            continue;
        json_t *r = media_fit_target(ft, &m[i]->facts);
        if (r == NULL)
            continue;
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(r, "problems"), k, s)
            problem(c, field, "%s", json_string_value(s));
        json_array_foreach(json_object_get(r, "warnings"), k, s)
            warning(c, "media_fit", field, "%s", json_string_value(s));
        json_decref(r);
    }
}

static long chars(const char *s)
{
    long n = text_chars(s, strlen(s));
    return n < 0 ? 0 : n;
}

/* Text over a limit of characters, with its counter. */
static void text_limit(const ctx *c, const char *field, const char *text, long limit,
                       const char *what)
{
    long used = chars(text);
    char a[32], b[32];
    counter(c, field, used, limit);
    if (used > limit)
        problem(c, field, "%s allows %s characters; this is %s", what,
                thousands(a, sizeof a, limit), thousands(b, sizeof b, used));
}

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

static void check_facebook(const ctx *c, const char *kind, const char *text,
                           const rules_media *const *m, size_t n, media_mix mx)
{
    text_limit(c, "text", text, FB_TEXT_MAX, "Facebook");
    const char *link = opt_str(c->t, "link");
    if (link != NULL && *link != '\0') {
        if (strcmp(kind, "post") != 0)
            problem(c, "options.link", "a link can only go with a text post, not with %s", kind);
        else if (strncmp(link, "https://", 8) != 0 && strncmp(link, "http://", 7) != 0)
            problem(c, "options.link", "the link must start with https:// or http://");
        else if (strlen(link) > 2048)
            problem(c, "options.link", "the link is longer than 2,048 characters");
    }
    if (strcmp(kind, "post") == 0) {
        if (n > 0)
            problem(c, "media", "a Facebook text post has no media; choose photos or video");
        if (blank(text) && (link == NULL || *link == '\0'))
            problem(c, "text", "write something to post on Facebook");
    } else if (strcmp(kind, "photos") == 0) {
        if (mx.videos > 0)
            problem(c, "media", "Facebook photo posts take images only; post the video separately");
        else if (n == 0)
            problem(c, "media", "add at least one image for a Facebook photo post");
        else if (n > FB_PHOTOS_MAX)
            problem(c, "media", "Facebook photo posts here take at most %d images; this has %zu",
                    FB_PHOTOS_MAX, n);
        fit_items(c, m, n, "facebook_photo", NULL, "media");
    } else {
        if (n != 1 || mx.videos != 1)
            problem(c, "media", "a Facebook %s needs exactly one video and nothing else",
                    strcmp(kind, "reel") == 0 ? "Reel" : "video");
        fit_items(c, m, n, NULL, "facebook_video", "media");
        if (strcmp(kind, "reel") == 0 && n == 1 && mx.videos == 1 &&
            m[0]->facts.width > m[0]->facts.height)
            warning(c, "shape", "media[0]",
                    "Reels are vertical (9:16); a horizontal video is shown with bars");
    }
}

static void check_instagram(const ctx *c, const char *kind, const char *text,
                            const rules_media *const *m, size_t n, media_mix mx)
{
    char a[32];
    if (strcmp(kind, "story") == 0) {
        if (!blank(text))
            warning(c, "ignored", "text", "Instagram stories do not show a caption");
    } else {
        text_limit(c, "text", text, IG_CAPTION_MAX, "Instagram");
        long tags = text_hashtags(text, strlen(text));
        long ats = text_mentions(text, strlen(text));
        counter(c, "hashtags", tags, IG_HASHTAGS_MAX);
        if (tags > IG_HASHTAGS_MAX)
            problem(c, "text", "Instagram allows %d hashtags; this has %ld", IG_HASHTAGS_MAX, tags);
        else if (tags > IG_HASHTAGS_WARN)
            warning(c, "hashtags", "text",
                    "some sources say Instagram now allows only %d hashtags; this has %ld",
                    IG_HASHTAGS_WARN, tags);
        if (ats > IG_MENTIONS_MAX)
            problem(c, "text", "Instagram allows %d @mentions; this has %ld", IG_MENTIONS_MAX, ats);
    }
    const char *fc = opt_str(c->t, "first_comment");
    if (fc != NULL && *fc != '\0') {
        if (strcmp(kind, "story") == 0)
            problem(c, "options.first_comment", "stories cannot have comments");
        else
            text_limit(c, "options.first_comment", fc, IG_CAPTION_MAX, "An Instagram comment");
    }
    if (json_is_boolean(json_object_get(c->t->options, "share_to_feed")) &&
        strcmp(kind, "reel") != 0)
        problem(c, "options.share_to_feed", "share_to_feed applies to Reels only");
    if (n == 0) {
        problem(c, "media", "Instagram posts need an image or a video");
        return;
    }
    if (strcmp(kind, "image") == 0) {
        if (n != 1 || mx.images != 1)
            problem(c, "media",
                    "an Instagram image post has exactly one image; several make a carousel");
        fit_items(c, m, n, "instagram_image", "instagram_reel", "media");
    } else if (strcmp(kind, "carousel") == 0) {
        if (n < IG_CAROUSEL_MIN || n > IG_CAROUSEL_MAX)
            problem(c, "media", "an Instagram carousel has %d to %d items; this has %s",
                    IG_CAROUSEL_MIN, IG_CAROUSEL_MAX, thousands(a, sizeof a, (long)n));
        fit_items(c, m, n, "instagram_carousel_item", "instagram_carousel_item", "media");
    } else if (strcmp(kind, "reel") == 0) {
        if (n != 1 || mx.videos != 1)
            problem(c, "media", "an Instagram Reel is exactly one video");
        fit_items(c, m, n, NULL, "instagram_reel", "media");
    } else {
        if (n != 1)
            problem(c, "media", "an Instagram story is exactly one image or video");
        fit_items(c, m, n, "instagram_story", "instagram_story", "media");
    }
}

static void check_linkedin(const ctx *c, const char *kind, const char *text,
                           const rules_media *const *m, size_t n, media_mix mx)
{
    text_limit(c, "text", text, LI_TEXT_MAX, "LinkedIn");
    if (strcmp(kind, "text") == 0) {
        if (n > 0)
            problem(c, "media", "a LinkedIn text post has no media; choose images or video");
        if (blank(text))
            problem(c, "text", "write something to post on LinkedIn");
    } else if (strcmp(kind, "images") == 0) {
        if (mx.videos > 0 || n == 0)
            problem(c, "media", "a LinkedIn image post takes 1 to %d images and no video",
                    LI_IMAGES_MAX);
        else if (n > LI_IMAGES_MAX)
            problem(c, "media", "LinkedIn takes at most %d images in a post; this has %zu",
                    LI_IMAGES_MAX, n);
        fit_items(c, m, n, "linkedin_image", NULL, "media");
    } else {
        if (n != 1 || mx.videos != 1)
            problem(c, "media", "a LinkedIn video post is exactly one video");
        fit_items(c, m, n, NULL, "linkedin_video", "media");
    }
}

static void check_youtube(const ctx *c, const char *kind, const char *text,
                          const rules_media *const *m, size_t n, media_mix mx)
{
    char a[32], b[32];
    const char *title = opt_str(c->t, "title");
    long tl = title != NULL ? chars(title) : 0;
    counter(c, "options.title", tl, YT_TITLE_MAX);
    if (title == NULL || blank(title))
        problem(c, "options.title", "a YouTube video needs a title");
    else if (tl > YT_TITLE_MAX)
        problem(c, "options.title", "YouTube titles are at most %d characters; this is %ld",
                YT_TITLE_MAX, tl);
    if (title != NULL && strpbrk(title, "<>") != NULL)
        problem(c, "options.title", "YouTube does not allow < or > in titles");
    long dl = (long)strlen(text);
    counter(c, "text", dl, YT_DESC_MAX);
    if (dl > YT_DESC_MAX)
        problem(c, "text",
                "YouTube descriptions are at most %s bytes (accented letters and emoji take "
                "2-4); this is %s",
                thousands(a, sizeof a, YT_DESC_MAX), thousands(b, sizeof b, dl));
    if (strpbrk(text, "<>") != NULL)
        problem(c, "text", "YouTube does not allow < or > in descriptions");
    const json_t *tags = json_object_get(c->t->options, "tags");
    if (json_is_array(tags)) {
        long total = 0;
        size_t i;
        const json_t *tag;
        json_array_foreach(tags, i, tag)
        {
            const char *s = json_string_value(tag);
            if (s == NULL)
                continue;
            char f[48];
            snprintf(f, sizeof f, "options.tags[%zu]", i);
            if (blank(s))
                problem(c, f, "a tag cannot be empty");
            if (strpbrk(s, "<>,") != NULL)
                problem(c, f, "tags cannot contain <, > or commas");
            /* YouTube counts a tag with a space as quoted, and a comma between tags. */
            total += chars(s) + (strchr(s, ' ') != NULL ? 2 : 0) + (i > 0 ? 1 : 0);
        }
        counter(c, "options.tags", total, YT_TAGS_MAX);
        if (total > YT_TAGS_MAX)
            problem(c, "options.tags",
                    "YouTube tags are at most %d characters together; these are %ld", YT_TAGS_MAX,
                    total);
    }
    if (!json_is_boolean(json_object_get(c->t->options, "made_for_kids")))
        problem(c, "options.made_for_kids",
                "say whether the video is made for kids (YouTube requires it)");
    if (n != 1 || mx.videos != 1)
        problem(c, "media", "a YouTube upload is exactly one video");
    fit_items(c, m, n, NULL, strcmp(kind, "short") == 0 ? "youtube_short" : "youtube_video",
              "media");
}

/* X: media rules for one post of a thread. */
static void x_media(const ctx *c, const rules_media *const *m, size_t n, const char *field)
{
    media_mix mx = mix_of(m, n);
    if (mx.videos > 1 || (mx.videos == 1 && n > 1))
        problem(c, field, "an X post takes one video and nothing else with it");
    else if (mx.gifs > 1 || (mx.gifs == 1 && n > 1))
        problem(c, field, "an X post takes one animated GIF and nothing else with it");
    else if (n > X_IMAGES_MAX)
        problem(c, field, "an X post takes at most %d images; this has %zu", X_IMAGES_MAX, n);
    fit_items(c, m, n, "x_image", "x_video", field);
}

static void x_text(const ctx *c, const char *field, const char *text, size_t nmedia)
{
    xtext_count k;
    if (xtext_weighted(text, strlen(text), &k) < 0) {
        problem(c, field, "the text is not valid UTF-8");
        return;
    }
    counter(c, field, k.weighted, X_TEXT_MAX);
    if (k.weighted > X_TEXT_MAX)
        problem(c, field,
                "X allows %d characters; this is %d (links count 23, emoji and most non-Latin "
                "characters 2)",
                X_TEXT_MAX, k.weighted);
    else if (blank(text) && nmedia == 0)
        problem(c, field, "an X post needs text or media");
}

static void check_x(const ctx *c, const char *text, const rules_media *const *m, size_t n)
{
    x_text(c, "text", text, n);
    x_media(c, m, n, "media");
    const json_t *thread = json_object_get(c->t->options, "thread");
    size_t i;
    const json_t *part;
    json_array_foreach(thread, i, part)
    {
        char tf[64], mf[64];
        snprintf(tf, sizeof tf, "options.thread[%zu].text", i);
        snprintf(mf, sizeof mf, "options.thread[%zu].media", i);
        const json_t *ids = json_object_get(part, "media");
        const rules_media *pm[X_IMAGES_MAX];
        size_t pn = 0, j;
        const json_t *id;
        json_array_foreach(ids, j, id)
        {
            const rules_media *it = lookup(c->p, json_integer_value(id));
            if (it != NULL && pn < X_IMAGES_MAX)
                pm[pn++] = it;
        }
        const char *pt = json_string_value(json_object_get(part, "text"));
        x_text(c, tf, pt != NULL ? pt : "", pn);
        x_media(c, pm, pn, mf);
    }
}

json_t *rules_check(const rules_post *p, json_t *problems, json_t *warnings)
{
    json_t *out = json_array();
    const rules_media **m = p->nmedia ? calloc(p->nmedia, sizeof *m) : NULL;
    for (size_t i = 0; i < p->nmedia; i++)
        m[i] = &p->media[i];
    media_mix mx = mix_of(m, p->nmedia);
    for (size_t ti = 0; ti < p->ntargets; ti++) {
        const rules_target *t = &p->targets[ti];
        ctx c = {p, ti, t, problems, warnings, json_array()};
        const char *text = t->text != NULL ? t->text : (p->body != NULL ? p->body : "");
        const char *kind = t->kind != NULL ? t->kind : derive_kind(t->platform, mx);
        if (kind == NULL)
            problem(&c, "kind", "%s",
                    strcmp(t->platform, "instagram") == 0
                        ? "Instagram posts need an image or a video"
                        : "this mix of images and video cannot go in one post here; choose a kind");
        else if (strcmp(t->platform, "facebook") == 0)
            check_facebook(&c, kind, text, m, p->nmedia, mx);
        else if (strcmp(t->platform, "instagram") == 0)
            check_instagram(&c, kind, text, m, p->nmedia, mx);
        else if (strcmp(t->platform, "linkedin") == 0)
            check_linkedin(&c, kind, text, m, p->nmedia, mx);
        else if (strcmp(t->platform, "youtube") == 0)
            check_youtube(&c, kind, text, m, p->nmedia, mx);
        else if (strcmp(t->platform, "x") == 0)
            check_x(&c, text, m, p->nmedia);
        json_t *o = json_pack(
            "{s:I, s:s, s:s, s:o?, s:s, s:o}", "account_id", (json_int_t)t->account_id, "platform",
            t->platform, "platform_name", text_platform_title(t->platform), "kind",
            kind != NULL ? json_string(kind) : json_null(), "text", text, "counters", c.counters);
        json_array_append_new(out, o);
    }
    free(m);
    return out;
}
