/*
 * tz.c - IANA time zones from TZif files (RFC 8536) and POSIX TZ strings.
 *
 * A zone is a sorted list of transitions (UTC seconds), each naming a
 * local time type (offset, DST flag, abbreviation), plus an optional POSIX
 * rule for instants after the last transition.  Everything is computed in
 * int64 seconds; milliseconds only at the edges.  No global state.
 */
#define _POSIX_C_SOURCE 200809L
#include "core/tz.h"

#include "core/text.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZONEINFO_DIR   "/usr/share/zoneinfo"
#define TZIF_FILE_MAX  (256 * 1024) /* real files are < 4 KiB */
#define TZIF_TIMES_MAX 100000       /* transitions */
#define TZIF_TYPES_MAX 256          /* local time types (RFC 8536 limit) */
#define FOOTER_MAX     256          /* bytes of POSIX TZ string */
#define MAX_OFF        (26 * 3600)  /* |UTC offset| bound, seconds */
#define RULE_HOURS_MAX 167          /* rule times: -167..167 h (RFC 8536 3.3.1) */
#define SECS_PER_DAY   86400

/* A local time type: the offset and what to call it. */
typedef struct ttype {
    int32_t off;            /* seconds east of UTC */
    int isdst;              /* 1 for daylight time */
    char abbr[TZ_ABBR_MAX]; /* abbreviation, NUL-terminated */
} ttype;

/* One date of a POSIX rule: Jn, n or Mm.w.d, at time seconds of local time. */
typedef struct rule_date {
    char kind;    /* 'J' (1..365, no Feb 29), 'D' (0..365 zero-based), 'M' */
    int n;        /* day for 'J' and 'D' */
    int m, w, d;  /* 'M': month 1..12, week 1..5 (5 = last), weekday 0..6 (0 = Sunday) */
    int32_t time; /* seconds after local midnight (may be negative or > 24 h) */
} rule_date;

/* A POSIX TZ string. */
typedef struct posix_rule {
    ttype std;       /* standard time */
    ttype dst;       /* daylight time (if has_dst) */
    int has_dst;     /* 0: fixed offset std */
    rule_date start; /* change to dst, in standard local time */
    rule_date end;   /* change back to std, in daylight local time */
} posix_rule;

struct tz_zone {
    char name[TZ_NAME_MAX]; /* as loaded, or "" */
    size_t ntrans;          /* number of transitions */
    int64_t *trans;         /* ntrans ascending UTC seconds */
    unsigned char *tidx;    /* ntrans type indexes into types */
    size_t ntypes;          /* number of local time types (0 for tz_load_posix zones) */
    ttype *types;           /* ntypes local time types; types[0] is in effect before trans[0] */
    int has_rule;           /* 1 if rule governs instants from the last transition on */
    posix_rule rule;        /* the footer */
};

/* A rule change: at UTC seconds t, daylight time starts (dst=1) or ends (dst=0). */
typedef struct rule_event {
    int64_t t;
    int dst;
} rule_event;

/* A change of offset found while resolving a wall time. */
typedef struct change {
    int64_t t;  /* UTC seconds */
    int before; /* offset before */
    int after;  /* offset from t on */
} change;

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "%s", msg);
}

/* Floor division and modulo for a positive divisor. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

/* ---------------------------------------------------------------- calendar */

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month64(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

int tz_days_in_month(int year, int month)
{
    return days_in_month64(year, month);
}

int tz_date_valid(int year, int month, int day)
{
    return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
           day <= days_in_month64(year, month);
}

/*
 * Howard Hinnant's days_from_civil: count 400-year eras from 0000-03-01,
 * so the leap day falls at the end of each computed year.
 */
int64_t tz_days_from_civil(int64_t year, int month, int day)
{
    int64_t y = year - (month <= 2);
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                            /* 0..399 */
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1; /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                    /* 0..146096 */
    return era * 146097 + doe - 719468;
}

/* The inverse of tz_days_from_civil. */
void tz_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* 0..146096 */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* 0..399 */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* 0..365 */
    int64_t mp = (5 * doy + 2) / 153;                                    /* 0..11, from March */
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    if (year != NULL)
        *year = yoe + era * 400 + (m <= 2);
    if (month != NULL)
        *month = m;
    if (day != NULL)
        *day = d;
}

int tz_weekday_from_days(int64_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    return (int)floor_mod(days + 3, 7) + 1;
}

/* Local seconds (seconds since 1970-01-01 00:00 on the wall clock) of a valid wall time. */
static int64_t wall_secs(const tz_local_in *w)
{
    return tz_days_from_civil(w->year, w->month, w->day) * SECS_PER_DAY + w->hour * 3600 +
           w->minute * 60 + w->second;
}

static int wall_valid(const tz_local_in *w)
{
    return tz_date_valid(w->year, w->month, w->day) && w->hour >= 0 && w->hour <= 23 &&
           w->minute >= 0 && w->minute <= 59 && w->second >= 0 && w->second <= 59;
}

/* The wall time of local seconds l. */
static void wall_from_secs(int64_t l, tz_local_in *w)
{
    int64_t days = floor_div(l, SECS_PER_DAY);
    int sod = (int)(l - days * SECS_PER_DAY);
    int64_t y;
    tz_civil_from_days(days, &y, &w->month, &w->day);
    w->year = (int)y;
    w->hour = sod / 3600;
    w->minute = sod / 60 % 60;
    w->second = sod % 60;
}

/* ------------------------------------------------------------- POSIX rule */

/* Parse an abbreviation: <...> of [A-Za-z0-9+-] or plain letters, 3..15 characters. */
static const char *parse_abbr(const char *p, char out[TZ_ABBR_MAX])
{
    size_t n = 0;
    if (*p == '<') {
        p++;
        while (*p != '>') {
            char c = *p;
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '-'))
                return NULL;
            if (n >= TZ_ABBR_MAX - 1)
                return NULL;
            out[n++] = c;
            p++;
        }
        p++;
    } else {
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
            if (n >= TZ_ABBR_MAX - 1)
                return NULL;
            out[n++] = *p++;
        }
    }
    if (n < 3)
        return NULL;
    out[n] = '\0';
    return p;
}

/* Parse 1..maxdig digits into *v (at most vmax). */
static const char *parse_num(const char *p, int maxdig, int vmax, int *v)
{
    int n = 0, x = 0;
    while (*p >= '0' && *p <= '9') {
        if (++n > maxdig)
            return NULL;
        x = x * 10 + (*p++ - '0');
    }
    if (n == 0 || x > vmax)
        return NULL;
    *v = x;
    return p;
}

/* Parse [+-]h[h[h]][:mm[:ss]] with hours at most maxh, into signed seconds. */
static const char *parse_hms(const char *p, int maxh, int32_t *secs)
{
    int sign = 1, h = 0, m = 0, s = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    p = parse_num(p, 3, maxh, &h);
    if (p != NULL && *p == ':') {
        p = parse_num(p + 1, 2, 59, &m);
        if (p != NULL && *p == ':')
            p = parse_num(p + 1, 2, 59, &s);
    }
    if (p == NULL)
        return NULL;
    *secs = sign * (h * 3600 + m * 60 + s);
    return p;
}

/* Parse a rule date Jn, n or Mm.w.d with an optional /time (default 02:00). */
static const char *parse_rule_date(const char *p, rule_date *r)
{
    memset(r, 0, sizeof *r);
    if (*p == 'J') {
        r->kind = 'J';
        p = parse_num(p + 1, 3, 365, &r->n);
        if (p != NULL && r->n < 1)
            return NULL;
    } else if (*p == 'M') {
        r->kind = 'M';
        p = parse_num(p + 1, 2, 12, &r->m);
        if (p == NULL || r->m < 1 || *p != '.')
            return NULL;
        p = parse_num(p + 1, 1, 5, &r->w);
        if (p == NULL || r->w < 1 || *p != '.')
            return NULL;
        p = parse_num(p + 1, 1, 6, &r->d);
    } else {
        r->kind = 'D';
        p = parse_num(p, 3, 365, &r->n);
    }
    if (p == NULL)
        return NULL;
    r->time = 2 * 3600;
    if (*p == '/')
        p = parse_hms(p + 1, RULE_HOURS_MAX, &r->time);
    return p;
}

/* Parse a whole POSIX TZ string; 0 on success, -1 if invalid. */
static int parse_posix(const char *s, posix_rule *r)
{
    int32_t secs;
    memset(r, 0, sizeof *r);
    const char *p = parse_abbr(s, r->std.abbr);
    if (p == NULL || (p = parse_hms(p, 24, &secs)) == NULL)
        return -1;
    r->std.off = -secs; /* POSIX offsets are positive west of Greenwich */
    if (*p == '\0')
        return 0;
    if ((p = parse_abbr(p, r->dst.abbr)) == NULL)
        return -1;
    r->has_dst = 1;
    r->dst.isdst = 1;
    r->dst.off = r->std.off + 3600;
    if (*p != ',' && *p != '\0') {
        if ((p = parse_hms(p, 24, &secs)) == NULL)
            return -1;
        r->dst.off = -secs;
    }
    if (*p == '\0') {
        /* No rule: the US rule, as tzcode does. */
        r->start = (rule_date){.kind = 'M', .m = 3, .w = 2, .d = 0, .time = 7200};
        r->end = (rule_date){.kind = 'M', .m = 11, .w = 1, .d = 0, .time = 7200};
        return 0;
    }
    if (*p != ',' || (p = parse_rule_date(p + 1, &r->start)) == NULL)
        return -1;
    if (*p != ',' || (p = parse_rule_date(p + 1, &r->end)) == NULL)
        return -1;
    return *p == '\0' ? 0 : -1;
}

/* Days since the epoch of the rule date r in year y. */
static int64_t rule_day(const rule_date *r, int64_t y)
{
    int64_t jan1 = tz_days_from_civil(y, 1, 1);
    if (r->kind == 'J')
        return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60 ? 1 : 0);
    if (r->kind == 'D')
        return jan1 + r->n;
    int64_t first = tz_days_from_civil(y, r->m, 1);
    int wd = tz_weekday_from_days(first) % 7; /* 0 = Sunday */
    int64_t day = first + (r->d - wd + 7) % 7 + 7 * (r->w - 1);
    int64_t last = first + days_in_month64(y, r->m) - 1;
    while (day > last)
        day -= 7;
    return day;
}

/* The rule's changes for years y-1 .. y+2, sorted by instant (ties keep year order). */
static void rule_events(const posix_rule *r, int64_t y, rule_event ev[8])
{
    size_t n = 0;
    for (int64_t yy = y - 1; yy <= y + 2; yy++) {
        ev[n].t = rule_day(&r->start, yy) * SECS_PER_DAY + r->start.time - r->std.off;
        ev[n++].dst = 1;
        ev[n].t = rule_day(&r->end, yy) * SECS_PER_DAY + r->end.time - r->dst.off;
        ev[n++].dst = 0;
    }
    for (size_t i = 1; i < n; i++) { /* stable insertion sort */
        rule_event e = ev[i];
        size_t j = i;
        while (j > 0 && ev[j - 1].t > e.t) {
            ev[j] = ev[j - 1];
            j--;
        }
        ev[j] = e;
    }
}

/* The year the rule should look at for UTC seconds t. */
static int64_t rule_year(const posix_rule *r, int64_t t)
{
    int64_t y;
    tz_civil_from_days(floor_div(t + r->std.off, SECS_PER_DAY), &y, NULL, NULL);
    return y;
}

/* The type a rule gives at UTC seconds t. */
static const ttype *rule_lookup(const posix_rule *r, int64_t t)
{
    if (!r->has_dst)
        return &r->std;
    rule_event ev[8];
    rule_events(r, rule_year(r, t), ev);
    int dst = !ev[0].dst; /* before the first event: the state it leaves */
    for (size_t i = 0; i < 8 && ev[i].t <= t; i++)
        dst = ev[i].dst;
    return dst ? &r->dst : &r->std;
}

/* The first rule change strictly after t; 0 if the rule never changes. */
static int rule_next(const posix_rule *r, int64_t t, int64_t *next)
{
    if (!r->has_dst)
        return 0;
    rule_event ev[8];
    rule_events(r, rule_year(r, t), ev);
    for (size_t i = 0; i < 8; i++)
        if (ev[i].t > t) {
            *next = ev[i].t;
            return 1;
        }
    return 0;
}

/* ------------------------------------------------------------ zone lookup */

/* The local time type in effect at UTC seconds t. */
static const ttype *type_at(const tz_zone *z, int64_t t)
{
    if (z->ntrans == 0 || (z->has_rule && t >= z->trans[z->ntrans - 1]))
        return z->has_rule ? rule_lookup(&z->rule, t) : &z->types[0];
    if (t < z->trans[0])
        return &z->types[0];
    size_t lo = 0, hi = z->ntrans; /* largest i with trans[i] <= t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return &z->types[z->tidx[lo]];
}

/* The first transition (of any kind) strictly after t; 0 if none. */
static int raw_next(const tz_zone *z, int64_t t, int64_t *next)
{
    if (z->ntrans > 0 && t < z->trans[z->ntrans - 1]) {
        size_t lo = 0, hi = z->ntrans - 1; /* smallest i with trans[i] > t */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (z->trans[mid] > t)
                hi = mid;
            else
                lo = mid + 1;
        }
        *next = z->trans[lo];
        return 1;
    }
    return z->has_rule && rule_next(&z->rule, t, next);
}

/* The first change of offset strictly after t; 0 if none. */
static int next_change(const tz_zone *z, int64_t t, change *c)
{
    int before = type_at(z, t)->off;
    for (size_t i = 0; i < z->ntrans + 16; i++) {
        int64_t next;
        if (!raw_next(z, t, &next))
            return 0;
        int after = type_at(z, next)->off;
        if (after != before) {
            c->t = next;
            c->before = before;
            c->after = after;
            return 1;
        }
        t = next;
    }
    return 0;
}

static int64_t ms_to_secs(int64_t ms)
{
    return floor_div(ms, 1000);
}

int tz_offset_at(const tz_zone *z, int64_t utc_ms)
{
    assert(z != NULL);
    return type_at(z, ms_to_secs(utc_ms))->off;
}

const char *tz_name(const tz_zone *z)
{
    assert(z != NULL);
    return z->name;
}

void tz_utc_to_local(const tz_zone *z, int64_t utc_ms, tz_local *out)
{
    assert(z != NULL && out != NULL);
    int64_t s = ms_to_secs(utc_ms);
    const ttype *tt = type_at(z, s);
    int64_t l = s + tt->off;
    int64_t days = floor_div(l, SECS_PER_DAY);
    tz_local_in w;
    wall_from_secs(l, &w);
    memset(out, 0, sizeof *out);
    out->year = w.year;
    out->month = w.month;
    out->day = w.day;
    out->hour = w.hour;
    out->minute = w.minute;
    out->second = w.second;
    out->millisecond = (int)floor_mod(utc_ms, 1000);
    out->weekday = tz_weekday_from_days(days);
    out->offset = tt->off;
    out->is_dst = tt->isdst;
    memcpy(out->abbr, tt->abbr, sizeof out->abbr);
}

int tz_next_transition(const tz_zone *z, int64_t after_ms, int64_t *at_ms, int *offset_before,
                       int *offset_after)
{
    assert(z != NULL);
    change c;
    if (!next_change(z, ms_to_secs(after_ms), &c) || c.t > INT64_MAX / 1000)
        return 0;
    if (at_ms != NULL)
        *at_ms = c.t * 1000;
    if (offset_before != NULL)
        *offset_before = c.before;
    if (offset_after != NULL)
        *offset_after = c.after;
    return 1;
}

/*
 * Resolve local seconds w.  Every instant t with t + offset(t) == w lies
 * within MAX_OFF of w, and its offset is one in effect somewhere in that
 * window; so collect those offsets (and the changes between them) and test
 * each.
 */
static app_err resolve(const tz_zone *z, int64_t w, tz_resolution *out)
{
    enum { NCH = 32 };
    change ch[NCH];
    int offs[NCH + 1];
    size_t nch = 0, noff = 0;
    int64_t t = w - MAX_OFF - 1;
    offs[noff++] = type_at(z, t)->off;
    while (nch < NCH && next_change(z, t, &ch[nch]) && ch[nch].t <= w + MAX_OFF + 1) {
        offs[noff++] = ch[nch].after;
        t = ch[nch++].t;
    }

    int64_t sol[NCH + 1];
    size_t nsol = 0;
    for (size_t i = 0; i < noff; i++) {
        int64_t cand = w - offs[i];
        if (type_at(z, cand)->off != offs[i])
            continue;
        size_t j = 0;
        while (j < nsol && sol[j] != cand)
            j++;
        if (j == nsol)
            sol[nsol++] = cand;
    }
    for (size_t i = 1; i < nsol; i++) { /* ascending */
        int64_t v = sol[i];
        size_t j = i;
        while (j > 0 && sol[j - 1] > v) {
            sol[j] = sol[j - 1];
            j--;
        }
        sol[j] = v;
    }

    memset(out, 0, sizeof *out);
    const change *c = NULL;
    if (nsol == 0) {
        for (size_t i = 0; i < nch && c == NULL; i++)
            if (ch[i].after > ch[i].before && ch[i].t + ch[i].before <= w &&
                w < ch[i].t + ch[i].after)
                c = &ch[i];
        if (c == NULL)
            return APP_EINVAL; /* cannot happen with a consistent zone */
        out->kind = TZ_GAP;
        int64_t shifted = w - c->before;
        out->utc_ms = shifted * 1000;
        out->offset = type_at(z, shifted)->off;
    } else {
        out->utc_ms = sol[0] * 1000;
        out->offset = type_at(z, sol[0])->off;
        if (nsol == 1) {
            out->kind = TZ_EXACT;
            out->later_ms = out->utc_ms;
            out->later_offset = out->offset;
            return APP_OK;
        }
        out->kind = TZ_OVERLAP;
        for (size_t i = 0; i < nch && c == NULL; i++)
            if (ch[i].after < ch[i].before && ch[i].t + ch[i].after <= w &&
                w < ch[i].t + ch[i].before)
                c = &ch[i];
        if (c == NULL)
            return APP_EINVAL; /* cannot happen with a consistent zone */
    }
    out->later_ms = nsol >= 2 ? sol[nsol - 1] * 1000 : out->utc_ms;
    out->later_offset = nsol >= 2 ? type_at(z, sol[nsol - 1])->off : out->offset;
    out->transition_ms = c->t * 1000;
    out->offset_before = c->before;
    out->offset_after = c->after;
    out->length_sec = c->after > c->before ? c->after - c->before : c->before - c->after;
    wall_from_secs(c->t + c->before, &out->jump_from);
    wall_from_secs(c->t + c->after, &out->jump_to);
    return APP_OK;
}

app_err tz_local_to_utc(const tz_zone *z, const tz_local_in *wall, tz_resolution *out)
{
    assert(z != NULL && wall != NULL && out != NULL);
    if (!wall_valid(wall)) {
        memset(out, 0, sizeof *out);
        return APP_EINVAL;
    }
    app_err e = resolve(z, wall_secs(wall), out);
    if (e != APP_OK)
        memset(out, 0, sizeof *out);
    return e;
}

app_err tz_day_start(const tz_zone *z, int year, int month, int day, int64_t *utc_ms)
{
    assert(z != NULL && utc_ms != NULL);
    tz_local_in w = {.year = year, .month = month, .day = day};
    tz_resolution r;
    app_err e = tz_local_to_utc(z, &w, &r);
    if (e != APP_OK)
        return e;
    *utc_ms = r.kind == TZ_GAP ? r.transition_ms : r.utc_ms;
    return APP_OK;
}

/* Insert t into the ascending unique array out[0..*n), keeping at most max smallest. */
static void insert_instant(int64_t *out, size_t *n, size_t max, int64_t t)
{
    size_t i = *n;
    while (i > 0 && out[i - 1] > t)
        i--;
    if (i > 0 && out[i - 1] == t)
        return;
    if (i == max)
        return;
    size_t last = *n < max ? *n : max - 1;
    memmove(&out[i + 1], &out[i], (last - i) * sizeof *out);
    out[i] = t;
    if (*n < max)
        (*n)++;
}

size_t tz_next_slots(const tz_zone *z, const tz_slot *slots, size_t nslots, int64_t after_ms,
                     int64_t *out, size_t max)
{
    assert(z != NULL);
    if (nslots == 0 || max == 0 || slots == NULL || out == NULL)
        return 0;
    int64_t s = ms_to_secs(after_ms);
    int64_t day0 = floor_div(s + type_at(z, s)->off, SECS_PER_DAY);
    size_t n = 0;
    /* Start two days back: a gap can push a slot of an earlier day past after_ms. */
    for (int64_t d = day0 - 2; d <= day0 + TZ_SLOT_LOOKAHEAD_DAYS; d++) {
        if (n == max && (d * SECS_PER_DAY - MAX_OFF) * 1000 > out[n - 1])
            break; /* nothing on this day or later can be earlier than what we have */
        int64_t y;
        int m, dd;
        tz_civil_from_days(d, &y, &m, &dd);
        if (y < 1 || y > 9999)
            continue;
        int wd = tz_weekday_from_days(d);
        for (size_t i = 0; i < nslots; i++) {
            if (slots[i].weekday != wd || slots[i].minute < 0 || slots[i].minute > 1439)
                continue;
            tz_local_in w = {.year = (int)y,
                             .month = m,
                             .day = dd,
                             .hour = slots[i].minute / 60,
                             .minute = slots[i].minute % 60};
            tz_resolution r;
            if (resolve(z, wall_secs(&w), &r) != APP_OK || r.utc_ms <= after_ms)
                continue;
            insert_instant(out, &n, max, r.utc_ms);
        }
    }
    return n;
}

/* ------------------------------------------------------------------ TZif */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* The six counts of a TZif header. */
typedef struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static void read_counts(const unsigned char *h, tzif_counts *c)
{
    c->isut = be32(h + 20);
    c->isstd = be32(h + 24);
    c->leap = be32(h + 28);
    c->time = be32(h + 32);
    c->type = be32(h + 36);
    c->chars = be32(h + 40);
}

/* Size of the data block after a header with counts c and time size ts (4 or 8). */
static uint64_t block_size(const tzif_counts *c, unsigned ts)
{
    return (uint64_t)c->time * (ts + 1) + (uint64_t)c->type * 6 + c->chars +
           (uint64_t)c->leap * (ts + 4) + c->isstd + c->isut;
}

tz_zone *tz_load_tzif(const char *name, const void *data, size_t len, char *err, size_t errlen)
{
    const unsigned char *p = data;
    tz_zone *z = NULL;
    if (p == NULL || len < 44 || memcmp(p, "TZif", 4) != 0) {
        set_err(err, errlen, "not a TZif file");
        return NULL;
    }
    unsigned char version = p[4];
    if (version != 0 && (version < '2' || version > '9')) {
        set_err(err, errlen, "unsupported TZif version");
        return NULL;
    }
    tzif_counts c;
    read_counts(p, &c);
    unsigned ts = 4;
    uint64_t off = 44;
    if (version >= '2') {
        /* Skip the 32-bit block to the second header and its 64-bit block. */
        off += block_size(&c, 4);
        if (off + 44 > len || memcmp(p + off, "TZif", 4) != 0) {
            set_err(err, errlen, "truncated TZif file");
            return NULL;
        }
        read_counts(p + off, &c);
        off += 44;
        ts = 8;
    }
    if (c.type == 0 || c.type > TZIF_TYPES_MAX || c.time > TZIF_TIMES_MAX || c.chars == 0 ||
        c.chars > 4096 || (c.isut != 0 && c.isut != c.type) ||
        (c.isstd != 0 && c.isstd != c.type)) {
        set_err(err, errlen, "malformed TZif header");
        return NULL;
    }
    if (c.leap != 0) {
        set_err(err, errlen, "time zones with leap seconds are not supported");
        return NULL;
    }
    if (off + block_size(&c, ts) > len) {
        set_err(err, errlen, "truncated TZif file");
        return NULL;
    }

    /* One allocation: the struct, then transitions, types, type indexes. */
    size_t bytes = sizeof *z + c.time * sizeof(int64_t) + c.type * sizeof(ttype) + c.time;
    z = calloc(1, bytes);
    if (z == NULL) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    z->trans = (int64_t *)(z + 1);
    z->types = (ttype *)(z->trans + c.time);
    z->tidx = (unsigned char *)(z->types + c.type);
    z->ntrans = c.time;
    z->ntypes = c.type;
    if (name != NULL)
        snprintf(z->name, sizeof z->name, "%.*s", TZ_NAME_MAX - 1, name);

    const unsigned char *q = p + off;
    for (size_t i = 0; i < c.time; i++, q += ts) {
        z->trans[i] = ts == 8 ? be64(q) : (int64_t)(int32_t)be32(q);
        if (i > 0 && z->trans[i] <= z->trans[i - 1]) {
            set_err(err, errlen, "TZif transitions out of order");
            goto fail;
        }
    }
    for (size_t i = 0; i < c.time; i++, q++) {
        if (*q >= c.type) {
            set_err(err, errlen, "malformed TZif transition");
            goto fail;
        }
        z->tidx[i] = *q;
    }
    const unsigned char *chars = q + c.type * 6;
    for (size_t i = 0; i < c.type; i++, q += 6) {
        int32_t utoff = (int32_t)be32(q);
        if (utoff <= -MAX_OFF || utoff >= MAX_OFF || q[4] > 1 || q[5] >= c.chars) {
            set_err(err, errlen, "malformed TZif time type");
            goto fail;
        }
        z->types[i].off = utoff;
        z->types[i].isdst = q[4];
        size_t k = 0;
        for (size_t j = q[5]; j < c.chars && chars[j] != '\0' && k < TZ_ABBR_MAX - 1; j++)
            z->types[i].abbr[k++] = (char)chars[j];
    }
    off += block_size(&c, ts);

    if (version >= '2') {
        /* Footer: "\n" POSIX-TZ "\n"; an empty string means no rule. */
        const char *f = (const char *)p + off;
        size_t avail = len - off;
        const char *nl = avail > 1 && f[0] == '\n' ? memchr(f + 1, '\n', avail - 1) : NULL;
        if (nl == NULL || (size_t)(nl - f - 1) >= FOOTER_MAX) {
            set_err(err, errlen, "malformed TZif footer");
            goto fail;
        }
        char tzs[FOOTER_MAX];
        memcpy(tzs, f + 1, (size_t)(nl - f - 1));
        tzs[nl - f - 1] = '\0';
        if (tzs[0] != '\0') {
            if (parse_posix(tzs, &z->rule) != 0) {
                set_err(err, errlen, "unsupported TZ string in TZif footer");
                goto fail;
            }
            z->has_rule = 1;
        }
    }
    return z;
fail:
    free(z);
    return NULL;
}

tz_zone *tz_load_posix(const char *tzstring, char *err, size_t errlen)
{
    if (tzstring == NULL || strlen(tzstring) >= FOOTER_MAX) {
        set_err(err, errlen, "invalid TZ string");
        return NULL;
    }
    tz_zone *z = calloc(1, sizeof *z);
    if (z == NULL) {
        set_err(err, errlen, "out of memory");
        return NULL;
    }
    if (parse_posix(tzstring, &z->rule) != 0) {
        free(z);
        set_err(err, errlen, "invalid TZ string");
        return NULL;
    }
    z->has_rule = 1;
    snprintf(z->name, sizeof z->name, "%.*s", TZ_NAME_MAX - 1, tzstring);
    return z;
}

tz_zone *tz_load(const char *name, char *err, size_t errlen)
{
    /* text_timezone_valid: no "..", no leading '/', a safe character set, a TZif file. */
    if (name == NULL || !text_timezone_valid(name)) {
        set_err(err, errlen, "unknown time zone");
        return NULL;
    }
    char path[sizeof ZONEINFO_DIR + TZ_NAME_MAX + 1];
    int pn = snprintf(path, sizeof path, "%s/%s", ZONEINFO_DIR, name);
    if (pn < 0 || (size_t)pn >= sizeof path) {
        set_err(err, errlen, "unknown time zone");
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(err, errlen, "unknown time zone");
        return NULL;
    }
    unsigned char *buf = NULL;
    tz_zone *z = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        st.st_size > TZIF_FILE_MAX) {
        set_err(err, errlen, "unreadable time zone file");
        goto out;
    }
    size_t size = (size_t)st.st_size, got = 0;
    buf = malloc(size);
    if (buf == NULL) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got != size) {
        set_err(err, errlen, "unreadable time zone file");
        goto out;
    }
    z = tz_load_tzif(name, buf, size, err, errlen);
out:
    free(buf);
    close(fd);
    return z;
}

void tz_free(tz_zone *z)
{
    free(z);
}

/* ------------------------------------------------------ parse and format */

/* Exactly n digits at s into *v; returns s + n or NULL. */
static const char *digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return NULL;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return s + n;
}

/* "YYYY-MM-DD" as a real date; returns the end or NULL. */
static const char *parse_ymd(const char *s, int *y, int *m, int *d)
{
    if ((s = digits(s, 4, y)) == NULL || *s != '-' || (s = digits(s + 1, 2, m)) == NULL ||
        *s != '-' || (s = digits(s + 1, 2, d)) == NULL)
        return NULL;
    return tz_date_valid(*y, *m, *d) ? s : NULL;
}

/* "HH:MM" (00:00..23:59); returns the end or NULL. */
static const char *parse_hm(const char *s, int *h, int *m)
{
    if ((s = digits(s, 2, h)) == NULL || *s != ':' || (s = digits(s + 1, 2, m)) == NULL)
        return NULL;
    return *h <= 23 && *m <= 59 ? s : NULL;
}

app_err tz_parse_local(const char *s, tz_local_in *out)
{
    tz_local_in w = {0};
    if (s == NULL || out == NULL || (s = parse_ymd(s, &w.year, &w.month, &w.day)) == NULL ||
        (*s != 'T' && *s != ' ') || (s = parse_hm(s + 1, &w.hour, &w.minute)) == NULL)
        return APP_EINVAL;
    if (*s == ':' && ((s = digits(s + 1, 2, &w.second)) == NULL || w.second > 59))
        return APP_EINVAL;
    if (*s != '\0')
        return APP_EINVAL;
    *out = w;
    return APP_OK;
}

app_err tz_parse_rfc3339(const char *s, int64_t *utc_ms)
{
    tz_local_in w = {0};
    if (s == NULL || utc_ms == NULL || (s = parse_ymd(s, &w.year, &w.month, &w.day)) == NULL ||
        (*s != 'T' && *s != 't' && *s != ' ') ||
        (s = parse_hm(s + 1, &w.hour, &w.minute)) == NULL || *s != ':' ||
        (s = digits(s + 1, 2, &w.second)) == NULL || w.second > 59)
        return APP_EINVAL;
    int ms = 0;
    if (*s == '.') {
        int n = 0;
        s++;
        while (*s >= '0' && *s <= '9') {
            if (++n > 9)
                return APP_EINVAL;
            if (n <= 3)
                ms = ms * 10 + (*s - '0');
            s++;
        }
        if (n == 0)
            return APP_EINVAL;
        for (; n < 3; n++)
            ms *= 10;
    }
    int offset = 0;
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1, oh, om;
        if ((s = parse_hm(s + 1, &oh, &om)) == NULL)
            return APP_EINVAL;
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return APP_EINVAL;
    }
    if (*s != '\0')
        return APP_EINVAL;
    *utc_ms = (wall_secs(&w) - offset) * 1000 + ms;
    return APP_OK;
}

app_err tz_parse_hhmm(const char *s, int *minute)
{
    int h, m;
    if (s == NULL || minute == NULL || (s = parse_hm(s, &h, &m)) == NULL || *s != '\0')
        return APP_EINVAL;
    *minute = h * 60 + m;
    return APP_OK;
}

app_err tz_parse_date(const char *s, int *year, int *month, int *day)
{
    int y, m, d;
    if (s == NULL || year == NULL || month == NULL || day == NULL ||
        (s = parse_ymd(s, &y, &m, &d)) == NULL || *s != '\0')
        return APP_EINVAL;
    *year = y;
    *month = m;
    *day = d;
    return APP_OK;
}

char *tz_format_wall(const tz_local_in *wall, char *buf, size_t len)
{
    assert(wall != NULL && buf != NULL && len > 0);
    if (wall->second != 0)
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d", wall->year, wall->month, wall->day,
                 wall->hour, wall->minute, wall->second);
    else
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d", wall->year, wall->month, wall->day,
                 wall->hour, wall->minute);
    return buf;
}

char *tz_format_local(const tz_zone *z, int64_t utc_ms, char *buf, size_t len)
{
    tz_local l;
    tz_utc_to_local(z, utc_ms, &l);
    tz_local_in w = {l.year, l.month, l.day, l.hour, l.minute, l.second};
    return tz_format_wall(&w, buf, len);
}

char *tz_format_utc(int64_t utc_ms, char *buf, size_t len)
{
    assert(buf != NULL && len > 0);
    int64_t s = ms_to_secs(utc_ms);
    int ms = (int)floor_mod(utc_ms, 1000);
    tz_local_in w;
    wall_from_secs(s, &w);
    if (ms != 0)
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", w.year, w.month, w.day, w.hour,
                 w.minute, w.second, ms);
    else
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", w.year, w.month, w.day, w.hour,
                 w.minute, w.second);
    return buf;
}

char *tz_format_offset(int offset, char *buf, size_t len)
{
    assert(buf != NULL && len > 0);
    char sign = offset < 0 ? '-' : '+';
    long a = offset < 0 ? -(long)offset : offset;
    if (a % 60 != 0)
        snprintf(buf, len, "%c%02ld:%02ld:%02ld", sign, a / 3600, a / 60 % 60, a % 60);
    else
        snprintf(buf, len, "%c%02ld:%02ld", sign, a / 3600, a / 60 % 60);
    return buf;
}
