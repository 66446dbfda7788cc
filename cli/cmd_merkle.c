/*
 * cmd_merkle.c: `dsure merkle root|prove|consistency --leaves FILE ...`, the stateless RFC 9162
 * tool over raw leaves (DESIGN.md section 4), for auditors and interoperability checks: the same
 * claims/merkle.c functions the ledger uses, over an in-memory tree instead of the database.
 *
 *   dsure merkle root        --leaves FILE [--size N]
 *   dsure merkle prove       --leaves FILE --index I [--size N]
 *   dsure merkle consistency --leaves FILE --from M [--to N]
 *
 * The leaves file holds one hex-encoded leaf (the raw entry, not its hash) per line:
 *   - an empty line is the empty leaf; a final newline does not start another leaf, so a file
 *     "00\n" has one leaf and an empty file none;
 *   - a line ending in CR LF ends at the CR (files written on Windows work); a CR anywhere else
 *     is an invalid character;
 *   - upper- and lowercase digits are accepted; anything else (spaces, "0x", an odd number of
 *     digits) is refused naming the line: `line 3: not valid hex: character 5 is 'g'`.
 * --size / --to default to the number of leaves. Output is the JSON of `dsure ledger root`,
 * `prove` and `consistency`, hashes as lowercase hex.
 *
 * Exit codes: 64 usage (unknown subcommand or option, missing --leaves/--index/--from, an option
 * value that is not a non-negative integer), 65 invalid input (bad hex, a size or index out of
 * range, named by option), 66 the leaves file does not exist.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "claims/merkle.h"
#include "claims/ledger_json.h"
#include "cli/commands.h"
#include "data/file.h"
#include "data/hex.h"

#define USAGE_ROOT "dsure merkle root --leaves FILE [--size N]"
#define USAGE_PROVE "dsure merkle prove --leaves FILE --index I [--size N]"
#define USAGE_CONSISTENCY "dsure merkle consistency --leaves FILE --from M [--to N]"
#define USAGE                                                                                   \
    USAGE_ROOT "\n       " USAGE_PROVE "\n       " USAGE_CONSISTENCY

/* Leaf hashes of every line of text[0..len-1]; caller frees *out with free(). */
static int read_leaf_hashes(uint8_t (**out)[DS_MERKLE_HASH_SIZE], uint64_t *n_out,
                            const char *text, size_t len, ds_error *err)
{
    *out = NULL;
    *n_out = 0;
    size_t n_lines = 0;
    for (size_t i = 0; i < len; i++)
        n_lines += text[i] == '\n';
    if (len > 0 && text[len - 1] != '\n')
        n_lines++; /* a last line without its newline */
    if (n_lines == 0)
        return 0;

    uint8_t (*hashes)[DS_MERKLE_HASH_SIZE] = malloc(n_lines * DS_MERKLE_HASH_SIZE);
    /* The longest line bounds every decoded leaf; one buffer serves them all. */
    size_t longest = 0;
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        if (end - start > longest)
            longest = end - start;
        start = end + 1;
    }
    uint8_t *entry = malloc(longest / 2 + 1);
    if (!hashes || !entry) {
        free(hashes);
        free(entry);
        return ds_error_set(err, DS_ENOMEM, "--leaves", "out of memory for %zu leaves",
                            n_lines);
    }

    size_t line = 0;
    for (size_t start = 0; line < n_lines; line++) {
        const char *nl = start < len ? memchr(text + start, '\n', len - start) : NULL;
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t line_len = end - start;
        if (line_len > 0 && text[end - 1] == '\r')
            line_len--; /* CR LF */
        char field[32];
        snprintf(field, sizeof field, "line %zu", line + 1);
        size_t n_entry;
        int rc = ds_hex_decode(entry, longest / 2 + 1, &n_entry, text + start, line_len, field,
                               err);
        if (rc) {
            free(hashes);
            free(entry);
            return rc;
        }
        ds_merkle_leaf_hash(hashes[line], entry, n_entry);
        start = end + 1;
    }
    free(entry);
    *out = hashes;
    *n_out = n_lines;
    return 0;
}

/* Builds the in-memory tree from the leaves file named by the --leaves option. */
static int load_tree(ds_merkle_mem **out, const char *path, ds_error *err)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = ds_file_read(&text, &len, path, DS_FILE_DEFAULT_CAP, err);
    if (rc)
        return rc;
    uint8_t (*hashes)[DS_MERKLE_HASH_SIZE] = NULL;
    uint64_t n = 0;
    rc = read_leaf_hashes(&hashes, &n, text, len, err);
    free(text);
    if (rc)
        return rc;
    rc = ds_merkle_mem_new(out, (const uint8_t (*)[DS_MERKLE_HASH_SIZE])hashes, n, err);
    free(hashes);
    return rc;
}

/* The value of a size option, defaulting to the number of leaves and bounded by it. */
static int size_option(uint64_t *out, const ds_cli_opt *opt, uint64_t n_leaves, ds_error *err)
{
    *out = n_leaves;
    if (!opt->is_set)
        return 0;
    int rc = ds_cli_opt_u64(opt, out, err);
    if (rc)
        return rc;
    if (*out > n_leaves)
        return ds_error_set(err, DS_EINVAL, opt->name,
                            "must be at most the number of leaves (%" PRIu64 ")", n_leaves);
    return 0;
}

/* Prints obj (consumed) or reports the allocation failure that left it incomplete. */
static int print_result(cJSON *obj, int is_complete, ds_error *err)
{
    int rc = is_complete ? ds_cli_print_json(obj, err)
                         : ds_error_set(err, DS_ENOMEM, NULL, "out of memory rendering JSON");
    cJSON_Delete(obj);
    return rc;
}

static int run_root(ds_merkle_mem *mem, ds_cli_opt *opt_size, ds_error *err)
{
    uint64_t size;
    int rc = size_option(&size, opt_size, ds_merkle_mem_size(mem), err);
    if (rc)
        return rc;
    uint8_t root[DS_MERKLE_HASH_SIZE];
    rc = ds_merkle_root(root, size, ds_merkle_mem_node, mem, err);
    if (rc)
        return rc;
    cJSON *obj = ds_ledger_json_root(size, root);
    return print_result(obj, obj != NULL, err);
}

static int run_prove(ds_merkle_mem *mem, ds_cli_opt *opt_index, ds_cli_opt *opt_size,
                     ds_error *err)
{
    uint64_t size, index;
    int rc = ds_cli_opt_u64(opt_index, &index, err);
    if (!rc)
        rc = size_option(&size, opt_size, ds_merkle_mem_size(mem), err);
    if (rc)
        return rc;
    if (size == 0)
        return ds_error_set(err, DS_EINVAL, opt_size->is_set ? "--size" : "--leaves",
                            "an inclusion proof needs a tree of at least one leaf");
    if (index >= size)
        return ds_error_set(err, DS_EINVAL, "--index", "must be less than size %" PRIu64, size);
    uint8_t path[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE], leaf[DS_MERKLE_HASH_SIZE];
    size_t n_path;
    rc = ds_merkle_inclusion_proof(path, &n_path, index, size, ds_merkle_mem_node, mem, err);
    if (rc)
        return rc;
    if (ds_merkle_mem_node(mem, 0, index, leaf)) /* index < size <= leaves: cannot fail */
        return ds_error_set(err, DS_EINTERNAL, NULL, "leaf %" PRIu64 " missing", index);
    cJSON *obj = ds_ledger_json_inclusion(index, size, leaf, path, n_path);
    return print_result(obj, obj != NULL, err);
}

static int run_consistency(ds_merkle_mem *mem, ds_cli_opt *opt_from, ds_cli_opt *opt_to,
                           ds_error *err)
{
    uint64_t from, to;
    int rc = ds_cli_opt_u64(opt_from, &from, err);
    if (!rc)
        rc = size_option(&to, opt_to, ds_merkle_mem_size(mem), err);
    if (rc)
        return rc;
    if (from > to)
        return ds_error_set(err, DS_EINVAL, "--from", "must be at most --to (%" PRIu64 ")", to);
    uint8_t path[DS_MERKLE_MAX_PROOF][DS_MERKLE_HASH_SIZE];
    size_t n_path;
    rc = ds_merkle_consistency_proof(path, &n_path, from, to, ds_merkle_mem_node, mem, err);
    if (rc)
        return rc;
    cJSON *obj = ds_ledger_json_consistency(from, to, path, n_path);
    return print_result(obj, obj != NULL, err);
}

int ds_cmd_merkle(const ds_cli *cli, int argc, char **argv)
{
    (void)cli; /* stateless: no database */
    if (argc < 2)
        return ds_cli_usage(USAGE);
    const char *sub = argv[1];
    int is_root = strcmp(sub, "root") == 0, is_prove = strcmp(sub, "prove") == 0,
        is_consistency = strcmp(sub, "consistency") == 0;
    if (!is_root && !is_prove && !is_consistency) {
        fprintf(stderr, "dsure: merkle: unknown subcommand \"%s\"\n", sub);
        return ds_cli_usage(USAGE);
    }
    const char *usage = is_root ? USAGE_ROOT : is_prove ? USAGE_PROVE : USAGE_CONSISTENCY;

    /* Each subcommand accepts only its own options, so a misplaced one is a usage error. */
    ds_cli_opt opts[3] = {{"--leaves", 1, NULL, 0}};
    size_t n_opts = 1;
    if (is_root) {
        opts[n_opts++] = (ds_cli_opt){"--size", 1, NULL, 0};
    } else if (is_prove) {
        opts[n_opts++] = (ds_cli_opt){"--index", 1, NULL, 0};
        opts[n_opts++] = (ds_cli_opt){"--size", 1, NULL, 0};
    } else {
        opts[n_opts++] = (ds_cli_opt){"--from", 1, NULL, 0};
        opts[n_opts++] = (ds_cli_opt){"--to", 1, NULL, 0};
    }
    ds_error err;
    ds_error_clear(&err);
    const char *positional[1];
    size_t n_positional;
    if (ds_cli_parse(argc - 1, argv + 1, opts, n_opts, positional, 0, &n_positional, &err)) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage);
    }
    if (!opts[0].is_set || (!is_root && !opts[1].is_set)) {
        fprintf(stderr, "dsure: merkle %s: %s is required\n", sub,
                !opts[0].is_set ? "--leaves" : opts[1].name);
        return ds_cli_usage(usage);
    }

    ds_merkle_mem *mem = NULL;
    int rc = load_tree(&mem, opts[0].value, &err);
    if (!rc) {
        if (is_root)
            rc = run_root(mem, &opts[1], &err);
        else if (is_prove)
            rc = run_prove(mem, &opts[1], &opts[2], &err);
        else
            rc = run_consistency(mem, &opts[1], &opts[2], &err);
    }
    ds_merkle_mem_free(mem);
    return rc ? ds_cli_fail(&err) : DS_EXIT_OK;
}
