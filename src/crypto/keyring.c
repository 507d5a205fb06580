/* keyring.c - versioned master keys from the environment or the key file. */
#define _GNU_SOURCE
#include "crypto/keyring.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct keyring {
    pthread_mutex_t mu;       /* guards everything below */
    char path[CFG_PATH_MAX];  /* key file, "" when keys come from the environment */
    int n;                    /* keys held */
    int version[KEYRING_MAX]; /* their versions, newest first */
    unsigned char *keys;      /* n * KEY_BYTES in guarded memory */
};

/* Parse "HEX" into key; 0 or -1. */
static int hex_key(const char *s, size_t len, unsigned char *key)
{
    size_t got = 0;
    if (len != KEY_BYTES * 2)
        return -1;
    if (sodium_hex2bin(key, KEY_BYTES, s, len, NULL, &got, NULL) != 0 || got != KEY_BYTES)
        return -1;
    return 0;
}

/*
 * Parse key text: "HEX" or lines/comma-separated items "VERSION HEX" or
 * "VERSION:HEX", newest first.  Fills versions and keys (KEYRING_MAX max).
 * Returns the count, or -1.
 */
static int parse(const char *text, int *versions, unsigned char *keys)
{
    int n = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\n' || *p == '\r' || *p == ',' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        size_t item = strcspn(p, ",\n");
        size_t end = item;
        while (end > 0 && (p[end - 1] == ' ' || p[end - 1] == '\r' || p[end - 1] == '\t'))
            end--;
        const char *sep = NULL;
        for (size_t i = 0; i < end; i++)
            if (p[i] == ' ' || p[i] == ':')
                sep = p + i;
        int ver = 1;
        const char *hex = p;
        size_t hexlen = end;
        if (sep != NULL) {
            char num[12];
            size_t nl = (size_t)(sep - p);
            if (nl == 0 || nl >= sizeof num)
                return -1;
            memcpy(num, p, nl);
            num[nl] = '\0';
            char *e = NULL;
            long v = strtol(num[0] == 'v' ? num + 1 : num, &e, 10);
            if (*e != '\0' || v < 1 || v > 1000000)
                return -1;
            ver = (int)v;
            hex = sep + 1;
            hexlen = end - (size_t)(hex - p);
        }
        if (n >= KEYRING_MAX || hex_key(hex, hexlen, keys + (size_t)n * KEY_BYTES) != 0)
            return -1;
        for (int i = 0; i < n; i++)
            if (versions[i] == ver)
                return -1;
        versions[n++] = ver;
        p += item;
    }
    return n > 0 ? n : -1;
}

/* Read the whole key file into buf; 0 or -1 with err. */
static int read_file(const char *path, char *buf, size_t cap, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf(err, errlen, "P2S_SECRET_KEY_FILE: cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "P2S_SECRET_KEY_FILE: '%s' is not a regular file", path);
        return -1;
    }
    if ((st.st_mode & 077) != 0) {
        close(fd);
        snprintf(err, errlen,
                 "P2S_SECRET_KEY_FILE: '%s' can be read by other users; run chmod 600 on it", path);
        return -1;
    }
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n <= 0) {
        snprintf(err, errlen, "P2S_SECRET_KEY_FILE: '%s' is empty", path);
        return -1;
    }
    buf[n] = '\0';
    return 0;
}

/* Write versions/keys to path atomically (temp file, fsync, rename). */
static int write_file(const char *path, const int *versions, const unsigned char *keys, int n,
                      char *err, size_t errlen)
{
    char tmp[CFG_PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    unlink(tmp); /* a leftover from a crash; never write through a planted link */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "P2S_SECRET_KEY_FILE: cannot write '%s': %s", tmp, strerror(errno));
        return -1;
    }
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        char line[16 + KEY_BYTES * 2 + 2];
        int pre = snprintf(line, sizeof line, "%d ", versions[i]);
        sodium_bin2hex(line + pre, sizeof line - (size_t)pre, keys + (size_t)i * KEY_BYTES,
                       KEY_BYTES);
        size_t ll = strlen(line);
        line[ll++] = '\n';
        ok = write(fd, line, ll) == (ssize_t)ll;
        sodium_memzero(line, sizeof line);
    }
    ok = ok && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        snprintf(err, errlen, "P2S_SECRET_KEY_FILE: cannot write '%s'", path);
        return -1;
    }
    /* Make the rename itself durable before anything is sealed under the new key. */
    char dir[CFG_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    int dfd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* Replace k's keys with parsed ones (under k->mu). */
static void install(keyring *k, const int *versions, const unsigned char *keys, int n)
{
    sodium_mprotect_readwrite(k->keys);
    memcpy(k->keys, keys, (size_t)n * KEY_BYTES);
    sodium_mprotect_readonly(k->keys);
    memcpy(k->version, versions, sizeof(int) * (size_t)n);
    k->n = n;
}

app_err keyring_load(const config *cfg, keyring **out, int *created, char *err, size_t errlen)
{
    *out = NULL;
    *created = 0;
    keyring *k = calloc(1, sizeof *k);
    if (k == NULL)
        return APP_ENOMEM;
    pthread_mutex_init(&k->mu, NULL);
    k->keys = sodium_malloc((size_t)KEYRING_MAX * KEY_BYTES);
    unsigned char *tmp = sodium_malloc((size_t)KEYRING_MAX * KEY_BYTES);
    char *text = sodium_malloc(8192);
    int versions[KEYRING_MAX];
    app_err e = APP_OK;
    if (k->keys == NULL || tmp == NULL || text == NULL) {
        e = APP_ENOMEM;
        goto out;
    }
    int n = -1;
    if (cfg->secret_key[0] != '\0') {
        n = parse(cfg->secret_key, versions, tmp);
        if (n < 0) {
            snprintf(err, errlen,
                     "P2S_SECRET_KEY: must be 64 hex characters (a 32-byte key, e.g. from "
                     "'openssl rand -hex 32'), or VERSION:HEX items separated by commas");
            e = APP_EINVAL;
            goto out;
        }
    } else {
        snprintf(k->path, sizeof k->path, "%s", cfg->secret_key_file);
        if (access(k->path, F_OK) != 0) {
            versions[0] = 1;
            randombytes_buf(tmp, KEY_BYTES);
            if (write_file(k->path, versions, tmp, 1, err, errlen) != 0) {
                e = APP_EIO;
                goto out;
            }
            *created = 1;
            n = 1;
        } else {
            if (read_file(k->path, text, 8192, err, errlen) != 0) {
                e = APP_EINVAL;
                goto out;
            }
            n = parse(text, versions, tmp);
            if (n < 0) {
                snprintf(err, errlen,
                         "P2S_SECRET_KEY_FILE: '%s' must hold 64 hex characters, or lines of "
                         "VERSION HEX",
                         k->path);
                e = APP_EINVAL;
                goto out;
            }
        }
    }
    install(k, versions, tmp, n);
out:
    sodium_free(tmp);
    sodium_free(text);
    if (e != APP_OK) {
        keyring_free(k);
        return e;
    }
    *out = k;
    return APP_OK;
}

void keyring_free(keyring *k)
{
    if (k == NULL)
        return;
    sodium_free(k->keys);
    pthread_mutex_destroy(&k->mu);
    free(k);
}

int keyring_current(keyring *k, unsigned char *key)
{
    pthread_mutex_lock(&k->mu);
    memcpy(key, k->keys, KEY_BYTES);
    int v = k->version[0];
    pthread_mutex_unlock(&k->mu);
    return v;
}

/* Copy version's key under the lock; 0 or -1. */
static int find(keyring *k, int version, unsigned char *key)
{
    int rc = -1;
    pthread_mutex_lock(&k->mu);
    for (int i = 0; i < k->n; i++) {
        if (k->version[i] == version) {
            memcpy(key, k->keys + (size_t)i * KEY_BYTES, KEY_BYTES);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&k->mu);
    return rc;
}

int keyring_get(keyring *k, int version, unsigned char *key)
{
    if (find(k, version, key) == 0)
        return 0;
    keyring_reload(k);
    return find(k, version, key);
}

int keyring_reload(keyring *k)
{
    if (k->path[0] == '\0')
        return 0;
    char err[256];
    char *text = sodium_malloc(8192);
    unsigned char *tmp = sodium_malloc((size_t)KEYRING_MAX * KEY_BYTES);
    int versions[KEYRING_MAX];
    int rc = -1;
    if (text != NULL && tmp != NULL && read_file(k->path, text, 8192, err, sizeof err) == 0) {
        int n = parse(text, versions, tmp);
        if (n > 0) {
            pthread_mutex_lock(&k->mu);
            install(k, versions, tmp, n);
            pthread_mutex_unlock(&k->mu);
            rc = 0;
        }
    }
    sodium_free(text);
    sodium_free(tmp);
    return rc;
}

app_err keyring_rotate(keyring *k, int *version, char *err, size_t errlen)
{
    if (k->path[0] == '\0') {
        snprintf(err, errlen,
                 "keys come from P2S_SECRET_KEY: list a new VERSION:HEX item first there "
                 "(e.g. 2:NEWHEX,1:OLDHEX)");
        return APP_EINVAL;
    }
    keyring_reload(k);
    pthread_mutex_lock(&k->mu);
    app_err e = APP_OK;
    if (k->n >= KEYRING_MAX) {
        snprintf(err, errlen, "the key file holds %d keys already; prune old ones first",
                 KEYRING_MAX);
        e = APP_EINVAL;
    } else {
        unsigned char *tmp = sodium_malloc((size_t)KEYRING_MAX * KEY_BYTES);
        int versions[KEYRING_MAX];
        int top = 0;
        for (int i = 0; i < k->n; i++)
            if (k->version[i] > top)
                top = k->version[i];
        versions[0] = top + 1;
        randombytes_buf(tmp, KEY_BYTES);
        memcpy(tmp + KEY_BYTES, k->keys, (size_t)k->n * KEY_BYTES);
        memcpy(versions + 1, k->version, sizeof(int) * (size_t)k->n);
        if (write_file(k->path, versions, tmp, k->n + 1, err, errlen) != 0) {
            e = APP_EIO;
        } else {
            install(k, versions, tmp, k->n + 1);
            *version = versions[0];
        }
        sodium_free(tmp);
    }
    pthread_mutex_unlock(&k->mu);
    return e;
}

int keyring_from_env(const keyring *k)
{
    return k->path[0] == '\0';
}

int keyring_versions(keyring *k, int *versions, int max)
{
    pthread_mutex_lock(&k->mu);
    int n = k->n < max ? k->n : max;
    memcpy(versions, k->version, sizeof(int) * (size_t)n);
    pthread_mutex_unlock(&k->mu);
    return n;
}

app_err keyring_prune(keyring *k, const int *keep, int nkeep, char *err, size_t errlen)
{
    if (k->path[0] == '\0')
        return APP_OK;
    pthread_mutex_lock(&k->mu);
    unsigned char *tmp = sodium_malloc((size_t)KEYRING_MAX * KEY_BYTES);
    int versions[KEYRING_MAX];
    int n = 0;
    for (int i = 0; i < k->n; i++) {
        int kept = i == 0; /* the current key always stays */
        for (int j = 0; j < nkeep; j++)
            kept |= keep[j] == k->version[i];
        if (kept) {
            versions[n] = k->version[i];
            memcpy(tmp + (size_t)n * KEY_BYTES, k->keys + (size_t)i * KEY_BYTES, KEY_BYTES);
            n++;
        }
    }
    app_err e = APP_OK;
    if (write_file(k->path, versions, tmp, n, err, errlen) != 0)
        e = APP_EIO;
    else
        install(k, versions, tmp, n);
    sodium_free(tmp);
    pthread_mutex_unlock(&k->mu);
    return e;
}
