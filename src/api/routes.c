/*
 * routes.c - every route of the server, as data.
 *
 * Keep docs/openapi.json in step: a unit test compares the two.
 */
#include "api/api.h"

#define KiB(n) ((size_t)(n)*1024)

static const route table[] = {
    /* method  pattern                     handler            permission   body cap  flags */
    {"GET", "/healthz", api_healthz, PERM_PUBLIC, 0, 0},
    {"GET", "/readyz", api_readyz, PERM_PUBLIC, 0, 0},
    {"GET", "/api/v1/openapi.json", api_openapi, PERM_PUBLIC, 0, 0},
    {"POST", "/api/v1/client-errors", api_client_error, PERM_PUBLIC, KiB(16), ROUTE_JSON},

    /* accounts and sign-in */
    {"POST", "/api/v1/auth/register", api_register, PERM_PUBLIC, KiB(8), ROUTE_JSON},
    {"POST", "/api/v1/auth/login", api_login, PERM_PUBLIC, KiB(8), ROUTE_JSON},
    {"POST", "/api/v1/auth/logout", api_logout, PERM_SESSION, KiB(1), ROUTE_JSON},
    {"GET", "/api/v1/me", api_me_get, PERM_USER, 0, 0},
    {"PATCH", "/api/v1/me", api_me_patch, PERM_SESSION, KiB(8), ROUTE_JSON},
    {"PUT", "/api/v1/me/password", api_me_password, PERM_SESSION, KiB(8), ROUTE_JSON},
    {"GET", "/api/v1/me/sessions", api_sessions_list, PERM_SESSION, 0, 0},
    {"DELETE", "/api/v1/me/sessions/{session_id}", api_sessions_delete, PERM_SESSION, 0, 0},
    {"GET", "/api/v1/me/api-keys", api_keys_list, PERM_SESSION, 0, 0},
    {"POST", "/api/v1/me/api-keys", api_keys_create, PERM_SESSION, KiB(8), ROUTE_JSON},
    {"DELETE", "/api/v1/me/api-keys/{key_id}", api_keys_delete, PERM_SESSION, 0, 0},
    /* live events of all the caller's workspaces (Server-Sent Events; http/sse.h) */
    {"GET", "/api/v1/events", api_events, PERM_USER, 0, 0},

    /* workspaces, members, invitations, activity */
    {"GET", "/api/v1/workspaces", api_workspaces_list, PERM_USER, 0, 0},
    {"POST", "/api/v1/workspaces", api_workspaces_create, PERM_SESSION, KiB(8), ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}", api_workspace_get, PERM_WS_READ, 0, 0},
    {"PATCH", "/api/v1/workspaces/{id}", api_workspace_patch, PERM_WS_MANAGE, KiB(8), ROUTE_JSON},
    {"DELETE", "/api/v1/workspaces/{id}", api_workspace_delete, PERM_WS_DELETE, 0, ROUTE_BROWSER},
    {"GET", "/api/v1/workspaces/{id}/members", api_members_list, PERM_WS_READ, 0, 0},
    {"PATCH", "/api/v1/workspaces/{id}/members/{user_id}", api_member_patch, PERM_WS_MANAGE, KiB(1),
     ROUTE_JSON},
    {"DELETE", "/api/v1/workspaces/{id}/members/{user_id}", api_member_delete, PERM_WS_MANAGE, 0,
     0},
    {"POST", "/api/v1/workspaces/{id}/leave", api_workspace_leave, PERM_WS_READ, KiB(1),
     ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}/invitations", api_invitations_list, PERM_WS_MANAGE, 0, 0},
    {"POST", "/api/v1/workspaces/{id}/invitations", api_invitations_create, PERM_WS_MANAGE, KiB(8),
     ROUTE_JSON},
    {"DELETE", "/api/v1/workspaces/{id}/invitations/{invitation_id}", api_invitations_delete,
     PERM_WS_MANAGE, 0, 0},
    {"GET", "/api/v1/invitations/{token}", api_invitation_preview, PERM_PUBLIC, 0, 0},
    {"POST", "/api/v1/invitations/{token}/accept", api_invitation_accept, PERM_SESSION, KiB(1),
     ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}/activity", api_activity_list, PERM_WS_ACTIVITY, 0, 0},

    /* media library */
    {"POST", "/api/v1/workspaces/{id}/media", api_media_upload, PERM_WS_DRAFT, 0, ROUTE_STREAM},
    {"GET", "/api/v1/workspaces/{id}/media", api_media_list, PERM_WS_READ, 0, 0},
    {"GET", "/api/v1/workspaces/{id}/media/{media_id}", api_media_get, PERM_WS_READ, 0, 0},
    {"PATCH", "/api/v1/workspaces/{id}/media/{media_id}", api_media_patch, PERM_WS_DRAFT, KiB(8),
     ROUTE_JSON},
    {"DELETE", "/api/v1/workspaces/{id}/media/{media_id}", api_media_delete, PERM_WS_PUBLISH, 0, 0},
    {"GET", "/api/v1/workspaces/{id}/media/{media_id}/file", api_media_file, PERM_WS_READ, 0, 0},
    {"GET", "/api/v1/workspaces/{id}/media/{media_id}/thumbnail", api_media_thumbnail, PERM_WS_READ,
     0, 0},

    {"POST", "/api/v1/workspaces/{id}/media/{media_id}/public-url", api_media_public_url,
     PERM_WS_PUBLISH, KiB(1), ROUTE_JSON},
    {"GET", "/media/public/{token}", api_media_public, PERM_PUBLIC, 0, 0},

    /* connected social accounts */
    {"GET", "/api/v1/platforms", api_platforms, PERM_USER, 0, 0},
    {"GET", "/api/v1/workspaces/{id}/accounts", api_accounts_list, PERM_WS_READ, 0, 0},
    {"POST", "/api/v1/workspaces/{id}/accounts/connect", api_accounts_connect, PERM_WS_CONNECT,
     KiB(1), ROUTE_JSON | ROUTE_BROWSER},
    {"GET", "/api/v1/oauth/{platform}/callback", api_oauth_callback, PERM_PUBLIC, 0, 0},
    {"GET", "/api/v1/workspaces/{id}/accounts/pending/{pending_id}", api_accounts_pending_get,
     PERM_WS_CONNECT, 0, ROUTE_BROWSER},
    {"POST", "/api/v1/workspaces/{id}/accounts/pending/{pending_id}", api_accounts_pending_choose,
     PERM_WS_CONNECT, KiB(8), ROUTE_JSON | ROUTE_BROWSER},
    {"POST", "/api/v1/workspaces/{id}/accounts/{account_id}/refresh", api_account_refresh,
     PERM_WS_CONNECT, KiB(1), ROUTE_JSON},
    {"DELETE", "/api/v1/workspaces/{id}/accounts/{account_id}", api_account_delete, PERM_WS_CONNECT,
     0, 0},

    /* posts, calendar, campaigns, queue */
    {"GET", "/api/v1/workspaces/{id}/posts", api_posts_list, PERM_WS_READ, 0, 0},
    {"POST", "/api/v1/workspaces/{id}/posts", api_posts_create, PERM_WS_DRAFT, KiB(512),
     ROUTE_JSON},
    {"POST", "/api/v1/workspaces/{id}/posts/validate", api_posts_validate, PERM_WS_DRAFT, KiB(512),
     ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}/posts/export.csv", api_posts_export, PERM_WS_READ, 0, 0},
    {"POST", "/api/v1/workspaces/{id}/posts/import", api_posts_import, PERM_WS_PUBLISH, KiB(2048),
     0},
    {"GET", "/api/v1/workspaces/{id}/posts/{post_id}", api_post_get, PERM_WS_READ, 0, 0},
    {"PATCH", "/api/v1/workspaces/{id}/posts/{post_id}", api_post_patch, PERM_WS_DRAFT, KiB(512),
     ROUTE_JSON},
    {"DELETE", "/api/v1/workspaces/{id}/posts/{post_id}", api_post_delete, PERM_WS_DRAFT, 0, 0},
    {"POST", "/api/v1/workspaces/{id}/posts/{post_id}/submit", api_post_submit, PERM_WS_DRAFT,
     KiB(1), ROUTE_JSON},
    {"POST", "/api/v1/workspaces/{id}/posts/{post_id}/approve", api_post_approve, PERM_WS_PUBLISH,
     KiB(4), ROUTE_JSON},
    {"POST", "/api/v1/workspaces/{id}/posts/{post_id}/request-changes", api_post_request_changes,
     PERM_WS_PUBLISH, KiB(8), ROUTE_JSON},
    {"POST", "/api/v1/workspaces/{id}/posts/{post_id}/schedule", api_post_schedule, PERM_WS_PUBLISH,
     KiB(4), ROUTE_JSON},
    {"POST", "/api/v1/workspaces/{id}/posts/{post_id}/cancel", api_post_cancel, PERM_WS_PUBLISH,
     KiB(1), ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}/posts/{post_id}/attempts", api_post_attempts, PERM_WS_READ, 0,
     0},
    {"POST", "/api/v1/workspaces/{id}/posts/{post_id}/targets/{target_id}/retry", api_target_retry,
     PERM_WS_PUBLISH, KiB(1), ROUTE_JSON},
    {"POST", "/api/v1/workspaces/{id}/posts/{post_id}/targets/{target_id}/cancel",
     api_target_cancel, PERM_WS_PUBLISH, KiB(1), ROUTE_JSON},
    {"GET", "/api/v1/admin/engine", api_admin_engine, PERM_PUBLIC, 0, ROUTE_OWN_AUTH},
    {"GET", "/api/v1/workspaces/{id}/calendar", api_calendar, PERM_WS_READ, 0, 0},
    {"GET", "/api/v1/workspaces/{id}/campaigns", api_campaigns_list, PERM_WS_READ, 0, 0},
    {"POST", "/api/v1/workspaces/{id}/campaigns", api_campaigns_create, PERM_WS_PUBLISH, KiB(8),
     ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}/campaigns/{campaign_id}", api_campaign_get, PERM_WS_READ, 0,
     0},
    {"PATCH", "/api/v1/workspaces/{id}/campaigns/{campaign_id}", api_campaign_patch,
     PERM_WS_PUBLISH, KiB(8), ROUTE_JSON},
    {"DELETE", "/api/v1/workspaces/{id}/campaigns/{campaign_id}", api_campaign_delete,
     PERM_WS_PUBLISH, 0, 0},
    {"GET", "/api/v1/workspaces/{id}/queue", api_queue_get, PERM_WS_READ, 0, 0},
    {"PUT", "/api/v1/workspaces/{id}/queue", api_queue_put, PERM_WS_PUBLISH, KiB(16), ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}/queue/upcoming", api_queue_upcoming, PERM_WS_READ, 0, 0},
    {"POST", "/api/v1/workspaces/{id}/queue/reorder", api_queue_reorder, PERM_WS_PUBLISH, KiB(16),
     ROUTE_JSON},
    {"POST", "/api/v1/workspaces/{id}/queue/shuffle", api_queue_shuffle, PERM_WS_PUBLISH, KiB(1),
     ROUTE_JSON},

    /* notifications of the signed-in person, their preferences, webhooks */
    {"GET", "/api/v1/notifications", api_notifications_list, PERM_USER, 0, 0},
    {"GET", "/api/v1/notifications/unread-count", api_notifications_unread_count, PERM_USER, 0, 0},
    {"POST", "/api/v1/notifications/read-all", api_notifications_read_all, PERM_USER, KiB(1),
     ROUTE_JSON},
    {"POST", "/api/v1/notifications/{notification_id}/read", api_notification_read, PERM_USER,
     KiB(1), ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}/notification-preferences", api_notification_prefs_get,
     PERM_WS_READ, 0, 0},
    {"PUT", "/api/v1/workspaces/{id}/notification-preferences", api_notification_prefs_put,
     PERM_WS_READ, KiB(8), ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}/webhooks", api_webhooks_list, PERM_WS_MANAGE, 0, 0},
    {"POST", "/api/v1/workspaces/{id}/webhooks", api_webhooks_create, PERM_WS_MANAGE, KiB(8),
     ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}/webhooks/{webhook_id}", api_webhook_get, PERM_WS_MANAGE, 0, 0},
    {"PATCH", "/api/v1/workspaces/{id}/webhooks/{webhook_id}", api_webhook_patch, PERM_WS_MANAGE,
     KiB(8), ROUTE_JSON},
    {"DELETE", "/api/v1/workspaces/{id}/webhooks/{webhook_id}", api_webhook_delete, PERM_WS_MANAGE,
     0, 0},
    {"POST", "/api/v1/workspaces/{id}/webhooks/{webhook_id}/rotate-secret",
     api_webhook_rotate_secret, PERM_WS_MANAGE, KiB(1), ROUTE_JSON},
    {"GET", "/api/v1/workspaces/{id}/webhooks/{webhook_id}/deliveries", api_webhook_deliveries,
     PERM_WS_MANAGE, 0, 0},
    {"POST", "/api/v1/workspaces/{id}/webhooks/{webhook_id}/test", api_webhook_test, PERM_WS_MANAGE,
     KiB(1), ROUTE_JSON},
};

const route *api_routes(size_t *count)
{
    *count = sizeof table / sizeof table[0];
    return table;
}
