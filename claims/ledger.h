/*
 * ledger.h: the provenance ledger's use cases: one RFC 9162 Merkle log per origin, stored in
 * SQLite (data/ledger_store.h), with Ed25519-signed C2SP checkpoints (claims/checkpoint.h).
 *
 * What it guarantees (DESIGN.md section 6, docs/ledger.md):
 *   - an entry is the RFC 8785 canonical JSON of a validated provenance record
 *     (claims/record.h); its leaf hash is SHA-256(0x00 || entry) (claims/merkle.h);
 *   - an append is one transaction: a batch with one invalid record is refused whole, naming
 *     the record ("records[3].ts: ..." or "line 4: ts: ..."), and the log is unchanged;
 *   - every append stores the perfect-subtree hashes it completes (at most log2 n per entry), so
 *     roots and proofs for any size <= n cost O(log n) stored-hash lookups, never a rehash;
 *   - verification trusts nothing stored: ds_ledger_verify recomputes every leaf hash from its
 *     entry and every stored node from the leaves; ds_ledger_verify_entry recomputes the leaf
 *     hash from the stored entry and checks the proof against the root of a checkpoint whose
 *     signature it verified. A tree size is trusted only together with such a root.
 *
 * Errors: DS_EINVAL (invalid record, index or size out of range, naming the field),
 * DS_ENOTFOUND (no such log, entry or checkpoint), DS_ECONFLICT (origin or key file exists),
 * DS_EMISMATCH (a hash, signature or proof check failed, naming the index or checkpoint),
 * DS_EIO (database, naming its path), DS_ENOMEM.
 * Thread safety: a ds_ledger belongs to one thread, like the ds_db it uses.
 */
#ifndef DS_CLAIMS_LEDGER_H
#define DS_CLAIMS_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "claims/merkle.h"
#include "data/db.h"

typedef struct ds_ledger ds_ledger;

/*
 * Creates the log `origin` in db: generates an Ed25519 key file at key_path (mode 0600; an
 * existing file is refused with DS_ECONFLICT, never overwritten), and stores the log with its
 * verifier key. The origin must be a valid C2SP key name (DS_EINVAL, "origin"); an existing
 * origin is DS_ECONFLICT. On failure no log is stored and a key file this call created is
 * removed. If out_verifier_key is not NULL it receives the verifier key text (caller frees).
 */
int ds_ledger_create(ds_db *db, const char *origin, const char *key_path, char **out_verifier_key,
                     ds_error *err);

/*
 * Opens the log named origin in db, or with origin NULL the database's only log
 * (DS_ENOTFOUND when it has none, DS_EUSAGE naming "--log" when it has several).
 * db is borrowed and must outlive the ledger. Caller frees *out with ds_ledger_free.
 */
int ds_ledger_open(ds_ledger **out, ds_db *db, const char *origin, ds_error *err);

/* NULL-safe. */
void ds_ledger_free(ds_ledger *ledger);

/* Borrowed strings, valid while the ledger lives. */
const char *ds_ledger_origin(const ds_ledger *ledger);
const char *ds_ledger_key_path(const ds_ledger *ledger);
const char *ds_ledger_verifier_key(const ds_ledger *ledger);

/*
 * Optional: reads between ds_ledger_read_begin and ds_ledger_read_end (a batch of proofs, the
 * entries of a claim) share one snapshot of the database and take its locks once. Pairs nest;
 * between them the ledger must not append or checkpoint.
 */
int ds_ledger_read_begin(ds_ledger *ledger, ds_error *err);
void ds_ledger_read_end(ds_ledger *ledger);

/* The number of entries (as stored: not a trusted size; see the file comment). */
int ds_ledger_size(ds_ledger *ledger, uint64_t *out, ds_error *err);

/*
 * Appends records[0..n-1] (JSON objects) in one transaction. Each is validated and
 * canonicalised before anything is written; the first invalid one refuses the whole batch:
 * "records[i].field: reason", or with lines not NULL "line lines[i]: field: reason".
 * On success *first_index is the index of the first new entry and *new_size the log size.
 * n == 0 appends nothing and succeeds.
 */
int ds_ledger_append(ds_ledger *ledger, const cJSON *const *records, size_t n, const size_t *lines,
                     uint64_t *first_index, uint64_t *new_size, ds_error *err);

/* Appends already canonical entries without validation (for tests and benchmarks of storage). */
int ds_ledger_append_raw(ds_ledger *ledger, const uint8_t *const *entries, const size_t *lens,
                         size_t n, uint64_t *first_index, uint64_t *new_size, ds_error *err);

/* The root of the first `size` entries; size <= the log size (DS_EINVAL "size" otherwise). */
int ds_ledger_root(ds_ledger *ledger, uint64_t size, uint8_t out[DS_MERKLE_HASH_SIZE],
                   ds_error *err);

/*
 * The inclusion proof of entry `index` in the tree of `size` entries (size <= log size,
 * index < size: DS_EINVAL naming "size" / "index"). leaf_hash receives the leaf hash recomputed
 * from the stored entry; path must hold DS_MERKLE_MAX_PROOF hashes.
 */
int ds_ledger_prove(ds_ledger *ledger, uint64_t index, uint64_t size,
                    uint8_t leaf_hash[DS_MERKLE_HASH_SIZE], uint8_t path[][DS_MERKLE_HASH_SIZE],
                    size_t *n_path, ds_error *err);

/* The consistency proof from size `from` to size `to` (from <= to <= log size). */
int ds_ledger_consistency(ds_ledger *ledger, uint64_t from, uint64_t to,
                          uint8_t path[][DS_MERKLE_HASH_SIZE], size_t *n_path, ds_error *err);

/*
 * Signs the current tree head with the log's key file, stores the checkpoint and returns its
 * signed note in *out_note (caller frees with free()).
 */
int ds_ledger_checkpoint(ds_ledger *ledger, char **out_note, ds_error *err);

/* The most recently stored checkpoint's note (caller frees). DS_ENOTFOUND when none. */
int ds_ledger_latest_checkpoint(ds_ledger *ledger, char **out_note, ds_error *err);

/* What ds_ledger_verify checked. */
typedef struct ds_ledger_verify_report {
    uint64_t size;          /* entries recomputed */
    uint64_t n_nodes;       /* stored subtree hashes recomputed */
    uint64_t n_checkpoints; /* checkpoints whose signature and root were checked */
} ds_ledger_verify_report;

/*
 * Full audit of the stored log against the log's verifier key: every entry present with
 * indices 0..size-1, every stored leaf hash equal to SHA-256(0x00 || entry), every stored node
 * equal to the hash recomputed from the entries (and no node beyond them), every checkpoint's
 * signature valid, its stored size and root equal to its note's, its size within the log and its
 * root equal to the recomputed root at that size. Stops at the first failure: DS_EMISMATCH with a
 * message naming the entry index, node or checkpoint id. report may be NULL.
 */
int ds_ledger_verify(ds_ledger *ledger, ds_ledger_verify_report *report, ds_error *err);

/*
 * Verifies that stored entry `index` is included in the tree of the signed checkpoint `note`
 * under the verifier key text `verifier_key` (the relying party's copy, not the database's):
 * the checkpoint's signature and origin (this log's) must verify, index < checkpoint size <=
 * log size, and the inclusion proof built from stored hashes must lead from the leaf hash
 * recomputed from the stored entry to the checkpoint's root.
 * 0 when included; DS_EMISMATCH (naming "entries[index]" or "checkpoint") when not;
 * DS_EINVAL for a malformed note/key or index out of range; DS_ENOTFOUND for a missing entry.
 * If entry is not NULL it receives a copy of the verified entry (caller frees) and *entry_len
 * its length.
 */
int ds_ledger_verify_entry(ds_ledger *ledger, const char *verifier_key, const char *note,
                           uint64_t index, char **entry, size_t *entry_len, ds_error *err);

/*
 * Verifies that the stored log at the size of checkpoint new_note extends the one at the size
 * of old_note: both notes must verify under verifier_key for this log's origin, and the
 * consistency proof built from stored hashes must connect their roots (DS_EMISMATCH otherwise).
 */
int ds_ledger_verify_extends(ds_ledger *ledger, const char *verifier_key, const char *old_note,
                             const char *new_note, ds_error *err);

/*
 * Stateless check of an inclusion proof, for a relying party holding the entry, the proof and
 * a signed checkpoint: the note must verify under verifier_key (with origin expected_origin,
 * NULL for the key's name), `size` must equal the checkpoint's size (a proof for another size is
 * refused with DS_EMISMATCH naming "size"), and the proof must lead from SHA-256(0x00 || entry)
 * to the checkpoint's root.
 */
int ds_ledger_verify_inclusion(const char *verifier_key, const char *note,
                               const char *expected_origin, uint64_t index, uint64_t size,
                               const uint8_t *entry, size_t entry_len,
                               const uint8_t (*path)[DS_MERKLE_HASH_SIZE], size_t n_path,
                               ds_error *err);

/*
 * Stateless check of a consistency proof between two signed checkpoints of the same log (both
 * verified under verifier_key and expected_origin).
 */
int ds_ledger_verify_consistency(const char *verifier_key, const char *old_note,
                                 const char *new_note, const char *expected_origin,
                                 const uint8_t (*path)[DS_MERKLE_HASH_SIZE], size_t n_path,
                                 ds_error *err);

#endif
