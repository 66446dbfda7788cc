/*
 * batch.c: array, JSON Lines or single-object request bodies (see batch.h).
 */
#include "web/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/json_in.h"

void ds_batch_clear(ds_batch *b)
{
    if (!b)
        return;
    cJSON_Delete(b->whole);
    for (size_t i = 0; b->lines && i < b->n; i++)
        cJSON_Delete(b->lines[i]);
    free(b->lines);
    free(b->items);
    free(b->line_no);
    memset(b, 0, sizeof *b);
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    }
    return 1;
}

/* Reads one JSON value; an object alone is a batch of one, an array a batch of its elements. */
static int read_whole(ds_batch *b, const char *text, size_t len, ds_error *err)
{
    int rc = ds_json_parse(&b->whole, text, len, "request", err);
    if (rc)
        return rc;
    b->is_array = cJSON_IsArray(b->whole);
    size_t n = b->is_array ? (size_t)cJSON_GetArraySize(b->whole) : 1;
    b->items = calloc(n ? n : 1, sizeof *b->items);
    if (!b->items)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    if (!b->is_array) {
        b->items[b->n++] = b->whole;
        return 0;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, b->whole) b->items[b->n++] = item;
    return 0;
}

int ds_batch_read(ds_batch *b, const char *text, size_t len, ds_error *err)
{
    memset(b, 0, sizeof *b);
    size_t start = 0;
    while (start < len && strchr(" \t\r\n", text[start]))
        start++;
    if (start < len && text[start] == '[')
        return read_whole(b, text, len, err);
    /* A body that is one JSON object (on one line or several) is a batch of one; anything
     * else starting with '{' is JSON Lines. */
    if (start < len && text[start] == '{') {
        cJSON *probe = NULL;
        ds_error ignored;
        if (ds_json_parse(&probe, text, len, "request", &ignored) == 0) {
            cJSON_Delete(probe);
            return read_whole(b, text, len, err);
        }
    }
    size_t cap = 0, line = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        line++;
        if (!is_blank(text + pos, end - pos)) {
            if (b->n == cap) {
                cap = cap ? 2 * cap : 64;
                cJSON **lines = realloc(b->lines, cap * sizeof *lines);
                if (lines)
                    b->lines = lines;
                size_t *nos = realloc(b->line_no, cap * sizeof *nos);
                if (nos)
                    b->line_no = nos;
                if (!lines || !nos)
                    return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            }
            char where[48];
            snprintf(where, sizeof where, "line %zu", line);
            int rc = ds_json_parse(&b->lines[b->n], text + pos, end - pos, where, err);
            if (rc)
                return rc;
            b->line_no[b->n++] = line;
        }
        pos = end + 1;
    }
    b->items = calloc(b->n ? b->n : 1, sizeof *b->items);
    if (!b->items)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < b->n; i++)
        b->items[i] = b->lines[i];
    return 0;
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
