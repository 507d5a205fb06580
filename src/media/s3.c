/*
 * s3.c - the S3 media store: objects in a bucket of any S3-compatible
 * service, signed with AWS Signature V4 by libcurl.
 *
 * libcurl 7.88 signs the request but does not send x-amz-content-sha256,
 * which S3 requires; it is sent here (and signed, as every header passed in
 * is): the content's SHA-256 for PUT, the empty string's for the others.
 *
 * PUT streams the staged file from disk (read callback, known length).
 *
 * GET streams through a reader without ever holding the object: a thread
 * runs the transfer and its write callback send()s into one end of a
 * socketpair whose buffers are small, blocking while the consumer is behind;
 * media_reader_read reads the other end.  Memory per open reader is bounded
 * by curl's receive buffer (CURL_BUF) plus the two socket buffers
 * (SOCK_BUF each, doubled by the kernel), whatever the object's size.
 * Closing a reader early shuts its end down (the blocked send fails) and
 * raises a flag the progress callback turns into an abort, then joins.
 *
 * Easy handles are kept in a small pool so connections are reused; DNS and
 * TLS sessions are shared between them.  A transfer that receives or sends
 * nothing for STALL_S seconds (time spent waiting for the consumer aside)
 * is abandoned.
 */
#define _POSIX_C_SOURCE 200809L
#include "media/store_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define URL_MAX      1024
#define POOL_MAX     8
#define CONNECT_S    10L
#define STALL_S      60
#define CURL_BUF     (16L * 1024)
#define SOCK_BUF     (64 * 1024)
#define ERRBODY_MAX  1024
#define HASH_BUF     (64u * 1024)

typedef struct s3_store {
    media_store base;
    char prefix[URL_MAX]; /* object URL = prefix "/" key */
    char sigv4[96];       /* "aws:amz:REGION:s3" */
    char access_key[256];
    char secret_key[256];
    CURLSH *share;
    pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
    pthread_mutex_t pool_mu;
    CURL *pool[POOL_MAX];
    int npool;
    pthread_mutex_t err_mu;
    char last_err[256];
} s3_store;

/* What one request carries besides the URL: shared by PUT, GET and DELETE. */
typedef struct s3_call {
    s3_store *s;
    CURL *h;
    struct curl_slist *hdrs;
    char errbuf[CURL_ERROR_SIZE];
    char errbody[ERRBODY_MAX]; /* the start of an error answer (S3's XML) */
    size_t errlen;
    long status;
    struct timespec last_activity; /* monotonic; touched from the transfer's thread only */
    curl_off_t last_now;           /* bytes moved at the last progress call */
    atomic_int abort;              /* set by another thread to stop the transfer */
    int stalled;
} s3_call;

static s3_store *as_s3(media_store *s)
{
    return (s3_store *)s;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void touch(s3_call *c)
{
    clock_gettime(CLOCK_MONOTONIC, &c->last_activity);
}

static void set_error(s3_store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(s3_store *s, const char *fmt, ...)
{
    char buf[sizeof s->last_err];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&s->err_mu);
    memcpy(s->last_err, buf, sizeof buf);
    pthread_mutex_unlock(&s->err_mu);
}

void media_s3_last_error(media_store *s, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (s == NULL || strcmp(s->ops->kind, "s3") != 0)
        return;
    s3_store *ss = as_s3(s);
    pthread_mutex_lock(&ss->err_mu);
    snprintf(buf, len, "%s", ss->last_err);
    pthread_mutex_unlock(&ss->err_mu);
}

/* S3's error code from an XML answer ("NoSuchKey"), or "" if there is none. */
static void error_code(const s3_call *c, char *out, size_t outlen)
{
    out[0] = '\0';
    const char *p = strstr(c->errbody, "<Code>");
    if (p == NULL || outlen == 0)
        return;
    p += 6;
    size_t n = 0;
    while (n + 1 < outlen && ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= 'a' && p[n] <= 'z') ||
                              (p[n] >= '0' && p[n] <= '9')))
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

/* Record why a call failed: its status and S3 code, or curl's reason. */
static void call_error(s3_call *c, const char *method, const char *key, CURLcode rc)
{
    if (c->stalled) {
        set_error(c->s, "s3 %s %s: no progress for %d s", method, key, STALL_S);
    } else if (rc != CURLE_OK && c->status < 200) {
        set_error(c->s, "s3 %s %s: %s%s%s", method, key, curl_easy_strerror(rc),
                  c->errbuf[0] ? ": " : "", c->errbuf);
    } else {
        char code[64];
        error_code(c, code, sizeof code);
        set_error(c->s, "s3 %s %s: HTTP %ld%s%s", method, key, c->status, code[0] ? " " : "", code);
    }
}

/* ---- curl share and handle pool ---- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
    (void)h;
    (void)access;
    s3_store *s = arg;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&s->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
    (void)h;
    s3_store *s = arg;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&s->share_mu[data]);
}

static CURL *handle_take(s3_store *s)
{
    CURL *h = NULL;
    pthread_mutex_lock(&s->pool_mu);
    if (s->npool > 0)
        h = s->pool[--s->npool];
    pthread_mutex_unlock(&s->pool_mu);
    return h != NULL ? h : curl_easy_init();
}

static void handle_give(s3_store *s, CURL *h)
{
    if (h == NULL)
        return;
    curl_easy_reset(h); /* keeps the live connection for the next call */
    pthread_mutex_lock(&s->pool_mu);
    if (s->npool < POOL_MAX) {
        s->pool[s->npool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&s->pool_mu);
    if (h != NULL)
        curl_easy_cleanup(h);
}

/* ---- callbacks common to every call ---- */

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)ultotal;
    s3_call *c = arg;
    if (atomic_load(&c->abort))
        return 1;
    if (dlnow + ulnow != c->last_now) {
        c->last_now = dlnow + ulnow;
        touch(c);
        return 0;
    }
    double idle =
        now_s() - ((double)c->last_activity.tv_sec + (double)c->last_activity.tv_nsec / 1e9);
    if (idle > STALL_S) {
        c->stalled = 1;
        return 1;
    }
    return 0;
}

/* Keep the start of an answer that is not the object (an error document). */
static void keep_errbody(s3_call *c, const char *p, size_t n)
{
    size_t room = sizeof c->errbody - 1 - c->errlen;
    if (n > room)
        n = room;
    memcpy(c->errbody + c->errlen, p, n);
    c->errlen += n;
    c->errbody[c->errlen] = '\0';
}

static size_t on_error_body(char *p, size_t size, size_t n, void *arg)
{
    s3_call *c = arg;
    keep_errbody(c, p, size * n);
    touch(c);
    return size * n;
}

/* Start a call: a handle from the pool with the options every request has. */
static int call_begin(s3_call *c, s3_store *s, const char *key, const char *payload_sha)
{
    memset(c, 0, sizeof *c);
    c->s = s;
    atomic_init(&c->abort, 0);
    touch(c);
    char url[URL_MAX + MEDIA_KEY_MAX + 2];
    if (media_s3_object_url(&s->base, key, url, sizeof url) != 0)
        return -1;
    c->h = handle_take(s);
    if (c->h == NULL)
        return -1;
    char sha_hdr[96];
    snprintf(sha_hdr, sizeof sha_hdr, "x-amz-content-sha256: %s", payload_sha);
    c->hdrs = curl_slist_append(NULL, sha_hdr);
    if (c->hdrs == NULL)
        return -1;
    CURL *h = c->h;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SHARE, s->share) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_S) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_AWS_SIGV4, s->sigv4) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_USERNAME, s->access_key) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_PASSWORD, s->secret_key) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, c) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_BUFFERSIZE, CURL_BUF) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_error_body) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, c) != CURLE_OK;
    return bad ? -1 : 0;
}

/* Set the headers (after adding any) and run the call to its end. */
static CURLcode call_perform(s3_call *c)
{
    if (curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, c->hdrs) != CURLE_OK)
        return CURLE_OUT_OF_MEMORY;
    CURLcode rc = curl_easy_perform(c->h);
    curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &c->status);
    return rc;
}

static void call_end(s3_call *c)
{
    handle_give(c->s, c->h);
    c->h = NULL;
    curl_slist_free_all(c->hdrs);
    c->hdrs = NULL;
}

/* ---- PUT ---- */

typedef struct put_src {
    int fd;
    uint64_t pos, size;
    int failed;
} put_src;

static size_t on_put_read(char *buf, size_t size, size_t n, void *arg)
{
    put_src *src = arg;
    size_t want = size * n;
    if (src->pos >= src->size)
        return 0;
    if ((uint64_t)want > src->size - src->pos)
        want = (size_t)(src->size - src->pos);
    for (;;) {
        ssize_t r = pread(src->fd, buf, want, (off_t)src->pos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) { /* an error, or the file got shorter than announced */
            src->failed = 1;
            return CURL_READFUNC_ABORT;
        }
        src->pos += (uint64_t)r;
        return (size_t)r;
    }
}

static int on_put_seek(void *arg, curl_off_t offset, int origin)
{
    put_src *src = arg;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > src->size)
        return CURL_SEEKFUNC_FAIL;
    src->pos = (uint64_t)offset;
    return CURL_SEEKFUNC_OK;
}

/* The SHA-256 of the file, streamed. */
static int file_sha256(int fd, char hex[65])
{
    unsigned char *buf = malloc(HASH_BUF);
    if (buf == NULL)
        return -1;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    off_t pos = 0;
    int rc = 0;
    for (;;) {
        ssize_t r = pread(fd, buf, HASH_BUF, pos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == 0)
            break;
        crypto_hash_sha256_update(&st, buf, (unsigned long long)r);
        pos += r;
    }
    free(buf);
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, out);
    sodium_bin2hex(hex, 65, out, sizeof out);
    return rc;
}

/* Copy a 64-digit hex digest, lowercased.  Returns 0, or -1 if it is not one. */
static int norm_sha(const char *in, char out[65])
{
    for (int i = 0; i < 64; i++) {
        char ch = in[i];
        if (ch >= 'A' && ch <= 'F')
            ch = (char)(ch - 'A' + 'a');
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return -1;
        out[i] = ch;
    }
    if (in[64] != '\0')
        return -1;
    out[64] = '\0';
    return 0;
}

static int content_type_ok(const char *ct)
{
    size_t n = strnlen(ct, 128);
    if (n == 0 || n >= 128)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ct[i] < 0x20 || ct[i] > 0x7e)
            return 0;
    return 1;
}

static app_err s3_put(media_store *st, const char *key, const char *local_path,
                      const char *content_type, const char *sha256_hex, uint64_t size)
{
    s3_store *s = as_s3(st);
    if (content_type == NULL || content_type[0] == '\0')
        content_type = "application/octet-stream";
    if (!content_type_ok(content_type))
        return APP_EINVAL;
    char sha[65];
    if (sha256_hex != NULL && sha256_hex[0] != '\0' && norm_sha(sha256_hex, sha) != 0)
        return APP_EINVAL;
    put_src src = {.fd = open(local_path, O_RDONLY | O_CLOEXEC), .size = size};
    if (src.fd < 0)
        return errno == ENOENT ? APP_ENOTFOUND : APP_EIO;
    struct stat sb;
    if (fstat(src.fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(src.fd);
        return APP_EIO;
    }
    if ((uint64_t)sb.st_size != size) {
        close(src.fd);
        return APP_EINVAL;
    }
    if ((sha256_hex == NULL || sha256_hex[0] == '\0') && file_sha256(src.fd, sha) != 0) {
        close(src.fd);
        return APP_EIO;
    }

    s3_call c;
    app_err rc = APP_OK;
    char ct_hdr[160];
    snprintf(ct_hdr, sizeof ct_hdr, "Content-Type: %s", content_type);
    struct curl_slist *more = NULL;
    if (call_begin(&c, s, key, sha) != 0 || (more = curl_slist_append(c.hdrs, ct_hdr)) == NULL) {
        call_end(&c);
        close(src.fd);
        return APP_ENOMEM;
    }
    c.hdrs = more;
    CURL *h = c.h;
    int bad = 0;
    bad |= curl_easy_setopt(h, CURLOPT_UPLOAD, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_READFUNCTION, on_put_read) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_READDATA, &src) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_put_seek) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_SEEKDATA, &src) != CURLE_OK;
    bad |= curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size) != CURLE_OK;
    if (bad) {
        call_end(&c);
        close(src.fd);
        return APP_ENOMEM;
    }
    CURLcode cr = call_perform(&c);
    if (src.failed) {
        set_error(s, "s3 PUT %s: reading the staged file failed", key);
        rc = APP_EIO;
    } else if (cr != CURLE_OK || c.status < 200 || c.status > 299) {
        call_error(&c, "PUT", key, cr);
        rc = APP_EUPSTREAM;
    }
    call_end(&c);
    close(src.fd);
    return rc;
}

/* ---- DELETE ---- */

static app_err s3_delete(media_store *st, const char *key)
{
    s3_store *s = as_s3(st);
    s3_call c;
    if (call_begin(&c, s, key, EMPTY_SHA256) != 0 ||
        curl_easy_setopt(c.h, CURLOPT_CUSTOMREQUEST, "DELETE") != CURLE_OK) {
        call_end(&c);
        return APP_ENOMEM;
    }
    CURLcode cr = call_perform(&c);
    app_err rc = APP_OK;
    char code[64];
    error_code(&c, code, sizeof code);
    if (cr == CURLE_OK && c.status >= 200 && c.status <= 299) {
        /* deleted, or it was not there (S3 answers 204 either way) */
    } else if (cr == CURLE_OK && c.status == 404 &&
               (code[0] == '\0' || strcmp(code, "NoSuchKey") == 0)) {
        /* a missing object is not an error; a missing bucket is */
    } else {
        call_error(&c, "DELETE", key, cr);
        rc = APP_EUPSTREAM;
    }
    call_end(&c);
    return rc;
}

/* ---- GET through a reader ---- */

typedef struct s3_reader {
    media_reader base;
    s3_call c;
    int rd, wr; /* socketpair: the consumer reads rd, the transfer writes wr */
    pthread_t thread;
    int started, joined;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int headers_done; /* under mu: status is known (or the transfer ended) */
    long status;      /* under mu */
    CURLcode result;  /* set by the thread before it ends; read after join */
    /* Transfer thread only: */
    int ranged;          /* a Range was asked for */
    uint64_t skip, want; /* when a server ignores Range: bytes to drop, bytes to pass (0 = all) */
    int cut;             /* stopped on purpose after want bytes */
    int failed;          /* consumer side: the stream is broken */
    char key[MEDIA_KEY_MAX + 1];
} s3_reader;

static size_t on_get_header(char *p, size_t size, size_t n, void *arg)
{
    s3_reader *r = arg;
    size_t len = size * n;
    touch(&r->c);
    if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
        long code = 0;
        curl_easy_getinfo(r->c.h, CURLINFO_RESPONSE_CODE, &code);
        if (code >= 200) {
            r->c.status = code;
            /* A server that ignores Range sends the whole object (200): the range
             * is cut out in on_get_body.  Otherwise nothing is cut. */
            if (code != 200 || !r->ranged) {
                r->skip = 0;
                r->want = 0;
            }
            pthread_mutex_lock(&r->mu);
            r->status = code;
            r->headers_done = 1;
            pthread_cond_signal(&r->cv);
            pthread_mutex_unlock(&r->mu);
        }
    }
    return len;
}

static int send_all(int fd, const char *p, size_t n, atomic_int *abort_flag)
{
    while (n > 0) {
        if (atomic_load(abort_flag))
            return -1;
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static size_t on_get_body(char *p, size_t size, size_t n, void *arg)
{
    s3_reader *r = arg;
    size_t len = size * n;
    if (r->c.status < 200 || r->c.status > 299) {
        keep_errbody(&r->c, p, len);
        touch(&r->c);
        return len;
    }
    const char *q = p;
    size_t m = len;
    if (r->skip > 0) {
        size_t drop = (uint64_t)m < r->skip ? m : (size_t)r->skip;
        r->skip -= drop;
        q += drop;
        m -= drop;
    }
    int last = 0;
    if (r->want > 0) {
        if ((uint64_t)m >= r->want) {
            m = (size_t)r->want;
            last = 1;
        }
        r->want -= m;
    }
    if (m > 0 && send_all(r->wr, q, m, &r->c.abort) != 0)
        return 0; /* the consumer went away: abort the transfer */
    touch(&r->c);
    if (last) {
        r->cut = 1; /* have the range: stop the transfer here */
        return 0;
    }
    return len;
}

static void *get_thread(void *arg)
{
    s3_reader *r = arg;
    CURLcode rc = call_perform(&r->c);
    if (r->cut && rc == CURLE_WRITE_ERROR)
        rc = CURLE_OK;
    r->result = rc;
    pthread_mutex_lock(&r->mu);
    if (!r->headers_done) {
        r->status = r->c.status;
        r->headers_done = 1;
    }
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    close(r->wr); /* the consumer sees the end */
    r->wr = -1;
    return NULL;
}

static void reader_join(s3_reader *r)
{
    if (r->started && !r->joined) {
        pthread_join(r->thread, NULL);
        r->joined = 1;
    }
}

static void reader_free(s3_reader *r)
{
    if (r->rd >= 0) {
        shutdown(r->rd, SHUT_RDWR); /* a send blocked in the thread fails now */
    }
    atomic_store(&r->c.abort, 1);
    reader_join(r);
    if (r->rd >= 0)
        close(r->rd);
    if (r->wr >= 0)
        close(r->wr);
    call_end(&r->c);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

static ssize_t s3_read(media_reader *base, void *buf, size_t n)
{
    s3_reader *r = (s3_reader *)base;
    if (r->failed)
        return -1;
    for (;;) {
        ssize_t got = recv(r->rd, buf, n, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got > 0)
            return got;
        if (got < 0) {
            r->failed = 1;
            return -1;
        }
        /* The transfer ended: a clean end, or a cut-off stream? */
        reader_join(r);
        if (r->result != CURLE_OK) {
            call_error(&r->c, "GET", r->key, r->result);
            r->failed = 1;
            return -1;
        }
        return 0;
    }
}

static void s3_reader_close(media_reader *base)
{
    reader_free((s3_reader *)base);
}

static app_err s3_open_read(media_store *st, const char *key, uint64_t offset, uint64_t length,
                            media_reader **out)
{
    s3_store *s = as_s3(st);
    s3_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return APP_ENOMEM;
    r->base.read = s3_read;
    r->base.close = s3_reader_close;
    r->rd = r->wr = -1;
    snprintf(r->key, sizeof r->key, "%s", key);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        reader_free(r);
        return APP_EIO;
    }
    r->rd = sv[0];
    r->wr = sv[1];
    int sz = SOCK_BUF;
    setsockopt(r->wr, SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    setsockopt(r->rd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);

    char range[80] = "";
    if (offset > 0 || length > 0) {
        r->ranged = 1;
        r->skip = offset;
        r->want = length;
        if (length > 0 && length - 1 <= UINT64_MAX - offset)
            snprintf(range, sizeof range, "Range: bytes=%llu-%llu", (unsigned long long)offset,
                     (unsigned long long)(offset + length - 1));
        else
            snprintf(range, sizeof range, "Range: bytes=%llu-", (unsigned long long)offset);
    }
    int bad = call_begin(&r->c, s, key, EMPTY_SHA256) != 0;
    if (!bad && range[0] != '\0') {
        struct curl_slist *more = curl_slist_append(r->c.hdrs, range);
        bad = more == NULL;
        if (more != NULL)
            r->c.hdrs = more;
    }
    if (!bad) {
        CURL *h = r->c.h;
        bad |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_get_header) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, r) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_get_body) != CURLE_OK;
        bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, r) != CURLE_OK;
    }
    if (bad || pthread_create(&r->thread, NULL, get_thread, r) != 0) {
        reader_free(r);
        return APP_ENOMEM;
    }
    r->started = 1;

    pthread_mutex_lock(&r->mu);
    while (!r->headers_done)
        pthread_cond_wait(&r->cv, &r->mu);
    long status = r->status;
    pthread_mutex_unlock(&r->mu);
    if (status == 200 || status == 206) {
        *out = &r->base;
        return APP_OK;
    }
    /* Not the object: let the (small) error answer finish, then say why. */
    reader_join(r);
    char code[64];
    error_code(&r->c, code, sizeof code);
    app_err rc = APP_EUPSTREAM;
    if (r->result == CURLE_OK && status == 404 && strcmp(code, "NoSuchBucket") != 0)
        rc = APP_ENOTFOUND;
    else if (r->result == CURLE_OK && status == 416)
        rc = APP_EINVAL;
    else
        call_error(&r->c, "GET", key, r->result);
    reader_free(r);
    return rc;
}

/* ---- the store ---- */

static void s3_close(media_store *st)
{
    s3_store *s = as_s3(st);
    for (int i = 0; i < s->npool; i++)
        curl_easy_cleanup(s->pool[i]);
    if (s->share != NULL)
        curl_share_cleanup(s->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&s->share_mu[i]);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_mutex_destroy(&s->err_mu);
    sodium_memzero(s->secret_key, sizeof s->secret_key);
    free(s);
}

static const media_backend s3_backend = {
    .kind = "s3",
    .put_file = s3_put,
    .open_read = s3_open_read,
    .del = s3_delete,
    .close = s3_close,
};

int media_s3_object_url(const media_store *s, const char *key, char *buf, size_t len)
{
    if (s == NULL || s->ops != &s3_backend)
        return -1;
    const s3_store *ss = (const s3_store *)s;
    int n = snprintf(buf, len, "%s/%s", ss->prefix, key);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int all_of(const char *s, const char *set)
{
    return s[0] != '\0' && strspn(s, set) == strlen(s);
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGIT "0123456789"

/* Build the URL prefix from the endpoint, bucket and style.  Returns 0 or -1 with err. */
static int make_prefix(s3_store *s, const config *cfg, char *err, size_t errlen)
{
    char endpoint[sizeof cfg->s3_endpoint];
    if (cfg->s3_endpoint[0] != '\0')
        snprintf(endpoint, sizeof endpoint, "%s", cfg->s3_endpoint);
    else if (snprintf(endpoint, sizeof endpoint, "https://s3.%s.amazonaws.com", cfg->s3_region) >=
             (int)sizeof endpoint)
        endpoint[0] = '\0';
    size_t el = strlen(endpoint);
    while (el > 0 && endpoint[el - 1] == '/')
        endpoint[--el] = '\0';
    const char *scheme_end = strstr(endpoint, "://");
    if (scheme_end == NULL ||
        !(strncmp(endpoint, "http://", 7) == 0 || strncmp(endpoint, "https://", 8) == 0)) {
        snprintf(err, errlen, "P2S_S3_ENDPOINT (--s3-endpoint): must be an http(s):// URL");
        return -1;
    }
    const char *host = scheme_end + 3;
    const char *path = strchr(host, '/');
    size_t hostlen = path != NULL ? (size_t)(path - host) : strlen(host);
    if (path == NULL)
        path = "";
    if (hostlen == 0 || strpbrk(endpoint, "@?#") != NULL || strpbrk(endpoint, " \t") != NULL) {
        snprintf(err, errlen,
                 "P2S_S3_ENDPOINT (--s3-endpoint): must be scheme://host[:port][/path], "
                 "without user, query or fragment");
        return -1;
    }
    const char *bucket = cfg->s3_bucket;
    if (strlen(bucket) < 3 || strlen(bucket) > 63) {
        snprintf(err, errlen, "P2S_S3_BUCKET (--s3-bucket): must be 3 to 63 characters");
        return -1;
    }
    int n;
    if (cfg->s3_path_style) {
        if (!all_of(bucket, LOWER UPPER DIGIT "._-")) {
            snprintf(err, errlen,
                     "P2S_S3_BUCKET (--s3-bucket): only letters, digits, '.', '_' and '-'");
            return -1;
        }
        n = snprintf(s->prefix, sizeof s->prefix, "%s/%s", endpoint, bucket);
    } else {
        if (!all_of(bucket, LOWER DIGIT ".-") || bucket[0] == '.' || bucket[0] == '-') {
            snprintf(err, errlen,
                     "P2S_S3_BUCKET (--s3-bucket): a virtual-hosted bucket name is lowercase "
                     "letters, digits, '.' and '-' (or set P2S_S3_PATH_STYLE=1)");
            return -1;
        }
        /* An IP address has no subdomains. */
        char hostonly[256];
        size_t hl = hostlen < sizeof hostonly ? hostlen : sizeof hostonly - 1;
        memcpy(hostonly, host, hl);
        hostonly[hl] = '\0';
        char *colon = strrchr(hostonly, ':');
        if (colon != NULL && hostonly[0] != '[')
            *colon = '\0';
        if (hostonly[0] == '[' || all_of(hostonly, DIGIT ".")) {
            snprintf(err, errlen,
                     "P2S_S3_PATH_STYLE (--s3-path-style): virtual-hosted style needs a host "
                     "name in P2S_S3_ENDPOINT, not an IP address");
            return -1;
        }
        n = snprintf(s->prefix, sizeof s->prefix, "%.*s%s.%.*s%s", (int)(host - endpoint), endpoint,
                     bucket, (int)hostlen, host, path);
    }
    if (n < 0 || (size_t)n >= sizeof s->prefix) {
        snprintf(err, errlen, "P2S_S3_ENDPOINT (--s3-endpoint): too long");
        return -1;
    }
    return 0;
}

app_err media_s3_open(const config *cfg, media_store **out, char *err, size_t errlen)
{
    if (!all_of(cfg->s3_region, LOWER UPPER DIGIT "_-")) {
        snprintf(err, errlen, "P2S_S3_REGION (--s3-region): letters, digits, '_' and '-' only");
        return APP_EINVAL;
    }
    if (cfg->s3_bucket[0] == '\0') {
        snprintf(err, errlen, "P2S_S3_BUCKET (--s3-bucket): required when P2S_MEDIA_STORE=s3");
        return APP_EINVAL;
    }
    if (cfg->s3_access_key[0] == '\0' || cfg->s3_secret_key[0] == '\0') {
        snprintf(err, errlen,
                 "P2S_S3_ACCESS_KEY and P2S_S3_SECRET_KEY: both are required when "
                 "P2S_MEDIA_STORE=s3");
        return APP_EINVAL;
    }
    s3_store *s = calloc(1, sizeof *s);
    if (s == NULL) {
        snprintf(err, errlen, "out of memory");
        return APP_ENOMEM;
    }
    s->base.ops = &s3_backend;
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&s->share_mu[i], NULL);
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_mutex_init(&s->err_mu, NULL);
    snprintf(s->sigv4, sizeof s->sigv4, "aws:amz:%s:s3", cfg->s3_region);
    snprintf(s->access_key, sizeof s->access_key, "%s", cfg->s3_access_key);
    snprintf(s->secret_key, sizeof s->secret_key, "%s", cfg->s3_secret_key);
    if (make_prefix(s, cfg, err, errlen) != 0) {
        s3_close(&s->base);
        return APP_EINVAL;
    }
    s->share = curl_share_init();
    int bad = s->share == NULL;
    if (!bad) {
        bad |= curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK;
        bad |= curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK;
        bad |= curl_share_setopt(s->share, CURLSHOPT_USERDATA, s) != CURLSHE_OK;
        bad |= curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK;
        bad |=
            curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK;
    }
    if (bad) {
        snprintf(err, errlen, "cannot set up libcurl for S3");
        s3_close(&s->base);
        return APP_ENOMEM;
    }
    *out = &s->base;
    return APP_OK;
}
