/*
 * ledger_store.h: the SQLite tables of the provenance ledger (logs, entries, nodes, checkpoints;
 * schema in data/db.c, step 1) behind prepared statements.
 *
 * This is storage only: it never hashes, validates or signs. claims/ledger.c holds the rules
 * (what an entry is, how nodes are derived, when a size is trusted). Statements are prepared once
 * per store and reset after each use; appends insert 64 rows per statement (_put_entries,
 * _put_nodes), so a row costs its binds and a 64th of a statement run.
 *
 * Node reads (ds_ledger_store_node) go through a cache (ledger_store.c explains its layout;
 * at most about 70 MiB). Stored hashes are immutable once committed (the log is append-only), so
 * a cached value stays right while other processes append; the cache is dropped on every
 * rollback, so nothing uncommitted outlives its transaction. A process that rewrites the tables
 * behind the store's back (a tamper test) must open a new store to see the change.
 * `ledger verify` never reads through the cache.
 *
 * The store sets two limits on its connection: mmap_size (1 GiB of address space, so random
 * reads need no system call) and cache_size (8 MiB of pages).
 *
 * Errors: DS_EIO naming the database path (SQLite failures), DS_ENOTFOUND for a missing log or
 * row, DS_ECONFLICT for an origin that already exists, DS_ENOMEM.
 * Thread safety: one store per thread, like its ds_db.
 */
#ifndef DS_DATA_LEDGER_STORE_H
#define DS_DATA_LEDGER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"
#include "data/db.h"

typedef struct ds_ledger_store ds_ledger_store;

/* One row of logs. Strings are malloc'd; release with ds_ledger_log_clear. */
typedef struct ds_ledger_log {
    int64_t id;
    char *origin;
    char *key_path;
    char *verifier_key;
    uint64_t size;
} ds_ledger_log;

/* Frees the strings of log and zeroes it. NULL-safe. */
void ds_ledger_log_clear(ds_ledger_log *log);

/* A stored checkpoint, as handed to ds_ledger_store_each_checkpoint's callback (borrowed). */
typedef struct ds_ledger_checkpoint_row {
    int64_t id;
    uint64_t size;
    const uint8_t *root;
    size_t root_len;
    const char *note;
    const char *created;
} ds_ledger_checkpoint_row;

/* Prepares the statements on db (borrowed: it must outlive the store). Free with _free. */
int ds_ledger_store_new(ds_ledger_store **out, ds_db *db, ds_error *err);
void ds_ledger_store_free(ds_ledger_store *store);

/* The database, borrowed. */
ds_db *ds_ledger_store_db(const ds_ledger_store *store);

/* Transactions on the store's database; rollback also drops the node cache. */
int ds_ledger_store_begin(ds_ledger_store *store, ds_error *err);
int ds_ledger_store_commit(ds_ledger_store *store, ds_error *err);
void ds_ledger_store_rollback(ds_ledger_store *store);

/*
 * Read transactions: every read between _read_begin and _read_end sees one snapshot of the
 * database and the locks are taken once, not once per statement (a proof makes O(log n)
 * lookups). Calls nest: only the outermost pair opens and closes the transaction, and inside a
 * write transaction they do nothing.
 */
int ds_ledger_store_read_begin(ds_ledger_store *store, ds_error *err);
void ds_ledger_store_read_end(ds_ledger_store *store);

/* Inserts a log of size 0. DS_ECONFLICT ("origin") when the origin exists. */
int ds_ledger_store_create_log(ds_ledger_store *store, int64_t *out_id, const char *origin,
                               const char *key_path, const char *verifier_key, ds_error *err);

/*
 * Finds the log named origin, or with origin NULL the only log of the database.
 * DS_ENOTFOUND when there is no such log (or no log at all); DS_EUSAGE ("--log") when origin is
 * NULL and the database holds several. On success the caller clears *out.
 */
int ds_ledger_store_find_log(ds_ledger_store *store, ds_ledger_log *out, const char *origin,
                             ds_error *err);

/* Number of logs in the database. */
int ds_ledger_store_count_logs(ds_ledger_store *store, int64_t *out, ds_error *err);

/* Reads / writes logs.size for log_id. */
int ds_ledger_store_size(ds_ledger_store *store, int64_t log_id, uint64_t *out, ds_error *err);
int ds_ledger_store_set_size(ds_ledger_store *store, int64_t log_id, uint64_t size, ds_error *err);

/* Inserts entry idx with its leaf hash (32 bytes). A duplicate index is DS_EIO. */
int ds_ledger_store_put_entry(ds_ledger_store *store, int64_t log_id, uint64_t idx,
                              const uint8_t *entry, size_t len, const uint8_t leaf_hash[32],
                              ds_error *err);

/*
 * Inserts entries first_idx .. first_idx+n-1 (entries[k] of lens[k] bytes, leaf hash
 * leaf_hashes[k]), ROWS_PER_INSERT (64) rows per SQL statement: the append path. Same errors as
 * ds_ledger_store_put_entry; on failure some rows may be inserted, so the caller rolls back.
 */
int ds_ledger_store_put_entries(ds_ledger_store *store, int64_t log_id, uint64_t first_idx,
                                size_t n, const uint8_t *const *entries, const size_t *lens,
                                const uint8_t (*leaf_hashes)[32], ds_error *err);

/* Inserts the nodes (level, first_idx + k) = hashes[k] for k < n, like put_entries. */
int ds_ledger_store_put_nodes(ds_ledger_store *store, int64_t log_id, unsigned level,
                              uint64_t first_idx, size_t n, const uint8_t (*hashes)[32],
                              ds_error *err);

/*
 * Reads entry idx into *entry (malloc'd, NUL-terminated for convenience, caller frees with
 * free()) and its length; the same query caches the stored leaf hash of its sibling (idx ^ 1),
 * the first hash of its inclusion proof. DS_ENOTFOUND ("index") when absent.
 */
int ds_ledger_store_get_entry(ds_ledger_store *store, int64_t log_id, uint64_t idx,
                              uint8_t **entry, size_t *len, ds_error *err);

/*
 * The same without a copy for the caller: *entry points into a buffer of the store
 * (NUL-terminated),
 * valid until the next call of this function or _get_entry, or _free. For proofs, which only
 * hash the entry.
 */
int ds_ledger_store_entry_view(ds_ledger_store *store, int64_t log_id, uint64_t idx,
                               const uint8_t **entry, size_t *len, ds_error *err);

/* Inserts the perfect-subtree hash at (level >= 1, idx). */
int ds_ledger_store_put_node(ds_ledger_store *store, int64_t log_id, unsigned level, uint64_t idx,
                             const uint8_t hash[32], ds_error *err);

/*
 * The stored hash of the perfect subtree (level, idx): level 0 is the leaf hash column of the
 * entry, higher levels the nodes table. DS_ENOTFOUND when absent, DS_EMISMATCH when the stored
 * value is not 32 bytes (a damaged database). Cached (see above).
 */
int ds_ledger_store_node(ds_ledger_store *store, int64_t log_id, unsigned level, uint64_t idx,
                         uint8_t out[32], ds_error *err);

/* The same, always from the database (for verification). */
int ds_ledger_store_node_uncached(ds_ledger_store *store, int64_t log_id, unsigned level,
                                  uint64_t idx, uint8_t out[32], ds_error *err);

/* Number of rows of nodes for log_id. */
int ds_ledger_store_count_nodes(ds_ledger_store *store, int64_t log_id, int64_t *out,
                                ds_error *err);

/*
 * Calls fn for every entry of log_id in index order, with borrowed data valid during the call:
 * the index, entry bytes and stored leaf hash (leaf_len bytes, normally 32). A non-zero return
 * of fn stops the scan and is returned.
 */
typedef int (*ds_ledger_entry_fn)(void *ctx, uint64_t idx, const uint8_t *entry, size_t len,
                                  const uint8_t *leaf_hash, size_t leaf_len);
int ds_ledger_store_each_entry(ds_ledger_store *store, int64_t log_id, ds_ledger_entry_fn fn,
                               void *ctx, ds_error *err);

/* Stores a checkpoint; created is an RFC 3339 UTC time. */
int ds_ledger_store_put_checkpoint(ds_ledger_store *store, int64_t log_id, uint64_t size,
                                   const uint8_t root[32], const char *note, const char *created,
                                   ds_error *err);

/* Calls fn for every checkpoint of log_id in the order they were stored. */
typedef int (*ds_ledger_checkpoint_fn)(void *ctx, const ds_ledger_checkpoint_row *row);
int ds_ledger_store_each_checkpoint(ds_ledger_store *store, int64_t log_id,
                                    ds_ledger_checkpoint_fn fn, void *ctx, ds_error *err);

/*
 * The note of the most recently stored checkpoint of log_id into *note (malloc'd, caller frees).
 * DS_ENOTFOUND when the log has none.
 */
int ds_ledger_store_latest_checkpoint(ds_ledger_store *store, int64_t log_id, char **note,
                                      ds_error *err);

#endif
