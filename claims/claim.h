/*
 * claim.h: one claim as an insured submits it (DESIGN.md section 7), read and validated.
 *
 * {"claim_id": "CL-2027-0001", "policy_id": "POL-1", "reported": "2027-03-05T08:00:00Z",
 *  "incident": 1042,
 *  "losses": [{"coverage": "INRE", "amount": 100000, "evidence": [1043]},
 *             {"coverage": "NPBI", "amount": 250000, "hours": 30, "evidence": [1044]}]}
 *
 * Rules: claim_id and policy_id are non-empty strings of at most DS_CLAIM_ID_MAX bytes;
 * reported is an RFC 3339 UTC timestamp; incident and evidence[] are ledger indices (integers
 * >= 0); losses has 1..DS_COV_COUNT lines, each coverage one of the OED v4 codes and listed once
 * (a claim's loss on one coverage is one line); amount is a non-negative amount with at most
 * two decimals; hours (optional, what the insured says the outage lasted) is a number in
 * [0, 10^6]; evidence has at most DS_CLAIM_EVIDENCE_MAX indices. Unknown members are refused.
 * Errors name the field under the caller's path: "claims[3].losses[0].amount: must be a
 * non-negative amount".
 *
 * The content hash is SHA-256 of the claim's RFC 8785 canonical JSON: the same claim written
 * with other whitespace or member order has the same hash, which is what "the same content"
 * means for exactly-once settlement.
 *
 * Ownership: a ds_claim owns its evidence arrays; ds_claim_clear frees them.
 */
#ifndef DS_CLAIMS_CLAIM_H
#define DS_CLAIMS_CLAIM_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "pricing/terms.h"

#define DS_CLAIM_ID_MAX 128
#define DS_CLAIM_EVIDENCE_MAX 64

typedef struct ds_claim_loss {
    ds_coverage coverage;
    int64_t amount;             /* claimed, minor units */
    int has_hours;
    int64_t millihours;         /* claimed outage, thousandths of an hour */
    uint64_t *evidence;         /* ledger indices, owned */
    size_t n_evidence;
} ds_claim_loss;

typedef struct ds_claim {
    char claim_id[DS_CLAIM_ID_MAX + 1];   /* "" when the input had none */
    char policy_id[DS_CLAIM_ID_MAX + 1];  /* "" when the input had none */
    int64_t reported;                     /* seconds since the epoch */
    uint64_t incident;
    ds_claim_loss losses[DS_COV_COUNT];
    size_t n_losses;
    uint8_t content_sha256[32];
} ds_claim;

/*
 * Reads claim json (named path in messages) into *out. On error DS_EINVAL (or DS_ENOMEM) with
 * the field named, *out holds nothing to free, and claim_id / policy_id still hold whatever
 * valid values the input had, so the rejection can name the claim.
 */
int ds_claim_parse(ds_claim *out, const cJSON *json, const char *path, ds_error *err);

/* Frees the evidence arrays and empties the claim. NULL-safe. */
void ds_claim_clear(ds_claim *claim);

#endif
