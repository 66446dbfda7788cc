/*
 * json_batch.c: JSON array, JSON Lines or single-object bodies (see json_batch.h).
 *
 * JSON Lines are read in two passes: the line boundaries first (memchr; blank lines dropped, each
 * kept line remembering its 1-based number), then the lines parsed with ds_json_parse, on
 * several threads for large batches. Each thread parses a contiguous range of lines (ranges of
 * about equal bytes) into its own slots of the result, so the trees and their order are those of
 * one thread. A thread stops at its first bad line, and at any line after a bad line another
 * thread has already found (an atomic minimum), since nothing after the first bad line is kept.
 *
 * Errors equal the serial reading's: the reported line is the lowest-numbered bad one, and its
 * message comes from parsing that line again on the calling thread with its name ("<prefix> N"),
 * so no thread writes the caller's ds_error and the text never depends on which thread failed
 * first or on cJSON's global error pointer (ds_json_parse does not read it; cJSON still writes it
 * on every parse, a race on a value nobody reads, as on the HTTP server's threads). Should that
 * second parse succeed (a parse failing only for lack of memory), the reading simply goes on
 * serially from there. On error the batch holds the lines before the bad one, as the serial
 * reading left it, for ds_json_batch_clear to free.
 *
 * A JSON array is one document and is parsed serially, as is a single object.
 */
#include "data/json_batch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actuarial/workers.h"
#include "data/json_in.h"

/* Batches with fewer non-blank lines are parsed on the calling thread: a thread's start-up
 * (tens of microseconds) is repaid from about a thousand lines of a few hundred bytes (each
 * takes 3-9 us to parse). */
enum { PARALLEL_MIN_LINES = 1000, MAX_THREADS = 8 };

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


/* One thread's share: parses lines [lo, hi) into trees[lo .. hi). */
typedef struct {
    const char *text;
    const ds_json_line *spans;
    cJSON **trees;
    size_t lo, hi;
    atomic_size_t *first_bad; /* lowest bad line index found by any thread; SIZE_MAX: none */
} parse_part;

static void parse_part_run(parse_part *p)
{
    for (size_t i = p->lo; i < p->hi; i++) {
        if (atomic_load_explicit(p->first_bad, memory_order_relaxed) < i)
            return; /* an earlier line is bad: nothing from here on is kept */
        ds_error ignored; /* the message is made again by the calling thread */
        if (ds_json_parse(&p->trees[i], p->text + p->spans[i].start, p->spans[i].len, "line",
                          &ignored) != 0) {
            size_t seen = atomic_load_explicit(p->first_bad, memory_order_relaxed);
            while (i < seen && !atomic_compare_exchange_weak_explicit(
                                   p->first_bad, &seen, i, memory_order_relaxed,
                                   memory_order_relaxed)) {
            }
            return;
        }
    }
}

static void *parse_part_thread(void *arg)
{
    parse_part_run(arg);
    return NULL;
}

/* The number of threads for n lines when the caller leaves it to us (n_threads 0). */
static unsigned auto_threads(size_t n)
{
    if (n < PARALLEL_MIN_LINES)
        return 1;
    unsigned cores = ds_online_cores();
    return cores > MAX_THREADS ? MAX_THREADS : cores;
}

/* Parses every span into trees[0..n) on n_threads threads (ranges of about equal bytes). Returns
 * the index of the first bad line, or n when all parsed. Trees of lines after a bad one may or
 * may not have been parsed (NULL when not). */
static size_t parse_spans(cJSON **trees, const char *text, const ds_json_line *spans, size_t n,
                          unsigned n_threads)
{
    atomic_size_t first_bad;
    atomic_init(&first_bad, SIZE_MAX);
    if (n_threads > n)
        n_threads = n ? (unsigned)n : 1;
    parse_part parts[MAX_THREADS];
    size_t first = spans[0].start, bytes = spans[n - 1].start + spans[n - 1].len - first;
    size_t i = 0;
    for (unsigned t = 0; t < n_threads; t++) {
        /* Part t starts at the first line starting at or after t/n_threads of the bytes. */
        size_t target = first + (size_t)((double)bytes * t / n_threads);
        while (t > 0 && i < n && spans[i].start < target)
            i++;
        parts[t] = (parse_part){text, spans, trees, i, n, &first_bad};
        if (t > 0)
            parts[t - 1].hi = i;
    }
    pthread_t ids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (unsigned t = 1; t < n_threads; t++)
        started[t] = pthread_create(&ids[t], NULL, parse_part_thread, &parts[t]) == 0;
    parse_part_run(&parts[0]);
    for (unsigned t = 1; t < n_threads; t++) {
        if (started[t])
            pthread_join(ids[t], NULL);
        else /* no thread to be had: the same work here */
            parse_part_run(&parts[t]);
    }
    size_t bad = atomic_load(&first_bad);
    return bad < n ? bad : n;
}

/* JSON Lines: one value per non-blank line, each parsed on its own. */
static int read_lines(ds_json_batch *b, const char *text, size_t len, const char *line_prefix,
                      unsigned n_threads, ds_error *err)
{
    /* Pass 1: the non-blank lines. */
    ds_json_line *spans = NULL;
    size_t n = 0;
    size_t *line_nos = NULL;
    int rc = ds_json_lines_split(&spans, &n, text, len, err);
    if (rc)
        return rc;
    if (n > 0 && !(line_nos = malloc(n * sizeof *line_nos))) {
        free(spans);
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        line_nos[i] = spans[i].line_no;

    if (n > 0) {
        b->lines = calloc(n, sizeof *b->lines);
        b->line_no = line_nos;
        line_nos = NULL;
        if (!b->lines) {
            rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
            goto done;
        }
        /* Pass 2: the trees; then, from the first bad line on, the serial reading's rule. */
        size_t bad = parse_spans(b->lines, text, spans, n, n_threads ? n_threads
                                                                     : auto_threads(n));
        b->n = bad;
        for (size_t i = bad; i < n; i++) {
            if (!b->lines[i]) {
                char where[64];
                snprintf(where, sizeof where, "%s %zu", line_prefix, b->line_no[i]);
                rc = ds_json_parse(&b->lines[i], text + spans[i].start, spans[i].len, where,
                                   err);
                if (rc) {
                    for (size_t j = i + 1; j < n; j++) { /* parsed by a thread, not kept */
                        cJSON_Delete(b->lines[j]);
                        b->lines[j] = NULL;
                    }
                    goto done;
                }
            }
            b->n = i + 1;
        }
    }
    b->items = calloc(b->n ? b->n : 1, sizeof *b->items);
    if (!b->items) {
        rc = ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < b->n; i++)
        b->items[i] = b->lines[i];
done:
    free(spans);
    free(line_nos);
    return rc;
}

/* Whether text (from its first non-blank byte `start`, a '{') is one JSON value and nothing
 * else. A cheap look before ds_json_parse on the whole text: for a JSON Lines body that scan of
 * every byte for "\u0000" would be wasted, as the first line's value ends before the text does.
 * Called from the calling thread only (cJSON writes its global error pointer). */
static int is_one_value(const char *text, size_t len, size_t start)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text + start, len - start, &end, 0);
    if (!root)
        return 0;
    cJSON_Delete(root);
    while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    return end == text + len;
}

int ds_json_lines_split(ds_json_line **out, size_t *n_out, const char *text, size_t len,
                        ds_error *err)
{
    *out = NULL;
    *n_out = 0;
    /* There are at most (number of '\n') + 1 lines. */
    size_t max_lines = 1;
    for (size_t pos = 0; pos < len; max_lines++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        if (!nl)
            break;
        pos = (size_t)(nl - text) + 1;
    }
    ds_json_line *lines = malloc(max_lines * sizeof *lines);
    if (!lines)
        return ds_error_set(err, DS_ENOMEM, NULL, "out of memory");
    size_t n = 0, line = 0;
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        line++;
        if (!is_blank(text + pos, end - pos))
            lines[n++] = (ds_json_line){pos, end - pos, line};
        pos = end + 1;
    }
    *out = lines;
    *n_out = n;
    return 0;
}

static size_t skip_blank(const char *text, size_t len)
{
    size_t start = 0;
    while (start < len && (text[start] == ' ' || text[start] == '\t' || text[start] == '\n' ||
                           text[start] == '\r'))
        start++;
    return start;
}

ds_json_batch_form ds_json_batch_form_of(const char *text, size_t len, int flags)
{
    size_t start = skip_blank(text, len);
    if (start < len && text[start] == '[')
        return DS_JSON_BATCH_ARRAY;
    if ((flags & DS_JSON_BATCH_ONE_OBJECT) && start < len && text[start] == '{' &&
        is_one_value(text, len, start))
        return DS_JSON_BATCH_OBJECT;
    return DS_JSON_BATCH_LINES;
}

int ds_json_batch_read_threads(ds_json_batch *b, const char *text, size_t len, const char *what,
                               const char *line_prefix, int flags, unsigned n_threads,
                               ds_error *err)
{
    memset(b, 0, sizeof *b);
    ds_json_batch_form form = ds_json_batch_form_of(text, len, flags);
    if (form == DS_JSON_BATCH_ARRAY) {
        cJSON *whole = NULL;
        int rc = ds_json_parse(&whole, text, len, what, err);
        return rc ? rc : take_whole(b, whole, err);
    }
    /* A body that is one JSON object (on one line or several) is a batch of one; anything
     * else starting with '{' is JSON Lines (as is an object that ds_json_parse refuses: its
     * line then names the error). */
    if (form == DS_JSON_BATCH_OBJECT) {
        cJSON *whole = NULL;
        ds_error ignored;
        if (ds_json_parse(&whole, text, len, what, &ignored) == 0)
            return take_whole(b, whole, err);
    }
    return read_lines(b, text, len, line_prefix, n_threads > MAX_THREADS ? MAX_THREADS
                                                                         : n_threads, err);
}

int ds_json_batch_read(ds_json_batch *b, const char *text, size_t len, const char *what,
                       const char *line_prefix, int flags, ds_error *err)
{
    return ds_json_batch_read_threads(b, text, len, what, line_prefix, flags, 0, err);
}
