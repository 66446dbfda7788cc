/*
 * test_date.c: civil dates and UTC timestamps, checked against day counts known independently
 * (2000-03-01 is day 11017: 30 years of 365 days plus 7 leap days plus Jan and Feb 2000).
 */
#include <string.h>

#include "data/date.h"
#include "tests/ds_test.h"

static void test_date__known_day_numbers(void)
{
    int64_t d;
    CU_ASSERT(ds_date_parse_days(&d, "1970-01-01") == 0 && d == 0);
    /* 1970..1999: 30 * 365 + 7 leap days (72, 76, 80, 84, 88, 92, 96) = 10957; + 31 + 29 */
    CU_ASSERT(ds_date_parse_days(&d, "2000-03-01") == 0 && d == 10957 + 31 + 29);
    CU_ASSERT(ds_date_parse_days(&d, "1969-12-31") == 0 && d == -1);
    CU_ASSERT(ds_date_parse_days(&d, "2024-02-29") == 0);
}

static void test_date__round_trips_every_day_of_four_centuries(void)
{
    char buf[16];
    for (int64_t day = -146097; day < 146097; day += 1) {
        ds_date_format(buf, sizeof buf, day);
        int64_t back;
        if (ds_date_parse_days(&back, buf) != 0 || back != day) {
            CU_FAIL("round trip");
            return;
        }
    }
}

static void test_date__refuses_impossible_dates_and_formats(void)
{
    int64_t d;
    const char *bad[] = {"2020-13-45", "2021-02-29", "1900-02-29", "2020-04-31", "2020-1-01",
                         "2020-01-01T", "20200101", "2020-00-10", "", "abcd-ef-gh"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT(ds_date_parse_days(&d, bad[i]) == -1);
}

static void test_date__timestamps_are_utc_and_strict(void)
{
    int64_t s;
    CU_ASSERT(ds_timestamp_parse(&s, "1970-01-01T00:00:00Z") == 0 && s == 0);
    CU_ASSERT(ds_timestamp_parse(&s, "2027-03-05T08:00:00Z") == 0);
    int64_t day;
    ds_date_parse_days(&day, "2027-03-05");
    CU_ASSERT_EQUAL(s, day * 86400 + 8 * 3600);
    CU_ASSERT(ds_timestamp_parse(&s, "2027-03-05T08:00:00.125Z") == 0);
    CU_ASSERT(ds_timestamp_parse(&s, "2027-03-05T08:00:00.123456789Z") == 0);
    CU_ASSERT(ds_timestamp_parse(&s, "2027-03-05T08:00:00.1234567890Z") == -1);
    CU_ASSERT_EQUAL(s, day * 86400 + 8 * 3600);
    char buf[32];
    ds_timestamp_format(buf, sizeof buf, s);
    CU_ASSERT_STRING_EQUAL(buf, "2027-03-05T08:00:00Z");
    const char *bad[] = {"2027-03-05T08:00:00+08:00", "2027-03-05 08:00:00Z",
                         "2027-03-05T24:00:00Z", "2027-03-05T08:00:60Z", "2027-03-05T08:00:00",
                         "2027-03-05T08:00:00.Z", "2027-02-30T08:00:00Z", "2027-03-05T8:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CU_ASSERT(ds_timestamp_parse(&s, bad[i]) == -1);
    ds_timestamp_format(buf, sizeof buf, -1);
    CU_ASSERT_STRING_EQUAL(buf, "1969-12-31T23:59:59Z");
}

static const ds_test_case tests[] = {
    {"known_day_numbers", test_date__known_day_numbers},
    {"round_trips_every_day_of_four_centuries",
     test_date__round_trips_every_day_of_four_centuries},
    {"refuses_impossible_dates_and_formats", test_date__refuses_impossible_dates_and_formats},
    {"timestamps_are_utc_and_strict", test_date__timestamps_are_utc_and_strict},
};

DS_TEST_MAIN("date", tests)
