/*
 * ledger_list.h: read-only listings over the ledger tables for the HTTP server: every log with
 * its size (the dsure_ledger_size gauge of GET /metrics) and a page of entries of one log
 * (GET /v1/ledger/entries), built on data/ledger_store.h.
 *
 * Nothing here hashes or trusts: sizes are as stored, and entries are handed out as stored bytes
 * so that a reader recomputes their leaf hashes itself (DESIGN.md section 6).
 * Errors: DS_ENOTFOUND (no such log, a missing entry), DS_EIO naming the database, DS_ENOMEM.
 * Thread safety: one ds_db per thread.
 */
#ifndef DS_DATA_LEDGER_LIST_H
#define DS_DATA_LEDGER_LIST_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"
#include "data/db.h"
#include "data/ledger_store.h"

/* Called once per log in origin order; a non-zero return stops the listing and is returned. */
typedef int (*ds_ledger_log_fn)(void *ctx, const char *origin, uint64_t size);

int ds_ledger_list_logs(ds_db *db, ds_ledger_log_fn fn, void *ctx, ds_error *err);

/* One entry of a page: its index and its stored canonical JSON (malloc'd, NUL-terminated). */
typedef struct ds_ledger_page_entry {
    uint64_t index;
    uint8_t *entry;
    size_t len;
} ds_ledger_page_entry;

/* A page of entries [start, start + n) of one log. */
typedef struct ds_ledger_page {
    ds_ledger_page_entry *items;
    size_t n;
} ds_ledger_page;

/*
 * Reads entries [start, end) of the log named origin through store (end <= the log's stored
 * size is the caller's to check). Clears *out first; the caller frees it with
 * ds_ledger_page_clear, also on error.
 */
int ds_ledger_page_read(ds_ledger_page *out, ds_ledger_store *store, const char *origin,
                        uint64_t start, uint64_t end, ds_error *err);

/* Frees the entries of a page. NULL-safe. */
void ds_ledger_page_clear(ds_ledger_page *page);

#endif
