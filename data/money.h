/*
 * money.h: amounts of money between JSON and int64 minor units.
 *
 * In JSON an amount is a decimal number of currency units with at most two decimals
 * (DESIGN.md section 7); inside dsure it is int64 minor units (1 unit = 100 minor units). An
 * input with more decimals is refused, never rounded: rounding someone's claimed amount is a
 * decision, not a parsing step.
 */
#ifndef DS_DATA_MONEY_H
#define DS_DATA_MONEY_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "data/json_in.h"

/* The largest amount one loss or limit may carry: 10^17 minor units (10^15 currency units).
 * Nine of them still add up inside int64, so sums over coverages never overflow. */
#define DS_MONEY_MAX 100000000000000000LL

/* Reads a non-negative amount at obj[key]; returns as the ds_json getters do. */
int ds_money_get(int64_t *out_minor, const cJSON *obj, const char *parent, const char *key,
                 ds_json_need need, ds_error *err);

/* The same for a bare node named by path. */
int ds_money_node(int64_t *out_minor, const cJSON *node, const char *path, ds_error *err);

/* Adds an amount in currency units (minor / 100, printed with at most two decimals). */
cJSON *ds_money_add(cJSON *obj, const char *key, int64_t minor);

#endif
