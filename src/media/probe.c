/*
 * probe.c - what an uploaded file really is (see probe.h).
 *
 * 1. The first 64 KiB go to libmagic (MIME type of the bytes); when it is
 *    unsure about an ISO media file, the ftyp box's brands decide.
 * 2. A declared type that names another type than the bytes is refused.
 * 3. Images: the header is read with the loader of that format (never
 *    libvips' own guess), the size checked against the pixel limit, then
 *    every pixel (every frame of an animation) is decoded once through
 *    shrink-on-load where the format has it, sequentially, so memory stays
 *    small and a truncated or corrupt file is refused.
 *    Videos: the mov/mp4 demuxer only (no other demuxer, no protocol but
 *    file), a video stream whose codec libavcodec decodes, sample offsets
 *    inside the file, and one decoded frame.
 *
 * libvips runs with its operation cache off and one worker thread; FFmpeg
 * decodes with one thread.  Library warnings are not printed: what matters
 * reaches the caller as the reason in why.
 */
#define _GNU_SOURCE
#include "media/probe.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <magic.h>
#include <vips/vips.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest picture accepted (decompression bombs). */
#define PIXEL_LIMIT 100000000ULL
/* Memory a decoder may hold at once for a picture that cannot be streamed. */
#define HELD_LIMIT (256ULL << 20)
/* All frames of an animation together, decoded once to check them. */
#define ANIM_PIXEL_LIMIT 1000000000ULL
/* Pictures larger than this are decode-checked through shrink-on-load. */
#define SHRINK_ABOVE 4000000ULL
/* Bytes given to libmagic. */
#define SNIFF_BYTES 65536
/* Packets read (all streams) while looking for one video frame. */
#define MAX_PACKETS 3000
/* Longest reason copied from a library message. */
#define LIB_MSG_MAX 160

typedef struct media_type {
    const char *mime;
    const char *format;
    const char *label; /* for people: "JPEG" */
    media_kind kind;
} media_type;

enum { T_JPEG, T_PNG, T_WEBP, T_GIF, T_MP4, T_MOV, T_COUNT };

static const media_type TYPES[T_COUNT] = {
    [T_JPEG] = {"image/jpeg", "jpeg", "JPEG", MEDIA_IMAGE},
    [T_PNG] = {"image/png", "png", "PNG", MEDIA_IMAGE},
    [T_WEBP] = {"image/webp", "webp", "WebP", MEDIA_IMAGE},
    [T_GIF] = {"image/gif", "gif", "GIF", MEDIA_IMAGE},
    [T_MP4] = {"video/mp4", "mp4", "MP4", MEDIA_VIDEO},
    [T_MOV] = {"video/quicktime", "mov", "MOV", MEDIA_VIDEO},
};

/* ---- start-up ---------------------------------------------------------- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc = -1;
static pthread_mutex_t magic_mu = PTHREAD_MUTEX_INITIALIZER;
static magic_t magic_cookie;

static void quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
    (void)domain;
    (void)level;
    (void)msg;
    (void)data;
}

static void init_libraries(void)
{
    if (vips_init("post2share") != 0)
        return;
    /* No operation cache: every probe reads the file as it is now, and no
     * file stays open after a call. One worker thread per pipeline. */
    vips_cache_set_max(0);
    vips_cache_set_max_mem(0);
    vips_cache_set_max_files(0);
    vips_concurrency_set(1);
    g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO,
                      quiet_log, NULL);
    av_log_set_level(AV_LOG_QUIET);

    magic_cookie = magic_open(MAGIC_MIME_TYPE);
    if (magic_cookie == NULL)
        return;
    if (magic_load(magic_cookie, NULL) != 0) {
        magic_close(magic_cookie);
        magic_cookie = NULL;
        return;
    }
    init_rc = 0;
}

int media_probe_init(void)
{
    pthread_once(&init_once, init_libraries);
    return init_rc;
}

/* ---- small helpers ----------------------------------------------------- */

static void say(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
    if (why == NULL || whylen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/*
 * A library message made fit for people: first line only, printable ASCII,
 * the file's path (a server staging path) replaced by "file", no library
 * prefix like "VipsJpeg: ".
 */
static void clean_msg(const char *msg, const char *path, char *out, size_t outlen)
{
    size_t o = 0;
    if (outlen == 0)
        return;
    if (msg == NULL)
        msg = "";
    const char *colon = strstr(msg, ": ");
    if (colon != NULL && colon - msg < 24 && strncmp(msg, "Vips", 4) == 0)
        msg = colon + 2;
    size_t plen = path != NULL ? strlen(path) : 0;
    for (const char *p = msg; *p != '\0' && *p != '\n' && o + 1 < outlen && o < LIB_MSG_MAX;) {
        if (plen > 0 && strncmp(p, path, plen) == 0) {
            const char *w = "file";
            for (; *w != '\0' && o + 1 < outlen; w++)
                out[o++] = *w;
            p += plen;
            continue;
        }
        unsigned char c = (unsigned char)*p++;
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
    }
    while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '.' || out[o - 1] == '"'))
        o--;
    out[o] = '\0';
    if (o == 0)
        snprintf(out, outlen, "unknown error");
}

/* The libvips error buffer as a reason; the buffer is cleared. */
static void vips_msg(const char *path, char *out, size_t outlen)
{
    clean_msg(vips_error_buffer(), path, out, outlen);
    vips_error_clear();
}

static void av_msg(int rc, char *out, size_t outlen)
{
    char buf[AV_ERROR_MAX_STRING_SIZE];
    if (av_strerror(rc, buf, sizeof buf) != 0)
        snprintf(buf, sizeof buf, "error %d", rc);
    clean_msg(buf, NULL, out, outlen);
}

static void copy_str(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src != NULL ? src : "");
}

/* ---- what the bytes are ------------------------------------------------ */

static int type_by_mime(const char *mime)
{
    for (int i = 0; i < T_COUNT; i++) {
        if (strcmp(TYPES[i].mime, mime) == 0)
            return i;
    }
    return -1;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int brand_type(const unsigned char *b)
{
    static const char *const mp4[] = {"isom", "iso2", "iso3", "iso4", "iso5", "iso6",
                                      "iso7", "iso8", "iso9", "mp41", "mp42", "mp71",
                                      "avc1", "M4V ", "M4VH", "M4VP", "dash", "MSNV",
                                      "NDAS", "XAVC", "f4v ", "mmp4", "cmfc", "cmf2"};
    if (memcmp(b, "qt  ", 4) == 0)
        return T_MOV;
    for (size_t i = 0; i < sizeof mp4 / sizeof mp4[0]; i++) {
        if (memcmp(b, mp4[i], 4) == 0)
            return T_MP4;
    }
    return -1;
}

/* MP4 or MOV from the ftyp box at the start: the major brand, else a compatible one. */
static int ftyp_type(const unsigned char *b, size_t n)
{
    if (n < 16 || memcmp(b + 4, "ftyp", 4) != 0)
        return -1;
    size_t box = be32(b);
    if (box < 16)
        return -1;
    if (box > n)
        box = n;
    int t = brand_type(b + 8);
    if (t >= 0)
        return t;
    for (size_t off = 16; off + 4 <= box; off += 4) {
        t = brand_type(b + off);
        if (t >= 0)
            return t;
    }
    return -1;
}

/*
 * The type of the bytes: libmagic's MIME type, or when that is not one of
 * ours, an ISO media ftyp box or a RIFF WEBP header.  Writes libmagic's
 * answer to seen.  -1 if not accepted.
 */
static int sniff_type(const unsigned char *b, size_t n, char *seen, size_t seenlen)
{
    seen[0] = '\0';
    pthread_mutex_lock(&magic_mu);
    const char *m = magic_buffer(magic_cookie, b, n);
    copy_str(seen, seenlen, m != NULL ? m : "");
    pthread_mutex_unlock(&magic_mu);

    int t = type_by_mime(seen);
    if (t >= 0)
        return t;
    t = ftyp_type(b, n);
    if (t >= 0)
        return t;
    if (n >= 16 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBPVP8", 7) == 0)
        return T_WEBP;
    return -1;
}

/*
 * Does the declared type contradict the bytes (type t)?  Generic claims
 * (empty, application/octet-stream, "image/ *" for an image) do not; MP4
 * and MOV are one container family and stand for each other.  On a
 * contradiction writes the declared type for people to label.
 */
static int declared_conflicts(const char *declared, int t, char *label, size_t labellen)
{
    char d[64];
    size_t o = 0;
    const char *p = declared;
    while (*p == ' ' || *p == '\t')
        p++;
    for (; *p != '\0' && *p != ';' && *p != ' ' && *p != '\t' && o + 1 < sizeof d; p++) {
        unsigned char c = (unsigned char)*p;
        d[o++] = (c >= 0x20 && c < 0x7f) ? (char)tolower(c) : '?';
    }
    d[o] = '\0';
    if (o == 0 || strcmp(d, "application/octet-stream") == 0 ||
        strcmp(d, "binary/octet-stream") == 0 || strcmp(d, "*/*") == 0)
        return 0;

    static const char *const alias[][2] = {
        {"image/jpg", "image/jpeg"},      {"image/pjpeg", "image/jpeg"},
        {"image/x-png", "image/png"},     {"video/x-m4v", "video/mp4"},
        {"video/mov", "video/quicktime"},
    };
    const char *canon = d;
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++) {
        if (strcmp(d, alias[i][0]) == 0)
            canon = alias[i][1];
    }
    int dt = type_by_mime(canon);
    if (dt == t)
        return 0;
    if (dt >= 0 && TYPES[dt].kind == MEDIA_VIDEO && TYPES[t].kind == MEDIA_VIDEO)
        return 0;
    if ((strcmp(d, "image/*") == 0 && TYPES[t].kind == MEDIA_IMAGE) ||
        (strcmp(d, "video/*") == 0 && TYPES[t].kind == MEDIA_VIDEO))
        return 0;
    copy_str(label, labellen, dt >= 0 ? TYPES[dt].label : d);
    return 1;
}

/* ---- images ------------------------------------------------------------- */

/*
 * Open path with the loader of type t only (never libvips' own guess).
 * shrink 0: for the header.  Otherwise for the decode check: every frame,
 * strict about errors, shrunk on load by shrink (1, or 8 for large
 * pictures: JPEG and WebP decode straight to the small size).
 */
static int load_image(int t, const char *path, VipsImage **out, int shrink)
{
    VipsAccess seq = VIPS_ACCESS_SEQUENTIAL;
    *out = NULL;
    switch (t) {
    case T_JPEG:
        /* Warnings too: libjpeg reports corrupt entropy data only as a warning. */
        return shrink ? vips_jpegload(path, out, "access", seq, "shrink", shrink, "fail_on",
                                      VIPS_FAIL_ON_WARNING, NULL)
                      : vips_jpegload(path, out, "access", seq, NULL);
    case T_PNG:
        return shrink ? vips_pngload(path, out, "access", seq, "fail_on", VIPS_FAIL_ON_ERROR, NULL)
                      : vips_pngload(path, out, "access", seq, NULL);
    case T_WEBP:
        return shrink ? vips_webpload(path, out, "access", seq, "n", -1, "scale", 1.0 / shrink,
                                      "fail_on", VIPS_FAIL_ON_ERROR, NULL)
                      : vips_webpload(path, out, "access", seq, NULL);
    case T_GIF:
        return shrink ? vips_gifload(path, out, "access", seq, "n", -1, "fail_on",
                                     VIPS_FAIL_ON_ERROR, NULL)
                      : vips_gifload(path, out, "access", seq, NULL);
    default:
        vips_error("probe", "not an image type");
        return -1;
    }
}

/* What the header says. */
typedef struct image_head {
    int w, h;      /* one frame, as stored */
    int frames;    /* pages */
    int orient;    /* EXIF orientation 1..8 */
    int has_alpha; /* bands include alpha */
} image_head;

/*
 * Bytes per pixel the decoder holds in memory at once, for the formats that
 * cannot stream: progressive JPEG (coefficients of the whole picture),
 * interlaced PNG (the whole picture), GIF (the canvas), animated WebP (the
 * canvas and a frame).  0 for the formats that stream row by row.
 */
static unsigned held_bytes_per_pixel(int t, VipsImage *img, int frames, const char **what)
{
    int interlaced = 0;
    if (vips_image_get_typeof(img, "interlaced") != 0 &&
        vips_image_get_int(img, "interlaced", &interlaced) != 0)
        interlaced = 0;
    unsigned bands = (unsigned)vips_image_get_bands(img);
    unsigned sample = vips_image_get_format(img) == VIPS_FORMAT_USHORT ? 2 : 1;
    switch (t) {
    case T_JPEG: {
        if (!interlaced)
            return 0;
        *what = "progressive JPEG";
        const char *sub = NULL;
        if (vips_image_get_typeof(img, "jpeg-chroma-subsample") != 0 &&
            vips_image_get_string(img, "jpeg-chroma-subsample", &sub) == 0 && sub != NULL &&
            strcmp(sub, "4:2:0") == 0)
            return 3;
        return 2 * bands;
    }
    case T_PNG:
        *what = "interlaced PNG";
        return interlaced ? bands * sample + 1 : 0;
    case T_GIF:
        *what = "GIF";
        return 5;
    case T_WEBP:
        *what = "animated WebP";
        return frames > 1 ? 8 : 0;
    default:
        return 0;
    }
}

/* The header: pixel size of one frame, frames, EXIF orientation; the limits. */
static app_err image_header(int t, const char *path, image_head *hd, char *why, size_t whylen)
{
    VipsImage *img;
    char msg[LIB_MSG_MAX + 1];
    memset(hd, 0, sizeof *hd);
    if (load_image(t, path, &img, 0) != 0) {
        vips_msg(path, msg, sizeof msg);
        say(why, whylen, "the image cannot be decoded: %s", msg);
        return APP_EINVAL;
    }
    hd->w = vips_image_get_width(img);
    hd->h = vips_image_get_page_height(img);
    int n = 1, o = 1;
    if (vips_image_get_typeof(img, "n-pages") != 0 && vips_image_get_int(img, "n-pages", &n) != 0)
        n = 1;
    if (vips_image_get_typeof(img, VIPS_META_ORIENTATION) != 0 &&
        vips_image_get_int(img, VIPS_META_ORIENTATION, &o) != 0)
        o = 1;
    hd->frames = n >= 1 ? n : 1;
    hd->orient = (o >= 1 && o <= 8) ? o : 1;
    hd->has_alpha = vips_image_hasalpha(img);
    const char *what = "";
    unsigned held = held_bytes_per_pixel(t, img, hd->frames, &what);
    vips_error_clear();
    g_object_unref(img);

    if (hd->w <= 0 || hd->h <= 0) {
        say(why, whylen, "the image cannot be decoded: it has no pixels");
        return APP_EINVAL;
    }
    uint64_t px = (uint64_t)hd->w * (uint64_t)hd->h;
    if (px > PIXEL_LIMIT) {
        say(why, whylen,
            "the image is %dx%d pixels (%.0f megapixels); the limit is %llu megapixels", hd->w,
            hd->h, (double)px / 1e6, PIXEL_LIMIT / 1000000ULL);
        return APP_EINVAL;
    }
    if (px * held > HELD_LIMIT) {
        say(why, whylen,
            "the %s is %dx%d pixels; decoding it would need about %llu MB (limit %llu MB): "
            "send a smaller picture",
            what, hd->w, hd->h, (unsigned long long)(px * held >> 20), HELD_LIMIT >> 20);
        return APP_EINVAL;
    }
    if (px * (uint64_t)hd->frames > ANIM_PIXEL_LIMIT) {
        say(why, whylen,
            "the animation is too large: %d frames of %dx%d pixels (limit %llu megapixels in all)",
            hd->frames, hd->w, hd->h, ANIM_PIXEL_LIMIT / 1000000ULL);
        return APP_EINVAL;
    }
    return APP_OK;
}

/* Read and drop n bytes; 0 if they were all there. */
static int skip_bytes(FILE *f, size_t n)
{
    unsigned char buf[256];
    while (n > 0) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        if (fread(buf, 1, k, f) != k)
            return -1;
        n -= k;
    }
    return 0;
}

/* GIF data sub-blocks up to their terminator. */
static int skip_sub_blocks(FILE *f)
{
    for (;;) {
        int n = getc(f);
        if (n == EOF)
            return -1;
        if (n == 0)
            return 0;
        if (skip_bytes(f, (size_t)n) != 0)
            return -1;
    }
}

/*
 * Walk a GIF's blocks to the trailer: 0 if every block is whole (a file
 * that ends between blocks without the trailer byte is accepted), -1 if
 * it is cut inside a block or has bytes that are no block.  The GIF
 * decoder drops a cut frame silently, so this is how truncation shows.
 */
static int gif_complete(const char *path)
{
    FILE *f = fopen(path, "rbe");
    if (f == NULL)
        return -1;
    unsigned char h[13];
    int rc = -1;
    if (fread(h, 1, sizeof h, f) != sizeof h || memcmp(h, "GIF", 3) != 0)
        goto done;
    if ((h[10] & 0x80) && skip_bytes(f, 3u << ((h[10] & 7) + 1)) != 0)
        goto done;
    for (;;) {
        int c = getc(f);
        if (c == EOF || c == 0x3B) {
            rc = 0;
            break;
        }
        if (c == 0x21) { /* extension: label, sub-blocks */
            if (getc(f) == EOF || skip_sub_blocks(f) != 0)
                break;
        } else if (c == 0x2C) { /* image: descriptor, colour table, LZW size, data */
            unsigned char d[9];
            if (fread(d, 1, sizeof d, f) != sizeof d)
                break;
            if ((d[8] & 0x80) && skip_bytes(f, 3u << ((d[8] & 7) + 1)) != 0)
                break;
            if (getc(f) == EOF || skip_sub_blocks(f) != 0)
                break;
        } else {
            break;
        }
    }
done:
    fclose(f);
    return rc;
}

static app_err probe_image(int t, const char *path, media_info *out, char *why, size_t whylen)
{
    image_head hd;
    app_err e = image_header(t, path, &hd, why, whylen);
    if (e != APP_OK)
        return e;
    if (t == T_GIF && gif_complete(path) != 0) {
        say(why, whylen, "the image cannot be decoded: the file is cut short");
        return APP_EINVAL;
    }

    /* Decode every pixel once (small through shrink-on-load) to find
     * truncated and corrupt files. */
    VipsImage *img;
    double avg;
    char msg[LIB_MSG_MAX + 1];
    int shrink = (uint64_t)hd.w * (uint64_t)hd.h > SHRINK_ABOVE ? 8 : 1;
    if (load_image(t, path, &img, shrink) != 0) {
        vips_msg(path, msg, sizeof msg);
        say(why, whylen, "the image cannot be decoded: %s", msg);
        return APP_EINVAL;
    }
    int rc = vips_avg(img, &avg, NULL);
    g_object_unref(img);
    if (rc != 0) {
        vips_msg(path, msg, sizeof msg);
        say(why, whylen, "the image cannot be decoded: %s", msg);
        return APP_EINVAL;
    }
    vips_error_clear();

    out->orientation = hd.orient;
    if (hd.orient >= 5) {
        out->width = hd.h;
        out->height = hd.w;
    } else {
        out->width = hd.w;
        out->height = hd.h;
    }
    out->frames = hd.frames;
    out->animated = (t == T_GIF || t == T_WEBP) && hd.frames > 1;
    return APP_OK;
}

/* ---- videos ------------------------------------------------------------- */

typedef struct video {
    AVFormatContext *fc;
    int vi;    /* video stream */
    int angle; /* clockwise degrees to turn a frame as stored to show it: 0, 90, 180, 270 */
} video;

static void video_close(video *v)
{
    if (v->fc != NULL)
        avformat_close_input(&v->fc);
}

static const uint8_t *display_matrix(const AVStream *st)
{
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(60, 29, 100)
    const AVPacketSideData *sd = av_packet_side_data_get(
        st->codecpar->coded_side_data, st->codecpar->nb_coded_side_data, AV_PKT_DATA_DISPLAYMATRIX);
    return sd != NULL && sd->size >= 9 * sizeof(int32_t) ? sd->data : NULL;
#else
    size_t size = 0;
    const uint8_t *m = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    return m != NULL && size >= 9 * sizeof(int32_t) ? m : NULL;
#endif
}

/* Open with the mov/mp4 demuxer and local files only; pick the video stream. */
static app_err video_open(const char *path, video *v, char *why, size_t whylen)
{
    char msg[LIB_MSG_MAX + 1];
    memset(v, 0, sizeof *v);
    v->vi = -1;
    const AVInputFormat *ifmt = av_find_input_format("mov");
    AVDictionary *opt = NULL;
    av_dict_set(&opt, "protocol_whitelist", "file", 0);
    int rc = avformat_open_input(&v->fc, path, ifmt, &opt);
    av_dict_free(&opt);
    if (rc < 0) {
        v->fc = NULL;
        av_msg(rc, msg, sizeof msg);
        say(why, whylen, "the video cannot be decoded: %s", msg);
        return APP_EINVAL;
    }
    rc = avformat_find_stream_info(v->fc, NULL);
    if (rc < 0) {
        av_msg(rc, msg, sizeof msg);
        say(why, whylen, "the video cannot be decoded: %s", msg);
        video_close(v);
        return APP_EINVAL;
    }
    int best = av_find_best_stream(v->fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (best >= 0 && (v->fc->streams[best]->disposition & AV_DISPOSITION_ATTACHED_PIC))
        best = -1;
    for (unsigned i = 0; best < 0 && i < v->fc->nb_streams; i++) {
        const AVStream *st = v->fc->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
            best = (int)i;
    }
    if (best < 0) {
        say(why, whylen, "the file has no video track");
        video_close(v);
        return APP_EINVAL;
    }
    v->vi = best;
    const uint8_t *m = display_matrix(v->fc->streams[best]);
    if (m != NULL) {
        double r = av_display_rotation_get((const int32_t *)(const void *)m);
        if (!isnan(r)) {
            /* av_display_rotation_get is counter-clockwise. */
            int cw = (int)lround(-r);
            cw = ((cw % 360) + 360) % 360;
            v->angle = ((cw + 45) / 90 % 4) * 90;
        }
    }
    return APP_OK;
}

/* Does every sample the index names lie inside the file? */
static int video_complete(AVFormatContext *fc)
{
    int64_t size = fc->pb != NULL ? avio_size(fc->pb) : -1;
    if (size <= 0)
        return 1;
    for (unsigned i = 0; i < fc->nb_streams; i++) {
        AVStream *st = fc->streams[i];
        int n = avformat_index_get_entries_count(st);
        for (int k = 0; k < n; k++) {
            const AVIndexEntry *ie = avformat_index_get_entry(st, k);
            if (ie != NULL && ie->pos >= 0 && ie->pos + ie->size > size)
                return 0;
        }
    }
    return 1;
}

/*
 * Decode the video stream until a frame at or after target_s (seconds from
 * the start); with target_s 0, the first frame.  The last frame decoded is
 * kept if the target is not reached.  *out is the caller's to free.
 */
static app_err video_frame(video *v, double target_s, AVFrame **out, char *msg, size_t msglen)
{
    AVStream *st = v->fc->streams[v->vi];
    const AVCodec *dec = avcodec_find_decoder(st->codecpar->codec_id);
    AVCodecContext *ctx = NULL;
    AVPacket *pkt = NULL;
    AVFrame *frame = NULL, *got = NULL;
    int rc, last_err = 0;
    app_err e = APP_EINVAL;
    *out = NULL;

    if (dec == NULL) {
        snprintf(msg, msglen, "no decoder for %s", avcodec_get_name(st->codecpar->codec_id));
        return APP_EINVAL;
    }
    ctx = avcodec_alloc_context3(dec);
    pkt = av_packet_alloc();
    frame = av_frame_alloc();
    if (ctx == NULL || pkt == NULL || frame == NULL) {
        snprintf(msg, msglen, "out of memory");
        e = APP_ENOMEM;
        goto done;
    }
    if ((rc = avcodec_parameters_to_context(ctx, st->codecpar)) < 0 ||
        (ctx->thread_count = 1, rc = avcodec_open2(ctx, dec, NULL)) < 0) {
        av_msg(rc, msg, msglen);
        goto done;
    }

    int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
    double tb = av_q2d(st->time_base);
    if (target_s > 0 && tb > 0) {
        int64_t ts = start + (int64_t)(target_s / tb);
        if (av_seek_frame(v->fc, v->vi, ts, AVSEEK_FLAG_BACKWARD) < 0)
            av_seek_frame(v->fc, v->vi, start, AVSEEK_FLAG_BACKWARD);
    }

    int done = 0, eof = 0;
    for (int packets = 0; !done && packets < MAX_PACKETS;) {
        if (!eof) {
            rc = av_read_frame(v->fc, pkt);
            if (rc < 0) {
                eof = 1;
                avcodec_send_packet(ctx, NULL);
            } else {
                packets++;
                if (pkt->stream_index != v->vi) {
                    av_packet_unref(pkt);
                    continue;
                }
                rc = avcodec_send_packet(ctx, pkt);
                av_packet_unref(pkt);
                if (rc < 0 && rc != AVERROR(EAGAIN))
                    last_err = rc;
            }
        }
        while ((rc = avcodec_receive_frame(ctx, frame)) == 0) {
            if (got == NULL && (got = av_frame_alloc()) == NULL) {
                snprintf(msg, msglen, "out of memory");
                e = APP_ENOMEM;
                goto done;
            }
            av_frame_unref(got);
            av_frame_move_ref(got, frame);
            int64_t pts = got->best_effort_timestamp;
            if (target_s <= 0 || pts == AV_NOPTS_VALUE ||
                (double)(pts - start) * tb + 1e-3 >= target_s) {
                done = 1;
                break;
            }
        }
        if (!done && rc != AVERROR(EAGAIN) && rc != AVERROR_EOF)
            last_err = rc;
        if (eof) /* drained */
            break;
    }
    if (got != NULL) {
        *out = got;
        got = NULL;
        e = APP_OK;
    } else if (last_err != 0) {
        av_msg(last_err, msg, msglen);
    } else {
        snprintf(msg, msglen, "no picture could be decoded");
    }
done:
    av_frame_free(&got);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&ctx);
    return e;
}

static app_err probe_video(const char *path, media_info *out, char *why, size_t whylen)
{
    video v;
    char msg[LIB_MSG_MAX + 1];
    app_err e = video_open(path, &v, why, whylen);
    if (e != APP_OK)
        return e;
    AVFormatContext *fc = v.fc;
    AVStream *st = fc->streams[v.vi];
    const AVCodecParameters *par = st->codecpar;

    e = APP_EINVAL;
    if (avcodec_find_decoder(par->codec_id) == NULL) {
        say(why, whylen, "the video codec (%s) is not supported", avcodec_get_name(par->codec_id));
        goto done;
    }
    if (par->width <= 0 || par->height <= 0) {
        say(why, whylen, "the video cannot be decoded: it has no picture size");
        goto done;
    }
    uint64_t px = (uint64_t)par->width * (uint64_t)par->height;
    if (px > PIXEL_LIMIT) {
        say(why, whylen, "the video is %dx%d pixels; the limit is %llu megapixels", par->width,
            par->height, PIXEL_LIMIT / 1000000ULL);
        goto done;
    }
    double duration = 0;
    if (fc->duration > 0)
        duration = (double)fc->duration / AV_TIME_BASE;
    else if (st->duration > 0)
        duration = (double)st->duration * av_q2d(st->time_base);
    if (!(duration > 0)) {
        say(why, whylen, "the video cannot be decoded: it has no duration");
        goto done;
    }
    if (!video_complete(fc)) {
        say(why, whylen, "the video cannot be decoded: the file is cut short");
        goto done;
    }
    AVFrame *frame = NULL;
    e = video_frame(&v, 0, &frame, msg, sizeof msg);
    av_frame_free(&frame);
    if (e != APP_OK) {
        say(why, whylen, "the video cannot be decoded: %s", msg);
        goto done;
    }

    out->duration_s = duration;
    AVRational fr = st->avg_frame_rate;
    if (fr.num <= 0 || fr.den <= 0)
        fr = st->r_frame_rate;
    out->fps = (fr.num > 0 && fr.den > 0) ? av_q2d(fr) : 0;
    copy_str(out->video_codec, sizeof out->video_codec, avcodec_get_name(par->codec_id));
    int ai = av_find_best_stream(fc, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (ai >= 0)
        copy_str(out->audio_codec, sizeof out->audio_codec,
                 avcodec_get_name(fc->streams[ai]->codecpar->codec_id));
    out->bitrate = fc->bit_rate > 0 ? fc->bit_rate : (int64_t)((double)out->size * 8 / duration);
    if (v.angle == 90 || v.angle == 270) {
        out->width = par->height;
        out->height = par->width;
    } else {
        out->width = par->width;
        out->height = par->height;
    }
    /* As the EXIF orientation that would turn the picture the same way. */
    out->orientation = v.angle == 90 ? 6 : v.angle == 180 ? 3 : v.angle == 270 ? 8 : 1;
    out->frames = st->nb_frames > 0 && st->nb_frames <= INT32_MAX
                      ? (int)st->nb_frames
                      : (int)lround(duration * out->fps);
    out->animated = 0;
    e = APP_OK;
done:
    video_close(&v);
    return e;
}

/* ---- probe -------------------------------------------------------------- */

app_err media_probe(const char *path, const char *declared_type, media_info *out, char *why,
                    size_t whylen)
{
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    if (out == NULL || path == NULL) {
        say(why, whylen, "no file");
        return APP_EINVAL;
    }
    memset(out, 0, sizeof *out);
    if (media_probe_init() != 0) {
        say(why, whylen, "the media libraries failed to start");
        return APP_EIO;
    }

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        say(why, whylen, "the file cannot be read");
        return APP_EIO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        say(why, whylen, "the file cannot be read");
        return APP_EIO;
    }
    unsigned char *head = malloc(SNIFF_BYTES);
    if (head == NULL) {
        close(fd);
        say(why, whylen, "out of memory");
        return APP_ENOMEM;
    }
    size_t n = 0;
    while (n < SNIFF_BYTES) {
        ssize_t r = pread(fd, head + n, SNIFF_BYTES - n, (off_t)n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n == 0) {
        free(head);
        say(why, whylen, "the file is empty");
        return APP_EINVAL;
    }
    char seen[64];
    int t = sniff_type(head, n, seen, sizeof seen);
    free(head);
    if (t < 0) {
        char s[64];
        clean_msg(seen, NULL, s, sizeof s);
        say(why, whylen,
            "the file is not a supported image or video (JPEG, PNG, WebP, GIF, MP4, MOV); it looks "
            "like %s",
            s);
        return APP_EINVAL;
    }
    char label[64];
    if (declared_type != NULL && declared_conflicts(declared_type, t, label, sizeof label)) {
        say(why, whylen, "the file is %s, not %s as declared", TYPES[t].label, label);
        return APP_EINVAL;
    }

    out->kind = TYPES[t].kind;
    copy_str(out->mime, sizeof out->mime, TYPES[t].mime);
    copy_str(out->format, sizeof out->format, TYPES[t].format);
    out->size = (uint64_t)sb.st_size;
    out->orientation = 1;
    out->frames = 1;
    app_err e = out->kind == MEDIA_IMAGE ? probe_image(t, path, out, why, whylen)
                                         : probe_video(path, out, why, whylen);
    if (e != APP_OK) {
        memset(out, 0, sizeof *out);
        return e;
    }
    return APP_OK;
}

/* ---- thumbnails --------------------------------------------------------- */

/* in laid on a white background (alpha removed). */
static int flatten_white(VipsImage *in, VipsImage **out)
{
    double max = vips_image_get_format(in) == VIPS_FORMAT_USHORT ? 65535.0 : 255.0;
    VipsArrayDouble *white = vips_array_double_newv(1, max);
    int rc = vips_flatten(in, out, "background", white, "max_alpha", max, NULL);
    vips_area_unref(VIPS_AREA(white));
    return rc;
}

/* JPEG-ready (8-bit sRGB, no alpha: flattened on white) and saved. */
static int save_jpeg(VipsImage *in, const char *out_path)
{
    VipsImage *cur = in, *next = NULL;
    int rc = 0;
    g_object_ref(cur);
    if (vips_image_hasalpha(cur)) {
        rc = flatten_white(cur, &next);
        g_object_unref(cur);
        if (rc != 0)
            return -1;
        cur = next;
    }
    if (vips_image_get_interpretation(cur) != VIPS_INTERPRETATION_sRGB) {
        rc = vips_colourspace(cur, &next, VIPS_INTERPRETATION_sRGB, NULL);
        g_object_unref(cur);
        if (rc != 0)
            return -1;
        cur = next;
    }
    if (vips_image_get_format(cur) != VIPS_FORMAT_UCHAR) {
        rc = vips_cast(cur, &next, VIPS_FORMAT_UCHAR, NULL);
        g_object_unref(cur);
        if (rc != 0)
            return -1;
        cur = next;
    }
    rc = vips_jpegsave(cur, out_path, "Q", 82, "strip", TRUE, "optimize_coding", TRUE, NULL);
    g_object_unref(cur);
    return rc;
}

/*
 * JPEG and WebP go through vips_thumbnail, which decodes them straight to
 * about the size wanted.  PNG and GIF cannot shrink on load: they are read
 * row by row with their own loader (first frame), flattened first when
 * they have alpha (so the resize works on 8-bit pixels, not premultiplied
 * floats), then shrunk.  Orientation is applied on the small picture.
 */
static app_err thumb_image(int t, const char *path, int max_side, const char *out_path, char *why,
                           size_t whylen)
{
    char msg[LIB_MSG_MAX + 1];
    image_head hd;
    app_err e = image_header(t, path, &hd, why, whylen);
    if (e != APP_OK)
        return e;
    VipsImage *th = NULL;
    int rc;
    if (t == T_JPEG || t == T_WEBP) {
        /* vips_thumbnail picks its loader from the bytes: it must be ours. */
        const char *cls = vips_foreign_find_load(path);
        const char *nick = cls != NULL ? vips_nickname_find(g_type_from_name(cls)) : NULL;
        if (nick == NULL || strcmp(nick, t == T_JPEG ? "jpegload" : "webpload") != 0) {
            vips_error_clear();
            say(why, whylen, "the image cannot be decoded: it is not %s", TYPES[t].label);
            return APP_EINVAL;
        }
        rc = vips_thumbnail(path, &th, max_side, "height", max_side, "size", VIPS_SIZE_DOWN, NULL);
    } else {
        VipsImage *in = NULL, *flat = NULL;
        rc = load_image(t, path, &in, 0);
        if (rc == 0 && hd.has_alpha) {
            rc = flatten_white(in, &flat);
            g_object_unref(in);
            in = flat;
        }
        if (rc == 0)
            rc = vips_thumbnail_image(in, &th, max_side, "height", max_side, "size", VIPS_SIZE_DOWN,
                                      NULL);
        if (in != NULL)
            g_object_unref(in);
    }
    if (rc != 0 || save_jpeg(th, out_path) != 0) {
        if (th != NULL)
            g_object_unref(th);
        vips_msg(path, msg, sizeof msg);
        say(why, whylen, "the thumbnail cannot be made: %s", msg);
        unlink(out_path);
        return APP_EINVAL;
    }
    g_object_unref(th);
    return APP_OK;
}

/* The frame fitted into max_side (pixel aspect applied), turned as shown, saved as JPEG. */
static app_err thumb_frame(const video *v, const AVFrame *f, int max_side, const char *out_path,
                           char *msg, size_t msglen)
{
    const AVStream *st = v->fc->streams[v->vi];
    AVRational sar = f->sample_aspect_ratio;
    if (sar.num <= 0 || sar.den <= 0)
        sar = st->sample_aspect_ratio;
    if (sar.num <= 0 || sar.den <= 0)
        sar = (AVRational){1, 1};
    double dw = f->width * av_q2d(sar), dh = f->height;
    if (!(dw >= 1) || dw > 1e6)
        dw = f->width;
    double scale = fmin(1.0, (double)max_side / fmax(dw, dh));
    int tw = (int)lround(dw * scale), th = (int)lround(dh * scale);
    if (tw < 1)
        tw = 1;
    if (th < 1)
        th = 1;
    if (tw > max_side)
        tw = max_side;
    if (th > max_side)
        th = max_side;

    struct SwsContext *sws = sws_getContext(f->width, f->height, (enum AVPixelFormat)f->format, tw,
                                            th, AV_PIX_FMT_RGB24, SWS_AREA, NULL, NULL, NULL);
    if (sws == NULL) {
        snprintf(msg, msglen, "the picture format cannot be converted");
        return APP_EINVAL;
    }
    /* swscale may write past the end of a row: rows padded and aligned as
     * av_image_alloc makes them, then packed for libvips. */
    uint8_t *dst[4] = {NULL, NULL, NULL, NULL};
    int dst_stride[4] = {0, 0, 0, 0};
    if (av_image_alloc(dst, dst_stride, tw, th, AV_PIX_FMT_RGB24, 64) < 0) {
        sws_freeContext(sws);
        snprintf(msg, msglen, "out of memory");
        return APP_ENOMEM;
    }
    int rows =
        sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, dst_stride);
    sws_freeContext(sws);
    uint8_t *buf = dst[0];
    size_t row = (size_t)tw * 3, len = row * (size_t)th;
    if (rows != th) {
        av_freep(&dst[0]);
        snprintf(msg, msglen, "the picture cannot be converted");
        return APP_EINVAL;
    }
    for (int y = 1; y < th; y++)
        memmove(buf + (size_t)y * row, buf + (size_t)y * (size_t)dst_stride[0], row);
    VipsImage *img = vips_image_new_from_memory_copy(buf, len, tw, th, 3, VIPS_FORMAT_UCHAR);
    av_freep(&dst[0]);
    if (img == NULL) {
        vips_msg(NULL, msg, msglen);
        return APP_EINVAL;
    }
    if (v->angle != 0) {
        VipsImage *r = NULL;
        VipsAngle a = v->angle == 90    ? VIPS_ANGLE_D90
                      : v->angle == 180 ? VIPS_ANGLE_D180
                                        : VIPS_ANGLE_D270;
        int rc = vips_rot(img, &r, a, NULL);
        g_object_unref(img);
        if (rc != 0) {
            vips_msg(NULL, msg, msglen);
            return APP_EINVAL;
        }
        img = r;
    }
    int rc = save_jpeg(img, out_path);
    g_object_unref(img);
    if (rc != 0) {
        vips_msg(out_path, msg, msglen);
        unlink(out_path);
        return APP_EIO;
    }
    return APP_OK;
}

static app_err thumb_video(const char *path, const media_info *info, int max_side,
                           const char *out_path, char *why, size_t whylen)
{
    video v;
    char msg[LIB_MSG_MAX + 1];
    app_err e = video_open(path, &v, why, whylen);
    if (e != APP_OK)
        return e;
    const AVCodecParameters *par = v.fc->streams[v.vi]->codecpar;
    if (par->width <= 0 || par->height <= 0 ||
        (uint64_t)par->width * (uint64_t)par->height > PIXEL_LIMIT) {
        video_close(&v);
        say(why, whylen, "the video cannot be decoded: bad picture size");
        return APP_EINVAL;
    }
    double dur = info->duration_s > 0 ? info->duration_s : 2.0;
    double target = dur >= 2.0 ? 1.0 : dur / 2;
    AVFrame *f = NULL;
    e = video_frame(&v, target, &f, msg, sizeof msg);
    if (e != APP_OK && target > 0) {
        /* From the start, opened afresh (a seek in a damaged file may go
         * nowhere): the first frame that decodes. */
        video_close(&v);
        if (video_open(path, &v, why, whylen) != APP_OK)
            return APP_EINVAL;
        e = video_frame(&v, 0, &f, msg, sizeof msg);
    }
    if (e == APP_OK)
        e = thumb_frame(&v, f, max_side, out_path, msg, sizeof msg);
    av_frame_free(&f);
    video_close(&v);
    if (e != APP_OK)
        say(why, whylen, "the thumbnail cannot be made: %s", msg);
    return e;
}

app_err media_thumbnail(const char *path, const media_info *info, int max_side,
                        const char *out_path, char *why, size_t whylen)
{
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    if (path == NULL || out_path == NULL || max_side < 1 || max_side > 10000) {
        say(why, whylen, "bad thumbnail request");
        return APP_EINVAL;
    }
    media_info probed;
    if (info == NULL) {
        app_err e = media_probe(path, NULL, &probed, why, whylen);
        if (e != APP_OK)
            return e;
        info = &probed;
    } else if (media_probe_init() != 0) {
        say(why, whylen, "the media libraries failed to start");
        return APP_EIO;
    }
    int t = type_by_mime(info->mime);
    if (t < 0 || TYPES[t].kind != info->kind) {
        say(why, whylen, "bad thumbnail request");
        return APP_EINVAL;
    }
    return info->kind == MEDIA_IMAGE ? thumb_image(t, path, max_side, out_path, why, whylen)
                                     : thumb_video(path, info, max_side, out_path, why, whylen);
}

struct probe_gate {
    sem_t slots;
};

probe_gate *probe_gate_new(int slots)
{
    probe_gate *g = calloc(1, sizeof *g);
    if (g != NULL && sem_init(&g->slots, 0, (unsigned)(slots > 0 ? slots : 1)) != 0) {
        free(g);
        g = NULL;
    }
    return g;
}

void probe_gate_free(probe_gate *g)
{
    if (g == NULL)
        return;
    sem_destroy(&g->slots);
    free(g);
}

int probe_gate_enter(probe_gate *g, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    while (sem_timedwait(&g->slots, &deadline) != 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

void probe_gate_leave(probe_gate *g)
{
    sem_post(&g->slots);
}
