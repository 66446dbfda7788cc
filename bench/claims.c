/*
 * bench/claims.c: batch adjudication throughput (issue 6, acceptance 3; bench/claims.md).
 *
 *   bench_claims [--claims N] [--log M] [--group G] [--threads T] [--db PATH] [--keep] [--reuse]
 *
 * Setup (not timed): a database with one platform log of M entries (default 1,000,000): the
 * registrations of the three assets the policy declares, a policy bound on the DESIGN.md example
 * quote (cover with no deductibles and large limits so every claim pays), then N incidents
 * (default 100,000), each followed by an INRE cost and an NPBI cost, the rest flow records spread
 * between them, and a signed checkpoint. The batch is N claims in JSON Lines, each citing three
 * entries (the incident and the two costs), listed in a shuffled order.
 *
 * Timed: ds_adjudicate_text on that batch with the database opened synchronous=FULL and
 * G claims per transaction (default 1000): reading, verifying (checkpoint signature once, the
 * asset index over the whole log, three inclusion proofs per claim), ordering, settling through
 * the terms, storing every result durably. Then the same batch again (every claim replayed from
 * the store), and rendering the batch JSON. Goal: >= 20,000 claims/s for the first run.
 * The database is removed unless --keep; --reuse takes a database kept by an earlier run with the
 * same N and M, forgets its claims and skips the setup (for profiling the timed part).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "claims/adjudicate.h"
#include "claims/bind.h"
#include "claims/ledger.h"
#include "data/db.h"
#include "data/json_in.h"
#include "pricing/quote.h"

#define ORIGIN "ledger.bench.cn/P-001"

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void remove_db(const char *path)
{
    char buf[1100];
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s.key", path);
    unlink(buf);
}

static int fail(const char *what, const ds_error *err)
{
    fprintf(stderr, "bench_claims: %s: %s\n", what, err->message);
    return 1;
}

/* Entries are written in canonical form directly (sorted keys), as ds_record_canonical would. */
typedef struct pending {
    char **texts;
    size_t *lens;
    size_t n, cap;
} pending;

static int push(pending *p, const char *text)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 1024;
        char **t = realloc(p->texts, cap * sizeof *t);
        size_t *l = t ? realloc(p->lens, cap * sizeof *l) : NULL;
        if (!t || !l) {
            free(t ? t : p->texts);
            return -1;
        }
        p->texts = t;
        p->lens = l;
        p->cap = cap;
    }
    size_t n = strlen(text);
    if (!(p->texts[p->n] = malloc(n + 1)))
        return -1;
    memcpy(p->texts[p->n], text, n + 1);
    p->lens[p->n++] = n;
    return 0;
}

static int flush(pending *p, ds_ledger *ledger, ds_error *err)
{
    uint64_t first, size;
    int rc = ds_ledger_append_raw(ledger, (const uint8_t *const *)p->texts, p->lens, p->n,
                                  &first, &size, err);
    for (size_t i = 0; i < p->n; i++)
        free(p->texts[i]);
    p->n = 0;
    return rc;
}

/* "2027-MM-DDTHH:MM:SSZ" for a number of seconds into 2027 (below one year). */
static void timestamp(char *buf, size_t cap, unsigned long seconds_into_2027)
{
    /* 2027 is not a leap year; days of each month. */
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned long day = seconds_into_2027 / 86400 % 365, rem = seconds_into_2027 % 86400;
    unsigned month = 0;
    while (month < 11 && day >= mdays[month])
        day -= mdays[month++];
    snprintf(buf, cap, "2027-%02u-%02uT%02u:%02u:%02uZ", (month + 1) % 100u,
             (unsigned)(day + 1) % 100u, (unsigned)(rem / 3600) % 100u,
             (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}

/* The DESIGN.md example request (tests/data/quotes/design-example.json), embedded so the bench
 * runs from any directory. */
static const char example_request[] =
    "{\"platform\": {\"id\": \"P-001\", \"name\": \"Demo Precision Motors\","
    " \"industry\": \"C36\","
    " \"revenue\": 800000000, \"employees\": 1200}, \"maturity\": {\"dsmm_level\": 3},"
    " \"controls\": {\"mfa\": true, \"encryption_at_rest\": true, \"offline_backup\": true,"
    " \"edr\": false, \"dlp\": false, \"incident_response_plan\": true},"
    " \"assets\": [{\"id\": \"A1\", \"records\": 200000,"
    " \"impacts\": [{\"object\": \"economic_operation\", \"degree\": \"serious\"}]},"
    " {\"id\": \"A2\", \"records\": 1500000, \"grade\": \"general\", \"personal\": true},"
    " {\"id\": \"A3\", \"records\": 50000,"
    " \"impacts\": [{\"object\": \"national_security\", \"degree\": \"serious\"}]}],"
    " \"incidents\": [{\"date\": \"2025-03-02\", \"kind\": \"exfiltration\", \"records\": 12000,"
    " \"loss\": 350000}], \"history_years\": 3,"
    " \"cover\": {\"currency\": \"CNY\","
    " \"period\": {\"start\": \"2027-01-01\", \"end\": \"2027-12-31\"},"
    " \"retroactive_date\": \"2025-01-01\", \"reporting_days\": 90,"
    " \"coverages\": [{\"code\": \"INRE\", \"sublimit\": 2000000},"
    " {\"code\": \"NPBI\", \"sublimit\": 2000000, \"deductible\": 10000, \"waiting_hours\": 12}],"
    " \"deductible\": 50000,"
    " \"layer\": {\"attachment\": 0, \"limit\": 10000000, \"participation\": 1.0},"
    " \"aggregate_limit\": 10000000}, \"rating_plan\": \"default\","
    " \"options\": {\"sims\": 100000, \"seed\": 1, \"what_if\": true}}";

static cJSON *bench_request(void)
{
    ds_error err;
    cJSON *root = NULL;
    if (ds_json_parse(&root, example_request, strlen(example_request), "example", &err))
        return NULL;
    cJSON *options = cJSON_GetObjectItem(root, "options");
    cJSON_ReplaceItemInObject(options, "sims", cJSON_CreateNumber(2000));
    cJSON_ReplaceItemInObject(options, "what_if", cJSON_CreateFalse());
    /* Every claim should pay: no deductibles, limits far above N claims' losses. */
    cJSON *cover = cJSON_GetObjectItem(root, "cover");
    cJSON_ReplaceItemInObject(cover, "deductible", cJSON_CreateNumber(0));
    cJSON_ReplaceItemInObject(cover, "aggregate_limit", cJSON_CreateNumber(1e12));
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(cover, "layer"), "limit",
                              cJSON_CreateNumber(1e12));
    cJSON *cov;
    cJSON_ArrayForEach(cov, cJSON_GetObjectItem(cover, "coverages"))
    {
        cJSON_ReplaceItemInObject(cov, "sublimit", cJSON_CreateNumber(1e12));
        cJSON_DeleteItemFromObject(cov, "deductible");
    }
    return root;
}

static int make_policy(char *policy_id, size_t cap, ds_db *db, ds_error *err)
{
    cJSON *request = bench_request(), *quote = NULL, *policy = NULL;
    if (!request)
        return ds_error_set(err, DS_EINTERNAL, NULL, "cannot read the example request");
    int rc = ds_quote_run(&quote, request, NULL, err);
    if (!rc)
        rc = ds_quote_save(db, request, quote, err);
    if (!rc)
        rc = ds_bind(&policy, db, cJSON_GetObjectItem(quote, "quote_id")->valuestring, NULL, err);
    if (!rc)
        snprintf(policy_id, cap, "%s", cJSON_GetObjectItem(policy, "policy_id")->valuestring);
    cJSON_Delete(request);
    cJSON_Delete(quote);
    cJSON_Delete(policy);
    return rc;
}

int main(int argc, char **argv)
{
    size_t n_claims = 100000, log_size = 1000000, group = 1000;
    unsigned threads = 0;
    const char *db_path = "bench-claims.db";
    int keep = 0, reuse = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--claims") == 0 && i + 1 < argc)
            n_claims = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
            log_size = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--group") == 0 && i + 1 < argc)
            group = (size_t)strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            threads = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc)
            db_path = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0)
            keep = 1;
        else if (strcmp(argv[i], "--reuse") == 0)
            reuse = keep = 1;
        else {
            fprintf(stderr, "usage: bench_claims [--claims N] [--log M] [--group G] "
                            "[--threads T] [--db PATH] [--keep] [--reuse]\n");
            return 64;
        }
    }
    if (log_size < 3 * n_claims + 3) {
        fprintf(stderr, "bench_claims: --log must be at least 3 * claims + 3\n");
        return 64;
    }
    if (!reuse)
        remove_db(db_path);
    char key_path[1100];
    snprintf(key_path, sizeof key_path, "%s.key", db_path);
    ds_error err;
    ds_db *db = NULL;
    ds_ledger *ledger = NULL;
    ds_db_options opts = {.synchronous_full = 1};
    if (ds_db_open(&db, db_path, &opts, &err))
        return fail("open", &err);
    if ((!reuse && ds_ledger_create(db, ORIGIN, key_path, NULL, &err)) ||
        ds_ledger_open(&ledger, db, ORIGIN, &err))
        return fail("ledger", &err);

    double t0 = wall();
    pending p = {0};
    char text[640], ts[32], detected[32];
    const char *const regs[3][3] = {
        {"A1", "important", "200000"}, {"A2", "general", "1500000"}, {"A3", "core", "50000"}};
    for (int a = 0; a < 3 && !reuse; a++) {
        snprintf(text, sizeof text,
                 "{\"asset\":\"%s\",\"content_sha256\":\"%064d\",\"grade\":\"%s\","
                 "\"platform\":\"P-001\",\"records\":%s,\"ts\":\"2026-12-01T00:00:00Z\","
                 "\"type\":\"asset.registered\"}",
                 regs[a][0], a, regs[a][1], regs[a][2]);
        if (!reuse && push(&p, text))
            return 1;
    }
    if (!reuse && flush(&p, ledger, &err))
        return fail("append", &err);

    char policy_id[64];
    if (reuse) {
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(ds_db_handle(db), "SELECT policy_id FROM policies", -1, &stmt,
                               NULL) != SQLITE_OK ||
            sqlite3_step(stmt) != SQLITE_ROW)
            return fprintf(stderr, "bench_claims: --reuse: no policy in %s\n", db_path), 1;
        snprintf(policy_id, sizeof policy_id, "%s", sqlite3_column_text(stmt, 0));
        sqlite3_finalize(stmt);
        if (ds_db_exec(db, "DELETE FROM claim_evidence; DELETE FROM claims;"
                           " DELETE FROM policy_state", &err))
            return fail("reuse", &err);
    } else if (make_policy(policy_id, sizeof policy_id, db, &err)) {
        return fail("quote and bind", &err);
    }

    /* Incident i at index 3 + 3i + fillers before it; fillers are spread evenly. */
    size_t n_filler = log_size - 3 - 3 * n_claims;
    uint64_t *incident_at = malloc(n_claims * sizeof *incident_at);
    if (!incident_at)
        return 1;
    uint64_t idx = 3;
    size_t filler_done = 0;
    unsigned long seed = 12345;
    for (size_t i = 0; i < n_claims; i++) {
        size_t filler_due = (size_t)((double)n_filler * (double)(i + 1) / (double)n_claims);
        for (; filler_done < filler_due; filler_done++, idx++) {
            snprintf(text, sizeof text,
                     "{\"asset\":\"A%zu\",\"from\":\"P-001\",\"purpose\":\"analytics\","
                     "\"records\":%zu,\"to\":\"partner-%zu\",\"ts\":\"2027-01-01T00:00:00Z\","
                     "\"type\":\"flow\"}",
                     filler_done % 3 + 1, filler_done % 1000, filler_done % 17);
            if (!reuse && push(&p, text))
                return 1;
        }
        unsigned long at = (unsigned long)((double)i * (364.0 * 86400.0) / (double)n_claims);
        timestamp(detected, sizeof detected, at);
        timestamp(ts, sizeof ts, at + 60);
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        size_t asset = (seed >> 33) % 3;
        snprintf(text, sizeof text,
                 "{\"assets\":[{\"asset\":\"%s\",\"records\":%lu}],\"detected\":\"%s\","
                 "\"incident\":\"INC-%zu\",\"kind\":\"exfiltration\",\"platform\":\"P-001\","
                 "\"ts\":\"%s\",\"type\":\"incident\"}",
                 regs[asset][0], (seed >> 20) % 1000, detected, i, ts);
        incident_at[i] = idx++;
        if (!reuse && push(&p, text))
            return 1;
        snprintf(text, sizeof text,
                 "{\"amount\":%zu.25,\"coverage\":\"INRE\",\"document_sha256\":\"%064zu\","
                 "\"incident\":\"INC-%zu\",\"ts\":\"%s\",\"type\":\"cost\"}",
                 1000 + i % 5000, i, i, ts);
        idx++;
        if (!reuse && push(&p, text))
            return 1;
        snprintf(text, sizeof text,
                 "{\"amount\":%zu,\"coverage\":\"NPBI\",\"document_sha256\":\"%064zu\","
                 "\"hours\":%zu,\"incident\":\"INC-%zu\",\"ts\":\"%s\",\"type\":\"cost\"}",
                 2000 + i % 7000, i + 1, 13 + i % 40, i, ts);
        idx++;
        if (!reuse && push(&p, text))
            return 1;
        if (p.n >= 20000 && flush(&p, ledger, &err))
            return fail("append", &err);
    }
    if (!reuse && flush(&p, ledger, &err))
        return fail("append", &err);
    free(p.texts);
    free(p.lens);
    char *note = NULL;
    if (!reuse && ds_ledger_checkpoint(ledger, &note, &err))
        return fail("checkpoint", &err);
    free(note);
    ds_ledger_free(ledger);
    printf("setup: log of %llu entries, %zu incidents, in %.1f s\n", (unsigned long long)idx,
           n_claims, wall() - t0);

    /* The batch, JSON Lines, in a shuffled order (settlement sorts it by incident time). */
    size_t *perm = malloc(n_claims * sizeof *perm);
    size_t cap = n_claims * 400 + 1;
    char *batch = malloc(cap);
    if (!perm || !batch)
        return 1;
    for (size_t i = 0; i < n_claims; i++)
        perm[i] = i;
    for (size_t i = n_claims; i > 1; i--) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        size_t j = (size_t)((seed >> 33) % i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    size_t len = 0;
    for (size_t k = 0; k < n_claims; k++) {
        size_t i = perm[k];
        uint64_t inc = incident_at[i];
        len += (size_t)snprintf(
            batch + len, cap - len,
            "{\"claim_id\":\"CL-%07zu\",\"policy_id\":\"%s\","
            "\"reported\":\"2027-12-31T00:00:00Z\","
            "\"incident\":%llu,\"losses\":[{\"coverage\":\"INRE\",\"amount\":%zu.25,"
            "\"evidence\":[%llu]},{\"coverage\":\"NPBI\",\"amount\":%zu,\"hours\":%zu,"
            "\"evidence\":[%llu]}]}\n",
            i, policy_id, (unsigned long long)inc, 1000 + i % 5000,
            (unsigned long long)inc + 1, 2000 + i % 7000, 13 + i % 40,
            (unsigned long long)inc + 2);
    }
    free(perm);
    free(incident_at);

    ds_adjudicate_options adj = {.group_size = group, .threads = threads};
    for (int run = 0; run < 2; run++) {
        ds_adjudicate_summary sum;
        cJSON *out = NULL;
        double w = wall(), c = cpu();
        int rc = ds_adjudicate_text(&out, &sum, db, batch, len, &adj, &err);
        double dw = wall() - w, dc = cpu() - c;
        if (rc)
            return fail("adjudicate", &err);
        printf("%s: %zu claims (approved %zu, reduced %zu, denied %zu, replayed %zu), paid "
               "%lld.%02lld\n  %.2f s wall, %.2f s cpu: %.0f claims/s wall, %.0f claims/s cpu"
               "%s\n",
               run == 0 ? "adjudicate" : "rerun (all replayed)", sum.claims, sum.approved,
               sum.reduced, sum.denied, sum.replayed, (long long)(sum.paid / 100),
               (long long)(sum.paid % 100), dw, dc, (double)n_claims / dw,
               (double)n_claims / dc,
               run == 0 ? ((double)n_claims / dw >= 20000 ? "  (goal >= 20000: ok)"
                                                          : "  (goal >= 20000: MISSED)")
                        : "");
        printf("  phases (wall s): parse %.2f, read %.2f, log pass %.2f, verify %.2f, "
               "settle %.2f\n", sum.seconds[DS_ADJUDICATE_PARSE], sum.seconds[DS_ADJUDICATE_READ],
               sum.seconds[DS_ADJUDICATE_PREPARE], sum.seconds[DS_ADJUDICATE_VERIFY],
               sum.seconds[DS_ADJUDICATE_SETTLE]);
        if (run == 0) {
            w = wall();
            char *printed = cJSON_Print(out);
            printf("  rendering the batch JSON: %.2f s, %zu bytes\n", wall() - w,
                   printed ? strlen(printed) : 0);
            cJSON_free(printed);
        }
        cJSON_Delete(out);
    }
    free(batch);
    ds_db_close(db);
    if (!keep)
        remove_db(db_path);
    return 0;
}
