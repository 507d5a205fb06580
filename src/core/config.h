/*
 * config.h - every setting of Post2Share, declared once in a typed table.
 *
 * Each setting has an environment variable (P2S_*), a flag (--name), a type,
 * bounds and a default.  Flags override the environment; the environment
 * overrides the default.  A bad value is refused with a message that names
 * the setting and the accepted range.
 */
#ifndef P2S_CORE_CONFIG_H
#define P2S_CORE_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define CFG_PATH_MAX 1024

/* One social platform's app registration and hosts (real hosts by default). */
typedef struct platform_cfg {
    char client_id[256];     /* the app's client id ("" = platform not set up) */
    char client_secret[256]; /* the app's secret (environment only) */
    char auth_url[256];      /* host of the authorization page */
    char token_url[256];     /* host of the token endpoint */
    char api_url[256];       /* API host */
    char upload_url[256];    /* upload host */
    char version[32];        /* API version (Graph "v20.0", LinkedIn-Version "202601") */
} platform_cfg;

typedef struct config {
    char listen[256];                   /* host:port to bind */
    char data_dir[CFG_PATH_MAX];        /* where the embedded database, media and key live */
    char database_url[CFG_PATH_MAX];    /* sqlite:PATH, a file path, or postgres://... */
    char public_url[512];               /* base URL the world reaches this server at */
    char secret_key[256];               /* master key, 64 hex chars (environment only) */
    char secret_key_file[CFG_PATH_MAX]; /* key file, created 0600 if missing */
    char web_dir[CFG_PATH_MAX];         /* built web app (web/dist) */
    char log_level[16];                 /* debug|info|warn|error */
    int threads;                        /* HTTP worker threads */
    int db_pool;                        /* database connections per process */
    int max_body_kb;                    /* default request body cap (KiB) */
    int max_connections;                /* concurrent HTTP connections */
    int connection_timeout;             /* idle connection timeout (s) */
    int sse_heartbeat_s;                /* seconds between heartbeats on idle event streams */
    int shutdown_timeout;               /* seconds to let requests in flight finish */
    int trust_proxy;                    /* take the client address from X-Forwarded-For */
    int hash_slots;                     /* password hashes computed at once */
    int auth_fail_limit;          /* sign-in/registration failures per IP or email per window */
    int signup_limit;             /* accounts created per IP per window */
    int auth_window_s;            /* throttling window (s) */
    int session_idle_hours;       /* a session unused this long ends */
    int session_max_days;         /* a session ends this long after sign-in */
    int refresh_interval_s;       /* how often the token refresher looks for work (s) */
    int worker;                   /* serve runs the publishing worker too */
    int engine_inflight;          /* targets one worker publishes at once */
    int engine_per_account;       /* requests in flight per connected account */
    int engine_per_platform;      /* requests in flight per platform */
    int engine_lease_s;           /* how long a claimed target stays this worker's unrenewed */
    int engine_max_attempts;      /* attempts before a transient failure is final */
    char metrics_token[256];      /* bearer token for GET /api/v1/admin/engine ("" = off) */
    char media_dir[CFG_PATH_MAX]; /* local media store (default DATA_DIR/media) */
    char media_store[16];         /* "local" or "s3" */
    char s3_endpoint[256];   /* S3-compatible endpoint, e.g. https://s3.eu-west-1.amazonaws.com */
    char s3_region[64];      /* region for Signature V4 */
    char s3_bucket[128];     /* bucket */
    char s3_access_key[256]; /* access key id (environment only) */
    char s3_secret_key[256]; /* secret access key (environment only) */
    int s3_path_style;       /* 1: endpoint/bucket/key; 0: bucket.endpoint/key */
    int media_max_mb;        /* largest file accepted (MiB) */
    int media_quota_mb;      /* media a workspace may keep (MiB) */
    platform_cfg facebook;   /* Facebook Pages (Facebook Login) */
    platform_cfg instagram;  /* Instagram Login */
    platform_cfg linkedin;   /* LinkedIn members */
    platform_cfg google;     /* YouTube (Google OAuth) */
    platform_cfg x;          /* X */
    int public_url_derived;  /* public_url was derived from listen, not set */
    /* email (notify/smtp.h) and webhooks (notify/webhook_send.h) */
    char smtp_url[512];        /* smtp://host:port or smtps://host:port ("" = email off) */
    char smtp_starttls[16];    /* off | try | required */
    char smtp_user[256];       /* SMTP user name ("" = no AUTH) */
    char smtp_password[256];   /* SMTP password (environment only) */
    char smtp_from[512];       /* From: "Name <addr>" or addr ("" = derived) */
    int email_digest_minutes;  /* how long digest emails are gathered */
    int webhook_allow_private; /* 1: webhooks may target loopback/private addresses */
} config;

/* Type of a setting, which decides how its text is checked. */
typedef enum cfg_type {
    CFG_STRING,   /* free text up to the field size */
    CFG_INT,      /* integer within [min, max] */
    CFG_HOSTPORT, /* host:port, port 0..65535 */
    CFG_URL,      /* empty or an http(s):// URL */
    CFG_LEVEL,    /* a log level */
    CFG_DBURL,    /* empty, sqlite:..., a path, or postgres(ql)://... */
    CFG_SECRET    /* never printed */
} cfg_type;

/* One row of the settings table. */
typedef struct cfg_def {
    const char *name;    /* flag name without dashes, e.g. "listen" */
    const char *env;     /* environment variable, e.g. "P2S_LISTEN" */
    cfg_type type;       /* how the value is checked */
    const char *dflt;    /* default text ("" = derived, see meaning) */
    long min, max;       /* bounds for CFG_INT */
    size_t offset, size; /* where the value lives in struct config */
    int has_flag;        /* 0 for settings accepted only from the environment */
    const char *meaning; /* one line for --help and the README */
} cfg_def;

/* The settings table and its length. */
const cfg_def *config_table(size_t *count);

/*
 * Fill cfg from defaults, the environment, then argv[0..argc) flags
 * ("--name=value" or "--name value").  Derived defaults are applied last
 * (database_url, public_url, secret_key_file).  Returns 0, or -1 with a
 * message naming the setting in err.
 */
int config_load(config *cfg, int argc, char **argv, char *err, size_t errlen);

/* Print the settings (name, variable, default, meaning) for --help. */
void config_print_help(FILE *out);

/* Print the settings as a Markdown table (the README's configuration table). */
void config_print_markdown(FILE *out);

/* Split cfg->listen into host and port. Returns 0 or -1. */
int config_split_hostport(const char *hp, char *host, size_t hostlen, int *port);

#endif
