/*
 * test_risk.c: VaR and TVaR against values computed by hand from the definitions of
 * DESIGN.md section 3, for samples (equal weights) and for weighted lattice distributions.
 *
 * Every expected value below is worked out in the comment beside it from
 * VaR_p = inf{x : F(x) >= p} and TVaR_p = (1/(1-p)) integral_p^1 VaR_u du; the results are
 * exact up to a few roundings, hence the 1e-12 relative tolerance.
 */
#include <math.h>
#include <stdlib.h>

#include "actuarial/risk.h"
#include "tests/ds_test.h"

static const double one_to_ten[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

static void test_risk__sample_var_is_ceil_pn_order_statistic(void)
{
    /* p = 0.95: pN = 9.5, ceil = 10 -> 10. p = 0.9: pN = 9 -> 9. p = 0.75: pN = 7.5 -> 8.
     * p = 0.05: pN = 0.5 -> 1. */
    DS_ASSERT_REL(ds_risk_var(one_to_ten, NULL, 10, 0, 0.95), 10.0, 1e-12);
    DS_ASSERT_REL(ds_risk_var(one_to_ten, NULL, 10, 0, 0.9), 9.0, 1e-12);
    DS_ASSERT_REL(ds_risk_var(one_to_ten, NULL, 10, 0, 0.75), 8.0, 1e-12);
    DS_ASSERT_REL(ds_risk_var(one_to_ten, NULL, 10, 0, 0.05), 1.0, 1e-12);
}

static void test_risk__sample_tvar_weights_boundary_fractionally(void)
{
    /* p = 0.95: weight 0.5 on 10 and nothing above: 10.
     * p = 0.9: boundary 9 gets weight 9 - 9 = 0; above it 10: TVaR = 10.
     * p = 0.75: (0.5 * 8 + 9 + 10) / 2.5 = 23 / 2.5 = 9.2, which is also
     *   (0.05 * 8 + 0.1 * 9 + 0.1 * 10) / 0.25 from the quantile integral. */
    DS_ASSERT_REL(ds_risk_tvar(one_to_ten, NULL, 10, 0, 0.95), 10.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(one_to_ten, NULL, 10, 0, 0.9), 10.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(one_to_ten, NULL, 10, 0, 0.75), 9.2, 1e-12);
    /* p = 0.05: (0.5 * 1 + 2 + ... + 10) / 9.5 = 54.5 / 9.5. */
    DS_ASSERT_REL(ds_risk_tvar(one_to_ten, NULL, 10, 0, 0.05), 54.5 / 9.5, 1e-12);
}

static void test_risk__sample_rank_survives_rounding_of_pn(void)
{
    /* 0.7 * 10 = 7.000000000000001 in binary floating point; the 7th value is meant. */
    DS_ASSERT_REL(ds_risk_var(one_to_ten, NULL, 10, 0, 0.7), 7.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(one_to_ten, NULL, 10, 0, 0.7), 9.0, 1e-12); /* (8+9+10)/3 */

    /* 1e6 values 1..1e6: VaR_0.95 is the 950000th, VaR_0.99 the 990000th, VaR_0.995 the
     * 995000th; TVaR_0.99 is the mean of 990001..1e6 = 995000.5. */
    size_t n = 1000000;
    double *v = malloc(n * sizeof *v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (double)(i + 1);
    DS_ASSERT_REL(ds_risk_var(v, NULL, n, 0, 0.95), 950000.0, 1e-15);
    DS_ASSERT_REL(ds_risk_var(v, NULL, n, 0, 0.99), 990000.0, 1e-15);
    DS_ASSERT_REL(ds_risk_var(v, NULL, n, 0, 0.995), 995000.0, 1e-15);
    DS_ASSERT_REL(ds_risk_tvar(v, NULL, n, 0, 0.99), 995000.5, 1e-12);
    free(v);
}

static void test_risk__weighted_lattice_by_hand(void)
{
    /* Values 0, 10, 20, 50 with mass 0.5, 0.3, 0.15, 0.05: F = 0.5, 0.8, 0.95, 1. */
    const double x[4] = {0, 10, 20, 50};
    const double w[4] = {0.5, 0.3, 0.15, 0.05};
    /* VaR_0.9 = 20 (F(10) = 0.8 < 0.9 <= F(20)); TVaR_0.9 = (0.05*20 + 0.05*50)/0.1 = 35. */
    DS_ASSERT_REL(ds_risk_var(x, w, 4, 0, 0.9), 20.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(x, w, 4, 0, 0.9), 35.0, 1e-12);
    /* VaR_0.95 = 20 since F(20) = 0.95 exactly (up to rounding); TVaR_0.95 = 50. */
    DS_ASSERT_REL(ds_risk_var(x, w, 4, 0, 0.95), 20.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(x, w, 4, 0, 0.95), 50.0, 1e-12);
    /* VaR_0.7 = 10; TVaR_0.7 = (0.1*10 + 0.15*20 + 0.05*50)/0.3 = 6.5/0.3. */
    DS_ASSERT_REL(ds_risk_var(x, w, 4, 0, 0.7), 10.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(x, w, 4, 0, 0.7), 6.5 / 0.3, 1e-12);
    /* VaR_0.3 = 0; TVaR_0.3 = (0.2*0 + 0.3*10 + 0.15*20 + 0.05*50)/0.7 = 8.5/0.7 = mean/0.7. */
    DS_ASSERT_REL(ds_risk_var(x, w, 4, 0, 0.3), 0.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(x, w, 4, 0, 0.3), 8.5 / 0.7, 1e-12);
}

static void test_risk__weights_need_not_be_normalised(void)
{
    /* The same distribution as above with masses scaled by 10. */
    const double x[4] = {0, 10, 20, 50};
    const double w[4] = {5, 3, 1.5, 0.5};
    DS_ASSERT_REL(ds_risk_var(x, w, 4, 0, 0.9), 20.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(x, w, 4, 0, 0.9), 35.0, 1e-12);
}

static void test_risk__tail_mass_sits_at_last_value(void)
{
    /* 0, 10, 20 with 0.5, 0.3, 0.15 and 0.05 uncomputed: the last point carries 0.2.
     * VaR_0.9 = 20, TVaR_0.9 = 20 (a lower bound for the true 35 of the example above);
     * VaR_0.7 = 10, TVaR_0.7 = (0.1*10 + 0.2*20)/0.3 = 5/0.3. */
    const double x[3] = {0, 10, 20};
    const double w[3] = {0.5, 0.3, 0.15};
    DS_ASSERT_REL(ds_risk_var(x, w, 3, 0.05, 0.9), 20.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(x, w, 3, 0.05, 0.9), 20.0, 1e-12);
    DS_ASSERT_REL(ds_risk_var(x, w, 3, 0.05, 0.7), 10.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(x, w, 3, 0.05, 0.7), 5.0 / 0.3, 1e-12);
}

static void test_risk__equal_weights_match_the_sample_formula(void)
{
    double w[10];
    for (int i = 0; i < 10; i++)
        w[i] = 0.1;
    const double levels[] = {0.05, 0.33, 0.75, 0.95, 0.999};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        double p = levels[i];
        DS_ASSERT_REL(ds_risk_var(one_to_ten, w, 10, 0, p),
                      ds_risk_var(one_to_ten, NULL, 10, 0, p), 1e-12);
        DS_ASSERT_REL(ds_risk_tvar(one_to_ten, w, 10, 0, p),
                      ds_risk_tvar(one_to_ten, NULL, 10, 0, p), 1e-12);
    }
}

static void test_risk__negative_rounding_noise_counts_as_zero(void)
{
    /* An FFT can leave -1e-18 where the mass is 0; it must not move VaR or TVaR. */
    const double x[4] = {0, 10, 20, 50};
    const double w[4] = {0.5, 0.3 - 1e-18, 0.15, 0.05};
    const double noisy[5] = {0, 10, 20, 30, 50};
    const double wn[5] = {0.5, 0.3, 0.15, -1e-18, 0.05};
    DS_ASSERT_REL(ds_risk_tvar(x, w, 4, 0, 0.9), 35.0, 1e-12);
    DS_ASSERT_REL(ds_risk_var(noisy, wn, 5, 0, 0.9), 20.0, 1e-12);
    DS_ASSERT_REL(ds_risk_tvar(noisy, wn, 5, 0, 0.9), 35.0, 1e-12);
}

static void test_risk__invalid_arguments_give_nan(void)
{
    CU_ASSERT(isnan(ds_risk_var(one_to_ten, NULL, 10, 0, 0.0)));
    CU_ASSERT(isnan(ds_risk_var(one_to_ten, NULL, 10, 0, 1.0)));
    CU_ASSERT(isnan(ds_risk_tvar(one_to_ten, NULL, 10, 0, -0.5)));
    CU_ASSERT(isnan(ds_risk_var(one_to_ten, NULL, 0, 0, 0.5)));
    CU_ASSERT(isnan(ds_risk_tvar(NULL, NULL, 10, 0, 0.5)));
    CU_ASSERT(isnan(ds_risk_var(one_to_ten, NULL, 10, 0, NAN)));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_risk__select_gives_the_measures_of_a_full_sort(void)
{
    /* A pseudo-random sample with many ties (a quarter zeros, values capped at 900), as an
     * aggregate sample with a limit has. Selecting the ranks must give exactly the order
     * statistics of a full sort, and TVaR the same up to summation order. */
    size_t n = 100003;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    unsigned long long state = 12345;
    for (size_t i = 0; i < n; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = (double)(state >> 11) * 0x1p-53;
        a[i] = u < 0.25 ? 0.0 : fmin(1000.0 * u, 900.0);
        b[i] = a[i];
    }
    qsort(b, n, sizeof *b, cmp_double);
    const double levels[] = {0.999, 0.5, 0.95, 0.99, 0.1, 0.995, 0.95};
    size_t n_levels = sizeof levels / sizeof levels[0];
    size_t ranks[sizeof levels / sizeof levels[0]];
    for (size_t i = 0; i < n_levels; i++) {
        ranks[i] = ds_risk_sample_rank(n, levels[i]);
        CU_ASSERT_EQUAL(ranks[i], (size_t)ceil(levels[i] * (double)n));
    }
    ds_risk_select(a, n, ranks, n_levels);
    for (size_t i = 0; i < n_levels; i++) {
        CU_ASSERT_EQUAL(a[ranks[i] - 1], b[ranks[i] - 1]);
        CU_ASSERT_EQUAL(ds_risk_var(a, NULL, n, 0, levels[i]),
                        ds_risk_var(b, NULL, n, 0, levels[i]));
        DS_ASSERT_REL(ds_risk_tvar(a, NULL, n, 0, levels[i]),
                      ds_risk_tvar(b, NULL, n, 0, levels[i]), 1e-12);
        for (size_t j = ranks[i]; j < n; j++) {
            if (a[j] < a[ranks[i] - 1]) {
                CU_FAIL("a value after a selected rank is below it");
                break;
            }
        }
    }
    free(a);
    free(b);
}

static void test_risk__select_on_sorted_and_constant_input(void)
{
    /* Sorted input is the classic bad case of a naive pivot; constant input is all ties. */
    size_t n = 50000;
    double *a = malloc(n * sizeof *a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    for (size_t i = 0; i < n; i++)
        a[n - 1 - i] = (double)i; /* descending */
    size_t ranks[] = {25000, 49500, 1, 50000};
    ds_risk_select(a, n, ranks, 4);
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(a[ranks[i] - 1], (double)(ranks[i] - 1));
    for (size_t i = 0; i < n; i++)
        a[i] = 7.0;
    ds_risk_select(a, n, ranks, 4);
    CU_ASSERT_EQUAL(ds_risk_tvar(a, NULL, n, 0, 0.99), 7.0);
    free(a);
}

static const ds_test_case tests[] = {
    {"test_risk__select_gives_the_measures_of_a_full_sort",
     test_risk__select_gives_the_measures_of_a_full_sort},
    {"test_risk__select_on_sorted_and_constant_input",
     test_risk__select_on_sorted_and_constant_input},
    {"test_risk__sample_var_is_ceil_pn_order_statistic",
     test_risk__sample_var_is_ceil_pn_order_statistic},
    {"test_risk__sample_tvar_weights_boundary_fractionally",
     test_risk__sample_tvar_weights_boundary_fractionally},
    {"test_risk__sample_rank_survives_rounding_of_pn",
     test_risk__sample_rank_survives_rounding_of_pn},
    {"test_risk__weighted_lattice_by_hand", test_risk__weighted_lattice_by_hand},
    {"test_risk__weights_need_not_be_normalised", test_risk__weights_need_not_be_normalised},
    {"test_risk__tail_mass_sits_at_last_value", test_risk__tail_mass_sits_at_last_value},
    {"test_risk__equal_weights_match_the_sample_formula",
     test_risk__equal_weights_match_the_sample_formula},
    {"test_risk__negative_rounding_noise_counts_as_zero",
     test_risk__negative_rounding_noise_counts_as_zero},
    {"test_risk__invalid_arguments_give_nan", test_risk__invalid_arguments_give_nan},
};

DS_TEST_MAIN("risk", tests)
