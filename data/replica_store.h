/*
 * replica_store.h: the replicas table in SQLite (schema step 3 in data/db.c): for each remote
 * log that `dsure ledger sync` follows, the URL it is pulled from and the verifier key pinned
 * for it. claims/sync.c reads and writes it only through these functions (DESIGN.md: claims
 * touch the database only through data/).
 *
 * Strings returned are malloc'd copies the caller frees (ds_replica_clear, free).
 * Errors: DS_EIO for database failures (naming the table), DS_ENOMEM.
 */
#ifndef DS_DATA_REPLICA_STORE_H
#define DS_DATA_REPLICA_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"
#include "data/db.h"

typedef struct ds_replica {
    int has_row;      /* 0: the log has no replica row (it is a log of this database) */
    char *source_url; /* "" when stored NULL */
    char *pinned_key; /* "" when stored NULL */
} ds_replica;

/* Frees the strings and zeroes the row. NULL-safe. */
void ds_replica_clear(ds_replica *replica);

/* The replica row of log_id; out->has_row is 0 when there is none (not an error). */
int ds_replica_store_read(ds_db *db, int64_t log_id, ds_replica *out, ds_error *err);

/*
 * The logs replicated from source_url: *n_found is 0, 1 or 2 (2 meaning "two or more"), and
 * *first (malloc'd, else NULL) the smallest of their origins.
 */
int ds_replica_store_find_by_url(ds_db *db, const char *source_url, char **first,
                                 int *n_found, ds_error *err);

/*
 * Inserts or replaces log_id's row, updated as given (RFC 3339 UTC). trust is how the key came
 * to be pinned: "pinned" (given by the operator) or "first_use" (taken from the remote on the
 * first sync); NULL keeps the stored value (a new row then gets "pinned").
 */
int ds_replica_store_write(ds_db *db, int64_t log_id, const char *source_url, const char *key,
                           const char *trust, const char *updated, ds_error *err);

/* A repin also changes the key the log itself is verified with (`ledger verify`):
 * logs.verifier_key. */
int ds_replica_store_set_log_key(ds_db *db, int64_t log_id, const char *key, ds_error *err);

#endif
