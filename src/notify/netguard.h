/*
 * netguard.h - may this server send a request to that URL?
 *
 * Webhook URLs are typed by workspace admins; without a guard they could make
 * the server call its own loopback services, the cloud metadata address, or
 * hosts on the private network behind it (server-side request forgery).  A
 * URL is refused when its host is, or resolves to, an address that is
 * loopback, private (RFC 1918, unique-local fc00::/7, carrier-grade NAT
 * 100.64/10), link-local (169.254/16, fe80::/10), multicast, unspecified,
 * broadcast, or reserved for documentation or benchmarks; IPv4-mapped,
 * IPv4-compatible, NAT64 and 6to4 IPv6 addresses are judged by the IPv4
 * address inside.  P2S_WEBHOOK_ALLOW_PRIVATE=1 lifts the address rule (the
 * URL must still be http(s) with a host and no user name or password).
 *
 * A name checked once may resolve elsewhere later (DNS rebinding), so the
 * check is made again at every delivery: netguard_pin resolves the host,
 * checks every address, and gives a CURLOPT_RESOLVE entry that makes libcurl
 * connect to exactly those addresses; netguard_curl additionally refuses any
 * socket libcurl would open to an address that is not allowed.
 */
#ifndef P2S_NOTIFY_NETGUARD_H
#define P2S_NOTIFY_NETGUARD_H

#include <curl/curl.h>
#include <stddef.h>
#include <sys/socket.h>

/*
 * 1 if url may be called: http:// or https://, a host, no userinfo, and
 * (unless allow_private) every address the host resolves to is public.
 * 0 otherwise, with the reason in plain words in why (never the whole URL).
 * Resolves the host name (blocking, getaddrinfo).
 */
int netguard_url_allowed(const char *url, int allow_private, char *why, size_t whylen);

/* 1 if the address is public (see above), 0 if not. */
int netguard_addr_public(const struct sockaddr *sa, socklen_t len);

/* 1 if text is an IP address literal (IPv4 dotted quad or IPv6, brackets allowed) that is public.
 */
int netguard_ip_text_public(const char *text);

/*
 * Resolve url's host and check every address as netguard_url_allowed does;
 * then fill resolve (at least 512 bytes) with a CURLOPT_RESOLVE entry
 * "host:port:addr[,addr...]" pinning those addresses ("" when the host is an
 * address literal or allow_private is set: nothing to pin).  1 or 0 with why.
 */
int netguard_pin(const char *url, int allow_private, char *resolve, size_t resolvelen, char *why,
                 size_t whylen);

/*
 * Make an easy handle refuse connections to addresses that are not public
 * (CURLOPT_OPENSOCKETFUNCTION), follow no redirects, use no proxy, and speak
 * only http and https.  With allow_private only the last three apply.
 */
void netguard_curl(CURL *h, int allow_private);

#endif
