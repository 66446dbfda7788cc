/*
 * simulate.h: the pricing Monte Carlo. Simulates policy years of events (kind, records
 * compromised per grade, outage hours, ground-up loss per coverage) and settles every event
 * through the policy terms calculus (pricing/terms.h), the same code claims use. The model is
 * docs/rating-model.md, section 2.
 *
 * Common random numbers: several scenarios (the quote and its what-ifs) are simulated together.
 * Year i draws from its own generator seeded from (seed, i); its count comes from one uniform by
 * inversion, so a lower rate gives fewer events out of the same draws, and event j of year i is
 * the same draw in every scenario. A difference between scenarios is then the change's effect,
 * not noise. The output depends on the seed alone.
 *
 * Ownership: ds_sim_outcome owns its annual array; ds_sim_outcome_clear frees it.
 */
#ifndef DS_PRICING_SIMULATE_H
#define DS_PRICING_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"
#include "data/rating_plan.h"
#include "pricing/rating.h"
#include "pricing/terms.h"

typedef struct ds_sim_outcome {
    double *annual;                            /* paid per year, minor units, year order */
    uint64_t sims;
    double paid_by_coverage[DS_COV_COUNT];     /* summed over years, minor units */
    double ground_up_by_coverage[DS_COV_COUNT];
    uint64_t events;                           /* events simulated */
    uint64_t years_attaching;                  /* years in which the policy paid */
    uint64_t years_exhausting;                 /* years that used up the limit (see below) */
} ds_sim_outcome;

/*
 * Simulates sims years for each of n scenarios into outs[0..n-1]. "Exhausting" means the
 * aggregate limit was used up in the year; without an aggregate limit, an event paid the
 * whole layer limit. revenue in currency units. Errors: DS_ENOMEM, DS_EINVAL for a rate too
 * high to simulate (more than 10,000 events a year).
 */
int ds_simulate(ds_sim_outcome *outs, const ds_scenario *scenarios, size_t n,
                const ds_rating_plan *plan, const ds_terms *terms, double revenue, uint64_t sims,
                uint64_t seed, ds_error *err);

void ds_sim_outcome_clear(ds_sim_outcome *outcome);

#endif
