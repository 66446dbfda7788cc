/*
 * fit.h: maximum-likelihood fitting of frequency and severity models to loss experience.
 *
 * Severity (losses x_1..x_n, optionally left-truncated at d: losses below d were never
 * reported, so every likelihood is the truncated one, sum log f(x_i) - n log S(d), and the
 * estimate describes the ground-up distribution):
 *   lognormal    closed form when d = 0, Nelder-Mead on (meanlog, log sdlog) otherwise
 *   exponential  closed form, rate = 1 / (mean(x) - d) (memorylessness makes d harmless)
 *   gamma        profile likelihood in the shape when d = 0, Nelder-Mead otherwise
 *   weibull      profile likelihood in the shape (the scale has a closed form given the shape,
 *                with or without truncation)
 *   pareto       Lomax; profile likelihood in the scale (the shape has a closed form given it)
 *   gpd          peaks over threshold: fitted to the exceedances over a threshold u with mu = u;
 *                its log-likelihood is over the exceedances only, so it does not compete for
 *                "best" with the families fitted to all the losses.
 * Standard errors come from the observed information, the negative Hessian of the log-likelihood
 * at the estimate computed by central differences and inverted by Cholesky; when it is not
 * positive definite the standard errors are NAN (reported as null).
 *
 * Frequency (annual counts c_1..c_Y): poisson (lambda = mean) and negbin (mu = mean, size by
 * profile likelihood). When the sample variance (divisor Y) does not exceed the mean the negbin
 * likelihood increases all the way to the Poisson limit (Anscombe 1950): the fit is then flagged
 * is_boundary with size = INFINITY instead of failing.
 *
 * All functions are pure and thread-safe; they allocate only temporaries they free.
 * References: Klugman, Panjer, Willmot, "Loss Models", 5th ed., chapters on maximum likelihood
 * (truncated data, variance of the MLE); Hosking and Wallis (1987) for the GPD starting values;
 * Anscombe (1950) for the negbin MLE's existence.
 */
#ifndef DS_ACTUARIAL_FIT_H
#define DS_ACTUARIAL_FIT_H

#include <stddef.h>

#include "actuarial/error.h"
#include "actuarial/frequency.h"
#include "actuarial/severity.h"

#define DS_FIT_MAX_PARAMS 3

/* One fitted severity candidate. */
typedef struct ds_sev_fit {
    ds_sev sev;             /* the fitted distribution (gpd: mu = threshold) */
    int n_params;           /* free parameters k (gpd: 2, mu is fixed at the threshold) */
    const char *names[DS_FIT_MAX_PARAMS];  /* parameter names as in JSON, static strings */
    double params[DS_FIT_MAX_PARAMS];
    double stderr_[DS_FIT_MAX_PARAMS];     /* NAN when the information is not pos. definite */
    size_t n;               /* observations in the likelihood (gpd: exceedances) */
    double loglik;          /* maximised (truncated) log-likelihood */
    double aic, bic;        /* 2k - 2 loglik, k ln n - 2 loglik */
    double ks, ad;          /* Kolmogorov-Smirnov and Anderson-Darling statistics */
    double threshold;       /* gpd: the threshold u; otherwise the truncation point */
    int is_boundary;        /* the optimum lies at the edge of the parameter space */
} ds_sev_fit;

/* One fitted frequency candidate. */
typedef struct ds_freq_fit {
    ds_freq freq;           /* negbin at the boundary: size = INFINITY */
    int n_params;
    const char *names[2];
    double params[2];
    double stderr_[2];      /* NAN when unavailable */
    double loglik, aic;
    int is_boundary;        /* negbin at its Poisson limit */
} ds_freq_fit;

/*
 * Fits one severity family (not gpd, not spliced) by ML to x[0..n-1] (all > 0 and >= truncation,
 * truncation >= 0) and fills KS and AD. Errors: DS_EINVAL with field "losses" for bad data (fewer
 * than 2 values, a non-positive or non-finite value, a value below the truncation, all values
 * equal), DS_EINTERNAL when the optimiser fails to converge. x is not modified.
 */
int ds_fit_severity(ds_sev_fit *out, ds_sev_family family, const double *x, size_t n,
                    double truncation, ds_error *err);

/*
 * Fits a GPD with mu = threshold to the values of x above threshold (peaks over threshold).
 * Needs at least 10 exceedances (DS_EINVAL otherwise).
 */
int ds_fit_gpd(ds_sev_fit *out, const double *x, size_t n, double threshold, ds_error *err);

/* Minimum exceedances for ds_fit_severity_all to add the gpd candidate, and its quantile. */
#define DS_FIT_POT_MIN_EXCEEDANCES 50
#define DS_FIT_POT_QUANTILE 0.9

/*
 * All severity candidates: lognormal, gamma, weibull, exponential, pareto, then gpd above the
 * DS_FIT_POT_QUANTILE empirical quantile (at least the truncation) when it leaves at least
 * DS_FIT_POT_MIN_EXCEEDANCES exceedances. A family whose optimiser fails (no maximum inside the
 * parameter space, e.g. a truncated gamma whose shape heads to 0) is left out of fits and listed
 * in failed with its message; the other candidates stand. If none fits, the first error is
 * returned. best is the index of the lowest AIC among the full-data families (never gpd).
 */
typedef struct ds_sev_fits {
    ds_sev_fit fits[6];
    size_t n_fits;
    size_t best;
    struct {
        ds_sev_family family;
        char reason[DS_ERROR_MESSAGE_MAX];
    } failed[6];
    size_t n_failed;
} ds_sev_fits;

int ds_fit_severity_all(ds_sev_fits *out, const double *x, size_t n, double truncation,
                        ds_error *err);

/*
 * Fits poisson or negbin to counts[0..n_years-1] (n_years >= 1, at least one incident overall).
 * DS_EINVAL with field "counts" otherwise.
 */
int ds_fit_frequency(ds_freq_fit *out, ds_freq_family family, const unsigned *counts,
                     size_t n_years, ds_error *err);

/* The (truncated) log-likelihood of x under s, via ds_sev_log_pdf and ds_sev_sf. */
double ds_fit_sev_loglik(const ds_sev *s, const double *x, size_t n, double truncation);

#endif
