/* http.c - the simulator's HTTP side: requests in, module dispatch, faults, the request log. */
#define _GNU_SOURCE
#include "sim_int.h"

#include <ctype.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const sim_module *const modules[] = {&sim_facebook, &sim_instagram, &sim_linkedin,
                                            &sim_google,   &sim_x,         &sim_ai};

/* ---- reading requests ---- */

const char *sim_query(const sim_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *sim_header(const sim_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *sim_bearer(const sim_req *r)
{
    const char *a = sim_header(r, "Authorization");
    if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0 || a[7] == '\0')
        return NULL;
    return a + 7;
}

int sim_basic(const sim_req *r, char *out, size_t outlen)
{
    const char *a = sim_header(r, "Authorization");
    if (a == NULL || strncasecmp(a, "Basic ", 6) != 0)
        return -1;
    size_t n = 0;
    if (sodium_base642bin((unsigned char *)out, outlen - 1, a + 6, strlen(a + 6), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return -1;
    out[n] = '\0';
    return strchr(out, ':') != NULL ? 0 : -1;
}

json_t *sim_json(sim_req *r)
{
    if (r->_json == NULL && r->body_len > 0)
        r->_json = json_loadb(r->body, r->body_len, 0, NULL);
    return r->_json;
}

/* Parse application/x-www-form-urlencoded text into obj. */
static void parse_urlencoded(const char *text, size_t len, json_t *obj)
{
    char *copy = strndup(text, len);
    if (copy == NULL)
        return;
    char *save = NULL;
    for (char *pair = strtok_r(copy, "&", &save); pair != NULL; pair = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(pair, '=');
        if (eq != NULL)
            *eq = '\0';
        for (char *p = pair; *p; p++)
            if (*p == '+')
                *p = ' ';
        if (eq != NULL)
            for (char *p = eq + 1; *p; p++)
                if (*p == '+')
                    *p = ' ';
        int kl = 0, vl = 0;
        char *k = curl_easy_unescape(NULL, pair, 0, &kl);
        char *v = curl_easy_unescape(NULL, eq != NULL ? eq + 1 : "", 0, &vl);
        if (k != NULL && v != NULL)
            json_object_set_new(obj, k, json_stringn_nocheck(v, (size_t)vl));
        curl_free(k);
        curl_free(v);
    }
    free(copy);
}

/* Parse multipart/form-data into obj: name -> text (binary kept as given, length exact). */
static void parse_multipart(const char *body, size_t len, const char *ctype, json_t *obj)
{
    const char *b = strstr(ctype, "boundary=");
    if (b == NULL)
        return;
    b += 9;
    char boundary[200];
    size_t bl = strcspn(b, "; ");
    if (*b == '"') {
        b++;
        bl = strcspn(b, "\"");
    }
    if (bl + 2 >= sizeof boundary)
        return;
    snprintf(boundary, sizeof boundary, "--%.*s", (int)bl, b);
    bl = strlen(boundary);
    const char *p = memmem(body, len, boundary, bl);
    while (p != NULL) {
        p += bl;
        if ((size_t)(p - body) + 2 <= len && p[0] == '-' && p[1] == '-')
            break;
        const char *hdr_end = memmem(p, len - (size_t)(p - body), "\r\n\r\n", 4);
        if (hdr_end == NULL)
            break;
        const char *data = hdr_end + 4;
        const char *next = memmem(data, len - (size_t)(data - body), boundary, bl);
        if (next == NULL)
            break;
        size_t dlen = (size_t)(next - data);
        if (dlen >= 2 && data[dlen - 2] == '\r' && data[dlen - 1] == '\n')
            dlen -= 2;
        const char *nm = memmem(p, (size_t)(hdr_end - p), "name=\"", 6);
        if (nm != NULL) {
            nm += 6;
            size_t nl = strcspn(nm, "\"");
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(nl < 127 ? nl : 127), nm);
            json_object_set_new(obj, name, json_stringn_nocheck(data, dlen));
        }
        p = next;
    }
}

static json_t *form_of(sim_req *r)
{
    if (r->_form != NULL)
        return r->_form;
    r->_form = json_object();
    const char *ct = sim_header(r, "Content-Type");
    if (ct != NULL && strncasecmp(ct, "multipart/form-data", 19) == 0)
        parse_multipart(r->body, r->body_len, ct, r->_form);
    else if (ct != NULL && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0)
        parse_urlencoded(r->body, r->body_len, r->_form);
    return r->_form;
}

const char *sim_form(sim_req *r, const char *name)
{
    return json_string_value(json_object_get(form_of(r), name));
}

const char *sim_form_bytes(sim_req *r, const char *name, size_t *len)
{
    json_t *v = json_object_get(form_of(r), name);
    if (v == NULL)
        return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

int sim_path(const sim_req *r, const char *pattern, char caps[][128], int ncaps)
{
    const char *p = pattern, *q = r->path;
    int n = 0;
    while (*p && *q) {
        if (*p == '*') {
            size_t l = strcspn(q, "/");
            if (l == 0 || l >= 128 || n >= ncaps)
                return 0;
            memcpy(caps[n], q, l);
            caps[n][l] = '\0';
            n++;
            q += l;
            p++;
        } else if (*p == *q) {
            p++;
            q++;
        } else {
            return 0;
        }
    }
    return *p == '\0' && *q == '\0';
}

/* ---- building answers ---- */

void sim_reply_bytes(sim_resp *out, int status, const char *type, const void *data, size_t len)
{
    free(out->body);
    out->status = status;
    out->body = malloc(len + 1);
    if (out->body != NULL) {
        memcpy(out->body, data, len);
        out->body[len] = '\0';
    }
    out->len = out->body != NULL ? len : 0;
    snprintf(out->content_type, sizeof out->content_type, "%s", type != NULL ? type : "");
}

void sim_reply_text(sim_resp *out, int status, const char *type, const char *text)
{
    sim_reply_bytes(out, status, type, text, strlen(text));
}

void sim_reply_json(sim_resp *out, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    sim_reply_text(out, status, "application/json; charset=UTF-8", text != NULL ? text : "{}");
    free(text);
}

void sim_reply_empty(sim_resp *out, int status)
{
    free(out->body);
    out->body = NULL;
    out->len = 0;
    out->status = status;
    out->content_type[0] = '\0';
}

void sim_add_header(sim_resp *out, const char *name, const char *value)
{
    if (out->nheaders >= (int)(sizeof out->headers / sizeof out->headers[0]))
        return;
    snprintf(out->headers[out->nheaders].name, sizeof out->headers[0].name, "%s", name);
    snprintf(out->headers[out->nheaders].value, sizeof out->headers[0].value, "%s", value);
    out->nheaders++;
}

void sim_redirect(sim_resp *out, const char *location)
{
    sim_reply_empty(out, 302);
    sim_add_header(out, "Location", location);
}

/* ---- faults, latency, rate limits ---- */

/* A matching fault rule (one use taken), copied into *rule; 1 if one matched. */
static int take_fault(sim *s, const char *platform, const char *method, const char *path,
                      json_t **rule)
{
    *rule = NULL;
    json_t *faults = json_object_get(s->state, "faults");
    size_t i;
    json_t *f;
    json_array_foreach(faults, i, f)
    {
        const char *fp = json_string_value(json_object_get(f, "platform"));
        const char *fm = json_string_value(json_object_get(f, "method"));
        const char *fpath = json_string_value(json_object_get(f, "path"));
        if ((fp != NULL && strcmp(fp, platform) != 0) || (fm != NULL && strcmp(fm, method) != 0) ||
            (fpath != NULL && strstr(path, fpath) == NULL))
            continue;
        json_int_t left = json_integer_value(json_object_get(f, "count"));
        *rule = json_deep_copy(f);
        if (left <= 1)
            json_array_remove(faults, i);
        else
            json_object_set_new(f, "count", json_integer(left - 1));
        return 1;
    }
    return 0;
}

/* Latency for a platform in ms, with jitter. */
static int latency_ms(sim *s, const char *platform)
{
    json_t *l = json_object_get(json_object_get(s->state, "latency"), platform);
    if (l == NULL)
        l = json_object_get(json_object_get(s->state, "latency"), "*");
    int ms = (int)json_integer_value(json_object_get(l, "ms"));
    int jitter = (int)json_integer_value(json_object_get(l, "jitter_ms"));
    if (jitter > 0)
        ms += (int)randombytes_uniform((uint32_t)jitter + 1);
    return ms;
}

/* 1 if the platform's rate limit is used up; *reset_s is when it resets (epoch s). */
static int rate_limited(sim *s, const char *platform, int64_t *reset_s, int *limit, int *remaining)
{
    json_t *rl = json_object_get(json_object_get(s->state, "ratelimits"), platform);
    *limit = 0;
    if (rl == NULL)
        return 0;
    int64_t now = sim_now(s);
    int lim = (int)json_integer_value(json_object_get(rl, "limit"));
    int64_t win = json_integer_value(json_object_get(rl, "window_s")) * 1000;
    int64_t start = json_integer_value(json_object_get(rl, "window_start"));
    int count = (int)json_integer_value(json_object_get(rl, "count"));
    if (lim <= 0)
        return 0;
    if (now >= start + win) {
        start = now;
        count = 0;
    }
    count++;
    json_object_set_new(rl, "window_start", json_integer(start));
    json_object_set_new(rl, "count", json_integer(count));
    *limit = lim;
    *remaining = count >= lim ? 0 : lim - count;
    *reset_s = (start + win) / 1000;
    return count > lim;
}

/* ---- the request cycle ---- */

typedef struct conn_ctx {
    char *body;
    size_t len;
    size_t cap;
    int too_big;
} conn_ctx;

/* Append one entry to the request log (under the lock). */
static void log_request(sim *s, const sim_req *r, const char *query, const sim_resp *out)
{
    json_t *log = json_object_get(s->state, "requests");
    json_t *hdrs = json_object();
    static const char *const keep[] = {
        "Content-Type",   "LinkedIn-Version",        "X-Restli-Protocol-Version",
        "Content-Range",  "X-Upload-Content-Length", "X-Upload-Content-Type",
        "X-RestLi-Method"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        const char *v = sim_header(r, keep[i]);
        if (v != NULL)
            json_object_set_new(hdrs, keep[i], json_string(v));
    }
    const char *auth = sim_header(r, "Authorization");
    if (auth != NULL) {
        const char *sp = strchr(auth, ' ');
        json_object_set_new(hdrs, "Authorization",
                            json_stringn(auth, sp != NULL ? (size_t)(sp - auth) : strlen(auth)));
    }
    json_array_append_new(log, json_pack("{s:I, s:s, s:s, s:s, s:s, s:i, s:I, s:o}", "at",
                                         (json_int_t)r->now_ms, "platform", r->platform, "method",
                                         r->method, "path", r->path, "query",
                                         query != NULL ? query : "", "status", out->status,
                                         "body_bytes", (json_int_t)r->body_len, "headers", hdrs));
    while (json_array_size(log) > SIM_MAX_LOG)
        json_array_remove(log, 0);
}

/* Everything the query string held, for the log (secrets are cut out). */
static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    char *q = cls;
    size_t used = strlen(q);
    int secret = strstr(key, "token") != NULL || strstr(key, "secret") != NULL ||
                 strcmp(key, "code") == 0 || strcmp(key, "code_verifier") == 0;
    snprintf(q + used, 2048 - used, "%s%s=%s", used ? "&" : "", key,
             secret ? "(hidden)" : (value != NULL ? value : ""));
    return MHD_YES;
}

static void dispatch(sim *s, sim_req *r, sim_resp *out)
{
    if (strncmp(r->path, "/_sim", 5) == 0) {
        r->platform = "sim";
        sim_admin(s, r, out);
        return;
    }
    const sim_module *m = NULL;
    const char *prefix = NULL;
    for (size_t i = 0; i < sizeof modules / sizeof modules[0] && m == NULL; i++) {
        for (int k = 0; modules[i]->prefixes[k] != NULL; k++) {
            size_t pl = strlen(modules[i]->prefixes[k]);
            if (strncmp(r->path, modules[i]->prefixes[k], pl) == 0 &&
                (r->path[pl] == '/' || r->path[pl] == '\0')) {
                m = modules[i];
                prefix = modules[i]->prefixes[k];
                break;
            }
        }
    }
    if (m == NULL) {
        r->platform = "unknown";
        sim_reply_json(
            out, 404,
            json_pack("{s:s, s:s}", "error", "no simulated host at this path", "path", r->path));
        return;
    }
    r->platform = m->name;
    r->prefix = prefix;
    memmove(r->path, r->path + strlen(prefix), strlen(r->path + strlen(prefix)) + 1);
    if (r->path[0] == '\0')
        snprintf(r->path, sizeof r->path, "/");

    /* Faults and limits set through the admin API come first. */
    sim_lock(s);
    json_t *rule = NULL;
    int matched = take_fault(s, m->name, r->method, r->path, &rule);
    int lat = latency_ms(s, m->name);
    int64_t reset = 0;
    int limit = 0, remaining = 0;
    int limited = rate_limited(s, m->name, &reset, &limit, &remaining);
    sim_unlock(s);

    int delay =
        lat + (rule != NULL ? (int)json_integer_value(json_object_get(rule, "delay_ms")) : 0);
    if (delay > 0) {
        struct timespec ts = {delay / 1000, (long)(delay % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (limit > 0) {
        char v[32];
        snprintf(v, sizeof v, "%d", limit);
        sim_add_header(out, "x-rate-limit-limit", v);
        snprintf(v, sizeof v, "%d", remaining);
        sim_add_header(out, "x-rate-limit-remaining", v);
        snprintf(v, sizeof v, "%lld", (long long)reset);
        sim_add_header(out, "x-rate-limit-reset", v);
    }
    if (matched) {
        if (json_is_true(json_object_get(rule, "drop"))) {
            out->drop = 1;
        } else {
            int st = (int)json_integer_value(json_object_get(rule, "status"));
            json_t *body = json_object_get(rule, "body");
            if (st == 0)
                st = 500;
            if (json_is_string(body))
                sim_reply_text(out, st, "text/plain", json_string_value(body));
            else if (body != NULL)
                sim_reply_json(out, st, json_incref(body));
            else if (m->error != NULL)
                m->error(out, st, st == 429 ? "rate_limited" : "server", "injected failure");
            else
                sim_reply_empty(out, st);
            if (st == 429) {
                char v[32];
                snprintf(v, sizeof v, "%d", 60);
                sim_add_header(out, "Retry-After", v);
            }
        }
        json_decref(rule);
        return;
    }
    if (limited) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)(reset - sim_now(s) / 1000));
        sim_add_header(out, "Retry-After", v);
        m->error(out, 429, "rate_limited", "Too Many Requests");
        return;
    }
    if (m->handle(s, r, out) != 0)
        m->error(out, 404, "not_found", "Unknown path components");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    sim *s = cls;
    conn_ctx *cx = *con_cls;
    (void)version;
    if (cx == NULL) {
        cx = calloc(1, sizeof *cx);
        if (cx == NULL)
            return MHD_NO;
        *con_cls = cx;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (cx->too_big || cx->len + n > SIM_MAX_BODY) {
            cx->too_big = 1;
            return MHD_YES;
        }
        if (cx->len + n + 1 > cx->cap) {
            size_t nc = cx->cap ? cx->cap * 2 : 65536;
            while (nc < cx->len + n + 1)
                nc *= 2;
            char *nb = realloc(cx->body, nc);
            if (nb == NULL)
                return MHD_NO;
            cx->body = nb;
            cx->cap = nc;
        }
        memcpy(cx->body + cx->len, upload, n);
        cx->len += n;
        cx->body[cx->len] = '\0';
        return MHD_YES;
    }

    sim_req r;
    memset(&r, 0, sizeof r);
    r.method = method;
    r.conn = conn;
    r.body = cx->body != NULL ? cx->body : "";
    r.body_len = cx->len;
    r.now_ms = sim_now(s);
    snprintf(r.path, sizeof r.path, "%s", url);
    snprintf(r.base_url, sizeof r.base_url, "%s", s->base_url);
    sim_resp out;
    memset(&out, 0, sizeof out);
    out.status = 500;

    char query[2048] = "";
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, query);
    if (cx->too_big)
        sim_reply_json(&out, 413, json_pack("{s:s}", "error", "request body too large"));
    else
        dispatch(s, &r, &out);
    json_decref(r._form);
    json_decref(r._json);

    if (strcmp(r.platform != NULL ? r.platform : "", "sim") != 0) {
        sim_lock(s);
        log_request(s, &r, query, &out);
        sim_unlock(s);
    }
    if (out.drop) {
        free(out.body);
        return MHD_NO;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(out.len, out.body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(out.body);
        return MHD_NO;
    }
    if (out.content_type[0] != '\0')
        MHD_add_response_header(resp, "Content-Type", out.content_type);
    for (int i = 0; i < out.nheaders; i++)
        MHD_add_response_header(resp, out.headers[i].name, out.headers[i].value);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)out.status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    conn_ctx *cx = *con_cls;
    if (cx != NULL) {
        free(cx->body);
        free(cx);
        *con_cls = NULL;
    }
}

struct MHD_Daemon *sim_http_start(sim *s, const struct sockaddr *addr)
{
    return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_USE_ERROR_LOG | MHD_USE_ITC,
                            0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, addr,
                            MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)120, MHD_OPTION_END);
}
