/*
 * severity.h: loss-size distributions, parameterised exactly as DESIGN.md section 3.
 *
 *   lognormal{meanlog, sdlog}   log X ~ Normal(meanlog, sdlog^2), sdlog > 0
 *   gamma{shape, rate}          density rate^shape x^(shape-1) e^(-rate x) / Gamma(shape)
 *   weibull{shape, scale}       F(x) = 1 - exp(-(x/scale)^shape)
 *   exponential{rate}           F(x) = 1 - exp(-rate x)
 *   pareto{shape, scale}        Pareto II / Lomax: F(x) = 1 - (scale/(x + scale))^shape
 *                               (R actuar's ppareto)
 *   gpd{xi, sigma, mu}          F(x) = 1 - (1 + xi (x - mu)/sigma)^(-1/xi) for x >= mu
 *                               (xi = 0: the exponential limit)
 *   spliced{body, tail, threshold[, body_weight]}
 *                               the body truncated to [0, threshold] with weight w, the tail
 *                               conditioned on exceeding the threshold with weight 1 - w;
 *                               w = body_weight if given, else F_body(threshold).
 *
 * Besides pdf, cdf and quantile every family gives raw moments and limited moments
 * E[min(X, u)^k], k = 1, 2, from which the exact moments of a loss under a deductible, limit and
 * coinsurance follow (see ds_sev_layer_moments). A moment that does not exist is INFINITY.
 *
 * Ownership: a spliced severity owns its body and tail (ds_sev_clear frees them). All functions
 * are pure and thread-safe; samplers use the caller's generator.
 */
#ifndef DS_ACTUARIAL_SEVERITY_H
#define DS_ACTUARIAL_SEVERITY_H

#include <gsl/gsl_rng.h>

#include "actuarial/error.h"

typedef enum {
    DS_SEV_LOGNORMAL,
    DS_SEV_GAMMA,
    DS_SEV_WEIBULL,
    DS_SEV_EXPONENTIAL,
    DS_SEV_PARETO,
    DS_SEV_GPD,
    DS_SEV_SPLICED
} ds_sev_family;

typedef struct ds_sev ds_sev;
struct ds_sev {
    ds_sev_family family;
    union {
        struct { double meanlog, sdlog; } lognormal;
        struct { double shape, rate; } gamma;
        struct { double shape, scale; } weibull;
        struct { double rate; } exponential;
        struct { double shape, scale; } pareto;
        struct { double xi, sigma, mu; } gpd;
        struct {
            ds_sev *body;           /* owned */
            ds_sev *tail;           /* owned */
            double threshold;
            double body_weight;     /* NAN when not given: use F_body(threshold) */
        } spliced;
    } u;
};

const char *ds_sev_family_name(ds_sev_family family);
/* -1 when the name is unknown. */
int ds_sev_family_from_name(const char *name);

/* Checks the parameters (recursively for spliced); path names the JSON object. */
int ds_sev_validate(const ds_sev *s, const char *path, ds_error *err);

/* Frees the parts a spliced severity owns; leaves *s as an exponential(1). NULL-safe. */
void ds_sev_clear(ds_sev *s);

double ds_sev_pdf(const ds_sev *s, double x);
double ds_sev_log_pdf(const ds_sev *s, double x);
double ds_sev_cdf(const ds_sev *s, double x);
/* Survival 1 - F(x), computed without cancellation in the tail. */
double ds_sev_sf(const ds_sev *s, double x);
/* Smallest x with F(x) >= p, p in [0, 1]; p = 1 gives INFINITY. */
double ds_sev_quantile(const ds_sev *s, double p);

/* E[X^k], k = 1 or 2; INFINITY when it does not exist. */
double ds_sev_moment(const ds_sev *s, int k);
/* Limited moment E[min(X, u)^k], k = 1 or 2, u >= 0 (u = INFINITY: the raw moment). */
double ds_sev_limited_moment(const ds_sev *s, double u, int k);

/*
 * Moments of the payment Y = coinsurance * min(max(X - deductible, 0), limit) for one loss;
 * limit may be INFINITY. From limited moments: with u = deductible + limit,
 *   E[Y]   = c (E[min(X,u)] - E[min(X,d)])
 *   E[Y^2] = c^2 (E[min(X,u)^2] - E[min(X,d)^2] - 2 d (E[min(X,u)] - E[min(X,d)]))
 */
void ds_sev_layer_moments(const ds_sev *s, double deductible, double limit, double coinsurance,
                          double *mean, double *second_moment);

/* One draw using GSL's samplers on rng. */
double ds_sev_sample(const ds_sev *s, gsl_rng *rng);

#endif
