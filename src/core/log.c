/* log.c - one JSON object per line, written atomically. */
#define _POSIX_C_SOURCE 200809L
#include "core/log.h"
#include "core/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init(logger *lg, log_level level, int fd)
{
    lg->level = level;
    lg->fd = fd;
}

int log_level_parse(const char *s, log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (log_level)i;
            return 0;
        }
    }
    return -1;
}

const char *log_level_name(log_level l)
{
    return (l >= LOG_DEBUG && l <= LOG_ERROR) ? level_names[l] : "info";
}

void log_event(const logger *lg, log_level level, const char *msg, json_t *fields)
{
    if (level < lg->level) {
        json_decref(fields);
        return;
    }
    char ts[32];
    json_t *line = json_object();
    if (line == NULL) {
        json_decref(fields);
        return;
    }
    json_object_set_new(line, "ts", json_string(clock_format_iso(clock_now_ms(), ts, sizeof ts)));
    json_object_set_new(line, "level", json_string(log_level_name(level)));
    json_object_set_new(line, "msg", json_string(msg != NULL ? msg : ""));
    if (json_is_object(fields))
        json_object_update(line, fields);
    json_decref(fields);
    char *text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(line);
    if (text == NULL)
        return;
    size_t n = strlen(text);
    text[n] = '\n';
    /* json_dumps leaves room for the NUL we just overwrote; write n+1 bytes. */
    ssize_t w = write(lg->fd, text, n + 1);
    (void)w;
    free(text);
}

void log_msg(const logger *lg, log_level level, const char *fmt, ...)
{
    if (level < lg->level)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_event(lg, level, buf, NULL);
}
