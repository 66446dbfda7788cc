/*
 * credibility.c: Buhlmann-Straub and Poisson-gamma credibility (formulas in credibility.h).
 *
 * Groups are collected in order of first appearance with a linear search per new name: the
 * number of groups in a rating exercise is small (tens to hundreds), and the order of the
 * output then follows the input.
 */
#include "actuarial/credibility.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ds_cred_bs_free(ds_cred_bs *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_groups; i++)
        free(r->groups[i].group);
    free(r->groups);
    free(r);
}

static int find_or_add(ds_cred_bs *r, size_t *cap, const char *name, size_t *idx)
{
    for (size_t i = 0; i < r->n_groups; i++) {
        if (strcmp(r->groups[i].group, name) == 0) {
            *idx = i;
            return 0;
        }
    }
    if (r->n_groups == *cap) {
        size_t ncap = *cap ? 2 * *cap : 16;
        ds_cred_group *g = realloc(r->groups, ncap * sizeof *g);
        if (!g)
            return DS_ENOMEM;
        r->groups = g;
        *cap = ncap;
    }
    ds_cred_group *g = &r->groups[r->n_groups];
    memset(g, 0, sizeof *g);
    g->group = strdup(name);
    if (!g->group)
        return DS_ENOMEM;
    *idx = r->n_groups++;
    return 0;
}

int ds_cred_buhlmann_straub(ds_cred_bs **out, const ds_cred_obs *obs, size_t n, ds_error *err)
{
    *out = NULL;
    char path[DS_PATH_MAX], field[DS_PATH_MAX];
    for (size_t k = 0; k < n; k++) {
        ds_path_index(path, sizeof path, "observations", k);
        if (!obs[k].group)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "group"),
                                "is required");
        if (!isfinite(obs[k].ratio))
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "ratio"),
                                "must be a finite number");
        if (!(obs[k].weight > 0.0) || !isfinite(obs[k].weight))
            return ds_error_set(err, DS_EINVAL,
                                ds_path_key(field, sizeof field, path, "weight"),
                                "must be positive");
    }
    ds_cred_bs *r = calloc(1, sizeof *r);
    if (!r)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    size_t cap = 0, *owner = malloc((n ? n : 1) * sizeof *owner);
    int rc = 0;
    if (!owner) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    /* Group weights and weighted means. */
    for (size_t k = 0; k < n; k++) {
        if (find_or_add(r, &cap, obs[k].group, &owner[k])) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            goto out;
        }
        ds_cred_group *g = &r->groups[owner[k]];
        g->n_periods++;
        g->weight += obs[k].weight;
        g->mean += obs[k].weight * obs[k].ratio;
    }
    if (r->n_groups < 2) {
        rc = ds_error_set(err, DS_EINVAL, "groups", "need at least two groups, got %zu",
                          r->n_groups);
        goto out;
    }
    double m = 0.0, xbar = 0.0, sum_m2 = 0.0;
    size_t dof = 0;
    for (size_t i = 0; i < r->n_groups; i++) {
        ds_cred_group *g = &r->groups[i];
        g->mean /= g->weight;
        m += g->weight;
        xbar += g->weight * g->mean;
        sum_m2 += g->weight * g->weight;
        dof += g->n_periods - 1;
    }
    xbar /= m;
    if (dof == 0) {
        rc = ds_error_set(err, DS_EINVAL, "periods",
                          "need a group with at least two periods to estimate the within "
                          "variance");
        goto out;
    }
    /* v = sum_i sum_j m_ij (X_ij - Xbar_i)^2 / sum_i (n_i - 1) */
    double v = 0.0;
    for (size_t k = 0; k < n; k++) {
        double dev = obs[k].ratio - r->groups[owner[k]].mean;
        v += obs[k].weight * dev * dev;
    }
    v /= (double)dof;
    /* a = [sum_i m_i (Xbar_i - Xbar)^2 - v (r - 1)] / [m - sum_i m_i^2 / m] */
    double between = 0.0;
    for (size_t i = 0; i < r->n_groups; i++) {
        double dev = r->groups[i].mean - xbar;
        between += r->groups[i].weight * dev * dev;
    }
    double a = (between - v * (double)(r->n_groups - 1)) / (m - sum_m2 / m);
    r->within_variance = v;
    r->overall_mean = xbar;
    if (!(a > 0.0)) {
        /* No heterogeneity beyond noise: credibility 0, everyone pays the overall mean. */
        r->between_variance = 0.0;
        r->collective = xbar;
        for (size_t i = 0; i < r->n_groups; i++) {
            r->groups[i].credibility = 0.0;
            r->groups[i].premium = xbar;
        }
        goto done;
    }
    r->between_variance = a;
    double k_ratio = v / a, sum_z = 0.0, sum_zx = 0.0;
    for (size_t i = 0; i < r->n_groups; i++) {
        ds_cred_group *g = &r->groups[i];
        g->credibility = g->weight / (g->weight + k_ratio);
        sum_z += g->credibility;
        sum_zx += g->credibility * g->mean;
    }
    r->collective = sum_zx / sum_z;
    for (size_t i = 0; i < r->n_groups; i++) {
        ds_cred_group *g = &r->groups[i];
        g->premium = g->credibility * g->mean + (1.0 - g->credibility) * r->collective;
    }
done:
    *out = r;
    r = NULL;
out:
    free(owner);
    ds_cred_bs_free(r);
    return rc;
}

int ds_cred_poisson_gamma(ds_cred_pg *out, double alpha, double beta, double claims,
                          double years, ds_error *err)
{
    if (!(alpha > 0.0) || !isfinite(alpha))
        return ds_error_set(err, DS_EINVAL, "alpha", "must be positive");
    if (!(beta > 0.0) || !isfinite(beta))
        return ds_error_set(err, DS_EINVAL, "beta", "must be positive");
    if (!(claims >= 0.0) || !isfinite(claims))
        return ds_error_set(err, DS_EINVAL, "claims", "must be a non-negative number");
    if (!(years >= 0.0) || !isfinite(years))
        return ds_error_set(err, DS_EINVAL, "years", "must be a non-negative number");
    out->alpha = alpha + claims;
    out->beta = beta + years;
    out->mean = out->alpha / out->beta;
    out->credibility = years / (years + beta);
    return 0;
}

int ds_cred_gamma_prior(double *alpha, double *beta, double mean, double variance,
                        ds_error *err)
{
    if (!(mean > 0.0) || !isfinite(mean))
        return ds_error_set(err, DS_EINVAL, "mean", "must be positive");
    if (!(variance > 0.0) || !isfinite(variance))
        return ds_error_set(err, DS_EINVAL, "variance", "must be positive");
    *alpha = mean * mean / variance;
    *beta = mean / variance;
    return 0;
}
