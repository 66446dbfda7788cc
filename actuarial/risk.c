/*
 * risk.c: VaR and TVaR of a discrete loss distribution (see risk.h and DESIGN.md section 3).
 *
 * Two sources share one definition, VaR_p = inf{x : F(x) >= p} and
 * TVaR_p = (1/(1-p)) integral_p^1 VaR_u du:
 *
 *   - a sample of N equally weighted values (prob == NULL): VaR is the k-th order statistic with
 *     k = ceil(pN), and TVaR puts weight (k - pN) on that value and weight 1 on each of the N - k
 *     values above it, divided by the total weight N - pN = N(1-p). Integer arithmetic on the
 *     ranks keeps this exact apart from the rounding of pN, which is snapped to an integer when it
 *     lies within a few ulps of one (0.95 * 1e6 is 950000.0000000001 in floating point);
 *   - a lattice distribution (prob != NULL): the mass strictly above each value is accumulated
 *     from the right, so that 1 - F stays accurate for p close to 1 (no cancellation in
 *     1 - cumulative sum), and F(x_k) = 1 - above_k / total where total is the sum of all
 *     probabilities plus tail_mass (the probabilities need not sum exactly to one). The tail
 *     mass sits at the last value, so TVaR is then a lower bound.
 *
 * In both cases the TVaR weights are the integral of the quantile function over (p, 1]: the
 * boundary value x_k carries F(x_k) - p and every value above carries its own mass.
 * Invalid arguments (n == 0, p outside (0, 1)) give NAN. Pure functions, thread-safe.
 *
 * ds_risk_select orders a sample only as far as the requested ranks need (Hoare's selection),
 * which is all VaR and TVaR read; Monte Carlo uses it instead of sorting a million years.
 */
#include "actuarial/risk.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

/* Relative slack for floating-point rounding in p*N and in sums of probabilities: a few ulps per
 * operation; anything this close to a boundary is treated as on it. */
#define RISK_REL_SLACK (64.0 * DBL_EPSILON)

static int level_ok(double p)
{
    return p > 0.0 && p < 1.0;
}

/* k = ceil(p n) as a 1-based rank in [1, n], with p*n snapped to the nearest integer when it is
 * within rounding error of it. *pn receives the (snapped) value of p*n. */
static size_t sample_rank(size_t n, double p, double *pn)
{
    double x = p * (double)n;
    double nearest = nearbyint(x);
    if (fabs(x - nearest) <= RISK_REL_SLACK * x)
        x = nearest;
    *pn = x;
    double k = ceil(x);
    if (k < 1.0)
        k = 1.0;
    if (k > (double)n)
        k = (double)n;
    return (size_t)k;
}

/* Mass of lattice point i, with the uncomputed tail mass counted at the last point; negative
 * probabilities (rounding noise of an FFT) count as zero. */
static double lattice_mass(const double *prob, size_t n, double tail_mass, size_t i)
{
    double mass = prob[i] > 0.0 ? prob[i] : 0.0;
    if (i == n - 1 && tail_mass > 0.0)
        mass += tail_mass;
    return mass;
}

/* Lattice case: the 0-based index k of VaR_p; *above_out = the mass strictly above sorted[k],
 * *total_out = all mass. */
static size_t lattice_index(const double *prob, size_t n, double tail_mass, double p,
                            double *above_out, double *total_out)
{
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
        total += lattice_mass(prob, n, tail_mass, i);
    /* F(x_j) >= p  <=>  above_j <= (1 - p) total. above_j grows as j falls, so scan down from
     * the top (where the answer lies for p near 1) until the next value down fails. */
    double bound = (1.0 - p) * total * (1.0 + RISK_REL_SLACK);
    size_t j = n - 1;
    double above = 0.0;
    while (j > 0) {
        double above_below = above + lattice_mass(prob, n, tail_mass, j); /* above_{j-1} */
        if (above_below > bound)
            break; /* F(x_{j-1}) < p: VaR is x_j */
        above = above_below;
        j--;
    }
    *above_out = above;
    *total_out = total;
    return j;
}

double ds_risk_var(const double *sorted, const double *prob, size_t n, double tail_mass,
                   double p)
{
    if (!sorted || n == 0 || !level_ok(p))
        return NAN;
    if (!prob) {
        double pn;
        return sorted[sample_rank(n, p, &pn) - 1];
    }
    double above, total;
    size_t k = lattice_index(prob, n, tail_mass, p, &above, &total);
    if (!(total > 0.0))
        return NAN;
    return sorted[k];
}

double ds_risk_tvar(const double *sorted, const double *prob, size_t n, double tail_mass,
                    double p)
{
    if (!sorted || n == 0 || !level_ok(p))
        return NAN;
    if (!prob) {
        double pn;
        size_t k = sample_rank(n, p, &pn);
        double boundary = (double)k - pn; /* weight of the k-th order statistic */
        if (boundary < 0.0)
            boundary = 0.0;
        double sum = boundary * sorted[k - 1];
        for (size_t i = k; i < n; i++)
            sum += sorted[i];
        double weight = boundary + (double)(n - k);
        return weight > 0.0 ? sum / weight : sorted[k - 1];
    }
    double above, total;
    size_t k = lattice_index(prob, n, tail_mass, p, &above, &total);
    if (!(total > 0.0))
        return NAN;
    /* Weights in units of total mass: x_k carries F(x_k) - p = (1-p) - above/total. */
    double boundary = (1.0 - p) * total - above;
    if (boundary < 0.0)
        boundary = 0.0;
    double sum = boundary * sorted[k];
    for (size_t i = n - 1; i > k; i--)
        sum += lattice_mass(prob, n, tail_mass, i) * sorted[i];
    double weight = boundary + above;
    return weight > 0.0 ? sum / weight : sorted[k];
}

size_t ds_risk_sample_rank(size_t n, double p)
{
    double pn;
    return n == 0 ? 0 : sample_rank(n, p, &pn);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of three values. */
static double median3(double a, double b, double c)
{
    if (a < b)
        return b < c ? b : (a < c ? c : a);
    return a < c ? a : (b < c ? c : b);
}

/*
 * Moves the values of a[lo..hi) below pivot to the front and returns where they end. Lomuto's
 * scheme without a branch on the comparison (the swap is unconditional and the boundary moves
 * by the comparison's 0 or 1): random data would mispredict half the branches of the usual
 * form, which made selection cost as much as a third of the simulation.
 */
static size_t partition_below(double *a, size_t lo, size_t hi, double pivot)
{
    size_t store = lo;
    for (size_t i = lo; i < hi; i++) {
        double x = a[i];
        a[i] = a[store];
        a[store] = x;
        store += x < pivot;
    }
    return store;
}

/* The same with "at most pivot" instead of "below pivot". */
static size_t partition_at_most(double *a, size_t lo, size_t hi, double pivot)
{
    size_t store = lo;
    for (size_t i = lo; i < hi; i++) {
        double x = a[i];
        a[i] = a[store];
        a[store] = x;
        store += x <= pivot;
    }
    return store;
}

/*
 * Places the value of 0-based order k of a[lo..hi) at a[k], smaller-or-equal values before it
 * and greater-or-equal after (Hoare's FIND, 1961). The pivot is a median of three medians of
 * three spread over the range (Tukey's ninther). Runs of equal values, such as the many zero
 * years of a sample or payments capped at a limit, cannot stall it: when no value is below the
 * pivot, a second pass splits off every value equal to it. Each round removes at least one
 * value; after 2 log2(n) + 8 rounds the rest is sorted instead, which bounds the worst case by
 * O(n log n).
 */
static void select_order(double *a, size_t lo, size_t hi, size_t k)
{
    int rounds_left = 8;
    for (size_t m = hi - lo; m > 1; m >>= 1)
        rounds_left += 2;
    while (hi - lo > 32) {
        if (rounds_left-- == 0) {
            qsort(a + lo, hi - lo, sizeof *a, compare_double);
            return;
        }
        size_t step = (hi - lo) / 8;
        double pivot = median3(median3(a[lo], a[lo + step], a[lo + 2 * step]),
                               median3(a[lo + 3 * step], a[lo + 4 * step], a[lo + 5 * step]),
                               median3(a[lo + 6 * step], a[lo + 7 * step], a[hi - 1]));
        size_t below = partition_below(a, lo, hi, pivot); /* [lo, below) < pivot */
        if (k < below) {
            hi = below;
            continue;
        }
        if (below > lo) {
            lo = below;
            continue;
        }
        /* Nothing below the pivot: it is the minimum; split off the values equal to it. */
        size_t equal_end = partition_at_most(a, lo, hi, pivot);
        if (k < equal_end)
            return; /* a[k] == pivot, with only equal values before it */
        lo = equal_end;
    }
    /* Insertion sort of the short remainder. */
    for (size_t i = lo + 1; i < hi; i++) {
        double x = a[i];
        size_t j = i;
        while (j > lo && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

void ds_risk_select(double *values, size_t n, const size_t *ranks, size_t n_ranks)
{
    /* Ranks in ascending order, without copying them: each pass finds the smallest rank above
     * the last one done (n_ranks is a few dozen). Once rank r is in place, everything after it
     * is >= it, so a higher rank is selected within values[r..n) alone. */
    size_t done = 0; /* highest rank placed so far; values[done..n) is still to be ordered */
    for (;;) {
        size_t next = 0;
        for (size_t i = 0; i < n_ranks; i++) {
            if (ranks[i] > done && ranks[i] <= n && (next == 0 || ranks[i] < next))
                next = ranks[i];
        }
        if (next == 0)
            return;
        select_order(values, done, n, next - 1);
        done = next;
    }
}
