/*
 * risk.h: risk measures of a discrete loss distribution, as DESIGN.md section 3 defines them.
 *
 *   VaR_p  = inf{x : F(x) >= p}
 *   TVaR_p = (1/(1-p)) * integral_p^1 VaR_u du
 *
 * One implementation serves both sources of distributions: a Monte Carlo sample (values with
 * equal weight 1/N; VaR is then the ceil(pN)-th order statistic and TVaR the mean of the top
 * (1-p)N values, with fractional weight on the boundary value) and a lattice distribution from
 * Panjer or FFT (values with their probabilities). Values must be sorted ascending.
 *
 * Rounding: p*N is computed in floating point, so ceil(p*N) is taken after removing rounding
 * error of a few ulps (0.95 * 1e6 must give 950000, not 950001).
 * All functions are pure and thread-safe.
 */
#ifndef DS_ACTUARIAL_RISK_H
#define DS_ACTUARIAL_RISK_H

#include <stddef.h>

/*
 * VaR and TVaR at level p in (0, 1) of n sorted values with probabilities prob (NULL: each
 * 1/n). tail_mass is probability beyond the last value that the caller could not compute
 * (0 for a sample); it is treated as sitting at the last value, a documented lower bound.
 */
double ds_risk_var(const double *sorted, const double *prob, size_t n, double tail_mass,
                   double p);
double ds_risk_tvar(const double *sorted, const double *prob, size_t n, double tail_mass,
                    double p);

#endif
