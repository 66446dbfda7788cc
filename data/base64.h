/*
 * base64.h: standard base64 (RFC 4648 section 4, alphabet A-Z a-z 0-9 + /, '=' padding) on
 * OpenSSL's EVP_EncodeBlock / EVP_DecodeBlock.
 *
 * Decoding is strict, because the signed notes and keys that use it must have one spelling:
 * the text length must be a multiple of 4, padding is required and only at the end, no
 * whitespace or line breaks, and the unused bits of the last group must be zero (the text must
 * equal the re-encoding of what it decodes to). Anything else is DS_EINVAL.
 *
 * Thread safety: pure functions of their arguments.
 */
#ifndef DS_DATA_BASE64_H
#define DS_DATA_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"

/* Length of the encoding of n bytes, without a NUL: 4 * ceil(n / 3). */
size_t ds_base64_encoded_len(size_t n);

/*
 * Encodes n bytes of data into *out (NUL-terminated, malloc'd; the caller frees it with free()).
 * Returns 0 or DS_ENOMEM.
 */
int ds_base64_encode(char **out, const uint8_t *data, size_t n);

/*
 * Encodes into a caller buffer of cap bytes, NUL-terminated. Returns the length written (without
 * the NUL) or DS_ENOMEM when cap < ds_base64_encoded_len(n) + 1.
 */
int ds_base64_encode_buf(char *buf, size_t cap, const uint8_t *data, size_t n);

/*
 * Decodes len characters of text into *out (malloc'd, caller frees with free(); at least one
 * byte is allocated even for empty input) and the decoded length into *out_len.
 * what names the field in error messages ("signature"). Errors: DS_EINVAL, DS_ENOMEM.
 */
int ds_base64_decode(uint8_t **out, size_t *out_len, const char *text, size_t len,
                     const char *what, ds_error *err);

/*
 * Decodes into a caller buffer of cap bytes; DS_EINVAL when the decoded data would not fit
 * (so a field of known size is checked by passing its size and comparing *out_len).
 */
int ds_base64_decode_buf(uint8_t *buf, size_t cap, size_t *out_len, const char *text, size_t len,
                         const char *what, ds_error *err);

#endif
