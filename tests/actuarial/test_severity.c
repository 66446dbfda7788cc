/*
 * test_severity.c: loss-size distributions against closed forms, numerical integrals and
 * hand-computed values.
 *
 * Tolerances (why they are what they are):
 * - Numerical integrals use GSL's adaptive Gauss-Kronrod (qags/qagiu) with epsrel 1e-12 and
 *   are split at the kinks of the integrand (a GPD's mu, a splice threshold), so their error is
 *   ~1e-12; comparisons against them use 1e-9 (pdf vs cdf) and 1e-8 (limited and layer
 *   moments: the closed forms combine incomplete gamma/beta values accurate to ~1e-14 with
 *   differences that can lose two or three digits).
 * - Closed forms evaluated in the test with libm (erfc, exp, pow) agree with the library's GSL
 *   path to a few ulps times the condition number; 1e-12 relative unless stated.
 * - Sample means: within 5 standard errors, sigma/sqrt(n) from the closed-form variance,
 *   n = 200000 with a fixed seed (a false failure would have probability < 1e-6).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_integration.h>
#include <gsl/gsl_rng.h>

#include "actuarial/severity.h"
#include "tests/ds_test.h"

/* ---------------------------------------------------------------------------------------- */
/* Cases.                                                                                    */

static ds_sev lognormal(double meanlog, double sdlog)
{
    ds_sev s = {.family = DS_SEV_LOGNORMAL};
    s.u.lognormal.meanlog = meanlog;
    s.u.lognormal.sdlog = sdlog;
    return s;
}

static ds_sev gamma_sev(double shape, double rate)
{
    ds_sev s = {.family = DS_SEV_GAMMA};
    s.u.gamma.shape = shape;
    s.u.gamma.rate = rate;
    return s;
}

static ds_sev weibull(double shape, double scale)
{
    ds_sev s = {.family = DS_SEV_WEIBULL};
    s.u.weibull.shape = shape;
    s.u.weibull.scale = scale;
    return s;
}

static ds_sev exponential(double rate)
{
    ds_sev s = {.family = DS_SEV_EXPONENTIAL};
    s.u.exponential.rate = rate;
    return s;
}

static ds_sev pareto(double shape, double scale)
{
    ds_sev s = {.family = DS_SEV_PARETO};
    s.u.pareto.shape = shape;
    s.u.pareto.scale = scale;
    return s;
}

static ds_sev gpd(double xi, double sigma, double mu)
{
    ds_sev s = {.family = DS_SEV_GPD};
    s.u.gpd.xi = xi;
    s.u.gpd.sigma = sigma;
    s.u.gpd.mu = mu;
    return s;
}

/* A spliced severity owning heap copies of body and tail (free with ds_sev_clear). */
static ds_sev spliced(ds_sev body, ds_sev tail, double threshold, double body_weight)
{
    ds_sev s = {.family = DS_SEV_SPLICED};
    s.u.spliced.body = malloc(sizeof *s.u.spliced.body);
    s.u.spliced.tail = malloc(sizeof *s.u.spliced.tail);
    CU_ASSERT_FATAL(s.u.spliced.body && s.u.spliced.tail);
    *s.u.spliced.body = body;
    *s.u.spliced.tail = tail;
    s.u.spliced.threshold = threshold;
    s.u.spliced.body_weight = body_weight;
    return s;
}

#define N_CASES 17

/* Every family, with light and heavy tails, shapes below 1 (density infinite at 0), a GPD
   with bounded support and one with a location, and two splices. */
static void make_cases(ds_sev cases[N_CASES])
{
    ds_sev list[N_CASES] = {
        lognormal(1, 0.8),       lognormal(10, 1.5),  gamma_sev(2.5, 0.01), gamma_sev(0.6, 2),
        weibull(0.7, 1000),      weibull(2, 3),       exponential(0.002),   pareto(3.5, 2000),
        pareto(1.5, 100),        pareto(0.8, 10),     gpd(0.3, 1000, 0),    gpd(0, 50, 100),
        gpd(-0.4, 200, 10),      gpd(0.7, 10, 0),     gpd(-1.5, 100, 0),
        spliced(lognormal(8, 1), gpd(0.3, 4000, 10000), 10000, NAN),
        spliced(gamma_sev(2, 0.001), pareto(2.5, 3000), 5000, 0.8),
    };
    memcpy(cases, list, sizeof list);
}

static void free_cases(ds_sev cases[N_CASES])
{
    for (int i = 0; i < N_CASES; i++)
        ds_sev_clear(&cases[i]);
}

/* Points where the integrand has a kink, in increasing order: a GPD's location and upper
   end, a splice threshold. */
static size_t kinks(const ds_sev *s, double *out, size_t n)
{
    if (s->family == DS_SEV_GPD) {
        if (s->u.gpd.mu > 0)
            out[n++] = s->u.gpd.mu;
        if (s->u.gpd.xi < 0)
            out[n++] = s->u.gpd.mu + s->u.gpd.sigma / -s->u.gpd.xi;
    } else if (s->family == DS_SEV_SPLICED) {
        n = kinks(s->u.spliced.body, out, n);
        out[n++] = s->u.spliced.threshold;
        n = kinks(s->u.spliced.tail, out, n);
    }
    return n;
}

/* ---------------------------------------------------------------------------------------- */
/* Numerical integration over [a, b] (b may be INFINITY), split at the kinks.                */

typedef struct {
    const ds_sev *s;
    int what;       /* 0: pdf, 1: S(x), 2: 2 x S(x), 3: 2 (x - d) S(x) */
    double d;
    double a;       /* for the semi-infinite piece [a, inf): x = a / v, v in (0, 1] */
} integrand;

static double integrand_eval(double x, void *params);

/* int_a^inf g(x) dx = int_0^1 g(a/v) a/v^2 dv: the scale of the tail is a itself, where
   GSL's qagiu would map with scale 1 and lose a tail that starts far out. */
static double integrand_inverted(double v, void *params)
{
    const integrand *in = params;
    if (v <= 0)
        return 0.0;
    double x = in->a / v;
    double g = integrand_eval(x, params);
    return g == 0 ? 0.0 : g * (in->a / v) / v;
}

static double integrand_eval(double x, void *params)
{
    const integrand *in = params;
    if (isinf(x))
        return 0.0;
    switch (in->what) {
    case 0: return ds_sev_pdf(in->s, x);
    case 1: return ds_sev_sf(in->s, x);
    case 2: return 2 * x * ds_sev_sf(in->s, x);
    default: return 2 * (x - in->d) * ds_sev_sf(in->s, x);
    }
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double integrate(const ds_sev *s, int what, double d, double a, double b)
{
    integrand in = {s, what, d, 0};
    gsl_function fn = {integrand_eval, &in};
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(2000);
    /* Split at the kinks, and at tail quantiles so that a heavy tail (a lognormal's second
       moment) is not left to one semi-infinite transformed interval. */
    double cuts[16];
    size_t n_cuts = kinks(s, cuts, 0);
    const double tail_ps[] = {0.5, 0.99, 0.9999, 0.999999, 1 - 1e-9, 1 - 1e-12};
    for (size_t i = 0; i < sizeof tail_ps / sizeof tail_ps[0]; i++) {
        double q = ds_sev_quantile(s, tail_ps[i]);
        if (isfinite(q))
            cuts[n_cuts++] = q;
    }
    qsort(cuts, n_cuts, sizeof cuts[0], compare_doubles);
    /* Drop a cut within 1e-8 (relative) of the next one: a sliver next to an integrable
       singularity (a GPD with xi < -1 at its upper end) makes qags report GSL_ESING. */
    size_t n_kept = 0;
    for (size_t i = 0; i < n_cuts; i++) {
        if (i + 1 < n_cuts && cuts[i + 1] - cuts[i] <= 1e-8 * cuts[i + 1])
            continue;
        cuts[n_kept++] = cuts[i];
    }
    n_cuts = n_kept;
    double total = 0, lo = a;
    for (size_t i = 0; i <= n_cuts; i++) {
        double hi = i < n_cuts && cuts[i] < b ? cuts[i] : b;
        if (hi <= lo)
            continue;
        double result, abserr;
        int rc;
        if (isinf(hi)) {
            in.a = lo;
            gsl_function inverted = {integrand_inverted, &in};
            rc = gsl_integration_qags(&inverted, 0, 1, 0, 1e-12, 2000, ws, &result, &abserr);
        } else
            rc = gsl_integration_qags(&fn, lo, hi, 0, 1e-12, 2000, ws, &result, &abserr);
        /* GSL_EROUND means the requested 1e-12 was not reached but the estimate is the best
           available; the comparisons' tolerances still apply. */
        CU_ASSERT(rc == GSL_SUCCESS || rc == GSL_EROUND);
        total += result;
        lo = hi;
    }
    gsl_integration_workspace_free(ws);
    return total;
}

static const double probe_ps[] = {1e-3, 0.01, 0.3, 0.5, 0.9, 0.99, 0.99999};
#define N_PROBES (sizeof probe_ps / sizeof probe_ps[0])

/* ---------------------------------------------------------------------------------------- */
/* Tests over every case.                                                                    */

static void test_severity__pdf_integrates_to_cdf(void)
{
    ds_sev cases[N_CASES];
    make_cases(cases);
    for (int i = 0; i < N_CASES; i++) {
        for (size_t j = 0; j < N_PROBES; j++) {
            double x = ds_sev_quantile(&cases[i], probe_ps[j]);
            double area = integrate(&cases[i], 0, 0, 0, x);
            DS_ASSERT_REL(area, ds_sev_cdf(&cases[i], x), 1e-9);
        }
        /* total mass 1 over the whole support */
        DS_ASSERT_REL(integrate(&cases[i], 0, 0, 0, INFINITY), 1.0, 1e-9);
    }
    free_cases(cases);
}

static void test_severity__log_pdf_is_log_of_pdf(void)
{
    ds_sev cases[N_CASES];
    make_cases(cases);
    for (int i = 0; i < N_CASES; i++) {
        for (size_t j = 0; j < N_PROBES; j++) {
            double x = ds_sev_quantile(&cases[i], probe_ps[j]);
            DS_ASSERT_REL(ds_sev_log_pdf(&cases[i], x), log(ds_sev_pdf(&cases[i], x)), 1e-12);
        }
        CU_ASSERT_EQUAL(ds_sev_pdf(&cases[i], -1.0), 0.0);
        CU_ASSERT_EQUAL(ds_sev_cdf(&cases[i], -1.0), 0.0);
        CU_ASSERT_EQUAL(ds_sev_sf(&cases[i], -1.0), 1.0);
    }
    free_cases(cases);
}

static void test_severity__quantile_inverts_cdf(void)
{
    ds_sev cases[N_CASES];
    make_cases(cases);
    const double ps[] = {1e-8, 1e-3, 0.2, 0.5, 0.8, 0.999, 1 - 1e-9};
    for (int i = 0; i < N_CASES; i++) {
        for (size_t j = 0; j < sizeof ps / sizeof ps[0]; j++) {
            double x = ds_sev_quantile(&cases[i], ps[j]);
            /* Check in the better-conditioned form: F below the median, S above it. */
            /* Rounding x to a double moves F by up to eps x f(x), which dominates where the
               density is large (a GPD just above mu, or just below its upper end). */
            double rounding = 4 * DBL_EPSILON * x * ds_sev_pdf(&cases[i], x);
            if (ps[j] < 0.5) {
                DS_ASSERT_ABS(ds_sev_cdf(&cases[i], x), ps[j], 1e-9 * ps[j] + rounding);
            } else {
                DS_ASSERT_ABS(ds_sev_sf(&cases[i], x), 1 - ps[j], 1e-9 * (1 - ps[j]) + rounding);
            }
            /* and back: quantile(cdf(x)) = x */
            DS_ASSERT_REL(ds_sev_quantile(&cases[i], ds_sev_cdf(&cases[i], x)), x, 1e-7);
        }
        CU_ASSERT(ds_sev_quantile(&cases[i], 0.5) > ds_sev_quantile(&cases[i], 0.4));
        CU_ASSERT(isnan(ds_sev_quantile(&cases[i], 1.5)));
    }
    free_cases(cases);
}

static void test_severity__sf_plus_cdf_is_one(void)
{
    ds_sev cases[N_CASES];
    make_cases(cases);
    for (int i = 0; i < N_CASES; i++) {
        for (size_t j = 0; j < N_PROBES; j++) {
            double x = ds_sev_quantile(&cases[i], probe_ps[j]) * 1.0001;
            DS_ASSERT_ABS(ds_sev_sf(&cases[i], x) + ds_sev_cdf(&cases[i], x), 1.0, 4e-16);
        }
    }
    free_cases(cases);
}

static void test_severity__limited_moments_equal_integral_of_survival(void)
{
    ds_sev cases[N_CASES];
    make_cases(cases);
    for (int i = 0; i < N_CASES; i++) {
        for (size_t j = 0; j < N_PROBES; j++) {
            double u = ds_sev_quantile(&cases[i], probe_ps[j]);
            /* E[min(X,u)^k] = int_0^u k x^(k-1) S(x) dx */
            DS_ASSERT_REL(ds_sev_limited_moment(&cases[i], u, 1), integrate(&cases[i], 1, 0, 0, u),
                          1e-8);
            DS_ASSERT_REL(ds_sev_limited_moment(&cases[i], u, 2), integrate(&cases[i], 2, 0, 0, u),
                          1e-8);
        }
        CU_ASSERT_EQUAL(ds_sev_limited_moment(&cases[i], 0, 1), 0.0);
        CU_ASSERT(isnan(ds_sev_limited_moment(&cases[i], 1, 3)));
        CU_ASSERT(isnan(ds_sev_limited_moment(&cases[i], -1, 1)));
        /* u = INFINITY is the raw moment */
        for (int k = 1; k <= 2; k++)
            CU_ASSERT_EQUAL(ds_sev_limited_moment(&cases[i], INFINITY, k),
                            ds_sev_moment(&cases[i], k));
    }
    free_cases(cases);
}

static void test_severity__pareto_limited_moments_at_shape_one_and_two(void)
{
    /* alpha = 1 and 2 are the removable singularities of the closed forms; u on both sides of
       the switch between power series and difference (L = log1p(u/theta) = 0.5). */
    const double alphas[] = {1, 2, 1 + 1e-9, 2 - 1e-9, 0.3, 1.9999};
    const double us[] = {1e-6, 0.5, 64.8, 64.9, 65, 200, 1e6};
    for (size_t i = 0; i < sizeof alphas / sizeof alphas[0]; i++) {
        ds_sev s = pareto(alphas[i], 100);
        for (size_t j = 0; j < sizeof us / sizeof us[0]; j++) {
            DS_ASSERT_REL(ds_sev_limited_moment(&s, us[j], 1), integrate(&s, 1, 0, 0, us[j]),
                          1e-8);
            DS_ASSERT_REL(ds_sev_limited_moment(&s, us[j], 2), integrate(&s, 2, 0, 0, us[j]),
                          1e-8);
        }
    }
    /* alpha = 1: E[min(X,u)] = theta log(1 + u/theta) exactly */
    ds_sev one = pareto(1, 100);
    DS_ASSERT_REL(ds_sev_limited_moment(&one, 300, 1), 100 * log(4.0), 1e-14);
}

static void test_severity__moments_match_closed_forms(void)
{
    ds_sev ln = lognormal(1, 0.8);
    DS_ASSERT_REL(ds_sev_moment(&ln, 1), exp(1 + 0.32), 1e-14);
    DS_ASSERT_REL(ds_sev_moment(&ln, 2), exp(2 + 2 * 0.64), 1e-14);
    ds_sev ga = gamma_sev(2.5, 0.01);
    DS_ASSERT_REL(ds_sev_moment(&ga, 1), 250, 1e-14);
    DS_ASSERT_REL(ds_sev_moment(&ga, 2), 2.5 * 3.5 / 1e-4, 1e-14);
    ds_sev we = weibull(0.7, 1000);
    DS_ASSERT_REL(ds_sev_moment(&we, 1), 1000 * tgamma(1 + 1 / 0.7), 1e-13);
    DS_ASSERT_REL(ds_sev_moment(&we, 2), 1e6 * tgamma(1 + 2 / 0.7), 1e-13);
    ds_sev ex = exponential(0.002);
    DS_ASSERT_REL(ds_sev_moment(&ex, 1), 500, 1e-15);
    DS_ASSERT_REL(ds_sev_moment(&ex, 2), 2 * 500.0 * 500, 1e-15);
    ds_sev pa = pareto(3.5, 2000);
    DS_ASSERT_REL(ds_sev_moment(&pa, 1), 2000 / 2.5, 1e-15);
    DS_ASSERT_REL(ds_sev_moment(&pa, 2), 2 * 2000.0 * 2000 / (2.5 * 1.5), 1e-15);
    ds_sev pa15 = pareto(1.5, 100), pa08 = pareto(0.8, 10);
    DS_ASSERT_REL(ds_sev_moment(&pa15, 1), 200, 1e-15);
    CU_ASSERT(isinf(ds_sev_moment(&pa15, 2)));
    CU_ASSERT(isinf(ds_sev_moment(&pa08, 1)));
    ds_sev g1 = gpd(0.3, 1000, 0), g2 = gpd(0, 50, 100), g3 = gpd(-0.4, 200, 10);
    DS_ASSERT_REL(ds_sev_moment(&g1, 1), 1000 / 0.7, 1e-15);
    DS_ASSERT_REL(ds_sev_moment(&g1, 2), 2e6 / (0.7 * 0.4), 1e-15);
    DS_ASSERT_REL(ds_sev_moment(&g2, 1), 150, 1e-15);
    DS_ASSERT_REL(ds_sev_moment(&g2, 2), 150.0 * 150 + 2500, 1e-15);  /* mean^2 + var */
    DS_ASSERT_REL(ds_sev_moment(&g3, 1), 10 + 200 / 1.4, 1e-15);
    ds_sev g7 = gpd(0.7, 10, 0), g10 = gpd(1.0, 10, 0);
    CU_ASSERT(isinf(ds_sev_moment(&g7, 2)));
    CU_ASSERT(isinf(ds_sev_moment(&g10, 1)));

    /* Every finite raw moment equals the integral of k x^(k-1) S(x) over [0, inf). */
    ds_sev cases[N_CASES];
    make_cases(cases);
    for (int i = 0; i < N_CASES; i++) {
        for (int k = 1; k <= 2; k++) {
            double m = ds_sev_moment(&cases[i], k);
            if (isfinite(m)) {
                DS_ASSERT_REL(m, integrate(&cases[i], k, 0, 0, INFINITY), 1e-8);
            }
        }
    }
    free_cases(cases);
}

static void test_severity__pareto_cdf_matches_actuar_formula(void)
{
    /* actuar's ppareto(q, shape, scale) = 1 - (scale/(q + scale))^shape, by hand:
       shape 2, scale 1000: q = 1000 -> 1 - (1/2)^2 = 0.75; q = 3000 -> 1 - (1/4)^2 = 0.9375;
       shape 1.5, scale 100: q = 300 -> 1 - (1/4)^1.5 = 0.875; q = 0 -> 0. */
    ds_sev a = pareto(2, 1000), b = pareto(1.5, 100);
    DS_ASSERT_REL(ds_sev_cdf(&a, 1000), 0.75, 1e-15);
    DS_ASSERT_REL(ds_sev_cdf(&a, 3000), 0.9375, 1e-15);
    DS_ASSERT_REL(ds_sev_cdf(&b, 300), 0.875, 1e-15);
    CU_ASSERT_EQUAL(ds_sev_cdf(&b, 0), 0.0);
    /* density shape scale^shape / (x + scale)^(shape+1): 2 * 1e6 / 2000^3 at x = 1000 */
    DS_ASSERT_REL(ds_sev_pdf(&a, 1000), 2e6 / 8e9, 1e-14);
    /* qpareto(0.75, 2, 1000) = 1000 */
    DS_ASSERT_REL(ds_sev_quantile(&a, 0.75), 1000, 1e-14);
}

static void test_severity__sf_is_accurate_in_the_far_tail(void)
{
    /* Hand closed forms where S(x) ~ 1e-17..1e-40, far below where 1 - F(x) is all rounding */
    ds_sev ln = lognormal(1, 0.8);
    DS_ASSERT_REL(ds_sev_sf(&ln, exp(1 + 0.8 * 11)), 0.5 * erfc(11 / sqrt(2.0)), 1e-11);
    ds_sev ga = gamma_sev(3, 0.5);   /* S(x) = e^-z (1 + z + z^2/2), z = x/2 */
    DS_ASSERT_REL(ds_sev_sf(&ga, 200), exp(-100.0) * (1 + 100 + 5000), 1e-12);
    ds_sev we = weibull(2, 3);
    DS_ASSERT_REL(ds_sev_sf(&we, 24), exp(-64.0), 1e-13);
    ds_sev ex = exponential(0.002);
    DS_ASSERT_REL(ds_sev_sf(&ex, 35000), exp(-70.0), 1e-13);
    ds_sev pa = pareto(3.5, 2000);
    DS_ASSERT_REL(ds_sev_sf(&pa, 2e9), pow(2000 / (2e9 + 2000), 3.5), 1e-13);
    ds_sev g1 = gpd(0.3, 1000, 0);
    DS_ASSERT_REL(ds_sev_sf(&g1, 1e12), pow(1 + 0.3 * 1e12 / 1000, -1 / 0.3), 1e-12);
    ds_sev g3 = gpd(-0.4, 200, 10);   /* upper end mu + sigma/|xi| = 510 */
    DS_ASSERT_REL(ds_sev_sf(&g3, 509.9999), pow(1 - 0.4 * 499.9999 / 200, 2.5), 1e-8);
    CU_ASSERT_EQUAL(ds_sev_sf(&g3, 510), 0.0);
    CU_ASSERT_EQUAL(ds_sev_cdf(&g3, 600), 1.0);
    CU_ASSERT_EQUAL(ds_sev_quantile(&g3, 1), 510.0);

    /* spliced: S(x) = (1 - w) S_tail(x)/S_tail(t) above t */
    ds_sev sp = spliced(gamma_sev(2, 0.001), pareto(2.5, 3000), 5000, 0.8);
    double x = 1e10, tail = pow(3000 / (x + 3000), 2.5) / pow(3000 / 8000.0, 2.5);
    DS_ASSERT_REL(ds_sev_sf(&sp, x), 0.2 * tail, 1e-12);
    /* far-tail quantiles come back through the survival function */
    DS_ASSERT_REL(ds_sev_sf(&sp, ds_sev_quantile(&sp, 1 - 1e-12)), 1e-12, 1e-3);
    ds_sev_clear(&sp);
}

static void test_severity__sample_mean_within_five_standard_errors(void)
{
    ds_sev cases[N_CASES];
    make_cases(cases);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 42);
    const int n = 200000;
    int n_checked = 0;
    for (int i = 0; i < N_CASES; i++) {
        double m1 = ds_sev_moment(&cases[i], 1), m2 = ds_sev_moment(&cases[i], 2);
        if (!isfinite(m2))
            continue;   /* infinite variance: no standard error to test against */
        double sum = 0;
        for (int j = 0; j < n; j++)
            sum += ds_sev_sample(&cases[i], rng);
        double se = sqrt((m2 - m1 * m1) / n);
        DS_ASSERT_ABS(sum / n, m1, 5 * se);
        n_checked++;
    }
    CU_ASSERT_EQUAL(n_checked, 14);
    gsl_rng_free(rng);
    free_cases(cases);
}

static void test_severity__layer_moments_equal_direct_integrals(void)
{
    ds_sev cases[N_CASES];
    make_cases(cases);
    for (int i = 0; i < N_CASES; i++) {
        double d = ds_sev_quantile(&cases[i], 0.3);
        double limits[] = {ds_sev_quantile(&cases[i], 0.95) - d, INFINITY};
        for (int j = 0; j < 2; j++) {
            double l = limits[j], c = 0.8, mean, second;
            ds_sev_layer_moments(&cases[i], d, l, c, &mean, &second);
            /* E[Y] = c int_d^{d+l} S(x) dx, E[Y^2] = c^2 int_d^{d+l} 2 (x - d) S(x) dx */
            if (isinf(l) && !isfinite(ds_sev_moment(&cases[i], 1))) {
                CU_ASSERT(isinf(mean) && isinf(second));
                continue;
            }
            DS_ASSERT_REL(mean, c * integrate(&cases[i], 1, 0, d, d + l), 1e-8);
            if (isinf(l) && !isfinite(ds_sev_moment(&cases[i], 2))) {
                CU_ASSERT(isinf(second));
            } else {
                DS_ASSERT_REL(second, c * c * integrate(&cases[i], 3, d, d, d + l), 1e-8);
            }
        }
    }
    /* no deductible, no limit, full coinsurance: the raw moments */
    double mean, second;
    ds_sev_layer_moments(&cases[0], 0, INFINITY, 1, &mean, &second);
    DS_ASSERT_REL(mean, ds_sev_moment(&cases[0], 1), 1e-15);
    DS_ASSERT_REL(second, ds_sev_moment(&cases[0], 2), 1e-15);
    ds_sev_layer_moments(&cases[0], -1, INFINITY, 1, &mean, &second);
    CU_ASSERT(isnan(mean) && isnan(second));
    free_cases(cases);
}

/* ---------------------------------------------------------------------------------------- */
/* Family-specific behaviour.                                                                */

static void test_severity__spliced_cdf_is_continuous_with_weight_at_threshold(void)
{
    ds_sev given = spliced(gamma_sev(2, 0.001), pareto(2.5, 3000), 5000, 0.8);
    ds_sev natural = spliced(lognormal(8, 1), gpd(0.3, 4000, 10000), 10000, NAN);
    /* F(t) = w and F(t+) = w: the cdf is continuous and the weight is where it belongs */
    DS_ASSERT_REL(ds_sev_cdf(&given, 5000), 0.8, 1e-15);
    DS_ASSERT_ABS(ds_sev_cdf(&given, 5000 * (1 + 1e-12)), 0.8, 1e-12);
    double fb = 0.5 * erfc(-(log(10000.0) - 8) / sqrt(2.0));   /* Phi((ln t - 8)/1) */
    DS_ASSERT_REL(ds_sev_cdf(&natural, 10000), fb, 1e-13);
    DS_ASSERT_ABS(ds_sev_cdf(&natural, 10000 * (1 + 1e-12)), fb, 1e-12);
    /* with the natural weight the body is the unconditioned lognormal below t */
    ds_sev body = lognormal(8, 1);
    DS_ASSERT_REL(ds_sev_pdf(&natural, 5000), ds_sev_pdf(&body, 5000), 1e-14);
    /* the tail is the conditioned GPD: (1 - w) f_tail(x) above t (S_tail(t) = 1 here) */
    ds_sev tail = gpd(0.3, 4000, 10000);
    DS_ASSERT_REL(ds_sev_pdf(&natural, 20000), (1 - fb) * ds_sev_pdf(&tail, 20000), 1e-13);
    /* quantiles on both sides of the weight */
    CU_ASSERT(ds_sev_quantile(&given, 0.79) < 5000);
    CU_ASSERT(ds_sev_quantile(&given, 0.81) > 5000);
    DS_ASSERT_REL(ds_sev_quantile(&given, 0.8), 5000, 1e-12);
    ds_sev_clear(&given);
    ds_sev_clear(&natural);
}

static void test_severity__gamma_quantile_is_right_for_extreme_shapes(void)
{
    /* GSL's gsl_cdf_gamma_Pinv/Qinv alone give a median of 1e-11 for shape 0.001 (true:
       ~1e-301) and miss the 1 - 1e-15 quantile of shape 1e5 by four orders in the tail
       probability; the library must check and fall back to bisection. */
    const double shapes[] = {0.001, 0.01, 0.1, 7.5, 500, 1e5};
    const double ps[] = {0.5, 0.9, 1 - 1e-8, 1 - 1e-15};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        ds_sev s = gamma_sev(shapes[i], 0.5);
        for (size_t j = 0; j < sizeof ps / sizeof ps[0]; j++) {
            double x = ds_sev_quantile(&s, ps[j]);
            double q = 1 - ps[j];   /* exact for p >= 0.5 */
            DS_ASSERT_ABS(ds_sev_sf(&s, x), q, 1e-8 * q + 8 * DBL_EPSILON * x * ds_sev_pdf(&s, x));
        }
        double lo = ds_sev_quantile(&s, 1e-3);
        if (lo > 1e-290) {   /* below that the quantile is not representable */
            DS_ASSERT_ABS(ds_sev_cdf(&s, lo), 1e-3,
                          1e-11 + 8 * DBL_EPSILON * lo * ds_sev_pdf(&s, lo));
        }
    }
    /* shape 0.001: F(x) ~ (x/2)^a / Gamma(1 + a) near 0, so the median is
       2 (0.5 Gamma(1.001))^1000 ~ 1.9e-301 */
    ds_sev tiny = gamma_sev(0.001, 0.5);
    DS_ASSERT_REL(ds_sev_quantile(&tiny, 0.5), 2 * pow(0.5 * tgamma(1.001), 1000), 1e-3);
}

static void test_severity__weibull_tiny_shape_limited_moments_stay_finite(void)
{
    /* shape 0.005: Gamma(1 + k/shape) overflows, so E[X^k] = INFINITY in double, while the
       limited moments are finite and must not become inf * 0 = NaN. */
    ds_sev s = weibull(0.005, 1);
    CU_ASSERT(isinf(ds_sev_moment(&s, 1)));
    const double us[] = {0.5, 1e6, 1e30};
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
        DS_ASSERT_REL(ds_sev_limited_moment(&s, us[i], 1), integrate(&s, 1, 0, 0, us[i]), 1e-8);
        DS_ASSERT_REL(ds_sev_limited_moment(&s, us[i], 2), integrate(&s, 2, 0, 0, us[i]), 1e-8);
    }
}

static void test_severity__gpd_with_zero_xi_is_exponential(void)
{
    ds_sev g = gpd(0, 50, 0), e = exponential(0.02);
    ds_sev near = gpd(1e-9, 50, 0), near_neg = gpd(-1e-9, 50, 0);
    const double xs[] = {0.1, 10, 50, 300};
    for (size_t i = 0; i < 4; i++) {
        DS_ASSERT_REL(ds_sev_cdf(&g, xs[i]), ds_sev_cdf(&e, xs[i]), 1e-14);
        DS_ASSERT_REL(ds_sev_sf(&g, xs[i]), ds_sev_sf(&e, xs[i]), 1e-14);
        DS_ASSERT_REL(ds_sev_pdf(&g, xs[i]), ds_sev_pdf(&e, xs[i]), 1e-14);
        for (int k = 1; k <= 2; k++) {
            double lm = ds_sev_limited_moment(&e, xs[i], k);
            DS_ASSERT_REL(ds_sev_limited_moment(&g, xs[i], k), lm, 1e-13);
            /* continuity in xi: the derivative in xi is O(1), so xi = 1e-9 moves ~1e-9 */
            DS_ASSERT_REL(ds_sev_limited_moment(&near, xs[i], k), lm, 1e-7);
            DS_ASSERT_REL(ds_sev_limited_moment(&near_neg, xs[i], k), lm, 1e-7);
        }
    }
}

static void test_severity__quantile_edges_are_support_ends(void)
{
    ds_sev cases[N_CASES];
    make_cases(cases);
    for (int i = 0; i < N_CASES; i++) {
        double lower = cases[i].family == DS_SEV_GPD ? cases[i].u.gpd.mu : 0.0;
        CU_ASSERT_EQUAL(ds_sev_quantile(&cases[i], 0), lower);
        double upper = ds_sev_quantile(&cases[i], 1);
        if (cases[i].family == DS_SEV_GPD && cases[i].u.gpd.xi < 0) {
            DS_ASSERT_REL(upper, cases[i].u.gpd.mu + cases[i].u.gpd.sigma / -cases[i].u.gpd.xi,
                          1e-15);
        } else {
            CU_ASSERT(isinf(upper));
        }
    }
    free_cases(cases);
}

static void test_severity__clear_frees_splice_and_leaves_exponential(void)
{
    ds_sev inner = spliced(lognormal(1, 1), pareto(3, 10), 5, NAN);
    ds_sev outer = spliced(exponential(1), gpd(0.2, 1, 20), 20, 0.9);
    /* nest: the outer splice's body is itself spliced (owned, freed recursively) */
    ds_sev_clear(outer.u.spliced.body);
    *outer.u.spliced.body = inner;
    ds_error err;
    ds_error_clear(&err);
    CU_ASSERT_EQUAL(ds_sev_validate(&outer, "severity", &err), DS_OK);
    ds_sev_clear(&outer);
    CU_ASSERT_EQUAL(outer.family, DS_SEV_EXPONENTIAL);
    CU_ASSERT_EQUAL(outer.u.exponential.rate, 1.0);
    ds_sev_clear(NULL);
}

static void test_severity__family_names_round_trip(void)
{
    for (int i = DS_SEV_LOGNORMAL; i <= DS_SEV_SPLICED; i++)
        CU_ASSERT_EQUAL(ds_sev_family_from_name(ds_sev_family_name((ds_sev_family)i)), i);
    CU_ASSERT_STRING_EQUAL(ds_sev_family_name(DS_SEV_GPD), "gpd");
    CU_ASSERT_EQUAL(ds_sev_family_from_name("lognormall"), -1);
    CU_ASSERT_EQUAL(ds_sev_family_from_name(NULL), -1);
}

static void expect_invalid(const ds_sev *s, const char *message)
{
    ds_error err;
    ds_error_clear(&err);
    CU_ASSERT_EQUAL(ds_sev_validate(s, "severity", &err), DS_EINVAL);
    CU_ASSERT_EQUAL(err.code, DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, message);
}

static void test_severity__invalid_parameters_name_the_field(void)
{
    ds_sev s;
    s = lognormal(1, 0);
    expect_invalid(&s, "severity.sdlog: must be positive");
    s = lognormal(NAN, 1);
    expect_invalid(&s, "severity.meanlog: must be a finite number");
    s = gamma_sev(-1, 1);
    expect_invalid(&s, "severity.shape: must be positive");
    s = gamma_sev(1, INFINITY);
    expect_invalid(&s, "severity.rate: must be finite");
    s = weibull(2, 0);
    expect_invalid(&s, "severity.scale: must be positive");
    s = exponential(NAN);
    expect_invalid(&s, "severity.rate: must be positive");
    s = pareto(0, 1);
    expect_invalid(&s, "severity.shape: must be positive");
    s = gpd(INFINITY, 1, 0);
    expect_invalid(&s, "severity.xi: must be a finite number");
    s = gpd(0.2, -1, 0);
    expect_invalid(&s, "severity.sigma: must be positive");
    s = gpd(0.2, 1, -5);
    expect_invalid(&s, "severity.mu: must be non-negative");
    s.family = (ds_sev_family)42;
    expect_invalid(&s, "severity.dist: unknown distribution");

    s = spliced(lognormal(1, 1), gpd(0.3, -2, 10), 10, NAN);
    expect_invalid(&s, "severity.tail.sigma: must be positive");
    ds_sev_clear(&s);
    s = spliced(lognormal(1, -1), gpd(0.3, 2, 10), 10, NAN);
    expect_invalid(&s, "severity.body.sdlog: must be positive");
    ds_sev_clear(&s);
    s = spliced(lognormal(1, 1), gpd(0.3, 2, 10), 0, NAN);
    expect_invalid(&s, "severity.threshold: must be positive");
    ds_sev_clear(&s);
    s = spliced(lognormal(1, 1), gpd(0.3, 2, 10), 10, 1.0);
    expect_invalid(&s, "severity.body_weight: must be in (0, 1)");
    ds_sev_clear(&s);
    s = spliced(lognormal(1, 1), gpd(-0.5, 2, 1), 10, NAN);   /* tail ends at 5 < 10 */
    expect_invalid(&s, "severity.threshold: the tail has no probability above the threshold");
    ds_sev_clear(&s);
    s = spliced(gpd(0.1, 1, 20), pareto(2, 1), 10, NAN);       /* body starts at 20 > 10 */
    expect_invalid(&s, "severity.threshold: the body has no probability below the threshold");
    ds_sev_clear(&s);
    s = spliced(lognormal(1, 1), gpd(0.3, 2, 10), 10, NAN);
    free(s.u.spliced.tail);
    s.u.spliced.tail = NULL;
    expect_invalid(&s, "severity.tail: missing");
    ds_sev_clear(&s);

    ds_error err;
    ds_error_clear(&err);
    ds_sev cases[N_CASES];
    make_cases(cases);
    for (int i = 0; i < N_CASES; i++)
        CU_ASSERT_EQUAL(ds_sev_validate(&cases[i], "severity", &err), DS_OK);
    free_cases(cases);
}

static const ds_test_case tests[] = {
    {"pdf_integrates_to_cdf", test_severity__pdf_integrates_to_cdf},
    {"log_pdf_is_log_of_pdf", test_severity__log_pdf_is_log_of_pdf},
    {"quantile_inverts_cdf", test_severity__quantile_inverts_cdf},
    {"sf_plus_cdf_is_one", test_severity__sf_plus_cdf_is_one},
    {"limited_moments_equal_integral_of_survival",
     test_severity__limited_moments_equal_integral_of_survival},
    {"pareto_limited_moments_at_shape_one_and_two",
     test_severity__pareto_limited_moments_at_shape_one_and_two},
    {"moments_match_closed_forms", test_severity__moments_match_closed_forms},
    {"pareto_cdf_matches_actuar_formula", test_severity__pareto_cdf_matches_actuar_formula},
    {"sf_is_accurate_in_the_far_tail", test_severity__sf_is_accurate_in_the_far_tail},
    {"sample_mean_within_five_standard_errors",
     test_severity__sample_mean_within_five_standard_errors},
    {"layer_moments_equal_direct_integrals", test_severity__layer_moments_equal_direct_integrals},
    {"spliced_cdf_is_continuous_with_weight_at_threshold",
     test_severity__spliced_cdf_is_continuous_with_weight_at_threshold},
    {"gamma_quantile_is_right_for_extreme_shapes",
     test_severity__gamma_quantile_is_right_for_extreme_shapes},
    {"weibull_tiny_shape_limited_moments_stay_finite",
     test_severity__weibull_tiny_shape_limited_moments_stay_finite},
    {"gpd_with_zero_xi_is_exponential", test_severity__gpd_with_zero_xi_is_exponential},
    {"quantile_edges_are_support_ends", test_severity__quantile_edges_are_support_ends},
    {"clear_frees_splice_and_leaves_exponential",
     test_severity__clear_frees_splice_and_leaves_exponential},
    {"family_names_round_trip", test_severity__family_names_round_trip},
    {"invalid_parameters_name_the_field", test_severity__invalid_parameters_name_the_field},
};

#ifndef DBG
DS_TEST_MAIN("severity", tests)
#endif
