/*
 * claim_store.c: prepared statements over the claims tables (see claim_store.h).
 *
 * Statements are prepared once per store and reset after each use: settling a claim costs a
 * handful of binds and steps, never a parse of SQL text.
 */
#include "data/claim_store.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

enum {
    ST_FIND,
    ST_PUT,
    ST_EVIDENCE_OWNER,
    ST_EVIDENCE_PUT,
    ST_EVIDENCE_RELEASE,
    ST_STATE_LOAD,
    ST_STATE_SAVE,
    ST_COUNT
};

static const char *const statements[ST_COUNT] = {
    [ST_FIND] = "SELECT content_sha256, policy_id, status, payable, result FROM claims"
                " WHERE claim_id = ?1",
    [ST_PUT] = "INSERT INTO claims (claim_id, policy_id, content_sha256, status, payable, result,"
               " settled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [ST_EVIDENCE_OWNER] = "SELECT claim_id FROM claim_evidence WHERE log_origin = ?1 AND idx = ?2",
    [ST_EVIDENCE_PUT] = "INSERT INTO claim_evidence (log_origin, idx, claim_id)"
                        " VALUES (?1, ?2, ?3) ON CONFLICT (log_origin, idx) DO NOTHING",
    [ST_EVIDENCE_RELEASE] = "DELETE FROM claim_evidence WHERE log_origin = ?1 AND idx = ?2",
    [ST_STATE_LOAD] = "SELECT aggregate_left, sublimits, paid, n_claims FROM policy_state"
                      " WHERE policy_id = ?1",
    [ST_STATE_SAVE] = "INSERT OR REPLACE INTO policy_state (policy_id, aggregate_left, sublimits,"
                      " paid, n_claims, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
};

struct ds_claim_store {
    ds_db *db;
    sqlite3_stmt *stmt[ST_COUNT];
};

static char *column_copy(sqlite3_stmt *stmt, int col)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);
    size_t len = (size_t)sqlite3_column_bytes(stmt, col);
    char *copy = malloc(len + 1);
    if (copy) {
        if (text && len)
            memcpy(copy, text, len);
        copy[len] = '\0';
    }
    return copy;
}

static void done(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

static int fail(ds_claim_store *store, sqlite3_stmt *stmt, ds_error *err, const char *what)
{
    int rc = ds_db_error(store->db, err, what);
    done(stmt);
    return rc;
}

void ds_stored_claim_clear(ds_stored_claim *claim)
{
    if (!claim)
        return;
    free(claim->policy_id);
    free(claim->status);
    free(claim->result_json);
    memset(claim, 0, sizeof *claim);
}

void ds_policy_state_row_clear(ds_policy_state_row *row)
{
    if (!row)
        return;
    free(row->sublimits_json);
    memset(row, 0, sizeof *row);
}

int ds_claim_store_new(ds_claim_store **out, ds_db *db, ds_error *err)
{
    *out = NULL;
    ds_claim_store *store = calloc(1, sizeof *store);
    if (!store)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    store->db = db;
    for (int i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(ds_db_handle(db), statements[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &store->stmt[i], NULL) != SQLITE_OK) {
            int rc = ds_db_error(db, err, "preparing the claims statements");
            ds_claim_store_free(store);
            return rc;
        }
    }
    *out = store;
    return 0;
}

void ds_claim_store_free(ds_claim_store *store)
{
    if (!store)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(store->stmt[i]);
    free(store);
}

int ds_claim_store_find(ds_claim_store *store, ds_stored_claim *out, int *found,
                        const char *claim_id, ds_error *err)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    sqlite3_stmt *stmt = store->stmt[ST_FIND];
    sqlite3_bind_text(stmt, 1, claim_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        done(stmt);
        return 0;
    }
    if (rc != SQLITE_ROW)
        return fail(store, stmt, err, "reading a claim");
    if (sqlite3_column_bytes(stmt, 0) != DS_CLAIM_HASH_SIZE) {
        done(stmt);
        return ds_error_set(err, DS_EIO, "claims", "claim \"%s\" has a damaged content hash",
                            claim_id);
    }
    memcpy(out->content_sha256, sqlite3_column_blob(stmt, 0), DS_CLAIM_HASH_SIZE);
    out->policy_id = column_copy(stmt, 1);
    out->status = column_copy(stmt, 2);
    out->payable = sqlite3_column_int64(stmt, 3);
    out->result_json = column_copy(stmt, 4);
    done(stmt);
    if (!out->policy_id || !out->status || !out->result_json) {
        ds_stored_claim_clear(out);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    *found = 1;
    return 0;
}

int ds_claim_store_put(ds_claim_store *store, const char *claim_id, const char *policy_id,
                       const uint8_t content_sha256[DS_CLAIM_HASH_SIZE], const char *status,
                       int64_t payable, const char *result_json, const char *settled,
                       ds_error *err)
{
    sqlite3_stmt *stmt = store->stmt[ST_PUT];
    sqlite3_bind_text(stmt, 1, claim_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, policy_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 3, content_sha256, DS_CLAIM_HASH_SIZE, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 5, payable);
    sqlite3_bind_text(stmt, 6, result_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 7, settled, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_CONSTRAINT) {
        done(stmt);
        return ds_error_set(err, DS_ECONFLICT, "claim_id", "claim \"%s\" is already settled",
                            claim_id);
    }
    if (rc != SQLITE_DONE)
        return fail(store, stmt, err, "storing a claim");
    done(stmt);
    return 0;
}

int ds_claim_store_evidence_owner(ds_claim_store *store, char *owner, size_t cap, int *found,
                                  const char *log_origin, uint64_t idx, ds_error *err)
{
    *found = 0;
    if (cap)
        owner[0] = '\0';
    sqlite3_stmt *stmt = store->stmt[ST_EVIDENCE_OWNER];
    sqlite3_bind_text(stmt, 1, log_origin, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)idx);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const unsigned char *text = sqlite3_column_text(stmt, 0);
        size_t len = (size_t)sqlite3_column_bytes(stmt, 0);
        if (cap) {
            if (len >= cap)
                len = cap - 1;
            if (text && len)
                memcpy(owner, text, len);
            owner[len] = '\0';
        }
        *found = 1;
    } else if (rc != SQLITE_DONE) {
        return fail(store, stmt, err, "reading evidence usage");
    }
    done(stmt);
    return 0;
}

int ds_claim_store_use_evidence(ds_claim_store *store, int *taken, const char *log_origin,
                                uint64_t idx, const char *claim_id, ds_error *err)
{
    *taken = 0;
    sqlite3_stmt *stmt = store->stmt[ST_EVIDENCE_PUT];
    sqlite3_bind_text(stmt, 1, log_origin, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)idx);
    sqlite3_bind_text(stmt, 3, claim_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE)
        return fail(store, stmt, err, "recording evidence usage");
    *taken = sqlite3_changes(ds_db_handle(store->db)) == 1;
    done(stmt);
    return 0;
}

int ds_claim_store_release_evidence(ds_claim_store *store, const char *log_origin, uint64_t idx,
                                    ds_error *err)
{
    sqlite3_stmt *stmt = store->stmt[ST_EVIDENCE_RELEASE];
    sqlite3_bind_text(stmt, 1, log_origin, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)idx);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        return fail(store, stmt, err, "releasing evidence");
    done(stmt);
    return 0;
}

int ds_claim_store_state_load(ds_claim_store *store, ds_policy_state_row *out, int *found,
                              const char *policy_id, ds_error *err)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    sqlite3_stmt *stmt = store->stmt[ST_STATE_LOAD];
    sqlite3_bind_text(stmt, 1, policy_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        done(stmt);
        return 0;
    }
    if (rc != SQLITE_ROW)
        return fail(store, stmt, err, "reading a policy's state");
    out->has_aggregate_limit = sqlite3_column_type(stmt, 0) != SQLITE_NULL;
    out->aggregate_left = sqlite3_column_int64(stmt, 0);
    out->sublimits_json = column_copy(stmt, 1);
    out->paid = sqlite3_column_int64(stmt, 2);
    out->n_claims = sqlite3_column_int64(stmt, 3);
    done(stmt);
    if (!out->sublimits_json)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    *found = 1;
    return 0;
}

int ds_claim_store_state_save(ds_claim_store *store, const char *policy_id,
                              const ds_policy_state_row *row, const char *updated, ds_error *err)
{
    sqlite3_stmt *stmt = store->stmt[ST_STATE_SAVE];
    sqlite3_bind_text(stmt, 1, policy_id, -1, SQLITE_STATIC);
    if (row->has_aggregate_limit)
        sqlite3_bind_int64(stmt, 2, row->aggregate_left);
    else
        sqlite3_bind_null(stmt, 2);
    sqlite3_bind_text(stmt, 3, row->sublimits_json ? row->sublimits_json : "{}", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, row->paid);
    sqlite3_bind_int64(stmt, 5, row->n_claims);
    sqlite3_bind_text(stmt, 6, updated, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        return fail(store, stmt, err, "storing a policy's state");
    done(stmt);
    return 0;
}
