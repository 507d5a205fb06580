/*
 * xtext.h - X's (Twitter's) weighted post length, as twitter-text v3 counts it
 * (config v3.json; PLATFORMS.md section 5 "Content limits"):
 *
 *   - the text is normalised to NFC first;
 *   - code points in 0-4351, 8192-8205, 8208-8223 and 8242-8247 weigh 1,
 *     every other code point 2 (so CJK counts 2 per character);
 *   - every URL counts 23 (transformedURLLength), whatever its length;
 *   - every emoji sequence counts 2: ZWJ sequences, skin tones, keycaps,
 *     flags and tag sequences included (emojiParsingEnabled);
 *   - a post is valid when it is not empty, weighs at most 280 and holds no
 *     U+FFFE, U+FEFF or U+FFFF.
 *
 * URLs are found the way twitter-text's extractor finds them (with or
 * without http(s)://, against its full TLD list).  Tested against
 * twitter-text's conformance data (tests/unit/test_xtext.c).
 *
 * Used by the server (compose/rules.c) and by the platform simulator
 * (tools/platform-sim/x.c), so both count alike.  A pure module: no I/O, no
 * state, safe from any thread.  Text is UTF-8 as (pointer, length in bytes),
 * need not be NUL-terminated; utf8 may be NULL only when len is 0.
 *
 * Includes compose/textstat.h, the general counters (characters, hashtags,
 * mentions) the composer needs next to this one.
 */
#ifndef P2S_COMPOSE_XTEXT_H
#define P2S_COMPOSE_XTEXT_H

#include "compose/textstat.h"

#include <stddef.h>

/* The most a valid post weighs (maxWeightedTweetLength). */
#define XTEXT_MAX 280

/* What any URL weighs, and the length of the t.co link that replaces it. */
#define XTEXT_URL_WEIGHT 23

/* What xtext_weighted found. */
typedef struct xtext_count {
    int weighted; /* the weighted length X checks against XTEXT_MAX */
    int valid;    /* 1 if X would take the text: 0 < weighted <= XTEXT_MAX, no invalid chars */
    int urls;     /* URLs found (each counted XTEXT_URL_WEIGHT) */
    int emoji;    /* emoji sequences found (each counted 2) */
} xtext_count;

/*
 * Count text as X does, into *out (out may be NULL when only the weighted
 * length is wanted).  Returns the weighted length (>= 0), -1 if the text is
 * not valid UTF-8, -2 if out of memory; on error *out is zeroed.
 */
int xtext_weighted(const char *utf8, size_t len, xtext_count *out);

/*
 * The text as X shows it back: NFC, every URL replaced by a t.co link of
 * XTEXT_URL_WEIGHT characters ("https://t.co/" and 10 letters or digits
 * derived from the URL, so the same URL gives the same link).  Returns a
 * malloc'd NUL-terminated string the caller frees, or NULL if the text is not
 * valid UTF-8 or memory ran out.
 */
char *xtext_tco_text(const char *utf8, size_t len);

#endif
