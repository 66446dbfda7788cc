/*
 * db.h: opening dsure's SQLite database and migrating its schema.
 *
 * All of dsure's state lives in one SQLite database (DESIGN.md section 1). This file is the one
 * place that opens it, so every connection gets the same settings:
 *   - WAL journal (readers never block the writer, a crash never corrupts committed data);
 *   - foreign_keys=ON (SQLite leaves them off by default);
 *   - a busy timeout, so two dsure processes wait for each other instead of failing at once;
 *   - synchronous=NORMAL by default (in WAL mode a committed transaction survives a process crash
 *     and is never corrupted; only the last transactions before a power loss may roll back), or
 *     FULL on request for callers that must not lose an acknowledged commit.
 *
 * The schema is versioned by PRAGMA user_version and built by an ordered list of migration steps
 * kept in db.c (the only place schema SQL lives). Opening a database applies the steps it has not
 * seen yet, each in its own transaction together with the user_version bump, so a migration is
 * applied whole or not at all. A database written by a newer dsure (user_version beyond the list)
 * is refused rather than misread.
 *
 * Errors: DS_EIO with a message naming the database path and SQLite's reason; DS_ENOTFOUND when
 * the database must exist and does not; DS_ENOMEM on allocation failure.
 * Thread safety: one ds_db per thread (SQLite connections are not shared here).
 */
#ifndef DS_DATA_DB_H
#define DS_DATA_DB_H

#include <stddef.h>

#include <sqlite3.h>

#include "actuarial/error.h"

typedef struct ds_db ds_db;

typedef struct ds_db_options {
    int must_exist;       /* refuse (DS_ENOTFOUND) to create a missing database file */
    int synchronous_full; /* PRAGMA synchronous=FULL instead of NORMAL */
    int busy_timeout_ms;  /* 0: the default of 5000 ms */
    int no_migrate;       /* open only; do not apply pending migrations */
} ds_db_options;

/*
 * Opens (creating unless opts->must_exist) the database at path and applies pending
 * migrations (unless opts->no_migrate). opts may be NULL for the defaults. The caller frees *out
 * with ds_db_close. On error *out is NULL.
 */
int ds_db_open(ds_db **out, const char *path, const ds_db_options *opts, ds_error *err);

/* Closes the connection (finalising nothing: callers finalise their statements first). NULL-safe.
 */
void ds_db_close(ds_db *db);

/* The SQLite connection, borrowed: valid while db lives. */
sqlite3 *ds_db_handle(const ds_db *db);

/* The path the database was opened with, borrowed. */
const char *ds_db_path(const ds_db *db);

/* The schema version this program builds (the number of migration steps). */
int ds_db_latest_version(void);

/* Reads PRAGMA user_version into *out. */
int ds_db_schema_version(ds_db *db, int *out, ds_error *err);

/* Applies the pending steps of dsure's migration list. */
int ds_db_migrate(ds_db *db, ds_error *err);

/*
 * Applies steps[v..n_steps-1] where v is the current user_version, each step in one transaction
 * that also sets user_version to its 1-based position. A failing step is rolled back and leaves
 * the version at the last step that succeeded. A version above n_steps is refused (DS_EIO).
 * ds_db_migrate calls this with dsure's list; tests call it with their own.
 */
int ds_db_migrate_steps(ds_db *db, const char *const *steps, size_t n_steps, ds_error *err);
/* Applies dsure's own steps up to schema version `version` only: tests build a database of an
 * earlier schema with it and check that the later steps carry its rows over. */
int ds_db_migrate_to(ds_db *db, int version, ds_error *err);

/* Runs SQL without results (one or more statements). */
int ds_db_exec(ds_db *db, const char *sql, ds_error *err);

/*
 * Write transactions. ds_db_begin takes the write lock at once (BEGIN IMMEDIATE), so a
 * transaction never fails half-way for lack of the lock; ds_db_rollback is safe to call when no
 * transaction is open and never overwrites err's earlier message.
 */
int ds_db_begin(ds_db *db, ds_error *err);
int ds_db_commit(ds_db *db, ds_error *err);
void ds_db_rollback(ds_db *db);

/*
 * Records SQLite's current error for this connection as DS_EIO (DS_ENOMEM for SQLITE_NOMEM):
 * "<path>: <what>: <sqlite message>". Returns the code.
 */
int ds_db_error(ds_db *db, ds_error *err, const char *what);

#endif
