/*
 * test_store.c - the database layer (src/store/db.h) and migrations
 * (src/store/migrate.h).
 *
 * Every shared test runs on SQLite in a fresh temporary directory, and again
 * on PostgreSQL when P2S_TEST_PG_URL names an empty scratch database; there
 * each test works inside a schema of its own, dropped afterwards.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/log.h"
#include "store/db.h"
#include "store/migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 5000

/* One test's database. */
typedef struct fixture {
    int pg;          /* 1 for PostgreSQL */
    int skipped;     /* PostgreSQL wanted but P2S_TEST_PG_URL unset */
    char dir[64];    /* SQLite: the temporary directory */
    char schema[64]; /* PostgreSQL: the private schema */
    char url[2048];  /* what db_open was given */
    db *admin;       /* PostgreSQL: pool on P2S_TEST_PG_URL itself */
    db *d;           /* the pool under test (2 connections) */
    logger lg;       /* quiet logger for migrations */
} fixture;

/* Remove a directory and the files in it (SQLite database, WAL, SHM). */
static void remove_dir(const char *dir)
{
    DIR *dh = opendir(dir);
    if (dh != NULL) {
        struct dirent *e;
        while ((e = readdir(dh)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
        closedir(dh);
    }
    rmdir(dir);
}

/* Run one statement on a pool, failing the test on error. */
static void must_exec(db *d, const char *sql)
{
    db_conn *c = db_acquire(d, WAIT_MS);
    assert_non_null(c);
    app_err e = db_exec(c, sql, NULL, 0, NULL, NULL);
    if (e != APP_OK)
        fail_msg("%s: %s (%s)", sql, app_err_name(e), db_errmsg(c));
    db_release(c);
}

static int setup_sqlite(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    log_init(&f->lg, LOG_ERROR, 2);
    snprintf(f->dir, sizeof f->dir, "/tmp/p2s-unit-store-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->url, sizeof f->url, "sqlite:%s/test.db", f->dir);
    char err[512] = "";
    if (db_open(f->url, 2, &f->d, err, sizeof err) != APP_OK) {
        print_error("db_open %s: %s\n", f->url, err);
        remove_dir(f->dir);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int setup_pg(void **state)
{
    static unsigned counter;
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    f->pg = 1;
    log_init(&f->lg, LOG_ERROR, 2);
    *state = f;
    const char *base = getenv("P2S_TEST_PG_URL");
    if (base == NULL || base[0] == '\0') {
        f->skipped = 1;
        return 0;
    }
    char err[512] = "";
    if (db_open(base, 1, &f->admin, err, sizeof err) != APP_OK) {
        print_error("db_open P2S_TEST_PG_URL: %s\n", err);
        return -1;
    }
    snprintf(f->schema, sizeof f->schema, "p2s_unit_%ld_%u_%ld", (long)getpid(), ++counter,
             (long)time(NULL));
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", f->schema);
    must_exec(f->admin, sql);
    /* Every connection of the pool under test works in the private schema. */
    snprintf(f->url, sizeof f->url, "%s%soptions=-csearch_path%%3D%s", base,
             strchr(base, '?') != NULL ? "&" : "?", f->schema);
    if (db_open(f->url, 2, &f->d, err, sizeof err) != APP_OK) {
        print_error("db_open %s: %s\n", f->url, err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f == NULL)
        return 0;
    db_close(f->d);
    if (f->pg && f->admin != NULL) {
        char sql[256];
        snprintf(sql, sizeof sql, "DROP SCHEMA IF EXISTS %s CASCADE", f->schema);
        db_conn *c = db_acquire(f->admin, WAIT_MS);
        if (c != NULL) {
            db_exec(c, sql, NULL, 0, NULL, NULL);
            db_release(c);
        }
        db_close(f->admin);
    }
    if (!f->pg && f->dir[0] != '\0')
        remove_dir(f->dir);
    free(f);
    return 0;
}

/* The fixture of a test, or skip the test when its backend is not available. */
static fixture *fx(void **state)
{
    fixture *f = *state;
    if (f->skipped)
        skip();
    assert_non_null(f->d);
    return f;
}

/* The table most tests use. */
static void make_items(db *d)
{
    must_exec(d, "CREATE TABLE items ("
                 " id BIGINT PRIMARY KEY,"
                 " name TEXT UNIQUE,"
                 " n BIGINT,"
                 " note TEXT,"
                 " qty INTEGER CHECK (qty >= 0))");
}

/* Number of rows in items with this id (via its own connection). */
static int64_t count_id(db *d, int64_t id)
{
    db_conn *c = db_acquire(d, WAIT_MS);
    assert_non_null(c);
    db_param p = DB_I(id);
    db_rows *r = NULL;
    assert_int_equal(db_exec(c, "SELECT COUNT(*) FROM items WHERE id = ?", &p, 1, &r, NULL),
                     APP_OK);
    int64_t n = db_rows_int(r, 0, 0, -1);
    db_rows_free(r);
    db_release(c);
    return n;
}

/* 1 if text contains the decimal number v as a whole token. */
static int has_number(const char *text, long v)
{
    const char *s = text;
    while (*s) {
        if (isdigit((unsigned char)*s)) {
            char *end;
            long got = strtol(s, &end, 10);
            if (got == v && (s == text || !isdigit((unsigned char)s[-1])))
                return 1;
            s = end;
        } else {
            s++;
        }
    }
    return 0;
}

static void test_kind(void **state)
{
    fixture *f = fx(state);
    if (f->pg) {
        assert_int_equal(db_kind(f->d), DB_POSTGRES);
        assert_string_equal(db_kind_name(f->d), "postgres");
    } else {
        assert_int_equal(db_kind(f->d), DB_SQLITE);
        assert_string_equal(db_kind_name(f->d), "sqlite");
    }
}

static void test_roundtrip(void **state)
{
    fixture *f = fx(state);
    make_items(f->d);
    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);

    static const struct {
        int64_t id;
        const char *name; /* NULL binds NULL */
        int64_t n;
        int n_null;
    } rows[] = {
        {1, "plain", 42, 0},
        {2, "it's a \"quoted\" 'text'; DROP TABLE items; --", 9007199254740993LL, 0},
        {3, "caf\xc3\xa9 \xe2\x80\x93 \xe2\x9c\x93 \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac",
         INT64_MAX, 0},
        {4, "", INT64_MIN, 0},
        {5, NULL, -1, 1},
        {9007199254740993LL, "big id", 0, 0},
    };
    const size_t nrows = sizeof rows / sizeof rows[0];
    for (size_t i = 0; i < nrows; i++) {
        db_param p[4] = {DB_I(rows[i].id), DB_T(rows[i].name),
                         rows[i].n_null ? DB_N : DB_I(rows[i].n), DB_N};
        int64_t changes = -1;
        app_err e = db_exec(c, "INSERT INTO items (id, name, n, note) VALUES (?, ?, ?, ?)", p, 4,
                            NULL, &changes);
        if (e != APP_OK)
            fail_msg("insert %zu: %s (%s)", i, app_err_name(e), db_errmsg(c));
        assert_int_equal(changes, 1);
    }

    db_rows *r = NULL;
    assert_int_equal(
        db_exec(c, "SELECT id, name, n, note FROM items ORDER BY id", NULL, 0, &r, NULL), APP_OK);
    assert_int_equal(db_rows_count(r), (int)nrows);
    assert_int_equal(db_rows_cols(r), 4);
    for (size_t i = 0; i < nrows; i++) {
        int row = (int)i;
        assert_int_equal(db_rows_int(r, row, 0, -1), rows[i].id);
        if (rows[i].name == NULL) {
            assert_true(db_rows_isnull(r, row, 1));
            assert_null(db_rows_text(r, row, 1));
        } else {
            assert_false(db_rows_isnull(r, row, 1));
            assert_string_equal(db_rows_text(r, row, 1), rows[i].name);
        }
        if (rows[i].n_null) {
            assert_true(db_rows_isnull(r, row, 2));
            assert_int_equal(db_rows_int(r, row, 2, 777), 777);
        } else {
            assert_int_equal(db_rows_int(r, row, 2, 777), rows[i].n);
        }
        assert_true(db_rows_isnull(r, row, 3));
    }
    /* 64-bit values come back exact, as text too. */
    assert_string_equal(db_rows_text(r, 1, 2), "9007199254740993");
    assert_string_equal(db_rows_text(r, 3, 2), "-9223372036854775808");
    assert_string_equal(db_rows_text(r, 5, 0), "9007199254740993");
    /* Out of range cells read as NULL / the default. */
    assert_null(db_rows_text(r, (int)nrows, 0));
    assert_null(db_rows_text(r, 0, 4));
    assert_null(db_rows_text(r, -1, 0));
    assert_int_equal(db_rows_int(r, 0, 1, 55), 55); /* "plain" is not a number */
    db_rows_free(r);

    /* Bound text compares as text: a quote in the value matches exactly one row. */
    db_param q = DB_T(rows[1].name);
    assert_int_equal(db_exec(c, "SELECT id FROM items WHERE name = ?", &q, 1, &r, NULL), APP_OK);
    assert_int_equal(db_rows_count(r), 1);
    assert_int_equal(db_rows_int(r, 0, 0, -1), 2);
    db_rows_free(r);

    /* An empty result is a result with no rows, not NULL. */
    db_param none = DB_I(12345);
    assert_int_equal(db_exec(c, "SELECT id, name FROM items WHERE id = ?", &none, 1, &r, NULL),
                     APP_OK);
    assert_non_null(r);
    assert_int_equal(db_rows_count(r), 0);
    db_rows_free(r);
    db_release(c);
}

static void test_placeholders_in_literals(void **state)
{
    fixture *f = fx(state);
    make_items(f->d);
    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    db_rows *r = NULL;

    /* A '?' inside a string literal is text, not a placeholder. */
    db_param p[2] = {DB_I(10), DB_T("the note")};
    assert_int_equal(
        db_exec(c, "INSERT INTO items (id, name, note) VALUES (?, 'what?', ?)", p, 2, NULL, NULL),
        APP_OK);
    db_param id = DB_I(10);
    assert_int_equal(db_exec(c, "SELECT name, note FROM items WHERE name = 'what?' AND id = ?", &id,
                             1, &r, NULL),
                     APP_OK);
    assert_int_equal(db_rows_count(r), 1);
    assert_string_equal(db_rows_text(r, 0, 0), "what?");
    assert_string_equal(db_rows_text(r, 0, 1), "the note");
    db_rows_free(r);

    /* Doubled quotes, a quoted name and a comment holding '?'. */
    db_param q[2] = {DB_T("first"), DB_T("second")};
    assert_int_equal(db_exec(c,
                             "SELECT 'it''s?' AS \"a?b\", CAST(? AS TEXT) AS x -- why?\n"
                             ", CAST(? AS TEXT) AS y",
                             q, 2, &r, NULL),
                     APP_OK);
    assert_int_equal(db_rows_count(r), 1);
    assert_int_equal(db_rows_cols(r), 3);
    assert_string_equal(db_rows_text(r, 0, 0), "it's?");
    assert_string_equal(db_rows_text(r, 0, 1), "first");
    assert_string_equal(db_rows_text(r, 0, 2), "second");
    db_rows_free(r);

    /* A '?' in a block comment ahead of the placeholders is not one either. */
    db_param one = DB_T("only");
    assert_int_equal(db_exec(c, "SELECT /* any? */ CAST(? AS TEXT)", &one, 1, &r, NULL), APP_OK);
    assert_string_equal(db_rows_text(r, 0, 0), "only");
    db_rows_free(r);

    /* A bound value holding '?' and quotes stays one value. */
    db_param odd = DB_T("?' OR '1'='1");
    assert_int_equal(db_exec(c, "SELECT COUNT(*) FROM items WHERE name = ?", &odd, 1, &r, NULL),
                     APP_OK);
    assert_int_equal(db_rows_int(r, 0, 0, -1), 0);
    db_rows_free(r);
    db_release(c);
}

static void test_returning(void **state)
{
    fixture *f = fx(state);
    make_items(f->d);
    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    db_rows *r = NULL;
    int64_t changes = -1;
    db_param p[3] = {DB_I(9007199254740993LL), DB_T("ret"), DB_I(3)};
    assert_int_equal(db_exec(c,
                             "INSERT INTO items (id, name, qty) VALUES (?, ?, ?) "
                             "RETURNING id, name, qty",
                             p, 3, &r, &changes),
                     APP_OK);
    assert_int_equal(changes, 1);
    assert_int_equal(db_rows_count(r), 1);
    assert_int_equal(db_rows_int(r, 0, 0, -1), 9007199254740993LL);
    assert_string_equal(db_rows_text(r, 0, 1), "ret");
    assert_int_equal(db_rows_int(r, 0, 2, -1), 3);
    db_rows_free(r);

    db_param u[2] = {DB_I(5), DB_T("ret")};
    assert_int_equal(db_exec(c, "UPDATE items SET qty = qty + ? WHERE name = ? RETURNING qty", u, 2,
                             &r, &changes),
                     APP_OK);
    assert_int_equal(changes, 1);
    assert_int_equal(db_rows_int(r, 0, 0, -1), 8);
    db_rows_free(r);
    db_release(c);
}

static void test_conflict(void **state)
{
    fixture *f = fx(state);
    make_items(f->d);
    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    db_param p[2] = {DB_I(1), DB_T("taken-name-7f3a")};
    const char *ins = "INSERT INTO items (id, name) VALUES (?, ?)";
    assert_int_equal(db_exec(c, ins, p, 2, NULL, NULL), APP_OK);

    /* Same primary key. */
    db_param same_id[2] = {DB_I(1), DB_T("other")};
    assert_int_equal(db_exec(c, ins, same_id, 2, NULL, NULL), APP_ECONFLICT);
    assert_true(strlen(db_errmsg(c)) > 0);

    /* Same unique name: the message never carries the bound value. */
    db_param same_name[2] = {DB_I(2), DB_T("taken-name-7f3a")};
    assert_int_equal(db_exec(c, ins, same_name, 2, NULL, NULL), APP_ECONFLICT);
    assert_true(strlen(db_errmsg(c)) > 0);
    assert_null(strstr(db_errmsg(c), "taken-name-7f3a"));

    /* A check violation is a conflict too. */
    db_param neg[3] = {DB_I(3), DB_T("neg"), DB_I(-1)};
    assert_int_equal(
        db_exec(c, "INSERT INTO items (id, name, qty) VALUES (?, ?, ?)", neg, 3, NULL, NULL),
        APP_ECONFLICT);

    /* Broken SQL is a store error, not a conflict; the connection stays usable. */
    assert_int_equal(db_exec(c, "SELEKT 1", NULL, 0, NULL, NULL), APP_EDB);
    assert_true(strlen(db_errmsg(c)) > 0);
    assert_int_equal(db_exec(c, "SELECT * FROM no_such_table", NULL, 0, NULL, NULL), APP_EDB);
    db_release(c);
    assert_int_equal(count_id(f->d, 1), 1);
    assert_int_equal(count_id(f->d, 2), 0);
}

static void test_changes(void **state)
{
    fixture *f = fx(state);
    make_items(f->d);
    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    int64_t changes = -1;
    assert_int_equal(db_exec(c,
                             "INSERT INTO items (id, name, qty) VALUES (1, 'a', 1), (2, 'b', 1), "
                             "(3, 'c', 2)",
                             NULL, 0, NULL, &changes),
                     APP_OK);
    assert_int_equal(changes, 3);

    db_param one = DB_I(1);
    assert_int_equal(
        db_exec(c, "UPDATE items SET note = 'x' WHERE qty = ?", &one, 1, NULL, &changes), APP_OK);
    assert_int_equal(changes, 2);

    db_param nobody = DB_I(99);
    changes = -1;
    assert_int_equal(
        db_exec(c, "UPDATE items SET note = 'y' WHERE qty = ?", &nobody, 1, NULL, &changes),
        APP_OK);
    assert_int_equal(changes, 0);

    /* A statement that writes nothing reports 0, whatever ran before it. */
    assert_int_equal(db_exec(c, "UPDATE items SET note = 'z'", NULL, 0, NULL, &changes), APP_OK);
    assert_int_equal(changes, 3);
    db_rows *r = NULL;
    changes = -1;
    assert_int_equal(db_exec(c, "SELECT id FROM items", NULL, 0, &r, &changes), APP_OK);
    assert_int_equal(db_rows_count(r), 3);
    assert_int_equal(changes, 0);
    db_rows_free(r);
    changes = -1;
    assert_int_equal(db_exec(c, "CREATE TABLE other (id BIGINT)", NULL, 0, NULL, &changes), APP_OK);
    assert_int_equal(changes, 0);

    assert_int_equal(db_exec(c, "DELETE FROM items", NULL, 0, NULL, &changes), APP_OK);
    assert_int_equal(changes, 3);
    db_release(c);
}

static void test_transactions(void **state)
{
    fixture *f = fx(state);
    make_items(f->d);
    const char *ins = "INSERT INTO items (id) VALUES (?)";

    /* Rollback discards. */
    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    assert_int_equal(db_begin(c, DB_WRITE), APP_OK);
    db_param one = DB_I(1);
    assert_int_equal(db_exec(c, ins, &one, 1, NULL, NULL), APP_OK);
    /* Not visible to another connection before commit. */
    assert_int_equal(count_id(f->d, 1), 0);
    assert_int_equal(db_rollback(c), APP_OK);
    db_release(c);
    assert_int_equal(count_id(f->d, 1), 0);

    /* Commit keeps. */
    c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    assert_int_equal(db_begin(c, DB_WRITE), APP_OK);
    db_param two = DB_I(2);
    assert_int_equal(db_exec(c, ins, &two, 1, NULL, NULL), APP_OK);
    assert_int_equal(db_commit(c), APP_OK);
    db_release(c);
    assert_int_equal(count_id(f->d, 2), 1);

    /* A read transaction sees committed rows. */
    c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    assert_int_equal(db_begin(c, DB_READ), APP_OK);
    db_rows *r = NULL;
    assert_int_equal(db_exec(c, "SELECT COUNT(*) FROM items", NULL, 0, &r, NULL), APP_OK);
    assert_int_equal(db_rows_int(r, 0, 0, -1), 1);
    db_rows_free(r);
    assert_int_equal(db_commit(c), APP_OK);
    db_release(c);

    /* A failed statement inside a transaction, then rollback: nothing of it stays. */
    c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    assert_int_equal(db_begin(c, DB_WRITE), APP_OK);
    db_param three = DB_I(3);
    assert_int_equal(db_exec(c, ins, &three, 1, NULL, NULL), APP_OK);
    assert_int_equal(db_exec(c, ins, &two, 1, NULL, NULL), APP_ECONFLICT);
    assert_int_equal(db_rollback(c), APP_OK);
    db_release(c);
    assert_int_equal(count_id(f->d, 3), 0);
    assert_int_equal(count_id(f->d, 2), 1);
}

static void test_release_rolls_back(void **state)
{
    fixture *f = fx(state);
    make_items(f->d);
    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    assert_int_equal(db_begin(c, DB_WRITE), APP_OK);
    db_param one = DB_I(1);
    assert_int_equal(db_exec(c, "INSERT INTO items (id) VALUES (?)", &one, 1, NULL, NULL), APP_OK);
    db_release(c); /* no commit */
    assert_int_equal(count_id(f->d, 1), 0);

    /* Every connection of the pool is reusable: no transaction was left open. */
    db_conn *a = db_acquire(f->d, WAIT_MS);
    db_conn *b = db_acquire(f->d, WAIT_MS);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(db_begin(a, DB_READ), APP_OK);
    assert_int_equal(db_commit(a), APP_OK);
    assert_int_equal(db_begin(b, DB_WRITE), APP_OK);
    assert_int_equal(db_exec(b, "INSERT INTO items (id) VALUES (?)", &one, 1, NULL, NULL), APP_OK);
    assert_int_equal(db_commit(b), APP_OK);
    db_release(a);
    db_release(b);
    assert_int_equal(count_id(f->d, 1), 1);
}

/* Holds a connection for a while, then gives it back. */
static void *hold_then_release(void *arg)
{
    db_conn *c = arg;
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    db_release(c);
    return NULL;
}

static void test_acquire_timeout(void **state)
{
    fixture *f = fx(state);
    db *one = NULL;
    char err[512] = "";
    assert_int_equal(db_open(f->url, 1, &one, err, sizeof err), APP_OK);
    db_conn *c = db_acquire(one, WAIT_MS);
    assert_non_null(c);
    /* The only connection is out: a second borrower times out with NULL. */
    assert_null(db_acquire(one, 50));
    assert_null(db_acquire(one, 0));
    db_release(c);

    /* Once given back it can be borrowed again. */
    c = db_acquire(one, 50);
    assert_non_null(c);

    /* A waiter is woken when another thread gives the connection back. */
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold_then_release, c), 0);
    db_conn *again = db_acquire(one, 30000);
    assert_non_null(again);
    assert_ptr_equal(again, c);
    pthread_join(t, NULL);
    db_release(again);
    db_close(one);
}

static void test_migrate(void **state)
{
    fixture *f = fx(state);
    char err[512] = "";
    int latest = migrate_latest();
    assert_true(latest >= 1);

    int v = -1;
    assert_int_equal(migrate_current(f->d, &v, err, sizeof err), APP_OK);
    assert_int_equal(v, 0);

    int from = -1, to = -1;
    app_err e = migrate_run(f->d, &f->lg, &from, &to, err, sizeof err);
    if (e != APP_OK)
        fail_msg("migrate_run: %s: %s", app_err_name(e), err);
    assert_int_equal(from, 0);
    assert_int_equal(to, latest);
    assert_int_equal(migrate_current(f->d, &v, err, sizeof err), APP_OK);
    assert_int_equal(v, latest);

    /* Idempotent: a second run finds nothing to do. */
    from = to = -1;
    assert_int_equal(migrate_run(f->d, &f->lg, &from, &to, err, sizeof err), APP_OK);
    assert_int_equal(from, latest);
    assert_int_equal(to, latest);

    /* One row per migration, versions 1..latest. */
    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    db_rows *r = NULL;
    assert_int_equal(db_exec(c, "SELECT version, name FROM schema_migrations ORDER BY version",
                             NULL, 0, &r, NULL),
                     APP_OK);
    assert_int_equal(db_rows_count(r), latest);
    for (int i = 0; i < latest; i++) {
        assert_int_equal(db_rows_int(r, i, 0, -1), i + 1);
        assert_true(strlen(db_rows_text(r, i, 1)) > 0);
    }
    db_rows_free(r);
    /* The first migration's table is there. */
    assert_int_equal(db_exec(c, "SELECT COUNT(*) FROM nodes", NULL, 0, &r, NULL), APP_OK);
    assert_int_equal(db_rows_int(r, 0, 0, -1), 0);
    db_rows_free(r);
    db_release(c);
}

static void test_migrate_newer_schema(void **state)
{
    fixture *f = fx(state);
    char err[512] = "";
    int from = -1, to = -1;
    assert_int_equal(migrate_run(f->d, &f->lg, &from, &to, err, sizeof err), APP_OK);
    int latest = migrate_latest();

    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    db_param p = DB_I(latest + 5);
    assert_int_equal(db_exec(c,
                             "INSERT INTO schema_migrations (version, name, applied_at) "
                             "VALUES (?, 'from the future', 0)",
                             &p, 1, NULL, NULL),
                     APP_OK);
    db_release(c);

    err[0] = '\0';
    from = to = -1;
    assert_int_equal(migrate_run(f->d, &f->lg, &from, &to, err, sizeof err), APP_EVERSION);
    assert_int_equal(from, latest + 5);
    if (!has_number(err, latest + 5) || !has_number(err, latest))
        fail_msg("message does not name versions %d and %d: %s", latest + 5, latest, err);

    int v = -1;
    assert_int_equal(migrate_current(f->d, &v, err, sizeof err), APP_OK);
    assert_int_equal(v, latest + 5);

    /* The refused run left every connection usable. */
    must_exec(f->d, "SELECT COUNT(*) FROM schema_migrations");
    must_exec(f->d, "SELECT COUNT(*) FROM schema_migrations");
}

/* db_open forms and failures that need no running server. */
static void test_open_sqlite_forms(void **state)
{
    (void)state;
    char dir[] = "/tmp/p2s-unit-open-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[256];
    char err[512];
    db *d = NULL;

    /* A plain path. */
    snprintf(url, sizeof url, "%s/plain.db", dir);
    err[0] = '\0';
    assert_int_equal(db_open(url, 1, &d, err, sizeof err), APP_OK);
    assert_non_null(d);
    assert_int_equal(db_kind(d), DB_SQLITE);
    /* SQLite files are in WAL mode. */
    db_conn *c = db_acquire(d, WAIT_MS);
    assert_non_null(c);
    db_rows *r = NULL;
    assert_int_equal(db_exec(c, "PRAGMA journal_mode", NULL, 0, &r, NULL), APP_OK);
    assert_string_equal(db_rows_text(r, 0, 0), "wal");
    db_rows_free(r);
    assert_int_equal(db_exec(c, "CREATE TABLE k (v TEXT)", NULL, 0, NULL, NULL), APP_OK);
    db_release(c);
    db_close(d);

    /* "sqlite:" and "sqlite://" name the same file. */
    const char *const prefixes[] = {"sqlite:", "sqlite://"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(url, sizeof url, "%s%s/plain.db", prefixes[i], dir);
        d = NULL;
        assert_int_equal(db_open(url, 2, &d, err, sizeof err), APP_OK);
        assert_int_equal(db_kind(d), DB_SQLITE);
        c = db_acquire(d, WAIT_MS);
        assert_non_null(c);
        assert_int_equal(db_exec(c, "SELECT COUNT(*) FROM k", NULL, 0, NULL, NULL), APP_OK);
        db_release(c);
        db_close(d);
    }
    char file[256];
    snprintf(file, sizeof file, "%s/plain.db", dir);
    assert_int_equal(access(file, F_OK), 0);

    /* A path in a directory that does not exist. */
    snprintf(url, sizeof url, "sqlite:%s/missing/sub/x.db", dir);
    d = (db *)&d; /* must be reset to NULL */
    err[0] = '\0';
    app_err e = db_open(url, 1, &d, err, sizeof err);
    assert_int_not_equal(e, APP_OK);
    assert_null(d);
    assert_true(strlen(err) > 0);

    /* No database named at all. */
    err[0] = '\0';
    assert_int_not_equal(db_open("sqlite:", 1, &d, err, sizeof err), APP_OK);
    assert_null(d);
    assert_true(strlen(err) > 0);

    remove_dir(dir);
}

static void test_open_pg_failure_hides_password(void **state)
{
    (void)state;
    char err[512] = "";
    db *d = (db *)&d;
    /* Port 1 on loopback refuses at once. */
    app_err e = db_open("postgres://p2s:Sup3rSecretPw@127.0.0.1:1/p2s?connect_timeout=2", 1, &d,
                        err, sizeof err);
    assert_int_not_equal(e, APP_OK);
    assert_null(d);
    assert_true(strlen(err) > 0);
    assert_null(strstr(err, "Sup3rSecretPw"));
}

/* Statements are compiled once per connection and reused: many calls of one text with other
   values, more texts than a connection keeps, and a kept SELECT holds no snapshot between
   calls (another connection's commit is seen at once). */
static void test_statement_reuse(void **state)
{
    fixture *f = fx(state);
    make_items(f->d);
    db_conn *c = db_acquire(f->d, WAIT_MS);
    db_conn *other = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    assert_non_null(other);
    for (int i = 1; i <= 300; i++) {
        db_param p[2] = {DB_I(i), DB_I(i * 7)};
        assert_int_equal(db_exec(c, "INSERT INTO items (id, n) VALUES (?, ?)", p, 2, NULL, NULL),
                         APP_OK);
    }
    /* 300 different texts: more than are kept, so the oldest are given up and made again */
    for (int round = 0; round < 2; round++)
        for (int i = 1; i <= 300; i++) {
            char sql[96];
            snprintf(sql, sizeof sql, "SELECT n + %d FROM items WHERE id = ?", i);
            db_param p = DB_I(i);
            db_rows *r = NULL;
            assert_int_equal(db_exec(c, sql, &p, 1, &r, NULL), APP_OK);
            assert_int_equal(db_rows_count(r), 1);
            assert_int_equal(db_rows_int(r, 0, 0, -1), i * 7 + i);
            db_rows_free(r);
        }
    const char *count = "SELECT COUNT(*) FROM items WHERE n >= ?";
    db_param zero = DB_I(0);
    db_rows *r = NULL;
    assert_int_equal(db_exec(c, count, &zero, 1, &r, NULL), APP_OK);
    assert_int_equal(db_rows_int(r, 0, 0, -1), 300);
    db_rows_free(r);
    db_param p[2] = {DB_I(1000), DB_I(1)};
    assert_int_equal(db_exec(other, "INSERT INTO items (id, n) VALUES (?, ?)", p, 2, NULL, NULL),
                     APP_OK);
    assert_int_equal(db_exec(c, count, &zero, 1, &r, NULL), APP_OK);
    assert_int_equal(db_rows_int(r, 0, 0, -1), 301);
    db_rows_free(r);
    /* a kept statement that fails inside a transaction: the rollback works and so does the
       statement afterwards */
    assert_int_equal(db_begin(c, DB_WRITE), APP_OK);
    assert_int_equal(db_exec(c, "INSERT INTO items (id, n) VALUES (?, ?)", p, 2, NULL, NULL),
                     APP_ECONFLICT);
    db_rollback(c);
    db_param fresh[2] = {DB_I(1001), DB_I(1)};
    assert_int_equal(db_exec(c, "INSERT INTO items (id, n) VALUES (?, ?)", fresh, 2, NULL, NULL),
                     APP_OK);
    db_release(other);
    db_release(c);
}

/* A schema change under a kept statement: the next call still answers, with the new columns. */
static void test_statement_after_schema_change(void **state)
{
    fixture *f = fx(state);
    make_items(f->d);
    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    db_param p[2] = {DB_I(1), DB_I(5)};
    assert_int_equal(db_exec(c, "INSERT INTO items (id, n) VALUES (?, ?)", p, 2, NULL, NULL),
                     APP_OK);
    db_rows *r = NULL;
    assert_int_equal(db_exec(c, "SELECT * FROM items", NULL, 0, &r, NULL), APP_OK);
    assert_int_equal(db_rows_cols(r), 5);
    db_rows_free(r);
    assert_int_equal(db_exec_script(c, "ALTER TABLE items ADD COLUMN extra TEXT"), APP_OK);
    assert_int_equal(db_exec(c, "SELECT * FROM items", NULL, 0, &r, NULL), APP_OK);
    assert_int_equal(db_rows_cols(r), 6);
    assert_int_equal(db_rows_count(r), 1);
    db_rows_free(r);
    db_release(c);
}

/* Statements in a batch run in order (each sees the effects of those before it), give their
   rows and changes, and stop at the first error (PostgreSQL sends them all at once). */
static void test_batch(void **state)
{
    fixture *f = fx(state);
    make_items(f->d);
    db_conn *c = db_acquire(f->d, WAIT_MS);
    assert_non_null(c);
    db_param a[2] = {DB_I(1), DB_T("one")}, b[2] = {DB_I(2), DB_T("two")}, one = DB_I(1);
    db_rows *r1 = NULL, *r2 = NULL;
    int64_t ch1 = -1, ch2 = -1;
    db_batch_item items[] = {
        {"INSERT INTO items (id, name) VALUES (?, ?)", a, 2, NULL, &ch1, APP_OK},
        {"INSERT INTO items (id, name) VALUES (?, ?) RETURNING id", b, 2, &r1, NULL, APP_OK},
        {"UPDATE items SET n = 5 WHERE id >= ?", &one, 1, NULL, &ch2, APP_OK},
        {"SELECT id, name, n FROM items ORDER BY id", NULL, 0, &r2, NULL, APP_OK},
    };
    assert_int_equal(db_begin(c, DB_WRITE), APP_OK);
    assert_int_equal(db_exec_batch(c, items, 4), APP_OK);
    assert_int_equal(db_commit(c), APP_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(items[i].result, APP_OK);
    assert_int_equal(ch1, 1);
    assert_int_equal(ch2, 2);
    assert_int_equal(db_rows_int(r1, 0, 0, -1), 2);
    assert_int_equal(db_rows_count(r2), 2);
    assert_string_equal(db_rows_text(r2, 1, 1), "two");
    assert_int_equal(db_rows_int(r2, 1, 2, -1), 5);
    db_rows_free(r1);
    db_rows_free(r2);

    /* a failing statement: the ones after it are not run, and the transaction rolls back */
    db_param c3[2] = {DB_I(3), DB_T("three")}, dup[2] = {DB_I(1), DB_T("again")},
             c4[2] = {DB_I(4), DB_T("four")};
    db_batch_item bad[] = {
        {"INSERT INTO items (id, name) VALUES (?, ?)", c3, 2, NULL, NULL, APP_OK},
        {"INSERT INTO items (id, name) VALUES (?, ?)", dup, 2, NULL, NULL, APP_OK},
        {"INSERT INTO items (id, name) VALUES (?, ?)", c4, 2, NULL, NULL, APP_OK},
    };
    assert_int_equal(db_begin(c, DB_WRITE), APP_OK);
    assert_int_equal(db_exec_batch(c, bad, 3), APP_ECONFLICT);
    assert_int_equal(bad[0].result, APP_OK);
    assert_int_equal(bad[1].result, APP_ECONFLICT);
    assert_int_equal(bad[2].result, APP_EDB);
    db_rollback(c);
    db_release(c);
    assert_int_equal(count_id(f->d, 3), 0);
    assert_int_equal(count_id(f->d, 4), 0);
    /* the connection works on afterwards */
    assert_int_equal(count_id(f->d, 1), 1);
    /* more statements than one round of the pipeline */
    c = db_acquire(f->d, WAIT_MS);
    enum { MANY = 150 };
    db_batch_item many[MANY];
    db_param mp[MANY][2];
    for (int i = 0; i < MANY; i++) {
        mp[i][0] = DB_I(100 + i);
        mp[i][1] = DB_I(i);
        many[i] = (db_batch_item){
            "INSERT INTO items (id, n) VALUES (?, ?)", mp[i], 2, NULL, NULL, APP_OK};
    }
    assert_int_equal(db_exec_batch(c, many, MANY), APP_OK);
    db_rows *r = NULL;
    assert_int_equal(
        db_exec(c, "SELECT COUNT(*), SUM(n) FROM items WHERE id >= 100", NULL, 0, &r, NULL),
        APP_OK);
    assert_int_equal(db_rows_int(r, 0, 0, -1), MANY);
    assert_int_equal(db_rows_int(r, 0, 1, -1), MANY * (MANY - 1) / 2);
    db_rows_free(r);
    db_release(c);
}

int main(void)
{
#define SQ(t)                                                                                      \
    {                                                                                              \
        "sqlite_" #t, t, setup_sqlite, teardown, NULL                                              \
    }
#define PG(t)                                                                                      \
    {                                                                                              \
        "postgres_" #t, t, setup_pg, teardown, NULL                                                \
    }
    const struct CMUnitTest tests[] = {
        SQ(test_kind),
        SQ(test_roundtrip),
        SQ(test_statement_reuse),
        SQ(test_batch),
        SQ(test_statement_after_schema_change),
        SQ(test_placeholders_in_literals),
        SQ(test_returning),
        SQ(test_conflict),
        SQ(test_changes),
        SQ(test_transactions),
        SQ(test_release_rolls_back),
        SQ(test_acquire_timeout),
        SQ(test_migrate),
        SQ(test_migrate_newer_schema),
        cmocka_unit_test(test_open_sqlite_forms),
        cmocka_unit_test(test_open_pg_failure_hides_password),
        PG(test_kind),
        PG(test_roundtrip),
        PG(test_statement_reuse),
        PG(test_batch),
        PG(test_statement_after_schema_change),
        PG(test_placeholders_in_literals),
        PG(test_returning),
        PG(test_conflict),
        PG(test_changes),
        PG(test_transactions),
        PG(test_release_rolls_back),
        PG(test_acquire_timeout),
        PG(test_migrate),
        PG(test_migrate_newer_schema),
    };
#undef SQ
#undef PG
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
