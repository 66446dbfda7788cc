/*
 * json_in.c: typed, path-naming field readers over cJSON (see json_in.h).
 */
#include "data/json_in.h"

#include <math.h>
#include <string.h>

/* The offset of the first "\u0000" escape in text, or len. cJSON would end the string there
 * without a word, so "A\u0000B" would silently become "A". Each escape consumes two characters,
 * so an escaped backslash followed by "u0000" is not mistaken for one. */
static size_t find_nul_escape(const char *text, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (text[i] != '\\')
            continue;
        if (text[i + 1] == 'u' && i + 5 < len && text[i + 2] == '0' && text[i + 3] == '0' &&
            text[i + 4] == '0' && text[i + 5] == '0')
            return i;
        i++;
    }
    return len;
}

/* The first member name that repeats within one object of the tree, or NULL. A document with
 * {"amount": 1, "amount": 2} means different things to different readers; refuse it. */
static const cJSON *find_duplicate_key(const cJSON *node, int depth)
{
    if (depth > 512)
        return NULL;
    const cJSON *child;
    cJSON_ArrayForEach(child, node)
    {
        if (cJSON_IsObject(node) && child->string) {
            for (const cJSON *earlier = node->child; earlier != child; earlier = earlier->next) {
                if (earlier->string && strcmp(earlier->string, child->string) == 0)
                    return child;
            }
        }
        if (cJSON_IsObject(child) || cJSON_IsArray(child)) {
            const cJSON *found = find_duplicate_key(child, depth + 1);
            if (found)
                return found;
        }
    }
    return NULL;
}

int ds_json_parse(cJSON **out, const char *text, size_t len, const char *what, ds_error *err)
{
    *out = NULL;
    size_t nul = find_nul_escape(text, len);
    if (nul < len)
        return ds_error_set(err, DS_EINVAL, what,
                            "a string holds the NUL character (\\u0000) at byte %zu", nul);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root) {
        /* Trailing garbage after the value is an error, not something to ignore. */
        const char *p = end;
        while (p < text + len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
            p++;
        if (p == text + len) {
            const cJSON *duplicate = find_duplicate_key(root, 0);
            if (duplicate) {
                int rc = ds_error_set(err, DS_EINVAL, what, "member \"%s\" appears twice in one "
                                      "object", duplicate->string);
                cJSON_Delete(root);
                return rc;
            }
            *out = root;
            return 0;
        }
        cJSON_Delete(root);
    }
    /* On failure cJSON sets end to where parsing stopped, the same as its global error pointer,
     * which threads of the server would race on. */
    size_t line = 1, column = 1;
    if (end && end >= text && end <= text + len) {
        for (const char *p = text; p < end; p++) {
            if (*p == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
    }
    return ds_error_set(err, DS_EINVAL, what, "malformed JSON at line %zu, column %zu", line,
                        column);
}

int ds_json_expect_object(const cJSON *node, const char *path, ds_error *err)
{
    if (cJSON_IsObject(node))
        return 0;
    return ds_error_set(err, DS_EINVAL, path && path[0] ? path : "input", "must be an object");
}

int ds_json_only_keys(const cJSON *obj, const char *path, const char *const *allowed,
                      ds_error *err)
{
    const cJSON *member;
    cJSON_ArrayForEach(member, obj)
    {
        int known = 0;
        for (const char *const *name = allowed; *name; name++) {
            if (member->string && strcmp(member->string, *name) == 0) {
                known = 1;
                break;
            }
        }
        if (!known) {
            char field[DS_PATH_MAX];
            return ds_error_set(err, DS_EINVAL,
                                ds_path_key(field, sizeof field, path, member->string),
                                "unknown field");
        }
    }
    return 0;
}

/* Finds obj[key]; a JSON null counts as absent. Reports a missing required field. */
static int lookup(const cJSON **item, const cJSON *obj, const char *parent, const char *key,
                  ds_json_need need, ds_error *err)
{
    *item = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (*item && !cJSON_IsNull(*item))
        return 0;
    if (need == DS_JSON_OPTIONAL)
        return DS_JSON_ABSENT;
    char field[DS_PATH_MAX];
    return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, parent, key),
                        "required field is missing");
}

static int wrong_type(const char *parent, const char *key, const char *expected, ds_error *err)
{
    char field[DS_PATH_MAX];
    return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, parent, key),
                        "must be %s", expected);
}

int ds_json_object(const cJSON **out, const cJSON *obj, const char *parent, const char *key,
                   ds_json_need need, ds_error *err)
{
    const cJSON *item;
    int rc = lookup(&item, obj, parent, key, need, err);
    if (rc)
        return rc;
    if (!cJSON_IsObject(item))
        return wrong_type(parent, key, "an object", err);
    *out = item;
    return 0;
}

int ds_json_array(const cJSON **out, const cJSON *obj, const char *parent, const char *key,
                  ds_json_need need, ds_error *err)
{
    const cJSON *item;
    int rc = lookup(&item, obj, parent, key, need, err);
    if (rc)
        return rc;
    if (!cJSON_IsArray(item))
        return wrong_type(parent, key, "an array", err);
    *out = item;
    return 0;
}

int ds_json_node_number(double *out, const cJSON *node, const char *path, ds_error *err)
{
    if (!cJSON_IsNumber(node) || !isfinite(node->valuedouble))
        return ds_error_set(err, DS_EINVAL, path, "must be a number");
    *out = node->valuedouble;
    return 0;
}

int ds_json_node_int64(int64_t *out, const cJSON *node, const char *path, ds_error *err)
{
    double v = 0;
    int rc = ds_json_node_number(&v, node, path, err);
    if (rc)
        return rc;
    /* 2^53: beyond it a JSON number no longer holds every integer exactly. */
    if (v != floor(v) || fabs(v) > 9007199254740992.0)
        return ds_error_set(err, DS_EINVAL, path, "must be an integer");
    *out = (int64_t)v;
    return 0;
}

int ds_json_number(double *out, const cJSON *obj, const char *parent, const char *key,
                   ds_json_need need, ds_error *err)
{
    const cJSON *item;
    int rc = lookup(&item, obj, parent, key, need, err);
    if (rc)
        return rc;
    char field[DS_PATH_MAX];
    return ds_json_node_number(out, item, ds_path_key(field, sizeof field, parent, key), err);
}

int ds_json_int64(int64_t *out, const cJSON *obj, const char *parent, const char *key,
                  ds_json_need need, ds_error *err)
{
    const cJSON *item;
    int rc = lookup(&item, obj, parent, key, need, err);
    if (rc)
        return rc;
    char field[DS_PATH_MAX];
    return ds_json_node_int64(out, item, ds_path_key(field, sizeof field, parent, key), err);
}

int ds_json_string(const char **out, const cJSON *obj, const char *parent, const char *key,
                   ds_json_need need, ds_error *err)
{
    const cJSON *item;
    int rc = lookup(&item, obj, parent, key, need, err);
    if (rc)
        return rc;
    if (!cJSON_IsString(item) || !item->valuestring)
        return wrong_type(parent, key, "a string", err);
    *out = item->valuestring;
    return 0;
}

int ds_json_bool(int *out, const cJSON *obj, const char *parent, const char *key,
                 ds_json_need need, ds_error *err)
{
    const cJSON *item;
    int rc = lookup(&item, obj, parent, key, need, err);
    if (rc)
        return rc;
    if (!cJSON_IsBool(item))
        return wrong_type(parent, key, "true or false", err);
    *out = cJSON_IsTrue(item);
    return 0;
}

cJSON *ds_json_add_number_or_null(cJSON *obj, const char *key, double value)
{
    if (isfinite(value))
        return cJSON_AddNumberToObject(obj, key, value);
    return cJSON_AddNullToObject(obj, key);
}
