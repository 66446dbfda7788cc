/*
 * fit.c: maximum-likelihood estimation of severity and frequency models (see fit.h).
 *
 * How each likelihood is maximised, and why:
 *   - every objective is the exact (truncated) log-likelihood written with sufficient statistics
 *     (sum x, sum log x, ...) where they exist, so an evaluation costs O(1) for lognormal, gamma
 *     and exponential and one pass of O(n) cheap operations for weibull, pareto and gpd; the
 *     value reported as `loglik` is this objective at the optimum, and the tests check it
 *     against sum log f(x_i) - n log S(d) computed with actuarial/severity.c;
 *   - where a parameter has a closed form given the others (weibull scale, pareto shape,
 *     gamma rate without truncation, negbin mean) the likelihood is profiled and maximised in one
 *     dimension: a grid on the log of the free parameter brackets the optimum, GSL's Brent
 *     minimiser polishes it; an optimum at the edge of a widened grid is reported as a boundary;
 *   - otherwise (truncated lognormal and gamma, gpd) GSL's Nelder-Mead simplex
 *     (nmsimplex2) runs on log-parameters from method-of-moments or untruncated starting values,
 *     and is restarted once from its answer, the usual guard against a collapsed simplex.
 * Standard errors: the observed information -H, H the Hessian of the log-likelihood in the
 * natural parameters by central differences (relative step 1e-4: truncation error O(h^2) ~ 1e-8,
 * rounding eps |l| / (h^2 |l''|) ~ 1e-7 relative for the sample sizes here), inverted through a
 * Cholesky factorisation, which also tests positive definiteness (Loss Models, on the variance
 * of the maximum likelihood estimator).
 */
#include "actuarial/fit.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_min.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_sf_gamma.h>

#include "actuarial/gof.h"

/* A value NM and Brent can compare but never accept: outside the parameter space. */
#define BAD_VALUE 1e300

/* ------------------------------------------------------------------------------------------ */
/* The sample, sorted, with the sufficient statistics the objectives use.                      */

typedef struct {
    double *x;          /* sorted ascending, owned */
    double *logx;       /* log x, owned */
    size_t n;
    double d;           /* truncation point, 0 if none */
    double sum_x, mean_x, var_x;      /* var with divisor n */
    double sum_logx, mean_logx, ss_logx;  /* ss: sum of squared deviations of log x */
} sample;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void sample_clear(sample *s)
{
    free(s->x);
    free(s->logx);
    memset(s, 0, sizeof *s);
}

static int sample_init(sample *s, const double *x, size_t n, double d, ds_error *err)
{
    memset(s, 0, sizeof *s);
    if (!(d >= 0.0) || !isfinite(d))
        return ds_error_set(err, DS_EINVAL, "truncation", "must be a non-negative number");
    if (n < 2)
        return ds_error_set(err, DS_EINVAL, "losses", "need at least 2 values, got %zu", n);
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > 0.0) || !isfinite(x[i]))
            return ds_error_set(err, DS_EINVAL, "losses", "value %zu (%g) must be positive", i,
                                x[i]);
        if (x[i] < d)
            return ds_error_set(err, DS_EINVAL, "losses",
                                "value %zu (%g) is below the truncation %g", i, x[i], d);
    }
    s->x = malloc(n * sizeof *s->x);
    s->logx = malloc(n * sizeof *s->logx);
    if (!s->x || !s->logx) {
        sample_clear(s);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %zu losses", n);
    }
    memcpy(s->x, x, n * sizeof *x);
    qsort(s->x, n, sizeof *s->x, cmp_double);
    s->n = n;
    s->d = d;
    for (size_t i = 0; i < n; i++) {
        s->logx[i] = log(s->x[i]);
        s->sum_x += s->x[i];
        s->sum_logx += s->logx[i];
    }
    s->mean_x = s->sum_x / (double)n;
    s->mean_logx = s->sum_logx / (double)n;
    /* Two-pass variances: the one-pass formula loses digits when the mean dominates. */
    for (size_t i = 0; i < n; i++) {
        double dx = s->x[i] - s->mean_x, dl = s->logx[i] - s->mean_logx;
        s->var_x += dx * dx;
        s->ss_logx += dl * dl;
    }
    s->var_x /= (double)n;
    if (s->x[0] == s->x[n - 1]) {
        sample_clear(s);
        return ds_error_set(err, DS_EINVAL, "losses", "all %zu values are equal; nothing to fit",
                            n);
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Log-likelihoods in the natural parameters (theta), with truncation.                         */

static void make_sev(ds_sev *out, ds_sev_family fam, const double *t)
{
    memset(out, 0, sizeof *out);
    out->family = fam;
    switch (fam) {
    case DS_SEV_LOGNORMAL:
        out->u.lognormal.meanlog = t[0];
        out->u.lognormal.sdlog = t[1];
        break;
    case DS_SEV_GAMMA:
        out->u.gamma.shape = t[0];
        out->u.gamma.rate = t[1];
        break;
    case DS_SEV_WEIBULL:
        out->u.weibull.shape = t[0];
        out->u.weibull.scale = t[1];
        break;
    case DS_SEV_EXPONENTIAL: out->u.exponential.rate = t[0]; break;
    case DS_SEV_PARETO:
        out->u.pareto.shape = t[0];
        out->u.pareto.scale = t[1];
        break;
    case DS_SEV_GPD:
        out->u.gpd.xi = t[0];
        out->u.gpd.sigma = t[1];
        out->u.gpd.mu = t[2];
        break;
    default: break;
    }
}

/* -n log S(d) for the truncated likelihood; 0 without truncation. */
static double trunc_term(const sample *s, ds_sev_family fam, const double *t)
{
    if (s->d <= 0.0)
        return 0.0;
    ds_sev sev;
    make_sev(&sev, fam, t);
    double sf = ds_sev_sf(&sev, s->d);
    if (!(sf > 0.0))
        return -INFINITY;
    return -(double)s->n * log(sf);
}

static double loglik_lognormal(const sample *s, const double *t)
{
    double mu = t[0], sigma = t[1], n = (double)s->n;
    if (!(sigma > 0.0))
        return -INFINITY;
    /* sum log f = -sum log x - n log sigma - n/2 log 2pi - sum (log x - mu)^2 / (2 sigma^2),
       with sum (log x - mu)^2 = ss + n (mean log x - mu)^2. */
    double dm = s->mean_logx - mu;
    return -s->sum_logx - n * log(sigma) - 0.5 * n * log(2.0 * M_PI) -
           (s->ss_logx + n * dm * dm) / (2.0 * sigma * sigma) +
           trunc_term(s, DS_SEV_LOGNORMAL, t);
}

static double loglik_gamma(const sample *s, const double *t)
{
    double a = t[0], b = t[1], n = (double)s->n;
    if (!(a > 0.0) || !(b > 0.0))
        return -INFINITY;
    return n * (a * log(b) - gsl_sf_lngamma(a)) + (a - 1.0) * s->sum_logx - b * s->sum_x +
           trunc_term(s, DS_SEV_GAMMA, t);
}

static double loglik_exponential(const sample *s, const double *t)
{
    double r = t[0], n = (double)s->n;
    if (!(r > 0.0))
        return -INFINITY;
    /* log f = log r - r x and -log S(d) = r d, summed. */
    return n * log(r) - r * (s->sum_x - n * s->d);
}

static double loglik_weibull(const sample *s, const double *t)
{
    double k = t[0], scale = t[1], n = (double)s->n;
    if (!(k > 0.0) || !(scale > 0.0))
        return -INFINITY;
    double ls = log(scale), sum_pow = 0.0;
    for (size_t i = 0; i < s->n; i++)
        sum_pow += exp(k * (s->logx[i] - ls));
    /* log f = log k - k log scale + (k-1) log x - (x/scale)^k; -log S(d) = (d/scale)^k. */
    double tr = s->d > 0.0 ? n * exp(k * (log(s->d) - ls)) : 0.0;
    return n * (log(k) - k * ls) + (k - 1.0) * s->sum_logx - sum_pow + tr;
}

static double loglik_pareto(const sample *s, const double *t)
{
    double a = t[0], sc = t[1], n = (double)s->n;
    if (!(a > 0.0) || !(sc > 0.0))
        return -INFINITY;
    double sum_log = 0.0;
    for (size_t i = 0; i < s->n; i++)
        sum_log += log(s->x[i] + sc);
    /* log f = log a + a log sc - (a+1) log(x+sc); -log S(d) = -a log(sc/(d+sc)). */
    return n * (log(a) + a * log(sc)) - (a + 1.0) * sum_log -
           n * a * (log(sc) - log(s->d + sc));
}

static double sev_loglik(const sample *s, ds_sev_family fam, const double *t)
{
    switch (fam) {
    case DS_SEV_LOGNORMAL: return loglik_lognormal(s, t);
    case DS_SEV_GAMMA: return loglik_gamma(s, t);
    case DS_SEV_WEIBULL: return loglik_weibull(s, t);
    case DS_SEV_EXPONENTIAL: return loglik_exponential(s, t);
    case DS_SEV_PARETO: return loglik_pareto(s, t);
    default: return -INFINITY;
    }
}

/* GPD log-likelihood of the exceedances y (over mu), parameters (xi, sigma). */
typedef struct {
    const double *y;
    size_t n;
    double y_max;
} excess;

static double loglik_gpd(const excess *e, const double *t)
{
    double xi = t[0], sigma = t[1], n = (double)e->n;
    if (!(sigma > 0.0))
        return -INFINITY;
    if (xi < 0.0 && 1.0 + xi * e->y_max / sigma <= 0.0)
        return -INFINITY;   /* an exceedance beyond the upper end point */
    double sum = 0.0;
    if (fabs(xi) < 1e-12) {
        for (size_t i = 0; i < e->n; i++)
            sum += e->y[i];
        return -n * log(sigma) - sum / sigma;
    }
    for (size_t i = 0; i < e->n; i++)
        sum += log1p(xi * e->y[i] / sigma);
    /* log f = -log sigma - (1/xi + 1) log(1 + xi y / sigma) */
    return -n * log(sigma) - (1.0 / xi + 1.0) * sum;
}

double ds_fit_sev_loglik(const ds_sev *s, const double *x, size_t n, double truncation)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += ds_sev_log_pdf(s, x[i]);
    if (truncation > 0.0)
        sum -= (double)n * log(ds_sev_sf(s, truncation));
    return sum;
}

/* ------------------------------------------------------------------------------------------ */
/* Optimisers.                                                                                 */

typedef double (*fn1)(double t, void *ctx);

typedef struct {
    fn1 f;
    void *ctx;
} fn1_call;

static double fn1_safe(double t, void *p)
{
    const fn1_call *c = p;
    double v = c->f(t, c->ctx);
    return isfinite(v) ? v : BAD_VALUE;
}

/*
 * Minimises f over t (a log-parameter) from a start: a grid of 13 points over [t0 - w, t0 + w]
 * brackets the minimum (the grid moves up to 4 times when the minimum is at its edge), then
 * Brent polishes to 1e-8 in t (the relative precision of the parameter; a profile flat to
 * rounding cannot locate it better than ~sqrt(eps) anyway). Returns 0 and *is_boundary = 1
 * when the minimum stays at an edge.
 */
static int minimise_1d(double *t_out, int *is_boundary, fn1 f, void *ctx, double t0, double w)
{
    enum { N_GRID = 13 };
    fn1_call call = {f, ctx};
    double grid[N_GRID], val[N_GRID];
    size_t best = 0;
    *is_boundary = 0;
    for (int move = 0;; move++) {
        for (size_t i = 0; i < N_GRID; i++) {
            grid[i] = t0 - w + 2.0 * w * (double)i / (N_GRID - 1);
            val[i] = fn1_safe(grid[i], &call);
        }
        best = 0;
        for (size_t i = 1; i < N_GRID; i++) {
            if (val[i] < val[best])
                best = i;
        }
        if (val[best] >= BAD_VALUE)
            return DS_EINTERNAL;
        if (best > 0 && best < N_GRID - 1)
            break;
        if (move == 4) {
            *is_boundary = 1;
            *t_out = grid[best];
            return 0;
        }
        t0 = grid[best];
    }
    double lo = grid[best - 1], hi = grid[best + 1], t = grid[best];
    if (!(val[best] < val[best - 1] && val[best] < val[best + 1])) {
        *t_out = t;   /* a flat bracket: the grid point is as good as Brent would do */
        return 0;
    }
    gsl_function gf = {fn1_safe, &call};
    gsl_min_fminimizer *m = gsl_min_fminimizer_alloc(gsl_min_fminimizer_brent);
    if (!m)
        return DS_ENOMEM;
    int rc = gsl_min_fminimizer_set_with_values(m, &gf, t, val[best], lo, val[best - 1], hi,
                                                val[best + 1]);
    for (int iter = 0; rc == GSL_SUCCESS && iter < 200; iter++) {
        rc = gsl_min_fminimizer_iterate(m);
        if (rc)
            break;
        t = gsl_min_fminimizer_x_minimum(m);
        if (gsl_min_test_interval(gsl_min_fminimizer_x_lower(m), gsl_min_fminimizer_x_upper(m),
                                  1e-8, 0.0) == GSL_SUCCESS)
            break;
    }
    gsl_min_fminimizer_free(m);
    if (rc != GSL_SUCCESS)
        return DS_EINTERNAL;
    *t_out = t;
    return 0;
}

typedef double (*fnv)(const double *phi, void *ctx);

typedef struct {
    fnv f;
    void *ctx;
} fnv_call;

static double fnv_safe(const gsl_vector *v, void *p)
{
    const fnv_call *c = p;
    double v_val = c->f(gsl_vector_const_ptr(v, 0), c->ctx);
    return isfinite(v_val) ? v_val : BAD_VALUE;
}

/*
 * Nelder-Mead (nmsimplex2) on phi[0..dim-1] from the given start, initial steps `step`, until
 * the simplex converges (see the loop), restarted once from the answer. DS_EINTERNAL if it
 * does not converge.
 */
static int minimise_nm(double *phi, size_t dim, fnv f, void *ctx, double step)
{
    fnv_call call = {f, ctx};
    gsl_multimin_function mf = {fnv_safe, dim, &call};
    gsl_vector *x = gsl_vector_alloc(dim), *ss = gsl_vector_alloc(dim);
    gsl_multimin_fminimizer *m =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
    int rc = DS_ENOMEM;
    if (!x || !ss || !m)
        goto out;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < dim; i++)
            gsl_vector_set(x, i, phi[i]);
        gsl_vector_set_all(ss, round == 0 ? step : step * 0.01);
        if (gsl_multimin_fminimizer_set(m, &mf, x, ss) != GSL_SUCCESS) {
            rc = DS_EINTERNAL;
            goto out;
        }
        /* Converged when the simplex is below 1e-7 (relative precision of log-parameters,
           orders below any standard error), or when it has stopped improving for 200
           iterations while below 1e-5: the log-likelihood is then flat to rounding across
           the simplex and no derivative-free method can locate the optimum better. */
        int status = GSL_CONTINUE, stalled = 0;
        double best = GSL_POSINF;
        for (int iter = 0; iter < 20000 && status == GSL_CONTINUE; iter++) {
            if (gsl_multimin_fminimizer_iterate(m) != GSL_SUCCESS)
                break;
            double size = gsl_multimin_fminimizer_size(m);
            double fmin = gsl_multimin_fminimizer_minimum(m);
            if (fmin < best - 4.0 * DBL_EPSILON * fabs(best)) {
                best = fmin;
                stalled = 0;
            } else {
                stalled++;
            }
            status = gsl_multimin_test_size(size, 1e-7);
            if (status == GSL_CONTINUE && stalled >= 200 && size < 1e-5)
                status = GSL_SUCCESS;
        }
        /* The last point is returned even on failure: it says where the search was going. */
        for (size_t i = 0; i < dim; i++)
            phi[i] = gsl_vector_get(gsl_multimin_fminimizer_x(m), i);
        if (status != GSL_SUCCESS || !(gsl_multimin_fminimizer_minimum(m) < BAD_VALUE)) {
            rc = DS_EINTERNAL;
            goto out;
        }
    }
    rc = 0;
out:
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(x);
    gsl_vector_free(ss);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Observed information.                                                                       */

typedef double (*loglik_fn)(const double *theta, const void *ctx);

/*
 * se[i] = sqrt(diag((-H)^-1)), H the Hessian of ll at theta by central differences with step
 * h_i = 1e-4 max(|theta_i|, floor_i). All NAN when -H is not positive definite or ll is not
 * finite around theta.
 */
static void std_errors(double *se, size_t k, loglik_fn ll, const void *ctx, const double *theta,
                       const double *floor)
{
    double h[DS_FIT_MAX_PARAMS], t[DS_FIT_MAX_PARAMS];
    double info[DS_FIT_MAX_PARAMS * DS_FIT_MAX_PARAMS];
    for (size_t i = 0; i < k; i++) {
        se[i] = NAN;
        h[i] = 1e-4 * fmax(fabs(theta[i]), floor[i]);
    }
    double f0 = ll(theta, ctx);
    if (!isfinite(f0))
        return;
    for (size_t i = 0; i < k; i++) {
        for (size_t j = i; j < k; j++) {
            double v;
            if (i == j) {
                memcpy(t, theta, k * sizeof *t);
                t[i] = theta[i] + h[i];
                double fp = ll(t, ctx);
                t[i] = theta[i] - h[i];
                double fm = ll(t, ctx);
                v = (fp - 2.0 * f0 + fm) / (h[i] * h[i]);
            } else {
                double f[4];
                for (int c = 0; c < 4; c++) {
                    memcpy(t, theta, k * sizeof *t);
                    t[i] = theta[i] + ((c & 1) ? -h[i] : h[i]);
                    t[j] = theta[j] + ((c & 2) ? -h[j] : h[j]);
                    f[c] = ll(t, ctx);
                }
                v = (f[0] - f[1] - f[2] + f[3]) / (4.0 * h[i] * h[j]);
            }
            if (!isfinite(v))
                return;
            info[i * k + j] = info[j * k + i] = -v;
        }
    }
    gsl_matrix_view a = gsl_matrix_view_array(info, k, k);
    if (gsl_linalg_cholesky_decomp1(&a.matrix) != GSL_SUCCESS)
        return;
    if (gsl_linalg_cholesky_invert(&a.matrix) != GSL_SUCCESS)
        return;
    for (size_t i = 0; i < k; i++) {
        double var = gsl_matrix_get(&a.matrix, i, i);
        if (!(var > 0.0) || !isfinite(var))
            return;
    }
    for (size_t i = 0; i < k; i++)
        se[i] = sqrt(gsl_matrix_get(&a.matrix, i, i));
}

typedef struct {
    const sample *s;
    ds_sev_family fam;
} sev_ctx;

static double sev_ll_theta(const double *theta, const void *ctx)
{
    const sev_ctx *c = ctx;
    return sev_loglik(c->s, c->fam, theta);
}

/* ------------------------------------------------------------------------------------------ */
/* Per-family estimation.                                                                      */

/* Lognormal / gamma with truncation: NM on (param0 or its log, log param1). */
typedef struct {
    const sample *s;
    ds_sev_family fam;
} nm_ctx;

static double nm_neg_ll(const double *phi, void *p)
{
    const nm_ctx *c = p;
    double t[2];
    t[0] = c->fam == DS_SEV_LOGNORMAL ? phi[0] : exp(phi[0]);
    t[1] = exp(phi[1]);
    return -sev_loglik(c->s, c->fam, t);
}

/* Gamma without truncation, profiled: rate = shape / mean. t = log shape. */
static double gamma_profile(double t, void *p)
{
    const sample *s = p;
    double th[2] = {exp(t), exp(t) / s->mean_x};
    return -loglik_gamma(s, th);
}

/* Weibull, profiled: scale^k = T / n with T = sum (x^k - d^k). Returns log(T / n), or NAN.
   Powers are scaled by the largest value so that none overflows. */
static double weibull_log_mean_pow(const sample *s, double k)
{
    double lm = s->logx[s->n - 1], sum = 0.0;
    for (size_t i = 0; i < s->n; i++)
        sum += exp(k * (s->logx[i] - lm));
    if (s->d > 0.0)
        sum -= (double)s->n * exp(k * (log(s->d) - lm));
    if (!(sum > 0.0))
        return NAN;
    return k * lm + log(sum / (double)s->n);
}

static double weibull_scale(const sample *s, double k)
{
    return exp(weibull_log_mean_pow(s, k) / k);
}

/* With scale^k = T / n the log-likelihood is n log k - n log(T/n) + (k-1) sum log x - n:
   one pass of exponentials per evaluation. t = log shape. */
static double weibull_profile(double t, void *p)
{
    const sample *s = p;
    double k = exp(t), n = (double)s->n;
    return -(n * log(k) - n * weibull_log_mean_pow(s, k) + (k - 1.0) * s->sum_logx - n);
}

/* Pareto (Lomax), profiled: shape = n / sum log((x + scale) / (d + scale)). t = log scale. */
static double pareto_shape(const sample *s, double sc)
{
    double sum = 0.0, ld = log(s->d + sc);
    for (size_t i = 0; i < s->n; i++)
        sum += log(s->x[i] + sc) - ld;
    return (double)s->n / sum;
}

/* With the shape at its conditional optimum a = n / (L - n log(d + scale)), L = sum log(x +
   scale), the log-likelihood is n log a - n - L: one pass of logarithms. t = log scale. */
static double pareto_profile(double t, void *p)
{
    const sample *s = p;
    double sc = exp(t), n = (double)s->n, big_l = 0.0;
    for (size_t i = 0; i < s->n; i++)
        big_l += log(s->x[i] + sc);
    double a = n / (big_l - n * log(s->d + sc));
    if (!(a > 0.0) || !isfinite(a))
        return NAN;
    return -(n * log(a) - n - big_l);
}

static const char *const out_names[][3] = {
    [DS_SEV_LOGNORMAL] = {"meanlog", "sdlog", NULL},
    [DS_SEV_GAMMA] = {"shape", "rate", NULL},
    [DS_SEV_WEIBULL] = {"shape", "scale", NULL},
    [DS_SEV_EXPONENTIAL] = {"rate", NULL, NULL},
    [DS_SEV_PARETO] = {"shape", "scale", NULL},
    [DS_SEV_GPD] = {"xi", "sigma", "mu"},
};

static void set_names(ds_sev_fit *out, ds_sev_family fam)
{
    for (int i = 0; i < 3; i++)
        out->names[i] = out_names[fam][i];
}

static int fit_prepared(ds_sev_fit *out, ds_sev_family fam, const sample *s, ds_error *err)
{
    memset(out, 0, sizeof *out);
    double th[3] = {0.0, 0.0, 0.0};
    double floor[2] = {1e-3, 1e-3};
    int is_boundary = 0, rc = 0;
    double n = (double)s->n;
    const char *name = ds_sev_family_name(fam);
    switch (fam) {
    case DS_SEV_LOGNORMAL: {
        /* Closed form: the normal MLE of log x (divisor n). */
        th[0] = s->mean_logx;
        th[1] = sqrt(s->ss_logx / n);
        if (s->d > 0.0) {
            nm_ctx c = {s, fam};
            double phi[2] = {th[0], log(th[1])};
            rc = minimise_nm(phi, 2, nm_neg_ll, &c, 0.1);
            th[0] = phi[0];
            th[1] = exp(phi[1]);
        }
        floor[0] = 1.0;
        break;
    }
    case DS_SEV_EXPONENTIAL:
        /* d log L / d r = n / r - sum (x - d) = 0. */
        th[0] = 1.0 / (s->mean_x - s->d);
        if (!(th[0] > 0.0) || !isfinite(th[0]))
            rc = DS_EINTERNAL;
        floor[0] = 0.0;
        break;
    case DS_SEV_GAMMA: {
        /* Method of moments start: shape = mean^2 / var. */
        double a0 = s->mean_x * s->mean_x / s->var_x, t;
        rc = minimise_1d(&t, &is_boundary, gamma_profile, (void *)s, log(a0), 3.0);
        if (rc == 0) {
            th[0] = exp(t);
            th[1] = th[0] / s->mean_x;
        }
        if (rc == 0 && s->d > 0.0 && !is_boundary) {
            nm_ctx c = {s, fam};
            double phi[2] = {log(th[0]), log(th[1])};
            rc = minimise_nm(phi, 2, nm_neg_ll, &c, 0.1);
            th[0] = exp(phi[0]);
            th[1] = exp(phi[1]);
        }
        floor[0] = floor[1] = 0.0;
        break;
    }
    case DS_SEV_WEIBULL: {
        /* sd(log X) = pi / (k sqrt 6) for the Weibull: a start for the shape. */
        double sd = sqrt(s->ss_logx / n), t;
        double k0 = M_PI / (sd * sqrt(6.0));
        rc = minimise_1d(&t, &is_boundary, weibull_profile, (void *)s, log(k0), 3.0);
        if (rc == 0) {
            th[0] = exp(t);
            th[1] = weibull_scale(s, th[0]);
        }
        floor[0] = floor[1] = 0.0;
        break;
    }
    case DS_SEV_PARETO: {
        /* Moments of the Lomax: CV^2 = shape / (shape - 2), mean = scale / (shape - 1). */
        double cv2 = s->var_x / (s->mean_x * s->mean_x), sc0, t;
        if (cv2 > 1.0 + 1e-6) {
            double a0 = 2.0 * cv2 / (cv2 - 1.0);
            sc0 = s->mean_x * (a0 - 1.0);
        } else {
            sc0 = 10.0 * s->mean_x;
        }
        rc = minimise_1d(&t, &is_boundary, pareto_profile, (void *)s, log(sc0), 4.0);
        if (rc == 0) {
            th[1] = exp(t);
            th[0] = pareto_shape(s, th[1]);
        }
        floor[0] = floor[1] = 0.0;
        break;
    }
    default:
        return ds_error_set(err, DS_EINVAL, "family", "cannot fit %s with ds_fit_severity",
                            name);
    }
    if (rc == DS_ENOMEM)
        return ds_error_set(err, rc, NULL, "out of memory fitting %s", name);
    if (rc && fam == DS_SEV_GAMMA && th[0] < 1e-6)
        return ds_error_set(err, DS_EINTERNAL, name,
                            "the likelihood has no maximum with shape > 0 (the shape tends to "
                            "0): the losses are not gamma-like above the truncation");
    if (rc && fam != DS_SEV_EXPONENTIAL && th[0] > 0.0)
        return ds_error_set(err, DS_EINTERNAL, name,
                            "maximum likelihood did not converge (last %s %.4g, %s %.4g)",
                            out_names[fam][0], th[0], out_names[fam][1], th[1]);
    if (rc)
        return ds_error_set(err, DS_EINTERNAL, name, "maximum likelihood did not converge");
    out->n_params = fam == DS_SEV_EXPONENTIAL ? 1 : 2;
    set_names(out, fam);
    for (int i = 0; i < out->n_params; i++)
        out->params[i] = th[i];
    make_sev(&out->sev, fam, th);
    out->n = s->n;
    out->threshold = s->d;
    out->is_boundary = is_boundary;
    out->loglik = sev_loglik(s, fam, th);
    if (!isfinite(out->loglik))
        return ds_error_set(err, DS_EINTERNAL, name, "log-likelihood is not finite at the fit");
    double k = out->n_params;
    out->aic = 2.0 * k - 2.0 * out->loglik;
    out->bic = k * log(n) - 2.0 * out->loglik;
    sev_ctx c = {s, fam};
    if (is_boundary) {
        for (int i = 0; i < out->n_params; i++)
            out->stderr_[i] = NAN;
    } else {
        std_errors(out->stderr_, (size_t)out->n_params, sev_ll_theta, &c, th, floor);
    }
    return ds_gof_stats(&out->ks, &out->ad, s->x, s->n, &out->sev, s->d, err);
}

int ds_fit_severity(ds_sev_fit *out, ds_sev_family family, const double *x, size_t n,
                    double truncation, ds_error *err)
{
    sample s;
    int rc = sample_init(&s, x, n, truncation, err);
    if (rc)
        return rc;
    rc = fit_prepared(out, family, &s, err);
    sample_clear(&s);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* GPD above a threshold.                                                                      */

static double gpd_neg_ll(const double *phi, void *p)
{
    double t[2] = {phi[0], exp(phi[1])};
    return -loglik_gpd(p, t);
}

static double gpd_ll_theta(const double *theta, const void *ctx)
{
    return loglik_gpd(ctx, theta);
}

/* Fits the exceedances of sorted x[first..n-1] over u. */
static int fit_gpd_sorted(ds_sev_fit *out, const double *sorted, size_t n, double u,
                          ds_error *err)
{
    memset(out, 0, sizeof *out);
    size_t first = 0;
    while (first < n && !(sorted[first] > u))
        first++;
    size_t m = n - first;
    if (m < 10)
        return ds_error_set(err, DS_EINVAL, "losses",
                            "need at least 10 exceedances of %g for a gpd, got %zu", u, m);
    double *y = malloc(m * sizeof *y);
    if (!y)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %zu exceedances", m);
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < m; i++) {
        y[i] = sorted[first + i] - u;
        mean += y[i];
    }
    mean /= (double)m;
    for (size_t i = 0; i < m; i++)
        var += (y[i] - mean) * (y[i] - mean);
    var /= (double)(m - 1);
    excess e = {y, m, y[m - 1]};
    int rc = 0;
    /* Hosking and Wallis (1987) moment estimators as the start. */
    double r = mean * mean / var;
    double phi[2] = {0.5 * (1.0 - r), log(0.5 * mean * (1.0 + r))};
    if (!(var > 0.0)) {
        rc = ds_error_set(err, DS_EINVAL, "losses", "exceedances of %g are all equal", u);
        goto out;
    }
    if (minimise_nm(phi, 2, gpd_neg_ll, &e, 0.1)) {
        rc = ds_error_set(err, DS_EINTERNAL, "gpd", "maximum likelihood did not converge");
        goto out;
    }
    double th[3] = {phi[0], exp(phi[1]), u};
    out->n_params = 2;
    set_names(out, DS_SEV_GPD);
    memcpy(out->params, th, sizeof th);
    make_sev(&out->sev, DS_SEV_GPD, th);
    out->n = m;
    out->threshold = u;
    out->loglik = loglik_gpd(&e, th);
    out->aic = 4.0 - 2.0 * out->loglik;
    out->bic = 2.0 * log((double)m) - 2.0 * out->loglik;
    double floor[2] = {0.1, 0.0};
    std_errors(out->stderr_, 2, gpd_ll_theta, &e, th, floor);
    out->stderr_[2] = NAN;   /* mu is the chosen threshold, not an estimate */
    rc = ds_gof_stats(&out->ks, &out->ad, sorted + first, m, &out->sev, 0.0, err);
out:
    free(y);
    return rc;
}

int ds_fit_gpd(ds_sev_fit *out, const double *x, size_t n, double threshold, ds_error *err)
{
    if (!isfinite(threshold) || threshold < 0.0)
        return ds_error_set(err, DS_EINVAL, "threshold", "must be a non-negative number");
    sample s;
    int rc = sample_init(&s, x, n, 0.0, err);
    if (rc)
        return rc;
    rc = fit_gpd_sorted(out, s.x, s.n, threshold, err);
    sample_clear(&s);
    return rc;
}

int ds_fit_severity_all(ds_sev_fits *out, const double *x, size_t n, double truncation,
                        ds_error *err)
{
    static const ds_sev_family families[] = {DS_SEV_LOGNORMAL, DS_SEV_GAMMA, DS_SEV_WEIBULL,
                                             DS_SEV_EXPONENTIAL, DS_SEV_PARETO};
    memset(out, 0, sizeof *out);
    sample s;
    int rc = sample_init(&s, x, n, truncation, err);
    if (rc)
        return rc;
    int first_rc = 0;
    ds_error first_err;
    ds_error_clear(&first_err);
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        ds_error e;
        ds_error_clear(&e);
        int frc = fit_prepared(&out->fits[out->n_fits], families[i], &s, &e);
        if (frc == 0) {
            out->n_fits++;
        } else {
            out->failed[out->n_failed].family = families[i];
            memcpy(out->failed[out->n_failed].reason, e.message, sizeof e.message);
            out->n_failed++;
            if (!first_rc) {
                first_rc = frc;
                first_err = e;
            }
        }
        if (frc == DS_ENOMEM)
            break;
    }
    if (out->n_fits == 0) {
        rc = first_rc;
        if (err)
            *err = first_err;
        goto out;
    }
    out->best = 0;
    for (size_t i = 1; i < out->n_fits; i++) {
        if (out->fits[i].aic < out->fits[out->best].aic)
            out->best = i;
    }
    /* Peaks over threshold: the empirical DS_FIT_POT_QUANTILE quantile (type 1, the
       ceil(p n)-th order statistic), at least the truncation point. */
    size_t idx = (size_t)ceil(DS_FIT_POT_QUANTILE * (double)s.n);
    double u = s.x[idx > 0 ? idx - 1 : 0];
    if (u < s.d)
        u = s.d;
    size_t above = 0;
    for (size_t i = 0; i < s.n; i++)
        above += s.x[i] > u;
    if (above >= DS_FIT_POT_MIN_EXCEEDANCES) {
        ds_error e;
        if (fit_gpd_sorted(&out->fits[out->n_fits], s.x, s.n, u, &e) == 0) {
            out->n_fits++;
        } else {
            out->failed[out->n_failed].family = DS_SEV_GPD;
            memcpy(out->failed[out->n_failed].reason, e.message, sizeof e.message);
            out->n_failed++;
        }
    }
out:
    sample_clear(&s);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Frequency.                                                                                  */

typedef struct {
    const unsigned *c;
    size_t n;
} counts;

static double freq_ll(const ds_freq *f, const counts *c)
{
    double sum = 0.0;
    for (size_t i = 0; i < c->n; i++)
        sum += ds_freq_log_pmf(f, c->c[i]);
    return sum;
}

static double negbin_ll_theta(const double *theta, const void *ctx)
{
    if (!(theta[0] > 0.0) || !(theta[1] > 0.0))
        return -INFINITY;
    ds_freq f = {.family = DS_FREQ_NEGBIN, .size = theta[0], .mu = theta[1]};
    return freq_ll(&f, ctx);
}

typedef struct {
    const counts *c;
    double mu;
} negbin_ctx;

static double negbin_profile(double t, void *p)
{
    const negbin_ctx *nc = p;
    ds_freq f = {.family = DS_FREQ_NEGBIN, .size = exp(t), .mu = nc->mu};
    return -freq_ll(&f, nc->c);
}

int ds_fit_frequency(ds_freq_fit *out, ds_freq_family family, const unsigned *c, size_t n_years,
                     ds_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_years == 0)
        return ds_error_set(err, DS_EINVAL, "counts", "need at least one year");
    double y = (double)n_years, mean = 0.0, var = 0.0;
    for (size_t i = 0; i < n_years; i++)
        mean += c[i];
    mean /= y;
    if (!(mean > 0.0))
        return ds_error_set(err, DS_EINVAL, "counts", "no incidents in the history");
    for (size_t i = 0; i < n_years; i++)
        var += (c[i] - mean) * (c[i] - mean);
    var /= y;
    counts cs = {c, n_years};
    out->n_params = family == DS_FREQ_POISSON ? 1 : 2;
    /* Poisson: lambda = mean; observed information sum c / lambda^2 = Y / lambda. */
    ds_freq pois = {.family = DS_FREQ_POISSON, .lambda = mean};
    if (family == DS_FREQ_POISSON) {
        out->freq = pois;
        out->names[0] = "lambda";
        out->params[0] = mean;
        out->stderr_[0] = sqrt(mean / y);
        out->loglik = freq_ll(&pois, &cs);
    } else if (family == DS_FREQ_NEGBIN) {
        out->names[0] = "size";
        out->names[1] = "mu";
        out->params[1] = mean;
        /* The score in mu vanishes at the sample mean for any size, so mu = mean and the
           size is found on the profile. A finite maximum exists iff var > mean (divisor Y;
           Anscombe 1950); otherwise the likelihood climbs to the Poisson limit. */
        int is_boundary = !(var > mean * (1.0 + 1e-12));
        double size = INFINITY;
        if (!is_boundary) {
            negbin_ctx nc = {&cs, mean};
            double t;
            if (minimise_1d(&t, &is_boundary, negbin_profile, &nc,
                            log(mean * mean / (var - mean)), 4.0))
                return ds_error_set(err, DS_EINTERNAL, "negbin",
                                    "maximum likelihood did not converge");
            /* A maximum pushed to the upper edge is the Poisson limit; a lower edge would
               be a size near zero, which cannot happen with a positive mean. */
            if (!is_boundary)
                size = exp(t);
        }
        out->is_boundary = is_boundary;
        out->freq = (ds_freq){.family = DS_FREQ_NEGBIN, .size = size, .mu = mean};
        out->params[0] = size;
        if (is_boundary) {
            out->loglik = freq_ll(&pois, &cs);
            out->stderr_[0] = NAN;
            out->stderr_[1] = sqrt(mean / y);
        } else {
            double th[2] = {size, mean}, floor[2] = {0.0, 0.0};
            out->loglik = freq_ll(&out->freq, &cs);
            std_errors(out->stderr_, 2, negbin_ll_theta, &cs, th, floor);
        }
    } else {
        return ds_error_set(err, DS_EINVAL, "family", "only poisson and negbin are fitted");
    }
    out->aic = 2.0 * out->n_params - 2.0 * out->loglik;
    return 0;
}
