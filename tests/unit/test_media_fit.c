/*
 * test_media_fit.c - the per-platform fit checks (media/fit.h): every limit
 * just inside and just outside, which targets apply to which kind, and
 * problems and warnings in plain words.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "media/fit.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* A JPEG that fits every image target. */
static media_facts jpeg(int w, int h, int64_t size)
{
    media_facts f = {.kind = "image",
                     .mime = "image/jpeg",
                     .format = "jpeg",
                     .size = size,
                     .width = w,
                     .height = h};
    return f;
}

/* An image of another format. */
static media_facts image_of(const char *format, const char *mime, int64_t size)
{
    media_facts f = jpeg(1080, 1080, size);
    f.format = format;
    f.mime = mime;
    return f;
}

/* A vertical H.264/AAC MP4 that fits every video target but YouTube Shorts' length. */
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

static media_facts good_video(void)
{
    return mp4(576, 1024, 10, 5000000); /* 9:16, within X's 1280 by 1024 */
}

/* Does any string of the array contain needle? */
static int has(const json_t *arr, const char *needle)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strstr(json_string_value(v), needle) != NULL) return 1;
    return 0;
}

/* Check target: ok or not; when not, a problem containing needle. */
static void expect(const char *target, media_facts f, int ok, const char *needle)
{
    json_t *r = media_fit_target(target, &f);
    if (r == NULL)
        fail_msg("%s does not apply", target);
    json_t *problems = json_object_get(r, "problems");
    if (json_is_true(json_object_get(r, "ok")) != (ok != 0) ||
        (ok != 0) != (json_array_size(problems) == 0)) {
        char *dump = json_dumps(r, 0);
        print_error("%s: %s\n", target, dump);
        free(dump);
        fail_msg("%s: expected %s", target, ok ? "a fit" : "a problem");
    }
    if (needle != NULL && !has(problems, needle)) {
        char *dump = json_dumps(r, 0);
        print_error("%s: %s\n", target, dump);
        free(dump);
        fail_msg("%s: no problem mentions \"%s\"", target, needle);
    }
    json_decref(r);
}

/* Check target's warnings: one containing needle (or none at all when needle is NULL). */
static void expect_warning(const char *target, media_facts f, const char *needle)
{
    json_t *r = media_fit_target(target, &f);
    assert_non_null(r);
    json_t *w = json_object_get(r, "warnings");
    if (needle == NULL ? json_array_size(w) != 0 : !has(w, needle)) {
        char *dump = json_dumps(r, 0);
        print_error("%s: %s\n", target, dump);
        free(dump);
        fail_msg("%s: warnings not as expected (%s)", target, needle ? needle : "none");
    }
    json_decref(r);
}

static void test_facebook(void **state)
{
    (void)state;
    expect("facebook_photo", jpeg(1080, 1080, 3999999), 1, NULL);
    expect("facebook_photo", jpeg(1080, 1080, 4000000), 0, "under 4 MB");
    expect("facebook_photo", image_of("png", "image/png", 1000), 1, NULL);
    expect("facebook_photo", image_of("gif", "image/gif", 1000), 0, "JPG or PNG");
    expect("facebook_photo", image_of("webp", "image/webp", 1000), 0, "this file is WebP");
    /* video limits are unconfirmed: any accepted video fits */
    media_facts v = good_video();
    v.format = "mov";
    v.mime = "video/quicktime";
    v.duration_s = 3600;
    expect("facebook_video", v, 1, NULL);
    expect_warning("facebook_video", v, NULL);
}

static void test_instagram_image(void **state)
{
    (void)state;
    const char *targets[] = {"instagram_image", "instagram_carousel_item"};
    for (size_t i = 0; i < 2; i++) {
        const char *t = targets[i];
        expect(t, jpeg(1080, 1080, 8000000), 1, NULL);
        expect(t, jpeg(1080, 1080, 8000001), 0, "at most 8 MB");
        /* JPEG only (decision in fit.c) */
        expect(t, image_of("png", "image/png", 1000), 0, "must be JPEG; this file is PNG");
        expect(t, image_of("gif", "image/gif", 1000), 0, "JPEG");
        /* aspect 4:5 .. 1.91:1 */
        expect(t, jpeg(800, 1000, 1000), 1, NULL);
        expect(t, jpeg(799, 1000, 1000), 0, "too tall");
        expect(t, jpeg(1910, 1000, 1000), 1, NULL); /* 1.91 (over 1440 wide: a warning) */
        expect(t, jpeg(1911, 1000, 1000), 0, "too wide");
        expect(t, jpeg(1440, 754, 1000), 1, NULL); /* 1.9098 */
        expect(t, jpeg(1440, 753, 1000), 0, "4:5 to 1.91:1");
        /* width 320..1440 is a scaling hint */
        expect_warning(t, jpeg(320, 320, 1000), NULL);
        expect(t, jpeg(319, 319, 1000), 1, NULL);
        expect_warning(t, jpeg(319, 319, 1000), "narrower than 320 pixels are scaled up");
        expect_warning(t, jpeg(1440, 1440, 1000), NULL);
        expect(t, jpeg(1441, 1441, 1000), 1, NULL);
        expect_warning(t, jpeg(1441, 1441, 1000), "wider than 1440 pixels are scaled down");
    }
    /* the 200x250 PNG of the API tests: refused for its format, warned for its width */
    media_facts png = image_of("png", "image/png", 5000);
    png.width = 200;
    png.height = 250;
    expect("instagram_image", png, 0, "JPEG");
    expect_warning("instagram_image", png, "320");
}

static void test_instagram_reel(void **state)
{
    (void)state;
    const char *targets[] = {"instagram_reel", "instagram_carousel_item", "instagram_story"};
    for (size_t i = 0; i < 3; i++) {
        const char *t = targets[i];
        media_facts v = good_video();
        expect(t, v, 1, NULL);
        expect_warning(t, v, NULL);
        v.format = "mov";
        v.mime = "video/quicktime";
        v.video_codec = "hevc";
        v.audio_codec = NULL; /* no sound is fine */
        expect(t, v, 1, NULL);
        v = good_video();
        v.video_codec = "vp9";
        expect(t, v, 0, "H.264 or HEVC video; this video is VP9");
        v = good_video();
        v.audio_codec = "mp3";
        expect(t, v, 0, "AAC sound; this video's sound is MP3");
        /* 3 s .. 15 min */
        expect(t, mp4(720, 1280, 3.0, 1000000), 1, NULL);
        expect(t, mp4(720, 1280, 2.99, 1000000), 0, "at least 3 seconds");
        expect(t, mp4(720, 1280, 900, 1000000), 1, NULL);
        expect(t, mp4(720, 1280, 900.01, 1000000), 0, "at most 15 minutes");
        /* 23 .. 60 fps */
        v = good_video();
        v.fps = 23;
        expect(t, v, 1, NULL);
        v.fps = 22.98;
        expect(t, v, 0, "23 to 60 frames per second");
        v.fps = 60;
        expect(t, v, 1, NULL);
        v.fps = 60.01;
        expect(t, v, 0, "60.01 frames per second");
        /* size: over 1 GB refused, over 300 MB (disputed) a warning */
        expect_warning(t, mp4(720, 1280, 10, 300000000), NULL);
        expect(t, mp4(720, 1280, 10, 300000001), 1, NULL);
        expect_warning(t, mp4(720, 1280, 10, 300000001), "300 MB");
        expect(t, mp4(720, 1280, 10, 1000000000), 1, NULL);
        expect(t, mp4(720, 1280, 10, 1000000001), 0, "at most 1 GB");
        /* 9:16 is recommended only */
        expect(t, mp4(1280, 720, 10, 1000), 1, NULL);
        expect_warning(t, mp4(1280, 720, 10, 1000), "9:16");
        expect_warning(t, mp4(1080, 1920, 10, 1000), NULL);
    }
}

static void test_instagram_story_image(void **state)
{
    (void)state;
    /* a story image keeps the image rules but not the feed shape */
    expect("instagram_story", jpeg(400, 1000, 1000), 1, NULL);
    expect("instagram_image", jpeg(400, 1000, 1000), 0, "too tall");
    expect_warning("instagram_story", jpeg(1080, 1920, 1000), NULL);
    expect("instagram_story", jpeg(1080, 1080, 1000), 1, NULL);
    expect_warning("instagram_story", jpeg(1080, 1080, 1000), "9:16");
    expect("instagram_story", image_of("png", "image/png", 1000), 0, "JPEG");
    expect("instagram_story", jpeg(1080, 1920, 8000001), 0, "8 MB");
}

static void test_linkedin(void **state)
{
    (void)state;
    /* under 36,152,320 pixels (7360 x 4912 is exactly that many) */
    expect("linkedin_image", jpeg(7360, 4911, 1000), 1, NULL);
    expect("linkedin_image", jpeg(7360, 4912, 1000), 0, "fewer than 36152320");
    expect("linkedin_image", image_of("png", "image/png", 1000), 1, NULL);
    media_facts gif = image_of("gif", "image/gif", 1000);
    gif.animated = 1; /* frame count unknown: not checked */
    expect("linkedin_image", gif, 1, NULL);
    expect("linkedin_image", image_of("webp", "image/webp", 1000), 0, "JPG, PNG or GIF");

    expect("linkedin_video", mp4(1920, 1080, 3, 76800), 1, NULL);
    expect("linkedin_video", mp4(1920, 1080, 3, 76799), 0, "at least 76.8 KB");
    expect("linkedin_video", mp4(1920, 1080, 2.99, 100000), 0, "at least 3 seconds");
    expect("linkedin_video", mp4(1920, 1080, 1800, 500000000), 1, NULL);
    expect("linkedin_video", mp4(1920, 1080, 1800.01, 100000), 0, "at most 30 minutes");
    expect("linkedin_video", mp4(1920, 1080, 10, 500000001), 0, "at most 500 MB");
    media_facts mov = good_video();
    mov.format = "mov";
    mov.mime = "video/quicktime";
    expect("linkedin_video", mov, 0, "must be MP4; this file is MOV");
}

static void test_youtube(void **state)
{
    (void)state;
    expect("youtube_video", mp4(1920, 1080, 7200, 274877906944LL), 1, NULL);
    expect("youtube_video", mp4(1920, 1080, 10, 274877906945LL), 0, "at most 274.88 GB");
    media_facts mov = mp4(1920, 1080, 10, 1000);
    mov.format = "mov";
    mov.video_codec = "prores";
    expect("youtube_video", mov, 1, NULL);

    expect("youtube_short", mp4(1080, 1920, 180, 1000), 1, NULL);
    expect("youtube_short", mp4(1080, 1920, 180.01, 1000), 0, "at most 3 minutes");
    expect("youtube_short", mp4(1080, 1080, 60, 1000), 1, NULL);
    expect("youtube_short", mp4(1081, 1080, 60, 1000), 0, "horizontal");
    expect("youtube_short", mp4(1080, 1920, 10, 274877906945LL), 0, "YouTube videos");
}

static void test_x_image(void **state)
{
    (void)state;
    expect("x_image", jpeg(1080, 1080, 5000000), 1, NULL);
    expect("x_image", jpeg(1080, 1080, 5000001), 0, "at most 5 MB");
    expect("x_image", image_of("webp", "image/webp", 5000000), 1, NULL);
    media_facts gif = image_of("gif", "image/gif", 5000001);
    expect("x_image", gif, 0, "at most 5 MB"); /* a still GIF */
    gif.animated = 1;
    expect("x_image", gif, 1, NULL);
    gif.size = 15000000;
    expect("x_image", gif, 1, NULL);
    gif.size = 15000001;
    expect("x_image", gif, 0, "animated GIFs must be at most 15 MB");
    media_facts webp = image_of("webp", "image/webp", 6000000);
    webp.animated = 1; /* the larger cap is for GIFs only */
    expect("x_image", webp, 0, "at most 5 MB");
}

static void test_x_video(void **state)
{
    (void)state;
    media_facts v = mp4(1280, 720, 30, 1000000);
    expect("x_video", v, 1, NULL);
    v.audio_codec = NULL;
    expect("x_video", v, 1, NULL);
    v.audio_codec = "opus";
    expect("x_video", v, 0, "AAC (AAC-LC) sound; this video's sound is Opus");
    v = mp4(1280, 720, 30, 1000000);
    v.video_codec = "hevc";
    expect("x_video", v, 0, "H.264 video; this video is HEVC");
    v = mp4(1280, 720, 30, 1000000);
    v.format = "mov";
    expect("x_video", v, 0, "must be MP4");
    /* 0.5 .. 140 s */
    expect("x_video", mp4(1280, 720, 0.5, 1000), 1, NULL);
    expect("x_video", mp4(1280, 720, 0.49, 1000), 0, "at least 0.5 seconds");
    expect("x_video", mp4(1280, 720, 140, 1000), 1, NULL);
    expect("x_video", mp4(1280, 720, 140.01, 1000), 0, "at most 140 seconds");
    /* at most 512 MB */
    expect("x_video", mp4(1280, 720, 10, 512000000), 1, NULL);
    expect("x_video", mp4(1280, 720, 10, 512000001), 0, "at most 512 MB");
    /* 32x32 .. 1280x1024 */
    expect("x_video", mp4(32, 32, 10, 1000), 1, NULL);
    expect("x_video", mp4(31, 32, 10, 1000), 0, "from 32 by 32 up to 1280 by 1024");
    expect("x_video", mp4(32, 31, 10, 1000), 0, "31 pixels");
    expect("x_video", mp4(1280, 1024, 10, 1000), 1, NULL);
    expect("x_video", mp4(1281, 1024, 10, 1000), 0, "1281 by 1024");
    expect("x_video", mp4(1280, 1025, 10, 1000), 0, "1280 by 1025");
    /* aspect 1:3 .. 3:1 */
    expect("x_video", mp4(96, 32, 10, 1000), 1, NULL);
    expect("x_video", mp4(97, 32, 10, 1000), 0, "too wide");
    expect("x_video", mp4(32, 96, 10, 1000), 1, NULL);
    expect("x_video", mp4(32, 97, 10, 1000), 0, "1:3 to 3:1");
    /* at most 60 fps */
    v = mp4(1280, 720, 10, 1000);
    v.fps = 60;
    expect("x_video", v, 1, NULL);
    v.fps = 60.01;
    expect("x_video", v, 0, "at most 60 frames per second");
}

static void test_kinds(void **state)
{
    (void)state;
    static const char *const images[] = {"facebook_photo",          "instagram_image",
                                         "instagram_carousel_item", "instagram_story",
                                         "linkedin_image",          "x_image"};
    static const char *const videos[] = {
        "facebook_video", "instagram_reel", "instagram_carousel_item", "instagram_story",
        "linkedin_video", "youtube_video",  "youtube_short",           "x_video"};
    media_facts img = jpeg(1080, 1080, 1000), vid = good_video();
    json_t *a = media_fit_json(&img), *b = media_fit_json(&vid);
    assert_int_equal(json_object_size(a), 6);
    for (size_t i = 0; i < 6; i++)
        assert_non_null(json_object_get(a, images[i]));
    assert_int_equal(json_object_size(b), 8);
    for (size_t i = 0; i < 8; i++)
        assert_non_null(json_object_get(b, videos[i]));
    /* the good items fit everything (the vertical 10 s video is a Short too) */
    const char *k;
    json_t *v;
    json_object_foreach(a, k, v) assert_true(json_is_true(json_object_get(v, "ok")));
    json_object_foreach(b, k, v) assert_true(json_is_true(json_object_get(v, "ok")));
    json_decref(a);
    json_decref(b);

    /* a target of the other kind, an unknown target, an unknown kind */
    assert_null(media_fit_target("x_video", &img));
    assert_null(media_fit_target("youtube_short", &img));
    assert_null(media_fit_target("facebook_photo", &vid));
    assert_null(media_fit_target("tiktok_video", &vid));
    assert_null(media_fit_target(NULL, &vid));
    media_facts odd = img;
    odd.kind = "audio";
    json_t *none = media_fit_json(&odd);
    assert_int_equal(json_object_size(none), 0);
    json_decref(none);
}

static void test_plain_words(void **state)
{
    (void)state;
    /* everything wrong at once: every problem is listed, each a sentence */
    media_facts v = {.kind = "video",
                     .mime = "video/quicktime",
                     .format = "mov",
                     .size = 600000000,
                     .width = 4000,
                     .height = 1000,
                     .duration_s = 141,
                     .fps = 120,
                     .video_codec = "hevc",
                     .audio_codec = "mp3"};
    json_t *r = media_fit_target("x_video", &v);
    assert_non_null(r);
    assert_false(json_is_true(json_object_get(r, "ok")));
    json_t *p = json_object_get(r, "problems");
    assert_int_equal(json_array_size(p), 8);
    size_t i;
    json_t *s;
    json_array_foreach(p, i, s)
    {
        const char *t = json_string_value(s);
        assert_true(t[0] >= 'A' && t[0] <= 'Z');
        assert_int_equal(t[strlen(t) - 1], '.');
        assert_null(strstr(t, "h264"));
        assert_null(strstr(t, "hevc"));
    }
    assert_true(has(p, "The video is 141 seconds long; X videos must be at most 140 seconds."));
    assert_true(has(p, "The file is 600 MB; X videos must be at most 512 MB."));
    assert_true(has(p, "X videos must be MP4; this file is MOV."));
    json_decref(r);

    /* exact sentences for a few more */
    media_facts big = jpeg(1080, 1080, 4200000);
    r = media_fit_target("facebook_photo", &big);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "problems"), 0)),
                        "The file is 4.2 MB; Facebook photos must be under 4 MB.");
    json_decref(r);
    media_facts wide = mp4(160, 90, 2, 30000);
    r = media_fit_target("youtube_short", &wide);
    assert_string_equal(json_string_value(json_array_get(json_object_get(r, "problems"), 0)),
                        "The video is 160 by 90 pixels (horizontal); YouTube Shorts must be "
                        "vertical or square.");
    json_decref(r);

    /* unknown facts (zero) are not held against the item */
    media_facts unknown = mp4(0, 0, 0, 1000);
    unknown.fps = 0;
    expect("x_video", unknown, 1, NULL);
    expect("instagram_reel", unknown, 1, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_facebook),       cmocka_unit_test(test_instagram_image),
        cmocka_unit_test(test_instagram_reel), cmocka_unit_test(test_instagram_story_image),
        cmocka_unit_test(test_linkedin),       cmocka_unit_test(test_youtube),
        cmocka_unit_test(test_x_image),        cmocka_unit_test(test_x_video),
        cmocka_unit_test(test_kinds),          cmocka_unit_test(test_plain_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
