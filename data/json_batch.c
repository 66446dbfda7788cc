/*
 * json_batch.c: JSON array, JSON Lines or single-object bodies (see json_batch.h).
 */
#include "data/json_batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/json_in.h"

void ds_json_batch_clear(ds_json_batch *b)
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

/* A line is blank when it holds only spaces, tabs and carriage returns. */
static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    }
    return 1;
}

/* Takes one parsed value; an object alone is a batch of one, an array a batch of its elements. */
static int take_whole(ds_json_batch *b, cJSON *whole, ds_error *err)
{
    b->whole = whole;
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

/* JSON Lines: one value per non-blank line, each parsed on its own. */
static int read_lines(ds_json_batch *b, const char *text, size_t len, const char *line_prefix,
                      ds_error *err)
{
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
            char where[64];
            snprintf(where, sizeof where, "%s %zu", line_prefix, line);
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

int ds_json_batch_read(ds_json_batch *b, const char *text, size_t len, const char *what,
                       const char *line_prefix, int flags, ds_error *err)
{
    memset(b, 0, sizeof *b);
    size_t start = 0;
    while (start < len && (text[start] == ' ' || text[start] == '\t' || text[start] == '\n' ||
                           text[start] == '\r'))
        start++;
    if (start < len && text[start] == '[') {
        cJSON *whole = NULL;
        int rc = ds_json_parse(&whole, text, len, what, err);
        return rc ? rc : take_whole(b, whole, err);
    }
    /* A body that is one JSON object (on one line or several) is a batch of one; anything
     * else starting with '{' is JSON Lines. */
    if ((flags & DS_JSON_BATCH_ONE_OBJECT) && start < len && text[start] == '{') {
        cJSON *whole = NULL;
        ds_error ignored;
        if (ds_json_parse(&whole, text, len, what, &ignored) == 0)
            return take_whole(b, whole, err);
    }
    return read_lines(b, text, len, line_prefix, err);
}
