/*
 * hex.h: hexadecimal encoding and strict decoding of byte strings (hashes, raw Merkle leaves).
 *
 * Encoding is always lowercase. Decoding checks everything a careless input gets wrong: odd
 * length, a character that is not a hex digit (its position is named), a result too long for the
 * caller's buffer; every message starts with the field name the caller gives ("line 3",
 * "content_sha256"). Nothing is written to the output on error beyond the bytes already decoded;
 * callers must treat the output as undefined when a call fails.
 *
 * Thread safety: all functions are reentrant.
 */
#ifndef DS_DATA_HEX_H
#define DS_DATA_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "actuarial/error.h"

/* Writes 2 * len lowercase hex digits and a NUL into out, which must hold 2 * len + 1 chars. */
void ds_hex_encode(char *out, const uint8_t *in, size_t len);

/*
 * Decodes hex[0..hex_len-1] (upper- or lowercase digits; no spaces, no "0x") into out, which
 * holds cap bytes; *n_out receives the number of bytes (hex_len / 2). hex may be NULL when
 * hex_len is 0.
 * Errors (DS_EINVAL, message "field: ..."): odd number of digits, a non-hex character (named with
 * its 1-based position), more than cap bytes.
 */
int ds_hex_decode(uint8_t *out, size_t cap, size_t *n_out, const char *hex, size_t hex_len,
                  const char *field, ds_error *err);

/*
 * Decodes the NUL-terminated string hex, which must be exactly 2 * len LOWERCASE hex digits (the
 * canonical form of hashes in dsure: "content_sha256: must be 64 lowercase hex digits").
 * Errors: DS_EINVAL naming field; hex NULL is an error too.
 */
int ds_hex_decode_exact(uint8_t *out, size_t len, const char *hex, const char *field,
                        ds_error *err);

#endif
