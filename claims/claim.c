/*
 * claim.c: reading and validating a claim (see claim.h).
 */
#include "claims/claim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "data/jcs.h"
#include "data/json_in.h"
#include "data/money.h"
#include "data/date.h"

#define MAX_HOURS 1e6

static int read_id(char *out, const cJSON *json, const char *parent, const char *key,
                   ds_error *err)
{
    const char *text;
    int rc = ds_json_string(&text, json, parent, key, DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    size_t len = strlen(text);
    if (len == 0 || len > DS_CLAIM_ID_MAX) {
        char field[DS_PATH_MAX];
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, parent, key),
                            "must be a non-empty string of at most %d bytes", DS_CLAIM_ID_MAX);
    }
    memcpy(out, text, len + 1);
    return 0;
}

static int read_index(uint64_t *out, const cJSON *node, const char *path, ds_error *err)
{
    int64_t v;
    int rc = ds_json_node_int64(&v, node, path, err);
    if (rc)
        return rc;
    if (v < 0)
        return ds_error_set(err, DS_EINVAL, path, "must be a ledger index (an integer >= 0)");
    *out = (uint64_t)v;
    return 0;
}

static int read_loss(ds_claim_loss *loss, const cJSON *item, const char *path,
                     const ds_claim *claim, size_t i, ds_error *err)
{
    static const char *const keys[] = {"coverage", "amount", "hours", "evidence", NULL};
    const char *code;
    int rc = ds_json_expect_object(item, path, err);
    if (!rc)
        rc = ds_json_only_keys(item, path, keys, err);
    if (!rc)
        rc = ds_json_string(&code, item, path, "coverage", DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    char field[DS_PATH_MAX];
    int c = ds_coverage_from_code(code);
    if (c < 0)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "coverage"),
                            "unknown coverage \"%.40s\" (one of NPBI CBI DIAS EXT FIN INRE LIA "
                            "REG ENO)", code);
    for (size_t k = 0; k < i; k++) {
        if ((int)claim->losses[k].coverage == c)
            return ds_error_set(err, DS_EINVAL,
                                ds_path_key(field, sizeof field, path, "coverage"),
                                "%s is claimed on two lines; claim it once", code);
    }
    loss->coverage = (ds_coverage)c;
    if ((rc = ds_money_get(&loss->amount, item, path, "amount", DS_JSON_REQUIRED, err)))
        return rc;
    double hours;
    rc = ds_json_number(&hours, item, path, "hours", DS_JSON_OPTIONAL, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        if (!(hours >= 0 && hours <= MAX_HOURS))
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "hours"),
                                "must be a number of hours in [0, 10^6]");
        loss->has_hours = 1;
        loss->millihours = (int64_t)llround(hours * 1000.0);
    }
    const cJSON *evidence;
    if ((rc = ds_json_array(&evidence, item, path, "evidence", DS_JSON_REQUIRED, err)))
        return rc;
    int n = cJSON_GetArraySize(evidence);
    if (n > DS_CLAIM_EVIDENCE_MAX)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "evidence"),
                            "at most %d entries", DS_CLAIM_EVIDENCE_MAX);
    loss->evidence = calloc(n > 0 ? (size_t)n : 1, sizeof *loss->evidence);
    if (!loss->evidence)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    char evidence_path[DS_PATH_MAX];
    ds_path_key(evidence_path, sizeof evidence_path, path, "evidence");
    const cJSON *node;
    size_t k = 0;
    cJSON_ArrayForEach(node, evidence)
    {
        ds_path_index(field, sizeof field, evidence_path, k);
        if ((rc = read_index(&loss->evidence[k], node, field, err)))
            return rc;
        k++;
    }
    loss->n_evidence = k;
    return 0;
}

static int content_hash(ds_claim *claim, const cJSON *json, const char *path, ds_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = ds_jcs_serialize(&text, &len, json, path, err);
    if (rc)
        return rc;
    SHA256((const unsigned char *)text, len, claim->content_sha256);
    free(text);
    return 0;
}

int ds_claim_parse(ds_claim *out, const cJSON *json, const char *path, ds_error *err)
{
    static const char *const keys[] = {"claim_id", "policy_id", "reported", "incident", "losses",
                                       NULL};
    memset(out, 0, sizeof *out);
    int rc = ds_json_expect_object(json, path, err);
    if (rc)
        return rc;
    /* The ids first, so that a rejection further down can still name the claim. */
    ds_error ignored;
    if (read_id(out->claim_id, json, path, "claim_id", &ignored))
        out->claim_id[0] = '\0';
    if (read_id(out->policy_id, json, path, "policy_id", &ignored))
        out->policy_id[0] = '\0';

    char field[DS_PATH_MAX];
    const char *reported;
    const cJSON *incident, *losses;
    if ((rc = ds_json_only_keys(json, path, keys, err)) ||
        (rc = read_id(out->claim_id, json, path, "claim_id", err)) ||
        (rc = read_id(out->policy_id, json, path, "policy_id", err)) ||
        (rc = ds_json_string(&reported, json, path, "reported", DS_JSON_REQUIRED, err)))
        goto fail;
    if (ds_timestamp_parse(&out->reported, reported)) {
        rc = ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "reported"),
                          "must be an RFC 3339 UTC timestamp (2027-03-05T08:00:00Z)");
        goto fail;
    }
    incident = cJSON_GetObjectItemCaseSensitive(json, "incident");
    if (!incident) {
        rc = ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "incident"),
                          "required field is missing");
        goto fail;
    }
    if ((rc = read_index(&out->incident, incident,
                         ds_path_key(field, sizeof field, path, "incident"), err)) ||
        (rc = ds_json_array(&losses, json, path, "losses", DS_JSON_REQUIRED, err)))
        goto fail;
    int n = cJSON_GetArraySize(losses);
    if (n < 1 || n > DS_COV_COUNT) {
        rc = ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "losses"),
                          "must list 1 to %d loss lines", DS_COV_COUNT);
        goto fail;
    }
    char losses_path[DS_PATH_MAX];
    ds_path_key(losses_path, sizeof losses_path, path, "losses");
    const cJSON *item;
    cJSON_ArrayForEach(item, losses)
    {
        size_t i = out->n_losses++;
        ds_path_index(field, sizeof field, losses_path, i);
        if ((rc = read_loss(&out->losses[i], item, field, out, i, err)))
            goto fail;
    }
    if ((rc = content_hash(out, json, path, err)))
        goto fail;
    return 0;
fail:;
    /* Keep the ids for the rejection; free the rest. */
    char id[DS_CLAIM_ID_MAX + 1], policy[DS_CLAIM_ID_MAX + 1];
    memcpy(id, out->claim_id, sizeof id);
    memcpy(policy, out->policy_id, sizeof policy);
    ds_claim_clear(out);
    memcpy(out->claim_id, id, sizeof id);
    memcpy(out->policy_id, policy, sizeof policy);
    return rc;
}

void ds_claim_clear(ds_claim *claim)
{
    if (!claim)
        return;
    for (size_t i = 0; i < DS_COV_COUNT; i++)
        free(claim->losses[i].evidence);
    memset(claim, 0, sizeof *claim);
}
