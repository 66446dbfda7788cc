/*
 * record.c: validation, canonical form and typed view of provenance records (see record.h).
 *
 * Every record type is described once, in the table `types` below: its name and its fields in
 * the order they are checked, each with the kind of value it holds. Validation walks the table,
 * so the set of accepted records is exactly what the table says (DESIGN.md section 6), and the
 * error for the first bad field names it under the caller's path.
 */
#include "claims/record.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/date.h"
#include "data/jcs.h"
#include "data/json_in.h"

typedef enum {
    F_ID,       /* non-empty identifier string */
    F_TIME,     /* RFC 3339 UTC timestamp */
    F_GRADE,    /* core | important | general */
    F_COUNT,    /* integer 0..2^53 */
    F_HASH,     /* 64 lowercase hex digits */
    F_KIND,     /* incident kind */
    F_COVERAGE, /* coverage code */
    F_AMOUNT,   /* currency units, >= 0, at most two decimals */
    F_ASSETS    /* non-empty array of {asset, records} */
} field_kind;

typedef struct {
    const char *name;
    field_kind kind;
} field_spec;

#define TYPE_FIELDS_MAX 6

typedef struct {
    const char *name;
    field_spec fields[TYPE_FIELDS_MAX + 1]; /* ends with {NULL} */
} type_spec;

/* DESIGN.md section 6; indexed by ds_record_type. */
static const type_spec types[] = {
    {"asset.registered",
     {{"platform", F_ID},
      {"asset", F_ID},
      {"grade", F_GRADE},
      {"records", F_COUNT},
      {"content_sha256", F_HASH},
      {NULL, F_ID}}},
    {"asset.graded", {{"asset", F_ID}, {"grade", F_GRADE}, {NULL, F_ID}}},
    {"asset.records", {{"asset", F_ID}, {"records", F_COUNT}, {NULL, F_ID}}},
    {"flow",
     {{"asset", F_ID},
      {"from", F_ID},
      {"to", F_ID},
      {"records", F_COUNT},
      {"purpose", F_ID},
      {NULL, F_ID}}},
    {"incident",
     {{"incident", F_ID},
      {"platform", F_ID},
      {"kind", F_KIND},
      {"detected", F_TIME},
      {"assets", F_ASSETS},
      {NULL, F_ID}}},
    {"cost",
     {{"incident", F_ID},
      {"coverage", F_COVERAGE},
      {"amount", F_AMOUNT},
      {"document_sha256", F_HASH},
      {NULL, F_ID}}},
};
#define N_TYPES (sizeof types / sizeof types[0])

static const char *const kinds[] = {"exfiltration", "ransomware", "misuse",
                                    "outage",       "loss",       NULL};
static const char *const coverages[] = {"NPBI", "CBI", "DIAS", "EXT", "FIN",
                                        "INRE", "LIA", "REG",  "ENO", NULL};

/* 2^53: every integer up to it is exact in a JSON (binary64) number. */
#define EXACT_INT_MAX 9007199254740992.0

const char *ds_record_type_name(ds_record_type type)
{
    if (type < 0 || (size_t)type >= N_TYPES)
        return "unknown";
    return types[type].name;
}

static ds_record_type type_parse(const char *name)
{
    for (size_t i = 0; name && i < N_TYPES; i++) {
        if (strcmp(types[i].name, name) == 0)
            return (ds_record_type)i;
    }
    return DS_RECORD_UNKNOWN;
}

ds_record_type ds_record_type_of(const cJSON *record)
{
    const cJSON *type =
        cJSON_IsObject(record) ? cJSON_GetObjectItemCaseSensitive(record, "type") : NULL;
    return cJSON_IsString(type) ? type_parse(type->valuestring) : DS_RECORD_UNKNOWN;
}

static int in_list(const char *text, const char *const *list)
{
    for (; *list; list++) {
        if (strcmp(*list, text) == 0)
            return 1;
    }
    return 0;
}

int ds_time_parse_rfc3339(int64_t *out_seconds, const char *text)
{
    /* One strict parser for the whole program: data/date.h. */
    if (!text || ds_timestamp_parse(out_seconds, text))
        return DS_EINVAL;
    return 0;
}

static int check_id(const cJSON *item, const char *path, ds_error *err)
{
    if (!cJSON_IsString(item) || !item->valuestring || !item->valuestring[0])
        return ds_error_set(err, DS_EINVAL, path, "must be a non-empty string");
    size_t n = strlen(item->valuestring);
    if (n > DS_RECORD_ID_MAX)
        return ds_error_set(err, DS_EINVAL, path, "must be at most %d bytes", DS_RECORD_ID_MAX);
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)item->valuestring[i] < 0x20 || item->valuestring[i] == 0x7F)
            return ds_error_set(err, DS_EINVAL, path, "must not contain control characters");
    }
    return 0;
}

static int check_count(int64_t *out, const cJSON *item, const char *path, ds_error *err)
{
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble) || item->valuedouble < 0 ||
        item->valuedouble != floor(item->valuedouble) || item->valuedouble > EXACT_INT_MAX)
        return ds_error_set(err, DS_EINVAL, path, "must be a non-negative integer");
    if (out)
        *out = (int64_t)item->valuedouble;
    return 0;
}

static int check_hash(const cJSON *item, const char *path, ds_error *err)
{
    const char *s = cJSON_IsString(item) ? item->valuestring : NULL;
    int ok = s && strlen(s) == 64;
    for (size_t i = 0; ok && i < 64; i++)
        ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
    return ok ? 0 : ds_error_set(err, DS_EINVAL, path, "must be 64 lowercase hex digits");
}

static int check_time(int64_t *out, const cJSON *item, const char *path, ds_error *err)
{
    int64_t t;
    if (!cJSON_IsString(item) || ds_time_parse_rfc3339(&t, item->valuestring) != 0)
        return ds_error_set(err, DS_EINVAL, path,
                            "must be an RFC 3339 UTC timestamp such as 2027-03-05T08:00:00Z");
    if (out)
        *out = t;
    return 0;
}

/*
 * amount in currency units with at most two decimals. The decimal text "12.34" is read as the
 * binary64 nearest to 12.34, which is exactly the correctly rounded quotient 1234 / 100.0, so
 * comparing with that quotient tests "at most two decimals" with no tolerance.
 */
static int check_amount(int64_t *out_minor, const cJSON *item, const char *path, ds_error *err)
{
    double v = cJSON_IsNumber(item) ? item->valuedouble : -1;
    if (isfinite(v) && v >= 0 && v * 100 <= EXACT_INT_MAX) {
        double minor = nearbyint(v * 100);
        if (minor / 100.0 == v) {
            if (out_minor)
                *out_minor = (int64_t)minor;
            return 0;
        }
    }
    return ds_error_set(err, DS_EINVAL, path,
                        "must be a non-negative number with at most two decimals");
}

/* I-JSON (RFC 7493 section 2.3): member names unique; cJSON keeps duplicates, so check. */
static int check_unique(const cJSON *obj, const char *path, ds_error *err)
{
    for (const cJSON *a = obj->child; a; a = a->next) {
        for (const cJSON *b = a->next; b; b = b->next) {
            if (a->string && b->string && strcmp(a->string, b->string) == 0) {
                char field[DS_PATH_MAX];
                return ds_error_set(err, DS_EINVAL,
                                    ds_path_key(field, sizeof field, path, a->string),
                                    "appears twice");
            }
        }
    }
    return 0;
}

static int check_assets(const cJSON *item, const char *path, ds_error *err)
{
    static const char *const allowed[] = {"asset", "records", NULL};
    if (!cJSON_IsArray(item) || cJSON_GetArraySize(item) == 0)
        return ds_error_set(err, DS_EINVAL, path, "must be a non-empty array");
    size_t i = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, item)
    {
        char at[DS_PATH_MAX], field[DS_PATH_MAX];
        ds_path_index(at, sizeof at, path, i);
        int rc = ds_json_expect_object(entry, at, err);
        if (!rc)
            rc = ds_json_only_keys(entry, at, allowed, err);
        if (!rc)
            rc = check_unique(entry, at, err);
        if (rc)
            return rc;
        const cJSON *asset = cJSON_GetObjectItemCaseSensitive(entry, "asset");
        const cJSON *records = cJSON_GetObjectItemCaseSensitive(entry, "records");
        ds_path_key(field, sizeof field, at, "asset");
        if (!asset)
            return ds_error_set(err, DS_EINVAL, field, "required field is missing");
        if ((rc = check_id(asset, field, err)) != 0)
            return rc;
        /* Each asset once, so the records lost per asset are unambiguous. */
        size_t j = 0;
        const cJSON *prior;
        cJSON_ArrayForEach(prior, item)
        {
            if (j++ == i)
                break;
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(prior, "asset");
            if (strcmp(name->valuestring, asset->valuestring) == 0)
                return ds_error_set(err, DS_EINVAL, field, "asset \"%s\" is listed twice",
                                    asset->valuestring);
        }
        ds_path_key(field, sizeof field, at, "records");
        if (!records)
            return ds_error_set(err, DS_EINVAL, field, "required field is missing");
        if ((rc = check_count(NULL, records, field, err)) != 0)
            return rc;
        i++;
    }
    return 0;
}

static int check_field(const field_spec *spec, const cJSON *item, const char *field, ds_error *err)
{
    switch (spec->kind) {
    case F_ID:
        return check_id(item, field, err);
    case F_TIME:
        return check_time(NULL, item, field, err);
    case F_GRADE:
        if (cJSON_IsString(item) && ds_grade_from_name(item->valuestring) != DS_GRADE_UNKNOWN)
            return 0;
        return ds_error_set(err, DS_EINVAL, field, "must be one of core, important, general");
    case F_COUNT:
        return check_count(NULL, item, field, err);
    case F_HASH:
        return check_hash(item, field, err);
    case F_KIND:
        if (cJSON_IsString(item) && in_list(item->valuestring, kinds))
            return 0;
        return ds_error_set(err, DS_EINVAL, field,
                            "must be one of exfiltration, ransomware, misuse, outage, loss");
    case F_COVERAGE:
        if (cJSON_IsString(item) && in_list(item->valuestring, coverages))
            return 0;
        return ds_error_set(err, DS_EINVAL, field,
                            "must be one of NPBI, CBI, DIAS, EXT, FIN, INRE, LIA, REG, ENO");
    case F_AMOUNT:
        return check_amount(NULL, item, field, err);
    case F_ASSETS:
        return check_assets(item, field, err);
    }
    return ds_error_set(err, DS_EINTERNAL, field, "unknown field kind");
}

int ds_record_validate(const cJSON *record, const char *path, ds_error *err)
{
    char field[DS_PATH_MAX];
    if (!path)
        path = "";
    int rc = ds_json_expect_object(record, path, err);
    if (rc)
        return rc;
    const char *type_text = NULL;
    rc = ds_json_string(&type_text, record, path, "type", DS_JSON_REQUIRED, err);
    if (rc)
        return rc;
    ds_record_type type = type_parse(type_text);
    if (type == DS_RECORD_UNKNOWN)
        return ds_error_set(err, DS_EINVAL, ds_path_key(field, sizeof field, path, "type"),
                            "unknown record type \"%.64s\" (expected asset.registered, "
                            "asset.graded, asset.records, flow, incident or cost)",
                            type_text);
    const type_spec *spec = &types[type];

    /* The allowed member names: type, ts, the type's fields, and hours for a cost. */
    const char *allowed[TYPE_FIELDS_MAX + 4];
    size_t n_allowed = 0;
    allowed[n_allowed++] = "type";
    allowed[n_allowed++] = "ts";
    for (const field_spec *f = spec->fields; f->name; f++)
        allowed[n_allowed++] = f->name;
    if (type == DS_RECORD_COST)
        allowed[n_allowed++] = "hours";
    allowed[n_allowed] = NULL;
    if ((rc = ds_json_only_keys(record, path, allowed, err)) != 0 ||
        (rc = check_unique(record, path, err)) != 0)
        return rc;

    /* Each field is checked without an error first and named only when it fails: building
     * every path up front would cost more than the checks (records are appended in bulk). */
    static const field_spec ts_spec = {"ts", F_TIME};
    for (const field_spec *f = &ts_spec; f->name; f = f == &ts_spec ? spec->fields : f + 1) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(record, f->name);
        if (item && check_field(f, item, "", NULL) == 0)
            continue;
        ds_path_key(field, sizeof field, path, f->name);
        if (!item)
            return ds_error_set(err, DS_EINVAL, field, "required field is missing");
        return check_field(f, item, field, err);
    }
    if (type == DS_RECORD_COST) {
        /* Business-interruption losses (NPBI, CBI) are claimed per hour of interruption. */
        const char *coverage = cJSON_GetObjectItemCaseSensitive(record, "coverage")->valuestring;
        int needs_hours = strcmp(coverage, "NPBI") == 0 || strcmp(coverage, "CBI") == 0;
        const cJSON *hours = cJSON_GetObjectItemCaseSensitive(record, "hours");
        ds_path_key(field, sizeof field, path, "hours");
        if (needs_hours && !hours)
            return ds_error_set(err, DS_EINVAL, field, "required for %s costs", coverage);
        if (!needs_hours && hours)
            return ds_error_set(err, DS_EINVAL, field,
                                "only NPBI and CBI costs have hours, not %s", coverage);
        if (hours &&
            (!cJSON_IsNumber(hours) || !isfinite(hours->valuedouble) || hours->valuedouble < 0))
            return ds_error_set(err, DS_EINVAL, field, "must be a non-negative number");
    }
    return 0;
}

int ds_record_canonical(char **out, size_t *len, const cJSON *record, const char *path,
                        ds_error *err)
{
    *out = NULL;
    if (len)
        *len = 0;
    int rc = ds_record_validate(record, path, err);
    if (rc)
        return rc;
    return ds_jcs_serialize(out, len, record, path, err);
}

static const char *string_of(const cJSON *record, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(record, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

int ds_record_view_of(ds_record_view *out, const cJSON *record, const char *path, ds_error *err)
{
    memset(out, 0, sizeof *out);
    out->type = DS_RECORD_UNKNOWN;
    out->grade = DS_GRADE_UNKNOWN;
    out->records = -1;
    out->detected = -1;
    int rc = ds_record_validate(record, path, err);
    if (rc)
        return rc;
    ds_record_view v;
    memset(&v, 0, sizeof v);
    v.type = ds_record_type_of(record);
    v.grade = (ds_grade)ds_grade_from_name(string_of(record, "grade"));
    v.records = -1;
    v.detected = -1;
    /* Validated above, so these conversions cannot fail. */
    check_time(&v.ts, cJSON_GetObjectItemCaseSensitive(record, "ts"), "ts", NULL);
    v.platform = string_of(record, "platform");
    v.asset = string_of(record, "asset");
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(record, "records");
    if (records)
        check_count(&v.records, records, "records", NULL);
    v.content_sha256 = string_of(record, "content_sha256");
    v.from = string_of(record, "from");
    v.to = string_of(record, "to");
    v.purpose = string_of(record, "purpose");
    v.incident = string_of(record, "incident");
    v.kind = string_of(record, "kind");
    const cJSON *detected = cJSON_GetObjectItemCaseSensitive(record, "detected");
    if (detected)
        check_time(&v.detected, detected, "detected", NULL);
    if (v.type == DS_RECORD_INCIDENT)
        v.assets = cJSON_GetObjectItemCaseSensitive(record, "assets");
    v.coverage = string_of(record, "coverage");
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(record, "amount");
    if (amount)
        check_amount(&v.amount_minor, amount, "amount", NULL);
    v.document_sha256 = string_of(record, "document_sha256");
    const cJSON *hours = cJSON_GetObjectItemCaseSensitive(record, "hours");
    if (hours) {
        v.has_hours = 1;
        v.hours = hours->valuedouble;
    }
    *out = v;
    return 0;
}

size_t ds_record_incident_n_assets(const ds_record_view *view)
{
    if (!view || view->type != DS_RECORD_INCIDENT || !view->assets)
        return 0;
    return (size_t)cJSON_GetArraySize(view->assets);
}

int ds_record_incident_asset(const char **asset, int64_t *records, const ds_record_view *view,
                             size_t i)
{
    if (i >= ds_record_incident_n_assets(view))
        return DS_EINVAL;
    const cJSON *entry = cJSON_GetArrayItem(view->assets, (int)i);
    *asset = string_of(entry, "asset");
    check_count(records, cJSON_GetObjectItemCaseSensitive(entry, "records"), "records", NULL);
    return 0;
}
