/*
 * demo_story.c: the second part of `dsure demo`: the whole product on a fresh dsure-demo.db.
 *
 * Two demo platforms grade their data assets and get quotes (P-002 as a self-assessment with
 * what-if savings); P-001's policy is bound against its provenance ledger; the ledger records
 * the incidents and costs of the policy year and a checkpoint is signed; a dishonest edit
 * changes one cost record in the database afterwards; and a batch of four claims is adjudicated
 * (one clean, one reusing evidence, one late, one citing the altered record). Each step prints a
 * few readable lines on stdout. Every step runs through the same use cases as the commands.
 */
#include "cli/demo_story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claims/adjudicate.h"
#include "claims/bind.h"
#include "claims/ledger.h"
#include "data/db.h"
#include "data/demo_data.h"
#include "data/json_in.h"
#include "pricing/assets.h"
#include "pricing/quote.h"

#define DEMO_DB "dsure-demo.db"
#define DEMO_KEY "dsure-demo.ledger.key"

static double number_at(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *string_at(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* "12,345,678.90": money as people read it. */
static const char *money(char *buf, size_t cap, double units)
{
    char digits[64];
    snprintf(digits, sizeof digits, "%.2f", units < 0 ? -units : units);
    size_t int_len = strcspn(digits, ".");
    size_t used = 0;
    if (units < 0 && used + 1 < cap)
        buf[used++] = '-';
    for (size_t i = 0; i < int_len && used + 2 < cap; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            buf[used++] = ',';
        buf[used++] = digits[i];
    }
    snprintf(buf + used, cap - used, "%s", digits + int_len);
    return buf;
}

static void remove_previous_run(void)
{
    const char *files[] = {DEMO_DB, DEMO_DB "-wal", DEMO_DB "-shm", DEMO_KEY};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(files[i]);
}

static int parse(cJSON **out, const char *text, const char *what, ds_error *err)
{
    return ds_json_parse(out, text, strlen(text), what, err);
}

/* Grades the assets of a quote request and prints the profile in two lines. */
static int grade_step(const cJSON *request, ds_error *err)
{
    const cJSON *platform = cJSON_GetObjectItemCaseSensitive(request, "platform");
    cJSON *grading = cJSON_CreateObject(), *profile = NULL;
    if (!grading)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    cJSON_AddStringToObject(grading, "platform_id", string_at(platform, "id"));
    cJSON_AddItemToObject(grading, "assets",
                          cJSON_Duplicate(cJSON_GetObjectItem(request, "assets"), 1));
    int rc = ds_grade_profile(&profile, grading, err);
    cJSON_Delete(grading);
    if (rc)
        return rc;
    printf("  %s %s grades %d data assets (GB/T 43697-2024):\n", string_at(platform, "id"),
           string_at(platform, "name"),
           cJSON_GetArraySize(cJSON_GetObjectItem(profile, "assets")));
    const cJSON *asset;
    cJSON_ArrayForEach(asset, cJSON_GetObjectItem(profile, "assets"))
    {
        printf("    %-4s %-22s %9.0f records  %-9s  %s\n", string_at(asset, "id"),
               string_at(asset, "name"), number_at(asset, "records"), string_at(asset, "grade"),
               string_at(asset, "rule"));
    }
    cJSON_Delete(profile);
    return 0;
}

static int quote_step(cJSON **quote, ds_db *db, const cJSON *request, int save, ds_error *err)
{
    int rc = ds_quote_run(quote, request, NULL, err);
    if (!rc && save)
        rc = ds_quote_save(db, request, *quote, err);
    if (rc)
        return rc;
    char a[48], b[48], c[48], d[48];
    printf("  quote %s: premium CNY %s = expected loss %s + risk load %s + expenses %s\n",
           string_at(*quote, "quote_id"), money(a, sizeof a, number_at(*quote, "premium")),
           money(b, sizeof b, number_at(*quote, "expected_loss")),
           money(c, sizeof c, number_at(*quote, "risk_load")),
           money(d, sizeof d, number_at(*quote, "expense_load")));
    const cJSON *freq = cJSON_GetObjectItem(*quote, "frequency");
    printf("    %.3f incidents a year expected (class rate %.3f, own history credibility %.2f);"
           " %.0f simulated years, seed %.0f\n",
           number_at(freq, "rate"), number_at(freq, "class_rate"), number_at(freq, "credibility"),
           number_at(*quote, "sims"), number_at(*quote, "seed"));
    const cJSON *what_if = cJSON_GetObjectItem(*quote, "what_if");
    if (cJSON_GetArraySize(what_if) > 0) {
        printf("    what it would save (common random numbers, so the differences are not"
               " noise):\n");
        const cJSON *item;
        cJSON_ArrayForEach(item, what_if)
        {
            printf("      %-45s saves CNY %s\n", string_at(item, "change"),
                   money(a, sizeof a, number_at(item, "saving")));
        }
    }
    return 0;
}

/* Appends JSON Lines text to the ledger. */
static int append_lines(ds_ledger *ledger, const char *text, uint64_t *first, uint64_t *size,
                        ds_error *err)
{
    cJSON *records[16];
    size_t n = 0;
    int rc = 0;
    const char *line = text;
    while (*line && n < sizeof records / sizeof records[0] && !rc) {
        size_t len = strcspn(line, "\n");
        if (len > 0)
            rc = ds_json_parse(&records[n++], line, len, "demo record", err);
        line += len + (line[len] == '\n');
    }
    if (!rc)
        rc = ds_ledger_append(ledger, (const cJSON *const *)records, n, NULL, first, size, err);
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(records[i]);
    return rc;
}

/* The dishonest edit: one cost record's amount changed in the database, after the checkpoint. */
static int alter_record(ds_db *db, ds_error *err)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "UPDATE entries SET entry = CAST('%s' AS BLOB) WHERE idx = %u AND log_id = "
             "(SELECT id FROM logs WHERE origin = '%s')",
             ds_demo_altered_entry, ds_demo_altered_index, ds_demo_origin_p001);
    int rc = ds_db_exec(db, sql, err);
    if (!rc && sqlite3_changes(ds_db_handle(db)) != 1)
        rc = ds_error_set(err, DS_EINTERNAL, "demo", "the record to alter was not found");
    return rc;
}

static int claims_step(ds_db *db, const char *policy_id, ds_error *err)
{
    /* The batch names its policy "POLICY"; put the bound policy's id in. */
    cJSON *batch = NULL, *result = NULL;
    int rc = parse(&batch, ds_demo_claims, "demo claims", err);
    if (rc)
        return rc;
    cJSON *claim;
    cJSON_ArrayForEach(claim, batch)
        cJSON_ReplaceItemInObject(claim, "policy_id", cJSON_CreateString(policy_id));
    char *text = cJSON_PrintUnformatted(batch);
    cJSON_Delete(batch);
    if (!text)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    ds_adjudicate_summary summary;
    rc = ds_adjudicate_text(&result, &summary, db, text, strlen(text), NULL, err);
    cJSON_free(text);
    if (!rc)
        rc = ds_adjudicate_parse_results(result, err);
    if (rc) {
        cJSON_Delete(result);
        return rc;
    }
    static const char *const story[] = {
        "a clean claim: INRE 100,000 and NPBI 250,000 for a 30-hour outage",
        "INRE again for the same incident, citing the cost record claim 0001 used",
        "reported on 2028-05-02, after the 90 days that follow the policy period",
        "DIAS 800,000 on a cost record the platform changed from 80,000 after the checkpoint"};
    size_t i = 0;
    const cJSON *r;
    char a[48], b[48];
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(result, "results"))
    {
        printf("  %s  %s\n", string_at(r, "claim_id"), i < 4 ? story[i] : "");
        printf("      %-8s  ground-up %s, paid CNY %s\n", string_at(r, "status"),
               money(a, sizeof a, number_at(r, "ground_up")),
               money(b, sizeof b, number_at(r, "payable")));
        const cJSON *reason;
        cJSON_ArrayForEach(reason, cJSON_GetObjectItem(r, "reasons"))
            printf("      %-18s %s\n", string_at(reason, "code"), string_at(reason, "detail"));
        i++;
    }
    printf("  batch: %zu claims, %zu approved, %zu reduced, %zu denied; paid CNY %s\n",
           summary.claims, summary.approved, summary.reduced, summary.denied,
           money(a, sizeof a, (double)summary.paid / 100.0));
    cJSON_Delete(result);
    return 0;
}

int ds_demo_story(ds_error *err)
{
    remove_previous_run();
    ds_db *db = NULL;
    ds_ledger *ledger = NULL;
    cJSON *p001 = NULL, *p002 = NULL, *q001 = NULL, *q002 = NULL, *policy = NULL;
    char *vkey = NULL, *note = NULL;
    uint64_t first, size;
    ds_db_options options = {.synchronous_full = 1};
    int rc = ds_db_open(&db, DEMO_DB, &options, err);
    if (!rc)
        rc = parse(&p001, ds_demo_quote_p001, "demo P-001", err);
    if (!rc)
        rc = parse(&p002, ds_demo_quote_p002, "demo P-002", err);
    if (rc)
        goto out;

    printf("\n2. Grading and quoting (fresh database %s)\n", DEMO_DB);
    if ((rc = grade_step(p001, err)) || (rc = quote_step(&q001, db, p001, 1, err)))
        goto out;
    printf("\n");
    if ((rc = grade_step(p002, err)) || (rc = quote_step(&q002, db, p002, 0, err)))
        goto out;

    printf("\n3. P-001's provenance ledger and the policy\n");
    if ((rc = ds_ledger_create(db, ds_demo_origin_p001, DEMO_KEY, &vkey, err)) ||
        (rc = ds_ledger_open(&ledger, db, ds_demo_origin_p001, err)) ||
        (rc = append_lines(ledger, ds_demo_records_before_bind, &first, &size, err)))
        goto out;
    printf("  log %s (Ed25519 key %s, mode 0600)\n", ds_demo_origin_p001, DEMO_KEY);
    printf("  appended entries %llu-%llu: three assets registered with grades and records, a data"
           " flow\n",
           (unsigned long long)first, (unsigned long long)(size - 1));
    if ((rc = ds_bind(&policy, db, string_at(q001, "quote_id"), NULL, err)))
        goto out;
    printf("  bound policy %s from quote %s; checkpoint at binding: tree size %llu\n",
           string_at(policy, "policy_id"), string_at(q001, "quote_id"),
           (unsigned long long)size);

    printf("\n4. The policy year on the ledger\n");
    if ((rc = append_lines(ledger, ds_demo_records_after_bind, &first, &size, err)) ||
        (rc = ds_ledger_checkpoint(ledger, &note, err)))
        goto out;
    printf("  appended entries %llu-%llu: three incidents and their costs\n",
           (unsigned long long)first, (unsigned long long)(size - 1));
    printf("  signed checkpoint (C2SP signed note):\n");
    for (const char *line = note; *line;) {
        size_t len = strcspn(line, "\n");
        printf("    %.*s\n", (int)len, line);
        line += len + (line[len] == '\n');
    }
    ds_ledger_free(ledger);
    ledger = NULL;
    if ((rc = alter_record(db, err)))
        goto out;
    printf("  then the platform edits entry %u in its database (a cost of 80,000 becomes"
           " 800,000)\n",
           ds_demo_altered_index);

    printf("\n5. Batch adjudication: every cited record proved against the signed checkpoint\n");
    rc = claims_step(db, string_at(policy, "policy_id"), err);
out:
    ds_ledger_free(ledger);
    cJSON_Delete(p001);
    cJSON_Delete(p002);
    cJSON_Delete(q001);
    cJSON_Delete(q002);
    cJSON_Delete(policy);
    free(vkey);
    free(note);
    ds_db_close(db);
    return rc;
}
