/*
 * probe.h - what an uploaded file really is.
 *
 * The type is decided from the bytes (libmagic), never from the name or
 * the declared type; images are then opened with libvips and videos with
 * FFmpeg's libavformat.  A file that is not one of the accepted types,
 * whose bytes contradict the declared type, or that cannot be decoded is
 * refused with a reason for people.
 *
 * Accepted: images JPEG, PNG, WebP, GIF; videos MP4, MOV (QuickTime).
 */
#ifndef P2S_MEDIA_PROBE_H
#define P2S_MEDIA_PROBE_H

#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

typedef enum media_kind { MEDIA_IMAGE = 1, MEDIA_VIDEO = 2 } media_kind;

typedef struct media_info {
    media_kind kind;
    char mime[48];        /* "image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4",
                             "video/quicktime" */
    char format[16];      /* "jpeg", "png", "webp", "gif", "mp4", "mov" */
    int width, height;    /* pixels, after EXIF orientation is applied (as displayed) */
    int orientation;      /* EXIF orientation 1..8 (1 when none) */
    int animated;         /* GIF/WebP with more than one frame */
    int frames;           /* frames (images: pages; 1 for stills) */
    double duration_s;    /* videos */
    double fps;           /* videos */
    char video_codec[24]; /* "h264", "hevc", ... */
    char audio_codec[24]; /* "aac", ... or "" */
    int64_t bitrate;      /* bits per second, 0 unknown */
    uint64_t size;        /* bytes of the file */
} media_info;

/*
 * Probe the file at path.  declared_type (may be NULL) is the client's
 * claim; if it names another type than the bytes show, the file is refused.
 * APP_EINVAL with a reason in why for any refusal.
 */
app_err media_probe(const char *path, const char *declared_type, media_info *out, char *why,
                    size_t whylen);

/*
 * Write a JPEG thumbnail whose longer side is at most max_side pixels to
 * out_path: the image itself (first frame, orientation applied), or for a
 * video a frame about a second in (or the first one).
 */
app_err media_thumbnail(const char *path, const media_info *info, int max_side,
                        const char *out_path, char *why, size_t whylen);

/*
 * A gate admitting a few probes at once: one probe of a large image or video
 * can take a few hundred MB, so an upload burst must not run them all together.
 */
typedef struct probe_gate probe_gate;
probe_gate *probe_gate_new(int slots);
void probe_gate_free(probe_gate *g);
/* Wait up to timeout_ms for a slot; 0 when taken, -1 on timeout. */
int probe_gate_enter(probe_gate *g, int timeout_ms);
void probe_gate_leave(probe_gate *g);

/* Start the libraries (call once at program start). 0 or -1. */
int media_probe_init(void);

#endif
