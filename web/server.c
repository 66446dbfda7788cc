/*
 * server.c: the libmicrohttpd daemon, the connection pool and the request lifecycle
 * (see server.h).
 *
 * A request goes through the access callback at least twice. The first call sees only the
 * headers: the route is matched (404, or 405 with Allow), the key checked (401) and its role
 * (404), the media type (415) and the declared length (413); any of these is answered at once,
 * before the body is read. Later calls bring the body in pieces into the capped buffer; the last
 * call (no more data) runs the handler. GET routes run on the first call. The completion
 * callback writes the log line, records the metrics and frees the request's state.
 */
#include "web/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "web/routes.h"

/* The connection pool: as many connections as worker threads (see server.h). */
typedef struct slot_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    ds_slot *slots;
    size_t *free_list;
    size_t n, n_free;
} slot_pool;

struct ds_server {
    ds_server_config cfg;
    char *db_path, *address, *log_origin, *static_dir;
    struct MHD_Daemon *daemon;
    MHD_socket listen_fd;
    unsigned port;
    slot_pool pool;
    int pool_ready;
    ds_metrics *metrics;
    const char *patterns[32];      /* distinct route patterns: the metrics' route labels */
    size_t n_patterns;
    size_t route_pattern[32];
    atomic_int in_flight;
    int stopped;
};

/* Per-request state, *con_cls of libmicrohttpd. */
typedef struct request_state {
    double started;
    int route;                     /* index in ds_routes, -1 when none matched */
    char method[8];
    char *path;                    /* for the log line, sanitised */
    char *id;                      /* the {id} or {path} segment */
    ds_principal who;
    int has_who;
    ds_http_body body;
    int overflow;                  /* the body outgrew the cap: discard, answer 413 */
    int answered;
    int has_pending;               /* pending holds an answer for the next call */
    ds_http_response pending;
    int has_body;                  /* the request announced a body */
    char allow[64];                /* the Allow header of a 405 */
    unsigned status;
} request_state;

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *dup_string(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

/* ---------------------------------------------------------------------------------------- */
/* Connection pool                                                                           */

static void slot_clear(ds_slot *slot)
{
    ds_ledger_free(slot->ledger);
    free(slot->ledger_origin);
    ds_ledger_store_free(slot->store);
    ds_db_close(slot->db);
    memset(slot, 0, sizeof *slot);
}

static void pool_clear(slot_pool *pool)
{
    for (size_t i = 0; pool->slots && i < pool->n; i++)
        slot_clear(&pool->slots[i]);
    free(pool->slots);
    free(pool->free_list);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->freed);
    memset(pool, 0, sizeof *pool);
}

static int pool_init(slot_pool *pool, const char *db_path, size_t n, ds_error *err)
{
    memset(pool, 0, sizeof *pool);
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->freed, NULL);
    pool->slots = calloc(n, sizeof *pool->slots);
    pool->free_list = calloc(n, sizeof *pool->free_list);
    if (!pool->slots || !pool->free_list) {
        pool_clear(pool);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    pool->n = n;
    for (size_t i = 0; i < n; i++) {
        /* The first connection creates and migrates the database; the others only open it. */
        ds_db_options opts = {.no_migrate = i > 0};
        int rc = ds_db_open(&pool->slots[i].db, db_path, &opts, err);
        if (rc) {
            pool_clear(pool);
            return rc;
        }
        pool->free_list[pool->n_free++] = i;
    }
    return 0;
}

static ds_slot *pool_acquire(slot_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    while (pool->n_free == 0)
        pthread_cond_wait(&pool->freed, &pool->lock);
    ds_slot *slot = &pool->slots[pool->free_list[--pool->n_free]];
    pthread_mutex_unlock(&pool->lock);
    return slot;
}

static void pool_release(slot_pool *pool, ds_slot *slot)
{
    pthread_mutex_lock(&pool->lock);
    pool->free_list[pool->n_free++] = (size_t)(slot - pool->slots);
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

int ds_slot_store(ds_ledger_store **out, ds_slot *slot, ds_error *err)
{
    if (!slot->store) {
        int rc = ds_ledger_store_new(&slot->store, slot->db, err);
        if (rc)
            return rc;
    }
    *out = slot->store;
    return 0;
}

/*
 * The ledger handle is kept between requests: opening one prepares its statements, and its node
 * cache holds only committed, immutable subtree hashes (data/ledger_store.h), so it stays right
 * while this or another process appends. A process that rewrites the tables behind the server's
 * back (a tamper test) must restart the server for proofs to see the rewrite; entry pages are
 * always read from the database.
 */
int ds_slot_ledger(ds_ledger **out, ds_slot *slot, const char *origin, ds_error *err)
{
    *out = NULL;
    ds_ledger_log log;
    memset(&log, 0, sizeof log);
    if (!origin) {
        /* The database's only log, looked up on every request (a second log may have been
         * created since), then cached under its name like any other. */
        ds_ledger_store *store;
        int rc = ds_slot_store(&store, slot, err);
        if (!rc)
            rc = ds_ledger_store_find_log(store, &log, NULL, err);
        if (rc)
            return rc;
        origin = log.origin;
    }
    int rc = 0;
    if (slot->ledger && strcmp(slot->ledger_origin, origin) == 0) {
        *out = slot->ledger;
        goto out;
    }
    ds_ledger_free(slot->ledger);
    free(slot->ledger_origin);
    slot->ledger = NULL;
    slot->ledger_origin = NULL;
    ds_ledger *lg = NULL;
    if ((rc = ds_ledger_open(&lg, slot->db, origin, err)))
        goto out;
    slot->ledger_origin = dup_string(origin);
    if (!slot->ledger_origin) {
        ds_ledger_free(lg);
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    slot->ledger = lg;
    *out = lg;
out:
    ds_ledger_log_clear(&log);
    return rc;
}
/* ---------------------------------------------------------------------------------------- */
/* Routing                                                                                   */

/*
 * Matches path against pattern; a "{id}" segment matches one non-empty segment without '/',
 * a final "{path}" the non-empty rest. *param receives the matched part (borrowed from path).
 */
static int match(const char *pattern, const char *path, const char **param, size_t *param_len)
{
    const char *brace = strchr(pattern, '{');
    if (!brace)
        return strcmp(pattern, path) == 0;
    size_t prefix = (size_t)(brace - pattern);
    if (strncmp(pattern, path, prefix) != 0)
        return 0;
    const char *rest = path + prefix;
    int is_path = strcmp(brace, "{path}") == 0;
    size_t n = is_path ? strlen(rest) : strcspn(rest, "/");
    if (n == 0 || (!is_path && rest[n] != '\0'))
        return 0;
    *param = rest;
    *param_len = n;
    return 1;
}

/* The route for method and path: *route the index (-1 when no route has the path), and the
 * Allow list of the path when only the method is wrong. */
static int find_route(const char *method, const char *path, const char **param, size_t *param_len,
                      char *allow, size_t allow_cap)
{
    allow[0] = '\0';
    int path_known = 0;
    for (size_t i = 0; i < ds_n_routes; i++) {
        const char *p = NULL;
        size_t n = 0;
        if (!match(ds_routes[i].pattern, path, &p, &n))
            continue;
        if (strcmp(ds_routes[i].method, method) == 0) {
            *param = p;
            *param_len = n;
            return (int)i;
        }
        size_t used = strlen(allow);
        snprintf(allow + used, allow_cap - used, "%s%s", path_known ? ", " : "",
                 ds_routes[i].method);
        path_known = 1;
    }
    return path_known ? -2 : -1;
}

/* 1 when the Content-Type's media type (before any parameter) is one the route takes. */
static int media_type_ok(const char *content_type, int body_kind)
{
    if (!content_type)
        return 0;
    size_t n = strcspn(content_type, ";");
    while (n && content_type[n - 1] == ' ')
        n--;
    if (n == 16 && strncasecmp(content_type, "application/json", 16) == 0)
        return 1;
    return body_kind == DS_BODY_JSON_OR_NDJSON && n == 20 &&
           strncasecmp(content_type, "application/x-ndjson", 20) == 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Responses                                                                                 */

static enum MHD_Result queue(struct MHD_Connection *conn, request_state *st,
                             ds_http_response *res)
{
    st->answered = 1;
    st->status = res->status;
    struct MHD_Response *r;
    if (res->body) {
        r = MHD_create_response_from_buffer(res->len, res->body, MHD_RESPMEM_MUST_FREE);
        if (r)
            res->body = NULL; /* libmicrohttpd frees it now */
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!r) {
        ds_http_response_clear(res);
        st->status = 500;
        return MHD_NO;
    }
    if (res->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    if (res->allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, res->allow);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ok = MHD_queue_response(conn, res->status, r);
    MHD_destroy_response(r);
    ds_http_response_clear(res);
    return ok;
}

/*
 * An answer decided on the first call. A request with a body is answered at once, so the body is
 * never read (libmicrohttpd then closes the connection). A request without one is answered on
 * the next call, once libmicrohttpd has seen the whole request: the connection stays open for
 * the next request (keep-alive).
 */
static enum MHD_Result answer_early(struct MHD_Connection *conn, request_state *st,
                                    ds_http_response *res)
{
    if (st->has_body)
        return queue(conn, st, res);
    st->pending = *res;
    memset(res, 0, sizeof *res);
    st->has_pending = 1;
    return MHD_YES;
}

static enum MHD_Result queue_error(struct MHD_Connection *conn, request_state *st,
                                   unsigned status, const char *field, const char *message)
{
    ds_http_response res = {0};
    ds_http_respond_error(&res, status, field, message);
    return answer_early(conn, st, &res);
}

/* Runs the route's handler with a connection from the pool. */
static enum MHD_Result dispatch(ds_server *srv, struct MHD_Connection *conn, request_state *st)
{
    const ds_route *route = &ds_routes[st->route];
    ds_slot *slot = pool_acquire(&srv->pool);
    ds_request req = {
        .conn = conn,
        .method = st->method,
        .path = st->path,
        .id = st->id,
        .body = st->body.data ? st->body.data : "",
        .body_len = st->body.len,
        .content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_CONTENT_TYPE),
        .who = st->has_who ? &st->who : NULL,
        .slot = slot,
        .cfg = &srv->cfg,
        .metrics = srv->metrics,
    };
    ds_http_response res = {0};
    route->fn(&res, &req);
    pool_release(&srv->pool, slot);
    if (!res.status) {
        ds_http_response_clear(&res);
        ds_http_respond_error(&res, 500, NULL, "the handler gave no response");
    }
    return queue(conn, st, &res);
}

/* A copy of the path for the log line: control characters and spaces become '?'. */
static char *loggable_path(const char *url)
{
    char *copy = dup_string(url);
    for (char *c = copy; c && *c; c++) {
        if ((unsigned char)*c < 0x21 || *c == 0x7f)
            *c = '?';
    }
    return copy;
}

/* The first call of a request: everything decided from the headers. */
static enum MHD_Result first_call(ds_server *srv, struct MHD_Connection *conn,
                                  request_state *st, const char *url)
{
    const char *param = NULL;
    size_t param_len = 0;
    int r = find_route(st->method, url, &param, &param_len, st->allow, sizeof st->allow);
    if (r == -1)
        return queue_error(conn, st, 404, NULL, "no such route");
    if (r == -2) {
        ds_http_response res = {0};
        char message[128];
        snprintf(message, sizeof message, "method %s not allowed; allowed: %s", st->method,
                 st->allow);
        ds_http_respond_error(&res, 405, NULL, message);
        res.allow = st->allow;
        return answer_early(conn, st, &res);
    }
    st->route = r;
    const ds_route *route = &ds_routes[r];
    if (param) {
        st->id = malloc(param_len + 1);
        if (!st->id)
            return queue_error(conn, st, 500, NULL, "out of memory");
        memcpy(st->id, param, param_len);
        st->id[param_len] = '\0';
    }
    if (route->roles) {
        const char *auth =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        ds_error err;
        ds_error_clear(&err);
        ds_slot *slot = pool_acquire(&srv->pool);
        int rc = ds_auth_check(&st->who, slot->db, auth, &err);
        pool_release(&srv->pool, slot);
        if (rc == DS_ENOTFOUND)
            return queue_error(conn, st, 401, NULL, err.message);
        if (rc) {
            ds_http_response res = {0};
            ds_http_respond_ds_error(&res, &err);
            return queue(conn, st, &res);
        }
        st->has_who = 1;
        if (!(route->roles & st->who.role))
            return queue_error(conn, st, 404, NULL, "no such route");
    }
    if (route->body != DS_BODY_NONE) {
        const char *ctype =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!media_type_ok(ctype, route->body))
            return queue_error(conn, st, 415, "Content-Type",
                               route->body == DS_BODY_JSON
                                   ? "Content-Type: must be application/json"
                                   : "Content-Type: must be application/json or "
                                     "application/x-ndjson");
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length) {
            char *end = NULL;
            unsigned long long n = strtoull(length, &end, 10);
            if (end == length || *end || n > srv->cfg.max_body) {
                char message[96];
                snprintf(message, sizeof message, "request body: larger than %zu bytes",
                         srv->cfg.max_body);
                return queue_error(conn, st, 413, "request", message);
            }
        }
        return MHD_YES; /* wait for the body */
    }
    if (st->has_body)
        return dispatch(srv, conn, st);
    return MHD_YES; /* answered on the next call (see answer_early) */
}

/* 1 when the request announces a body: a non-zero Content-Length or a Transfer-Encoding. */
static int has_body(struct MHD_Connection *conn)
{
    const char *length =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        return 1;
    return length && strspn(length, "0") != strlen(length);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    ds_server *srv = cls;
    request_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        *con_cls = st;
        atomic_fetch_add(&srv->in_flight, 1);
        st->started = now_seconds();
        st->route = -1;
        snprintf(st->method, sizeof st->method, "%s", method);
        st->path = loggable_path(url);
        ds_http_body_init(&st->body, srv->cfg.max_body);
        st->has_body = has_body(conn);
        return first_call(srv, conn, st, url);
    }
    if (st->has_pending) {
        st->has_pending = 0;
        *upload_data_size = 0;
        return queue(conn, st, &st->pending);
    }
    if (st->answered) {
        *upload_data_size = 0; /* answered from the headers: the rest is not read */
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!st->overflow && ds_http_body_append(&st->body, upload_data, *upload_data_size)) {
            st->overflow = 1;
            ds_http_body_clear(&st->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (st->overflow) {
        char message[96];
        snprintf(message, sizeof message, "request body: larger than %zu bytes",
                 srv->cfg.max_body);
        return queue_error(conn, st, 413, "request", message);
    }
    return dispatch(srv, conn, st);
}

static size_t pattern_of(const ds_server *srv, int route)
{
    return route >= 0 ? srv->route_pattern[route] : srv->n_patterns;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    (void)conn;
    ds_server *srv = cls;
    request_state *st = *con_cls;
    if (!st)
        return;
    double seconds = now_seconds() - st->started;
    unsigned status = st->answered ? st->status : 0;
    if (srv->cfg.log) {
        if (code == MHD_REQUEST_TERMINATED_COMPLETED_OK || st->answered)
            fprintf(srv->cfg.log, "%s %s %u %.1f ms\n", st->method, st->path ? st->path : "?",
                    status, seconds * 1e3);
        else
            fprintf(srv->cfg.log, "%s %s aborted %.1f ms\n", st->method,
                    st->path ? st->path : "?", seconds * 1e3);
    }
    ds_metrics_observe(srv->metrics, pattern_of(srv, st->route), st->method, status, seconds);
    ds_http_body_clear(&st->body);
    ds_http_response_clear(&st->pending);
    free(st->path);
    free(st->id);
    free(st);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

/* ---------------------------------------------------------------------------------------- */
/* Life cycle                                                                                */

static void index_patterns(ds_server *srv)
{
    for (size_t i = 0; i < ds_n_routes && i < 32; i++) {
        size_t p = 0;
        while (p < srv->n_patterns && strcmp(srv->patterns[p], ds_routes[i].pattern) != 0)
            p++;
        if (p == srv->n_patterns)
            srv->patterns[srv->n_patterns++] = ds_routes[i].pattern;
        srv->route_pattern[i] = p;
    }
}

int ds_server_start(ds_server **out, const ds_server_config *cfg, ds_error *err)
{
    *out = NULL;
    if (!cfg->db_path)
        return ds_error_set(err, DS_EINVAL, "db", "is required");
    ds_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    srv->cfg = *cfg;
    srv->listen_fd = MHD_INVALID_SOCKET;
    if (!srv->cfg.threads)
        srv->cfg.threads = DS_SERVER_DEFAULT_THREADS;
    if (!srv->cfg.max_body)
        srv->cfg.max_body = DS_HTTP_DEFAULT_MAX_BODY;
    if (!srv->cfg.timeout_s)
        srv->cfg.timeout_s = DS_SERVER_DEFAULT_TIMEOUT_S;
    srv->db_path = dup_string(cfg->db_path);
    srv->address = dup_string(cfg->address ? cfg->address : "127.0.0.1");
    srv->log_origin = dup_string(cfg->log_origin);
    srv->static_dir = dup_string(cfg->static_dir);
    srv->cfg.db_path = srv->db_path;
    srv->cfg.address = srv->address;
    srv->cfg.log_origin = srv->log_origin;
    srv->cfg.static_dir = srv->static_dir;
    int rc = 0;
    if (!srv->db_path || !srv->address || (cfg->log_origin && !srv->log_origin) ||
        (cfg->static_dir && !srv->static_dir)) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto fail;
    }
    if (srv->cfg.threads > 64) {
        rc = ds_error_set(err, DS_EINVAL, "threads", "must be from 1 to 64");
        goto fail;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (cfg->port > 65535 || inet_pton(AF_INET, srv->address, &addr.sin_addr) != 1) {
        rc = ds_error_set(err, DS_EINVAL, "listen", "must be IPV4:PORT, e.g. 127.0.0.1:8080");
        goto fail;
    }
    index_patterns(srv);
    if (ds_metrics_new(&srv->metrics, srv->patterns, srv->n_patterns)) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto fail;
    }
    if ((rc = pool_init(&srv->pool, srv->db_path, srv->cfg.threads, err)))
        goto fail;
    srv->pool_ready = 1;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)srv->cfg.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)srv->cfg.timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
    if (!srv->daemon) {
        rc = ds_error_set(err, DS_EIO, "listen", "cannot listen on %s:%u", srv->address,
                          cfg->port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : cfg->port;
    *out = srv;
    return 0;
fail:
    ds_server_free(srv);
    return rc;
}

unsigned ds_server_port(const ds_server *srv)
{
    return srv->port;
}

void ds_server_stop(ds_server *srv, unsigned grace_ms)
{
    if (!srv || srv->stopped || !srv->daemon)
        return;
    srv->stopped = 1;
    srv->listen_fd = MHD_quiesce_daemon(srv->daemon);
    /* Requests already received run to completion; keep-alive connections may still bring one
     * more, which counts as in flight too. */
    struct timespec tick = {0, 5 * 1000 * 1000};
    for (unsigned waited = 0; atomic_load(&srv->in_flight) > 0 && waited < grace_ms; waited += 5)
        nanosleep(&tick, NULL);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    if (srv->listen_fd != MHD_INVALID_SOCKET)
        close(srv->listen_fd);
    srv->listen_fd = MHD_INVALID_SOCKET;
}

void ds_server_free(ds_server *srv)
{
    if (!srv)
        return;
    ds_server_stop(srv, 10000);
    if (srv->pool_ready)
        pool_clear(&srv->pool);
    ds_metrics_free(srv->metrics);
    free(srv->db_path);
    free(srv->address);
    free(srv->log_origin);
    free(srv->static_dir);
    free(srv);
}
