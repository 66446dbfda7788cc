/*
 * key_store.c: api_keys rows behind prepared statements (see key_store.h).
 */
#include "data/key_store.h"

#include <string.h>

#include "data/policy_store.h"

int ds_key_role_is_valid(const char *role)
{
    static const char *const roles[] = {"insurer", "platform", "adjuster", "admin"};
    for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++) {
        if (strcmp(role, roles[i]) == 0)
            return 1;
    }
    return 0;
}

static int prepare(sqlite3_stmt **stmt, ds_db *db, const char *sql, ds_error *err)
{
    if (sqlite3_prepare_v2(ds_db_handle(db), sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return ds_db_error(db, err, "prepare");
    }
    return 0;
}

int ds_key_store_insert(ds_db *db, const uint8_t key_hash[DS_KEY_HASH_SIZE], const char *role,
                        const char *platform_id, int64_t *out_id, ds_error *err)
{
    if (!ds_key_role_is_valid(role))
        return ds_error_set(err, DS_EINVAL, "role",
                            "must be insurer, platform, adjuster or admin");
    int is_platform = strcmp(role, "platform") == 0;
    if (is_platform && (!platform_id || !*platform_id))
        return ds_error_set(err, DS_EINVAL, "platform", "is required for the platform role");
    if (!is_platform && platform_id)
        return ds_error_set(err, DS_EINVAL, "platform", "is only for the platform role");
    if (platform_id && strlen(platform_id) >= DS_KEY_PLATFORM_MAX)
        return ds_error_set(err, DS_EINVAL, "platform", "must be shorter than %d characters",
                            DS_KEY_PLATFORM_MAX);
    char created[32];
    ds_now_rfc3339(created, sizeof created);
    sqlite3_stmt *stmt;
    int rc = prepare(&stmt, db,
                     "INSERT INTO api_keys (key_hash, role, platform_id, created)"
                     " VALUES (?1, ?2, ?3, ?4)",
                     err);
    if (rc)
        return rc;
    sqlite3_bind_blob(stmt, 1, key_hash, DS_KEY_HASH_SIZE, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, role, -1, SQLITE_STATIC);
    if (platform_id)
        sqlite3_bind_text(stmt, 3, platform_id, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, 3);
    sqlite3_bind_text(stmt, 4, created, -1, SQLITE_STATIC);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_CONSTRAINT)
        rc = ds_error_set(err, DS_ECONFLICT, "key", "a key with this hash already exists");
    else if (step != SQLITE_DONE)
        rc = ds_db_error(db, err, "insert api key");
    else if (out_id)
        *out_id = sqlite3_last_insert_rowid(ds_db_handle(db));
    sqlite3_finalize(stmt);
    return rc;
}

/* Copies a text column into buf, truncating at cap (never longer than what was stored). */
static void column_copy(char *buf, size_t cap, sqlite3_stmt *stmt, int col)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);
    size_t len = text ? (size_t)sqlite3_column_bytes(stmt, col) : 0;
    if (len >= cap)
        len = cap - 1;
    if (len)
        memcpy(buf, text, len);
    buf[len] = '\0';
}

int ds_key_store_lookup(ds_api_key *out, ds_db *db, const uint8_t key_hash[DS_KEY_HASH_SIZE],
                        ds_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    int rc = prepare(&stmt, db,
                     "SELECT id, role, platform_id, created FROM api_keys"
                     " WHERE key_hash = ?1 AND revoked = 0",
                     err);
    if (rc)
        return rc;
    sqlite3_bind_blob(stmt, 1, key_hash, DS_KEY_HASH_SIZE, SQLITE_STATIC);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        out->id = sqlite3_column_int64(stmt, 0);
        column_copy(out->role, sizeof out->role, stmt, 1);
        column_copy(out->platform_id, sizeof out->platform_id, stmt, 2);
        column_copy(out->created, sizeof out->created, stmt, 3);
    } else if (step == SQLITE_DONE) {
        rc = ds_error_set(err, DS_ENOTFOUND, "key", "unknown or revoked key");
    } else {
        rc = ds_db_error(db, err, "look up api key");
    }
    sqlite3_finalize(stmt);
    return rc;
}

int ds_key_store_revoke(ds_db *db, int64_t id, ds_error *err)
{
    sqlite3_stmt *stmt;
    int rc = prepare(&stmt, db, "UPDATE api_keys SET revoked = 1 WHERE id = ?1", err);
    if (rc)
        return rc;
    sqlite3_bind_int64(stmt, 1, id);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = ds_db_error(db, err, "revoke api key");
    else if (sqlite3_changes(ds_db_handle(db)) == 0)
        rc = ds_error_set(err, DS_ENOTFOUND, "id", "no api key %lld", (long long)id);
    sqlite3_finalize(stmt);
    return rc;
}
