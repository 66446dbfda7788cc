/*
 * name_table.h: an enum's names as a table of strings, looked up both ways, for the frequency
 * and severity family names (actuarial/frequency.c, actuarial/severity.c) that the model JSON
 * and the CLI spell out. Pure and thread-safe.
 */
#ifndef DS_ACTUARIAL_NAME_TABLE_H
#define DS_ACTUARIAL_NAME_TABLE_H

#include <stddef.h>

/* names[index], or "unknown" when index is outside [0, n). */
const char *ds_name_table_name(const char *const *names, size_t n, int index);

/* The index of the entry equal to name (case-sensitive), or -1 for NULL or no match. */
int ds_name_table_find(const char *const *names, size_t n, const char *name);

#endif
