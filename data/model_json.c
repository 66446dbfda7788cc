/*
 * model_json.c: the model and result JSON of `dsure aggregate` (see model_json.h).
 *
 * Reading goes field by field through data/json_in.h so that every mistake names its path;
 * parameter ranges are checked by the actuarial validators (ds_freq_validate, ds_sev_validate,
 * ds_agg_model_validate), which use the same paths, so a rule lives in one place.
 * Writing follows the key order of DESIGN.md section 4 exactly.
 */
#include "data/model_json.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/json_in.h"

/* ---------------------------------------------------------------------------------------- */
/* Reading.                                                                                  */

/* Reads the required number obj[key] into *out. */
static int need_number(double *out, const cJSON *obj, const char *path, const char *key,
                       ds_error *err)
{
    return ds_json_number(out, obj, path, key, DS_JSON_REQUIRED, err);
}

/* Reads the "dist" name of a distribution object at path. */
static int read_dist(const char **out, const cJSON *obj, const char *path, ds_error *err)
{
    int rc = ds_json_expect_object(obj, path, err);
    if (rc)
        return rc;
    return ds_json_string(out, obj, path, "dist", DS_JSON_REQUIRED, err);
}

static int unknown_dist(const char *path, const char *name, ds_error *err)
{
    char field[DS_PATH_MAX];
    return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "dist"),
                        "unknown distribution \"%s\"", name);
}

int ds_model_json_freq(ds_freq *out, const cJSON *obj, const char *path, ds_error *err)
{
    memset(out, 0, sizeof *out);
    const char *name;
    int rc = read_dist(&name, obj, path, err);
    if (rc)
        return rc;
    int family = ds_freq_family_from_name(name);
    if (family < 0)
        return unknown_dist(path, name, err);
    out->family = (ds_freq_family)family;
    switch (out->family) {
    case DS_FREQ_POISSON: {
        static const char *const keys[] = {"dist", "lambda", NULL};
        rc = ds_json_only_keys(obj, path, keys, err);
        if (!rc)
            rc = need_number(&out->lambda, obj, path, "lambda", err);
        break;
    }
    case DS_FREQ_NEGBIN: {
        static const char *const keys[] = {"dist", "size", "mu", NULL};
        rc = ds_json_only_keys(obj, path, keys, err);
        if (!rc)
            rc = need_number(&out->size, obj, path, "size", err);
        if (!rc)
            rc = need_number(&out->mu, obj, path, "mu", err);
        break;
    }
    case DS_FREQ_BINOMIAL: {
        static const char *const keys[] = {"dist", "n", "p", NULL};
        rc = ds_json_only_keys(obj, path, keys, err);
        int64_t n = 0;
        if (!rc)
            rc = ds_json_int64(&n, obj, path, "n", DS_JSON_REQUIRED, err);
        if (!rc && (n < 0 || n > (int64_t)UINT_MAX)) {
            char field[DS_PATH_MAX];
            rc = ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "n"),
                              "must be an integer in [0, %u]", UINT_MAX);
        }
        out->n = (unsigned)(rc ? 0 : n);
        if (!rc)
            rc = need_number(&out->p, obj, path, "p", err);
        break;
    }
    }
    if (rc)
        return rc;
    return ds_freq_validate(out, path, err);
}

/* One severity object; depth 0 for the top, 1 inside a spliced one (which may not nest). */
static int read_sev(ds_sev *out, const cJSON *obj, const char *path, int depth, ds_error *err)
{
    memset(out, 0, sizeof *out);
    out->family = DS_SEV_EXPONENTIAL; /* owns nothing until a spliced one is complete */
    const char *name;
    int rc = read_dist(&name, obj, path, err);
    if (rc)
        return rc;
    int family = ds_sev_family_from_name(name);
    if (family < 0)
        return unknown_dist(path, name, err);
    ds_sev s;
    memset(&s, 0, sizeof s);
    s.family = (ds_sev_family)family;
    switch (s.family) {
    case DS_SEV_LOGNORMAL: {
        static const char *const keys[] = {"dist", "meanlog", "sdlog", NULL};
        rc = ds_json_only_keys(obj, path, keys, err);
        if (!rc)
            rc = need_number(&s.u.lognormal.meanlog, obj, path, "meanlog", err);
        if (!rc)
            rc = need_number(&s.u.lognormal.sdlog, obj, path, "sdlog", err);
        break;
    }
    case DS_SEV_GAMMA: {
        static const char *const keys[] = {"dist", "shape", "rate", NULL};
        rc = ds_json_only_keys(obj, path, keys, err);
        if (!rc)
            rc = need_number(&s.u.gamma.shape, obj, path, "shape", err);
        if (!rc)
            rc = need_number(&s.u.gamma.rate, obj, path, "rate", err);
        break;
    }
    case DS_SEV_WEIBULL: {
        static const char *const keys[] = {"dist", "shape", "scale", NULL};
        rc = ds_json_only_keys(obj, path, keys, err);
        if (!rc)
            rc = need_number(&s.u.weibull.shape, obj, path, "shape", err);
        if (!rc)
            rc = need_number(&s.u.weibull.scale, obj, path, "scale", err);
        break;
    }
    case DS_SEV_EXPONENTIAL: {
        static const char *const keys[] = {"dist", "rate", NULL};
        rc = ds_json_only_keys(obj, path, keys, err);
        if (!rc)
            rc = need_number(&s.u.exponential.rate, obj, path, "rate", err);
        break;
    }
    case DS_SEV_PARETO: {
        static const char *const keys[] = {"dist", "shape", "scale", NULL};
        rc = ds_json_only_keys(obj, path, keys, err);
        if (!rc)
            rc = need_number(&s.u.pareto.shape, obj, path, "shape", err);
        if (!rc)
            rc = need_number(&s.u.pareto.scale, obj, path, "scale", err);
        break;
    }
    case DS_SEV_GPD: {
        static const char *const keys[] = {"dist", "xi", "sigma", "mu", NULL};
        rc = ds_json_only_keys(obj, path, keys, err);
        if (!rc)
            rc = need_number(&s.u.gpd.xi, obj, path, "xi", err);
        if (!rc)
            rc = need_number(&s.u.gpd.sigma, obj, path, "sigma", err);
        if (!rc)
            rc = need_number(&s.u.gpd.mu, obj, path, "mu", err);
        break;
    }
    case DS_SEV_SPLICED: {
        static const char *const keys[] = {"dist",      "body",        "tail",
                                           "threshold", "body_weight", NULL};
        char field[DS_PATH_MAX];
        if (depth > 0)
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "dist"),
                                "a spliced severity cannot be part of another one");
        rc = ds_json_only_keys(obj, path, keys, err);
        if (rc)
            return rc;
        const cJSON *body_obj, *tail_obj;
        rc = ds_json_object(&body_obj, obj, path, "body", DS_JSON_REQUIRED, err);
        if (!rc)
            rc = ds_json_object(&tail_obj, obj, path, "tail", DS_JSON_REQUIRED, err);
        if (!rc)
            rc = need_number(&s.u.spliced.threshold, obj, path, "threshold", err);
        double weight = NAN;
        if (!rc) {
            int got = ds_json_number(&weight, obj, path, "body_weight", DS_JSON_OPTIONAL, err);
            rc = got < 0 ? got : 0;
        }
        if (rc)
            return rc;
        s.u.spliced.body_weight = weight;
        s.u.spliced.body = calloc(1, sizeof *s.u.spliced.body);
        s.u.spliced.tail = calloc(1, sizeof *s.u.spliced.tail);
        if (!s.u.spliced.body || !s.u.spliced.tail) {
            free(s.u.spliced.body);
            free(s.u.spliced.tail);
            return ds_error_set(err, DS_ENOMEM, path, "out of memory");
        }
        /* From here s owns both parts: ds_sev_clear(&s) frees whatever was read. */
        s.u.spliced.body->family = DS_SEV_EXPONENTIAL;
        s.u.spliced.tail->family = DS_SEV_EXPONENTIAL;
        rc = read_sev(s.u.spliced.body, body_obj,
                      ds_path_key(field, sizeof field, path, "body"), depth + 1, err);
        if (!rc)
            rc = read_sev(s.u.spliced.tail, tail_obj,
                          ds_path_key(field, sizeof field, path, "tail"), depth + 1, err);
        if (!rc)
            rc = ds_sev_validate(&s, path, err);
        if (rc) {
            ds_sev_clear(&s);
            return rc;
        }
        *out = s;
        return 0;
    }
    }
    if (rc)
        return rc;
    rc = ds_sev_validate(&s, path, err);
    if (rc)
        return rc;
    *out = s;
    return 0;
}

int ds_model_json_sev(ds_sev *out, const cJSON *obj, const char *path, ds_error *err)
{
    return read_sev(out, obj, path, 0, err);
}

/* An optional number: absent or null leaves *out as it is. */
static int optional_number(double *out, const cJSON *obj, const char *path, const char *key,
                           ds_error *err)
{
    int rc = ds_json_number(out, obj, path, key, DS_JSON_OPTIONAL, err);
    return rc < 0 ? rc : 0;
}

int ds_model_json_terms(ds_agg_terms *out, const cJSON *obj, const char *path, ds_error *err)
{
    static const char *const keys[] = {"deductible", "limit", "coinsurance",
                                       "aggregate_deductible", "aggregate_limit", NULL};
    ds_agg_terms_none(out);
    int rc = ds_json_expect_object(obj, path, err);
    if (!rc)
        rc = ds_json_only_keys(obj, path, keys, err);
    if (!rc)
        rc = optional_number(&out->deductible, obj, path, "deductible", err);
    if (!rc)
        rc = optional_number(&out->limit, obj, path, "limit", err);
    if (!rc)
        rc = optional_number(&out->coinsurance, obj, path, "coinsurance", err);
    if (!rc)
        rc = optional_number(&out->aggregate_deductible, obj, path, "aggregate_deductible", err);
    if (!rc)
        rc = optional_number(&out->aggregate_limit, obj, path, "aggregate_limit", err);
    return rc;
}

/* A list of levels at path.key into p (at most DS_AGG_MAX_LEVELS); absent keeps the default. */
static int read_levels(double *p, size_t *n, const cJSON *obj, const char *path,
                       const char *key, ds_error *err)
{
    const cJSON *array;
    int rc = ds_json_array(&array, obj, path, key, DS_JSON_OPTIONAL, err);
    if (rc)
        return rc < 0 ? rc : 0;
    char field[DS_PATH_MAX], item_field[DS_PATH_MAX];
    ds_path_key(field, sizeof field, path, key);
    int count = cJSON_GetArraySize(array);
    if (count > DS_AGG_MAX_LEVELS)
        return ds_error_set(err, DS_EINVAL, field, "at most %d levels", DS_AGG_MAX_LEVELS);
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, array)
    {
        ds_path_index(item_field, sizeof item_field, field, i);
        rc = ds_json_node_number(&p[i], item, item_field, err);
        if (rc)
            return rc;
        if (!(p[i] > 0.0 && p[i] < 1.0))
            return ds_error_set(err, DS_EINVAL, item_field, "must be in (0, 1)");
        i++;
    }
    *n = i;
    return 0;
}

int ds_model_json_measures(ds_agg_measures *out, const cJSON *obj, const char *path,
                           ds_error *err)
{
    static const char *const keys[] = {"var", "tvar", "ep_points", NULL};
    ds_agg_measures_default(out);
    int rc = ds_json_expect_object(obj, path, err);
    if (!rc)
        rc = ds_json_only_keys(obj, path, keys, err);
    if (!rc)
        rc = read_levels(out->var_p, &out->n_var, obj, path, "var", err);
    if (!rc)
        rc = read_levels(out->tvar_p, &out->n_tvar, obj, path, "tvar", err);
    if (rc)
        return rc;
    int64_t ep_points = 0;
    rc = ds_json_int64(&ep_points, obj, path, "ep_points", DS_JSON_OPTIONAL, err);
    if (rc < 0)
        return rc;
    if (rc == DS_JSON_ABSENT)
        return 0;
    char field[DS_PATH_MAX];
    ds_path_key(field, sizeof field, path, "ep_points");
    if (ep_points < 0 || ep_points > DS_AGG_MAX_EP)
        return ds_error_set(err, DS_EINVAL, field, "must be an integer in [0, %d]",
                            DS_AGG_MAX_EP);
    if (ds_agg_measures_set_ep_points(out, (unsigned)ep_points))
        return ds_error_set(err, DS_EINVAL, field, "must be an integer in [0, %d]",
                            DS_AGG_MAX_EP);
    return 0;
}

int ds_model_json_agg(ds_agg_model *out, const cJSON *root, ds_error *err)
{
    static const char *const keys[] = {"frequency", "severity", "terms", "measures", NULL};
    memset(out, 0, sizeof *out);
    out->sev.family = DS_SEV_EXPONENTIAL;
    ds_agg_terms_none(&out->terms);
    ds_agg_measures_default(&out->measures);

    int rc = ds_json_expect_object(root, "", err);
    if (!rc)
        rc = ds_json_only_keys(root, "", keys, err);
    const cJSON *freq = NULL, *sev = NULL, *terms = NULL, *measures = NULL;
    if (!rc)
        rc = ds_json_object(&freq, root, "", "frequency", DS_JSON_REQUIRED, err);
    if (!rc)
        rc = ds_json_object(&sev, root, "", "severity", DS_JSON_REQUIRED, err);
    if (!rc) {
        rc = ds_json_object(&terms, root, "", "terms", DS_JSON_OPTIONAL, err);
        rc = rc < 0 ? rc : 0;
    }
    if (!rc) {
        rc = ds_json_object(&measures, root, "", "measures", DS_JSON_OPTIONAL, err);
        rc = rc < 0 ? rc : 0;
    }
    if (!rc)
        rc = ds_model_json_freq(&out->freq, freq, "frequency", err);
    if (!rc)
        rc = ds_model_json_sev(&out->sev, sev, "severity", err);
    if (!rc && terms)
        rc = ds_model_json_terms(&out->terms, terms, "terms", err);
    if (!rc && measures)
        rc = ds_model_json_measures(&out->measures, measures, "measures", err);
    if (!rc)
        rc = ds_agg_model_validate(out, err);
    if (rc)
        ds_agg_model_clear(out);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Writing.                                                                                  */

static int add_levels(cJSON *root, const char *key, const ds_agg_level *levels, size_t n)
{
    cJSON *array = cJSON_AddArrayToObject(root, key);
    if (!array)
        return -1;
    for (size_t i = 0; i < n; i++) {
        cJSON *item = cJSON_CreateObject();
        if (!item)
            return -1;
        cJSON_AddItemToArray(array, item);
        if (!ds_json_add_number_or_null(item, "p", levels[i].p) ||
            !ds_json_add_number_or_null(item, "value", levels[i].value))
            return -1;
    }
    return 0;
}

static cJSON *add_null(cJSON *root, const char *key)
{
    return cJSON_AddNullToObject(root, key);
}

cJSON *ds_model_json_agg_result(const ds_agg_result *r)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    int is_mc = r->method == DS_AGG_MC;
    int ok = cJSON_AddStringToObject(root, "method", ds_agg_method_name(r->method)) != NULL;
    if (is_mc) {
        ok = ok && ds_json_add_number_or_null(root, "sims", (double)r->sims);
        ok = ok && ds_json_add_number_or_null(root, "seed", (double)r->seed);
        ok = ok && ds_json_add_number_or_null(root, "threads", (double)r->threads);
    } else {
        ok = ok && add_null(root, "sims") && add_null(root, "seed") && add_null(root, "threads");
    }
    ok = ok && ds_json_add_number_or_null(root, "mean", r->mean);
    ok = ok && ds_json_add_number_or_null(root, "sd", r->sd);
    ok = ok && ds_json_add_number_or_null(root, "mean_stderr", is_mc ? r->mean_stderr : NAN);
    ok = ok && ds_json_add_number_or_null(root, "prob_zero", r->prob_zero);
    if (ok && r->has_exact) {
        cJSON *exact = cJSON_AddObjectToObject(root, "exact");
        ok = exact && ds_json_add_number_or_null(exact, "mean", r->exact_mean) &&
             ds_json_add_number_or_null(exact, "sd", r->exact_sd);
    } else {
        ok = ok && add_null(root, "exact");
    }
    ok = ok && add_levels(root, "var", r->var, r->n_var) == 0;
    ok = ok && add_levels(root, "tvar", r->tvar, r->n_tvar) == 0;
    cJSON *ep = ok ? cJSON_AddArrayToObject(root, "ep_curve") : NULL;
    ok = ok && ep;
    for (size_t i = 0; ok && i < r->n_ep; i++) {
        cJSON *item = cJSON_CreateObject();
        ok = item != NULL;
        if (ok) {
            cJSON_AddItemToArray(ep, item);
            ok = ds_json_add_number_or_null(item, "return_period", r->ep[i].return_period) &&
                 ds_json_add_number_or_null(item, "loss", r->ep[i].loss);
        }
    }
    if (ok && !is_mc) {
        ok = ds_json_add_number_or_null(root, "span", r->span) != NULL;
        cJSON *disc = ok ? cJSON_AddObjectToObject(root, "discretization") : NULL;
        ok = disc && cJSON_AddStringToObject(disc, "method", r->discretization
                                                                 ? r->discretization
                                                                 : "rounding") &&
             ds_json_add_number_or_null(disc, "points", (double)r->points) &&
             ds_json_add_number_or_null(disc, "tail_mass", r->tail_mass);
        if (ok && r->method == DS_AGG_FFT)
            ok = ds_json_add_number_or_null(disc, "tilt", r->tilt) != NULL;
    }
    /* Milliseconds to the microsecond: finer digits are noise. */
    ok = ok && ds_json_add_number_or_null(root, "elapsed_ms", round(r->elapsed_ms * 1e3) / 1e3);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
