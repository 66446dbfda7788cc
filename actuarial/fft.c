/*
 * fft.c: the aggregate loss distribution by the fast Fourier transform with exponential
 * tilting (ds_agg_fft), and the compound transform itself (ds_fft_compound), which the
 * automatic span also uses for its coarse passes.
 *
 * With the discretised payment f_k on the lattice {0, h, 2h, ...}, the compound distribution
 * has generating function G(z) = P_N(F(z)), F(z) = sum f_k z^k. A DFT of size n evaluates
 * these at z = e^(-2 pi i j / n), which returns the compound distribution aliased modulo n:
 * g_k + g_(k+n) + g_(k+2n) + ... Exponential tilting (Grubel and Hermesmeier 1999, Embrechts
 * and Frei 2009) evaluates them at z = e^(-theta) e^(-2 pi i j / n) instead: transform
 * f_k e^(-theta k), apply P_N, invert, multiply by e^(theta k); the aliased terms are then
 * damped by e^(-theta n m), m >= 1. We take theta n = 16 (damping 1.1e-7 of the mass beyond
 * n) and use only the first half of the transform, where round-off, about 1e-16 of the largest
 * probability, is amplified at most e^8 = 3e3 times: absolute errors stay near 1e-12 (this is
 * measured against the Panjer recursion in tests/actuarial/test_fft.c). The transform size is
 * a power of two at least twice the estimated number of points to the (1 - tail) quantile,
 * doubled until the lattice's first half holds all but `tail` of the mass.
 *
 * GSL's radix-2 real transforms work in place on the halfcomplex layout. Thread-safe.
 */
#include "actuarial/aggregate.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>

#include "actuarial/discretize.h"

#define FFT_TILT_TOTAL 16.0
#define FFT_MIN_POINTS 256
/* Largest transform: 2^22 doubles (32 MiB), about a second of work. */
#define FFT_MAX_POINTS ((size_t)1 << 22)
/* Points the automatic span may plan for up to the (1 - tail) quantile (transform 2^20). */
#define FFT_BUDGET ((size_t)1 << 19)

int ds_fft_compound(double *g, const double *f, size_t n, const ds_freq *freq, double theta,
                    ds_error *err)
{
    for (size_t k = 0; k < n; k++)
        g[k] = f[k] * exp(-theta * (double)k);
    if (gsl_fft_real_radix2_transform(g, 1, n) != GSL_SUCCESS)
        return ds_error_set(err, DS_EINTERNAL, NULL, "FFT of %zu points failed", n);
    /* Halfcomplex layout: g[0] and g[n/2] are real, g[j] + i g[n-j] for 0 < j < n/2. */
    g[0] = creal(ds_freq_pgf(freq, g[0]));
    g[n / 2] = creal(ds_freq_pgf(freq, g[n / 2]));
    for (size_t j = 1; j < n / 2; j++) {
        double complex v = ds_freq_pgf(freq, CMPLX(g[j], g[n - j]));
        g[j] = creal(v);
        g[n - j] = cimag(v);
    }
    if (gsl_fft_halfcomplex_radix2_inverse(g, 1, n) != GSL_SUCCESS)
        return ds_error_set(err, DS_EINTERNAL, NULL, "inverse FFT of %zu points failed", n);
    for (size_t k = 0; k < n; k++)
        g[k] *= exp(theta * (double)k);
    return DS_OK;
}

int ds_agg_fft(ds_agg_result *out, const ds_agg_model *model, const ds_agg_options *opts,
               ds_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double h, tail;
    size_t n_est;
    int rc = ds_disc_plan(&h, &n_est, &tail, model, opts, FFT_BUDGET, FFT_MAX_POINTS / 2, err);
    if (rc)
        return rc;
    size_t size = FFT_MIN_POINTS;
    while (size < 2 * n_est && size < FFT_MAX_POINTS)
        size *= 2;
    double *g = NULL;
    size_t points = 0;
    double tail_mass = 0, theta = 0, y_m1 = 0, y_m2 = 0;
    for (;;) {
        double *grown = realloc(g, size * sizeof *g);
        if (!grown) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory for an FFT of %zu points",
                              size);
            goto out;
        }
        g = grown;
        ds_disc_rounding(g, 0, size, h, &model->sev, &model->terms);
        ds_disc_lattice_moments(&y_m1, &y_m2, g, size, h, &model->sev, &model->terms);
        theta = FFT_TILT_TOTAL / (double)size;
        rc = ds_fft_compound(g, g, size, &model->freq, theta, err);
        if (rc)
            goto out;
        /* Stopping rule: the first point beyond which less than `tail` is left, in the first
           half of the transform. */
        double cum = 0;
        for (size_t k = 0; k < size / 2; k++) {
            cum += g[k] > 0 ? g[k] : 0.0;
            if (1 - cum < tail) {
                points = k + 1;
                tail_mass = fmax(1 - cum, 0.0);
                break;
            }
        }
        if (points)
            break;
        if (size >= FFT_MAX_POINTS) {
            rc = ds_error_set(err, DS_EINVAL, "span",
                              "%g is too small: %zu points leave more than the tail %g "
                              "beyond them; use a larger span",
                              h, size / 2, tail);
            goto out;
        }
        size *= 2;
    }

    out->method = DS_AGG_FFT;
    out->sims = 0;
    out->seed = 0;
    out->threads = 0;
    rc = ds_disc_summarise(out, g, points, h, tail_mass, y_m1, y_m2, model, err);
    if (rc)
        goto out;
    out->tilt = theta;
    out->elapsed_ms = ds_disc_elapsed_ms(&t0);
out:
    free(g);
    return rc;
}
