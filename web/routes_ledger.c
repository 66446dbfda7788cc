/*
 * routes_ledger.c: the provenance ledger over HTTP (DESIGN.md sections 6 and 8).
 *
 *   POST /v1/ledger/entries                 JSON array or JSON Lines of records; 201
 *                                           {"first_index", "size"} as `dsure ledger append`
 *   GET  /v1/ledger/key                     the log's verifier key line, text/plain
 *   GET  /v1/ledger/checkpoint              the latest signed note, text/plain; 404 until one
 *                                           was signed (`dsure ledger checkpoint`, or a bind)
 *   GET  /v1/ledger/proof/inclusion?index=&size=      as `dsure ledger prove`
 *   GET  /v1/ledger/proof/consistency?from=&to=       as `dsure ledger consistency`
 *   GET  /v1/ledger/entries?start=&end=     entries [start, end), at most DS_SERVER_MAX_PAGE:
 *        {"log", "size", "start", "end", "entries": [{"index", "entry", "leaf_hash"}]}
 *        where entry is the stored canonical JSON as a string (so a reader hashes exactly the
 *        bytes that were logged) and leaf_hash is recomputed from it here, never read back.
 *
 * Which log (?log=ORIGIN): for a platform key, its own log (origin equal to its platform id or
 * ending in "/<platform id>", as data/policy_store.h finds it) and no other: naming another
 * platform's log answers 404 exactly as a log that does not exist. For other keys: ?log=, else
 * the server's --log, else the database's only log. A platform key appends only to its own log,
 * and every record that names a platform (asset.registered, incident) must name its own; records
 * of the other types carry no platform and belong to the log they are appended to.
 *
 * Proofs are rendered by claims/ledger_json.h, as `dsure ledger prove|consistency` renders
 * them, so both answers are byte-identical (DESIGN.md section 4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims/ledger_json.h"
#include "claims/merkle.h"
#include "data/json_in.h"
#include "data/ledger_list.h"
#include "data/policy_store.h"
#include "web/batch.h"
#include "web/routes.h"

/* 1 when a platform owns the log named origin. */
static int owns_log(const char *origin, const char *platform_id)
{
    size_t n = strlen(origin), p = strlen(platform_id);
    if (strcmp(origin, platform_id) == 0)
        return 1;
    return n > p && origin[n - p - 1] == '/' && strcmp(origin + n - p, platform_id) == 0;
}

static int no_such_log(ds_error *err, const char *origin)
{
    return ds_error_set(err, DS_ENOTFOUND, "log", "no log \"%s\"", origin);
}

/* Opens the log the request addresses (see the file comment); the ledger is the slot's. */
static int open_log(ds_ledger **out, const ds_request *req, ds_error *err)
{
    *out = NULL;
    const char *named = ds_request_query(req, "log");
    char *own = NULL;
    int is_platform = req->who && req->who->role == DS_ROLE_PLATFORM;
    if (named && !*named)
        return ds_error_set(err, DS_EINVAL, "log", "must not be empty");
    if (named && is_platform && !owns_log(named, req->who->platform_id))
        return no_such_log(err, named);
    if (!named && is_platform) {
        int rc = ds_policy_store_log_for_platform(&own, req->slot->db, req->who->platform_id,
                                                  err);
        if (rc == DS_ENOTFOUND)
            return ds_error_set(err, DS_ENOTFOUND, "log", "no log of platform \"%s\"",
                                req->who->platform_id);
        if (rc)
            return rc;
        named = own;
    }
    if (!named)
        named = req->cfg->log_origin;
    int rc = ds_slot_ledger(out, req->slot, named, err);
    if (rc == DS_ENOTFOUND && named)
        rc = no_such_log(err, named);
    else if (rc == DS_ENOTFOUND)
        rc = ds_error_set(err, DS_ENOTFOUND, "log", "the database holds no log");
    else if (rc == DS_EUSAGE)
        rc = ds_error_set(err, DS_EINVAL, "log",
                          "the database holds several logs: name one with ?log=ORIGIN");
    free(own);
    return rc;
}

/* A query parameter as a non-negative integer; DS_JSON_ABSENT when absent. */
static int query_u64(uint64_t *out, const ds_request *req, const char *name, int required,
                     ds_error *err)
{
    const char *s = ds_request_query(req, name);
    if (!s) {
        if (required)
            return ds_error_set(err, DS_EINVAL, name, "is required");
        return DS_JSON_ABSENT;
    }
    uint64_t v = 0;
    if (!*s || strlen(s) > 19)
        return ds_error_set(err, DS_EINVAL, name, "must be a non-negative integer");
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return ds_error_set(err, DS_EINVAL, name, "must be a non-negative integer");
        v = v * 10 + (uint64_t)(*c - '0');
    }
    *out = v;
    return 0;
}

/* An optional size parameter defaulting to the log's size. */
static int query_size(uint64_t *out, const ds_request *req, ds_ledger *lg, const char *name,
                      ds_error *err)
{
    int rc = query_u64(out, req, name, 0, err);
    if (rc == DS_JSON_ABSENT)
        return ds_ledger_size(lg, out, err);
    return rc;
}

/* Responds with obj (deleted here) or, when it could not be built, out of memory. */
static void respond_built(ds_http_response *res, unsigned status, cJSON *obj, int built)
{
    if (obj && built) {
        ds_http_respond_json(res, status, obj);
    } else {
        ds_error err;
        ds_error_set(&err, DS_ENOMEM, NULL, "out of memory");
        ds_http_respond_ds_error(res, &err);
    }
    cJSON_Delete(obj);
}

/* ---------------------------------------------------------------------------------------- */
/* Appending                                                                                 */

/* A platform key's records may name only its own platform. */
static int check_platforms(const ds_batch *b, const char *platform_id, ds_error *err)
{
    for (size_t i = 0; i < b->n; i++) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(b->items[i], "platform");
        if (!p || strcmp(cJSON_IsString(p) ? p->valuestring : "", platform_id) == 0)
            continue;
        /* Named as ds_ledger_append names a record: records[i] or "line N: field". */
        char field[64];
        if (b->line_no)
            snprintf(field, sizeof field, "line %zu: platform", b->line_no[i]);
        else
            snprintf(field, sizeof field, "records[%zu].platform", i);
        return ds_error_set(err, DS_EINVAL, field, "not this key's platform");
    }
    return 0;
}

void ds_route_ledger_append(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    ds_ledger *lg = NULL;
    ds_batch b;
    memset(&b, 0, sizeof b);
    uint64_t first = 0, size = 0;
    int rc = open_log(&lg, req, &err);
    if (!rc)
        rc = ds_batch_read(&b, req->body, req->body_len, &err);
    if (!rc && req->who && req->who->role == DS_ROLE_PLATFORM)
        rc = check_platforms(&b, req->who->platform_id, &err);
    if (!rc)
        rc = ds_ledger_append(lg, b.items, b.n, b.line_no, &first, &size, &err);
    ds_batch_clear(&b);
    if (rc) {
        ds_http_respond_ds_error(res, &err);
        return;
    }
    cJSON *out = cJSON_CreateObject();
    respond_built(res, 201, out,
                  out && cJSON_AddNumberToObject(out, "first_index", (double)first) &&
                      cJSON_AddNumberToObject(out, "size", (double)size));
}

/* ---------------------------------------------------------------------------------------- */
/* Reading                                                                                   */

void ds_route_ledger_checkpoint(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    ds_ledger *lg = NULL;
    char *note = NULL;
    int rc = open_log(&lg, req, &err);
    if (!rc)
        rc = ds_ledger_latest_checkpoint(lg, &note, &err);
    if (rc == DS_ENOTFOUND && lg)
        ds_error_set(&err, DS_ENOTFOUND, "checkpoint", "log \"%s\" has no checkpoint yet",
                     ds_ledger_origin(lg));
    if (rc)
        ds_http_respond_ds_error(res, &err);
    else
        ds_http_respond_text(res, 200, "text/plain; charset=utf-8", note, strlen(note));
    free(note);
}

void ds_route_ledger_key(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    ds_ledger *lg = NULL;
    int rc = open_log(&lg, req, &err);
    if (rc) {
        ds_http_respond_ds_error(res, &err);
        return;
    }
    /* The verifier key is public by nature: it is what a relying party checks signatures with.
     * Serving it lets a replica trust it on first use (docs/sync.md). */
    const char *key = ds_ledger_verifier_key(lg);
    size_t len = strlen(key);
    char *line = malloc(len + 2);
    if (!line) {
        ds_error_set(&err, DS_ENOMEM, NULL, "out of memory");
        ds_http_respond_ds_error(res, &err);
        return;
    }
    memcpy(line, key, len);
    line[len] = '\n';
    line[len + 1] = '\0';
    ds_http_respond_text(res, 200, "text/plain; charset=utf-8", line, len + 1);
    free(line);
}

void ds_route_ledger_inclusion(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    ds_ledger *lg = NULL;
    uint64_t index = 0, size = 0;
    uint8_t leaf[32], path[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE];
    size_t n_path = 0;
    int rc = open_log(&lg, req, &err);
    if (!rc)
        rc = query_u64(&index, req, "index", 1, &err);
    if (!rc)
        rc = query_size(&size, req, lg, "size", &err);
    if (!rc)
        rc = ds_ledger_prove(lg, index, size, leaf, path, &n_path, &err);
    if (rc) {
        ds_http_respond_ds_error(res, &err);
        return;
    }
    cJSON *out = ds_ledger_json_inclusion(index, size, leaf, path, n_path);
    respond_built(res, 200, out, out != NULL);
}

void ds_route_ledger_consistency(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    ds_ledger *lg = NULL;
    uint64_t from = 0, to = 0;
    uint8_t path[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE];
    size_t n_path = 0;
    int rc = open_log(&lg, req, &err);
    if (!rc)
        rc = query_u64(&from, req, "from", 1, &err);
    if (!rc)
        rc = query_size(&to, req, lg, "to", &err);
    if (!rc)
        rc = ds_ledger_consistency(lg, from, to, path, &n_path, &err);
    if (rc) {
        ds_http_respond_ds_error(res, &err);
        return;
    }
    cJSON *out = ds_ledger_json_consistency(from, to, path, n_path);
    respond_built(res, 200, out, out != NULL);
}

static int add_entries(cJSON *arr, const ds_ledger_page *page)
{
    for (size_t i = 0; i < page->n; i++) {
        const ds_ledger_page_entry *e = &page->items[i];
        uint8_t leaf[DS_MERKLE_HASH_SIZE];
        ds_merkle_leaf_hash(leaf, e->entry, e->len);
        cJSON *item = cJSON_CreateObject();
        if (!item || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            return 0;
        }
        if (!cJSON_AddNumberToObject(item, "index", (double)e->index) ||
            !cJSON_AddStringToObject(item, "entry", (const char *)e->entry) ||
            !ds_ledger_json_add_hash(item, "leaf_hash", leaf))
            return 0;
    }
    return 1;
}

void ds_route_ledger_entries(ds_http_response *res, const ds_request *req)
{
    ds_error err;
    ds_error_clear(&err);
    ds_ledger *lg = NULL;
    ds_ledger_store *store = NULL;
    ds_ledger_page page;
    memset(&page, 0, sizeof page);
    uint64_t start = 0, end = 0, size = 0;
    int rc = open_log(&lg, req, &err);
    if (!rc)
        rc = ds_ledger_size(lg, &size, &err);
    if (!rc) {
        rc = query_u64(&start, req, "start", 0, &err);
        rc = rc == DS_JSON_ABSENT ? 0 : rc;
    }
    if (!rc) {
        rc = query_u64(&end, req, "end", 0, &err);
        if (rc == DS_JSON_ABSENT) {
            rc = 0;
            end = size;
        }
    }
    if (!rc && start > size)
        rc = ds_error_set(&err, DS_EINVAL, "start", "beyond the log size %llu",
                          (unsigned long long)size);
    if (!rc && end < start)
        rc = ds_error_set(&err, DS_EINVAL, "end", "must not be below start");
    /* A page ends at the log's size and holds at most DS_SERVER_MAX_PAGE entries; the reply
     * says where it ended, so a reader asks again from there. */
    if (end > size)
        end = size;
    if (end - start > DS_SERVER_MAX_PAGE)
        end = start + DS_SERVER_MAX_PAGE;
    if (!rc)
        rc = ds_slot_store(&store, req->slot, &err);
    if (!rc)
        rc = ds_ledger_page_read(&page, store, ds_ledger_origin(lg), start, end, &err);
    if (rc) {
        ds_ledger_page_clear(&page);
        ds_http_respond_ds_error(res, &err);
        return;
    }
    cJSON *out = cJSON_CreateObject(), *arr = NULL;
    int built = out && cJSON_AddStringToObject(out, "log", ds_ledger_origin(lg)) &&
                cJSON_AddNumberToObject(out, "size", (double)size) &&
                cJSON_AddNumberToObject(out, "start", (double)start) &&
                cJSON_AddNumberToObject(out, "end", (double)end) &&
                (arr = cJSON_AddArrayToObject(out, "entries")) && add_entries(arr, &page);
    ds_ledger_page_clear(&page);
    respond_built(res, 200, out, built);
}
