/*
 * server.h: `dsure serve`, the HTTP API of DESIGN.md section 8 on libmicrohttpd.
 *
 * The daemon runs its own pool of worker threads over epoll (MHD_USE_INTERNAL_POLLING_THREAD |
 * MHD_USE_EPOLL, MHD_OPTION_THREAD_POOL_SIZE). Each worker takes a SQLite connection from a pool
 * of as many connections as workers for the length of one callback, never across callbacks, so
 * a worker never waits for a connection another of its own requests holds. Request bodies go to
 * a buffer capped at max_body: a Content-Length above the cap is answered 413 before any of the
 * body is read; a chunked body that outgrows it is discarded as it arrives and answered 413.
 * Idle connections are closed after timeout_s seconds. Every request produces one line on the
 * log stream: "METHOD /path STATUS 12.3 ms" (the path without its query string; never a key).
 *
 * ds_server_stop stops accepting connections (MHD_quiesce_daemon), lets the requests in flight
 * finish (up to grace_ms), then stops the daemon: a SIGTERM never cuts a response in half.
 *
 * Errors: DS_EINVAL naming the config field, DS_EIO (database, or the address cannot be bound),
 * DS_ENOMEM. Thread safety: start, stop and free from one thread; the server's own threads do
 * the rest.
 */
#ifndef DS_WEB_SERVER_H
#define DS_WEB_SERVER_H

#include <stddef.h>
#include <stdio.h>

#include "actuarial/error.h"

#define DS_SERVER_DEFAULT_THREADS 4
#define DS_SERVER_DEFAULT_TIMEOUT_S 30
#define DS_SERVER_MAX_PAGE 1000

typedef struct ds_server_config {
    const char *db_path;     /* the database (created and migrated when missing) */
    const char *address;     /* IPv4 address to listen on; NULL: 127.0.0.1 */
    unsigned port;           /* 0: the system picks one (see ds_server_port) */
    unsigned threads;        /* worker threads; 0: DS_SERVER_DEFAULT_THREADS */
    size_t max_body;         /* request body cap in bytes; 0: 1 MiB */
    unsigned timeout_s;      /* idle connection timeout; 0: DS_SERVER_DEFAULT_TIMEOUT_S */
    const char *log_origin;  /* the server's own log; NULL: the database's only log */
    const char *static_dir;  /* directory of the web page; NULL: / and /static/ answer 404 */
    FILE *log;               /* request log lines; NULL: none */
} ds_server_config;

typedef struct ds_server ds_server;

/* Opens the database connections and starts listening. cfg's strings are copied. */
int ds_server_start(ds_server **out, const ds_server_config *cfg, ds_error *err);

/* The port the server listens on (the one picked when cfg->port was 0). */
unsigned ds_server_port(const ds_server *server);

/*
 * Stops accepting, waits until no request is in flight or grace_ms passed, then stops the
 * daemon. Idempotent.
 */
void ds_server_stop(ds_server *server, unsigned grace_ms);

/* Stops (with a grace of 10 s) if still running, then frees. NULL-safe. */
void ds_server_free(ds_server *server);

#endif
