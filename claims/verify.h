/*
 * verify.h: checking a claim against its policy and the platform's ledger (DESIGN.md section 7;
 * docs/claims.md lists every reason code and what it does to the payment).
 *
 * A verifier lives for one batch and caches what every claim of the batch shares, so that the
 * expensive checks run once per batch, not once per claim:
 *   - per log: the latest checkpoint, its Ed25519 signature verified once under the verifier key
 *     of the logs table; and an index of the asset records (asset.registered / .graded /
 *     .records) built by one pass over the entries under that checkpoint, which recomputes every
 *     leaf hash from the stored entry and the tree root from them and compares it with the signed
 *     root, so the asset history a claim is judged on is exactly what the checkpoint signs;
 *   - per policy: the stored policy, its parsed cover and declared grades, the consistency of
 *     today's log with the checkpoint recorded at binding, and the premiums requoted per grade
 *     profile.
 * Every entry a claim cites (its incident and each evidence index) gets its own inclusion proof
 * under the latest checkpoint, built from stored subtree hashes, with the leaf hash recomputed
 * from the stored entry.
 *
 * The verdict is a ds_claim_check: reasons, whether the whole claim is denied, and per loss
 * line the amount the ledger supports. What depends on the order of settlement (evidence used by
 * an earlier claim, the limits left) is decided later by claims/settle.h.
 *
 * Errors: only failures to check (DS_EIO reading the database, DS_ENOMEM, DS_EINTERNAL for a
 * stored policy that cannot be read) are errors; everything wrong with a claim is a reason.
 * Thread safety: a verifier belongs to one thread, like its ds_db, with one exception: once
 * ds_claims_verifier_prepare has seen a batch, the claims of that batch may be verified by
 * ds_claims_verify from several threads at once (each with its own ds_claim_check). Prepare does
 * every once-per-batch check (log pass, signatures, consistency); what verification still
 * shares after it is read-only, except the database connection and the premium memos, which a
 * lock inside the verifier serialises.
 */
#ifndef DS_CLAIMS_VERIFY_H
#define DS_CLAIMS_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"
#include "claims/claim.h"
#include "data/db.h"
#include "pricing/cover.h"

/* The reason codes of DESIGN.md section 7, plus claim.malformed and claim.conflict. */
typedef enum {
    DS_REASON_CLAIM_MALFORMED,     /* the claim could not be read (names the field) */
    DS_REASON_CLAIM_CONFLICT,      /* the claim id was settled with other content */
    DS_REASON_POLICY_UNKNOWN,
    DS_REASON_POLICY_PERIOD,
    DS_REASON_CLAIM_LATE,
    DS_REASON_LEDGER_SIGNATURE,
    DS_REASON_LEDGER_CONSISTENCY,
    DS_REASON_LEDGER_INCLUSION,
    DS_REASON_ASSET_UNREGISTERED,
    DS_REASON_RECORDS_EXCEED,
    DS_REASON_GRADE_MISDECLARED,
    DS_REASON_EVIDENCE_MISMATCH,
    DS_REASON_EVIDENCE_REUSED,
    DS_REASON_COVERAGE_EXCLUDED
} ds_reason_code;
#define DS_REASON_COUNT 14

/* "claim.malformed", "policy.unknown", ...; never NULL. */
const char *ds_reason_name(ds_reason_code code);

#define DS_REASON_DETAIL_MAX 200

typedef struct ds_reason {
    ds_reason_code code;
    char detail[DS_REASON_DETAIL_MAX];
} ds_reason;

/* A policy as the verifier holds it (borrowed from the verifier, valid while it lives). */
typedef struct ds_claims_policy {
    char *policy_id;
    char *platform_id;
    char *log_origin;
    ds_cover cover;
    int64_t premium;                 /* charged, minor units */
} ds_claims_policy;

/* One loss line's verdict. */
typedef struct ds_line_check {
    int64_t claimed;
    int64_t evidenced;               /* sum of the accepted cost entries' amounts */
    int64_t verified;                /* min(claimed, evidenced); 0 when the line is cut */
    int64_t millihours;              /* outage for NPBI/CBI from the cost entries; 0: none */
    int64_t claimed_millihours;      /* what the claim said (the evidence's when it said none) */
    uint64_t accepted_mask;          /* bit j: evidence[j] is a verified cost entry of the line */
    int is_excluded;                 /* coverage.excluded */
    int is_cut;                      /* the line pays nothing whatever it claimed */
} ds_line_check;

typedef struct ds_claim_check {
    const ds_claims_policy *policy;  /* borrowed; NULL when the policy is unknown */
    int64_t incident_time;           /* the incident's detection, INT64_MIN when unknown */
    int is_denied;                   /* a reason denies the whole claim */
    ds_reason *reasons;              /* owned */
    size_t n_reasons;
    ds_line_check lines[DS_COV_COUNT];
    int64_t charged, due;            /* grade.misdeclared: pay charged/due; due 0: no cut */
} ds_claim_check;

/* Appends a reason (printf-style detail). DS_ENOMEM when the list cannot grow. */
int ds_claim_check_add(ds_claim_check *check, ds_reason_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Frees the reasons and empties the check. NULL-safe. */
void ds_claim_check_clear(ds_claim_check *check);

typedef struct ds_claims_verifier ds_claims_verifier;

/* db is borrowed and must outlive the verifier. Free with ds_claims_verifier_free. */
int ds_claims_verifier_new(ds_claims_verifier **out, ds_db *db, ds_error *err);
void ds_claims_verifier_free(ds_claims_verifier *verifier);

/*
 * Verifies a parsed claim into *out (cleared first; the caller clears it). Reads the ledger and
 * the policies; writes nothing. For speed, run a batch inside one read transaction
 * (ds_claims_verifier_read_begin / _end).
 */
int ds_claims_verify(ds_claim_check *out, ds_claims_verifier *verifier, const ds_claim *claim,
                     ds_error *err);

/*
 * Optional, for speed: tells the verifier every claim of the batch before they are verified, so
 * that the one pass over each log (the asset index and the tree check) also keeps the entries the
 * batch cites, and proofs come from the tree recomputed in memory (logs up to 2^22 entries)
 * instead of stored hashes, and checks each policy's consistency with its binding checkpoint.
 * Claims whose policy is unknown are skipped. Required before verifying on several threads.
 */
int ds_claims_verifier_prepare(ds_claims_verifier *verifier, const ds_claim *const *claims,
                               size_t n, ds_error *err);

/* The largest log whose tree is rebuilt in memory (default 2^22 entries); larger logs are
 * checked in constant memory and proved from stored subtree hashes. Tests set 0 to cover that
 * path. Call before the first claim. */
void ds_claims_verifier_set_tree_limit(ds_claims_verifier *verifier, uint64_t max_entries);

int ds_claims_verifier_read_begin(ds_claims_verifier *verifier, ds_error *err);
void ds_claims_verifier_read_end(ds_claims_verifier *verifier);

#endif
