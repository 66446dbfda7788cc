/*
 * test_server.c: the HTTP API end to end (issue 7). A real server (web/server.h) listens on a
 * loopback port picked by the system and a libcurl client calls every route:
 *   - every error status: 400 (malformed JSON, invalid input naming the field), 401, 404
 *     (unknown route, unknown object, another tenant's object, a role without the route), 405
 *     with Allow, 409 (binding twice), 413 (a 3 MiB body, declared or chunked), 415, 500 (a
 *     signing key that cannot be read: nothing is stored);
 *   - concurrent clients on two workers, and a slow client cut off by the idle timeout;
 *   - tenancy probes with two platform keys: each reads only its own quotes, policies, claims
 *     and log, and gets for the other's exactly the answer of an id that does not exist;
 *   - SQL-injection strings in ids and query parameters: 404, and the database intact;
 *   - the same JSON as the CLI for POST /v1/grade and POST /v1/quotes (but quote_id and
 *     elapsed_ms), and for the ledger proofs (`dsure ledger prove / consistency`);
 *   - proofs that verify (RFC 9162) against roots computed here, entry pages whose leaf hashes
 *     equal SHA-256(0x00 || entry);
 *   - /metrics in the Prometheus text format, /healthz, static files without traversal;
 *   - the request log names method, path and status and never a key;
 *   - the real `dsure serve` finishes a request in flight when it gets SIGTERM.
 * The database and fixtures are made once, in the test's scratch directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "claims/ledger.h"
#include "claims/merkle.h"
#include "data/db.h"
#include "data/hex.h"
#include "tests/ds_test.h"
#include "web/auth.h"
#include "web/server.h"

#define DB_PATH "web.db"
#define LOG1 "ledger.test.cn/P-001"
#define LOG2 "ledger.test.cn/P-002"
#define LOG3 "ledger.test.cn/P-003"
#define QUOTE_FIXTURE DSURE_SOURCE_DIR "/tests/data/quotes/design-example.json"

/* ---------------------------------------------------------------------------------------- */
/* Fixture: one database, five keys, one server for the whole program                       */

static struct {
    int ready;
    ds_server *server;
    unsigned port;
    FILE *log;
    char insurer[DS_AUTH_KEY_LEN + 1], p1[DS_AUTH_KEY_LEN + 1], p2[DS_AUTH_KEY_LEN + 1];
    char adjuster[DS_AUTH_KEY_LEN + 1], admin[DS_AUTH_KEY_LEN + 1];
    char quote_id[64];   /* a quote of P-001 */
    char policy_id[64];  /* its policy */
} fx;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_FATAL(f != NULL);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static void setup(void)
{
    if (fx.ready)
        return;
    unlink(DB_PATH);
    unlink(DB_PATH "-wal");
    unlink(DB_PATH "-shm");
    unlink("p1.key");
    unlink("p2.key");
    ds_error err;
    ds_error_clear(&err);
    ds_db *db = NULL;
    CU_ASSERT_FATAL(ds_db_open(&db, DB_PATH, NULL, &err) == 0);
    CU_ASSERT_FATAL(ds_ledger_create(db, LOG1, "p1.key", NULL, &err) == 0);
    CU_ASSERT_FATAL(ds_ledger_create(db, LOG2, "p2.key", NULL, &err) == 0);
    /* P-003's signing key becomes unreadable (a directory): binding there fails inside. */
    rmdir("p3.key");
    unlink("p3.key");
    CU_ASSERT_FATAL(ds_ledger_create(db, LOG3, "p3.key", NULL, &err) == 0);
    CU_ASSERT_FATAL(unlink("p3.key") == 0 && mkdir("p3.key", 0700) == 0);
    CU_ASSERT_FATAL(ds_auth_create_key(fx.insurer, NULL, db, "insurer", NULL, &err) == 0);
    CU_ASSERT_FATAL(ds_auth_create_key(fx.p1, NULL, db, "platform", "P-001", &err) == 0);
    CU_ASSERT_FATAL(ds_auth_create_key(fx.p2, NULL, db, "platform", "P-002", &err) == 0);
    CU_ASSERT_FATAL(ds_auth_create_key(fx.adjuster, NULL, db, "adjuster", NULL, &err) == 0);
    CU_ASSERT_FATAL(ds_auth_create_key(fx.admin, NULL, db, "admin", NULL, &err) == 0);
    ds_db_close(db);

    mkdir("static", 0755);
    mkdir("static/js", 0755);
    write_file("static/index.html", "<!doctype html><title>dsure</title>\n");
    write_file("static/js/app.js", "console.log('dsure');\n");
    write_file("static/.hidden", "secret\n");
    write_file("outside.txt", "outside\n");

    fx.log = fopen("server.log", "w");
    CU_ASSERT_FATAL(fx.log != NULL);
    setvbuf(fx.log, NULL, _IOLBF, 0);
    ds_server_config cfg = {.db_path = DB_PATH, .port = 0, .threads = 2, .log_origin = LOG1,
                            .static_dir = "static", .log = fx.log, .timeout_s = 10};
    CU_ASSERT_FATAL(ds_server_start(&fx.server, &cfg, &err) == 0);
    fx.port = ds_server_port(fx.server);
    CU_ASSERT_FATAL(fx.port > 0);
    fx.ready = 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Client                                                                                    */

typedef struct reply {
    long status;
    char *body;
    size_t len, cap;
    char content_type[128];
    char allow[128];
} reply;

static void reply_clear(reply *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    reply *r = ctx;
    size_t add = size * n;
    if (r->len + add + 1 > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4096;
        while (cap < r->len + add + 1)
            cap *= 2;
        char *grown = realloc(r->body, cap);
        if (!grown)
            return 0;
        r->body = grown;
        r->cap = cap;
    }
    memcpy(r->body + r->len, data, add);
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

static void header_value(char *dst, size_t cap, const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(line, name, k) != 0)
        return;
    const char *v = line + k;
    size_t m = n - k;
    while (m && (*v == ' '))
        v++, m--;
    while (m && (v[m - 1] == '\r' || v[m - 1] == '\n'))
        m--;
    if (m >= cap)
        m = cap - 1;
    memcpy(dst, v, m);
    dst[m] = '\0';
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
    reply *r = ctx;
    header_value(r->content_type, sizeof r->content_type, line, size * n, "Content-Type:");
    header_value(r->allow, sizeof r->allow, line, size * n, "Allow:");
    return size * n;
}

typedef struct chunked_src {
    size_t left;
} chunked_src;

static size_t chunk_read(char *buf, size_t size, size_t n, void *ctx)
{
    chunked_src *src = ctx;
    size_t give = size * n < src->left ? size * n : src->left;
    memset(buf, ' ', give);
    src->left -= give;
    return give;
}

/*
 * One request. key may be NULL (no Authorization), ctype NULL (no Content-Type). A body of
 * chunked_len > 0 bytes is streamed chunked instead of body.
 */
static reply request_full(const char *method, const char *path, const char *key,
                          const char *ctype, const char *body, size_t body_len,
                          size_t chunked_len)
{
    reply r = {0};
    CURL *curl = curl_easy_init();
    CU_ASSERT_FATAL(curl != NULL);
    char url[2048];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", fx.port, path);
    struct curl_slist *headers = NULL;
    char auth[256], ct[128];
    if (key) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        headers = curl_slist_append(headers, auth);
    }
    if (ctype) {
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype);
        headers = curl_slist_append(headers, ct);
    }
    headers = curl_slist_append(headers, "Expect:");
    chunked_src src = {chunked_len};
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
    if (chunked_len) {
        headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, chunk_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, &src);
    } else if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r);
    CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK)
        fprintf(stderr, "\n  %s %s: %s\n", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (!r.body) {
        r.body = calloc(1, 1);
        CU_ASSERT_FATAL(r.body != NULL);
    }
    return r;
}

static reply get(const char *path, const char *key)
{
    return request_full("GET", path, key, NULL, NULL, 0, 0);
}

static reply post(const char *path, const char *key, const char *body)
{
    return request_full("POST", path, key, "application/json", body, strlen(body), 0);
}

/* The error code word of an error reply ("" when the body is not an error). */
static void error_of(const reply *r, char *code, size_t code_cap, char *field, size_t field_cap,
                     char *message, size_t message_cap)
{
    code[0] = field[0] = message[0] = '\0';
    cJSON *root = cJSON_Parse(r->body);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, "field");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    if (cJSON_IsString(c))
        snprintf(code, code_cap, "%s", c->valuestring);
    if (cJSON_IsString(f))
        snprintf(field, field_cap, "%s", f->valuestring);
    if (cJSON_IsString(m))
        snprintf(message, message_cap, "%s", m->valuestring);
    CU_ASSERT(cJSON_IsString(m));
    CU_ASSERT(cJSON_IsString(f) || cJSON_IsNull(f));
    cJSON_Delete(root);
}

/* Asserts status and error code (and field when not NULL), printing the reply on failure. */
static void expect_error(const reply *r, long status, const char *code, const char *field)
{
    char c[64], f[160], m[640];
    error_of(r, c, sizeof c, f, sizeof f, m, sizeof m);
    int ok = r->status == status && strcmp(c, code) == 0 && (!field || strcmp(f, field) == 0);
    if (!ok)
        fprintf(stderr, "\n  expected %ld %s (%s), got %ld: %s\n", status, code,
                field ? field : "-", r->status, r->body);
    CU_ASSERT(ok);
    CU_ASSERT(strncmp(r->content_type, "application/json", 16) == 0);
}

static void expect_status(const reply *r, long status)
{
    if (r->status != status)
        fprintf(stderr, "\n  expected %ld, got %ld: %.600s\n", status, r->status, r->body);
    CU_ASSERT(r->status == status);
}

/* The quote fixture with sims and seed set, as text (caller frees). */
static char *quote_request(const char *platform_id, long sims)
{
    char *text = read_all(QUOTE_FIXTURE, NULL);
    CU_ASSERT_FATAL(text != NULL);
    cJSON *req = cJSON_Parse(text);
    free(text);
    CU_ASSERT_FATAL(req != NULL);
    cJSON *platform = cJSON_GetObjectItemCaseSensitive(req, "platform");
    cJSON_ReplaceItemInObjectCaseSensitive(platform, "id", cJSON_CreateString(platform_id));
    cJSON *options = cJSON_GetObjectItemCaseSensitive(req, "options");
    cJSON_ReplaceItemInObjectCaseSensitive(options, "sims", cJSON_CreateNumber((double)sims));
    cJSON_ReplaceItemInObjectCaseSensitive(options, "seed", cJSON_CreateNumber(7));
    char *out = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    CU_ASSERT_FATAL(out != NULL);
    return out;
}

/* Runs the dsure CLI with args (a shell word list) and returns its stdout (caller frees). */
static char *run_cli(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s > cli.out", DSURE_BIN, args);
    int rc = system(cmd);
    CU_ASSERT(rc == 0);
    char *out = read_all("cli.out", NULL);
    CU_ASSERT_FATAL(out != NULL);
    return out;
}

/* Removes the lines naming quote_id and elapsed_ms (different on every run by design). */
static void strip_run_specific(char *text)
{
    char *w = text;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line + 1) : strlen(line);
        int drop = (strstr(line, "\"quote_id\":") && strstr(line, "\"quote_id\":") < line + n) ||
                   (strstr(line, "\"elapsed_ms\":") && strstr(line, "\"elapsed_ms\":") < line + n);
        if (!drop) {
            memmove(w, line, n);
            w += n;
        }
        line += n;
    }
    *w = '\0';
}

static const char *json_string(const char *text, const char *key, char *buf, size_t cap)
{
    cJSON *root = cJSON_Parse(text);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    buf[0] = '\0';
    if (cJSON_IsString(v))
        snprintf(buf, cap, "%s", v->valuestring);
    cJSON_Delete(root);
    return buf;
}

/* Makes (once) a saved quote of P-001 and its policy. */
static void ensure_policy(void)
{
    if (fx.policy_id[0])
        return;
    char *body = quote_request("P-001", 2000);
    reply q = post("/v1/quotes", fx.p1, body);
    free(body);
    expect_status(&q, 201);
    json_string(q.body, "quote_id", fx.quote_id, sizeof fx.quote_id);
    CU_ASSERT_FATAL(fx.quote_id[0] != '\0');
    reply_clear(&q);
    char bind[256];
    snprintf(bind, sizeof bind, "{\"quote_id\": \"%s\", \"log\": \"%s\"}", fx.quote_id, LOG1);
    reply p = post("/v1/policies", fx.insurer, bind);
    expect_status(&p, 201);
    json_string(p.body, "policy_id", fx.policy_id, sizeof fx.policy_id);
    CU_ASSERT_FATAL(fx.policy_id[0] != '\0');
    reply_clear(&p);
}

/* ---------------------------------------------------------------------------------------- */
/* Tests                                                                                     */

static void test_server__healthz_answers_ok_without_a_key(void)
{
    setup();
    reply r = get("/healthz", NULL);
    expect_status(&r, 200);
    CU_ASSERT(strcmp(r.body, "{\n\t\"status\":\t\"ok\"\n}\n") == 0);
    reply_clear(&r);
}

static void test_server__unknown_route_is_404_and_wrong_method_405_with_allow(void)
{
    setup();
    reply r = get("/v1/nothing", fx.insurer);
    expect_error(&r, 404, "not_found", NULL);
    reply_clear(&r);
    r = get("/v1/grade", fx.insurer);
    expect_error(&r, 405, "method_not_allowed", NULL);
    CU_ASSERT(strcmp(r.allow, "POST") == 0);
    reply_clear(&r);
    r = request_full("DELETE", "/v1/ledger/entries", fx.insurer, NULL, NULL, 0, 0);
    expect_error(&r, 405, "method_not_allowed", NULL);
    CU_ASSERT(strcmp(r.allow, "POST, GET") == 0);
    reply_clear(&r);
    r = request_full("PUT", "/v1/quotes/Q-1", fx.insurer, "application/json", "{}", 2, 0);
    expect_error(&r, 405, "method_not_allowed", NULL);
    CU_ASSERT(strcmp(r.allow, "GET") == 0);
    reply_clear(&r);
}

static void test_server__missing_or_invalid_key_is_401(void)
{
    setup();
    reply r = post("/v1/grade", NULL, "{}");
    expect_error(&r, 401, "unauthorized", NULL);
    reply_clear(&r);
    r = get("/v1/ledger/checkpoint", "dsk_0000000000000000000000000000000000000000000000000000"
                                     "000000000000");
    expect_error(&r, 401, "unauthorized", NULL);
    reply_clear(&r);
    /* Another scheme, and a valid key with one character changed. */
    char wrong[DS_AUTH_KEY_LEN + 1];
    memcpy(wrong, fx.insurer, sizeof wrong);
    wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
    r = get("/v1/ledger/checkpoint", wrong);
    expect_error(&r, 401, "unauthorized", NULL);
    reply_clear(&r);
    r = request_full("GET", "/v1/quotes/Q-1", NULL, NULL, NULL, 0, 0);
    expect_error(&r, 401, "unauthorized", NULL);
    reply_clear(&r);
}

static void test_server__role_without_the_route_gets_404(void)
{
    setup();
    reply r = post("/v1/grade", fx.adjuster, "{}");
    expect_error(&r, 404, "not_found", NULL);
    reply_clear(&r);
    r = post("/v1/policies", fx.p1, "{\"quote_id\": \"Q-1\"}");
    expect_error(&r, 404, "not_found", NULL);
    reply_clear(&r);
    r = get("/v1/ledger/checkpoint", fx.admin);
    expect_error(&r, 404, "not_found", NULL);
    reply_clear(&r);
    r = post("/v1/keys", fx.insurer, "{\"role\": \"insurer\"}");
    expect_error(&r, 404, "not_found", NULL);
    reply_clear(&r);
}

static const char assets_json[] =
    "{\"platform_id\": \"P-001\",\n"
    " \"assets\": [{\"id\": \"A1\", \"name\": \"process recipes\", \"records\": 200000,\n"
    "             \"impacts\": [{\"object\": \"economic_operation\", \"degree\": \"serious\"}]},\n"
    "            {\"id\": \"A2\", \"name\": \"customer contacts\", \"records\": 1500000,\n"
    "             \"grade\": \"general\", \"personal\": true}]}\n";

static void test_server__grade_is_byte_identical_to_the_cli(void)
{
    setup();
    write_file("assets.json", assets_json);
    char *cli = run_cli("grade assets.json");
    reply r = post("/v1/grade", fx.p1, assets_json);
    expect_status(&r, 200);
    CU_ASSERT(strcmp(r.body, cli) == 0);
    CU_ASSERT(strncmp(r.content_type, "application/json", 16) == 0);
    reply_clear(&r);
    r = post("/v1/grade", fx.insurer, assets_json);
    expect_status(&r, 200);
    CU_ASSERT(strcmp(r.body, cli) == 0);
    reply_clear(&r);
    free(cli);
}

static void test_server__grade_for_another_platform_is_400_naming_the_field(void)
{
    setup();
    reply r = post("/v1/grade", fx.p2, assets_json);
    expect_error(&r, 400, "invalid_input", "platform_id");
    reply_clear(&r);
    char *body = quote_request("P-001", 1000);
    r = post("/v1/quotes", fx.p2, body);
    free(body);
    expect_error(&r, 400, "invalid_input", "platform.id");
    reply_clear(&r);
}

static void test_server__invalid_input_is_400_with_the_use_case_message(void)
{
    setup();
    char *body = quote_request("P-001", 1000);
    char *bad = strstr(body, "\"records\":1500000");
    CU_ASSERT_FATAL(bad != NULL);
    memcpy(bad, "\"records\":-150000", 17);
    reply r = post("/v1/quotes", fx.p1, body);
    free(body);
    expect_error(&r, 400, "invalid_input", NULL);
    CU_ASSERT(strstr(r.body, "assets[1].records: must be a non-negative integer") != NULL);
    reply_clear(&r);
}

static void test_server__quote_is_identical_to_the_cli_but_id_and_time(void)
{
    setup();
    char *body = quote_request("P-001", 3000);
    write_file("quote.json", body);
    char *cli = run_cli("quote quote.json");
    reply r = post("/v1/quotes", fx.p1, body);
    free(body);
    expect_status(&r, 201);
    char *http = strdup(r.body);
    CU_ASSERT_FATAL(http != NULL);
    strip_run_specific(http);
    strip_run_specific(cli);
    CU_ASSERT(strlen(http) > 1000);
    CU_ASSERT(strcmp(http, cli) == 0);
    free(http);
    free(cli);

    /* Saved: the owner reads back exactly what it was given. */
    char id[64], path[128];
    json_string(r.body, "quote_id", id, sizeof id);
    snprintf(path, sizeof path, "/v1/quotes/%s", id);
    reply g = get(path, fx.p1);
    expect_status(&g, 200);
    CU_ASSERT(strcmp(g.body, r.body) == 0);
    reply_clear(&g);
    g = get(path, fx.adjuster);
    expect_status(&g, 200);
    reply_clear(&g);
    reply_clear(&r);
}

static void test_server__another_tenants_quote_reads_as_missing(void)
{
    setup();
    ensure_policy();
    char path[128];
    snprintf(path, sizeof path, "/v1/quotes/%s", fx.quote_id);
    reply mine = get(path, fx.p1), theirs = get(path, fx.p2), none = get("/v1/quotes/Q-0", fx.p2);
    expect_status(&mine, 200);
    expect_error(&theirs, 404, "not_found", "quote_id");
    expect_error(&none, 404, "not_found", "quote_id");
    /* Same message shape as a quote that does not exist: only the echoed id differs. */
    CU_ASSERT(strstr(theirs.body, "no quote") != NULL && strstr(none.body, "no quote") != NULL);
    reply_clear(&mine);
    reply_clear(&theirs);
    reply_clear(&none);

    snprintf(path, sizeof path, "/v1/policies/%s", fx.policy_id);
    mine = get(path, fx.p1);
    theirs = get(path, fx.p2);
    none = get("/v1/policies/POL-0", fx.p2);
    expect_status(&mine, 200);
    char pid[64];
    CU_ASSERT(strcmp(json_string(mine.body, "policy_id", pid, sizeof pid), fx.policy_id) == 0);
    expect_error(&theirs, 404, "not_found", "policy_id");
    expect_error(&none, 404, "not_found", "policy_id");
    reply_clear(&mine);
    reply_clear(&theirs);
    reply_clear(&none);
}

static void test_server__binding_twice_is_409(void)
{
    setup();
    ensure_policy();
    char bind[256];
    snprintf(bind, sizeof bind, "{\"quote_id\": \"%s\"}", fx.quote_id);
    reply r = post("/v1/policies", fx.insurer, bind);
    expect_error(&r, 409, "conflict", "quote_id");
    reply_clear(&r);
    r = post("/v1/policies", fx.insurer, "{\"quote_id\": \"Q-none\"}");
    expect_error(&r, 404, "not_found", NULL);
    reply_clear(&r);
    r = post("/v1/policies", fx.insurer, "{\"quote\": \"Q-none\"}");
    expect_error(&r, 400, "invalid_input", NULL);
    reply_clear(&r);
}

static long count_rows(const char *table)
{
    sqlite3 *db = NULL;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    long n = -1;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_open_v2(DB_PATH, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

static void test_server__sql_injection_in_ids_is_404_and_the_database_intact(void)
{
    setup();
    ensure_policy();
    long quotes = count_rows("quotes"), policies = count_rows("policies");
    long keys = count_rows("api_keys");
    CU_ASSERT(quotes >= 1 && policies >= 1 && keys >= 5);
    static const char *const ids[] = {
        "Q-1'%20OR%20'1'='1",
        "Q-1%27%20OR%20%271%27%3D%271",
        "x';DROP%20TABLE%20quotes;--",
        "%22%20OR%201=1--",
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, "/v1/quotes/%s", ids[i]);
        reply r = get(path, fx.insurer);
        expect_error(&r, 404, "not_found", NULL);
        reply_clear(&r);
        snprintf(path, sizeof path, "/v1/policies/%s", ids[i]);
        r = get(path, fx.insurer);
        expect_error(&r, 404, "not_found", NULL);
        reply_clear(&r);
        snprintf(path, sizeof path, "/v1/claims/%s", ids[i]);
        r = get(path, fx.insurer);
        expect_error(&r, 404, "not_found", NULL);
        reply_clear(&r);
        snprintf(path, sizeof path, "/v1/ledger/checkpoint?log=%s", ids[i]);
        r = get(path, fx.insurer);
        expect_error(&r, 404, "not_found", "log");
        reply_clear(&r);
    }
    reply r = post("/v1/policies", fx.insurer, "{\"quote_id\": \"Q' OR '1'='1\"}");
    expect_error(&r, 404, "not_found", NULL);
    reply_clear(&r);
    CU_ASSERT(count_rows("quotes") == quotes);
    CU_ASSERT(count_rows("policies") == policies);
    CU_ASSERT(count_rows("api_keys") == keys);
    char path[128];
    snprintf(path, sizeof path, "/v1/quotes/%s", fx.quote_id);
    r = get(path, fx.insurer);
    expect_status(&r, 200);
    reply_clear(&r);
}

static void test_server__body_over_the_cap_is_413(void)
{
    setup();
    size_t n = (size_t)3 << 20;
    char *big = malloc(n + 1);
    CU_ASSERT_FATAL(big != NULL);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    reply r = request_full("POST", "/v1/quotes", fx.p1, "application/json", big, n, 0);
    expect_error(&r, 413, "payload_too_large", NULL);
    reply_clear(&r);
    free(big);
    /* Chunked: no length announced; the body is discarded as it comes and answered 413. */
    r = request_full("POST", "/v1/grade", fx.p1, "application/json", NULL, 0, n);
    expect_error(&r, 413, "payload_too_large", NULL);
    reply_clear(&r);
    /* The server still answers. */
    r = get("/healthz", NULL);
    expect_status(&r, 200);
    reply_clear(&r);
}

static void test_server__malformed_json_is_400(void)
{
    setup();
    reply r = post("/v1/grade", fx.p1, "{\"platform_id\": \"P-001\", \"assets\": [");
    expect_error(&r, 400, "invalid_input", NULL);
    CU_ASSERT(strstr(r.body, "malformed JSON") != NULL);
    reply_clear(&r);
    r = post("/v1/quotes", fx.p1, "");
    expect_error(&r, 400, "invalid_input", NULL);
    reply_clear(&r);
    r = post("/v1/ledger/entries", fx.p1, "{\"type\": \"flow\"\n{oops}\n");
    expect_error(&r, 400, "invalid_input", NULL);
    reply_clear(&r);
}

static void test_server__post_without_json_media_type_is_415(void)
{
    setup();
    reply r = request_full("POST", "/v1/grade", fx.p1, NULL, assets_json, strlen(assets_json), 0);
    expect_error(&r, 415, "unsupported_media_type", "Content-Type");
    reply_clear(&r);
    r = request_full("POST", "/v1/grade", fx.p1, "text/plain", assets_json,
                     strlen(assets_json), 0);
    expect_error(&r, 415, "unsupported_media_type", "Content-Type");
    reply_clear(&r);
    r = request_full("POST", "/v1/quotes", fx.p1, "application/x-ndjson", "{}", 2, 0);
    expect_error(&r, 415, "unsupported_media_type", "Content-Type");
    reply_clear(&r);
    r = request_full("POST", "/v1/grade", fx.p1, "application/json; charset=utf-8", assets_json,
                     strlen(assets_json), 0);
    expect_status(&r, 200);
    reply_clear(&r);
}

static const char records_p1[] =
    "{\"type\":\"asset.registered\",\"ts\":\"2026-01-05T08:00:00Z\",\"platform\":\"P-001\","
    "\"asset\":\"A1\",\"grade\":\"important\",\"records\":200000,\"content_sha256\":"
    "\"5a1b8e1f0c3d2e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f\"}\n"
    "\n"
    "{\"type\":\"asset.records\",\"ts\":\"2026-02-01T00:00:00Z\",\"asset\":\"A1\","
    "\"records\":210000}\n"
    "{\"type\":\"flow\",\"ts\":\"2026-02-02T00:00:00Z\",\"asset\":\"A1\",\"from\":\"plant\","
    "\"to\":\"cloud\",\"records\":5000,\"purpose\":\"backup\"}\n";

/* Appends the three P-001 records once; returns the log size after. */
static uint64_t ensure_entries(void)
{
    static uint64_t size;
    if (size)
        return size;
    reply r = request_full("POST", "/v1/ledger/entries", fx.p1, "application/x-ndjson",
                           records_p1, strlen(records_p1), 0);
    expect_status(&r, 201);
    cJSON *root = cJSON_Parse(r.body);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "size");
    CU_ASSERT_FATAL(cJSON_IsNumber(s));
    size = (uint64_t)s->valuedouble;
    CU_ASSERT(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "first_index")));
    cJSON_Delete(root);
    reply_clear(&r);
    return size;
}

static void test_server__platform_appends_only_its_own_records_to_its_own_log(void)
{
    setup();
    uint64_t size = ensure_entries();
    CU_ASSERT(size >= 3);
    /* A record naming another platform. */
    const char *other = "[{\"type\":\"incident\",\"ts\":\"2026-03-01T00:00:00Z\","
                        "\"incident\":\"I-1\",\"platform\":\"P-002\",\"kind\":\"exfiltration\","
                        "\"detected\":\"2026-03-01T00:00:00Z\",\"assets\":[{\"asset\":\"A1\","
                        "\"records\":10}]}]";
    reply r = post("/v1/ledger/entries", fx.p1, other);
    expect_error(&r, 400, "invalid_input", "records[0].platform");
    reply_clear(&r);
    /* Another platform's log, named or by default. */
    r = request_full("POST", "/v1/ledger/entries?log=" LOG1, fx.p2, "application/x-ndjson",
                     records_p1, strlen(records_p1), 0);
    expect_error(&r, 404, "not_found", "log");
    reply_clear(&r);
    /* An invalid record refuses the whole batch, naming its line. */
    const char *bad = "{\"type\":\"asset.records\",\"ts\":\"2026-02-01T00:00:00Z\","
                      "\"asset\":\"A1\",\"records\":1}\n{\"type\":\"asset.records\","
                      "\"ts\":\"yesterday\",\"asset\":\"A1\",\"records\":1}\n";
    r = request_full("POST", "/v1/ledger/entries", fx.p1, "application/x-ndjson", bad,
                     strlen(bad), 0);
    expect_error(&r, 400, "invalid_input", NULL);
    CU_ASSERT(strstr(r.body, "line 2") != NULL);
    reply_clear(&r);
    /* Nothing of the refused batches was written. */
    r = get("/v1/ledger/entries", fx.p1);
    expect_status(&r, 200);
    cJSON *root = cJSON_Parse(r.body);
    CU_ASSERT((uint64_t)cJSON_GetObjectItemCaseSensitive(root, "size")->valuedouble == size);
    cJSON_Delete(root);
    reply_clear(&r);
}

static void test_server__ledger_reads_are_tenant_scoped(void)
{
    setup();
    ensure_entries();
    reply r = get("/v1/ledger/entries?log=" LOG1, fx.p2);
    expect_error(&r, 404, "not_found", "log");
    reply_clear(&r);
    r = get("/v1/ledger/proof/inclusion?index=0&log=" LOG1, fx.p2);
    expect_error(&r, 404, "not_found", "log");
    reply_clear(&r);
    r = get("/v1/ledger/checkpoint?log=ledger.test.cn/P-999", fx.insurer);
    expect_error(&r, 404, "not_found", "log");
    reply_clear(&r);
    /* P-002's own log exists but was never checkpointed: 404 naming the checkpoint. */
    r = get("/v1/ledger/checkpoint", fx.p2);
    expect_error(&r, 404, "not_found", "checkpoint");
    reply_clear(&r);
    r = get("/v1/ledger/entries", fx.p2);
    expect_status(&r, 200);
    CU_ASSERT(strstr(r.body, LOG2) != NULL);
    reply_clear(&r);
}

static void test_server__checkpoint_is_the_signed_note(void)
{
    setup();
    ensure_policy(); /* binding signs a checkpoint of P-001's log */
    reply r = get("/v1/ledger/checkpoint", fx.insurer);
    expect_status(&r, 200);
    CU_ASSERT(strncmp(r.content_type, "text/plain", 10) == 0);
    CU_ASSERT(strncmp(r.body, LOG1 "\n", strlen(LOG1) + 1) == 0);
    CU_ASSERT(strstr(r.body, "\n\n\xe2\x80\x94 " LOG1 " ") != NULL);
    reply_clear(&r);
}

static cJSON *parse_ok(const reply *r)
{
    cJSON *root = cJSON_Parse(r->body);
    CU_ASSERT_FATAL(root != NULL);
    return root;
}

static void hex32(uint8_t out[32], const char *hex)
{
    ds_error err;
    CU_ASSERT_FATAL(ds_hex_decode_exact(out, 32, hex, "hash", &err) == 0);
}

/* The root of the first size entries, from the database (not through the server). */
static void root_of(uint8_t out[32], uint64_t size)
{
    ds_error err;
    ds_db *db = NULL;
    ds_ledger *lg = NULL;
    CU_ASSERT_FATAL(ds_db_open(&db, DB_PATH, NULL, &err) == 0);
    CU_ASSERT_FATAL(ds_ledger_open(&lg, db, LOG1, &err) == 0);
    CU_ASSERT_FATAL(ds_ledger_root(lg, size, out, &err) == 0);
    ds_ledger_free(lg);
    ds_db_close(db);
}

static size_t path_of(const cJSON *root, uint8_t path[][32])
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "path"), *h;
    size_t n = 0;
    cJSON_ArrayForEach(h, arr)
    {
        CU_ASSERT_FATAL(n < DS_MERKLE_MAX_PROOF && cJSON_IsString(h));
        hex32(path[n++], h->valuestring);
    }
    return n;
}

static void test_server__proofs_verify_and_equal_the_cli(void)
{
    setup();
    uint64_t size = ensure_entries();
    uint8_t root[32], path[DS_MERKLE_MAX_PROOF][32], leaf[32];
    root_of(root, size);
    for (uint64_t i = 0; i < size; i++) {
        char url[160];
        snprintf(url, sizeof url, "/v1/ledger/proof/inclusion?index=%llu&size=%llu",
                 (unsigned long long)i, (unsigned long long)size);
        reply r = get(url, fx.adjuster);
        expect_status(&r, 200);
        cJSON *j = parse_ok(&r);
        hex32(leaf, cJSON_GetObjectItemCaseSensitive(j, "leaf_hash")->valuestring);
        size_t n = path_of(j, path);
        CU_ASSERT(ds_merkle_verify_inclusion(leaf, i, size, (const uint8_t(*)[32])path, n, root,
                                             NULL) == 0);
        cJSON_Delete(j);
        char args[256];
        snprintf(args, sizeof args, "--db %s ledger prove --log %s --index %llu --size %llu",
                 DB_PATH, LOG1, (unsigned long long)i, (unsigned long long)size);
        char *cli = run_cli(args);
        CU_ASSERT(strcmp(cli, r.body) == 0);
        free(cli);
        reply_clear(&r);
    }
    uint8_t old_root[32];
    root_of(old_root, 1);
    char url[160];
    snprintf(url, sizeof url, "/v1/ledger/proof/consistency?from=1&to=%llu",
             (unsigned long long)size);
    reply r = get(url, fx.insurer);
    expect_status(&r, 200);
    cJSON *j = parse_ok(&r);
    size_t n = path_of(j, path);
    CU_ASSERT(ds_merkle_verify_consistency(1, size, old_root, root, (const uint8_t(*)[32])path,
                                           n, NULL) == 0);
    cJSON_Delete(j);
    char args[256];
    snprintf(args, sizeof args, "--db %s ledger consistency --log %s --from 1 --to %llu",
             DB_PATH, LOG1, (unsigned long long)size);
    char *cli = run_cli(args);
    CU_ASSERT(strcmp(cli, r.body) == 0);
    free(cli);
    reply_clear(&r);

    /* Bad parameters name themselves. */
    r = get("/v1/ledger/proof/inclusion", fx.insurer);
    expect_error(&r, 400, "invalid_input", "index");
    reply_clear(&r);
    r = get("/v1/ledger/proof/inclusion?index=1x", fx.insurer);
    expect_error(&r, 400, "invalid_input", "index");
    reply_clear(&r);
    snprintf(url, sizeof url, "/v1/ledger/proof/inclusion?index=0&size=%llu",
             (unsigned long long)size + 1);
    r = get(url, fx.insurer);
    expect_error(&r, 400, "invalid_input", "size");
    reply_clear(&r);
    r = get("/v1/ledger/proof/consistency?from=-1", fx.insurer);
    expect_error(&r, 400, "invalid_input", "from");
    reply_clear(&r);
}

static void test_server__entry_pages_carry_recomputable_leaf_hashes(void)
{
    setup();
    uint64_t size = ensure_entries();
    reply r = get("/v1/ledger/entries?start=1&end=3", fx.insurer);
    expect_status(&r, 200);
    cJSON *j = parse_ok(&r);
    CU_ASSERT(cJSON_GetObjectItemCaseSensitive(j, "start")->valuedouble == 1);
    CU_ASSERT(cJSON_GetObjectItemCaseSensitive(j, "end")->valuedouble == 3);
    CU_ASSERT((uint64_t)cJSON_GetObjectItemCaseSensitive(j, "size")->valuedouble == size);
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(j, "entries"), *e;
    CU_ASSERT(cJSON_GetArraySize(entries) == 2);
    double expect_index = 1;
    cJSON_ArrayForEach(e, entries)
    {
        const char *entry = cJSON_GetObjectItemCaseSensitive(e, "entry")->valuestring;
        uint8_t leaf[32], given[32];
        ds_merkle_leaf_hash(leaf, (const uint8_t *)entry, strlen(entry));
        hex32(given, cJSON_GetObjectItemCaseSensitive(e, "leaf_hash")->valuestring);
        CU_ASSERT(memcmp(leaf, given, 32) == 0);
        CU_ASSERT(cJSON_GetObjectItemCaseSensitive(e, "index")->valuedouble == expect_index);
        expect_index++;
    }
    /* Entry 1 is the canonical JSON (sorted keys, no spaces) of the second record. */
    CU_ASSERT(strcmp(cJSON_GetArrayItem(entries, 0)
                         ->child->next->valuestring,
                     "{\"asset\":\"A1\",\"records\":210000,\"ts\":\"2026-02-01T00:00:00Z\","
                     "\"type\":\"asset.records\"}") == 0);
    cJSON_Delete(j);
    reply_clear(&r);
    /* The end is clamped to the size; a start beyond it is refused. */
    r = get("/v1/ledger/entries?start=0&end=999999", fx.insurer);
    expect_status(&r, 200);
    j = parse_ok(&r);
    CU_ASSERT((uint64_t)cJSON_GetObjectItemCaseSensitive(j, "end")->valuedouble == size);
    cJSON_Delete(j);
    reply_clear(&r);
    char url[128];
    snprintf(url, sizeof url, "/v1/ledger/entries?start=%llu", (unsigned long long)size + 1);
    r = get(url, fx.insurer);
    expect_error(&r, 400, "invalid_input", "start");
    reply_clear(&r);
    r = get("/v1/ledger/entries?start=2&end=1", fx.insurer);
    expect_error(&r, 400, "invalid_input", "end");
    reply_clear(&r);
}

/* Signs a checkpoint of P-001's log as it is now (what `dsure ledger checkpoint` does). */
static void sign_checkpoint(void)
{
    ds_error err;
    ds_db *db = NULL;
    ds_ledger *lg = NULL;
    char *note = NULL;
    CU_ASSERT_FATAL(ds_db_open(&db, DB_PATH, NULL, &err) == 0);
    CU_ASSERT_FATAL(ds_ledger_open(&lg, db, LOG1, &err) == 0);
    CU_ASSERT(ds_ledger_checkpoint(lg, &note, &err) == 0);
    free(note);
    ds_ledger_free(lg);
    ds_db_close(db);
}

static void test_server__claims_are_adjudicated_and_tenant_scoped(void)
{
    setup();
    ensure_policy();
    ensure_entries();
    sign_checkpoint(); /* the claim's entries are under the latest checkpoint */
    char claim[512];
    snprintf(claim, sizeof claim,
             "{\"claim_id\": \"CL-1\", \"policy_id\": \"%s\", \"reported\": "
             "\"2027-03-05T08:00:00Z\", \"incident\": 0, \"losses\": [{\"coverage\": \"INRE\", "
             "\"amount\": 1000, \"evidence\": [1]}]}",
             fx.policy_id);
    /* Another platform cannot claim on P-001's policy: the same 404 as a missing policy. */
    reply r = post("/v1/claims", fx.p2, claim);
    expect_error(&r, 404, "not_found", "policy_id");
    reply_clear(&r);
    r = post("/v1/claims", fx.p2,
             "[{\"claim_id\": \"CL-9\", \"policy_id\": \"POL-none\", \"reported\": "
             "\"2027-03-05T08:00:00Z\", \"incident\": 0, \"losses\": []}]");
    expect_error(&r, 404, "not_found", "request[0].policy_id");
    reply_clear(&r);
    /* The adjuster settles it (denied or not, a result is 200) and its result reads back. */
    r = post("/v1/claims", fx.adjuster, claim);
    expect_status(&r, 200);
    CU_ASSERT(strstr(r.body, "\"results\"") != NULL && strstr(r.body, "\"summary\"") != NULL);
    reply_clear(&r);
    r = get("/v1/claims/CL-1", fx.p1);
    expect_status(&r, 200);
    char id[64];
    CU_ASSERT(strcmp(json_string(r.body, "claim_id", id, sizeof id), "CL-1") == 0);
    reply_clear(&r);
    r = get("/v1/claims/CL-1", fx.p2);
    expect_error(&r, 404, "not_found", "claim_id");
    reply_clear(&r);
    r = get("/v1/claims/CL-none", fx.insurer);
    expect_error(&r, 404, "not_found", "claim_id");
    reply_clear(&r);
    r = post("/v1/claims", fx.adjuster, "[{\"claim_id\": ");
    expect_error(&r, 400, "invalid_input", NULL);
    reply_clear(&r);
}

static void test_server__admin_creates_keys_that_work(void)
{
    setup();
    reply r = post("/v1/keys", fx.admin, "{\"role\": \"platform\", \"platform\": \"P-003\"}");
    expect_status(&r, 201);
    char key[128], role[32];
    json_string(r.body, "key", key, sizeof key);
    CU_ASSERT(strcmp(json_string(r.body, "role", role, sizeof role), "platform") == 0);
    CU_ASSERT(strlen(key) == DS_AUTH_KEY_LEN);
    reply_clear(&r);
    r = post("/v1/grade", key, assets_json); /* P-001's assets: not its platform */
    expect_error(&r, 400, "invalid_input", "platform_id");
    reply_clear(&r);
    r = post("/v1/keys", fx.admin, "{\"role\": \"platform\"}");
    expect_error(&r, 400, "invalid_input", "platform");
    reply_clear(&r);
    r = post("/v1/keys", fx.admin, "{\"role\": \"root\"}");
    expect_error(&r, 400, "invalid_input", "role");
    reply_clear(&r);
}

static void test_server__static_files_without_traversal(void)
{
    setup();
    reply r = get("/", NULL);
    expect_status(&r, 200);
    CU_ASSERT(strncmp(r.content_type, "text/html", 9) == 0);
    CU_ASSERT(strstr(r.body, "<title>dsure</title>") != NULL);
    reply_clear(&r);
    r = get("/static/js/app.js", NULL);
    expect_status(&r, 200);
    CU_ASSERT(strncmp(r.content_type, "text/javascript", 15) == 0);
    reply_clear(&r);
    static const char *const bad[] = {"/static/../outside.txt", "/static/js/../../outside.txt",
                                      "/static/%2e%2e/outside.txt", "/static/.hidden",
                                      "/static//etc/passwd", "/static/js", "/static/none.css"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = get(bad[i], NULL);
        if (r.status != 404)
            fprintf(stderr, "\n  %s answered %ld\n", bad[i], r.status);
        CU_ASSERT(r.status == 404);
        CU_ASSERT(strstr(r.body, "outside") == NULL && strstr(r.body, "secret") == NULL);
        reply_clear(&r);
    }
}

static void test_server__metrics_in_prometheus_text_format(void)
{
    setup();
    ensure_policy();
    ensure_entries();
    reply r = get("/metrics", NULL);
    expect_status(&r, 200);
    CU_ASSERT(strcmp(r.content_type, "text/plain; version=0.0.4; charset=utf-8") == 0);
    CU_ASSERT(strstr(r.body, "# TYPE dsure_http_requests_total counter\n") != NULL);
    CU_ASSERT(strstr(r.body, "dsure_http_requests_total{route=\"/v1/quotes\",method=\"POST\","
                             "status=\"201\"} ") != NULL);
    CU_ASSERT(strstr(r.body, "# TYPE dsure_http_request_duration_seconds histogram\n") != NULL);
    CU_ASSERT(strstr(r.body, "dsure_http_request_duration_seconds_bucket{route=\"/v1/quotes\","
                             "le=\"+Inf\"} ") != NULL);
    /* Ids never become labels. */
    CU_ASSERT(strstr(r.body, "route=\"/v1/quotes/{id}\"") != NULL);
    CU_ASSERT(strstr(r.body, fx.quote_id) == NULL);
    const char *q = strstr(r.body, "\ndsure_quotes_total ");
    CU_ASSERT(q != NULL && atol(q + 20) >= 1);
    CU_ASSERT(strstr(r.body, "\ndsure_claims_paid_total ") != NULL);
    CU_ASSERT(strstr(r.body, "dsure_ledger_size{log=\"" LOG1 "\"} ") != NULL);
    CU_ASSERT(strstr(r.body, "dsure_ledger_size{log=\"" LOG2 "\"} 0\n") != NULL);
    /* Every line is a comment or "name{labels} value". */
    for (const char *line = r.body; *line;) {
        const char *nl = strchr(line, '\n');
        CU_ASSERT_FATAL(nl != NULL);
        CU_ASSERT(line[0] == '#' || strncmp(line, "dsure_", 6) == 0);
        line = nl + 1;
    }
    reply_clear(&r);
}

static void test_server__request_log_has_one_line_per_request_and_no_key(void)
{
    setup();
    reply r = get("/v1/ledger/checkpoint?log=secret-query", fx.insurer);
    reply_clear(&r);
    fflush(fx.log);
    char *log = read_all("server.log", NULL);
    CU_ASSERT_FATAL(log != NULL);
    CU_ASSERT(strstr(log, "GET /v1/ledger/checkpoint 404 ") != NULL);
    CU_ASSERT(strstr(log, "POST /v1/grade 200 ") != NULL);
    CU_ASSERT(strstr(log, fx.insurer) == NULL && strstr(log, fx.p1) == NULL);
    CU_ASSERT(strstr(log, "dsk_") == NULL);
    CU_ASSERT(strstr(log, "secret-query") == NULL);
    free(log);
}


static void test_server__internal_failure_is_500_and_stores_nothing(void)
{
    setup();
    char *body = quote_request("P-003", 1000);
    reply q = post("/v1/quotes", fx.insurer, body);
    free(body);
    expect_status(&q, 201);
    char id[64], bind[160];
    json_string(q.body, "quote_id", id, sizeof id);
    reply_clear(&q);
    long policies = count_rows("policies");
    snprintf(bind, sizeof bind, "{\"quote_id\": \"%s\"}", id);
    reply r = post("/v1/policies", fx.insurer, bind);
    expect_error(&r, 500, "internal", NULL);
    CU_ASSERT(strstr(r.body, "p3.key") != NULL); /* names what failed, nothing secret */
    reply_clear(&r);
    CU_ASSERT(count_rows("policies") == policies);
}

/* Many clients at once on two workers: every answer right, none lost. */
typedef struct hammer {
    int ok;
} hammer;

static void *run_hammer(void *ctx)
{
    hammer *h = ctx;
    h->ok = 1;
    for (int i = 0; i < 15; i++) {
        reply r = get("/v1/ledger/checkpoint", fx.adjuster);
        h->ok &= r.status == 200 && strncmp(r.body, LOG1 "\n", strlen(LOG1) + 1) == 0;
        reply_clear(&r);
        r = post("/v1/grade", fx.p1, assets_json);
        h->ok &= r.status == 200 && strstr(r.body, "\"by_grade\"") != NULL;
        reply_clear(&r);
        r = get("/v1/quotes/Q-none", fx.p2);
        h->ok &= r.status == 404;
        reply_clear(&r);
    }
    return NULL;
}

static void test_server__concurrent_clients_all_get_their_answers(void)
{
    setup();
    ensure_policy(); /* a checkpoint exists */
    enum { N = 6 };
    pthread_t t[N];
    hammer h[N];
    for (int i = 0; i < N; i++)
        CU_ASSERT_FATAL(pthread_create(&t[i], NULL, run_hammer, &h[i]) == 0);
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        CU_ASSERT(h[i].ok);
    }
}

/* A client that sends half a request line and stops is cut off after the timeout. */
static void test_server__slow_client_is_timed_out(void)
{
    ds_error err;
    ds_server *server = NULL;
    ds_server_config cfg = {.db_path = DB_PATH, .threads = 1, .timeout_s = 1};
    CU_ASSERT_FATAL(ds_server_start(&server, &cfg, &err) == 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CU_ASSERT_FATAL(fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)ds_server_port(server))};
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0);
    const char partial[] = "GET /healthz HTTP/1.1\r\nHost: x";
    CU_ASSERT(send(fd, partial, sizeof partial - 1, 0) == (ssize_t)(sizeof partial - 1));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* Wait (at most 5 s) for the server to close: recv returns 0 at end of stream. */
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    char buf[256];
    ssize_t got = -1;
    if (poll(&pfd, 1, 5000) == 1)
        got = recv(fd, buf, sizeof buf, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CU_ASSERT(got == 0);
    /* Closed because of the 1 s timeout (libmicrohttpd checks it about once a second). */
    CU_ASSERT(waited >= 0.9 && waited < 4.5);
    close(fd);
    ds_server_free(server);
}

/* ---------------------------------------------------------------------------------------- */
/* SIGTERM on the real binary                                                                */

typedef struct slow_call {
    const char *body;
    unsigned port;
    const char *key;
    reply r;
} slow_call;

static void *run_slow_call(void *ctx)
{
    slow_call *c = ctx;
    unsigned saved = fx.port;
    (void)saved;
    CURL *curl = curl_easy_init();
    char url[128], auth[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/v1/quotes", c->port);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->key);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, c->body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &c->r);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
    curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &c->r.status);
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    return NULL;
}

static void test_server__sigterm_lets_the_request_in_flight_finish(void)
{
    setup();
    int err_pipe[2];
    CU_ASSERT_FATAL(pipe(err_pipe) == 0);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        dup2(err_pipe[1], STDERR_FILENO);
        close(err_pipe[0]);
        close(err_pipe[1]);
        execl(DSURE_BIN, DSURE_BIN, "--db", DB_PATH, "serve", "--listen", "127.0.0.1:0",
              "--threads", "2", "--static", "static", (char *)NULL);
        _exit(127);
    }
    close(err_pipe[1]);
    FILE *err = fdopen(err_pipe[0], "r");
    CU_ASSERT_FATAL(err != NULL);
    char line[256];
    unsigned port = 0;
    while (!port && fgets(line, sizeof line, err)) {
        const char *at = strstr(line, "listening on http://127.0.0.1:");
        if (at)
            port = (unsigned)atoi(at + strlen("listening on http://127.0.0.1:"));
    }
    CU_ASSERT_FATAL(port > 0);
    /* A quote long enough (400k simulated years with what-ifs: about a second) to be in
     * flight when the signal comes 150 ms after it was sent. */
    char *body = quote_request("P-001", 400000);
    slow_call call = {.body = body, .port = port, .key = fx.p1};
    pthread_t t;
    CU_ASSERT_FATAL(pthread_create(&t, NULL, run_slow_call, &call) == 0);
    struct timespec pause = {0, 150 * 1000 * 1000};
    nanosleep(&pause, NULL);
    kill(pid, SIGTERM);
    pthread_join(t, NULL);
    int status = 0;
    waitpid(pid, &status, 0);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (call.r.status != 201)
        fprintf(stderr, "\n  in-flight quote: %ld %.300s\n", call.r.status,
                call.r.body ? call.r.body : "");
    CU_ASSERT(call.r.status == 201);
    CU_ASSERT(call.r.body && strstr(call.r.body, "\"premium\"") != NULL);
    /* The server said it stopped after the request, whose log line came first. */
    int saw_request = 0, saw_stop_after = 0;
    double ms = 0;
    while (fgets(line, sizeof line, err)) {
        const char *logged = strstr(line, "POST /v1/quotes 201 ");
        if (logged) {
            saw_request = 1;
            ms = atof(logged + strlen("POST /v1/quotes 201 "));
        }
        if (strstr(line, "dsure: stopped") && saw_request)
            saw_stop_after = 1;
    }
    CU_ASSERT(saw_request && saw_stop_after);
    /* It was in flight when the signal came: it lasted beyond the 150 ms pause. */
    if (ms <= 150)
        fprintf(stderr, "\n  the quote took %.1f ms: not in flight at SIGTERM\n", ms);
    CU_ASSERT(ms > 150);
    fclose(err);
    reply_clear(&call.r);
    free(body);
}

static void test_server__stops_cleanly(void)
{
    setup();
    ds_server_free(fx.server);
    fx.server = NULL;
    fclose(fx.log);
    fx.log = NULL;
    fx.ready = 0;
}

static const ds_test_case tests[] = {
    {"healthz_answers_ok_without_a_key", test_server__healthz_answers_ok_without_a_key},
    {"unknown_route_is_404_and_wrong_method_405_with_allow",
     test_server__unknown_route_is_404_and_wrong_method_405_with_allow},
    {"missing_or_invalid_key_is_401", test_server__missing_or_invalid_key_is_401},
    {"role_without_the_route_gets_404", test_server__role_without_the_route_gets_404},
    {"grade_is_byte_identical_to_the_cli", test_server__grade_is_byte_identical_to_the_cli},
    {"grade_for_another_platform_is_400_naming_the_field",
     test_server__grade_for_another_platform_is_400_naming_the_field},
    {"invalid_input_is_400_with_the_use_case_message",
     test_server__invalid_input_is_400_with_the_use_case_message},
    {"quote_is_identical_to_the_cli_but_id_and_time",
     test_server__quote_is_identical_to_the_cli_but_id_and_time},
    {"another_tenants_quote_reads_as_missing",
     test_server__another_tenants_quote_reads_as_missing},
    {"binding_twice_is_409", test_server__binding_twice_is_409},
    {"sql_injection_in_ids_is_404_and_the_database_intact",
     test_server__sql_injection_in_ids_is_404_and_the_database_intact},
    {"body_over_the_cap_is_413", test_server__body_over_the_cap_is_413},
    {"malformed_json_is_400", test_server__malformed_json_is_400},
    {"post_without_json_media_type_is_415", test_server__post_without_json_media_type_is_415},
    {"platform_appends_only_its_own_records_to_its_own_log",
     test_server__platform_appends_only_its_own_records_to_its_own_log},
    {"ledger_reads_are_tenant_scoped", test_server__ledger_reads_are_tenant_scoped},
    {"checkpoint_is_the_signed_note", test_server__checkpoint_is_the_signed_note},
    {"proofs_verify_and_equal_the_cli", test_server__proofs_verify_and_equal_the_cli},
    {"entry_pages_carry_recomputable_leaf_hashes",
     test_server__entry_pages_carry_recomputable_leaf_hashes},
    {"claims_are_adjudicated_and_tenant_scoped",
     test_server__claims_are_adjudicated_and_tenant_scoped},
    {"admin_creates_keys_that_work", test_server__admin_creates_keys_that_work},
    {"static_files_without_traversal", test_server__static_files_without_traversal},
    {"metrics_in_prometheus_text_format", test_server__metrics_in_prometheus_text_format},
    {"request_log_has_one_line_per_request_and_no_key",
     test_server__request_log_has_one_line_per_request_and_no_key},
    {"internal_failure_is_500_and_stores_nothing",
     test_server__internal_failure_is_500_and_stores_nothing},
    {"concurrent_clients_all_get_their_answers",
     test_server__concurrent_clients_all_get_their_answers},
    {"slow_client_is_timed_out", test_server__slow_client_is_timed_out},
    {"sigterm_lets_the_request_in_flight_finish",
     test_server__sigterm_lets_the_request_in_flight_finish},
    {"stops_cleanly", test_server__stops_cleanly},
};

DS_TEST_MAIN("web_server", tests)
