/*
 * cmd_credibility.c: `dsure credibility DATA.csv`: Buhlmann-Straub credibility.
 *
 * The CSV has columns group,period,ratio,weight (any order, extra columns ignored); every row
 * is checked before any arithmetic, with messages naming the line and column ("line 7: weight:
 * not a number"). Prints {"model": "buhlmann-straub", "collective", "within_variance",
 * "between_variance", "overall_mean", "groups": [{"group", "weight", "mean", "credibility",
 * "premium", "periods"}]}, groups in order of first appearance. Fewer than two groups, or no
 * group with two periods, is invalid input (exit 65).
 */
#include <stdio.h>
#include <stdlib.h>

#include "actuarial/credibility.h"
#include "cli/commands.h"
#include "data/csv.h"
#include "data/file.h"

static int read_observations(ds_cred_obs **out, size_t *n, const ds_csv *csv, ds_error *err)
{
    static const char *const names[] = {"group", "period", "ratio", "weight", NULL};
    size_t col[4];
    *out = NULL;
    int rc = ds_csv_columns(csv, names, col, 0, err);
    if (rc)
        return rc;
    size_t rows = ds_csv_n_rows(csv);
    ds_cred_obs *obs = malloc((rows ? rows : 1) * sizeof *obs);
    if (!obs)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    for (size_t r = 0; r < rows; r++) {
        char field[DS_ERROR_FIELD_MAX];
        obs[r].group = ds_csv_cell(csv, r, col[0]);
        if (!*obs[r].group) {
            rc = ds_error_set(err, DS_EINVAL, ds_csv_field(field, sizeof field, csv, r, col[0]),
                              "is required");
            goto fail;
        }
        if (!*ds_csv_cell(csv, r, col[1])) {
            rc = ds_error_set(err, DS_EINVAL, ds_csv_field(field, sizeof field, csv, r, col[1]),
                              "is required");
            goto fail;
        }
        if ((rc = ds_csv_number(&obs[r].ratio, csv, r, col[2], 0, err)) ||
            (rc = ds_csv_number(&obs[r].weight, csv, r, col[3], 0, err)))
            goto fail;
        if (!(obs[r].weight > 0.0)) {
            rc = ds_error_set(err, DS_EINVAL, ds_csv_field(field, sizeof field, csv, r, col[3]),
                              "must be positive");
            goto fail;
        }
    }
    *out = obs;
    *n = rows;
    return 0;
fail:
    free(obs);
    return rc;
}

static cJSON *render(const ds_cred_bs *r)
{
    cJSON *root = cJSON_CreateObject(), *groups;
    if (!root || !cJSON_AddStringToObject(root, "model", "buhlmann-straub") ||
        !cJSON_AddNumberToObject(root, "collective", r->collective) ||
        !cJSON_AddNumberToObject(root, "within_variance", r->within_variance) ||
        !cJSON_AddNumberToObject(root, "between_variance", r->between_variance) ||
        !cJSON_AddNumberToObject(root, "overall_mean", r->overall_mean) ||
        !(groups = cJSON_AddArrayToObject(root, "groups")))
        goto fail;
    for (size_t i = 0; i < r->n_groups; i++) {
        const ds_cred_group *g = &r->groups[i];
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(groups, o) ||
            !cJSON_AddStringToObject(o, "group", g->group) ||
            !cJSON_AddNumberToObject(o, "weight", g->weight) ||
            !cJSON_AddNumberToObject(o, "mean", g->mean) ||
            !cJSON_AddNumberToObject(o, "credibility", g->credibility) ||
            !cJSON_AddNumberToObject(o, "premium", g->premium) ||
            !cJSON_AddNumberToObject(o, "periods", (double)g->n_periods))
            goto fail;
    }
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

int ds_cmd_credibility(const ds_cli *cli, int argc, char **argv)
{
    (void)cli;
    static const char usage_line[] = "dsure credibility DATA.csv";
    const char *pos[1];
    size_t n_pos;
    ds_error err;
    ds_error_clear(&err);
    if (ds_cli_parse(argc, argv, NULL, 0, pos, 1, &n_pos, &err)) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage_line);
    }
    if (n_pos != 1)
        return ds_cli_usage(usage_line);
    char *text = NULL;
    size_t len;
    ds_csv *csv = NULL;
    ds_cred_obs *obs = NULL;
    ds_cred_bs *result = NULL;
    cJSON *root = NULL;
    size_t n = 0;
    int rc = ds_file_read(&text, &len, pos[0], DS_FILE_DEFAULT_CAP, &err);
    if (!rc)
        rc = ds_csv_parse(&csv, text, len, &err);
    if (!rc)
        rc = read_observations(&obs, &n, csv, &err);
    if (!rc)
        rc = ds_cred_buhlmann_straub(&result, obs, n, &err);
    if (!rc && !(root = render(result)))
        rc = ds_error_set(&err, DS_ENOMEM, NULL, "out of memory building the result");
    if (!rc)
        rc = ds_cli_print_json(root, &err);
    cJSON_Delete(root);
    ds_cred_bs_free(result);
    free(obs);
    ds_csv_free(csv);
    free(text);
    return rc ? ds_cli_fail(&err) : DS_EXIT_OK;
}
