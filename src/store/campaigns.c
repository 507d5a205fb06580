/* campaigns.c - the campaigns table (see campaigns.h). */
#include "store/campaigns.h"
#include "store/rowjson.h"

#include <stdio.h>

#define CAMPAIGN_COLS                                                                              \
    "c.id, c.name, c.color, c.description, c.starts_on, c.ends_on, c.created_at, c.updated_at, "   \
    "(SELECT COUNT(*) FROM posts p WHERE p.campaign_id = c.id)"

static json_t *campaign_json(const db_rows *r, int i)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_rows_int(r, i, 0, 0)));
    json_object_set_new(o, "name", rowjson_text_or_null(r, i, 1));
    json_object_set_new(o, "color", rowjson_text_or_null(r, i, 2));
    json_object_set_new(o, "description", rowjson_text_or_null(r, i, 3));
    json_object_set_new(o, "starts_on", rowjson_text_or_null(r, i, 4));
    json_object_set_new(o, "ends_on", rowjson_text_or_null(r, i, 5));
    json_object_set_new(o, "created_at", rowjson_instant(db_rows_int(r, i, 6, 0)));
    json_object_set_new(o, "updated_at", rowjson_instant(db_rows_int(r, i, 7, 0)));
    json_object_set_new(o, "post_count", json_integer(db_rows_int(r, i, 8, 0)));
    return o;
}

app_err store_campaign_list(db *d, int64_t workspace_id, json_t **items)
{
    db_rows *r = NULL;
    db_param p[1] = {DB_I(workspace_id)};
    app_err e = db_query(d,
                         "SELECT " CAMPAIGN_COLS " FROM campaigns c WHERE c.workspace_id = ? "
                         "ORDER BY lower(c.name), c.id",
                         p, 1, &r, NULL);
    if (e == APP_OK) {
        *items = json_array();
        for (int i = 0; i < db_rows_count(r); i++)
            json_array_append_new(*items, campaign_json(r, i));
    }
    db_rows_free(r);
    return e;
}

app_err store_campaign_get(db *d, int64_t workspace_id, int64_t id, json_t **out)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(id), DB_I(workspace_id)};
    app_err e = db_query(
        d, "SELECT " CAMPAIGN_COLS " FROM campaigns c WHERE c.id = ? AND c.workspace_id = ?", p, 2,
        &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        *out = campaign_json(r, 0);
    db_rows_free(r);
    return e;
}

app_err store_campaign_by_name(db *d, int64_t workspace_id, const char *name, int64_t *id)
{
    db_rows *r = NULL;
    db_param p[2] = {DB_I(workspace_id), DB_T(name)};
    app_err e =
        db_query(d, "SELECT id FROM campaigns WHERE workspace_id = ? AND name = ?", p, 2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK)
        *id = db_rows_int(r, 0, 0, 0);
    db_rows_free(r);
    return e;
}

/* Write (insert when id is 0) with its activity row, then read it back. */
static app_err campaign_write(db *d, const actor *who, int64_t ws, int64_t id,
                              const store_campaign_in *in, int64_t now_ms, json_t **out)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[9] = {DB_T(in->name),
                     DB_T(in->color),
                     DB_T(in->description),
                     DB_T(in->starts_on),
                     DB_T(in->ends_on),
                     DB_I(now_ms),
                     DB_I(ws),
                     id > 0 ? DB_I(id) : DB_I(now_ms),
                     who->user_id > 0 ? DB_I(who->user_id) : DB_N};
    int64_t n = 0;
    if (e == APP_OK && id == 0) {
        e = db_exec(c,
                    "INSERT INTO campaigns (name, color, description, starts_on, ends_on, "
                    "updated_at, workspace_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, "
                    "?, ?, ?) RETURNING id",
                    p, 9, &r, NULL);
        if (e == APP_OK)
            id = db_rows_int(r, 0, 0, 0);
        db_rows_free(r);
        r = NULL;
    } else if (e == APP_OK) {
        e = db_exec(c,
                    "UPDATE campaigns SET name = ?, color = ?, description = ?, starts_on = ?, "
                    "ends_on = ?, updated_at = ? WHERE workspace_id = ? AND id = ?",
                    p, 8, NULL, &n);
        if (e == APP_OK && n == 0)
            e = APP_ENOTFOUND;
    }
    if (e == APP_OK) {
        json_t *det = json_pack("{s:I}", "campaign_id", (json_int_t)id);
        e = store_activity_add(c, who, ws, n ? "campaign.updated" : "campaign.created", in->name,
                               det, now_ms);
        json_decref(det);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_release(c);
    if (e == APP_OK)
        e = store_campaign_get(d, ws, id, out);
    return e;
}

app_err store_campaign_create(db *d, const actor *who, int64_t workspace_id,
                              const store_campaign_in *in, int64_t now_ms, json_t **out)
{
    return campaign_write(d, who, workspace_id, 0, in, now_ms, out);
}

app_err store_campaign_update(db *d, const actor *who, int64_t workspace_id, int64_t id,
                              const store_campaign_in *in, int64_t now_ms, json_t **out)
{
    return campaign_write(d, who, workspace_id, id, in, now_ms, out);
}

app_err store_campaign_delete(db *d, const actor *who, int64_t workspace_id, int64_t id,
                              int64_t now_ms)
{
    db_conn *c = db_acquire(d, 5000);
    if (c == NULL)
        return APP_EBUSY;
    db_rows *r = NULL;
    app_err e = db_begin(c, DB_WRITE);
    db_param p[2] = {DB_I(id), DB_I(workspace_id)};
    /* posts keep their content; ON DELETE SET NULL clears their campaign */
    if (e == APP_OK)
        e = db_exec(c, "DELETE FROM campaigns WHERE id = ? AND workspace_id = ? RETURNING name", p,
                    2, &r, NULL);
    if (e == APP_OK && db_rows_count(r) == 0)
        e = APP_ENOTFOUND;
    if (e == APP_OK) {
        json_t *det = json_pack("{s:I}", "campaign_id", (json_int_t)id);
        e = store_activity_add(c, who, workspace_id, "campaign.deleted", db_rows_text(r, 0, 0), det,
                               now_ms);
        json_decref(det);
    }
    if (e == APP_OK)
        e = db_commit(c);
    db_rows_free(r);
    db_release(c);
    return e;
}
