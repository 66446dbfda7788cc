/*
 * name_table.c: two-way lookup in a table of names (see name_table.h); a linear scan, as the
 * tables hold a handful of entries.
 */
#include "actuarial/name_table.h"

#include <string.h>

const char *ds_name_table_name(const char *const *names, size_t n, int index)
{
    if (index >= 0 && (size_t)index < n)
        return names[index];
    return "unknown";
}

int ds_name_table_find(const char *const *names, size_t n, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    }
    return -1;
}
