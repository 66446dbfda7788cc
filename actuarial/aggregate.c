/*
 * aggregate.c: the parts of the aggregate loss model every method shares (see aggregate.h):
 * defaults, validation with field-named messages, the closed-form moments and the dispatch of
 * ds_agg_run to Monte Carlo (montecarlo.c), Panjer (panjer.c) or FFT (fft.c).
 *
 * Exact moments. For one loss the payment Y = c min(max(X - d, 0), l) has E[Y] and E[Y^2] from
 * the limited moments of X (ds_sev_layer_moments). The annual sum S = Y_1 + ... + Y_N of a
 * compound distribution then has (Klugman, Panjer, Willmot, Loss Models, section 9.3)
 *     E[S]   = E[N] E[Y]
 *     Var(S) = E[N] Var(Y) + Var(N) E[Y]^2.
 * Aggregate terms cut S non-linearly, so no closed form is claimed when they are present.
 *
 * The EP curve's return periods: the ten standard ones always, and for ep_points N > 10 another
 * N - 10 spaced geometrically from 1.5 to 10000 years inclusive (docs/aggregate.md).
 */
#include "actuarial/aggregate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double standard_return_periods[DS_AGG_N_STANDARD_EP] = {2,   5,   10,  25,  50,
                                                                     100, 200, 250, 500, 1000};

void ds_agg_measures_default(ds_agg_measures *m)
{
    memset(m, 0, sizeof *m);
    m->n_var = 3;
    m->var_p[0] = 0.95;
    m->var_p[1] = 0.99;
    m->var_p[2] = 0.995;
    m->n_tvar = 1;
    m->tvar_p[0] = 0.99;
    m->n_ep = DS_AGG_N_STANDARD_EP;
    memcpy(m->return_period, standard_return_periods, sizeof standard_return_periods);
}

void ds_agg_terms_none(ds_agg_terms *t)
{
    t->deductible = 0.0;
    t->limit = INFINITY;
    t->coinsurance = 1.0;
    t->aggregate_deductible = 0.0;
    t->aggregate_limit = INFINITY;
}

void ds_agg_options_default(ds_agg_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = DS_AGG_MC;
    o->sims = DS_AGG_DEFAULT_SIMS;
    o->seed = 1;
    o->threads = 0;
    o->span = 0.0;
    o->tail = 0.0; /* the exact methods pick a tail from the measures */
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int ds_agg_measures_set_ep_points(ds_agg_measures *m, unsigned ep_points)
{
    if (ep_points > DS_AGG_MAX_EP)
        return DS_EINVAL;
    double periods[DS_AGG_MAX_EP];
    size_t n = 0;
    for (size_t i = 0; i < DS_AGG_N_STANDARD_EP; i++)
        periods[n++] = standard_return_periods[i];
    if (ep_points > DS_AGG_N_STANDARD_EP) {
        unsigned extra = ep_points - DS_AGG_N_STANDARD_EP;
        for (unsigned i = 0; i < extra; i++) {
            /* 1.5 * (10000/1.5)^(i/(extra-1)); a single extra point is the far end, 10000. */
            double frac = extra == 1 ? 1.0 : (double)i / (double)(extra - 1);
            double t = DS_AGG_EP_MIN * pow(DS_AGG_EP_MAX / DS_AGG_EP_MIN, frac);
            if (i == extra - 1)
                t = DS_AGG_EP_MAX; /* exactly, not pow's rounding of it */
            int is_duplicate = 0;
            for (size_t k = 0; k < DS_AGG_N_STANDARD_EP; k++) {
                if (fabs(t - standard_return_periods[k]) <= 1e-9 * t)
                    is_duplicate = 1;
            }
            if (!is_duplicate)
                periods[n++] = t;
        }
    }
    qsort(periods, n, sizeof periods[0], compare_double);
    m->n_ep = n;
    memcpy(m->return_period, periods, n * sizeof periods[0]);
    return 0;
}

static int level_in_unit_interval(double p)
{
    return p > 0.0 && p < 1.0;
}

static int validate_terms(const ds_agg_terms *t, ds_error *err)
{
    if (!(t->deductible >= 0.0) || !isfinite(t->deductible))
        return ds_error_set(err, DS_EINVAL, "terms.deductible", "must be a non-negative number");
    if (!(t->limit > 0.0))
        return ds_error_set(err, DS_EINVAL, "terms.limit", "must be positive (null: no limit)");
    if (!(t->coinsurance > 0.0 && t->coinsurance <= 1.0))
        return ds_error_set(err, DS_EINVAL, "terms.coinsurance", "must be in (0, 1]");
    if (!(t->aggregate_deductible >= 0.0) || !isfinite(t->aggregate_deductible))
        return ds_error_set(err, DS_EINVAL, "terms.aggregate_deductible",
                            "must be a non-negative number");
    if (!(t->aggregate_limit > 0.0))
        return ds_error_set(err, DS_EINVAL, "terms.aggregate_limit",
                            "must be positive (null: no limit)");
    return 0;
}

static int validate_levels(const double *p, size_t n, const char *path, ds_error *err)
{
    char field[DS_PATH_MAX];
    if (n > DS_AGG_MAX_LEVELS)
        return ds_error_set(err, DS_EINVAL, path, "at most %d levels", DS_AGG_MAX_LEVELS);
    for (size_t i = 0; i < n; i++) {
        if (!level_in_unit_interval(p[i]))
            return ds_error_set(err, DS_EINVAL, ds_path_index(field, sizeof field, path, i),
                                "must be in (0, 1)");
    }
    return 0;
}

static int validate_measures(const ds_agg_measures *m, ds_error *err)
{
    int rc = validate_levels(m->var_p, m->n_var, "measures.var", err);
    if (rc)
        return rc;
    rc = validate_levels(m->tvar_p, m->n_tvar, "measures.tvar", err);
    if (rc)
        return rc;
    if (m->n_ep > DS_AGG_MAX_EP)
        return ds_error_set(err, DS_EINVAL, "measures.ep_points", "at most %d points",
                            DS_AGG_MAX_EP);
    for (size_t i = 0; i < m->n_ep; i++) {
        double t = m->return_period[i];
        if (!(t > 1.0) || !isfinite(t) || (i > 0 && !(t > m->return_period[i - 1])))
            return ds_error_set(err, DS_EINVAL, "measures.ep_points",
                                "return periods must be finite, above 1 and ascending");
    }
    return 0;
}

int ds_agg_model_validate(const ds_agg_model *model, ds_error *err)
{
    int rc = ds_freq_validate(&model->freq, "frequency", err);
    if (rc)
        return rc;
    rc = ds_sev_validate(&model->sev, "severity", err);
    if (rc)
        return rc;
    rc = validate_terms(&model->terms, err);
    if (rc)
        return rc;
    return validate_measures(&model->measures, err);
}

void ds_agg_model_clear(ds_agg_model *model)
{
    if (!model)
        return;
    ds_sev_clear(&model->sev);
}

int ds_agg_terms_has_loss_terms(const ds_agg_terms *t)
{
    return t->deductible != 0.0 || t->limit != INFINITY || t->coinsurance != 1.0;
}

int ds_agg_terms_has_aggregate_terms(const ds_agg_terms *t)
{
    return t->aggregate_deductible != 0.0 || t->aggregate_limit != INFINITY;
}

int ds_agg_exact_moments(const ds_agg_model *model, double *mean, double *sd)
{
    const ds_agg_terms *t = &model->terms;
    if (ds_agg_terms_has_aggregate_terms(t))
        return 0;
    double ey, ey2;
    ds_sev_layer_moments(&model->sev, t->deductible, t->limit, t->coinsurance, &ey, &ey2);
    double en = ds_freq_mean(&model->freq), vn = ds_freq_variance(&model->freq);
    if (!isfinite(ey) || !isfinite(en))
        return 0;
    *mean = en * ey;
    if (!isfinite(ey2) || !isfinite(vn)) {
        *sd = INFINITY;
        return 1;
    }
    /* Var(Y) = E[Y^2] - E[Y]^2 can only go negative by rounding (a degenerate payment). */
    double var_y = ey2 - ey * ey;
    if (var_y < 0.0)
        var_y = 0.0;
    double var_s = en * var_y + vn * ey * ey;
    *sd = sqrt(var_s > 0.0 ? var_s : 0.0);
    return 1;
}

void ds_agg_result_set_exact(ds_agg_result *out, const ds_agg_model *model)
{
    out->has_exact = ds_agg_exact_moments(model, &out->exact_mean, &out->exact_sd);
    if (!out->has_exact) {
        out->exact_mean = NAN;
        out->exact_sd = NAN;
    }
}

int ds_agg_run(ds_agg_result *out, const ds_agg_model *model, const ds_agg_options *opts,
               ds_error *err)
{
    switch (opts->method) {
    case DS_AGG_MC: return ds_agg_simulate(out, model, opts, err);
    case DS_AGG_PANJER: return ds_agg_panjer(out, model, opts, err);
    case DS_AGG_FFT: return ds_agg_fft(out, model, opts, err);
    }
    return ds_error_set(err, DS_EINVAL, "method", "unknown method %d", (int)opts->method);
}

const char *ds_agg_method_name(ds_agg_method method)
{
    switch (method) {
    case DS_AGG_MC: return "mc";
    case DS_AGG_PANJER: return "panjer";
    case DS_AGG_FFT: return "fft";
    }
    return "unknown";
}

int ds_agg_method_from_name(const char *name)
{
    if (strcmp(name, "mc") == 0)
        return DS_AGG_MC;
    if (strcmp(name, "panjer") == 0)
        return DS_AGG_PANJER;
    if (strcmp(name, "fft") == 0)
        return DS_AGG_FFT;
    return -1;
}
