/* links.c - signed public links to media items (see links.h). */
#include "media/links.h"
#include "crypto/keyring.h"

#include <sodium.h>
#include <stdio.h>

void media_link_mac(const unsigned char *key, int64_t ws, int64_t id, int64_t exp_s, char *out,
                    size_t outlen)
{
    char msg[96];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    int n = snprintf(msg, sizeof msg, "p2s-media-url:%lld:%lld:%lld", (long long)ws, (long long)id,
                     (long long)exp_s);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, KEY_BYTES);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, (size_t)n);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2base64(out, outlen, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void media_public_link(struct keyring *keys, const char *public_url, int64_t ws, int64_t id,
                       int64_t exp_s, char *url, size_t urllen)
{
    unsigned char key[KEY_BYTES];
    char mac[64];
    keyring_current(keys, key);
    media_link_mac(key, ws, id, exp_s, mac, sizeof mac);
    sodium_memzero(key, sizeof key);
    snprintf(url, urllen, "%s/media/public/%lld.%lld.%lld.%s", public_url, (long long)ws,
             (long long)id, (long long)exp_s, mac);
}
