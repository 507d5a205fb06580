/*
 * test_db_listen.c - LISTEN/NOTIFY in the database layer (db_listen and friends, store/db.h).
 *
 * SQLite has no notifications: db_listen answers NULL without an error.  On PostgreSQL (when
 * P2S_TEST_PG_URL names a database; skipped otherwise) a listener hears a NOTIFY on its channel,
 * takes those that arrived together at once, times out when nothing comes, refuses bad channel
 * names, and comes back after the server dropped its connection.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/clock.h"
#include "store/db.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_sqlite_has_none(void **state)
{
    (void)state;
    char dir[] = "/tmp/p2s-listen-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[160], file[128];
    snprintf(file, sizeof file, "%s/t.db", dir);
    snprintf(url, sizeof url, "sqlite:%s", file);
    db *d = NULL;
    char err[256] = "";
    assert_int_equal(db_open(url, 1, &d, err, sizeof err), APP_OK);
    snprintf(err, sizeof err, "untouched");
    assert_null(db_listen(d, "p2s_events", err, sizeof err));
    assert_string_equal(err, "");
    db_listener_close(NULL);
    db_close(d);
    unlink(file);
    char wal[144];
    snprintf(wal, sizeof wal, "%s-wal", file);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", file);
    unlink(wal);
    rmdir(dir);
}

static void notify(db *d, const char *channel)
{
    db_param p[1] = {DB_T(channel)};
    assert_int_equal(db_query(d, "SELECT pg_notify(?, '')", p, 1, NULL, NULL), APP_OK);
}

static void test_postgres_notify(void **state)
{
    (void)state;
    const char *url = getenv("P2S_TEST_PG_URL");
    if (url == NULL || *url == '\0') {
        skip();
        return;
    }
    db *d = NULL;
    char err[256] = "";
    assert_int_equal(db_open(url, 1, &d, err, sizeof err), APP_OK);
    /* bad channel names */
    assert_null(db_listen(d, "", err, sizeof err));
    assert_null(db_listen(d, "Bad-Name", err, sizeof err));
    assert_string_equal(err, "bad channel name");
    assert_null(db_listen(d, "x; DROP TABLE y", err, sizeof err));

    db_listener *l = db_listen(d, "p2s_test_chan", err, sizeof err);
    assert_non_null(l);
    assert_true(db_listener_fd(l) >= 0);
    /* nothing yet: a timeout */
    int64_t t0 = clock_mono_ms();
    assert_int_equal(db_listener_wait(l, 100), 0);
    assert_true(clock_mono_ms() - t0 >= 90);
    assert_int_equal(db_listener_wait(l, 0), 0);
    /* another channel is not heard */
    notify(d, "p2s_other_chan");
    assert_int_equal(db_listener_wait(l, 200), 0);
    /* one notification */
    notify(d, "p2s_test_chan");
    assert_int_equal(db_listener_wait(l, 5000), 1);
    assert_int_equal(db_listener_wait(l, 0), 0);
    /* a burst: heard at most once a notification (those already in are taken together), then
       quiet */
    for (int i = 0; i < 5; i++)
        notify(d, "p2s_test_chan");
    int wakes = 0;
    while (db_listener_wait(l, 300) == 1)
        wakes++;
    assert_true(wakes >= 1 && wakes <= 5);
    /* the socket polls readable when one comes */
    notify(d, "p2s_test_chan");
    struct pollfd pfd = {.fd = db_listener_fd(l), .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 5000), 1);
    assert_int_equal(db_listener_wait(l, 0), 1);
    /* the server drops the listener's connection: it is made again, and says "look" */
    assert_int_equal(db_query(d,
                              "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                              "query LIKE 'LISTEN %p2s_test_chan%' AND pid <> pg_backend_pid()",
                              NULL, 0, NULL, NULL),
                     APP_OK);
    int got = 0;
    for (int i = 0; i < 50 && got != 1; i++)
        got = db_listener_wait(l, 100);
    assert_int_equal(got, 1);
    notify(d, "p2s_test_chan");
    assert_int_equal(db_listener_wait(l, 5000), 1);
    db_listener_close(l);
    db_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_has_none),
        cmocka_unit_test(test_postgres_notify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
