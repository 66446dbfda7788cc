/*
 * severity.c: loss-size distributions (lognormal, gamma, weibull, exponential, Pareto II,
 * GPD, spliced), parameterised as DESIGN.md section 3 and severity.h.
 *
 * Guarantees:
 * - pdf, cdf and quantile use GSL (gsl_ran_*_pdf, gsl_cdf_*) or exact closed forms; ds_sev_sf
 *   is computed directly from the survival function (GSL's Q functions, exp of a log), never
 *   as 1 - F, so it keeps its relative accuracy in the far tail.
 * - Limited moments E[min(X, u)^k], k = 1, 2, are closed forms for every family (Klugman,
 *   Panjer and Willmot, Loss Models, appendix A), written so that they stay accurate for
 *   u small and large; the raw moment (u = INFINITY) is INFINITY when it does not exist.
 * - GSL special functions are called through their _e variants where they can fail; a failure
 *   gives NAN (GSL's error handler is off), never an abort.
 * - Quantiles: ds_sev_quantile(s, p) is the smallest x with F(x) >= p over the support: p = 0
 *   gives the lower end of the support (0, or mu for a GPD), p = 1 the upper end (INFINITY,
 *   or mu + sigma/|xi| for a GPD with xi < 0, whose support is bounded).
 * - The support of every family is [0, inf) (a GPD with mu >= 0 starts at mu); below 0 the
 *   pdf is 0, the cdf 0 and the sf 1.
 * Functions are pure and thread-safe; samplers draw only from the caller's generator.
 */
#include "actuarial/severity.h"
#include "actuarial/name_table.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

/* A spliced severity may contain spliced parts; validation refuses deeper nesting. */
#define MAX_SPLICE_DEPTH 8

static const char *const family_names[] = {"lognormal", "gamma",  "weibull", "exponential",
                                           "pareto",    "gpd",    "spliced"};
#define N_FAMILIES (sizeof family_names / sizeof family_names[0])

const char *ds_sev_family_name(ds_sev_family family)
{
    return ds_name_table_name(family_names, N_FAMILIES, (int)family);
}

int ds_sev_family_from_name(const char *name)
{
    return ds_name_table_find(family_names, N_FAMILIES, name);
}

/* ---------------------------------------------------------------------------------------- */
/* Special functions with their GSL status checked.                                          */

/* Regularised lower incomplete gamma P(a, x); NAN when GSL fails. */
static double gamma_p(double a, double x)
{
    gsl_sf_result r;
    if (isinf(x))
        return 1.0;
    return gsl_sf_gamma_inc_P_e(a, x, &r) == GSL_SUCCESS ? r.val : NAN;
}

/* Regularised upper incomplete gamma Q(a, x) = 1 - P(a, x), computed directly. */
static double gamma_q(double a, double x)
{
    gsl_sf_result r;
    if (isinf(x))
        return 0.0;
    return gsl_sf_gamma_inc_Q_e(a, x, &r) == GSL_SUCCESS ? r.val : NAN;
}

/* Regularised incomplete beta I_x(a, b), a, b > 0; NAN when GSL fails. */
static double beta_inc(double a, double b, double x)
{
    gsl_sf_result r;
    if (x >= 1)
        return 1.0;
    return gsl_sf_beta_inc_e(a, b, x, &r) == GSL_SUCCESS ? r.val : NAN;
}

/*
 * log of the lower incomplete gamma function gamma(a, z) = Gamma(a) P(a, z), for when Gamma(a)
 * overflows (a Weibull moment with shape < ~0.006). Where P(a, z) underflows (z << a) it uses
 * the series gamma(a, z) = z^a e^-z sum_n z^n / (a (a+1) ... (a+n)) (Abramowitz and Stegun
 * 6.5.29), whose terms shrink by z/(a+n) < 1.
 */
static double log_lower_gamma(double a, double z)
{
    if (z <= 0)
        return -INFINITY;
    double p = gamma_p(a, z);
    if (p > 1e-300)
        return gsl_sf_lngamma(a) + log(p);
    double term = 1 / a, sum = term;
    for (int n = 1; n < 10000 && term > 1e-17 * sum; n++) {
        term *= z / (a + n);
        sum += term;
    }
    return a * log(z) - z + log(sum);
}

/* (1 - e^-y)/y, the mean of e^-s over [0, 1] scaled; 1 at y = 0, accurate for small |y|. */
static double expm1_ratio(double y)
{
    return y == 0 ? 1.0 : -expm1(-y) / y;
}

/* ---------------------------------------------------------------------------------------- */
/* Validation.                                                                               */

static int require_positive(double v, const char *path, const char *key, ds_error *err)
{
    char field[DS_PATH_MAX];
    if (isnan(v) || v <= 0)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, key),
                            "must be positive");
    if (isinf(v))
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, key),
                            "must be finite");
    return DS_OK;
}

static int require_finite(double v, const char *path, const char *key, ds_error *err)
{
    char field[DS_PATH_MAX];
    if (!isfinite(v))
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, key),
                            "must be a finite number");
    return DS_OK;
}

static int validate_at(const ds_sev *s, const char *path, int depth, ds_error *err)
{
    char field[DS_PATH_MAX];
    int rc;
    if (!s)
        return ds_error_set(err, DS_EINVAL, path, "missing severity");
    switch (s->family) {
    case DS_SEV_LOGNORMAL:
        if ((rc = require_finite(s->u.lognormal.meanlog, path, "meanlog", err)))
            return rc;
        return require_positive(s->u.lognormal.sdlog, path, "sdlog", err);
    case DS_SEV_GAMMA:
        if ((rc = require_positive(s->u.gamma.shape, path, "shape", err)))
            return rc;
        return require_positive(s->u.gamma.rate, path, "rate", err);
    case DS_SEV_WEIBULL:
        if ((rc = require_positive(s->u.weibull.shape, path, "shape", err)))
            return rc;
        return require_positive(s->u.weibull.scale, path, "scale", err);
    case DS_SEV_EXPONENTIAL:
        return require_positive(s->u.exponential.rate, path, "rate", err);
    case DS_SEV_PARETO:
        if ((rc = require_positive(s->u.pareto.shape, path, "shape", err)))
            return rc;
        return require_positive(s->u.pareto.scale, path, "scale", err);
    case DS_SEV_GPD:
        if ((rc = require_finite(s->u.gpd.xi, path, "xi", err)))
            return rc;
        if ((rc = require_positive(s->u.gpd.sigma, path, "sigma", err)))
            return rc;
        if ((rc = require_finite(s->u.gpd.mu, path, "mu", err)))
            return rc;
        /* A loss size is non-negative: the support [mu, ...) must lie in [0, inf). */
        if (s->u.gpd.mu < 0)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "mu"),
                                "must be non-negative");
        return DS_OK;
    case DS_SEV_SPLICED: {
        if (depth >= MAX_SPLICE_DEPTH)
            return ds_error_set(err, DS_EINVAL, path, "spliced severities nested too deeply");
        double t = s->u.spliced.threshold;
        if ((rc = require_positive(t, path, "threshold", err)))
            return rc;
        double bw = s->u.spliced.body_weight;
        if (!isnan(bw) && !(bw > 0 && bw < 1))
            return ds_error_set(err, DS_EINVAL,
                                ds_path_key(field, sizeof field, path, "body_weight"),
                                "must be in (0, 1)");
        if (!s->u.spliced.body)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "body"),
                                "missing");
        if (!s->u.spliced.tail)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "tail"),
                                "missing");
        if ((rc = validate_at(s->u.spliced.body, ds_path_key(field, sizeof field, path, "body"),
                              depth + 1, err)))
            return rc;
        if ((rc = validate_at(s->u.spliced.tail, ds_path_key(field, sizeof field, path, "tail"),
                              depth + 1, err)))
            return rc;
        /* The body is conditioned on X <= t and the tail on X > t: both need mass there. */
        if (!(ds_sev_cdf(s->u.spliced.body, t) > 0))
            return ds_error_set(err, DS_EINVAL,
                                ds_path_key(field, sizeof field, path, "threshold"),
                                "the body has no probability below the threshold");
        if (!(ds_sev_sf(s->u.spliced.tail, t) > 0))
            return ds_error_set(err, DS_EINVAL,
                                ds_path_key(field, sizeof field, path, "threshold"),
                                "the tail has no probability above the threshold");
        return DS_OK;
    }
    }
    return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "dist"),
                        "unknown distribution");
}

int ds_sev_validate(const ds_sev *s, const char *path, ds_error *err)
{
    return validate_at(s, path, 0, err);
}

void ds_sev_clear(ds_sev *s)
{
    if (!s)
        return;
    if (s->family == DS_SEV_SPLICED) {
        ds_sev_clear(s->u.spliced.body);
        free(s->u.spliced.body);
        ds_sev_clear(s->u.spliced.tail);
        free(s->u.spliced.tail);
    }
    memset(s, 0, sizeof *s);
    s->family = DS_SEV_EXPONENTIAL;
    s->u.exponential.rate = 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Spliced: the pieces every function needs.                                                 */

typedef struct {
    const ds_sev *body, *tail;
    double t;       /* threshold */
    double w;       /* body weight */
    double fb_t;    /* F_body(t) */
    double st_t;    /* S_tail(t) */
} splice_parts;

static splice_parts splice_of(const ds_sev *s)
{
    splice_parts sp;
    sp.body = s->u.spliced.body;
    sp.tail = s->u.spliced.tail;
    sp.t = s->u.spliced.threshold;
    sp.fb_t = ds_sev_cdf(sp.body, sp.t);
    sp.st_t = ds_sev_sf(sp.tail, sp.t);
    sp.w = isnan(s->u.spliced.body_weight) ? sp.fb_t : s->u.spliced.body_weight;
    return sp;
}

/* ---------------------------------------------------------------------------------------- */
/* Densities.                                                                                */

/* GPD: 1 + xi y / sigma for the excess y = x - mu, and the upper end of the excess. */
static double gpd_upper_excess(const ds_sev *s)
{
    return s->u.gpd.xi < 0 ? s->u.gpd.sigma / -s->u.gpd.xi : INFINITY;
}

double ds_sev_log_pdf(const ds_sev *s, double x)
{
    if (isnan(x))
        return NAN;
    switch (s->family) {
    case DS_SEV_LOGNORMAL: {
        if (x <= 0)
            return -INFINITY;
        double z = (log(x) - s->u.lognormal.meanlog) / s->u.lognormal.sdlog;
        return -log(x) - log(s->u.lognormal.sdlog) - 0.5 * log(2 * M_PI) - 0.5 * z * z;
    }
    case DS_SEV_GAMMA: {
        double a = s->u.gamma.shape, r = s->u.gamma.rate;
        if (x < 0)
            return -INFINITY;
        if (x == 0)
            return a < 1 ? INFINITY : a == 1 ? log(r) : -INFINITY;
        return a * log(r) + (a - 1) * log(x) - r * x - gsl_sf_lngamma(a);
    }
    case DS_SEV_WEIBULL: {
        double k = s->u.weibull.shape, l = s->u.weibull.scale;
        if (x < 0)
            return -INFINITY;
        if (x == 0)
            return k < 1 ? INFINITY : k == 1 ? -log(l) : -INFINITY;
        return log(k / l) + (k - 1) * log(x / l) - pow(x / l, k);
    }
    case DS_SEV_EXPONENTIAL:
        if (x < 0)
            return -INFINITY;
        return log(s->u.exponential.rate) - s->u.exponential.rate * x;
    case DS_SEV_PARETO: {
        double a = s->u.pareto.shape, th = s->u.pareto.scale;
        if (x < 0)
            return -INFINITY;
        /* f(x) = (a/theta) (1 + x/theta)^-(a+1) */
        return log(a / th) - (a + 1) * log1p(x / th);
    }
    case DS_SEV_GPD: {
        double xi = s->u.gpd.xi, sigma = s->u.gpd.sigma, y = x - s->u.gpd.mu;
        if (y < 0 || y > gpd_upper_excess(s))
            return -INFINITY;
        if (xi == 0)
            return -log(sigma) - y / sigma;
        double expo = 1 / xi + 1;    /* f(y) = (1/sigma)(1 + xi y/sigma)^-(1/xi + 1) */
        if (expo == 0)
            return -log(sigma);
        return -log(sigma) - expo * log1p(xi * y / sigma);
    }
    case DS_SEV_SPLICED: {
        splice_parts sp = splice_of(s);
        if (x <= sp.t)
            return log(sp.w) + ds_sev_log_pdf(sp.body, x) - log(sp.fb_t);
        return log1p(-sp.w) + ds_sev_log_pdf(sp.tail, x) - log(sp.st_t);
    }
    }
    return NAN;
}

double ds_sev_pdf(const ds_sev *s, double x)
{
    if (isnan(x))
        return NAN;
    switch (s->family) {
    case DS_SEV_LOGNORMAL:
        if (x <= 0)
            return 0.0;
        return gsl_ran_lognormal_pdf(x, s->u.lognormal.meanlog, s->u.lognormal.sdlog);
    case DS_SEV_GAMMA:
        if (x <= 0)
            return exp(ds_sev_log_pdf(s, x));   /* the limit at 0, which GSL sets to 0 */
        return gsl_ran_gamma_pdf(x, s->u.gamma.shape, 1 / s->u.gamma.rate);
    case DS_SEV_WEIBULL:
        if (x <= 0)
            return exp(ds_sev_log_pdf(s, x));
        return gsl_ran_weibull_pdf(x, s->u.weibull.scale, s->u.weibull.shape);
    case DS_SEV_EXPONENTIAL:
        if (x < 0)
            return 0.0;
        return gsl_ran_exponential_pdf(x, 1 / s->u.exponential.rate);
    case DS_SEV_PARETO:
    case DS_SEV_GPD:
        return exp(ds_sev_log_pdf(s, x));
    case DS_SEV_SPLICED: {
        splice_parts sp = splice_of(s);
        if (x <= sp.t)
            return sp.w * ds_sev_pdf(sp.body, x) / sp.fb_t;
        return (1 - sp.w) * ds_sev_pdf(sp.tail, x) / sp.st_t;
    }
    }
    return NAN;
}

/* ---------------------------------------------------------------------------------------- */
/* Distribution and survival functions.                                                      */

/* log S(x) of the GPD excess y >= 0: -(1/xi) log1p(xi y/sigma), -y/sigma at xi = 0. */
static double gpd_log_sf_excess(double xi, double sigma, double y)
{
    if (xi == 0)
        return -y / sigma;
    return -log1p(xi * y / sigma) / xi;
}

double ds_sev_cdf(const ds_sev *s, double x)
{
    if (isnan(x))
        return NAN;
    if (x <= 0 && s->family != DS_SEV_SPLICED && s->family != DS_SEV_GPD)
        return 0.0;
    switch (s->family) {
    case DS_SEV_LOGNORMAL:
        return gsl_cdf_lognormal_P(x, s->u.lognormal.meanlog, s->u.lognormal.sdlog);
    case DS_SEV_GAMMA: {
        /* the smaller of P and Q is the accurate one; the other is 1 minus it, so that
           cdf + sf = 1 to rounding */
        double p = gamma_p(s->u.gamma.shape, s->u.gamma.rate * x);
        return p > 0.5 ? 1 - gamma_q(s->u.gamma.shape, s->u.gamma.rate * x) : p;
    }
    case DS_SEV_WEIBULL:
        return gsl_cdf_weibull_P(x, s->u.weibull.scale, s->u.weibull.shape);
    case DS_SEV_EXPONENTIAL:
        return gsl_cdf_exponential_P(x, 1 / s->u.exponential.rate);
    case DS_SEV_PARETO:
        /* actuar's ppareto: 1 - (theta/(x+theta))^alpha = -expm1(-alpha log1p(x/theta)) */
        return -expm1(-s->u.pareto.shape * log1p(x / s->u.pareto.scale));
    case DS_SEV_GPD: {
        double y = x - s->u.gpd.mu;
        if (y <= 0)
            return 0.0;
        if (y >= gpd_upper_excess(s))
            return 1.0;
        return -expm1(gpd_log_sf_excess(s->u.gpd.xi, s->u.gpd.sigma, y));
    }
    case DS_SEV_SPLICED: {
        splice_parts sp = splice_of(s);
        if (x <= sp.t)
            return sp.w * (ds_sev_cdf(sp.body, x) / sp.fb_t);
        return 1 - (1 - sp.w) * (ds_sev_sf(sp.tail, x) / sp.st_t);
    }
    }
    return NAN;
}

double ds_sev_sf(const ds_sev *s, double x)
{
    if (isnan(x))
        return NAN;
    if (x <= 0 && s->family != DS_SEV_SPLICED && s->family != DS_SEV_GPD)
        return 1.0;
    switch (s->family) {
    case DS_SEV_LOGNORMAL:
        return gsl_cdf_lognormal_Q(x, s->u.lognormal.meanlog, s->u.lognormal.sdlog);
    case DS_SEV_GAMMA: {
        double q = gamma_q(s->u.gamma.shape, s->u.gamma.rate * x);
        return q > 0.5 ? 1 - gamma_p(s->u.gamma.shape, s->u.gamma.rate * x) : q;
    }
    case DS_SEV_WEIBULL:
        return gsl_cdf_weibull_Q(x, s->u.weibull.scale, s->u.weibull.shape);
    case DS_SEV_EXPONENTIAL:
        return gsl_cdf_exponential_Q(x, 1 / s->u.exponential.rate);
    case DS_SEV_PARETO:
        return exp(-s->u.pareto.shape * log1p(x / s->u.pareto.scale));
    case DS_SEV_GPD: {
        double y = x - s->u.gpd.mu;
        if (y <= 0)
            return 1.0;
        if (y >= gpd_upper_excess(s))
            return 0.0;
        return exp(gpd_log_sf_excess(s->u.gpd.xi, s->u.gpd.sigma, y));
    }
    case DS_SEV_SPLICED: {
        splice_parts sp = splice_of(s);
        if (x <= sp.t) {
            /* (1 - w) + w (F_b(t) - F_b(x))/F_b(t), with F_b(t) - F_b(x) = S_b(x) - S_b(t)
               taken from whichever side is smaller, to avoid cancellation near t. */
            double fb_x = ds_sev_cdf(sp.body, x);
            double between = fb_x < 0.5 ? sp.fb_t - fb_x
                                        : ds_sev_sf(sp.body, x) - ds_sev_sf(sp.body, sp.t);
            return (1 - sp.w) + sp.w * (between / sp.fb_t);
        }
        return (1 - sp.w) * (ds_sev_sf(sp.tail, x) / sp.st_t);
    }
    }
    return NAN;
}

/* ---------------------------------------------------------------------------------------- */
/* Quantiles.                                                                                */

/*
 * Robust inversion for the gamma family, where GSL's gsl_cdf_gamma_Pinv/Qinv are fast but
 * return wrong values for very small or very large shapes (shape 0.001: a median of 1e-11
 * instead of ~1e-301; shape 1e5 at p = 1 - 1e-8: off by 4 orders in the tail probability).
 * gamma_inverse() checks GSL's answer against the cdf (or sf) and, if it is off, bisects on
 * log x over the whole double range (~64 halvings of [-745, 710] reach a relative width of
 * 1e-16). level is a probability p (upper = 0) or a survival probability q (upper = 1), in
 * (0, 1); the result is the smallest x found with F(x) >= p (resp. S(x) <= q).
 */
static double gamma_level_at(const ds_sev *s, double x, int upper)
{
    return upper ? ds_sev_sf(s, x) : ds_sev_cdf(s, x);
}

static int gamma_level_reached(const ds_sev *s, double x, double level, int upper)
{
    double v = gamma_level_at(s, x, upper);
    return upper ? v <= level : v >= level;
}

static double gamma_inverse(const ds_sev *s, double level, int upper)
{
    double a = s->u.gamma.shape, scale = 1 / s->u.gamma.rate;
    /* GSL is accurate on the side where the level is small; use that form. */
    int use_q = upper ? level < 0.5 : level > 0.5;
    double small = upper == use_q ? level : 1 - level;
    double x = use_q ? gsl_cdf_gamma_Qinv(small, a, scale) : gsl_cdf_gamma_Pinv(small, a, scale);
    if (isfinite(x) && x > 0) {
        /* accept when the small-side probability is right to 1e-8, allowing for the rounding
           of x itself (F moves by up to eps x f(x)) */
        double got = use_q ? ds_sev_sf(s, x) : ds_sev_cdf(s, x);
        if (fabs(got - small) <= 1e-8 * small + 8 * DBL_EPSILON * x * ds_sev_pdf(s, x))
            return x;
    }
    /* bisect on the small side too: F(x) >= p  <=>  S(x) <= 1 - p */
    double lo = log(DBL_TRUE_MIN), hi = log(DBL_MAX);
    if (gamma_level_reached(s, exp(lo), small, use_q))
        return exp(lo);
    if (!gamma_level_reached(s, exp(hi), small, use_q))
        return INFINITY;
    for (int i = 0; i < 200 && hi - lo > 1e-16 * fmax(1.0, fabs(hi)); i++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi)
            break;
        if (gamma_level_reached(s, exp(mid), small, use_q))
            hi = mid;
        else
            lo = mid;
    }
    return exp(hi);
}

/* GPD excess quantile at survival level q in (0, 1]: sigma/xi (q^-xi - 1). */
static double gpd_excess_isf(double xi, double sigma, double q)
{
    if (xi == 0)
        return -sigma * log(q);
    return sigma / xi * expm1(-xi * log(q));
}

static double gpd_excess_quantile(double xi, double sigma, double p)
{
    if (xi == 0)
        return -sigma * log1p(-p);
    return sigma / xi * expm1(-xi * log1p(-p));
}

static double sev_isf(const ds_sev *s, double q);

/* Spliced, p <= w: F(x) = w F_b(x)/F_b(t) on [0, t]. */
static double spliced_body_quantile(const splice_parts *sp, double p)
{
    double x = ds_sev_quantile(sp->body, p / sp->w * sp->fb_t);
    return x < sp->t ? x : sp->t;
}

/* Spliced, q < 1 - w: S(x) = (1 - w) S_T(x)/S_T(t) above t. */
static double spliced_tail_isf(const splice_parts *sp, double q)
{
    double x = sev_isf(sp->tail, q / (1 - sp->w) * sp->st_t);
    return x > sp->t ? x : sp->t;
}

/*
 * Inverse survival function: the smallest x with S(x) <= q, q in [0, 1]. For the tail of a
 * spliced severity and for samplers: a small q keeps full relative precision here, whereas
 * quantile(1 - q) would round q to a multiple of 2^-53.
 */
static double sev_isf(const ds_sev *s, double q)
{
    if (isnan(q) || q < 0 || q > 1)
        return NAN;
    switch (s->family) {
    case DS_SEV_LOGNORMAL:
        return gsl_cdf_lognormal_Qinv(q, s->u.lognormal.meanlog, s->u.lognormal.sdlog);
    case DS_SEV_GAMMA: {
        if (q == 0)
            return INFINITY;
        if (q == 1)
            return 0.0;
        return gamma_inverse(s, q, 1);
    }
    case DS_SEV_WEIBULL:
        return gsl_cdf_weibull_Qinv(q, s->u.weibull.scale, s->u.weibull.shape);
    case DS_SEV_EXPONENTIAL:
        return gsl_cdf_exponential_Qinv(q, 1 / s->u.exponential.rate);
    case DS_SEV_PARETO:
        /* S(x) = (1 + x/theta)^-alpha = q  =>  x = theta (q^(-1/alpha) - 1) */
        if (q == 0)
            return INFINITY;
        return s->u.pareto.scale * expm1(-log(q) / s->u.pareto.shape);
    case DS_SEV_GPD:
        if (q == 0)
            return s->u.gpd.mu + gpd_upper_excess(s);
        return s->u.gpd.mu + gpd_excess_isf(s->u.gpd.xi, s->u.gpd.sigma, q);
    case DS_SEV_SPLICED: {
        splice_parts sp = splice_of(s);
        if (q < 1 - sp.w)
            return spliced_tail_isf(&sp, q);
        return spliced_body_quantile(&sp, 1 - q);
    }
    }
    return NAN;
}

double ds_sev_quantile(const ds_sev *s, double p)
{
    if (isnan(p) || p < 0 || p > 1)
        return NAN;
    switch (s->family) {
    case DS_SEV_LOGNORMAL:
        return gsl_cdf_lognormal_Pinv(p, s->u.lognormal.meanlog, s->u.lognormal.sdlog);
    case DS_SEV_GAMMA: {
        if (p == 0)
            return 0.0;
        if (p == 1)
            return INFINITY;
        return gamma_inverse(s, p, 0);
    }
    case DS_SEV_WEIBULL:
        return gsl_cdf_weibull_Pinv(p, s->u.weibull.scale, s->u.weibull.shape);
    case DS_SEV_EXPONENTIAL:
        return gsl_cdf_exponential_Pinv(p, 1 / s->u.exponential.rate);
    case DS_SEV_PARETO:
        /* x = theta ((1 - p)^(-1/alpha) - 1) */
        if (p == 1)
            return INFINITY;
        return s->u.pareto.scale * expm1(-log1p(-p) / s->u.pareto.shape);
    case DS_SEV_GPD:
        if (p == 1)
            return s->u.gpd.mu + gpd_upper_excess(s);
        return s->u.gpd.mu + gpd_excess_quantile(s->u.gpd.xi, s->u.gpd.sigma, p);
    case DS_SEV_SPLICED: {
        splice_parts sp = splice_of(s);
        if (p <= sp.w)
            return spliced_body_quantile(&sp, p);
        return spliced_tail_isf(&sp, 1 - p);
    }
    }
    return NAN;
}

/* ---------------------------------------------------------------------------------------- */
/* Moments and limited moments.                                                              */

/*
 * Lomax (Pareto II) limited moments, alpha = shape, theta = scale, u finite.
 * With L = log(1 + u/theta) and t = x/(x+theta), E[min(X,u)^k] = k theta^k B_v(k, alpha - k)
 * (unregularised incomplete beta, v = u/(u+theta)); the substitution s = -log(1 - t) gives
 *   k = 1: theta int_0^L e^-(alpha-1)s ds            = theta L (1 - e^-cL)/(cL), c = alpha-1
 *   k = 2: 2 theta^2 int_0^L (1 - e^-s) e^-(alpha-2)s ds
 * valid for every alpha > 0 (the beta function form B(k, alpha - k) of Loss Models appendix
 * A.2.3.1 needs alpha > k). For alpha > 2, k = 2 uses that form, E[X^2] I_v(2, alpha - 2),
 * which has no cancellation; for alpha <= 2 the integral is the difference of two
 * exponential integrals, or its power series when L is small and the difference would cancel.
 */
static double lomax_limited(double alpha, double theta, double u, int k)
{
    if (u <= 0)
        return 0.0;
    double L = log1p(u / theta);
    if (k == 1)
        return theta * L * expm1_ratio((alpha - 1) * L);
    if (alpha > 2) {
        double v = u / (u + theta);
        return 2 * theta * theta / ((alpha - 1) * (alpha - 2)) * beta_inc(2, alpha - 2, v);
    }
    double c = alpha - 2;   /* in (-2, 0] */
    double integral;
    if (L < 0.5) {
        /* int_0^L e^{-cs} - e^{-(c+1)s} ds = sum_{n>=1} (a1^n - a2^n) L^{n+1}/(n+1)!,
           a1 = -c in [0, 2), a2 = -c-1 in [-1, 1): |terms| <= 3 (2L)^n L/(n+1)!, so 40 terms
           reach far below rounding. */
        double a1 = -c, a2 = -c - 1, p1 = 1, p2 = 1, lp = L, sum = 0;
        for (int n = 1; n <= 60; n++) {
            p1 *= a1;
            p2 *= a2;
            lp *= L / (n + 1);
            sum += (p1 - p2) * lp;
            /* stop on the bound of the remaining terms, not on one term (which can vanish,
               e.g. n = 2 at alpha = 1.5 where a1^2 = a2^2) */
            if ((fabs(p1) + fabs(p2)) * lp <= 1e-17 * fabs(sum))
                break;
        }
        integral = sum;
    } else {
        integral = L * expm1_ratio(c * L) - L * expm1_ratio((c + 1) * L);
    }
    return 2 * theta * theta * integral;
}

static double lomax_moment(double alpha, double theta, int k)
{
    if (k == 1)
        return alpha > 1 ? theta / (alpha - 1) : INFINITY;
    return alpha > 2 ? 2 * theta * theta / ((alpha - 1) * (alpha - 2)) : INFINITY;
}

/*
 * GPD excess Y = X - mu >= 0, limited at w (finite).
 *   xi > 0: Y is Lomax with alpha = 1/xi, theta = sigma/xi.
 *   xi = 0: exponential with mean sigma: E[min(Y,w)] = sigma (1 - e^-w/sigma),
 *           E[min(Y,w)^2] = 2 sigma^2 P(2, w/sigma).
 *   xi < 0: S(y) = (1 - y/b)^beta on [0, b], b = sigma/|xi|, beta = 1/|xi|; with t = y/b,
 *           E[min(Y,w)^k] = k b^k B_{t'}(k, beta + 1), t' = min(w/b, 1):
 *           k = 1: b (1 - (1 - t')^(beta+1))/(beta + 1),
 *           k = 2: 2 b^2 I_{t'}(2, beta + 1)/((beta + 1)(beta + 2)).
 */
static double gpd_excess_limited(double xi, double sigma, double w, int k)
{
    if (w <= 0)
        return 0.0;
    if (xi > 0)
        return lomax_limited(1 / xi, sigma / xi, w, k);
    if (xi == 0) {
        double z = w / sigma;
        if (k == 1)
            return -sigma * expm1(-z);
        return 2 * sigma * sigma * gamma_p(2, z);
    }
    double b = sigma / -xi, beta = 1 / -xi;
    double t = w < b ? w / b : 1.0;
    if (k == 1)
        return b * -expm1((beta + 1) * log1p(-t)) / (beta + 1);
    return 2 * b * b * beta_inc(2, beta + 1, t) / ((beta + 1) * (beta + 2));
}

static double gpd_excess_moment(double xi, double sigma, int k)
{
    /* E[Y] = sigma/(1 - xi), xi < 1; E[Y^2] = 2 sigma^2/((1 - xi)(1 - 2 xi)), xi < 1/2. */
    if (k == 1)
        return xi < 1 ? sigma / (1 - xi) : INFINITY;
    return xi < 0.5 ? 2 * sigma * sigma / ((1 - xi) * (1 - 2 * xi)) : INFINITY;
}

/* E[min(X, u)^k] = mu^k + ... from min(X, u) = mu + min(Y, u - mu) for u > mu. */
static double gpd_from_excess(double mu, double m1, double m2, int k)
{
    if (k == 1)
        return mu + m1;
    return mu * mu + 2 * mu * m1 + m2;
}

double ds_sev_moment(const ds_sev *s, int k)
{
    if (k != 1 && k != 2)
        return NAN;
    switch (s->family) {
    case DS_SEV_LOGNORMAL: {
        /* E[X^k] = exp(k meanlog + k^2 sdlog^2 / 2) */
        double m = s->u.lognormal.meanlog, sd = s->u.lognormal.sdlog;
        return exp(k * m + 0.5 * k * k * sd * sd);
    }
    case DS_SEV_GAMMA: {
        double a = s->u.gamma.shape, r = s->u.gamma.rate;
        return k == 1 ? a / r : a * (a + 1) / (r * r);
    }
    case DS_SEV_WEIBULL: {
        /* E[X^k] = scale^k Gamma(1 + k/shape) */
        gsl_sf_result g;
        int rc = gsl_sf_gamma_e(1 + k / s->u.weibull.shape, &g);
        if (rc == GSL_EOVRFLW)
            return INFINITY;    /* a tiny shape: the moment exceeds the double range */
        if (rc != GSL_SUCCESS)
            return NAN;
        return pow(s->u.weibull.scale, k) * g.val;
    }
    case DS_SEV_EXPONENTIAL: {
        double r = s->u.exponential.rate;
        return k == 1 ? 1 / r : 2 / (r * r);
    }
    case DS_SEV_PARETO:
        return lomax_moment(s->u.pareto.shape, s->u.pareto.scale, k);
    case DS_SEV_GPD: {
        double xi = s->u.gpd.xi, sigma = s->u.gpd.sigma;
        double m1 = gpd_excess_moment(xi, sigma, 1);
        double m2 = k == 2 ? gpd_excess_moment(xi, sigma, 2) : 0;
        return gpd_from_excess(s->u.gpd.mu, m1, m2, k);
    }
    case DS_SEV_SPLICED:
        return ds_sev_limited_moment(s, INFINITY, k);
    }
    return NAN;
}

/*
 * Spliced: X is the body conditioned on B <= t with probability w, else the tail conditioned
 * on T > t. With LM the limited moments of the unconditioned parts and u' = min(u, t):
 *   E[min(B,u)^k | B <= t] = (LM_B(u') - u'^k S_B(t)) / F_B(t)
 *   E[min(T,u)^k | T > t]  = u^k                                     if u <= t
 *                          = t^k + (LM_T(u) - LM_T(t)) / S_T(t)     otherwise
 * (for T > t, min(T,u)^k - t^k integrates k x^(k-1) over (t, min(T,u)], whose expectation is
 * the integral of k x^(k-1) S_T(x)/S_T(t) over (t, u]).
 */
static double spliced_limited(const ds_sev *s, double u, int k)
{
    splice_parts sp = splice_of(s);
    double ub = u < sp.t ? u : sp.t;
    double body = (ds_sev_limited_moment(sp.body, ub, k) - pow(ub, k) * ds_sev_sf(sp.body, sp.t))
                  / sp.fb_t;
    double tail;
    if (u <= sp.t) {
        tail = pow(u, k);
    } else {
        double lm_u = ds_sev_limited_moment(sp.tail, u, k);
        if (isinf(lm_u))
            return INFINITY;
        tail = pow(sp.t, k) + (lm_u - ds_sev_limited_moment(sp.tail, sp.t, k)) / sp.st_t;
    }
    return sp.w * body + (1 - sp.w) * tail;
}

double ds_sev_limited_moment(const ds_sev *s, double u, int k)
{
    if ((k != 1 && k != 2) || isnan(u) || u < 0)
        return NAN;
    if (s->family == DS_SEV_SPLICED)
        return spliced_limited(s, u, k);   /* handles u = INFINITY itself */
    if (isinf(u))
        return ds_sev_moment(s, k);
    if (u == 0)
        return 0.0;
    double uk = k == 1 ? u : u * u;
    switch (s->family) {
    case DS_SEV_LOGNORMAL: {
        /* Loss Models A.4.1.1: E[(X^u)^k] = exp(k m + k^2 s^2/2) Phi((ln u - m - k s^2)/s)
           + u^k (1 - Phi((ln u - m)/s)) */
        double m = s->u.lognormal.meanlog, sd = s->u.lognormal.sdlog, lu = log(u);
        return ds_sev_moment(s, k) * gsl_cdf_ugaussian_P((lu - m - k * sd * sd) / sd)
               + uk * gsl_cdf_ugaussian_Q((lu - m) / sd);
    }
    case DS_SEV_GAMMA: {
        /* Loss Models A.3.3.1: theta^k Gamma(a+k)/Gamma(a) P(a+k, u/theta) + u^k Q(a, u/theta)*/
        double a = s->u.gamma.shape, z = s->u.gamma.rate * u;
        return ds_sev_moment(s, k) * gamma_p(a + k, z) + uk * gamma_q(a, z);
    }
    case DS_SEV_WEIBULL: {
        /* Loss Models A.3.2.3: scale^k Gamma(1+k/tau) P(1+k/tau, (u/scale)^tau)
           + u^k exp(-(u/scale)^tau) */
        double tau = s->u.weibull.shape, z = pow(u / s->u.weibull.scale, tau);
        double m = ds_sev_moment(s, k), a = 1 + k / tau;
        double body = isfinite(m) ? m * gamma_p(a, z)
                                  : exp(k * log(s->u.weibull.scale) + log_lower_gamma(a, z));
        return body + uk * exp(-z);
    }
    case DS_SEV_EXPONENTIAL: {
        /* E[min(X,u)] = (1 - e^-ru)/r; E[min(X,u)^2] = int_0^u 2x e^-rx dx = 2/r^2 P(2, ru) */
        double r = s->u.exponential.rate;
        if (k == 1)
            return -expm1(-r * u) / r;
        return 2 / (r * r) * gamma_p(2, r * u);
    }
    case DS_SEV_PARETO:
        return lomax_limited(s->u.pareto.shape, s->u.pareto.scale, u, k);
    case DS_SEV_GPD: {
        double mu = s->u.gpd.mu, xi = s->u.gpd.xi, sigma = s->u.gpd.sigma;
        if (u <= mu)
            return uk;
        double m1 = gpd_excess_limited(xi, sigma, u - mu, 1);
        double m2 = k == 2 ? gpd_excess_limited(xi, sigma, u - mu, 2) : 0;
        return gpd_from_excess(mu, m1, m2, k);
    }
    case DS_SEV_SPLICED:
        return spliced_limited(s, u, k);
    }
    return NAN;
}

void ds_sev_layer_moments(const ds_sev *s, double deductible, double limit, double coinsurance,
                          double *mean, double *second_moment)
{
    double m1 = NAN, m2 = NAN;
    double d = deductible, c = coinsurance;
    if (d >= 0 && isfinite(d) && limit >= 0 && c >= 0 && isfinite(c)) {
        double u = d + limit;   /* INFINITY when the limit is */
        double lu1 = ds_sev_limited_moment(s, u, 1), ld1 = ds_sev_limited_moment(s, d, 1);
        double lu2 = ds_sev_limited_moment(s, u, 2), ld2 = ds_sev_limited_moment(s, d, 2);
        double layer1 = lu1 - ld1;
        m1 = isinf(lu1) ? (c > 0 ? INFINITY : 0.0) : c * layer1;
        if (isinf(lu2))
            m2 = c > 0 ? INFINITY : 0.0;
        else
            m2 = c * c * (lu2 - ld2 - 2 * d * layer1);
        if (limit == 0) {
            m1 = 0;
            m2 = 0;
        }
    }
    if (mean)
        *mean = m1;
    if (second_moment)
        *second_moment = m2;
}

/* ---------------------------------------------------------------------------------------- */
/* Sampling.                                                                                 */

double ds_sev_sample(const ds_sev *s, gsl_rng *rng)
{
    switch (s->family) {
    case DS_SEV_LOGNORMAL:
        return gsl_ran_lognormal(rng, s->u.lognormal.meanlog, s->u.lognormal.sdlog);
    case DS_SEV_GAMMA:
        return gsl_ran_gamma(rng, s->u.gamma.shape, 1 / s->u.gamma.rate);
    case DS_SEV_WEIBULL:
        return gsl_ran_weibull(rng, s->u.weibull.scale, s->u.weibull.shape);
    case DS_SEV_EXPONENTIAL:
        return gsl_ran_exponential(rng, 1 / s->u.exponential.rate);
    case DS_SEV_PARETO:
    case DS_SEV_GPD:
        /* inversion: if U is uniform on (0, 1] so is 1 - U, hence x = S^-1(U) */
        return sev_isf(s, gsl_rng_uniform_pos(rng));
    case DS_SEV_SPLICED: {
        /* Inversion of the spliced cdf with one uniform; the tail through its survival
           function so that small survival levels keep their precision. */
        double v = gsl_rng_uniform_pos(rng);
        return sev_isf(s, v);
    }
    }
    return NAN;
}
