/*
 * rating_plan.h: a rating plan, the data behind every premium (DESIGN.md section 5;
 * docs/rating-model.md explains each number and its source).
 *
 * A plan is JSON, versioned, loaded by name or from a file an insurer supplies:
 *   - "default" is compiled into the program from data/rating/default.json, so dsure prices
 *     the same way wherever it runs;
 *   - a name containing '/' or ending in ".json" is read as a file path;
 *   - any other name is looked up as <dir>/<name>.json, dir = $DSURE_PLAN_DIR or "rating".
 * Every field is validated with its path ("plan.kinds.ransomware.share: must be in [0, 1]").
 *
 * Ownership: a loaded plan is a plain struct with no pointers; copy it freely.
 */
#ifndef DS_DATA_RATING_PLAN_H
#define DS_DATA_RATING_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"

/* Incident kinds of DESIGN.md section 5. */
typedef enum {
    DS_KIND_EXFILTRATION,
    DS_KIND_RANSOMWARE,
    DS_KIND_MISUSE,
    DS_KIND_OUTAGE,
    DS_KIND_LOSS
} ds_incident_kind;
#define DS_KIND_COUNT 5

/* Security controls of a quote request. */
typedef enum {
    DS_CONTROL_MFA,
    DS_CONTROL_ENCRYPTION_AT_REST,
    DS_CONTROL_OFFLINE_BACKUP,
    DS_CONTROL_EDR,
    DS_CONTROL_DLP,
    DS_CONTROL_INCIDENT_RESPONSE_PLAN
} ds_control;
#define DS_CONTROL_COUNT 6

/* What a control reduces. */
typedef enum {
    DS_EFFECT_FREQUENCY,
    DS_EFFECT_RECORDS,
    DS_EFFECT_OUTAGE,
    DS_EFFECT_EXTORTION,
    DS_EFFECT_RESPONSE
} ds_control_effect;
#define DS_EFFECT_COUNT 5

typedef enum {
    DS_PRINCIPLE_COST_OF_CAPITAL,
    DS_PRINCIPLE_STD_DEV,
    DS_PRINCIPLE_WANG
} ds_principle;

#define DS_PLAN_MAX_RATES 96

typedef struct ds_plan_kind {
    double share;               /* probability an event is of this kind */
    int has_records;            /* the kind compromises records */
    double records_mean;        /* mean fraction of records compromised (Beta mean) */
    double records_concentration; /* Beta a + b */
    int has_outage;
    double outage_meanlog, outage_sdlog; /* outage hours, lognormal */
} ds_plan_kind;

typedef struct ds_plan_fine {
    double probability;
    double min, max;            /* plan currency */
} ds_plan_fine;

typedef struct ds_rating_plan {
    char name[64];
    char version[32];
    char currency[4];
    double fx_usd;              /* plan currency per USD */
    /* frequency */
    size_t n_rates;
    char rate_code[DS_PLAN_MAX_RATES][8];
    double rate[DS_PLAN_MAX_RATES];
    double base_rate_default;
    double reference_revenue, size_elasticity, size_min_factor, size_max_factor;
    double dsmm[5];
    double prior_shape;
    /* controls */
    double credit[DS_CONTROL_COUNT][DS_EFFECT_COUNT];
    double control_floor[DS_EFFECT_COUNT];
    /* events */
    ds_plan_kind kind[DS_KIND_COUNT];
    /* severity */
    double grade_weight[3];     /* by ds_grade order: general, important, core */
    double breach_intercept, breach_slope, breach_sdlog, breach_fx; /* fx to plan currency */
    double split_inre, split_lia, split_dias;
    ds_plan_fine fine[3];       /* by grade: general, important, core */
    double bi_gross_margin, bi_extra_expense, bi_contingent_share;
    double ext_pay_probability, ext_demand_share, ext_sdlog;
    double fraud_probability, fraud_meanlog, fraud_sdlog;
    double restoration_per_hour;
    double eno_probability, eno_share_of_bi;
    /* loading */
    ds_principle principle;
    double coc_rate, tvar_level, std_dev_multiplier, wang_lambda;
    double expense_ratio, profit_ratio;
    int64_t minimum_premium;    /* minor units */
} ds_rating_plan;

const char *ds_kind_name(ds_incident_kind kind);
int ds_kind_from_name(const char *name);          /* -1 when unknown */
const char *ds_control_name(ds_control control);
int ds_control_from_name(const char *name);       /* -1 when unknown */
const char *ds_effect_name(ds_control_effect effect);
const char *ds_principle_name(ds_principle p);
int ds_principle_from_name(const char *name);     /* -1 when unknown */

/* Reads a plan from parsed JSON; path names it in messages ("plan"). */
int ds_rating_plan_parse(ds_rating_plan *out, const cJSON *json, const char *path, ds_error *err);

/* Loads a plan by name or path as the file comment says. An unknown name: DS_ENOTFOUND. */
int ds_rating_plan_load(ds_rating_plan *out, const char *name, ds_error *err);

/* The base rate for a GB/T 4754 industry code: the code, then its section letter, then the
 * default. *matched receives the key used ("C36", "C" or "default"). */
double ds_rating_plan_base_rate(const ds_rating_plan *plan, const char *industry,
                                const char **matched);

/* The embedded text of data/rating/default.json (generated at build time). */
extern const char ds_rating_default_json[];

#endif
