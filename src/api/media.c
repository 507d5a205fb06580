/*
 * media.c - the workspace media library: streamed uploads (the type decided
 * by the bytes, probed, thumbnailed, deduplicated by SHA-256 within the
 * workspace, counted against the quota), listing, renaming, deleting, and
 * serving the bytes to members with Range support.
 */
#include "api/api.h"
#include "api/common.h"
#include "api/validate.h"
#include "auth/guard.h"
#include "core/clock.h"
#include "crypto/keyring.h"
#include "media/ingest.h"
#include "media/links.h"
#include "media/probe.h"
#include "media/storage.h"
#include "store/media.h"

#include <ctype.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* A display name from the ?name= query: printable, at most 200 characters; else the fallback. */
static void display_name(const char *q, const char *fallback, char *out, size_t outlen)
{
    size_t o = 0;
    if (q != NULL)
        for (const unsigned char *p = (const unsigned char *)q; *p && o + 1 < outlen; p++)
            if (*p >= 0x20 && *p != 0x7f && *p != '/' && *p != '\\')
                out[o++] = (char)*p;
    out[o] = '\0';
    if (o == 0 || utf8_chars(out) > 200)
        snprintf(out, outlen, "%s", fallback);
}

void api_media_upload(http_req *req)
{
    const app *a = req->app;
    char why[300] = "";
    const char *declared = http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (declared != NULL &&
        (strncasecmp(declared, "application/octet-stream", 24) == 0 || *declared == '\0'))
        declared = NULL;
    actor who;
    http_actor(req, &who);
    char name[256];
    /* the kind is not known before the probe: the default name is settled by the ingest */
    display_name(http_query(req, "name"), "", name, sizeof name);
    json_t *item = NULL;
    int duplicate = 0;
    app_err e = APP_OK;
    switch (media_ingest(a, &who, req->auth.workspace_id, req->upload_path, req->upload_sha256,
                         req->upload_size, declared, name, &item, &duplicate, &e, why,
                         sizeof why)) {
    case INGEST_OK:
        http_reply_json(req, duplicate ? 200 : 201,
                        json_pack("{s:o, s:b}", "media", item, "duplicate", duplicate));
        return;
    case INGEST_EMPTY:
        http_reply_error(req, 400, "invalid_field", "the file is empty", "file");
        return;
    case INGEST_INVALID:
        http_reply_error(req, 400, "invalid_file", why, "file");
        return;
    case INGEST_QUOTA:
        http_reply_error(req, 413, "quota_exceeded", why, "file");
        return;
    case INGEST_BUSY:
        req->retry_after = 10;
        http_reply_error(req, 503, "busy", why, NULL);
        return;
    case INGEST_FAILED:
    default:
        api_fail(req, e, "media");
        return;
    }
}

void api_media_list(http_req *req)
{
    const char *kind = http_query(req, "kind");
    const char *ls = http_query(req, "limit");
    const char *bs = http_query(req, "before");
    int64_t limit = ls != NULL ? guard_parse_id(ls) : 50;
    int64_t before = bs != NULL ? guard_parse_id(bs) : 0;
    if (kind != NULL && strcmp(kind, "image") != 0 && strcmp(kind, "video") != 0) {
        http_reply_error(req, 400, "invalid_field", "kind must be image or video", "kind");
        return;
    }
    if (limit < 1 || limit > 200) {
        http_reply_error(req, 400, "invalid_field", "limit must be an integer from 1 to 200",
                         "limit");
        return;
    }
    if (bs != NULL && before == 0) {
        http_reply_error(req, 400, "invalid_field", "before must be a media id", "before");
        return;
    }
    json_t *items = NULL;
    int64_t next = 0;
    app_err e = store_media_list(req->app->db, req->auth.workspace_id, kind, before, (int)limit,
                                 &items, &next);
    if (e != APP_OK) {
        api_fail(req, e, "media");
        return;
    }
    int64_t used = 0;
    store_media_usage(req->app->db, req->auth.workspace_id, &used);
    http_reply_json(req, 200,
                    json_pack("{s:o, s:o, s:{s:I, s:I}}", "items", items, "next_before",
                              next > 0 ? json_integer(next) : json_null(), "usage", "bytes",
                              (json_int_t)used, "quota_bytes",
                              (json_int_t)req->app->cfg->media_quota_mb * 1024 * 1024));
}

void api_media_get(http_req *req)
{
    json_t *item = NULL;
    int64_t id = guard_parse_id(http_param(req, "media_id"));
    app_err e = id > 0 ? store_media_get(req->app->db, req->auth.workspace_id, id, &item, NULL)
                       : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "media item");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "media", item));
}

void api_media_patch(http_req *req)
{
    const char *name, *alt;
    if (v_string(req, "name", 0, 1, 200, 0, &name) != 0 ||
        v_string(req, "alt_text", 0, 0, 1000, 1, &alt) != 0)
        return;
    if (name == NULL && alt == NULL) {
        http_reply_error(req, 400, "invalid_field", "give name, alt_text or both", NULL);
        return;
    }
    int64_t id = guard_parse_id(http_param(req, "media_id"));
    actor who;
    http_actor(req, &who);
    json_t *item = NULL;
    app_err e = id > 0 ? store_media_update(req->app->db, &who, req->auth.workspace_id, id, name,
                                            alt, clock_now_ms(), &item)
                       : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "media item");
        return;
    }
    http_reply_json(req, 200, json_pack("{s:o}", "media", item));
}

void api_media_delete(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "media_id"));
    actor who;
    http_actor(req, &who);
    store_media_keys keys;
    json_t *posts = NULL;
    app_err e = id > 0 ? store_media_delete(req->app->db, &who, req->auth.workspace_id, id,
                                            clock_now_ms(), &keys, &posts)
                       : APP_ENOTFOUND;
    if (e == APP_ECONFLICT) {
        json_t *body =
            json_pack("{s:{s:s, s:s, s:n}, s:o}", "error", "code", "media_in_use", "message",
                      "a scheduled post uses this file; change or cancel those posts "
                      "first",
                      "field", "posts", posts);
        http_reply_json(req, 409, body);
        return;
    }
    if (e != APP_OK) {
        json_decref(posts);
        api_fail(req, e, "media item");
        return;
    }
    media_store_delete(req->app->media, keys.storage_key);
    if (keys.thumb_key[0])
        media_store_delete(req->app->media, keys.thumb_key);
    if (json_array_size(posts) == 0) {
        json_decref(posts);
        http_reply_empty(req, 204);
        return;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "%zu post%s no longer use%s this file", json_array_size(posts),
             json_array_size(posts) == 1 ? "" : "s", json_array_size(posts) == 1 ? "s" : "");
    http_reply_json(req, 200,
                    json_pack("{s:b, s:[{s:s, s:s, s:o}]}", "deleted", 1, "warnings", "code",
                              "detached_from_drafts", "message", msg, "posts", posts));
}

/* Feeds libmicrohttpd from a media reader. */
static ssize_t read_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    ssize_t n = media_reader_read(cls, buf, max);
    if (n == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
}

static void free_cb(void *cls)
{
    media_reader_close(cls);
}

/* Parse "bytes=S-E" / "bytes=S-" / "bytes=-N" against size.  1 ok, 0 none, -1 unsatisfiable. */
static int parse_range(const char *h, uint64_t size, uint64_t *start, uint64_t *end)
{
    if (h == NULL)
        return 0;
    if (strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
        return 0; /* not one simple range: answer the whole file */
    const char *p = h + 6;
    char *e1 = NULL, *e2 = NULL;
    if (*p == '-') {
        unsigned long long n = strtoull(p + 1, &e2, 10);
        if (e2 == p + 1 || *e2 != '\0' || n == 0 || size == 0)
            return -1;
        *start = n >= size ? 0 : size - n;
        *end = size - 1;
        return 1;
    }
    unsigned long long s = strtoull(p, &e1, 10);
    if (e1 == p || *e1 != '-')
        return 0;
    if (s >= size)
        return -1;
    unsigned long long e = size - 1;
    if (e1[1] != '\0') {
        e = strtoull(e1 + 1, &e2, 10);
        if (*e2 != '\0' || e < s)
            return 0;
        if (e >= size)
            e = size - 1;
    }
    *start = s;
    *end = e;
    return 1;
}

/* Serve stored bytes (file or thumbnail) with Range support. */
static void serve_bytes(http_req *req, const char *key, const char *mime, uint64_t size,
                        const char *filename)
{
    uint64_t start = 0, end = size > 0 ? size - 1 : 0;
    int ranged = parse_range(http_header(req, MHD_HTTP_HEADER_RANGE), size, &start, &end);
    if (ranged < 0) {
        char cr[64];
        snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)size);
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
        http_reply_raw(req, 416, r, 0);
        return;
    }
    uint64_t len = size == 0 ? 0 : end - start + 1;
    media_reader *rd = NULL;
    app_err e = media_store_open_read(req->app->media, key, start, len, &rd);
    if (e != APP_OK) {
        api_fail(req, e == APP_ENOTFOUND ? APP_ENOTFOUND : e, "media file");
        return;
    }
    struct MHD_Response *r =
        MHD_create_response_from_callback(len, 64 * 1024, read_cb, rd, free_cb);
    if (r == NULL) {
        media_reader_close(rd);
        http_reply_error(req, 500, "internal_error", "out of memory", NULL);
        return;
    }
    char disp[400], cr[96];
    snprintf(disp, sizeof disp, "inline; filename=\"%s\"", filename);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "private, max-age=3600");
    if (ranged > 0) {
        snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)start,
                 (unsigned long long)end, (unsigned long long)size);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
    }
    http_reply_raw(req, ranged > 0 ? 206 : 200, r, len);
}

/* A filename safe for Content-Disposition: letters, digits, . - _ only. */
static void safe_filename(const char *name, const char *ext, char *out, size_t outlen)
{
    size_t o = 0;
    for (const char *p = name; *p && o + 12 < outlen && o < 80; p++)
        out[o++] = (isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_') ? *p : '_';
    out[o] = '\0';
    if (o == 0)
        snprintf(out, outlen, "media");
    if (strchr(out, '.') == NULL) {
        size_t l = strlen(out);
        snprintf(out + l, outlen - l, ".%s", ext);
    }
}

void api_media_file(http_req *req)
{
    store_media_keys keys;
    int64_t id = guard_parse_id(http_param(req, "media_id"));
    json_t *item = NULL;
    app_err e = id > 0 ? store_media_get(req->app->db, req->auth.workspace_id, id, &item, &keys)
                       : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "media item");
        return;
    }
    char fname[128];
    safe_filename(keys.name, json_string_value(json_object_get(item, "format")), fname,
                  sizeof fname);
    json_decref(item);
    serve_bytes(req, keys.storage_key, keys.mime, (uint64_t)keys.size, fname);
}

void api_media_thumbnail(http_req *req)
{
    store_media_keys keys;
    int64_t id = guard_parse_id(http_param(req, "media_id"));
    app_err e = id > 0 ? store_media_get(req->app->db, req->auth.workspace_id, id, NULL, &keys)
                       : APP_ENOTFOUND;
    if (e != APP_OK || keys.thumb_key[0] == '\0') {
        api_fail(req, e != APP_OK ? e : APP_ENOTFOUND, "thumbnail");
        return;
    }
    /* The size of the thumbnail is not stored: read it whole (small by construction). */
    media_reader *rd = NULL;
    if (media_store_open_read(req->app->media, keys.thumb_key, 0, 0, &rd) != APP_OK) {
        api_fail(req, APP_ENOTFOUND, "thumbnail");
        return;
    }
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, read_cb, rd, free_cb);
    if (r == NULL) {
        media_reader_close(rd);
        http_reply_error(req, 500, "internal_error", "out of memory", NULL);
        return;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "image/jpeg");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "private, max-age=86400");
    http_reply_raw(req, 200, r, 0);
}

/* Longest a public link may live. */
#define PUBLIC_MAX_TTL_S (7 * 86400)

void api_media_public_url(http_req *req)
{
    int64_t ttl = 3600;
    if (v_int(req, "ttl_s", 0, 60, PUBLIC_MAX_TTL_S, &ttl) != 0)
        return;
    int64_t id = guard_parse_id(http_param(req, "media_id"));
    json_t *item = NULL;
    app_err e = id > 0 ? store_media_get(req->app->db, req->auth.workspace_id, id, &item, NULL)
                       : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "media item");
        return;
    }
    json_decref(item);
    int64_t exp = clock_now_ms() / 1000 + ttl;
    char url[1024];
    media_public_link(req->app->keys, req->app->cfg->public_url, req->auth.workspace_id, id, exp,
                      url, sizeof url);
    char when[32];
    http_reply_json(req, 200,
                    json_pack("{s:s, s:s}", "url", url, "expires_at",
                              clock_format_iso(exp * 1000, when, sizeof when)));
}

/* Parse "WS.ID.EXP.MAC"; 0 or -1. */
static int parse_public(const char *t, int64_t *ws, int64_t *id, int64_t *exp, char *mac,
                        size_t maclen)
{
    char buf[160];
    if (t == NULL || strlen(t) >= sizeof buf)
        return -1;
    snprintf(buf, sizeof buf, "%s", t);
    char *parts[4];
    int n = 0;
    char *save = NULL;
    for (char *p = strtok_r(buf, ".", &save); p != NULL && n < 4; p = strtok_r(NULL, ".", &save))
        parts[n++] = p;
    if (n != 4 || strtok_r(NULL, ".", &save) != NULL)
        return -1;
    *ws = guard_parse_id(parts[0]);
    *id = guard_parse_id(parts[1]);
    *exp = guard_parse_id(parts[2]);
    if (*ws == 0 || *id == 0 || *exp == 0 || strlen(parts[3]) >= maclen)
        return -1;
    snprintf(mac, maclen, "%s", parts[3]);
    return 0;
}

void api_media_public(http_req *req)
{
    int64_t ws, id, exp;
    char mac[64];
    if (parse_public(http_param(req, "token"), &ws, &id, &exp, mac, sizeof mac) != 0) {
        http_reply_error(req, 404, "not_found", "no such file", NULL);
        return;
    }
    int versions[KEYRING_MAX];
    int n = keyring_versions(req->app->keys, versions, KEYRING_MAX), ok = 0;
    for (int i = 0; i < n && !ok; i++) {
        unsigned char key[KEY_BYTES];
        char want[64];
        if (keyring_get(req->app->keys, versions[i], key) != 0)
            continue;
        media_link_mac(key, ws, id, exp, want, sizeof want);
        sodium_memzero(key, sizeof key);
        ok = strlen(want) == strlen(mac) && sodium_memcmp(want, mac, strlen(mac)) == 0;
    }
    if (!ok) {
        http_reply_error(req, 404, "not_found", "no such file", NULL);
        return;
    }
    if (exp * 1000 < clock_now_ms()) {
        http_reply_error(req, 410, "link_expired", "this link has expired", NULL);
        return;
    }
    store_media_keys keys;
    json_t *item = NULL;
    if (store_media_get(req->app->db, ws, id, &item, &keys) != APP_OK) {
        http_reply_error(req, 404, "not_found", "no such file", NULL);
        return;
    }
    char fname[128];
    safe_filename(keys.name, json_string_value(json_object_get(item, "format")), fname,
                  sizeof fname);
    json_decref(item);
    serve_bytes(req, keys.storage_key, keys.mime, (uint64_t)keys.size, fname);
}
