/*
 * bind.h: turning a saved quote into a policy (`dsure bind QUOTE_ID`, POST /v1/policies).
 *
 * The policy records what the premium was computed on and what the ledger said at that moment:
 * the quote's premium, cover and seed; the declared assets with their grades and records as
 * quoted; the platform's log and a checkpoint of it: signed at binding on the platform's own
 * log, or the latest one an insurer's replica holds (signed by the platform, verified by the
 * sync). Claims later check the
 * log against that checkpoint (history must not be rewritten after binding) and the grades
 * against the declared ones. Binding a quote twice is refused (DS_ECONFLICT).
 */
#ifndef DS_CLAIMS_BIND_H
#define DS_CLAIMS_BIND_H

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "data/db.h"

/*
 * Binds quote_id. log_origin selects the platform's log; NULL finds it by the platform id
 * (data/policy_store.h). On success *out is the policy JSON (caller frees with cJSON_Delete).
 * Errors: DS_ENOTFOUND (no such quote or log), DS_ECONFLICT (already bound), DS_EIO, DS_ENOMEM.
 */
int ds_bind(cJSON **out, ds_db *db, const char *quote_id, const char *log_origin,
            ds_error *err);

#endif
