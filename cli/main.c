/*
 * main.c: `dsure [--db PATH] COMMAND [OPTIONS] [FILE|-]`.
 *
 * Reads the global options, switches GSL's abort-on-error handler off (library code checks
 * GSL's return codes instead), and hands the rest of argv to the command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "cli/commands.h"

typedef struct {
    const char *name;
    int (*run)(const ds_cli *cli, int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"demo", ds_cmd_demo, "run the main job on a fresh dsure-demo.db and print a summary"},
    {"init", ds_cmd_init, "create or migrate the database and the ledger key"},
    {"grade", ds_cmd_grade, "grade data assets (GB/T 43697-2024); prints the profile"},
    {"quote", ds_cmd_quote, "price a policy"},
    {"bind", ds_cmd_bind, "turn a saved quote into a policy"},
    {"aggregate", ds_cmd_aggregate, "aggregate loss distribution and risk measures"},
    {"fit", ds_cmd_fit, "fit frequency and severity models to incident history"},
    {"credibility", ds_cmd_credibility, "Buhlmann-Straub credibility from a CSV"},
    {"ledger", ds_cmd_ledger, "provenance ledger: append, checkpoint, prove, verify, ..."},
    {"merkle", ds_cmd_merkle, "stateless RFC 9162 tool over raw leaves"},
    {"claims", ds_cmd_claims, "verify and settle a batch of claims: claims adjudicate BATCH"},
    {"serve", ds_cmd_serve, "HTTP API and web page"},
    {"keys", ds_cmd_keys, "create API keys for the HTTP API"},
};

static int usage(void)
{
    fprintf(stderr, "usage: dsure [--db PATH] COMMAND [OPTIONS] [FILE|-]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(stderr, "  %-12s %s\n", commands[i].name, commands[i].summary);
    return DS_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    ds_cli cli = {.db_path = getenv("DSURE_DB"), .stderr_is_tty = isatty(STDERR_FILENO)};
    if (!cli.db_path || !*cli.db_path)
        cli.db_path = "./dsure.db";

    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            cli.db_path = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            cli.db_path = argv[i] + 5;
            i++;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return DS_EXIT_OK;
        } else {
            fprintf(stderr, "dsure: unknown global option \"%s\"\n", argv[i]);
            return usage();
        }
    }
    if (i >= argc)
        return usage();
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
        if (strcmp(argv[i], commands[k].name) == 0)
            return commands[k].run(&cli, argc - i, argv + i);
    }
    fprintf(stderr, "dsure: unknown command \"%s\"\n", argv[i]);
    return usage();
}
