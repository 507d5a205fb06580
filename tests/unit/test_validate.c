/* test_validate.c - utf8_chars (src/api/validate.h): lengths count characters, not bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "api/validate.h"

#include <string.h>

static void test_ascii(void **state)
{
    (void)state;
    assert_int_equal(utf8_chars(""), 0);
    assert_int_equal(utf8_chars("a"), 1);
    assert_int_equal(utf8_chars("hello, world"), 12);
    assert_int_equal(utf8_chars("tab\tand\nnewline"), 15);
    assert_int_equal(utf8_chars("\x7f"), 1);
}

static void test_two_byte(void **state)
{
    (void)state;
    /* U+00E9 e-acute, U+00DF sharp s, U+0080 (smallest two-byte), U+07FF (largest). */
    assert_int_equal(utf8_chars("\xc3\xa9"), 1);
    assert_int_equal(utf8_chars("caf\xc3\xa9"), 4);
    assert_int_equal(utf8_chars("\xc3\x9f\xc3\x9f"), 2);
    assert_int_equal(utf8_chars("\xc2\x80"), 1);
    assert_int_equal(utf8_chars("\xdf\xbf"), 1);
}

static void test_three_byte(void **state)
{
    (void)state;
    /* U+65E5 U+672C (two CJK characters), U+20AC euro, U+2713 check mark, U+FFFD. */
    assert_int_equal(utf8_chars("\xe6\x97\xa5\xe6\x9c\xac"), 2);
    assert_int_equal(utf8_chars("\xe2\x82\xac"
                                "5"),
                     2);
    assert_int_equal(utf8_chars("ok \xe2\x9c\x93"), 4);
    assert_int_equal(utf8_chars("\xef\xbf\xbd"), 1);
    assert_int_equal(utf8_chars("\xe0\xa0\x80"), 1); /* U+0800, smallest three-byte */
}

static void test_four_byte(void **state)
{
    (void)state;
    /* U+1F600 grinning face, U+10348, U+10FFFF (largest code point). */
    assert_int_equal(utf8_chars("\xf0\x9f\x98\x80"), 1);
    assert_int_equal(utf8_chars("hi \xf0\x9f\x98\x80!"), 5);
    assert_int_equal(utf8_chars("\xf0\x90\x8d\x88"), 1);
    assert_int_equal(utf8_chars("\xf4\x8f\xbf\xbf"), 1);
    /* A flag is two regional-indicator code points: two characters here. */
    assert_int_equal(utf8_chars("\xf0\x9f\x87\xab\xf0\x9f\x87\xb7"), 2);
}

static void test_mixed(void **state)
{
    (void)state;
    /* 1 + 1 + 1 + 1 characters of 1, 2, 3 and 4 bytes. */
    const char *s = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    assert_int_equal(strlen(s), 10);
    assert_int_equal(utf8_chars(s), 4);

    /* 280 characters of a 3-byte symbol: 840 bytes, 280 characters. */
    char buf[3 * 280 + 1];
    for (int i = 0; i < 280; i++)
        memcpy(buf + 3 * i, "\xe2\x9c\x93", 3);
    buf[3 * 280] = '\0';
    assert_int_equal(utf8_chars(buf), 280);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),      cmocka_unit_test(test_two_byte),
        cmocka_unit_test(test_three_byte), cmocka_unit_test(test_four_byte),
        cmocka_unit_test(test_mixed),
    };
    return cmocka_run_group_tests_name("validate", tests, NULL, NULL);
}
