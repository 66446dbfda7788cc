/*
 * assets.h: a platform's declared data assets and their grades (GB/T 43697-2024), read from the
 * "assets" array of a grading or quote request (DESIGN.md section 5), and the grading profile.
 *
 * Each asset: {"id", "name"?, "records", "impacts"?: [{"object", "degree"}], "grade"?,
 * "personal"?}. An asset needs impacts or a declared grade (or both). Ids are unique.
 *
 * Ownership: ds_asset_list owns its assets and their strings; ds_assets_clear frees them.
 */
#ifndef DS_PRICING_ASSETS_H
#define DS_PRICING_ASSETS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "pricing/grading.h"

typedef struct ds_impact {
    ds_impact_object object;
    ds_harm_degree degree;
} ds_impact;

typedef struct ds_asset {
    char *id;
    char *name;              /* NULL when not given */
    int64_t records;         /* >= 0 */
    int is_personal;
    ds_impact *impacts;
    size_t n_impacts;
    int declared_grade;      /* a ds_grade, or DS_GRADE_NONE */
    int derived_grade;       /* from the impacts, or DS_GRADE_NONE without impacts */
    size_t deciding_impact;  /* index of the impact that gave derived_grade */
    ds_grade grade;          /* the grade priced: the higher of derived and declared */
} ds_asset;

typedef struct ds_asset_list {
    ds_asset *items;
    size_t n;
} ds_asset_list;

/* Parses and grades the assets array at path ("assets"). Clears *out first. */
int ds_assets_parse(ds_asset_list *out, const cJSON *array, const char *path, ds_error *err);

/* Frees everything the list owns and empties it. NULL-safe. */
void ds_assets_clear(ds_asset_list *list);

/* Records per grade, summed over the list. */
void ds_assets_records_by_grade(const ds_asset_list *list, int64_t out[DS_GRADE_COUNT]);

/*
 * The rule that decided an asset's grade, in words:
 * "economic_operation x serious -> important", "declared core",
 * "declared important, above the rules' general". Written into buf (truncated at cap).
 */
void ds_asset_rule(const ds_asset *asset, char *buf, size_t cap);

/*
 * The grading use case behind `dsure grade` and POST /v1/grade: request {"platform_id",
 * "assets"} to the grading profile (each asset with its derived, declared and priced grade and
 * the deciding rule; assets, records and record share per grade). Caller frees *out with
 * cJSON_Delete.
 */
int ds_grade_profile(cJSON **out, const cJSON *request, ds_error *err);

#endif
