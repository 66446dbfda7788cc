/*
 * cmd_fit.c: `dsure fit INCIDENTS [--format json|csv|veris] [--years N]
 *                      [--target loss|records] [--truncation D]`
 *
 * Reads an incident history (data/incidents), fits poisson and negbin to the annual counts of
 * the history window and every severity family to the loss (or records) sizes
 * (actuarial/fit), and prints the result of DESIGN.md section 4 with these additions: "target",
 * "truncation", "window" {from, to}, "counts" (per year of the window), severity "n",
 * "skipped" [{incident, reason}] (incidents left out of a fit, and why), "currency" for VERIS,
 * "boundary": true on a candidate whose optimum is at the edge of its parameter space, and for
 * gpd "threshold" and "exceedances", severity "failed" [{dist, reason}] listing families whose
 * likelihood has no maximum inside the parameter space. When fewer than two sizes can be
 * fitted the severity part has "best": null, no candidates and an "error" saying why; the
 * frequency fit still stands.
 * Nothing reaches stdout unless the whole result was built.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actuarial/fit.h"
#include "cli/commands.h"
#include "data/incidents.h"
#include "data/json_in.h"

static const char usage_line[] = "dsure fit INCIDENTS [--format json|csv|veris] [--years N] "
                                 "[--target loss|records] [--truncation D]";

/* Adds {"name": value, ...} for n parameters; non-finite values become null. */
static cJSON *param_object(cJSON *parent, const char *key, const char *const *names,
                           const double *values, int n)
{
    cJSON *obj = cJSON_AddObjectToObject(parent, key);
    if (!obj)
        return NULL;
    for (int i = 0; i < n; i++) {
        if (!ds_json_add_number_or_null(obj, names[i], values[i]))
            return NULL;
    }
    return obj;
}

static int add_frequency(cJSON *root, const ds_incident_sample *s, ds_error *err)
{
    cJSON *freq = cJSON_AddObjectToObject(root, "frequency");
    if (!freq)
        return DS_ENOMEM;
    ds_freq_fit fits[2];
    static const ds_freq_family families[] = {DS_FREQ_POISSON, DS_FREQ_NEGBIN};
    for (int i = 0; i < 2; i++) {
        int rc = ds_fit_frequency(&fits[i], families[i], s->counts, s->n_years, err);
        if (rc)
            return rc;
    }
    int best = fits[1].aic < fits[0].aic ? 1 : 0;
    if (!cJSON_AddStringToObject(freq, "best", ds_freq_family_name(families[best])))
        return DS_ENOMEM;
    cJSON *list = cJSON_AddArrayToObject(freq, "candidates");
    if (!list)
        return DS_ENOMEM;
    for (int i = 0; i < 2; i++) {
        const ds_freq_fit *f = &fits[i];
        cJSON *c = cJSON_CreateObject();
        if (!c || !cJSON_AddItemToArray(list, c))
            return DS_ENOMEM;
        if (!cJSON_AddStringToObject(c, "dist", ds_freq_family_name(families[i])) ||
            !param_object(c, "params", f->names, f->params, f->n_params) ||
            !param_object(c, "stderr", f->names, f->stderr_, f->n_params) ||
            !ds_json_add_number_or_null(c, "loglik", f->loglik) ||
            !ds_json_add_number_or_null(c, "aic", f->aic))
            return DS_ENOMEM;
        if (f->is_boundary &&
            (!cJSON_AddTrueToObject(c, "boundary") ||
             !cJSON_AddStringToObject(c, "note", "variance <= mean: the likelihood increases "
                                                 "to the Poisson limit (size -> infinity)")))
            return DS_ENOMEM;
    }
    return 0;
}

static int add_severity(cJSON *root, const ds_incident_sample *s)
{
    cJSON *sev = cJSON_AddObjectToObject(root, "severity");
    if (!sev || !cJSON_AddNumberToObject(sev, "n", (double)s->n_sizes))
        return DS_ENOMEM;
    ds_sev_fits fits;
    ds_error fit_err;
    ds_error_clear(&fit_err);
    int rc = ds_fit_severity_all(&fits, s->sizes, s->n_sizes, s->truncation, &fit_err);
    if (rc == DS_ENOMEM)
        return rc;
    if (rc) {
        /* Too few or degenerate sizes: say so, keep the frequency fit. */
        if (!cJSON_AddNullToObject(sev, "best") || !cJSON_AddArrayToObject(sev, "candidates") ||
            !cJSON_AddStringToObject(sev, "error", fit_err.message))
            return DS_ENOMEM;
        return 0;
    }
    const ds_sev_fit *best = &fits.fits[fits.best];
    if (!cJSON_AddStringToObject(sev, "best", ds_sev_family_name(best->sev.family)))
        return DS_ENOMEM;
    cJSON *list = cJSON_AddArrayToObject(sev, "candidates");
    if (!list)
        return DS_ENOMEM;
    for (size_t i = 0; i < fits.n_fits; i++) {
        const ds_sev_fit *f = &fits.fits[i];
        int is_gpd = f->sev.family == DS_SEV_GPD;
        int n_shown = is_gpd ? 3 : f->n_params;   /* gpd shows its fixed mu too */
        cJSON *c = cJSON_CreateObject();
        if (!c || !cJSON_AddItemToArray(list, c))
            return DS_ENOMEM;
        if (!cJSON_AddStringToObject(c, "dist", ds_sev_family_name(f->sev.family)) ||
            !param_object(c, "params", f->names, f->params, n_shown) ||
            !param_object(c, "stderr", f->names, f->stderr_, n_shown) ||
            !ds_json_add_number_or_null(c, "loglik", f->loglik) ||
            !ds_json_add_number_or_null(c, "aic", f->aic) ||
            !ds_json_add_number_or_null(c, "bic", f->bic) ||
            !ds_json_add_number_or_null(c, "ks", f->ks) ||
            !ds_json_add_number_or_null(c, "ad", f->ad))
            return DS_ENOMEM;
        if (is_gpd && (!cJSON_AddNumberToObject(c, "threshold", f->threshold) ||
                       !cJSON_AddNumberToObject(c, "exceedances", (double)f->n)))
            return DS_ENOMEM;
        if (f->is_boundary && !cJSON_AddTrueToObject(c, "boundary"))
            return DS_ENOMEM;
    }
    if (fits.n_failed == 0)
        return 0;
    cJSON *failed = cJSON_AddArrayToObject(sev, "failed");
    if (!failed)
        return DS_ENOMEM;
    for (size_t i = 0; i < fits.n_failed; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(failed, o) ||
            !cJSON_AddStringToObject(o, "dist", ds_sev_family_name(fits.failed[i].family)) ||
            !cJSON_AddStringToObject(o, "reason", fits.failed[i].reason))
            return DS_ENOMEM;
    }
    return 0;
}

static int build(cJSON **out, ds_incidents *inc, ds_inc_target target, int years,
                 double truncation, ds_error *err)
{
    *out = NULL;
    ds_incident_sample *s;
    int rc = ds_incident_sizes(&s, inc, target, years, truncation, err);
    if (rc)
        return rc;
    cJSON *root = cJSON_CreateObject(), *window, *counts, *skipped;
    rc = DS_ENOMEM;
    if (!root || !cJSON_AddNumberToObject(root, "n", (double)s->n_incidents) ||
        !cJSON_AddNumberToObject(root, "history_years", (double)s->n_years) ||
        !(window = cJSON_AddObjectToObject(root, "window")) ||
        !cJSON_AddNumberToObject(window, "from", s->first_year) ||
        !cJSON_AddNumberToObject(window, "to", s->last_year) ||
        !(counts = cJSON_AddArrayToObject(root, "counts")) ||
        !cJSON_AddStringToObject(root, "target",
                                 target == DS_INC_TARGET_LOSS ? "loss" : "records") ||
        !cJSON_AddNumberToObject(root, "truncation", s->truncation))
        goto fail;
    for (size_t i = 0; i < s->n_years; i++) {
        cJSON *v = cJSON_CreateNumber(s->counts[i]);
        if (!v || !cJSON_AddItemToArray(counts, v))
            goto fail;
    }
    if (inc->currency[0] && target == DS_INC_TARGET_LOSS &&
        !cJSON_AddStringToObject(root, "currency", inc->currency))
        goto fail;
    if ((rc = add_frequency(root, s, err)) || (rc = add_severity(root, s)))
        goto fail;
    rc = DS_ENOMEM;
    if (!(skipped = cJSON_AddArrayToObject(root, "skipped")))
        goto fail;
    for (size_t i = 0; i < inc->n_skipped; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(skipped, o) ||
            !cJSON_AddStringToObject(o, "incident", inc->skipped[i].label) ||
            !cJSON_AddStringToObject(o, "reason", inc->skipped[i].reason))
            goto fail;
    }
    ds_incident_sample_free(s);
    *out = root;
    return 0;
fail:
    if (rc == DS_ENOMEM)
        ds_error_set(err, DS_ENOMEM, NULL, "out of memory building the result");
    ds_incident_sample_free(s);
    cJSON_Delete(root);
    return rc;
}

int ds_cmd_fit(const ds_cli *cli, int argc, char **argv)
{
    (void)cli;
    ds_cli_opt opts[] = {{"--format", 1, NULL, 0},
                         {"--years", 1, NULL, 0},
                         {"--target", 1, NULL, 0},
                         {"--truncation", 1, NULL, 0}};
    const char *pos[1];
    size_t n_pos;
    ds_error err;
    ds_error_clear(&err);
    if (ds_cli_parse(argc, argv, opts, 4, pos, 1, &n_pos, &err)) {
        ds_cli_fail(&err);
        return ds_cli_usage(usage_line);
    }
    if (n_pos != 1)
        return ds_cli_usage(usage_line);
    ds_inc_format format = DS_INC_FORMAT_AUTO;
    if (opts[0].is_set) {
        if (strcmp(opts[0].value, "json") == 0)
            format = DS_INC_FORMAT_JSON;
        else if (strcmp(opts[0].value, "csv") == 0)
            format = DS_INC_FORMAT_CSV;
        else if (strcmp(opts[0].value, "veris") == 0)
            format = DS_INC_FORMAT_VERIS;
        else
            return ds_cli_usage(usage_line);
    }
    int years = 0;
    if (opts[1].is_set) {
        uint64_t y;
        if (ds_cli_opt_u64(&opts[1], &y, &err))
            return ds_cli_fail(&err);
        if (y < 1 || y > 1000) {
            ds_error_set(&err, DS_EUSAGE, "--years", "must be between 1 and 1000");
            return ds_cli_fail(&err);
        }
        years = (int)y;
    }
    ds_inc_target target = DS_INC_TARGET_LOSS;
    if (opts[2].is_set) {
        if (strcmp(opts[2].value, "records") == 0)
            target = DS_INC_TARGET_RECORDS;
        else if (strcmp(opts[2].value, "loss") != 0)
            return ds_cli_usage(usage_line);
    }
    double truncation = -1.0;   /* the file's own, see ds_incident_sizes */
    if (opts[3].is_set) {
        if (ds_cli_opt_double(&opts[3], &truncation, &err))
            return ds_cli_fail(&err);
        if (truncation < 0.0) {
            ds_error_set(&err, DS_EUSAGE, "--truncation", "must be non-negative");
            return ds_cli_fail(&err);
        }
    }
    ds_incidents *inc;
    int rc = ds_incidents_load(&inc, pos[0], format, &err);
    if (rc)
        return ds_cli_fail(&err);
    cJSON *root;
    rc = build(&root, inc, target, years, truncation, &err);
    ds_incidents_free(inc);
    if (rc)
        return ds_cli_fail(&err);
    rc = ds_cli_print_json(root, &err);
    cJSON_Delete(root);
    return rc ? ds_cli_fail(&err) : DS_EXIT_OK;
}
