/*
 * cmd_ledger.c: `dsure ledger append|root|prove|consistency|checkpoint|key|verify`
 * (DESIGN.md section 4). Thin: parse, call one claims/ledger.h use case, render.
 *
 *   append [FILE|-]               JSON Lines of records (blank lines skipped) or a JSON array;
 *                                 {"first_index": i, "size": n}; the batch is all or nothing
 *   root [--size N]               {"size": n, "root": hex}
 *   prove --index I [--size N]    {"index", "size", "leaf_hash", "path": [hex...]}
 *   consistency --from M [--to N] {"from", "to", "path": [hex...]}
 *   checkpoint                    signs and stores the tree head; prints the signed note
 *   key                           prints the verifier key line
 *   verify                        {"size", "nodes", "checkpoints", "ok": true}, or exit 1 naming
 *                                 the first bad entry, node or checkpoint on stderr
 *   sync --from URL ...           handed to cli/cmd_ledger_sync.c
 * Every subcommand takes --log ORIGIN (needed only when the database holds several logs).
 * The database must exist (`dsure init`): a missing one is exit 66, like a missing log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims/ledger.h"
#include "claims/ledger_json.h"
#include "cli/cmd_ledger_sync.h"
#include "cli/commands.h"
#include "data/db.h"
#include "data/file.h"
#include "data/json_batch.h"
#include "data/json_in.h"

static const char usage_text[] =
    "dsure [--db PATH] ledger SUBCOMMAND [--log ORIGIN] ...\n"
    "  append [FILE|-]                 append JSON Lines (or a JSON array) of records\n"
    "  root [--size N]                 tree root\n"
    "  prove --index I [--size N]      inclusion proof\n"
    "  consistency --from M [--to N]   consistency proof\n"
    "  checkpoint                      sign, store and print the current tree head\n"
    "  key                             print the verifier key\n"
    "  verify                          recompute every hash and check every checkpoint\n"
    "  sync --from URL ...             pull a remote log (see `dsure ledger sync --help`)";

/* Prints obj (taking ownership); a NULL obj or failed build is out of memory. */
static int emit(cJSON *obj, int built, ds_error *err)
{
    int rc = obj && built ? ds_cli_print_json(obj, err)
                          : ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    cJSON_Delete(obj);
    return rc;
}

/* An optional size option, defaulting to the log's size. */
static int opt_size(ds_ledger *lg, const ds_cli_opt *opt, uint64_t *out, ds_error *err)
{
    if (opt->is_set)
        return ds_cli_opt_u64(opt, out, err);
    return ds_ledger_size(lg, out, err);
}

static int run_append(ds_ledger *lg, const char *path, ds_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = ds_file_read(&text, &len, path, DS_FILE_DEFAULT_CAP, err);
    if (rc)
        return rc;
    /* A JSON array or JSON Lines ("line N"); a lone object is one line of JSON Lines. */
    ds_json_batch b;
    rc = ds_json_batch_read(&b, text, len, strcmp(path, "-") == 0 ? "stdin" : path, "line", 0,
                            err);
    free(text);
    uint64_t first = 0, size = 0;
    if (!rc)
        rc = ds_ledger_append(lg, b.items, b.n, b.line_no, &first, &size, err);
    ds_json_batch_clear(&b);
    if (rc)
        return rc;
    cJSON *out = cJSON_CreateObject();
    return emit(out,
                out && cJSON_AddNumberToObject(out, "first_index", (double)first) &&
                    cJSON_AddNumberToObject(out, "size", (double)size),
                err);
}

static int run_root(ds_ledger *lg, const ds_cli_opt *size_opt, ds_error *err)
{
    uint64_t size;
    uint8_t root[32];
    int rc = opt_size(lg, size_opt, &size, err);
    if (!rc)
        rc = ds_ledger_root(lg, size, root, err);
    if (rc)
        return rc;
    cJSON *out = ds_ledger_json_root(size, root);
    return emit(out, out != NULL, err);
}

static int run_prove(ds_ledger *lg, const ds_cli_opt *index_opt, const ds_cli_opt *size_opt,
                     ds_error *err)
{
    if (!index_opt->is_set)
        return ds_error_set(err, DS_EUSAGE, "--index", "is required");
    uint64_t index, size;
    int rc = ds_cli_opt_u64(index_opt, &index, err);
    if (!rc)
        rc = opt_size(lg, size_opt, &size, err);
    uint8_t leaf[32], path[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE];
    size_t n_path = 0;
    if (!rc)
        rc = ds_ledger_prove(lg, index, size, leaf, path, &n_path, err);
    if (rc)
        return rc;
    cJSON *out = ds_ledger_json_inclusion(index, size, leaf, path, n_path);
    return emit(out, out != NULL, err);
}

static int run_consistency(ds_ledger *lg, const ds_cli_opt *from_opt, const ds_cli_opt *to_opt,
                           ds_error *err)
{
    if (!from_opt->is_set)
        return ds_error_set(err, DS_EUSAGE, "--from", "is required");
    uint64_t from, to;
    int rc = ds_cli_opt_u64(from_opt, &from, err);
    if (!rc)
        rc = opt_size(lg, to_opt, &to, err);
    uint8_t path[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE];
    size_t n_path = 0;
    if (!rc)
        rc = ds_ledger_consistency(lg, from, to, path, &n_path, err);
    if (rc)
        return rc;
    cJSON *out = ds_ledger_json_consistency(from, to, path, n_path);
    return emit(out, out != NULL, err);
}

static int print_text(const char *text, int add_newline, ds_error *err)
{
    if (fputs(text, stdout) == EOF || (add_newline && fputc('\n', stdout) == EOF) ||
        fflush(stdout))
        return ds_error_set(err, DS_EIO, "stdout", "write failed");
    return 0;
}

static int run_checkpoint(ds_ledger *lg, ds_error *err)
{
    char *note = NULL;
    int rc = ds_ledger_checkpoint(lg, &note, err);
    if (!rc)
        rc = print_text(note, 0, err);
    free(note);
    return rc;
}

static int run_verify(ds_ledger *lg, ds_error *err)
{
    ds_ledger_verify_report report;
    int rc = ds_ledger_verify(lg, &report, err);
    if (rc)
        return rc;
    cJSON *out = cJSON_CreateObject();
    return emit(out,
                out && cJSON_AddStringToObject(out, "origin", ds_ledger_origin(lg)) &&
                    cJSON_AddNumberToObject(out, "size", (double)report.size) &&
                    cJSON_AddNumberToObject(out, "nodes", (double)report.n_nodes) &&
                    cJSON_AddNumberToObject(out, "checkpoints", (double)report.n_checkpoints) &&
                    cJSON_AddBoolToObject(out, "ok", 1),
                err);
}

int ds_cmd_ledger(const ds_cli *cli, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return ds_cli_usage(usage_text);
    const char *sub = argv[1];
    /* `sync` has its own options and file (cli/cmd_ledger_sync.c, docs/sync.md). */
    if (strcmp(sub, "sync") == 0)
        return ds_cmd_ledger_sync(cli, argc - 1, argv + 1);
    static const char *const known[] = {"append",     "root", "prove", "consistency",
                                        "checkpoint", "key",  "verify"};
    int is_known = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        is_known |= strcmp(sub, known[i]) == 0;
    if (!is_known) {
        fprintf(stderr, "dsure: ledger: unknown subcommand \"%s\"\n", sub);
        return ds_cli_usage(usage_text);
    }

    /* Only the options a subcommand uses are accepted: opts[0] is --log, then its own. */
    ds_cli_opt opts[3] = {{"--log", 1, NULL, 0}, {NULL, 1, NULL, 0}, {NULL, 1, NULL, 0}};
    size_t n_opts = 1;
    if (strcmp(sub, "root") == 0) {
        opts[1].name = "--size";
        n_opts = 2;
    } else if (strcmp(sub, "prove") == 0) {
        opts[1].name = "--index";
        opts[2].name = "--size";
        n_opts = 3;
    } else if (strcmp(sub, "consistency") == 0) {
        opts[1].name = "--from";
        opts[2].name = "--to";
        n_opts = 3;
    }
    const char *positional[1] = {NULL};
    size_t n_positional = 0;
    size_t max_positional = strcmp(sub, "append") == 0 ? 1 : 0;
    ds_error err;
    ds_error_clear(&err);
    if (ds_cli_parse(argc - 1, argv + 1, opts, n_opts, positional, max_positional, &n_positional,
                     &err)) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage_text);
    }

    ds_db *db = NULL;
    ds_ledger *lg = NULL;
    ds_db_options db_opts = {.must_exist = 1};
    int rc = ds_db_open(&db, cli->db_path, &db_opts, &err);
    if (!rc)
        rc = ds_ledger_open(&lg, db, opts[0].is_set ? opts[0].value : NULL, &err);
    if (!rc) {
        if (strcmp(sub, "append") == 0)
            rc = run_append(lg, n_positional ? positional[0] : "-", &err);
        else if (strcmp(sub, "root") == 0)
            rc = run_root(lg, &opts[1], &err);
        else if (strcmp(sub, "prove") == 0)
            rc = run_prove(lg, &opts[1], &opts[2], &err);
        else if (strcmp(sub, "consistency") == 0)
            rc = run_consistency(lg, &opts[1], &opts[2], &err);
        else if (strcmp(sub, "checkpoint") == 0)
            rc = run_checkpoint(lg, &err);
        else if (strcmp(sub, "key") == 0)
            rc = print_text(ds_ledger_verifier_key(lg), 1, &err);
        else
            rc = run_verify(lg, &err);
    }
    ds_ledger_free(lg);
    ds_db_close(db);
    if (rc == DS_EUSAGE) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage_text);
    }
    return rc ? ds_cli_fail(&err) : DS_EXIT_OK;
}
