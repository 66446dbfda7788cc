/*
 * adjudicate.c: a batch of claims: read, verify, order, settle in durable groups, report (see
 * adjudicate.h).
 */
#include "claims/adjudicate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims/claim.h"
#include "claims/settle.h"
#include "data/json_batch.h"
#include "data/json_in.h"

typedef struct batch_item {
    ds_claim claim;
    ds_claim_check check;
    int is_parsed;
    size_t pos;
} batch_item;

/* Settlement order: incident detection, claim id, position in the batch. */
static int settle_order(const void *a, const void *b)
{
    const batch_item *x = *(const batch_item *const *)a, *y = *(const batch_item *const *)b;
    if (x->check.incident_time != y->check.incident_time)
        return x->check.incident_time < y->check.incident_time ? -1 : 1;
    int c = strcmp(x->claim.claim_id, y->claim.claim_id);
    if (c)
        return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int64_t minor_of(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? (int64_t)llround(v->valuedouble * 100.0) : 0;
}

/* Counts one result into the summary, from its JSON (fresh and replayed results alike). */
static void count_result(ds_adjudicate_summary *sum, const cJSON *result)
{
    sum->claims++;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(result, "status");
    const char *s = cJSON_IsString(status) ? status->valuestring : "";
    if (strcmp(s, "approved") == 0)
        sum->approved++;
    else if (strcmp(s, "reduced") == 0)
        sum->reduced++;
    else
        sum->denied++;
    sum->paid += minor_of(result, "payable");
    const cJSON *line;
    cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(result, "by_coverage"))
    {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(line, "code");
        int c = cJSON_IsString(code) ? ds_coverage_from_code(code->valuestring) : -1;
        if (c >= 0)
            sum->paid_by_coverage[c] += minor_of(line, "paid");
    }
    const cJSON *reason;
    cJSON_ArrayForEach(reason, cJSON_GetObjectItemCaseSensitive(result, "reasons"))
    {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(reason, "code");
        for (int r = 0; cJSON_IsString(code) && r < DS_REASON_COUNT; r++) {
            if (strcmp(code->valuestring, ds_reason_name((ds_reason_code)r)) == 0)
                sum->reasons[r]++;
        }
    }
}

static cJSON *batch_json(cJSON **results, size_t n, const ds_adjudicate_summary *sum)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = root ? cJSON_AddArrayToObject(root, "results") : NULL;
    cJSON *summary = list ? cJSON_AddObjectToObject(root, "summary") : NULL;
    if (!summary) {
        cJSON_Delete(root);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        cJSON_AddItemToArray(list, results[i]);
        results[i] = NULL;
    }
    int ok = cJSON_AddNumberToObject(summary, "claims", (double)sum->claims) &&
             cJSON_AddNumberToObject(summary, "approved", (double)sum->approved) &&
             cJSON_AddNumberToObject(summary, "reduced", (double)sum->reduced) &&
             cJSON_AddNumberToObject(summary, "denied", (double)sum->denied) &&
             cJSON_AddNumberToObject(summary, "paid", (double)sum->paid / 100.0);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static void progress(const ds_adjudicate_options *opts, const char *phase, size_t done,
                     size_t total)
{
    if (opts->on_progress && total > 0)
        opts->on_progress(opts->ctx, phase, done, total);
}

/* Settles the verified items in order, group_size per transaction. */
static int settle_all(cJSON **results, batch_item **order, size_t n, ds_db *db,
                      const ds_adjudicate_options *opts, ds_adjudicate_summary *sum,
                      ds_error *err)
{
    ds_claims_settler *settler = NULL;
    int rc = ds_claims_settler_new(&settler, db, err);
    if (rc)
        return rc;
    size_t group = opts->group_size ? opts->group_size : DS_ADJUDICATE_GROUP;
    size_t n_commits = 0;
    for (size_t start = 0; !rc && start < n; start += group) {
        size_t end = start + group < n ? start + group : n;
        if ((rc = ds_claims_settler_begin(settler, err)))
            break;
        for (size_t k = start; !rc && k < end; k++) {
            batch_item *it = order[k];
            int replayed = 0;
            rc = ds_claims_settle(&results[it->pos], &replayed, settler, &it->claim, &it->check,
                                  err);
            sum->replayed += (size_t)replayed;
        }
        if (rc) {
            ds_claims_settler_rollback(settler);
            /* Results of the rolled-back group were never committed: they must not be shown. */
            for (size_t k = start; k < end; k++) {
                cJSON_Delete(results[order[k]->pos]);
                results[order[k]->pos] = NULL;
            }
            break;
        }
        if ((rc = ds_claims_settler_commit(settler, err)))
            break;
        n_commits++;
        if (opts->on_commit)
            opts->on_commit(opts->ctx, n_commits);
        progress(opts, "settled", end, n);
    }
    ds_claims_settler_free(settler);
    return rc;
}

int ds_adjudicate_items(cJSON **out, ds_adjudicate_summary *summary, ds_db *db,
                        const cJSON *const *items, size_t n, const ds_adjudicate_options *opts,
                        ds_error *err)
{
    *out = NULL;
    ds_adjudicate_options defaults = {0};
    if (!opts)
        opts = &defaults;
    ds_adjudicate_summary sum;
    memset(&sum, 0, sizeof sum);
    batch_item *batch = calloc(n ? n : 1, sizeof *batch);
    batch_item **order = calloc(n ? n : 1, sizeof *order);
    cJSON **results = calloc(n ? n : 1, sizeof *results);
    ds_claims_verifier *verifier = NULL;
    size_t n_order = 0;
    int rc = 0;
    if (!batch || !order || !results) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = ds_claims_verifier_new(&verifier, db, err)) ||
        (rc = ds_claims_verifier_read_begin(verifier, err)))
        goto out;

    /* Read, then verify every claim: nothing is written yet. */
    const ds_claim **parsed = calloc(n ? n : 1, sizeof *parsed);
    size_t n_parsed = 0;
    if (!parsed) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        batch_item *it = &batch[i];
        it->pos = i;
        ds_claim_check_clear(&it->check);
        char path[DS_PATH_MAX];
        ds_path_index(path, sizeof path, "claims", i);
        ds_error why;
        ds_error_clear(&why);
        int prc = ds_claim_parse(&it->claim, items[i], path, &why);
        if (prc == DS_ENOMEM) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            break;
        }
        if (prc) {
            ds_reason reason = {.code = DS_REASON_CLAIM_MALFORMED};
            snprintf(reason.detail, sizeof reason.detail, "%.190s", why.message);
            results[i] = ds_claims_rejection(it->claim.claim_id, it->claim.policy_id, &reason);
            if (!results[i]) {
                rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
                break;
            }
            continue;
        }
        it->is_parsed = 1;
        parsed[n_parsed++] = &it->claim;
    }
    if (!rc)
        rc = ds_claims_verifier_prepare(verifier, parsed, n_parsed, err);
    free(parsed);
    if (rc)
        goto out;
    for (size_t i = 0; i < n; i++) {
        batch_item *it = &batch[i];
        if (!it->is_parsed)
            continue;
        if ((rc = ds_claims_verify(&it->check, verifier, &it->claim, err)))
            goto out;
        order[n_order++] = it;
        if ((i + 1) % 256 == 0)
            progress(opts, "verified", i + 1, n);
    }
    progress(opts, "verified", n, n);
    ds_claims_verifier_read_end(verifier);

    qsort(order, n_order, sizeof *order, settle_order);
    if ((rc = settle_all(results, order, n_order, db, opts, &sum, err)))
        goto out;
    size_t replayed = sum.replayed;
    memset(&sum, 0, sizeof sum);
    sum.replayed = replayed;
    for (size_t i = 0; i < n; i++)
        count_result(&sum, results[i]);
    if (!(*out = batch_json(results, n, &sum)))
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    if (summary)
        *summary = sum;
out:
    for (size_t i = 0; results && i < n; i++)
        cJSON_Delete(results[i]);
    for (size_t i = 0; batch && i < n; i++) {
        ds_claim_clear(&batch[i].claim);
        ds_claim_check_clear(&batch[i].check);
    }
    ds_claims_verifier_free(verifier);
    free(results);
    free(order);
    free(batch);
    return rc;
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

int ds_adjudicate_text(cJSON **out, ds_adjudicate_summary *summary, ds_db *db, const char *text,
                       size_t len, const ds_adjudicate_options *opts, ds_error *err)
{
    *out = NULL;
    const char *end = text + len;
    const char *first = text;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        first += 3;
    first = skip_space(first, end);
    if (first == end)
        return ds_error_set(err, DS_EINVAL, "batch", "is empty: expected a JSON array of claims "
                            "or JSON Lines");
    if (*first != '[' && *first != '{')
        return ds_error_set(err, DS_EINVAL, "batch", "must be a JSON array of claims or JSON "
                            "Lines of claim objects");
    /* Line numbers count from the first non-blank character, as "batch line N". */
    ds_json_batch b;
    int rc = ds_json_batch_read(&b, first, (size_t)(end - first), "batch", "batch line",
                                DS_JSON_BATCH_ONE_OBJECT, err);
    if (!rc && *first == '[' && !b.is_array)
        rc = ds_error_set(err, DS_EINVAL, "batch", "must be a JSON array of claims");
    if (!rc)
        rc = ds_adjudicate_items(out, summary, db, b.items, b.n, opts, err);
    ds_json_batch_clear(&b);
    return rc;
}
