/*
 * request_fields.c: a two-string request body (see request_fields.h). Checks run in the order
 * the handlers ran them: JSON, object, known members, the required one, the optional one.
 */
#include "web/request_fields.h"

#include "data/json_in.h"

int ds_request_string_pair(cJSON **request, const char **required, const char **optional,
                           const ds_request *req, const char *required_key,
                           const char *optional_key, ds_error *err)
{
    const char *const keys[] = {required_key, optional_key, NULL};
    *request = NULL;
    *required = NULL;
    *optional = NULL;
    int rc = ds_request_json(request, req, err);
    if (!rc)
        rc = ds_json_expect_object(*request, "", err);
    if (!rc)
        rc = ds_json_only_keys(*request, "", keys, err);
    if (!rc)
        rc = ds_json_string(required, *request, "", required_key, DS_JSON_REQUIRED, err);
    if (!rc) {
        rc = ds_json_string(optional, *request, "", optional_key, DS_JSON_OPTIONAL, err);
        rc = rc == DS_JSON_ABSENT ? 0 : rc;
    }
    return rc;
}
