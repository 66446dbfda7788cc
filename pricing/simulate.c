/*
 * simulate.c: events, their ground-up losses per coverage and their settlement, year by year,
 * for several scenarios on common random numbers (see simulate.h, docs/rating-model.md).
 */
#include "pricing/simulate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#define MAX_EVENTS_PER_YEAR 10000
/* The count table stops where the mass left is below this: far below one year in 10^7. */
#define COUNT_TAIL 1e-15

/* One event's random draws. Every event of a kind consumes the same draws in every scenario,
 * whatever the scenario's records or controls, which keeps the scenarios' streams aligned. */
typedef struct event_draw {
    ds_incident_kind kind;
    double records_fraction;   /* F, before the records control */
    double outage_hours;       /* H, before the outage control */
    double z_breach;
    double u_fine, u_fine_amount;
    double u_contingent;
    double u_ransom, z_ransom;
    double u_fraud, z_fraud;
    double u_eno;
} event_draw;

/* splitmix64 (Steele, Lea, Flood 2014): a fast, well-mixed 64-bit hash for per-year seeds. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void draw_event(event_draw *d, const ds_rating_plan *plan, gsl_rng *rng)
{
    double u = gsl_rng_uniform(rng), cumulative = 0;
    d->kind = DS_KIND_LOSS;
    for (int k = 0; k < DS_KIND_COUNT; k++) {
        cumulative += plan->kind[k].share;
        if (u < cumulative) {
            d->kind = (ds_incident_kind)k;
            break;
        }
    }
    const ds_plan_kind *pk = &plan->kind[d->kind];
    d->records_fraction = 0;
    if (pk->has_records) {
        double a = pk->records_mean * pk->records_concentration;
        double b = (1 - pk->records_mean) * pk->records_concentration;
        d->records_fraction = gsl_ran_beta(rng, a, b);
    }
    d->outage_hours = 0;
    if (pk->has_outage)
        d->outage_hours =
            exp(pk->outage_meanlog + pk->outage_sdlog * gsl_ran_gaussian_ziggurat(rng, 1.0));
    d->z_breach = gsl_ran_gaussian_ziggurat(rng, 1.0);
    d->u_fine = gsl_rng_uniform(rng);
    d->u_fine_amount = gsl_rng_uniform(rng);
    d->u_contingent = gsl_rng_uniform(rng);
    d->u_ransom = gsl_rng_uniform(rng);
    d->z_ransom = gsl_ran_gaussian_ziggurat(rng, 1.0);
    d->u_fraud = gsl_rng_uniform(rng);
    d->z_fraud = gsl_ran_gaussian_ziggurat(rng, 1.0);
    d->u_eno = gsl_rng_uniform(rng);
}

/* Currency units to minor units, rounded to the nearest and capped at DS_MONEY_MAX (a
 * simulated tail value beyond 10^15 units is beyond any limit a policy can carry). */
static int64_t to_minor(double units)
{
    double minor = units * 100.0;
    if (!(minor > 0))
        return 0;
    if (minor >= (double)DS_MONEY_MAX)
        return DS_MONEY_MAX;
    return (int64_t)llround(minor);
}

/* Ground-up loss per coverage of one event in one scenario (docs/rating-model.md, 2). */
static void event_losses(ds_occurrence *occ, const event_draw *d, const ds_scenario *s,
                         const ds_rating_plan *plan, double revenue)
{
    memset(occ, 0, sizeof *occ);
    double fraction = d->records_fraction * s->effect[DS_EFFECT_RECORDS];
    double weighted = 0;
    int top_grade = -1;
    for (int g = 0; g < DS_GRADE_COUNT; g++) {
        double records = fraction * s->records[g];
        weighted += plan->grade_weight[g] * records;
        if (records >= 1)
            top_grade = g;
    }
    double hours = d->outage_hours * s->effect[DS_EFFECT_OUTAGE];

    /* Breach cost: a log-log regression of cost on records (Jacobs 2014). */
    if (weighted >= 1) {
        double cost = plan->breach_fx * exp(plan->breach_intercept +
                                            plan->breach_slope * log(weighted) +
                                            plan->breach_sdlog * d->z_breach);
        occ->ground_up[DS_COV_INRE] +=
            to_minor(cost * plan->split_inre * s->effect[DS_EFFECT_RESPONSE]);
        occ->ground_up[DS_COV_LIA] += to_minor(cost * plan->split_lia);
        occ->ground_up[DS_COV_DIAS] += to_minor(cost * plan->split_dias);
    }
    /* Regulatory fine by the highest grade compromised (Data Security Law, art. 45). */
    if (top_grade >= 0) {
        const ds_plan_fine *fine = &plan->fine[top_grade];
        if (d->u_fine < fine->probability)
            occ->ground_up[DS_COV_REG] +=
                to_minor(fine->min + d->u_fine_amount * (fine->max - fine->min));
    }
    /* Business interruption: lost gross profit and extra expense for the outage hours. */
    double bi = 0;
    if (hours > 0) {
        bi = revenue / 8760.0 * hours * (plan->bi_gross_margin + plan->bi_extra_expense);
        int contingent = d->kind == DS_KIND_OUTAGE && d->u_contingent < plan->bi_contingent_share;
        ds_coverage c = contingent ? DS_COV_CBI : DS_COV_NPBI;
        occ->ground_up[c] += to_minor(bi);
        occ->outage_millihours[c] = (int64_t)llround(fmin(hours, 1e9) * 1000.0);
        occ->ground_up[DS_COV_DIAS] += to_minor(plan->restoration_per_hour * hours);
    }
    if (d->kind == DS_KIND_RANSOMWARE &&
        d->u_ransom < plan->ext_pay_probability * s->effect[DS_EFFECT_EXTORTION])
        occ->ground_up[DS_COV_EXT] +=
            to_minor(revenue * plan->ext_demand_share * exp(plan->ext_sdlog * d->z_ransom));
    if (d->kind == DS_KIND_MISUSE && d->u_fraud < plan->fraud_probability)
        occ->ground_up[DS_COV_FIN] +=
            to_minor(exp(plan->fraud_meanlog + plan->fraud_sdlog * d->z_fraud));
    if ((d->kind == DS_KIND_OUTAGE || d->kind == DS_KIND_RANSOMWARE) && bi > 0 &&
        d->u_eno < plan->eno_probability)
        occ->ground_up[DS_COV_ENO] += to_minor(plan->eno_share_of_bi * bi);
    for (int c = 0; c < DS_COV_COUNT; c++) {
        if (occ->ground_up[c] > DS_MONEY_MAX)
            occ->ground_up[c] = DS_MONEY_MAX;
    }
}

/* Cumulative probabilities of the annual count (negbin predictive, or Poisson when the size is
 * infinite), up to where the tail is below COUNT_TAIL. */
static int count_table(double **out, size_t *n, const ds_scenario *s, ds_error *err)
{
    size_t cap = 64, len = 0;
    double *cdf = malloc(cap * sizeof *cdf);
    if (!cdf)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    double lambda = s->rate, r = s->count_size;
    int poisson = !isfinite(r);
    double pmf = poisson ? exp(-lambda) : exp(r * log(r / (r + lambda)));
    double total = 0;
    for (unsigned k = 0;; k++) {
        if (k > MAX_EVENTS_PER_YEAR) {
            free(cdf);
            return ds_error_set(err, DS_EINVAL, "frequency",
                                "rate %.6g is too high to simulate", lambda);
        }
        if (len == cap) {
            double *bigger = realloc(cdf, 2 * cap * sizeof *cdf);
            if (!bigger) {
                free(cdf);
                return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            }
            cdf = bigger;
            cap *= 2;
        }
        total += pmf;
        cdf[len++] = total;
        if (1 - total < COUNT_TAIL && k >= lambda)
            break;
        /* P(k+1) / P(k): lambda/(k+1) for Poisson, (r+k)/(k+1) * lambda/(r+lambda) for negbin */
        pmf *= poisson ? lambda / (k + 1) : (r + k) / (k + 1) * lambda / (r + lambda);
    }
    *out = cdf;
    *n = len;
    return 0;
}

static unsigned count_of(const double *cdf, size_t n, double u)
{
    for (size_t k = 0; k < n; k++) {
        if (u < cdf[k])
            return (unsigned)k;
    }
    return (unsigned)n; /* u in the last 10^-15 of mass */
}

void ds_sim_outcome_clear(ds_sim_outcome *outcome)
{
    if (!outcome)
        return;
    free(outcome->annual);
    memset(outcome, 0, sizeof *outcome);
}

int ds_simulate(ds_sim_outcome *outs, const ds_scenario *scenarios, size_t n,
                const ds_rating_plan *plan, const ds_terms *terms, double revenue, uint64_t sims,
                uint64_t seed, ds_error *err)
{
    int rc = 0;
    double **cdf = calloc(n, sizeof *cdf);
    size_t *cdf_len = calloc(n, sizeof *cdf_len);
    unsigned *counts = calloc(n, sizeof *counts);
    ds_terms_state *states = calloc(n, sizeof *states);
    size_t draws_cap = 64;
    event_draw *draws = malloc(draws_cap * sizeof *draws);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
    memset(outs, 0, n * sizeof *outs);
    if (!cdf || !cdf_len || !counts || !states || !draws || !rng) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t s = 0; s < n; s++) {
        outs[s].sims = sims;
        outs[s].annual = malloc(sims * sizeof *outs[s].annual);
        if (!outs[s].annual) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %llu years",
                              (unsigned long long)sims);
            goto out;
        }
        if ((rc = count_table(&cdf[s], &cdf_len[s], &scenarios[s], err)))
            goto out;
    }
    int has_aggregate = terms->aggregate_limit != DS_MONEY_UNLIMITED;
    int64_t full_layer = terms->layer_limit == DS_MONEY_UNLIMITED
                             ? -1
                             : ds_muldiv_floor(terms->layer_limit, terms->participation_ppm,
                                               DS_PPM, NULL);
    for (uint64_t year = 0; year < sims; year++) {
        /* Taus2 seeds in a few operations, so a generator per year is cheap. */
        gsl_rng_set(rng, (unsigned long)mix64(seed ^ mix64(year)));
        double u_count = gsl_rng_uniform(rng);
        unsigned most = 0;
        for (size_t s = 0; s < n; s++) {
            counts[s] = count_of(cdf[s], cdf_len[s], u_count);
            if (counts[s] > most)
                most = counts[s];
            ds_terms_state_init(&states[s], terms);
        }
        if (most > draws_cap) {
            event_draw *bigger = realloc(draws, (size_t)most * sizeof *draws);
            if (!bigger) {
                rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
                goto out;
            }
            draws = bigger;
            draws_cap = most;
        }
        for (unsigned j = 0; j < most; j++)
            draw_event(&draws[j], plan, rng);
        for (size_t s = 0; s < n; s++) {
            ds_sim_outcome *o = &outs[s];
            double paid = 0;
            int exhausted = 0;
            for (unsigned j = 0; j < counts[s]; j++) {
                ds_occurrence occ;
                ds_settlement settled;
                event_losses(&occ, &draws[j], &scenarios[s], plan, revenue);
                if ((rc = ds_terms_settle(&settled, terms, &states[s], &occ, err)))
                    goto out;
                paid += (double)settled.paid;
                for (int c = 0; c < DS_COV_COUNT; c++) {
                    o->paid_by_coverage[c] += (double)settled.paid_by_coverage[c];
                    o->ground_up_by_coverage[c] += (double)occ.ground_up[c];
                }
                if (full_layer >= 0 && settled.layer_share >= full_layer && full_layer > 0)
                    exhausted = 1;
            }
            o->events += counts[s];
            o->annual[year] = paid;
            o->years_attaching += paid > 0;
            if (has_aggregate)
                exhausted = states[s].aggregate_left == 0;
            o->years_exhausting += exhausted;
        }
    }
out:
    if (rc) {
        for (size_t s = 0; s < n; s++)
            ds_sim_outcome_clear(&outs[s]);
    }
    for (size_t s = 0; cdf && s < n; s++)
        free(cdf[s]);
    free(cdf);
    free(cdf_len);
    free(counts);
    free(states);
    free(draws);
    gsl_rng_free(rng);
    return rc;
}
