/*
 * json_in.h: reading typed fields out of parsed JSON with errors that name the field.
 *
 * Every reader of external JSON (models, requests, claims, ledger records) goes through these,
 * so the same mistake gets the same message everywhere: "cover.layer.limit: must be a number".
 * Paths are built as "parent.key"; parent "" means the top level.
 *
 * Return convention for the getters: 0 when the field is present and valid (out is written),
 * DS_JSON_ABSENT when it is optional and missing or null (out untouched), a negative DS_E* code
 * (DS_EINVAL) when it is required and missing or has the wrong type.
 * Returned pointers are borrowed from the cJSON tree and live as long as it does.
 */
#ifndef DS_DATA_JSON_IN_H
#define DS_DATA_JSON_IN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"

#define DS_JSON_ABSENT 1

typedef enum { DS_JSON_OPTIONAL = 0, DS_JSON_REQUIRED = 1 } ds_json_need;

/*
 * Parses len bytes of text. On malformed JSON returns DS_EINVAL with "what: malformed JSON at
 * line L, column C". Caller frees *out with cJSON_Delete.
 */
int ds_json_parse(cJSON **out, const char *text, size_t len, const char *what, ds_error *err);

/* DS_EINVAL unless node is a JSON object; the message names path ("" reads as "input"). */
int ds_json_expect_object(const cJSON *node, const char *path, ds_error *err);

/*
 * Refuses members of obj whose names are not in allowed (a NULL-terminated list), so a typo
 * such as "lamdba" is reported instead of silently ignored.
 */
int ds_json_only_keys(const cJSON *obj, const char *path, const char *const *allowed,
                      ds_error *err);

int ds_json_object(const cJSON **out, const cJSON *obj, const char *parent, const char *key,
                   ds_json_need need, ds_error *err);
int ds_json_array(const cJSON **out, const cJSON *obj, const char *parent, const char *key,
                  ds_json_need need, ds_error *err);
/* A finite number. */
int ds_json_number(double *out, const cJSON *obj, const char *parent, const char *key,
                   ds_json_need need, ds_error *err);
/* An integral number within +-2^53 (exactly representable in a JSON double). */
int ds_json_int64(int64_t *out, const cJSON *obj, const char *parent, const char *key,
                  ds_json_need need, ds_error *err);
int ds_json_string(const char **out, const cJSON *obj, const char *parent, const char *key,
                   ds_json_need need, ds_error *err);
int ds_json_bool(int *out, const cJSON *obj, const char *parent, const char *key,
                 ds_json_need need, ds_error *err);

/* The same checks applied to an array element or a bare node, named by its full path. */
int ds_json_node_number(double *out, const cJSON *node, const char *path, ds_error *err);
int ds_json_node_int64(int64_t *out, const cJSON *node, const char *path, ds_error *err);

/*
 * Adds a number to obj, or JSON null when value is not finite (a moment that does not exist).
 * Returns the added item or NULL on allocation failure.
 */
cJSON *ds_json_add_number_or_null(cJSON *obj, const char *key, double value);

#endif
