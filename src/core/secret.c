/* secret.c - load or create the master key. */
#define _POSIX_C_SOURCE 200809L
#include "core/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Decode 64 hex characters (surrounding whitespace allowed) into key. */
static int decode_hex(const char *text, size_t len, unsigned char *key)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
        len--;
    size_t bin_len = 0;
    if (len != SECRET_KEY_BYTES * 2)
        return -1;
    if (sodium_hex2bin(key, SECRET_KEY_BYTES, text, len, NULL, &bin_len, NULL) != 0 ||
        bin_len != SECRET_KEY_BYTES)
        return -1;
    return 0;
}

/* Write a new random key file; 0 on success. */
static int create_file(const char *path, unsigned char *key, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "P2S_SECRET_KEY_FILE: cannot create '%s': %s", path, strerror(errno));
        return -1;
    }
    char hex[SECRET_KEY_BYTES * 2 + 2];
    randombytes_buf(key, SECRET_KEY_BYTES);
    sodium_bin2hex(hex, sizeof hex, key, SECRET_KEY_BYTES);
    size_t hl = strlen(hex);
    hex[hl++] = '\n';
    ssize_t w = write(fd, hex, hl);
    sodium_memzero(hex, sizeof hex);
    if (w != (ssize_t)hl || fsync(fd) != 0) {
        close(fd);
        unlink(path);
        snprintf(err, errlen, "P2S_SECRET_KEY_FILE: cannot write '%s'", path);
        return -1;
    }
    close(fd);
    return 0;
}

/* Read an existing key file; 0 on success. */
static int read_file(const char *path, unsigned char *key, char *err, size_t errlen)
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
    char buf[160];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    int rc = n > 0 ? decode_hex(buf, (size_t)n, key) : -1;
    sodium_memzero(buf, sizeof buf);
    if (rc != 0)
        snprintf(err, errlen,
                 "P2S_SECRET_KEY_FILE: '%s' must hold 64 hex characters (a 32-byte key)", path);
    return rc;
}

app_err secret_load(const config *cfg, unsigned char **out, int *created, char *err, size_t errlen)
{
    *out = NULL;
    *created = 0;
    unsigned char *key = sodium_malloc(SECRET_KEY_BYTES);
    if (key == NULL)
        return APP_ENOMEM;
    int rc;
    if (cfg->secret_key[0] != '\0') {
        rc = decode_hex(cfg->secret_key, strlen(cfg->secret_key), key);
        if (rc != 0)
            snprintf(err, errlen,
                     "P2S_SECRET_KEY: must be 64 hex characters (a 32-byte key, e.g. from "
                     "'openssl rand -hex 32')");
    } else if (access(cfg->secret_key_file, F_OK) == 0) {
        rc = read_file(cfg->secret_key_file, key, err, errlen);
    } else {
        rc = create_file(cfg->secret_key_file, key, err, errlen);
        *created = rc == 0;
    }
    if (rc != 0) {
        sodium_free(key);
        return APP_EINVAL;
    }
    sodium_mprotect_readonly(key);
    *out = key;
    return APP_OK;
}

void secret_free(unsigned char *key)
{
    if (key != NULL)
        sodium_free(key);
}
