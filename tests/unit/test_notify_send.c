/*
 * test_notify_send.c - the pieces of email and webhook delivery that need no
 * network: which addresses webhooks may reach (notify/netguard.h), header
 * encoding and message building (notify/smtp.h), the webhook signature
 * (notify/webhook_send.h) and the retry schedules (notify/senders.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "notify/netguard.h"
#include "notify/senders.h"
#include "notify/smtp.h"
#include "notify/webhook_send.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void test_ip_literals(void **state)
{
    (void)state;
    const char *refused[] = {
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.10",
        "198.18.0.1",
        "::",
        "::1",
        "[::1]",
        "::ffff:127.0.0.1",
        "[::ffff:10.0.0.1]",
        "::ffff:7f00:1",
        "::127.0.0.1",
        "fe80::1",
        "[fe80::1%25eth0]",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "2001:db8::1",
        "64:ff9b::a00:1",
        "2002:c0a8:101::1",
        "fec0::1",
        "::ffff:169.254.169.254",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (netguard_ip_text_public(refused[i]))
            fail_msg("%s should be refused", refused[i]);
    }
    const char *allowed[] = {"8.8.8.8",        "1.1.1.1",          "172.32.0.1",
                             "100.128.0.1",    "192.169.0.1",      "2606:4700::1111",
                             "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        if (!netguard_ip_text_public(allowed[i]))
            fail_msg("%s should be allowed", allowed[i]);
    }
    assert_false(netguard_ip_text_public("example.com"));
}

static void test_urls(void **state)
{
    (void)state;
    char why[300];
    /* form: refused whatever the address rule */
    assert_false(netguard_url_allowed("ftp://example.com/x", 1, why, sizeof why));
    assert_non_null(strstr(why, "http"));
    assert_false(netguard_url_allowed("not a url", 1, why, sizeof why));
    assert_false(netguard_url_allowed("https://user:pw@example.com/", 1, why, sizeof why));
    assert_non_null(strstr(why, "password"));
    assert_null(strstr(why, "pw@"));
    /* addresses */
    assert_false(netguard_url_allowed("http://127.0.0.1:8080/hook", 0, why, sizeof why));
    assert_non_null(strstr(why, "P2S_WEBHOOK_ALLOW_PRIVATE"));
    assert_false(netguard_url_allowed("http://[::1]/hook", 0, why, sizeof why));
    assert_false(netguard_url_allowed("http://[::ffff:192.168.0.1]/", 0, why, sizeof why));
    assert_false(
        netguard_url_allowed("http://169.254.169.254/latest/meta-data", 0, why, sizeof why));
    assert_false(netguard_url_allowed("http://0x7f000001/", 0, why, sizeof why));
    assert_false(netguard_url_allowed("http://2130706433/", 0, why, sizeof why));
    assert_false(netguard_url_allowed("http://localhost:9/", 0, why, sizeof why));
    assert_true(netguard_url_allowed("http://127.0.0.1:8080/hook", 1, why, sizeof why));
    assert_true(netguard_url_allowed("https://8.8.8.8/hook", 0, why, sizeof why));
    /* a pin for a name, none for an address literal */
    char pin[512];
    assert_true(netguard_pin("https://8.8.8.8:8443/x", 0, pin, sizeof pin, why, sizeof why));
    assert_string_equal(pin, "");
    assert_false(netguard_pin("http://localhost:8080/", 0, pin, sizeof pin, why, sizeof why));
    assert_string_equal(pin, "");
}

static void test_header_encoding(void **state)
{
    (void)state;
    char *h = smtp_encode_header("Could not publish on X", 9);
    assert_string_equal(h, "Could not publish on X");
    free(h);
    /* a line break cannot start a new header */
    h = smtp_encode_header("a\r\nBcc: evil@example.com", 9);
    assert_null(strchr(h, '\n'));
    free(h);
    /* long ASCII folds at spaces */
    h = smtp_encode_header("word word word word word word word word word word word word word word "
                           "word word word word",
                           9);
    assert_non_null(strstr(h, "\r\n "));
    free(h);
    /* non-ASCII: encoded-words of at most 75 characters, characters never split */
    const char *s = "Publi\xc3\xa9 sur Instagram \xe2\x80\x94 \xf0\x9f\x8e\x89 "
                    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
    h = smtp_encode_header(s, 9);
    assert_true(strncmp(h, "=?UTF-8?B?", 10) == 0);
    char decoded[512] = "";
    size_t dl = 0;
    for (char *w = h; (w = strstr(w, "=?UTF-8?B?")) != NULL;) {
        w += 10;
        char *end = strstr(w, "?=");
        assert_non_null(end);
        assert_true(end - w + 12 <= 75);
        size_t n = 0;
        assert_int_equal(sodium_base642bin((unsigned char *)decoded + dl, sizeof decoded - dl, w,
                                           (size_t)(end - w), NULL, &n, NULL,
                                           sodium_base64_VARIANT_ORIGINAL),
                         0);
        /* each word decodes to whole characters: it does not end inside one */
        unsigned char last = (unsigned char)decoded[dl + n - 1];
        assert_true(last < 0x80 || (last & 0xC0) == 0x80);
        dl += n;
        w = end + 2;
    }
    decoded[dl] = '\0';
    assert_string_equal(decoded, s);
    free(h);
}

static void test_message(void **state)
{
    (void)state;
    assert_true(smtp_addr_ok("a@example.com"));
    assert_false(smtp_addr_ok("a@example.com\r\nRCPT TO:<b@x>"));
    assert_false(smtp_addr_ok("<a@example.com>"));
    assert_false(smtp_addr_ok("no-at-sign"));
    assert_false(smtp_addr_ok("a@b@c"));
    smtp_msg m = {"someone@example.com",
                  "\xc3\x89"
                  "chec",
                  "line one\nline two\n", "<p>hi</p>", "email-7"};
    char *msg =
        smtp_build_message("Post2Share <p2s@example.org>", "example.org", &m, 1767225600000LL);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"));
    assert_non_null(strstr(msg, "From: Post2Share <p2s@example.org>\r\n"));
    assert_non_null(strstr(msg, "To: someone@example.com\r\n"));
    assert_non_null(strstr(msg, "Subject: =?UTF-8?B?w4ljaGVj?=\r\n"));
    assert_non_null(strstr(msg, "Message-ID: <1767225600000.email-7."));
    assert_non_null(strstr(msg, "@example.org>\r\n"));
    assert_non_null(strstr(msg, "Content-Type: multipart/alternative; boundary="));
    assert_non_null(strstr(msg, "Content-Type: text/plain; charset=utf-8"));
    assert_non_null(strstr(msg, "Content-Type: text/html; charset=utf-8"));
    /* the text part is base64 of the CRLF form */
    assert_non_null(strstr(msg, "bGluZSBvbmUNCmxpbmUgdHdvDQo="));
    /* no bare LF anywhere */
    for (const char *p = msg; *p; p++)
        if (*p == '\n')
            assert_true(p > msg && p[-1] == '\r');
    free(msg);
}

static void test_from(void **state)
{
    (void)state;
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    char hdr[600], addr[330];
    snprintf(cfg.public_url, sizeof cfg.public_url, "https://social.example.com");
    smtp_from(&cfg, hdr, sizeof hdr, addr, sizeof addr);
    assert_string_equal(addr, "post2share@social.example.com");
    assert_string_equal(hdr, "Post2Share <post2share@social.example.com>");
    snprintf(cfg.public_url, sizeof cfg.public_url, "http://127.0.0.1:8080");
    smtp_from(&cfg, hdr, sizeof hdr, addr, sizeof addr);
    assert_string_equal(addr, "post2share@localhost");
    snprintf(cfg.smtp_from, sizeof cfg.smtp_from, "\"Acme, Inc.\" <news@acme.test>");
    smtp_from(&cfg, hdr, sizeof hdr, addr, sizeof addr);
    assert_string_equal(addr, "news@acme.test");
    assert_string_equal(hdr, "\"Acme, Inc.\" <news@acme.test>");
    snprintf(cfg.smtp_from, sizeof cfg.smtp_from, "  bare@acme.test ");
    smtp_from(&cfg, hdr, sizeof hdr, addr, sizeof addr);
    assert_string_equal(addr, "bare@acme.test");
    assert_string_equal(hdr, "bare@acme.test");
}

static void test_signature(void **state)
{
    (void)state;
    /* HMAC-SHA256(key "whsec_test", "1700000000.{\"a\":1}"), computed with Python's hmac */
    char sig[65];
    webhook_sign("whsec_test", 1700000000, "{\"a\":1}", sig);
    assert_string_equal(sig, "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
    assert_int_equal(strlen(sig), 64);
}

static void test_backoff(void **state)
{
    (void)state;
    assert_int_equal(senders_email_backoff_ms(1), 60000);
    assert_int_equal(senders_email_backoff_ms(2), 120000);
    assert_int_equal(senders_email_backoff_ms(6), 1920000);
    assert_int_equal(senders_email_backoff_ms(7), 3600000);
    assert_int_equal(senders_email_backoff_ms(50), 3600000);
    assert_int_equal(senders_webhook_backoff_ms(1), 10000);
    assert_int_equal(senders_webhook_backoff_ms(2), 60000);
    assert_int_equal(senders_webhook_backoff_ms(6), 21600000);
    assert_int_equal(senders_webhook_backoff_ms(7), 0);
}

int main(void)
{
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_literals),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_header_encoding),
        cmocka_unit_test(test_message),
        cmocka_unit_test(test_from),
        cmocka_unit_test(test_signature),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests_name("notify_send", tests, NULL, NULL);
}
