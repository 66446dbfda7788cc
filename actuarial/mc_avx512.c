/*
 * mc_avx512.c: the Monte Carlo's sampling kernels in AVX-512F (see mc_core.h for what a kernel
 * computes, and mc_kernels.c for the portable definition they reproduce bit for bit).
 *
 * Only these functions are compiled for AVX-512F (__attribute__((target("avx512f"))), which
 * does not fuse multiply-adds: every lane performs the portable code's IEEE operations in its
 * order), and they run only when mc_kernels.c found AVX-512F on the CPU (valgrind, which runs
 * `dsure aggregate` in CI, hides it and gets the AVX2 kernels). One register holds a taus2
 * component of all 16 lanes; the rest is mc_avx2.c's computation on 8 doubles at a time, with
 * mask registers for the compares. Gathers were the loop's bottleneck, so two of the three
 * table lookups are permutations of tables held in registers: the ziggurat's 128 acceptance
 * bounds (8 registers, 4 two-register permutations and 3 blends for 16 lanes) and fast_exp's
 * 16 entries (2 registers, one permutation for 8 lanes); only the layers' abscissa scales
 * (128 doubles) are gathered. Ziggurat misses are listed by compressing their positions.
 */
#include "actuarial/mc_core.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f,popcnt")))
#define AVX512_INLINE __attribute__((target("avx512f,popcnt"), always_inline)) static inline

/* One taus2 step of the 16 lanes (GSL rng/taus.c, as taus2_step). */
AVX512_INLINE __m512i step16(__m512i *s1, __m512i *s2, __m512i *s3)
{
    *s1 = _mm512_xor_si512(
        _mm512_slli_epi32(_mm512_and_si512(*s1, _mm512_set1_epi32((int)4294967294U)), 12),
        _mm512_srli_epi32(_mm512_xor_si512(_mm512_slli_epi32(*s1, 13), *s1), 19));
    *s2 = _mm512_xor_si512(
        _mm512_slli_epi32(_mm512_and_si512(*s2, _mm512_set1_epi32((int)4294967288U)), 4),
        _mm512_srli_epi32(_mm512_xor_si512(_mm512_slli_epi32(*s2, 2), *s2), 25));
    *s3 = _mm512_xor_si512(
        _mm512_slli_epi32(_mm512_and_si512(*s3, _mm512_set1_epi32((int)4294967280U)), 17),
        _mm512_srli_epi32(_mm512_xor_si512(_mm512_slli_epi32(*s3, 3), *s3), 11));
    return _mm512_xor_si512(_mm512_xor_si512(*s1, *s2), *s3);
}

AVX512 static void words_avx512(uint32_t *out, size_t n_rounds, mc_lanes *lanes)
{
    __m512i s1 = _mm512_loadu_si512(lanes->s1), s2 = _mm512_loadu_si512(lanes->s2),
            s3 = _mm512_loadu_si512(lanes->s3);
    for (size_t t = 0; t < n_rounds; t++)
        _mm512_storeu_si512(out + t * MC_LANES, step16(&s1, &s2, &s3));
    _mm512_storeu_si512(lanes->s1, s1);
    _mm512_storeu_si512(lanes->s2, s2);
    _mm512_storeu_si512(lanes->s3, s3);
}

/* fast_exp's table path on 8 lanes, its operations in its order; the table is t0 (entries
 * 0..7) and t1 (8..15). */
AVX512_INLINE __m512d exp8(__m512d x, __m512d t0, __m512d t1)
{
    __m512d shift = _mm512_set1_pd(MC_EXP_SHIFT);
    __m512d kd = _mm512_add_pd(_mm512_mul_pd(x, _mm512_set1_pd(MC_EXP_INV_LN2_N)), shift);
    __m512i ki = _mm512_castpd_si512(kd);
    kd = _mm512_sub_pd(kd, shift);
    __m512d r =
        _mm512_add_pd(_mm512_add_pd(x, _mm512_mul_pd(kd, _mm512_set1_pd(MC_EXP_NEG_LN2_HI_N))),
                      _mm512_mul_pd(kd, _mm512_set1_pd(MC_EXP_NEG_LN2_LO_N)));
    /* The permutation reads the low 4 bits of each index: ki mod 16, the entry. */
    __m512i entry = _mm512_castpd_si512(_mm512_permutex2var_pd(t0, ki, t1));
    __m512d scale = _mm512_castsi512_pd(
        _mm512_add_epi64(entry, _mm512_slli_epi64(_mm512_srli_epi64(ki, EXP_BITS), 52)));
    __m512d r2 = _mm512_mul_pd(r, r), r4 = _mm512_mul_pd(r2, r2);
    __m512d low = _mm512_add_pd(
        r, _mm512_mul_pd(r2, _mm512_add_pd(_mm512_set1_pd(MC_EXP_C2),
                                           _mm512_mul_pd(r, _mm512_set1_pd(MC_EXP_C3)))));
    __m512d c45 =
        _mm512_add_pd(_mm512_set1_pd(MC_EXP_C4), _mm512_mul_pd(r, _mm512_set1_pd(MC_EXP_C5)));
    __m512d c67 =
        _mm512_add_pd(_mm512_set1_pd(MC_EXP_C6), _mm512_mul_pd(r, _mm512_set1_pd(MC_EXP_C7)));
    __m512d high = _mm512_mul_pd(r4, _mm512_add_pd(c45, _mm512_mul_pd(r2, c67)));
    __m512d expm1_r = _mm512_add_pd(low, high);
    return _mm512_add_pd(scale, _mm512_mul_pd(scale, expm1_r));
}

/* The lanes of x outside fast_exp's table range (|x| < 700 false, NaN included), as bits. */
AVX512_INLINE unsigned exp_out_of_range8(__m512d x)
{
    __m512i magnitude =
        _mm512_and_si512(_mm512_castpd_si512(x), _mm512_set1_epi64(0x7fffffffffffffffLL));
    __mmask8 in =
        _mm512_cmp_pd_mask(_mm512_castsi512_pd(magnitude), _mm512_set1_pd(MC_EXP_MAX), _CMP_LT_OQ);
    return ~(unsigned)in & 0xffu;
}

/* mc_pay_loss on 8 lanes: the two ifs as compare and blend. */
AVX512_INLINE __m512d pay8(__m512d x, const ds_agg_terms *t)
{
    __m512d limit = _mm512_set1_pd(t->limit), zero = _mm512_setzero_pd();
    __m512d excess = _mm512_sub_pd(x, _mm512_set1_pd(t->deductible));
    excess = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(excess, zero, _CMP_LT_OQ), excess, zero);
    excess = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(excess, limit, _CMP_GT_OQ), excess, limit);
    return _mm512_mul_pd(_mm512_set1_pd(t->coinsurance), excess);
}

/* The values of 8 words (their layer i and signed abscissa +-j as 32-bit lanes) into out;
 * returns the lanes to flag beyond the ziggurat's misses. */
AVX512_INLINE unsigned values8(double *out, __m256i i, __m256i signed_j, const mc_lognormal *p,
                               __m512d t0, __m512d t1, int mode)
{
    __m512d w = _mm512_i32gather_pd(i, p->zig->w, 8);
    __m512d z = _mm512_mul_pd(_mm512_cvtepi32_pd(signed_j), w); /* zig_fast_value */
    if (mode == MC_NORMAL) {
        _mm512_storeu_pd(out, z);
        return 0;
    }
    __m512d y =
        _mm512_add_pd(_mm512_set1_pd(p->meanlog), _mm512_mul_pd(_mm512_set1_pd(p->sdlog), z));
    __m512d v = exp8(y, t0, t1);
    if (mode == MC_LOGNORMAL_TERMS)
        v = pay8(v, &p->terms);
    _mm512_storeu_pd(out, v);
    return p->is_exp_in_range ? 0 : exp_out_of_range8(y);
}

/* The ziggurat's acceptance bound of each lane's layer, k's low 7 bits: bounds[m] holds
 * layers 16m..16m+15; a permutation reads an index's low 5 bits (one of 32 layers in a
 * register pair), bits 5 and 6 choose the pair. */
AVX512_INLINE __m512i bound16(__m512i k, const __m512i *bounds)
{
    __m512i b0 = _mm512_permutex2var_epi32(bounds[0], k, bounds[1]);
    __m512i b1 = _mm512_permutex2var_epi32(bounds[2], k, bounds[3]);
    __m512i b2 = _mm512_permutex2var_epi32(bounds[4], k, bounds[5]);
    __m512i b3 = _mm512_permutex2var_epi32(bounds[6], k, bounds[7]);
    __mmask16 bit5 = _mm512_test_epi32_mask(k, _mm512_set1_epi32(32));
    __mmask16 bit6 = _mm512_test_epi32_mask(k, _mm512_set1_epi32(64));
    return _mm512_mask_blend_epi32(bit6, _mm512_mask_blend_epi32(bit5, b0, b1),
                                   _mm512_mask_blend_epi32(bit5, b2, b3));
}

AVX512_INLINE size_t lognormal_rounds(double *out, uint32_t *words, uint16_t *missed,
                                      size_t n_rounds, mc_lanes *lanes, const mc_lognormal *p,
                                      int mode)
{
    __m512i s1 = _mm512_loadu_si512(lanes->s1), s2 = _mm512_loadu_si512(lanes->s2),
            s3 = _mm512_loadu_si512(lanes->s3);
    __m512i bounds[ZIG_LAYERS / 16];
    for (int m = 0; m < ZIG_LAYERS / 16; m++)
        bounds[m] = _mm512_loadu_si512(p->zig->k + 16 * m);
    __m512d t0 = _mm512_loadu_pd(p->exp_table), t1 = _mm512_loadu_pd(p->exp_table + 8);
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    size_t n_missed = 0;
    for (size_t t = 0; t < n_rounds; t++) {
        __m512i k = step16(&s1, &s2, &s3);
        _mm512_storeu_si512(words + t * MC_LANES, k);
        __m512i i = _mm512_and_si512(k, _mm512_set1_epi32(0x7f));
        __m512i j = _mm512_srli_epi32(k, 8);
        /* j and the bounds are below 2^24, so the signed compare is the unsigned one. */
        unsigned fast = _mm512_cmpgt_epi32_mask(bound16(k, bounds), j);
        unsigned f = ~fast & 0xffffu;
        /* +-j: bit 7 set keeps j, clear negates it (zig_fast_value). */
        __mmask16 positive = _mm512_test_epi32_mask(k, _mm512_set1_epi32(0x80));
        __m512i signed_j =
            _mm512_mask_blend_epi32(positive, _mm512_sub_epi32(_mm512_setzero_si512(), j), j);
        f |= values8(out + t * MC_LANES, _mm512_castsi512_si256(i),
                     _mm512_castsi512_si256(signed_j), p, t0, t1, mode);
        f |= values8(out + t * MC_LANES + 8, _mm512_extracti64x4_epi64(i, 1),
                     _mm512_extracti64x4_epi64(signed_j, 1), p, t0, t1, mode)
             << 8;
        /* The flagged lanes' positions, packed in order, as 16-bit entries. */
        __m512i at = _mm512_add_epi32(lane, _mm512_set1_epi32((int)(t * MC_LANES)));
        __m256i packed = _mm512_cvtepi32_epi16(_mm512_maskz_compress_epi32((__mmask16)f, at));
        _mm256_storeu_si256((__m256i *)(missed + n_missed), packed);
        n_missed += (size_t)_mm_popcnt_u32(f);
    }
    _mm512_storeu_si512(lanes->s1, s1);
    _mm512_storeu_si512(lanes->s2, s2);
    _mm512_storeu_si512(lanes->s3, s3);
    return n_missed;
}

AVX512 static size_t lognormal_avx512(double *out, uint32_t *words, uint16_t *missed,
                                      size_t n_rounds, mc_lanes *lanes, const mc_lognormal *p)
{
    switch (p->mode) {
    case MC_NORMAL:
        return lognormal_rounds(out, words, missed, n_rounds, lanes, p, MC_NORMAL);
    case MC_LOGNORMAL:
        return lognormal_rounds(out, words, missed, n_rounds, lanes, p, MC_LOGNORMAL);
    default:
        return lognormal_rounds(out, words, missed, n_rounds, lanes, p, MC_LOGNORMAL_TERMS);
    }
}

AVX512 static void exp_avx512(double *out, const double *x, size_t n, const double *table)
{
    __m512d t0 = _mm512_loadu_pd(table), t1 = _mm512_loadu_pd(table + 8);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512d v = _mm512_loadu_pd(x + i);
        _mm512_storeu_pd(out + i, exp8(v, t0, t1));
        unsigned outside = exp_out_of_range8(v);
        for (unsigned l = 0; outside; l++, outside >>= 1) {
            if (outside & 1u)
                out[i + l] = fast_exp(x[i + l], table);
        }
    }
    for (; i < n; i++)
        out[i] = fast_exp(x[i], table);
}

/*
 * Each year's sum in draw order, 8 years at a time: the 8 slots from each year's first loss
 * (a register per year), transposed so that register q holds slot q of the 8 years, then added
 * in slot order into 0.0 in the lanes whose year has more than q losses (a masked add leaves
 * the others as they are). The additions are those of the portable loop, in its order. Years
 * with more than 8 losses are done by the portable loop.
 */
AVX512 static void year_sums_avx512(double *out, const double *x, const uint32_t *counts,
                                    const uint32_t *starts, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512d r0 = _mm512_loadu_pd(x + starts[i]), r1 = _mm512_loadu_pd(x + starts[i + 1]),
                r2 = _mm512_loadu_pd(x + starts[i + 2]), r3 = _mm512_loadu_pd(x + starts[i + 3]),
                r4 = _mm512_loadu_pd(x + starts[i + 4]), r5 = _mm512_loadu_pd(x + starts[i + 5]),
                r6 = _mm512_loadu_pd(x + starts[i + 6]), r7 = _mm512_loadu_pd(x + starts[i + 7]);
        __m512d t0 = _mm512_unpacklo_pd(r0, r1), t1 = _mm512_unpackhi_pd(r0, r1),
                t2 = _mm512_unpacklo_pd(r2, r3), t3 = _mm512_unpackhi_pd(r2, r3),
                t4 = _mm512_unpacklo_pd(r4, r5), t5 = _mm512_unpackhi_pd(r4, r5),
                t6 = _mm512_unpacklo_pd(r6, r7), t7 = _mm512_unpackhi_pd(r6, r7);
        __m512d u0 = _mm512_shuffle_f64x2(t0, t2, 0x88), u1 = _mm512_shuffle_f64x2(t1, t3, 0x88),
                u2 = _mm512_shuffle_f64x2(t0, t2, 0xdd), u3 = _mm512_shuffle_f64x2(t1, t3, 0xdd),
                u4 = _mm512_shuffle_f64x2(t4, t6, 0x88), u5 = _mm512_shuffle_f64x2(t5, t7, 0x88),
                u6 = _mm512_shuffle_f64x2(t4, t6, 0xdd), u7 = _mm512_shuffle_f64x2(t5, t7, 0xdd);
        __m512d s0 = _mm512_shuffle_f64x2(u0, u4, 0x88), s1 = _mm512_shuffle_f64x2(u1, u5, 0x88),
                s2 = _mm512_shuffle_f64x2(u2, u6, 0x88), s3 = _mm512_shuffle_f64x2(u3, u7, 0x88),
                s4 = _mm512_shuffle_f64x2(u0, u4, 0xdd), s5 = _mm512_shuffle_f64x2(u1, u5, 0xdd),
                s6 = _mm512_shuffle_f64x2(u2, u6, 0xdd), s7 = _mm512_shuffle_f64x2(u3, u7, 0xdd);
        __m512i count = _mm512_cvtepu32_epi64(_mm256_loadu_si256((const __m256i *)(counts + i)));
        __m512d sum = _mm512_setzero_pd();
#define ADD_SLOT(q, slot)                                                                         \
    sum = _mm512_mask_add_pd(sum, _mm512_cmpgt_epu64_mask(count, _mm512_set1_epi64(q)), sum, slot)
        ADD_SLOT(0, s0);
        ADD_SLOT(1, s1);
        ADD_SLOT(2, s2);
        ADD_SLOT(3, s3);
        ADD_SLOT(4, s4);
        ADD_SLOT(5, s5);
        ADD_SLOT(6, s6);
        ADD_SLOT(7, s7);
#undef ADD_SLOT
        _mm512_storeu_pd(out + i, sum);
        unsigned more = _mm512_cmpgt_epu64_mask(count, _mm512_set1_epi64(MC_SUM_SLOTS));
        for (unsigned l = 0; more; l++, more >>= 1) {
            if (more & 1u)
                mc_year_sums_scalar(out + i + l, x, counts + i + l, starts + i + l, 1);
        }
    }
    mc_year_sums_scalar(out + i, x, counts + i, starts + i, n - i);
}

static const mc_kernels avx512_kernels = {"avx512", words_avx512, lognormal_avx512, exp_avx512,
                                          year_sums_avx512};
const mc_kernels *const mc_kernels_avx512 = &avx512_kernels;

#else

const mc_kernels *const mc_kernels_avx512 = NULL;

#endif
