/*
 * adjudicate.h: the batch use case behind `dsure claims adjudicate BATCH` and POST /v1/claims
 * (DESIGN.md section 7; docs/claims.md).
 *
 * A batch is a JSON array of claims, JSON Lines (one claim object per line), or one claim
 * object. A batch that is none of these (not JSON, a JSON value that is neither array nor
 * object, a line that is not JSON) is refused whole with DS_EINVAL and nothing is settled.
 * Inside a valid batch, each claim that cannot be read is rejected on its own (claim.malformed,
 * naming the field) and the others are adjudicated.
 *
 * Order: every claim is verified first (claims/verify.h), then claims settle in order of the
 * incident's detection time, then claim id, then position in the batch, whatever order the batch
 * lists them in, so the claims of one policy erode its limits in the order the incidents
 * happened. Results come back in the batch's order:
 *   {"results": [...], "summary": {"claims", "approved", "reduced", "denied", "paid"}}
 * where paid is the sum of the results' payable (a replayed result counts what it paid). Each
 * result is its issued text, held as a raw cJSON item (cJSON_IsRaw) that prints verbatim: a
 * batch of 100,000 results as trees would cost some 4 million allocations.
 * ds_adjudicate_parse_results turns them into trees for callers that read them.
 *
 * Durability: claims settle in groups of group_size per transaction (claims/settle.h); the
 * database should be opened with synchronous=FULL. A crash loses at most the open group; a rerun
 * of the same batch replays the stored results and settles the rest exactly as an uninterrupted
 * run would.
 */
#ifndef DS_CLAIMS_ADJUDICATE_H
#define DS_CLAIMS_ADJUDICATE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "claims/verify.h"
#include "data/db.h"
#include "pricing/terms.h"

/* Claims per transaction when the caller does not say: one fsync per 1000 claims. */
#define DS_ADJUDICATE_GROUP 1000

typedef struct ds_adjudicate_options {
    size_t group_size;   /* claims per transaction; 0: DS_ADJUDICATE_GROUP */
    /* Threads that read and verify claims (settling is sequential); 0: the online cores. The
     * results do not depend on it. */
    unsigned threads;
    /* Called after each committed group with the number of commits so far (may be NULL). */
    void (*on_commit)(void *ctx, size_t n_commits);
    /* Called now and then with the claims verified or settled so far (may be NULL). */
    void (*on_progress)(void *ctx, const char *phase, size_t done, size_t total);
    void *ctx;
} ds_adjudicate_options;

enum {
    DS_ADJUDICATE_PARSE,
    DS_ADJUDICATE_READ,
    DS_ADJUDICATE_PREPARE,
    DS_ADJUDICATE_VERIFY,
    DS_ADJUDICATE_SETTLE,
    DS_ADJUDICATE_PHASES
};

/* What a batch did, for the human summary. */
typedef struct ds_adjudicate_summary {
    size_t claims, approved, reduced, denied;
    size_t replayed;                          /* stored results returned again */
    int64_t paid;
    int64_t paid_by_coverage[DS_COV_COUNT];
    size_t reasons[DS_REASON_COUNT];          /* how many results cite each reason */
    /* Wall-clock seconds of each phase, for benchmarks and profiling: parsing the batch text,
     * reading the claims, preparing the verifier (the log pass), verifying, settling. */
    double seconds[DS_ADJUDICATE_PHASES];
} ds_adjudicate_summary;

/*
 * Adjudicates the batch text[0..len). *out receives the batch JSON (caller frees with
 * cJSON_Delete); summary (may be NULL) the counts. opts may be NULL.
 * Errors: DS_EINVAL for a malformed batch (nothing settled); DS_EIO / DS_ENOMEM / DS_EINTERNAL
 * when checking or storing failed (groups committed before stay settled).
 */
int ds_adjudicate_text(cJSON **out, ds_adjudicate_summary *summary, ds_db *db, const char *text,
                       size_t len, const ds_adjudicate_options *opts, ds_error *err);

/* Replaces the raw result items of a batch result with their parsed trees. */
int ds_adjudicate_parse_results(cJSON *batch, ds_error *err);

/* The same for claims already parsed as JSON (items[i] borrowed). */
int ds_adjudicate_items(cJSON **out, ds_adjudicate_summary *summary, ds_db *db,
                        const cJSON *const *items, size_t n, const ds_adjudicate_options *opts,
                        ds_error *err);

#endif
