/*
 * cover.h: the policy terms a quote request asks for and a policy holds ("cover", DESIGN.md
 * section 5), read from JSON into the integer terms of pricing/terms.h and written back.
 *
 * {"currency": "CNY", "period": {"start": "2027-01-01", "end": "2027-12-31"},
 *  "retroactive_date": "2025-01-01", "reporting_days": 90,
 *  "coverages": [{"code": "INRE", "sublimit": 2000000},
 *                {"code": "NPBI", "sublimit": 2000000, "deductible": 10000, "waiting_hours": 12}],
 *  "deductible": 50000,
 *  "layer": {"attachment": 0, "limit": 10000000, "participation": 1.0},
 *  "aggregate_limit": 10000000}
 *
 * Amounts are currency units with at most two decimals; waiting hours have at most three
 * decimals and participation at most six, so that both are held exactly. A coverage not listed
 * is not covered. Absent terms do not apply.
 */
#ifndef DS_PRICING_COVER_H
#define DS_PRICING_COVER_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "pricing/terms.h"

typedef struct ds_cover {
    char currency[4];            /* ISO 4217 code */
    int64_t period_start;        /* days since 1970-01-01, first day covered */
    int64_t period_end;          /* last day covered (inclusive) */
    int has_retroactive_date;
    int64_t retroactive_date;    /* days; incidents before it are not covered */
    int64_t reporting_days;      /* days after the period to report a claim; -1: no limit */
    ds_terms terms;
} ds_cover;

/* Parses the cover object at path ("cover"). */
int ds_cover_parse(ds_cover *out, const cJSON *json, const char *path, ds_error *err);

/* The cover as JSON in the input's form (amounts in currency units). NULL on allocation
 * failure; caller frees with cJSON_Delete. */
cJSON *ds_cover_to_json(const ds_cover *cover);

#endif
