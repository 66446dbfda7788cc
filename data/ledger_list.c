/*
 * ledger_list.c: listings over the ledger tables (see ledger_list.h).
 *
 * The log listing is the one query of its own here (the table is data/db.c's step 1 `logs`);
 * entries are read one primary-key probe each through ds_ledger_store_get_entry, so a page costs
 * O(page * log n) whatever its position in the log.
 */
#include "data/ledger_list.h"

#include <stdlib.h>
#include <string.h>

int ds_ledger_list_logs(ds_db *db, ds_ledger_log_fn fn, void *ctx, ds_error *err)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(ds_db_handle(db), "SELECT origin, size FROM logs ORDER BY origin", -1,
                           &stmt, NULL) != SQLITE_OK)
        return ds_db_error(db, err, "list logs");
    int rc = 0, step;
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *origin = (const char *)sqlite3_column_text(stmt, 0);
        sqlite3_int64 size = sqlite3_column_int64(stmt, 1);
        if ((rc = fn(ctx, origin ? origin : "", size > 0 ? (uint64_t)size : 0)))
            break;
    }
    if (!rc && step != SQLITE_DONE)
        rc = ds_db_error(db, err, "list logs");
    sqlite3_finalize(stmt);
    return rc;
}

void ds_ledger_page_clear(ds_ledger_page *page)
{
    if (!page)
        return;
    for (size_t i = 0; i < page->n; i++)
        free(page->items[i].entry);
    free(page->items);
    memset(page, 0, sizeof *page);
}

int ds_ledger_page_read(ds_ledger_page *out, ds_ledger_store *store, const char *origin,
                        uint64_t start, uint64_t end, ds_error *err)
{
    memset(out, 0, sizeof *out);
    if (end <= start)
        return 0;
    ds_ledger_log log;
    memset(&log, 0, sizeof log);
    int rc = ds_ledger_store_find_log(store, &log, origin, err);
    if (rc)
        return rc;
    out->items = calloc((size_t)(end - start), sizeof *out->items);
    if (!out->items) {
        ds_ledger_log_clear(&log);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    for (uint64_t i = start; i < end; i++) {
        ds_ledger_page_entry *item = &out->items[out->n];
        if ((rc = ds_ledger_store_get_entry(store, log.id, i, &item->entry, &item->len, err)))
            break;
        item->index = i;
        out->n++;
    }
    ds_ledger_log_clear(&log);
    return rc;
}
