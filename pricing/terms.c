/*
 * terms.c: the policy-terms calculus in integer minor units (see terms.h for the rules).
 */
#include "pricing/terms.h"

#include <string.h>

static const char *const coverage_codes[DS_COV_COUNT] = {"NPBI", "CBI", "DIAS", "EXT", "FIN",
                                                          "INRE", "LIA",  "REG", "ENO"};

const char *ds_coverage_code(ds_coverage c)
{
    return c >= 0 && c < DS_COV_COUNT ? coverage_codes[c] : "?";
}

int ds_coverage_from_code(const char *code)
{
    for (int c = 0; c < DS_COV_COUNT; c++) {
        if (strcmp(coverage_codes[c], code) == 0)
            return c;
    }
    return -1;
}

int ds_coverage_is_time_based(ds_coverage c)
{
    return c == DS_COV_NPBI || c == DS_COV_CBI;
}

/* GCC and Clang give 128-bit integers; __extension__ keeps -Wpedantic quiet about them. */
__extension__ typedef unsigned __int128 u128;

int64_t ds_muldiv_floor(int64_t a, int64_t b, int64_t c, int64_t *remainder)
{
    u128 product = (u128)(uint64_t)a * (uint64_t)b;
    u128 quotient = product / (uint64_t)c;
    if (remainder)
        *remainder = (int64_t)(product % (uint64_t)c);
    return (int64_t)quotient;
}

void ds_allocate_largest_remainder(int64_t *shares, const int64_t *weights, int n, int64_t total)
{
    int64_t weight_sum = 0;
    for (int i = 0; i < n; i++)
        weight_sum += weights[i];
    int64_t remainders[DS_COV_COUNT > 64 ? DS_COV_COUNT : 64];
    int64_t given = 0;
    for (int i = 0; i < n; i++) {
        if (weight_sum == 0) {
            shares[i] = 0;
            remainders[i] = 0;
            continue;
        }
        shares[i] = ds_muldiv_floor(total, weights[i], weight_sum, &remainders[i]);
        given += shares[i];
    }
    /* Fewer than n units are left over (each floor lost less than one); hand them out to the
     * largest remainders, ties to the lower index, one unit each. */
    for (int64_t left = total - given; left > 0 && weight_sum > 0; left--) {
        int best = -1;
        for (int i = 0; i < n; i++) {
            if (remainders[i] > 0 && (best < 0 || remainders[i] > remainders[best]))
                best = i;
        }
        if (best < 0)
            break;
        shares[best]++;
        remainders[best] = -1; /* each share gets at most one extra unit */
    }
}

void ds_terms_init(ds_terms *terms)
{
    memset(terms, 0, sizeof *terms);
    for (int c = 0; c < DS_COV_COUNT; c++)
        terms->coverage[c].sublimit = DS_MONEY_UNLIMITED;
    terms->layer_limit = DS_MONEY_UNLIMITED;
    terms->participation_ppm = DS_PPM;
    terms->aggregate_limit = DS_MONEY_UNLIMITED;
}

void ds_terms_state_init(ds_terms_state *state, const ds_terms *terms)
{
    for (int c = 0; c < DS_COV_COUNT; c++)
        state->sublimit_left[c] = terms->coverage[c].sublimit;
    state->aggregate_left = terms->aggregate_limit;
}

int ds_terms_validate(const ds_terms *terms, ds_error *err)
{
    for (int c = 0; c < DS_COV_COUNT; c++) {
        const ds_coverage_terms *ct = &terms->coverage[c];
        if (ct->sublimit < 0 || ct->deductible < 0 || ct->waiting_millihours < 0)
            return ds_error_set(err, DS_EINVAL, ds_coverage_code((ds_coverage)c),
                                "sublimit, deductible and waiting hours must be non-negative");
    }
    if (terms->deductible < 0)
        return ds_error_set(err, DS_EINVAL, "deductible", "must be non-negative");
    if (terms->attachment < 0)
        return ds_error_set(err, DS_EINVAL, "layer.attachment", "must be non-negative");
    if (terms->layer_limit < 0)
        return ds_error_set(err, DS_EINVAL, "layer.limit", "must be non-negative");
    if (terms->participation_ppm <= 0 || terms->participation_ppm > DS_PPM)
        return ds_error_set(err, DS_EINVAL, "layer.participation", "must be in (0, 1]");
    if (terms->aggregate_limit < 0)
        return ds_error_set(err, DS_EINVAL, "aggregate_limit", "must be non-negative");
    return 0;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int64_t positive_part(int64_t a)
{
    return a > 0 ? a : 0;
}

int ds_terms_settle(ds_settlement *out, const ds_terms *terms, ds_terms_state *state,
                    const ds_occurrence *occurrence, ds_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t retained_sum = 0;
    for (int c = 0; c < DS_COV_COUNT; c++) {
        const ds_coverage_terms *ct = &terms->coverage[c];
        int64_t g = occurrence->ground_up[c];
        if (g < 0 || g > DS_MONEY_MAX)
            return ds_error_set(err, DS_EINVAL, ds_coverage_code((ds_coverage)c),
                                "ground-up loss must be in [0, 10^17] minor units");
        if (!ct->is_covered || g == 0)
            continue;
        int64_t hours = occurrence->outage_millihours[c];
        if (ds_coverage_is_time_based((ds_coverage)c) && hours > 0) {
            /* Step 1: only the hours beyond the waiting period are paid; rounded down. */
            int64_t paid_hours = positive_part(hours - ct->waiting_millihours);
            g = ds_muldiv_floor(g, paid_hours, hours, NULL);
        }
        out->prorated[c] = g;
        out->retained[c] = min64(positive_part(g - ct->deductible), state->sublimit_left[c]);
        retained_sum += out->retained[c];
    }
    /* Steps 2 and 3. */
    out->after_deductible = positive_part(retained_sum - terms->deductible);
    int64_t in_layer = min64(positive_part(out->after_deductible - terms->attachment),
                             terms->layer_limit);
    out->layer_share = ds_muldiv_floor(in_layer, terms->participation_ppm, DS_PPM, NULL);
    /* Step 4 and erosion. */
    out->paid = min64(out->layer_share, state->aggregate_left);
    ds_allocate_largest_remainder(out->paid_by_coverage, out->retained, DS_COV_COUNT, out->paid);
    for (int c = 0; c < DS_COV_COUNT; c++) {
        if (state->sublimit_left[c] != DS_MONEY_UNLIMITED)
            state->sublimit_left[c] -= out->paid_by_coverage[c];
    }
    if (state->aggregate_left != DS_MONEY_UNLIMITED)
        state->aggregate_left -= out->paid;
    return 0;
}
