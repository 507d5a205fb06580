/* test_media_storage.c - the local media store (src/media/storage.h, local.c): keys, moves
 * and copies, atomic placement, private modes, ranged reads, deletes. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "media/storage.h"
#include "media/store_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fx {
    char root[256];    /* scratch directory */
    char media[300];   /* the store's directory (root/media/store) */
    char staging[300]; /* where staged uploads are written (root/staging) */
    media_store *s;
    int seq;
} fx;

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)((i * 131u + (i >> 10)) & 0xffu);
}

static void rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat st;
            if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
                rm_tree(sub);
            else
                unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Count files under path whose name starts with prefix (recursively). */
static int count_named(const char *path, const char *prefix)
{
    int n = 0;
    DIR *d = opendir(path);
    if (d == NULL)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            n += count_named(sub, prefix);
    }
    closedir(d);
    return n;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "/tmp/p2s-media-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->media, sizeof f->media, "%s/media/store", f->root);
    snprintf(f->staging, sizeof f->staging, "%s/staging", f->root);
    assert_int_equal(mkdir(f->staging, 0700), 0);
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.media_store, sizeof cfg.media_store, "local");
    snprintf(cfg.media_dir, sizeof cfg.media_dir, "%s", f->media);
    char err[256];
    assert_int_equal(media_store_open(&cfg, &f->s, err, sizeof err), APP_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    media_store_close(f->s);
    rm_tree(f->root);
    free(f);
    return 0;
}

/* Write a staged file of n pattern bytes in dir; its path goes to out. */
static void stage_in(fx *f, const char *dir, uint64_t n, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/up-%d-%d", dir, (int)getpid(), f->seq++);
    FILE *fp = fopen(out, "wb");
    assert_non_null(fp);
    for (uint64_t i = 0; i < n; i++)
        fputc(pattern(i), fp);
    assert_int_equal(fclose(fp), 0);
    chmod(out, 0644);
}

static void stage(fx *f, uint64_t n, char *out, size_t outlen)
{
    stage_in(f, f->staging, n, out, outlen);
}

/* Read the whole of a reader with chunks of at most chunk bytes. */
static size_t read_all(media_reader *r, uint8_t *buf, size_t cap, size_t chunk)
{
    size_t got = 0;
    for (;;) {
        size_t want = cap - got < chunk ? cap - got : chunk;
        if (want == 0) {
            uint8_t extra;
            assert_int_equal(media_reader_read(r, &extra, 1), 0);
            break;
        }
        ssize_t n = media_reader_read(r, buf + got, want);
        assert_true(n >= 0);
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return got;
}

static void expect_range(media_store *s, const char *key, uint64_t off, uint64_t len,
                         uint64_t expect_n)
{
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(s, key, off, len, &r), APP_OK);
    uint8_t *buf = malloc(expect_n + 16);
    assert_non_null(buf);
    size_t got = read_all(r, buf, expect_n + 16, 777);
    assert_int_equal(got, expect_n);
    for (size_t i = 0; i < got; i++)
        if (buf[i] != pattern(off + i))
            fail_msg("byte %zu of range %llu+%llu differs", i, (unsigned long long)off,
                     (unsigned long long)len);
    free(buf);
    media_reader_close(r);
}

static void test_kind_and_dir_modes(void **state)
{
    fx *f = *state;
    assert_string_equal(media_store_kind(f->s), "local");
    struct stat st;
    assert_int_equal(stat(f->media, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
    char parent[400];
    snprintf(parent, sizeof parent, "%s/media", f->root);
    assert_int_equal(stat(parent, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
}

static void test_put_moves_and_reads_back(void **state)
{
    fx *f = *state;
    char src[512];
    stage(f, 100000, src, sizeof src);
    assert_int_equal(
        media_store_put_file(f->s, "ws/ab/cd/obj-1.bin", src, "image/png", NULL, 100000), APP_OK);
    assert_int_equal(access(src, F_OK), -1); /* moved away */
    char path[700];
    struct stat st;
    snprintf(path, sizeof path, "%s/ws/ab/cd/obj-1.bin", f->media);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 100000);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/ws", f->media);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(path, sizeof path, "%s/ws/ab/cd", f->media);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    expect_range(f->s, "ws/ab/cd/obj-1.bin", 0, 0, 100000);
    assert_int_equal(count_named(f->media, ".tmp"), 0);
}

static void test_ranges(void **state)
{
    fx *f = *state;
    char src[512];
    stage(f, 5000, src, sizeof src);
    assert_int_equal(media_store_put_file(f->s, "r/x.bin", src, "video/mp4", NULL, 5000), APP_OK);
    expect_range(f->s, "r/x.bin", 0, 1, 1);
    expect_range(f->s, "r/x.bin", 1000, 1234, 1234);
    expect_range(f->s, "r/x.bin", 4990, 0, 10);         /* to the end */
    expect_range(f->s, "r/x.bin", 4990, 100, 10);       /* past the end stops there */
    expect_range(f->s, "r/x.bin", 4999, UINT64_MAX, 1); /* no overflow */
    expect_range(f->s, "r/x.bin", 0, 5000, 5000);
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(f->s, "r/x.bin", 5000, 0, &r), APP_EINVAL);
    assert_null(r);
    assert_int_equal(media_store_open_read(f->s, "r/x.bin", 9000, 10, &r), APP_EINVAL);

    /* Two readers of one object are independent. */
    media_reader *a = NULL, *b = NULL;
    assert_int_equal(media_store_open_read(f->s, "r/x.bin", 10, 0, &a), APP_OK);
    assert_int_equal(media_store_open_read(f->s, "r/x.bin", 20, 0, &b), APP_OK);
    uint8_t ca, cb;
    assert_int_equal(media_reader_read(a, &ca, 1), 1);
    assert_int_equal(media_reader_read(b, &cb, 1), 1);
    assert_int_equal(ca, pattern(10));
    assert_int_equal(cb, pattern(20));
    assert_int_equal(media_reader_read(a, &ca, 1), 1);
    assert_int_equal(ca, pattern(11));
    media_reader_close(a);
    media_reader_close(b);
}

static void test_empty_object(void **state)
{
    fx *f = *state;
    char src[512];
    stage(f, 0, src, sizeof src);
    assert_int_equal(media_store_put_file(f->s, "empty", src, NULL, NULL, 0), APP_OK);
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(f->s, "empty", 0, 0, &r), APP_OK);
    uint8_t c;
    assert_int_equal(media_reader_read(r, &c, 1), 0);
    media_reader_close(r);
}

static void test_overwrite(void **state)
{
    fx *f = *state;
    char a[512], b[512];
    stage(f, 300, a, sizeof a);
    stage(f, 700, b, sizeof b);
    assert_int_equal(media_store_put_file(f->s, "o/k", a, NULL, NULL, 300), APP_OK);
    assert_int_equal(media_store_put_file(f->s, "o/k", b, NULL, NULL, 700), APP_OK);
    expect_range(f->s, "o/k", 0, 0, 700);
}

static void test_missing(void **state)
{
    fx *f = *state;
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(f->s, "nope", 0, 0, &r), APP_ENOTFOUND);
    assert_int_equal(media_store_open_read(f->s, "no/such/dir/x", 0, 0, &r), APP_ENOTFOUND);
    assert_null(r);
    char src[512];
    stage(f, 10, src, sizeof src);
    assert_int_equal(media_store_put_file(f->s, "d/file", src, NULL, NULL, 10), APP_OK);
    /* A directory, or a path through a file, is not an object. */
    assert_int_equal(media_store_open_read(f->s, "d", 0, 0, &r), APP_ENOTFOUND);
    assert_int_equal(media_store_open_read(f->s, "d/file/x", 0, 0, &r), APP_ENOTFOUND);
    /* A staged file that is not there. */
    char gone[600];
    snprintf(gone, sizeof gone, "%s/never-written", f->staging);
    assert_int_equal(media_store_put_file(f->s, "g", gone, NULL, NULL, 0), APP_ENOTFOUND);
}

static void test_delete(void **state)
{
    fx *f = *state;
    char src[512];
    stage(f, 42, src, sizeof src);
    assert_int_equal(media_store_put_file(f->s, "del/me.jpg", src, "image/jpeg", NULL, 42), APP_OK);
    assert_int_equal(media_store_delete(f->s, "del/me.jpg"), APP_OK);
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(f->s, "del/me.jpg", 0, 0, &r), APP_ENOTFOUND);
    assert_int_equal(media_store_delete(f->s, "del/me.jpg"), APP_OK);          /* again */
    assert_int_equal(media_store_delete(f->s, "never/was/there.png"), APP_OK); /* no dirs */
    assert_int_equal(media_store_delete(f->s, "del/me.jpg/x"), APP_OK);
}

static void test_bad_keys(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {
        "",        "/abs",
        "a/../b",  "..",
        "a/..",    "../a",
        "a//b",    "a/",
        ".hidden", "a/.x",
        ".",       "a/./b",
        "a b",     "a\\b",
        "a%2fb",   "caf\xc3\xa9",
        "a\nb",    "a?b",
        "a:b",     "x..y",
        ".tmp-1",  "a/.tmp-0123456789abcdef",
    };
    char src[512];
    stage(f, 5, src, sizeof src);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        media_reader *r = NULL;
        if (media_store_put_file(f->s, bad[i], src, NULL, NULL, 5) != APP_EINVAL)
            fail_msg("put accepted key '%s'", bad[i]);
        if (media_store_open_read(f->s, bad[i], 0, 0, &r) != APP_EINVAL)
            fail_msg("open_read accepted key '%s'", bad[i]);
        if (media_store_delete(f->s, bad[i]) != APP_EINVAL)
            fail_msg("delete accepted key '%s'", bad[i]);
        assert_false(media_key_valid(bad[i]));
    }
    assert_int_equal(media_store_put_file(f->s, NULL, src, NULL, NULL, 5), APP_EINVAL);
    char longkey[MEDIA_KEY_MAX + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_false(media_key_valid(longkey));
    longkey[MEDIA_KEY_MAX] = '\0';
    assert_true(media_key_valid(longkey));
    assert_true(media_key_valid("ws_1/2025-01/AbC.d-e_f.mp4"));
    assert_true(media_key_valid("a.b.c"));
    assert_int_equal(access(src, F_OK), 0); /* nothing was moved */
    assert_int_equal(count_named(f->media, ""), 0);
}

static void test_size_mismatch_leaves_all(void **state)
{
    fx *f = *state;
    char src[512];
    stage(f, 100, src, sizeof src);
    assert_int_equal(media_store_put_file(f->s, "m/x", src, NULL, NULL, 99), APP_EINVAL);
    assert_int_equal(access(src, F_OK), 0);
    media_reader *r = NULL;
    assert_int_equal(media_store_open_read(f->s, "m/x", 0, 0, &r), APP_ENOTFOUND);
    assert_int_equal(count_named(f->media, ".tmp"), 0);
}

static void test_copy_path(void **state)
{
    fx *f = *state;
    media_local_force_copy(f->s, 1);
    char src[512];
    stage(f, 300000, src, sizeof src);
    assert_int_equal(media_store_put_file(f->s, "c/copied.bin", src, NULL, NULL, 300000), APP_OK);
    assert_int_equal(access(src, F_OK), -1); /* the copy's source is removed */
    expect_range(f->s, "c/copied.bin", 0, 0, 300000);
    char path[700];
    struct stat st;
    snprintf(path, sizeof path, "%s/c/copied.bin", f->media);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(count_named(f->media, ".tmp"), 0);

    /* A copy that cannot be put in place (a directory holds the name) leaves no temp file
     * and keeps the staged file. */
    stage(f, 10, src, sizeof src);
    snprintf(path, sizeof path, "%s/c/taken", f->media);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/c/taken/inside", f->media);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(media_store_put_file(f->s, "c/taken", src, NULL, NULL, 10), APP_EIO);
    assert_int_equal(access(src, F_OK), 0);
    assert_int_equal(count_named(f->media, ".tmp"), 0);
    media_local_force_copy(f->s, 0);
    /* The same with a rename. */
    assert_int_equal(media_store_put_file(f->s, "c/taken", src, NULL, NULL, 10), APP_EIO);
    assert_int_equal(access(src, F_OK), 0);
}

/* A staged file on another filesystem (tmpfs /dev/shm) takes the real EXDEV path. */
static void test_cross_device(void **state)
{
    fx *f = *state;
    struct stat a, b;
    char shm[64];
    snprintf(shm, sizeof shm, "/dev/shm/p2s-media-XXXXXX");
    if (stat(f->root, &a) != 0 || stat("/dev/shm", &b) != 0 || a.st_dev == b.st_dev ||
        mkdtemp(shm) == NULL) {
        skip();
        return;
    }
    char src[512];
    stage_in(f, shm, 70000, src, sizeof src);
    assert_int_equal(media_store_put_file(f->s, "x/dev.bin", src, NULL, NULL, 70000), APP_OK);
    assert_int_equal(access(src, F_OK), -1);
    expect_range(f->s, "x/dev.bin", 12345, 20000, 20000);
    assert_int_equal(count_named(f->media, ".tmp"), 0);
    rm_tree(shm);
}

/* Links placed inside the store are not followed, for reads or writes. */
static void test_no_symlinks(void **state)
{
    fx *f = *state;
    char outside[400], link[700], src[512];
    snprintf(outside, sizeof outside, "%s/outside", f->root);
    assert_int_equal(mkdir(outside, 0700), 0);
    char secret[500];
    snprintf(secret, sizeof secret, "%s/secret", outside);
    FILE *fp = fopen(secret, "w");
    assert_non_null(fp);
    fputs("secret", fp);
    fclose(fp);
    snprintf(link, sizeof link, "%s/ln", f->media);
    assert_int_equal(symlink(outside, link), 0);
    media_reader *r = NULL;
    assert_int_not_equal(media_store_open_read(f->s, "ln/secret", 0, 0, &r), APP_OK);
    stage(f, 3, src, sizeof src);
    assert_int_not_equal(media_store_put_file(f->s, "ln/planted", src, NULL, NULL, 3), APP_OK);
    char planted[500];
    snprintf(planted, sizeof planted, "%s/planted", outside);
    assert_int_equal(access(planted, F_OK), -1);
    /* A link as the object itself. */
    snprintf(link, sizeof link, "%s/filelink", f->media);
    assert_int_equal(symlink(secret, link), 0);
    assert_int_not_equal(media_store_open_read(f->s, "filelink", 0, 0, &r), APP_OK);
    assert_null(r);
}

static void test_open_errors(void **state)
{
    fx *f = *state;
    config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.media_store, sizeof cfg.media_store, "local");
    char file[400];
    snprintf(file, sizeof file, "%s/plainfile", f->root);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(cfg.media_dir, sizeof cfg.media_dir, "%s/sub", file);
    char err[512] = "";
    media_store *s = NULL;
    assert_int_not_equal(media_store_open(&cfg, &s, err, sizeof err), APP_OK);
    assert_null(s);
    assert_non_null(strstr(err, "P2S_MEDIA_DIR"));
    snprintf(cfg.media_store, sizeof cfg.media_store, "ftp");
    assert_int_equal(media_store_open(&cfg, &s, err, sizeof err), APP_EINVAL);
    assert_non_null(strstr(err, "P2S_MEDIA_STORE"));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kind_and_dir_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_put_moves_and_reads_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overwrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_mismatch_leaves_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cross_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_symlinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
