/*
 * frequency.h: claim-count distributions, parameterised exactly as DESIGN.md section 3.
 *
 *   poisson{lambda}      P(N=k) = e^-lambda lambda^k / k!
 *   negbin{size, mu}     mean mu, variance mu + mu^2/size (R's dnbinom(size=, mu=))
 *   binomial{n, p}
 *
 * All three are in the (a, b, 0) class, P(N=k) = (a + b/k) P(N=k-1), which the Panjer recursion
 * uses; their probability generating functions drive the FFT method.
 * Functions are pure and thread-safe; the sampler uses the caller's generator.
 */
#ifndef DS_ACTUARIAL_FREQUENCY_H
#define DS_ACTUARIAL_FREQUENCY_H

#include <complex.h>

#include <gsl/gsl_rng.h>

#include "actuarial/error.h"

typedef enum { DS_FREQ_POISSON, DS_FREQ_NEGBIN, DS_FREQ_BINOMIAL } ds_freq_family;

typedef struct ds_freq {
    ds_freq_family family;
    double lambda;      /* poisson: mean, >= 0 */
    double size, mu;    /* negbin: size > 0, mean mu >= 0 */
    unsigned n;         /* binomial: number of trials */
    double p;           /* binomial: success probability in [0, 1] */
} ds_freq;

/* Family name as in JSON ("poisson"), and the reverse; -1 when the name is unknown. */
const char *ds_freq_family_name(ds_freq_family family);
int ds_freq_family_from_name(const char *name);

/* Checks the parameters; path names the JSON object for messages ("frequency"). */
int ds_freq_validate(const ds_freq *f, const char *path, ds_error *err);

double ds_freq_pmf(const ds_freq *f, unsigned k);
double ds_freq_log_pmf(const ds_freq *f, unsigned k);
double ds_freq_cdf(const ds_freq *f, unsigned k);
double ds_freq_mean(const ds_freq *f);
double ds_freq_variance(const ds_freq *f);

/* The (a, b) of P(N=k) = (a + b/k) P(N=k-1), k >= 1 (Klugman-Panjer-Willmot, table 6.1). */
void ds_freq_panjer_ab(const ds_freq *f, double *a, double *b);

/* Probability generating function E[z^N] at a complex point (for FFT inversion). */
double complex ds_freq_pgf(const ds_freq *f, double complex z);

/* One draw using GSL's samplers on rng. */
unsigned ds_freq_sample(const ds_freq *f, gsl_rng *rng);

#endif
