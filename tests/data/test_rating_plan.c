/*
 * test_rating_plan.c: the compiled-in default plan loads and validates; every broken field is
 * named; base rates fall back from the industry code to its section letter to the default.
 */
#include <stdlib.h>
#include <string.h>

#include "data/json_in.h"
#include "data/rating_plan.h"
#include "tests/ds_test.h"

static cJSON *default_json(void)
{
    cJSON *root = NULL;
    ds_error err;
    CU_ASSERT_FATAL(ds_json_parse(&root, ds_rating_default_json, strlen(ds_rating_default_json),
                                  "default", &err) == 0);
    return root;
}

static void test_rating_plan__default_loads_and_is_consistent(void)
{
    ds_rating_plan plan;
    ds_error err;
    int rc = ds_rating_plan_load(&plan, "default", &err);
    if (rc)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_FATAL(rc == 0);
    CU_ASSERT_STRING_EQUAL(plan.name, "default");
    CU_ASSERT_STRING_EQUAL(plan.currency, "CNY");
    double shares = 0;
    for (int k = 0; k < DS_KIND_COUNT; k++)
        shares += plan.kind[k].share;
    DS_ASSERT_ABS(shares, 1.0, 1e-9);
    /* DSMM level 3 is the reference level of the plan. */
    DS_ASSERT_ABS(plan.dsmm[2], 1.0, 0);
    CU_ASSERT(plan.breach_fx == plan.fx_usd || plan.breach_fx == 1.0);
}

static void test_rating_plan__base_rate_falls_back_code_section_default(void)
{
    ds_rating_plan plan;
    ds_error err;
    CU_ASSERT_FATAL(ds_rating_plan_load(&plan, "default", &err) == 0);
    plan.n_rates = 2;
    snprintf(plan.rate_code[0], sizeof plan.rate_code[0], "C36");
    plan.rate[0] = 0.2;
    snprintf(plan.rate_code[1], sizeof plan.rate_code[1], "C");
    plan.rate[1] = 0.1;
    plan.base_rate_default = 0.05;
    const char *matched;
    CU_ASSERT_EQUAL(ds_rating_plan_base_rate(&plan, "C36", &matched), 0.2);
    CU_ASSERT_STRING_EQUAL(matched, "C36");
    CU_ASSERT_EQUAL(ds_rating_plan_base_rate(&plan, "C39", &matched), 0.1);
    CU_ASSERT_STRING_EQUAL(matched, "C");
    CU_ASSERT_EQUAL(ds_rating_plan_base_rate(&plan, "I65", &matched), 0.05);
    CU_ASSERT_STRING_EQUAL(matched, "default");
}

/* Replaces the number at a dotted path in the default plan and expects message. */
static void expect_broken(const char *object_path, const char *key, double value,
                          const char *message)
{
    cJSON *root = default_json();
    cJSON *node = root;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", object_path);
    for (char *part = strtok(buf, "."); part && node; part = strtok(NULL, "."))
        node = cJSON_GetObjectItem(node, part);
    CU_ASSERT_FATAL(node != NULL);
    cJSON_ReplaceItemInObject(node, key, cJSON_CreateNumber(value));
    ds_rating_plan plan;
    ds_error err;
    ds_error_clear(&err);
    CU_ASSERT(ds_rating_plan_parse(&plan, root, "plan", &err) == DS_EINVAL);
    /* message may be a prefix: the rest can carry the offending value */
    if (strncmp(err.message, message, strlen(message)) != 0)
        fprintf(stderr, "\n  got \"%s\"\n  want \"%s\"\n", err.message, message);
    CU_ASSERT(strncmp(err.message, message, strlen(message)) == 0);
    cJSON_Delete(root);
}

static void test_rating_plan__broken_fields_are_named(void)
{
    expect_broken("kinds.ransomware", "share", 1.5,
                  "plan.kinds.ransomware.share: must be in [0, 1]");
    expect_broken("kinds.exfiltration", "share", 0.0,
                  "plan.kinds: shares must add up to 1 (they add up to");
    expect_broken("controls.mfa", "frequency", 1.0,
                  "plan.controls.mfa.frequency: must be in [0, 1)");
    expect_broken("frequency.size", "elasticity", -1,
                  "plan.frequency.size.elasticity: must be in [0, 2]");
}

static void test_rating_plan__loads_cannot_eat_the_whole_premium(void)
{
    cJSON *root = default_json();
    cJSON *loading = cJSON_GetObjectItem(root, "loading");
    cJSON_ReplaceItemInObject(loading, "expense_ratio", cJSON_CreateNumber(0.6));
    cJSON_ReplaceItemInObject(loading, "profit_ratio", cJSON_CreateNumber(0.4));
    ds_rating_plan plan;
    ds_error err;
    CU_ASSERT(ds_rating_plan_parse(&plan, root, "plan", &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "plan.loading.profit_ratio: expense_ratio + profit_ratio must be below "
                           "0.95");
    cJSON_Delete(root);
}

static void test_rating_plan__unknown_name_is_not_found(void)
{
    ds_rating_plan plan;
    ds_error err;
    CU_ASSERT_EQUAL(ds_rating_plan_load(&plan, "no-such-plan", &err), DS_ENOTFOUND);
    CU_ASSERT(strstr(err.message, "unknown rating plan \"no-such-plan\"") != NULL);
    CU_ASSERT_EQUAL(ds_rating_plan_load(&plan, "../etc", &err), DS_ENOTFOUND);
    CU_ASSERT_EQUAL(ds_rating_plan_load(&plan, "bad name!", &err), DS_EINVAL);
}

static const ds_test_case tests[] = {
    {"default_loads_and_is_consistent", test_rating_plan__default_loads_and_is_consistent},
    {"base_rate_falls_back_code_section_default",
     test_rating_plan__base_rate_falls_back_code_section_default},
    {"broken_fields_are_named", test_rating_plan__broken_fields_are_named},
    {"loads_cannot_eat_the_whole_premium", test_rating_plan__loads_cannot_eat_the_whole_premium},
    {"unknown_name_is_not_found", test_rating_plan__unknown_name_is_not_found},
};

DS_TEST_MAIN("rating_plan", tests)
