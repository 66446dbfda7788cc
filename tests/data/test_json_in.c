/*
 * test_json_in.c: the typed JSON readers name the field at fault and refuse wrong types.
 */
#include <string.h>

#include "data/json_in.h"
#include "tests/ds_test.h"

static cJSON *parse(const char *text)
{
    cJSON *root = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_json_parse(&root, text, strlen(text), "input", &err) == 0);
    return root;
}

static void test_json_in__malformed_json_reports_line_and_column(void)
{
    const char *text = "{\"a\": 1,\n \"b\": }";
    cJSON *root = NULL;
    ds_error err;
    CU_ASSERT(ds_json_parse(&root, text, strlen(text), "model.json", &err) == DS_EINVAL);
    CU_ASSERT(root == NULL);
    CU_ASSERT(strstr(err.message, "model.json: malformed JSON at line 2") != NULL);
}

static void test_json_in__trailing_garbage_is_refused(void)
{
    const char *text = "{\"a\": 1} x";
    cJSON *root = NULL;
    ds_error err;
    CU_ASSERT(ds_json_parse(&root, text, strlen(text), "in", &err) == DS_EINVAL);
    CU_ASSERT(root == NULL);
}

static void test_json_in__nul_escape_and_duplicate_members_are_refused(void)
{
    const char *nul = "{\"a\": \"A\\u0000B\"}";
    const char *escaped_backslash = "{\"a\": \"A\\\\u0000B\"}";
    const char *dup = "{\"x\": {\"amount\": 1, \"amount\": 2}}";
    cJSON *root = NULL;
    ds_error err;
    CU_ASSERT(ds_json_parse(&root, nul, strlen(nul), "in", &err) == DS_EINVAL);
    CU_ASSERT(strstr(err.message, "NUL character") != NULL);
    CU_ASSERT(ds_json_parse(&root, escaped_backslash, strlen(escaped_backslash), "in", &err) == 0);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(root, "a")->valuestring, "A\\u0000B");
    cJSON_Delete(root);
    CU_ASSERT(ds_json_parse(&root, dup, strlen(dup), "in", &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "in: member \"amount\" appears twice in one object");
    CU_ASSERT(root == NULL);
}

static void test_json_in__number_names_nested_path(void)
{
    cJSON *root = parse("{\"severity\": {\"sdlog\": \"x\", \"meanlog\": 10}}");
    const cJSON *sev = NULL;
    ds_error err;
    CU_ASSERT(ds_json_object(&sev, root, "", "severity", DS_JSON_REQUIRED, &err) == 0);
    double v = 0;
    CU_ASSERT(ds_json_number(&v, sev, "severity", "meanlog", DS_JSON_REQUIRED, &err) == 0);
    CU_ASSERT(v == 10);
    CU_ASSERT(ds_json_number(&v, sev, "severity", "sdlog", DS_JSON_REQUIRED, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "severity.sdlog: must be a number");
    CU_ASSERT_STRING_EQUAL(err.field, "severity.sdlog");
    CU_ASSERT(ds_json_number(&v, sev, "severity", "xi", DS_JSON_REQUIRED, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "severity.xi: required field is missing");
    cJSON_Delete(root);
}

static void test_json_in__null_counts_as_absent_when_optional(void)
{
    cJSON *root = parse("{\"limit\": null}");
    double v = 7;
    ds_error err;
    CU_ASSERT(ds_json_number(&v, root, "terms", "limit", DS_JSON_OPTIONAL, &err) ==
              DS_JSON_ABSENT);
    CU_ASSERT(v == 7);
    CU_ASSERT(ds_json_number(&v, root, "terms", "limit", DS_JSON_REQUIRED, &err) == DS_EINVAL);
    cJSON_Delete(root);
}

static void test_json_in__int64_refuses_fractions_and_huge_values(void)
{
    cJSON *root = parse("{\"a\": 2.5, \"b\": 1e300, \"c\": -42}");
    int64_t v = 0;
    ds_error err;
    CU_ASSERT(ds_json_int64(&v, root, "r", "a", DS_JSON_REQUIRED, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "r.a: must be an integer");
    CU_ASSERT(ds_json_int64(&v, root, "r", "b", DS_JSON_REQUIRED, &err) == DS_EINVAL);
    CU_ASSERT(ds_json_int64(&v, root, "r", "c", DS_JSON_REQUIRED, &err) == 0);
    CU_ASSERT(v == -42);
    cJSON_Delete(root);
}

static void test_json_in__only_keys_reports_the_typo(void)
{
    cJSON *root = parse("{\"dist\": \"poisson\", \"lamdba\": 3}");
    static const char *const allowed[] = {"dist", "lambda", NULL};
    ds_error err;
    CU_ASSERT(ds_json_only_keys(root, "frequency", allowed, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "frequency.lamdba: unknown field");
    cJSON_Delete(root);
}

static void test_json_in__array_element_path(void)
{
    char path[DS_PATH_MAX];
    ds_path_index(path, sizeof path, "request.assets", 2);
    char field[DS_PATH_MAX];
    ds_path_key(field, sizeof field, path, "records");
    CU_ASSERT_STRING_EQUAL(field, "request.assets[2].records");
}

static const ds_test_case tests[] = {
    {"malformed_json_reports_line_and_column",
     test_json_in__malformed_json_reports_line_and_column},
    {"trailing_garbage_is_refused", test_json_in__trailing_garbage_is_refused},
    {"nul_escape_and_duplicate_members_are_refused",
     test_json_in__nul_escape_and_duplicate_members_are_refused},
    {"number_names_nested_path", test_json_in__number_names_nested_path},
    {"null_counts_as_absent_when_optional", test_json_in__null_counts_as_absent_when_optional},
    {"int64_refuses_fractions_and_huge_values",
     test_json_in__int64_refuses_fractions_and_huge_values},
    {"only_keys_reports_the_typo", test_json_in__only_keys_reports_the_typo},
    {"array_element_path", test_json_in__array_element_path},
};

DS_TEST_MAIN("json_in", tests)
