/*
 * test_quote.c: issue 5's acceptance 2 on the quote use case. With a fixed seed the quote is
 * reproducible byte for byte (but quote_id and elapsed_ms); a higher DSMM level, an added
 * control, a larger deductible or no incident history lower the premium; ten times the core
 * records raise it; the what-if savings equal the difference of the two quotes.
 *
 * Why strict inequalities hold exactly and not just on average: every scenario runs on common
 * random numbers (pricing/simulate.h). Year i draws the same uniforms in every quote with the
 * same seed; its count comes from one uniform by inversion, so a lower rate keeps a prefix of
 * the same events; and each event's losses are monotone in records, hours and controls. The
 * simulated annual losses are then ordered year by year, so the expected loss and the TVaR, and
 * with them the premium, move in the stated direction without any sampling tolerance.
 */
#include <stdlib.h>
#include <string.h>

#include "data/file.h"
#include "data/json_in.h"
#include "pricing/quote.h"
#include "tests/ds_test.h"
#include "tests/lib/design_example.h"

#define SIMS 20000

static cJSON *example(void)
{
    return ds_test_design_example(SIMS);
}

static cJSON *quote_of(const cJSON *request)
{
    cJSON *quote = NULL;
    ds_error err;
    ds_error_clear(&err);
    int rc = ds_quote_run(&quote, request, NULL, &err);
    if (rc)
        fprintf(stderr, "\n  quote failed: %s\n", err.message);
    CU_ASSERT_FATAL(rc == 0);
    return quote;
}

static double number(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(obj, key);
    CU_ASSERT_FATAL(cJSON_IsNumber(v));
    return v->valuedouble;
}

static double premium_of(const cJSON *request)
{
    cJSON *quote = quote_of(request);
    double p = number(quote, "premium");
    cJSON_Delete(quote);
    return p;
}

static void set_number(cJSON *obj, const char *key, double value)
{
    if (cJSON_GetObjectItem(obj, key))
        cJSON_ReplaceItemInObject(obj, key, cJSON_CreateNumber(value));
    else
        cJSON_AddNumberToObject(obj, key, value);
}

static void test_quote__same_seed_gives_identical_json(void)
{
    cJSON *request = example();
    cJSON *a = quote_of(request), *b = quote_of(request);
    CU_ASSERT_STRING_NOT_EQUAL(cJSON_GetObjectItem(a, "quote_id")->valuestring,
                               cJSON_GetObjectItem(b, "quote_id")->valuestring);
    cJSON_DeleteItemFromObject(a, "quote_id");
    cJSON_DeleteItemFromObject(b, "quote_id");
    cJSON_DeleteItemFromObject(a, "elapsed_ms");
    cJSON_DeleteItemFromObject(b, "elapsed_ms");
    char *ta = cJSON_Print(a), *tb = cJSON_Print(b);
    CU_ASSERT_STRING_EQUAL(ta, tb);
    cJSON_free(ta);
    cJSON_free(tb);
    /* A different seed gives a different simulation. */
    set_number(cJSON_GetObjectItem(request, "options"), "seed", 2);
    cJSON *c = quote_of(request);
    CU_ASSERT(number(c, "expected_loss") != number(a, "expected_loss"));
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    cJSON_Delete(request);
}

static void test_quote__premium_adds_up_and_is_loaded(void)
{
    cJSON *request = example();
    cJSON *q = quote_of(request);
    double el = number(q, "expected_loss"), rl = number(q, "risk_load"),
           ex = number(q, "expense_load"), premium = number(q, "premium");
    /* Amounts are whole minor units, so they add up exactly in cents. */
    CU_ASSERT_EQUAL(llround(el * 100) + llround(rl * 100) + llround(ex * 100),
                    llround(premium * 100));
    CU_ASSERT(el > 0 && rl > 0 && ex > 0);
    /* Expected loss is what the coverages expect to pay, summed. */
    const cJSON *cov;
    double sum = 0;
    cJSON_ArrayForEach(cov, cJSON_GetObjectItem(q, "by_coverage"))
        sum += number(cov, "expected_loss");
    /* each coverage's mean is rounded to a cent: nine roundings */
    DS_ASSERT_ABS(sum, el, 0.05);
    cJSON_Delete(q);
    cJSON_Delete(request);
}

static void test_quote__better_security_or_terms_lower_the_premium(void)
{
    cJSON *request = example();
    double base = premium_of(request);

    cJSON *r = cJSON_Duplicate(request, 1);
    set_number(cJSON_GetObjectItem(r, "maturity"), "dsmm_level", 4);
    double higher_dsmm = premium_of(r);
    CU_ASSERT(higher_dsmm < base);
    cJSON_Delete(r);

    r = cJSON_Duplicate(request, 1);
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "controls"), "edr", cJSON_CreateTrue());
    CU_ASSERT(premium_of(r) < base);
    cJSON_Delete(r);

    r = cJSON_Duplicate(request, 1);
    set_number(cJSON_GetObjectItem(r, "cover"), "deductible", 250000);
    CU_ASSERT(premium_of(r) < base);
    cJSON_Delete(r);

    r = cJSON_Duplicate(request, 1);
    cJSON_DeleteItemFromObject(r, "incidents");
    cJSON_DeleteItemFromObject(r, "history_years");
    CU_ASSERT(premium_of(r) < base);
    cJSON_Delete(r);

    /* Ten times the core records (asset A3 is core: national_security x serious). */
    r = cJSON_Duplicate(request, 1);
    cJSON *a3 = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "assets"), 2);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(a3, "id")->valuestring, "A3");
    set_number(a3, "records", 10 * number(a3, "records"));
    CU_ASSERT(premium_of(r) > base);
    cJSON_Delete(r);
    cJSON_Delete(request);
}

static void test_quote__what_if_saving_is_the_difference_of_two_quotes(void)
{
    cJSON *request = example();
    cJSON *q = quote_of(request);
    double base = number(q, "premium");
    const cJSON *what_if = cJSON_GetObjectItem(q, "what_if");
    CU_ASSERT_FATAL(cJSON_GetArraySize(what_if) >= 3);
    const cJSON *item;
    int checked = 0;
    cJSON_ArrayForEach(item, what_if)
    {
        const char *change = cJSON_GetObjectItem(item, "change")->valuestring;
        cJSON *r = cJSON_Duplicate(request, 1);
        if (strcmp(change, "dsmm_level 3 -> 4") == 0) {
            set_number(cJSON_GetObjectItem(r, "maturity"), "dsmm_level", 4);
        } else if (strcmp(change, "add control edr") == 0) {
            cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "controls"), "edr",
                                      cJSON_CreateTrue());
        } else if (strcmp(change, "asset A3 graded important instead of core") == 0) {
            cJSON *a3 = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "assets"), 2);
            cJSON_DeleteItemFromObject(a3, "impacts");
            cJSON_AddStringToObject(a3, "grade", "important");
        } else {
            cJSON_Delete(r);
            continue;
        }
        double separate = premium_of(r);
        /* Exactly equal: the what-if runs on the same random numbers as a separate quote. */
        DS_ASSERT_ABS(number(item, "premium"), separate, 0);
        DS_ASSERT_ABS(number(item, "saving"), base - separate, 1e-6);
        CU_ASSERT(number(item, "saving") > 0);
        checked++;
        cJSON_Delete(r);
    }
    CU_ASSERT_EQUAL(checked, 3);
    cJSON_Delete(q);
    cJSON_Delete(request);
}

static void expect_error(cJSON *request, int code, const char *message)
{
    cJSON *quote = NULL;
    ds_error err;
    ds_error_clear(&err);
    CU_ASSERT_EQUAL(ds_quote_run(&quote, request, NULL, &err), code);
    CU_ASSERT(quote == NULL);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got \"%s\"\n  want \"%s\"\n", err.message, message);
    CU_ASSERT_STRING_EQUAL(err.message, message);
    cJSON_Delete(request);
}

static void test_quote__bad_requests_name_the_field(void)
{
    cJSON *r = example();
    set_number(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "assets"), 1), "records", -1);
    expect_error(r, DS_EINVAL, "assets[1].records: must be a non-negative integer");

    r = example();
    cJSON *coverages = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "cover"), "coverages");
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(coverages, 2), "code",
                              cJSON_CreateString("XYZ"));
    expect_error(r, DS_EINVAL, "cover.coverages[2].code: unknown coverage \"XYZ\"");

    r = example();
    set_number(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "cover"), "layer"), "participation",
               1.2);
    expect_error(r, DS_EINVAL, "cover.layer.participation: must be in (0, 1]");

    r = example();
    set_number(cJSON_GetObjectItem(r, "maturity"), "dsmm_level", 6);
    expect_error(r, DS_EINVAL, "maturity.dsmm_level: must be an integer from 1 to 5 (GB/T 37988)");

    r = example();
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "incidents"), 0), "date",
                              cJSON_CreateString("2020-13-45"));
    expect_error(r, DS_EINVAL, "incidents[0].date: not a valid date \"2020-13-45\"");

    r = example();
    cJSON_DeleteItemFromObject(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "incidents"), 0), "kind");
    expect_error(r, DS_EINVAL, "incidents[0].kind: required field is missing");

    r = example();
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "incidents"), 0), "kind",
                              cJSON_CreateString("flood"));
    expect_error(r, DS_EINVAL, "incidents[0].kind: unknown kind \"flood\" (exfiltration, "
                               "ransomware, misuse, outage, loss)");

    r = example();
    cJSON_ReplaceItemInObject(r, "rating_plan", cJSON_CreateString("nonexistent"));
    expect_error(r, DS_ENOTFOUND, "rating_plan: unknown rating plan \"nonexistent\" "
                                  "(rating/nonexistent.json)");

    r = example();
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(r, "cover"), "currency",
                              cJSON_CreateString("USD"));
    expect_error(r, DS_EINVAL,
                 "cover.currency: the rating plan \"default\" prices in CNY, not USD");

    r = example();
    set_number(cJSON_GetObjectItem(r, "platform"), "revenue", 0);
    expect_error(r, DS_EINVAL, "platform.revenue: must be in (0, 10^15]");
}

static const ds_test_case tests[] = {
    {"same_seed_gives_identical_json", test_quote__same_seed_gives_identical_json},
    {"premium_adds_up_and_is_loaded", test_quote__premium_adds_up_and_is_loaded},
    {"better_security_or_terms_lower_the_premium",
     test_quote__better_security_or_terms_lower_the_premium},
    {"what_if_saving_is_the_difference_of_two_quotes",
     test_quote__what_if_saving_is_the_difference_of_two_quotes},
    {"bad_requests_name_the_field", test_quote__bad_requests_name_the_field},
};

DS_TEST_MAIN("quote", tests)
