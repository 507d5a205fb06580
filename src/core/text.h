/*
 * text.h - checks and normal forms for text people type: email addresses
 * and IANA time zone names.
 */
#ifndef P2S_CORE_TEXT_H
#define P2S_CORE_TEXT_H

#include <stddef.h>

/*
 * Normalise an email address into out (at most 254 characters + NUL):
 * surrounding spaces removed, lower-cased.  Returns NULL if it is a valid
 * address (one @, a dot-atom local part of 1-64 characters, a domain of
 * LDH labels with a dot and a letter TLD), else a message.
 */
const char *text_email_normalize(const char *in, char *out, size_t outlen);

/* 1 if name is an IANA time zone known to this machine's tzdata (e.g. "Europe/Paris", "UTC"). */
int text_timezone_valid(const char *name);

/*
 * The start of a text for people: at most max_chars characters (whole UTF-8
 * characters), line breaks and tabs as spaces, "..." when it was cut.
 */
void text_excerpt(const char *text, size_t max_chars, char *out, size_t outlen);

/* A stored platform's name for people ("x" -> "X", "linkedin" -> "LinkedIn"); the id if unknown. */
const char *text_platform_title(const char *platform);

#endif
