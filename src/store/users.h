/*
 * users.h - people with an account: profile, password hash, sessions.
 *
 * Emails are stored normalised (the caller lower-cases them), so the UNIQUE
 * constraint makes them unique case-insensitively.  Only Argon2id hashes of
 * passwords and SHA-256 hashes of session tokens are stored.
 */
#ifndef P2S_STORE_USERS_H
#define P2S_STORE_USERS_H

#include "store/activity.h"
#include "store/db.h"

#include <stdint.h>

typedef struct store_user {
    int64_t id;
    char name[512];          /* display name (UTF-8) */
    char email[256];         /* normalised address */
    char timezone[64];       /* IANA zone */
    int64_t created_at;      /* UTC ms */
    char password_hash[256]; /* Argon2id string (only filled by store_user_by_email) */
} store_user;

/* A new session to record with a new user or a sign-in. */
typedef struct store_new_session {
    const char *token_hash; /* hex SHA-256 of the cookie token */
    int64_t expires_at;     /* absolute expiry */
} store_new_session;

/*
 * Create a user (time zone an IANA name, checked by the caller) and their
 * first session in one transaction, with an "account.registered" activity
 * row.  APP_ECONFLICT if the email is taken.
 */
app_err store_user_create(db *d, const actor *who, const char *name, const char *email,
                          const char *timezone, const char *password_hash,
                          const store_new_session *s, int64_t now_ms, store_user *out,
                          int64_t *session_id);

/* Load a user by id (no password hash).  APP_ENOTFOUND if none. */
app_err store_user_get(db *d, int64_t id, store_user *out);

/* Load a user by normalised email, with the password hash.  APP_ENOTFOUND if none. */
app_err store_user_by_email(db *d, const char *email, store_user *out);

/* Load the password hash of a user. */
app_err store_user_password_hash(db *d, int64_t id, char *hash, size_t hashlen);

/*
 * Change name, email and/or time zone (NULL = unchanged), with an activity
 * row listing the fields.  APP_ECONFLICT if the email is taken.
 */
app_err store_user_update(db *d, const actor *who, const char *name, const char *email,
                          const char *timezone, int64_t now_ms, store_user *out);

/* Replace a stored hash (re-hash on sign-in when parameters were raised). */
app_err store_user_set_hash(db *d, int64_t id, const char *password_hash, int64_t now_ms);

/*
 * Change the password: store the new hash, end every session of the user,
 * record a new session for this browser and an activity row, in one
 * transaction.
 */
app_err store_user_change_password(db *d, const actor *who, const char *password_hash,
                                   const store_new_session *s, int64_t now_ms, int64_t *session_id);

#endif
