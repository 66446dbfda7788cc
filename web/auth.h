/*
 * auth.h: API keys of the HTTP server (DESIGN.md section 8): making them and checking the
 * `Authorization: Bearer <key>` header.
 *
 * A key is "dsk_" followed by 64 lowercase hex digits: 256 bits from OpenSSL's RAND_bytes. Only
 * its SHA-256 is stored (data/key_store.h), so a stolen database yields no usable key, and a
 * presented key is checked by looking its hash up, not by comparing secrets byte by byte. The
 * key text exists once, in the output of ds_auth_create_key.
 *
 * Roles are a bit set so that a route can list the roles it admits.
 * Errors: DS_EINVAL (role, platform), DS_ENOTFOUND (no, malformed, unknown or revoked key),
 * DS_EINTERNAL (no random bytes), DS_EIO. Thread safety: reentrant; one ds_db per thread.
 */
#ifndef DS_WEB_AUTH_H
#define DS_WEB_AUTH_H

#include <stdint.h>

#include "actuarial/error.h"
#include "data/db.h"
#include "data/key_store.h"

#define DS_AUTH_KEY_PREFIX "dsk_"
#define DS_AUTH_KEY_LEN (4 + 64)

enum {
    DS_ROLE_INSURER = 1,
    DS_ROLE_PLATFORM = 2,
    DS_ROLE_ADJUSTER = 4,
    DS_ROLE_ADMIN = 8
};

/* Who made a request. */
typedef struct ds_principal {
    unsigned role;                          /* one DS_ROLE_* bit */
    char platform_id[DS_KEY_PLATFORM_MAX];  /* the platform of a platform key, else "" */
    int64_t key_id;
} ds_principal;

/* DS_ROLE_* of a role name, 0 when unknown. */
unsigned ds_auth_role_of(const char *name);

/* SHA-256 of the key text. */
void ds_auth_hash(uint8_t out[DS_KEY_HASH_SIZE], const char *key, size_t len);

/*
 * Makes a key for role (and platform, required exactly for role "platform"), stores its hash and
 * writes the key text into out_key (DS_AUTH_KEY_LEN + 1 bytes). *out_id receives the row id
 * (may be NULL).
 */
int ds_auth_create_key(char out_key[DS_AUTH_KEY_LEN + 1], int64_t *out_id, ds_db *db,
                       const char *role, const char *platform_id, ds_error *err);

/*
 * Checks an Authorization header value ("Bearer dsk_..."; NULL when absent). On success fills
 * *out. DS_ENOTFOUND for a missing header, another scheme, a malformed, unknown or revoked key;
 * the message never repeats the key.
 */
int ds_auth_check(ds_principal *out, ds_db *db, const char *authorization, ds_error *err);

#endif
