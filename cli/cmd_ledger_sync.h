/*
 * cmd_ledger_sync.h: `dsure ledger sync`, dispatched from cli/cmd_ledger.c.
 */
#ifndef DS_CLI_CMD_LEDGER_SYNC_H
#define DS_CLI_CMD_LEDGER_SYNC_H

#include "cli/cli.h"

/* argv[0] is "sync"; returns the exit code (DESIGN.md section 4). */
int ds_cmd_ledger_sync(const ds_cli *cli, int argc, char **argv);

#endif
