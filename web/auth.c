/*
 * auth.c: API keys (see auth.h).
 */
#include "web/auth.h"

#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "data/hex.h"

unsigned ds_auth_role_of(const char *name)
{
    if (!name)
        return 0;
    if (strcmp(name, "insurer") == 0)
        return DS_ROLE_INSURER;
    if (strcmp(name, "platform") == 0)
        return DS_ROLE_PLATFORM;
    if (strcmp(name, "adjuster") == 0)
        return DS_ROLE_ADJUSTER;
    if (strcmp(name, "admin") == 0)
        return DS_ROLE_ADMIN;
    return 0;
}

void ds_auth_hash(uint8_t out[DS_KEY_HASH_SIZE], const char *key, size_t len)
{
    unsigned int n = 0;
    /* EVP_Digest with SHA-256 cannot fail short of memory exhaustion inside OpenSSL; a zero
     * digest then matches no stored key, which fails closed. */
    if (EVP_Digest(key, len, out, &n, EVP_sha256(), NULL) != 1 || n != DS_KEY_HASH_SIZE)
        memset(out, 0, DS_KEY_HASH_SIZE);
}

int ds_auth_create_key(char out_key[DS_AUTH_KEY_LEN + 1], int64_t *out_id, ds_db *db,
                       const char *role, const char *platform_id, ds_error *err)
{
    out_key[0] = '\0';
    uint8_t secret[32];
    if (RAND_bytes(secret, sizeof secret) != 1)
        return ds_error_set(err, DS_EINTERNAL, NULL, "no random bytes for a key");
    char key[DS_AUTH_KEY_LEN + 1];
    memcpy(key, DS_AUTH_KEY_PREFIX, 4);
    ds_hex_encode(key + 4, secret, sizeof secret);
    OPENSSL_cleanse(secret, sizeof secret);
    uint8_t hash[DS_KEY_HASH_SIZE];
    ds_auth_hash(hash, key, DS_AUTH_KEY_LEN);
    int rc = ds_key_store_insert(db, hash, role, platform_id, out_id, err);
    if (!rc)
        memcpy(out_key, key, sizeof key);
    OPENSSL_cleanse(key, sizeof key);
    return rc;
}

int ds_auth_check(ds_principal *out, ds_db *db, const char *authorization, ds_error *err)
{
    memset(out, 0, sizeof *out);
    if (!authorization)
        return ds_error_set(err, DS_ENOTFOUND, "Authorization", "an API key is required");
    if (strncasecmp(authorization, "Bearer ", 7) != 0)
        return ds_error_set(err, DS_ENOTFOUND, "Authorization", "expected \"Bearer <key>\"");
    const char *key = authorization + 7;
    while (*key == ' ')
        key++;
    size_t len = strlen(key);
    while (len && key[len - 1] == ' ')
        len--;
    if (len != DS_AUTH_KEY_LEN || strncmp(key, DS_AUTH_KEY_PREFIX, 4) != 0)
        return ds_error_set(err, DS_ENOTFOUND, "Authorization", "invalid API key");
    uint8_t hash[DS_KEY_HASH_SIZE];
    ds_auth_hash(hash, key, len);
    ds_api_key row;
    int rc = ds_key_store_lookup(&row, db, hash, err);
    if (rc == DS_ENOTFOUND)
        return ds_error_set(err, DS_ENOTFOUND, "Authorization", "invalid API key");
    if (rc)
        return rc;
    out->role = ds_auth_role_of(row.role);
    if (!out->role)
        return ds_error_set(err, DS_ENOTFOUND, "Authorization", "invalid API key");
    memcpy(out->platform_id, row.platform_id, sizeof out->platform_id);
    out->key_id = row.id;
    return 0;
}
