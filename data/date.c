/*
 * date.c: strict civil dates and UTC timestamps (see date.h).
 */
#include "data/date.h"

#include <stdio.h>
#include <string.h>

/* H. Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil. */
int64_t ds_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The same paper, civil_from_days. */
void ds_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

static int digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : n[m - 1];
}

/* Parses the 10 characters "YYYY-MM-DD" at text. */
static int parse_date_part(int64_t *out_days, const char *text)
{
    unsigned y, m, d;
    if (digits(text, 4, &y) || text[4] != '-' || digits(text + 5, 2, &m) || text[7] != '-' ||
        digits(text + 8, 2, &d))
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *out_days = ds_days_from_civil(y, m, d);
    return 0;
}

int ds_date_parse_days(int64_t *out_days, const char *text)
{
    if (strlen(text) != 10)
        return -1;
    return parse_date_part(out_days, text);
}

void ds_date_format(char *buf, size_t cap, int64_t days)
{
    int64_t y;
    unsigned m, d;
    ds_civil_from_days(days, &y, &m, &d);
    snprintf(buf, cap, "%04lld-%02u-%02u", (long long)y, m, d);
}

int ds_timestamp_parse(int64_t *out_seconds, const char *text)
{
    size_t len = strlen(text);
    int64_t days;
    unsigned hh, mm, ss;
    if (len < 20 || parse_date_part(&days, text) || text[10] != 'T' ||
        digits(text + 11, 2, &hh) || text[13] != ':' || digits(text + 14, 2, &mm) ||
        text[16] != ':' || digits(text + 17, 2, &ss))
        return -1;
    /* A leap second (:60) is not representable in POSIX time; refuse rather than guess. */
    if (hh > 23 || mm > 59 || ss > 59)
        return -1;
    size_t i = 19;
    if (text[i] == '.') {
        i++;
        size_t start = i;
        while (i < len && text[i] >= '0' && text[i] <= '9')
            i++;
        /* At least one digit; at most nine (nanoseconds), a bound on silly input. */
        if (i == start || i - start > 9)
            return -1;
    }
    if (i + 1 != len || text[i] != 'Z')
        return -1;
    *out_seconds = days * 86400 + (int64_t)hh * 3600 + (int64_t)mm * 60 + ss;
    return 0;
}

void ds_timestamp_format(char *buf, size_t cap, int64_t seconds)
{
    int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
    int64_t rest = seconds - days * 86400;
    int64_t y;
    unsigned m, d;
    ds_civil_from_days(days, &y, &m, &d);
    snprintf(buf, cap, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
             (unsigned)(rest / 3600), (unsigned)(rest / 60 % 60), (unsigned)(rest % 60));
}
