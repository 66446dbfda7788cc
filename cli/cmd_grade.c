/*
 * cmd_grade.c: `dsure grade ASSETS` prints the grading profile of a platform's data assets.
 */
#include <stdio.h>

#include "cli/commands.h"
#include "pricing/assets.h"

int ds_cmd_grade(const ds_cli *cli, int argc, char **argv)
{
    (void)cli;
    ds_error err;
    ds_error_clear(&err);
    const char *positional[1];
    size_t n_positional;
    if (ds_cli_parse(argc, argv, NULL, 0, positional, 1, &n_positional, &err))
        return ds_cli_fail(&err);
    if (n_positional != 1)
        return ds_cli_usage("dsure grade ASSETS.json|-");
    cJSON *request = NULL, *profile = NULL;
    int rc = ds_cli_read_json(&request, positional[0], &err);
    if (!rc)
        rc = ds_grade_profile(&profile, request, &err);
    if (!rc)
        rc = ds_cli_print_json(profile, &err);
    cJSON_Delete(request);
    cJSON_Delete(profile);
    return rc ? ds_cli_fail(&err) : DS_EXIT_OK;
}
