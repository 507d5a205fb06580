/* config.c - the settings table, and loading it from defaults, environment and flags. */
#define _POSIX_C_SOURCE 200809L
#include "core/config.h"
#include "core/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define S(field) offsetof(config, field), sizeof(((config *)0)->field)

static const cfg_def settings[] = {
    {"listen", "P2S_LISTEN", CFG_HOSTPORT, "127.0.0.1:8080", 0, 0, S(listen), 1,
     "Address and port the HTTP server binds (host:port, [v6]:port; port 0 picks a free one)"},
    {"data-dir", "P2S_DATA_DIR", CFG_STRING, "./data", 0, 0, S(data_dir), 1,
     "Directory for the embedded database, media files and the generated key file"},
    {"database-url", "P2S_DATABASE_URL", CFG_DBURL, "", 0, 0, S(database_url), 1,
     "Database: sqlite:PATH or a file path (default DATA_DIR/post2share.db), or "
     "postgres://user:pass@host:port/db"},
    {"public-url", "P2S_PUBLIC_URL", CFG_URL, "", 0, 0, S(public_url), 1,
     "Base URL users and platforms reach this server at (default http://LISTEN)"},
    {"secret-key", "P2S_SECRET_KEY", CFG_SECRET, "", 0, 0, S(secret_key), 0,
     "Master key, 64 hex characters; environment only, never a flag (flags show in ps)"},
    {"secret-key-file", "P2S_SECRET_KEY_FILE", CFG_STRING, "", 0, 0, S(secret_key_file), 1,
     "Key file used when P2S_SECRET_KEY is unset (default DATA_DIR/secret.key, created 0600)"},
    {"web-dir", "P2S_WEB_DIR", CFG_STRING, "./web/dist", 0, 0, S(web_dir), 1,
     "Directory of the built web app served at /"},
    {"log-level", "P2S_LOG_LEVEL", CFG_LEVEL, "info", 0, 0, S(log_level), 1,
     "Lowest level logged: debug, info, warn or error"},
    {"threads", "P2S_THREADS", CFG_INT, "4", 1, 256, S(threads), 1,
     "HTTP worker threads (thread pool, epoll)"},
    {"db-pool", "P2S_DB_POOL", CFG_INT, "8", 1, 256, S(db_pool), 1,
     "Database connections kept open by this process"},
    {"max-body-kb", "P2S_MAX_BODY_KB", CFG_INT, "1024", 1, 1048576, S(max_body_kb), 1,
     "Largest JSON request body in KiB for routes without their own cap"},
    {"max-connections", "P2S_MAX_CONNECTIONS", CFG_INT, "4096", 16, 1000000, S(max_connections), 1,
     "Most HTTP connections open at once"},
    {"connection-timeout", "P2S_CONNECTION_TIMEOUT", CFG_INT, "60", 1, 3600, S(connection_timeout),
     1, "Seconds an idle HTTP connection is kept"},
    {"sse-heartbeat", "P2S_SSE_HEARTBEAT", CFG_INT, "15", 1, 300, S(sse_heartbeat_s), 1,
     "Seconds between heartbeats on an idle live event stream (GET /api/v1/events)"},
    {"shutdown-timeout", "P2S_SHUTDOWN_TIMEOUT", CFG_INT, "20", 0, 3600, S(shutdown_timeout), 1,
     "Seconds requests in flight get to finish after SIGTERM/SIGINT"},
    {"trust-proxy", "P2S_TRUST_PROXY", CFG_INT, "0", 0, 1, S(trust_proxy), 1,
     "1 behind a reverse proxy: the client address is the last X-Forwarded-For entry"},
    {"hash-slots", "P2S_HASH_SLOTS", CFG_INT, "2", 1, 64, S(hash_slots), 1,
     "Password hashes computed at once (each takes about 64 MiB for 0.1 s)"},
    {"auth-fail-limit", "P2S_AUTH_FAIL_LIMIT", CFG_INT, "10", 1, 1000000, S(auth_fail_limit), 1,
     "Failed sign-ins or registrations allowed per IP and per email in one window"},
    {"signup-limit", "P2S_SIGNUP_LIMIT", CFG_INT, "20", 1, 1000000, S(signup_limit), 1,
     "Accounts that may be created from one IP in one window"},
    {"auth-window", "P2S_AUTH_WINDOW", CFG_INT, "900", 10, 86400, S(auth_window_s), 1,
     "Length of the throttling window in seconds"},
    {"session-idle-hours", "P2S_SESSION_IDLE_HOURS", CFG_INT, "336", 1, 8760, S(session_idle_hours),
     1, "A session not used for this many hours ends"},
    {"session-max-days", "P2S_SESSION_MAX_DAYS", CFG_INT, "30", 1, 365, S(session_max_days), 1,
     "A session ends this many days after sign-in, used or not"},
    {"refresh-interval", "P2S_REFRESH_INTERVAL", CFG_INT, "60", 1, 3600, S(refresh_interval_s), 1,
     "Seconds between looks for platform tokens to refresh ahead of expiry"},
    {"worker", "P2S_WORKER", CFG_INT, "1", 0, 1, S(worker), 1,
     "1: serve also runs the publishing worker (serve --no-worker sets 0)"},
    {"engine-inflight", "P2S_ENGINE_INFLIGHT", CFG_INT, "256", 1, 100000, S(engine_inflight), 1,
     "Targets one worker publishes at once"},
    {"engine-per-account", "P2S_ENGINE_PER_ACCOUNT", CFG_INT, "4", 1, 1000, S(engine_per_account),
     1, "Requests in flight at once for one connected account, per worker"},
    {"engine-per-platform", "P2S_ENGINE_PER_PLATFORM", CFG_INT, "128", 1, 100000,
     S(engine_per_platform), 1, "Requests in flight at once to one platform, per worker"},
    {"engine-lease", "P2S_ENGINE_LEASE", CFG_INT, "60", 5, 3600, S(engine_lease_s), 1,
     "Seconds a claimed target stays with its worker without renewal (then another takes it)"},
    {"engine-max-attempts", "P2S_ENGINE_MAX_ATTEMPTS", CFG_INT, "8", 1, 100, S(engine_max_attempts),
     1, "Attempts before a target that keeps failing for passing reasons fails"},
    {"metrics-token", "P2S_METRICS_TOKEN", CFG_SECRET, "", 0, 0, S(metrics_token), 0,
     "Bearer token operators send to read GET /api/v1/admin/engine (unset: the route is off)"},
    {"media-dir", "P2S_MEDIA_DIR", CFG_STRING, "", 0, 0, S(media_dir), 1,
     "Directory of the local media store (default DATA_DIR/media)"},
    {"media-store", "P2S_MEDIA_STORE", CFG_STRING, "local", 0, 0, S(media_store), 1,
     "Where media files live: local (P2S_MEDIA_DIR) or s3 (the P2S_S3_* bucket)"},
    {"s3-endpoint", "P2S_S3_ENDPOINT", CFG_URL, "", 0, 0, S(s3_endpoint), 1,
     "S3-compatible endpoint, e.g. https://s3.eu-west-1.amazonaws.com"},
    {"s3-region", "P2S_S3_REGION", CFG_STRING, "us-east-1", 0, 0, S(s3_region), 1,
     "Region used to sign S3 requests (Signature V4)"},
    {"s3-bucket", "P2S_S3_BUCKET", CFG_STRING, "", 0, 0, S(s3_bucket), 1, "S3 bucket for media"},
    {"s3-access-key", "P2S_S3_ACCESS_KEY", CFG_SECRET, "", 0, 0, S(s3_access_key), 0,
     "S3 access key id; environment only"},
    {"s3-secret-key", "P2S_S3_SECRET_KEY", CFG_SECRET, "", 0, 0, S(s3_secret_key), 0,
     "S3 secret access key; environment only"},
    {"s3-path-style", "P2S_S3_PATH_STYLE", CFG_INT, "1", 0, 1, S(s3_path_style), 1,
     "1: ENDPOINT/BUCKET/KEY addresses; 0: virtual-hosted BUCKET.ENDPOINT/KEY"},
    {"media-max-mb", "P2S_MEDIA_MAX_MB", CFG_INT, "2048", 1, 1048576, S(media_max_mb), 1,
     "Largest media file accepted, in MiB"},
    {"media-quota-mb", "P2S_MEDIA_QUOTA_MB", CFG_INT, "10240", 1, 104857600, S(media_quota_mb), 1,
     "Media a workspace may keep, in MiB"},
    {"facebook-client-id", "P2S_FACEBOOK_CLIENT_ID", CFG_STRING, "", 0, 0, S(facebook.client_id), 1,
     "Facebook app client id (empty: connecting Facebook is off)"},
    {"facebook-client-secret", "P2S_FACEBOOK_CLIENT_SECRET", CFG_SECRET, "", 0, 0,
     S(facebook.client_secret), 0, "Facebook app secret; environment only"},
    {"facebook-auth-url", "P2S_FACEBOOK_AUTH_URL", CFG_URL, "https://www.facebook.com", 0, 0,
     S(facebook.auth_url), 1, "Facebook authorization dialog host"},
    {"facebook-token-url", "P2S_FACEBOOK_TOKEN_URL", CFG_URL, "https://graph.facebook.com", 0, 0,
     S(facebook.token_url), 1, "Facebook token endpoint host"},
    {"facebook-api-url", "P2S_FACEBOOK_API_URL", CFG_URL, "https://graph.facebook.com", 0, 0,
     S(facebook.api_url), 1, "Facebook Graph API host"},
    {"facebook-upload-url", "P2S_FACEBOOK_UPLOAD_URL", CFG_URL, "https://rupload.facebook.com", 0,
     0, S(facebook.upload_url), 1, "Facebook video upload host"},
    {"facebook-version", "P2S_FACEBOOK_VERSION", CFG_STRING, "v20.0", 0, 0, S(facebook.version), 1,
     "Facebook Graph API version"},
    {"instagram-client-id", "P2S_INSTAGRAM_CLIENT_ID", CFG_STRING, "", 0, 0, S(instagram.client_id),
     1, "Instagram Login app client id (empty: connecting Instagram Login is off)"},
    {"instagram-client-secret", "P2S_INSTAGRAM_CLIENT_SECRET", CFG_SECRET, "", 0, 0,
     S(instagram.client_secret), 0, "Instagram Login app secret; environment only"},
    {"instagram-auth-url", "P2S_INSTAGRAM_AUTH_URL", CFG_URL, "https://www.instagram.com", 0, 0,
     S(instagram.auth_url), 1, "Instagram Login authorization page host"},
    {"instagram-token-url", "P2S_INSTAGRAM_TOKEN_URL", CFG_URL, "https://api.instagram.com", 0, 0,
     S(instagram.token_url), 1, "Instagram Login code exchange host"},
    {"instagram-api-url", "P2S_INSTAGRAM_API_URL", CFG_URL, "https://graph.instagram.com", 0, 0,
     S(instagram.api_url), 1, "Instagram Login Graph API host"},
    {"instagram-upload-url", "P2S_INSTAGRAM_UPLOAD_URL", CFG_URL, "https://rupload.facebook.com", 0,
     0, S(instagram.upload_url), 1, "Instagram Login upload host"},
    {"instagram-version", "P2S_INSTAGRAM_VERSION", CFG_STRING, "v21.0", 0, 0, S(instagram.version),
     1, "Instagram Login Graph API version"},
    {"linkedin-client-id", "P2S_LINKEDIN_CLIENT_ID", CFG_STRING, "", 0, 0, S(linkedin.client_id), 1,
     "LinkedIn app client id (empty: connecting LinkedIn is off)"},
    {"linkedin-client-secret", "P2S_LINKEDIN_CLIENT_SECRET", CFG_SECRET, "", 0, 0,
     S(linkedin.client_secret), 0, "LinkedIn app secret; environment only"},
    {"linkedin-auth-url", "P2S_LINKEDIN_AUTH_URL", CFG_URL, "https://www.linkedin.com", 0, 0,
     S(linkedin.auth_url), 1, "LinkedIn authorization page host"},
    {"linkedin-token-url", "P2S_LINKEDIN_TOKEN_URL", CFG_URL, "https://www.linkedin.com", 0, 0,
     S(linkedin.token_url), 1, "LinkedIn token endpoint host"},
    {"linkedin-api-url", "P2S_LINKEDIN_API_URL", CFG_URL, "https://api.linkedin.com", 0, 0,
     S(linkedin.api_url), 1, "LinkedIn API host"},
    {"linkedin-upload-url", "P2S_LINKEDIN_UPLOAD_URL", CFG_URL, "https://www.linkedin.com", 0, 0,
     S(linkedin.upload_url), 1, "LinkedIn upload host"},
    {"linkedin-version", "P2S_LINKEDIN_VERSION", CFG_STRING, "202601", 0, 0, S(linkedin.version), 1,
     "LinkedIn LinkedIn-Version header (YYYYMM)"},
    {"google-client-id", "P2S_GOOGLE_CLIENT_ID", CFG_STRING, "", 0, 0, S(google.client_id), 1,
     "Google (YouTube) app client id (empty: connecting Google (YouTube) is off)"},
    {"google-client-secret", "P2S_GOOGLE_CLIENT_SECRET", CFG_SECRET, "", 0, 0,
     S(google.client_secret), 0, "Google (YouTube) app secret; environment only"},
    {"google-auth-url", "P2S_GOOGLE_AUTH_URL", CFG_URL, "https://accounts.google.com", 0, 0,
     S(google.auth_url), 1, "Google (YouTube) authorization page host"},
    {"google-token-url", "P2S_GOOGLE_TOKEN_URL", CFG_URL, "https://oauth2.googleapis.com", 0, 0,
     S(google.token_url), 1, "Google (YouTube) token endpoint host"},
    {"google-api-url", "P2S_GOOGLE_API_URL", CFG_URL, "https://www.googleapis.com", 0, 0,
     S(google.api_url), 1, "Google (YouTube) YouTube Data API host"},
    {"google-upload-url", "P2S_GOOGLE_UPLOAD_URL", CFG_URL, "https://www.googleapis.com", 0, 0,
     S(google.upload_url), 1, "Google (YouTube) upload host"},
    {"google-version", "P2S_GOOGLE_VERSION", CFG_STRING, "v3", 0, 0, S(google.version), 1,
     "Google (YouTube) YouTube Data API version"},
    {"x-client-id", "P2S_X_CLIENT_ID", CFG_STRING, "", 0, 0, S(x.client_id), 1,
     "X app client id (empty: connecting X is off)"},
    {"x-client-secret", "P2S_X_CLIENT_SECRET", CFG_SECRET, "", 0, 0, S(x.client_secret), 0,
     "X app secret; environment only"},
    {"x-auth-url", "P2S_X_AUTH_URL", CFG_URL, "https://x.com", 0, 0, S(x.auth_url), 1,
     "X authorization page host"},
    {"x-token-url", "P2S_X_TOKEN_URL", CFG_URL, "https://api.x.com", 0, 0, S(x.token_url), 1,
     "X token endpoint host"},
    {"x-api-url", "P2S_X_API_URL", CFG_URL, "https://api.x.com", 0, 0, S(x.api_url), 1,
     "X API host"},
    {"x-upload-url", "P2S_X_UPLOAD_URL", CFG_URL, "https://api.x.com", 0, 0, S(x.upload_url), 1,
     "X media upload host"},
    {"x-version", "P2S_X_VERSION", CFG_STRING, "2", 0, 0, S(x.version), 1, "X API version"},
    {"smtp-url", "P2S_SMTP_URL", CFG_STRING, "", 0, 0, S(smtp_url), 1,
     "SMTP server for email notifications: smtp://host:587 or smtps://host:465 (empty: email is "
     "off; queued emails fail after a day)"},
    {"smtp-starttls", "P2S_SMTP_STARTTLS", CFG_STRING, "required", 0, 0, S(smtp_starttls), 1,
     "STARTTLS on smtp:// URLs: off, try (use it when offered) or required (smtps:// is always "
     "TLS)"},
    {"smtp-user", "P2S_SMTP_USER", CFG_STRING, "", 0, 0, S(smtp_user), 1,
     "SMTP user name (empty: no authentication)"},
    {"smtp-password", "P2S_SMTP_PASSWORD", CFG_SECRET, "", 0, 0, S(smtp_password), 0,
     "SMTP password; environment only"},
    {"smtp-from", "P2S_SMTP_FROM", CFG_STRING, "", 0, 0, S(smtp_from), 1,
     "From of emails: an address, or a display name then the address in angle brackets "
     "(default: Post2Share, post2share@ the host of P2S_PUBLIC_URL)"},
    {"email-digest-minutes", "P2S_EMAIL_DIGEST_MINUTES", CFG_INT, "60", 1, 1440,
     S(email_digest_minutes), 1,
     "Minutes the emails of people who chose a digest are gathered before one email goes out"},
    {"webhook-allow-private", "P2S_WEBHOOK_ALLOW_PRIVATE", CFG_INT, "0", 0, 1,
     S(webhook_allow_private), 1,
     "1: webhooks and CSV media links may point at loopback, private, link-local or other "
     "internal addresses"},
};

#undef S

const cfg_def *config_table(size_t *count)
{
    *count = sizeof settings / sizeof settings[0];
    return settings;
}

int config_split_hostport(const char *hp, char *host, size_t hostlen, int *port)
{
    const char *colon;
    const char *h = hp;
    size_t hl;
    if (hp[0] == '[') {
        const char *close = strchr(hp, ']');
        if (close == NULL || close[1] != ':')
            return -1;
        h = hp + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(hp, ':');
        if (colon == NULL)
            return -1;
        hl = (size_t)(colon - hp);
        if (memchr(hp, ':', hl) != NULL) /* bare IPv6 needs brackets */
            return -1;
    }
    if (hl == 0 || hl >= hostlen)
        return -1;
    for (size_t i = 0; i < hl; i++) {
        unsigned char c = (unsigned char)h[i];
        if (!(isalnum(c) || c == '.' || c == '-' || c == ':' || c == '%' || c == '_'))
            return -1;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    const char *p = colon + 1;
    if (*p == '\0' || strlen(p) > 5)
        return -1;
    long v = 0;
    for (; *p != '\0'; p++) {
        if (!isdigit((unsigned char)*p))
            return -1;
        v = v * 10 + (*p - '0');
    }
    if (v > 65535)
        return -1;
    *port = (int)v;
    return 0;
}

/* Check value against def and store it; on failure write a message to err. */
static int set_value(config *cfg, const cfg_def *d, const char *src, const char *value, char *err,
                     size_t errlen)
{
    char *field = (char *)cfg + d->offset;
    size_t vlen = strlen(value);
    const char *shown = d->type == CFG_SECRET ? "(hidden)" : value;

    switch (d->type) {
    case CFG_INT: {
        char *end = NULL;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (vlen == 0 || errno != 0 || *end != '\0' || v < d->min || v > d->max) {
            snprintf(err, errlen, "%s (%s --%s): must be an integer from %ld to %ld, got '%.64s'",
                     d->env, src, d->name, d->min, d->max, value);
            return -1;
        }
        *(int *)(void *)field = (int)v;
        return 0;
    }
    case CFG_HOSTPORT: {
        char host[256];
        int port;
        if (config_split_hostport(value, host, sizeof host, &port) != 0) {
            snprintf(err, errlen,
                     "%s (%s --%s): must be host:port with a port from 0 to 65535 "
                     "(IPv6 as [addr]:port), got '%.64s'",
                     d->env, src, d->name, value);
            return -1;
        }
        break;
    }
    case CFG_URL: {
        const char *host = strncmp(value, "http://", 7) == 0    ? value + 7
                           : strncmp(value, "https://", 8) == 0 ? value + 8
                                                                : NULL;
        if (vlen > 0 && (host == NULL || *host == '\0' || *host == '/' ||
                         strpbrk(value, " \t\r\n\"<>\\") != NULL)) {
            snprintf(err, errlen,
                     "%s (%s --%s): must be an http:// or https:// URL with a host, got '%.64s'",
                     d->env, src, d->name, value);
            return -1;
        }
        break;
    }
    case CFG_LEVEL: {
        log_level l;
        if (log_level_parse(value, &l) != 0) {
            snprintf(err, errlen,
                     "%s (%s --%s): must be one of debug, info, warn, error, got '%.64s'", d->env,
                     src, d->name, value);
            return -1;
        }
        break;
    }
    case CFG_DBURL:
        if (strstr(value, "://") != NULL && strncmp(value, "postgres://", 11) != 0 &&
            strncmp(value, "postgresql://", 13) != 0 && strncmp(value, "sqlite://", 9) != 0) {
            snprintf(err, errlen,
                     "%s (%s --%s): must be sqlite:PATH, a file path, or postgres://..., "
                     "got a URL of another scheme",
                     d->env, src, d->name);
            return -1;
        }
        break;
    case CFG_SECRET:
    case CFG_STRING:
        break;
    }
    if (vlen >= d->size) {
        snprintf(err, errlen, "%s (%s --%s): must be at most %zu characters, got %zu ('%.32s...')",
                 d->env, src, d->name, d->size - 1, vlen, shown);
        return -1;
    }
    memcpy(field, value, vlen + 1);
    return 0;
}

/* Find a setting by flag name (the text after "--", up to '=' or end). */
static const cfg_def *find_flag(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        if (settings[i].has_flag && strlen(settings[i].name) == len &&
            memcmp(settings[i].name, name, len) == 0)
            return &settings[i];
    }
    return NULL;
}

/* Join a and b into field (size n); -1 if it does not fit. */
static int join(char *field, size_t n, const char *a, const char *b)
{
    int w = snprintf(field, n, "%s%s", a, b);
    return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

int config_load(config *cfg, int argc, char **argv, char *err, size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const cfg_def *d = &settings[i];
        if (set_value(cfg, d, "default", d->dflt, err, errlen) != 0)
            return -1;
        const char *env = getenv(d->env);
        if (env != NULL && set_value(cfg, d, "environment", env, err, errlen) != 0)
            return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument '%.64s' (settings are --name=value)", a);
            return -1;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq != NULL ? (size_t)(eq - name) : strlen(name);
        const cfg_def *d = find_flag(name, nlen);
        if (d == NULL) {
            snprintf(err, errlen, "unknown option '--%.*s' (see --help)",
                     (int)(nlen > 64 ? 64 : nlen), name);
            return -1;
        }
        const char *value;
        if (eq != NULL) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            snprintf(err, errlen, "option --%s needs a value", d->name);
            return -1;
        }
        if (set_value(cfg, d, "flag", value, err, errlen) != 0)
            return -1;
    }
    /* Derived defaults. */
    int bad = 0;
    if (cfg->database_url[0] == '\0')
        bad |= join(cfg->database_url, sizeof cfg->database_url, cfg->data_dir, "/post2share.db");
    cfg->public_url_derived = cfg->public_url[0] == '\0';
    if (cfg->public_url_derived)
        bad |= join(cfg->public_url, sizeof cfg->public_url, "http://", cfg->listen);
    if (cfg->media_dir[0] == '\0')
        bad |= join(cfg->media_dir, sizeof cfg->media_dir, cfg->data_dir, "/media");
    if (strcmp(cfg->media_store, "local") != 0 && strcmp(cfg->media_store, "s3") != 0) {
        snprintf(err, errlen, "P2S_MEDIA_STORE (--media-store): must be local or s3, got '%.32s'",
                 cfg->media_store);
        return -1;
    }
    if (cfg->smtp_url[0] != '\0') {
        const char *h = strncmp(cfg->smtp_url, "smtp://", 7) == 0    ? cfg->smtp_url + 7
                        : strncmp(cfg->smtp_url, "smtps://", 8) == 0 ? cfg->smtp_url + 8
                                                                     : NULL;
        if (h == NULL || *h == '\0' || *h == '/' || *h == ':' ||
            strpbrk(cfg->smtp_url, " \t\r\n\"<>\\") != NULL) {
            snprintf(err, errlen,
                     "P2S_SMTP_URL (--smtp-url): must be smtp://host[:port] or "
                     "smtps://host[:port], got '%.64s'",
                     cfg->smtp_url);
            return -1;
        }
        if (strchr(h, '@') != NULL) {
            snprintf(err, errlen,
                     "P2S_SMTP_URL (--smtp-url): put the user name and password in P2S_SMTP_USER "
                     "and P2S_SMTP_PASSWORD, not in the URL");
            return -1;
        }
    }
    if (strcmp(cfg->smtp_starttls, "off") != 0 && strcmp(cfg->smtp_starttls, "try") != 0 &&
        strcmp(cfg->smtp_starttls, "required") != 0) {
        snprintf(err, errlen,
                 "P2S_SMTP_STARTTLS (--smtp-starttls): must be off, try or required, got '%.32s'",
                 cfg->smtp_starttls);
        return -1;
    }
    if (strpbrk(cfg->smtp_from, "\r\n") != NULL) {
        snprintf(err, errlen, "P2S_SMTP_FROM (--smtp-from): must be one line");
        return -1;
    }
    if (cfg->secret_key_file[0] == '\0')
        bad |=
            join(cfg->secret_key_file, sizeof cfg->secret_key_file, cfg->data_dir, "/secret.key");
    if (bad) {
        snprintf(err, errlen, "P2S_DATA_DIR (--data-dir): path too long to derive file names");
        return -1;
    }
    /* A public URL has no trailing slash, so paths can be appended. */
    size_t pl = strlen(cfg->public_url);
    while (pl > 0 && cfg->public_url[pl - 1] == '/')
        cfg->public_url[--pl] = '\0';
    return 0;
}

void config_print_help(FILE *out)
{
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const cfg_def *d = &settings[i];
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", d->name);
        fprintf(out, "  %-22s %-24s %s", d->has_flag ? flag : "(environment only)", d->env,
                d->meaning);
        if (d->dflt[0] != '\0')
            fprintf(out, " [default %s]", d->dflt);
        if (d->type == CFG_INT)
            fprintf(out, " [%ld..%ld]", d->min, d->max);
        fputc('\n', out);
    }
}

void config_print_markdown(FILE *out)
{
    fputs("| Variable | Flag | Default | Meaning |\n|---|---|---|---|\n", out);
    for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++) {
        const cfg_def *d = &settings[i];
        fprintf(out, "| `%s` | %s%s%s | %s%s%s | %s", d->env, d->has_flag ? "`--" : "—",
                d->has_flag ? d->name : "", d->has_flag ? "`" : "", d->dflt[0] ? "`" : "derived",
                d->dflt, d->dflt[0] ? "`" : "", d->meaning);
        if (d->type == CFG_INT)
            fprintf(out, " (%ld–%ld)", d->min, d->max);
        fputs(" |\n", out);
    }
}
