/*
 * cmd_ledger.c: placeholder until its issue lands; replaced by the real command.
 */
#include <stdio.h>

#include "cli/commands.h"

int ds_cmd_ledger(const ds_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    fprintf(stderr, "dsure: %s is not built yet\n", argv[0]);
    return DS_EXIT_SOFTWARE;
}
