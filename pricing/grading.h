/*
 * grading.h: data-asset grading under GB/T 43697-2024 (Data security technology - Rules for
 * data classification and grading), as DESIGN.md section 5 tabulates it.
 *
 * An asset's grade follows from the object its compromise would harm and the degree of harm
 * (tampering, destruction, leakage, illegal acquisition or use):
 *
 *   impact object                                      particularly_serious  serious    general
 *   national_security                                  core                  core       important
 *   economic_operation, social_order, public_interest  core                  important  general
 *   organization, individual                           general               general    general
 *
 * Several impacts: the highest grade wins. A platform may also declare a grade. The grade used
 * for pricing is the higher of the derived and the declared one: a declaration below what the
 * rules give is reported (is_declared_below) and never lowers the risk priced.
 *
 * Pure functions, thread-safe.
 */
#ifndef DS_PRICING_GRADING_H
#define DS_PRICING_GRADING_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"

/* Ordered: a larger value is a higher grade. */
typedef enum {
    DS_GRADE_UNKNOWN = -1,
    DS_GRADE_GENERAL = 0,
    DS_GRADE_IMPORTANT = 1,
    DS_GRADE_CORE = 2
} ds_grade;
#define DS_GRADE_COUNT 3
#define DS_GRADE_NONE DS_GRADE_UNKNOWN

typedef enum {
    DS_IMPACT_NATIONAL_SECURITY,
    DS_IMPACT_ECONOMIC_OPERATION,
    DS_IMPACT_SOCIAL_ORDER,
    DS_IMPACT_PUBLIC_INTEREST,
    DS_IMPACT_ORGANIZATION,
    DS_IMPACT_INDIVIDUAL
} ds_impact_object;
#define DS_IMPACT_OBJECT_COUNT 6

typedef enum {
    DS_HARM_GENERAL = 0,
    DS_HARM_SERIOUS = 1,
    DS_HARM_PARTICULARLY_SERIOUS = 2
} ds_harm_degree;
#define DS_HARM_DEGREE_COUNT 3

const char *ds_grade_name(ds_grade grade);
const char *ds_impact_object_name(ds_impact_object object);
const char *ds_harm_degree_name(ds_harm_degree degree);
/* Name to enum value; -1 (DS_GRADE_UNKNOWN for grades) when unknown or NULL. */
int ds_grade_from_name(const char *name);
int ds_impact_object_from_name(const char *name);
int ds_harm_degree_from_name(const char *name);

/* The table cell for one impact. */
ds_grade ds_grade_of_impact(ds_impact_object object, ds_harm_degree degree);

#endif
