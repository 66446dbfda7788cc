/*
 * mc_kernels.c: the Monte Carlo's portable sampling kernels, the choice of kernels at run time,
 * the seeding of a block's streams and the tables (see mc_core.h for what a kernel computes).
 *
 * Guarantee: the SIMD kernels (mc_avx2.c, mc_avx512.c) write exactly the words and doubles
 * the portable kernels here write, so a simulation's output depends on (seed, block) alone,
 * not on the CPU; tests force each kernel set in turn and compare bit for bit.
 *
 * Choice at run time: the best set the CPU supports, as __builtin_cpu_supports reads it from
 * CPUID (and the OS's saved register state), never an instruction the CPU may lack: valgrind,
 * which runs `dsure aggregate` in CI, emulates CPUID without AVX-512, and so gets AVX2. The
 * environment variable DSURE_MC_ISA (scalar, avx2, avx512) or ds_agg_mc_set_isa picks one.
 *
 * Seeding: stream s of block b starts from three 32-bit words of the splitmix64 sequence
 * (Steele, Lea and Flood 2014) keyed by (seed, b), so every stream has its own 88-bit state
 * (taus2's state space), where GSL's gsl_rng_set seeds taus2 from 32 bits only: with 17
 * streams a block and 1e5 blocks, 32-bit seeds would collide a few times, 88-bit states in
 * about 1e-15 of runs. The states obey taus2's constraints (s1 >= 2, s2 >= 8, s3 >= 16, as GSL
 * enforces them), and a test checks that each lane's words are gsl_rng_taus2's from that state.
 */
#include "actuarial/mc_core.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

/* ---------------------------------------------------------------------------------------- */
/* Tables.                                                                                   */

void mc_exp_table_init(double *table)
{
    for (int j = 0; j < EXP_N; j++)
        table[j] = exp2((double)j / EXP_N);
}

/*
 * The ziggurat's layers in GSL's form. The density under the layers is f(x) = exp(-x^2/2).
 * Layers 0..126 are the rectangles [0, x_{i+1}] x [f(x_{i+1}), f(x_i)] (x_0 = 0); layer 127 is
 * [0, r] x [0, f(r)] plus, beyond r, the exponential wedge exp(-r (x - r/2)) >= f(x) of area
 * f(r)/r (GSL's choice: its tail sampler rejects within that wedge and starts again), so
 * v = r f(r) + f(r)/r, drawn as the strip [0, v/f(r)] x [0, f(r)]. Equal areas fix x_i from
 * x_{i+1} (f(x_i) = f(x_{i+1}) + v/x_{i+1}) and r from f(x_0) = 1; r is found by bisection (it
 * comes out as GSL's 3.44428647676, and the tables as GSL's to the 12 digits GSL prints).
 */

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

void mc_zig_init(zig_tables *z)
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
/* Seeding.                                                                                  */

/* splitmix64's output function (Steele, Lea and Flood 2014): a bijective 64-bit mixer. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t mc_block_key(uint64_t seed, uint64_t block)
{
    /* The splitmix64 sequence started at mix64(seed), taken at position block + 1. */
    return mix64(mix64(seed) + (block + 1) * 0x9e3779b97f4a7c15ULL);
}

void ds_agg_mc_stream_state(uint32_t state[3], uint64_t seed, uint64_t block, unsigned stream)
{
    /* Positions 2s + 1 and 2s + 2 of a second splitmix64 sequence (another odd increment,
     * so that it is not the block keys' sequence) started at the block's key. */
    const uint64_t gamma = 0xd1b54a32d192ed03ULL;
    uint64_t key = mc_block_key(seed, block);
    uint64_t a = mix64(key + (2 * (uint64_t)stream + 1) * gamma);
    uint64_t b = mix64(key + (2 * (uint64_t)stream + 2) * gamma);
    state[0] = (uint32_t)a;
    state[1] = (uint32_t)(a >> 32);
    state[2] = (uint32_t)b;
    /* taus2's components need their significant bits not all zero (GSL rng/taus.c). */
    if (state[0] < 2)
        state[0] += 2;
    if (state[1] < 8)
        state[1] += 8;
    if (state[2] < 16)
        state[2] += 16;
}

void mc_streams_seed(mc_lanes *lanes, draw_src *scalar, uint64_t seed, uint64_t block)
{
    uint32_t st[3];
    for (unsigned l = 0; l < MC_LANES; l++) {
        ds_agg_mc_stream_state(st, seed, block, l);
        lanes->s1[l] = st[0];
        lanes->s2[l] = st[1];
        lanes->s3[l] = st[2];
    }
    ds_agg_mc_stream_state(st, seed, block, MC_LANES);
    scalar->s1 = st[0];
    scalar->s2 = st[1];
    scalar->s3 = st[2];
    scalar->rng = NULL;
    scalar->is_inline = 1;
}

/* ---------------------------------------------------------------------------------------- */
/* The portable kernels: the definition every other kernel reproduces.                       */

static void words_scalar(uint32_t *out, size_t n_rounds, mc_lanes *lanes)
{
    /* A local copy of the states, which the stores to out cannot alias, so that the compiler
     * keeps them in registers (or vectorises the round). */
    mc_lanes v = *lanes;
    for (size_t t = 0; t < n_rounds; t++) {
        for (unsigned l = 0; l < MC_LANES; l++)
            out[t * MC_LANES + l] = taus2_step(&v.s1[l], &v.s2[l], &v.s3[l]);
    }
    *lanes = v;
}

/* The words first (the lanes' states stay in registers a round at a time), then each
 * word's value; mode is a constant where this is inlined, so the loop has no switch. */
static inline size_t lognormal_words(double *out, uint32_t *words, uint16_t *missed,
                                     size_t n_rounds, mc_lanes *lanes, const mc_lognormal *p,
                                     int mode)
{
    words_scalar(words, n_rounds, lanes);
    const zig_tables *z = p->zig;
    size_t n_missed = 0;
    for (size_t at = 0; at < n_rounds * MC_LANES; at++) {
        uint32_t k = words[at];
        if (!zig_is_fast(k, z)) {
            missed[n_missed++] = (uint16_t)at;
            out[at] = 0.0;
            continue;
        }
        double v = zig_fast_value(k, z);
        if (mode != MC_NORMAL) {
            v = fast_exp(p->meanlog + p->sdlog * v, p->exp_table);
            if (mode == MC_LOGNORMAL_TERMS)
                v = mc_pay_loss(v, &p->terms);
        }
        out[at] = v;
    }
    return n_missed;
}

static size_t lognormal_scalar(double *out, uint32_t *words, uint16_t *missed, size_t n_rounds,
                               mc_lanes *lanes, const mc_lognormal *p)
{
    switch (p->mode) {
    case MC_NORMAL:
        return lognormal_words(out, words, missed, n_rounds, lanes, p, MC_NORMAL);
    case MC_LOGNORMAL:
        return lognormal_words(out, words, missed, n_rounds, lanes, p, MC_LOGNORMAL);
    default:
        return lognormal_words(out, words, missed, n_rounds, lanes, p, MC_LOGNORMAL_TERMS);
    }
}

static void exp_scalar(double *out, const double *x, size_t n, const double *table)
{
    for (size_t i = 0; i < n; i++)
        out[i] = fast_exp(x[i], table);
}

void mc_year_sums_scalar(double *out, const double *x, const uint32_t *counts,
                         const uint32_t *starts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const double *losses = x + starts[i];
        double sum = 0.0;
        for (uint32_t q = 0; q < counts[i]; q++)
            sum += losses[q];
        out[i] = sum;
    }
}

/*
 * mc_year_sums_scalar's sums without its data-dependent exit per year (mispredicted about once
 * a year): YEARS_BATCH years at a time, each loss is added to its year's sum in one flat loop
 * over the batch's losses, its year read from a table filled 8 entries a year without a branch
 * (the extra entries are overwritten by the next year). Each sum still starts at 0.0 and adds
 * the year's losses in draw order. A batch with too many losses takes the plain loop.
 */
#define YEARS_BATCH 256
#define BATCH_LOSSES 4096

static void year_sums_flat(double *out, const double *x, const uint32_t *counts,
                           const uint32_t *starts, size_t n)
{
    uint8_t owner[BATCH_LOSSES + 8];
    for (size_t first = 0; first < n; first += YEARS_BATCH) {
        size_t n_years = n - first < YEARS_BATCH ? n - first : YEARS_BATCH;
        size_t from = starts[first];
        size_t to = starts[first + n_years - 1] + counts[first + n_years - 1];
        if (to - from > BATCH_LOSSES) {
            mc_year_sums_scalar(out + first, x, counts + first, starts + first, n_years);
            continue;
        }
        for (size_t i = 0; i < n_years; i++) {
            size_t at = starts[first + i] - from;
            uint64_t pattern = (uint64_t)i * 0x0101010101010101ULL;
            memcpy(owner + at, &pattern, sizeof pattern);
            for (size_t q = 8; q < counts[first + i]; q++)
                owner[at + q] = (uint8_t)i;
            out[first + i] = 0.0;
        }
        double *sums = out + first;
        const double *losses = x + from;
        for (size_t p = 0; p < to - from; p++)
            sums[owner[p]] += losses[p];
    }
}

const mc_kernels mc_kernels_scalar = {"scalar", words_scalar, lognormal_scalar, exp_scalar,
                                      year_sums_flat};

/*
 * The ziggurat's misses, in three passes over the list, so that the common case runs without
 * a branch the processor cannot predict (whether a miss is accepted is nearly a coin flip:
 * 44% of misses are rejected), and exp runs in the kernels' SIMD lanes:
 *   1. each miss in order takes one uniform from the scalar stream and makes the first test
 *      of the slow path: a point of layer i < 127 outside the fast region is accepted when
 *      f(x_{i+1}) + (f(x_i) - f(x_{i+1})) u < f(x) (as normal_slow);
 *   2. in order, each miss that failed starts again: a rejected one draws a new normal from
 *      the scalar stream (the whole algorithm, src_normal); a miss of the base layer (the tail
 *      or the top of the base strip) goes through normal_slow from its word (its uniform of
 *      pass 1 goes unused);
 *   3. every miss's value from its normal.
 * Exact, as the sequential slow path: every test uses a fresh uniform, and a rejected point
 * starts the algorithm again from an independent word. The order in which the scalar stream
 * is read is fixed by the chunk's misses alone (lanes listed for exp's range read nothing),
 * so every kernel set gives the same values, provided chunks are cut the same way: the
 * callers always compute whole chunks of MC_CHUNK losses.
 */
void mc_lognormal_finish(double *out, const uint32_t *words, const uint16_t *missed,
                         size_t n_missed, draw_src *src, const mc_lognormal *p,
                         const mc_kernels *kernels)
{
    if (n_missed == 0)
        return;
    const zig_tables *z = p->zig;
    double normal[MC_CHUNK + MC_LANES], level[MC_CHUNK + MC_LANES];
    double arg[MC_CHUNK + MC_LANES], value[MC_CHUNK + MC_LANES];
    uint16_t again[MC_CHUNK + MC_LANES];
    draw_src d = *src;
    for (size_t m = 0; m < n_missed; m++) {
        uint32_t k = words[missed[m]];
        if (zig_is_fast(k, z)) {
            /* Not a miss: a lane a SIMD kernel left for exp's range; reads no uniform, and
             * passes the test below (level -1 < f). */
            normal[m] = zig_fast_value(k, z);
            level[m] = -1.0;
            arg[m] = 0.0;
            continue;
        }
        uint32_t i = k & 0x7f;
        int is_layer = i < ZIG_LAYERS - 1;
        uint32_t below = is_layer ? i + 1 : i;
        double x = (double)(k >> 8) * z->w[i];
        double y = z->y[below] + (z->y[i] - z->y[below]) * src_uniform(&d);
        level[m] = is_layer ? y : INFINITY; /* the base layer always goes to pass 2 */
        arg[m] = -0.5 * x * x;
        double sign = (k & 0x80) ? 1.0 : -1.0;
        normal[m] = sign * x;
    }
    kernels->exp(value, arg, n_missed, p->exp_table); /* f(x) = exp(-x^2/2) */
    size_t n_again = 0;
    for (size_t m = 0; m < n_missed; m++) {
        again[n_again] = (uint16_t)m;
        n_again += !(level[m] < value[m]);
    }
    for (size_t a = 0; a < n_again; a++) {
        size_t m = again[a];
        uint32_t k = words[missed[m]];
        if ((k & 0x7f) == ZIG_LAYERS - 1) {
            normal_draw slow = normal_slow(d, z, p->exp_table, k);
            d = slow.src;
            normal[m] = slow.x;
        } else {
            normal[m] = src_normal(&d, z, p->exp_table);
        }
    }
    *src = d;
    if (p->mode == MC_NORMAL) {
        for (size_t m = 0; m < n_missed; m++)
            out[missed[m]] = normal[m];
        return;
    }
    for (size_t m = 0; m < n_missed; m++)
        arg[m] = p->meanlog + p->sdlog * normal[m];
    kernels->exp(value, arg, n_missed, p->exp_table);
    for (size_t m = 0; m < n_missed; m++) {
        out[missed[m]] =
            p->mode == MC_LOGNORMAL_TERMS ? mc_pay_loss(value[m], &p->terms) : value[m];
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Choice at run time.                                                                       */

static const mc_kernels *kernels_of(ds_agg_isa isa)
{
    switch (isa) {
    case DS_AGG_ISA_SCALAR:
        return &mc_kernels_scalar;
    case DS_AGG_ISA_AVX2:
        return mc_kernels_avx2;
    case DS_AGG_ISA_AVX512:
        return mc_kernels_avx512;
    case DS_AGG_ISA_AUTO:
    default:
        return NULL;
    }
}

static int cpu_has(ds_agg_isa isa)
{
    if (isa == DS_AGG_ISA_SCALAR)
        return 1;
    if (!kernels_of(isa))
        return 0;
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (isa == DS_AGG_ISA_AVX2)
        return __builtin_cpu_supports("avx2") != 0;
    if (isa == DS_AGG_ISA_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt");
#endif
    return 0;
}

static ds_agg_isa default_isa;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static atomic_int forced_isa; /* DS_AGG_ISA_AUTO: none */

static void choose_default(void)
{
    const char *env = getenv("DSURE_MC_ISA");
    const ds_agg_isa named[] = {DS_AGG_ISA_SCALAR, DS_AGG_ISA_AVX2, DS_AGG_ISA_AVX512};
    default_isa = DS_AGG_ISA_AUTO;
    for (size_t i = 0; env && i < sizeof named / sizeof named[0]; i++) {
        if (strcmp(env, ds_agg_mc_isa_name(named[i])) == 0 && cpu_has(named[i]))
            default_isa = named[i];
    }
    if (default_isa != DS_AGG_ISA_AUTO)
        return;
    default_isa = cpu_has(DS_AGG_ISA_AVX512) ? DS_AGG_ISA_AVX512
                  : cpu_has(DS_AGG_ISA_AVX2) ? DS_AGG_ISA_AVX2
                                             : DS_AGG_ISA_SCALAR;
}

ds_agg_isa ds_agg_mc_isa(void)
{
    int forced = atomic_load(&forced_isa);
    if (forced != DS_AGG_ISA_AUTO)
        return (ds_agg_isa)forced;
    pthread_once(&default_once, choose_default);
    return default_isa;
}

int ds_agg_mc_set_isa(ds_agg_isa isa)
{
    if (isa != DS_AGG_ISA_AUTO && !cpu_has(isa))
        return DS_EINVAL;
    atomic_store(&forced_isa, (int)isa);
    return 0;
}

const char *ds_agg_mc_isa_name(ds_agg_isa isa)
{
    switch (isa) {
    case DS_AGG_ISA_SCALAR:
        return "scalar";
    case DS_AGG_ISA_AVX2:
        return "avx2";
    case DS_AGG_ISA_AVX512:
        return "avx512";
    case DS_AGG_ISA_AUTO:
    default:
        return "auto";
    }
}

const mc_kernels *mc_kernels_get(void)
{
    return kernels_of(ds_agg_mc_isa());
}

/* ---------------------------------------------------------------------------------------- */
/* Entry points for tests and benchmarks.                                                    */

double ds_agg_exp(double x)
{
    double table[EXP_N];
    mc_exp_table_init(table);
    return fast_exp(x, table);
}

void ds_agg_exp_fill(double *out, const double *x, size_t n)
{
    double table[EXP_N];
    mc_exp_table_init(table);
    mc_kernels_get()->exp(out, x, n, table);
}

int ds_agg_normal_fill(double *out, size_t n, uint64_t seed)
{
    zig_tables zig;
    mc_zig_init(&zig);
    mc_lognormal p;
    memset(&p, 0, sizeof p);
    double table[EXP_N];
    mc_exp_table_init(table);
    p.zig = &zig;
    p.exp_table = table;
    p.mode = MC_NORMAL;
    mc_lanes lanes;
    draw_src src;
    mc_streams_seed(&lanes, &src, seed, 0);
    const mc_kernels *k = mc_kernels_get();
    double buf[MC_CHUNK];
    uint32_t words[MC_CHUNK];
    uint16_t missed[MC_CHUNK + MC_LANES];
    for (size_t done = 0; done < n;) {
        size_t m = n - done < MC_CHUNK ? n - done : MC_CHUNK;
        /* A whole chunk even for the last values, so that n values are the first n of any
         * longer fill (see mc_lognormal_finish). */
        size_t n_missed = k->lognormal(buf, words, missed, MC_CHUNK / MC_LANES, &lanes, &p);
        mc_lognormal_finish(buf, words, missed, n_missed, &src, &p, k);
        memcpy(out + done, buf, m * sizeof *out);
        done += m;
    }
    return 0;
}

void ds_agg_mc_words(uint32_t *out, size_t n_rounds, uint64_t seed, uint64_t block)
{
    mc_lanes lanes;
    draw_src src;
    mc_streams_seed(&lanes, &src, seed, block);
    mc_kernels_get()->words(out, n_rounds, &lanes);
}
