/*
 * sync.c: `dsure ledger sync`, a replica following a remote log (see sync.h, docs/sync.md).
 *
 * Why the checks are enough. The remote's signed checkpoint commits to a tree of m entries with
 * root R. The replica holds n entries whose root r it recomputes from its own stored hashes, and
 * r equals the root of the last checkpoint it stored (signed by the same key). The new entries
 * are hashed here (RFC 9162 2.1.1 leaf hash) and folded onto the replica's right frontier (the
 * perfect subtrees of n's binary decomposition), giving the root of the n + (m - n) leaves; if
 * it equals R, the replica extended by these entries IS the signed tree, because finding other
 * leaves with the same root means a SHA-256 collision. The remote's consistency proof from n to
 * m is also verified (RFC 9162 2.1.4.2) between r and R: it is what tells a rewritten history
 * apart from a damaged page in the refusal message, and it is the check DESIGN.md names.
 * An equal size needs equal roots; a smaller one means the remote went back. In every refusal
 * nothing is written: the entries wait in memory and are written, with the checkpoint and the
 * replica's row, in one transaction that first checks the replica did not change meanwhile.
 *
 * The replicas table is read and written through data/replica_store; the entries, subtree
 * hashes, sizes and checkpoints go through data/ledger_store.
 */
#include "claims/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "claims/merkle.h"
#include "data/hex.h"
#include "data/http_client.h"
#include "data/json_in.h"
#include "data/ledger_store.h"
#include "data/replica_store.h"

void ds_sync_result_clear(ds_sync_result *result)
{
    if (!result)
        return;
    free(result->note);
    memset(result, 0, sizeof *result);
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

/* Sets err to "field: what (the message err held)": the inner message is copied first, since
 * ds_error_set writes the buffer it would read. */
static int rewrap(ds_error *err, int code, const char *field, const char *what)
{
    char inner[DS_ERROR_MESSAGE_MAX];
    snprintf(inner, sizeof inner, "%s", err ? err->message : "");
    return ds_error_set(err, code, field, "%s (%s)", what, inner);
}

static void utc_now(char buf[32])
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, 32, "1970-01-01T00:00:00Z");
}

/* ---------------------------------------------------------------------------------------- */
/* The replicas table                                                                        */

/* The origin of the one replica recorded with source_url (malloc'd into *out; NULL when
 * there is none yet). */
static int find_replica_by_url(ds_db *db, const char *source_url, char **out, ds_error *err)
{
    int n = 0;
    int rc = ds_replica_store_find_by_url(db, source_url, out, &n, err);
    if (!rc && n > 1)
        rc = ds_error_set(err, DS_EUSAGE, "--log",
                          "the database follows several logs from %s: name one", source_url);
    if (rc) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The Merkle frontier (as claims/ledger.c appends)                                         */

/* frontier[l] for each bit l of size: the perfect subtree (l, (size >> l) - 1). */
static int load_frontier(ds_ledger_store *store, int64_t log_id, uint64_t size,
                         uint8_t frontier[64][32], ds_error *err)
{
    for (unsigned l = 0; l < 64; l++) {
        if (!(size >> l & 1))
            continue;
        int rc = ds_ledger_store_node(store, log_id, l, (size >> l) - 1, frontier[l], err);
        if (rc)
            return rc;
    }
    return 0;
}

typedef struct node_sink {
    ds_ledger_store *store;
    int64_t log_id;
    ds_error *err;
} node_sink;

/* Stores each perfect subtree a folded leaf completes (ds_merkle_frontier_add's emit). */
static int store_node(void *ctx, unsigned level, uint64_t index, const uint8_t hash[32])
{
    const node_sink *sink = ctx;
    return ds_ledger_store_put_node(sink->store, sink->log_id, level, index, hash, sink->err);
}

/* ---------------------------------------------------------------------------------------- */
/* Talking to the remote                                                                     */

/* Copies a remote's message with control characters replaced, so it cannot drive a terminal. */
static void clean_copy(char *out, size_t cap, const char *s)
{
    size_t at = 0;
    for (; s && *s && at + 1 < cap; s++)
        out[at++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
    out[at] = '\0';
}

/* The message of a {"error": {"message"}} body, cleaned, or "". */
static void remote_message(char *out, size_t cap, const char *body, size_t len)
{
    out[0] = '\0';
    cJSON *doc = cJSON_ParseWithLength(body, len);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    if (cJSON_IsString(m))
        clean_copy(out, cap, m->valuestring);
    cJSON_Delete(doc);
}

/* GETs target; any status but 200 is an error naming the target and the remote's message. */
static int remote_get(const ds_sync_transport *t, const char *target, char **body, size_t *len,
                      ds_error *err)
{
    *body = NULL;
    *len = 0;
    long status = 0;
    char *b = NULL;
    size_t n = 0;
    int rc = t->get(t->ctx, target, &status, &b, &n, err);
    if (rc) {
        free(b);
        return rc;
    }
    if (!b && !(b = calloc(1, 1)))
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    if (status == 200) {
        *body = b;
        *len = n;
        return 0;
    }
    char msg[256];
    remote_message(msg, sizeof msg, b, n);
    free(b);
    if (status == 401)
        return ds_error_set(err, DS_EINVAL, "--api-key",
                            "the remote refused the request %s (401 %s)", target, msg);
    if (status == 404)
        return ds_error_set(err, DS_ENOTFOUND, "remote", "%s: %s", target,
                            msg[0] ? msg : "not found");
    return ds_error_set(err, DS_EINVAL, "remote", "%s: HTTP status %ld%s%s", target, status,
                        msg[0] ? ": " : "", msg);
}

/* Parses a reply body as a JSON object. */
static int parse_reply(cJSON **out, const char *body, size_t len, const char *what, ds_error *err)
{
    int rc = ds_json_parse(out, body, len, what, err);
    if (!rc && (rc = ds_json_expect_object(*out, what, err))) {
        cJSON_Delete(*out);
        *out = NULL;
    }
    return rc;
}

/* A reply member that must be a given non-negative integer. */
static int expect_u64(const cJSON *obj, const char *parent, const char *key, uint64_t want,
                      ds_error *err)
{
    int64_t v;
    int rc = ds_json_int64(&v, obj, parent, key, DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    if (v < 0 || (uint64_t)v != want)
        return ds_error_set(err, DS_EINVAL, parent, "%s is %lld, asked for %llu", key,
                            (long long)v, (unsigned long long)want);
    return 0;
}

typedef struct sync_ctx {
    const ds_sync_transport *t;
    char *log_q; /* "log=<escaped origin>" */
    const char *origin;
    ds_error *err;
} sync_ctx;

/* Fetches the consistency proof from..to and verifies it between old_root and new_root. */
static int check_consistency(sync_ctx *s, uint64_t from, uint64_t to, const uint8_t old_root[32],
                             const uint8_t new_root[32])
{
    char target[1200];
    snprintf(target, sizeof target, "/v1/ledger/proof/consistency?%s&from=%llu&to=%llu", s->log_q,
             (unsigned long long)from, (unsigned long long)to);
    char *body = NULL;
    size_t len = 0;
    cJSON *doc = NULL;
    const cJSON *path = NULL;
    uint8_t proof[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE];
    size_t n_proof = 0;
    int rc = remote_get(s->t, target, &body, &len, s->err);
    if (!rc)
        rc = parse_reply(&doc, body, len, "consistency proof", s->err);
    if (!rc)
        rc = expect_u64(doc, "consistency proof", "from", from, s->err);
    if (!rc)
        rc = expect_u64(doc, "consistency proof", "to", to, s->err);
    if (!rc)
        rc = ds_json_array(&path, doc, "consistency proof", "path", DS_JSON_REQUIRED, s->err);
    if (!rc && cJSON_GetArraySize(path) > DS_MERKLE_MAX_PROOF)
        rc = ds_error_set(s->err, DS_EINVAL, "consistency proof.path", "more than %d hashes",
                          DS_MERKLE_MAX_PROOF);
    const cJSON *item = NULL;
    if (!rc) {
        cJSON_ArrayForEach(item, path)
        {
            char field[64];
            snprintf(field, sizeof field, "consistency proof.path[%zu]", n_proof);
            const char *hex = cJSON_IsString(item) ? item->valuestring : NULL;
            if ((rc = ds_hex_decode_exact(proof[n_proof], 32, hex, field, s->err)))
                break;
            n_proof++;
        }
    }
    if (!rc) {
        rc = ds_merkle_verify_consistency(from, to, old_root, new_root,
                                          (const uint8_t(*)[DS_MERKLE_HASH_SIZE])proof, n_proof,
                                          s->err);
        if (rc == DS_EMISMATCH || rc == DS_EINVAL)
            rc = ds_error_set(s->err, DS_EMISMATCH, "history",
                              "the remote's checkpoint of %llu entries is not consistent with "
                              "the %llu entries this replica holds of \"%s\" (history changed)",
                              (unsigned long long)to, (unsigned long long)from, s->origin);
    }
    cJSON_Delete(doc);
    free(body);
    return rc;
}

/* The new entries, held until the commit. */
typedef struct staged {
    char **entries;
    size_t *lens;
    uint8_t (*leaves)[32];
    size_t n, cap;
} staged;

static void staged_clear(staged *st)
{
    for (size_t i = 0; i < st->n; i++)
        free(st->entries[i]);
    free(st->entries);
    free(st->lens);
    free(st->leaves);
    memset(st, 0, sizeof *st);
}

static int staged_push(staged *st, const char *entry, size_t len, ds_error *err)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 1024;
        char **e = realloc(st->entries, cap * sizeof *e);
        if (e)
            st->entries = e;
        size_t *l = e ? realloc(st->lens, cap * sizeof *l) : NULL;
        if (l)
            st->lens = l;
        uint8_t(*h)[32] = l ? realloc(st->leaves, cap * sizeof *h) : NULL;
        if (!h)
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        st->leaves = h;
        st->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    memcpy(copy, entry, len);
    copy[len] = '\0';
    st->entries[st->n] = copy;
    st->lens[st->n] = len;
    ds_merkle_leaf_hash(st->leaves[st->n], (const uint8_t *)copy, len);
    st->n++;
    return 0;
}

/* Fetches entries [start, end) (one page; the remote may stop earlier) onto st; *next gets the
 * index after the last one received. */
static int fetch_page(sync_ctx *s, uint64_t start, uint64_t end, staged *st, uint64_t *next)
{
    char target[1200];
    snprintf(target, sizeof target, "/v1/ledger/entries?%s&start=%llu&end=%llu", s->log_q,
             (unsigned long long)start, (unsigned long long)end);
    char *body = NULL;
    size_t len = 0;
    cJSON *doc = NULL;
    const cJSON *arr = NULL;
    int64_t got_end = 0;
    int rc = remote_get(s->t, target, &body, &len, s->err);
    if (!rc)
        rc = parse_reply(&doc, body, len, "entries", s->err);
    if (!rc)
        rc = expect_u64(doc, "entries", "start", start, s->err);
    if (!rc)
        rc = ds_json_int64(&got_end, doc, "entries", "end", DS_JSON_REQUIRED, s->err);
    if (!rc && (got_end <= (int64_t)start || (uint64_t)got_end > end))
        rc = ds_error_set(s->err, DS_EINVAL, "entries.end",
                          "%lld is outside (%llu, %llu]: the remote holds fewer entries than "
                          "its checkpoint",
                          (long long)got_end, (unsigned long long)start, (unsigned long long)end);
    if (!rc)
        rc = ds_json_array(&arr, doc, "entries", "entries", DS_JSON_REQUIRED, s->err);
    if (!rc && (uint64_t)cJSON_GetArraySize(arr) != (uint64_t)got_end - start)
        rc = ds_error_set(s->err, DS_EINVAL, "entries.entries", "%d entries for [%llu, %lld)",
                          cJSON_GetArraySize(arr), (unsigned long long)start, (long long)got_end);
    uint64_t index = start;
    const cJSON *item = NULL;
    if (!rc) {
        cJSON_ArrayForEach(item, arr)
        {
            char where[64];
            snprintf(where, sizeof where, "entries[%llu]", (unsigned long long)index);
            const char *entry = NULL, *leaf_hex = NULL;
            if ((rc = ds_json_expect_object(item, where, s->err)) ||
                (rc = expect_u64(item, where, "index", index, s->err)) ||
                (rc = ds_json_string(&entry, item, where, "entry", DS_JSON_REQUIRED, s->err)))
                break;
            rc = ds_json_string(&leaf_hex, item, where, "leaf_hash", DS_JSON_OPTIONAL, s->err);
            if (rc < 0)
                break;
            /* The leaf hash is recomputed from the bytes; the remote's is only compared. */
            if ((rc = staged_push(st, entry, strlen(entry), s->err)))
                break;
            if (leaf_hex) {
                char hex[65];
                ds_hex_encode(hex, st->leaves[st->n - 1], 32);
                if (strcmp(hex, leaf_hex) != 0) {
                    rc = ds_error_set(s->err, DS_EMISMATCH, where,
                                      "leaf_hash differs from SHA-256(0x00 || entry)");
                    break;
                }
            }
            rc = 0;
            index++;
        }
    }
    cJSON_Delete(doc);
    free(body);
    if (!rc)
        *next = index;
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The use case                                                                              */

/* What the replica holds before the sync. */
typedef struct local_state {
    int has_log;
    ds_ledger_log log;
    ds_replica replica;
    uint64_t size;
    uint8_t frontier[64][32];
    uint8_t root[32];
    char *held_note;
} local_state;

static void local_state_clear(local_state *l)
{
    ds_ledger_log_clear(&l->log);
    ds_replica_clear(&l->replica);
    free(l->held_note);
    memset(l, 0, sizeof *l);
}

/*
 * Reads the replica of origin: its size, frontier and root, and checks that the last checkpoint
 * it holds (verified with the pinned key) is of that size and root.
 */
static int read_local(local_state *l, ds_db *db, ds_ledger_store *store, const char *origin,
                      ds_error *err)
{
    memset(l, 0, sizeof *l);
    int rc = ds_ledger_store_find_log(store, &l->log, origin, err);
    if (rc == DS_ENOTFOUND) {
        ds_error_clear(err);
        ds_merkle_empty_root(l->root);
        return 0;
    }
    if (rc)
        return rc;
    l->has_log = 1;
    if ((rc = ds_replica_store_read(db, l->log.id, &l->replica, err)))
        return rc;
    if (!l->replica.has_row)
        return ds_error_set(err, DS_ECONFLICT, "log",
                            "\"%s\" is a log of this database, not a replica: it cannot be "
                            "synced from a remote",
                            origin);
    if ((rc = ds_ledger_store_read_begin(store, err)))
        return rc;
    rc = ds_ledger_store_size(store, l->log.id, &l->size, err);
    if (!rc)
        rc = load_frontier(store, l->log.id, l->size, l->frontier, err);
    if (!rc) {
        rc = ds_ledger_store_latest_checkpoint(store, l->log.id, &l->held_note, err);
        if (rc == DS_ENOTFOUND) {
            ds_error_clear(err);
            rc = 0;
        }
    }
    ds_ledger_store_read_end(store);
    if (rc)
        return rc;
    ds_merkle_frontier_root(l->root, l->frontier, l->size);
    /* A sync stores a checkpoint with its entries, so a replica without one, or whose last one
     * is not the tree it holds, was changed behind our back. */
    ds_verifier *pinned = NULL;
    ds_checkpoint held;
    if (!l->held_note)
        return ds_error_set(err, DS_EMISMATCH, "replica",
                            "\"%s\" holds no checkpoint: run `dsure ledger verify`", origin);
    if ((rc = ds_verifier_parse(&pinned, l->replica.pinned_key, err)) == 0)
        rc = ds_checkpoint_open(&held, l->held_note, pinned, origin, err);
    ds_verifier_free(pinned);
    if (rc)
        return rewrap(err, DS_EMISMATCH, "replica",
                      "the last checkpoint held does not verify with the pinned key");
    if (held.size != l->size || memcmp(held.root, l->root, 32) != 0)
        return ds_error_set(err, DS_EMISMATCH, "replica",
                            "the %llu entries held of \"%s\" are not the tree of its last "
                            "checkpoint (%llu entries): run `dsure ledger verify`",
                            (unsigned long long)l->size, origin, (unsigned long long)held.size);
    return 0;
}

/* The log name stored after the key text by fetch_remote_key. */
static const char *remote_key_name(const char *key)
{
    return key + strlen(key) + 1;
}

/*
 * GETs the remote's verifier key (GET /v1/ledger/key[?log=origin]) into *out (malloc'd, the key
 * line without its newline, followed by a second string: its name, for remote_key_name). The
 * key is checked to be a verifier key, and of origin when one is named.
 */
static int fetch_remote_key(char **out, const ds_sync_transport *transport, const char *origin,
                            ds_error *err)
{
    *out = NULL;
    char target[1200], *escaped = NULL, *body = NULL;
    size_t len = 0;
    int rc = 0;
    if (origin && (rc = ds_http_escape(&escaped, origin, err)))
        return rc;
    snprintf(target, sizeof target, "/v1/ledger/key%s%s", escaped ? "?log=" : "",
             escaped ? escaped : "");
    free(escaped);
    if ((rc = remote_get(transport, target, &body, &len, err)))
        return rc;
    while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r'))
        body[--len] = '\0';
    ds_verifier *v = NULL;
    if (strlen(body) != len || (rc = ds_verifier_parse(&v, body, err))) {
        free(body);
        return ds_error_set(err, DS_EINVAL, "remote", "%s: not a verifier key", target);
    }
    const char *name = ds_verifier_name(v);
    if (origin && strcmp(name, origin) != 0) {
        rc = ds_error_set(err, DS_EMISMATCH, "remote",
                          "%s: the published key names \"%s\", not the log \"%s\"", target, name,
                          origin);
    } else {
        size_t name_len = strlen(name);
        char *both = realloc(body, len + 1 + name_len + 1);
        if (!both) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        } else {
            body = both;
            memcpy(body + len + 1, name, name_len + 1);
        }
    }
    ds_verifier_free(v);
    if (rc) {
        free(body);
        return rc;
    }
    *out = body;
    return 0;
}

/* Decides the origin to follow (borrowed or *owned); NULL when only the remote can tell:
 * a first sync with neither --log nor --key. */
static int choose_origin(char **owned_origin, const char **origin, ds_db *db,
                         const ds_sync_options *opts, const char *source_url, ds_error *err)
{
    *owned_origin = NULL;
    *origin = opts->origin;
    if (opts->origin && !*opts->origin)
        return ds_error_set(err, DS_EINVAL, "--log", "must not be empty");
    if (opts->verifier_key) {
        ds_verifier *v = NULL;
        int rc = ds_verifier_parse(&v, opts->verifier_key, err);
        if (rc)
            return rewrap(err, rc, "--key", "not a verifier key");
        if (opts->origin && strcmp(opts->origin, ds_verifier_name(v)) != 0)
            rc = ds_error_set(err, DS_EINVAL, "--log", "\"%s\" is not the name of --key (\"%s\")",
                              opts->origin, ds_verifier_name(v));
        else if (!opts->origin && !(*owned_origin = dup_string(ds_verifier_name(v))))
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        ds_verifier_free(v);
        if (!rc && *owned_origin)
            *origin = *owned_origin;
        return rc;
    }
    if (opts->origin)
        return 0;
    int rc = find_replica_by_url(db, source_url, owned_origin, err);
    if (!rc)
        *origin = *owned_origin;
    return rc;
}

/* Writes the staged entries, the checkpoint and the replica row in one transaction. */
static int commit(ds_db *db, ds_ledger_store *store, local_state *l, const char *origin,
                  const char *key, const char *trust, int is_repin, const char *source_url,
                  const staged *st, const ds_checkpoint *cp, const char *note, ds_error *err)
{
    char now[32];
    utc_now(now);
    int rc = ds_ledger_store_begin(store, err);
    if (rc)
        return rc;
    int64_t log_id = l->log.id;
    uint64_t size = 0;
    char *held = NULL;
    if (!l->has_log) {
        rc = ds_ledger_store_create_log(store, &log_id, origin, "", key, err);
        if (rc == DS_ECONFLICT)
            rc = ds_error_set(err, DS_ECONFLICT, "replica",
                              "\"%s\" was created by another process during the sync; run it "
                              "again",
                              origin);
    } else {
        /* The state the checks ran on must still be the stored one. */
        rc = ds_ledger_store_size(store, log_id, &size, err);
        if (!rc)
            rc = ds_ledger_store_latest_checkpoint(store, log_id, &held, err);
        if (!rc && (size != l->size || strcmp(held, l->held_note) != 0))
            rc = ds_error_set(err, DS_ECONFLICT, "replica",
                              "\"%s\" changed during the sync; run it again", origin);
    }
    uint8_t frontier[64][32];
    memcpy(frontier, l->frontier, sizeof frontier);
    node_sink sink = {store, log_id, err};
    for (size_t k = 0; !rc && k < st->n; k++) {
        uint64_t idx = l->size + k;
        rc = ds_ledger_store_put_entry(store, log_id, idx, (const uint8_t *)st->entries[k],
                                       st->lens[k], st->leaves[k], err);
        if (!rc)
            rc = ds_merkle_frontier_add(frontier, idx, st->leaves[k], store_node, &sink);
    }
    if (!rc && st->n)
        rc = ds_ledger_store_set_size(store, log_id, cp->size, err);
    if (!rc && (!l->held_note || strcmp(l->held_note, note) != 0))
        rc = ds_ledger_store_put_checkpoint(store, log_id, cp->size, cp->root, note, now, err);
    if (!rc && is_repin)
        rc = ds_replica_store_set_log_key(db, log_id, key, err);
    if (!rc)
        rc = ds_replica_store_write(db, log_id, source_url, key, trust, now, err);
    if (!rc)
        rc = ds_ledger_store_commit(store, err);
    else
        ds_ledger_store_rollback(store);
    free(held);
    return rc;
}

/* Copies url without trailing slashes. */
static char *normal_url(const char *url)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, url, n);
        s[n] = '\0';
    }
    return s;
}

int ds_sync_run(ds_sync_result *out, ds_db *db, const ds_sync_options *opts,
                const ds_sync_transport *transport, ds_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t page = opts->page ? opts->page : DS_SYNC_MAX_PAGE;
    if (page > DS_SYNC_MAX_PAGE)
        return ds_error_set(err, DS_EINVAL, "--page", "must be between 1 and %d",
                            DS_SYNC_MAX_PAGE);
    if (!opts->source_url || !*opts->source_url)
        return ds_error_set(err, DS_EINVAL, "--from", "must be a URL");

    char *source_url = normal_url(opts->source_url);
    char *owned_origin = NULL, *escaped = NULL, *log_q = NULL, *note = NULL;
    char *remote_key = NULL;
    const char *origin = NULL;
    ds_ledger_store *store = NULL;
    ds_verifier *verifier = NULL;
    local_state local;
    memset(&local, 0, sizeof local);
    staged st;
    memset(&st, 0, sizeof st);
    int rc = 0;
    if (!source_url) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = choose_origin(&owned_origin, &origin, db, opts, source_url, err)))
        goto out;
    if (!origin) {
        /* First sync with nothing named: the remote's default log, under its published key. */
        if ((rc = fetch_remote_key(&remote_key, transport, NULL, err)))
            goto out;
        origin = remote_key_name(remote_key);
    }
    if ((rc = ds_ledger_store_new(&store, db, err)) ||
        (rc = read_local(&local, db, store, origin, err)))
        goto out;

    /* The key: the pinned one, unless a new one is given (refused without repin). */
    const char *key = opts->verifier_key;
    int is_repin = 0;
    if (local.has_log && key && strcmp(key, local.replica.pinned_key) != 0) {
        if (!opts->repin) {
            rc = ds_error_set(err, DS_ECONFLICT, "--key",
                              "differs from the key pinned for \"%s\" (%s); pass --repin to "
                              "replace it",
                              origin, local.replica.pinned_key);
            goto out;
        }
        is_repin = 1;
    }
    if (!key)
        key = local.has_log ? local.replica.pinned_key : NULL;
    const char *trust = opts->verifier_key ? "pinned" : NULL;
    if (!key) {
        /* Trust on first use: the key the remote publishes is pinned with this first sync and
         * recorded as such; every later sync holds the remote to it. */
        if (!remote_key && (rc = fetch_remote_key(&remote_key, transport, origin, err)))
            goto out;
        key = remote_key;
        trust = "first_use";
        out->trusted_on_first_use = 1;
    }
    if ((rc = ds_verifier_parse(&verifier, key, err))) {
        rc = rewrap(err, rc, "--key", "not a verifier key");
        goto out;
    }
    if (strcmp(ds_verifier_name(verifier), origin) != 0) {
        rc = ds_error_set(err, DS_EINVAL, "--key", "names \"%s\", not the log \"%s\"",
                          ds_verifier_name(verifier), origin);
        goto out;
    }

    if ((rc = ds_http_escape(&escaped, origin, err)))
        goto out;
    size_t q_len = strlen(escaped) + 5;
    if (!(log_q = malloc(q_len))) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    snprintf(log_q, q_len, "log=%s", escaped);
    sync_ctx s = {transport, log_q, origin, err};

    /* 1. The remote's signed tree head. */
    char target[1200];
    snprintf(target, sizeof target, "/v1/ledger/checkpoint?%s", log_q);
    size_t note_len = 0;
    if ((rc = remote_get(transport, target, &note, &note_len, err)))
        goto out;
    if (strlen(note) != note_len) {
        rc = ds_error_set(err, DS_EINVAL, "checkpoint", "the remote's note holds a NUL byte");
        goto out;
    }
    ds_checkpoint cp;
    if ((rc = ds_checkpoint_open(&cp, note, verifier, origin, err))) {
        if (rc == DS_EMISMATCH)
            rc = rewrap(err, DS_EMISMATCH, "checkpoint",
                        "the remote's checkpoint does not verify with the pinned key");
        goto out;
    }

    /* 2. Compare with the replica. */
    if (cp.size < local.size) {
        rc = ds_error_set(err, DS_EMISMATCH, "history",
                          "the remote's checkpoint of \"%s\" has %llu entries, fewer than the "
                          "%llu this replica holds (the remote went back)",
                          origin, (unsigned long long)cp.size, (unsigned long long)local.size);
        goto out;
    }
    if (cp.size == local.size && memcmp(cp.root, local.root, 32) != 0) {
        rc = ds_error_set(err, DS_EMISMATCH, "history",
                          "the remote's checkpoint of \"%s\" at %llu entries has another root "
                          "than this replica (history changed)",
                          origin, (unsigned long long)cp.size);
        goto out;
    }

    /* 3. Extend: the proof first (a rewritten history is refused before any download). */
    if (cp.size > local.size) {
        if ((rc = check_consistency(&s, local.size, cp.size, local.root, cp.root)))
            goto out;
        for (uint64_t at = local.size; at < cp.size;) {
            uint64_t end = cp.size - at > page ? at + page : cp.size;
            if ((rc = fetch_page(&s, at, end, &st, &at)))
                goto out;
        }
        uint8_t frontier[64][32], root[32];
        memcpy(frontier, local.frontier, sizeof frontier);

        for (size_t k = 0; k < st.n; k++)
            ds_merkle_frontier_add(frontier, local.size + k, st.leaves[k], NULL, NULL);
        ds_merkle_frontier_root(root, frontier, cp.size);
        if (memcmp(root, cp.root, 32) != 0) {
            rc = ds_error_set(err, DS_EMISMATCH, "entries",
                              "the %llu entries received from index %llu do not give the root "
                              "of the remote's signed checkpoint",
                              (unsigned long long)st.n, (unsigned long long)local.size);
            goto out;
        }
    }

    /* 4. Commit. */
    if ((rc = commit(db, store, &local, origin, key, trust, is_repin, source_url, &st, &cp, note,
                     err)))
        goto out;
    snprintf(out->origin, sizeof out->origin, "%s", origin);
    out->from = local.size;
    out->to = cp.size;
    out->appended = cp.size - local.size;
    out->note = note;
    note = NULL;
out:
    if (rc)
        out->trusted_on_first_use = 0;
    staged_clear(&st);
    local_state_clear(&local);
    ds_verifier_free(verifier);
    ds_ledger_store_free(store);
    free(note);
    free(log_q);
    free(escaped);
    free(owned_origin);
    free(remote_key);
    free(source_url);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The HTTP transport                                                                        */

struct ds_sync_http {
    ds_http_client *client;
    char *base;
};

static int http_get(void *ctx, const char *target, long *status, char **body, size_t *body_len,
                    ds_error *err)
{
    ds_sync_http *h = ctx;
    size_t n = strlen(h->base) + strlen(target) + 1;
    char *url = malloc(n);
    if (!url)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    snprintf(url, n, "%s%s", h->base, target);
    ds_http_reply reply;
    int rc = ds_http_get(h->client, url, &reply, err);
    free(url);
    if (rc)
        return rc;
    *status = reply.status;
    *body = reply.body;
    *body_len = reply.len;
    return 0;
}

int ds_sync_http_new(ds_sync_http **out, ds_sync_transport *transport, const char *base_url,
                     const char *api_key, ds_error *err)
{
    *out = NULL;
    int is_http = base_url &&
                  (strncmp(base_url, "http://", 7) == 0 || strncmp(base_url, "https://", 8) == 0);
    if (!is_http)
        return ds_error_set(err, DS_EINVAL, "--from", "must be an http:// or https:// URL");
    for (const char *c = base_url; *c; c++) {
        if ((unsigned char)*c <= 0x20 || *c == 0x7f || *c == '?' || *c == '#')
            return ds_error_set(err, DS_EINVAL, "--from",
                                "must be a base URL without spaces, query or fragment");
    }
    ds_sync_http *h = calloc(1, sizeof *h);
    if (!h || !(h->base = normal_url(base_url))) {
        free(h);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    int rc = ds_http_client_new(&h->client, NULL, api_key, err);
    if (rc) {
        ds_sync_http_free(h);
        return rc;
    }
    transport->get = http_get;
    transport->ctx = h;
    *out = h;
    return 0;
}

void ds_sync_http_free(ds_sync_http *http)
{
    if (!http)
        return;
    ds_http_client_free(http->client);
    free(http->base);
    free(http);
}
