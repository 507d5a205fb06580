/* migrate.c - apply the migrations in migrations.c, each in its own transaction. */
#define _POSIX_C_SOURCE 200809L
#include "store/migrate.h"
#include "store/migrations.h"
#include "core/clock.h"

#include <stdio.h>

/* Advisory lock key serialising migrations across PostgreSQL nodes. */
#define MIGRATE_LOCK_KEY 7235011

static const char *const create_table = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                        " version INTEGER PRIMARY KEY,"
                                        " name TEXT NOT NULL,"
                                        " applied_at BIGINT NOT NULL)";

int migrate_latest(void)
{
    size_t n;
    const migration *m = migrations_list(&n);
    return n > 0 ? m[n - 1].version : 0;
}

static app_err read_version(db_conn *c, int *version)
{
    db_rows *r = NULL;
    app_err e =
        db_exec(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", NULL, 0, &r, NULL);
    if (e == APP_OK)
        *version = (int)db_rows_int(r, 0, 0, 0);
    db_rows_free(r);
    return e;
}

/* Begin a write transaction holding the migration lock, table in place. */
static app_err begin_locked(db_conn *c, db *d)
{
    app_err e = db_begin(c, DB_WRITE);
    if (e != APP_OK)
        return e;
    if (db_kind(d) == DB_POSTGRES) {
        db_param key = DB_I(MIGRATE_LOCK_KEY);
        e = db_exec(c, "SELECT pg_advisory_xact_lock(?)", &key, 1, NULL, NULL);
    }
    if (e == APP_OK)
        e = db_exec(c, create_table, NULL, 0, NULL, NULL);
    if (e != APP_OK)
        db_rollback(c);
    return e;
}

app_err migrate_current(db *d, int *version, char *err, size_t errlen)
{
    db_conn *c = db_acquire(d, 10000);
    if (c == NULL) {
        snprintf(err, errlen, "no database connection");
        return APP_EDB;
    }
    app_err e = begin_locked(c, d);
    if (e == APP_OK) {
        e = read_version(c, version);
        db_commit(c);
    }
    if (e != APP_OK)
        snprintf(err, errlen, "%s", db_errmsg(c));
    db_release(c);
    return e;
}

app_err migrate_run(db *d, const logger *lg, int *from, int *to, char *err, size_t errlen)
{
    size_t n;
    const migration *all = migrations_list(&n);
    int latest = migrate_latest();
    app_err e = APP_OK;
    int first = 1;

    db_conn *c = db_acquire(d, 10000);
    if (c == NULL) {
        snprintf(err, errlen, "no database connection");
        return APP_EDB;
    }
    for (;;) {
        int version = 0;
        if ((e = begin_locked(c, d)) != APP_OK)
            break;
        if ((e = read_version(c, &version)) != APP_OK)
            break;
        if (first) {
            *from = version;
            first = 0;
        }
        *to = version;
        if (version > latest) {
            snprintf(err, errlen,
                     "the database schema is version %d but this binary knows only up to %d: "
                     "run a newer post2share",
                     version, latest);
            e = APP_EVERSION;
            break;
        }
        if (version == latest) {
            e = db_commit(c);
            break;
        }
        const migration *m = NULL;
        for (size_t i = 0; i < n; i++)
            if (all[i].version == version + 1)
                m = &all[i];
        if (m == NULL) {
            snprintf(err, errlen, "no migration %d in this binary", version + 1);
            e = APP_EDB;
            break;
        }
        e = db_exec_script(c, db_kind(d) == DB_POSTGRES ? m->pg : m->sqlite);
        if (e == APP_OK) {
            db_param p[3] = {DB_I(m->version), DB_T(m->name), DB_I(clock_now_ms())};
            e = db_exec(
                c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", p,
                3, NULL, NULL);
        }
        if (e == APP_OK)
            e = db_commit(c);
        if (e != APP_OK) {
            snprintf(err, errlen, "migration %d (%s) failed: %s", m->version, m->name,
                     db_errmsg(c));
            break;
        }
        log_msg(lg, LOG_INFO, "applied migration %d (%s)", m->version, m->name);
        *to = m->version;
    }
    if (e != APP_OK && e != APP_EVERSION && err[0] == '\0')
        snprintf(err, errlen, "%s", db_errmsg(c));
    db_release(c);
    return e;
}
