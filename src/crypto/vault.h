/*
 * vault.h - encryption of stored secrets (platform tokens) with
 * XChaCha20-Poly1305 under the keyring's current key.
 *
 * A sealed value is base64 text of nonce || ciphertext; the key version is
 * returned beside it, for the caller to store in its own column.  The
 * context (e.g. "social_accounts:42:access_token") is bound as associated
 * data, so a ciphertext copied into another row or field does not open.
 */
#ifndef P2S_CRYPTO_VAULT_H
#define P2S_CRYPTO_VAULT_H

#include "crypto/keyring.h"

/* Seal plaintext: *out is malloc'd base64 text; *version the key version used. */
app_err vault_seal(keyring *k, const char *context, const char *plaintext, char **out,
                   int *version);

/*
 * Open a sealed value: *plaintext is malloc'd (wipe with vault_wipe).
 * APP_EINVAL if it was tampered with, moved, or the key version is unknown.
 */
app_err vault_open(keyring *k, const char *context, const char *sealed, int version,
                   char **plaintext);

/* Zero and free a string from vault_open (NULL is fine). */
void vault_wipe(char *plaintext);

#endif
