/*
 * assets.c: reading, grading and profiling a platform's data assets (see assets.h).
 */
#include "pricing/assets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/json_in.h"

static char *copy_string(const char *s)
{
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (copy)
        memcpy(copy, s, len + 1);
    return copy;
}

static void asset_clear(ds_asset *asset)
{
    free(asset->id);
    free(asset->name);
    free(asset->impacts);
    memset(asset, 0, sizeof *asset);
}

void ds_assets_clear(ds_asset_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++)
        asset_clear(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

static int parse_impacts(ds_asset *asset, const cJSON *impacts, const char *path, ds_error *err)
{
    size_t n = (size_t)cJSON_GetArraySize(impacts);
    if (n == 0)
        return ds_error_set(err, DS_EINVAL, path, "must list at least one impact");
    asset->impacts = calloc(n, sizeof *asset->impacts);
    if (!asset->impacts)
        return ds_error_set(err, DS_ENOMEM, path, "out of memory");
    static const char *const keys[] = {"object", "degree", NULL};
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, impacts)
    {
        char ipath[DS_PATH_MAX], field[DS_PATH_MAX];
        ds_path_index(ipath, sizeof ipath, path, i);
        const char *object_name, *degree_name;
        int rc = ds_json_expect_object(item, ipath, err);
        if (!rc)
            rc = ds_json_only_keys(item, ipath, keys, err);
        if (!rc)
            rc = ds_json_string(&object_name, item, ipath, "object", DS_JSON_REQUIRED, err);
        if (!rc)
            rc = ds_json_string(&degree_name, item, ipath, "degree", DS_JSON_REQUIRED, err);
        if (rc)
            return rc;
        int object = ds_impact_object_from_name(object_name);
        if (object < 0)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, ipath, "object"),
                                "unknown impact object \"%s\"", object_name);
        int degree = ds_harm_degree_from_name(degree_name);
        if (degree < 0)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, ipath, "degree"),
                                "unknown degree of harm \"%s\"", degree_name);
        asset->impacts[i].object = (ds_impact_object)object;
        asset->impacts[i].degree = (ds_harm_degree)degree;
        i++;
    }
    asset->n_impacts = n;
    return 0;
}

/* The highest grade over the impacts; the first impact reaching it is the deciding one. */
static void derive_grade(ds_asset *asset)
{
    asset->derived_grade = DS_GRADE_NONE;
    for (size_t i = 0; i < asset->n_impacts; i++) {
        int g = ds_grade_of_impact(asset->impacts[i].object, asset->impacts[i].degree);
        if (g > asset->derived_grade) {
            asset->derived_grade = g;
            asset->deciding_impact = i;
        }
    }
    int priced = asset->derived_grade > asset->declared_grade ? asset->derived_grade
                                                              : asset->declared_grade;
    asset->grade = (ds_grade)priced;
}

static int parse_asset(ds_asset *asset, const cJSON *item, const char *path, ds_error *err)
{
    static const char *const keys[] = {"id", "name", "records", "impacts", "grade", "personal",
                                       NULL};
    char field[DS_PATH_MAX];
    const char *id, *name = NULL, *grade_name = NULL;
    const cJSON *impacts = NULL;
    int rc = ds_json_expect_object(item, path, err);
    if (!rc)
        rc = ds_json_only_keys(item, path, keys, err);
    if (!rc)
        rc = ds_json_string(&id, item, path, "id", DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    if (!id[0])
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "id"),
                            "must not be empty");
    if ((rc = ds_json_string(&name, item, path, "name", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(item, "records");
    ds_path_key(field, sizeof field, path, "records");
    if (!records)
        return ds_error_set(err, DS_EINVAL, field, "required field is missing");
    if (ds_json_node_int64(&asset->records, records, field, err) || asset->records < 0)
        return ds_error_set(err, DS_EINVAL, field, "must be a non-negative integer");
    if ((rc = ds_json_bool(&asset->is_personal, item, path, "personal", DS_JSON_OPTIONAL, err)) <
        0)
        return rc;
    asset->declared_grade = DS_GRADE_NONE;
    if ((rc = ds_json_string(&grade_name, item, path, "grade", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    if (grade_name) {
        asset->declared_grade = ds_grade_from_name(grade_name);
        if (asset->declared_grade < 0)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "grade"),
                                "unknown grade \"%s\" (core, important or general)", grade_name);
    }
    if ((rc = ds_json_array(&impacts, item, path, "impacts", DS_JSON_OPTIONAL, err)) < 0)
        return rc;
    if (impacts) {
        rc = parse_impacts(asset, impacts, ds_path_key(field, sizeof field, path, "impacts"), err);
        if (rc)
            return rc;
    }
    if (!impacts && !grade_name)
        return ds_error_set(err, DS_EINVAL, path, "needs impacts or a declared grade");
    asset->id = copy_string(id);
    asset->name = name ? copy_string(name) : NULL;
    if (!asset->id || (name && !asset->name))
        return ds_error_set(err, DS_ENOMEM, path, "out of memory");
    derive_grade(asset);
    return 0;
}

int ds_assets_parse(ds_asset_list *out, const cJSON *array, const char *path, ds_error *err)
{
    ds_assets_clear(out);
    if (!cJSON_IsArray(array))
        return ds_error_set(err, DS_EINVAL, path, "must be an array");
    size_t n = (size_t)cJSON_GetArraySize(array);
    if (n == 0)
        return ds_error_set(err, DS_EINVAL, path, "must list at least one asset");
    out->items = calloc(n, sizeof *out->items);
    if (!out->items)
        return ds_error_set(err, DS_ENOMEM, path, "out of memory");
    const cJSON *item;
    cJSON_ArrayForEach(item, array)
    {
        char apath[DS_PATH_MAX];
        ds_path_index(apath, sizeof apath, path, out->n);
        int rc = parse_asset(&out->items[out->n], item, apath, err);
        out->n++; /* counted even on failure, so clear frees what was partly filled */
        if (!rc) {
            for (size_t k = 0; k + 1 < out->n; k++) {
                if (strcmp(out->items[k].id, out->items[out->n - 1].id) == 0) {
                    char field[DS_PATH_MAX];
                    rc = ds_error_set(err, DS_EINVAL,
                                      ds_path_key(field, sizeof field, apath, "id"),
                                      "duplicate asset id \"%s\" (also %s[%zu])",
                                      out->items[k].id, path, k);
                    break;
                }
            }
        }
        if (rc) {
            ds_assets_clear(out);
            return rc;
        }
    }
    return 0;
}

void ds_assets_records_by_grade(const ds_asset_list *list, int64_t out[DS_GRADE_COUNT])
{
    for (int g = 0; g < DS_GRADE_COUNT; g++)
        out[g] = 0;
    for (size_t i = 0; i < list->n; i++)
        out[list->items[i].grade] += list->items[i].records;
}

void ds_asset_rule(const ds_asset *asset, char *buf, size_t cap)
{
    if (asset->derived_grade == DS_GRADE_NONE) {
        snprintf(buf, cap, "declared %s", ds_grade_name(asset->grade));
    } else if (asset->declared_grade > asset->derived_grade) {
        snprintf(buf, cap, "declared %s, above the rules' %s", ds_grade_name(asset->grade),
                 ds_grade_name((ds_grade)asset->derived_grade));
    } else {
        const ds_impact *impact = &asset->impacts[asset->deciding_impact];
        snprintf(buf, cap, "%s x %s -> %s", ds_impact_object_name(impact->object),
                 ds_harm_degree_name(impact->degree), ds_grade_name(asset->grade));
    }
}

static int add_asset_json(cJSON *array, const ds_asset *asset)
{
    cJSON *obj = cJSON_CreateObject();
    if (!obj || !cJSON_AddItemToArray(array, obj))
        return -1;
    char rule[256];
    ds_asset_rule(asset, rule, sizeof rule);
    int ok = cJSON_AddStringToObject(obj, "id", asset->id) &&
             (asset->name ? cJSON_AddStringToObject(obj, "name", asset->name)
                          : cJSON_AddNullToObject(obj, "name")) &&
             cJSON_AddNumberToObject(obj, "records", (double)asset->records) &&
             cJSON_AddBoolToObject(obj, "personal", asset->is_personal) &&
             cJSON_AddStringToObject(obj, "grade", ds_grade_name(asset->grade)) &&
             (asset->derived_grade != DS_GRADE_NONE
                  ? cJSON_AddStringToObject(obj, "derived_grade",
                                            ds_grade_name((ds_grade)asset->derived_grade))
                  : cJSON_AddNullToObject(obj, "derived_grade")) &&
             (asset->declared_grade != DS_GRADE_NONE
                  ? cJSON_AddStringToObject(obj, "declared_grade",
                                            ds_grade_name((ds_grade)asset->declared_grade))
                  : cJSON_AddNullToObject(obj, "declared_grade")) &&
             cJSON_AddBoolToObject(obj, "declared_below_rules",
                                   asset->declared_grade != DS_GRADE_NONE &&
                                       asset->declared_grade < asset->derived_grade) &&
             cJSON_AddStringToObject(obj, "rule", rule);
    return ok ? 0 : -1;
}

static int add_grade_totals(cJSON *root, const ds_asset_list *assets)
{
    int64_t records[DS_GRADE_COUNT];
    ds_assets_records_by_grade(assets, records);
    int64_t total = records[0] + records[1] + records[2];
    cJSON *by_grade = cJSON_AddObjectToObject(root, "by_grade");
    if (!by_grade)
        return -1;
    /* Highest grade first, as a reader of a profile looks for core data first. */
    for (int g = DS_GRADE_CORE; g >= DS_GRADE_GENERAL; g--) {
        size_t count = 0;
        for (size_t i = 0; i < assets->n; i++)
            count += assets->items[i].grade == (ds_grade)g;
        cJSON *entry = cJSON_AddObjectToObject(by_grade, ds_grade_name((ds_grade)g));
        if (!entry || !cJSON_AddNumberToObject(entry, "assets", (double)count) ||
            !cJSON_AddNumberToObject(entry, "records", (double)records[g]) ||
            !cJSON_AddNumberToObject(entry, "share",
                                     total ? (double)records[g] / (double)total : 0.0))
            return -1;
    }
    return cJSON_AddNumberToObject(root, "total_records", (double)total) ? 0 : -1;
}

int ds_grade_profile(cJSON **out, const cJSON *request, ds_error *err)
{
    *out = NULL;
    static const char *const keys[] = {"platform_id", "assets", NULL};
    const char *platform_id = NULL;
    const cJSON *assets_json = NULL;
    int rc = ds_json_expect_object(request, "request", err);
    if (!rc)
        rc = ds_json_only_keys(request, "", keys, err);
    if (!rc)
        rc = ds_json_string(&platform_id, request, "", "platform_id", DS_JSON_REQUIRED, err);
    if (!rc)
        rc = ds_json_array(&assets_json, request, "", "assets", DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    ds_asset_list assets = {0};
    rc = ds_assets_parse(&assets, assets_json, "assets", err);
    if (rc)
        return rc;
    cJSON *root = cJSON_CreateObject();
    cJSON *list = root ? cJSON_AddArrayToObject(root, "assets") : NULL;
    int failed = !root || !cJSON_AddStringToObject(root, "platform_id", platform_id) || !list;
    /* platform_id first: move the assets array after it. */
    if (!failed) {
        cJSON_DetachItemViaPointer(root, list);
        cJSON_AddItemToObject(root, "standard", cJSON_CreateString("GB/T 43697-2024"));
        cJSON_AddItemToObject(root, "assets", list);
    }
    for (size_t i = 0; !failed && i < assets.n; i++)
        failed = add_asset_json(list, &assets.items[i]) != 0;
    if (!failed)
        failed = add_grade_totals(root, &assets) != 0;
    ds_assets_clear(&assets);
    if (failed) {
        cJSON_Delete(root);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory building the profile");
    }
    *out = root;
    return 0;
}
