/*
 * ledger_store.c: prepared statements over the ledger tables, and the node cache
 * (see ledger_store.h).
 *
 * Every statement is prepared once in ds_ledger_store_new and reset (bindings cleared) after
 * each use, whether it succeeded or not, so a failed call never leaves a statement holding a
 * read lock.
 */
#include "data/ledger_store.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

enum {
    ST_LOG_BY_ORIGIN,
    ST_LOG_FIRST_TWO,
    ST_LOG_COUNT,
    ST_LOG_INSERT,
    ST_SIZE_GET,
    ST_SIZE_SET,
    ST_ENTRY_INSERT,
    ST_ENTRY_GET,
    ST_LEAF_GET,
    ST_NODE_INSERT,
    ST_NODE_GET,
    ST_NODE_COUNT,
    ST_CHECKPOINT_INSERT,
    ST_CHECKPOINT_LATEST,
    N_STATEMENTS
};

static const char *const statement_sql[N_STATEMENTS] = {
    [ST_LOG_BY_ORIGIN] =
        "SELECT id, origin, key_path, verifier_key, size FROM logs WHERE origin = ?1",
    [ST_LOG_FIRST_TWO] =
        "SELECT id, origin, key_path, verifier_key, size FROM logs ORDER BY id LIMIT 2",
    [ST_LOG_COUNT] = "SELECT count(*) FROM logs",
    [ST_LOG_INSERT] =
        "INSERT INTO logs (origin, key_path, verifier_key, size) VALUES (?1, ?2, ?3, 0)",
    [ST_SIZE_GET] = "SELECT size FROM logs WHERE id = ?1",
    [ST_SIZE_SET] = "UPDATE logs SET size = ?2 WHERE id = ?1",
    [ST_ENTRY_INSERT] =
        "INSERT INTO entries (log_id, idx, leaf_hash, entry) VALUES (?1, ?2, ?3, ?4)",
    [ST_ENTRY_GET] = "SELECT entry FROM entries WHERE log_id = ?1 AND idx = ?2",
    [ST_LEAF_GET] = "SELECT leaf_hash FROM entries WHERE log_id = ?1 AND idx = ?2",
    [ST_NODE_INSERT] = "INSERT INTO nodes (log_id, level, idx, hash) VALUES (?1, ?2, ?3, ?4)",
    [ST_NODE_GET] = "SELECT hash FROM nodes WHERE log_id = ?1 AND level = ?2 AND idx = ?3",
    [ST_NODE_COUNT] = "SELECT count(*) FROM nodes WHERE log_id = ?1",
    [ST_CHECKPOINT_INSERT] = "INSERT INTO checkpoints (log_id, size, root, note, created)"
                             " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_CHECKPOINT_LATEST] =
        "SELECT note FROM checkpoints WHERE log_id = ?1 ORDER BY id DESC LIMIT 1",
};

/*
 * Direct-mapped cache of node hashes. 2^15 slots (1.5 MiB) hold every node at level >= 5 of a
 * million-entry log, so a random inclusion proof on such a log reads only its lowest few levels
 * from SQLite.
 */
#define CACHE_BITS 15
#define CACHE_SLOTS ((size_t)1 << CACHE_BITS)

typedef struct cache_slot {
    int64_t log_id;
    uint64_t idx;
    uint32_t level;
    uint32_t is_valid;
    uint8_t hash[32];
} cache_slot;

struct ds_ledger_store {
    ds_db *db;
    sqlite3 *handle;
    sqlite3_stmt *stmt[N_STATEMENTS];
    cache_slot *cache;
};

static int fail(ds_ledger_store *store, ds_error *err, const char *what)
{
    return ds_db_error(store->db, err, what);
}

/* Resets a statement after use; the result of the step that mattered was already taken. */
static void done(sqlite3_stmt *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

/* SQLite integers are signed 64-bit; every size and index here is below 2^63. */
static int bind_u64(sqlite3_stmt *stmt, int col, uint64_t v)
{
    return sqlite3_bind_int64(stmt, col, (sqlite3_int64)v);
}

void ds_ledger_log_clear(ds_ledger_log *log)
{
    if (!log)
        return;
    free(log->origin);
    free(log->key_path);
    free(log->verifier_key);
    memset(log, 0, sizeof *log);
}

int ds_ledger_store_new(ds_ledger_store **out, ds_db *db, ds_error *err)
{
    *out = NULL;
    ds_ledger_store *store = calloc(1, sizeof *store);
    if (!store)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    store->db = db;
    store->handle = ds_db_handle(db);
    store->cache = calloc(CACHE_SLOTS, sizeof *store->cache);
    if (!store->cache) {
        free(store);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    for (int i = 0; i < N_STATEMENTS; i++) {
        if (sqlite3_prepare_v3(store->handle, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &store->stmt[i], NULL) != SQLITE_OK) {
            int rc = fail(store, err, "preparing the ledger statements");
            ds_ledger_store_free(store);
            return rc;
        }
    }
    *out = store;
    return 0;
}

void ds_ledger_store_free(ds_ledger_store *store)
{
    if (!store)
        return;
    for (int i = 0; i < N_STATEMENTS; i++)
        sqlite3_finalize(store->stmt[i]);
    free(store->cache);
    free(store);
}

ds_db *ds_ledger_store_db(const ds_ledger_store *store)
{
    return store->db;
}

int ds_ledger_store_begin(ds_ledger_store *store, ds_error *err)
{
    return ds_db_begin(store->db, err);
}

int ds_ledger_store_commit(ds_ledger_store *store, ds_error *err)
{
    int rc = ds_db_commit(store->db, err);
    if (rc) {
        ds_ledger_store_rollback(store);
    }
    return rc;
}

void ds_ledger_store_rollback(ds_ledger_store *store)
{
    ds_db_rollback(store->db);
    memset(store->cache, 0, CACHE_SLOTS * sizeof *store->cache);
}

static char *dup_column(sqlite3_stmt *stmt, int col)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);
    size_t n = text ? (size_t)sqlite3_column_bytes(stmt, col) : 0;
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    if (n)
        memcpy(copy, text, n);
    copy[n] = '\0';
    return copy;
}

static int read_log_row(ds_ledger_log *out, sqlite3_stmt *stmt, ds_error *err)
{
    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(stmt, 0);
    out->origin = dup_column(stmt, 1);
    out->key_path = dup_column(stmt, 2);
    out->verifier_key = dup_column(stmt, 3);
    sqlite3_int64 size = sqlite3_column_int64(stmt, 4);
    out->size = size < 0 ? 0 : (uint64_t)size;
    if (!out->origin || !out->key_path || !out->verifier_key) {
        ds_ledger_log_clear(out);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    return 0;
}

int ds_ledger_store_create_log(ds_ledger_store *store, int64_t *out_id, const char *origin,
                               const char *key_path, const char *verifier_key, ds_error *err)
{
    sqlite3_stmt *find = store->stmt[ST_LOG_BY_ORIGIN];
    sqlite3_bind_text(find, 1, origin, -1, SQLITE_STATIC);
    int rc = sqlite3_step(find);
    done(find);
    if (rc == SQLITE_ROW)
        return ds_error_set(err, DS_ECONFLICT, "origin", "a log named \"%s\" already exists",
                            origin);
    if (rc != SQLITE_DONE)
        return fail(store, err, "looking up the log");

    sqlite3_stmt *stmt = store->stmt[ST_LOG_INSERT];
    sqlite3_bind_text(stmt, 1, origin, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, key_path, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, verifier_key, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    done(stmt);
    if (rc != SQLITE_DONE)
        return fail(store, err, "creating the log");
    *out_id = sqlite3_last_insert_rowid(store->handle);
    return 0;
}

int ds_ledger_store_find_log(ds_ledger_store *store, ds_ledger_log *out, const char *origin,
                             ds_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    if (origin) {
        stmt = store->stmt[ST_LOG_BY_ORIGIN];
        sqlite3_bind_text(stmt, 1, origin, -1, SQLITE_STATIC);
    } else {
        stmt = store->stmt[ST_LOG_FIRST_TWO];
    }
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        done(stmt);
        if (origin)
            return ds_error_set(err, DS_ENOTFOUND, "--log", "no log named \"%s\" in %s", origin,
                                ds_db_path(store->db));
        return ds_error_set(err, DS_ENOTFOUND, NULL,
                            "%s holds no log (create one with `dsure init --origin NAME`)",
                            ds_db_path(store->db));
    }
    if (rc != SQLITE_ROW) {
        rc = fail(store, err, "looking up the log");
        done(stmt);
        return rc;
    }
    rc = read_log_row(out, stmt, err);
    if (!rc && !origin && sqlite3_step(stmt) == SQLITE_ROW) {
        ds_ledger_log_clear(out);
        rc = ds_error_set(err, DS_EUSAGE, "--log",
                          "%s holds several logs: choose one with --log ORIGIN",
                          ds_db_path(store->db));
    }
    done(stmt);
    return rc;
}

static int count_query(ds_ledger_store *store, sqlite3_stmt *stmt, int64_t *out, ds_error *err,
                       const char *what)
{
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        rc = fail(store, err, what);
        done(stmt);
        return rc;
    }
    *out = sqlite3_column_int64(stmt, 0);
    done(stmt);
    return 0;
}

int ds_ledger_store_count_logs(ds_ledger_store *store, int64_t *out, ds_error *err)
{
    return count_query(store, store->stmt[ST_LOG_COUNT], out, err, "counting logs");
}

int ds_ledger_store_count_nodes(ds_ledger_store *store, int64_t log_id, int64_t *out,
                                ds_error *err)
{
    sqlite3_bind_int64(store->stmt[ST_NODE_COUNT], 1, log_id);
    return count_query(store, store->stmt[ST_NODE_COUNT], out, err, "counting nodes");
}

int ds_ledger_store_size(ds_ledger_store *store, int64_t log_id, uint64_t *out, ds_error *err)
{
    sqlite3_stmt *stmt = store->stmt[ST_SIZE_GET];
    sqlite3_bind_int64(stmt, 1, log_id);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        sqlite3_int64 size = sqlite3_column_int64(stmt, 0);
        done(stmt);
        if (size < 0)
            return ds_error_set(err, DS_EMISMATCH, "size", "stored log size %lld is negative",
                                (long long)size);
        *out = (uint64_t)size;
        return 0;
    }
    rc = rc == SQLITE_DONE ? ds_error_set(err, DS_ENOTFOUND, "log", "no log with id %lld",
                                          (long long)log_id)
                           : fail(store, err, "reading the log size");
    done(stmt);
    return rc;
}

int ds_ledger_store_set_size(ds_ledger_store *store, int64_t log_id, uint64_t size,
                             ds_error *err)
{
    sqlite3_stmt *stmt = store->stmt[ST_SIZE_SET];
    sqlite3_bind_int64(stmt, 1, log_id);
    bind_u64(stmt, 2, size);
    int rc = sqlite3_step(stmt);
    done(stmt);
    return rc == SQLITE_DONE ? 0 : fail(store, err, "updating the log size");
}

int ds_ledger_store_put_entry(ds_ledger_store *store, int64_t log_id, uint64_t idx,
                              const uint8_t *entry, size_t len, const uint8_t leaf_hash[32],
                              ds_error *err)
{
    sqlite3_stmt *stmt = store->stmt[ST_ENTRY_INSERT];
    sqlite3_bind_int64(stmt, 1, log_id);
    bind_u64(stmt, 2, idx);
    sqlite3_bind_blob(stmt, 3, leaf_hash, 32, SQLITE_STATIC);
    sqlite3_bind_blob64(stmt, 4, entry, (sqlite3_uint64)len, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        rc = fail(store, err, "storing an entry");
        done(stmt);
        return rc;
    }
    done(stmt);
    return 0;
}

int ds_ledger_store_get_entry(ds_ledger_store *store, int64_t log_id, uint64_t idx,
                              uint8_t **entry, size_t *len, ds_error *err)
{
    *entry = NULL;
    *len = 0;
    sqlite3_stmt *stmt = store->stmt[ST_ENTRY_GET];
    sqlite3_bind_int64(stmt, 1, log_id);
    bind_u64(stmt, 2, idx);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        rc = rc == SQLITE_DONE
                 ? ds_error_set(err, DS_ENOTFOUND, "index", "no entry %llu in the log",
                                (unsigned long long)idx)
                 : fail(store, err, "reading an entry");
        done(stmt);
        return rc;
    }
    const void *blob = sqlite3_column_blob(stmt, 0);
    size_t n = (size_t)sqlite3_column_bytes(stmt, 0);
    uint8_t *copy = malloc(n + 1);
    if (!copy) {
        done(stmt);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    if (n)
        memcpy(copy, blob, n);
    copy[n] = '\0';
    done(stmt);
    *entry = copy;
    *len = n;
    return 0;
}

int ds_ledger_store_put_node(ds_ledger_store *store, int64_t log_id, unsigned level,
                             uint64_t idx, const uint8_t hash[32], ds_error *err)
{
    sqlite3_stmt *stmt = store->stmt[ST_NODE_INSERT];
    sqlite3_bind_int64(stmt, 1, log_id);
    sqlite3_bind_int(stmt, 2, (int)level);
    bind_u64(stmt, 3, idx);
    sqlite3_bind_blob(stmt, 4, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        rc = fail(store, err, "storing a tree node");
        done(stmt);
        return rc;
    }
    done(stmt);
    return 0;
}

int ds_ledger_store_node_uncached(ds_ledger_store *store, int64_t log_id, unsigned level,
                                  uint64_t idx, uint8_t out[32], ds_error *err)
{
    sqlite3_stmt *stmt;
    if (level == 0) {
        stmt = store->stmt[ST_LEAF_GET];
        sqlite3_bind_int64(stmt, 1, log_id);
        bind_u64(stmt, 2, idx);
    } else {
        stmt = store->stmt[ST_NODE_GET];
        sqlite3_bind_int64(stmt, 1, log_id);
        sqlite3_bind_int(stmt, 2, (int)level);
        bind_u64(stmt, 3, idx);
    }
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        rc = rc == SQLITE_DONE
                 ? ds_error_set(err, DS_ENOTFOUND, "nodes",
                                "no stored hash at level %u index %llu", level,
                                (unsigned long long)idx)
                 : fail(store, err, "reading a tree node");
        done(stmt);
        return rc;
    }
    if (sqlite3_column_bytes(stmt, 0) != 32) {
        done(stmt);
        return ds_error_set(err, DS_EMISMATCH, "nodes",
                            "stored hash at level %u index %llu is not 32 bytes", level,
                            (unsigned long long)idx);
    }
    memcpy(out, sqlite3_column_blob(stmt, 0), 32);
    done(stmt);
    return 0;
}

static size_t cache_index(int64_t log_id, unsigned level, uint64_t idx)
{
    /* A multiplicative hash (Knuth, TAOCP 6.4) spreads neighbouring indices over the slots. */
    uint64_t key = (idx * 0x9E3779B97F4A7C15u) ^ ((uint64_t)level << 56) ^
                   ((uint64_t)log_id * 0xC2B2AE3D27D4EB4Fu);
    key ^= key >> 29;
    return (size_t)(key & (CACHE_SLOTS - 1));
}

int ds_ledger_store_node(ds_ledger_store *store, int64_t log_id, unsigned level, uint64_t idx,
                         uint8_t out[32], ds_error *err)
{
    cache_slot *slot = &store->cache[cache_index(log_id, level, idx)];
    if (slot->is_valid && slot->log_id == log_id && slot->level == level && slot->idx == idx) {
        memcpy(out, slot->hash, 32);
        return 0;
    }
    int rc = ds_ledger_store_node_uncached(store, log_id, level, idx, out, err);
    if (rc)
        return rc;
    slot->is_valid = 1;
    slot->log_id = log_id;
    slot->level = level;
    slot->idx = idx;
    memcpy(slot->hash, out, 32);
    return 0;
}

int ds_ledger_store_each_entry(ds_ledger_store *store, int64_t log_id, ds_ledger_entry_fn fn,
                               void *ctx, ds_error *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(store->handle,
                           "SELECT idx, entry, leaf_hash FROM entries WHERE log_id = ?1"
                           " ORDER BY idx",
                           -1, &stmt, NULL) != SQLITE_OK)
        return fail(store, err, "scanning entries");
    sqlite3_bind_int64(stmt, 1, log_id);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        sqlite3_int64 idx = sqlite3_column_int64(stmt, 0);
        const uint8_t *entry = sqlite3_column_blob(stmt, 1);
        size_t len = (size_t)sqlite3_column_bytes(stmt, 1);
        const uint8_t *leaf = sqlite3_column_blob(stmt, 2);
        size_t leaf_len = (size_t)sqlite3_column_bytes(stmt, 2);
        if (idx < 0) {
            sqlite3_finalize(stmt);
            return ds_error_set(err, DS_EMISMATCH, "entries", "negative index %lld",
                                (long long)idx);
        }
        int stop = fn(ctx, (uint64_t)idx, entry, len, leaf, leaf_len);
        if (stop) {
            sqlite3_finalize(stmt);
            return stop;
        }
    }
    if (rc != SQLITE_DONE)
        rc = fail(store, err, "scanning entries");
    else
        rc = 0;
    sqlite3_finalize(stmt);
    return rc;
}

int ds_ledger_store_put_checkpoint(ds_ledger_store *store, int64_t log_id, uint64_t size,
                                   const uint8_t root[32], const char *note, const char *created,
                                   ds_error *err)
{
    sqlite3_stmt *stmt = store->stmt[ST_CHECKPOINT_INSERT];
    sqlite3_bind_int64(stmt, 1, log_id);
    bind_u64(stmt, 2, size);
    sqlite3_bind_blob(stmt, 3, root, 32, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, note, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, created, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) {
        rc = fail(store, err, "storing the checkpoint");
        done(stmt);
        return rc;
    }
    done(stmt);
    return 0;
}

int ds_ledger_store_each_checkpoint(ds_ledger_store *store, int64_t log_id,
                                    ds_ledger_checkpoint_fn fn, void *ctx, ds_error *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(store->handle,
                           "SELECT id, size, root, note, created FROM checkpoints"
                           " WHERE log_id = ?1 ORDER BY id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return fail(store, err, "reading checkpoints");
    sqlite3_bind_int64(stmt, 1, log_id);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        ds_ledger_checkpoint_row row;
        row.id = sqlite3_column_int64(stmt, 0);
        sqlite3_int64 size = sqlite3_column_int64(stmt, 1);
        row.size = size < 0 ? UINT64_MAX : (uint64_t)size;
        row.root = sqlite3_column_blob(stmt, 2);
        row.root_len = (size_t)sqlite3_column_bytes(stmt, 2);
        row.note = (const char *)sqlite3_column_text(stmt, 3);
        row.created = (const char *)sqlite3_column_text(stmt, 4);
        if (!row.note)
            row.note = "";
        if (!row.created)
            row.created = "";
        int stop = fn(ctx, &row);
        if (stop) {
            sqlite3_finalize(stmt);
            return stop;
        }
    }
    rc = rc == SQLITE_DONE ? 0 : fail(store, err, "reading checkpoints");
    sqlite3_finalize(stmt);
    return rc;
}

int ds_ledger_store_latest_checkpoint(ds_ledger_store *store, int64_t log_id, char **note,
                                      ds_error *err)
{
    *note = NULL;
    sqlite3_stmt *stmt = store->stmt[ST_CHECKPOINT_LATEST];
    sqlite3_bind_int64(stmt, 1, log_id);
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        rc = rc == SQLITE_DONE
                 ? ds_error_set(err, DS_ENOTFOUND, "checkpoint",
                                "the log has no checkpoint yet (run `dsure ledger checkpoint`)")
                 : fail(store, err, "reading the latest checkpoint");
        done(stmt);
        return rc;
    }
    *note = dup_column(stmt, 0);
    done(stmt);
    return *note ? 0 : ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
}
