/*
 * secret.h - the master key.
 *
 * 32 bytes, from P2S_SECRET_KEY (64 hex characters) or from a key file
 * (created with a random key, mode 0600, on first run).  The key is kept in
 * guarded memory (libsodium), read-only after loading, and never printed.
 */
#ifndef P2S_CORE_SECRET_H
#define P2S_CORE_SECRET_H

#include "core/config.h"
#include "core/err.h"

#define SECRET_KEY_BYTES 32

/*
 * Load the master key.  *created is set to 1 if a new key file was written.
 * *key receives guarded memory the caller frees with secret_free.
 */
app_err secret_load(const config *cfg, unsigned char **key, int *created, char *err, size_t errlen);

/* Wipe and free a key from secret_load (NULL is fine). */
void secret_free(unsigned char *key);

#endif
