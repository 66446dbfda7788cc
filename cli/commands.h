/*
 * commands.h: the commands of `dsure`, one file each (cli/cmd_<name>.c).
 */
#ifndef DS_CLI_COMMANDS_H
#define DS_CLI_COMMANDS_H

#include "cli/cli.h"

int ds_cmd_demo(const ds_cli *cli, int argc, char **argv);
int ds_cmd_grade(const ds_cli *cli, int argc, char **argv);
int ds_cmd_quote(const ds_cli *cli, int argc, char **argv);
int ds_cmd_bind(const ds_cli *cli, int argc, char **argv);
int ds_cmd_aggregate(const ds_cli *cli, int argc, char **argv);
int ds_cmd_fit(const ds_cli *cli, int argc, char **argv);
int ds_cmd_credibility(const ds_cli *cli, int argc, char **argv);
int ds_cmd_init(const ds_cli *cli, int argc, char **argv);
int ds_cmd_ledger(const ds_cli *cli, int argc, char **argv);
int ds_cmd_merkle(const ds_cli *cli, int argc, char **argv);
int ds_cmd_claims(const ds_cli *cli, int argc, char **argv);
int ds_cmd_serve(const ds_cli *cli, int argc, char **argv);
int ds_cmd_keys(const ds_cli *cli, int argc, char **argv);

#endif
