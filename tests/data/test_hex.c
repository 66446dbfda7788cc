/*
 * test_hex.c: data/hex.c. Encoding is checked against the RFC 4648 section 10 base16 test
 * vectors (lowercased, as dsure writes hex); decoding against the same vectors, both cases, and
 * against every way an input goes wrong, with the field named in the message.
 */
#include <string.h>

#include "data/hex.h"
#include "tests/ds_test.h"

/* RFC 4648 section 10: BASE16("f") = "66", ..., BASE16("foobar") = "666F6F626172". */
static const struct {
    const char *raw;
    const char *hex;
} rfc4648[] = {
    {"", ""},       {"f", "66"},         {"fo", "666f"},         {"foo", "666f6f"},
    {"foob", "666f6f62"}, {"fooba", "666f6f6261"}, {"foobar", "666f6f626172"},
};

static void test_hex__encode_matches_rfc4648_vectors_in_lowercase(void)
{
    for (size_t v = 0; v < sizeof rfc4648 / sizeof rfc4648[0]; v++) {
        char out[32];
        memset(out, 'x', sizeof out);
        ds_hex_encode(out, (const uint8_t *)rfc4648[v].raw, strlen(rfc4648[v].raw));
        CU_ASSERT_STRING_EQUAL(out, rfc4648[v].hex);
    }
    const uint8_t all[] = {0x00, 0x09, 0x0a, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof all + 1];
    ds_hex_encode(out, all, sizeof all);
    CU_ASSERT_STRING_EQUAL(out, "00090a7f80abff");
}

static void test_hex__decode_accepts_both_cases(void)
{
    for (size_t v = 0; v < sizeof rfc4648 / sizeof rfc4648[0]; v++) {
        uint8_t out[16];
        size_t n = 99;
        ds_error err;
        CU_ASSERT(ds_hex_decode(out, sizeof out, &n, rfc4648[v].hex, strlen(rfc4648[v].hex),
                                "leaf", &err) == 0);
        CU_ASSERT_EQUAL(n, strlen(rfc4648[v].raw));
        CU_ASSERT(memcmp(out, rfc4648[v].raw, n) == 0);
    }
    uint8_t out[4];
    size_t n;
    ds_error err;
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, "DEADbeef", 8, "leaf", &err) == 0);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT(out[0] == 0xde && out[1] == 0xad && out[2] == 0xbe && out[3] == 0xef);
    /* hex_len bounds the input: the rest of the string is not read */
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, "00ffzz", 4, "leaf", &err) == 0);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, NULL, 0, "leaf", &err) == 0);
    CU_ASSERT_EQUAL(n, 0);
}

static void test_hex__decode_rejects_odd_length_naming_the_field(void)
{
    uint8_t out[4];
    size_t n = 7;
    ds_error err;
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, "abc", 3, "line 3", &err) == DS_EINVAL);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_STRING_EQUAL(err.field, "line 3");
    CU_ASSERT(strstr(err.message, "line 3: not valid hex") == err.message);
    CU_ASSERT(strstr(err.message, "odd") != NULL);
}

static void test_hex__decode_rejects_non_hex_characters_with_their_position(void)
{
    uint8_t out[8];
    size_t n;
    ds_error err;
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, "00g0", 4, "line 2", &err) == DS_EINVAL);
    CU_ASSERT(strstr(err.message, "line 2: not valid hex") == err.message);
    CU_ASSERT(strstr(err.message, "character 3") != NULL);
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, "0 ", 2, "x", &err) == DS_EINVAL);
    CU_ASSERT(strstr(err.message, "character 2") != NULL);
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, "0x00", 4, "x", &err) == DS_EINVAL);
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, "00\r\n", 4, "x", &err) == DS_EINVAL);
    CU_ASSERT(strstr(err.message, "byte 0x0d") != NULL);
    const char with_nul[] = {'0', '\0', '0', '0'};
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, with_nul, 4, "x", &err) == DS_EINVAL);
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, "\xc3\xa9", 2, "x", &err) == DS_EINVAL);
    CU_ASSERT(strstr(err.message, "byte 0xc3") != NULL);
}

static void test_hex__decode_rejects_output_longer_than_capacity(void)
{
    uint8_t out[2];
    size_t n;
    ds_error err;
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, "001122", 6, "leaf", &err) == DS_EINVAL);
    CU_ASSERT(strstr(err.message, "too long") != NULL);
    CU_ASSERT(ds_hex_decode(out, sizeof out, &n, "0011", 4, "leaf", &err) == 0);
}

static void test_hex__decode_exact_wants_exactly_the_lowercase_digits(void)
{
    const char *sha_empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    uint8_t out[32];
    ds_error err;
    CU_ASSERT(ds_hex_decode_exact(out, 32, sha_empty, "content_sha256", &err) == 0);
    CU_ASSERT(out[0] == 0xe3 && out[31] == 0x55);

    char upper[65];
    memcpy(upper, sha_empty, 65);
    upper[0] = 'E';
    CU_ASSERT(ds_hex_decode_exact(out, 32, upper, "content_sha256", &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "content_sha256: must be 64 lowercase hex digits");
    CU_ASSERT(ds_hex_decode_exact(out, 32, "e3b0", "content_sha256", &err) == DS_EINVAL);
    char longer[67];
    memcpy(longer, sha_empty, 64);
    memcpy(longer + 64, "00", 3);
    CU_ASSERT(ds_hex_decode_exact(out, 32, longer, "content_sha256", &err) == DS_EINVAL);
    CU_ASSERT(ds_hex_decode_exact(out, 32, NULL, "document_sha256", &err) == DS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.field, "document_sha256");
    CU_ASSERT(ds_hex_decode_exact(out, 0, "", "x", &err) == 0);
}

static void test_hex__roundtrip_of_every_byte_value(void)
{
    uint8_t all[256], back[256];
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    char hex[513];
    ds_hex_encode(hex, all, sizeof all);
    size_t n;
    ds_error err;
    CU_ASSERT(ds_hex_decode(back, sizeof back, &n, hex, 512, "x", &err) == 0);
    CU_ASSERT_EQUAL(n, 256);
    CU_ASSERT(memcmp(all, back, 256) == 0);
    CU_ASSERT(ds_hex_decode_exact(back, 256, hex, "x", &err) == 0);
    CU_ASSERT(memcmp(all, back, 256) == 0);
}

static const ds_test_case tests[] = {
    {"encode_matches_rfc4648_vectors_in_lowercase",
     test_hex__encode_matches_rfc4648_vectors_in_lowercase},
    {"decode_accepts_both_cases", test_hex__decode_accepts_both_cases},
    {"decode_rejects_odd_length_naming_the_field",
     test_hex__decode_rejects_odd_length_naming_the_field},
    {"decode_rejects_non_hex_characters_with_their_position",
     test_hex__decode_rejects_non_hex_characters_with_their_position},
    {"decode_rejects_output_longer_than_capacity",
     test_hex__decode_rejects_output_longer_than_capacity},
    {"decode_exact_wants_exactly_the_lowercase_digits",
     test_hex__decode_exact_wants_exactly_the_lowercase_digits},
    {"roundtrip_of_every_byte_value", test_hex__roundtrip_of_every_byte_value},
};

DS_TEST_MAIN("hex", tests)
