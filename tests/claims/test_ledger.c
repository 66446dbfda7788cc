/*
 * test_ledger.c: the SQLite-backed provenance ledger.
 *
 * What is checked, and against what:
 *   - roots, inclusion and consistency proofs from the stored subtree hashes equal those of the
 *     merkle helper's in-memory tree (claims/merkle.h, itself tested against the RFC 6962/9162
 *     vectors) for every size, index and (from, to) pair up to N_AGREE entries, appended in
 *     batches of irregular sizes so that every frontier shape is loaded from the database;
 *   - an invalid record refuses the whole batch and leaves the log byte-for-byte unchanged;
 *   - the acceptance tamper tests (issue 3): every byte of every stored entry and every stored
 *     hash is flipped in turn with raw SQL through a second SQLite connection, entries are
 *     deleted and swapped; each time ds_ledger_verify reports DS_EMISSMATCH naming the index, and
 *     ds_ledger_verify_entry fails under the last signed checkpoint for exactly the entries whose
 *     own entry or proof path was touched (the path set is recorded independently on the
 *     in-memory tree) and succeeds for all others;
 *   - a proof for a size other than the checkpoint's, a checkpoint signed by another key and a
 *     rewritten history are rejected.
 * Databases and key files are created in the test's working directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "claims/checkpoint.h"
#include "claims/ledger.h"
#include "claims/merkle.h"
#include "claims/record.h"
#include "data/db.h"
#include "data/ledger_store.h"
#include "tests/ds_test.h"

#define ORIGIN "ledger.example-platform.cn/P-001"
#define N_AGREE 130
#define N_TAMPER 23

static void remove_files(const char *db_path, const char *key_path)
{
    char buf[256];
    unlink(db_path);
    snprintf(buf, sizeof buf, "%s-wal", db_path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", db_path);
    unlink(buf);
    if (key_path)
        unlink(key_path);
}

/* A valid record; i varies its content so that no two entries are equal. */
static cJSON *record(size_t i)
{
    char text[256];
    if (i % 3 == 0)
        snprintf(text, sizeof text,
                 "{\"type\":\"asset.records\",\"ts\":\"2027-01-%02zuT08:00:00Z\","
                 "\"asset\":\"A%zu\",\"records\":%zu}",
                 i % 28 + 1, i, 1000 + i);
    else if (i % 3 == 1)
        snprintf(text, sizeof text,
                 "{\"asset\":\"A%zu\",\"grade\":\"%s\",\"type\":\"asset.graded\","
                 "\"ts\":\"2027-02-%02zuT09:30:00Z\"}",
                 i, i % 2 ? "core" : "important", i % 28 + 1);
    else
        snprintf(text, sizeof text,
                 "{\"type\":\"flow\",\"ts\":\"2027-03-01T00:00:%02zuZ\",\"asset\":\"A%zu\","
                 "\"from\":\"plant\",\"to\":\"cloud\",\"records\":%zu,\"purpose\":\"backup\"}",
                 i % 60, i, i * 7);
    cJSON *r = cJSON_Parse(text);
    CU_ASSERT_FATAL(r != NULL);
    return r;
}

/* Creates a fresh database with one log. */
static ds_db *fresh_db(const char *db_path, const char *key_path)
{
    remove_files(db_path, key_path);
    ds_db *db = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_db_open(&db, db_path, NULL, &err) == 0);
    int rc = ds_ledger_create(db, ORIGIN, key_path, NULL, &err);
    if (rc)
        fprintf(stderr, "\n  create: %s\n", err.message);
    CU_ASSERT_FATAL(rc == 0);
    return db;
}

static void append_records(ds_ledger *lg, size_t from, size_t n)
{
    cJSON **recs = calloc(n ? n : 1, sizeof *recs);
    CU_ASSERT_FATAL(recs != NULL);
    for (size_t k = 0; k < n; k++)
        recs[k] = record(from + k);
    uint64_t first = 0, size = 0;
    ds_error err;
    int rc = ds_ledger_append(lg, (const cJSON *const *)recs, n, NULL, &first, &size, &err);
    if (rc)
        fprintf(stderr, "\n  append: %s\n", err.message);
    CU_ASSERT_FATAL(rc == 0);
    CU_ASSERT_EQUAL(first, from);
    CU_ASSERT_EQUAL(size, from + n);
    for (size_t k = 0; k < n; k++)
        cJSON_Delete(recs[k]);
    free(recs);
}

/* The leaf hashes of the canonical forms of records 0..n-1, independently of the store. */
static ds_merkle_mem *memory_tree(size_t n)
{
    uint8_t(*leaves)[32] = calloc(n ? n : 1, 32);
    CU_ASSERT_FATAL(leaves != NULL);
    ds_error err;
    for (size_t i = 0; i < n; i++) {
        cJSON *r = record(i);
        char *text;
        size_t len;
        CU_ASSERT_FATAL(ds_record_canonical(&text, &len, r, "", &err) == 0);
        ds_merkle_leaf_hash(leaves[i], (const uint8_t *)text, len);
        free(text);
        cJSON_Delete(r);
    }
    ds_merkle_mem *mem = NULL;
    CU_ASSERT_FATAL(ds_merkle_mem_new(&mem, (const uint8_t(*)[32])leaves, n, &err) == 0);
    free(leaves);
    return mem;
}

/* Appends n records to a fresh log in batches from next_batch, then compares every root, every
 * inclusion proof and every consistency proof for every size with the in-memory tree, and checks
 * the audit's node count: a log of n leaves has sum_{l>=1} floor(n / 2^l) complete subtrees. */
static void check_agreement(const char *db_path, const char *key_path, size_t n_total,
                            size_t (*next_batch)(size_t batch))
{
    ds_db *db = fresh_db(db_path, key_path);
    ds_ledger *lg = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_ledger_open(&lg, db, NULL, &err) == 0);
    size_t n = 0, batch = next_batch(0);
    while (n < n_total) {
        size_t k = batch < n_total - n ? batch : n_total - n;
        append_records(lg, n, k);
        n += k;
        batch = next_batch(batch);
    }
    ds_merkle_mem *mem = memory_tree(n_total);
    int mismatches = 0;
    for (uint64_t size = 0; size <= n_total; size++) {
        uint8_t want[32], got[32];
        CU_ASSERT_FATAL(ds_merkle_root(want, size, ds_merkle_mem_node, mem, &err) == 0);
        CU_ASSERT_FATAL(ds_ledger_root(lg, size, got, &err) == 0);
        mismatches += memcmp(want, got, 32) != 0;
        for (uint64_t i = 0; i < size; i++) {
            uint8_t wpath[DS_MERKLE_MAX_PROOF][32], gpath[DS_MERKLE_MAX_PROOF][32], leaf[32];
            size_t wn = 0, gn = 0;
            CU_ASSERT_FATAL(ds_merkle_inclusion_proof(wpath, &wn, i, size, ds_merkle_mem_node, mem,
                                                      &err) == 0);
            CU_ASSERT_FATAL(ds_ledger_prove(lg, i, size, leaf, gpath, &gn, &err) == 0);
            uint8_t want_leaf[32];
            CU_ASSERT_FATAL(ds_merkle_mem_node(mem, 0, i, want_leaf) == 0);
            mismatches +=
                wn != gn || memcmp(wpath, gpath, wn * 32) != 0 || memcmp(leaf, want_leaf, 32) != 0;
        }
        for (uint64_t from = 0; from <= size; from++) {
            uint8_t wpath[DS_MERKLE_MAX_PROOF][32], gpath[DS_MERKLE_MAX_PROOF][32];
            size_t wn = 0, gn = 0;
            CU_ASSERT_FATAL(ds_merkle_consistency_proof(wpath, &wn, from, size, ds_merkle_mem_node,
                                                        mem, &err) == 0);
            CU_ASSERT_FATAL(ds_ledger_consistency(lg, from, size, gpath, &gn, &err) == 0);
            mismatches += wn != gn || memcmp(wpath, gpath, wn * 32) != 0;
        }
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    ds_ledger_verify_report report;
    CU_ASSERT(ds_ledger_verify(lg, &report, &err) == 0);
    CU_ASSERT_EQUAL(report.size, n_total);
    uint64_t want_nodes = 0;
    for (uint64_t s = n_total >> 1; s; s >>= 1)
        want_nodes += s;
    CU_ASSERT_EQUAL(report.n_nodes, want_nodes);
    ds_merkle_mem_free(mem);
    ds_ledger_free(lg);
    ds_db_close(db);
    remove_files(db_path, key_path);
}

/* Irregular batch sizes 1..17: frontiers of many shapes are loaded back from the database. */
static size_t irregular_batch(size_t batch)
{
    return batch == 0 ? 1 : batch * 3 % 17 + 1;
}

static void test_ledger__roots_and_proofs_agree_with_memory_tree_for_every_size(void)
{
    check_agreement("agree.db", "agree.key", N_AGREE, irregular_batch);
}

/* Batches of 64 rows and more go through the multi-row INSERT statements; 65, 130 and 200 also
 * leave partial statements and frontiers that cross a statement's end. */
static size_t large_batch(size_t batch)
{
    return batch == 0 ? 65 : batch == 65 ? 130 : 200;
}

static void test_ledger__batches_of_64_or_more_agree_with_memory_tree(void)
{
    check_agreement("agree_large.db", "agree_large.key", 400, large_batch);
}

/*
 * The node cache holds partly filled chunks at the right edge of each level; appends after a
 * proof must be seen by the next one. 300 single-record appends on one open ledger, each
 * followed by a root, the newest entry's proof and a consistency proof, all compared with the
 * in-memory tree (300 entries fill more than one 128-hash chunk at level 1).
 */
static void test_ledger__proofs_stay_right_while_the_log_grows(void)
{
    const char *db_path = "grow.db", *key_path = "grow.key";
    ds_db *db = fresh_db(db_path, key_path);
    ds_ledger *lg = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_ledger_open(&lg, db, NULL, &err) == 0);
    const uint64_t n = 300;
    ds_merkle_mem *mem = memory_tree(n);
    int mismatches = 0;
    for (uint64_t size = 1; size <= n; size++) {
        append_records(lg, size - 1, 1);
        uint8_t want[32], got[32];
        CU_ASSERT_FATAL(ds_merkle_root(want, size, ds_merkle_mem_node, mem, &err) == 0);
        CU_ASSERT_FATAL(ds_ledger_root(lg, size, got, &err) == 0);
        mismatches += memcmp(want, got, 32) != 0;
        uint8_t wpath[DS_MERKLE_MAX_PROOF][32], gpath[DS_MERKLE_MAX_PROOF][32], leaf[32];
        size_t wn = 0, gn = 0;
        uint64_t i = (size * 7919) % size; /* a spread of indices, and the newest below */
        for (int k = 0; k < 2; k++, i = size - 1) {
            CU_ASSERT_FATAL(ds_merkle_inclusion_proof(wpath, &wn, i, size, ds_merkle_mem_node, mem,
                                                      &err) == 0);
            CU_ASSERT_FATAL(ds_ledger_prove(lg, i, size, leaf, gpath, &gn, &err) == 0);
            mismatches += wn != gn || memcmp(wpath, gpath, wn * 32) != 0;
        }
        CU_ASSERT_FATAL(ds_merkle_consistency_proof(wpath, &wn, size / 2, size, ds_merkle_mem_node,
                                                    mem, &err) == 0);
        CU_ASSERT_FATAL(ds_ledger_consistency(lg, size / 2, size, gpath, &gn, &err) == 0);
        mismatches += wn != gn || memcmp(wpath, gpath, wn * 32) != 0;
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    ds_merkle_mem_free(mem);
    ds_ledger_free(lg);
    ds_db_close(db);
    remove_files(db_path, key_path);
}

/*
 * One store reading several logs (as the claims verifier does) keeps their cached hashes
 * apart, also when more logs are read than it keeps directories for: every cached read equals
 * the uncached one.
 */
static void test_ledger__node_cache_keeps_logs_apart(void)
{
    const char *db_path = "logs.db";
    remove_files(db_path, NULL);
    ds_db *db = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_db_open(&db, db_path, NULL, &err) == 0);
    enum { N_LOGS = 6, N_ENTRIES = 300 };
    for (int g = 0; g < N_LOGS; g++) {
        char origin[32], key[32];
        snprintf(origin, sizeof origin, "log/%d", g);
        snprintf(key, sizeof key, "logs-%d.key", g);
        unlink(key);
        CU_ASSERT_FATAL(ds_ledger_create(db, origin, key, NULL, &err) == 0);
        ds_ledger *lg = NULL;
        CU_ASSERT_FATAL(ds_ledger_open(&lg, db, origin, &err) == 0);
        /* Different content per log: records 1000 g, 1000 g + 1, ... */
        cJSON *recs[N_ENTRIES];
        for (int i = 0; i < N_ENTRIES; i++)
            recs[i] = record((size_t)(i + 1000 * g));
        CU_ASSERT_FATAL(ds_ledger_append(lg, (const cJSON *const *)recs, N_ENTRIES, NULL, NULL,
                                         NULL, &err) == 0);
        for (int i = 0; i < N_ENTRIES; i++)
            cJSON_Delete(recs[i]);
        ds_ledger_free(lg);
    }
    ds_ledger_store *store = NULL;
    CU_ASSERT_FATAL(ds_ledger_store_new(&store, db, &err) == 0);
    int mismatches = 0;
    for (int round = 0; round < 3; round++) {
        for (unsigned level = 1; level < 9; level++) {
            for (uint64_t idx = 0; idx < (uint64_t)(N_ENTRIES >> level); idx += 3) {
                for (int64_t log_id = 1; log_id <= N_LOGS; log_id++) {
                    uint8_t cached[32], direct[32];
                    CU_ASSERT_FATAL(
                        ds_ledger_store_node(store, log_id, level, idx, cached, &err) == 0);
                    CU_ASSERT_FATAL(ds_ledger_store_node_uncached(store, log_id, level, idx,
                                                                  direct, &err) == 0);
                    mismatches += memcmp(cached, direct, 32) != 0;
                }
            }
        }
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    ds_ledger_store_free(store);
    ds_db_close(db);
    remove_files(db_path, NULL);
    for (int g = 0; g < N_LOGS; g++) {
        char key[32];
        snprintf(key, sizeof key, "logs-%d.key", g);
        unlink(key);
    }
}

static void test_ledger__out_of_range_sizes_and_indices_name_the_field(void)
{
    const char *db_path = "range.db", *key_path = "range.key";
    ds_db *db = fresh_db(db_path, key_path);
    ds_ledger *lg = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_ledger_open(&lg, db, NULL, &err) == 0);
    append_records(lg, 0, 5);
    uint8_t root[32], path[DS_MERKLE_MAX_PROOF][32], leaf[32];
    size_t n_path;
    CU_ASSERT(ds_ledger_root(lg, 6, root, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "size");
    CU_ASSERT(ds_ledger_prove(lg, 5, 5, leaf, path, &n_path, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "index");
    CU_ASSERT(ds_ledger_prove(lg, 0, 0, leaf, path, &n_path, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "size");
    CU_ASSERT(ds_ledger_prove(lg, 0, 9, leaf, path, &n_path, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "size");
    CU_ASSERT(ds_ledger_consistency(lg, 4, 3, path, &n_path, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "from");
    CU_ASSERT(ds_ledger_consistency(lg, 1, 6, path, &n_path, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "to");
    ds_ledger_free(lg);
    ds_db_close(db);
    remove_files(db_path, key_path);
}

static int64_t count_rows(ds_db *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_FATAL(sqlite3_prepare_v2(ds_db_handle(db), sql, -1, &stmt, NULL) == SQLITE_OK);
    CU_ASSERT_FATAL(sqlite3_step(stmt) == SQLITE_ROW);
    int64_t v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

static void test_ledger__invalid_record_refuses_whole_batch_and_leaves_log_unchanged(void)
{
    const char *db_path = "batch.db", *key_path = "batch.key";
    ds_db *db = fresh_db(db_path, key_path);
    ds_ledger *lg = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_ledger_open(&lg, db, NULL, &err) == 0);
    append_records(lg, 0, 7);
    uint8_t before[32], after[32];
    CU_ASSERT_FATAL(ds_ledger_root(lg, 7, before, &err) == 0);
    int64_t entries = count_rows(db, "SELECT count(*) FROM entries");
    int64_t nodes = count_rows(db, "SELECT count(*) FROM nodes");

    cJSON *recs[4] = {record(7), record(8), record(9), record(10)};
    cJSON_ReplaceItemInObject(recs[2], "ts", cJSON_CreateString("2027-02-30T00:00:00Z"));
    uint64_t first = 99, size = 99;
    CU_ASSERT(ds_ledger_append(lg, (const cJSON *const *)recs, 4, NULL, &first, &size, &err) ==
              DS_EINVAL);
    CU_ASSERT(strncmp(err.message, "records[2].ts: ", 15) == 0);
    CU_ASSERT_EQUAL(first, 99);

    const size_t lines[4] = {3, 4, 6, 7};
    CU_ASSERT(ds_ledger_append(lg, (const cJSON *const *)recs, 4, lines, NULL, NULL, &err) ==
              DS_EINVAL);
    CU_ASSERT(strncmp(err.message, "line 6: ts: ", 12) == 0);

    uint64_t now;
    CU_ASSERT(ds_ledger_size(lg, &now, &err) == 0);
    CU_ASSERT_EQUAL(now, 7);
    CU_ASSERT_FATAL(ds_ledger_root(lg, 7, after, &err) == 0);
    CU_ASSERT(memcmp(before, after, 32) == 0);
    CU_ASSERT_EQUAL(count_rows(db, "SELECT count(*) FROM entries"), entries);
    CU_ASSERT_EQUAL(count_rows(db, "SELECT count(*) FROM nodes"), nodes);
    CU_ASSERT(ds_ledger_verify(lg, NULL, &err) == 0);

    /* The same batch with the record fixed goes through whole. */
    cJSON_Delete(recs[2]);
    recs[2] = record(9);
    CU_ASSERT(ds_ledger_append(lg, (const cJSON *const *)recs, 4, NULL, &first, &size, &err) == 0);
    CU_ASSERT_EQUAL(first, 7);
    CU_ASSERT_EQUAL(size, 11);
    for (int i = 0; i < 4; i++)
        cJSON_Delete(recs[i]);
    ds_ledger_free(lg);
    ds_db_close(db);
    remove_files(db_path, key_path);
}

static void test_ledger__create_refuses_existing_origin_key_file_and_bad_names(void)
{
    const char *db_path = "create.db", *key_path = "create.key";
    ds_db *db = fresh_db(db_path, key_path);
    ds_error err;
    struct stat st;
    CU_ASSERT_FATAL(stat(key_path, &st) == 0);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0600);

    unlink("other.key");
    CU_ASSERT(ds_ledger_create(db, ORIGIN, "other.key", NULL, &err) == DS_ECONFLICT);
    CU_ASSERT_STRING_EQUAL(err.field, "origin");
    CU_ASSERT(access("other.key", F_OK) != 0);

    CU_ASSERT(ds_ledger_create(db, "second/log", key_path, NULL, &err) == DS_ECONFLICT);
    CU_ASSERT(ds_ledger_create(db, "bad name+x", "bad.key", NULL, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "origin");
    CU_ASSERT(access("bad.key", F_OK) != 0);

    ds_ledger *lg = NULL;
    CU_ASSERT(ds_ledger_open(&lg, db, "no/such/log", &err) == DS_ENOTFOUND);
    CU_ASSERT(ds_ledger_open(&lg, db, NULL, &err) == 0);
    CU_ASSERT_STRING_EQUAL(ds_ledger_origin(lg), ORIGIN);
    ds_ledger_free(lg);

    char *vkey = NULL;
    unlink("second.key");
    CU_ASSERT(ds_ledger_create(db, "second/log", "second.key", &vkey, &err) == 0);
    CU_ASSERT(vkey != NULL && strncmp(vkey, "second/log+", 11) == 0);
    free(vkey);
    CU_ASSERT(ds_ledger_open(&lg, db, NULL, &err) == DS_EUSAGE);
    CU_ASSERT_STRING_EQUAL(err.field, "--log");
    CU_ASSERT(ds_ledger_open(&lg, db, "second/log", &err) == 0);
    ds_ledger_free(lg);
    ds_db_close(db);
    remove_files(db_path, key_path);
    unlink("second.key");

    /* An empty database has no default log. */
    remove_files("empty.db", NULL);
    CU_ASSERT_FATAL(ds_db_open(&db, "empty.db", NULL, &err) == 0);
    CU_ASSERT(ds_ledger_open(&lg, db, NULL, &err) == DS_ENOTFOUND);
    ds_db_close(db);
    remove_files("empty.db", NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* Tampering                                                                                 */

typedef struct tamper_env {
    const char *db_path;
    ds_db *db;          /* the ledger's connection */
    sqlite3 *raw;       /* a second connection, as an attacker with file access would use */
    char *note;         /* the last signed checkpoint */
    char *vkey;         /* the relying party's copy of the verifier key */
    ds_merkle_mem *mem; /* the untampered tree */
    ds_ledger *auditor; /* kept open: ds_ledger_verify reads nothing through the cache */
} tamper_env;

static void raw_exec_quiet(sqlite3 *raw, const char *sql)
{
    CU_ASSERT_FATAL(sqlite3_exec(raw, sql, NULL, NULL, NULL) == SQLITE_OK);
}

static void tamper_setup(tamper_env *env)
{
    memset(env, 0, sizeof *env);
    env->db_path = "tamper.db";
    env->db = fresh_db(env->db_path, "tamper.key");
    ds_ledger *lg = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_ledger_open(&lg, env->db, NULL, &err) == 0);
    append_records(lg, 0, 9);
    CU_ASSERT_FATAL(ds_ledger_checkpoint(lg, &env->note, &err) == 0);
    free(env->note);
    append_records(lg, 9, N_TAMPER - 9);
    CU_ASSERT_FATAL(ds_ledger_checkpoint(lg, &env->note, &err) == 0);
    size_t n = strlen(ds_ledger_verifier_key(lg)) + 1;
    env->vkey = malloc(n);
    CU_ASSERT_FATAL(env->vkey != NULL);
    memcpy(env->vkey, ds_ledger_verifier_key(lg), n);
    ds_ledger_free(lg);
    env->mem = memory_tree(N_TAMPER);
    CU_ASSERT_FATAL(sqlite3_open(env->db_path, &env->raw) == SQLITE_OK);
    sqlite3_busy_timeout(env->raw, 5000);
    /* Thousands of one-row tampering commits: durability is not what is tested here. */
    raw_exec_quiet(env->raw, "PRAGMA synchronous=OFF");
    CU_ASSERT_FATAL(ds_ledger_open(&env->auditor, env->db, NULL, &err) == 0);
}

static void tamper_teardown(tamper_env *env)
{
    ds_ledger_free(env->auditor);
    sqlite3_close(env->raw);
    ds_db_close(env->db);
    ds_merkle_mem_free(env->mem);
    free(env->note);
    free(env->vkey);
    remove_files(env->db_path, "tamper.key");
}

static void raw_exec(tamper_env *env, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(env->raw, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "\n  %s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    CU_ASSERT_FATAL(rc == SQLITE_OK);
}

/* Reads a blob with a query taking no parameters. */
static size_t raw_blob(tamper_env *env, const char *sql, uint8_t *out, size_t cap)
{
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_FATAL(sqlite3_prepare_v2(env->raw, sql, -1, &stmt, NULL) == SQLITE_OK);
    CU_ASSERT_FATAL(sqlite3_step(stmt) == SQLITE_ROW);
    size_t n = (size_t)sqlite3_column_bytes(stmt, 0);
    CU_ASSERT_FATAL(n <= cap);
    memcpy(out, sqlite3_column_blob(stmt, 0), n);
    sqlite3_finalize(stmt);
    return n;
}

static void raw_set_blob(tamper_env *env, const char *sql, const uint8_t *data, size_t n)
{
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_FATAL(sqlite3_prepare_v2(env->raw, sql, -1, &stmt, NULL) == SQLITE_OK);
    sqlite3_bind_blob(stmt, 1, data, (int)n, SQLITE_TRANSIENT);
    CU_ASSERT_FATAL(sqlite3_step(stmt) == SQLITE_DONE);
    CU_ASSERT_FATAL(sqlite3_changes(env->raw) == 1);
    sqlite3_finalize(stmt);
}

/*
 * ds_ledger_verify of the tampered file; returns the code and copies the message. One ledger
 * serves every call: verify reads the tables directly, never through the node cache.
 */
static int verify_fresh(tamper_env *env, char *message, size_t cap)
{
    ds_error err;
    ds_error_clear(&err);
    int rc = ds_ledger_verify(env->auditor, NULL, &err);
    snprintf(message, cap, "%s", err.message);
    return rc;
}

/* A node source over the untampered tree that records which stored hashes were asked for. */
typedef struct recording {
    ds_merkle_mem *mem;
    unsigned level;
    uint64_t idx;
    int used;
} recording;

static int recording_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    recording *r = ctx;
    if (level == r->level && index == r->idx)
        r->used = 1;
    return ds_merkle_mem_node(r->mem, level, index, out);
}

/* Does the inclusion proof of entry j at size n read the stored hash (level, idx)? */
static int proof_uses(ds_merkle_mem *mem, uint64_t j, uint64_t n, unsigned level, uint64_t idx)
{
    recording r = {mem, level, idx, 0};
    uint8_t path[DS_MERKLE_MAX_PROOF][32];
    size_t n_path;
    ds_error err;
    CU_ASSERT_FATAL(ds_merkle_inclusion_proof(path, &n_path, j, n, recording_node, &r, &err) == 0);
    return r.used;
}

/*
 * Checks ds_ledger_verify_entry under the last checkpoint for every entry: it must fail exactly
 * for the entries in bad_entries (their own bytes changed) and those whose proof reads one of
 * the stored hashes in bad_nodes.
 */
typedef struct node_ref {
    unsigned level;
    uint64_t idx;
} node_ref;

static void check_proofs(tamper_env *env, const uint64_t *bad_entries, size_t n_bad_entries,
                         const node_ref *bad_nodes, size_t n_bad_nodes, const char *what)
{
    ds_ledger *lg = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_ledger_open(&lg, env->db, NULL, &err) == 0);
    for (uint64_t j = 0; j < N_TAMPER; j++) {
        int expect_fail = 0;
        for (size_t k = 0; k < n_bad_entries; k++)
            expect_fail |= bad_entries[k] == j;
        for (size_t k = 0; k < n_bad_nodes; k++)
            expect_fail |= proof_uses(env->mem, j, N_TAMPER, bad_nodes[k].level, bad_nodes[k].idx);
        ds_error_clear(&err);
        int rc = ds_ledger_verify_entry(lg, env->vkey, env->note, j, NULL, NULL, &err);
        if ((rc != 0) != expect_fail || (rc && rc != DS_EMISMATCH))
            fprintf(stderr, "\n  %s: entry %llu: rc %d (%s), expected %s\n", what,
                    (unsigned long long)j, rc, err.message, expect_fail ? "failure" : "success");
        CU_ASSERT_EQUAL(rc != 0, expect_fail);
        if (rc)
            CU_ASSERT_EQUAL(rc, DS_EMISMATCH);
    }
    ds_ledger_free(lg);
}

static void test_ledger__untampered_log_verifies_and_every_entry_is_proved(void)
{
    tamper_env env;
    tamper_setup(&env);
    char msg[DS_ERROR_MESSAGE_MAX];
    CU_ASSERT(verify_fresh(&env, msg, sizeof msg) == 0);
    check_proofs(&env, NULL, 0, NULL, 0, "untampered");
    tamper_teardown(&env);
}

static void test_ledger__changing_any_byte_of_any_entry_is_detected(void)
{
    tamper_env env;
    tamper_setup(&env);
    for (uint64_t i = 0; i < N_TAMPER; i++) {
        char get[128], set[128], want[64], msg[DS_ERROR_MESSAGE_MAX];
        snprintf(get, sizeof get, "SELECT entry FROM entries WHERE idx = %llu",
                 (unsigned long long)i);
        snprintf(set, sizeof set, "UPDATE entries SET entry = ?1 WHERE idx = %llu",
                 (unsigned long long)i);
        snprintf(want, sizeof want, "entry %llu:", (unsigned long long)i);
        uint8_t original[512], changed[512];
        size_t n = raw_blob(&env, get, original, sizeof original);
        int misses = 0;
        for (size_t p = 0; p < n; p++) {
            memcpy(changed, original, n);
            changed[p] ^= (uint8_t)(1u << (p % 8));
            raw_set_blob(&env, set, changed, n);
            int rc = verify_fresh(&env, msg, sizeof msg);
            misses += rc != DS_EMISMATCH || !strstr(msg, want);
            if (p == i % n) /* proofs: once per entry, at a byte that moves with i */
                check_proofs(&env, &i, 1, NULL, 0, "entry byte");
        }
        CU_ASSERT_EQUAL(misses, 0);
        raw_set_blob(&env, set, original, n);
    }
    char msg[DS_ERROR_MESSAGE_MAX];
    CU_ASSERT(verify_fresh(&env, msg, sizeof msg) == 0);
    tamper_teardown(&env);
}

static void test_ledger__changing_any_byte_of_any_stored_hash_is_detected(void)
{
    tamper_env env;
    tamper_setup(&env);
    /* Every stored hash: the leaf hashes (level 0) and every node of level >= 1. */
    for (unsigned level = 0; (N_TAMPER >> level) > 0; level++) {
        for (uint64_t idx = 0; idx < (uint64_t)(N_TAMPER >> level); idx++) {
            char get[160], set[160], want[96], msg[DS_ERROR_MESSAGE_MAX];
            if (level == 0) {
                snprintf(get, sizeof get, "SELECT leaf_hash FROM entries WHERE idx = %llu",
                         (unsigned long long)idx);
                snprintf(set, sizeof set, "UPDATE entries SET leaf_hash = ?1 WHERE idx = %llu",
                         (unsigned long long)idx);
                snprintf(want, sizeof want, "entry %llu:", (unsigned long long)idx);
            } else {
                snprintf(get, sizeof get, "SELECT hash FROM nodes WHERE level = %u AND idx = %llu",
                         level, (unsigned long long)idx);
                snprintf(set, sizeof set,
                         "UPDATE nodes SET hash = ?1 WHERE level = %u AND idx = %llu", level,
                         (unsigned long long)idx);
                snprintf(want, sizeof want, "level %u index %llu (entries %llu..", level,
                         (unsigned long long)idx, (unsigned long long)(idx << level));
            }
            uint8_t original[32], changed[32];
            CU_ASSERT_FATAL(raw_blob(&env, get, original, 32) == 32);
            int misses = 0;
            for (size_t p = 0; p < 32; p++) {
                memcpy(changed, original, 32);
                changed[p] ^= 0x80;
                raw_set_blob(&env, set, changed, 32);
                int rc = verify_fresh(&env, msg, sizeof msg);
                if (rc != DS_EMISMATCH || !strstr(msg, want))
                    fprintf(stderr, "\n  level %u idx %llu byte %zu: %s\n", level,
                            (unsigned long long)idx, p, msg);
                misses += rc != DS_EMISMATCH || !strstr(msg, want);
                if (p == (idx + level) % 32) {
                    node_ref ref = {level, idx};
                    check_proofs(&env, NULL, 0, &ref, 1, "hash byte");
                }
            }
            CU_ASSERT_EQUAL(misses, 0);
            raw_set_blob(&env, set, original, 32);
        }
    }
    char msg[DS_ERROR_MESSAGE_MAX];
    CU_ASSERT(verify_fresh(&env, msg, sizeof msg) == 0);
    tamper_teardown(&env);
}

static void test_ledger__deleting_an_entry_is_detected(void)
{
    const uint64_t victims[] = {0, 5, 8, 13, N_TAMPER - 1};
    for (size_t v = 0; v < sizeof victims / sizeof victims[0]; v++) {
        tamper_env env;
        tamper_setup(&env);
        uint64_t i = victims[v];
        char sql[96], want[64], msg[DS_ERROR_MESSAGE_MAX];
        snprintf(sql, sizeof sql, "DELETE FROM entries WHERE idx = %llu", (unsigned long long)i);
        raw_exec(&env, sql);
        snprintf(want, sizeof want, "entry %llu is missing", (unsigned long long)i);
        CU_ASSERT(verify_fresh(&env, msg, sizeof msg) == DS_EMISMATCH);
        CU_ASSERT(strstr(msg, want) != NULL);
        /* The entry and its leaf hash are gone. */
        node_ref ref = {0, i};
        check_proofs(&env, &i, 1, &ref, 1, "deleted entry");
        tamper_teardown(&env);
    }
}

static void test_ledger__swapping_two_entries_is_detected(void)
{
    const uint64_t pairs[][2] = {{0, 1}, {3, 12}, {7, N_TAMPER - 1}};
    for (size_t v = 0; v < sizeof pairs / sizeof pairs[0]; v++) {
        tamper_env env;
        tamper_setup(&env);
        uint64_t a = pairs[v][0], b = pairs[v][1];
        char sql[256], want[128], msg[DS_ERROR_MESSAGE_MAX];
        /* Move rows with their stored leaf hashes, as an attacker reordering history would. */
        snprintf(sql, sizeof sql,
                 "UPDATE entries SET idx = -1 WHERE idx = %llu;"
                 "UPDATE entries SET idx = %llu WHERE idx = %llu;"
                 "UPDATE entries SET idx = %llu WHERE idx = -1;",
                 (unsigned long long)a, (unsigned long long)a, (unsigned long long)b,
                 (unsigned long long)b);
        raw_exec(&env, sql);
        /* Each row keeps its own leaf hash, so the first stored hash that no longer matches
         * is the subtree over a and its neighbour. */
        snprintf(want, sizeof want, "level 1 index %llu (entries %llu..%llu)",
                 (unsigned long long)(a >> 1), (unsigned long long)(a & ~1ull),
                 (unsigned long long)(a | 1));
        CU_ASSERT(verify_fresh(&env, msg, sizeof msg) == DS_EMISMATCH);
        CU_ASSERT(strstr(msg, want) != NULL);
        uint64_t bad[2] = {a, b};
        node_ref refs[2] = {{0, a}, {0, b}};
        check_proofs(&env, bad, 2, refs, 2, "swapped entries");
        tamper_teardown(&env);
    }
}

static void test_ledger__tampered_size_or_checkpoint_is_detected(void)
{
    tamper_env env;
    tamper_setup(&env);
    char msg[DS_ERROR_MESSAGE_MAX];
    /* Claiming fewer entries than stored (hiding the tail). */
    raw_exec(&env, "UPDATE logs SET size = size - 1");
    CU_ASSERT(verify_fresh(&env, msg, sizeof msg) == DS_EMISMATCH);
    CU_ASSERT(strstr(msg, "beyond the log size") != NULL);
    /* An append then collides with the stored entry 22: the database error rolls the whole
     * batch back (and the node cache with it), and a proof afterwards is still right. */
    {
        ds_ledger *lg = NULL;
        ds_error err;
        CU_ASSERT_FATAL(ds_ledger_open(&lg, env.db, NULL, &err) == 0);
        uint8_t leaf[32], path[DS_MERKLE_MAX_PROOF][32], want[DS_MERKLE_MAX_PROOF][32];
        size_t n_path, n_want;
        CU_ASSERT_FATAL(ds_ledger_prove(lg, 5, 20, leaf, path, &n_path, &err) == 0);
        cJSON *rec = record(50);
        const cJSON *one[1] = {rec};
        CU_ASSERT(ds_ledger_append(lg, one, 1, NULL, NULL, NULL, &err) == DS_EIO);
        CU_ASSERT(strstr(err.message, "tamper.db") != NULL);
        cJSON_Delete(rec);
        CU_ASSERT_EQUAL(count_rows(env.db, "SELECT size FROM logs"), N_TAMPER - 1);
        CU_ASSERT_EQUAL(count_rows(env.db, "SELECT count(*) FROM entries"), N_TAMPER);
        CU_ASSERT_FATAL(ds_ledger_prove(lg, 5, 20, leaf, path, &n_path, &err) == 0);
        CU_ASSERT_FATAL(ds_merkle_inclusion_proof(want, &n_want, 5, 20, ds_merkle_mem_node,
                                                  env.mem, &err) == 0);
        CU_ASSERT(n_path == n_want && memcmp(path, want, n_want * 32) == 0);
        ds_ledger_free(lg);
    }
    raw_exec(&env, "UPDATE logs SET size = size + 1");
    CU_ASSERT(verify_fresh(&env, msg, sizeof msg) == 0);

    /* A stored checkpoint whose note no longer verifies is named by its id. */
    raw_exec(&env, "UPDATE checkpoints SET note = replace(note, '\n23\n', '\n22\n') WHERE id = 2");
    CU_ASSERT(verify_fresh(&env, msg, sizeof msg) == DS_EMISMATCH);
    CU_ASSERT(strstr(msg, "checkpoint 2") != NULL);
    tamper_teardown(&env);
}

/* ---------------------------------------------------------------------------------------- */
/* Checkpoints and proofs under them                                                         */

static void test_ledger__inclusion_proof_rejects_wrong_size(void)
{
    tamper_env env;
    tamper_setup(&env);
    ds_ledger *lg = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_ledger_open(&lg, env.db, NULL, &err) == 0);
    const uint64_t index = 4;
    uint8_t leaf[32], path[DS_MERKLE_MAX_PROOF][32];
    size_t n_path;
    char *entry = NULL;
    size_t len = 0;
    CU_ASSERT_FATAL(ds_ledger_verify_entry(lg, env.vkey, env.note, index, &entry, &len, &err) ==
                    0);
    /* The right size verifies... */
    CU_ASSERT_FATAL(ds_ledger_prove(lg, index, N_TAMPER, leaf, path, &n_path, &err) == 0);
    CU_ASSERT(ds_ledger_verify_inclusion(env.vkey, env.note, ORIGIN, index, N_TAMPER,
                                         (const uint8_t *)entry, len, (const uint8_t(*)[32])path,
                                         n_path, &err) == 0);
    /* ...a valid proof for another size is refused, naming the size. */
    for (uint64_t size = index + 1; size <= N_TAMPER + 1; size++) {
        if (size == N_TAMPER)
            continue;
        uint64_t prove_size = size <= N_TAMPER ? size : N_TAMPER;
        CU_ASSERT_FATAL(ds_ledger_prove(lg, index, prove_size, leaf, path, &n_path, &err) == 0);
        CU_ASSERT(ds_ledger_verify_inclusion(
                      env.vkey, env.note, ORIGIN, index, size, (const uint8_t *)entry, len,
                      (const uint8_t(*)[32])path, n_path, &err) == DS_EMISMATCH);
        CU_ASSERT_STRING_EQUAL(err.field, "size");
    }
    /* A changed entry with the right proof is refused, naming the entry. */
    CU_ASSERT_FATAL(ds_ledger_prove(lg, index, N_TAMPER, leaf, path, &n_path, &err) == 0);
    entry[len / 2] ^= 1;
    CU_ASSERT(ds_ledger_verify_inclusion(env.vkey, env.note, ORIGIN, index, N_TAMPER,
                                         (const uint8_t *)entry, len, (const uint8_t(*)[32])path,
                                         n_path, &err) == DS_EMISMATCH);
    CU_ASSERT_STRING_EQUAL(err.field, "entries[4]");
    free(entry);
    /* An index at or beyond the checkpoint size is out of range. */
    CU_ASSERT(ds_ledger_verify_entry(lg, env.vkey, env.note, N_TAMPER, NULL, NULL, &err) ==
              DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "index");
    ds_ledger_free(lg);
    tamper_teardown(&env);
}

static void test_ledger__checkpoint_signed_by_another_key_is_rejected(void)
{
    tamper_env env;
    tamper_setup(&env);
    ds_ledger *lg = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_ledger_open(&lg, env.db, NULL, &err) == 0);
    unlink("impostor.key");
    ds_signer *impostor = NULL;
    CU_ASSERT_FATAL(ds_key_generate("impostor.key", &err) == 0);
    CU_ASSERT_FATAL(ds_key_load(&impostor, "impostor.key", ORIGIN, &err) == 0);
    uint8_t root[32];
    CU_ASSERT_FATAL(ds_ledger_root(lg, N_TAMPER, root, &err) == 0);
    char *forged = NULL;
    CU_ASSERT_FATAL(ds_checkpoint_sign(&forged, impostor, ORIGIN, N_TAMPER, root, &err) == 0);

    /* Same origin, same tree head, another key: refused under the log's verifier key. */
    CU_ASSERT(ds_ledger_verify_entry(lg, env.vkey, forged, 3, NULL, NULL, &err) == DS_EMISMATCH);
    CU_ASSERT_STRING_EQUAL(err.field, "checkpoint");
    /* And the genuine checkpoint is refused under the impostor's verifier key. */
    char *impostor_vkey = NULL;
    CU_ASSERT_FATAL(ds_signer_verifier_key(&impostor_vkey, impostor) == 0);
    CU_ASSERT(ds_ledger_verify_entry(lg, impostor_vkey, env.note, 3, NULL, NULL, &err) ==
              DS_EMISMATCH);

    /* Stored in the database, the forged checkpoint makes verify fail naming it. */
    ds_ledger_free(lg);
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_FATAL(sqlite3_prepare_v2(env.raw,
                                       "INSERT INTO checkpoints (log_id, size, root, note,"
                                       " created) VALUES (1, ?1, ?2, ?3, 'now')",
                                       -1, &stmt, NULL) == SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, N_TAMPER);
    sqlite3_bind_blob(stmt, 2, root, 32, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, forged, -1, SQLITE_STATIC);
    CU_ASSERT_FATAL(sqlite3_step(stmt) == SQLITE_DONE);
    sqlite3_finalize(stmt);
    char msg[DS_ERROR_MESSAGE_MAX];
    CU_ASSERT(verify_fresh(&env, msg, sizeof msg) == DS_EMISMATCH);
    CU_ASSERT(strstr(msg, "checkpoint 3 does not verify") != NULL);

    free(forged);
    free(impostor_vkey);
    ds_signer_free(impostor);
    unlink("impostor.key");
    tamper_teardown(&env);
}

static void test_ledger__rewritten_history_fails_consistency_with_old_checkpoint(void)
{
    const char *a_path = "history-a.db", *b_path = "history-b.db";
    ds_db *a = fresh_db(a_path, "history.key");
    ds_ledger *la = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_ledger_open(&la, a, NULL, &err) == 0);
    append_records(la, 0, 10);
    char *old_note = NULL, *new_note = NULL;
    CU_ASSERT_FATAL(ds_ledger_checkpoint(la, &old_note, &err) == 0);
    append_records(la, 10, 11);
    CU_ASSERT_FATAL(ds_ledger_checkpoint(la, &new_note, &err) == 0);
    const char *vkey = ds_ledger_verifier_key(la);
    CU_ASSERT(ds_ledger_verify_extends(la, vkey, old_note, new_note, &err) == 0);

    /* The stateless check with the stored consistency proof agrees. */
    uint8_t path[DS_MERKLE_MAX_PROOF][32];
    size_t n_path;
    CU_ASSERT_FATAL(ds_ledger_consistency(la, 10, 21, path, &n_path, &err) == 0);
    CU_ASSERT(ds_ledger_verify_consistency(vkey, old_note, new_note, ORIGIN,
                                           (const uint8_t(*)[32])path, n_path, &err) == 0);
    CU_ASSERT(ds_ledger_verify_consistency(vkey, new_note, old_note, ORIGIN,
                                           (const uint8_t(*)[32])path, n_path,
                                           &err) == DS_EMISMATCH);

    /* The same key re-signs a log whose entry 3 was rewritten: it does not extend old_note. */
    remove_files(b_path, NULL);
    ds_db *b = NULL;
    CU_ASSERT_FATAL(ds_db_open(&b, b_path, NULL, &err) == 0);
    ds_ledger_store *store = NULL;
    int64_t id;
    CU_ASSERT_FATAL(ds_ledger_store_new(&store, b, &err) == 0);
    CU_ASSERT_FATAL(ds_ledger_store_create_log(store, &id, ORIGIN, "history.key", vkey, &err) ==
                    0);
    ds_ledger_store_free(store);
    ds_ledger *lb = NULL;
    CU_ASSERT_FATAL(ds_ledger_open(&lb, b, NULL, &err) == 0);
    append_records(lb, 0, 3);
    cJSON *rewritten = record(3);
    cJSON_ReplaceItemInObject(rewritten, "records", cJSON_CreateNumber(1));
    const cJSON *one[1] = {rewritten};
    CU_ASSERT_FATAL(ds_ledger_append(lb, one, 1, NULL, NULL, NULL, &err) == 0);
    cJSON_Delete(rewritten);
    append_records(lb, 4, 17);
    char *forked = NULL;
    CU_ASSERT_FATAL(ds_ledger_checkpoint(lb, &forked, &err) == 0);
    CU_ASSERT(ds_ledger_verify(lb, NULL, &err) == 0); /* internally consistent... */
    CU_ASSERT(ds_ledger_verify_extends(lb, vkey, old_note, forked, &err) == DS_EMISMATCH);
    CU_ASSERT_STRING_EQUAL(err.field, "consistency");
    /* ...and entry 3 has no proof under the checkpoint the relying party held. */
    CU_ASSERT(ds_ledger_verify_entry(lb, vkey, old_note, 3, NULL, NULL, &err) == DS_EMISMATCH);
    CU_ASSERT(ds_ledger_verify_entry(lb, vkey, old_note, 4, NULL, NULL, &err) == DS_EMISMATCH);

    free(old_note);
    free(new_note);
    free(forked);
    ds_ledger_free(lb);
    ds_db_close(b);
    ds_ledger_free(la);
    ds_db_close(a);
    remove_files(a_path, "history.key");
    remove_files(b_path, NULL);
}

static const ds_test_case tests[] = {
    {"test_ledger__roots_and_proofs_agree_with_memory_tree_for_every_size",
     test_ledger__roots_and_proofs_agree_with_memory_tree_for_every_size},
    {"test_ledger__batches_of_64_or_more_agree_with_memory_tree",
     test_ledger__batches_of_64_or_more_agree_with_memory_tree},
    {"test_ledger__proofs_stay_right_while_the_log_grows",
     test_ledger__proofs_stay_right_while_the_log_grows},
    {"test_ledger__node_cache_keeps_logs_apart", test_ledger__node_cache_keeps_logs_apart},
    {"test_ledger__out_of_range_sizes_and_indices_name_the_field",
     test_ledger__out_of_range_sizes_and_indices_name_the_field},
    {"test_ledger__invalid_record_refuses_whole_batch_and_leaves_log_unchanged",
     test_ledger__invalid_record_refuses_whole_batch_and_leaves_log_unchanged},
    {"test_ledger__create_refuses_existing_origin_key_file_and_bad_names",
     test_ledger__create_refuses_existing_origin_key_file_and_bad_names},
    {"test_ledger__untampered_log_verifies_and_every_entry_is_proved",
     test_ledger__untampered_log_verifies_and_every_entry_is_proved},
    {"test_ledger__changing_any_byte_of_any_entry_is_detected",
     test_ledger__changing_any_byte_of_any_entry_is_detected},
    {"test_ledger__changing_any_byte_of_any_stored_hash_is_detected",
     test_ledger__changing_any_byte_of_any_stored_hash_is_detected},
    {"test_ledger__deleting_an_entry_is_detected", test_ledger__deleting_an_entry_is_detected},
    {"test_ledger__swapping_two_entries_is_detected",
     test_ledger__swapping_two_entries_is_detected},
    {"test_ledger__tampered_size_or_checkpoint_is_detected",
     test_ledger__tampered_size_or_checkpoint_is_detected},
    {"test_ledger__inclusion_proof_rejects_wrong_size",
     test_ledger__inclusion_proof_rejects_wrong_size},
    {"test_ledger__checkpoint_signed_by_another_key_is_rejected",
     test_ledger__checkpoint_signed_by_another_key_is_rejected},
    {"test_ledger__rewritten_history_fails_consistency_with_old_checkpoint",
     test_ledger__rewritten_history_fails_consistency_with_old_checkpoint},
};

DS_TEST_MAIN("ledger", tests)
