/*
 * claims_fixture.h: a database with a platform's log, a bound policy and helpers to write ledger
 * records and adjudicate batches, shared by the claims tests (included, not compiled alone).
 *
 * The policy is the DESIGN.md example quote (tests/data/quotes/design-example.json) priced with
 * 2000 simulations and no what-ifs, its cover without ENO (so coverage.excluded can be tested).
 * The log holds, before binding, the registrations of the quote's three assets:
 *   0  A1 important, 200000 records     1  A2 general, 1500000     2  A3 core, 50000
 * and the policy's binding checkpoint signs those three entries.
 */
#ifndef DS_TESTS_CLAIMS_FIXTURE_H
#define DS_TESTS_CLAIMS_FIXTURE_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claims/adjudicate.h"
#include "claims/bind.h"
#include "claims/ledger.h"
#include "data/file.h"
#include "data/json_in.h"
#include "pricing/quote.h"
#include "tests/ds_test.h"
#include "tests/lib/design_example.h"

#define FIX_ORIGIN "ledger.test.cn/P-001"

typedef struct fixture {
    ds_db *db;
    ds_ledger *ledger;
    char db_path[128];
    char key_path[160];
    char policy_id[64];
    int64_t premium;
    cJSON *request;
} fixture;

static cJSON *fix_request(void)
{
    cJSON *root = ds_test_design_example(2000);
    cJSON *options = cJSON_GetObjectItem(root, "options");
    cJSON_ReplaceItemInObject(options, "what_if", cJSON_CreateFalse());
    cJSON *coverages = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "cover"), "coverages");
    cJSON_DeleteItemFromArray(coverages, cJSON_GetArraySize(coverages) - 1); /* ENO */
    return root;
}

/* Appends one record given as JSON text; returns its index. */
static uint64_t fix_append(fixture *f, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cJSON *record = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_json_parse(&record, text, strlen(text), "record", &err) == 0);
    const cJSON *records[1] = {record};
    uint64_t first = 0, size = 0;
    int rc = ds_ledger_append(f->ledger, records, 1, NULL, &first, &size, &err);
    if (rc)
        fprintf(stderr, "\n  append: %s\n", err.message);
    CU_ASSERT_FATAL(rc == 0);
    cJSON_Delete(record);
    return first;
}

static uint64_t fix_register(fixture *f, const char *asset, const char *grade, long records)
{
    return fix_append(f,
                      "{\"type\":\"asset.registered\",\"ts\":\"2026-12-01T00:00:00Z\","
                      "\"platform\":\"P-001\",\"asset\":\"%s\",\"grade\":\"%s\",\"records\":%ld,"
                      "\"content_sha256\":\"%064d\"}",
                      asset, grade, records, 7);
}

static uint64_t fix_incident(fixture *f, const char *id, const char *detected, const char *asset,
                             long records)
{
    return fix_append(f,
                      "{\"type\":\"incident\",\"ts\":\"%s\",\"incident\":\"%s\","
                      "\"platform\":\"P-001\",\"kind\":\"exfiltration\",\"detected\":\"%s\","
                      "\"assets\":[{\"asset\":\"%s\",\"records\":%ld}]}",
                      detected, id, detected, asset, records);
}

/* A cost record; hours < 0: none (not NPBI / CBI). */
static uint64_t fix_cost(fixture *f, const char *incident, const char *coverage, double amount,
                         double hours)
{
    char hours_text[48] = "";
    if (hours >= 0)
        snprintf(hours_text, sizeof hours_text, ",\"hours\":%g", hours);
    return fix_append(f,
                      "{\"type\":\"cost\",\"ts\":\"2027-03-02T10:00:00Z\",\"incident\":\"%s\","
                      "\"coverage\":\"%s\",\"amount\":%.2f%s,\"document_sha256\":\"%064d\"}",
                      incident, coverage, amount, hours_text, 9);
}

static void fix_checkpoint(fixture *f)
{
    char *note = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_ledger_checkpoint(f->ledger, &note, &err) == 0);
    free(note);
}

static void fix_remove(const char *path)
{
    char buf[200];
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
}

static void fix_open(fixture *f, const char *name)
{
    memset(f, 0, sizeof *f);
    snprintf(f->db_path, sizeof f->db_path, "%s.db", name);
    snprintf(f->key_path, sizeof f->key_path, "%s.key", name);
    fix_remove(f->db_path);
    unlink(f->key_path);
    ds_error err;
    ds_db_options opts = {.synchronous_full = 0};
    CU_ASSERT_FATAL(ds_db_open(&f->db, f->db_path, &opts, &err) == 0);
    CU_ASSERT_FATAL(ds_ledger_create(f->db, FIX_ORIGIN, f->key_path, NULL, &err) == 0);
    CU_ASSERT_FATAL(ds_ledger_open(&f->ledger, f->db, FIX_ORIGIN, &err) == 0);
    fix_register(f, "A1", "important", 200000);
    fix_register(f, "A2", "general", 1500000);
    fix_register(f, "A3", "core", 50000);
    f->request = fix_request();
    cJSON *quote = NULL, *policy = NULL;
    CU_ASSERT_FATAL(ds_quote_run(&quote, f->request, NULL, &err) == 0);
    CU_ASSERT_FATAL(ds_quote_save(f->db, f->request, quote, &err) == 0);
    int rc = ds_bind(&policy, f->db, cJSON_GetObjectItem(quote, "quote_id")->valuestring, NULL,
                     &err);
    if (rc)
        fprintf(stderr, "\n  bind: %s\n", err.message);
    CU_ASSERT_FATAL(rc == 0);
    snprintf(f->policy_id, sizeof f->policy_id, "%s",
             cJSON_GetObjectItem(policy, "policy_id")->valuestring);
    f->premium = (int64_t)llround(cJSON_GetObjectItem(policy, "premium")->valuedouble * 100);
    cJSON_Delete(quote);
    cJSON_Delete(policy);
}

static void fix_close(fixture *f)
{
    ds_ledger_free(f->ledger);
    ds_db_close(f->db);
    cJSON_Delete(f->request);
    fix_remove(f->db_path);
    unlink(f->key_path);
}

/* Adjudicates batch text (with "%P" standing for the policy id); asserts success. */
static cJSON *fix_adjudicate(fixture *f, const char *batch, ds_adjudicate_summary *summary)
{
    size_t n = strlen(batch) + 64 * 64;
    char *text = malloc(n);
    CU_ASSERT_FATAL(text != NULL);
    size_t at = 0;
    for (const char *p = batch; *p && at + 64 < n; p++) {
        if (p[0] == '%' && p[1] == 'P') {
            at += (size_t)snprintf(text + at, n - at, "%s", f->policy_id);
            p++;
        } else {
            text[at++] = *p;
        }
    }
    text[at] = '\0';
    cJSON *out = NULL;
    ds_error err;
    ds_adjudicate_summary local;
    int rc = ds_adjudicate_text(&out, summary ? summary : &local, f->db, text, at, NULL, &err);
    if (!rc)
        rc = ds_adjudicate_parse_results(out, &err);
    if (rc)
        fprintf(stderr, "\n  adjudicate: %s\n", err.message);
    CU_ASSERT_FATAL(rc == 0);
    free(text);
    return out;
}

static const cJSON *fix_result(const cJSON *batch, int i)
{
    const cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(batch, "results"), i);
    CU_ASSERT_FATAL(r != NULL);
    return r;
}

static const char *fix_status(const cJSON *result)
{
    return cJSON_GetObjectItem(result, "status")->valuestring;
}

/* The detail of the first reason with this code, or NULL. */
static const char *fix_reason(const cJSON *result, const char *code)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(result, "reasons"))
    {
        if (strcmp(cJSON_GetObjectItem(r, "code")->valuestring, code) == 0)
            return cJSON_GetObjectItem(r, "detail")->valuestring;
    }
    return NULL;
}

static int64_t fix_minor(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(obj, key);
    CU_ASSERT_FATAL(cJSON_IsNumber(v));
    return (int64_t)llround(v->valuedouble * 100);
}

/* paid of by_coverage line i. */
static int64_t fix_paid(const cJSON *result, int i)
{
    return fix_minor(cJSON_GetArrayItem(cJSON_GetObjectItem(result, "by_coverage"), i), "paid");
}

static void fix_print_on_failure(const cJSON *result, int ok)
{
    if (!ok) {
        char *text = cJSON_Print(result);
        fprintf(stderr, "\n%s\n", text);
        cJSON_free(text);
    }
}

#endif
