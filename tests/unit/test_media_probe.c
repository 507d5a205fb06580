/*
 * test_media_probe.c - media/probe.h: what uploaded bytes really are,
 * refusals with their reasons, and JPEG thumbnails.
 *
 * Images are made at run time with libvips in a temporary directory.  The
 * videos are committed under tests/fixtures/ (the test runs from the
 * repository root), made once with the ffmpeg command-line tool:
 *
 *   ffmpeg -f lavfi -i testsrc=size=160x90:rate=25 -f lavfi -i sine=frequency=440 -t 2 \
 *          -c:v libx264 -preset veryslow -crf 36 -pix_fmt yuv420p -c:a aac -b:a 32k \
 *          -shortest -movflags +faststart -map_metadata -1 -fflags +bitexact clip-160x90.mp4
 *   (the same without -movflags +faststart into clip-160x90.mov; size=90x160 into
 *   clip-90x160.mp4)
 *   clip-rot90.mp4: 1 s of testsrc 160x90, no audio, -crf 40, whose track header
 *   matrix was then set to a quarter turn clockwise (shown as 90x160)
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "media/probe.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vips/vips.h>

#define FIX "tests/fixtures/"

static char dir[64];

static const char *tmp(const char *name)
{
    static char paths[8][400];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%.64s/%.300s", dir, name);
    return p;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

static void spit(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

/* A w x h picture of noise (so JPEGs have real entropy data), bands 1..4, 8 bit. */
static VipsImage *noise(int w, int h, int bands)
{
    VipsImage *ch[4] = {NULL, NULL, NULL, NULL}, *out = NULL;
    for (int i = 0; i < bands; i++) {
        VipsImage *g = NULL;
        assert_int_equal(vips_gaussnoise(&g, w, h, "mean", 128.0, "sigma", 50.0, "seed", 7, NULL),
                         0);
        assert_int_equal(vips_cast(g, &ch[i], VIPS_FORMAT_UCHAR, NULL), 0);
        g_object_unref(g);
    }
    assert_int_equal(vips_bandjoin(ch, &out, bands, NULL), 0);
    for (int i = 0; i < bands; i++)
        g_object_unref(ch[i]);
    VipsImage *tagged = NULL;
    assert_int_equal(vips_copy(out, &tagged, "interpretation",
                               bands >= 3 ? VIPS_INTERPRETATION_sRGB : VIPS_INTERPRETATION_B_W,
                               NULL),
                     0);
    g_object_unref(out);
    return tagged;
}

/* frames pictures of w x h stacked as one animation. */
static VipsImage *animation(int w, int h, int frames, int bands)
{
    VipsImage *strip = noise(w, h * frames, bands), *out = NULL;
    assert_int_equal(vips_copy(strip, &out, NULL), 0);
    g_object_unref(strip);
    vips_image_set_int(out, "page-height", h);
    int delay[8] = {100, 100, 100, 100, 100, 100, 100, 100};
    vips_image_set_array_int(out, "delay", delay, frames < 8 ? frames : 8);
    return out;
}

/* Rewrite the width, height and interlace method of a PNG's IHDR (and its CRC). */
static void png_resize_header(const char *path, uint32_t w, uint32_t h, int interlaced)
{
    size_t n;
    unsigned char *b = slurp(path, &n);
    assert_true(n > 33 && memcmp(b + 12, "IHDR", 4) == 0);
    for (int i = 0; i < 4; i++) {
        b[16 + i] = (unsigned char)(w >> (24 - 8 * i));
        b[20 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    b[28] = (unsigned char)interlaced;
    uint32_t crc = 0xffffffffu;
    for (size_t i = 12; i < 29; i++) {
        crc ^= b[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    crc ^= 0xffffffffu;
    for (int i = 0; i < 4; i++)
        b[29 + i] = (unsigned char)(crc >> (24 - 8 * i));
    spit(path, b, n);
    free(b);
}

static int setup(void **state)
{
    (void)state;
    if (media_probe_init() != 0 || media_probe_init() != 0) /* twice is fine */
        return -1;
    snprintf(dir, sizeof dir, "/tmp/p2s-probe-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;

    VipsImage *rgb = noise(320, 240, 3);
    if (vips_jpegsave(rgb, tmp("photo.jpg"), "Q", 90, NULL) != 0 ||
        vips_pngsave(rgb, tmp("photo.png"), NULL) != 0 ||
        vips_webpsave(rgb, tmp("photo.webp"), NULL) != 0 ||
        vips_gifsave(rgb, tmp("photo.gif"), NULL) != 0)
        return -1;
    g_object_unref(rgb);

    /* 200x100 as stored, EXIF orientation 6 (a quarter turn clockwise): shown 100x200. */
    VipsImage *wide = noise(200, 100, 3), *turned = NULL;
    if (vips_copy(wide, &turned, NULL) != 0)
        return -1;
    vips_image_set_int(turned, VIPS_META_ORIENTATION, 6);
    if (vips_jpegsave(turned, tmp("rotated.jpg"), NULL) != 0)
        return -1;
    g_object_unref(turned);
    g_object_unref(wide);

    VipsImage *alpha = noise(200, 250, 4);
    if (vips_pngsave(alpha, tmp("alpha.png"), NULL) != 0)
        return -1;
    g_object_unref(alpha);

    VipsImage *anim = animation(64, 48, 3, 3);
    if (vips_gifsave(anim, tmp("anim.gif"), NULL) != 0 ||
        vips_webpsave(anim, tmp("anim.webp"), NULL) != 0)
        return -1;
    g_object_unref(anim);

    /* Over 4 megapixels: decode-checked through shrink-on-load. */
    VipsImage *big = NULL;
    if (vips_black(&big, 2400, 1800, "bands", 3, NULL) != 0 ||
        vips_jpegsave(big, tmp("big.jpg"), NULL) != 0 ||
        vips_webpsave(big, tmp("big.webp"), NULL) != 0)
        return -1;
    g_object_unref(big);

    /* Broken files. */
    size_t n;
    unsigned char *b = slurp(tmp("photo.jpg"), &n);
    spit(tmp("truncated.jpg"), b, n * 6 / 10);
    for (size_t i = n / 2; i < n / 2 + 300; i++)
        b[i] ^= 0x5a;
    spit(tmp("corrupt.jpg"), b, n);
    free(b);
    b = slurp(tmp("photo.png"), &n);
    spit(tmp("truncated.png"), b, n * 6 / 10);
    free(b);
    b = slurp(tmp("big.jpg"), &n);
    spit(tmp("big-truncated.jpg"), b, n * 6 / 10);
    free(b);
    b = slurp(tmp("anim.gif"), &n);
    spit(tmp("anim-truncated.gif"), b, n * 6 / 10);
    spit(tmp("anim-no-trailer.gif"), b, n - 1); /* every frame whole: fine */
    free(b);
    b = slurp(tmp("photo.webp"), &n);
    spit(tmp("truncated.webp"), b, n * 6 / 10);
    free(b);
    b = slurp(tmp("anim.webp"), &n);
    spit(tmp("anim-truncated.webp"), b, n * 6 / 10);
    free(b);
    b = slurp(FIX "clip-160x90.mp4", &n);
    spit(tmp("cut.mp4"), b, n / 2);
    free(b);
    b = slurp(FIX "clip-160x90.mov", &n);
    spit(tmp("cut.mov"), b, n / 2);
    free(b);
    const char text[] = "This is a letter, not a picture.\nRegards\n";
    spit(tmp("letter.jpg"), text, sizeof text - 1);
    spit(tmp("empty.png"), "", 0);

    /* A PNG that claims 12000x12000 (144 megapixels). */
    VipsImage *small = noise(8, 8, 3);
    if (vips_pngsave(small, tmp("bomb.png"), NULL) != 0)
        return -1;
    g_object_unref(small);
    b = slurp(tmp("bomb.png"), &n);
    spit(tmp("interlaced.png"), b, n);
    free(b);
    png_resize_header(tmp("bomb.png"), 12000, 12000, 0);
    /* 90 megapixels, interlaced: libpng would hold all of it (4 bytes a pixel). */
    png_resize_header(tmp("interlaced.png"), 9500, 9500, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] != '.')
                unlink(tmp(e->d_name));
        }
        closedir(d);
    }
    rmdir(dir);
    return 0;
}

static media_info probe_ok(const char *path, const char *declared)
{
    media_info mi;
    char why[256] = "";
    app_err e = media_probe(path, declared, &mi, why, sizeof why);
    if (e != APP_OK)
        fail_msg("%s refused: %s", path, why);
    return mi;
}

/* Refused with APP_EINVAL and a reason containing want. */
static void probe_refused(const char *path, const char *declared, const char *want)
{
    media_info mi;
    char why[256] = "";
    app_err e = media_probe(path, declared, &mi, why, sizeof why);
    if (e != APP_EINVAL)
        fail_msg("%s: expected a refusal, got %s (%s)", path, app_err_name(e), why);
    if (strstr(why, want) == NULL)
        fail_msg("%s: reason '%s' lacks '%s'", path, why, want);
}

/* A thumbnail of path is a JPEG of exactly want_w x want_h. */
static void thumb_ok(const char *path, int max_side, int want_w, int want_h)
{
    media_info mi = probe_ok(path, NULL);
    const char *out = tmp("thumb.jpg");
    char why[256] = "";
    unlink(out);
    if (media_thumbnail(path, &mi, max_side, out, why, sizeof why) != APP_OK)
        fail_msg("thumbnail of %s: %s", path, why);
    size_t n;
    unsigned char *b = slurp(out, &n);
    assert_true(n > 100);
    assert_int_equal(b[0], 0xFF);
    assert_int_equal(b[1], 0xD8);
    free(b);
    VipsImage *img = vips_image_new_from_file(out, NULL);
    assert_non_null(img);
    int w = vips_image_get_width(img), h = vips_image_get_height(img);
    g_object_unref(img);
    if (w != want_w || h != want_h)
        fail_msg("thumbnail of %s is %dx%d, want %dx%d", path, w, h, want_w, want_h);
    assert_true(w <= max_side && h <= max_side);
    unlink(out);
}

static void test_images(void **state)
{
    (void)state;
    media_info mi = probe_ok(tmp("photo.jpg"), "image/jpeg");
    assert_int_equal(mi.kind, MEDIA_IMAGE);
    assert_string_equal(mi.mime, "image/jpeg");
    assert_string_equal(mi.format, "jpeg");
    assert_int_equal(mi.width, 320);
    assert_int_equal(mi.height, 240);
    assert_int_equal(mi.orientation, 1);
    assert_int_equal(mi.animated, 0);
    assert_int_equal(mi.frames, 1);
    assert_true(mi.size > 1000);
    assert_int_equal(mi.duration_s, 0);

    mi = probe_ok(tmp("photo.png"), NULL);
    assert_string_equal(mi.mime, "image/png");
    assert_string_equal(mi.format, "png");
    assert_int_equal(mi.width, 320);
    assert_int_equal(mi.height, 240);

    mi = probe_ok(tmp("photo.webp"), "image/webp");
    assert_string_equal(mi.mime, "image/webp");
    assert_string_equal(mi.format, "webp");
    assert_int_equal(mi.width, 320);
    assert_int_equal(mi.animated, 0);

    mi = probe_ok(tmp("photo.gif"), "image/gif");
    assert_string_equal(mi.mime, "image/gif");
    assert_string_equal(mi.format, "gif");
    assert_int_equal(mi.height, 240);
    assert_int_equal(mi.animated, 0);
    assert_int_equal(mi.frames, 1);

    mi = probe_ok(tmp("alpha.png"), "image/png");
    assert_int_equal(mi.width, 200);
    assert_int_equal(mi.height, 250);

    mi = probe_ok(tmp("big.jpg"), NULL);
    assert_int_equal(mi.width, 2400);
    assert_int_equal(mi.height, 1800);
    mi = probe_ok(tmp("big.webp"), NULL);
    assert_int_equal(mi.width, 2400);
    assert_int_equal(mi.height, 1800);
}

static void test_orientation_and_animation(void **state)
{
    (void)state;
    media_info mi = probe_ok(tmp("rotated.jpg"), NULL);
    assert_int_equal(mi.orientation, 6);
    assert_int_equal(mi.width, 100); /* as displayed */
    assert_int_equal(mi.height, 200);

    mi = probe_ok(tmp("anim.gif"), "image/gif");
    assert_int_equal(mi.animated, 1);
    assert_int_equal(mi.frames, 3);
    assert_int_equal(mi.width, 64);
    assert_int_equal(mi.height, 48);

    mi = probe_ok(tmp("anim-no-trailer.gif"), NULL);
    assert_int_equal(mi.frames, 3);

    mi = probe_ok(tmp("anim.webp"), NULL);
    assert_string_equal(mi.mime, "image/webp");
    assert_int_equal(mi.animated, 1);
    assert_int_equal(mi.frames, 3);
    assert_int_equal(mi.width, 64);
    assert_int_equal(mi.height, 48);
}

static void test_declared_types(void **state)
{
    (void)state;
    probe_refused(tmp("photo.png"), "image/jpeg", "the file is PNG, not JPEG as declared");
    probe_refused(tmp("photo.jpg"), "image/png", "the file is JPEG, not PNG as declared");
    probe_refused(tmp("photo.gif"), "image/webp", "the file is GIF, not WebP as declared");
    probe_refused(FIX "clip-160x90.mp4", "image/png", "the file is MP4, not PNG as declared");
    probe_refused(tmp("photo.jpg"), "video/mp4", "the file is JPEG, not MP4 as declared");
    probe_refused(FIX "clip-160x90.mp4", "image/*", "the file is MP4, not image/* as declared");
    probe_refused(tmp("photo.jpg"), "image/heic", "the file is JPEG, not image/heic as declared");
    /* Same type under another name, generic claims, parameters, case. */
    probe_ok(tmp("photo.jpg"), "image/jpg");
    probe_ok(tmp("photo.jpg"), "IMAGE/JPEG; charset=binary");
    probe_ok(tmp("photo.jpg"), "application/octet-stream");
    probe_ok(tmp("photo.jpg"), "");
    probe_ok(tmp("photo.jpg"), "image/*");
    /* MP4 and MOV are one family: a .mov name on an MP4 is not a lie worth refusing. */
    media_info mi = probe_ok(FIX "clip-160x90.mp4", "video/quicktime");
    assert_string_equal(mi.mime, "video/mp4");
}

static void test_refusals(void **state)
{
    (void)state;
    probe_refused(tmp("letter.jpg"), "image/jpeg", "not a supported image or video");
    probe_refused(tmp("letter.jpg"), NULL, "text/plain");
    probe_refused(tmp("empty.png"), NULL, "the file is empty");
    probe_refused(tmp("truncated.jpg"), "image/jpeg", "the image cannot be decoded: ");
    probe_refused(tmp("corrupt.jpg"), NULL, "the image cannot be decoded: ");
    probe_refused(tmp("truncated.png"), NULL, "the image cannot be decoded: ");
    probe_refused(tmp("big-truncated.jpg"), NULL, "the image cannot be decoded: ");
    probe_refused(tmp("anim-truncated.gif"), NULL, "the image cannot be decoded: ");
    probe_refused(tmp("truncated.webp"), NULL, "the image cannot be decoded: ");
    probe_refused(tmp("anim-truncated.webp"), NULL, "the image cannot be decoded: ");
    probe_refused(tmp("bomb.png"), "image/png", "12000x12000");
    probe_refused(tmp("bomb.png"), NULL, "the limit is 100 megapixels");
    probe_refused(tmp("interlaced.png"), NULL,
                  "the interlaced PNG is 9500x9500 pixels; decoding it would need about 344 MB");
    probe_refused(tmp("cut.mp4"), "video/mp4", "the video cannot be decoded: ");
    probe_refused(tmp("cut.mov"), NULL, "the video cannot be decoded: ");

    /* The reason never shows the server's path. */
    media_info mi;
    char why[256];
    assert_int_equal(media_probe(tmp("truncated.jpg"), NULL, &mi, why, sizeof why), APP_EINVAL);
    assert_null(strstr(why, dir));
    assert_int_equal(mi.kind, 0);
    /* Missing file: an I/O error, not a refusal. */
    assert_int_equal(media_probe(tmp("nothing-here.jpg"), NULL, &mi, why, sizeof why), APP_EIO);
    assert_int_equal(media_probe(dir, NULL, &mi, why, sizeof why), APP_EIO);
    /* A tiny why buffer is fine. */
    char tiny[8];
    assert_int_equal(media_probe(tmp("letter.jpg"), NULL, &mi, tiny, sizeof tiny), APP_EINVAL);
    assert_int_equal(strlen(tiny), 7);
}

static void test_videos(void **state)
{
    (void)state;
    media_info mi = probe_ok(FIX "clip-160x90.mp4", "video/mp4");
    assert_int_equal(mi.kind, MEDIA_VIDEO);
    assert_string_equal(mi.mime, "video/mp4");
    assert_string_equal(mi.format, "mp4");
    assert_int_equal(mi.width, 160);
    assert_int_equal(mi.height, 90);
    assert_true(mi.duration_s > 1.9 && mi.duration_s < 2.1);
    assert_true(mi.fps > 24.99 && mi.fps < 25.01);
    assert_string_equal(mi.video_codec, "h264");
    assert_string_equal(mi.audio_codec, "aac");
    assert_true(mi.bitrate > 10000 && mi.bitrate < 1000000);
    assert_int_equal(mi.orientation, 1);
    assert_int_equal(mi.animated, 0);
    assert_int_equal(mi.frames, 50);
    assert_true(mi.size > 1000);

    mi = probe_ok(FIX "clip-160x90.mov", "video/quicktime");
    assert_string_equal(mi.mime, "video/quicktime");
    assert_string_equal(mi.format, "mov");
    assert_int_equal(mi.width, 160);
    assert_int_equal(mi.height, 90);
    assert_true(mi.duration_s > 1.9 && mi.duration_s < 2.1);
    assert_string_equal(mi.video_codec, "h264");
    assert_string_equal(mi.audio_codec, "aac");

    mi = probe_ok(FIX "clip-90x160.mp4", NULL);
    assert_int_equal(mi.width, 90);
    assert_int_equal(mi.height, 160);
    assert_true(mi.fps > 24.99 && mi.fps < 25.01);

    /* Stored 160x90 with a quarter-turn display matrix: shown 90x160. */
    mi = probe_ok(FIX "clip-rot90.mp4", NULL);
    assert_int_equal(mi.width, 90);
    assert_int_equal(mi.height, 160);
    assert_int_equal(mi.orientation, 6);
    assert_string_equal(mi.audio_codec, "");
    assert_true(mi.duration_s > 0.9 && mi.duration_s < 1.1);
}

static void test_thumbnails(void **state)
{
    (void)state;
    thumb_ok(tmp("photo.jpg"), 64, 64, 48);
    thumb_ok(tmp("photo.png"), 100, 100, 75);
    thumb_ok(tmp("photo.webp"), 64, 64, 48);
    thumb_ok(tmp("photo.gif"), 64, 64, 48);
    thumb_ok(tmp("rotated.jpg"), 64, 32, 64); /* orientation applied */
    thumb_ok(tmp("alpha.png"), 50, 40, 50);   /* alpha flattened */
    thumb_ok(tmp("anim.gif"), 32, 32, 24);    /* first frame */
    thumb_ok(tmp("anim.webp"), 32, 32, 24);
    thumb_ok(tmp("photo.jpg"), 1000, 320, 240); /* never enlarged */
    thumb_ok(tmp("big.jpg"), 400, 400, 300);
    thumb_ok(tmp("big.webp"), 400, 400, 300);
    thumb_ok(FIX "clip-160x90.mp4", 64, 64, 36);
    thumb_ok(FIX "clip-160x90.mov", 64, 64, 36);
    thumb_ok(FIX "clip-90x160.mp4", 64, 36, 64);
    thumb_ok(FIX "clip-rot90.mp4", 64, 36, 64); /* turned as displayed */
    thumb_ok(FIX "clip-160x90.mp4", 640, 160, 90);
    thumb_ok(FIX "clip-90x160.mp4", 640, 90, 160); /* unscaled: swscale writes whole blocks */

    /* No info: the file is probed first. */
    char why[256];
    assert_int_equal(media_thumbnail(tmp("photo.jpg"), NULL, 32, tmp("t2.jpg"), why, sizeof why),
                     APP_OK);
    assert_int_equal(media_thumbnail(tmp("letter.jpg"), NULL, 32, tmp("t3.jpg"), why, sizeof why),
                     APP_EINVAL);
    assert_int_equal(media_thumbnail(tmp("photo.jpg"), NULL, 0, tmp("t3.jpg"), why, sizeof why),
                     APP_EINVAL);
    /* Info that does not match the bytes is refused, not trusted. */
    media_info mi = probe_ok(tmp("photo.png"), NULL);
    assert_int_equal(media_thumbnail(tmp("letter.jpg"), &mi, 32, tmp("t3.jpg"), why, sizeof why),
                     APP_EINVAL);
    struct stat sb;
    assert_int_not_equal(stat(tmp("t3.jpg"), &sb), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_images),         cmocka_unit_test(test_orientation_and_animation),
        cmocka_unit_test(test_declared_types), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_videos),         cmocka_unit_test(test_thumbnails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
