/*
 * rating.c: frequency build-up, experience credibility and control effects (see rating.h).
 */
#include "pricing/rating.h"

#include <math.h>

void ds_rating_build(ds_scenario *out, ds_rating_factors *f, const ds_rating_plan *plan,
                     const ds_rating_inputs *in)
{
    f->base_rate = ds_rating_plan_base_rate(plan, in->industry, &f->base_rate_key);
    f->size_ratio = in->revenue / plan->reference_revenue;
    f->size_factor = pow(f->size_ratio, plan->size_elasticity);
    f->size_factor = fmin(plan->size_max_factor, fmax(plan->size_min_factor, f->size_factor));
    f->dsmm_factor = plan->dsmm[in->dsmm_level - 1];
    for (int e = 0; e < DS_EFFECT_COUNT; e++) {
        double product = 1;
        for (int c = 0; c < DS_CONTROL_COUNT; c++) {
            if (in->has_control[c])
                product *= 1 - plan->credit[c][e];
        }
        f->control_product[e] = product;
        f->control_factor[e] = fmax(plan->control_floor[e], product);
    }
    f->class_rate = f->base_rate * f->size_factor * f->dsmm_factor *
                    f->control_factor[DS_EFFECT_FREQUENCY];

    /* Poisson-gamma credibility (Loss Models, section 18.3): the prior's mean is the class
     * rate and its shape the plan's prior_shape, i.e. the class counts as prior_shape
     * incidents' worth of evidence. */
    f->prior_alpha = plan->prior_shape;
    if (f->class_rate > 0) {
        f->prior_beta = f->prior_alpha / f->class_rate;
        double t = in->history_years;
        f->credibility = t / (t + f->prior_beta);
        f->rate = (f->prior_alpha + (double)in->n_incidents) / (f->prior_beta + t);
        out->count_size = f->prior_alpha + (double)in->n_incidents;
    } else {
        /* A class that never has incidents stays at zero whatever the history. */
        f->prior_beta = INFINITY;
        f->credibility = 0;
        f->rate = 0;
        out->count_size = INFINITY;
    }
    out->rate = f->rate;
    for (int g = 0; g < DS_GRADE_COUNT; g++)
        out->records[g] = in->records[g];
    for (int e = 0; e < DS_EFFECT_COUNT; e++)
        out->effect[e] = f->control_factor[e];
}
