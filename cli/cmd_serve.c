/*
 * cmd_serve.c: `dsure serve [--listen ADDR:PORT] [--threads N] [--max-body BYTES]
 * [--timeout SECONDS] [--log ORIGIN] [--static DIR]`: the HTTP API and web page (web/server.h).
 *
 * Defaults: 127.0.0.1:8080, 4 threads, 1 MiB bodies, 30 s idle timeout, the database's only log,
 * static files from --static, else $DSURE_STATIC_DIR, else ./web/static. Port 0 lets the system
 * pick one; either way the address is printed on stderr as "listening on http://ADDR:PORT"
 * (tests read it). SIGTERM or SIGINT stop accepting, let requests in flight finish (up to 30 s)
 * and exit 0. One log line per request goes to stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "web/server.h"

static const char usage_text[] =
    "dsure [--db PATH] serve [--listen ADDR:PORT] [--threads N] [--max-body BYTES]\n"
    "                        [--timeout SECONDS] [--log ORIGIN] [--static DIR]";

/* "ADDR:PORT" into address (copied into buf) and port. */
static int parse_listen(const char *value, char *buf, size_t cap, unsigned *port, ds_error *err)
{
    const char *colon = value ? strrchr(value, ':') : NULL;
    if (!colon || colon == value || (size_t)(colon - value) >= cap)
        return ds_error_set(err, DS_EUSAGE, "--listen", "must be ADDR:PORT, e.g. 127.0.0.1:8080");
    ds_cli_opt port_opt = {"--listen", 1, colon + 1, 1};
    uint64_t p;
    if (ds_cli_opt_u64(&port_opt, &p, err) || p > 65535)
        return ds_error_set(err, DS_EUSAGE, "--listen", "the port must be from 0 to 65535");
    memcpy(buf, value, (size_t)(colon - value));
    buf[colon - value] = '\0';
    *port = (unsigned)p;
    return 0;
}

int ds_cmd_serve(const ds_cli *cli, int argc, char **argv)
{
    ds_cli_opt opts[] = {{"--listen", 1, NULL, 0},  {"--threads", 1, NULL, 0},
                         {"--max-body", 1, NULL, 0}, {"--timeout", 1, NULL, 0},
                         {"--log", 1, NULL, 0},     {"--static", 1, NULL, 0}};
    const char *positional[1];
    size_t n_positional;
    ds_error err;
    ds_error_clear(&err);
    if (ds_cli_parse(argc, argv, opts, 6, positional, 0, &n_positional, &err)) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage_text);
    }
    char address[64] = "127.0.0.1";
    ds_server_config cfg = {.db_path = cli->db_path, .address = address, .port = 8080,
                            .log = stderr};
    uint64_t v;
    if (opts[0].is_set && parse_listen(opts[0].value, address, sizeof address, &cfg.port, &err))
        return ds_cli_fail(&err);
    if (opts[1].is_set) {
        if (ds_cli_opt_u64(&opts[1], &v, &err) || v < 1 || v > 64) {
            ds_error_set(&err, DS_EUSAGE, "--threads", "must be from 1 to 64");
            return ds_cli_fail(&err);
        }
        cfg.threads = (unsigned)v;
    }
    if (opts[2].is_set) {
        if (ds_cli_opt_u64(&opts[2], &v, &err) || v < 1024 || v > ((uint64_t)1 << 30)) {
            ds_error_set(&err, DS_EUSAGE, "--max-body", "must be from 1024 to 2^30 bytes");
            return ds_cli_fail(&err);
        }
        cfg.max_body = (size_t)v;
    }
    if (opts[3].is_set) {
        if (ds_cli_opt_u64(&opts[3], &v, &err) || v < 1 || v > 3600) {
            ds_error_set(&err, DS_EUSAGE, "--timeout", "must be from 1 to 3600 seconds");
            return ds_cli_fail(&err);
        }
        cfg.timeout_s = (unsigned)v;
    }
    cfg.log_origin = opts[4].is_set ? opts[4].value : NULL;
    const char *env_static = getenv("DSURE_STATIC_DIR");
    cfg.static_dir = opts[5].is_set                 ? opts[5].value
                     : env_static && *env_static ? env_static
                                                  : "web/static";

    /* The signals are blocked before the daemon's threads exist, so they inherit the mask and
     * only this thread, in sigwait, ever receives them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    ds_server *server = NULL;
    if (ds_server_start(&server, &cfg, &err)) {
        if (err.code == DS_EINVAL)
            err.code = DS_EUSAGE;
        return ds_cli_fail(&err);
    }
    fprintf(stderr, "listening on http://%s:%u\n", address, ds_server_port(server));
    fflush(stderr);
    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0) {
    }
    fprintf(stderr, "dsure: %s: finishing requests in flight\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT");
    ds_server_stop(server, 30000);
    ds_server_free(server);
    fprintf(stderr, "dsure: stopped\n");
    return DS_EXIT_OK;
}
