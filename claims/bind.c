/*
 * bind.c: saved quote -> policy with declared assets and a signed checkpoint (see bind.h).
 */
#include "claims/bind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "claims/checkpoint.h"
#include "claims/ledger.h"
#include "data/json_in.h"
#include "data/money.h"
#include "data/policy_store.h"
#include "pricing/quote_request.h"

static int new_policy_id(char *buf, size_t cap, ds_error *err)
{
    unsigned char bytes[6];
    if (RAND_bytes(bytes, sizeof bytes) != 1)
        return ds_error_set(err, DS_EINTERNAL, NULL, "no random bytes for a policy id");
    size_t used = (size_t)snprintf(buf, cap, "POL-");
    for (size_t i = 0; i < sizeof bytes && used + 2 < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%02x", bytes[i]);
    return 0;
}

static cJSON *declared_assets(const ds_asset_list *assets)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < assets->n; i++) {
        const ds_asset *a = &assets->items[i];
        cJSON *item = cJSON_CreateObject();
        if (!item || !cJSON_AddItemToArray(list, item) ||
            !cJSON_AddStringToObject(item, "asset", a->id) ||
            !cJSON_AddStringToObject(item, "grade", ds_grade_name(a->grade)) ||
            !cJSON_AddNumberToObject(item, "records", (double)a->records)) {
            cJSON_Delete(list);
            return NULL;
        }
    }
    return list;
}

static cJSON *policy_json(const char *policy_id, const ds_stored_quote *quote,
                          const ds_quote_request *req, const char *origin, const char *note)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *cover = ds_cover_to_json(&req->cover);
    cJSON *declared = declared_assets(&req->assets);
    int ok = root && cover && declared && cJSON_AddStringToObject(root, "policy_id", policy_id) &&
             cJSON_AddStringToObject(root, "quote_id", quote->quote_id) &&
             cJSON_AddStringToObject(root, "platform_id", req->platform_id) &&
             ds_money_add(root, "premium", quote->premium) &&
             cJSON_AddStringToObject(root, "currency", req->cover.currency) &&
             cJSON_AddItemToObject(root, "cover", cover) &&
             cJSON_AddNumberToObject(root, "seed", (double)req->seed) &&
             cJSON_AddNumberToObject(root, "sims", (double)req->sims) &&
             cJSON_AddItemToObject(root, "declared", declared) &&
             cJSON_AddStringToObject(root, "log", origin) &&
             cJSON_AddStringToObject(root, "checkpoint", note);
    if (!ok) {
        if (!cJSON_GetObjectItem(root, "cover"))
            cJSON_Delete(cover);
        if (!cJSON_GetObjectItem(root, "declared"))
            cJSON_Delete(declared);
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* The quote request the saved quote was priced on, with the seed and sims it was priced with
 * (a --seed or --sims on the command line overrode the request's options). */
static int saved_request(ds_quote_request *req, const ds_stored_quote *quote, ds_error *err)
{
    cJSON *request = NULL, *priced = NULL;
    int rc = ds_json_parse(&request, quote->request_json, strlen(quote->request_json),
                           "quotes.request", err);
    if (!rc)
        rc = ds_json_parse(&priced, quote->quote_json, strlen(quote->quote_json), "quotes.quote",
                           err);
    if (!rc)
        rc = ds_quote_request_parse(req, request, err);
    if (!rc) {
        const cJSON *seed = cJSON_GetObjectItemCaseSensitive(priced, "seed");
        const cJSON *sims = cJSON_GetObjectItemCaseSensitive(priced, "sims");
        if (cJSON_IsNumber(seed) && cJSON_IsNumber(sims)) {
            req->seed = (uint64_t)seed->valuedouble;
            req->sims = (uint64_t)sims->valuedouble;
        }
    }
    cJSON_Delete(request);
    cJSON_Delete(priced);
    return rc;
}

/*
 * The checkpoint the policy records. On the platform's own log: a fresh one, signed now. On an
 * insurer's replica (`ledger sync`; no private key, key_path ''): the latest checkpoint it
 * holds, which the platform signed and the sync verified; its tree size is read from the note
 * after checking it again under the log's verifier key.
 */
static int checkpoint_at_binding(char **note, uint64_t *size, ds_ledger *ledger, ds_error *err)
{
    const char *key_path = ds_ledger_key_path(ledger);
    if (key_path && *key_path) {
        int rc = ds_ledger_checkpoint(ledger, note, err);
        return rc ? rc : ds_ledger_size(ledger, size, err);
    }
    int rc = ds_ledger_latest_checkpoint(ledger, note, err);
    if (rc == DS_ENOTFOUND)
        return ds_error_set(err, DS_ENOTFOUND, "log",
                            "the replica of \"%s\" holds no checkpoint yet: run dsure ledger sync",
                            ds_ledger_origin(ledger));
    if (rc)
        return rc;
    ds_verifier *verifier = NULL;
    ds_checkpoint cp;
    rc = ds_verifier_parse(&verifier, ds_ledger_verifier_key(ledger), err);
    if (!rc)
        rc = ds_checkpoint_open(&cp, *note, verifier, ds_ledger_origin(ledger), err);
    ds_verifier_free(verifier);
    if (rc) {
        free(*note);
        *note = NULL;
        return rc;
    }
    *size = cp.size;
    return 0;
}

int ds_bind(cJSON **out, ds_db *db, const char *quote_id, const char *log_origin, ds_error *err)
{
    *out = NULL;
    ds_stored_quote quote;
    ds_quote_request req;
    ds_ledger *ledger = NULL;
    char *origin = NULL, *note = NULL, *text = NULL;
    cJSON *policy = NULL;
    memset(&req, 0, sizeof req);
    int rc = ds_quote_store_load(&quote, db, quote_id, err);
    if (rc)
        return rc;
    char holder[128];
    if ((rc = ds_policy_store_find_by_quote(holder, sizeof holder, db, quote_id, err)))
        goto out;
    if (holder[0]) {
        rc = ds_error_set(err, DS_ECONFLICT, "quote_id", "quote %s is already bound as policy %s",
                          quote_id, holder);
        goto out;
    }
    if ((rc = saved_request(&req, &quote, err)))
        goto out;
    if (log_origin) {
        origin = malloc(strlen(log_origin) + 1);
        if (!origin) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            goto out;
        }
        memcpy(origin, log_origin, strlen(log_origin) + 1);
    } else if ((rc = ds_policy_store_log_for_platform(&origin, db, req.platform_id, err))) {
        goto out;
    }
    uint64_t size;
    if ((rc = ds_ledger_open(&ledger, db, origin, err)) ||
        (rc = checkpoint_at_binding(&note, &size, ledger, err)))
        goto out;
    char policy_id[32], created[32];
    if ((rc = new_policy_id(policy_id, sizeof policy_id, err)))
        goto out;
    ds_now_rfc3339(created, sizeof created);
    policy = policy_json(policy_id, &quote, &req, origin, note);
    text = policy ? cJSON_PrintUnformatted(policy) : NULL;
    if (!text) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    ds_stored_policy stored = {
        .policy_id = policy_id,
        .quote_id = quote.quote_id,
        .platform_id = req.platform_id,
        .currency = req.cover.currency,
        .premium = quote.premium,
        .request_json = quote.request_json,
        .policy_json = text,
        .log_origin = origin,
        .checkpoint = note,
        .checkpoint_size = size,
        .created = created,
    };
    if ((rc = ds_policy_store_insert(db, &stored, err)))
        goto out;
    *out = policy;
    policy = NULL;
out:
    cJSON_Delete(policy);
    cJSON_free(text);
    free(note);
    free(origin);
    ds_ledger_free(ledger);
    ds_quote_request_clear(&req);
    ds_stored_quote_clear(&quote);
    return rc;
}
