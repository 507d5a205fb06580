/*
 * textstat.c - characters, hashtags, @mentions and angle brackets of a post's
 * text (see textstat.h).  Unicode data (NFC, general categories) comes from
 * utf8proc.  The hashtag and mention rules are twitter-text's
 * (Regex.java: VALID_HASHTAG, VALID_MENTION_OR_LIST), which the other
 * platforms' apps follow closely enough for counting.
 */
#include "compose/textstat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

long text_nfc(const char *utf8, size_t len, int32_t **out)
{
    *out = NULL;
    if (len > (size_t)PTRDIFF_MAX / 8)
        return -2;
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t nl =
        utf8proc_map((const utf8proc_uint8_t *)(utf8 != NULL ? utf8 : ""), (utf8proc_ssize_t)len,
                     &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (nl < 0)
        return nl == UTF8PROC_ERROR_NOMEM ? -2 : -1;
    /* NFC never has more code points than bytes. */
    int32_t *cp = malloc(((size_t)nl + 1) * sizeof *cp);
    if (cp == NULL) {
        free(nfc);
        return -2;
    }
    long n = 0;
    for (utf8proc_ssize_t o = 0; o < nl;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t step = utf8proc_iterate(nfc + o, nl - o, &c);
        if (step <= 0) {
            free(nfc);
            free(cp);
            return -1;
        }
        cp[n++] = c;
        o += step;
    }
    cp[n] = 0;
    free(nfc);
    *out = cp;
    return n;
}

long text_chars(const char *utf8, size_t len)
{
    int32_t *cp;
    long n = text_nfc(utf8, len, &cp);
    free(cp);
    return n;
}

/* ---- hashtags ---- */

static int is_letter_or_mark(int32_t c)
{
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return 1;
    default:
        return 0;
    }
}

/* twitter-text's HASHTAG_SPECIAL_CHARS: joiners that may sit inside a tag. */
static int is_hashtag_joiner(int32_t c)
{
    static const int32_t joiners[] = {'_',    0x200C, 0x200D, 0xA67E, 0x05BE, 0x05F3,
                                      0x05F4, 0xFF5E, 0x301C, 0x309B, 0x309C, 0x30A0,
                                      0x30FB, 0x3003, 0x0F0B, 0x0F0C, 0x00B7};
    for (size_t i = 0; i < sizeof joiners / sizeof joiners[0]; i++)
        if (joiners[i] == c)
            return 1;
    return 0;
}

/* A character a hashtag is made of. */
static int is_hashtag_char(int32_t c)
{
    return is_letter_or_mark(c) || utf8proc_category(c) == UTF8PROC_CATEGORY_ND ||
           is_hashtag_joiner(c);
}

static int is_hash(int32_t c)
{
    return c == '#' || c == 0xFF03;
}

/* 1 if cp[i..] starts with "://". */
static int scheme_sep_at(const int32_t *cp, size_t n, size_t i)
{
    return i + 2 < n && cp[i] == ':' && cp[i + 1] == '/' && cp[i + 2] == '/';
}

/*
 * The end of a hashtag whose sign is at cp[h], or 0.  The character before
 * the sign is the caller's business.
 */
static size_t hashtag_end(const int32_t *cp, size_t n, size_t h)
{
    size_t j = h + 1;
    if (j < n && (cp[j] == 0xFE0F || cp[j] == 0x20E3))
        return 0;
    int letters = 0;
    while (j < n && is_hashtag_char(cp[j])) {
        letters |= is_letter_or_mark(cp[j]);
        j++;
    }
    return letters ? j : 0;
}

long text_hashtags(const char *utf8, size_t len)
{
    int32_t *cp;
    long nl = text_nfc(utf8, len, &cp);
    if (nl < 0)
        return nl;
    size_t n = (size_t)nl;
    long count = 0;
    /*
     * As a regex search: a match takes the character before the sign with it,
     * and the next search starts where the last match ended.
     */
    size_t from = 0;
    for (size_t h = 0; h < n; h++) {
        if (!is_hash(cp[h]))
            continue;
        int preceded_ok;
        if (h == 0)
            preceded_ok = 1;
        else if (h - 1 < from)
            preceded_ok = 0;
        else
            preceded_ok = cp[h - 1] == 0xFE0E || cp[h - 1] == 0xFE0F ||
                          (cp[h - 1] != '&' && !is_hashtag_char(cp[h - 1]));
        if (!preceded_ok)
            continue;
        size_t e = hashtag_end(cp, n, h);
        if (e == 0)
            continue;
        if (!(e < n && is_hash(cp[e])) && !scheme_sep_at(cp, n, e))
            count++;
        from = e;
        h = e - 1;
    }
    free(cp);
    return count;
}

/* ---- mentions ---- */

static int is_at(int32_t c)
{
    return c == '@' || c == 0xFF20;
}

static int is_word(int32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* twitter-text's LATIN_ACCENTS_CHARS. */
static int is_latin_accent(int32_t c)
{
    return (c >= 0xC0 && c <= 0xD6) || (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x24F) ||
           c == 0x253 || c == 0x254 || c == 0x256 || c == 0x257 || c == 0x259 || c == 0x25B ||
           c == 0x263 || c == 0x268 || c == 0x26F || c == 0x272 || c == 0x289 || c == 0x28B ||
           c == 0x2BB || (c >= 0x300 && c <= 0x36F) || (c >= 0x1E00 && c <= 0x1EFF);
}

long text_mentions(const char *utf8, size_t len)
{
    int32_t *cp;
    long nl = text_nfc(utf8, len, &cp);
    if (nl < 0)
        return nl;
    size_t n = (size_t)nl;
    long count = 0;
    size_t from = 0; /* as in text_hashtags: matches do not overlap */
    for (size_t a = 0; a < n; a++) {
        if (!is_at(cp[a]))
            continue;
        if (a > 0) {
            int32_t p = cp[a - 1];
            if (a - 1 < from || is_word(p) || is_at(p) || (p < 0x80 && strchr("!#$%&*", (int)p)))
                continue;
        }
        size_t j = a;
        while (j < n && is_at(cp[j]))
            j++;
        size_t s = j;
        while (j < n && j - s < 30 && is_word(cp[j]))
            j++;
        if (j == s) {
            a = j - 1;
            continue;
        }
        if (!(j < n && (is_at(cp[j]) || is_latin_accent(cp[j]))) && !scheme_sep_at(cp, n, j))
            count++;
        from = j;
        a = j - 1;
    }
    free(cp);
    return count;
}

int text_has_angle_brackets(const char *utf8, size_t len)
{
    int found = 0;
    for (size_t o = 0; o < len;) {
        utf8proc_int32_t c;
        utf8proc_ssize_t step =
            utf8proc_iterate((const utf8proc_uint8_t *)utf8 + o, (utf8proc_ssize_t)(len - o), &c);
        if (step <= 0)
            return -1;
        found |= c == '<' || c == '>';
        o += (size_t)step;
    }
    return found;
}
