/*
 * test_openapi.c - docs/openapi.json against the route table (api_routes()).
 *
 * Runs from the repository root.  Every route is documented with its
 * method, every documented operation is a route, and every path parameter
 * of a pattern is declared "in": "path".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "api/api.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define DOC_PATH "docs/openapi.json"

static int doc_setup(void **state)
{
    json_error_t jerr;
    json_t *doc = json_load_file(DOC_PATH, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        print_error("%s:%d: %s\n", DOC_PATH, jerr.line, jerr.text);
        return -1;
    }
    *state = doc;
    return 0;
}

static int doc_teardown(void **state)
{
    json_decref(*state);
    return 0;
}

/* Keys of a path item that are not operations. */
static int is_path_item_field(const char *key)
{
    return strcmp(key, "parameters") == 0 || strcmp(key, "summary") == 0 ||
           strcmp(key, "description") == 0 || strcmp(key, "servers") == 0;
}

/* Lowercase copy of an HTTP method. */
static void lower(const char *in, char *out, size_t outlen)
{
    size_t i = 0;
    for (; in[i] != '\0' && i + 1 < outlen; i++)
        out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
    out[i] = '\0';
}

/* The "paths" object, failing the test if there is none. */
static json_t *paths_of(json_t *doc)
{
    json_t *paths = json_object_get(doc, "paths");
    if (!json_is_object(paths))
        fail_msg("%s has no \"paths\" object", DOC_PATH);
    if (json_object_size(paths) == 0)
        fail_msg("%s documents no paths", DOC_PATH);
    return paths;
}

/* Resolve a local "$ref" ("#/a/b") in doc; v itself if it is not a reference. */
static json_t *deref(json_t *doc, json_t *v)
{
    for (int depth = 0; depth < 8; depth++) {
        const char *ref = json_string_value(json_object_get(v, "$ref"));
        if (ref == NULL)
            return v;
        if (strncmp(ref, "#/", 2) != 0)
            return NULL;
        json_t *cur = doc;
        const char *s = ref + 2;
        while (cur != NULL && *s != '\0') {
            char token[256];
            size_t t = 0;
            while (*s != '\0' && *s != '/' && t + 1 < sizeof token) {
                if (s[0] == '~' && s[1] == '0') {
                    token[t++] = '~';
                    s += 2;
                } else if (s[0] == '~' && s[1] == '1') {
                    token[t++] = '/';
                    s += 2;
                } else {
                    token[t++] = *s++;
                }
            }
            token[t] = '\0';
            if (*s == '/')
                s++;
            cur = json_object_get(cur, token);
        }
        v = cur;
    }
    return NULL;
}

/* 1 if list (a parameters array) declares name "in": "path" with "required": true. */
static int declares_path_param(json_t *doc, json_t *list, const char *name, size_t namelen)
{
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
    {
        json_t *param = deref(doc, p);
        const char *pname = json_string_value(json_object_get(param, "name"));
        const char *in = json_string_value(json_object_get(param, "in"));
        if (pname != NULL && in != NULL && strcmp(in, "path") == 0 && strlen(pname) == namelen &&
            memcmp(pname, name, namelen) == 0) {
            if (!json_is_true(json_object_get(param, "required")))
                fail_msg("path parameter %.*s is not \"required\": true", (int)namelen, name);
            return 1;
        }
    }
    return 0;
}

static void test_version(void **state)
{
    json_t *doc = *state;
    const char *v = json_string_value(json_object_get(doc, "openapi"));
    if (v == NULL)
        fail_msg("%s has no \"openapi\" version string", DOC_PATH);
    if (strncmp(v, "3.1", 3) != 0)
        fail_msg("\"openapi\" is \"%s\", expected 3.1.x", v);
    json_t *info = json_object_get(doc, "info");
    assert_true(json_is_object(info));
    assert_non_null(json_string_value(json_object_get(info, "title")));
    assert_non_null(json_string_value(json_object_get(info, "version")));
}

static void test_every_route_documented(void **state)
{
    json_t *doc = *state;
    json_t *paths = paths_of(doc);
    size_t n = 0;
    const route *r = api_routes(&n);
    assert_true(n > 0);
    int missing = 0;
    for (size_t i = 0; i < n; i++) {
        char m[16];
        lower(r[i].method, m, sizeof m);
        json_t *item = json_object_get(paths, r[i].pattern);
        if (!json_is_object(item) || !json_is_object(json_object_get(item, m))) {
            print_error("route %s %s is not in %s\n", r[i].method, r[i].pattern, DOC_PATH);
            missing++;
        }
    }
    assert_int_equal(missing, 0);
}

static void test_every_documented_operation_is_a_route(void **state)
{
    json_t *doc = *state;
    json_t *paths = paths_of(doc);
    size_t n = 0;
    const route *r = api_routes(&n);
    int extra = 0;
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        const char *key;
        json_t *op;
        json_object_foreach(item, key, op)
        {
            if (is_path_item_field(key) || strcmp(key, "head") == 0)
                continue;
            int found = 0;
            for (size_t i = 0; i < n && !found; i++) {
                char m[16];
                lower(r[i].method, m, sizeof m);
                found = strcmp(r[i].pattern, path) == 0 && strcmp(m, key) == 0;
            }
            if (!found) {
                print_error("%s documents %s %s, which is not a route\n", DOC_PATH, key, path);
                extra++;
            }
        }
    }
    assert_int_equal(extra, 0);
}

static void test_path_parameters_declared(void **state)
{
    json_t *doc = *state;
    json_t *paths = paths_of(doc);
    size_t n = 0;
    const route *r = api_routes(&n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        char m[16];
        lower(r[i].method, m, sizeof m);
        json_t *item = json_object_get(paths, r[i].pattern);
        json_t *op = json_object_get(item, m);
        if (op == NULL)
            continue; /* reported by test_every_route_documented */
        for (const char *s = strchr(r[i].pattern, '{'); s != NULL; s = strchr(s + 1, '{')) {
            const char *close = strchr(s, '}');
            assert_non_null(close);
            size_t len = (size_t)(close - s - 1);
            if (!declares_path_param(doc, json_object_get(op, "parameters"), s + 1, len) &&
                !declares_path_param(doc, json_object_get(item, "parameters"), s + 1, len)) {
                print_error("%s %s: path parameter %.*s is not declared \"in\": \"path\"\n",
                            r[i].method, r[i].pattern, (int)len, s + 1);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

/* Count "in": "path" parameters of list naming no {param} of pattern; report prints them. */
static int stray_path_params(json_t *doc, json_t *list, const char *pattern, const char *where,
                             int report)
{
    int bad = 0;
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
    {
        json_t *param = deref(doc, p);
        if (param == NULL) {
            if (report)
                print_error("%s: unresolvable parameter reference\n", where);
            bad++;
            continue;
        }
        const char *name = json_string_value(json_object_get(param, "name"));
        const char *in = json_string_value(json_object_get(param, "in"));
        if (in == NULL || strcmp(in, "path") != 0)
            continue;
        char want[160];
        snprintf(want, sizeof want, "{%s}", name != NULL ? name : "");
        if (name == NULL || strstr(pattern, want) == NULL) {
            if (report)
                print_error("%s declares path parameter %s, not in the path\n", where,
                            name != NULL ? name : "(unnamed)");
            bad++;
        }
    }
    return bad;
}

static void test_no_stray_path_parameters(void **state)
{
    json_t *doc = *state;
    json_t *paths = paths_of(doc);
    int bad = 0;
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        bad += stray_path_params(doc, json_object_get(item, "parameters"), path, path, 1);
        const char *key;
        json_t *op;
        json_object_foreach(item, key, op)
        {
            if (is_path_item_field(key))
                continue;
            char where[512];
            snprintf(where, sizeof where, "%s %s", key, path);
            bad += stray_path_params(doc, json_object_get(op, "parameters"), path, where, 1);
        }
    }
    assert_int_equal(bad, 0);
}

static void test_embedded_copy_matches(void **state)
{
    json_t *doc = *state;
    size_t len = 0;
    const unsigned char *bytes = api_openapi_doc(&len);
    assert_non_null(bytes);
    json_error_t jerr;
    json_t *embedded = json_loadb((const char *)bytes, len, 0, &jerr);
    if (embedded == NULL)
        fail_msg("embedded OpenAPI document does not parse: %s", jerr.text);
    int same = json_equal(doc, embedded);
    json_decref(embedded);
    if (!same)
        fail_msg("the OpenAPI document built into the server differs from %s (rebuild)", DOC_PATH);
}

/* The checks above find what they should on a small document of known shape. */
static void test_checker_on_known_document(void **state)
{
    (void)state;
    json_error_t jerr;
    json_t *doc = json_loads(
        "{\"components\":{\"parameters\":{\"Id\":{\"name\":\"id\",\"in\":\"path\","
        "\"required\":true},\"a~1b\":{\"name\":\"wid\",\"in\":\"path\",\"required\":true}}},"
        "\"list\":[{\"$ref\":\"#/components/parameters/Id\"},"
        "{\"name\":\"q\",\"in\":\"query\"},{\"name\":\"pid\",\"in\":\"query\"},"
        "{\"$ref\":\"#/components/parameters/a~01b\"}],"
        "\"list2\":[{\"$ref\":\"#/components/parameters/a~1b\"}]}",
        0, &jerr);
    assert_non_null(doc);
    json_t *list = json_object_get(doc, "list");
    assert_int_equal(declares_path_param(doc, list, "id", 2), 1);
    assert_int_equal(declares_path_param(doc, list, "idx", 3), 0);
    assert_int_equal(declares_path_param(doc, list, "q", 1), 0);   /* a query parameter */
    assert_int_equal(declares_path_param(doc, list, "pid", 3), 0); /* a query parameter */
    /* "a~01b" is the escaped form of the key "a~1b". */
    assert_int_equal(declares_path_param(doc, list, "wid", 3), 1);
    /* "a~1b" unescapes to "a/b": no such parameter. */
    json_t *dangling = json_object_get(doc, "list2");
    assert_int_equal(declares_path_param(doc, dangling, "wid", 3), 0);
    assert_int_equal(declares_path_param(doc, NULL, "id", 2), 0);

    assert_int_equal(stray_path_params(doc, list, "/w/{id}/{wid}", "test", 0), 0);
    assert_int_equal(stray_path_params(doc, list, "/w/{id}", "test", 0), 1);
    assert_int_equal(stray_path_params(doc, list, "/w/{wid}", "test", 0), 1);
    assert_int_equal(stray_path_params(doc, list, "/w/{idx}", "test", 0), 2);
    assert_int_equal(stray_path_params(doc, dangling, "/w/{wid}", "test", 0), 1);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_every_route_documented),
        cmocka_unit_test(test_every_documented_operation_is_a_route),
        cmocka_unit_test(test_path_parameters_declared),
        cmocka_unit_test(test_no_stray_path_parameters),
        cmocka_unit_test(test_embedded_copy_matches),
        cmocka_unit_test(test_checker_on_known_document),
    };
    return cmocka_run_group_tests_name("openapi", tests, doc_setup, doc_teardown);
}
