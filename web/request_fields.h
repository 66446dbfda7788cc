/*
 * request_fields.h: reading a request body that is a JSON object of exactly two string members,
 * one required and one optional ({"role", "platform"} for POST /v1/keys, {"quote_id", "log"}
 * for POST /v1/policies), with the typed getters of data/json_in.h so every error names the
 * field. Shared by web/routes_misc.c and web/routes_pricing.c.
 */
#ifndef DS_WEB_REQUEST_FIELDS_H
#define DS_WEB_REQUEST_FIELDS_H

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "web/routes.h"

/*
 * Parses req's body into *request (the caller deletes it, also on error) and points *required
 * and *optional at its members (*optional stays NULL when absent). DS_EINVAL for malformed
 * JSON, a non-object, any other member, a missing required member or a non-string.
 */
int ds_request_string_pair(cJSON **request, const char **required, const char **optional,
                           const ds_request *req, const char *required_key,
                           const char *optional_key, ds_error *err);

#endif
