/*
 * test_gof.c: Kolmogorov-Smirnov and Anderson-Darling statistics against values computed by
 * hand for tiny samples, with and without left truncation.
 *
 * Tolerance 1e-12 relative: each statistic is a handful of logs and differences of doubles,
 * rounding ~1e-15; the hand values below are given to 16 digits.
 */
#include <math.h>

#include "actuarial/gof.h"
#include "tests/ds_test.h"

/*
 * Sample {0.5, 1, 2} against exponential(rate 1): u = 1 - e^-x
 *   u1 = 1 - e^-0.5 = 0.3934693402873666, u2 = 1 - e^-1 = 0.6321205588285577,
 *   u3 = 1 - e^-2 = 0.8646647167633873.
 * KS: max over i of (i/3 - u_i, u_i - (i-1)/3):
 *   i=1: 0.3333 - 0.3935 = -0.0601, 0.3935 - 0 = 0.3935
 *   i=2: 0.6667 - 0.6321 =  0.0345, 0.6321 - 0.3333 = 0.2988
 *   i=3: 1 - 0.8647      =  0.1353, 0.8647 - 0.6667 = 0.1980      => D = u1 = 0.3934693402873666
 * AD: ln(1 - u) = -x, ln u1 = -0.9327521295671886, ln u2 = -0.4586751453870819,
 *   ln u3 = -0.1454134578688591;
 *   sum = 1 (ln u1 - 2) + 3 (ln u2 - 1) + 5 (ln u3 - 0.5)
 *       = -2.9327521 - 4.3760254 - 3.2270673 = -10.5358449
 *   A2 = -3 - sum / 3 = -3 + 3.5119483 = 0.5119482850242432
 */
static void test_gof__exponential_tiny_sample_matches_hand_values(void)
{
    ds_sev e = {.family = DS_SEV_EXPONENTIAL, .u.exponential = {1.0}};
    double x[] = {0.5, 1.0, 2.0};
    double ks, ad;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_gof_stats(&ks, &ad, x, 3, &e, 0.0, &err), 0);
    DS_ASSERT_REL(ks, 0.3934693402873666, 1e-12);
    DS_ASSERT_REL(ad, 0.5119482850242432, 1e-12);
}

/* Memorylessness: {1.5, 2, 3} truncated at 1 has the conditional cdf 1 - e^-(x - 1), the same
   transforms as above, hence the same statistics. */
static void test_gof__truncation_uses_conditional_cdf(void)
{
    ds_sev e = {.family = DS_SEV_EXPONENTIAL, .u.exponential = {1.0}};
    double x[] = {1.5, 2.0, 3.0};
    double ks, ad;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_gof_stats(&ks, &ad, x, 3, &e, 1.0, &err), 0);
    DS_ASSERT_REL(ks, 0.3934693402873666, 1e-12);
    DS_ASSERT_REL(ad, 0.5119482850242432, 1e-12);
}

/*
 * Lognormal(0, 1) truncated at d = 1 (F(d) = 1/2): G(x) = (Phi(ln x) - 1/2) / (1/2).
 * Sample {1.2, 2, 3.5, 7}:
 *   u = 0.1446696176735367, 0.5117828084288345, 0.7897080177997706, 0.9483344663908158
 * KS: i=3: u3 - 2/4 = 0.2897080177997706 is the largest of
 *   (0.25 - 0.1447, 0.1447), (0.5 - 0.5118, 0.5118 - 0.25 = 0.2618),
 *   (0.75 - 0.7897, 0.2897), (1 - 0.9483, 0.9483 - 0.75 = 0.1983).
 * AD: A2 = -4 - (1/4) sum (2i-1)[ln u_i + ln(1 - u_{5-i})] = 0.45356246247223275
 *   (1 - u computed as S(x) / S(d) = 2 (1 - Phi(ln x))).
 */
static void test_gof__truncated_lognormal_matches_hand_values(void)
{
    ds_sev s = {.family = DS_SEV_LOGNORMAL, .u.lognormal = {0.0, 1.0}};
    double x[] = {1.2, 2.0, 3.5, 7.0};
    double ks, ad;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_gof_stats(&ks, &ad, x, 4, &s, 1.0, &err), 0);
    DS_ASSERT_REL(ks, 0.2897080177997706, 1e-12);
    DS_ASSERT_REL(ad, 0.45356246247223275, 1e-11);
}

static void test_gof__pit_edge_cases(void)
{
    /* A perfect one-point sample u = 1/2: D = 1/2; u = 0 gives an infinite A2. */
    double half[] = {0.5}, upper_half[] = {0.5};
    DS_ASSERT_REL(ds_gof_ks_pit(half, 1), 0.5, 1e-15);
    /* A2 = -1 - (ln 0.5 + ln 0.5) = -1 + 2 ln 2 */
    DS_ASSERT_REL(ds_gof_ad_pit(half, upper_half, 1), -1.0 + 2.0 * log(2.0), 1e-15);
    double zero[] = {0.0, 0.5}, upper_zero[] = {1.0, 0.5};
    CU_ASSERT(isinf(ds_gof_ad_pit(zero, upper_zero, 2)));
}

static void test_gof__rejects_unsorted_or_empty_sample(void)
{
    ds_sev e = {.family = DS_SEV_EXPONENTIAL, .u.exponential = {1.0}};
    double x[] = {2.0, 1.0};
    double ks, ad;
    ds_error err;
    CU_ASSERT_EQUAL(ds_gof_stats(&ks, &ad, x, 2, &e, 0.0, &err), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_gof_stats(&ks, &ad, x, 0, &e, 0.0, &err), DS_EINVAL);
}

static const ds_test_case tests[] = {
    {"gof__exponential_tiny_sample_matches_hand_values",
     test_gof__exponential_tiny_sample_matches_hand_values},
    {"gof__truncation_uses_conditional_cdf", test_gof__truncation_uses_conditional_cdf},
    {"gof__truncated_lognormal_matches_hand_values",
     test_gof__truncated_lognormal_matches_hand_values},
    {"gof__pit_edge_cases", test_gof__pit_edge_cases},
    {"gof__rejects_unsorted_or_empty_sample", test_gof__rejects_unsorted_or_empty_sample},
};

DS_TEST_MAIN("gof", tests)
