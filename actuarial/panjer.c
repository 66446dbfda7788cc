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
 * finite for q -> 1 and also covers q = 1 (N = m surely) when f_0 > 0.
 *
 * Underflow: g_0 = exp(-lambda (1 - f_0)) underflows for lambda (1 - f_0) > 745. The
 * recursion is linear in g, so it is run on g scaled by e^(-log_scale): it starts at g_0 = 1
 * with log_scale = log P_N(f_0) when P_N(f_0) < 1e-250, and whenever a value passes 1e250 all
 * values so far are multiplied by 1e-250 (log_scale grows by 250 ln 10); the true g follow at
 * the end (values far below the largest underflow to 0, as they should).
 *
 * Speed: the O(n^2) work is two dot products per point against the severity stored reversed,
 * so both operands run forwards; the kernel uses four 4-wide vector accumulators and an AVX2
 * variant chosen at run time where the CPU has it.
 * Thread-safe.
 */
#include "actuarial/aggregate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actuarial/discretize.h"

/* Points the automatic span may plan for (about 0.3 s of recursion), and the hard cap. */
#define PANJER_BUDGET ((size_t)1 << 15)
#define PANJER_MAX_POINTS ((size_t)1 << 18)
#define PANJER_RESCALE 1e250
#define PANJER_LOG_RESCALE (250 * 2.302585092994045684)

typedef double v4d __attribute__((vector_size(32)));

/* s1 = sum x_i y_i, s2 = sum x_i z_i, i < len. */
#define PANJER_DOT2_BODY                                                                        \
    v4d a0 = {0, 0, 0, 0}, a1 = a0, b0 = a0, b1 = a0;                                           \
    size_t i = 0;                                                                               \
    for (; i + 8 <= len; i += 8) {                                                              \
        v4d x0, x1, y0, y1, z0, z1;                                                             \
        memcpy(&x0, x + i, sizeof x0);                                                          \
        memcpy(&x1, x + i + 4, sizeof x1);                                                      \
        memcpy(&y0, y + i, sizeof y0);                                                          \
        memcpy(&y1, y + i + 4, sizeof y1);                                                      \
        memcpy(&z0, z + i, sizeof z0);                                                          \
        memcpy(&z1, z + i + 4, sizeof z1);                                                      \
        a0 += x0 * y0;                                                                          \
        a1 += x1 * y1;                                                                          \
        b0 += x0 * z0;                                                                          \
        b1 += x1 * z1;                                                                          \
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
        v4d x0, x1, x2, x3, z0, z1, z2, z3;                                                     \
        memcpy(&x0, x + i, sizeof x0);                                                          \
        memcpy(&x1, x + i + 4, sizeof x1);                                                      \
        memcpy(&x2, x + i + 8, sizeof x2);                                                      \
        memcpy(&x3, x + i + 12, sizeof x3);                                                     \
        memcpy(&z0, z + i, sizeof z0);                                                          \
        memcpy(&z1, z + i + 4, sizeof z1);                                                      \
        memcpy(&z2, z + i + 8, sizeof z2);                                                      \
        memcpy(&z3, z + i + 12, sizeof z3);                                                     \
        a0 += x0 * z0;                                                                          \
        a1 += x1 * z1;                                                                          \
        a2 += x2 * z2;                                                                          \
        a3 += x3 * z3;                                                                          \
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

/* The severity of the recursion: f and j f_j stored reversed (rf[c-1-j] = f_j) over a
 * capacity c that doubles as the lattice grows. */
typedef struct panjer_sev {
    size_t cap;
    double *f, *rf, *rjf;
} panjer_sev;

static void panjer_sev_clear(panjer_sev *s)
{
    free(s->f);
    free(s->rf);
    free(s->rjf);
    memset(s, 0, sizeof *s);
}

static int panjer_sev_grow(panjer_sev *s, size_t cap, double h, const ds_agg_model *model,
                           ds_error *err)
{
    double *f = realloc(s->f, cap * sizeof *f);
    if (f)
        s->f = f;
    double *rf = realloc(s->rf, cap * sizeof *rf);
    if (rf)
        s->rf = rf;
    double *rjf = realloc(s->rjf, cap * sizeof *rjf);
    if (rjf)
        s->rjf = rjf;
    if (!f || !rf || !rjf)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %zu lattice points", cap);
    ds_disc_rounding(s->f + s->cap, s->cap, cap - s->cap, h, &model->sev, &model->terms);
    s->cap = cap;
    for (size_t j = 0; j < cap; j++) {
        s->rf[cap - 1 - j] = s->f[j];
        s->rjf[cap - 1 - j] = (double)j * s->f[j];
    }
    return DS_OK;
}

static double elapsed_ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int ds_agg_panjer(ds_agg_result *out, const ds_agg_model *model, const ds_agg_options *opts,
                  ds_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = ds_agg_model_validate(model, err);
    if (rc)
        return rc;
    rc = ds_disc_check_options(opts, err);
    if (rc)
        return rc;
    const ds_freq *freq = &model->freq;
    double tail = opts->tail > 0 ? opts->tail : ds_disc_default_tail(&model->measures);

    double h = opts->span;
    size_t n_est = 1024;
    if (h == 0) {
        rc = ds_disc_auto_span(&h, &n_est, model, tail, PANJER_BUDGET, err);
        if (rc)
            return rc;
    }

    panjer_sev sev = {0, NULL, NULL, NULL};
    double *g = NULL;
    size_t cap = 1024;
    while (cap < n_est + n_est / 4 && cap < PANJER_MAX_POINTS)
        cap *= 2;
    rc = panjer_sev_grow(&sev, cap, h, model, err);
    if (rc)
        goto out;
    g = malloc(cap * sizeof *g);
    if (!g) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %zu lattice points", cap);
        goto out;
    }

    /* Coefficients of g_k = (alpha S1 + (beta/k) S2) / denom, S1 = sum f_j g_(k-j),
       S2 = sum j f_j g_(k-j). */
    double f0 = sev.f[0], alpha, beta, denom;
    if (freq->family == DS_FREQ_BINOMIAL) {
        alpha = -1;
        beta = (double)freq->n + 1;
        denom = (1 - freq->p) / freq->p + f0;
        if (freq->p == 0 || freq->n == 0)
            alpha = beta = 0, denom = 1; /* N = 0 surely */
        else if (!(denom > 0)) {
            rc = ds_error_set(err, DS_EINVAL, "frequency.p",
                              "the Panjer recursion for a binomial with p = 1 needs payments "
                              "below span/2 with positive probability; use the fft method");
            goto out;
        }
    } else {
        ds_freq_panjer_ab(freq, &alpha, &beta);
        denom = 1 - alpha * f0;
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
    size_t n = 0;
    for (size_t k = 1;; k++) {
        double mass = log_scale == 0 ? cum : exp(log(cum) + log_scale);
        if (1 - mass < tail) {
            n = k;
            break;
        }
        if (k >= sev.cap) {
            if (sev.cap >= PANJER_MAX_POINTS) {
                rc = ds_error_set(err, DS_EINVAL, "span",
                                  "%g is too small: %zu points leave %.3g beyond them, more "
                                  "than the tail %g; use a larger span",
                                  h, sev.cap, 1 - mass, tail);
                goto out;
            }
            rc = panjer_sev_grow(&sev, 2 * sev.cap, h, model, err);
            if (rc)
                goto out;
            double *grown = realloc(g, sev.cap * sizeof *g);
            if (!grown) {
                rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %zu lattice points",
                                  sev.cap);
                goto out;
            }
            g = grown;
        }
        /* f_(k-i) = rf[cap-1-k+i]: sum over i < k of g_i f_(k-i) runs forwards in both. */
        const double *rf = sev.rf + (sev.cap - 1 - k), *rjf = sev.rjf + (sev.cap - 1 - k);
        double s1 = 0, s2;
        if (alpha == 0)
            s2 = kern.dot1(g, rjf, k);
        else
            kern.dot2(g, rf, rjf, k, &s1, &s2);
        double gk = (alpha * s1 + beta / (double)k * s2) / denom;
        if (!(gk > 0))
            gk = 0; /* binomial: cancellation can leave -1e-300 */
        g[k] = gk;
        cum += gk;
        if (gk > PANJER_RESCALE) {
            for (size_t i = 0; i <= k; i++)
                g[i] /= PANJER_RESCALE;
            cum /= PANJER_RESCALE;
            log_scale += PANJER_LOG_RESCALE;
        }
    }
    if (log_scale != 0) {
        cum = 0;
        for (size_t k = 0; k < n; k++) {
            g[k] = g[k] > 0 ? exp(log(g[k]) + log_scale) : 0.0;
            cum += g[k];
        }
    }

    out->method = DS_AGG_PANJER;
    out->sims = 0;
    out->seed = 0;
    out->threads = 0;
    rc = ds_disc_summarise(out, g, n, h, fmax(1 - cum, 0.0), model, err);
    if (rc)
        goto out;
    out->tilt = 0;
    out->elapsed_ms = elapsed_ms_since(&t0);
out:
    free(g);
    panjer_sev_clear(&sev);
    return rc;
}
