/* media.c - the media table. */
#include "store/media.h"
#include "media/fit.h"
#include "store/rowjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEDIA_COLS                                                                                 \
    "id, workspace_id, kind, mime, format, name, alt_text, size, sha256, width, height, "          \
    "duration_ms, fps, video_codec, audio_codec, animated, created_at, storage_key, "              \
    "COALESCE(thumb_key, '')"

static json_t *media_json(const db_rows *r, int i)
{
    int64_t id = db_rows_int(r, i, 0, 0), ws = db_rows_int(r, i, 1, 0);
    char url[160], thumb[180];
    snprintf(url, sizeof url, "/api/v1/workspaces/%lld/media/%lld/file", (long long)ws,
             (long long)id);
    snprintf(thumb, sizeof thumb, "/api/v1/workspaces/%lld/media/%lld/thumbnail", (long long)ws,
             (long long)id);
    const char *fps = db_rows_text(r, i, 12);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "kind", rowjson_text_or_null(r, i, 2));
    json_object_set_new(o, "mime", rowjson_text_or_null(r, i, 3));
    json_object_set_new(o, "format", rowjson_text_or_null(r, i, 4));
    json_object_set_new(o, "name", rowjson_text_or_null(r, i, 5));
    json_object_set_new(o, "alt_text", rowjson_text_or_null(r, i, 6));
    json_object_set_new(o, "size", json_integer(db_rows_int(r, i, 7, 0)));
    json_object_set_new(o, "sha256", rowjson_text_or_null(r, i, 8));
    json_object_set_new(o, "width", json_integer(db_rows_int(r, i, 9, 0)));
    json_object_set_new(o, "height", json_integer(db_rows_int(r, i, 10, 0)));
    json_object_set_new(o, "duration_s", json_real((double)db_rows_int(r, i, 11, 0) / 1000.0));
    json_object_set_new(o, "fps", json_real(fps != NULL ? strtod(fps, NULL) : 0.0));
    json_object_set_new(o, "video_codec", rowjson_text_or_null(r, i, 13));
    json_object_set_new(o, "audio_codec", rowjson_text_or_null(r, i, 14));
    json_object_set_new(o, "animated", json_boolean(db_rows_int(r, i, 15, 0) != 0));
    json_object_set_new(o, "created_at", rowjson_instant(db_rows_int(r, i, 16, 0)));
    json_object_set_new(o, "url", json_string(url));
    const char *tk = db_rows_text(r, i, 18);
    json_object_set_new(o, "thumbnail_url", tk != NULL && *tk ? json_string(thumb) : json_null());
    media_facts facts = {.kind = db_rows_text(r, i, 2),
                         .mime = db_rows_text(r, i, 3),
                         .format = db_rows_text(r, i, 4),
                         .size = db_rows_int(r, i, 7, 0),
                         .width = (int)db_rows_int(r, i, 9, 0),
                         .height = (int)db_rows_int(r, i, 10, 0),
                         .duration_s = (double)db_rows_int(r, i, 11, 0) / 1000.0,
                         .fps = fps != NULL ? strtod(fps, NULL) : 0.0,
                         .video_codec = db_rows_text(r, i, 13),
                         .audio_codec = db_rows_text(r, i, 14),
                         .animated = db_rows_int(r, i, 15, 0) != 0};
    json_object_set_new(o, "fit", media_fit_json(&facts));
    return o;
}

app_err store_media_by_sha(db *d, int64_t workspace_id, const char *sha256, json_t **out)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(workspace_id), DB_T(sha256)};
    app_err e =
        db_query(d, "SELECT " MEDIA_COLS " FROM media WHERE workspace_id = ? AND sha256 = ?", p, 2,
                 &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        *out = media_json(r, 0);
    db_rows_free(r);
    return e;
}

app_err store_media_usage(db *d, int64_t workspace_id, int64_t *bytes)
{
    db_rows *r = NULL;
    db_param p = DB_I(workspace_id);
    app_err e = db_query(d, "SELECT COALESCE(SUM(size), 0) FROM media WHERE workspace_id = ?", &p,
                         1, &r, NULL);
    if (e == APP_OK)
        *bytes = db_rows_int(r, 0, 0, 0);
    db_rows_free(r);
    return e;
}

app_err store_media_insert(db *d, const actor *who, int64_t workspace_id, const store_media_in *in,
                           int64_t now_ms, json_t **out)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    char fps[32];
    snprintf(fps, sizeof fps, "%.3f", in->fps);
    app_err e = db_begin(c, DB_WRITE);
    db_param p[19] = {
        DB_I(workspace_id), DB_T(in->kind),        DB_T(in->mime),        DB_T(in->format),
        DB_T(in->name),     DB_T(in->storage_key), DB_T(in->thumb_key),   DB_I(in->size),
        DB_T(in->sha256),   DB_I(in->width),       DB_I(in->height),      DB_I(in->duration_ms),
        DB_T(fps),          DB_T(in->video_codec), DB_T(in->audio_codec), DB_I(in->animated),
        DB_I(who->user_id), DB_I(now_ms),          DB_I(now_ms)};
    if (e == APP_OK)
        e = db_exec(
            c,
            "INSERT INTO media (workspace_id, kind, mime, format, name, storage_key, "
            "thumb_key, size, sha256, width, height, duration_ms, fps, video_codec, "
            "audio_codec, animated, created_by, created_at, updated_at) VALUES (?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS REAL), ?, ?, ?, ?, ?, ?) RETURNING " MEDIA_COLS,
            p, 19, &r, NULL);
    if (e == APP_OK) {
        json_t *details = json_pack("{s:s, s:I}", "kind", in->kind, "size", (json_int_t)in->size);
        e = store_activity_add(c, who, workspace_id, "media.uploaded", in->name, details, now_ms);
        json_decref(details);
    }
    if (e == APP_OK)
        e = db_commit(c);
    if (e == APP_OK)
        *out = media_json(r, 0);
    db_rows_free(r);
    db_release(c);
    return e;
}

app_err store_media_list(db *d, int64_t workspace_id, const char *kind, int64_t before, int limit,
                         json_t **items, int64_t *next_before)
{
    db_rows *r = NULL;
    db_param p[5] = {DB_I(workspace_id), DB_T(kind), DB_T(kind),
                     DB_I(before > 0 ? before : INT64_MAX), DB_I(limit + 1)};
    app_err e = db_query(d,
                         "SELECT " MEDIA_COLS " FROM media WHERE workspace_id = ? AND "
                         "(CAST(? AS TEXT) IS NULL OR kind = ?) AND id < ? ORDER BY id DESC "
                         "LIMIT ?",
                         p, 5, &r, NULL);
    if (e != APP_OK)
        return e;
    json_t *arr = json_array();
    int n = db_rows_count(r);
    for (int i = 0; i < n && i < limit; i++)
        json_array_append_new(arr, media_json(r, i));
    *next_before = n > limit ? db_rows_int(r, limit - 1, 0, 0) : 0;
    db_rows_free(r);
    *items = arr;
    return APP_OK;
}

static void read_keys(const db_rows *r, store_media_keys *keys)
{
    memset(keys, 0, sizeof *keys);
    snprintf(keys->storage_key, sizeof keys->storage_key, "%s", db_rows_text(r, 0, 17));
    snprintf(keys->thumb_key, sizeof keys->thumb_key, "%s", db_rows_text(r, 0, 18));
    snprintf(keys->mime, sizeof keys->mime, "%s", db_rows_text(r, 0, 3));
    snprintf(keys->name, sizeof keys->name, "%s", db_rows_text(r, 0, 5));
    keys->size = db_rows_int(r, 0, 7, 0);
}

app_err store_media_get(db *d, int64_t workspace_id, int64_t id, json_t **out,
                        store_media_keys *keys)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(id), DB_I(workspace_id)};
    app_err e = db_query(d, "SELECT " MEDIA_COLS " FROM media WHERE id = ? AND workspace_id = ?", p,
                         2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        if (out != NULL)
            *out = media_json(r, 0);
        if (keys != NULL)
            read_keys(r, keys);
    }
    db_rows_free(r);
    return e;
}

app_err store_media_update(db *d, const actor *who, int64_t workspace_id, int64_t id,
                           const char *name, const char *alt_text, int64_t now_ms, json_t **out)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[5] = {DB_T(name), DB_T(alt_text), DB_I(now_ms), DB_I(id), DB_I(workspace_id)};
    if (e == APP_OK)
        e = db_exec(c,
                    "UPDATE media SET name = COALESCE(?, name), alt_text = COALESCE(?, alt_text), "
                    "updated_at = ? WHERE id = ? AND workspace_id = ? RETURNING " MEDIA_COLS,
                    p, 5, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        json_t *details = json_pack("{s:I}", "media_id", (json_int_t)id);
        e = store_activity_add(c, who, workspace_id, "media.updated", name, details, now_ms);
        json_decref(details);
    }
    if (e == APP_OK)
        e = db_commit(c);
    if (e == APP_OK)
        *out = media_json(r, 0);
    db_rows_free(r);
    db_release(c);
    return e;
}

app_err store_media_delete(db *d, const actor *who, int64_t workspace_id, int64_t id,
                           int64_t now_ms, store_media_keys *keys, json_t **posts)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[2] = {DB_I(id), DB_I(workspace_id)};
    *posts = json_array();
    /* the posts using it: drafts lose it; one on its way out keeps it from going */
    if (e == APP_OK)
        e = db_exec(c,
                    "SELECT DISTINCT p.id, p.state FROM post_media pm JOIN posts p ON p.id = "
                    "pm.post_id WHERE pm.media_id = ? AND p.workspace_id = ? ORDER BY p.id",
                    p, 2, &r, NULL);
    int busy = 0;
    for (int i = 0; e == APP_OK && i < db_rows_count(r); i++) {
        const char *st = db_rows_text(r, i, 1);
        /* on its way out: the platform may still need the file */
        busy |= strcmp(st, "scheduled") == 0 || strcmp(st, "publishing") == 0;
        json_array_append_new(*posts, json_pack("{s:I, s:s}", "id",
                                                (json_int_t)db_rows_int(r, i, 0, 0), "state", st));
    }
    db_rows_free(r);
    r = NULL;
    if (e == APP_OK && busy)
        e = APP_ECONFLICT;
    if (e == APP_OK)
        e = db_exec(c, "DELETE FROM media WHERE id = ? AND workspace_id = ? RETURNING " MEDIA_COLS,
                    p, 2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        read_keys(r, keys);
        json_t *details = json_pack("{s:I}", "media_id", (json_int_t)id);
        e = store_activity_add(c, who, workspace_id, "media.deleted", keys->name, details, now_ms);
        json_decref(details);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_rows_free(r);
    db_release(c);
    return e;
}
