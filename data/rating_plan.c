/*
 * rating_plan.c: reading and validating rating plans (see rating_plan.h).
 */
#include "data/rating_plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/file.h"
#include "data/json_in.h"

static const char *const kind_names[DS_KIND_COUNT] = {"exfiltration", "ransomware", "misuse",
                                                      "outage", "loss"};
static const char *const control_names[DS_CONTROL_COUNT] = {
    "mfa", "encryption_at_rest", "offline_backup", "edr", "dlp", "incident_response_plan"};
static const char *const effect_names[DS_EFFECT_COUNT] = {"frequency", "records", "outage",
                                                          "extortion", "response"};
static const char *const principle_names[] = {"cost_of_capital", "std_dev", "wang"};
static const char *const grade_keys[3] = {"general", "important", "core"};

static int find_name(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i], name) == 0)
            return i;
    }
    return -1;
}

const char *ds_kind_name(ds_incident_kind kind)
{
    return kind >= 0 && kind < DS_KIND_COUNT ? kind_names[kind] : "?";
}
int ds_kind_from_name(const char *name)
{
    return find_name(kind_names, DS_KIND_COUNT, name);
}
const char *ds_control_name(ds_control control)
{
    return control >= 0 && control < DS_CONTROL_COUNT ? control_names[control] : "?";
}
int ds_control_from_name(const char *name)
{
    return find_name(control_names, DS_CONTROL_COUNT, name);
}
const char *ds_effect_name(ds_control_effect effect)
{
    return effect >= 0 && effect < DS_EFFECT_COUNT ? effect_names[effect] : "?";
}
const char *ds_principle_name(ds_principle p)
{
    return p >= 0 && p <= DS_PRINCIPLE_WANG ? principle_names[p] : "?";
}
int ds_principle_from_name(const char *name)
{
    return find_name(principle_names, 3, name);
}

/* A required number in [lo, hi] (or (lo, hi] with lo_open). */
static int number_in(double *out, const cJSON *obj, const char *path, const char *key, double lo,
                     double hi, int lo_open, ds_error *err)
{
    int rc = ds_json_number(out, obj, path, key, DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    if ((lo_open ? *out <= lo : *out < lo) || *out > hi) {
        char field[DS_PATH_MAX];
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, key),
                            "must be in %c%g, %g]", lo_open ? '(' : '[', lo, hi);
    }
    return 0;
}

static int sub_object(const cJSON **out, const cJSON *obj, const char *path, const char *key,
                      char *sub, size_t cap, ds_error *err)
{
    ds_path_key(sub, cap, path, key);
    return ds_json_object(out, obj, path, key, DS_JSON_REQUIRED, err);
}

static int parse_frequency(ds_rating_plan *plan, const cJSON *freq, const char *path,
                           ds_error *err)
{
    char sub[DS_PATH_MAX], field[DS_PATH_MAX];
    const cJSON *rates, *size, *dsmm;
    int rc = sub_object(&rates, freq, path, "base_rate", sub, sizeof sub, err);
    if (rc)
        return rc;
    int has_default = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, rates)
    {
        ds_path_key(field, sizeof field, sub, item->string);
        double r;
        if ((rc = ds_json_node_number(&r, item, field, err)))
            return rc;
        if (r < 0 || r > 50)
            return ds_error_set(err, DS_EINVAL, field, "must be in [0, 50] events a year");
        if (strcmp(item->string, "default") == 0) {
            plan->base_rate_default = r;
            has_default = 1;
            continue;
        }
        if (strlen(item->string) == 0 || strlen(item->string) >= sizeof plan->rate_code[0])
            return ds_error_set(err, DS_EINVAL, field, "not a GB/T 4754 industry code");
        if (plan->n_rates == DS_PLAN_MAX_RATES)
            return ds_error_set(err, DS_EINVAL, field, "more than %d industry rates",
                                DS_PLAN_MAX_RATES);
        snprintf(plan->rate_code[plan->n_rates], sizeof plan->rate_code[0], "%s", item->string);
        plan->rate[plan->n_rates++] = r;
    }
    if (!has_default)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, sub, "default"),
                            "required field is missing");
    if ((rc = sub_object(&size, freq, path, "size", sub, sizeof sub, err)) ||
        (rc = number_in(&plan->reference_revenue, size, sub, "reference_revenue", 0, 1e15, 1,
                        err)) ||
        (rc = number_in(&plan->size_elasticity, size, sub, "elasticity", 0, 2, 0, err)) ||
        (rc = number_in(&plan->size_min_factor, size, sub, "min_factor", 0, 100, 1, err)) ||
        (rc = number_in(&plan->size_max_factor, size, sub, "max_factor", 0, 100, 1, err)))
        return rc;
    if (plan->size_max_factor < plan->size_min_factor)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, sub, "max_factor"),
                            "must not be below min_factor");
    if ((rc = ds_json_array(&dsmm, freq, path, "dsmm", DS_JSON_REQUIRED, err)))
        return rc;
    ds_path_key(sub, sizeof sub, path, "dsmm");
    if (cJSON_GetArraySize(dsmm) != 5)
        return ds_error_set(err, DS_EINVAL, sub, "must list 5 factors, for DSMM levels 1 to 5");
    for (int i = 0; i < 5; i++) {
        ds_path_index(field, sizeof field, sub, (size_t)i);
        if ((rc = ds_json_node_number(&plan->dsmm[i], cJSON_GetArrayItem(dsmm, i), field, err)))
            return rc;
        if (plan->dsmm[i] <= 0 || plan->dsmm[i] > 10)
            return ds_error_set(err, DS_EINVAL, field, "must be in (0, 10]");
    }
    return number_in(&plan->prior_shape, freq, path, "prior_shape", 0, 1e6, 1, err);
}

static int parse_controls(ds_rating_plan *plan, const cJSON *root, const char *path,
                          ds_error *err)
{
    char sub[DS_PATH_MAX], cpath[DS_PATH_MAX], field[DS_PATH_MAX];
    const cJSON *controls, *floors;
    int rc = sub_object(&controls, root, path, "controls", sub, sizeof sub, err);
    if (rc)
        return rc;
    const cJSON *item;
    cJSON_ArrayForEach(item, controls)
    {
        ds_path_key(cpath, sizeof cpath, sub, item->string);
        int c = ds_control_from_name(item->string);
        if (c < 0)
            return ds_error_set(err, DS_EINVAL, cpath, "unknown control");
        if ((rc = ds_json_expect_object(item, cpath, err)))
            return rc;
        const cJSON *credit;
        cJSON_ArrayForEach(credit, item)
        {
            ds_path_key(field, sizeof field, cpath, credit->string);
            int e = find_name(effect_names, DS_EFFECT_COUNT, credit->string);
            if (e < 0)
                return ds_error_set(err, DS_EINVAL, field,
                                    "unknown effect (frequency, records, outage, extortion, "
                                    "response)");
            double v;
            if ((rc = ds_json_node_number(&v, credit, field, err)))
                return rc;
            if (v < 0 || v >= 1)
                return ds_error_set(err, DS_EINVAL, field, "must be in [0, 1)");
            plan->credit[c][e] = v;
        }
    }
    if ((rc = sub_object(&floors, root, path, "control_floor", sub, sizeof sub, err)))
        return rc;
    for (int e = 0; e < DS_EFFECT_COUNT; e++) {
        if ((rc = number_in(&plan->control_floor[e], floors, sub, effect_names[e], 0, 1, 1, err)))
            return rc;
    }
    return 0;
}

static int parse_kinds(ds_rating_plan *plan, const cJSON *root, const char *path, ds_error *err)
{
    char sub[DS_PATH_MAX], kpath[DS_PATH_MAX], field[DS_PATH_MAX];
    const cJSON *kinds;
    int rc = sub_object(&kinds, root, path, "kinds", sub, sizeof sub, err);
    if (rc)
        return rc;
    double total = 0;
    for (int k = 0; k < DS_KIND_COUNT; k++) {
        ds_plan_kind *pk = &plan->kind[k];
        const cJSON *kind, *records = NULL, *outage = NULL;
        if ((rc = sub_object(&kind, kinds, sub, kind_names[k], kpath, sizeof kpath, err)) ||
            (rc = number_in(&pk->share, kind, kpath, "share", 0, 1, 0, err)))
            return rc;
        total += pk->share;
        if ((rc = ds_json_object(&records, kind, kpath, "records_fraction", DS_JSON_OPTIONAL,
                                 err)) < 0)
            return rc;
        if ((pk->has_records = records != NULL)) {
            ds_path_key(field, sizeof field, kpath, "records_fraction");
            if ((rc = number_in(&pk->records_mean, records, field, "mean", 0, 1, 1, err)) ||
                (rc = number_in(&pk->records_concentration, records, field, "concentration", 0,
                                1e6, 1, err)))
                return rc;
            if (pk->records_mean >= 1)
                return ds_error_set(err, DS_EINVAL, field, "mean must be below 1");
        }
        if ((rc = ds_json_object(&outage, kind, kpath, "outage_hours", DS_JSON_OPTIONAL, err)) <
            0)
            return rc;
        if ((pk->has_outage = outage != NULL)) {
            ds_path_key(field, sizeof field, kpath, "outage_hours");
            if ((rc = number_in(&pk->outage_meanlog, outage, field, "meanlog", -10, 10, 0, err)) ||
                (rc = number_in(&pk->outage_sdlog, outage, field, "sdlog", 0, 5, 1, err)))
                return rc;
        }
    }
    if (fabs(total - 1) > 1e-9)
        return ds_error_set(err, DS_EINVAL, sub, "shares must add up to 1 (they add up to %.12g)",
                            total);
    return 0;
}

static int parse_severity(ds_rating_plan *plan, const cJSON *root, const char *path,
                          ds_error *err)
{
    char sev[DS_PATH_MAX], sub[DS_PATH_MAX], field[DS_PATH_MAX];
    const cJSON *s, *weights, *breach, *split, *reg, *bi, *ext, *fraud, *rest, *eno;
    int rc = sub_object(&s, root, path, "severity", sev, sizeof sev, err);
    if (rc)
        return rc;
    if ((rc = sub_object(&weights, s, sev, "grade_weights", sub, sizeof sub, err)))
        return rc;
    for (int g = 0; g < 3; g++) {
        if ((rc = number_in(&plan->grade_weight[g], weights, sub, grade_keys[g], 0, 1e6, 0, err)))
            return rc;
    }
    const char *currency;
    if ((rc = sub_object(&breach, s, sev, "breach_cost", sub, sizeof sub, err)) ||
        (rc = ds_json_string(&currency, breach, sub, "currency", DS_JSON_REQUIRED, err)))
        return rc;
    if (strcmp(currency, "USD") == 0)
        plan->breach_fx = plan->fx_usd;
    else if (strcmp(currency, plan->currency) == 0)
        plan->breach_fx = 1;
    else
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, sub, "currency"),
                            "must be USD or the plan currency");
    if ((rc = number_in(&plan->breach_intercept, breach, sub, "intercept", -50, 50, 0, err)) ||
        (rc = number_in(&plan->breach_slope, breach, sub, "slope", 0, 3, 0, err)) ||
        (rc = number_in(&plan->breach_sdlog, breach, sub, "sdlog", 0, 5, 0, err)) ||
        (rc = ds_json_object(&split, breach, sub, "split", DS_JSON_REQUIRED, err)))
        return rc;
    ds_path_key(field, sizeof field, sub, "split");
    if ((rc = number_in(&plan->split_inre, split, field, "INRE", 0, 1, 0, err)) ||
        (rc = number_in(&plan->split_lia, split, field, "LIA", 0, 1, 0, err)) ||
        (rc = number_in(&plan->split_dias, split, field, "DIAS", 0, 1, 0, err)))
        return rc;
    if (fabs(plan->split_inre + plan->split_lia + plan->split_dias - 1) > 1e-9)
        return ds_error_set(err, DS_EINVAL, field, "shares must add up to 1");
    if ((rc = sub_object(&reg, s, sev, "regulatory", sub, sizeof sub, err)))
        return rc;
    for (int g = 0; g < 3; g++) {
        const cJSON *band;
        char bpath[DS_PATH_MAX];
        ds_plan_fine *fine = &plan->fine[g];
        if ((rc = sub_object(&band, reg, sub, grade_keys[g], bpath, sizeof bpath, err)) ||
            (rc = number_in(&fine->probability, band, bpath, "probability", 0, 1, 0, err)) ||
            (rc = number_in(&fine->min, band, bpath, "min", 0, 1e12, 0, err)) ||
            (rc = number_in(&fine->max, band, bpath, "max", 0, 1e12, 0, err)))
            return rc;
        if (fine->max < fine->min)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, bpath, "max"),
                                "must not be below min");
    }
    if ((rc = sub_object(&bi, s, sev, "business_interruption", sub, sizeof sub, err)) ||
        (rc = number_in(&plan->bi_gross_margin, bi, sub, "gross_margin", 0, 1, 0, err)) ||
        (rc = number_in(&plan->bi_extra_expense, bi, sub, "extra_expense", 0, 1, 0, err)) ||
        (rc = number_in(&plan->bi_contingent_share, bi, sub, "contingent_share", 0, 1, 0, err)) ||
        (rc = sub_object(&ext, s, sev, "extortion", sub, sizeof sub, err)) ||
        (rc = number_in(&plan->ext_pay_probability, ext, sub, "pay_probability", 0, 1, 0, err)) ||
        (rc = number_in(&plan->ext_demand_share, ext, sub, "demand_share_of_revenue", 0, 1, 0,
                        err)) ||
        (rc = number_in(&plan->ext_sdlog, ext, sub, "sdlog", 0, 5, 0, err)) ||
        (rc = sub_object(&fraud, s, sev, "fraud", sub, sizeof sub, err)) ||
        (rc = number_in(&plan->fraud_probability, fraud, sub, "probability", 0, 1, 0, err)) ||
        (rc = number_in(&plan->fraud_meanlog, fraud, sub, "meanlog", -50, 50, 0, err)) ||
        (rc = number_in(&plan->fraud_sdlog, fraud, sub, "sdlog", 0, 5, 0, err)) ||
        (rc = sub_object(&rest, s, sev, "restoration", sub, sizeof sub, err)) ||
        (rc = number_in(&plan->restoration_per_hour, rest, sub, "per_hour", 0, 1e12, 0, err)) ||
        (rc = sub_object(&eno, s, sev, "errors_omissions", sub, sizeof sub, err)) ||
        (rc = number_in(&plan->eno_probability, eno, sub, "probability", 0, 1, 0, err)) ||
        (rc = number_in(&plan->eno_share_of_bi, eno, sub, "share_of_bi", 0, 10, 0, err)))
        return rc;
    return 0;
}

static int parse_loading(ds_rating_plan *plan, const cJSON *root, const char *path,
                         ds_error *err)
{
    char sub[DS_PATH_MAX], field[DS_PATH_MAX];
    const cJSON *loading;
    const char *principle;
    double minimum;
    int rc = sub_object(&loading, root, path, "loading", sub, sizeof sub, err);
    if (!rc)
        rc = ds_json_string(&principle, loading, sub, "principle", DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    int p = ds_principle_from_name(principle);
    if (p < 0)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, sub, "principle"),
                            "unknown premium principle \"%s\"", principle);
    plan->principle = (ds_principle)p;
    if ((rc = number_in(&plan->coc_rate, loading, sub, "cost_of_capital_rate", 0, 1, 0, err)) ||
        (rc = number_in(&plan->tvar_level, loading, sub, "tvar_level", 0.5, 0.9999, 0, err)) ||
        (rc = number_in(&plan->std_dev_multiplier, loading, sub, "std_dev_multiplier", 0, 10, 0,
                        err)) ||
        (rc = number_in(&plan->wang_lambda, loading, sub, "wang_lambda", 0, 5, 0, err)) ||
        (rc = number_in(&plan->expense_ratio, loading, sub, "expense_ratio", 0, 0.9, 0, err)) ||
        (rc = number_in(&plan->profit_ratio, loading, sub, "profit_ratio", 0, 0.9, 0, err)) ||
        (rc = number_in(&minimum, loading, sub, "minimum_premium", 0, 1e12, 0, err)))
        return rc;
    if (plan->expense_ratio + plan->profit_ratio >= 0.95)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, sub, "profit_ratio"),
                            "expense_ratio + profit_ratio must be below 0.95");
    plan->minimum_premium = (int64_t)ceil(minimum * 100.0 - 1e-6);
    return 0;
}

int ds_rating_plan_parse(ds_rating_plan *out, const cJSON *json, const char *path, ds_error *err)
{
    static const char *const keys[] = {"plan",     "version", "currency", "fx",
                                       "frequency", "controls", "control_floor", "kinds",
                                       "severity", "loading", "description", NULL};
    memset(out, 0, sizeof *out);
    char sub[DS_PATH_MAX], field[DS_PATH_MAX];
    const char *name, *version, *currency;
    const cJSON *fx, *freq;
    int rc = ds_json_expect_object(json, path, err);
    if (!rc)
        rc = ds_json_only_keys(json, path, keys, err);
    if (!rc)
        rc = ds_json_string(&name, json, path, "plan", DS_JSON_REQUIRED, err);
    if (!rc)
        rc = ds_json_string(&version, json, path, "version", DS_JSON_REQUIRED, err);
    if (!rc)
        rc = ds_json_string(&currency, json, path, "currency", DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    if (strlen(name) == 0 || strlen(name) >= sizeof out->name)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "plan"),
                            "must be a name of 1 to %zu characters", sizeof out->name - 1);
    if (strlen(version) == 0 || strlen(version) >= sizeof out->version)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "version"),
                            "must be 1 to %zu characters", sizeof out->version - 1);
    if (strlen(currency) != 3)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "currency"),
                            "must be an ISO 4217 code");
    snprintf(out->name, sizeof out->name, "%s", name);
    snprintf(out->version, sizeof out->version, "%s", version);
    memcpy(out->currency, currency, 4);
    if ((rc = sub_object(&fx, json, path, "fx", sub, sizeof sub, err)) ||
        (rc = number_in(&out->fx_usd, fx, sub, "USD", 0, 1e6, 1, err)) ||
        (rc = sub_object(&freq, json, path, "frequency", sub, sizeof sub, err)) ||
        (rc = parse_frequency(out, freq, sub, err)) ||
        (rc = parse_controls(out, json, path, err)) ||
        (rc = parse_kinds(out, json, path, err)) || (rc = parse_severity(out, json, path, err)) ||
        (rc = parse_loading(out, json, path, err)))
        return rc;
    return 0;
}

int ds_rating_plan_load(ds_rating_plan *out, const char *name, ds_error *err)
{
    char *text = NULL;
    size_t len;
    int rc;
    char path[1024];
    if (strcmp(name, "default") == 0) {
        cJSON *json = NULL;
        rc = ds_json_parse(&json, ds_rating_default_json, strlen(ds_rating_default_json),
                           "plan default", err);
        if (!rc)
            rc = ds_rating_plan_parse(out, json, "plan", err);
        cJSON_Delete(json);
        return rc;
    }
    size_t name_len = strlen(name);
    if (strchr(name, '/') || (name_len > 5 && strcmp(name + name_len - 5, ".json") == 0)) {
        snprintf(path, sizeof path, "%s", name);
    } else {
        for (const char *p = name; *p; p++) {
            if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
                  (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
                return ds_error_set(err, DS_EINVAL, "rating_plan", "not a plan name \"%s\"",
                                    name);
        }
        const char *dir = getenv("DSURE_PLAN_DIR");
        snprintf(path, sizeof path, "%s/%s.json", dir && *dir ? dir : "rating", name);
    }
    rc = ds_file_read(&text, &len, path, (size_t)16 << 20, err);
    if (rc == DS_ENOTFOUND)
        return ds_error_set(err, DS_ENOTFOUND, "rating_plan", "unknown rating plan \"%s\" (%s)",
                            name, path);
    if (rc)
        return rc;
    cJSON *json = NULL;
    rc = ds_json_parse(&json, text, len, path, err);
    free(text);
    if (!rc)
        rc = ds_rating_plan_parse(out, json, "plan", err);
    cJSON_Delete(json);
    return rc;
}

double ds_rating_plan_base_rate(const ds_rating_plan *plan, const char *industry,
                                const char **matched)
{
    for (size_t i = 0; industry && i < plan->n_rates; i++) {
        if (strcmp(plan->rate_code[i], industry) == 0) {
            *matched = plan->rate_code[i];
            return plan->rate[i];
        }
    }
    /* GB/T 4754: a code starts with its section letter ("C36" is in section C). */
    for (size_t i = 0; industry && industry[0] && i < plan->n_rates; i++) {
        if (plan->rate_code[i][0] == industry[0] && plan->rate_code[i][1] == '\0') {
            *matched = plan->rate_code[i];
            return plan->rate[i];
        }
    }
    *matched = "default";
    return plan->base_rate_default;
}
