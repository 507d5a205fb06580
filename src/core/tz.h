/*
 * tz.h - IANA time zones for scheduling: UTC instants <-> wall-clock time.
 *
 * Reads TZif files (RFC 8536, versions 1 to 4) from the system tzdata
 * (/usr/share/zoneinfo/<Zone>) itself: the 64-bit block of version 2+
 * files, and the POSIX TZ string in the footer for instants after the last
 * transition.  Nothing here touches process-global state (no TZ variable,
 * no localtime), so a loaded tz_zone is immutable and may be shared by any
 * number of threads.
 *
 * Every instant is int64_t UTC milliseconds since the Unix epoch (as in
 * core/clock.h).  Offsets are seconds east of UTC (New York in winter is
 * -18000).  Wall-clock dates use the proleptic Gregorian calendar; the
 * functions that take a wall time accept years 1 to 9999.
 */
#ifndef P2S_CORE_TZ_H
#define P2S_CORE_TZ_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define TZ_ABBR_MAX 16 /* bytes for an abbreviation such as "EDT" or "+1030", with NUL */
#define TZ_NAME_MAX 64 /* bytes for a zone name, with NUL */
#define TZ_FMT_MAX  48 /* a buffer this big fits the output of every tz_format_* */

/* Days past the local date of after_ms that tz_next_slots looks at (8 weeks + 4 days). */
#define TZ_SLOT_LOOKAHEAD_DAYS 60

/* A loaded zone: opaque and immutable; safe to share between threads. */
typedef struct tz_zone tz_zone;

/* A wall-clock time as a person types it (no zone, no offset). */
typedef struct tz_local_in {
    int year;   /* 1..9999 */
    int month;  /* 1..12 */
    int day;    /* 1..28/29/30/31 */
    int hour;   /* 0..23 */
    int minute; /* 0..59 */
    int second; /* 0..59 */
} tz_local_in;

/* An instant seen on the wall clock of a zone (tz_utc_to_local). */
typedef struct tz_local {
    int year;               /* may be outside 1..9999 for extreme instants */
    int month;              /* 1..12 */
    int day;                /* 1..31 */
    int hour;               /* 0..23 */
    int minute;             /* 0..59 */
    int second;             /* 0..59 */
    int millisecond;        /* 0..999 */
    int weekday;            /* ISO: Monday=1 .. Sunday=7 */
    int offset;             /* seconds east of UTC in effect at the instant */
    int is_dst;             /* 1 if the zone calls this daylight time */
    char abbr[TZ_ABBR_MAX]; /* "EDT", "GMT", "+1030" ... */
} tz_local;

/* How a wall-clock time maps onto instants (tz_local_to_utc). */
typedef enum tz_kind {
    TZ_EXACT = 0, /* the wall time happens exactly once */
    TZ_GAP,       /* the wall time never happens: the clocks jumped forward over it */
    TZ_OVERLAP    /* the wall time happens twice: the clocks were set back over it */
} tz_kind;

typedef struct tz_resolution {
    tz_kind kind;
    /*
     * The instant to use: TZ_EXACT the one instant; TZ_GAP the "shifted"
     * instant, i.e. the wall time moved forward by the length of the gap
     * (02:30 on a New York spring-forward day -> 03:30 EDT); TZ_OVERLAP the
     * earlier of the two instants.
     */
    int64_t utc_ms;
    int offset;       /* offset in effect at utc_ms */
    int64_t later_ms; /* TZ_OVERLAP: the later instant; otherwise == utc_ms */
    int later_offset; /* offset in effect at later_ms */

    /* TZ_GAP and TZ_OVERLAP only; all zero for TZ_EXACT. */
    int64_t transition_ms; /* the instant the clocks change */
    int offset_before;     /* offset just before transition_ms */
    int offset_after;      /* offset from transition_ms on */
    int length_sec;        /* length of the gap or of the repeated period (> 0) */
    tz_local_in jump_from; /* wall time the clocks read at the change (NY spring: 02:00) */
    tz_local_in jump_to;   /* wall time they are set to (NY spring: 03:00; fall: 01:00) */
} tz_resolution;

/* A weekly queue slot, in local wall time. */
typedef struct tz_slot {
    int weekday; /* ISO: Monday=1 .. Sunday=7 */
    int minute;  /* minute of the day, 0..1439 (09:30 = 570) */
} tz_slot;

/*
 * Load the IANA zone name ("Europe/Paris", "UTC") from the system tzdata.
 * The name must pass text_timezone_valid() (core/text.h), which rejects
 * path traversal and names not in tzdata.  Returns a zone to free with
 * tz_free, or NULL with a message in err (if err is not NULL): unknown zone,
 * unreadable or malformed file, zones with leap seconds ("right/...").
 * Reads one small file; cheap enough to call per request.
 */
tz_zone *tz_load(const char *name, char *err, size_t errlen);

/*
 * Parse a TZif image of len bytes already in memory (tests, embedded data).
 * name is only recorded (tz_name) and may be NULL.  Returns a zone or NULL
 * with a message in err.  The data is copied; the caller keeps ownership.
 */
tz_zone *tz_load_tzif(const char *name, const void *data, size_t len, char *err, size_t errlen);

/*
 * Make a zone from a POSIX TZ string alone, the form TZif footers use:
 * "EST5EDT,M3.2.0,M11.1.0", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
 * rule dates Jn / n / Mm.w.d with optional times (/2, /-1, /25, up to
 * +-167 hours).  Without a rule after a DST name, the US rule
 * M3.2.0,M11.1.0 applies.  Returns NULL with a message in err if invalid.
 */
tz_zone *tz_load_posix(const char *tzstring, char *err, size_t errlen);

/* Free a zone from tz_load*.  NULL is fine. */
void tz_free(tz_zone *z);

/* The name the zone was loaded under ("" if none).  Owned by z. */
const char *tz_name(const tz_zone *z);

/* The UTC offset in seconds (east positive) in effect at utc_ms. */
int tz_offset_at(const tz_zone *z, int64_t utc_ms);

/* The wall-clock time in z at utc_ms, with weekday, offset, DST flag and abbreviation. */
void tz_utc_to_local(const tz_zone *z, int64_t utc_ms, tz_local *out);

/*
 * Map a wall-clock time in z to instants; see tz_resolution.  Returns
 * APP_OK, or APP_EINVAL if wall is not a valid date and time (Feb 30, hour
 * 24, year outside 1..9999); out is then zeroed.
 */
app_err tz_local_to_utc(const tz_zone *z, const tz_local_in *wall, tz_resolution *out);

/*
 * The first change of UTC offset strictly after after_ms.  Returns 1 and
 * sets *at_ms, *offset_before and *offset_after (any may be NULL), or 0 if
 * the zone never changes offset again.  Changes of abbreviation or DST flag
 * alone are not reported.
 */
int tz_next_transition(const tz_zone *z, int64_t after_ms, int64_t *at_ms, int *offset_before,
                       int *offset_after);

/*
 * The start of the local day year-month-day in z: the instant of local
 * midnight; if midnight happens twice, the earlier; if midnight does not
 * exist (the clocks jump over it, as in America/Santiago or Asia/Beirut),
 * the first instant of that day, i.e. the transition.  A calendar range for
 * a day is [start(day), start(day + 1)).  Returns APP_OK or APP_EINVAL for
 * an invalid date.
 */
app_err tz_day_start(const tz_zone *z, int year, int month, int day, int64_t *utc_ms);

/*
 * The next instants of a weekly queue after after_ms (strictly), in
 * increasing order, at most max of them written to out; returns how many.
 * Each slot fires on its weekday at its minute of local wall time.  A wall
 * time in a gap fires at the shifted instant (02:30 -> 03:30), unless that
 * equals another slot's instant: the instants are unique, so it fires once.
 * A wall time that happens twice fires once, at the earlier instant.
 * Duplicate slots yield one instant; slots with a weekday outside 1..7 or a
 * minute outside 0..1439 are ignored.  Looks at most TZ_SLOT_LOOKAHEAD_DAYS
 * past the local date of after_ms, so it may return fewer than max.
 * Returns 0 if nslots or max is 0.
 */
size_t tz_next_slots(const tz_zone *z, const tz_slot *slots, size_t nslots, int64_t after_ms,
                     int64_t *out, size_t max);

/* --- calendar arithmetic (proleptic Gregorian, no zone) --- */

/* 1 if year (1..9999), month and day form a real date (no Feb 30, no Feb 29 2027). */
int tz_date_valid(int year, int month, int day);

/* Days in month (1..12) of year; 0 if month is out of range. */
int tz_days_in_month(int year, int month);

/* Days from 1970-01-01 to year-month-day (negative before). */
int64_t tz_days_from_civil(int64_t year, int month, int day);

/* The date days after 1970-01-01.  Any of the out pointers may be NULL. */
void tz_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* ISO weekday (Monday=1 .. Sunday=7) of the date days after 1970-01-01. */
int tz_weekday_from_days(int64_t days);

/* --- parsing and formatting for the API; strict, no trailing text --- */

/*
 * Parse a wall-clock time "YYYY-MM-DDTHH:MM", "YYYY-MM-DDTHH:MM:SS",
 * "YYYY-MM-DD HH:MM" or "YYYY-MM-DD HH:MM:SS": exactly these digit counts,
 * year 0001..9999, a real date, hour 00..23, minute and second 00..59.
 * Returns APP_OK or APP_EINVAL (out untouched).
 */
app_err tz_parse_local(const char *s, tz_local_in *out);

/*
 * Parse an RFC 3339 timestamp "2026-12-01T09:00:00Z" into UTC ms: 'T' (or
 * 't' or a space), seconds required, optional fraction of 1 to 9 digits
 * (truncated to ms), then 'Z'/'z' or +HH:MM / -HH:MM (hours 00..23).
 * Leap seconds (:60) are rejected.  Returns APP_OK or APP_EINVAL.
 */
app_err tz_parse_rfc3339(const char *s, int64_t *utc_ms);

/* Parse "HH:MM" (00:00..23:59) into the minute of the day.  APP_OK or APP_EINVAL. */
app_err tz_parse_hhmm(const char *s, int *minute);

/* Parse "YYYY-MM-DD" (a real date, year 0001..9999).  APP_OK or APP_EINVAL. */
app_err tz_parse_date(const char *s, int *year, int *month, int *day);

/*
 * Format a wall time as "2026-12-01T09:00", or "2026-12-01T09:00:05" when
 * the seconds are not zero (both forms tz_parse_local reads).  Returns buf.
 */
char *tz_format_wall(const tz_local_in *wall, char *buf, size_t len);

/* Format utc_ms as a wall time in z, like tz_format_wall.  Returns buf. */
char *tz_format_local(const tz_zone *z, int64_t utc_ms, char *buf, size_t len);

/*
 * Format utc_ms as RFC 3339 UTC: "2026-12-01T14:00:00Z", with ".250"
 * before the Z when the milliseconds are not zero.  Returns buf.
 */
char *tz_format_utc(int64_t utc_ms, char *buf, size_t len);

/* Format an offset as "+05:30", "-05:00", "+00:00" (or "-04:56:02" with seconds).  Returns buf. */
char *tz_format_offset(int offset, char *buf, size_t len);

#endif
