/*
 * gof.h: goodness-of-fit statistics of a sample against a fitted continuous distribution.
 *
 * With left truncation at d (losses below d never observed) the sample is compared with the
 * conditional distribution G(x) = (F(x) - F(d)) / S(d), whose upper tail 1 - G(x) = S(x) / S(d)
 * is computed from the survival function so that it keeps its precision in the far tail.
 *
 *   Kolmogorov-Smirnov   D  = max_i max(i/n - u_(i), u_(i) - (i-1)/n)
 *   Anderson-Darling     A2 = -n - (1/n) sum_i (2i - 1) [ln u_(i) + ln(1 - u_(n+1-i))]
 * where u_(1) <= ... <= u_(n) are the probability integral transforms G(x_(i)) of the sorted
 * sample (Klugman, Panjer, Willmot, "Loss Models", 5th ed., chapter "Model selection";
 * D'Agostino and Stephens 1986, ch. 4). A2 is INFINITY when some u is exactly 0 or 1 (a value
 * at the truncation point or outside the support).
 *
 * Pure functions, thread-safe.
 */
#ifndef DS_ACTUARIAL_GOF_H
#define DS_ACTUARIAL_GOF_H

#include <stddef.h>

#include "actuarial/severity.h"

/* KS statistic from sorted probability integral transforms u[0..n-1] (n >= 1). */
double ds_gof_ks_pit(const double *u, size_t n);

/*
 * AD statistic from sorted u[0..n-1] and their complements upper[i] = 1 - u[i], given separately
 * so that a caller can compute them without cancellation.
 */
double ds_gof_ad_pit(const double *u, const double *upper, size_t n);

/*
 * KS and AD of the ascending sample sorted[0..n-1] against s conditioned on X > truncation
 * (truncation 0: the distribution itself). Returns 0, or DS_ENOMEM / DS_EINVAL (n == 0, a sample
 * not sorted ascending).
 */
int ds_gof_stats(double *ks, double *ad, const double *sorted, size_t n, const ds_sev *s,
                 double truncation, ds_error *err);

#endif
