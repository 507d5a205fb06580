/*
 * clock.h - time as integers.  Every instant in Post2Share is UTC
 * milliseconds since the Unix epoch (int64_t).
 */
#ifndef P2S_CORE_CLOCK_H
#define P2S_CORE_CLOCK_H

#include <stdint.h>
#include <stddef.h>

/* Wall-clock now, UTC milliseconds since the epoch. */
int64_t clock_now_ms(void);

/* Monotonic milliseconds, for durations only. */
int64_t clock_mono_ms(void);

/* Monotonic microseconds, for durations only. */
int64_t clock_mono_us(void);

/*
 * Format a UTC ms instant as RFC 3339 with milliseconds ("2026-01-02T03:04:05.678Z")
 * into out (at least 25 bytes).  Returns out.
 */
char *clock_format_iso(int64_t ms, char *out, size_t outlen);

/* Format as an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT"); out at least 30 bytes. */
char *clock_format_http(int64_t ms, char *out, size_t outlen);

#endif
