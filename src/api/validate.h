/*
 * validate.h - reading fields of a JSON request body, with one clear error.
 *
 * Each reader checks one field of req->json; on a bad value it answers 400
 * (code "invalid_field", the field named) and returns -1, so a handler
 * simply returns.  Lengths count Unicode characters, not bytes.
 */
#ifndef P2S_API_VALIDATE_H
#define P2S_API_VALIDATE_H

#include "http/http.h"

#include <stdint.h>

/*
 * String field.  Missing or null: if required, error; else *out = NULL and 0.
 * Present: must be a string of minlen..maxlen characters without control
 * characters other than tab/newline (when allow_newlines) .
 */
int v_string(http_req *req, const char *field, int required, size_t minlen, size_t maxlen,
             int allow_newlines, const char **out);

/* Integer field within [min, max]; missing and not required leaves *out unchanged. */
int v_int(http_req *req, const char *field, int required, int64_t min, int64_t max, int64_t *out);

/* Number of Unicode characters in valid UTF-8 text. */
size_t utf8_chars(const char *s);

#endif
