/*
 * test_record.c: claims/record.c, the provenance records of DESIGN.md section 6.
 *
 * Every record type is accepted in a valid example and canonicalised to the exact RFC 8785 text
 * (written out by hand: members sorted, no whitespace); removing any member of any example, or
 * giving any field a bad value, is refused with the exact path and message. Timestamps are
 * checked against epoch seconds from an independent source (Python's calendar.timegm).
 */
#include <stdlib.h>
#include <string.h>

#include "claims/record.h"
#include "tests/ds_test.h"

#define H1 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define H2 "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"
#define TS "\"ts\":\"2027-03-05T08:00:00Z\""

static const struct {
    const char *json;      /* a valid record, members deliberately out of order */
    const char *canonical; /* its RFC 8785 form */
} valid[] = {
    {"{\"type\": \"asset.registered\", " TS ", \"platform\": \"P-001\", \"asset\": \"A-1\","
     " \"grade\": \"core\", \"records\": 120000, \"content_sha256\": \"" H1 "\"}",
     "{\"asset\":\"A-1\",\"content_sha256\":\"" H1 "\",\"grade\":\"core\",\"platform\":\"P-001\","
     "\"records\":120000," TS ",\"type\":\"asset.registered\"}"},
    {"{\"grade\": \"important\", \"asset\": \"A-1\", " TS ", \"type\": \"asset.graded\"}",
     "{\"asset\":\"A-1\",\"grade\":\"important\"," TS ",\"type\":\"asset.graded\"}"},
    {"{\"type\": \"asset.records\", \"ts\": \"2027-03-05T08:00:00.250Z\", \"asset\": \"A-1\","
     " \"records\": 1.5e5}",
     "{\"asset\":\"A-1\",\"records\":150000,\"ts\":\"2027-03-05T08:00:00.250Z\","
     "\"type\":\"asset.records\"}"},
    {"{\"type\": \"flow\", " TS ", \"asset\": \"A-1\", \"from\": \"P-001\","
     " \"to\": \"vendor.example\", \"records\": 0, \"purpose\": \"analytics\"}",
     "{\"asset\":\"A-1\",\"from\":\"P-001\",\"purpose\":\"analytics\",\"records\":0,"
     "\"to\":\"vendor.example\"," TS ",\"type\":\"flow\"}"},
    {"{\"type\": \"incident\", " TS ", \"incident\": \"INC-7\", \"platform\": \"P-001\","
     " \"kind\": \"exfiltration\", \"detected\": \"2027-03-04T22:15:00Z\","
     " \"assets\": [{\"records\": 90000, \"asset\": \"A-1\"}, {\"asset\": \"A-2\", \"records\": "
     "10}]}",
     "{\"assets\":[{\"asset\":\"A-1\",\"records\":90000},{\"asset\":\"A-2\",\"records\":10}],"
     "\"detected\":\"2027-03-04T22:15:00Z\",\"incident\":\"INC-7\",\"kind\":\"exfiltration\","
     "\"platform\":\"P-001\"," TS ",\"type\":\"incident\"}"},
    {"{\"type\": \"cost\", " TS ", \"incident\": \"INC-7\", \"coverage\": \"NPBI\","
     " \"amount\": 250000.50, \"document_sha256\": \"" H2 "\", \"hours\": 30}",
     "{\"amount\":250000.5,\"coverage\":\"NPBI\",\"document_sha256\":\"" H2 "\",\"hours\":30,"
     "\"incident\":\"INC-7\"," TS ",\"type\":\"cost\"}"},
    {"{\"type\": \"cost\", " TS ", \"incident\": \"INC-7\", \"coverage\": \"INRE\","
     " \"amount\": 100000, \"document_sha256\": \"" H2 "\"}",
     "{\"amount\":100000,\"coverage\":\"INRE\",\"document_sha256\":\"" H2 "\","
     "\"incident\":\"INC-7\"," TS ",\"type\":\"cost\"}"},
};
#define N_VALID (sizeof valid / sizeof valid[0])

static cJSON *parse(const char *json)
{
    cJSON *root = cJSON_Parse(json);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    return root;
}

/* Validates json under "records[3]" and checks the refusal message exactly. */
static void expect_refused_node(const cJSON *root, const char *message)
{
    ds_error err;
    ds_error_clear(&err);
    int rc = ds_record_validate(root, "records[3]", &err);
    CU_ASSERT_EQUAL(rc, DS_EINVAL);
    if (rc != DS_EINVAL || strcmp(err.message, message) != 0) {
        char *text = cJSON_PrintUnformatted(root);
        fprintf(stderr, "\n  record   %s\n  got      %s (%d)\n  expected %s\n", text,
                rc ? err.message : "(accepted)", rc, message);
        cJSON_free(text);
    }
    CU_ASSERT_STRING_EQUAL(err.message, message);
    /* canonical refuses the same record the same way and returns nothing. */
    char *out = (char *)1;
    ds_error err2;
    CU_ASSERT_EQUAL(ds_record_canonical(&out, NULL, root, "records[3]", &err2), DS_EINVAL);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_STRING_EQUAL(err2.message, err.message);
}

static void expect_refused(const char *json, const char *message)
{
    cJSON *root = parse(json);
    expect_refused_node(root, message);
    cJSON_Delete(root);
}

static void test_record__every_type_valid_and_canonical(void)
{
    for (size_t i = 0; i < N_VALID; i++) {
        cJSON *root = parse(valid[i].json);
        ds_error err;
        ds_error_clear(&err);
        char *out = NULL;
        size_t len = 0;
        int rc = ds_record_canonical(&out, &len, root, "records[3]", &err);
        if (rc)
            fprintf(stderr, "\n  example %zu refused: %s\n", i, err.message);
        CU_ASSERT_EQUAL_FATAL(rc, 0);
        CU_ASSERT_STRING_EQUAL(out, valid[i].canonical);
        CU_ASSERT_EQUAL(len, strlen(valid[i].canonical));
        /* The canonical text is itself a valid record with the same canonical form. */
        cJSON *again = parse(out);
        char *out2 = NULL;
        CU_ASSERT_EQUAL(ds_record_canonical(&out2, NULL, again, "", &err), 0);
        CU_ASSERT_STRING_EQUAL(out2, out);
        free(out);
        free(out2);
        cJSON_Delete(again);
        cJSON_Delete(root);
    }
}

static void test_record__each_missing_field_is_named(void)
{
    for (size_t i = 0; i < N_VALID; i++) {
        cJSON *probe = parse(valid[i].json);
        int n = cJSON_GetArraySize(probe);
        for (int k = 0; k < n; k++) {
            cJSON *root = parse(valid[i].json);
            cJSON *victim = cJSON_GetArrayItem(root, k);
            char name[64];
            snprintf(name, sizeof name, "%s", victim->string);
            cJSON_DeleteItemFromObjectCaseSensitive(root, name);
            char message[256];
            if (strcmp(name, "hours") == 0)
                snprintf(message, sizeof message, "records[3].hours: required for NPBI costs");
            else
                snprintf(message, sizeof message, "records[3].%s: required field is missing",
                         name);
            expect_refused_node(root, message);
            cJSON_Delete(root);
        }
        cJSON_Delete(probe);
    }
}

/* Replaces member `field` of valid example `which` by the JSON value `value`. */
static void expect_bad_value(size_t which, const char *field, const char *value,
                             const char *message)
{
    cJSON *root = parse(valid[which].json);
    cJSON *replacement = parse(value);
    if (cJSON_GetObjectItemCaseSensitive(root, field))
        cJSON_ReplaceItemInObjectCaseSensitive(root, field, replacement);
    else
        cJSON_AddItemToObject(root, field, replacement);
    expect_refused_node(root, message);
    cJSON_Delete(root);
}

#define REG 0
#define GRADED 1
#define RECS 2
#define FLOW 3
#define INCIDENT 4
#define COST_NPBI 5
#define COST_INRE 6

static void test_record__bad_values_are_refused_with_their_path(void)
{
    const char *ts_msg = "must be an RFC 3339 UTC timestamp such as 2027-03-05T08:00:00Z";
    char m[256];
#define BAD(which, field, value, why)                                                             \
    do {                                                                                          \
        snprintf(m, sizeof m, "records[3].%s: %s", field, why);                                   \
        expect_bad_value(which, field, value, m);                                                 \
    } while (0)
    BAD(REG, "content_sha256",
        "\""
        "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
        "\"",
        "must be 64 lowercase hex digits");
    BAD(REG, "content_sha256", "\"9f86d0\"", "must be 64 lowercase hex digits");
    BAD(REG, "content_sha256", "\"" H1 "0\"", "must be 64 lowercase hex digits");
    BAD(REG, "content_sha256",
        "\"zf86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"",
        "must be 64 lowercase hex digits");
    BAD(REG, "content_sha256", "42", "must be 64 lowercase hex digits");
    BAD(COST_INRE, "document_sha256", "\"\"", "must be 64 lowercase hex digits");
    BAD(REG, "grade", "\"secret\"", "must be one of core, important, general");
    BAD(GRADED, "grade", "\"Core\"", "must be one of core, important, general");
    BAD(REG, "records", "-1", "must be a non-negative integer");
    BAD(REG, "records", "1.5", "must be a non-negative integer");
    BAD(REG, "records", "\"10\"", "must be a non-negative integer");
    BAD(RECS, "records", "1e300", "must be a non-negative integer");
    BAD(FLOW, "records", "9007199254740994", "must be a non-negative integer");
    BAD(REG, "platform", "\"\"", "must be a non-empty string");
    BAD(REG, "asset", "7", "must be a non-empty string");
    BAD(FLOW, "to", "null", "must be a non-empty string");
    BAD(FLOW, "purpose", "\"line\\nbreak\"", "must not contain control characters");
    BAD(INCIDENT, "kind", "\"theft\"",
        "must be one of exfiltration, ransomware, misuse, outage, loss");
    BAD(INCIDENT, "detected", "\"2027-03-04\"", ts_msg);
    BAD(COST_INRE, "coverage", "\"inre\"",
        "must be one of NPBI, CBI, DIAS, EXT, FIN, INRE, LIA, REG, ENO");
    BAD(COST_INRE, "amount", "12.345", "must be a non-negative number with at most two decimals");
    BAD(COST_INRE, "amount", "-0.01", "must be a non-negative number with at most two decimals");
    BAD(COST_INRE, "amount", "\"100\"", "must be a non-negative number with at most two decimals");
    BAD(COST_INRE, "amount", "1e300", "must be a non-negative number with at most two decimals");
    BAD(COST_NPBI, "hours", "-1", "must be a non-negative number");
    BAD(COST_NPBI, "hours", "\"30\"", "must be a non-negative number");
    BAD(COST_INRE, "hours", "3", "only NPBI and CBI costs have hours, not INRE");
    BAD(COST_INRE, "hours", "null", "only NPBI and CBI costs have hours, not INRE");
    BAD(REG, "colour", "\"red\"", "unknown field");
    BAD(REG, "ts", "\"2027-03-05T08:00:00+01:00\"", ts_msg);
    BAD(REG, "type", "\"asset.deleted\"",
        "unknown record type \"asset.deleted\" (expected asset.registered, asset.graded, "
        "asset.records, flow, incident or cost)");
    BAD(REG, "type", "3", "must be a string");
    /* Incident assets: every element and member under its own path. */
    BAD(INCIDENT, "assets", "[]", "must be a non-empty array");
    BAD(INCIDENT, "assets", "{\"asset\": \"A-1\", \"records\": 1}", "must be a non-empty array");
    snprintf(m, sizeof m, "records[3].assets[1]: must be an object");
    expect_bad_value(INCIDENT, "assets", "[{\"asset\": \"A-1\", \"records\": 1}, 5]", m);
    snprintf(m, sizeof m, "records[3].assets[1].records: must be a non-negative integer");
    expect_bad_value(
        INCIDENT, "assets",
        "[{\"asset\": \"A-1\", \"records\": 1}, {\"asset\": \"A-2\", \"records\": -4}]", m);
    snprintf(m, sizeof m, "records[3].assets[0].records: required field is missing");
    expect_bad_value(INCIDENT, "assets", "[{\"asset\": \"A-1\"}]", m);
    snprintf(m, sizeof m, "records[3].assets[0].asset: required field is missing");
    expect_bad_value(INCIDENT, "assets", "[{\"records\": 3}]", m);
    snprintf(m, sizeof m, "records[3].assets[0].grade: unknown field");
    expect_bad_value(INCIDENT, "assets",
                     "[{\"asset\": \"A-1\", \"records\": 3, \"grade\": \"core\"}]", m);
    snprintf(m, sizeof m, "records[3].assets[1].asset: asset \"A-1\" is listed twice");
    expect_bad_value(
        INCIDENT, "assets",
        "[{\"asset\": \"A-1\", \"records\": 3}, {\"asset\": \"A-1\", \"records\": 4}]", m);
#undef BAD
}

static void test_record__refuses_non_objects_and_duplicate_members(void)
{
    expect_refused("[1, 2]", "records[3]: must be an object");
    expect_refused("\"asset.graded\"", "records[3]: must be an object");
    expect_refused("{\"type\": \"asset.graded\", " TS ", \"asset\": \"A-1\", \"grade\": \"core\","
                   " \"grade\": \"general\"}",
                   "records[3].grade: appears twice");
    ds_error err;
    CU_ASSERT_EQUAL(ds_record_validate(NULL, "", &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "input: must be an object");
}

static void test_record__paths_work_without_prefix(void)
{
    cJSON *root =
        parse("{\"type\": \"asset.graded\", " TS ", \"asset\": \"\", \"grade\": \"core\"}");
    ds_error err;
    CU_ASSERT_EQUAL(ds_record_validate(root, "", &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "asset");
    CU_ASSERT_STRING_EQUAL(err.message, "asset: must be a non-empty string");
    CU_ASSERT_EQUAL(ds_record_validate(root, NULL, &err), DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "asset");
    cJSON_Delete(root);
}

static void test_record__timestamps_are_strict_rfc3339_utc(void)
{
    /* Epoch seconds from Python: calendar.timegm((y, mo, d, h, mi, s)). */
    static const struct {
        const char *text;
        int64_t seconds;
    } good[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2027-03-05T08:00:00Z", 1804233600},
        {"2027-03-05T08:00:00.999999999Z", 1804233600}, /* fraction truncated */
        {"2000-02-29T23:59:59Z", 951868799}, /* 2000 is a leap year (divisible by 400) */
        {"1969-12-31T23:59:59.5Z", -1},
        {"0001-01-01T00:00:00Z", -62135596800},
        {"9999-12-31T23:59:59Z", 253402300799},
        {"2100-03-01T00:00:00Z", 4107542400},
        {"1600-02-29T12:00:00Z", -11670955200},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t t = 12345;
        CU_ASSERT_EQUAL(ds_time_parse_rfc3339(&t, good[i].text), 0);
        if (t != good[i].seconds)
            fprintf(stderr, "\n  %s: %lld, expected %lld\n", good[i].text, (long long)t,
                    (long long)good[i].seconds);
        CU_ASSERT_EQUAL(t, good[i].seconds);
    }
    static const char *const bad[] = {
        "2027-02-29T00:00:00Z", /* 2027 is not a leap year */
        "2100-02-29T00:00:00Z", /* nor is 2100 (divisible by 100, not 400) */
        "2027-04-31T00:00:00Z",
        "2027-13-01T00:00:00Z",
        "2027-00-10T00:00:00Z",
        "2027-03-00T00:00:00Z",
        "2027-03-05T24:00:00Z",
        "2027-03-05T23:60:00Z",
        "2027-03-05T23:59:60Z", /* leap second: not representable in POSIX time */
        "2027-03-05T08:00:00+01:00",
        "2027-03-05T08:00:00+00:00",
        "2027-03-05T08:00:00",
        "2027-03-05T08:00:00z",
        "2027-03-05t08:00:00Z",
        "2027-03-05 08:00:00Z",
        "2027-03-05T08:00Z",
        "2027-3-05T08:00:00Z",
        "27-03-05T08:00:00Z",
        "2027-03-05T08:00:00.Z",
        "2027-03-05T08:00:00.1234567890Z",
        "2027-03-05T08:00:00ZZ",
        "+2027-03-05T08:00:00Z",
        " 2027-03-05T08:00:00Z",
        "2027-03-05T08:00:0aZ",
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 12345;
        int rc = ds_time_parse_rfc3339(&t, bad[i]);
        if (rc != DS_EINVAL)
            fprintf(stderr, "\n  accepted %s\n", bad[i]);
        CU_ASSERT_EQUAL(rc, DS_EINVAL);
        CU_ASSERT_EQUAL(t, 12345);
    }
    CU_ASSERT_EQUAL(ds_time_parse_rfc3339(NULL, NULL), DS_EINVAL);
    /* Every day of 1999..2101: consecutive days are 86400 s apart, the day after the last of
     * each month is refused. */
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t prev = 0;
    int first = 1;
    for (int y = 1999; y <= 2101; y++) {
        for (int mo = 1; mo <= 12; mo++) {
            int days = dim[mo - 1] + (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
            for (int d = 1; d <= days + 1; d++) {
                char text[32];
                snprintf(text, sizeof text, "%04d-%02d-%02dT00:00:00Z", y, mo, d);
                int64_t t;
                int rc = ds_time_parse_rfc3339(&t, text);
                if (d > days) {
                    CU_ASSERT_EQUAL(rc, DS_EINVAL);
                    continue;
                }
                CU_ASSERT_EQUAL_FATAL(rc, 0);
                if (!first)
                    CU_ASSERT_EQUAL(t - prev, 86400);
                prev = t;
                first = 0;
            }
        }
    }
}

static void test_record__type_and_grade_names(void)
{
    cJSON *root = parse(valid[FLOW].json);
    CU_ASSERT_EQUAL(ds_record_type_of(root), DS_RECORD_FLOW);
    CU_ASSERT_STRING_EQUAL(ds_record_type_name(DS_RECORD_FLOW), "flow");
    CU_ASSERT_STRING_EQUAL(ds_record_type_name(DS_RECORD_UNKNOWN), "unknown");
    cJSON_Delete(root);
    CU_ASSERT_EQUAL(ds_record_type_of(NULL), DS_RECORD_UNKNOWN);
    root = parse("{\"type\": \"nope\"}");
    CU_ASSERT_EQUAL(ds_record_type_of(root), DS_RECORD_UNKNOWN);
    cJSON_Delete(root);
    CU_ASSERT_EQUAL(ds_grade_from_name("core"), DS_GRADE_CORE);
    CU_ASSERT_EQUAL(ds_grade_from_name("general"), DS_GRADE_GENERAL);
    CU_ASSERT_EQUAL(ds_grade_from_name("CORE"), DS_GRADE_UNKNOWN);
    CU_ASSERT_EQUAL(ds_grade_from_name(NULL), DS_GRADE_UNKNOWN);
    CU_ASSERT(DS_GRADE_CORE > DS_GRADE_IMPORTANT && DS_GRADE_IMPORTANT > DS_GRADE_GENERAL);
    CU_ASSERT_STRING_EQUAL(ds_grade_name(DS_GRADE_IMPORTANT), "important");
}

static void test_record__view_exposes_typed_fields(void)
{
    ds_record_view v;
    ds_error err;
    cJSON *root = parse(valid[REG].json);
    CU_ASSERT_EQUAL_FATAL(ds_record_view_of(&v, root, "", &err), 0);
    CU_ASSERT_EQUAL(v.type, DS_RECORD_ASSET_REGISTERED);
    CU_ASSERT_EQUAL(v.ts, 1804233600);
    CU_ASSERT_STRING_EQUAL(v.platform, "P-001");
    CU_ASSERT_STRING_EQUAL(v.asset, "A-1");
    CU_ASSERT_EQUAL(v.grade, DS_GRADE_CORE);
    CU_ASSERT_EQUAL(v.records, 120000);
    CU_ASSERT_STRING_EQUAL(v.content_sha256, H1);
    CU_ASSERT_PTR_NULL(v.incident);
    CU_ASSERT_EQUAL(v.detected, -1);
    cJSON_Delete(root);

    root = parse(valid[INCIDENT].json);
    CU_ASSERT_EQUAL_FATAL(ds_record_view_of(&v, root, "", &err), 0);
    CU_ASSERT_EQUAL(v.type, DS_RECORD_INCIDENT);
    CU_ASSERT_STRING_EQUAL(v.incident, "INC-7");
    CU_ASSERT_STRING_EQUAL(v.kind, "exfiltration");
    CU_ASSERT_EQUAL(v.detected, 1804233600 - 9 * 3600 - 45 * 60); /* 9 h 45 min earlier */
    CU_ASSERT_EQUAL(v.records, -1);
    CU_ASSERT_EQUAL(v.grade, DS_GRADE_UNKNOWN);
    CU_ASSERT_EQUAL(ds_record_incident_n_assets(&v), 2);
    const char *asset = NULL;
    int64_t records = -1;
    CU_ASSERT_EQUAL(ds_record_incident_asset(&asset, &records, &v, 1), 0);
    CU_ASSERT_STRING_EQUAL(asset, "A-2");
    CU_ASSERT_EQUAL(records, 10);
    CU_ASSERT_EQUAL(ds_record_incident_asset(&asset, &records, &v, 2), DS_EINVAL);
    cJSON_Delete(root);

    root = parse(valid[COST_NPBI].json);
    CU_ASSERT_EQUAL_FATAL(ds_record_view_of(&v, root, "", &err), 0);
    CU_ASSERT_EQUAL(v.amount_minor, 25000050);
    CU_ASSERT_STRING_EQUAL(v.coverage, "NPBI");
    CU_ASSERT_EQUAL(v.has_hours, 1);
    CU_ASSERT_EQUAL(v.hours, 30.0);
    CU_ASSERT_EQUAL(ds_record_incident_n_assets(&v), 0);
    cJSON_Delete(root);

    /* Amounts with two decimals convert exactly to minor units. */
    static const struct {
        const char *amount;
        int64_t minor;
    } amounts[] = {{"0.07", 7},
                   {"0.1", 10},
                   {"19.99", 1999},
                   {"1e3", 100000},
                   {"90071992547409.91", 9007199254740991},
                   {"0", 0}};
    for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"type\": \"cost\", " TS ", \"incident\": \"I\", \"coverage\": \"FIN\","
                 " \"amount\": %s, \"document_sha256\": \"" H2 "\"}",
                 amounts[i].amount);
        root = parse(json);
        int rc = ds_record_view_of(&v, root, "", &err);
        CU_ASSERT_EQUAL(rc, 0);
        if (rc)
            fprintf(stderr, "\n  amount %s: %s\n", amounts[i].amount, err.message);
        CU_ASSERT_EQUAL(v.amount_minor, amounts[i].minor);
        CU_ASSERT_EQUAL(v.has_hours, 0);
        cJSON_Delete(root);
    }

    root = parse("{\"type\": \"flow\"}");
    CU_ASSERT_EQUAL(ds_record_view_of(&v, root, "r", &err), DS_EINVAL);
    CU_ASSERT_EQUAL(v.type, DS_RECORD_UNKNOWN);
    CU_ASSERT_PTR_NULL(v.asset);
    cJSON_Delete(root);
}

static const ds_test_case tests[] = {
    {"test_record__every_type_valid_and_canonical", test_record__every_type_valid_and_canonical},
    {"test_record__each_missing_field_is_named", test_record__each_missing_field_is_named},
    {"test_record__bad_values_are_refused_with_their_path",
     test_record__bad_values_are_refused_with_their_path},
    {"test_record__refuses_non_objects_and_duplicate_members",
     test_record__refuses_non_objects_and_duplicate_members},
    {"test_record__paths_work_without_prefix", test_record__paths_work_without_prefix},
    {"test_record__timestamps_are_strict_rfc3339_utc",
     test_record__timestamps_are_strict_rfc3339_utc},
    {"test_record__type_and_grade_names", test_record__type_and_grade_names},
    {"test_record__view_exposes_typed_fields", test_record__view_exposes_typed_fields},
};

DS_TEST_MAIN("record", tests)
