/*
 * json_batch.h: reading a body of records given as a JSON array or as JSON Lines (one value per
 * line, blank lines skipped), optionally also as one JSON object on its own (on one line or
 * several). One reader for `dsure ledger append`, the HTTP batch bodies (web/batch.c) and claims
 * batches (claims/adjudicate.c), so the forms they accept and the line numbers they report agree.
 *
 * Guarantees: a malformed value is DS_EINVAL naming `what` (whole-body forms) or
 * "<line_prefix> N" (JSON Lines, N counted from 1 at text[0]; with several bad lines, the first);
 * nothing is kept on error beyond what ds_json_batch_clear frees. Ownership: the batch owns the
 * parsed trees; items borrow them.
 *
 * Threads: JSON Lines of 1000 non-blank lines or more are parsed on as many threads as there are
 * online cores, at most 8, each taking a contiguous range of lines. The result (trees, order,
 * line numbers) and any error (code, field, message) are exactly those of one thread. Arrays and
 * single objects are parsed on the calling thread. Safe to call from several threads at once.
 */
#ifndef DS_DATA_JSON_BATCH_H
#define DS_DATA_JSON_BATCH_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"

typedef struct ds_json_batch {
    cJSON *whole;          /* the parsed array or single object, or NULL for JSON Lines */
    int is_array;          /* whole is an array */
    cJSON **lines;         /* JSON Lines: one tree per non-blank line */
    const cJSON **items;   /* the records, borrowed from whole or lines */
    size_t *line_no;       /* JSON Lines: the 1-based line of each item; NULL otherwise */
    size_t n;
} ds_json_batch;

/* A body that parses as one JSON object (starting with '{') is a batch of that one object. */
#define DS_JSON_BATCH_ONE_OBJECT 1

/*
 * Parses text[0..len): after leading white space, '[' means one JSON array (named `what` in
 * errors); with DS_JSON_BATCH_ONE_OBJECT a '{' body that parses whole is one object; anything
 * else is JSON Lines, each line named "<line_prefix> N". *out is always initialised (clear it).
 */
int ds_json_batch_read(ds_json_batch *out, const char *text, size_t len, const char *what,
                       const char *line_prefix, int flags, ds_error *err);

/*
 * ds_json_batch_read with JSON Lines parsed on n_threads threads (clamped to 8) whatever the
 * number of lines; 0 chooses as ds_json_batch_read does, 1 parses on the calling thread. The
 * result is the same for every n_threads; for tests and benchmarks.
 */
int ds_json_batch_read_threads(ds_json_batch *out, const char *text, size_t len,
                               const char *what, const char *line_prefix, int flags,
                               unsigned n_threads, ds_error *err);

/* The form ds_json_batch_read reads a body in, from its first non-blank byte. */
typedef enum {
    DS_JSON_BATCH_ARRAY,   /* '[': one JSON array */
    DS_JSON_BATCH_OBJECT,  /* with DS_JSON_BATCH_ONE_OBJECT: "{" and one value, nothing after */
    DS_JSON_BATCH_LINES    /* anything else: JSON Lines */
} ds_json_batch_form;

ds_json_batch_form ds_json_batch_form_of(const char *text, size_t len, int flags);

/* A non-blank line of JSON Lines: text[start .. start + len) without its '\n', line_no counted
 * from 1 at text[0]. */
typedef struct ds_json_line {
    size_t start, len, line_no;
} ds_json_line;

/* The non-blank lines of text, for readers that parse them one by one themselves
 * (claims/adjudicate.c frees each claim's tree as soon as it is read). *lines: free(). */
int ds_json_lines_split(ds_json_line **lines, size_t *n, const char *text, size_t len,
                        ds_error *err);

/* Frees the batch and zeroes it. NULL-safe. */
void ds_json_batch_clear(ds_json_batch *batch);

#endif
