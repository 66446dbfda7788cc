/*
 * routes.h: the route table of the HTTP server and what a handler receives (internal to web/).
 *
 * A handler parses the request, calls one use case and renders its result into a
 * ds_http_response; it never touches libmicrohttpd's response objects. By the time it runs, the
 * server has matched the route and method, checked the key and the role, the media type and
 * the size of the body. The handlers live in routes_pricing.c (grade, quotes, policies),
 * routes_claims.c, routes_ledger.c and routes_misc.c (health, metrics, static files, keys).
 */
#ifndef DS_WEB_ROUTES_H
#define DS_WEB_ROUTES_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "claims/ledger.h"
#include "data/db.h"
#include "data/ledger_store.h"
#include "web/auth.h"
#include "web/http_json.h"
#include "web/metrics.h"
#include "web/server.h"

/* One database connection of the pool, with the ledger handles it caches between requests. */
typedef struct ds_slot {
    ds_db *db;
    ds_ledger *ledger;       /* the last log opened on this connection, or NULL */
    char *ledger_origin;     /* its origin */
    ds_ledger_store *store;  /* statements for entry pages, prepared on first use */
} ds_slot;

/* Opens (or reuses) the ledger of origin on the slot's connection; borrowed by the caller. */
int ds_slot_ledger(ds_ledger **out, ds_slot *slot, const char *origin, ds_error *err);
/* The slot's ledger store (prepared on first use); borrowed. */
int ds_slot_store(ds_ledger_store **out, ds_slot *slot, ds_error *err);

typedef struct ds_request {
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    const char *id;                 /* the {id} segment of the path, or NULL */
    const char *body;               /* NUL-terminated; "" without a body */
    size_t body_len;
    const char *content_type;       /* as sent, or NULL */
    const ds_principal *who;        /* NULL on public routes */
    ds_slot *slot;
    const ds_server_config *cfg;
    ds_metrics *metrics;
} ds_request;

/* A query parameter (NULL when absent). */
const char *ds_request_query(const ds_request *req, const char *name);

typedef void (*ds_route_fn)(ds_http_response *res, const ds_request *req);

enum { DS_BODY_NONE = 0, DS_BODY_JSON = 1, DS_BODY_JSON_OR_NDJSON = 2 };

typedef struct ds_route {
    const char *method;
    const char *pattern;     /* "/v1/quotes/{id}": {id} matches one non-empty segment */
    unsigned roles;          /* DS_ROLE_* bits admitted; 0: public, no key needed */
    int body;                /* DS_BODY_* */
    ds_route_fn fn;
} ds_route;

extern const ds_route ds_routes[];
extern const size_t ds_n_routes;

/* Handlers. */
void ds_route_grade(ds_http_response *res, const ds_request *req);
void ds_route_quote_create(ds_http_response *res, const ds_request *req);
void ds_route_quote_get(ds_http_response *res, const ds_request *req);
void ds_route_policy_create(ds_http_response *res, const ds_request *req);
void ds_route_policy_get(ds_http_response *res, const ds_request *req);
void ds_route_claims_create(ds_http_response *res, const ds_request *req);
void ds_route_claim_get(ds_http_response *res, const ds_request *req);
void ds_route_ledger_append(ds_http_response *res, const ds_request *req);
void ds_route_ledger_checkpoint(ds_http_response *res, const ds_request *req);
void ds_route_ledger_key(ds_http_response *res, const ds_request *req);
void ds_route_ledger_inclusion(ds_http_response *res, const ds_request *req);
void ds_route_ledger_consistency(ds_http_response *res, const ds_request *req);
void ds_route_ledger_entries(ds_http_response *res, const ds_request *req);
void ds_route_healthz(ds_http_response *res, const ds_request *req);
void ds_route_metrics(ds_http_response *res, const ds_request *req);
void ds_route_index(ds_http_response *res, const ds_request *req);
void ds_route_static(ds_http_response *res, const ds_request *req);
void ds_route_key_create(ds_http_response *res, const ds_request *req);

/* Shared by handlers: the body parsed as JSON ("request: malformed JSON at ..."). */
int ds_request_json(cJSON **out, const ds_request *req, ds_error *err);

/* 1 when a platform key's platform is `platform_id` (always 1 for other roles). */
int ds_request_owns(const ds_request *req, const char *platform_id);

#endif
