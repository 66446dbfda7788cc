/*
 * incidents.h: incident history for experience rating, read from three formats, and shaped
 * into what the fitting needs (annual counts over the history window, loss or records sizes).
 *
 * Formats:
 *   json   dsure's own: {"history_years": 10, "truncation": 0, "incidents": [{"date":
 *          "2019-05-02", "kind": "exfiltration", "records": 1200, "loss": 35000}]}; date is
 *          required (YYYY-MM-DD), kind optional (exfiltration, ransomware, misuse, outage,
 *          loss), records and loss optional non-negative numbers (records integral).
 *   csv    header date,kind,records,loss (any order; empty cells for absent values); the
 *          history length comes from the caller (`--years`).
 *   veris  VERIS Community Database incident JSON: one incident object, an array of them, or a
 *          directory of *.json files (read in name order). Used fields:
 *          timeline.incident.year/month/day, attribute.confidentiality.data_total,
 *          impact.overall_amount with impact.iso_currency_code (USD when absent),
 *          victim.industry, victim.employee_count; the kind is derived from the actions and
 *          attributes. VERIS data are external and ragged, so an incident lacking what a use
 *          needs is never an error and never silently dropped: it is kept in `skipped` with
 *          the reason (no year: skipped entirely; no amount, another currency: skipped for loss
 *          sizes only; no data_total: skipped for record sizes only).
 * Bad input in the json and csv formats is an error naming record and field
 * ("incidents[0].date: not a valid date \"2020-13-45\"", "line 7: loss: not a number").
 * Money is kept in int64 minor units (hundredths); fitting converts to currency units.
 *
 * Ownership: readers allocate a ds_incidents the caller frees with ds_incidents_free
 * (NULL-safe); ds_incident_sizes allocates a ds_incident_sample freed with
 * ds_incident_sample_free. Not thread-safe on one object.
 */
#ifndef DS_DATA_INCIDENTS_H
#define DS_DATA_INCIDENTS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"

typedef enum {
    DS_INC_FORMAT_AUTO,     /* from the path: directory = veris, .csv = csv, else json */
    DS_INC_FORMAT_JSON,
    DS_INC_FORMAT_CSV,
    DS_INC_FORMAT_VERIS
} ds_inc_format;

#define DS_INC_LABEL_MAX 128

typedef struct ds_incident {
    char label[DS_INC_LABEL_MAX];   /* "incidents[3]", "line 7", "veris/a.json" (for reports) */
    int year, month, day;
    char kind[16];                  /* "" when unknown */
    int has_records;
    int64_t records;
    int has_loss;
    int64_t loss_minor;             /* hundredths of the currency unit */
    char loss_skip[96];             /* VERIS: why the loss is unusable, "" if usable */
    char industry[64];              /* VERIS victim.industry, "" if absent */
    char employee_count[32];        /* VERIS victim.employee_count, "" if absent */
} ds_incident;

typedef struct ds_inc_skip {
    char label[DS_INC_LABEL_MAX];
    char reason[160];
} ds_inc_skip;

typedef struct ds_incidents {
    ds_incident *items;
    size_t n, cap;
    int history_years;              /* 0 when not given */
    int64_t truncation_minor;       /* reporting threshold of losses, 0 when none */
    char currency[4];               /* VERIS: the currency of the losses; "" otherwise */
    ds_inc_skip *skipped;
    size_t n_skipped, cap_skipped;
} ds_incidents;

/* An empty history; NULL when out of memory. Free with ds_incidents_free. */
ds_incidents *ds_incidents_new(void);

void ds_incidents_free(ds_incidents *inc);

/*
 * Appends the incidents of a JSON array in dsure's form ({"id"?, "date", "kind"?, "records"?,
 * "loss"?}) to inc; messages name "list_path[i].field". The quote request's incidents and
 * `dsure fit`'s both go through it.
 */
int ds_incidents_read_list(ds_incidents *inc, const cJSON *list, const char *list_path,
                           ds_error *err);

/* Parsed dsure JSON (borrowed tree). */
int ds_incidents_from_json(ds_incidents **out, const cJSON *root, ds_error *err);
/* CSV text (date,kind,records,loss). */
int ds_incidents_from_csv(ds_incidents **out, const char *text, size_t len, ds_error *err);
/* Parsed VERIS JSON: one incident object or an array; source names it in labels. */
int ds_incidents_from_veris(ds_incidents **out, const cJSON *root, const char *source,
                            ds_error *err);

/*
 * Reads path in the given format (AUTO: by the path). A directory is read as VERIS files.
 * Errors: DS_ENOTFOUND, DS_EIO, DS_EINVAL with the offending record and field.
 */
int ds_incidents_load(ds_incidents **out, const char *path, ds_inc_format format,
                      ds_error *err);

/* Appends a skip record; DS_ENOMEM on allocation failure. */
int ds_incidents_skip(ds_incidents *inc, const char *label, const char *reason);

/* Strict YYYY-MM-DD with a real calendar day. 0 or DS_EINVAL (no message). */
int ds_date_parse(const char *s, int *year, int *month, int *day);

typedef enum { DS_INC_TARGET_LOSS, DS_INC_TARGET_RECORDS } ds_inc_target;

/* What the fitting uses, after the history window is applied. */
typedef struct ds_incident_sample {
    int first_year, last_year;      /* the window, calendar years inclusive */
    size_t n_years;
    unsigned *counts;               /* incidents per year of the window */
    size_t n_incidents;             /* incidents in the window */
    double *sizes;                  /* loss in currency units, or records */
    size_t n_sizes;
    double truncation;              /* in the same unit as sizes */
} ds_incident_sample;

void ds_incident_sample_free(ds_incident_sample *s);

/*
 * The window ends with the latest incident's year and spans history_years calendar years
 * (history_years 0: inc->history_years, else from the earliest to the latest incident).
 * Incidents before it are added to inc->skipped. Sizes: the target of each incident in the
 * window that has it (positive); the others are added to inc->skipped with the reason.
 * truncation < 0 means "the file's truncation" for losses and 0 for records. A size below the
 * truncation is DS_EINVAL naming the incident. No incident at all: DS_EINVAL "incidents: empty
 * history".
 */
int ds_incident_sizes(ds_incident_sample **out, ds_incidents *inc, ds_inc_target target,
                      int history_years, double truncation, ds_error *err);

#endif
