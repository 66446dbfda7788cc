/*
 * cli.h: what every `dsure` command shares: the context from the global options, argument
 * parsing, input reading, JSON output and the mapping of DS_E* codes to exit codes
 * (DESIGN.md section 4).
 *
 * Commands are `int ds_cmd_<name>(const ds_cli *cli, int argc, char **argv)`: argv[0] is the
 * command name, the return value is the process exit code. Only cli/ turns errors into exit
 * codes; everything below returns DS_E* codes.
 */
#ifndef DS_CLI_CLI_H
#define DS_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"

enum {
    DS_EXIT_OK = 0,
    DS_EXIT_CHECK_FAILED = 1,
    DS_EXIT_USAGE = 64,
    DS_EXIT_DATAERR = 65,
    DS_EXIT_NOINPUT = 66,
    DS_EXIT_UNAVAILABLE = 69,
    DS_EXIT_SOFTWARE = 70,
    DS_EXIT_IOERR = 74
};

typedef struct ds_cli {
    const char *db_path;   /* --db, else $DSURE_DB, else ./dsure.db */
    int stderr_is_tty;     /* progress output only when set */
} ds_cli;

/* One option of a command: "--sims" with a value, or a flag. */
typedef struct ds_cli_opt {
    const char *name;      /* with the dashes: "--sims" */
    int takes_value;
    const char *value;     /* set by ds_cli_parse (borrowed from argv) */
    int is_set;
} ds_cli_opt;

/*
 * Parses argv[1..argc-1] (argv[0] is the command or subcommand) into opts, accepting
 * "--name value" and "--name=value"; the remaining words go to positional (at most
 * max_positional). Unknown options, a missing value or too many words: DS_EUSAGE.
 */
int ds_cli_parse(int argc, char **argv, ds_cli_opt *opts, size_t n_opts, const char **positional,
                 size_t max_positional, size_t *n_positional, ds_error *err);

/* Strict number parsing of an option's value; the message names the option. */
int ds_cli_opt_u64(const ds_cli_opt *opt, uint64_t *out, ds_error *err);
int ds_cli_opt_double(const ds_cli_opt *opt, double *out, ds_error *err);

/* Reads a JSON document from path ("-": stdin); what names it in messages. */
int ds_cli_read_json(cJSON **out, const char *path, ds_error *err);

/* Prints root to stdout as one JSON object followed by a newline. DS_EIO if stdout fails. */
int ds_cli_print_json(const cJSON *root, ds_error *err);

/* Maps a DS_E* code to the exit code of DESIGN.md section 4. */
int ds_cli_exit_code(int code);

/* Prints "dsure: <message>" on stderr and returns the exit code for err->code. */
int ds_cli_fail(const ds_error *err);

/* Prints a usage line for a command on stderr and returns DS_EXIT_USAGE. */
int ds_cli_usage(const char *usage);

#endif
