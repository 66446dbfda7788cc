/*
 * base64.c: strict standard base64 on OpenSSL (see base64.h).
 *
 * EVP_DecodeBlock alone is too lenient for signed data: it skips leading and trailing white
 * space, and it returns padding bytes as zeros. So the text is checked here first (alphabet,
 * length, padding only at the end), the padding length is subtracted, and the decoded bytes
 * are re-encoded and compared, which also refuses non-zero unused bits in the last group.
 */
#include "data/base64.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* EVP_*Block take int lengths; larger inputs are refused rather than truncated. */
#define BASE64_INPUT_MAX ((size_t)1 << 28)

size_t ds_base64_encoded_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

int ds_base64_encode_buf(char *buf, size_t cap, const uint8_t *data, size_t n)
{
    if (n > BASE64_INPUT_MAX || cap < ds_base64_encoded_len(n) + 1)
        return DS_ENOMEM;
    if (n == 0) {
        buf[0] = '\0';
        return 0;
    }
    int written = EVP_EncodeBlock((unsigned char *)buf, data, (int)n);
    buf[written] = '\0';
    return written;
}

int ds_base64_encode(char **out, const uint8_t *data, size_t n)
{
    *out = NULL;
    if (n > BASE64_INPUT_MAX)
        return DS_ENOMEM;
    size_t cap = ds_base64_encoded_len(n) + 1;
    char *buf = malloc(cap);
    if (!buf)
        return DS_ENOMEM;
    ds_base64_encode_buf(buf, cap, data, n);
    *out = buf;
    return 0;
}

static int is_alphabet(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

int ds_base64_decode_buf(uint8_t *buf, size_t cap, size_t *out_len, const char *text, size_t len,
                         const char *what, ds_error *err)
{
    *out_len = 0;
    if (len > BASE64_INPUT_MAX)
        return ds_error_set(err, DS_EINVAL, what, "base64 text is too long");
    if (len % 4 != 0)
        return ds_error_set(err, DS_EINVAL, what,
                            "must be base64 (length %zu is not a multiple of 4)", len);
    size_t pad = 0;
    if (len >= 1 && text[len - 1] == '=')
        pad++;
    if (pad && text[len - 2] == '=')
        pad++;
    for (size_t i = 0; i < len - pad; i++) {
        if (!is_alphabet(text[i]))
            return ds_error_set(err, DS_EINVAL, what,
                                "must be base64 (bad character at offset %zu)", i);
    }
    size_t n = len / 4 * 3 - pad;
    if (n > cap)
        return ds_error_set(err, DS_EINVAL, what, "decodes to %zu bytes, at most %zu expected", n,
                            cap);
    if (len == 0)
        return 0;
    /* EVP_DecodeBlock writes len / 4 * 3 bytes, padding included: decode into scratch. */
    uint8_t *scratch = malloc(len / 4 * 3);
    char *check = malloc(len + 1);
    int rc = 0;
    if (!scratch || !check) {
        rc = ds_error_set(err, DS_ENOMEM, what, "out of memory");
        goto out;
    }
    if (EVP_DecodeBlock(scratch, (const unsigned char *)text, (int)len) != (int)(len / 4 * 3)) {
        rc = ds_error_set(err, DS_EINVAL, what, "must be base64");
        goto out;
    }
    /* One spelling only: the text must be the encoding of what it decodes to. */
    ds_base64_encode_buf(check, len + 1, scratch, n);
    if (memcmp(check, text, len) != 0) {
        rc = ds_error_set(err, DS_EINVAL, what, "must be canonical base64");
        goto out;
    }
    memcpy(buf, scratch, n);
    *out_len = n;
out:
    if (scratch)
        OPENSSL_cleanse(scratch, len / 4 * 3);
    free(scratch);
    free(check);
    return rc;
}

int ds_base64_decode(uint8_t **out, size_t *out_len, const char *text, size_t len,
                     const char *what, ds_error *err)
{
    *out = NULL;
    *out_len = 0;
    size_t cap = len / 4 * 3;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (!buf)
        return ds_error_set(err, DS_ENOMEM, what, "out of memory");
    int rc = ds_base64_decode_buf(buf, cap, out_len, text, len, what, err);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}
