/*
 * adjudicate.c: a batch of claims: read, verify, order, settle in durable groups, report (see
 * adjudicate.h).
 */
#include "claims/adjudicate.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>

#include "actuarial/workers.h"
#include "claims/claim.h"
#include "claims/settle.h"
#include "data/big_alloc.h"
#include "data/json_batch.h"
#include "data/json_in.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/*
 * Where a batch's claims come from: trees already parsed, or JSON Lines still as text. Lines are
 * parsed by the reading threads, each tree freed as soon as its claim is read, so a batch of
 * 100,000 never holds 100,000 trees (some 40 allocations each) at once.
 */
typedef struct batch_source {
    const cJSON *const *items;   /* parsed claims, or NULL: the lines below */
    const char *text;            /* JSON Lines: claim i is lines[i] of text */
    const ds_json_line *lines;
} batch_source;

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

/* Counts one result into the summary (fresh and replayed results alike). */
static void count_result(ds_adjudicate_summary *sum, const ds_settled *result)
{
    sum->claims++;
    if (result->status == DS_SETTLED_APPROVED)
        sum->approved++;
    else if (result->status == DS_SETTLED_REDUCED)
        sum->reduced++;
    else
        sum->denied++;
    sum->paid += result->payable;
    for (int c = 0; c < DS_COV_COUNT; c++)
        sum->paid_by_coverage[c] += result->paid[c];
    for (int r = 0; r < DS_REASON_COUNT; r++)
        sum->reasons[r] += result->reasons[r];
}

/* {"results": [...], "summary": {...}}, each result its issued text as a raw item. */
static cJSON *batch_json(ds_settled *results, size_t n, const ds_adjudicate_summary *sum)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *list = root ? cJSON_AddArrayToObject(root, "results") : NULL;
    cJSON *summary = list ? cJSON_AddObjectToObject(root, "summary") : NULL;
    if (!summary) {
        cJSON_Delete(root);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        /* cJSON copies the text with its own allocator; ours goes at once, so the batch never
         * holds two copies. */
        cJSON *item = cJSON_CreateRaw(results[i].json);
        if (!item || !cJSON_AddItemToArray(list, item)) {
            cJSON_Delete(item);
            cJSON_Delete(root);
            return NULL;
        }
        free(results[i].json);
        results[i].json = NULL;
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

int ds_adjudicate_parse_results(cJSON *batch, ds_error *err)
{
    cJSON *list = cJSON_GetObjectItemCaseSensitive(batch, "results");
    for (cJSON *item = list ? list->child : NULL; item; item = item->next) {
        if (!cJSON_IsRaw(item))
            continue;
        cJSON *parsed = NULL;
        int rc = ds_json_parse(&parsed, item->valuestring, strlen(item->valuestring),
                               "results", err);
        if (rc)
            return rc;
        if (!cJSON_ReplaceItemViaPointer(list, item, parsed)) {
            cJSON_Delete(parsed);
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        }
        item = parsed;
    }
    return 0;
}

static void progress(const ds_adjudicate_options *opts, const char *phase, size_t done,
                     size_t total)
{
    if (opts->on_progress && total > 0)
        opts->on_progress(opts->ctx, phase, done, total);
}

/* ---------------------------------------------------------------------------------------- */
/* Reading and verifying on several threads                                                  */

/*
 * Reading a claim (its fields and the SHA-256 of its canonical JSON) and verifying it (inclusion
 * proofs, entries parsed) depend on nothing but the claim and what the verifier prepared, so the
 * claims of a batch are shared out among threads in chunks taken from an atomic counter. Each
 * claim's outcome lands in its own slot, so the results do not depend on the thread count. A
 * failure to check (out of memory, the database) stops the phase; the one reported is the
 * failure of the lowest claim index, as a single thread would have met first.
 */
#define PHASE_CHUNK 64

typedef enum { PHASE_READ, PHASE_VERIFY } phase_kind;

typedef struct phase_job {
    phase_kind kind;
    batch_item *batch;
    const batch_source *source;
    ds_settled *results;
    ds_claims_verifier *verifier;
    size_t n;
    atomic_size_t next;
    atomic_size_t done;
    atomic_int failed;
    pthread_mutex_t lock;            /* guards the failure below */
    size_t failed_at;
    int rc;
    ds_error err;
    const ds_adjudicate_options *opts;
} phase_job;

/* Reads claim i into its slot; a claim that cannot be read gets its rejection as its result. */
static int read_one(phase_job *job, size_t i, ds_error *err)
{
    batch_item *it = &job->batch[i];
    const batch_source *src = job->source;
    const cJSON *json = NULL;
    cJSON *line = NULL;
    if (src->items) {
        json = src->items[i];
    } else {
        /* A line that is not JSON refuses the whole batch (the lowest such line is reported). */
        char where[64];
        snprintf(where, sizeof where, "batch line %zu", src->lines[i].line_no);
        int rc = ds_json_parse(&line, src->text + src->lines[i].start, src->lines[i].len, where,
                               err);
        if (rc)
            return rc;
        json = line;
    }
    char path[DS_PATH_MAX];
    ds_path_index(path, sizeof path, "claims", i);
    ds_error why;
    ds_error_clear(&why);
    int prc = ds_claim_parse(&it->claim, json, path, &why);
    cJSON_Delete(line);
    if (prc == DS_ENOMEM)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    if (prc) {
        ds_reason reason = {.code = DS_REASON_CLAIM_MALFORMED};
        snprintf(reason.detail, sizeof reason.detail, "%.190s", why.message);
        if (ds_claims_rejection(&job->results[i], it->claim.claim_id, it->claim.policy_id,
                                &reason))
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        return 0;
    }
    it->is_parsed = 1;
    return 0;
}

static void phase_fail(phase_job *job, size_t i, int rc, const ds_error *err)
{
    pthread_mutex_lock(&job->lock);
    if (!job->rc || i < job->failed_at) {
        job->rc = rc;
        job->failed_at = i;
        job->err = *err;
    }
    pthread_mutex_unlock(&job->lock);
    atomic_store(&job->failed, 1);
}

static void phase_work(void *arg, int is_caller)
{
    phase_job *job = arg;
    for (;;) {
        if (atomic_load(&job->failed))
            return;
        size_t start = atomic_fetch_add(&job->next, PHASE_CHUNK);
        if (start >= job->n)
            return;
        size_t end = start + PHASE_CHUNK < job->n ? start + PHASE_CHUNK : job->n;
        for (size_t i = start; i < end; i++) {
            ds_error err;
            ds_error_clear(&err);
            int rc = 0;
            if (job->kind == PHASE_READ)
                rc = read_one(job, i, &err);
            else if (job->batch[i].is_parsed)
                rc = ds_claims_verify(&job->batch[i].check, job->verifier,
                                      &job->batch[i].claim, &err);
            if (rc) {
                phase_fail(job, i, rc, &err);
                return;
            }
        }
        size_t done = atomic_fetch_add(&job->done, end - start) + (end - start);
        if (is_caller && job->kind == PHASE_VERIFY)
            progress(job->opts, "verified", done, job->n);
    }
}

static unsigned thread_count(const ds_adjudicate_options *opts, size_t n)
{
    unsigned t = opts->threads ? opts->threads : ds_online_cores();
    size_t chunks = (n + PHASE_CHUNK - 1) / PHASE_CHUNK;
    if (t > chunks)
        t = chunks ? (unsigned)chunks : 1;
    return t;
}

/* Runs one phase over every claim; the calling thread works too. */
static int run_phase(phase_kind kind, batch_item *batch, const batch_source *source,
                     ds_settled *results, ds_claims_verifier *verifier, size_t n,
                     const ds_adjudicate_options *opts, ds_error *err)
{
    phase_job job;
    memset(&job, 0, sizeof job);
    job.kind = kind;
    job.batch = batch;
    job.source = source;
    job.results = results;
    job.verifier = verifier;
    job.n = n;
    job.opts = opts;
    atomic_init(&job.next, 0);
    atomic_init(&job.done, 0);
    atomic_init(&job.failed, 0);
    if (pthread_mutex_init(&job.lock, NULL) != 0)
        return ds_error_set(err, DS_ENOMEM, NULL, "cannot create a lock");
    ds_run_workers(thread_count(opts, n), phase_work, &job);
    pthread_mutex_destroy(&job.lock);
    if (job.rc && err)
        *err = job.err;
    return job.rc;
}

/* Settles the verified items in order, group_size per transaction. */
static int settle_all(ds_settled *results, batch_item **order, size_t n, ds_db *db,
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
            for (size_t k = start; k < end; k++)
                ds_settled_clear(&results[order[k]->pos]);
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

static int adjudicate(cJSON **out, ds_adjudicate_summary *summary, ds_db *db,
                      const batch_source *source, size_t n, const ds_adjudicate_options *opts,
                      ds_error *err)
{
    *out = NULL;
    ds_adjudicate_options defaults = {0};
    if (!opts)
        opts = &defaults;
    ds_adjudicate_summary sum;
    memset(&sum, 0, sizeof sum);
    batch_item *batch = ds_big_calloc(n ? n : 1, sizeof *batch);
    batch_item **order = ds_big_calloc(n ? n : 1, sizeof *order);
    ds_settled *results = ds_big_calloc(n ? n : 1, sizeof *results);
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
    double t0 = now_seconds();
    for (size_t i = 0; i < n; i++) {
        batch[i].pos = i;
        ds_claim_check_clear(&batch[i].check);
    }
    if ((rc = run_phase(PHASE_READ, batch, source, results, verifier, n, opts, err)))
        goto out;
    double t1 = now_seconds();
    const ds_claim **parsed = calloc(n ? n : 1, sizeof *parsed);
    size_t n_parsed = 0;
    if (!parsed) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (batch[i].is_parsed)
            parsed[n_parsed++] = &batch[i].claim;
    }
    rc = ds_claims_verifier_prepare(verifier, parsed, n_parsed, err);
    free(parsed);
    if (rc)
        goto out;
    double t2 = now_seconds();
    if ((rc = run_phase(PHASE_VERIFY, batch, source, results, verifier, n, opts, err)))
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (batch[i].is_parsed)
            order[n_order++] = &batch[i];
    }
    progress(opts, "verified", n, n);
    ds_claims_verifier_read_end(verifier);

    double t3 = now_seconds();
    qsort(order, n_order, sizeof *order, settle_order);
    if ((rc = settle_all(results, order, n_order, db, opts, &sum, err)))
        goto out;
    size_t replayed = sum.replayed;
    memset(&sum, 0, sizeof sum);
    sum.replayed = replayed;
    sum.seconds[DS_ADJUDICATE_READ] = t1 - t0;
    sum.seconds[DS_ADJUDICATE_PREPARE] = t2 - t1;
    sum.seconds[DS_ADJUDICATE_VERIFY] = t3 - t2;
    sum.seconds[DS_ADJUDICATE_SETTLE] = now_seconds() - t3;
    for (size_t i = 0; i < n; i++)
        count_result(&sum, &results[i]);
    if (!(*out = batch_json(results, n, &sum)))
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    if (summary)
        *summary = sum;
out:
    for (size_t i = 0; results && i < n; i++)
        ds_settled_clear(&results[i]);
    for (size_t i = 0; batch && i < n; i++) {
        ds_claim_clear(&batch[i].claim);
        ds_claim_check_clear(&batch[i].check);
    }
    ds_claims_verifier_free(verifier);
    ds_big_free(results, n ? n : 1, sizeof *results);
    ds_big_free(order, n ? n : 1, sizeof *order);
    ds_big_free(batch, n ? n : 1, sizeof *batch);
    return rc;
}

int ds_adjudicate_items(cJSON **out, ds_adjudicate_summary *summary, ds_db *db,
                        const cJSON *const *items, size_t n, const ds_adjudicate_options *opts,
                        ds_error *err)
{
    batch_source source = {.items = items};
    return adjudicate(out, summary, db, &source, n, opts, err);
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
    /* The forms of data/json_batch.h: an array, one object, or JSON Lines, whose line numbers
     * count from the first non-blank character, as "batch line N". JSON Lines are parsed line
     * by line as the claims are read (batch_source); the other forms are parsed whole here. */
    double start = now_seconds();
    size_t rest = (size_t)(end - first);
    int rc;
    if (ds_json_batch_form_of(first, rest, DS_JSON_BATCH_ONE_OBJECT) != DS_JSON_BATCH_LINES) {
        ds_json_batch b;
        rc = ds_json_batch_read(&b, first, rest, "batch", "batch line", DS_JSON_BATCH_ONE_OBJECT,
                                err);
        if (!rc && *first == '[' && !b.is_array)
            rc = ds_error_set(err, DS_EINVAL, "batch", "must be a JSON array of claims");
        double parsed = now_seconds() - start;
        if (!rc)
            rc = ds_adjudicate_items(out, summary, db, b.items, b.n, opts, err);
        if (!rc && summary)
            summary->seconds[DS_ADJUDICATE_PARSE] = parsed;
        ds_json_batch_clear(&b);
        return rc;
    }
    ds_json_line *lines = NULL;
    size_t n = 0;
    rc = ds_json_lines_split(&lines, &n, first, rest, err);
    double split = now_seconds() - start;
    batch_source source = {.text = first, .lines = lines};
    if (!rc)
        rc = adjudicate(out, summary, db, &source, n, opts, err);
    if (!rc && summary)
        summary->seconds[DS_ADJUDICATE_PARSE] = split;
    free(lines);
    return rc;
}
