/*
 * utf8.h: decoding one UTF-8 sequence strictly (RFC 3629 section 4: no overlong forms, no
 * surrogates, nothing above U+10FFFF), for the JSON canonicaliser (data/jcs.c) and the
 * signed-note text and key-name rules (claims/checkpoint.c). Pure and thread-safe.
 */
#ifndef DS_DATA_UTF8_H
#define DS_DATA_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the sequence at s (n bytes left) into *cp; returns its length (1 to 4), or 0 when
 * n is 0 or the bytes are not well-formed UTF-8 (*cp is then left unchanged).
 */
size_t ds_utf8_decode(uint32_t *cp, const unsigned char *s, size_t n);

#endif
