/*
 * storage.c - the media store's front: checks keys and hands each call to
 * the configured backend (local.c or s3.c) through its table.
 */
#define _POSIX_C_SOURCE 200809L
#include "media/storage.h"
#include "media/store_int.h"

#include <stdio.h>
#include <string.h>

static int key_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
           c == '_' || c == '.' || c == '-';
}

int media_key_valid(const char *key)
{
    if (key == NULL)
        return 0;
    size_t n = strnlen(key, MEDIA_KEY_MAX + 1);
    if (n == 0 || n > MEDIA_KEY_MAX)
        return 0;
    if (strstr(key, "..") != NULL)
        return 0;
    int seg_start = 1;
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        if (!key_char_ok(c))
            return 0;
        if (seg_start && (c == '/' || c == '.'))
            return 0; /* empty segment or a dot name */
        seg_start = c == '/';
    }
    return !seg_start; /* no trailing "/" */
}

app_err media_store_open(const config *cfg, media_store **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (strcmp(cfg->media_store, "local") == 0)
        return media_local_open(cfg, out, err, errlen);
    if (strcmp(cfg->media_store, "s3") == 0)
        return media_s3_open(cfg, out, err, errlen);
    if (err != NULL && errlen > 0)
        snprintf(err, errlen, "P2S_MEDIA_STORE (--media-store): must be local or s3");
    return APP_EINVAL;
}

void media_store_close(media_store *s)
{
    if (s != NULL)
        s->ops->close(s);
}

const char *media_store_kind(const media_store *s)
{
    return s->ops->kind;
}

app_err media_store_put_file(media_store *s, const char *key, const char *local_path,
                             const char *content_type, const char *sha256_hex, uint64_t size)
{
    if (!media_key_valid(key) || local_path == NULL || local_path[0] == '\0')
        return APP_EINVAL;
    return s->ops->put_file(s, key, local_path, content_type, sha256_hex, size);
}

app_err media_store_open_read(media_store *s, const char *key, uint64_t offset, uint64_t length,
                              media_reader **out)
{
    *out = NULL;
    if (!media_key_valid(key))
        return APP_EINVAL;
    return s->ops->open_read(s, key, offset, length, out);
}

ssize_t media_reader_read(media_reader *r, void *buf, size_t n)
{
    if (r == NULL)
        return -1;
    if (n == 0)
        return 0;
    return r->read(r, buf, n);
}

void media_reader_close(media_reader *r)
{
    if (r != NULL)
        r->close(r);
}

app_err media_store_delete(media_store *s, const char *key)
{
    if (!media_key_valid(key))
        return APP_EINVAL;
    return s->ops->del(s, key);
}
