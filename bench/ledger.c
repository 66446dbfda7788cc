/*
 * bench/ledger.c: throughput of the provenance ledger (issue 3, acceptance 3).
 *
 *   bench_ledger [--entries N] [--batch B] [--proofs K] [--db PATH] [--keep]
 *
 * 1. Appends N provenance records (default 1,000,000) in batches of B (default 10,000) through
 *    ds_ledger_append: each record is parsed from JSON text, validated, canonicalised (RFC 8785),
 *    hashed, and stored with the subtree hashes it completes, one transaction per batch
 *    (WAL, synchronous=NORMAL). Goal: >= 200,000 entries/s.
 * 2. For K random indices (default 200,000) generates the inclusion proof at the full size with
 *    ds_ledger_prove (reads the entry, recomputes its leaf hash, reads O(log n) stored hashes)
 *    and verifies it with ds_merkle_verify_inclusion against the root of a checkpoint whose
 *    signature was verified once, all inside one read snapshot (ds_ledger_read_begin), as a
 *    batch of claims does. The figure includes warming the node cache from a cold start.
 *    Goal: >= 100,000 proofs/s generated and verified, one core.
 * 3. Also reported: ds_ledger_verify_entry (the claims path, which re-verifies the checkpoint's
 *    Ed25519 signature on every call) and a full ds_ledger_verify of the log.
 * Figures go to stdout; the database is removed unless --keep.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "claims/checkpoint.h"
#include "claims/ledger.h"
#include "claims/merkle.h"
#include "data/db.h"

/*
 * Two clocks: wall time, and this process's CPU time. On a shared machine the CPU time is the
 * fairer measure of "one core"; both are printed, as rates per second of each.
 */
typedef struct stamp {
    double wall, cpu;
} stamp;

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static stamp now(void)
{
    return (stamp){clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_PROCESS_CPUTIME_ID)};
}

static void add_since(stamp *acc, stamp from, stamp to)
{
    acc->wall += to.wall - from.wall;
    acc->cpu += to.cpu - from.cpu;
}

static void print_rate(const char *what, double count, stamp t, const char *unit)
{
    printf("  %-56s %10.0f %s/s wall, %10.0f %s/s CPU\n", what, count / t.wall, unit,
           count / t.cpu, unit);
}

/* xorshift64* (Vigna 2016): a fixed seed keeps runs comparable. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Du;
}

/* A realistic record of one of three types, about 130-200 bytes of JSON. */
static int record_text(char *buf, size_t cap, uint64_t i)
{
    switch (i % 4) {
    case 0:
        return snprintf(buf, cap,
                        "{\"type\":\"asset.registered\",\"ts\":\"2027-01-01T00:00:00Z\","
                        "\"platform\":\"P-%03llu\",\"asset\":\"A-%llu\",\"grade\":\"important\","
                        "\"records\":%llu,\"content_sha256\":"
                        "\"%016llx%016llx%016llx%016llx\"}",
                        (unsigned long long)(i % 1000), (unsigned long long)i,
                        (unsigned long long)(i * 37 % 5000000), (unsigned long long)i,
                        (unsigned long long)(i * 3), (unsigned long long)(i * 5),
                        (unsigned long long)(i * 7));
    case 1:
        return snprintf(buf, cap,
                        "{\"type\":\"flow\",\"ts\":\"2027-02-03T04:05:06Z\",\"asset\":\"A-%llu\","
                        "\"from\":\"plant-%llu\",\"to\":\"cloud\",\"records\":%llu,"
                        "\"purpose\":\"analytics\"}",
                        (unsigned long long)(i - 1), (unsigned long long)(i % 97),
                        (unsigned long long)(i % 100000));
    case 2:
        return snprintf(buf, cap,
                        "{\"type\":\"asset.records\",\"ts\":\"2027-03-04T05:06:07.250Z\","
                        "\"asset\":\"A-%llu\",\"records\":%llu}",
                        (unsigned long long)(i - 2), (unsigned long long)(i * 11 % 9000000));
    default:
        return snprintf(buf, cap,
                        "{\"type\":\"asset.graded\",\"ts\":\"2027-04-05T06:07:08Z\","
                        "\"asset\":\"A-%llu\",\"grade\":\"core\"}",
                        (unsigned long long)(i - 3));
    }
}

static void remove_db(const char *path)
{
    char buf[1024];
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s.key", path);
    unlink(buf);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || *s == '-')
        return -1;
    *out = v;
    return 0;
}

static int fail(const char *what, const ds_error *err)
{
    fprintf(stderr, "bench_ledger: %s: %s\n", what, err->message);
    return 1;
}

/*
 * Generates n_proofs inclusion proofs at random indices and verifies them against the
 * checkpoint's root, printing the rates. Proofs go in rounds: ROUND proofs generated (timed),
 * then verified (timed), so the clocks are read per round, not per proof. The whole pass holds
 * one read snapshot, as a batch of claims does.
 */
enum { ROUND = 4096 };

typedef struct proof {
    uint64_t index;
    size_t n_path;
    uint8_t leaf[32];
    uint8_t path[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE];
} proof;

static int run_proofs(ds_ledger *lg, const ds_checkpoint *cp, uint64_t n_proofs, uint64_t *rng,
                      const char *label)
{
    ds_error err;
    ds_error_clear(&err);
    proof *round = malloc(ROUND * sizeof *round);
    if (!round)
        return 1;
    size_t path_total = 0;
    stamp t_gen = {0, 0}, t_ver = {0, 0}, t_both = {0, 0};
    int rc = ds_ledger_read_begin(lg, &err);
    for (uint64_t done = 0; !rc && done < n_proofs;) {
        size_t k = (size_t)(n_proofs - done < ROUND ? n_proofs - done : ROUND);
        stamp t0 = now();
        for (size_t j = 0; !rc && j < k; j++) {
            proof *pr = &round[j];
            pr->index = next_random(rng) % cp->size;
            rc = ds_ledger_prove(lg, pr->index, cp->size, pr->leaf, pr->path, &pr->n_path, &err);
        }
        stamp t1 = now();
        for (size_t j = 0; !rc && j < k; j++) {
            const proof *pr = &round[j];
            rc = ds_merkle_verify_inclusion(pr->leaf, pr->index, cp->size,
                                            (const uint8_t(*)[32])pr->path, pr->n_path, cp->root,
                                            &err);
            path_total += pr->n_path;
        }
        stamp t2 = now();
        add_since(&t_gen, t0, t1);
        add_since(&t_ver, t1, t2);
        add_since(&t_both, t0, t2);
        done += k;
    }
    ds_ledger_read_end(lg);
    free(round);
    if (rc)
        return fail("proofs", &err);
    printf("inclusion proofs, %s: %llu random indices at size %llu (mean path %.1f hashes)\n",
           label, (unsigned long long)n_proofs, (unsigned long long)cp->size,
           (double)path_total / (double)n_proofs);
    print_rate("generate (entry read, leaf rehash, stored hashes)", (double)n_proofs, t_gen,
               "proofs");
    print_rate("verify against the checkpoint root", (double)n_proofs, t_ver, "proofs");
    print_rate("generate and verify", (double)n_proofs, t_both, "proofs");
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t n_entries = 1000000, batch = 10000, n_proofs = 200000;
    const char *db_path = "bench-ledger.db";
    int keep = 0;
    for (int i = 1; i < argc; i++) {
        int ok = 1;
        if (strcmp(argv[i], "--entries") == 0 && i + 1 < argc)
            ok = parse_u64(argv[++i], &n_entries) == 0;
        else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc)
            ok = parse_u64(argv[++i], &batch) == 0 && batch > 0;
        else if (strcmp(argv[i], "--proofs") == 0 && i + 1 < argc)
            ok = parse_u64(argv[++i], &n_proofs) == 0;
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db_path = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else
            ok = 0;
        if (!ok) {
            fprintf(stderr, "usage: bench_ledger [--entries N] [--batch B] [--proofs K]"
                            " [--db PATH] [--keep]\n");
            return 64;
        }
    }

    ds_error err;
    ds_error_clear(&err);
    remove_db(db_path);
    char key_path[1024];
    snprintf(key_path, sizeof key_path, "%s.key", db_path);
    ds_db *db = NULL;
    ds_ledger *lg = NULL;
    if (ds_db_open(&db, db_path, NULL, &err))
        return fail("open", &err);
    if (ds_ledger_create(db, "bench.example/log", key_path, NULL, &err) ||
        ds_ledger_open(&lg, db, NULL, &err))
        return fail("create", &err);

    /* 1. Appends. */
    cJSON **records = calloc(batch, sizeof *records);
    if (!records)
        return 1;
    stamp t_append = {0, 0}, t_total = {0, 0};
    char text[512];
    for (uint64_t done = 0; done < n_entries;) {
        size_t k = (size_t)(n_entries - done < batch ? n_entries - done : batch);
        stamp t0 = now();
        for (size_t j = 0; j < k; j++) {
            record_text(text, sizeof text, done + j);
            records[j] = cJSON_Parse(text);
            if (!records[j]) {
                fprintf(stderr, "bench_ledger: record %llu does not parse\n",
                        (unsigned long long)(done + j));
                return 1;
            }
        }
        stamp t1 = now();
        if (ds_ledger_append(lg, (const cJSON *const *)records, k, NULL, NULL, NULL, &err))
            return fail("append", &err);
        stamp t2 = now();
        add_since(&t_append, t1, t2);
        add_since(&t_total, t0, t2);
        for (size_t j = 0; j < k; j++)
            cJSON_Delete(records[j]);
        done += k;
    }
    free(records);
    printf("append: %llu entries in batches of %llu\n", (unsigned long long)n_entries,
           (unsigned long long)batch);
    print_rate("ds_ledger_append (validate, canonicalise, hash, store)", (double)n_entries,
               t_append, "entries");
    print_rate("the same plus parsing the JSON input", (double)n_entries, t_total, "entries");

    /* 2. Proofs under a checkpoint verified once. */
    char *note = NULL;
    if (ds_ledger_checkpoint(lg, &note, &err))
        return fail("checkpoint", &err);
    ds_verifier *verifier = NULL;
    ds_checkpoint cp;
    if (ds_verifier_parse(&verifier, ds_ledger_verifier_key(lg), &err) ||
        ds_checkpoint_open(&cp, note, verifier, NULL, &err))
        return fail("open checkpoint", &err);
    ds_verifier_free(verifier);

    uint64_t rng = 0x9E3779B97F4A7C15u;
    if (n_entries > 0 && n_proofs > 0) {
        /* The first pass starts with an empty node cache (as a fresh process does), the second
         * runs with the cache the first one filled (as a long-running server does). */
        if (run_proofs(lg, &cp, n_proofs, &rng, "cold cache") ||
            run_proofs(lg, &cp, n_proofs, &rng, "warm cache"))
            return 1;

        /* 3a. The claims path re-verifies the checkpoint signature on each call. */
        uint64_t n_entry_checks = n_proofs / 20 + 1;
        stamp t0 = now(), t_entry = {0, 0};
        for (uint64_t p = 0; p < n_entry_checks; p++) {
            uint64_t index = next_random(&rng) % cp.size;
            if (ds_ledger_verify_entry(lg, ds_ledger_verifier_key(lg), note, index, NULL, NULL,
                                       &err))
                return fail("verify entry", &err);
        }
        add_since(&t_entry, t0, now());
        print_rate("ds_ledger_verify_entry (Ed25519 check on every call)", (double)n_entry_checks,
                   t_entry, "entries");
    }

    /* 3b. Full audit. */
    stamp t0 = now(), t_verify = {0, 0};
    ds_ledger_verify_report report;
    if (ds_ledger_verify(lg, &report, &err))
        return fail("verify", &err);
    add_since(&t_verify, t0, now());
    printf("verify: %llu entries, %llu subtree hashes, %llu checkpoint(s) in %.2f s\n",
           (unsigned long long)report.size, (unsigned long long)report.n_nodes,
           (unsigned long long)report.n_checkpoints, t_verify.wall);
    print_rate("ds_ledger_verify", (double)report.size, t_verify, "entries");

    free(note);
    ds_ledger_free(lg);
    ds_db_close(db);
    if (!keep)
        remove_db(db_path);
    return 0;
}
