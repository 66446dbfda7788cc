/*
 * test_panjer.c: the Panjer recursion (actuarial/panjer.c) against brute-force convolution,
 * exact identities of the compound distribution, and the behaviour of ds_agg_panjer (stopping
 * rule, aggregate terms, errors).
 *
 * Tolerances: the recursion and the brute-force sum are both sums of a few hundred positive
 * products of doubles, each with relative rounding error about k * 1e-16 for lattice index
 * k < 100, so 1e-13 relative is three orders of magnitude above the arithmetic error and far
 * below any real defect (a wrong coefficient changes g_k at the 1e-2 level).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "actuarial/aggregate.h"
#include "actuarial/discretize.h"
#include "tests/ds_test.h"

#define N_POINTS 40
#define MAX_COUNT 200

static ds_freq poisson(double lambda)
{
    ds_freq f;
    memset(&f, 0, sizeof f);
    f.family = DS_FREQ_POISSON;
    f.lambda = lambda;
    return f;
}

static ds_freq negbin(double size, double mu)
{
    ds_freq f;
    memset(&f, 0, sizeof f);
    f.family = DS_FREQ_NEGBIN;
    f.size = size;
    f.mu = mu;
    return f;
}

static ds_freq binomial(unsigned n, double p)
{
    ds_freq f;
    memset(&f, 0, sizeof f);
    f.family = DS_FREQ_BINOMIAL;
    f.n = n;
    f.p = p;
    return f;
}

/* g_k = sum_m P(N=m) f^{*m}_k by repeated convolution, k < N_POINTS; counts above MAX_COUNT
   have probability below 1e-60 for the frequencies used here. */
static void brute_force(double *g, const double *f, size_t n_f, const ds_freq *freq)
{
    double power[N_POINTS] = {1}, next[N_POINTS];
    memset(g, 0, N_POINTS * sizeof *g);
    for (unsigned m = 0; m <= MAX_COUNT; m++) {
        double pm = ds_freq_pmf(freq, m);
        for (size_t k = 0; k < N_POINTS; k++)
            g[k] += pm * power[k];
        for (size_t k = 0; k < N_POINTS; k++) {
            double s = 0;
            for (size_t j = 0; j < n_f && j <= k; j++)
                s += f[j] * power[k - j];
            next[k] = s;
        }
        memcpy(power, next, sizeof power);
    }
}

static void check_against_brute_force(const ds_freq *freq, const double *f3)
{
    double f[N_POINTS] = {0}, g[N_POINTS], expected[N_POINTS];
    memcpy(f, f3, 3 * sizeof *f);
    brute_force(expected, f3, 3, freq);
    size_t points;
    double tail_mass;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_panjer_compound(g, &points, &tail_mass, f, N_POINTS, freq, 0, &err),
                          DS_OK);
    CU_ASSERT_EQUAL(points, N_POINTS);
    for (size_t k = 0; k < N_POINTS; k++)
        DS_ASSERT_REL(g[k], expected[k], 1e-13);
}

static void test_panjer__matches_brute_force_convolution_poisson(void)
{
    const double f3[3] = {0.2, 0.5, 0.3};
    ds_freq freq = poisson(1.5);
    check_against_brute_force(&freq, f3);
}

static void test_panjer__matches_brute_force_convolution_negbin(void)
{
    const double f3[3] = {0.1, 0.6, 0.3};
    ds_freq freq = negbin(2, 3);
    check_against_brute_force(&freq, f3);
    freq = negbin(0.5, 1.2); /* size < 1: b < 0, the weights a + b j/k stay positive */
    check_against_brute_force(&freq, f3);
}

static void test_panjer__matches_brute_force_convolution_binomial(void)
{
    const double f3[3] = {0.25, 0.35, 0.4};
    ds_freq freq = binomial(6, 0.3);
    check_against_brute_force(&freq, f3);
}

static void test_panjer__binomial_p_one_is_the_n_fold_convolution(void)
{
    /* N = 4 surely: (a, b) do not exist, the scaled form must still give f^{*4}. */
    const double f3[3] = {0.25, 0.35, 0.4};
    ds_freq freq = binomial(4, 1.0);
    check_against_brute_force(&freq, f3);
}

static void test_panjer__unstable_binomial_is_refused(void)
{
    /* (1 - p) + p f_0 = 0 (no mass at zero) and 2e-4 (p = 0.9999, f_0 = 1e-4): the signed
       recursion would amplify round-off without bound, so it is refused, naming the field. */
    double f[4] = {0, 0.5, 0.5, 0}, g[4];
    size_t points;
    double tail_mass;
    ds_error err;
    ds_freq freq = binomial(3, 1.0);
    CU_ASSERT_EQUAL(ds_panjer_compound(g, &points, &tail_mass, f, 4, &freq, 0, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "frequency.p");
    f[0] = 1e-4;
    f[1] = 0.5 - 1e-4;
    freq = binomial(20, 0.9999);
    CU_ASSERT_EQUAL(ds_panjer_compound(g, &points, &tail_mass, f, 4, &freq, 0, &err), DS_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "fft"));
}

static void test_panjer__large_poisson_mean_does_not_underflow(void)
{
    /* Poisson(2000) counts of a fair 0/1 payment: S ~ Poisson(1000) on the lattice (thinning),
       and g_0 = e^-1000 underflows a double. The rescaled recursion must give the Poisson pmf;
       each rescaling step costs one rounding, and ~k roundings accumulate: 1e-10 relative. */
    size_t n = 1600;
    double *f = calloc(n, sizeof *f), *g = malloc(n * sizeof *g);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    f[0] = 0.5;
    f[1] = 0.5;
    ds_freq freq = poisson(2000);
    size_t points;
    double tail_mass;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_panjer_compound(g, &points, &tail_mass, f, n, &freq, 1e-12, &err),
                          DS_OK);
    CU_ASSERT(points > 1000 && points < n);
    CU_ASSERT(tail_mass < 1e-12);
    for (unsigned k = 900; k <= 1100; k += 20)
        DS_ASSERT_REL(g[k], gsl_ran_poisson_pdf(k, 1000), 1e-10);
    CU_ASSERT_EQUAL(g[0], 0.0);
    free(f);
    free(g);
}

static void test_panjer__stops_at_the_first_point_leaving_less_than_the_tail(void)
{
    const double f3[3] = {0.2, 0.5, 0.3};
    double f[N_POINTS] = {0}, g[N_POINTS];
    memcpy(f, f3, sizeof f3);
    ds_freq freq = poisson(1.5);
    size_t points;
    double tail_mass;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(
        ds_panjer_compound(g, &points, &tail_mass, f, N_POINTS, &freq, 1e-6, &err), DS_OK);
    CU_ASSERT(points < N_POINTS);
    CU_ASSERT(tail_mass < 1e-6);
    /* one point fewer would leave at least the tail */
    CU_ASSERT(tail_mass + g[points - 1] >= 1e-6);
    double sum = 0;
    for (size_t k = 0; k < points; k++)
        sum += g[k];
    DS_ASSERT_ABS(tail_mass, 1 - sum, 1e-15);
}

static void test_panjer__lattice_mean_equals_expected_count_times_payment_mean(void)
{
    /* A payment on 0..9 (bounded), so the lattice to 1500 points holds all of S but the
       counts above 160, less than 1e-30 even for the negative binomial (P(N = k) ~ 0.6^k k):
       E[S] = E[N] E[Y] and Var S = E[N] Var Y + Var N E[Y]^2 must hold to rounding. */
    size_t n = 1500;
    double *f = calloc(n, sizeof *f), *g = malloc(n * sizeof *g);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    double ey = 0, ey2 = 0;
    for (size_t j = 0; j < 10; j++) {
        f[j] = (double)(j + 1) / 55.0;
        ey += (double)j * f[j];
        ey2 += (double)(j * j) * f[j];
    }
    const ds_freq freqs[3] = {poisson(3), negbin(2, 3), binomial(8, 0.4)};
    for (int i = 0; i < 3; i++) {
        size_t points;
        double tail_mass;
        ds_error err;
        CU_ASSERT_EQUAL_FATAL(ds_panjer_compound(g, &points, &tail_mass, f, n, &freqs[i], 0,
                                                 &err),
                              DS_OK);
        double m1 = 0, m2 = 0;
        for (size_t k = 0; k < points; k++) {
            m1 += (double)k * g[k];
            m2 += (double)(k * k) * g[k];
        }
        double en = ds_freq_mean(&freqs[i]), vn = ds_freq_variance(&freqs[i]);
        DS_ASSERT_REL(m1, en * ey, 1e-12);
        DS_ASSERT_REL(m2 - m1 * m1, en * (ey2 - ey * ey) + vn * ey * ey, 1e-11);
    }
    free(f);
    free(g);
}

static void lognormal_model(ds_agg_model *m)
{
    memset(m, 0, sizeof *m);
    m->freq = poisson(3);
    m->sev.family = DS_SEV_LOGNORMAL;
    m->sev.u.lognormal.meanlog = 10;
    m->sev.u.lognormal.sdlog = 1.5;
    ds_agg_terms_none(&m->terms);
    ds_agg_measures_default(&m->measures);
}

static void test_panjer__prob_zero_is_the_pgf_at_the_payment_atom(void)
{
    ds_agg_model m;
    lognormal_model(&m);
    m.terms.deductible = 20000;
    ds_agg_options o = {.method = DS_AGG_PANJER, .span = 2000, .tail = 1e-6};
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_panjer(&r, &m, &o, &err), DS_OK);
    /* P(A = 0) = P_N(P(Y = 0)) = exp(-lambda (1 - F_X(d))): the closed form, not the lattice's
       P(S = 0) = exp(-lambda (1 - F_X(d + h/2))), which also holds the payments in (0, h/2). */
    DS_ASSERT_REL(r.prob_zero, exp(-3 * (1 - ds_sev_cdf(&m.sev, 20000))), 1e-14);
    double lattice_zero = exp(-3 * (1 - ds_sev_cdf(&m.sev, 21000)));
    CU_ASSERT(fabs(r.prob_zero - lattice_zero) > 1e-6);
    CU_ASSERT_STRING_EQUAL(r.discretization, "rounding");
    CU_ASSERT_EQUAL(r.span, 2000);
    CU_ASSERT(r.tail_mass < 1e-6);
    CU_ASSERT(r.points > 0);
    CU_ASSERT_EQUAL(r.method, DS_AGG_PANJER);
    CU_ASSERT(isnan(r.mean_stderr));
    CU_ASSERT(r.elapsed_ms >= 0);
    ds_agg_model_clear(&m);
}

static void test_panjer__aggregate_terms_mean_is_the_lattice_sum(void)
{
    /* The per-loss limit bounds Y by 250000 and the aggregate limit caps A, so with tail 1e-12
       the tail atom adds at most 1e-12 * al to the mean: 1e-9 relative is ample. */
    ds_agg_model m;
    lognormal_model(&m);
    m.terms.limit = 250000;
    m.terms.coinsurance = 0.8;
    m.terms.aggregate_deductible = 30000;
    m.terms.aggregate_limit = 400000;
    double h = 1000;
    ds_agg_options o = {.method = DS_AGG_PANJER, .span = h, .tail = 1e-12};
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_panjer(&r, &m, &o, &err), DS_OK);

    size_t n = 4000;
    double *f = malloc(n * sizeof *f), *g = malloc(n * sizeof *g);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    ds_disc_rounding(f, 0, n, h, &m.sev, &m.terms);
    size_t points;
    double tail_mass;
    CU_ASSERT_EQUAL_FATAL(ds_panjer_compound(g, &points, &tail_mass, f, n, &m.freq, 1e-12, &err),
                          DS_OK);
    double mean = 0, zero = 0;
    for (size_t k = 0; k < points; k++) {
        double a = fmin(fmax((double)k * h - 30000, 0), 400000);
        mean += a * g[k];
        if (a == 0)
            zero += g[k];
    }
    DS_ASSERT_REL(r.mean, mean, 1e-9);
    DS_ASSERT_REL(r.prob_zero, zero, 1e-12);
    CU_ASSERT_EQUAL(r.has_exact, 0); /* aggregate terms: no closed form */
    CU_ASSERT(r.var[2].value <= 400000);
    free(f);
    free(g);
    ds_agg_model_clear(&m);
}

static void test_panjer__mean_and_sd_match_closed_form_within_discretisation_error(void)
{
    /* Rounding moves each loss by at most h/2 with mean error O(h^2 f_Y): with h = 500 against
       E[Y] = 67846 the relative bias of the mean is below 1e-4, and the variance grows by about
       E[N] h^2/12, 6e4 against 1.3e11. The tail beyond the lattice is carried exactly (the atom
       at its conditional mean), so truncation adds nothing. */
    ds_agg_model m;
    lognormal_model(&m);
    ds_agg_options o = {.method = DS_AGG_PANJER, .span = 500, .tail = 1e-4};
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_panjer(&r, &m, &o, &err), DS_OK);
    CU_ASSERT_EQUAL(r.has_exact, 1);
    DS_ASSERT_REL(r.mean, r.exact_mean, 1e-4);
    DS_ASSERT_REL(r.sd, r.exact_sd, 1e-4);
    ds_agg_model_clear(&m);
}

static void test_panjer__rejects_bad_span_and_names_it(void)
{
    ds_agg_model m;
    lognormal_model(&m);
    ds_agg_result r;
    ds_error err;
    ds_agg_options o = {.method = DS_AGG_PANJER, .span = -1};
    CU_ASSERT_EQUAL(ds_agg_panjer(&r, &m, &o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "span");
    o.span = NAN;
    CU_ASSERT_EQUAL(ds_agg_panjer(&r, &m, &o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "span");
    /* a span of 1 would need ~2e7 points to reach the default tail: refused up front */
    o.span = 1;
    CU_ASSERT_EQUAL(ds_agg_panjer(&r, &m, &o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "span");
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "larger span"));
    o.span = 100;
    o.tail = 1.5;
    CU_ASSERT_EQUAL(ds_agg_panjer(&r, &m, &o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "tail");
    ds_agg_model_clear(&m);
}

static void test_panjer__invalid_model_is_refused(void)
{
    ds_agg_model m;
    lognormal_model(&m);
    m.sev.u.lognormal.sdlog = -1;
    ds_agg_options o = {.method = DS_AGG_PANJER};
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL(ds_agg_panjer(&r, &m, &o, &err), DS_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.field, "sdlog"));
    ds_agg_model_clear(&m);
}

static const ds_test_case tests[] = {
    {"panjer__matches_brute_force_convolution_poisson",
     test_panjer__matches_brute_force_convolution_poisson},
    {"panjer__matches_brute_force_convolution_negbin",
     test_panjer__matches_brute_force_convolution_negbin},
    {"panjer__matches_brute_force_convolution_binomial",
     test_panjer__matches_brute_force_convolution_binomial},
    {"panjer__binomial_p_one_is_the_n_fold_convolution",
     test_panjer__binomial_p_one_is_the_n_fold_convolution},
    {"panjer__unstable_binomial_is_refused", test_panjer__unstable_binomial_is_refused},
    {"panjer__large_poisson_mean_does_not_underflow",
     test_panjer__large_poisson_mean_does_not_underflow},
    {"panjer__stops_at_the_first_point_leaving_less_than_the_tail",
     test_panjer__stops_at_the_first_point_leaving_less_than_the_tail},
    {"panjer__lattice_mean_equals_expected_count_times_payment_mean",
     test_panjer__lattice_mean_equals_expected_count_times_payment_mean},
    {"panjer__prob_zero_is_the_pgf_at_the_payment_atom",
     test_panjer__prob_zero_is_the_pgf_at_the_payment_atom},
    {"panjer__aggregate_terms_mean_is_the_lattice_sum",
     test_panjer__aggregate_terms_mean_is_the_lattice_sum},
    {"panjer__mean_and_sd_match_closed_form_within_discretisation_error",
     test_panjer__mean_and_sd_match_closed_form_within_discretisation_error},
    {"panjer__rejects_bad_span_and_names_it", test_panjer__rejects_bad_span_and_names_it},
    {"panjer__invalid_model_is_refused", test_panjer__invalid_model_is_refused},
};

DS_TEST_MAIN("panjer", tests)
