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
 * The in-memory tree (ds_merkle_mem, at the bottom) stores every perfect subtree and, once, the
 * hashes of the right spine of its full size (the nodes D[a:n] of the RFC tree, at most 64), so
 * ds_merkle_mem_inclusion_proof for the full size is lookups only, no hashing. Its levels are
 * built on two threads for large trees (the two halves of each level are independent); nothing
 * is written after ds_merkle_mem_new returns, so any number of threads may read it.
 *
 * Hashing uses OpenSSL's low-level SHA-256 with a context on the stack: no allocation and no
 * algorithm fetch per call, which the ledger's throughput goals need (>= 200,000 appends/s and
 * >= 100,000 proof verifications/s, about 2,000,000 node hashes/s). OpenSSL 3 marks that API
 * deprecated in favour of EVP, whose per-call EVP_MD_CTX costs several times the hash of 65 bytes
 * (so does the one-shot SHA256(), which fetches the algorithm on each call in OpenSSL 3: about
 * 400 ns against 110 ns here); hence OPENSSL_SUPPRESS_DEPRECATED below, limited to this file.
 * A node hash feeds the two SHA-256 blocks of 0x01 || left || right already padded (FIPS 180-4
 * 5.1.1) to one SHA256_Update and reads the state words, skipping SHA256_Final's buffering and
 * padding: about 10% faster (93-98 against 103-109 ns on the development machine).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "claims/merkle.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "data/big_alloc.h"

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
    /* RFC 9162 2.1.1: MTH(D_n) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])). The 65-byte message
     * padded as FIPS 180-4 5.1.1 says: a 1 bit (0x80), zeros, and the message length in bits
     * (65 * 8 = 520 = 0x0208) big-endian in the last 8 bytes of the second block. Hashing the two
     * blocks with SHA256_Update leaves the digest in c.h[0..7] (FIPS 180-4 6.2.2 step 4), which
     * is what SHA256_Final would serialize big-endian after padding the same way. The buffer copy
     * also makes out aliasing left or right harmless. */
    uint8_t blocks[2 * SHA256_CBLOCK];
    blocks[0] = 0x01;
    memcpy(blocks + 1, left, HASH);
    memcpy(blocks + 1 + HASH, right, HASH);
    blocks[1 + 2 * HASH] = 0x80;
    memset(blocks + 2 + 2 * HASH, 0, sizeof blocks - 2 - 2 * HASH - 2);
    blocks[sizeof blocks - 2] = 0x02;
    blocks[sizeof blocks - 1] = 0x08;
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, blocks, sizeof blocks);
    /* Big-endian words. Written as bswap + 4-byte stores: GCC turns the byte-by-byte form into
     * a slow vector shuffle (the whole hash then cost 119 instead of 93 ns). */
    for (unsigned i = 0; i < 8; i++) {
        uint32_t w = (uint32_t)c.h[i];
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        w = __builtin_bswap32(w);
        memcpy(out + 4 * i, &w, 4);
#else
        out[4 * i] = (uint8_t)(w >> 24);
        out[4 * i + 1] = (uint8_t)(w >> 16);
        out[4 * i + 2] = (uint8_t)(w >> 8);
        out[4 * i + 3] = (uint8_t)w;
#endif
    }
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
    uint8_t (*nodes)[HASH];       /* all levels, level 0 first; owned (ds_big_calloc) */
    size_t n_nodes;
    /* The right spine of the RFC tree of n_leaves: spine[d] = MTH(D[spine_start[d]:n_leaves]),
     * spine_start[0] = 0 (the root), spine_start[d + 1] = spine_start[d] + k (k of RFC 9162
     * 2.1.1 for the size n_leaves - spine_start[d]); it ends at the first size that is a power
     * of two (that node is perfect). */
    unsigned n_spine;
    uint64_t spine_start[64];
    uint8_t spine[64][HASH];
};

/* Trees of at least this many leaves build their levels on two threads. Below it the thread's
 * start-up (tens of microseconds) is not repaid: 65,536 node hashes take about 6 ms. */
enum { MEM_PARALLEL_MIN = 65536 };
/* Levels 1..MEM_SPLIT_LEVEL are built in two halves split at a multiple of 2^MEM_SPLIT_LEVEL
 * leaves, so no node of the first half has a child in the second; the levels above (at most
 * n / 2^MEM_SPLIT_LEVEL nodes, 0.1% of the work) are built after the join. */
enum { MEM_SPLIT_LEVEL = 10 };

/* Leaves [lo, hi) copied from the caller's array, then nodes [lo >> l, hi >> l) of levels
 * 1..top, each from the level below: lo and hi are multiples of 2^top, or hi is n_leaves (then
 * each level runs to its end). The copy is part of it because most of its cost is the first
 * touch of fresh pages, which two threads take in parallel. */
typedef struct {
    ds_merkle_mem *mem;
    const uint8_t (*leaves)[HASH];
    uint64_t lo, hi;
    unsigned top;
} mem_part;

static void build_part(const mem_part *p)
{
    ds_merkle_mem *mem = p->mem;
    memcpy(mem->level[0][p->lo], p->leaves[p->lo], (size_t)(p->hi - p->lo) * HASH);
    for (unsigned l = 1; l <= p->top; l++) {
        uint64_t first = p->lo >> l;
        uint64_t last = p->hi == mem->n_leaves ? mem->level_len[l] : p->hi >> l;
        for (uint64_t i = first; i < last; i++)
            ds_merkle_node_hash(mem->level[l][i], mem->level[l - 1][2 * i],
                                mem->level[l - 1][2 * i + 1]);
    }
}

static void *build_part_thread(void *arg)
{
    build_part(arg);
    return NULL;
}

/* All levels: the same hashes in the same places whether one thread or two compute them (each
 * node is written once, from children written before it, by the same thread or before the
 * join). */
static void build_levels(ds_merkle_mem *mem, const uint8_t (*leaves)[HASH])
{
    unsigned top_shared = 0; /* levels 1..top_shared built in two halves */
    if (mem->n_leaves >= MEM_PARALLEL_MIN) {
        top_shared = MEM_SPLIT_LEVEL < mem->n_levels - 1 ? MEM_SPLIT_LEVEL : mem->n_levels - 1;
        uint64_t grain = (uint64_t)1 << top_shared;
        uint64_t mid = mem->n_leaves / 2 / grain * grain; /* >= grain as n >= 2^16 > 2 grain */
        mem_part left = {mem, leaves, 0, mid, top_shared};
        mem_part right = {mem, leaves, mid, mem->n_leaves, top_shared};
        pthread_t t;
        if (pthread_create(&t, NULL, build_part_thread, &right) == 0) {
            build_part(&left);
            pthread_join(t, NULL);
        } else { /* no thread to be had: the same work, serially */
            build_part(&left);
            build_part(&right);
        }
    } else {
        memcpy(mem->level[0], leaves, (size_t)mem->n_leaves * HASH);
    }
    for (unsigned l = top_shared + 1; l < mem->n_levels; l++) {
        for (uint64_t i = 0; i < mem->level_len[l]; i++)
            ds_merkle_node_hash(mem->level[l][i], mem->level[l - 1][2 * i],
                                mem->level[l - 1][2 * i + 1]);
    }
}

/* The right spine (see the struct): starts top-down, hashes bottom-up, each spine node being
 * node(perfect left part, next spine node) by RFC 9162 2.1.1. At most popcount(n) - 1 hashes. */
static void build_spine(ds_merkle_mem *mem)
{
    uint64_t n = mem->n_leaves;
    if (n == 0)
        return;
    uint64_t start = 0;
    unsigned d = 0;
    for (;;) {
        assert(d < 64);
        mem->spine_start[d] = start;
        uint64_t size = n - start;
        if ((size & (size - 1)) == 0) { /* perfect: stored */
            unsigned l = floor_log2(size);
            memcpy(mem->spine[d], mem->level[l][start >> l], HASH);
            break;
        }
        start += split_point(size);
        d++;
    }
    mem->n_spine = d + 1;
    while (d-- > 0) {
        uint64_t k = mem->spine_start[d + 1] - mem->spine_start[d];
        unsigned l = floor_log2(k);
        ds_merkle_node_hash(mem->spine[d], mem->level[l][mem->spine_start[d] >> l],
                            mem->spine[d + 1]);
    }
}

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
        /* On transparent huge pages where the kernel allows: a 10^6-leaf tree is 64 MB, and
         * faulting it in 4 KiB pages cost about as much as hashing it (see build_part). */
        mem->nodes = ds_big_calloc(n_nodes, HASH);
        mem->n_nodes = n_nodes;
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
        build_levels(mem, leaf_hashes);
        build_spine(mem);
    }
    *out = mem;
    return 0;
}

void ds_merkle_mem_free(ds_merkle_mem *mem)
{
    if (!mem)
        return;
    ds_big_free(mem->nodes, mem->n_nodes, HASH);
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

int ds_merkle_mem_inclusion_proof(uint8_t path[][HASH], size_t *n_path, const ds_merkle_mem *mem,
                                  uint64_t index, uint64_t size, ds_error *err)
{
    if (!mem) {
        *n_path = 0;
        return ds_error_set(err, DS_EINVAL, "tree", "is missing");
    }
    if (size != mem->n_leaves || size == 0 || index >= size)
        /* Another size, or a request to refuse: the generic walk, with its checks and messages
         * (the source only reads mem; the cast drops const for the callback's signature). */
        return ds_merkle_inclusion_proof(path, n_path, index, size, ds_merkle_mem_node,
                                         (void *)(uintptr_t)mem, err);
    ds_error_clear(err);
    /* The walk of ds_merkle_inclusion_proof (RFC 9162 2.1.3.1). A subtree whose size n is not a
     * power of two lies on the right spine, at spine index d: its right part D[start+k:size] is
     * spine node d + 1, stored. Every other sibling is perfect: (log2 k, first leaf >> log2 k). */
    uint64_t start = 0, n = size, m = index;
    unsigned d = 0;
    size_t depth = 0;
    while (n > 1) {
        uint64_t k = split_point(n);
        unsigned l = floor_log2(k);
        int is_spine = (n & (n - 1)) != 0;
        assert(depth < DS_MERKLE_MAX_PROOF);
        if (m < k) {
            if (is_spine) {
                assert(d + 1 < mem->n_spine && mem->spine_start[d + 1] == start + k);
                memcpy(path[depth], mem->spine[d + 1], HASH);
            } else {
                memcpy(path[depth], mem->level[l][(start + k) >> l], HASH);
            }
            n = k;
        } else {
            memcpy(path[depth], mem->level[l][start >> l], HASH);
            start += k;
            m -= k;
            n -= k;
            if (is_spine)
                d++;
        }
        depth++;
    }
    reverse_path(path, depth);
    *n_path = depth;
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
