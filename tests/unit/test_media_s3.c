/* test_media_s3.c - the S3 media store (src/media/s3.c).
 *
 * Without a server: URL building (path-style and virtual-hosted), refused settings, and an
 * endpoint nobody listens on.  With P2S_TEST_S3_URL (and P2S_TEST_S3_ACCESS_KEY,
 * P2S_TEST_S3_SECRET_KEY, P2S_TEST_S3_REGION, P2S_TEST_S3_BUCKET) set - tests/sim/fake_s3.test.mjs
 * runs this binary against tests/lib/fake-s3.mjs - round trips through the real protocol;
 * those tests are skipped when it is unset.  P2S_TEST_S3_FIXTURES=1 says the server holds
 * the fault fixtures (fixtures/truncated.bin, fixtures/error500.bin, fixtures/norange.bin). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "media/storage.h"
#include "media/store_int.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024u * 1024u)

static char scratch[64]; /* staging directory for this run */
static int seq;

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)((i * 131u + (i >> 10)) & 0xffu);
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : dflt;
}

static int have_server(void)
{
    return getenv("P2S_TEST_S3_URL") != NULL && getenv("P2S_TEST_S3_URL")[0] != '\0';
}

static void s3_cfg(config *cfg, const char *endpoint, const char *bucket, int path_style)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->media_store, sizeof cfg->media_store, "s3");
    snprintf(cfg->s3_endpoint, sizeof cfg->s3_endpoint, "%s", endpoint);
    snprintf(cfg->s3_bucket, sizeof cfg->s3_bucket, "%s", bucket);
    snprintf(cfg->s3_region, sizeof cfg->s3_region, "%s",
             env_or("P2S_TEST_S3_REGION", "us-east-1"));
    snprintf(cfg->s3_access_key, sizeof cfg->s3_access_key, "%s",
             env_or("P2S_TEST_S3_ACCESS_KEY", "AKIAEXAMPLE"));
    snprintf(cfg->s3_secret_key, sizeof cfg->s3_secret_key, "%s",
             env_or("P2S_TEST_S3_SECRET_KEY", "example-secret"));
    cfg->s3_path_style = path_style;
}

static media_store *open_cfg(const config *cfg)
{
    media_store *s = NULL;
    char err[512] = "";
    if (media_store_open(cfg, &s, err, sizeof err) != APP_OK)
        fail_msg("media_store_open: %s", err);
    return s;
}

/* The store for the test server (path-style unless told). */
static media_store *open_server(int path_style)
{
    config cfg;
    char url[256];
    snprintf(url, sizeof url, "%s", getenv("P2S_TEST_S3_URL"));
    if (!path_style) {
        /* Subdomains of localhost reach the loopback; an IP address has none. */
        char *ip = strstr(url, "127.0.0.1");
        if (ip != NULL) {
            char rest[256];
            snprintf(rest, sizeof rest, "%s", ip + strlen("127.0.0.1"));
            snprintf(ip, sizeof url - (size_t)(ip - url), "localhost%s", rest);
        }
    }
    s3_cfg(&cfg, url, env_or("P2S_TEST_S3_BUCKET", "p2s-test"), path_style);
    return open_cfg(&cfg);
}

/* A staged file of n pattern bytes starting at pattern position from; path to out. */
static void stage(uint64_t n, uint64_t from, char *out, size_t outlen, char sha[65])
{
    snprintf(out, outlen, "%s/staged-%d", scratch, seq++);
    FILE *fp = fopen(out, "wb");
    assert_non_null(fp);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    uint8_t buf[4096];
    for (uint64_t i = 0; i < n;) {
        size_t k = 0;
        while (k < sizeof buf && i < n)
            buf[k++] = pattern(from + i++);
        assert_int_equal(fwrite(buf, 1, k, fp), k);
        crypto_hash_sha256_update(&st, buf, k);
    }
    assert_int_equal(fclose(fp), 0);
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, d);
    if (sha != NULL)
        sodium_bin2hex(sha, 65, d, sizeof d);
}

/* Read a whole reader in chunks, checking it against the pattern from position from. */
static uint64_t read_check(media_reader *r, uint64_t from, size_t chunk)
{
    uint8_t *buf = malloc(chunk);
    assert_non_null(buf);
    uint64_t got = 0;
    for (;;) {
        ssize_t n = media_reader_read(r, buf, chunk);
        if (n < 0)
            fail_msg("read failed after %llu bytes", (unsigned long long)got);
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != pattern(from + got + (uint64_t)i))
                fail_msg("byte %llu differs", (unsigned long long)(got + (uint64_t)i));
        got += (uint64_t)n;
    }
    free(buf);
    return got;
}

static void expect_range(media_store *s, const char *key, uint64_t off, uint64_t len,
                         uint64_t expect_n)
{
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(s, key, off, len, &r), APP_OK);
    assert_int_equal(read_check(r, off, 1000), expect_n);
    media_reader_close(r);
}

static void expect_last_error(media_store *s, const char *needle)
{
    char e[256];
    media_s3_last_error(s, e, sizeof e);
    if (strstr(e, needle) == NULL)
        fail_msg("last error '%s' lacks '%s'", e, needle);
    const char *secret = env_or("P2S_TEST_S3_SECRET_KEY", "example-secret");
    if (strstr(e, secret) != NULL)
        fail_msg("last error holds the secret key");
}

/* ---- no server needed ---- */

static void expect_url(const char *endpoint, const char *bucket, int path_style, const char *key,
                       const char *want)
{
    config cfg;
    s3_cfg(&cfg, endpoint, bucket, path_style);
    snprintf(cfg.s3_region, sizeof cfg.s3_region, "us-east-1");
    media_store *s = open_cfg(&cfg);
    assert_string_equal(media_store_kind(s), "s3");
    char url[1024];
    assert_int_equal(media_s3_object_url(s, key, url, sizeof url), 0);
    assert_string_equal(url, want);
    char tiny[8];
    assert_int_equal(media_s3_object_url(s, key, tiny, sizeof tiny), -1);
    media_store_close(s);
}

static void test_url_building(void **state)
{
    (void)state;
    expect_url("https://s3.eu-west-1.amazonaws.com", "media-b", 1, "w1/a.jpg",
               "https://s3.eu-west-1.amazonaws.com/media-b/w1/a.jpg");
    expect_url("https://s3.eu-west-1.amazonaws.com/", "media-b", 1, "a",
               "https://s3.eu-west-1.amazonaws.com/media-b/a");
    expect_url("https://s3.eu-west-1.amazonaws.com", "media-b", 0, "w1/a.jpg",
               "https://media-b.s3.eu-west-1.amazonaws.com/w1/a.jpg");
    expect_url("http://minio.internal:9000/base/", "media.b", 0, "k/x.mp4",
               "http://media.b.minio.internal:9000/base/k/x.mp4");
    expect_url("http://minio.internal:9000/base", "Media_B", 1, "k",
               "http://minio.internal:9000/base/Media_B/k");
    expect_url("http://127.0.0.1:9000", "bkt", 1, "x", "http://127.0.0.1:9000/bkt/x");
    expect_url("http://localhost:9000", "bkt", 0, "x", "http://bkt.localhost:9000/x");
    /* No endpoint: AWS in the region. */
    expect_url("", "bkt", 0, "x", "https://bkt.s3.us-east-1.amazonaws.com/x");
    expect_url("", "bkt", 1, "x", "https://s3.us-east-1.amazonaws.com/bkt/x");
}

/* media_store_open must refuse cfg with a message holding needle and never the secret. */
static void expect_refused(const config *cfg, const char *needle)
{
    media_store *s = NULL;
    char err[512] = "";
    assert_int_not_equal(media_store_open(cfg, &s, err, sizeof err), APP_OK);
    assert_null(s);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle);
    if (cfg->s3_secret_key[0] != '\0' && strstr(err, cfg->s3_secret_key) != NULL)
        fail_msg("error '%s' holds the secret key", err);
}

static void test_refused_settings(void **state)
{
    (void)state;
    config cfg;
    s3_cfg(&cfg, "http://127.0.0.1:9000", "bkt", 0);
    snprintf(cfg.s3_secret_key, sizeof cfg.s3_secret_key, "SENTINEL-secret-value-42");
    expect_refused(&cfg, "P2S_S3_PATH_STYLE"); /* virtual-hosted on an IP */
    s3_cfg(&cfg, "http://[::1]:9000", "bkt", 0);
    expect_refused(&cfg, "P2S_S3_PATH_STYLE");
    s3_cfg(&cfg, "https://s3.example.com", "Upper_Case", 0);
    expect_refused(&cfg, "P2S_S3_BUCKET");
    s3_cfg(&cfg, "https://s3.example.com", "", 1);
    expect_refused(&cfg, "P2S_S3_BUCKET");
    s3_cfg(&cfg, "https://s3.example.com", "ab", 1);
    expect_refused(&cfg, "P2S_S3_BUCKET");
    s3_cfg(&cfg, "https://s3.example.com", "bad/bucket", 1);
    expect_refused(&cfg, "P2S_S3_BUCKET");
    s3_cfg(&cfg, "https://user:SENTINEL-secret-value-42@s3.example.com", "bkt", 1);
    snprintf(cfg.s3_secret_key, sizeof cfg.s3_secret_key, "SENTINEL-secret-value-42");
    expect_refused(&cfg, "P2S_S3_ENDPOINT");
    s3_cfg(&cfg, "https://s3.example.com?x=1", "bkt", 1);
    expect_refused(&cfg, "P2S_S3_ENDPOINT");
    s3_cfg(&cfg, "ftp://s3.example.com", "bkt", 1);
    expect_refused(&cfg, "P2S_S3_ENDPOINT");
    s3_cfg(&cfg, "https://s3.example.com", "bkt", 1);
    snprintf(cfg.s3_region, sizeof cfg.s3_region, "us:east");
    expect_refused(&cfg, "P2S_S3_REGION");
    s3_cfg(&cfg, "https://s3.example.com", "bkt", 1);
    cfg.s3_secret_key[0] = '\0';
    expect_refused(&cfg, "P2S_S3_SECRET_KEY");
    s3_cfg(&cfg, "https://s3.example.com", "bkt", 1);
    cfg.s3_access_key[0] = '\0';
    expect_refused(&cfg, "P2S_S3_ACCESS_KEY");
}

static void test_bad_arguments(void **state)
{
    (void)state;
    config cfg;
    s3_cfg(&cfg, "http://127.0.0.1:9", "bkt", 1);
    media_store *s = open_cfg(&cfg);
    char path[128], sha[65];
    stage(10, 0, path, sizeof path, sha);
    assert_int_equal(media_store_put_file(s, "../x", path, NULL, sha, 10), APP_EINVAL);
    assert_int_equal(media_store_put_file(s, "x", path, NULL, "abc", 10), APP_EINVAL);
    assert_int_equal(media_store_put_file(s, "x", path, "text/plain\r\nX-Evil: 1", sha, 10),
                     APP_EINVAL);
    assert_int_equal(media_store_put_file(s, "x", path, NULL, sha, 11), APP_EINVAL);
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(s, "/x", 0, 0, &r), APP_EINVAL);
    assert_int_equal(media_store_delete(s, "a//b"), APP_EINVAL);
    media_store_close(s);
    unlink(path);
}

/* Nobody listens on port 9 of the loopback: a transport failure, said without secrets. */
static void test_unreachable(void **state)
{
    (void)state;
    config cfg;
    s3_cfg(&cfg, "http://127.0.0.1:9", "bkt", 1);
    media_store *s = open_cfg(&cfg);
    char path[128], sha[65];
    stage(10, 0, path, sizeof path, sha);
    assert_int_equal(media_store_put_file(s, "u/x", path, "image/png", sha, 10), APP_EUPSTREAM);
    expect_last_error(s, "s3 PUT u/x");
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(s, "u/x", 0, 0, &r), APP_EUPSTREAM);
    assert_null(r);
    expect_last_error(s, "s3 GET u/x");
    assert_int_equal(media_store_delete(s, "u/x"), APP_EUPSTREAM);
    expect_last_error(s, "s3 DELETE u/x");
    media_store_close(s);
    unlink(path);
}

/* ---- against the server ---- */

#define NEED_SERVER()                                                                              \
    do {                                                                                           \
        if (!have_server()) {                                                                      \
            skip();                                                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void test_round_trip(void **state)
{
    (void)state;
    NEED_SERVER();
    media_store *s = open_server(1);
    char path[128], sha[65];
    uint64_t n = 3 * MIB + 7; /* large enough for Expect: 100-continue */
    stage(n, 0, path, sizeof path, sha);
    assert_int_equal(media_store_put_file(s, "rt/big.bin", path, "video/mp4", sha, n), APP_OK);
    assert_int_equal(access(path, F_OK), 0); /* S3 leaves the staged file to the caller */
    expect_range(s, "rt/big.bin", 0, 0, n);
    expect_range(s, "rt/big.bin", 0, 1, 1);
    expect_range(s, "rt/big.bin", 1000, 5000, 5000);
    expect_range(s, "rt/big.bin", n - 10, 0, 10);
    expect_range(s, "rt/big.bin", n - 10, 1000, 10);
    expect_range(s, "rt/big.bin", MIB, UINT64_MAX, n - MIB);
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(s, "rt/big.bin", n, 0, &r), APP_EINVAL);
    assert_int_equal(media_store_open_read(s, "rt/big.bin", n + 100, 5, &r), APP_EINVAL);
    assert_null(r);

    /* Big reads and one-byte reads. */
    assert_int_equal(media_store_open_read(s, "rt/big.bin", 0, 0, &r), APP_OK);
    assert_int_equal(read_check(r, 0, 256 * 1024), n);
    media_reader_close(r);
    assert_int_equal(media_store_open_read(s, "rt/big.bin", 77, 300, &r), APP_OK);
    assert_int_equal(read_check(r, 77, 1), 300);
    uint8_t c;
    assert_int_equal(media_reader_read(r, &c, 1), 0); /* stays at the end */
    media_reader_close(r);

    assert_int_equal(media_store_delete(s, "rt/big.bin"), APP_OK);
    assert_int_equal(media_store_open_read(s, "rt/big.bin", 0, 0, &r), APP_ENOTFOUND);
    assert_null(r);
    assert_int_equal(media_store_delete(s, "rt/big.bin"), APP_OK); /* missing is fine */
    assert_int_equal(media_store_open_read(s, "rt/never", 0, 0, &r), APP_ENOTFOUND);
    media_store_close(s);
    unlink(path);
}

static void test_empty_and_computed_hash(void **state)
{
    (void)state;
    NEED_SERVER();
    media_store *s = open_server(1);
    char path[128];
    stage(0, 0, path, sizeof path, NULL);
    assert_int_equal(media_store_put_file(s, "h/empty", path, NULL, NULL, 0), APP_OK);
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(s, "h/empty", 0, 0, &r), APP_OK);
    uint8_t c;
    assert_int_equal(media_reader_read(r, &c, 1), 0);
    media_reader_close(r);
    unlink(path);
    /* No hash given: the store computes it (the server checks it). */
    stage(200000, 5, path, sizeof path, NULL);
    assert_int_equal(media_store_put_file(s, "h/computed", path, "image/webp", NULL, 200000),
                     APP_OK);
    assert_int_equal(media_store_open_read(s, "h/computed", 0, 0, &r), APP_OK);
    assert_int_equal(read_check(r, 5, 4096), 200000);
    media_reader_close(r);
    media_store_close(s);
    unlink(path);
}

static void test_wrong_hash_refused(void **state)
{
    (void)state;
    NEED_SERVER();
    media_store *s = open_server(1);
    char path[128], other[128], sha_other[65];
    stage(1000, 0, path, sizeof path, NULL);
    stage(1000, 1, other, sizeof other, sha_other);
    assert_int_equal(media_store_put_file(s, "h/wrong", path, "image/png", sha_other, 1000),
                     APP_EUPSTREAM);
    expect_last_error(s, "XAmzContentSHA256Mismatch");
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(s, "h/wrong", 0, 0, &r), APP_ENOTFOUND);
    media_store_close(s);
    unlink(path);
    unlink(other);
}

static void test_wrong_secret_refused(void **state)
{
    (void)state;
    NEED_SERVER();
    config cfg;
    s3_cfg(&cfg, getenv("P2S_TEST_S3_URL"), env_or("P2S_TEST_S3_BUCKET", "p2s-test"), 1);
    snprintf(cfg.s3_secret_key, sizeof cfg.s3_secret_key, "WRONG-secret-for-the-test");
    media_store *s = open_cfg(&cfg);
    char path[128], sha[65];
    stage(2 * MIB, 0, path, sizeof path, sha);
    assert_int_equal(media_store_put_file(s, "bad/secret.bin", path, "image/png", sha, 2 * MIB),
                     APP_EUPSTREAM);
    char e[256];
    media_s3_last_error(s, e, sizeof e);
    assert_non_null(strstr(e, "HTTP 403 SignatureDoesNotMatch"));
    assert_null(strstr(e, "WRONG-secret"));
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(s, "bad/secret.bin", 0, 0, &r), APP_EUPSTREAM);
    media_s3_last_error(s, e, sizeof e);
    assert_non_null(strstr(e, "SignatureDoesNotMatch"));
    assert_null(strstr(e, "WRONG-secret"));
    assert_int_equal(media_store_delete(s, "bad/secret.bin"), APP_EUPSTREAM);
    media_store_close(s);
    unlink(path);
}

static void test_missing_bucket_is_not_missing_object(void **state)
{
    (void)state;
    NEED_SERVER();
    config cfg;
    s3_cfg(&cfg, getenv("P2S_TEST_S3_URL"), "no-such-bucket", 1);
    media_store *s = open_cfg(&cfg);
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(s, "a/b", 0, 0, &r), APP_EUPSTREAM);
    expect_last_error(s, "NoSuchBucket");
    assert_int_equal(media_store_delete(s, "a/b"), APP_EUPSTREAM);
    expect_last_error(s, "NoSuchBucket");
    media_store_close(s);
}

static void test_virtual_hosted(void **state)
{
    (void)state;
    NEED_SERVER();
    media_store *s = open_server(0);
    char url[512];
    assert_int_equal(media_s3_object_url(s, "vh/x.jpg", url, sizeof url), 0);
    assert_non_null(strstr(url, "://p2s-test.localhost:"));
    char path[128], sha[65];
    stage(70000, 3, path, sizeof path, sha);
    assert_int_equal(media_store_put_file(s, "vh/x.jpg", path, "image/jpeg", sha, 70000), APP_OK);
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(s, "vh/x.jpg", 100, 1000, &r), APP_OK);
    assert_int_equal(read_check(r, 103, 333), 1000);
    media_reader_close(r);
    assert_int_equal(media_store_delete(s, "vh/x.jpg"), APP_OK);
    assert_int_equal(media_store_open_read(s, "vh/x.jpg", 0, 0, &r), APP_ENOTFOUND);
    media_store_close(s);
    unlink(path);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Closing a reader before the end stops the transfer promptly. */
static void test_early_close(void **state)
{
    (void)state;
    NEED_SERVER();
    media_store *s = open_server(1);
    char path[128], sha[65];
    uint64_t n = 16 * MIB;
    stage(n, 0, path, sizeof path, sha);
    assert_int_equal(media_store_put_file(s, "ec/huge.bin", path, "video/mp4", sha, n), APP_OK);
    for (int round = 0; round < 3; round++) {
        media_reader *r = NULL;
        double t0 = now_s();
        assert_int_equal(media_store_open_read(s, "ec/huge.bin", 0, 0, &r), APP_OK);
        uint8_t buf[4096];
        if (round > 0) {
            ssize_t got = media_reader_read(r, buf, sizeof buf);
            assert_true(got > 0);
            assert_int_equal(buf[0], pattern(0));
        }
        if (round == 2)
            nanosleep(&(struct timespec){0, 200 * 1000 * 1000}, NULL); /* let it block */
        media_reader_close(r);
        double took = now_s() - t0;
        if (took > 5.0)
            fail_msg("closing a reader took %.1f s", took);
    }
    /* The store still works after abandoned transfers. */
    expect_range(s, "ec/huge.bin", n - 5000, 0, 5000);
    assert_int_equal(media_store_delete(s, "ec/huge.bin"), APP_OK);
    media_store_close(s);
    unlink(path);
}

typedef struct worker {
    media_store *s;
    int id;
    int ok;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    char key[64], path[128];
    snprintf(key, sizeof key, "par/obj-%d", w->id);
    snprintf(path, sizeof path, "%s/par-%d", scratch, w->id);
    uint64_t n = 300000 + (uint64_t)w->id * 1000;
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return NULL;
    for (uint64_t i = 0; i < n; i++)
        fputc(pattern(i + (uint64_t)w->id), fp);
    fclose(fp);
    if (media_store_put_file(w->s, key, path, "image/gif", NULL, n) != APP_OK)
        return NULL;
    media_reader *r = NULL;
    if (media_store_open_read(w->s, key, 0, 0, &r) != APP_OK)
        return NULL;
    uint8_t buf[8192];
    uint64_t got = 0;
    int same = 1;
    ssize_t k;
    while ((k = media_reader_read(r, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < k; i++)
            same &= buf[i] == pattern(got + (uint64_t)i + (uint64_t)w->id);
        got += (uint64_t)k;
    }
    media_reader_close(r);
    w->ok = k == 0 && same && got == n && media_store_delete(w->s, key) == APP_OK;
    unlink(path);
    return NULL;
}

static void test_concurrent(void **state)
{
    (void)state;
    NEED_SERVER();
    media_store *s = open_server(1);
    pthread_t t[6];
    worker w[6];
    for (int i = 0; i < 6; i++) {
        w[i] = (worker){.s = s, .id = i, .ok = 0};
        assert_int_equal(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 6; i++) {
        pthread_join(t[i], NULL);
        if (!w[i].ok)
            fail_msg("worker %d failed", i);
    }
    media_store_close(s);
}

/* Objects left for the node side to compare byte for byte. */
static void test_leave_objects(void **state)
{
    (void)state;
    NEED_SERVER();
    media_store *s = open_server(1);
    char path[128], sha[65];
    stage(3 * MIB + 7, 0, path, sizeof path, sha);
    assert_int_equal(
        media_store_put_file(s, "keep/pattern.bin", path, "video/quicktime", sha, 3 * MIB + 7),
        APP_OK);
    unlink(path);
    stage(1234, 9, path, sizeof path, sha);
    assert_int_equal(media_store_put_file(s, "keep/tiny.png", path, "image/png", sha, 1234),
                     APP_OK);
    unlink(path);
    media_store_close(s);
}

static void test_fixtures(void **state)
{
    (void)state;
    NEED_SERVER();
    if (getenv("P2S_TEST_S3_FIXTURES") == NULL) {
        skip();
        return;
    }
    media_store *s = open_server(1);
    media_reader *r = NULL;
    /* A stream cut off halfway is an error, not a short object. */
    assert_int_equal(media_store_open_read(s, "fixtures/truncated.bin", 0, 0, &r), APP_OK);
    uint8_t buf[4096];
    ssize_t k;
    uint64_t got = 0;
    while ((k = media_reader_read(r, buf, sizeof buf)) > 0)
        got += (uint64_t)k;
    assert_int_equal(k, -1);
    assert_true(got < 1 * MIB);
    assert_int_equal(media_reader_read(r, buf, sizeof buf), -1); /* stays failed */
    media_reader_close(r);
    /* A server error. */
    assert_int_equal(media_store_open_read(s, "fixtures/error500.bin", 0, 0, &r), APP_EUPSTREAM);
    expect_last_error(s, "HTTP 500 InternalError");
    /* A server that ignores Range: the store cuts the range out itself. */
    expect_range(s, "fixtures/norange.bin", 5000, 1000, 1000);
    expect_range(s, "fixtures/norange.bin", 99990, 0, 10);
    expect_range(s, "fixtures/norange.bin", 0, 0, 100000);
    media_store_close(s);
}

int main(void)
{
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    snprintf(scratch, sizeof scratch, "/tmp/p2s-s3-XXXXXX");
    if (mkdtemp(scratch) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_building),
        cmocka_unit_test(test_refused_settings),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_and_computed_hash),
        cmocka_unit_test(test_wrong_hash_refused),
        cmocka_unit_test(test_wrong_secret_refused),
        cmocka_unit_test(test_missing_bucket_is_not_missing_object),
        cmocka_unit_test(test_virtual_hosted),
        cmocka_unit_test(test_early_close),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_leave_objects),
        cmocka_unit_test(test_fixtures),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rmdir(scratch);
    curl_global_cleanup();
    return rc;
}
