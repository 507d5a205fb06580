/* test_static.c - path safety and content types of the static file server
 * (src/http/static_files.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http/static_files.h"

static void test_safe_paths(void **state)
{
    (void)state;
    const char *const ok[] = {"/",
                              "/index.html",
                              "/assets/a.js",
                              "/assets/index-3f9a1c.css",
                              "/calendar/2024/05",
                              "/a..b",
                              "/a/b.",
                              "/file.name.with.dots.txt",
                              "/caf\xc3\xa9.png"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (static_path_safe(ok[i]) != 1)
            fail_msg("static_path_safe refused '%s'", ok[i]);
    }
}

static void test_unsafe_paths(void **state)
{
    (void)state;
    const char *const bad[] = {"/../etc/passwd",
                               "/a/../b",
                               "/..",
                               "/a/..",
                               "/assets/../../secret.key",
                               "/.env",
                               "/.git/config",
                               "/assets/.hidden.js",
                               "/a\\b",
                               "/..\\etc\\passwd",
                               "/./x",
                               "/.",
                               "/a/./b",
                               "//..//x",
                               "",
                               "relative/a.js",
                               "../etc/passwd",
                               "/a\nb",
                               "/a\tb",
                               "/a\x01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (static_path_safe(bad[i]) != 0)
            fail_msg("static_path_safe accepted '%s'", bad[i]);
    }
}

static void test_content_types(void **state)
{
    (void)state;
    assert_string_equal(static_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(static_content_type("/index.html"), "text/html; charset=utf-8");
    assert_string_equal(static_content_type("/assets/app-1a2b.js"),
                        "text/javascript; charset=utf-8");
    assert_string_equal(static_content_type("/assets/app.css"), "text/css; charset=utf-8");
    assert_string_equal(static_content_type("/logo.svg"), "image/svg+xml");
    assert_string_equal(static_content_type("/icon.png"), "image/png");
    assert_string_equal(static_content_type("/fonts/inter.woff2"), "font/woff2");
    assert_string_equal(static_content_type("/fonts/inter.woff"), "font/woff");
    assert_string_equal(static_content_type("/data.json"), "application/json; charset=utf-8");
    /* Extensions compare without case. */
    assert_string_equal(static_content_type("/LOGO.SVG"), "image/svg+xml");
    assert_string_equal(static_content_type("/Photo.PNG"), "image/png");
}

static void test_content_type_unknown(void **state)
{
    (void)state;
    const char *const octet = "application/octet-stream";
    assert_string_equal(static_content_type("/file.exe"), octet);
    assert_string_equal(static_content_type("/file.xyz"), octet);
    assert_string_equal(static_content_type("/README"), octet);
    assert_string_equal(static_content_type("/file."), octet);
    assert_string_equal(static_content_type(""), octet);
    /* The type comes from the last segment only, and its last extension. */
    assert_string_equal(static_content_type("/dir.html/file"), octet);
    assert_string_equal(static_content_type("/app.js.map"), "application/json; charset=utf-8");
    assert_string_equal(static_content_type("/archive.png.gz"), octet);
    /* A near miss of a known extension is not that extension. */
    assert_string_equal(static_content_type("/x.htm"), octet);
    assert_string_equal(static_content_type("/x.jsx"), octet);
    assert_string_equal(static_content_type("/x.woff3"), octet);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_safe_paths),
        cmocka_unit_test(test_unsafe_paths),
        cmocka_unit_test(test_content_types),
        cmocka_unit_test(test_content_type_unknown),
    };
    return cmocka_run_group_tests_name("static_files", tests, NULL, NULL);
}
