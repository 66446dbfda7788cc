/*
 * test_fit.c: maximum-likelihood fitting against closed forms, simulated truths and the
 * likelihood computed independently from actuarial/severity.c and frequency.c.
 *
 * Tolerances and why:
 *   - closed forms (lognormal, exponential, Poisson) are the same few sums computed in another
 *     order: 1e-12 relative (n = 10^4 terms, rounding ~ n eps);
 *   - reported log-likelihood vs sum of ds_sev_log_pdf: the fit's objective uses sufficient
 *     statistics (sum x, sum log x), the check sums 10^4 separately computed log densities of
 *     magnitude ~10; both round at ~1e-12 relative, so 1e-9 relative is safe yet catches any
 *     wrong term (a wrong constant changes the sum by >= 1e-5 relative);
 *   - numerical-Hessian standard errors vs analytic ones: central differences with relative step
 *     1e-4 are accurate to ~1e-7 relative (truncation h^2, rounding eps |l| / h^2 |l''|): 1e-5;
 *   - simulated truths: |estimate - truth| <= 3 standard errors, the acceptance criterion
 *     (fixed seeds, so the outcome is deterministic; under the asymptotic normal law each check
 *     would fail with probability 0.27%).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "actuarial/fit.h"
#include "tests/ds_test.h"

#define N_SIM 10000

static double *simulate(const ds_sev *s, size_t n, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    double *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++)
        x[i] = ds_sev_sample(s, rng);
    gsl_rng_free(rng);
    return x;
}

/* Draws from s until n values at or above d are collected (a sample censored below d). */
static double *simulate_above(const ds_sev *s, size_t n, double d, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, seed);
    double *x = malloc(n * sizeof *x);
    size_t k = 0;
    while (k < n) {
        double v = ds_sev_sample(s, rng);
        if (v >= d)
            x[k++] = v;
    }
    gsl_rng_free(rng);
    return x;
}

static void assert_within_3se(const ds_sev_fit *f, const double *truth)
{
    for (int i = 0; i < f->n_params; i++) {
        CU_ASSERT(isfinite(f->stderr_[i]) && f->stderr_[i] > 0.0);
        double z = (f->params[i] - truth[i]) / f->stderr_[i];
        if (!(fabs(z) <= 3.0))
            fprintf(stderr, "\n  %s.%s = %.8g, truth %.8g, se %.3g (z = %.2f)\n",
                    ds_sev_family_name(f->sev.family), f->names[i], f->params[i], truth[i],
                    f->stderr_[i], z);
        CU_ASSERT(fabs(z) <= 3.0);
    }
}

/* Multiplies parameter i (in the order of fit.h's names) by factor. */
static void scale_param(ds_sev *s, int i, double factor)
{
    switch (s->family) {
    case DS_SEV_LOGNORMAL:
        *(i == 0 ? &s->u.lognormal.meanlog : &s->u.lognormal.sdlog) *= factor;
        break;
    case DS_SEV_GAMMA: *(i == 0 ? &s->u.gamma.shape : &s->u.gamma.rate) *= factor; break;
    case DS_SEV_WEIBULL: *(i == 0 ? &s->u.weibull.shape : &s->u.weibull.scale) *= factor; break;
    case DS_SEV_EXPONENTIAL: s->u.exponential.rate *= factor; break;
    case DS_SEV_PARETO: *(i == 0 ? &s->u.pareto.shape : &s->u.pareto.scale) *= factor; break;
    default: CU_FAIL("unexpected family"); break;
    }
}

static void check_family(const ds_sev *truth_sev, const double *truth, unsigned long seed)
{
    double *x = simulate(truth_sev, N_SIM, seed);
    ds_sev_fit f;
    ds_error err;
    int rc = ds_fit_severity(&f, truth_sev->family, x, N_SIM, 0.0, &err);
    if (rc)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    assert_within_3se(&f, truth);
    DS_ASSERT_REL(f.loglik, ds_fit_sev_loglik(&f.sev, x, N_SIM, 0.0), 1e-9);
    double k = f.n_params;
    DS_ASSERT_REL(f.aic, 2 * k - 2 * f.loglik, 1e-12);
    DS_ASSERT_REL(f.bic, k * log(N_SIM) - 2 * f.loglik, 1e-12);
    /* A maximum: moving any parameter by 1% lowers the likelihood. */
    for (int i = 0; i < f.n_params; i++) {
        for (int sign = -1; sign <= 1; sign += 2) {
            ds_sev moved = f.sev;
            scale_param(&moved, i, 1.0 + 0.01 * sign);
            CU_ASSERT(ds_fit_sev_loglik(&moved, x, N_SIM, 0.0) < f.loglik);
        }
    }
    CU_ASSERT(f.ks > 0.0 && f.ks < 0.02);   /* 1.36 / sqrt(10^4) is the 5% critical value */
    CU_ASSERT(f.ad > 0.0 && f.ad < 4.0);
    free(x);
}

static void test_fit__lognormal_mle_equals_closed_form(void)
{
    ds_sev s = {.family = DS_SEV_LOGNORMAL, .u.lognormal = {10.0, 1.5}};
    double *x = simulate(&s, N_SIM, 11);
    /* Closed form: mean and (divisor n) standard deviation of log x. */
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < N_SIM; i++)
        m += log(x[i]);
    m /= N_SIM;
    for (size_t i = 0; i < N_SIM; i++)
        v += (log(x[i]) - m) * (log(x[i]) - m);
    double sd = sqrt(v / N_SIM);
    ds_sev_fit f;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_fit_severity(&f, DS_SEV_LOGNORMAL, x, N_SIM, 0.0, &err), 0);
    DS_ASSERT_REL(f.params[0], m, 1e-9);
    DS_ASSERT_REL(f.params[1], sd, 1e-9);
    /* Observed information of the normal: se = sd / sqrt(n), sd / sqrt(2n). */
    DS_ASSERT_REL(f.stderr_[0], sd / sqrt(N_SIM), 1e-5);
    DS_ASSERT_REL(f.stderr_[1], sd / sqrt(2.0 * N_SIM), 1e-5);
    /* The numerical path (Nelder-Mead, used under truncation) with a truncation point whose
       survival is 1 in double precision maximises the same likelihood; the log-likelihood is
       flat to rounding (~1e-11 absolute on ~1e5) within ~1e-8 of the optimum, so the two agree
       to 1e-7 relative and no better can be asked of a derivative-free method. */
    ds_sev_fit g;
    CU_ASSERT_EQUAL_FATAL(ds_fit_severity(&g, DS_SEV_LOGNORMAL, x, N_SIM, 1e-300, &err), 0);
    DS_ASSERT_REL(g.params[0], m, 1e-7);
    DS_ASSERT_REL(g.params[1], sd, 1e-7);
    free(x);
}

static void test_fit__exponential_closed_form_and_stderr(void)
{
    ds_sev s = {.family = DS_SEV_EXPONENTIAL, .u.exponential = {0.002}};
    double *x = simulate(&s, N_SIM, 12);
    double sum = 0.0;
    for (size_t i = 0; i < N_SIM; i++)
        sum += x[i];
    ds_sev_fit f;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_fit_severity(&f, DS_SEV_EXPONENTIAL, x, N_SIM, 0.0, &err), 0);
    DS_ASSERT_REL(f.params[0], N_SIM / sum, 1e-12);
    DS_ASSERT_REL(f.stderr_[0], f.params[0] / sqrt(N_SIM), 1e-5);   /* rate / sqrt(n) */
    free(x);
}

static void test_fit__each_family_recovers_truth_within_3_stderr(void)
{
    ds_sev ln = {.family = DS_SEV_LOGNORMAL, .u.lognormal = {10.0, 1.5}};
    check_family(&ln, (double[]){10.0, 1.5}, 101);
    ds_sev ga = {.family = DS_SEV_GAMMA, .u.gamma = {2.5, 0.001}};
    check_family(&ga, (double[]){2.5, 0.001}, 102);
    ds_sev we = {.family = DS_SEV_WEIBULL, .u.weibull = {0.7, 50000.0}};
    check_family(&we, (double[]){0.7, 50000.0}, 103);
    ds_sev ex = {.family = DS_SEV_EXPONENTIAL, .u.exponential = {1e-4}};
    check_family(&ex, (double[]){1e-4}, 104);
    ds_sev pa = {.family = DS_SEV_PARETO, .u.pareto = {2.5, 100000.0}};
    check_family(&pa, (double[]){2.5, 100000.0}, 105);
}

static void test_fit__gpd_recovers_truth_within_3_stderr(void)
{
    ds_sev g = {.family = DS_SEV_GPD, .u.gpd = {0.4, 20000.0, 1e6}};
    double *x = simulate(&g, N_SIM, 106);
    ds_sev_fit f;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_fit_gpd(&f, x, N_SIM, 1e6, &err), 0);
    CU_ASSERT_EQUAL(f.n, N_SIM);
    CU_ASSERT_EQUAL(f.n_params, 2);
    assert_within_3se(&f, (double[]){0.4, 20000.0});
    CU_ASSERT_EQUAL(f.params[2], 1e6);
    DS_ASSERT_REL(f.loglik, ds_fit_sev_loglik(&f.sev, x, N_SIM, 0.0), 1e-9);
    free(x);
}

/* Acceptance 2: losses below d never reported. The truncated likelihood recovers the ground-up
   parameters; the naive fit is biased by many standard errors. */
static void check_truncated(const ds_sev *s, const double *truth, double d, unsigned long seed)
{
    double *x = simulate_above(s, N_SIM, d, seed);
    ds_sev_fit t, naive;
    ds_error err;
    int rc = ds_fit_severity(&t, s->family, x, N_SIM, d, &err);
    if (rc)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    assert_within_3se(&t, truth);
    DS_ASSERT_REL(t.loglik, ds_fit_sev_loglik(&t.sev, x, N_SIM, d), 1e-9);
    CU_ASSERT_EQUAL_FATAL(ds_fit_severity(&naive, s->family, x, N_SIM, 0.0, &err), 0);
    double worst = 0.0;
    for (int i = 0; i < naive.n_params; i++)
        worst = fmax(worst, fabs(naive.params[i] - truth[i]) / naive.stderr_[i]);
    if (!(worst > 5.0))
        fprintf(stderr, "\n  naive %s bias only %.2f se\n", ds_sev_family_name(s->family), worst);
    CU_ASSERT(worst > 5.0);
    free(x);
}

static void test_fit__truncated_fit_recovers_ground_up_parameters(void)
{
    /* d at about the median of each ground-up distribution: half the losses are unseen. */
    ds_sev ln = {.family = DS_SEV_LOGNORMAL, .u.lognormal = {10.0, 1.5}};
    check_truncated(&ln, (double[]){10.0, 1.5}, exp(10.0), 201);
    ds_sev ga = {.family = DS_SEV_GAMMA, .u.gamma = {2.5, 0.001}};
    check_truncated(&ga, (double[]){2.5, 0.001}, 2000.0, 202);
    ds_sev we = {.family = DS_SEV_WEIBULL, .u.weibull = {0.7, 50000.0}};
    check_truncated(&we, (double[]){0.7, 50000.0}, 30000.0, 203);
    ds_sev pa = {.family = DS_SEV_PARETO, .u.pareto = {2.5, 100000.0}};
    check_truncated(&pa, (double[]){2.5, 100000.0}, 30000.0, 204);
}

static void test_fit__truncated_exponential_is_memoryless(void)
{
    /* Above d an exponential is d plus the same exponential: rate = 1 / (mean - d). */
    double x[] = {1100.0, 1500.0, 2300.0, 1050.0, 4000.0};
    ds_sev_fit f;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_fit_severity(&f, DS_SEV_EXPONENTIAL, x, 5, 1000.0, &err), 0);
    /* sum (x - d) = 100 + 500 + 1300 + 50 + 3000 = 4950; rate = 5 / 4950 */
    DS_ASSERT_REL(f.params[0], 5.0 / 4950.0, 1e-14);
}

static void test_fit__all_candidates_pick_lowest_aic_and_add_gpd(void)
{
    ds_sev ln = {.family = DS_SEV_LOGNORMAL, .u.lognormal = {10.0, 1.5}};
    double *x = simulate(&ln, 2000, 301);
    ds_sev_fits all;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_fit_severity_all(&all, x, 2000, 0.0, &err), 0);
    CU_ASSERT_EQUAL_FATAL(all.n_fits, 6);
    CU_ASSERT_EQUAL(all.fits[all.best].sev.family, DS_SEV_LOGNORMAL);
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT(all.fits[all.best].aic <= all.fits[i].aic);
    const ds_sev_fit *g = &all.fits[5];
    CU_ASSERT_EQUAL(g->sev.family, DS_SEV_GPD);
    CU_ASSERT_EQUAL(g->n, 200);   /* values above the 1800th order statistic */
    free(x);

    /* 200 values leave 20 exceedances: no gpd. */
    double *y = simulate(&ln, 200, 302);
    CU_ASSERT_EQUAL_FATAL(ds_fit_severity_all(&all, y, 200, 0.0, &err), 0);
    CU_ASSERT_EQUAL(all.n_fits, 5);
    free(y);
}

/* Lognormal losses above their median: the truncated gamma likelihood keeps increasing as the
   shape goes to 0 (the truncated density x^(a-1) e^(-bx) stays proper on [d, inf) for a <= 0),
   so there is no gamma MLE. The family is reported as failed, the others stand. */
static void test_fit__family_without_maximum_is_reported_as_failed(void)
{
    ds_sev ln = {.family = DS_SEV_LOGNORMAL, .u.lognormal = {10.0, 1.5}};
    double *x = simulate_above(&ln, N_SIM, exp(10.0), 303);
    ds_sev_fits all;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_fit_severity_all(&all, x, N_SIM, exp(10.0), &err), 0);
    CU_ASSERT_EQUAL_FATAL(all.n_failed, 1);
    CU_ASSERT_EQUAL(all.failed[0].family, DS_SEV_GAMMA);
    CU_ASSERT(strstr(all.failed[0].reason, "shape tends to 0") != NULL);
    CU_ASSERT_EQUAL(all.n_fits, 5);   /* lognormal, weibull, exponential, pareto, gpd */
    CU_ASSERT_EQUAL(all.fits[all.best].sev.family, DS_SEV_LOGNORMAL);
    ds_sev_fit f;
    CU_ASSERT_EQUAL(ds_fit_severity(&f, DS_SEV_GAMMA, x, N_SIM, exp(10.0), &err), DS_EINTERNAL);
    CU_ASSERT_STRING_EQUAL(err.field, "gamma");
    free(x);
}

static void test_fit__bad_losses_are_refused(void)
{
    ds_sev_fit f;
    ds_error err;
    double one[] = {5.0};
    CU_ASSERT_EQUAL(ds_fit_severity(&f, DS_SEV_GAMMA, one, 1, 0.0, &err), DS_EINVAL);
    double neg[] = {5.0, -1.0, 3.0};
    CU_ASSERT_EQUAL(ds_fit_severity(&f, DS_SEV_GAMMA, neg, 3, 0.0, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "losses");
    double below[] = {5.0, 10.0, 3.0};
    CU_ASSERT_EQUAL(ds_fit_severity(&f, DS_SEV_GAMMA, below, 3, 4.0, &err), DS_EINVAL);
    CU_ASSERT(strstr(err.message, "below the truncation") != NULL);
    double same[] = {7.0, 7.0, 7.0};
    CU_ASSERT_EQUAL(ds_fit_severity(&f, DS_SEV_LOGNORMAL, same, 3, 0.0, &err), DS_EINVAL);
    double nanv[] = {7.0, NAN};
    CU_ASSERT_EQUAL(ds_fit_severity(&f, DS_SEV_LOGNORMAL, nanv, 2, 0.0, &err), DS_EINVAL);
    double ok[] = {1.0, 2.0, 3.0};
    CU_ASSERT_EQUAL(ds_fit_severity(&f, DS_SEV_LOGNORMAL, ok, 3, -1.0, &err), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_fit_gpd(&f, ok, 3, 0.5, &err), DS_EINVAL);   /* too few exceedances */
}

/* Frequency ------------------------------------------------------------------------------- */

static void test_fit__poisson_mle_is_mean_with_stderr(void)
{
    unsigned c[] = {3, 0, 5, 2, 4, 1, 0, 2, 3, 4};   /* sum 24 over 10 years */
    ds_freq_fit f;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_fit_frequency(&f, DS_FREQ_POISSON, c, 10, &err), 0);
    DS_ASSERT_REL(f.params[0], 2.4, 1e-15);
    DS_ASSERT_REL(f.stderr_[0], sqrt(2.4 / 10.0), 1e-15);
    /* log L = sum (c log 2.4 - 2.4 - log c!) = 24 log 2.4 - 24 - log prod c! ;
       prod c! = 6 * 1 * 120 * 2 * 24 * 1 * 1 * 2 * 6 * 24 = 9953280 */
    DS_ASSERT_REL(f.loglik, 24.0 * log(2.4) - 24.0 - log(9953280.0), 1e-12);
    DS_ASSERT_REL(f.aic, 2.0 - 2.0 * f.loglik, 1e-14);
}

static void test_fit__negbin_recovers_truth_within_3_stderr(void)
{
    enum { YEARS = 3000 };
    ds_freq nb = {.family = DS_FREQ_NEGBIN, .size = 1.5, .mu = 4.0};
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 401);
    unsigned *c = malloc(YEARS * sizeof *c);
    for (size_t i = 0; i < YEARS; i++)
        c[i] = ds_freq_sample(&nb, rng);
    gsl_rng_free(rng);
    ds_freq_fit f;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_fit_frequency(&f, DS_FREQ_NEGBIN, c, YEARS, &err), 0);
    CU_ASSERT_FALSE(f.is_boundary);
    CU_ASSERT(fabs(f.params[0] - 1.5) <= 3.0 * f.stderr_[0]);
    CU_ASSERT(fabs(f.params[1] - 4.0) <= 3.0 * f.stderr_[1]);
    double ll = 0.0;
    for (size_t i = 0; i < YEARS; i++)
        ll += ds_freq_log_pmf(&f.freq, c[i]);
    DS_ASSERT_REL(f.loglik, ll, 1e-12);
    /* The size maximises the profile likelihood. */
    for (int sign = -1; sign <= 1; sign += 2) {
        ds_freq moved = f.freq;
        moved.size *= 1.0 + 0.01 * sign;
        double l2 = 0.0;
        for (size_t i = 0; i < YEARS; i++)
            l2 += ds_freq_log_pmf(&moved, c[i]);
        CU_ASSERT(l2 < f.loglik);
    }
    free(c);
}

static void test_fit__negbin_underdispersed_goes_to_poisson_limit(void)
{
    unsigned c[] = {2, 3, 2, 3, 2};   /* mean 2.4, variance 0.24 < mean */
    ds_freq_fit nb, po;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_fit_frequency(&nb, DS_FREQ_NEGBIN, c, 5, &err), 0);
    CU_ASSERT_EQUAL_FATAL(ds_fit_frequency(&po, DS_FREQ_POISSON, c, 5, &err), 0);
    CU_ASSERT_TRUE(nb.is_boundary);
    CU_ASSERT(isinf(nb.params[0]));
    CU_ASSERT(isnan(nb.stderr_[0]));
    DS_ASSERT_REL(nb.params[1], 2.4, 1e-15);
    DS_ASSERT_REL(nb.loglik, po.loglik, 1e-15);
    DS_ASSERT_REL(nb.aic, po.aic + 2.0, 1e-14);
}

static void test_fit__frequency_refuses_empty_history(void)
{
    unsigned zero[] = {0, 0, 0};
    ds_freq_fit f;
    ds_error err;
    CU_ASSERT_EQUAL(ds_fit_frequency(&f, DS_FREQ_POISSON, zero, 3, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "counts");
    CU_ASSERT_EQUAL(ds_fit_frequency(&f, DS_FREQ_NEGBIN, zero, 0, &err), DS_EINVAL);
}

static const ds_test_case tests[] = {
    {"fit__lognormal_mle_equals_closed_form", test_fit__lognormal_mle_equals_closed_form},
    {"fit__exponential_closed_form_and_stderr", test_fit__exponential_closed_form_and_stderr},
    {"fit__each_family_recovers_truth_within_3_stderr",
     test_fit__each_family_recovers_truth_within_3_stderr},
    {"fit__gpd_recovers_truth_within_3_stderr", test_fit__gpd_recovers_truth_within_3_stderr},
    {"fit__truncated_fit_recovers_ground_up_parameters",
     test_fit__truncated_fit_recovers_ground_up_parameters},
    {"fit__truncated_exponential_is_memoryless", test_fit__truncated_exponential_is_memoryless},
    {"fit__all_candidates_pick_lowest_aic_and_add_gpd",
     test_fit__all_candidates_pick_lowest_aic_and_add_gpd},
    {"fit__family_without_maximum_is_reported_as_failed",
     test_fit__family_without_maximum_is_reported_as_failed},
    {"fit__bad_losses_are_refused", test_fit__bad_losses_are_refused},
    {"fit__poisson_mle_is_mean_with_stderr", test_fit__poisson_mle_is_mean_with_stderr},
    {"fit__negbin_recovers_truth_within_3_stderr",
     test_fit__negbin_recovers_truth_within_3_stderr},
    {"fit__negbin_underdispersed_goes_to_poisson_limit",
     test_fit__negbin_underdispersed_goes_to_poisson_limit},
    {"fit__frequency_refuses_empty_history", test_fit__frequency_refuses_empty_history},
};

DS_TEST_MAIN("fit", tests)
