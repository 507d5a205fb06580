/* smtp.c - one email over SMTP with libcurl (see smtp.h). */
#define _POSIX_C_SOURCE 200809L
#include "notify/smtp.h"
#include "core/clock.h"

#include <ctype.h>
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Seconds to reach the server, and for the whole exchange. */
#define CONNECT_TIMEOUT_S 15
#define SEND_TIMEOUT_S    60

int smtp_configured(const config *cfg)
{
    return cfg->smtp_url[0] != '\0';
}

/* A growing string. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static char *sb_done(sbuf *b)
{
    if (b->oom) {
        free(b->s);
        return NULL;
    }
    if (b->s == NULL)
        return strdup("");
    return b->s;
}

int smtp_addr_ok(const char *addr)
{
    if (addr == NULL)
        return 0;
    const char *at = strchr(addr, '@');
    size_t n = strlen(addr);
    if (at == NULL || at == addr || at[1] == '\0' || strchr(at + 1, '@') != NULL || n > 320)
        return 0;
    for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == '(' || *p == ')' ||
            *p == ',' || *p == ';' || *p == '\\' || *p == '"' || *p == '[' || *p == ']')
            return 0;
    return 1;
}

/* Trim spaces at both ends of [s, s+n) in place; returns the new start, *n the new length. */
static const char *trim(const char *s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)s[0])) {
        s++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)s[*n - 1]))
        (*n)--;
    return s;
}

/* The host of a URL, lower-cased; "localhost" for IP addresses or when there is none. */
static void url_host(const char *url, char *host, size_t hlen)
{
    snprintf(host, hlen, "localhost");
    const char *p = strstr(url, "://");
    if (p == NULL || p[3] == '[')
        return;
    p += 3;
    size_t n = strcspn(p, ":/?#");
    if (n == 0 || n >= hlen)
        return;
    int letters = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isalnum((unsigned char)p[i]) && p[i] != '.' && p[i] != '-')
            return;
        letters |= isalpha((unsigned char)p[i]) != 0;
    }
    if (!letters)
        return;
    for (size_t i = 0; i < n; i++)
        host[i] = (char)tolower((unsigned char)p[i]);
    host[n] = '\0';
}

/* A display name for a header: as is, "quoted" when it holds specials, or encoded-words. */
static char *display_name(const char *name)
{
    int ascii = 1, special = 0;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p < 0x20 || *p > 0x7e)
            ascii = 0;
        else if (strchr("()<>[]:;@\\,.\"", *p) != NULL)
            special = 1;
    }
    if (!ascii)
        return smtp_encode_header(name, 6);
    if (!special)
        return strdup(name);
    sbuf b = {0};
    sb_str(&b, "\"");
    for (const char *p = name; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_str(&b, "\\");
        sb_add(&b, p, 1);
    }
    sb_str(&b, "\"");
    return sb_done(&b);
}

void smtp_from(const config *cfg, char *header, size_t hlen, char *addr, size_t alen)
{
    char name[256] = "";
    const char *f = cfg->smtp_from;
    const char *lt = strchr(f, '<'), *gt = lt != NULL ? strchr(lt, '>') : NULL;
    if (f[0] == '\0') {
        char host[256];
        url_host(cfg->public_url, host, sizeof host);
        snprintf(name, sizeof name, "Post2Share");
        snprintf(addr, alen, "post2share@%s", host);
    } else if (lt != NULL && gt != NULL) {
        size_t n = (size_t)(lt - f);
        const char *s = trim(f, &n);
        if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
            s++;
            n -= 2;
        }
        snprintf(name, sizeof name, "%.*s", (int)n, s);
        n = (size_t)(gt - lt - 1);
        s = trim(lt + 1, &n);
        snprintf(addr, alen, "%.*s", (int)n, s);
    } else {
        size_t n = strlen(f);
        const char *s = trim(f, &n);
        snprintf(addr, alen, "%.*s", (int)n, s);
    }
    char *dn = name[0] ? display_name(name) : NULL;
    if (dn != NULL)
        snprintf(header, hlen, "%s <%s>", dn, addr);
    else
        snprintf(header, hlen, "%s", addr);
    free(dn);
}

char *smtp_encode_header(const char *value, size_t name_len)
{
    /* controls become spaces: no header can be smuggled in */
    size_t n = strlen(value);
    char *v = malloc(n + 1);
    if (v == NULL)
        return NULL;
    int ascii = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)value[i];
        v[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
        if (c > 0x7e)
            ascii = 0;
    }
    v[n] = '\0';
    if (strstr(v, "=?") != NULL)
        ascii = 0; /* would read as an encoded-word */
    sbuf b = {0};
    if (ascii) {
        /* fold at spaces so lines stay near 78 columns */
        size_t col = name_len;
        const char *p = v;
        int first = 1;
        for (;;) {
            size_t w = strcspn(p, " ");
            if (!first && col + 1 + w > 76 && col > 1) {
                sb_str(&b, "\r\n ");
                col = 1;
            } else if (!first) {
                sb_str(&b, " ");
                col++;
            }
            sb_add(&b, p, w);
            col += w;
            first = 0;
            if (p[w] == '\0')
                break;
            p += w + 1;
        }
        free(v);
        return sb_done(&b);
    }
    /* encoded-words of at most 75 characters: 45 bytes of UTF-8 make 60 of base64 */
    size_t i = 0;
    int first = 1;
    while (i < n || first) {
        size_t take = n - i < 45 ? n - i : 45;
        if (i + take < n)
            while (take > 1 && ((unsigned char)v[i + take] & 0xC0) == 0x80)
                take--; /* never split a character */
        char b64[sodium_base64_ENCODED_LEN(45, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)v + i, take,
                          sodium_base64_VARIANT_ORIGINAL);
        if (!first)
            sb_str(&b, "\r\n ");
        sb_str(&b, "=?UTF-8?B?");
        sb_str(&b, b64);
        sb_str(&b, "?=");
        i += take;
        first = 0;
    }
    free(v);
    return sb_done(&b);
}

/* text with bare LF made CRLF (the canonical form of text before base64). */
static char *crlf(const char *s)
{
    sbuf b = {0};
    for (const char *p = s; *p; p++) {
        if (*p == '\n' && (p == s || p[-1] != '\r'))
            sb_str(&b, "\r");
        sb_add(&b, p, 1);
    }
    return sb_done(&b);
}

/* base64 in lines of 76 characters. */
static void sb_base64(sbuf *out, const char *data)
{
    size_t n = strlen(data);
    size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(len);
    if (b64 == NULL) {
        out->oom = 1;
        return;
    }
    sodium_bin2base64(b64, len, (const unsigned char *)data, n, sodium_base64_VARIANT_ORIGINAL);
    size_t bl = strlen(b64);
    for (size_t i = 0; i < bl; i += 76) {
        sb_add(out, b64 + i, bl - i < 76 ? bl - i : 76);
        sb_str(out, "\r\n");
    }
    free(b64);
}

/* "Thu, 01 Jan 2026 00:00:00 +0000" */
static void mail_date(int64_t ms, char *out, size_t len)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, len, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *smtp_build_message(const char *from_header, const char *domain, const smtp_msg *m,
                         int64_t now_ms)
{
    unsigned char rnd[12];
    randombytes_buf(rnd, sizeof rnd);
    char hex[sizeof rnd * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
    char boundary[64], date[64];
    snprintf(boundary, sizeof boundary, "=_p2s_%s", hex);
    mail_date(now_ms, date, sizeof date);
    char *subject = smtp_encode_header(m->subject != NULL ? m->subject : "", 9);
    char *text = crlf(m->text != NULL ? m->text : "");
    char *html = crlf(m->html != NULL ? m->html : "");
    sbuf b = {0};
    if (subject == NULL || text == NULL || html == NULL)
        b.oom = 1;
    char line[1200];
    snprintf(line, sizeof line, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: ", date, from_header,
             m->to);
    sb_str(&b, line);
    sb_str(&b, subject != NULL ? subject : "");
    snprintf(line, sizeof line,
             "\r\nMessage-ID: <%lld.%.60s.%s@%.200s>\r\nMIME-Version: 1.0\r\n"
             "Auto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n"
             "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
             "This is a multi-part message in MIME format.\r\n\r\n--%s\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n",
             (long long)now_ms, m->ref != NULL ? m->ref : "mail", hex, domain, boundary, boundary);
    sb_str(&b, line);
    if (text != NULL)
        sb_base64(&b, text);
    snprintf(line, sizeof line,
             "--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n",
             boundary);
    sb_str(&b, line);
    if (html != NULL)
        sb_base64(&b, html);
    snprintf(line, sizeof line, "--%s--\r\n", boundary);
    sb_str(&b, line);
    free(subject);
    free(text);
    free(html);
    return sb_done(&b);
}

/* ---- the client ---- */

struct smtp_client {
    const config *cfg;
    const atomic_int *abort_flag;
    CURL *h;
    char url[1100];     /* the server URL, with the EHLO domain as its path */
    char from_hdr[600]; /* From: value */
    char from_addr[330];
    char domain[256]; /* of the From address: EHLO and Message-ID */
    /* during one send */
    const char *data;
    size_t len, off;
    char reply[200]; /* the server's last 4xx/5xx reply line */
};

smtp_client *smtp_client_new(const config *cfg, const atomic_int *abort_flag)
{
    smtp_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->cfg = cfg;
    c->abort_flag = abort_flag;
    smtp_from(cfg, c->from_hdr, sizeof c->from_hdr, c->from_addr, sizeof c->from_addr);
    const char *at = strrchr(c->from_addr, '@');
    snprintf(c->domain, sizeof c->domain, "%s", at != NULL && at[1] ? at + 1 : "localhost");
    /* libcurl says EHLO with the URL's path; "localhost" when there is none */
    snprintf(c->url, sizeof c->url, "%s", cfg->smtp_url);
    CURLU *u = curl_url();
    char *path = NULL, *full = NULL;
    if (u != NULL && curl_url_set(u, CURLUPART_URL, cfg->smtp_url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
        (path[0] == '\0' || strcmp(path, "/") == 0)) {
        char p[300];
        snprintf(p, sizeof p, "/%s", c->domain);
        if (curl_url_set(u, CURLUPART_PATH, p, 0) == CURLUE_OK &&
            curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK)
            snprintf(c->url, sizeof c->url, "%s", full);
    }
    curl_free(path);
    curl_free(full);
    curl_url_cleanup(u);
    return c;
}

void smtp_client_free(smtp_client *c)
{
    if (c == NULL)
        return;
    if (c->h != NULL)
        curl_easy_cleanup(c->h); /* says QUIT on a connection left open */
    free(c);
}

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    smtp_client *c = arg;
    size_t room = size * nitems, left = c->len - c->off;
    size_t n = left < room ? left : room;
    memcpy(buf, c->data + c->off, n);
    c->off += n;
    return n;
}

static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    smtp_client *c = arg;
    return c->abort_flag != NULL && atomic_load(c->abort_flag) ? 1 : 0;
}

/* Keep the server's last refusal ("550 5.1.1 no such user"); what we send is never looked at. */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    (void)h;
    smtp_client *c = arg;
    if (type != CURLINFO_HEADER_IN || size < 3 || (data[0] != '4' && data[0] != '5'))
        return 0;
    size_t n = size;
    while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r'))
        n--;
    if (n >= sizeof c->reply)
        n = sizeof c->reply - 1;
    for (size_t i = 0; i < n; i++)
        c->reply[i] =
            (unsigned char)data[i] < 0x20 || (unsigned char)data[i] > 0x7e ? ' ' : data[i];
    c->reply[n] = '\0';
    return 0;
}

void smtp_client_send(smtp_client *c, const smtp_msg *m, smtp_outcome *out)
{
    memset(out, 0, sizeof *out);
    if (!smtp_addr_ok(m->to)) {
        out->permanent = 1;
        snprintf(out->error, sizeof out->error, "the address is not one email address");
        return;
    }
    if (!smtp_addr_ok(c->from_addr)) {
        out->unreachable = 1;
        snprintf(out->error, sizeof out->error,
                 "P2S_SMTP_FROM does not hold a valid address; email cannot be sent");
        return;
    }
    char *msg = smtp_build_message(c->from_hdr, c->domain, m, clock_now_ms());
    if (msg == NULL) {
        snprintf(out->error, sizeof out->error, "out of memory");
        return;
    }
    if (c->h == NULL)
        c->h = curl_easy_init();
    CURL *h = c->h;
    if (h == NULL) {
        free(msg);
        snprintf(out->error, sizeof out->error, "out of memory");
        return;
    }
    const config *cfg = c->cfg;
    char from[340], to[340], errbuf[CURL_ERROR_SIZE] = "";
    snprintf(from, sizeof from, "<%s>", c->from_addr);
    snprintf(to, sizeof to, "<%s>", m->to);
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    c->data = msg;
    c->len = strlen(msg);
    c->off = 0;
    c->reply[0] = '\0';
    int implicit_tls = strncmp(cfg->smtp_url, "smtps://", 8) == 0;
    long use_ssl = implicit_tls || strcmp(cfg->smtp_starttls, "required") == 0 ? CURLUSESSL_ALL
                   : strcmp(cfg->smtp_starttls, "try") == 0                    ? CURLUSESSL_TRY
                                                                               : CURLUSESSL_NONE;
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_USE_SSL, use_ssl);
    if (cfg->smtp_user[0] != '\0') {
        curl_easy_setopt(h, CURLOPT_USERNAME, cfg->smtp_user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->smtp_password);
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, c);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)c->len);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)SEND_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, c);
    CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(rcpt);
    free(msg);
    c->data = NULL;
    out->code = code;
    if (rc == CURLE_OK) {
        out->sent = 1;
        return;
    }
    /* a failed session is not reused */
    curl_easy_cleanup(h);
    c->h = NULL;
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_USE_SSL_FAILED:
    case CURLE_LOGIN_DENIED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_ABORTED_BY_CALLBACK:
        out->unreachable = 1;
        break;
    default:
        out->unreachable = code == 421 || code == 0;
        out->permanent = !out->unreachable && (code == 501 || (code >= 550 && code <= 555));
        break;
    }
    const char *what = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    if (rc == CURLE_USE_SSL_FAILED)
        what = "the server does not offer STARTTLS (P2S_SMTP_STARTTLS=required)";
    else if (rc == CURLE_LOGIN_DENIED)
        what = "the server refused the user name or password (P2S_SMTP_USER, P2S_SMTP_PASSWORD)";
    else if (rc == CURLE_ABORTED_BY_CALLBACK)
        what = "interrupted by shutdown";
    snprintf(out->error, sizeof out->error, "%.250s%s%.140s", what, c->reply[0] ? ": " : "",
             c->reply);
}
