/*
 * poisson_lognormal.h: the reference aggregate model of the actuarial tests and of
 * bench_aggregate (included, not compiled alone; header-only, static): frequency Poisson with
 * lambda = 3, severity lognormal with meanlog = 10 and sdlog = 1.5, no deductible or limit, the
 * default risk measures. Callers change what their case needs after filling it.
 */
#ifndef DS_TESTS_LIB_POISSON_LOGNORMAL_H
#define DS_TESTS_LIB_POISSON_LOGNORMAL_H

#include <string.h>

#include "actuarial/aggregate.h"

static void ds_test_poisson_lognormal(ds_agg_model *m)
{
    memset(m, 0, sizeof *m);
    m->freq.family = DS_FREQ_POISSON;
    m->freq.lambda = 3;
    m->sev.family = DS_SEV_LOGNORMAL;
    m->sev.u.lognormal.meanlog = 10;
    m->sev.u.lognormal.sdlog = 1.5;
    ds_agg_terms_none(&m->terms);
    ds_agg_measures_default(&m->measures);
}

#endif
