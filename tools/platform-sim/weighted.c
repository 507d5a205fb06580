/*
 * weighted.c - X's weighted post length, after the twitter-text v3 configuration
 * (scale 100, default weight 200, transformed URL length 23, emoji parsing on).
 *
 * URL recognition follows the twitter-text extractor's shape: an optional
 * http(s):// scheme, a domain ending in a top-level domain, an optional port,
 * a path whose last character must be one of the "ending" characters (so a
 * trailing full stop or comma is not part of the link), and a query likewise.
 * Without a scheme the domain must be ASCII, end in a known TLD, not follow
 * '-', '_', '.' or '/', and a bare two-label country-code domain ("example.de")
 * needs a path (except .co and .tv).  With a scheme any alphabetic TLD is taken.
 * The TLD list below is the common subset, not twitter-text's full list.
 *
 * Emoji sequences: a pictographic code point with its variation selector,
 * skin tone and tag sequence, joined by ZWJ to more of them; keycaps
 * ([0-9#*] FE0F? 20E3); regional-indicator pairs.  (C) and (R) count as emoji
 * only when followed by FE0F.  Any ZWJ chain of pictographs counts as one
 * sequence (twitter-text only knows the recommended ones).
 */
#include "weighted.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

/* ---- code point classes ---- */

static int is_space(int32_t c)
{
    return (c >= 9 && c <= 13) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           c == 0x180E || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

static int is_ascii_punct(int32_t c)
{
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

static int is_invalid(int32_t c)
{
    return c == 0xFFFE || c == 0xFEFF || c == 0xFFFF;
}

static int is_directional(int32_t c)
{
    return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

static int is_alnum(int32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_alpha(int32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_latin_accent(int32_t c)
{
    return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x300 && c <= 0x36F) ||
           (c >= 0x1E00 && c <= 0x1EFF);
}

static int is_cyrillic(int32_t c)
{
    return c >= 0x400 && c <= 0x4FF;
}

/* A character a domain label may be made of (twitter-text's validDomainChars). */
static int domain_char(int32_t c)
{
    return c > 0x20 && c != 0x7F && !is_ascii_punct(c) && !is_space(c) && !is_invalid(c) &&
           !is_directional(c);
}

/* ---- top-level domains ---- */

/* Generic TLDs (a common subset), space-separated. */
static const char gtlds[] =
    "com net org info biz edu gov mil int name pro mobi aero asia cat coop jobs museum tel "
    "travel xxx post app dev page blog shop store online site tech website xyz club live "
    "news media art design cloud link top social space today world email group network "
    "digital agency studio solutions services company business center global life love photo "
    "photos pics video movie music audio radio game games fun zone team work works tips "
    "guide guru expert academy school university college education training courses events "
    "party restaurant cafe coffee bar pizza kitchen recipes food health care clinic dental "
    "fitness yoga beauty fashion clothing shoes jewelry style family kids baby dog pet pets "
    "garden house homes realestate properties land city town london berlin paris nyc tokyo "
    "africa finance money bank capital fund credit insurance legal law consulting marketing "
    "management partners ventures holdings industries systems software computer technology "
    "engineering energy green eco earth bio science report press wiki one plus now new best "
    "cool red blue pink black gold sale deals market exchange auction gallery graphics ink "
    "camera film show win bet poker casino sport football soccer golf bike car cars auto "
    "taxi flights hotel holiday tours vacations church faith charity foundation community "
    "directory support help host hosting domains download chat mom ltd llc inc gmbh ong ngo "
    "google amazon apple microsoft youtube";

/* Country-code TLDs, space-separated. */
static const char cctlds[] =
    "ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bl bm bn bo bq "
    "br bs bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do "
    "dz ec ee eg eh er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt "
    "gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr "
    "kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mf mg mh mk ml mm mn mo mp mq mr ms mt "
    "mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt "
    "pw py qa re ro rs ru rw sa sb sc sd se sg sh si sj sk sl sm sn so sr ss st su sv sx sy sz tc "
    "td tf tg th tj tk tl tm tn to tp tr tt tv tw tz ua ug uk um us uy uz va vc ve vg vi vn vu wf "
    "ws ye yt za zm zw";

/* Copy cp[s..e) into a lower-case ASCII string; 0 if not ASCII or too long. */
static int ascii_lower(const int32_t *cp, size_t s, size_t e, char *out, size_t outlen)
{
    if (e - s + 1 > outlen)
        return 0;
    for (size_t i = s; i < e; i++) {
        if (cp[i] >= 0x80)
            return 0;
        out[i - s] = (char)(cp[i] >= 'A' && cp[i] <= 'Z' ? cp[i] + 32 : cp[i]);
    }
    out[e - s] = '\0';
    return 1;
}

static int is_cctld(const char *t)
{
    if (strlen(t) != 2)
        return 0;
    for (const char *p = cctlds; *p; p += 3)
        if (p[0] == t[0] && p[1] == t[1])
            return 1;
    return 0;
}

static int is_punycode(const char *t)
{
    if (strncmp(t, "xn--", 4) != 0 || t[4] == '\0')
        return 0;
    for (const char *p = t + 4; *p; p++)
        if (!is_alnum((unsigned char)*p) && *p != '-')
            return 0;
    return 1;
}

/* 1 if t is a TLD; with a scheme any alphabetic label of 2-63 letters is taken. */
static int is_tld(const char *t, int scheme)
{
    if (is_cctld(t) || is_punycode(t))
        return 1;
    size_t tl = strlen(t);
    for (const char *p = gtlds; *p;) {
        size_t l = strcspn(p, " ");
        if (l == tl && strncmp(p, t, l) == 0)
            return 1;
        p += l;
        p += strspn(p, " ");
    }
    if (!scheme)
        return 0;
    size_t n = strlen(t);
    if (n < 2 || n > 63)
        return 0;
    for (const char *p = t; *p; p++)
        if (!is_alpha((unsigned char)*p))
            return 0;
    return 1;
}

/* ---- URLs ---- */

static int label_char(int32_t c, int scheme)
{
    if (scheme)
        return domain_char(c) || c == '-' || c == '_';
    return is_alnum(c) || c == '-' || is_latin_accent(c);
}

/*
 * The end of the longest domain at cp[j..] (at least two labels, the last a
 * TLD not followed by [A-Za-z0-9@+-]); *labels gets its label count, *last_cc
 * whether its TLD is a country code.  0 if there is none.
 */
static size_t domain_end(const int32_t *cp, size_t n, size_t j, int scheme, int *labels,
                         int *last_cc)
{
    size_t k = j, best = 0;
    int count = 0;
    for (;;) {
        size_t s = k;
        while (k < n && label_char(cp[k], scheme))
            k++;
        if (k == s)
            break;
        if (scheme && (!domain_char(cp[s]) || !domain_char(cp[k - 1])))
            break;
        count++;
        if (count >= 2) {
            /* The TLD is the label's leading run of [A-Za-z0-9-]; what follows must not be one. */
            size_t t = s;
            while (t < k && (is_alnum(cp[t]) || cp[t] == '-'))
                t++;
            char tld[72];
            int follows_ok =
                t == n || !(is_alnum(cp[t]) || cp[t] == '@' || cp[t] == '+' || cp[t] == '-');
            if (t > s && follows_ok && ascii_lower(cp, s, t, tld, sizeof tld) &&
                is_tld(tld, scheme)) {
                best = t;
                *labels = count;
                *last_cc = is_cctld(tld);
            }
        }
        if (k < n && cp[k] == '.')
            k++;
        else
            break;
    }
    return best;
}

static int path_general(int32_t c)
{
    return is_alnum(c) || (c < 0x80 && c > 0 && strchr("!*';:=+,.$/%#[]-_~|&@", (int)c)) ||
           c == 0x2013 || is_cyrillic(c) || is_latin_accent(c);
}

static int path_ending(int32_t c)
{
    return is_alnum(c) || (c < 0x80 && c > 0 && strchr("+-=_#/", (int)c)) || is_cyrillic(c) ||
           is_latin_accent(c);
}

/* A balanced parenthesis group at cp[k] == '(' (one level of nesting); its end or 0. */
static size_t balanced(const int32_t *cp, size_t n, size_t k)
{
    size_t j = k + 1, inner = 0;
    while (j < n && path_general(cp[j]))
        j++;
    if (j < n && cp[j] == ')' && j > k + 1)
        return j + 1;
    if (j < n && cp[j] == '(') {
        size_t m = j + 1;
        while (m < n && path_general(cp[m])) {
            m++;
            inner++;
        }
        if (inner == 0 || m >= n || cp[m] != ')')
            return 0;
        m++;
        while (m < n && path_general(cp[m]))
            m++;
        if (m < n && cp[m] == ')')
            return m + 1;
    }
    return 0;
}

static int query_char(int32_t c)
{
    return is_alnum(c) || (c < 0x80 && c > 0 && strchr("!?*'@();:&=+$/%#[]-_.,~|", (int)c));
}

static int query_ending(int32_t c)
{
    return is_alnum(c) || (c < 0x80 && c > 0 && strchr("-_&=#/", (int)c));
}

/* The length (code points) of a URL starting at cp[i], or 0. */
static size_t url_at(const int32_t *cp, size_t n, size_t i)
{
    if (i > 0) {
        int32_t p = cp[i - 1];
        if (!is_directional(p) && (is_alnum(p) || p == '@' || p == 0xFF20 || p == '$' || p == '#' ||
                                   p == 0xFF03 || is_invalid(p)))
            return 0;
    }
    size_t j = i;
    int scheme = 0;
    static const char *const schemes[] = {"https://", "http://"};
    for (int k = 0; k < 2 && !scheme; k++) {
        size_t sl = strlen(schemes[k]);
        if (i + sl > n)
            continue;
        size_t m = 0;
        while (m < sl && cp[i + m] < 0x80 &&
               (cp[i + m] | (is_alpha(cp[i + m]) ? 0x20 : 0)) == schemes[k][m])
            m++;
        if (m == sl) {
            scheme = 1;
            j = i + sl;
        }
    }
    if (!scheme && i > 0 &&
        (cp[i - 1] == '-' || cp[i - 1] == '_' || cp[i - 1] == '.' || cp[i - 1] == '/'))
        return 0;
    int labels = 0, last_cc = 0;
    size_t end = domain_end(cp, n, j, scheme, &labels, &last_cc);
    if (end == 0)
        return 0;
    char dom[64];
    int special_cc = 0;
    if (labels == 2 && last_cc && ascii_lower(cp, end - 2, end, dom, sizeof dom))
        special_cc = strcmp(dom, "co") == 0 || strcmp(dom, "tv") == 0;
    size_t k = end;
    if (k + 1 < n && cp[k] == ':' && cp[k + 1] >= '0' && cp[k + 1] <= '9') {
        k++;
        while (k < n && cp[k] >= '0' && cp[k] <= '9')
            k++;
    }
    int has_path = 0;
    if (k < n && cp[k] == '/') {
        has_path = 1;
        size_t m = k + 1, pend = k + 1;
        while (m < n) {
            if (cp[m] == '(') {
                size_t b = balanced(cp, n, m);
                if (b == 0)
                    break;
                m = b;
                pend = m;
                continue;
            }
            if (!path_general(cp[m]))
                break;
            if (path_ending(cp[m]))
                pend = m + 1;
            m++;
        }
        k = pend;
    }
    if (k < n && cp[k] == '?') {
        size_t m = k + 1, qend = 0;
        while (m < n && query_char(cp[m])) {
            if (query_ending(cp[m]))
                qend = m + 1;
            m++;
        }
        if (qend > 0)
            k = qend;
    }
    if (!scheme && labels == 2 && last_cc && !has_path && !special_cc)
        return 0;
    return k - i;
}

/* ---- emoji ---- */

static int is_pict(int32_t c)
{
    return utf8proc_get_property(c)->boundclass == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC;
}

static int is_ri(int32_t c)
{
    return c >= 0x1F1E6 && c <= 0x1F1FF;
}

static int is_modifier(int32_t c)
{
    return c >= 0x1F3FB && c <= 0x1F3FF;
}

static int is_tag(int32_t c)
{
    return c >= 0xE0020 && c <= 0xE007E;
}

/* One emoji element at cp[i] (a pictograph): its end. */
static size_t element_end(const int32_t *cp, size_t n, size_t i)
{
    size_t j = i + 1;
    if (j < n && cp[j] == 0xFE0F)
        j++;
    if (j < n && is_modifier(cp[j]))
        j++;
    if (j < n && is_tag(cp[j])) {
        while (j < n && is_tag(cp[j]))
            j++;
        if (j < n && cp[j] == 0xE007F)
            j++;
    }
    return j;
}

/* The length of an emoji sequence at cp[i], or 0. */
static size_t emoji_at(const int32_t *cp, size_t n, size_t i)
{
    int32_t c = cp[i];
    if ((c >= '0' && c <= '9') || c == '#' || c == '*') {
        if (i + 2 < n && cp[i + 1] == 0xFE0F && cp[i + 2] == 0x20E3)
            return 3;
        if (i + 1 < n && cp[i + 1] == 0x20E3)
            return 2;
        return 0;
    }
    if (is_ri(c))
        return i + 1 < n && is_ri(cp[i + 1]) ? 2 : 1;
    if (is_modifier(c))
        return 1;
    if (!is_pict(c))
        return 0;
    if ((c == 0xA9 || c == 0xAE) && !(i + 1 < n && cp[i + 1] == 0xFE0F))
        return 0;
    if (i + 1 < n && cp[i + 1] == 0xFE0E)
        return 0;
    size_t j = element_end(cp, n, i);
    while (j + 1 < n && cp[j] == 0x200D && is_pict(cp[j + 1]))
        j = element_end(cp, n, j + 1);
    return j - i;
}

static int weight(int32_t c)
{
    if ((c >= 0 && c <= 4351) || (c >= 8192 && c <= 8205) || (c >= 8208 && c <= 8223) ||
        (c >= 8242 && c <= 8247))
        return 1;
    return 2;
}

/* ---- the text ---- */

/* NFC code points of text (malloc'd) into *cps; their count, or -1. */
static long nfc_points(const char *text, size_t len, int32_t **cps)
{
    utf8proc_uint8_t *nfc = NULL;
    utf8proc_ssize_t nl = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &nfc,
                                       UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (nl < 0)
        return -1;
    int32_t *cp = malloc(((size_t)nl + 1) * sizeof *cp);
    if (cp == NULL) {
        free(nfc);
        return -1;
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
    free(nfc);
    *cps = cp;
    return n;
}

int x_weighted_length(const char *text, size_t len)
{
    int32_t *cp = NULL;
    long n = nfc_points(text, len, &cp);
    if (n < 0)
        return -1;
    int total = 0;
    for (size_t i = 0; i < (size_t)n;) {
        size_t l = url_at(cp, (size_t)n, i);
        if (l > 0) {
            total += 23;
            i += l;
            continue;
        }
        l = emoji_at(cp, (size_t)n, i);
        if (l > 0) {
            total += 2;
            i += l;
            continue;
        }
        total += weight(cp[i]);
        i++;
    }
    free(cp);
    return total;
}

char *x_tco_text(const char *text, size_t len)
{
    int32_t *cp = NULL;
    long n = nfc_points(text, len, &cp);
    if (n < 0)
        return NULL;
    /* A URL has at least 4 code points and becomes 23 bytes; others take at most 4. */
    size_t o = 0;
    char *outp = malloc((size_t)n * 10 + 64);
    if (outp == NULL) {
        free(cp);
        return NULL;
    }
    static const char alnum[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (size_t i = 0; i < (size_t)n;) {
        size_t l = url_at(cp, (size_t)n, i);
        if (l > 0) {
            uint64_t h = 1469598103934665603ULL;
            for (size_t k = i; k < i + l; k++)
                h = (h ^ (uint64_t)cp[k]) * 1099511628211ULL;
            char link[24] = "https://t.co/";
            for (int k = 0; k < 10; k++) {
                link[13 + k] = alnum[h % 62];
                h = h / 62 + (uint64_t)k * 7919u;
            }
            link[23] = '\0';
            memcpy(outp + o, link, 23);
            o += 23;
            i += l;
            continue;
        }
        utf8proc_uint8_t enc[4];
        utf8proc_ssize_t el = utf8proc_encode_char(cp[i], enc);
        memcpy(outp + o, enc, (size_t)el);
        o += (size_t)el;
        i++;
    }
    outp[o] = '\0';
    free(cp);
    return outp;
}
