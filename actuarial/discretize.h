/*
 * discretize.h: the lattice machinery shared by the exact aggregate methods (Panjer and FFT).
 *
 * Both methods work on the lattice {0, h, 2h, ...}:
 *   1. the per-loss payment Y = c * min(max(X - d, 0), l) is discretised by the method of
 *      rounding (Klugman-Panjer-Willmot, Loss Models, section 9.6.1):
 *          f_0 = F_Y(h/2),  f_k = F_Y((k + 1/2) h) - F_Y((k - 1/2) h),
 *      with F_Y(y) = F_X(d + y/c) for 0 <= y < c l and 1 above, so the terms act before the
 *      discretisation and the atom of Y at c l lands on the lattice point nearest to it (on it
 *      exactly when the automatic span is used: it makes c l a multiple of h);
 *   2. the compound distribution g_k = P(S_h = k h) is computed (panjer.c or fft.c) until the
 *      mass left beyond the last point is below the tail;
 *   3. the aggregate terms A = min(max(S - ad, 0), al) map the lattice to sorted, no longer
 *      lattice, values, and the risk measures follow (ds_disc_summarise).
 * docs/exact-methods.md derives the span rule, the tail rule and their error bounds.
 *
 * Everything here is internal to actuarial/ (declared here because the two methods share it).
 * Functions are pure and thread-safe; arrays are caller-owned unless stated.
 */
#ifndef DS_ACTUARIAL_DISCRETIZE_H
#define DS_ACTUARIAL_DISCRETIZE_H

#include <stddef.h>
#include <time.h>

#include "actuarial/aggregate.h"
#include "actuarial/error.h"
#include "actuarial/frequency.h"
#include "actuarial/severity.h"

/* Relative VaR accuracy the automatic span aims at: the rounding error of a VaR is at most h/2
 * (plus O(h^2) terms), and h = 2 * DS_DISC_REL_ACCURACY * (smallest requested quantile). */
#define DS_DISC_REL_ACCURACY 2.5e-4

/* Default tail (opts->tail == 0): DS_DISC_TAIL_FACTOR times the smallest 1 - p over the
 * requested VaR, TVaR and return-period levels, and at most DS_DISC_TAIL_MAX. */
#define DS_DISC_TAIL_FACTOR 0.01
#define DS_DISC_TAIL_MAX 1e-4

/* Survival function of the payment, S_Y(y) = P(Y > y), with the per-loss terms of `terms`. */
double ds_disc_payment_sf(const ds_sev *sev, const ds_agg_terms *terms, double y);

/* Quantile of the payment: c * min(max(q_X(p) - d, 0), l). */
double ds_disc_payment_quantile(const ds_sev *sev, const ds_agg_terms *terms, double p);

/*
 * Fills f[0 .. count-1] with the rounding probabilities f_k of lattice points
 * k = start .. start + count - 1 (span h > 0) and returns the mass beyond the last of them,
 * S_Y((start + count - 1/2) h). Differences are taken of survival values, so the tail
 * probabilities keep their relative accuracy.
 */
double ds_disc_rounding(double *f, size_t start, size_t count, double h, const ds_sev *sev,
                        const ds_agg_terms *terms);

/* The default tail of the stopping rule for these measures (see DS_DISC_TAIL_FACTOR). */
double ds_disc_default_tail(const ds_agg_measures *m);

/* Checks opts->span and opts->tail (finite, span >= 0, 0 <= tail < 1). */
int ds_disc_check_options(const ds_agg_options *opts, ds_error *err);

/*
 * log P_N(z) for real z in [0, 1]: the log of g_0 = P_N(f_0), computed in log space so that a
 * large expected count does not underflow. -INFINITY when the probability is 0.
 */
double ds_disc_log_pgf(const ds_freq *freq, double z);

/*
 * The automatic span: two coarse FFT passes locate the (1 - tail) quantile of S and the
 * requested quantiles; then h = 2 * DS_DISC_REL_ACCURACY * (smallest positive requested
 * quantile), enlarged if needed so that the range up to the (1 - tail) quantile takes at most
 * `budget` points, and shrunk slightly to put c * l on the lattice. *n_est receives the
 * estimated number of points up to the (1 - tail) quantile.
 */
int ds_disc_auto_span(double *h, size_t *n_est, const ds_agg_model *model, double tail,
                      size_t budget, ds_error *err);

/*
 * The lattice both exact methods start from: validates model and options, takes the tail
 * (opts->tail, or ds_disc_default_tail) and the span (opts->span, or ds_disc_auto_span with
 * budget points) and estimates the points needed; refuses (DS_EINVAL naming "span") a plan of
 * more than max_points. With a given span the automatic pass still tells how far the lattice
 * must reach.
 */
int ds_disc_plan(double *h, size_t *n_est, double *tail, const ds_agg_model *model,
                 const ds_agg_options *opts, size_t budget, size_t max_points, ds_error *err);

/* Milliseconds on the monotonic clock since t0, for elapsed_ms. */
double ds_disc_elapsed_ms(const struct timespec *t0);

/*
 * The compound distribution on an FFT of size n (a power of two, >= 2) with exponential
 * tilting theta per point (Grubel and Hermesmeier 1999): f[0 .. n-1] is the discretised
 * payment (mass beyond is ignored: g_k for k < n does not depend on it), g[0 .. n-1] receives
 * g_k. g may alias f. Defined in fft.c. Returns DS_ENOMEM or DS_EINTERNAL (GSL failure).
 */
int ds_fft_compound(double *g, const double *f, size_t n, const ds_freq *freq, double theta,
                    ds_error *err);

/*
 * The Panjer recursion (defined in panjer.c) on f[0 .. n-1]: fills g[0 .. *points - 1],
 * stopping at the first point beyond which less than `tail` is left (tail 0: all n points);
 * *tail_mass receives 1 - sum g. g_k for k < n does not depend on the mass of f beyond n.
 * Returns DS_ENOMEM, or DS_EINVAL for a binomial with p = 1 and f_0 = 0 (not (a, b, 0)).
 */
int ds_panjer_compound(double *g, size_t *points, double *tail_mass, const double *f, size_t n,
                       const ds_freq *freq, double tail, ds_error *err);

/*
 * E[Y_h] and E[Y_h^2] of the whole discretised payment Y_h (all lattice points, not only the
 * first n): from f[0 .. n-1] plus the part beyond, by the tail-sum formulas
 *     sum_(k>=n) k h f_k   = n h S_Y((n-1/2)h) + h sum_(k>n) S_Y((k-1/2)h),
 * whose sum is the midpoint rule for integral_(nh)^inf S_Y = E[Y] - E[min(Y, nh)] (error
 * about h^2 f_Y(nh)/24), and likewise with 2y S_Y(y) for the second moment. INFINITY when
 * the payment's moment does not exist.
 */
void ds_disc_lattice_moments(double *m1, double *m2, const double *f, size_t n, double h,
                             const ds_sev *sev, const ds_agg_terms *terms);

/*
 * Fills the measures of out (mean, sd, prob_zero, var, tvar, ep) from the lattice distribution
 * g[0 .. n-1] of S on span h with `tail_mass` beyond (n-1) h, applying the aggregate terms.
 * y_m1, y_m2 are E[Y_h], E[Y_h^2] of the discretised payment (ds_disc_lattice_moments): the
 * whole lattice compound S_h then has E[S_h] = E[N] E[Y_h] and
 * Var S_h = E[N] Var Y_h + Var N E[Y_h]^2, and the mass beyond the lattice enters as one
 * atom at its conditional mean, (E[S_h] - sum k h g_k) / tail_mass. So the mean, the sd and
 * TVaR at levels p <= 1 - tail_mass see the whole distribution, however early the lattice
 * stops. Where E[Y] is infinite, the mean and TVaR are INFINITY. Also sets span, points,
 * tail_mass, discretization, has_exact and the exact moments. Returns DS_ENOMEM.
 */
int ds_disc_summarise(ds_agg_result *out, const double *g, size_t n, double h, double tail_mass,
                      double y_m1, double y_m2, const ds_agg_model *model, ds_error *err);

#endif
