/*
 * merkle.c: RFC 9162 section 2.1 Merkle tree hash, inclusion and consistency proofs and their
 * verification (see merkle.h for the contract and docs/merkle.md for the algorithms).
 *
 * Proof generation walks the RFC's recursive definitions (MTH, PATH, SUBPROOF) from the root
 * down, iteratively, and asks the node source only for RFC-tree nodes. A node D[a:a+s] of the RFC
 * tree is either perfect (s a power of two, a a multiple of s: one stored hash) or lies on the
 * right edge of a smaller tree; the latter's hash is folded from the perfect blocks given by the
 * set bits of s (range_hash). Verification is RFC 9162 2.1.3.2 and 2.1.4.2 step by step.
 *
 * Hashing uses OpenSSL's low-level SHA-256 with a context on the stack: no allocation and no
 * algorithm fetch per call, which the ledger's throughput goals need (>= 200,000 appends/s and
 * >= 100,000 proof verifications/s, about 2,000,000 node hashes/s). OpenSSL 3 marks that API
 * deprecated in favour of EVP, whose per-call EVP_MD_CTX costs several times the hash of 65 bytes;
 * hence OPENSSL_SUPPRESS_DEPRECATED below, limited to this file.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "claims/merkle.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

enum { HASH = DS_MERKLE_HASH_SIZE };

void ds_merkle_leaf_hash(uint8_t out[HASH], const uint8_t *entry, size_t len)
{
    static const uint8_t leaf_prefix = 0x00; /* RFC 9162 2.1.1: MTH({d(0)}) = HASH(0x00 || d(0)) */
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, &leaf_prefix, 1);
    if (len > 0)
        SHA256_Update(&c, entry, len);
    SHA256_Final(out, &c);
}

void ds_merkle_node_hash(uint8_t out[HASH], const uint8_t left[HASH], const uint8_t right[HASH])
{
    /* RFC 9162 2.1.1: MTH(D_n) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])). The buffer copy also
     * makes out aliasing left or right harmless. */
    uint8_t buf[1 + 2 * HASH];
    buf[0] = 0x01;
    memcpy(buf + 1, left, HASH);
    memcpy(buf + 1 + HASH, right, HASH);
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, buf, sizeof buf);
    SHA256_Final(out, &c);
}

void ds_merkle_empty_root(uint8_t out[HASH])
{
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Final(out, &c);
}

/* floor(log2(x)) for x >= 1. */
static unsigned floor_log2(uint64_t x)
{
    assert(x != 0);
    return 63u - (unsigned)__builtin_clzll(x);
}

/* k of RFC 9162 2.1.1: the largest power of two smaller than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
    assert(n >= 2);
    return (uint64_t)1 << floor_log2(n - 1);
}

/* Calls the source, attaching a message only if the source left none (see merkle.h). */
static int get_node(ds_merkle_node_fn get, void *ctx, unsigned level, uint64_t index,
                    uint8_t out[HASH], ds_error *err)
{
    int rc = get(ctx, level, index, out);
    if (rc == 0)
        return 0;
    if (rc > 0)
        rc = DS_EINTERNAL; /* a source broke its contract; never report success */
    if (err && err->code == DS_OK)
        ds_error_set(err, rc, NULL, "merkle node at level %u, index %" PRIu64 ": %s", level,
                     index, ds_error_name(rc));
    return rc;
}

/*
 * out = MTH(D[start:start+size]) for a node of the RFC tree (size >= 1). Its perfect blocks are
 * the set bits of size, largest first; the RFC splits at the largest power of two, so the node is
 * HASH(B_high, HASH(B_next, ... B_low)), folded here from the right.
 */
static int range_hash(uint8_t out[HASH], uint64_t start, uint64_t size, ds_merkle_node_fn get,
                      void *ctx, ds_error *err)
{
    assert(size >= 1);
    int have_acc = 0;
    uint8_t block[HASH];
    for (unsigned level = 0; level < 64; level++) {
        uint64_t bit = (uint64_t)1 << level;
        if (!(size & bit))
            continue;
        /* Blocks left of this one are the higher bits of size. */
        uint64_t higher = level == 63 ? 0 : size & ~((bit << 1) - 1);
        uint64_t block_start = start + higher;
        assert(block_start % bit == 0);
        int rc = get_node(get, ctx, level, block_start >> level, have_acc ? block : out, err);
        if (rc)
            return rc;
        if (have_acc)
            ds_merkle_node_hash(out, block, out);
        have_acc = 1;
    }
    return 0;
}

/* Reverses path[0..n-1]: proofs are built root-first, the RFC lists them leaf-first. */
static void reverse_path(uint8_t path[][HASH], size_t n)
{
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t t[HASH];
        memcpy(t, path[i], HASH);
        memcpy(path[i], path[n - 1 - i], HASH);
        memcpy(path[n - 1 - i], t, HASH);
    }
}

int ds_merkle_root(uint8_t out[HASH], uint64_t size, ds_merkle_node_fn get, void *ctx,
                   ds_error *err)
{
    ds_error_clear(err);
    if (size > DS_MERKLE_MAX_SIZE)
        return ds_error_set(err, DS_EINVAL, "size", "must be at most 2^63");
    if (size == 0) {
        ds_merkle_empty_root(out); /* RFC 9162 2.1.1: MTH({}) = HASH() */
        return 0;
    }
    return range_hash(out, 0, size, get, ctx, err);
}

int ds_merkle_inclusion_proof(uint8_t path[][HASH], size_t *n_path, uint64_t index, uint64_t size,
                              ds_merkle_node_fn get, void *ctx, ds_error *err)
{
    ds_error_clear(err);
    *n_path = 0;
    if (size == 0)
        return ds_error_set(err, DS_EINVAL, "size", "must be positive for an inclusion proof");
    if (size > DS_MERKLE_MAX_SIZE)
        return ds_error_set(err, DS_EINVAL, "size", "must be at most 2^63");
    if (index >= size)
        return ds_error_set(err, DS_EINVAL, "index", "must be less than size %" PRIu64, size);

    /* RFC 9162 2.1.3.1: PATH(m, D_n) = PATH(m, D[0:k]) : MTH(D[k:n])       if m < k
     *                                 = PATH(m - k, D[k:n]) : MTH(D[0:k]) if m >= k
     * walked from the root: (start, n, m) is the current subtree and the index within it. */
    uint64_t start = 0, n = size, m = index;
    size_t depth = 0;
    while (n > 1) {
        uint64_t k = split_point(n);
        assert(depth < DS_MERKLE_MAX_PROOF);
        int rc;
        if (m < k) {
            rc = range_hash(path[depth], start + k, n - k, get, ctx, err);
            n = k;
        } else {
            rc = range_hash(path[depth], start, k, get, ctx, err);
            start += k;
            m -= k;
            n -= k;
        }
        if (rc)
            return rc;
        depth++;
    }
    reverse_path(path, depth);
    *n_path = depth;
    return 0;
}

int ds_merkle_consistency_proof(uint8_t path[][HASH], size_t *n_path, uint64_t from, uint64_t to,
                                ds_merkle_node_fn get, void *ctx, ds_error *err)
{
    ds_error_clear(err);
    *n_path = 0;
    if (to > DS_MERKLE_MAX_SIZE)
        return ds_error_set(err, DS_EINVAL, "to", "must be at most 2^63");
    if (from > to)
        return ds_error_set(err, DS_EINVAL, "from", "must be at most to (%" PRIu64 ")", to);
    /* SUBPROOF(m, D[m], true) = {}; from == 0: nothing to prove (see merkle.h). */
    if (from == 0 || from == to)
        return 0;

    /* RFC 9162 2.1.4.1, SUBPROOF(m, D_n, b):
     *   m == n:  {} if b, else {MTH(D_n)}
     *   m <= k:  SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
     *   m >  k:  SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
     * walked from the root; is_whole_old is b. */
    uint64_t start = 0, n = to, m = from;
    int is_whole_old = 1;
    size_t depth = 0;
    while (m != n) {
        uint64_t k = split_point(n);
        assert(depth < DS_MERKLE_MAX_PROOF);
        int rc;
        if (m <= k) {
            rc = range_hash(path[depth], start + k, n - k, get, ctx, err);
            n = k;
        } else {
            rc = range_hash(path[depth], start, k, get, ctx, err);
            start += k;
            m -= k;
            n -= k;
            is_whole_old = 0;
        }
        if (rc)
            return rc;
        depth++;
    }
    if (!is_whole_old) {
        assert(depth < DS_MERKLE_MAX_PROOF);
        int rc = range_hash(path[depth], start, n, get, ctx, err);
        if (rc)
            return rc;
        depth++;
    }
    reverse_path(path, depth);
    *n_path = depth;
    return 0;
}

static int hash_equal(const uint8_t a[HASH], const uint8_t b[HASH])
{
    return CRYPTO_memcmp(a, b, HASH) == 0;
}

static int check_path_shape(const uint8_t (*path)[HASH], size_t n_path, ds_error *err)
{
    if (n_path > DS_MERKLE_MAX_PROOF)
        return ds_error_set(err, DS_EINVAL, "path", "has %zu hashes, more than the maximum %d",
                            n_path, DS_MERKLE_MAX_PROOF);
    if (n_path > 0 && !path)
        return ds_error_set(err, DS_EINVAL, "path", "is missing");
    return 0;
}

int ds_merkle_verify_inclusion(const uint8_t leaf_hash[HASH], uint64_t index, uint64_t size,
                               const uint8_t (*path)[HASH], size_t n_path,
                               const uint8_t root[HASH], ds_error *err)
{
    ds_error_clear(err);
    if (size == 0)
        return ds_error_set(err, DS_EINVAL, "size", "must be positive for an inclusion proof");
    if (size > DS_MERKLE_MAX_SIZE)
        return ds_error_set(err, DS_EINVAL, "size", "must be at most 2^63");
    /* RFC 9162 2.1.3.2 step 1. */
    if (index >= size)
        return ds_error_set(err, DS_EINVAL, "index", "must be less than size %" PRIu64, size);
    int rc = check_path_shape(path, n_path, err);
    if (rc)
        return rc;

    uint64_t fn = index, sn = size - 1; /* step 2 */
    uint8_t r[HASH];
    memcpy(r, leaf_hash, HASH); /* step 3 */
    for (size_t i = 0; i < n_path; i++) { /* step 4 */
        if (sn == 0)
            return ds_error_set(err, DS_EMISMATCH, "path",
                                "inclusion proof does not verify: %zu hashes too many",
                                n_path - i);
        if ((fn & 1) || fn == sn) {
            ds_merkle_node_hash(r, path[i], r);
            if (!(fn & 1)) {
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            ds_merkle_node_hash(r, r, path[i]);
        }
        fn >>= 1;
        sn >>= 1;
    }
    /* step 5 */
    if (sn != 0)
        return ds_error_set(err, DS_EMISMATCH, "path",
                            "inclusion proof does not verify: too few hashes");
    if (!hash_equal(r, root))
        return ds_error_set(err, DS_EMISMATCH, "root",
                            "inclusion proof does not verify: root mismatch");
    return 0;
}

int ds_merkle_verify_consistency(uint64_t from, uint64_t to, const uint8_t old_root[HASH],
                                 const uint8_t new_root[HASH], const uint8_t (*path)[HASH],
                                 size_t n_path, ds_error *err)
{
    ds_error_clear(err);
    if (to > DS_MERKLE_MAX_SIZE)
        return ds_error_set(err, DS_EINVAL, "to", "must be at most 2^63");
    if (from > to)
        return ds_error_set(err, DS_EINVAL, "from", "must be at most to (%" PRIu64 ")", to);
    int rc = check_path_shape(path, n_path, err);
    if (rc)
        return rc;

    if (from == to) {
        if (n_path != 0)
            return ds_error_set(err, DS_EMISMATCH, "path",
                                "consistency proof between equal sizes must be empty");
        if (!hash_equal(old_root, new_root))
            return ds_error_set(err, DS_EMISMATCH, "root",
                                "equal tree sizes with different roots");
        return 0;
    }
    if (from == 0) {
        uint8_t empty[HASH];
        ds_merkle_empty_root(empty);
        if (n_path != 0)
            return ds_error_set(err, DS_EMISMATCH, "path",
                                "consistency proof from the empty tree must be empty");
        if (!hash_equal(old_root, empty))
            return ds_error_set(err, DS_EMISMATCH, "old_root",
                                "is not the root of the empty tree");
        return 0;
    }

    /* RFC 9162 2.1.4.2, 0 < from < to. */
    if (n_path == 0) /* step 1 */
        return ds_error_set(err, DS_EMISMATCH, "path", "consistency proof is empty");
    /* Step 2: when from is a power of two, old_root is the implicit first element. */
    int is_seeded = (from & (from - 1)) == 0;
    size_t n_total = n_path + (is_seeded ? 1 : 0);
    const uint8_t *first = is_seeded ? old_root : path[0];
    uint64_t fn = from - 1, sn = to - 1; /* step 3 */
    while (fn & 1) { /* step 4 */
        fn >>= 1;
        sn >>= 1;
    }
    uint8_t fr[HASH], sr[HASH];
    memcpy(fr, first, HASH); /* step 5 */
    memcpy(sr, first, HASH);
    for (size_t i = 1; i < n_total; i++) { /* step 6 */
        const uint8_t *c = path[is_seeded ? i - 1 : i];
        if (sn == 0)
            return ds_error_set(err, DS_EMISMATCH, "path",
                                "consistency proof does not verify: %zu hashes too many",
                                n_total - i);
        if ((fn & 1) || fn == sn) {
            ds_merkle_node_hash(fr, c, fr);
            ds_merkle_node_hash(sr, c, sr);
            if (!(fn & 1)) {
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            ds_merkle_node_hash(sr, sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    /* step 7 */
    if (sn != 0)
        return ds_error_set(err, DS_EMISMATCH, "path",
                            "consistency proof does not verify: too few hashes");
    if (!hash_equal(fr, old_root))
        return ds_error_set(err, DS_EMISMATCH, "old_root",
                            "consistency proof does not verify: old root mismatch");
    if (!hash_equal(sr, new_root))
        return ds_error_set(err, DS_EMISMATCH, "new_root",
                            "consistency proof does not verify: new root mismatch");
    return 0;
}

/* ---- in-memory tree ---------------------------------------------------------------------- */

struct ds_merkle_mem {
    uint64_t n_leaves;
    unsigned n_levels;            /* levels with at least one complete subtree */
    uint64_t level_len[64];       /* complete subtrees at each level: n_leaves >> level */
    uint8_t (*level[64])[HASH];   /* borrowed pointers into nodes */
    uint8_t (*nodes)[HASH];       /* all levels, level 0 first; owned */
};

int ds_merkle_mem_new(ds_merkle_mem **out, const uint8_t (*leaf_hashes)[HASH], uint64_t n_leaves,
                      ds_error *err)
{
    ds_error_clear(err);
    *out = NULL;
    if (n_leaves > DS_MERKLE_MAX_SIZE)
        return ds_error_set(err, DS_EINVAL, "size", "must be at most 2^63");
    if (n_leaves > 0 && !leaf_hashes)
        return ds_error_set(err, DS_EINVAL, "leaves", "are missing");
    /* sum over levels of n >> l is below 2n; refuse what cannot be addressed. */
    if (n_leaves > SIZE_MAX / (2 * HASH))
        return ds_error_set(err, DS_ENOMEM, "leaves", "too many for memory (%" PRIu64 ")",
                            n_leaves);
    ds_merkle_mem *mem = calloc(1, sizeof *mem);
    if (!mem)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for the merkle tree");
    mem->n_leaves = n_leaves;
    size_t n_nodes = 0;
    for (unsigned l = 0; l < 64 && (n_leaves >> l) > 0; l++) {
        mem->level_len[l] = n_leaves >> l;
        n_nodes += (size_t)(n_leaves >> l);
        mem->n_levels = l + 1;
    }
    if (n_nodes > 0) {
        mem->nodes = malloc(n_nodes * HASH);
        if (!mem->nodes) {
            free(mem);
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %zu merkle nodes",
                                n_nodes);
        }
        size_t offset = 0;
        for (unsigned l = 0; l < mem->n_levels; l++) {
            mem->level[l] = mem->nodes + offset;
            offset += (size_t)mem->level_len[l];
        }
        memcpy(mem->level[0], leaf_hashes, (size_t)n_leaves * HASH);
        for (unsigned l = 1; l < mem->n_levels; l++) {
            for (uint64_t i = 0; i < mem->level_len[l]; i++)
                ds_merkle_node_hash(mem->level[l][i], mem->level[l - 1][2 * i],
                                    mem->level[l - 1][2 * i + 1]);
        }
    }
    *out = mem;
    return 0;
}

void ds_merkle_mem_free(ds_merkle_mem *mem)
{
    if (!mem)
        return;
    free(mem->nodes);
    free(mem);
}

uint64_t ds_merkle_mem_size(const ds_merkle_mem *mem)
{
    return mem ? mem->n_leaves : 0;
}

int ds_merkle_mem_node(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH])
{
    const ds_merkle_mem *mem = ctx;
    if (!mem || level >= mem->n_levels || index >= mem->level_len[level])
        return DS_EINVAL;
    memcpy(out, mem->level[level][index], HASH);
    return 0;
}

int ds_merkle_frontier_add(uint8_t frontier[64][DS_MERKLE_HASH_SIZE], uint64_t index,
                           const uint8_t leaf[DS_MERKLE_HASH_SIZE], ds_merkle_emit_fn emit,
                           void *ctx)
{
    uint8_t h[DS_MERKLE_HASH_SIZE];
    memcpy(h, leaf, sizeof h);
    unsigned level = 0;
    uint64_t j = index;
    /* Each trailing 1 bit of the index closes a subtree with the frontier's left sibling. */
    while (j & 1) {
        ds_merkle_node_hash(h, frontier[level], h);
        level++;
        j >>= 1;
        if (emit) {
            int rc = emit(ctx, level, j, h);
            if (rc)
                return rc;
        }
    }
    memcpy(frontier[level], h, sizeof h);
    return 0;
}

void ds_merkle_frontier_root(uint8_t out[DS_MERKLE_HASH_SIZE],
                             uint8_t frontier[64][DS_MERKLE_HASH_SIZE], uint64_t size)
{
    if (size == 0) {
        ds_merkle_empty_root(out);
        return;
    }
    /* MTH right to left: the smallest complete subtree first, each larger one to its left. */
    int have = 0;
    for (unsigned l = 0; l < 64; l++) {
        if (!(size >> l & 1))
            continue;
        if (!have) {
            memcpy(out, frontier[l], DS_MERKLE_HASH_SIZE);
            have = 1;
        } else {
            ds_merkle_node_hash(out, frontier[l], out);
        }
    }
}
