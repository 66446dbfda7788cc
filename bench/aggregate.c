/*
 * bench/aggregate.c: the C side of bench/run-aggregate (see bench/aggregate.md).
 *
 * Model: N ~ Poisson(3), X ~ lognormal(10, 1.5), no terms (tests/data/models/
 * poisson-lognormal.json). Prints one "key value" line per figure, for run-aggregate to
 * tabulate:
 *
 *   mc_isa             the sampling kernels the Monte Carlo chose on this CPU (avx512, avx2,
 *                      scalar; all give the same bits)
 *   mc_years_1t_ns     dsure's Monte Carlo, ds_agg_simulate_years, 1 thread: CPU ns per year
 *   mc_years_1t_wall_ns  the same in wall-clock time
 *   mc_years_1t_avx2_ns, mc_years_1t_scalar_ns  the same CPU figure with the AVX2 and the
 *                      portable kernels forced (ds_agg_mc_set_isa), when the CPU has them
 *   mc_years_2t_wall_ns  the same on 2 threads, wall clock (CPU time would not show scaling)
 *   mc_full_1t_ms      ds_agg_simulate (years + mean/sd + VaR/TVaR/EP) on 1 thread: wall ms
 *   mc_full_2t_ms      the same on 2 threads
 *   gsl_loop_ns        the straightforward loop: gsl_ran_poisson and gsl_ran_lognormal on
 *                      gsl_rng_mt19937, one year after another: CPU ns per year
 *   ref_var995         reference VaR 0.995: FFT on a fine lattice (span 100)
 *   mc_var995          the Monte Carlo VaR 0.995 of the timed run (1e6 years by default)
 *   panjer_span, panjer_var995, panjer_ms   Panjer at span h = 0.002 * mc_var995 (an estimate
 *                      independent of the lattice), for which the lattice's rounding error of
 *                      a VaR, at most h/2, is about 0.1%: the VaR it gives (checked against
 *                      the reference: panjer_within_0.1pct) and its wall time
 *   fft_span, fft_var995, fft_ms            the same for FFT
 *   panjer_auto_ms, fft_auto_ms             each with its automatic span
 *
 * Every time is the best of --reps runs: the machine is shared, and the minimum is the least
 * disturbed by other work. Single-thread figures are CPU time (CLOCK_PROCESS_CPUTIME_ID; no
 * other thread runs then), which a busy machine inflates less than wall time; numpy and R are
 * measured the same way (bench/aggregate.py, bench/aggregate.R).
 * Usage: bench_aggregate [--sims N] [--reps R]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "actuarial/aggregate.h"
#include "tests/lib/poisson_lognormal.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Best wall and CPU seconds of a measurement. */
typedef struct timing {
    double wall, cpu;
} timing;

static void timing_keep_best(timing *best, double wall, double cpu)
{
    if (wall < best->wall)
        best->wall = wall;
    if (cpu < best->cpu)
        best->cpu = cpu;
}

static void die(const char *what, const ds_error *err)
{
    fprintf(stderr, "bench_aggregate: %s: %s\n", what, err->message);
    exit(1);
}

/* Best times of reps calls of ds_agg_simulate_years. */
static timing time_years(const ds_agg_model *m, uint64_t sims, unsigned threads, int reps,
                         double *years)
{
    ds_agg_options o;
    ds_agg_options_default(&o);
    o.sims = sims;
    o.threads = threads;
    timing best = {INFINITY, INFINITY};
    for (int r = 0; r < reps; r++) {
        ds_error err;
        double t0 = now_s(), c0 = cpu_s();
        if (ds_agg_simulate_years(years, m, &o, &err))
            die("ds_agg_simulate_years", &err);
        timing_keep_best(&best, now_s() - t0, cpu_s() - c0);
    }
    return best;
}

static double time_full(const ds_agg_model *m, uint64_t sims, unsigned threads, int reps,
                        double *var995)
{
    ds_agg_options o;
    ds_agg_options_default(&o);
    o.sims = sims;
    o.threads = threads;
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        ds_error err;
        ds_agg_result res;
        double t0 = now_s();
        if (ds_agg_simulate(&res, m, &o, &err))
            die("ds_agg_simulate", &err);
        double t = now_s() - t0;
        best = t < best ? t : best;
        *var995 = res.var[2].value;
    }
    return best;
}

/* The loop a first implementation would write: GSL's samplers, year after year. */
static timing time_gsl_loop(uint64_t sims, int reps, double *years)
{
    timing best = {INFINITY, INFINITY};
    for (int r = 0; r < reps; r++) {
        gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
        if (!rng) {
            fprintf(stderr, "bench_aggregate: out of memory\n");
            exit(1);
        }
        gsl_rng_set(rng, 1);
        double t0 = now_s(), c0 = cpu_s();
        for (uint64_t i = 0; i < sims; i++) {
            unsigned n = gsl_ran_poisson(rng, 3.0);
            double s = 0.0;
            for (unsigned j = 0; j < n; j++)
                s += gsl_ran_lognormal(rng, 10.0, 1.5);
            years[i] = s;
        }
        timing_keep_best(&best, now_s() - t0, cpu_s() - c0);
        gsl_rng_free(rng);
    }
    return best;
}

/* VaR 0.995 of an exact method at span h (0: automatic), with the best time of reps runs. */
static double exact_var995(const ds_agg_model *m, ds_agg_method method, double h, int reps,
                           double *seconds, double *span_used)
{
    ds_agg_options o;
    ds_agg_options_default(&o);
    o.method = method;
    o.span = h;
    double best = INFINITY, var = NAN;
    for (int r = 0; r < reps; r++) {
        ds_error err;
        ds_agg_result res;
        double t0 = now_s();
        if (ds_agg_run(&res, m, &o, &err)) {
            *seconds = NAN;
            *span_used = h;
            return NAN; /* e.g. a span too fine for the method's point cap */
        }
        double t = now_s() - t0;
        best = t < best ? t : best;
        var = res.var[2].value;
        *span_used = res.span;
    }
    *seconds = best;
    return var;
}

/* The method at span 0.002 estimate: its VaR 0.995 (to be within 0.1% of ref) and its time. */
static void time_to_accuracy(const ds_agg_model *m, ds_agg_method method, const char *name,
                             double estimate, double ref, int reps)
{
    double seconds, span;
    double var = exact_var995(m, method, 2e-3 * estimate, reps, &seconds, &span);
    printf("%s_span %.6g\n%s_var995 %.10g\n%s_ms %.3f\n%s_within_0.1pct %s\n", name, span,
           name, var, name, seconds * 1e3, name, fabs(var - ref) <= 1e-3 * ref ? "yes" : "NO");
}

int main(int argc, char **argv)
{
    uint64_t sims = 1000000;
    int reps = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sims") == 0 && i + 1 < argc) {
            sims = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = (int)strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: bench_aggregate [--sims N] [--reps R]\n");
            return 64;
        }
    }
    if (sims < 1 || reps < 1) {
        fprintf(stderr, "bench_aggregate: --sims and --reps must be positive\n");
        return 64;
    }
    gsl_set_error_handler_off();
    ds_agg_model m;
    ds_test_poisson_lognormal(&m);
    double *years = malloc(sims * sizeof *years);
    if (!years) {
        fprintf(stderr, "bench_aggregate: out of memory\n");
        return 70;
    }
    printf("sims %llu\nreps %d\n", (unsigned long long)sims, reps);
    printf("mc_isa %s\n", ds_agg_mc_isa_name(ds_agg_mc_isa()));
    timing t1 = time_years(&m, sims, 1, reps, years);
    printf("mc_years_1t_ns %.2f\n", t1.cpu / (double)sims * 1e9);
    printf("mc_years_1t_wall_ns %.2f\n", t1.wall / (double)sims * 1e9);
    const ds_agg_isa forced[] = {DS_AGG_ISA_AVX2, DS_AGG_ISA_SCALAR};
    for (size_t f = 0; f < 2; f++) {
        if (ds_agg_mc_set_isa(forced[f]) != 0)
            continue;
        timing tf = time_years(&m, sims, 1, reps, years);
        printf("mc_years_1t_%s_ns %.2f\n", ds_agg_mc_isa_name(forced[f]),
               tf.cpu / (double)sims * 1e9);
    }
    ds_agg_mc_set_isa(DS_AGG_ISA_AUTO);
    timing t2 = time_years(&m, sims, 2, reps, years);
    printf("mc_years_2t_wall_ns %.2f\n", t2.wall / (double)sims * 1e9);
    double mc_var = NAN;
    printf("mc_full_1t_ms %.3f\n", time_full(&m, sims, 1, reps, &mc_var) * 1e3);
    printf("mc_full_2t_ms %.3f\n", time_full(&m, sims, 2, reps, &mc_var) * 1e3);
    printf("mc_var995 %.10g\n", mc_var);
    timing tg = time_gsl_loop(sims, reps, years);
    printf("gsl_loop_ns %.2f\n", tg.cpu / (double)sims * 1e9);
    free(years);

    double seconds, span;
    double ref = exact_var995(&m, DS_AGG_FFT, 100.0, 1, &seconds, &span);
    printf("ref_var995 %.10g\nref_span %.6g\n", ref, span);
    if (isfinite(ref)) {
        time_to_accuracy(&m, DS_AGG_PANJER, "panjer", mc_var, ref, reps);
        time_to_accuracy(&m, DS_AGG_FFT, "fft", mc_var, ref, reps);
    }
    exact_var995(&m, DS_AGG_PANJER, 0.0, reps, &seconds, &span);
    printf("panjer_auto_ms %.3f\npanjer_auto_span %.6g\n", seconds * 1e3, span);
    exact_var995(&m, DS_AGG_FFT, 0.0, reps, &seconds, &span);
    printf("fft_auto_ms %.3f\nfft_auto_span %.6g\n", seconds * 1e3, span);
    ds_agg_model_clear(&m);
    return 0;
}
