/*
 * test_merkle.c: the RFC 9162 Merkle core (claims/merkle.c) against published test vectors and
 * against a second, independent implementation written here straight from the RFC.
 *
 * Published vectors (data only, copied as hex; no code copied):
 *   - google/certificate-transparency, cpp/merkletree/merkle_tree_test.cc: the 8 reference
 *     inputs kInputs, the roots kSHA256Roots for sizes 1..8, the paths kSHA256Paths and the
 *     consistency proofs kSHA256Proofs.
 *   - transparency-dev/merkle, testonly/constants.go: LeafInputs (the same 8 inputs),
 *     NodeHashes (every complete subtree of the 8-leaf tree, by level) and RootHashes (sizes 0..8,
 *     with SHA-256("") for the empty tree).
 *   - transparency-dev/merkle, proof/verify_test.go: inclusionProofs and consistencyProofs
 *     (the CT vectors plus the 6 -> 7 consistency proof).
 *   - transparency-dev/merkle, proof/proof_test.go, TestInclusion and TestConsistency: which
 *     nodes (level, index) make up each proof for sizes up to 8, including the nodes that must be
 *     rehashed on the right edge; turned into hashes here through NodeHashes.
 *
 * Independent check: ref_* below implement MTH, PATH and SUBPROOF of RFC 9162 2.1.1, 2.1.3.1 and
 * 2.1.4.1 literally (recursion over the array of leaves, hashing through OpenSSL's EVP interface
 * rather than merkle.c's), and every root, inclusion proof and consistency proof of
 * claims/merkle.c for every 0 < m <= n <= 300 and every index < n <= 300 is compared with them
 * and verified. The node source used for that counts its calls and checks that only complete
 * subtrees inside the requested size are asked for, which is the O(log n) storage contract.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "claims/merkle.h"
#include "data/hex.h"
#include "tests/ds_test.h"

enum { H = DS_MERKLE_HASH_SIZE };

/* ---- published vectors -------------------------------------------------------------------- */

/* kInputs / LeafInputs(): the leaf entries (hex) of the reference tree. */
static const char *const vec_inputs[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

/* RootHashes(): roots for sizes 0..8 (= kSHA256Roots for 1..8). */
static const char *const vec_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

/* NodeHashes(): complete subtrees of the 8-leaf tree; [level][index], 8 >> level per level. */
static const char *const vec_nodes[4][8] = {
    {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
     "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
     "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
     "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
     "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
     "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
     "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
     "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"},
    {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
     "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
     "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
     "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"},
    {"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
     "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"},
    {"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"},
};

/* A proof vector: 0-based leaf index (or old size), tree size, and up to 5 hex hashes. */
typedef struct {
    uint64_t a, size;
    size_t n;
    const char *path[5];
} vec_proof;

/* kSHA256Paths / inclusionProofs (their "leaf" is 1-based; converted to 0-based here). */
static const vec_proof vec_inclusion[] = {
    {0, 1, 0, {NULL}},
    {0, 8, 3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8, 3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5, 3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

/* kSHA256Proofs / consistencyProofs (old size, new size, proof). */
static const vec_proof vec_consistency[] = {
    {1, 1, 0, {NULL}},
    {1, 8, 3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8, 3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5, 2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6, 7, 3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

/*
 * proof/proof_test.go (TestInclusion, TestConsistency): proofs as node ids. A node is
 * {level, index} into NodeHashes; {9, 0} stands for node "l" of their size-7 picture, the
 * right-edge subtree D[4:7] = HASH(i, j) = HASH(node(1,2), node(0,6)), which their Nodes.Rehash
 * folds from "j i". Only the sizes <= 8 the NodeHashes cover are taken.
 */
typedef struct {
    unsigned level;
    uint64_t index;
} vec_node;

typedef struct {
    uint64_t a, size;
    size_t n;
    vec_node nodes[5];
} vec_shape;

#define L47 {9, 0}
static const vec_shape shape_inclusion[] = {
    {0, 2, 1, {{0, 1}}},
    {1, 2, 1, {{0, 0}}},
    {1, 3, 2, {{0, 0}, {0, 2}}},
    {0, 7, 3, {{0, 1}, {1, 1}, L47}},
    {1, 7, 3, {{0, 0}, {1, 1}, L47}},
    {2, 7, 3, {{0, 3}, {1, 0}, L47}},
    {3, 7, 3, {{0, 2}, {1, 0}, L47}},
    {4, 7, 3, {{0, 5}, {0, 6}, {2, 0}}},
    {5, 7, 3, {{0, 4}, {0, 6}, {2, 0}}},
    {6, 7, 2, {{1, 2}, {2, 0}}},
    {2, 4, 2, {{0, 3}, {1, 0}}},
    {3, 5, 3, {{0, 2}, {1, 0}, {0, 4}}},
    {3, 6, 3, {{0, 2}, {1, 0}, {1, 2}}},
    {4, 6, 2, {{0, 5}, {2, 0}}},
};

static const vec_shape shape_consistency[] = {
    {1, 2, 1, {{0, 1}}},
    {1, 4, 2, {{0, 1}, {1, 1}}},
    {1, 6, 3, {{0, 1}, {1, 1}, {1, 2}}},
    {2, 3, 1, {{0, 2}}},
    {2, 8, 2, {{1, 1}, {2, 1}}},
    {3, 7, 4, {{0, 2}, {0, 3}, {1, 0}, L47}},
    {4, 7, 1, {L47}},
    {5, 7, 4, {{0, 4}, {0, 5}, {0, 6}, {2, 0}}},
    {6, 7, 3, {{1, 2}, {0, 6}, {2, 0}}},
    {7, 8, 4, {{0, 6}, {0, 7}, {1, 2}, {2, 0}}},
    {2, 4, 1, {{1, 1}}},
    {3, 5, 4, {{0, 2}, {0, 3}, {1, 0}, {0, 4}}},
    {3, 6, 4, {{0, 2}, {0, 3}, {1, 0}, {1, 2}}},
    {4, 6, 1, {{1, 2}}},
    {1, 7, 3, {{0, 1}, {1, 1}, L47}},
};

/* ---- helpers ------------------------------------------------------------------------------ */

static void unhex(uint8_t *out, size_t len, const char *hex)
{
    ds_error err;
    int rc = ds_hex_decode_exact(out, len, hex, "vector", &err);
    CU_ASSERT_FATAL(rc == 0);
}

static void unhex_hash(uint8_t out[H], const char *hex)
{
    unhex(out, H, hex);
}

static void input_leaf_hash(uint8_t out[H], size_t i)
{
    uint8_t entry[16];
    size_t n;
    ds_error err;
    CU_ASSERT_FATAL(ds_hex_decode(entry, sizeof entry, &n, vec_inputs[i], strlen(vec_inputs[i]),
                                  "input", &err) == 0);
    ds_merkle_leaf_hash(out, entry, n);
}

static ds_merkle_mem *vector_tree(void)
{
    uint8_t leaves[8][H];
    for (size_t i = 0; i < 8; i++)
        input_leaf_hash(leaves[i], i);
    ds_merkle_mem *mem = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_merkle_mem_new(&mem, (const uint8_t (*)[H])leaves, 8, &err) == 0);
    return mem;
}

static void shape_node(uint8_t out[H], vec_node node)
{
    if (node.level == 9) {
        uint8_t i[H], j[H];
        unhex_hash(i, vec_nodes[1][2]);
        unhex_hash(j, vec_nodes[0][6]);
        ds_merkle_node_hash(out, i, j);
        return;
    }
    unhex_hash(out, vec_nodes[node.level][node.index]);
}

/* A node source over a ds_merkle_mem that counts calls and checks the request is in range. */
typedef struct {
    ds_merkle_mem *mem;
    uint64_t size;          /* the tree size the current call is about */
    unsigned long calls;
    int is_out_of_range;
} counting_source;

static int counting_node(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
    counting_source *src = ctx;
    src->calls++;
    if (level >= 64 || index >= (src->size >> level))
        src->is_out_of_range = 1;
    return ds_merkle_mem_node(src->mem, level, index, out);
}

static unsigned ceil_log2(uint64_t n)
{
    unsigned c = 0;
    while (c < 64 && ((uint64_t)1 << c) < n)
        c++;
    return c;
}

/* ---- the independent reference: RFC 9162 2.1 literally ------------------------------------ */

/* HASH() of RFC 9162 through EVP, so the reference shares no hashing code with merkle.c. */
static void ref_hash(uint8_t out[H], const uint8_t *data, size_t len)
{
    unsigned int n = 0;
    int ok = EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
    CU_ASSERT_FATAL(ok == 1 && n == H);
}

typedef struct {
    size_t n_leaves;
    uint8_t (*leaf)[H];     /* HASH(0x00 || d(i)) */
    uint8_t (*memo)[H];     /* MTH(D[a:b]) at a * (n_leaves + 1) + b, filled on demand */
    unsigned char *has_memo;
} ref_tree;

static void ref_tree_init(ref_tree *t, size_t n_leaves)
{
    t->n_leaves = n_leaves;
    t->leaf = calloc(n_leaves, H);
    t->memo = calloc((n_leaves + 1) * (n_leaves + 1), H);
    t->has_memo = calloc((n_leaves + 1) * (n_leaves + 1), 1);
    CU_ASSERT_FATAL(t->leaf && t->memo && t->has_memo);
    for (size_t i = 0; i < n_leaves; i++) {
        /* Leaf i's entry: the 4 bytes of i, big-endian, then "dsure". */
        uint8_t buf[1 + 4 + 5] = {0x00, (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
                                  (uint8_t)i, 'd', 's', 'u', 'r', 'e'};
        ref_hash(t->leaf[i], buf, sizeof buf);
    }
}

static void ref_tree_clear(ref_tree *t)
{
    free(t->leaf);
    free(t->memo);
    free(t->has_memo);
}

/* k: the largest power of two smaller than n (n > 1), by doubling. */
static size_t ref_split(size_t n)
{
    size_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* MTH(D[a:b]), b > a (RFC 9162 2.1.1). Memoized: MTH is a pure function of the range. */
static const uint8_t *ref_mth(ref_tree *t, size_t a, size_t b)
{
    size_t slot = a * (t->n_leaves + 1) + b;
    if (t->has_memo[slot])
        return t->memo[slot];
    if (b - a == 1) {
        memcpy(t->memo[slot], t->leaf[a], H);
    } else {
        size_t k = ref_split(b - a);
        uint8_t buf[1 + 2 * H];
        buf[0] = 0x01;
        memcpy(buf + 1, ref_mth(t, a, a + k), H);
        memcpy(buf + 1 + H, ref_mth(t, a + k, b), H);
        ref_hash(t->memo[slot], buf, sizeof buf);
    }
    t->has_memo[slot] = 1;
    return t->memo[slot];
}

/* PATH(m, D[a:b]) appended to path (RFC 9162 2.1.3.1). */
static void ref_path(ref_tree *t, size_t m, size_t a, size_t b, uint8_t path[][H], size_t *n)
{
    if (b - a == 1)
        return;
    size_t k = ref_split(b - a);
    if (m < k) {
        ref_path(t, m, a, a + k, path, n);
        memcpy(path[(*n)++], ref_mth(t, a + k, b), H);
    } else {
        ref_path(t, m - k, a + k, b, path, n);
        memcpy(path[(*n)++], ref_mth(t, a, a + k), H);
    }
}

/* SUBPROOF(m, D[a:b], is_b) appended to proof (RFC 9162 2.1.4.1). */
static void ref_subproof(ref_tree *t, size_t m, size_t a, size_t b, int is_b, uint8_t proof[][H],
                         size_t *n)
{
    if (m == b - a) {
        if (!is_b)
            memcpy(proof[(*n)++], ref_mth(t, a, b), H);
        return;
    }
    size_t k = ref_split(b - a);
    if (m <= k) {
        ref_subproof(t, m, a, a + k, is_b, proof, n);
        memcpy(proof[(*n)++], ref_mth(t, a + k, b), H);
    } else {
        ref_subproof(t, m - k, a + k, b, 0, proof, n);
        memcpy(proof[(*n)++], ref_mth(t, a, a + k), H);
    }
}

/* ---- hashing and vectors ------------------------------------------------------------------ */

static void test_merkle__leaf_hashes_match_published_level_zero(void)
{
    for (size_t i = 0; i < 8; i++) {
        uint8_t got[H], want[H];
        input_leaf_hash(got, i);
        unhex_hash(want, vec_nodes[0][i]);
        CU_ASSERT(memcmp(got, want, H) == 0);
    }
}

static void test_merkle__node_hashes_match_published_levels(void)
{
    for (unsigned level = 1; level < 4; level++) {
        for (size_t i = 0; i < (8u >> level); i++) {
            uint8_t l[H], r[H], got[H], want[H];
            unhex_hash(l, vec_nodes[level - 1][2 * i]);
            unhex_hash(r, vec_nodes[level - 1][2 * i + 1]);
            ds_merkle_node_hash(got, l, r);
            unhex_hash(want, vec_nodes[level][i]);
            CU_ASSERT(memcmp(got, want, H) == 0);
            /* out may alias an input */
            ds_merkle_node_hash(l, l, r);
            CU_ASSERT(memcmp(l, want, H) == 0);
        }
    }
}

static void test_merkle__mem_tree_stores_every_published_subtree(void)
{
    ds_merkle_mem *mem = vector_tree();
    CU_ASSERT_EQUAL(ds_merkle_mem_size(mem), 8);
    for (unsigned level = 0; level < 4; level++) {
        for (uint64_t i = 0; i < (8u >> level); i++) {
            uint8_t got[H], want[H];
            CU_ASSERT(ds_merkle_mem_node(mem, level, i, got) == 0);
            unhex_hash(want, vec_nodes[level][i]);
            CU_ASSERT(memcmp(got, want, H) == 0);
        }
        uint8_t out[H];
        CU_ASSERT(ds_merkle_mem_node(mem, level, 8u >> level, out) == DS_EINVAL);
    }
    uint8_t out[H];
    CU_ASSERT(ds_merkle_mem_node(mem, 4, 0, out) == DS_EINVAL);
    ds_merkle_mem_free(mem);
    ds_merkle_mem_free(NULL);
}

static void test_merkle__roots_match_published_vectors_for_sizes_0_to_8(void)
{
    ds_merkle_mem *mem = vector_tree();
    for (uint64_t size = 0; size <= 8; size++) {
        uint8_t got[H], want[H];
        ds_error err;
        CU_ASSERT(ds_merkle_root(got, size, ds_merkle_mem_node, mem, &err) == 0);
        unhex_hash(want, vec_roots[size]);
        CU_ASSERT(memcmp(got, want, H) == 0);
    }
    uint8_t empty[H], want[H];
    ds_merkle_empty_root(empty);
    unhex_hash(want, vec_roots[0]);
    CU_ASSERT(memcmp(empty, want, H) == 0);
    ds_merkle_mem_free(mem);
}

static void check_inclusion_vector(ds_merkle_mem *mem, uint64_t index, uint64_t size,
                                   const uint8_t (*want)[H], size_t n_want)
{
    uint8_t path[DS_MERKLE_MAX_PROOF][H];
    size_t n = 99;
    ds_error err;
    CU_ASSERT(ds_merkle_inclusion_proof(path, &n, index, size, ds_merkle_mem_node, mem, &err)
              == 0);
    CU_ASSERT_EQUAL(n, n_want);
    if (n == n_want) {
        for (size_t j = 0; j < n; j++)
            CU_ASSERT(memcmp(path[j], want[j], H) == 0);
    }
    uint8_t leaf[H], root[H];
    CU_ASSERT(ds_merkle_mem_node(mem, 0, index, leaf) == 0);
    unhex_hash(root, vec_roots[size]);
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, index, size, want, n_want, root, &err) == 0);
}

static void check_consistency_vector(ds_merkle_mem *mem, uint64_t from, uint64_t to,
                                     const uint8_t (*want)[H], size_t n_want)
{
    uint8_t path[DS_MERKLE_MAX_PROOF][H];
    size_t n = 99;
    ds_error err;
    CU_ASSERT(ds_merkle_consistency_proof(path, &n, from, to, ds_merkle_mem_node, mem, &err)
              == 0);
    CU_ASSERT_EQUAL(n, n_want);
    if (n == n_want) {
        for (size_t j = 0; j < n; j++)
            CU_ASSERT(memcmp(path[j], want[j], H) == 0);
    }
    uint8_t old_root[H], new_root[H];
    unhex_hash(old_root, vec_roots[from]);
    unhex_hash(new_root, vec_roots[to]);
    CU_ASSERT(ds_merkle_verify_consistency(from, to, old_root, new_root, want, n_want, &err)
              == 0);
}

static void test_merkle__inclusion_proofs_match_published_vectors(void)
{
    ds_merkle_mem *mem = vector_tree();
    for (size_t v = 0; v < sizeof vec_inclusion / sizeof vec_inclusion[0]; v++) {
        uint8_t want[5][H];
        for (size_t j = 0; j < vec_inclusion[v].n; j++)
            unhex_hash(want[j], vec_inclusion[v].path[j]);
        check_inclusion_vector(mem, vec_inclusion[v].a, vec_inclusion[v].size,
                               (const uint8_t (*)[H])want, vec_inclusion[v].n);
    }
    ds_merkle_mem_free(mem);
}

static void test_merkle__consistency_proofs_match_published_vectors(void)
{
    ds_merkle_mem *mem = vector_tree();
    for (size_t v = 0; v < sizeof vec_consistency / sizeof vec_consistency[0]; v++) {
        uint8_t want[5][H];
        for (size_t j = 0; j < vec_consistency[v].n; j++)
            unhex_hash(want[j], vec_consistency[v].path[j]);
        check_consistency_vector(mem, vec_consistency[v].a, vec_consistency[v].size,
                                 (const uint8_t (*)[H])want, vec_consistency[v].n);
    }
    ds_merkle_mem_free(mem);
}

static void test_merkle__proofs_match_published_node_shapes(void)
{
    ds_merkle_mem *mem = vector_tree();
    for (size_t v = 0; v < sizeof shape_inclusion / sizeof shape_inclusion[0]; v++) {
        uint8_t want[5][H];
        for (size_t j = 0; j < shape_inclusion[v].n; j++)
            shape_node(want[j], shape_inclusion[v].nodes[j]);
        check_inclusion_vector(mem, shape_inclusion[v].a, shape_inclusion[v].size,
                               (const uint8_t (*)[H])want, shape_inclusion[v].n);
    }
    for (size_t v = 0; v < sizeof shape_consistency / sizeof shape_consistency[0]; v++) {
        uint8_t want[5][H];
        for (size_t j = 0; j < shape_consistency[v].n; j++)
            shape_node(want[j], shape_consistency[v].nodes[j]);
        check_consistency_vector(mem, shape_consistency[v].a, shape_consistency[v].size,
                                 (const uint8_t (*)[H])want, shape_consistency[v].n);
    }
    ds_merkle_mem_free(mem);
}

/* ---- exhaustive comparison with the reference --------------------------------------------- */

enum { N_REF = 300 };

typedef struct {
    ref_tree ref;
    ds_merkle_mem *mem;
    counting_source src;
} ref_fixture;

static void fixture_init(ref_fixture *f)
{
    ref_tree_init(&f->ref, N_REF);
    ds_error err;
    CU_ASSERT_FATAL(ds_merkle_mem_new(&f->mem, (const uint8_t (*)[H])f->ref.leaf, N_REF, &err)
                    == 0);
    memset(&f->src, 0, sizeof f->src);
    f->src.mem = f->mem;
}

static void fixture_clear(ref_fixture *f)
{
    ds_merkle_mem_free(f->mem);
    ref_tree_clear(&f->ref);
}

/* Counts the subtrees a frontier fold completes and checks each against the reference. */
typedef struct {
    ref_tree *ref;
    int n_emitted, n_wrong;
} emit_check;

static int check_emitted(void *ctx, unsigned level, uint64_t index, const uint8_t hash[H])
{
    emit_check *c = ctx;
    size_t a = (size_t)(index << level), b = a + ((size_t)1 << level);
    c->n_emitted++;
    c->n_wrong += memcmp(hash, ref_mth(c->ref, a, b), H) != 0;
    return 0;
}

/* The right frontier, as appends build it, gives the RFC root at every size to 300 and emits
 * exactly the complete subtrees: n - popcount(n) of them after n leaves. */
static void test_merkle__frontier_roots_agree_with_rfc_recursion_for_every_size_to_300(void)
{
    ref_fixture f;
    fixture_init(&f);
    uint8_t frontier[64][H], root[H];
    emit_check c = {&f.ref, 0, 0};
    /* Size 0: SHA-256 of the empty string (RFC 9162 2.1.1). */
    static const uint8_t empty[H] = {
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
        0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
        0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55};
    ds_merkle_frontier_root(root, frontier, 0);
    CU_ASSERT(memcmp(root, empty, H) == 0);
    int mismatches = 0;
    for (size_t n = 1; n <= N_REF; n++) {
        CU_ASSERT(ds_merkle_frontier_add(frontier, n - 1, f.ref.leaf[n - 1], check_emitted, &c) ==
                  0);
        ds_merkle_frontier_root(root, frontier, n);
        mismatches += memcmp(root, ref_mth(&f.ref, 0, n), H) != 0;
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_EQUAL(c.n_wrong, 0);
    CU_ASSERT_EQUAL(c.n_emitted, N_REF - __builtin_popcount(N_REF));
    fixture_clear(&f);
}

static void test_merkle__roots_agree_with_rfc_recursion_for_every_size_to_300(void)
{
    ref_fixture f;
    fixture_init(&f);
    for (uint64_t n = 1; n <= N_REF; n++) {
        uint8_t got[H];
        ds_error err;
        f.src.size = n;
        f.src.calls = 0;
        CU_ASSERT_FATAL(ds_merkle_root(got, n, counting_node, &f.src, &err) == 0);
        CU_ASSERT(memcmp(got, ref_mth(&f.ref, 0, n), H) == 0);
        /* popcount(n) stored subtrees, never a rehash of the leaves */
        CU_ASSERT(f.src.calls == (unsigned long)__builtin_popcountll(n));
    }
    CU_ASSERT(!f.src.is_out_of_range);
    fixture_clear(&f);
}

static void test_merkle__inclusion_proofs_agree_with_rfc_path_for_every_index_to_300(void)
{
    ref_fixture f;
    fixture_init(&f);
    unsigned long n_checked = 0, n_bad = 0;
    for (uint64_t n = 1; n <= N_REF; n++) {
        const uint8_t *root = ref_mth(&f.ref, 0, n);
        unsigned bound = 2 * ceil_log2(n);
        for (uint64_t i = 0; i < n; i++) {
            uint8_t got[DS_MERKLE_MAX_PROOF][H], want[DS_MERKLE_MAX_PROOF][H];
            size_t n_got = 0, n_want = 0;
            ds_error err;
            f.src.size = n;
            f.src.calls = 0;
            int rc = ds_merkle_inclusion_proof(got, &n_got, i, n, counting_node, &f.src, &err);
            ref_path(&f.ref, i, 0, n, want, &n_want);
            int ok = rc == 0 && n_got == n_want && memcmp(got, want, n_got * H) == 0 &&
                     f.src.calls <= bound &&
                     ds_merkle_verify_inclusion(f.ref.leaf[i], i, n, (const uint8_t (*)[H])got,
                                                n_got, root, &err) == 0;
            if (!ok && n_bad++ < 5)
                fprintf(stderr, "\n  inclusion index %" PRIu64 " size %" PRIu64 " differs\n", i,
                        n);
            n_checked++;
        }
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    CU_ASSERT_EQUAL(n_checked, (unsigned long)N_REF * (N_REF + 1) / 2);
    CU_ASSERT(!f.src.is_out_of_range);
    fixture_clear(&f);
}

static void test_merkle__consistency_proofs_agree_with_rfc_subproof_for_every_pair_to_300(void)
{
    ref_fixture f;
    fixture_init(&f);
    unsigned long n_checked = 0, n_bad = 0;
    for (uint64_t n = 1; n <= N_REF; n++) {
        const uint8_t *new_root = ref_mth(&f.ref, 0, n);
        unsigned bound = 2 * ceil_log2(n) + 1;
        for (uint64_t m = 1; m <= n; m++) {
            uint8_t got[DS_MERKLE_MAX_PROOF][H], want[DS_MERKLE_MAX_PROOF][H];
            size_t n_got = 0, n_want = 0;
            ds_error err;
            f.src.size = n;
            f.src.calls = 0;
            int rc = ds_merkle_consistency_proof(got, &n_got, m, n, counting_node, &f.src, &err);
            ref_subproof(&f.ref, m, 0, n, 1, want, &n_want);
            int ok = rc == 0 && n_got == n_want && memcmp(got, want, n_got * H) == 0 &&
                     f.src.calls <= bound &&
                     ds_merkle_verify_consistency(m, n, ref_mth(&f.ref, 0, m), new_root,
                                                  (const uint8_t (*)[H])got, n_got, &err) == 0;
            if (!ok && n_bad++ < 5)
                fprintf(stderr, "\n  consistency %" PRIu64 " -> %" PRIu64 " differs\n", m, n);
            n_checked++;
        }
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    CU_ASSERT_EQUAL(n_checked, (unsigned long)N_REF * (N_REF + 1) / 2);
    CU_ASSERT(!f.src.is_out_of_range);
    fixture_clear(&f);
}

/* ds_merkle_mem_inclusion_proof on a tree of exactly n leaves (the stored right edge) and on the
 * 300-leaf tree for size n (the generic fallback) gives the bytes of ds_merkle_inclusion_proof,
 * which the test above holds to the RFC recursion; checked against ref_path too. */
static void test_merkle__mem_inclusion_proofs_equal_generic_for_every_size_and_index_to_300(void)
{
    ref_fixture f;
    fixture_init(&f);
    unsigned long n_checked = 0, n_bad = 0;
    for (uint64_t n = 1; n <= N_REF; n++) {
        ds_merkle_mem *mem = NULL;
        ds_error err;
        CU_ASSERT_FATAL(ds_merkle_mem_new(&mem, (const uint8_t (*)[H])f.ref.leaf, n, &err) == 0);
        for (uint64_t i = 0; i < n; i++) {
            uint8_t want[DS_MERKLE_MAX_PROOF][H], fast[DS_MERKLE_MAX_PROOF][H];
            uint8_t fallback[DS_MERKLE_MAX_PROOF][H], ref[DS_MERKLE_MAX_PROOF][H];
            size_t n_want = 99, n_fast = 99, n_fallback = 99, n_ref = 0;
            int rc_want = ds_merkle_inclusion_proof(want, &n_want, i, n, ds_merkle_mem_node, mem,
                                                    &err);
            int rc_fast = ds_merkle_mem_inclusion_proof(fast, &n_fast, mem, i, n, &err);
            int rc_fallback = ds_merkle_mem_inclusion_proof(fallback, &n_fallback, f.mem, i, n,
                                                            &err);
            ref_path(&f.ref, i, 0, n, ref, &n_ref);
            int ok = rc_want == 0 && rc_fast == 0 && rc_fallback == 0 && n_want == n_ref &&
                     n_fast == n_want && n_fallback == n_want &&
                     memcmp(want, ref, n_want * H) == 0 && memcmp(fast, want, n_want * H) == 0 &&
                     memcmp(fallback, want, n_want * H) == 0;
            if (!ok && n_bad++ < 5)
                fprintf(stderr, "\n  mem inclusion index %" PRIu64 " size %" PRIu64 " differs\n",
                        i, n);
            n_checked++;
        }
        ds_merkle_mem_free(mem);
    }
    CU_ASSERT_EQUAL(n_bad, 0);
    CU_ASSERT_EQUAL(n_checked, (unsigned long)N_REF * (N_REF + 1) / 2);
    fixture_clear(&f);
}

/* Requests the generic function refuses are refused the same way (code and field), path empty. */
static void test_merkle__mem_inclusion_proof_refuses_what_the_generic_one_refuses(void)
{
    ref_fixture f;
    fixture_init(&f);
    static const struct {
        uint64_t index, size;
    } bad[] = {{N_REF, N_REF}, {N_REF + 5, N_REF}, {0, 0}, {0, N_REF + 1},
               {0, DS_MERKLE_MAX_SIZE + 1}};
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        uint8_t path[DS_MERKLE_MAX_PROOF][H];
        size_t n_want = 99, n_got = 99;
        ds_error want, got;
        int rc_want = ds_merkle_inclusion_proof(path, &n_want, bad[b].index, bad[b].size,
                                                ds_merkle_mem_node, f.mem, &want);
        int rc_got = ds_merkle_mem_inclusion_proof(path, &n_got, f.mem, bad[b].index,
                                                   bad[b].size, &got);
        CU_ASSERT(rc_want < 0);
        CU_ASSERT_EQUAL(rc_got, rc_want);
        CU_ASSERT_STRING_EQUAL(got.field, want.field);
        CU_ASSERT_STRING_EQUAL(got.message, want.message);
        CU_ASSERT_EQUAL(n_got, 0);
    }
    /* A missing tree is refused, not dereferenced. */
    uint8_t path[DS_MERKLE_MAX_PROOF][H];
    size_t n = 99;
    ds_error err;
    CU_ASSERT(ds_merkle_mem_inclusion_proof(path, &n, NULL, 0, 1, &err) == DS_EINVAL);
    CU_ASSERT_EQUAL(n, 0);
    fixture_clear(&f);
}

/* Trees from 65,536 leaves build their levels on two threads. Every stored subtree of such trees
 * (sizes on both sides of the threshold, halves split off a multiple of 1024 leaves or not)
 * equals the one computed here level by level on one thread; the root equals the right frontier's
 * (code independent of ds_merkle_mem, held to the RFC recursion above); and proofs from the
 * stored right edge verify against that root. */
static void test_merkle__mem_tree_built_on_two_threads_equals_serial_levels_and_frontier(void)
{
    static const uint64_t sizes[] = {65535, 65536, 65537, 65536 + 1023, 100000,
                                     131072 + 1024 + 1};
    uint64_t max = 131072 + 1024 + 1;
    uint8_t (*leaf)[H] = malloc((size_t)max * H);
    uint8_t (*level)[H] = malloc((size_t)max * H);
    CU_ASSERT_FATAL(leaf && level);
    for (uint64_t i = 0; i < max; i++) {
        uint8_t entry[8];
        for (unsigned b = 0; b < 8; b++)
            entry[b] = (uint8_t)(i >> (8 * b));
        ds_merkle_leaf_hash(leaf[i], entry, sizeof entry);
    }
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s];
        ds_merkle_mem *mem = NULL;
        ds_error err;
        CU_ASSERT_FATAL(ds_merkle_mem_new(&mem, (const uint8_t (*)[H])leaf, n, &err) == 0);
        /* Serial levels, in place: level[i] holds node i of the current level. */
        memcpy(level, leaf, (size_t)n * H);
        unsigned long n_bad = 0, n_nodes = 0;
        for (unsigned l = 0; (n >> l) > 0; l++) {
            for (uint64_t i = 0; i < (n >> l); i++) {
                if (l > 0)
                    ds_merkle_node_hash(level[i], level[2 * i], level[2 * i + 1]);
                uint8_t got[H];
                n_bad += ds_merkle_mem_node(mem, l, i, got) != 0 || memcmp(got, level[i], H);
                n_nodes++;
            }
        }
        CU_ASSERT_EQUAL(n_bad, 0);
        CU_ASSERT_EQUAL(n_nodes, 2 * n - (unsigned long)__builtin_popcountll(n));
        uint8_t frontier[64][H], want[H], got[H];
        for (uint64_t i = 0; i < n; i++)
            CU_ASSERT_FATAL(ds_merkle_frontier_add(frontier, i, leaf[i], NULL, NULL) == 0);
        ds_merkle_frontier_root(want, frontier, n);
        CU_ASSERT(ds_merkle_root(got, n, ds_merkle_mem_node, mem, &err) == 0);
        CU_ASSERT(memcmp(got, want, H) == 0);
        static const uint64_t probes[] = {0, 1, 65534, 65535, 65536, 99999, 132096};
        for (size_t p = 0; p < sizeof probes / sizeof probes[0]; p++) {
            uint64_t i = probes[p] < n ? probes[p] : n - 1;
            uint8_t path[DS_MERKLE_MAX_PROOF][H];
            size_t n_path = 0;
            CU_ASSERT(ds_merkle_mem_inclusion_proof(path, &n_path, mem, i, n, &err) == 0);
            CU_ASSERT(ds_merkle_verify_inclusion(leaf[i], i, n, (const uint8_t (*)[H])path,
                                                 n_path, want, &err) == 0);
        }
        ds_merkle_mem_free(mem);
    }
    free(leaf);
    free(level);
}

/* ---- verification rejects what it must ---------------------------------------------------- */

/* Every corruption of a valid inclusion proof must fail (nonzero), as in the CT verifier tests. */
static unsigned long inclusion_probes_accepted(const uint8_t leaf[H], uint64_t i, uint64_t n,
                                               const uint8_t (*path)[H], size_t n_path,
                                               const uint8_t root[H])
{
    unsigned long accepted = 0;
    uint8_t buf[DS_MERKLE_MAX_PROOF + 2][H];
    const uint8_t (*cbuf)[H] = (const uint8_t (*)[H])buf;
    uint8_t wrong[H];
    ds_error err;
    /* wrong index */
    accepted += ds_merkle_verify_inclusion(leaf, i - 1, n, path, n_path, root, &err) == 0;
    accepted += ds_merkle_verify_inclusion(leaf, i + 1, n, path, n_path, root, &err) == 0;
    accepted += ds_merkle_verify_inclusion(leaf, i ^ 2, n, path, n_path, root, &err) == 0;
    /* wrong size */
    accepted += ds_merkle_verify_inclusion(leaf, i, n * 2, path, n_path, root, &err) == 0;
    accepted += ds_merkle_verify_inclusion(leaf, i, n / 2, path, n_path, root, &err) == 0;
    /* wrong leaf, wrong root */
    memcpy(wrong, leaf, H);
    wrong[H - 1] ^= 1;
    accepted += ds_merkle_verify_inclusion(wrong, i, n, path, n_path, root, &err) == 0;
    accepted += ds_merkle_verify_inclusion(leaf, i, n, path, n_path, wrong, &err) == 0;
    ds_merkle_empty_root(wrong);
    accepted += ds_merkle_verify_inclusion(leaf, i, n, path, n_path, wrong, &err) == 0;
    /* extended at the end (with zeros, with the root), at the front */
    memcpy(buf, path, n_path * H);
    memset(buf[n_path], 0, H);
    accepted += ds_merkle_verify_inclusion(leaf, i, n, cbuf, n_path + 1, root, &err) == 0;
    memcpy(buf[n_path], root, H);
    accepted += ds_merkle_verify_inclusion(leaf, i, n, cbuf, n_path + 1, root, &err) == 0;
    memcpy(buf[0], root, H);
    memcpy(buf + 1, path, n_path * H);
    accepted += ds_merkle_verify_inclusion(leaf, i, n, cbuf, n_path + 1, root, &err) == 0;
    /* truncated */
    if (n_path > 0)
        accepted += ds_merkle_verify_inclusion(leaf, i, n, path, n_path - 1, root, &err) == 0;
    /* one flipped bit in each element, a different bit each time */
    for (size_t j = 0; j < n_path; j++) {
        memcpy(buf, path, n_path * H);
        buf[j][(j * 7) % H] ^= (uint8_t)(1u << (j % 8));
        accepted += ds_merkle_verify_inclusion(leaf, i, n, cbuf, n_path, root, &err) == 0;
    }
    return accepted;
}

static unsigned long consistency_probes_accepted(uint64_t m, uint64_t n, const uint8_t r1[H],
                                                 const uint8_t r2[H], const uint8_t (*path)[H],
                                                 size_t n_path)
{
    unsigned long accepted = 0;
    uint8_t buf[DS_MERKLE_MAX_PROOF + 2][H];
    const uint8_t (*cbuf)[H] = (const uint8_t (*)[H])buf;
    uint8_t wrong[H];
    ds_error err;
    /* wrong sizes */
    accepted += ds_merkle_verify_consistency(m - 1, n, r1, r2, path, n_path, &err) == 0;
    accepted += ds_merkle_verify_consistency(m + 1, n, r1, r2, path, n_path, &err) == 0;
    accepted += ds_merkle_verify_consistency(m ^ 2, n, r1, r2, path, n_path, &err) == 0;
    accepted += ds_merkle_verify_consistency(m, n * 2, r1, r2, path, n_path, &err) == 0;
    accepted += ds_merkle_verify_consistency(m, n / 2, r1, r2, path, n_path, &err) == 0;
    /* wrong or swapped roots */
    memcpy(wrong, r1, H);
    wrong[0] ^= 0x10;
    accepted += ds_merkle_verify_consistency(m, n, wrong, r2, path, n_path, &err) == 0;
    accepted += ds_merkle_verify_consistency(m, n, r1, wrong, path, n_path, &err) == 0;
    accepted += ds_merkle_verify_consistency(m, n, r2, r1, path, n_path, &err) == 0;
    /* empty, extended, prefixed, truncated */
    accepted += ds_merkle_verify_consistency(m, n, r1, r2, NULL, 0, &err) == 0;
    memcpy(buf, path, n_path * H);
    memset(buf[n_path], 0, H);
    accepted += ds_merkle_verify_consistency(m, n, r1, r2, cbuf, n_path + 1, &err) == 0;
    memcpy(buf[n_path], r2, H);
    accepted += ds_merkle_verify_consistency(m, n, r1, r2, cbuf, n_path + 1, &err) == 0;
    memcpy(buf[n_path], path[n_path - 1], H);
    accepted += ds_merkle_verify_consistency(m, n, r1, r2, cbuf, n_path + 1, &err) == 0;
    memcpy(buf[0], r1, H);
    memcpy(buf + 1, path, n_path * H);
    accepted += ds_merkle_verify_consistency(m, n, r1, r2, cbuf, n_path + 1, &err) == 0;
    memcpy(buf[0], path[0], H);
    accepted += ds_merkle_verify_consistency(m, n, r1, r2, cbuf, n_path + 1, &err) == 0;
    accepted += ds_merkle_verify_consistency(m, n, r1, r2, path, n_path - 1, &err) == 0;
    for (size_t j = 0; j < n_path; j++) {
        memcpy(buf, path, n_path * H);
        buf[j][(j * 11) % H] ^= (uint8_t)(1u << ((j + 4) % 8));
        accepted += ds_merkle_verify_consistency(m, n, r1, r2, cbuf, n_path, &err) == 0;
    }
    return accepted;
}

enum { N_CORRUPT = 96 };

static void test_merkle__verify_inclusion_rejects_every_corruption(void)
{
    ref_fixture f;
    fixture_init(&f);
    unsigned long accepted = 0;
    for (uint64_t n = 1; n <= N_CORRUPT; n++) {
        for (uint64_t i = 0; i < n; i++) {
            uint8_t path[DS_MERKLE_MAX_PROOF][H];
            size_t n_path;
            ds_error err;
            CU_ASSERT_FATAL(ds_merkle_inclusion_proof(path, &n_path, i, n, ds_merkle_mem_node,
                                                      f.mem, &err) == 0);
            unsigned long a = inclusion_probes_accepted(f.ref.leaf[i], i, n,
                                                        (const uint8_t (*)[H])path, n_path,
                                                        ref_mth(&f.ref, 0, n));
            if (a && accepted == 0)
                fprintf(stderr, "\n  corrupted inclusion %" PRIu64 "/%" PRIu64 " accepted\n", i,
                        n);
            accepted += a;
        }
    }
    CU_ASSERT_EQUAL(accepted, 0);
    fixture_clear(&f);
}

static void test_merkle__verify_consistency_rejects_every_corruption(void)
{
    ref_fixture f;
    fixture_init(&f);
    unsigned long accepted = 0;
    for (uint64_t n = 2; n <= N_CORRUPT; n++) {
        for (uint64_t m = 1; m < n; m++) {
            uint8_t path[DS_MERKLE_MAX_PROOF][H];
            size_t n_path;
            ds_error err;
            CU_ASSERT_FATAL(ds_merkle_consistency_proof(path, &n_path, m, n, ds_merkle_mem_node,
                                                        f.mem, &err) == 0);
            CU_ASSERT_FATAL(n_path > 0);
            unsigned long a = consistency_probes_accepted(m, n, ref_mth(&f.ref, 0, m),
                                                          ref_mth(&f.ref, 0, n),
                                                          (const uint8_t (*)[H])path, n_path);
            if (a && accepted == 0)
                fprintf(stderr, "\n  corrupted consistency %" PRIu64 "->%" PRIu64 " accepted\n",
                        m, n);
            accepted += a;
        }
    }
    CU_ASSERT_EQUAL(accepted, 0);
    fixture_clear(&f);
}

static void test_merkle__verify_inclusion_rejects_wrong_vector_leaf_and_size(void)
{
    /* The CT verifier probes on the published proof for leaf 5 of 8. */
    uint8_t path[3][H], leaf[H], other[H], root[H];
    for (size_t j = 0; j < 3; j++)
        unhex_hash(path[j], vec_inclusion[2].path[j]);
    input_leaf_hash(leaf, 5);
    input_leaf_hash(other, 4);
    unhex_hash(root, vec_roots[8]);
    const uint8_t (*p)[H] = (const uint8_t (*)[H])path;
    ds_error err;
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 5, 8, p, 3, root, &err) == 0);
    CU_ASSERT(ds_merkle_verify_inclusion(other, 5, 8, p, 3, root, &err) == DS_EMISMATCH);
    CU_ASSERT_STRING_EQUAL(err.field, "root");
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 4, 8, p, 3, root, &err) == DS_EMISMATCH);
    /* Claiming size 7 with the size-8 root verifies: leaf 5 has the same left/right turns in
     * both trees, and RFC 9162 2.1.3.2 binds the size only through the root. So a size must
     * come from the same verified checkpoint as its root (DESIGN.md section 6); docs/merkle.md. */
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 5, 7, p, 3, root, &err) == 0);
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 5, 6, p, 3, root, &err) == DS_EMISMATCH);
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 5, 16, p, 3, root, &err) == DS_EMISMATCH);
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 5, 8, p, 2, root, &err) == DS_EMISMATCH);
    CU_ASSERT_STRING_EQUAL(err.field, "path");
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 5, 8, p, 3, path[2], &err) == DS_EMISMATCH);
}

/* ---- malformed requests and edge cases ---------------------------------------------------- */

static void test_merkle__inclusion_rejects_index_out_of_range_and_empty_tree(void)
{
    ds_merkle_mem *mem = vector_tree();
    uint8_t path[DS_MERKLE_MAX_PROOF][H], leaf[H], root[H];
    size_t n = 7;
    ds_error err;
    CU_ASSERT(ds_merkle_inclusion_proof(path, &n, 7, 7, ds_merkle_mem_node, mem, &err)
              == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "index");
    CU_ASSERT(strstr(err.message, "must be less than size 7") != NULL);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT(ds_merkle_inclusion_proof(path, &n, 0, 0, ds_merkle_mem_node, mem, &err)
              == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "size");
    CU_ASSERT(ds_merkle_inclusion_proof(path, &n, 0, DS_MERKLE_MAX_SIZE + 1, ds_merkle_mem_node,
                                        mem, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "size");

    input_leaf_hash(leaf, 0);
    unhex_hash(root, vec_roots[1]);
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 0, 1, NULL, 0, root, &err) == 0);
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 1, 1, NULL, 0, root, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "index");
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 0, 0, NULL, 0, root, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "size");
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, UINT64_MAX, UINT64_MAX, NULL, 0, root, &err)
              == DS_EINVAL);
    ds_merkle_mem_free(mem);
}

static void test_merkle__verify_rejects_paths_longer_than_64_as_malformed(void)
{
    uint8_t (*path)[H] = calloc(DS_MERKLE_MAX_PROOF + 1, H);
    CU_ASSERT_FATAL(path != NULL);
    uint8_t leaf[H] = {0}, root[H] = {0};
    ds_error err;
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 0, DS_MERKLE_MAX_SIZE,
                                         (const uint8_t (*)[H])path, DS_MERKLE_MAX_PROOF + 1,
                                         root, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "path");
    CU_ASSERT(ds_merkle_verify_consistency(3, DS_MERKLE_MAX_SIZE, leaf, root,
                                           (const uint8_t (*)[H])path, DS_MERKLE_MAX_PROOF + 1,
                                           &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "path");
    CU_ASSERT(ds_merkle_verify_inclusion(leaf, 0, 2, NULL, 1, root, &err) == DS_EINVAL);
    free(path);
}

static void test_merkle__consistency_edge_cases_equal_sizes_and_empty_old_tree(void)
{
    ds_merkle_mem *mem = vector_tree();
    uint8_t path[DS_MERKLE_MAX_PROOF][H], r3[H], r5[H], empty[H];
    size_t n = 9;
    ds_error err;
    unhex_hash(r3, vec_roots[3]);
    unhex_hash(r5, vec_roots[5]);
    ds_merkle_empty_root(empty);
    const uint8_t (*p)[H] = (const uint8_t (*)[H])path;

    /* from == to: empty proof; verified only with equal roots */
    CU_ASSERT(ds_merkle_consistency_proof(path, &n, 5, 5, ds_merkle_mem_node, mem, &err) == 0);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT(ds_merkle_verify_consistency(5, 5, r5, r5, NULL, 0, &err) == 0);
    CU_ASSERT(ds_merkle_verify_consistency(5, 5, r3, r5, NULL, 0, &err) == DS_EMISMATCH);
    memcpy(path[0], r5, H);
    CU_ASSERT(ds_merkle_verify_consistency(5, 5, r5, r5, p, 1, &err) == DS_EMISMATCH);
    CU_ASSERT(ds_merkle_verify_consistency(0, 0, empty, empty, NULL, 0, &err) == 0);

    /* from == 0: empty proof; the old root must be the empty tree's */
    n = 9;
    CU_ASSERT(ds_merkle_consistency_proof(path, &n, 0, 5, ds_merkle_mem_node, mem, &err) == 0);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT(ds_merkle_verify_consistency(0, 5, empty, r5, NULL, 0, &err) == 0);
    CU_ASSERT(ds_merkle_verify_consistency(0, 5, r3, r5, NULL, 0, &err) == DS_EMISMATCH);
    CU_ASSERT_STRING_EQUAL(err.field, "old_root");
    memcpy(path[0], empty, H);
    CU_ASSERT(ds_merkle_verify_consistency(0, 5, empty, r5, p, 1, &err) == DS_EMISMATCH);

    /* 0 < from < to with an empty proof fails (RFC 9162 2.1.4.2 step 1) */
    CU_ASSERT(ds_merkle_verify_consistency(3, 5, r3, r5, NULL, 0, &err) == DS_EMISMATCH);

    /* from > to, sizes past 2^63 */
    CU_ASSERT(ds_merkle_consistency_proof(path, &n, 6, 5, ds_merkle_mem_node, mem, &err)
              == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "from");
    CU_ASSERT(ds_merkle_verify_consistency(6, 5, r5, r5, NULL, 0, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "from");
    CU_ASSERT(ds_merkle_consistency_proof(path, &n, 1, DS_MERKLE_MAX_SIZE + 1,
                                          ds_merkle_mem_node, mem, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "to");
    uint8_t root[H];
    CU_ASSERT(ds_merkle_root(root, UINT64_MAX, ds_merkle_mem_node, mem, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "size");
    ds_merkle_mem_free(mem);
}

/*
 * A tree of 2^63 leaves that all have the same hash: every complete subtree of a level then has
 * the same hash, chain[level], so a node source of 64 hashes stands for the largest supported
 * tree. It exercises the longest proofs (63 and 64 hashes) and index arithmetic near 2^63.
 */
typedef struct {
    uint8_t chain[64][H];
    uint64_t size;
    unsigned long calls;
    int is_out_of_range;
} uniform_tree;

static int uniform_node(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
    uniform_tree *t = ctx;
    t->calls++;
    if (level >= 64 || index >= (t->size >> level))
        t->is_out_of_range = 1;
    memcpy(out, t->chain[level < 64 ? level : 0], H);
    return 0;
}

static void test_merkle__proofs_near_2_pow_63_are_at_most_64_hashes_and_verify(void)
{
    uniform_tree *t = calloc(1, sizeof *t);
    CU_ASSERT_FATAL(t != NULL);
    ds_merkle_leaf_hash(t->chain[0], (const uint8_t *)"x", 1);
    for (unsigned l = 1; l < 64; l++)
        ds_merkle_node_hash(t->chain[l], t->chain[l - 1], t->chain[l - 1]);

    const uint64_t max = DS_MERKLE_MAX_SIZE;
    const uint64_t sizes[] = {max, max - 1, max / 2 + 1, 3, (uint64_t)1 << 40};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s];
        uint8_t root[H], path[DS_MERKLE_MAX_PROOF][H];
        size_t n_path;
        ds_error err;
        t->size = n;
        CU_ASSERT(ds_merkle_root(root, n, uniform_node, t, &err) == 0);
        const uint64_t indices[] = {0, n / 2, n - 2, n - 1};
        for (size_t k = 0; k < 4; k++) {
            t->calls = 0;
            CU_ASSERT(ds_merkle_inclusion_proof(path, &n_path, indices[k], n, uniform_node, t,
                                                &err) == 0);
            CU_ASSERT(n_path <= 63);
            CU_ASSERT(t->calls <= 2 * 63);
            CU_ASSERT(ds_merkle_verify_inclusion(t->chain[0], indices[k], n,
                                                 (const uint8_t (*)[H])path, n_path, root,
                                                 &err) == 0);
        }
        const uint64_t olds[] = {1, n / 2, n - 2, n - 1};
        for (size_t k = 0; k < 4; k++) {
            uint64_t m = olds[k];
            uint8_t old_root[H];
            t->size = m;
            CU_ASSERT(ds_merkle_root(old_root, m, uniform_node, t, &err) == 0);
            t->size = n;
            t->calls = 0;
            CU_ASSERT(ds_merkle_consistency_proof(path, &n_path, m, n, uniform_node, t, &err)
                      == 0);
            CU_ASSERT(n_path <= DS_MERKLE_MAX_PROOF);
            CU_ASSERT(t->calls <= 2 * 63 + 1);
            CU_ASSERT(ds_merkle_verify_consistency(m, n, old_root, root,
                                                   (const uint8_t (*)[H])path, n_path, &err)
                      == 0);
        }
    }
    /* The longest consistency proof: odd old size, next to 2^63 -- 63 steps plus its seed. */
    uint8_t path[DS_MERKLE_MAX_PROOF][H];
    size_t n_path;
    ds_error err;
    t->size = max;
    CU_ASSERT(ds_merkle_consistency_proof(path, &n_path, max - 1, max, uniform_node, t, &err)
              == 0);
    CU_ASSERT_EQUAL(n_path, 64);
    CU_ASSERT(!t->is_out_of_range);
    free(t);
}

/* A node source standing for a database that fails. */
typedef struct {
    ds_error *err;      /* where the source reports, the caller's err; NULL: report nothing */
    int fail_after;     /* calls that succeed before the failure */
} failing_source;

static int failing_node(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
    failing_source *src = ctx;
    (void)level;
    (void)index;
    if (src->fail_after-- > 0) {
        memset(out, 0xab, H);
        return 0;
    }
    if (src->err)
        return ds_error_set(src->err, DS_EIO, "ledger.db", "disk I/O error");
    return DS_EIO;
}

static void test_merkle__node_source_errors_propagate_unchanged(void)
{
    uint8_t out[H], path[DS_MERKLE_MAX_PROOF][H];
    size_t n = 5;
    ds_error err;
    failing_source src = {&err, 1};
    CU_ASSERT(ds_merkle_root(out, 7, failing_node, &src, &err) == DS_EIO);
    CU_ASSERT_STRING_EQUAL(err.message, "ledger.db: disk I/O error");

    failing_source quiet = {NULL, 2};
    CU_ASSERT(ds_merkle_inclusion_proof(path, &n, 3, 7, failing_node, &quiet, &err) == DS_EIO);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT(strstr(err.message, "level") != NULL && strstr(err.message, "index") != NULL);

    quiet.fail_after = 3;
    CU_ASSERT(ds_merkle_consistency_proof(path, &n, 3, 7, failing_node, &quiet, &err) == DS_EIO);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT(ds_merkle_root(out, 7, failing_node, &quiet, NULL) == DS_EIO);
}

static void test_merkle__mem_tree_of_zero_leaves_has_empty_root(void)
{
    ds_merkle_mem *mem = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_merkle_mem_new(&mem, NULL, 0, &err) == 0);
    CU_ASSERT_EQUAL(ds_merkle_mem_size(mem), 0);
    uint8_t root[H], want[H];
    CU_ASSERT(ds_merkle_root(root, 0, ds_merkle_mem_node, mem, &err) == 0);
    unhex_hash(want, vec_roots[0]);
    CU_ASSERT(memcmp(root, want, H) == 0);
    CU_ASSERT(ds_merkle_mem_node(mem, 0, 0, root) == DS_EINVAL);
    ds_merkle_mem_free(mem);
    CU_ASSERT(ds_merkle_mem_new(&mem, NULL, 3, &err) == DS_EINVAL);
    CU_ASSERT(mem == NULL);
}

static const ds_test_case tests[] = {
    {"frontier_roots_agree_with_rfc_recursion_for_every_size_to_300",
     test_merkle__frontier_roots_agree_with_rfc_recursion_for_every_size_to_300},
    {"leaf_hashes_match_published_level_zero",
     test_merkle__leaf_hashes_match_published_level_zero},
    {"node_hashes_match_published_levels", test_merkle__node_hashes_match_published_levels},
    {"mem_tree_stores_every_published_subtree",
     test_merkle__mem_tree_stores_every_published_subtree},
    {"roots_match_published_vectors_for_sizes_0_to_8",
     test_merkle__roots_match_published_vectors_for_sizes_0_to_8},
    {"inclusion_proofs_match_published_vectors",
     test_merkle__inclusion_proofs_match_published_vectors},
    {"consistency_proofs_match_published_vectors",
     test_merkle__consistency_proofs_match_published_vectors},
    {"proofs_match_published_node_shapes", test_merkle__proofs_match_published_node_shapes},
    {"roots_agree_with_rfc_recursion_for_every_size_to_300",
     test_merkle__roots_agree_with_rfc_recursion_for_every_size_to_300},
    {"inclusion_proofs_agree_with_rfc_path_for_every_index_to_300",
     test_merkle__inclusion_proofs_agree_with_rfc_path_for_every_index_to_300},
    {"consistency_proofs_agree_with_rfc_subproof_for_every_pair_to_300",
     test_merkle__consistency_proofs_agree_with_rfc_subproof_for_every_pair_to_300},
    {"mem_inclusion_proofs_equal_generic_for_every_size_and_index_to_300",
     test_merkle__mem_inclusion_proofs_equal_generic_for_every_size_and_index_to_300},
    {"mem_inclusion_proof_refuses_what_the_generic_one_refuses",
     test_merkle__mem_inclusion_proof_refuses_what_the_generic_one_refuses},
    {"mem_tree_built_on_two_threads_equals_serial_levels_and_frontier",
     test_merkle__mem_tree_built_on_two_threads_equals_serial_levels_and_frontier},
    {"verify_inclusion_rejects_every_corruption",
     test_merkle__verify_inclusion_rejects_every_corruption},
    {"verify_consistency_rejects_every_corruption",
     test_merkle__verify_consistency_rejects_every_corruption},
    {"verify_inclusion_rejects_wrong_vector_leaf_and_size",
     test_merkle__verify_inclusion_rejects_wrong_vector_leaf_and_size},
    {"inclusion_rejects_index_out_of_range_and_empty_tree",
     test_merkle__inclusion_rejects_index_out_of_range_and_empty_tree},
    {"verify_rejects_paths_longer_than_64_as_malformed",
     test_merkle__verify_rejects_paths_longer_than_64_as_malformed},
    {"consistency_edge_cases_equal_sizes_and_empty_old_tree",
     test_merkle__consistency_edge_cases_equal_sizes_and_empty_old_tree},
    {"proofs_near_2_pow_63_are_at_most_64_hashes_and_verify",
     test_merkle__proofs_near_2_pow_63_are_at_most_64_hashes_and_verify},
    {"node_source_errors_propagate_unchanged",
     test_merkle__node_source_errors_propagate_unchanged},
    {"mem_tree_of_zero_leaves_has_empty_root",
     test_merkle__mem_tree_of_zero_leaves_has_empty_root},
};

DS_TEST_MAIN("merkle", tests)
