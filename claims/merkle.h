/*
 * merkle.h: the Merkle tree of RFC 9162 section 2.1 (Certificate Transparency v2): tree hash,
 * inclusion and consistency proofs and their verification, over any source of stored
 * perfect-subtree hashes.
 *
 * Hashing (RFC 9162 2.1.1, SHA-256 from OpenSSL):
 *     leaf hash  = SHA-256(0x00 || entry)
 *     node hash  = SHA-256(0x01 || left || right)
 *     empty tree = SHA-256("")
 * Roots and proofs are therefore byte-identical to those of any other RFC 6962/9162 log for the
 * same entries.
 *
 * Storage model. A tree of n leaves is made of perfect subtrees: the subtree at (level, index)
 * holds the 2^level leaves starting at leaf index * 2^level, and its hash is stored once it is
 * complete (level 0 = leaf hashes). Every node of the RFC tree is either such a perfect subtree or
 * an incomplete subtree on the right edge, and the latter is composed from at most 64 perfect
 * ones. So a root or a proof for ANY size <= n costs O(log n) calls of the node source and
 * O(log n) hashes, never a rehash of the log. The caller supplies the source (SQLite table for the
 * ledger, an in-memory array for `dsure merkle` and tests) as a ds_merkle_node_fn.
 *
 * Sizes. Tree sizes are uint64_t up to DS_MERKLE_MAX_SIZE (2^63). That bound keeps every
 * inclusion proof at <= 63 hashes and every consistency proof at <= 64, so DS_MERKLE_MAX_PROOF
 * entries always suffice and a longer proof is malformed by definition.
 *
 * Errors: 0 on success, DS_EINVAL for a malformed request or proof (the message names "index",
 * "size", "from", "to" or "path"), DS_EMISMATCH when a well-formed proof does not verify, or the
 * negative code returned by the node source, unchanged.
 *
 * Thread safety: all functions are reentrant; they keep no global state. A node source is called
 * only from the calling thread. A ds_merkle_mem is never written after ds_merkle_mem_new returns,
 * so any number of threads may read it at once (ds_merkle_mem_node, ds_merkle_mem_inclusion_proof
 * and the functions above over it); ds_merkle_mem_new itself may use a second thread internally.
 */
#ifndef DS_CLAIMS_MERKLE_H
#define DS_CLAIMS_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"

#define DS_MERKLE_HASH_SIZE 32
#define DS_MERKLE_MAX_PROOF 64
#define DS_MERKLE_MAX_SIZE ((uint64_t)1 << 63)

/* out = SHA-256(0x00 || entry[0..len-1]). entry may be NULL when len is 0. */
void ds_merkle_leaf_hash(uint8_t out[DS_MERKLE_HASH_SIZE], const uint8_t *entry, size_t len);

/* out = SHA-256(0x01 || left || right). out may alias left or right. */
void ds_merkle_node_hash(uint8_t out[DS_MERKLE_HASH_SIZE], const uint8_t left[DS_MERKLE_HASH_SIZE],
                         const uint8_t right[DS_MERKLE_HASH_SIZE]);

/* out = SHA-256 of the empty string, the root of the empty tree (RFC 9162 2.1.1). */
void ds_merkle_empty_root(uint8_t out[DS_MERKLE_HASH_SIZE]);

/*
 * A source of stored perfect-subtree hashes: writes into out the hash of the complete subtree of
 * 2^level leaves starting at leaf index * 2^level (level 0: the leaf hash of leaf `index`).
 * Returns 0, or a negative DS_E* code that the caller passes back unchanged. The functions below
 * only ask for subtrees that lie entirely inside the tree size they were given.
 *
 * Error reporting: a source cannot see the caller's ds_error, but it may fill one it reaches
 * through ctx (the same object the caller passed as err). When a source fails, the ds_merkle_*
 * function returns its code and, only if err->code is still DS_OK, sets a message naming the
 * level and index; a message the source already wrote is never overwritten.
 */
typedef int (*ds_merkle_node_fn)(void *ctx, unsigned level, uint64_t index,
                                 uint8_t out[DS_MERKLE_HASH_SIZE]);

/*
 * MTH(D[0:size]) (RFC 9162 2.1.1). size 0 gives SHA-256("") and calls no source.
 * Cost: popcount(size) source calls, popcount(size) - 1 hashes.
 * Errors: DS_EINVAL ("size") when size > DS_MERKLE_MAX_SIZE; the source's code.
 */
int ds_merkle_root(uint8_t out[DS_MERKLE_HASH_SIZE], uint64_t size, ds_merkle_node_fn get,
                   void *ctx, ds_error *err);

/*
 * PATH(index, D[0:size]) (RFC 9162 2.1.3.1), leaf-to-root order, into path[0..*n_path-1];
 * path must hold DS_MERKLE_MAX_PROOF hashes. Size 1 gives an empty path.
 * Cost: at most 2 * ceil(log2 size) source calls.
 * Errors: DS_EINVAL ("size") when size is 0 or > DS_MERKLE_MAX_SIZE, ("index") when
 * index >= size; the source's code. On error *n_path is 0.
 */
int ds_merkle_inclusion_proof(uint8_t path[][DS_MERKLE_HASH_SIZE], size_t *n_path, uint64_t index,
                              uint64_t size, ds_merkle_node_fn get, void *ctx, ds_error *err);

/*
 * PROOF(from, D[0:to]) = SUBPROOF(from, D[0:to], true) (RFC 9162 2.1.4.1) into
 * path[0..*n_path-1]; path must hold DS_MERKLE_MAX_PROOF hashes.
 * Edge cases: from == to gives the empty proof (SUBPROOF(m, D[m], true) = {}); from == 0 also
 * gives the empty proof (the RFC defines proofs only for 0 < m; every tree extends the empty
 * one, and ds_merkle_verify_consistency accepts exactly this empty proof).
 * Cost: at most 2 * ceil(log2 to) + 1 source calls.
 * Errors: DS_EINVAL ("from") when from > to, ("to") when to > DS_MERKLE_MAX_SIZE; the
 * source's code. On error *n_path is 0.
 */
int ds_merkle_consistency_proof(uint8_t path[][DS_MERKLE_HASH_SIZE], size_t *n_path,
                                uint64_t from, uint64_t to, ds_merkle_node_fn get, void *ctx,
                                ds_error *err);

/*
 * Verifies an inclusion proof exactly as RFC 9162 2.1.3.2: leaf_hash is the leaf hash (not the
 * entry) of leaf `index` in the tree of `size` leaves whose root is `root`.
 * Returns 0 when the proof verifies, DS_EMISMATCH when it does not (wrong leaf, index, size or
 * root, or a path of the wrong length or content), DS_EINVAL when the request is malformed:
 * ("size") 0 or > DS_MERKLE_MAX_SIZE, ("index") index >= size, ("path") n_path >
 * DS_MERKLE_MAX_PROOF or path NULL with n_path > 0. Root comparison is constant-time.
 */
int ds_merkle_verify_inclusion(const uint8_t leaf_hash[DS_MERKLE_HASH_SIZE], uint64_t index,
                               uint64_t size, const uint8_t (*path)[DS_MERKLE_HASH_SIZE],
                               size_t n_path, const uint8_t root[DS_MERKLE_HASH_SIZE],
                               ds_error *err);

/*
 * Verifies a consistency proof exactly as RFC 9162 2.1.4.2: the tree of `to` leaves with root
 * new_root extends the tree of `from` leaves with root old_root.
 * Edge cases (decided here, documented in docs/merkle.md):
 *   - from == to: valid only with an empty proof and old_root == new_root;
 *   - from == 0:  valid only with an empty proof and old_root == SHA-256("") (the root of the
 *                 empty tree); new_root is not constrained, as any tree extends the empty one;
 *   - 0 < from < to: the RFC algorithm; an empty proof fails.
 * Returns 0 when valid, DS_EMISMATCH when not, DS_EINVAL when malformed: ("from") from > to,
 * ("to") to > DS_MERKLE_MAX_SIZE, ("path") n_path > DS_MERKLE_MAX_PROOF or path NULL with
 * n_path > 0.
 */
int ds_merkle_verify_consistency(uint64_t from, uint64_t to,
                                 const uint8_t old_root[DS_MERKLE_HASH_SIZE],
                                 const uint8_t new_root[DS_MERKLE_HASH_SIZE],
                                 const uint8_t (*path)[DS_MERKLE_HASH_SIZE], size_t n_path,
                                 ds_error *err);

/*
 * An in-memory tree over a list of leaf hashes with every perfect-subtree level precomputed
 * (about 2n hashes of memory), and the hashes of the right edge of the full tree (the at most 64
 * nodes D[a:n] of the RFC tree that are not perfect subtrees), for the stateless `dsure merkle`
 * tool, claims verification over a recomputed log, and tests.
 */
typedef struct ds_merkle_mem ds_merkle_mem;

/*
 * Builds the tree over leaf_hashes[0..n_leaves-1] (copied; leaf_hashes may be NULL when
 * n_leaves is 0). Caller frees *out with ds_merkle_mem_free. Cost: fewer than n_leaves node
 * hashes (n_leaves - popcount(n_leaves) for the levels, at most popcount(n_leaves) - 1 for the
 * right edge), the levels split over two threads from 65,536 leaves (the same result; if no
 * thread can be created they are built on the calling thread) and held on transparent huge
 * pages where the kernel allows (data/big_alloc.h).
 * Errors: DS_EINVAL ("size") when n_leaves > DS_MERKLE_MAX_SIZE, DS_ENOMEM.
 */
int ds_merkle_mem_new(ds_merkle_mem **out, const uint8_t (*leaf_hashes)[DS_MERKLE_HASH_SIZE],
                      uint64_t n_leaves, ds_error *err);

/* NULL-safe. */
void ds_merkle_mem_free(ds_merkle_mem *mem);

/* The number of leaves. */
uint64_t ds_merkle_mem_size(const ds_merkle_mem *mem);

/*
 * The ds_merkle_node_fn over a ds_merkle_mem (pass the ds_merkle_mem as ctx). Returns DS_EINVAL
 * for a subtree that is not complete within the leaves it holds.
 */
int ds_merkle_mem_node(void *ctx, unsigned level, uint64_t index,
                       uint8_t out[DS_MERKLE_HASH_SIZE]);

/*
 * ds_merkle_inclusion_proof(path, n_path, index, size, ds_merkle_mem_node, mem, err), the same
 * bytes and errors, but for size == ds_merkle_mem_size(mem) from stored hashes only: no node hash
 * and no callback, about ceil(log2 size) copies of 32 bytes. Any other size (or a request to
 * refuse) goes through ds_merkle_inclusion_proof unchanged; a NULL mem is DS_EINVAL ("tree").
 * Safe to call from several threads on the same mem.
 */
int ds_merkle_mem_inclusion_proof(uint8_t path[][DS_MERKLE_HASH_SIZE], size_t *n_path,
                                  const ds_merkle_mem *mem, uint64_t index, uint64_t size,
                                  ds_error *err);

/*
 * The right frontier of an append-only tree: frontier[l] is the hash of the last complete
 * subtree of 2^l leaves, which is all an append needs (RFC 9162 2.1.1, built left to right).
 * ds_merkle_frontier_add folds leaf `index` (the tree then has index + 1 leaves) into it and
 * calls emit (may be NULL) for each complete subtree of level >= 1 it finishes, with its level
 * and index; it returns emit's first non-zero result. ds_merkle_frontier_root gives the root of
 * the first `size` leaves from the frontier left after adding leaf size - 1.
 */
typedef int (*ds_merkle_emit_fn)(void *ctx, unsigned level, uint64_t index,
                                 const uint8_t hash[DS_MERKLE_HASH_SIZE]);

int ds_merkle_frontier_add(uint8_t frontier[64][DS_MERKLE_HASH_SIZE], uint64_t index,
                           const uint8_t leaf[DS_MERKLE_HASH_SIZE], ds_merkle_emit_fn emit,
                           void *ctx);

void ds_merkle_frontier_root(uint8_t out[DS_MERKLE_HASH_SIZE],
                             uint8_t frontier[64][DS_MERKLE_HASH_SIZE], uint64_t size);

#endif
