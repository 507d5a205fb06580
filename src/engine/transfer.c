/* transfer.c - one HTTP exchange of the executor on libcurl (see transfer.h). */
#define _GNU_SOURCE
#include "engine/transfer.h"
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RESPONSE_MAX (8 * 1024 * 1024) /* answers bigger than this are cut */

static int buf_add(xfer_buf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static void buf_free(xfer_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    transfer *t = ud;
    size_t len = size * n;
    if (t->body.len + len > RESPONSE_MAX)
        return len; /* cut: keep reading, stop storing */
    return buf_add(&t->body, p, len) == 0 ? len : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    transfer *t = ud;
    size_t len = size * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        buf_free(&t->heads); /* a new response (after 100 Continue or a redirect) */
        return len;
    }
    size_t k = len;
    while (k > 0 && (p[k - 1] == '\r' || p[k - 1] == '\n'))
        k--;
    if (k == 0 || t->heads.len + k > 65536)
        return len;
    if (buf_add(&t->heads, p, k) != 0 || buf_add(&t->heads, "", 1) != 0)
        return 0;
    return len;
}

/* Header lookup over the NUL-separated "Name: value" lines kept for the answer. */
static const char *resp_header(const plat_response *r, const char *name)
{
    const xfer_buf *h = r->_ctx;
    size_t nl = strlen(name);
    for (size_t o = 0; h != NULL && h->p != NULL && o < h->len;) {
        const char *line = h->p + o;
        size_t ll = strlen(line);
        if (ll > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
            const char *v = line + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
        o += ll + 1;
    }
    return NULL;
}

static size_t on_read(char *out, size_t size, size_t n, void *ud)
{
    transfer *t = ud;
    size_t want = size * n;
    if ((int64_t)want > t->to_send)
        want = (size_t)t->to_send;
    if (want == 0 || t->reader == NULL)
        return 0;
    ssize_t got = media_reader_read(t->reader, out, want);
    if (got < 0)
        return CURL_READFUNC_ABORT;
    t->to_send -= got;
    return (size_t)got;
}

int transfer_setup(transfer *t, const pub_request *q, media_store *ms, const pub_media *m,
                   const char *key, void *user, char *why, size_t whylen)
{
    memset(t, 0, sizeof *t);
    CURL *c = curl_easy_init();
    if (c == NULL) {
        snprintf(why, whylen, "the request could not be started");
        return -1;
    }
    t->easy = c;
    curl_easy_setopt(c, CURLOPT_URL, q->r.url);
    curl_easy_setopt(c, CURLOPT_PRIVATE, user);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "Post2Share/" P2S_VERSION);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    /* A create step never goes on a reused connection: libcurl resends a request silently when
       a kept-alive connection turns out dead, which for a create could post twice. */
    if (q->create_step)
        curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    for (int i = 0; i < q->r.nheaders; i++)
        t->hdrs = curl_slist_append(t->hdrs, q->r.headers[i]);
    t->hdrs = curl_slist_append(t->hdrs, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, t->hdrs);
    if (q->stream || q->multipart) {
        /* a slow upload is fine as long as it moves */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
    } else
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 90L);
    if (q->stream || (q->multipart && q->part_name[0])) {
        if (m == NULL || key == NULL || q->range.offset < 0 || q->range.length < 0 ||
            q->range.offset + q->range.length > m->size ||
            media_store_open_read(ms, key, (uint64_t)q->range.offset, (uint64_t)q->range.length,
                                  &t->reader) != APP_OK) {
            snprintf(why, whylen, "the media file could not be read");
            return -1;
        }
        t->to_send = q->range.length;
    }
    const char *method = q->r.method;
    if (q->multipart) {
        t->mime = curl_mime_init(c);
        for (int i = 0; i < q->nfields; i++) {
            curl_mimepart *p = curl_mime_addpart(t->mime);
            curl_mime_name(p, q->fields[i][0]);
            curl_mime_data(p, q->fields[i][1], CURL_ZERO_TERMINATED);
        }
        if (q->part_name[0]) {
            curl_mimepart *p = curl_mime_addpart(t->mime);
            curl_mime_name(p, q->part_name);
            curl_mime_type(p, q->part_type);
            curl_mime_filename(p, "blob");
            curl_mime_data_cb(p, q->range.length, on_read, NULL, NULL, t);
        }
        curl_easy_setopt(c, CURLOPT_MIMEPOST, t->mime);
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (q->stream) {
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, t);
        if (strcmp(method, "PUT") == 0) {
            curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
            curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->range.length);
        } else {
            curl_easy_setopt(c, CURLOPT_POST, 1L);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->range.length);
            if (strcmp(method, "POST") != 0)
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        }
    } else if (q->r.body != NULL || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->r.body_len);
        curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, q->r.body != NULL ? q->r.body : "");
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (strcmp(method, "HEAD") == 0)
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    }
    return 0;
}

plat_response transfer_response(const transfer *t, int status)
{
    plat_response r = {.status = status,
                       .body = t->body.p != NULL ? t->body.p : "",
                       .body_len = t->body.len,
                       .header = resp_header,
                       ._ctx = (void *)&t->heads};
    return r;
}

void transfer_clear(transfer *t)
{
    if (t->easy != NULL)
        curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->hdrs);
    curl_mime_free(t->mime);
    if (t->reader != NULL)
        media_reader_close(t->reader);
    buf_free(&t->body);
    buf_free(&t->heads);
    memset(t, 0, sizeof *t);
}
