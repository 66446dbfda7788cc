/*
 * quote_request.c: reading a quote request (see quote_request.h).
 */
#include "pricing/quote_request.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/incidents.h"
#include "data/json_in.h"

/* Copies a string field into a fixed buffer, refusing one that does not fit. */
static int copy_field(char *dst, size_t cap, const char *value, const char *parent,
                      const char *key, ds_error *err)
{
    if (strlen(value) >= cap) {
        char field[DS_PATH_MAX];
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, parent, key),
                            "longer than %zu characters", cap - 1);
    }
    snprintf(dst, cap, "%s", value);
    return 0;
}

static int parse_platform(ds_quote_request *req, const cJSON *json, ds_error *err)
{
    static const char *const keys[] = {"id", "name", "industry", "revenue", "employees", NULL};
    const cJSON *p;
    const char *id, *name = NULL, *industry = NULL;
    char field[DS_PATH_MAX];
    int rc = ds_json_object(&p, json, "", "platform", DS_JSON_REQUIRED, err);
    if (!rc)
        rc = ds_json_only_keys(p, "platform", keys, err);
    if (!rc)
        rc = ds_json_string(&id, p, "platform", "id", DS_JSON_REQUIRED, err);
    if (!rc && !id[0])
        rc = ds_error_set(err, DS_EINVAL, "platform.id", "must not be empty");
    if (!rc)
        rc = copy_field(req->platform_id, sizeof req->platform_id, id, "platform", "id", err);
    if (rc)
        return rc;
    if ((rc = ds_json_string(&name, p, "platform", "name", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    if (name && (rc = copy_field(req->platform_name, sizeof req->platform_name, name, "platform",
                                 "name", err)))
        return rc;
    if ((rc = ds_json_string(&industry, p, "platform", "industry", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    if (industry) {
        /* GB/T 4754-2017: a section letter A-T, then up to four digits. */
        size_t len = strlen(industry);
        int ok = len >= 1 && len <= 5 && industry[0] >= 'A' && industry[0] <= 'T';
        for (size_t i = 1; ok && i < len; i++)
            ok = industry[i] >= '0' && industry[i] <= '9';
        if (!ok)
            return ds_error_set(err, DS_EINVAL, "platform.industry",
                                "not a GB/T 4754 industry code such as \"C36\"");
        snprintf(req->industry, sizeof req->industry, "%s", industry);
    }
    if ((rc = ds_json_number(&req->revenue, p, "platform", "revenue", DS_JSON_REQUIRED, err)))
        return rc;
    if (!(req->revenue > 0) || req->revenue > 1e15)
        return ds_error_set(err, DS_EINVAL, "platform.revenue", "must be in (0, 10^15]");
    req->employees = -1;
    rc = ds_json_int64(&req->employees, p, "platform", "employees", DS_JSON_OPTIONAL, err);
    if (rc < 0)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, "platform",
                                                        "employees"),
                            "must be a non-negative integer");
    if (rc == 0 && req->employees < 0)
        return ds_error_set(err, DS_EINVAL, "platform.employees",
                            "must be a non-negative integer");
    return 0;
}

static int parse_maturity_and_controls(ds_quote_request *req, const cJSON *json, ds_error *err)
{
    static const char *const maturity_keys[] = {"dsmm_level", NULL};
    const cJSON *maturity = NULL, *controls = NULL;
    int64_t level = 0;
    int rc = ds_json_object(&maturity, json, "", "maturity", DS_JSON_REQUIRED, err);
    if (!rc)
        rc = ds_json_only_keys(maturity, "maturity", maturity_keys, err);
    if (!rc)
        rc = ds_json_int64(&level, maturity, "maturity", "dsmm_level", DS_JSON_REQUIRED, err);
    if (rc == DS_EINVAL || (!rc && (level < 1 || level > 5)))
        return ds_error_set(err, DS_EINVAL, "maturity.dsmm_level",
                            "must be an integer from 1 to 5 (GB/T 37988)");
    if (rc)
        return rc;
    req->dsmm_level = (int)level;
    if ((rc = ds_json_object(&controls, json, "", "controls", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    if (!controls)
        return 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, controls)
    {
        char field[DS_PATH_MAX];
        ds_path_key(field, sizeof field, "controls", item->string);
        int c = ds_control_from_name(item->string);
        if (c < 0)
            return ds_error_set(err, DS_EINVAL, field,
                                "unknown control (mfa, encryption_at_rest, offline_backup, edr, "
                                "dlp, incident_response_plan)");
        if (!cJSON_IsBool(item))
            return ds_error_set(err, DS_EINVAL, field, "must be true or false");
        req->has_control[c] = cJSON_IsTrue(item);
    }
    return 0;
}

static int parse_incidents(ds_quote_request *req, const cJSON *json, ds_error *err)
{
    const cJSON *incidents = NULL;
    int rc = ds_json_array(&incidents, json, "", "incidents", DS_JSON_OPTIONAL, err);
    if (rc < 0)
        return rc;
    size_t i = 0;
    if (incidents) {
        /* The same reader as `dsure fit`'s history; a quote also needs each incident's kind. */
        ds_incidents *history = ds_incidents_new();
        if (!history)
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        rc = ds_incidents_read_list(history, incidents, "incidents", err);
        for (; !rc && i < history->n; i++) {
            if (!history->items[i].kind[0]) {
                char field[DS_PATH_MAX];
                rc = ds_error_set(err, DS_EINVAL,
                                  ds_path_key(field, sizeof field, history->items[i].label,
                                              "kind"),
                                  "required field is missing");
            }
        }
        ds_incidents_free(history);
        if (rc)
            return rc;
    }
    req->n_incidents = i;
    double years = 0;
    rc = ds_json_number(&years, json, "", "history_years", i ? DS_JSON_REQUIRED : DS_JSON_OPTIONAL,
                        err);
    if (rc < 0)
        return rc;
    if (rc == DS_JSON_ABSENT) {
        req->history_years = 0;
        return 0;
    }
    if (!(years > 0 && years <= 100))
        return ds_error_set(err, DS_EINVAL, "history_years", "must be in (0, 100]");
    req->history_years = years;
    return 0;
}

static int parse_options(ds_quote_request *req, const cJSON *json, ds_error *err)
{
    static const char *const keys[] = {"sims", "seed", "principle", "what_if", NULL};
    const cJSON *options = NULL;
    int64_t sims = DS_QUOTE_DEFAULT_SIMS, seed = 1;
    const char *principle = NULL;
    req->sims = DS_QUOTE_DEFAULT_SIMS;
    req->seed = 1;
    int rc = ds_json_object(&options, json, "", "options", DS_JSON_OPTIONAL, err);
    if (rc < 0)
        return rc;
    if (!options)
        return 0;
    if ((rc = ds_json_only_keys(options, "options", keys, err)))
        return rc;
    rc = ds_json_int64(&sims, options, "options", "sims", DS_JSON_OPTIONAL, err);
    if (rc == DS_EINVAL || sims < 1000 || sims > DS_QUOTE_MAX_SIMS)
        return ds_error_set(err, DS_EINVAL, "options.sims",
                            "must be an integer from 1000 to %d", DS_QUOTE_MAX_SIMS);
    rc = ds_json_int64(&seed, options, "options", "seed", DS_JSON_OPTIONAL, err);
    if (rc == DS_EINVAL || seed < 0)
        return ds_error_set(err, DS_EINVAL, "options.seed", "must be a non-negative integer");
    req->sims = (uint64_t)sims;
    req->seed = (uint64_t)seed;
    if ((rc = ds_json_string(&principle, options, "options", "principle", DS_JSON_OPTIONAL,
                             err)) < 0)
        return rc;
    if (principle) {
        int p = ds_principle_from_name(principle);
        if (p < 0)
            return ds_error_set(err, DS_EINVAL, "options.principle",
                                "unknown premium principle \"%s\" (cost_of_capital, std_dev, "
                                "wang)",
                                principle);
        req->has_principle = 1;
        req->principle = (ds_principle)p;
    }
    if ((rc = ds_json_bool(&req->what_if, options, "options", "what_if", DS_JSON_OPTIONAL, err)) <
        0)
        return rc;
    return 0;
}

void ds_quote_request_clear(ds_quote_request *req)
{
    if (!req)
        return;
    ds_assets_clear(&req->assets);
    memset(req, 0, sizeof *req);
}

int ds_quote_request_parse(ds_quote_request *out, const cJSON *json, ds_error *err)
{
    static const char *const keys[] = {"platform", "maturity", "controls", "assets",
                                       "incidents", "history_years", "cover", "rating_plan",
                                       "options", NULL};
    memset(out, 0, sizeof *out);
    const cJSON *assets, *cover;
    const char *plan = "default";
    int rc = ds_json_expect_object(json, "request", err);
    if (!rc)
        rc = ds_json_only_keys(json, "", keys, err);
    if (!rc)
        rc = parse_platform(out, json, err);
    if (!rc)
        rc = parse_maturity_and_controls(out, json, err);
    if (!rc)
        rc = ds_json_array(&assets, json, "", "assets", DS_JSON_REQUIRED, err);
    if (!rc)
        rc = ds_assets_parse(&out->assets, assets, "assets", err);
    if (!rc)
        rc = parse_incidents(out, json, err);
    if (!rc)
        rc = ds_json_object(&cover, json, "", "cover", DS_JSON_REQUIRED, err);
    if (!rc)
        rc = ds_cover_parse(&out->cover, cover, "cover", err);
    if (!rc && (rc = ds_json_string(&plan, json, "", "rating_plan", DS_JSON_OPTIONAL, err)) > 0)
        rc = 0;
    if (!rc)
        rc = copy_field(out->rating_plan, sizeof out->rating_plan, plan, "", "rating_plan", err);
    if (!rc)
        rc = parse_options(out, json, err);
    if (rc)
        ds_quote_request_clear(out);
    return rc;
}
