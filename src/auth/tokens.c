/* tokens.c - random tokens, their stored hashes, CSRF tokens. */
#include "auth/tokens.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define RAW    32
#define B64LEN 43 /* sodium_base64_ENCODED_LEN(32, URLSAFE_NO_PADDING) - 1 */

void token_new(const char *prefix, char *out)
{
    unsigned char raw[RAW];
    char b64[B64LEN + 1];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    snprintf(out, TOKEN_MAX, "%s%s", prefix, b64);
    sodium_memzero(raw, sizeof raw);
}

void token_hash(const char *token, char *out)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, TOKEN_HASH_HEX, h, sizeof h);
}

int token_well_formed(const char *s, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(s, prefix, pl) != 0 || strlen(s) != pl + B64LEN)
        return 0;
    for (const char *p = s + pl; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

void token_csrf(const unsigned char *master_key, const char *session_hash, char *out)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, master_key, 32);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"p2s-csrf:", 9);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)session_hash, strlen(session_hash));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(out, TOKEN_MAX, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int token_equal(const char *a, const char *b)
{
    size_t al = strlen(a), bl = strlen(b);
    if (al != bl)
        return 0;
    return sodium_memcmp(a, b, al) == 0;
}
