/*
 * passwords.h - Argon2id password hashes (libsodium crypto_pwhash_str) and
 * the password rules.
 *
 * Each hash takes ~64 MiB and ~100 ms, so a hasher admits only a few at a
 * time; callers beyond that wait up to a few seconds and then get APP_EBUSY.
 * The hash string records its parameters; pw_verify says when a stored
 * hash was made with weaker ones than today's, so sign-in can re-hash.
 */
#ifndef P2S_AUTH_PASSWORDS_H
#define P2S_AUTH_PASSWORDS_H

#include "core/err.h"

#include <stddef.h>

/* Longest hash string crypto_pwhash_str writes (crypto_pwhash_STRBYTES). */
#define PW_HASH_MAX 128

typedef struct pw_hasher pw_hasher;

/* A hasher admitting `slots` concurrent hashes.  NULL on failure. */
pw_hasher *pw_hasher_new(int slots);
void pw_hasher_free(pw_hasher *h);

/* Hash password into out (PW_HASH_MAX bytes).  APP_EBUSY if no slot freed up in time. */
app_err pw_hash(pw_hasher *h, const char *password, char *out);

/*
 * Check password against a stored hash.  *ok is 1 on a match; *rehash is 1
 * when the hash should be replaced with one at today's parameters.  With
 * hash NULL it still spends the time of one check (so an unknown email
 * takes as long as a wrong password) and *ok is 0.
 */
app_err pw_verify(pw_hasher *h, const char *hash, const char *password, int *ok, int *rehash);

/*
 * Check a new password against the rules: 10 to 128 characters, not a
 * common password or a simple variation of one, not a run or repeat of one
 * character, not the email address or its name part.  Returns NULL if
 * fine, else a message for the person.
 */
const char *pw_rules(const char *password, const char *email);

#endif
