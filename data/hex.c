/*
 * hex.c: lowercase hex encoding and strict hex decoding with field-naming errors (see hex.h).
 */
#include "data/hex.h"

#include <string.h>

static const char lower_digits[] = "0123456789abcdef";

/* The value of a hex digit, or -1. Upper case is accepted only when allow_upper is set. */
static int digit_value(char c, int allow_upper)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (allow_upper && c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void ds_hex_encode(char *out, const uint8_t *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = lower_digits[in[i] >> 4];
        out[2 * i + 1] = lower_digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

static int decode(uint8_t *out, const char *hex, size_t n_bytes, int allow_upper,
                  const char *field, ds_error *err)
{
    for (size_t i = 0; i < n_bytes; i++) {
        int hi = digit_value(hex[2 * i], allow_upper);
        int lo = digit_value(hex[2 * i + 1], allow_upper);
        if (hi < 0 || lo < 0) {
            size_t pos = hi < 0 ? 2 * i + 1 : 2 * i + 2;
            unsigned char bad = (unsigned char)hex[pos - 1];
            if (bad >= 0x20 && bad < 0x7f)
                return ds_error_set(err, DS_EINVAL, field,
                                    "not valid hex: character %zu is '%c'", pos, bad);
            return ds_error_set(err, DS_EINVAL, field,
                                "not valid hex: character %zu is byte 0x%02x", pos, bad);
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int ds_hex_decode(uint8_t *out, size_t cap, size_t *n_out, const char *hex, size_t hex_len,
                  const char *field, ds_error *err)
{
    *n_out = 0;
    if (hex_len == 0)
        return 0;
    if (!hex)
        return ds_error_set(err, DS_EINVAL, field, "is missing");
    if (hex_len % 2 != 0)
        return ds_error_set(err, DS_EINVAL, field,
                            "not valid hex: odd number of digits (%zu)", hex_len);
    if (hex_len / 2 > cap)
        return ds_error_set(err, DS_EINVAL, field, "too long: %zu bytes, at most %zu",
                            hex_len / 2, cap);
    int rc = decode(out, hex, hex_len / 2, 1, field, err);
    if (rc)
        return rc;
    *n_out = hex_len / 2;
    return 0;
}

int ds_hex_decode_exact(uint8_t *out, size_t len, const char *hex, const char *field,
                        ds_error *err)
{
    if (!hex)
        return ds_error_set(err, DS_EINVAL, field, "is missing");
    /* strnlen bounds the scan: a string longer than expected is wrong whatever follows. */
    size_t hex_len = strnlen(hex, 2 * len + 1);
    if (hex_len != 2 * len)
        return ds_error_set(err, DS_EINVAL, field, "must be %zu lowercase hex digits", 2 * len);
    for (size_t i = 0; i < hex_len; i++) {
        if (digit_value(hex[i], 0) < 0)
            return ds_error_set(err, DS_EINVAL, field, "must be %zu lowercase hex digits",
                                2 * len);
    }
    return decode(out, hex, len, 0, field, err);
}
