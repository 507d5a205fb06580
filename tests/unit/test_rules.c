/*
 * test_rules.c - the platform rules a post must meet (compose/rules.h):
 * every validator of every platform, just inside and just outside each limit
 * (PLATFORMS.md sections 1-5), with media facts built by hand; the kinds
 * derived when none is chosen, the counters, the field names of problems,
 * several targets at once, text overrides, and the shape checks of options.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compose/rules.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- media facts ---- */

static media_facts image(const char *format, const char *mime, int w, int h, int64_t size)
{
    media_facts f = {
        .kind = "image", .mime = mime, .format = format, .size = size, .width = w, .height = h};
    return f;
}

static media_facts jpeg(int w, int h, int64_t size)
{
    return image("jpeg", "image/jpeg", w, h, size);
}

static media_facts png(int w, int h, int64_t size)
{
    return image("png", "image/png", w, h, size);
}

static media_facts gif(int w, int h, int64_t size, int animated)
{
    media_facts f = image("gif", "image/gif", w, h, size);
    f.animated = animated;
    return f;
}

/* An H.264/AAC MP4 at 30 fps. */
static media_facts mp4(int w, int h, double secs, int64_t size)
{
    media_facts f = {.kind = "video",
                     .mime = "video/mp4",
                     .format = "mp4",
                     .size = size,
                     .width = w,
                     .height = h,
                     .duration_s = secs,
                     .fps = 30,
                     .video_codec = "h264",
                     .audio_codec = "aac"};
    return f;
}

static media_facts mov(int w, int h, double secs, int64_t size, const char *codec)
{
    media_facts f = mp4(w, h, secs, size);
    f.mime = "video/quicktime";
    f.format = "mov";
    f.video_codec = codec;
    return f;
}

/* Items that fit every target of their kind unless a test says otherwise. */
static media_facts square_jpeg(void)
{
    return jpeg(1080, 1080, 500000);
}

static media_facts wide_video(void) /* 16:9, fits X's 1280 by 1024 */
{
    return mp4(1280, 720, 30, 20000000);
}

static media_facts tall_video(void) /* 9:16: Reels, Shorts */
{
    return mp4(1080, 1920, 30, 20000000);
}

/* n items of the same facts, ids 1..n. */
static rules_media *items(size_t n, media_facts f)
{
    rules_media *m = calloc(n ? n : 1, sizeof *m);
    for (size_t i = 0; i < n; i++)
        m[i] = (rules_media){(int64_t)i + 1, f};
    return m;
}

/* ---- text ---- */

/* unit repeated n times; the caller frees it. */
static char *rep(const char *unit, size_t n)
{
    size_t l = strlen(unit);
    char *s = malloc(l * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * l, unit, l);
    s[l * n] = '\0';
    return s;
}

/* A printf-style string; the caller frees it. */
static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    assert_true(n >= 0);
    char *s = malloc((size_t)n + 1);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

/* ---- running the rules ---- */

typedef struct result {
    json_t *out, *problems, *warnings;
} result;

static result run(const rules_post *p)
{
    result r = {NULL, json_array(), json_array()};
    r.out = rules_check(p, r.problems, r.warnings);
    assert_non_null(r.out);
    assert_int_equal(json_array_size(r.out), p->ntargets);
    return r;
}

static void done(result *r)
{
    json_decref(r->out);
    json_decref(r->problems);
    json_decref(r->warnings);
}

static json_t *opts(const char *json)
{
    if (json == NULL)
        return NULL;
    json_error_t err;
    json_t *o = json_loads(json, JSON_DECODE_ANY, &err);
    if (o == NULL)
        fail_msg("bad test JSON %s: %s", json, err.text);
    return o;
}

/*
 * One target on a post whose media is also its library.  opts_json may be
 * NULL; text NULL = use the body.
 */
static result one(const char *platform, const char *kind, const char *body, const char *text,
                  const char *opts_json, const rules_media *media, size_t nmedia)
{
    json_t *o = opts(opts_json);
    rules_target t = {42, platform, "Acme", kind, text, o};
    rules_post p = {body, media, nmedia, media, nmedia, &t, 1};
    result r = run(&p);
    json_decref(o);
    return r;
}

static void dump(const char *what, const json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(1));
    print_error("%s: %s\n", what, s != NULL ? s : "(null)");
    free(s);
}

/* How many notes (problems or warnings) name field and hold needle (NULL = any). */
static size_t notes(const json_t *arr, const char *field, const char *needle)
{
    size_t n = 0, i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *f = json_string_value(json_object_get(v, "field"));
        const char *m = json_string_value(json_object_get(v, "message"));
        if ((field == NULL || (f != NULL && strcmp(f, field) == 0)) &&
            (needle == NULL || (m != NULL && strstr(m, needle) != NULL)))
            n++;
    }
    return n;
}

static void want_problem(const result *r, const char *field, const char *needle)
{
    if (notes(r->problems, field, needle) == 0) {
        dump("problems", r->problems);
        fail_msg("no problem at %s holding \"%s\"", field, needle != NULL ? needle : "");
    }
}

static void no_problem_at(const result *r, const char *field)
{
    if (notes(r->problems, field, NULL) != 0) {
        dump("problems", r->problems);
        fail_msg("unexpected problem at %s", field);
    }
}

static void want_clean(const result *r)
{
    if (json_array_size(r->problems) != 0) {
        dump("problems", r->problems);
        fail_msg("expected no problems");
    }
}

/* The warning at field holding needle, with its code. */
static void want_warning(const result *r, const char *field, const char *code, const char *needle)
{
    size_t i;
    const json_t *v;
    json_array_foreach(r->warnings, i, v)
    {
        const char *f = json_string_value(json_object_get(v, "field"));
        const char *c = json_string_value(json_object_get(v, "code"));
        const char *m = json_string_value(json_object_get(v, "message"));
        if (f != NULL && strcmp(f, field) == 0 && c != NULL && strcmp(c, code) == 0 &&
            (needle == NULL || strstr(m, needle) != NULL))
            return;
    }
    dump("warnings", r->warnings);
    fail_msg("no %s warning at %s", code, field);
}

static const char *kind_of(const result *r, size_t ti)
{
    return json_string_value(json_object_get(json_array_get(r->out, ti), "kind"));
}

/* The counter of target ti named field: used, and limit in *limit. */
static long counter_of(const result *r, size_t ti, const char *field, long *limit)
{
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(json_array_get(r->out, ti), "counters"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "field")), field) == 0) {
            if (limit != NULL)
                *limit = (long)json_integer_value(json_object_get(c, "limit"));
            return (long)json_integer_value(json_object_get(c, "used"));
        }
    }
    dump("out", r->out);
    fail_msg("no counter %s", field);
    return -1;
}

static void want_counter(const result *r, size_t ti, const char *field, long used, long limit)
{
    long l = 0;
    long u = counter_of(r, ti, field, &l);
    assert_int_equal(u, used);
    assert_int_equal(l, limit);
}

/* ---- X ---- */

static void test_x_text_limit(void **state)
{
    (void)state;
    char *ok = rep("a", 280), *over = rep("a", 281);
    result r = one("x", NULL, ok, NULL, NULL, NULL, 0);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].text", 280, 280);
    assert_string_equal(kind_of(&r, 0), "post");
    done(&r);

    r = one("x", NULL, over, NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].text", "X allows 280 characters; this is 281");
    assert_int_equal(json_array_size(r.problems), 1);
    want_counter(&r, 0, "targets[0].text", 281, 280);
    done(&r);
    free(ok);
    free(over);
}

static void test_x_links_and_emoji(void **state)
{
    (void)state;
    /* a link of any length counts 23 */
    char *path = rep("p", 120), *pad = rep("a", 256), *pad1 = rep("a", 257);
    char *t = fmt("https://example.com/%s %s", path, pad);
    char *t1 = fmt("https://example.com/%s %s", path, pad1);
    result r = one("x", NULL, t, NULL, NULL, NULL, 0);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].text", 280, 280);
    done(&r);
    r = one("x", NULL, t1, NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].text", "this is 281");
    done(&r);

    /* an emoji counts 2, a CJK character 2 */
    char *emo = rep("\xF0\x9F\x98\x80", 140), *emo1 = rep("\xF0\x9F\x98\x80", 141);
    r = one("x", NULL, emo, NULL, NULL, NULL, 0);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].text", 280, 280);
    done(&r);
    r = one("x", NULL, emo1, NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].text", "this is 282");
    done(&r);
    char *cjk = rep("\xE6\x97\xA5", 141);
    r = one("x", NULL, cjk, NULL, NULL, NULL, 0);
    want_counter(&r, 0, "targets[0].text", 282, 280);
    want_problem(&r, "targets[0].text", NULL);
    done(&r);

    /* a family (ZWJ sequence) is one emoji: 2 */
    r = one("x", NULL, "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7",
            NULL, NULL, NULL, 0);
    want_counter(&r, 0, "targets[0].text", 2, 280);
    done(&r);

    free(path);
    free(pad);
    free(pad1);
    free(t);
    free(t1);
    free(emo);
    free(emo1);
    free(cjk);
}

static void test_x_empty_text(void **state)
{
    (void)state;
    result r = one("x", NULL, "", NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].text", "needs text or media");
    done(&r);
    r = one("x", NULL, " \n\t ", NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].text", "needs text or media");
    done(&r);
    r = one("x", NULL, NULL, NULL, NULL, NULL, 0); /* no body at all */
    want_problem(&r, "targets[0].text", "needs text or media");
    done(&r);

    /* media alone is a post */
    rules_media *m = items(1, square_jpeg());
    r = one("x", NULL, "", NULL, NULL, m, 1);
    want_clean(&r);
    done(&r);
    free(m);
}

static void test_x_images(void **state)
{
    (void)state;
    rules_media *m = items(5, square_jpeg());
    result r = one("x", NULL, "four", NULL, NULL, m, 4);
    want_clean(&r);
    done(&r);
    r = one("x", NULL, "five", NULL, NULL, m, 5);
    want_problem(&r, "targets[0].media", "at most 4 images; this has 5");
    done(&r);

    /* PNG and a still GIF are images; a still GIF mixes with others */
    m[1].facts = png(800, 600, 300000);
    m[2].facts = gif(400, 300, 100000, 0);
    r = one("x", NULL, "mixed images", NULL, NULL, m, 3);
    want_clean(&r);
    done(&r);

    /* fit: an image over 5 MB, named by its position */
    m[2].facts = jpeg(4000, 3000, 5000001);
    r = one("x", NULL, "big", NULL, NULL, m, 3);
    want_problem(&r, "targets[0].media[2]", "X images");
    no_problem_at(&r, "targets[0].media[0]");
    no_problem_at(&r, "targets[0].media");
    done(&r);
    free(m);
}

static void test_x_video(void **state)
{
    (void)state;
    rules_media *m = items(2, wide_video());
    result r = one("x", NULL, "clip", NULL, NULL, m, 1);
    want_clean(&r);
    done(&r);

    r = one("x", NULL, "two clips", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "one video and nothing else");
    done(&r);

    m[1].facts = square_jpeg();
    r = one("x", NULL, "clip and photo", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "one video and nothing else");
    done(&r);

    /* fit: MOV/HEVC, too long, too big a frame */
    m[0].facts = mov(1280, 720, 30, 20000000, "hevc");
    r = one("x", NULL, "mov", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media[0]", "X videos must be MP4");
    want_problem(&r, "targets[0].media[0]", "H.264");
    done(&r);
    m[0].facts = mp4(1280, 720, 141, 20000000);
    r = one("x", NULL, "long", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media[0]", "at most 140 seconds");
    done(&r);
    m[0].facts = tall_video(); /* 1920 high: over X's 1024 */
    r = one("x", NULL, "tall", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media[0]", "1080 by 1920");
    done(&r);
    free(m);
}

static void test_x_animated_gif(void **state)
{
    (void)state;
    rules_media *m = items(2, gif(480, 270, 12000000, 1)); /* over 5 MB, under 15 MB */
    result r = one("x", NULL, "gif", NULL, NULL, m, 1);
    want_clean(&r);
    done(&r);

    r = one("x", NULL, "two gifs", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "one animated GIF and nothing else");
    done(&r);

    m[1].facts = square_jpeg();
    r = one("x", NULL, "gif and photo", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "one animated GIF and nothing else");
    done(&r);

    m[0].facts = gif(480, 270, 15000001, 1);
    r = one("x", NULL, "huge gif", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media[0]", "15 MB");
    done(&r);
    free(m);
}

static void test_x_thread_text(void **state)
{
    (void)state;
    char *a280 = rep("a", 280), *a281 = rep("a", 281);
    char *o = fmt("{\"thread\": [{\"text\": \"%s\"}, {\"text\": \"%s\"}, {\"text\": \"\"}, "
                  "{\"media\": []}]}",
                  a280, a281);
    result r = one("x", NULL, "first", NULL, o, NULL, 0);
    no_problem_at(&r, "targets[0].text");
    no_problem_at(&r, "targets[0].options.thread[0].text");
    want_problem(&r, "targets[0].options.thread[1].text", "X allows 280 characters; this is 281");
    want_problem(&r, "targets[0].options.thread[2].text", "needs text or media");
    want_problem(&r, "targets[0].options.thread[3].text", "needs text or media");
    assert_int_equal(json_array_size(r.problems), 3);
    want_counter(&r, 0, "targets[0].text", 5, 280);
    want_counter(&r, 0, "targets[0].options.thread[0].text", 280, 280);
    want_counter(&r, 0, "targets[0].options.thread[1].text", 281, 280);
    done(&r);

    /* each part counts alone: three parts of 280 are fine */
    free(o);
    o = fmt("{\"thread\": [{\"text\": \"%s\"}, {\"text\": \"%s\"}]}", a280, a280);
    r = one("x", NULL, a280, NULL, o, NULL, 0);
    want_clean(&r);
    done(&r);
    free(o);
    free(a280);
    free(a281);
}

static void test_x_thread_media(void **state)
{
    (void)state;
    /* the post has no media; the library holds what thread parts use */
    rules_media lib[] = {
        {10, square_jpeg()},
        {11, png(800, 600, 300000)},
        {12, wide_video()},
        {13, gif(480, 270, 1000000, 1)},
        {14, jpeg(4000, 3000, 6000000)}, /* over X's 5 MB */
    };
    json_t *o = opts("{\"thread\": ["
                     "{\"text\": \"\", \"media\": [10, 11]},"
                     "{\"text\": \"v\", \"media\": [12, 10]},"
                     "{\"media\": [13]},"
                     "{\"text\": \"g\", \"media\": [13, 11]},"
                     "{\"text\": \"big\", \"media\": [10, 14]},"
                     "{\"text\": \"\", \"media\": [999]}"
                     "]}");
    rules_target t = {7, "x", "Acme", NULL, NULL, o};
    rules_post p = {"hello", NULL, 0, lib, sizeof lib / sizeof lib[0], &t, 1};
    result r = run(&p);
    no_problem_at(&r, "targets[0].options.thread[0].text"); /* media alone */
    no_problem_at(&r, "targets[0].options.thread[0].media");
    want_problem(&r, "targets[0].options.thread[1].media", "one video and nothing else");
    no_problem_at(&r, "targets[0].options.thread[2].text");
    no_problem_at(&r, "targets[0].options.thread[2].media");
    want_problem(&r, "targets[0].options.thread[3].media", "one animated GIF");
    want_problem(&r, "targets[0].options.thread[4].media[1]", "X images");
    no_problem_at(&r, "targets[0].options.thread[4].media[0]");
    /* an id the library does not hold is no media */
    want_problem(&r, "targets[0].options.thread[5].text", "needs text or media");
    assert_int_equal(json_array_size(r.problems), 4);
    {
        size_t i;
        const json_t *v;
        json_array_foreach(r.problems, i, v)
        {
            assert_int_equal(json_integer_value(json_object_get(v, "target")), 0);
            assert_int_equal(json_integer_value(json_object_get(v, "account_id")), 7);
        }
    }
    done(&r);
    json_decref(o);
}

/* ---- Facebook ---- */

static void test_facebook_text(void **state)
{
    (void)state;
    char *ok = rep("a", 63206), *over = rep("a", 63207);
    result r = one("facebook", NULL, ok, NULL, NULL, NULL, 0);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].text", 63206, 63206);
    assert_string_equal(kind_of(&r, 0), "post");
    done(&r);
    r = one("facebook", NULL, over, NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].text", "Facebook allows 63,206 characters; this is 63,207");
    done(&r);
    free(ok);
    free(over);

    /* characters are code points after NFC: "e" + combining acute counts 1 */
    char *acc = rep("e\xCC\x81", 63206);
    r = one("facebook", NULL, acc, NULL, NULL, NULL, 0);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].text", 63206, 63206);
    done(&r);
    free(acc);

    r = one("facebook", "post", "  ", NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].text", "write something");
    done(&r);
}

static void test_facebook_post_kind(void **state)
{
    (void)state;
    rules_media *m = items(1, square_jpeg());
    result r = one("facebook", "post", "hello", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media", "a Facebook text post has no media");
    done(&r);

    /* a link with no text is a post */
    r = one("facebook", "post", "", NULL, "{\"link\": \"https://example.com/a\"}", NULL, 0);
    want_clean(&r);
    done(&r);
    r = one("facebook", NULL, "see", NULL, "{\"link\": \"http://example.com/\"}", NULL, 0);
    want_clean(&r);
    done(&r);
    r = one("facebook", "post", "see", NULL, "{\"link\": \"ftp://example.com/\"}", NULL, 0);
    want_problem(&r, "targets[0].options.link", "https:// or http://");
    done(&r);
    r = one("facebook", "post", "see", NULL, "{\"link\": \"example.com\"}", NULL, 0);
    want_problem(&r, "targets[0].options.link", "https:// or http://");
    done(&r);
    char *path = rep("a", 2048);
    char *o = fmt("{\"link\": \"https://example.com/%s\"}", path);
    r = one("facebook", "post", "see", NULL, o, NULL, 0);
    want_problem(&r, "targets[0].options.link", "2,048");
    done(&r);
    free(o);
    free(path);

    /* the link goes only with a text post */
    r = one("facebook", NULL, "photo", NULL, "{\"link\": \"https://example.com/\"}", m, 1);
    assert_string_equal(kind_of(&r, 0), "photos");
    want_problem(&r, "targets[0].options.link", "only go with a text post, not with photos");
    done(&r);
    /* an empty or null link is no link */
    r = one("facebook", NULL, "photo", NULL, "{\"link\": \"\"}", m, 1);
    want_clean(&r);
    done(&r);
    r = one("facebook", NULL, "photo", NULL, "{\"link\": null}", m, 1);
    want_clean(&r);
    done(&r);
    free(m);
}

static void test_facebook_photos(void **state)
{
    (void)state;
    rules_media *m = items(11, square_jpeg());
    result r = one("facebook", NULL, "", NULL, NULL, m, 1);
    assert_string_equal(kind_of(&r, 0), "photos");
    want_clean(&r); /* a photo needs no text */
    done(&r);
    r = one("facebook", "photos", "ten", NULL, NULL, m, 10);
    want_clean(&r);
    done(&r);
    r = one("facebook", "photos", "eleven", NULL, NULL, m, 11);
    want_problem(&r, "targets[0].media", "at most 10 images; this has 11");
    done(&r);
    r = one("facebook", "photos", "none", NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].media", "at least one image");
    done(&r);

    /* images only */
    m[1].facts = wide_video();
    r = one("facebook", "photos", "mixed", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "images only");
    done(&r);

    /* fit: JPG or PNG, under 4 MB */
    m[0].facts = png(1200, 800, 2000000);
    m[1].facts = gif(400, 300, 100000, 1);
    m[2].facts = jpeg(4000, 3000, 4000000);
    r = one("facebook", "photos", "fit", NULL, NULL, m, 3);
    no_problem_at(&r, "targets[0].media[0]");
    want_problem(&r, "targets[0].media[1]", "Facebook photos must be JPG or PNG");
    want_problem(&r, "targets[0].media[2]", "under 4 MB");
    no_problem_at(&r, "targets[0].media");
    done(&r);
    free(m);
}

static void test_facebook_video_reel(void **state)
{
    (void)state;
    rules_media *m = items(2, wide_video());
    result r = one("facebook", NULL, "clip", NULL, NULL, m, 1);
    assert_string_equal(kind_of(&r, 0), "video");
    want_clean(&r);
    assert_int_equal(json_array_size(r.warnings), 0);
    done(&r);

    /* any video the library takes fits Facebook (limits UNCONFIRMED) */
    m[0].facts = mov(1920, 1080, 3600, 900000000, "hevc");
    r = one("facebook", "video", "mov", NULL, NULL, m, 1);
    want_clean(&r);
    done(&r);

    r = one("facebook", "video", "two", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "a Facebook video needs exactly one video");
    done(&r);
    r = one("facebook", "reel", "none", NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].media", "a Facebook Reel needs exactly one video");
    done(&r);
    m[1].facts = square_jpeg();
    r = one("facebook", "video", "image", NULL, NULL, m + 1, 1);
    want_problem(&r, "targets[0].media", "exactly one video");
    done(&r);

    /* a mix has no kind of its own */
    r = one("facebook", NULL, "mix", NULL, NULL, m, 2);
    assert_null(kind_of(&r, 0));
    assert_true(json_is_null(json_object_get(json_array_get(r.out, 0), "kind")));
    want_problem(&r, "targets[0].kind", "choose a kind");
    done(&r);

    /* Reels: horizontal is a warning, upright is not */
    m[0].facts = wide_video();
    r = one("facebook", "reel", "wide", NULL, NULL, m, 1);
    want_clean(&r);
    want_warning(&r, "targets[0].media[0]", "shape", "vertical");
    done(&r);
    m[0].facts = tall_video();
    r = one("facebook", "reel", "tall", NULL, NULL, m, 1);
    want_clean(&r);
    assert_int_equal(notes(r.warnings, NULL, NULL), 0);
    done(&r);
    free(m);
}

/* ---- Instagram ---- */

static void test_instagram_caption(void **state)
{
    (void)state;
    rules_media *m = items(1, square_jpeg());
    char *ok = rep("a", 2200), *over = rep("a", 2201);
    result r = one("instagram", NULL, ok, NULL, NULL, m, 1);
    assert_string_equal(kind_of(&r, 0), "image");
    want_clean(&r);
    want_counter(&r, 0, "targets[0].text", 2200, 2200);
    want_counter(&r, 0, "targets[0].hashtags", 0, 30);
    done(&r);
    r = one("instagram", NULL, over, NULL, NULL, m, 1);
    want_problem(&r, "targets[0].text", "Instagram allows 2,200 characters; this is 2,201");
    done(&r);
    free(ok);
    free(over);
    free(m);
}

/* A caption of n hashtags or mentions, "#tag1 #tag2 ..." */
static char *tags_text(const char *prefix, int n)
{
    char *s = calloc((size_t)n * 16 + 1, 1);
    for (int i = 0; i < n; i++)
        sprintf(s + strlen(s), "%s%s%d", i ? " " : "", prefix, i);
    return s;
}

static void test_instagram_hashtags_mentions(void **state)
{
    (void)state;
    rules_media *m = items(1, square_jpeg());
    char *t5 = tags_text("#tag", 5), *t6 = tags_text("#tag", 6), *t30 = tags_text("#tag", 30),
         *t31 = tags_text("#tag", 31);
    result r = one("instagram", NULL, t5, NULL, NULL, m, 1);
    want_clean(&r);
    assert_int_equal(notes(r.warnings, "targets[0].text", NULL), 0);
    want_counter(&r, 0, "targets[0].hashtags", 5, 30);
    done(&r);
    r = one("instagram", NULL, t6, NULL, NULL, m, 1);
    want_clean(&r);
    want_warning(&r, "targets[0].text", "hashtags", "this has 6");
    done(&r);
    r = one("instagram", NULL, t30, NULL, NULL, m, 1);
    want_clean(&r);
    want_warning(&r, "targets[0].text", "hashtags", "this has 30");
    want_counter(&r, 0, "targets[0].hashtags", 30, 30);
    done(&r);
    r = one("instagram", NULL, t31, NULL, NULL, m, 1);
    want_problem(&r, "targets[0].text", "Instagram allows 30 hashtags; this has 31");
    assert_int_equal(notes(r.warnings, "targets[0].text", NULL), 0); /* the problem says it */
    want_counter(&r, 0, "targets[0].hashtags", 31, 30);
    done(&r);

    char *a20 = tags_text("@user", 20), *a21 = tags_text("@user", 21);
    r = one("instagram", NULL, a20, NULL, NULL, m, 1);
    want_clean(&r);
    done(&r);
    r = one("instagram", NULL, a21, NULL, NULL, m, 1);
    want_problem(&r, "targets[0].text", "Instagram allows 20 @mentions; this has 21");
    done(&r);
    /* e-mail addresses are no mentions */
    char *mails = rep("a@example.com ", 25);
    r = one("instagram", NULL, mails, NULL, NULL, m, 1);
    want_clean(&r);
    done(&r);
    free(mails);
    free(a20);
    free(a21);
    free(t5);
    free(t6);
    free(t30);
    free(t31);
    free(m);
}

static void test_instagram_needs_media(void **state)
{
    (void)state;
    result r = one("instagram", NULL, "text only", NULL, NULL, NULL, 0);
    assert_null(kind_of(&r, 0));
    want_problem(&r, "targets[0].kind", "Instagram posts need an image or a video");
    done(&r);
    const char *kinds[] = {"image", "carousel", "reel", "story"};
    for (size_t i = 0; i < 4; i++) {
        r = one("instagram", kinds[i], "text only", NULL, NULL, NULL, 0);
        assert_string_equal(kind_of(&r, 0), kinds[i]);
        want_problem(&r, "targets[0].media", "need an image or a video");
        done(&r);
    }
}

static void test_instagram_image(void **state)
{
    (void)state;
    rules_media *m = items(2, square_jpeg());
    result r = one("instagram", "image", "one", NULL, NULL, m, 1);
    want_clean(&r);
    done(&r);
    r = one("instagram", "image", "two", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "exactly one image");
    done(&r);

    /* fit: Instagram takes JPEG only; PNG is a problem, not a warning */
    m[0].facts = png(1080, 1080, 500000);
    r = one("instagram", NULL, "png", NULL, NULL, m, 1);
    assert_string_equal(kind_of(&r, 0), "image");
    want_problem(&r, "targets[0].media[0]", "Instagram images must be JPEG; this file is PNG");
    done(&r);
    m[0].facts = jpeg(1080, 1920, 500000); /* 9:16 is taller than 4:5 */
    r = one("instagram", "image", "tall", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media[0]", "too tall");
    done(&r);
    m[0].facts = jpeg(2000, 2000, 500000); /* scaled down: a warning */
    r = one("instagram", "image", "wide", NULL, NULL, m, 1);
    want_clean(&r);
    want_warning(&r, "targets[0].media[0]", "media_fit", "scaled down");
    done(&r);

    m[0].facts = tall_video();
    r = one("instagram", "image", "video", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media", "exactly one image");
    done(&r);
    free(m);
}

static void test_instagram_carousel(void **state)
{
    (void)state;
    rules_media *m = items(11, square_jpeg());
    result r = one("instagram", NULL, "two", NULL, NULL, m, 2);
    assert_string_equal(kind_of(&r, 0), "carousel");
    want_clean(&r);
    done(&r);
    r = one("instagram", "carousel", "ten", NULL, NULL, m, 10);
    want_clean(&r);
    done(&r);
    r = one("instagram", "carousel", "eleven", NULL, NULL, m, 11);
    want_problem(&r, "targets[0].media", "2 to 10 items; this has 11");
    done(&r);
    r = one("instagram", "carousel", "one", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media", "2 to 10 items; this has 1");
    done(&r);

    /* images and videos mix in a carousel; each fits as a carousel item */
    m[1].facts = tall_video();
    r = one("instagram", NULL, "mixed", NULL, NULL, m, 2);
    assert_string_equal(kind_of(&r, 0), "carousel");
    want_clean(&r);
    done(&r);
    m[1].facts = mp4(1080, 1920, 2, 1000000); /* under 3 s */
    m[2].facts = png(1080, 1080, 500000);
    r = one("instagram", "carousel", "bad items", NULL, NULL, m, 3);
    want_problem(&r, "targets[0].media[1]", "at least 3 seconds");
    want_problem(&r, "targets[0].media[2]", "must be JPEG");
    no_problem_at(&r, "targets[0].media[0]");
    done(&r);
    free(m);
}

static void test_instagram_reel(void **state)
{
    (void)state;
    rules_media *m = items(2, tall_video());
    result r = one("instagram", NULL, "reel", NULL, "{\"share_to_feed\": true}", m, 1);
    assert_string_equal(kind_of(&r, 0), "reel");
    want_clean(&r);
    assert_int_equal(json_array_size(r.warnings), 0);
    done(&r);

    /* a horizontal reel is only a warning */
    m[0].facts = wide_video();
    r = one("instagram", "reel", "wide", NULL, NULL, m, 1);
    want_clean(&r);
    want_warning(&r, "targets[0].media[0]", "media_fit", "9:16");
    done(&r);

    r = one("instagram", "reel", "two", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "exactly one video");
    done(&r);
    m[1].facts = square_jpeg();
    r = one("instagram", "reel", "image", NULL, NULL, m + 1, 1);
    want_problem(&r, "targets[0].media", "exactly one video");
    done(&r);

    /* fit: codec, frame rate */
    m[0].facts = mov(1080, 1920, 30, 20000000, "vp9");
    r = one("instagram", "reel", "vp9", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media[0]", "H.264 or HEVC");
    done(&r);
    m[0].facts = tall_video();
    m[0].facts.fps = 15;
    r = one("instagram", "reel", "slow", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media[0]", "23 to 60 frames per second");
    done(&r);
    free(m);
}

static void test_instagram_story(void **state)
{
    (void)state;
    rules_media *m = items(2, jpeg(1080, 1920, 500000));
    result r = one("instagram", "story", "", NULL, NULL, m, 1);
    want_clean(&r);
    assert_int_equal(json_array_size(r.warnings), 0);
    /* no caption counters on a story */
    assert_int_equal(json_array_size(json_object_get(json_array_get(r.out, 0), "counters")), 0);
    done(&r);

    /* the caption is ignored, whatever its length */
    char *long_caption = rep("a", 3000);
    r = one("instagram", "story", long_caption, NULL, NULL, m, 1);
    want_clean(&r);
    want_warning(&r, "targets[0].text", "ignored", "do not show a caption");
    done(&r);
    free(long_caption);

    r = one("instagram", "story", "", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "exactly one image or video");
    done(&r);

    /* a story video, a square story image (warning), a PNG (problem) */
    m[0].facts = tall_video();
    r = one("instagram", "story", "", NULL, NULL, m, 1);
    want_clean(&r);
    done(&r);
    m[0].facts = square_jpeg();
    r = one("instagram", "story", "", NULL, NULL, m, 1);
    want_clean(&r);
    want_warning(&r, "targets[0].media[0]", "media_fit", "9:16");
    done(&r);
    m[0].facts = png(1080, 1920, 500000);
    r = one("instagram", "story", "", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media[0]", "must be JPEG");
    done(&r);
    free(m);
}

static void test_instagram_options(void **state)
{
    (void)state;
    rules_media *m = items(1, square_jpeg());
    char *c2200 = rep("c", 2200), *c2201 = rep("c", 2201);
    char *o = fmt("{\"first_comment\": \"%s\"}", c2200);
    result r = one("instagram", NULL, "photo", NULL, o, m, 1);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].options.first_comment", 2200, 2200);
    done(&r);
    free(o);
    o = fmt("{\"first_comment\": \"%s\"}", c2201);
    r = one("instagram", NULL, "photo", NULL, o, m, 1);
    want_problem(&r, "targets[0].options.first_comment", "2,200 characters; this is 2,201");
    no_problem_at(&r, "targets[0].text");
    done(&r);
    free(o);
    free(c2200);
    free(c2201);

    r = one("instagram", "story", "", NULL, "{\"first_comment\": \"hi\"}", m, 1);
    want_problem(&r, "targets[0].options.first_comment", "stories cannot have comments");
    done(&r);
    r = one("instagram", "story", "", NULL, "{\"first_comment\": \"\"}", m, 1);
    want_clean(&r);
    done(&r);

    /* share_to_feed is for Reels only, true or false */
    r = one("instagram", "image", "photo", NULL, "{\"share_to_feed\": false}", m, 1);
    want_problem(&r, "targets[0].options.share_to_feed", "Reels only");
    done(&r);
    r = one("instagram", "story", "", NULL, "{\"share_to_feed\": true}", m, 1);
    want_problem(&r, "targets[0].options.share_to_feed", "Reels only");
    done(&r);
    free(m);
}

/* ---- LinkedIn ---- */

static void test_linkedin(void **state)
{
    (void)state;
    char *ok = rep("a", 3000), *over = rep("a", 3001);
    result r = one("linkedin", NULL, ok, NULL, NULL, NULL, 0);
    assert_string_equal(kind_of(&r, 0), "text");
    want_clean(&r);
    want_counter(&r, 0, "targets[0].text", 3000, 3000);
    done(&r);
    r = one("linkedin", NULL, over, NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].text", "LinkedIn allows 3,000 characters; this is 3,001");
    done(&r);
    free(ok);
    free(over);

    /* text posts: text, no media */
    r = one("linkedin", "text", " ", NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].text", "write something");
    done(&r);
    rules_media *m = items(21, jpeg(1200, 627, 300000));
    r = one("linkedin", "text", "hello", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media", "a LinkedIn text post has no media");
    done(&r);

    /* images: 1 to 20, no video */
    r = one("linkedin", NULL, "", NULL, NULL, m, 1);
    assert_string_equal(kind_of(&r, 0), "images");
    want_clean(&r); /* an image post needs no text */
    done(&r);
    r = one("linkedin", "images", "twenty", NULL, NULL, m, 20);
    want_clean(&r);
    done(&r);
    r = one("linkedin", "images", "21", NULL, NULL, m, 21);
    want_problem(&r, "targets[0].media", "at most 20 images in a post; this has 21");
    done(&r);
    r = one("linkedin", "images", "none", NULL, NULL, NULL, 0);
    want_problem(&r, "targets[0].media", "1 to 20 images");
    done(&r);
    m[1].facts = wide_video();
    r = one("linkedin", "images", "mixed", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "and no video");
    done(&r);
    r = one("linkedin", NULL, "mixed", NULL, NULL, m, 2);
    assert_null(kind_of(&r, 0));
    want_problem(&r, "targets[0].kind", NULL);
    done(&r);

    /* fit: GIFs and PNGs are fine, WebP and huge images are not */
    m[0].facts = gif(480, 270, 2000000, 1);
    m[1].facts = png(800, 600, 100000);
    m[2].facts = image("webp", "image/webp", 800, 600, 100000);
    m[3].facts = jpeg(6100, 6000, 9000000); /* 36.6 million pixels */
    r = one("linkedin", "images", "fit", NULL, NULL, m, 4);
    no_problem_at(&r, "targets[0].media[0]");
    no_problem_at(&r, "targets[0].media[1]");
    want_problem(&r, "targets[0].media[2]", "JPG, PNG or GIF");
    want_problem(&r, "targets[0].media[3]", "fewer than 36152320");
    done(&r);

    /* video: exactly one MP4 of 3 s to 30 min */
    m[0].facts = wide_video();
    m[1].facts = wide_video();
    r = one("linkedin", NULL, "clip", NULL, NULL, m, 1);
    assert_string_equal(kind_of(&r, 0), "video");
    want_clean(&r);
    done(&r);
    r = one("linkedin", "video", "two", NULL, NULL, m, 2);
    want_problem(&r, "targets[0].media", "exactly one video");
    done(&r);
    r = one("linkedin", "video", "image", NULL, NULL, m + 3, 1);
    want_problem(&r, "targets[0].media", "exactly one video");
    done(&r);
    m[0].facts = mov(1280, 720, 30, 20000000, "h264");
    r = one("linkedin", "video", "mov", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media[0]", "LinkedIn videos must be MP4");
    done(&r);
    m[0].facts = mp4(1280, 720, 2, 200000);
    r = one("linkedin", "video", "short", NULL, NULL, m, 1);
    want_problem(&r, "targets[0].media[0]", "at least 3 seconds");
    done(&r);
    free(m);
}

/* ---- YouTube ---- */

#define YT_OK "\"made_for_kids\": false"

static void test_youtube_title(void **state)
{
    (void)state;
    rules_media *m = items(1, wide_video());
    result r = one("youtube", NULL, "desc", NULL, "{\"title\": \"Hello\", " YT_OK "}", m, 1);
    assert_string_equal(kind_of(&r, 0), "video");
    want_clean(&r);
    want_counter(&r, 0, "targets[0].options.title", 5, 100);
    want_counter(&r, 0, "targets[0].text", 4, 5000);
    done(&r);

    r = one("youtube", NULL, "desc", NULL, "{" YT_OK "}", m, 1);
    want_problem(&r, "targets[0].options.title", "needs a title");
    want_counter(&r, 0, "targets[0].options.title", 0, 100);
    done(&r);
    r = one("youtube", NULL, "desc", NULL, NULL, m, 1); /* no options at all */
    want_problem(&r, "targets[0].options.title", "needs a title");
    want_problem(&r, "targets[0].options.made_for_kids", "made for kids");
    done(&r);
    r = one("youtube", NULL, "desc", NULL, "{\"title\": \"  \", " YT_OK "}", m, 1);
    want_problem(&r, "targets[0].options.title", "needs a title");
    done(&r);

    /* 100 characters, not bytes */
    char *t100 = rep("\xC3\xA9", 100), *t101 = rep("a", 101);
    char *o = fmt("{\"title\": \"%s\", " YT_OK "}", t100);
    r = one("youtube", NULL, "desc", NULL, o, m, 1);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].options.title", 100, 100);
    done(&r);
    free(o);
    o = fmt("{\"title\": \"%s\", " YT_OK "}", t101);
    r = one("youtube", NULL, "desc", NULL, o, m, 1);
    want_problem(&r, "targets[0].options.title", "at most 100 characters; this is 101");
    done(&r);
    free(o);
    free(t100);
    free(t101);

    r = one("youtube", NULL, "desc", NULL, "{\"title\": \"a <b> c\", " YT_OK "}", m, 1);
    want_problem(&r, "targets[0].options.title", "< or >");
    done(&r);
    r = one("youtube", NULL, "desc", NULL, "{\"title\": \"1 > 0\", " YT_OK "}", m, 1);
    want_problem(&r, "targets[0].options.title", "< or >");
    done(&r);
    free(m);
}

static void test_youtube_description(void **state)
{
    (void)state;
    rules_media *m = items(1, wide_video());
    const char *o = "{\"title\": \"T\", " YT_OK "}";
    char *ok = rep("a", 5000), *over = rep("a", 5001);
    result r = one("youtube", NULL, ok, NULL, o, m, 1);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].text", 5000, 5000);
    done(&r);
    r = one("youtube", NULL, over, NULL, o, m, 1);
    want_problem(&r, "targets[0].text", "at most 5,000 bytes");
    done(&r);
    free(ok);
    free(over);

    /* bytes: 2,500 "é" are 5,000 bytes; 2,501 are over; emoji take 4 */
    char *e2500 = rep("\xC3\xA9", 2500), *e2501 = rep("\xC3\xA9", 2501);
    r = one("youtube", NULL, e2500, NULL, o, m, 1);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].text", 5000, 5000);
    done(&r);
    r = one("youtube", NULL, e2501, NULL, o, m, 1);
    want_problem(&r, "targets[0].text", "this is 5,002");
    done(&r);
    char *emo = rep("\xF0\x9F\x98\x80", 1251); /* 1,251 characters, 5,004 bytes */
    r = one("youtube", NULL, emo, NULL, o, m, 1);
    want_counter(&r, 0, "targets[0].text", 5004, 5000);
    want_problem(&r, "targets[0].text", NULL);
    done(&r);
    free(emo);
    free(e2500);
    free(e2501);

    r = one("youtube", NULL, "a <tag>", NULL, o, m, 1);
    want_problem(&r, "targets[0].text", "< or > in descriptions");
    done(&r);
    /* an empty description is fine */
    r = one("youtube", NULL, "", NULL, o, m, 1);
    want_clean(&r);
    done(&r);
    free(m);
}

static void test_youtube_tags(void **state)
{
    (void)state;
    rules_media *m = items(1, wide_video());
    /* 3 + (4 + 2 for the space) + 1 comma = 10 */
    result r = one("youtube", NULL, "d", NULL,
                   "{\"title\": \"T\", " YT_OK ", \"tags\": [\"abc\", \"de f\"]}", m, 1);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].options.tags", 10, 500);
    done(&r);

    /* 249 + 250 + 1 = 500 fits; 249 + 251 + 1 = 501 does not */
    char *a249 = rep("a", 249), *b250 = rep("b", 250), *b251 = rep("b", 251);
    char *o = fmt("{\"title\": \"T\", " YT_OK ", \"tags\": [\"%s\", \"%s\"]}", a249, b250);
    r = one("youtube", NULL, "d", NULL, o, m, 1);
    want_clean(&r);
    want_counter(&r, 0, "targets[0].options.tags", 500, 500);
    done(&r);
    free(o);
    o = fmt("{\"title\": \"T\", " YT_OK ", \"tags\": [\"%s\", \"%s\"]}", a249, b251);
    r = one("youtube", NULL, "d", NULL, o, m, 1);
    want_problem(&r, "targets[0].options.tags", "at most 500 characters together; these are 501");
    done(&r);
    free(o);
    /* a space in a tag counts 2 more: 497 + 2, then 1 + 1 = 501 */
    char *a247 = rep("a", 247);
    o = fmt("{\"title\": \"T\", " YT_OK ", \"tags\": [\"%s %s\", \"x\"]}", a247, a249);
    r = one("youtube", NULL, "d", NULL, o, m, 1);
    want_counter(&r, 0, "targets[0].options.tags", 501, 500);
    want_problem(&r, "targets[0].options.tags", NULL);
    done(&r);
    free(o);
    free(a247);
    free(a249);
    free(b250);
    free(b251);

    /* bad tags, each named by its position */
    r = one("youtube", NULL, "d", NULL,
            "{\"title\": \"T\", " YT_OK ", \"tags\": [\"ok\", \" \", \"a,b\", \"<x>\"]}", m, 1);
    no_problem_at(&r, "targets[0].options.tags[0]");
    want_problem(&r, "targets[0].options.tags[1]", "cannot be empty");
    want_problem(&r, "targets[0].options.tags[2]", "commas");
    want_problem(&r, "targets[0].options.tags[3]", "commas");
    done(&r);
    /* no tags: no counter */
    r = one("youtube", NULL, "d", NULL, "{\"title\": \"T\", " YT_OK "}", m, 1);
    assert_int_equal(notes(json_object_get(json_array_get(r.out, 0), "counters"),
                           "targets[0].options.tags", NULL),
                     0);
    done(&r);
    free(m);
}

static void test_youtube_media_and_kids(void **state)
{
    (void)state;
    rules_media *m = items(2, wide_video());
    result r = one("youtube", NULL, "d", NULL, "{\"title\": \"T\"}", m, 1);
    want_problem(&r, "targets[0].options.made_for_kids", "YouTube requires it");
    assert_int_equal(json_array_size(r.problems), 1);
    done(&r);
    r = one("youtube", NULL, "d", NULL, "{\"title\": \"T\", \"made_for_kids\": true}", m, 1);
    want_clean(&r);
    done(&r);
    r = one("youtube", NULL, "d", NULL, "{\"title\": \"T\", \"made_for_kids\": \"no\"}", m, 1);
    want_problem(&r, "targets[0].options.made_for_kids", NULL);
    done(&r);

    const char *o = "{\"title\": \"T\", " YT_OK "}";
    r = one("youtube", NULL, "d", NULL, o, NULL, 0);
    assert_string_equal(kind_of(&r, 0), "video");
    want_problem(&r, "targets[0].media", "exactly one video");
    done(&r);
    r = one("youtube", NULL, "d", NULL, o, m, 2);
    want_problem(&r, "targets[0].media", "exactly one video");
    done(&r);
    m[1].facts = square_jpeg();
    r = one("youtube", NULL, "d", NULL, o, m + 1, 1);
    want_problem(&r, "targets[0].media", "exactly one video");
    done(&r);
    r = one("youtube", "short", "d", NULL, o, m, 2);
    want_problem(&r, "targets[0].media", "exactly one video");
    done(&r);

    /* any video format fits an ordinary upload, however long */
    m[0].facts = mov(3840, 2160, 7200, 4000000000LL, "hevc");
    r = one("youtube", "video", "d", NULL, o, m, 1);
    want_clean(&r);
    done(&r);

    /* Shorts: upright, at most 3 minutes */
    m[0].facts = mp4(1080, 1920, 180, 50000000);
    r = one("youtube", "short", "d", NULL, o, m, 1);
    want_clean(&r);
    done(&r);
    m[0].facts = mp4(1080, 1080, 60, 50000000); /* square is fine */
    r = one("youtube", "short", "d", NULL, o, m, 1);
    want_clean(&r);
    done(&r);
    m[0].facts = mp4(1080, 1920, 181, 50000000);
    r = one("youtube", "short", "d", NULL, o, m, 1);
    want_problem(&r, "targets[0].media[0]", "at most 3 minutes");
    done(&r);
    m[0].facts = wide_video();
    r = one("youtube", "short", "d", NULL, o, m, 1);
    want_problem(&r, "targets[0].media[0]", "vertical or square");
    done(&r);
    /* an upright video with no kind chosen is an ordinary upload */
    m[0].facts = tall_video();
    r = one("youtube", NULL, "d", NULL, o, m, 1);
    assert_string_equal(kind_of(&r, 0), "video");
    want_clean(&r);
    done(&r);
    free(m);
}

/* ---- across platforms ---- */

static void test_derived_kinds(void **state)
{
    (void)state;
    static const struct {
        const char *platform;
        int images, videos;
        const char *kind; /* NULL: none fits */
    } cases[] = {
        {"facebook", 0, 0, "post"},
        {"facebook", 3, 0, "photos"},
        {"facebook", 0, 1, "video"},
        {"facebook", 0, 2, NULL},
        {"facebook", 1, 1, NULL},
        {"instagram", 0, 0, NULL},
        {"instagram", 1, 0, "image"},
        {"instagram", 0, 1, "reel"},
        {"instagram", 2, 0, "carousel"},
        {"instagram", 1, 1, "carousel"},
        {"instagram", 0, 2, "carousel"},
        {"linkedin", 0, 0, "text"},
        {"linkedin", 4, 0, "images"},
        {"linkedin", 0, 1, "video"},
        {"linkedin", 1, 1, NULL},
        {"youtube", 0, 0, "video"},
        {"youtube", 0, 1, "video"},
        {"youtube", 2, 0, "video"},
        {"x", 0, 0, "post"},
        {"x", 4, 0, "post"},
        {"x", 0, 1, "post"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = (size_t)(cases[i].images + cases[i].videos);
        rules_media *m = items(n, square_jpeg());
        for (size_t k = (size_t)cases[i].images; k < n; k++)
            m[k].facts = tall_video();
        result r = one(cases[i].platform, NULL, "text", NULL, NULL, m, n);
        const char *k = kind_of(&r, 0);
        if (cases[i].kind == NULL ? k != NULL : (k == NULL || strcmp(k, cases[i].kind) != 0)) {
            dump("out", r.out);
            fail_msg("%s with %d images and %d videos: kind %s, want %s", cases[i].platform,
                     cases[i].images, cases[i].videos, k ? k : "null",
                     cases[i].kind ? cases[i].kind : "null");
        }
        if (cases[i].kind == NULL)
            want_problem(&r, "targets[0].kind", NULL);
        else
            no_problem_at(&r, "targets[0].kind");
        done(&r);
        free(m);
    }

    /* a chosen kind is kept as chosen, even when the media says otherwise */
    rules_media *m = items(1, square_jpeg());
    result r = one("facebook", "video", "x", NULL, NULL, m, 1);
    assert_string_equal(kind_of(&r, 0), "video");
    done(&r);
    free(m);
}

static void test_several_targets(void **state)
{
    (void)state;
    char *body = rep("a", 300);
    rules_media *m = items(1, square_jpeg());
    json_t *yt = opts("{\"title\": \"T\"}");
    json_t *ig = opts("{\"first_comment\": \"#first\"}");
    rules_target t[] = {
        {101, "x", "Acme X", NULL, NULL, NULL},
        {102, "instagram", "Acme IG", NULL, NULL, ig},
        {103, "linkedin", "Acme LI", NULL, "short override", NULL},
        {104, "youtube", "Acme YT", NULL, NULL, yt},
        {105, "facebook", "Acme FB", "video", NULL, NULL},
        {106, "x", "Acme X 2", NULL, "fits", NULL},
    };
    rules_post p = {body, m, 1, m, 1, t, sizeof t / sizeof t[0]};
    result r = run(&p);

    /* the output, one per target, in order */
    static const char *const platforms[] = {"x",       "instagram", "linkedin",
                                            "youtube", "facebook",  "x"};
    static const char *const names[] = {"X", "Instagram", "LinkedIn", "YouTube", "Facebook", "X"};
    static const char *const kinds[] = {"post", "image", "images", "video", "video", "post"};
    for (size_t i = 0; i < 6; i++) {
        const json_t *o = json_array_get(r.out, i);
        assert_int_equal(json_integer_value(json_object_get(o, "account_id")), t[i].account_id);
        assert_string_equal(json_string_value(json_object_get(o, "platform")), platforms[i]);
        assert_string_equal(json_string_value(json_object_get(o, "platform_name")), names[i]);
        assert_string_equal(json_string_value(json_object_get(o, "kind")), kinds[i]);
        assert_true(json_is_array(json_object_get(o, "counters")));
    }
    /* text override vs body */
    assert_string_equal(json_string_value(json_object_get(json_array_get(r.out, 0), "text")), body);
    assert_string_equal(json_string_value(json_object_get(json_array_get(r.out, 2), "text")),
                        "short override");
    assert_string_equal(json_string_value(json_object_get(json_array_get(r.out, 5), "text")),
                        "fits");
    want_counter(&r, 2, "targets[2].text", 14, 3000);
    want_counter(&r, 1, "targets[1].text", 300, 2200);
    want_counter(&r, 1, "targets[1].options.first_comment", 6, 2200);

    /* each target reports its own problems */
    want_problem(&r, "targets[0].text", "X allows 280 characters; this is 300");
    no_problem_at(&r, "targets[5].text");
    want_problem(&r, "targets[3].options.made_for_kids", NULL);
    want_problem(&r, "targets[3].media", "exactly one video");
    want_problem(&r, "targets[4].media", "exactly one video");
    for (size_t i = 1; i <= 2; i++) {
        char f[32];
        snprintf(f, sizeof f, "targets[%zu]", i);
        size_t k;
        const json_t *v;
        json_array_foreach(r.problems, k, v)
        {
            const char *field = json_string_value(json_object_get(v, "field"));
            if (strncmp(field, f, strlen(f)) == 0) {
                dump("problems", r.problems);
                fail_msg("target %zu has a problem", i);
            }
        }
    }
    /* every note names its target, account and field, and says something */
    size_t k;
    const json_t *v;
    json_array_foreach(r.problems, k, v)
    {
        json_int_t ti = json_integer_value(json_object_get(v, "target"));
        assert_true(ti >= 0 && ti < 6);
        assert_int_equal(json_integer_value(json_object_get(v, "account_id")), t[ti].account_id);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "targets[%d].", (int)ti);
        const char *field = json_string_value(json_object_get(v, "field"));
        assert_non_null(field);
        assert_int_equal(strncmp(field, prefix, strlen(prefix)), 0);
        assert_true(strlen(json_string_value(json_object_get(v, "message"))) > 0);
        assert_null(json_object_get(v, "code"));
    }
    assert_int_equal(json_array_size(r.problems), 4);
    done(&r);

    /* an empty override is an override: X then has nothing to post */
    rules_target t2[] = {{201, "x", "A", NULL, "", NULL}, {202, "x", "B", NULL, NULL, NULL}};
    rules_post p2 = {"body", NULL, 0, NULL, 0, t2, 2};
    r = run(&p2);
    want_problem(&r, "targets[0].text", "needs text or media");
    no_problem_at(&r, "targets[1].text");
    assert_string_equal(json_string_value(json_object_get(json_array_get(r.out, 0), "text")), "");
    assert_string_equal(json_string_value(json_object_get(json_array_get(r.out, 1), "text")),
                        "body");
    done(&r);

    /* no targets: an empty list */
    rules_post p3 = {"body", m, 1, m, 1, NULL, 0};
    r = run(&p3);
    assert_int_equal(json_array_size(r.problems), 0);
    done(&r);

    json_decref(yt);
    json_decref(ig);
    free(m);
    free(body);
}

static void test_note_shapes(void **state)
{
    (void)state;
    rules_media *m = items(1, wide_video());
    result r = one("instagram", "reel", "#a #b #c #d #e #f", NULL, NULL, m, 1);
    /* warnings: target, account_id, field, message, code */
    assert_true(json_array_size(r.warnings) >= 2);
    size_t i;
    const json_t *v;
    json_array_foreach(r.warnings, i, v)
    {
        assert_int_equal(json_integer_value(json_object_get(v, "target")), 0);
        assert_int_equal(json_integer_value(json_object_get(v, "account_id")), 42);
        assert_non_null(json_string_value(json_object_get(v, "field")));
        assert_non_null(json_string_value(json_object_get(v, "message")));
        assert_non_null(json_string_value(json_object_get(v, "code")));
        assert_int_equal(json_object_size(v), 5);
    }
    /* counters: field, used, limit */
    json_array_foreach(json_object_get(json_array_get(r.out, 0), "counters"), i, v)
    {
        assert_int_equal(json_object_size(v), 3);
        assert_true(json_is_string(json_object_get(v, "field")));
        assert_true(json_is_integer(json_object_get(v, "used")));
        assert_true(json_is_integer(json_object_get(v, "limit")));
    }
    done(&r);

    /* problems: target, account_id, field, message */
    r = one("linkedin", "text", "", NULL, NULL, NULL, 0);
    assert_int_equal(json_array_size(r.problems), 1);
    v = json_array_get(r.problems, 0);
    assert_int_equal(json_object_size(v), 4);
    assert_string_equal(json_string_value(json_object_get(v, "field")), "targets[0].text");
    done(&r);
    free(m);
}

/* ---- kinds and option shapes ---- */

static void test_kind_known(void **state)
{
    (void)state;
    static const char *const known[][2] = {
        {"facebook", "post"},   {"facebook", "photos"}, {"facebook", "video"},
        {"facebook", "reel"},   {"instagram", "image"}, {"instagram", "carousel"},
        {"instagram", "reel"},  {"instagram", "story"}, {"linkedin", "text"},
        {"linkedin", "images"}, {"linkedin", "video"},  {"youtube", "video"},
        {"youtube", "short"},   {"x", "post"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        assert_int_equal(rules_kind_known(known[i][0], known[i][1]), 1);
    static const char *const unknown[][2] = {
        {"facebook", "story"}, {"instagram", "post"}, {"instagram", "video"}, {"linkedin", "reel"},
        {"youtube", "post"},   {"x", "video"},        {"x", "thread"},        {"x", ""},
        {"tiktok", "video"},   {"X", "post"},         {"x", "Post"},          {"facebook", "photo"},
    };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        assert_int_equal(rules_kind_known(unknown[i][0], unknown[i][1]), 0);
    assert_int_equal(rules_kind_known(NULL, "post"), 0);
    assert_int_equal(rules_kind_known("x", NULL), 0);
}

/* rules_options_shape on JSON: 0, or -1 with field and a message holding needle. */
static void shape(const char *platform, const char *json, const char *field, const char *needle)
{
    json_t *o = opts(json);
    char f[96] = "", msg[200] = "";
    int rc = rules_options_shape(platform, o, f, sizeof f, msg, sizeof msg);
    json_decref(o);
    if (field == NULL) {
        if (rc != 0)
            fail_msg("%s %s refused: %s %s", platform, json, f, msg);
        return;
    }
    if (rc != -1)
        fail_msg("%s %s accepted, want %s refused", platform, json, field);
    if (strcmp(f, field) != 0)
        fail_msg("%s %s: field %s, want %s", platform, json, f, field);
    if (needle != NULL && strstr(msg, needle) == NULL)
        fail_msg("%s %s: message \"%s\" lacks \"%s\"", platform, json, msg, needle);
}

static void test_options_shape(void **state)
{
    (void)state;
    char f[96], msg[200];
    assert_int_equal(rules_options_shape("x", NULL, f, sizeof f, msg, sizeof msg), 0);
    shape("x", "null", NULL, NULL);
    shape("x", "{}", NULL, NULL);
    shape("x", "[]", "options", "must be an object");
    shape("youtube", "\"title\"", "options", "must be an object");

    /* keys of one platform are unknown to the others */
    shape("facebook", "{\"title\": \"T\"}", "options.title", "not an option of this platform");
    shape("x", "{\"link\": \"https://a.b/\"}", "options.link", "not an option");
    shape("linkedin", "{\"first_comment\": \"hi\"}", "options.first_comment", "not an option");
    shape("instagram", "{\"thread\": []}", "options.thread", "not an option");
    shape("youtube", "{\"visibility\": \"PUBLIC\"}", "options.visibility", "not an option");
    shape("x", "{\"Thread\": []}", "options.Thread", "not an option");

    /* Facebook */
    shape("facebook", "{\"link\": \"https://example.com/\"}", NULL, NULL);
    shape("facebook", "{\"link\": null}", NULL, NULL);
    shape("facebook", "{\"link\": 5}", "options.link", "URL string");

    /* Instagram */
    shape("instagram", "{\"first_comment\": \"hi\", \"share_to_feed\": false}", NULL, NULL);
    shape("instagram", "{\"first_comment\": null}", NULL, NULL);
    shape("instagram", "{\"first_comment\": [\"hi\"]}", "options.first_comment", "string");
    shape("instagram", "{\"share_to_feed\": \"yes\"}", "options.share_to_feed", "true or false");
    shape("instagram", "{\"share_to_feed\": 1}", "options.share_to_feed", "true or false");
    shape("instagram", "{\"share_to_feed\": null}", "options.share_to_feed", NULL);

    /* LinkedIn */
    shape("linkedin", "{\"visibility\": \"PUBLIC\"}", NULL, NULL);
    shape("linkedin", "{\"visibility\": \"CONNECTIONS\"}", NULL, NULL);
    shape("linkedin", "{\"visibility\": \"public\"}", "options.visibility",
          "PUBLIC or CONNECTIONS");
    shape("linkedin", "{\"visibility\": \"LOGGED_IN\"}", "options.visibility", NULL);
    shape("linkedin", "{\"visibility\": 1}", "options.visibility", NULL);

    /* YouTube */
    shape("youtube",
          "{\"title\": \"T\", \"privacy\": \"unlisted\", \"made_for_kids\": false, "
          "\"category_id\": \"22\", \"tags\": [\"a\", \"b c\"]}",
          NULL, NULL);
    shape("youtube", "{\"privacy\": \"private\"}", NULL, NULL);
    shape("youtube", "{\"privacy\": \"public\"}", NULL, NULL);
    shape("youtube", "{\"title\": 7}", "options.title", "string");
    shape("youtube", "{\"title\": null}", "options.title", "string");
    shape("youtube", "{\"privacy\": \"friends\"}", "options.privacy", "public, unlisted");
    shape("youtube", "{\"privacy\": \"Public\"}", "options.privacy", NULL);
    shape("youtube", "{\"made_for_kids\": \"false\"}", "options.made_for_kids", "true or false");
    shape("youtube", "{\"made_for_kids\": 0}", "options.made_for_kids", NULL);
    shape("youtube", "{\"category_id\": \"1\"}", NULL, NULL);
    shape("youtube", "{\"category_id\": \"9999\"}", NULL, NULL);
    shape("youtube", "{\"category_id\": 22}", "options.category_id", "category number");
    shape("youtube", "{\"category_id\": \"\"}", "options.category_id", NULL);
    shape("youtube", "{\"category_id\": \"12345\"}", "options.category_id", NULL);
    shape("youtube", "{\"category_id\": \"2a\"}", "options.category_id", NULL);
    shape("youtube", "{\"category_id\": \"-2\"}", "options.category_id", NULL);
    shape("youtube", "{\"tags\": []}", NULL, NULL);
    shape("youtube", "{\"tags\": \"a,b\"}", "options.tags", "list of strings");
    shape("youtube", "{\"tags\": [\"a\", 2]}", "options.tags", "list of strings");
    shape("youtube", "{\"tags\": [null]}", "options.tags", NULL);
    {
        json_t *o = json_object(), *tags = json_array();
        for (int i = 0; i < 500; i++)
            json_array_append_new(tags, json_string("t"));
        json_object_set_new(o, "tags", tags);
        assert_int_equal(rules_options_shape("youtube", o, f, sizeof f, msg, sizeof msg), 0);
        json_array_append_new(tags, json_string("t"));
        assert_int_equal(rules_options_shape("youtube", o, f, sizeof f, msg, sizeof msg), -1);
        assert_string_equal(f, "options.tags");
        json_decref(o);
    }

    /* X */
    static const char *const replies[] = {"everyone", "following", "mentionedUsers", "subscribers",
                                          "verified"};
    for (size_t i = 0; i < 5; i++) {
        char *o = fmt("{\"reply_settings\": \"%s\"}", replies[i]);
        shape("x", o, NULL, NULL);
        free(o);
    }
    shape("x", "{\"reply_settings\": \"nobody\"}", "options.reply_settings", "everyone");
    shape("x", "{\"reply_settings\": \"Following\"}", "options.reply_settings", NULL);
    shape("x", "{\"reply_settings\": null}", "options.reply_settings", NULL);
}

static void test_options_shape_thread(void **state)
{
    (void)state;
    shape("x", "{\"thread\": []}", NULL, NULL);
    shape("x", "{\"thread\": [{\"text\": \"a\"}, {\"media\": [1, 2, 3, 4]}, {}]}", NULL, NULL);
    shape("x", "{\"thread\": [{\"text\": \"a\", \"media\": []}]}", NULL, NULL);
    shape("x", "{\"thread\": {\"text\": \"a\"}}", "options.thread", "list of");
    shape("x", "{\"thread\": \"a\"}", "options.thread", "list of");
    shape("x", "{\"thread\": null}", "options.thread", NULL);
    /* parts must be objects */
    shape("x", "{\"thread\": [\"a\"]}", "options.thread", "list of");
    shape("x", "{\"thread\": [{\"text\": \"a\"}, null]}", "options.thread", NULL);
    shape("x", "{\"thread\": [[]]}", "options.thread", NULL);
    /* part members */
    shape("x", "{\"thread\": [{\"text\": 1}]}", "options.thread", NULL);
    shape("x", "{\"thread\": [{\"text\": null}]}", "options.thread", NULL);
    shape("x", "{\"thread\": [{\"text\": \"a\", \"poll\": {}}]}", "options.thread", NULL);
    shape("x", "{\"thread\": [{\"media\": 5}]}", "options.thread", NULL);
    shape("x", "{\"thread\": [{\"media\": [1, 2, 3, 4, 5]}]}", "options.thread", NULL);
    /* media ids: positive integers */
    shape("x", "{\"thread\": [{\"media\": [0]}]}", "options.thread", NULL);
    shape("x", "{\"thread\": [{\"media\": [-3]}]}", "options.thread", NULL);
    shape("x", "{\"thread\": [{\"media\": [\"5\"]}]}", "options.thread", NULL);
    shape("x", "{\"thread\": [{\"media\": [1.5]}]}", "options.thread", NULL);
    shape("x", "{\"thread\": [{\"media\": [null]}]}", "options.thread", NULL);
    shape("x", "{\"thread\": [{\"media\": [9007199254740993]}]}", NULL, NULL);

    /* at most 24 further posts */
    json_t *o = json_object(), *thread = json_array();
    for (int i = 0; i < 24; i++)
        json_array_append_new(thread, json_pack("{s:s}", "text", "part"));
    json_object_set_new(o, "thread", thread);
    char f[96], msg[200];
    assert_int_equal(rules_options_shape("x", o, f, sizeof f, msg, sizeof msg), 0);
    json_array_append_new(thread, json_pack("{s:s}", "text", "part"));
    assert_int_equal(rules_options_shape("x", o, f, sizeof f, msg, sizeof msg), -1);
    assert_string_equal(f, "options.thread");
    assert_non_null(strstr(msg, "at most 24"));

    /* the first bad option is named, even after good ones */
    json_object_set_new(o, "thread", json_array());
    json_object_set_new(o, "reply_settings", json_string("nobody"));
    assert_int_equal(rules_options_shape("x", o, f, sizeof f, msg, sizeof msg), -1);
    assert_string_equal(f, "options.reply_settings");

    /* small buffers are cut, not overrun */
    char tiny[4], tmsg[5];
    assert_int_equal(rules_options_shape("x", o, tiny, sizeof tiny, tmsg, sizeof tmsg), -1);
    assert_string_equal(tiny, "opt");
    assert_int_equal(strlen(tmsg), 4);
    json_decref(o);
}

/* A full thread of 24 parts, each with four images, through rules_check. */
static void test_x_full_thread(void **state)
{
    (void)state;
    rules_media *lib = items(4, square_jpeg());
    json_t *o = json_object(), *thread = json_array();
    char *t281 = rep("b", 281);
    for (int i = 0; i < 24; i++)
        json_array_append_new(thread, json_pack("{s:s, s:[i,i,i,i]}", "text",
                                                i == 23 ? t281 : "part", "media", 1, 2, 3, 4));
    json_object_set_new(o, "thread", thread);
    char f[96], msg[200];
    assert_int_equal(rules_options_shape("x", o, f, sizeof f, msg, sizeof msg), 0);
    rules_target t = {9, "x", "Acme", "post", NULL, o};
    rules_post p = {"first", lib, 4, lib, 4, &t, 1};
    result r = run(&p);
    want_problem(&r, "targets[0].options.thread[23].text", "this is 281");
    assert_int_equal(json_array_size(r.problems), 1);
    assert_int_equal(json_array_size(json_object_get(json_array_get(r.out, 0), "counters")), 25);
    done(&r);
    json_decref(o);
    free(t281);
    free(lib);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_x_text_limit),
        cmocka_unit_test(test_x_links_and_emoji),
        cmocka_unit_test(test_x_empty_text),
        cmocka_unit_test(test_x_images),
        cmocka_unit_test(test_x_video),
        cmocka_unit_test(test_x_animated_gif),
        cmocka_unit_test(test_x_thread_text),
        cmocka_unit_test(test_x_thread_media),
        cmocka_unit_test(test_x_full_thread),
        cmocka_unit_test(test_facebook_text),
        cmocka_unit_test(test_facebook_post_kind),
        cmocka_unit_test(test_facebook_photos),
        cmocka_unit_test(test_facebook_video_reel),
        cmocka_unit_test(test_instagram_caption),
        cmocka_unit_test(test_instagram_hashtags_mentions),
        cmocka_unit_test(test_instagram_needs_media),
        cmocka_unit_test(test_instagram_image),
        cmocka_unit_test(test_instagram_carousel),
        cmocka_unit_test(test_instagram_reel),
        cmocka_unit_test(test_instagram_story),
        cmocka_unit_test(test_instagram_options),
        cmocka_unit_test(test_linkedin),
        cmocka_unit_test(test_youtube_title),
        cmocka_unit_test(test_youtube_description),
        cmocka_unit_test(test_youtube_tags),
        cmocka_unit_test(test_youtube_media_and_kids),
        cmocka_unit_test(test_derived_kinds),
        cmocka_unit_test(test_several_targets),
        cmocka_unit_test(test_note_shapes),
        cmocka_unit_test(test_kind_known),
        cmocka_unit_test(test_options_shape),
        cmocka_unit_test(test_options_shape_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
