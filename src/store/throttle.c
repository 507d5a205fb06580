/* throttle.c - the throttle table. */
#include "store/throttle.h"

app_err store_throttle_peek(db *d, const char *key, int64_t window_ms, int64_t now_ms,
                            int64_t *count, int64_t *reset_at)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_T(key), DB_I(now_ms - window_ms)};
    app_err e = db_query(d,
                         "SELECT count, window_start FROM throttle WHERE key = ? AND "
                         "window_start > ?",
                         p, 2, &r, NULL);
    *count = 0;
    *reset_at = 0;
    if (e == APP_OK && db_rows_count(r) == 1) {
        *count = db_rows_int(r, 0, 0, 0);
        *reset_at = db_rows_int(r, 0, 1, 0) + window_ms;
    }
    db_rows_free(r);
    return e;
}

app_err store_throttle_hit(db *d, const char *key, int64_t window_ms, int64_t now_ms,
                           int64_t *count, int64_t *reset_at)
{
    db_rows *r = NULL;
    int64_t old = now_ms - window_ms;
    db_param p[6] = {DB_T(key), DB_I(now_ms), DB_I(old), DB_I(old), DB_I(now_ms)};
    app_err e = db_query(d,
                         "INSERT INTO throttle (key, window_start, count) VALUES (?, ?, 1) "
                         "ON CONFLICT (key) DO UPDATE SET "
                         "count = CASE WHEN throttle.window_start <= ? THEN 1 "
                         "ELSE throttle.count + 1 END, "
                         "window_start = CASE WHEN throttle.window_start <= ? THEN ? "
                         "ELSE throttle.window_start END "
                         "RETURNING count, window_start",
                         p, 5, &r, NULL);
    if (e == APP_OK) {
        *count = db_rows_int(r, 0, 0, 0);
        *reset_at = db_rows_int(r, 0, 1, 0) + window_ms;
    }
    db_rows_free(r);
    return e;
}

app_err store_throttle_clear(db *d, const char *key)
{
    db_param p = DB_T(key);
    return db_query(d, "DELETE FROM throttle WHERE key = ?", &p, 1, NULL, NULL);
}
