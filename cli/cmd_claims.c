/*
 * cmd_claims.c: `dsure claims adjudicate BATCH [--group N] [--threads N]` (DESIGN.md 4, 7).
 *
 * Reads a batch (JSON array or JSON Lines; "-" for stdin), adjudicates it with the database
 * opened with synchronous=FULL (a committed settlement survives a power loss), prints
 * {"results": [...], "summary": {...}} on stdout once every group has committed, and a human
 * summary on stderr: counts by status, paid by coverage, the reasons histogram; a progress bar
 * only when stderr is a terminal. A batch with denied claims exits 0; a malformed batch file
 * exits 65 with nothing settled.
 *
 * --group N sets the claims per transaction (default 1000; one fsync per group); --threads N the
 * threads that read and verify claims (default: the online cores; the output does not depend on
 * it).
 *
 * Test hook (documented in docs/claims.md): with DSURE_TEST_KILL_AFTER_COMMITS=N in the
 * environment the process raises SIGKILL on itself right after its N-th committed group, so the
 * crash test can stop a real process at a chosen point between commits.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims/adjudicate.h"
#include "cli/commands.h"
#include "data/db.h"
#include "data/file.h"

static const char usage_text[] =
    "dsure [--db PATH] claims adjudicate BATCH|- [--group N] [--threads N]";

typedef struct run_ctx {
    int is_tty;
    size_t kill_after;
} run_ctx;

static void on_commit(void *ctx, size_t n_commits)
{
    run_ctx *run = ctx;
    if (run->kill_after && n_commits >= run->kill_after)
        raise(SIGKILL);
}

static void on_progress(void *ctx, const char *phase, size_t done, size_t total)
{
    run_ctx *run = ctx;
    if (!run->is_tty || total == 0)
        return;
    int width = 40, filled = (int)((double)done / (double)total * width);
    fprintf(stderr, "\r%-8s [%.*s%*s] %zu/%zu", phase, filled,
            "========================================", width - filled, "", done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static void print_summary(const ds_adjudicate_summary *s)
{
    fprintf(stderr, "claims: %zu (approved %zu, reduced %zu, denied %zu", s->claims, s->approved,
            s->reduced, s->denied);
    if (s->replayed)
        fprintf(stderr, "; %zu settled before, returned as stored", s->replayed);
    fprintf(stderr, ")\npaid: %lld.%02lld", (long long)(s->paid / 100),
            (long long)(s->paid % 100));
    const char *sep = " (";
    for (int c = 0; c < DS_COV_COUNT; c++) {
        if (!s->paid_by_coverage[c])
            continue;
        fprintf(stderr, "%s%s %lld.%02lld", sep, ds_coverage_code((ds_coverage)c),
                (long long)(s->paid_by_coverage[c] / 100),
                (long long)(s->paid_by_coverage[c] % 100));
        sep = ", ";
    }
    fprintf(stderr, "%s\n", sep[0] == ',' ? ")" : "");
    for (int r = 0; r < DS_REASON_COUNT; r++) {
        if (s->reasons[r])
            fprintf(stderr, "  %-20s %zu\n", ds_reason_name((ds_reason_code)r), s->reasons[r]);
    }
}

static int adjudicate(const ds_cli *cli, int argc, char **argv)
{
    ds_error err;
    ds_error_clear(&err);
    ds_cli_opt opts[] = {{"--group", 1, NULL, 0}, {"--threads", 1, NULL, 0}};
    const char *positional[1];
    size_t n_positional;
    if (ds_cli_parse(argc, argv, opts, 2, positional, 1, &n_positional, &err)) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage_text);
    }
    if (n_positional != 1)
        return ds_cli_usage(usage_text);
    uint64_t group = 0;
    if (opts[0].is_set && (ds_cli_opt_u64(&opts[0], &group, &err) || group == 0)) {
        if (!err.message[0])
            ds_error_set(&err, DS_EUSAGE, "--group", "must be a positive integer");
        return ds_cli_fail(&err);
    }
    uint64_t threads = 0;
    if (opts[1].is_set && (ds_cli_opt_u64(&opts[1], &threads, &err) || threads == 0 ||
                           threads > 64)) {
        if (!err.message[0])
            ds_error_set(&err, DS_EUSAGE, "--threads", "must be an integer from 1 to 64");
        return ds_cli_fail(&err);
    }
    run_ctx run = {.is_tty = cli->stderr_is_tty};
    const char *kill = getenv("DSURE_TEST_KILL_AFTER_COMMITS");
    if (kill && *kill)
        run.kill_after = (size_t)strtoull(kill, NULL, 10);

    char *text = NULL;
    size_t len = 0;
    ds_db *db = NULL;
    cJSON *out = NULL;
    ds_adjudicate_summary summary;
    ds_db_options db_opts = {.must_exist = 1, .synchronous_full = 1};
    ds_adjudicate_options adj = {.group_size = (size_t)group,
                                 .threads = (unsigned)threads,
                                 .on_commit = on_commit,
                                 .on_progress = on_progress,
                                 .ctx = &run};
    int rc = ds_file_read(&text, &len, positional[0], DS_FILE_DEFAULT_CAP, &err);
    if (!rc)
        rc = ds_db_open(&db, cli->db_path, &db_opts, &err);
    if (!rc)
        rc = ds_adjudicate_text(&out, &summary, db, text, len, &adj, &err);
    free(text);
    if (!rc)
        rc = ds_cli_print_json(out, &err);
    cJSON_Delete(out);
    ds_db_close(db);
    if (rc)
        return ds_cli_fail(&err);
    print_summary(&summary);
    return DS_EXIT_OK;
}

int ds_cmd_claims(const ds_cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return ds_cli_usage(usage_text);
    if (strcmp(argv[1], "adjudicate") == 0)
        return adjudicate(cli, argc - 1, argv + 1);
    fprintf(stderr, "dsure: claims: unknown subcommand \"%s\"; usage: %s\n", argv[1],
            usage_text);
    return DS_EXIT_USAGE;
}
