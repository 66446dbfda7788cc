/*
 * test_json_batch.c: data/json_batch.h, the one reader of JSON array / JSON Lines bodies used by
 * `dsure ledger append`, the HTTP batch routes and claims batches. Checks: an array yields its
 * elements with no line numbers; JSON Lines skip blank (space, tab, CR) lines and number the
 * rest from 1 at the first byte; a lone object is one item only with DS_JSON_BATCH_ONE_OBJECT
 * (without it, and for an object spread over lines that does not parse whole, the text is JSON
 * Lines); malformed input is DS_EINVAL naming `what` or "<prefix> N"; clear is NULL-safe and
 * leaves nothing allocated (checked under ASan).
 */
#include <string.h>

#include "data/json_batch.h"
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
};

DS_TEST_MAIN("json_batch", tests)
