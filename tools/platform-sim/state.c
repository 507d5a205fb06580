/* state.c - the simulator's state document: ids, tokens, codes, posts, media. */
#define _GNU_SOURCE
#include "sim_int.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sim_lock(sim *s)
{
    pthread_mutex_lock(&s->mu);
}

void sim_unlock(sim *s)
{
    pthread_mutex_unlock(&s->mu);
}

json_t *sim_state(sim *s)
{
    return s->state;
}

int64_t sim_now(sim *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&s->clock_offset_ms);
}

void sim_random(const char *prefix, char *out, size_t outlen)
{
    unsigned char raw[24];
    char b64[40];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, outlen, "%s%s", prefix, b64);
}

void sim_next_id(sim *s, char *out, size_t outlen)
{
    json_t *seq = json_object_get(s->state, "seq");
    json_int_t n = json_integer_value(seq) + 1;
    json_object_set_new(s->state, "seq", json_integer(n));
    /* Large ids like the platforms hand out (X snowflakes, Graph ids). */
    snprintf(out, outlen, "%lld", (long long)(1790000000000000000LL + n));
}

/* The state a fresh simulator (or a reset) starts with. */
json_t *sim_state_new(void)
{
    return json_pack("{s:{}, s:{}, s:[], s:{}, s:{}, s:I, s:[], s:[], s:{}, s:{}, s:{}}", "tokens",
                     "codes", "posts", "media", "uploads", "seq", (json_int_t)0, "requests",
                     "faults", "latency", "ratelimits", "processing");
}

json_t *sim_token_issue(sim *s, const char *platform, const char *kind, const char *subject,
                        int64_t ttl_ms, json_t *fields)
{
    char tok[80];
    char prefix[24];
    snprintf(prefix, sizeof prefix, "%.6s_%.1s_", platform, kind);
    sim_random(prefix, tok, sizeof tok);
    int64_t now = sim_now(s);
    json_t *rec =
        json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:b}", "token", tok, "platform", platform, "kind",
                  kind, "subject", subject, "issued_at", (json_int_t)now, "expires_at",
                  (json_int_t)(ttl_ms > 0 ? now + ttl_ms : 0), "revoked", 0);
    if (fields != NULL)
        json_object_update(rec, fields);
    json_object_set_new(json_object_get(s->state, "tokens"), tok, rec);
    return rec;
}

sim_tok sim_token_check(sim *s, const char *platform, const char *token, json_t **rec)
{
    *rec = NULL;
    if (token == NULL)
        return TOK_INVALID;
    json_t *t = json_object_get(json_object_get(s->state, "tokens"), token);
    if (t == NULL || strcmp(json_string_value(json_object_get(t, "platform")), platform) != 0)
        return TOK_INVALID;
    *rec = t;
    if (json_is_true(json_object_get(t, "revoked")))
        return TOK_REVOKED;
    json_int_t exp = json_integer_value(json_object_get(t, "expires_at"));
    if (exp > 0 && exp <= sim_now(s))
        return TOK_EXPIRED;
    return TOK_OK;
}

void sim_token_revoke(sim *s, const char *token)
{
    json_t *t = json_object_get(json_object_get(s->state, "tokens"), token);
    if (t != NULL)
        json_object_set_new(t, "revoked", json_true());
}

void sim_family_revoke(sim *s, const char *family)
{
    const char *k;
    json_t *t;
    json_object_foreach(json_object_get(s->state, "tokens"), k, t)
    {
        const char *f = json_string_value(json_object_get(t, "family"));
        if (f != NULL && strcmp(f, family) == 0)
            json_object_set_new(t, "revoked", json_true());
    }
}

void sim_post_add(sim *s, json_t *post)
{
    if (json_object_get(post, "at") == NULL)
        json_object_set_new(post, "at", json_integer(sim_now(s)));
    json_array_append_new(json_object_get(s->state, "posts"), post);
}

json_t *sim_post_find(sim *s, const char *platform, const char *id)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(s->state, "posts"), i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "platform")), platform) == 0 &&
            strcmp(json_string_value(json_object_get(p, "id")), id) == 0)
            return p;
    }
    return NULL;
}

void sim_store_media(sim *s, const void *data, size_t len, const char *type, char *out,
                     size_t outlen)
{
    char id[64], path[1200];
    sim_random("m", id, sizeof id);
    snprintf(path, sizeof path, "%s/%s", s->media_dir, id);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        const char *p = data;
        size_t left = len;
        while (left > 0) {
            ssize_t w = write(fd, p, left);
            if (w <= 0)
                break;
            p += w;
            left -= (size_t)w;
        }
        close(fd);
    }
    sim_lock(s);
    json_object_set_new(json_object_get(s->state, "media"), id,
                        json_pack("{s:s, s:I, s:s}", "path", path, "size", (json_int_t)len, "type",
                                  type != NULL ? type : "application/octet-stream"));
    sim_unlock(s);
    snprintf(out, outlen, "%s", id);
}

int sim_media_info(sim *s, const char *id, size_t *len, char *type, size_t typelen)
{
    sim_lock(s);
    json_t *m = json_object_get(json_object_get(s->state, "media"), id);
    int rc = -1;
    if (m != NULL) {
        *len = (size_t)json_integer_value(json_object_get(m, "size"));
        snprintf(type, typelen, "%s", json_string_value(json_object_get(m, "type")));
        rc = 0;
    }
    sim_unlock(s);
    return rc;
}

/* Collect a fetched body, up to a cap. */
typedef struct fetch_buf {
    char *data;
    size_t len;
    size_t cap;
} fetch_buf;

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    fetch_buf *b = arg;
    size_t add = size * n;
    if (b->len + add > SIM_MAX_FETCH)
        return 0;
    if (b->len + add > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 65536);
        while (nc < b->len + add)
            nc *= 2;
        char *nd = realloc(b->data, nc);
        if (nd == NULL)
            return 0;
        b->data = nd;
        b->cap = nc;
    }
    memcpy(b->data + b->len, p, add);
    b->len += add;
    return add;
}

int sim_fetch_media(sim *s, const char *url, char *out, size_t outlen, char *why, size_t whylen)
{
    if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        snprintf(why, whylen, "the media URL is not an http(s) URL");
        return -1;
    }
    CURL *c = curl_easy_init();
    if (c == NULL) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    fetch_buf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "facebookexternalhit/1.1 (platform-sim)");
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    char *ctype = NULL;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
    int ok = rc == CURLE_OK && status == 200 && b.len > 0;
    if (!ok) {
        if (rc != CURLE_OK)
            snprintf(why, whylen, "could not fetch the media URL: %s", curl_easy_strerror(rc));
        else
            snprintf(why, whylen, "fetching the media URL answered HTTP %ld", status);
    } else {
        char type[96];
        snprintf(type, sizeof type, "%s", ctype != NULL ? ctype : "application/octet-stream");
        sim_store_media(s, b.data, b.len, type, out, outlen);
    }
    curl_easy_cleanup(c);
    free(b.data);
    return ok ? 0 : -1;
}

int sim_processing_polls(sim *s, const char *platform)
{
    json_t *p = json_object_get(json_object_get(s->state, "processing"), platform);
    json_t *n = json_object_get(p, "polls");
    return n != NULL ? (int)json_integer_value(n) : s->default_polls;
}

int sim_processing_fails(sim *s, const char *platform)
{
    json_t *p = json_object_get(json_object_get(s->state, "processing"), platform);
    return json_is_true(json_object_get(p, "fail"));
}
