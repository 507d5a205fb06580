/*
 * fit.h - does a media item fit a platform target?
 *
 * A pure module (no I/O, no clock): from the facts the probe found about an
 * item (src/media/probe.h) it says, for each publishing target, whether the
 * platform will take it, listing every problem in plain words.  Problems
 * block; warnings do not (the platform takes the file but may crop, scale or
 * not treat it as hoped).
 *
 * Targets: facebook_photo, facebook_video, instagram_image,
 * instagram_carousel_item, instagram_reel, instagram_story, linkedin_image,
 * linkedin_video, youtube_video, youtube_short, x_image, x_video.  Each
 * applies to images, to videos, or (carousel item, story) to both.
 *
 * The limits live in one table in fit.c, each naming its source section in
 * the platform contracts document.
 */
#ifndef P2S_MEDIA_FIT_H
#define P2S_MEDIA_FIT_H

#include <jansson.h>
#include <stdint.h>

/* What is known about a media item.  Strings may be NULL (unknown / none). */
typedef struct media_facts {
    const char *kind;        /* "image" or "video" */
    const char *mime;        /* "image/jpeg", ... "video/quicktime" */
    const char *format;      /* "jpeg", "png", "webp", "gif", "mp4", "mov" */
    int64_t size;            /* bytes */
    int width, height;       /* pixels, as displayed */
    double duration_s;       /* videos */
    double fps;              /* videos */
    const char *video_codec; /* "h264", "hevc", ... */
    const char *audio_codec; /* "aac", ... ; NULL or "" = no audio track */
    int animated;            /* GIF/WebP with more than one frame */
} media_facts;

/*
 * {"<target>": {"ok": bool, "problems": [..], "warnings": [..]}, ...} for
 * every target that applies to the item's kind (an object with no members
 * for an unknown kind).  New reference.
 */
json_t *media_fit_json(const media_facts *f);

/*
 * One target's {"ok", "problems", "warnings"}; NULL if the target is unknown
 * or does not apply to the item's kind.  New reference.
 */
json_t *media_fit_target(const char *target, const media_facts *f);

#endif
