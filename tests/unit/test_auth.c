/*
 * test_auth.c - the pieces of sign-in that need no server: the permission
 * table (auth/rbac.h), password hashing and rules (auth/passwords.h), tokens
 * (auth/tokens.h), email and time zone checks (core/text.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "auth/passwords.h"
#include "auth/rbac.h"
#include "auth/tokens.h"
#include "core/text.h"

#include <sodium.h>
#include <string.h>

static void test_rbac_table(void **state)
{
    (void)state;
    /* The roles table of docs/api.md, row by row. */
    const route_perm perms[] = {PERM_WS_READ,   PERM_WS_DRAFT,    PERM_WS_PUBLISH, PERM_WS_CONNECT,
                                PERM_WS_MANAGE, PERM_WS_ACTIVITY, PERM_WS_DELETE};
    const int want[][5] = {
        /* owner admin editor contributor viewer */
        {1, 1, 1, 1, 1}, /* read */
        {1, 1, 1, 1, 0}, /* drafts */
        {1, 1, 1, 0, 0}, /* publish */
        {1, 1, 0, 0, 0}, /* connect accounts */
        {1, 1, 0, 0, 0}, /* manage members */
        {1, 1, 0, 0, 0}, /* activity */
        {1, 0, 0, 0, 0}, /* delete */
    };
    const role roles[] = {ROLE_OWNER, ROLE_ADMIN, ROLE_EDITOR, ROLE_CONTRIBUTOR, ROLE_VIEWER};
    for (size_t p = 0; p < sizeof perms / sizeof perms[0]; p++) {
        for (size_t r = 0; r < 5; r++)
            assert_int_equal(rbac_allows(roles[r], perms[p]), want[p][r]);
        assert_int_equal(rbac_allows(ROLE_NONE, perms[p]), 0);
    }
    assert_int_equal(rbac_allows(ROLE_NONE, PERM_PUBLIC), 1);
    assert_int_equal(rbac_is_workspace_perm(PERM_SESSION), 0);
    assert_int_equal(rbac_is_workspace_perm(PERM_WS_READ), 1);
}

static void test_rbac_assign(void **state)
{
    (void)state;
    assert_true(rbac_may_assign(ROLE_OWNER, ROLE_ADMIN, ROLE_OWNER));
    assert_true(rbac_may_assign(ROLE_OWNER, ROLE_OWNER, ROLE_VIEWER));
    assert_true(rbac_may_assign(ROLE_ADMIN, ROLE_VIEWER, ROLE_EDITOR));
    assert_true(rbac_may_assign(ROLE_ADMIN, ROLE_EDITOR, ROLE_NONE));
    assert_true(rbac_may_assign(ROLE_ADMIN, ROLE_NONE, ROLE_CONTRIBUTOR));
    assert_false(rbac_may_assign(ROLE_ADMIN, ROLE_EDITOR, ROLE_ADMIN));
    assert_false(rbac_may_assign(ROLE_ADMIN, ROLE_EDITOR, ROLE_OWNER));
    assert_false(rbac_may_assign(ROLE_ADMIN, ROLE_ADMIN, ROLE_VIEWER));
    assert_false(rbac_may_assign(ROLE_ADMIN, ROLE_OWNER, ROLE_NONE));
    assert_false(rbac_may_assign(ROLE_EDITOR, ROLE_VIEWER, ROLE_CONTRIBUTOR));
    assert_false(rbac_may_assign(ROLE_VIEWER, ROLE_NONE, ROLE_VIEWER));
    role r;
    assert_int_equal(rbac_role_parse("contributor", &r), 0);
    assert_int_equal(r, ROLE_CONTRIBUTOR);
    assert_int_equal(rbac_role_parse("none", &r), -1);
    assert_int_equal(rbac_role_parse("Owner", &r), -1);
    assert_string_equal(rbac_role_name(ROLE_ADMIN), "admin");
}

static void test_password_rules(void **state)
{
    (void)state;
    const char *bad[] = {"short",        "123456789",       "password1234", "Password2024!",
                         "P@ssw0rd2024", "qwertyuiop",      "1234567890",   "0987654321",
                         "zzzzzzzzzzzz", "abcdefghijklmno", "1q2w3e4r5t",   "iloveyou!!!!",
                         "Summer2026!!", "monkeymonkey"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (pw_rules(bad[i], "someone@example.com") == NULL)
            fail_msg("accepted weak password '%s'", bad[i]);
    }
    const char *good[] = {"correct horse battery staple", "Tr0ub4dor&3xyz", "blue-kettle-owl-97",
                          "my cat ate 3 lemons"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *why = pw_rules(good[i], "someone@example.com");
        if (why != NULL)
            fail_msg("refused '%s': %s", good[i], why);
    }
    assert_non_null(pw_rules("xx-jane.doe-xx!", "jane.doe@example.com"));
    assert_non_null(pw_rules("jane.doe@example.com", "jane.doe@example.com"));
    /* 10 characters, not 10 bytes: five two-byte letters are too short */
    assert_non_null(pw_rules("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL));
    char longpw[200];
    memset(longpw, 'k', sizeof longpw - 1);
    longpw[sizeof longpw - 1] = '\0';
    longpw[7] = 'x';
    assert_non_null(pw_rules(longpw, NULL));
}

static void test_hash_and_verify(void **state)
{
    (void)state;
    pw_hasher *h = pw_hasher_new(2);
    assert_non_null(h);
    char hash[PW_HASH_MAX];
    assert_int_equal(pw_hash(h, "correct horse battery staple", hash), APP_OK);
    assert_memory_equal(hash, "$argon2id$", 10);
    int ok = -1, rehash = -1;
    assert_int_equal(pw_verify(h, hash, "correct horse battery staple", &ok, &rehash), APP_OK);
    assert_int_equal(ok, 1);
    assert_int_equal(rehash, 0);
    assert_int_equal(pw_verify(h, hash, "correct horse battery stapl", &ok, &rehash), APP_OK);
    assert_int_equal(ok, 0);
    /* No hash (unknown email): a full check is still spent, and it never matches. */
    assert_int_equal(pw_verify(h, NULL, "anything at all", &ok, &rehash), APP_OK);
    assert_int_equal(ok, 0);
    /* A hash made with weaker parameters matches and asks to be re-hashed. */
    char weak[PW_HASH_MAX];
    assert_int_equal(crypto_pwhash_str(weak, "old password here", 17, crypto_pwhash_OPSLIMIT_MIN,
                                       crypto_pwhash_MEMLIMIT_MIN),
                     0);
    assert_int_equal(pw_verify(h, weak, "old password here", &ok, &rehash), APP_OK);
    assert_int_equal(ok, 1);
    assert_int_equal(rehash, 1);
    pw_hasher_free(h);
}

static void test_tokens(void **state)
{
    (void)state;
    char a[TOKEN_MAX], b[TOKEN_MAX], ha[TOKEN_HASH_HEX], hb[TOKEN_HASH_HEX];
    token_new("p2s_", a);
    token_new("p2s_", b);
    assert_int_equal(strlen(a), 4 + 43);
    assert_string_not_equal(a, b);
    assert_true(token_well_formed(a, "p2s_"));
    assert_false(token_well_formed(a, "inv_"));
    assert_false(token_well_formed("p2s_short", "p2s_"));
    char bad[TOKEN_MAX];
    memcpy(bad, a, sizeof bad);
    bad[10] = '/';
    assert_false(token_well_formed(bad, "p2s_"));
    token_hash(a, ha);
    token_hash(b, hb);
    assert_int_equal(strlen(ha), 64);
    assert_string_not_equal(ha, hb);
    /* SHA-256("abc") */
    token_hash("abc", ha);
    assert_string_equal(ha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    unsigned char k1[32] = {1}, k2[32] = {2};
    char c1[TOKEN_MAX], c2[TOKEN_MAX], c3[TOKEN_MAX];
    token_csrf(k1, "session-a", c1);
    token_csrf(k1, "session-b", c2);
    token_csrf(k2, "session-a", c3);
    assert_string_not_equal(c1, c2);
    assert_string_not_equal(c1, c3);
    token_csrf(k1, "session-a", c2);
    assert_true(token_equal(c1, c2));
    assert_false(token_equal(c1, "short"));
}

static void test_email(void **state)
{
    (void)state;
    char out[256];
    assert_null(text_email_normalize("  Ana.Lima+news@Example.COM ", out, sizeof out));
    assert_string_equal(out, "ana.lima+news@example.com");
    assert_null(text_email_normalize("o'brien@mail.example.co.uk", out, sizeof out));
    const char *bad[] = {"",
                         "plain",
                         "@example.com",
                         "a@",
                         "a@b",
                         "a@@b.com",
                         ".a@b.com",
                         "a.@b.com",
                         "a..b@c.com",
                         "a b@c.com",
                         "a@-b.com",
                         "a@b-.com",
                         "a@b.c",
                         "a@b.c0m",
                         "a@b..com",
                         "\xc3\xa9@b.com",
                         "a@\xc3\xa9.com"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (text_email_normalize(bad[i], out, sizeof out) == NULL)
            fail_msg("accepted '%s'", bad[i]);
    }
    char longlocal[100];
    memset(longlocal, 'a', 65);
    strcpy(longlocal + 65, "@b.com");
    assert_non_null(text_email_normalize(longlocal, out, sizeof out));
}

static void test_timezones(void **state)
{
    (void)state;
    assert_true(text_timezone_valid("UTC"));
    assert_true(text_timezone_valid("Europe/Paris"));
    assert_true(text_timezone_valid("America/Argentina/Buenos_Aires"));
    assert_false(text_timezone_valid("Mars/Olympus_Mons"));
    assert_false(text_timezone_valid("../../etc/passwd"));
    assert_false(text_timezone_valid("/etc/passwd"));
    assert_false(text_timezone_valid("Europe"));   /* a folder */
    assert_false(text_timezone_valid("zone.tab")); /* not a zone file */
    assert_false(text_timezone_valid(""));
    assert_false(text_timezone_valid("Europe/Paris "));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rbac_table),     cmocka_unit_test(test_rbac_assign),
        cmocka_unit_test(test_password_rules), cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_tokens),         cmocka_unit_test(test_email),
        cmocka_unit_test(test_timezones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
