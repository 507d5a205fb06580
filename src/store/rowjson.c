/* rowjson.c - result cells to JSON. */
#include "store/rowjson.h"
#include "core/clock.h"

json_t *rowjson_instant(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char buf[32];
    return json_string(clock_format_iso(ms, buf, sizeof buf));
}

json_t *rowjson_text_or_null(const db_rows *r, int row, int col)
{
    const char *s = db_rows_text(r, row, col);
    return s != NULL ? json_string(s) : json_null();
}

json_t *rowjson_int_or_null(const db_rows *r, int row, int col)
{
    return db_rows_isnull(r, row, col) ? json_null() : json_integer(db_rows_int(r, row, col, 0));
}

json_t *rowjson_instant_or_null(const db_rows *r, int row, int col)
{
    return db_rows_isnull(r, row, col) ? json_null() : rowjson_instant(db_rows_int(r, row, col, 0));
}
