/*
 * aggregate.h: the annual aggregate loss S = Y_1 + ... + Y_N of a frequency-severity model with
 * per-loss and aggregate terms, by Monte Carlo, Panjer recursion or FFT (DESIGN.md section 3).
 *
 *   per loss:  Y = coinsurance * min(max(X - deductible, 0), limit)
 *   per year:  A = min(max(sum Y - aggregate_deductible, 0), aggregate_limit)
 *
 * Monte Carlo is reproducible: simulated years are cut into blocks of DS_AGG_BLOCK_YEARS, and
 * block b draws from its own generator seeded from (seed, b), so the output depends on the seed
 * alone, never on the number of threads or on scheduling.
 *
 * Panjer and FFT apply the per-loss terms to the severity before discretising it (span h,
 * method of rounding), compute the distribution of sum Y on the lattice {0, h, 2h, ...} until
 * the mass left beyond it is below the stated tail, then apply the aggregate terms. Both report
 * the discretisation they used.
 *
 * Thread safety: every function here is reentrant; ds_agg_simulate starts its own threads.
 */
#ifndef DS_ACTUARIAL_AGGREGATE_H
#define DS_ACTUARIAL_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"
#include "actuarial/frequency.h"
#include "actuarial/severity.h"

#define DS_AGG_BLOCK_YEARS 8192
#define DS_AGG_MAX_LEVELS 32
#define DS_AGG_MAX_EP 64

typedef struct ds_agg_terms {
    double deductible;           /* per loss, >= 0 */
    double limit;                /* per loss, most paid; INFINITY when absent */
    double coinsurance;          /* in (0, 1] */
    double aggregate_deductible; /* >= 0 */
    double aggregate_limit;      /* INFINITY when absent */
} ds_agg_terms;

/* Which risk measures to report. Levels are in (0, 1); return periods are > 1 (years). */
typedef struct ds_agg_measures {
    size_t n_var;
    double var_p[DS_AGG_MAX_LEVELS];
    size_t n_tvar;
    double tvar_p[DS_AGG_MAX_LEVELS];
    size_t n_ep;
    double return_period[DS_AGG_MAX_EP]; /* ascending */
} ds_agg_measures;

typedef struct ds_agg_model {
    ds_freq freq;
    ds_sev sev;                  /* owned: ds_agg_model_clear frees it */
    ds_agg_terms terms;
    ds_agg_measures measures;
} ds_agg_model;

typedef enum { DS_AGG_MC, DS_AGG_PANJER, DS_AGG_FFT } ds_agg_method;

typedef struct ds_agg_options {
    ds_agg_method method;
    uint64_t sims;               /* MC: simulated years, >= 1 */
    uint64_t seed;               /* MC */
    unsigned threads;            /* MC: 0 means one per online core */
    double span;                 /* Panjer/FFT: lattice span h; 0 chooses one */
    double tail;                 /* Panjer/FFT: stop when the mass left is below this */
} ds_agg_options;

typedef struct { double p, value; } ds_agg_level;
typedef struct { double return_period, loss; } ds_agg_ep_point;

typedef struct ds_agg_result {
    ds_agg_method method;
    uint64_t sims, seed;         /* MC only */
    unsigned threads;            /* MC only: threads actually used */
    double mean, sd;             /* of the annual payment A under the method */
    double mean_stderr;          /* MC: sd / sqrt(sims); exact methods: NAN */
    double prob_zero;            /* P(A = 0) */
    int has_exact;               /* closed-form moments exist (no aggregate terms, finite) */
    double exact_mean, exact_sd; /* closed form through limited moments; sd INFINITY if none */
    size_t n_var, n_tvar, n_ep;
    ds_agg_level var[DS_AGG_MAX_LEVELS];
    ds_agg_level tvar[DS_AGG_MAX_LEVELS];
    ds_agg_ep_point ep[DS_AGG_MAX_EP];
    /* Panjer/FFT only */
    double span;                 /* lattice span h actually used */
    size_t points;               /* lattice points computed */
    double tail_mass;            /* mass beyond the last lattice point */
    double tilt;                 /* FFT: exponential tilting parameter theta (per point) */
    const char *discretization;  /* "rounding" (static string) */
    double elapsed_ms;
} ds_agg_result;

/* Default measures of DESIGN.md: VaR at 0.95, 0.99, 0.995, TVaR at 0.99, the standard ten
 * return periods 2, 5, 10, 25, 50, 100, 200, 250, 500, 1000. */
void ds_agg_measures_default(ds_agg_measures *m);

/* Terms that change nothing: no deductibles, no limits, coinsurance 1. */
void ds_agg_terms_none(ds_agg_terms *t);

/* Validates frequency, severity, terms and measures; messages name "frequency.lambda" etc. */
int ds_agg_model_validate(const ds_agg_model *model, ds_error *err);

/* Frees what the model owns (its severity). NULL-safe. */
void ds_agg_model_clear(ds_agg_model *model);

/* Closed-form mean and sd of A, when there are no aggregate terms and they exist; returns 1
 * and fills them, else returns 0. Var(S) = E[N] Var(Y) + Var(N) E[Y]^2. */
int ds_agg_exact_moments(const ds_agg_model *model, double *mean, double *sd);

/* Runs the method of opts; out is fully written on success. */
int ds_agg_run(ds_agg_result *out, const ds_agg_model *model, const ds_agg_options *opts,
               ds_error *err);

int ds_agg_simulate(ds_agg_result *out, const ds_agg_model *model, const ds_agg_options *opts,
                    ds_error *err);
int ds_agg_panjer(ds_agg_result *out, const ds_agg_model *model, const ds_agg_options *opts,
                  ds_error *err);
int ds_agg_fft(ds_agg_result *out, const ds_agg_model *model, const ds_agg_options *opts,
               ds_error *err);

/*
 * The simulated annual payments themselves, in year order (year i is out[i]); the same seed
 * gives the same array whatever threads is. out has room for opts->sims values.
 */
int ds_agg_simulate_years(double *out, const ds_agg_model *model, const ds_agg_options *opts,
                          ds_error *err);

/* ---- Additions (issue 2, Monte Carlo helper): options, names and the EP curve. ---- */

#define DS_AGG_N_STANDARD_EP 10         /* 2, 5, 10, 25, 50, 100, 200, 250, 500, 1000 */
#define DS_AGG_EP_MIN 1.5               /* extra EP points are spaced geometrically ... */
#define DS_AGG_EP_MAX 10000.0           /* ... from 1.5 to 10000 years, both included */
#define DS_AGG_DEFAULT_SIMS 1000000
#define DS_AGG_MAX_SIMS 1000000000ULL   /* one double per simulated year must fit in memory */

/* Defaults of `dsure aggregate`: mc, 1e6 years, seed 1, all cores, automatic span, and tail 0
 * (Panjer and FFT then choose their own stopping tail from the measures). */
void ds_agg_options_default(ds_agg_options *o);

/*
 * Sets m's return periods for "ep_points": the ten standard ones always; ep_points > 10 adds
 * ep_points - 10 more spaced geometrically from DS_AGG_EP_MIN to DS_AGG_EP_MAX (both included;
 * a single extra point is DS_AGG_EP_MAX), merged in ascending order, dropping any that equals a
 * standard one. ep_points <= 10 keeps the ten standard ones. DS_EINVAL when ep_points > 64.
 */
int ds_agg_measures_set_ep_points(ds_agg_measures *m, unsigned ep_points);

/* Whether per-loss terms (deductible, limit, coinsurance) or aggregate terms change anything. */
int ds_agg_terms_has_loss_terms(const ds_agg_terms *t);
int ds_agg_terms_has_aggregate_terms(const ds_agg_terms *t);

/* Fills out->has_exact, exact_mean, exact_sd from ds_agg_exact_moments (NAN when none). */
void ds_agg_result_set_exact(ds_agg_result *out, const ds_agg_model *model);

/* "mc", "panjer", "fft"; and the reverse, -1 when unknown. */
const char *ds_agg_method_name(ds_agg_method method);
int ds_agg_method_from_name(const char *name);

/* ---- The Monte Carlo's sampling kernels (montecarlo.c, mc_kernels.c, mc_avx2.c,
 * mc_avx512.c). A block draws from DS_AGG_MC_LANES interleaved taus2 streams (whatever the
 * instruction set) and one scalar taus2 stream for the ziggurat's slow path; every kernel
 * computes the same bits, so the output never depends on which one ran. ---- */

#define DS_AGG_MC_LANES 16

/* Instruction sets the kernels exist for. */
typedef enum {
    DS_AGG_ISA_AUTO = 0, /* the best the CPU supports, unless DSURE_MC_ISA names one */
    DS_AGG_ISA_SCALAR,   /* portable C */
    DS_AGG_ISA_AVX2,
    DS_AGG_ISA_AVX512    /* AVX-512F */
} ds_agg_isa;

/* Makes the Monte Carlo use isa's kernels (AUTO: back to the default: the one the environment
 * variable DSURE_MC_ISA names, "scalar", "avx2" or "avx512", when the CPU has it, else the best
 * the CPU has). 0, or DS_EINVAL when this CPU or build lacks isa. Process-wide, for tests and
 * benchmarks: not while a simulation runs. */
int ds_agg_mc_set_isa(ds_agg_isa isa);

/* The instruction set whose kernels run now (never AUTO), and a name for one: "scalar",
 * "avx2", "avx512" ("auto" for AUTO). */
ds_agg_isa ds_agg_mc_isa(void);
const char *ds_agg_mc_isa_name(ds_agg_isa isa);

/* exp(x) as the Monte Carlo samples lognormal losses: table-driven, within 2 ulp of exp()
 * (see mc_core.h). Exposed for tests and benchmarks; this entry point rebuilds its table on
 * every call, so it is not fast itself. */
double ds_agg_exp(double x);

/* out[i] = ds_agg_exp(x[i]) for i < n, by the kernels in use (the same bits). */
void ds_agg_exp_fill(double *out, const double *x, size_t n);

/* n standard normal variates as the Monte Carlo draws them, by the kernels in use: the
 * normals a block of seed `seed` and index 0 would draw from its lanes' first word on (the
 * ziggurat, Marsaglia and Tsang 2000, in GSL's form; slow path on the block's scalar stream).
 * Exposed for tests. Returns 0. */
int ds_agg_normal_fill(double *out, size_t n, uint64_t seed);

/* The initial taus2 state (s1, s2, s3, as gsl_rng_state holds it for gsl_rng_taus2) of
 * stream `stream` of block `block`: streams 0..DS_AGG_MC_LANES-1 are the lanes, stream
 * DS_AGG_MC_LANES the scalar stream. */
void ds_agg_mc_stream_state(uint32_t state[3], uint64_t seed, uint64_t block, unsigned stream);

/* The lanes' first n_rounds * DS_AGG_MC_LANES words of block `block`, by the kernels in use:
 * out[t * DS_AGG_MC_LANES + l] is lane l's t-th word. For tests. */
void ds_agg_mc_words(uint32_t *out, size_t n_rounds, uint64_t seed, uint64_t block);

/* Called as simulated years complete: done of total. From the calling thread only. */
typedef void (*ds_agg_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* ds_agg_simulate with a progress callback (NULL: none). */
int ds_agg_simulate_progress(ds_agg_result *out, const ds_agg_model *model,
                             const ds_agg_options *opts, ds_agg_progress_fn progress,
                             void *progress_ctx, ds_error *err);

#endif
