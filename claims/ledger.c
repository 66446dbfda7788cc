/*
 * ledger.c: the provenance ledger's use cases over data/ledger_store (see ledger.h and
 * docs/ledger.md).
 *
 * Append. The log keeps, for every level l >= 1, the hash of each complete perfect subtree
 * (l, j) = leaves [j*2^l, (j+1)*2^l). Appending leaf i completes exactly the subtrees whose right
 * edge is i: (1, i>>1) if i is odd, (2, i>>2) if i mod 4 == 3, ... i.e. one per trailing 1 bit of
 * i, at most log2(n+1). Each is the node hash of its left sibling, which is the latest complete
 * even-indexed subtree of that level (the "right frontier"), and the subtree just completed.
 * The frontier of a log of size n is exactly the perfect subtrees of n's binary decomposition
 * (bit l set: subtree (l, (n>>l)-1)), so a batch loads it with popcount(n) lookups, then hashes
 * in memory, and writes one entry row and on average one node row per record: the entries as
 * one run of consecutive keys, then the nodes level by level (each level a run of consecutive
 * keys), 64 rows per INSERT statement.
 *
 * Reads. Roots and proofs come from claims/merkle.c, which asks a node source for O(log n)
 * perfect subtrees; the source here reads them from the store (with its cache).
 */
#include "claims/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "claims/checkpoint.h"
#include "claims/record.h"
#include "data/ledger_store.h"

struct ds_ledger {
    ds_db *db;
    ds_ledger_store *store;
    ds_ledger_log log;
    uint64_t known_size; /* the largest size read so far: the log only grows */
    /* Right-edge hashes of the tree of edge_size leaves (see prove_path): bit l of edge_known
     * says edge[l] is filled. Entries never change once written, so they stay right. */
    uint64_t edge_size;
    uint64_t edge_known;
    uint8_t edge[64][32];
};

/* The node source handed to ds_merkle_*: reads stored hashes of one log. */
typedef struct node_source {
    ds_ledger *ledger;
    ds_error *err;
} node_source;

static int source_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    node_source *src = ctx;
    return ds_ledger_store_node(src->ledger->store, src->ledger->log.id, level, index, out,
                                src->err);
}

/* ---------------------------------------------------------------------------------------- */
/* Creating and opening logs                                                                 */

int ds_ledger_create(ds_db *db, const char *origin, const char *key_path, char **out_verifier_key,
                     ds_error *err)
{
    if (out_verifier_key)
        *out_verifier_key = NULL;
    if (!origin || !*origin)
        return ds_error_set(err, DS_EINVAL, "origin", "must be a non-empty name");
    if (!key_path || !*key_path)
        return ds_error_set(err, DS_EINVAL, "key", "must be a non-empty path");

    ds_ledger_store *store = NULL;
    ds_signer *signer = NULL;
    char *vkey = NULL;
    int key_created = 0;
    int rc = ds_ledger_store_new(&store, db, err);
    if (rc)
        return rc;

    /* Refuse an existing origin before creating a key file that would then be orphaned. */
    ds_ledger_log existing;
    rc = ds_ledger_store_find_log(store, &existing, origin, err);
    if (rc == 0) {
        ds_ledger_log_clear(&existing);
        rc =
            ds_error_set(err, DS_ECONFLICT, "origin", "a log named \"%s\" already exists", origin);
        goto out;
    }
    if (rc != DS_ENOTFOUND)
        goto out;
    ds_error_clear(err);

    if ((rc = ds_key_generate(key_path, err)))
        goto out;
    key_created = 1;
    /* Loading names the key after the origin, which checks the origin is a valid key name. */
    if ((rc = ds_key_load(&signer, key_path, origin, err))) {
        if (rc == DS_EINVAL && err)
            rc = ds_error_set(err, DS_EINVAL, "origin", "\"%s\" is not a valid log name (%s)",
                              origin, err->message);
        goto out;
    }
    if (ds_signer_verifier_key(&vkey, signer)) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    int64_t log_id;
    if ((rc = ds_ledger_store_begin(store, err)))
        goto out;
    rc = ds_ledger_store_create_log(store, &log_id, origin, key_path, vkey, err);
    if (!rc)
        rc = ds_ledger_store_commit(store, err);
    else
        ds_ledger_store_rollback(store);
    if (rc)
        goto out;
    key_created = 0; /* the log owns it now */
    if (out_verifier_key) {
        *out_verifier_key = vkey;
        vkey = NULL;
    }
out:
    if (key_created)
        unlink(key_path);
    free(vkey);
    ds_signer_free(signer);
    ds_ledger_store_free(store);
    return rc;
}

int ds_ledger_open(ds_ledger **out, ds_db *db, const char *origin, ds_error *err)
{
    *out = NULL;
    ds_ledger *ledger = calloc(1, sizeof *ledger);
    if (!ledger)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    ledger->db = db;
    int rc = ds_ledger_store_new(&ledger->store, db, err);
    if (!rc)
        rc = ds_ledger_store_find_log(ledger->store, &ledger->log, origin, err);
    if (rc) {
        ds_ledger_free(ledger);
        return rc;
    }
    *out = ledger;
    return 0;
}

void ds_ledger_free(ds_ledger *ledger)
{
    if (!ledger)
        return;
    ds_ledger_log_clear(&ledger->log);
    ds_ledger_store_free(ledger->store);
    free(ledger);
}

const char *ds_ledger_origin(const ds_ledger *ledger)
{
    return ledger->log.origin;
}

const char *ds_ledger_key_path(const ds_ledger *ledger)
{
    return ledger->log.key_path;
}

const char *ds_ledger_verifier_key(const ds_ledger *ledger)
{
    return ledger->log.verifier_key;
}

int ds_ledger_read_begin(ds_ledger *ledger, ds_error *err)
{
    return ds_ledger_store_read_begin(ledger->store, err);
}

void ds_ledger_read_end(ds_ledger *ledger)
{
    ds_ledger_store_read_end(ledger->store);
}

int ds_ledger_size(ds_ledger *ledger, uint64_t *out, ds_error *err)
{
    int rc = ds_ledger_store_size(ledger->store, ledger->log.id, out, err);
    if (!rc && *out > ledger->known_size)
        ledger->known_size = *out;
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Appending                                                                                 */

/* Loads the right frontier of a log of `size` leaves: frontier[l] for each bit l of size. */
static int load_frontier(ds_ledger *ledger, uint64_t size, uint8_t frontier[64][32], ds_error *err)
{
    for (unsigned l = 0; l < 64; l++) {
        if (!(size >> l & 1))
            continue;
        int rc = ds_ledger_store_node(ledger->store, ledger->log.id, l, (size >> l) - 1,
                                      frontier[l], err);
        if (rc)
            return rc;
    }
    return 0;
}

/*
 * The subtree hashes a batch completes, grouped by level so that each level is inserted as one
 * run of consecutive keys (the nodes primary key is (log_id, level, idx)). A batch taking the
 * log from s to s + n leaves completes at level l the nodes s>>l .. ((s+n)>>l) - 1 (node j is
 * complete when (j+1)*2^l <= size), at most n + 64 in all.
 */
typedef struct node_batch {
    uint8_t (*hash)[32]; /* level l's nodes at hash + off[l] */
    size_t off[65];
    uint64_t first[64];
} node_batch;

static int collect_node(void *ctx, unsigned level, uint64_t idx, const uint8_t hash[32])
{
    node_batch *b = ctx;
    memcpy(b->hash[b->off[level] + (size_t)(idx - b->first[level])], hash, 32);
    return 0;
}

int ds_ledger_append_raw(ds_ledger *ledger, const uint8_t *const *entries, const size_t *lens,
                         size_t n, uint64_t *first_index, uint64_t *new_size, ds_error *err)
{
    uint8_t(*leaves)[32] = NULL;
    node_batch nb;
    nb.hash = NULL;
    int rc = ds_ledger_store_begin(ledger->store, err);
    if (rc)
        return rc;
    uint64_t size;
    uint8_t frontier[64][32];
    if ((rc = ds_ledger_store_size(ledger->store, ledger->log.id, &size, err)) ||
        (rc = load_frontier(ledger, size, frontier, err)))
        goto fail;
    if (n > DS_MERKLE_MAX_SIZE - size) {
        rc = ds_error_set(err, DS_EINVAL, "records", "the log would exceed 2^63 entries");
        goto fail;
    }
    /* Hash everything in memory first, then write each table in key order. */
    nb.off[0] = nb.off[1] = 0;
    for (unsigned l = 1; l < 64; l++) {
        nb.first[l] = size >> l;
        nb.off[l + 1] = nb.off[l] + (size_t)(((size + n) >> l) - (size >> l));
    }
    leaves = malloc((n ? n : 1) * sizeof *leaves);
    nb.hash = malloc((nb.off[64] ? nb.off[64] : 1) * sizeof *nb.hash);
    if (!leaves || !nb.hash) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto fail;
    }
    for (size_t k = 0; k < n; k++) {
        ds_merkle_leaf_hash(leaves[k], entries[k], lens[k]);
        ds_merkle_frontier_add(frontier, size + k, leaves[k], collect_node, &nb);
    }
    if ((rc = ds_ledger_store_put_entries(ledger->store, ledger->log.id, size, n, entries, lens,
                                          (const uint8_t(*)[32])leaves, err)))
        goto fail;
    for (unsigned l = 1; l < 64 && nb.off[l + 1] > nb.off[l]; l++) {
        if ((rc = ds_ledger_store_put_nodes(ledger->store, ledger->log.id, l, nb.first[l],
                                            nb.off[l + 1] - nb.off[l],
                                            (const uint8_t(*)[32])(nb.hash + nb.off[l]), err)))
            goto fail;
    }
    if ((rc = ds_ledger_store_set_size(ledger->store, ledger->log.id, size + n, err)) ||
        (rc = ds_ledger_store_commit(ledger->store, err)))
        goto fail;
    free(leaves);
    free(nb.hash);
    if (first_index)
        *first_index = size;
    if (new_size)
        *new_size = size + n;
    return 0;
fail:
    free(leaves);
    free(nb.hash);
    ds_ledger_store_rollback(ledger->store);
    return rc;
}

int ds_ledger_append(ds_ledger *ledger, const cJSON *const *records, size_t n, const size_t *lines,
                     uint64_t *first_index, uint64_t *new_size, ds_error *err)
{
    char **texts = calloc(n ? n : 1, sizeof *texts);
    size_t *lens = calloc(n ? n : 1, sizeof *lens);
    int rc = 0;
    if (!texts || !lens) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    /* Validate the whole batch before the first write: nothing is half-appended. */
    for (size_t i = 0; i < n; i++) {
        char path[DS_PATH_MAX];
        if (lines)
            path[0] = '\0';
        else
            ds_path_index(path, sizeof path, "records", i);
        rc = ds_record_canonical(&texts[i], &lens[i], records[i], path, err);
        if (rc) {
            if (lines && err) {
                char inner[DS_ERROR_MESSAGE_MAX];
                snprintf(inner, sizeof inner, "%s", err->message);
                char where[32];
                snprintf(where, sizeof where, "line %zu", lines[i]);
                ds_error_set(err, rc, where, "%s", inner);
            }
            goto out;
        }
    }
    rc = ds_ledger_append_raw(ledger, (const uint8_t *const *)texts, lens, n, first_index,
                              new_size, err);
out:
    if (texts) {
        for (size_t i = 0; i < n; i++)
            free(texts[i]);
    }
    free(texts);
    free(lens);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Roots and proofs                                                                          */

static int check_size(ds_ledger *ledger, uint64_t size, const char *field, ds_error *err)
{
    /* Entries are never removed, so a size within one seen before needs no query. */
    if (size <= ledger->known_size)
        return 0;
    uint64_t current;
    int rc = ds_ledger_size(ledger, &current, err);
    if (rc)
        return rc;
    if (size > current)
        return ds_error_set(err, DS_EINVAL, field, "%llu is beyond the log size %llu",
                            (unsigned long long)size, (unsigned long long)current);
    return 0;
}

static int root_in(ds_ledger *ledger, uint64_t size, uint8_t out[DS_MERKLE_HASH_SIZE],
                   ds_error *err)
{
    int rc = check_size(ledger, size, "size", err);
    if (rc)
        return rc;
    node_source src = {ledger, err};
    return ds_merkle_root(out, size, source_node, &src, err);
}

/* Reads entry index and recomputes its leaf hash; with entry NULL no copy is made. */
static int entry_leaf(ds_ledger *ledger, uint64_t index, uint8_t leaf[32], char **entry,
                      size_t *len, ds_error *err)
{
    if (!entry) {
        const uint8_t *view;
        size_t n;
        int rc = ds_ledger_store_entry_view(ledger->store, ledger->log.id, index, &view, &n, err);
        if (!rc)
            ds_merkle_leaf_hash(leaf, view, n);
        return rc;
    }
    uint8_t *bytes;
    size_t n;
    int rc = ds_ledger_store_get_entry(ledger->store, ledger->log.id, index, &bytes, &n, err);
    if (rc)
        return rc;
    ds_merkle_leaf_hash(leaf, bytes, n);
    *entry = (char *)bytes;
    *len = n;
    return 0;
}

/*
 * Inclusion paths, built leaf-first. The RFC 9162 tree over n leaves is the left-balanced tree
 * whose node (level l, index j) covers leaves [j*2^l, min((j+1)*2^l, n)), a node with one child
 * being that child (RFC 9162 2.1.1 splits at the largest power of two below n, which keeps every
 * left subtree perfect and aligned). So PATH(m, D_n) of RFC 9162 2.1.3.1 holds, for l = 0, 1, ...
 * while 2^l < n, the sibling s = (m >> l) ^ 1 of m's ancestor at level l when it exists
 * (s*2^l < n): the stored perfect subtree (l, s) when (s+1)*2^l <= n, otherwise the partial
 * right-edge node [s*2^l, n), whose hash depends only on (l, n). claims/merkle.c builds the same
 * path root-first and rehashes those right-edge ranges for every proof (up to log2 n node hashes
 * and lookups each); here they are kept for the last size proved, so a batch of proofs under one
 * checkpoint reads one stored hash per level and hashes nothing. A right-edge hash reads exactly
 * the stored subtrees merkle.c's range_hash reads for it, so a missing or damaged one fails the
 * same proofs. test_ledger compares every path with ds_merkle_inclusion_proof on an in-memory tree
 * for every index of every size up to N_AGREE.
 */
static int edge_hash(ds_ledger *ledger, uint64_t n, unsigned l, uint8_t out[32], ds_error *err)
{
    if (ledger->edge_size != n) {
        ledger->edge_size = n;
        ledger->edge_known = 0;
    }
    if (!(ledger->edge_known >> l & 1)) {
        /* [a, n) with a = n rounded down to 2^l: the perfect blocks of the set bits j < l of n,
         * block j being (j, (n >> j) - 1), folded from the right as in RFC 9162 2.1.1. */
        uint8_t acc[32] = {0}, block[32];
        int have = 0;
        for (unsigned j = 0; j < l; j++) {
            if (!(n >> j & 1))
                continue;
            int rc = ds_ledger_store_node(ledger->store, ledger->log.id, j, (n >> j) - 1,
                                          have ? block : acc, err);
            if (rc)
                return rc;
            if (have)
                ds_merkle_node_hash(acc, block, acc);
            have = 1;
            memcpy(ledger->edge[j + 1], acc, 32); /* the right edge at level j + 1 */
            ledger->edge_known |= (uint64_t)1 << (j + 1);
        }
        /* Called only for a partial node (n mod 2^l != 0), so some bit j < l was set. */
        memcpy(ledger->edge[l], acc, 32);
        ledger->edge_known |= (uint64_t)1 << l;
    }
    memcpy(out, ledger->edge[l], 32);
    return 0;
}

/* The path of leaf m < n (1 <= n <= 2^63) into path[], leaf-first, as RFC 9162 lists it. */
static int prove_path(ds_ledger *ledger, uint64_t m, uint64_t n, uint8_t path[][32],
                      size_t *n_path, ds_error *err)
{
    size_t d = 0;
    for (unsigned l = 0; l < 64 && ((uint64_t)1 << l) < n; l++) {
        uint64_t s = (m >> l) ^ 1, first = s << l;
        if (first >= n)
            continue; /* m's ancestor is the right edge's only child here: promoted */
        int rc = n - first >= ((uint64_t)1 << l)
                     ? ds_ledger_store_node(ledger->store, ledger->log.id, l, s, path[d], err)
                     : edge_hash(ledger, n, l, path[d], err);
        if (rc)
            return rc;
        d++;
    }
    *n_path = d;
    return 0;
}

/*
 * Proofs and entry checks run without a read transaction: the entry and the stored hashes they
 * read never change once written, and once the cache is warm a proof is a single query, which
 * costs less than a BEGIN and COMMIT around it.
 */
int ds_ledger_prove(ds_ledger *ledger, uint64_t index, uint64_t size,
                    uint8_t leaf_hash[DS_MERKLE_HASH_SIZE], uint8_t path[][DS_MERKLE_HASH_SIZE],
                    size_t *n_path, ds_error *err)
{
    *n_path = 0;
    int rc = check_size(ledger, size, "size", err);
    if (rc)
        return rc;
    if (size == 0)
        return ds_error_set(err, DS_EINVAL, "size", "must be at least 1 for a proof");
    if (index >= size)
        return ds_error_set(err, DS_EINVAL, "index", "%llu is not below the size %llu",
                            (unsigned long long)index, (unsigned long long)size);
    if ((rc = entry_leaf(ledger, index, leaf_hash, NULL, NULL, err)))
        return rc;
    return prove_path(ledger, index, size, path, n_path, err);
}

static int consistency_in(ds_ledger *ledger, uint64_t from, uint64_t to,
                          uint8_t path[][DS_MERKLE_HASH_SIZE], size_t *n_path, ds_error *err)
{
    *n_path = 0;
    int rc = check_size(ledger, to, "to", err);
    if (rc)
        return rc;
    if (from > to)
        return ds_error_set(err, DS_EINVAL, "from", "%llu is beyond the size %llu",
                            (unsigned long long)from, (unsigned long long)to);
    node_source src = {ledger, err};
    return ds_merkle_consistency_proof(path, n_path, from, to, source_node, &src, err);
}

/* ---------------------------------------------------------------------------------------- */
/* Checkpoints                                                                               */

static void utc_now(char buf[32])
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, 32, "1970-01-01T00:00:00Z");
}

int ds_ledger_checkpoint(ds_ledger *ledger, char **out_note, ds_error *err)
{
    *out_note = NULL;
    ds_signer *signer = NULL;
    char *note = NULL;
    int rc = ds_key_load(&signer, ledger->log.key_path, ledger->log.origin, err);
    if (rc)
        return rc;
    /* One transaction: the signed size and root are those of the log as stored with them. */
    if ((rc = ds_ledger_store_begin(ledger->store, err)))
        goto out;
    uint64_t size;
    uint8_t root[32];
    char created[32];
    node_source src = {ledger, err};
    if ((rc = ds_ledger_size(ledger, &size, err)) ||
        (rc = ds_merkle_root(root, size, source_node, &src, err)) ||
        (rc = ds_checkpoint_sign(&note, signer, ledger->log.origin, size, root, err)))
        goto fail;
    utc_now(created);
    if ((rc = ds_ledger_store_put_checkpoint(ledger->store, ledger->log.id, size, root, note,
                                             created, err)) ||
        (rc = ds_ledger_store_commit(ledger->store, err)))
        goto fail;
    *out_note = note;
    note = NULL;
    goto out;
fail:
    ds_ledger_store_rollback(ledger->store);
out:
    free(note);
    ds_signer_free(signer);
    return rc;
}

int ds_ledger_latest_checkpoint(ds_ledger *ledger, char **out_note, ds_error *err)
{
    return ds_ledger_store_latest_checkpoint(ledger->store, ledger->log.id, out_note, err);
}

/* ---------------------------------------------------------------------------------------- */
/* Full verification                                                                         */

typedef struct stored_checkpoint {
    int64_t id;
    uint64_t size;
    size_t root_len;
    uint8_t root[32];
    char *note;
    int has_computed;
    uint8_t computed[32];
} stored_checkpoint;

typedef struct size_order {
    uint64_t size;
    size_t i;
} size_order;

typedef struct verify_ctx {
    ds_ledger *ledger;
    ds_error *err;
    uint64_t log_size;
    uint64_t next; /* the index the scan expects next */
    uint64_t n_nodes;
    uint8_t frontier[64][32];
    stored_checkpoint *cps;
    size_t n_cps, cap_cps;
    size_order *by_size; /* cps sorted by size */
    size_t next_cp;      /* next position in by_size */
} verify_ctx;

static int collect_checkpoint(void *ctx, const ds_ledger_checkpoint_row *row)
{
    verify_ctx *v = ctx;
    if (v->n_cps == v->cap_cps) {
        size_t cap = v->cap_cps ? 2 * v->cap_cps : 16;
        stored_checkpoint *grown = realloc(v->cps, cap * sizeof *grown);
        if (!grown)
            return ds_error_set(v->err, DS_ENOMEM, NULL, "out of memory");
        v->cps = grown;
        v->cap_cps = cap;
    }
    stored_checkpoint *cp = &v->cps[v->n_cps];
    memset(cp, 0, sizeof *cp);
    cp->id = row->id;
    cp->size = row->size;
    cp->root_len = row->root_len;
    if (row->root_len == 32)
        memcpy(cp->root, row->root, 32);
    size_t n = strlen(row->note);
    cp->note = malloc(n + 1);
    if (!cp->note)
        return ds_error_set(v->err, DS_ENOMEM, NULL, "out of memory");
    memcpy(cp->note, row->note, n + 1);
    v->n_cps++;
    return 0;
}

/* Records the recomputed root for every checkpoint whose size the scan has just reached. */
static void note_roots(verify_ctx *v, uint64_t count)
{
    while (v->next_cp < v->n_cps && v->by_size[v->next_cp].size <= count) {
        stored_checkpoint *cp = &v->cps[v->by_size[v->next_cp].i];
        if (cp->size == count) {
            ds_merkle_frontier_root(cp->computed, v->frontier, count);
            cp->has_computed = 1;
        }
        v->next_cp++;
    }
}

static int check_node(void *ctx, unsigned level, uint64_t idx, const uint8_t hash[32])
{
    verify_ctx *v = ctx;
    uint8_t stored[32];
    uint64_t first = idx << level, last = ((idx + 1) << level) - 1;
    ds_error inner;
    ds_error_clear(&inner);
    int rc = ds_ledger_store_node_uncached(v->ledger->store, v->ledger->log.id, level, idx, stored,
                                           &inner);
    if (rc == DS_ENOTFOUND || rc == DS_EMISMATCH || (!rc && memcmp(stored, hash, 32) != 0))
        return ds_error_set(v->err, DS_EMISMATCH, "nodes",
                            "subtree hash at level %u index %llu (entries %llu..%llu) %s", level,
                            (unsigned long long)idx, (unsigned long long)first,
                            (unsigned long long)last,
                            rc == DS_ENOTFOUND ? "is missing"
                            : rc               ? "is not 32 bytes"
                                               : "does not match the entries");
    if (rc) {
        if (v->err)
            *v->err = inner;
        return rc;
    }
    v->n_nodes++;
    return 0;
}

static int check_entry(void *ctx, uint64_t idx, const uint8_t *entry, size_t len,
                       const uint8_t *leaf_hash, size_t leaf_len)
{
    verify_ctx *v = ctx;
    if (idx != v->next) {
        if (idx < v->next) /* cannot happen with a primary key; kept for a damaged index */
            return ds_error_set(v->err, DS_EMISMATCH, "entries", "entry %llu appears twice",
                                (unsigned long long)idx);
        return ds_error_set(v->err, DS_EMISMATCH, "entries", "entry %llu is missing",
                            (unsigned long long)v->next);
    }
    if (idx >= v->log_size)
        return ds_error_set(v->err, DS_EMISMATCH, "entries",
                            "entry %llu lies beyond the log size %llu", (unsigned long long)idx,
                            (unsigned long long)v->log_size);
    uint8_t leaf[32];
    ds_merkle_leaf_hash(leaf, entry, len);
    if (leaf_len != 32 || memcmp(leaf, leaf_hash, 32) != 0)
        return ds_error_set(v->err, DS_EMISMATCH, "entries",
                            "entry %llu: stored leaf hash does not match the entry",
                            (unsigned long long)idx);
    int rc = ds_merkle_frontier_add(v->frontier, idx, leaf, check_node, v);
    if (rc) {
        return rc;
    }
    v->next = idx + 1;
    note_roots(v, v->next);
    return 0;
}

static int check_checkpoint(verify_ctx *v, const stored_checkpoint *cp,
                            const ds_verifier *verifier)
{
    ds_checkpoint opened;
    ds_error inner;
    ds_error_clear(&inner);
    int rc = ds_checkpoint_open(&opened, cp->note, verifier, v->ledger->log.origin, &inner);
    if (rc)
        return ds_error_set(v->err, DS_EMISMATCH, "checkpoints",
                            "checkpoint %lld does not verify: %s", (long long)cp->id,
                            inner.message);
    if (opened.size != cp->size || cp->root_len != 32 || memcmp(opened.root, cp->root, 32))
        return ds_error_set(v->err, DS_EMISMATCH, "checkpoints",
                            "checkpoint %lld: stored size or root differs from its signed note",
                            (long long)cp->id);
    if (opened.size > v->log_size)
        return ds_error_set(v->err, DS_EMISMATCH, "checkpoints",
                            "checkpoint %lld: size %llu is beyond the log's %llu entries",
                            (long long)cp->id, (unsigned long long)opened.size,
                            (unsigned long long)v->log_size);
    if (!cp->has_computed || memcmp(cp->computed, opened.root, 32) != 0)
        return ds_error_set(v->err, DS_EMISMATCH, "checkpoints",
                            "checkpoint %lld: root at size %llu does not match the entries",
                            (long long)cp->id, (unsigned long long)opened.size);
    return 0;
}

static int by_size_cmp(const void *a, const void *b)
{
    uint64_t sa = ((const size_order *)a)->size, sb = ((const size_order *)b)->size;
    return sa < sb ? -1 : sa > sb;
}

static int verify_in(ds_ledger *ledger, ds_ledger_verify_report *report, ds_error *err)
{
    verify_ctx *v = calloc(1, sizeof *v);
    ds_verifier *verifier = NULL;
    if (!v)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    v->ledger = ledger;
    v->err = err;
    int rc = ds_verifier_parse(&verifier, ledger->log.verifier_key, err);
    if (rc)
        goto out;
    if ((rc = ds_ledger_size(ledger, &v->log_size, err)) ||
        (rc = ds_ledger_store_each_checkpoint(ledger->store, ledger->log.id, collect_checkpoint, v,
                                              err)))
        goto out;
    v->by_size = malloc((v->n_cps ? v->n_cps : 1) * sizeof *v->by_size);
    if (!v->by_size) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < v->n_cps; i++) {
        v->by_size[i].size = v->cps[i].size;
        v->by_size[i].i = i;
    }
    qsort(v->by_size, v->n_cps, sizeof *v->by_size, by_size_cmp);
    note_roots(v, 0);

    /* Entries in index order: leaf hashes, then every node each leaf completes. */
    if ((rc = ds_ledger_store_each_entry(ledger->store, ledger->log.id, check_entry, v, err)))
        goto out;
    if (v->next < v->log_size) {
        rc = ds_error_set(err, DS_EMISMATCH, "entries", "entry %llu is missing",
                          (unsigned long long)v->next);
        goto out;
    }
    int64_t n_stored;
    if ((rc = ds_ledger_store_count_nodes(ledger->store, ledger->log.id, &n_stored, err)))
        goto out;
    if (n_stored < 0 || (uint64_t)n_stored != v->n_nodes) {
        rc = ds_error_set(err, DS_EMISMATCH, "nodes",
                          "%lld subtree hashes stored, %llu expected for %llu entries",
                          (long long)n_stored, (unsigned long long)v->n_nodes,
                          (unsigned long long)v->log_size);
        goto out;
    }
    for (size_t i = 0; i < v->n_cps; i++) {
        if ((rc = check_checkpoint(v, &v->cps[i], verifier)))
            goto out;
    }
    if (report) {
        report->size = v->log_size;
        report->n_nodes = v->n_nodes;
        report->n_checkpoints = v->n_cps;
    }
out:
    for (size_t i = 0; i < v->n_cps; i++)
        free(v->cps[i].note);
    free(v->cps);
    free(v->by_size);
    free(v);
    ds_verifier_free(verifier);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Verification against a relying party's checkpoint                                        */

/* Parses the verifier key and opens the note; malformed input keeps its code. */
static int open_note(ds_checkpoint *out, const char *verifier_key, const char *note,
                     const char *expected_origin, const char *what, ds_error *err)
{
    ds_verifier *verifier = NULL;
    int rc = ds_verifier_parse(&verifier, verifier_key, err);
    if (rc)
        return rc;
    ds_error inner;
    ds_error_clear(&inner);
    rc = ds_checkpoint_open(out, note, verifier, expected_origin, &inner);
    ds_verifier_free(verifier);
    if (rc)
        return ds_error_set(err, rc, what, "%s", inner.message);
    return 0;
}

int ds_ledger_verify_inclusion(const char *verifier_key, const char *note,
                               const char *expected_origin, uint64_t index, uint64_t size,
                               const uint8_t *entry, size_t entry_len,
                               const uint8_t (*path)[DS_MERKLE_HASH_SIZE], size_t n_path,
                               ds_error *err)
{
    ds_checkpoint cp;
    int rc = open_note(&cp, verifier_key, note, expected_origin, "checkpoint", err);
    if (rc)
        return rc;
    if (size != cp.size)
        return ds_error_set(err, DS_EMISMATCH, "size",
                            "the proof is for a tree of %llu entries but the checkpoint "
                            "signs %llu",
                            (unsigned long long)size, (unsigned long long)cp.size);
    uint8_t leaf[32];
    ds_merkle_leaf_hash(leaf, entry, entry_len);
    ds_error inner;
    ds_error_clear(&inner);
    rc = ds_merkle_verify_inclusion(leaf, index, size, path, n_path, cp.root, &inner);
    if (rc == DS_EMISMATCH) {
        char field[48];
        snprintf(field, sizeof field, "entries[%llu]", (unsigned long long)index);
        return ds_error_set(err, rc, field,
                            "inclusion proof does not lead to the root of the checkpoint of "
                            "size %llu",
                            (unsigned long long)cp.size);
    }
    if (rc && err)
        *err = inner;
    return rc;
}

int ds_ledger_verify_entry(ds_ledger *ledger, const char *verifier_key, const char *note,
                           uint64_t index, char **entry, size_t *entry_len, ds_error *err)
{
    if (entry) {
        *entry = NULL;
        *entry_len = 0;
    }
    ds_checkpoint cp;
    int rc = open_note(&cp, verifier_key, note, ledger->log.origin, "checkpoint", err);
    if (rc)
        return rc;
    char field[48];
    snprintf(field, sizeof field, "entries[%llu]", (unsigned long long)index);
    uint64_t size;
    if ((rc = ds_ledger_size(ledger, &size, err)))
        return rc;
    if (cp.size > size)
        return ds_error_set(err, DS_EMISMATCH, "checkpoint",
                            "signs %llu entries but the log holds %llu",
                            (unsigned long long)cp.size, (unsigned long long)size);
    if (index >= cp.size)
        return ds_error_set(err, DS_EINVAL, "index", "%llu is not below the checkpoint size %llu",
                            (unsigned long long)index, (unsigned long long)cp.size);

    /* The leaf hash comes from the entry itself, never from the stored leaf_hash column. */
    char *bytes = NULL;
    size_t len = 0;
    uint8_t leaf[32];
    ds_error inner;
    ds_error_clear(&inner);
    rc = entry_leaf(ledger, index, leaf, &bytes, &len, &inner);
    if (rc == DS_ENOTFOUND)
        return ds_error_set(err, DS_EMISMATCH, field, "missing from the log");
    if (rc) {
        if (err)
            *err = inner;
        return rc;
    }
    uint8_t path[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE];
    size_t n_path = 0;
    rc = prove_path(ledger, index, cp.size, path, &n_path, &inner);
    if (rc == DS_ENOTFOUND || rc == DS_EMISMATCH) {
        /* A stored hash the proof needs is gone or damaged: the log no longer proves it. */
        rc = ds_error_set(err, DS_EMISMATCH, field, "no inclusion proof: %s", inner.message);
    } else if (rc) {
        if (err)
            *err = inner;
    } else {
        rc = ds_merkle_verify_inclusion(leaf, index, cp.size, (const uint8_t(*)[32])path, n_path,
                                        cp.root, &inner);
        if (rc == DS_EMISMATCH)
            rc = ds_error_set(err, rc, field,
                              "inclusion proof does not lead to the root of the checkpoint of "
                              "size %llu",
                              (unsigned long long)cp.size);
        else if (rc && err)
            *err = inner;
    }
    if (!rc && entry) {
        *entry = bytes;
        *entry_len = len;
        bytes = NULL;
    }
    free(bytes);
    return rc;
}

int ds_ledger_verify_consistency(const char *verifier_key, const char *old_note,
                                 const char *new_note, const char *expected_origin,
                                 const uint8_t (*path)[DS_MERKLE_HASH_SIZE], size_t n_path,
                                 ds_error *err)
{
    ds_checkpoint old_cp, new_cp;
    int rc = open_note(&old_cp, verifier_key, old_note, expected_origin, "old checkpoint", err);
    if (!rc)
        rc = open_note(&new_cp, verifier_key, new_note, expected_origin, "new checkpoint", err);
    if (rc)
        return rc;
    if (old_cp.size > new_cp.size)
        return ds_error_set(err, DS_EMISMATCH, "old checkpoint",
                            "size %llu is beyond the new checkpoint's %llu",
                            (unsigned long long)old_cp.size, (unsigned long long)new_cp.size);
    ds_error inner;
    ds_error_clear(&inner);
    rc = ds_merkle_verify_consistency(old_cp.size, new_cp.size, old_cp.root, new_cp.root, path,
                                      n_path, &inner);
    if (rc == DS_EMISMATCH)
        return ds_error_set(err, rc, "consistency",
                            "the tree of %llu entries does not extend the one of %llu",
                            (unsigned long long)new_cp.size, (unsigned long long)old_cp.size);
    if (rc && err)
        *err = inner;
    return rc;
}

static int verify_extends_in(ds_ledger *ledger, const char *verifier_key, const char *old_note,
                             const char *new_note, ds_error *err)
{
    ds_checkpoint old_cp, new_cp;
    int rc = open_note(&old_cp, verifier_key, old_note, ledger->log.origin, "old checkpoint", err);
    if (!rc)
        rc = open_note(&new_cp, verifier_key, new_note, ledger->log.origin, "new checkpoint", err);
    if (rc)
        return rc;
    uint64_t size;
    if ((rc = ds_ledger_size(ledger, &size, err)))
        return rc;
    if (new_cp.size > size || old_cp.size > new_cp.size)
        return ds_error_set(err, DS_EMISMATCH, "consistency",
                            "checkpoint sizes %llu and %llu do not fit a log of %llu entries",
                            (unsigned long long)old_cp.size, (unsigned long long)new_cp.size,
                            (unsigned long long)size);
    uint8_t path[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE];
    size_t n_path = 0;
    ds_error inner;
    ds_error_clear(&inner);
    node_source src = {ledger, &inner};
    rc = ds_merkle_consistency_proof(path, &n_path, old_cp.size, new_cp.size, source_node, &src,
                                     &inner);
    if (!rc)
        rc = ds_merkle_verify_consistency(old_cp.size, new_cp.size, old_cp.root, new_cp.root,
                                          (const uint8_t(*)[32])path, n_path, &inner);
    if (rc == DS_EMISMATCH || rc == DS_ENOTFOUND)
        return ds_error_set(err, DS_EMISMATCH, "consistency",
                            "the log at %llu entries does not extend the checkpoint of %llu "
                            "(%s)",
                            (unsigned long long)new_cp.size, (unsigned long long)old_cp.size,
                            inner.message);
    if (rc && err)
        *err = inner;
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Public reads: each runs in one read transaction (one snapshot, locks taken once).         */

int ds_ledger_root(ds_ledger *ledger, uint64_t size, uint8_t out[DS_MERKLE_HASH_SIZE],
                   ds_error *err)
{
    int rc = ds_ledger_store_read_begin(ledger->store, err);
    if (rc)
        return rc;
    rc = root_in(ledger, size, out, err);
    ds_ledger_store_read_end(ledger->store);
    return rc;
}

int ds_ledger_consistency(ds_ledger *ledger, uint64_t from, uint64_t to,
                          uint8_t path[][DS_MERKLE_HASH_SIZE], size_t *n_path, ds_error *err)
{
    int rc = ds_ledger_store_read_begin(ledger->store, err);
    if (rc)
        return rc;
    rc = consistency_in(ledger, from, to, path, n_path, err);
    ds_ledger_store_read_end(ledger->store);
    return rc;
}

int ds_ledger_verify(ds_ledger *ledger, ds_ledger_verify_report *report, ds_error *err)
{
    int rc = ds_ledger_store_read_begin(ledger->store, err);
    if (rc)
        return rc;
    rc = verify_in(ledger, report, err);
    ds_ledger_store_read_end(ledger->store);
    return rc;
}

int ds_ledger_verify_extends(ds_ledger *ledger, const char *verifier_key, const char *old_note,
                             const char *new_note, ds_error *err)
{
    int rc = ds_ledger_store_read_begin(ledger->store, err);
    if (rc)
        return rc;
    rc = verify_extends_in(ledger, verifier_key, old_note, new_note, err);
    ds_ledger_store_read_end(ledger->store);
    return rc;
}
