/*
 * test_model_json.c: reading the model JSON of `dsure aggregate` into a ds_agg_model (with the
 * field-named errors of DESIGN.md and the issue) and writing a ds_agg_result in the contract's
 * key order, with null for numbers that are not finite.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/json_in.h"
#include "data/model_json.h"
#include "tests/ds_test.h"

/* Parses text as a model; returns the code and leaves the message in err. */
static int parse_model(ds_agg_model *m, const char *text, ds_error *err)
{
    cJSON *doc = NULL;
    int rc = ds_json_parse(&doc, text, strlen(text), "model", err);
    if (rc)
        return rc;
    rc = ds_model_json_agg(m, doc, err);
    cJSON_Delete(doc);
    return rc;
}

/* Expects text to be refused with exactly this message. */
static void expect_error(const char *text, const char *message)
{
    ds_agg_model m;
    ds_error err;
    ds_error_clear(&err);
    int rc = parse_model(&m, text, &err);
    CU_ASSERT_EQUAL(rc, DS_EINVAL);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got \"%s\"\n  want \"%s\"\n", err.message, message);
    CU_ASSERT_STRING_EQUAL(err.message, message);
    if (rc == 0)
        ds_agg_model_clear(&m);
}

#define FREQ "\"frequency\": {\"dist\": \"poisson\", \"lambda\": 3}"
#define SEV "\"severity\": {\"dist\": \"lognormal\", \"meanlog\": 10, \"sdlog\": 1.5}"

static void test_model_json__reads_the_contract_example(void)
{
    const char *text =
        "{\"frequency\": {\"dist\": \"poisson\", \"lambda\": 3},"
        " \"severity\":  {\"dist\": \"lognormal\", \"meanlog\": 10, \"sdlog\": 1.5},"
        " \"terms\":     {\"deductible\": 0, \"limit\": null, \"coinsurance\": 1,"
        "                \"aggregate_deductible\": 0, \"aggregate_limit\": null},"
        " \"measures\":  {\"var\": [0.95, 0.99, 0.995], \"tvar\": [0.99], \"ep_points\": 20}}";
    ds_agg_model m;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(parse_model(&m, text, &err), 0);
    CU_ASSERT_EQUAL(m.freq.family, DS_FREQ_POISSON);
    CU_ASSERT_EQUAL(m.freq.lambda, 3);
    CU_ASSERT_EQUAL(m.sev.family, DS_SEV_LOGNORMAL);
    CU_ASSERT_EQUAL(m.sev.u.lognormal.meanlog, 10);
    CU_ASSERT_EQUAL(m.sev.u.lognormal.sdlog, 1.5);
    CU_ASSERT(isinf(m.terms.limit));
    CU_ASSERT(isinf(m.terms.aggregate_limit));
    CU_ASSERT_EQUAL(m.terms.coinsurance, 1);
    CU_ASSERT_EQUAL(m.measures.n_var, 3);
    CU_ASSERT_EQUAL(m.measures.var_p[2], 0.995);
    CU_ASSERT_EQUAL(m.measures.n_tvar, 1);
    CU_ASSERT_EQUAL(m.measures.n_ep, 20);
    ds_agg_model_clear(&m);
}

static void test_model_json__defaults_when_terms_and_measures_are_absent(void)
{
    ds_agg_model m;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(parse_model(&m, "{" FREQ ", " SEV "}", &err), 0);
    CU_ASSERT_EQUAL(m.terms.deductible, 0);
    CU_ASSERT(isinf(m.terms.limit));
    CU_ASSERT_EQUAL(m.terms.coinsurance, 1);
    CU_ASSERT_EQUAL(m.measures.n_var, 3);
    CU_ASSERT_EQUAL(m.measures.var_p[0], 0.95);
    CU_ASSERT_EQUAL(m.measures.var_p[1], 0.99);
    CU_ASSERT_EQUAL(m.measures.var_p[2], 0.995);
    CU_ASSERT_EQUAL(m.measures.n_tvar, 1);
    CU_ASSERT_EQUAL(m.measures.tvar_p[0], 0.99);
    CU_ASSERT_EQUAL(m.measures.n_ep, 10);
    ds_agg_model_clear(&m);

    /* Measures given partly: the rest keep their defaults; ep_points below 10 keeps ten. */
    CU_ASSERT_EQUAL_FATAL(parse_model(&m,
                                      "{" FREQ ", " SEV ", \"measures\": {\"var\": [0.9],"
                                      " \"ep_points\": 3}}",
                                      &err),
                          0);
    CU_ASSERT_EQUAL(m.measures.n_var, 1);
    CU_ASSERT_EQUAL(m.measures.n_tvar, 1);
    CU_ASSERT_EQUAL(m.measures.n_ep, 10);
    ds_agg_model_clear(&m);
}

static void test_model_json__reads_every_family(void)
{
    const char *models[] = {
        "{\"frequency\": {\"dist\": \"negbin\", \"size\": 2, \"mu\": 3},"
        " \"severity\": {\"dist\": \"pareto\", \"shape\": 2.5, \"scale\": 150000}}",
        "{\"frequency\": {\"dist\": \"binomial\", \"n\": 10, \"p\": 0.3},"
        " \"severity\": {\"dist\": \"gamma\", \"shape\": 2, \"rate\": 0.001}}",
        "{" FREQ ", \"severity\": {\"dist\": \"weibull\", \"shape\": 0.5, \"scale\": 1000}}",
        "{" FREQ ", \"severity\": {\"dist\": \"exponential\", \"rate\": 0.001}}",
        "{" FREQ ", \"severity\": {\"dist\": \"gpd\", \"xi\": 0.3, \"sigma\": 1000, \"mu\": 0}}",
    };
    const ds_sev_family families[] = {DS_SEV_PARETO, DS_SEV_GAMMA, DS_SEV_WEIBULL,
                                      DS_SEV_EXPONENTIAL, DS_SEV_GPD};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        ds_agg_model m;
        ds_error err;
        int rc = parse_model(&m, models[i], &err);
        if (rc)
            fprintf(stderr, "\n  model %zu: %s\n", i, err.message);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        CU_ASSERT_EQUAL(m.sev.family, families[i]);
        ds_agg_model_clear(&m);
    }
}

static void test_model_json__reads_a_spliced_severity(void)
{
    const char *text =
        "{" FREQ ", \"severity\": {\"dist\": \"spliced\","
        " \"body\": {\"dist\": \"lognormal\", \"meanlog\": 10, \"sdlog\": 1},"
        " \"tail\": {\"dist\": \"gpd\", \"xi\": 0.3, \"sigma\": 50000, \"mu\": 100000},"
        " \"threshold\": 100000, \"body_weight\": 0.9}}";
    ds_agg_model m;
    ds_error err;
    CU_ASSERT_EQUAL_FATAL(parse_model(&m, text, &err), 0);
    CU_ASSERT_EQUAL(m.sev.family, DS_SEV_SPLICED);
    CU_ASSERT_EQUAL(m.sev.u.spliced.body->family, DS_SEV_LOGNORMAL);
    CU_ASSERT_EQUAL(m.sev.u.spliced.tail->u.gpd.sigma, 50000);
    CU_ASSERT_EQUAL(m.sev.u.spliced.threshold, 100000);
    CU_ASSERT_EQUAL(m.sev.u.spliced.body_weight, 0.9);
    ds_agg_model_clear(&m);

    /* Without body_weight the body's own mass below the threshold is used (NAN marks it). */
    const char *no_weight =
        "{" FREQ ", \"severity\": {\"dist\": \"spliced\","
        " \"body\": {\"dist\": \"lognormal\", \"meanlog\": 10, \"sdlog\": 1},"
        " \"tail\": {\"dist\": \"gpd\", \"xi\": 0.3, \"sigma\": 50000, \"mu\": 100000},"
        " \"threshold\": 100000}}";
    CU_ASSERT_EQUAL_FATAL(parse_model(&m, no_weight, &err), 0);
    CU_ASSERT(isnan(m.sev.u.spliced.body_weight));
    ds_agg_model_clear(&m);

    /* An error in a part names its path, and nothing leaks (ASan checks). */
    expect_error("{" FREQ ", \"severity\": {\"dist\": \"spliced\","
                 " \"body\": {\"dist\": \"lognormal\", \"meanlog\": 10, \"sdlog\": 1},"
                 " \"tail\": {\"dist\": \"gpd\", \"xi\": 0.3, \"sigma\": -5, \"mu\": 100000},"
                 " \"threshold\": 100000}}",
                 "severity.tail.sigma: must be positive");
    expect_error("{" FREQ ", \"severity\": {\"dist\": \"spliced\","
                 " \"body\": {\"dist\": \"lognormall\", \"meanlog\": 10, \"sdlog\": 1},"
                 " \"tail\": {\"dist\": \"gpd\", \"xi\": 0.3, \"sigma\": 5, \"mu\": 100000},"
                 " \"threshold\": 100000}}",
                 "severity.body.dist: unknown distribution \"lognormall\"");
    expect_error("{" FREQ ", \"severity\": {\"dist\": \"spliced\","
                 " \"body\": {\"dist\": \"lognormal\", \"meanlog\": 10, \"sdlog\": 1},"
                 " \"threshold\": 100000}}",
                 "severity.tail: required field is missing");
}

static void test_model_json__errors_name_the_field(void)
{
    expect_error("{" FREQ ", \"severity\": {\"dist\": \"lognormall\", \"meanlog\": 10}}",
                 "severity.dist: unknown distribution \"lognormall\"");
    expect_error("{\"frequency\": {\"dist\": \"poison\", \"lambda\": 3}, " SEV "}",
                 "frequency.dist: unknown distribution \"poison\"");
    expect_error("{" FREQ ", \"severity\": {\"dist\": \"lognormal\", \"meanlog\": 10,"
                 " \"sdlog\": 0}}",
                 "severity.sdlog: must be positive");
    expect_error("{" FREQ ", \"severity\": {\"dist\": \"lognormal\", \"meanlog\": 10}}",
                 "severity.sdlog: required field is missing");
    expect_error("{" FREQ ", \"severity\": {\"dist\": \"lognormal\", \"meanlog\": \"10\","
                 " \"sdlog\": 1}}",
                 "severity.meanlog: must be a number");
    expect_error("{" FREQ ", \"severity\": {\"meanlog\": 10, \"sdlog\": 1}}",
                 "severity.dist: required field is missing");
    expect_error("{\"frequency\": {\"dist\": \"poisson\", \"lamdba\": 3}, " SEV "}",
                 "frequency.lamdba: unknown field");
    expect_error("{" FREQ ", " SEV ", \"limits\": {}}", "limits: unknown field");
    expect_error("{" SEV "}", "frequency: required field is missing");
    expect_error("{" FREQ ", " SEV ", \"terms\": {\"coinsurance\": 1.5}}",
                 "terms.coinsurance: must be in (0, 1]");
    expect_error("{" FREQ ", " SEV ", \"terms\": {\"coinsurance\": 0}}",
                 "terms.coinsurance: must be in (0, 1]");
    expect_error("{" FREQ ", " SEV ", \"terms\": {\"deductible\": -5}}",
                 "terms.deductible: must be a non-negative number");
    expect_error("{" FREQ ", " SEV ", \"terms\": {\"limit\": \"none\"}}",
                 "terms.limit: must be a number");
    expect_error("{" FREQ ", " SEV ", \"terms\": {\"franchise\": 5}}",
                 "terms.franchise: unknown field");
    expect_error("{" FREQ ", " SEV ", \"measures\": {\"var\": [0.95, 1.2]}}",
                 "measures.var[1]: must be in (0, 1)");
    expect_error("{" FREQ ", " SEV ", \"measures\": {\"tvar\": [\"x\"]}}",
                 "measures.tvar[0]: must be a number");
    expect_error("{" FREQ ", " SEV ", \"measures\": {\"ep_points\": 2.5}}",
                 "measures.ep_points: must be an integer");
    expect_error("{" FREQ ", " SEV ", \"measures\": {\"ep_points\": 65}}",
                 "measures.ep_points: must be an integer in [0, 64]");
    expect_error("{" FREQ ", " SEV ", \"measures\": {\"ep_points\": -1}}",
                 "measures.ep_points: must be an integer in [0, 64]");
    expect_error("{\"frequency\": {\"dist\": \"binomial\", \"n\": 2.5, \"p\": 0.5}, " SEV "}",
                 "frequency.n: must be an integer");
    expect_error("[1, 2]", "input: must be an object");
    expect_error("{\"frequency\": 3, " SEV "}", "frequency: must be an object");

    /* The frequency validator's message is kept as it is, with the field first. */
    ds_agg_model m;
    ds_error err;
    CU_ASSERT_EQUAL(parse_model(&m, "{\"frequency\": {\"dist\": \"poisson\", \"lambda\": -1},"
                                    " " SEV "}",
                                &err),
                    DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "frequency.lambda");
    CU_ASSERT(strncmp(err.message, "frequency.lambda: ", 18) == 0);
}

static void test_model_json__result_keys_follow_the_contract(void)
{
    ds_agg_result r;
    memset(&r, 0, sizeof r);
    r.method = DS_AGG_MC;
    r.sims = 1000000;
    r.seed = 1;
    r.threads = 2;
    r.mean = 203538.5;
    r.sd = 361966.25;
    r.mean_stderr = 361.96625;
    r.prob_zero = 0.05;
    r.has_exact = 1;
    r.exact_mean = 203538.875;
    r.exact_sd = INFINITY; /* a moment that does not exist prints as null */
    r.n_var = 1;
    r.var[0].p = 0.95;
    r.var[0].value = 700000;
    r.n_tvar = 1;
    r.tvar[0].p = 0.99;
    r.tvar[0].value = 2500000;
    r.n_ep = 1;
    r.ep[0].return_period = 10;
    r.ep[0].loss = 470000;
    r.elapsed_ms = 31.25;
    cJSON *json = ds_model_json_agg_result(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(json);
    char *text = cJSON_PrintUnformatted(json);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text,
                           "{\"method\":\"mc\",\"sims\":1000000,\"seed\":1,\"threads\":2,"
                           "\"mean\":203538.5,\"sd\":361966.25,\"mean_stderr\":361.96625,"
                           "\"prob_zero\":0.05,\"exact\":{\"mean\":203538.875,\"sd\":null},"
                           "\"var\":[{\"p\":0.95,\"value\":700000}],"
                           "\"tvar\":[{\"p\":0.99,\"value\":2500000}],"
                           "\"ep_curve\":[{\"return_period\":10,\"loss\":470000}],"
                           "\"elapsed_ms\":31.25}");
    cJSON_free(text);
    cJSON_Delete(json);

    /* Panjer: sims, seed, threads and mean_stderr are null; exact null without moments;
     * span and the discretisation come before elapsed_ms. FFT adds the tilt. */
    r.method = DS_AGG_PANJER;
    r.has_exact = 0;
    r.n_var = r.n_tvar = r.n_ep = 0;
    r.span = 1000;
    r.points = 4096;
    r.tail_mass = 1e-10;
    r.discretization = "rounding";
    json = ds_model_json_agg_result(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(json);
    text = cJSON_PrintUnformatted(json);
    CU_ASSERT_STRING_EQUAL(text,
                           "{\"method\":\"panjer\",\"sims\":null,\"seed\":null,\"threads\":null,"
                           "\"mean\":203538.5,\"sd\":361966.25,\"mean_stderr\":null,"
                           "\"prob_zero\":0.05,\"exact\":null,\"var\":[],\"tvar\":[],"
                           "\"ep_curve\":[],\"span\":1000,\"discretization\":{\"method\":"
                           "\"rounding\",\"points\":4096,\"tail_mass\":1e-10},"
                           "\"elapsed_ms\":31.25}");
    cJSON_free(text);
    cJSON_Delete(json);
    r.method = DS_AGG_FFT;
    r.tilt = 0.5;
    json = ds_model_json_agg_result(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(json);
    text = cJSON_PrintUnformatted(json);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"tail_mass\":1e-10,\"tilt\":0.5}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "{\"method\":\"fft\","));
    cJSON_free(text);
    cJSON_Delete(json);
}

static void test_model_json__example_models_parse(void)
{
    const char *names[] = {"poisson-lognormal.json", "negbin-pareto.json",
                           "poisson-lognormal-terms.json"};
    for (size_t i = 0; i < 3; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/tests/data/models/%s", DSURE_SOURCE_DIR, names[i]);
        FILE *f = fopen(path, "rb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        char text[4096];
        size_t len = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[len] = '\0';
        ds_agg_model m;
        ds_error err;
        int rc = parse_model(&m, text, &err);
        if (rc)
            fprintf(stderr, "\n  %s: %s\n", names[i], err.message);
        CU_ASSERT_EQUAL(rc, 0);
        if (rc == 0)
            ds_agg_model_clear(&m);
    }
}

static const ds_test_case tests[] = {
    {"test_model_json__reads_the_contract_example", test_model_json__reads_the_contract_example},
    {"test_model_json__defaults_when_terms_and_measures_are_absent",
     test_model_json__defaults_when_terms_and_measures_are_absent},
    {"test_model_json__reads_every_family", test_model_json__reads_every_family},
    {"test_model_json__reads_a_spliced_severity", test_model_json__reads_a_spliced_severity},
    {"test_model_json__errors_name_the_field", test_model_json__errors_name_the_field},
    {"test_model_json__result_keys_follow_the_contract",
     test_model_json__result_keys_follow_the_contract},
    {"test_model_json__example_models_parse", test_model_json__example_models_parse},
};

DS_TEST_MAIN("model_json", tests)
