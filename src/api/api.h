/*
 * api.h - the HTTP API: the route table and its handlers.
 *
 * Handlers are thin: they read the already-checked request, call a module
 * (store, engine, ...) and answer.  One file per resource.
 */
#ifndef P2S_API_API_H
#define P2S_API_API_H

#include "http/http.h"

/* The route table (static, read-only) and its length. */
const route *api_routes(size_t *count);

/* The OpenAPI document served at /api/v1/openapi.json (built from docs/openapi.json). */
const unsigned char *api_openapi_doc(size_t *len);

/* health.c */
void api_healthz(http_req *req);
void api_readyz(http_req *req);

/* openapi.c */
void api_openapi(http_req *req);

/* client_errors.c */
void api_client_error(http_req *req);

/* auth.c */
void api_register(http_req *req);
void api_login(http_req *req);
void api_logout(http_req *req);

/* me.c */
void api_me_get(http_req *req);
void api_me_patch(http_req *req);
void api_me_password(http_req *req);
void api_sessions_list(http_req *req);
void api_sessions_delete(http_req *req);
void api_keys_list(http_req *req);
void api_keys_create(http_req *req);
void api_keys_delete(http_req *req);

/* events.c */
void api_events(http_req *req);

/* workspaces.c */
void api_workspaces_list(http_req *req);
void api_workspaces_create(http_req *req);
void api_workspace_get(http_req *req);
void api_workspace_patch(http_req *req);
void api_workspace_delete(http_req *req);
void api_members_list(http_req *req);
void api_member_patch(http_req *req);
void api_member_delete(http_req *req);
void api_workspace_leave(http_req *req);

/* invitations.c */
void api_invitations_list(http_req *req);
void api_invitations_create(http_req *req);
void api_invitations_delete(http_req *req);
void api_invitation_preview(http_req *req);
void api_invitation_accept(http_req *req);

/* accounts.c */
void api_platforms(http_req *req);
void api_accounts_list(http_req *req);
void api_accounts_connect(http_req *req);
void api_oauth_callback(http_req *req);
void api_accounts_pending_get(http_req *req);
void api_accounts_pending_choose(http_req *req);
void api_account_refresh(http_req *req);
void api_account_delete(http_req *req);

/* media.c */
void api_media_upload(http_req *req);
void api_media_list(http_req *req);
void api_media_get(http_req *req);
void api_media_patch(http_req *req);
void api_media_delete(http_req *req);
void api_media_file(http_req *req);
void api_media_thumbnail(http_req *req);
void api_media_public_url(http_req *req);
void api_media_public(http_req *req);

/* activity.c */
void api_activity_list(http_req *req);

/* posts (posts.c, post_lists.c, post_import.c) */
void api_posts_create(http_req *req);
void api_posts_validate(http_req *req);
void api_posts_list(http_req *req);
void api_posts_export(http_req *req);
void api_posts_import(http_req *req);
void api_post_get(http_req *req);
void api_post_patch(http_req *req);
void api_post_delete(http_req *req);
void api_post_submit(http_req *req);
void api_post_approve(http_req *req);
void api_post_request_changes(http_req *req);
void api_post_schedule(http_req *req);
void api_post_cancel(http_req *req);
void api_calendar(http_req *req);

/* publishing (publishing.c) */
void api_target_retry(http_req *req);
void api_target_cancel(http_req *req);
void api_post_attempts(http_req *req);
void api_admin_engine(http_req *req);

/* campaigns (campaigns.c) */
void api_campaigns_list(http_req *req);
void api_campaigns_create(http_req *req);
void api_campaign_get(http_req *req);
void api_campaign_patch(http_req *req);
void api_campaign_delete(http_req *req);

/* queue (queue.c) */
void api_queue_get(http_req *req);
void api_queue_put(http_req *req);
void api_queue_upcoming(http_req *req);
void api_queue_reorder(http_req *req);
void api_queue_shuffle(http_req *req);

/* notifications (notifications.c) */
void api_notifications_list(http_req *req);
void api_notifications_unread_count(http_req *req);
void api_notification_read(http_req *req);
void api_notifications_read_all(http_req *req);
void api_notification_prefs_get(http_req *req);
void api_notification_prefs_put(http_req *req);

/* webhooks (webhooks.c) */
void api_webhooks_list(http_req *req);
void api_webhooks_create(http_req *req);
void api_webhook_get(http_req *req);
void api_webhook_patch(http_req *req);
void api_webhook_delete(http_req *req);
void api_webhook_rotate_secret(http_req *req);
void api_webhook_deliveries(http_req *req);
void api_webhook_test(http_req *req);
/*
 * Re-seal every webhook secret under the keyring's current key (rotate-key,
 * beside acct_reseal_all).  *count re-sealed, *skipped unreadable ones.
 */
app_err api_webhooks_reseal_all(const app *a, int *count, int *skipped);

#endif
