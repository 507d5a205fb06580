/* test_csvio.c - CSV import and export of posts (src/compose/csvio.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "compose/csvio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse a string literal (which may hold NUL bytes) into *imp; asserts it did not run out of
 * memory. */
#define PARSE(imp, lit) assert_int_equal(csv_import_parse(lit, sizeof(lit) - 1, imp), 0)

static void parse_buf(csv_import *imp, const char *data, size_t len)
{
    assert_int_equal(csv_import_parse(data, len, imp), 0);
}

/* Problem i as csv_problem_text formats it. */
static const char *ptext(const csv_import *imp, size_t i)
{
    static char buf[300];
    assert_true(i < imp->nproblems);
    csv_problem_text(&imp->problems[i], buf, sizeof buf);
    return buf;
}

/* Fail with the list of problems unless there are none. */
static void assert_clean(const csv_import *imp)
{
    for (size_t i = 0; i < imp->nproblems; i++)
        print_error("unexpected problem: %s\n", ptext(imp, i));
    assert_int_equal(imp->nproblems, 0);
}

static void test_basic_and_quoting(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "text,accounts,time\n"
                "hello,fb-page,2030-01-02 10:00\n"
                "\"a, b and \"\"c\"\"\",x,\n"
                "\"line one\nline two\",x; y,\n");
    assert_clean(&imp);
    assert_int_equal(imp.nrows, 3);
    assert_int_equal(imp.rows[0].row, 2);
    assert_string_equal(imp.rows[0].text, "hello");
    assert_int_equal(imp.rows[0].naccounts, 1);
    assert_string_equal(imp.rows[0].accounts[0], "fb-page");
    assert_string_equal(imp.rows[0].time, "2030-01-02 10:00");
    assert_null(imp.rows[0].campaign);
    assert_int_equal(imp.rows[0].nmedia, 0);
    assert_null(imp.rows[0].media);
    assert_int_equal(imp.rows[0].flagged, 0);

    assert_string_equal(imp.rows[1].text, "a, b and \"c\"");
    assert_null(imp.rows[1].time);
    assert_int_equal(imp.rows[1].row, 3);

    /* A multi-line cell is one record: row 4 although it starts on line 4 and ends on line 5. */
    assert_string_equal(imp.rows[2].text, "line one\nline two");
    assert_int_equal(imp.rows[2].row, 4);
    assert_int_equal(imp.rows[2].naccounts, 2);
    assert_string_equal(imp.rows[2].accounts[1], "y");
    csv_import_free(&imp);
    assert_null(imp.rows);
    assert_int_equal(imp.nrows, 0);
}

static void test_crlf_and_lf(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "text,accounts,time\r\n"
                "one,a,\r\n"
                "\"multi\r\nline\",b,\r\n"
                "three,c,2030-01-01\r\n");
    assert_clean(&imp);
    assert_int_equal(imp.nrows, 3);
    assert_int_equal(imp.rows[0].row, 2);
    assert_string_equal(imp.rows[1].text, "multi\nline"); /* CRLF inside a cell comes back as LF */
    assert_int_equal(imp.rows[1].row, 3);
    assert_int_equal(imp.rows[2].row, 4);
    assert_string_equal(imp.rows[2].time, "2030-01-01");
    csv_import_free(&imp);

    /* LF only, no final line break. */
    PARSE(&imp, "text,accounts,time\none,a,\ntwo,b,t");
    assert_clean(&imp);
    assert_int_equal(imp.nrows, 2);
    assert_int_equal(imp.rows[1].row, 3);
    assert_string_equal(imp.rows[1].time, "t");
    csv_import_free(&imp);

    /* CR only (old Mac). */
    PARSE(&imp, "text,accounts,time\rone,a,\r\rtwo,b,\r");
    assert_clean(&imp);
    assert_int_equal(imp.nrows, 2);
    assert_int_equal(imp.rows[0].row, 2);
    assert_int_equal(imp.rows[1].row, 4);
    csv_import_free(&imp);
}

static void test_bom(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "\xEF\xBB\xBFtext,accounts,time\nh\xC3\xA9llo,a,\n");
    assert_clean(&imp);
    assert_int_equal(imp.nrows, 1);
    assert_string_equal(imp.rows[0].text, "h\xC3\xA9llo");
    csv_import_free(&imp);
}

static void test_not_utf8_files(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "\xFF\xFEt\0e\0x\0t\0");
    assert_int_equal(imp.nproblems, 1);
    assert_int_equal(imp.nrows, 0);
    assert_int_equal(imp.problems[0].row, 0);
    assert_string_equal(ptext(&imp, 0), "the file is UTF-16; save it as UTF-8");
    csv_import_free(&imp);

    PARSE(&imp, "\xFE\xFF\0t\0e\0x\0t");
    assert_string_equal(ptext(&imp, 0), "the file is UTF-16; save it as UTF-8");
    csv_import_free(&imp);

    PARSE(&imp, "t\0e\0x\0t\0,\0");
    assert_int_equal(imp.nproblems, 1);
    assert_non_null(strstr(ptext(&imp, 0), "UTF-16"));
    csv_import_free(&imp);

    PARSE(&imp, "PK\x03\x04\x14\0\x06\0");
    assert_int_equal(imp.nproblems, 1);
    assert_non_null(strstr(ptext(&imp, 0), "CSV UTF-8"));
    csv_import_free(&imp);
}

static void test_invalid_utf8_cell(void **state)
{
    (void)state;
    csv_import imp;
    /* Latin-1 e-acute in row 4's text; an overlong '/' in row 3's campaign. */
    PARSE(&imp, "text,accounts,time,campaign\n"
                "fine,a,,spring\n"
                "also fine,a,,\xC0\xAF\n"
                "caf\xE9,a,,\n"
                "ok,b,,\n");
    assert_int_equal(imp.nproblems, 2);
    assert_string_equal(ptext(&imp, 0),
                        "row 3, campaign: not valid UTF-8 (save the file as UTF-8)");
    assert_string_equal(ptext(&imp, 1), "row 4, text: not valid UTF-8 (save the file as UTF-8)");
    assert_int_equal(imp.problems[1].row, 4);
    assert_string_equal(imp.problems[1].column, "text");
    /* The rows are still returned, flagged, with the bad cell empty. */
    assert_int_equal(imp.nrows, 4);
    assert_int_equal(imp.rows[0].flagged, 0);
    assert_string_equal(imp.rows[0].campaign, "spring");
    assert_int_equal(imp.rows[1].flagged, 1);
    assert_null(imp.rows[1].campaign);
    assert_int_equal(imp.rows[2].flagged, 1);
    assert_string_equal(imp.rows[2].text, "");
    assert_int_equal(imp.rows[2].naccounts, 1);
    assert_int_equal(imp.rows[3].flagged, 0);
    csv_import_free(&imp);

    /* Surrogates, code points past U+10FFFF and truncated sequences are refused too. */
    static const char *const bad[] = {"\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\x80",
                                      "\xF0\x9F\x98"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char buf[128];
        int n = snprintf(buf, sizeof buf, "text,accounts,time\nx%s,a,\n", bad[i]);
        parse_buf(&imp, buf, (size_t)n);
        assert_int_equal(imp.nproblems, 1);
        assert_string_equal(imp.problems[0].column, "text");
        csv_import_free(&imp);
    }
    /* And a 4-byte emoji is fine. */
    PARSE(&imp, "text,accounts,time\nhi \xF0\x9F\x98\x80,a,\n");
    assert_clean(&imp);
    csv_import_free(&imp);
}

static void test_nul_byte(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "text,accounts,time\nab\0c,a,\n");
    assert_int_equal(imp.nproblems, 1);
    assert_int_equal(imp.problems[0].row, 2);
    assert_string_equal(imp.problems[0].column, "text");
    assert_non_null(strstr(imp.problems[0].message, "NUL"));
    csv_import_free(&imp);
}

static void test_missing_columns(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "text,campaign\nhello,x\n");
    assert_int_equal(imp.nrows, 0);
    assert_int_equal(imp.nproblems, 2);
    assert_int_equal(imp.problems[0].row, 1);
    assert_string_equal(imp.problems[0].column, "accounts");
    assert_string_equal(imp.problems[1].column, "time");
    assert_non_null(strstr(imp.problems[1].message, "\"time\""));
    csv_import_free(&imp);
}

static void test_unknown_and_duplicate_column(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "text,acounts,time\nhello,a,\n");
    assert_int_equal(imp.nrows, 0);
    assert_int_equal(imp.nproblems, 2);
    assert_non_null(strstr(imp.problems[0].message, "unknown column \"acounts\""));
    assert_string_equal(imp.problems[1].column, "accounts"); /* and so accounts is missing */
    csv_import_free(&imp);

    PARSE(&imp, "text,accounts,time,Text\nhello,a,,b\n");
    assert_int_equal(imp.nrows, 0);
    assert_int_equal(imp.nproblems, 1);
    assert_string_equal(imp.problems[0].column, "text");
    assert_non_null(strstr(imp.problems[0].message, "twice"));
    csv_import_free(&imp);

    /* More header cells than can be read. */
    char buf[256] = "text,accounts,time";
    for (int i = 3; i <= CSV_IMPORT_MAX_COLUMNS; i++)
        strcat(buf, ",");
    strcat(buf, "\nx,a,\n");
    parse_buf(&imp, buf, strlen(buf));
    assert_int_equal(imp.nproblems, 1);
    assert_string_equal(ptext(&imp, 0),
                        "row 1: the header row has 65 columns; at most 64 can be read");
    csv_import_free(&imp);
}

static void test_column_order_and_case(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "  Campaign , TIME,\" Media \",ACCOUNTS,Text\n"
                "launch,2030-05-01T09:00,img1.jpg | img2.png,acc,the text\n");
    assert_clean(&imp);
    assert_int_equal(imp.nrows, 1);
    csv_post_row *r = &imp.rows[0];
    assert_string_equal(r->text, "the text");
    assert_string_equal(r->campaign, "launch");
    assert_string_equal(r->time, "2030-05-01T09:00");
    assert_int_equal(r->nmedia, 2);
    assert_string_equal(r->media[0], "img1.jpg");
    assert_string_equal(r->media[1], "img2.png");
    assert_int_equal(r->naccounts, 1);
    assert_string_equal(r->accounts[0], "acc");
    csv_import_free(&imp);

    /* A header cell without a name is ignored while its cells stay empty. */
    PARSE(&imp, "text,accounts,time,\nhello,a,,\nbye,a,,oops\n");
    assert_int_equal(imp.nrows, 2);
    assert_int_equal(imp.rows[0].flagged, 0);
    assert_int_equal(imp.rows[1].flagged, 1);
    assert_int_equal(imp.nproblems, 1);
    assert_int_equal(imp.problems[0].row, 3);
    assert_non_null(strstr(imp.problems[0].message, "column 4"));
    csv_import_free(&imp);
}

static void test_semicolon_delimiter(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "text;accounts;time\r\n\"hi, there\";\"a;b\";\r\n");
    assert_clean(&imp);
    assert_int_equal(imp.nrows, 1);
    assert_string_equal(imp.rows[0].text, "hi, there");
    assert_int_equal(imp.rows[0].naccounts, 2);
    csv_import_free(&imp);
}

static void test_ragged_rows(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "text,accounts,time\n"
                "too, many,a,\n"
                "too few,a\n"
                "right,a,\n");
    assert_int_equal(imp.nproblems, 2);
    assert_string_equal(ptext(&imp, 0), "row 2: has 4 cells but the header row has 3 (a cell "
                                        "containing ',' must be enclosed in double quotes)");
    assert_int_equal(imp.problems[1].row, 3);
    assert_int_equal(imp.nrows, 1);
    assert_int_equal(imp.rows[0].row, 4);
    assert_string_equal(imp.rows[0].text, "right");
    csv_import_free(&imp);
}

static void test_empty_lines(void **state)
{
    (void)state;
    csv_import imp;
    /* Blank lines (even around the header, with spaces, or all-empty cells) are skipped but keep
     * their row number, as a spreadsheet shows them. */
    PARSE(&imp, "\r\ntext,accounts,time\r\n\r\none,a,\r\n   \r\n,,\r\ntwo,b,\r\n\r\n\r\n");
    assert_clean(&imp);
    assert_int_equal(imp.nrows, 2);
    assert_int_equal(imp.rows[0].row, 4);
    assert_int_equal(imp.rows[1].row, 7);
    csv_import_free(&imp);

    PARSE(&imp, "");
    assert_int_equal(imp.nproblems, 1);
    assert_string_equal(ptext(&imp, 0), "the file is empty");
    csv_import_free(&imp);

    PARSE(&imp, "text,accounts,time\n\n\n");
    assert_int_equal(imp.nproblems, 1);
    assert_string_equal(ptext(&imp, 0), "the file has a header row but no posts");
    csv_import_free(&imp);
}

static void test_quote_errors(void **state)
{
    (void)state;
    csv_import imp;
    /* A quote inside an unquoted cell stops reading at that row. */
    PARSE(&imp, "text,accounts,time\nfine,a,\nsays \"hi\",a,\nnever read,a,\n");
    assert_int_equal(imp.nrows, 1);
    assert_int_equal(imp.nproblems, 1);
    assert_int_equal(imp.problems[0].row, 3);
    assert_string_equal(imp.problems[0].column, "text");
    csv_import_free(&imp);

    /* A quoted cell never closed does not swallow the rest of the file silently. */
    PARSE(&imp, "text,accounts,time\nfine,a,\n\"open,a,\nmore,b,\n");
    assert_int_equal(imp.nrows, 1);
    assert_int_equal(imp.nproblems, 1);
    assert_int_equal(imp.problems[0].row, 3);
    assert_non_null(strstr(imp.problems[0].message, "double quote"));
    csv_import_free(&imp);
}

static void test_limits(void **state)
{
    (void)state;
    csv_import imp;
    const char *head = "text,accounts,time\n";
    const char *line = "post,acc,\n";
    size_t cap = strlen(head) + (CSV_IMPORT_MAX_ROWS + 2) * strlen(line) + 1;
    char *buf = malloc(cap);
    assert_non_null(buf);

    /* Exactly the limit: fine. */
    size_t len = (size_t)sprintf(buf, "%s", head);
    for (int i = 0; i < CSV_IMPORT_MAX_ROWS; i++)
        len += (size_t)sprintf(buf + len, "%s", line);
    parse_buf(&imp, buf, len);
    assert_clean(&imp);
    assert_int_equal(imp.nrows, CSV_IMPORT_MAX_ROWS);
    assert_int_equal(imp.rows[CSV_IMPORT_MAX_ROWS - 1].row, CSV_IMPORT_MAX_ROWS + 1);
    csv_import_free(&imp);

    /* Two more: one file-level problem with the count. */
    for (int i = 0; i < 2; i++)
        len += (size_t)sprintf(buf + len, "%s", line);
    parse_buf(&imp, buf, len);
    assert_int_equal(imp.nproblems, 1);
    assert_int_equal(imp.problems[0].row, 0);
    assert_string_equal(ptext(&imp, 0), "the file has 5002 posts; at most 5000 can be imported "
                                        "at once (split it into several files)");
    assert_int_equal(imp.nrows, CSV_IMPORT_MAX_ROWS);
    csv_import_free(&imp);
    free(buf);

    /* A cell over 64 KiB. */
    size_t big = CSV_IMPORT_MAX_FIELD + 1;
    buf = malloc(big + 64);
    assert_non_null(buf);
    len = (size_t)sprintf(buf, "%s", head);
    memset(buf + len, 'x', big);
    len += big;
    len += (size_t)sprintf(buf + len, ",a,\nok,a,\n");
    parse_buf(&imp, buf, len);
    assert_int_equal(imp.nproblems, 1);
    assert_string_equal(ptext(&imp, 0), "row 2, text: longer than 64 KiB");
    assert_int_equal(imp.nrows, 2);
    assert_int_equal(imp.rows[0].flagged, 1);
    assert_string_equal(imp.rows[0].text, "");
    csv_import_free(&imp);

    /* Exactly 64 KiB is fine. */
    len = (size_t)sprintf(buf, "%s", head);
    memset(buf + len, 'x', CSV_IMPORT_MAX_FIELD);
    len += CSV_IMPORT_MAX_FIELD;
    len += (size_t)sprintf(buf + len, ",a,\n");
    parse_buf(&imp, buf, len);
    assert_clean(&imp);
    assert_int_equal(strlen(imp.rows[0].text), CSV_IMPORT_MAX_FIELD);
    csv_import_free(&imp);
    free(buf);
}

static void test_problem_cap(void **state)
{
    (void)state;
    csv_import imp;
    char *buf = malloc(32 * 300);
    assert_non_null(buf);
    size_t len = (size_t)sprintf(buf, "text,accounts,time\n");
    for (int i = 0; i < 300; i++)
        len += (size_t)sprintf(buf + len, "\xE9,a,\n");
    parse_buf(&imp, buf, len);
    assert_int_equal(imp.nproblems, CSV_IMPORT_MAX_PROBLEMS + 1);
    assert_int_equal(imp.problems[CSV_IMPORT_MAX_PROBLEMS].row, 0);
    assert_non_null(strstr(imp.problems[CSV_IMPORT_MAX_PROBLEMS].message, "first 100"));
    assert_int_equal(csv_import_add_problem(&imp, 5, "time", "not a time"), 0);
    assert_int_equal(imp.nproblems, CSV_IMPORT_MAX_PROBLEMS + 1);
    csv_import_free(&imp);
    free(buf);

    /* The caller's own problems: formatted, column kept, cut at a character boundary. */
    memset(&imp, 0, sizeof imp);
    assert_int_equal(csv_import_add_problem(&imp, 7, "accounts", "no account \"%s\"", "zz"), 0);
    assert_string_equal(ptext(&imp, 0), "row 7, accounts: no account \"zz\"");
    char longmsg[400];
    memset(longmsg, 'a', 198);
    strcpy(longmsg + 198, "\xC3\xA9 and more");
    assert_int_equal(csv_import_add_problem(&imp, 0, NULL, "%s", longmsg), 0);
    assert_int_equal(strlen(imp.problems[1].message), 198); /* the split e-acute is dropped */
    csv_import_free(&imp);
}

static void test_multi_values(void **state)
{
    (void)state;
    csv_import imp;
    PARSE(&imp, "text,accounts,time,media\n"
                "x,\" a ; b|c ;; | ,d \",, m1 ;\n"
                "y,,,\n");
    assert_clean(&imp);
    csv_post_row *r = &imp.rows[0];
    assert_int_equal(r->naccounts, 4);
    assert_string_equal(r->accounts[0], "a");
    assert_string_equal(r->accounts[1], "b");
    assert_string_equal(r->accounts[2], "c");
    assert_string_equal(r->accounts[3], ",d"); /* a comma is text, not a separator */
    assert_int_equal(r->nmedia, 1);
    assert_string_equal(r->media[0], "m1");
    assert_int_equal(imp.rows[1].naccounts, 0);
    assert_null(imp.rows[1].accounts);
    csv_import_free(&imp);

    /* More than 50 values: a problem, the first 50 kept. */
    char buf[1024];
    size_t len = (size_t)sprintf(buf, "text,accounts,time\nx,");
    for (int i = 0; i < 52; i++)
        len += (size_t)sprintf(buf + len, "%sa%d", i ? ";" : "", i);
    len += (size_t)sprintf(buf + len, ",\n");
    parse_buf(&imp, buf, len);
    assert_int_equal(imp.nproblems, 1);
    assert_string_equal(ptext(&imp, 0), "row 2, accounts: has 52 accounts; at most 50 per row");
    assert_int_equal(imp.rows[0].naccounts, CSV_IMPORT_MAX_VALUES);
    assert_string_equal(imp.rows[0].accounts[49], "a49");
    assert_int_equal(imp.rows[0].flagged, 1);
    csv_import_free(&imp);
}

static void test_export_quoting(void **state)
{
    (void)state;
    csv_out o = {0};
    const char *const head[] = {"text", "accounts", "time"};
    csv_out_row(&o, head, 3);
    const char *const r1[] = {"plain", "a, b", "say \"hi\""};
    csv_out_row(&o, r1, 3);
    const char *const r2[] = {"two\nlines", NULL, " padded"};
    csv_out_row(&o, r2, 3);
    const char *const r3[] = {"=1+1", "@x;@y", "-5", "+1", "'=kept", "'plain", "\tx", "a;b"};
    csv_out_row(&o, r3, 8);
    assert_int_equal(o.failed, 0);
    assert_string_equal(o.buf, "text,accounts,time\r\n"
                               "plain,\"a, b\",\"say \"\"hi\"\"\"\r\n"
                               "\"two\nlines\",,\" padded\"\r\n"
                               "'=1+1,\"'@x;@y\",'-5,'+1,''=kept,'plain,\"'\tx\",\"a;b\"\r\n");
    assert_int_equal(o.len, strlen(o.buf));
    csv_out_free(&o);
    assert_null(o.buf);

    csv_out_bom(&o);
    csv_out_row(&o, head, 1);
    assert_string_equal(o.buf, "\xEF\xBB\xBFtext\r\n");
    csv_out_free(&o);
}

static void test_round_trip(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "=HYPERLINK(\"http://evil\",\"x\")",
        "+33 6 12 34 56 78",
        "-- dashes",
        "@mention first",
        "\ttabbed",
        "'=already quoted by hand",
        "''+two apostrophes",
        "'just an apostrophe",
        "multi\nline, with \"quotes\"\nand commas",
        "  spaces around  ",
        "caf\xC3\xA9 \xF0\x9F\x98\x80",
        "",
        "plain",
    };
    size_t n = sizeof texts / sizeof *texts;
    csv_out o = {0};
    csv_out_bom(&o);
    const char *const head[] = {"text", "accounts", "time", "media", "campaign"};
    csv_out_row(&o, head, 5);
    for (size_t i = 0; i < n; i++) {
        const char *cells[] = {texts[i], "@acc1;-acc2", i % 2 ? "" : "2030-01-01T10:00", "=m.jpg",
                               "-camp"};
        csv_out_row(&o, cells, 5);
    }
    assert_int_equal(o.failed, 0);

    csv_import imp;
    parse_buf(&imp, o.buf, o.len);
    assert_clean(&imp);
    assert_int_equal(imp.nrows, n);
    for (size_t i = 0; i < n; i++) {
        csv_post_row *r = &imp.rows[i];
        assert_int_equal(r->row, (int)i + 2);
        assert_string_equal(r->text, texts[i]);
        assert_int_equal(r->naccounts, 2);
        assert_string_equal(r->accounts[0], "@acc1");
        assert_string_equal(r->accounts[1], "-acc2");
        if (i % 2)
            assert_null(r->time);
        else
            assert_string_equal(r->time, "2030-01-01T10:00");
        assert_int_equal(r->nmedia, 1);
        assert_string_equal(r->media[0], "=m.jpg");
        assert_string_equal(r->campaign, "-camp");
    }
    csv_import_free(&imp);
    csv_out_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_and_quoting),
        cmocka_unit_test(test_crlf_and_lf),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_not_utf8_files),
        cmocka_unit_test(test_invalid_utf8_cell),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_missing_columns),
        cmocka_unit_test(test_unknown_and_duplicate_column),
        cmocka_unit_test(test_column_order_and_case),
        cmocka_unit_test(test_semicolon_delimiter),
        cmocka_unit_test(test_ragged_rows),
        cmocka_unit_test(test_empty_lines),
        cmocka_unit_test(test_quote_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_problem_cap),
        cmocka_unit_test(test_multi_values),
        cmocka_unit_test(test_export_quoting),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
