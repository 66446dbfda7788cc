/*
 * montecarlo.c: Monte Carlo of the annual aggregate payment (ds_agg_simulate and
 * ds_agg_simulate_years, see aggregate.h).
 *
 * Reproducibility. Years are cut into blocks of DS_AGG_BLOCK_YEARS; block b draws from
 * generators seeded from a 64-bit key of (seed, b) (splitmix64), and writes year i at out[i].
 * Threads take blocks from an atomic counter in whatever order they like, but a block's values
 * depend only on (seed, b), never on the thread or the CPU's instruction set, and every
 * statistic is computed afterwards from the array (or from per-block partial sums combined in
 * block order), so the output is byte-identical for any thread count.
 *
 * Generator: taus2, L'Ecuyer's (1996) maximally equidistributed combined Tausworthe generator
 * (period 2^88), gsl_rng_taus2 in GSL, which GSL's manual calls one of the fastest
 * simulation-quality generators it has. It passes the same batteries as mt19937 and fails the
 * same ones (both are linear over GF(2): TestU01's linear-complexity and matrix-rank tests),
 * and a block draws a few hundred thousand numbers at most, far inside the period. Its step is
 * three shift-xor recurrences on three 32-bit words, which SIMD registers perform for many
 * streams at once.
 *
 * Lane blocks (every severity with a closed-form sampler: lognormal, exponential, Pareto II,
 * GPD, Weibull, with a count table, see below). A block draws from DS_AGG_MC_LANES = 16
 * interleaved taus2 streams, each with its own 88-bit state keyed by (seed, b, lane), plus one
 * scalar taus2 stream (mc_kernels.c). Word p of the block is lane p % 16's (p / 16)-th word,
 * whatever the instruction set: the first DS_AGG_BLOCK_YEARS words give the claim counts,
 * the following ones the losses, one word per loss, in order. The kernels (mc_core.h) do this
 * in bulk, in AVX-512, AVX2 or portable C chosen at run time, all computing the same bits:
 *   - the claim count by inversion: N = min{k : U < F(k)} on a precomputed table of the
 *     frequency's cdf with a guide table (Chen and Asau 1974) that starts the search at the
 *     right entry, so a draw takes one uniform and usually no search at all. Inversion is exact
 *     up to the resolution of the uniform (2^-32, the same as GSL's own samplers) and the
 *     rounding of F; the table stops where 1 - F(k) < 2^-40, far below that resolution.
 *     Counts whose table would exceed 2^20 entries fall back to GSL's samplers;
 *   - lognormal: exp(meanlog + sdlog Z) with Z from the ziggurat (Marsaglia and Tsang 2000) in
 *     GSL's form and exp() table-driven (fast_exp, within 2 ulp). The fast path (97.2% of
 *     words: one word, under the density at once) runs in SIMD lanes together with exp and the
 *     per-loss terms, MC_CHUNK losses at a time; the chunk's misses are finished afterwards by
 *     the exact slow path (rejection against the density, the tail by Marsaglia's 1964
 *     method), which takes its further uniforms from the block's scalar stream in an order
 *     fixed by the chunk (mc_lognormal_finish). The method stays exact: a miss's tests and
 *     retries use uniforms independent of everything else;
 *   - exponential, Pareto II, GPD and Weibull by inversion of their closed-form quantiles
 *     (scalar libm, from the lanes' words).
 * Per-loss terms are applied to each loss, aggregate terms to each year's sum; each year's sum
 * adds its losses in draw order from 0.0 (a kernel too: 8 years at a time, transposed). Where a
 * block's losses exceed FLAT_MAX_LOSSES (mean counts above 8) the years are summed one by one
 * from chunks of losses; the chunks are the same either way, so the values are too.
 *
 * GSL blocks (gamma by gsl_ran_gamma, spliced through ds_sev_sample, and any severity when the
 * counts need GSL's samplers) draw everything from one gsl_rng_taus2 seeded with the block key
 * folded to 32 bits, through gsl_rng_get.
 *
 * Risk measures come from ds_risk_select (selection of the needed order statistics, expected
 * linear time) rather than a full sort.
 */
#include "actuarial/aggregate.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "actuarial/mc_core.h"
#include "actuarial/risk.h"
#include "actuarial/workers.h"

#define COUNT_TABLE_MAX ((size_t)1 << 20)
#define COUNT_TABLE_TAIL 0x1p-40
#define GUIDE_MIN 1024
#define DS_MC_GENERATOR gsl_rng_taus2

/* ---------------------------------------------------------------------------------------- */
/* What every block needs, computed once.                                                    */

typedef struct sim_plan {
    const ds_agg_model *model;
    /* Claim counts by inversion: cdf[k] = P(N <= k), cdf[n_cdf - 1] = 1; guide[j] is the
     * smallest k with cdf[k] > j / n_guide. NULL cdf: use ds_freq_sample. */
    double *cdf;
    size_t n_cdf;
    unsigned *guide;
    size_t n_guide;          /* 2^guide_bits */
    unsigned guide_bits;
    /* cdf_word[k]: the largest word w with w 2^-32 < cdf[k], so that N = min{k : w <=
     * cdf_word[k]} in integers; guide cell w >> (32 - guide_bits). */
    uint32_t *cdf_word;
    int has_loss_terms, has_aggregate_terms;
    int is_lane_block;       /* the block draws from the lanes (else from a gsl_rng) */
    double exp_table[EXP_N]; /* 2^(j/EXP_N), j = 0..EXP_N-1, for fast_exp */
    zig_tables zig;          /* the normal's ziggurat */
    mc_lognormal lognormal;  /* the lognormal kernel's parameters (points into this plan) */
    const mc_kernels *kernels;
} sim_plan;

static void plan_clear(sim_plan *plan)
{
    free(plan->cdf);
    free(plan->guide);
    free(plan->cdf_word);
    plan->cdf = NULL;
    plan->guide = NULL;
    plan->cdf_word = NULL;
}

static int plan_counts(sim_plan *plan, const ds_agg_model *model, ds_error *err)
{
    /* A mean count far beyond the table's cap needs no search to know it will not fit. */
    double mean = ds_freq_mean(&model->freq), sd = sqrt(ds_freq_variance(&model->freq));
    if (!(mean + 10.0 * sd < (double)COUNT_TABLE_MAX))
        return 0;
    /* Find the table length: the first k with 1 - F(k) below the uniform's resolution. */
    size_t n = 0;
    while (n < COUNT_TABLE_MAX) {
        double f = ds_freq_cdf(&model->freq, (unsigned)n);
        n++;
        if (!(f < 1.0 - COUNT_TABLE_TAIL))
            break;
    }
    if (n >= COUNT_TABLE_MAX)
        return 0; /* a huge mean count: GSL's samplers do better than a table */
    plan->cdf = malloc(n * sizeof *plan->cdf);
    plan->cdf_word = malloc(n * sizeof *plan->cdf_word);
    if (!plan->cdf || !plan->cdf_word) {
        plan_clear(plan);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for the claim-count table");
    }
    for (size_t k = 0; k + 1 < n; k++)
        plan->cdf[k] = ds_freq_cdf(&model->freq, (unsigned)k);
    /* The last entry takes the < 2^-40 of mass beyond it, so every uniform in [0, 1) lands. */
    plan->cdf[n - 1] = 1.0;
    plan->n_cdf = n;
    for (size_t k = 0; k < n; k++) {
        /* ceil(cdf 2^32) - 1, exact: the scaling is by a power of two. cdf[k] = 0 (only for
         * k below every guide entry, never searched) stores 0. */
        double c = ceil(plan->cdf[k] * 0x1p32);
        plan->cdf_word[k] = c >= 1.0 ? (uint32_t)(c - 1.0) : 0;
    }
    /* A guide finer than the table (at least 1024 entries, a power of two so that a word's
     * cell is a shift) starts most searches at their answer, so the search loop rarely runs
     * and its branch is predictable. */
    plan->guide_bits = 10;
    while (((size_t)1 << plan->guide_bits) < n)
        plan->guide_bits++;
    plan->n_guide = (size_t)1 << plan->guide_bits;
    plan->guide = malloc(plan->n_guide * sizeof *plan->guide);
    if (!plan->guide) {
        plan_clear(plan);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for the claim-count table");
    }
    size_t k = 0;
    for (size_t j = 0; j < plan->n_guide; j++) {
        double level = (double)j / (double)plan->n_guide;
        while (!(plan->cdf[k] > level))
            k++;
        plan->guide[j] = (unsigned)k;
    }
    return 0;
}

static int plan_init(sim_plan *plan, const ds_agg_model *model, ds_error *err)
{
    memset(plan, 0, sizeof *plan);
    plan->model = model;
    plan->has_loss_terms = ds_agg_terms_has_loss_terms(&model->terms);
    plan->has_aggregate_terms = ds_agg_terms_has_aggregate_terms(&model->terms);
    mc_exp_table_init(plan->exp_table);
    mc_zig_init(&plan->zig);
    plan->kernels = mc_kernels_get();
    int rc = plan_counts(plan, model, err);
    if (rc)
        return rc;
    const ds_sev *sev = &model->sev;
    plan->is_lane_block = plan->cdf && sev->family != DS_SEV_GAMMA &&
                          sev->family != DS_SEV_SPLICED;
    mc_lognormal *p = &plan->lognormal;
    p->zig = &plan->zig;
    p->exp_table = plan->exp_table;
    p->terms = model->terms;
    p->mode = plan->has_loss_terms ? MC_LOGNORMAL_TERMS : MC_LOGNORMAL;
    if (sev->family == DS_SEV_LOGNORMAL) {
        p->meanlog = sev->u.lognormal.meanlog;
        p->sdlog = sev->u.lognormal.sdlog;
        /* The fast path's |z| is below r < 4; 10 of margin for the rounding of y. */
        p->is_exp_in_range = fabs(p->meanlog) + 4.0 * p->sdlog < MC_EXP_MAX - 10.0;
    }
    return 0;
}

/* The claim count of word w: min{k : w 2^-32 < cdf[k]}, by the guide table. */
static inline unsigned count_of_word(const sim_plan *plan, uint32_t w)
{
    size_t k = plan->guide[w >> (32 - plan->guide_bits)];
    while (w > plan->cdf_word[k])
        k++;
    return (unsigned)k;
}

static inline unsigned draw_count(const sim_plan *plan, draw_src *src)
{
    if (!plan->cdf)
        return ds_freq_sample(&plan->model->freq, src->rng);
    return count_of_word(plan, src_next(src));
}

/* ---------------------------------------------------------------------------------------- */
/* One block of years.                                                                       */

/* The GSL blocks' seed: the block key folded to the 32 bits GSL seeds taus2 from. */
static unsigned long block_seed(uint64_t seed, uint64_t block)
{
    uint64_t z = mc_block_key(seed, block);
    return (unsigned long)((z ^ (z >> 32)) & 0xffffffffULL);
}

static inline double pay_year(double s, const ds_agg_terms *t)
{
    double excess = s - t->aggregate_deductible;
    if (excess < 0.0)
        excess = 0.0;
    if (excess > t->aggregate_limit)
        excess = t->aggregate_limit;
    return excess;
}

/* Scratch memory of one worker (zeroed once, so that every byte a kernel may read is
 * initialised): the block's claim counts; for a GSL block, the year of each loss (years of a
 * block fit in 16 bits: DS_AGG_BLOCK_YEARS <= 65536); for a lane block, where each year's
 * losses start, the words of the current chunk and the block's losses (with room for the
 * rounds' last words and the MC_SUM_SLOTS a year's sum reads), or, past FLAT_MAX_LOSSES, the
 * current chunk's. */
#define FLAT_MAX_LOSSES ((size_t)1 << 16)
#define OWNER_FILL 8 /* owner slots written per year without looking at its count */
#define WORDS_MAX (DS_AGG_BLOCK_YEARS > MC_CHUNK ? DS_AGG_BLOCK_YEARS : MC_CHUNK)

/* A block's counts are whole rounds of the lanes; a chunk's positions fit the 16 bits of the
 * kernels' miss lists. */
_Static_assert(DS_AGG_BLOCK_YEARS % MC_LANES == 0, "counts must be whole rounds");
_Static_assert(MC_CHUNK % MC_LANES == 0 && MC_CHUNK <= 65536, "chunks of whole rounds");

typedef struct block_scratch {
    uint32_t counts[DS_AGG_BLOCK_YEARS];
    uint32_t starts[DS_AGG_BLOCK_YEARS];
    uint16_t owner[FLAT_MAX_LOSSES + OWNER_FILL];
    uint32_t words[WORDS_MAX];
    uint16_t missed[MC_CHUNK + MC_LANES];
    double loss[FLAT_MAX_LOSSES + MC_CHUNK + MC_SUM_SLOTS];
} block_scratch;

/* Writes the owner of each of the block's n_total losses, and zeroes each year's sum. */
static void fill_owners(double *out, size_t n_years, const block_scratch *scratch,
                        uint16_t *owner)
{
    /* OWNER_FILL slots a year without a branch, in two 8-byte stores (the extra slots are
     * overwritten by the next year), a loop only for larger counts. */
    size_t pos = 0;
    for (size_t i = 0; i < n_years; i++) {
        uint64_t pattern = (uint64_t)i * 0x0001000100010001ULL;
        memcpy(owner + pos, &pattern, sizeof pattern);
        memcpy(owner + pos + 4, &pattern, sizeof pattern);
        for (size_t q = OWNER_FILL; q < scratch->counts[i]; q++)
            owner[pos + q] = (uint16_t)i;
        pos += scratch->counts[i];
        out[i] = 0.0;
    }
}

/*
 * The loop over a GSL block's years, with DRAW the expression of one loss; the family switch
 * stays outside. First every year's claim count; then, when the block's losses fit the scratch
 * (they do unless the mean count is above 8), all losses in one flat loop, each added to its
 * year's slot of out. A loop per year would end at a data-dependent count, which the processor
 * mispredicts about once a year; the flat loop's length is known. Each year's sum still adds
 * its losses in draw order from 0.0, exactly as the loop per year would. A short last block
 * still draws all DS_AGG_BLOCK_YEARS counts, so that a run of fewer years gives exactly the
 * first years of a longer run with the same seed.
 */
#define SIMULATE_YEARS(DRAW)                                                                    \
    do {                                                                                        \
        size_t n_total = 0;                                                                     \
        for (size_t i = 0; i < DS_AGG_BLOCK_YEARS; i++) {                                       \
            unsigned n_losses = draw_count(plan, &src);                                         \
            scratch->counts[i] = n_losses;                                                      \
            n_total += i < n_years ? n_losses : 0;                                              \
        }                                                                                       \
        if (n_total <= FLAT_MAX_LOSSES) {                                                       \
            uint16_t *owner = scratch->owner;                                                   \
            fill_owners(out, n_years, scratch, owner);                                          \
            for (size_t p = 0; p < n_total; p++) {                                              \
                double x = (DRAW);                                                              \
                if (has_loss_terms)                                                             \
                    x = mc_pay_loss(x, terms);                                                  \
                out[owner[p]] += x;                                                             \
            }                                                                                   \
        } else {                                                                                \
            for (size_t i = 0; i < n_years; i++) {                                              \
                double sum = 0.0;                                                               \
                for (unsigned j = 0; j < scratch->counts[i]; j++) {                             \
                    double x = (DRAW);                                                          \
                    if (has_loss_terms)                                                         \
                        x = mc_pay_loss(x, terms);                                              \
                    sum += x;                                                                   \
                }                                                                               \
                out[i] = sum;                                                                   \
            }                                                                                   \
        }                                                                                       \
    } while (0)

static void simulate_gsl_block(double *out, size_t n_years, const sim_plan *plan, gsl_rng *rng,
                               block_scratch *scratch)
{
    const ds_sev *sev = &plan->model->sev;
    const ds_agg_terms *terms = &plan->model->terms;
    const int has_loss_terms = plan->has_loss_terms;
    draw_src src = {0, 0, 0, rng, 0};
    switch (sev->family) {
    case DS_SEV_LOGNORMAL: {
        const double meanlog = sev->u.lognormal.meanlog, sdlog = sev->u.lognormal.sdlog;
        const double *table = plan->exp_table;
        const zig_tables *zig = &plan->zig;
        SIMULATE_YEARS(fast_exp(meanlog + sdlog * src_normal(&src, zig, table), table));
        break;
    }
    case DS_SEV_EXPONENTIAL: {
        /* F^-1(u) = -log(1 - u) / rate */
        const double mean = 1.0 / sev->u.exponential.rate;
        SIMULATE_YEARS(-mean * log1p(-src_uniform(&src)));
        break;
    }
    case DS_SEV_PARETO: {
        /* F^-1(u) = scale ((1 - u)^(-1/shape) - 1) */
        const double scale = sev->u.pareto.scale, inv_shape = 1.0 / sev->u.pareto.shape;
        SIMULATE_YEARS(scale * expm1(-inv_shape * log1p(-src_uniform(&src))));
        break;
    }
    case DS_SEV_GPD: {
        /* F^-1(u) = mu + sigma ((1 - u)^(-xi) - 1) / xi, or mu - sigma log(1 - u) at xi = 0 */
        const double xi = sev->u.gpd.xi, sigma = sev->u.gpd.sigma, mu = sev->u.gpd.mu;
        if (xi == 0.0) {
            SIMULATE_YEARS(mu - sigma * log1p(-src_uniform(&src)));
        } else {
            const double sigma_over_xi = sigma / xi;
            SIMULATE_YEARS(mu + sigma_over_xi * expm1(-xi * log1p(-src_uniform(&src))));
        }
        break;
    }
    case DS_SEV_WEIBULL: {
        /* F^-1(u) = scale (-log(1 - u))^(1/shape) */
        const double scale = sev->u.weibull.scale, inv_shape = 1.0 / sev->u.weibull.shape;
        SIMULATE_YEARS(scale * pow(-log1p(-src_uniform(&src)), inv_shape));
        break;
    }
    case DS_SEV_GAMMA: {
        const double shape = sev->u.gamma.shape, scale = 1.0 / sev->u.gamma.rate;
        SIMULATE_YEARS(gsl_ran_gamma(rng, shape, scale));
        break;
    }
    case DS_SEV_SPLICED:
    default:
        SIMULATE_YEARS(ds_sev_sample(sev, rng));
        break;
    }
}

#undef SIMULATE_YEARS

/* A lane block's losses in draw order, MC_CHUNK at a time. */
typedef struct loss_source {
    const sim_plan *plan;
    block_scratch *scratch;
    mc_lanes lanes;
    draw_src slow; /* the block's scalar stream: the ziggurat's slow path */
} loss_source;

/* The uniform of word w, exactly gsl_rng_uniform's for taus2. */
static inline double uniform_of(uint32_t w)
{
    return (double)w * 0x1p-32;
}

/* The next chunk of MC_CHUNK losses (per-loss terms applied) into x. Always a whole chunk,
 * also for a block's last losses: the slow path reads the scalar stream in an order that
 * depends on the chunk's content (mc_lognormal_finish), so chunks must be cut the same way
 * whatever the block's number of losses, for a run of fewer years to give exactly the first
 * years of a longer one. */
static void next_losses(loss_source *ls, double *x)
{
    const size_t n_rounds = MC_CHUNK / MC_LANES;
    const sim_plan *plan = ls->plan;
    const ds_sev *sev = &plan->model->sev;
    uint32_t *words = ls->scratch->words;
    size_t n = n_rounds * MC_LANES;
    if (sev->family == DS_SEV_LOGNORMAL) {
        uint16_t *missed = ls->scratch->missed;
        size_t n_missed = plan->kernels->lognormal(x, words, missed, n_rounds, &ls->lanes,
                                                   &plan->lognormal);
        mc_lognormal_finish(x, words, missed, n_missed, &ls->slow, &plan->lognormal,
                            plan->kernels);
        return;
    }
    plan->kernels->words(words, n_rounds, &ls->lanes);
    switch (sev->family) {
    case DS_SEV_EXPONENTIAL: {
        /* F^-1(u) = -log(1 - u) / rate */
        const double mean = 1.0 / sev->u.exponential.rate;
        for (size_t p = 0; p < n; p++)
            x[p] = -mean * log1p(-uniform_of(words[p]));
        break;
    }
    case DS_SEV_PARETO: {
        /* F^-1(u) = scale ((1 - u)^(-1/shape) - 1) */
        const double scale = sev->u.pareto.scale, inv_shape = 1.0 / sev->u.pareto.shape;
        for (size_t p = 0; p < n; p++)
            x[p] = scale * expm1(-inv_shape * log1p(-uniform_of(words[p])));
        break;
    }
    case DS_SEV_GPD: {
        /* F^-1(u) = mu + sigma ((1 - u)^(-xi) - 1) / xi, or mu - sigma log(1 - u) at xi = 0 */
        const double xi = sev->u.gpd.xi, sigma = sev->u.gpd.sigma, mu = sev->u.gpd.mu;
        const double sigma_over_xi = xi == 0.0 ? 0.0 : sigma / xi;
        for (size_t p = 0; p < n; p++) {
            double u = uniform_of(words[p]);
            x[p] = xi == 0.0 ? mu - sigma * log1p(-u)
                             : mu + sigma_over_xi * expm1(-xi * log1p(-u));
        }
        break;
    }
    case DS_SEV_WEIBULL:
    default: {
        /* F^-1(u) = scale (-log(1 - u))^(1/shape) */
        const double scale = sev->u.weibull.scale, inv_shape = 1.0 / sev->u.weibull.shape;
        for (size_t p = 0; p < n; p++)
            x[p] = scale * pow(-log1p(-uniform_of(words[p])), inv_shape);
        break;
    }
    }
    if (plan->has_loss_terms) {
        for (size_t p = 0; p < n; p++)
            x[p] = mc_pay_loss(x[p], &plan->model->terms);
    }
}

static void simulate_lane_block(double *out, size_t n_years, const sim_plan *plan,
                                uint64_t seed, uint64_t block, block_scratch *scratch)
{
    loss_source ls;
    ls.plan = plan;
    ls.scratch = scratch;
    mc_streams_seed(&ls.lanes, &ls.slow, seed, block);
    /* Every count of the block, also past n_years in a short last block, so that a run of
     * fewer years gives exactly the first years of a longer run with the same seed. */
    plan->kernels->words(scratch->words, DS_AGG_BLOCK_YEARS / MC_LANES, &ls.lanes);
    size_t n_total = 0;
    for (size_t i = 0; i < DS_AGG_BLOCK_YEARS; i++) {
        uint32_t n_losses = count_of_word(plan, scratch->words[i]);
        scratch->counts[i] = n_losses;
        if (i < n_years) {
            scratch->starts[i] = (uint32_t)(n_total < FLAT_MAX_LOSSES ? n_total
                                                                      : FLAT_MAX_LOSSES);
            n_total += n_losses;
        }
    }
    if (n_total <= FLAT_MAX_LOSSES) {
        /* All the block's losses, then every year's sum from its own (a kernel: see
         * mc_core.h), without a data-dependent exit per year. */
        double *x = scratch->loss;
        for (size_t first = 0; first < n_total; first += MC_CHUNK)
            next_losses(&ls, x + first);
        plan->kernels->year_sums(out, x, scratch->counts, scratch->starts, n_years);
    } else {
        size_t at = 0, n_ready = 0;
        for (size_t i = 0; i < n_years; i++) {
            double sum = 0.0;
            for (unsigned j = 0; j < scratch->counts[i]; j++) {
                if (at == n_ready) {
                    next_losses(&ls, scratch->loss);
                    at = 0;
                    n_ready = MC_CHUNK;
                }
                sum += scratch->loss[at++];
            }
            out[i] = sum;
        }
    }
}

static void simulate_block(double *out, size_t n_years, const sim_plan *plan, uint64_t seed,
                           uint64_t block, gsl_rng *rng, block_scratch *scratch)
{
    if (plan->is_lane_block) {
        simulate_lane_block(out, n_years, plan, seed, block, scratch);
    } else {
        gsl_rng_set(rng, block_seed(seed, block));
        simulate_gsl_block(out, n_years, plan, rng, scratch);
    }
    if (plan->has_aggregate_terms) {
        for (size_t i = 0; i < n_years; i++)
            out[i] = pay_year(out[i], &plan->model->terms);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Threads.                                                                                  */

/* Per-block partial statistics, combined in block order afterwards. */
typedef struct block_stats {
    double mean;   /* of the block's years */
    double m2;     /* sum of squared deviations from that mean */
    uint64_t n_zero;
} block_stats;

typedef struct sim_job {
    const sim_plan *plan;
    double *out;
    uint64_t sims, seed;
    size_t n_blocks;
    block_stats *stats; /* NULL: not wanted */
    atomic_size_t next_block;
    atomic_size_t blocks_done;
    atomic_int failed;
    ds_agg_progress_fn progress; /* called by the calling thread only */
    void *progress_ctx;
} sim_job;

static void block_statistics(block_stats *st, const double *v, size_t n)
{
    double sum = 0.0;
    uint64_t zeros = 0;
    for (size_t i = 0; i < n; i++) {
        sum += v[i];
        zeros += v[i] == 0.0;
    }
    double mean = sum / (double)n, m2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - mean;
        m2 += d * d;
    }
    st->mean = mean;
    st->m2 = m2;
    st->n_zero = zeros;
}

static void run_worker(void *arg, int is_caller)
{
    sim_job *job = arg;
    gsl_rng *rng = gsl_rng_alloc(DS_MC_GENERATOR);
    block_scratch *scratch = calloc(1, sizeof *scratch);
    if (!rng || !scratch) {
        gsl_rng_free(rng);
        free(scratch);
        atomic_store(&job->failed, 1);
        return;
    }
    for (;;) {
        if (atomic_load(&job->failed))
            break;
        size_t b = atomic_fetch_add(&job->next_block, 1);
        if (b >= job->n_blocks)
            break;
        uint64_t first = (uint64_t)b * DS_AGG_BLOCK_YEARS;
        size_t n = (size_t)(job->sims - first < DS_AGG_BLOCK_YEARS ? job->sims - first
                                                                    : DS_AGG_BLOCK_YEARS);
        simulate_block(job->out + first, n, job->plan, job->seed, b, rng, scratch);
        if (job->stats)
            block_statistics(&job->stats[b], job->out + first, n);
        size_t done = atomic_fetch_add(&job->blocks_done, 1) + 1;
        if (is_caller && job->progress) {
            uint64_t years = (uint64_t)done * DS_AGG_BLOCK_YEARS;
            job->progress(job->progress_ctx, years < job->sims ? years : job->sims, job->sims);
        }
    }
    gsl_rng_free(rng);
    free(scratch);
}

static int check_options(const ds_agg_options *opts, ds_error *err)
{
    if (opts->sims < 1)
        return ds_error_set(err, DS_EINVAL, "sims", "must be at least 1");
    if (opts->sims > DS_AGG_MAX_SIMS)
        return ds_error_set(err, DS_EINVAL, "sims", "must be at most %llu",
                            (unsigned long long)DS_AGG_MAX_SIMS);
    return 0;
}

/* Fills out[0..sims) and, when stats is given, one block_stats per block. *threads_used gets
 * the number of threads that ran. The model must be valid. */
static int simulate_all(double *out, block_stats *stats, const ds_agg_model *model,
                        const ds_agg_options *opts, unsigned *threads_used,
                        ds_agg_progress_fn progress, void *progress_ctx, ds_error *err)
{
    sim_plan plan;
    int rc = plan_init(&plan, model, err);
    if (rc)
        return rc;
    sim_job job;
    job.plan = &plan;
    job.out = out;
    job.sims = opts->sims;
    job.seed = opts->seed;
    job.n_blocks = (size_t)((opts->sims + DS_AGG_BLOCK_YEARS - 1) / DS_AGG_BLOCK_YEARS);
    job.stats = stats;
    atomic_init(&job.next_block, 0);
    atomic_init(&job.blocks_done, 0);
    atomic_init(&job.failed, 0);
    job.progress = progress;
    job.progress_ctx = progress_ctx;

    unsigned threads = opts->threads ? opts->threads : ds_online_cores();
    if (threads > job.n_blocks)
        threads = (unsigned)job.n_blocks;
    *threads_used = ds_run_workers(threads, run_worker, &job);
    plan_clear(&plan);
    if (atomic_load(&job.failed))
        return ds_error_set(err, DS_ENOMEM, NULL,
                            "out of memory for a random generator or its scratch");
    return 0;
}

int ds_agg_simulate_years(double *out, const ds_agg_model *model, const ds_agg_options *opts,
                          ds_error *err)
{
    int rc = ds_agg_model_validate(model, err);
    if (rc)
        return rc;
    rc = check_options(opts, err);
    if (rc)
        return rc;
    unsigned threads_used;
    return simulate_all(out, NULL, model, opts, &threads_used, NULL, NULL, err);
}

static double elapsed_ms_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3 +
           (double)(now.tv_nsec - start->tv_nsec) * 1e-6;
}

/* Mean, sd and P(0) from the block partials, combined in block order (Chan, Golub and LeVeque
 * 1979), so the result does not depend on which thread ran which block. */
static void summarise_moments(ds_agg_result *out, const block_stats *stats, size_t n_blocks,
                              uint64_t sims)
{
    double mean = 0.0, m2 = 0.0;
    uint64_t n_zero = 0, n_so_far = 0;
    for (size_t b = 0; b < n_blocks; b++) {
        uint64_t first = (uint64_t)b * DS_AGG_BLOCK_YEARS;
        uint64_t nb = sims - first < DS_AGG_BLOCK_YEARS ? sims - first : DS_AGG_BLOCK_YEARS;
        uint64_t n_total = n_so_far + nb;
        double delta = stats[b].mean - mean;
        mean += delta * (double)nb / (double)n_total;
        m2 += stats[b].m2 + delta * delta * (double)n_so_far * (double)nb / (double)n_total;
        n_zero += stats[b].n_zero;
        n_so_far = n_total;
    }
    out->mean = mean;
    out->sd = sims > 1 ? sqrt(m2 / (double)(sims - 1)) : 0.0;
    out->mean_stderr = out->sd / sqrt((double)sims);
    out->prob_zero = (double)n_zero / (double)sims;
}

/* VaR, TVaR and the EP curve: select every rank a measure needs, then read them off. */
static void summarise_measures(ds_agg_result *out, double *years, size_t n,
                               const ds_agg_measures *m)
{
    size_t ranks[2 * DS_AGG_MAX_LEVELS + DS_AGG_MAX_EP];
    size_t n_ranks = 0;
    for (size_t i = 0; i < m->n_var; i++)
        ranks[n_ranks++] = ds_risk_sample_rank(n, m->var_p[i]);
    for (size_t i = 0; i < m->n_tvar; i++)
        ranks[n_ranks++] = ds_risk_sample_rank(n, m->tvar_p[i]);
    for (size_t i = 0; i < m->n_ep; i++)
        ranks[n_ranks++] = ds_risk_sample_rank(n, 1.0 - 1.0 / m->return_period[i]);
    ds_risk_select(years, n, ranks, n_ranks);

    out->n_var = m->n_var;
    for (size_t i = 0; i < m->n_var; i++) {
        out->var[i].p = m->var_p[i];
        out->var[i].value = ds_risk_var(years, NULL, n, 0.0, m->var_p[i]);
    }
    out->n_tvar = m->n_tvar;
    for (size_t i = 0; i < m->n_tvar; i++) {
        out->tvar[i].p = m->tvar_p[i];
        out->tvar[i].value = ds_risk_tvar(years, NULL, n, 0.0, m->tvar_p[i]);
    }
    out->n_ep = m->n_ep;
    for (size_t i = 0; i < m->n_ep; i++) {
        /* The loss exceeded on average once in T years: VaR at 1 - 1/T. */
        out->ep[i].return_period = m->return_period[i];
        out->ep[i].loss = ds_risk_var(years, NULL, n, 0.0, 1.0 - 1.0 / m->return_period[i]);
    }
}

int ds_agg_simulate_progress(ds_agg_result *out, const ds_agg_model *model,
                             const ds_agg_options *opts, ds_agg_progress_fn progress,
                             void *progress_ctx, ds_error *err)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int rc = ds_agg_model_validate(model, err);
    if (rc)
        return rc;
    rc = check_options(opts, err);
    if (rc)
        return rc;

    size_t n = (size_t)opts->sims;
    size_t n_blocks = (size_t)((opts->sims + DS_AGG_BLOCK_YEARS - 1) / DS_AGG_BLOCK_YEARS);
    double *years = malloc(n * sizeof *years);
    block_stats *stats = malloc(n_blocks * sizeof *stats);
    if (!years || !stats) {
        free(years);
        free(stats);
        return ds_error_set(err, DS_ENOMEM, "sims", "out of memory for %zu simulated years", n);
    }
    unsigned threads_used = 1;
    rc = simulate_all(years, stats, model, opts, &threads_used, progress, progress_ctx, err);
    if (rc == 0) {
        memset(out, 0, sizeof *out);
        out->method = DS_AGG_MC;
        out->sims = opts->sims;
        out->seed = opts->seed;
        out->threads = threads_used;
        summarise_moments(out, stats, n_blocks, opts->sims);
        ds_agg_result_set_exact(out, model);
        summarise_measures(out, years, n, &model->measures);
        out->span = NAN;
        out->points = 0;
        out->tail_mass = NAN;
        out->tilt = NAN;
        out->discretization = NULL;
        out->elapsed_ms = elapsed_ms_since(&start);
    }
    free(years);
    free(stats);
    return rc;
}

int ds_agg_simulate(ds_agg_result *out, const ds_agg_model *model, const ds_agg_options *opts,
                    ds_error *err)
{
    return ds_agg_simulate_progress(out, model, opts, NULL, NULL, err);
}
