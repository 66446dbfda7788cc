/*
 * cli.c: argument parsing, input, output and exit codes shared by all commands (see cli.h).
 */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/file.h"
#include "data/json_in.h"

int ds_cli_parse(int argc, char **argv, ds_cli_opt *opts, size_t n_opts, const char **positional,
                 size_t max_positional, size_t *n_positional, ds_error *err)
{
    *n_positional = 0;
    int options_done = 0;
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (options_done || word[0] != '-' || strcmp(word, "-") == 0) {
            if (*n_positional >= max_positional)
                return ds_error_set(err, DS_EUSAGE, NULL, "unexpected argument \"%s\"", word);
            positional[(*n_positional)++] = word;
            continue;
        }
        if (strcmp(word, "--") == 0) {
            options_done = 1;
            continue;
        }
        const char *eq = strchr(word, '=');
        size_t name_len = eq ? (size_t)(eq - word) : strlen(word);
        ds_cli_opt *opt = NULL;
        for (size_t k = 0; k < n_opts; k++) {
            if (strlen(opts[k].name) == name_len && strncmp(opts[k].name, word, name_len) == 0) {
                opt = &opts[k];
                break;
            }
        }
        if (!opt)
            return ds_error_set(err, DS_EUSAGE, NULL, "unknown option \"%.*s\"", (int)name_len,
                                word);
        opt->is_set = 1;
        if (!opt->takes_value) {
            if (eq)
                return ds_error_set(err, DS_EUSAGE, opt->name, "takes no value");
            continue;
        }
        if (eq) {
            opt->value = eq + 1;
        } else {
            if (i + 1 >= argc)
                return ds_error_set(err, DS_EUSAGE, opt->name, "needs a value");
            opt->value = argv[++i];
        }
    }
    return 0;
}

int ds_cli_opt_u64(const ds_cli_opt *opt, uint64_t *out, ds_error *err)
{
    const char *s = opt->value;
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return ds_error_set(err, DS_EUSAGE, opt->name, "must be a non-negative integer");
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return ds_error_set(err, DS_EUSAGE, opt->name, "must be a non-negative integer");
    *out = (uint64_t)v;
    return 0;
}

int ds_cli_opt_double(const ds_cli_opt *opt, double *out, ds_error *err)
{
    const char *s = opt->value;
    if (!s || !*s || *s == ' ')
        return ds_error_set(err, DS_EUSAGE, opt->name, "must be a number");
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return ds_error_set(err, DS_EUSAGE, opt->name, "must be a number");
    *out = v;
    return 0;
}

int ds_cli_read_json(cJSON **out, const char *path, ds_error *err)
{
    char *text;
    size_t len;
    int rc = ds_file_read(&text, &len, path, DS_FILE_DEFAULT_CAP, err);
    if (rc)
        return rc;
    rc = ds_json_parse(out, text, len, strcmp(path, "-") == 0 ? "stdin" : path, err);
    free(text);
    return rc;
}

int ds_cli_print_json(const cJSON *root, ds_error *err)
{
    char *text = cJSON_Print(root);
    if (!text)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory rendering JSON");
    int failed = fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout);
    cJSON_free(text);
    if (failed)
        return ds_error_set(err, DS_EIO, "stdout", "write failed: %s", strerror(errno));
    return 0;
}

int ds_cli_exit_code(int code)
{
    switch (code) {
    case DS_OK: return DS_EXIT_OK;
    case DS_EINVAL: return DS_EXIT_DATAERR;
    case DS_ECONFLICT: return DS_EXIT_DATAERR;
    case DS_ENOTFOUND: return DS_EXIT_NOINPUT;
    case DS_EIO: return DS_EXIT_IOERR;
    case DS_EUNAVAIL: return DS_EXIT_UNAVAILABLE;
    case DS_EMISMATCH: return DS_EXIT_CHECK_FAILED;
    case DS_EUSAGE: return DS_EXIT_USAGE;
    default: return DS_EXIT_SOFTWARE;
    }
}

int ds_cli_fail(const ds_error *err)
{
    fprintf(stderr, "dsure: %s\n", err->message[0] ? err->message : ds_error_name(err->code));
    return ds_cli_exit_code(err->code);
}

int ds_cli_usage(const char *usage)
{
    fprintf(stderr, "usage: %s\n", usage);
    return DS_EXIT_USAGE;
}
