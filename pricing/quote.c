/*
 * quote.c: premium principles, what-ifs and the quote JSON (see quote.h).
 */
#include "pricing/quote.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_cdf.h>
#include <openssl/rand.h>

#include "actuarial/risk.h"
#include "data/json_in.h"
#include "data/money.h"
#include "data/policy_store.h"
#include "pricing/rating.h"
#include "pricing/simulate.h"

#define MAX_SCENARIOS (2 + DS_CONTROL_COUNT + 64)

static const double var_levels[] = {0.95, 0.99, 0.995};
static const double tvar_levels[] = {0.99, 0.995};
static const double return_periods[] = {2, 5, 10, 25, 50, 100, 200, 250, 500, 1000};

typedef struct scenario_label {
    char change[160];
} scenario_label;

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts ascending. Most simulated years pay nothing, so the zeros are moved to the front first
 * and only the paying years are sorted. */
static void sort_annual(double *v, size_t n)
{
    size_t zeros = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] <= 0) {
            double t = v[zeros];
            v[zeros++] = v[i];
            v[i] = t;
        }
    }
    qsort(v + zeros, n - zeros, sizeof *v, compare_double);
}

/* Wang (2000) transform of a sorted sample: sum x_(i) [g((n-i+1)/n) - g((n-i)/n)],
 * g(s) = Phi(Phi^-1(s) + lambda). */
static double wang_mean(const double *sorted, size_t n, double lambda)
{
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        if (sorted[i] <= 0)
            continue;
        double s_hi = (double)(n - i) / (double)n, s_lo = (double)(n - i - 1) / (double)n;
        double g_hi = s_hi >= 1 ? 1 : gsl_cdf_ugaussian_P(gsl_cdf_ugaussian_Pinv(s_hi) + lambda);
        double g_lo = s_lo <= 0 ? 0 : gsl_cdf_ugaussian_P(gsl_cdf_ugaussian_Pinv(s_lo) + lambda);
        total += sorted[i] * (g_hi - g_lo);
    }
    return total;
}

/* Premium of one simulated outcome; sorts outcome->annual in place. */
static void premium_of(ds_premium *p, ds_sim_outcome *outcome, const ds_rating_plan *plan,
                       ds_principle principle)
{
    size_t n = outcome->sims;
    double *v = outcome->annual;
    double sum = 0, sum_sq = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    double mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        sum_sq += (v[i] - mean) * (v[i] - mean);
    sort_annual(v, n);
    p->expected_loss = mean;
    p->sd = n > 1 ? sqrt(sum_sq / (double)(n - 1)) : 0;
    switch (principle) {
    case DS_PRINCIPLE_STD_DEV:
        p->risk_load = plan->std_dev_multiplier * p->sd;
        break;
    case DS_PRINCIPLE_WANG:
        p->risk_load = fmax(0, wang_mean(v, n, plan->wang_lambda) - mean);
        break;
    case DS_PRINCIPLE_COST_OF_CAPITAL:
    default:
        p->risk_load = plan->coc_rate * fmax(0, ds_risk_tvar(v, NULL, n, 0, plan->tvar_level) -
                                                    mean);
        break;
    }
    double gross = (mean + p->risk_load) / (1 - plan->expense_ratio - plan->profit_ratio);
    /* Up, never down: a premium a minor unit short of its formula is a loss to the insurer. */
    double ceiling = ceil(gross - 1e-9 * fmax(1, gross));
    int64_t premium = ceiling >= (double)DS_MONEY_MAX ? DS_MONEY_MAX : (int64_t)ceiling;
    if (premium < plan->minimum_premium)
        premium = plan->minimum_premium;
    p->expected_loss_minor = (int64_t)llround(mean);
    p->risk_load_minor = (int64_t)llround(p->risk_load);
    int64_t parts = p->expected_loss_minor + p->risk_load_minor;
    if (premium < parts)
        premium = parts; /* rounding the parts to the nearest unit may pass the premium by one */
    p->premium = premium;
    p->expense_load_minor = premium - parts;
}

static void records_by_grade(const ds_asset_list *assets, double out[DS_GRADE_COUNT])
{
    int64_t records[DS_GRADE_COUNT];
    ds_assets_records_by_grade(assets, records);
    for (int g = 0; g < DS_GRADE_COUNT; g++)
        out[g] = (double)records[g];
}

static void inputs_of(ds_rating_inputs *in, const ds_quote_request *req)
{
    memset(in, 0, sizeof *in);
    in->industry = req->industry;
    in->revenue = req->revenue;
    in->dsmm_level = req->dsmm_level;
    memcpy(in->has_control, req->has_control, sizeof in->has_control);
    records_by_grade(&req->assets, in->records);
    in->n_incidents = req->n_incidents;
    in->history_years = req->history_years;
}

static ds_principle principle_of(const ds_quote_request *req, const ds_rating_plan *plan)
{
    return req->has_principle ? req->principle : plan->principle;
}

static int check_currency(const ds_quote_request *req, const ds_rating_plan *plan,
                          ds_error *err)
{
    if (strcmp(req->cover.currency, plan->currency) != 0)
        return ds_error_set(err, DS_EINVAL, "cover.currency",
                            "the rating plan \"%s\" prices in %s, not %s", plan->name,
                            plan->currency, req->cover.currency);
    return 0;
}

int ds_quote_premium(ds_premium *out, const ds_quote_request *req, const ds_rating_plan *plan,
                     ds_error *err)
{
    int rc = check_currency(req, plan, err);
    if (rc)
        return rc;
    ds_rating_inputs in;
    ds_rating_factors factors;
    ds_scenario scenario;
    inputs_of(&in, req);
    ds_rating_build(&scenario, &factors, plan, &in);
    ds_sim_outcome outcome;
    rc = ds_simulate(&outcome, &scenario, 1, plan, &req->cover.terms, req->revenue, req->sims,
                     req->seed, err);
    if (rc)
        return rc;
    premium_of(out, &outcome, plan, principle_of(req, plan));
    ds_sim_outcome_clear(&outcome);
    return 0;
}

/* The what-if scenarios after the base one: DSMM + 1, each missing control, each core asset
 * downgraded to important. */
static size_t what_if_scenarios(ds_scenario *scenarios, scenario_label *labels,
                                const ds_quote_request *req, const ds_rating_plan *plan)
{
    size_t n = 1;
    ds_rating_inputs in;
    ds_rating_factors factors;
    if (req->dsmm_level < 5) {
        inputs_of(&in, req);
        in.dsmm_level++;
        ds_rating_build(&scenarios[n], &factors, plan, &in);
        snprintf(labels[n++].change, sizeof labels[0].change, "dsmm_level %d -> %d",
                 req->dsmm_level, req->dsmm_level + 1);
    }
    for (int c = 0; c < DS_CONTROL_COUNT; c++) {
        if (req->has_control[c])
            continue;
        inputs_of(&in, req);
        in.has_control[c] = 1;
        ds_rating_build(&scenarios[n], &factors, plan, &in);
        snprintf(labels[n++].change, sizeof labels[0].change, "add control %s",
                 ds_control_name((ds_control)c));
    }
    for (size_t i = 0; i < req->assets.n && n < MAX_SCENARIOS; i++) {
        const ds_asset *a = &req->assets.items[i];
        if (a->grade != DS_GRADE_CORE)
            continue;
        inputs_of(&in, req);
        in.records[DS_GRADE_CORE] -= (double)a->records;
        in.records[DS_GRADE_IMPORTANT] += (double)a->records;
        ds_rating_build(&scenarios[n], &factors, plan, &in);
        snprintf(labels[n++].change, sizeof labels[0].change,
                 "asset %.100s graded important instead of core", a->id);
    }
    return n;
}

static int add_factor(cJSON *list, const char *name, double value, const char *applies_to,
                      const char *basis)
{
    cJSON *f = cJSON_CreateObject();
    return f && cJSON_AddItemToArray(list, f) && cJSON_AddStringToObject(f, "factor", name) &&
           ds_json_add_number_or_null(f, "value", value) &&
           cJSON_AddStringToObject(f, "applies_to", applies_to) &&
           cJSON_AddStringToObject(f, "basis", basis);
}

static int add_factors(cJSON *root, const ds_rating_factors *f, const ds_quote_request *req,
                       const ds_rating_plan *plan)
{
    cJSON *list = cJSON_AddArrayToObject(root, "factors");
    char basis[512];
    if (!list)
        return -1;
    snprintf(basis, sizeof basis, "industry %s: plan rate for \"%s\"",
             req->industry[0] ? req->industry : "(none)", f->base_rate_key);
    int ok = add_factor(list, "base_rate", f->base_rate, "frequency", basis);
    snprintf(basis, sizeof basis, "(revenue %.0f / reference %.0f)^%g within [%g, %g]",
             req->revenue, plan->reference_revenue, plan->size_elasticity, plan->size_min_factor,
             plan->size_max_factor);
    ok = ok && add_factor(list, "size", f->size_factor, "frequency", basis);
    snprintf(basis, sizeof basis, "DSMM level %d (GB/T 37988)", req->dsmm_level);
    ok = ok && add_factor(list, "dsmm", f->dsmm_factor, "frequency", basis);
    static const char *const applies[DS_EFFECT_COUNT] = {
        "frequency", "records compromised", "outage hours", "probability a ransom is paid",
        "incident response cost"};
    for (int e = 0; ok && e < DS_EFFECT_COUNT; e++) {
        size_t used = (size_t)snprintf(basis, sizeof basis, "controls:");
        int any = 0;
        for (int c = 0; c < DS_CONTROL_COUNT && used < sizeof basis; c++) {
            if (req->has_control[c] && plan->credit[c][e] > 0) {
                used += (size_t)snprintf(basis + used, sizeof basis - used, "%s %s x%g",
                                         any ? "," : "", ds_control_name((ds_control)c),
                                         1 - plan->credit[c][e]);
                any = 1;
            }
        }
        if (used < sizeof basis)
            snprintf(basis + used, sizeof basis - used, "%s; floor %g", any ? "" : " none",
                     plan->control_floor[e]);
        char name[64];
        snprintf(name, sizeof name, "controls.%s", ds_effect_name((ds_control_effect)e));
        ok = add_factor(list, name, f->control_factor[e], applies[e], basis);
    }
    snprintf(basis, sizeof basis, "base_rate x size x dsmm x controls.frequency");
    ok = ok && add_factor(list, "class_rate", f->class_rate, "frequency", basis);
    snprintf(basis, sizeof basis,
             "Poisson-gamma: %zu incidents in %g years, prior shape %g, Z = t / (t + %g)",
             req->n_incidents, req->history_years, f->prior_alpha, f->prior_beta);
    ok = ok && add_factor(list, "credibility", f->credibility, "frequency", basis);
    snprintf(basis, sizeof basis, "Z x incidents/years + (1 - Z) x class_rate");
    ok = ok && add_factor(list, "rate", f->rate, "frequency", basis);
    return ok ? 0 : -1;
}

static int add_measures(cJSON *root, const ds_sim_outcome *o, const double *sorted)
{
    size_t n = o->sims;
    cJSON *m = cJSON_AddObjectToObject(root, "measures");
    cJSON *var = m ? cJSON_AddArrayToObject(m, "var") : NULL;
    cJSON *tvar = m ? cJSON_AddArrayToObject(m, "tvar") : NULL;
    int ok = m && var && tvar;
    for (size_t i = 0; ok && i < sizeof var_levels / sizeof var_levels[0]; i++) {
        cJSON *item = cJSON_CreateObject();
        ok = item && cJSON_AddItemToArray(var, item) &&
             cJSON_AddNumberToObject(item, "p", var_levels[i]) &&
             ds_money_add(item, "value",
                          (int64_t)llround(ds_risk_var(sorted, NULL, n, 0, var_levels[i])));
    }
    for (size_t i = 0; ok && i < sizeof tvar_levels / sizeof tvar_levels[0]; i++) {
        cJSON *item = cJSON_CreateObject();
        ok = item && cJSON_AddItemToArray(tvar, item) &&
             cJSON_AddNumberToObject(item, "p", tvar_levels[i]) &&
             ds_money_add(item, "value",
                          (int64_t)llround(ds_risk_tvar(sorted, NULL, n, 0, tvar_levels[i])));
    }
    ok = ok && cJSON_AddNumberToObject(m, "prob_attach", (double)o->years_attaching / n) &&
         cJSON_AddNumberToObject(m, "prob_exhaust", (double)o->years_exhausting / n) &&
         cJSON_AddNumberToObject(m, "events_per_year", (double)o->events / n);
    cJSON *ep = ok ? cJSON_AddArrayToObject(root, "ep_curve") : NULL;
    ok = ok && ep;
    for (size_t i = 0; ok && i < sizeof return_periods / sizeof return_periods[0]; i++) {
        cJSON *item = cJSON_CreateObject();
        double p = 1 - 1 / return_periods[i];
        ok = item && cJSON_AddItemToArray(ep, item) &&
             cJSON_AddNumberToObject(item, "return_period", return_periods[i]) &&
             ds_money_add(item, "loss", (int64_t)llround(ds_risk_var(sorted, NULL, n, 0, p)));
    }
    return ok ? 0 : -1;
}

static int add_by_coverage(cJSON *root, const ds_sim_outcome *o, const ds_cover *cover)
{
    cJSON *list = cJSON_AddArrayToObject(root, "by_coverage");
    int ok = list != NULL;
    double n = (double)o->sims, total = 0;
    for (int c = 0; c < DS_COV_COUNT; c++)
        total += o->paid_by_coverage[c];
    for (int c = 0; ok && c < DS_COV_COUNT; c++) {
        if (!cover->terms.coverage[c].is_covered)
            continue;
        cJSON *item = cJSON_CreateObject();
        ok = item && cJSON_AddItemToArray(list, item) &&
             cJSON_AddStringToObject(item, "code", ds_coverage_code((ds_coverage)c)) &&
             ds_money_add(item, "expected_ground_up",
                          (int64_t)llround(o->ground_up_by_coverage[c] / n)) &&
             ds_money_add(item, "expected_loss", (int64_t)llround(o->paid_by_coverage[c] / n)) &&
             cJSON_AddNumberToObject(item, "share",
                                     total > 0 ? o->paid_by_coverage[c] / total : 0);
    }
    return ok ? 0 : -1;
}

static int add_premium(cJSON *root, const ds_premium *p, ds_principle principle)
{
    return ds_money_add(root, "expected_loss", p->expected_loss_minor) &&
                   ds_money_add(root, "risk_load", p->risk_load_minor) &&
                   ds_money_add(root, "expense_load", p->expense_load_minor) &&
                   ds_money_add(root, "premium", p->premium) &&
                   cJSON_AddStringToObject(root, "principle", ds_principle_name(principle))
               ? 0
               : -1;
}

static int new_quote_id(char *buf, size_t cap)
{
    unsigned char bytes[8];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return -1;
    size_t used = (size_t)snprintf(buf, cap, "Q-");
    for (size_t i = 0; i < sizeof bytes && used + 2 < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%02x", bytes[i]);
    return 0;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int render(cJSON **out, const ds_quote_request *req, const ds_rating_plan *plan,
                  const ds_rating_factors *factors, const ds_scenario *base,
                  ds_sim_outcome *outcomes, const scenario_label *labels, size_t n_scenarios,
                  double started, ds_error *err)
{
    ds_principle principle = principle_of(req, plan);
    ds_premium premiums[MAX_SCENARIOS];
    for (size_t s = 0; s < n_scenarios; s++)
        premium_of(&premiums[s], &outcomes[s], plan, principle);
    char quote_id[32];
    if (new_quote_id(quote_id, sizeof quote_id))
        return ds_error_set(err, DS_EINTERNAL, NULL, "no random bytes for a quote id");

    cJSON *root = cJSON_CreateObject(), *plan_json = NULL, *freq = NULL;
    int ok = root && cJSON_AddStringToObject(root, "quote_id", quote_id) &&
             cJSON_AddStringToObject(root, "platform_id", req->platform_id) &&
             (plan_json = cJSON_AddObjectToObject(root, "rating_plan")) &&
             cJSON_AddStringToObject(plan_json, "name", plan->name) &&
             cJSON_AddStringToObject(plan_json, "version", plan->version) &&
             cJSON_AddStringToObject(root, "currency", plan->currency) &&
             cJSON_AddNumberToObject(root, "seed", (double)req->seed) &&
             cJSON_AddNumberToObject(root, "sims", (double)req->sims) &&
             (freq = cJSON_AddObjectToObject(root, "frequency")) &&
             cJSON_AddNumberToObject(freq, "class_rate", factors->class_rate) &&
             cJSON_AddNumberToObject(freq, "incidents", (double)req->n_incidents) &&
             cJSON_AddNumberToObject(freq, "history_years", req->history_years) &&
             cJSON_AddNumberToObject(freq, "credibility", factors->credibility) &&
             cJSON_AddNumberToObject(freq, "rate", factors->rate) &&
             ds_json_add_number_or_null(freq, "predictive_negbin_size", base->count_size);
    ok = ok && add_premium(root, &premiums[0], principle) == 0 &&
         add_measures(root, &outcomes[0], outcomes[0].annual) == 0 &&
         add_by_coverage(root, &outcomes[0], &req->cover) == 0 &&
         add_factors(root, factors, req, plan) == 0;
    if (ok && req->what_if) {
        cJSON *list = cJSON_AddArrayToObject(root, "what_if");
        ok = list != NULL;
        for (size_t s = 1; ok && s < n_scenarios; s++) {
            cJSON *item = cJSON_CreateObject();
            ok = item && cJSON_AddItemToArray(list, item) &&
                 cJSON_AddStringToObject(item, "change", labels[s].change) &&
                 ds_money_add(item, "premium", premiums[s].premium) &&
                 ds_money_add(item, "saving", premiums[0].premium - premiums[s].premium) &&
                 ds_money_add(item, "expected_loss", premiums[s].expected_loss_minor);
        }
    }
    ok = ok && cJSON_AddNumberToObject(root, "elapsed_ms", now_ms() - started);
    if (!ok) {
        cJSON_Delete(root);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory rendering the quote");
    }
    *out = root;
    return 0;
}

int ds_quote_run(cJSON **out, const cJSON *request, const ds_quote_overrides *overrides,
                 ds_error *err)
{
    *out = NULL;
    double started = now_ms();
    ds_quote_request req;
    int rc = ds_quote_request_parse(&req, request, err);
    if (rc)
        return rc;
    if (overrides && overrides->has_sims)
        req.sims = overrides->sims;
    if (overrides && overrides->has_seed)
        req.seed = overrides->seed;
    ds_rating_plan *plan = malloc(sizeof *plan);
    ds_scenario *scenarios = calloc(MAX_SCENARIOS, sizeof *scenarios);
    scenario_label *labels = calloc(MAX_SCENARIOS, sizeof *labels);
    ds_sim_outcome *outcomes = calloc(MAX_SCENARIOS, sizeof *outcomes);
    size_t n_scenarios = 0;
    if (!plan || !scenarios || !labels || !outcomes) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = ds_rating_plan_load(plan, req.rating_plan, err)) ||
        (rc = check_currency(&req, plan, err)))
        goto out;
    ds_rating_inputs in;
    ds_rating_factors factors;
    inputs_of(&in, &req);
    ds_rating_build(&scenarios[0], &factors, plan, &in);
    n_scenarios = req.what_if ? what_if_scenarios(scenarios, labels, &req, plan) : 1;
    rc = ds_simulate(outcomes, scenarios, n_scenarios, plan, &req.cover.terms, req.revenue,
                     req.sims, req.seed, err);
    if (rc) {
        n_scenarios = 0;
        goto out;
    }
    rc = render(out, &req, plan, &factors, &scenarios[0], outcomes, labels, n_scenarios, started,
                err);
out:
    for (size_t s = 0; outcomes && s < n_scenarios; s++)
        ds_sim_outcome_clear(&outcomes[s]);
    free(outcomes);
    free(labels);
    free(scenarios);
    free(plan);
    ds_quote_request_clear(&req);
    return rc;
}

int ds_quote_save(ds_db *db, const cJSON *request, const cJSON *quote, ds_error *err)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(quote, "quote_id");
    const cJSON *platform = cJSON_GetObjectItemCaseSensitive(quote, "platform_id");
    const cJSON *premium = cJSON_GetObjectItemCaseSensitive(quote, "premium");
    if (!cJSON_IsString(id) || !cJSON_IsString(platform) || !cJSON_IsNumber(premium))
        return ds_error_set(err, DS_EINTERNAL, "quote", "not a quote");
    char created[32];
    ds_now_rfc3339(created, sizeof created);
    ds_stored_quote stored = {
        .quote_id = id->valuestring,
        .platform_id = platform->valuestring,
        .request_json = cJSON_PrintUnformatted(request),
        .quote_json = cJSON_PrintUnformatted(quote),
        .premium = (int64_t)llround(premium->valuedouble * 100.0),
        .created = created,
    };
    int rc = stored.request_json && stored.quote_json
                 ? ds_quote_store_save(db, &stored, err)
                 : ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    cJSON_free(stored.request_json);
    cJSON_free(stored.quote_json);
    return rc;
}
