/*
 * test_fft.c: the tilted FFT (actuarial/fft.c) against the Panjer recursion on the same
 * discretised severity, the effect of the tilt on wrap-around, and ds_agg_fft's reporting.
 *
 * Tolerances: Panjer is exact up to rounding (1e-16 relative per operation, see
 * test_panjer.c). The FFT's round-off is about 1e-16 times the largest probability times
 * log2(n), amplified by the un-tilting factor e^(theta k) <= e^8 = 3e3 over the half of the
 * transform that is used: below 1e-11 absolute. Aliasing is damped by e^-16 = 1.1e-7 times the
 * mass beyond the transform, itself below 1e-6 here. Hence 1e-10 absolute per probability.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "actuarial/aggregate.h"
#include "actuarial/discretize.h"
#include "tests/ds_test.h"
#include "tests/lib/poisson_lognormal.h"

static void base_model(ds_agg_model *m)
{
    ds_test_poisson_lognormal(m);
}

/* Max |g_fft - g_panjer| over the first n of a 2n transform of the model's discretisation. */
static double fft_vs_panjer(const ds_agg_model *m, double h, size_t n, double theta_total)
{
    size_t size = 2 * n;
    double *f = malloc(size * sizeof *f), *gf = malloc(size * sizeof *gf);
    double *gp = malloc(n * sizeof *gp);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
    ds_disc_rounding(f, 0, size, h, &m->sev, &m->terms);
    ds_error err;
    size_t points;
    double tail_mass;
    CU_ASSERT_EQUAL_FATAL(ds_panjer_compound(gp, &points, &tail_mass, f, n, &m->freq, 0, &err),
                          DS_OK);
    CU_ASSERT_EQUAL_FATAL(ds_fft_compound(gf, f, size, &m->freq, theta_total / (double)size,
                                          &err),
                          DS_OK);
    double worst = 0;
    for (size_t k = 0; k < n; k++)
        worst = fmax(worst, fabs(gf[k] - gp[k]));
    free(f);
    free(gf);
    free(gp);
    return worst;
}

static void test_fft__equals_panjer_on_the_same_severity(void)
{
    /* 4096 points of span 2000 reach 8.2e6, where P(S > x) is about 6e-5 for the lognormal;
       the transform of 8192 points leaves less than 1e-6 beyond. */
    ds_agg_model m;
    base_model(&m);
    double worst = fft_vs_panjer(&m, 2000, 4096, 16);
    CU_ASSERT(worst < 1e-10);
    fprintf(stderr, "\n  poisson-lognormal: max |fft - panjer| = %.3g\n", worst);

    m.freq.family = DS_FREQ_NEGBIN;
    m.freq.size = 2;
    m.freq.mu = 3;
    m.terms.deductible = 50000;
    m.terms.limit = 1950000;
    m.terms.coinsurance = 0.9;
    worst = fft_vs_panjer(&m, 2000, 4096, 16);
    CU_ASSERT(worst < 1e-10);

    m.freq.family = DS_FREQ_BINOMIAL;
    m.freq.n = 10;
    m.freq.p = 0.3;
    worst = fft_vs_panjer(&m, 2000, 4096, 16);
    CU_ASSERT(worst < 1e-10);
    ds_agg_model_clear(&m);
}

static void test_fft__tilting_removes_the_wrap_around(void)
{
    /* Span 200 over 2 x 1024 points reaches only 4.1e5, below the median of S: about 60% of
       the mass lies beyond and, untilted, wraps around onto the first points. With
       theta n = 16 it is damped by e^-16 = 1.1e-7, so the error drops below 1e-7 while the
       untilted error is of the order of the wrapped probabilities (1e-4 per point). */
    ds_agg_model m;
    base_model(&m);
    double untilted = fft_vs_panjer(&m, 200, 1024, 0);
    double tilted = fft_vs_panjer(&m, 200, 1024, 16);
    fprintf(stderr, "\n  wrap-around: untilted %.3g, tilted %.3g\n", untilted, tilted);
    CU_ASSERT(untilted > 1e-6);
    CU_ASSERT(tilted < 1e-7);
    CU_ASSERT(tilted < untilted * 1e-3);
    ds_agg_model_clear(&m);
}

static void test_fft__agrees_with_panjer_through_the_api(void)
{
    /* Same span, same tail: the two lattices agree to 1e-10 per point, so every VaR is the
       same lattice point, and mean and TVaR agree to 1e-10 * points * span / value. */
    ds_agg_model m;
    base_model(&m);
    m.terms.deductible = 50000;
    m.terms.limit = 1950000;
    ds_agg_options o = {.span = 1000, .tail = 1e-6};
    ds_agg_result rp, rf;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_panjer(&rp, &m, &o, &err), DS_OK);
    CU_ASSERT_EQUAL_FATAL(ds_agg_fft(&rf, &m, &o, &err), DS_OK);
    CU_ASSERT_EQUAL(rf.method, DS_AGG_FFT);
    CU_ASSERT_EQUAL(rf.points, rp.points);
    CU_ASSERT_EQUAL(rf.span, 1000);
    CU_ASSERT(rf.tilt > 0 && rf.tilt < 16.0 / 256);
    CU_ASSERT_STRING_EQUAL(rf.discretization, "rounding");
    DS_ASSERT_ABS(rf.tail_mass, rp.tail_mass, 1e-9);
    for (size_t i = 0; i < rp.n_var; i++)
        CU_ASSERT_EQUAL(rf.var[i].value, rp.var[i].value);
    for (size_t i = 0; i < rp.n_ep; i++)
        CU_ASSERT_EQUAL(rf.ep[i].loss, rp.ep[i].loss);
    DS_ASSERT_REL(rf.tvar[0].value, rp.tvar[0].value, 1e-8);
    DS_ASSERT_REL(rf.mean, rp.mean, 1e-8);
    DS_ASSERT_REL(rf.sd, rp.sd, 1e-8);
    DS_ASSERT_ABS(rf.prob_zero, rp.prob_zero, 1e-10);
    ds_agg_model_clear(&m);
}

static void test_fft__prob_zero_is_the_pgf_at_the_payment_atom(void)
{
    ds_agg_model m;
    base_model(&m);
    m.freq.family = DS_FREQ_NEGBIN;
    m.freq.size = 2;
    m.freq.mu = 3;
    ds_agg_options o = {.span = 1500, .tail = 1e-6};
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_fft(&r, &m, &o, &err), DS_OK);
    /* P(A = 0) = P_N(P(Y = 0)) = (1 + beta (1 - F_X(0)))^(-r), beta = mu/size: the closed form,
       not the lattice's P(S = 0), which also holds the payments rounded down to 0. */
    DS_ASSERT_REL(r.prob_zero, pow(1 + 1.5 * (1 - ds_sev_cdf(&m.sev, 0)), -2), 1e-14);
    ds_agg_model_clear(&m);
}

static void test_fft__automatic_span_is_reported_and_tail_met(void)
{
    ds_agg_model m;
    base_model(&m);
    ds_agg_options o = {0};
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_fft(&r, &m, &o, &err), DS_OK);
    CU_ASSERT(r.span > 0);
    /* default tail: 0.01 * (1 - 0.999) for the return period 1000 of the default measures */
    CU_ASSERT(r.tail_mass < 1e-5);
    CU_ASSERT(r.points > 1000);
    /* h/2 below DS_DISC_REL_ACCURACY of the smallest requested VaR (0.95), with 5% slack for
       the coarse estimate the span was chosen from */
    CU_ASSERT(r.span / 2 <= 1.05 * DS_DISC_REL_ACCURACY * r.var[0].value);
    ds_agg_model_clear(&m);
}

static void test_fft__rejects_bad_options(void)
{
    ds_agg_model m;
    base_model(&m);
    ds_agg_result r;
    ds_error err;
    ds_agg_options o = {.tail = -0.1};
    CU_ASSERT_EQUAL(ds_agg_fft(&r, &m, &o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "tail");
    o.tail = 0;
    o.span = INFINITY;
    CU_ASSERT_EQUAL(ds_agg_fft(&r, &m, &o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "span");
    o.span = 0.5; /* ~4e7 points to the default tail */
    CU_ASSERT_EQUAL(ds_agg_fft(&r, &m, &o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "span");
    ds_agg_model_clear(&m);
}

static const ds_test_case tests[] = {
    {"fft__equals_panjer_on_the_same_severity", test_fft__equals_panjer_on_the_same_severity},
    {"fft__tilting_removes_the_wrap_around", test_fft__tilting_removes_the_wrap_around},
    {"fft__agrees_with_panjer_through_the_api", test_fft__agrees_with_panjer_through_the_api},
    {"fft__prob_zero_is_the_pgf_at_the_payment_atom",
     test_fft__prob_zero_is_the_pgf_at_the_payment_atom},
    {"fft__automatic_span_is_reported_and_tail_met",
     test_fft__automatic_span_is_reported_and_tail_met},
    {"fft__rejects_bad_options", test_fft__rejects_bad_options},
};

DS_TEST_MAIN("fft", tests)
