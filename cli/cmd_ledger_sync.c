/*
 * cmd_ledger_sync.c: `dsure ledger sync --from URL [--key VERIFIER_KEY [--repin]]
 * [--api-key KEY] [--log ORIGIN] [--page N]` (DESIGN.md section 4, docs/sync.md).
 * Thin: parse, call claims/sync.h's ds_sync_run over HTTP, render
 *   {"origin", "from", "to", "appended", "checkpoint": "<signed note>"}.
 *
 * --key is required on the first sync of a log (the server does not publish its key) and is
 * pinned; later syncs use the pinned key, and a different --key is refused without --repin.
 * The API key comes from --api-key, else $DSURE_API_KEY (so it need not appear in `ps`).
 * Exit codes: 0 synced (or already up to date); 1 refused: bad signature, history changed or
 * went back, a proof or root that does not verify; 64 usage (and no --key on a first sync);
 * 65 invalid option or reply, another key than the pinned one; 66 no database, no such remote
 * log or checkpoint; 69 the remote could not be reached after the retries; 74 database error.
 */
#include "cli/cmd_ledger_sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claims/sync.h"
#include "data/db.h"

static const char usage_text[] =
    "dsure [--db PATH] ledger sync --from URL [--key VERIFIER_KEY [--repin]] [--api-key KEY]\n"
    "                              [--log ORIGIN] [--page N]";

int ds_cmd_ledger_sync(const ds_cli *cli, int argc, char **argv)
{
    enum { O_FROM, O_KEY, O_API_KEY, O_LOG, O_PAGE, O_REPIN, N_OPTS };
    ds_cli_opt opts[N_OPTS] = {
        {"--from", 1, NULL, 0}, {"--key", 1, NULL, 0},  {"--api-key", 1, NULL, 0},
        {"--log", 1, NULL, 0},  {"--page", 1, NULL, 0}, {"--repin", 0, NULL, 0},
    };
    ds_error err;
    ds_error_clear(&err);
    size_t n_positional = 0;
    if (ds_cli_parse(argc, argv, opts, N_OPTS, NULL, 0, &n_positional, &err)) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage_text);
    }
    if (!opts[O_FROM].is_set) {
        ds_error_set(&err, DS_EUSAGE, "--from", "is required");
        ds_cli_fail(&err);
        return ds_cli_usage(usage_text);
    }
    if (opts[O_REPIN].is_set && !opts[O_KEY].is_set) {
        ds_error_set(&err, DS_EUSAGE, "--repin", "needs --key");
        ds_cli_fail(&err);
        return ds_cli_usage(usage_text);
    }
    ds_sync_options so = {
        .source_url = opts[O_FROM].value,
        .origin = opts[O_LOG].is_set ? opts[O_LOG].value : NULL,
        .verifier_key = opts[O_KEY].is_set ? opts[O_KEY].value : NULL,
        .repin = opts[O_REPIN].is_set,
    };
    int rc = 0;
    if (opts[O_PAGE].is_set) {
        rc = ds_cli_opt_u64(&opts[O_PAGE], &so.page, &err);
        if (!rc && (so.page < 1 || so.page > DS_SYNC_MAX_PAGE))
            rc = ds_error_set(&err, DS_EINVAL, "--page", "must be between 1 and %d",
                              DS_SYNC_MAX_PAGE);
        if (rc)
            return ds_cli_fail(&err);
    }
    const char *api_key = opts[O_API_KEY].is_set ? opts[O_API_KEY].value : getenv("DSURE_API_KEY");

    ds_db *db = NULL;
    ds_sync_http *http = NULL;
    ds_sync_transport transport = {NULL, NULL};
    ds_sync_result result;
    memset(&result, 0, sizeof result);
    ds_db_options db_opts = {.must_exist = 1};
    rc = ds_sync_http_new(&http, &transport, so.source_url, api_key, &err);
    if (!rc)
        rc = ds_db_open(&db, cli->db_path, &db_opts, &err);
    if (!rc)
        rc = ds_sync_run(&result, db, &so, &transport, &err);
    if (!rc) {
        cJSON *out = cJSON_CreateObject();
        int built = out && cJSON_AddStringToObject(out, "origin", result.origin) &&
                    cJSON_AddNumberToObject(out, "from", (double)result.from) &&
                    cJSON_AddNumberToObject(out, "to", (double)result.to) &&
                    cJSON_AddNumberToObject(out, "appended", (double)result.appended) &&
                    cJSON_AddStringToObject(out, "checkpoint", result.note) &&
                    cJSON_AddStringToObject(out, "trust",
                                            result.trusted_on_first_use ? "first_use" : "pinned");
        if (built && result.trusted_on_first_use)
            fprintf(stderr, "dsure: trusting the key %s published for %s on first use; it is"
                            " pinned for every later sync (compare it with the platform's)\n",
                    so.source_url, result.origin);
        rc = built ? ds_cli_print_json(out, &err)
                   : ds_error_set(&err, DS_ENOMEM, NULL, "out of memory");
        cJSON_Delete(out);
    }
    ds_sync_result_clear(&result);
    ds_db_close(db);
    ds_sync_http_free(http);
    if (rc == DS_EUSAGE) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage_text);
    }
    return rc ? ds_cli_fail(&err) : DS_EXIT_OK;
}
