/*
 * test_db.c: opening the database applies its settings and migrations; a failing migration step
 * leaves the schema exactly as it was; a missing or foreign file gets a clear error.
 *
 * Databases are temporary files in the test's working directory (CTest gives each test its own).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "data/db.h"
#include "tests/ds_test.h"

static void remove_db(const char *path)
{
    char buf[256];
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
}

static int pragma_int(ds_db *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_FATAL(sqlite3_prepare_v2(ds_db_handle(db), sql, -1, &stmt, NULL) == SQLITE_OK);
    CU_ASSERT_FATAL(sqlite3_step(stmt) == SQLITE_ROW);
    int v = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

static const char *pragma_text(ds_db *db, const char *sql, char *buf, size_t cap)
{
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_FATAL(sqlite3_prepare_v2(ds_db_handle(db), sql, -1, &stmt, NULL) == SQLITE_OK);
    CU_ASSERT_FATAL(sqlite3_step(stmt) == SQLITE_ROW);
    snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return buf;
}

static void test_db__open_sets_wal_foreign_keys_and_latest_schema(void)
{
    const char *path = "settings.db";
    remove_db(path);
    ds_db *db = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_db_open(&db, path, NULL, &err) == 0);
    char mode[32];
    CU_ASSERT_STRING_EQUAL(pragma_text(db, "PRAGMA journal_mode", mode, sizeof mode), "wal");
    CU_ASSERT_EQUAL(pragma_int(db, "PRAGMA foreign_keys"), 1);
    CU_ASSERT_EQUAL(pragma_int(db, "PRAGMA synchronous"), 1); /* NORMAL */
    CU_ASSERT(pragma_int(db, "PRAGMA busy_timeout") > 0);
    int version = -1;
    CU_ASSERT(ds_db_schema_version(db, &version, &err) == 0);
    CU_ASSERT(ds_db_latest_version() >= 1);
    CU_ASSERT_EQUAL(version, ds_db_latest_version());
    /* The ledger tables of step 1 exist. */
    CU_ASSERT(ds_db_exec(db,
                         "SELECT id, origin, key_path, verifier_key, size FROM logs;"
                         "SELECT log_id, idx, entry, leaf_hash FROM entries;"
                         "SELECT log_id, level, idx, hash FROM nodes;"
                         "SELECT log_id, size, root, note, created FROM checkpoints;",
                         &err) == 0);
    CU_ASSERT_STRING_EQUAL(ds_db_path(db), path);
    ds_db_close(db);

    /* Reopening applies nothing twice. */
    CU_ASSERT_FATAL(ds_db_open(&db, path, NULL, &err) == 0);
    CU_ASSERT(ds_db_schema_version(db, &version, &err) == 0);
    CU_ASSERT_EQUAL(version, ds_db_latest_version());
    ds_db_close(db);
    remove_db(path);
}

static void test_db__synchronous_full_on_request(void)
{
    const char *path = "full.db";
    remove_db(path);
    ds_db *db = NULL;
    ds_error err;
    ds_db_options opts = {.synchronous_full = 1};
    CU_ASSERT_FATAL(ds_db_open(&db, path, &opts, &err) == 0);
    CU_ASSERT_EQUAL(pragma_int(db, "PRAGMA synchronous"), 2); /* FULL */
    ds_db_close(db);
    remove_db(path);
}

static void test_db__missing_database_is_not_found_and_not_created(void)
{
    const char *path = "absent.db";
    remove_db(path);
    ds_db *db = NULL;
    ds_error err;
    ds_db_options opts = {.must_exist = 1};
    CU_ASSERT(ds_db_open(&db, path, &opts, &err) == DS_ENOTFOUND);
    CU_ASSERT(db == NULL);
    CU_ASSERT(strstr(err.message, path) != NULL);
    CU_ASSERT(access(path, F_OK) != 0);
}

static void test_db__file_that_is_not_a_database_is_an_io_error_naming_it(void)
{
    const char *path = "garbage.db";
    remove_db(path);
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite database\n", f);
    fclose(f);
    ds_db *db = NULL;
    ds_error err;
    CU_ASSERT(ds_db_open(&db, path, NULL, &err) == DS_EIO);
    CU_ASSERT(db == NULL);
    CU_ASSERT(strncmp(err.message, "garbage.db: ", 12) == 0);
    remove_db(path);
}

static void test_db__failing_migration_step_rolls_back_whole_and_keeps_version(void)
{
    const char *path = "migrate.db";
    remove_db(path);
    ds_db *db = NULL;
    ds_error err;
    ds_db_options opts = {.no_migrate = 1};
    CU_ASSERT_FATAL(ds_db_open(&db, path, &opts, &err) == 0);

    /* Step 2 creates a table and then fails: the table must not survive. */
    const char *const steps[] = {
        "CREATE TABLE a (x INTEGER);",
        "CREATE TABLE b (y INTEGER); INSERT INTO nosuchtable VALUES (1);",
        "CREATE TABLE c (z INTEGER);",
    };
    CU_ASSERT(ds_db_migrate_steps(db, steps, 3, &err) == DS_EIO);
    CU_ASSERT(strstr(err.message, "migration step 2") != NULL);
    CU_ASSERT(strstr(err.message, "nosuchtable") != NULL);
    int version = -1;
    CU_ASSERT(ds_db_schema_version(db, &version, &err) == 0);
    CU_ASSERT_EQUAL(version, 1);
    CU_ASSERT(ds_db_exec(db, "SELECT x FROM a", &err) == 0);
    CU_ASSERT(ds_db_exec(db, "SELECT y FROM b", &err) == DS_EIO);
    CU_ASSERT(ds_db_exec(db, "SELECT z FROM c", &err) == DS_EIO);

    /* A corrected list continues from version 1 and does not rerun step 1. */
    const char *const fixed[] = {
        "CREATE TABLE a (x INTEGER);",
        "CREATE TABLE b (y INTEGER);",
        "CREATE TABLE c (z INTEGER);",
    };
    CU_ASSERT(ds_db_migrate_steps(db, fixed, 3, &err) == 0);
    CU_ASSERT(ds_db_schema_version(db, &version, &err) == 0);
    CU_ASSERT_EQUAL(version, 3);
    CU_ASSERT(ds_db_exec(db, "SELECT y FROM b; SELECT z FROM c", &err) == 0);

    /* A database newer than the program's list is refused, not misread. */
    CU_ASSERT(ds_db_migrate_steps(db, fixed, 2, &err) == DS_EIO);
    CU_ASSERT(strstr(err.message, "newer") != NULL);
    ds_db_close(db);
    remove_db(path);
}

static void test_db__rollback_discards_a_transaction_and_is_safe_without_one(void)
{
    const char *path = "tx.db";
    remove_db(path);
    ds_db *db = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_db_open(&db, path, NULL, &err) == 0);
    ds_db_rollback(db); /* no transaction open: a no-op */
    CU_ASSERT(ds_db_exec(db, "CREATE TABLE t (v INTEGER)", &err) == 0);
    CU_ASSERT(ds_db_begin(db, &err) == 0);
    CU_ASSERT(ds_db_exec(db, "INSERT INTO t VALUES (1)", &err) == 0);
    ds_db_rollback(db);
    CU_ASSERT_EQUAL(pragma_int(db, "SELECT count(*) FROM t"), 0);
    CU_ASSERT(ds_db_begin(db, &err) == 0);
    CU_ASSERT(ds_db_exec(db, "INSERT INTO t VALUES (2)", &err) == 0);
    CU_ASSERT(ds_db_commit(db, &err) == 0);
    CU_ASSERT_EQUAL(pragma_int(db, "SELECT count(*) FROM t"), 1);
    /* Foreign keys are enforced: a checkpoint of a log that does not exist is refused. (Entries
     * and nodes carry none, for append speed: `ledger verify` audits them; see data/db.c.) */
    CU_ASSERT(ds_db_exec(db, "INSERT INTO checkpoints (log_id, size, root, note, created) "
                             "VALUES (99, 0, x'00', '', '')", &err) == DS_EIO);
    ds_db_close(db);
    ds_db_close(NULL);
    remove_db(path);
}

/* Whether the statement's program builds an ephemeral table (EXPLAIN lists its opcodes). */
static int uses_ephemeral_table(ds_db *db, const char *sql)
{
    char explain[512];
    snprintf(explain, sizeof explain, "EXPLAIN %s", sql);
    sqlite3_stmt *stmt = NULL;
    CU_ASSERT_FATAL(sqlite3_prepare_v2(ds_db_handle(db), explain, -1, &stmt, NULL) ==
                    SQLITE_OK);
    int found = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW)
        found |= strcmp((const char *)sqlite3_column_text(stmt, 1), "OpenEphemeral") == 0;
    sqlite3_finalize(stmt);
    return found;
}

static void test_db__step_5_keeps_claims_and_evidence_and_drops_the_ephemeral_check(void)
{
    const char *path = "step5.db";
    remove_db(path);
    ds_db *db = NULL;
    ds_error err;
    ds_db_options opts = {.no_migrate = 1};
    CU_ASSERT_FATAL(ds_db_open(&db, path, &opts, &err) == 0);
    CU_ASSERT_FATAL(ds_db_migrate_to(db, 4, &err) == 0);
    const char *insert = "INSERT INTO claims (claim_id, policy_id, content_sha256, status, "
                         "payable, result, settled) VALUES ('CL-2', 'P', x'00', 'denied', 0, "
                         "'{}', 't')";
    /* The schema of step 4 codes the IN list as an ephemeral table: the check is not vacuous. */
    CU_ASSERT(uses_ephemeral_table(db, insert));
    CU_ASSERT_FATAL(ds_db_exec(db,
                               "INSERT INTO claims VALUES ('CL-1', 'P', x'01', 'approved', 5, "
                               "'{\"claim_id\":\"CL-1\"}', '2027-01-01T00:00:00Z');"
                               "INSERT INTO claim_evidence VALUES ('log.example/P', 7, 'CL-1');",
                               &err) == 0);
    CU_ASSERT_FATAL(ds_db_migrate(db, &err) == 0);
    int version = -1;
    CU_ASSERT(ds_db_schema_version(db, &version, &err) == 0);
    CU_ASSERT_EQUAL(version, ds_db_latest_version());
    CU_ASSERT(!uses_ephemeral_table(db, insert));
    char buf[128];
    CU_ASSERT_STRING_EQUAL(pragma_text(db, "SELECT claim_id || ' ' || status || ' ' || payable "
                                           "|| ' ' || result FROM claims", buf, sizeof buf),
                           "CL-1 approved 5 {\"claim_id\":\"CL-1\"}");
    CU_ASSERT_STRING_EQUAL(pragma_text(db, "SELECT claim_id FROM claim_evidence WHERE idx = 7",
                                       buf, sizeof buf), "CL-1");
    /* Foreign keys are on again; an entry backs one claim only; the status check holds. */
    CU_ASSERT_EQUAL(pragma_int(db, "PRAGMA foreign_keys"), 1);
    CU_ASSERT(ds_db_exec(db, "INSERT INTO claim_evidence VALUES ('log.example/P', 7, 'CL-9')",
                         &err) == DS_EIO);
    CU_ASSERT(ds_db_exec(db, "INSERT INTO claim_evidence VALUES ('log.example/P', 8, 'CL-9')",
                         &err) == 0);
    CU_ASSERT(ds_db_exec(db, "INSERT INTO claims VALUES ('CL-3', 'P', x'02', 'paid', 0, '{}', "
                             "'t')", &err) == DS_EIO);
    CU_ASSERT(ds_db_exec(db, insert, &err) == 0);
    ds_db_close(db);
    remove_db(path);
}

static const ds_test_case tests[] = {
    {"test_db__step_5_keeps_claims_and_evidence_and_drops_the_ephemeral_check",
     test_db__step_5_keeps_claims_and_evidence_and_drops_the_ephemeral_check},
    {"test_db__open_sets_wal_foreign_keys_and_latest_schema",
     test_db__open_sets_wal_foreign_keys_and_latest_schema},
    {"test_db__synchronous_full_on_request", test_db__synchronous_full_on_request},
    {"test_db__missing_database_is_not_found_and_not_created",
     test_db__missing_database_is_not_found_and_not_created},
    {"test_db__file_that_is_not_a_database_is_an_io_error_naming_it",
     test_db__file_that_is_not_a_database_is_an_io_error_naming_it},
    {"test_db__failing_migration_step_rolls_back_whole_and_keeps_version",
     test_db__failing_migration_step_rolls_back_whole_and_keeps_version},
    {"test_db__rollback_discards_a_transaction_and_is_safe_without_one",
     test_db__rollback_discards_a_transaction_and_is_safe_without_one},
};

DS_TEST_MAIN("db", tests)
