/*
 * replica_store.c: the replicas table (see replica_store.h). Each function is one prepared
 * statement, finalized before it returns; callers own the transaction around them.
 */
#include "data/replica_store.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

void ds_replica_clear(ds_replica *r)
{
    if (!r)
        return;
    free(r->source_url);
    free(r->pinned_key);
    memset(r, 0, sizeof *r);
}

int ds_replica_store_read(ds_db *db, int64_t log_id, ds_replica *out, ds_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ds_db_handle(db),
                           "SELECT source_url, pinned_verifier_key FROM replicas WHERE log_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return ds_db_error(db, err, "reading replicas");
    sqlite3_bind_int64(st, 1, log_id);
    int rc = 0, step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *url = (const char *)sqlite3_column_text(st, 0);
        const char *key = (const char *)sqlite3_column_text(st, 1);
        out->has_row = 1;
        if (!(out->source_url = strdup(url ? url : "")) ||
            !(out->pinned_key = strdup(key ? key : "")))
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    } else if (step != SQLITE_DONE) {
        rc = ds_db_error(db, err, "reading replicas");
    }
    sqlite3_finalize(st);
    if (rc)
        ds_replica_clear(out);
    return rc;
}

int ds_replica_store_find_by_url(ds_db *db, const char *source_url, char **first, int *n_found,
                                 ds_error *err)
{
    *first = NULL;
    *n_found = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ds_db_handle(db),
                           "SELECT l.origin FROM replicas r JOIN logs l ON l.id = r.log_id"
                           " WHERE r.source_url = ? ORDER BY l.origin LIMIT 2",
                           -1, &st, NULL) != SQLITE_OK)
        return ds_db_error(db, err, "reading replicas");
    sqlite3_bind_text(st, 1, source_url, -1, SQLITE_STATIC);
    int rc = 0, n = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n++ == 0 && !(*first = strdup((const char *)sqlite3_column_text(st, 0))))
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    if (!rc && step != SQLITE_DONE)
        rc = ds_db_error(db, err, "reading replicas");
    sqlite3_finalize(st);
    if (rc) {
        free(*first);
        *first = NULL;
        return rc;
    }
    *n_found = n;
    return 0;
}

int ds_replica_store_write(ds_db *db, int64_t log_id, const char *source_url, const char *key,
                           const char *trust, const char *updated, ds_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ds_db_handle(db),
                           "INSERT INTO replicas (log_id, source_url, pinned_verifier_key, trust,"
                           " updated) VALUES (?1, ?2, ?3, coalesce(?5, 'pinned'), ?4)"
                           " ON CONFLICT (log_id) DO UPDATE"
                           " SET source_url = excluded.source_url,"
                           " pinned_verifier_key = excluded.pinned_verifier_key,"
                           " trust = coalesce(?5, replicas.trust), updated = excluded.updated",
                           -1, &st, NULL) != SQLITE_OK)
        return ds_db_error(db, err, "writing replicas");
    sqlite3_bind_int64(st, 1, log_id);
    sqlite3_bind_text(st, 2, source_url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, updated, -1, SQLITE_STATIC);
    if (trust)
        sqlite3_bind_text(st, 5, trust, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ds_db_error(db, err, "writing replicas");
    sqlite3_finalize(st);
    return rc;
}

int ds_replica_store_set_log_key(ds_db *db, int64_t log_id, const char *key, ds_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(ds_db_handle(db), "UPDATE logs SET verifier_key = ? WHERE id = ?", -1,
                           &st, NULL) != SQLITE_OK)
        return ds_db_error(db, err, "writing logs");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, log_id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : ds_db_error(db, err, "writing logs");
    sqlite3_finalize(st);
    return rc;
}
