/*
 * main.c - argv -> config -> store -> HTTP server.
 *
 *   post2share serve [--no-worker] [--flag=value ...]   API, web app and the publishing worker
 *   post2share worker [--flag=value ...]   the publishing worker alone (no HTTP)
 *   post2share migrate [--flag=value ...]  bring the database schema up to date
 *   post2share config-table                the settings as a Markdown table
 *   post2share version | help
 *
 * Exit status: 0 done, 1 a runtime failure (database, port), 2 bad usage or
 * a bad setting.
 */
#define _GNU_SOURCE
#include "app.h"
#include "accounts/accounts.h"
#include "api/api.h"
#include "auth/passwords.h"
#include "core/clock.h"
#include "crypto/keyring.h"
#include "engine/engine.h"
#include "engine/refresher.h"
#include "http/server.h"
#include "media/probe.h"
#include "media/storage.h"
#include "notify/senders.h" /* notify wiring */
#include "http/sse.h"       /* notify wiring */
#include "media/probe.h"
#include "store/migrate.h"
#include "store/nodes.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Seconds between heartbeats of this node. */
#define HEARTBEAT_S 10
/* A node silent this long is considered gone. */
#define NODE_STALE_MS (5 * 60 * 1000)

static void usage(FILE *out)
{
    fputs("post2share " P2S_VERSION " - self-hosted social media management\n\n"
          "usage: post2share COMMAND [--setting=value ...]\n\n"
          "commands:\n"
          "  serve          run the API and web app server, and the publishing worker\n"
          "                 (--no-worker: without it)\n"
          "  worker         run the publishing worker alone\n"
          "  migrate        bring the database schema up to date and exit\n"
          "  rotate-key     add a new master key and re-encrypt every stored token under it\n"
          "  config-table   print the settings as a Markdown table\n"
          "  version        print the version\n"
          "  help           this text\n\n"
          "settings (flags override environment variables):\n",
          out);
    config_print_help(out);
}

/* mkdir -p with mode 0700 for new directories. */
static int make_dirs(const char *path)
{
    char tmp[CFG_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* Remove staging files that interrupted uploads left (a crash, a kill -9). */
static void clear_staging(const char *data_dir)
{
    char dir[CFG_PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/tmp", data_dir);
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "upload-", 7) == 0)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* Everything serve and migrate share: settings, log, data dir, key, database, schema. */
typedef struct boot {
    config cfg;
    app app;
} boot;

static int boot_up(boot *b, int argc, char **argv, int need_key)
{
    char err[512] = "";
    if (config_load(&b->cfg, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "post2share: %s\n", err);
        return 2;
    }
    log_level level = LOG_INFO;
    log_level_parse(b->cfg.log_level, &level);
    memset(&b->app, 0, sizeof b->app);
    b->app.cfg = &b->cfg;
    log_init(&b->app.log, level, STDERR_FILENO);
    b->app.started_ms = clock_now_ms();

    char tmpdir[CFG_PATH_MAX + 8];
    snprintf(tmpdir, sizeof tmpdir, "%s/tmp", b->cfg.data_dir);
    if (make_dirs(b->cfg.data_dir) != 0 || make_dirs(tmpdir) != 0) {
        fprintf(stderr, "post2share: P2S_DATA_DIR: cannot create '%s': %s\n", b->cfg.data_dir,
                strerror(errno));
        return 1;
    }
    if (need_key) {
        int created = 0;
        if (keyring_load(&b->cfg, &b->app.keys, &created, err, sizeof err) != APP_OK) {
            fprintf(stderr, "post2share: %s\n", err);
            return 2;
        }
        if (created)
            log_msg(&b->app.log, LOG_WARN, "created a new key file; back it up with the database");
    }
    if (db_open(b->cfg.database_url, b->cfg.db_pool, &b->app.db, err, sizeof err) != APP_OK) {
        fprintf(stderr, "post2share: P2S_DATABASE_URL: %s\n", err);
        return 1;
    }
    int from = 0, to = 0;
    err[0] = '\0';
    app_err e = migrate_run(b->app.db, &b->app.log, &from, &to, err, sizeof err);
    if (e != APP_OK) {
        fprintf(stderr, "post2share: database: %s\n", err);
        return 1;
    }
    log_event(&b->app.log, LOG_INFO, "database ready",
              json_pack("{s:s, s:i, s:i}", "backend", db_kind_name(b->app.db), "schema_from", from,
                        "schema_version", to));
    return 0;
}

static void boot_down(boot *b)
{
    media_store_close(b->app.media);
    probe_gate_free(b->app.probes);
    pw_hasher_free(b->app.hasher);
    db_close(b->app.db);
    keyring_free(b->app.keys);
}

static int cmd_migrate(int argc, char **argv)
{
    boot b;
    memset(&b, 0, sizeof b);
    int rc = boot_up(&b, argc, argv, 0);
    if (rc == 0)
        printf("database schema is at version %d\n", migrate_latest());
    boot_down(&b);
    return rc;
}

/* rotate-key: a new master key version, then every stored secret re-sealed under it. */
static int cmd_rotate_key(int argc, char **argv)
{
    boot b;
    memset(&b, 0, sizeof b);
    int rc = boot_up(&b, argc, argv, 1);
    if (rc != 0) {
        boot_down(&b);
        return rc;
    }
    char err[512] = "";
    int version = 0, count = 0, skipped = 0;
    if (keyring_from_env(b.app.keys)) {
        /* The operator put the new key first in P2S_SECRET_KEY: only re-encrypt. */
        unsigned char k[KEY_BYTES];
        version = keyring_current(b.app.keys, k);
        sodium_memzero(k, sizeof k);
        printf("keys come from P2S_SECRET_KEY; re-encrypting under its first key, version %d\n",
               version);
    } else if (keyring_rotate(b.app.keys, &version, err, sizeof err) != APP_OK) {
        fprintf(stderr, "post2share: rotate-key: %s\n", err);
        boot_down(&b);
        return 1;
    } else {
        printf("new key version %d written to %s\n", version, b.cfg.secret_key_file);
    }
    if (acct_reseal_all(&b.app, &count, &skipped, err, sizeof err) != APP_OK) {
        fprintf(stderr, "post2share: rotate-key: %s (run it again to finish)\n", err);
        boot_down(&b);
        return 1;
    }
    printf("re-encrypted the tokens of %d account(s) under key version %d\n", count, version);
    if (skipped > 0)
        printf("%d account(s) had tokens that cannot be read; they now ask to be reconnected\n",
               skipped);
    int hooks = 0, hooks_skipped = 0;
    if (api_webhooks_reseal_all(&b.app, &hooks, &hooks_skipped) != APP_OK) {
        fprintf(stderr, "post2share: rotate-key: webhook secrets (run it again to finish)\n");
        boot_down(&b);
        return 1;
    }
    printf("re-encrypted the secrets of %d webhook(s)\n", hooks);
    if (hooks_skipped > 0)
        printf("%d webhook secret(s) cannot be read; rotate those webhooks' secrets\n",
               hooks_skipped);
    boot_down(&b);
    return 0;
}

/* --- notify wiring: after events are stored, wake this process's senders and live streams --- */
static void wake_listeners(const app *a)
{
    senders_wake(a->senders); /* email and webhook delivery (NULL ignored) */
    sse_hub_wake(a->sse);     /* live streams (NULL ignored) */
}
/* --- end of notify wiring --- */

/* serve (http 1) or worker (http 0): until SIGTERM/SIGINT. */
static int run_node(int argc, char **argv, int http)
{
    boot b;
    memset(&b, 0, sizeof b);
    char err[512] = "";

    /* Signals are taken synchronously by this thread; every thread started later inherits the mask.
     */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = boot_up(&b, argc, argv, 1);
    if (rc != 0) {
        boot_down(&b);
        return rc;
    }
    app *a = &b.app;
    clear_staging(b.cfg.data_dir);
    if (!http)
        b.cfg.worker = 1;
    a->probes = probe_gate_new(2);
    if (a->probes == NULL || media_store_open(&b.cfg, &a->media, err, sizeof err) != APP_OK) {
        fprintf(stderr, "post2share: media: %s\n", err);
        boot_down(&b);
        return 1;
    }
    a->hasher = pw_hasher_new(b.cfg.hash_slots);
    if (a->hasher == NULL) {
        fputs("post2share: cannot set up password hashing\n", stderr);
        boot_down(&b);
        return 1;
    }
    a->routes = api_routes(&a->nroutes);
    if (router_check_table(a->routes, a->nroutes, err, sizeof err) != 0) {
        fprintf(stderr, "post2share: %s\n", err);
        boot_down(&b);
        return 1;
    }
    if (realpath(b.cfg.web_dir, a->web_root) == NULL) {
        a->web_root[0] = '\0';
        log_msg(&a->log, LOG_WARN, "web app folder %s not found; only the API is served",
                b.cfg.web_dir);
    }
    unsigned char raw[8];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(a->node_id, sizeof a->node_id, raw, sizeof raw);
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    store_node_register(a->db, a->node_id, http ? "serve" : "worker", host, (int64_t)getpid(),
                        P2S_VERSION, clock_now_ms());

    /* --- notify wiring: senders and on_event set before any thread that emits events starts
       (the refresher, the engine, the HTTP server); stopped after they stopped --- */
    a->senders = senders_start(a); /* NULL: emails and deliveries stay queued (logged) */
    a->on_event = wake_listeners;
    /* --- end of notify wiring --- */
    if (http)
        a->sse = sse_hub_start(a); /* notify wiring (sse): NULL: /api/v1/events answers 503 */
    refresher *ref = refresher_start(a, b.cfg.refresh_interval_s);
    if (b.cfg.worker) {
        a->engine = engine_start(a);
        if (a->engine == NULL) {
            refresher_stop(ref);
            senders_stop(a->senders, 0); /* notify wiring */
            sse_hub_stop(a->sse);        /* notify wiring (sse) */
            store_node_remove(a->db, a->node_id, clock_now_ms(), NODE_STALE_MS);
            boot_down(&b);
            return 1;
        }
    }
    http_server *srv = NULL;
    int port = 0;
    if (!http) {
        printf("Post2Share worker %s is running\n", a->node_id);
        fflush(stdout);
    } else if (http_server_start(a, &srv, &port, err, sizeof err) != APP_OK) {
        fprintf(stderr, "post2share: %s\n", err);
        engine_stop(a->engine, 0);
        refresher_stop(ref);
        senders_stop(a->senders, 0); /* notify wiring */
        sse_hub_stop(a->sse);        /* notify wiring (sse) */
        store_node_remove(a->db, a->node_id, clock_now_ms(), NODE_STALE_MS);
        boot_down(&b);
        return 1;
    }
    char lhost[256];
    int lport;
    config_split_hostport(b.cfg.listen, lhost, sizeof lhost, &lport);
    int v6 = strchr(lhost, ':') != NULL;
    if (http && b.cfg.public_url_derived)
        snprintf(b.cfg.public_url, sizeof b.cfg.public_url, "http://%s%s%s:%d", v6 ? "[" : "",
                 lhost, v6 ? "]" : "", port);
    if (http) {
        log_event(&a->log, LOG_INFO, "listening",
                  json_pack("{s:s, s:i, s:s, s:s}", "host", lhost, "port", port, "public_url",
                            b.cfg.public_url, "node", a->node_id));
        printf("Post2Share is running at http://%s%s%s:%d/\n", v6 ? "[" : "", lhost, v6 ? "]" : "",
               port);
        fflush(stdout);
    }

    for (unsigned tick = 1;; tick++) {
        struct timespec wait = {HEARTBEAT_S, 0};
        int sig = sigtimedwait(&stop, NULL, &wait);
        if (sig == SIGINT || sig == SIGTERM) {
            log_msg(&a->log, LOG_INFO, "signal %d: shutting down", sig);
            break;
        }
        store_node_heartbeat(a->db, a->node_id, clock_now_ms());
        if (tick % 6 == 0)
            keyring_reload(a->keys); /* a key added by rotate-key elsewhere */
    }
    if (srv != NULL) {
        http_server_quiesce(srv);
        sse_hub_close(a->sse); /* notify wiring (sse): streams end, so drain and stop finish */
        int left = http_server_drain(srv, b.cfg.shutdown_timeout * 1000);
        if (left > 0)
            log_msg(&a->log, LOG_WARN, "%d request(s) still running at shutdown timeout", left);
        http_server_stop(srv);
    }
    engine_stop(a->engine, b.cfg.shutdown_timeout);
    a->engine = NULL;
    refresher_stop(ref);
    senders_stop(a->senders, b.cfg.shutdown_timeout); /* notify wiring: after all that emits */
    a->senders = NULL;
    sse_hub_stop(a->sse); /* notify wiring (sse): after the HTTP server and all that emits */
    a->sse = NULL;
    store_node_remove(a->db, a->node_id, clock_now_ms(), NODE_STALE_MS);
    boot_down(&b);
    log_msg(&a->log, LOG_INFO, "stopped");
    return 0;
}

int main(int argc, char **argv)
{
    umask(077); /* the database, media and key file are private to this user */
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fputs("post2share: libsodium failed to start\n", stderr);
        return 1;
    }
    if (media_probe_init() != 0) {
        fputs("post2share: the media libraries (libvips, libmagic) failed to start\n", stderr);
        return 1;
    }
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    /* --no-worker is --worker=0 */
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--no-worker") == 0)
            argv[i] = (char *)"--worker=0";
    if (strcmp(cmd, "serve") == 0)
        return run_node(argc - 2, argv + 2, 1);
    if (strcmp(cmd, "worker") == 0)
        return run_node(argc - 2, argv + 2, 0);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(argc - 2, argv + 2);
    if (strcmp(cmd, "rotate-key") == 0)
        return cmd_rotate_key(argc - 2, argv + 2);
    if (strcmp(cmd, "config-table") == 0) {
        config_print_markdown(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        puts("post2share " P2S_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "post2share: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
