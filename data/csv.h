/*
 * csv.h: a small strict CSV reader (RFC 4180 with a header row).
 *
 * Accepted: comma-separated fields; records ended by LF or CRLF; fields in double quotes, with
 * "" for a quote and commas or line breaks inside; a UTF-8 byte-order mark before the header;
 * blank lines (skipped). Refused with the physical line number: a quote inside an unquoted
 * field, text after a closing quote, an unterminated quote, a record whose field count differs
 * from the header's, an empty or duplicated header name. Messages read
 * "line 7: expected 4 fields, found 3"; ds_csv_number reports "line 7: weight: not a number".
 *
 * Ownership: ds_csv_parse allocates the table; ds_csv_free frees it (NULL-safe). Cells are
 * borrowed NUL-terminated strings valid until then. Thread-safe on distinct tables.
 */
#ifndef DS_DATA_CSV_H
#define DS_DATA_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"

typedef struct ds_csv ds_csv;

/* Parses len bytes of text (which need not be NUL-terminated). Errors: DS_EINVAL, DS_ENOMEM. */
int ds_csv_parse(ds_csv **out, const char *text, size_t len, ds_error *err);
void ds_csv_free(ds_csv *csv);

size_t ds_csv_n_cols(const ds_csv *csv);
size_t ds_csv_n_rows(const ds_csv *csv);
const char *ds_csv_header(const ds_csv *csv, size_t col);
/* The cell at (row, col), row 0 being the first record after the header. */
const char *ds_csv_cell(const ds_csv *csv, size_t row, size_t col);
/* The physical line (1-based) on which a record starts. */
size_t ds_csv_line(const ds_csv *csv, size_t row);

/*
 * Finds each of the NULL-terminated names in the header and writes their column indices to
 * cols. DS_EINVAL "header: missing column \"weight\"" when one is absent. Columns not listed
 * are allowed unless exact is set ("header: unexpected column \"x\"").
 */
int ds_csv_columns(const ds_csv *csv, const char *const *names, size_t *cols, int exact,
                   ds_error *err);

/*
 * Strict decimal number from a cell (no spaces, no hex, no inf/nan): DS_EINVAL with field
 * "line L: <column>" and reason "not a number" otherwise. An empty cell gives DS_EINVAL
 * "is required" unless allow_empty, in which case it returns 1 (out untouched).
 */
int ds_csv_number(double *out, const ds_csv *csv, size_t row, size_t col, int allow_empty,
                  ds_error *err);

/* Builds the field name "line L: <column>" used in messages into buf. Returns buf. */
char *ds_csv_field(char *buf, size_t cap, const ds_csv *csv, size_t row, size_t col);

#endif
