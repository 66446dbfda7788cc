/*
 * db.c: the database connection, its settings and the schema migrations (see db.h).
 *
 * The migration list below is the single source of dsure's schema. Steps are only ever appended:
 * a released step is never edited, because databases in the field have already applied it and
 * record only its number in PRAGMA user_version.
 */
#include "data/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ds_db {
    sqlite3 *handle;
    char *path;
};

/*
 * Step 1: the provenance ledger (DESIGN.md section 6; docs/ledger.md explains the layout).
 *   logs        one Merkle log per origin; size is the number of entries appended, kept beside
 *               the entries so that a deleted last entry is noticed by `ledger verify`.
 *   entries     the canonical JSON of each record and its RFC 9162 leaf hash (level 0).
 *   nodes       stored perfect-subtree hashes, level >= 1: (level l, idx i) is the hash of the
 *               complete subtree over leaves [i*2^l, (i+1)*2^l).
 *   checkpoints every signed tree head, as the C2SP signed note that was issued.
 * WITHOUT ROWID keeps entries and nodes clustered on their primary key, so a lookup by
 * (log_id, level, idx) is one B-tree descent and appends go to the right edge of the tree.
 * leaf_hash precedes entry so that reading a leaf hash for a proof never walks a long entry.
 * entries and nodes carry no FOREIGN KEY to logs: the check is a lookup in logs per inserted row
 * (about 5% of an append, bench/ledger.md), rows are only ever written by the ledger code for a
 * log it has just read, and `dsure ledger verify` audits every entry and node of a log against
 * its size anyway. checkpoints (a few rows) keep theirs.
 */
static const char *const migration_steps[] = {
    "CREATE TABLE logs ("
    "  id INTEGER PRIMARY KEY,"
    "  origin TEXT NOT NULL UNIQUE,"
    "  key_path TEXT NOT NULL,"
    "  verifier_key TEXT NOT NULL,"
    "  size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0));"
    "CREATE TABLE entries ("
    "  log_id INTEGER NOT NULL,"
    "  idx INTEGER NOT NULL,"
    "  leaf_hash BLOB NOT NULL,"
    "  entry BLOB NOT NULL,"
    "  PRIMARY KEY (log_id, idx)) WITHOUT ROWID;"
    "CREATE TABLE nodes ("
    "  log_id INTEGER NOT NULL,"
    "  level INTEGER NOT NULL,"
    "  idx INTEGER NOT NULL,"
    "  hash BLOB NOT NULL,"
    "  PRIMARY KEY (log_id, level, idx)) WITHOUT ROWID;"
    "CREATE TABLE checkpoints ("
    "  id INTEGER PRIMARY KEY,"
    "  log_id INTEGER NOT NULL REFERENCES logs(id),"
    "  size INTEGER NOT NULL,"
    "  root BLOB NOT NULL,"
    "  note TEXT NOT NULL,"
    "  created TEXT NOT NULL);"
    "CREATE INDEX checkpoints_by_log ON checkpoints(log_id, size);",

    /* Step 2: saved quotes and bound policies (data/policy_store.h). A quote is bound at most
     * once: policies.quote_id is UNIQUE, so two binds racing cannot both succeed. */
    "CREATE TABLE quotes ("
    "  quote_id TEXT PRIMARY KEY,"
    "  platform_id TEXT NOT NULL,"
    "  request TEXT NOT NULL,"
    "  quote TEXT NOT NULL,"
    "  premium INTEGER NOT NULL CHECK (premium >= 0),"
    "  created TEXT NOT NULL);"
    "CREATE TABLE policies ("
    "  policy_id TEXT PRIMARY KEY,"
    "  quote_id TEXT NOT NULL UNIQUE REFERENCES quotes(quote_id),"
    "  platform_id TEXT NOT NULL,"
    "  currency TEXT NOT NULL,"
    "  premium INTEGER NOT NULL CHECK (premium >= 0),"
    "  request TEXT NOT NULL,"
    "  policy TEXT NOT NULL,"
    "  log_origin TEXT NOT NULL,"
    "  checkpoint TEXT NOT NULL,"
    "  checkpoint_size INTEGER NOT NULL,"
    "  created TEXT NOT NULL);"
    "CREATE INDEX policies_by_platform ON policies(platform_id);",

    /* Step 3: API keys of the HTTP server (DESIGN.md section 8), stored as SHA-256 of the key,
     * never the key; and the replicas of remote logs that `ledger sync` follows, with the
     * verifier key pinned for each (given with --key, or trusted on first use). A replica's
     * logs row has key_path '' (it holds no private key). */
    "CREATE TABLE api_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  key_hash BLOB NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK (role IN ('insurer', 'platform', 'adjuster', 'admin')),"
    "  platform_id TEXT,"
    "  created TEXT NOT NULL,"
    "  revoked INTEGER NOT NULL DEFAULT 0,"
    "  CHECK ((role = 'platform') = (platform_id IS NOT NULL)));"
    "CREATE TABLE replicas ("
    "  log_id INTEGER PRIMARY KEY REFERENCES logs(id),"
    "  source_url TEXT NOT NULL,"
    "  pinned_verifier_key TEXT NOT NULL,"
    "  trust TEXT NOT NULL CHECK (trust IN ('pinned', 'first_use')),"
    "  updated TEXT NOT NULL);",

    /* Step 4: claims adjudication (data/claim_store.h, docs/claims.md).
     *   claims          one row per settled claim id: the SHA-256 of the claim's canonical JSON
     *                   (a resubmission with other content is refused) and the result as issued
     *                   (a rowid table: rows of ~500 bytes are too large to cluster well).
     *   claim_evidence  which claim a cited ledger entry paid for: (log, idx) is the primary key,
     *                   so an entry backs one claim only, enforced by the database.
     *   policy_state    what is left of a policy's sublimits and aggregate limit; written in the
     *                   same transaction as the results that erode it. NULL aggregate_left:
     *                   unlimited; sublimits is a JSON object of coverage code -> minor units left
     *                   (a coverage absent from it is unlimited). */
    "CREATE TABLE claims ("
    "  claim_id TEXT PRIMARY KEY,"
    "  policy_id TEXT NOT NULL,"
    "  content_sha256 BLOB NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('approved', 'reduced', 'denied')),"
    "  payable INTEGER NOT NULL CHECK (payable >= 0),"
    "  result TEXT NOT NULL,"
    "  settled TEXT NOT NULL);"
    "CREATE TABLE claim_evidence ("
    "  log_origin TEXT NOT NULL,"
    "  idx INTEGER NOT NULL CHECK (idx >= 0),"
    "  claim_id TEXT NOT NULL REFERENCES claims(claim_id),"
    "  PRIMARY KEY (log_origin, idx)) WITHOUT ROWID;"
    "CREATE TABLE policy_state ("
    "  policy_id TEXT PRIMARY KEY REFERENCES policies(policy_id),"
    "  aggregate_left INTEGER CHECK (aggregate_left IS NULL OR aggregate_left >= 0),"
    "  sublimits TEXT NOT NULL,"
    "  paid INTEGER NOT NULL CHECK (paid >= 0),"
    "  n_claims INTEGER NOT NULL CHECK (n_claims >= 0),"
    "  updated TEXT NOT NULL);",

    /* Step 5: settlements with fewer B-tree operations (bench/claims.md).
     *   claims          status checked by comparisons instead of IN (...): SQLite codes an IN
     *                   list of three or more constants as an ephemeral table built at every
     *                   execution, so each settlement opened and closed a temporary B-tree
     *                   (12 us of a 25 us settlement).
     *   claim_evidence  without its FOREIGN KEY to claims: a settlement records its evidence
     *                   before its result row (the primary key refusing an entry another claim
     *                   holds is how reuse is found, in one statement), and the check was a
     *                   lookup in claims per row. Both rows are written in one transaction by
     *                   claims/settle.c, the only writer.
     * The rows are the same; the tables are rebuilt by SQLite's documented procedure for schema
     * changes (lang_altertable.html, "other kinds of table schema changes"), foreign keys being
     * off while migrations run (ds_db_migrate_steps). */
    "CREATE TABLE claims_new ("
    "  claim_id TEXT PRIMARY KEY,"
    "  policy_id TEXT NOT NULL,"
    "  content_sha256 BLOB NOT NULL,"
    "  status TEXT NOT NULL"
    "    CHECK (status = 'approved' OR status = 'reduced' OR status = 'denied'),"
    "  payable INTEGER NOT NULL CHECK (payable >= 0),"
    "  result TEXT NOT NULL,"
    "  settled TEXT NOT NULL);"
    "INSERT INTO claims_new (claim_id, policy_id, content_sha256, status, payable, result,"
    "  settled) SELECT claim_id, policy_id, content_sha256, status, payable, result, settled"
    "  FROM claims;"
    "DROP TABLE claims;"
    "ALTER TABLE claims_new RENAME TO claims;"
    "CREATE TABLE claim_evidence_new ("
    "  log_origin TEXT NOT NULL,"
    "  idx INTEGER NOT NULL CHECK (idx >= 0),"
    "  claim_id TEXT NOT NULL,"
    "  PRIMARY KEY (log_origin, idx)) WITHOUT ROWID;"
    "INSERT INTO claim_evidence_new (log_origin, idx, claim_id)"
    "  SELECT log_origin, idx, claim_id FROM claim_evidence;"
    "DROP TABLE claim_evidence;"
    "ALTER TABLE claim_evidence_new RENAME TO claim_evidence;",
};

#define N_MIGRATION_STEPS (sizeof migration_steps / sizeof migration_steps[0])

int ds_db_error(ds_db *db, ds_error *err, const char *what)
{
    int sqlite_code = db && db->handle ? sqlite3_errcode(db->handle) : SQLITE_ERROR;
    const char *msg = db && db->handle ? sqlite3_errmsg(db->handle) : "no connection";
    int code = sqlite_code == SQLITE_NOMEM ? DS_ENOMEM : DS_EIO;
    return ds_error_set(err, code, db && db->path ? db->path : "database", "%s: %s", what, msg);
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

int ds_db_open(ds_db **out, const char *path, const ds_db_options *opts, ds_error *err)
{
    *out = NULL;
    ds_db_options defaults = {0};
    if (!opts)
        opts = &defaults;
    if (!path || !*path)
        return ds_error_set(err, DS_EINVAL, "db", "must be a non-empty path");

    ds_db *db = calloc(1, sizeof *db);
    if (!db || !(db->path = dup_string(path))) {
        free(db);
        return ds_error_set(err, DS_ENOMEM, path, "out of memory");
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (!opts->must_exist)
        flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &db->handle, flags, NULL);
    if (rc != SQLITE_OK) {
        int code;
        if (opts->must_exist && rc == SQLITE_CANTOPEN)
            code = ds_error_set(err, DS_ENOTFOUND, path,
                                "no such database (create it with `dsure init`)");
        else
            code = ds_db_error(db, err, "cannot open");
        ds_db_close(db);
        return code;
    }
    sqlite3_extended_result_codes(db->handle, 0);
    sqlite3_busy_timeout(db->handle, opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000);

    /* journal_mode returns a row; exec discards it. A file that is not a database fails here. */
    const char *settings = opts->synchronous_full
                               ? "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                                 " PRAGMA synchronous=FULL;"
                               : "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                                 " PRAGMA synchronous=NORMAL;";
    rc = ds_db_exec(db, settings, err);
    if (!rc && !opts->no_migrate)
        rc = ds_db_migrate(db, err);
    if (rc) {
        ds_db_close(db);
        return rc;
    }
    *out = db;
    return 0;
}

void ds_db_close(ds_db *db)
{
    if (!db)
        return;
    if (db->handle)
        sqlite3_close_v2(db->handle);
    free(db->path);
    free(db);
}

sqlite3 *ds_db_handle(const ds_db *db)
{
    return db->handle;
}

const char *ds_db_path(const ds_db *db)
{
    return db->path;
}

int ds_db_latest_version(void)
{
    return (int)N_MIGRATION_STEPS;
}

int ds_db_exec(ds_db *db, const char *sql, ds_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->handle, sql, NULL, NULL, &msg);
    if (rc == SQLITE_OK)
        return 0;
    int code = rc == SQLITE_NOMEM ? DS_ENOMEM : DS_EIO;
    ds_error_set(err, code, db->path, "%s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return code;
}

int ds_db_schema_version(ds_db *db, int *out, ds_error *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db->handle, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
        return ds_db_error(db, err, "reading the schema version");
    int rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        int code = ds_db_error(db, err, "reading the schema version");
        sqlite3_finalize(stmt);
        return code;
    }
    *out = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return 0;
}

int ds_db_begin(ds_db *db, ds_error *err)
{
    return ds_db_exec(db, "BEGIN IMMEDIATE", err);
}

int ds_db_commit(ds_db *db, ds_error *err)
{
    return ds_db_exec(db, "COMMIT", err);
}

void ds_db_rollback(ds_db *db)
{
    if (db && db->handle && !sqlite3_get_autocommit(db->handle))
        sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
}

static int migrate_from(ds_db *db, const char *const *steps, size_t from, size_t n_steps,
                        ds_error *err);

int ds_db_migrate_steps(ds_db *db, const char *const *steps, size_t n_steps, ds_error *err)
{
    int version;
    int rc = ds_db_schema_version(db, &version, err);
    if (rc)
        return rc;
    if (version < 0 || (size_t)version > n_steps)
        return ds_error_set(err, DS_EIO, db->path,
                            "schema version %d is newer than this program knows (%zu)", version,
                            n_steps);
    if ((size_t)version == n_steps)
        return 0;
    /* A step may rebuild a table that others reference; SQLite's procedure for that runs with
     * foreign keys off (the pragma is a no-op inside a transaction, hence here) and checks them
     * with foreign_key_check before committing. They are on again afterwards, as ds_db_open
     * sets them. */
    if ((rc = ds_db_exec(db, "PRAGMA foreign_keys=OFF", err)))
        return rc;
    rc = migrate_from(db, steps, (size_t)version, n_steps, err);
    int on = ds_db_exec(db, "PRAGMA foreign_keys=ON", rc ? NULL : err);
    return rc ? rc : on;
}

static int foreign_keys_hold(ds_db *db, ds_error *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db->handle, "PRAGMA foreign_key_check", -1, &stmt, NULL) != SQLITE_OK)
        return ds_db_error(db, err, "checking foreign keys");
    int rc = sqlite3_step(stmt);
    int code = 0;
    if (rc == SQLITE_ROW)
        code = ds_error_set(err, DS_EIO, db->path, "migration left a row of %s without its "
                            "parent", (const char *)sqlite3_column_text(stmt, 0));
    else if (rc != SQLITE_DONE)
        code = ds_db_error(db, err, "checking foreign keys");
    sqlite3_finalize(stmt);
    return code;
}

static int migrate_from(ds_db *db, const char *const *steps, size_t from, size_t n_steps,
                        ds_error *err)
{
    int rc = 0;
    for (size_t step = from; step < n_steps; step++) {
        if ((rc = ds_db_begin(db, err)))
            return rc;
        /* The version bump shares the step's transaction: both happen or neither does. */
        char bump[64];
        snprintf(bump, sizeof bump, "PRAGMA user_version=%zu", step + 1);
        char *msg = NULL;
        int sqlite_rc = sqlite3_exec(db->handle, steps[step], NULL, NULL, &msg);
        if (sqlite_rc != SQLITE_OK) {
            rc = ds_error_set(err, sqlite_rc == SQLITE_NOMEM ? DS_ENOMEM : DS_EIO, db->path,
                              "migration step %zu failed: %s", step + 1,
                              msg ? msg : sqlite3_errstr(sqlite_rc));
            sqlite3_free(msg);
            ds_db_rollback(db);
            return rc;
        }
        if ((rc = foreign_keys_hold(db, err)) || (rc = ds_db_exec(db, bump, err)) ||
            (rc = ds_db_commit(db, err))) {
            ds_db_rollback(db);
            return rc;
        }
    }
    return 0;
}

int ds_db_migrate(ds_db *db, ds_error *err)
{
    return ds_db_migrate_steps(db, migration_steps, N_MIGRATION_STEPS, err);
}

int ds_db_migrate_to(ds_db *db, int version, ds_error *err)
{
    if (version < 0 || (size_t)version > N_MIGRATION_STEPS)
        return ds_error_set(err, DS_EINVAL, "version", "must be 0 to %zu", N_MIGRATION_STEPS);
    return ds_db_migrate_steps(db, migration_steps, (size_t)version, err);
}
