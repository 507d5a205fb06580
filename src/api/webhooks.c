/*
 * webhooks.c - a workspace's webhooks: list, create, change, rotate the
 * secret, delete, the delivery log, and a test delivery.
 *
 * The signing secret is made here ("whsec_" and 64 hex digits from
 * randombytes), shown once in the answer that made it, and stored sealed
 * (crypto/vault.h, associated data "webhooks:<id>:secret", key version
 * beside it).  URLs are http(s) only, without a user name or password, and
 * must not reach loopback, private or link-local addresses unless
 * P2S_WEBHOOK_ALLOW_PRIVATE=1 (notify/netguard.h; checked again at every
 * delivery).
 */
#include "api/api.h"
#include "api/common.h"
#include "api/validate.h"
#include "auth/guard.h"
#include "core/clock.h"
#include "crypto/vault.h"
#include "notify/netguard.h"
#include "notify/notify.h"
#include "store/webhooks.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define URL_MAX        2048
#define SECRET_PREFIX  "whsec_"
#define SECRET_LEN     (sizeof SECRET_PREFIX - 1 + 64)
#define EVENTS_MAX     16
#define EVENTS_TEXTMAX 1024

/* The host of a stored URL into host ("" when it has none). */
static void url_host(const char *url, char *host, size_t hostlen)
{
    host[0] = '\0';
    CURLU *h = curl_url();
    char *part = NULL;
    if (h != NULL && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(h, CURLUPART_HOST, &part, 0) == CURLUE_OK)
        snprintf(host, hostlen, "%s", part);
    curl_free(part);
    curl_url_cleanup(h);
}

/* 400 on the url field with a reason; -1. */
static int bad_url(http_req *req, const char *why)
{
    char msg[400];
    snprintf(msg, sizeof msg, "url %s", why);
    http_reply_error(req, 400, "invalid_field", msg, "url");
    return -1;
}

/*
 * Check a webhook URL: http or https, a host, no user name or password, at
 * most URL_MAX characters, and an address this server may call.  host gets
 * the URL's host.  -1 after answering 400.
 */
static int check_url(http_req *req, const char *url, char *host, size_t hostlen)
{
    if (strlen(url) > URL_MAX)
        return bad_url(req, "must be at most 2048 characters long");
    if (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0)
        return bad_url(req, "must start with https:// or http://");
    CURLU *h = curl_url();
    if (h == NULL)
        return bad_url(req, "could not be read");
    char *user = NULL, *pass = NULL, *part = NULL;
    int rc = 0;
    if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK)
        rc = bad_url(req, "is not a valid address");
    else if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK ||
             curl_url_get(h, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK)
        rc = bad_url(req, "must not hold a user name or password; put a token in the path or "
                          "rely on the signature");
    else if (curl_url_get(h, CURLUPART_HOST, &part, 0) != CURLUE_OK || part == NULL ||
             part[0] == '\0')
        rc = bad_url(req, "has no host");
    else
        snprintf(host, hostlen, "%s", part);
    curl_free(user);
    curl_free(pass);
    curl_free(part);
    curl_url_cleanup(h);
    if (rc != 0)
        return rc;
    char why[256] = "";
    if (!netguard_url_allowed(url, req->app->cfg->webhook_allow_private, why, sizeof why)) {
        char msg[300];
        snprintf(msg, sizeof msg, "is refused: %s",
                 why[0] ? why : "this address may not be called");
        return bad_url(req, msg);
    }
    return 0;
}

/*
 * The events field: a non-empty list of event kinds (notify_kind_known), or
 * ["*"] for every kind.  out gets the comma list stored.  -1 after answering.
 */
static int read_events(http_req *req, const json_t *v, char *out, size_t outlen)
{
    char field[32], msg[200];
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > EVENTS_MAX) {
        http_reply_error(req, 400, "invalid_field",
                         "events must be a list of event kinds, or [\"*\"] for every kind",
                         "events");
        return -1;
    }
    out[0] = '\0';
    size_t i, used = 0;
    const json_t *it;
    json_array_foreach(v, i, it)
    {
        const char *k = json_string_value(it);
        snprintf(field, sizeof field, "events[%zu]", i);
        if (k == NULL || (strcmp(k, "*") != 0 && !notify_kind_known(k))) {
            snprintf(msg, sizeof msg, "%s is not a kind of event (see the notification kinds)",
                     field);
            http_reply_error(req, 400, "invalid_field", msg, field);
            return -1;
        }
        if (strcmp(k, "*") == 0 && json_array_size(v) != 1) {
            snprintf(msg, sizeof msg, "%s: \"*\" (every kind) stands alone", field);
            http_reply_error(req, 400, "invalid_field", msg, field);
            return -1;
        }
        /* a kind listed twice is kept once */
        char want[80];
        snprintf(want, sizeof want, ",%s,", k);
        char have[EVENTS_TEXTMAX + 2];
        snprintf(have, sizeof have, ",%s,", out);
        if (strstr(have, want) != NULL)
            continue;
        int n = snprintf(out + used, outlen - used, "%s%s", used ? "," : "", k);
        if (n < 0 || (size_t)n >= outlen - used) {
            http_reply_error(req, 400, "invalid_field", "events lists too many kinds", "events");
            return -1;
        }
        used += (size_t)n;
    }
    return 0;
}

/* The body's "active" if present (1/0), else dflt; -1 after answering. */
static int read_active(http_req *req, int dflt, int *out)
{
    const json_t *v = json_object_get(req->json, "active");
    *out = dflt;
    if (v == NULL)
        return 0;
    if (!json_is_boolean(v)) {
        http_reply_error(req, 400, "invalid_field", "active must be true or false", "active");
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

/* A new secret and the keyring to seal it with (a store_webhook_sealer's context). */
typedef struct secret_ctx {
    keyring *keys;
    char secret[SECRET_LEN + 1];
} secret_ctx;

static void secret_new(secret_ctx *s, keyring *keys)
{
    unsigned char raw[32];
    s->keys = keys;
    randombytes_buf(raw, sizeof raw);
    memcpy(s->secret, SECRET_PREFIX, sizeof SECRET_PREFIX - 1);
    sodium_bin2hex(s->secret + sizeof SECRET_PREFIX - 1, 65, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

/* store_webhook_sealer: seal s->secret for webhook id. */
static app_err seal_secret(void *ctx, int64_t id, char **sealed, int *version)
{
    secret_ctx *s = ctx;
    char context[64];
    snprintf(context, sizeof context, "webhooks:%lld:secret", (long long)id);
    return vault_seal(s->keys, context, s->secret, sealed, version);
}

/* Answer a write: {webhook} (and the secret, shown this once) or the error. */
static void reply_hook(http_req *req, app_err e, int status, json_t *hook, const char *secret)
{
    if (e == APP_ETOOBIG) {
        char msg[96];
        snprintf(msg, sizeof msg, "a workspace has at most %d webhooks", STORE_WEBHOOKS_MAX);
        http_reply_error(req, 409, "conflict", msg, NULL);
    } else if (e != APP_OK)
        api_fail(req, e, "webhook");
    else if (secret != NULL)
        http_reply_json(req, status, json_pack("{s:o, s:s}", "webhook", hook, "secret", secret));
    else
        http_reply_json(req, status, json_pack("{s:o}", "webhook", hook));
}

void api_webhooks_list(http_req *req)
{
    json_t *items = NULL;
    app_err e = store_webhook_list(req->app->db, req->auth.workspace_id, &items);
    if (e != APP_OK)
        api_fail(req, e, "webhooks");
    else
        http_reply_json(req, 200, json_pack("{s:o}", "webhooks", items));
}

void api_webhooks_create(http_req *req)
{
    const char *url = NULL;
    char host[256] = "", events[EVENTS_TEXTMAX];
    int active = 1;
    if (v_string(req, "url", 1, 1, URL_MAX, 0, &url) != 0 ||
        check_url(req, url, host, sizeof host) != 0 ||
        read_events(req, json_object_get(req->json, "events"), events, sizeof events) != 0 ||
        read_active(req, 1, &active) != 0)
        return;
    secret_ctx s;
    secret_new(&s, req->app->keys);
    actor who;
    http_actor(req, &who);
    store_webhook_in in = {url, events, active, host};
    json_t *hook = NULL;
    app_err e = store_webhook_create(req->app->db, &who, req->auth.workspace_id, &in, seal_secret,
                                     &s, clock_now_ms(), &hook);
    reply_hook(req, e, 201, hook, s.secret);
    sodium_memzero(&s, sizeof s);
}

/* The webhook named by the path, or NULL after answering. */
static json_t *path_hook(http_req *req, int64_t *id)
{
    *id = guard_parse_id(http_param(req, "webhook_id"));
    json_t *hook = NULL;
    app_err e = *id > 0 ? store_webhook_get(req->app->db, req->auth.workspace_id, *id, &hook)
                        : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "webhook");
        return NULL;
    }
    return hook;
}

/* The host of the webhook named by the path (for the activity log): 0, or -1 after answering. */
static int path_hook_host(http_req *req, int64_t *id, char *host, size_t hostlen)
{
    json_t *cur = path_hook(req, id);
    if (cur == NULL)
        return -1;
    url_host(json_string_value(json_object_get(cur, "url")), host, hostlen);
    json_decref(cur);
    return 0;
}

void api_webhook_get(http_req *req)
{
    int64_t id;
    json_t *hook = path_hook(req, &id);
    if (hook != NULL)
        http_reply_json(req, 200, json_pack("{s:o}", "webhook", hook));
}

void api_webhook_patch(http_req *req)
{
    int64_t id;
    json_t *cur = path_hook(req, &id);
    if (cur == NULL)
        return;
    const char *url = NULL;
    char host[256] = "", events[EVENTS_TEXTMAX] = "";
    int active = json_is_true(json_object_get(cur, "active"));
    const json_t *ev = json_object_get(req->json, "events");
    int bad = v_string(req, "url", 0, 1, URL_MAX, 0, &url) != 0 ||
              (url != NULL && check_url(req, url, host, sizeof host) != 0) ||
              (ev != NULL && read_events(req, ev, events, sizeof events) != 0) ||
              read_active(req, active, &active) != 0;
    if (!bad) {
        if (url == NULL) {
            url = json_string_value(json_object_get(cur, "url"));
            url_host(url, host, sizeof host);
        }
        if (ev == NULL) {
            /* the stored list as it is */
            size_t i, used = 0;
            json_t *k;
            json_array_foreach(json_object_get(cur, "events"), i, k)
            {
                int n = snprintf(events + used, sizeof events - used, "%s%s", used ? "," : "",
                                 json_string_value(k));
                if (n > 0 && (size_t)n < sizeof events - used)
                    used += (size_t)n;
            }
        }
        actor who;
        http_actor(req, &who);
        store_webhook_in in = {url, events, active, host};
        json_t *hook = NULL;
        app_err e = store_webhook_update(req->app->db, &who, req->auth.workspace_id, id, &in,
                                         clock_now_ms(), &hook);
        reply_hook(req, e, 200, hook, NULL);
    }
    json_decref(cur);
}

void api_webhook_rotate_secret(http_req *req)
{
    int64_t id;
    char host[256];
    if (path_hook_host(req, &id, host, sizeof host) != 0)
        return;
    secret_ctx s;
    secret_new(&s, req->app->keys);
    actor who;
    http_actor(req, &who);
    json_t *hook = NULL;
    app_err e = store_webhook_rotate(req->app->db, &who, req->auth.workspace_id, id, host,
                                     seal_secret, &s, clock_now_ms(), &hook);
    reply_hook(req, e, 200, hook, s.secret);
    sodium_memzero(&s, sizeof s);
}

void api_webhook_delete(http_req *req)
{
    int64_t id;
    char host[256];
    if (path_hook_host(req, &id, host, sizeof host) != 0)
        return;
    actor who;
    http_actor(req, &who);
    app_err e =
        store_webhook_delete(req->app->db, &who, req->auth.workspace_id, id, host, clock_now_ms());
    if (e != APP_OK)
        api_fail(req, e, "webhook");
    else
        http_reply_empty(req, 204);
}

void api_webhook_deliveries(http_req *req)
{
    int64_t id = guard_parse_id(http_param(req, "webhook_id"));
    int64_t before = 0, limit = 50;
    const char *s = http_query(req, "cursor");
    if (s != NULL && *s && (before = guard_parse_id(s)) <= 0) {
        http_reply_error(req, 400, "invalid_field", "cursor must be a positive integer id",
                         "cursor");
        return;
    }
    s = http_query(req, "limit");
    if (s != NULL && *s && ((limit = guard_parse_id(s)) < 1 || limit > 200)) {
        http_reply_error(req, 400, "invalid_field", "limit must be 1 to 200", "limit");
        return;
    }
    json_t *items = NULL;
    int more = 0;
    app_err e = id > 0 ? store_webhook_deliveries(req->app->db, req->auth.workspace_id, id, before,
                                                  (int)limit, &items, &more)
                       : APP_ENOTFOUND;
    if (e != APP_OK) {
        api_fail(req, e, "webhook");
        return;
    }
    json_t *last = json_array_get(items, json_array_size(items) - 1);
    json_t *next = more && last != NULL
                       ? json_integer(json_integer_value(json_object_get(last, "id")))
                       : json_null();
    http_reply_json(req, 200, json_pack("{s:o, s:o}", "deliveries", items, "next_cursor", next));
}

void api_webhook_test(http_req *req)
{
    int64_t id;
    char host[256];
    if (path_hook_host(req, &id, host, sizeof host) != 0)
        return;
    int64_t now = clock_now_ms();
    /* the shape of every delivery (store/events.c), with id 0 and type "test" */
    json_t *payload = json_pack(
        "{s:i, s:s, s:I, s:I, s:s, s:s, s:s, s:{s:I}}", "id", 0, "type", "test", "created_ms",
        (json_int_t)now, "workspace_id", (json_int_t)req->auth.workspace_id, "title",
        "Test delivery from Post2Share", "body",
        "This is a test. If you can read it, the webhook works and its signature can be checked.",
        "link", req->app->cfg->public_url, "data", "webhook_id", (json_int_t)id);
    char *text = payload != NULL ? json_dumps(payload, JSON_COMPACT) : NULL;
    json_decref(payload);
    if (text == NULL) {
        api_fail(req, APP_ENOMEM, "webhook");
        return;
    }
    actor who;
    http_actor(req, &who);
    json_t *delivery = NULL;
    app_err e = store_webhook_queue_test(req->app->db, &who, req->auth.workspace_id, id, host, text,
                                         now, &delivery);
    free(text);
    if (e != APP_OK) {
        api_fail(req, e, "webhook");
        return;
    }
    if (req->app->on_event != NULL)
        req->app->on_event(req->app); /* wake this process's senders */
    http_reply_json(req, 202, json_pack("{s:o}", "delivery", delivery));
}

/* store_webhook_resealer over the keyring. */
static app_err reseal_secret(void *ctx, int64_t id, const char *sealed, int version,
                             char **resealed, int *new_version)
{
    keyring *keys = ctx;
    char context[64], *plain = NULL;
    snprintf(context, sizeof context, "webhooks:%lld:secret", (long long)id);
    app_err e = vault_open(keys, context, sealed, version, &plain);
    if (e == APP_OK)
        e = vault_seal(keys, context, plain, resealed, new_version);
    vault_wipe(plain);
    return e;
}

app_err api_webhooks_reseal_all(const app *a, int *count, int *skipped)
{
    unsigned char k[KEY_BYTES];
    int current = keyring_current(a->keys, k);
    sodium_memzero(k, sizeof k);
    return store_webhook_reseal_all(a->db, current, reseal_secret, a->keys, count, skipped);
}
