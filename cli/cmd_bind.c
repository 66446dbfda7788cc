/*
 * cmd_bind.c: `dsure bind QUOTE_ID [--log ORIGIN]` turns a saved quote into a policy.
 */
#include <stdio.h>

#include "claims/bind.h"
#include "cli/commands.h"
#include "data/db.h"

int ds_cmd_bind(const ds_cli *cli, int argc, char **argv)
{
    ds_error err;
    ds_error_clear(&err);
    ds_cli_opt opts[] = {{"--log", 1, NULL, 0}};
    const char *positional[1];
    size_t n_positional;
    if (ds_cli_parse(argc, argv, opts, 1, positional, 1, &n_positional, &err))
        return ds_cli_fail(&err);
    if (n_positional != 1)
        return ds_cli_usage("dsure bind QUOTE_ID [--log ORIGIN]");
    ds_db *db = NULL;
    cJSON *policy = NULL;
    ds_db_options db_opts = {.must_exist = 1};
    int rc = ds_db_open(&db, cli->db_path, &db_opts, &err);
    if (!rc)
        rc = ds_bind(&policy, db, positional[0], opts[0].value, &err);
    if (!rc)
        rc = ds_cli_print_json(policy, &err);
    cJSON_Delete(policy);
    ds_db_close(db);
    return rc ? ds_cli_fail(&err) : DS_EXIT_OK;
}
