/*
 * cmd_init.c: `dsure init [--origin NAME] [--key PATH]` (DESIGN.md section 4).
 *
 * Creates the database or migrates it to the current schema. With --origin it also creates the
 * ledger log of that origin and its Ed25519 key file (mode 0600) at --key, or beside the database
 * as "<db>.<origin with every character outside [A-Za-z0-9._-] replaced by '_'>.key", stored as an
 * absolute path. An existing key file or origin is refused, never overwritten. Prints
 *   {"db": PATH, "schema_version": N, "log": {"origin", "key", "verifier_key"} | null}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "claims/ledger.h"
#include "cli/commands.h"
#include "data/db.h"

static const char usage_text[] = "dsure [--db PATH] init [--origin NAME] [--key PATH]";

/* "<db>.<sanitised origin>.key" into a malloc'd string. */
static char *default_key_path(const char *db_path, const char *origin)
{
    size_t n = strlen(db_path) + strlen(origin) + 6;
    char *path = malloc(n);
    if (!path)
        return NULL;
    size_t at = (size_t)snprintf(path, n, "%s.", db_path);
    for (const char *c = origin; *c; c++) {
        int keep = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || *c == '.' || *c == '-' || *c == '_';
        path[at++] = keep ? *c : '_';
    }
    snprintf(path + at, n - at, ".key");
    return path;
}

/*
 * The key path stored with the log is made absolute, so later commands find the key whatever
 * their working directory. Takes ownership of path; returns the new string (or path itself when
 * it is already absolute or the working directory is unknown), NULL on allocation failure.
 */
static char *absolute_path(char *path)
{
    if (!path || path[0] == '/')
        return path;
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        return path;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *abs = malloc(n);
    if (abs)
        snprintf(abs, n, "%s/%s", cwd, path[0] == '.' && path[1] == '/' ? path + 2 : path);
    free(path);
    return abs;
}

int ds_cmd_init(const ds_cli *cli, int argc, char **argv)
{
    ds_cli_opt opts[] = {{"--origin", 1, NULL, 0}, {"--key", 1, NULL, 0}};
    const char *positional[1];
    size_t n_positional;
    ds_error err;
    ds_error_clear(&err);
    if (ds_cli_parse(argc, argv, opts, 2, positional, 0, &n_positional, &err)) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage_text);
    }
    if (opts[1].is_set && !opts[0].is_set) {
        fprintf(stderr, "dsure: --key: needs --origin\n");
        return ds_cli_usage(usage_text);
    }

    ds_db *db = NULL;
    char *key_path = NULL, *vkey = NULL;
    cJSON *out = NULL;
    int rc = ds_db_open(&db, cli->db_path, NULL, &err);
    if (rc)
        goto done;
    int version;
    if ((rc = ds_db_schema_version(db, &version, &err)))
        goto done;
    if (opts[0].is_set) {
        key_path = absolute_path(opts[1].is_set ? strdup(opts[1].value)
                                                : default_key_path(cli->db_path, opts[0].value));
        if (!key_path) {
            rc = ds_error_set(&err, DS_ENOMEM, NULL, "out of memory");
            goto done;
        }
        if ((rc = ds_ledger_create(db, opts[0].value, key_path, &vkey, &err)))
            goto done;
    }
    out = cJSON_CreateObject();
    cJSON *log = NULL;
    if (!out || !cJSON_AddStringToObject(out, "db", cli->db_path) ||
        !cJSON_AddNumberToObject(out, "schema_version", version)) {
        rc = ds_error_set(&err, DS_ENOMEM, NULL, "out of memory");
        goto done;
    }
    if (vkey) {
        log = cJSON_AddObjectToObject(out, "log");
        if (!log || !cJSON_AddStringToObject(log, "origin", opts[0].value) ||
            !cJSON_AddStringToObject(log, "key", key_path) ||
            !cJSON_AddStringToObject(log, "verifier_key", vkey)) {
            rc = ds_error_set(&err, DS_ENOMEM, NULL, "out of memory");
            goto done;
        }
    } else if (!cJSON_AddNullToObject(out, "log")) {
        rc = ds_error_set(&err, DS_ENOMEM, NULL, "out of memory");
        goto done;
    }
    rc = ds_cli_print_json(out, &err);
done:
    cJSON_Delete(out);
    free(key_path);
    free(vkey);
    ds_db_close(db);
    return rc ? ds_cli_fail(&err) : DS_EXIT_OK;
}
