/*
 * test_adjudicate.c: batch adjudication end to end on a real database: a clean claim paid
 * exactly per the terms (worked by hand below), exactly-once (replay, conflict), evidence used
 * once, settlement in incident order whatever the batch order, the grade reduction by premium
 * charged / premium due, malformed claims rejected one by one, and a malformed batch refused
 * whole with nothing settled.
 */
#include "tests/claims/claims_fixture.h"

#include "data/rating_plan.h"
#include "pricing/quote_request.h"

/* Incident INC-1 on A2 (12000 records) detected 2027-03-01, an INRE cost of 120000 and an NPBI
 * cost of 250000 with a 30-hour outage; returns the incident's index (costs follow it). */
static uint64_t clean_incident(fixture *f)
{
    uint64_t inc = fix_incident(f, "INC-1", "2027-03-01T09:00:00Z", "A2", 12000);
    fix_cost(f, "INC-1", "INRE", 120000, -1);
    fix_cost(f, "INC-1", "NPBI", 250000, 30);
    return inc;
}

static const char clean_claim[] =
    "{\"claim_id\":\"CL-1\",\"policy_id\":\"%P\",\"reported\":\"2027-03-05T08:00:00Z\","
    "\"incident\":3,\"losses\":[{\"coverage\":\"INRE\",\"amount\":100000,\"evidence\":[4]},"
    "{\"coverage\":\"NPBI\",\"amount\":250000,\"hours\":30,\"evidence\":[5]}]}";

/*
 * The cover (DESIGN.md section 5 example): INRE no deductible; NPBI deductible 10000, waiting
 * 12 hours; policy deductible 50000; layer limit 10^7, participation 1; aggregate 10^7.
 *   INRE: x = 100000
 *   NPBI: 250000 * (30 - 12) / 30 = 150000, minus 10000 = 140000
 *   y = 240000 - 50000 = 190000 = z = paid
 *   shares by largest remainder: INRE 190000 * 100000 / 240000 = 79166.666..,
 *   NPBI 110833.333..; the 0.01 left goes to the larger remainder (INRE .666 > NPBI .333):
 *   INRE 79166.67, NPBI 110833.33.
 *   aggregate left 10000000 - 190000 = 9810000.
 */
static void test_adjudicate__clean_claim_is_paid_exactly_per_the_terms(void)
{
    fixture f;
    fix_open(&f, "adj_clean");
    clean_incident(&f);
    fix_checkpoint(&f);
    ds_adjudicate_summary sum;
    cJSON *out = fix_adjudicate(&f, clean_claim, &sum);
    const cJSON *r = fix_result(out, 0);
    int ok = strcmp(fix_status(r), "approved") == 0 &&
             cJSON_GetArraySize(cJSON_GetObjectItem(r, "reasons")) == 0;
    fix_print_on_failure(r, ok);
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(fix_minor(r, "ground_up"), 35000000);
    CU_ASSERT_EQUAL(fix_minor(r, "payable"), 19000000);
    CU_ASSERT_EQUAL(fix_paid(r, 0), 7916667);
    CU_ASSERT_EQUAL(fix_paid(r, 1), 11083333);
    CU_ASSERT_EQUAL(fix_minor(r, "aggregate_remaining"), 981000000);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(r, "reduction_factor")->valuedouble, 1);
    CU_ASSERT_EQUAL(sum.claims, 1);
    CU_ASSERT_EQUAL(sum.approved, 1);
    CU_ASSERT_EQUAL(sum.paid, 19000000);
    CU_ASSERT_EQUAL(fix_minor(cJSON_GetObjectItem(out, "summary"), "paid"), 19000000);
    cJSON_Delete(out);
    fix_close(&f);
}

static int64_t count_rows(fixture *f, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_FATAL(sqlite3_prepare_v2(ds_db_handle(f->db), sql, -1, &stmt, NULL) == SQLITE_OK);
    CU_ASSERT_FATAL(sqlite3_step(stmt) == SQLITE_ROW);
    int64_t n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static void test_adjudicate__same_claim_again_returns_the_stored_result_and_pays_once(void)
{
    fixture f;
    fix_open(&f, "adj_once");
    clean_incident(&f);
    fix_checkpoint(&f);
    cJSON *first = fix_adjudicate(&f, clean_claim, NULL);
    /* The same content with other whitespace and member order is the same claim. */
    ds_adjudicate_summary sum;
    cJSON *again = fix_adjudicate(
        &f,
        "[{ \"policy_id\": \"%P\", \"claim_id\": \"CL-1\", \"incident\": 3,"
        "   \"reported\": \"2027-03-05T08:00:00Z\","
        "   \"losses\": [{\"amount\": 100000, \"coverage\": \"INRE\", \"evidence\": [4]},"
        "                {\"coverage\": \"NPBI\", \"hours\": 30, \"amount\": 250000.00,"
        "                 \"evidence\": [5]}]}]",
        &sum);
    CU_ASSERT(cJSON_Compare(fix_result(first, 0), fix_result(again, 0), 1));
    CU_ASSERT_EQUAL(sum.replayed, 1);
    CU_ASSERT_EQUAL(count_rows(&f, "SELECT paid FROM policy_state"), 19000000);
    CU_ASSERT_EQUAL(count_rows(&f, "SELECT n_claims FROM policy_state"), 1);

    /* Other content under the same id is refused and changes nothing. */
    cJSON *other = fix_adjudicate(
        &f,
        "{\"claim_id\":\"CL-1\",\"policy_id\":\"%P\",\"reported\":\"2027-03-05T08:00:00Z\","
        "\"incident\":3,\"losses\":[{\"coverage\":\"INRE\",\"amount\":100001,\"evidence\":[4]}]}",
        NULL);
    const cJSON *r = fix_result(other, 0);
    CU_ASSERT_STRING_EQUAL(fix_status(r), "denied");
    CU_ASSERT(fix_reason(r, "claim.conflict") != NULL);
    CU_ASSERT_EQUAL(fix_minor(r, "payable"), 0);
    CU_ASSERT_EQUAL(count_rows(&f, "SELECT paid FROM policy_state"), 19000000);
    CU_ASSERT_EQUAL(count_rows(&f, "SELECT count(*) FROM claims"), 1);
    cJSON_Delete(first);
    cJSON_Delete(again);
    cJSON_Delete(other);
    fix_close(&f);
}

static void test_adjudicate__evidence_backs_one_claim_only(void)
{
    fixture f;
    /* CL-2 settles after CL-1 (same incident, claim id order) and cites CL-1's INRE cost; CL-3
     * cites one entry twice. */
    fix_open(&f, "adj_reuse");
    clean_incident(&f);
    fix_cost(&f, "INC-1", "NPBI", 1000, 20); /* 6 */
    fix_checkpoint(&f);
    char batch[2048];
    snprintf(batch, sizeof batch,
             "[{\"claim_id\":\"CL-2\",\"policy_id\":\"%%P\",\"reported\":\"2027-03-05T08:00:00Z\","
             "\"incident\":3,\"losses\":[{\"coverage\":\"INRE\",\"amount\":5000,"
             "\"evidence\":[4]}]},%s,"
             "{\"claim_id\":\"CL-3\",\"policy_id\":\"%%P\",\"reported\":\"2027-03-05T08:00:00Z\","
             "\"incident\":3,\"losses\":[{\"coverage\":\"NPBI\",\"amount\":500,"
             "\"evidence\":[6,6]}]}]",
             clean_claim);
    cJSON *out = fix_adjudicate(&f, batch, NULL);
    const cJSON *cl2 = fix_result(out, 0), *cl1 = fix_result(out, 1);
    CU_ASSERT_STRING_EQUAL(fix_status(cl1), "approved");
    CU_ASSERT_STRING_EQUAL(fix_status(cl2), "denied");
    const char *detail = fix_reason(cl2, "evidence.reused");
    CU_ASSERT(detail != NULL && strstr(detail, "CL-1") != NULL);
    CU_ASSERT_EQUAL(fix_minor(cl2, "payable"), 0);
    const cJSON *cl3 = fix_result(out, 2);
    detail = fix_reason(cl3, "evidence.reused");
    CU_ASSERT(detail != NULL && strstr(detail, "cited twice in this claim") != NULL);
    CU_ASSERT_STRING_EQUAL(fix_status(cl3), "denied");
    cJSON_Delete(out);
    /* In a later batch too. */
    out = fix_adjudicate(
        &f,
        "{\"claim_id\":\"CL-9\",\"policy_id\":\"%P\",\"reported\":\"2027-03-05T08:00:00Z\","
        "\"incident\":3,\"losses\":[{\"coverage\":\"NPBI\",\"amount\":5000,\"evidence\":[5]}]}",
        NULL);
    CU_ASSERT(fix_reason(fix_result(out, 0), "evidence.reused") != NULL);
    cJSON_Delete(out);
    fix_close(&f);
}

/*
 * A line whose second entry backs an earlier claim is cut, and the first entry, recorded before
 * the reuse was found, is released: a later claim may still use it. Entries 4 and 6 are INRE
 * costs of INC-1; CL-1 takes 6; CL-2 cites 4 then 6.
 */
static void test_adjudicate__a_cut_line_releases_the_evidence_it_recorded(void)
{
    fixture f;
    fix_open(&f, "adj_release");
    clean_incident(&f);
    fix_cost(&f, "INC-1", "INRE", 30000, -1); /* 6 */
    fix_checkpoint(&f);
    cJSON *out = fix_adjudicate(
        &f,
        "{\"claim_id\":\"CL-1\",\"policy_id\":\"%P\",\"reported\":\"2027-03-05T08:00:00Z\","
        "\"incident\":3,\"losses\":[{\"coverage\":\"INRE\",\"amount\":30000,\"evidence\":[6]}]}\n"
        "{\"claim_id\":\"CL-2\",\"policy_id\":\"%P\",\"reported\":\"2027-03-05T08:00:00Z\","
        "\"incident\":3,\"losses\":[{\"coverage\":\"INRE\",\"amount\":150000,"
        "\"evidence\":[4,6]}]}\n",
        NULL);
    CU_ASSERT_STRING_EQUAL(fix_status(fix_result(out, 0)), "approved");
    const cJSON *cl2 = fix_result(out, 1);
    CU_ASSERT_STRING_EQUAL(fix_status(cl2), "denied");
    const char *detail = fix_reason(cl2, "evidence.reused");
    CU_ASSERT(detail != NULL && strstr(detail, "entry 6 already backs claim CL-1") != NULL);
    cJSON_Delete(out);
    CU_ASSERT_EQUAL(count_rows(&f, "SELECT count(*) FROM claim_evidence"), 1);
    CU_ASSERT_EQUAL(count_rows(&f, "SELECT count(*) FROM claim_evidence WHERE idx = 6 AND "
                                   "claim_id = 'CL-1'"), 1);
    out = fix_adjudicate(
        &f,
        "{\"claim_id\":\"CL-3\",\"policy_id\":\"%P\",\"reported\":\"2027-03-05T08:00:00Z\","
        "\"incident\":3,\"losses\":[{\"coverage\":\"INRE\",\"amount\":120000,"
        "\"evidence\":[4]}]}",
        NULL);
    CU_ASSERT_STRING_EQUAL(fix_status(fix_result(out, 0)), "approved");
    CU_ASSERT(fix_reason(fix_result(out, 0), "evidence.reused") == NULL);
    cJSON_Delete(out);
    CU_ASSERT_EQUAL(count_rows(&f, "SELECT count(*) FROM claim_evidence WHERE idx = 4 AND "
                                   "claim_id = 'CL-3'"), 1);
    fix_close(&f);
}

/*
 * Two incidents, listed latest first: the earlier one settles first and gets the INRE
 * sublimit (2000000) before the later one. INRE 1500000 each, policy deductible 50000:
 *   first settled:  x = 1500000, paid 1450000, INRE sublimit left 550000
 *   second settled: x = min(1500000, 550000) = 550000, paid 500000.
 */
static void test_adjudicate__claims_settle_in_incident_order_whatever_the_batch_order(void)
{
    fixture f;
    fix_open(&f, "adj_order");
    fix_incident(&f, "INC-LATE", "2027-05-01T00:00:00Z", "A1", 10);   /* 3 */
    fix_cost(&f, "INC-LATE", "INRE", 1500000, -1);                    /* 4 */
    fix_incident(&f, "INC-EARLY", "2027-02-01T00:00:00Z", "A1", 10);  /* 5 */
    fix_cost(&f, "INC-EARLY", "INRE", 1500000, -1);                   /* 6 */
    fix_checkpoint(&f);
    cJSON *out = fix_adjudicate(
        &f,
        "{\"claim_id\":\"A-late\",\"policy_id\":\"%P\",\"reported\":\"2027-06-01T00:00:00Z\","
        "\"incident\":3,\"losses\":[{\"coverage\":\"INRE\",\"amount\":1500000,"
        "\"evidence\":[4]}]}\n"
        "{\"claim_id\":\"Z-early\",\"policy_id\":\"%P\",\"reported\":\"2027-06-01T00:00:00Z\","
        "\"incident\":5,\"losses\":[{\"coverage\":\"INRE\",\"amount\":1500000,"
        "\"evidence\":[6]}]}\n",
        NULL);
    const cJSON *late = fix_result(out, 0), *early = fix_result(out, 1);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(late, "claim_id")->valuestring, "A-late");
    CU_ASSERT_EQUAL(fix_minor(early, "payable"), 145000000);
    CU_ASSERT_EQUAL(fix_minor(late, "payable"), 50000000);
    CU_ASSERT_STRING_EQUAL(fix_status(early), "approved");
    /* Paid as the terms give with the limits left: approved, not reduced. */
    CU_ASSERT_STRING_EQUAL(fix_status(late), "approved");
    CU_ASSERT_EQUAL(fix_minor(late, "aggregate_remaining"), 1000000000 - 145000000 - 50000000);
    cJSON_Delete(out);
    fix_close(&f);
}

/*
 * A2 re-graded core before the incident although declared general at binding: the claim pays
 * floor(paid * charged / due) where due is the premium of the same request with A2 core, priced
 * with the policy's seed and sims (computed here independently of the claims code).
 */
static void test_adjudicate__misdeclared_grade_pays_premium_charged_over_due(void)
{
    fixture f;
    fix_open(&f, "adj_grade");
    fix_append(&f, "{\"type\":\"asset.graded\",\"ts\":\"2027-01-10T00:00:00Z\",\"asset\":\"A2\","
                   "\"grade\":\"core\"}");                                    /* 3 */
    fix_incident(&f, "INC-1", "2027-03-01T09:00:00Z", "A2", 12000);           /* 4 */
    fix_cost(&f, "INC-1", "INRE", 120000, -1);                                /* 5 */
    fix_cost(&f, "INC-1", "NPBI", 250000, 30);                                /* 6 */
    fix_checkpoint(&f);
    cJSON *out = fix_adjudicate(
        &f,
        "{\"claim_id\":\"CL-1\",\"policy_id\":\"%P\",\"reported\":\"2027-03-05T08:00:00Z\","
        "\"incident\":4,\"losses\":[{\"coverage\":\"INRE\",\"amount\":100000,\"evidence\":[5]},"
        "{\"coverage\":\"NPBI\",\"amount\":250000,\"hours\":30,\"evidence\":[6]}]}",
        NULL);
    const cJSON *r = fix_result(out, 0);

    ds_quote_request req;
    ds_error err;
    CU_ASSERT_FATAL(ds_quote_request_parse(&req, f.request, &err) == 0);
    for (size_t i = 0; i < req.assets.n; i++) {
        if (strcmp(req.assets.items[i].id, "A2") == 0)
            req.assets.items[i].grade = DS_GRADE_CORE;
    }
    ds_rating_plan *plan = malloc(sizeof *plan);
    CU_ASSERT_FATAL(plan && ds_rating_plan_load(plan, req.rating_plan, &err) == 0);
    ds_premium due;
    CU_ASSERT_FATAL(ds_quote_premium(&due, &req, plan, &err) == 0);
    free(plan);
    ds_quote_request_clear(&req);
    CU_ASSERT_FATAL(due.premium > f.premium);

    int64_t expected = ds_muldiv_floor(19000000, f.premium, due.premium, NULL);
    int ok = strcmp(fix_status(r), "reduced") == 0 &&
             fix_reason(r, "grade.misdeclared") != NULL && fix_minor(r, "payable") == expected;
    fix_print_on_failure(r, ok);
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(fix_paid(r, 0) + fix_paid(r, 1), expected);
    DS_ASSERT_ABS(cJSON_GetObjectItem(r, "reduction_factor")->valuedouble,
                  (double)f.premium / (double)due.premium, 5e-7); /* shown to 6 decimals */
    /* The aggregate erodes by what was paid, not by the unreduced amount. */
    CU_ASSERT_EQUAL(fix_minor(r, "aggregate_remaining"), 1000000000 - expected);
    cJSON_Delete(out);
    fix_close(&f);
}

static void test_adjudicate__malformed_claims_are_rejected_one_by_one(void)
{
    fixture f;
    fix_open(&f, "adj_malformed");
    clean_incident(&f);
    fix_checkpoint(&f);
    char batch[4096];
    snprintf(batch, sizeof batch,
             "[{\"claim_id\":\"M-1\",\"policy_id\":\"%%P\",\"incident\":3,"
             "\"losses\":[{\"coverage\":\"INRE\",\"amount\":1,\"evidence\":[4]}]},"
             "{\"claim_id\":\"M-2\",\"policy_id\":\"%%P\",\"reported\":\"2027-03-05T08:00:00Z\","
             "\"incident\":3,\"losses\":[{\"coverage\":\"INRE\",\"amount\":-5,\"evidence\":[4]}]},"
             "{\"claim_id\":\"M-3\",\"policy_id\":\"%%P\",\"reported\":\"2027-03-05T08:00:00Z\","
             "\"incident\":3,\"losses\":[{\"coverage\":\"XYZ\",\"amount\":5,\"evidence\":[4]}]},"
             "{\"claim_id\":\"M-4\",\"policy_id\":\"%%P\",\"reported\":\"2027-03-05T08:00:00Z\","
             "\"incident\":3,\"losses\":[{\"coverage\":\"INRE\",\"amount\":5,"
             "\"evidence\":[9999]}]},"
             "42, %s]",
             clean_claim);
    cJSON *out = fix_adjudicate(&f, batch, NULL);
    const char *want[] = {"claims[0].reported: required field is missing",
                          "claims[1].losses[0].amount: must be a non-negative amount",
                          "claims[2].losses[0].coverage: unknown coverage \"XYZ\"",
                          "losses[0].evidence[0]: index 9999 is beyond the log",
                          "claims[4]: must be an object"};
    for (int i = 0; i < 5; i++) {
        const cJSON *r = fix_result(out, i);
        const char *detail = fix_reason(r, "claim.malformed");
        int ok = detail && strstr(detail, want[i]) && strcmp(fix_status(r), "denied") == 0;
        fix_print_on_failure(r, ok);
        CU_ASSERT(ok);
    }
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(fix_result(out, 0), "claim_id")->valuestring,
                           "M-1");
    CU_ASSERT_STRING_EQUAL(fix_status(fix_result(out, 5)), "approved");
    CU_ASSERT_EQUAL(fix_minor(fix_result(out, 5), "payable"), 19000000);
    cJSON_Delete(out);
    fix_close(&f);
}

static void test_adjudicate__malformed_batch_is_refused_whole_and_settles_nothing(void)
{
    fixture f;
    fix_open(&f, "adj_badbatch");
    clean_incident(&f);
    fix_checkpoint(&f);
    const char *bad[] = {"", "42", "\"claims\"", "[{\"claim_id\": ", "{\"claim_id\":\"x\"}\n{"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *out = NULL;
        ds_error err;
        CU_ASSERT_EQUAL(ds_adjudicate_text(&out, NULL, f.db, bad[i], strlen(bad[i]), NULL, &err),
                        DS_EINVAL);
        CU_ASSERT(out == NULL);
        CU_ASSERT(strstr(err.message, "batch") != NULL);
    }
    CU_ASSERT_EQUAL(count_rows(&f, "SELECT count(*) FROM claims"), 0);
    fix_close(&f);
}

/* A copy of the fixture's database (SQLite's online backup), opened like the original. */
static ds_db *copy_database(fixture *f, const char *path)
{
    fix_remove(path);
    ds_db *copy = NULL;
    ds_error err;
    ds_db_options opts = {.no_migrate = 1};
    CU_ASSERT_FATAL(ds_db_open(&copy, path, &opts, &err) == 0);
    sqlite3_backup *b = sqlite3_backup_init(ds_db_handle(copy), "main", ds_db_handle(f->db),
                                            "main");
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_FATAL(sqlite3_backup_step(b, -1) == SQLITE_DONE);
    CU_ASSERT_FATAL(sqlite3_backup_finish(b) == SQLITE_OK);
    return copy;
}

/*
 * 60 incidents, each with an INRE cost of 300000 and an NPBI cost of 200000 (20 hours), and a
 * batch of five claims per incident in shuffled order: INRE as evidenced, NPBI above what is
 * evidenced (reduced), INRE again on the same cost (evidence.reused), a late report
 * (claim.late) and, every tenth incident, a line without claim_id (claim.malformed). 300 claims
 * are several chunks per thread. The INRE and NPBI sublimits (2000000 each) run out part-way,
 * so what each claim gets depends on the order of settlement: read and verified on 1 or 3
 * threads, the batch must come out byte for byte the same.
 */
static void test_adjudicate__results_do_not_depend_on_the_thread_count(void)
{
    enum { N_INCIDENTS = 60, PER_INCIDENT = 5 };
    fixture f;
    fix_open(&f, "adj_threads");
    uint64_t first[N_INCIDENTS];
    for (int k = 0; k < N_INCIDENTS; k++) {
        char id[32], when[40];
        snprintf(id, sizeof id, "INC-%02d", k);
        snprintf(when, sizeof when, "2027-%02d-%02dT%02d:00:00Z", 3 + k % 6, 1 + (k * 7) % 28,
                 k % 24);
        first[k] = fix_incident(&f, id, when, "A2", 1000);
        fix_cost(&f, id, "INRE", 300000, -1);
        fix_cost(&f, id, "NPBI", 200000, 20);
    }
    fix_checkpoint(&f);

    size_t n = (size_t)N_INCIDENTS * PER_INCIDENT, cap = n * 400, len = 0;
    char *batch = malloc(cap);
    CU_ASSERT_FATAL(batch != NULL);
    for (size_t j = 0; j < n; j++) {
        size_t at = (j * 37) % n; /* 37 is prime to 300: a permutation of the claims */
        int k = (int)(at / PER_INCIDENT), kind = (int)(at % PER_INCIDENT);
        unsigned long long inc = first[k], inre = first[k] + 1, npbi = first[k] + 2;
        const char *id_member = kind == 4 && k % 10 == 0 ? "\"claim\"" : "\"claim_id\"";
        const char *reported = kind == 3 ? "2028-12-01T00:00:00Z" : "2027-12-01T00:00:00Z";
        if (kind == 1)
            len += (size_t)snprintf(batch + len, cap - len,
                                    "{%s:\"CL-%02d-%d\",\"policy_id\":\"%s\",\"reported\":"
                                    "\"%s\",\"incident\":%llu,\"losses\":[{\"coverage\":"
                                    "\"NPBI\",\"amount\":250000,\"hours\":20,"
                                    "\"evidence\":[%llu]}]}\n",
                                    id_member, k, kind, f.policy_id, reported, inc, npbi);
        else
            len += (size_t)snprintf(batch + len, cap - len,
                                    "{%s:\"CL-%02d-%d\",\"policy_id\":\"%s\",\"reported\":"
                                    "\"%s\",\"incident\":%llu,\"losses\":[{\"coverage\":"
                                    "\"INRE\",\"amount\":300000,\"evidence\":[%llu]}]}\n",
                                    id_member, k, kind, f.policy_id, reported, inc, inre);
        CU_ASSERT_FATAL(len < cap);
    }

    ds_db *copy = copy_database(&f, "adj_threads_copy.db");
    ds_error err;
    cJSON *one = NULL, *three = NULL;
    ds_adjudicate_summary sum_one, sum_three;
    ds_adjudicate_options opts_one = {.threads = 1}, opts_three = {.threads = 3};
    CU_ASSERT_FATAL(ds_adjudicate_text(&one, &sum_one, f.db, batch, len, &opts_one, &err) == 0);
    CU_ASSERT_FATAL(ds_adjudicate_text(&three, &sum_three, copy, batch, len, &opts_three,
                                       &err) == 0);
    char *text_one = cJSON_PrintUnformatted(one), *text_three = cJSON_PrintUnformatted(three);
    CU_ASSERT_FATAL(text_one && text_three);
    CU_ASSERT_STRING_EQUAL(text_one, text_three);
    CU_ASSERT_EQUAL(sum_one.claims, n);
    CU_ASSERT(sum_one.approved > 0 && sum_one.reduced > 0 && sum_one.denied > 0);
    /* The limits ran out part-way: claims approved with something and with nothing paid. */
    CU_ASSERT_FATAL(ds_adjudicate_parse_results(one, &err) == 0);
    int paid_some = 0, paid_none = 0;
    for (int i = 0; i < (int)n; i++) {
        const cJSON *r = fix_result(one, i);
        if (strcmp(fix_status(r), "approved") == 0) {
            paid_some += fix_minor(r, "payable") > 0;
            paid_none += fix_minor(r, "payable") == 0;
        }
    }
    CU_ASSERT(paid_some > 0 && paid_none > 0);
    CU_ASSERT_EQUAL(sum_three.paid, sum_one.paid);
    CU_ASSERT_EQUAL(sum_three.approved, sum_one.approved);
    CU_ASSERT_EQUAL(sum_three.reduced, sum_one.reduced);
    CU_ASSERT_EQUAL(sum_three.denied, sum_one.denied);
    for (int r = 0; r < DS_REASON_COUNT; r++)
        CU_ASSERT_EQUAL(sum_three.reasons[r], sum_one.reasons[r]);
    CU_ASSERT(sum_one.reasons[DS_REASON_CLAIM_MALFORMED] == N_INCIDENTS / 10);
    CU_ASSERT(sum_one.reasons[DS_REASON_CLAIM_LATE] == N_INCIDENTS);
    CU_ASSERT(sum_one.reasons[DS_REASON_EVIDENCE_REUSED] >= N_INCIDENTS);
    cJSON_free(text_one);
    cJSON_free(text_three);
    cJSON_Delete(one);
    cJSON_Delete(three);
    free(batch);
    ds_db_close(copy);
    fix_remove("adj_threads_copy.db");
    fix_close(&f);
}

static const ds_test_case tests[] = {
    {"a_cut_line_releases_the_evidence_it_recorded",
     test_adjudicate__a_cut_line_releases_the_evidence_it_recorded},
    {"results_do_not_depend_on_the_thread_count",
     test_adjudicate__results_do_not_depend_on_the_thread_count},
    {"clean_claim_is_paid_exactly_per_the_terms",
     test_adjudicate__clean_claim_is_paid_exactly_per_the_terms},
    {"same_claim_again_returns_the_stored_result_and_pays_once",
     test_adjudicate__same_claim_again_returns_the_stored_result_and_pays_once},
    {"evidence_backs_one_claim_only", test_adjudicate__evidence_backs_one_claim_only},
    {"claims_settle_in_incident_order_whatever_the_batch_order",
     test_adjudicate__claims_settle_in_incident_order_whatever_the_batch_order},
    {"misdeclared_grade_pays_premium_charged_over_due",
     test_adjudicate__misdeclared_grade_pays_premium_charged_over_due},
    {"malformed_claims_are_rejected_one_by_one",
     test_adjudicate__malformed_claims_are_rejected_one_by_one},
    {"malformed_batch_is_refused_whole_and_settles_nothing",
     test_adjudicate__malformed_batch_is_refused_whole_and_settles_nothing},
};

DS_TEST_MAIN("adjudicate", tests)
