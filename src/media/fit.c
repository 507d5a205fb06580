/*
 * fit.c - per-platform fit checks for media items (see fit.h).
 *
 * Every limit is written once, in the LIMITS table below, with the section
 * of the platform contracts document (PLATFORMS.md, "Limits" parts of
 * sections 1-5) it comes from.  A target applies one or two rows of that
 * table (TARGETS), so rules shared by several targets (an Instagram image
 * is a feed image, a carousel item and a story) are not repeated.
 *
 * Reading the limits:
 * - Sizes given in MB or KB are ambiguous (1000 or 1024).  The stricter
 *   reading is used: decimal for maxima (4 MB = 4,000,000 bytes), binary for
 *   minima (75 KB = 76,800 bytes), so "fits" is never said of a file that one
 *   of the readings refuses.  Exact byte counts from a source are kept.
 * - A zero in the facts (width, height, duration, frame rate) means unknown:
 *   that check is skipped rather than failed.
 * - Facts the probe does not give are not checked: GIF frame counts
 *   (LinkedIn: at most 250 frames), the AAC profile (X: AAC-LC) and sample
 *   rate (Instagram Reels: at most 48 kHz), pixel format (X: yuv420p) and
 *   whether the MP4 "moov" atom comes first (Instagram Reels).
 *
 * Decisions:
 * - Instagram images must be JPEG.  Meta's content publishing spec says
 *   JPEG; a third-party guide also lists PNG and GIF, but Meta fetches the
 *   file itself and refuses other formats (error 2207005), so PNG, GIF and
 *   WebP are problems, not warnings.
 * - Instagram's width range 320-1440 px is not a refusal: Instagram scales
 *   narrower images up and wider ones down.  It is a warning.
 * - Instagram Reels' 9:16 shape is a recommendation: a warning.
 * - A horizontal video does not fit youtube_short: YouTube would publish it
 *   as an ordinary video, which is not what the target asks for.
 */
#include "media/fit.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A width:height ratio; {0, 0} = none. */
typedef struct ratio {
    int w, h;
} ratio;

/* One set of limits.  Zero / NULL fields are not checked. */
typedef struct fit_limits {
    const char *who;               /* in messages: "Facebook photos" */
    const char *formats;           /* accepted formats, space-separated */
    const char *format_words;      /* the same for people */
    const char *video_codecs;      /* accepted video codecs */
    const char *video_codec_words; /* the same for people */
    const char *audio_codecs;      /* accepted audio codecs, when there is audio */
    const char *audio_codec_words; /* the same for people */
    int64_t min_bytes;             /* at least */
    int64_t max_bytes;             /* at most (or under, with under) */
    int under;                     /* max_bytes and max_pixels are exclusive */
    int64_t max_bytes_anim_gif;    /* at most, for animated GIFs (instead of max_bytes) */
    int64_t warn_bytes;            /* over this: a warning (a disputed lower limit) */
    const char *warn_bytes_why;    /* why that is only a warning */
    double min_s, max_s;           /* duration in seconds */
    double min_fps, max_fps;       /* frame rate */
    int min_w, min_h, max_w, max_h;
    int hint_min_w, hint_max_w; /* outside: scaled by the platform (warning) */
    int64_t max_pixels;         /* width x height */
    ratio aspect_min, aspect_max;
    ratio aspect_hint; /* recommended shape (warning when more than 1 % off) */
    int upright;       /* vertical or square only */
} fit_limits;

enum {
    L_FB_PHOTO,
    L_FB_VIDEO,
    L_IG_IMAGE,
    L_IG_FEED_SHAPE,
    L_IG_STORY_SHAPE,
    L_IG_REEL,
    L_LI_IMAGE,
    L_LI_VIDEO,
    L_YT_VIDEO,
    L_YT_SHORT,
    L_X_IMAGE,
    L_X_VIDEO,
    L_COUNT
};

#define KB_MIN 1024LL /* a KB used as a minimum (stricter reading) */
#define MB_MAX 1000000LL
#define GB_MAX 1000000000LL

static const fit_limits LIMITS[L_COUNT] = {
    /* §1 Facebook Pages, Limits: "Photos: under 4 MB, JPG or PNG". */
    [L_FB_PHOTO] = {.who = "Facebook photos",
                    .formats = "jpeg png",
                    .format_words = "JPG or PNG",
                    .max_bytes = 4 * MB_MAX,
                    .under = 1},
    /* §1 Facebook Pages, Limits: video size and duration limits are UNCONFIRMED;
       any video the library accepts (MP4, MOV) is taken as fitting. */
    [L_FB_VIDEO] = {.who = "Facebook videos"},
    /* §2 Instagram, Limits, Images: at most 8 MB, JPEG (see Decisions above),
       width 320-1440 px (a scaling hint, see Decisions). */
    [L_IG_IMAGE] = {.who = "Instagram images",
                    .formats = "jpeg",
                    .format_words = "JPEG",
                    .max_bytes = 8 * MB_MAX,
                    .hint_min_w = 320,
                    .hint_max_w = 1440},
    /* §2 Instagram, Limits, Images: aspect ratio 4:5 to 1.91:1 (feed and carousel). */
    [L_IG_FEED_SHAPE] = {.who = "Instagram feed images",
                         .aspect_min = {4, 5},
                         .aspect_max = {191, 100}},
    /* Stories: PLATFORMS.md gives no story limits (UNCONFIRMED).  A story
       image follows the image rules above, except the feed shape; 9:16 fills
       the screen, so other shapes only get a warning. */
    [L_IG_STORY_SHAPE] = {.who = "Instagram stories", .aspect_hint = {9, 16}},
    /* §2 Instagram, Limits, Reels: MP4/MOV, H.264/HEVC, AAC, 23-60 fps,
       3 s-15 min, 9:16 (recommended).  Maximum size: 300 MB or 1 GB,
       UNCONFIRMED: over 1 GB is a problem, over 300 MB a warning.
       Also used for carousel and story videos (UNCONFIRMED for those). */
    [L_IG_REEL] = {.who = "Instagram videos",
                   .formats = "mp4 mov",
                   .format_words = "MP4 or MOV",
                   .video_codecs = "h264 hevc",
                   .video_codec_words = "H.264 or HEVC",
                   .audio_codecs = "aac",
                   .audio_codec_words = "AAC",
                   .max_bytes = 1 * GB_MAX,
                   .warn_bytes = 300 * MB_MAX,
                   .warn_bytes_why = "sources disagree whether the limit is 300 MB or 1 GB",
                   .min_s = 3,
                   .max_s = 15 * 60,
                   .min_fps = 23,
                   .max_fps = 60,
                   .aspect_hint = {9, 16}},
    /* §3 LinkedIn, Limits, Images: JPG, PNG or GIF, under 36,152,320 pixels.
       GIFs of at most 250 frames: the frame count is not known, not checked. */
    [L_LI_IMAGE] = {.who = "LinkedIn images",
                    .formats = "jpeg png gif",
                    .format_words = "JPG, PNG or GIF",
                    .max_pixels = 36152320,
                    .under = 1},
    /* §3 LinkedIn, Limits, Video: MP4, 3 s to 30 min, 75 KB to 500 MB. */
    [L_LI_VIDEO] = {.who = "LinkedIn videos",
                    .formats = "mp4",
                    .format_words = "MP4",
                    .min_bytes = 75 * KB_MIN,
                    .max_bytes = 500 * MB_MAX,
                    .min_s = 3,
                    .max_s = 30 * 60},
    /* §4 YouTube, Resumable upload 4 and Limits: any video type, at most
       274,877,906,944 bytes (256 GB, the discovery document's exact maxSize). */
    [L_YT_VIDEO] = {.who = "YouTube videos", .max_bytes = 274877906944LL},
    /* §4 YouTube, Shorts: vertical or square, at most 3 min; UNCONFIRMED by
       Google's documentation (third-party guides). */
    [L_YT_SHORT] = {.who = "YouTube Shorts", .max_s = 3 * 60, .upright = 1},
    /* §5 X, Content limits, Media: JPG, PNG, GIF, WEBP at most 5 MB; an
       animated GIF at most 15 MB. */
    [L_X_IMAGE] = {.who = "X images",
                   .formats = "jpeg png gif webp",
                   .format_words = "JPG, PNG, GIF or WEBP",
                   .max_bytes = 5 * MB_MAX,
                   .max_bytes_anim_gif = 15 * MB_MAX},
    /* §5 X, Content limits, Media: MP4 H.264 + AAC-LC, 0.5-140 s, at most
       512 MB, 32x32 to 1280x1024, aspect 1:3 to 3:1, at most 60 fps. */
    [L_X_VIDEO] = {.who = "X videos",
                   .formats = "mp4",
                   .format_words = "MP4",
                   .video_codecs = "h264",
                   .video_codec_words = "H.264",
                   .audio_codecs = "aac",
                   .audio_codec_words = "AAC (AAC-LC)",
                   .max_bytes = 512 * MB_MAX,
                   .min_s = 0.5,
                   .max_s = 140,
                   .max_fps = 60,
                   .min_w = 32,
                   .min_h = 32,
                   .max_w = 1280,
                   .max_h = 1024,
                   .aspect_min = {1, 3},
                   .aspect_max = {3, 1}},
};

enum { K_IMAGE = 1, K_VIDEO = 2 };

/* A target for one kind: the limit rows it applies (-1 = none). */
typedef struct fit_target {
    const char *name;
    int kind;
    int rows[2];
} fit_target;

static const fit_target TARGETS[] = {
    {"facebook_photo", K_IMAGE, {L_FB_PHOTO, -1}},
    {"facebook_video", K_VIDEO, {L_FB_VIDEO, -1}},
    {"instagram_image", K_IMAGE, {L_IG_IMAGE, L_IG_FEED_SHAPE}},
    {"instagram_carousel_item", K_IMAGE, {L_IG_IMAGE, L_IG_FEED_SHAPE}},
    {"instagram_carousel_item", K_VIDEO, {L_IG_REEL, -1}},
    {"instagram_reel", K_VIDEO, {L_IG_REEL, -1}},
    {"instagram_story", K_IMAGE, {L_IG_IMAGE, L_IG_STORY_SHAPE}},
    {"instagram_story", K_VIDEO, {L_IG_REEL, -1}},
    {"linkedin_image", K_IMAGE, {L_LI_IMAGE, -1}},
    {"linkedin_video", K_VIDEO, {L_LI_VIDEO, -1}},
    {"youtube_video", K_VIDEO, {L_YT_VIDEO, -1}},
    {"youtube_short", K_VIDEO, {L_YT_VIDEO, L_YT_SHORT}},
    {"x_image", K_IMAGE, {L_X_IMAGE, -1}},
    {"x_video", K_VIDEO, {L_X_VIDEO, -1}},
};

#define NTARGETS (sizeof TARGETS / sizeof TARGETS[0])

/* ---- words ---- */

static void add(json_t *arr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(json_t *arr, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_array_append_new(arr, json_string(buf));
}

/* A number with at most `decimals` decimals, trailing zeros dropped. */
static const char *num(char *buf, size_t len, double v, int decimals)
{
    snprintf(buf, len, "%.*f", decimals, v);
    if (strchr(buf, '.') != NULL) {
        size_t n = strlen(buf);
        while (n > 0 && buf[n - 1] == '0')
            buf[--n] = '\0';
        if (n > 0 && buf[n - 1] == '.')
            buf[--n] = '\0';
    }
    return buf;
}

/* Bytes for people: "75 KB", "4.2 MB", "1 GB" (decimal units; exact under 1 KB). */
static const char *bytes_words(char *buf, size_t len, int64_t b)
{
    char n[48];
    if (b < 1000)
        snprintf(buf, len, "%lld bytes", (long long)b);
    else if (b < MB_MAX)
        snprintf(buf, len, "%s KB", num(n, sizeof n, (double)b / 1e3, 2));
    else if (b < GB_MAX)
        snprintf(buf, len, "%s MB", num(n, sizeof n, (double)b / 1e6, 2));
    else
        snprintf(buf, len, "%s GB", num(n, sizeof n, (double)b / 1e9, 2));
    return buf;
}

/* A duration limit for people: "15 minutes", "140 seconds", "0.5 seconds". */
static const char *limit_secs(char *buf, size_t len, double s)
{
    char n[48];
    if (s >= 60 && fmod(s, 60) == 0)
        snprintf(buf, len, "%s minutes", num(n, sizeof n, s / 60, 0));
    else
        snprintf(buf, len, "%s seconds", num(n, sizeof n, s, 2));
    return buf;
}

/* A ratio for people: "4:5", "1.91:1". */
static const char *ratio_words(char *buf, size_t len, ratio r)
{
    char n[48];
    if (r.h == 100)
        snprintf(buf, len, "%s:1", num(n, sizeof n, r.w / 100.0, 2));
    else
        snprintf(buf, len, "%d:%d", r.w, r.h);
    return buf;
}

/* A format or codec name for people. */
static const char *fact_words(const char *v)
{
    static const char *const names[][2] = {
        {"jpeg", "JPEG"}, {"png", "PNG"},    {"gif", "GIF"},   {"webp", "WebP"}, {"mp4", "MP4"},
        {"mov", "MOV"},   {"h264", "H.264"}, {"hevc", "HEVC"}, {"aac", "AAC"},   {"mp3", "MP3"},
        {"opus", "Opus"}, {"vp9", "VP9"},    {"av1", "AV1"},
    };
    if (v == NULL || *v == '\0')
        return "unknown";
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i][0], v) == 0)
            return names[i][1];
    return v;
}

/* Is word one of the space-separated words of list? */
static int in_list(const char *list, const char *word)
{
    if (word == NULL || *word == '\0')
        return 0;
    size_t wl = strlen(word);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ' ');
        size_t l = e != NULL ? (size_t)(e - p) : strlen(p);
        if (l == wl && strncmp(p, word, l) == 0)
            return 1;
        p += l;
        while (*p == ' ')
            p++;
    }
    return 0;
}

/* The item's format: the format fact, else derived from the MIME type. */
static const char *format_of(const media_facts *f)
{
    if (f->format != NULL && *f->format)
        return f->format;
    if (f->mime == NULL)
        return NULL;
    if (strcmp(f->mime, "video/quicktime") == 0)
        return "mov";
    const char *slash = strchr(f->mime, '/');
    return slash != NULL ? slash + 1 : NULL;
}

/* w:h compared with r: <0 narrower, 0 same, >0 wider. */
static int cmp_ratio(int w, int h, ratio r)
{
    long long a = (long long)w * r.h, b = (long long)h * r.w;
    return a < b ? -1 : a > b;
}

/* ---- checks ---- */

static void check(const fit_limits *L, const media_facts *f, int kind, json_t *problems,
                  json_t *warnings)
{
    char a[64], b[64], c[64];
    const char *what = kind == K_VIDEO ? "video" : "image";
    const char *fmt = format_of(f);
    int is_anim_gif = f->animated && fmt != NULL && strcmp(fmt, "gif") == 0;

    if (L->formats != NULL && !in_list(L->formats, fmt))
        add(problems, "%s must be %s; this file is %s.", L->who, L->format_words, fact_words(fmt));
    if (L->video_codecs != NULL && !in_list(L->video_codecs, f->video_codec))
        add(problems, "%s must use %s video; this video is %s.", L->who, L->video_codec_words,
            fact_words(f->video_codec));
    if (L->audio_codecs != NULL && f->audio_codec != NULL && *f->audio_codec &&
        !in_list(L->audio_codecs, f->audio_codec))
        add(problems, "%s must use %s sound; this video's sound is %s.", L->who,
            L->audio_codec_words, fact_words(f->audio_codec));

    /* size in bytes */
    int64_t max = is_anim_gif && L->max_bytes_anim_gif > 0 ? L->max_bytes_anim_gif : L->max_bytes;
    if (max > 0 && (L->under ? f->size >= max : f->size > max))
        add(problems, "The file is %s; %s%s must be %s %s.", bytes_words(a, sizeof a, f->size),
            L->who, is_anim_gif && L->max_bytes_anim_gif > 0 ? " that are animated GIFs" : "",
            L->under ? "under" : "at most", bytes_words(b, sizeof b, max));
    else if (L->warn_bytes > 0 && f->size > L->warn_bytes)
        add(warnings, "The file is %s; %s may refuse files over %s (%s).",
            bytes_words(a, sizeof a, f->size), L->who, bytes_words(b, sizeof b, L->warn_bytes),
            L->warn_bytes_why);
    if (L->min_bytes > 0 && f->size < L->min_bytes)
        add(problems, "The file is %s; %s must be at least %s.", bytes_words(a, sizeof a, f->size),
            L->who, bytes_words(b, sizeof b, L->min_bytes));

    /* duration and frame rate (0 = unknown) */
    if (f->duration_s > 0) {
        if (L->min_s > 0 && f->duration_s < L->min_s)
            add(problems, "The video is %s seconds long; %s must be at least %s.",
                num(a, sizeof a, f->duration_s, 2), L->who, limit_secs(b, sizeof b, L->min_s));
        if (L->max_s > 0 && f->duration_s > L->max_s)
            add(problems, "The video is %s seconds long; %s must be at most %s.",
                num(a, sizeof a, f->duration_s, 2), L->who, limit_secs(b, sizeof b, L->max_s));
    }
    if (f->fps > 0) {
        if (L->min_fps > 0 && L->max_fps > 0 && (f->fps < L->min_fps || f->fps > L->max_fps))
            add(problems,
                "The video runs at %s frames per second; %s need %s to %s frames per second.",
                num(a, sizeof a, f->fps, 2), L->who, num(b, sizeof b, L->min_fps, 2),
                num(c, sizeof c, L->max_fps, 2));
        else if (L->max_fps > 0 && f->fps > L->max_fps)
            add(problems,
                "The video runs at %s frames per second; %s must be at most %s frames per second.",
                num(a, sizeof a, f->fps, 2), L->who, num(b, sizeof b, L->max_fps, 2));
    }

    if (f->width <= 0 || f->height <= 0)
        return; /* the shape is unknown */
    int w = f->width, h = f->height;

    if ((L->min_w > 0 && w < L->min_w) || (L->min_h > 0 && h < L->min_h) ||
        (L->max_w > 0 && w > L->max_w) || (L->max_h > 0 && h > L->max_h))
        add(problems,
            "The %s is %d by %d pixels; %s must be from %d by %d up to %d by %d pixels (width "
            "by height).",
            what, w, h, L->who, L->min_w, L->min_h, L->max_w, L->max_h);
    if (L->max_pixels > 0 &&
        (L->under ? (int64_t)w * h >= L->max_pixels : (int64_t)w * h > L->max_pixels))
        add(problems, "The %s has %lld pixels (%d by %d); %s must have %s %lld.", what,
            (long long)w * h, w, h, L->who, L->under ? "fewer than" : "at most",
            (long long)L->max_pixels);
    if (L->hint_min_w > 0 && w < L->hint_min_w)
        add(warnings,
            "The %s is %d pixels wide; %s narrower than %d pixels are scaled up, which can blur "
            "them.",
            what, w, L->who, L->hint_min_w);
    if (L->hint_max_w > 0 && w > L->hint_max_w)
        add(warnings, "The %s is %d pixels wide; %s wider than %d pixels are scaled down.", what, w,
            L->who, L->hint_max_w);

    double shape = (double)w / h;
    if (L->aspect_min.w > 0 && cmp_ratio(w, h, L->aspect_min) < 0)
        add(problems,
            "The %s is too tall: its width to height ratio is %s (%d by %d); %s must be from %s "
            "to %s.",
            what, num(a, sizeof a, shape, 3), w, h, L->who, ratio_words(b, sizeof b, L->aspect_min),
            ratio_words(c, sizeof c, L->aspect_max));
    if (L->aspect_max.w > 0 && cmp_ratio(w, h, L->aspect_max) > 0)
        add(problems,
            "The %s is too wide: its width to height ratio is %s (%d by %d); %s must be from %s "
            "to %s.",
            what, num(a, sizeof a, shape, 3), w, h, L->who, ratio_words(b, sizeof b, L->aspect_min),
            ratio_words(c, sizeof c, L->aspect_max));
    if (L->aspect_hint.w > 0) {
        double want = (double)L->aspect_hint.w / L->aspect_hint.h;
        if (fabs(shape - want) > want * 0.01)
            add(warnings,
                "The %s is %d by %d pixels; %s are shown at %s (vertical), so it will be cropped "
                "or shown with bars.",
                what, w, h, L->who, ratio_words(a, sizeof a, L->aspect_hint));
    }
    if (L->upright && w > h)
        add(problems, "The video is %d by %d pixels (horizontal); %s must be vertical or square.",
            w, h, L->who);
}

static int kind_of(const media_facts *f)
{
    if (f->kind == NULL)
        return 0;
    if (strcmp(f->kind, "image") == 0)
        return K_IMAGE;
    if (strcmp(f->kind, "video") == 0)
        return K_VIDEO;
    return 0;
}

static json_t *result(const fit_target *t, const media_facts *f)
{
    json_t *problems = json_array(), *warnings = json_array();
    for (int i = 0; i < 2; i++)
        if (t->rows[i] >= 0)
            check(&LIMITS[t->rows[i]], f, t->kind, problems, warnings);
    return json_pack("{s:b, s:o, s:o}", "ok", json_array_size(problems) == 0, "problems", problems,
                     "warnings", warnings);
}

json_t *media_fit_target(const char *target, const media_facts *f)
{
    int kind = kind_of(f);
    for (size_t i = 0; target != NULL && i < NTARGETS; i++)
        if (TARGETS[i].kind == kind && strcmp(TARGETS[i].name, target) == 0)
            return result(&TARGETS[i], f);
    return NULL;
}

json_t *media_fit_json(const media_facts *f)
{
    json_t *o = json_object();
    int kind = kind_of(f);
    for (size_t i = 0; i < NTARGETS; i++)
        if (TARGETS[i].kind == kind)
            json_object_set_new(o, TARGETS[i].name, result(&TARGETS[i], f));
    return o;
}
