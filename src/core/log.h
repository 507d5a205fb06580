/*
 * log.h - structured logging: one JSON object per line.
 *
 * A logger is a small value owned by the app context; it is read-only once
 * set up, so any thread may log through it.  Lines are written with a single
 * write(2) so lines from different threads never interleave.
 *
 * Never log request bodies, cookies, tokens, passwords or keys.
 */
#ifndef P2S_CORE_LOG_H
#define P2S_CORE_LOG_H

#include <jansson.h>

typedef enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

typedef struct logger {
    log_level level; /* lines below this level are dropped */
    int fd;          /* where lines go (stderr by default) */
} logger;

/* Set up a logger writing to fd at the given level. */
void log_init(logger *lg, log_level level, int fd);

/* Parse "debug", "info", "warn" or "error".  Returns 0, or -1 if unknown. */
int log_level_parse(const char *s, log_level *out);

/* Name of a level ("info"). */
const char *log_level_name(log_level l);

/*
 * Write one line: {"ts":..,"level":..,"msg":msg, ...fields}.
 * fields is a JSON object or NULL; its reference is stolen.
 */
void log_event(const logger *lg, log_level level, const char *msg, json_t *fields);

/* Write one line whose msg is built printf-style (never pass secrets). */
void log_msg(const logger *lg, log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
