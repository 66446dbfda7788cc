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

/* ---- Additions (issue 2, Monte Carlo helper): ranks and partial ordering of a sample. ---- */

/* The 1-based rank ceil(p n) of VaR_p in a sample of n (n >= 1, p in (0, 1)), with p*n
 * snapped to an integer within rounding error, clamped to [1, n]; what ds_risk_var uses. */
size_t ds_risk_sample_rank(size_t n, double p);

/*
 * Partially orders values (n of them) so that for every 1-based rank r in ranks (any order,
 * each in [1, n]) values[r-1] is the r-th smallest value and values[r..n-1] are all >= it.
 * ds_risk_var and ds_risk_tvar with prob == NULL read only values[k-1..n-1] for k =
 * ds_risk_sample_rank(n, p), so after selecting that rank they give exactly what a full sort
 * would, at expected O(n) cost instead of O(n log n) (worst case O(n log n): a selection that
 * stops shrinking falls back to sorting). Deterministic: the same input gives the same
 * arrangement. Allocates nothing. Values must not be NaN.
 */
void ds_risk_select(double *values, size_t n, const size_t *ranks, size_t n_ranks);

#endif
