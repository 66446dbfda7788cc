/*
 * terms.h: the policy-terms calculus of DESIGN.md section 5, in integer minor units. One
 * implementation serves both the pricing Monte Carlo (every simulated event) and claims
 * settlement, so a premium and a claim payment can never disagree about what the policy pays.
 *
 * For one occurrence:
 *   1. each coverage c: ground-up g; for NPBI and CBI with outage hours h,
 *      g * max(h - waiting_hours, 0) / h; then x_c = min(max(g - deductible_c, 0),
 *      sublimit_c remaining this policy year)
 *   2. policy:  y = max(sum x_c - deductible, 0)
 *   3. layer:   z = participation * min(max(y - attachment, 0), limit)
 *   4. paid = min(z, aggregate_limit remaining this policy year)
 * paid is allocated back to coverages in proportion to x_c by largest remainder, so the shares
 * add up to paid exactly; each sublimit and the aggregate limit erode by what was paid.
 *
 * Rounding: the two steps that leave whole minor units (the waiting-period proration and the
 * participation share) round down, so the policy never pays a fraction of a minor unit more than
 * its terms give; all else is exact integer arithmetic. Participation is held exactly in parts
 * per million. Absent terms do not apply (DS_MONEY_UNLIMITED for limits, 0 for deductibles).
 *
 * Pure functions on caller-owned structs; thread-safe.
 */
#ifndef DS_PRICING_TERMS_H
#define DS_PRICING_TERMS_H

#include <stdint.h>

#include "actuarial/error.h"
#include "data/money.h"

/* OED v4 cyber coverage codes, DESIGN.md section 5. */
typedef enum {
    DS_COV_NPBI, /* business interruption */
    DS_COV_CBI,  /* contingent business interruption */
    DS_COV_DIAS, /* digital asset restoration */
    DS_COV_EXT,  /* extortion */
    DS_COV_FIN,  /* financial fraud */
    DS_COV_INRE, /* incident response */
    DS_COV_LIA,  /* liability */
    DS_COV_REG,  /* regulatory fines and penalties */
    DS_COV_ENO   /* technology errors and omissions */
} ds_coverage;
#define DS_COV_COUNT 9

/* A limit that is absent. Larger than any amount a policy can hold. */
#define DS_MONEY_UNLIMITED INT64_MAX
/* Participation is stored in parts per million: 1.0 is 1000000. */
#define DS_PPM 1000000

const char *ds_coverage_code(ds_coverage c);
/* -1 when unknown. */
int ds_coverage_from_code(const char *code);
/* NPBI and CBI are prorated by outage hours beyond the waiting period. */
int ds_coverage_is_time_based(ds_coverage c);

typedef struct ds_coverage_terms {
    int is_covered;
    int64_t sublimit;           /* minor units; DS_MONEY_UNLIMITED when absent */
    int64_t deductible;         /* minor units, >= 0 */
    int64_t waiting_millihours; /* NPBI/CBI waiting period in thousandths of an hour */
} ds_coverage_terms;

typedef struct ds_terms {
    ds_coverage_terms coverage[DS_COV_COUNT];
    int64_t deductible;         /* policy deductible per occurrence */
    int64_t attachment;         /* layer */
    int64_t layer_limit;        /* DS_MONEY_UNLIMITED when absent */
    int64_t participation_ppm;  /* in (0, DS_PPM] */
    int64_t aggregate_limit;    /* DS_MONEY_UNLIMITED when absent */
} ds_terms;

/* What is left of the limits in the current policy year; eroded by ds_terms_settle. */
typedef struct ds_terms_state {
    int64_t sublimit_left[DS_COV_COUNT];
    int64_t aggregate_left;
} ds_terms_state;

/* One occurrence's ground-up losses. outage_millihours applies to NPBI and CBI; a value <= 0
 * there means no outage duration was given and the loss is not prorated. */
typedef struct ds_occurrence {
    int64_t ground_up[DS_COV_COUNT];
    int64_t outage_millihours[DS_COV_COUNT];
} ds_occurrence;

typedef struct ds_settlement {
    int64_t prorated[DS_COV_COUNT]; /* g after the waiting period */
    int64_t retained[DS_COV_COUNT]; /* x_c */
    int64_t after_deductible;       /* y */
    int64_t layer_share;            /* z */
    int64_t paid;
    int64_t paid_by_coverage[DS_COV_COUNT];
} ds_settlement;

/* Terms that pay every covered loss in full: no coverage listed yet, no deductibles, no limits,
 * participation 1. */
void ds_terms_init(ds_terms *terms);

/* The state at the start of a policy year: full sublimits and aggregate limit. */
void ds_terms_state_init(ds_terms_state *state, const ds_terms *terms);

/* Checks the invariants the parser guarantees (non-negative amounts, participation range). */
int ds_terms_validate(const ds_terms *terms, ds_error *err);

/*
 * Settles one occurrence: fills out and erodes state. Losses on coverages not covered count as
 * zero. Ground-up amounts must be in [0, DS_MONEY_MAX] (DS_EINVAL naming the coverage
 * otherwise).
 */
int ds_terms_settle(ds_settlement *out, const ds_terms *terms, ds_terms_state *state,
                    const ds_occurrence *occurrence, ds_error *err);

/*
 * floor(a * b / c) for a, b >= 0 and c > 0, exact (128-bit intermediate); the remainder of the
 * division goes to *remainder when not NULL. The caller guarantees the quotient fits in int64.
 */
int64_t ds_muldiv_floor(int64_t a, int64_t b, int64_t c, int64_t *remainder);

/*
 * Splits total into n shares in proportion to weights (largest remainder method, Hamilton):
 * each share is floor(total * w_i / W), then the units left go one each to the largest
 * remainders, ties to the lower index. Shares add up to total exactly. All weights zero: all
 * shares zero (total must then be 0). weights >= 0, total >= 0.
 */
void ds_allocate_largest_remainder(int64_t *shares, const int64_t *weights, int n, int64_t total);

#endif
