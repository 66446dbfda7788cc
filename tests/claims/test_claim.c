/*
 * test_claim.c: reading a claim: the DESIGN.md example, every rule of claim.h refused with the
 * field named, ids kept for the rejection, and the content hash equal for the same claim written
 * differently and different for any other content.
 */
#include <string.h>

#include "claims/claim.h"
#include "data/json_in.h"
#include "tests/ds_test.h"

static const char example[] =
    "{\"claim_id\": \"CL-2027-0001\", \"policy_id\": \"POL-1\","
    " \"reported\": \"2027-03-05T08:00:00Z\", \"incident\": 1042,"
    " \"losses\": [{\"coverage\": \"INRE\", \"amount\": 100000, \"evidence\": [1043]},"
    "              {\"coverage\": \"NPBI\", \"amount\": 250000.5, \"hours\": 30.25,"
    "               \"evidence\": [1044, 1045]}]}";

static int parse(ds_claim *claim, const char *text, ds_error *err)
{
    cJSON *json = NULL;
    int rc = ds_json_parse(&json, text, strlen(text), "claim", err);
    if (!rc)
        rc = ds_claim_parse(claim, json, "claim", err);
    cJSON_Delete(json);
    return rc;
}

static void test_claim__design_example_is_read_exactly(void)
{
    ds_claim c;
    ds_error err;
    CU_ASSERT_FATAL(parse(&c, example, &err) == 0);
    CU_ASSERT_STRING_EQUAL(c.claim_id, "CL-2027-0001");
    CU_ASSERT_STRING_EQUAL(c.policy_id, "POL-1");
    CU_ASSERT_EQUAL(c.reported, 1804233600); /* 2027-03-05T08:00:00Z, date -u -d ... +%s */
    CU_ASSERT_EQUAL(c.incident, 1042);
    CU_ASSERT_EQUAL_FATAL(c.n_losses, 2);
    CU_ASSERT_EQUAL(c.losses[0].coverage, DS_COV_INRE);
    CU_ASSERT_EQUAL(c.losses[0].amount, 10000000);
    CU_ASSERT_EQUAL(c.losses[0].has_hours, 0);
    CU_ASSERT_EQUAL(c.losses[1].coverage, DS_COV_NPBI);
    CU_ASSERT_EQUAL(c.losses[1].amount, 25000050);
    CU_ASSERT_EQUAL(c.losses[1].millihours, 30250);
    CU_ASSERT_EQUAL_FATAL(c.losses[1].n_evidence, 2);
    CU_ASSERT_EQUAL(c.losses[1].evidence[1], 1045);
    ds_claim_clear(&c);
}

static void test_claim__each_rule_is_refused_naming_the_field(void)
{
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"[]", "claim: must be an object"},
        {"{\"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\", \"incident\": 1,"
         " \"losses\": [{\"coverage\": \"INRE\", \"amount\": 1, \"evidence\": []}]}",
         "claim.claim_id: required field is missing"},
        {"{\"claim_id\": \"\", \"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\","
         " \"incident\": 1, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 1,"
         " \"evidence\": []}]}",
         "claim.claim_id: must be a non-empty string"},
        {"{\"claim_id\": \"C\", \"policy_id\": \"P\", \"reported\": \"2027-03-05 08:00\","
         " \"incident\": 1, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 1,"
         " \"evidence\": []}]}",
         "claim.reported: must be an RFC 3339 UTC timestamp"},
        {"{\"claim_id\": \"C\", \"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\","
         " \"incident\": -1, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 1,"
         " \"evidence\": []}]}",
         "claim.incident: must be a ledger index"},
        {"{\"claim_id\": \"C\", \"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\","
         " \"incident\": 1.5, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 1,"
         " \"evidence\": []}]}",
         "claim.incident"},
        {"{\"claim_id\": \"C\", \"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\","
         " \"incident\": 1, \"losses\": []}",
         "claim.losses: must list 1 to 9 loss lines"},
        {"{\"claim_id\": \"C\", \"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\","
         " \"incident\": 1, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 1.005,"
         " \"evidence\": []}]}",
         "claim.losses[0].amount: must have at most two decimals"},
        {"{\"claim_id\": \"C\", \"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\","
         " \"incident\": 1, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 1,"
         " \"evidence\": [1]}, {\"coverage\": \"INRE\", \"amount\": 2, \"evidence\": [2]}]}",
         "claim.losses[1].coverage: INRE is claimed on two lines"},
        {"{\"claim_id\": \"C\", \"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\","
         " \"incident\": 1, \"losses\": [{\"coverage\": \"NPBI\", \"amount\": 1, \"hours\": -2,"
         " \"evidence\": [1]}]}",
         "claim.losses[0].hours: must be a number of hours"},
        {"{\"claim_id\": \"C\", \"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\","
         " \"incident\": 1, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 1,"
         " \"evidence\": [1, \"2\"]}]}",
         "claim.losses[0].evidence[1]"},
        {"{\"claim_id\": \"C\", \"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\","
         " \"incident\": 1, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 1,"
         " \"evidence\": [1], \"note\": \"x\"}]}",
         "claim.losses[0]"},
        {"{\"claim_id\": \"C\", \"policy_id\": \"P\", \"reported\": \"2027-03-05T08:00:00Z\","
         " \"incident\": 1, \"losses\": [{\"coverage\": \"INRE\", \"amount\": 1,"
         " \"evidence\": [1]}], \"extra\": 1}",
         "extra"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ds_claim c;
        ds_error err;
        ds_error_clear(&err);
        int rc = parse(&c, cases[i].text, &err);
        int ok = rc == DS_EINVAL && strstr(err.message, cases[i].message) != NULL;
        if (!ok)
            fprintf(stderr, "\n  case %zu: rc %d, \"%s\"\n", i, rc, err.message);
        CU_ASSERT(ok);
        ds_claim_clear(&c);
    }
}

static void test_claim__a_rejected_claim_keeps_its_ids(void)
{
    ds_claim c;
    ds_error err;
    CU_ASSERT(parse(&c,
                    "{\"claim_id\": \"CL-9\", \"policy_id\": \"POL-9\", \"incident\": 1,"
                    " \"losses\": []}",
                    &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(c.claim_id, "CL-9");
    CU_ASSERT_STRING_EQUAL(c.policy_id, "POL-9");
    ds_claim_clear(&c);
}

static void test_claim__content_hash_ignores_layout_and_sees_every_value(void)
{
    ds_claim a, b, other;
    ds_error err;
    CU_ASSERT_FATAL(parse(&a, example, &err) == 0);
    /* Same claim: other member order, whitespace and number spelling. */
    CU_ASSERT_FATAL(parse(&b,
                          "{\"losses\":[{\"evidence\":[1043],\"amount\":1e5,"
                          "\"coverage\":\"INRE\"},"
                          "{\"hours\":30.25,\"evidence\":[1044,1045],\"coverage\":\"NPBI\","
                          "\"amount\":250000.50}],\"incident\":1042,\"reported\":"
                          "\"2027-03-05T08:00:00Z\",\"policy_id\":\"POL-1\","
                          "\"claim_id\":\"CL-2027-0001\"}",
                          &err) == 0);
    CU_ASSERT(memcmp(a.content_sha256, b.content_sha256, 32) == 0);
    /* One evidence index changed. */
    CU_ASSERT_FATAL(parse(&other,
                          "{\"claim_id\": \"CL-2027-0001\", \"policy_id\": \"POL-1\","
                          " \"reported\": \"2027-03-05T08:00:00Z\", \"incident\": 1042,"
                          " \"losses\": [{\"coverage\": \"INRE\", \"amount\": 100000,"
                          " \"evidence\": [1043]}, {\"coverage\": \"NPBI\", \"amount\": 250000.5,"
                          " \"hours\": 30.25, \"evidence\": [1044, 1046]}]}",
                          &err) == 0);
    CU_ASSERT(memcmp(a.content_sha256, other.content_sha256, 32) != 0);
    ds_claim_clear(&a);
    ds_claim_clear(&b);
    ds_claim_clear(&other);
}

static const ds_test_case tests[] = {
    {"design_example_is_read_exactly", test_claim__design_example_is_read_exactly},
    {"each_rule_is_refused_naming_the_field", test_claim__each_rule_is_refused_naming_the_field},
    {"a_rejected_claim_keeps_its_ids", test_claim__a_rejected_claim_keeps_its_ids},
    {"content_hash_ignores_layout_and_sees_every_value",
     test_claim__content_hash_ignores_layout_and_sees_every_value},
};

DS_TEST_MAIN("claim", tests)
