/*
 * cmd_aggregate.c: `dsure aggregate MODEL [--method mc|panjer|fft] [--sims N] [--seed S]
 * [--threads T] [--span H]` (DESIGN.md section 4).
 *
 * Reads the model JSON (a file or "-"), runs one method and prints the result object on stdout.
 * Any error prints one line on stderr naming the field and nothing on stdout: exit 65 for an
 * invalid model or option value (an unknown method included), 66 when the file is missing, 64
 * for a malformed command line. Progress goes to stderr, and only when it is a terminal.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "actuarial/aggregate.h"
#include "cli/commands.h"
#include "data/model_json.h"

#define USAGE                                                                                   \
    "dsure aggregate MODEL [--method mc|panjer|fft] [--sims N] [--seed S] [--threads T] "       \
    "[--span H]"

/* Seeds are printed as JSON numbers, which hold integers exactly only up to 2^53. */
#define MAX_SEED 9007199254740992ULL
#define MAX_THREADS 256

typedef struct progress_state {
    int last_percent;
} progress_state;

static void show_progress(void *ctx, uint64_t done, uint64_t total)
{
    progress_state *st = ctx;
    int percent = (int)(100.0 * (double)done / (double)total);
    if (percent == st->last_percent)
        return;
    st->last_percent = percent;
    fprintf(stderr, "\rdsure: simulated %llu of %llu years (%d%%)", (unsigned long long)done,
            (unsigned long long)total, percent);
    if (done == total)
        fputc('\n', stderr);
}

/* Fills opts from the command-line options; DS_EINVAL naming the option for a bad value. */
static int read_options(ds_agg_options *opts, ds_cli_opt *o, ds_error *err)
{
    ds_agg_options_default(opts);
    int rc = 0;
    if (o[0].is_set) {
        int method = ds_agg_method_from_name(o[0].value);
        if (method < 0)
            return ds_error_set(err, DS_EINVAL, "--method", "unknown method \"%s\"",
                                o[0].value);
        opts->method = (ds_agg_method)method;
    }
    if (o[1].is_set) {
        rc = ds_cli_opt_u64(&o[1], &opts->sims, err);
        if (rc)
            return rc;
        if (opts->sims < 1 || opts->sims > DS_AGG_MAX_SIMS)
            return ds_error_set(err, DS_EINVAL, "--sims", "must be between 1 and %llu",
                                (unsigned long long)DS_AGG_MAX_SIMS);
    }
    if (o[2].is_set) {
        rc = ds_cli_opt_u64(&o[2], &opts->seed, err);
        if (rc)
            return rc;
        if (opts->seed > MAX_SEED)
            return ds_error_set(err, DS_EINVAL, "--seed", "must be at most %llu",
                                (unsigned long long)MAX_SEED);
    }
    if (o[3].is_set) {
        uint64_t threads = 0;
        rc = ds_cli_opt_u64(&o[3], &threads, err);
        if (rc)
            return rc;
        if (threads > MAX_THREADS)
            return ds_error_set(err, DS_EINVAL, "--threads",
                                "must be at most %d (0: one per core)", MAX_THREADS);
        opts->threads = (unsigned)threads;
    }
    if (o[4].is_set) {
        rc = ds_cli_opt_double(&o[4], &opts->span, err);
        if (rc)
            return rc;
        if (!(opts->span > 0.0))
            return ds_error_set(err, DS_EINVAL, "--span", "must be positive");
    }
    return 0;
}

int ds_cmd_aggregate(const ds_cli *cli, int argc, char **argv)
{
    ds_cli_opt o[] = {
        {"--method", 1, NULL, 0}, {"--sims", 1, NULL, 0}, {"--seed", 1, NULL, 0},
        {"--threads", 1, NULL, 0}, {"--span", 1, NULL, 0},
    };
    const char *positional[1];
    size_t n_positional = 0;
    ds_error err;
    ds_error_clear(&err);
    int rc = ds_cli_parse(argc, argv, o, sizeof o / sizeof o[0], positional, 1, &n_positional,
                          &err);
    if (rc) {
        ds_cli_fail(&err);
        return ds_cli_usage(USAGE);
    }
    if (n_positional != 1)
        return ds_cli_usage(USAGE);

    ds_agg_options opts;
    rc = read_options(&opts, o, &err);
    if (rc)
        return ds_cli_fail(&err);

    cJSON *doc = NULL;
    rc = ds_cli_read_json(&doc, positional[0], &err);
    if (rc)
        return ds_cli_fail(&err);
    ds_agg_model model;
    rc = ds_model_json_agg(&model, doc, &err);
    cJSON_Delete(doc);
    if (rc)
        return ds_cli_fail(&err);

    ds_agg_result result;
    if (opts.method == DS_AGG_MC && cli->stderr_is_tty) {
        progress_state st = {-1};
        rc = ds_agg_simulate_progress(&result, &model, &opts, show_progress, &st, &err);
        /* Only the calling thread reports, and another may finish the last block. */
        if (st.last_percent >= 0 && st.last_percent < 100)
            show_progress(&st, opts.sims, opts.sims);
    } else {
        rc = ds_agg_run(&result, &model, &opts, &err);
    }
    ds_agg_model_clear(&model);
    if (rc)
        return ds_cli_fail(&err);

    cJSON *out = ds_model_json_agg_result(&result);
    if (!out) {
        ds_error_set(&err, DS_ENOMEM, NULL, "out of memory rendering the result");
        return ds_cli_fail(&err);
    }
    rc = ds_cli_print_json(out, &err);
    cJSON_Delete(out);
    if (rc)
        return ds_cli_fail(&err);
    return DS_EXIT_OK;
}
