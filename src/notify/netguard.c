/* netguard.c - refusing webhook URLs that point inside (see netguard.h). */
#define _POSIX_C_SOURCE 200809L
#include "notify/netguard.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Most addresses pinned for one host. */
#define PIN_MAX 16

/* 1 if the IPv4 address (host byte order) is public. */
static int v4_public(uint32_t a)
{
    static const struct {
        uint32_t net;
        int bits;
    } deny[] = {
        {0x00000000u, 8},  /* 0.0.0.0/8 "this network", unspecified */
        {0x0A000000u, 8},  /* 10/8 private */
        {0x64400000u, 10}, /* 100.64/10 carrier-grade NAT */
        {0x7F000000u, 8},  /* 127/8 loopback */
        {0xA9FE0000u, 16}, /* 169.254/16 link-local (cloud metadata) */
        {0xAC100000u, 12}, /* 172.16/12 private */
        {0xC0000000u, 24}, /* 192.0.0.0/24 protocol assignments */
        {0xC0000200u, 24}, /* 192.0.2.0/24 documentation */
        {0xC0586300u, 24}, /* 192.88.99.0/24 6to4 relay */
        {0xC0A80000u, 16}, /* 192.168/16 private */
        {0xC6120000u, 15}, /* 198.18/15 benchmarking */
        {0xC6336400u, 24}, /* 198.51.100/24 documentation */
        {0xCB007100u, 24}, /* 203.0.113/24 documentation */
        {0xE0000000u, 4},  /* 224/4 multicast */
        {0xF0000000u, 4},  /* 240/4 reserved, 255.255.255.255 broadcast */
    };
    for (size_t i = 0; i < sizeof deny / sizeof deny[0]; i++) {
        uint32_t mask = deny[i].bits == 0 ? 0 : 0xFFFFFFFFu << (32 - deny[i].bits);
        if ((a & mask) == deny[i].net)
            return 0;
    }
    return 1;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* 1 if the IPv6 address is public. */
static int v6_public(const unsigned char *b)
{
    static const unsigned char zero[12] = {0};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char siit[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
    static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    /* ::/96 (unspecified, loopback, IPv4-compatible), ::ffff:0:0/96 (IPv4-mapped),
       ::ffff:0:0:0/96 (SIIT), 64:ff9b::/96 (NAT64): judged by the IPv4 address inside */
    if (memcmp(b, zero, 12) == 0 || memcmp(b, mapped, 12) == 0 || memcmp(b, siit, 12) == 0 ||
        memcmp(b, nat64, 12) == 0)
        return v4_public(be32(b + 12));
    if (b[0] == 0x20 && b[1] == 0x02) /* 2002::/16 6to4: the IPv4 address follows */
        return v4_public(be32(b + 2));
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0 && b[5] == 1)
        return 0; /* 64:ff9b:1::/48 local-use NAT64 */
    if (b[0] == 0x01 && b[1] == 0x00 && memcmp(b + 2, zero, 6) == 0)
        return 0; /* 100::/64 discard */
    if (b[0] == 0x20 && b[1] == 0x01) {
        if (b[2] == 0x0d && b[3] == 0xb8)
            return 0; /* 2001:db8::/32 documentation */
        if (b[2] == 0 && b[3] == 0)
            return 0; /* 2001::/32 Teredo (tunnels to anywhere) */
        if (b[2] == 0 && b[3] == 0x02 && b[4] == 0 && b[5] == 0)
            return 0; /* 2001:2::/48 benchmarking */
        if (b[2] == 0 && b[3] >= 0x10 && b[3] <= 0x2f)
            return 0; /* 2001:10::/28, 2001:20::/28 ORCHID */
    }
    if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0)
        return 0; /* 3fff::/20 documentation */
    if ((b[0] & 0xfe) == 0xfc)
        return 0; /* fc00::/7 unique local */
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        return 0; /* fe80::/10 link-local */
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
        return 0; /* fec0::/10 site-local (deprecated) */
    if (b[0] == 0xff)
        return 0; /* ff00::/8 multicast */
    return 1;
}

int netguard_addr_public(const struct sockaddr *sa, socklen_t len)
{
    if (sa == NULL)
        return 0;
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        struct sockaddr_in in;
        memcpy(&in, sa, sizeof in);
        return v4_public(ntohl(in.sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 in6;
        memcpy(&in6, sa, sizeof in6);
        return v6_public(in6.sin6_addr.s6_addr);
    }
    return 0; /* unix sockets and anything else */
}

/* Strip [brackets] and a %zone from an address literal into out; 4 or 6 if it is one, else 0. */
static int literal(const char *text, unsigned char *bin)
{
    char buf[INET6_ADDRSTRLEN + 16];
    size_t n = strlen(text);
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, text, n + 1);
    char *s = buf;
    if (s[0] == '[') {
        if (n < 2 || s[n - 1] != ']')
            return 0;
        s[n - 1] = '\0';
        s++;
    }
    char *pct = strchr(s, '%');
    if (pct != NULL)
        *pct = '\0';
    if (inet_pton(AF_INET, s, bin) == 1)
        return 4;
    if (inet_pton(AF_INET6, s, bin) == 1)
        return 6;
    return 0;
}

int netguard_ip_text_public(const char *text)
{
    unsigned char bin[16];
    int kind = literal(text, bin);
    return kind == 4 ? v4_public(be32(bin)) : kind == 6 ? v6_public(bin) : 0;
}

/* Parts of a URL that matter here. */
typedef struct url_parts {
    char host[256]; /* as libcurl will use it: IPv6 literals in brackets */
    long port;
} url_parts;

/* Parse and check the form of url; 1 or 0 with why. */
static int parse_url(const char *url, url_parts *out, char *why, size_t whylen)
{
    CURLU *u = curl_url();
    if (u == NULL) {
        snprintf(why, whylen, "out of memory");
        return 0;
    }
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL;
    int ok = 0;
    if (url == NULL || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
        snprintf(why, whylen, "must be a valid http:// or https:// URL");
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0))
        snprintf(why, whylen, "must start with http:// or https://");
    else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0')
        snprintf(why, whylen, "must name a host");
    else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
             curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK)
        snprintf(why, whylen, "must not hold a user name or password (put a token in the path)");
    else if (strlen(host) >= sizeof out->host)
        snprintf(why, whylen, "the host name is too long");
    else if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
        snprintf(why, whylen, "must have a valid port");
    else {
        snprintf(out->host, sizeof out->host, "%s", host);
        out->port = strtol(port, NULL, 10);
        ok = out->port > 0 && out->port < 65536;
        if (!ok)
            snprintf(why, whylen, "must have a port from 1 to 65535");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(pass);
    curl_url_cleanup(u);
    return ok;
}

/* Why an address is refused, for people. */
static void refused(const char *what, char *why, size_t whylen)
{
    snprintf(why, whylen,
             "%s a loopback, private, link-local or other internal address; webhooks must reach "
             "a public address (an operator can allow internal ones with "
             "P2S_WEBHOOK_ALLOW_PRIVATE=1)",
             what);
}

/*
 * Resolve parts->host and check every address.  pins (PIN_MAX entries of
 * INET6_ADDRSTRLEN + 2) receive the addresses as text (IPv6 in brackets);
 * *npins their count.  1 or 0 with why.
 */
static int resolve_check(const url_parts *p, char pins[][INET6_ADDRSTRLEN + 2], int *npins,
                         char *why, size_t whylen)
{
    *npins = 0;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(p->host, NULL, &hints, &res);
    if (rc != 0 || res == NULL) {
        snprintf(why, whylen, "the host name does not resolve (%s)",
                 rc != 0 ? gai_strerror(rc) : "no address");
        if (res != NULL)
            freeaddrinfo(res);
        return 0;
    }
    int ok = 1;
    for (struct addrinfo *ai = res; ai != NULL && ok; ai = ai->ai_next) {
        if (!netguard_addr_public(ai->ai_addr, ai->ai_addrlen)) {
            refused("the host resolves to", why, whylen);
            ok = 0;
            break;
        }
        char text[INET6_ADDRSTRLEN];
        const void *src =
            ai->ai_family == AF_INET
                ? (const void *)&((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr
                : (const void *)&((const struct sockaddr_in6 *)(const void *)ai->ai_addr)
                      ->sin6_addr;
        if (inet_ntop(ai->ai_family, src, text, sizeof text) == NULL)
            continue;
        char entry[INET6_ADDRSTRLEN + 2];
        snprintf(entry, sizeof entry, ai->ai_family == AF_INET6 ? "[%s]" : "%s", text);
        int seen = 0;
        for (int i = 0; i < *npins; i++)
            seen |= strcmp(pins[i], entry) == 0;
        if (!seen && *npins < PIN_MAX)
            memcpy(pins[(*npins)++], entry, strlen(entry) + 1);
    }
    freeaddrinfo(res);
    if (ok && *npins == 0) {
        snprintf(why, whylen, "the host name does not resolve to an address");
        ok = 0;
    }
    return ok;
}

int netguard_pin(const char *url, int allow_private, char *resolve, size_t resolvelen, char *why,
                 size_t whylen)
{
    if (resolve != NULL && resolvelen > 0)
        resolve[0] = '\0';
    url_parts p;
    if (!parse_url(url, &p, why, whylen))
        return 0;
    if (allow_private)
        return 1;
    unsigned char bin[16];
    if (literal(p.host, bin) != 0) {
        if (!netguard_ip_text_public(p.host)) {
            refused("the URL points at", why, whylen);
            return 0;
        }
        return 1;
    }
    char pins[PIN_MAX][INET6_ADDRSTRLEN + 2];
    int n = 0;
    if (!resolve_check(&p, pins, &n, why, whylen))
        return 0;
    if (resolve != NULL && resolvelen > 0) {
        int w = snprintf(resolve, resolvelen, "%s:%ld:", p.host, p.port);
        for (int i = 0; i < n && w > 0 && (size_t)w < resolvelen; i++)
            w += snprintf(resolve + w, resolvelen - (size_t)w, "%s%s", i ? "," : "", pins[i]);
        if (w < 0 || (size_t)w >= resolvelen) {
            snprintf(why, whylen, "the host has too many addresses");
            resolve[0] = '\0';
            return 0;
        }
    }
    return 1;
}

int netguard_url_allowed(const char *url, int allow_private, char *why, size_t whylen)
{
    return netguard_pin(url, allow_private, NULL, 0, why, whylen);
}

/* libcurl is about to open a socket: only to public addresses. */
static curl_socket_t open_public(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    (void)clientp;
    if (purpose != CURLSOCKTYPE_IPCXN ||
        !netguard_addr_public(&addr->addr, (socklen_t)addr->addrlen))
        return CURL_SOCKET_BAD;
    return socket(addr->family, addr->socktype, addr->protocol);
}

void netguard_curl(CURL *h, int allow_private)
{
    if (!allow_private)
        curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_public);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
}
