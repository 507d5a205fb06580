/*
 * smtp.h - sending one email over SMTP with libcurl.
 *
 * The message is built here: Date, From, To, Subject (RFC 2047 encoded-words
 * when not ASCII), Message-ID, Auto-Submitted, and a multipart/alternative
 * body with a text/plain and a text/html part (UTF-8, base64).  The server,
 * STARTTLS policy (off | try | required; smtps:// is TLS from the start),
 * credentials and From address come from the configuration (P2S_SMTP_*).
 * The password is never logged nor put in an error text.
 *
 * An smtp_client keeps one libcurl handle, so several emails sent one after
 * the other reuse one connection.  Not thread-safe: one client per thread.
 */
#ifndef P2S_NOTIFY_SMTP_H
#define P2S_NOTIFY_SMTP_H

#include "core/config.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* One email. */
typedef struct smtp_msg {
    const char *to;      /* the address alone */
    const char *subject; /* UTF-8 */
    const char *text;    /* UTF-8 plain text */
    const char *html;    /* UTF-8 HTML document */
    const char *ref;     /* makes the Message-ID unique, e.g. "email-42" */
} smtp_msg;

/* What became of a send. */
typedef struct smtp_outcome {
    int sent;        /* 1: the server took the message */
    int permanent;   /* 1: retrying will not help (the address was refused) */
    int unreachable; /* 1: no usable session (connect, TLS, login, the server shutting down) */
    long code;       /* the server's last reply code, 0 = none */
    char error[400]; /* what went wrong, in a few words (no secrets) */
} smtp_outcome;

/* 1 when email is set up (P2S_SMTP_URL). */
int smtp_configured(const config *cfg);

/*
 * The From header value and the bare address for the envelope: P2S_SMTP_FROM
 * ("Name <addr>" or "addr"), else "Post2Share <post2share@HOST>" with HOST
 * from P2S_PUBLIC_URL ("localhost" when that is an IP address).
 */
void smtp_from(const config *cfg, char *header, size_t hlen, char *addr, size_t alen);

/* 1 if addr looks like one mailbox address (one @, no spaces, brackets or controls). */
int smtp_addr_ok(const char *addr);

/*
 * A header value: as is when printable ASCII (folded at spaces past 76
 * columns), else RFC 2047 "=?UTF-8?B?...?=" words of at most 75 characters
 * on folded lines.  Control characters become spaces.  name_len: the length
 * of "Name: " before it on the first line.  malloc'd.
 */
char *smtp_encode_header(const char *value, size_t name_len);

/*
 * The whole message (headers and body, CRLF line ends) for m, dated now_ms,
 * From from_header; Message-ID under domain.  malloc'd, NULL without memory.
 */
char *smtp_build_message(const char *from_header, const char *domain, const smtp_msg *m,
                         int64_t now_ms);

typedef struct smtp_client smtp_client;

/* A client for cfg (NULL without memory).  abort_flag (may be NULL) cuts a send short when set. */
smtp_client *smtp_client_new(const config *cfg, const atomic_int *abort_flag);

/* Send one email; *out says how it went. */
void smtp_client_send(smtp_client *c, const smtp_msg *m, smtp_outcome *out);

/* Close the connection (QUIT) and free (NULL is fine). */
void smtp_client_free(smtp_client *c);

#endif
