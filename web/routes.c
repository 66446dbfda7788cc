/*
 * routes.c: the route table of DESIGN.md section 8 and the helpers handlers share.
 *
 * Who may call what (docs/http.md): insurer: grading, quotes, policies, claims, ledger reads;
 * platform: grading, quotes, reads of its own objects, claims on its own policies, ledger appends
 * to and reads of its own log; adjuster: claims and reads; admin: keys. A key whose role a route
 * does not admit gets the same 404 as an unknown route, so roles cannot be probed either.
 * Reading another tenant's object answers 404 exactly as a missing one does.
 */
#include "web/routes.h"

#include <string.h>

#include "data/json_in.h"

enum {
    ANY_KEY = DS_ROLE_INSURER | DS_ROLE_PLATFORM | DS_ROLE_ADJUSTER,
    PRICING = DS_ROLE_INSURER | DS_ROLE_PLATFORM
};

const ds_route ds_routes[] = {
    {"POST", "/v1/grade", PRICING, DS_BODY_JSON, ds_route_grade},
    {"POST", "/v1/quotes", PRICING, DS_BODY_JSON, ds_route_quote_create},
    {"GET", "/v1/quotes/{id}", ANY_KEY, DS_BODY_NONE, ds_route_quote_get},
    {"POST", "/v1/policies", DS_ROLE_INSURER, DS_BODY_JSON, ds_route_policy_create},
    {"GET", "/v1/policies/{id}", ANY_KEY, DS_BODY_NONE, ds_route_policy_get},
    {"POST", "/v1/claims", ANY_KEY, DS_BODY_JSON, ds_route_claims_create},
    {"GET", "/v1/claims/{id}", ANY_KEY, DS_BODY_NONE, ds_route_claim_get},
    {"POST", "/v1/ledger/entries", DS_ROLE_PLATFORM, DS_BODY_JSON_OR_NDJSON,
     ds_route_ledger_append},
    {"GET", "/v1/ledger/entries", ANY_KEY, DS_BODY_NONE, ds_route_ledger_entries},
    {"GET", "/v1/ledger/checkpoint", ANY_KEY, DS_BODY_NONE, ds_route_ledger_checkpoint},
    {"GET", "/v1/ledger/key", ANY_KEY, DS_BODY_NONE, ds_route_ledger_key},
    {"GET", "/v1/ledger/proof/inclusion", ANY_KEY, DS_BODY_NONE, ds_route_ledger_inclusion},
    {"GET", "/v1/ledger/proof/consistency", ANY_KEY, DS_BODY_NONE,
     ds_route_ledger_consistency},
    {"POST", "/v1/keys", DS_ROLE_ADMIN, DS_BODY_JSON, ds_route_key_create},
    {"GET", "/healthz", 0, DS_BODY_NONE, ds_route_healthz},
    {"GET", "/metrics", 0, DS_BODY_NONE, ds_route_metrics},
    {"GET", "/", 0, DS_BODY_NONE, ds_route_index},
    {"GET", "/static/{path}", 0, DS_BODY_NONE, ds_route_static},
};

const size_t ds_n_routes = sizeof ds_routes / sizeof ds_routes[0];

const char *ds_request_query(const ds_request *req, const char *name)
{
    return req->conn ? MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name)
                     : NULL;
}

int ds_request_json(cJSON **out, const ds_request *req, ds_error *err)
{
    return ds_json_parse(out, req->body, req->body_len, "request", err);
}

int ds_request_owns(const ds_request *req, const char *platform_id)
{
    if (!req->who || req->who->role != DS_ROLE_PLATFORM)
        return 1;
    return platform_id && strcmp(platform_id, req->who->platform_id) == 0;
}
