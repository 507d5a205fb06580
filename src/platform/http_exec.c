/* http_exec.c - blocking execution of adapter jobs with libcurl. */
#define _GNU_SOURCE
#include "platform/http_exec.h"
#include "core/clock.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_BODY (8u * 1024 * 1024)

typedef struct got {
    char *body;
    size_t len, cap;
    char headers[32][512];
    int nheaders;
} got;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    got *g = arg;
    size_t add = size * n;
    if (g->len + add + 1 > MAX_BODY)
        return 0;
    if (g->len + add + 1 > g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 16384;
        while (nc < g->len + add + 1)
            nc *= 2;
        char *nb = realloc(g->body, nc);
        if (nb == NULL)
            return 0;
        g->body = nb;
        g->cap = nc;
    }
    memcpy(g->body + g->len, p, add);
    g->len += add;
    g->body[g->len] = '\0';
    return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    got *g = arg;
    size_t len = size * n;
    if (g->nheaders < 32 && len > 2 && len < sizeof g->headers[0]) {
        memcpy(g->headers[g->nheaders], p, len);
        g->headers[g->nheaders][len] = '\0';
        char *e = g->headers[g->nheaders] + len;
        while (e > g->headers[g->nheaders] && (e[-1] == '\r' || e[-1] == '\n'))
            *--e = '\0';
        g->nheaders++;
    }
    return len;
}

static const char *find_header(const plat_response *r, const char *name)
{
    got *g = r->_ctx;
    size_t nl = strlen(name);
    for (int i = 0; i < g->nheaders; i++) {
        if (strncasecmp(g->headers[i], name, nl) == 0 && g->headers[i][nl] == ':') {
            const char *v = g->headers[i] + nl + 1;
            while (*v == ' ')
                v++;
            return v;
        }
    }
    return NULL;
}

/* Make one request; fills g and returns the status (0 on network failure). */
static int perform(const plat_request *req, got *g)
{
    CURL *c = curl_easy_init();
    if (c == NULL)
        return 0;
    struct curl_slist *hs = NULL;
    for (int i = 0; i < req->nheaders; i++)
        hs = curl_slist_append(hs, req->headers[i]);
    hs = curl_slist_append(hs, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    if (req->body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else if (strcmp(req->method, "POST") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    } else if (strcmp(req->method, "GET") == 0) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, g);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, g);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "Post2Share/0.1");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    return (int)status;
}

plat_step plat_run(plat_job *job, plat_machine machine, int max_requests)
{
    job->now_ms = clock_now_ms();
    plat_step step = machine(job, NULL);
    for (int n = 0; step == PLAT_REQUEST; n++) {
        if (n >= max_requests)
            return plat_fail(job, PERR_PERMANENT, 0, "too_many_steps",
                             "the platform exchange did not finish");
        got g;
        memset(&g, 0, sizeof g);
        plat_response r = {0};
        r.status = perform(&job->req, &g);
        r.body = g.body != NULL ? g.body : "";
        r.body_len = g.len;
        r.header = find_header;
        r._ctx = &g;
        job->now_ms = clock_now_ms();
        step = machine(job, &r);
        free(g.body);
    }
    return step;
}
