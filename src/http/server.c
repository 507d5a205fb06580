/* server.c - libmicrohttpd glue: request lifecycle, checks before handlers, access log. */
#define _GNU_SOURCE
#include "http/server.h"
#include "http/http.h"
#include "http/sse.h"
#include "http/static_files.h"
#include "auth/guard.h"
#include "core/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Memory libmicrohttpd gives each connection for request headers and the response being sent
 * (its default is 32 KiB).  An idle live event stream costs about this much; 16 KiB still
 * takes request headers of about 12 KiB.
 */
#define CONNECTION_MEMORY (16 * 1024)

struct http_server {
    const app *app;         /* application context */
    struct MHD_Daemon *mhd; /* the daemon */
    atomic_int inflight;    /* requests between first call and completion */
};

/* A request id from the client is kept if it is 1-64 safe characters. */
static int request_id_ok(const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (n >= 64 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            return 0;
    }
    return n > 0;
}

static void set_request_id(http_req *req)
{
    const char *given = http_header(req, "X-Request-Id");
    if (given != NULL && request_id_ok(given)) {
        snprintf(req->request_id, sizeof req->request_id, "%s", given);
        return;
    }
    unsigned char raw[12];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(req->request_id, sizeof req->request_id, raw, sizeof raw);
}

/* Client address: the socket peer, or behind a trusted proxy the last X-Forwarded-For entry. */
static void set_client(http_req *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci != NULL && ci->client_addr != NULL) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, req->ip,
                      sizeof req->ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      req->ip, sizeof req->ip);
    }
    const char *xff = http_header(req, "X-Forwarded-For");
    if (req->app->cfg->trust_proxy && xff != NULL) {
        const char *last = strrchr(xff, ',');
        last = last != NULL ? last + 1 : xff;
        while (*last == ' ')
            last++;
        char cand[48];
        size_t n = strcspn(last, " ");
        unsigned char buf[sizeof(struct in6_addr)];
        if (n < sizeof cand) {
            memcpy(cand, last, n);
            cand[n] = '\0';
            if (inet_pton(AF_INET, cand, buf) == 1 || inet_pton(AF_INET6, cand, buf) == 1)
                snprintf(req->ip, sizeof req->ip, "%s", cand);
        }
    }
    const char *ua = http_header(req, MHD_HTTP_HEADER_USER_AGENT);
    size_t o = 0;
    for (; ua != NULL && *ua && o + 1 < sizeof req->user_agent; ua++)
        if ((unsigned char)*ua >= 0x20 && (unsigned char)*ua < 0x7f)
            req->user_agent[o++] = *ua;
    req->user_agent[o] = '\0';
}

/* Parse a Content-Length header; -1 if absent or malformed. */
static long long content_length(const http_req *req)
{
    const char *v = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (v == NULL || *v == '\0')
        return -1;
    long long n = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || n > (1LL << 50))
            return -1;
        n = n * 10 + (*p - '0');
    }
    return n;
}

/* 1 if the Content-Type is application/json (parameters allowed). */
static int is_json_type(const char *ct)
{
    if (ct == NULL)
        return 0;
    size_t n = strlen("application/json");
    if (strncasecmp(ct, "application/json", n) != 0)
        return 0;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

static void reply_too_big(http_req *req)
{
    char msg[96];
    snprintf(msg, sizeof msg, "request body is larger than %zu bytes", req->body_cap);
    http_reply_error(req, 413, "payload_too_large", msg, NULL);
}

/* Open the staging file of a streamed upload (DATA_DIR/tmp). 0 or -1. */
static int open_staging(http_req *req)
{
    unsigned char raw[12];
    char hex[25];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    snprintf(req->upload_path, sizeof req->upload_path, "%s/tmp/upload-%s", req->app->cfg->data_dir,
             hex);
    req->upload_fd = open(req->upload_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (req->upload_fd < 0) {
        req->upload_path[0] = '\0';
        return -1;
    }
    req->_sha = malloc(sizeof(crypto_hash_sha256_state));
    if (req->_sha == NULL)
        return -1;
    crypto_hash_sha256_init(req->_sha);
    return 0;
}

/* Forget a staging file that no handler took (an aborted or refused upload). */
static void drop_staging(http_req *req)
{
    if (req->upload_fd >= 0) {
        close(req->upload_fd);
        req->upload_fd = -1;
    }
    if (req->upload_path[0] != '\0') {
        unlink(req->upload_path);
        req->upload_path[0] = '\0';
    }
    free(req->_sha);
    req->_sha = NULL;
}

/* Append a chunk of a streamed body to the staging file. */
static void stream_chunk(http_req *req, const char *data, size_t n)
{
    if (req->upload_failed)
        return;
    if (req->upload_fd < 0 && open_staging(req) != 0) {
        req->upload_failed = 1;
        return;
    }
    crypto_hash_sha256_update(req->_sha, (const unsigned char *)data, n);
    while (n > 0) {
        ssize_t w = write(req->upload_fd, data, n);
        if (w <= 0) {
            req->upload_failed = 1;
            return;
        }
        data += w;
        n -= (size_t)w;
        req->upload_size += (uint64_t)w;
    }
}

/* First call for a request: match the route, check what can be checked from headers. */
static void begin_request(http_req *req)
{
    const app *a = req->app;
    req->matched = router_match(a->routes, a->nroutes, req->method, req->path, &req->match);
    if (req->matched == ROUTER_FOUND) {
        const route *r = req->match.route;
        if (r->flags & ROUTE_STREAM)
            req->body_cap = r->max_body ? r->max_body : (size_t)a->cfg->media_max_mb * 1024 * 1024;
        else
            req->body_cap = r->max_body ? r->max_body : (size_t)a->cfg->max_body_kb * 1024;
        long long cl = content_length(req);
        if (cl > 0 && (unsigned long long)cl > req->body_cap) {
            reply_too_big(req);
            return;
        }
        /* An upload is refused before any of it is read if the caller may not make it. */
        if (r->flags & ROUTE_STREAM)
            guard_check(req);
        return;
    }
    int get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    int api = strncmp(req->path, "/api/", 5) == 0 || strcmp(req->path, "/api") == 0;
    if (req->matched == ROUTER_BAD_METHOD) {
        char msg[160];
        snprintf(msg, sizeof msg, "method %s is not allowed here (allowed: %s)", req->method,
                 req->match.allow);
        http_reply_error(req, 405, "method_not_allowed", msg, NULL);
    } else if (api) {
        http_reply_error(req, 404, "not_found", "no such API route", NULL);
    } else if (!get) {
        snprintf(req->match.allow, sizeof req->match.allow, "GET, HEAD");
        http_reply_error(req, 405, "method_not_allowed", "only GET and HEAD are allowed here",
                         NULL);
    } else {
        req->is_static = 1;
    }
}

/* Last call: the whole body is in.  Caller, rights, then body; then the handler. */
static void finish_request(http_req *req)
{
    if (req->is_static) {
        static_serve(req);
        return;
    }
    const route *r = req->match.route;
    if (req->body_too_big) {
        reply_too_big(req);
        return;
    }
    if (r->flags & ROUTE_STREAM) {
        /* The guard ran on the first call. */
        if (req->upload_failed) {
            http_reply_error(req, 500, "internal_error", "the upload could not be stored", NULL);
            return;
        }
        if (req->upload_fd < 0 && open_staging(req) != 0) {
            http_reply_error(req, 500, "internal_error", "the upload could not be stored", NULL);
            return;
        }
        close(req->upload_fd);
        req->upload_fd = -1;
        unsigned char h[crypto_hash_sha256_BYTES];
        crypto_hash_sha256_final(req->_sha, h);
        sodium_bin2hex(req->upload_sha256, sizeof req->upload_sha256, h, sizeof h);
        r->handler(req);
        if (req->status == 0)
            http_reply_error(req, 500, "internal_error", "the handler gave no answer", NULL);
        return;
    }
    if (guard_check(req) != 0)
        return;
    if ((r->flags & ROUTE_JSON) && req->body_len > 0) {
        if (!is_json_type(http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE))) {
            http_reply_error(req, 415, "unsupported_media_type",
                             "the request body must be JSON (Content-Type: application/json)",
                             NULL);
            return;
        }
        json_error_t jerr;
        req->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (req->json == NULL) {
            char msg[256];
            snprintf(msg, sizeof msg, "the request body is not valid JSON: %s (at byte %d)",
                     jerr.text, jerr.position);
            http_reply_error(req, 400, "invalid_json", msg, NULL);
            return;
        }
        if (!json_is_object(req->json)) {
            http_reply_error(req, 400, "invalid_json", "the request body must be a JSON object",
                             NULL);
            return;
        }
    }
    r->handler(req);
    if (req->status == 0)
        http_reply_error(req, 500, "internal_error", "the handler gave no answer", NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    http_server *s = cls;
    http_req *req = *con_cls;
    (void)version;

    if (req == NULL) {
        req = calloc(1, sizeof *req);
        if (req == NULL)
            return MHD_NO;
        atomic_fetch_add(&s->inflight, 1);
        req->app = s->app;
        req->conn = conn;
        req->method = method;
        req->start_us = clock_mono_us();
        req->upload_fd = -1;
        snprintf(req->path, sizeof req->path, "%s", url);
        *con_cls = req;
        set_request_id(req);
        set_client(req);
        if (strlen(url) >= sizeof req->path)
            http_reply_error(req, 414, "uri_too_long", "the request path is too long", NULL);
        else
            begin_request(req);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        req->body_started = 1;
        if (req->status != 0 || req->is_static || req->body_too_big)
            return MHD_YES; /* answered already, or no body wanted: discard */
        if (req->match.route != NULL && (req->match.route->flags & ROUTE_STREAM)) {
            if (req->upload_size + n > req->body_cap) {
                req->body_too_big = 1;
                drop_staging(req);
            } else {
                stream_chunk(req, upload_data, n);
            }
            return MHD_YES;
        }
        if (req->body_len + n > req->body_cap) {
            req->body_too_big = 1;
            free(req->body);
            req->body = NULL;
            req->body_len = 0;
            return MHD_YES;
        }
        char *nb = realloc(req->body, req->body_len + n + 1);
        if (nb == NULL)
            return MHD_NO;
        memcpy(nb + req->body_len, upload_data, n);
        req->body = nb;
        req->body_len += n;
        req->body[req->body_len] = '\0';
        return MHD_YES;
    }
    if (req->status == 0)
        finish_request(req);
    return MHD_YES;
}

/*
 * The path to log: a route whose path carries a secret ({token}: invitation
 * links) is logged by its pattern, so the secret never reaches the log.
 */
static const char *log_path(const http_req *req)
{
    const route *r = req->match.route;
    if (r != NULL && strstr(r->pattern, "{token}") != NULL)
        return r->pattern;
    return req->path;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server *s = cls;
    http_req *req = *con_cls;
    (void)conn;
    if (req == NULL)
        return;
    int64_t us = clock_mono_us() - req->start_us;
    json_t *f =
        json_pack("{s:s, s:s, s:i, s:I, s:f, s:s, s:s}", "method", req->method, "path",
                  log_path(req), "status", req->status, "bytes", (json_int_t)req->bytes_out,
                  "duration_ms", (double)us / 1000.0, "request_id", req->request_id, "ip", req->ip);
    if (f != NULL && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
        json_object_set_new(f, "aborted", json_true());
    log_event(&s->app->log, req->status >= 500 ? LOG_ERROR : LOG_INFO, "request", f);
    drop_staging(req);
    json_decref(req->json);
    free(req->body);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    http_server *s = cls;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    size_t n = strlen(buf);
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    log_event(&s->app->log, LOG_WARN, buf, json_pack("{s:s}", "component", "http"));
}

/* Resolve host:port into a socket address. */
static int resolve(const char *listen, struct sockaddr_storage *ss, int *is_v6, char *err,
                   size_t errlen)
{
    char host[256];
    int port;
    if (config_split_hostport(listen, host, sizeof host, &port) != 0) {
        snprintf(err, errlen, "P2S_LISTEN: '%s' is not host:port", listen);
        return -1;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || res == NULL) {
        snprintf(err, errlen, "P2S_LISTEN: cannot resolve '%s': %s", host, gai_strerror(rc));
        return -1;
    }
    const struct addrinfo *pick = res;
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
        if (ai->ai_family == AF_INET) {
            pick = ai;
            break;
        }
    memset(ss, 0, sizeof *ss);
    memcpy(ss, pick->ai_addr, pick->ai_addrlen);
    *is_v6 = pick->ai_family == AF_INET6;
    if (*is_v6)
        ((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)(void *)ss)->sin_port = htons((uint16_t)port);
    freeaddrinfo(res);
    return 0;
}

app_err http_server_start(const app *a, http_server **out, int *port, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    int v6 = 0;
    *out = NULL;
    if (resolve(a->cfg->listen, &ss, &v6, err, errlen) != 0)
        return APP_EINVAL;
    http_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return APP_ENOMEM;
    s->app = a;
    atomic_init(&s->inflight, 0);
    /* MHD_ALLOW_SUSPEND_RESUME (with its ITC): live event streams wait suspended (http/sse.h) */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
                              on_mhd_log, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                              MHD_OPTION_THREAD_POOL_SIZE, (unsigned)a->cfg->threads,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)a->cfg->max_connections,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)a->cfg->connection_timeout,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (s->mhd == NULL) {
        snprintf(err, errlen, "P2S_LISTEN: cannot listen on %s (address in use or not local?)",
                 a->cfg->listen);
        free(s);
        return APP_EIO;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    *port = di != NULL ? di->port : 0;
    *out = s;
    return APP_OK;
}

void http_server_quiesce(http_server *s)
{
    MHD_socket fd = MHD_quiesce_daemon(s->mhd);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

int http_server_drain(http_server *s, int timeout_ms)
{
    int64_t deadline = clock_mono_ms() + timeout_ms;
    while (atomic_load(&s->inflight) > 0 && clock_mono_ms() < deadline) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return atomic_load(&s->inflight);
}

void http_server_stop(http_server *s)
{
    if (s == NULL)
        return;
    /* libmicrohttpd aborts when stopped with a suspended connection: end the event streams
       first (main.c does it before draining; this is the safety net, idempotent) */
    sse_hub_close(s->app->sse);
    MHD_stop_daemon(s->mhd);
    free(s);
}
