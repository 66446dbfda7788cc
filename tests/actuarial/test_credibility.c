/*
 * test_credibility.c: Buhlmann-Straub against a worked example computed by hand, the balance
 * property, the no-heterogeneity case, and the Poisson-gamma posterior.
 *
 * Tolerance 1e-13 relative: every figure is a few dozen arithmetic operations on small
 * integers, rounding ~1e-15; the expected values are exact fractions written out below.
 */
#include <math.h>
#include <string.h>

#include "actuarial/credibility.h"
#include "tests/ds_test.h"

/*
 * Worked example, three groups (ratio, weight):
 *   A: (10, 1), (14, 3)          m_A = 4, Xbar_A = (10 + 42) / 4 = 13
 *   B: (20, 2), (16, 2)          m_B = 4, Xbar_B = (40 + 32) / 4 = 18
 *   C: (6, 1), (9, 2), (11, 3)   m_C = 6, Xbar_C = (6 + 18 + 33) / 6 = 9.5
 * m = 14, Xbar = (52 + 72 + 57) / 14 = 181/14
 * within: A: 1 (10-13)^2 + 3 (14-13)^2 = 9 + 3 = 12
 *         B: 2 (20-18)^2 + 2 (16-18)^2 = 8 + 8 = 16
 *         C: 1 (6-9.5)^2 + 2 (9-9.5)^2 + 3 (11-9.5)^2 = 12.25 + 0.5 + 6.75 = 19.5
 *   v = (12 + 16 + 19.5) / ((2-1) + (2-1) + (3-1)) = 47.5 / 4 = 95/8 = 11.875
 * between: sum m_i (Xbar_i - Xbar)^2 = 4 (1/14)^2 + 4 (71/14)^2 + 6 (48/14)^2
 *          = (4 + 20164 + 13824) / 196 = 33992 / 196 = 1214/7
 *   denominator m - sum m_i^2 / m = 14 - (16 + 16 + 36) / 14 = 128/14 = 64/7
 *   a = (1214/7 - 2 * 95/8) / (64/7) = (4856 - 665) / 28 * 7 / 64 = 4191/256 = 16.37109375
 * k = v / a = (95/8) / (4191/256) = 3040/4191
 *   Z_A = Z_B = 4 / (4 + 3040/4191) = 16764/19804 = 4191/4951
 *   Z_C = 6 / (6 + 3040/4191) = 25146/28186 = 12573/14093
 * collective = (Z_A 13 + Z_B 18 + Z_C 9.5) / (Z_A + Z_B + Z_C) = 1155973/86078
 * premium_i = Z_i Xbar_i + (1 - Z_i) collective.
 */
static const ds_cred_obs worked[] = {
    {"A", 10, 1}, {"B", 20, 2}, {"C", 6, 1}, {"A", 14, 3},
    {"C", 9, 2},  {"B", 16, 2}, {"C", 11, 3},
};

static void test_credibility__buhlmann_straub_reproduces_worked_example(void)
{
    ds_cred_bs *r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_cred_buhlmann_straub(&r, worked, 7, &err), 0);
    CU_ASSERT_EQUAL_FATAL(r->n_groups, 3);
    CU_ASSERT_STRING_EQUAL(r->groups[0].group, "A");
    CU_ASSERT_STRING_EQUAL(r->groups[1].group, "B");
    CU_ASSERT_STRING_EQUAL(r->groups[2].group, "C");
    DS_ASSERT_REL(r->groups[0].weight, 4.0, 1e-15);
    DS_ASSERT_REL(r->groups[2].weight, 6.0, 1e-15);
    DS_ASSERT_REL(r->groups[0].mean, 13.0, 1e-13);
    DS_ASSERT_REL(r->groups[1].mean, 18.0, 1e-13);
    DS_ASSERT_REL(r->groups[2].mean, 9.5, 1e-13);
    DS_ASSERT_REL(r->overall_mean, 181.0 / 14.0, 1e-13);
    DS_ASSERT_REL(r->within_variance, 95.0 / 8.0, 1e-13);
    DS_ASSERT_REL(r->between_variance, 4191.0 / 256.0, 1e-13);
    double za = 4191.0 / 4951.0, zc = 12573.0 / 14093.0, mu = 1155973.0 / 86078.0;
    DS_ASSERT_REL(r->groups[0].credibility, za, 1e-13);
    DS_ASSERT_REL(r->groups[1].credibility, za, 1e-13);
    DS_ASSERT_REL(r->groups[2].credibility, zc, 1e-13);
    DS_ASSERT_REL(r->collective, mu, 1e-13);
    DS_ASSERT_REL(r->groups[0].premium, za * 13.0 + (1 - za) * mu, 1e-13);
    DS_ASSERT_REL(r->groups[1].premium, za * 18.0 + (1 - za) * mu, 1e-13);
    DS_ASSERT_REL(r->groups[2].premium, zc * 9.5 + (1 - zc) * mu, 1e-13);
    DS_ASSERT_REL(r->groups[2].premium, 9.923801668254374, 1e-13);
    ds_cred_bs_free(r);
}

/*
 * Balance. The collective is the credibility-weighted mean, so sum Z_i (Xbar_i - mu) = 0, and
 * since m_i (1 - Z_i) = (v/a) Z_i:
 *   sum m_i (premium_i - Xbar_i) = sum m_i (1 - Z_i)(mu - Xbar_i)
 *                                = (v/a) sum Z_i (mu - Xbar_i) = 0,
 * i.e. the exposure-weighted premiums reproduce the total observed loss, 181 in the example.
 * (The credibility-weighted mean of the premiums is NOT mu in general:
 *  sum Z_i P_i / sum Z_i - mu = sum Z_i^2 (Xbar_i - mu) / sum Z_i, here 13.3675 vs 13.4294.)
 */
static void test_credibility__premiums_balance_to_observed_total(void)
{
    ds_cred_bs *r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_cred_buhlmann_straub(&r, worked, 7, &err), 0);
    double total_premium = 0.0, total_loss = 0.0, sum_z_dev = 0.0;
    for (size_t i = 0; i < r->n_groups; i++) {
        total_premium += r->groups[i].weight * r->groups[i].premium;
        total_loss += r->groups[i].weight * r->groups[i].mean;
        sum_z_dev += r->groups[i].credibility * (r->groups[i].mean - r->collective);
    }
    DS_ASSERT_REL(total_loss, 181.0, 1e-13);
    DS_ASSERT_REL(total_premium, 181.0, 1e-13);
    DS_ASSERT_ABS(sum_z_dev, 0.0, 1e-12);
    ds_cred_bs_free(r);
}

/* Buhlmann (weights 1) with equal group means: a = (0 - v (r-1)) / (...) < 0, so a = 0, Z = 0
   and both groups pay the overall mean 2. v = ((1-2)^2 + (3-2)^2 + 0 + 0) / 2 = 1. */
static void test_credibility__no_heterogeneity_gives_zero_credibility(void)
{
    ds_cred_obs obs[] = {{"x", 1, 1}, {"x", 3, 1}, {"y", 2, 1}, {"y", 2, 1}};
    ds_cred_bs *r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_cred_buhlmann_straub(&r, obs, 4, &err), 0);
    DS_ASSERT_REL(r->within_variance, 1.0, 1e-15);
    CU_ASSERT_EQUAL(r->between_variance, 0.0);
    CU_ASSERT_EQUAL(r->groups[0].credibility, 0.0);
    CU_ASSERT_EQUAL(r->groups[1].credibility, 0.0);
    DS_ASSERT_REL(r->collective, 2.0, 1e-15);
    DS_ASSERT_REL(r->groups[0].premium, 2.0, 1e-15);
    ds_cred_bs_free(r);
}

static void test_credibility__bad_input_is_refused(void)
{
    ds_cred_bs *r;
    ds_error err;
    ds_cred_obs one_group[] = {{"x", 1, 1}, {"x", 3, 1}};
    CU_ASSERT_EQUAL(ds_cred_buhlmann_straub(&r, one_group, 2, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "groups");
    CU_ASSERT_PTR_NULL(r);
    ds_cred_obs single_periods[] = {{"x", 1, 1}, {"y", 3, 1}};
    CU_ASSERT_EQUAL(ds_cred_buhlmann_straub(&r, single_periods, 2, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "periods");
    ds_cred_obs bad_weight[] = {{"x", 1, 1}, {"y", 3, 0}};
    CU_ASSERT_EQUAL(ds_cred_buhlmann_straub(&r, bad_weight, 2, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "observations[1].weight");
    CU_ASSERT_EQUAL(ds_cred_buhlmann_straub(&r, NULL, 0, &err), DS_EINVAL);
}

/* Prior Gamma(2, 4): mean 0.5. 3 claims in 5 years: posterior Gamma(5, 9), mean 5/9;
   Z = 5 / (5 + 4) = 5/9 and Z (3/5) + (1 - Z) 0.5 = 1/3 + 2/9 = 5/9. */
static void test_credibility__poisson_gamma_posterior_mean(void)
{
    ds_cred_pg pg;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_cred_poisson_gamma(&pg, 2.0, 4.0, 3.0, 5.0, &err), 0);
    DS_ASSERT_REL(pg.alpha, 5.0, 1e-15);
    DS_ASSERT_REL(pg.beta, 9.0, 1e-15);
    DS_ASSERT_REL(pg.mean, 5.0 / 9.0, 1e-15);
    DS_ASSERT_REL(pg.credibility, 5.0 / 9.0, 1e-15);
    DS_ASSERT_REL(pg.credibility * 3.0 / 5.0 + (1 - pg.credibility) * 0.5, pg.mean, 1e-15);
    /* No own experience: the prior mean. */
    CU_ASSERT_EQUAL_FATAL(ds_cred_poisson_gamma(&pg, 2.0, 4.0, 0.0, 0.0, &err), 0);
    DS_ASSERT_REL(pg.mean, 0.5, 1e-15);
    CU_ASSERT_EQUAL(pg.credibility, 0.0);
    CU_ASSERT_EQUAL(ds_cred_poisson_gamma(&pg, 0.0, 4.0, 1.0, 1.0, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "alpha");
    CU_ASSERT_EQUAL(ds_cred_poisson_gamma(&pg, 2.0, 4.0, -1.0, 1.0, &err), DS_EINVAL);
}

/* Mean 0.5 and variance 0.125 of rates: alpha = 0.25 / 0.125 = 2, beta = 0.5 / 0.125 = 4. */
static void test_credibility__gamma_prior_from_collective_moments(void)
{
    double a, b;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_cred_gamma_prior(&a, &b, 0.5, 0.125, &err), 0);
    DS_ASSERT_REL(a, 2.0, 1e-15);
    DS_ASSERT_REL(b, 4.0, 1e-15);
    DS_ASSERT_REL(a / b, 0.5, 1e-15);
    DS_ASSERT_REL(a / (b * b), 0.125, 1e-15);
    CU_ASSERT_EQUAL(ds_cred_gamma_prior(&a, &b, 0.5, 0.0, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "variance");
}

static const ds_test_case tests[] = {
    {"credibility__buhlmann_straub_reproduces_worked_example",
     test_credibility__buhlmann_straub_reproduces_worked_example},
    {"credibility__premiums_balance_to_observed_total",
     test_credibility__premiums_balance_to_observed_total},
    {"credibility__no_heterogeneity_gives_zero_credibility",
     test_credibility__no_heterogeneity_gives_zero_credibility},
    {"credibility__bad_input_is_refused", test_credibility__bad_input_is_refused},
    {"credibility__poisson_gamma_posterior_mean", test_credibility__poisson_gamma_posterior_mean},
    {"credibility__gamma_prior_from_collective_moments",
     test_credibility__gamma_prior_from_collective_moments},
};

DS_TEST_MAIN("credibility", tests)
