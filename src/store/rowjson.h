/* rowjson.h - small helpers turning result cells into JSON values (private to src/store/). */
#ifndef P2S_STORE_ROWJSON_H
#define P2S_STORE_ROWJSON_H

#include "store/db.h"

#include <jansson.h>

/* RFC 3339 UTC string for a ms instant; JSON null for 0 or less. */
json_t *rowjson_instant(int64_t ms);
/* Cell as a JSON string, or null. */
json_t *rowjson_text_or_null(const db_rows *r, int row, int col);
/* Cell as a JSON integer, or null. */
json_t *rowjson_int_or_null(const db_rows *r, int row, int col);
/* Cell (a ms instant) as an RFC 3339 string, or null. */
json_t *rowjson_instant_or_null(const db_rows *r, int row, int col);

#endif
