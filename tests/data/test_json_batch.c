/*
 * test_json_batch.c: data/json_batch.h, the one reader of JSON array / JSON Lines bodies used by
 * `dsure ledger append`, the HTTP batch routes and claims batches. Checks: an array yields its
 * elements with no line numbers; JSON Lines skip blank (space, tab, CR) lines and number the
 * rest from 1 at the first byte; a lone object is one item only with DS_JSON_BATCH_ONE_OBJECT
 * (without it, and for an object spread over lines that does not parse whole, the text is JSON
 * Lines); malformed input is DS_EINVAL naming `what` or "<prefix> N"; clear is NULL-safe and
 * leaves nothing allocated (checked under ASan).
 *
 * Threads: a generated batch of a few thousand lines (blank and white-space lines, CR LF endings,
 * no final newline) read on 1, 2, 3 and 8 threads and by the default choice gives the same items
 * (printed), in the same order, with the same line numbers, each item being the one written on
 * that line. With bad lines in either half, or both, every thread count reports the first bad
 * line with the code, field and message that ds_json_parse gives for that line alone (malformed
 * JSON, a repeated member, a \u0000 escape, trailing text), and leaves the same number of items
 * for clear. A UTF-8 byte order mark at the start of a line is skipped (by cJSON), as before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/json_batch.h"
#include "data/json_in.h"
#include "tests/ds_test.h"

static int read_text(ds_json_batch *b, const char *text, int flags, ds_error *err)
{
    return ds_json_batch_read(b, text, strlen(text), "body", "line", flags, err);
}

static int item_id(const ds_json_batch *b, size_t i)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(b->items[i], "id");
    return cJSON_IsNumber(id) ? id->valueint : -1;
}

static void test_json_batch__array_yields_elements_without_line_numbers(void)
{
    ds_json_batch b;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(
        read_text(&b, " \n[{\"id\": 1}, {\"id\": 2}, {\"id\": 3}]\n", 0, &err), 0);
    CU_ASSERT_EQUAL(b.n, 3);
    CU_ASSERT_TRUE(b.is_array);
    CU_ASSERT_PTR_NULL(b.line_no);
    for (size_t i = 0; i < b.n; i++)
        CU_ASSERT_EQUAL(item_id(&b, i), (int)i + 1);
    ds_json_batch_clear(&b);
    CU_ASSERT_PTR_NULL(b.items);
    CU_ASSERT_EQUAL(b.n, 0);
}

static void test_json_batch__json_lines_skip_blank_lines_and_keep_line_numbers(void)
{
    ds_json_batch b;
    ds_error err;
    const char *text = "\n{\"id\": 1}\n \t\r\n{\"id\": 2}\r\n\n{\"id\": 3}";
    CU_ASSERT_EQUAL_FATAL(read_text(&b, text, DS_JSON_BATCH_ONE_OBJECT, &err), 0);
    CU_ASSERT_EQUAL_FATAL(b.n, 3);
    CU_ASSERT_FALSE(b.is_array);
    CU_ASSERT_PTR_NULL(b.whole);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b.line_no);
    CU_ASSERT_EQUAL(b.line_no[0], 2);
    CU_ASSERT_EQUAL(b.line_no[1], 4);
    CU_ASSERT_EQUAL(b.line_no[2], 6);
    CU_ASSERT_EQUAL(item_id(&b, 2), 3);
    ds_json_batch_clear(&b);
}

static void test_json_batch__lone_object_is_one_item_only_when_asked(void)
{
    ds_json_batch b;
    ds_error err;
    const char *text = "{\n  \"id\": 7\n}\n";
    CU_ASSERT_EQUAL_FATAL(read_text(&b, text, DS_JSON_BATCH_ONE_OBJECT, &err), 0);
    CU_ASSERT_EQUAL(b.n, 1);
    CU_ASSERT_PTR_NULL(b.line_no);
    CU_ASSERT_PTR_EQUAL(b.items[0], b.whole);
    CU_ASSERT_EQUAL(item_id(&b, 0), 7);
    ds_json_batch_clear(&b);
    /* Without the flag the same text is JSON Lines, and line 1 ("{") is not JSON. */
    CU_ASSERT_EQUAL(read_text(&b, text, 0, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "line 1");
    ds_json_batch_clear(&b);
}

static void test_json_batch__errors_name_the_line_with_its_prefix(void)
{
    ds_json_batch b;
    ds_error err;
    const char *text = "{\"id\": 1}\n\n{\"id\": }\n";
    CU_ASSERT_EQUAL(ds_json_batch_read(&b, text, strlen(text), "batch", "batch line",
                                       DS_JSON_BATCH_ONE_OBJECT, &err),
                    DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "batch line 3");
    ds_json_batch_clear(&b);
    CU_ASSERT_EQUAL(read_text(&b, "[{\"id\": 1},]", 0, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "body");
    ds_json_batch_clear(&b);
}

static void test_json_batch__empty_text_is_an_empty_batch_and_clear_is_null_safe(void)
{
    ds_json_batch b;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(read_text(&b, " \n\r\n", DS_JSON_BATCH_ONE_OBJECT, &err), 0);
    CU_ASSERT_EQUAL(b.n, 0);
    ds_json_batch_clear(&b);
    ds_json_batch_clear(NULL);
}

/* ---- several threads -------------------------------------------------------------------- */

enum { GEN_LINES = 3000 };

/* A batch of n_items records as JSON Lines: item k is {"id": k, ...} with strings, numbers,
 * nested values; blank lines, white-space lines and CR LF endings mixed in; no final newline.
 * bad[] (0-terminated) lists 1-based line numbers to replace by bad_text. Returns the text
 * (caller frees) and writes the expected line number of each item into line_of[k]. */
static char *gen_batch(size_t n_items, size_t *line_of, const size_t *bad, const char *bad_text,
                       size_t *len_out)
{
    size_t cap = n_items * 200 + 4096, len = 0, line = 0;
    char *text = malloc(cap);
    CU_ASSERT_FATAL(text != NULL);
    for (size_t k = 0; k < n_items; k++) {
        if (k % 37 == 5) {
            len += (size_t)snprintf(text + len, cap - len, "\n");
            line++;
        }
        if (k % 101 == 7) {
            len += (size_t)snprintf(text + len, cap - len, " \t\r\n");
            line++;
        }
        line++;
        int is_bad = 0;
        for (const size_t *b = bad; b && *b; b++)
            is_bad |= *b == line;
        if (is_bad)
            len += (size_t)snprintf(text + len, cap - len, "%s", bad_text);
        else
            len += (size_t)snprintf(text + len, cap - len,
                                    "{\"id\": %zu, \"name\": \"claim \\u00e9 %zu\", "
                                    "\"v\": [%zu.5, true, null, {\"k\": \"%zx\"}], \"e\": {}}",
                                    k, k * 7, k % 13, k);
        if (line_of)
            line_of[k] = line;
        if (k + 1 < n_items)
            len += (size_t)snprintf(text + len, cap - len, k % 5 == 2 ? "\r\n" : "\n");
        CU_ASSERT_FATAL(len < cap - 256);
    }
    *len_out = len;
    return text;
}

static const unsigned thread_counts[] = {1, 2, 3, 8, 0};
enum { N_COUNTS = sizeof thread_counts / sizeof thread_counts[0] };

static void test_json_batch__lines_on_several_threads_equal_one_thread(void)
{
    size_t line_of[GEN_LINES], len;
    char *text = gen_batch(GEN_LINES, line_of, NULL, NULL, &len);
    char **want = calloc(GEN_LINES, sizeof *want);
    CU_ASSERT_FATAL(want != NULL);
    for (size_t c = 0; c < N_COUNTS; c++) {
        ds_json_batch b;
        ds_error err;
        /* DS_JSON_BATCH_ONE_OBJECT: the text starts with '{' but is not one object. */
        CU_ASSERT_EQUAL_FATAL(ds_json_batch_read_threads(&b, text, len, "batch", "batch line",
                                                         DS_JSON_BATCH_ONE_OBJECT,
                                                         thread_counts[c], &err),
                              0);
        CU_ASSERT_EQUAL_FATAL(b.n, GEN_LINES);
        CU_ASSERT_PTR_NULL(b.whole);
        unsigned long n_bad = 0;
        for (size_t k = 0; k < b.n; k++) {
            char *printed = cJSON_PrintUnformatted(b.items[k]);
            CU_ASSERT_FATAL(printed != NULL);
            if (c == 0)
                want[k] = printed;
            n_bad += b.line_no[k] != line_of[k] || item_id(&b, k) != (int)k ||
                     strcmp(printed, want[k]) != 0;
            if (c != 0)
                cJSON_free(printed);
        }
        if (n_bad)
            fprintf(stderr, "\n  %u threads: %lu items differ\n", thread_counts[c], n_bad);
        CU_ASSERT_EQUAL(n_bad, 0);
        ds_json_batch_clear(&b);
    }
    for (size_t k = 0; k < GEN_LINES; k++)
        cJSON_free(want[k]);
    free(want);
    free(text);
}

/* The batch with bad_text on the given lines fails, on every thread count, as ds_json_parse does
 * on that first line alone named "batch line N", keeping the items before it. */
static void check_first_bad_line(const size_t *bad, const char *bad_text)
{
    size_t len;
    char *text = gen_batch(GEN_LINES, NULL, bad, bad_text, &len);
    size_t first = bad[0];
    for (const size_t *p = bad; *p; p++)
        first = *p < first ? *p : first;
    char where[64];
    snprintf(where, sizeof where, "batch line %zu", first);
    cJSON *none = NULL;
    ds_error want;
    CU_ASSERT_FATAL(ds_json_parse(&none, bad_text, strlen(bad_text), where, &want) ==
                    DS_EINVAL);
    size_t n_kept = 0;
    for (size_t c = 0; c < N_COUNTS; c++) {
        ds_json_batch b;
        ds_error err;
        int rc = ds_json_batch_read_threads(&b, text, len, "batch", "batch line", 0,
                                            thread_counts[c], &err);
        CU_ASSERT_EQUAL(rc, DS_EINVAL);
        CU_ASSERT_STRING_EQUAL(err.field, where);
        CU_ASSERT_STRING_EQUAL(err.message, want.message);
        if (c == 0)
            n_kept = b.n;
        CU_ASSERT_EQUAL(b.n, n_kept);
        CU_ASSERT(b.n > 0 && b.line_no[b.n - 1] < first);
        ds_json_batch_clear(&b);
    }
    free(text);
}

static void test_json_batch__threads_report_the_first_bad_line_with_the_serial_message(void)
{
    static const char *const kinds[] = {
        "{\"id\": }",                /* malformed */
        "{\"a\": 1, \"a\": 2}",      /* a member twice */
        "{\"s\": \"x\\u0000y\"}",    /* a NUL escape */
        "{\"id\": 1} trailing",      /* text after the value */
    };
    /* Lines in the first half, the second half, both (either listed first), near each end. */
    static const size_t first_half[] = {700, 0}, second_half[] = {2600, 0};
    static const size_t both[] = {2700, 400, 0}, ends[] = {3, 3001, 0};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        check_first_bad_line(first_half, kinds[k]);
        check_first_bad_line(second_half, kinds[k]);
        check_first_bad_line(both, kinds[k]);
        check_first_bad_line(ends, kinds[k]);
    }
}

/* A UTF-8 byte order mark at the start of a line is skipped by cJSON, so it is accepted at the
 * start of the text and of any line, on every thread count, as by the serial reader: the items
 * are those of the same text without it. A JSON Lines body is not mistaken for one object; a
 * lone object spread over lines still is one, and one that ds_json_parse refuses (a member
 * twice) is read as JSON Lines, as before. */
static void test_json_batch__bom_and_one_object_decisions_are_unchanged(void)
{
    size_t line_of[GEN_LINES], len;
    char *text = gen_batch(GEN_LINES, line_of, NULL, NULL, &len);
    char *with_bom = malloc(len + 7);
    CU_ASSERT_FATAL(with_bom != NULL);
    /* BOMs before line 1 and before item 2000 (the line after the newline that precedes it). */
    const char *at = text;
    for (size_t line = 1; line < line_of[2000]; line++)
        at = strchr(at, '\n') + 1;
    size_t cut = (size_t)(at - text);
    memcpy(with_bom, "\xEF\xBB\xBF", 3);
    memcpy(with_bom + 3, text, cut);
    memcpy(with_bom + 3 + cut, "\xEF\xBB\xBF", 3);
    memcpy(with_bom + 6 + cut, text + cut, len - cut);
    for (size_t c = 0; c < N_COUNTS; c++) {
        ds_json_batch b;
        ds_error err;
        CU_ASSERT_EQUAL_FATAL(ds_json_batch_read_threads(&b, with_bom, len + 6, "batch", "line",
                                                         DS_JSON_BATCH_ONE_OBJECT,
                                                         thread_counts[c], &err),
                              0);
        CU_ASSERT_EQUAL_FATAL(b.n, GEN_LINES);
        unsigned long n_bad = 0;
        for (size_t k = 0; k < b.n; k++)
            n_bad += b.line_no[k] != line_of[k] || item_id(&b, k) != (int)k;
        CU_ASSERT_EQUAL(n_bad, 0);
        ds_json_batch_clear(&b);
    }
    ds_json_batch b;
    ds_error err;
    const char *twice = "{\n  \"a\": 1,\n  \"a\": 2\n}\n";
    CU_ASSERT_EQUAL(read_text(&b, twice, DS_JSON_BATCH_ONE_OBJECT, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "line 1");
    ds_json_batch_clear(&b);
    free(with_bom);
    free(text);
}

static const ds_test_case tests[] = {
    {"test_json_batch__array_yields_elements_without_line_numbers",
     test_json_batch__array_yields_elements_without_line_numbers},
    {"test_json_batch__json_lines_skip_blank_lines_and_keep_line_numbers",
     test_json_batch__json_lines_skip_blank_lines_and_keep_line_numbers},
    {"test_json_batch__lone_object_is_one_item_only_when_asked",
     test_json_batch__lone_object_is_one_item_only_when_asked},
    {"test_json_batch__errors_name_the_line_with_its_prefix",
     test_json_batch__errors_name_the_line_with_its_prefix},
    {"test_json_batch__empty_text_is_an_empty_batch_and_clear_is_null_safe",
     test_json_batch__empty_text_is_an_empty_batch_and_clear_is_null_safe},
    {"test_json_batch__lines_on_several_threads_equal_one_thread",
     test_json_batch__lines_on_several_threads_equal_one_thread},
    {"test_json_batch__threads_report_the_first_bad_line_with_the_serial_message",
     test_json_batch__threads_report_the_first_bad_line_with_the_serial_message},
    {"test_json_batch__bom_and_one_object_decisions_are_unchanged",
     test_json_batch__bom_and_one_object_decisions_are_unchanged},
};

DS_TEST_MAIN("json_batch", tests)
