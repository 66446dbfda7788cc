/*
 * test_csv.c: the strict CSV reader: quoting, line endings, line numbers in errors, number
 * parsing that refuses what strtod alone would accept.
 */
#include <string.h>

#include "data/csv.h"
#include "tests/ds_test.h"

static ds_csv *parse_ok(const char *text)
{
    ds_csv *csv = NULL;
    ds_error err;
    int rc = ds_csv_parse(&csv, text, strlen(text), &err);
    if (rc)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_EQUAL(rc, 0);
    return csv;
}

static void expect_error(const char *text, const char *message)
{
    ds_csv *csv = NULL;
    ds_error err;
    CU_ASSERT_EQUAL(ds_csv_parse(&csv, text, strlen(text), &err), DS_EINVAL);
    CU_ASSERT_PTR_NULL(csv);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got \"%s\", expected \"%s\"\n", err.message, message);
    CU_ASSERT_STRING_EQUAL(err.message, message);
}

static void test_csv__reads_quoted_fields_and_crlf(void)
{
    ds_csv *csv = parse_ok("\xEF\xBB\xBFgroup,note\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n"
                           "c,\"two\nlines\"\r\n\r\nd,\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_EQUAL(ds_csv_n_cols(csv), 2);
    CU_ASSERT_EQUAL(ds_csv_n_rows(csv), 3);
    CU_ASSERT_STRING_EQUAL(ds_csv_header(csv, 0), "group");
    CU_ASSERT_STRING_EQUAL(ds_csv_cell(csv, 0, 0), "a,b");
    CU_ASSERT_STRING_EQUAL(ds_csv_cell(csv, 0, 1), "say \"hi\"");
    CU_ASSERT_STRING_EQUAL(ds_csv_cell(csv, 1, 1), "two\nlines");
    CU_ASSERT_STRING_EQUAL(ds_csv_cell(csv, 2, 0), "d");
    CU_ASSERT_STRING_EQUAL(ds_csv_cell(csv, 2, 1), "");
    /* Lines: header 1, a,b 2, c 3 (its field spans 3-4), blank 5, d 6. */
    CU_ASSERT_EQUAL(ds_csv_line(csv, 0), 2);
    CU_ASSERT_EQUAL(ds_csv_line(csv, 1), 3);
    CU_ASSERT_EQUAL(ds_csv_line(csv, 2), 6);
    ds_csv_free(csv);
}

static void test_csv__last_record_without_newline(void)
{
    ds_csv *csv = parse_ok("x,y\n1,2");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    CU_ASSERT_EQUAL(ds_csv_n_rows(csv), 1);
    CU_ASSERT_STRING_EQUAL(ds_csv_cell(csv, 0, 1), "2");
    ds_csv_free(csv);
}

static void test_csv__malformed_input_names_the_line(void)
{
    expect_error("a,b\n1,2\n3\n", "line 3: expected 2 fields, found 1");
    expect_error("a,b\n1,2\n3,4,5\n", "line 3: expected 2 fields, found 3");
    expect_error("a,b\n1,x\"y\n", "line 2: quote inside an unquoted field");
    expect_error("a,b\n1,\"xy\"z\n", "line 2: unexpected character after a closing quote");
    expect_error("a,b\n1,\"xy\n\n", "line 2: unterminated quoted field");
    expect_error("", "header: empty CSV: no header row");
    expect_error("\n\n", "header: empty CSV: no header row");
    expect_error("a,,b\n", "header: column 2 has no name");
    expect_error("a,b,a\n", "header: duplicate column \"a\"");
    ds_csv_free(NULL);
}

static void test_csv__columns_are_found_by_name(void)
{
    ds_csv *csv = parse_ok("weight,group,ratio,period\n1,a,2,2020\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    static const char *const names[] = {"group", "period", "ratio", "weight", NULL};
    size_t cols[4];
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(ds_csv_columns(csv, names, cols, 1, &err), 0);
    CU_ASSERT_EQUAL(cols[0], 1);
    CU_ASSERT_EQUAL(cols[3], 0);
    static const char *const more[] = {"group", "exposure", NULL};
    CU_ASSERT_EQUAL(ds_csv_columns(csv, more, cols, 0, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "header: missing column \"exposure\"");
    static const char *const fewer[] = {"group", "ratio", "weight", NULL};
    CU_ASSERT_EQUAL(ds_csv_columns(csv, fewer, cols, 1, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "header: unexpected column \"period\"");
    ds_csv_free(csv);
}

static void test_csv__numbers_are_strict(void)
{
    ds_csv *csv = parse_ok("group,period,ratio,weight\n"
                           "a,1,2.5,1e3\n"
                           "a,2,,-4\n"
                           "a,3,inf,0x10\n"
                           "a,4, 5,12abc\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    ds_error err;
    double v = 0.0;
    CU_ASSERT_EQUAL(ds_csv_number(&v, csv, 0, 2, 0, &err), 0);
    DS_ASSERT_REL(v, 2.5, 0.0);
    CU_ASSERT_EQUAL(ds_csv_number(&v, csv, 0, 3, 0, &err), 0);
    DS_ASSERT_REL(v, 1000.0, 0.0);
    CU_ASSERT_EQUAL(ds_csv_number(&v, csv, 1, 3, 0, &err), 0);
    DS_ASSERT_REL(v, -4.0, 0.0);
    CU_ASSERT_EQUAL(ds_csv_number(&v, csv, 1, 2, 1, &err), 1);   /* empty, allowed */
    CU_ASSERT_EQUAL(ds_csv_number(&v, csv, 1, 2, 0, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "line 3: ratio: is required");
    CU_ASSERT_EQUAL(ds_csv_number(&v, csv, 2, 2, 0, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "line 4: ratio: not a number");
    CU_ASSERT_EQUAL(ds_csv_number(&v, csv, 2, 3, 0, &err), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_csv_number(&v, csv, 3, 2, 0, &err), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_csv_number(&v, csv, 3, 3, 0, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "line 5: weight: not a number");
    CU_ASSERT_STRING_EQUAL(err.field, "line 5: weight");
    ds_csv_free(csv);
}

static const ds_test_case tests[] = {
    {"csv__reads_quoted_fields_and_crlf", test_csv__reads_quoted_fields_and_crlf},
    {"csv__last_record_without_newline", test_csv__last_record_without_newline},
    {"csv__malformed_input_names_the_line", test_csv__malformed_input_names_the_line},
    {"csv__columns_are_found_by_name", test_csv__columns_are_found_by_name},
    {"csv__numbers_are_strict", test_csv__numbers_are_strict},
};

DS_TEST_MAIN("csv", tests)
