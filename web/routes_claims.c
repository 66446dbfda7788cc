/*
 * routes_claims.c: POST /v1/claims (one claim, a JSON array or JSON Lines of claims) and
 * GET /v1/claims/{id}, on the batch use case behind `dsure claims adjudicate`
 * (claims/adjudicate.h) and the claims table (data/claim_store.h).
 *
 * POST answers 200 with the batch JSON exactly as the CLI prints it, whatever the verdicts
 * (denied claims are results, not errors); a malformed batch is 400 and nothing is settled.
 * Tenancy: a platform key submits claims only on its own policies. Every claim it sends must
 * name a policy of its platform; one naming any other policy, existing or not, refuses the
 * whole batch with 404 ("claims[i].policy_id: no policy ...") before anything is settled, so the
 * answer is the same for another tenant's policy as for one that does not exist. GET answers
 * the stored result of a claim whose policy the key may read; others are 404.
 */
#include <stdio.h>
#include <string.h>

#include "claims/adjudicate.h"
#include "data/claim_store.h"
#include "data/json_in.h"
#include "data/policy_store.h"
#include "web/batch.h"
#include "web/routes.h"

/* 1 when the platform of policy_id is the request's (any policy for other roles). */
static int may_read_policy(const ds_request *req, const char *policy_id, ds_error *err, int *rc)
{
    *rc = 0;
    if (!req->who || req->who->role != DS_ROLE_PLATFORM)
        return 1;
    ds_stored_policy policy;
    memset(&policy, 0, sizeof policy);
    int lrc = ds_policy_store_load(&policy, req->slot->db, policy_id, err);
    int owns = !lrc && ds_request_owns(req, policy.platform_id);
    if (lrc && lrc != DS_ENOTFOUND)
        *rc = lrc;
    ds_stored_policy_clear(&policy);
    return owns;
}

static int check_claims_tenancy(const ds_request *req, ds_error *err)
{
    if (!req->who || req->who->role != DS_ROLE_PLATFORM)
        return 0;
    ds_batch b;
    int rc = ds_batch_read(&b, req->body, req->body_len, err);
    for (size_t i = 0; !rc && i < b.n; i++) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(b.items[i], "policy_id");
        if (!cJSON_IsString(id))
            continue; /* adjudication rejects the claim as malformed, naming the field */
        int lrc;
        if (!may_read_policy(req, id->valuestring, err, &lrc)) {
            char where[48], field[64];
            ds_batch_where(&b, i, where, sizeof where);
            snprintf(field, sizeof field, "%s%s", b.line_no ? where : b.is_array ? where : "",
                     b.line_no ? ": policy_id" : b.is_array ? ".policy_id" : "policy_id");
            rc = lrc ? lrc
                     : ds_error_set(err, DS_ENOTFOUND, field, "no policy \"%s\"",
                                    id->valuestring);
        }
    }
    ds_batch_clear(&b);
    return rc;
}

void ds_route_claims_create(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    cJSON *out = NULL;
    ds_adjudicate_summary summary;
    memset(&summary, 0, sizeof summary);
    int rc = check_claims_tenancy(req, &err);
    /* Settlement asks for synchronous=FULL (claims/adjudicate.h): an acknowledged payment
     * survives a power loss. The pool's connections otherwise run NORMAL (data/db.h). */
    if (!rc)
        rc = ds_db_exec(req->slot->db, "PRAGMA synchronous=FULL", &err);
    if (!rc) {
        rc = ds_adjudicate_text(&out, &summary, req->slot->db, req->body, req->body_len, NULL,
                                &err);
        ds_error ignored;
        ds_db_exec(req->slot->db, "PRAGMA synchronous=NORMAL", &ignored);
    }
    if (rc) {
        ds_http_respond_ds_error(res, &err);
    } else {
        ds_metrics_add_claims_paid(req->metrics, (double)summary.paid / 100.0);
        ds_http_respond_json(res, 200, out);
    }
    cJSON_Delete(out);
}

void ds_route_claim_get(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    ds_claim_store *store = NULL;
    ds_stored_claim claim;
    memset(&claim, 0, sizeof claim);
    int found = 0, lrc = 0;
    int rc = ds_claim_store_new(&store, req->slot->db, &err);
    if (!rc)
        rc = ds_claim_store_find(store, &claim, &found, req->id, &err);
    if (!rc && found && !may_read_policy(req, claim.policy_id, &err, &lrc))
        found = 0;
    rc = rc ? rc : lrc;
    cJSON *json = NULL;
    if (rc) {
        ds_http_respond_ds_error(res, &err);
    } else if (!found) {
        ds_error_set(&err, DS_ENOTFOUND, "claim_id", "no claim \"%s\"", req->id);
        ds_http_respond_ds_error(res, &err);
    } else if (ds_json_parse(&json, claim.result_json, strlen(claim.result_json), "claim",
                             &err)) {
        ds_error_set(&err, DS_EINTERNAL, NULL, "the stored claim result is not JSON");
        ds_http_respond_ds_error(res, &err);
    } else {
        ds_http_respond_json(res, 200, json);
    }
    cJSON_Delete(json);
    ds_stored_claim_clear(&claim);
    ds_claim_store_free(store);
}
