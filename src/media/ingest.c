/* ingest.c - a file becomes a media library item (see ingest.h). */
#define _POSIX_C_SOURCE 200809L
#include "media/ingest.h"
#include "core/clock.h"
#include "media/probe.h"
#include "media/storage.h"
#include "notify/netguard.h"
#include "store/media.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Longest side of thumbnails. */
#define THUMB_SIDE 640

/* SHA-256 and size of a file; -1 if it cannot be read. */
static int file_sha256(const char *path, char hex[65], uint64_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES], buf[65536];
    size_t n;
    *size = 0;
    crypto_hash_sha256_init(&st);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        crypto_hash_sha256_update(&st, buf, n);
        *size += n;
    }
    int bad = ferror(f);
    fclose(f);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, 65, h, sizeof h);
    return bad ? -1 : 0;
}

ingest_why media_ingest(const app *a, const actor *who, int64_t ws, const char *path,
                        const char *sha256, uint64_t size, const char *declared_mime,
                        const char *name, json_t **item, int *duplicate, app_err *err, char *why,
                        size_t whylen)
{
    *item = NULL;
    *duplicate = 0;
    *err = APP_OK;
    if (size == 0)
        return INGEST_EMPTY;
    int64_t used = 0;
    if ((*err = store_media_usage(a->db, ws, &used)) != APP_OK)
        return INGEST_FAILED;
    media_info info;
    if (probe_gate_enter(a->probes, 30000) != 0) {
        snprintf(why, whylen, "many files are being checked right now; try again");
        return INGEST_BUSY;
    }
    char pwhy[300] = "";
    app_err pe = media_probe(path, declared_mime, &info, pwhy, sizeof pwhy);
    probe_gate_leave(a->probes);
    if (pe != APP_OK) {
        snprintf(why, whylen, "%s", pwhy[0] ? pwhy : "the file cannot be read");
        return INGEST_INVALID;
    }
    /* The same bytes again (checked after the probe, so a false declared type is refused). */
    if (store_media_by_sha(a->db, ws, sha256, item) == APP_OK) {
        *duplicate = 1;
        return INGEST_OK;
    }
    if ((uint64_t)used + size > (uint64_t)a->cfg->media_quota_mb * 1024 * 1024) {
        snprintf(why, whylen,
                 "the workspace's media would go over its quota of %d MiB; delete unused files",
                 a->cfg->media_quota_mb);
        return INGEST_QUOTA;
    }
    unsigned char raw[12];
    char id[25], key[256], thumb_key[256], thumb_path[1200];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(id, sizeof id, raw, sizeof raw);
    snprintf(key, sizeof key, "ws%lld/%s.%s", (long long)ws, id, info.format);
    snprintf(thumb_key, sizeof thumb_key, "ws%lld/%s.thumb.jpg", (long long)ws, id);
    snprintf(thumb_path, sizeof thumb_path, "%s/tmp/thumb-%s.jpg", a->cfg->data_dir, id);
    /* Thumbnails go through the same gate as probes (both can be large). */
    int gate = probe_gate_enter(a->probes, 30000) == 0;
    int have_thumb =
        gate && media_thumbnail(path, &info, THUMB_SIDE, thumb_path, pwhy, sizeof pwhy) == APP_OK;
    if (gate)
        probe_gate_leave(a->probes);
    app_err e = media_store_put_file(a->media, key, path, info.mime, sha256, size);
    if (e == APP_OK && have_thumb) {
        char hex[65] = "";
        uint64_t tsize = 0;
        /* the thumbnail's own hash, for S3's content checksum */
        if (file_sha256(thumb_path, hex, &tsize) != 0 ||
            media_store_put_file(a->media, thumb_key, thumb_path, "image/jpeg", hex, tsize) !=
                APP_OK)
            have_thumb = 0;
    }
    unlink(thumb_path);
    if (e != APP_OK) {
        *err = e;
        return INGEST_FAILED;
    }
    store_media_in in = {info.kind == MEDIA_IMAGE ? "image" : "video",
                         info.mime,
                         info.format,
                         name != NULL && *name      ? name
                         : info.kind == MEDIA_IMAGE ? "image"
                                                    : "video",
                         key,
                         have_thumb ? thumb_key : NULL,
                         sha256,
                         (int64_t)size,
                         info.width,
                         info.height,
                         (int64_t)(info.duration_s * 1000.0),
                         info.fps,
                         info.video_codec,
                         info.audio_codec,
                         info.animated};
    e = store_media_insert(a->db, who, ws, &in, clock_now_ms(), item);
    if (e != APP_OK) {
        media_store_delete(a->media, key);
        if (have_thumb)
            media_store_delete(a->media, thumb_key);
        if (e == APP_ECONFLICT && store_media_by_sha(a->db, ws, sha256, item) == APP_OK) {
            *duplicate = 1; /* the same bytes arrived at once from elsewhere */
            return INGEST_OK;
        }
        *err = e;
        return INGEST_FAILED;
    }
    return INGEST_OK;
}

/* ---- downloading a link ---- */

typedef struct fetch {
    FILE *f;
    uint64_t size, max;
    crypto_hash_sha256_state st;
} fetch;

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    fetch *t = ud;
    size_t len = size * n;
    if (t->size + len > t->max)
        return 0; /* too big: abort */
    if (fwrite(p, 1, len, t->f) != len)
        return 0;
    crypto_hash_sha256_update(&t->st, (const unsigned char *)p, len);
    t->size += len;
    return len;
}

int media_fetch_url(const app *a, const char *url, int allow_private, uint64_t max_bytes,
                    const char *path, char *sha256, uint64_t *size, char *mime, size_t mimelen,
                    char *why, size_t whylen)
{
    (void)a;
    char resolve[1024] = "";
    if (!netguard_pin(url, allow_private, resolve, sizeof resolve, why, whylen))
        return -1;
    fetch t;
    memset(&t, 0, sizeof t);
    t.f = fopen(path, "wb");
    t.max = max_bytes;
    if (t.f == NULL) {
        snprintf(why, whylen, "the file could not be saved on the server");
        return -1;
    }
    crypto_hash_sha256_init(&t.st);
    CURL *c = curl_easy_init();
    struct curl_slist *pins = resolve[0] ? curl_slist_append(NULL, resolve) : NULL;
    long status = 0;
    CURLcode rc = CURLE_FAILED_INIT;
    if (c != NULL) {
        netguard_curl(c, allow_private);
        curl_easy_setopt(c, CURLOPT_URL, url);
        if (pins != NULL)
            curl_easy_setopt(c, CURLOPT_RESOLVE, pins);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "Post2Share/" P2S_VERSION);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
        rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        snprintf(mime, mimelen, "%s", ct != NULL ? ct : "");
        char *semi = strchr(mime, ';');
        if (semi != NULL)
            *semi = '\0';
    }
    int bad = fclose(t.f) != 0;
    curl_slist_free_all(pins);
    if (c != NULL)
        curl_easy_cleanup(c);
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&t.st, h);
    sodium_bin2hex(sha256, 65, h, sizeof h);
    *size = t.size;
    if (rc == CURLE_WRITE_ERROR && t.size + 1 > max_bytes)
        snprintf(why, whylen, "the file is larger than the %llu MiB a media item may be",
                 (unsigned long long)(max_bytes / (1024 * 1024)));
    else if (rc != CURLE_OK)
        snprintf(why, whylen, "the link could not be fetched (%s)", curl_easy_strerror(rc));
    else if (status != 200)
        snprintf(why, whylen, "the link answered HTTP %ld", status);
    else if (bad)
        snprintf(why, whylen, "the file could not be saved on the server");
    else
        return 0;
    return -1;
}
