/* webhook_send.c - one signed webhook POST (see webhook_send.h). */
#define _POSIX_C_SOURCE 200809L
#include "notify/webhook_send.h"
#include "notify/netguard.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void webhook_sign(const char *secret, int64_t ts, const char *body, char sig_hex[65])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char prefix[32];
    int pl = snprintf(prefix, sizeof prefix, "%lld.", (long long)ts);
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)prefix, (unsigned long long)pl);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(sig_hex, 65, mac, sizeof mac);
    sodium_memzero(&st, sizeof st);
}

/* The first bytes of the answer, for the delivery log. */
typedef struct answer {
    char text[161];
    size_t len;
    const atomic_int *abort_flag;
} answer;

static size_t write_cb(char *data, size_t size, size_t nmemb, void *arg)
{
    answer *a = arg;
    size_t n = size * nmemb;
    for (size_t i = 0; i < n && a->len < sizeof a->text - 1; i++) {
        unsigned char c = (unsigned char)data[i];
        a->text[a->len++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    a->text[a->len] = '\0';
    return n; /* the rest is read and dropped */
}

static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    const answer *a = arg;
    return a->abort_flag != NULL && atomic_load(a->abort_flag) ? 1 : 0;
}

void webhook_post(const char *url, const char *secret, const char *event, int64_t delivery_id,
                  const char *body, int allow_private, const atomic_int *abort_flag,
                  webhook_outcome *out)
{
    memset(out, 0, sizeof *out);
    char resolve[1024], why[300];
    if (!netguard_pin(url, allow_private, resolve, sizeof resolve, why, sizeof why)) {
        /* an address that is not allowed stays so; a name that does not resolve may come back */
        out->permanent = strstr(why, "does not resolve") == NULL;
        snprintf(out->error, sizeof out->error, "the URL was not called: %s", why);
        return;
    }
    CURL *h = curl_easy_init();
    if (h == NULL) {
        snprintf(out->error, sizeof out->error, "out of memory");
        return;
    }
    int64_t ts = (int64_t)time(NULL);
    char sig[65], line[160];
    webhook_sign(secret, ts, body, sig);
    struct curl_slist *hdr = NULL, *pin = NULL;
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    hdr = curl_slist_append(hdr, "Expect:");
    snprintf(line, sizeof line, "X-Post2Share-Event: %.100s", event);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Post2Share-Delivery: %lld", (long long)delivery_id);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Post2Share-Timestamp: %lld", (long long)ts);
    hdr = curl_slist_append(hdr, line);
    snprintf(line, sizeof line, "X-Post2Share-Signature: v1=%s", sig);
    hdr = curl_slist_append(hdr, line);
    if (resolve[0] != '\0')
        pin = curl_slist_append(NULL, resolve);
    answer ans = {.abort_flag = abort_flag};
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, url);
    netguard_curl(h, allow_private);
    if (pin != NULL)
        curl_easy_setopt(h, CURLOPT_RESOLVE, pin);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_USERAGENT, WEBHOOK_USER_AGENT);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)WEBHOOK_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)WEBHOOK_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ans);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &ans);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdr);
    curl_slist_free_all(pin);
    sodium_memzero(sig, sizeof sig);
    out->status = (int)status;
    if (rc == CURLE_OK && status >= 200 && status < 300) {
        out->delivered = 1;
        return;
    }
    if (rc != CURLE_OK) {
        const char *what = rc == CURLE_ABORTED_BY_CALLBACK ? "interrupted by shutdown"
                           : rc == CURLE_COULDNT_CONNECT && !allow_private
                               ? "could not connect (or the address is not allowed)"
                           : errbuf[0] ? errbuf
                                       : curl_easy_strerror(rc);
        snprintf(out->error, sizeof out->error, "no answer: %s", what);
        return;
    }
    size_t n = ans.len;
    while (n > 0 && ans.text[n - 1] == ' ')
        ans.text[--n] = '\0';
    snprintf(out->error, sizeof out->error, "the receiver answered %ld%s%s", status,
             ans.text[0] ? ": " : "", ans.text);
}
