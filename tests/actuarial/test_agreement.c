/*
 * test_agreement.c: acceptance test 1 of issue 2. Monte Carlo (1e6 years, 2 threads), the
 * Panjer recursion and the FFT agree on VaR at 0.95, 0.99, 0.995 and TVaR at 0.99 for
 *   (a) Poisson(3) with lognormal(10, 1.5),
 *   (b) negative binomial (size 2, mu 3) with Pareto II (2.5, 150000),
 *   (c) (a) with a per-loss deductible of 50000 and limit of 1950000;
 * exact.mean of (a) is 3 e^11.125, and the MC mean lies within 5 standard errors of it.
 *
 * Why 1% is the right tolerance against Monte Carlo, and when it is not: the sample quantile
 * of N years has standard deviation sqrt(p (1-p) / N) / f(q), f the density of S at the
 * quantile q (asymptotic normality of order statistics; Serfling 1980, section 2.3.3), and the
 * sample TVaR has variance [Var(S | S > q) + p (TVaR - q)^2] / (N (1 - p)) (Manistre and
 * Hancock 2005; the second term is the quantile's own error). The test computes both from the
 * Panjer lattice and prints them. With N = 1e6 they are large: 0.2% (VaR 0.95) to 0.6%
 * (VaR 0.995) of the value, and 0.3% - 0.8% for TVaR 0.99 (for VaR 0.995 of (a): the
 * density there is f(q) q = 3 phi(2.94)/1.5 = 0.011, so the sd is 7.05e-5/0.011 = 0.6%).
 * A fixed 1% is therefore only 1.2 - 5 standard deviations: it holds for this seed (the
 * output shows every difference) but a correct MC exceeds it with probability about 0.2 at
 * the worst measure (TVaR 0.99 at 1.2 sd). The check is max(1%, 4 sd), which a correct
 * method fails with probability 6e-5 per measure, while an error larger than 4 sd (3.3% at
 * most here) fails it. The exact methods are held much tighter below (each other, and the
 * closed-form moments). Holding MC to 1% as a 4-sd criterion at TVaR 0.99 would take about
 * (4 x 0.8)^2 x 1e6 = 1e7 years.
 * Panjer against FFT: both carry only their rounding error, at most h/2 per VaR plus O(h^2)
 * (docs/exact-methods.md), so they must agree within (h_panjer + h_fft), far tighter than 1%.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "actuarial/aggregate.h"
#include "actuarial/discretize.h"
#include "tests/ds_test.h"
#include "tests/lib/poisson_lognormal.h"

#define SIMS 1000000
#define N_VAR 3

typedef struct {
    const char *name;
    ds_agg_model model;
} agreement_case;

static void base_model(ds_agg_model *m)
{
    ds_test_poisson_lognormal(m);
    m->measures.n_var = N_VAR;
    m->measures.var_p[0] = 0.95;
    m->measures.var_p[1] = 0.99;
    m->measures.var_p[2] = 0.995;
    m->measures.n_tvar = 1;
    m->measures.tvar_p[0] = 0.99;
}

static void model_case(agreement_case *c, int which)
{
    base_model(&c->model);
    switch (which) {
    case 0:
        c->name = "(a) poisson-lognormal";
        break;
    case 1:
        c->name = "(b) negbin-pareto";
        c->model.freq.family = DS_FREQ_NEGBIN;
        c->model.freq.size = 2;
        c->model.freq.mu = 3;
        c->model.sev.family = DS_SEV_PARETO;
        c->model.sev.u.pareto.shape = 2.5;
        c->model.sev.u.pareto.scale = 150000;
        break;
    default:
        c->name = "(c) poisson-lognormal xs 50000 limit 1950000";
        c->model.terms.deductible = 50000;
        c->model.terms.limit = 1950000;
        break;
    }
}

/* The lattice of S on span h to its (1 - 1e-7) quantile, by the tilted FFT (shown equal to
   Panjer in test_fft.c); *n receives its length. */
static double *reference_lattice(const ds_agg_model *m, double h, size_t *n)
{
    size_t size = 1024;
    for (;;) {
        double *g = malloc(size * sizeof *g);
        CU_ASSERT_PTR_NOT_NULL_FATAL(g);
        ds_disc_rounding(g, 0, size, h, &m->sev, &m->terms);
        ds_error err;
        CU_ASSERT_EQUAL_FATAL(ds_fft_compound(g, g, size, &m->freq, 16.0 / (double)size, &err),
                              DS_OK);
        double cum = 0;
        for (size_t k = 0; k < size / 2; k++)
            cum += g[k];
        if (1 - cum < 1e-7 || size >= ((size_t)1 << 22)) {
            *n = size / 2;
            return g;
        }
        free(g);
        size *= 2;
    }
}

static double lattice_cdf(const double *g, size_t n, double h, double x)
{
    double cum = 0;
    for (size_t k = 0; k < n && (double)k * h <= x; k++)
        cum += g[k];
    return cum;
}

/* Standard deviation of the sample VaR_p over SIMS years: sqrt(p(1-p)/N) / f(q), with the
   density a centred difference over +-2% of q (the density is smooth there). */
static double var_sd(const double *g, size_t n, double h, double p, double q)
{
    double d = 0.02 * q;
    double density = (lattice_cdf(g, n, h, q + d) - lattice_cdf(g, n, h, q - d)) / (2 * d);
    return sqrt(p * (1 - p) / SIMS) / density;
}

/* Standard deviation of the sample TVaR_p (Manistre and Hancock 2005): the conditional second
   moment from the whole second moment E[S^2] = sd^2 + mean^2 of the exact result (which carries
   the tail beyond the lattice) minus the lattice's part at or below q. */
static double tvar_sd(const double *g, size_t n, double h, double p, double q, double tvar,
                      double mean, double sd)
{
    double below2 = 0;
    for (size_t k = 0; k < n && (double)k * h <= q; k++)
        below2 += (double)k * h * (double)k * h * g[k];
    double cond2 = (sd * sd + mean * mean - below2) / (1 - p);
    double cond_var = fmax(cond2 - tvar * tvar, 0.0);
    return sqrt((cond_var + p * (tvar - q) * (tvar - q)) / (SIMS * (1 - p)));
}

static void check_agreement(const char *what, double mc, double exact, double sd)
{
    double tol = fmax(0.01 * exact, 4 * sd);
    int ok = fabs(mc - exact) <= tol;
    fprintf(stderr, "    %-10s mc %.7g exact %.7g diff %+.3f%% (sd %.3f%%)%s\n", what, mc, exact,
            100 * (mc - exact) / exact, 100 * sd / exact, ok ? "" : "  <-- FAIL");
    CU_ASSERT(ok);
}

static void run_case(int which)
{
    agreement_case c;
    model_case(&c, which);
    ds_agg_options mc_opts = {.method = DS_AGG_MC, .sims = SIMS, .seed = 20261129, .threads = 2};
    ds_agg_options exact_opts = {.method = DS_AGG_PANJER};
    ds_agg_result mc, pj, ft;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_simulate(&mc, &c.model, &mc_opts, &err), DS_OK);
    CU_ASSERT_EQUAL_FATAL(ds_agg_panjer(&pj, &c.model, &exact_opts, &err), DS_OK);
    exact_opts.method = DS_AGG_FFT;
    CU_ASSERT_EQUAL_FATAL(ds_agg_fft(&ft, &c.model, &exact_opts, &err), DS_OK);
    fprintf(stderr, "\n  %s: panjer span %.6g (%zu points, %.1f ms), fft span %.6g (%zu points, "
                    "%.1f ms)\n",
            c.name, pj.span, pj.points, pj.elapsed_ms, ft.span, ft.points, ft.elapsed_ms);

    size_t n;
    double *g = reference_lattice(&c.model, pj.span, &n);
    for (size_t i = 0; i < N_VAR; i++) {
        double p = pj.var[i].p, q = pj.var[i].value;
        char what[32];
        snprintf(what, sizeof what, "VaR %.3f", p);
        check_agreement(what, mc.var[i].value, q, var_sd(g, n, pj.span, p, q));
        /* Panjer and FFT: each within h/2 of the true quantile (plus O(h^2)) */
        DS_ASSERT_ABS(ft.var[i].value, q, pj.span + ft.span);
    }
    double q99 = pj.var[1].value;
    check_agreement("TVaR 0.990", mc.tvar[0].value, pj.tvar[0].value,
                    tvar_sd(g, n, pj.span, 0.99, q99, pj.tvar[0].value, pj.mean, pj.sd));
    DS_ASSERT_ABS(ft.tvar[0].value, pj.tvar[0].value, pj.span + ft.span);
    free(g);

    /* Closed-form moments: the exact methods see the whole distribution (tail atom), so their
       mean differs from the closed form only by the rounding bias O(h^2 f_Y), < 1e-4. */
    CU_ASSERT_EQUAL_FATAL(mc.has_exact, 1);
    DS_ASSERT_REL(pj.mean, mc.exact_mean, 1e-4);
    DS_ASSERT_REL(ft.mean, mc.exact_mean, 1e-4);
    DS_ASSERT_REL(pj.sd, mc.exact_sd, 1e-3);
    /* MC mean within 5 standard errors of the closed form (a 5.7e-7 two-sided chance) */
    fprintf(stderr, "    mean       mc %.7g exact %.7g (%.2f standard errors)\n", mc.mean,
            mc.exact_mean, (mc.mean - mc.exact_mean) / mc.mean_stderr);
    CU_ASSERT(fabs(mc.mean - mc.exact_mean) <= 5 * mc.mean_stderr);
    if (which == 0) /* E[N] E[X] = 3 exp(10 + 1.5^2/2) */
        DS_ASSERT_REL(mc.exact_mean, 3 * exp(11.125), 1e-9);
    ds_agg_model_clear(&c.model);
}

static void test_agreement__poisson_lognormal_mc_panjer_fft_agree(void)
{
    run_case(0);
}

static void test_agreement__negbin_pareto_mc_panjer_fft_agree(void)
{
    run_case(1);
}

static void test_agreement__lognormal_with_deductible_and_limit_agree(void)
{
    run_case(2);
}

static const ds_test_case tests[] = {
    {"agreement__poisson_lognormal_mc_panjer_fft_agree",
     test_agreement__poisson_lognormal_mc_panjer_fft_agree},
    {"agreement__negbin_pareto_mc_panjer_fft_agree",
     test_agreement__negbin_pareto_mc_panjer_fft_agree},
    {"agreement__lognormal_with_deductible_and_limit_agree",
     test_agreement__lognormal_with_deductible_and_limit_agree},
};

DS_TEST_MAIN("agreement", tests)
