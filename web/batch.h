/*
 * batch.h: reading a request body that is a JSON array, JSON Lines (one object per line, blank
 * lines skipped) or a single JSON object (on one line or several), as `dsure ledger append` and `dsure claims
 * adjudicate` read their input. Items are named in errors as "request[i]" for an array or
 * "line N" for JSON Lines.
 *
 * Ownership: the batch owns the parsed trees; items are borrowed from them.
 */
#ifndef DS_WEB_BATCH_H
#define DS_WEB_BATCH_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"

typedef struct ds_batch {
    cJSON *whole;          /* the parsed array or single object, or NULL for JSON Lines */
    int is_array;
    cJSON **lines;         /* one tree per non-blank line */
    const cJSON **items;
    size_t *line_no;       /* JSON Lines: the 1-based line of each item */
    size_t n;
} ds_batch;

/* Parses text[0..len). DS_EINVAL naming the line or "request" for malformed JSON. */
int ds_batch_read(ds_batch *out, const char *text, size_t len, ds_error *err);

/* Frees the batch. NULL-safe. */
void ds_batch_clear(ds_batch *batch);

/* "request[i]" or "line N" for item i into buf. */
void ds_batch_where(const ds_batch *batch, size_t i, char *buf, size_t cap);

#endif
