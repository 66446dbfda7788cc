/*
 * quote_request.h: the quote request of DESIGN.md section 5, read and validated field by
 * field ("assets[1].records: must be a non-negative integer").
 *
 * {"platform": {"id", "name", "industry", "revenue", "employees"},
 *  "maturity": {"dsmm_level": 1..5},
 *  "controls": {"mfa": bool, "encryption_at_rest", "offline_backup", "edr", "dlp",
 *               "incident_response_plan"},
 *  "assets": [...as for grading...],
 *  "incidents": [{"date", "kind", "records", "loss"}], "history_years": t,
 *  "cover": {...policy terms...},
 *  "rating_plan": "default",
 *  "options": {"sims", "seed", "principle", "what_if"}}
 *
 * Ownership: the request owns its asset list; ds_quote_request_clear frees it.
 */
#ifndef DS_PRICING_QUOTE_REQUEST_H
#define DS_PRICING_QUOTE_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "data/rating_plan.h"
#include "pricing/assets.h"
#include "pricing/cover.h"

#define DS_QUOTE_DEFAULT_SIMS 100000
#define DS_QUOTE_MAX_SIMS 10000000

typedef struct ds_quote_request {
    char platform_id[128];
    char platform_name[256];
    char industry[16];          /* GB/T 4754 code, "" when not given */
    double revenue;             /* annual revenue, currency units, > 0 */
    int64_t employees;          /* -1 when not given */
    int dsmm_level;             /* 1..5 */
    int has_control[DS_CONTROL_COUNT];
    ds_asset_list assets;
    size_t n_incidents;         /* incidents in the history */
    double history_years;       /* years of history they cover, > 0 */
    ds_cover cover;
    char rating_plan[256];
    uint64_t sims, seed;
    int has_principle;          /* else the plan's */
    ds_principle principle;
    int what_if;
} ds_quote_request;

/* Reads and validates a request. Clears *out first; on failure *out holds nothing to free. */
int ds_quote_request_parse(ds_quote_request *out, const cJSON *json, ds_error *err);

/* Frees what the request owns. NULL-safe. */
void ds_quote_request_clear(ds_quote_request *req);

#endif
