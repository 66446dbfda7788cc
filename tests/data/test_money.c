/*
 * test_money.c: amounts with at most two decimals become exact minor units; more decimals,
 * negative or oversized amounts are refused with the field named.
 */
#include <string.h>

#include "data/money.h"
#include "tests/ds_test.h"

static int money_of(const char *text, int64_t *out, ds_error *err)
{
    cJSON *root = NULL;
    CU_ASSERT_FATAL(ds_json_parse(&root, text, strlen(text), "in", err) == 0);
    int rc = ds_money_get(out, root, "cover", "amount", DS_JSON_REQUIRED, err);
    cJSON_Delete(root);
    return rc;
}

static void test_money__decimals_become_exact_minor_units(void)
{
    int64_t m;
    ds_error err;
    CU_ASSERT(money_of("{\"amount\": 350000}", &m, &err) == 0 && m == 35000000);
    CU_ASSERT(money_of("{\"amount\": 0.07}", &m, &err) == 0 && m == 7);
    CU_ASSERT(money_of("{\"amount\": 1234.56}", &m, &err) == 0 && m == 123456);
    CU_ASSERT(money_of("{\"amount\": 0.29}", &m, &err) == 0 && m == 29); /* 28.999999... */
    CU_ASSERT(money_of("{\"amount\": 999999999999.99}", &m, &err) == 0 &&
              m == 99999999999999LL);
}

static void test_money__refuses_fractions_of_a_cent_and_negatives(void)
{
    int64_t m;
    ds_error err;
    CU_ASSERT(money_of("{\"amount\": 0.001}", &m, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "cover.amount: must have at most two decimals");
    CU_ASSERT(money_of("{\"amount\": 10.125}", &m, &err) == DS_EINVAL);
    CU_ASSERT(money_of("{\"amount\": -1}", &m, &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "cover.amount: must be a non-negative amount");
    CU_ASSERT(money_of("{\"amount\": 1e16}", &m, &err) == DS_EINVAL);
    CU_ASSERT(money_of("{\"amount\": \"5\"}", &m, &err) == DS_EINVAL);
    CU_ASSERT(money_of("{}", &m, &err) == DS_EINVAL);
}

static void test_money__prints_units_with_two_decimals_at_most(void)
{
    cJSON *obj = cJSON_CreateObject();
    ds_money_add(obj, "a", 123456);
    ds_money_add(obj, "b", 7);
    ds_money_add(obj, "c", 100000000000000LL);
    char *text = cJSON_PrintUnformatted(obj);
    CU_ASSERT_STRING_EQUAL(text, "{\"a\":1234.56,\"b\":0.07,\"c\":1000000000000}");
    cJSON_free(text);
    cJSON_Delete(obj);
}

static const ds_test_case tests[] = {
    {"decimals_become_exact_minor_units", test_money__decimals_become_exact_minor_units},
    {"refuses_fractions_of_a_cent_and_negatives",
     test_money__refuses_fractions_of_a_cent_and_negatives},
    {"prints_units_with_two_decimals_at_most", test_money__prints_units_with_two_decimals_at_most},
};

DS_TEST_MAIN("money", tests)
