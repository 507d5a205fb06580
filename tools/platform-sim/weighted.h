/*
 * weighted.h - X's weighted post length (twitter-text v3 rules, PLATFORMS.md section 5):
 * the text is normalized to NFC; code points in 0-4351, 8192-8205, 8208-8223 and
 * 8242-8247 count 1, everything else 2; every URL counts 23; every emoji sequence 2.
 */
#ifndef P2S_SIM_WEIGHTED_H
#define P2S_SIM_WEIGHTED_H

#include <stddef.h>

/* The weighted length of UTF-8 text, or -1 if it is not valid UTF-8. */
int x_weighted_length(const char *text, size_t len);

/*
 * The text as X gives it back: NFC, with every URL replaced by a t.co link
 * (23 characters, derived from the URL).  malloc'd; NULL if not valid UTF-8.
 */
char *x_tco_text(const char *text, size_t len);

#endif
