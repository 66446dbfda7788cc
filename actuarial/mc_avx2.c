/*
 * mc_avx2.c: the Monte Carlo's sampling kernels in AVX2 (see mc_core.h for what a kernel
 * computes, and mc_kernels.c for the portable definition they reproduce bit for bit).
 *
 * Only these functions are compiled for AVX2 (__attribute__((target("avx2"))), not "fma", so
 * no multiply-add is fused: every lane performs the portable code's IEEE operations in its
 * order), and they run only when mc_kernels.c found AVX2 on the CPU. The 16 lanes are two
 * 8 x 32-bit registers per taus2 component. A round's 16 words go through the ziggurat's fast
 * path (layer table by gather, abscissa j w[i], sign by xor), exp (fast_exp's steps, table by
 * gather) and the per-loss terms (compare and blend, as the portable code's two ifs); a lane
 * the fast path cannot finish (a ziggurat miss, 2.8%, or |y| >= 700 for exp) is listed and
 * finished by mc_lognormal_finish afterwards.
 */
#include "actuarial/mc_core.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) static inline

/* One taus2 step of 8 lanes (GSL rng/taus.c, as taus2_step). */
AVX2_INLINE __m256i step8(__m256i *s1, __m256i *s2, __m256i *s3)
{
    *s1 = _mm256_xor_si256(
        _mm256_slli_epi32(_mm256_and_si256(*s1, _mm256_set1_epi32((int)4294967294U)), 12),
        _mm256_srli_epi32(_mm256_xor_si256(_mm256_slli_epi32(*s1, 13), *s1), 19));
    *s2 = _mm256_xor_si256(
        _mm256_slli_epi32(_mm256_and_si256(*s2, _mm256_set1_epi32((int)4294967288U)), 4),
        _mm256_srli_epi32(_mm256_xor_si256(_mm256_slli_epi32(*s2, 2), *s2), 25));
    *s3 = _mm256_xor_si256(
        _mm256_slli_epi32(_mm256_and_si256(*s3, _mm256_set1_epi32((int)4294967280U)), 17),
        _mm256_srli_epi32(_mm256_xor_si256(_mm256_slli_epi32(*s3, 3), *s3), 11));
    return _mm256_xor_si256(_mm256_xor_si256(*s1, *s2), *s3);
}

typedef struct lanes8 {
    __m256i s1, s2, s3;
} lanes8;

AVX2_INLINE void load_lanes(lanes8 *v, const mc_lanes *l, unsigned first)
{
    v->s1 = _mm256_loadu_si256((const __m256i *)(l->s1 + first));
    v->s2 = _mm256_loadu_si256((const __m256i *)(l->s2 + first));
    v->s3 = _mm256_loadu_si256((const __m256i *)(l->s3 + first));
}

AVX2_INLINE void store_lanes(mc_lanes *l, const lanes8 *v, unsigned first)
{
    _mm256_storeu_si256((__m256i *)(l->s1 + first), v->s1);
    _mm256_storeu_si256((__m256i *)(l->s2 + first), v->s2);
    _mm256_storeu_si256((__m256i *)(l->s3 + first), v->s3);
}

AVX2 static void words_avx2(uint32_t *out, size_t n_rounds, mc_lanes *lanes)
{
    lanes8 a, b;
    load_lanes(&a, lanes, 0);
    load_lanes(&b, lanes, 8);
    for (size_t t = 0; t < n_rounds; t++) {
        __m256i ka = step8(&a.s1, &a.s2, &a.s3);
        __m256i kb = step8(&b.s1, &b.s2, &b.s3);
        _mm256_storeu_si256((__m256i *)(out + t * MC_LANES), ka);
        _mm256_storeu_si256((__m256i *)(out + t * MC_LANES + 8), kb);
    }
    store_lanes(lanes, &a, 0);
    store_lanes(lanes, &b, 8);
}

/* fast_exp's table path on 4 lanes, its operations in its order. */
AVX2_INLINE __m256d exp4(__m256d x, const double *table)
{
    __m256d shift = _mm256_set1_pd(MC_EXP_SHIFT);
    __m256d kd = _mm256_add_pd(_mm256_mul_pd(x, _mm256_set1_pd(MC_EXP_INV_LN2_N)), shift);
    __m256i ki = _mm256_castpd_si256(kd);
    kd = _mm256_sub_pd(kd, shift);
    __m256d r =
        _mm256_add_pd(_mm256_add_pd(x, _mm256_mul_pd(kd, _mm256_set1_pd(MC_EXP_NEG_LN2_HI_N))),
                      _mm256_mul_pd(kd, _mm256_set1_pd(MC_EXP_NEG_LN2_LO_N)));
    __m256i index = _mm256_and_si256(ki, _mm256_set1_epi64x(EXP_N - 1));
    __m256i entry = _mm256_castpd_si256(_mm256_i64gather_pd(table, index, 8));
    __m256d scale = _mm256_castsi256_pd(
        _mm256_add_epi64(entry, _mm256_slli_epi64(_mm256_srli_epi64(ki, EXP_BITS), 52)));
    __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2);
    __m256d low = _mm256_add_pd(
        r, _mm256_mul_pd(r2, _mm256_add_pd(_mm256_set1_pd(MC_EXP_C2),
                                           _mm256_mul_pd(r, _mm256_set1_pd(MC_EXP_C3)))));
    __m256d c45 =
        _mm256_add_pd(_mm256_set1_pd(MC_EXP_C4), _mm256_mul_pd(r, _mm256_set1_pd(MC_EXP_C5)));
    __m256d c67 =
        _mm256_add_pd(_mm256_set1_pd(MC_EXP_C6), _mm256_mul_pd(r, _mm256_set1_pd(MC_EXP_C7)));
    __m256d high = _mm256_mul_pd(r4, _mm256_add_pd(c45, _mm256_mul_pd(r2, c67)));
    __m256d expm1_r = _mm256_add_pd(low, high);
    return _mm256_add_pd(scale, _mm256_mul_pd(scale, expm1_r));
}

/* The lanes of x outside fast_exp's table range (|x| < 700 false, NaN included), as bits. */
AVX2_INLINE unsigned exp_out_of_range4(__m256d x)
{
    __m256d abs_x = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
    __m256d in = _mm256_cmp_pd(abs_x, _mm256_set1_pd(MC_EXP_MAX), _CMP_LT_OQ);
    return ~(unsigned)_mm256_movemask_pd(in) & 0xfu;
}

/* mc_pay_loss on 4 lanes: the two ifs as compare and blend. */
AVX2_INLINE __m256d pay4(__m256d x, const ds_agg_terms *t)
{
    __m256d limit = _mm256_set1_pd(t->limit), zero = _mm256_setzero_pd();
    __m256d excess = _mm256_sub_pd(x, _mm256_set1_pd(t->deductible));
    excess = _mm256_blendv_pd(excess, zero, _mm256_cmp_pd(excess, zero, _CMP_LT_OQ));
    excess = _mm256_blendv_pd(excess, limit, _mm256_cmp_pd(excess, limit, _CMP_GT_OQ));
    return _mm256_mul_pd(_mm256_set1_pd(t->coinsurance), excess);
}

/* The values of 4 words (their layer i and signed abscissa +-j as 32-bit lanes) into out;
 * returns the lanes to flag beyond the ziggurat's misses. */
AVX2_INLINE unsigned values4(double *out, __m128i i, __m128i signed_j, const mc_lognormal *p,
                             int mode)
{
    __m256d w = _mm256_i32gather_pd(p->zig->w, i, 8);
    __m256d z = _mm256_mul_pd(_mm256_cvtepi32_pd(signed_j), w); /* zig_fast_value */
    if (mode == MC_NORMAL) {
        _mm256_storeu_pd(out, z);
        return 0;
    }
    __m256d y =
        _mm256_add_pd(_mm256_set1_pd(p->meanlog), _mm256_mul_pd(_mm256_set1_pd(p->sdlog), z));
    __m256d v = exp4(y, p->exp_table);
    if (mode == MC_LOGNORMAL_TERMS)
        v = pay4(v, &p->terms);
    _mm256_storeu_pd(out, v);
    return p->is_exp_in_range ? 0 : exp_out_of_range4(y);
}

/* 8 lanes' words k into out[0..8); returns the flags of the 8 lanes. */
AVX2_INLINE unsigned values8(double *out, __m256i k, const mc_lognormal *p, int mode)
{
    __m256i i = _mm256_and_si256(k, _mm256_set1_epi32(0x7f));
    __m256i j = _mm256_srli_epi32(k, 8);
    __m256i bound = _mm256_i32gather_epi32((const int *)p->zig->k, i, 4);
    /* j and the bounds are below 2^24, so the signed compare is the unsigned one. */
    __m256i fast = _mm256_cmpgt_epi32(bound, j);
    unsigned flags = ~(unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(fast)) & 0xffu;
    /* +-j: _mm256_sign_epi32 negates j where (k & 0x80) - 0x40 < 0, that is bit 7 clear
     * (zig_fast_value). */
    __m256i signed_j =
        _mm256_sign_epi32(j, _mm256_sub_epi32(_mm256_and_si256(k, _mm256_set1_epi32(0x80)),
                                              _mm256_set1_epi32(0x40)));
    flags |= values4(out, _mm256_castsi256_si128(i), _mm256_castsi256_si128(signed_j), p, mode);
    flags |= values4(out + 4, _mm256_extracti128_si256(i, 1),
                     _mm256_extracti128_si256(signed_j, 1), p, mode)
             << 4;
    return flags;
}

AVX2_INLINE size_t lognormal_rounds(double *out, uint32_t *words, uint16_t *missed,
                                    size_t n_rounds, mc_lanes *lanes, const mc_lognormal *p,
                                    int mode)
{
    size_t n_missed = 0;
    lanes8 a, b;
    load_lanes(&a, lanes, 0);
    load_lanes(&b, lanes, 8);
    for (size_t t = 0; t < n_rounds; t++) {
        __m256i ka = step8(&a.s1, &a.s2, &a.s3);
        __m256i kb = step8(&b.s1, &b.s2, &b.s3);
        _mm256_storeu_si256((__m256i *)(words + t * MC_LANES), ka);
        _mm256_storeu_si256((__m256i *)(words + t * MC_LANES + 8), kb);
        unsigned fa = values8(out + t * MC_LANES, ka, p, mode);
        unsigned fb = values8(out + t * MC_LANES + 8, kb, p, mode);
        n_missed = mc_append_missed(missed, n_missed, fa | fb << 8, t * MC_LANES);
    }
    store_lanes(lanes, &a, 0);
    store_lanes(lanes, &b, 8);
    return n_missed;
}

AVX2 static size_t lognormal_avx2(double *out, uint32_t *words, uint16_t *missed, size_t n_rounds,
                                  mc_lanes *lanes, const mc_lognormal *p)
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

AVX2 static void exp_avx2(double *out, const double *x, size_t n, const double *table)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m256d v = _mm256_loadu_pd(x + i);
        _mm256_storeu_pd(out + i, exp4(v, table));
        unsigned outside = exp_out_of_range4(v);
        for (unsigned l = 0; outside; l++, outside >>= 1) {
            if (outside & 1u)
                out[i + l] = fast_exp(x[i + l], table);
        }
    }
    for (; i < n; i++)
        out[i] = fast_exp(x[i], table);
}

/* Slots q and q + 2 of 4 years from their rows r0..r3 (each 4 consecutive losses of a year):
 * the 4 x 4 transpose by unpack and 128-bit permutes. */
AVX2_INLINE void transpose4(__m256d r0, __m256d r1, __m256d r2, __m256d r3, __m256d *c)
{
    __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
    __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    c[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    c[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    c[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    c[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

/*
 * Each year's sum in draw order, 4 years at a time: the 8 slots from each year's first loss
 * transposed so that a register holds one slot of the 4 years, then added in slot order into
 * 0.0 where the year has more than q losses (the sum kept by a blend elsewhere): the portable
 * loop's additions in its order. Years with more than 8 losses are done by the portable loop.
 */
AVX2 static void year_sums_avx2(double *out, const double *x, const uint32_t *counts,
                                const uint32_t *starts, size_t n)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const double *y0 = x + starts[i], *y1 = x + starts[i + 1], *y2 = x + starts[i + 2],
                     *y3 = x + starts[i + 3];
        __m256d slot[MC_SUM_SLOTS];
        transpose4(_mm256_loadu_pd(y0), _mm256_loadu_pd(y1), _mm256_loadu_pd(y2),
                   _mm256_loadu_pd(y3), slot);
        transpose4(_mm256_loadu_pd(y0 + 4), _mm256_loadu_pd(y1 + 4), _mm256_loadu_pd(y2 + 4),
                   _mm256_loadu_pd(y3 + 4), slot + 4);
        /* Counts are below 2^31, so the signed 64-bit compare is the unsigned one. */
        __m256i count = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(counts + i)));
        __m256d sum = _mm256_setzero_pd();
#define ADD_SLOT(q)                                                                               \
    sum = _mm256_blendv_pd(sum, _mm256_add_pd(sum, slot[q]),                                      \
                           _mm256_castsi256_pd(_mm256_cmpgt_epi64(count, _mm256_set1_epi64x(q))))
        ADD_SLOT(0);
        ADD_SLOT(1);
        ADD_SLOT(2);
        ADD_SLOT(3);
        ADD_SLOT(4);
        ADD_SLOT(5);
        ADD_SLOT(6);
        ADD_SLOT(7);
#undef ADD_SLOT
        _mm256_storeu_pd(out + i, sum);
        unsigned more = (unsigned)_mm256_movemask_pd(
            _mm256_castsi256_pd(_mm256_cmpgt_epi64(count, _mm256_set1_epi64x(MC_SUM_SLOTS))));
        for (unsigned l = 0; more; l++, more >>= 1) {
            if (more & 1u)
                mc_year_sums_scalar(out + i + l, x, counts + i + l, starts + i + l, 1);
        }
    }
    mc_year_sums_scalar(out + i, x, counts + i, starts + i, n - i);
}

static const mc_kernels avx2_kernels = {"avx2", words_avx2, lognormal_avx2, exp_avx2,
                                        year_sums_avx2};
const mc_kernels *const mc_kernels_avx2 = &avx2_kernels;

#else

const mc_kernels *const mc_kernels_avx2 = NULL;

#endif
