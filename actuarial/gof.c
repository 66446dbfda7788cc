/*
 * gof.c: Kolmogorov-Smirnov and Anderson-Darling statistics (see gof.h for the formulas).
 *
 * The model enters only through its conditional cdf and survival function, both evaluated once
 * per observation; the statistics themselves are O(n) on the sorted transforms.
 */
#include "actuarial/gof.h"

#include <math.h>
#include <stdlib.h>

double ds_gof_ks_pit(const double *u, size_t n)
{
    double d = 0.0;
    for (size_t i = 0; i < n; i++) {
        double above = (double)(i + 1) / (double)n - u[i];
        double below = u[i] - (double)i / (double)n;
        if (above > d)
            d = above;
        if (below > d)
            d = below;
    }
    return d;
}

double ds_gof_ad_pit(const double *u, const double *upper, size_t n)
{
    /* A2 = -n - (1/n) sum_{i=1}^n (2i - 1) [ln u_(i) + ln(1 - u_(n+1-i))] */
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double lo = u[i], hi = upper[n - 1 - i];
        if (!(lo > 0.0) || !(hi > 0.0))
            return INFINITY;
        sum += (double)(2 * i + 1) * (log(lo) + log(hi));
    }
    return -(double)n - sum / (double)n;
}

int ds_gof_stats(double *ks, double *ad, const double *sorted, size_t n, const ds_sev *s,
                 double truncation, ds_error *err)
{
    if (n == 0)
        return ds_error_set(err, DS_EINVAL, "losses", "no observations to test");
    double *u = malloc(2 * n * sizeof *u);
    if (!u)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %zu observations", n);
    double *upper = u + n;
    double f_d = truncation > 0.0 ? ds_sev_cdf(s, truncation) : 0.0;
    double s_d = truncation > 0.0 ? ds_sev_sf(s, truncation) : 1.0;
    int rc = 0;
    for (size_t i = 1; i < n; i++) {
        if (sorted[i] < sorted[i - 1]) {
            rc = ds_error_set(err, DS_EINVAL, "losses", "sample must be sorted ascending");
            goto out;
        }
    }
    /* G(x) = (F(x) - F(d)) / S(d) and 1 - G(x) = S(x) / S(d). Whichever side is below 1/2 is
       computed directly and the other as its complement, so neither loses digits; as G is
       monotone on the sorted sample, a binary search finds where the sides change and each
       observation costs one cdf or one sf evaluation (incomplete gamma functions are dear). */
    size_t split = 0;
    if (f_d < 0.5) {
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if ((ds_sev_cdf(s, sorted[mid]) - f_d) / s_d > 0.5)
                hi = mid;
            else
                lo = mid + 1;
        }
        split = lo;
    }
    for (size_t i = 0; i < n; i++) {
        double lower, up;
        if (i < split) {
            lower = (ds_sev_cdf(s, sorted[i]) - f_d) / s_d;
            up = 1.0 - lower;
        } else {
            double sf_x = ds_sev_sf(s, sorted[i]);
            up = sf_x / s_d;
            lower = f_d < 0.5 ? 1.0 - up : (s_d - sf_x) / s_d;
        }
        u[i] = fmin(fmax(lower, 0.0), 1.0);
        upper[i] = fmin(fmax(up, 0.0), 1.0);
    }
    *ks = ds_gof_ks_pit(u, n);
    *ad = ds_gof_ad_pit(u, upper, n);
out:
    free(u);
    return rc;
}
