/*
 * ds_test.h: the CUnit runner every test program uses.
 *
 * A test file defines its tests, lists them in a table and ends with
 *     DS_TEST_MAIN("ledger", tests)
 * The program exits non-zero when any assertion failed (CU_basic_run_tests alone reports
 * success even then), so CTest sees every failure.
 */
#ifndef DS_TESTS_DS_TEST_H
#define DS_TESTS_DS_TEST_H

#include <math.h>
#include <stdio.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <gsl/gsl_errno.h>

typedef struct {
    const char *name;
    void (*fn)(void);
} ds_test_case;

/* |actual - expected| <= rel * |expected|, printing both on failure. */
#define DS_ASSERT_REL(actual, expected, rel)                                                    \
    do {                                                                                        \
        double ds_a_ = (actual), ds_e_ = (expected);                                            \
        int ds_ok_ = fabs(ds_a_ - ds_e_) <= (rel) * fabs(ds_e_);                                \
        if (!ds_ok_)                                                                            \
            fprintf(stderr, "\n  %s:%d: %s = %.17g, expected %.17g (rel %g)\n", __FILE__,       \
                    __LINE__, #actual, ds_a_, ds_e_, (double)(rel));                            \
        CU_ASSERT(ds_ok_);                                                                      \
    } while (0)

/* |actual - expected| <= abs_tol, printing both on failure. */
#define DS_ASSERT_ABS(actual, expected, abs_tol)                                                \
    do {                                                                                        \
        double ds_a_ = (actual), ds_e_ = (expected);                                            \
        int ds_ok_ = fabs(ds_a_ - ds_e_) <= (abs_tol);                                          \
        if (!ds_ok_)                                                                            \
            fprintf(stderr, "\n  %s:%d: %s = %.17g, expected %.17g (abs %g)\n", __FILE__,       \
                    __LINE__, #actual, ds_a_, ds_e_, (double)(abs_tol));                        \
        CU_ASSERT(ds_ok_);                                                                      \
    } while (0)

static inline int ds_test_run(const char *suite_name, const ds_test_case *cases, size_t n)
{
    gsl_set_error_handler_off();
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    CU_pSuite suite = CU_add_suite(suite_name, NULL, NULL);
    if (!suite)
        return 2;
    for (size_t i = 0; i < n; i++) {
        if (!CU_add_test(suite, cases[i].name, cases[i].fn))
            return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_failures();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return failed || ran == 0 ? 1 : 0;
}

#define DS_TEST_MAIN(suite_name, table)                                                         \
    int main(void)                                                                              \
    {                                                                                           \
        return ds_test_run(suite_name, table, sizeof table / sizeof table[0]);                  \
    }

#endif
