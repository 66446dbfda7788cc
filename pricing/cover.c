/*
 * cover.c: reading and writing the policy terms of a quote or policy (see cover.h).
 */
#include "pricing/cover.h"

#include <math.h>
#include <string.h>

#include "data/date.h"
#include "data/json_in.h"
#include "data/money.h"

/* A decimal with at most `places` decimals, held as an integer count of 10^-places; refuses
 * more decimals instead of rounding them away. */
static int scaled_decimal(int64_t *out, double value, double scale, const char *field,
                          const char *what, ds_error *err)
{
    double scaled = value * scale;
    double rounded = nearbyint(scaled);
    if (fabs(scaled - rounded) > fmax(1e-9, 1e-15 * fabs(rounded)))
        return ds_error_set(err, DS_EINVAL, field, "must have at most %s", what);
    *out = (int64_t)rounded;
    return 0;
}

static int parse_date_field(int64_t *out, const cJSON *obj, const char *parent, const char *key,
                            ds_json_need need, ds_error *err)
{
    const char *text;
    int rc = ds_json_string(&text, obj, parent, key, need, err);
    if (rc)
        return rc;
    if (ds_date_parse_days(out, text)) {
        char field[DS_PATH_MAX];
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, parent, key),
                            "not a valid date \"%s\" (YYYY-MM-DD)", text);
    }
    return 0;
}

static int parse_coverage(ds_cover *cover, const cJSON *item, const char *path, ds_error *err)
{
    static const char *const keys[] = {"code", "sublimit", "deductible", "waiting_hours", NULL};
    char field[DS_PATH_MAX];
    const char *code;
    int rc = ds_json_expect_object(item, path, err);
    if (!rc)
        rc = ds_json_only_keys(item, path, keys, err);
    if (!rc)
        rc = ds_json_string(&code, item, path, "code", DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    int c = ds_coverage_from_code(code);
    if (c < 0)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "code"),
                            "unknown coverage \"%s\"", code);
    ds_coverage_terms *ct = &cover->terms.coverage[c];
    if (ct->is_covered)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "code"),
                            "coverage \"%s\" is listed twice", code);
    ct->is_covered = 1;
    if ((rc = ds_money_get(&ct->sublimit, item, path, "sublimit", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    if ((rc = ds_money_get(&ct->deductible, item, path, "deductible", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    double hours;
    rc = ds_json_number(&hours, item, path, "waiting_hours", DS_JSON_OPTIONAL, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        ds_path_key(field, sizeof field, path, "waiting_hours");
        if (!ds_coverage_is_time_based((ds_coverage)c))
            return ds_error_set(err, DS_EINVAL, field, "applies only to NPBI and CBI");
        if (hours < 0 || hours > 8784)
            return ds_error_set(err, DS_EINVAL, field, "must be in [0, 8784] hours");
        rc = scaled_decimal(&ct->waiting_millihours, hours, 1000.0, field, "three decimals",
                            err);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_layer(ds_cover *cover, const cJSON *layer, const char *path, ds_error *err)
{
    static const char *const keys[] = {"attachment", "limit", "participation", NULL};
    int rc = ds_json_only_keys(layer, path, keys, err);
    if (rc)
        return rc;
    ds_terms *t = &cover->terms;
    if ((rc = ds_money_get(&t->attachment, layer, path, "attachment", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    if ((rc = ds_money_get(&t->layer_limit, layer, path, "limit", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    double participation;
    rc = ds_json_number(&participation, layer, path, "participation", DS_JSON_OPTIONAL, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        char field[DS_PATH_MAX];
        ds_path_key(field, sizeof field, path, "participation");
        if (!(participation > 0 && participation <= 1))
            return ds_error_set(err, DS_EINVAL, field, "must be in (0, 1]");
        rc = scaled_decimal(&t->participation_ppm, participation, DS_PPM, field, "six decimals",
                            err);
        if (rc)
            return rc;
    }
    return 0;
}

int ds_cover_parse(ds_cover *out, const cJSON *json, const char *path, ds_error *err)
{
    static const char *const keys[] = {"currency", "period", "retroactive_date", "reporting_days",
                                       "coverages", "deductible", "layer", "aggregate_limit",
                                       NULL};
    memset(out, 0, sizeof *out);
    ds_terms_init(&out->terms);
    out->reporting_days = -1;
    char field[DS_PATH_MAX], sub[DS_PATH_MAX];
    const char *currency;
    const cJSON *period, *coverages, *layer = NULL;
    int rc = ds_json_expect_object(json, path, err);
    if (!rc)
        rc = ds_json_only_keys(json, path, keys, err);
    if (!rc)
        rc = ds_json_string(&currency, json, path, "currency", DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    if (strlen(currency) != 3 || currency[0] < 'A' || currency[0] > 'Z' || currency[1] < 'A' ||
        currency[1] > 'Z' || currency[2] < 'A' || currency[2] > 'Z')
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "currency"),
                            "must be an ISO 4217 code such as \"CNY\"");
    memcpy(out->currency, currency, 4);

    if ((rc = ds_json_object(&period, json, path, "period", DS_JSON_REQUIRED, err)))
        return rc;
    ds_path_key(sub, sizeof sub, path, "period");
    static const char *const period_keys[] = {"start", "end", NULL};
    if ((rc = ds_json_only_keys(period, sub, period_keys, err)) ||
        (rc = parse_date_field(&out->period_start, period, sub, "start", DS_JSON_REQUIRED, err)) ||
        (rc = parse_date_field(&out->period_end, period, sub, "end", DS_JSON_REQUIRED, err)))
        return rc;
    if (out->period_end < out->period_start)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, sub, "end"),
                            "must not be before period.start");

    rc = parse_date_field(&out->retroactive_date, json, path, "retroactive_date",
                          DS_JSON_OPTIONAL, err);
    if (rc < 0)
        return rc;
    out->has_retroactive_date = rc == 0;
    if (out->has_retroactive_date && out->retroactive_date > out->period_start)
        return ds_error_set(err, DS_EINVAL,
                            ds_path_key(field, sizeof field, path, "retroactive_date"),
                            "must not be after period.start");
    rc = ds_json_int64(&out->reporting_days, json, path, "reporting_days", DS_JSON_OPTIONAL, err);
    if (rc < 0)
        return rc;
    if (rc == 0 && (out->reporting_days < 0 || out->reporting_days > 3650))
        return ds_error_set(err, DS_EINVAL,
                            ds_path_key(field, sizeof field, path, "reporting_days"),
                            "must be an integer in [0, 3650]");

    if ((rc = ds_json_array(&coverages, json, path, "coverages", DS_JSON_REQUIRED, err)))
        return rc;
    ds_path_key(sub, sizeof sub, path, "coverages");
    if (cJSON_GetArraySize(coverages) == 0)
        return ds_error_set(err, DS_EINVAL, sub, "must list at least one coverage");
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, coverages)
    {
        char cpath[DS_PATH_MAX];
        if ((rc = parse_coverage(out, item, ds_path_index(cpath, sizeof cpath, sub, i++), err)))
            return rc;
    }

    if ((rc = ds_money_get(&out->terms.deductible, json, path, "deductible", DS_JSON_OPTIONAL,
                           err)) < 0)
        return rc;
    if ((rc = ds_json_object(&layer, json, path, "layer", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    if (layer && (rc = parse_layer(out, layer, ds_path_key(sub, sizeof sub, path, "layer"), err)))
        return rc;
    if ((rc = ds_money_get(&out->terms.aggregate_limit, json, path, "aggregate_limit",
                           DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    return 0;
}

static int add_money_or_null(cJSON *obj, const char *key, int64_t minor)
{
    if (minor == DS_MONEY_UNLIMITED)
        return cJSON_AddNullToObject(obj, key) != NULL;
    return ds_money_add(obj, key, minor) != NULL;
}

cJSON *ds_cover_to_json(const ds_cover *cover)
{
    char date[16];
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    int ok = cJSON_AddStringToObject(root, "currency", cover->currency) != NULL;
    cJSON *period = cJSON_AddObjectToObject(root, "period");
    ok = ok && period;
    if (ok) {
        ds_date_format(date, sizeof date, cover->period_start);
        ok = cJSON_AddStringToObject(period, "start", date) != NULL;
        ds_date_format(date, sizeof date, cover->period_end);
        ok = ok && cJSON_AddStringToObject(period, "end", date);
    }
    if (ok && cover->has_retroactive_date) {
        ds_date_format(date, sizeof date, cover->retroactive_date);
        ok = cJSON_AddStringToObject(root, "retroactive_date", date) != NULL;
    }
    if (ok && cover->reporting_days >= 0)
        ok = cJSON_AddNumberToObject(root, "reporting_days",
                                     (double)cover->reporting_days) != NULL;
    cJSON *coverages = ok ? cJSON_AddArrayToObject(root, "coverages") : NULL;
    ok = ok && coverages;
    for (int c = 0; ok && c < DS_COV_COUNT; c++) {
        const ds_coverage_terms *ct = &cover->terms.coverage[c];
        if (!ct->is_covered)
            continue;
        cJSON *item = cJSON_CreateObject();
        ok = item && cJSON_AddItemToArray(coverages, item) &&
             cJSON_AddStringToObject(item, "code", ds_coverage_code((ds_coverage)c)) &&
             add_money_or_null(item, "sublimit", ct->sublimit) &&
             ds_money_add(item, "deductible", ct->deductible);
        if (ok && ds_coverage_is_time_based((ds_coverage)c))
            ok = cJSON_AddNumberToObject(item, "waiting_hours",
                                         (double)ct->waiting_millihours / 1000.0) != NULL;
    }
    const ds_terms *t = &cover->terms;
    ok = ok && ds_money_add(root, "deductible", t->deductible);
    cJSON *layer = ok ? cJSON_AddObjectToObject(root, "layer") : NULL;
    ok = ok && layer && ds_money_add(layer, "attachment", t->attachment) &&
         add_money_or_null(layer, "limit", t->layer_limit) &&
         cJSON_AddNumberToObject(layer, "participation",
                                 (double)t->participation_ppm / DS_PPM) &&
         add_money_or_null(root, "aggregate_limit", t->aggregate_limit);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
