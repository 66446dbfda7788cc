/*
 * batch.c: request bodies read with data/json_batch.h (see batch.h); an object alone is a batch
 * of one, and items are named relative to "request".
 */
#include "web/batch.h"

#include <stdio.h>

int ds_batch_read(ds_batch *b, const char *text, size_t len, ds_error *err)
{
    return ds_json_batch_read(b, text, len, "request", "line", DS_JSON_BATCH_ONE_OBJECT, err);
}

void ds_batch_clear(ds_batch *b)
{
    ds_json_batch_clear(b);
}

void ds_batch_where(const ds_batch *b, size_t i, char *buf, size_t cap)
{
    if (b->line_no)
        snprintf(buf, cap, "line %zu", b->line_no[i]);
    else if (b->is_array)
        snprintf(buf, cap, "request[%zu]", i);
    else
        snprintf(buf, cap, "request");
}
