/*
 * rating.h: from a platform's profile to the parameters of its loss simulation, with every
 * multiplier recorded so a quote can explain itself (docs/rating-model.md, section 1).
 *
 *   class rate  = base_rate(industry) * size_factor * dsmm_factor * control_factor(frequency)
 *   control_factor(e) = max(floor_e, prod over present controls of (1 - credit[c][e]))
 *   experience  : prior Gamma(alpha, beta = alpha / class rate); n incidents in t years give
 *                 rate = (alpha + n) / (beta + t) = Z n/t + (1 - Z) class rate, Z = t/(t + beta)
 *   annual count: the posterior predictive, negbin(size = alpha + n, mu = rate)
 *
 * Pure functions on caller-owned structs; thread-safe.
 */
#ifndef DS_PRICING_RATING_H
#define DS_PRICING_RATING_H

#include <stddef.h>

#include "actuarial/error.h"
#include "data/rating_plan.h"
#include "pricing/grading.h"

/* What one simulation needs to know about the insured. */
typedef struct ds_scenario {
    double rate;                       /* expected events a year (credibility-weighted) */
    double count_size;                 /* negbin size of the predictive; INFINITY: Poisson */
    double records[DS_GRADE_COUNT];    /* records held per grade */
    double effect[DS_EFFECT_COUNT];    /* control multipliers (frequency already in rate) */
} ds_scenario;

/* The inputs of a scenario: what the platform is and does. */
typedef struct ds_rating_inputs {
    const char *industry;              /* GB/T 4754 code or "" */
    double revenue;
    int dsmm_level;                    /* 1..5 */
    int has_control[DS_CONTROL_COUNT];
    double records[DS_GRADE_COUNT];
    size_t n_incidents;
    double history_years;              /* 0: no experience */
} ds_rating_inputs;

/* Every multiplier, for the quote's "factors". */
typedef struct ds_rating_factors {
    double base_rate;
    const char *base_rate_key;         /* "C36", "C" or "default" (borrowed from the plan) */
    double size_factor;
    double size_ratio;                 /* revenue / reference revenue */
    double dsmm_factor;
    double control_factor[DS_EFFECT_COUNT];
    double control_product[DS_EFFECT_COUNT]; /* before the floor */
    double class_rate;
    double prior_alpha, prior_beta;
    double credibility;                /* Z */
    double rate;
} ds_rating_factors;

/* Builds the scenario and its factors. plan must be validated (ds_rating_plan_parse). */
void ds_rating_build(ds_scenario *out, ds_rating_factors *factors, const ds_rating_plan *plan,
                     const ds_rating_inputs *in);

#endif
