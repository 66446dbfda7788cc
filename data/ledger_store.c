/*
 * ledger_store.c: prepared statements over the ledger tables, and the node cache
 * (see ledger_store.h).
 *
 * Every statement is prepared once in ds_ledger_store_new and reset (bindings cleared) after
 * each use, whether it succeeded or not, so a failed call never leaves a statement holding a
 * read lock.
 */
#include "data/ledger_store.h"

#include <stdio.h>
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
    ST_LEAF_GET,
    ST_NODE_INSERT,
    ST_NODE_GET,
    ST_NODE_RANGE,
    ST_ENTRY_PAIR,
    ST_NODE_COUNT,
    ST_CHECKPOINT_INSERT,
    ST_CHECKPOINT_LATEST,
    ST_READ_BEGIN,
    ST_READ_END,
    ST_ENTRY_INSERT_MANY, /* SQL built by many_sql() */
    ST_NODE_INSERT_MANY,
    N_STATEMENTS
};

/*
 * Appends insert ROWS_PER_INSERT rows per statement: one bind per value but one VM program run,
 * one statement reset and one B-tree cursor positioning per 64 rows instead of per row (measured
 * in bench/ledger.md). The log id (and for nodes the level) is one shared parameter.
 */
#define ROWS_PER_INSERT 64

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
    [ST_LEAF_GET] = "SELECT leaf_hash FROM entries WHERE log_id = ?1 AND idx = ?2",
    [ST_NODE_INSERT] = "INSERT INTO nodes (log_id, level, idx, hash) VALUES (?1, ?2, ?3, ?4)",
    [ST_NODE_GET] = "SELECT hash FROM nodes WHERE log_id = ?1 AND level = ?2 AND idx = ?3",
    [ST_NODE_RANGE] = "SELECT idx, hash FROM nodes WHERE log_id = ?1 AND level = ?2"
                      " AND idx >= ?3 AND idx < ?4",
    [ST_ENTRY_PAIR] = "SELECT idx, entry, leaf_hash FROM entries WHERE log_id = ?1"
                      " AND idx >= ?2 AND idx <= ?3",
    [ST_NODE_COUNT] = "SELECT count(*) FROM nodes WHERE log_id = ?1",
    [ST_CHECKPOINT_INSERT] = "INSERT INTO checkpoints (log_id, size, root, note, created)"
                             " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_CHECKPOINT_LATEST] =
        "SELECT note FROM checkpoints WHERE log_id = ?1 ORDER BY id DESC LIMIT 1",
    [ST_READ_BEGIN] = "BEGIN DEFERRED",
    [ST_READ_END] = "COMMIT",
};

/*
 * Node cache, in two parts, because a point lookup in SQLite costs microseconds and a proof
 * needs about log2(n) of them:
 *   - levels >= 1 are cached in chunks of CHUNK_LEN consecutive hashes of one level, each
 *     loaded by one range query on the nodes primary key. Each level has a directory, an array
 *     indexed by chunk number, so a hit costs two memory reads (directory, hash) and no
 *     hashing or probing. A random proof on a million-entry log touches one chunk per level,
 *     and the whole upper tree of such a log (about 7,800 chunks, 32 MiB) fits. At CHUNK_MAX
 *     chunks (about 68 MiB) the cache is emptied and refilled, and chunk numbers beyond
 *     DIR_MAX bypass it, which bounds the memory whatever the log size.
 *   - leaf hashes (level 0) are cached one by one in a direct-mapped table; reading an entry
 *     also reads its sibling's leaf hash in the same query, which is the one leaf hash its
 *     inclusion proof needs.
 * Directories are kept for the N_LOG_DIRS logs read most recently (a batch of claims may
 * alternate between a few platforms' logs); a fifth log takes over the oldest slot. A chunk at the
 * right edge of a level is partly filled; a miss inside a loaded chunk reloads it (the log may
 * have grown since), so the cache never answers "absent" from stale data.
 */
#define CHUNK_BITS 7
#define CHUNK_LEN ((uint64_t)1 << CHUNK_BITS)
#define CHUNK_MAX ((size_t)1 << 14)
#define DIR_MAX ((uint64_t)1 << 20)
#define LEAF_SLOTS ((size_t)1 << 12)

typedef struct chunk {
    uint8_t present[CHUNK_LEN / 8];
    uint8_t damaged[CHUNK_LEN / 8]; /* stored value not 32 bytes */
    uint8_t hash[CHUNK_LEN][32];
} chunk;

/* A directory slot: the chunk and the length of its gap-free prefix (0: not loaded). */
typedef struct chunk_ref {
    chunk *c;
    uint64_t n_prefix;
} chunk_ref;

typedef struct chunk_dir {
    chunk_ref *refs;
    uint64_t cap;
} chunk_dir;

/* One log's directories, one per level (dirs[0] unused: leaves are cached separately). */
#define N_LOG_DIRS 4

typedef struct log_dirs {
    int64_t log_id;
    int is_used;
    chunk_dir dirs[64];
} log_dirs;

typedef struct leaf_slot {
    int64_t log_id;
    uint64_t idx;
    int is_valid;
    uint8_t hash[32];
} leaf_slot;

struct ds_ledger_store {
    ds_db *db;
    sqlite3 *handle;
    sqlite3_stmt *stmt[N_STATEMENTS];
    log_dirs logs[N_LOG_DIRS]; /* directories of the logs read most recently */
    unsigned next_victim;      /* round-robin replacement among logs[] */
    size_t n_chunks;
    leaf_slot *leaves; /* LEAF_SLOTS */
    int read_depth;    /* nesting of ds_ledger_store_read_begin */
    int is_reading;    /* the outermost read_begin opened a transaction */
    uint8_t *buf;      /* the entry of the last ds_ledger_store_entry_view */
    size_t buf_cap;
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

/* Frees the chunks of one log's directories (keeping the directories' memory). */
static void forget_log(ds_ledger_store *store, log_dirs *ld)
{
    for (unsigned l = 0; l < 64; l++) {
        chunk_dir *d = &ld->dirs[l];
        for (uint64_t k = 0; k < d->cap; k++) {
            if (d->refs[k].c)
                store->n_chunks--;
            free(d->refs[k].c);
            d->refs[k].c = NULL;
            d->refs[k].n_prefix = 0;
        }
    }
}

/* Empties the chunk cache. */
static void forget_chunks(ds_ledger_store *store)
{
    for (unsigned i = 0; i < N_LOG_DIRS; i++)
        forget_log(store, &store->logs[i]);
    store->n_chunks = 0;
}

/* The directories of log_id, taking over the least recently assigned slot if needed. */
static log_dirs *dirs_of(ds_ledger_store *store, int64_t log_id)
{
    for (unsigned i = 0; i < N_LOG_DIRS; i++) {
        if (store->logs[i].is_used && store->logs[i].log_id == log_id)
            return &store->logs[i];
    }
    log_dirs *ld = &store->logs[store->next_victim];
    store->next_victim = (store->next_victim + 1) % N_LOG_DIRS;
    forget_log(store, ld);
    ld->log_id = log_id;
    ld->is_used = 1;
    return ld;
}

/*
 * The multi-row inserts: entries (log_id, idx, leaf_hash, entry) with ?1 the log and row k's
 * values ?(2+3k) .. ?(4+3k); nodes (log_id, level, idx, hash) with ?1 the log, ?2 the level and
 * row k's values ?(3+2k), ?(4+2k). ROWS_PER_INSERT * 3 + 1 = 193 parameters, far below SQLite's
 * limit (32,766 since 3.32).
 */
static void many_sql(char *buf, size_t cap, int is_nodes)
{
    size_t n = (size_t)snprintf(buf, cap, "%s",
                                is_nodes ? "INSERT INTO nodes (log_id, level, idx, hash) VALUES "
                                         : "INSERT INTO entries (log_id, idx, leaf_hash, entry)"
                                           " VALUES ");
    for (int k = 0; k < ROWS_PER_INSERT && n < cap; k++) {
        if (is_nodes)
            n += (size_t)snprintf(buf + n, cap - n, "%s(?1,?2,?%d,?%d)", k ? "," : "", 3 + 2 * k,
                                  4 + 2 * k);
        else
            n += (size_t)snprintf(buf + n, cap - n, "%s(?1,?%d,?%d,?%d)", k ? "," : "", 2 + 3 * k,
                                  3 + 3 * k, 4 + 3 * k);
    }
}

int ds_ledger_store_new(ds_ledger_store **out, ds_db *db, ds_error *err)
{
    *out = NULL;
    ds_ledger_store *store = calloc(1, sizeof *store);
    if (!store)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    store->db = db;
    store->handle = ds_db_handle(db);
    store->leaves = calloc(LEAF_SLOTS, sizeof *store->leaves);
    if (!store->leaves) {
        ds_ledger_store_free(store);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    /*
     * Proofs read entries and nodes at random: let SQLite map the file (no read system call per
     * page). The page cache is kept at 8 MiB: reads come from the mapping, and every page a
     * growing log adds is a malloc while the cache grows, so 64 MiB made appends 10-20% slower
     * for no faster proofs (bench/ledger.md). Both are limits, not allocations; they apply to
     * this connection only.
     */
    if (sqlite3_exec(store->handle, "PRAGMA mmap_size=1073741824; PRAGMA cache_size=-8192", NULL,
                     NULL, NULL) != SQLITE_OK) {
        int rc = fail(store, err, "configuring the connection");
        ds_ledger_store_free(store);
        return rc;
    }
    char many[2][ROWS_PER_INSERT * 24 + 128];
    many_sql(many[0], sizeof many[0], 0);
    many_sql(many[1], sizeof many[1], 1);
    for (int i = 0; i < N_STATEMENTS; i++) {
        const char *sql = i == ST_ENTRY_INSERT_MANY  ? many[0]
                          : i == ST_NODE_INSERT_MANY ? many[1]
                                                     : statement_sql[i];
        if (sqlite3_prepare_v3(store->handle, sql, -1, SQLITE_PREPARE_PERSISTENT,
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
    forget_chunks(store);
    for (unsigned i = 0; i < N_LOG_DIRS; i++) {
        for (unsigned l = 0; l < 64; l++)
            free(store->logs[i].dirs[l].refs);
    }
    free(store->leaves);
    free(store->buf);
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
    /* What the transaction wrote may be cached: forget everything. */
    forget_chunks(store);
    memset(store->leaves, 0, LEAF_SLOTS * sizeof *store->leaves);
}

int ds_ledger_store_read_begin(ds_ledger_store *store, ds_error *err)
{
    /* Nested: only the outermost call opens (and its matching end closes) the transaction;
     * inside a write transaction there is nothing to open. */
    if (store->read_depth++ > 0 || !sqlite3_get_autocommit(store->handle))
        return 0;
    int rc = sqlite3_step(store->stmt[ST_READ_BEGIN]);
    sqlite3_reset(store->stmt[ST_READ_BEGIN]);
    if (rc != SQLITE_DONE) {
        store->read_depth--;
        return fail(store, err, "starting a read transaction");
    }
    store->is_reading = 1;
    return 0;
}

void ds_ledger_store_read_end(ds_ledger_store *store)
{
    if (store->read_depth == 0 || --store->read_depth > 0 || !store->is_reading)
        return;
    store->is_reading = 0;
    /* A read-only transaction has nothing to lose: COMMIT only releases the snapshot. */
    if (sqlite3_step(store->stmt[ST_READ_END]) != SQLITE_DONE)
        ds_db_rollback(store->db);
    sqlite3_reset(store->stmt[ST_READ_END]);
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
    rc = rc == SQLITE_DONE
             ? ds_error_set(err, DS_ENOTFOUND, "log", "no log with id %lld", (long long)log_id)
             : fail(store, err, "reading the log size");
    done(stmt);
    return rc;
}

int ds_ledger_store_set_size(ds_ledger_store *store, int64_t log_id, uint64_t size, ds_error *err)
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

/*
 * The slot of (log, level, key): the SplitMix64 finaliser (Steele, Lea and Flood 2014) mixes
 * every input bit into the low bits the table uses, so neighbouring keys and equal keys of
 * different levels do not collide systematically.
 */
static size_t slot_of(int64_t log_id, unsigned level, uint64_t key, size_t n_slots)
{
    uint64_t h = key + ((uint64_t)level << 58) + (uint64_t)log_id * 0x9E3779B97F4A7C15u;
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9u;
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBu;
    h ^= h >> 31;
    return (size_t)(h & (n_slots - 1));
}

static void leaf_remember(ds_ledger_store *store, int64_t log_id, uint64_t idx,
                          const uint8_t hash[32])
{
    leaf_slot *slot = &store->leaves[slot_of(log_id, 0, idx, LEAF_SLOTS)];
    slot->log_id = log_id;
    slot->idx = idx;
    slot->is_valid = 1;
    memcpy(slot->hash, hash, 32);
}

int ds_ledger_store_entry_view(ds_ledger_store *store, int64_t log_id, uint64_t idx,
                               const uint8_t **entry, size_t *len, ds_error *err)
{
    *entry = NULL;
    *len = 0;
    /* The sibling's leaf hash comes with the entry: it is the first hash of the entry's proof. */
    sqlite3_stmt *stmt = store->stmt[ST_ENTRY_PAIR];
    sqlite3_bind_int64(stmt, 1, log_id);
    bind_u64(stmt, 2, idx & ~(uint64_t)1);
    bind_u64(stmt, 3, idx | 1);
    int rc, found = 0;
    size_t n = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        uint64_t row_idx = (uint64_t)sqlite3_column_int64(stmt, 0);
        if (row_idx != idx) {
            if (sqlite3_column_bytes(stmt, 2) == 32)
                leaf_remember(store, log_id, row_idx, sqlite3_column_blob(stmt, 2));
            continue;
        }
        const void *blob = sqlite3_column_blob(stmt, 1);
        n = (size_t)sqlite3_column_bytes(stmt, 1);
        if (n + 1 > store->buf_cap) {
            size_t cap = n + 1 > 2 * store->buf_cap ? n + 1 : 2 * store->buf_cap;
            uint8_t *grown = realloc(store->buf, cap);
            if (!grown) {
                done(stmt);
                return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            }
            store->buf = grown;
            store->buf_cap = cap;
        }
        if (n)
            memcpy(store->buf, blob, n);
        store->buf[n] = '\0';
        found = 1;
    }
    if (rc != SQLITE_DONE) {
        rc = fail(store, err, "reading an entry");
        done(stmt);
        return rc;
    }
    done(stmt);
    if (!found)
        return ds_error_set(err, DS_ENOTFOUND, "index", "no entry %llu in the log",
                            (unsigned long long)idx);
    *entry = store->buf;
    *len = n;
    return 0;
}

int ds_ledger_store_get_entry(ds_ledger_store *store, int64_t log_id, uint64_t idx,
                              uint8_t **entry, size_t *len, ds_error *err)
{
    *entry = NULL;
    *len = 0;
    const uint8_t *view;
    size_t n;
    int rc = ds_ledger_store_entry_view(store, log_id, idx, &view, &n, err);
    if (rc)
        return rc;
    uint8_t *copy = malloc(n + 1);
    if (!copy)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    memcpy(copy, view, n + 1);
    *entry = copy;
    *len = n;
    return 0;
}

int ds_ledger_store_put_node(ds_ledger_store *store, int64_t log_id, unsigned level, uint64_t idx,
                             const uint8_t hash[32], ds_error *err)
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

int ds_ledger_store_put_entries(ds_ledger_store *store, int64_t log_id, uint64_t first_idx,
                                size_t n, const uint8_t *const *entries, const size_t *lens,
                                const uint8_t (*leaf_hashes)[32], ds_error *err)
{
    size_t k = 0;
    sqlite3_stmt *stmt = store->stmt[ST_ENTRY_INSERT_MANY];
    for (; n - k >= ROWS_PER_INSERT; k += ROWS_PER_INSERT) {
        sqlite3_bind_int64(stmt, 1, log_id);
        for (int r = 0; r < ROWS_PER_INSERT; r++) {
            size_t j = k + (size_t)r;
            bind_u64(stmt, 2 + 3 * r, first_idx + j);
            sqlite3_bind_blob(stmt, 3 + 3 * r, leaf_hashes[j], 32, SQLITE_STATIC);
            sqlite3_bind_blob64(stmt, 4 + 3 * r, entries[j], (sqlite3_uint64)lens[j],
                                SQLITE_STATIC);
        }
        int rc = sqlite3_step(stmt);
        if (rc != SQLITE_DONE) {
            rc = fail(store, err, "storing entries");
            done(stmt);
            return rc;
        }
        /* Every parameter is rebound next round: a reset without clearing the bindings. */
        sqlite3_reset(stmt);
    }
    sqlite3_clear_bindings(stmt);
    for (; k < n; k++) {
        int rc = ds_ledger_store_put_entry(store, log_id, first_idx + k, entries[k], lens[k],
                                           leaf_hashes[k], err);
        if (rc)
            return rc;
    }
    return 0;
}

int ds_ledger_store_put_nodes(ds_ledger_store *store, int64_t log_id, unsigned level,
                              uint64_t first_idx, size_t n, const uint8_t (*hashes)[32],
                              ds_error *err)
{
    size_t k = 0;
    sqlite3_stmt *stmt = store->stmt[ST_NODE_INSERT_MANY];
    for (; n - k >= ROWS_PER_INSERT; k += ROWS_PER_INSERT) {
        sqlite3_bind_int64(stmt, 1, log_id);
        sqlite3_bind_int(stmt, 2, (int)level);
        for (int r = 0; r < ROWS_PER_INSERT; r++) {
            size_t j = k + (size_t)r;
            bind_u64(stmt, 3 + 2 * r, first_idx + j);
            sqlite3_bind_blob(stmt, 4 + 2 * r, hashes[j], 32, SQLITE_STATIC);
        }
        int rc = sqlite3_step(stmt);
        if (rc != SQLITE_DONE) {
            rc = fail(store, err, "storing tree nodes");
            done(stmt);
            return rc;
        }
        sqlite3_reset(stmt);
    }
    sqlite3_clear_bindings(stmt);
    for (; k < n; k++) {
        int rc = ds_ledger_store_put_node(store, log_id, level, first_idx + k, hashes[k], err);
        if (rc)
            return rc;
    }
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
        rc = rc == SQLITE_DONE ? ds_error_set(err, DS_ENOTFOUND, "nodes",
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

/* Loads (or reloads) the chunk of ref, (log_id, level, base), with one range query. */
static int chunk_load(ds_ledger_store *store, chunk_ref *ref, int64_t log_id, unsigned level,
                      uint64_t base, ds_error *err)
{
    chunk *c = ref->c;
    ref->n_prefix = 0;
    memset(c->present, 0, sizeof c->present);
    memset(c->damaged, 0, sizeof c->damaged);
    sqlite3_stmt *stmt = store->stmt[ST_NODE_RANGE];
    sqlite3_bind_int64(stmt, 1, log_id);
    sqlite3_bind_int(stmt, 2, (int)level);
    bind_u64(stmt, 3, base);
    bind_u64(stmt, 4, base + CHUNK_LEN);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        uint64_t off = (uint64_t)sqlite3_column_int64(stmt, 0) - base;
        if (off >= CHUNK_LEN)
            continue;
        if (sqlite3_column_bytes(stmt, 1) != 32) {
            c->damaged[off / 8] |= (uint8_t)(1u << off % 8);
            continue;
        }
        memcpy(c->hash[off], sqlite3_column_blob(stmt, 1), 32);
        c->present[off / 8] |= (uint8_t)(1u << off % 8);
    }
    if (rc != SQLITE_DONE) {
        rc = fail(store, err, "reading tree nodes");
        done(stmt);
        return rc;
    }
    done(stmt);
    while (ref->n_prefix < CHUNK_LEN && (c->present[ref->n_prefix / 8] >> ref->n_prefix % 8 & 1))
        ref->n_prefix++;
    return 0;
}

int ds_ledger_store_node(ds_ledger_store *store, int64_t log_id, unsigned level, uint64_t idx,
                         uint8_t out[32], ds_error *err)
{
    if (level == 0) {
        leaf_slot *slot = &store->leaves[slot_of(log_id, 0, idx, LEAF_SLOTS)];
        if (slot->is_valid && slot->log_id == log_id && slot->idx == idx) {
            memcpy(out, slot->hash, 32);
            return 0;
        }
        int rc = ds_ledger_store_node_uncached(store, log_id, 0, idx, out, err);
        if (!rc)
            leaf_remember(store, log_id, idx, out);
        return rc;
    }
    uint64_t base = idx & ~(CHUNK_LEN - 1), off = idx - base, k = idx >> CHUNK_BITS;
    if (level >= 64 || k >= DIR_MAX)
        return ds_ledger_store_node_uncached(store, log_id, level, idx, out, err);
    chunk_dir *d = &dirs_of(store, log_id)->dirs[level];
    if (k < d->cap && d->refs[k].c && off < d->refs[k].n_prefix) {
        memcpy(out, d->refs[k].c->hash[off], 32);
        return 0;
    }
    if (k >= d->cap) {
        uint64_t cap = d->cap ? d->cap : 64;
        while (cap <= k)
            cap *= 2;
        chunk_ref *refs = realloc(d->refs, cap * sizeof *refs);
        if (!refs)
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        memset(refs + d->cap, 0, (cap - d->cap) * sizeof *refs);
        d->refs = refs;
        d->cap = cap;
    }
    chunk_ref *ref = &d->refs[k];
    if (!ref->c) {
        if (store->n_chunks == CHUNK_MAX)
            forget_chunks(store);
        if (!(ref->c = calloc(1, sizeof *ref->c)))
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        ref->n_prefix = 0;
        store->n_chunks++;
    }
    /* New, or loaded before this hash was appended, or missing after a gap (then say so). */
    chunk *c = ref->c;
    if (ref->n_prefix == 0 || !(c->present[off / 8] >> off % 8 & 1)) {
        int rc = chunk_load(store, ref, log_id, level, base, err);
        if (rc)
            return rc;
        if (c->damaged[off / 8] >> off % 8 & 1)
            return ds_error_set(err, DS_EMISMATCH, "nodes",
                                "stored hash at level %u index %llu is not 32 bytes", level,
                                (unsigned long long)idx);
        if (!(c->present[off / 8] >> off % 8 & 1))
            return ds_error_set(err, DS_ENOTFOUND, "nodes",
                                "no stored hash at level %u index %llu", level,
                                (unsigned long long)idx);
    }
    memcpy(out, c->hash[off], 32);
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
