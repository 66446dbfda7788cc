/*
 * claim_store.h: the claims tables (schema step 4 in data/db.c) behind prepared statements.
 *
 *   claims          a settled claim: its id, policy, the SHA-256 of its canonical JSON and the
 *                   result JSON exactly as issued, so a resubmission returns it byte for byte
 *   claim_evidence  (log origin, entry index) -> the claim it backed; the primary key makes an
 *                   entry back one claim only, whatever the callers do
 *   policy_state    a policy's limits left: aggregate (NULL when unlimited) and sublimits as a
 *                   JSON text the claims module writes and reads (this layer does not know the
 *                   coverage codes), plus what has been paid and how many claims settled
 *
 * This is storage only: it never decides. claims/settle.c writes a claim's row, its evidence
 * rows and the policy's state in one transaction (ds_db_begin / ds_db_commit), which is what
 * makes a settlement and the erosion it causes durable together.
 *
 * Strings returned are malloc'd; the caller frees them with free().
 * Errors: DS_EIO naming the database path, DS_ECONFLICT for a claim id or an evidence entry
 * already stored, DS_ENOMEM.
 * Thread safety: one store per thread, like its ds_db.
 */
#ifndef DS_DATA_CLAIM_STORE_H
#define DS_DATA_CLAIM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"
#include "data/db.h"

#define DS_CLAIM_HASH_SIZE 32

typedef struct ds_claim_store ds_claim_store;

/* What a stored claim row holds. */
typedef struct ds_stored_claim {
    uint8_t content_sha256[DS_CLAIM_HASH_SIZE];
    char *policy_id;
    char *status;
    int64_t payable;
    char *result_json;
} ds_stored_claim;

void ds_stored_claim_clear(ds_stored_claim *claim);

/* A policy's state row. sublimits_json is malloc'd on load. */
typedef struct ds_policy_state_row {
    int has_aggregate_limit;  /* 0: unlimited */
    int64_t aggregate_left;
    char *sublimits_json;
    int64_t paid;
    int64_t n_claims;
} ds_policy_state_row;

void ds_policy_state_row_clear(ds_policy_state_row *row);

/* Prepares the statements on db (borrowed, must outlive the store). Free with _free. */
int ds_claim_store_new(ds_claim_store **out, ds_db *db, ds_error *err);
void ds_claim_store_free(ds_claim_store *store);

/* The stored claim claim_id into *out; *found is 0 (and *out empty) when there is none. */
int ds_claim_store_find(ds_claim_store *store, ds_stored_claim *out, int *found,
                        const char *claim_id, ds_error *err);

/* Inserts a claim row; settled is an RFC 3339 UTC time. DS_ECONFLICT when the id exists. */
int ds_claim_store_put(ds_claim_store *store, const char *claim_id, const char *policy_id,
                       const uint8_t content_sha256[DS_CLAIM_HASH_SIZE], const char *status,
                       int64_t payable, const char *result_json, const char *settled,
                       ds_error *err);

/*
 * The claim that entry idx of log_origin backed, into owner (at most cap bytes, truncated);
 * *found is 0 when the entry has backed no claim.
 */
int ds_claim_store_evidence_owner(ds_claim_store *store, char *owner, size_t cap, int *found,
                                  const char *log_origin, uint64_t idx, ds_error *err);

/*
 * Records that entry idx of log_origin backs claim_id: *taken is 1 when recorded, 0 when the
 * entry backs a claim already (nothing is written; ds_claim_store_evidence_owner names it). One
 * statement either way: the primary key decides.
 */
int ds_claim_store_use_evidence(ds_claim_store *store, int *taken, const char *log_origin,
                                uint64_t idx, const char *claim_id, ds_error *err);

/* Forgets that entry idx of log_origin backs a claim (a line cut after it was recorded). */
int ds_claim_store_release_evidence(ds_claim_store *store, const char *log_origin, uint64_t idx,
                                    ds_error *err);

/* The state of policy_id into *out; *found is 0 when none is stored yet (no claim settled). */
int ds_claim_store_state_load(ds_claim_store *store, ds_policy_state_row *out, int *found,
                              const char *policy_id, ds_error *err);

/* Inserts or replaces the state of policy_id. */
int ds_claim_store_state_save(ds_claim_store *store, const char *policy_id,
                              const ds_policy_state_row *row, const char *updated, ds_error *err);

#endif
