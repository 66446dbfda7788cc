/*
 * montecarlo.c: Monte Carlo of the annual aggregate payment (ds_agg_simulate and
 * ds_agg_simulate_years, see aggregate.h).
 *
 * Reproducibility. Years are cut into blocks of DS_AGG_BLOCK_YEARS; block b draws from its own
 * GSL generator seeded from a 64-bit mix of (seed, b), and writes year i at out[i]. Threads take
 * blocks from an atomic counter in whatever order they like, but a block's values depend only on
 * (seed, b), and every statistic is computed afterwards from the array (or from per-block
 * partial sums combined in block order), so the output is byte-identical for any thread count.
 *
 * Generator: gsl_rng_taus2, L'Ecuyer's (1996) maximally equidistributed combined Tausworthe
 * generator (period 2^88), which GSL's manual calls one of the fastest simulation-quality
 * generators it has. It passes the same batteries as mt19937 and fails the same ones (both are
 * linear over GF(2): TestU01's linear-complexity and matrix-rank tests), and a run draws a
 * few million numbers per block at most, far inside the period. It is chosen for speed: its
 * step is three shift-xor recurrences on three words, which the hot loop performs inline on
 * the gsl_rng's own state (see draw_src below), where mt19937 would need its 624-word state
 * and a call per draw; measured here, GSL's mt19937 cost 3x taus2 per draw. GSL seeds taus2
 * from 32 bits, so the 64-bit block seed is folded to 32 bits (high xor low); two blocks
 * share a seed with probability about B^2 / 2^33 for B blocks (2e-6 for 1e6 years).
 *
 * Exact sampling, fast. The hot loop is specialised per severity family (the switch is outside
 * the loop), and nothing in it goes through a function pointer, so a simulated year costs about
 * as much as its variates:
 *   - the claim count by inversion: N = min{k : U < F(k)} on a precomputed table of the
 *     frequency's cdf with a guide table (Chen and Asau 1974) that starts the search at the
 *     right entry, so a draw takes one uniform and usually no search at all. Inversion is exact
 *     up to the resolution of the uniform (2^-32, the same as GSL's own samplers) and the
 *     rounding of F; the table stops where 1 - F(k) < 2^-40, far below that resolution.
 *     Counts whose table would exceed 2^20 entries fall back to GSL's samplers;
 *   - lognormal: exp(meanlog + sdlog Z) with Z from the ziggurat (Marsaglia and Tsang 2000) in
 *     GSL's form, inlined (one generator step for 98.8% of draws), and exp() table-driven
 *     (fast_exp, within 2 ulp);
 *   - exponential, Pareto II, GPD and Weibull by inversion of their closed-form quantiles; gamma
 *     by gsl_ran_gamma (Marsaglia and Tsang); spliced through ds_sev_sample.
 * Per-loss terms are applied to each loss, aggregate terms to each year's sum.
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

#include <pthread.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "actuarial/risk.h"

#define COUNT_TABLE_MAX ((size_t)1 << 20)
#define COUNT_TABLE_TAIL 0x1p-40
#define GUIDE_MIN 1024
#define MAX_THREADS 256
#define DS_MC_GENERATOR gsl_rng_taus2

/* ---------------------------------------------------------------------------------------- */
/* exp for the lognormal hot loop.                                                           */

/*
 * glibc's exp() was a third of the time of a Poisson-lognormal year (the call, its errno
 * wrapper and its own work). This is the table-driven method of Tang (1989) as in ARM's
 * optimized-routines exp: x = (k N + j) ln2/N + r with N = 128, |r| <= ln2/256, so
 *   exp(x) = 2^k * 2^(j/N) * exp(r),
 * with 2^(j/N) from a table (computed by exp2, correctly rounded to within 0.5 ulp), exp(r) by
 * its Taylor polynomial of degree 5 (truncation below r^6/720 < 6e-19, under an ulp), and
 * ln2/N split in a high part with 17 trailing zero bits and a low part (Cody and Waite 1980),
 * so that k ln2/N is exact for |x| < 700. The result is within 2 ulp of exp(x) (a test checks
 * it against exp() on a million points). Outside |x| < 700, and for NaN, it calls exp().
 */
#define EXP_N 128

static inline uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double double_of(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

static void exp_table_init(double *table)
{
    for (int j = 0; j < EXP_N; j++)
        table[j] = exp2((double)j / EXP_N);
}

static inline double fast_exp(double x, const double *table)
{
    if (!(fabs(x) < 700.0))
        return exp(x);
    const double inv_ln2_n = 0x1.71547652b82fep0 * EXP_N;
    const double neg_ln2_hi_n = -0x1.62e42fefa0000p-8;
    const double neg_ln2_lo_n = -0x1.cf79abc9e3b3ap-47;
    const double shift = 0x1.8p52; /* adding it rounds to an integer held in the low bits */
    double kd = x * inv_ln2_n + shift;
    uint64_t ki = bits_of(kd);
    kd -= shift;
    double r = x + kd * neg_ln2_hi_n + kd * neg_ln2_lo_n;
    /* 2^(k/N) with k = ki: the table entry for k mod N, its exponent raised by k div N
     * (two's complement arithmetic on the bits handles negative k). */
    double scale = double_of(bits_of(table[ki % EXP_N]) + ((ki >> 7) << 52));
    /* exp(r) - 1 first, then scale + scale (exp(r) - 1): the only roundings that matter are
     * the table's and the final addition's, as the small term's error is scaled by |r|. */
    double r2 = r * r;
    double expm1_r = r + r2 * (0.5 + r * (1.0 / 6.0)) +
                     r2 * r2 * ((1.0 / 24.0) + r * (1.0 / 120.0));
    return scale + scale * expm1_r;
}

double ds_agg_exp(double x)
{
    double table[EXP_N];
    exp_table_init(table);
    return fast_exp(x, table);
}

/* ---------------------------------------------------------------------------------------- */
/* Normal variates: the ziggurat, inline.                                                    */

/*
 * The ziggurat method of Marsaglia and Tsang (2000) in the form GSL's gsl_ran_gaussian_ziggurat
 * uses (one 32-bit draw: 7 bits choose one of 128 layers of equal area, 1 bit the sign, 24 bits
 * the abscissa, so that layer and abscissa are independent, unlike in the original), here
 * inlined into the hot loop instead of called through libgsl. The density under the layers is
 * f(x) = exp(-x^2/2). Layers 0..126 are the rectangles [0, x_{i+1}] x [f(x_{i+1}), f(x_i)]
 * (x_0 = 0); layer 127 is [0, r] x [0, f(r)] plus, beyond r, the exponential wedge
 * exp(-r (x - r/2)) >= f(x) of area f(r)/r (GSL's choice: its tail sampler rejects within that
 * wedge and starts again), so v = r f(r) + f(r)/r, drawn as the strip [0, v/f(r)] x [0, f(r)].
 * Equal areas fix x_{i} from x_{i+1} (f(x_i) = f(x_{i+1}) + v/x_{i+1}) and r from f(x_0) = 1;
 * r is found by bisection when the tables are built (it comes out as GSL's 3.44428647676,
 * and the tables as GSL's to the 12 digits GSL prints; a test checks that the variates equal
 * gsl_ran_gaussian_ziggurat's draw for draw).
 * A draw from layer i falling left of x_i is under the curve and accepted at once (98.8% of
 * draws); otherwise the point is tested against f, and the tail is sampled by Marsaglia's
 * (1964) exponential rejection. The method is exact: the equal areas make the layer choice
 * uniform, and every accepted point lies uniformly under f.
 */
#define ZIG_LAYERS 128
#define ZIG_SCALE 16777216.0 /* 2^24, the abscissa's resolution */

typedef struct zig_tables {
    double r;                  /* right edge of the base rectangle */
    double w[ZIG_LAYERS];      /* x_{i+1} / 2^24: abscissa scale of layer i */
    uint32_t k[ZIG_LAYERS];    /* 2^24 x_i / x_{i+1}: quick acceptance bound of layer i */
    double y[ZIG_LAYERS];      /* f(x_i) */
} zig_tables;

/* f(x_0) for the layers that start at r, filling x[0..128] and y[0..127]; > 1 means r is too
 * small, as does running past f = 1 early (then 2 is returned). */
static double zig_layers(double r, double *x, double *y)
{
    double f_r = exp(-0.5 * r * r);
    /* The base layer: [0, r] x [0, f(r)] plus the exponential wedge exp(-r (x - r/2)) beyond
     * r, of area f(r)/r, from which the tail is sampled by rejection (see normal_slow). The
     * wedge's area, not the tail's, belongs here: a rejected tail draw starts again from the
     * choice of layer, so the tail gets the wedge's share times the acceptance rate, which is
     * exactly the tail's area. (The exact tail area with this sampler makes the tail 7% thin.) */
    double v = r * f_r + f_r / r;
    x[ZIG_LAYERS] = v / f_r;
    x[ZIG_LAYERS - 1] = r;
    y[ZIG_LAYERS - 1] = f_r;
    for (int i = ZIG_LAYERS - 2; i >= 0; i--) {
        y[i] = y[i + 1] + v / x[i + 1];
        if (i > 0) {
            if (!(y[i] < 1.0))
                return 2.0;
            x[i] = sqrt(-2.0 * log(y[i]));
        }
    }
    x[0] = 0.0;
    return y[0];
}

static void zig_init(zig_tables *z)
{
    double x[ZIG_LAYERS + 1], y[ZIG_LAYERS];
    double lo = 3.0, hi = 4.0; /* f(x_0) - 1 falls as r grows: > 0 at 3, < 0 at 4 */
    for (int it = 0; it < 200 && hi - lo > 1e-15; it++) {
        double mid = 0.5 * (lo + hi);
        if (zig_layers(mid, x, y) > 1.0)
            lo = mid;
        else
            hi = mid;
    }
    z->r = hi;
    zig_layers(hi, x, y);
    y[0] = 1.0;
    for (int i = 0; i < ZIG_LAYERS; i++) {
        z->w[i] = x[i + 1] / ZIG_SCALE;
        z->k[i] = (uint32_t)floor(ZIG_SCALE * x[i] / x[i + 1]);
        z->y[i] = y[i];
    }
}

/* ---------------------------------------------------------------------------------------- */
/* The generator as the hot loop sees it.                                                    */

/*
 * GSL documents that gsl_rng_state() and gsl_rng_size() give direct access to a generator's
 * state. For taus2 (L'Ecuyer 1996) that state is three words s1, s2, s3, and one step is three
 * shift-xor recurrences; doing that step inline saves the call through the generator's function
 * pointer on every draw, a large part of a simulated year. The same numbers come out as from
 * gsl_rng_get (verify_inline_taus2 checks it once per run against GSL itself, and without that
 * check passing every draw goes through gsl_rng_get), so the output never depends on which
 * path ran. Samplers that call into GSL (gamma, spliced, huge counts) use the gsl_rng path
 * throughout, so the two never interleave on one state.
 */
typedef struct draw_src {
    uint32_t s1, s2, s3; /* the taus2 state, when is_inline */
    gsl_rng *rng;
    int is_inline;
} draw_src;

static inline uint32_t taus2_step(uint32_t *s1, uint32_t *s2, uint32_t *s3)
{
    /* GSL rng/taus.c: TAUSWORTHE(s, a, b, c, d) = ((s & c) << d) ^ (((s << a) ^ s) >> b), in
     * 32-bit arithmetic. */
    *s1 = ((*s1 & 4294967294U) << 12) ^ (((*s1 << 13) ^ *s1) >> 19);
    *s2 = ((*s2 & 4294967288U) << 4) ^ (((*s2 << 2) ^ *s2) >> 25);
    *s3 = ((*s3 & 4294967280U) << 17) ^ (((*s3 << 3) ^ *s3) >> 11);
    return *s1 ^ *s2 ^ *s3;
}

static void src_load(draw_src *d, gsl_rng *rng, int is_inline)
{
    d->rng = rng;
    d->is_inline = is_inline;
    d->s1 = d->s2 = d->s3 = 0;
    if (is_inline) {
        const unsigned long *state = gsl_rng_state(rng);
        d->s1 = (uint32_t)state[0];
        d->s2 = (uint32_t)state[1];
        d->s3 = (uint32_t)state[2];
    }
}

static inline uint32_t src_next(draw_src *d)
{
    if (d->is_inline)
        return taus2_step(&d->s1, &d->s2, &d->s3);
    return (uint32_t)gsl_rng_get(d->rng);
}

/* A uniform on [0, 1) with 32 bits, exactly gsl_rng_uniform for taus2. */
static inline double src_uniform(draw_src *d)
{
    return (double)src_next(d) * 0x1p-32;
}

static int verify_inline_taus2(void)
{
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_taus2);
    if (!rng)
        return 0;
    int ok = gsl_rng_size(rng) == 3 * sizeof(unsigned long) && gsl_rng_min(rng) == 0 &&
             gsl_rng_max(rng) == 0xffffffffUL;
    if (ok) {
        gsl_rng_set(rng, 987654321UL);
        draw_src d;
        src_load(&d, rng, 1);
        for (int i = 0; i < 256 && ok; i++)
            ok = src_next(&d) == (uint32_t)gsl_rng_get(rng);
    }
    gsl_rng_free(rng);
    return ok;
}

/* A normal variate and the generator state after it (the slow path returns the state by
 * value, so that the hot loop's state never has its address taken and stays in registers). */
typedef struct normal_draw {
    double x;
    draw_src src;
} normal_draw;

/* The rejection part of the ziggurat, out of line: k is the draw that missed the quick test. */
static normal_draw normal_slow(draw_src d, const zig_tables *z, uint32_t k)
{
    normal_draw out;
    for (;;) {
        uint32_t i = k & 0x7f, j = k >> 8;
        double sign = (k & 0x80) ? 1.0 : -1.0;
        double x = (double)j * z->w[i];
        if (j < z->k[i]) {
            out.x = sign * x;
            break;
        }
        double y;
        if (i < ZIG_LAYERS - 1) {
            y = z->y[i + 1] + (z->y[i] - z->y[i + 1]) * src_uniform(&d);
        } else {
            /* The tail beyond r: x = r + E/r with E exponential, accepted with probability
             * exp(-(x - r)^2 / 2) (Marsaglia 1964), written as GSL writes it. */
            double u1 = 1.0 - src_uniform(&d), u2 = src_uniform(&d);
            x = z->r - log(u1) / z->r;
            y = exp(-z->r * (x - 0.5 * z->r)) * u2;
        }
        if (y < exp(-0.5 * x * x)) {
            out.x = sign * x;
            break;
        }
        k = src_next(&d);
    }
    out.src = d;
    return out;
}

static inline double src_normal(draw_src *d, const zig_tables *z)
{
    uint32_t k = src_next(d);
    uint32_t i = k & 0x7f, j = k >> 8;
    if (j < z->k[i]) {
        /* The sign without a branch (a coin flip would be mispredicted half the time):
         * bit 7 clear makes the value negative, as in GSL. */
        double x = (double)j * z->w[i];
        return double_of(bits_of(x) ^ ((uint64_t)(~k & 0x80) << 56));
    }
    normal_draw slow = normal_slow(*d, z, k);
    *d = slow.src;
    return slow.x;
}

int ds_agg_normal_fill(double *out, size_t n, unsigned long seed)
{
    gsl_rng *rng = gsl_rng_alloc(DS_MC_GENERATOR);
    if (!rng)
        return DS_ENOMEM;
    gsl_rng_set(rng, seed);
    zig_tables zig;
    zig_init(&zig);
    draw_src src;
    src_load(&src, rng, verify_inline_taus2());
    for (size_t i = 0; i < n; i++)
        out[i] = src_normal(&src, &zig);
    gsl_rng_free(rng);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* What every block needs, computed once.                                                    */

typedef struct sim_plan {
    const ds_agg_model *model;
    /* Claim counts by inversion: cdf[k] = P(N <= k), cdf[n_cdf - 1] = 1; guide[j] is the
     * smallest k with cdf[k] > j / n_guide. NULL cdf: use ds_freq_sample. */
    double *cdf;
    size_t n_cdf;
    unsigned *guide;
    size_t n_guide;
    int has_loss_terms, has_aggregate_terms;
    double exp_table[EXP_N]; /* 2^(j/EXP_N), j = 0..EXP_N-1, for fast_exp */
    zig_tables zig;          /* the normal's ziggurat */
    int has_inline_taus2;    /* GSL's taus2 state layout verified: step it inline */
} sim_plan;

static void plan_clear(sim_plan *plan)
{
    free(plan->cdf);
    free(plan->guide);
    plan->cdf = NULL;
    plan->guide = NULL;
}

static int plan_init(sim_plan *plan, const ds_agg_model *model, ds_error *err)
{
    memset(plan, 0, sizeof *plan);
    plan->model = model;
    plan->has_loss_terms = ds_agg_terms_has_loss_terms(&model->terms);
    plan->has_aggregate_terms = ds_agg_terms_has_aggregate_terms(&model->terms);
    exp_table_init(plan->exp_table);
    zig_init(&plan->zig);
    plan->has_inline_taus2 = verify_inline_taus2();

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
    if (!plan->cdf) {
        plan_clear(plan);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for the claim-count table");
    }
    for (size_t k = 0; k + 1 < n; k++)
        plan->cdf[k] = ds_freq_cdf(&model->freq, (unsigned)k);
    /* The last entry takes the < 2^-40 of mass beyond it, so every uniform in [0, 1) lands. */
    plan->cdf[n - 1] = 1.0;
    plan->n_cdf = n;
    /* A guide finer than the table (at least 1024 entries) starts most searches at their
     * answer, so the search loop rarely runs and its branch is predictable. */
    plan->n_guide = n < GUIDE_MIN ? GUIDE_MIN : n;
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

static inline unsigned draw_count(const sim_plan *plan, draw_src *src)
{
    if (!plan->cdf)
        return ds_freq_sample(&plan->model->freq, src->rng);
    double u = src_uniform(src);
    size_t k = plan->guide[(size_t)(u * (double)plan->n_guide)];
    while (u >= plan->cdf[k])
        k++;
    return (unsigned)k;
}

/* ---------------------------------------------------------------------------------------- */
/* One block of years.                                                                       */

/* splitmix64's output function (Steele, Lea and Flood 2014): a bijective 64-bit mixer. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The seed of block b: the splitmix64 sequence started at seed, taken at position b + 1 and
 * mixed once more with the seed, so that nearby seeds and nearby blocks are unrelated. */
static unsigned long block_seed(uint64_t seed, uint64_t block)
{
    uint64_t z = mix64(mix64(seed) + (block + 1) * 0x9e3779b97f4a7c15ULL);
    return (unsigned long)((z ^ (z >> 32)) & 0xffffffffULL);
}

static inline double pay_loss(double x, const ds_agg_terms *t)
{
    double excess = x - t->deductible;
    if (excess < 0.0)
        excess = 0.0;
    if (excess > t->limit)
        excess = t->limit;
    return t->coinsurance * excess;
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

/* Scratch memory of one worker: the block's claim counts and, for each loss of the block, the
 * year it belongs to (years of a block fit in 16 bits: DS_AGG_BLOCK_YEARS <= 65536). */
#define FLAT_MAX_LOSSES ((size_t)1 << 16)
#define OWNER_FILL 8 /* owner slots written per year without looking at its count */

typedef struct block_scratch {
    unsigned counts[DS_AGG_BLOCK_YEARS];
    uint16_t owner[FLAT_MAX_LOSSES + OWNER_FILL];
} block_scratch;

/*
 * The loop over a block's years, with DRAW the expression of one loss; the family switch stays
 * outside. First every year's claim count; then, when the block's losses fit the scratch (they
 * do unless the mean count is above 8), all losses in one flat loop, each added to its year's
 * slot of out. A loop per year would end at a data-dependent count, which the processor
 * mispredicts about once a year, a fifth of the cost of a year; the flat loop's length is
 * known. Each year's sum still adds its losses in draw order from 0.0, exactly as the loop per
 * year would. The owner of each loss is written OWNER_FILL slots at a time without a branch
 * (the extra slots are overwritten by the next year), with a loop only for larger counts.
 * A short last block still draws all DS_AGG_BLOCK_YEARS counts, so that a run of fewer years
 * gives exactly the first years of a longer run with the same seed.
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
            size_t pos = 0;                                                                     \
            for (size_t i = 0; i < n_years; i++) {                                              \
                for (size_t q = 0; q < OWNER_FILL; q++)                                         \
                    owner[pos + q] = (uint16_t)i;                                               \
                for (size_t q = OWNER_FILL; q < scratch->counts[i]; q++)                        \
                    owner[pos + q] = (uint16_t)i;                                               \
                pos += scratch->counts[i];                                                      \
                out[i] = 0.0;                                                                   \
            }                                                                                   \
            for (size_t p = 0; p < n_total; p++) {                                              \
                double x = (DRAW);                                                              \
                if (has_loss_terms)                                                             \
                    x = pay_loss(x, terms);                                                     \
                out[owner[p]] += x;                                                             \
            }                                                                                   \
        } else {                                                                                \
            for (size_t i = 0; i < n_years; i++) {                                              \
                double sum = 0.0;                                                               \
                for (unsigned j = 0; j < scratch->counts[i]; j++) {                             \
                    double x = (DRAW);                                                          \
                    if (has_loss_terms)                                                         \
                        x = pay_loss(x, terms);                                                 \
                    sum += x;                                                                   \
                }                                                                               \
                out[i] = sum;                                                                   \
            }                                                                                   \
        }                                                                                       \
        if (has_aggregate_terms) {                                                              \
            for (size_t i = 0; i < n_years; i++)                                                \
                out[i] = pay_year(out[i], terms);                                               \
        }                                                                                       \
    } while (0)

static void simulate_block(double *out, size_t n_years, const sim_plan *plan, gsl_rng *rng,
                           block_scratch *scratch)
{
    const ds_sev *sev = &plan->model->sev;
    const ds_agg_terms *terms = &plan->model->terms;
    const int has_loss_terms = plan->has_loss_terms;
    const int has_aggregate_terms = plan->has_aggregate_terms;
    /* Inline generator steps only where every draw of the block goes through src. */
    int calls_gsl = sev->family == DS_SEV_GAMMA || sev->family == DS_SEV_SPLICED || !plan->cdf;
    draw_src src;
    src_load(&src, rng, plan->has_inline_taus2 && !calls_gsl);
    switch (sev->family) {
    case DS_SEV_LOGNORMAL: {
        const double meanlog = sev->u.lognormal.meanlog, sdlog = sev->u.lognormal.sdlog;
        const double *table = plan->exp_table;
        const zig_tables *zig = &plan->zig;
        SIMULATE_YEARS(fast_exp(meanlog + sdlog * src_normal(&src, zig), table));
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

static void run_worker(sim_job *job, int is_caller)
{
    gsl_rng *rng = gsl_rng_alloc(DS_MC_GENERATOR);
    block_scratch *scratch = malloc(sizeof *scratch);
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
        gsl_rng_set(rng, block_seed(job->seed, b));
        simulate_block(job->out + first, n, job->plan, rng, scratch);
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

static void *thread_main(void *arg)
{
    run_worker(arg, 0);
    return NULL;
}

static unsigned online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (unsigned)n;
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

    unsigned threads = opts->threads ? opts->threads : online_cores();
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    if (threads > job.n_blocks)
        threads = (unsigned)job.n_blocks;
    pthread_t ids[MAX_THREADS];
    unsigned started = 0;
    /* The calling thread is worker 0; if a thread cannot start, the others do its share. */
    for (unsigned t = 1; t < threads; t++) {
        if (pthread_create(&ids[started], NULL, thread_main, &job) != 0)
            break;
        started++;
    }
    run_worker(&job, 1);
    for (unsigned t = 0; t < started; t++)
        pthread_join(ids[t], NULL);
    plan_clear(&plan);
    *threads_used = started + 1;
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
