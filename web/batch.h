/*
 * batch.h: reading a request body that is a JSON array, JSON Lines (one object per line, blank
 * lines skipped) or a single JSON object (on one line or several), with data/json_batch.h, the
 * reader `dsure ledger append` and `dsure claims adjudicate` use too. Items are named in errors
 * as "request[i]" for an array, "line N" for JSON Lines or "request" for one object.
 *
 * Ownership: the batch owns the parsed trees; items are borrowed from them.
 */
#ifndef DS_WEB_BATCH_H
#define DS_WEB_BATCH_H

#include <stddef.h>

#include "data/json_batch.h"

typedef ds_json_batch ds_batch;

/* Parses text[0..len). DS_EINVAL naming the line or "request" for malformed JSON. */
int ds_batch_read(ds_batch *out, const char *text, size_t len, ds_error *err);

/* Frees the batch. NULL-safe. */
void ds_batch_clear(ds_batch *batch);

/* "request[i]", "line N" or "request" for item i into buf. */
void ds_batch_where(const ds_batch *batch, size_t i, char *buf, size_t cap);

#endif
