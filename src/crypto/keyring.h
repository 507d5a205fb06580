/*
 * keyring.h - the master keys: 32-byte keys with version numbers.
 *
 * The newest version encrypts; every version listed decrypts.  Keys come
 * from P2S_SECRET_KEY ("HEX" = version 1, or "3:HEX,2:HEX,...") or from the
 * key file (one "VERSION HEX" line per key, newest first; a file holding just
 * HEX is version 1), which is created 0600 with a random key on first run.
 *
 * `post2share rotate-key` adds a new version to the key file; running
 * processes pick it up without a restart (keyring_reload runs when they meet
 * an unknown version, and every minute).  Keys live in guarded memory and
 * are never printed.  A keyring is safe to use from many threads.
 */
#ifndef P2S_CRYPTO_KEYRING_H
#define P2S_CRYPTO_KEYRING_H

#include "core/config.h"
#include "core/err.h"

#define KEY_BYTES   32
#define KEYRING_MAX 16

typedef struct keyring keyring;

/* Load (or create) the keys.  *created is 1 when a new key file was written. */
app_err keyring_load(const config *cfg, keyring **out, int *created, char *err, size_t errlen);

/* Wipe and free. */
void keyring_free(keyring *k);

/*
 * Copy the current (newest) key into key (KEY_BYTES) and return its
 * version.  The caller wipes its copy (sodium_memzero) after use.
 */
int keyring_current(keyring *k, unsigned char *key);

/*
 * Copy the key of a version into key.  Reloads the key file once if the
 * version is unknown.  0, or -1 if there is no such key.
 */
int keyring_get(keyring *k, int version, unsigned char *key);

/* Re-read the key file (no-op for keys from the environment).  0 or -1. */
int keyring_reload(keyring *k);

/*
 * Add a new random key as the newest version in the key file (atomically
 * replaced) and in k.  *version receives it.  Refused when keys come from
 * the environment (there the operator lists the new key first and restarts;
 * rotate-key then only re-encrypts).
 */
app_err keyring_rotate(keyring *k, int *version, char *err, size_t errlen);

/* 1 if the keys come from P2S_SECRET_KEY (no key file to add to). */
int keyring_from_env(const keyring *k);

/* Versions held, newest first; returns how many (at most max). */
int keyring_versions(keyring *k, int *versions, int max);

/* Remove versions not in keep[] from the key file and k (after a rotation). */
app_err keyring_prune(keyring *k, const int *keep, int nkeep, char *err, size_t errlen);

#endif
