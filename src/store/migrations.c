/*
 * migrations.c - the schema, one migration at a time, per backend.
 *
 * Never edit a migration that has shipped; add a new one.  Both scripts of a
 * migration must leave the same tables, columns and meanings, so the
 * portable SQL in the repositories runs on either.
 */
#include "store/migrations.h"

static const migration all[] = {
    {1, "nodes",
     /* sqlite */
     "CREATE TABLE nodes ("
     "  id TEXT PRIMARY KEY,"
     "  kind TEXT NOT NULL CHECK (kind IN ('serve', 'worker')),"
     "  hostname TEXT NOT NULL,"
     "  pid BIGINT NOT NULL,"
     "  version TEXT NOT NULL,"
     "  started_at BIGINT NOT NULL,"
     "  heartbeat_at BIGINT NOT NULL"
     ");"
     "CREATE INDEX nodes_heartbeat ON nodes (kind, heartbeat_at);",
     /* postgres */
     "CREATE TABLE nodes ("
     "  id TEXT PRIMARY KEY,"
     "  kind TEXT NOT NULL CHECK (kind IN ('serve', 'worker')),"
     "  hostname TEXT NOT NULL,"
     "  pid BIGINT NOT NULL,"
     "  version TEXT NOT NULL,"
     "  started_at BIGINT NOT NULL,"
     "  heartbeat_at BIGINT NOT NULL"
     ");"
     "CREATE INDEX nodes_heartbeat ON nodes (kind, heartbeat_at);"},
};

const migration *migrations_list(size_t *count)
{
    *count = sizeof all / sizeof all[0];
    return all;
}
