/*
 * discretize.c: discretisation of the per-loss payment, the automatic span, the default tail
 * and the risk measures of a lattice distribution, shared by panjer.c and fft.c.
 *
 * Guarantees (derived in docs/exact-methods.md):
 *   - ds_disc_rounding gives the method-of-rounding probabilities exactly as defined in
 *     discretize.h, as differences of the payment's survival function, never negative, and
 *     reports the mass beyond the last point;
 *   - ds_disc_auto_span picks h so that the rounding error of every requested VaR, at most h/2
 *     plus O(h^2), is below DS_DISC_REL_ACCURACY of the smallest requested quantile, unless the
 *     point budget forces a larger h (the span used is always reported);
 *   - ds_disc_summarise sees the whole distribution: the mass beyond the lattice enters as one
 *     atom at its conditional mean, from the closed-form moments, so mean and TVaR do not
 *     depend on where the lattice was cut.
 * All functions are pure and thread-safe.
 */
#include "actuarial/discretize.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

#include "actuarial/risk.h"

/* Total tilt theta * n of the FFT passes: the wrapped-around mass is damped by e^-16 = 1e-7,
 * and round-off is amplified at most by e^(16/2) = 3e3 over the first half of the transform. */
#define DISC_COARSE_POINTS 4096
#define DISC_TILT_TOTAL 16.0

double ds_disc_payment_sf(const ds_sev *sev, const ds_agg_terms *terms, double y)
{
    if (y < 0)
        return 1.0;
    double c = terms->coinsurance;
    if (isfinite(terms->limit) && y >= c * terms->limit)
        return 0.0;
    return ds_sev_sf(sev, terms->deductible + y / c);
}

double ds_disc_payment_quantile(const ds_sev *sev, const ds_agg_terms *terms, double p)
{
    double x = ds_sev_quantile(sev, p) - terms->deductible;
    if (!(x > 0))
        x = 0;
    if (x > terms->limit)
        x = terms->limit;
    return terms->coinsurance * x;
}

double ds_disc_rounding(double *f, size_t start, size_t count, double h, const ds_sev *sev,
                        const ds_agg_terms *terms)
{
    /* Rounding (Loss Models, section 9.6.1): f_k = S_Y((k - 1/2) h) - S_Y((k + 1/2) h). */
    double above = start == 0 ? 1.0 : ds_disc_payment_sf(sev, terms, ((double)start - 0.5) * h);
    for (size_t i = 0; i < count; i++) {
        double next = ds_disc_payment_sf(sev, terms, ((double)(start + i) + 0.5) * h);
        double mass = above - next;
        f[i] = mass > 0 ? mass : 0.0;
        above = next;
    }
    return above;
}

double ds_disc_default_tail(const ds_agg_measures *m)
{
    /* VaR at p only needs the lattice to reach the p-quantile (mass beyond below 1 - p); the
       factor 0.01 leaves the reported cdf two orders of magnitude of room at the highest level,
       and the tail atom of ds_disc_summarise keeps mean and TVaR whole. */
    double smallest = 1.0;
    for (size_t i = 0; i < m->n_var; i++)
        smallest = fmin(smallest, 1 - m->var_p[i]);
    for (size_t i = 0; i < m->n_tvar; i++)
        smallest = fmin(smallest, 1 - m->tvar_p[i]);
    for (size_t i = 0; i < m->n_ep; i++)
        smallest = fmin(smallest, 1 / m->return_period[i]);
    return fmin(DS_DISC_TAIL_FACTOR * smallest, DS_DISC_TAIL_MAX);
}

int ds_disc_check_options(const ds_agg_options *opts, ds_error *err)
{
    if (!isfinite(opts->span) || opts->span < 0)
        return ds_error_set(err, DS_EINVAL, "span", "must be a positive number (got %g)",
                            opts->span);
    if (!isfinite(opts->tail) || opts->tail < 0 || opts->tail >= 1)
        return ds_error_set(err, DS_EINVAL, "tail", "must be in [0, 1) (got %g)", opts->tail);
    return DS_OK;
}

double ds_disc_log_pgf(const ds_freq *freq, double z)
{
    switch (freq->family) {
    case DS_FREQ_POISSON:
        return freq->lambda * (z - 1);
    case DS_FREQ_NEGBIN:
        /* (1 + beta (1 - z))^(-r), beta = mu / size (Loss Models, appendix B). */
        if (freq->mu == 0)
            return 0.0;
        return -freq->size * log1p(freq->mu / freq->size * (1 - z));
    case DS_FREQ_BINOMIAL: {
        double base = 1 - freq->p * (1 - z);
        if (freq->n == 0)
            return 0.0;
        return base > 0 ? (double)freq->n * log1p(-freq->p * (1 - z)) : -INFINITY;
    }
    }
    return NAN;
}

/* Smallest k with P(N <= k) >= p, by doubling then bisection on the cdf. */
static unsigned freq_quantile(const ds_freq *freq, double p)
{
    unsigned hi = 1;
    while (ds_freq_cdf(freq, hi) < p && hi < (1u << 30))
        hi *= 2;
    unsigned lo = 0;
    if (ds_freq_cdf(freq, 0) >= p)
        return 0;
    while (hi - lo > 1) { /* invariant: cdf(lo) < p <= cdf(hi) */
        unsigned mid = lo + (hi - lo) / 2;
        if (ds_freq_cdf(freq, mid) >= p)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/* Index of the first lattice point whose cdf reaches p; n when none does. */
static size_t lattice_quantile_index(const double *g, size_t n, double p)
{
    double cum = 0;
    for (size_t k = 0; k < n; k++) {
        cum += g[k];
        if (cum >= p)
            return k;
    }
    return n;
}

/* First point k with mass beyond k below tail (n when the lattice does not reach it). */
static size_t lattice_tail_index(const double *g, size_t n, double tail)
{
    double cum = 0;
    for (size_t k = 0; k < n; k++) {
        cum += g[k];
        if (1 - cum < tail)
            return k;
    }
    return n;
}

/* One coarse pass of span h over DISC_COARSE_POINTS points into g (work holds f). */
static int coarse_pass(double *g, const ds_agg_model *model, double h, ds_error *err)
{
    ds_disc_rounding(g, 0, DISC_COARSE_POINTS, h, &model->sev, &model->terms);
    return ds_fft_compound(g, g, DISC_COARSE_POINTS, &model->freq,
                           DISC_TILT_TOTAL / DISC_COARSE_POINTS, err);
}

/* Smallest positive quantile of S at the requested levels on the coarse lattice, in units of
 * its span; 0 when all of them are 0. */
static double smallest_requested_index(const double *g, const ds_agg_measures *m)
{
    double levels[2 * DS_AGG_MAX_LEVELS + DS_AGG_MAX_EP];
    size_t n_levels = 0;
    for (size_t i = 0; i < m->n_var; i++)
        levels[n_levels++] = m->var_p[i];
    for (size_t i = 0; i < m->n_tvar; i++)
        levels[n_levels++] = m->tvar_p[i];
    /* Return periods set the accuracy only when no VaR or TVaR is asked for: EP losses share
       the absolute bound h/2 (docs/exact-methods.md). */
    if (n_levels == 0) {
        for (size_t i = 0; i < m->n_ep; i++)
            levels[n_levels++] = 1 - 1 / m->return_period[i];
    }
    if (n_levels == 0)
        levels[n_levels++] = 0.99;
    double best = 0;
    for (size_t i = 0; i < n_levels; i++) {
        size_t k = lattice_quantile_index(g, DISC_COARSE_POINTS, levels[i]);
        if (k > 0 && (best == 0 || (double)k < best))
            best = (double)k;
    }
    return best;
}

int ds_disc_auto_span(double *h, size_t *n_est, const ds_agg_model *model, double tail,
                      size_t budget, ds_error *err)
{
    *h = 1.0;
    *n_est = 1;
    if (ds_freq_mean(&model->freq) == 0)
        return DS_OK; /* S = 0 almost surely: any span */

    /* A rigorous upper bound of the (1 - tail) quantile: with n_hi the (1 - tail/2) quantile
       of N and q the (1 - tail/(2 n_hi)) quantile of Y, P(S > n_hi q) <= P(N > n_hi) +
       n_hi P(Y > q) <= tail. */
    unsigned n_hi = freq_quantile(&model->freq, 1 - tail / 2);
    if (n_hi == 0)
        n_hi = 1;
    double q = ds_disc_payment_quantile(&model->sev, &model->terms,
                                        1 - tail / (2.0 * n_hi));
    double upper = n_hi * q;
    if (!(upper > 0))
        return DS_OK; /* Y = 0 almost surely */
    if (!isfinite(upper))
        return ds_error_set(err, DS_EINVAL, "span",
                            "cannot be chosen: the payment's quantile is not finite; give one");

    double *g = malloc(DISC_COARSE_POINTS * sizeof *g);
    if (!g)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory choosing the span");
    int rc;
    /* Pass 1 on the upper bound, pass 2 on the (1 - tail) quantile it finds: the range then
       takes half the coarse lattice, so each requested quantile is known to 1/2048 of it. */
    double range = upper;
    for (int pass = 0; pass < 2; pass++) {
        double hc = range / (DISC_COARSE_POINTS / 2);
        rc = coarse_pass(g, model, hc, err);
        if (rc)
            goto out;
        size_t k = lattice_tail_index(g, DISC_COARSE_POINTS / 2, tail);
        range = ((double)k + 1) * hc;
    }
    double hc = range / (DISC_COARSE_POINTS / 2);
    double q_index = smallest_requested_index(g, &model->measures);
    double q_ref = q_index * hc;
    if (q_index > 0 && q_index < 64) {
        /* The smallest quantile is far below the range: a third pass, on it alone (the
           tilt keeps the mass beyond this short lattice from wrapping around). */
        double hq = 64 * hc / (DISC_COARSE_POINTS / 2);
        rc = coarse_pass(g, model, hq, err);
        if (rc)
            goto out;
        double k = smallest_requested_index(g, &model->measures);
        if (k > 0)
            q_ref = k * hq;
    }

    double span = range / (double)budget;
    if (q_ref > 0)
        span = fmax(span, 2 * DS_DISC_REL_ACCURACY * q_ref);
    /* Put the atom of Y at c * l on a lattice point. */
    double top = model->terms.coinsurance * model->terms.limit;
    if (isfinite(top) && top > 0)
        span = top / ceil(top / span);
    *h = span;
    *n_est = (size_t)ceil(range / span) + 1;
    rc = DS_OK;
out:
    free(g);
    return rc;
}

/* Neumaier's compensated summation: *sum + *comp carries the sum to about one ulp. */
static void neumaier_add(double *sum, double *comp, double x)
{
    double t = *sum + x;
    if (fabs(*sum) >= fabs(x))
        *comp += (*sum - t) + x;
    else
        *comp += (x - t) + *sum;
    *sum = t;
}

void ds_disc_lattice_moments(double *m1, double *m2, const double *f, size_t n, double h,
                             const ds_sev *sev, const ds_agg_terms *terms)
{
    double s1 = 0, s2 = 0, c1 = 0, c2 = 0;
    for (size_t k = 1; k < n; k++) {
        double y = (double)k * h;
        neumaier_add(&s1, &c1, y * f[k]);
        neumaier_add(&s2, &c2, y * y * f[k]);
    }
    /* Beyond the last point: k = n carries n h S_Y((n-1/2)h), k > n the midpoint rule. */
    double u = (double)n * h, above = ds_disc_payment_sf(sev, terms, ((double)n - 0.5) * h);
    double c = terms->coinsurance, top = c * terms->limit;
    double tail1 = 0, tail2 = 0;
    if (above > 0) {
        tail1 = u * above;
        tail2 = u * u * above;
        if (!(u >= top)) {
            double ey, ey2, ly, ly2;
            ds_sev_layer_moments(sev, terms->deductible, terms->limit, c, &ey, &ey2);
            ds_sev_layer_moments(sev, terms->deductible, u / c, c, &ly, &ly2);
            tail1 += isfinite(ey) ? fmax(ey - ly, 0.0) : INFINITY;
            tail2 += isfinite(ey2) ? fmax(ey2 - ly2, 0.0) : INFINITY;
        }
    }
    *m1 = s1 + c1 + tail1;
    *m2 = s2 + c2 + tail2;
}

/* A = min(max(s - ad, 0), al). */
static double apply_aggregate_terms(const ds_agg_terms *t, double s)
{
    double a = s - t->aggregate_deductible;
    if (!(a > 0))
        return 0.0;
    return a < t->aggregate_limit ? a : t->aggregate_limit;
}

int ds_disc_summarise(ds_agg_result *out, const double *g, size_t n, double h, double tail_mass,
                      double y_m1, double y_m2, const ds_agg_model *model, ds_error *err)
{
    const ds_agg_terms *terms = &model->terms;
    const ds_agg_measures *m = &model->measures;
    double *values = malloc((n + 1) * sizeof *values);
    double *prob = malloc((n + 1) * sizeof *prob);
    if (!values || !prob) {
        free(values);
        free(prob);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %zu lattice points", n);
    }

    /* Neumaier-compensated sums of the lattice moments of S: the tail below is their
       difference from the closed form, so their rounding must stay near one ulp of E[S]. */
    double s_m1 = 0, s_m2 = 0, c_m1 = 0, c_m2 = 0, a_m1 = 0, a_m2 = 0, prob_zero = 0;
    for (size_t k = 0; k < n; k++) {
        double s = (double)k * h, a = apply_aggregate_terms(terms, s);
        double gk = g[k] > 0 ? g[k] : 0.0; /* FFT round-off can leave -1e-17 */
        values[k] = a;
        prob[k] = gk;
        neumaier_add(&s_m1, &c_m1, s * gk);
        neumaier_add(&s_m2, &c_m2, s * s * gk);
        a_m1 += a * gk;
        a_m2 += a * a * gk;
        if (a == 0)
            prob_zero += gk;
    }

    /* Moments of the whole lattice compound (Loss Models, section 9.3): E[S] = E[N] E[Y],
       Var S = E[N] Var Y + Var N E[Y]^2, with Y the discretised payment, so that the tail
       below is free of discretisation bias. */
    double en = ds_freq_mean(&model->freq), vn = ds_freq_variance(&model->freq);
    double es = en * y_m1, es2 = en * (y_m2 - y_m1 * y_m1) + vn * y_m1 * y_m1 + es * es;
    if (en == 0 || y_m1 == 0) {
        es = 0;
        es2 = 0;
    }
    s_m1 += c_m1;
    s_m2 += c_m2;

    /* The tail beyond the lattice, S > M with M = (n - 1/2) h, as one atom of A. */
    double edge = ((double)n - 0.5) * h;
    double ad = terms->aggregate_deductible, al = terms->aggregate_limit;
    size_t n_values = n;
    double risk_tail = 0;      /* mass handed to ds_risk_* at the last value */
    int infinite_mean = 0, infinite_second = 0;
    if (tail_mass > 0) {
        double t = tail_mass, atom = NAN, e1 = NAN, e2 = NAN;
        double tail_s1 = isfinite(es) ? fmax(es - s_m1, t * edge) : INFINITY;
        double tail_s2 = isfinite(es2) ? es2 - s_m2 : INFINITY;
        if (isfinite(tail_s1))
            tail_s2 = fmax(tail_s2, tail_s1 * tail_s1 / t); /* Jensen: E[S^2|tail] >= E[S|..]^2 */
        if (isfinite(al) && edge >= ad + al) {
            atom = al; /* exact: every tail year pays the aggregate limit */
            e1 = t * al;
            e2 = t * al * al;
        } else if (isfinite(tail_s1) && !isfinite(al) && edge >= ad) {
            /* exact: A = S - ad on the tail */
            e1 = tail_s1 - ad * t;
            e2 = isfinite(tail_s2) ? tail_s2 - 2 * ad * tail_s1 + ad * ad * t : INFINITY;
            atom = e1 / t;
        } else if (isfinite(tail_s1)) {
            /* approximation, error at most t * al: A at the tail's conditional mean */
            atom = apply_aggregate_terms(terms, tail_s1 / t);
            e1 = t * atom;
            e2 = t * atom * atom;
        } else if (isfinite(al)) {
            atom = al; /* E[S] infinite but A bounded: an upper bound, error at most t * al */
            e1 = t * al;
            e2 = t * al * al;
        }
        if (isnan(atom)) {
            infinite_mean = 1;
            risk_tail = t;
        } else {
            if (n > 0 && atom < values[n - 1])
                atom = values[n - 1];
            values[n] = atom;
            prob[n] = t;
            n_values = n + 1;
            a_m1 += e1;
            a_m2 += e2;
            if (!isfinite(e2))
                infinite_second = 1;
        }
    }

    out->mean = infinite_mean ? INFINITY : a_m1;
    out->sd = infinite_mean || infinite_second ? INFINITY
                                               : sqrt(fmax(a_m2 - a_m1 * a_m1, 0.0));
    out->mean_stderr = NAN;
    out->prob_zero = prob_zero;
    if (terms->aggregate_deductible == 0) {
        /* Rounding moves the payments in (0, h/2) to 0, so the lattice's P(S = 0) is too high
           by about E[N] F_Y(h/2). Without an aggregate deductible A = 0 exactly when every
           payment is 0, and that has a closed form: P(A = 0) = P_N(P(Y = 0)), with
           P(Y = 0) = F_X(deductible) (1 with a zero limit). */
        double p_y0 = terms->limit == 0 ? 1.0 : ds_sev_cdf(&model->sev, terms->deductible);
        out->prob_zero = creal(ds_freq_pgf(&model->freq, p_y0));
    }
    out->n_var = m->n_var;
    for (size_t i = 0; i < m->n_var; i++) {
        out->var[i].p = m->var_p[i];
        out->var[i].value = ds_risk_var(values, prob, n_values, risk_tail, m->var_p[i]);
    }
    out->n_tvar = m->n_tvar;
    for (size_t i = 0; i < m->n_tvar; i++) {
        out->tvar[i].p = m->tvar_p[i];
        out->tvar[i].value = infinite_mean ? INFINITY
                                           : ds_risk_tvar(values, prob, n_values, risk_tail,
                                                          m->tvar_p[i]);
    }
    out->n_ep = m->n_ep;
    for (size_t i = 0; i < m->n_ep; i++) {
        /* The loss exceeded once in T years on average: VaR at 1 - 1/T. */
        out->ep[i].return_period = m->return_period[i];
        out->ep[i].loss = ds_risk_var(values, prob, n_values, risk_tail,
                                      1 - 1 / m->return_period[i]);
    }
    free(values);
    free(prob);

    out->span = h;
    out->points = n;
    out->tail_mass = tail_mass;
    out->discretization = "rounding";
    double em, esd;
    out->has_exact = ds_agg_exact_moments(model, &em, &esd);
    out->exact_mean = out->has_exact ? em : NAN;
    out->exact_sd = out->has_exact ? esd : NAN;
    return DS_OK;
}

int ds_disc_plan(double *h, size_t *n_est, double *tail, const ds_agg_model *model,
                 const ds_agg_options *opts, size_t budget, size_t max_points, ds_error *err)
{
    int rc = ds_agg_model_validate(model, err);
    if (!rc)
        rc = ds_disc_check_options(opts, err);
    if (rc)
        return rc;
    *tail = opts->tail > 0 ? opts->tail : ds_disc_default_tail(&model->measures);
    rc = ds_disc_auto_span(h, n_est, model, *tail, budget, err);
    if (rc && opts->span == 0)
        return rc;
    if (opts->span > 0) {
        /* The automatic pass still tells how far the lattice must reach. */
        double range = rc ? 0 : (double)(*n_est - 1) * *h;
        *h = opts->span;
        *n_est = (size_t)fmin(ceil(range / *h) + 1, 4.0 * (double)max_points);
        ds_error_clear(err);
    }
    if (*n_est > max_points)
        return ds_error_set(err, DS_EINVAL, "span",
                            "%g is too small: about %zu points are needed to leave less than "
                            "the tail %g beyond them, more than the cap %zu; use a larger span",
                            *h, *n_est, *tail, max_points);
    return 0;
}

double ds_disc_elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}
