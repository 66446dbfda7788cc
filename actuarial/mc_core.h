/*
 * mc_core.h: the Monte Carlo's sampling core, shared by montecarlo.c (the blocks) and the
 * kernels of mc_kernels.c (portable) and mc_avx2.c / mc_avx512.c (SIMD). Internal to the
 * actuarial module; not part of the library's API.
 *
 * What it holds, each piece once, so that every path computes with the same code:
 *   - taus2_step, L'Ecuyer's (1996) combined Tausworthe step as GSL's rng/taus.c writes it;
 *   - the lane generator: MC_LANES interleaved taus2 streams. Round t of a block is the t-th
 *     word of every lane, in lane order, so word p of the block is lane p % MC_LANES's
 *     (p / MC_LANES)-th word. The order is fixed whatever ISA steps the lanes;
 *   - fast_exp, the table-driven exp within 2 ulp (Tang 1989);
 *   - the ziggurat's tables and its slow path (rejection and tail, Marsaglia and Tsang 2000 in
 *     GSL's form), which reads a scalar taus2 stream of its own (draw_src);
 *   - the kernels' table (mc_kernels): every kernel writes exactly what the portable one
 *     writes, bit for bit (integer operations, and IEEE multiplications and additions in the
 *     same order: no FMA, and the project's -std=c11 keeps GCC from contracting a*b+c).
 *
 * The ziggurat (see also montecarlo.c): one 32-bit word k gives layer i = k & 0x7f (one of 128
 * layers of equal area), sign bit 7 and abscissa j = k >> 8 (24 bits, independent of the
 * layer). x = j w[i] with j < k[i] is under the density and accepted at once (97.2% of words):
 * that is the fast path, which the SIMD kernels do in bulk. The other words (misses) are
 * finished by mc_lognormal_finish and normal_slow, which draw their further uniforms from the
 * block's scalar stream in an order fixed by the chunk of losses they belong to.
 */
#ifndef DS_ACTUARIAL_MC_CORE_H
#define DS_ACTUARIAL_MC_CORE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "actuarial/aggregate.h"

#define MC_LANES DS_AGG_MC_LANES /* taus2 streams of a block, whatever the ISA */
#define MC_CHUNK 1024            /* losses computed per kernel call (a multiple of MC_LANES) */
#define EXP_BITS 4
#define EXP_N (1 << EXP_BITS) /* fast_exp's table: 2^(j/EXP_N), j < EXP_N */
#define ZIG_LAYERS 128
#define ZIG_SCALE 16777216.0 /* 2^24, the abscissa's resolution */

static inline uint64_t mc_bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double mc_double_of(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* ---- The generator. ---- */

static inline uint32_t taus2_step(uint32_t *s1, uint32_t *s2, uint32_t *s3)
{
    /* GSL rng/taus.c: TAUSWORTHE(s, a, b, c, d) = ((s & c) << d) ^ (((s << a) ^ s) >> b), in
     * 32-bit arithmetic. */
    *s1 = ((*s1 & 4294967294U) << 12) ^ (((*s1 << 13) ^ *s1) >> 19);
    *s2 = ((*s2 & 4294967288U) << 4) ^ (((*s2 << 2) ^ *s2) >> 25);
    *s3 = ((*s3 & 4294967280U) << 17) ^ (((*s3 << 3) ^ *s3) >> 11);
    return *s1 ^ *s2 ^ *s3;
}

/* The lanes' taus2 states, structure of arrays (what a SIMD register loads). */
typedef struct mc_lanes {
    uint32_t s1[MC_LANES], s2[MC_LANES], s3[MC_LANES];
} mc_lanes;

/*
 * A scalar source of words: an inline taus2 state, or (is_inline 0) a gsl_rng called through
 * gsl_rng_get, for the samplers that call into GSL (gamma, spliced, huge counts), so that the
 * two never interleave on one state. The slow path takes and returns it by value, so that a
 * hot loop's state never has its address taken and stays in registers.
 */
typedef struct draw_src {
    uint32_t s1, s2, s3;
    gsl_rng *rng;
    int is_inline;
} draw_src;

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

/* ---- exp. ---- */

/*
 * glibc's exp() was a third of the time of a Poisson-lognormal year (the call, its errno
 * wrapper and its own work). This is the table-driven method of Tang (1989) as in ARM's
 * optimized-routines exp: x = (k N + j) ln2/N + r with N = 16, |r| <= ln2/32, so
 *   exp(x) = 2^k * 2^(j/N) * exp(r),
 * with 2^(j/N) from a table (computed by exp2, correctly rounded to within 0.5 ulp), exp(r) by
 * its Taylor polynomial of degree 7 (truncation below r^8/8! < 3e-18, under an ulp), and
 * ln2/N split in a high part with 17 trailing zero bits and a low part (Cody and Waite 1980),
 * so that k ln2/N is exact for |x| < 700 (|k| < 2^14). The result is within 2 ulp of exp(x)
 * (a test checks it against exp() on a million points, for every kernel). Outside |x| < 700,
 * and for NaN, it calls exp(). The SIMD kernels perform these very operations in this order
 * on each lane. The table has 16 entries, not more, so that AVX-512 looks it up with one
 * permutation of two registers instead of a gather, the costliest instruction of the loop;
 * the polynomial's two extra degrees cost less.
 */
#define MC_EXP_INV_LN2_N (0x1.71547652b82fep0 * EXP_N)
#define MC_EXP_NEG_LN2_HI_N (-0x1.62e42fefa0000p-5)
#define MC_EXP_NEG_LN2_LO_N (-0x1.cf79abc9e3b3ap-44)
#define MC_EXP_SHIFT 0x1.8p52 /* adding it rounds to an integer held in the low bits */
#define MC_EXP_MAX 700.0
#define MC_EXP_C2 (1.0 / 2.0) /* Taylor coefficients 1/n! */
#define MC_EXP_C3 (1.0 / 6.0)
#define MC_EXP_C4 (1.0 / 24.0)
#define MC_EXP_C5 (1.0 / 120.0)
#define MC_EXP_C6 (1.0 / 720.0)
#define MC_EXP_C7 (1.0 / 5040.0)

static inline double fast_exp(double x, const double *table)
{
    if (!(fabs(x) < MC_EXP_MAX))
        return exp(x);
    double kd = x * MC_EXP_INV_LN2_N + MC_EXP_SHIFT;
    uint64_t ki = mc_bits_of(kd);
    kd -= MC_EXP_SHIFT;
    double r = x + kd * MC_EXP_NEG_LN2_HI_N + kd * MC_EXP_NEG_LN2_LO_N;
    /* 2^(k/N) with k = ki: the table entry for k mod N, its exponent raised by k div N
     * (two's complement arithmetic on the bits handles negative k). */
    double scale = mc_double_of(mc_bits_of(table[ki % EXP_N]) + ((ki >> EXP_BITS) << 52));
    /* exp(r) - 1 first, then scale + scale (exp(r) - 1): the only roundings that matter are
     * the table's and the final addition's, as the small term's error is scaled by |r|. */
    double r2 = r * r, r4 = r2 * r2;
    double expm1_r = (r + r2 * (MC_EXP_C2 + r * MC_EXP_C3)) +
                     r4 * ((MC_EXP_C4 + r * MC_EXP_C5) + r2 * (MC_EXP_C6 + r * MC_EXP_C7));
    return scale + scale * expm1_r;
}

/* ---- The ziggurat. ---- */

typedef struct zig_tables {
    double r;               /* right edge of the base rectangle */
    double w[ZIG_LAYERS];   /* x_{i+1} / 2^24: abscissa scale of layer i */
    uint32_t k[ZIG_LAYERS]; /* 2^24 x_i / x_{i+1}: quick acceptance bound of layer i */
    double y[ZIG_LAYERS];   /* f(x_i) */
} zig_tables;

/* The fast path's value of word k (valid when (k >> 8) < z->k[k & 0x7f]): (+-j) w[i], bit 7
 * clear making it negative, as in GSL. The sign goes on the integer j (a select the compiler
 * makes without a branch, and one operation for 16 SIMD lanes), so j = 0 gives +0.0 either
 * way; otherwise (-j) w = -(j w) exactly. */
static inline double zig_fast_value(uint32_t k, const zig_tables *z)
{
    int32_t j = (int32_t)(k >> 8);
    return (double)((k & 0x80) ? j : -j) * z->w[k & 0x7f];
}

static inline int zig_is_fast(uint32_t k, const zig_tables *z)
{
    return (k >> 8) < z->k[k & 0x7f];
}

/* A normal variate and the generator state after it. */
typedef struct normal_draw {
    double x;
    draw_src src;
} normal_draw;

/* The rejection part of the ziggurat: k is the word that missed the quick test; further
 * uniforms and words come from d. The density is evaluated by fast_exp (table exp_table):
 * within 2 ulp of exp(), its error moves the acceptance boundary by 1e-16 relative, far
 * below the 2^-32 resolution of the uniform it is compared with. */
static normal_draw normal_slow(draw_src d, const zig_tables *z, const double *exp_table,
                               uint32_t k)
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
            y = fast_exp(-z->r * (x - 0.5 * z->r), exp_table) * u2;
        }
        if (y < fast_exp(-0.5 * x * x, exp_table)) {
            out.x = sign * x;
            break;
        }
        k = src_next(&d);
    }
    out.src = d;
    return out;
}

/* A normal variate from a scalar source (the GSL-path blocks). */
static inline double src_normal(draw_src *d, const zig_tables *z, const double *exp_table)
{
    uint32_t k = src_next(d);
    if (zig_is_fast(k, z))
        return zig_fast_value(k, z);
    normal_draw slow = normal_slow(*d, z, exp_table, k);
    *d = slow.src;
    return slow.x;
}

/* Builds the tables (see montecarlo.c for the construction). */
void mc_zig_init(zig_tables *z);
void mc_exp_table_init(double *table);

/* ---- Per-loss terms. ---- */

static inline double mc_pay_loss(double x, const ds_agg_terms *t)
{
    double excess = x - t->deductible;
    if (excess < 0.0)
        excess = 0.0;
    if (excess > t->limit)
        excess = t->limit;
    return t->coinsurance * excess;
}

/* ---- Kernels. ---- */

/* What the lognormal kernel computes for each word k: with z the normal of k,
 *   mode MC_NORMAL:           z
 *   mode MC_LOGNORMAL:        fast_exp(meanlog + sdlog * z)
 *   mode MC_LOGNORMAL_TERMS:  mc_pay_loss(fast_exp(meanlog + sdlog * z), terms) */
enum { MC_NORMAL = 0, MC_LOGNORMAL = 1, MC_LOGNORMAL_TERMS = 2 };

typedef struct mc_lognormal {
    const zig_tables *zig;
    const double *exp_table;
    double meanlog, sdlog;
    ds_agg_terms terms;
    int mode;
    /* |meanlog| + sdlog r < MC_EXP_MAX: every fast-path lane is in fast_exp's table range
     * (the fast path's |z| is below r), so SIMD kernels need not check it. */
    int is_exp_in_range;
} mc_lognormal;

/*
 * One ISA's kernels. Each advances the lanes by n_rounds rounds (n_rounds * MC_LANES words).
 *   words:      out[p] = word p.
 *   lognormal:  words[p] = word p, and out[p] = the value of word p in p->mode, except at
 *               the positions it lists in missed[] (ascending) and counts in its return value:
 *               those it left to mc_lognormal_finish (every ziggurat miss, and, unless
 *               p->is_exp_in_range, every lane outside fast_exp's table range). missed has room
 *               for n_rounds * MC_LANES + MC_LANES entries (a kernel may write whole vectors).
 *   exp:        out[i] = fast_exp(x[i]) for i < n (any n).
 *   year_sums:  out[i] = ((0.0 + x[s_i]) + x[s_i + 1]) + ... + x[s_i + c_i - 1] with
 *               c_i = counts[i], s_i = starts[i], for i < n: each year's losses added in draw
 *               order. x is readable (initialised) up to x[s_i + MC_SUM_SLOTS] for every i.
 */
#define MC_SUM_SLOTS 8
typedef struct mc_kernels {
    const char *name;
    void (*words)(uint32_t *out, size_t n_rounds, mc_lanes *lanes);
    size_t (*lognormal)(double *out, uint32_t *words, uint16_t *missed, size_t n_rounds,
                        mc_lanes *lanes, const mc_lognormal *p);
    void (*exp)(double *out, const double *x, size_t n, const double *table);
    void (*year_sums)(double *out, const double *x, const uint32_t *counts, const uint32_t *starts,
                      size_t n);
} mc_kernels;

/* Appends to missed[n..] the positions first + l of the lanes l whose bit is set in flags
 * (16 bits, ascending), without a branch (whether a round has a miss is a coin flip the
 * processor would mispredict); writes up to 16 entries. Returns the new count. */
static inline size_t mc_append_missed(uint16_t *missed, size_t n, unsigned flags, size_t first)
{
    for (unsigned l = 0; l < MC_LANES; l++) {
        missed[n] = (uint16_t)(first + l);
        n += (flags >> l) & 1u;
    }
    return n;
}

/* Finishes the n_missed (<= MC_CHUNK) positions a lognormal kernel listed, reading the
 * scalar stream src in an order fixed by the list (see mc_kernels.c). */
void mc_lognormal_finish(double *out, const uint32_t *words, const uint16_t *missed,
                         size_t n_missed, draw_src *src, const mc_lognormal *p,
                         const mc_kernels *kernels);

/* The kernels of the ISA in use (see ds_agg_mc_set_isa), and of each ISA. The SIMD tables are
 * NULL when not compiled in (not x86-64, or not GCC-compatible). */
const mc_kernels *mc_kernels_get(void);
extern const mc_kernels mc_kernels_scalar;
void mc_year_sums_scalar(double *out, const double *x, const uint32_t *counts,
                         const uint32_t *starts, size_t n);
extern const mc_kernels *const mc_kernels_avx2;
extern const mc_kernels *const mc_kernels_avx512;

/* The 64-bit key of block `block` of a run seeded with seed (splitmix64; see mc_kernels.c). */
uint64_t mc_block_key(uint64_t seed, uint64_t block);

/* Seeds the block's lanes and its scalar stream from (seed, block) (see mc_kernels.c). */
void mc_streams_seed(mc_lanes *lanes, draw_src *scalar, uint64_t seed, uint64_t block);

#endif
