/*
 * cmd_quote.c: `dsure quote REQUEST [--sims N] [--seed S] [--save]` prices a policy.
 */
#include <stdio.h>

#include "cli/commands.h"
#include "data/db.h"
#include "pricing/quote.h"

int ds_cmd_quote(const ds_cli *cli, int argc, char **argv)
{
    ds_error err;
    ds_error_clear(&err);
    ds_cli_opt opts[] = {{"--sims", 1, NULL, 0}, {"--seed", 1, NULL, 0}, {"--save", 0, NULL, 0}};
    const char *positional[1];
    size_t n_positional;
    ds_quote_overrides overrides = {0};
    if (ds_cli_parse(argc, argv, opts, 3, positional, 1, &n_positional, &err))
        return ds_cli_fail(&err);
    if (n_positional != 1)
        return ds_cli_usage("dsure quote REQUEST.json|- [--sims N] [--seed S] [--save]");
    if (opts[0].is_set) {
        if (ds_cli_opt_u64(&opts[0], &overrides.sims, &err))
            return ds_cli_fail(&err);
        if (overrides.sims < 1000 || overrides.sims > DS_QUOTE_MAX_SIMS) {
            ds_error_set(&err, DS_EUSAGE, "--sims", "must be from 1000 to %d",
                         DS_QUOTE_MAX_SIMS);
            return ds_cli_fail(&err);
        }
        overrides.has_sims = 1;
    }
    if (opts[1].is_set) {
        if (ds_cli_opt_u64(&opts[1], &overrides.seed, &err))
            return ds_cli_fail(&err);
        overrides.has_seed = 1;
    }
    cJSON *request = NULL, *quote = NULL;
    int rc = ds_cli_read_json(&request, positional[0], &err);
    if (!rc)
        rc = ds_quote_run(&quote, request, &overrides, &err);
    if (!rc && opts[2].is_set) {
        /* Saved before printing: a printed quote id is always one that can be bound. */
        ds_db *db = NULL;
        rc = ds_db_open(&db, cli->db_path, NULL, &err);
        if (!rc)
            rc = ds_quote_save(db, request, quote, &err);
        ds_db_close(db);
    }
    if (!rc)
        rc = ds_cli_print_json(quote, &err);
    cJSON_Delete(request);
    cJSON_Delete(quote);
    return rc ? ds_cli_fail(&err) : DS_EXIT_OK;
}
