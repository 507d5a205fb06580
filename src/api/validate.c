/* validate.c - field readers for JSON bodies. */
#include "api/validate.h"

#include <stdio.h>
#include <string.h>

size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Answer 400 naming field; what says what is wrong ("is required"). */
static int fail(http_req *req, const char *field, const char *what)
{
    char msg[200];
    snprintf(msg, sizeof msg, "%s %s", field, what);
    http_reply_error(req, 400, "invalid_field", msg, field);
    return -1;
}

int v_string(http_req *req, const char *field, int required, size_t minlen, size_t maxlen,
             int allow_newlines, const char **out)
{
    json_t *v = req->json != NULL ? json_object_get(req->json, field) : NULL;
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (required)
            return fail(req, field, "is required");
        return 0;
    }
    if (!json_is_string(v))
        return fail(req, field, "must be a string");
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return fail(req, field, "must not contain NUL characters");
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && !(allow_newlines && (c == '\n' || c == '\t' || c == '\r'))) || c == 0x7f)
            return fail(req, field, "must not contain control characters");
    }
    size_t n = utf8_chars(s);
    if (n < minlen || n > maxlen) {
        char what[96];
        snprintf(what, sizeof what, "must be %zu to %zu characters long", minlen, maxlen);
        return fail(req, field, what);
    }
    *out = s;
    return 0;
}

int v_int(http_req *req, const char *field, int required, int64_t min, int64_t max, int64_t *out)
{
    json_t *v = req->json != NULL ? json_object_get(req->json, field) : NULL;
    if (v == NULL || json_is_null(v)) {
        if (required)
            return fail(req, field, "is required");
        return 0;
    }
    json_int_t i = json_integer_value(v);
    if (!json_is_integer(v) || i < min || i > max) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s must be an integer from %lld to %lld", field, (long long)min,
                 (long long)max);
        http_reply_error(req, 400, "invalid_field", msg, field);
        return -1;
    }
    *out = (int64_t)i;
    return 0;
}
