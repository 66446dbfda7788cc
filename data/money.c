/*
 * money.c: decimal currency amounts <-> int64 minor units (see money.h).
 */
#include "data/money.h"

#include <float.h>
#include <math.h>

int ds_money_node(int64_t *out_minor, const cJSON *node, const char *path, ds_error *err)
{
    double units;
    int rc = ds_json_node_number(&units, node, path, err);
    if (rc)
        return rc;
    if (units < 0)
        return ds_error_set(err, DS_EINVAL, path, "must be a non-negative amount");
    if (units > (double)(DS_MONEY_MAX / 100))
        return ds_error_set(err, DS_EINVAL, path, "must be at most 10^15");
    double cents = units * 100.0;
    double rounded = nearbyint(cents);
    /* units is the double nearest a decimal; when that decimal had at most two places,
     * units * 100 lies within a few ulps of an integer (relative error <= 2^-52), so a third
     * decimal shows as a larger distance. */
    if (fabs(cents - rounded) > fmax(1e-9, 4.0 * DBL_EPSILON * rounded))
        return ds_error_set(err, DS_EINVAL, path, "must have at most two decimals");
    *out_minor = (int64_t)rounded;
    return 0;
}

int ds_money_get(int64_t *out_minor, const cJSON *obj, const char *parent, const char *key,
                 ds_json_need need, ds_error *err)
{
    const cJSON *item = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    char field[DS_PATH_MAX];
    ds_path_key(field, sizeof field, parent, key);
    if (!item || cJSON_IsNull(item)) {
        if (need == DS_JSON_OPTIONAL)
            return DS_JSON_ABSENT;
        return ds_error_set(err, DS_EINVAL, field, "required field is missing");
    }
    return ds_money_node(out_minor, item, field, err);
}

cJSON *ds_money_add(cJSON *obj, const char *key, int64_t minor)
{
    /* minor / 100.0 is the double nearest the decimal, and cJSON prints it with 15 significant
     * digits, which shows that decimal exactly for every amount up to 10^13 units. */
    return cJSON_AddNumberToObject(obj, key, (double)minor / 100.0);
}
