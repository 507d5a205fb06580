/* vault.c - XChaCha20-Poly1305 sealing of stored secrets. */
#include "crypto/vault.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG   crypto_aead_xchacha20poly1305_ietf_ABYTES

app_err vault_seal(keyring *k, const char *context, const char *plaintext, char **out, int *version)
{
    *out = NULL;
    size_t pl = strlen(plaintext);
    size_t blen = NONCE + pl + TAG;
    unsigned char *bin = malloc(blen);
    if (bin == NULL)
        return APP_ENOMEM;
    unsigned char key[KEY_BYTES];
    *version = keyring_current(k, key);
    randombytes_buf(bin, NONCE);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(bin + NONCE, &clen, (const unsigned char *)plaintext,
                                               pl, (const unsigned char *)context, strlen(context),
                                               NULL, bin, key);
    sodium_memzero(key, sizeof key);
    size_t b64len = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    if (b64 == NULL) {
        free(bin);
        return APP_ENOMEM;
    }
    sodium_bin2base64(b64, b64len, bin, NONCE + (size_t)clen, sodium_base64_VARIANT_ORIGINAL);
    free(bin);
    *out = b64;
    return APP_OK;
}

app_err vault_open(keyring *k, const char *context, const char *sealed, int version,
                   char **plaintext)
{
    *plaintext = NULL;
    size_t sl = strlen(sealed);
    unsigned char *bin = malloc(sl + 1);
    if (bin == NULL)
        return APP_ENOMEM;
    size_t blen = 0;
    if (sodium_base642bin(bin, sl, sealed, sl, NULL, &blen, NULL, sodium_base64_VARIANT_ORIGINAL) !=
            0 ||
        blen < NONCE + TAG) {
        free(bin);
        return APP_EINVAL;
    }
    unsigned char key[KEY_BYTES];
    if (keyring_get(k, version, key) != 0) {
        free(bin);
        return APP_EINVAL;
    }
    char *pt = malloc(blen - NONCE - TAG + 1);
    unsigned long long plen = 0;
    int rc = pt == NULL ? -1
                        : crypto_aead_xchacha20poly1305_ietf_decrypt(
                              (unsigned char *)pt, &plen, NULL, bin + NONCE, blen - NONCE,
                              (const unsigned char *)context, strlen(context), bin, key);
    sodium_memzero(key, sizeof key);
    free(bin);
    if (rc != 0) {
        free(pt);
        return pt == NULL ? APP_ENOMEM : APP_EINVAL;
    }
    pt[plen] = '\0';
    *plaintext = pt;
    return APP_OK;
}

void vault_wipe(char *plaintext)
{
    if (plaintext == NULL)
        return;
    sodium_memzero(plaintext, strlen(plaintext));
    free(plaintext);
}
