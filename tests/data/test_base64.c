/*
 * test_base64.c: data/base64.c against the RFC 4648 section 10 test vectors, round trips of
 * every length, and the strictness rules (one spelling per byte string).
 */
#include <stdlib.h>
#include <string.h>

#include "data/base64.h"
#include "tests/ds_test.h"

/* RFC 4648 section 10, "Test Vectors" (BASE64). */
static const struct {
    const char *data, *b64;
} rfc4648[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void test_base64__encodes_rfc4648_vectors(void)
{
    for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        char *out = NULL;
        size_t n = strlen(rfc4648[i].data);
        CU_ASSERT_EQUAL_FATAL(ds_base64_encode(&out, (const uint8_t *)rfc4648[i].data, n), 0);
        CU_ASSERT_STRING_EQUAL(out, rfc4648[i].b64);
        CU_ASSERT_EQUAL(ds_base64_encoded_len(n), strlen(rfc4648[i].b64));
        free(out);
    }
}

static void test_base64__decodes_rfc4648_vectors(void)
{
    for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        uint8_t *out = NULL;
        size_t n = 99;
        ds_error err;
        ds_error_clear(&err);
        const char *b64 = rfc4648[i].b64;
        CU_ASSERT_EQUAL_FATAL(ds_base64_decode(&out, &n, b64, strlen(b64), "x", &err), 0);
        CU_ASSERT_EQUAL(n, strlen(rfc4648[i].data));
        CU_ASSERT(memcmp(out, rfc4648[i].data, n) == 0);
        free(out);
    }
}

static void test_base64__round_trips_every_length_and_byte(void)
{
    uint8_t data[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 151u + 7u); /* every byte value occurs */
    for (size_t n = 0; n <= sizeof data; n++) {
        char *text = NULL;
        CU_ASSERT_EQUAL_FATAL(ds_base64_encode(&text, data, n), 0);
        uint8_t back[300];
        size_t m = 0;
        ds_error err;
        CU_ASSERT_EQUAL(ds_base64_decode_buf(back, sizeof back, &m, text, strlen(text), "x", &err),
                        0);
        CU_ASSERT_EQUAL(m, n);
        CU_ASSERT(memcmp(back, data, n) == 0);
        free(text);
    }
}

static void test_base64__rejects_non_canonical_or_malformed_text(void)
{
    static const char *const bad[] = {
        "Zg=",                   /* length not a multiple of 4 */
        "Zg",                    /* padding missing */
        "Zg==\n",                /* trailing newline */
        " Zg=",                  /* leading space (EVP_DecodeBlock alone would skip it) */
        "Zh==",                  /* unused bits not zero: a second spelling of "f" */
        "Zm9=",                  /* same, one padding character */
        "Z===",                  /* three padding characters */
        "Zm=v",                  /* padding in the middle */
        "=Zm9",                  /* padding first */
        "Zm9vYg=a",              /* character after padding */
        "Zm-v",                  /* base64url alphabet */
        "Zm_v",     "Zm9v\0Zm9", /* NUL inside (the length says 8) */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        size_t n = 0;
        ds_error err;
        ds_error_clear(&err);
        size_t len = i == sizeof bad / sizeof bad[0] - 1 ? 8 : strlen(bad[i]);
        int rc = ds_base64_decode_buf(out, sizeof out, &n, bad[i], len, "root", &err);
        if (rc != DS_EINVAL)
            fprintf(stderr, "\n  accepted bad base64 #%zu\n", i);
        CU_ASSERT_EQUAL(rc, DS_EINVAL);
        CU_ASSERT_STRING_EQUAL(err.field, "root");
        CU_ASSERT_EQUAL(n, 0);
    }
}

static void test_base64__decode_refuses_output_larger_than_buffer(void)
{
    uint8_t out[2];
    size_t n = 0;
    ds_error err;
    CU_ASSERT_EQUAL(ds_base64_decode_buf(out, sizeof out, &n, "Zm9v", 4, "root", &err), DS_EINVAL);
    CU_ASSERT(strstr(err.message, "3 bytes") != NULL);
    CU_ASSERT_EQUAL(ds_base64_decode_buf(out, sizeof out, &n, "Zm8=", 4, "root", &err), 0);
    CU_ASSERT_EQUAL(n, 2);
}

static void test_base64__encode_buf_refuses_small_buffer(void)
{
    char buf[8];
    /* 6 bytes need 8 characters and the NUL: 9 > 8. */
    CU_ASSERT_EQUAL(ds_base64_encode_buf(buf, sizeof buf, (const uint8_t *)"foobar", 6),
                    DS_ENOMEM);
    CU_ASSERT_EQUAL(ds_base64_encode_buf(buf, sizeof buf, (const uint8_t *)"foo", 3), 4);
    CU_ASSERT_STRING_EQUAL(buf, "Zm9v");
}

static const ds_test_case tests[] = {
    {"test_base64__encodes_rfc4648_vectors", test_base64__encodes_rfc4648_vectors},
    {"test_base64__decodes_rfc4648_vectors", test_base64__decodes_rfc4648_vectors},
    {"test_base64__round_trips_every_length_and_byte",
     test_base64__round_trips_every_length_and_byte},
    {"test_base64__rejects_non_canonical_or_malformed_text",
     test_base64__rejects_non_canonical_or_malformed_text},
    {"test_base64__decode_refuses_output_larger_than_buffer",
     test_base64__decode_refuses_output_larger_than_buffer},
    {"test_base64__encode_buf_refuses_small_buffer", test_base64__encode_buf_refuses_small_buffer},
};

DS_TEST_MAIN("base64", tests)
