/*
 * grading.c: the GB/T 43697-2024 grading table and the names of its terms (see grading.h).
 */
#include "pricing/grading.h"

#include <string.h>

static const char *const grade_names[DS_GRADE_COUNT] = {"general", "important", "core"};
static const char *const object_names[DS_IMPACT_OBJECT_COUNT] = {
    "national_security", "economic_operation", "social_order",
    "public_interest",   "organization",       "individual"};
static const char *const degree_names[DS_HARM_DEGREE_COUNT] = {"general", "serious",
                                                                "particularly_serious"};

/* Rows in ds_impact_object order, columns in ds_harm_degree order (general, serious,
 * particularly serious): GB/T 43697-2024 as tabulated in DESIGN.md section 5. */
static const ds_grade grade_table[DS_IMPACT_OBJECT_COUNT][DS_HARM_DEGREE_COUNT] = {
    {DS_GRADE_IMPORTANT, DS_GRADE_CORE, DS_GRADE_CORE},        /* national_security */
    {DS_GRADE_GENERAL, DS_GRADE_IMPORTANT, DS_GRADE_CORE},     /* economic_operation */
    {DS_GRADE_GENERAL, DS_GRADE_IMPORTANT, DS_GRADE_CORE},     /* social_order */
    {DS_GRADE_GENERAL, DS_GRADE_IMPORTANT, DS_GRADE_CORE},     /* public_interest */
    {DS_GRADE_GENERAL, DS_GRADE_GENERAL, DS_GRADE_GENERAL},    /* organization */
    {DS_GRADE_GENERAL, DS_GRADE_GENERAL, DS_GRADE_GENERAL},    /* individual */
};

static int index_of(const char *const *names, int count, const char *name)
{
    for (int i = 0; name && i < count; i++) {
        if (strcmp(names[i], name) == 0)
            return i;
    }
    return -1;
}

const char *ds_grade_name(ds_grade grade)
{
    return grade >= 0 && grade < DS_GRADE_COUNT ? grade_names[grade] : "none";
}

const char *ds_impact_object_name(ds_impact_object object)
{
    return object >= 0 && object < DS_IMPACT_OBJECT_COUNT ? object_names[object] : "unknown";
}

const char *ds_harm_degree_name(ds_harm_degree degree)
{
    return degree >= 0 && degree < DS_HARM_DEGREE_COUNT ? degree_names[degree] : "unknown";
}

int ds_grade_from_name(const char *name)
{
    return index_of(grade_names, DS_GRADE_COUNT, name);
}

int ds_impact_object_from_name(const char *name)
{
    return index_of(object_names, DS_IMPACT_OBJECT_COUNT, name);
}

int ds_harm_degree_from_name(const char *name)
{
    return index_of(degree_names, DS_HARM_DEGREE_COUNT, name);
}

ds_grade ds_grade_of_impact(ds_impact_object object, ds_harm_degree degree)
{
    return grade_table[object][degree];
}
