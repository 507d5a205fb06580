/* test_config.c - the settings table (src/core/config.h): defaults, environment, flags, checks. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Remove every P2S_* variable the table knows, so the host environment cannot leak in. */
static void clear_env(void)
{
    size_t n = 0;
    const cfg_def *t = config_table(&n);
    for (size_t i = 0; i < n; i++)
        unsetenv(t[i].env);
}

static int env_setup(void **state)
{
    (void)state;
    clear_env();
    return 0;
}

static int env_teardown(void **state)
{
    (void)state;
    clear_env();
    return 0;
}

/* config_load over a NULL-terminated list of flags. */
static int load(config *cfg, char *err, size_t errlen, const char *const *flags)
{
    char *argv[32];
    int argc = 0;
    while (flags != NULL && flags[argc] != NULL && argc < 31) {
        argv[argc] = (char *)flags[argc];
        argc++;
    }
    argv[argc] = NULL;
    err[0] = '\0';
    return config_load(cfg, argc, argv, err, errlen);
}

/* config_load must fail and its message must contain every given needle. */
static void expect_fail(const char *const *flags, const char *needle1, const char *needle2)
{
    config cfg;
    char err[512];
    if (load(&cfg, err, sizeof err, flags) != -1)
        fail_msg("config_load accepted %s", flags != NULL && flags[0] ? flags[0] : "(env)");
    if (needle1 != NULL && strstr(err, needle1) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle1);
    if (needle2 != NULL && strstr(err, needle2) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle2);
}

static void test_defaults(void **state)
{
    (void)state;
    config cfg;
    char err[512];
    assert_int_equal(load(&cfg, err, sizeof err, NULL), 0);
    assert_string_equal(cfg.listen, "127.0.0.1:8080");
    assert_string_equal(cfg.data_dir, "./data");
    assert_string_equal(cfg.database_url, "./data/post2share.db");
    assert_string_equal(cfg.public_url, "http://127.0.0.1:8080");
    assert_int_equal(cfg.public_url_derived, 1);
    assert_string_equal(cfg.secret_key, "");
    assert_string_equal(cfg.secret_key_file, "./data/secret.key");
    assert_string_equal(cfg.web_dir, "./web/dist");
    assert_string_equal(cfg.log_level, "info");
    assert_in_range(cfg.threads, 1, 256);
    assert_in_range(cfg.db_pool, 1, 256);
    assert_true(cfg.max_body_kb > 0);
    assert_true(cfg.max_connections > 0);
    assert_true(cfg.connection_timeout > 0);
    assert_true(cfg.shutdown_timeout >= 0);
}

static void test_table_is_consistent(void **state)
{
    (void)state;
    size_t n = 0;
    const cfg_def *t = config_table(&n);
    assert_non_null(t);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].name);
        assert_non_null(t[i].env);
        assert_non_null(t[i].dflt);
        assert_non_null(t[i].meaning);
        assert_int_equal(strncmp(t[i].env, "P2S_", 4), 0);
        assert_true(t[i].offset + t[i].size <= sizeof(config));
        if (t[i].type == CFG_INT)
            assert_true(t[i].min <= t[i].max);
        /* A secret is never a flag: flags show in ps. */
        if (t[i].type == CFG_SECRET)
            assert_int_equal(t[i].has_flag, 0);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(t[i].name, t[j].name);
            assert_string_not_equal(t[i].env, t[j].env);
        }
    }
}

static void test_env_overrides(void **state)
{
    (void)state;
    setenv("P2S_LISTEN", "0.0.0.0:9000", 1);
    setenv("P2S_DATA_DIR", "/var/lib/p2s", 1);
    setenv("P2S_THREADS", "12", 1);
    setenv("P2S_LOG_LEVEL", "debug", 1);
    setenv("P2S_SECRET_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", 1);
    config cfg;
    char err[512];
    assert_int_equal(load(&cfg, err, sizeof err, NULL), 0);
    assert_string_equal(cfg.listen, "0.0.0.0:9000");
    assert_string_equal(cfg.data_dir, "/var/lib/p2s");
    assert_int_equal(cfg.threads, 12);
    assert_string_equal(cfg.log_level, "debug");
    assert_string_equal(cfg.secret_key,
                        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    /* Derived values follow the overridden data dir and listen address. */
    assert_string_equal(cfg.database_url, "/var/lib/p2s/post2share.db");
    assert_string_equal(cfg.secret_key_file, "/var/lib/p2s/secret.key");
    assert_string_equal(cfg.public_url, "http://0.0.0.0:9000");
    assert_int_equal(cfg.public_url_derived, 1);
}

static void test_env_explicit_values_not_derived(void **state)
{
    (void)state;
    setenv("P2S_DATABASE_URL", "postgres://u:p@db:5432/p2s", 1);
    setenv("P2S_PUBLIC_URL", "https://social.example.com", 1);
    setenv("P2S_SECRET_KEY_FILE", "/etc/p2s/key", 1);
    config cfg;
    char err[512];
    assert_int_equal(load(&cfg, err, sizeof err, NULL), 0);
    assert_string_equal(cfg.database_url, "postgres://u:p@db:5432/p2s");
    assert_string_equal(cfg.public_url, "https://social.example.com");
    assert_int_equal(cfg.public_url_derived, 0);
    assert_string_equal(cfg.secret_key_file, "/etc/p2s/key");
}

static void test_flag_overrides_env(void **state)
{
    (void)state;
    setenv("P2S_LISTEN", "0.0.0.0:9000", 1);
    setenv("P2S_THREADS", "12", 1);
    config cfg;
    char err[512];

    const char *const eq[] = {"--listen=127.0.0.1:7000", "--threads=3", NULL};
    assert_int_equal(load(&cfg, err, sizeof err, eq), 0);
    assert_string_equal(cfg.listen, "127.0.0.1:7000");
    assert_int_equal(cfg.threads, 3);
    assert_string_equal(cfg.public_url, "http://127.0.0.1:7000");

    const char *const sep[] = {"--listen", "127.0.0.1:7001", "--threads", "5", NULL};
    assert_int_equal(load(&cfg, err, sizeof err, sep), 0);
    assert_string_equal(cfg.listen, "127.0.0.1:7001");
    assert_int_equal(cfg.threads, 5);

    /* The last flag wins; a value may contain '='. */
    const char *const twice[] = {"--threads=7", "--threads", "8", "--data-dir=/a=b", NULL};
    assert_int_equal(load(&cfg, err, sizeof err, twice), 0);
    assert_int_equal(cfg.threads, 8);
    assert_string_equal(cfg.data_dir, "/a=b");
    assert_string_equal(cfg.database_url, "/a=b/post2share.db");
}

static void test_flags_for_every_flag_setting(void **state)
{
    (void)state;
    config cfg;
    char err[512];
    const char *const flags[] = {"--data-dir=/srv/p2s",
                                 "--database-url=sqlite:/tmp/x.db",
                                 "--public-url=https://p2s.example.org",
                                 "--secret-key-file=/run/key",
                                 "--web-dir=/srv/web",
                                 "--log-level=error",
                                 "--db-pool=2",
                                 "--max-body-kb=64",
                                 "--max-connections=100",
                                 "--connection-timeout=30",
                                 "--shutdown-timeout=0",
                                 NULL};
    assert_int_equal(load(&cfg, err, sizeof err, flags), 0);
    assert_string_equal(cfg.data_dir, "/srv/p2s");
    assert_string_equal(cfg.database_url, "sqlite:/tmp/x.db");
    assert_string_equal(cfg.public_url, "https://p2s.example.org");
    assert_string_equal(cfg.secret_key_file, "/run/key");
    assert_string_equal(cfg.web_dir, "/srv/web");
    assert_string_equal(cfg.log_level, "error");
    assert_int_equal(cfg.db_pool, 2);
    assert_int_equal(cfg.max_body_kb, 64);
    assert_int_equal(cfg.max_connections, 100);
    assert_int_equal(cfg.connection_timeout, 30);
    assert_int_equal(cfg.shutdown_timeout, 0);
}

static void test_bad_int(void **state)
{
    (void)state;
    const char *const zero[] = {"--threads=0", NULL};
    expect_fail(zero, "P2S_THREADS", "1 to 256");
    const char *const big[] = {"--threads=257", NULL};
    expect_fail(big, "P2S_THREADS", "1 to 256");
    const char *const word[] = {"--threads=four", NULL};
    expect_fail(word, "P2S_THREADS", "1 to 256");
    const char *const tail[] = {"--threads=4x", NULL};
    expect_fail(tail, "P2S_THREADS", "1 to 256");
    const char *const empty[] = {"--threads=", NULL};
    expect_fail(empty, "P2S_THREADS", "1 to 256");
    const char *const huge[] = {"--threads=99999999999999999999999", NULL};
    expect_fail(huge, "P2S_THREADS", "1 to 256");

    setenv("P2S_THREADS", "-3", 1);
    expect_fail(NULL, "P2S_THREADS", "1 to 256");
    unsetenv("P2S_THREADS");

    const char *const pool[] = {"--db-pool=1000", NULL};
    expect_fail(pool, "P2S_DB_POOL", NULL);

    /* The bounds themselves are accepted. */
    config cfg;
    char err[512];
    const char *const lo[] = {"--threads=1", NULL};
    assert_int_equal(load(&cfg, err, sizeof err, lo), 0);
    assert_int_equal(cfg.threads, 1);
    const char *const hi[] = {"--threads=256", NULL};
    assert_int_equal(load(&cfg, err, sizeof err, hi), 0);
    assert_int_equal(cfg.threads, 256);
}

static void test_bad_hostport(void **state)
{
    (void)state;
    const char *const bad[] = {
        "localhost",      "127.0.0.1",        "127.0.0.1:",  ":8080",     "127.0.0.1:65536",
        "127.0.0.1:http", "::1:8080",         "[::1]",       "[::1]8080", "a b:80",
        "127.0.0.1:-1",   "127.0.0.1:123456", "host:80/path"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--listen=%s", bad[i]);
        const char *const flags[] = {flag, NULL};
        expect_fail(flags, "P2S_LISTEN", NULL);
    }
    setenv("P2S_LISTEN", "nope", 1);
    expect_fail(NULL, "P2S_LISTEN", "nope");
}

static void test_ipv6_listen_derives_public_url(void **state)
{
    (void)state;
    config cfg;
    char err[512];
    const char *const flags[] = {"--listen=[::1]:8443", NULL};
    assert_int_equal(load(&cfg, err, sizeof err, flags), 0);
    assert_string_equal(cfg.listen, "[::1]:8443");
    assert_string_equal(cfg.public_url, "http://[::1]:8443");
}

static void test_bad_log_level(void **state)
{
    (void)state;
    const char *const flags[] = {"--log-level=verbose", NULL};
    expect_fail(flags, "P2S_LOG_LEVEL", "verbose");
    setenv("P2S_LOG_LEVEL", "", 1);
    expect_fail(NULL, "P2S_LOG_LEVEL", NULL);
    unsetenv("P2S_LOG_LEVEL");

    config cfg;
    char err[512];
    const char *const levels[] = {"debug", "info", "warn", "error"};
    for (size_t i = 0; i < 4; i++) {
        char flag[32];
        snprintf(flag, sizeof flag, "--log-level=%s", levels[i]);
        const char *const ok[] = {flag, NULL};
        assert_int_equal(load(&cfg, err, sizeof err, ok), 0);
        assert_string_equal(cfg.log_level, levels[i]);
    }
}

static void test_bad_urls(void **state)
{
    (void)state;
    const char *const pub[] = {"--public-url=ftp://x", NULL};
    expect_fail(pub, "P2S_PUBLIC_URL", NULL);
    const char *const pub2[] = {"--public-url=example.com", NULL};
    expect_fail(pub2, "P2S_PUBLIC_URL", NULL);
    const char *const dburl[] = {"--database-url=mysql://u@h/db", NULL};
    expect_fail(dburl, "P2S_DATABASE_URL", NULL);

    config cfg;
    char err[512];
    const char *const pg[] = {"--database-url=postgresql://h/db", NULL};
    assert_int_equal(load(&cfg, err, sizeof err, pg), 0);
    assert_string_equal(cfg.database_url, "postgresql://h/db");
}

static void test_unknown_flag(void **state)
{
    (void)state;
    const char *const flags[] = {"--colour=blue", NULL};
    expect_fail(flags, "--colour", NULL);
    const char *const noeq[] = {"--colour", "blue", NULL};
    expect_fail(noeq, "--colour", NULL);
    /* A prefix of a real flag is not that flag. */
    const char *const prefix[] = {"--thread=4", NULL};
    expect_fail(prefix, "--thread", NULL);
    const char *const longer[] = {"--threadsx=4", NULL};
    expect_fail(longer, NULL, NULL);
    /* Positional arguments and single-dash flags are refused. */
    const char *const pos[] = {"serve", NULL};
    expect_fail(pos, "serve", NULL);
    const char *const dash[] = {"-threads=4", NULL};
    expect_fail(dash, NULL, NULL);
}

static void test_missing_flag_value(void **state)
{
    (void)state;
    const char *const flags[] = {"--listen", NULL};
    expect_fail(flags, "--listen", NULL);
    const char *const last[] = {"--threads=2", "--data-dir", NULL};
    expect_fail(last, "--data-dir", NULL);
}

static void test_secret_key_not_a_flag(void **state)
{
    (void)state;
    const char *const key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    char flag[128];
    snprintf(flag, sizeof flag, "--secret-key=%s", key);
    const char *const eq[] = {flag, NULL};
    config cfg;
    char err[512];
    assert_int_equal(load(&cfg, err, sizeof err, eq), -1);
    assert_non_null(strstr(err, "secret-key"));
    /* The refused value is not echoed back. */
    assert_null(strstr(err, key));

    const char *const sep[] = {"--secret-key", key, NULL};
    assert_int_equal(load(&cfg, err, sizeof err, sep), -1);
    assert_null(strstr(err, key));

    /* An overlong key in the environment is refused without showing any of it. */
    char longkey[400];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    setenv("P2S_SECRET_KEY", longkey, 1);
    assert_int_equal(load(&cfg, err, sizeof err, NULL), -1);
    assert_non_null(strstr(err, "P2S_SECRET_KEY"));
    assert_null(strstr(err, "kkkk"));
}

static void test_overlong_value(void **state)
{
    (void)state;
    char flag[CFG_PATH_MAX + 64];
    snprintf(flag, sizeof flag, "--data-dir=/");
    size_t l = strlen(flag);
    memset(flag + l, 'd', CFG_PATH_MAX);
    flag[l + CFG_PATH_MAX] = '\0';
    const char *const flags[] = {flag, NULL};
    expect_fail(flags, "P2S_DATA_DIR", NULL);

    /* A data dir that fits but leaves no room for the derived file names. */
    char near[CFG_PATH_MAX + 64];
    snprintf(near, sizeof near, "--data-dir=/");
    l = strlen(near);
    memset(near + l, 'd', CFG_PATH_MAX - 8);
    near[l + CFG_PATH_MAX - 8] = '\0';
    const char *const nflags[] = {near, NULL};
    expect_fail(nflags, "P2S_DATA_DIR", NULL);
}

static void test_split_hostport(void **state)
{
    (void)state;
    char host[64];
    int port = -7;
    assert_int_equal(config_split_hostport("127.0.0.1:8080", host, sizeof host, &port), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 8080);

    assert_int_equal(config_split_hostport("[::1]:80", host, sizeof host, &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 80);

    assert_int_equal(config_split_hostport("[fe80::1%eth0]:443", host, sizeof host, &port), 0);
    assert_string_equal(host, "fe80::1%eth0");
    assert_int_equal(port, 443);

    assert_int_equal(config_split_hostport("localhost:0", host, sizeof host, &port), 0);
    assert_string_equal(host, "localhost");
    assert_int_equal(port, 0);

    assert_int_equal(config_split_hostport("my-host.example:65535", host, sizeof host, &port), 0);
    assert_string_equal(host, "my-host.example");
    assert_int_equal(port, 65535);

    const char *const bad[] = {"127.0.0.1:65536",
                               "127.0.0.1:-1",
                               "127.0.0.1:",
                               "127.0.0.1:abc",
                               "127.0.0.1:80a",
                               "127.0.0.1: 80",
                               "127.0.0.1",
                               ":80",
                               "",
                               "[::1]",
                               "[::1]:",
                               "[]:80",
                               "[::1:80",
                               "::1:80",
                               "host name:80",
                               "127.0.0.1:99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        port = -7;
        if (config_split_hostport(bad[i], host, sizeof host, &port) != -1)
            fail_msg("config_split_hostport accepted '%s'", bad[i]);
    }

    /* A host too long for the buffer is refused, not truncated. */
    char small[4];
    assert_int_equal(config_split_hostport("abcd:80", small, sizeof small, &port), -1);
    assert_int_equal(config_split_hostport("abc:80", small, sizeof small, &port), 0);
    assert_string_equal(small, "abc");
}

static void test_public_url_trailing_slash(void **state)
{
    (void)state;
    config cfg;
    char err[512];
    const char *const one[] = {"--public-url=https://p2s.example.com/", NULL};
    assert_int_equal(load(&cfg, err, sizeof err, one), 0);
    assert_string_equal(cfg.public_url, "https://p2s.example.com");
    assert_int_equal(cfg.public_url_derived, 0);

    setenv("P2S_PUBLIC_URL", "https://p2s.example.com/social///", 1);
    assert_int_equal(load(&cfg, err, sizeof err, NULL), 0);
    assert_string_equal(cfg.public_url, "https://p2s.example.com/social");
}

static void test_help_and_markdown_name_every_setting(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    config_print_help(f);
    config_print_markdown(f);
    fclose(f);
    size_t n = 0;
    const cfg_def *t = config_table(&n);
    for (size_t i = 0; i < n; i++) {
        if (strstr(buf, t[i].env) == NULL)
            fail_msg("%s missing from --help / markdown", t[i].env);
    }
    free(buf);
}

/* Read a whole file into a malloc'd NUL-terminated string, or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got + 1 > cap) {
            cap = (len + got + 1) * 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, got);
        len += got;
    }
    fclose(f);
    if (buf == NULL)
        buf = calloc(1, 1);
    else
        buf[len] = '\0';
    return buf;
}

/* 1 if some Markdown table row of text (a line starting with '|') contains needle. */
static int table_row_has(const char *text, const char *needle)
{
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t l = end != NULL ? (size_t)(end - line) : strlen(line);
        if (line[0] == '|') {
            const char *hit = strstr(line, needle);
            if (hit != NULL && hit < line + l) {
                size_t nl = strlen(needle);
                char after = hit[nl];
                /* Whole variable name: P2S_DB_POOL must not count as P2S_DB. */
                if (!((after >= 'A' && after <= 'Z') || after == '_' ||
                      (after >= '0' && after <= '9')))
                    return 1;
            }
        }
        if (end == NULL)
            break;
        line = end + 1;
    }
    return 0;
}

static void test_readme_lists_every_variable(void **state)
{
    (void)state;
    char *readme = slurp("README.md");
    if (readme == NULL) {
        skip();
        return;
    }
    size_t n = 0;
    const cfg_def *t = config_table(&n);
    int missing = 0;
    for (size_t i = 0; i < n; i++) {
        if (!table_row_has(readme, t[i].env)) {
            print_error("README.md's configuration table lacks %s\n", t[i].env);
            missing++;
        }
    }
    free(readme);
    assert_int_equal(missing, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, env_setup, env_teardown)
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_table_is_consistent),
        T(test_env_overrides),
        T(test_env_explicit_values_not_derived),
        T(test_flag_overrides_env),
        T(test_flags_for_every_flag_setting),
        T(test_bad_int),
        T(test_bad_hostport),
        T(test_ipv6_listen_derives_public_url),
        T(test_bad_log_level),
        T(test_bad_urls),
        T(test_unknown_flag),
        T(test_missing_flag_value),
        T(test_secret_key_not_a_flag),
        T(test_overlong_value),
        T(test_split_hostport),
        T(test_public_url_trailing_slash),
        T(test_help_and_markdown_name_every_setting),
        T(test_readme_lists_every_variable),
    };
#undef T
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
