/*
 * policy_store.c: quotes and policies tables (see policy_store.h).
 */
#include "data/policy_store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data/date.h"

void ds_now_rfc3339(char *buf, size_t cap)
{
    ds_timestamp_format(buf, cap, (int64_t)time(NULL));
}

static char *column_text(sqlite3_stmt *stmt, int col)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);
    if (!text)
        return NULL;
    size_t len = (size_t)sqlite3_column_bytes(stmt, col);
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    return copy;
}

static int prepare(sqlite3_stmt **stmt, ds_db *db, const char *sql, ds_error *err)
{
    if (sqlite3_prepare_v2(ds_db_handle(db), sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return ds_db_error(db, err, "prepare");
    }
    return 0;
}

void ds_stored_quote_clear(ds_stored_quote *q)
{
    if (!q)
        return;
    free(q->quote_id);
    free(q->platform_id);
    free(q->request_json);
    free(q->quote_json);
    free(q->created);
    memset(q, 0, sizeof *q);
}

void ds_stored_policy_clear(ds_stored_policy *p)
{
    if (!p)
        return;
    free(p->policy_id);
    free(p->quote_id);
    free(p->platform_id);
    free(p->currency);
    free(p->request_json);
    free(p->policy_json);
    free(p->log_origin);
    free(p->checkpoint);
    free(p->created);
    memset(p, 0, sizeof *p);
}

int ds_quote_store_save(ds_db *db, const ds_stored_quote *q, ds_error *err)
{
    sqlite3_stmt *stmt;
    int rc = prepare(&stmt, db,
                     "INSERT INTO quotes (quote_id, platform_id, request, quote, premium, created)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     err);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, q->quote_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, q->platform_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, q->request_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, q->quote_json, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 5, q->premium);
    sqlite3_bind_text(stmt, 6, q->created, -1, SQLITE_STATIC);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_CONSTRAINT)
        rc = ds_error_set(err, DS_ECONFLICT, "quote_id", "quote %s is already saved",
                          q->quote_id);
    else if (step != SQLITE_DONE)
        rc = ds_db_error(db, err, "saving the quote");
    sqlite3_finalize(stmt);
    return rc;
}

int ds_quote_store_load(ds_stored_quote *out, ds_db *db, const char *quote_id, ds_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    int rc = prepare(&stmt, db,
                     "SELECT quote_id, platform_id, request, quote, premium, created FROM quotes"
                     " WHERE quote_id = ?1",
                     err);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, quote_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        out->quote_id = column_text(stmt, 0);
        out->platform_id = column_text(stmt, 1);
        out->request_json = column_text(stmt, 2);
        out->quote_json = column_text(stmt, 3);
        out->premium = sqlite3_column_int64(stmt, 4);
        out->created = column_text(stmt, 5);
        if (!out->quote_id || !out->platform_id || !out->request_json || !out->quote_json ||
            !out->created) {
            ds_stored_quote_clear(out);
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        }
    } else if (step == SQLITE_DONE) {
        rc = ds_error_set(err, DS_ENOTFOUND, "quote_id", "no saved quote \"%s\"", quote_id);
    } else {
        rc = ds_db_error(db, err, "loading the quote");
    }
    sqlite3_finalize(stmt);
    return rc;
}

int ds_policy_store_find_by_quote(char *buf, size_t cap, ds_db *db, const char *quote_id,
                                  ds_error *err)
{
    sqlite3_stmt *stmt;
    buf[0] = '\0';
    int rc = prepare(&stmt, db, "SELECT policy_id FROM policies WHERE quote_id = ?1", err);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, quote_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
        size_t len = (size_t)sqlite3_column_bytes(stmt, 0);
        if (len >= cap)
            len = cap - 1;
        memcpy(buf, sqlite3_column_text(stmt, 0), len);
        buf[len] = '\0';
    } else if (step != SQLITE_DONE) {
        rc = ds_db_error(db, err, "finding the policy of a quote");
    }
    sqlite3_finalize(stmt);
    return rc;
}

int ds_policy_store_log_for_platform(char **out, ds_db *db, const char *platform_id,
                                     ds_error *err)
{
    *out = NULL;
    sqlite3_stmt *stmt;
    /* substr(origin, -n) is the last n characters: an exact "/P-001" suffix, never a prefix
     * match on "P-0012". */
    int rc = prepare(&stmt, db,
                     "SELECT origin FROM logs WHERE origin = ?1 OR"
                     " (length(origin) > length(?1)"
                     "  AND substr(origin, -length(?1) - 1) = '/' || ?1)"
                     " LIMIT 2",
                     err);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, platform_id, -1, SQLITE_STATIC);
    char *first = NULL;
    int n = 0, step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        char *origin = column_text(stmt, 0);
        if (!origin) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            break;
        }
        n++;
        if (!first)
            first = origin;
        else
            free(origin);
    }
    if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = ds_db_error(db, err, "finding the platform's log");
    sqlite3_finalize(stmt);
    if (!rc && n == 0)
        rc = ds_error_set(err, DS_ENOTFOUND, "log",
                          "no ledger log for platform \"%s\" (create one with dsure init "
                          "--origin .../%s)",
                          platform_id, platform_id);
    if (!rc && n > 1)
        rc = ds_error_set(err, DS_EINVAL, "log",
                          "several ledger logs fit platform \"%s\": choose one with --log",
                          platform_id);
    if (rc) {
        free(first);
        return rc;
    }
    *out = first;
    return 0;
}

int ds_policy_store_insert(ds_db *db, const ds_stored_policy *p, ds_error *err)
{
    sqlite3_stmt *stmt;
    int rc = prepare(&stmt, db,
                     "INSERT INTO policies (policy_id, quote_id, platform_id, currency, premium,"
                     " request, policy, log_origin, checkpoint, checkpoint_size, created)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                     err);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, p->policy_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, p->quote_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, p->platform_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, p->currency, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 5, p->premium);
    sqlite3_bind_text(stmt, 6, p->request_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 7, p->policy_json, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 8, p->log_origin, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 9, p->checkpoint, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 10, (sqlite3_int64)p->checkpoint_size);
    sqlite3_bind_text(stmt, 11, p->created, -1, SQLITE_STATIC);
    int step = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (step == SQLITE_CONSTRAINT) {
        char holder[128];
        ds_error ignored;
        ds_policy_store_find_by_quote(holder, sizeof holder, db, p->quote_id, &ignored);
        return ds_error_set(err, DS_ECONFLICT, "quote_id", "quote %s is already bound%s%s",
                            p->quote_id, holder[0] ? " as policy " : "", holder);
    }
    if (step != SQLITE_DONE)
        return ds_db_error(db, err, "storing the policy");
    return 0;
}

int ds_policy_store_load(ds_stored_policy *out, ds_db *db, const char *policy_id, ds_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    int rc = prepare(&stmt, db,
                     "SELECT policy_id, quote_id, platform_id, currency, premium, request, policy,"
                     " log_origin, checkpoint, checkpoint_size, created FROM policies"
                     " WHERE policy_id = ?1",
                     err);
    if (rc)
        return rc;
    sqlite3_bind_text(stmt, 1, policy_id, -1, SQLITE_STATIC);
    int step = sqlite3_step(stmt);
    if (step == SQLITE_ROW) {
        out->policy_id = column_text(stmt, 0);
        out->quote_id = column_text(stmt, 1);
        out->platform_id = column_text(stmt, 2);
        out->currency = column_text(stmt, 3);
        out->premium = sqlite3_column_int64(stmt, 4);
        out->request_json = column_text(stmt, 5);
        out->policy_json = column_text(stmt, 6);
        out->log_origin = column_text(stmt, 7);
        out->checkpoint = column_text(stmt, 8);
        out->checkpoint_size = (uint64_t)sqlite3_column_int64(stmt, 9);
        out->created = column_text(stmt, 10);
        if (!out->policy_id || !out->quote_id || !out->platform_id || !out->currency ||
            !out->request_json || !out->policy_json || !out->log_origin || !out->checkpoint ||
            !out->created) {
            ds_stored_policy_clear(out);
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        }
    } else if (step == SQLITE_DONE) {
        rc = ds_error_set(err, DS_ENOTFOUND, "policy_id", "no policy \"%s\"", policy_id);
    } else {
        rc = ds_db_error(db, err, "loading the policy");
    }
    sqlite3_finalize(stmt);
    return rc;
}
