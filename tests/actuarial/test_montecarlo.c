/*
 * test_montecarlo.c: the Monte Carlo aggregate engine (actuarial/montecarlo.c) and the shared
 * parts in actuarial/aggregate.c (validation, exact moments, EP return periods).
 *
 * Monte Carlo is tested three ways (STYLE.md): against closed forms, with tolerances of five
 * standard errors computed from the exact standard deviation (a correct sampler fails such a
 * check with probability below 1e-6 per check, by the CLT; the seeds are fixed, so the outcome
 * is reproducible anyway); by exact identities that need no tolerance (thread identity, block
 * prefixes, aggregate terms applied afterwards); and against the full sort for order
 * statistics. The comparison with Panjer and FFT at 1e6 years lives in test_agreement.c.
 * Samples are kept at 2e5 years so the program runs in a second or two, also under ASan.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "actuarial/aggregate.h"
#include "actuarial/risk.h"
#include "tests/ds_test.h"
#include "tests/lib/poisson_lognormal.h"

#define SIMS 200000

static void poisson_lognormal(ds_agg_model *m)
{
    ds_test_poisson_lognormal(m);
}

static void options(ds_agg_options *o, uint64_t sims, unsigned threads)
{
    ds_agg_options_default(o);
    o->sims = sims;
    o->seed = 20261129;
    o->threads = threads;
}

/* |mean - exact| <= 5 standard errors of a mean of `sims` years with the exact sd. */
static void assert_mean_within_5se(const ds_agg_result *r, double exact_mean, double exact_sd)
{
    double se = exact_sd / sqrt((double)r->sims);
    DS_ASSERT_ABS(r->mean, exact_mean, 5.0 * se);
}

/* A proportion within 5 binomial standard errors. */
static void assert_prob_within_5se(double observed, double p, uint64_t n)
{
    DS_ASSERT_ABS(observed, p, 5.0 * sqrt(p * (1.0 - p) / (double)n));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_montecarlo__poisson_lognormal_matches_closed_forms(void)
{
    ds_agg_model m;
    poisson_lognormal(&m);
    ds_agg_options o;
    options(&o, SIMS, 2);
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_simulate(&r, &m, &o, &err), 0);
    /* E[S] = lambda E[X] = 3 exp(10 + 1.5^2/2) = 3 e^11.125; the only error is rounding. */
    CU_ASSERT_TRUE(r.has_exact);
    DS_ASSERT_REL(r.exact_mean, 3.0 * exp(11.125), 1e-9);
    /* Var S = lambda E[X^2] = 3 exp(2*10 + 2*1.5^2) = 3 e^24.5 (compound Poisson). */
    DS_ASSERT_REL(r.exact_sd, sqrt(3.0 * exp(24.5)), 1e-9);
    assert_mean_within_5se(&r, r.exact_mean, r.exact_sd);
    /* P(S = 0) = P(N = 0) = e^-3. */
    assert_prob_within_5se(r.prob_zero, exp(-3.0), SIMS);
    CU_ASSERT_EQUAL(r.method, DS_AGG_MC);
    CU_ASSERT_EQUAL(r.sims, SIMS);
    DS_ASSERT_REL(r.mean_stderr, r.sd / sqrt((double)SIMS), 1e-12);
    CU_ASSERT_EQUAL(r.n_var, 3);
    CU_ASSERT_EQUAL(r.n_tvar, 1);
    CU_ASSERT_EQUAL(r.n_ep, 10);
    CU_ASSERT(r.elapsed_ms >= 0.0);
}

static void test_montecarlo__negbin_pareto_matches_closed_forms(void)
{
    ds_agg_model m;
    poisson_lognormal(&m);
    m.freq.family = DS_FREQ_NEGBIN;
    m.freq.size = 2;
    m.freq.mu = 3;
    m.sev.family = DS_SEV_PARETO;
    m.sev.u.pareto.shape = 2.5;
    m.sev.u.pareto.scale = 150000;
    ds_agg_options o;
    options(&o, SIMS, 2);
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_simulate(&r, &m, &o, &err), 0);
    /* E[X] = scale/(shape-1) = 1e5, E[X^2] = 2 scale^2/((shape-1)(shape-2)) = 6e10,
     * E[N] = 3, Var N = 3 + 9/2 = 7.5: E[S] = 3e5, Var S = 3 (6e10 - 1e10) + 7.5e10 = 2.25e11. */
    CU_ASSERT_TRUE(r.has_exact);
    DS_ASSERT_REL(r.exact_mean, 3e5, 1e-9);
    DS_ASSERT_REL(r.exact_sd, sqrt(2.25e11), 1e-9);
    assert_mean_within_5se(&r, r.exact_mean, r.exact_sd);
    /* P(N = 0) = (size/(size + mu))^size = 0.4^2. */
    assert_prob_within_5se(r.prob_zero, 0.16, SIMS);
}

static void test_montecarlo__per_loss_terms_match_closed_forms(void)
{
    ds_agg_model m;
    poisson_lognormal(&m);
    m.terms.deductible = 50000;
    m.terms.limit = 1950000;
    ds_agg_options o;
    options(&o, SIMS, 2);
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_simulate(&r, &m, &o, &err), 0);
    /* E[Y] = E[min(X, 2e6)] - E[min(X, 5e4)] by the lognormal limited expected value
     * E[min(X,u)] = e^(mu+s^2/2) Phi((ln u - mu - s^2)/s) + u (1 - Phi((ln u - mu)/s)). */
    double mu = 10, s = 1.5, ex = exp(mu + s * s / 2);
    double lev_u = ex * 0.5 * erfc(-((log(2e6) - mu - s * s) / s) / sqrt(2.0)) +
                   2e6 * 0.5 * erfc(((log(2e6) - mu) / s) / sqrt(2.0));
    double lev_d = ex * 0.5 * erfc(-((log(5e4) - mu - s * s) / s) / sqrt(2.0)) +
                   5e4 * 0.5 * erfc(((log(5e4) - mu) / s) / sqrt(2.0));
    CU_ASSERT_TRUE(r.has_exact);
    DS_ASSERT_REL(r.exact_mean, 3.0 * (lev_u - lev_d), 1e-9);
    assert_mean_within_5se(&r, r.exact_mean, r.exact_sd);
    /* No payment in a year iff every loss is below the deductible: the Poisson pgf at F(d),
     * exp(-lambda (1 - F(d))). */
    double f_d = 0.5 * erfc(-((log(5e4) - mu) / s) / sqrt(2.0));
    assert_prob_within_5se(r.prob_zero, exp(-3.0 * (1.0 - f_d)), SIMS);
    /* A payment never exceeds the limit per loss; VaR at 0.995 is finite and positive. */
    CU_ASSERT(r.var[2].value > 0 && isfinite(r.var[2].value));
}

/* Each severity family's specialised sampler and each frequency family: the mean within 5 SE
 * of the closed form, and for exponential severities also the standard deviation. */
static void check_family_mean(const ds_agg_model *m, uint64_t sims)
{
    ds_agg_options o;
    options(&o, sims, 2);
    ds_agg_result r;
    ds_error err;
    int rc = ds_agg_simulate(&r, m, &o, &err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_TRUE_FATAL(r.has_exact);
    CU_ASSERT_TRUE_FATAL(isfinite(r.exact_sd));
    assert_mean_within_5se(&r, r.exact_mean, r.exact_sd);
}

static void test_montecarlo__every_severity_sampler_has_the_right_mean(void)
{
    ds_agg_model m;
    poisson_lognormal(&m);
    m.sev.family = DS_SEV_GAMMA;
    m.sev.u.gamma.shape = 0.7;
    m.sev.u.gamma.rate = 1e-4;
    check_family_mean(&m, 50000);
    m.sev.family = DS_SEV_WEIBULL;
    m.sev.u.weibull.shape = 0.6;
    m.sev.u.weibull.scale = 20000;
    check_family_mean(&m, 50000);
    m.sev.family = DS_SEV_EXPONENTIAL;
    m.sev.u.exponential.rate = 1e-5;
    check_family_mean(&m, 50000);
    m.sev.family = DS_SEV_GPD;
    m.sev.u.gpd.xi = 0.2;
    m.sev.u.gpd.sigma = 30000;
    m.sev.u.gpd.mu = 1000;
    check_family_mean(&m, 50000);
    m.sev.u.gpd.xi = 0.0;
    check_family_mean(&m, 50000);
    m.sev.u.gpd.xi = -0.3; /* bounded support [mu, mu + sigma/0.3] */
    check_family_mean(&m, 50000);

    /* Spliced: lognormal body below 100000, GPD tail above it. */
    ds_sev body = {.family = DS_SEV_LOGNORMAL};
    body.u.lognormal.meanlog = 10;
    body.u.lognormal.sdlog = 1;
    ds_sev tail = {.family = DS_SEV_GPD};
    tail.u.gpd.xi = 0.25;
    tail.u.gpd.sigma = 50000;
    tail.u.gpd.mu = 100000;
    ds_sev *b = malloc(sizeof *b), *t = malloc(sizeof *t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    *b = body;
    *t = tail;
    m.sev.family = DS_SEV_SPLICED;
    m.sev.u.spliced.body = b;
    m.sev.u.spliced.tail = t;
    m.sev.u.spliced.threshold = 100000;
    m.sev.u.spliced.body_weight = NAN;
    check_family_mean(&m, 50000);
    ds_agg_model_clear(&m);
}

/* ---- The sampling kernels: every instruction set gives the same bits. ---- */

static const ds_agg_isa isas[] = {DS_AGG_ISA_SCALAR, DS_AGG_ISA_AVX2, DS_AGG_ISA_AVX512};
#define N_ISAS (sizeof isas / sizeof isas[0])

static void test_montecarlo__lanes_are_gsl_taus2_streams(void)
{
    /* Each lane's words are gsl_rng_taus2's from the lane's state (GSL documents that
     * gsl_rng_state gives the state: s1, s2, s3 for taus2), under every kernel set: the inline
     * recurrences, scalar and SIMD, are L'Ecuyer's generator as GSL implements it. The
     * streams of a block, and of neighbouring blocks and seeds, start from distinct states. */
    const size_t rounds = 300;
    uint32_t *words = malloc(rounds * DS_AGG_MC_LANES * sizeof *words);
    CU_ASSERT_PTR_NOT_NULL_FATAL(words);
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rng);
    CU_ASSERT_EQUAL_FATAL(gsl_rng_size(rng), 3 * sizeof(unsigned long));
    size_t n_checked = 0, n_differ = 0;
    for (size_t a = 0; a < N_ISAS; a++) {
        if (ds_agg_mc_set_isa(isas[a]) != 0)
            continue;
        const uint64_t blocks[] = {0, 1, 12345};
        for (size_t b = 0; b < 3; b++) {
            ds_agg_mc_words(words, rounds, 20261129, blocks[b]);
            for (unsigned l = 0; l < DS_AGG_MC_LANES; l++) {
                uint32_t st[3];
                ds_agg_mc_stream_state(st, 20261129, blocks[b], l);
                unsigned long *state = gsl_rng_state(rng);
                for (int c = 0; c < 3; c++)
                    state[c] = st[c];
                for (size_t t = 0; t < rounds; t++)
                    n_differ += words[t * DS_AGG_MC_LANES + l] != (uint32_t)gsl_rng_get(rng);
                n_checked++;
            }
        }
    }
    ds_agg_mc_set_isa(DS_AGG_ISA_AUTO);
    CU_ASSERT(n_checked >= 48);
    CU_ASSERT_EQUAL(n_differ, 0);
    /* taus2's constraints, and distinct states for 17 streams x 3 blocks x 2 seeds. */
    uint32_t states[2 * 3 * (DS_AGG_MC_LANES + 1)][3];
    size_t n = 0;
    for (uint64_t seed = 1; seed <= 2; seed++) {
        for (uint64_t block = 0; block < 3; block++) {
            for (unsigned l = 0; l <= DS_AGG_MC_LANES; l++) {
                ds_agg_mc_stream_state(states[n], seed, block, l);
                CU_ASSERT(states[n][0] >= 2 && states[n][1] >= 8 && states[n][2] >= 16);
                n++;
            }
        }
    }
    size_t n_same = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++)
            n_same += memcmp(states[i], states[j], sizeof states[i]) == 0;
    }
    CU_ASSERT_EQUAL(n_same, 0);
    gsl_rng_free(rng);
    free(words);
}

/* The simulated years of m under every kernel set this CPU has: each must equal the portable
 * kernels' bit for bit. Returns the number of kernel sets compared. */
static size_t check_kernels_agree(const ds_agg_model *m, uint64_t sims, const char *what)
{
    ds_agg_options o;
    options(&o, sims, 2);
    double *ref = malloc(sims * sizeof *ref), *y = malloc(sims * sizeof *y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_mc_set_isa(DS_AGG_ISA_SCALAR), 0);
    CU_ASSERT_EQUAL_FATAL(ds_agg_simulate_years(ref, m, &o, &err), 0);
    size_t n_compared = 0;
    for (size_t a = 1; a < N_ISAS; a++) {
        if (ds_agg_mc_set_isa(isas[a]) != 0)
            continue;
        CU_ASSERT_EQUAL_FATAL(ds_agg_mc_isa(), isas[a]);
        CU_ASSERT_EQUAL_FATAL(ds_agg_simulate_years(y, m, &o, &err), 0);
        int same = memcmp(ref, y, sims * sizeof *y) == 0;
        if (!same)
            fprintf(stderr, "\n  %s: %s differs from scalar\n", what,
                    ds_agg_mc_isa_name(isas[a]));
        CU_ASSERT(same);
        n_compared++;
    }
    ds_agg_mc_set_isa(DS_AGG_ISA_AUTO);
    free(ref);
    free(y);
    return n_compared;
}

static void test_montecarlo__every_kernel_set_gives_the_same_years(void)
{
    /* The SIMD kernels compute the portable code's operations in its order, so the simulated
     * years must be identical, not close: for the lognormal (no terms, per-loss terms, and a
     * meanlog near exp's table range, where lanes fall back to exp()), the other closed-form
     * families with terms, a short last block, counts past the flat loop (lambda 8 and 20),
     * and the GSL families for good measure. On a CPU without AVX2 nothing is compared (the
     * portable kernels are then the only ones). */
    uint64_t sims = 2 * DS_AGG_BLOCK_YEARS + 77;
    ds_agg_model m;
    poisson_lognormal(&m);
    size_t n = check_kernels_agree(&m, sims, "lognormal");
    m.terms.deductible = 20000;
    m.terms.limit = 1e6;
    m.terms.coinsurance = 0.8;
    check_kernels_agree(&m, sims, "lognormal with terms");
    ds_agg_terms_none(&m.terms);
    m.sev.u.lognormal.meanlog = 690; /* y = 690 + 3 z passes 700 in the tail */
    m.sev.u.lognormal.sdlog = 3;
    m.terms.limit = 1e300;
    check_kernels_agree(&m, sims, "lognormal near exp's range");
    ds_agg_terms_none(&m.terms);
    m.sev.u.lognormal.meanlog = 10;
    m.sev.u.lognormal.sdlog = 1.5;
    m.freq.lambda = 8; /* blocks of both sides of the flat loop's 2^16 losses */
    check_kernels_agree(&m, 3 * DS_AGG_BLOCK_YEARS, "lognormal, lambda 8");
    m.freq.lambda = 20;
    check_kernels_agree(&m, DS_AGG_BLOCK_YEARS + 5, "lognormal, lambda 20");
    m.freq.lambda = 3;
    m.terms.deductible = 1000;
    m.terms.limit = 50000;
    m.sev.family = DS_SEV_EXPONENTIAL;
    m.sev.u.exponential.rate = 1e-4;
    check_kernels_agree(&m, sims, "exponential");
    m.sev.family = DS_SEV_PARETO;
    m.sev.u.pareto.shape = 2.5;
    m.sev.u.pareto.scale = 150000;
    check_kernels_agree(&m, sims, "pareto");
    m.sev.family = DS_SEV_GPD;
    m.sev.u.gpd.xi = 0.2;
    m.sev.u.gpd.sigma = 30000;
    m.sev.u.gpd.mu = 1000;
    check_kernels_agree(&m, sims, "gpd");
    m.sev.family = DS_SEV_WEIBULL;
    m.sev.u.weibull.shape = 0.6;
    m.sev.u.weibull.scale = 20000;
    check_kernels_agree(&m, sims, "weibull");
    m.sev.family = DS_SEV_GAMMA;
    m.sev.u.gamma.shape = 0.7;
    m.sev.u.gamma.rate = 1e-4;
    check_kernels_agree(&m, 1000, "gamma");
    if (n == 0)
        fprintf(stderr, "\n  (no SIMD kernels on this CPU: nothing to compare)\n");
}

static void test_montecarlo__every_kernel_set_gives_the_same_normals_and_exp(void)
{
    /* The normals alone (ds_agg_normal_fill, with lengths that end inside a round), and exp
     * over a grid that crosses its table range and includes NaN and infinities. */
    const size_t n = 100003;
    double *ref = malloc(n * sizeof *ref), *v = malloc(n * sizeof *v), *x = malloc(n * sizeof *x);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(x);
    for (size_t i = 0; i < n; i++)
        x[i] = -760.0 + 1520.0 * (double)i / (double)n;
    x[7] = NAN;
    x[8] = INFINITY;
    x[9] = -INFINITY;
    const size_t lengths[] = {n, 1, 15, 17, 1025};
    for (size_t c = 0; c < sizeof lengths / sizeof lengths[0]; c++) {
        CU_ASSERT_EQUAL_FATAL(ds_agg_mc_set_isa(DS_AGG_ISA_SCALAR), 0);
        CU_ASSERT_EQUAL(ds_agg_normal_fill(ref, lengths[c], 99 + c), 0);
        for (size_t a = 1; a < N_ISAS; a++) {
            if (ds_agg_mc_set_isa(isas[a]) != 0)
                continue;
            CU_ASSERT_EQUAL(ds_agg_normal_fill(v, lengths[c], 99 + c), 0);
            CU_ASSERT_EQUAL(memcmp(ref, v, lengths[c] * sizeof *v), 0);
        }
    }
    CU_ASSERT_EQUAL_FATAL(ds_agg_mc_set_isa(DS_AGG_ISA_SCALAR), 0);
    ds_agg_exp_fill(ref, x, n);
    for (size_t a = 1; a < N_ISAS; a++) {
        if (ds_agg_mc_set_isa(isas[a]) != 0)
            continue;
        ds_agg_exp_fill(v, x, n);
        CU_ASSERT_EQUAL(memcmp(ref, v, n * sizeof *v), 0);
    }
    ds_agg_mc_set_isa(DS_AGG_ISA_AUTO);
    /* The dispatch itself: AUTO restores a supported set, and names round-trip. */
    CU_ASSERT_NOT_EQUAL(ds_agg_mc_isa(), DS_AGG_ISA_AUTO);
    CU_ASSERT_STRING_EQUAL(ds_agg_mc_isa_name(DS_AGG_ISA_SCALAR), "scalar");
    free(ref);
    free(v);
    free(x);
}

static void test_montecarlo__normal_sampler_has_normal_moments_and_tails(void)
{
    /* 1.6e7 normals as the Monte Carlo draws them (16 runs of 1e6, each its own seed), by the
     * kernels in use. Standard normal: mean 0 (SE 1/sqrt(n) = 2.5e-4), variance 1 (SE
     * sqrt(2/n) = 3.5e-4), P(|Z| > 2.5) = 0.012419 and P(|Z| > r) = 5.73e-4 beyond the base
     * layer's edge r = 3.44428647676, where only the slow path's tail sampler reaches; each
     * within 4.5 standard errors (binomial for the tails): a correct sampler fails one of these
     * with probability about 3e-5. The tail check has power: n P(|Z| > r) = 9170, so its SE is
     * 1.0%, and a tail 7% thin (the old wedge-area bug) is 6.7 SE off. A chi-square over 64
     * equiprobable cells of the first 4e6 checks the shape in the body (every layer). */
    const size_t per_run = 1000000, runs = 16, n_cells = 64, n_chi = 4;
    double *z = malloc(per_run * sizeof *z);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    double edges[63];
    for (size_t c = 0; c + 1 < n_cells; c++)
        edges[c] = gsl_cdf_ugaussian_Pinv((double)(c + 1) / (double)n_cells);
    size_t cells[64] = {0};
    double sum = 0.0, sum2 = 0.0;
    size_t beyond_25 = 0, beyond_r = 0;
    const double r = 3.44428647676;
    for (size_t run = 0; run < runs; run++) {
        CU_ASSERT_EQUAL_FATAL(ds_agg_normal_fill(z, per_run, 1000 + run), 0);
        for (size_t i = 0; i < per_run; i++) {
            double v = z[i];
            sum += v;
            sum2 += v * v;
            beyond_25 += fabs(v) > 2.5;
            beyond_r += fabs(v) > r;
            if (run < n_chi) {
                size_t lo = 0, hi = n_cells - 1; /* the cell: edges[lo-1] < v <= edges[lo] */
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (v <= edges[mid])
                        hi = mid;
                    else
                        lo = mid + 1;
                }
                cells[lo]++;
            }
        }
    }
    double n = (double)(per_run * runs);
    double mean = sum / n, var = sum2 / n - mean * mean;
    DS_ASSERT_ABS(mean, 0.0, 4.5 / sqrt(n));
    DS_ASSERT_ABS(var, 1.0, 4.5 * sqrt(2.0 / n));
    double p25 = erfc(2.5 / sqrt(2.0)), p_r = erfc(r / sqrt(2.0));
    DS_ASSERT_ABS((double)beyond_25 / n, p25, 4.5 * sqrt(p25 * (1.0 - p25) / n));
    DS_ASSERT_ABS((double)beyond_r / n, p_r, 4.5 * sqrt(p_r * (1.0 - p_r) / n));
    double expected = (double)(per_run * n_chi) / (double)n_cells, chi2 = 0.0;
    for (size_t c = 0; c < n_cells; c++)
        chi2 += ((double)cells[c] - expected) * ((double)cells[c] - expected) / expected;
    double p_value = gsl_cdf_chisq_Q(chi2, (double)(n_cells - 1));
    if (p_value < 1e-6)
        fprintf(stderr, "\n  normals: chi2 %g on %zu cells, p %g\n", chi2, n_cells, p_value);
    CU_ASSERT(p_value > 1e-6);
    free(z);
}

static void test_montecarlo__normal_sampler_has_the_normal_cdf(void)
{
    /* Lognormal(0, 1) losses with a deductible e^z: a year pays nothing iff no loss exceeds it,
     * with probability exp(-lambda (1 - Phi(z))) (Poisson pgf). Across z this checks the
     * inlined ziggurat's distribution function at several points, including the tail beyond
     * its base layer (r = 3.44), which z = 3.6 reaches only through the tail sampler. */
    const double z[] = {-1.5, 0.0, 1.0, 2.5, 3.6};
    for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
        ds_agg_model m;
        poisson_lognormal(&m);
        m.sev.u.lognormal.meanlog = 0;
        m.sev.u.lognormal.sdlog = 1;
        m.terms.deductible = exp(z[i]);
        ds_agg_options o;
        options(&o, 200000, 2);
        ds_agg_result r;
        ds_error err;
        CU_ASSERT_EQUAL_FATAL(ds_agg_simulate(&r, &m, &o, &err), 0);
        double tail = 0.5 * erfc(z[i] / sqrt(2.0));
        assert_prob_within_5se(r.prob_zero, exp(-3.0 * tail), o.sims);
    }
}

/* Kolmogorov-Smirnov distance of sorted values from the severity's cdf. */
static double ks_distance(const double *sorted, size_t n, const ds_sev *sev)
{
    double d = 0.0;
    for (size_t i = 0; i < n; i++) {
        double f = ds_sev_cdf(sev, sorted[i]);
        d = fmax(d, fmax(f - (double)i / (double)n, (double)(i + 1) / (double)n - f));
    }
    return d;
}

static void test_montecarlo__every_severity_sampler_has_its_distribution(void)
{
    /* Binomial(1, 1) claim counts give exactly one loss a year, so the simulated years are a
     * sample of the severity itself. Kolmogorov-Smirnov against ds_sev_cdf: under the right
     * distribution P(sqrt(n) D > 2.6) <= 2 exp(-2 * 2.6^2) = 2.6e-6 (Kolmogorov's limit law),
     * while a wrong shape or scale of a few percent gives sqrt(n) D of 5 or more at n = 1e5. */
    ds_sev families[9];
    memset(families, 0, sizeof families);
    families[0].family = DS_SEV_LOGNORMAL;
    families[0].u.lognormal.meanlog = 10;
    families[0].u.lognormal.sdlog = 1.5;
    families[1].family = DS_SEV_GAMMA;
    families[1].u.gamma.shape = 0.7;
    families[1].u.gamma.rate = 1e-4;
    families[2].family = DS_SEV_WEIBULL;
    families[2].u.weibull.shape = 0.6;
    families[2].u.weibull.scale = 20000;
    families[3].family = DS_SEV_EXPONENTIAL;
    families[3].u.exponential.rate = 1e-5;
    families[4].family = DS_SEV_PARETO;
    families[4].u.pareto.shape = 2.5;
    families[4].u.pareto.scale = 150000;
    for (int g = 0; g < 3; g++) {
        families[5 + g].family = DS_SEV_GPD;
        families[5 + g].u.gpd.xi = g == 0 ? 0.4 : g == 1 ? 0.0 : -0.3;
        families[5 + g].u.gpd.sigma = 30000;
        families[5 + g].u.gpd.mu = 1000;
    }
    ds_sev *body = calloc(1, sizeof *body), *tail = calloc(1, sizeof *tail);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
    body->family = DS_SEV_LOGNORMAL;
    body->u.lognormal.meanlog = 10;
    body->u.lognormal.sdlog = 1;
    tail->family = DS_SEV_GPD;
    tail->u.gpd.xi = 0.25;
    tail->u.gpd.sigma = 50000;
    tail->u.gpd.mu = 100000;
    families[8].family = DS_SEV_SPLICED;
    families[8].u.spliced.body = body;
    families[8].u.spliced.tail = tail;
    families[8].u.spliced.threshold = 100000;
    families[8].u.spliced.body_weight = 0.8;

    size_t n = 100000;
    double *y = malloc(n * sizeof *y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    for (int f = 0; f < 9; f++) {
        ds_agg_model m;
        poisson_lognormal(&m);
        m.freq.family = DS_FREQ_BINOMIAL;
        m.freq.n = 1;
        m.freq.p = 1.0;
        m.sev = families[f];
        ds_agg_options o;
        options(&o, n, 2);
        ds_error err;
        int rc = ds_agg_simulate_years(y, &m, &o, &err);
        if (rc)
            fprintf(stderr, "\n  severity %d: %s\n", f, err.message);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        qsort(y, n, sizeof *y, cmp_double);
        double scaled = sqrt((double)n) * ks_distance(y, n, &families[f]);
        if (scaled >= 2.6)
            fprintf(stderr, "\n  severity %d: sqrt(n) D = %g\n", f, scaled);
        CU_ASSERT(scaled < 2.6);
    }
    free(y);
    ds_sev_clear(&families[8]);
}

static void test_montecarlo__every_frequency_has_the_right_mean_and_sd(void)
{
    /* Exponential severity with mean 1e5: E[S] = E[N] 1e5 and Var S = E[N] 1e10 + Var N 1e10.
     * The sample variance has standard error sqrt((mu4 - sigma^4)/n); with the fourth central
     * moment of these three models (estimated once from 4e6 numpy draws) that is at most
     * 0.8% of the variance at 1e5 years, so 0.4% of the sd (half the relative error of the
     * variance), and a 2% band on the sd is 5 standard errors. */
    ds_agg_model m;
    poisson_lognormal(&m);
    m.sev.family = DS_SEV_EXPONENTIAL;
    m.sev.u.exponential.rate = 1e-5;
    ds_agg_options o;
    options(&o, 100000, 2);
    ds_agg_result r;
    ds_error err;
    ds_freq freqs[3] = {{.family = DS_FREQ_POISSON, .lambda = 3},
                        {.family = DS_FREQ_NEGBIN, .size = 2, .mu = 3},
                        {.family = DS_FREQ_BINOMIAL, .n = 10, .p = 0.3}};
    double mean_n[3] = {3, 3, 3}, var_n[3] = {3, 7.5, 2.1};
    for (int i = 0; i < 3; i++) {
        m.freq = freqs[i];
        CU_ASSERT_EQUAL_FATAL(ds_agg_simulate(&r, &m, &o, &err), 0);
        double mean = mean_n[i] * 1e5, var = (mean_n[i] + var_n[i]) * 1e10;
        DS_ASSERT_REL(r.exact_mean, mean, 1e-12);
        DS_ASSERT_REL(r.exact_sd, sqrt(var), 1e-12);
        assert_mean_within_5se(&r, mean, sqrt(var));
        DS_ASSERT_REL(r.sd, sqrt(var), 0.02);
    }
    /* Binomial: P(N = 0) = 0.7^10. */
    assert_prob_within_5se(r.prob_zero, pow(0.7, 10), 100000);
}

static void test_montecarlo__claim_counts_follow_the_frequency_pmf(void)
{
    /* With a per-loss limit of 1e-9 on exponential(1) losses every loss pays 1e-9 (unless
     * X < 1e-9, probability 1e-9), so a year's payment is N * 1e-9 and the simulated counts
     * can be read back. Their histogram against the pmf by Pearson's chi-square, cells with an
     * expected count of at least 5 (the rest pooled into the last one): a correct sampler
     * gives a p-value below 1e-6 once in a million runs, a wrong table almost surely. */
    ds_freq freqs[3] = {{.family = DS_FREQ_POISSON, .lambda = 3},
                        {.family = DS_FREQ_NEGBIN, .size = 2, .mu = 3},
                        {.family = DS_FREQ_BINOMIAL, .n = 10, .p = 0.3}};
    size_t n = 200000;
    double *y = malloc(n * sizeof *y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    for (int f = 0; f < 3; f++) {
        ds_agg_model m;
        poisson_lognormal(&m);
        m.freq = freqs[f];
        m.sev.family = DS_SEV_EXPONENTIAL;
        m.sev.u.exponential.rate = 1.0;
        m.terms.limit = 1e-9;
        ds_agg_options o;
        options(&o, n, 2);
        ds_error err;
        CU_ASSERT_EQUAL_FATAL(ds_agg_simulate_years(y, &m, &o, &err), 0);
        size_t observed[64] = {0};
        for (size_t i = 0; i < n; i++) {
            long k = lround(y[i] / 1e-9);
            observed[k < 63 ? k : 63]++;
        }
        double chi2 = 0.0, expected_left = (double)n, observed_left = (double)n;
        int cells = 0;
        for (unsigned k = 0; k < 63; k++) {
            double expected = (double)n * ds_freq_pmf(&m.freq, k);
            if (expected < 5.0 || expected_left - expected < 5.0)
                break;
            chi2 += ((double)observed[k] - expected) * ((double)observed[k] - expected) / expected;
            expected_left -= expected;
            observed_left -= (double)observed[k];
            cells++;
        }
        chi2 += (observed_left - expected_left) * (observed_left - expected_left) / expected_left;
        cells++;
        double p_value = gsl_cdf_chisq_Q(chi2, cells - 1);
        if (p_value < 1e-6)
            fprintf(stderr, "\n  frequency %d: chi2 %g on %d cells, p %g\n", f, chi2, cells,
                    p_value);
        CU_ASSERT(p_value > 1e-6);
        CU_ASSERT(cells >= 8);
    }
    free(y);
}

static void test_montecarlo__large_counts_take_the_per_year_loop(void)
{
    /* A block's losses go through one flat loop when there are at most 2^16 of them, else
     * year by year. With lambda = 8 a block of 8192 years has 65536 +- 256 losses, so both
     * paths run in one simulation; lambda = 20 takes the per-year loop only. Exponential
     * losses with mean 1e3: E[S] = 1e3 lambda, Var S = 2e6 lambda. The sample variance's
     * relative standard error, sqrt((kappa4 + 2 kappa2^2)/n)/kappa2 with the compound Poisson
     * cumulants kappa_r = lambda E[X^r], is under 0.5% here, so 2% on the sd is > 5 SE. */
    const double lambdas[] = {8, 20};
    for (size_t i = 0; i < 2; i++) {
        ds_agg_model m;
        poisson_lognormal(&m);
        m.freq.lambda = lambdas[i];
        m.sev.family = DS_SEV_EXPONENTIAL;
        m.sev.u.exponential.rate = 1e-3;
        ds_agg_options o;
        options(&o, 20 * DS_AGG_BLOCK_YEARS, 2);
        ds_agg_result r;
        ds_error err;
        CU_ASSERT_EQUAL_FATAL(ds_agg_simulate(&r, &m, &o, &err), 0);
        assert_mean_within_5se(&r, 1e3 * lambdas[i], sqrt(2e6 * lambdas[i]));
        DS_ASSERT_REL(r.sd, sqrt(2e6 * lambdas[i]), 0.02);
        assert_prob_within_5se(r.prob_zero, exp(-lambdas[i]), o.sims);
    }
}

static void test_montecarlo__huge_counts_fall_back_to_gsl_sampler(void)
{
    /* lambda = 1.5e6 needs a count table beyond 2^20 entries, so GSL's Poisson sampler is used;
     * 10 years with exponential(mean 1) losses: E[S] = 1.5e6, sd sqrt(2 * 1.5e6). */
    ds_agg_model m;
    poisson_lognormal(&m);
    m.freq.lambda = 1.5e6;
    m.sev.family = DS_SEV_EXPONENTIAL;
    m.sev.u.exponential.rate = 1.0;
    ds_agg_options o;
    options(&o, 10, 1);
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_agg_simulate(&r, &m, &o, &err), 0);
    assert_mean_within_5se(&r, 1.5e6, sqrt(3e6));
}

static void test_montecarlo__output_is_identical_for_any_thread_count(void)
{
    ds_agg_model m;
    poisson_lognormal(&m);
    m.terms.deductible = 1000; /* exercise the terms path as well */
    ds_agg_options o1, o2, o3;
    uint64_t sims = 5 * DS_AGG_BLOCK_YEARS + 123; /* a short last block */
    options(&o1, sims, 1);
    options(&o2, sims, 2);
    options(&o3, sims, 3);
    double *y1 = malloc(sims * sizeof *y1), *y2 = malloc(sims * sizeof *y2),
           *y3 = malloc(sims * sizeof *y3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y3);
    ds_error err;
    CU_ASSERT_EQUAL(ds_agg_simulate_years(y1, &m, &o1, &err), 0);
    CU_ASSERT_EQUAL(ds_agg_simulate_years(y2, &m, &o2, &err), 0);
    CU_ASSERT_EQUAL(ds_agg_simulate_years(y3, &m, &o3, &err), 0);
    CU_ASSERT_EQUAL(memcmp(y1, y2, sims * sizeof *y1), 0);
    CU_ASSERT_EQUAL(memcmp(y1, y3, sims * sizeof *y1), 0);

    ds_agg_result r1, r2;
    CU_ASSERT_EQUAL(ds_agg_simulate(&r1, &m, &o1, &err), 0);
    CU_ASSERT_EQUAL(ds_agg_simulate(&r2, &m, &o2, &err), 0);
    CU_ASSERT_EQUAL(r1.threads, 1);
    CU_ASSERT_EQUAL(r2.threads, 2);
    /* Everything but the thread count and the time must be bit-identical. */
    r2.threads = r1.threads;
    r2.elapsed_ms = r1.elapsed_ms;
    CU_ASSERT_EQUAL(memcmp(&r1.mean, &r2.mean, sizeof r1.mean), 0);
    CU_ASSERT_EQUAL(memcmp(&r1.sd, &r2.sd, sizeof r1.sd), 0);
    CU_ASSERT_EQUAL(memcmp(r1.var, r2.var, sizeof r1.var), 0);
    CU_ASSERT_EQUAL(memcmp(r1.tvar, r2.tvar, sizeof r1.tvar), 0);
    CU_ASSERT_EQUAL(memcmp(r1.ep, r2.ep, sizeof r1.ep), 0);
    CU_ASSERT_EQUAL(r1.prob_zero, r2.prob_zero);
    free(y1);
    free(y2);
    free(y3);
}

static void test_montecarlo__blocks_depend_only_on_seed_and_index(void)
{
    /* A shorter run is a prefix of a longer one with the same seed; another seed differs. */
    ds_agg_model m;
    poisson_lognormal(&m);
    ds_agg_options o_long, o_short, o_other;
    options(&o_long, 3 * DS_AGG_BLOCK_YEARS, 2);
    options(&o_short, DS_AGG_BLOCK_YEARS + 17, 2);
    options(&o_other, DS_AGG_BLOCK_YEARS + 17, 2);
    o_other.seed = o_short.seed + 1;
    double *a = malloc(o_long.sims * sizeof *a), *b = malloc(o_short.sims * sizeof *b),
           *c = malloc(o_other.sims * sizeof *c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    ds_error err;
    CU_ASSERT_EQUAL(ds_agg_simulate_years(a, &m, &o_long, &err), 0);
    CU_ASSERT_EQUAL(ds_agg_simulate_years(b, &m, &o_short, &err), 0);
    CU_ASSERT_EQUAL(ds_agg_simulate_years(c, &m, &o_other, &err), 0);
    CU_ASSERT_EQUAL(memcmp(a, b, o_short.sims * sizeof *a), 0);
    size_t same = 0;
    for (size_t i = 0; i < o_other.sims; i++)
        same += b[i] == c[i] && b[i] != 0.0;
    CU_ASSERT_EQUAL(same, 0);
    /* Block 1 is not a copy of block 0 either. */
    CU_ASSERT_NOT_EQUAL(memcmp(a, a + DS_AGG_BLOCK_YEARS, 64 * sizeof *a), 0);
    free(a);
    free(b);
    free(c);
}

static void test_montecarlo__a_shorter_run_is_a_prefix_whichever_loop_sums_the_years(void)
{
    /* A block's losses are summed in one pass when there are at most 2^16 of them, else year
     * by year from chunks; the misses of the ziggurat read the scalar stream in an order fixed
     * by each chunk, so both loops must cut the same chunks for a short last block (few
     * losses, one pass) to repeat the years of a full block (perhaps more than 2^16 losses).
     * With lambda = 8 a block has 65536 +- 256 losses: the claim counts, read back through a
     * per-loss limit of 1e-9 (every lognormal loss then pays 1e-9), show blocks of both kinds
     * under this seed; then runs cut after 777 years of each block must be prefixes. */
    ds_agg_model m;
    poisson_lognormal(&m);
    m.freq.lambda = 8;
    const size_t n_blocks = 4;
    ds_agg_options o;
    options(&o, n_blocks * DS_AGG_BLOCK_YEARS, 2);
    double *full = malloc(o.sims * sizeof *full), *part = malloc(o.sims * sizeof *part);
    CU_ASSERT_PTR_NOT_NULL_FATAL(full);
    CU_ASSERT_PTR_NOT_NULL_FATAL(part);
    ds_error err;
    m.terms.limit = 1e-9;
    CU_ASSERT_EQUAL_FATAL(ds_agg_simulate_years(full, &m, &o, &err), 0);
    size_t n_big = 0;
    for (size_t b = 0; b < n_blocks; b++) {
        double losses = 0.0;
        for (size_t i = 0; i < DS_AGG_BLOCK_YEARS; i++)
            losses += full[b * DS_AGG_BLOCK_YEARS + i] / 1e-9;
        n_big += lround(losses) > 65536;
    }
    CU_ASSERT(n_big > 0 && n_big < n_blocks);
    m.terms.limit = INFINITY;
    CU_ASSERT_EQUAL_FATAL(ds_agg_simulate_years(full, &m, &o, &err), 0);
    for (size_t b = 0; b < n_blocks; b++) {
        ds_agg_options o_part;
        options(&o_part, b * DS_AGG_BLOCK_YEARS + 777, 2);
        CU_ASSERT_EQUAL_FATAL(ds_agg_simulate_years(part, &m, &o_part, &err), 0);
        CU_ASSERT_EQUAL(memcmp(full, part, o_part.sims * sizeof *part), 0);
    }
    free(full);
    free(part);
}

static void test_montecarlo__aggregate_terms_apply_to_each_year(void)
{
    /* The draws do not depend on the terms, so with the same seed the years under an
     * aggregate deductible and limit are exactly min(max(S - ad, 0), al) of the plain years. */
    ds_agg_model plain, capped;
    poisson_lognormal(&plain);
    poisson_lognormal(&capped);
    capped.terms.aggregate_deductible = 100000;
    capped.terms.aggregate_limit = 1000000;
    ds_agg_options o;
    options(&o, 20000, 2);
    double *s = malloc(o.sims * sizeof *s), *a = malloc(o.sims * sizeof *a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    ds_error err;
    CU_ASSERT_EQUAL(ds_agg_simulate_years(s, &plain, &o, &err), 0);
    CU_ASSERT_EQUAL(ds_agg_simulate_years(a, &capped, &o, &err), 0);
    size_t mismatches = 0;
    for (size_t i = 0; i < o.sims; i++)
        mismatches += a[i] != fmin(fmax(s[i] - 100000, 0.0), 1000000);
    CU_ASSERT_EQUAL(mismatches, 0);
    /* No closed form is claimed under aggregate terms. */
    double mean, sd;
    CU_ASSERT_FALSE(ds_agg_exact_moments(&capped, &mean, &sd));
    ds_agg_result r;
    CU_ASSERT_EQUAL(ds_agg_simulate(&r, &capped, &o, &err), 0);
    CU_ASSERT_FALSE(r.has_exact);
    CU_ASSERT(r.tvar[0].value <= 1000000);
    free(s);
    free(a);
}

static void test_montecarlo__risk_measures_equal_those_of_the_sorted_sample(void)
{
    ds_agg_model m;
    poisson_lognormal(&m);
    ds_agg_measures_set_ep_points(&m.measures, 20);
    ds_agg_options o;
    options(&o, 50000, 2);
    double *y = malloc(o.sims * sizeof *y);
    CU_ASSERT_PTR_NOT_NULL_FATAL(y);
    ds_error err;
    CU_ASSERT_EQUAL(ds_agg_simulate_years(y, &m, &o, &err), 0);
    qsort(y, o.sims, sizeof *y, cmp_double);
    ds_agg_result r;
    CU_ASSERT_EQUAL(ds_agg_simulate(&r, &m, &o, &err), 0);
    for (size_t i = 0; i < r.n_var; i++)
        CU_ASSERT_EQUAL(r.var[i].value, ds_risk_var(y, NULL, o.sims, 0, r.var[i].p));
    for (size_t i = 0; i < r.n_tvar; i++)
        DS_ASSERT_REL(r.tvar[i].value, ds_risk_tvar(y, NULL, o.sims, 0, r.tvar[i].p), 1e-12);
    CU_ASSERT_EQUAL(r.n_ep, 20);
    for (size_t i = 0; i < r.n_ep; i++) {
        double p = 1.0 - 1.0 / r.ep[i].return_period;
        CU_ASSERT_EQUAL(r.ep[i].loss, ds_risk_var(y, NULL, o.sims, 0, p));
    }
    /* The 100-year loss is VaR 0.99. */
    for (size_t i = 0; i < r.n_ep; i++) {
        if (r.ep[i].return_period == 100)
            CU_ASSERT_EQUAL(r.ep[i].loss, r.var[1].value);
    }
    free(y);
}

static void test_aggregate__ep_points_add_geometric_return_periods(void)
{
    ds_agg_measures m;
    ds_agg_measures_default(&m);
    CU_ASSERT_EQUAL(m.n_ep, 10);
    CU_ASSERT_EQUAL(ds_agg_measures_set_ep_points(&m, 5), 0);
    CU_ASSERT_EQUAL(m.n_ep, 10);
    CU_ASSERT_EQUAL(m.return_period[0], 2);
    CU_ASSERT_EQUAL(m.return_period[9], 1000);
    CU_ASSERT_EQUAL(ds_agg_measures_set_ep_points(&m, 20), 0);
    CU_ASSERT_EQUAL(m.n_ep, 20);
    CU_ASSERT_EQUAL(m.return_period[0], 1.5);
    CU_ASSERT_EQUAL(m.return_period[19], 10000);
    for (size_t i = 1; i < m.n_ep; i++)
        CU_ASSERT(m.return_period[i] > m.return_period[i - 1]);
    /* The 10 extra points are 1.5 * (10000/1.5)^(i/9): the second is 1.5 * 6666.67^(1/9). */
    DS_ASSERT_REL(m.return_period[2], 1.5 * pow(10000 / 1.5, 1.0 / 9.0), 1e-12);
    CU_ASSERT_EQUAL(ds_agg_measures_set_ep_points(&m, 11), 0);
    CU_ASSERT_EQUAL(m.n_ep, 11);
    CU_ASSERT_EQUAL(m.return_period[10], 10000);
    CU_ASSERT_EQUAL(ds_agg_measures_set_ep_points(&m, 64), 0);
    CU_ASSERT(m.n_ep <= 64 && m.n_ep >= 60);
    CU_ASSERT_EQUAL(ds_agg_measures_set_ep_points(&m, 65), DS_EINVAL);
}

static void test_aggregate__exact_moments_absent_when_they_do_not_exist(void)
{
    ds_agg_model m;
    poisson_lognormal(&m);
    m.sev.family = DS_SEV_PARETO;
    m.sev.u.pareto.scale = 1000;
    m.sev.u.pareto.shape = 1.5; /* mean 2000, infinite variance */
    double mean, sd;
    CU_ASSERT_TRUE(ds_agg_exact_moments(&m, &mean, &sd));
    DS_ASSERT_REL(mean, 3 * 2000.0, 1e-12);
    CU_ASSERT(isinf(sd));
    /* A limit restores the variance. */
    m.terms.limit = 1e6;
    CU_ASSERT_TRUE(ds_agg_exact_moments(&m, &mean, &sd));
    CU_ASSERT(isfinite(sd));
    m.terms.limit = INFINITY;
    m.sev.u.pareto.shape = 0.8; /* infinite mean */
    CU_ASSERT_FALSE(ds_agg_exact_moments(&m, &mean, &sd));
}

static void test_aggregate__validation_names_the_field(void)
{
    ds_agg_model m;
    ds_error err;
    poisson_lognormal(&m);
    m.sev.u.lognormal.sdlog = 0;
    CU_ASSERT_EQUAL(ds_agg_model_validate(&m, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "severity.sdlog");
    poisson_lognormal(&m);
    m.freq.lambda = -1;
    CU_ASSERT_EQUAL(ds_agg_model_validate(&m, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "frequency.lambda");
    poisson_lognormal(&m);
    m.terms.coinsurance = 1.5;
    CU_ASSERT_EQUAL(ds_agg_model_validate(&m, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "terms.coinsurance: must be in (0, 1]");
    poisson_lognormal(&m);
    m.terms.limit = 0;
    CU_ASSERT_EQUAL(ds_agg_model_validate(&m, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "terms.limit");
    poisson_lognormal(&m);
    m.terms.deductible = -1;
    CU_ASSERT_EQUAL(ds_agg_model_validate(&m, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "terms.deductible");
    poisson_lognormal(&m);
    m.measures.var_p[1] = 1.0;
    CU_ASSERT_EQUAL(ds_agg_model_validate(&m, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "measures.var[1]: must be in (0, 1)");
    poisson_lognormal(&m);
    m.measures.tvar_p[0] = 0.0;
    CU_ASSERT_EQUAL(ds_agg_model_validate(&m, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "measures.tvar[0]");

    /* The simulator validates too, and refuses zero years. */
    poisson_lognormal(&m);
    ds_agg_options o;
    options(&o, 0, 1);
    ds_agg_result r;
    CU_ASSERT_EQUAL(ds_agg_simulate(&r, &m, &o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "sims");
    options(&o, 100, 1);
    m.sev.u.lognormal.sdlog = -2;
    CU_ASSERT_EQUAL(ds_agg_simulate(&r, &m, &o, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "severity.sdlog");
}

static void test_aggregate__run_dispatches_on_method(void)
{
    ds_agg_model m;
    poisson_lognormal(&m);
    ds_agg_options o;
    options(&o, 1000, 1);
    ds_agg_result r;
    ds_error err;
    CU_ASSERT_EQUAL(ds_agg_run(&r, &m, &o, &err), 0);
    CU_ASSERT_EQUAL(r.method, DS_AGG_MC);
    CU_ASSERT_STRING_EQUAL(ds_agg_method_name(DS_AGG_PANJER), "panjer");
    CU_ASSERT_EQUAL(ds_agg_method_from_name("fft"), DS_AGG_FFT);
    CU_ASSERT_EQUAL(ds_agg_method_from_name("ffts"), -1);
}

/* Largest distance in ulps between ours and exp() over xs (both finite positive, or equal). */
static long long exp_worst_ulps(const double *xs, const double *ours, size_t n)
{
    long long worst = 0;
    for (size_t i = 0; i < n; i++) {
        double a = ours[i], b = exp(xs[i]);
        if (b == 0.0 || isinf(b) || isnan(b)) {
            if (!(a == b || (isnan(a) && isnan(b))))
                worst = LLONG_MAX;
            continue;
        }
        long long ua, ub;
        memcpy(&ua, &a, sizeof ua);
        memcpy(&ub, &b, sizeof ub);
        long long d = ua > ub ? ua - ub : ub - ua;
        if (d > worst)
            worst = d;
    }
    return worst;
}

static void test_montecarlo__fast_exp_is_within_2_ulp_of_exp(void)
{
    /* The lognormal sampler's exp against glibc's over the whole range it handles itself
     * (|x| < 700) and beyond (where it defers to exp), on a deterministic grid of 1e6 points
     * plus the boundaries of its table intervals (ln2/32 apart), by the scalar entry point and
     * by every kernel set's array version. Both results are positive normal doubles, so the
     * difference of their bit patterns counts ulps. */
    size_t n_grid = 1000001, n_mid = 16001, n = n_grid + n_mid;
    double *xs = malloc(n * sizeof *xs), *ours = malloc(n * sizeof *ours);
    CU_ASSERT_PTR_NOT_NULL_FATAL(xs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ours);
    for (size_t i = 0; i < n_grid; i++)
        xs[i] = -750.0 + 1500.0 * (double)i / 1000000.0 + 1e-7 * (double)(i % 7);
    for (size_t k = 0; k < n_mid; k++)
        xs[n_grid + k] = ((double)k - 8000.0) * log(2.0) / 32.0; /* table nodes' midpoints */
    for (size_t i = 0; i < n; i++)
        ours[i] = ds_agg_exp(xs[i]);
    long long worst = exp_worst_ulps(xs, ours, n);
    if (worst > 2)
        fprintf(stderr, "\n  fast exp is %lld ulp off\n", worst);
    CU_ASSERT(worst <= 2);
    for (size_t a = 0; a < N_ISAS; a++) {
        if (ds_agg_mc_set_isa(isas[a]) != 0)
            continue;
        ds_agg_exp_fill(ours, xs, n);
        worst = exp_worst_ulps(xs, ours, n);
        if (worst > 2)
            fprintf(stderr, "\n  %s exp is %lld ulp off\n", ds_agg_mc_isa_name(isas[a]), worst);
        CU_ASSERT(worst <= 2);
    }
    ds_agg_mc_set_isa(DS_AGG_ISA_AUTO);
    CU_ASSERT_EQUAL(ds_agg_exp(0.0), 1.0);
    CU_ASSERT(isnan(ds_agg_exp(NAN)));
    CU_ASSERT_EQUAL(ds_agg_exp(-INFINITY), 0.0);
    free(xs);
    free(ours);
}

static const ds_test_case tests[] = {
    {"test_montecarlo__fast_exp_is_within_2_ulp_of_exp",
     test_montecarlo__fast_exp_is_within_2_ulp_of_exp},
    {"test_montecarlo__poisson_lognormal_matches_closed_forms",
     test_montecarlo__poisson_lognormal_matches_closed_forms},
    {"test_montecarlo__negbin_pareto_matches_closed_forms",
     test_montecarlo__negbin_pareto_matches_closed_forms},
    {"test_montecarlo__per_loss_terms_match_closed_forms",
     test_montecarlo__per_loss_terms_match_closed_forms},
    {"test_montecarlo__every_severity_sampler_has_the_right_mean",
     test_montecarlo__every_severity_sampler_has_the_right_mean},
    {"test_montecarlo__lanes_are_gsl_taus2_streams", test_montecarlo__lanes_are_gsl_taus2_streams},
    {"test_montecarlo__every_kernel_set_gives_the_same_years",
     test_montecarlo__every_kernel_set_gives_the_same_years},
    {"test_montecarlo__every_kernel_set_gives_the_same_normals_and_exp",
     test_montecarlo__every_kernel_set_gives_the_same_normals_and_exp},
    {"test_montecarlo__normal_sampler_has_normal_moments_and_tails",
     test_montecarlo__normal_sampler_has_normal_moments_and_tails},
    {"test_montecarlo__normal_sampler_has_the_normal_cdf",
     test_montecarlo__normal_sampler_has_the_normal_cdf},
    {"test_montecarlo__every_severity_sampler_has_its_distribution",
     test_montecarlo__every_severity_sampler_has_its_distribution},
    {"test_montecarlo__every_frequency_has_the_right_mean_and_sd",
     test_montecarlo__every_frequency_has_the_right_mean_and_sd},
    {"test_montecarlo__claim_counts_follow_the_frequency_pmf",
     test_montecarlo__claim_counts_follow_the_frequency_pmf},
    {"test_montecarlo__large_counts_take_the_per_year_loop",
     test_montecarlo__large_counts_take_the_per_year_loop},
    {"test_montecarlo__huge_counts_fall_back_to_gsl_sampler",
     test_montecarlo__huge_counts_fall_back_to_gsl_sampler},
    {"test_montecarlo__output_is_identical_for_any_thread_count",
     test_montecarlo__output_is_identical_for_any_thread_count},
    {"test_montecarlo__blocks_depend_only_on_seed_and_index",
     test_montecarlo__blocks_depend_only_on_seed_and_index},
    {"test_montecarlo__a_shorter_run_is_a_prefix_whichever_loop_sums_the_years",
     test_montecarlo__a_shorter_run_is_a_prefix_whichever_loop_sums_the_years},
    {"test_montecarlo__aggregate_terms_apply_to_each_year",
     test_montecarlo__aggregate_terms_apply_to_each_year},
    {"test_montecarlo__risk_measures_equal_those_of_the_sorted_sample",
     test_montecarlo__risk_measures_equal_those_of_the_sorted_sample},
    {"test_aggregate__ep_points_add_geometric_return_periods",
     test_aggregate__ep_points_add_geometric_return_periods},
    {"test_aggregate__exact_moments_absent_when_they_do_not_exist",
     test_aggregate__exact_moments_absent_when_they_do_not_exist},
    {"test_aggregate__validation_names_the_field", test_aggregate__validation_names_the_field},
    {"test_aggregate__run_dispatches_on_method", test_aggregate__run_dispatches_on_method},
};

DS_TEST_MAIN("montecarlo", tests)
