/*
 * record.h: provenance records (DESIGN.md section 6): validation, canonical form and a typed,
 * read-only view for the claims module.
 *
 * A record is a JSON object with "type" and "ts" plus the fields of its type:
 *   asset.registered  platform, asset, grade, records, content_sha256
 *   asset.graded      asset, grade
 *   asset.records     asset, records
 *   flow              asset, from, to, records, purpose
 *   incident          incident, platform, kind, detected, assets: [{asset, records}, ...]
 *   cost              incident, coverage, amount, document_sha256, and hours for NPBI / CBI
 * Value rules: identifiers (platform, asset, from, to, purpose, incident) are non-empty strings
 * of at most DS_RECORD_ID_MAX bytes; ts and detected are RFC 3339 UTC timestamps
 * ("2027-03-05T08:00:00Z", optional fraction of a second, upper-case T and Z required, calendar
 * checked, leap second 60 refused because POSIX time cannot hold it); grade is
 * core | important | general; kind is exfiltration | ransomware | misuse | outage | loss;
 * coverage is NPBI CBI DIAS EXT FIN INRE LIA REG ENO; records is an integer 0..2^53; amount is a
 * number >= 0 with at most two decimals (currency units); hours is a number >= 0, required for
 * NPBI and CBI and refused for the other coverages; hashes are 64 lowercase hex digits; an
 * incident lists at least one asset. Unknown fields are refused at every level.
 *
 * Errors name the offending field under the caller's path prefix:
 *   "records[3].content_sha256: must be 64 lowercase hex digits".
 *
 * Thread safety: pure functions of their arguments.
 */
#ifndef DS_CLAIMS_RECORD_H
#define DS_CLAIMS_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"
#include "pricing/grading.h"

#define DS_RECORD_ID_MAX 256

typedef enum {
    DS_RECORD_UNKNOWN = -1,
    DS_RECORD_ASSET_REGISTERED = 0,
    DS_RECORD_ASSET_GRADED,
    DS_RECORD_ASSET_RECORDS,
    DS_RECORD_FLOW,
    DS_RECORD_INCIDENT,
    DS_RECORD_COST
} ds_record_type;

/* 0 when record is a valid provenance record, else DS_EINVAL naming the field under path. */
int ds_record_validate(const cJSON *record, const char *path, ds_error *err);

/*
 * Validates record, then writes its RFC 8785 canonical JSON (data/jcs.h) into *out (malloc'd,
 * NUL-terminated, caller frees with free()) and its length into *len (may be NULL).
 * This text is the ledger entry. Errors: DS_EINVAL, DS_ENOMEM; *out is NULL on error.
 */
int ds_record_canonical(char **out, size_t *len, const cJSON *record, const char *path,
                        ds_error *err);

/* The type named by record's "type" member, DS_RECORD_UNKNOWN when absent or not a known type. */
ds_record_type ds_record_type_of(const cJSON *record);

/* "asset.registered", ...; "unknown" for DS_RECORD_UNKNOWN. Never NULL. */
const char *ds_record_type_name(ds_record_type type);

/* Grades are pricing/grading.h's: ds_grade_from_name and ds_grade_name. */

/*
 * Parses an RFC 3339 UTC timestamp (the strict form above) into seconds since 1970-01-01T00:00Z,
 * truncating any fraction toward the past. Years 0000..9999. Returns 0 or DS_EINVAL.
 */
int ds_time_parse_rfc3339(int64_t *out_seconds, const char *text);

/*
 * A typed view of one validated record. String pointers are borrowed from the cJSON tree and
 * live as long as it does; fields the record's type does not have are NULL, -1 (records,
 * detected) or 0 with has_hours = 0.
 */
typedef struct ds_record_view {
    ds_record_type type;
    int64_t ts;                 /* seconds since the epoch */
    const char *platform;       /* asset.registered, incident */
    const char *asset;          /* asset.*, flow */
    ds_grade grade;             /* asset.registered, asset.graded; DS_GRADE_UNKNOWN otherwise */
    int64_t records;            /* asset.registered, asset.records, flow */
    const char *content_sha256; /* asset.registered */
    const char *from, *to, *purpose; /* flow */
    const char *incident;            /* incident, cost */
    const char *kind;                /* incident */
    int64_t detected;                /* incident: seconds since the epoch */
    const cJSON *assets;             /* incident: the validated array of {asset, records} */
    const char *coverage;            /* cost */
    int64_t amount_minor;            /* cost: amount in minor units (cents), exact */
    const char *document_sha256;     /* cost */
    int has_hours;                   /* cost: 1 when hours is present */
    double hours;                    /* cost */
} ds_record_view;

/*
 * Validates record and fills *out. Errors as ds_record_validate; on error *out is empty
 * (type DS_RECORD_UNKNOWN, pointers NULL, records and detected -1).
 */
int ds_record_view_of(ds_record_view *out, const cJSON *record, const char *path, ds_error *err);

/*
 * The i-th asset of an incident view: borrowed asset name and its record count.
 * Returns 0, or DS_EINVAL when view is not an incident or i is out of range.
 */
int ds_record_incident_asset(const char **asset, int64_t *records, const ds_record_view *view,
                             size_t i);

/* Number of assets of an incident view (0 for other types). */
size_t ds_record_incident_n_assets(const ds_record_view *view);

#endif
