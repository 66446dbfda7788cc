/*
 * test_jcs.c: data/jcs.c against RFC 8785 (JSON Canonicalization Scheme).
 *
 * Vectors, with their sources:
 *  - RFC 8785 section 3.2.2 (the "numbers / string / literals" example and its canonical form)
 *    and section 3.2.3 (the property sorting example, whose names include U+1F600 to show the
 *    UTF-16 code unit order), https://www.rfc-editor.org/rfc/rfc8785.
 *  - RFC 8785 Appendix B, "Number Serialization Samples": IEEE 754 bit patterns and the
 *    ECMAScript text each must give.
 *  - Powers of two where the correctly rounded shortest candidate does not read back but its
 *    neighbour does (the rounding interval is asymmetric at a power of two); expected text from
 *    CPython's repr (David Gay's shortest round-trip algorithm), laid out per ECMA-262.
 * Plus properties: every output reads back to the same double and no shorter digit string does.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "data/jcs.h"
#include "tests/ds_test.h"

static char *canon_text(const char *json, int *rc_out, ds_error *err)
{
    cJSON *root = cJSON_Parse(json);
    CU_ASSERT_PTR_NOT_NULL_FATAL(root);
    char *out = NULL;
    size_t len = 0;
    ds_error_clear(err);
    *rc_out = ds_jcs_serialize(&out, &len, root, "", err);
    if (*rc_out == 0)
        CU_ASSERT_EQUAL(len, strlen(out));
    cJSON_Delete(root);
    return out;
}

static void expect_canon(const char *json, const char *expected)
{
    int rc;
    ds_error err;
    char *out = canon_text(json, &rc, &err);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc == 0 && strcmp(out, expected) != 0)
        fprintf(stderr, "\n  input    %s\n  got      %s\n  expected %s\n", json, out, expected);
    if (rc == 0)
        CU_ASSERT_STRING_EQUAL(out, expected);
    free(out);
}

static void test_jcs__rfc8785_section_3_2_2_example(void)
{
    const char *input =
        "{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],"
        "\n  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
        "  \"literals\": [null, true, false]\n}";
    const char *expected = "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,"
                           "1e+30,4.5,0.002,1e-27],\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\""
                           "\\\\\\\\\\\"/\"}";
    expect_canon(input, expected);
}

static void test_jcs__rfc8785_section_3_2_3_sorts_by_utf16_code_units(void)
{
    /* U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB33 although its code point
     * is larger: a code point or UTF-8 byte sort would put it last. */
    const char *input = "{\n  \"\\u20ac\": \"Euro Sign\",\n  \"\\r\": \"Carriage Return\",\n"
                        "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n  \"1\": \"One\",\n"
                        "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
                        "  \"\\u0080\": \"Control\",\n"
                        "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n}";
    const char *expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\","
                           "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\","
                           "\"\xE2\x82\xAC\":\"Euro Sign\","
                           "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\","
                           "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}";
    expect_canon(input, expected);
}

static double from_bits(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static void expect_number(double v, const char *expected)
{
    char buf[DS_JCS_NUMBER_MAX];
    int n = ds_jcs_number(buf, sizeof buf, v);
    CU_ASSERT_EQUAL(n, (int)strlen(expected));
    if (n < 0 || strcmp(buf, expected) != 0)
        fprintf(stderr, "\n  %.17g: got %s, expected %s\n", v, n < 0 ? "(error)" : buf, expected);
    CU_ASSERT(n >= 0 && strcmp(buf, expected) == 0);
}

static void test_jcs__rfc8785_appendix_b_number_samples(void)
{
    static const struct {
        uint64_t bits;
        const char *text;
    } samples[] = {
        {0x0000000000000000u, "0"},
        {0x8000000000000000u, "0"}, /* minus zero */
        {0x0000000000000001u, "5e-324"},
        {0x8000000000000001u, "-5e-324"},
        {0x7fefffffffffffffu, "1.7976931348623157e+308"},
        {0xffefffffffffffffu, "-1.7976931348623157e+308"},
        {0x4340000000000000u, "9007199254740992"},
        {0xc340000000000000u, "-9007199254740992"},
        {0x4430000000000000u, "295147905179352830000"},
        {0x44b52d02c7e14af5u, "9.999999999999997e+22"},
        {0x44b52d02c7e14af6u, "1e+23"},
        {0x44b52d02c7e14af7u, "1.0000000000000001e+23"},
        {0x444b1ae4d6e2ef4eu, "999999999999999700000"},
        {0x444b1ae4d6e2ef4fu, "999999999999999900000"},
        {0x444b1ae4d6e2ef50u, "1e+21"},
        {0x3eb0c6f7a0b5ed8cu, "9.999999999999997e-7"},
        {0x3eb0c6f7a0b5ed8du, "0.000001"},
        {0x41b3de4355555553u, "333333333.3333332"},
        {0x41b3de4355555554u, "333333333.33333325"},
        {0x41b3de4355555555u, "333333333.3333333"},
        {0x41b3de4355555556u, "333333333.3333334"},
        {0x41b3de4355555557u, "333333333.33333343"},
        {0xbecbf647612f3696u, "-0.0000033333333333333333"},
        {0x43143ff3c1cb0959u, "1424953923781206.2"}, /* round to even */
    };
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        expect_number(from_bits(samples[i].bits), samples[i].text);
}

static void test_jcs__number_layout_switches_at_ecmascript_bounds(void)
{
    expect_number(1e21, "1e+21");
    expect_number(1e20, "100000000000000000000");
    expect_number(0.000001, "0.000001");
    expect_number(1e-7, "1e-7");
    expect_number(1.5e-7, "1.5e-7");
    expect_number(4.5, "4.5");
    expect_number(2e-3, "0.002");
    expect_number(-0.0, "0");
    expect_number(1e30, "1e+30");
    expect_number(1e-27, "1e-27");
    expect_number(123456.789, "123456.789");
    expect_number(-1.25, "-1.25");
    expect_number(100, "100");
    expect_number(0.1, "0.1");
    expect_number(0.1 + 0.2, "0.30000000000000004");
}

static void test_jcs__shortest_digits_at_asymmetric_power_of_two(void)
{
    /* CPython repr (shortest round trip, Gay) of these powers of two; %.15e rounds to the
     * nearest 16-digit value, which lies outside the narrow lower half-interval. */
    expect_number(ldexp(1.0, 132), "5.444517870735016e+39");
    expect_number(ldexp(1.0, 976), "6.386688990511104e+293");
    expect_number(ldexp(1.0, -1017), "7.120236347223045e-307");
    expect_number(ldexp(1.0, -24), "5.960464477539063e-8");
}

static void test_jcs__refuses_non_finite_numbers(void)
{
    char buf[DS_JCS_NUMBER_MAX];
    CU_ASSERT_EQUAL(ds_jcs_number(buf, sizeof buf, INFINITY), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_jcs_number(buf, sizeof buf, -INFINITY), DS_EINVAL);
    CU_ASSERT_EQUAL(ds_jcs_number(buf, sizeof buf, NAN), DS_EINVAL);
    cJSON *root = cJSON_CreateObject();
    cJSON *inner = cJSON_AddObjectToObject(root, "cost");
    cJSON_AddNumberToObject(inner, "amount", NAN);
    char *out = (char *)1;
    ds_error err;
    CU_ASSERT_EQUAL(ds_jcs_serialize(&out, NULL, root, "records[2]", &err), DS_EINVAL);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_STRING_EQUAL(err.field, "records[2].cost.amount");
    CU_ASSERT_STRING_EQUAL(err.message, "records[2].cost.amount: must be a finite number");
    cJSON_Delete(root);
}

/* Property: output reads back exactly, and no string with one digit fewer does. */
static void test_jcs__numbers_round_trip_and_are_shortest(void)
{
    uint64_t state = 0x9E3779B97F4A7C15u; /* splitmix64, a fixed sequence */
    for (int i = 0; i < 20000; i++) {
        state += 0x9E3779B97F4A7C15u;
        uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        z ^= z >> 31;
        double v = from_bits(z);
        if (i % 4 == 0)
            v = (double)(int64_t)(z >> 11) / 1024.0; /* money-like values too */
        if (!isfinite(v))
            continue;
        char buf[DS_JCS_NUMBER_MAX];
        int n = ds_jcs_number(buf, sizeof buf, v);
        CU_ASSERT_FATAL(n > 0);
        CU_ASSERT_EQUAL(strtod(buf, NULL), v == 0 ? 0.0 : v);
        /* Count significant digits: the digits before any exponent, without leading zeros. */
        int digits = 0, seen = 0;
        for (const char *p = buf; *p && *p != 'e'; p++) {
            if (*p >= '1' && *p <= '9')
                seen = 1;
            if (seen && *p >= '0' && *p <= '9')
                digits++;
        }
        /* Trailing zeros of an integer are not significant. */
        if (!strchr(buf, '.') && !strchr(buf, 'e')) {
            for (int j = n - 1; j > 0 && buf[j] == '0'; j--)
                digits--;
        }
        if (digits > 1 && v != 0) {
            /* Any (digits-1)-digit decimal that reads back as v lies within half an ulp, so it
             * is one of the two (digits-1)-digit neighbours of v. */
            char shorter[40];
            snprintf(shorter, sizeof shorter, "%.*e", digits - 2, v);
            double below = strtod(shorter, NULL);
            CU_ASSERT(below != v);
            char *e = strchr(shorter, 'e');
            int exp10 = (int)strtol(e + 1, NULL, 10);
            long long mant = 0;
            for (char *p = shorter; p < e; p++) {
                if (*p >= '0' && *p <= '9')
                    mant = mant * 10 + (*p - '0');
            }
            char other[48];
            snprintf(other, sizeof other, "%s%llde%d", v < 0 ? "-" : "",
                     fabs(below) < fabs(v) ? mant + 1 : mant - 1, exp10 - (digits - 2));
            if (strtod(other, NULL) == v)
                fprintf(stderr, "\n  %s is not shortest: %s\n", buf, other);
            CU_ASSERT(strtod(other, NULL) != v);
        }
    }
}

static void test_jcs__escapes_control_characters_and_keeps_utf8(void)
{
    /* RFC 8785 section 3.2.2.2: \b \t \n \f \r short forms, other controls \u00xx in lower
     * case, '"' and '\\' escaped, '/' and DEL and every non-ASCII character as they are.
     * (U+0000 cannot be tested: cJSON strings are NUL-terminated and its parser cuts the
     * string there.) */
    expect_canon("[\"\\u0001\\b\\t\\n\\u000b\\f\\r\\u001F \\\"\\\\\\/\\u007f\"]",
                 "[\"\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f \\\"\\\\/\x7F\"]");
    expect_canon("{\"caf\\u00e9\":\"\\u20ac \\ud83d\\ude00 \xE4\xB8\xAD\"}",
                 "{\"caf\xC3\xA9\":\"\xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xB8\xAD\"}");
}

static void test_jcs__sorts_nested_objects_and_keeps_array_order(void)
{
    expect_canon("{\"b\": [3, {\"z\": 1, \"a\": {\"y\": true, \"x\": null}}, 1], \"a\": {},"
                 " \"\": [], \"aa\": \"s\", \"A\": 0}",
                 "{\"\":[],\"A\":0,\"a\":{},\"aa\":\"s\",\"b\":[3,{\"a\":{\"x\":null,\"y\":true},"
                 "\"z\":1},1]}");
    expect_canon("  \"top\"  ", "\"top\"");
    expect_canon("-0", "0");
}

static void test_jcs__refuses_duplicate_member_names(void)
{
    int rc;
    ds_error err;
    char *out = canon_text("{\"a\": {\"k\": 1, \"j\": 0, \"k\": 2}}", &rc, &err);
    CU_ASSERT_EQUAL(rc, DS_EINVAL);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_STRING_EQUAL(err.message, "a.k: duplicate member name");
}

static void test_jcs__refuses_invalid_utf8(void)
{
    static const char *const bad[] = {
        "\xC3\x28",         /* truncated 2-byte sequence */
        "\xC0\xAF",         /* overlong '/' */
        "\xED\xA0\x80",     /* UTF-8 encoded surrogate U+D800 */
        "\xF4\x90\x80\x80", /* above U+10FFFF */
        "\xFF",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "name", bad[i]);
        char *out = NULL;
        ds_error err;
        CU_ASSERT_EQUAL(ds_jcs_serialize(&out, NULL, root, "", &err), DS_EINVAL);
        CU_ASSERT_STRING_EQUAL(err.field, "name");
        cJSON_Delete(root);
        /* The same bytes as a member name. */
        root = cJSON_CreateObject();
        cJSON_AddNumberToObject(root, bad[i], 1);
        CU_ASSERT_EQUAL(ds_jcs_serialize(&out, NULL, root, "rec", &err), DS_EINVAL);
        CU_ASSERT_STRING_EQUAL(err.field, "rec");
        cJSON_Delete(root);
    }
}

static void test_jcs__refuses_excessive_nesting(void)
{
    char deep[2 * (DS_JCS_DEPTH_MAX + 2) + 1];
    size_t n = DS_JCS_DEPTH_MAX + 2;
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    int rc;
    ds_error err;
    char *out = canon_text(deep, &rc, &err);
    CU_ASSERT_EQUAL(rc, DS_EINVAL);
    CU_ASSERT_PTR_NULL(out);
    /* One level less than the limit is fine. */
    n = DS_JCS_DEPTH_MAX;
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    out = canon_text(deep, &rc, &err);
    CU_ASSERT_EQUAL(rc, 0);
    free(out);
}

static void test_jcs__is_independent_of_input_member_order(void)
{
    int rc1, rc2;
    ds_error err;
    char *a = canon_text("{\"ts\":\"2027-03-05T08:00:00Z\",\"type\":\"asset.records\","
                         "\"records\":1.0E3,\"asset\":\"A-1\"}",
                         &rc1, &err);
    char *b = canon_text("{ \"asset\" : \"A-1\", \"records\" : 1000, \"type\" : \"asset.records\","
                         " \"ts\" : \"2027-03-05T08:00:00Z\" }",
                         &rc2, &err);
    CU_ASSERT_EQUAL(rc1 | rc2, 0);
    CU_ASSERT_STRING_EQUAL(a,
                           "{\"asset\":\"A-1\",\"records\":1000,\"ts\":\"2027-03-05T08:00:00Z\","
                           "\"type\":\"asset.records\"}");
    CU_ASSERT_STRING_EQUAL(a, b);
    free(a);
    free(b);
}

static const ds_test_case tests[] = {
    {"test_jcs__rfc8785_section_3_2_2_example", test_jcs__rfc8785_section_3_2_2_example},
    {"test_jcs__rfc8785_section_3_2_3_sorts_by_utf16_code_units",
     test_jcs__rfc8785_section_3_2_3_sorts_by_utf16_code_units},
    {"test_jcs__rfc8785_appendix_b_number_samples", test_jcs__rfc8785_appendix_b_number_samples},
    {"test_jcs__number_layout_switches_at_ecmascript_bounds",
     test_jcs__number_layout_switches_at_ecmascript_bounds},
    {"test_jcs__shortest_digits_at_asymmetric_power_of_two",
     test_jcs__shortest_digits_at_asymmetric_power_of_two},
    {"test_jcs__refuses_non_finite_numbers", test_jcs__refuses_non_finite_numbers},
    {"test_jcs__numbers_round_trip_and_are_shortest",
     test_jcs__numbers_round_trip_and_are_shortest},
    {"test_jcs__escapes_control_characters_and_keeps_utf8",
     test_jcs__escapes_control_characters_and_keeps_utf8},
    {"test_jcs__sorts_nested_objects_and_keeps_array_order",
     test_jcs__sorts_nested_objects_and_keeps_array_order},
    {"test_jcs__refuses_duplicate_member_names", test_jcs__refuses_duplicate_member_names},
    {"test_jcs__refuses_invalid_utf8", test_jcs__refuses_invalid_utf8},
    {"test_jcs__refuses_excessive_nesting", test_jcs__refuses_excessive_nesting},
    {"test_jcs__is_independent_of_input_member_order",
     test_jcs__is_independent_of_input_member_order},
};

DS_TEST_MAIN("jcs", tests)
