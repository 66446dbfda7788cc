/*
 * test_discretize.c: the rounding discretisation of the payment, its lattice moments, the
 * default tail, the automatic span and the summary of a lattice distribution
 * (actuarial/discretize.c), against closed forms.
 *
 * The exponential severity gives everything in closed form: with q = e^(-rate h),
 * S_Y((k-1/2)h) = q^(k-1/2), so f_k and the lattice moments are geometric series. Tolerances
 * are a few hundred ulps of the quantities compared (differences of exponentials near 1 lose
 * at most a few digits, and expm1 is not used on either side).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "actuarial/aggregate.h"
#include "actuarial/discretize.h"
#include "tests/ds_test.h"
#include "tests/lib/poisson_lognormal.h"

static ds_sev exponential(double rate)
{
    ds_sev s;
    memset(&s, 0, sizeof s);
    s.family = DS_SEV_EXPONENTIAL;
    s.u.exponential.rate = rate;
    return s;
}

static void test_discretize__rounding_matches_the_exponential_closed_form(void)
{
    ds_sev sev = exponential(1e-3);
    ds_agg_terms terms;
    ds_agg_terms_none(&terms);
    double h = 100, f[60];
    double beyond = ds_disc_rounding(f, 0, 60, h, &sev, &terms);
    DS_ASSERT_REL(f[0], 1 - exp(-1e-3 * h / 2), 1e-13);
    double sum = 0;
    for (size_t k = 1; k < 60; k++) {
        double expected = exp(-1e-3 * (k - 0.5) * h) - exp(-1e-3 * (k + 0.5) * h);
        DS_ASSERT_REL(f[k], expected, 1e-12);
        sum += f[k];
    }
    DS_ASSERT_REL(beyond, exp(-1e-3 * 59.5 * h), 1e-13);
    DS_ASSERT_ABS(f[0] + sum + beyond, 1.0, 1e-14);

    /* A later block continues the same sequence. */
    double g[10];
    double beyond2 = ds_disc_rounding(g, 50, 10, h, &sev, &terms);
    for (size_t k = 0; k < 10; k++)
        DS_ASSERT_REL(g[k], f[50 + k], 1e-14);
    DS_ASSERT_REL(beyond2, beyond, 1e-15);
}

static void test_discretize__limit_atom_lands_on_its_lattice_point(void)
{
    /* Y = 0.8 min(max(X - 100, 0), 1000): atom at c l = 800 = 40 h. */
    ds_sev sev = exponential(1e-3);
    ds_agg_terms terms;
    ds_agg_terms_none(&terms);
    terms.deductible = 100;
    terms.limit = 1000;
    terms.coinsurance = 0.8;
    double h = 20, f[50];
    double beyond = ds_disc_rounding(f, 0, 50, h, &sev, &terms);
    /* F_Y(y) = F_X(d + y/c): f_0 = F_X(100 + 10/0.8), the deductible's atom included */
    DS_ASSERT_REL(f[0], 1 - exp(-1e-3 * (100 + 10 / 0.8)), 1e-13);
    DS_ASSERT_REL(f[10], exp(-1e-3 * (100 + 9.5 * h / 0.8)) - exp(-1e-3 * (100 + 10.5 * h / 0.8)),
                  1e-12);
    /* the last point holds P(Y > 39.5 h): the atom P(X >= 1100) plus the density just below */
    DS_ASSERT_REL(f[40], exp(-1e-3 * (100 + 39.5 * h / 0.8)), 1e-13);
    for (size_t k = 41; k < 50; k++)
        CU_ASSERT_EQUAL(f[k], 0.0);
    CU_ASSERT_EQUAL(beyond, 0.0);
    double sum = 0;
    for (size_t k = 0; k < 50; k++)
        sum += f[k];
    DS_ASSERT_ABS(sum, 1.0, 1e-14);
}

static void test_discretize__payment_quantile_applies_the_terms(void)
{
    ds_sev sev = exponential(1e-3);
    ds_agg_terms terms;
    ds_agg_terms_none(&terms);
    terms.deductible = 100;
    terms.limit = 1000;
    terms.coinsurance = 0.5;
    /* q_X(0.5) = 693.1: pays 0.5 * 593.1 */
    DS_ASSERT_REL(ds_disc_payment_quantile(&sev, &terms, 0.5), 0.5 * (1000 * log(2) - 100),
                  1e-12);
    CU_ASSERT_EQUAL(ds_disc_payment_quantile(&sev, &terms, 0.01), 0.0);
    DS_ASSERT_REL(ds_disc_payment_quantile(&sev, &terms, 0.999), 500, 1e-15);
    CU_ASSERT_EQUAL(ds_disc_payment_sf(&sev, &terms, 500), 0.0);
    DS_ASSERT_REL(ds_disc_payment_sf(&sev, &terms, 499), exp(-1e-3 * (100 + 998)), 1e-13);
    CU_ASSERT_EQUAL(ds_disc_payment_sf(&sev, &terms, -1), 1.0);
}

static void test_discretize__lattice_moments_match_the_geometric_series(void)
{
    /* With q = e^(-rate h): E[Y_h] = h sum_k>=1 q^(k-1/2) = h q^(1/2)/(1-q) and
       E[Y_h^2] = h^2 sum (2k-1) q^(k-1/2) = h^2 q^(1/2)(1+q)/(1-q)^2. */
    double rate = 1e-3, h = 10, q = exp(-rate * h);
    double m1_exact = h * sqrt(q) / (1 - q), m2_exact = h * h * sqrt(q) * (1 + q) / pow(1 - q, 2);
    ds_sev sev = exponential(rate);
    ds_agg_terms terms;
    ds_agg_terms_none(&terms);
    size_t n = 20000; /* reaches 2e5: beyond is e^-200, nothing */
    double *f = malloc(n * sizeof *f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    ds_disc_rounding(f, 0, n, h, &sev, &terms);
    double m1, m2;
    ds_disc_lattice_moments(&m1, &m2, f, n, h, &sev, &terms);
    DS_ASSERT_REL(m1, m1_exact, 1e-12);
    DS_ASSERT_REL(m2, m2_exact, 1e-12);
    /* Cut at 100 points (1000, mass e^-1 beyond): the part beyond comes from the midpoint rule
       on E[Y] - E[min(Y, nh)], whose relative error for an exponential is
       1 - (rh/2)/sinh(rh/2) = (rh)^2/24 = 4e-6 of that part (about 1/3 of the total). */
    ds_disc_lattice_moments(&m1, &m2, f, 100, h, &sev, &terms);
    DS_ASSERT_REL(m1, m1_exact, 4e-6);
    DS_ASSERT_REL(m2, m2_exact, 4e-6);
    free(f);
}

static void test_discretize__default_tail_follows_the_highest_level(void)
{
    ds_agg_measures m;
    ds_agg_measures_default(&m);
    /* return period 1000: 0.01 * 1e-3 */
    DS_ASSERT_REL(ds_disc_default_tail(&m), 1e-5, 1e-12);
    m.n_ep = 0;
    DS_ASSERT_REL(ds_disc_default_tail(&m), 0.01 * (1 - 0.995), 1e-12);
    m.n_var = 1;
    m.var_p[0] = 0.5;
    m.n_tvar = 0;
    CU_ASSERT_EQUAL(ds_disc_default_tail(&m), DS_DISC_TAIL_MAX);
}

static void test_discretize__log_pgf_matches_the_pgf(void)
{
    ds_freq f;
    memset(&f, 0, sizeof f);
    f.family = DS_FREQ_POISSON;
    f.lambda = 3;
    DS_ASSERT_REL(ds_disc_log_pgf(&f, 0.3), log(creal(ds_freq_pgf(&f, 0.3))), 1e-14);
    f.lambda = 5000; /* e^-3500 underflows; its log does not */
    DS_ASSERT_REL(ds_disc_log_pgf(&f, 0.3), -3500, 1e-15);
    f.family = DS_FREQ_NEGBIN;
    f.size = 2;
    f.mu = 3;
    DS_ASSERT_REL(ds_disc_log_pgf(&f, 0.3), log(creal(ds_freq_pgf(&f, 0.3))), 1e-14);
    f.family = DS_FREQ_BINOMIAL;
    f.n = 7;
    f.p = 0.4;
    DS_ASSERT_REL(ds_disc_log_pgf(&f, 0.3), log(creal(ds_freq_pgf(&f, 0.3))), 1e-14);
    f.p = 1;
    CU_ASSERT(ds_disc_log_pgf(&f, 0) == -INFINITY);
}

static void test_discretize__options_are_checked_by_field(void)
{
    ds_agg_options o = {.span = -2};
    ds_error err;
    CU_ASSERT_EQUAL(ds_disc_check_options(&o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "span");
    o.span = 10;
    o.tail = 1;
    CU_ASSERT_EQUAL(ds_disc_check_options(&o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "tail");
    o.tail = NAN;
    CU_ASSERT_EQUAL(ds_disc_check_options(&o, &err), DS_EINVAL);
    o.tail = 1e-8;
    CU_ASSERT_EQUAL(ds_disc_check_options(&o, &err), DS_OK);
}

static void limited_model(ds_agg_model *m)
{
    ds_test_poisson_lognormal(m);
    m->terms.deductible = 50000;
    m->terms.limit = 1950000;
}

static void test_discretize__auto_span_puts_the_limit_on_the_lattice(void)
{
    ds_agg_model m;
    limited_model(&m);
    double h;
    size_t n_est;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_disc_auto_span(&h, &n_est, &m, 1e-5, 1u << 20, &err), DS_OK);
    double steps = 1950000 / h;
    DS_ASSERT_ABS(steps, nearbyint(steps), 1e-9 * steps);
    CU_ASSERT(n_est > 100);
    /* The rule: h = 2 * 2.5e-4 * VaR_0.95 (5.6e5 for this model, see test_agreement.c), then
       shrunk to divide c l: between 200 and 290. */
    CU_ASSERT(h > 200 && h < 290);
    /* A budget of 1000 points forces a coarser span over the (1 - tail) quantile. */
    double h_small;
    CU_ASSERT_EQUAL_FATAL(ds_disc_auto_span(&h_small, &n_est, &m, 1e-5, 1000, &err), DS_OK);
    CU_ASSERT(h_small > h);
    CU_ASSERT(n_est <= 1001 + 1);
    ds_agg_model_clear(&m);
}

static void test_discretize__auto_span_of_a_zero_count_is_trivial(void)
{
    ds_agg_model m;
    limited_model(&m);
    m.freq.lambda = 0;
    double h;
    size_t n_est;
    ds_error err;
    CU_ASSERT_EQUAL(ds_disc_auto_span(&h, &n_est, &m, 1e-5, 1000, &err), DS_OK);
    CU_ASSERT(h > 0);
    ds_agg_options o = {0};
    ds_agg_result r;
    CU_ASSERT_EQUAL_FATAL(ds_agg_panjer(&r, &m, &o, &err), DS_OK);
    CU_ASSERT_EQUAL(r.prob_zero, 1.0);
    CU_ASSERT_EQUAL(r.mean, 0.0);
    CU_ASSERT_EQUAL(r.var[2].value, 0.0);
    CU_ASSERT_EQUAL_FATAL(ds_agg_fft(&r, &m, &o, &err), DS_OK);
    DS_ASSERT_ABS(r.prob_zero, 1.0, 1e-12);
    ds_agg_model_clear(&m);
}

static void test_discretize__summary_applies_the_aggregate_terms(void)
{
    /* S on {0, 1, 2} with mass 0.5, 0.3, 0.2; ad = 0.5, al = 1: A takes 0, 0.5, 1.
       mean 0.35, E[A^2] = 0.275, P(A = 0) = 0.5, VaR_0.6 = 0.5, VaR_0.9 = 1,
       TVaR_0.5 = (0.3 * 0.5 + 0.2 * 1) / 0.5 = 0.7. */
    ds_agg_model m;
    limited_model(&m);
    m.terms.aggregate_deductible = 0.5;
    m.terms.aggregate_limit = 1;
    m.measures.n_var = 2;
    m.measures.var_p[0] = 0.6;
    m.measures.var_p[1] = 0.9;
    m.measures.n_tvar = 1;
    m.measures.tvar_p[0] = 0.5;
    m.measures.n_ep = 1;
    m.measures.return_period[0] = 2; /* VaR_0.5 = 0 */
    const double g[3] = {0.5, 0.3, 0.2};
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_disc_summarise(&r, g, 3, 1.0, 0.0, 1.0, 1.0, &m, &err), DS_OK);
    DS_ASSERT_REL(r.mean, 0.35, 1e-15);
    DS_ASSERT_REL(r.sd, sqrt(0.275 - 0.35 * 0.35), 1e-14);
    DS_ASSERT_REL(r.prob_zero, 0.5, 1e-15);
    CU_ASSERT_EQUAL(r.var[0].value, 0.5);
    CU_ASSERT_EQUAL(r.var[1].value, 1.0);
    DS_ASSERT_REL(r.tvar[0].value, 0.7, 1e-14);
    CU_ASSERT_EQUAL(r.ep[0].loss, 0.0);
    CU_ASSERT_EQUAL(r.has_exact, 0);
    CU_ASSERT_EQUAL(r.points, 3);
    CU_ASSERT_STRING_EQUAL(r.discretization, "rounding");
    ds_agg_model_clear(&m);
}

static void test_discretize__tail_atom_keeps_mean_and_tvar_of_the_whole_lattice(void)
{
    /* Compute a long lattice, then summarise only its first part with the rest as tail mass:
       mean, sd and TVaR_0.99 (p <= 1 - tail) must be those of the whole lattice, because the
       atom sits at the tail's conditional mean computed from E[N] E[Y_h]. The lattice of
       6000 points (to 1.2e7) leaves 1e-5 beyond, itself carried by an atom; the comparison is
       exact up to the rounding of the lattice sums (1e-12 relative), so 1e-9 is ample. */
    ds_agg_model m;
    limited_model(&m);
    m.terms.deductible = 0;
    m.terms.limit = INFINITY;
    m.measures.n_ep = 0;
    double h = 2000;
    size_t n = 6000;
    double *f = malloc(n * sizeof *f), *g = malloc(n * sizeof *g);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    ds_disc_rounding(f, 0, n, h, &m.sev, &m.terms);
    double y1, y2;
    ds_disc_lattice_moments(&y1, &y2, f, n, h, &m.sev, &m.terms);
    size_t points;
    double tail_mass;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_panjer_compound(g, &points, &tail_mass, f, n, &m.freq, 1e-9, &err),
                          DS_OK);
    CU_ASSERT_FATAL(points > 2500);
    ds_agg_result whole, cut;
    CU_ASSERT_EQUAL_FATAL(ds_disc_summarise(&whole, g, points, h, tail_mass, y1, y2, &m, &err),
                          DS_OK);
    double cut_tail = 0;
    for (size_t k = 2500; k < points; k++)
        cut_tail += g[k];
    cut_tail += tail_mass; /* about 5e-4 (beyond 5e6): below 1 - 0.995 */
    CU_ASSERT_FATAL(cut_tail < 1e-3);
    CU_ASSERT_EQUAL_FATAL(ds_disc_summarise(&cut, g, 2500, h, cut_tail, y1, y2, &m, &err),
                          DS_OK);
    DS_ASSERT_REL(cut.mean, whole.mean, 1e-9);
    DS_ASSERT_REL(cut.tvar[0].value, whole.tvar[0].value, 1e-9);
    for (size_t i = 0; i < whole.n_var; i++)
        CU_ASSERT_EQUAL(cut.var[i].value, whole.var[i].value);
    /* the sd is exact in both: the second moment of the tail comes from E[Y_h^2] too */
    DS_ASSERT_REL(cut.sd, whole.sd, 1e-9);
    /* and the whole-lattice mean is E[N] E[Y_h] */
    DS_ASSERT_REL(whole.mean, 3 * y1, 1e-12);
    free(f);
    free(g);
    ds_agg_model_clear(&m);
}

static const ds_test_case tests[] = {
    {"discretize__rounding_matches_the_exponential_closed_form",
     test_discretize__rounding_matches_the_exponential_closed_form},
    {"discretize__limit_atom_lands_on_its_lattice_point",
     test_discretize__limit_atom_lands_on_its_lattice_point},
    {"discretize__payment_quantile_applies_the_terms",
     test_discretize__payment_quantile_applies_the_terms},
    {"discretize__lattice_moments_match_the_geometric_series",
     test_discretize__lattice_moments_match_the_geometric_series},
    {"discretize__default_tail_follows_the_highest_level",
     test_discretize__default_tail_follows_the_highest_level},
    {"discretize__log_pgf_matches_the_pgf", test_discretize__log_pgf_matches_the_pgf},
    {"discretize__options_are_checked_by_field", test_discretize__options_are_checked_by_field},
    {"discretize__auto_span_puts_the_limit_on_the_lattice",
     test_discretize__auto_span_puts_the_limit_on_the_lattice},
    {"discretize__auto_span_of_a_zero_count_is_trivial",
     test_discretize__auto_span_of_a_zero_count_is_trivial},
    {"discretize__summary_applies_the_aggregate_terms",
     test_discretize__summary_applies_the_aggregate_terms},
    {"discretize__tail_atom_keeps_mean_and_tvar_of_the_whole_lattice",
     test_discretize__tail_atom_keeps_mean_and_tvar_of_the_whole_lattice},
};

DS_TEST_MAIN("discretize", tests)
