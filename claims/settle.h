/*
 * settle.h: settling verified claims through the policy terms, durably and exactly once
 * (DESIGN.md section 7; docs/claims.md).
 *
 * A settler works in groups: ds_claims_settler_begin opens one write transaction (BEGIN
 * IMMEDIATE, so the write lock is held for the whole group), ds_claims_settle settles claims
 * inside it, and ds_claims_settler_commit writes the policies' eroded limits and commits. Each
 * claim's result row, the evidence entries it used and the erosion it caused are therefore
 * committed together or not at all; a crash loses at most the open group, which a rerun settles
 * identically (the claims before it are stored, the limits are as they left them). Policy state
 * is re-read from the database at the start of each group, so two processes settling at once
 * serialise on the write lock and never work from a stale limit.
 *
 * Settlement: the verified amounts go through pricing/terms.h (ds_terms_settle) with the
 * policy's state (sublimits and aggregate left, initialised from the cover at the policy's first
 * claim). A misdeclared grade multiplies the payment by premium charged / premium due (floor, in
 * minor units), re-allocated to coverages by largest remainder, and the limits erode by what is
 * actually paid.
 *
 * Exactly once: a claim id already stored with the same content hash returns the stored result
 * (nothing is paid again); with other content it is refused (claim.conflict, not stored).
 * An evidence entry backs one claim only (evidence.reused for any later claim citing it).
 *
 * Thread safety: one settler per thread, like its ds_db.
 */
#ifndef DS_CLAIMS_SETTLE_H
#define DS_CLAIMS_SETTLE_H

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "claims/claim.h"
#include "claims/verify.h"
#include "data/db.h"

typedef struct ds_claims_settler ds_claims_settler;

/* db is borrowed; open it with synchronous_full for durable settlements. */
int ds_claims_settler_new(ds_claims_settler **out, ds_db *db, ds_error *err);
void ds_claims_settler_free(ds_claims_settler *settler);

int ds_claims_settler_begin(ds_claims_settler *settler, ds_error *err);
int ds_claims_settler_commit(ds_claims_settler *settler, ds_error *err);
/* Rolls the open group back and forgets the state it loaded. Safe without an open group. */
void ds_claims_settler_rollback(ds_claims_settler *settler);

typedef enum {
    DS_SETTLED_APPROVED,
    DS_SETTLED_REDUCED,
    DS_SETTLED_DENIED
} ds_settled_status;

/*
 * A claim's result as issued (compact JSON: the text stored with the claim and returned again on
 * a resubmission), and what the batch summary counts of it. Results are kept as text rather than
 * cJSON trees: a batch of 100,000 would otherwise hold some 40 allocations per result.
 */
typedef struct ds_settled {
    char *json;                              /* owned; free with ds_settled_clear */
    ds_settled_status status;
    int64_t payable;                         /* minor units */
    int64_t paid[DS_COV_COUNT];              /* by coverage, minor units */
    size_t reasons[DS_REASON_COUNT];         /* how often the result cites each reason */
} ds_settled;

void ds_settled_clear(ds_settled *settled);

/*
 * Settles claim (verified into check) inside the open group into *out (the caller clears it);
 * *replayed is 1 when it is a stored result returned again. check's lines may be updated
 * (evidence.reused). Errors: DS_EIO, DS_ENOMEM; the group must then be rolled back.
 */
int ds_claims_settle(ds_settled *out, int *replayed, ds_claims_settler *settler,
                     const ds_claim *claim, ds_claim_check *check, ds_error *err);

/*
 * The result of a claim refused before verification (claim.malformed): denied, one reason,
 * nothing paid. claim_id / policy_id may be "" (rendered as null). DS_ENOMEM or 0.
 */
int ds_claims_rejection(ds_settled *out, const char *claim_id, const char *policy_id,
                        const ds_reason *reason);

#endif
