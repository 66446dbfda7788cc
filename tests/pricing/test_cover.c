/*
 * test_cover.c: reading the cover of DESIGN.md section 5 into integer terms, writing it back,
 * and refusing bad terms with the field named.
 */
#include <string.h>

#include "data/date.h"
#include "data/json_in.h"
#include "pricing/cover.h"
#include "tests/ds_test.h"

static const char *design_example =
    "{\"currency\": \"CNY\", \"period\": {\"start\": \"2027-01-01\", \"end\": \"2027-12-31\"},"
    " \"retroactive_date\": \"2025-01-01\", \"reporting_days\": 90,"
    " \"coverages\": [{\"code\": \"INRE\", \"sublimit\": 2000000},"
    "   {\"code\": \"NPBI\", \"sublimit\": 2000000, \"deductible\": 10000,"
    " \"waiting_hours\": 12}],"
    " \"deductible\": 50000,"
    " \"layer\": {\"attachment\": 0, \"limit\": 10000000, \"participation\": 1.0},"
    " \"aggregate_limit\": 10000000}";

static int parse_cover(ds_cover *cover, const char *text, ds_error *err)
{
    cJSON *root = NULL;
    CU_ASSERT_FATAL(ds_json_parse(&root, text, strlen(text), "in", err) == 0);
    int rc = ds_cover_parse(cover, root, "cover", err);
    cJSON_Delete(root);
    return rc;
}

static void test_cover__design_example_reads_into_minor_units(void)
{
    ds_cover c;
    ds_error err;
    CU_ASSERT_FATAL(parse_cover(&c, design_example, &err) == 0);
    CU_ASSERT_STRING_EQUAL(c.currency, "CNY");
    int64_t start, end, retro;
    ds_date_parse_days(&start, "2027-01-01");
    ds_date_parse_days(&end, "2027-12-31");
    ds_date_parse_days(&retro, "2025-01-01");
    CU_ASSERT(c.period_start == start && c.period_end == end);
    CU_ASSERT(c.has_retroactive_date && c.retroactive_date == retro);
    CU_ASSERT_EQUAL(c.reporting_days, 90);
    CU_ASSERT(c.terms.coverage[DS_COV_INRE].is_covered);
    CU_ASSERT_EQUAL(c.terms.coverage[DS_COV_INRE].sublimit, 200000000);
    CU_ASSERT_EQUAL(c.terms.coverage[DS_COV_NPBI].deductible, 1000000);
    CU_ASSERT_EQUAL(c.terms.coverage[DS_COV_NPBI].waiting_millihours, 12000);
    CU_ASSERT(!c.terms.coverage[DS_COV_REG].is_covered);
    CU_ASSERT_EQUAL(c.terms.deductible, 5000000);
    CU_ASSERT_EQUAL(c.terms.layer_limit, 1000000000);
    CU_ASSERT_EQUAL(c.terms.participation_ppm, DS_PPM);
    CU_ASSERT_EQUAL(c.terms.aggregate_limit, 1000000000);
}

static void test_cover__writes_back_what_it_read(void)
{
    ds_cover c, again;
    ds_error err;
    CU_ASSERT_FATAL(parse_cover(&c, design_example, &err) == 0);
    cJSON *json = ds_cover_to_json(&c);
    CU_ASSERT_FATAL(json != NULL);
    CU_ASSERT(ds_cover_parse(&again, json, "cover", &err) == 0);
    CU_ASSERT(memcmp(&c, &again, sizeof c) == 0);
    cJSON_Delete(json);
}

static void test_cover__absent_terms_do_not_apply(void)
{
    ds_cover c;
    ds_error err;
    CU_ASSERT_FATAL(parse_cover(&c,
                                "{\"currency\": \"USD\", \"period\": {\"start\": \"2027-01-01\","
                                " \"end\": \"2027-06-30\"}, \"coverages\": [{\"code\": \"EXT\"}]}",
                                &err) == 0);
    CU_ASSERT_EQUAL(c.terms.coverage[DS_COV_EXT].sublimit, DS_MONEY_UNLIMITED);
    CU_ASSERT_EQUAL(c.terms.deductible, 0);
    CU_ASSERT_EQUAL(c.terms.layer_limit, DS_MONEY_UNLIMITED);
    CU_ASSERT_EQUAL(c.terms.aggregate_limit, DS_MONEY_UNLIMITED);
    CU_ASSERT_EQUAL(c.reporting_days, -1);
    CU_ASSERT(!c.has_retroactive_date);
}

static void expect_error(const char *text, const char *message)
{
    ds_cover c;
    ds_error err;
    ds_error_clear(&err);
    CU_ASSERT(parse_cover(&c, text, &err) == DS_EINVAL);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got \"%s\"\n  want \"%s\"\n", err.message, message);
    CU_ASSERT_STRING_EQUAL(err.message, message);
}

#define PERIOD "\"period\": {\"start\": \"2027-01-01\", \"end\": \"2027-12-31\"}"

static void test_cover__bad_terms_name_the_field(void)
{
    expect_error("{\"currency\": \"CNY\", " PERIOD ", \"coverages\": [{\"code\": \"INRE\"},"
                 " {\"code\": \"NPBI\"}, {\"code\": \"XYZ\"}]}",
                 "cover.coverages[2].code: unknown coverage \"XYZ\"");
    expect_error("{\"currency\": \"CNY\", " PERIOD ", \"coverages\": [{\"code\": \"INRE\"}],"
                 " \"layer\": {\"participation\": 1.5}}",
                 "cover.layer.participation: must be in (0, 1]");
    expect_error("{\"currency\": \"CNY\", " PERIOD ", \"coverages\": [{\"code\": \"INRE\"}],"
                 " \"layer\": {\"participation\": 0}}",
                 "cover.layer.participation: must be in (0, 1]");
    expect_error("{\"currency\": \"CNY\", " PERIOD ", \"coverages\": [{\"code\": \"INRE\","
                 " \"waiting_hours\": 4}]}",
                 "cover.coverages[0].waiting_hours: applies only to NPBI and CBI");
    expect_error("{\"currency\": \"CNY\", " PERIOD ", \"coverages\": [{\"code\": \"INRE\"},"
                 " {\"code\": \"INRE\"}]}",
                 "cover.coverages[1].code: coverage \"INRE\" is listed twice");
    expect_error("{\"currency\": \"yuan\", " PERIOD ", \"coverages\": [{\"code\": \"INRE\"}]}",
                 "cover.currency: must be an ISO 4217 code such as \"CNY\"");
    expect_error("{\"currency\": \"CNY\", \"period\": {\"start\": \"2027-01-01\", \"end\":"
                 " \"2026-12-31\"}, \"coverages\": [{\"code\": \"INRE\"}]}",
                 "cover.period.end: must not be before period.start");
    expect_error("{\"currency\": \"CNY\", \"period\": {\"start\": \"2027-02-30\", \"end\":"
                 " \"2027-12-31\"}, \"coverages\": [{\"code\": \"INRE\"}]}",
                 "cover.period.start: not a valid date \"2027-02-30\" (YYYY-MM-DD)");
    expect_error("{\"currency\": \"CNY\", " PERIOD ", \"coverages\": [{\"code\": \"INRE\","
                 " \"sublimit\": -5}]}",
                 "cover.coverages[0].sublimit: must be a non-negative amount");
    expect_error("{\"currency\": \"CNY\", " PERIOD ", \"coverages\": []}",
                 "cover.coverages: must list at least one coverage");
    expect_error("{\"currency\": \"CNY\", " PERIOD ", \"coverages\": [{\"code\": \"INRE\"}],"
                 " \"retroactive_date\": \"2027-06-01\"}",
                 "cover.retroactive_date: must not be after period.start");
    expect_error("{\"currency\": \"CNY\", " PERIOD ", \"coverages\": [{\"code\": \"INRE\"}],"
                 " \"deductable\": 5}",
                 "cover.deductable: unknown field");
}

static const ds_test_case tests[] = {
    {"design_example_reads_into_minor_units", test_cover__design_example_reads_into_minor_units},
    {"writes_back_what_it_read", test_cover__writes_back_what_it_read},
    {"absent_terms_do_not_apply", test_cover__absent_terms_do_not_apply},
    {"bad_terms_name_the_field", test_cover__bad_terms_name_the_field},
};

DS_TEST_MAIN("cover", tests)
