/*
 * date.h: calendar dates ("2027-01-01") and RFC 3339 UTC timestamps ("2027-03-05T08:00:00Z")
 * as integers: days and seconds since 1970-01-01 in the proleptic Gregorian calendar.
 *
 * Parsing is strict: the exact format, a real calendar day (no 2021-02-29), UTC only for
 * timestamps. Pure functions, thread-safe (no locale, no time zone database).
 */
#ifndef DS_DATA_DATE_H
#define DS_DATA_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
int64_t ds_days_from_civil(int64_t year, unsigned month, unsigned day);

/* The civil date of a day number. */
void ds_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

/* "YYYY-MM-DD" to a day number; 0 on success, -1 when malformed or not a calendar day. */
int ds_date_parse_days(int64_t *out_days, const char *text);

/* Writes "YYYY-MM-DD" into buf (at least 11 bytes). */
void ds_date_format(char *buf, size_t cap, int64_t days);

/* "YYYY-MM-DDTHH:MM:SS[.fraction]Z" to whole seconds since the epoch (the fraction, 1 to 9
 * digits, is checked and dropped); 0 on success, -1 when malformed. */
int ds_timestamp_parse(int64_t *out_seconds, const char *text);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void ds_timestamp_format(char *buf, size_t cap, int64_t seconds);

#endif
