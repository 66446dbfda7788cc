/*
 * test_incidents.c: incident history readers (dsure JSON, CSV, VERIS) and the history window,
 * on the small files in tests/data/incidents and tests/data/veris, whose contents the expected
 * values below are read from by hand.
 */
#include <string.h>

#include "data/incidents.h"
#include "tests/ds_test.h"

#define DATA DSURE_SOURCE_DIR "/tests/data/"

static ds_incidents *load(const char *path, ds_inc_format fmt)
{
    ds_incidents *inc = NULL;
    ds_error err;
    int rc = ds_incidents_load(&inc, path, fmt, &err);
    if (rc)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_EQUAL(rc, 0);
    return inc;
}

static void expect_load_error(const char *path, const char *message)
{
    ds_incidents *inc = NULL;
    ds_error err;
    CU_ASSERT_EQUAL(ds_incidents_load(&inc, path, DS_INC_FORMAT_AUTO, &err), DS_EINVAL);
    CU_ASSERT_PTR_NULL(inc);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got \"%s\", expected \"%s\"\n", err.message, message);
    CU_ASSERT_STRING_EQUAL(err.message, message);
}

/*
 * history.json / history.csv (the same eight incidents): window of 6 years ending 2023 =
 * 2018-2023; the 2016 incident falls before it. Counts 2018..2023: 0, 2, 0, 1, 2, 2 (7 in
 * the window). Losses in the window: 35000, 180000.5, 4200, 91000, 610000, 15500 (the 2023-03-15
 * incident has none). Records: 1200, 40, 56000, 300, 2500 (one is 0, one absent).
 */
static void check_history(ds_incidents *inc, int history_years)
{
    CU_ASSERT_EQUAL_FATAL(inc->n, 8);
    ds_incident_sample *s;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(
        ds_incident_sizes(&s, inc, DS_INC_TARGET_LOSS, history_years, -1.0, &err), 0);
    CU_ASSERT_EQUAL(s->first_year, 2018);
    CU_ASSERT_EQUAL(s->last_year, 2023);
    CU_ASSERT_EQUAL_FATAL(s->n_years, 6);
    unsigned counts[] = {0, 2, 0, 1, 2, 2};
    for (size_t i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(s->counts[i], counts[i]);
    CU_ASSERT_EQUAL(s->n_incidents, 7);
    CU_ASSERT_EQUAL_FATAL(s->n_sizes, 6);
    double losses[] = {35000, 180000.5, 4200, 91000, 610000, 15500};
    for (size_t i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(s->sizes[i], losses[i]);
    CU_ASSERT_EQUAL(s->truncation, 1000.0);
    CU_ASSERT_EQUAL(inc->n_skipped, 2);   /* the 2016 one, and the one without a loss */
    ds_incident_sample_free(s);

    CU_ASSERT_EQUAL_FATAL(
        ds_incident_sizes(&s, inc, DS_INC_TARGET_RECORDS, history_years, -1.0, &err), 0);
    CU_ASSERT_EQUAL_FATAL(s->n_sizes, 5);
    double records[] = {1200, 40, 56000, 300, 2500};
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(s->sizes[i], records[i]);
    CU_ASSERT_EQUAL(s->truncation, 0.0);   /* the file's truncation is for losses */
    ds_incident_sample_free(s);
}

static void test_incidents__json_history_window_and_sizes(void)
{
    ds_incidents *inc = load(DATA "incidents/history.json", DS_INC_FORMAT_AUTO);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inc);
    CU_ASSERT_EQUAL(inc->history_years, 6);
    CU_ASSERT_EQUAL(inc->truncation_minor, 100000);
    CU_ASSERT_EQUAL(inc->items[1].loss_minor, 18000050);
    CU_ASSERT_STRING_EQUAL(inc->items[1].kind, "ransomware");
    CU_ASSERT_STRING_EQUAL(inc->items[0].label, "incidents[0]");
    check_history(inc, 0);
    CU_ASSERT_STRING_EQUAL(inc->skipped[0].label, "incidents[5]");
    CU_ASSERT_STRING_EQUAL(inc->skipped[1].label, "incidents[7]");
    CU_ASSERT_STRING_EQUAL(inc->skipped[1].reason, "dated 2016, before the history window "
                                                   "2018-2023");
    ds_incidents_free(inc);
}

static void test_incidents__csv_reads_the_same_history(void)
{
    ds_incidents *inc = load(DATA "incidents/history.csv", DS_INC_FORMAT_AUTO);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inc);
    CU_ASSERT_EQUAL(inc->history_years, 0);
    inc->truncation_minor = 100000;   /* CSV has no truncation field; the CLI passes it */
    check_history(inc, 6);
    CU_ASSERT_STRING_EQUAL(inc->skipped[0].label, "line 7");
    ds_incidents_free(inc);
}

static void test_incidents__window_defaults_to_the_span_of_dates(void)
{
    ds_incidents *inc = load(DATA "incidents/history.csv", DS_INC_FORMAT_CSV);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inc);
    ds_incident_sample *s;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_incident_sizes(&s, inc, DS_INC_TARGET_LOSS, 0, 0.0, &err), 0);
    CU_ASSERT_EQUAL(s->first_year, 2016);
    CU_ASSERT_EQUAL(s->n_years, 8);
    CU_ASSERT_EQUAL(s->n_incidents, 8);
    ds_incident_sample_free(s);
    ds_incidents_free(inc);
}

static void test_incidents__loss_below_truncation_names_the_incident(void)
{
    ds_incidents *inc = load(DATA "incidents/history.json", DS_INC_FORMAT_JSON);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inc);
    ds_incident_sample *s = NULL;
    ds_error err;
    CU_ASSERT_EQUAL(ds_incident_sizes(&s, inc, DS_INC_TARGET_LOSS, 0, 5000.0, &err), DS_EINVAL);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_STRING_EQUAL(err.message, "incidents[2].loss: 4200 is below the truncation 5000");
    ds_incidents_free(inc);
}

static void test_incidents__bad_input_names_record_and_field(void)
{
    expect_load_error(DATA "incidents/bad_date.json",
                      "incidents[0].date: not a valid date \"2020-13-45\"");
    expect_load_error(DATA "incidents/negative_loss.json",
                      "incidents[1].loss: must be a non-negative amount");
    expect_load_error(DATA "incidents/string_loss.json", "incidents[0].loss: must be a number");
    expect_load_error(DATA "incidents/empty.json", "incidents: empty history");
    expect_load_error(DATA "incidents/bad_loss.csv", "line 3: loss: not a number");
    expect_load_error(DATA "incidents/missing_column.csv", "header: missing column \"loss\"");
    ds_incidents *inc = NULL;
    ds_error err;
    CU_ASSERT_EQUAL(ds_incidents_load(&inc, DATA "incidents/nope.json", DS_INC_FORMAT_AUTO,
                                      &err),
                    DS_ENOTFOUND);
}

static void test_incidents__date_parse_is_strict(void)
{
    int y, m, d;
    CU_ASSERT_EQUAL(ds_date_parse("2024-02-29", &y, &m, &d), 0);
    CU_ASSERT(y == 2024 && m == 2 && d == 29);
    CU_ASSERT_EQUAL(ds_date_parse("2023-02-29", &y, &m, &d), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_date_parse("1900-02-29", &y, &m, &d), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_date_parse("2000-02-29", &y, &m, &d), 0);
    CU_ASSERT_EQUAL(ds_date_parse("2020-13-45", &y, &m, &d), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_date_parse("2020-1-05", &y, &m, &d), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_date_parse("2020-01-05T00:00:00Z", &y, &m, &d), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_date_parse(NULL, &y, &m, &d), DS_EINVAL);
}

/*
 * tests/data/veris, read in name order:
 *   a_ransomware.json        2019, ransomware, 250000 USD, 5000 records
 *   b_array.json[0]          2020, exfiltration, 120000 USD, 20000 records
 *   b_array.json[1]          2021, no impact: frequency only, 800 records
 *   b_array.json[2]          2021, 30000 EUR: another currency, 150 records
 *   c_no_year.json           no timeline.incident.year: skipped
 *   d_misuse.json            2022-02-29 is not a date: skipped
 *   e_misuse_valid.json      2022, misuse, 40000 (USD by default), 300 records
 *   f_truncated_file.json    malformed JSON: skipped
 */
static void test_incidents__veris_directory_counts_and_reports_skips(void)
{
    ds_incidents *inc = load(DATA "veris", DS_INC_FORMAT_AUTO);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inc);
    CU_ASSERT_EQUAL_FATAL(inc->n, 5);
    CU_ASSERT_STRING_EQUAL(inc->currency, "USD");
    CU_ASSERT_STRING_EQUAL(inc->items[0].label, "a_ransomware.json (7F1C2B1E-0001)");
    CU_ASSERT_STRING_EQUAL(inc->items[0].kind, "ransomware");
    CU_ASSERT_STRING_EQUAL(inc->items[0].industry, "336111");
    CU_ASSERT_STRING_EQUAL(inc->items[0].employee_count, "1001 to 10000");
    CU_ASSERT_EQUAL(inc->items[0].records, 5000);
    CU_ASSERT_EQUAL(inc->items[0].loss_minor, 25000000);
    CU_ASSERT_STRING_EQUAL(inc->items[1].label, "b_array.json[0]");
    CU_ASSERT_STRING_EQUAL(inc->items[1].kind, "exfiltration");
    CU_ASSERT_STRING_EQUAL(inc->items[2].loss_skip, "impact: required field is missing");
    CU_ASSERT_STRING_EQUAL(inc->items[3].loss_skip,
                           "impact.iso_currency_code: EUR differs from USD");
    CU_ASSERT_STRING_EQUAL(inc->items[4].kind, "misuse");
    CU_ASSERT_EQUAL_FATAL(inc->n_skipped, 3);
    CU_ASSERT_STRING_EQUAL(inc->skipped[0].label, "c_no_year.json (7F1C2B1E-0005)");
    CU_ASSERT_STRING_EQUAL(inc->skipped[0].reason,
                           "timeline.incident.year: required field is missing");
    CU_ASSERT_STRING_EQUAL(inc->skipped[1].reason, "timeline.incident: not a valid date");
    CU_ASSERT_STRING_EQUAL(inc->skipped[2].label, "f_truncated_file.json");
    CU_ASSERT(strstr(inc->skipped[2].reason, "malformed JSON") != NULL);

    ds_incident_sample *s;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_incident_sizes(&s, inc, DS_INC_TARGET_LOSS, 0, -1.0, &err), 0);
    CU_ASSERT_EQUAL(s->first_year, 2019);
    CU_ASSERT_EQUAL_FATAL(s->n_years, 4);
    CU_ASSERT(s->counts[0] == 1 && s->counts[1] == 1 && s->counts[2] == 2 && s->counts[3] == 1);
    CU_ASSERT_EQUAL_FATAL(s->n_sizes, 3);
    CU_ASSERT(s->sizes[0] == 250000 && s->sizes[1] == 120000 && s->sizes[2] == 40000);
    CU_ASSERT_EQUAL(inc->n_skipped, 5);
    ds_incident_sample_free(s);
    ds_incidents_free(inc);
}

static void test_incidents__veris_single_file_is_recognised(void)
{
    ds_incidents *inc = load(DATA "veris/b_array.json", DS_INC_FORMAT_AUTO);
    CU_ASSERT_PTR_NOT_NULL_FATAL(inc);
    CU_ASSERT_EQUAL(inc->n, 3);
    ds_incident_sample *s;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_incident_sizes(&s, inc, DS_INC_TARGET_RECORDS, 0, -1.0, &err), 0);
    CU_ASSERT_EQUAL(s->n_sizes, 3);   /* 20000, 800, 150: records do not need an amount */
    ds_incident_sample_free(s);
    ds_incidents_free(inc);
}

static const ds_test_case tests[] = {
    {"incidents__json_history_window_and_sizes", test_incidents__json_history_window_and_sizes},
    {"incidents__csv_reads_the_same_history", test_incidents__csv_reads_the_same_history},
    {"incidents__window_defaults_to_the_span_of_dates",
     test_incidents__window_defaults_to_the_span_of_dates},
    {"incidents__loss_below_truncation_names_the_incident",
     test_incidents__loss_below_truncation_names_the_incident},
    {"incidents__bad_input_names_record_and_field",
     test_incidents__bad_input_names_record_and_field},
    {"incidents__date_parse_is_strict", test_incidents__date_parse_is_strict},
    {"incidents__veris_directory_counts_and_reports_skips",
     test_incidents__veris_directory_counts_and_reports_skips},
    {"incidents__veris_single_file_is_recognised",
     test_incidents__veris_single_file_is_recognised},
};

DS_TEST_MAIN("incidents", tests)
