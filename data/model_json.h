/*
 * model_json.h: the JSON of `dsure aggregate` (DESIGN.md section 4), both ways.
 *
 * Reading: a model object {"frequency": {"dist": ...}, "severity": {"dist": ...},
 * "terms": {...}, "measures": {...}} becomes a validated ds_agg_model. Unknown fields are
 * refused, and every error names the field ("severity.dist: unknown distribution
 * \"lognormall\"", "terms.coinsurance: must be in (0, 1]", "measures.var[1]: must be in (0, 1)").
 * The frequency and severity readers are public so that other inputs (quote requests, fitted
 * models) describe distributions the same way.
 *
 * Writing: a ds_agg_result becomes the result object of the contract, keys in the contract's
 * order; numbers that are not finite (a moment that does not exist) are written as null.
 *
 * Ownership: parsed models own their severity (free with ds_agg_model_clear); nothing is kept
 * from the cJSON tree. On failure nothing is left allocated and *out is cleared.
 */
#ifndef DS_DATA_MODEL_JSON_H
#define DS_DATA_MODEL_JSON_H

#include <cjson/cJSON.h>

#include "actuarial/aggregate.h"
#include "actuarial/error.h"
#include "actuarial/frequency.h"
#include "actuarial/severity.h"

/* obj is the frequency object at path ("frequency"): {"dist": "poisson", "lambda": 3}. */
int ds_model_json_freq(ds_freq *out, const cJSON *obj, const char *path, ds_error *err);

/* obj is the severity object at path ("severity"); spliced severities nest one level:
 * {"dist": "spliced", "body": {...}, "tail": {...}, "threshold": T, "body_weight": w}.
 * Caller frees *out with ds_sev_clear. */
int ds_model_json_sev(ds_sev *out, const cJSON *obj, const char *path, ds_error *err);

/* "terms" (absent fields: no deductible, no limit, coinsurance 1); null limits mean none. */
int ds_model_json_terms(ds_agg_terms *out, const cJSON *obj, const char *path, ds_error *err);

/* "measures" (absent fields: the defaults of ds_agg_measures_default). */
int ds_model_json_measures(ds_agg_measures *out, const cJSON *obj, const char *path,
                           ds_error *err);

/* The whole model, validated with ds_agg_model_validate. Caller frees with
 * ds_agg_model_clear. DS_EINVAL naming the field on any mistake. */
int ds_model_json_agg(ds_agg_model *out, const cJSON *root, ds_error *err);

/* The result object; NULL when out of memory. Caller frees with cJSON_Delete. */
cJSON *ds_model_json_agg_result(const ds_agg_result *result);

#endif
