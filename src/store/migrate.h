/*
 * migrate.h - versioned schema migrations, one script per backend.
 *
 * Each migration runs in its own transaction together with the row that
 * records it in schema_migrations.  On PostgreSQL an advisory lock makes
 * nodes starting together apply each migration once; on SQLite the write
 * transaction does the same.  A database whose schema is newer than this
 * binary is refused.
 */
#ifndef P2S_STORE_MIGRATE_H
#define P2S_STORE_MIGRATE_H

#include "core/err.h"
#include "core/log.h"
#include "store/db.h"

/* Highest schema version this binary knows. */
int migrate_latest(void);

/*
 * Bring the schema up to migrate_latest().  *from and *to receive the
 * version found and the version left.  Returns APP_EVERSION if the database
 * is newer than this binary, APP_EDB (message in err) on failure.
 */
app_err migrate_run(db *d, const logger *lg, int *from, int *to, char *err, size_t errlen);

/* Current schema version (0 for an empty database). */
app_err migrate_current(db *d, int *version, char *err, size_t errlen);

#endif
