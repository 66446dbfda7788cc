/*
 * verify.c: a claim against its policy and the ledger (see verify.h and docs/claims.md).
 *
 * What denies the whole claim and what cuts one loss line:
 *   denies  claim.malformed, policy.unknown, policy.period, claim.late, ledger.signature,
 *           ledger.consistency, ledger.inclusion of the incident entry, evidence.mismatch of the
 *           incident entry (not an incident, another platform's), asset.unregistered,
 *           records.exceed: without them there is no verified, covered incident to pay for;
 *   cuts    coverage.excluded and evidence.reused (the line pays nothing), ledger.inclusion or
 *           evidence.mismatch of a cost entry (the entry does not count; the line pays the
 *           smaller of claimed and what the remaining entries support), grade.misdeclared (the
 *           claim's payment is multiplied by premium charged / premium due, capped at 1).
 *
 * The ledger is built on claims/ledger.h's storage (data/ledger_store.h): the checkpoint is
 * opened once per log and batch with claims/checkpoint.h, and cited entries are proved with
 * claims/merkle.h over the stored subtree hashes. ds_ledger_verify_entry does the same per
 * entry but verifies the Ed25519 signature every time, which a batch of 100,000 claims cannot
 * afford; ds_ledger_verify_extends is used as is for the consistency with the binding checkpoint.
 */
#include "claims/verify.h"

#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims/checkpoint.h"
#include "claims/ledger.h"
#include "claims/merkle.h"
#include "claims/record.h"
#include "data/big_alloc.h"
#include "data/date.h"
#include "data/json_in.h"
#include "data/ledger_store.h"
#include "data/money.h"
#include "data/policy_store.h"
#include "pricing/quote.h"

static const char *const reason_names[DS_REASON_COUNT] = {
    "claim.malformed",    "claim.conflict",    "policy.unknown",     "policy.period",
    "claim.late",         "ledger.signature",  "ledger.consistency", "ledger.inclusion",
    "asset.unregistered", "records.exceed",    "grade.misdeclared",  "evidence.mismatch",
    "evidence.reused",    "coverage.excluded",
};

const char *ds_reason_name(ds_reason_code code)
{
    return (int)code >= 0 && code < DS_REASON_COUNT ? reason_names[code] : "unknown";
}

int ds_claim_check_add(ds_claim_check *check, ds_reason_code code, const char *fmt, ...)
{
    ds_reason *grown = realloc(check->reasons, (check->n_reasons + 1) * sizeof *grown);
    if (!grown)
        return DS_ENOMEM;
    check->reasons = grown;
    ds_reason *r = &grown[check->n_reasons++];
    r->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
    return 0;
}

void ds_claim_check_clear(ds_claim_check *check)
{
    if (!check)
        return;
    free(check->reasons);
    memset(check, 0, sizeof *check);
    check->incident_time = INT64_MIN;
}

/* ---------------------------------------------------------------------------------------- */
/* Per-log state                                                                             */

/*
 * The cited entries' copies live in large blocks (data/big_alloc.h) rather than one malloc each:
 * a batch of 100,000 claims cites 300,000 entries, and their pages are fresh memory.
 */
#define ENTRY_BLOCK_SIZE ((size_t)8 << 20)

typedef struct entry_block {
    struct entry_block *next;
    size_t size, used;
    uint8_t *data;
} entry_block;

static void blocks_free(entry_block *b)
{
    while (b) {
        entry_block *next = b->next;
        ds_big_free(b->data, b->size, 1);
        free(b);
        b = next;
    }
}

/* n bytes in the newest block, or a new one; NULL when out of memory. */
static uint8_t *blocks_take(entry_block **head, size_t n)
{
    entry_block *b = *head;
    if (!b || b->size - b->used < n) {
        size_t size = n > ENTRY_BLOCK_SIZE ? n : ENTRY_BLOCK_SIZE;
        entry_block *fresh = malloc(sizeof *fresh);
        uint8_t *data = fresh ? ds_big_calloc(size, 1) : NULL;
        if (!data) {
            free(fresh);
            return NULL;
        }
        fresh->next = b;
        fresh->size = size;
        fresh->used = 0;
        fresh->data = data;
        *head = b = fresh;
    }
    uint8_t *p = b->data + b->used;
    b->used += n;
    return p;
}

typedef struct asset_event {
    char *asset;
    uint64_t idx;
    ds_record_type type;
    ds_grade grade;
    int64_t records;
} asset_event;

typedef struct log_ctx {
    char *origin;
    int64_t log_id;
    char *verifier_key;
    char *latest_note;
    ds_checkpoint cp;                /* verified */
    uint64_t log_size;
    int is_usable;                   /* else every claim on it gets status_code */
    ds_reason_code status_code;
    char status_detail[DS_REASON_DETAIL_MAX];
    int is_indexed;
    asset_event *events;             /* sorted by (asset, idx) */
    size_t n_events, cap_events;
    ds_ledger *ledger;               /* opened for consistency proofs */
    ds_merkle_mem *mem;              /* the tree recomputed from the entries; NULL: stored nodes */
    uint64_t first_altered;          /* first entry edited after signing; UINT64_MAX: none */
    uint64_t *wanted;                /* indices the batch cites, sorted, unique */
    size_t n_wanted, cap_wanted;
    uint8_t **wanted_entry;          /* their entries as read by the scan (NULL: not read), */
    size_t *wanted_len;              /* NUL-terminated, in the blocks below */
    entry_block *blocks;             /* where the scan copies the cited entries */
} log_ctx;

typedef struct premium_memo {
    char *profile;                   /* "asset=grade;..." sorted */
    int64_t due;
} premium_memo;

typedef struct policy_ctx {
    ds_claims_policy pub;
    int is_known;
    char *request_json;
    char *binding_note;
    uint64_t seed, sims;
    char **declared_asset;
    ds_grade *declared_grade;
    size_t n_declared;
    log_ctx *log;
    int consistency_checked;
    int has_consistency_failure;
    ds_reason_code consistency_code;
    char consistency_detail[DS_REASON_DETAIL_MAX];
    premium_memo *memos;
    size_t n_memos;
} policy_ctx;

/*
 * Logs up to this many entries get their whole tree recomputed in memory (64 bytes per entry,
 * 96 while the leaves are copied in; 400 MB at the cap): proofs then come from hashes this
 * process computed, with no database reads. Larger logs are checked by folding the leaves into
 * the right frontier (constant memory) and prove from the stored subtree hashes.
 */
#define MEM_TREE_MAX ((uint64_t)1 << 22)

struct ds_claims_verifier {
    ds_db *db;
    ds_ledger_store *store;
    log_ctx **logs;
    size_t n_logs;
    policy_ctx **policies;
    size_t n_policies;
    int in_read;
    uint64_t tree_limit;             /* logs above it: frontier check, stored-hash proofs */
    /* After ds_claims_verifier_prepare, claims are verified on several threads at once; what
     * they share is read-only then, except the database connection (entries and nodes not kept
     * in memory) and the premium memos, which this lock serialises. */
    pthread_mutex_t lock;
};

static char *dup_text(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

static void log_free(log_ctx *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->n_events; i++)
        free(log->events[i].asset);
    free(log->events);
    blocks_free(log->blocks);
    free(log->wanted_entry);
    free(log->wanted_len);
    free(log->wanted);
    ds_merkle_mem_free(log->mem);
    free(log->origin);
    free(log->verifier_key);
    free(log->latest_note);
    ds_ledger_free(log->ledger);
    free(log);
}

static void policy_free(policy_ctx *p)
{
    if (!p)
        return;
    free(p->pub.policy_id);
    free(p->pub.platform_id);
    free(p->pub.log_origin);
    free(p->request_json);
    free(p->binding_note);
    for (size_t i = 0; i < p->n_declared; i++)
        free(p->declared_asset[i]);
    free(p->declared_asset);
    free(p->declared_grade);
    for (size_t i = 0; i < p->n_memos; i++)
        free(p->memos[i].profile);
    free(p->memos);
    free(p);
}

int ds_claims_verifier_new(ds_claims_verifier **out, ds_db *db, ds_error *err)
{
    *out = NULL;
    ds_claims_verifier *v = calloc(1, sizeof *v);
    if (!v)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    v->db = db;
    v->tree_limit = MEM_TREE_MAX;
    if (pthread_mutex_init(&v->lock, NULL) != 0) {
        free(v);
        return ds_error_set(err, DS_ENOMEM, NULL, "cannot create the verifier's lock");
    }
    int rc = ds_ledger_store_new(&v->store, db, err);
    if (rc) {
        pthread_mutex_destroy(&v->lock);
        free(v);
        return rc;
    }
    *out = v;
    return 0;
}

void ds_claims_verifier_free(ds_claims_verifier *v)
{
    if (!v)
        return;
    ds_claims_verifier_read_end(v);
    for (size_t i = 0; i < v->n_logs; i++)
        log_free(v->logs[i]);
    free(v->logs);
    for (size_t i = 0; i < v->n_policies; i++)
        policy_free(v->policies[i]);
    free(v->policies);
    ds_ledger_store_free(v->store);
    pthread_mutex_destroy(&v->lock);
    free(v);
}

void ds_claims_verifier_set_tree_limit(ds_claims_verifier *v, uint64_t max_entries)
{
    v->tree_limit = max_entries;
}

int ds_claims_verifier_read_begin(ds_claims_verifier *v, ds_error *err)
{
    int rc = ds_ledger_store_read_begin(v->store, err);
    if (!rc)
        v->in_read = 1;
    return rc;
}

void ds_claims_verifier_read_end(ds_claims_verifier *v)
{
    if (v->in_read)
        ds_ledger_store_read_end(v->store);
    v->in_read = 0;
}

static void log_unusable(log_ctx *log, ds_reason_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void log_unusable(log_ctx *log, ds_reason_code code, const char *fmt, ...)
{
    log->is_usable = 0;
    log->status_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(log->status_detail, sizeof log->status_detail, fmt, ap);
    va_end(ap);
}

/*
 * Opens the log: its latest checkpoint's signature is verified here, once per batch, under the
 * verifier key the logs table holds for this origin.
 */
static int open_log(log_ctx *log, ds_claims_verifier *v, ds_error *err)
{
    ds_ledger_log row;
    memset(&row, 0, sizeof row);
    ds_error inner;
    ds_error_clear(&inner);
    int rc = ds_ledger_store_find_log(v->store, &row, log->origin, &inner);
    if (rc == DS_ENOTFOUND) {
        log_unusable(log, DS_REASON_LEDGER_INCLUSION, "the policy's log %.100s is not in the "
                     "database", log->origin);
        return 0;
    }
    if (rc) {
        *err = inner;
        return rc;
    }
    log->log_id = row.id;
    log->verifier_key = row.verifier_key;
    row.verifier_key = NULL;
    ds_ledger_log_clear(&row);
    if (!log->verifier_key)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");

    rc = ds_ledger_store_latest_checkpoint(v->store, log->log_id, &log->latest_note, &inner);
    if (rc == DS_ENOTFOUND) {
        log_unusable(log, DS_REASON_LEDGER_SIGNATURE, "log %.100s has no signed checkpoint",
                     log->origin);
        return 0;
    }
    if (rc) {
        *err = inner;
        return rc;
    }
    ds_verifier *verifier = NULL;
    rc = ds_verifier_parse(&verifier, log->verifier_key, &inner);
    if (rc == DS_ENOMEM) {
        *err = inner;
        return rc;
    }
    if (!rc)
        rc = ds_checkpoint_open(&log->cp, log->latest_note, verifier, log->origin, &inner);
    ds_verifier_free(verifier);
    if (rc == DS_ENOMEM) {
        *err = inner;
        return rc;
    }
    if (rc) {
        log_unusable(log, DS_REASON_LEDGER_SIGNATURE, "latest checkpoint of %.60s: %.120s",
                     log->origin, inner.message);
        return 0;
    }
    if ((rc = ds_ledger_store_size(v->store, log->log_id, &log->log_size, err)))
        return rc;
    if (log->cp.size > log->log_size) {
        log_unusable(log, DS_REASON_LEDGER_INCLUSION,
                     "the latest checkpoint signs %llu entries but the log holds %llu",
                     (unsigned long long)log->cp.size, (unsigned long long)log->log_size);
        return 0;
    }
    log->is_usable = 1;
    return 0;
}

static int get_log(log_ctx **out, ds_claims_verifier *v, const char *origin, ds_error *err)
{
    for (size_t i = 0; i < v->n_logs; i++) {
        if (strcmp(v->logs[i]->origin, origin) == 0) {
            *out = v->logs[i];
            return 0;
        }
    }
    log_ctx **grown = realloc(v->logs, (v->n_logs + 1) * sizeof *grown);
    if (!grown)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    v->logs = grown;
    log_ctx *log = calloc(1, sizeof *log);
    if (!log || !(log->origin = dup_text(origin))) {
        free(log);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    log->first_altered = UINT64_MAX;
    v->logs[v->n_logs++] = log;
    *out = log;
    return open_log(log, v, err);
}

/* ---------------------------------------------------------------------------------------- */
/* The asset index: one pass over the entries under the checkpoint                           */


typedef struct scan_ctx {
    log_ctx *log;
    ds_error *err;
    uint64_t next;
    uint8_t (*leaves)[32];           /* every leaf hash, when the tree is built in memory */
    size_t next_wanted;
    uint8_t frontier[64][32];
    int failed;                      /* the entries do not make the signed tree */
    uint64_t first_altered;          /* first entry whose hash differs from its signed leaf */
    char detail[DS_REASON_DETAIL_MAX];
} scan_ctx;

#define SCAN_STOP 1

/* Whether needle occurs in hay[0..len) (memmem is not POSIX). */
static int contains(const uint8_t *hay, size_t len, const char *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++) {
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, n) == 0)
            return 1;
    }
    return 0;
}

static int add_event(log_ctx *log, const ds_record_view *view, uint64_t idx)
{
    if (log->n_events == log->cap_events) {
        size_t cap = log->cap_events ? 2 * log->cap_events : 256;
        asset_event *grown = realloc(log->events, cap * sizeof *grown);
        if (!grown)
            return DS_ENOMEM;
        log->events = grown;
        log->cap_events = cap;
    }
    asset_event *e = &log->events[log->n_events];
    if (!(e->asset = dup_text(view->asset)))
        return DS_ENOMEM;
    e->idx = idx;
    e->type = view->type;
    e->grade = view->grade;
    e->records = view->records;
    log->n_events++;
    return 0;
}

static int scan_entry(void *ctx, uint64_t idx, const uint8_t *entry, size_t len,
                      const uint8_t *leaf_hash, size_t leaf_len)
{
    scan_ctx *s = ctx;
    if (idx >= s->log->cp.size)
        return SCAN_STOP;
    if (idx != s->next) {
        s->failed = 1;
        snprintf(s->detail, sizeof s->detail, "entry %llu is missing from the log",
                 (unsigned long long)s->next);
        return SCAN_STOP;
    }
    /* The tree is built from the stored leaf hashes, and checked below against the signed root:
     * if they make that root, each stored leaf hash is the one the platform signed. The entry's
     * own hash is recomputed and compared with it, so an entry edited after signing is found.
     * What it said before the edit is unknown, so it could have been any asset's record: every
     * incident after it loses its proof of the assets' state (ds_claims_verify denies those
     * claims), while incidents before it, which it cannot have described, are unaffected; a
     * claim citing the entry fails its inclusion proof, which starts from the hash recomputed
     * from the entry. Without a stored leaf hash the recomputed one is used, and any edit
     * breaks the root for every claim. */
    uint8_t recomputed[32];
    ds_merkle_leaf_hash(recomputed, entry, len);
    const uint8_t *signed_leaf = leaf_hash && leaf_len == 32 ? leaf_hash : recomputed;
    int is_altered = memcmp(recomputed, signed_leaf, 32) != 0;
    if (s->leaves) {
        memcpy(s->leaves[idx], signed_leaf, 32);
    } else {
        ds_merkle_frontier_add(s->frontier, idx, signed_leaf, NULL, NULL);
    }
    s->next++;

    /* Keep the entries the batch cites: the scan reads them anyway. */
    log_ctx *log = s->log;
    while (s->next_wanted < log->n_wanted && log->wanted[s->next_wanted] < idx)
        s->next_wanted++;
    if (s->next_wanted < log->n_wanted && log->wanted[s->next_wanted] == idx) {
        uint8_t *copy = blocks_take(&log->blocks, len + 1);
        if (!copy) {
            ds_error_set(s->err, DS_ENOMEM, NULL, "out of memory");
            return DS_ENOMEM;
        }
        memcpy(copy, entry, len);
        copy[len] = '\0';
        log->wanted_entry[s->next_wanted] = copy;
        log->wanted_len[s->next_wanted] = len;
    }

    if (is_altered) {
        if (s->first_altered == UINT64_MAX)
            s->first_altered = idx;
        return 0; /* an edited entry says nothing trustworthy about the assets */
    }

    /* Only asset records matter here. An entry is a record's RFC 8785 form, where "type" sorts
     * after every other member name, so it closes the entry: the tail is enough to look at. A
     * quote inside a string is escaped there, so the pattern can only be that member. */
    static const char pattern[] = "\"type\":\"asset.";
    size_t tail = len < 48 ? len : 48;
    if (!contains(entry + len - tail, tail, pattern, sizeof pattern - 1))
        return 0;
    cJSON *json = NULL;
    ds_record_view view;
    ds_error inner;
    if (ds_json_parse(&json, (const char *)entry, len, "entry", &inner) == 0 &&
        ds_record_view_of(&view, json, "entry", &inner) == 0 &&
        (view.type == DS_RECORD_ASSET_REGISTERED || view.type == DS_RECORD_ASSET_GRADED ||
         view.type == DS_RECORD_ASSET_RECORDS)) {
        if (add_event(s->log, &view, idx)) {
            cJSON_Delete(json);
            ds_error_set(s->err, DS_ENOMEM, NULL, "out of memory");
            return DS_ENOMEM;
        }
    }
    cJSON_Delete(json);
    return 0;
}

static int event_cmp(const void *a, const void *b)
{
    const asset_event *x = a, *y = b;
    int c = strcmp(x->asset, y->asset);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int build_index(log_ctx *log, ds_claims_verifier *v, ds_error *err)
{
    log->is_indexed = 1;
    scan_ctx *s = calloc(1, sizeof *s);
    if (!s)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    s->log = log;
    s->err = err;
    s->first_altered = UINT64_MAX;
    log->first_altered = UINT64_MAX;
    int rc = 0;
    if (log->n_wanted && (!(log->wanted_entry = calloc(log->n_wanted, sizeof(uint8_t *))) ||
                          !(log->wanted_len = calloc(log->n_wanted, sizeof(size_t)))))
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    if (!rc && log->cp.size > 0 && log->cp.size <= v->tree_limit &&
        !(s->leaves = ds_big_calloc((size_t)log->cp.size, 32)))
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory for %llu leaf hashes",
                          (unsigned long long)log->cp.size);
    if (!rc)
        rc = ds_ledger_store_each_entry(v->store, log->log_id, scan_entry, s, err);
    if (rc == SCAN_STOP)
        rc = 0;
    if (!rc && s->leaves && !s->failed && s->next == log->cp.size)
        rc = ds_merkle_mem_new(&log->mem, (const uint8_t(*)[32])s->leaves, log->cp.size, err);
    ds_big_free(s->leaves, (size_t)log->cp.size, 32);
    s->leaves = NULL;
    if (rc) {
        free(s);
        return rc;
    }
    if (!s->failed && s->next != log->cp.size) {
        s->failed = 1;
        snprintf(s->detail, sizeof s->detail, "the log holds %llu of the %llu entries the "
                 "checkpoint signs", (unsigned long long)s->next,
                 (unsigned long long)log->cp.size);
    }
    if (!s->failed) {
        uint8_t root[32];
        if (log->cp.size == 0) {
            ds_merkle_empty_root(root);
        } else if (log->mem) {
            if ((rc = ds_merkle_root(root, log->cp.size, ds_merkle_mem_node, log->mem, err))) {
                free(s);
                return rc;
            }
        } else {
            ds_merkle_frontier_root(root, s->frontier, log->cp.size);
        }
        if (memcmp(root, log->cp.root, 32) != 0) {
            s->failed = 1;
            snprintf(s->detail, sizeof s->detail, "the stored entries do not hash to the root of "
                     "the latest checkpoint (size %llu): the log was altered",
                     (unsigned long long)log->cp.size);
        }
    }
    if (!s->failed)
        log->first_altered = s->first_altered;
    if (s->failed) {
        log_unusable(log, DS_REASON_LEDGER_INCLUSION, "%s", s->detail);
        ds_merkle_mem_free(log->mem);
        log->mem = NULL;
    }
    free(s);
    qsort(log->events, log->n_events, sizeof *log->events, event_cmp);
    return 0;
}

/* What the index says about asset just before entry `before`. */
typedef struct asset_state {
    int is_registered;
    int64_t records;
    ds_grade grade;
} asset_state;

static void asset_at(asset_state *out, const log_ctx *log, const char *asset, uint64_t before)
{
    out->is_registered = 0;
    out->records = 0;
    out->grade = DS_GRADE_UNKNOWN;
    size_t lo = 0, hi = log->n_events;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(log->events[mid].asset, asset) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < log->n_events && strcmp(log->events[i].asset, asset) == 0; i++) {
        const asset_event *e = &log->events[i];
        if (e->idx >= before)
            break;
        if (e->type == DS_RECORD_ASSET_REGISTERED)
            out->is_registered = 1;
        if (e->type == DS_RECORD_ASSET_REGISTERED || e->type == DS_RECORD_ASSET_RECORDS)
            out->records = e->records;
        if (e->type == DS_RECORD_ASSET_REGISTERED || e->type == DS_RECORD_ASSET_GRADED)
            out->grade = e->grade;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Cited entries: inclusion proof under the latest checkpoint                                */

typedef struct node_src {
    ds_ledger_store *store;
    int64_t log_id;
    ds_error *err;
} node_src;

static int stored_node(void *ctx, unsigned level, uint64_t index, uint8_t out[32])
{
    node_src *src = ctx;
    return ds_ledger_store_node(src->store, src->log_id, level, index, out, src->err);
}

/*
 * Proves entry idx under the log's verified checkpoint and parses it. Returns 0 with *json set
 * when included and a valid record; 0 with *json NULL and `why` filled when not (a reason, not an
 * error); a negative code when the database failed.
 */
static int cited_entry(cJSON **json, ds_record_view *view, ds_reason_code *why_code, char *why,
                       size_t why_cap, ds_claims_verifier *v, log_ctx *log, uint64_t idx,
                       ds_error *err)
{
    *json = NULL;
    if (idx >= log->cp.size) {
        *why_code = DS_REASON_LEDGER_INCLUSION;
        snprintf(why, why_cap, "entry %llu is not under the latest checkpoint (size %llu)",
                 (unsigned long long)idx, (unsigned long long)log->cp.size);
        return 0;
    }
    const uint8_t *entry = NULL;
    uint8_t *read_entry = NULL; /* read from the database here, owned */
    size_t len = 0;
    ds_error inner;
    ds_error_clear(&inner);
    int rc = 0;
    size_t lo = 0, hi = log->n_wanted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->wanted[mid] < idx)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (log->wanted_entry && lo < log->n_wanted && log->wanted[lo] == idx &&
        log->wanted_entry[lo]) {
        /* Read by this batch's scan of the log (NUL-terminated, read-only from now on). */
        entry = log->wanted_entry[lo];
        len = log->wanted_len[lo];
    } else {
        pthread_mutex_lock(&v->lock);
        rc = ds_ledger_store_get_entry(v->store, log->log_id, idx, &read_entry, &len, &inner);
        pthread_mutex_unlock(&v->lock);
        entry = read_entry;
    }
    if (rc == DS_ENOTFOUND) {
        *why_code = DS_REASON_LEDGER_INCLUSION;
        snprintf(why, why_cap, "entry %llu is missing from the log", (unsigned long long)idx);
        return 0;
    }
    if (rc) {
        *err = inner;
        return rc;
    }
    uint8_t leaf[32];
    ds_merkle_leaf_hash(leaf, entry, len);
    uint8_t path[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE];
    size_t n_path = 0;
    node_src src = {v->store, log->log_id, &inner};
    if (log->mem) {
        rc = ds_merkle_mem_inclusion_proof(path, &n_path, log->mem, idx, log->cp.size, &inner);
    } else {
        pthread_mutex_lock(&v->lock);
        rc = ds_merkle_inclusion_proof(path, &n_path, idx, log->cp.size, stored_node, &src,
                                       &inner);
        pthread_mutex_unlock(&v->lock);
    }
    if (!rc)
        rc = ds_merkle_verify_inclusion(leaf, idx, log->cp.size, (const uint8_t(*)[32])path,
                                        n_path, log->cp.root, &inner);
    if (rc == DS_ENOTFOUND || rc == DS_EMISMATCH || rc == DS_EINVAL) {
        free(read_entry);
        *why_code = DS_REASON_LEDGER_INCLUSION;
        snprintf(why, why_cap, "entry %llu has no valid inclusion proof under the latest "
                 "checkpoint (size %llu)", (unsigned long long)idx,
                 (unsigned long long)log->cp.size);
        return 0;
    }
    if (rc) {
        free(read_entry);
        *err = inner;
        return rc;
    }
    rc = ds_json_parse(json, (const char *)entry, len, "entry", &inner);
    free(read_entry);
    if (rc == DS_ENOMEM) {
        *err = inner;
        return rc;
    }
    if (!rc)
        rc = ds_record_view_of(view, *json, "entry", &inner);
    if (rc) {
        cJSON_Delete(*json);
        *json = NULL;
        *why_code = DS_REASON_EVIDENCE_MISMATCH;
        snprintf(why, why_cap, "entry %llu is not a valid provenance record (%.100s)",
                 (unsigned long long)idx, inner.message);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Policies                                                                                  */

static int load_declared(policy_ctx *p, const cJSON *policy, ds_error *err)
{
    const cJSON *declared = cJSON_GetObjectItemCaseSensitive(policy, "declared");
    if (!cJSON_IsArray(declared))
        return ds_error_set(err, DS_EINTERNAL, "policies.policy", "policy %s has no declared "
                            "assets", p->pub.policy_id);
    size_t n = (size_t)cJSON_GetArraySize(declared);
    p->declared_asset = calloc(n ? n : 1, sizeof *p->declared_asset);
    p->declared_grade = calloc(n ? n : 1, sizeof *p->declared_grade);
    if (!p->declared_asset || !p->declared_grade)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    const cJSON *item;
    cJSON_ArrayForEach(item, declared)
    {
        const cJSON *asset = cJSON_GetObjectItemCaseSensitive(item, "asset");
        const cJSON *grade = cJSON_GetObjectItemCaseSensitive(item, "grade");
        int g = cJSON_IsString(grade) ? (int)ds_grade_from_name(grade->valuestring) : -1;
        if (!cJSON_IsString(asset) || g < 0)
            return ds_error_set(err, DS_EINTERNAL, "policies.policy",
                                "policy %s: a declared asset is unreadable", p->pub.policy_id);
        if (!(p->declared_asset[p->n_declared] = dup_text(asset->valuestring)))
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        p->declared_grade[p->n_declared++] = (ds_grade)g;
    }
    return 0;
}

static int load_policy(policy_ctx *p, ds_claims_verifier *v, const char *policy_id,
                       ds_error *err)
{
    ds_stored_policy stored;
    memset(&stored, 0, sizeof stored);
    ds_error inner;
    ds_error_clear(&inner);
    int rc = ds_policy_store_load(&stored, v->db, policy_id, &inner);
    if (rc == DS_ENOTFOUND)
        return 0;
    if (rc) {
        *err = inner;
        return rc;
    }
    cJSON *json = NULL;
    p->pub.premium = stored.premium;
    p->pub.platform_id = stored.platform_id;
    p->pub.log_origin = stored.log_origin;
    p->request_json = stored.request_json;
    p->binding_note = stored.checkpoint;
    stored.platform_id = stored.log_origin = stored.request_json = stored.checkpoint = NULL;
    rc = ds_json_parse(&json, stored.policy_json, strlen(stored.policy_json), "policies.policy",
                       err);
    if (!rc) {
        const cJSON *cover = cJSON_GetObjectItemCaseSensitive(json, "cover");
        const cJSON *seed = cJSON_GetObjectItemCaseSensitive(json, "seed");
        const cJSON *sims = cJSON_GetObjectItemCaseSensitive(json, "sims");
        if ((rc = ds_cover_parse(&p->pub.cover, cover, "cover", err))) {
            /* A stored policy that does not read back is our fault, not the claimant's. */
            rc = DS_EINTERNAL;
            if (err)
                err->code = rc;
        } else if (!cJSON_IsNumber(seed) || !cJSON_IsNumber(sims)) {
            rc = ds_error_set(err, DS_EINTERNAL, "policies.policy",
                              "policy %s has no seed or sims", policy_id);
        } else {
            p->seed = (uint64_t)seed->valuedouble;
            p->sims = (uint64_t)sims->valuedouble;
            rc = load_declared(p, json, err);
        }
    }
    cJSON_Delete(json);
    ds_stored_policy_clear(&stored);
    if (rc)
        return rc;
    if (!p->pub.platform_id || !p->pub.log_origin || !p->request_json || !p->binding_note)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    p->is_known = 1;
    return get_log(&p->log, v, p->pub.log_origin, err);
}

static int get_policy(policy_ctx **out, ds_claims_verifier *v, const char *policy_id,
                      ds_error *err)
{
    *out = NULL;
    for (size_t i = 0; i < v->n_policies; i++) {
        if (strcmp(v->policies[i]->pub.policy_id, policy_id) == 0) {
            *out = v->policies[i]->is_known ? v->policies[i] : NULL;
            return 0;
        }
    }
    policy_ctx **grown = realloc(v->policies, (v->n_policies + 1) * sizeof *grown);
    if (!grown)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    v->policies = grown;
    policy_ctx *p = calloc(1, sizeof *p);
    if (!p || !(p->pub.policy_id = dup_text(policy_id))) {
        free(p);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    v->policies[v->n_policies++] = p;
    int rc = load_policy(p, v, policy_id, err);
    if (rc) {
        p->is_known = 0;
        return rc;
    }
    *out = p->is_known ? p : NULL;
    return 0;
}

/*
 * Today's log must extend the checkpoint recorded at binding (ledger.consistency), and that
 * checkpoint must carry the log's signature (ledger.signature). Once per policy and batch.
 */
static int check_consistency(policy_ctx *p, ds_claims_verifier *v, ds_error *err)
{
    if (p->consistency_checked)
        return 0;
    p->consistency_checked = 1;
    log_ctx *log = p->log;
    ds_error inner;
    ds_error_clear(&inner);
    ds_verifier *verifier = NULL;
    ds_checkpoint bound;
    int rc = ds_verifier_parse(&verifier, log->verifier_key, &inner);
    if (!rc)
        rc = ds_checkpoint_open(&bound, p->binding_note, verifier, log->origin, &inner);
    ds_verifier_free(verifier);
    if (rc == DS_ENOMEM) {
        *err = inner;
        return rc;
    }
    if (rc) {
        p->has_consistency_failure = 1;
        p->consistency_code = DS_REASON_LEDGER_SIGNATURE;
        snprintf(p->consistency_detail, sizeof p->consistency_detail,
                 "checkpoint recorded at binding: %.150s", inner.message);
        return 0;
    }
    if (!log->ledger && (rc = ds_ledger_open(&log->ledger, v->db, log->origin, err)))
        return rc;
    rc = ds_ledger_verify_extends(log->ledger, log->verifier_key, p->binding_note,
                                  log->latest_note, &inner);
    if (rc == DS_EMISMATCH || rc == DS_EINVAL || rc == DS_ENOTFOUND) {
        p->has_consistency_failure = 1;
        p->consistency_code = DS_REASON_LEDGER_CONSISTENCY;
        snprintf(p->consistency_detail, sizeof p->consistency_detail,
                 "the log is not consistent with the checkpoint of size %llu recorded at "
                 "binding (%.100s)", (unsigned long long)bound.size, inner.message);
        return 0;
    }
    if (rc)
        *err = inner;
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* grade.misdeclared: the premium due for the true grades                                    */

typedef struct true_grade {
    const char *asset;
    ds_grade grade;
    int64_t records;
} true_grade;

static int true_grade_cmp(const void *a, const void *b)
{
    return strcmp(((const true_grade *)a)->asset, ((const true_grade *)b)->asset);
}

static int add_asset(ds_asset_list *list, const true_grade *t)
{
    ds_asset *grown = realloc(list->items, (list->n + 1) * sizeof *grown);
    if (!grown)
        return DS_ENOMEM;
    list->items = grown;
    ds_asset *a = &grown[list->n];
    memset(a, 0, sizeof *a);
    if (!(a->id = dup_text(t->asset)))
        return DS_ENOMEM;
    list->n++;
    a->records = t->records;
    a->declared_grade = (int)t->grade;
    a->derived_grade = DS_GRADE_NONE;
    a->grade = t->grade;
    return 0;
}

/*
 * The premium of the policy's quote request with the given assets at their true grades (an
 * asset not declared at binding is added with its registered records), priced with the
 * policy's seed and sims: the same random numbers as the premium charged, so the ratio
 * measures the grades and not simulation noise. Memoised per grade profile.
 */
static int premium_due(int64_t *due, policy_ctx *p, true_grade *grades, size_t n, ds_error *err)
{
    qsort(grades, n, sizeof *grades, true_grade_cmp);
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += strlen(grades[i].asset) + 48;
    char *profile = malloc(cap);
    if (!profile)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    size_t at = 0;
    profile[0] = '\0';
    for (size_t i = 0; i < n; i++)
        at += (size_t)snprintf(profile + at, cap - at, "%s=%d/%lld;", grades[i].asset,
                               (int)grades[i].grade, (long long)grades[i].records);
    for (size_t i = 0; i < p->n_memos; i++) {
        if (strcmp(p->memos[i].profile, profile) == 0) {
            *due = p->memos[i].due;
            free(profile);
            return 0;
        }
    }
    cJSON *request = NULL;
    ds_quote_request req;
    memset(&req, 0, sizeof req);
    ds_rating_plan *plan = malloc(sizeof *plan);
    int rc = plan ? 0 : ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    if (!rc)
        rc = ds_json_parse(&request, p->request_json, strlen(p->request_json),
                           "policies.request", err);
    if (!rc && (rc = ds_quote_request_parse(&req, request, err))) {
        rc = DS_EINTERNAL;
        if (err)
            err->code = rc;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        ds_asset *found = NULL;
        for (size_t k = 0; k < req.assets.n; k++) {
            if (strcmp(req.assets.items[k].id, grades[i].asset) == 0)
                found = &req.assets.items[k];
        }
        if (found) {
            if (grades[i].grade > found->grade)
                found->grade = grades[i].grade;
        } else if (add_asset(&req.assets, &grades[i])) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        }
    }
    ds_premium premium;
    if (!rc) {
        req.seed = p->seed;
        req.sims = p->sims;
        req.what_if = 0;
        rc = ds_rating_plan_load(plan, req.rating_plan, err);
    }
    if (!rc)
        rc = ds_quote_premium(&premium, &req, plan, err);
    premium_memo *grown = NULL;
    if (!rc && !(grown = realloc(p->memos, (p->n_memos + 1) * sizeof *grown)))
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    if (!rc) {
        p->memos = grown;
        p->memos[p->n_memos].profile = profile;
        p->memos[p->n_memos++].due = premium.premium;
        profile = NULL;
        *due = premium.premium;
    }
    free(profile);
    free(plan);
    ds_quote_request_clear(&req);
    cJSON_Delete(request);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The claim                                                                                 */

#define ADD(...)                                                                                \
    do {                                                                                        \
        if (ds_claim_check_add(out, __VA_ARGS__))                                               \
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");                         \
    } while (0)

#define DENY(...)                                                                               \
    do {                                                                                        \
        out->is_denied = 1;                                                                     \
        ADD(__VA_ARGS__);                                                                       \
    } while (0)

static ds_grade declared_grade(const policy_ctx *p, const char *asset)
{
    for (size_t i = 0; i < p->n_declared; i++) {
        if (strcmp(p->declared_asset[i], asset) == 0)
            return p->declared_grade[i];
    }
    return DS_GRADE_UNKNOWN;
}

/* The incident's assets: registered before it, records and grades as the ledger says. */
static int check_assets(ds_claim_check *out, ds_claims_verifier *v, policy_ctx *p,
                        const ds_record_view *incident, uint64_t incident_idx, ds_error *err)
{
    size_t n = ds_record_incident_n_assets(incident);
    true_grade *wrong = calloc(n ? n : 1, sizeof *wrong);
    if (!wrong)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    size_t n_wrong = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *asset;
        int64_t lost;
        ds_record_incident_asset(&asset, &lost, incident, i);
        asset_state at;
        asset_at(&at, p->log, asset, incident_idx);
        if (!at.is_registered) {
            out->is_denied = 1;
            rc = ds_claim_check_add(out, DS_REASON_ASSET_UNREGISTERED,
                                    "asset %.80s has no asset.registered entry before the "
                                    "incident (entry %llu)", asset,
                                    (unsigned long long)incident_idx);
            continue;
        }
        if (lost > at.records) {
            out->is_denied = 1;
            rc = ds_claim_check_add(out, DS_REASON_RECORDS_EXCEED,
                                    "asset %.80s lost %lld records but %lld were registered at "
                                    "the incident", asset, (long long)lost,
                                    (long long)at.records);
            continue;
        }
        ds_grade declared = declared_grade(p, asset);
        if (at.grade != DS_GRADE_UNKNOWN && at.grade > declared) {
            wrong[n_wrong].asset = asset;
            wrong[n_wrong].grade = at.grade;
            wrong[n_wrong].records = at.records;
            n_wrong++;
        }
    }
    if (rc) {
        free(wrong);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    if (n_wrong && !out->is_denied) {
        int64_t due = 0;
        pthread_mutex_lock(&v->lock);
        rc = premium_due(&due, p, wrong, n_wrong, err);
        pthread_mutex_unlock(&v->lock);
        if (rc) {
            free(wrong);
            return rc;
        }
        char names[120];
        size_t at = 0;
        names[0] = '\0';
        for (size_t i = 0; i < n_wrong && at + 1 < sizeof names; i++)
            at += (size_t)snprintf(names + at, sizeof names - at, "%s%.40s %s", i ? ", " : "",
                                   wrong[i].asset, ds_grade_name(wrong[i].grade));
        char charged_text[32], due_text[32];
        snprintf(charged_text, sizeof charged_text, "%lld.%02lld",
                 (long long)(p->pub.premium / 100), (long long)(p->pub.premium % 100));
        snprintf(due_text, sizeof due_text, "%lld.%02lld", (long long)(due / 100),
                 (long long)(due % 100));
        if (due > p->pub.premium) {
            out->charged = p->pub.premium;
            out->due = due;
        }
        rc = ds_claim_check_add(out, DS_REASON_GRADE_MISDECLARED,
                                "graded at the incident: %s, above the grades declared at "
                                "binding; premium charged %s, due %s", names, charged_text,
                                due_text);
        if (rc)
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    free(wrong);
    return rc;
}

/* Was index idx cited earlier in this claim (an earlier line, or earlier in this line)? */
static int cited_before(const ds_claim *claim, size_t line, size_t j)
{
    uint64_t idx = claim->losses[line].evidence[j];
    if (idx == claim->incident)
        return 1;
    for (size_t l = 0; l <= line; l++) {
        size_t end = l == line ? j : claim->losses[l].n_evidence;
        for (size_t k = 0; k < end; k++) {
            if (claim->losses[l].evidence[k] == idx)
                return 1;
        }
    }
    return 0;
}

static int check_line(ds_claim_check *out, ds_claims_verifier *v, policy_ctx *p,
                      const ds_claim *claim, size_t i, const char *incident_id, ds_error *err)
{
    const ds_claim_loss *loss = &claim->losses[i];
    ds_line_check *line = &out->lines[i];
    const char *code = ds_coverage_code(loss->coverage);
    line->claimed = loss->amount;
    if (!p->pub.cover.terms.coverage[loss->coverage].is_covered) {
        line->is_excluded = line->is_cut = 1;
        ADD(DS_REASON_COVERAGE_EXCLUDED, "losses[%zu]: the policy does not cover %s", i, code);
        return 0;
    }
    int64_t evidence_millihours = -1;
    for (size_t j = 0; j < loss->n_evidence; j++) {
        uint64_t idx = loss->evidence[j];
        if (cited_before(claim, i, j)) {
            line->is_cut = 1;
            ADD(DS_REASON_EVIDENCE_REUSED, "losses[%zu].evidence[%zu]: entry %llu is cited "
                "twice in this claim", i, j, (unsigned long long)idx);
            continue;
        }
        cJSON *json = NULL;
        ds_record_view view;
        ds_reason_code why_code;
        char why[DS_REASON_DETAIL_MAX - 40];
        int rc = cited_entry(&json, &view, &why_code, why, sizeof why, v, p->log, idx, err);
        if (rc)
            return rc;
        if (!json) {
            ADD(why_code, "losses[%zu].evidence[%zu]: %s", i, j, why);
            continue;
        }
        if (view.type != DS_RECORD_COST) {
            ADD(DS_REASON_EVIDENCE_MISMATCH, "losses[%zu].evidence[%zu]: entry %llu is %s, not "
                "a cost", i, j, (unsigned long long)idx, ds_record_type_name(view.type));
        } else if (strcmp(view.incident, incident_id) != 0) {
            ADD(DS_REASON_EVIDENCE_MISMATCH, "losses[%zu].evidence[%zu]: entry %llu is a cost "
                "of incident %.60s, not %.60s", i, j, (unsigned long long)idx, view.incident,
                incident_id);
        } else if (strcmp(view.coverage, code) != 0) {
            ADD(DS_REASON_EVIDENCE_MISMATCH, "losses[%zu].evidence[%zu]: entry %llu is a %s "
                "cost, not %s", i, j, (unsigned long long)idx, view.coverage, code);
        } else {
            line->accepted_mask |= (uint64_t)1 << j;
            line->evidenced += view.amount_minor;
            if (view.has_hours) {
                int64_t mh = (int64_t)(view.hours * 1000.0 + 0.5);
                if (mh > evidence_millihours)
                    evidence_millihours = mh;
            }
        }
        cJSON_Delete(json);
    }
    if (line->evidenced > DS_MONEY_MAX)
        line->evidenced = DS_MONEY_MAX;
    line->verified = line->is_cut ? 0
                     : line->claimed < line->evidenced ? line->claimed : line->evidenced;
    if (!line->is_cut && line->evidenced < line->claimed)
        ADD(DS_REASON_EVIDENCE_MISMATCH, "losses[%zu]: %s claimed %lld.%02lld, the cost entries "
            "support %lld.%02lld", i, code, (long long)(line->claimed / 100),
            (long long)(line->claimed % 100), (long long)(line->evidenced / 100),
            (long long)(line->evidenced % 100));
    if (ds_coverage_is_time_based(loss->coverage)) {
        /* The outage that prorates the loss is the one the cost entries record. */
        line->millihours = evidence_millihours > 0 ? evidence_millihours : 0;
        line->claimed_millihours = loss->has_hours ? loss->millihours : line->millihours;
        if (loss->has_hours && evidence_millihours >= 0 && loss->millihours > evidence_millihours)
            ADD(DS_REASON_EVIDENCE_MISMATCH, "losses[%zu]: %s outage of %lld.%03lld hours "
                "claimed, the cost entries record %lld.%03lld", i, code,
                (long long)(loss->millihours / 1000), (long long)(loss->millihours % 1000),
                (long long)(evidence_millihours / 1000), (long long)(evidence_millihours % 1000));
    }
    return 0;
}

/* The deadline to report: reporting_days after the end of the period's last day (UTC). */
static int is_late(const ds_cover *cover, int64_t reported)
{
    if (cover->reporting_days < 0)
        return 0;
    int64_t deadline = (cover->period_end + 1 + cover->reporting_days) * 86400;
    return reported >= deadline;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int want(log_ctx *log, uint64_t idx)
{
    if (log->n_wanted == log->cap_wanted) {
        size_t cap = log->cap_wanted ? 2 * log->cap_wanted : 1024;
        uint64_t *grown = realloc(log->wanted, cap * sizeof *grown);
        if (!grown)
            return DS_ENOMEM;
        log->wanted = grown;
        log->cap_wanted = cap;
    }
    log->wanted[log->n_wanted++] = idx;
    return 0;
}

int ds_claims_verifier_prepare(ds_claims_verifier *v, const ds_claim *const *claims, size_t n,
                               ds_error *err)
{
    for (size_t i = 0; i < n; i++) {
        policy_ctx *p = NULL;
        int rc = get_policy(&p, v, claims[i]->policy_id, err);
        if (rc)
            return rc;
        if (!p || !p->log->is_usable || p->log->is_indexed)
            continue;
        rc = want(p->log, claims[i]->incident);
        for (size_t l = 0; !rc && l < claims[i]->n_losses; l++) {
            for (size_t j = 0; !rc && j < claims[i]->losses[l].n_evidence; j++)
                rc = want(p->log, claims[i]->losses[l].evidence[j]);
        }
        if (rc)
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    for (size_t k = 0; k < v->n_logs; k++) {
        log_ctx *log = v->logs[k];
        if (!log->is_usable || log->is_indexed)
            continue;
        qsort(log->wanted, log->n_wanted, sizeof *log->wanted, u64_cmp);
        size_t m = 0;
        for (size_t i = 0; i < log->n_wanted; i++) {
            if (m == 0 || log->wanted[m - 1] != log->wanted[i])
                log->wanted[m++] = log->wanted[i];
        }
        log->n_wanted = m;
        int rc = build_index(log, v, err);
        if (rc)
            return rc;
    }
    /* Once per policy, here rather than at its first claim, so that verifying is read-only. */
    for (size_t k = 0; k < v->n_policies; k++) {
        policy_ctx *p = v->policies[k];
        if (!p->is_known || !p->log->is_usable)
            continue;
        int rc = check_consistency(p, v, err);
        if (rc)
            return rc;
    }
    return 0;
}

int ds_claims_verify(ds_claim_check *out, ds_claims_verifier *v, const ds_claim *claim,
                     ds_error *err)
{
    ds_claim_check_clear(out);
    for (size_t i = 0; i < claim->n_losses; i++)
        out->lines[i].claimed = claim->losses[i].amount;
    policy_ctx *p = NULL;
    int rc = get_policy(&p, v, claim->policy_id, err);
    if (rc)
        return rc;
    if (!p) {
        DENY(DS_REASON_POLICY_UNKNOWN, "no policy \"%.100s\"", claim->policy_id);
        return 0;
    }
    out->policy = &p->pub;
    log_ctx *log = p->log;
    if (log->is_usable && !log->is_indexed && (rc = build_index(log, v, err)))
        return rc;
    if (!log->is_usable) {
        DENY(log->status_code, "%s", log->status_detail);
        return 0;
    }
    if ((rc = check_consistency(p, v, err)))
        return rc;
    if (p->has_consistency_failure) {
        DENY(p->consistency_code, "%s", p->consistency_detail);
        return 0;
    }

    /* Every index must exist in the log: one beyond it is a malformed claim. */
    if (claim->incident >= log->log_size) {
        DENY(DS_REASON_CLAIM_MALFORMED, "incident: index %llu is beyond the log (%llu entries)",
             (unsigned long long)claim->incident, (unsigned long long)log->log_size);
        return 0;
    }
    for (size_t i = 0; i < claim->n_losses; i++) {
        for (size_t j = 0; j < claim->losses[i].n_evidence; j++) {
            if (claim->losses[i].evidence[j] >= log->log_size) {
                DENY(DS_REASON_CLAIM_MALFORMED, "losses[%zu].evidence[%zu]: index %llu is beyond "
                     "the log (%llu entries)", i, j,
                     (unsigned long long)claim->losses[i].evidence[j],
                     (unsigned long long)log->log_size);
                return 0;
            }
        }
    }

    cJSON *json = NULL;
    ds_record_view incident;
    ds_reason_code why_code;
    char why[DS_REASON_DETAIL_MAX - 20];
    if ((rc = cited_entry(&json, &incident, &why_code, why, sizeof why, v, log, claim->incident,
                          err)))
        return rc;
    if (!json) {
        DENY(why_code, "incident: %s", why);
        return 0;
    }
    if (claim->incident > log->first_altered) {
        cJSON_Delete(json);
        DENY(DS_REASON_LEDGER_INCLUSION,
             "incident: entry %llu, before the incident, was altered after it was signed: the "
             "assets' state at the incident cannot be proven",
             (unsigned long long)log->first_altered);
        return 0;
    }
    if (incident.type != DS_RECORD_INCIDENT) {
        out->is_denied = 1;
        rc = ds_claim_check_add(out, DS_REASON_EVIDENCE_MISMATCH,
                                "incident: entry %llu is %s, not an incident",
                                (unsigned long long)claim->incident,
                                ds_record_type_name(incident.type));
        cJSON_Delete(json);
        return rc ? ds_error_set(err, DS_ENOMEM, NULL, "out of memory") : 0;
    }
    out->incident_time = incident.detected;
    const ds_cover *cover = &p->pub.cover;
    int64_t day = incident.detected >= 0 ? incident.detected / 86400
                                         : -((-incident.detected + 86399) / 86400);
    char date[16], edge[16];
    ds_date_format(date, sizeof date, day);
    rc = 0;
    if (strcmp(incident.platform, p->pub.platform_id) != 0) {
        out->is_denied = 1;
        rc = ds_claim_check_add(out, DS_REASON_EVIDENCE_MISMATCH,
                                "incident: entry %llu is an incident of platform %.60s, the "
                                "policy insures %.60s", (unsigned long long)claim->incident,
                                incident.platform, p->pub.platform_id);
    }
    /* The literal rule of DESIGN.md section 7: the incident (its detection) must lie inside the
     * policy period and not before the retroactive date; the more specific reason is given. */
    if (!rc && cover->has_retroactive_date && day < cover->retroactive_date) {
        ds_date_format(edge, sizeof edge, cover->retroactive_date);
        out->is_denied = 1;
        rc = ds_claim_check_add(out, DS_REASON_POLICY_PERIOD,
                                "incident detected %s, before the retroactive date %s", date,
                                edge);
    } else if (!rc && (day < cover->period_start || day > cover->period_end)) {
        ds_date_format(edge, sizeof edge, day < cover->period_start ? cover->period_start
                                                                     : cover->period_end);
        out->is_denied = 1;
        rc = ds_claim_check_add(out, DS_REASON_POLICY_PERIOD,
                                "incident detected %s, %s the policy period (%s %s)", date,
                                day < cover->period_start ? "before" : "after",
                                day < cover->period_start ? "starts" : "ends", edge);
    }
    if (!rc && is_late(cover, claim->reported)) {
        ds_date_format(edge, sizeof edge, cover->period_end + cover->reporting_days);
        char reported[32];
        ds_timestamp_format(reported, sizeof reported, claim->reported);
        out->is_denied = 1;
        rc = ds_claim_check_add(out, DS_REASON_CLAIM_LATE,
                                "reported %s, after the reporting window closed at the end of %s "
                                "(%lld days after the period)", reported, edge,
                                (long long)cover->reporting_days);
    }
    if (rc) {
        cJSON_Delete(json);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    if (!out->is_denied)
        rc = check_assets(out, v, p, &incident, claim->incident, err);
    for (size_t i = 0; !rc && !out->is_denied && i < claim->n_losses; i++)
        rc = check_line(out, v, p, claim, i, incident.incident, err);
    cJSON_Delete(json);
    if (rc)
        return rc;
    if (out->is_denied) {
        for (size_t i = 0; i < claim->n_losses; i++) {
            out->lines[i].verified = 0;
            out->lines[i].accepted_mask = 0;
        }
    }
    return 0;
}
