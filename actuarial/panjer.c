/*
 * panjer.c: the aggregate loss distribution by the Panjer recursion (ds_agg_panjer).
 *
 * For a claim count in the (a, b, 0) class, P(N=k) = (a + b/k) P(N=k-1), and the discretised
 * payment f_j on the lattice {0, h, 2h, ...}, the compound probabilities g_k = P(S = k h) obey
 * (Panjer 1981; Klugman-Panjer-Willmot, Loss Models, theorem 9.8)
 *
 *     g_0 = P_N(f_0),   g_k = [1 / (1 - a f_0)] sum_{j=1..k} (a + b j/k) f_j g_(k-j).
 *
 * The recursion is exact: g_k depends on f_0 .. f_k only, so truncating the severity or
 * stopping early changes nothing below the last point. It runs until the mass left beyond the
 * last point is below the tail, with a hard cap of PANJER_MAX_POINTS (the error then names the
 * span). The binomial is run in the equivalent scaled form with a' = -1, b' = m + 1 and
 * 1 - a f_0 replaced by (1 - q)/q + f_0 (both sides multiplied by (1 - q)/q), which stays
 * finite for q -> 1 and also covers q = 1 (N = m surely). Its signed weights make it unstable
 * when a trial almost surely pays something ((1 - q) + q f_0 below 1e-3): that case is refused
 * with a pointer to the FFT, which has no such limit.
 *
 * Underflow: g_0 = exp(-lambda (1 - f_0)) underflows for lambda (1 - f_0) > 745. The
 * recursion is linear in g, so it is run on g scaled by e^(-log_scale): it starts at g_0 = 1
 * with log_scale = log P_N(f_0) when P_N(f_0) < 1e-250, and whenever a value passes 1e250 all
 * values so far are multiplied by 1e-250 (log_scale grows by 250 ln 10); the true g follow at
 * the end (values far below the largest underflow to 0, as they should).
 *
 * Speed: the O(n^2) work is one (Poisson, a = 0) or two dot products per point against the
 * severity stored reversed, so both operands run forwards; the kernel uses four 4-wide vector
 * accumulators and an AVX2 variant chosen at run time where the CPU has it.
 * Thread-safe.
 */
#include "actuarial/aggregate.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "actuarial/discretize.h"

/* Points the automatic span may plan for (about 60 ms of Poisson recursion, twice that for the
   others, on one core), and the hard cap (about 15 s). */
#define PANJER_BUDGET ((size_t)1 << 15)
#define PANJER_MAX_POINTS ((size_t)1 << 18)
#define PANJER_BINOMIAL_MIN_M0 1e-3
#define PANJER_RESCALE 1e250
#define PANJER_LOG_RESCALE (250 * 2.302585092994045684)

typedef double v4d __attribute__((vector_size(32)));
/* The same with element alignment: loads through it are unaligned vector loads (GCC vector
   types may alias their element type), direct even in unoptimised sanitizer builds. */
typedef double v4d_u __attribute__((vector_size(32), aligned(8)));
#define LOADV(p) (*(const v4d_u *)(p))

/* s1 = sum x_i y_i, s2 = sum x_i z_i, i < len. */
#define PANJER_DOT2_BODY                                                                        \
    v4d a0 = {0, 0, 0, 0}, a1 = a0, b0 = a0, b1 = a0;                                           \
    size_t i = 0;                                                                               \
    for (; i + 8 <= len; i += 8) {                                                              \
        v4d x0 = LOADV(x + i), x1 = LOADV(x + i + 4);                                           \
        a0 += x0 * LOADV(y + i);                                                                \
        a1 += x1 * LOADV(y + i + 4);                                                            \
        b0 += x0 * LOADV(z + i);                                                                \
        b1 += x1 * LOADV(z + i + 4);                                                            \
    }                                                                                           \
    v4d a = a0 + a1, b = b0 + b1;                                                               \
    double t1 = (a[0] + a[1]) + (a[2] + a[3]), t2 = (b[0] + b[1]) + (b[2] + b[3]);              \
    for (; i < len; i++) {                                                                      \
        t1 += x[i] * y[i];                                                                      \
        t2 += x[i] * z[i];                                                                      \
    }                                                                                           \
    *s1 = t1;                                                                                   \
    *s2 = t2;

/* s = sum x_i z_i (the Poisson case, a = 0). */
#define PANJER_DOT1_BODY                                                                        \
    v4d a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;                                           \
    size_t i = 0;                                                                               \
    for (; i + 16 <= len; i += 16) {                                                            \
        a0 += LOADV(x + i) * LOADV(z + i);                                                      \
        a1 += LOADV(x + i + 4) * LOADV(z + i + 4);                                              \
        a2 += LOADV(x + i + 8) * LOADV(z + i + 8);                                              \
        a3 += LOADV(x + i + 12) * LOADV(z + i + 12);                                            \
    }                                                                                           \
    v4d a = (a0 + a1) + (a2 + a3);                                                              \
    double t = (a[0] + a[1]) + (a[2] + a[3]);                                                   \
    for (; i < len; i++)                                                                        \
        t += x[i] * z[i];                                                                       \
    return t;

static void dot2_generic(const double *restrict x, const double *restrict y,
                         const double *restrict z, size_t len, double *s1, double *s2)
{
    PANJER_DOT2_BODY
}

static double dot1_generic(const double *restrict x, const double *restrict z, size_t len)
{
    PANJER_DOT1_BODY
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define PANJER_HAVE_AVX2 1
__attribute__((target("avx2"))) static void dot2_avx2(const double *restrict x,
                                                      const double *restrict y,
                                                      const double *restrict z, size_t len,
                                                      double *s1, double *s2)
{
    PANJER_DOT2_BODY
}

__attribute__((target("avx2"))) static double dot1_avx2(const double *restrict x,
                                                        const double *restrict z, size_t len)
{
    PANJER_DOT1_BODY
}
#endif

typedef struct panjer_kernel {
    void (*dot2)(const double *restrict, const double *restrict, const double *restrict,
                 size_t, double *, double *);
    double (*dot1)(const double *restrict, const double *restrict, size_t);
} panjer_kernel;

static panjer_kernel choose_kernel(void)
{
    panjer_kernel k = {dot2_generic, dot1_generic};
#ifdef PANJER_HAVE_AVX2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        k.dot2 = dot2_avx2;
        k.dot1 = dot1_avx2;
    }
#endif
    return k;
}


int ds_panjer_compound(double *g, size_t *points, double *tail_mass, const double *f, size_t n,
                       const ds_freq *freq, double tail, ds_error *err)
{
    *points = 0;
    *tail_mass = 1;
    if (n == 0)
        return DS_OK;
    /* Coefficients of g_k = (alpha S1 + (beta/k) S2) / denom, S1 = sum f_j g_(k-j),
       S2 = sum j f_j g_(k-j) (see top for the binomial's scaled form). */
    double f0 = f[0], alpha, beta, denom;
    if (freq->family == DS_FREQ_BINOMIAL) {
        if (freq->p == 0 || freq->n == 0) {
            alpha = beta = 0; /* N = 0 surely */
            denom = 1;
        } else {
            alpha = -1;
            beta = (double)freq->n + 1;
            denom = (1 - freq->p) / freq->p + f0;
            /* The binomial recursion has weights of both signs and is unstable (Panjer and
               Wang 1993) when P(no payment from one trial) = (1 - q) + q f_0 is small: its
               errors grow like that probability's inverse powers. Measured against the FFT
               (n = 20 and 200, gamma payments) it stays exact down to 1.8e-4 and fails at
               9e-5; below PANJER_BINOMIAL_MIN_M0 it is refused rather than wrong. */
            double m0 = freq->p * denom;
            if (!(m0 >= PANJER_BINOMIAL_MIN_M0))
                return ds_error_set(err, DS_EINVAL, "frequency.p",
                                    "the Panjer recursion is numerically unstable for this "
                                    "binomial: a trial pays nothing with probability %.3g < "
                                    "%g (p near 1 and no payment below span/2); use the fft "
                                    "method",
                                    m0, PANJER_BINOMIAL_MIN_M0);
        }
    } else {
        ds_freq_panjer_ab(freq, &alpha, &beta);
        denom = 1 - alpha * f0;
    }

    /* f and j f_j reversed, rf[n-1-j] = f_j, so that sum_(i<k) g_i f_(k-i) runs forwards in
       both operands: f_(k-i) = rf[n-1-k+i]. */
    double *rf = malloc(n * sizeof *rf), *rjf = malloc(n * sizeof *rjf);
    if (!rf || !rjf) {
        free(rf);
        free(rjf);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %zu lattice points", n);
    }
    for (size_t j = 0; j < n; j++) {
        rf[n - 1 - j] = f[j];
        rjf[n - 1 - j] = (double)j * f[j];
    }

    /* g_0 = P_N(f_0), scaled when it would underflow (see top). */
    double log_g0 = ds_disc_log_pgf(freq, f0), log_scale = 0;
    if (log_g0 < -PANJER_LOG_RESCALE) {
        g[0] = 1;
        log_scale = log_g0;
    } else {
        g[0] = exp(log_g0);
    }
    panjer_kernel kern = choose_kernel();
    double cum = g[0];
    size_t k = 1;
    for (; k < n; k++) {
        double mass = log_scale == 0 ? cum : exp(log(cum) + log_scale);
        if (tail > 0 && 1 - mass < tail)
            break;
        const double *x = rf + (n - 1 - k), *xj = rjf + (n - 1 - k);
        double s1 = 0, s2;
        if (alpha == 0)
            s2 = kern.dot1(g, xj, k);
        else
            kern.dot2(g, x, xj, k, &s1, &s2);
        double gk = (alpha * s1 + beta / (double)k * s2) / denom;
        if (!(gk > 0))
            gk = 0; /* the binomial's signed weights can cancel to -1e-300 */
        g[k] = gk;
        cum += gk;
        if (gk > PANJER_RESCALE) {
            for (size_t i = 0; i <= k; i++)
                g[i] /= PANJER_RESCALE;
            cum /= PANJER_RESCALE;
            log_scale += PANJER_LOG_RESCALE;
        }
    }
    free(rf);
    free(rjf);
    if (log_scale != 0) {
        cum = 0;
        for (size_t i = 0; i < k; i++) {
            g[i] = g[i] > 0 ? exp(log(g[i]) + log_scale) : 0.0;
            cum += g[i];
        }
    }
    *points = k;
    *tail_mass = fmax(1 - cum, 0.0);
    return DS_OK;
}

int ds_agg_panjer(ds_agg_result *out, const ds_agg_model *model, const ds_agg_options *opts,
                  ds_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double h, tail;
    size_t n_est;
    int rc = ds_disc_plan(&h, &n_est, &tail, model, opts, PANJER_BUDGET, PANJER_MAX_POINTS, err);
    if (rc)
        return rc;
    /* Room for the estimate and a quarter more; if the tail is not reached, twice as much and
       again (the recursion restarts: the work is then at most 4/3 of the last run). */
    size_t cap = n_est + n_est / 4;
    if (cap < 1024)
        cap = 1024;
    if (cap > PANJER_MAX_POINTS)
        cap = PANJER_MAX_POINTS;
    double *f = NULL, *g = NULL;
    size_t have_f = 0, points = 0;
    double tail_mass = 1;
    for (;;) {
        double *nf = realloc(f, cap * sizeof *f);
        if (nf)
            f = nf;
        double *ng = realloc(g, cap * sizeof *g);
        if (ng)
            g = ng;
        if (!nf || !ng) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %zu lattice points", cap);
            goto out;
        }
        ds_disc_rounding(f + have_f, have_f, cap - have_f, h, &model->sev, &model->terms);
        have_f = cap;
        rc = ds_panjer_compound(g, &points, &tail_mass, f, cap, &model->freq, tail, err);
        if (rc)
            goto out;
        if (tail_mass < tail)
            break;
        if (cap >= PANJER_MAX_POINTS) {
            rc = ds_error_set(err, DS_EINVAL, "span",
                              "%g is too small: %zu points leave %.3g beyond them, more than "
                              "the tail %g; use a larger span",
                              h, cap, tail_mass, tail);
            goto out;
        }
        cap = cap * 2 < PANJER_MAX_POINTS ? cap * 2 : PANJER_MAX_POINTS;
    }

    out->method = DS_AGG_PANJER;
    out->sims = 0;
    out->seed = 0;
    out->threads = 0;
    double y_m1, y_m2;
    ds_disc_lattice_moments(&y_m1, &y_m2, f, have_f, h, &model->sev, &model->terms);
    rc = ds_disc_summarise(out, g, points, h, tail_mass, y_m1, y_m2, model, err);
    if (rc)
        goto out;
    out->tilt = 0;
    out->elapsed_ms = ds_disc_elapsed_ms(&t0);
out:
    free(f);
    free(g);
    return rc;
}
