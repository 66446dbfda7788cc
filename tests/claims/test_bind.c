/*
 * test_bind.c: saving a quote and binding it: the policy carries the quote's premium, cover,
 * seed and declared assets and a checkpoint of the platform's log that verifies under the log's
 * key; a quote binds once; unknown quotes and platforms without a log are refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claims/bind.h"
#include "claims/checkpoint.h"
#include "claims/ledger.h"
#include "data/file.h"
#include "data/json_in.h"
#include "pricing/quote.h"
#include "tests/ds_test.h"
#include "tests/lib/design_example.h"

static cJSON *example_request(void)
{
    cJSON *root = ds_test_design_example(2000);
    cJSON *options = cJSON_GetObjectItem(root, "options");
    cJSON_ReplaceItemInObject(options, "what_if", cJSON_CreateFalse());
    return root;
}

/* A fresh database with a log for P-001 and one saved quote; returns the quote. */
static cJSON *setup(ds_db **db, const char *name, int with_log, char **verifier_key)
{
    char key[256];
    snprintf(key, sizeof key, "%s.key", name);
    unlink(name);
    unlink(key);
    ds_error err;
    CU_ASSERT_FATAL(ds_db_open(db, name, NULL, &err) == 0);
    *verifier_key = NULL;
    if (with_log)
        CU_ASSERT_FATAL(ds_ledger_create(*db, "ledger.test.cn/P-001", key, verifier_key, &err) ==
                        0);
    cJSON *request = example_request(), *quote = NULL;
    CU_ASSERT_FATAL(ds_quote_run(&quote, request, NULL, &err) == 0);
    CU_ASSERT_FATAL(ds_quote_save(*db, request, quote, &err) == 0);
    cJSON_Delete(request);
    return quote;
}

static void test_bind__policy_records_quote_assets_and_a_valid_checkpoint(void)
{
    ds_db *db;
    char *vkey;
    cJSON *quote = setup(&db, "bind1.db", 1, &vkey);
    const char *quote_id = cJSON_GetObjectItem(quote, "quote_id")->valuestring;
    ds_error err;
    cJSON *policy = NULL;
    int rc = ds_bind(&policy, db, quote_id, NULL, &err);
    if (rc)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_FATAL(rc == 0);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(policy, "quote_id")->valuestring, quote_id);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(policy, "premium")->valuedouble,
                    cJSON_GetObjectItem(quote, "premium")->valuedouble);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(policy, "seed")->valuedouble, 1);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(policy, "log")->valuestring,
                           "ledger.test.cn/P-001");
    const cJSON *declared = cJSON_GetObjectItem(policy, "declared");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(declared), 3);
    const cJSON *a3 = cJSON_GetArrayItem(declared, 2);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(a3, "asset")->valuestring, "A3");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(a3, "grade")->valuestring, "core");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(a3, "records")->valuedouble, 50000);
    /* The checkpoint verifies under the log's verifier key. */
    ds_verifier *verifier = NULL;
    CU_ASSERT_FATAL(ds_verifier_parse(&verifier, vkey, &err) == 0);
    ds_checkpoint cp;
    CU_ASSERT(ds_checkpoint_open(&cp, cJSON_GetObjectItem(policy, "checkpoint")->valuestring,
                                 verifier, "ledger.test.cn/P-001", &err) == 0);
    CU_ASSERT_EQUAL(cp.size, 0);
    ds_verifier_free(verifier);

    /* A second bind of the same quote is refused and names the policy. */
    cJSON *again = NULL;
    CU_ASSERT_EQUAL(ds_bind(&again, db, quote_id, NULL, &err), DS_ECONFLICT);
    CU_ASSERT(again == NULL);
    CU_ASSERT(strstr(err.message, cJSON_GetObjectItem(policy, "policy_id")->valuestring) != NULL);
    cJSON_Delete(policy);
    cJSON_Delete(quote);
    free(vkey);
    ds_db_close(db);
}

static void test_bind__unknown_quote_or_missing_log_is_not_found(void)
{
    ds_db *db;
    char *vkey;
    cJSON *quote = setup(&db, "bind2.db", 0, &vkey);
    ds_error err;
    cJSON *policy = NULL;
    CU_ASSERT_EQUAL(ds_bind(&policy, db, "Q-doesnotexist", NULL, &err), DS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(err.message, "quote_id: no saved quote \"Q-doesnotexist\"");
    const char *quote_id = cJSON_GetObjectItem(quote, "quote_id")->valuestring;
    CU_ASSERT_EQUAL(ds_bind(&policy, db, quote_id, NULL, &err), DS_ENOTFOUND);
    CU_ASSERT(strstr(err.message, "no ledger log for platform \"P-001\"") != NULL);
    /* Another platform's log is never taken for P-001's. */
    CU_ASSERT_FATAL(ds_ledger_create(db, "ledger.test.cn/P-0012", "bind2.db.key", NULL, &err) ==
                    0);
    CU_ASSERT_EQUAL(ds_bind(&policy, db, quote_id, NULL, &err), DS_ENOTFOUND);
    CU_ASSERT(policy == NULL);
    cJSON_Delete(quote);
    ds_db_close(db);
}

/* An insurer's replica holds no private key: the policy records the latest checkpoint it holds
 * (signed by the platform) instead of signing one. */
static void test_bind__a_replica_records_its_latest_checkpoint(void)
{
    ds_db *db;
    char *vkey;
    cJSON *quote = setup(&db, "bind3.db", 1, &vkey);
    const char *quote_id = cJSON_GetObjectItem(quote, "quote_id")->valuestring;
    ds_error err;
    ds_ledger *lg = NULL;
    char *note = NULL;
    CU_ASSERT_FATAL(ds_ledger_open(&lg, db, "ledger.test.cn/P-001", &err) == 0);
    CU_ASSERT_FATAL(ds_ledger_checkpoint(lg, &note, &err) == 0);
    ds_ledger_free(lg);
    /* What a sync leaves: the log row without a key file. */
    CU_ASSERT_FATAL(ds_db_exec(db, "UPDATE logs SET key_path = ''", &err) == 0);
    cJSON *policy = NULL;
    int rc = ds_bind(&policy, db, quote_id, NULL, &err);
    if (rc)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_FATAL(rc == 0);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(policy, "checkpoint")->valuestring, note);
    /* No checkpoint was added: the replica's latest is still the platform's. */
    CU_ASSERT_FATAL(ds_ledger_open(&lg, db, "ledger.test.cn/P-001", &err) == 0);
    char *latest = NULL;
    CU_ASSERT_FATAL(ds_ledger_latest_checkpoint(lg, &latest, &err) == 0);
    CU_ASSERT_STRING_EQUAL(latest, note);
    free(latest);
    ds_ledger_free(lg);
    cJSON_Delete(policy);
    cJSON_Delete(quote);
    free(note);
    free(vkey);
    ds_db_close(db);
}

static const ds_test_case tests[] = {
    {"a_replica_records_its_latest_checkpoint",
     test_bind__a_replica_records_its_latest_checkpoint},
    {"policy_records_quote_assets_and_a_valid_checkpoint",
     test_bind__policy_records_quote_assets_and_a_valid_checkpoint},
    {"unknown_quote_or_missing_log_is_not_found",
     test_bind__unknown_quote_or_missing_log_is_not_found},
};

DS_TEST_MAIN("bind", tests)
