/*
 * test_frequency.c: claim-count distributions against closed forms and exact identities.
 *
 * Tolerances: pmf values are products of a few exponentials and log-gammas, so they agree with
 * hand-written closed forms to ~1e-13 relative; sums of a few hundred such terms accumulate
 * rounding of order n * eps ~ 1e-13, so sums are checked to 1e-12. Tails beyond the summation
 * range are below 1e-30 for the parameters chosen. Sample means are checked within 5 standard
 * errors (false-failure probability ~6e-7 per check with a fixed seed anyway).
 */
#include <complex.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "actuarial/frequency.h"
#include "tests/ds_test.h"

static ds_freq poisson(double lambda)
{
    ds_freq f = {.family = DS_FREQ_POISSON, .lambda = lambda};
    return f;
}

static ds_freq negbin(double size, double mu)
{
    ds_freq f = {.family = DS_FREQ_NEGBIN, .size = size, .mu = mu};
    return f;
}

static ds_freq binomial(unsigned n, double p)
{
    ds_freq f = {.family = DS_FREQ_BINOMIAL, .n = n, .p = p};
    return f;
}

/* Summation ranges far enough that the omitted tail, even weighted by k^2, is < 1e-30:
   Poisson(40) beyond 600 and negbin(0.3, 10) beyond 4000 (q^4000 = (10/10.3)^4000 ~ 1e-51). */
static unsigned upper(const ds_freq *f)
{
    switch (f->family) {
    case DS_FREQ_BINOMIAL: return f->n;
    case DS_FREQ_NEGBIN: return 4000;
    default: return 600;
    }
}

static void test_frequency__pmf_sums_to_one(void)
{
    ds_freq fs[] = {poisson(3.7), poisson(40), negbin(2.5, 4), negbin(0.3, 10), binomial(20, 0.3),
                    binomial(7, 0.95)};
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        double sum = 0;
        for (unsigned k = 0; k <= upper(&fs[i]); k++)
            sum += ds_freq_pmf(&fs[i], k);
        DS_ASSERT_REL(sum, 1.0, 1e-12);
    }
}

static void test_frequency__pmf_matches_closed_forms(void)
{
    /* Poisson: e^-3.7 3.7^4 / 24 */
    ds_freq p = poisson(3.7);
    DS_ASSERT_REL(ds_freq_pmf(&p, 4), exp(-3.7) * pow(3.7, 4) / 24, 1e-13);
    DS_ASSERT_REL(ds_freq_pmf(&p, 0), exp(-3.7), 1e-14);

    /* R's dnbinom(3, size=2.5, mu=4) = Gamma(5.5)/(Gamma(2.5) 3!) p^2.5 (1-p)^3, p = 2.5/6.5,
       Gamma(5.5)/Gamma(2.5) = 2.5 * 3.5 * 4.5 (no log-gamma involved). */
    ds_freq nb = negbin(2.5, 4);
    double prob = 2.5 / 6.5;
    double expected = 2.5 * 3.5 * 4.5 / 6 * pow(prob, 2.5) * pow(1 - prob, 3);
    DS_ASSERT_REL(ds_freq_pmf(&nb, 3), expected, 1e-13);
    DS_ASSERT_REL(ds_freq_pmf(&nb, 0), pow(prob, 2.5), 1e-13);

    /* Binomial: C(20, 5) 0.3^5 0.7^15, C(20, 5) = 15504. */
    ds_freq b = binomial(20, 0.3);
    DS_ASSERT_REL(ds_freq_pmf(&b, 5), 15504 * pow(0.3, 5) * pow(0.7, 15), 1e-13);
    CU_ASSERT_EQUAL(ds_freq_pmf(&b, 21), 0.0);
}

static void test_frequency__log_pmf_is_log_of_pmf_and_finite_in_far_tail(void)
{
    ds_freq fs[] = {poisson(3.7), negbin(2.5, 4), binomial(20, 0.3)};
    for (size_t i = 0; i < 3; i++) {
        for (unsigned k = 0; k <= 20; k++)
            DS_ASSERT_ABS(ds_freq_log_pmf(&fs[i], k), log(ds_freq_pmf(&fs[i], k)), 1e-11);
    }
    /* Poisson(1) at k = 400: pmf underflows, log pmf = -1 - log(400!) exactly as a sum of logs. */
    ds_freq p1 = poisson(1);
    double log_fact = 0;
    for (unsigned j = 2; j <= 400; j++)
        log_fact += log((double)j);
    DS_ASSERT_REL(ds_freq_log_pmf(&p1, 400), -1 - log_fact, 1e-12);
}

static void test_frequency__cdf_equals_summed_pmf(void)
{
    ds_freq fs[] = {poisson(3.7), negbin(2.5, 4), negbin(0.3, 10), binomial(20, 0.3)};
    for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
        double sum = 0;
        for (unsigned k = 0; k <= 30; k++) {
            sum += ds_freq_pmf(&fs[i], k);
            DS_ASSERT_REL(ds_freq_cdf(&fs[i], k), sum, 1e-12);
        }
    }
}

static void test_frequency__mean_and_variance_match_closed_forms_and_sums(void)
{
    ds_freq fs[] = {poisson(3.7), negbin(2.5, 4), negbin(0.3, 10), binomial(20, 0.3)};
    double means[] = {3.7, 4, 10, 6};
    double vars[] = {3.7, 4 + 16 / 2.5, 10 + 100 / 0.3, 20 * 0.3 * 0.7};
    for (size_t i = 0; i < 4; i++) {
        double m1 = 0, m2 = 0;
        for (unsigned k = 0; k <= upper(&fs[i]); k++) {
            double pk = ds_freq_pmf(&fs[i], k);
            m1 += k * pk;
            m2 += (double)k * k * pk;
        }
        DS_ASSERT_REL(ds_freq_mean(&fs[i]), means[i], 1e-15);
        DS_ASSERT_REL(ds_freq_variance(&fs[i]), vars[i], 1e-15);
        DS_ASSERT_REL(m1, means[i], 1e-11);
        DS_ASSERT_REL(m2 - m1 * m1, vars[i], 1e-10);
    }
}

static void test_frequency__panjer_ab_reproduces_pmf(void)
{
    ds_freq fs[] = {poisson(3.7), negbin(2.5, 4), negbin(0.3, 10), binomial(20, 0.3)};
    for (size_t i = 0; i < 4; i++) {
        double a, b;
        ds_freq_panjer_ab(&fs[i], &a, &b);
        double pk = ds_freq_pmf(&fs[i], 0);
        /* Binomial stops at n: there a + b/(n+1) = 0 only up to rounding. */
        unsigned k_max = fs[i].family == DS_FREQ_BINOMIAL ? fs[i].n : 25;
        for (unsigned k = 1; k <= k_max; k++) {
            pk *= a + b / k;
            /* 25 steps of rounding: ~25 eps relative. */
            DS_ASSERT_REL(pk, ds_freq_pmf(&fs[i], k), 1e-13);
        }
    }
    double a, b;
    ds_freq nb = negbin(2.5, 4);
    ds_freq_panjer_ab(&nb, &a, &b);
    DS_ASSERT_REL(a, 4 / 6.5, 1e-15);
    DS_ASSERT_REL(b, 1.5 * 4 / 6.5, 1e-15);
    ds_freq sure = binomial(5, 1);
    ds_freq_panjer_ab(&sure, &a, &b);
    CU_ASSERT(isnan(a) && isnan(b));
}

static void test_frequency__pgf_equals_sum_of_powers(void)
{
    ds_freq fs[] = {poisson(3.7), negbin(2.5, 4), negbin(0.3, 10), binomial(20, 0.3)};
    double complex zs[] = {0.3, 0.9, 1.0, cexp(I * 0.7), 0.5 * cexp(-I * 2.1)};
    for (size_t i = 0; i < 4; i++) {
        for (size_t j = 0; j < sizeof zs / sizeof zs[0]; j++) {
            double complex sum = 0, zk = 1;
            for (unsigned k = 0; k <= upper(&fs[i]); k++) {
                sum += zk * ds_freq_pmf(&fs[i], k);
                zk *= zs[j];
            }
            double complex g = ds_freq_pgf(&fs[i], zs[j]);
            DS_ASSERT_ABS(creal(g), creal(sum), 1e-12);
            DS_ASSERT_ABS(cimag(g), cimag(sum), 1e-12);
        }
    }
    /* Binomial pgf at the zero of its base, z = 1 - 1/p: exactly 0. */
    ds_freq b = binomial(4, 0.5);
    CU_ASSERT_EQUAL(creal(ds_freq_pgf(&b, -1.0)), 0.0);
}

static void test_frequency__degenerate_parameters_are_point_masses(void)
{
    ds_freq zero[] = {poisson(0), negbin(3, 0), binomial(9, 0), binomial(0, 0.4)};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    for (size_t i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(ds_freq_pmf(&zero[i], 0), 1.0);
        CU_ASSERT_EQUAL(ds_freq_pmf(&zero[i], 1), 0.0);
        CU_ASSERT_EQUAL(ds_freq_log_pmf(&zero[i], 0), 0.0);
        CU_ASSERT_EQUAL(ds_freq_cdf(&zero[i], 0), 1.0);
        CU_ASSERT_EQUAL(ds_freq_mean(&zero[i]), 0.0);
        CU_ASSERT_EQUAL(ds_freq_sample(&zero[i], rng), 0u);
        double complex g = ds_freq_pgf(&zero[i], 0.25);
        DS_ASSERT_ABS(creal(g), 1.0, 1e-15);
    }
    ds_freq sure = binomial(5, 1);
    CU_ASSERT_EQUAL(ds_freq_pmf(&sure, 5), 1.0);
    CU_ASSERT_EQUAL(ds_freq_pmf(&sure, 4), 0.0);
    CU_ASSERT_EQUAL(ds_freq_cdf(&sure, 4), 0.0);
    CU_ASSERT_EQUAL(ds_freq_cdf(&sure, 5), 1.0);
    CU_ASSERT_EQUAL(ds_freq_sample(&sure, rng), 5u);
    gsl_rng_free(rng);
}

static void test_frequency__sample_mean_within_five_standard_errors(void)
{
    ds_freq fs[] = {poisson(3.7), negbin(2.5, 4), binomial(20, 0.3)};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261129);
    const unsigned n = 200000;
    for (size_t i = 0; i < 3; i++) {
        double sum = 0;
        for (unsigned j = 0; j < n; j++)
            sum += ds_freq_sample(&fs[i], rng);
        double se = sqrt(ds_freq_variance(&fs[i]) / n);
        DS_ASSERT_ABS(sum / n, ds_freq_mean(&fs[i]), 5 * se);
    }
    gsl_rng_free(rng);
}

static void test_frequency__family_names_round_trip(void)
{
    for (int i = DS_FREQ_POISSON; i <= DS_FREQ_BINOMIAL; i++)
        CU_ASSERT_EQUAL(ds_freq_family_from_name(ds_freq_family_name((ds_freq_family)i)), i);
    CU_ASSERT_STRING_EQUAL(ds_freq_family_name(DS_FREQ_NEGBIN), "negbin");
    CU_ASSERT_EQUAL(ds_freq_family_from_name("poison"), -1);
    CU_ASSERT_EQUAL(ds_freq_family_from_name(NULL), -1);
}

static void expect_invalid(ds_freq f, const char *message)
{
    ds_error err;
    ds_error_clear(&err);
    CU_ASSERT_EQUAL(ds_freq_validate(&f, "frequency", &err), DS_EINVAL);
    CU_ASSERT_EQUAL(err.code, DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, message);
}

static void test_frequency__invalid_parameters_name_the_field(void)
{
    expect_invalid(poisson(-1), "frequency.lambda: must be non-negative");
    expect_invalid(poisson(NAN), "frequency.lambda: must be a finite number");
    expect_invalid(negbin(0, 1), "frequency.size: must be positive");
    expect_invalid(negbin(INFINITY, 1), "frequency.size: must be finite");
    expect_invalid(negbin(2, -0.5), "frequency.mu: must be non-negative");
    expect_invalid(negbin(2, INFINITY), "frequency.mu: must be a finite number");
    expect_invalid(binomial(3, 1.5), "frequency.p: must be in [0, 1]");
    expect_invalid(binomial(3, NAN), "frequency.p: must be in [0, 1]");
    ds_freq bad = {.family = (ds_freq_family)7};
    expect_invalid(bad, "frequency.dist: unknown distribution");

    ds_error err;
    ds_error_clear(&err);
    ds_freq ok[] = {poisson(0), negbin(0.1, 0), binomial(0, 1)};
    for (size_t i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(ds_freq_validate(&ok[i], "frequency", &err), DS_OK);
}

static const ds_test_case tests[] = {
    {"pmf_sums_to_one", test_frequency__pmf_sums_to_one},
    {"pmf_matches_closed_forms", test_frequency__pmf_matches_closed_forms},
    {"log_pmf_is_log_of_pmf_and_finite_in_far_tail",
     test_frequency__log_pmf_is_log_of_pmf_and_finite_in_far_tail},
    {"cdf_equals_summed_pmf", test_frequency__cdf_equals_summed_pmf},
    {"mean_and_variance_match_closed_forms_and_sums",
     test_frequency__mean_and_variance_match_closed_forms_and_sums},
    {"panjer_ab_reproduces_pmf", test_frequency__panjer_ab_reproduces_pmf},
    {"pgf_equals_sum_of_powers", test_frequency__pgf_equals_sum_of_powers},
    {"degenerate_parameters_are_point_masses",
     test_frequency__degenerate_parameters_are_point_masses},
    {"sample_mean_within_five_standard_errors",
     test_frequency__sample_mean_within_five_standard_errors},
    {"family_names_round_trip", test_frequency__family_names_round_trip},
    {"invalid_parameters_name_the_field", test_frequency__invalid_parameters_name_the_field},
};

DS_TEST_MAIN("frequency", tests)
