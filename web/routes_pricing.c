/*
 * routes_pricing.c: POST /v1/grade, POST /v1/quotes, GET /v1/quotes/{id}, POST /v1/policies,
 * GET /v1/policies/{id}. Each parses the request, calls the use case behind the matching CLI
 * command (ds_grade_profile, ds_quote_run + ds_quote_save, ds_bind, the policy store) and renders
 * its JSON as the CLI prints it.
 *
 * Tenancy: a platform key may grade and quote only for its own platform; a request naming
 * another platform is refused with 400 ("platform.id: not this key's platform"), since the
 * requester wrote that id itself and nothing is revealed. Reading a quote or policy of another
 * platform answers 404 with the very message of a missing one, so ids cannot be probed.
 */
#include <stdlib.h>
#include <string.h>

#include "claims/bind.h"
#include "data/json_in.h"
#include "data/policy_store.h"
#include "pricing/assets.h"
#include "pricing/quote.h"
#include "web/request_fields.h"
#include "web/routes.h"

static int check_platform(const ds_request *req, const cJSON *obj, const char *parent,
                          const char *key, ds_error *err)
{
    if (!req->who || req->who->role != DS_ROLE_PLATFORM)
        return 0;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, key);
    char path[DS_PATH_MAX];
    ds_path_key(path, sizeof path, parent, key);
    if (!cJSON_IsString(id))
        return 0; /* the use case names the missing or mistyped field */
    if (!ds_request_owns(req, id->valuestring))
        return ds_error_set(err, DS_EINVAL, path, "not this key's platform");
    return 0;
}

void ds_route_grade(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    cJSON *request = NULL, *profile = NULL;
    int rc = ds_request_json(&request, req, &err);
    if (!rc && cJSON_IsObject(request))
        rc = check_platform(req, request, "", "platform_id", &err);
    if (!rc)
        rc = ds_grade_profile(&profile, request, &err);
    if (rc)
        ds_http_respond_ds_error(res, &err);
    else
        ds_http_respond_json(res, 200, profile);
    cJSON_Delete(request);
    cJSON_Delete(profile);
}

void ds_route_quote_create(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    cJSON *request = NULL, *quote = NULL;
    int rc = ds_request_json(&request, req, &err);
    if (!rc && cJSON_IsObject(request)) {
        const cJSON *platform = cJSON_GetObjectItemCaseSensitive(request, "platform");
        if (cJSON_IsObject(platform))
            rc = check_platform(req, platform, "platform", "id", &err);
    }
    if (!rc)
        rc = ds_quote_run(&quote, request, NULL, &err);
    /* Always saved, as `dsure quote --save`: the id handed out can be read back and bound. */
    if (!rc)
        rc = ds_quote_save(req->slot->db, request, quote, &err);
    if (rc) {
        ds_http_respond_ds_error(res, &err);
    } else {
        ds_metrics_add_quote(req->metrics);
        ds_http_respond_json(res, 201, quote);
    }
    cJSON_Delete(request);
    cJSON_Delete(quote);
}

/* Renders stored JSON text as the CLI prints JSON. */
static void respond_stored(ds_http_response *res, const char *text, const char *what)
{
    ds_error err;
    ds_error_clear(&err);
    cJSON *json = NULL;
    if (ds_json_parse(&json, text, strlen(text), what, &err)) {
        ds_error_set(&err, DS_EINTERNAL, NULL, "stored %s is not JSON", what);
        ds_http_respond_ds_error(res, &err);
        return;
    }
    ds_http_respond_json(res, 200, json);
    cJSON_Delete(json);
}

static void respond_missing(ds_http_response *res, const char *field, const char *what,
                            const char *id)
{
    ds_error err;
    ds_error_set(&err, DS_ENOTFOUND, field, "no %s \"%s\"", what, id);
    ds_http_respond_ds_error(res, &err);
}

void ds_route_quote_get(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    ds_stored_quote quote;
    memset(&quote, 0, sizeof quote);
    int rc = ds_quote_store_load(&quote, req->slot->db, req->id, &err);
    if (rc == DS_ENOTFOUND || (!rc && !ds_request_owns(req, quote.platform_id)))
        respond_missing(res, "quote_id", "quote", req->id);
    else if (rc)
        ds_http_respond_ds_error(res, &err);
    else
        respond_stored(res, quote.quote_json, "quote");
    ds_stored_quote_clear(&quote);
}

void ds_route_policy_create(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    cJSON *request = NULL, *policy = NULL;
    const char *quote_id = NULL, *log = NULL;
    int rc = ds_request_string_pair(&request, &quote_id, &log, req, "quote_id", "log", &err);
    if (!rc) {
        /* Only insurers bind (see routes.c); the quote must exist for them. */
        rc = ds_bind(&policy, req->slot->db, quote_id, log, &err);
    }
    if (rc)
        ds_http_respond_ds_error(res, &err);
    else
        ds_http_respond_json(res, 201, policy);
    cJSON_Delete(request);
    cJSON_Delete(policy);
}

void ds_route_policy_get(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    ds_stored_policy policy;
    memset(&policy, 0, sizeof policy);
    int rc = ds_policy_store_load(&policy, req->slot->db, req->id, &err);
    if (rc == DS_ENOTFOUND || (!rc && !ds_request_owns(req, policy.platform_id)))
        respond_missing(res, "policy_id", "policy", req->id);
    else if (rc)
        ds_http_respond_ds_error(res, &err);
    else
        respond_stored(res, policy.policy_json, "policy");
    ds_stored_policy_clear(&policy);
}
