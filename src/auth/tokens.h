/*
 * tokens.h - random bearer secrets (session cookies, API keys, invitation
 * links) and the hashes under which they are stored.
 *
 * A token is 32 random bytes in URL-safe base64 (43 characters) after an
 * optional prefix.  Only token_hash(token) is ever stored: SHA-256, hex.
 */
#ifndef P2S_AUTH_TOKENS_H
#define P2S_AUTH_TOKENS_H

#include <stddef.h>

#define TOKEN_MAX      64 /* room for a prefix and 43 characters */
#define TOKEN_HASH_HEX 65 /* 64 hex characters and NUL */

/* Make a new token "<prefix><43 chars>" into out (TOKEN_MAX bytes). */
void token_new(const char *prefix, char *out);

/* SHA-256 of token, as 64 lower-case hex characters, into out (TOKEN_HASH_HEX bytes). */
void token_hash(const char *token, char *out);

/* 1 if s looks like a token made with this prefix (length and alphabet). */
int token_well_formed(const char *s, const char *prefix);

/*
 * The CSRF token of a session: HMAC-SHA256 under the master key of the
 * session's token hash, URL-safe base64, into out (TOKEN_MAX bytes).
 * Nothing to store: it is recomputed for each request.
 */
void token_csrf(const unsigned char *master_key, const char *session_hash, char *out);

/* Constant-time comparison of two NUL-terminated strings. */
int token_equal(const char *a, const char *b);

#endif
