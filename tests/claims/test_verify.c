/*
 * test_verify.c: every reason code of DESIGN.md section 7 triggered by a claim built to trip it
 * (and only it, where the code allows), on a real database with a signed log and a bound policy:
 * policy.unknown, policy.period (period and retroactive date), claim.late (the reporting
 * window's edge, to the second), ledger.inclusion (entries after the checkpoint, an altered
 * entry), ledger.consistency (history rewritten after binding), ledger.signature,
 * asset.unregistered, records.exceed, evidence.mismatch (another incident, another coverage, an
 * amount or outage the cost entries do not support), coverage.excluded. grade.misdeclared,
 * evidence.reused, claim.malformed and claim.conflict are in test_adjudicate.c.
 */
#include "tests/claims/claims_fixture.h"

#include "claims/checkpoint.h"
#include "claims/claim.h"
#include "claims/verify.h"

/* A claim on incident `incident` for INRE `amount` backed by `evidence`. */
static cJSON *inre_claim(fixture *f, const char *id, const char *reported, uint64_t incident,
                         const char *amount, const char *evidence)
{
    char batch[1024];
    snprintf(batch, sizeof batch,
             "{\"claim_id\":\"%s\",\"policy_id\":\"%%P\",\"reported\":\"%s\",\"incident\":%llu,"
             "\"losses\":[{\"coverage\":\"INRE\",\"amount\":%s,\"evidence\":[%s]}]}",
             id, reported, (unsigned long long)incident, amount, evidence);
    return fix_adjudicate(f, batch, NULL);
}

/* Asserts the single result has status and a reason code whose detail contains `part`. */
static void expect(const cJSON *batch, const char *status, const char *code, const char *part)
{
    const cJSON *r = fix_result(batch, 0);
    const char *detail = fix_reason(r, code);
    int ok = strcmp(fix_status(r), status) == 0 && detail && (!part || strstr(detail, part));
    fix_print_on_failure(r, ok);
    CU_ASSERT(ok);
    if (strcmp(status, "denied") == 0)
        CU_ASSERT_EQUAL(fix_minor(r, "payable"), 0);
}

static void test_verify__unknown_policy_is_denied(void)
{
    fixture f;
    fix_open(&f, "ver_policy");
    uint64_t inc = fix_incident(&f, "INC-1", "2027-03-01T09:00:00Z", "A1", 10);
    fix_cost(&f, "INC-1", "INRE", 1000, -1);
    fix_checkpoint(&f);
    cJSON *out = fix_adjudicate(
        &f,
        "{\"claim_id\":\"C\",\"policy_id\":\"POL-nope\",\"reported\":\"2027-03-05T08:00:00Z\","
        "\"incident\":3,\"losses\":[{\"coverage\":\"INRE\",\"amount\":1000,\"evidence\":[4]}]}",
        NULL);
    (void)inc;
    expect(out, "denied", "policy.unknown", "POL-nope");
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(fix_result(out, 0), "aggregate_remaining")));
    cJSON_Delete(out);
    fix_close(&f);
}

static void test_verify__incident_outside_the_period_or_before_the_retroactive_date(void)
{
    fixture f;
    fix_open(&f, "ver_period");
    /* Period 2027-01-01..2027-12-31, retroactive date 2025-01-01. */
    uint64_t before = fix_incident(&f, "I-B", "2026-12-31T23:59:59Z", "A1", 10);
    fix_cost(&f, "I-B", "INRE", 1000, -1);
    uint64_t after = fix_incident(&f, "I-A", "2028-01-01T00:00:00Z", "A1", 10);
    fix_cost(&f, "I-A", "INRE", 1000, -1);
    uint64_t retro = fix_incident(&f, "I-R", "2024-12-31T12:00:00Z", "A1", 10);
    fix_cost(&f, "I-R", "INRE", 1000, -1);
    uint64_t first = fix_incident(&f, "I-F", "2027-01-01T00:00:00Z", "A1", 10);
    fix_cost(&f, "I-F", "INRE", 100000, -1);
    fix_checkpoint(&f);
    char ev[32];
    snprintf(ev, sizeof ev, "%llu", (unsigned long long)before + 1);
    cJSON *out = inre_claim(&f, "P1", "2027-01-05T00:00:00Z", before, "1000", ev);
    expect(out, "denied", "policy.period", "before the policy period");
    cJSON_Delete(out);
    snprintf(ev, sizeof ev, "%llu", (unsigned long long)after + 1);
    out = inre_claim(&f, "P2", "2028-01-05T00:00:00Z", after, "1000", ev);
    expect(out, "denied", "policy.period", "after the policy period");
    cJSON_Delete(out);
    snprintf(ev, sizeof ev, "%llu", (unsigned long long)retro + 1);
    out = inre_claim(&f, "P3", "2027-01-05T00:00:00Z", retro, "1000", ev);
    expect(out, "denied", "policy.period", "before the retroactive date 2025-01-01");
    cJSON_Delete(out);
    /* The first second of the period is inside it. */
    snprintf(ev, sizeof ev, "%llu", (unsigned long long)first + 1);
    out = inre_claim(&f, "P4", "2027-01-05T00:00:00Z", first, "100000", ev);
    CU_ASSERT_STRING_EQUAL(fix_status(fix_result(out, 0)), "approved");
    CU_ASSERT_EQUAL(fix_minor(fix_result(out, 0), "payable"), 5000000); /* 100000 - 50000 */
    cJSON_Delete(out);
    fix_close(&f);
}

/* Reporting window: 90 days after the period's last day (2027-12-31), i.e. claims reported
 * before 2028-03-31T00:00:00Z are in time. */
static void test_verify__claim_reported_after_the_window_is_late(void)
{
    fixture f;
    fix_open(&f, "ver_late");
    fix_incident(&f, "INC-1", "2027-12-20T00:00:00Z", "A1", 10); /* 3 */
    fix_cost(&f, "INC-1", "INRE", 100000, -1);                   /* 4 */
    fix_cost(&f, "INC-1", "INRE", 100000, -1);                   /* 5 */
    fix_checkpoint(&f);
    cJSON *out = inre_claim(&f, "L1", "2028-03-31T00:00:00Z", 3, "100000", "4");
    expect(out, "denied", "claim.late", "2028-03-30");
    cJSON_Delete(out);
    out = inre_claim(&f, "L2", "2028-03-30T23:59:59Z", 3, "100000", "5");
    CU_ASSERT_STRING_EQUAL(fix_status(fix_result(out, 0)), "approved");
    cJSON_Delete(out);
    fix_close(&f);
}

static void test_verify__entries_not_under_the_latest_checkpoint_fail_inclusion(void)
{
    fixture f;
    fix_open(&f, "ver_inclusion");
    fix_incident(&f, "INC-1", "2027-03-01T00:00:00Z", "A1", 10); /* 3 */
    fix_cost(&f, "INC-1", "INRE", 100000, -1);                   /* 4 */
    fix_checkpoint(&f);
    fix_cost(&f, "INC-1", "INRE", 60000, -1);                    /* 5: after the checkpoint */
    fix_incident(&f, "INC-2", "2027-03-02T00:00:00Z", "A1", 10); /* 6: after the checkpoint */
    /* The uncheckpointed cost does not count: the line pays what entry 4 supports. */
    cJSON *out = inre_claim(&f, "I1", "2027-03-05T00:00:00Z", 3, "160000", "4, 5");
    expect(out, "reduced", "ledger.inclusion", "not under the latest checkpoint (size 5)");
    CU_ASSERT_EQUAL(fix_minor(fix_result(out, 0), "payable"), 5000000); /* 100000 - 50000 */
    cJSON_Delete(out);
    out = inre_claim(&f, "I2", "2027-03-05T00:00:00Z", 6, "1000", "5");
    expect(out, "denied", "ledger.inclusion", "incident: entry 6");
    cJSON_Delete(out);
    fix_close(&f);
}

static void exec_sql(fixture *f, const char *sql)
{
    ds_error err;
    int rc = ds_db_exec(f->db, sql, &err);
    if (rc)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_FATAL(rc == 0);
}

/*
 * An entry edited after signing (its stored leaf hash still makes the signed root, the entry no
 * longer hashes to it): what it said before is unknown, so every incident after it loses its
 * proof of the assets' state, while an incident before it is unaffected.
 */
static void test_verify__an_altered_entry_fails_the_incidents_after_it(void)
{
    fixture f;
    fix_open(&f, "ver_altered");
    fix_incident(&f, "INC-1", "2027-03-01T00:00:00Z", "A1", 10); /* 3 */
    fix_cost(&f, "INC-1", "INRE", 100000, -1);                   /* 4 */
    fix_incident(&f, "INC-2", "2027-03-02T00:00:00Z", "A1", 10); /* 5 */
    fix_cost(&f, "INC-2", "INRE", 100000, -1);                   /* 6 */
    fix_checkpoint(&f);
    /* Entry 4 (INC-1's cost) now says 100001. */
    exec_sql(&f, "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), '100000', "
                 "'100001') AS BLOB) WHERE idx = 4");
    cJSON *out = inre_claim(&f, "X1", "2027-03-05T00:00:00Z", 3, "100000", "4");
    expect(out, "denied", "ledger.inclusion", "entry 4 has no valid inclusion proof");
    cJSON_Delete(out);
    out = inre_claim(&f, "X2", "2027-03-05T00:00:00Z", 5, "100000", "6");
    expect(out, "denied", "ledger.inclusion", "entry 4, before the incident, was altered");
    cJSON_Delete(out);
    fix_close(&f);
    /* An edit after the incident leaves it provable. */
    fix_open(&f, "ver_altered_later");
    fix_incident(&f, "INC-1", "2027-03-01T00:00:00Z", "A1", 10); /* 3 */
    fix_cost(&f, "INC-1", "INRE", 100000, -1);                   /* 4 */
    fix_cost(&f, "INC-9", "INRE", 5000, -1);                     /* 5 */
    fix_checkpoint(&f);
    exec_sql(&f, "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), '5000', "
                 "'5001') AS BLOB) WHERE idx = 5");
    out = inre_claim(&f, "X3", "2027-03-05T00:00:00Z", 3, "100000", "4");
    const cJSON *r = fix_result(out, 0);
    fix_print_on_failure(r, strcmp(fix_status(r), "approved") == 0);
    CU_ASSERT_STRING_EQUAL(fix_status(r), "approved");
    cJSON_Delete(out);
    fix_close(&f);
}

/* Stored leaf hashes that no longer make the signed root: nothing on the log can be proven. */
static void test_verify__a_log_whose_hashes_miss_the_signed_root_fails_every_claim(void)
{
    fixture f;
    fix_open(&f, "ver_rehashed");
    fix_incident(&f, "INC-1", "2027-03-01T00:00:00Z", "A1", 10); /* 3 */
    fix_cost(&f, "INC-1", "INRE", 100000, -1);                   /* 4 */
    fix_checkpoint(&f);
    /* A2's registration edited and its leaf hash rewritten to match the edit. */
    exec_sql(&f, "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), '1500000', "
                 "'1500001') AS BLOB) WHERE idx = 1");
    exec_sql(&f, "UPDATE entries SET leaf_hash = zeroblob(32) WHERE idx = 1");
    cJSON *out = inre_claim(&f, "X1", "2027-03-05T00:00:00Z", 3, "100000", "4");
    expect(out, "denied", "ledger.inclusion", "the log was altered");
    cJSON_Delete(out);
    fix_close(&f);
}

static void test_verify__a_forged_latest_checkpoint_fails_the_signature(void)
{
    fixture f;
    fix_open(&f, "ver_signature");
    fix_incident(&f, "INC-1", "2027-03-01T00:00:00Z", "A1", 10);
    fix_cost(&f, "INC-1", "INRE", 100000, -1);
    fix_checkpoint(&f);
    /* Flip one base64 character of the signature (the last line of the note). */
    exec_sql(&f, "UPDATE checkpoints SET note = substr(note, 1, length(note) - 4) || "
                 "CASE substr(note, length(note) - 3, 1) WHEN 'A' THEN 'B' ELSE 'A' END || "
                 "substr(note, length(note) - 2) WHERE id = (SELECT max(id) FROM checkpoints)");
    cJSON *out = inre_claim(&f, "S1", "2027-03-05T00:00:00Z", 3, "100000", "4");
    expect(out, "denied", "ledger.signature", "latest checkpoint");
    cJSON_Delete(out);
    fix_close(&f);
}

/*
 * History rewritten: the checkpoint recorded at binding (size 3) is replaced by one the log's key
 * signed over another tree of 3 entries, as if the platform had rebuilt its log since binding.
 * The latest checkpoint verifies, but the log no longer extends what was signed at binding.
 */
static void test_verify__a_log_that_does_not_extend_the_binding_checkpoint_is_inconsistent(void)
{
    fixture f;
    fix_open(&f, "ver_consistency");
    fix_incident(&f, "INC-1", "2027-03-01T00:00:00Z", "A1", 10);
    fix_cost(&f, "INC-1", "INRE", 100000, -1);
    fix_checkpoint(&f);
    ds_signer *signer = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_key_load(&signer, f.key_path, FIX_ORIGIN, &err) == 0);
    uint8_t root[32];
    CU_ASSERT_FATAL(ds_ledger_root(f.ledger, 3, root, &err) == 0);
    root[0] ^= 1;
    char *note = NULL;
    CU_ASSERT_FATAL(ds_checkpoint_sign(&note, signer, FIX_ORIGIN, 3, root, &err) == 0);
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_FATAL(sqlite3_prepare_v2(ds_db_handle(f.db),
                                       "UPDATE policies SET checkpoint = ?1", -1, &stmt,
                                       NULL) == SQLITE_OK);
    sqlite3_bind_text(stmt, 1, note, -1, SQLITE_STATIC);
    CU_ASSERT_FATAL(sqlite3_step(stmt) == SQLITE_DONE);
    sqlite3_finalize(stmt);
    cJSON *out = inre_claim(&f, "K1", "2027-03-05T00:00:00Z", 3, "100000", "4");
    expect(out, "denied", "ledger.consistency", "recorded at binding");
    cJSON_Delete(out);

    /* A binding checkpoint with a broken signature is ledger.signature. */
    note[strlen(note) - 3] = note[strlen(note) - 3] == 'A' ? 'B' : 'A';
    CU_ASSERT_FATAL(sqlite3_prepare_v2(ds_db_handle(f.db),
                                       "UPDATE policies SET checkpoint = ?1", -1, &stmt,
                                       NULL) == SQLITE_OK);
    sqlite3_bind_text(stmt, 1, note, -1, SQLITE_STATIC);
    CU_ASSERT_FATAL(sqlite3_step(stmt) == SQLITE_DONE);
    sqlite3_finalize(stmt);
    out = inre_claim(&f, "K2", "2027-03-05T00:00:00Z", 3, "100000", "4");
    expect(out, "denied", "ledger.signature", "checkpoint recorded at binding");
    cJSON_Delete(out);
    free(note);
    ds_signer_free(signer);
    fix_close(&f);
}

static void test_verify__assets_must_be_registered_and_hold_the_records_lost(void)
{
    fixture f;
    fix_open(&f, "ver_assets");
    fix_incident(&f, "I-U", "2027-03-01T00:00:00Z", "A8", 10);       /* 3: A8 registered later */
    fix_cost(&f, "I-U", "INRE", 100000, -1);                         /* 4 */
    fix_incident(&f, "I-X", "2027-03-01T00:00:00Z", "A2", 1500001);  /* 5: A2 holds 1500000 */
    fix_cost(&f, "I-X", "INRE", 100000, -1);                         /* 6 */
    fix_register(&f, "A8", "general", 10);                           /* 7: after incident 3 */
    fix_incident(&f, "I-E", "2027-03-01T00:00:00Z", "A1", 200000);   /* 8: exactly A1's */
    fix_cost(&f, "I-E", "INRE", 100000, -1);                         /* 9 */
    fix_append(&f, "{\"type\":\"asset.records\",\"ts\":\"2027-03-02T00:00:00Z\","
                   "\"asset\":\"A1\",\"records\":100}");             /* 10 */
    fix_incident(&f, "I-R", "2027-03-03T00:00:00Z", "A1", 101);      /* 11: A1 holds 100 now */
    fix_cost(&f, "I-R", "INRE", 100000, -1);                         /* 12 */
    fix_checkpoint(&f);
    cJSON *out = inre_claim(&f, "U1", "2027-03-05T00:00:00Z", 3, "100000", "4");
    expect(out, "denied", "asset.unregistered", "asset A8 has no asset.registered entry before");
    cJSON_Delete(out);
    out = inre_claim(&f, "U2", "2027-03-05T00:00:00Z", 5, "100000", "6");
    expect(out, "denied", "records.exceed", "lost 1500001 records but 1500000");
    cJSON_Delete(out);
    out = inre_claim(&f, "U3", "2027-03-05T00:00:00Z", 8, "100000", "9");
    CU_ASSERT_STRING_EQUAL(fix_status(fix_result(out, 0)), "approved");
    cJSON_Delete(out);
    out = inre_claim(&f, "U4", "2027-03-05T00:00:00Z", 11, "100000", "12");
    expect(out, "denied", "records.exceed", "but 100 were registered");
    cJSON_Delete(out);
    fix_close(&f);
}

static void test_verify__cost_entries_must_be_of_this_incident_and_coverage_and_support_it(void)
{
    fixture f;
    fix_open(&f, "ver_evidence");
    fix_incident(&f, "INC-1", "2027-03-01T00:00:00Z", "A1", 10); /* 3 */
    fix_cost(&f, "INC-1", "INRE", 70000, -1);                    /* 4 */
    fix_cost(&f, "INC-OTHER", "INRE", 90000, -1);                /* 5: another incident */
    fix_cost(&f, "INC-1", "DIAS", 90000, -1);                    /* 6: another coverage */
    fix_cost(&f, "INC-1", "NPBI", 300000, 24);                   /* 7: 24 hours */
    fix_checkpoint(&f);
    /* INRE claims 160000 on 4, 5, 6: only entry 4 counts, pay the smaller (70000). */
    cJSON *out = inre_claim(&f, "E1", "2027-03-05T00:00:00Z", 3, "160000", "4, 5, 6");
    const cJSON *r = fix_result(out, 0);
    expect(out, "reduced", "evidence.mismatch", "cost of incident INC-OTHER");
    int n_mismatch = 0;
    const cJSON *reason;
    cJSON_ArrayForEach(reason, cJSON_GetObjectItem(r, "reasons"))
        n_mismatch += strcmp(cJSON_GetObjectItem(reason, "code")->valuestring,
                             "evidence.mismatch") == 0;
    CU_ASSERT_EQUAL(n_mismatch, 3); /* other incident, other coverage, amount unsupported */
    CU_ASSERT_EQUAL(fix_minor(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "by_coverage"), 0),
                              "verified"), 7000000);
    CU_ASSERT_EQUAL(fix_minor(r, "payable"), 2000000); /* 70000 - 50000 */
    cJSON_Delete(out);

    /* NPBI claims a 48-hour outage; the cost entry records 24: prorate on 24.
     * 300000 * (24 - 12) / 24 = 150000, - 10000 NPBI deductible - 50000 policy deductible. */
    out = fix_adjudicate(
        &f,
        "{\"claim_id\":\"E2\",\"policy_id\":\"%P\",\"reported\":\"2027-03-05T08:00:00Z\","
        "\"incident\":3,\"losses\":[{\"coverage\":\"NPBI\",\"amount\":300000,\"hours\":48,"
        "\"evidence\":[7]}]}",
        NULL);
    expect(out, "reduced", "evidence.mismatch", "48.000 hours claimed");
    CU_ASSERT_EQUAL(fix_minor(fix_result(out, 0), "payable"), 9000000);
    cJSON_Delete(out);

    /* The incident index must be an incident. */
    out = inre_claim(&f, "E3", "2027-03-05T00:00:00Z", 4, "1000", "4");
    expect(out, "denied", "evidence.mismatch", "is cost, not an incident");
    cJSON_Delete(out);
    fix_close(&f);
}

static void test_verify__coverage_not_in_the_cover_is_excluded(void)
{
    fixture f;
    fix_open(&f, "ver_excluded");
    fix_incident(&f, "INC-1", "2027-03-01T00:00:00Z", "A1", 10); /* 3 */
    fix_cost(&f, "INC-1", "ENO", 70000, -1);                     /* 4 */
    fix_cost(&f, "INC-1", "INRE", 80000, -1);                    /* 5 */
    fix_checkpoint(&f);
    cJSON *out = fix_adjudicate(
        &f,
        "{\"claim_id\":\"X1\",\"policy_id\":\"%P\",\"reported\":\"2027-03-05T08:00:00Z\","
        "\"incident\":3,\"losses\":[{\"coverage\":\"ENO\",\"amount\":70000,\"evidence\":[4]},"
        "{\"coverage\":\"INRE\",\"amount\":80000,\"evidence\":[5]}]}",
        NULL);
    /* An excluded coverage pays nothing by the terms, so the claim is paid as the terms give:
     * approved, with the reason listed. */
    expect(out, "approved", "coverage.excluded", "does not cover ENO");
    const cJSON *r = fix_result(out, 0);
    CU_ASSERT_EQUAL(fix_paid(r, 0), 0);
    CU_ASSERT_EQUAL(fix_minor(r, "payable"), 3000000); /* 80000 - 50000 */
    cJSON_Delete(out);
    out = fix_adjudicate(
        &f,
        "{\"claim_id\":\"X2\",\"policy_id\":\"%P\",\"reported\":\"2027-03-05T08:00:00Z\","
        "\"incident\":3,\"losses\":[{\"coverage\":\"ENO\",\"amount\":70000,\"evidence\":[4]}]}",
        NULL);
    expect(out, "denied", "coverage.excluded", NULL);
    cJSON_Delete(out);
    fix_close(&f);
}

/* Verifies one claim (JSON with %P) directly; tree_limit 0 forces the constant-memory path. */
static void verify_one(fixture *f, const char *text, uint64_t tree_limit, ds_claim_check *check)
{
    char buf[1024];
    size_t at = 0;
    for (const char *p = text; *p && at + 80 < sizeof buf; p++) {
        if (p[0] == '%' && p[1] == 'P') {
            at += (size_t)snprintf(buf + at, sizeof buf - at, "%s", f->policy_id);
            p++;
        } else {
            buf[at++] = *p;
        }
    }
    buf[at] = '\0';
    cJSON *json = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_json_parse(&json, buf, at, "claim", &err) == 0);
    ds_claim claim;
    CU_ASSERT_FATAL(ds_claim_parse(&claim, json, "claim", &err) == 0);
    ds_claims_verifier *v = NULL;
    CU_ASSERT_FATAL(ds_claims_verifier_new(&v, f->db, &err) == 0);
    ds_claims_verifier_set_tree_limit(v, tree_limit);
    const ds_claim *list[1] = {&claim};
    CU_ASSERT_FATAL(ds_claims_verifier_prepare(v, list, 1, &err) == 0);
    CU_ASSERT_FATAL(ds_claims_verify(check, v, &claim, &err) == 0);
    ds_claims_verifier_free(v);
    ds_claim_clear(&claim);
    cJSON_Delete(json);
}

/*
 * The same verdicts whether the tree is rebuilt in memory or the log is checked in constant
 * memory and entries proved from the stored subtree hashes (the path of logs above 2^22).
 */
static void test_verify__large_log_path_gives_the_same_verdicts(void)
{
    fixture f;
    fix_open(&f, "ver_paths");
    fix_incident(&f, "INC-1", "2027-03-01T00:00:00Z", "A1", 10); /* 3 */
    fix_cost(&f, "INC-1", "INRE", 70000, -1);                    /* 4 */
    fix_cost(&f, "INC-2", "INRE", 90000, -1);                    /* 5 */
    for (int i = 0; i < 20; i++)
        fix_register(&f, "A9", "general", 10 + i);              /* 6..25: a bigger tree */
    fix_checkpoint(&f);
    fix_cost(&f, "INC-1", "INRE", 1000, -1);                     /* 26: after the checkpoint */
    const char *claim = "{\"claim_id\":\"V1\",\"policy_id\":\"%P\","
                        "\"reported\":\"2027-03-05T08:00:00Z\",\"incident\":3,"
                        "\"losses\":[{\"coverage\":\"INRE\",\"amount\":100000,"
                        "\"evidence\":[4,5,26]}]}";
    for (int path = 0; path < 2; path++) {
        ds_claim_check check;
        memset(&check, 0, sizeof check);
        verify_one(&f, claim, path ? 0 : UINT64_MAX, &check);
        CU_ASSERT_EQUAL(check.is_denied, 0);
        CU_ASSERT_EQUAL(check.incident_time, 1803859200); /* 2027-03-01T00:00:00Z */
        CU_ASSERT_EQUAL(check.lines[0].evidenced, 7000000);
        CU_ASSERT_EQUAL(check.lines[0].verified, 7000000);
        CU_ASSERT_EQUAL(check.lines[0].accepted_mask, 1);
        CU_ASSERT_EQUAL_FATAL(check.n_reasons, 3);
        CU_ASSERT_EQUAL(check.reasons[0].code, DS_REASON_EVIDENCE_MISMATCH); /* INC-2 */
        CU_ASSERT_EQUAL(check.reasons[1].code, DS_REASON_LEDGER_INCLUSION);  /* 26 */
        CU_ASSERT_EQUAL(check.reasons[2].code, DS_REASON_EVIDENCE_MISMATCH); /* short */
        ds_claim_check_clear(&check);
    }
    /* An entry altered before the incident is caught on both paths. */
    exec_sql(&f, "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), '1500000', "
                 "'1500001') AS BLOB) WHERE idx = 1");
    for (int path = 0; path < 2; path++) {
        ds_claim_check check;
        memset(&check, 0, sizeof check);
        verify_one(&f, claim, path ? 0 : UINT64_MAX, &check);
        CU_ASSERT_EQUAL(check.is_denied, 1);
        CU_ASSERT_EQUAL_FATAL(check.n_reasons, 1);
        CU_ASSERT_EQUAL(check.reasons[0].code, DS_REASON_LEDGER_INCLUSION);
        CU_ASSERT(strstr(check.reasons[0].detail, "altered") != NULL);
        ds_claim_check_clear(&check);
    }
    fix_close(&f);
}

static const ds_test_case tests[] = {
    {"large_log_path_gives_the_same_verdicts",
     test_verify__large_log_path_gives_the_same_verdicts},
    {"unknown_policy_is_denied", test_verify__unknown_policy_is_denied},
    {"incident_outside_the_period_or_before_the_retroactive_date",
     test_verify__incident_outside_the_period_or_before_the_retroactive_date},
    {"claim_reported_after_the_window_is_late",
     test_verify__claim_reported_after_the_window_is_late},
    {"entries_not_under_the_latest_checkpoint_fail_inclusion",
     test_verify__entries_not_under_the_latest_checkpoint_fail_inclusion},
    {"an_altered_entry_fails_the_incidents_after_it",
     test_verify__an_altered_entry_fails_the_incidents_after_it},
    {"a_log_whose_hashes_miss_the_signed_root_fails_every_claim",
     test_verify__a_log_whose_hashes_miss_the_signed_root_fails_every_claim},
    {"a_forged_latest_checkpoint_fails_the_signature",
     test_verify__a_forged_latest_checkpoint_fails_the_signature},
    {"a_log_that_does_not_extend_the_binding_checkpoint_is_inconsistent",
     test_verify__a_log_that_does_not_extend_the_binding_checkpoint_is_inconsistent},
    {"assets_must_be_registered_and_hold_the_records_lost",
     test_verify__assets_must_be_registered_and_hold_the_records_lost},
    {"cost_entries_must_be_of_this_incident_and_coverage_and_support_it",
     test_verify__cost_entries_must_be_of_this_incident_and_coverage_and_support_it},
    {"coverage_not_in_the_cover_is_excluded", test_verify__coverage_not_in_the_cover_is_excluded},
};

DS_TEST_MAIN("verify", tests)
