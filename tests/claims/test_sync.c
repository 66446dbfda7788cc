/*
 * test_sync.c: the ledger sync use case (claims/sync.h) against a fake remote, and the HTTP
 * client underneath it (data/http_client.h) against a scripted socket server.
 *
 * The fake remote is a real log in its own database (claims/ledger.h: appends and signed
 * checkpoints), served through a ds_sync_transport that answers the three routes exactly as
 * web/routes_ledger.c does (docs/http.md), with switches that make it fail or lie: a transport
 * failure at the k-th request, a changed entry with its leaf hash recomputed, a changed leaf hash
 * alone, a changed consistency proof, short or empty pages, an error status. What is checked:
 *   - a sync gives the replica the remote's entries, subtree hashes, root and checkpoint note
 *     (compared with the remote's, and `ds_ledger_verify` passes on the replica), for any page
 *     size and when the remote cuts pages short;
 *   - later syncs fetch only entries from the replica's size, take only what is signed, and
 *     append nothing when nothing new is signed;
 *   - every refusal (another key, rewritten, shorter or longer-but-different histories under the
 *     same key, tampered entries or hashes or proofs, a transport failure on any request, a
 *     remote short of entries, malformed replies, error statuses) returns its code and leaves
 *     every replica table byte-for-byte as it was; after a transport failure the next sync works;
 *   - key pinning: the first sync needs a key, another key later is refused unless repin, and a
 *     log of the database's own is never overwritten;
 *   - the HTTP client retries 503 and connection failures a bounded number of times with
 *     doubling waits, does not retry a 404, refuses a body above its cap, and sends the bearer
 *     key.
 * Databases and key files are created in the test's working directory.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "claims/checkpoint.h"
#include "claims/ledger.h"
#include "claims/merkle.h"
#include "claims/sync.h"
#include "data/db.h"
#include "data/hex.h"
#include "data/http_client.h"
#include "data/ledger_store.h"
#include "tests/ds_test.h"

#define ORIGIN "ledger.example-platform.cn/P-001"
#define URL "http://platform.example:8080"

static void remove_db(const char *path)
{
    char buf[256];
    unlink(path);
    snprintf(buf, sizeof buf, "%s-wal", path);
    unlink(buf);
    snprintf(buf, sizeof buf, "%s-shm", path);
    unlink(buf);
}

/* ---------------------------------------------------------------------------------------- */
/* The fake remote                                                                           */

typedef struct remote {
    ds_db *db;
    ds_ledger *lg;
    ds_ledger_store *store;
    int64_t log_id;
    char *vkey;
} remote;

/*
 * A remote log in db_path. With key_of NULL it gets a fresh key at key_path; otherwise it signs
 * with key_of's key file (a second history under the same origin and key).
 */
static void remote_open(remote *r, const char *db_path, const char *key_path, const remote *key_of)
{
    memset(r, 0, sizeof *r);
    remove_db(db_path);
    ds_error err;
    ds_error_clear(&err);
    CU_ASSERT_FATAL(ds_db_open(&r->db, db_path, NULL, &err) == 0);
    if (!key_of) {
        unlink(key_path);
        CU_ASSERT_FATAL(ds_ledger_create(r->db, ORIGIN, key_path, &r->vkey, &err) == 0);
    } else {
        ds_ledger_store *st = NULL;
        int64_t id;
        CU_ASSERT_FATAL(ds_ledger_store_new(&st, r->db, &err) == 0);
        CU_ASSERT_FATAL(ds_ledger_store_create_log(st, &id, ORIGIN, ds_ledger_key_path(key_of->lg),
                                                   key_of->vkey, &err) == 0);
        ds_ledger_store_free(st);
        size_t n = strlen(key_of->vkey) + 1;
        r->vkey = malloc(n);
        memcpy(r->vkey, key_of->vkey, n);
    }
    CU_ASSERT_FATAL(ds_ledger_open(&r->lg, r->db, ORIGIN, &err) == 0);
    CU_ASSERT_FATAL(ds_ledger_store_new(&r->store, r->db, &err) == 0);
    ds_ledger_log log;
    CU_ASSERT_FATAL(ds_ledger_store_find_log(r->store, &log, ORIGIN, &err) == 0);
    r->log_id = log.id;
    ds_ledger_log_clear(&log);
}

static void remote_close(remote *r)
{
    ds_ledger_store_free(r->store);
    ds_ledger_free(r->lg);
    ds_db_close(r->db);
    free(r->vkey);
    memset(r, 0, sizeof *r);
}

/* Appends n records for assets first..first+n-1; tag makes histories differ. */
static void remote_append(remote *r, size_t first, size_t n, const char *tag)
{
    ds_error err;
    ds_error_clear(&err);
    for (size_t i = first; i < first + n; i++) {
        char text[256];
        snprintf(text, sizeof text,
                 "{\"type\":\"asset.graded\",\"ts\":\"2027-01-01T00:00:00Z\",\"asset\":\"%s-%zu\","
                 "\"grade\":\"core\"}",
                 tag, i);
        cJSON *rec = cJSON_Parse(text);
        const cJSON *recs[1] = {rec};
        uint64_t a, b;
        CU_ASSERT_FATAL(ds_ledger_append(r->lg, recs, 1, NULL, &a, &b, &err) == 0);
        cJSON_Delete(rec);
    }
}

static char *remote_checkpoint(remote *r)
{
    ds_error err;
    ds_error_clear(&err);
    char *note = NULL;
    CU_ASSERT_FATAL(ds_ledger_checkpoint(r->lg, &note, &err) == 0);
    return note;
}

typedef struct fake {
    remote *r;
    int n_requests;
    int fail_at;          /* the request (1-based) that fails with DS_EUNAVAIL; 0: none */
    long status;          /* non-zero: every reply is this error status */
    uint64_t max_page;    /* the remote cuts pages to this many entries; 0: 1000 */
    int empty_pages;      /* pages hold no entries (a remote short of entries) */
    int64_t tamper_entry; /* this entry is changed (leaf hash recomputed); -1: none */
    int64_t tamper_leaf;  /* this entry's leaf hash is changed; -1: none */
    int bad_proof;        /* the consistency proof's first hash is changed */
    int garbage_pages;    /* pages are not JSON */
    int n_entry_requests;
    uint64_t min_start; /* the smallest start asked for */
} fake;

static void fake_init(fake *f, remote *r)
{
    memset(f, 0, sizeof *f);
    f->r = r;
    f->tamper_entry = -1;
    f->tamper_leaf = -1;
    f->min_start = UINT64_MAX;
}

/* The value of name=... in query (digits only), or def. */
static uint64_t query_u64(const char *query, const char *name, uint64_t def)
{
    char key[32];
    snprintf(key, sizeof key, "%s=", name);
    for (const char *p = query; p && *p;) {
        if (strncmp(p, key, strlen(key)) == 0) {
            uint64_t v = 0;
            for (const char *c = p + strlen(key); *c >= '0' && *c <= '9'; c++)
                v = v * 10 + (uint64_t)(*c - '0');
            return v;
        }
        p = strchr(p, '&');
        if (p)
            p++;
    }
    return def;
}

static char *take_json(cJSON *doc, size_t *len)
{
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    *len = strlen(text);
    return text;
}

static void path_json(cJSON *obj, uint8_t path[][32], size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, "path");
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        ds_hex_encode(hex, path[i], 32);
        cJSON_AddItemToArray(arr, cJSON_CreateString(hex));
    }
}

static int fake_get(void *ctx, const char *target, long *status, char **body, size_t *len,
                    ds_error *err)
{
    fake *f = ctx;
    f->n_requests++;
    if (f->fail_at == f->n_requests)
        return ds_error_set(err, DS_EUNAVAIL, "fake", "connection refused (after 4 tries)");
    if (strncmp(target, "/v1/ledger/key", 14) == 0) {
        /* What the server publishes (GET /v1/ledger/key), for trust on first use; without
         * ?log= it is the server's default log, this one. */
        const char *log = strstr(target, "?log=");
        CU_ASSERT(!log || strcmp(log, "?log=ledger.example-platform.cn%2FP-001") == 0);
        size_t n = strlen(f->r->vkey);
        *body = malloc(n + 2);
        memcpy(*body, f->r->vkey, n);
        (*body)[n] = '\n';
        (*body)[n + 1] = '\0';
        *len = n + 1;
        *status = 200;
        return 0;
    }
    CU_ASSERT(strstr(target, "log=ledger.example-platform.cn%2FP-001") != NULL);
    const char *query = strchr(target, '?');
    ds_error rerr;
    ds_error_clear(&rerr);
    if (f->status) {
        *status = f->status;
        cJSON *doc = cJSON_Parse("{\"error\":{\"code\":\"x\",\"message\":\"go\\naway\"}}");
        *body = take_json(doc, len);
        return 0;
    }
    *status = 200;
    if (strncmp(target, "/v1/ledger/checkpoint", 21) == 0) {
        if (ds_ledger_latest_checkpoint(f->r->lg, body, &rerr) != 0) {
            *status = 404;
            *body = strdup("{\"error\":{\"message\":\"checkpoint: none yet\"}}");
        }
        *len = strlen(*body);
        return 0;
    }
    if (strncmp(target, "/v1/ledger/proof/consistency", 28) == 0) {
        uint64_t from = query_u64(query, "from", 0), to = query_u64(query, "to", 0);
        uint8_t path[DS_MERKLE_MAX_PROOF][32];
        size_t n = 0;
        CU_ASSERT_FATAL(ds_ledger_consistency(f->r->lg, from, to, path, &n, &rerr) == 0);
        if (f->bad_proof && n > 0)
            path[0][0] ^= 1;
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "from", (double)from);
        cJSON_AddNumberToObject(doc, "to", (double)to);
        path_json(doc, path, n);
        *body = take_json(doc, len);
        return 0;
    }
    CU_ASSERT_FATAL(strncmp(target, "/v1/ledger/entries", 18) == 0);
    if (f->garbage_pages) {
        *body = strdup("{\"entries\": [");
        *len = strlen(*body);
        return 0;
    }
    f->n_entry_requests++;
    uint64_t size = 0;
    CU_ASSERT_FATAL(ds_ledger_size(f->r->lg, &size, &rerr) == 0);
    uint64_t start = query_u64(query, "start", 0), end = query_u64(query, "end", size);
    uint64_t max_page = f->max_page ? f->max_page : 1000;
    if (start < f->min_start)
        f->min_start = start;
    if (end > size)
        end = size;
    if (end - start > max_page)
        end = start + max_page;
    if (f->empty_pages)
        end = start;
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "log", ORIGIN);
    cJSON_AddNumberToObject(doc, "size", (double)size);
    cJSON_AddNumberToObject(doc, "start", (double)start);
    cJSON_AddNumberToObject(doc, "end", (double)end);
    cJSON *arr = cJSON_AddArrayToObject(doc, "entries");
    for (uint64_t i = start; i < end; i++) {
        uint8_t *entry = NULL;
        size_t n = 0;
        CU_ASSERT_FATAL(
            ds_ledger_store_get_entry(f->r->store, f->r->log_id, i, &entry, &n, &rerr) == 0);
        char *text = (char *)entry;
        if ((int64_t)i == f->tamper_entry)
            text[n - 3] ^= 0x20; /* "graded" -> "gradeD": still valid JSON */
        uint8_t leaf[32];
        char hex[65];
        ds_merkle_leaf_hash(leaf, (const uint8_t *)text, n);
        if ((int64_t)i == f->tamper_leaf)
            leaf[31] ^= 0x80;
        ds_hex_encode(hex, leaf, 32);
        cJSON *item = cJSON_CreateObject();
        cJSON_AddNumberToObject(item, "index", (double)i);
        cJSON_AddStringToObject(item, "entry", text);
        cJSON_AddStringToObject(item, "leaf_hash", hex);
        cJSON_AddItemToArray(arr, item);
        free(entry);
    }
    *body = take_json(doc, len);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The replica                                                                               */

static ds_db *replica_open(const char *path)
{
    remove_db(path);
    ds_db *db = NULL;
    ds_error err;
    ds_error_clear(&err);
    CU_ASSERT_FATAL(ds_db_open(&db, path, NULL, &err) == 0);
    return db;
}

static int snapshot_row(void *ctx, int n, char **values, char **names)
{
    (void)names;
    char *buf = ctx;
    size_t at = strlen(buf);
    for (int i = 0; i < n && at < 65000; i++)
        at += (size_t)snprintf(buf + at, 65536 - at, "%s|", values[i] ? values[i] : "NULL");
    return 0;
}

/* Every row of the ledger and replica tables, as text (buf holds 65536 bytes). */
static void snapshot(ds_db *db, char *buf)
{
    buf[0] = '\0';
    const char *sql = "SELECT * FROM logs ORDER BY id;"
                      "SELECT log_id, idx, hex(leaf_hash), entry FROM entries ORDER BY 1, 2;"
                      "SELECT log_id, level, idx, hex(hash) FROM nodes ORDER BY 1, 2, 3;"
                      "SELECT id, log_id, size, hex(root), note, created FROM checkpoints;"
                      "SELECT * FROM replicas ORDER BY log_id;";
    CU_ASSERT(sqlite3_exec(ds_db_handle(db), sql, snapshot_row, buf, NULL) == SQLITE_OK);
}

static int sync_with(ds_db *replica, fake *f, const char *key, uint64_t page, ds_sync_result *res,
                     ds_error *err)
{
    ds_sync_transport t = {fake_get, f};
    ds_sync_options opts = {URL, NULL, key, 0, page};
    ds_error_clear(err);
    return ds_sync_run(res, replica, &opts, &t, err);
}

/* The replica's root at its size equals the remote's at `size`, and its checks pass. */
static void assert_replica_matches(ds_db *replica, remote *r, uint64_t size)
{
    ds_error err;
    ds_error_clear(&err);
    ds_ledger *lg = NULL;
    CU_ASSERT_FATAL(ds_ledger_open(&lg, replica, ORIGIN, &err) == 0);
    uint64_t n = 0;
    uint8_t a[32], b[32];
    CU_ASSERT(ds_ledger_size(lg, &n, &err) == 0);
    CU_ASSERT(n == size);
    CU_ASSERT(ds_ledger_root(lg, size, a, &err) == 0);
    CU_ASSERT(ds_ledger_root(r->lg, size, b, &err) == 0);
    CU_ASSERT(memcmp(a, b, 32) == 0);
    ds_ledger_verify_report rep;
    int rc = ds_ledger_verify(lg, &rep, &err);
    if (rc)
        fprintf(stderr, "\n  verify: %s\n", err.message);
    CU_ASSERT(rc == 0);
    CU_ASSERT(rep.size == size);
    CU_ASSERT(strcmp(ds_ledger_key_path(lg), "") == 0);
    CU_ASSERT(strcmp(ds_ledger_verifier_key(lg), r->vkey) == 0);
    ds_ledger_free(lg);
}

/* ---------------------------------------------------------------------------------------- */
/* Syncing                                                                                   */

static void test_sync__first_sync_copies_the_signed_log(void)
{
    remote r;
    remote_open(&r, "first-remote.db", "first.key", NULL);
    remote_append(&r, 0, 37, "P");
    char *note = remote_checkpoint(&r);
    ds_db *rep = replica_open("first-replica.db");
    fake f;
    fake_init(&f, &r);
    ds_sync_result res;
    ds_error err;
    CU_ASSERT_FATAL(sync_with(rep, &f, r.vkey, 0, &res, &err) == 0);
    CU_ASSERT(strcmp(res.origin, ORIGIN) == 0);
    CU_ASSERT(res.from == 0 && res.to == 37 && res.appended == 37);
    CU_ASSERT(strcmp(res.note, note) == 0);
    assert_replica_matches(rep, &r, 37);
    /* Every stored row equals the remote's: entries, leaf hashes and subtree hashes. */
    char a[65536], b[65536];
    a[0] = b[0] = '\0';
    const char *rows = "SELECT idx, hex(leaf_hash), entry FROM entries ORDER BY idx;"
                       "SELECT level, idx, hex(hash) FROM nodes ORDER BY 1, 2;"
                       "SELECT size, hex(root), note FROM checkpoints;";
    CU_ASSERT(sqlite3_exec(ds_db_handle(rep), rows, snapshot_row, a, NULL) == SQLITE_OK);
    CU_ASSERT(sqlite3_exec(ds_db_handle(r.db), rows, snapshot_row, b, NULL) == SQLITE_OK);
    CU_ASSERT(strcmp(a, b) == 0);
    /* The replica row: the URL and the pinned key. */
    a[0] = '\0';
    CU_ASSERT(sqlite3_exec(ds_db_handle(rep),
                           "SELECT source_url, pinned_verifier_key, trust FROM replicas",
                           snapshot_row, a, NULL) == SQLITE_OK);
    snprintf(b, sizeof b, "%s|%s|pinned|", URL, r.vkey);
    CU_ASSERT(strcmp(a, b) == 0);
    ds_sync_result_clear(&res);
    free(note);
    ds_db_close(rep);
    remote_close(&r);
}

static void test_sync__pages_of_any_size_give_the_same_replica(void)
{
    remote r;
    remote_open(&r, "pages-remote.db", "pages.key", NULL);
    remote_append(&r, 0, 23, "P");
    free(remote_checkpoint(&r));
    uint64_t pages[] = {1, 2, 7, 22, 23, 1000};
    for (size_t k = 0; k < sizeof pages / sizeof pages[0]; k++) {
        ds_db *rep = replica_open("pages-replica.db");
        fake f;
        fake_init(&f, &r);
        ds_sync_result res;
        ds_error err;
        CU_ASSERT(sync_with(rep, &f, r.vkey, pages[k], &res, &err) == 0);
        CU_ASSERT(res.appended == 23);
        CU_ASSERT(f.n_entry_requests == (int)((23 + pages[k] - 1) / pages[k]));
        assert_replica_matches(rep, &r, 23);
        ds_sync_result_clear(&res);
        ds_db_close(rep);
    }
    /* A remote that cuts its pages shorter than asked: the client asks again from there. */
    ds_db *rep = replica_open("pages-replica.db");
    fake f;
    fake_init(&f, &r);
    f.max_page = 4;
    ds_sync_result res;
    ds_error err;
    CU_ASSERT(sync_with(rep, &f, r.vkey, 10, &res, &err) == 0);
    CU_ASSERT(f.n_entry_requests == 6); /* [0,4) [4,8) [8,12) [12,16) [16,20) [20,23) */
    assert_replica_matches(rep, &r, 23);
    ds_sync_result_clear(&res);
    ds_db_close(rep);
    remote_close(&r);
}

static void test_sync__later_syncs_fetch_only_new_signed_entries(void)
{
    remote r;
    remote_open(&r, "inc-remote.db", "inc.key", NULL);
    remote_append(&r, 0, 10, "P");
    free(remote_checkpoint(&r));
    ds_db *rep = replica_open("inc-replica.db");
    fake f;
    fake_init(&f, &r);
    ds_sync_result res;
    ds_error err;
    CU_ASSERT_FATAL(sync_with(rep, &f, r.vkey, 0, &res, &err) == 0);
    ds_sync_result_clear(&res);

    /* Appended but not signed: not taken; the pinned key is used without --key. */
    remote_append(&r, 10, 5, "P");
    fake_init(&f, &r);
    CU_ASSERT(sync_with(rep, &f, NULL, 0, &res, &err) == 0);
    CU_ASSERT(res.from == 10 && res.to == 10 && res.appended == 0);
    CU_ASSERT(f.n_entry_requests == 0);
    ds_sync_result_clear(&res);

    char *note = remote_checkpoint(&r);
    remote_append(&r, 15, 2, "P"); /* beyond the new checkpoint */
    fake_init(&f, &r);
    CU_ASSERT(sync_with(rep, &f, NULL, 3, &res, &err) == 0);
    CU_ASSERT(res.from == 10 && res.to == 15 && res.appended == 5);
    CU_ASSERT(f.min_start == 10);
    CU_ASSERT(strcmp(res.note, note) == 0);
    assert_replica_matches(rep, &r, 15);
    ds_sync_result_clear(&res);

    /* Up to date: nothing appended, no checkpoint stored twice. */
    fake_init(&f, &r);
    CU_ASSERT(sync_with(rep, &f, r.vkey, 0, &res, &err) == 0);
    CU_ASSERT(res.appended == 0);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(ds_db_handle(rep), "SELECT count(*) FROM checkpoints", -1, &st, NULL);
    CU_ASSERT(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 2);
    sqlite3_finalize(st);
    ds_sync_result_clear(&res);
    free(note);
    ds_db_close(rep);
    remote_close(&r);
}

/*
 * Runs a sync expected to fail with want (and, when want_text is not NULL, a message containing
 * it), and checks that the replica is unchanged.
 */
static void expect_refused(ds_db *rep, fake *f, const char *key, int want, const char *want_text)
{
    char before[65536], after[65536];
    snapshot(rep, before);
    ds_sync_result res;
    ds_error err;
    int rc = sync_with(rep, f, key, 3, &res, &err);
    if (rc != want || (want_text && !strstr(err.message, want_text)))
        fprintf(stderr, "\n  got %d \"%s\", want %d \"%s\"\n", rc, err.message, want,
                want_text ? want_text : "");
    CU_ASSERT(rc == want);
    CU_ASSERT(!want_text || strstr(err.message, want_text) != NULL);
    CU_ASSERT(res.note == NULL && res.to == 0);
    snapshot(rep, after);
    CU_ASSERT(strcmp(before, after) == 0);
}

static void test_sync__rewritten_histories_under_the_same_key_are_refused(void)
{
    remote r;
    remote_open(&r, "rw-remote.db", "rw.key", NULL);
    remote_append(&r, 0, 8, "P");
    free(remote_checkpoint(&r));
    ds_db *rep = replica_open("rw-replica.db");
    fake f;
    fake_init(&f, &r);
    ds_sync_result res;
    ds_error err;
    CU_ASSERT_FATAL(sync_with(rep, &f, r.vkey, 0, &res, &err) == 0);
    ds_sync_result_clear(&res);

    /* Another history signed with the same key: shorter, equal in size, longer. */
    remote other;
    remote_open(&other, "rw-other.db", NULL, &r);
    remote_append(&other, 0, 5, "P");
    remote_append(&other, 5, 1, "X");
    free(remote_checkpoint(&other));
    fake_init(&f, &other);
    expect_refused(rep, &f, NULL, DS_EMISMATCH, "(the remote went back)");
    remote_append(&other, 6, 2, "X");
    free(remote_checkpoint(&other));
    fake_init(&f, &other);
    expect_refused(rep, &f, NULL, DS_EMISMATCH, "another root than this replica");
    remote_append(&other, 8, 9, "X");
    free(remote_checkpoint(&other));
    fake_init(&f, &other);
    expect_refused(rep, &f, NULL, DS_EMISMATCH, "not consistent with the 8 entries");
    CU_ASSERT(f.n_entry_requests == 0); /* refused on the proof, before any download */
    /* The honest remote still syncs. */
    remote_append(&r, 8, 3, "P");
    free(remote_checkpoint(&r));
    fake_init(&f, &r);
    CU_ASSERT(sync_with(rep, &f, NULL, 0, &res, &err) == 0);
    CU_ASSERT(res.from == 8 && res.to == 11);
    ds_sync_result_clear(&res);
    remote_close(&other);
    ds_db_close(rep);
    remote_close(&r);
}

static void test_sync__lies_in_transit_are_refused_and_nothing_written(void)
{
    remote r;
    remote_open(&r, "lie-remote.db", "lie.key", NULL);
    remote_append(&r, 0, 6, "P");
    free(remote_checkpoint(&r));
    ds_db *rep = replica_open("lie-replica.db");
    fake f;
    fake_init(&f, &r);
    ds_sync_result res;
    ds_error err;
    CU_ASSERT_FATAL(sync_with(rep, &f, r.vkey, 0, &res, &err) == 0);
    ds_sync_result_clear(&res);
    remote_append(&r, 6, 9, "P");
    free(remote_checkpoint(&r));

    /* An entry changed with its leaf hash recomputed: only the root gives it away. */
    fake_init(&f, &r);
    f.tamper_entry = 11;
    expect_refused(rep, &f, NULL, DS_EMISMATCH, "do not give the root");
    /* A leaf hash that is not the entry's. */
    fake_init(&f, &r);
    f.tamper_leaf = 7;
    expect_refused(rep, &f, NULL, DS_EMISMATCH, "entries[7]: leaf_hash differs");
    /* A consistency proof that does not verify, with honest entries. */
    fake_init(&f, &r);
    f.bad_proof = 1;
    expect_refused(rep, &f, NULL, DS_EMISMATCH, "not consistent");
    /* Fewer entries than the checkpoint says; pages that are not JSON. */
    fake_init(&f, &r);
    f.empty_pages = 1;
    expect_refused(rep, &f, NULL, DS_EINVAL, "fewer entries than its checkpoint");
    fake_init(&f, &r);
    f.garbage_pages = 1;
    expect_refused(rep, &f, NULL, DS_EINVAL, "entries: malformed JSON");
    /* Error statuses: 401 names the API key, 404 is not found, others are invalid replies;
     * the remote's message is shown without its control characters. */
    fake_init(&f, &r);
    f.status = 401;
    expect_refused(rep, &f, NULL, DS_EINVAL, "--api-key: the remote refused");
    fake_init(&f, &r);
    f.status = 404;
    expect_refused(rep, &f, NULL, DS_ENOTFOUND, "go?away");
    fake_init(&f, &r);
    f.status = 500;
    expect_refused(rep, &f, NULL, DS_EINVAL, "HTTP status 500");
    /* A transport failure on each request in turn (checkpoint, proof, three pages of 3). */
    for (int k = 1; k <= 5; k++) {
        fake_init(&f, &r);
        f.fail_at = k;
        expect_refused(rep, &f, NULL, DS_EUNAVAIL, "connection refused");
        CU_ASSERT(f.n_requests == k);
    }
    /* And then the honest sync. */
    fake_init(&f, &r);
    CU_ASSERT(sync_with(rep, &f, NULL, 3, &res, &err) == 0);
    CU_ASSERT(res.from == 6 && res.to == 15 && f.n_requests == 5);
    assert_replica_matches(rep, &r, 15);
    ds_sync_result_clear(&res);
    ds_db_close(rep);
    remote_close(&r);
}

/* Without a key or a replica the first sync takes the key the remote publishes, pins it as
 * 'first_use', and holds the remote to it afterwards. */
static void test_sync__first_sync_without_a_key_trusts_the_published_key(void)
{
    remote r;
    remote_open(&r, "tofu-remote.db", "tofu.key", NULL);
    remote_append(&r, 0, 4, "P");
    free(remote_checkpoint(&r));
    ds_db *rep = replica_open("tofu-replica.db");
    fake f;
    fake_init(&f, &r);
    ds_sync_result res;
    ds_error err;
    CU_ASSERT_FATAL(sync_with(rep, &f, NULL, 0, &res, &err) == 0);
    CU_ASSERT(res.trusted_on_first_use);
    CU_ASSERT(res.to == 4);
    ds_sync_result_clear(&res);
    sqlite3_stmt *st = NULL;
    CU_ASSERT_FATAL(sqlite3_prepare_v2(ds_db_handle(rep),
                                       "SELECT pinned_verifier_key, trust FROM replicas", -1, &st,
                                       NULL) == SQLITE_OK);
    CU_ASSERT_FATAL(sqlite3_step(st) == SQLITE_ROW);
    CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 0), r.vkey);
    CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 1), "first_use");
    sqlite3_finalize(st);
    remote_append(&r, 4, 2, "P");
    free(remote_checkpoint(&r));
    CU_ASSERT_FATAL(sync_with(rep, &f, NULL, 0, &res, &err) == 0);
    CU_ASSERT(!res.trusted_on_first_use && res.from == 4 && res.to == 6);
    ds_sync_result_clear(&res);
    ds_db_close(rep);
    remote_close(&r);
}

static void test_sync__keys_are_pinned(void)
{
    remote r, impostor;
    remote_open(&r, "pin-remote.db", "pin.key", NULL);
    remote_open(&impostor, "pin-impostor.db", "pin-impostor.key", NULL);
    remote_append(&r, 0, 4, "P");
    free(remote_checkpoint(&r));
    remote_append(&impostor, 0, 4, "P"); /* the same entries under another key pair */
    free(remote_checkpoint(&impostor));
    ds_db *rep = replica_open("pin-replica.db");
    fake f;
    fake_init(&f, &r);
    /* The remote's signature must be by the key given. */
    expect_refused(rep, &f, impostor.vkey, DS_EMISMATCH, "does not verify with the pinned key");
    expect_refused(rep, &f, "not a key", DS_EINVAL, "--key: not a verifier key");
    ds_sync_result res;
    ds_error err;
    CU_ASSERT_FATAL(sync_with(rep, &f, r.vkey, 0, &res, &err) == 0);
    ds_sync_result_clear(&res);
    /* Another key later is refused; the impostor's checkpoint is refused under the pin. */
    expect_refused(rep, &f, impostor.vkey, DS_ECONFLICT, "differs from the key pinned");
    fake_init(&f, &impostor);
    expect_refused(rep, &f, NULL, DS_EMISMATCH, "does not verify with the pinned key");

    /* A repin accepts the new key when the tree is the same, and pins it. */
    ds_sync_transport t = {fake_get, &f};
    ds_sync_options opts = {URL, ORIGIN, impostor.vkey, 1, 0};
    CU_ASSERT(ds_sync_run(&res, rep, &opts, &t, &err) == 0);
    CU_ASSERT(res.appended == 0);
    ds_sync_result_clear(&res);
    fake_init(&f, &impostor);
    CU_ASSERT(sync_with(rep, &f, NULL, 0, &res, &err) == 0);
    ds_sync_result_clear(&res);
    fake_init(&f, &r);
    expect_refused(rep, &f, NULL, DS_EMISMATCH, "does not verify with the pinned key");

    /* A database's own log of that origin is not a replica. */
    ds_sync_transport t2 = {fake_get, &f};
    ds_sync_options own = {URL, NULL, r.vkey, 0, 0};
    CU_ASSERT(ds_sync_run(&res, r.db, &own, &t2, &err) == DS_ECONFLICT);
    CU_ASSERT(strstr(err.message, "not a replica") != NULL);
    /* --log must be the key's name. */
    ds_sync_options other_log = {URL, "other/log", r.vkey, 0, 0};
    CU_ASSERT(ds_sync_run(&res, rep, &other_log, &t2, &err) == DS_EINVAL);
    CU_ASSERT(strstr(err.message, "--log") != NULL);
    ds_db_close(rep);
    remote_close(&impostor);
    remote_close(&r);
}

static void test_sync__replica_is_found_by_source_url_or_log(void)
{
    remote r;
    remote_open(&r, "url-remote.db", "url.key", NULL);
    free(remote_checkpoint(&r)); /* an empty log: size 0 */
    ds_db *rep = replica_open("url-replica.db");
    fake f;
    fake_init(&f, &r);
    ds_sync_result res;
    ds_error err;
    CU_ASSERT_FATAL(sync_with(rep, &f, r.vkey, 0, &res, &err) == 0);
    CU_ASSERT(res.from == 0 && res.to == 0);
    ds_sync_result_clear(&res);
    remote_append(&r, 0, 3, "P");
    free(remote_checkpoint(&r));
    /* Another URL: not found without --log (a trailing '/' is the same URL). */
    ds_sync_transport t = {fake_get, &f};
    ds_sync_options slash = {URL "/", NULL, NULL, 0, 0};
    CU_ASSERT(ds_sync_run(&res, rep, &slash, &t, &err) == 0);
    CU_ASSERT(res.to == 3);
    ds_sync_result_clear(&res);
    /* Another URL with no replica recorded: the log is the one the remote publishes the key
     * of, already pinned here, so it is held to the pinned key, not trusted anew. */
    ds_sync_options moved = {"http://mirror.example", NULL, NULL, 0, 0};
    CU_ASSERT(ds_sync_run(&res, rep, &moved, &t, &err) == 0);
    CU_ASSERT(!res.trusted_on_first_use);
    ds_sync_result_clear(&res);
    moved.origin = ORIGIN;
    CU_ASSERT(ds_sync_run(&res, rep, &moved, &t, &err) == 0);
    ds_sync_result_clear(&res);
    ds_sync_options bad_page = {URL, NULL, NULL, 0, 1001};
    CU_ASSERT(ds_sync_run(&res, rep, &bad_page, &t, &err) == DS_EINVAL);
    CU_ASSERT(strstr(err.message, "--page") != NULL);
    ds_db_close(rep);
    remote_close(&r);
}

/* ---------------------------------------------------------------------------------------- */
/* The HTTP client against a scripted server                                                 */

typedef struct script {
    int listen_fd;
    int port;
    const char *const *replies; /* one full HTTP response per connection */
    int n_replies;
    int n_served;
    char first_request[2048];
} script;

static void *serve_script(void *ctx)
{
    script *s = ctx;
    for (int i = 0; i < s->n_replies; i++) {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0)
            break;
        char buf[2048];
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        if (n > 0 && i == 0) {
            buf[n] = '\0';
            snprintf(s->first_request, sizeof s->first_request, "%s", buf);
        }
        const char *reply = s->replies[i];
        size_t len = strlen(reply);
        for (size_t at = 0; at < len;) {
            ssize_t w = send(fd, reply + at, len - at, MSG_NOSIGNAL);
            if (w <= 0)
                break;
            at += (size_t)w;
        }
        s->n_served++;
        close(fd);
    }
    return NULL;
}

static int listen_any(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 8) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    *port = ntohs(a.sin_port);
    return fd;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define R503 "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
#define R404 "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
#define R200 "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"

/* Serves replies[0..n-1] on one connection each while fn runs the client. */
static void with_script(const char *const *replies, int n, const ds_http_options *opts,
                        int want_rc, long want_status, const char *want, int want_served,
                        double min_s)
{
    script s;
    memset(&s, 0, sizeof s);
    s.replies = replies;
    s.n_replies = n;
    s.listen_fd = listen_any(&s.port);
    CU_ASSERT_FATAL(s.listen_fd >= 0);
    pthread_t th;
    CU_ASSERT_FATAL(pthread_create(&th, NULL, serve_script, &s) == 0);
    ds_http_client *c = NULL;
    ds_error err;
    ds_error_clear(&err);
    CU_ASSERT_FATAL(ds_http_client_new(&c, opts, "dsk_secret", &err) == 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/x", s.port);
    ds_http_reply reply;
    double t0 = now_s();
    int rc = ds_http_get(c, url, &reply, &err);
    double elapsed = now_s() - t0;
    CU_ASSERT(rc == want_rc);
    if (rc == 0) {
        CU_ASSERT(reply.status == want_status);
        CU_ASSERT(strcmp(reply.body, want) == 0);
    } else {
        CU_ASSERT(strstr(err.message, want) != NULL);
        CU_ASSERT(strstr(err.message, "dsk_secret") == NULL);
    }
    CU_ASSERT(elapsed >= min_s);
    ds_http_reply_clear(&reply);
    ds_http_client_free(c);
    /* Unblock a server still waiting for a connection the client did not make. */
    shutdown(s.listen_fd, SHUT_RDWR);
    pthread_join(th, NULL);
    close(s.listen_fd);
    CU_ASSERT(s.n_served == want_served);
    CU_ASSERT(strstr(s.first_request, "GET /v1/x HTTP/1.1") != NULL);
    CU_ASSERT(strstr(s.first_request, "Authorization: Bearer dsk_secret\r\n") != NULL);
}

static void test_http_client__retries_5xx_with_doubling_waits_then_gives_up(void)
{
    ds_http_options opts = {1000, 2000, 3, 20, 0};
    /* Two 503s then 200: waits 20 + 40 ms. */
    const char *const flaky[] = {R503, R503, R200};
    with_script(flaky, 3, &opts, 0, 200, "hello", 3, 0.060);
    /* Three 503s: gives up after 3 tries, naming the URL and the status. */
    const char *const down[] = {R503, R503, R503, R200};
    with_script(down, 4, &opts, DS_EUNAVAIL, 0, "HTTP status 503 (after 3 tries)", 3, 0.060);
    /* A 404 is an answer, not a failure: no retry. */
    const char *const missing[] = {R404, R200};
    with_script(missing, 2, &opts, 0, 404, "{}", 1, 0);
    /* A body above the cap is refused, not truncated, and not retried. */
    ds_http_options small = {1000, 2000, 3, 20, 4};
    const char *const big[] = {R200, R200};
    with_script(big, 2, &small, DS_EINVAL, 0, "reply larger than 4 bytes", 1, 0);
}

static void test_http_client__connection_refused_is_unavailable_after_bounded_tries(void)
{
    int port = 0;
    int fd = listen_any(&port);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd); /* nothing listens there now */
    ds_http_options opts = {1000, 2000, 4, 10, 0};
    ds_http_client *c = NULL;
    ds_error err;
    ds_error_clear(&err);
    CU_ASSERT_FATAL(ds_http_client_new(&c, &opts, NULL, &err) == 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/x", port);
    ds_http_reply reply;
    double t0 = now_s();
    CU_ASSERT(ds_http_get(c, url, &reply, &err) == DS_EUNAVAIL);
    CU_ASSERT(now_s() - t0 >= 0.070); /* 10 + 20 + 40 ms of backoff */
    CU_ASSERT(strstr(err.message, url) != NULL);
    CU_ASSERT(strstr(err.message, "(after 4 tries)") != NULL);
    CU_ASSERT(reply.body == NULL);
    CU_ASSERT(ds_http_get(c, "ftp://127.0.0.1/x", &reply, &err) == DS_EINVAL);
    ds_http_client_free(c);
    char *e = NULL;
    CU_ASSERT(ds_http_escape(&e, "ledger.example-platform.cn/P-001 a~b", &err) == 0);
    CU_ASSERT(strcmp(e, "ledger.example-platform.cn%2FP-001%20a~b") == 0);
    free(e);
}

static const ds_test_case tests[] = {
    {"test_sync__first_sync_copies_the_signed_log", test_sync__first_sync_copies_the_signed_log},
    {"test_sync__pages_of_any_size_give_the_same_replica",
     test_sync__pages_of_any_size_give_the_same_replica},
    {"test_sync__later_syncs_fetch_only_new_signed_entries",
     test_sync__later_syncs_fetch_only_new_signed_entries},
    {"test_sync__rewritten_histories_under_the_same_key_are_refused",
     test_sync__rewritten_histories_under_the_same_key_are_refused},
    {"test_sync__lies_in_transit_are_refused_and_nothing_written",
     test_sync__lies_in_transit_are_refused_and_nothing_written},
    {"test_sync__first_sync_without_a_key_trusts_the_published_key",
     test_sync__first_sync_without_a_key_trusts_the_published_key},
    {"test_sync__keys_are_pinned", test_sync__keys_are_pinned},
    {"test_sync__replica_is_found_by_source_url_or_log",
     test_sync__replica_is_found_by_source_url_or_log},
    {"test_http_client__retries_5xx_with_doubling_waits_then_gives_up",
     test_http_client__retries_5xx_with_doubling_waits_then_gives_up},
    {"test_http_client__connection_refused_is_unavailable_after_bounded_tries",
     test_http_client__connection_refused_is_unavailable_after_bounded_tries},
};

DS_TEST_MAIN("sync", tests)
