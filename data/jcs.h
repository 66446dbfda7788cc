/*
 * jcs.h: RFC 8785 JSON Canonicalization Scheme (JCS) over a cJSON tree.
 *
 * The canonical form is what the provenance ledger hashes, so two parties that hold the same
 * record get byte-identical entries: object members sorted by their names' UTF-16 code units,
 * no insignificant whitespace, strings escaped as RFC 8785 section 3.2.2.2 prescribes (only '"',
 * '\\' and the control characters U+0000..U+001F; every other character kept as UTF-8), numbers
 * in the ECMAScript Number::toString form (ECMA-262, section 6.1.6.1.20) with -0 written as 0.
 *
 * Refused (DS_EINVAL, the message names the path of the offending value): non-finite numbers,
 * duplicate member names in one object (I-JSON, RFC 7493 section 2.3), strings that are not
 * valid UTF-8 (overlong forms, surrogates, code points above U+10FFFF), nesting deeper than
 * DS_JCS_DEPTH_MAX and cJSON raw items.
 *
 * Thread safety: pure functions of their arguments.
 */
#ifndef DS_DATA_JCS_H
#define DS_DATA_JCS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "actuarial/error.h"

/* Nesting deeper than this is refused rather than recursed into. */
#define DS_JCS_DEPTH_MAX 64

/* Enough room for any double in ECMAScript form, with its NUL ("-1.2345678901234567e-308"). */
#define DS_JCS_NUMBER_MAX 32

/*
 * Writes the canonical JSON text of node into *out (NUL-terminated, malloc'd; the caller frees
 * it with free()) and its length, excluding the NUL, into *len (len may be NULL).
 * path names node in error messages ("" reads as the top level, e.g. "records[3]").
 * Errors: DS_EINVAL as listed above; DS_ENOMEM. On error *out is NULL.
 */
int ds_jcs_serialize(char **out, size_t *len, const cJSON *node, const char *path, ds_error *err);

/*
 * Writes value in ECMAScript Number::toString form into buf (cap >= DS_JCS_NUMBER_MAX is always
 * enough): the shortest decimal digits that round-trip to the same double, in plain notation for
 * decimal exponents -7 < e < 21 and as d.ddde+XX / d.ddde-XX otherwise; -0 gives "0".
 * Returns the length written, or DS_EINVAL when value is not finite or DS_ENOMEM when cap is
 * too small.
 */
int ds_jcs_number(char *buf, size_t cap, double value);

#endif
