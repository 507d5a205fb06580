/*
 * campaigns.h - campaigns: a name, a colour, optional dates and a
 * description that posts are grouped by.  Names are unique per workspace.
 */
#ifndef P2S_STORE_CAMPAIGNS_H
#define P2S_STORE_CAMPAIGNS_H

#include "store/activity.h"
#include "store/db.h"

#include <jansson.h>

/* A campaign as written; NULL dates = none. */
typedef struct store_campaign_in {
    const char *name, *color, *description, *starts_on, *ends_on;
} store_campaign_in;

/* The workspace's campaigns by name, each with post_count. */
app_err store_campaign_list(db *d, int64_t workspace_id, json_t **items);

/* One campaign, or APP_ENOTFOUND. */
app_err store_campaign_get(db *d, int64_t workspace_id, int64_t id, json_t **out);

/* The id of the campaign with this name (exact), or APP_ENOTFOUND. */
app_err store_campaign_by_name(db *d, int64_t workspace_id, const char *name, int64_t *id);

/* Create; APP_ECONFLICT when the name is taken. */
app_err store_campaign_create(db *d, const actor *who, int64_t workspace_id,
                              const store_campaign_in *in, int64_t now_ms, json_t **out);

/* Replace every field; APP_ECONFLICT when the name is taken. */
app_err store_campaign_update(db *d, const actor *who, int64_t workspace_id, int64_t id,
                              const store_campaign_in *in, int64_t now_ms, json_t **out);

/* Delete (its posts stay, without a campaign). */
app_err store_campaign_delete(db *d, const actor *who, int64_t workspace_id, int64_t id,
                              int64_t now_ms);

#endif
