/*
 * frequency.c: claim-count distributions (Poisson, negative binomial, binomial).
 *
 * Parameterisation as DESIGN.md section 3 and frequency.h:
 *   poisson{lambda}     P(N=k) = e^-lambda lambda^k / k!
 *   negbin{size, mu}    R's dnbinom(size=, mu=): GSL's negative binomial with
 *                       p = size/(size+mu), n = size; mean mu, variance mu + mu^2/size
 *   binomial{n, p}
 * pmf and cdf come from GSL (gsl_ran_*_pdf, gsl_cdf_*_P); the log pmf is computed from
 * log-gamma so that it stays finite far in the tail where the pmf underflows. Degenerate
 * parameters (lambda = 0, mu = 0, p = 0 or 1) are handled here, because GSL's formulas meet
 * 0 * log(0) there.
 *
 * Edge case of the Panjer (a, b): binomial with p = 1 is the point mass at n, which is not in
 * the (a, b, 0) class (a = -p/(1-p) has no finite value); ds_freq_panjer_ab returns
 * a = b = NAN for it and callers must treat N = n as certain. negbin with mu = 0 and poisson
 * with lambda = 0 give a = b = 0 (the point mass at 0, P(N=0) = 1).
 *
 * Everything is pure and thread-safe; the sampler draws only from the caller's generator.
 */
#include "actuarial/frequency.h"
#include "actuarial/name_table.h"

#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

static const char *const family_names[] = {"poisson", "negbin", "binomial"};
#define N_FAMILIES (sizeof family_names / sizeof family_names[0])

const char *ds_freq_family_name(ds_freq_family family)
{
    return ds_name_table_name(family_names, N_FAMILIES, (int)family);
}

int ds_freq_family_from_name(const char *name)
{
    return ds_name_table_find(family_names, N_FAMILIES, name);
}

int ds_freq_validate(const ds_freq *f, const char *path, ds_error *err)
{
    char field[DS_PATH_MAX];
    if (!f)
        return ds_error_set(err, DS_EINVAL, path, "missing frequency");
    switch (f->family) {
    case DS_FREQ_POISSON:
        if (!isfinite(f->lambda))
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "lambda"),
                                "must be a finite number");
        if (f->lambda < 0)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "lambda"),
                                "must be non-negative");
        return DS_OK;
    case DS_FREQ_NEGBIN:
        if (isnan(f->size) || f->size <= 0)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "size"),
                                "must be positive");
        if (isinf(f->size))
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "size"),
                                "must be finite");
        if (!isfinite(f->mu))
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "mu"),
                                "must be a finite number");
        if (f->mu < 0)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "mu"),
                                "must be non-negative");
        return DS_OK;
    case DS_FREQ_BINOMIAL:
        if (!(f->p >= 0 && f->p <= 1))
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "p"),
                                "must be in [0, 1]");
        return DS_OK;
    }
    return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "dist"),
                        "unknown distribution");
}

/* GSL's p of the negative binomial, size/(size+mu), the probability of a "success". */
static double negbin_p(const ds_freq *f)
{
    return f->size / (f->size + f->mu);
}

double ds_freq_log_pmf(const ds_freq *f, unsigned k)
{
    double kd = (double)k;
    switch (f->family) {
    case DS_FREQ_POISSON:
        if (f->lambda == 0)
            return k == 0 ? 0.0 : -INFINITY;
        return kd * log(f->lambda) - f->lambda - gsl_sf_lnfact(k);
    case DS_FREQ_NEGBIN: {
        if (f->mu == 0)
            return k == 0 ? 0.0 : -INFINITY;
        /* log C(k+size-1, k) + size log p + k log(1-p), p = size/(size+mu);
           size log p = -size log1p(mu/size) keeps precision when mu << size. */
        double log_coef = gsl_sf_lngamma(kd + f->size) - gsl_sf_lngamma(f->size)
                          - gsl_sf_lnfact(k);
        double log_q = log(f->mu / (f->size + f->mu));
        return log_coef - f->size * log1p(f->mu / f->size) + (k ? kd * log_q : 0.0);
    }
    case DS_FREQ_BINOMIAL: {
        if (k > f->n)
            return -INFINITY;
        if (f->p == 0)
            return k == 0 ? 0.0 : -INFINITY;
        if (f->p == 1)
            return k == f->n ? 0.0 : -INFINITY;
        return gsl_sf_lnchoose(f->n, k) + kd * log(f->p) + (double)(f->n - k) * log1p(-f->p);
    }
    }
    return NAN;
}

double ds_freq_pmf(const ds_freq *f, unsigned k)
{
    switch (f->family) {
    case DS_FREQ_POISSON:
        if (f->lambda == 0)
            return k == 0 ? 1.0 : 0.0;
        return gsl_ran_poisson_pdf(k, f->lambda);
    case DS_FREQ_NEGBIN:
        if (f->mu == 0)
            return k == 0 ? 1.0 : 0.0;
        return gsl_ran_negative_binomial_pdf(k, negbin_p(f), f->size);
    case DS_FREQ_BINOMIAL:
        if (k > f->n)
            return 0.0;
        if (f->p == 0)
            return k == 0 ? 1.0 : 0.0;
        if (f->p == 1)
            return k == f->n ? 1.0 : 0.0;
        return gsl_ran_binomial_pdf(k, f->p, f->n);
    }
    return NAN;
}

double ds_freq_cdf(const ds_freq *f, unsigned k)
{
    switch (f->family) {
    case DS_FREQ_POISSON:
        if (f->lambda == 0)
            return 1.0;
        return gsl_cdf_poisson_P(k, f->lambda);
    case DS_FREQ_NEGBIN:
        if (f->mu == 0)
            return 1.0;
        return gsl_cdf_negative_binomial_P(k, negbin_p(f), f->size);
    case DS_FREQ_BINOMIAL:
        if (k >= f->n)
            return 1.0;
        if (f->p == 0)
            return 1.0;
        if (f->p == 1)
            return 0.0;
        return gsl_cdf_binomial_P(k, f->p, f->n);
    }
    return NAN;
}

double ds_freq_mean(const ds_freq *f)
{
    switch (f->family) {
    case DS_FREQ_POISSON: return f->lambda;
    case DS_FREQ_NEGBIN: return f->mu;
    case DS_FREQ_BINOMIAL: return (double)f->n * f->p;
    }
    return NAN;
}

double ds_freq_variance(const ds_freq *f)
{
    switch (f->family) {
    case DS_FREQ_POISSON: return f->lambda;
    case DS_FREQ_NEGBIN: return f->mu + f->mu * f->mu / f->size;
    case DS_FREQ_BINOMIAL: return (double)f->n * f->p * (1 - f->p);
    }
    return NAN;
}

/* Klugman, Panjer and Willmot, Loss Models, table 6.1 (the (a, b, 0) class). */
void ds_freq_panjer_ab(const ds_freq *f, double *a, double *b)
{
    double pa = NAN, pb = NAN;
    switch (f->family) {
    case DS_FREQ_POISSON:
        pa = 0;
        pb = f->lambda;
        break;
    case DS_FREQ_NEGBIN:
        /* beta = mu/size, a = beta/(1+beta) = mu/(size+mu), b = (r-1) a */
        pa = f->mu / (f->size + f->mu);
        pb = (f->size - 1) * pa;
        break;
    case DS_FREQ_BINOMIAL:
        /* q = p: a = -q/(1-q), b = (m+1) q/(1-q); q = 1 has no (a, b): NAN (see top). */
        if (f->p < 1) {
            pa = -f->p / (1 - f->p);
            pb = ((double)f->n + 1) * f->p / (1 - f->p);
        }
        break;
    }
    if (a)
        *a = pa;
    if (b)
        *b = pb;
}

/* w^n by binary powering: exact exponent, no branch cut, and w = 0 gives 0 (or 1 for n = 0). */
static double complex cpow_uint(double complex w, unsigned n)
{
    double complex result = 1.0;
    while (n) {
        if (n & 1u)
            result *= w;
        n >>= 1;
        if (n)
            w *= w;
    }
    return result;
}

double complex ds_freq_pgf(const ds_freq *f, double complex z)
{
    switch (f->family) {
    case DS_FREQ_POISSON:
        return cexp(f->lambda * (z - 1));
    case DS_FREQ_NEGBIN:
        if (f->mu == 0)
            return 1.0;
        /* (1 - beta (z - 1))^(-r), beta = mu/size (Loss Models, appendix B); for |z| <= 1 the
           base has real part >= 1, so the principal branch of cpow is the right one. */
        return cpow(1 - (f->mu / f->size) * (z - 1), -f->size);
    case DS_FREQ_BINOMIAL:
        /* (1 + p (z - 1))^n with an integer n: binary powering rather than cpow, which would
           go through clog and fail at the zero of the base. */
        return cpow_uint(1 + f->p * (z - 1), f->n);
    }
    return NAN;
}

unsigned ds_freq_sample(const ds_freq *f, gsl_rng *rng)
{
    switch (f->family) {
    case DS_FREQ_POISSON:
        if (f->lambda == 0)
            return 0;
        return gsl_ran_poisson(rng, f->lambda);
    case DS_FREQ_NEGBIN:
        if (f->mu == 0)
            return 0;
        return gsl_ran_negative_binomial(rng, negbin_p(f), f->size);
    case DS_FREQ_BINOMIAL:
        if (f->p == 0 || f->n == 0)
            return 0;
        if (f->p == 1)
            return f->n;
        return gsl_ran_binomial(rng, f->p, f->n);
    }
    return 0;
}
