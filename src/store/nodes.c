/* nodes.c - the nodes table. */
#include "store/nodes.h"

/* Run one write statement on a borrowed connection. */
static app_err run(db *d, const char *sql, const db_param *p, int n)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    app_err e = db_exec(c, sql, p, n, NULL, NULL);
    db_release(c);
    return e;
}

app_err store_node_register(db *d, const char *id, const char *kind, const char *hostname,
                            int64_t pid, const char *version, int64_t now_ms)
{
    db_param p[7] = {DB_T(id),      DB_T(kind),   DB_T(hostname), DB_I(pid),
                     DB_T(version), DB_I(now_ms), DB_I(now_ms)};
    return run(d,
               "INSERT INTO nodes (id, kind, hostname, pid, version, started_at, heartbeat_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)",
               p, 7);
}

app_err store_node_heartbeat(db *d, const char *id, int64_t now_ms)
{
    db_param p[2] = {DB_I(now_ms), DB_T(id)};
    return run(d, "UPDATE nodes SET heartbeat_at = ? WHERE id = ?", p, 2);
}

app_err store_node_remove(db *d, const char *id, int64_t now_ms, int64_t stale_ms)
{
    db_param p[2] = {DB_T(id), DB_I(now_ms - stale_ms)};
    return run(d, "DELETE FROM nodes WHERE id = ? OR heartbeat_at < ?", p, 2);
}
