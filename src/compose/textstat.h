/*
 * textstat.h - counting what a post's text holds: characters, hashtags,
 * @mentions, angle brackets.  The platform rules (compose/rules.c) and X's
 * weighted counter (compose/xtext.c) build on it.
 *
 * A pure module: no I/O, no state, safe from any thread.  Every function takes
 * UTF-8 as (pointer, length in bytes); the text need not be NUL-terminated and
 * may contain U+0000.  The text is first normalised to NFC (as the platforms
 * do before they count), so "e" + U+0301 and U+00E9 count the same.  Functions
 * that return a count return -1 if the text is not valid UTF-8 and -2 if memory
 * ran out; utf8 may be NULL only when len is 0.
 */
#ifndef P2S_COMPOSE_TEXTSTAT_H
#define P2S_COMPOSE_TEXTSTAT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The NFC code points of the text: *out gets a malloc'd array (the caller
 * frees it; it has room for one more element, and is set even for empty text)
 * and the result is their number.  -1 if not valid UTF-8, -2 if out of memory
 * (then *out is NULL).
 */
long text_nfc(const char *utf8, size_t len, int32_t **out);

/* The number of Unicode code points after NFC (what Instagram, Facebook, LinkedIn and YouTube
 * count as characters).  A flag or a family emoji is several code points. */
long text_chars(const char *utf8, size_t len);

/*
 * The number of hashtags, after twitter-text's rule: a '#' or U+FF03 that
 * follows the start of the text, U+FE0E/U+FE0F, or any character other than
 * '&', a letter, mark, decimal digit or hashtag joiner ('_', U+200C, U+200D,
 * U+00B7 and a few script-specific ones); not followed by U+FE0F or U+20E3
 * (so the keycap #️⃣ is no hashtag); then the longest run of letters, marks,
 * digits and joiners, which must hold at least one letter or mark (#2024 is
 * none, #2024年 is one).  A tag directly followed by '#', U+FF03 or "://"
 * does not count ("#a#b" holds none).  Letters and marks are Unicode general
 * categories L* and M*, digits Nd.  A '#' inside a link (https://x.com/#top)
 * counts too: this module does not find links.
 */
long text_hashtags(const char *utf8, size_t len);

/*
 * The number of @mentions: one or more '@' / U+FF20 at the start of the
 * text or after a character other than an ASCII letter, digit, '_', '!',
 * '#', '$', '%', '&' or '*' (so e-mail addresses are no mentions), then 1-30
 * ASCII letters, digits or '_' (a longer run still counts once), not directly
 * followed by '@', U+FF20, a Latin accented letter or "://".
 */
long text_mentions(const char *utf8, size_t len);

/* 1 if the text holds '<' or '>' (YouTube refuses them in titles and descriptions), 0 if not,
 * -1 if it is not valid UTF-8.  No normalisation: the bytes are what is sent. */
int text_has_angle_brackets(const char *utf8, size_t len);

#endif
