/*
 * key_store.h: the api_keys table of the HTTP server (schema step 3 in data/db.c).
 *
 * A key is never stored, only its SHA-256 (key_hash, UNIQUE), with the role it grants and, for
 * the platform role, the platform it belongs to. Looking a key up is one index probe on the hash,
 * so the comparison happens inside SQLite on a digest and never on the secret itself; a revoked
 * key is as unknown as a key never issued.
 *
 * Errors: DS_ENOTFOUND for an unknown or revoked key, DS_EINVAL for a role outside
 * insurer|platform|adjuster|admin or a platform id given to a non-platform role (or missing for
 * the platform role), DS_ECONFLICT for a hash already stored, DS_EIO naming the database path,
 * DS_ENOMEM.
 * Thread safety: one ds_db per thread, as data/db.h.
 */
#ifndef DS_DATA_KEY_STORE_H
#define DS_DATA_KEY_STORE_H

#include <stdint.h>

#include "actuarial/error.h"
#include "data/db.h"

#define DS_KEY_HASH_SIZE 32
#define DS_KEY_PLATFORM_MAX 128

/* One row of api_keys, without its hash. Plain data: nothing to free. */
typedef struct ds_api_key {
    int64_t id;
    char role[16];                         /* insurer, platform, adjuster, admin */
    char platform_id[DS_KEY_PLATFORM_MAX]; /* "" unless role is platform */
    char created[32];                      /* RFC 3339 UTC */
} ds_api_key;

/* 1 when role is one of the four roles of DESIGN.md section 8. */
int ds_key_role_is_valid(const char *role);

/*
 * Stores a new key's hash with its role and platform (NULL unless role is "platform"); the
 * field named in errors is "role" or "platform". *out_id receives the row id (out_id may be NULL).
 */
int ds_key_store_insert(ds_db *db, const uint8_t key_hash[DS_KEY_HASH_SIZE], const char *role,
                        const char *platform_id, int64_t *out_id, ds_error *err);

/* The key whose hash is key_hash, unless revoked. DS_ENOTFOUND otherwise. */
int ds_key_store_lookup(ds_api_key *out, ds_db *db, const uint8_t key_hash[DS_KEY_HASH_SIZE],
                        ds_error *err);

/* Marks key id revoked (DS_ENOTFOUND when there is no such key). */
int ds_key_store_revoke(ds_db *db, int64_t id, ds_error *err);

#endif
