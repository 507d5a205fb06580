/*
 * test_tz.c - time zones (src/core/tz.h): TZif offsets, gaps and overlaps,
 * POSIX footer rules, weekly queue slots across DST changes, parsing.
 *
 * Expected instants come from `zdump -v` on tzdata 2025b (quoted beside
 * them) and are built with timegm(), never with the code under test.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/tz.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* UTC milliseconds of a UTC date and time, independently of tz.c. */
static int64_t U(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return (int64_t)timegm(&tm) * 1000;
}

static tz_zone *load(const char *name)
{
    char err[128] = "";
    tz_zone *z = tz_load(name, err, sizeof err);
    if (z == NULL)
        fail_msg("tz_load(%s): %s", name, err);
    return z;
}

static tz_zone *load_posix(const char *s)
{
    char err[128] = "";
    tz_zone *z = tz_load_posix(s, err, sizeof err);
    if (z == NULL)
        fail_msg("tz_load_posix(%s): %s", s, err);
    return z;
}

/* The offset, DST flag and abbreviation at ms. */
static void check_at(const tz_zone *z, int64_t ms, int off, int isdst, const char *abbr)
{
    tz_local l;
    tz_utc_to_local(z, ms, &l);
    assert_int_equal(tz_offset_at(z, ms), off);
    assert_int_equal(l.offset, off);
    assert_int_equal(l.is_dst, isdst);
    if (abbr != NULL)
        assert_string_equal(l.abbr, abbr);
}

static tz_resolution resolve(const tz_zone *z, int y, int mo, int d, int h, int mi)
{
    tz_local_in w = {y, mo, d, h, mi, 0};
    tz_resolution r;
    assert_int_equal(tz_local_to_utc(z, &w, &r), APP_OK);
    return r;
}

static void check_exact(const tz_zone *z, int y, int mo, int d, int h, int mi, int64_t ms, int off)
{
    tz_resolution r = resolve(z, y, mo, d, h, mi);
    assert_int_equal(r.kind, TZ_EXACT);
    assert_int_equal(r.utc_ms, ms);
    assert_int_equal(r.later_ms, ms);
    assert_int_equal(r.offset, off);
    assert_int_equal(r.transition_ms, 0);
}

static void check_wall(const tz_local_in *w, int y, int mo, int d, int h, int mi)
{
    assert_int_equal(w->year, y);
    assert_int_equal(w->month, mo);
    assert_int_equal(w->day, d);
    assert_int_equal(w->hour, h);
    assert_int_equal(w->minute, mi);
    assert_int_equal(w->second, 0);
}

/* tz_next_slots must return exactly the n instants in want. */
static void check_slots(const tz_zone *z, const tz_slot *slots, size_t nslots, int64_t after,
                        const int64_t *want, size_t n)
{
    int64_t got[64];
    assert_true(n <= 64);
    size_t k = tz_next_slots(z, slots, nslots, after, got, n);
    assert_int_equal(k, n);
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) {
            char a[TZ_FMT_MAX], b[TZ_FMT_MAX];
            fail_msg("slot %zu: got %s, want %s", i, tz_format_utc(got[i], a, sizeof a),
                     tz_format_utc(want[i], b, sizeof b));
        }
}

/* Monday to Friday at 09:00 and 12:30. */
static const tz_slot weekday_queue[] = {
    {1, 540}, {1, 750}, {2, 540}, {2, 750}, {3, 540},
    {3, 750}, {4, 540}, {4, 750}, {5, 540}, {5, 750},
};
#define NQUEUE (sizeof weekday_queue / sizeof weekday_queue[0])

/* A whole TZif file into memory. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ------------------------------------------------------------------ loading */

static void test_load_rejects_bad_names(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "../etc/passwd",
        "Nope/Zone",
        "",
        "/etc/passwd",
        "America/../../etc/passwd",
        "America/New_York/..",
        "America",
        "America/New York",
        "Europe/London\n",
        "America/New_York%00",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[128] = "";
        assert_null(tz_load(bad[i], err, sizeof err));
        assert_true(err[0] != '\0');
    }
    assert_null(tz_load(NULL, NULL, 0));
    assert_null(tz_load("Nope/Zone", NULL, 0)); /* no err buffer is fine */

    /* Leap-second zones are refused rather than silently off by 27 s. */
    char err[128] = "";
    tz_zone *z = tz_load("right/UTC", err, sizeof err);
    assert_null(z);
    if (access("/usr/share/zoneinfo/right/UTC", R_OK) == 0)
        assert_non_null(strstr(err, "leap"));

    z = load("America/New_York");
    assert_string_equal(tz_name(z), "America/New_York");
    tz_free(z);
    tz_free(NULL);
}

static void test_load_tzif_malformed(void **state)
{
    (void)state;
    char err[128];
    size_t len;
    unsigned char *ny = slurp("/usr/share/zoneinfo/America/New_York", &len);
    assert_true(len > 200);

    assert_null(tz_load_tzif("x", "hello", 5, err, sizeof err));
    assert_null(tz_load_tzif("x", NULL, 0, err, sizeof err));
    /* Cut anywhere: truncated. */
    for (size_t cut = 0; cut < len; cut += 97)
        assert_null(tz_load_tzif("x", ny, cut, err, sizeof err));
    assert_null(tz_load_tzif("x", ny, len - 1, err, sizeof err)); /* footer's last newline */

    unsigned char *bad = malloc(len);
    assert_non_null(bad);
    memcpy(bad, ny, len);
    bad[0] = 'X';
    assert_null(tz_load_tzif("x", bad, len, err, sizeof err));
    memcpy(bad, ny, len);
    bad[4] = '1'; /* unknown version */
    assert_null(tz_load_tzif("x", bad, len, err, sizeof err));

    /* The second (64-bit) header: typecnt 0 is malformed. */
    uint32_t isut = get32(ny + 20), isstd = get32(ny + 24), leap = get32(ny + 28),
             tcnt = get32(ny + 32), ycnt = get32(ny + 36), ccnt = get32(ny + 40);
    size_t h2 = 44 + tcnt * 5 + ycnt * 6 + ccnt + leap * 8 + isstd + isut;
    memcpy(bad, ny, len);
    memset(bad + h2 + 36, 0, 4);
    assert_null(tz_load_tzif("x", bad, len, err, sizeof err));

    /* A transition naming a type past the end. */
    memcpy(bad, ny, len);
    uint32_t t2 = get32(ny + h2 + 32);
    bad[h2 + 44 + t2 * 8] = 0xff;
    assert_null(tz_load_tzif("x", bad, len, err, sizeof err));

    /* A bad footer. */
    memcpy(bad, ny, len);
    memcpy(bad + len - 1 - strlen("EST5EDT,M3.2.0,M11.1.0"), "EST5EDT,M3.2.0,M13.1.0", 22);
    assert_null(tz_load_tzif("x", bad, len, err, sizeof err));
    assert_non_null(strstr(err, "footer"));

    tz_zone *z = tz_load_tzif(NULL, ny, len, err, sizeof err);
    assert_non_null(z);
    assert_string_equal(tz_name(z), "");
    tz_free(z);
    free(bad);
    free(ny);
}

/* A version 1 file (32-bit data, no footer) made from the real New York file. */
static void test_tzif_version1(void **state)
{
    (void)state;
    char err[128] = "";
    size_t len;
    unsigned char *ny = slurp("/usr/share/zoneinfo/America/New_York", &len);
    uint32_t isut = get32(ny + 20), isstd = get32(ny + 24), leap = get32(ny + 28),
             tcnt = get32(ny + 32), ycnt = get32(ny + 36), ccnt = get32(ny + 40);
    size_t v1len = 44 + tcnt * 5 + ycnt * 6 + ccnt + leap * 8 + isstd + isut;
    ny[4] = 0;
    tz_zone *z = tz_load_tzif("NY1", ny, v1len, err, sizeof err);
    if (z == NULL)
        fail_msg("%s", err);
    /* zdump: Sun Mar  8 07:00:00 2026 UT = 03:00:00 EDT gmtoff=-14400 */
    check_at(z, U(2026, 3, 8, 6, 59, 59), -18000, 0, "EST");
    check_at(z, U(2026, 3, 8, 7, 0, 0), -14400, 1, "EDT");
    /* No footer: after the last transition (2037-11-01) the last type, EST, holds. */
    check_at(z, U(2100, 7, 1, 12, 0, 0), -18000, 0, "EST");
    tz_free(z);
    free(ny);
}

/* ------------------------------------------------------------------ offsets */

static void test_offsets_known(void **state)
{
    (void)state;
    tz_zone *ny = load("America/New_York");
    /* Sun Nov 18 16:59:59 1883 UT = 12:03:57 LMT gmtoff=-17762 (64-bit block only) */
    check_at(ny, U(1883, 11, 18, 16, 59, 59), -17762, 0, "LMT");
    check_at(ny, U(1883, 11, 18, 17, 0, 0), -18000, 0, "EST");
    /* Sun Mar  8 06:59:59 2026 UT = 01:59:59 EST; 07:00:00 UT = 03:00:00 EDT */
    check_at(ny, U(2026, 3, 8, 6, 59, 59), -18000, 0, "EST");
    check_at(ny, U(2026, 3, 8, 7, 0, 0), -14400, 1, "EDT");
    check_at(ny, U(2026, 3, 8, 7, 0, 0) - 1, -18000, 0, "EST"); /* one millisecond before */
    /* Sun Nov  1 05:59:59 2026 UT = 01:59:59 EDT; 06:00:00 UT = 01:00:00 EST */
    check_at(ny, U(2026, 11, 1, 5, 59, 59), -14400, 1, "EDT");
    check_at(ny, U(2026, 11, 1, 6, 0, 0), -18000, 0, "EST");
    /* 2027: Mar 14 07:00 UT and Nov 7 06:00 UT */
    check_at(ny, U(2027, 3, 14, 6, 59, 59), -18000, 0, "EST");
    check_at(ny, U(2027, 3, 14, 7, 0, 0), -14400, 1, "EDT");
    check_at(ny, U(2027, 11, 7, 5, 59, 59), -14400, 1, "EDT");
    check_at(ny, U(2027, 11, 7, 6, 0, 0), -18000, 0, "EST");
    tz_free(ny);

    tz_zone *lon = load("Europe/London");
    /* Sun Mar 29 01:00:00 2026 UT = 02:00:00 BST; Sun Oct 25 01:00:00 2026 UT = 01:00:00 GMT */
    check_at(lon, U(2026, 3, 29, 0, 59, 59), 0, 0, "GMT");
    check_at(lon, U(2026, 3, 29, 1, 0, 0), 3600, 1, "BST");
    check_at(lon, U(2026, 10, 25, 0, 59, 59), 3600, 1, "BST");
    check_at(lon, U(2026, 10, 25, 1, 0, 0), 0, 0, "GMT");
    tz_free(lon);

    tz_zone *lh = load("Australia/Lord_Howe");
    /* Sat Apr  4 14:59:59 2026 UT = Sun Apr 5 01:59:59 +11 isdst=1; 15:00 UT = 01:30 +1030 */
    check_at(lh, U(2026, 4, 4, 14, 59, 59), 39600, 1, "+11");
    check_at(lh, U(2026, 4, 4, 15, 0, 0), 37800, 0, "+1030");
    /* Sat Oct  3 15:29:59 2026 UT = 01:59:59 +1030; 15:30 UT = Sun Oct 4 02:30 +11 */
    check_at(lh, U(2026, 10, 3, 15, 29, 59), 37800, 0, "+1030");
    check_at(lh, U(2026, 10, 3, 15, 30, 0), 39600, 1, "+11");
    /* Southern summer spans the new year. */
    check_at(lh, U(2026, 12, 31, 13, 0, 0), 39600, 1, "+11");
    check_at(lh, U(2027, 1, 15, 0, 0, 0), 39600, 1, "+11");
    check_at(lh, U(2026, 7, 1, 0, 0, 0), 37800, 0, "+1030");
    tz_free(lh);

    tz_zone *kl = load("Asia/Kuala_Lumpur");
    /* Thu Dec 31 15:59:59 1981 UT = 23:29:59 +0730; 16:00:00 UT = Fri Jan 1 00:00:00 1982 +08 */
    check_at(kl, U(1981, 12, 31, 15, 59, 59), 27000, 0, "+0730");
    check_at(kl, U(1981, 12, 31, 16, 0, 0), 28800, 0, "+08");
    check_at(kl, U(2026, 3, 8, 7, 0, 0), 28800, 0, "+08");
    check_at(kl, U(2026, 7, 1, 0, 0, 0), 28800, 0, "+08");
    tz_free(kl);
}

static void test_utc_to_local(void **state)
{
    (void)state;
    tz_zone *ny = load("America/New_York");
    tz_local l;
    tz_utc_to_local(ny, U(2026, 3, 8, 7, 0, 0) + 250, &l);
    assert_int_equal(l.year, 2026);
    assert_int_equal(l.month, 3);
    assert_int_equal(l.day, 8);
    assert_int_equal(l.hour, 3);
    assert_int_equal(l.minute, 0);
    assert_int_equal(l.second, 0);
    assert_int_equal(l.millisecond, 250);
    assert_int_equal(l.weekday, 7); /* Sunday */
    assert_string_equal(l.abbr, "EDT");
    /* Fall back: 05:30 UT and 06:30 UT both read 01:30. */
    tz_utc_to_local(ny, U(2026, 11, 1, 5, 30, 0), &l);
    assert_int_equal(l.hour, 1);
    assert_int_equal(l.minute, 30);
    assert_int_equal(l.is_dst, 1);
    tz_utc_to_local(ny, U(2026, 11, 1, 6, 30, 0), &l);
    assert_int_equal(l.hour, 1);
    assert_int_equal(l.minute, 30);
    assert_int_equal(l.is_dst, 0);
    tz_free(ny);

    tz_zone *lh = load("Australia/Lord_Howe");
    tz_utc_to_local(lh, U(2026, 12, 31, 13, 0, 0), &l); /* +11: 2027-01-01 00:00, a Friday */
    assert_int_equal(l.year, 2027);
    assert_int_equal(l.month, 1);
    assert_int_equal(l.day, 1);
    assert_int_equal(l.hour, 0);
    assert_int_equal(l.weekday, 5);
    tz_free(lh);

    tz_zone *utc = load("UTC");
    tz_utc_to_local(utc, -1, &l); /* 1969-12-31 23:59:59.999, a Wednesday */
    assert_int_equal(l.year, 1969);
    assert_int_equal(l.month, 12);
    assert_int_equal(l.day, 31);
    assert_int_equal(l.hour, 23);
    assert_int_equal(l.second, 59);
    assert_int_equal(l.millisecond, 999);
    assert_int_equal(l.weekday, 3);
    assert_int_equal(l.offset, 0);
    assert_string_equal(l.abbr, "UTC");
    tz_free(utc);
}

/* --------------------------------------------------------- gaps and overlaps */

static void test_new_york_gap_overlap(void **state)
{
    (void)state;
    tz_zone *ny = load("America/New_York");
    char buf[TZ_FMT_MAX];

    /* 2026-03-08 02:30 does not exist: 02:00 EST jumps to 03:00 EDT at 07:00 UT. */
    tz_resolution r = resolve(ny, 2026, 3, 8, 2, 30);
    assert_int_equal(r.kind, TZ_GAP);
    assert_int_equal(r.utc_ms, U(2026, 3, 8, 7, 30, 0)); /* 03:30 EDT */
    assert_string_equal(tz_format_local(ny, r.utc_ms, buf, sizeof buf), "2026-03-08T03:30");
    assert_int_equal(r.offset, -14400);
    assert_int_equal(r.later_ms, r.utc_ms);
    assert_int_equal(r.transition_ms, U(2026, 3, 8, 7, 0, 0));
    assert_int_equal(r.offset_before, -18000);
    assert_int_equal(r.offset_after, -14400);
    assert_int_equal(r.length_sec, 3600);
    check_wall(&r.jump_from, 2026, 3, 8, 2, 0);
    check_wall(&r.jump_to, 2026, 3, 8, 3, 0);
    /* The edges of the gap [02:00, 03:00). */
    assert_int_equal(resolve(ny, 2026, 3, 8, 2, 0).kind, TZ_GAP);
    assert_int_equal(resolve(ny, 2026, 3, 8, 2, 59).kind, TZ_GAP);
    check_exact(ny, 2026, 3, 8, 3, 0, U(2026, 3, 8, 7, 0, 0), -14400);
    check_exact(ny, 2026, 3, 8, 1, 59, U(2026, 3, 8, 6, 59, 0), -18000);

    /* 2026-11-01 01:30 happens twice: 05:30 UT (EDT) and 06:30 UT (EST). */
    r = resolve(ny, 2026, 11, 1, 1, 30);
    assert_int_equal(r.kind, TZ_OVERLAP);
    assert_int_equal(r.utc_ms, U(2026, 11, 1, 5, 30, 0));
    assert_int_equal(r.offset, -14400);
    assert_int_equal(r.later_ms, U(2026, 11, 1, 6, 30, 0));
    assert_int_equal(r.later_offset, -18000);
    assert_int_equal(r.transition_ms, U(2026, 11, 1, 6, 0, 0));
    assert_int_equal(r.offset_before, -14400);
    assert_int_equal(r.offset_after, -18000);
    assert_int_equal(r.length_sec, 3600);
    check_wall(&r.jump_from, 2026, 11, 1, 2, 0);
    check_wall(&r.jump_to, 2026, 11, 1, 1, 0);
    /* The edges of the overlap [01:00, 02:00). */
    r = resolve(ny, 2026, 11, 1, 1, 0);
    assert_int_equal(r.kind, TZ_OVERLAP);
    assert_int_equal(r.utc_ms, U(2026, 11, 1, 5, 0, 0));
    assert_int_equal(r.later_ms, U(2026, 11, 1, 6, 0, 0));
    check_exact(ny, 2026, 11, 1, 2, 0, U(2026, 11, 1, 7, 0, 0), -18000);
    check_exact(ny, 2026, 11, 1, 0, 59, U(2026, 11, 1, 4, 59, 0), -14400);

    /* 2027: Mar 14 and Nov 7. */
    r = resolve(ny, 2027, 3, 14, 2, 15);
    assert_int_equal(r.kind, TZ_GAP);
    assert_int_equal(r.utc_ms, U(2027, 3, 14, 7, 15, 0));
    assert_int_equal(r.transition_ms, U(2027, 3, 14, 7, 0, 0));
    r = resolve(ny, 2027, 11, 7, 1, 45);
    assert_int_equal(r.kind, TZ_OVERLAP);
    assert_int_equal(r.utc_ms, U(2027, 11, 7, 5, 45, 0));
    assert_int_equal(r.later_ms, U(2027, 11, 7, 6, 45, 0));
    /* An ordinary day. */
    check_exact(ny, 2026, 12, 1, 9, 0, U(2026, 12, 1, 14, 0, 0), -18000);
    check_exact(ny, 2026, 7, 4, 12, 0, U(2026, 7, 4, 16, 0, 0), -14400);

    /* Invalid wall times. */
    tz_local_in w = {2026, 2, 30, 9, 0, 0};
    assert_int_equal(tz_local_to_utc(ny, &w, &r), APP_EINVAL);
    w = (tz_local_in){2026, 12, 1, 24, 0, 0};
    assert_int_equal(tz_local_to_utc(ny, &w, &r), APP_EINVAL);
    w = (tz_local_in){2026, 13, 1, 9, 0, 0};
    assert_int_equal(tz_local_to_utc(ny, &w, &r), APP_EINVAL);
    w = (tz_local_in){10000, 1, 1, 0, 0, 0};
    assert_int_equal(tz_local_to_utc(ny, &w, &r), APP_EINVAL);
    w = (tz_local_in){2026, 12, 1, 9, 60, 0};
    assert_int_equal(tz_local_to_utc(ny, &w, &r), APP_EINVAL);
    w = (tz_local_in){2026, 12, 1, 9, 0, -1};
    assert_int_equal(tz_local_to_utc(ny, &w, &r), APP_EINVAL);
    tz_free(ny);
}

static void test_london(void **state)
{
    (void)state;
    tz_zone *lon = load("Europe/London");
    /* 2026-03-29: 01:00 GMT jumps to 02:00 BST at 01:00 UT. */
    tz_resolution r = resolve(lon, 2026, 3, 29, 1, 30);
    assert_int_equal(r.kind, TZ_GAP);
    assert_int_equal(r.transition_ms, U(2026, 3, 29, 1, 0, 0));
    assert_int_equal(r.utc_ms, U(2026, 3, 29, 1, 30, 0)); /* 02:30 BST */
    assert_int_equal(r.offset_before, 0);
    assert_int_equal(r.offset_after, 3600);
    check_wall(&r.jump_from, 2026, 3, 29, 1, 0);
    check_wall(&r.jump_to, 2026, 3, 29, 2, 0);
    check_exact(lon, 2026, 3, 29, 0, 59, U(2026, 3, 29, 0, 59, 0), 0);
    check_exact(lon, 2026, 3, 29, 2, 0, U(2026, 3, 29, 1, 0, 0), 3600);
    /* 2026-10-25: 02:00 BST back to 01:00 GMT at 01:00 UT. */
    r = resolve(lon, 2026, 10, 25, 1, 30);
    assert_int_equal(r.kind, TZ_OVERLAP);
    assert_int_equal(r.utc_ms, U(2026, 10, 25, 0, 30, 0));
    assert_int_equal(r.later_ms, U(2026, 10, 25, 1, 30, 0));
    assert_int_equal(r.transition_ms, U(2026, 10, 25, 1, 0, 0));
    assert_int_equal(r.offset, 3600);
    assert_int_equal(r.later_offset, 0);
    tz_free(lon);
}

static void test_lord_howe(void **state)
{
    (void)state;
    tz_zone *lh = load("Australia/Lord_Howe");
    /* 2026-10-04: 02:00 +1030 jumps to 02:30 +11 at Oct 3 15:30 UT: a 30-minute gap. */
    tz_resolution r = resolve(lh, 2026, 10, 4, 2, 15);
    assert_int_equal(r.kind, TZ_GAP);
    assert_int_equal(r.transition_ms, U(2026, 10, 3, 15, 30, 0));
    assert_int_equal(r.length_sec, 1800);
    assert_int_equal(r.utc_ms, U(2026, 10, 3, 15, 45, 0)); /* 02:45 +11 */
    assert_int_equal(r.offset, 39600);
    check_wall(&r.jump_from, 2026, 10, 4, 2, 0);
    check_wall(&r.jump_to, 2026, 10, 4, 2, 30);
    check_exact(lh, 2026, 10, 4, 2, 30, U(2026, 10, 3, 15, 30, 0), 39600);
    check_exact(lh, 2026, 10, 4, 1, 59, U(2026, 10, 3, 15, 29, 0), 37800);
    /* 2026-04-05: 02:00 +11 back to 01:30 +1030 at Apr 4 15:00 UT: 01:30-02:00 twice. */
    r = resolve(lh, 2026, 4, 5, 1, 45);
    assert_int_equal(r.kind, TZ_OVERLAP);
    assert_int_equal(r.utc_ms, U(2026, 4, 4, 14, 45, 0));
    assert_int_equal(r.later_ms, U(2026, 4, 4, 15, 15, 0));
    assert_int_equal(r.transition_ms, U(2026, 4, 4, 15, 0, 0));
    assert_int_equal(r.length_sec, 1800);
    check_wall(&r.jump_from, 2026, 4, 5, 2, 0);
    check_wall(&r.jump_to, 2026, 4, 5, 1, 30);
    check_exact(lh, 2026, 4, 5, 1, 29, U(2026, 4, 4, 14, 29, 0), 39600);
    check_exact(lh, 2026, 4, 5, 2, 0, U(2026, 4, 4, 15, 30, 0), 37800);
    /* DST across the new year, and winter. */
    check_exact(lh, 2026, 12, 31, 23, 30, U(2026, 12, 31, 12, 30, 0), 39600);
    check_exact(lh, 2027, 1, 1, 12, 0, U(2027, 1, 1, 1, 0, 0), 39600);
    check_exact(lh, 2026, 7, 1, 12, 0, U(2026, 7, 1, 1, 30, 0), 37800);
    tz_free(lh);
}

static void test_kuala_lumpur(void **state)
{
    (void)state;
    tz_zone *kl = load("Asia/Kuala_Lumpur");
    /* No DST today. */
    check_exact(kl, 2026, 3, 8, 9, 0, U(2026, 3, 8, 1, 0, 0), 28800);
    check_exact(kl, 2026, 11, 1, 1, 30, U(2026, 10, 31, 17, 30, 0), 28800);
    int64_t at;
    assert_int_equal(tz_next_transition(kl, U(2000, 1, 1, 0, 0, 0), &at, NULL, NULL), 0);
    /* 1981-12-31 23:30 +0730 became 1982-01-01 00:00 +08 at 16:00 UT: 23:30-24:00 never was. */
    tz_resolution r = resolve(kl, 1981, 12, 31, 23, 45);
    assert_int_equal(r.kind, TZ_GAP);
    assert_int_equal(r.transition_ms, U(1981, 12, 31, 16, 0, 0));
    assert_int_equal(r.length_sec, 1800);
    assert_int_equal(r.offset_before, 27000);
    assert_int_equal(r.offset_after, 28800);
    assert_int_equal(r.utc_ms, U(1981, 12, 31, 16, 15, 0)); /* 00:15 +08 on Jan 1 */
    check_wall(&r.jump_from, 1981, 12, 31, 23, 30);
    check_wall(&r.jump_to, 1982, 1, 1, 0, 0);
    check_exact(kl, 1981, 12, 31, 23, 29, U(1981, 12, 31, 15, 59, 0), 27000);
    check_exact(kl, 1982, 1, 1, 0, 0, U(1981, 12, 31, 16, 0, 0), 28800);
    assert_int_equal(tz_next_transition(kl, U(1981, 6, 1, 0, 0, 0), &at, NULL, NULL), 1);
    assert_int_equal(at, U(1981, 12, 31, 16, 0, 0));
    tz_free(kl);
}

static void test_utc_zone(void **state)
{
    (void)state;
    tz_zone *utc = load("UTC");
    check_at(utc, 0, 0, 0, "UTC");
    check_at(utc, U(2100, 6, 1, 0, 0, 0), 0, 0, "UTC");
    check_exact(utc, 2026, 3, 8, 2, 30, U(2026, 3, 8, 2, 30, 0), 0);
    check_exact(utc, 1, 1, 1, 0, 0, U(1, 1, 1, 0, 0, 0), 0);
    check_exact(utc, 9999, 12, 31, 23, 59, U(9999, 12, 31, 23, 59, 0), 0);
    assert_int_equal(tz_next_transition(utc, 0, NULL, NULL, NULL), 0);
    int64_t want[] = {U(2026, 3, 9, 9, 0, 0), U(2026, 3, 9, 12, 30, 0)};
    check_slots(utc, weekday_queue, NQUEUE, U(2026, 3, 8, 0, 0, 0), want, 2);
    tz_free(utc);
}

/* ---------------------------------------------------- footer (POSIX) rules */

static void test_far_future_footer(void **state)
{
    (void)state;
    tz_zone *ny = load("America/New_York");
    /* The files hold transitions up to 2037; later years come from the footer. */
    /* Sun Mar 14 07:00:00 2038 UT = 03:00:00 EDT */
    check_at(ny, U(2038, 3, 14, 6, 59, 59), -18000, 0, "EST");
    check_at(ny, U(2038, 3, 14, 7, 0, 0), -14400, 1, "EDT");
    /* Sun Mar 14 07:00:00 2100 UT = 03:00 EDT; Sun Nov 7 06:00:00 2100 UT = 01:00 EST */
    check_at(ny, U(2100, 3, 14, 6, 59, 59), -18000, 0, "EST");
    check_at(ny, U(2100, 3, 14, 7, 0, 0), -14400, 1, "EDT");
    check_at(ny, U(2100, 11, 7, 5, 59, 59), -14400, 1, "EDT");
    check_at(ny, U(2100, 11, 7, 6, 0, 0), -18000, 0, "EST");
    tz_resolution r = resolve(ny, 2100, 3, 14, 2, 30);
    assert_int_equal(r.kind, TZ_GAP);
    assert_int_equal(r.transition_ms, U(2100, 3, 14, 7, 0, 0));
    assert_int_equal(r.utc_ms, U(2100, 3, 14, 7, 30, 0));
    r = resolve(ny, 2100, 11, 7, 1, 30);
    assert_int_equal(r.kind, TZ_OVERLAP);
    assert_int_equal(r.utc_ms, U(2100, 11, 7, 5, 30, 0));
    assert_int_equal(r.later_ms, U(2100, 11, 7, 6, 30, 0));
    /* Sun Mar 11 07:00:00 2040 UT: the next change after New Year 2040. */
    int64_t at;
    int before, after;
    assert_int_equal(tz_next_transition(ny, U(2040, 1, 1, 0, 0, 0), &at, &before, &after), 1);
    assert_int_equal(at, U(2040, 3, 11, 7, 0, 0));
    assert_int_equal(before, -18000);
    assert_int_equal(after, -14400);
    tz_free(ny);

    tz_zone *lon = load("Europe/London");
    /* Sun Mar 28 01:00:00 2100 UT = 02:00 BST; Sun Oct 31 01:00:00 2100 UT = 01:00 GMT */
    check_at(lon, U(2100, 3, 28, 0, 59, 59), 0, 0, "GMT");
    check_at(lon, U(2100, 3, 28, 1, 0, 0), 3600, 1, "BST");
    check_at(lon, U(2100, 10, 31, 0, 59, 59), 3600, 1, "BST");
    check_at(lon, U(2100, 10, 31, 1, 0, 0), 0, 0, "GMT");
    tz_free(lon);

    tz_zone *lh = load("Australia/Lord_Howe");
    /* Sat Apr 3 15:00:00 2100 UT = 01:30 +1030; Sat Oct 2 15:30:00 2100 UT = 02:30 +11 */
    check_at(lh, U(2100, 4, 3, 14, 59, 59), 39600, 1, "+11");
    check_at(lh, U(2100, 4, 3, 15, 0, 0), 37800, 0, "+1030");
    check_at(lh, U(2100, 10, 2, 15, 29, 59), 37800, 0, "+1030");
    check_at(lh, U(2100, 10, 2, 15, 30, 0), 39600, 1, "+11");
    check_at(lh, U(2100, 12, 31, 13, 0, 0), 39600, 1, "+11"); /* over the new year */
    check_at(lh, U(2101, 1, 20, 0, 0, 0), 39600, 1, "+11");
    r = resolve(lh, 2100, 10, 3, 2, 15);
    assert_int_equal(r.kind, TZ_GAP);
    assert_int_equal(r.transition_ms, U(2100, 10, 2, 15, 30, 0));
    assert_int_equal(r.utc_ms, U(2100, 10, 2, 15, 45, 0));
    assert_int_equal(r.length_sec, 1800);
    r = resolve(lh, 2100, 4, 4, 1, 45);
    assert_int_equal(r.kind, TZ_OVERLAP);
    assert_int_equal(r.utc_ms, U(2100, 4, 3, 14, 45, 0));
    assert_int_equal(r.later_ms, U(2100, 4, 3, 15, 15, 0));
    tz_free(lh);
}

static void test_posix_strings(void **state)
{
    (void)state;
    /* The Lord Howe footer alone agrees with the file (2100, zdump above). */
    tz_zone *z = load_posix("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
    check_at(z, U(2100, 4, 3, 14, 59, 59), 39600, 1, "+11");
    check_at(z, U(2100, 4, 3, 15, 0, 0), 37800, 0, "+1030");
    check_at(z, U(2100, 10, 2, 15, 30, 0), 39600, 1, "+11");
    check_at(z, U(2100, 12, 31, 23, 0, 0), 39600, 1, "+11");
    tz_free(z);

    /* Jn counts no Feb 29: in leap 2104, J60 is Mar 1.  zdump 'XXX3YYY,J60/2,J300/2': */
    /* Sat Mar 1 05:00:00 2104 UT = 03:00 YYY; Mon Oct 27 04:00:00 2104 UT = 01:00 XXX */
    z = load_posix("XXX3YYY,J60/2,J300/2");
    check_at(z, U(2104, 3, 1, 4, 59, 59), -10800, 0, "XXX");
    check_at(z, U(2104, 3, 1, 5, 0, 0), -7200, 1, "YYY");
    check_at(z, U(2104, 10, 27, 3, 59, 59), -7200, 1, "YYY");
    check_at(z, U(2104, 10, 27, 4, 0, 0), -10800, 0, "XXX");
    tz_free(z);
    /* Zero-based n counts Feb 29: 59 is Feb 29 2104, 299 is Oct 26. */
    z = load_posix("XXX3YYY,59/2,299/2");
    check_at(z, U(2104, 2, 29, 4, 59, 59), -10800, 0, "XXX");
    check_at(z, U(2104, 2, 29, 5, 0, 0), -7200, 1, "YYY");
    check_at(z, U(2104, 10, 26, 3, 59, 59), -7200, 1, "YYY");
    check_at(z, U(2104, 10, 26, 4, 0, 0), -10800, 0, "XXX");
    /* ... and in 2100 (not a leap year) both land on Mar 1 05:00 UT. */
    check_at(z, U(2100, 3, 1, 5, 0, 0), -7200, 1, "YYY");
    tz_free(z);
    /* Negative and extended times: Sun Mar 14 02:00 2100 UT; Mon Nov 8 03:00 2100 UT. */
    z = load_posix("XXX3YYY,M3.2.0/-1,M11.1.0/25");
    check_at(z, U(2100, 3, 14, 1, 59, 59), -10800, 0, "XXX");
    check_at(z, U(2100, 3, 14, 2, 0, 0), -7200, 1, "YYY");
    check_at(z, U(2100, 11, 8, 2, 59, 59), -7200, 1, "YYY");
    check_at(z, U(2100, 11, 8, 3, 0, 0), -10800, 0, "XXX");
    tz_free(z);
    /* No rule after the DST name: the US rule (2026: Mar 8 07:00 UT). */
    z = load_posix("EST5EDT");
    check_at(z, U(2026, 3, 8, 6, 59, 59), -18000, 0, "EST");
    check_at(z, U(2026, 3, 8, 7, 0, 0), -14400, 1, "EDT");
    tz_free(z);
    /* A fixed offset. */
    z = load_posix("<+0545>-5:45");
    check_at(z, U(2026, 3, 8, 7, 0, 0), 20700, 0, "+0545");
    tz_free(z);

    /* Files whose footers use /26, /-1, /24 and negative DST, in 2100. */
    z = load("Asia/Jerusalem"); /* IST-2IDT,M3.4.4/26,M10.5.0 */
    /* Fri Mar 26 00:00:00 2100 UT = 03:00 IDT; Sat Oct 30 23:00:00 2100 UT = 01:00 IST */
    check_at(z, U(2100, 3, 25, 23, 59, 59), 7200, 0, "IST");
    check_at(z, U(2100, 3, 26, 0, 0, 0), 10800, 1, "IDT");
    check_at(z, U(2100, 10, 30, 22, 59, 59), 10800, 1, "IDT");
    check_at(z, U(2100, 10, 30, 23, 0, 0), 7200, 0, "IST");
    tz_free(z);
    z = load("America/Nuuk"); /* <-02>2<-01>,M3.5.0/-1,M10.5.0/0 */
    /* Sun Mar 28 01:00:00 2100 UT = 00:00 -01; Sun Oct 31 01:00:00 2100 UT = Sat 23:00 -02 */
    check_at(z, U(2100, 3, 28, 0, 59, 59), -7200, 0, "-02");
    check_at(z, U(2100, 3, 28, 1, 0, 0), -3600, 1, "-01");
    check_at(z, U(2100, 10, 31, 0, 59, 59), -3600, 1, "-01");
    check_at(z, U(2100, 10, 31, 1, 0, 0), -7200, 0, "-02");
    tz_free(z);
    z = load("America/Santiago"); /* <-04>4<-03>,M9.1.6/24,M4.1.6/24 */
    /* Sun Apr 4 03:00:00 2100 UT = Sat 23:00 -04; Sun Sep 5 04:00:00 2100 UT = 01:00 -03 */
    check_at(z, U(2100, 4, 4, 2, 59, 59), -10800, 1, "-03");
    check_at(z, U(2100, 4, 4, 3, 0, 0), -14400, 0, "-04");
    check_at(z, U(2100, 9, 5, 3, 59, 59), -14400, 0, "-04");
    check_at(z, U(2100, 9, 5, 4, 0, 0), -10800, 1, "-03");
    tz_free(z);
    z = load("Europe/Dublin"); /* IST-1GMT0,M10.5.0,M3.5.0/1: winter is the "DST" */
    /* Sun Mar 28 01:00:00 2100 UT = 02:00 IST isdst=0; Sun Oct 31 01:00:00 2100 UT = GMT isdst=1 */
    check_at(z, U(2100, 3, 28, 0, 59, 59), 0, 1, "GMT");
    check_at(z, U(2100, 3, 28, 1, 0, 0), 3600, 0, "IST");
    check_at(z, U(2100, 10, 31, 0, 59, 59), 3600, 0, "IST");
    check_at(z, U(2100, 10, 31, 1, 0, 0), 0, 1, "GMT");
    assert_int_equal(resolve(z, 2100, 3, 28, 1, 30).kind, TZ_GAP);
    assert_int_equal(resolve(z, 2100, 10, 31, 1, 30).kind, TZ_OVERLAP);
    tz_free(z);
}

static void test_posix_strings_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "EST",
        "ES5",
        "5EST",
        "EST5EDT,M3.2.0",
        "EST5EDT,M13.1.0,M11.1.0",
        "EST5EDT,M3.6.0,M11.1.0",
        "EST5EDT,M3.2.7,M11.1.0",
        "EST5EDT,J0,J365",
        "EST5EDT,J366,J1",
        "EST5EDT,366,1",
        "EST5EDT,M3.2.0/168,M11.1.0",
        "EST5EDT,M3.2.0,M11.1.0x",
        "EST5EDT,M3.2.0,M11.1.0,",
        "EST25",
        "EST5:60",
        "<+1030-10:30",
        "<+10/30>-10:30",
        "<+1>-1",
        "ABCDEFGHIJKLMNOPQRST5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[64] = "";
        tz_zone *z = tz_load_posix(bad[i], err, sizeof err);
        if (z != NULL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_true(err[0] != '\0');
    }
    assert_null(tz_load_posix(NULL, NULL, 0));
}

/* ------------------------------------------------------------- day starts */

static void test_day_start(void **state)
{
    (void)state;
    int64_t ms;
    tz_zone *ny = load("America/New_York");
    assert_int_equal(tz_day_start(ny, 2026, 3, 8, &ms), APP_OK);
    assert_int_equal(ms, U(2026, 3, 8, 5, 0, 0));
    assert_int_equal(tz_day_start(ny, 2026, 3, 9, &ms), APP_OK);
    assert_int_equal(ms, U(2026, 3, 9, 4, 0, 0)); /* that day has 23 hours */
    assert_int_equal(tz_day_start(ny, 2026, 2, 30, &ms), APP_EINVAL);
    assert_int_equal(tz_day_start(ny, 0, 1, 1, &ms), APP_EINVAL);
    tz_free(ny);

    /* Santiago: Sat Sep 5 23:59:59 -04 -> Sun Sep 6 01:00 -03 at 04:00 UT; no midnight. */
    tz_zone *scl = load("America/Santiago");
    assert_int_equal(resolve(scl, 2026, 9, 6, 0, 0).kind, TZ_GAP);
    assert_int_equal(tz_day_start(scl, 2026, 9, 6, &ms), APP_OK);
    assert_int_equal(ms, U(2026, 9, 6, 4, 0, 0));
    /* Sat Apr 4 23:59:59 -03 -> 23:00 -04 at Apr 5 03:00 UT: midnight Apr 5 is 04:00 UT. */
    assert_int_equal(tz_day_start(scl, 2026, 4, 5, &ms), APP_OK);
    assert_int_equal(ms, U(2026, 4, 5, 4, 0, 0));
    tz_free(scl);

    /* Beirut: Sat Mar 28 23:59:59 EET -> Sun Mar 29 01:00 EEST at 22:00 UT. */
    tz_zone *bey = load("Asia/Beirut");
    assert_int_equal(tz_day_start(bey, 2026, 3, 29, &ms), APP_OK);
    assert_int_equal(ms, U(2026, 3, 28, 22, 0, 0));
    /* Sat Oct 24 23:59:59 EEST -> 23:00 EET at 21:00 UT; Oct 25 midnight is 22:00 UT. */
    assert_int_equal(tz_day_start(bey, 2026, 10, 25, &ms), APP_OK);
    assert_int_equal(ms, U(2026, 10, 24, 22, 0, 0));
    tz_free(bey);

    /* Apia skipped 2011-12-30 entirely (-10 -> +14 at Dec 30 10:00 UT). */
    tz_zone *apia = load("Pacific/Apia");
    tz_resolution r = resolve(apia, 2011, 12, 30, 12, 0);
    assert_int_equal(r.kind, TZ_GAP);
    assert_int_equal(r.length_sec, 86400);
    assert_int_equal(tz_day_start(apia, 2011, 12, 30, &ms), APP_OK);
    assert_int_equal(ms, U(2011, 12, 30, 10, 0, 0));
    assert_int_equal(tz_day_start(apia, 2011, 12, 31, &ms), APP_OK);
    assert_int_equal(ms, U(2011, 12, 30, 10, 0, 0));
    /* A Friday slot on the skipped day moves a whole day, onto Saturday. */
    tz_slot fri[] = {{5, 540}};
    int64_t w[] = {U(2011, 12, 30, 19, 0, 0), U(2012, 1, 5, 19, 0, 0)};
    check_slots(apia, fri, 1, U(2011, 12, 30, 10, 0, 0), w, 2);
    tz_free(apia);

    tz_zone *lh = load("Australia/Lord_Howe");
    assert_int_equal(tz_day_start(lh, 2027, 1, 1, &ms), APP_OK);
    assert_int_equal(ms, U(2026, 12, 31, 13, 0, 0));
    tz_free(lh);
}

static void test_next_transition(void **state)
{
    (void)state;
    tz_zone *ny = load("America/New_York");
    int64_t at;
    int before, after;
    assert_int_equal(tz_next_transition(ny, U(2026, 1, 1, 0, 0, 0), &at, &before, &after), 1);
    assert_int_equal(at, U(2026, 3, 8, 7, 0, 0));
    assert_int_equal(before, -18000);
    assert_int_equal(after, -14400);
    /* Strictly after. */
    assert_int_equal(tz_next_transition(ny, at, &at, &before, &after), 1);
    assert_int_equal(at, U(2026, 11, 1, 6, 0, 0));
    assert_int_equal(before, -14400);
    assert_int_equal(after, -18000);
    assert_int_equal(tz_next_transition(ny, at - 1, &at, NULL, NULL), 1);
    assert_int_equal(at, U(2026, 11, 1, 6, 0, 0));
    /* Across the end of the table into the footer: Nov 1 2037, then Mar 14 2038. */
    assert_int_equal(tz_next_transition(ny, U(2037, 6, 1, 0, 0, 0), &at, NULL, NULL), 1);
    assert_int_equal(at, U(2037, 11, 1, 6, 0, 0));
    assert_int_equal(tz_next_transition(ny, at, &at, NULL, NULL), 1);
    assert_int_equal(at, U(2038, 3, 14, 7, 0, 0));
    tz_free(ny);
}

/* ------------------------------------------------------------ queue slots */

static void test_slots_new_york(void **state)
{
    (void)state;
    tz_zone *ny = load("America/New_York");
    /* Spring-forward week, from Fri Mar 6 12:00 EST: Friday in EST, Monday on in EDT. */
    int64_t spring[] = {
        U(2026, 3, 6, 17, 30, 0),  U(2026, 3, 9, 13, 0, 0),   U(2026, 3, 9, 16, 30, 0),
        U(2026, 3, 10, 13, 0, 0),  U(2026, 3, 10, 16, 30, 0), U(2026, 3, 11, 13, 0, 0),
        U(2026, 3, 11, 16, 30, 0), U(2026, 3, 12, 13, 0, 0),  U(2026, 3, 12, 16, 30, 0),
        U(2026, 3, 13, 13, 0, 0),
    };
    check_slots(ny, weekday_queue, NQUEUE, U(2026, 3, 6, 17, 0, 0), spring, 10);
    /* Strictly after: a slot instant itself is not returned. */
    check_slots(ny, weekday_queue, NQUEUE, U(2026, 3, 9, 13, 0, 0), spring + 2, 8);
    /* Fall-back week, from Fri Oct 30 12:00 EDT. */
    int64_t fall[] = {U(2026, 10, 30, 16, 30, 0), U(2026, 11, 2, 14, 0, 0),
                      U(2026, 11, 2, 17, 30, 0)};
    check_slots(ny, weekday_queue, NQUEUE, U(2026, 10, 30, 16, 0, 0), fall, 3);

    /* Sunday 02:30 on spring-forward day moves to 03:30 EDT. */
    tz_slot sun0230[] = {{7, 150}};
    int64_t w1[] = {U(2026, 3, 8, 7, 30, 0), U(2026, 3, 15, 6, 30, 0), U(2026, 3, 22, 6, 30, 0)};
    check_slots(ny, sun0230, 1, U(2026, 3, 7, 0, 0, 0), w1, 3);
    /* ... unless a 03:30 slot is already there: one instant, not two. */
    tz_slot collide[] = {{7, 150}, {7, 210}};
    int64_t w2[] = {U(2026, 3, 8, 7, 30, 0), U(2026, 3, 15, 6, 30, 0), U(2026, 3, 15, 7, 30, 0)};
    check_slots(ny, collide, 2, U(2026, 3, 7, 0, 0, 0), w2, 3);
    /* 03:00 and 02:30 (-> 03:30) keep increasing order. */
    tz_slot ordered[] = {{7, 150}, {7, 180}};
    int64_t w3[] = {U(2026, 3, 8, 7, 0, 0), U(2026, 3, 8, 7, 30, 0), U(2026, 3, 15, 6, 30, 0)};
    check_slots(ny, ordered, 2, U(2026, 3, 7, 0, 0, 0), w3, 3);

    /* Sunday 01:30 on fall-back day fires once, at the first 01:30 (EDT). */
    tz_slot sun0130[] = {{7, 90}};
    int64_t w4[] = {U(2026, 11, 1, 5, 30, 0), U(2026, 11, 8, 6, 30, 0)};
    check_slots(ny, sun0130, 1, U(2026, 10, 31, 0, 0, 0), w4, 2);
    /* Even asked from between the two 01:30s, the second one is not a slot. */
    int64_t w5[] = {U(2026, 11, 8, 6, 30, 0)};
    check_slots(ny, sun0130, 1, U(2026, 11, 1, 5, 30, 0), w5, 1);
    check_slots(ny, sun0130, 1, U(2026, 11, 1, 6, 0, 0), w5, 1);
    /* 01:00 and 01:30 on that day. */
    tz_slot two[] = {{7, 90}, {7, 60}};
    int64_t w6[] = {U(2026, 11, 1, 5, 0, 0), U(2026, 11, 1, 5, 30, 0), U(2026, 11, 8, 6, 0, 0),
                    U(2026, 11, 8, 6, 30, 0)};
    check_slots(ny, two, 2, U(2026, 10, 31, 0, 0, 0), w6, 4);
    tz_free(ny);
}

static void test_slots_london(void **state)
{
    (void)state;
    tz_zone *lon = load("Europe/London");
    int64_t spring[] = {U(2026, 3, 27, 12, 30, 0), U(2026, 3, 30, 8, 0, 0),
                        U(2026, 3, 30, 11, 30, 0), U(2026, 3, 31, 8, 0, 0)};
    check_slots(lon, weekday_queue, NQUEUE, U(2026, 3, 27, 12, 0, 0), spring, 4);
    int64_t fall[] = {U(2026, 10, 23, 11, 30, 0), U(2026, 10, 26, 9, 0, 0),
                      U(2026, 10, 26, 12, 30, 0)};
    check_slots(lon, weekday_queue, NQUEUE, U(2026, 10, 23, 11, 0, 0), fall, 3);
    /* Sunday 01:30: in the gap on Mar 29 (-> 02:30 BST), twice on Oct 25 (-> first). */
    tz_slot sun0130[] = {{7, 90}};
    int64_t w1[] = {U(2026, 3, 29, 1, 30, 0), U(2026, 4, 5, 0, 30, 0)};
    check_slots(lon, sun0130, 1, U(2026, 3, 28, 0, 0, 0), w1, 2);
    int64_t w2[] = {U(2026, 10, 25, 0, 30, 0), U(2026, 11, 1, 1, 30, 0)};
    check_slots(lon, sun0130, 1, U(2026, 10, 24, 0, 0, 0), w2, 2);
    tz_free(lon);
}

static void test_slots_lord_howe(void **state)
{
    (void)state;
    tz_zone *lh = load("Australia/Lord_Howe");
    /* Spring-forward week (Sun Oct 4), from Fri Oct 2 12:00 +1030. */
    int64_t spring[] = {U(2026, 10, 2, 2, 0, 0), U(2026, 10, 4, 22, 0, 0), U(2026, 10, 5, 1, 30, 0),
                        U(2026, 10, 5, 22, 0, 0)};
    check_slots(lh, weekday_queue, NQUEUE, U(2026, 10, 2, 1, 30, 0), spring, 4);
    /* Fall-back week (Sun Apr 5), from Fri Apr 3 12:00 +11. */
    int64_t fall[] = {U(2026, 4, 3, 1, 30, 0), U(2026, 4, 5, 22, 30, 0), U(2026, 4, 6, 2, 0, 0)};
    check_slots(lh, weekday_queue, NQUEUE, U(2026, 4, 3, 1, 0, 0), fall, 3);
    /* Sunday 02:15 falls in the 30-minute gap: 02:45 +11. */
    tz_slot sun0215[] = {{7, 135}};
    int64_t w1[] = {U(2026, 10, 3, 15, 45, 0), U(2026, 10, 10, 15, 15, 0)};
    check_slots(lh, sun0215, 1, U(2026, 10, 1, 0, 0, 0), w1, 2);
    /* Sunday 01:45 happens twice on Apr 5: once, at the +11 one. */
    tz_slot sun0145[] = {{7, 105}};
    int64_t w2[] = {U(2026, 4, 4, 14, 45, 0), U(2026, 4, 11, 15, 15, 0)};
    check_slots(lh, sun0145, 1, U(2026, 4, 1, 0, 0, 0), w2, 2);
    /* Over the new year in summer time: Fri Jan 1 2027 09:00 and 12:30 +11. */
    int64_t ny[] = {U(2026, 12, 31, 22, 0, 0), U(2027, 1, 1, 1, 30, 0)};
    check_slots(lh, weekday_queue, NQUEUE, U(2026, 12, 31, 12, 0, 0), ny, 2);
    tz_free(lh);
}

static void test_slots_kuala_lumpur(void **state)
{
    (void)state;
    tz_zone *kl = load("Asia/Kuala_Lumpur");
    int64_t want[11];
    for (int d = 0; d < 5; d++) {
        want[2 * d] = U(2026, 3, 9 + d, 1, 0, 0);
        want[2 * d + 1] = U(2026, 3, 9 + d, 4, 30, 0);
    }
    want[10] = U(2026, 3, 16, 1, 0, 0);
    check_slots(kl, weekday_queue, NQUEUE, U(2026, 3, 8, 0, 0, 0), want, 11);
    /* Thu 1981-12-31 23:45 was skipped: it moves to 00:15 +08, where Friday's 00:15 is. */
    tz_slot s[] = {{4, 1425}, {5, 15}};
    int64_t w[] = {U(1981, 12, 31, 16, 15, 0), U(1982, 1, 7, 15, 45, 0), U(1982, 1, 7, 16, 15, 0)};
    check_slots(kl, s, 2, U(1981, 12, 30, 0, 0, 0), w, 3);
    /* Asked from Fri 00:05 +08, Thursday's shifted 23:45 (00:15 Friday) is still ahead. */
    tz_slot thu[] = {{4, 1425}};
    int64_t w2[] = {U(1981, 12, 31, 16, 15, 0), U(1982, 1, 7, 15, 45, 0)};
    check_slots(kl, thu, 1, U(1981, 12, 31, 16, 5, 0), w2, 2);
    tz_free(kl);
}

static void test_slots_edges(void **state)
{
    (void)state;
    tz_zone *ny = load("America/New_York");
    int64_t out[128];
    assert_int_equal(tz_next_slots(ny, weekday_queue, 0, 0, out, 10), 0);
    assert_int_equal(tz_next_slots(ny, weekday_queue, NQUEUE, 0, out, 0), 0);
    /* Duplicates yield one instant; invalid slots are ignored. */
    tz_slot dup[] = {{1, 540}, {1, 540}, {0, 540}, {8, 540}, {1, -1}, {1, 1440}};
    int64_t w[] = {U(2026, 3, 9, 13, 0, 0), U(2026, 3, 16, 13, 0, 0)};
    check_slots(ny, dup, 6, U(2026, 3, 6, 0, 0, 0), w, 2);
    tz_slot only_bad[] = {{0, 540}};
    assert_int_equal(tz_next_slots(ny, only_bad, 1, 0, out, 10), 0);
    /* The look-ahead is bounded: Mondays from Wed Dec 31 2025 19:00 EST up to Mar 1. */
    tz_slot mon[] = {{1, 540}};
    size_t n = tz_next_slots(ny, mon, 1, U(2026, 1, 1, 0, 0, 0), out, 128);
    assert_int_equal(n, 8);
    assert_int_equal(out[0], U(2026, 1, 5, 14, 0, 0));
    assert_int_equal(out[7], U(2026, 2, 23, 14, 0, 0));
    /* A full week of every minute: ascending, unique, all after. */
    tz_slot *all = malloc(7 * 1440 * sizeof *all);
    assert_non_null(all);
    for (int i = 0; i < 7 * 1440; i++)
        all[i] = (tz_slot){i / 1440 + 1, i % 1440};
    n = tz_next_slots(ny, all, 7 * 1440, U(2026, 3, 8, 6, 0, 0), out, 128);
    assert_int_equal(n, 128);
    assert_int_equal(out[0], U(2026, 3, 8, 6, 1, 0)); /* 01:01 EST */
    for (size_t i = 1; i < n; i++)
        assert_true(out[i] > out[i - 1]);
    assert_int_equal(out[58], U(2026, 3, 8, 6, 59, 0));
    assert_int_equal(out[59], U(2026, 3, 8, 7, 0, 0)); /* 03:00 EDT: the gap's slots collapsed */
    free(all);
    tz_free(ny);
}

/* ---------------------------------------------------------- parse, format */

static void test_parse_local(void **state)
{
    (void)state;
    tz_local_in w;
    assert_int_equal(tz_parse_local("2026-12-01T09:00", &w), APP_OK);
    check_wall(&w, 2026, 12, 1, 9, 0);
    assert_int_equal(tz_parse_local("2026-12-01 09:30", &w), APP_OK);
    check_wall(&w, 2026, 12, 1, 9, 30);
    assert_int_equal(tz_parse_local("2026-12-01T23:59:58", &w), APP_OK);
    assert_int_equal(w.second, 58);
    assert_int_equal(tz_parse_local("2028-02-29T00:00", &w), APP_OK);
    assert_int_equal(tz_parse_local("2000-02-29T00:00", &w), APP_OK);
    assert_int_equal(tz_parse_local("0001-01-01T00:00", &w), APP_OK);
    assert_int_equal(tz_parse_local("9999-12-31T23:59:59", &w), APP_OK);

    static const char *const bad[] = {
        "2026-02-30T09:00",
        "2027-02-29T09:00",
        "2100-02-29T09:00",
        "2026-04-31T09:00",
        "2026-12-01T24:00",
        "2026-12-01T09:60",
        "2026-12-01T09:00:60",
        "2026-1-1T09:00",
        "2026-01-1T09:00",
        "2026-12-01T9:00",
        "2026-12-01T09:00x",
        "2026-12-01T09:00 ",
        " 2026-12-01T09:00",
        "2026-12-01T09:00:5",
        "2026-12-01T09:00:",
        "2026-12-01",
        "2026-12-01T",
        "12026-12-01T09:00",
        "99999999-12-01T09:00",
        "0000-01-01T00:00",
        "2026-00-01T09:00",
        "2026-13-01T09:00",
        "2026-12-00T09:00",
        "2026/12/01T09:00",
        "2026-12-01t09:00",
        "2026-12-01T09:00Z",
        "+026-12-01T09:00",
        "-026-12-01T09:00",
        "2026-12-01T-9:00",
        "2026-12-01T09:00:00.5",
        "",
        "T",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w = (tz_local_in){1, 2, 3, 4, 5, 6};
        if (tz_parse_local(bad[i], &w) != APP_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(w.year, 1); /* untouched */
    }
    assert_int_equal(tz_parse_local(NULL, &w), APP_EINVAL);
}

static void test_parse_rfc3339(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(tz_parse_rfc3339("2026-12-01T09:00:00Z", &ms), APP_OK);
    assert_int_equal(ms, U(2026, 12, 1, 9, 0, 0));
    assert_int_equal(tz_parse_rfc3339("2026-12-01T09:00:00.5Z", &ms), APP_OK);
    assert_int_equal(ms, U(2026, 12, 1, 9, 0, 0) + 500);
    assert_int_equal(tz_parse_rfc3339("2026-12-01T09:00:00.123456789Z", &ms), APP_OK);
    assert_int_equal(ms, U(2026, 12, 1, 9, 0, 0) + 123);
    assert_int_equal(tz_parse_rfc3339("2026-12-01T09:00:00.07Z", &ms), APP_OK);
    assert_int_equal(ms, U(2026, 12, 1, 9, 0, 0) + 70);
    assert_int_equal(tz_parse_rfc3339("2026-12-01T09:00:00+05:30", &ms), APP_OK);
    assert_int_equal(ms, U(2026, 12, 1, 3, 30, 0));
    assert_int_equal(tz_parse_rfc3339("2026-12-01T09:00:00-04:00", &ms), APP_OK);
    assert_int_equal(ms, U(2026, 12, 1, 13, 0, 0));
    assert_int_equal(tz_parse_rfc3339("2026-12-01T23:30:00-05:00", &ms), APP_OK);
    assert_int_equal(ms, U(2026, 12, 2, 4, 30, 0));
    assert_int_equal(tz_parse_rfc3339("2026-12-01t09:00:00z", &ms), APP_OK);
    assert_int_equal(ms, U(2026, 12, 1, 9, 0, 0));
    assert_int_equal(tz_parse_rfc3339("2026-12-01 09:00:00.250+00:00", &ms), APP_OK);
    assert_int_equal(ms, U(2026, 12, 1, 9, 0, 0) + 250);
    assert_int_equal(tz_parse_rfc3339("1969-12-31T23:59:59.999Z", &ms), APP_OK);
    assert_int_equal(ms, -1);

    static const char *const bad[] = {
        "2026-12-01T09:00Z",
        "2026-12-01T24:00:00Z",
        "2026-02-30T09:00:00Z",
        "2026-12-01T09:00:00Zjunk",
        "2026-12-01T09:00:00",
        "2026-12-01T09:00:00+5:30",
        "2026-12-01T09:00:00+24:00",
        "2026-12-01T09:00:00+05:60",
        "2026-12-01T09:00:00.Z",
        "2026-12-01T09:00:00.1234567890Z",
        "12026-12-01T09:00:00Z",
        "2026-12-01T09:00:60Z",
        "2026-12-01T09:00:00+05:30:00",
        "2026-12-01T09:00:00+0530",
        "2026-12-01T09:00:00 Z",
        "2026-1-01T09:00:00Z",
        "",
        "2026-12-01",
        "0000-12-01T09:00:00Z",
        "2026-12-01T09:00:00,5Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ms = 42;
        if (tz_parse_rfc3339(bad[i], &ms) != APP_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(ms, 42);
    }
}

static void test_parse_hhmm_date(void **state)
{
    (void)state;
    int m, y, mo, d;
    assert_int_equal(tz_parse_hhmm("09:30", &m), APP_OK);
    assert_int_equal(m, 570);
    assert_int_equal(tz_parse_hhmm("00:00", &m), APP_OK);
    assert_int_equal(m, 0);
    assert_int_equal(tz_parse_hhmm("23:59", &m), APP_OK);
    assert_int_equal(m, 1439);
    static const char *const badt[] = {"24:00",    "9:30",   "09:3", "09:60", "0930",
                                       "09:30:00", "09:30 ", "",     "-1:00", "ab:cd"};
    for (size_t i = 0; i < sizeof badt / sizeof badt[0]; i++)
        assert_int_equal(tz_parse_hhmm(badt[i], &m), APP_EINVAL);

    assert_int_equal(tz_parse_date("2026-12-01", &y, &mo, &d), APP_OK);
    assert_int_equal(y, 2026);
    assert_int_equal(mo, 12);
    assert_int_equal(d, 1);
    static const char *const badd[] = {"2026-02-30", "2026-1-1",    "2026-12-01T",
                                       "20261201",   "12026-12-01", "2026-12-1",
                                       "",           "2026-12-01 "};
    for (size_t i = 0; i < sizeof badd / sizeof badd[0]; i++)
        assert_int_equal(tz_parse_date(badd[i], &y, &mo, &d), APP_EINVAL);
}

static void test_format(void **state)
{
    (void)state;
    char buf[TZ_FMT_MAX];
    assert_string_equal(tz_format_utc(U(2026, 12, 1, 14, 0, 0), buf, sizeof buf),
                        "2026-12-01T14:00:00Z");
    assert_string_equal(tz_format_utc(U(2026, 12, 1, 14, 0, 0) + 250, buf, sizeof buf),
                        "2026-12-01T14:00:00.250Z");
    assert_string_equal(tz_format_utc(-1, buf, sizeof buf), "1969-12-31T23:59:59.999Z");
    assert_string_equal(tz_format_utc(0, buf, sizeof buf), "1970-01-01T00:00:00Z");

    tz_zone *ny = load("America/New_York");
    assert_string_equal(tz_format_local(ny, U(2026, 12, 1, 14, 0, 0), buf, sizeof buf),
                        "2026-12-01T09:00");
    assert_string_equal(tz_format_local(ny, U(2026, 12, 1, 14, 0, 5), buf, sizeof buf),
                        "2026-12-01T09:00:05");
    tz_free(ny);
    tz_local_in w = {2026, 3, 8, 3, 30, 0};
    assert_string_equal(tz_format_wall(&w, buf, sizeof buf), "2026-03-08T03:30");
    /* Round trips through the parsers. */
    tz_local_in back;
    assert_int_equal(tz_parse_local(buf, &back), APP_OK);
    assert_memory_equal(&back, &w, sizeof w);
    int64_t ms;
    assert_int_equal(
        tz_parse_rfc3339(tz_format_utc(U(2026, 12, 1, 14, 0, 0) + 7, buf, sizeof buf), &ms),
        APP_OK);
    assert_int_equal(ms, U(2026, 12, 1, 14, 0, 0) + 7);
    /* A small buffer truncates, NUL-terminated. */
    char tiny[8];
    assert_string_equal(tz_format_utc(0, tiny, sizeof tiny), "1970-01");

    assert_string_equal(tz_format_offset(-18000, buf, sizeof buf), "-05:00");
    assert_string_equal(tz_format_offset(37800, buf, sizeof buf), "+10:30");
    assert_string_equal(tz_format_offset(0, buf, sizeof buf), "+00:00");
    assert_string_equal(tz_format_offset(20700, buf, sizeof buf), "+05:45");
    assert_string_equal(tz_format_offset(-17762, buf, sizeof buf), "-04:56:02");
}

/* Calendar arithmetic against gmtime_r, day by day over 1600..2400. */
static void test_calendar(void **state)
{
    (void)state;
    int64_t first = U(1600, 1, 1, 0, 0, 0) / 86400000, last = U(2400, 12, 31, 0, 0, 0) / 86400000;
    for (int64_t d = first; d <= last; d++) {
        time_t t = (time_t)(d * 86400);
        struct tm tm;
        assert_non_null(gmtime_r(&t, &tm));
        int64_t y;
        int m, dd;
        tz_civil_from_days(d, &y, &m, &dd);
        if (y != tm.tm_year + 1900 || m != tm.tm_mon + 1 || dd != tm.tm_mday)
            fail_msg("day %lld", (long long)d);
        assert_int_equal(tz_days_from_civil(y, m, dd), d);
        assert_int_equal(tz_weekday_from_days(d), tm.tm_wday == 0 ? 7 : tm.tm_wday);
    }
    assert_int_equal(tz_days_in_month(2024, 2), 29);
    assert_int_equal(tz_days_in_month(2100, 2), 28);
    assert_int_equal(tz_days_in_month(2000, 2), 29);
    assert_int_equal(tz_days_in_month(2026, 13), 0);
    assert_true(tz_date_valid(2024, 2, 29));
    assert_false(tz_date_valid(2026, 2, 29));
    assert_false(tz_date_valid(10000, 1, 1));
}

/* The ends of the int64 range: no overflow, sane answers. */
static void test_extremes(void **state)
{
    (void)state;
    tz_zone *ny = load("America/New_York");
    char buf[TZ_FMT_MAX];
    int64_t out[4];
    tz_local l;
    tz_utc_to_local(ny, INT64_MIN, &l);
    assert_int_equal(l.offset, -17762); /* LMT */
    assert_true(l.millisecond >= 0 && l.millisecond <= 999);
    tz_utc_to_local(ny, INT64_MAX, &l);
    assert_true(l.offset == -18000 || l.offset == -14400);
    assert_true(l.year > 290000000);
    assert_int_equal(tz_next_transition(ny, INT64_MAX, NULL, NULL, NULL), 0);
    assert_int_equal(tz_next_transition(ny, INT64_MIN, NULL, NULL, NULL), 1);
    assert_int_equal(tz_next_slots(ny, weekday_queue, NQUEUE, INT64_MAX, out, 4), 0);
    assert_int_equal(tz_next_slots(ny, weekday_queue, NQUEUE, INT64_MIN, out, 4), 0);
    /* Slots stop at the end of year 9999 (Dec 31 9999 is a Friday). */
    assert_int_equal(tz_next_slots(ny, weekday_queue, NQUEUE, U(9999, 12, 31, 15, 0, 0), out, 4),
                     1);
    assert_int_equal(out[0], U(9999, 12, 31, 17, 30, 0));
    assert_true(strlen(tz_format_utc(INT64_MIN, buf, sizeof buf)) > 20);
    assert_true(strlen(tz_format_utc(INT64_MAX, buf, sizeof buf)) > 20);
    assert_true(strlen(tz_format_local(ny, INT64_MIN, buf, sizeof buf)) > 15);
    tz_free(ny);
}

/* ------------------------------------------------------------------ threads */

typedef struct thread_arg {
    const tz_zone *zone;
    int64_t base;
    int errors;
} thread_arg;

/* Round-trip every 15 minutes for 60 days: local -> utc -> local must agree. */
static void *worker(void *p)
{
    thread_arg *a = p;
    for (int64_t i = 0; i < 60 * 96; i++) {
        int64_t ms = a->base + i * 900000;
        tz_local l;
        tz_utc_to_local(a->zone, ms, &l);
        tz_local_in w = {l.year, l.month, l.day, l.hour, l.minute, l.second};
        tz_resolution r;
        if (tz_local_to_utc(a->zone, &w, &r) != APP_OK || (r.utc_ms != ms && r.later_ms != ms) ||
            r.kind == TZ_GAP)
            a->errors++;
    }
    return NULL;
}

static void test_threads_share_a_zone(void **state)
{
    (void)state;
    tz_zone *zones[2] = {load("America/New_York"), load("Australia/Lord_Howe")};
    pthread_t th[8];
    thread_arg args[8];
    for (int i = 0; i < 8; i++) {
        args[i] = (thread_arg){zones[i % 2], U(2026, 1 + i, 1, 0, 0, 0), 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(args[i].errors, 0);
    }
    tz_free(zones[0]);
    tz_free(zones[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_rejects_bad_names),
        cmocka_unit_test(test_load_tzif_malformed),
        cmocka_unit_test(test_tzif_version1),
        cmocka_unit_test(test_offsets_known),
        cmocka_unit_test(test_utc_to_local),
        cmocka_unit_test(test_new_york_gap_overlap),
        cmocka_unit_test(test_london),
        cmocka_unit_test(test_lord_howe),
        cmocka_unit_test(test_kuala_lumpur),
        cmocka_unit_test(test_utc_zone),
        cmocka_unit_test(test_far_future_footer),
        cmocka_unit_test(test_posix_strings),
        cmocka_unit_test(test_posix_strings_bad),
        cmocka_unit_test(test_day_start),
        cmocka_unit_test(test_next_transition),
        cmocka_unit_test(test_slots_new_york),
        cmocka_unit_test(test_slots_london),
        cmocka_unit_test(test_slots_lord_howe),
        cmocka_unit_test(test_slots_kuala_lumpur),
        cmocka_unit_test(test_slots_edges),
        cmocka_unit_test(test_parse_local),
        cmocka_unit_test(test_parse_rfc3339),
        cmocka_unit_test(test_parse_hhmm_date),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_threads_share_a_zone),
    };
    return cmocka_run_group_tests_name("tz", tests, NULL, NULL);
}
