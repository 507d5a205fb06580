/* test_router.c - the route table matcher (src/http/router.h) and the real table's shape. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "api/api.h"
#include "http/router.h"

#include <stdio.h>
#include <string.h>

/* A handler that is never run; only its address matters. */
static void h_a(http_req *req)
{
    (void)req;
}

/* A second handler, so tests can tell routes apart by handler too. */
static void h_b(http_req *req)
{
    (void)req;
}

static const route table[] = {
    {"GET", "/", h_a, PERM_PUBLIC, 0, 0},
    {"GET", "/api/v1/workspaces", h_a, PERM_PUBLIC, 0, 0},
    {"POST", "/api/v1/workspaces", h_b, PERM_PUBLIC, 4096, ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}", h_a, PERM_PUBLIC, 0, 0},
    {"DELETE", "/api/v1/workspaces/{id}", h_b, PERM_PUBLIC, 0, 0},
    {"GET", "/api/v1/workspaces/{wid}/posts/{pid}", h_a, PERM_PUBLIC, 0, 0},
    {"POST", "/api/v1/client-errors", h_b, PERM_PUBLIC, 0, ROUTE_JSON},
};
#define NTABLE (sizeof table / sizeof table[0])

/* Match against the test table. */
static router_result match(const char *method, const char *path, route_match *m)
{
    return router_match(table, NTABLE, method, path, m);
}

static void test_exact_match(void **state)
{
    (void)state;
    route_match m;
    assert_int_equal(match("GET", "/api/v1/workspaces", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[1]);
    assert_int_equal(m.nparams, 0);

    assert_int_equal(match("POST", "/api/v1/workspaces", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[2]);
    assert_ptr_equal(m.route->handler, h_b);

    assert_int_equal(match("GET", "/", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[0]);

    assert_int_equal(match("POST", "/api/v1/client-errors", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[6]);
}

static void test_param_capture(void **state)
{
    (void)state;
    route_match m;
    assert_int_equal(match("GET", "/api/v1/workspaces/42", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[3]);
    assert_int_equal(m.nparams, 1);
    assert_int_equal(m.namelens[0], 2);
    assert_memory_equal(m.names[0], "id", 2);
    assert_string_equal(router_param(&m, "id"), "42");
    assert_null(router_param(&m, "i"));
    assert_null(router_param(&m, "idx"));
    assert_null(router_param(&m, "wid"));

    assert_int_equal(match("DELETE", "/api/v1/workspaces/abc-9", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[4]);
    assert_string_equal(router_param(&m, "id"), "abc-9");

    assert_int_equal(match("GET", "/api/v1/workspaces/7/posts/1234567890123", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[5]);
    assert_int_equal(m.nparams, 2);
    assert_string_equal(router_param(&m, "wid"), "7");
    assert_string_equal(router_param(&m, "pid"), "1234567890123");
    assert_null(router_param(&m, "id"));
}

static void test_param_must_not_be_empty(void **state)
{
    (void)state;
    route_match m;
    /* "/api/v1/workspaces/" is the collection with a trailing slash, not {id} = "". */
    assert_int_equal(match("GET", "/api/v1/workspaces/", &m), ROUTER_NO_PATH);
    assert_null(m.route);
    assert_int_equal(match("GET", "/api/v1/workspaces//posts/1", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "/api/v1/workspaces/1/posts/", &m), ROUTER_NO_PATH);
}

static void test_head_matches_get(void **state)
{
    (void)state;
    route_match m;
    assert_int_equal(match("HEAD", "/api/v1/workspaces/5", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[3]);
    assert_string_equal(m.route->method, "GET");
    assert_string_equal(router_param(&m, "id"), "5");

    assert_int_equal(match("HEAD", "/", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &table[0]);

    /* A path with only a POST route does not answer HEAD. */
    assert_int_equal(match("HEAD", "/api/v1/client-errors", &m), ROUTER_BAD_METHOD);
    assert_null(m.route);
    assert_string_equal(m.allow, "POST");
}

static void test_bad_method_allow_list(void **state)
{
    (void)state;
    route_match m;
    assert_int_equal(match("PUT", "/api/v1/workspaces", &m), ROUTER_BAD_METHOD);
    assert_null(m.route);
    assert_string_equal(m.allow, "GET, HEAD, POST");

    assert_int_equal(match("PATCH", "/api/v1/workspaces/9", &m), ROUTER_BAD_METHOD);
    assert_string_equal(m.allow, "GET, HEAD, DELETE");

    assert_int_equal(match("GET", "/api/v1/client-errors", &m), ROUTER_BAD_METHOD);
    assert_string_equal(m.allow, "POST");

    /* Methods are case-sensitive. */
    assert_int_equal(match("get", "/api/v1/workspaces", &m), ROUTER_BAD_METHOD);
}

static void test_no_path(void **state)
{
    (void)state;
    route_match m;
    assert_int_equal(match("GET", "/nope", &m), ROUTER_NO_PATH);
    assert_null(m.route);
    assert_string_equal(m.allow, "");
    assert_int_equal(match("GET", "", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "api/v1/workspaces", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "/api/v1", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "/API/V1/WORKSPACES", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "/api/v1/workspacesX", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "/api/v1/workspace", &m), ROUTER_NO_PATH);
}

static void test_trailing_slash_and_extra_segments(void **state)
{
    (void)state;
    route_match m;
    assert_int_equal(match("GET", "/api/v1/workspaces/", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "/api/v1/workspaces/5/", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "/api/v1/workspaces/5/extra", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "/api/v1/workspaces/5/posts/6/7", &m), ROUTER_NO_PATH);
    assert_int_equal(match("POST", "/api/v1/client-errors/", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "//", &m), ROUTER_NO_PATH);
    assert_int_equal(match("GET", "//api/v1/workspaces", &m), ROUTER_NO_PATH);
}

static void test_param_length_limit(void **state)
{
    (void)state;
    route_match m;
    char path[512];
    char value[ROUTER_MAX_PARAM_LEN + 2];

    /* The longest value that fits: ROUTER_MAX_PARAM_LEN - 1 characters. */
    memset(value, 'x', ROUTER_MAX_PARAM_LEN - 1);
    value[ROUTER_MAX_PARAM_LEN - 1] = '\0';
    snprintf(path, sizeof path, "/api/v1/workspaces/%s", value);
    assert_int_equal(match("GET", path, &m), ROUTER_FOUND);
    assert_string_equal(router_param(&m, "id"), value);

    /* ROUTER_MAX_PARAM_LEN characters and more do not match at all. */
    memset(value, 'x', ROUTER_MAX_PARAM_LEN);
    value[ROUTER_MAX_PARAM_LEN] = '\0';
    snprintf(path, sizeof path, "/api/v1/workspaces/%s", value);
    assert_int_equal(match("GET", path, &m), ROUTER_NO_PATH);
    assert_null(m.route);

    memset(value, 'y', ROUTER_MAX_PARAM_LEN + 1);
    value[ROUTER_MAX_PARAM_LEN + 1] = '\0';
    snprintf(path, sizeof path, "/api/v1/workspaces/1/posts/%s", value);
    assert_int_equal(match("GET", path, &m), ROUTER_NO_PATH);
}

static void test_first_route_wins(void **state)
{
    (void)state;
    static const route t[] = {
        {"GET", "/a/me", h_a, PERM_PUBLIC, 0, 0},
        {"GET", "/a/{id}", h_b, PERM_PUBLIC, 0, 0},
    };
    route_match m;
    assert_int_equal(router_match(t, 2, "GET", "/a/me", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &t[0]);
    assert_int_equal(m.nparams, 0);
    assert_int_equal(router_match(t, 2, "GET", "/a/you", &m), ROUTER_FOUND);
    assert_ptr_equal(m.route, &t[1]);
    assert_string_equal(router_param(&m, "id"), "you");
}

static void test_empty_table(void **state)
{
    (void)state;
    route_match m;
    assert_int_equal(router_match(table, 0, "GET", "/", &m), ROUTER_NO_PATH);
    assert_null(m.route);
    char err[256] = "";
    assert_int_equal(router_check_table(table, 0, err, sizeof err), 0);
}

static void test_check_table_good(void **state)
{
    (void)state;
    char err[256] = "";
    assert_int_equal(router_check_table(table, NTABLE, err, sizeof err), 0);

    static const route all_methods[] = {
        {"GET", "/x", h_a, PERM_PUBLIC, 0, 0},    {"POST", "/x", h_a, PERM_PUBLIC, 0, 0},
        {"PUT", "/x", h_a, PERM_PUBLIC, 0, 0},    {"PATCH", "/x", h_a, PERM_PUBLIC, 0, 0},
        {"DELETE", "/x", h_a, PERM_PUBLIC, 0, 0},
    };
    assert_int_equal(router_check_table(all_methods, 5, err, sizeof err), 0);

    static const route six[] = {
        {"GET", "/{a}/{b}/{c}/{d}/{e}/{f}", h_a, PERM_PUBLIC, 0, 0},
    };
    assert_int_equal(router_check_table(six, 1, err, sizeof err), 0);
}

/* router_check_table must refuse a one-row table holding r, with a message. */
static void expect_bad_route(const char *method, const char *pattern, http_handler handler)
{
    route t[1] = {{method, pattern, handler, PERM_PUBLIC, 0, 0}};
    char err[256] = "";
    if (router_check_table(t, 1, err, sizeof err) != -1)
        fail_msg("router_check_table accepted %s %s", method, pattern);
    assert_true(strlen(err) > 0);
}

static void test_check_table_duplicates(void **state)
{
    (void)state;
    static const route dup[] = {
        {"GET", "/a", h_a, PERM_PUBLIC, 0, 0},
        {"POST", "/a", h_a, PERM_PUBLIC, 0, 0},
        {"GET", "/b", h_a, PERM_PUBLIC, 0, 0},
        {"GET", "/a", h_b, PERM_PUBLIC, 0, 0},
    };
    char err[256] = "";
    assert_int_equal(router_check_table(dup, 4, err, sizeof err), -1);
    assert_non_null(strstr(err, "/a"));

    /* Same shape, different parameter names: the second could never match. */
    static const route same_shape[] = {
        {"GET", "/w/{id}", h_a, PERM_PUBLIC, 0, 0},
        {"GET", "/w/{wid}", h_a, PERM_PUBLIC, 0, 0},
    };
    err[0] = '\0';
    assert_int_equal(router_check_table(same_shape, 2, err, sizeof err), -1);
    assert_true(strlen(err) > 0);

    /* Same pattern under different methods is fine. */
    assert_int_equal(router_check_table(dup, 3, err, sizeof err), 0);
}

static void test_check_table_bad_patterns(void **state)
{
    (void)state;
    expect_bad_route("GET", "", h_a);
    expect_bad_route("GET", "a/b", h_a);
    expect_bad_route("GET", "/a/{}", h_a);
    expect_bad_route("GET", "/a/{id", h_a);
    expect_bad_route("GET", "/a/id}", h_a);
    expect_bad_route("GET", "/a/x{id}", h_a);
    expect_bad_route("GET", "/a/{id}x", h_a);
    expect_bad_route("GET", "/a/{id}/{x", h_a);
    expect_bad_route("GET", "/a/{i/d}", h_a);
    expect_bad_route("GET", "/a/{{id}}", h_a);
    expect_bad_route("GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}", h_a);
    expect_bad_route("GET", "/a", NULL);
}

static void test_check_table_unknown_methods(void **state)
{
    (void)state;
    expect_bad_route("HEAD", "/a", h_a);
    expect_bad_route("get", "/a", h_a);
    expect_bad_route("FETCH", "/a", h_a);
    expect_bad_route("", "/a", h_a);
    expect_bad_route("OPTIONS", "/a", h_a);
}

static void test_real_table_is_valid(void **state)
{
    (void)state;
    size_t n = 0;
    const route *r = api_routes(&n);
    assert_non_null(r);
    assert_true(n > 0);
    char err[256] = "";
    if (router_check_table(r, n, err, sizeof err) != 0)
        fail_msg("api_routes() rejected: %s", err);

    /* Every route of the real table is reachable by its own pattern. */
    for (size_t i = 0; i < n; i++) {
        char path[512];
        size_t o = 0;
        for (const char *s = r[i].pattern; *s && o + 2 < sizeof path;) {
            if (*s == '{') {
                path[o++] = '1';
                s = strchr(s, '}') + 1;
            } else {
                path[o++] = *s++;
            }
        }
        path[o] = '\0';
        route_match m;
        assert_int_equal(router_match(r, n, r[i].method, path, &m), ROUTER_FOUND);
        assert_ptr_equal(m.route, &r[i]);
    }

    /* The health check answers GET and HEAD. */
    route_match m;
    assert_int_equal(router_match(r, n, "GET", "/healthz", &m), ROUTER_FOUND);
    assert_int_equal(router_match(r, n, "HEAD", "/healthz", &m), ROUTER_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_match),
        cmocka_unit_test(test_param_capture),
        cmocka_unit_test(test_param_must_not_be_empty),
        cmocka_unit_test(test_head_matches_get),
        cmocka_unit_test(test_bad_method_allow_list),
        cmocka_unit_test(test_no_path),
        cmocka_unit_test(test_trailing_slash_and_extra_segments),
        cmocka_unit_test(test_param_length_limit),
        cmocka_unit_test(test_first_route_wins),
        cmocka_unit_test(test_empty_table),
        cmocka_unit_test(test_check_table_good),
        cmocka_unit_test(test_check_table_duplicates),
        cmocka_unit_test(test_check_table_bad_patterns),
        cmocka_unit_test(test_check_table_unknown_methods),
        cmocka_unit_test(test_real_table_is_valid),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
