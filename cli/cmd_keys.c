/*
 * cmd_keys.c: `dsure keys create --role insurer|platform|adjuster|admin [--platform ID]` makes
 * an API key for the HTTP server (web/auth.h) and prints
 *   {"key": "dsk_...", "role": "...", "platform": "..." | null}
 * The key is shown only this once: the database keeps its SHA-256. --platform is required for
 * the platform role and refused for the others.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/commands.h"
#include "data/db.h"
#include "web/auth.h"

static const char usage_text[] =
    "dsure [--db PATH] keys create --role insurer|platform|adjuster|admin [--platform ID]";

int ds_cmd_keys(const ds_cli *cli, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "create") != 0)
        return ds_cli_usage(usage_text);
    ds_cli_opt opts[] = {{"--role", 1, NULL, 0}, {"--platform", 1, NULL, 0}};
    const char *positional[1];
    size_t n_positional;
    ds_error err;
    ds_error_clear(&err);
    if (ds_cli_parse(argc - 1, argv + 1, opts, 2, positional, 0, &n_positional, &err)) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage_text);
    }
    if (!opts[0].is_set) {
        fprintf(stderr, "dsure: --role: is required\n");
        return ds_cli_usage(usage_text);
    }
    const char *role = opts[0].value, *platform = opts[1].is_set ? opts[1].value : NULL;
    if (!ds_auth_role_of(role)) {
        fprintf(stderr, "dsure: --role: must be insurer, platform, adjuster or admin\n");
        return ds_cli_usage(usage_text);
    }
    if ((strcmp(role, "platform") == 0) != (platform != NULL)) {
        fprintf(stderr, "dsure: --platform: %s\n",
                platform ? "is only for the platform role" : "is required for the platform role");
        return ds_cli_usage(usage_text);
    }
    ds_db *db = NULL;
    cJSON *out = NULL;
    char key[DS_AUTH_KEY_LEN + 1];
    int rc = ds_db_open(&db, cli->db_path, NULL, &err);
    if (!rc)
        rc = ds_auth_create_key(key, NULL, db, role, platform, &err);
    ds_db_close(db);
    if (!rc) {
        out = cJSON_CreateObject();
        if (!out || !cJSON_AddStringToObject(out, "key", key) ||
            !cJSON_AddStringToObject(out, "role", role) ||
            !(platform ? cJSON_AddStringToObject(out, "platform", platform)
                       : cJSON_AddNullToObject(out, "platform")))
            rc = ds_error_set(&err, DS_ENOMEM, NULL, "out of memory");
        else
            rc = ds_cli_print_json(out, &err);
        OPENSSL_cleanse(key, sizeof key);
    }
    cJSON_Delete(out);
    return rc ? ds_cli_fail(&err) : DS_EXIT_OK;
}
