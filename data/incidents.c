/*
 * incidents.c: incident history readers (dsure JSON, CSV, VERIS) and the shaping of a history
 * into annual counts and sizes for fitting (see incidents.h for the formats and rules).
 *
 * VERIS fields are read with the same typed getters as every other JSON input, each with its
 * own ds_error: a failure there becomes the skip reason ("timeline.incident.year: ...") rather
 * than an error, because VERIS data are external and incomplete by nature.
 */
#include "data/incidents.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/csv.h"
#include "data/date.h"
#include "data/file.h"
#include "data/json_in.h"
#include "data/money.h"

#define MAX_HISTORY_YEARS 1000
/* Losses above this many currency units are refused: their minor units would leave the range
   where doubles (and JSON numbers) are exact integers, 2^53 ~ 9.007e15. */
#define MAX_LOSS 1e13

static const char *const kinds[] = {"exfiltration", "ransomware", "misuse", "outage", "loss",
                                    NULL};

/* Copies src into dst[cap], cutting it short if needed (labels and reasons are for humans). */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void ds_incidents_free(ds_incidents *inc)
{
    if (!inc)
        return;
    free(inc->items);
    free(inc->skipped);
    free(inc);
}

ds_incidents *ds_incidents_new(void)
{
    return calloc(1, sizeof(ds_incidents));
}

static ds_incident *incidents_add(ds_incidents *inc)
{
    if (inc->n == inc->cap) {
        size_t ncap = inc->cap ? 2 * inc->cap : 32;
        ds_incident *items = realloc(inc->items, ncap * sizeof *items);
        if (!items)
            return NULL;
        inc->items = items;
        inc->cap = ncap;
    }
    ds_incident *it = &inc->items[inc->n++];
    memset(it, 0, sizeof *it);
    it->month = it->day = 1;
    return it;
}

int ds_incidents_skip(ds_incidents *inc, const char *label, const char *reason)
{
    if (inc->n_skipped == inc->cap_skipped) {
        size_t ncap = inc->cap_skipped ? 2 * inc->cap_skipped : 16;
        ds_inc_skip *s = realloc(inc->skipped, ncap * sizeof *s);
        if (!s)
            return DS_ENOMEM;
        inc->skipped = s;
        inc->cap_skipped = ncap;
    }
    ds_inc_skip *s = &inc->skipped[inc->n_skipped++];
    copy_str(s->label, sizeof s->label, label);
    copy_str(s->reason, sizeof s->reason, reason);
    return 0;
}

/* A real calendar day: the civil date survives the round trip through day numbers. */
static int is_calendar_day(int64_t y, int64_t m, int64_t d)
{
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    int64_t y2;
    unsigned m2, d2;
    ds_civil_from_days(ds_days_from_civil(y, (unsigned)m, (unsigned)d), &y2, &m2, &d2);
    return y2 == y && m2 == (unsigned)m && d2 == (unsigned)d;
}

int ds_date_parse(const char *s, int *year, int *month, int *day)
{
    int64_t days, y;
    unsigned m, d;
    if (!s || ds_date_parse_days(&days, s) != 0)
        return DS_EINVAL;
    ds_civil_from_days(days, &y, &m, &d);
    if (y < 1 || y > 9999)
        return DS_EINVAL;
    *year = (int)y;
    *month = (int)m;
    *day = (int)d;
    return 0;
}

static int check_kind(const char *kind, const char *field, ds_error *err)
{
    for (const char *const *k = kinds; *k; k++) {
        if (strcmp(kind, *k) == 0)
            return 0;
    }
    return ds_error_set(err, DS_EINVAL, field,
                        "unknown kind \"%s\" (exfiltration, ransomware, misuse, outage, loss)",
                        kind);
}

static int loss_to_minor(int64_t *out, double loss, const char *field, ds_error *err)
{
    if (!(loss >= 0.0))
        return ds_error_set(err, DS_EINVAL, field, "must be non-negative, got %g", loss);
    if (loss > MAX_LOSS)
        return ds_error_set(err, DS_EINVAL, field, "too large (over %g)", MAX_LOSS);
    *out = (int64_t)llround(loss * 100.0);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* dsure JSON                                                                                  */

int ds_incidents_read_list(ds_incidents *inc, const cJSON *list, const char *list_path,
                           ds_error *err)
{
    static const char *const item_keys[] = {"id", "date", "kind", "records", "loss", NULL};
    int rc = 0;
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list)
    {
        char path[DS_PATH_MAX], field[DS_PATH_MAX];
        ds_path_index(path, sizeof path, list_path, i++);
        if ((rc = ds_json_expect_object(item, path, err)) ||
            (rc = ds_json_only_keys(item, path, item_keys, err)))
            return rc;
        ds_incident *it = incidents_add(inc);
        if (!it)
            return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        copy_str(it->label, sizeof it->label, path);
        const char *date;
        if ((rc = ds_json_string(&date, item, path, "date", DS_JSON_REQUIRED, err)))
            return rc;
        if (ds_date_parse(date, &it->year, &it->month, &it->day)) {
            return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "date"),
                                "not a valid date \"%s\"", date);
        }
        const char *kind;
        rc = ds_json_string(&kind, item, path, "kind", DS_JSON_OPTIONAL, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if ((rc = check_kind(kind, ds_path_key(field, sizeof field, path, "kind"), err)))
                return rc;
            copy_str(it->kind, sizeof it->kind, kind);
        }
        int64_t records;
        rc = ds_json_int64(&records, item, path, "records", DS_JSON_OPTIONAL, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (records < 0) {
                return ds_error_set(err, DS_EINVAL,
                                    ds_path_key(field, sizeof field, path, "records"),
                                    "must be non-negative");
            }
            it->has_records = 1;
            it->records = records;
        }
        rc = ds_money_get(&it->loss_minor, item, path, "loss", DS_JSON_OPTIONAL, err);
        if (rc < 0)
            return rc;
        it->has_loss = rc == 0;
    }
    return 0;
}

int ds_incidents_from_json(ds_incidents **out, const cJSON *root, ds_error *err)
{
    static const char *const top_keys[] = {"history_years", "truncation", "incidents", NULL};
    *out = NULL;
    int rc = ds_json_expect_object(root, "", err);
    if (rc)
        return rc;
    if ((rc = ds_json_only_keys(root, "", top_keys, err)))
        return rc;
    ds_incidents *inc = ds_incidents_new();
    if (!inc)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    int64_t years;
    rc = ds_json_int64(&years, root, "", "history_years", DS_JSON_OPTIONAL, err);
    if (rc < 0)
        goto out;
    if (rc == 0) {
        if (years < 1 || years > MAX_HISTORY_YEARS) {
            rc = ds_error_set(err, DS_EINVAL, "history_years", "must be between 1 and %d",
                              MAX_HISTORY_YEARS);
            goto out;
        }
        inc->history_years = (int)years;
    }
    rc = ds_money_get(&inc->truncation_minor, root, "", "truncation", DS_JSON_OPTIONAL, err);
    if (rc < 0)
        goto out;
    const cJSON *list;
    if ((rc = ds_json_array(&list, root, "", "incidents", DS_JSON_REQUIRED, err)))
        goto out;
    if (cJSON_GetArraySize(list) == 0) {
        rc = ds_error_set(err, DS_EINVAL, "incidents", "empty history");
        goto out;
    }
    if ((rc = ds_incidents_read_list(inc, list, "incidents", err)))
        goto out;
    rc = 0;
    *out = inc;
    inc = NULL;
out:
    ds_incidents_free(inc);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* CSV                                                                                         */

int ds_incidents_from_csv(ds_incidents **out, const char *text, size_t len, ds_error *err)
{
    static const char *const names[] = {"date", "kind", "records", "loss", NULL};
    *out = NULL;
    ds_csv *csv;
    int rc = ds_csv_parse(&csv, text, len, err);
    if (rc)
        return rc;
    ds_incidents *inc = ds_incidents_new();
    size_t col[4];
    if (!inc) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    if ((rc = ds_csv_columns(csv, names, col, 0, err)))
        goto out;
    if (ds_csv_n_rows(csv) == 0) {
        rc = ds_error_set(err, DS_EINVAL, "incidents", "empty history");
        goto out;
    }
    for (size_t r = 0; r < ds_csv_n_rows(csv); r++) {
        char field[DS_ERROR_FIELD_MAX];
        ds_incident *it = incidents_add(inc);
        if (!it) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            goto out;
        }
        snprintf(it->label, sizeof it->label, "line %zu", ds_csv_line(csv, r));
        const char *date = ds_csv_cell(csv, r, col[0]);
        if (ds_date_parse(date, &it->year, &it->month, &it->day)) {
            rc = ds_error_set(err, DS_EINVAL, ds_csv_field(field, sizeof field, csv, r, col[0]),
                              "not a valid date \"%s\"", date);
            goto out;
        }
        const char *kind = ds_csv_cell(csv, r, col[1]);
        if (*kind) {
            if ((rc = check_kind(kind, ds_csv_field(field, sizeof field, csv, r, col[1]), err)))
                goto out;
            copy_str(it->kind, sizeof it->kind, kind);
        }
        double v;
        rc = ds_csv_number(&v, csv, r, col[2], 1, err);
        if (rc < 0)
            goto out;
        if (rc == 0) {
            if (!(v >= 0.0) || v != floor(v) || v > 9007199254740992.0) {
                rc = ds_error_set(err, DS_EINVAL,
                                  ds_csv_field(field, sizeof field, csv, r, col[2]),
                                  "must be a non-negative integer");
                goto out;
            }
            it->has_records = 1;
            it->records = (int64_t)v;
        }
        rc = ds_csv_number(&v, csv, r, col[3], 1, err);
        if (rc < 0)
            goto out;
        if (rc == 0) {
            if ((rc = loss_to_minor(&it->loss_minor, v,
                                    ds_csv_field(field, sizeof field, csv, r, col[3]), err)))
                goto out;
            it->has_loss = 1;
        }
    }
    rc = 0;
    *out = inc;
    inc = NULL;
out:
    ds_csv_free(csv);
    ds_incidents_free(inc);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* VERIS                                                                                       */

/* The kind from VERIS actions and attributes: ransomware malware first, then misuse, then a
   confidentiality breach (exfiltration), then availability (outage); else unknown. */
static void veris_kind(char *out, size_t cap, const cJSON *obj)
{
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(obj, "action");
    const cJSON *attribute = cJSON_GetObjectItemCaseSensitive(obj, "attribute");
    const cJSON *malware = cJSON_GetObjectItemCaseSensitive(action, "malware");
    const cJSON *variety = cJSON_GetObjectItemCaseSensitive(malware, "variety");
    const cJSON *v;
    cJSON_ArrayForEach(v, variety)
    {
        if (cJSON_IsString(v) && strcmp(v->valuestring, "Ransomware") == 0) {
            snprintf(out, cap, "ransomware");
            return;
        }
    }
    if (cJSON_GetObjectItemCaseSensitive(action, "misuse"))
        snprintf(out, cap, "misuse");
    else if (cJSON_GetObjectItemCaseSensitive(attribute, "confidentiality"))
        snprintf(out, cap, "exfiltration");
    else if (cJSON_GetObjectItemCaseSensitive(attribute, "availability"))
        snprintf(out, cap, "outage");
    else
        out[0] = '\0';
}

/* Reads one VERIS incident; a missing year skips it (returns 0 after recording the skip). */
static int veris_one(ds_incidents *inc, const cJSON *obj, const char *label)
{
    ds_error e;
    ds_error_clear(&e);
    if (!cJSON_IsObject(obj))
        return ds_incidents_skip(inc, label, "not a JSON object");
    const cJSON *timeline, *when;
    int64_t year, month = 1, day = 1;
    if (ds_json_object(&timeline, obj, "", "timeline", DS_JSON_REQUIRED, &e) ||
        ds_json_object(&when, timeline, "timeline", "incident", DS_JSON_REQUIRED, &e) ||
        ds_json_int64(&year, when, "timeline.incident", "year", DS_JSON_REQUIRED, &e) < 0 ||
        ds_json_int64(&month, when, "timeline.incident", "month", DS_JSON_OPTIONAL, &e) < 0 ||
        ds_json_int64(&day, when, "timeline.incident", "day", DS_JSON_OPTIONAL, &e) < 0)
        return ds_incidents_skip(inc, label, e.message);
    if (year < 1900 || year > 2200)
        return ds_incidents_skip(inc, label, "timeline.incident.year: not a plausible year");
    if (!is_calendar_day(year, month, day))
        return ds_incidents_skip(inc, label, "timeline.incident: not a valid date");
    ds_incident *it = incidents_add(inc);
    if (!it)
        return DS_ENOMEM;
    copy_str(it->label, sizeof it->label, label);
    it->year = (int)year;
    it->month = (int)month;
    it->day = (int)day;
    veris_kind(it->kind, sizeof it->kind, obj);

    const cJSON *attribute, *conf;
    double total;
    if (ds_json_object(&attribute, obj, "", "attribute", DS_JSON_OPTIONAL, &e) == 0 &&
        ds_json_object(&conf, attribute, "attribute", "confidentiality", DS_JSON_OPTIONAL,
                       &e) == 0 &&
        ds_json_number(&total, conf, "attribute.confidentiality", "data_total",
                       DS_JSON_OPTIONAL, &e) == 0 &&
        total >= 0.0 && total == floor(total) && total <= 9007199254740992.0) {
        it->has_records = 1;
        it->records = (int64_t)total;
    }

    const cJSON *impact;
    double amount;
    int rc = ds_json_object(&impact, obj, "", "impact", DS_JSON_REQUIRED, &e);
    if (rc == 0)
        rc = ds_json_number(&amount, impact, "impact", "overall_amount", DS_JSON_REQUIRED, &e);
    if (rc) {
        copy_str(it->loss_skip, sizeof it->loss_skip, e.message);
    } else if (!(amount >= 0.0) || amount > MAX_LOSS) {
        snprintf(it->loss_skip, sizeof it->loss_skip,
                 "impact.overall_amount: not a usable amount (%g)", amount);
    } else {
        const char *code = "USD";   /* the VERIS schema's default currency */
        if (ds_json_string(&code, impact, "impact", "iso_currency_code", DS_JSON_OPTIONAL, &e) <
            0)
            code = "";
        if (strlen(code) != 3) {
            snprintf(it->loss_skip, sizeof it->loss_skip,
                     "impact.iso_currency_code: not an ISO 4217 code");
        } else if (!inc->currency[0]) {
            memcpy(inc->currency, code, 4);
        }
        if (!it->loss_skip[0] && strcmp(code, inc->currency) != 0) {
            snprintf(it->loss_skip, sizeof it->loss_skip,
                     "impact.iso_currency_code: %s differs from %s", code, inc->currency);
        }
        if (!it->loss_skip[0]) {
            it->has_loss = 1;
            it->loss_minor = (int64_t)llround(amount * 100.0);
        }
    }

    const cJSON *victim;
    const char *s;
    if (ds_json_object(&victim, obj, "", "victim", DS_JSON_OPTIONAL, &e) == 0) {
        if (ds_json_string(&s, victim, "victim", "industry", DS_JSON_OPTIONAL, &e) == 0)
            copy_str(it->industry, sizeof it->industry, s);
        if (ds_json_string(&s, victim, "victim", "employee_count", DS_JSON_OPTIONAL, &e) == 0)
            copy_str(it->employee_count, sizeof it->employee_count, s);
    }
    return 0;
}

static int veris_add(ds_incidents *inc, const cJSON *root, const char *source)
{
    char label[DS_INC_LABEL_MAX];
    if (!cJSON_IsArray(root)) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "incident_id");
        if (cJSON_IsString(id))
            snprintf(label, sizeof label, "%s (%.40s)", source, id->valuestring);
        else
            copy_str(label, sizeof label, source);
        return veris_one(inc, root, label);
    }
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, root)
    {
        snprintf(label, sizeof label, "%s[%zu]", source, i++);
        int rc = veris_one(inc, item, label);
        if (rc)
            return rc;
    }
    return 0;
}

int ds_incidents_from_veris(ds_incidents **out, const cJSON *root, const char *source,
                            ds_error *err)
{
    *out = NULL;
    ds_incidents *inc = ds_incidents_new();
    if (!inc || veris_add(inc, root, source)) {
        ds_incidents_free(inc);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    *out = inc;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int read_json_file(cJSON **out, const char *path, ds_error *err)
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

static int veris_dir(ds_incidents **out, const char *path, ds_error *err)
{
    *out = NULL;
    DIR *dir = opendir(path);
    if (!dir)
        return ds_error_set(err, DS_EIO, path, "cannot open directory");
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    ds_incidents *inc = NULL;
    struct dirent *ent;
    while ((ent = readdir(dir))) {
        if (!ends_with(ent->d_name, ".json") || ent->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (!nn) {
                rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
                goto out;
            }
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = strdup(ent->d_name))) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            goto out;
        }
        n++;
    }
    if (n == 0) {
        rc = ds_error_set(err, DS_EINVAL, path, "no .json incident files in the directory");
        goto out;
    }
    qsort(names, n, sizeof *names, cmp_str);
    if (!(inc = ds_incidents_new())) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        size_t plen = strlen(path) + strlen(names[i]) + 2;
        char *file = malloc(plen);
        if (!file) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            goto out;
        }
        snprintf(file, plen, "%s/%s", path, names[i]);
        cJSON *root;
        ds_error e;
        ds_error_clear(&e);
        rc = read_json_file(&root, file, &e);
        if (rc == DS_EINVAL) {
            /* One malformed file among many is skipped, with the parser's message. */
            rc = ds_incidents_skip(inc, names[i], e.message);
        } else if (rc == 0) {
            rc = veris_add(inc, root, names[i]);
            cJSON_Delete(root);
        } else if (err) {
            *err = e;
        }
        free(file);
        if (rc == DS_ENOMEM)
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        if (rc)
            goto out;
    }
    *out = inc;
    inc = NULL;
out:
    closedir(dir);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    ds_incidents_free(inc);
    return rc;
}

/* A .json file that is not dsure's format (an array, or an object without "incidents" that
   has VERIS's "timeline") is read as VERIS. */
static int looks_like_veris(const cJSON *root)
{
    if (cJSON_IsArray(root))
        return 1;
    return cJSON_IsObject(root) && !cJSON_GetObjectItemCaseSensitive(root, "incidents") &&
           cJSON_GetObjectItemCaseSensitive(root, "timeline");
}

int ds_incidents_load(ds_incidents **out, const char *path, ds_inc_format format,
                      ds_error *err)
{
    *out = NULL;
    struct stat st;
    int is_dir = strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    if (is_dir) {
        if (format != DS_INC_FORMAT_AUTO && format != DS_INC_FORMAT_VERIS)
            return ds_error_set(err, DS_EINVAL, path,
                                "is a directory; only --format veris reads directories");
        return veris_dir(out, path, err);
    }
    if (format == DS_INC_FORMAT_AUTO)
        format = ends_with(path, ".csv") ? DS_INC_FORMAT_CSV : DS_INC_FORMAT_JSON;
    if (format == DS_INC_FORMAT_CSV) {
        char *text;
        size_t len;
        int rc = ds_file_read(&text, &len, path, DS_FILE_DEFAULT_CAP, err);
        if (rc)
            return rc;
        rc = ds_incidents_from_csv(out, text, len, err);
        free(text);
        return rc;
    }
    cJSON *root;
    int rc = read_json_file(&root, path, err);
    if (rc)
        return rc;
    const char *slash = strrchr(path, '/');
    if (format == DS_INC_FORMAT_VERIS || looks_like_veris(root))
        rc = ds_incidents_from_veris(out, root, slash ? slash + 1 : path, err);
    else
        rc = ds_incidents_from_json(out, root, err);
    cJSON_Delete(root);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Window and sizes                                                                            */

void ds_incident_sample_free(ds_incident_sample *s)
{
    if (!s)
        return;
    free(s->counts);
    free(s->sizes);
    free(s);
}

/* "incidents[3].loss" for JSON labels, "line 7: loss" for CSV ones. */
static char *field_of(char *buf, size_t cap, const ds_incident *it, const char *key)
{
    if (strncmp(it->label, "line ", 5) == 0)
        snprintf(buf, cap, "%s: %s", it->label, key);
    else
        snprintf(buf, cap, "%s.%s", it->label, key);
    return buf;
}

int ds_incident_sizes(ds_incident_sample **out, ds_incidents *inc, ds_inc_target target,
                      int history_years, double truncation, ds_error *err)
{
    *out = NULL;
    if (inc->n == 0)
        return ds_error_set(err, DS_EINVAL, "incidents",
                            inc->n_skipped ? "empty history: every incident was skipped"
                                           : "empty history");
    int lo = inc->items[0].year, hi = lo;
    for (size_t i = 1; i < inc->n; i++) {
        if (inc->items[i].year < lo)
            lo = inc->items[i].year;
        if (inc->items[i].year > hi)
            hi = inc->items[i].year;
    }
    int years = history_years > 0 ? history_years
                : inc->history_years > 0 ? inc->history_years
                                         : hi - lo + 1;
    if (years < 1 || years > MAX_HISTORY_YEARS)
        return ds_error_set(err, DS_EINVAL, "history_years", "must be between 1 and %d, got %d",
                            MAX_HISTORY_YEARS, years);
    if (truncation < 0.0)
        truncation = target == DS_INC_TARGET_LOSS ? (double)inc->truncation_minor / 100.0 : 0.0;
    ds_incident_sample *s = calloc(1, sizeof *s);
    int rc = 0;
    if (!s || !(s->counts = calloc((size_t)years, sizeof *s->counts)) ||
        !(s->sizes = malloc(inc->n * sizeof *s->sizes))) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto out;
    }
    s->last_year = hi;
    s->first_year = hi - years + 1;
    s->n_years = (size_t)years;
    s->truncation = truncation;
    for (size_t i = 0; i < inc->n; i++) {
        const ds_incident *it = &inc->items[i];
        char reason[160], field[DS_ERROR_FIELD_MAX];
        if (it->year < s->first_year) {
            snprintf(reason, sizeof reason, "dated %d, before the history window %d-%d",
                     it->year, s->first_year, s->last_year);
            if (ds_incidents_skip(inc, it->label, reason))
                goto nomem;
            continue;
        }
        s->counts[it->year - s->first_year]++;
        s->n_incidents++;
        double size;
        const char *why = NULL;
        if (target == DS_INC_TARGET_LOSS) {
            if (it->loss_skip[0])
                why = it->loss_skip;
            else if (!it->has_loss)
                why = "no loss amount: counted for frequency only";
            else if (it->loss_minor == 0)
                why = "loss is 0: counted for frequency only";
            size = (double)it->loss_minor / 100.0;
        } else {
            if (!it->has_records)
                why = "no records count: counted for frequency only";
            else if (it->records == 0)
                why = "records is 0: counted for frequency only";
            size = (double)it->records;
        }
        if (why) {
            if (ds_incidents_skip(inc, it->label, why))
                goto nomem;
            continue;
        }
        if (size < truncation) {
            rc = ds_error_set(err, DS_EINVAL,
                              field_of(field, sizeof field, it,
                                       target == DS_INC_TARGET_LOSS ? "loss" : "records"),
                              "%.15g is below the truncation %.15g", size, truncation);
            goto out;
        }
        s->sizes[s->n_sizes++] = size;
    }
    *out = s;
    return 0;
nomem:
    rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
out:
    ds_incident_sample_free(s);
    return rc;
}
