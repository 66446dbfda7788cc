/*
 * test_grading.c: every cell of the GB/T 43697-2024 table of DESIGN.md section 5, the
 * highest-grade rule for several impacts, declared grades, the profile's totals and the errors.
 */
#include <string.h>

#include "data/json_in.h"
#include "pricing/assets.h"
#include "tests/ds_test.h"

/* The table written out independently of pricing/grading.c, as DESIGN.md prints it. */
static const struct {
    const char *object, *degree, *grade;
} table[] = {
    {"national_security", "particularly_serious", "core"},
    {"national_security", "serious", "core"},
    {"national_security", "general", "important"},
    {"economic_operation", "particularly_serious", "core"},
    {"economic_operation", "serious", "important"},
    {"economic_operation", "general", "general"},
    {"social_order", "particularly_serious", "core"},
    {"social_order", "serious", "important"},
    {"social_order", "general", "general"},
    {"public_interest", "particularly_serious", "core"},
    {"public_interest", "serious", "important"},
    {"public_interest", "general", "general"},
    {"organization", "particularly_serious", "general"},
    {"organization", "serious", "general"},
    {"organization", "general", "general"},
    {"individual", "particularly_serious", "general"},
    {"individual", "serious", "general"},
    {"individual", "general", "general"},
};

static cJSON *parse(const char *text)
{
    cJSON *root = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_json_parse(&root, text, strlen(text), "input", &err) == 0);
    return root;
}

/* Grades one request; returns the profile or NULL, leaving the error in err. */
static cJSON *profile_of(const char *text, ds_error *err)
{
    cJSON *request = parse(text);
    cJSON *profile = NULL;
    ds_grade_profile(&profile, request, err);
    cJSON_Delete(request);
    return profile;
}

static const char *asset_field(const cJSON *profile, int i, const char *key)
{
    const cJSON *asset = cJSON_GetArrayItem(cJSON_GetObjectItem(profile, "assets"), i);
    const cJSON *v = cJSON_GetObjectItem(asset, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_grading__every_table_cell(void)
{
    CU_ASSERT_EQUAL(sizeof table / sizeof table[0],
                    DS_IMPACT_OBJECT_COUNT * DS_HARM_DEGREE_COUNT);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "{\"platform_id\": \"P\", \"assets\": [{\"id\": \"A\", \"records\": 10, "
                 "\"impacts\": [{\"object\": \"%s\", \"degree\": \"%s\"}]}]}",
                 table[i].object, table[i].degree);
        ds_error err;
        cJSON *profile = profile_of(text, &err);
        CU_ASSERT_FATAL(profile != NULL);
        const char *grade = asset_field(profile, 0, "grade");
        CU_ASSERT_FATAL(grade != NULL);
        if (strcmp(grade, table[i].grade) != 0)
            fprintf(stderr, "\n  %s x %s gave %s, want %s\n", table[i].object, table[i].degree,
                    grade, table[i].grade);
        CU_ASSERT_STRING_EQUAL(grade, table[i].grade);
        CU_ASSERT_STRING_EQUAL(asset_field(profile, 0, "derived_grade"), table[i].grade);
        char rule[256];
        snprintf(rule, sizeof rule, "%s x %s -> %s", table[i].object, table[i].degree,
                 table[i].grade);
        CU_ASSERT_STRING_EQUAL(asset_field(profile, 0, "rule"), rule);
        cJSON_Delete(profile);
    }
}

static void test_grading__highest_of_several_impacts_wins(void)
{
    ds_error err;
    cJSON *profile = profile_of(
        "{\"platform_id\": \"P\", \"assets\": [{\"id\": \"A\", \"records\": 5, \"impacts\": ["
        "{\"object\": \"individual\", \"degree\": \"particularly_serious\"},"
        "{\"object\": \"public_interest\", \"degree\": \"serious\"},"
        "{\"object\": \"social_order\", \"degree\": \"general\"}]}]}",
        &err);
    CU_ASSERT_FATAL(profile != NULL);
    CU_ASSERT_STRING_EQUAL(asset_field(profile, 0, "grade"), "important");
    CU_ASSERT_STRING_EQUAL(asset_field(profile, 0, "rule"),
                           "public_interest x serious -> important");
    cJSON_Delete(profile);
}

static void test_grading__declared_grade_is_reported_and_never_lowers_the_price(void)
{
    ds_error err;
    cJSON *profile = profile_of(
        "{\"platform_id\": \"P\", \"assets\": ["
        "{\"id\": \"A1\", \"records\": 1, \"grade\": \"general\","
        " \"impacts\": [{\"object\": \"national_security\", \"degree\": \"serious\"}]},"
        "{\"id\": \"A2\", \"records\": 1, \"grade\": \"core\","
        " \"impacts\": [{\"object\": \"organization\", \"degree\": \"serious\"}]},"
        "{\"id\": \"A3\", \"records\": 1, \"grade\": \"important\", \"personal\": true}]}",
        &err);
    CU_ASSERT_FATAL(profile != NULL);
    /* Declared below the rules: the rules' grade is priced, the discrepancy flagged. */
    CU_ASSERT_STRING_EQUAL(asset_field(profile, 0, "grade"), "core");
    CU_ASSERT_STRING_EQUAL(asset_field(profile, 0, "declared_grade"), "general");
    const cJSON *a0 = cJSON_GetArrayItem(cJSON_GetObjectItem(profile, "assets"), 0);
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(a0, "declared_below_rules")));
    /* Declared above the rules: the declaration stands. */
    CU_ASSERT_STRING_EQUAL(asset_field(profile, 1, "grade"), "core");
    CU_ASSERT_STRING_EQUAL(asset_field(profile, 1, "rule"),
                           "declared core, above the rules' general");
    /* Declared only. */
    CU_ASSERT_STRING_EQUAL(asset_field(profile, 2, "grade"), "important");
    CU_ASSERT_STRING_EQUAL(asset_field(profile, 2, "rule"), "declared important");
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(
        cJSON_GetArrayItem(cJSON_GetObjectItem(profile, "assets"), 2), "derived_grade")));
    cJSON_Delete(profile);
}

static void test_grading__profile_totals_and_shares(void)
{
    ds_error err;
    /* The DESIGN.md example: 200,000 important records and 1,500,000 general ones. */
    cJSON *profile = profile_of(
        "{\"platform_id\": \"P-001\", \"assets\": ["
        "{\"id\": \"A1\", \"name\": \"process recipes\", \"records\": 200000,"
        " \"impacts\": [{\"object\": \"economic_operation\", \"degree\": \"serious\"}]},"
        "{\"id\": \"A2\", \"name\": \"customer contacts\", \"records\": 1500000,"
        " \"grade\": \"general\", \"personal\": true}]}",
        &err);
    CU_ASSERT_FATAL(profile != NULL);
    const cJSON *by_grade = cJSON_GetObjectItem(profile, "by_grade");
    const cJSON *important = cJSON_GetObjectItem(by_grade, "important");
    const cJSON *general = cJSON_GetObjectItem(by_grade, "general");
    const cJSON *core = cJSON_GetObjectItem(by_grade, "core");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(important, "records")->valuedouble, 200000);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(general, "records")->valuedouble, 1500000);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(core, "records")->valuedouble, 0);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(core, "share")->valuedouble, 0);
    /* 200000 / 1700000 = 2/17 */
    DS_ASSERT_REL(cJSON_GetObjectItem(important, "share")->valuedouble, 2.0 / 17.0, 1e-15);
    DS_ASSERT_REL(cJSON_GetObjectItem(general, "share")->valuedouble, 15.0 / 17.0, 1e-15);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(profile, "total_records")->valuedouble, 1700000);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(profile, "platform_id")->valuestring, "P-001");
    cJSON_Delete(profile);
}

static void expect_error(const char *text, const char *message)
{
    ds_error err;
    ds_error_clear(&err);
    cJSON *profile = profile_of(text, &err);
    CU_ASSERT(profile == NULL);
    CU_ASSERT_EQUAL(err.code, DS_EINVAL);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got \"%s\"\n  want \"%s\"\n", err.message, message);
    CU_ASSERT_STRING_EQUAL(err.message, message);
    cJSON_Delete(profile);
}

static void test_grading__bad_input_names_the_field(void)
{
    expect_error("{\"platform_id\": \"P\", \"assets\": [{\"id\": \"A\", \"grade\": \"core\","
                 " \"records\": 1}, {\"id\": \"B\", \"grade\": \"core\", \"records\": -3}]}",
                 "assets[1].records: must be a non-negative integer");
    expect_error("{\"platform_id\": \"P\", \"assets\": [{\"id\": \"A\", \"records\": 2.5,"
                 " \"grade\": \"core\"}]}",
                 "assets[0].records: must be a non-negative integer");
    expect_error("{\"platform_id\": \"P\", \"assets\": [{\"id\": \"A\", \"records\": 1,"
                 " \"grade\": \"secret\"}]}",
                 "assets[0].grade: unknown grade \"secret\" (core, important or general)");
    expect_error("{\"platform_id\": \"P\", \"assets\": [{\"id\": \"A\", \"records\": 1,"
                 " \"impacts\": [{\"object\": \"planet\", \"degree\": \"serious\"}]}]}",
                 "assets[0].impacts[0].object: unknown impact object \"planet\"");
    expect_error("{\"platform_id\": \"P\", \"assets\": [{\"id\": \"A\", \"records\": 1,"
                 " \"impacts\": [{\"object\": \"individual\", \"degree\": \"grave\"}]}]}",
                 "assets[0].impacts[0].degree: unknown degree of harm \"grave\"");
    expect_error("{\"platform_id\": \"P\", \"assets\": [{\"id\": \"A\", \"records\": 1}]}",
                 "assets[0]: needs impacts or a declared grade");
    expect_error("{\"platform_id\": \"P\", \"assets\": [{\"id\": \"A\", \"records\": 1,"
                 " \"grade\": \"core\"}, {\"id\": \"A\", \"records\": 2, \"grade\": \"core\"}]}",
                 "assets[1].id: duplicate asset id \"A\" (also assets[0])");
    expect_error("{\"platform_id\": \"P\", \"assets\": []}",
                 "assets: must list at least one asset");
    expect_error("{\"assets\": []}", "platform_id: required field is missing");
    expect_error("{\"platform_id\": \"P\", \"assets\": [{\"id\": \"A\", \"records\": 1,"
                 " \"grade\": \"core\", \"recrods\": 5}]}",
                 "assets[0].recrods: unknown field");
}

static const ds_test_case tests[] = {
    {"every_table_cell", test_grading__every_table_cell},
    {"highest_of_several_impacts_wins", test_grading__highest_of_several_impacts_wins},
    {"declared_grade_is_reported_and_never_lowers_the_price",
     test_grading__declared_grade_is_reported_and_never_lowers_the_price},
    {"profile_totals_and_shares", test_grading__profile_totals_and_shares},
    {"bad_input_names_the_field", test_grading__bad_input_names_the_field},
};

DS_TEST_MAIN("grading", tests)
