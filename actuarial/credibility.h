/*
 * credibility.h: blending own experience with the collective's.
 *
 * Buhlmann-Straub, with the unbiased (nonparametric) estimators of Klugman, Panjer, Willmot,
 * "Loss Models", 5th ed., chapter "Empirical Bayes parameter estimation" (r groups, group i
 * with n_i periods of ratios X_ij and weights m_ij):
 *   m_i = sum_j m_ij, Xbar_i = sum_j m_ij X_ij / m_i, m = sum_i m_i, Xbar = sum_i m_i Xbar_i / m
 *   v = sum_i sum_j m_ij (X_ij - Xbar_i)^2 / sum_i (n_i - 1)            (within variance)
 *   a = [sum_i m_i (Xbar_i - Xbar)^2 - v (r - 1)] / [m - sum_i m_i^2 / m]   (between variance)
 *   Z_i = m_i / (m_i + v / a)
 *   collective mu = sum_i Z_i Xbar_i / sum_i Z_i (the credibility-weighted mean)
 *   premium_i = Z_i Xbar_i + (1 - Z_i) mu
 * When a <= 0 the groups show no heterogeneity beyond noise: a is reported as 0, every Z_i is
 * 0 and the premium of every group is Xbar. With all weights 1 this is Buhlmann's model.
 * Balance: since m_i (1 - Z_i) = (v / a) Z_i, sum_i m_i premium_i = sum_i m_i Xbar_i, the
 * credibility premiums reproduce the total observed loss (Buhlmann and Gisler 2005, ch. 4).
 *
 * Poisson-gamma (Bayesian) credibility for claim counts: rate lambda ~ Gamma(alpha, beta) (rate
 * parameter beta, mean alpha / beta); with N claims in t years the posterior is
 * Gamma(alpha + N, beta + t), whose mean (alpha + N) / (beta + t) = Z N / t + (1 - Z) alpha / beta
 * with Z = t / (t + beta) (Loss Models, chapter "Greatest accuracy credibility": exact
 * credibility).
 *
 * Ownership: ds_cred_bs_free frees a result (NULL-safe). Pure functions, thread-safe.
 */
#ifndef DS_ACTUARIAL_CREDIBILITY_H
#define DS_ACTUARIAL_CREDIBILITY_H

#include <stddef.h>

#include "actuarial/error.h"

/* One observation: a group's ratio (loss per unit of exposure) in one period, with its weight. */
typedef struct ds_cred_obs {
    const char *group;      /* borrowed; groups are matched by exact string */
    double ratio;
    double weight;          /* > 0 */
} ds_cred_obs;

typedef struct ds_cred_group {
    char *group;            /* owned copy */
    size_t n_periods;
    double weight;          /* m_i */
    double mean;            /* Xbar_i */
    double credibility;     /* Z_i */
    double premium;
} ds_cred_group;

typedef struct ds_cred_bs {
    double collective;
    double overall_mean;        /* Xbar, the weight-weighted mean */
    double within_variance;     /* v */
    double between_variance;    /* a, 0 when the estimate is not positive */
    size_t n_groups;
    ds_cred_group *groups;      /* in order of first appearance */
} ds_cred_bs;

/*
 * Buhlmann-Straub on obs[0..n-1]. Errors (DS_EINVAL): a weight that is not positive or a ratio
 * that is not finite (field "observations[i].weight"/".ratio"), fewer than two groups (field
 * "groups"), no group with two periods (field "periods": v cannot be estimated).
 * Caller frees *out with ds_cred_bs_free.
 */
int ds_cred_buhlmann_straub(ds_cred_bs **out, const ds_cred_obs *obs, size_t n, ds_error *err);
void ds_cred_bs_free(ds_cred_bs *r);

/* Posterior of the Poisson-gamma model. */
typedef struct ds_cred_pg {
    double alpha, beta;     /* posterior gamma parameters */
    double mean;            /* posterior mean rate (alpha + N) / (beta + t) */
    double credibility;     /* Z = t / (t + beta_prior) */
} ds_cred_pg;

/* alpha, beta > 0, claims >= 0, years >= 0; DS_EINVAL naming the argument otherwise. */
int ds_cred_poisson_gamma(ds_cred_pg *out, double alpha, double beta, double claims,
                          double years, ds_error *err);

/*
 * The gamma prior with the collective's mean and variance of rates (method of moments):
 * alpha = mean^2 / variance, beta = mean / variance. Both must be positive.
 */
int ds_cred_gamma_prior(double *alpha, double *beta, double mean, double variance,
                        ds_error *err);

#endif
